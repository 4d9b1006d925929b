/* Tests for node/mempool: acceptance rules, chains, conflicts, eviction, persistence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <secp256k1.h>

#include "consensus/script.h"
#include "node/mempool.h"
#include "node/p2p_glue.h"
#include "tests/support/builder.h"

#define N_COINS 8
#define TIP 200

struct fx {
	const struct cons_params *p;
	secp256k1_context *secp;
	struct tb_key k[3];
	struct cons_outpoint ops[N_COINS];
	struct cons_coin coins[N_COINS];
	bool spent[N_COINS];
	struct node_mempool_view view;
	struct node_mempool *mp;
};

static int chain_get(void *ctx, const struct cons_outpoint *op, struct cons_coin *coin)
{
	struct fx *f = ctx;

	for (int i = 0; i < N_COINS; i++) {
		if (!f->spent[i] && cons_outpoint_cmp(op, &f->ops[i]) == 0) {
			*coin = f->coins[i];
			return 1;
		}
	}
	return 0;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->p = cons_params_by_name("regtest");
	f->secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	for (int i = 0; i < 3; i++)
		tb_key(f->secp, &f->k[i], (uint32_t)i + 1);
	for (int i = 0; i < N_COINS; i++) {
		memset(&f->ops[i], 0, sizeof(f->ops[i]));
		f->ops[i].txid[0] = (uint8_t)(i + 1);
		f->coins[i].value = 50 * CONS_COIN;
		memcpy(f->coins[i].pkh, f->k[0].pkh, 20);
		f->coins[i].height = 10;
		f->coins[i].coinbase = true;
	}
	f->coins[N_COINS - 1].height = TIP;        /* the last one is immature */
	f->view.ctx = f;
	f->view.get_coin = chain_get;
	f->view.tip_height = TIP;
	f->view.tip_mtp = f->p->genesis_time + TIP;
	f->mp = node_mempool_new(f->p, 1000000, 1000);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	node_mempool_free(f->mp);
	secp256k1_context_destroy(f->secp);
	free(f);
	return 0;
}

/* A tx spending coin i (key 0) paying value - fee to key `to`. */
static void spend_coin(struct fx *f, struct cons_tx *tx, int i, int64_t fee, int to)
{
	tb_spend(f->secp, tx, &f->ops[i], &f->k[0], f->coins[i].value - fee, f->k[to].pkh);
}

static enum cons_verdict accept(struct fx *f, const struct cons_tx *tx,
				enum node_mempool_reject *why, struct cons_state *st)
{
	cons_state_init(st);
	return node_mempool_accept(f->mp, f->secp, &f->view, tx, 1000, why, st);
}

static void test_mempool_accepts_valid_spend(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;
	enum node_mempool_reject why;

	spend_coin(f, &tx, 0, 10000, 1);
	assert_int_equal(accept(f, &tx, &why, &st), CONS_VALID);
	assert_int_equal(why, NODE_MP_OK);
	assert_int_equal(node_mempool_count(f->mp), 1);
	assert_int_equal(node_mempool_bytes(f->mp), tx.size);
	assert_int_equal(node_mempool_get(f->mp, tx.txid)->fee, 10000);
	assert_true(node_mempool_spends(f->mp, &f->ops[0]));
	assert_int_equal(accept(f, &tx, &why, &st), CONS_INVALID);
	assert_int_equal(why, NODE_MP_DUPLICATE);
	cons_tx_release(&tx);
}

static void test_mempool_rejects_double_spend_of_pool_input(void **state)
{
	struct fx *f = *state;
	struct cons_tx a, b;
	struct cons_state st;
	enum node_mempool_reject why;

	spend_coin(f, &a, 0, 10000, 1);
	spend_coin(f, &b, 0, 20000, 2);
	assert_int_equal(accept(f, &a, &why, &st), CONS_VALID);
	assert_int_equal(accept(f, &b, &why, &st), CONS_INVALID);
	assert_int_equal(why, NODE_MP_CONFLICT);
	assert_int_equal(node_mempool_count(f->mp), 1);
	cons_tx_release(&a);
	cons_tx_release(&b);
}

static void test_mempool_allows_unconfirmed_chains(void **state)
{
	struct fx *f = *state;
	struct cons_tx a, b, c;
	struct cons_outpoint op = {.n = 0};
	struct cons_state st;
	enum node_mempool_reject why;

	spend_coin(f, &a, 0, 10000, 1);
	memcpy(op.txid, a.txid, 32);
	tb_spend(f->secp, &b, &op, &f->k[1], a.out[0].value - 10000, f->k[2].pkh);
	memcpy(op.txid, b.txid, 32);
	tb_spend(f->secp, &c, &op, &f->k[2], b.out[0].value - 10000, f->k[1].pkh);
	assert_int_equal(accept(f, &a, &why, &st), CONS_VALID);
	assert_int_equal(accept(f, &b, &why, &st), CONS_VALID);
	assert_int_equal(accept(f, &c, &why, &st), CONS_VALID);
	assert_int_equal(node_mempool_count(f->mp), 3);
	/* Removing the root takes its descendants with it. */
	assert_int_equal(node_mempool_remove(f->mp, a.txid), 3);
	assert_int_equal(node_mempool_count(f->mp), 0);
	assert_int_equal(node_mempool_bytes(f->mp), 0);
	cons_tx_release(&a);
	cons_tx_release(&b);
	cons_tx_release(&c);
}

static void test_mempool_orphan_reports_missing_inputs(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_outpoint op = {.n = 3};
	struct cons_state st;

	memset(op.txid, 0x77, 32);
	tb_spend(f->secp, &tx, &op, &f->k[0], 1000, f->k[1].pkh);
	assert_int_equal(accept(f, &tx, NULL, &st), CONS_INVALID);
	assert_int_equal(st.code, CONS_REJ_TX_MISSING_INPUTS);
	assert_false(cons_reject_punishable(st.code, false));
	cons_tx_release(&tx);
}

static void test_mempool_rejects_low_fee_bad_sig_immature_coinbase(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;
	enum node_mempool_reject why;

	spend_coin(f, &tx, 1, 0, 1);                    /* pays no fee */
	assert_int_equal(accept(f, &tx, &why, &st), CONS_INVALID);
	assert_int_equal(why, NODE_MP_LOW_FEE);
	cons_tx_release(&tx);

	spend_coin(f, &tx, 1, 10000, 1);
	tx.in[0].script[10] ^= 1;                       /* corrupt the signature */
	assert_int_equal(cons_tx_finalize(&tx), 0);
	assert_int_equal(accept(f, &tx, &why, &st), CONS_INVALID);
	assert_int_equal(st.code, CONS_REJ_TX_BAD_SIG);
	cons_tx_release(&tx);

	spend_coin(f, &tx, N_COINS - 1, 10000, 1);
	assert_int_equal(accept(f, &tx, &why, &st), CONS_INVALID);
	assert_int_equal(st.code, CONS_REJ_TX_PREMATURE_CB);
	assert_int_equal(node_mempool_count(f->mp), 0);
	cons_tx_release(&tx);

	tb_coinbase(&tx, TIP + 1, 50 * CONS_COIN, f->k[0].pkh, 1);
	assert_int_equal(accept(f, &tx, &why, &st), CONS_INVALID);
	assert_int_equal(why, NODE_MP_COINBASE);
	cons_tx_release(&tx);
}

static void test_mempool_block_removes_confirmed_and_conflicts(void **state)
{
	struct fx *f = *state;
	struct cons_tx a, b, c, rival;
	struct cons_outpoint op = {.n = 0};
	struct cons_state st;
	struct cons_block blk;
	uint8_t prev[32] = {0};

	spend_coin(f, &a, 0, 10000, 1);
	memcpy(op.txid, a.txid, 32);
	tb_spend(f->secp, &b, &op, &f->k[1], a.out[0].value - 10000, f->k[2].pkh);
	spend_coin(f, &c, 1, 10000, 1);
	assert_int_equal(accept(f, &a, NULL, &st), CONS_VALID);
	assert_int_equal(accept(f, &b, NULL, &st), CONS_VALID);
	assert_int_equal(accept(f, &c, NULL, &st), CONS_VALID);
	/* A block confirms a, and spends coin 1 elsewhere: c conflicts. */
	spend_coin(f, &rival, 1, 30000, 2);
	struct cons_tx txs[2];
	assert_int_equal(cons_tx_copy(&txs[0], &a), 0);
	txs[1] = rival;
	tb_block(&blk, f->p, prev, TIP + 1, f->p->genesis_time + TIP + 1, f->p->genesis_bits,
		 f->k[0].pkh, 1, txs, 2, 40000);
	node_mempool_remove_block(f->mp, &blk);
	assert_null(node_mempool_get(f->mp, a.txid));
	assert_non_null(node_mempool_get(f->mp, b.txid));   /* its parent is now confirmed */
	assert_null(node_mempool_get(f->mp, c.txid));
	assert_int_equal(node_mempool_count(f->mp), 1);
	cons_block_release(&blk);
	cons_tx_release(&a);
	cons_tx_release(&b);
	cons_tx_release(&c);
}

/* The memory one 1-in-1-out spend takes in the pool (they are all the same size). */
static size_t one_tx_usage(struct fx *f)
{
	struct node_mempool *mp = node_mempool_new(f->p, 1000000, 1000);
	struct cons_tx tx;
	struct cons_state st;
	size_t u;

	spend_coin(f, &tx, 0, 10000, 1);
	cons_state_init(&st);
	assert_int_equal(node_mempool_accept(mp, f->secp, &f->view, &tx, 1000, NULL, &st), CONS_VALID);
	u = node_mempool_usage(mp);
	assert_true(u > tx.size);
	node_mempool_free(mp);
	cons_tx_release(&tx);
	return u;
}

static void test_mempool_full_evicts_lowest_fee_rate(void **state)
{
	struct fx *f = *state;
	struct cons_tx t[4];
	struct cons_state st;
	enum node_mempool_reject why;
	size_t max = 2 * one_tx_usage(f) + 10;

	for (int i = 0; i < 4; i++)
		spend_coin(f, &t[i], i, 10000 * (i + 1), 1);
	node_mempool_free(f->mp);
	f->mp = node_mempool_new(f->p, max, 1000);
	assert_int_equal(accept(f, &t[1], NULL, &st), CONS_VALID);  /* fee 20000 */
	assert_int_equal(accept(f, &t[2], NULL, &st), CONS_VALID);  /* fee 30000 */
	assert_int_equal(accept(f, &t[0], &why, &st), CONS_INVALID); /* 10000: too cheap */
	assert_int_equal(why, NODE_MP_FULL);
	assert_null(node_mempool_get(f->mp, t[0].txid));
	assert_int_equal(accept(f, &t[3], NULL, &st), CONS_VALID);  /* 40000 evicts 20000 */
	assert_null(node_mempool_get(f->mp, t[1].txid));
	assert_non_null(node_mempool_get(f->mp, t[2].txid));
	assert_non_null(node_mempool_get(f->mp, t[3].txid));
	assert_true(node_mempool_usage(f->mp) <= max);
	for (int i = 0; i < 4; i++)
		cons_tx_release(&t[i]);
}

/* Every input of every pool tx is a pool output or a chain coin. */
static void check_inputs_exist(void *ctx, const struct node_mempool_entry *e)
{
	struct fx *f = ctx;
	struct cons_coin coin;

	for (size_t i = 0; i < e->tx.n_in; i++) {
		const struct cons_outpoint *op = &e->tx.in[i].prevout;
		assert_true(node_mempool_get(f->mp, op->txid) || chain_get(f, op, &coin) == 1);
	}
}

/* Spends out 0 of parent (paid to key `from`) to key `to`, paying fee. */
static void spend_tx(struct fx *f, struct cons_tx *tx, const struct cons_tx *parent, int from,
		     int64_t fee, int to)
{
	struct cons_outpoint op = {.n = 0};

	memcpy(op.txid, parent->txid, 32);
	tb_spend(f->secp, tx, &op, &f->k[from], parent->out[0].value - fee, f->k[to].pkh);
}

static void test_mempool_eviction_spares_ancestors_of_the_candidate(void **state)
{
	struct fx *f = *state;
	struct cons_tx c[4], d, e;
	struct cons_state st;

	/* A full pool: a cheap chain c0 <- c1 <- c2 <- c3, and d paying more. */
	node_mempool_free(f->mp);
	f->mp = node_mempool_new(f->p, 5 * one_tx_usage(f) + 200, 1000);
	spend_coin(f, &c[0], 0, 1000, 1);
	for (int i = 1; i < 4; i++)
		spend_tx(f, &c[i], &c[i - 1], 1, 1000, 1);
	spend_coin(f, &d, 1, 5000, 1);
	for (int i = 0; i < 4; i++)
		assert_int_equal(accept(f, &c[i], NULL, &st), CONS_VALID);
	assert_int_equal(accept(f, &d, NULL, &st), CONS_VALID);
	/*
	 * c3's child pays well above d: the lowest fee rate alone (c0) would
	 * go, and with it the child's own parent. Either the chain with its
	 * child now outbids d, or the child is refused; never an orphan kept.
	 */
	spend_tx(f, &e, &c[3], 1, 30000, 2);
	cons_state_init(&st);
	enum cons_verdict v = node_mempool_accept(f->mp, f->secp, &f->view, &e, 1000, NULL, &st);
	node_mempool_foreach(f->mp, check_inputs_exist, f);
	if (v == CONS_VALID)
		assert_non_null(node_mempool_get(f->mp, c[3].txid));
	assert_int_equal(v, CONS_VALID);             /* the package, 34000 over 5 txs, beats d */
	assert_null(node_mempool_get(f->mp, d.txid));
	assert_int_equal(node_mempool_count(f->mp), 5);
	for (int i = 0; i < 4; i++)
		cons_tx_release(&c[i]);
	cons_tx_release(&d);
	cons_tx_release(&e);
}

static void test_mempool_eviction_refuses_a_candidate_it_trims(void **state)
{
	struct fx *f = *state;
	struct cons_tx c[4], d, e;
	struct cons_state st;
	enum node_mempool_reject why;

	node_mempool_free(f->mp);
	f->mp = node_mempool_new(f->p, 5 * one_tx_usage(f) + 200, 1000);
	spend_coin(f, &c[0], 0, 1000, 1);
	for (int i = 1; i < 4; i++)
		spend_tx(f, &c[i], &c[i - 1], 1, 1000, 1);
	spend_coin(f, &d, 1, 50000, 1);
	for (int i = 0; i < 4; i++)
		assert_int_equal(accept(f, &c[i], NULL, &st), CONS_VALID);
	assert_int_equal(accept(f, &d, NULL, &st), CONS_VALID);
	/* A child too cheap to lift its chain above d: the chain goes, child and all. */
	spend_tx(f, &e, &c[3], 1, 2000, 2);
	assert_int_equal(accept(f, &e, &why, &st), CONS_INVALID);
	assert_int_equal(why, NODE_MP_FULL);
	node_mempool_foreach(f->mp, check_inputs_exist, f);
	assert_null(node_mempool_get(f->mp, e.txid));
	assert_non_null(node_mempool_get(f->mp, d.txid));
	for (int i = 0; i < 4; i++)
		cons_tx_release(&c[i]);
	cons_tx_release(&d);
	cons_tx_release(&e);
}

static void test_mempool_after_reorg_drops_what_spends_nothing(void **state)
{
	struct fx *f = *state;
	struct cons_tx a, b, c, txs[1];
	struct cons_state st;
	struct cons_block blk;
	uint8_t prev[32] = {0};

	spend_coin(f, &a, 0, 10000, 1);
	spend_tx(f, &b, &a, 1, 10000, 2);
	spend_coin(f, &c, 1, 10000, 1);
	assert_int_equal(accept(f, &a, NULL, &st), CONS_VALID);
	assert_int_equal(accept(f, &b, NULL, &st), CONS_VALID);
	assert_int_equal(accept(f, &c, NULL, &st), CONS_VALID);
	/* a confirms; then a reorg abandons its block and the new branch spends coin 0. */
	assert_int_equal(cons_tx_copy(&txs[0], &a), 0);
	tb_block(&blk, f->p, prev, TIP + 1, f->p->genesis_time + TIP + 1, f->p->genesis_bits,
		 f->k[0].pkh, 1, txs, 1, 10000);
	node_mempool_remove_block(f->mp, &blk);
	f->spent[0] = true;
	assert_int_equal(accept(f, &a, NULL, &st), CONS_INVALID);   /* a cannot come back */
	assert_int_equal(node_mempool_remove_unspendable(f->mp, &f->view), 1);
	assert_null(node_mempool_get(f->mp, b.txid));
	assert_non_null(node_mempool_get(f->mp, c.txid));
	/* A shorter chain makes c's coinbase input immature again. */
	f->view.tip_height = 50;
	assert_int_equal(node_mempool_remove_unspendable(f->mp, &f->view), 1);
	assert_int_equal(node_mempool_count(f->mp), 0);
	cons_block_release(&blk);
	cons_tx_release(&a);
	cons_tx_release(&b);
	cons_tx_release(&c);
}

/* Accepts a chain of n spends from coin 0, each paying fee; returns how many entered. */
static int accept_chain(struct fx *f, struct cons_tx *c, int n, int64_t fee,
			enum node_mempool_reject *why, struct cons_state *st)
{
	int ok = 0;

	for (int i = 0; i < n; i++) {
		if (i == 0)
			spend_coin(f, &c[0], 0, fee, 1);
		else
			spend_tx(f, &c[i], &c[i - 1], 1, fee, 1);
		if (accept(f, &c[i], why, st) == CONS_VALID)
			ok++;
	}
	return ok;
}

static void test_mempool_chain_limits_as_core(void **state)
{
	struct fx *f = *state;
	struct cons_tx c[30];
	struct cons_state st;
	enum node_mempool_reject why;

	/* 25 ancestors, itself included: the 26th of a chain is refused, as by Core. */
	assert_int_equal(accept_chain(f, c, 26, 1000, &why, &st), 25);
	assert_int_equal(why, NODE_MP_CHAIN_LIMIT);
	assert_string_equal(st.detail, "too-long-mempool-chain: too many unconfirmed ancestors "
			    "[limit: 25]");
	assert_false(cons_reject_punishable(st.code, false));
	assert_null(node_mempool_get(f->mp, c[25].txid));
	assert_int_equal(node_mempool_remove(f->mp, c[0].txid), 25);
	for (int i = 0; i < 26; i++)
		cons_tx_release(&c[i]);

	/* Descendants and sizes, each alone. */
	struct node_mempool_limits l = {100, 1000000, 5, 1000000};
	node_mempool_set_limits(f->mp, &l);
	assert_int_equal(accept_chain(f, c, 6, 1000, &why, &st), 5);
	assert_int_equal(why, NODE_MP_CHAIN_LIMIT);
	assert_non_null(strstr(st.detail, "descendant count"));
	assert_int_equal(node_mempool_remove(f->mp, c[0].txid), 5);
	for (int i = 0; i < 6; i++)
		cons_tx_release(&c[i]);
	l = (struct node_mempool_limits){100, 1000000, 100, 0};
	l.descendant_size = 3 * 200;          /* a spend is about 191 bytes */
	node_mempool_set_limits(f->mp, &l);
	assert_int_equal(accept_chain(f, c, 4, 1000, &why, &st), 3);
	assert_non_null(strstr(st.detail, "descendant size"));
	assert_int_equal(node_mempool_remove(f->mp, c[0].txid), 3);
	for (int i = 0; i < 4; i++)
		cons_tx_release(&c[i]);
	l = (struct node_mempool_limits){100, 3 * 200, 100, 1000000};
	node_mempool_set_limits(f->mp, &l);
	assert_int_equal(accept_chain(f, c, 4, 1000, &why, &st), 3);
	assert_non_null(strstr(st.detail, "ancestor size"));
	for (int i = 0; i < 4; i++)
		cons_tx_release(&c[i]);
}

#define LONG_CHAIN 60000

/* An unsigned 1-in-1-out tx (for node_mempool_add_unchecked, which checks nothing). */
static void raw_spend(struct cons_tx *tx, const struct cons_outpoint *op, int64_t value,
		      const uint8_t pkh[20])
{
	uint8_t script[CONS_P2PKH_SCRIPT_SIZE], sig[1] = {0};

	cons_tx_init(tx);
	tx->version = 1;
	cons_script_p2pkh(script, pkh);
	assert_int_equal(cons_tx_add_input(tx, op, sig, sizeof(sig), 0xffffffffu), 0);
	assert_int_equal(cons_tx_add_output(tx, value, script, sizeof(script)), 0);
	assert_int_equal(cons_tx_finalize(tx), 0);
}

/*
 * A chain of LONG_CHAIN txs from coin 0, fees rising along it, entered
 * tip first (as a reorg returns a parent after its children) so that
 * building it costs O(n). Returns the txs.
 */
static struct cons_tx *long_chain(struct fx *f)
{
	struct cons_tx *c = calloc(LONG_CHAIN, sizeof(*c));
	struct cons_outpoint op = f->ops[0];

	assert_non_null(c);
	for (int i = 0; i < LONG_CHAIN; i++) {
		raw_spend(&c[i], &op, 40 * CONS_COIN - i, f->k[1].pkh);
		memcpy(op.txid, c[i].txid, 32);
		op.n = 0;
	}
	for (int i = LONG_CHAIN - 1; i >= 0; i--)
		assert_int_equal(node_mempool_add_unchecked(f->mp, &c[i], 100 + i, 1000), 0);
	assert_int_equal(node_mempool_count(f->mp), LONG_CHAIN);
	return c;
}

static void free_chain(struct cons_tx *c)
{
	for (int i = 0; i < LONG_CHAIN; i++)
		cons_tx_release(&c[i]);
	free(c);
}

static void test_mempool_long_chain_removed_by_a_block_without_recursion(void **state)
{
	struct fx *f = *state;
	struct cons_tx *c = long_chain(f), txs[1];
	struct cons_block blk;
	uint8_t prev[32] = {0};
	size_t n;

	node_mempool_descendants(node_mempool_get(f->mp, c[0].txid), &n, NULL, NULL);
	assert_int_equal(n, LONG_CHAIN);
	/* A block double-spends the root: all 60,000 go, with no stack per descendant. */
	spend_coin(f, &txs[0], 0, 30000, 2);
	tb_block(&blk, f->p, prev, TIP + 1, f->p->genesis_time + TIP + 1, f->p->genesis_bits,
		 f->k[0].pkh, 1, txs, 1, 30000);
	node_mempool_remove_block(f->mp, &blk);
	assert_int_equal(node_mempool_count(f->mp), 0);
	assert_int_equal(node_mempool_usage(f->mp), 0);
	cons_block_release(&blk);
	free_chain(c);
}

static void test_mempool_long_chain_evicted_when_full_without_recursion(void **state)
{
	struct fx *f = *state;
	struct cons_tx *c, tx;
	struct cons_state st;

	size_t full;

	/* The chain fills the pool; a better tx overflows it and the chain (lowest) goes whole. */
	c = long_chain(f);
	full = node_mempool_usage(f->mp);
	free_chain(c);
	node_mempool_free(f->mp);
	f->mp = node_mempool_new(f->p, full + 100, 1000);
	c = long_chain(f);
	spend_coin(f, &tx, 1, 1000000, 1);
	assert_int_equal(accept(f, &tx, NULL, &st), CONS_VALID);
	assert_int_equal(node_mempool_count(f->mp), 1);
	assert_non_null(node_mempool_get(f->mp, tx.txid));
	free_chain(c);
	cons_tx_release(&tx);
}

static void test_mempool_save_and_load(void **state)
{
	struct fx *f = *state;
	char path[] = "/tmp/flint-test-mempool-XXXXXX";
	struct cons_tx a, b, *txs;
	struct cons_state st;
	size_t n;
	FILE *fp;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	spend_coin(f, &a, 0, 10000, 1);
	spend_coin(f, &b, 1, 10000, 1);
	assert_int_equal(accept(f, &a, NULL, &st), CONS_VALID);
	assert_int_equal(accept(f, &b, NULL, &st), CONS_VALID);
	assert_int_equal(node_mempool_save(f->mp, path), 0);
	assert_int_equal(node_mempool_load_file(path, &txs, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(txs[0].txid, a.txid, 32);
	assert_memory_equal(txs[1].txid, b.txid, 32);
	for (size_t i = 0; i < n; i++)
		cons_tx_release(&txs[i]);
	free(txs);
	/* A truncated file is refused, not half-loaded. */
	fp = fopen(path, "r+b");
	assert_int_equal(ftruncate(fileno(fp), 40), 0);
	fclose(fp);
	assert_int_equal(node_mempool_load_file(path, &txs, &n), -1);
	assert_null(txs);
	unlink(path);
	cons_tx_release(&a);
	cons_tx_release(&b);
}

static bool has_child(const struct node_mempool_entry *p, const struct node_mempool_entry *c)
{
	for (size_t i = 0; i < p->n_children; i++)
		if (p->children[i] == c)
			return true;
	return false;
}

/* Reference count of e's descendant package by a plain walk over the public links. */
static void reference_package(const struct node_mempool_entry *e, size_t *count, size_t *size,
			      int64_t *fee)
{
	const struct node_mempool_entry *q[4096];
	size_t n = 0;

	q[n++] = e;
	*count = 0;
	*size = 0;
	*fee = 0;
	for (size_t i = 0; i < n; i++) {
		*count += 1;
		*size += q[i]->tx.size;
		*fee += q[i]->fee;
		for (size_t c = 0; c < q[i]->n_children; c++) {
			bool seen = false;
			for (size_t k = 0; k < n && !seen; k++)
				seen = q[k] == q[i]->children[c];
			if (!seen) {
				assert_true(n < 4096);
				q[n++] = q[i]->children[c];
			}
		}
	}
}

static void check_package(void *ctx, const struct node_mempool_entry *e)
{
	size_t count, size, rc, rs;
	int64_t fee, rf;

	node_mempool_descendants(e, &count, &size, &fee);
	reference_package(e, &rc, &rs, &rf);
	assert_int_equal(count, rc);
	assert_int_equal(size, rs);
	assert_int_equal(fee, rf);
	for (size_t i = 0; i < e->n_parents; i++)
		assert_true(has_child(e->parents[i], e));
}

static void test_mempool_packages_stay_exact_under_churn(void **state)
{
	struct fx *f = *state;
	struct cons_outpoint *free_ops = calloc(4000, sizeof(*free_ops));
	uint8_t txids[2000][32];
	size_t n_free = 0;
	uint32_t rng = 99;

	/* Clusters of merges and splits, entered unchecked, with removals between. */
	for (int i = 0; i < 2000; i++) {
		struct cons_outpoint op;
		struct cons_tx tx;
		uint8_t script[CONS_P2PKH_SCRIPT_SIZE], sig[1] = {0};
		int n_in = 1 + (int)((rng = rng * 1103515245u + 12345u) >> 16) % 3;
		if (i % 40 == 0)
			n_free = 0;
		cons_tx_init(&tx);
		tx.version = 1;
		cons_script_p2pkh(script, f->k[1].pkh);
		for (int k = 0; k < n_in; k++) {
			rng = rng * 1103515245u + 12345u;
			if (n_free > 0 && (rng >> 16) % 4 != 0) {
				size_t j = (rng >> 8) % n_free;
				op = free_ops[j];
				free_ops[j] = free_ops[--n_free];
			} else {
				memset(op.txid, 0xdd, 32);
				op.n = (uint32_t)(i * 4 + k);
			}
			assert_int_equal(cons_tx_add_input(&tx, &op, sig, 1, 0xffffffffu), 0);
		}
		for (int k = 0; k < 2; k++)
			assert_int_equal(cons_tx_add_output(&tx, CONS_COIN, script, sizeof(script)), 0);
		assert_int_equal(cons_tx_finalize(&tx), 0);
		for (uint32_t k = 0; k < 2; k++) {
			memcpy(free_ops[n_free].txid, tx.txid, 32);
			free_ops[n_free++].n = k;
		}
		memcpy(txids[i], tx.txid, 32);
		assert_int_equal(node_mempool_add_unchecked(f->mp, &tx, 100 + (rng >> 12) % 5000, 0), 0);
		cons_tx_release(&tx);
		rng = rng * 1103515245u + 12345u;
		if ((rng >> 16) % 5 == 0)           /* now and then one goes, with its descendants */
			node_mempool_remove(f->mp, txids[(rng >> 4) % (size_t)(i + 1)]);
		if (i % 100 == 99)
			node_mempool_foreach(f->mp, check_package, f);
	}
	node_mempool_foreach(f->mp, check_package, f);
	free(free_ops);
}

/*
 * The orphan pool (node/p2p_glue's relay) is the mempool's waiting room for
 * transactions whose parents are unknown: its bounds are tested here.
 */

/*
 * A tx spending a coin nobody has, with n outputs: an orphan of ~34n bytes.
 * Its signature no longer matches once outputs are added, but a missing
 * input is found first.
 */
static void orphan_tx(struct fx *f, struct cons_tx *tx, uint32_t tag, int n)
{
	struct cons_outpoint op = {.n = tag};
	uint8_t script[CONS_P2PKH_SCRIPT_SIZE];

	memset(op.txid, 0x5a, 32);
	tb_spend(f->secp, tx, &op, &f->k[0], 1000, f->k[1].pkh);
	cons_script_p2pkh(script, f->k[1].pkh);
	for (int i = 1; i < n; i++)
		assert_int_equal(cons_tx_add_output(tx, 1000, script, sizeof(script)), 0);
	assert_int_equal(cons_tx_finalize(tx), 0);
}

static void test_relay_orphans_bounded_in_size_and_bytes(void **state)
{
	struct fx *f = *state;
	struct node_chain_options o;
	struct node_relay r = {0};
	char dir[] = "/tmp/flint-test-orphans-XXXXXX", err[256], cmd[128];
	struct cons_tx tx;
	struct cons_state st;

	assert_non_null(mkdtemp(dir));
	node_chain_options_default(&o);
	assert_int_equal(node_chain_open(&r.chain, dir, f->p, &o, NULL, NULL, err, sizeof(err)), 0);
	r.mempool = f->mp;
	r.secp = f->secp;
	/* Over 100 kB: not kept at all (Core's cap on one orphan). */
	orphan_tx(f, &tx, 0, 2945);
	assert_true(tx.size > NODE_MAX_ORPHAN_TX_SIZE && tx.size < NODE_MP_ANCESTOR_SIZE);
	cons_state_init(&st);
	assert_int_equal(node_relay_accept(&r, &tx, &st), CONS_INVALID);
	assert_int_equal(st.code, CONS_REJ_TX_MISSING_INPUTS);
	assert_int_equal(r.n_orphans, 0);
	cons_tx_release(&tx);
	/* 60 just under the cap: the oldest go once their bytes would pass the bound. */
	for (uint32_t i = 1; i <= 60; i++) {
		orphan_tx(f, &tx, i, 2900);
		assert_true(tx.size <= NODE_MAX_ORPHAN_TX_SIZE);
		cons_state_init(&st);
		assert_int_equal(node_relay_accept(&r, &tx, &st), CONS_INVALID);
		assert_true(r.orphan_bytes <= NODE_MAX_ORPHAN_BYTES);
		assert_memory_equal(r.orphans[r.n_orphans - 1].txid, tx.txid, 32);
		cons_tx_release(&tx);
	}
	assert_int_equal(r.n_orphans, NODE_MAX_ORPHAN_BYTES / r.orphans[0].size);
	node_relay_release(&r);
	node_chain_close(r.chain);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_mempool_accepts_valid_spend),
		T(test_mempool_rejects_double_spend_of_pool_input),
		T(test_mempool_allows_unconfirmed_chains),
		T(test_mempool_orphan_reports_missing_inputs),
		T(test_mempool_rejects_low_fee_bad_sig_immature_coinbase),
		T(test_mempool_block_removes_confirmed_and_conflicts),
		T(test_mempool_full_evicts_lowest_fee_rate),
		T(test_mempool_eviction_spares_ancestors_of_the_candidate),
		T(test_mempool_eviction_refuses_a_candidate_it_trims),
		T(test_mempool_chain_limits_as_core),
		T(test_mempool_after_reorg_drops_what_spends_nothing),
		T(test_mempool_packages_stay_exact_under_churn),
		T(test_mempool_long_chain_removed_by_a_block_without_recursion),
		T(test_mempool_long_chain_evicted_when_full_without_recursion),
		T(test_mempool_save_and_load),
		T(test_relay_orphans_bounded_in_size_and_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
