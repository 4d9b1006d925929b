/*
 * Blocks that break exactly one rule (see badblock.h).
 */
#include "testnet/badblock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "consensus/coinbase.h"
#include "consensus/hash.h"
#include "consensus/pow.h"
#include "consensus/script.h"
#include "consensus/sig.h"
#include "consensus/uint256.h"

#define TN_SOLVE_MAX_THREADS 16

static const char *const names[TN_ATK__COUNT] = {
	"badpow", "badmerkle", "doublespend", "inflated-coinbase", "future-timestamp", "garbage",
	"oversize",
};

int tn_attack_parse(enum tn_attack *k, const char *s)
{
	for (int i = 0; i < TN_ATK__COUNT; i++) {
		if (strcmp(s, names[i]) == 0) {
			*k = (enum tn_attack)i;
			return 0;
		}
	}
	return -1;
}

const char *tn_attack_name(enum tn_attack k)
{
	return (unsigned)k < TN_ATK__COUNT ? names[k] : "?";
}

bool tn_attack_sends_block(enum tn_attack k)
{
	return k <= TN_ATK_FUTURE_TIMESTAMP;
}

static int coinbase(struct cons_tx *cb, int64_t height, int64_t value, const uint8_t pkh[20])
{
	static const char tag[] = "flint-testnet attack";

	return cons_coinbase_build(cb, height, (const uint8_t *)tag, sizeof(tag) - 1, value, pkh);
}

/* A signed transaction spending prevout `ins` times (1 or 2), paying value to pkh. */
static int spend(struct cons_tx *tx, const secp256k1_context *ctx, const struct cons_outpoint *op,
		 int ins, int64_t value, const uint8_t pkh[20], const uint8_t seckey[32])
{
	uint8_t out[CONS_P2PKH_SCRIPT_SIZE];

	cons_tx_init(tx);
	tx->version = 1;
	cons_script_p2pkh(out, pkh);
	for (int i = 0; i < ins; i++)
		if (cons_tx_add_input(tx, op, NULL, 0, 0xffffffffu) < 0)
			return -1;
	if (cons_tx_add_output(tx, value, out, sizeof(out)) < 0)
		return -1;
	for (int i = 0; i < ins; i++)
		if (cons_sign_input(ctx, tx, (size_t)i, seckey) < 0)
			return -1;
	return cons_tx_finalize(tx);
}

/*
 * The double spend: with a mature coin, two transactions spending it (the
 * second finds it spent); without one, one transaction spending an outpoint
 * twice (CVE-2018-17144), which needs no coin at all.
 */
static int add_double_spend(struct cons_block *b, const secp256k1_context *ctx,
			    const struct tn_tip *t, const uint8_t pkh[20],
			    const uint8_t seckey[32], char *what, size_t len)
{
	struct cons_outpoint op = {.n = 0};
	struct cons_tx a, c;
	int rc;

	memcpy(op.txid, t->coin_txid, 32);
	if (!t->have_coin) {
		op.txid[0] ^= 0x5a;
		snprintf(what, len, "a transaction spending one outpoint twice (CVE-2018-17144; "
			 "no coin is mature yet for a two-transaction double spend)");
		rc = spend(&a, ctx, &op, 2, CONS_COIN, pkh, seckey);
		rc = rc < 0 ? -1 : cons_block_append_tx(b, &a);
		cons_tx_release(&a);
		return rc;
	}
	snprintf(what, len, "two transactions spending the same coin (the coinbase of block %lld)",
		 (long long)t->coin_height);
	rc = spend(&a, ctx, &op, 1, CONS_COIN, pkh, seckey);
	rc = rc < 0 ? -1 : spend(&c, ctx, &op, 1, CONS_COIN / 2, pkh, seckey);
	if (rc == 0 && (cons_block_append_tx(b, &a) < 0 || cons_block_append_tx(b, &c) < 0))
		rc = -1;
	cons_tx_release(&a);
	cons_tx_release(&c);
	return rc;
}

static void set_header(struct cons_block *b, const struct tn_tip *t, int64_t now)
{
	b->hdr.version = 1;
	memcpy(b->hdr.prev, t->hash, 32);
	b->hdr.time = (uint32_t)(now > t->mtp ? now : t->mtp + 1);
	b->hdr.bits = t->next_bits;
	b->hdr.nonce = 0;
}

int tn_badblock_build(struct cons_block *b, const secp256k1_context *ctx, const struct cons_params *p,
		      enum tn_attack k, const struct tn_tip *t, int64_t now, const uint8_t pkh[20],
		      const uint8_t seckey[32], char *what, size_t len)
{
	int64_t height = t->height + 1, value = cons_block_subsidy(p, height);
	struct cons_tx cb;

	cons_tx_init(&cb);
	if (k == TN_ATK_INFLATED_COINBASE)
		value += 1;
	if (coinbase(&cb, height, value, pkh) < 0 || cons_block_append_tx(b, &cb) < 0) {
		cons_tx_release(&cb);
		return -1;
	}
	if (k == TN_ATK_DOUBLESPEND && add_double_spend(b, ctx, t, pkh, seckey, what, len) < 0)
		return -1;
	set_header(b, t, now);
	if (cons_block_finalize(b) < 0)
		return -1;
	if (k == TN_ATK_BADPOW)
		snprintf(what, len, "a header whose hash does not meet its bits (proof of work)");
	if (k == TN_ATK_BADMERKLE) {
		b->hdr.merkle[0] ^= 1;
		snprintf(what, len, "a merkle root that does not match the transactions");
	}
	if (k == TN_ATK_INFLATED_COINBASE)
		snprintf(what, len, "a coinbase paying 1 base unit more than subsidy + fees");
	if (k == TN_ATK_FUTURE_TIMESTAMP) {
		b->hdr.time = (uint32_t)(now + 86400);
		snprintf(what, len, "a timestamp one day ahead (the limit is %lld s)",
			 (long long)p->max_future_drift);
	}
	cons_header_hash(b->hash, &b->hdr);
	return 0;
}

/* Nonces a thread searches between looks at whether another has found one. */
#define SOLVE_CHUNK 4096

struct solve_job {
	struct cons_header hdr;         /* each thread its own, nonce at its range's start */
	const struct cons_params *p;
	bool want_valid;
	uint64_t end;                   /* one past the range's last nonce */
	atomic_bool *found;
	atomic_uint_least64_t *nonce;
};

/* One thread's range of the nonces, through consensus/'s search, a chunk at a time. */
static void *solve_thread(void *arg)
{
	struct solve_job *j = arg;
	uint8_t hash[32];
	uint64_t at = j->hdr.nonce;

	while (at < j->end && !atomic_load(j->found)) {
		uint64_t budget = j->end - at < SOLVE_CHUNK ? j->end - at : SOLVE_CHUNK;
		if (cons_pow_search(j->p, &j->hdr, hash, j->want_valid, &budget)) {
			bool no = false;
			if (atomic_compare_exchange_strong(j->found, &no, true))
				atomic_store(j->nonce, j->hdr.nonce);
			return NULL;
		}
		if (j->hdr.nonce == 0)
			return NULL;            /* wrapped: the last range is done */
		at = j->hdr.nonce;
	}
	return NULL;
}

bool tn_badblock_solve(struct cons_block *b, const struct cons_params *p, bool want_valid,
		       uint64_t max_hashes)
{
	struct solve_job jobs[TN_SOLVE_MAX_THREADS];
	pthread_t tids[TN_SOLVE_MAX_THREADS];
	atomic_bool found = false;
	atomic_uint_least64_t nonce = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int n = cpus < 1 ? 1 : cpus > TN_SOLVE_MAX_THREADS ? TN_SOLVE_MAX_THREADS : (int)cpus;
	uint64_t limit = max_hashes < 0x100000000ull ? max_hashes : 0x100000000ull;
	int started = 0;

	for (int i = 0; i < n; i++) {
		jobs[i] = (struct solve_job){b->hdr, p, want_valid, limit * (uint64_t)(i + 1) / (uint64_t)n,
					     &found, &nonce};
		jobs[i].hdr.nonce = (uint32_t)(limit * (uint64_t)i / (uint64_t)n);
		if (i > 0 && pthread_create(&tids[i], NULL, solve_thread, &jobs[i]) != 0)
			break;
		started = i + 1;
	}
	/* With fewer threads than planned, the rest of the nonces go unsearched: fine,
	 * the caller asks again with a new timestamp. */
	solve_thread(&jobs[0]);
	for (int i = 1; i < started; i++)
		pthread_join(tids[i], NULL);
	if (!atomic_load(&found))
		return false;
	b->hdr.nonce = (uint32_t)atomic_load(&nonce);
	cons_header_hash(b->hash, &b->hdr);
	return true;
}
