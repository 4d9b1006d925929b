/*
 * Block rules (consensus/block_check.h): the header's proof of work, the
 * header against its ancestors (retarget, median time past, future drift,
 * BIP94), the body alone and at its height, connecting spends to a coin
 * set, and block signatures. Each rejection test starts from a valid block,
 * breaks exactly one rule and expects that rule's reject code; the unbroken
 * block passes. Blocks are mined on regtest; the retarget and time-warp
 * rules are tried on testnet. Fixtures: tests/fixtures.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tests/fixtures.h"

#define COIN CONS_COIN
#define HEIGHT 200                      /* regtest subsidy here: 25 coins */
#define REGTEST_BITS 0x207fffffu
#define TESTNET_BITS 0x1e00ffffu        /* testnet's genesis bits */

struct fx {
	secp256k1_context *secp;
	const struct cons_params *p;    /* regtest */
	const struct cons_params *tn;   /* testnet */
	struct tb_key k[3];
	struct fx_coins coins;
	struct cons_coin_store store;
	struct cons_outpoint a, b, cb;
	struct fx_chain chain;          /* large: kept off the stack */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	f->p = cons_params_by_name("regtest");
	f->tn = cons_params_by_name("testnet");
	for (int i = 0; i < 3; i++)
		fx_key(f->secp, &f->k[i], (uint8_t)(0x21 * (i + 1)));
	fx_coins_init(&f->coins);
	f->store = fx_coins_store(&f->coins);
	f->a = fx_op(0xa1, 0);
	f->b = fx_op(0xb2, 1);
	f->cb = fx_op(0xcb, 0);
	fx_coins_put(&f->coins, &f->a, 10 * COIN, f->k[0].pkh, 1, false);
	fx_coins_put(&f->coins, &f->b, 5 * COIN, f->k[0].pkh, 1, false);
	fx_coins_put(&f->coins, &f->cb, 50 * COIN, f->k[0].pkh, 10, true);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	secp256k1_context_destroy(f->secp);
	free(f);
	return 0;
}

/* A mined regtest block at height: a coinbase paying subsidy + fees, then txs (moved in). */
static void build(struct fx *f, struct cons_block *b, int64_t height, struct cons_tx *txs,
		  size_t n, int64_t fees)
{
	static const uint8_t prev[32];

	tb_block(b, f->p, prev, height, f->p->genesis_time + (uint32_t)height * 600, REGTEST_BITS,
		 f->k[0].pkh, (uint32_t)height, txs, n, fees);
}

/* The valid block every test breaks: coinbase, then A (10) -> 9 coins to key 1. */
static void valid_block(struct fx *f, struct cons_block *b)
{
	struct cons_tx t;

	fx_spend(f->secp, &t, &f->a, &f->k[0], 9 * COIN, f->k[1].pkh);
	build(f, b, HEIGHT, &t, 1, 1 * COIN);
}

/* Coinbase, A (10) -> 9 to key 1, B (5) -> 4 to key 2: fees 2 coins. */
static void three_tx_block(struct fx *f, struct cons_block *b)
{
	struct cons_tx t[2];

	fx_spend(f->secp, &t[0], &f->a, &f->k[0], 9 * COIN, f->k[1].pkh);
	fx_spend(f->secp, &t[1], &f->b, &f->k[0], 4 * COIN, f->k[2].pkh);
	build(f, b, HEIGHT, t, 2, 2 * COIN);
}

static enum cons_verdict check_block(struct fx *f, const struct cons_params *p,
				     const struct cons_block *b, struct cons_state *st)
{
	cons_state_init(st);
	return cons_check_block(p, b, st);
}

static enum cons_verdict connect_block(struct fx *f, const struct cons_block *b, int64_t height,
				 struct cons_block_undo *undo, struct cons_state *st)
{
	cons_state_init(st);
	cons_block_undo_init(undo);
	return cons_connect_block(f->p, b, height, &f->store, undo, st);
}

static struct cons_header header(uint32_t time, uint32_t bits)
{
	struct cons_header h = {.version = 1, .time = time, .bits = bits};

	return h;
}

static enum cons_verdict check_ctx(const struct cons_params *p, const struct fx_chain *c,
				   uint32_t time, uint32_t bits, int64_t now, struct cons_state *st)
{
	struct cons_chain_view v = fx_chain_view(c);
	struct cons_header h = header(time, bits);

	cons_state_init(st);
	return cons_check_header_contextual(p, &h, &v, now, st);
}

/*
 * A testnet chain of blocks 0..height one second apart at bits
 * TESTNET_BITS, whose last block is at G + last (G the genesis time).
 */
static uint32_t testnet_chain(struct fx *f, int64_t height, uint32_t last)
{
	uint32_t g = f->tn->genesis_time;

	fx_chain_linear(&f->chain, height, g, 1, TESTNET_BITS);
	f->chain.time[height] = g + last;
	return g;
}

/* ---- cons_check_header --------------------------------------------------- */

static void test_check_header_valid_passes(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_state st;

	valid_block(f, &b);
	cons_state_init(&st);
	FX_ASSERT_VALID(cons_check_header(f->p, &b.hdr, b.hash, &st), st);
	cons_block_release(&b);
}

static void test_check_header_high_hash(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_state st;

	valid_block(f, &b);
	fx_unmine_header(&b, f->p);         /* a nonce whose hash is above the target */
	cons_state_init(&st);
	FX_ASSERT_INVALID(cons_check_header(f->p, &b.hdr, b.hash, &st), st, CONS_REJ_HIGH_HASH);
	assert_string_equal(cons_reject_reason(st.code), "high-hash");
	assert_true(cons_reject_marks_block(st.code));
	FX_ASSERT_INVALID(check_block(f, f->p, &b, &st), st, CONS_REJ_HIGH_HASH);
	cons_block_release(&b);
}

static void test_check_header_bits_easier_than_limit(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_state st;

	/* Twice regtest's limit: every hash would pass if the limit were not checked. */
	valid_block(f, &b);
	b.hdr.bits = 0x2100ffff;
	cons_header_hash(b.hash, &b.hdr);
	cons_state_init(&st);
	FX_ASSERT_INVALID(cons_check_header(f->p, &b.hdr, b.hash, &st), st, CONS_REJ_HIGH_HASH);
	cons_block_release(&b);
}

/* ---- cons_median_time_past ----------------------------------------------- */

static int64_t mtp_of(struct fx *f, int64_t height, const uint32_t *times)
{
	struct cons_chain_view v;
	int64_t mtp = -1;

	fx_chain_linear(&f->chain, height, 0, 0, REGTEST_BITS);
	memcpy(f->chain.time, times, (size_t)(height + 1) * sizeof(*times));
	v = fx_chain_view(&f->chain);
	assert_int_equal(cons_median_time_past(&v, &mtp), 0);
	return mtp;
}

static void test_median_time_past_short_chain(void **state)
{
	struct fx *f = *state;
	const uint32_t five[] = {1000, 1050, 1020, 1040, 1030};
	const uint32_t two[] = {1000, 1200};

	assert_int_equal(mtp_of(f, 0, five), 1000);
	assert_int_equal(mtp_of(f, 4, five), 1030);
	/* An even count takes the upper middle, as Bitcoin Core's GetMedianTimePast. */
	assert_int_equal(mtp_of(f, 1, two), 1200);
	assert_int_equal(mtp_of(f, 3, five), 1040);
}

static void test_median_time_past_eleven_unsorted(void **state)
{
	struct fx *f = *state;
	const uint32_t t[] = {1900, 1100, 1500, 1300, 2100, 1000, 1700, 1200, 2000, 1600, 1400};

	assert_int_equal(mtp_of(f, 10, t), 1500);
}

static void test_median_time_past_uses_last_eleven(void **state)
{
	struct fx *f = *state;
	/* The first four would drag the median up if they were counted. */
	const uint32_t t[] = {9000, 9000, 9000, 9000, 105, 101, 111, 103, 107, 109, 102, 104, 110,
			      108, 106};

	assert_int_equal(mtp_of(f, 14, t), 106);
}

static void test_median_time_past_lookup_error(void **state)
{
	struct fx *f = *state;
	struct cons_chain_view v;
	int64_t mtp = 77;

	fx_chain_linear(&f->chain, 5, 1000, 10, REGTEST_BITS);
	f->chain.fail = true;
	v = fx_chain_view(&f->chain);
	assert_int_equal(cons_median_time_past(&v, &mtp), -1);
}

/* ---- cons_next_bits ------------------------------------------------------ */

static uint32_t next_bits(struct fx *f, const struct cons_params *p)
{
	struct cons_chain_view v = fx_chain_view(&f->chain);
	uint32_t bits = 0;

	assert_int_equal(cons_next_bits(p, &v, &bits), 0);
	return bits;
}

static void test_next_bits_off_boundary_keeps_parent_bits(void **state)
{
	struct fx *f = *state;
	int64_t last = f->tn->retarget_interval - 2;   /* child is not an epoch start */

	testnet_chain(f, last, 1000);
	f->chain.bits[last] = 0x1d7fff80;
	assert_int_equal(next_bits(f, f->tn), 0x1d7fff80);
	/* However fast the blocks came, off a boundary nothing changes. */
	f->chain.time[last] = f->chain.time[0] + 1;
	assert_int_equal(next_bits(f, f->tn), 0x1d7fff80);
}

static void test_next_bits_at_boundary_retargets(void **state)
{
	struct fx *f = *state;
	int64_t last = f->tn->retarget_interval - 1;   /* child at height 24 starts epoch 1 */
	const struct {
		uint32_t span, bits;
	} cases[] = {
		{120, 0x1e00ffff},      /* on schedule (24 blocks * 5 s) */
		{60, 0x1d7fff80},       /* twice as fast: half the target */
		{240, 0x1e01fffe},      /* twice as slow: double */
		{480, 0x1e03fffc},      /* 4x */
		{10000, 0x1e03fffc},    /* clamped to 4x */
		{30, 0x1d3fffc0},       /* 1/4 */
		{1, 0x1d3fffc0},        /* clamped to 1/4 */
	};

	assert_int_equal(cons_params_target_timespan(f->tn), 120);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		testnet_chain(f, last, cases[i].span);
		assert_int_equal(next_bits(f, f->tn), cases[i].bits);
	}
	/* Never easier than the limit. */
	testnet_chain(f, last, 480);
	f->chain.bits[last] = f->tn->pow_limit_bits;
	assert_int_equal(next_bits(f, f->tn), f->tn->pow_limit_bits);
}

static void test_next_bits_uses_epoch_first_block(void **state)
{
	struct fx *f = *state;
	int64_t n = f->tn->retarget_interval;
	uint32_t g = testnet_chain(f, 2 * n - 1, 0);

	/*
	 * The span runs from the epoch's first block (24) to its last (47), as
	 * Bitcoin's; block 23 (the previous epoch's last) is not counted.
	 */
	for (int64_t h = n; h < 2 * n; h++)
		f->chain.time[h] = g + 1000 + (uint32_t)(h - n);
	f->chain.time[2 * n - 1] = g + 1060;
	assert_int_equal(next_bits(f, f->tn), 0x1d7fff80);
}

static void test_next_bits_regtest_never_changes(void **state)
{
	struct fx *f = *state;

	fx_chain_linear(&f->chain, 2015, f->p->genesis_time, 1, REGTEST_BITS);
	assert_int_equal(next_bits(f, f->p), REGTEST_BITS);
	f->chain.bits[2015] = 0x1e0fffff;
	assert_int_equal(next_bits(f, f->p), 0x1e0fffff);
}

static void test_next_bits_lookup_error(void **state)
{
	struct fx *f = *state;
	struct cons_chain_view v;
	uint32_t bits;

	testnet_chain(f, f->tn->retarget_interval - 1, 120);
	f->chain.fail = true;
	v = fx_chain_view(&f->chain);
	assert_int_equal(cons_next_bits(f->tn, &v, &bits), -1);
}

/* ---- cons_check_header_contextual ---------------------------------------- */

/* Regtest chain 0..20, 600 s apart: median time past is block 15's time. */
static int64_t regtest_chain(struct fx *f)
{
	fx_chain_linear(&f->chain, 20, f->p->genesis_time, 600, REGTEST_BITS);
	return f->p->genesis_time + 15 * 600;
}

static void test_check_header_contextual_valid(void **state)
{
	struct fx *f = *state;
	struct cons_state st;
	int64_t mtp = regtest_chain(f), now = f->chain.time[20] + 600;

	FX_ASSERT_VALID(check_ctx(f->p, &f->chain, (uint32_t)now, REGTEST_BITS, now, &st), st);
	FX_ASSERT_VALID(check_ctx(f->p, &f->chain, (uint32_t)mtp + 1, REGTEST_BITS, now, &st), st);
}

static void test_check_header_contextual_bad_diffbits(void **state)
{
	struct fx *f = *state;
	struct cons_state st;
	int64_t now = regtest_chain(f) + 6000;

	FX_ASSERT_INVALID(check_ctx(f->p, &f->chain, (uint32_t)now, 0x207ffffe, now, &st), st,
			  CONS_REJ_BAD_DIFFBITS);
	assert_string_equal(cons_reject_reason(st.code), "bad-diffbits");
	/* Harder than required is still wrong: bits must be exactly the rule's. */
	FX_ASSERT_INVALID(check_ctx(f->p, &f->chain, (uint32_t)now, 0x1d00ffff, now, &st), st,
			  CONS_REJ_BAD_DIFFBITS);
}

static void test_check_header_contextual_bad_diffbits_at_retarget(void **state)
{
	struct fx *f = *state;
	struct cons_state st;
	uint32_t g = testnet_chain(f, f->tn->retarget_interval - 1, 60);

	/* Blocks came twice as fast: keeping the old bits is refused. */
	FX_ASSERT_INVALID(check_ctx(f->tn, &f->chain, g + 61, TESTNET_BITS, g + 100, &st), st,
			  CONS_REJ_BAD_DIFFBITS);
	FX_ASSERT_VALID(check_ctx(f->tn, &f->chain, g + 61, 0x1d7fff80, g + 100, &st), st);
}

static void test_check_header_contextual_time_too_old(void **state)
{
	struct fx *f = *state;
	struct cons_state st;
	int64_t mtp = regtest_chain(f), now = mtp + 100000;

	FX_ASSERT_INVALID(check_ctx(f->p, &f->chain, (uint32_t)mtp, REGTEST_BITS, now, &st), st,
			  CONS_REJ_TIME_TOO_OLD);
	assert_true(cons_reject_marks_block(st.code));
	FX_ASSERT_INVALID(check_ctx(f->p, &f->chain, (uint32_t)mtp - 1, REGTEST_BITS, now, &st), st,
			  CONS_REJ_TIME_TOO_OLD);
	FX_ASSERT_VALID(check_ctx(f->p, &f->chain, (uint32_t)mtp + 1, REGTEST_BITS, now, &st), st);
}

static void test_check_header_contextual_time_too_new(void **state)
{
	struct fx *f = *state;
	struct cons_state st;
	int64_t now = regtest_chain(f) + 6000, drift = f->p->max_future_drift;

	FX_ASSERT_INVALID(check_ctx(f->p, &f->chain, (uint32_t)(now + drift + 1), REGTEST_BITS, now,
				    &st), st, CONS_REJ_TIME_TOO_NEW);
	/* Early is not invalid: the block may be accepted once its time comes. */
	assert_false(cons_reject_marks_block(st.code));
	assert_false(cons_reject_punishable(st.code, true));
	FX_ASSERT_VALID(check_ctx(f->p, &f->chain, (uint32_t)(now + drift), REGTEST_BITS, now, &st),
			st);
	FX_ASSERT_VALID(check_ctx(f->p, &f->chain, (uint32_t)(now + drift + 1), REGTEST_BITS,
				  now + 1, &st), st);
}

static void test_check_header_contextual_time_warp(void **state)
{
	struct fx *f = *state;
	struct cons_state st;
	int64_t limit = f->tn->timewarp_limit;
	/* Parent (23) at G+120, its ancestors at G+0..22: median time past G+18. */
	uint32_t g = testnet_chain(f, f->tn->retarget_interval - 1, 120);
	uint32_t parent = g + 120;

	assert_int_equal(next_bits(f, f->tn), TESTNET_BITS);
	FX_ASSERT_INVALID(check_ctx(f->tn, &f->chain, parent - (uint32_t)limit - 1, TESTNET_BITS,
				    g + 200, &st), st, CONS_REJ_TIME_WARP);
	assert_string_equal(cons_reject_reason(st.code), "time-timewarp-attack");
	assert_true(cons_reject_marks_block(st.code));
	FX_ASSERT_VALID(check_ctx(f->tn, &f->chain, parent - (uint32_t)limit, TESTNET_BITS, g + 200,
				  &st), st);
}

static void test_check_header_contextual_time_warp_only_at_epoch_start(void **state)
{
	struct fx *f = *state;
	struct cons_state st;
	/* The same parent one block earlier: its child does not start an epoch. */
	uint32_t g = testnet_chain(f, f->tn->retarget_interval - 2, 120);
	uint32_t parent = g + 120;

	FX_ASSERT_VALID(check_ctx(f->tn, &f->chain, parent - (uint32_t)f->tn->timewarp_limit - 1,
				  TESTNET_BITS, g + 200, &st), st);
	FX_ASSERT_VALID(check_ctx(f->tn, &f->chain, g + 18, TESTNET_BITS, g + 200, &st), st);
}

static void test_check_header_contextual_ancestor_error(void **state)
{
	struct fx *f = *state;
	struct cons_state st;
	int64_t now = regtest_chain(f) + 6000;

	f->chain.fail = true;
	assert_int_equal(check_ctx(f->p, &f->chain, (uint32_t)now, REGTEST_BITS, now, &st),
			 CONS_ERROR);
	assert_int_equal(st.verdict, CONS_ERROR);
	assert_int_equal(st.code, CONS_REJ_NONE);
	/* Even bits that would be refused give an error, not a verdict on the block. */
	assert_int_equal(check_ctx(f->p, &f->chain, (uint32_t)now, 0x1d00ffff, now, &st),
			 CONS_ERROR);
	assert_int_equal(st.code, CONS_REJ_NONE);
}

/* ---- cons_check_block ---------------------------------------------------- */

static void test_check_block_valid_passes(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_state st;

	valid_block(f, &b);
	FX_ASSERT_VALID(check_block(f, f->p, &b, &st), st);
	assert_int_equal(st.index, -1);
	cons_block_release(&b);
	three_tx_block(f, &b);
	FX_ASSERT_VALID(check_block(f, f->p, &b, &st), st);
	cons_block_release(&b);
}

static void test_check_block_merkle_mismatch_mutated(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_state st;

	/* Another transaction under the same header: the proof of work still holds. */
	valid_block(f, &b);
	b.tx[1].locktime = 1;
	assert_int_equal(cons_tx_finalize(&b.tx[1]), 0);
	assert_true(cons_check_pow(f->p, b.hash, b.hdr.bits));
	FX_ASSERT_INVALID(check_block(f, f->p, &b, &st), st, CONS_REJ_MUTATED);
	assert_string_equal(cons_reject_reason(st.code), "bad-txnmrklroot");
	/* The honest block with this header may still arrive: do not mark it. */
	assert_false(cons_reject_marks_block(st.code));
	assert_true(cons_reject_punishable(st.code, true));
	cons_block_release(&b);
}

static void test_check_block_duplicate_tx_mutated(void **state)
{
	struct fx *f = *state;
	struct cons_block b, dup;
	struct cons_tx copy;
	struct cons_state st;
	uint8_t root[32];
	bool mutated;

	/*
	 * CVE-2012-2459: [cb, t1, t2] and [cb, t1, t2, t2] have the same merkle
	 * root, since the odd level pairs t2 with itself.
	 */
	three_tx_block(f, &b);
	FX_ASSERT_VALID(check_block(f, f->p, &b, &st), st);
	tb_block_copy(&dup, &b);
	assert_int_equal(cons_tx_copy(&copy, &b.tx[2]), 0);
	assert_int_equal(cons_block_append_tx(&dup, &copy), 0);
	dup.size += b.tx[2].size;
	assert_int_equal(cons_block_merkle_root(root, &mutated, &dup), 0);
	assert_memory_equal(root, b.hdr.merkle, 32);
	assert_true(mutated);
	assert_memory_equal(dup.hash, b.hash, 32);
	FX_ASSERT_INVALID(check_block(f, f->p, &dup, &st), st, CONS_REJ_DUPLICATE_TX);
	assert_string_equal(cons_reject_reason(st.code), "bad-txns-duplicate");
	/* The header is honest: the block it commits to may still arrive intact. */
	assert_false(cons_reject_marks_block(st.code));
	assert_true(cons_reject_punishable(st.code, true));
	cons_block_release(&dup);
	cons_block_release(&b);
}

static void test_check_block_no_txs_bad_length(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_state st;

	cons_block_init(&b);
	b.hdr.version = 1;
	b.hdr.time = f->p->genesis_time;
	b.hdr.bits = REGTEST_BITS;
	assert_int_equal(cons_block_finalize(&b), 0);   /* empty list: zero merkle root */
	fx_mine_header(&b, f->p);
	FX_ASSERT_INVALID(check_block(f, f->p, &b, &st), st, CONS_REJ_BAD_LENGTH);
	assert_string_equal(cons_reject_reason(st.code), "bad-blk-length");
	cons_block_release(&b);
}

/* A valid spend of op (value coins, key 0) into n zero outputs and change - 1 coin. */
static void wide_spend(struct fx *f, struct cons_tx *tx, const struct cons_outpoint *op,
		       int64_t value, size_t n)
{
	fx_wide_spend(f->secp, tx, op, &f->k[0], n, value - 1 * COIN, f->k[1].pkh);
}

static void test_check_block_oversize_bad_length(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_tx t[2];
	struct cons_state st;

	/* Two transactions of ~580 kB: each within the limit, together over 1 MB. */
	wide_spend(f, &t[0], &f->a, 10 * COIN, 17000);
	wide_spend(f, &t[1], &f->b, 5 * COIN, 17000);
	assert_true(t[0].size < f->p->max_block_size);
	build(f, &b, HEIGHT, t, 2, 2 * COIN);
	assert_true(b.size > f->p->max_block_size);
	FX_ASSERT_INVALID(check_block(f, f->p, &b, &st), st, CONS_REJ_BAD_LENGTH);
	cons_block_release(&b);
}

static void test_check_block_size_limit_is_inclusive(void **state)
{
	struct fx *f = *state;
	struct cons_params small = *f->p;
	struct cons_block b;
	struct cons_state st;
	struct cons_writer w;

	three_tx_block(f, &b);
	cons_writer_init(&w);
	cons_block_write(&w, &b);
	assert_int_equal(w.len, b.size);            /* the size counted is the wire size */
	cons_writer_release(&w);
	small.max_block_size = b.size;
	FX_ASSERT_VALID(check_block(f, &small, &b, &st), st);
	small.max_block_size = b.size - 1;
	FX_ASSERT_INVALID(check_block(f, &small, &b, &st), st, CONS_REJ_BAD_LENGTH);
	cons_block_release(&b);
}

static void test_check_block_cb_missing(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_tx t;
	struct cons_state st;

	fx_spend(f->secp, &t, &f->a, &f->k[0], 9 * COIN, f->k[1].pkh);
	cons_block_init(&b);
	assert_int_equal(cons_block_append_tx(&b, &t), 0);
	b.hdr.version = 1;
	b.hdr.time = f->p->genesis_time;
	b.hdr.bits = REGTEST_BITS;
	tb_remine(&b, f->p);
	FX_ASSERT_INVALID(check_block(f, f->p, &b, &st), st, CONS_REJ_CB_MISSING);
	assert_string_equal(cons_reject_reason(st.code), "bad-cb-missing");
	cons_block_release(&b);
}

static void test_check_block_cb_multiple(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_tx t[2];
	struct cons_state st;

	fx_spend(f->secp, &t[0], &f->a, &f->k[0], 9 * COIN, f->k[1].pkh);
	tb_coinbase(&t[1], HEIGHT, 0, f->k[2].pkh, 99);
	build(f, &b, HEIGHT, t, 2, 1 * COIN);
	FX_ASSERT_INVALID(check_block(f, f->p, &b, &st), st, CONS_REJ_CB_MULTIPLE);
	assert_int_equal(st.index, 2);
	assert_string_equal(cons_reject_reason(st.code), "bad-cb-multiple");
	cons_block_release(&b);
}

static void test_check_block_tx_rule_names_index(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_tx t[2];
	struct cons_state st;
	const uint8_t op_return[] = {CONS_OP_RETURN};

	fx_spend(f->secp, &t[0], &f->a, &f->k[0], 9 * COIN, f->k[1].pkh);
	cons_tx_init(&t[1]);
	assert_int_equal(cons_tx_add_input(&t[1], &f->b, NULL, 0, FX_SEQ_FINAL), 0);
	assert_int_equal(cons_tx_add_output(&t[1], 4 * COIN, op_return, sizeof(op_return)), 0);
	assert_int_equal(cons_sign_input(f->secp, &t[1], 0, f->k[0].sec), 0);
	assert_int_equal(cons_tx_finalize(&t[1]), 0);
	build(f, &b, HEIGHT, t, 2, 2 * COIN);
	FX_ASSERT_INVALID(check_block(f, f->p, &b, &st), st, CONS_REJ_TX_VOUT_SCRIPT);
	assert_int_equal(st.index, 2);
	cons_block_release(&b);
}

/* ---- cons_check_block_contextual ----------------------------------------- */

static enum cons_verdict check_block_ctx(struct fx *f, const struct cons_block *b, int64_t height,
					 int64_t mtp, struct cons_state *st)
{
	cons_state_init(st);
	return cons_check_block_contextual(f->p, b, height, mtp, st);
}

static void test_check_block_contextual_valid(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_state st;

	valid_block(f, &b);
	FX_ASSERT_VALID(check_block_ctx(f, &b, HEIGHT, b.hdr.time - 1, &st), st);
	cons_block_release(&b);
}

static void test_check_block_contextual_cb_height(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_state st;

	valid_block(f, &b);
	FX_ASSERT_INVALID(check_block_ctx(f, &b, HEIGHT + 1, b.hdr.time - 1, &st), st,
			  CONS_REJ_CB_HEIGHT);
	assert_string_equal(cons_reject_reason(st.code), "bad-cb-height");
	FX_ASSERT_INVALID(check_block_ctx(f, &b, HEIGHT - 1, b.hdr.time - 1, &st), st,
			  CONS_REJ_CB_HEIGHT);
	cons_block_release(&b);
}

static void test_check_block_contextual_cb_height_sign_byte(void **state)
{
	struct fx *f = *state;
	const struct cons_outpoint null_op = {.n = 0xffffffffu};
	/* 200 = 0xc8 has its top bit set: BIP34 wants 02 c8 00; 01 c8 reads as -72. */
	const uint8_t bad[] = {0x01, 0xc8, 0x04, 't', 'a', 'g', '!'};
	const uint8_t good[] = {0x02, 0xc8, 0x00, 0x04, 't', 'a', 'g', '!'};
	const struct {
		const uint8_t *script;
		size_t len;
		enum cons_reject want;
	} cases[] = {{bad, sizeof(bad), CONS_REJ_CB_HEIGHT}, {good, sizeof(good), CONS_REJ_NONE}};
	uint8_t out[CONS_P2PKH_SCRIPT_SIZE];

	cons_script_p2pkh(out, f->k[0].pkh);
	for (size_t i = 0; i < 2; i++) {
		struct cons_block b;
		struct cons_tx cb;
		struct cons_state st;

		cons_tx_init(&cb);
		assert_int_equal(cons_tx_add_input(&cb, &null_op, cases[i].script, cases[i].len,
						   FX_SEQ_FINAL), 0);
		assert_int_equal(cons_tx_add_output(&cb, 25 * COIN, out, sizeof(out)), 0);
		assert_int_equal(cons_tx_finalize(&cb), 0);
		cons_block_init(&b);
		assert_int_equal(cons_block_append_tx(&b, &cb), 0);
		b.hdr.version = 1;
		b.hdr.bits = REGTEST_BITS;
		tb_remine(&b, f->p);
		FX_ASSERT_VALID(check_block(f, f->p, &b, &st), st);
		check_block_ctx(f, &b, HEIGHT, 0, &st);
		assert_int_equal(st.code, cases[i].want);
		cons_block_release(&b);
	}
}

/* A block at HEIGHT whose tx spends A with this locktime and sequence. */
static void locked_block(struct fx *f, struct cons_block *b, uint32_t locktime, uint32_t sequence)
{
	const struct tb_key *keys[1] = {&f->k[0]};
	const int64_t value = 9 * COIN;
	struct cons_tx t;

	fx_tx(f->secp, &t, &f->a, keys, 1, &value, (const uint8_t (*)[20])f->k[1].pkh, 1, locktime,
	      sequence);
	build(f, b, HEIGHT, &t, 1, 1 * COIN);
}

static void test_check_block_contextual_nonfinal_height(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_state st;
	int64_t mtp = f->p->genesis_time;

	locked_block(f, &b, HEIGHT, 0xfffffffe);
	FX_ASSERT_VALID(check_block(f, f->p, &b, &st), st);
	FX_ASSERT_INVALID(check_block_ctx(f, &b, HEIGHT, mtp, &st), st, CONS_REJ_TX_NONFINAL);
	assert_int_equal(st.index, 1);
	assert_string_equal(cons_reject_reason(st.code), "bad-txns-nonfinal");
	cons_block_release(&b);
	locked_block(f, &b, HEIGHT - 1, 0xfffffffe);
	FX_ASSERT_VALID(check_block_ctx(f, &b, HEIGHT, mtp, &st), st);
	cons_block_release(&b);
	/* Every sequence final: the locktime is ignored. */
	locked_block(f, &b, HEIGHT + 1000, FX_SEQ_FINAL);
	FX_ASSERT_VALID(check_block_ctx(f, &b, HEIGHT, mtp, &st), st);
	cons_block_release(&b);
}

static void test_check_block_contextual_nonfinal_time(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_state st;
	int64_t mtp = f->p->genesis_time + 1000;

	/* BIP113: a time lock is judged against the median time past, not the block's time. */
	locked_block(f, &b, (uint32_t)mtp, 0);
	assert_true(b.hdr.time > mtp);
	FX_ASSERT_INVALID(check_block_ctx(f, &b, HEIGHT, mtp, &st), st, CONS_REJ_TX_NONFINAL);
	assert_int_equal(st.index, 1);
	FX_ASSERT_VALID(check_block_ctx(f, &b, HEIGHT, mtp + 1, &st), st);
	cons_block_release(&b);
}

/* ---- cons_connect_block -------------------------------------------------- */

static void assert_coin(struct fx *f, const uint8_t txid[32], uint32_t n, int64_t value,
			const uint8_t pkh[20], uint32_t height, bool coinbase)
{
	struct cons_outpoint op;
	struct fx_coin_entry *e;

	memcpy(op.txid, txid, 32);
	op.n = n;
	e = fx_coins_find(&f->coins, &op);
	assert_non_null(e);
	assert_int_equal(e->coin.value, value);
	assert_memory_equal(e->coin.pkh, pkh, 20);
	assert_int_equal(e->coin.height, height);
	assert_int_equal(e->coin.coinbase, coinbase);
}

static void assert_spent(const struct cons_spent *s, const struct cons_outpoint *op,
			 int64_t value, uint32_t tx, uint32_t in)
{
	assert_int_equal(cons_outpoint_cmp(&s->op, op), 0);
	assert_int_equal(s->coin.value, value);
	assert_int_equal(s->tx, tx);
	assert_int_equal(s->in, in);
}

static void test_connect_block_valid_updates_store(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_block_undo undo;
	struct cons_state st;

	valid_block(f, &b);
	FX_ASSERT_VALID(connect_block(f, &b, HEIGHT, &undo, &st), st);
	assert_int_equal(st.index, -1);
	assert_false(fx_coins_has(&f->coins, &f->a));
	assert_true(fx_coins_has(&f->coins, &f->b));
	assert_coin(f, b.tx[1].txid, 0, 9 * COIN, f->k[1].pkh, HEIGHT, false);
	assert_coin(f, b.tx[0].txid, 0, 26 * COIN, f->k[0].pkh, HEIGHT, true);
	assert_int_equal(fx_coins_live(&f->coins), 4);
	assert_int_equal(undo.n, 1);
	assert_spent(&undo.spent[0], &f->a, 10 * COIN, 1, 0);
	assert_memory_equal(undo.spent[0].coin.pkh, f->k[0].pkh, 20);
	assert_int_equal(undo.spent[0].coin.height, 1);
	cons_block_undo_release(&undo);
	cons_block_release(&b);
}

/* [cb, t1: A -> 9 to key 1, t2: (t1:0, B) -> 13 to key 2]; in_order false swaps t1, t2. */
static void chained_block(struct fx *f, struct cons_block *b, bool in_order)
{
	struct cons_tx t[2];
	struct cons_outpoint ops[2];
	const struct tb_key *keys[2] = {&f->k[1], &f->k[0]};
	const int64_t value = 13 * COIN;

	fx_spend(f->secp, &t[0], &f->a, &f->k[0], 9 * COIN, f->k[1].pkh);
	memcpy(ops[0].txid, t[0].txid, 32);
	ops[0].n = 0;
	ops[1] = f->b;
	fx_tx(f->secp, &t[1], ops, keys, 2, &value, (const uint8_t (*)[20])f->k[2].pkh, 1, 0,
	      FX_SEQ_FINAL);
	if (!in_order) {
		struct cons_tx tmp = t[0];
		t[0] = t[1];
		t[1] = tmp;
	}
	build(f, b, HEIGHT, t, 2, 2 * COIN);
}

static void test_connect_block_spends_output_created_in_block(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_block_undo undo;
	struct cons_state st;
	struct cons_outpoint t1_out;

	chained_block(f, &b, true);
	memcpy(t1_out.txid, b.tx[1].txid, 32);
	t1_out.n = 0;
	FX_ASSERT_VALID(check_block(f, f->p, &b, &st), st);
	FX_ASSERT_VALID(connect_block(f, &b, HEIGHT, &undo, &st), st);
	/* Undo lists exactly the spent coins, in block order, with where they were spent. */
	assert_int_equal(undo.n, 3);
	assert_spent(&undo.spent[0], &f->a, 10 * COIN, 1, 0);
	assert_spent(&undo.spent[1], &t1_out, 9 * COIN, 2, 0);
	assert_spent(&undo.spent[2], &f->b, 5 * COIN, 2, 1);
	assert_memory_equal(undo.spent[1].coin.pkh, f->k[1].pkh, 20);
	assert_int_equal(undo.spent[1].coin.height, HEIGHT);
	assert_false(fx_coins_has(&f->coins, &t1_out));
	assert_false(fx_coins_has(&f->coins, &f->b));
	assert_coin(f, b.tx[2].txid, 0, 13 * COIN, f->k[2].pkh, HEIGHT, false);
	assert_int_equal(fx_coins_live(&f->coins), 3);  /* cb, t2:0 and the old coinbase coin */
	FX_ASSERT_VALID(cons_check_block_sigs(f->secp, &b, &undo, 0, undo.n, &st), st);
	cons_block_undo_release(&undo);
	cons_block_release(&b);
}

static void test_connect_block_spend_before_creation_missing(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_block_undo undo;
	struct cons_state st;

	/* The same two transactions, child first: its parent's output does not exist yet. */
	chained_block(f, &b, false);
	FX_ASSERT_VALID(check_block(f, f->p, &b, &st), st);
	FX_ASSERT_INVALID(connect_block(f, &b, HEIGHT, &undo, &st), st, CONS_REJ_TX_MISSING_INPUTS);
	assert_int_equal(st.index, 1);
	assert_int_equal(undo.n, 0);
	assert_null(undo.spent);
	cons_block_release(&b);
}

static void test_connect_block_non_p2pkh_coinbase_output_not_stored(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_block_undo undo;
	struct cons_state st;
	struct cons_outpoint op;
	const uint8_t op_return[] = {CONS_OP_RETURN, 2, 'h', 'i'};

	build(f, &b, HEIGHT, NULL, 0, 0);
	assert_int_equal(cons_tx_add_output(&b.tx[0], 0, op_return, sizeof(op_return)), 0);
	assert_int_equal(cons_tx_finalize(&b.tx[0]), 0);
	tb_remine(&b, f->p);
	FX_ASSERT_VALID(check_block(f, f->p, &b, &st), st);
	FX_ASSERT_VALID(connect_block(f, &b, HEIGHT, &undo, &st), st);
	assert_int_equal(undo.n, 0);
	assert_coin(f, b.tx[0].txid, 0, 25 * COIN, f->k[0].pkh, HEIGHT, true);
	memcpy(op.txid, b.tx[0].txid, 32);
	op.n = 1;
	assert_false(fx_coins_has(&f->coins, &op));
	assert_int_equal(fx_coins_live(&f->coins), 4);
	cons_block_undo_release(&undo);
	cons_block_release(&b);
}

static void test_connect_block_missing_input(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_block_undo undo;
	struct cons_state st;
	struct cons_tx t;
	const struct cons_outpoint unknown = fx_op(0x99, 0);

	fx_spend(f->secp, &t, &unknown, &f->k[0], 1 * COIN, f->k[1].pkh);
	build(f, &b, HEIGHT, &t, 1, 0);
	FX_ASSERT_INVALID(connect_block(f, &b, HEIGHT, &undo, &st), st, CONS_REJ_TX_MISSING_INPUTS);
	assert_int_equal(st.index, 1);
	/* In a block a missing input is an offence, and the block is invalid. */
	assert_true(cons_reject_punishable(st.code, true));
	assert_true(cons_reject_marks_block(st.code));
	cons_block_release(&b);
}

static void test_connect_block_double_spend_in_block(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_block_undo undo;
	struct cons_state st;
	struct cons_tx t[2];

	/* Two different transactions spending A: each alone is valid. */
	fx_spend(f->secp, &t[0], &f->a, &f->k[0], 9 * COIN, f->k[1].pkh);
	fx_spend(f->secp, &t[1], &f->a, &f->k[0], 8 * COIN, f->k[2].pkh);
	build(f, &b, HEIGHT, t, 2, 3 * COIN);
	FX_ASSERT_VALID(check_block(f, f->p, &b, &st), st);
	FX_ASSERT_INVALID(connect_block(f, &b, HEIGHT, &undo, &st), st, CONS_REJ_TX_MISSING_INPUTS);
	assert_int_equal(st.index, 2);
	cons_block_release(&b);
}

static void test_connect_block_premature_coinbase(void **state)
{
	struct fx *f = *state;
	int64_t maturity = f->p->coinbase_maturity;
	const int64_t heights[2] = {10 + maturity - 1, 10 + maturity};

	/* The coinbase coin CB was created at height 10. */
	for (int i = 0; i < 2; i++) {
		struct cons_block b;
		struct cons_block_undo undo;
		struct cons_state st;
		struct cons_tx t;

		fx_coins_init(&f->coins);
		fx_coins_put(&f->coins, &f->cb, 50 * COIN, f->k[0].pkh, 10, true);
		fx_spend(f->secp, &t, &f->cb, &f->k[0], 49 * COIN, f->k[1].pkh);
		build(f, &b, heights[i], &t, 1, 1 * COIN);
		if (i == 0) {
			FX_ASSERT_INVALID(connect_block(f, &b, heights[i], &undo, &st), st,
					  CONS_REJ_TX_PREMATURE_CB);
			assert_int_equal(st.index, 1);
		} else {
			FX_ASSERT_VALID(connect_block(f, &b, heights[i], &undo, &st), st);
			assert_int_equal(undo.n, 1);
			assert_true(undo.spent[0].coin.coinbase);
			cons_block_undo_release(&undo);
		}
		cons_block_release(&b);
	}
}

static void test_connect_block_cb_amount(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_block_undo undo;
	struct cons_state st;
	struct cons_tx t;

	/* Subsidy 25 coins at HEIGHT, fee 1 coin: 26 coins + 1 unit is too much. */
	fx_spend(f->secp, &t, &f->a, &f->k[0], 9 * COIN, f->k[1].pkh);
	build(f, &b, HEIGHT, &t, 1, 1 * COIN + 1);
	assert_int_equal(b.tx[0].out[0].value, 26 * COIN + 1);
	FX_ASSERT_VALID(check_block(f, f->p, &b, &st), st);
	FX_ASSERT_INVALID(connect_block(f, &b, HEIGHT, &undo, &st), st, CONS_REJ_CB_AMOUNT);
	assert_int_equal(st.index, 0);
	assert_string_equal(cons_reject_reason(st.code), "bad-cb-amount");
	cons_block_release(&b);
}

static void test_connect_block_cb_amount_exact_and_less_pass(void **state)
{
	struct fx *f = *state;
	const int64_t claims[2] = {1 * COIN, 0};        /* fees claimed on top of the subsidy */

	for (int i = 0; i < 2; i++) {
		struct cons_block b;
		struct cons_block_undo undo;
		struct cons_state st;
		struct cons_tx t;

		fx_coins_init(&f->coins);
		fx_coins_put(&f->coins, &f->a, 10 * COIN, f->k[0].pkh, 1, false);
		fx_spend(f->secp, &t, &f->a, &f->k[0], 9 * COIN, f->k[1].pkh);
		build(f, &b, HEIGHT, &t, 1, claims[i]);
		FX_ASSERT_VALID(connect_block(f, &b, HEIGHT, &undo, &st), st);
		cons_block_undo_release(&undo);
		cons_block_release(&b);
	}
}

static void test_connect_block_cb_amount_halving(void **state)
{
	struct fx *f = *state;
	int64_t h = f->p->halving_interval;
	struct cons_block b;
	struct cons_block_undo undo;
	struct cons_state st;

	/* 50 coins: the last pre-halving height may claim it, the first halved one not. */
	build(f, &b, h - 1, NULL, 0, 0);
	assert_int_equal(b.tx[0].out[0].value, 50 * COIN);
	FX_ASSERT_VALID(connect_block(f, &b, h - 1, &undo, &st), st);
	cons_block_undo_release(&undo);
	cons_block_release(&b);
	build(f, &b, h, NULL, 0, 25 * COIN);
	assert_int_equal(b.tx[0].out[0].value, 50 * COIN);
	FX_ASSERT_INVALID(connect_block(f, &b, h, &undo, &st), st, CONS_REJ_CB_AMOUNT);
	cons_block_release(&b);
}

static void test_connect_block_fee_range(void **state)
{
	struct fx *f = *state;
	const struct cons_outpoint big[2] = {fx_op(0xe1, 0), fx_op(0xe2, 0)};
	struct cons_block b;
	struct cons_block_undo undo;
	struct cons_state st;
	struct cons_tx t[2];

	/* Each tx's fee is max_money (in range); the block's total is twice that. */
	for (int i = 0; i < 2; i++) {
		fx_coins_put(&f->coins, &big[i], f->p->max_money, f->k[0].pkh, 1, false);
		fx_spend(f->secp, &t[i], &big[i], &f->k[0], 0, f->k[1].pkh);
	}
	build(f, &b, HEIGHT, t, 2, 0);
	FX_ASSERT_VALID(check_block(f, f->p, &b, &st), st);
	FX_ASSERT_INVALID(connect_block(f, &b, HEIGHT, &undo, &st), st, CONS_REJ_TX_FEE_RANGE);
	assert_int_equal(st.index, 2);
	cons_block_release(&b);
}

static void test_connect_block_store_errors(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_block_undo undo;
	struct cons_state st;
	bool *flags[3] = {&f->coins.fail_get, &f->coins.fail_spend, &f->coins.fail_add};

	valid_block(f, &b);
	for (int i = 0; i < 3; i++) {
		*flags[i] = true;
		assert_int_equal(connect_block(f, &b, HEIGHT, &undo, &st), CONS_ERROR);
		assert_int_equal(st.verdict, CONS_ERROR);
		assert_int_equal(st.code, CONS_REJ_NONE);       /* never a verdict on the block */
		assert_int_equal(undo.n, 0);
		assert_null(undo.spent);
		*flags[i] = false;
		/* Reset the store the failed attempt partially applied. */
		fx_coins_init(&f->coins);
		fx_coins_put(&f->coins, &f->a, 10 * COIN, f->k[0].pkh, 1, false);
	}
	FX_ASSERT_VALID(connect_block(f, &b, HEIGHT, &undo, &st), st);
	cons_block_undo_release(&undo);
	cons_block_release(&b);
}

/* ---- cons_check_block_sigs ----------------------------------------------- */

static void test_check_block_sigs_range_names_tx(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_block_undo undo;
	struct cons_state st;
	struct cons_tx t[2];

	/* t2 pays 3 coins under a signature made for 4. */
	fx_spend(f->secp, &t[0], &f->a, &f->k[0], 9 * COIN, f->k[1].pkh);
	fx_spend(f->secp, &t[1], &f->b, &f->k[0], 4 * COIN, f->k[2].pkh);
	t[1].out[0].value = 3 * COIN;
	assert_int_equal(cons_tx_finalize(&t[1]), 0);
	build(f, &b, HEIGHT, t, 2, 3 * COIN);
	FX_ASSERT_VALID(check_block(f, f->p, &b, &st), st);
	FX_ASSERT_VALID(connect_block(f, &b, HEIGHT, &undo, &st), st);    /* no signature checks */
	assert_int_equal(undo.n, 2);

	cons_state_init(&st);
	FX_ASSERT_VALID(cons_check_block_sigs(f->secp, &b, &undo, 0, 1, &st), st);
	cons_state_init(&st);
	FX_ASSERT_VALID(cons_check_block_sigs(f->secp, &b, &undo, 1, 1, &st), st);
	cons_state_init(&st);
	FX_ASSERT_INVALID(cons_check_block_sigs(f->secp, &b, &undo, 1, 2, &st), st,
			  CONS_REJ_TX_BAD_SIG);
	assert_int_equal(st.index, 2);
	cons_state_init(&st);
	FX_ASSERT_INVALID(cons_check_block_sigs(f->secp, &b, &undo, 0, 2, &st), st,
			  CONS_REJ_TX_BAD_SIG);
	assert_int_equal(st.index, 2);
	assert_true(cons_reject_marks_block(st.code));
	cons_block_undo_release(&undo);
	cons_block_release(&b);
}

static void test_check_block_sigs_wrong_key(void **state)
{
	struct fx *f = *state;
	struct cons_block b;
	struct cons_block_undo undo;
	struct cons_state st;
	struct cons_tx t;
	const struct cons_outpoint theirs = fx_op(0x77, 3);

	/* A coin of key 1's spent with key 0's well-formed signature. */
	fx_coins_put(&f->coins, &theirs, 2 * COIN, f->k[1].pkh, 1, false);
	fx_spend(f->secp, &t, &theirs, &f->k[0], 2 * COIN, f->k[0].pkh);
	build(f, &b, HEIGHT, &t, 1, 0);
	FX_ASSERT_VALID(connect_block(f, &b, HEIGHT, &undo, &st), st);
	cons_state_init(&st);
	FX_ASSERT_INVALID(cons_check_block_sigs(f->secp, &b, &undo, 0, undo.n, &st), st,
			  CONS_REJ_TX_BAD_SIG);
	assert_int_equal(st.index, 1);
	cons_block_undo_release(&undo);
	cons_block_release(&b);
}

/* ---- validation outcomes ------------------------------------------------- */

static void test_reject_marks_block(void **state)
{
	const enum cons_reject marks[] = {
		CONS_REJ_HIGH_HASH, CONS_REJ_BAD_DIFFBITS, CONS_REJ_TIME_TOO_OLD, CONS_REJ_TIME_WARP,
		CONS_REJ_PREV_INVALID, CONS_REJ_BAD_LENGTH, CONS_REJ_CB_MISSING,
		CONS_REJ_CB_MULTIPLE, CONS_REJ_CB_HEIGHT, CONS_REJ_CB_AMOUNT,
		CONS_REJ_TX_MISSING_INPUTS, CONS_REJ_TX_PREMATURE_CB, CONS_REJ_TX_NONFINAL,
		CONS_REJ_TX_BAD_SIG, CONS_REJ_TX_DUP_INPUTS, CONS_REJ_TX_FEE_RANGE,
	};

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		assert_true(cons_reject_marks_block(marks[i]));
	assert_false(cons_reject_marks_block(CONS_REJ_NONE));
	assert_false(cons_reject_marks_block(CONS_REJ_TIME_TOO_NEW));
	assert_false(cons_reject_marks_block(CONS_REJ_MUTATED));
	assert_false(cons_reject_marks_block(CONS_REJ_DUPLICATE_TX));
	assert_false(cons_reject_marks_block(CONS_REJ_PREV_MISSING));
	assert_false(cons_reject_marks_block(CONS_REJ_CACHED_INVALID));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_check_header_valid_passes),
		T(test_check_header_high_hash),
		T(test_check_header_bits_easier_than_limit),
		T(test_median_time_past_short_chain),
		T(test_median_time_past_eleven_unsorted),
		T(test_median_time_past_uses_last_eleven),
		T(test_median_time_past_lookup_error),
		T(test_next_bits_off_boundary_keeps_parent_bits),
		T(test_next_bits_at_boundary_retargets),
		T(test_next_bits_uses_epoch_first_block),
		T(test_next_bits_regtest_never_changes),
		T(test_next_bits_lookup_error),
		T(test_check_header_contextual_valid),
		T(test_check_header_contextual_bad_diffbits),
		T(test_check_header_contextual_bad_diffbits_at_retarget),
		T(test_check_header_contextual_time_too_old),
		T(test_check_header_contextual_time_too_new),
		T(test_check_header_contextual_time_warp),
		T(test_check_header_contextual_time_warp_only_at_epoch_start),
		T(test_check_header_contextual_ancestor_error),
		T(test_check_block_valid_passes),
		T(test_check_block_merkle_mismatch_mutated),
		T(test_check_block_duplicate_tx_mutated),
		T(test_check_block_no_txs_bad_length),
		T(test_check_block_oversize_bad_length),
		T(test_check_block_size_limit_is_inclusive),
		T(test_check_block_cb_missing),
		T(test_check_block_cb_multiple),
		T(test_check_block_tx_rule_names_index),
		T(test_check_block_contextual_valid),
		T(test_check_block_contextual_cb_height),
		T(test_check_block_contextual_cb_height_sign_byte),
		T(test_check_block_contextual_nonfinal_height),
		T(test_check_block_contextual_nonfinal_time),
		T(test_connect_block_valid_updates_store),
		T(test_connect_block_spends_output_created_in_block),
		T(test_connect_block_spend_before_creation_missing),
		T(test_connect_block_non_p2pkh_coinbase_output_not_stored),
		T(test_connect_block_missing_input),
		T(test_connect_block_double_spend_in_block),
		T(test_connect_block_premature_coinbase),
		T(test_connect_block_cb_amount),
		T(test_connect_block_cb_amount_exact_and_less_pass),
		T(test_connect_block_cb_amount_halving),
		T(test_connect_block_fee_range),
		T(test_connect_block_store_errors),
		T(test_check_block_sigs_range_names_tx),
		T(test_check_block_sigs_wrong_key),
		T(test_reject_marks_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
