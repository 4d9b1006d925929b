/*
 * Chain manager tests on real LevelDB databases: forks, reorgs, invalid
 * branches, double spends, CVE-2018-17144 and CVE-2012-2459, future blocks,
 * coinbase maturity, exact UTXO restoration, orphans, invalidate and
 * reconsider, restart, --reindex, and refusal of an inconsistent database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <secp256k1.h>

#include "consensus/pow.h"
#include "consensus/script.h"
#include "node/chain.h"
#include "node/sigpool.h"
#include "storage/db.h"
#include "storage/schema.h"
#include "tests/support/builder.h"

struct fx {
	char dir[64];
	const struct cons_params *p;
	secp256k1_context *secp;
	struct node_sigpool *pool;
	struct node_chain *c;
	struct node_chain_options opt;
	struct tb_key k[4];
	uint8_t genesis[32];
};

static void fx_open(struct fx *f)
{
	char err[256] = "";

	if (node_chain_open(&f->c, f->dir, f->p, &f->opt, f->pool, NULL, err, sizeof(err)) < 0)
		fail_msg("open failed: %s", err);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/flint-test-chain-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->p = cons_params_by_name("regtest");
	f->secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	f->pool = node_sigpool_new(2);
	for (int i = 0; i < 4; i++)
		tb_key(f->secp, &f->k[i], (uint32_t)i + 1);
	node_chain_options_default(&f->opt);
	f->opt.max_orphans = 4;
	fx_open(f);
	memcpy(f->genesis, node_chain_tip(f->c)->hash, 32);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	node_chain_close(f->c);
	node_sigpool_free(f->pool);
	secp256k1_context_destroy(f->secp);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static uint32_t time_at(const struct fx *f, int64_t height)
{
	return f->p->genesis_time + (uint32_t)height;  /* 1 s apart: never ahead of a real clock */
}

/* Builds a block on prev (at prev_height) with txs; does not submit it. */
static void build(struct fx *f, struct cons_block *b, const uint8_t prev[32], int64_t prev_height,
		  uint32_t tag, struct cons_tx *txs, size_t n, int64_t fees)
{
	tb_block(b, f->p, prev, prev_height + 1, time_at(f, prev_height + 1), f->p->genesis_bits,
		 f->k[0].pkh, tag, txs, n, fees);
}

static enum cons_verdict submit(struct fx *f, struct cons_block *b, struct cons_state *st)
{
	cons_state_init(st);
	return node_chain_accept_block(f->c, b, NULL, st);
}

/* Builds and submits a block that must be valid; returns its hash and coinbase txid. */
static void mine(struct fx *f, const uint8_t prev[32], int64_t prev_height, uint32_t tag,
		 struct cons_tx *txs, size_t n, int64_t fees, uint8_t hash[32], uint8_t cb_txid[32])
{
	struct cons_block b;
	struct cons_state st;

	build(f, &b, prev, prev_height, tag, txs, n, fees);
	if (hash)
		memcpy(hash, b.hash, 32);
	if (cb_txid)
		memcpy(cb_txid, b.tx[0].txid, 32);
	if (submit(f, &b, &st) != CONS_VALID)
		fail_msg("block rejected: %s %s", cons_reject_reason(st.code), st.detail);
}

/* Extends the active tip by n blocks; the coinbase txids go to cbs (may be NULL). */
static void extend(struct fx *f, int n, uint32_t tag, uint8_t (*cbs)[32])
{
	for (int i = 0; i < n; i++) {
		const struct node_blockidx *tip = node_chain_tip(f->c);
		uint8_t prev[32];
		memcpy(prev, tip->hash, 32);
		mine(f, prev, tip->height, tag, NULL, 0, 0, NULL, cbs ? cbs[i] : NULL);
	}
}

static void utxo_hash(struct fx *f, uint8_t h[32])
{
	char err[256];
	uint64_t count;
	int64_t total;

	assert_int_equal(node_chain_flush(f->c, err, sizeof(err)), 0);
	assert_int_equal(stor_utxo_stats(node_chain_storage(f->c), h, &count, &total, err,
					 sizeof(err)), 0);
}

static int coin_exists(struct fx *f, const uint8_t txid[32], uint32_t n)
{
	struct cons_outpoint op;
	struct cons_coin coin;

	memcpy(op.txid, txid, 32);
	op.n = n;
	return stor_coin_get(node_chain_storage(f->c), &op, &coin);
}

static void spend_cb(struct fx *f, struct cons_tx *tx, const uint8_t txid[32], int to_key,
		     int64_t fee)
{
	struct cons_outpoint op;

	memcpy(op.txid, txid, 32);
	op.n = 0;
	tb_spend(f->secp, tx, &op, &f->k[0], cons_block_subsidy(f->p, 1) - fee, f->k[to_key].pkh);
}

static void test_chain_genesis_is_tip_of_new_database(void **state)
{
	struct fx *f = *state;
	const struct node_blockidx *tip = node_chain_tip(f->c);

	assert_int_equal(tip->height, 0);
	assert_true(cons_check_pow(f->p, tip->hash, tip->hdr.bits));
}

static void test_chain_one_block_fork_longer_branch_wins(void **state)
{
	struct fx *f = *state;
	uint8_t a1[32], b1[32], b2[32];

	mine(f, f->genesis, 0, 1, NULL, 0, 0, a1, NULL);
	mine(f, f->genesis, 0, 2, NULL, 0, 0, b1, NULL);
	/* Equal work: the first seen stays. */
	assert_memory_equal(node_chain_tip(f->c)->hash, a1, 32);
	mine(f, b1, 1, 3, NULL, 0, 0, b2, NULL);
	assert_memory_equal(node_chain_tip(f->c)->hash, b2, 32);
	assert_false(node_chain_is_active(f->c, node_chain_lookup(f->c, a1)));
	assert_true(node_chain_is_active(f->c, node_chain_lookup(f->c, b1)));
}

static void test_chain_reorg_100_blocks(void **state)
{
	struct fx *f = *state;
	static uint8_t main_cbs[100][32], side_cbs[101][32];
	uint8_t prev[32], hash[32];

	extend(f, 100, 10, main_cbs);
	memcpy(prev, f->genesis, 32);
	for (int i = 0; i < 101; i++) {
		mine(f, prev, i, 20, NULL, 0, 0, hash, side_cbs[i]);
		memcpy(prev, hash, 32);
		if (i < 100)     /* the side branch has not yet more work */
			assert_int_equal(node_chain_tip(f->c)->hash[0] == hash[0] &&
					 memcmp(node_chain_tip(f->c)->hash, hash, 32) == 0, 0);
	}
	assert_memory_equal(node_chain_tip(f->c)->hash, hash, 32);
	assert_int_equal(node_chain_tip(f->c)->height, 101);
	assert_int_equal(coin_exists(f, main_cbs[50], 0), 0);
	assert_int_equal(coin_exists(f, side_cbs[50], 0), 1);
}

static void test_chain_invalid_block_deep_in_heavier_branch(void **state)
{
	struct fx *f = *state;
	uint8_t main_tip[32], prev[32], hash[32], bad[32];
	struct cons_block b;
	struct cons_state st;

	extend(f, 3, 30, NULL);
	memcpy(main_tip, node_chain_tip(f->c)->hash, 32);
	mine(f, f->genesis, 0, 31, NULL, 0, 0, prev, NULL);
	/* Side block 2 claims one unit too much: only connecting can tell. */
	build(f, &b, prev, 1, 32, NULL, 0, 1);
	memcpy(bad, b.hash, 32);
	assert_int_equal(submit(f, &b, &st), CONS_VALID);   /* stored: not more work yet */
	memcpy(prev, bad, 32);
	for (int h = 2; h < 4; h++) {       /* heights 3 and 4: more work than main */
		build(f, &b, prev, h, 33, NULL, 0, 0);
		memcpy(hash, b.hash, 32);
		submit(f, &b, &st);
		memcpy(prev, hash, 32);
	}
	assert_memory_equal(node_chain_tip(f->c)->hash, main_tip, 32);
	assert_true(node_chain_lookup(f->c, bad)->status & STOR_FAILED);
	assert_true(node_chain_lookup(f->c, hash)->status & STOR_FAILED_CHILD);
	/* A further child of the failed branch is refused outright. */
	build(f, &b, hash, 4, 34, NULL, 0, 0);
	assert_int_equal(submit(f, &b, &st), CONS_INVALID);
	assert_int_equal(st.code, CONS_REJ_PREV_INVALID);
}

/* Mines 101 blocks so the first coinbase (returned) is spendable next. */
static void mature(struct fx *f, uint8_t (*cbs)[32])
{
	extend(f, 101, 40, cbs);
}

static void test_chain_double_spend_across_branches(void **state)
{
	struct fx *f = *state;
	static uint8_t cbs[101][32];
	uint8_t fork[32], a[32], b1[32], b2[32], txa[32], txb[32];
	struct cons_tx tx;
	int64_t h;

	mature(f, cbs);
	memcpy(fork, node_chain_tip(f->c)->hash, 32);
	h = node_chain_tip(f->c)->height;
	spend_cb(f, &tx, cbs[0], 1, 1000);
	memcpy(txa, tx.txid, 32);
	mine(f, fork, h, 41, &tx, 1, 1000, a, NULL);
	spend_cb(f, &tx, cbs[0], 2, 2000);
	memcpy(txb, tx.txid, 32);
	mine(f, fork, h, 42, &tx, 1, 2000, b1, NULL);
	assert_int_equal(coin_exists(f, txa, 0), 1);
	mine(f, b1, h + 1, 43, NULL, 0, 0, b2, NULL);
	assert_memory_equal(node_chain_tip(f->c)->hash, b2, 32);
	assert_int_equal(coin_exists(f, txa, 0), 0);
	assert_int_equal(coin_exists(f, txb, 0), 1);
	assert_int_equal(coin_exists(f, cbs[0], 0), 0);
}

static void test_chain_duplicate_input_in_one_tx_rejected(void **state)
{
	struct fx *f = *state;
	static uint8_t cbs[101][32];
	struct cons_block b;
	struct cons_state st;
	struct cons_tx tx;
	uint8_t tip[32], bad[32];

	mature(f, cbs);
	memcpy(tip, node_chain_tip(f->c)->hash, 32);
	spend_cb(f, &tx, cbs[0], 1, 0);
	/* CVE-2018-17144: the same prevout twice, value doubled. */
	struct cons_outpoint op = tx.in[0].prevout;
	uint8_t sig[CONS_SCRIPTSIG_MAX];
	size_t sig_len = tx.in[0].script_len;
	memcpy(sig, tx.in[0].script, sig_len);
	assert_int_equal(cons_tx_add_input(&tx, &op, sig, sig_len, 0xffffffffu), 0);
	tx.out[0].value *= 2;
	assert_int_equal(cons_tx_finalize(&tx), 0);
	build(f, &b, tip, 101, 50, &tx, 1, 0);
	memcpy(bad, b.hash, 32);
	assert_int_equal(submit(f, &b, &st), CONS_INVALID);
	assert_int_equal(st.code, CONS_REJ_TX_DUP_INPUTS);
	assert_memory_equal(node_chain_tip(f->c)->hash, tip, 32);
	assert_int_equal(coin_exists(f, cbs[0], 0), 1);
}

static void test_chain_output_spent_in_creating_block(void **state)
{
	struct fx *f = *state;
	static uint8_t cbs[101][32];
	struct cons_tx txs[2];
	struct cons_outpoint op;
	uint8_t tip[32], t0[32], t1[32];

	mature(f, cbs);
	memcpy(tip, node_chain_tip(f->c)->hash, 32);
	spend_cb(f, &txs[0], cbs[0], 1, 0);
	memcpy(op.txid, txs[0].txid, 32);
	op.n = 0;
	memcpy(t0, txs[0].txid, 32);
	tb_spend(f->secp, &txs[1], &op, &f->k[1], txs[0].out[0].value, f->k[2].pkh);
	memcpy(t1, txs[1].txid, 32);
	mine(f, tip, 101, 60, txs, 2, 0, NULL, NULL);
	assert_int_equal(node_chain_tip(f->c)->height, 102);
	assert_int_equal(coin_exists(f, t0, 0), 0);
	assert_int_equal(coin_exists(f, t1, 0), 1);
}

static void test_chain_mutated_block_does_not_poison_honest_one(void **state)
{
	struct fx *f = *state;
	static uint8_t cbs[101][32];
	struct cons_block honest, mutated;
	struct cons_state st;
	struct cons_tx txs[2], dup;
	uint8_t tip[32];

	mature(f, cbs);
	memcpy(tip, node_chain_tip(f->c)->hash, 32);
	spend_cb(f, &txs[0], cbs[0], 1, 0);
	spend_cb(f, &txs[1], cbs[1], 1, 0);
	build(f, &honest, tip, 101, 70, txs, 2, 0);
	/* CVE-2012-2459: [cb, a, b] and [cb, a, b, b] share a merkle root. */
	tb_block_copy(&mutated, &honest);
	assert_int_equal(cons_tx_copy(&dup, &honest.tx[2]), 0);
	assert_int_equal(cons_block_append_tx(&mutated, &dup), 0);
	assert_memory_equal(mutated.hash, honest.hash, 32);
	assert_int_equal(submit(f, &mutated, &st), CONS_INVALID);
	assert_int_equal(st.code, CONS_REJ_DUPLICATE_TX);
	assert_false(cons_reject_marks_block(st.code));
	assert_int_equal(submit(f, &honest, &st), CONS_VALID);
	assert_int_equal(node_chain_tip(f->c)->height, 102);
}

static void test_chain_future_block_accepted_when_its_time_comes(void **state)
{
	struct fx *f = *state;
	struct cons_block b, copy;
	struct cons_state st;
	int64_t ahead = node_chain_now(f->c) + f->p->max_future_drift + 3600;

	tb_block(&b, f->p, f->genesis, 1, (uint32_t)ahead, f->p->genesis_bits, f->k[0].pkh, 80,
		 NULL, 0, 0);
	tb_block_copy(&copy, &b);
	assert_int_equal(submit(f, &b, &st), CONS_INVALID);
	assert_int_equal(st.code, CONS_REJ_TIME_TOO_NEW);
	assert_int_equal(node_chain_tip(f->c)->height, 0);
	node_chain_set_time_offset(f->c, 3600);
	assert_int_equal(submit(f, &copy, &st), CONS_VALID);
	assert_int_equal(node_chain_tip(f->c)->height, 1);
}

static void test_chain_coinbase_maturity_and_reorg(void **state)
{
	struct fx *f = *state;
	static uint8_t cbs[101][32];
	struct cons_block b;
	struct cons_state st;
	struct cons_tx tx;
	uint8_t tip[32], side[32];

	extend(f, 99, 90, cbs);             /* a spend at 100 of the height-1 coinbase: 99 deep */
	memcpy(tip, node_chain_tip(f->c)->hash, 32);
	spend_cb(f, &tx, cbs[0], 1, 0);
	build(f, &b, tip, 99, 91, &tx, 1, 0);
	assert_int_equal(submit(f, &b, &st), CONS_INVALID);
	assert_int_equal(st.code, CONS_REJ_TX_PREMATURE_CB);
	spend_cb(f, &tx, cbs[0], 1, 0);     /* one block later it is mature */
	extend(f, 1, 92, NULL);
	memcpy(tip, node_chain_tip(f->c)->hash, 32);
	mine(f, tip, 100, 93, &tx, 1, 0, NULL, NULL);
	/* A heavier branch from height 0 lacks that coinbase: the spend is gone. */
	memcpy(side, f->genesis, 32);
	for (int h = 0; h < 102; h++)
		mine(f, side, h, 94, NULL, 0, 0, side, NULL);
	assert_memory_equal(node_chain_tip(f->c)->hash, side, 32);
	assert_int_equal(coin_exists(f, cbs[0], 0), 0);
}

static void test_chain_connect_disconnect_restores_utxo_exactly(void **state)
{
	struct fx *f = *state;
	static uint8_t cbs[101][32];
	uint8_t before[32], after[32], tip[32], blk[32];
	char err[256];
	struct cons_tx txs[2];

	mature(f, cbs);
	utxo_hash(f, before);
	memcpy(tip, node_chain_tip(f->c)->hash, 32);
	spend_cb(f, &txs[0], cbs[0], 1, 500);
	spend_cb(f, &txs[1], cbs[1], 2, 700);
	mine(f, tip, 101, 100, txs, 2, 1200, blk, NULL);
	utxo_hash(f, after);
	assert_memory_not_equal(before, after, 32);
	assert_int_equal(node_chain_invalidate(f->c, blk, err, sizeof(err)), 0);
	utxo_hash(f, after);
	assert_memory_equal(before, after, 32);
	assert_memory_equal(node_chain_tip(f->c)->hash, tip, 32);
	assert_int_equal(node_chain_reconsider(f->c, blk, err, sizeof(err)), 0);
	assert_memory_equal(node_chain_tip(f->c)->hash, blk, 32);
}

static void test_chain_orphans_connect_and_pool_is_bounded(void **state)
{
	struct fx *f = *state;
	struct cons_block chain[7];
	struct cons_state st;
	uint8_t prev[32];
	struct node_accept_info info;

	memcpy(prev, f->genesis, 32);
	for (int h = 0; h < 7; h++) {
		build(f, &chain[h], prev, h, 110, NULL, 0, 0);
		memcpy(prev, chain[h].hash, 32);
	}
	/* Blocks 2..7 arrive first: the pool keeps only the 4 newest. */
	for (int h = 1; h < 7; h++) {
		cons_state_init(&st);
		assert_int_equal(node_chain_accept_block(f->c, &chain[h], &info, &st), CONS_VALID);
		assert_true(info.orphan);
	}
	assert_int_equal(node_chain_orphan_count(f->c), 4);
	assert_int_equal(submit(f, &chain[0], &st), CONS_VALID);
	/* Block 1 connects; 2 and 3 were evicted, so 4..7 wait and the root asks for 3. */
	assert_int_equal(node_chain_tip(f->c)->height, 1);
	uint8_t missing[32];
	assert_true(node_chain_orphan_root(f->c, missing));
	assert_int_equal(node_chain_lookup(f->c, missing), NULL);
}

/* The pool is bounded by bytes as well as by count: the oldest go first. */
static void test_chain_orphan_pool_bounded_by_bytes(void **state)
{
	struct fx *f = *state;
	struct cons_block chain[7];
	struct cons_state st;
	uint8_t prev[32];
	size_t one;

	memcpy(prev, f->genesis, 32);
	for (int h = 0; h < 7; h++) {
		build(f, &chain[h], prev, h, 111, NULL, 0, 0);
		memcpy(prev, chain[h].hash, 32);
	}
	one = chain[1].size;
	node_chain_close(f->c);
	f->opt.max_orphans = 64;
	f->opt.max_orphan_bytes = 3 * one;
	fx_open(f);
	for (int h = 1; h < 7; h++)
		assert_int_equal(submit(f, &chain[h], &st), CONS_VALID);
	assert_int_equal(node_chain_orphan_count(f->c), 3);
	assert_true(node_chain_orphan_bytes(f->c) <= 3 * one);
	/* Blocks 5..7 are the ones kept: 1 connects alone. */
	assert_int_equal(submit(f, &chain[0], &st), CONS_VALID);
	assert_int_equal(node_chain_tip(f->c)->height, 1);
	assert_int_equal(node_chain_orphan_count(f->c), 3);
}

#define REVERSE_N 120000

/*
 * Headers first, then every body in reverse order: each body waits for its
 * parent's, and the last to arrive (height 1) links them all. Linking
 * visits each entry once (it was quadratic: 120,000 blocks took 10 s).
 */
static void test_chain_reverse_bodies_link_in_linear_time(void **state)
{
	struct fx *f = *state;
	struct cons_block *b = calloc(REVERSE_N, sizeof(*b));
	struct node_chain_stats s0, s1;
	struct cons_state st;
	uint8_t prev[32];

	assert_non_null(b);
	memcpy(prev, f->genesis, 32);
	for (int i = 0; i < REVERSE_N; i++) {
		build(f, &b[i], prev, i, 112, NULL, 0, 0);
		memcpy(prev, b[i].hash, 32);
		cons_state_init(&st);
		assert_int_equal(node_chain_accept_header(f->c, &b[i].hdr, NULL, &st), CONS_VALID);
	}
	node_chain_stats(f->c, &s0);
	for (int i = REVERSE_N - 1; i >= 0; i--)
		assert_int_equal(submit(f, &b[i], &st), CONS_VALID);
	node_chain_stats(f->c, &s1);
	assert_int_equal(node_chain_tip(f->c)->height, REVERSE_N);
	assert_true(s1.link_visits - s0.link_visits <= REVERSE_N);
	free(b);
}

#define ONCE_N 20

/*
 * Each check runs once per arrival: headers that node_chain_check_headers
 * passed are stored without another check, their blocks' bodies are
 * checked once, and an orphan's header and body, checked when it is kept,
 * are not checked again when its parent comes.
 */
static void test_chain_each_check_runs_once(void **state)
{
	struct fx *f = *state;
	struct cons_block b[ONCE_N + 2];
	struct cons_header h[ONCE_N];
	struct node_chain_stats s0, s1;
	struct cons_state st;
	uint8_t prev[32];
	size_t n_ok;
	bool enough;

	memcpy(prev, f->genesis, 32);
	for (int i = 0; i < ONCE_N + 2; i++) {
		build(f, &b[i], prev, i, 113, NULL, 0, 0);
		memcpy(prev, b[i].hash, 32);
		if (i < ONCE_N)
			h[i] = b[i].hdr;
	}
	node_chain_stats(f->c, &s0);
	cons_state_init(&st);
	assert_int_equal(node_chain_check_headers(f->c, h, ONCE_N, 0, &n_ok, &enough, &st),
			 CONS_VALID);
	assert_int_equal(n_ok, ONCE_N);
	assert_true(enough);
	for (int i = 0; i < ONCE_N; i++)
		assert_int_equal(node_chain_accept_header(f->c, &h[i], NULL, &st), CONS_VALID);
	node_chain_stats(f->c, &s1);
	assert_int_equal(s1.header_checks - s0.header_checks, ONCE_N);
	for (int i = 0; i < ONCE_N; i++)
		assert_int_equal(submit(f, &b[i], &st), CONS_VALID);
	node_chain_stats(f->c, &s1);
	assert_int_equal(s1.header_checks - s0.header_checks, ONCE_N);
	assert_int_equal(s1.body_checks - s0.body_checks, ONCE_N);
	/* The last block first: an orphan, checked whole; then its parent. */
	cons_state_init(&st);
	assert_int_equal(submit(f, &b[ONCE_N + 1], &st), CONS_VALID);
	assert_int_equal(node_chain_orphan_count(f->c), 1);
	assert_int_equal(submit(f, &b[ONCE_N], &st), CONS_VALID);
	assert_int_equal(node_chain_tip(f->c)->height, ONCE_N + 2);
	node_chain_stats(f->c, &s1);
	assert_int_equal(s1.header_checks - s0.header_checks, ONCE_N + 2);
	assert_int_equal(s1.body_checks - s0.body_checks, ONCE_N + 2);
	/* A header out of the checked order is checked: nothing is taken on trust. */
	build(f, &b[0], f->genesis, 0, 114, NULL, 0, 0);
	assert_int_equal(node_chain_accept_header(f->c, &b[0].hdr, NULL, &st), CONS_VALID);
	node_chain_stats(f->c, &s1);
	assert_int_equal(s1.header_checks - s0.header_checks, ONCE_N + 3);
	cons_block_release(&b[0]);
}

static void test_chain_survives_restart(void **state)
{
	struct fx *f = *state;
	static uint8_t cbs[101][32];
	uint8_t before[32], after[32], tip[32];

	mature(f, cbs);
	memcpy(tip, node_chain_tip(f->c)->hash, 32);
	utxo_hash(f, before);
	node_chain_close(f->c);
	fx_open(f);
	assert_memory_equal(node_chain_tip(f->c)->hash, tip, 32);
	utxo_hash(f, after);
	assert_memory_equal(before, after, 32);
}

static void test_chain_reindex_reproduces_utxo_hash(void **state)
{
	struct fx *f = *state;
	static uint8_t cbs[101][32];
	struct cons_tx tx;
	uint8_t before[32], after[32], tip[32];

	mature(f, cbs);
	memcpy(tip, node_chain_tip(f->c)->hash, 32);
	spend_cb(f, &tx, cbs[0], 1, 0);
	mine(f, tip, 101, 120, &tx, 1, 0, tip, NULL);
	utxo_hash(f, before);
	node_chain_close(f->c);
	f->opt.reindex = true;
	fx_open(f);
	f->opt.reindex = false;
	assert_memory_equal(node_chain_tip(f->c)->hash, tip, 32);
	utxo_hash(f, after);
	assert_memory_equal(before, after, 32);
}

static void test_chain_missing_undo_refused_with_fix(void **state)
{
	struct fx *f = *state;
	struct stor_db_options o;
	struct stor_db *db;
	struct stor_batch *b;
	char err[256];
	uint8_t key[33];

	extend(f, 3, 130, NULL);
	key[0] = STOR_KEY_UNDO;
	memcpy(key + 1, node_chain_tip(f->c)->hash, 32);
	node_chain_close(f->c);
	f->c = NULL;
	stor_db_options_default(&o);
	assert_int_equal(stor_db_open(&db, f->dir, &o, err, sizeof(err)), 0);
	b = stor_batch_new();
	stor_batch_del(b, key, sizeof(key));
	assert_int_equal(stor_db_write(db, b, true, err, sizeof(err)), 0);
	stor_batch_free(b);
	stor_db_close(db);
	assert_int_equal(node_chain_open(&f->c, f->dir, f->p, &f->opt, NULL, NULL, err,
					 sizeof(err)), -1);
	assert_non_null(strstr(err, "--reindex"));
	f->opt.reindex = true;
	fx_open(f);
	f->opt.reindex = false;
	assert_int_equal(node_chain_tip(f->c)->height, 3);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_chain_genesis_is_tip_of_new_database),
		T(test_chain_one_block_fork_longer_branch_wins),
		T(test_chain_reorg_100_blocks),
		T(test_chain_invalid_block_deep_in_heavier_branch),
		T(test_chain_double_spend_across_branches),
		T(test_chain_duplicate_input_in_one_tx_rejected),
		T(test_chain_output_spent_in_creating_block),
		T(test_chain_mutated_block_does_not_poison_honest_one),
		T(test_chain_future_block_accepted_when_its_time_comes),
		T(test_chain_coinbase_maturity_and_reorg),
		T(test_chain_connect_disconnect_restores_utxo_exactly),
		T(test_chain_orphans_connect_and_pool_is_bounded),
		T(test_chain_orphan_pool_bounded_by_bytes),
		T(test_chain_reverse_bodies_link_in_linear_time),
		T(test_chain_each_check_runs_once),
		T(test_chain_survives_restart),
		T(test_chain_reindex_reproduces_utxo_hash),
		T(test_chain_missing_undo_refused_with_fix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
