/*
 * Tests for consensus/sig: legacy sighash on vectors from Bitcoin Core's
 * src/test/data/sighash.json, BIP66 strict DER on Core's sig_canonical.json
 * and sig_noncanonical.json, the Bitcoin wiki's key-to-address walkthrough,
 * and one test per rejection path of cons_verify_input().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "consensus/base58.h"
#include "consensus/hash.h"
#include "consensus/script.h"
#include "consensus/sig.h"
#include "util/hex.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint8_t *decode_hex(const char *hex, size_t *len)
{
	uint8_t *p = NULL;

	assert_int_equal(util_hex_decode_alloc(&p, len, hex), 0);
	return p;
}

/* --- sighash ------------------------------------------------------------ */

struct sighash_vector {
	const char *tx;
	const char *script;
	size_t in_index;
	int32_t hashtype;
	const char *hash;       /* displayed byte-reversed, as Core's GetHex() */
};

/*
 * Verbatim entries of sighash.json whose hashtype takes the SIGHASH_ALL
 * path ((type & 0x1f) not 2 or 3, 0x80 clear) and whose script has no
 * 0xab (OP_CODESEPARATOR) byte. The scriptSigs of the transactions are
 * random and do contain 0xab: they must be blanked, not interpreted.
 */
static const struct sighash_vector sighash_vectors[] = {
	{ "907c2bc503ade11cc3b04eb2918b6f547b0630ab569273824748c87ea14b0696526c66ba740200000004ab65ababfd1f9bdd4ef073c7afc4ae00da8a66f429c917a0081ad1e1dabce28d373eab81d8628de802000000096aab5253ab52000052ad042b5f25efb33beec9f3364e8a9139e8439d9d7e26529c3c30b6c3fd89f8684cfd68ea0200000009ab53526500636a52ab599ac2fe02a526ed040000000008535300516352515164370e010000000003006300ab2ec229",
	  "", 2, 1864164639, "31af167a6cf3f9d5f6875caa4d31704ceb0eba078d132b78dab52c3b8997317e" },
	{ "50818f4c01b464538b1e7e7f5ae4ed96ad23c68c830e78da9a845bc19b5c3b0b20bb82e5e9030000000763526a63655352ffffffff023b3f9c040000000008630051516a6a5163a83caf01000000000553ab65510000000000",
	  "6aac", 0, 946795545, "746306f322de2b4b58ffe7faae83f6a72433c22f88062cdde881d4dd8a5a4e2d" },
	{ "c363a70c01ab174230bbe4afe0c3efa2d7f2feaf179431359adedccf30d1f69efe0c86ed390200000002ab51558648fe0231318b04000000000151662170000000000008ac5300006a63acac00000000",
	  "", 0, 2146479410, "191ab180b0d753763671717d051f138d4866b7cb0d1d4811472e64de595d2c70" },
	{ "a43f85f701ffa54a3cc57177510f3ea28ecb6db0d4431fc79171cad708a6054f6e5b4f89170000000008ac6a006a536551652bebeaa2013e779c05000000000665ac5363635100000000",
	  "ac", 0, 2028978692, "58294f0d7f2e68fe1fd30c01764fe1619bcc7961d68968944a0e263af6550437" },
	{ "2074bad5011847f14df5ea7b4afd80cd56b02b99634893c6e3d5aaad41ca7c8ee8e5098df003000000026a6affffffff018ad59700000000000900ac656a526551635300000000",
	  "65635265", 0, -1804671183, "663c999a52288c9999bff36c9da2f8b78d5c61b8347538f76c164ccba9868d0a" },
	{ "7100b11302e554d4ef249ee416e7510a485e43b2ba4b8812d8fe5529fe33ea75f36d392c4403000000020000ffffffff3d01a37e075e9a7715a657ae1bdf1e44b46e236ad16fd2f4c74eb9bf370368810000000007636553ac536365ffffffff01db696a0400000000065200ac656aac00000000",
	  "63005151", 0, -1210499571, "b8b5d6aa8080eb1b04f9b3b86f718705ccc5f6537b15a5ab59c3394e9236207b" },
	{ "fd878840031e82fdbe1ad1d745d1185622b0060ac56638290ec4f66b1beef4450817114a2c0000000009516a63ab53650051abffffffff37b7a10322b5418bfd64fb09cd8a27ddf57731aeb1f1f920ffde7cb2dfb6cdb70300000008536a5365ac53515369ecc034f1594690dbe189094dc816d6d57ea75917de764cbf8eccce4632cbabe7e116cd0100000003515352ffffffff035777fc000000000003515200abe9140300000000050063005165bed6d10200000000076300536363ab65195e9110",
	  "635265", 0, 1729787658, "6e3735d37a4b28c45919543aabcb732e7a3e1874db5315abb7cc6b143d62ff10" },
	{ "14bc7c3e03322ec0f1311f4327e93059c996275302554473104f3f7b46ca179bfac9ef753503000000016affffffff9d405eaeffa1ca54d9a05441a296e5cc3a3e32bb8307afaf167f7b57190b07e00300000008abab51ab5263abab45533aa242c61bca90dd15d46079a0ab0841d85df67b29ba87f2393cd764a6997c372b55030000000452005263ffffffff0250f40e02000000000651516a0063630e95ab0000000000046a5151ac00000000",
	  "6a65005151", 0, -1460947159, "fe9db879fe828b339df2679ff7f1b175a0f91485c81feae709f8942b9e7f02ba" },
};

static void test_sighash_matches_core_vectors(void **state)
{
	for (size_t i = 0; i < COUNT(sighash_vectors); i++) {
		const struct sighash_vector *v = &sighash_vectors[i];
		size_t raw_len, script_len;
		uint8_t *raw = decode_hex(v->tx, &raw_len);
		uint8_t *script = decode_hex(v->script, &script_len);
		uint8_t want[32], got[32];
		struct cons_tx tx;

		cons_tx_init(&tx);
		assert_int_equal(cons_tx_parse(&tx, NULL, raw, raw_len), 0);
		assert_int_equal(util_hex_decode_rev(want, 32, v->hash), 0);
		assert_int_equal(cons_sighash(got, &tx, v->in_index, script, script_len, (uint32_t)v->hashtype), 0);
		assert_memory_equal(got, want, 32);
		cons_tx_release(&tx);
		free(raw);
		free(script);
	}
}

static void test_sighash_commits_to_index_and_hashtype(void **state)
{
	const struct sighash_vector *v = &sighash_vectors[0];    /* three inputs */
	size_t raw_len;
	uint8_t *raw = decode_hex(v->tx, &raw_len);
	uint8_t want[32], got[32], other[32], one[1] = { CONS_OP_1 };
	struct cons_tx tx;

	cons_tx_init(&tx);
	assert_int_equal(cons_tx_parse(&tx, NULL, raw, raw_len), 0);
	assert_int_equal(util_hex_decode_rev(want, 32, v->hash), 0);
	/*
	 * The vector's script code is empty, so every scriptSig is blank and the
	 * index cannot show; with a one-byte script code it must.
	 */
	assert_int_equal(cons_sighash(got, &tx, 1, one, 1, (uint32_t)v->hashtype), 0);
	assert_int_equal(cons_sighash(other, &tx, 2, one, 1, (uint32_t)v->hashtype), 0);
	assert_memory_not_equal(got, other, 32);
	assert_memory_not_equal(got, want, 32);
	assert_int_equal(cons_sighash(got, &tx, 2, NULL, 0, (uint32_t)v->hashtype + 0x100), 0);
	assert_memory_not_equal(got, want, 32);
	assert_int_equal(cons_sighash(got, &tx, 2, NULL, 0, (uint32_t)v->hashtype), 0);
	assert_memory_equal(got, want, 32);
	cons_tx_release(&tx);
	free(raw);
}

/* --- strict DER (BIP66) ------------------------------------------------- */

/* sig_canonical.json: all strictly encoded. */
static const char *const der_canonical[] = {
	"300602010002010001",
	"3008020200ff020200ff01",
	"304402203932c892e2e550f3af8ee4ce9c215a87f9bb831dcac87b2838e2c2eaa891df0c022030b61dd36543125d56b9f9f3a1f9353189e5af33cdda8d77a5209aec03978fa001",
	"30450220076045be6f9eca28ff1ec606b833d0b87e70b2a630f5e3a496b110967a40f90a0221008fffd599910eefe00bc803c688c2eca1d2ba7f6b180620eaa03488e6585db6ba01",
	"3046022100876045be6f9eca28ff1ec606b833d0b87e70b2a630f5e3a496b110967a40f90a0221008fffd599910eefe00bc803c688c2eca1d2ba7f6b180620eaa03488e6585db6ba01",
};

/*
 * sig_noncanonical.json, every encoding case. Its "hashtype" case (0x11)
 * is left out: BIP66 encoding rules do not look at the sighash byte.
 */
static const char *const der_noncanonical[] = {
	/* too short */ "30050201FF020001",
	/* too long */ "30470221005990e0584b2b238e1dfaad8d6ed69ecc1a4a13ac85fc0b31d0df395eb1ba6105022200002d5876262c288beb511d061691bf26777344b702b00f8fe28621fe4e566695ed01",
	/* type */ "314402205990e0584b2b238e1dfaad8d6ed69ecc1a4a13ac85fc0b31d0df395eb1ba610502202d5876262c288beb511d061691bf26777344b702b00f8fe28621fe4e566695ed01",
	/* total length */ "304502205990e0584b2b238e1dfaad8d6ed69ecc1a4a13ac85fc0b31d0df395eb1ba610502202d5876262c288beb511d061691bf26777344b702b00f8fe28621fe4e566695ed01",
	/* S len oob */ "301F01205990e0584b2b238e1dfaad8d6ed69ecc1a4a13ac85fc0b31d0df395eb101",
	/* R+S */ "304502205990e0584b2b238e1dfaad8d6ed69ecc1a4a13ac85fc0b31d0df395eb1ba610502202d5876262c288beb511d061691bf26777344b702b00f8fe28621fe4e566695ed0001",
	/* R type */ "304401205990e0584b2b238e1dfaad8d6ed69ecc1a4a13ac85fc0b31d0df395eb1ba610502202d5876262c288beb511d061691bf26777344b702b00f8fe28621fe4e566695ed01",
	/* R len = 0 */ "3024020002202d5876262c288beb511d061691bf26777344b702b00f8fe28621fe4e566695ed01",
	/* R<0 */ "304402208990e0584b2b238e1dfaad8d6ed69ecc1a4a13ac85fc0b31d0df395eb1ba610502202d5876262c288beb511d061691bf26777344b702b00f8fe28621fe4e566695ed01",
	/* R padded */ "30450221005990e0584b2b238e1dfaad8d6ed69ecc1a4a13ac85fc0b31d0df395eb1ba610502202d5876262c288beb511d061691bf26777344b702b00f8fe28621fe4e566695ed01",
	/* S type */ "304402205990e0584b2b238e1dfaad8d6ed69ecc1a4a13ac85fc0b31d0df395eb1ba610501202d5876262c288beb511d061691bf26777344b702b00f8fe28621fe4e566695ed01",
	/* S len = 0 */ "302402205990e0584b2b238e1dfaad8d6ed69ecc1a4a13ac85fc0b31d0df395eb1ba6105020001",
	/* S<0 */ "304402205990e0584b2b238e1dfaad8d6ed69ecc1a4a13ac85fc0b31d0df395eb1ba61050220fd5876262c288beb511d061691bf26777344b702b00f8fe28621fe4e566695ed01",
	/* S padded */ "304502205990e0584b2b238e1dfaad8d6ed69ecc1a4a13ac85fc0b31d0df395eb1ba61050221002d5876262c288beb511d061691bf26777344b702b00f8fe28621fe4e566695ed01",
};

static bool strict_der_hex(const char *hex)
{
	size_t len;
	uint8_t *sig = decode_hex(hex, &len);
	bool ok = cons_sig_is_strict_der(sig, len);

	free(sig);
	return ok;
}

static void test_sig_is_strict_der_accepts_canonical(void **state)
{
	for (size_t i = 0; i < COUNT(der_canonical); i++)
		assert_true(strict_der_hex(der_canonical[i]));
}

static void test_sig_is_strict_der_rejects_noncanonical(void **state)
{
	for (size_t i = 0; i < COUNT(der_noncanonical); i++) {
		if (strict_der_hex(der_noncanonical[i]))
			fail_msg("accepted noncanonical signature %zu: %s", i, der_noncanonical[i]);
	}
}

static void test_sig_is_strict_der_ignores_hashtype_byte(void **state)
{
	/* sig_noncanonical.json's "hashtype" case: well encoded, odd hashtype. */
	assert_true(strict_der_hex("304402205990e0584b2b238e1dfaad8d6ed69ecc1a4a13ac85fc0b31d0df395eb1ba610502202d5876262c288beb511d061691bf26777344b702b00f8fe28621fe4e566695ed11"));
	assert_false(cons_sig_is_strict_der(NULL, 0));
}

/* --- keys --------------------------------------------------------------- */

/* The Bitcoin wiki's "Technical background of version 1 Bitcoin addresses". */
static const char wiki_seckey[] = "18e14a7b6a307f426a94f8114701e7c8e774e7f9a47e2c2035db29a206321725";
static const char wiki_pub[] = "0250863ad64a87ae8a2fe83c1af1a8403cb53f53e486d8511dad8a04887e5b2352";
static const char wiki_pkh[] = "f54a5851e9372b87810a8e60cdd2e7cfd80b6e31";
static const char wiki_address[] = "1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs";
/* The Bitcoin wiki's "Wallet import format" example key: a second signer. */
static const char other_seckey[] = "0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d";

static const char secp256k1_order[] = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

static void test_pubkey_from_seckey_matches_wiki_address(void **state)
{
	const secp256k1_context *ctx = *state;
	uint8_t seckey[32], pub[33], want_pub[33], pkh[20], want_pkh[20], back[20];
	char addr[CONS_ADDRESS_MAX];

	assert_int_equal(util_hex_decode(seckey, 32, wiki_seckey), 0);
	assert_int_equal(util_hex_decode(want_pub, 33, wiki_pub), 0);
	assert_int_equal(util_hex_decode(want_pkh, 20, wiki_pkh), 0);
	assert_true(cons_seckey_is_valid(ctx, seckey));
	assert_int_equal(cons_pubkey_from_seckey(ctx, pub, seckey), 0);
	assert_memory_equal(pub, want_pub, 33);
	cons_hash160(pkh, pub, 33);
	assert_memory_equal(pkh, want_pkh, 20);
	cons_address_encode(addr, 0x00, pkh);
	assert_string_equal(addr, wiki_address);
	assert_int_equal(cons_address_decode(back, 0x00, wiki_address), 0);
	assert_memory_equal(back, want_pkh, 20);
}

static void test_seckey_rejects_zero_and_order(void **state)
{
	const secp256k1_context *ctx = *state;
	uint8_t zero[32] = { 0 }, order[32], pub[33], der[CONS_DER_SIG_MAX], hash[32] = { 1 };
	size_t der_len;

	assert_int_equal(util_hex_decode(order, 32, secp256k1_order), 0);
	assert_false(cons_seckey_is_valid(ctx, zero));
	assert_false(cons_seckey_is_valid(ctx, order));
	assert_int_equal(cons_pubkey_from_seckey(ctx, pub, zero), -1);
	assert_int_equal(cons_pubkey_from_seckey(ctx, pub, order), -1);
	assert_int_equal(cons_sign_hash(ctx, der, &der_len, hash, zero), -1);
	assert_int_equal(cons_sign_hash(ctx, der, &der_len, hash, order), -1);
}

static void test_sign_hash_is_deterministic_low_s_der(void **state)
{
	const secp256k1_context *ctx = *state;
	uint8_t seckey[32], hash[32], a[CONS_DER_SIG_MAX + 1], b[CONS_DER_SIG_MAX];
	size_t a_len, b_len;
	secp256k1_ecdsa_signature sig;

	assert_int_equal(util_hex_decode(seckey, 32, wiki_seckey), 0);
	cons_sha256d(hash, "flint", 5);
	assert_int_equal(cons_sign_hash(ctx, a, &a_len, hash, seckey), 0);
	assert_int_equal(cons_sign_hash(ctx, b, &b_len, hash, seckey), 0);
	assert_int_equal(a_len, b_len);
	assert_memory_equal(a, b, a_len);       /* RFC6979: no randomness */
	assert_int_equal(secp256k1_ecdsa_signature_parse_der(ctx, &sig, a, a_len), 1);
	assert_int_equal(secp256k1_ecdsa_signature_normalize(ctx, NULL, &sig), 0);
	a[a_len] = CONS_SIGHASH_ALL;
	assert_true(cons_sig_is_strict_der(a, a_len + 1));
}

/* --- signing and verifying inputs ---------------------------------------- */

struct fixture {
	secp256k1_context *ctx;
	uint8_t key[2][32];
	uint8_t pkh[2][20];
	struct cons_tx tx;      /* input 0 signed by key 0, input 1 by key 1 */
};

static void build_tx(struct cons_tx *tx, const uint8_t pkh[20], int64_t value)
{
	struct cons_outpoint op;
	uint8_t script[CONS_P2PKH_SCRIPT_SIZE];

	cons_tx_init(tx);
	for (uint32_t i = 0; i < 2; i++) {
		memset(op.txid, 0x11 * (int)(i + 1), 32);
		op.n = i;
		assert_int_equal(cons_tx_add_input(tx, &op, NULL, 0, 0xffffffffu), 0);
	}
	cons_script_p2pkh(script, pkh);
	assert_int_equal(cons_tx_add_output(tx, value, script, sizeof(script)), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint8_t pub[33];

	if (!f)
		return -1;
	f->ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	if (util_hex_decode(f->key[0], 32, wiki_seckey) < 0 || util_hex_decode(f->key[1], 32, other_seckey) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (cons_pubkey_from_seckey(f->ctx, pub, f->key[i]) < 0)
			return -1;
		cons_hash160(f->pkh[i], pub, 33);
	}
	build_tx(&f->tx, f->pkh[1], 4999990000);
	if (cons_sign_input(f->ctx, &f->tx, 0, f->key[0]) < 0 || cons_sign_input(f->ctx, &f->tx, 1, f->key[1]) < 0 ||
	    cons_tx_finalize(&f->tx) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cons_tx_release(&f->tx);
	secp256k1_context_destroy(f->ctx);
	free(f);
	return 0;
}

static int group_setup(void **state)
{
	*state = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	return *state ? 0 : -1;
}

static int group_teardown(void **state)
{
	secp256k1_context_destroy(*state);
	return 0;
}

/* Copies input i's signature (with sighash byte) and pubkey out of its scriptSig. */
static size_t get_spend(const struct cons_tx *tx, size_t i, uint8_t sig[80], uint8_t pub[33])
{
	const uint8_t *s, *p;
	size_t len;

	assert_true(cons_script_sig_parse(tx->in[i].script, tx->in[i].script_len, &s, &len, &p));
	assert_in_range(len, 1, 80);
	memcpy(sig, s, len);
	memcpy(pub, p, 33);
	return len;
}

static void set_spend(struct cons_tx *tx, size_t i, const uint8_t *sig, size_t sig_len, const uint8_t pub[33])
{
	uint8_t script[CONS_SCRIPTSIG_MAX];
	size_t n = cons_script_sig_build(script, sig, sig_len, pub);

	assert_int_equal(cons_tx_set_input_script(tx, i, script, n), 0);
}

static void test_sign_input_round_trip_verifies(void **state)
{
	struct fixture *f = *state;
	uint8_t sig[80], pub[33], want_pub[33];
	size_t len;

	assert_int_equal(cons_verify_input(f->ctx, &f->tx, 0, f->pkh[0]), CONS_SIG_OK);
	assert_int_equal(cons_verify_input(f->ctx, &f->tx, 1, f->pkh[1]), CONS_SIG_OK);
	/* The scriptSig is the template: strict DER + SIGHASH_ALL, compressed key. */
	len = get_spend(&f->tx, 0, sig, pub);
	assert_int_equal(sig[len - 1], CONS_SIGHASH_ALL);
	assert_true(cons_sig_is_strict_der(sig, len));
	assert_int_equal(util_hex_decode(want_pub, 33, wiki_pub), 0);
	assert_memory_equal(pub, want_pub, 33);
}

static void test_sign_input_rejects_invalid_key(void **state)
{
	struct fixture *f = *state;
	uint8_t zero[32] = { 0 };

	assert_int_equal(cons_sign_input(f->ctx, &f->tx, 0, zero), -1);
	/* The input keeps its valid signature. */
	assert_int_equal(cons_verify_input(f->ctx, &f->tx, 0, f->pkh[0]), CONS_SIG_OK);
}

static void test_verify_input_rejects_bad_template(void **state)
{
	struct fixture *f = *state;
	uint8_t sig[80], pub[33], script[CONS_SCRIPTSIG_MAX + 1];
	size_t len = get_spend(&f->tx, 0, sig, pub);

	/* Signature push alone. */
	script[0] = (uint8_t)len;
	memcpy(script + 1, sig, len);
	assert_int_equal(cons_tx_set_input_script(&f->tx, 0, script, 1 + len), 0);
	assert_int_equal(cons_verify_input(f->ctx, &f->tx, 0, f->pkh[0]), CONS_SIG_BAD_TEMPLATE);
	/* Empty scriptSig. */
	assert_int_equal(cons_tx_set_input_script(&f->tx, 0, NULL, 0), 0);
	assert_int_equal(cons_verify_input(f->ctx, &f->tx, 0, f->pkh[0]), CONS_SIG_BAD_TEMPLATE);
	/* The valid spend with an OP_1 appended. */
	len = cons_script_sig_build(script, sig, len, pub);
	script[len] = CONS_OP_1;
	assert_int_equal(cons_tx_set_input_script(&f->tx, 0, script, len + 1), 0);
	assert_int_equal(cons_verify_input(f->ctx, &f->tx, 0, f->pkh[0]), CONS_SIG_BAD_TEMPLATE);
}

static void test_verify_input_rejects_wrong_key(void **state)
{
	struct fixture *f = *state;

	/* Input 0 is key 0's; an output paying key 1 cannot be spent by it. */
	assert_int_equal(cons_verify_input(f->ctx, &f->tx, 0, f->pkh[1]), CONS_SIG_WRONG_KEY);
	assert_int_equal(cons_verify_input(f->ctx, &f->tx, 1, f->pkh[0]), CONS_SIG_WRONG_KEY);
}

static void test_verify_input_rejects_bad_hashtype(void **state)
{
	static const uint8_t types[] = { 0x00, 0x02, 0x03, 0x41, 0x81 };
	struct fixture *f = *state;
	uint8_t sig[80], pub[33];
	size_t len = get_spend(&f->tx, 0, sig, pub);

	for (size_t i = 0; i < COUNT(types); i++) {
		sig[len - 1] = types[i];
		set_spend(&f->tx, 0, sig, len, pub);
		assert_int_equal(cons_verify_input(f->ctx, &f->tx, 0, f->pkh[0]), CONS_SIG_BAD_HASHTYPE);
	}
}

static void test_verify_input_rejects_non_strict_der(void **state)
{
	struct fixture *f = *state;
	uint8_t sig[80], pub[33], padded[81];
	size_t len = get_spend(&f->tx, 0, sig, pub);
	size_t len_r = sig[3];

	/* Same R, S and hashtype, but R gains a needless leading 0x00. */
	padded[0] = 0x30;
	padded[1] = (uint8_t)(sig[1] + 1);
	padded[2] = 0x02;
	padded[3] = (uint8_t)(len_r + 1);
	padded[4] = 0x00;
	memcpy(padded + 5, sig + 4, len - 4);
	assert_false(cons_sig_is_strict_der(padded, len + 1));
	set_spend(&f->tx, 0, padded, len + 1, pub);
	assert_int_equal(cons_verify_input(f->ctx, &f->tx, 0, f->pkh[0]), CONS_SIG_BAD_DER);
	/* A BER-style long-form length (0x81 0x44) instead of 0x44. */
	padded[0] = 0x30;
	padded[1] = 0x81;
	memcpy(padded + 2, sig + 1, len - 1);
	set_spend(&f->tx, 0, padded, len + 1, pub);
	assert_int_equal(cons_verify_input(f->ctx, &f->tx, 0, f->pkh[0]), CONS_SIG_BAD_DER);
}

/* out = n - s for 32-byte big-endian numbers: the other S of the same signature. */
static void negate_s(uint8_t out[32], const uint8_t s[32])
{
	uint8_t n[32];
	int borrow = 0;

	assert_int_equal(util_hex_decode(n, 32, secp256k1_order), 0);
	for (int i = 31; i >= 0; i--) {
		int d = n[i] - s[i] - borrow;
		borrow = d < 0;
		out[i] = (uint8_t)(d + (borrow ? 256 : 0));
	}
	assert_int_equal(borrow, 0);
}

static void test_verify_input_rejects_high_s(void **state)
{
	struct fixture *f = *state;
	const secp256k1_context *ctx = f->ctx;
	uint8_t sig[80], pub[33], rs[64], high[CONS_DER_SIG_MAX + 1];
	size_t len = get_spend(&f->tx, 0, sig, pub), high_len = CONS_DER_SIG_MAX;
	secp256k1_ecdsa_signature s;

	assert_int_equal(secp256k1_ecdsa_signature_parse_der(ctx, &s, sig, len - 1), 1);
	assert_int_equal(secp256k1_ecdsa_signature_serialize_compact(ctx, rs, &s), 1);
	negate_s(rs + 32, rs + 32);
	assert_int_equal(secp256k1_ecdsa_signature_parse_compact(ctx, &s, rs), 1);
	assert_int_equal(secp256k1_ecdsa_signature_serialize_der(ctx, high, &high_len, &s), 1);
	high[high_len++] = CONS_SIGHASH_ALL;
	/* Still strict DER, and mathematically valid: only its S is wrong. */
	assert_true(cons_sig_is_strict_der(high, high_len));
	assert_memory_not_equal(high, sig, len < high_len ? len : high_len);
	set_spend(&f->tx, 0, high, high_len, pub);
	assert_int_equal(cons_verify_input(ctx, &f->tx, 0, f->pkh[0]), CONS_SIG_HIGH_S);
}

static void test_verify_input_rejects_bad_pubkey(void **state)
{
	struct fixture *f = *state;
	uint8_t sig[80], pub[33], pkh[20], other_sig[80];
	size_t len = get_spend(&f->tx, 0, sig, pub);

	/* x = 2^256 - 1 is not below the field prime. The output pays this key's hash. */
	memset(pub + 1, 0xff, 32);
	cons_hash160(pkh, pub, 33);
	set_spend(&f->tx, 0, sig, len, pub);
	assert_int_equal(cons_verify_input(f->ctx, &f->tx, 0, pkh), CONS_SIG_BAD_PUBKEY);
	/* A real key's x with an uncompressed-key prefix. */
	get_spend(&f->tx, 1, other_sig, pub);
	pub[0] = 0x04;
	cons_hash160(pkh, pub, 33);
	set_spend(&f->tx, 0, sig, len, pub);
	assert_int_equal(cons_verify_input(f->ctx, &f->tx, 0, pkh), CONS_SIG_BAD_PUBKEY);
}

static void test_verify_input_rejects_signature_over_other_tx(void **state)
{
	struct fixture *f = *state;
	uint8_t sig[80], pub[33];
	size_t len = get_spend(&f->tx, 0, sig, pub);
	struct cons_tx other;

	/* The same spend moved to a copy paying one unit more. */
	build_tx(&other, f->pkh[1], 4999990001);
	set_spend(&other, 0, sig, len, pub);
	assert_int_equal(cons_verify_input(f->ctx, &other, 0, f->pkh[0]), CONS_SIG_INVALID);
	cons_tx_release(&other);
	/* And to the other input of the same tx: the input index is signed too. */
	set_spend(&f->tx, 1, sig, len, pub);
	assert_int_equal(cons_verify_input(f->ctx, &f->tx, 1, f->pkh[0]), CONS_SIG_INVALID);
	/* Changing a signed field of the original invalidates it. */
	f->tx.locktime = 1;
	assert_int_equal(cons_verify_input(f->ctx, &f->tx, 0, f->pkh[0]), CONS_SIG_INVALID);
}

static void test_sig_result_str_names_every_result(void **state)
{
	for (int i = CONS_SIG_OK; i <= CONS_SIG_NOMEM; i++) {
		const char *s = cons_sig_result_str((enum cons_sig_result)i);
		assert_non_null(s);
		assert_string_not_equal(s, "unknown");
		for (int j = CONS_SIG_OK; j < i; j++)
			assert_string_not_equal(s, cons_sig_result_str((enum cons_sig_result)j));
	}
}

#define FIXTURE_TEST(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sighash_matches_core_vectors),
		cmocka_unit_test(test_sighash_commits_to_index_and_hashtype),
		cmocka_unit_test(test_sig_is_strict_der_accepts_canonical),
		cmocka_unit_test(test_sig_is_strict_der_rejects_noncanonical),
		cmocka_unit_test(test_sig_is_strict_der_ignores_hashtype_byte),
		cmocka_unit_test(test_pubkey_from_seckey_matches_wiki_address),
		cmocka_unit_test(test_seckey_rejects_zero_and_order),
		cmocka_unit_test(test_sign_hash_is_deterministic_low_s_der),
		FIXTURE_TEST(test_sign_input_round_trip_verifies),
		FIXTURE_TEST(test_sign_input_rejects_invalid_key),
		FIXTURE_TEST(test_verify_input_rejects_bad_template),
		FIXTURE_TEST(test_verify_input_rejects_wrong_key),
		FIXTURE_TEST(test_verify_input_rejects_bad_hashtype),
		FIXTURE_TEST(test_verify_input_rejects_non_strict_der),
		FIXTURE_TEST(test_verify_input_rejects_high_s),
		FIXTURE_TEST(test_verify_input_rejects_bad_pubkey),
		FIXTURE_TEST(test_verify_input_rejects_signature_over_other_tx),
		cmocka_unit_test(test_sig_result_str_names_every_result),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
