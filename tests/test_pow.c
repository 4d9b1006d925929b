/*
 * Proof of work: the target check with Bitcoin's compact sign and overflow
 * rules, chain work and its fork-choice arithmetic, Bitcoin Core's retarget
 * vectors (src/test/pow_tests.cpp) and difficulty vectors
 * (src/test/blockchain_tests.cpp), and the retarget's 288-bit arithmetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "consensus/params.h"
#include "consensus/pow.h"
#include "consensus/uint256.h"

/* Bitcoin mainnet's retarget numbers, for Bitcoin Core's vectors. */
static const struct cons_params btc_main = {
	.name = "bitcoin-main",
	.pow_limit_bits = 0x1d00ffff,
	.target_spacing = 600,
	.retarget_interval = 2016,
	.no_retarget = false,
};

static const struct cons_params *chain(const char *name)
{
	const struct cons_params *p = cons_params_by_name(name);

	assert_non_null(p);
	return p;
}

static void target_hash(uint8_t hash[32], uint32_t bits)
{
	struct cons_u256 t;
	bool neg, over;

	cons_u256_set_compact(&t, bits, &neg, &over);
	assert_false(neg);
	assert_false(over);
	cons_u256_to_hash(hash, &t);
}

static void assert_work(uint32_t bits, uint64_t want)
{
	struct cons_u256 w, expect;

	cons_block_work(&w, bits);
	cons_u256_set_u64(&expect, want);
	if (cons_u256_cmp(&w, &expect) != 0) {
		char hex[65];
		cons_u256_to_hex(hex, &w);
		fail_msg("work of %08x is %s, expected %llu", bits, hex, (unsigned long long)want);
	}
}

static void test_check_pow_hash_equal_to_target_passes(void **state)
{
	uint8_t hash[32];

	target_hash(hash, 0x1d00ffff);
	assert_true(cons_check_pow(&btc_main, hash, 0x1d00ffff));
	target_hash(hash, 0x1c05a3f4);
	assert_true(cons_check_pow(&btc_main, hash, 0x1c05a3f4));
	target_hash(hash, 0x207fffff);
	assert_true(cons_check_pow(chain("regtest"), hash, 0x207fffff));
}

static void test_check_pow_target_plus_one_fails(void **state)
{
	struct cons_u256 t, one;
	uint8_t hash[32];

	cons_u256_set_compact(&t, 0x1d00ffff, NULL, NULL);
	cons_u256_set_u64(&one, 1);
	cons_u256_add(&t, &t, &one);
	cons_u256_to_hash(hash, &t);
	assert_false(cons_check_pow(&btc_main, hash, 0x1d00ffff));

	/* One below passes: the comparison is <=, not <. */
	cons_u256_sub(&t, &t, &one);
	cons_u256_sub(&t, &t, &one);
	cons_u256_to_hash(hash, &t);
	assert_true(cons_check_pow(&btc_main, hash, 0x1d00ffff));
}

static void test_check_pow_negative_bits_fail(void **state)
{
	struct cons_u256 limit;
	uint8_t zero[32] = {0};
	uint32_t neg;

	/* Bitcoin Core's CheckProofOfWork_test_negative_target: the limit with the sign bit. */
	cons_pow_limit(&limit, &btc_main);
	neg = cons_u256_get_compact(&limit, true);
	assert_int_equal(neg, 0x1d80ffff);
	assert_false(cons_check_pow(&btc_main, zero, neg));
	assert_false(cons_check_pow(chain("regtest"), zero, 0x20ffffff));
	assert_false(cons_check_pow(chain("regtest"), zero, 0x04923456));
}

static void test_check_pow_zero_bits_fail(void **state)
{
	uint8_t zero[32] = {0};

	/* A zero hash would meet a zero target if zero were allowed. */
	assert_false(cons_check_pow(&btc_main, zero, 0));
	assert_false(cons_check_pow(&btc_main, zero, 0x1d000000));
	assert_false(cons_check_pow(&btc_main, zero, 0x01003456));  /* shifts to zero */
	assert_false(cons_check_pow(chain("regtest"), zero, 0x20000000));
}

static void test_check_pow_overflow_bits_fail(void **state)
{
	uint8_t zero[32] = {0};

	/* Bitcoin Core's CheckProofOfWork_test_overflow_target: ~0x00800000. */
	assert_false(cons_check_pow(chain("regtest"), zero, ~0x00800000u));
	assert_false(cons_check_pow(chain("regtest"), zero, 0x23000001));
	assert_false(cons_check_pow(chain("regtest"), zero, 0x22000100));
	assert_false(cons_check_pow(chain("regtest"), zero, 0x21010000));
}

static void test_check_pow_easier_than_limit_fails(void **state)
{
	struct cons_u256 limit;
	uint8_t zero[32] = {0};

	/* Bitcoin Core's CheckProofOfWork_test_too_easy_target: twice the limit. */
	cons_pow_limit(&limit, &btc_main);
	cons_u256_shl(&limit, &limit, 1);
	assert_int_equal(cons_u256_get_compact(&limit, false), 0x1d01fffe);
	assert_false(cons_check_pow(&btc_main, zero, 0x1d01fffe));
	/* The limit itself is allowed; one unit of mantissa more is not. */
	assert_true(cons_check_pow(&btc_main, zero, 0x1d00ffff));
	assert_false(cons_check_pow(&btc_main, zero, 0x1d010000));
	assert_false(cons_check_pow(chain("testnet"), zero, 0x1f010000));
	assert_true(cons_check_pow(chain("testnet"), zero, 0x1f00ffff));
	assert_false(cons_check_pow(chain("regtest"), zero, 0x2100ffff));
}

static void test_check_pow_hash_byte_order(void **state)
{
	uint8_t hash[32] = {0};

	/* Internal byte order: the last byte is the most significant. */
	hash[0] = 0xff;
	assert_true(cons_check_pow(&btc_main, hash, 0x1d00ffff));
	memset(hash, 0, 32);
	hash[31] = 0x01;
	assert_false(cons_check_pow(&btc_main, hash, 0x1d00ffff));
}

static void test_block_work_difficulty_one(void **state)
{
	struct cons_u256 w;
	char hex[65];

	cons_block_work(&w, 0x1d00ffff);
	cons_u256_to_hex(hex, &w);
	assert_string_equal(hex, "0000000000000000000000000000000000000000000000000000000100010001");
	assert_work(0x1d00ffff, 4295032833ULL);
}

static void test_block_work_known_values(void **state)
{
	assert_work(0x207fffff, 2);               /* regtest: chain work grows by 2 */
	assert_work(0x1f00ffff, 65537);
	assert_work(0x1e00ffff, 16777472);
	assert_work(0x1c05a3f4, 194933597107ULL);
	assert_work(0x1b0404cb, 70040908352512ULL); /* the Bitcoin wiki's example */
}

static void test_block_work_invalid_bits_zero(void **state)
{
	assert_work(0, 0);
	assert_work(0x1d000000, 0);
	assert_work(0x1d80ffff, 0);               /* negative */
	assert_work(0x04923456, 0);               /* negative */
	assert_work(0xff123456, 0);               /* overflow */
	assert_work(0x21010000, 0);               /* overflow */
}

static void test_block_work_cumulative_addition(void **state)
{
	struct cons_u256 total, w, expect;
	char hex[65];

	cons_u256_set_u64(&total, 0);
	cons_block_work(&w, 0x1d00ffff);
	for (int i = 0; i < 2016; i++)
		assert_false(cons_u256_add(&total, &total, &w));
	cons_u256_set_u64(&expect, 2016ULL * 4295032833ULL);
	assert_int_equal(cons_u256_cmp(&total, &expect), 0);

	/* Harder blocks add more: one 0x1c05a3f4 block outweighs 45 at 0x1d00ffff. */
	cons_u256_set_u64(&total, 0);
	for (int i = 0; i < 45; i++)
		cons_u256_add(&total, &total, &w);
	cons_block_work(&w, 0x1c05a3f4);
	assert_true(cons_work_beats(&w, &total));

	/* Past 64 bits the sum carries into the next word. */
	cons_u256_set_u64(&total, UINT64_MAX);
	cons_u256_set_u64(&w, 1);
	cons_u256_add(&total, &total, &w);
	cons_u256_to_hex(hex, &total);
	assert_string_equal(hex, "0000000000000000000000000000000000000000000000010000000000000000");
}

static void test_work_beats_strictly_more_wins(void **state)
{
	struct cons_u256 a, b;

	cons_u256_set_u64(&a, 4295032834ULL);
	cons_u256_set_u64(&b, 4295032833ULL);
	assert_true(cons_work_beats(&a, &b));
	assert_false(cons_work_beats(&b, &a));
	/* A difference in the top word decides even when the low words say otherwise. */
	cons_u256_set_u64(&a, 0);
	a.w[7] = 1;
	cons_u256_set_u64(&b, UINT64_MAX);
	assert_true(cons_work_beats(&a, &b));
}

static void test_work_beats_equal_keeps_first(void **state)
{
	struct cons_u256 a, b;

	cons_block_work(&a, 0x1d00ffff);
	cons_block_work(&b, 0x1d00ffff);
	assert_false(cons_work_beats(&a, &b));
	assert_false(cons_work_beats(&b, &a));
}

/* Bitcoin Core pow_tests: get_next_work. */
static void test_retarget_get_next_work(void **state)
{
	assert_int_equal(cons_retarget(&btc_main, 0x1d00ffff, 1261130161, 1262152739), 0x1d00d86a);
}

/* Bitcoin Core pow_tests: get_next_work_pow_limit. */
static void test_retarget_get_next_work_pow_limit(void **state)
{
	assert_int_equal(cons_retarget(&btc_main, 0x1d00ffff, 1231006505, 1233061996), 0x1d00ffff);
}

/* Bitcoin Core pow_tests: get_next_work_lower_limit_actual. */
static void test_retarget_get_next_work_lower_limit_actual(void **state)
{
	assert_int_equal(cons_retarget(&btc_main, 0x1c05a3f4, 1279008237, 1279297671), 0x1c0168fd);
}

/* Bitcoin Core pow_tests: get_next_work_upper_limit_actual. */
static void test_retarget_get_next_work_upper_limit_actual(void **state)
{
	assert_int_equal(cons_retarget(&btc_main, 0x1c387f6f, 1263163443, 1269211443), 0x1d00e1fd);
}

static void test_retarget_clamps_timespan(void **state)
{
	int64_t span = cons_params_target_timespan(&btc_main);

	/* Exactly on schedule keeps the bits; beyond the clamps changes nothing more. */
	assert_int_equal(cons_retarget(&btc_main, 0x1c05a3f4, 0, span), 0x1c05a3f4);
	assert_int_equal(cons_retarget(&btc_main, 0x1c05a3f4, 0, span / 4), 0x1c0168fd);
	assert_int_equal(cons_retarget(&btc_main, 0x1c05a3f4, 0, 1), 0x1c0168fd);
	assert_int_equal(cons_retarget(&btc_main, 0x1c05a3f4, 0, -1000), 0x1c0168fd);
	assert_int_equal(cons_retarget(&btc_main, 0x1c05a3f4, 0, span * 4),
			 cons_retarget(&btc_main, 0x1c05a3f4, 0, span * 40));
	assert_int_equal(cons_retarget(&btc_main, 0x1c05a3f4, 0, span * 4), 0x1c168fd0);
}

static void test_retarget_regtest_returns_prev_bits(void **state)
{
	const struct cons_params *rt = chain("regtest");

	assert_true(rt->no_retarget);
	assert_int_equal(cons_retarget(rt, 0x207fffff, 0, 1), 0x207fffff);
	assert_int_equal(cons_retarget(rt, 0x1e0fffff, 0, 1), 0x1e0fffff);
	assert_int_equal(cons_retarget(rt, 0x1d00ffff, 0, 100000000), 0x1d00ffff);
}

static void test_retarget_testnet_no_overflow(void **state)
{
	const struct cons_params *tn = chain("testnet");
	int64_t span = cons_params_target_timespan(tn);

	/*
	 * 2^255 (bits 0x21008000, above any limit) times twice the timespan is
	 * 2^256 * 15 / 8: computed naively modulo 2^256 the product is 0 and the
	 * new target would be 0. Exactly, it is above the limit, so it is capped.
	 */
	assert_int_equal(cons_retarget(tn, 0x21008000, 0, span * 2), tn->pow_limit_bits);
	assert_int_equal(cons_retarget(tn, 0x21008000, 0, span * 4), tn->pow_limit_bits);
	assert_int_equal(cons_retarget(tn, 0x2100ffff, 0, span * 4), tn->pow_limit_bits);
	/* At the limit, slow blocks cannot make it easier than the limit. */
	assert_int_equal(cons_retarget(tn, tn->pow_limit_bits, 0, span * 4), tn->pow_limit_bits);
}

static void test_retarget_product_above_256_bits_is_exact(void **state)
{
	struct cons_params wide = *chain("testnet");

	/*
	 * With a limit of 0xffff << 240, (0xffff << 240) * 30 needs 261 bits;
	 * the quotient by 120 is 0xffff << 238, bits 0x203fffc0. Computed
	 * modulo 2^256 it would be 0xffe2 << 240 / 120, something else.
	 */
	wide.pow_limit_bits = 0x2100ffff;
	assert_int_equal(cons_params_target_timespan(&wide), 120);
	assert_int_equal(cons_retarget(&wide, 0x2100ffff, 0, 30), 0x203fffc0);
	assert_int_equal(cons_retarget(&wide, 0x2100ffff, 0, 120), 0x2100ffff);
}

static void test_is_retarget_height(void **state)
{
	const struct cons_params *tn = chain("testnet");

	assert_false(cons_is_retarget_height(&btc_main, 0));
	assert_false(cons_is_retarget_height(&btc_main, 2015));
	assert_true(cons_is_retarget_height(&btc_main, 2016));
	assert_true(cons_is_retarget_height(&btc_main, 32256));
	assert_false(cons_is_retarget_height(&btc_main, 32255));
	assert_false(cons_is_retarget_height(tn, 0));
	assert_false(cons_is_retarget_height(tn, tn->retarget_interval - 1));
	assert_true(cons_is_retarget_height(tn, tn->retarget_interval));
	assert_false(cons_is_retarget_height(tn, tn->retarget_interval + 1));
	assert_true(cons_is_retarget_height(tn, 2 * tn->retarget_interval));
	assert_false(cons_is_retarget_height(chain("regtest"), 0));
	assert_false(cons_is_retarget_height(chain("regtest"), 2016));
}

static void assert_close(double got, double want)
{
	if (fabs(got - want) > 1e-6 * fmax(1.0, fabs(want)))
		fail_msg("difficulty %.9g, expected %.9g", got, want);
}

static void test_difficulty_known_values(void **state)
{
	assert_true(cons_difficulty(0x1d00ffff) == 1.0);
	/* Bitcoin Core's blockchain_tests get_difficulty_for_* vectors. */
	assert_close(cons_difficulty(0x1f111111), 0.000001);
	assert_close(cons_difficulty(0x1ef88f6f), 0.000016);
	assert_close(cons_difficulty(0x1df88f6f), 0.004023);
	assert_close(cons_difficulty(0x1cf88f6f), 1.029916);
	assert_close(cons_difficulty(0x12345678), 5913134931067755359633408.0);
	/* The Bitcoin wiki's "Difficulty" example. */
	assert_close(cons_difficulty(0x1b0404cb), 16307.420938523983);
	assert_true(cons_difficulty(0x1d000000) == 0.0);
}

static void test_pow_limit_decodes_chain_limit(void **state)
{
	struct cons_u256 limit;
	char hex[65];

	cons_pow_limit(&limit, &btc_main);
	cons_u256_to_hex(hex, &limit);
	assert_string_equal(hex, "00000000ffff0000000000000000000000000000000000000000000000000000");
	cons_pow_limit(&limit, chain("regtest"));
	cons_u256_to_hex(hex, &limit);
	assert_string_equal(hex, "7fffff0000000000000000000000000000000000000000000000000000000000");
}

/* The search finds testnet's genesis nonce from just below it (params.c's vector). */
static void test_pow_search_finds_genesis_nonce(void **state)
{
	const struct cons_params *p = chain("testnet");
	struct cons_block b;
	uint8_t hash[32];
	uint64_t budget = 100;

	cons_block_init(&b);
	assert_int_equal(cons_genesis_block(&b, p), 0);
	b.hdr.nonce = p->genesis_nonce - 10;
	assert_true(cons_pow_search(p, &b.hdr, hash, true, &budget));
	assert_int_equal(b.hdr.nonce, p->genesis_nonce);
	assert_int_equal(budget, 90);                 /* ten misses, the hit is not charged */
	assert_memory_equal(hash, b.hash, 32);
	cons_block_release(&b);
}

/* A spent budget stops the search at the next untried nonce. */
static void test_pow_search_budget_stops(void **state)
{
	const struct cons_params *p = chain("testnet");
	struct cons_block b;
	uint8_t hash[32];
	uint64_t budget = 5;

	cons_block_init(&b);
	assert_int_equal(cons_genesis_block(&b, p), 0);
	b.hdr.nonce = p->genesis_nonce + 1;
	assert_false(cons_pow_search(p, &b.hdr, hash, true, &budget));
	assert_int_equal(budget, 0);
	assert_int_equal(b.hdr.nonce, p->genesis_nonce + 6);
	cons_block_release(&b);
}

/* Asked for a miss, the search skips the nonce that meets the bits. */
static void test_pow_search_want_invalid(void **state)
{
	const struct cons_params *p = chain("testnet");
	struct cons_block b;
	uint8_t hash[32];

	cons_block_init(&b);
	assert_int_equal(cons_genesis_block(&b, p), 0);
	assert_true(cons_pow_search(p, &b.hdr, hash, false, NULL));
	assert_int_equal(b.hdr.nonce, p->genesis_nonce + 1);
	assert_false(cons_check_pow(p, hash, b.hdr.bits));
	cons_block_release(&b);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_check_pow_hash_equal_to_target_passes),
		T(test_check_pow_target_plus_one_fails),
		T(test_check_pow_negative_bits_fail),
		T(test_check_pow_zero_bits_fail),
		T(test_check_pow_overflow_bits_fail),
		T(test_check_pow_easier_than_limit_fails),
		T(test_check_pow_hash_byte_order),
		T(test_block_work_difficulty_one),
		T(test_block_work_known_values),
		T(test_block_work_invalid_bits_zero),
		T(test_block_work_cumulative_addition),
		T(test_work_beats_strictly_more_wins),
		T(test_work_beats_equal_keeps_first),
		T(test_retarget_get_next_work),
		T(test_retarget_get_next_work_pow_limit),
		T(test_retarget_get_next_work_lower_limit_actual),
		T(test_retarget_get_next_work_upper_limit_actual),
		T(test_retarget_clamps_timespan),
		T(test_retarget_regtest_returns_prev_bits),
		T(test_retarget_testnet_no_overflow),
		T(test_retarget_product_above_256_bits_is_exact),
		T(test_is_retarget_height),
		T(test_difficulty_known_values),
		T(test_pow_limit_decodes_chain_limit),
		T(test_pow_search_finds_genesis_nonce),
		T(test_pow_search_budget_stops),
		T(test_pow_search_want_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
