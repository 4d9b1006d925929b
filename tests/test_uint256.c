/*
 * Tests for consensus/uint256. Compact "nBits" vectors are Bitcoin Core's
 * src/test/arith_uint256_tests.cpp (bignum_SetCompact), as are R1L/R2L and
 * the plusMinus, multiply (mod 2^256, through repeated addition), divide
 * and shifts expectations. The rest are small values checkable by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/uint256.h"
#include "util/hex.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* arith_uint256_tests.cpp R1Array / R2Array: little-endian bytes. */
static const char r1_bytes[] = "9c524adbcf5611122b29125e5d35d2d22281aab533f00832d556b1f9eae51d7d";
static const char r2_bytes[] = "70321d7c47a56b40267e0ac3a69cb6bf133047a3192dda71491372f0b4ca81d7";
/* R1ArrayHex, lower-cased: R1L's big-endian hex. */
static const char r1_hex[] = "7d1de5eaf9b156d53208f033b5aa8122d2d2355d5e12292b121156cfdb4a529c";

static void from_bytes_hex(struct cons_u256 *out, const char *hex)
{
	uint8_t b[32];

	assert_int_equal(util_hex_decode(b, sizeof(b), hex), 0);
	cons_u256_from_hash(out, b);
}

/* Big-endian hex of any length up to 64 digits, as arith_uint256("...") reads it. */
static void from_hex(struct cons_u256 *out, const char *hex)
{
	char padded[65];
	size_t len = strlen(hex);
	uint8_t b[32];

	assert_true(len <= 64);
	memset(padded, '0', 64 - len);
	memcpy(padded + 64 - len, hex, len + 1);
	assert_int_equal(util_hex_decode_rev(b, sizeof(b), padded), 0);
	cons_u256_from_hash(out, b);
}

static void assert_u256_hex(const struct cons_u256 *a, const char *want)
{
	char hex[65];

	cons_u256_to_hex(hex, a);
	assert_string_equal(hex, want);
}

static void u256_one_shl(struct cons_u256 *out, unsigned n)
{
	cons_u256_set_u64(out, 1);
	cons_u256_shl(out, out, n);
}

static void u256_max(struct cons_u256 *out)
{
	memset(out->w, 0xff, sizeof(out->w));
}

struct compact_vector {
	uint32_t bits;
	const char *hex;        /* decoded value, big-endian */
	bool negative;          /* as decoded, and passed back to get_compact */
	uint32_t compact;       /* get_compact(value, negative) */
};

/* bignum_SetCompact, every case that does not overflow. */
static const struct compact_vector compact_vectors[] = {
	{ 0x00000000, "0000000000000000000000000000000000000000000000000000000000000000", false, 0 },
	{ 0x00123456, "0000000000000000000000000000000000000000000000000000000000000000", false, 0 },
	{ 0x01003456, "0000000000000000000000000000000000000000000000000000000000000000", false, 0 },
	{ 0x02000056, "0000000000000000000000000000000000000000000000000000000000000000", false, 0 },
	{ 0x03000000, "0000000000000000000000000000000000000000000000000000000000000000", false, 0 },
	{ 0x04000000, "0000000000000000000000000000000000000000000000000000000000000000", false, 0 },
	{ 0x00923456, "0000000000000000000000000000000000000000000000000000000000000000", false, 0 },
	{ 0x01803456, "0000000000000000000000000000000000000000000000000000000000000000", false, 0 },
	{ 0x02800056, "0000000000000000000000000000000000000000000000000000000000000000", false, 0 },
	{ 0x03800000, "0000000000000000000000000000000000000000000000000000000000000000", false, 0 },
	{ 0x04800000, "0000000000000000000000000000000000000000000000000000000000000000", false, 0 },
	{ 0x01123456, "0000000000000000000000000000000000000000000000000000000000000012", false, 0x01120000 },
	{ 0x01fedcba, "000000000000000000000000000000000000000000000000000000000000007e", true, 0x01fe0000 },
	{ 0x02123456, "0000000000000000000000000000000000000000000000000000000000001234", false, 0x02123400 },
	{ 0x03123456, "0000000000000000000000000000000000000000000000000000000000123456", false, 0x03123456 },
	{ 0x04123456, "0000000000000000000000000000000000000000000000000000000012345600", false, 0x04123456 },
	{ 0x04923456, "0000000000000000000000000000000000000000000000000000000012345600", true, 0x04923456 },
	{ 0x05009234, "0000000000000000000000000000000000000000000000000000000092340000", false, 0x05009234 },
	{ 0x20123456, "1234560000000000000000000000000000000000000000000000000000000000", false, 0x20123456 },
	/* Bitcoin mainnet's genesis bits and regtest's pow limit (hand-checked). */
	{ 0x1d00ffff, "00000000ffff0000000000000000000000000000000000000000000000000000", false, 0x1d00ffff },
	{ 0x207fffff, "7fffff0000000000000000000000000000000000000000000000000000000000", false, 0x207fffff },
};

static void test_compact_bitcoin_core_vectors(void **state)
{
	for (size_t i = 0; i < COUNT(compact_vectors); i++) {
		const struct compact_vector *v = &compact_vectors[i];
		struct cons_u256 n;
		bool negative = !v->negative, overflow = true;

		cons_u256_set_compact(&n, v->bits, &negative, &overflow);
		assert_u256_hex(&n, v->hex);
		assert_int_equal(negative, v->negative);
		assert_false(overflow);
		assert_int_equal(cons_u256_get_compact(&n, v->negative), v->compact);
		/* The flags are optional. */
		cons_u256_set_compact(&n, v->bits, NULL, NULL);
		assert_u256_hex(&n, v->hex);
	}
}

static void test_compact_overflow(void **state)
{
	struct cons_u256 n;
	bool negative = true, overflow = false;

	cons_u256_set_compact(&n, 0xff123456, &negative, &overflow);
	assert_false(negative);
	assert_true(overflow);
}

/* The bounds of SetCompact's overflow rule, derived from it by hand. */
static void test_compact_overflow_boundaries(void **state)
{
	static const struct { uint32_t bits; bool overflow; const char *hex; } v[] = {
		{ 0x22000001, false, "0100000000000000000000000000000000000000000000000000000000000000" },
		{ 0x23000001, true, NULL },
		{ 0x21008000, false, "8000000000000000000000000000000000000000000000000000000000000000" },
		{ 0x210000ff, false, "00ff000000000000000000000000000000000000000000000000000000000000" },
		{ 0x22000100, true, NULL },
		{ 0x2100ffff, false, "ffff000000000000000000000000000000000000000000000000000000000000" },
		{ 0x21010000, true, NULL },
		{ 0x20ffffff, false, "7fffff0000000000000000000000000000000000000000000000000000000000" },
		/* A zero mantissa never overflows, whatever the size. */
		{ 0xff000000, false, "0000000000000000000000000000000000000000000000000000000000000000" },
		{ 0xff800000, false, "0000000000000000000000000000000000000000000000000000000000000000" },
	};

	for (size_t i = 0; i < COUNT(v); i++) {
		struct cons_u256 n;
		bool negative, overflow;

		cons_u256_set_compact(&n, v[i].bits, &negative, &overflow);
		assert_int_equal(overflow, v[i].overflow);
		if (v[i].hex)
			assert_u256_hex(&n, v[i].hex);
	}
}

static void test_compact_never_sets_sign_bit(void **state)
{
	struct cons_u256 n;

	/* bignum_SetCompact: "num = 0x80; GetCompact() == 0x02008000". */
	cons_u256_set_u64(&n, 0x80);
	assert_int_equal(cons_u256_get_compact(&n, false), 0x02008000);
	/* Zero stays positive even when asked for a sign. */
	cons_u256_set_u64(&n, 0);
	assert_int_equal(cons_u256_get_compact(&n, true), 0);
	/* 2^255 needs 33 bytes once the sign bit is dodged. */
	u256_one_shl(&n, 255);
	assert_int_equal(cons_u256_get_compact(&n, false), 0x21008000);
}

static void test_u256_hex_and_bytes(void **state)
{
	struct cons_u256 r1, m;
	uint8_t b[32], back[32];

	from_bytes_hex(&r1, r1_bytes);
	assert_u256_hex(&r1, r1_hex);
	assert_true(r1.w[0] == 0xdb4a529cu && r1.w[1] == 0x121156cfu);  /* R1LLow64 */
	assert_int_equal(util_hex_decode(b, sizeof(b), r1_bytes), 0);
	cons_u256_to_hash(back, &r1);
	assert_memory_equal(back, b, 32);

	cons_u256_set_u64(&m, 0xffffffffffffffffull);
	assert_u256_hex(&m, "000000000000000000000000000000000000000000000000ffffffffffffffff");
	assert_false(cons_u256_is_zero(&m));
	cons_u256_set_u64(&m, 0);
	assert_true(cons_u256_is_zero(&m));
}

static void test_u256_add_bitcoin_core(void **state)
{
	struct cons_u256 r1, r2, sum, one, max, t;

	from_bytes_hex(&r1, r1_bytes);
	from_bytes_hex(&r2, r2_bytes);
	assert_true(cons_u256_add(&sum, &r1, &r2));   /* R1LplusR2L wraps */
	assert_u256_hex(&sum, "549fb09fea236a1ea3e31d4d58f1b1369288d204211ca751527cfc175767850c");

	/* R1L * 3 (mod 2^256), the multiply test, as R1 + R1 + R1. */
	cons_u256_add(&t, &r1, &r1);
	cons_u256_add(&t, &t, &r1);
	assert_u256_hex(&t, "7759b1c0ed14047f961ad09b20ff83687876a0181a367b813634046f91def7d4");

	cons_u256_set_u64(&one, 1);
	u256_max(&max);
	assert_true(cons_u256_add(&t, &max, &one));
	assert_true(cons_u256_is_zero(&t));
	/* (MaxL >> i) + 1 == HalfL >> (i - 1) */
	for (unsigned i = 1; i < 256; i++) {
		struct cons_u256 want;
		cons_u256_shr(&t, &max, i);
		assert_false(cons_u256_add(&t, &t, &one));
		u256_one_shl(&want, 255);
		cons_u256_shr(&want, &want, i - 1);
		assert_int_equal(cons_u256_cmp(&t, &want), 0);
	}
	/* 0xbedc77e27940a7 + 0xee8d836fce66fb */
	cons_u256_set_u64(&r1, 0xbedc77e27940a7ull);
	cons_u256_set_u64(&r2, 0xee8d836fce66fbull);
	assert_false(cons_u256_add(&t, &r1, &r2));
	cons_u256_set_u64(&sum, 0xbedc77e27940a7ull + 0xee8d836fce66fbull);
	assert_int_equal(cons_u256_cmp(&t, &sum), 0);
}

static void test_u256_sub(void **state)
{
	struct cons_u256 r1, r2, sum, t, one, zero, max;

	from_bytes_hex(&r1, r1_bytes);
	from_bytes_hex(&r2, r2_bytes);
	cons_u256_add(&sum, &r1, &r2);
	/* Wrapped sum minus R2 borrows back to R1. */
	assert_true(cons_u256_sub(&t, &sum, &r2));
	assert_u256_hex(&t, r1_hex);

	cons_u256_set_u64(&one, 1);
	cons_u256_set_u64(&zero, 0);
	u256_max(&max);
	assert_true(cons_u256_sub(&t, &zero, &one));
	assert_int_equal(cons_u256_cmp(&t, &max), 0);
	assert_false(cons_u256_sub(&t, &max, &max));
	assert_true(cons_u256_is_zero(&t));
	/* (HalfL >> (i - 1)) - 1 == MaxL >> i: a borrow across every word. */
	for (unsigned i = 1; i < 256; i++) {
		struct cons_u256 want;
		u256_one_shl(&t, 255);
		cons_u256_shr(&t, &t, i - 1);
		assert_false(cons_u256_sub(&t, &t, &one));
		cons_u256_shr(&want, &max, i);
		assert_int_equal(cons_u256_cmp(&t, &want), 0);
	}
	cons_u256_set_u64(&t, 1000);
	cons_u256_set_u64(&one, 1);
	assert_false(cons_u256_sub(&t, &t, &one));   /* out aliases a */
	cons_u256_set_u64(&sum, 999);
	assert_int_equal(cons_u256_cmp(&t, &sum), 0);
}

static void test_u256_shifts(void **state)
{
	struct cons_u256 one, half, t, u, c1, c2;

	cons_u256_set_u64(&one, 1);
	u256_one_shl(&half, 255);
	assert_u256_hex(&half, "8000000000000000000000000000000000000000000000000000000000000000");
	for (unsigned i = 0; i < 256; i++) {
		/* One bit set at position i, built byte by byte. */
		uint8_t b[32] = { 0 };
		struct cons_u256 want;

		b[i / 8] = (uint8_t)(1u << (i % 8));
		cons_u256_from_hash(&want, b);
		cons_u256_shl(&t, &one, i);
		assert_int_equal(cons_u256_cmp(&t, &want), 0);
		cons_u256_shr(&u, &half, 255 - i);
		assert_int_equal(cons_u256_cmp(&u, &want), 0);
		assert_int_equal(cons_u256_bits(&t), i + 1);
	}
	cons_u256_shl(&t, &one, 256);
	assert_true(cons_u256_is_zero(&t));
	cons_u256_shr(&t, &half, 256);
	assert_true(cons_u256_is_zero(&t));
	cons_u256_shl(&t, &one, 1000);
	assert_true(cons_u256_is_zero(&t));

	/* c1L << i == c2L >> (128 - i), and c2L << (i - 128) beyond. */
	cons_u256_set_u64(&c1, 0x0123456789abcdefull);
	cons_u256_shl(&c2, &c1, 128);
	for (unsigned i = 0; i < 256; i++) {
		cons_u256_shl(&t, &c1, i);
		if (i < 128)
			cons_u256_shr(&u, &c2, 128 - i);
		else
			cons_u256_shl(&u, &c2, i - 128);
		assert_int_equal(cons_u256_cmp(&t, &u), 0);
	}
	/* Hand-checked: a nibble shift across a word boundary. */
	cons_u256_set_u64(&t, 0x0123456789abcdefull);
	cons_u256_shl(&t, &t, 36);
	assert_u256_hex(&t, "0000000000000000000000000000000000000000123456789abcdef000000000");
}

static void test_u256_div_bitcoin_core(void **state)
{
	struct cons_u256 r1, r2, d1, d2, q, one, max;

	from_bytes_hex(&r1, r1_bytes);
	from_bytes_hex(&r2, r2_bytes);
	from_hex(&d1, "AD7133AC1977FA2B7");
	from_hex(&d2, "ECD751716");
	cons_u256_set_u64(&one, 1);
	u256_max(&max);

	cons_u256_div(&q, &r1, &d1);
	assert_u256_hex(&q, "00000000000000000b8ac01106981635d9ed112290f8895545a7654dde28fb3a");
	cons_u256_div(&q, &r1, &d2);
	assert_u256_hex(&q, "000000000873ce8efec5b67150bad3aa8c5fcb70e947586153bf2cec7c37c57a");
	cons_u256_div(&q, &r2, &d1);
	assert_u256_hex(&q, "000000000000000013e1665895a1cc981de6d93670105a6b3ec3b73141b3a3c5");
	cons_u256_div(&q, &r2, &d2);
	assert_u256_hex(&q, "000000000e8f0abe753bb0afe2e9437ee85d280be60882cf0bd1aaf7fa3cc2c4");

	cons_u256_div(&q, &r1, &one);
	assert_u256_hex(&q, r1_hex);
	cons_u256_div(&q, &r1, &max);
	assert_true(cons_u256_is_zero(&q));
	cons_u256_div(&q, &max, &r1);
	assert_true(q.w[0] == 2 && cons_u256_bits(&q) == 2);
	cons_u256_div(&q, &max, &r2);
	assert_true(q.w[0] == 1 && cons_u256_bits(&q) == 1);

	/* Hand-checked, and out aliasing an input. */
	cons_u256_set_u64(&q, 100);
	cons_u256_set_u64(&d1, 7);
	cons_u256_div(&q, &q, &d1);
	assert_true(q.w[0] == 14 && cons_u256_bits(&q) == 4);
	cons_u256_set_u64(&q, 100);
	cons_u256_div(&d1, &q, &d1);
	assert_true(d1.w[0] == 14);
	/* 2^256-1 / 2^32-1 = 1 in every word. */
	cons_u256_set_u64(&d1, 0xffffffffu);
	cons_u256_div(&q, &max, &d1);
	assert_u256_hex(&q, "0000000100000001000000010000000100000001000000010000000100000001");
}

static void test_u256_muldiv(void **state)
{
	struct cons_u256 a, out, max, half, r2;

	u256_max(&max);
	u256_one_shl(&half, 255);
	from_bytes_hex(&r2, r2_bytes);

	cons_u256_set_u64(&a, 1000);
	assert_false(cons_u256_muldiv(&out, &a, 3, 7));
	assert_true(out.w[0] == 428 && cons_u256_bits(&out) == 9);

	/* Products beyond 2^256 whose quotients fit. */
	assert_false(cons_u256_muldiv(&out, &max, 2, 2));
	assert_int_equal(cons_u256_cmp(&out, &max), 0);
	assert_false(cons_u256_muldiv(&out, &max, 0xffffffffu, 0xffffffffu));
	assert_int_equal(cons_u256_cmp(&out, &max), 0);
	assert_false(cons_u256_muldiv(&out, &r2, 0x87654321u, 0x87654321u));
	assert_int_equal(cons_u256_cmp(&out, &r2), 0);
	/* floor(2^257 / 3) = 0xaa..aa, since 3 * 0xaa..aa = 2^257 - 2. */
	assert_false(cons_u256_muldiv(&out, &half, 4, 3));
	assert_u256_hex(&out, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_false(cons_u256_muldiv(&out, &half, 3, 2));
	assert_u256_hex(&out, "c000000000000000000000000000000000000000000000000000000000000000");
	/* (2^256-1)(2^32-2)/(2^32-1) = (2^256-1) - (2^256-1)/(2^32-1), exactly. */
	assert_false(cons_u256_muldiv(&out, &max, 0xfffffffeu, 0xffffffffu));
	assert_u256_hex(&out, "fffffffefffffffefffffffefffffffefffffffefffffffefffffffefffffffe");

	/* Quotients that do not fit saturate. */
	memset(&out, 0, sizeof(out));
	assert_true(cons_u256_muldiv(&out, &half, 2, 1));     /* exactly 2^256 */
	assert_int_equal(cons_u256_cmp(&out, &max), 0);
	memset(&out, 0, sizeof(out));
	assert_true(cons_u256_muldiv(&out, &max, 3, 2));
	assert_int_equal(cons_u256_cmp(&out, &max), 0);
	assert_true(cons_u256_muldiv(&out, &r2, 0x87654321u, 1));
	assert_int_equal(cons_u256_cmp(&out, &max), 0);
}

static void test_u256_cmp(void **state)
{
	struct cons_u256 a, b, half, max;

	cons_u256_set_u64(&a, 1);
	cons_u256_set_u64(&b, 2);
	assert_true(cons_u256_cmp(&a, &b) < 0);
	assert_true(cons_u256_cmp(&b, &a) > 0);
	assert_int_equal(cons_u256_cmp(&a, &a), 0);
	/* The high word decides, whatever the low words say. */
	u256_one_shl(&half, 255);
	u256_max(&max);
	cons_u256_shr(&b, &max, 1);            /* 2^255 - 1 */
	assert_true(cons_u256_cmp(&half, &b) > 0);
	assert_true(cons_u256_cmp(&b, &half) < 0);
	assert_true(cons_u256_cmp(&max, &half) > 0);
	cons_u256_set_u64(&a, 0xffffffffffffffffull);
	u256_one_shl(&b, 64);
	assert_true(cons_u256_cmp(&a, &b) < 0);
}

static void test_u256_bits_and_not(void **state)
{
	struct cons_u256 a, max;

	cons_u256_set_u64(&a, 0);
	assert_int_equal(cons_u256_bits(&a), 0);
	cons_u256_set_u64(&a, 1);
	assert_int_equal(cons_u256_bits(&a), 1);
	cons_u256_set_u64(&a, 0x80);
	assert_int_equal(cons_u256_bits(&a), 8);
	cons_u256_set_u64(&a, 0x100);
	assert_int_equal(cons_u256_bits(&a), 9);
	cons_u256_set_u64(&a, 0xffffffffffffffffull);
	assert_int_equal(cons_u256_bits(&a), 64);
	u256_max(&max);
	assert_int_equal(cons_u256_bits(&max), 256);

	cons_u256_set_u64(&a, 0);
	cons_u256_not(&a, &a);
	assert_int_equal(cons_u256_cmp(&a, &max), 0);
	cons_u256_not(&a, &max);
	assert_true(cons_u256_is_zero(&a));
}

static void test_u256_to_double(void **state)
{
	struct cons_u256 a;

	cons_u256_set_u64(&a, 0);
	assert_true(cons_u256_to_double(&a) == 0.0);
	for (unsigned i = 0; i < 255; i++) {
		u256_one_shl(&a, i);
		assert_true(cons_u256_to_double(&a) == ldexp(1.0, (int)i));
	}
	cons_u256_set_u64(&a, 123456789);
	assert_true(cons_u256_to_double(&a) == 123456789.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact_bitcoin_core_vectors),
		cmocka_unit_test(test_compact_overflow),
		cmocka_unit_test(test_compact_overflow_boundaries),
		cmocka_unit_test(test_compact_never_sets_sign_bit),
		cmocka_unit_test(test_u256_hex_and_bytes),
		cmocka_unit_test(test_u256_add_bitcoin_core),
		cmocka_unit_test(test_u256_sub),
		cmocka_unit_test(test_u256_shifts),
		cmocka_unit_test(test_u256_div_bitcoin_core),
		cmocka_unit_test(test_u256_muldiv),
		cmocka_unit_test(test_u256_cmp),
		cmocka_unit_test(test_u256_bits_and_not),
		cmocka_unit_test(test_u256_to_double),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
