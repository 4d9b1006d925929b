/*
 * Tests for consensus/script: the P2PKH output template, the spending
 * scriptSig template, and BIP34 height pushes. The height encodings are
 * CScriptNum's minimal pushes as Bitcoin Core's CScript() << n writes them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "consensus/script.h"
#include "util/hex.h"

/* HASH160 of the Bitcoin wiki's example key (address 1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs). */
static const char wiki_pkh_hex[] = "f54a5851e9372b87810a8e60cdd2e7cfd80b6e31";
static const char wiki_p2pkh_hex[] = "76a914f54a5851e9372b87810a8e60cdd2e7cfd80b6e3188ac";

static void decode(uint8_t *out, size_t len, const char *hex)
{
	assert_int_equal(util_hex_decode(out, len, hex), 0);
}

static void test_script_p2pkh_builds_standard_script(void **state)
{
	uint8_t pkh[20], want[25], got[CONS_P2PKH_SCRIPT_SIZE];

	decode(pkh, 20, wiki_pkh_hex);
	decode(want, 25, wiki_p2pkh_hex);
	cons_script_p2pkh(got, pkh);
	assert_memory_equal(got, want, 25);
}

static void test_script_is_p2pkh_accepts_template(void **state)
{
	uint8_t script[25], pkh[20], want[20];

	decode(script, 25, wiki_p2pkh_hex);
	decode(want, 20, wiki_pkh_hex);
	memset(pkh, 0, sizeof(pkh));
	assert_true(cons_script_is_p2pkh(script, 25, pkh));
	assert_memory_equal(pkh, want, 20);
	assert_true(cons_script_is_p2pkh(script, 25, NULL));
}

static void test_script_is_p2pkh_rejects_wrong_length(void **state)
{
	uint8_t script[26];

	decode(script, 25, wiki_p2pkh_hex);
	script[25] = CONS_OP_CHECKSIG;
	assert_false(cons_script_is_p2pkh(script, 24, NULL));
	assert_false(cons_script_is_p2pkh(script, 26, NULL));
	assert_false(cons_script_is_p2pkh(script, 0, NULL));
}

static void test_script_is_p2pkh_rejects_changed_opcode(void **state)
{
	/* Each template byte in turn: DUP, HASH160, push-20, EQUALVERIFY, CHECKSIG. */
	static const size_t pos[] = { 0, 1, 2, 23, 24 };
	uint8_t script[25];

	for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		decode(script, 25, wiki_p2pkh_hex);
		script[pos[i]] ^= 0x01;
		assert_false(cons_script_is_p2pkh(script, 25, NULL));
	}
	/* OP_EQUAL instead of OP_EQUALVERIFY is P2SH-like, not P2PKH. */
	decode(script, 25, wiki_p2pkh_hex);
	script[23] = 0x87;
	assert_false(cons_script_is_p2pkh(script, 25, NULL));
}

/* A real spending scriptSig: 71-byte sig+hashtype, 33-byte key. */
static const char spend_hex[] =
	"47"
	"304402205990e0584b2b238e1dfaad8d6ed69ecc1a4a13ac85fc0b31d0df395eb1ba6105"
	"02202d5876262c288beb511d061691bf26777344b702b00f8fe28621fe4e566695ed01"
	"21"
	"0250863ad64a87ae8a2fe83c1af1a8403cb53f53e486d8511dad8a04887e5b2352";

static void test_script_sig_parse_accepts_template(void **state)
{
	uint8_t script[106];
	const uint8_t *sig, *pub;
	size_t sig_len;

	decode(script, sizeof(script), spend_hex);
	assert_true(cons_script_sig_parse(script, sizeof(script), &sig, &sig_len, &pub));
	assert_ptr_equal(sig, script + 1);
	assert_int_equal(sig_len, 0x47);
	assert_int_equal(sig[sig_len - 1], 0x01);
	assert_ptr_equal(pub, script + 1 + 0x47 + 1);
	assert_int_equal(pub[0], 0x02);
	assert_int_equal(pub[32], 0x52);
}

static void test_script_sig_parse_rejects_extra_push(void **state)
{
	uint8_t script[108];
	const uint8_t *sig, *pub;
	size_t sig_len;

	decode(script, 106, spend_hex);
	script[106] = 0x01;     /* a third push of one byte */
	script[107] = 0x00;
	assert_false(cons_script_sig_parse(script, 108, &sig, &sig_len, &pub));
	/* A trailing opcode is just as bad as a trailing push. */
	script[106] = CONS_OP_1;
	assert_false(cons_script_sig_parse(script, 107, &sig, &sig_len, &pub));
	/* And so is a missing pubkey. */
	assert_false(cons_script_sig_parse(script, 1 + 0x47, &sig, &sig_len, &pub));
}

static void test_script_sig_parse_rejects_wrong_pubkey_length(void **state)
{
	uint8_t script[106], longer[107];
	const uint8_t *sig, *pub;
	size_t sig_len;

	decode(script, sizeof(script), spend_hex);
	/* Push only 32 of the key's bytes. */
	script[1 + 0x47] = 32;
	assert_false(cons_script_sig_parse(script, 105, &sig, &sig_len, &pub));
	/* An uncompressed-length key push of 34 bytes. */
	memcpy(longer, script, 106);
	longer[1 + 0x47] = 34;
	longer[106] = 0x00;
	assert_false(cons_script_sig_parse(longer, 107, &sig, &sig_len, &pub));
	/* Truncated: the push says 33 but the script ends early. */
	decode(script, sizeof(script), spend_hex);
	assert_false(cons_script_sig_parse(script, 105, &sig, &sig_len, &pub));
}

static void test_script_sig_parse_rejects_pushdata_opcodes(void **state)
{
	uint8_t script[112];
	const uint8_t *sig, *pub;
	size_t sig_len;

	/* The same signature through OP_PUSHDATA1 (0x4c, one length byte). */
	decode(script + 1, 106, spend_hex);
	script[0] = 0x4c;
	assert_false(cons_script_sig_parse(script, 107, &sig, &sig_len, &pub));
	/* The key through OP_PUSHDATA1. */
	decode(script, 106, spend_hex);
	memmove(script + 1 + 0x47 + 2, script + 1 + 0x47 + 1, 33);
	script[1 + 0x47] = 0x4c;
	script[1 + 0x47 + 1] = 33;
	assert_false(cons_script_sig_parse(script, 107, &sig, &sig_len, &pub));
	/*
	 * OP_PUSHDATA1 of 75 bytes: 4c 4b <75> 21 <33> is 111 bytes, exactly what
	 * a direct push of 76 would take, so only the opcode value tells them apart.
	 */
	memset(script, 0x30, sizeof(script));
	script[0] = 0x4c;
	script[1] = 75;
	script[2 + 75] = 33;
	assert_false(cons_script_sig_parse(script, 2 + 75 + 1 + 33, &sig, &sig_len, &pub));
	/* Control: the same shape with a direct push of 75 is accepted. */
	assert_true(cons_script_sig_parse(script + 1, 1 + 75 + 1 + 33, &sig, &sig_len, &pub));
	assert_int_equal(sig_len, 75);
	/* OP_0 (empty push) as the signature. */
	decode(script + 1, 34, "210250863ad64a87ae8a2fe83c1af1a8403cb53f53e486d8511dad8a04887e5b2352");
	script[0] = CONS_OP_0;
	assert_false(cons_script_sig_parse(script, 35, &sig, &sig_len, &pub));
	assert_false(cons_script_sig_parse(script, 0, &sig, &sig_len, &pub));
}

static void test_script_sig_build_round_trips(void **state)
{
	uint8_t want[106], out[CONS_SCRIPTSIG_MAX];
	const uint8_t *sig, *pub;
	size_t sig_len, n;

	decode(want, sizeof(want), spend_hex);
	n = cons_script_sig_build(out, want + 1, 0x47, want + 1 + 0x47 + 1);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_true(cons_script_sig_parse(out, n, &sig, &sig_len, &pub));
	assert_int_equal(sig_len, 0x47);
}

struct height_vector {
	int64_t height;
	const char *push;
};

static const struct height_vector height_vectors[] = {
	{ 0, "00" }, { 1, "51" }, { 16, "60" }, { 17, "0111" }, { 127, "017f" },
	{ 128, "028000" }, { 255, "02ff00" }, { 256, "020001" }, { 32767, "02ff7f" },
	{ 32768, "03008000" }, { 8388607, "03ffff7f" }, { 8388608, "0400008000" },
};

static void test_script_push_height_matches_cscriptnum(void **state)
{
	for (size_t i = 0; i < sizeof(height_vectors) / sizeof(height_vectors[0]); i++) {
		const struct height_vector *v = &height_vectors[i];
		uint8_t want[9], got[9];
		size_t want_len = strlen(v->push) / 2, n;

		decode(want, want_len, v->push);
		memset(got, 0xee, sizeof(got));
		n = cons_script_push_height(got, v->height);
		assert_int_equal(n, want_len);
		assert_memory_equal(got, want, n);
	}
}

static void test_script_push_height_fits_int64_max(void **state)
{
	uint8_t got[9];

	/* 0x7fff...ff: eight bytes, top bit clear, so no sign byte is needed. */
	assert_int_equal(cons_script_push_height(got, INT64_MAX), 9);
	assert_int_equal(got[0], 8);
	assert_int_equal(got[8], 0x7f);
	assert_int_equal(got[1], 0xff);
}

static void test_script_has_height_accepts_prefix(void **state)
{
	/* 227,931 (Bitcoin's BIP34 activation height) is 0x037a5b: push 03 5b7a03. */
	uint8_t script[8];

	decode(script, 8, "035b7a03deadbeef");
	assert_true(cons_script_has_height(script, 8, 227931));
	assert_true(cons_script_has_height(script, 4, 227931));
	decode(script, 2, "5100");
	assert_true(cons_script_has_height(script, 2, 1));
}

static void test_script_has_height_rejects_mismatch(void **state)
{
	uint8_t script[8];

	decode(script, 8, "035b7a03deadbeef");
	assert_false(cons_script_has_height(script, 8, 227930));
	assert_false(cons_script_has_height(script, 3, 227931));       /* cut short */
	assert_false(cons_script_has_height(script, 0, 227931));
	/* A non-minimal push of 1 (01 01 instead of OP_1) is not BIP34's. */
	decode(script, 2, "0101");
	assert_false(cons_script_has_height(script, 2, 1));
	/* 128 without its sign byte reads as -0: must be rejected. */
	decode(script, 2, "0180");
	assert_false(cons_script_has_height(script, 2, 128));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_script_p2pkh_builds_standard_script),
		cmocka_unit_test(test_script_is_p2pkh_accepts_template),
		cmocka_unit_test(test_script_is_p2pkh_rejects_wrong_length),
		cmocka_unit_test(test_script_is_p2pkh_rejects_changed_opcode),
		cmocka_unit_test(test_script_sig_parse_accepts_template),
		cmocka_unit_test(test_script_sig_parse_rejects_extra_push),
		cmocka_unit_test(test_script_sig_parse_rejects_wrong_pubkey_length),
		cmocka_unit_test(test_script_sig_parse_rejects_pushdata_opcodes),
		cmocka_unit_test(test_script_sig_build_round_trips),
		cmocka_unit_test(test_script_push_height_matches_cscriptnum),
		cmocka_unit_test(test_script_push_height_fits_int64_max),
		cmocka_unit_test(test_script_has_height_accepts_prefix),
		cmocka_unit_test(test_script_has_height_rejects_mismatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
