/*
 * libFuzzer target for transaction parsing: any input that parses must
 * serialize back to exactly the same bytes, with txid and size matching
 * them, and the context-free checks (plus the signature check of the first
 * few inputs) must return a coherent verdict without crashing. Built by
 * `make fuzz` with the consensus sources, under ASan and UBSan.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <secp256k1.h>

#include "consensus/hash.h"
#include "consensus/params.h"
#include "consensus/script.h"
#include "consensus/sig.h"
#include "consensus/tx.h"
#include "consensus/tx_check.h"

/* Signature checks hash the whole tx per input: a few keep big inputs fast. */
#define MAX_SIG_INPUTS 4

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct cons_params *P;
static secp256k1_context *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	P = cons_params_by_name("regtest");
	ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	if (!P || !ctx)
		abort();
	return 0;
}

/* Aborts unless tx serializes to exactly data (size bytes). */
static void check_round_trip(const struct cons_tx *tx, const uint8_t *data, size_t size)
{
	struct cons_writer w;
	uint8_t id[32];

	cons_writer_init(&w);
	cons_tx_write(&w, tx);
	if (!w.oom && (w.len != size || memcmp(w.data, data, size) != 0))
		abort();
	cons_writer_release(&w);
	cons_sha256d(id, data, size);
	if (tx->size != size || memcmp(id, tx->txid, 32) != 0)
		abort();
}

static void check_state(const struct cons_state *st, enum cons_verdict v)
{
	if (st->verdict != v || (v == CONS_INVALID) != (st->code != CONS_REJ_NONE))
		abort();
}

/* Runs the P2PKH spend check on inputs shaped like spends, keyed to their own pubkey. */
static void check_sigs(const struct cons_tx *tx)
{
	const uint8_t *sig, *pub;
	size_t sig_len;
	uint8_t pkh[20];

	for (size_t i = 0; i < tx->n_in && i < MAX_SIG_INPUTS; i++) {
		const struct cons_txin *in = &tx->in[i];
		if (!cons_script_sig_parse(in->script, in->script_len, &sig, &sig_len, &pub))
			continue;
		cons_hash160(pkh, pub, 33);
		if (cons_verify_input(ctx, tx, i, pkh) == CONS_SIG_WRONG_KEY)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cons_tx tx, copy;
	struct cons_state st;
	enum cons_verdict v;

	cons_tx_init(&tx);
	if (cons_tx_parse(&tx, NULL, data, size) < 0)
		return 0;
	check_round_trip(&tx, data, size);
	cons_state_init(&st);
	v = cons_check_tx(P, &tx, &st);
	check_state(&st, v);
	(void)cons_tx_is_final(&tx, 1, 1);
	if (v == CONS_VALID && !cons_tx_is_coinbase(&tx))
		check_sigs(&tx);
	cons_tx_init(&copy);
	if (cons_tx_copy(&copy, &tx) == 0) {
		check_round_trip(&copy, data, size);
		cons_tx_release(&copy);
	}
	cons_tx_release(&tx);
	return 0;
}
