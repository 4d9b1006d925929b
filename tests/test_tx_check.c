/*
 * Transaction rules (consensus/tx_check.h) and validation outcomes
 * (consensus/validation.h). Each rejection test starts from a valid
 * transaction, breaks exactly one rule and expects that rule's reject code;
 * the unbroken transaction passes. Coins live in the in-memory store of
 * tests/fixtures.h.
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
#define LOCKTIME_THRESHOLD 500000000u

struct fx {
	secp256k1_context *secp;
	const struct cons_params *p;
	struct tb_key k[3];
	struct fx_coins coins;
	struct cons_coin_view view;
	struct cons_outpoint a, b, cb, k1coin;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	f->p = cons_params_by_name("regtest");
	for (int i = 0; i < 3; i++)
		fx_key(f->secp, &f->k[i], (uint8_t)(0x11 * (i + 1)));
	fx_coins_init(&f->coins);
	f->view = fx_coins_view(&f->coins);
	f->a = fx_op(0xa1, 0);
	f->b = fx_op(0xb2, 1);
	f->cb = fx_op(0xcb, 0);
	f->k1coin = fx_op(0xc1, 0);
	fx_coins_put(&f->coins, &f->a, 10 * COIN, f->k[0].pkh, 1, false);
	fx_coins_put(&f->coins, &f->b, 5 * COIN, f->k[0].pkh, 1, false);
	fx_coins_put(&f->coins, &f->cb, 50 * COIN, f->k[0].pkh, 10, true);
	fx_coins_put(&f->coins, &f->k1coin, 3 * COIN, f->k[1].pkh, 2, false);
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

/* The valid spend every test breaks: A (10 coins, key 0) -> 9 coins to key 1. */
static void valid_spend(struct fx *f, struct cons_tx *tx)
{
	fx_spend(f->secp, tx, &f->a, &f->k[0], 9 * COIN, f->k[1].pkh);
}

static enum cons_verdict check(struct fx *f, const struct cons_tx *tx, struct cons_state *st)
{
	cons_state_init(st);
	return cons_check_tx(f->p, tx, st);
}

/* Two inputs (A and B, key 0) and two outputs to key 1 and key 2. */
static void two_by_two(struct fx *f, struct cons_tx *tx, int64_t v1, int64_t v2)
{
	const struct cons_outpoint ops[2] = {f->a, f->b};
	const struct tb_key *keys[2] = {&f->k[0], &f->k[0]};
	const int64_t values[2] = {v1, v2};
	uint8_t pkhs[2][20];

	memcpy(pkhs[0], f->k[1].pkh, 20);
	memcpy(pkhs[1], f->k[2].pkh, 20);
	fx_tx(f->secp, tx, ops, keys, 2, values, (const uint8_t (*)[20])pkhs, 2, 0, FX_SEQ_FINAL);
}

/* A coinbase whose scriptSig is exactly len bytes: BIP34 height 5, then padding. */
static void coinbase_of_length(struct fx *f, struct cons_tx *tx, size_t len)
{
	const struct cons_outpoint null_op = {.n = 0xffffffffu};
	uint8_t script[128];

	assert_true(len >= 1 && len <= sizeof(script));
	memset(script, 0x61, sizeof(script));   /* OP_NOP */
	script[0] = CONS_OP_1 + 4;              /* height 5 */
	cons_tx_init(tx);
	assert_int_equal(cons_tx_add_input(tx, &null_op, script, len, FX_SEQ_FINAL), 0);
	fx_add_p2pkh(tx, 50 * COIN, f->k[0].pkh);
	assert_int_equal(cons_tx_finalize(tx), 0);
}

/* ---- cons_check_tx ------------------------------------------------------- */

static void test_check_tx_valid_spend_passes(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;

	valid_spend(f, &tx);
	FX_ASSERT_VALID(check(f, &tx, &st), st);
	assert_int_equal(st.verdict, CONS_VALID);
	cons_tx_release(&tx);
	two_by_two(f, &tx, 1 * COIN, 2 * COIN);
	FX_ASSERT_VALID(check(f, &tx, &st), st);
	cons_tx_release(&tx);
}

static void test_check_tx_valid_coinbase_passes(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;
	const uint8_t op_return[] = {CONS_OP_RETURN, 4, 'f', 'l', 'n', 't'};

	tb_coinbase(&tx, 200, 25 * COIN, f->k[0].pkh, 7);
	FX_ASSERT_VALID(check(f, &tx, &st), st);
	/* A coinbase may pay to any script: only spends are held to P2PKH. */
	assert_int_equal(cons_tx_add_output(&tx, 0, op_return, sizeof(op_return)), 0);
	assert_int_equal(cons_tx_finalize(&tx), 0);
	FX_ASSERT_VALID(check(f, &tx, &st), st);
	cons_tx_release(&tx);
}

static void test_check_tx_vin_empty(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;

	cons_tx_init(&tx);
	fx_add_p2pkh(&tx, 9 * COIN, f->k[1].pkh);
	assert_int_equal(cons_tx_finalize(&tx), 0);
	FX_ASSERT_INVALID(check(f, &tx, &st), st, CONS_REJ_TX_VIN_EMPTY);
	assert_string_equal(cons_reject_reason(st.code), "bad-txns-vin-empty");
	cons_tx_release(&tx);
}

static void test_check_tx_vout_empty(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;

	cons_tx_init(&tx);
	assert_int_equal(cons_tx_add_input(&tx, &f->a, NULL, 0, FX_SEQ_FINAL), 0);
	assert_int_equal(cons_sign_input(f->secp, &tx, 0, f->k[0].sec), 0);
	assert_int_equal(cons_tx_finalize(&tx), 0);
	FX_ASSERT_INVALID(check(f, &tx, &st), st, CONS_REJ_TX_VOUT_EMPTY);
	assert_string_equal(cons_reject_reason(st.code), "bad-txns-vout-empty");
	cons_tx_release(&tx);
}

/* A valid spend of A into n zero-value outputs and 9 coins of change. */
static void many_outputs(struct fx *f, struct cons_tx *tx, size_t n)
{
	fx_wide_spend(f->secp, tx, &f->a, &f->k[0], n, 9 * COIN, f->k[1].pkh);
}

static void test_check_tx_oversize(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;

	/* 30,000 P2PKH outputs of 34 bytes: over 1 MB, every other rule kept. */
	many_outputs(f, &tx, 30000);
	assert_true(tx.size > f->p->max_block_size);
	FX_ASSERT_INVALID(check(f, &tx, &st), st, CONS_REJ_TX_OVERSIZE);
	cons_tx_release(&tx);
}

static void test_check_tx_size_limit_is_inclusive(void **state)
{
	struct fx *f = *state;
	struct cons_params small = *f->p;
	struct cons_tx tx;
	struct cons_state st;

	many_outputs(f, &tx, 10);
	small.max_block_size = tx.size;
	cons_state_init(&st);
	FX_ASSERT_VALID(cons_check_tx(&small, &tx, &st), st);
	small.max_block_size = tx.size - 1;
	cons_state_init(&st);
	FX_ASSERT_INVALID(cons_check_tx(&small, &tx, &st), st, CONS_REJ_TX_OVERSIZE);
	cons_tx_release(&tx);
}

static void test_check_tx_vout_negative(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;

	two_by_two(f, &tx, 1 * COIN, -1);
	FX_ASSERT_INVALID(check(f, &tx, &st), st, CONS_REJ_TX_VOUT_NEGATIVE);
	cons_tx_release(&tx);
	two_by_two(f, &tx, 1 * COIN, 0);
	FX_ASSERT_VALID(check(f, &tx, &st), st);
	cons_tx_release(&tx);
}

static void test_check_tx_vout_toolarge(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;

	fx_spend(f->secp, &tx, &f->a, &f->k[0], f->p->max_money + 1, f->k[1].pkh);
	FX_ASSERT_INVALID(check(f, &tx, &st), st, CONS_REJ_TX_VOUT_TOOLARGE);
	cons_tx_release(&tx);
	/* The cap itself is a legal output value (context-free). */
	fx_spend(f->secp, &tx, &f->a, &f->k[0], f->p->max_money, f->k[1].pkh);
	FX_ASSERT_VALID(check(f, &tx, &st), st);
	cons_tx_release(&tx);
	fx_spend(f->secp, &tx, &f->a, &f->k[0], INT64_MAX, f->k[1].pkh);
	FX_ASSERT_INVALID(check(f, &tx, &st), st, CONS_REJ_TX_VOUT_TOOLARGE);
	cons_tx_release(&tx);
}

static void test_check_tx_vout_total(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;

	/* Each output within the cap, their sum one unit above it. */
	two_by_two(f, &tx, f->p->max_money, 1);
	FX_ASSERT_INVALID(check(f, &tx, &st), st, CONS_REJ_TX_VOUT_TOTAL);
	assert_string_equal(cons_reject_reason(st.code), "bad-txns-txouttotal-toolarge");
	cons_tx_release(&tx);
	two_by_two(f, &tx, f->p->max_money - 1, 1);
	FX_ASSERT_VALID(check(f, &tx, &st), st);
	cons_tx_release(&tx);
	/* Two values that would overflow int64 if summed carelessly. */
	two_by_two(f, &tx, f->p->max_money, f->p->max_money);
	FX_ASSERT_INVALID(check(f, &tx, &st), st, CONS_REJ_TX_VOUT_TOTAL);
	cons_tx_release(&tx);
}

static void test_check_tx_vout_script(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;
	const uint8_t op_return[] = {CONS_OP_RETURN, 1, 0x00};
	uint8_t almost[CONS_P2PKH_SCRIPT_SIZE];

	cons_tx_init(&tx);
	assert_int_equal(cons_tx_add_input(&tx, &f->a, NULL, 0, FX_SEQ_FINAL), 0);
	fx_add_p2pkh(&tx, 9 * COIN, f->k[1].pkh);
	assert_int_equal(cons_tx_add_output(&tx, 0, op_return, sizeof(op_return)), 0);
	assert_int_equal(cons_sign_input(f->secp, &tx, 0, f->k[0].sec), 0);
	assert_int_equal(cons_tx_finalize(&tx), 0);
	FX_ASSERT_INVALID(check(f, &tx, &st), st, CONS_REJ_TX_VOUT_SCRIPT);
	cons_tx_release(&tx);

	/* P2PKH with OP_CHECKSIGVERIFY instead of OP_CHECKSIG is not the template. */
	cons_script_p2pkh(almost, f->k[1].pkh);
	almost[24] = 0xad;
	cons_tx_init(&tx);
	assert_int_equal(cons_tx_add_input(&tx, &f->a, NULL, 0, FX_SEQ_FINAL), 0);
	assert_int_equal(cons_tx_add_output(&tx, 9 * COIN, almost, sizeof(almost)), 0);
	assert_int_equal(cons_sign_input(f->secp, &tx, 0, f->k[0].sec), 0);
	assert_int_equal(cons_tx_finalize(&tx), 0);
	FX_ASSERT_INVALID(check(f, &tx, &st), st, CONS_REJ_TX_VOUT_SCRIPT);
	cons_tx_release(&tx);
}

static void test_check_tx_dup_inputs(void **state)
{
	struct fx *f = *state;
	const struct cons_outpoint ops[3] = {f->a, f->b, f->a};
	const struct cons_outpoint ok_ops[2] = {fx_op(0xa1, 0), fx_op(0xa1, 1)};
	const struct tb_key *keys[3] = {&f->k[0], &f->k[0], &f->k[0]};
	const int64_t value = 1 * COIN;
	const uint8_t (*pkh)[20] = (const uint8_t (*)[20])f->k[1].pkh;
	struct cons_tx tx;
	struct cons_state st;

	/* CVE-2018-17144: A spent by inputs 0 and 2. */
	fx_tx(f->secp, &tx, ops, keys, 3, &value, pkh, 1, 0, FX_SEQ_FINAL);
	FX_ASSERT_INVALID(check(f, &tx, &st), st, CONS_REJ_TX_DUP_INPUTS);
	assert_string_equal(cons_reject_reason(st.code), "bad-txns-inputs-duplicate");
	cons_tx_release(&tx);
	/* Same txid, different output index: two different coins. */
	fx_tx(f->secp, &tx, ok_ops, keys, 2, &value, pkh, 1, 0, FX_SEQ_FINAL);
	FX_ASSERT_VALID(check(f, &tx, &st), st);
	cons_tx_release(&tx);
}

static void test_check_tx_cb_length(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;
	const size_t bad[] = {1, 101}, good[] = {2, 100};

	for (size_t i = 0; i < 2; i++) {
		coinbase_of_length(f, &tx, bad[i]);
		assert_true(cons_tx_is_coinbase(&tx));
		FX_ASSERT_INVALID(check(f, &tx, &st), st, CONS_REJ_TX_CB_LENGTH);
		cons_tx_release(&tx);
		coinbase_of_length(f, &tx, good[i]);
		FX_ASSERT_VALID(check(f, &tx, &st), st);
		cons_tx_release(&tx);
	}
}

static void test_check_tx_prevout_null(void **state)
{
	struct fx *f = *state;
	const struct cons_outpoint ops[2] = {f->a, {.n = 0xffffffffu}};
	const struct tb_key *keys[2] = {&f->k[0], &f->k[0]};
	const int64_t value = 1 * COIN;
	struct cons_tx tx;
	struct cons_state st;

	/* Two inputs, so not a coinbase: the null prevout is not allowed. */
	fx_tx(f->secp, &tx, ops, keys, 2, &value, (const uint8_t (*)[20])f->k[1].pkh, 1, 0,
	      FX_SEQ_FINAL);
	assert_false(cons_tx_is_coinbase(&tx));
	FX_ASSERT_INVALID(check(f, &tx, &st), st, CONS_REJ_TX_PREVOUT_NULL);
	cons_tx_release(&tx);
}

static void test_check_tx_scriptsig(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;
	uint8_t script[CONS_SCRIPTSIG_MAX + 1];
	size_t len;

	valid_spend(f, &tx);
	len = tx.in[0].script_len;
	memcpy(script, tx.in[0].script, len);

	script[len] = CONS_OP_1;                        /* a trailing opcode */
	assert_int_equal(cons_tx_set_input_script(&tx, 0, script, len + 1), 0);
	assert_int_equal(cons_tx_finalize(&tx), 0);
	FX_ASSERT_INVALID(check(f, &tx, &st), st, CONS_REJ_TX_SCRIPTSIG);

	assert_int_equal(cons_tx_set_input_script(&tx, 0, NULL, 0), 0);  /* unsigned */
	assert_int_equal(cons_tx_finalize(&tx), 0);
	FX_ASSERT_INVALID(check(f, &tx, &st), st, CONS_REJ_TX_SCRIPTSIG);

	script[len - 34] = 65;                          /* an uncompressed-key length */
	assert_int_equal(cons_tx_set_input_script(&tx, 0, script, len), 0);
	assert_int_equal(cons_tx_finalize(&tx), 0);
	FX_ASSERT_INVALID(check(f, &tx, &st), st, CONS_REJ_TX_SCRIPTSIG);

	script[len - 34] = 33;                          /* restored: valid again */
	assert_int_equal(cons_tx_set_input_script(&tx, 0, script, len), 0);
	assert_int_equal(cons_tx_finalize(&tx), 0);
	FX_ASSERT_VALID(check(f, &tx, &st), st);
	cons_tx_release(&tx);
}

/* ---- cons_tx_is_final ---------------------------------------------------- */

static void locked(struct fx *f, struct cons_tx *tx, uint32_t locktime, uint32_t sequence)
{
	const struct tb_key *keys[1] = {&f->k[0]};
	const int64_t value = 9 * COIN;

	fx_tx(f->secp, tx, &f->a, keys, 1, &value, (const uint8_t (*)[20])f->k[1].pkh, 1, locktime,
	      sequence);
}

static void test_tx_is_final_height_lock(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;

	locked(f, &tx, 100, 0xfffffffe);
	assert_false(cons_tx_is_final(&tx, 99, 0));
	assert_false(cons_tx_is_final(&tx, 100, 0));     /* locktime is the last invalid height */
	assert_true(cons_tx_is_final(&tx, 101, 0));
	/* A height lock ignores the time, however late. */
	assert_false(cons_tx_is_final(&tx, 100, 2000000000));
	cons_tx_release(&tx);
}

static void test_tx_is_final_time_lock(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	const uint32_t t = 1795305600;

	locked(f, &tx, t, 0);
	assert_false(cons_tx_is_final(&tx, 1000000, t - 1));
	assert_false(cons_tx_is_final(&tx, 1000000, t));
	assert_true(cons_tx_is_final(&tx, 0, t + 1));
	cons_tx_release(&tx);
	/* The threshold itself is a time, the value below it a height. */
	locked(f, &tx, LOCKTIME_THRESHOLD, 0);
	assert_false(cons_tx_is_final(&tx, 600000000, LOCKTIME_THRESHOLD));
	assert_true(cons_tx_is_final(&tx, 0, LOCKTIME_THRESHOLD + 1));
	cons_tx_release(&tx);
	locked(f, &tx, LOCKTIME_THRESHOLD - 1, 0);
	assert_false(cons_tx_is_final(&tx, LOCKTIME_THRESHOLD - 1, 2000000000));
	assert_true(cons_tx_is_final(&tx, LOCKTIME_THRESHOLD, 0));
	cons_tx_release(&tx);
}

static void test_tx_is_final_all_sequences_final(void **state)
{
	struct fx *f = *state;
	const struct cons_outpoint ops[2] = {f->a, f->b};
	const struct tb_key *keys[2] = {&f->k[0], &f->k[0]};
	const int64_t value = 1 * COIN;
	struct cons_tx tx;

	locked(f, &tx, 100, FX_SEQ_FINAL);
	assert_true(cons_tx_is_final(&tx, 1, 0));
	cons_tx_release(&tx);
	/* One input below final reopens the lock. */
	fx_tx(f->secp, &tx, ops, keys, 2, &value, (const uint8_t (*)[20])f->k[1].pkh, 1, 100,
	      FX_SEQ_FINAL);
	assert_true(cons_tx_is_final(&tx, 1, 0));
	tx.in[1].sequence = 0xfffffffe;
	assert_false(cons_tx_is_final(&tx, 1, 0));
	cons_tx_release(&tx);
}

static void test_tx_is_final_zero_locktime(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;

	locked(f, &tx, 0, 0);
	assert_true(cons_tx_is_final(&tx, 0, 0));
	cons_tx_release(&tx);
}

/* ---- cons_check_tx_inputs ------------------------------------------------ */

static enum cons_verdict inputs(struct fx *f, const struct cons_tx *tx, int64_t height,
				struct cons_coin *coins, int64_t *fee, struct cons_state *st)
{
	cons_state_init(st);
	*fee = -12345;
	return cons_check_tx_inputs(f->p, tx, &f->view, height, coins, fee, st);
}

static void test_check_tx_inputs_valid_fee(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;
	struct cons_coin coins[2];
	int64_t fee;

	two_by_two(f, &tx, 7 * COIN, 2 * COIN);
	FX_ASSERT_VALID(inputs(f, &tx, 200, coins, &fee, &st), st);
	assert_int_equal(fee, 15 * COIN - 9 * COIN);
	/* The coins spent are handed back in input order for the signature check. */
	assert_int_equal(coins[0].value, 10 * COIN);
	assert_int_equal(coins[1].value, 5 * COIN);
	assert_memory_equal(coins[0].pkh, f->k[0].pkh, 20);
	/* Checking spends nothing. */
	assert_true(fx_coins_has(&f->coins, &f->a));
	cons_tx_release(&tx);

	/* A fee of zero is fine: inputs equal outputs. */
	two_by_two(f, &tx, 10 * COIN, 5 * COIN);
	FX_ASSERT_VALID(inputs(f, &tx, 200, coins, &fee, &st), st);
	assert_int_equal(fee, 0);
	cons_tx_release(&tx);
}

static void test_check_tx_inputs_missing(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;
	struct cons_coin coin;
	const struct cons_outpoint unknown = fx_op(0xa1, 7);
	int64_t fee;

	fx_spend(f->secp, &tx, &unknown, &f->k[0], 1 * COIN, f->k[1].pkh);
	FX_ASSERT_INVALID(inputs(f, &tx, 200, &coin, &fee, &st), st, CONS_REJ_TX_MISSING_INPUTS);
	assert_string_equal(cons_reject_reason(st.code), "bad-txns-inputs-missingorspent");
	cons_tx_release(&tx);

	/* Spent is the same as unknown. */
	fx_spend(f->secp, &tx, &f->a, &f->k[0], 9 * COIN, f->k[1].pkh);
	FX_ASSERT_VALID(inputs(f, &tx, 200, &coin, &fee, &st), st);
	assert_int_equal(fx_coins_spend(&f->coins, &f->a), 0);
	FX_ASSERT_INVALID(inputs(f, &tx, 200, &coin, &fee, &st), st, CONS_REJ_TX_MISSING_INPUTS);
	cons_tx_release(&tx);
}

static void test_check_tx_inputs_premature_coinbase(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;
	struct cons_coin coin;
	int64_t fee, maturity = f->p->coinbase_maturity;

	/* The coinbase coin was created at height 10. */
	fx_spend(f->secp, &tx, &f->cb, &f->k[0], 49 * COIN, f->k[1].pkh);
	FX_ASSERT_INVALID(inputs(f, &tx, 10 + maturity - 1, &coin, &fee, &st), st,
			  CONS_REJ_TX_PREMATURE_CB);
	FX_ASSERT_INVALID(inputs(f, &tx, 11, &coin, &fee, &st), st, CONS_REJ_TX_PREMATURE_CB);
	FX_ASSERT_VALID(inputs(f, &tx, 10 + maturity, &coin, &fee, &st), st);
	assert_int_equal(fee, 1 * COIN);
	assert_true(coin.coinbase);
	cons_tx_release(&tx);
	/* Maturity applies to coinbase coins only: A (height 1) spends at height 2. */
	valid_spend(f, &tx);
	FX_ASSERT_VALID(inputs(f, &tx, 2, &coin, &fee, &st), st);
	cons_tx_release(&tx);
}

static void test_check_tx_inputs_coin_value_out_of_range(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;
	struct cons_coin coin;
	const struct cons_outpoint big = fx_op(0xee, 0), neg = fx_op(0xef, 0);
	int64_t fee;

	/* A store can only hold such coins if it is corrupt; the rule still holds. */
	fx_coins_put(&f->coins, &big, f->p->max_money + 1, f->k[0].pkh, 1, false);
	fx_coins_put(&f->coins, &neg, -1, f->k[0].pkh, 1, false);
	fx_spend(f->secp, &tx, &big, &f->k[0], 1 * COIN, f->k[1].pkh);
	FX_ASSERT_INVALID(inputs(f, &tx, 200, &coin, &fee, &st), st, CONS_REJ_TX_INPUT_RANGE);
	cons_tx_release(&tx);
	fx_spend(f->secp, &tx, &neg, &f->k[0], 0, f->k[1].pkh);
	FX_ASSERT_INVALID(inputs(f, &tx, 200, &coin, &fee, &st), st, CONS_REJ_TX_INPUT_RANGE);
	cons_tx_release(&tx);
}

static void test_check_tx_inputs_sum_out_of_range(void **state)
{
	struct fx *f = *state;
	const struct cons_outpoint ops[2] = {fx_op(0xe1, 0), fx_op(0xe2, 0)};
	const struct tb_key *keys[2] = {&f->k[0], &f->k[0]};
	const int64_t value = 1 * COIN;
	struct cons_tx tx;
	struct cons_state st;
	struct cons_coin coins[2];
	int64_t fee;

	/* Each coin within the cap, their sum above it. */
	fx_coins_put(&f->coins, &ops[0], f->p->max_money, f->k[0].pkh, 1, false);
	fx_coins_put(&f->coins, &ops[1], 1, f->k[0].pkh, 1, false);
	fx_tx(f->secp, &tx, ops, keys, 2, &value, (const uint8_t (*)[20])f->k[1].pkh, 1, 0,
	      FX_SEQ_FINAL);
	FX_ASSERT_INVALID(inputs(f, &tx, 200, coins, &fee, &st), st, CONS_REJ_TX_INPUT_RANGE);
	cons_tx_release(&tx);
	/* The first alone is fine: a fee of max_money - 1 coin is in range. */
	fx_spend(f->secp, &tx, &ops[0], &f->k[0], 1 * COIN, f->k[1].pkh);
	FX_ASSERT_VALID(inputs(f, &tx, 200, coins, &fee, &st), st);
	assert_int_equal(fee, f->p->max_money - 1 * COIN);
	cons_tx_release(&tx);
}

static void test_check_tx_inputs_in_below_out(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;
	struct cons_coin coins[2];
	int64_t fee;

	two_by_two(f, &tx, 10 * COIN, 5 * COIN + 1);
	FX_ASSERT_INVALID(inputs(f, &tx, 200, coins, &fee, &st), st, CONS_REJ_TX_IN_BELOW_OUT);
	assert_string_equal(cons_reject_reason(st.code), "bad-txns-in-belowout");
	assert_int_equal(fee, -12345);                  /* untouched on failure */
	cons_tx_release(&tx);
}

static void test_check_tx_inputs_view_error_is_error(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;
	struct cons_coin coin;
	int64_t fee;

	valid_spend(f, &tx);
	f->coins.fail_get = true;
	assert_int_equal(inputs(f, &tx, 200, &coin, &fee, &st), CONS_ERROR);
	assert_int_equal(st.verdict, CONS_ERROR);
	assert_int_equal(st.code, CONS_REJ_NONE);       /* says nothing about the tx */
	assert_false(cons_reject_punishable(st.code, false));
	assert_false(cons_reject_punishable(st.code, true));
	cons_tx_release(&tx);
}

/* ---- cons_check_tx_sigs -------------------------------------------------- */

static enum cons_verdict sigs(struct fx *f, const struct cons_tx *tx, struct cons_coin *coins,
			      struct cons_state *st)
{
	int64_t fee;

	FX_ASSERT_VALID(inputs(f, tx, 200, coins, &fee, st), *st);
	cons_state_init(st);
	return cons_check_tx_sigs(f->secp, tx, coins, st);
}

static void test_check_tx_sigs_valid(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;
	struct cons_coin coins[2];

	valid_spend(f, &tx);
	FX_ASSERT_VALID(sigs(f, &tx, coins, &st), st);
	cons_tx_release(&tx);
	two_by_two(f, &tx, 1 * COIN, 1 * COIN);
	FX_ASSERT_VALID(sigs(f, &tx, coins, &st), st);
	cons_tx_release(&tx);
}

static void test_check_tx_sigs_tampered_output(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;
	struct cons_coin coin;

	/* SIGHASH_ALL commits to the outputs: paying less after signing breaks it. */
	valid_spend(f, &tx);
	tx.out[0].value -= 1;
	assert_int_equal(cons_tx_finalize(&tx), 0);
	FX_ASSERT_INVALID(sigs(f, &tx, &coin, &st), st, CONS_REJ_TX_BAD_SIG);
	assert_string_equal(cons_reject_reason(st.code), "mandatory-script-verify-flag-failed");
	cons_tx_release(&tx);
}

static void test_check_tx_sigs_wrong_key(void **state)
{
	struct fx *f = *state;
	struct cons_tx tx;
	struct cons_state st;
	struct cons_coin coin;

	/* k1coin pays key 1; key 0 signs a well-formed spend of it. */
	fx_spend(f->secp, &tx, &f->k1coin, &f->k[0], 2 * COIN, f->k[2].pkh);
	FX_ASSERT_VALID(check(f, &tx, &st), st);
	FX_ASSERT_INVALID(sigs(f, &tx, &coin, &st), st, CONS_REJ_TX_BAD_SIG);
	cons_tx_release(&tx);
	fx_spend(f->secp, &tx, &f->k1coin, &f->k[1], 2 * COIN, f->k[2].pkh);
	FX_ASSERT_VALID(sigs(f, &tx, &coin, &st), st);
	cons_tx_release(&tx);
}

static void test_check_tx_sigs_names_bad_input(void **state)
{
	struct fx *f = *state;
	const struct cons_outpoint ops[2] = {f->a, f->k1coin};
	const struct tb_key *keys[2] = {&f->k[0], &f->k[2]};  /* key 2 cannot spend k1coin */
	const int64_t value = 1 * COIN;
	struct cons_tx tx;
	struct cons_state st;
	struct cons_coin coins[2];

	fx_tx(f->secp, &tx, ops, keys, 2, &value, (const uint8_t (*)[20])f->k[1].pkh, 1, 0,
	      FX_SEQ_FINAL);
	FX_ASSERT_INVALID(sigs(f, &tx, coins, &st), st, CONS_REJ_TX_BAD_SIG);
	assert_non_null(strstr(st.detail, "input 1"));
	cons_tx_release(&tx);
}

/* ---- validation outcomes ------------------------------------------------- */

static void test_state_invalid_records_code_and_detail(void **state)
{
	struct cons_state st;

	cons_state_init(&st);
	assert_int_equal(st.verdict, CONS_VALID);
	assert_int_equal(st.code, CONS_REJ_NONE);
	assert_int_equal(st.index, -1);
	assert_int_equal(cons_state_invalid(&st, CONS_REJ_TX_OVERSIZE, "%d bytes", 7), CONS_INVALID);
	assert_int_equal(st.verdict, CONS_INVALID);
	assert_int_equal(st.code, CONS_REJ_TX_OVERSIZE);
	assert_string_equal(st.detail, "7 bytes");
	assert_int_equal(cons_state_error(&st, "out of memory"), CONS_ERROR);
	assert_int_equal(st.verdict, CONS_ERROR);
	assert_int_equal(st.code, CONS_REJ_NONE);
	assert_string_equal(st.detail, "out of memory");
}

static void test_reject_reason_every_code_named_once(void **state)
{
	for (int i = 0; i < CONS_REJ__COUNT; i++) {
		const char *r = cons_reject_reason((enum cons_reject)i);
		assert_string_not_equal(r, "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(r, cons_reject_reason((enum cons_reject)j));
	}
	assert_string_equal(cons_reject_reason(CONS_REJ__COUNT), "unknown");
}

static void test_reject_punishable_missing_inputs_only_in_block(void **state)
{
	assert_false(cons_reject_punishable(CONS_REJ_TX_MISSING_INPUTS, false));
	assert_true(cons_reject_punishable(CONS_REJ_TX_MISSING_INPUTS, true));
}

static void test_reject_punishable_time_too_new_never(void **state)
{
	assert_false(cons_reject_punishable(CONS_REJ_TIME_TOO_NEW, false));
	assert_false(cons_reject_punishable(CONS_REJ_TIME_TOO_NEW, true));
	assert_false(cons_reject_punishable(CONS_REJ_PREV_MISSING, true));
	assert_false(cons_reject_punishable(CONS_REJ_NONE, true));
}

static void test_reject_punishable_loose_tx_timing(void **state)
{
	/*
	 * A peer one block ahead of us may relay a transaction that is final or
	 * whose coinbase input is mature at its next block but not at ours:
	 * honest, so not punishable loose (Bitcoin Core's TX_PREMATURE_SPEND).
	 * Inside a block they make the block invalid.
	 */
	assert_false(cons_reject_punishable(CONS_REJ_TX_PREMATURE_CB, false));
	assert_false(cons_reject_punishable(CONS_REJ_TX_NONFINAL, false));
	assert_true(cons_reject_punishable(CONS_REJ_TX_PREMATURE_CB, true));
	assert_true(cons_reject_punishable(CONS_REJ_TX_NONFINAL, true));
}

static void test_reject_punishable_rule_breaks(void **state)
{
	const enum cons_reject always[] = {
		CONS_REJ_TX_VIN_EMPTY, CONS_REJ_TX_VOUT_EMPTY, CONS_REJ_TX_OVERSIZE,
		CONS_REJ_TX_VOUT_NEGATIVE, CONS_REJ_TX_VOUT_TOOLARGE, CONS_REJ_TX_VOUT_TOTAL,
		CONS_REJ_TX_VOUT_SCRIPT, CONS_REJ_TX_DUP_INPUTS, CONS_REJ_TX_CB_LENGTH,
		CONS_REJ_TX_PREVOUT_NULL, CONS_REJ_TX_SCRIPTSIG, CONS_REJ_TX_INPUT_RANGE,
		CONS_REJ_TX_IN_BELOW_OUT, CONS_REJ_TX_FEE_RANGE, CONS_REJ_TX_BAD_SIG,
	};

	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
		assert_true(cons_reject_punishable(always[i], false));
		assert_true(cons_reject_punishable(always[i], true));
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_check_tx_valid_spend_passes),
		T(test_check_tx_valid_coinbase_passes),
		T(test_check_tx_vin_empty),
		T(test_check_tx_vout_empty),
		T(test_check_tx_oversize),
		T(test_check_tx_size_limit_is_inclusive),
		T(test_check_tx_vout_negative),
		T(test_check_tx_vout_toolarge),
		T(test_check_tx_vout_total),
		T(test_check_tx_vout_script),
		T(test_check_tx_dup_inputs),
		T(test_check_tx_cb_length),
		T(test_check_tx_prevout_null),
		T(test_check_tx_scriptsig),
		T(test_tx_is_final_height_lock),
		T(test_tx_is_final_time_lock),
		T(test_tx_is_final_all_sequences_final),
		T(test_tx_is_final_zero_locktime),
		T(test_check_tx_inputs_valid_fee),
		T(test_check_tx_inputs_missing),
		T(test_check_tx_inputs_premature_coinbase),
		T(test_check_tx_inputs_coin_value_out_of_range),
		T(test_check_tx_inputs_sum_out_of_range),
		T(test_check_tx_inputs_in_below_out),
		T(test_check_tx_inputs_view_error_is_error),
		T(test_check_tx_sigs_valid),
		T(test_check_tx_sigs_tampered_output),
		T(test_check_tx_sigs_wrong_key),
		T(test_check_tx_sigs_names_bad_input),
		T(test_state_invalid_records_code_and_detail),
		T(test_reject_reason_every_code_named_once),
		T(test_reject_punishable_missing_inputs_only_in_block),
		T(test_reject_punishable_time_too_new_never),
		T(test_reject_punishable_loose_tx_timing),
		T(test_reject_punishable_rule_breaks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
