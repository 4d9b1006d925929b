/*
 * libFuzzer target for block parsing: any input that parses must serialize
 * back to exactly the same bytes, with hash and size matching them, and the
 * context-free block checks must return a coherent verdict without
 * crashing. Since a fuzzed body rarely matches its header's merkle root,
 * the checks run a second time on the same body under a recomputed root
 * (and a regtest proof of work), so the per-transaction rules are reached
 * too. Built by `make fuzz` with the consensus sources, under ASan and UBSan.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/block.h"
#include "consensus/block_check.h"
#include "consensus/hash.h"
#include "consensus/params.h"
#include "consensus/pow.h"

/* Regtest's limit passes about every other hash: this many nonces nearly always find one. */
#define MAX_NONCES 64

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct cons_params *P;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	P = cons_params_by_name("regtest");
	if (!P)
		abort();
	return 0;
}

/* Aborts unless b serializes to exactly data (size bytes). */
static void check_round_trip(const struct cons_block *b, const uint8_t *data, size_t size)
{
	struct cons_writer w;
	uint8_t hash[32];

	cons_writer_init(&w);
	cons_block_write(&w, b);
	if (!w.oom && (w.len != size || memcmp(w.data, data, size) != 0))
		abort();
	cons_writer_release(&w);
	cons_sha256d(hash, data, CONS_HEADER_SIZE);
	if (b->size != size || memcmp(hash, b->hash, 32) != 0)
		abort();
}

static enum cons_verdict check(const struct cons_block *b)
{
	struct cons_state st;
	enum cons_verdict v;

	cons_state_init(&st);
	v = cons_check_block(P, b, &st);
	if (st.verdict != v || (v == CONS_INVALID) != (st.code != CONS_REJ_NONE))
		abort();
	if (v == CONS_VALID)
		(void)cons_check_block_contextual(P, b, 1, 0, &st);
	return v;
}

/* Commits the header to b's own transactions and mines it at regtest difficulty. */
static int recommit(struct cons_block *b)
{
	uint64_t budget = MAX_NONCES;
	bool mutated;

	if (cons_block_merkle_root(b->hdr.merkle, &mutated, b) < 0)
		return -1;
	b->hdr.bits = P->pow_limit_bits;
	b->hdr.nonce = 0;
	return cons_pow_search(P, &b->hdr, b->hash, true, &budget) ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cons_block b;

	cons_block_init(&b);
	if (cons_block_parse(&b, NULL, data, size) < 0)
		return 0;
	check_round_trip(&b, data, size);
	if (check(&b) != CONS_VALID && b.n_tx > 0 && recommit(&b) == 0)
		(void)check(&b);
	cons_block_release(&b);
	return 0;
}
