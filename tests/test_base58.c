/*
 * Tests for consensus/base58 on Bitcoin Core's vectors:
 * src/test/data/base58_encode_decode.json for raw Base58, and mainnet
 * entries of src/test/data/base58_keys_valid.json (address version 0x00,
 * WIF version 0x80) for Base58Check, addresses and WIF.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "consensus/base58.h"
#include "util/hex.h"

#define MAIN_PUBKEY_VERSION 0x00
#define MAIN_SCRIPT_VERSION 0x05
#define MAIN_WIF_VERSION 0x80
#define TEST_PUBKEY_VERSION 0x6f
#define TEST_WIF_VERSION 0xef

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct vector {
	const char *hex;
	const char *b58;
};

/* base58_encode_decode.json, every entry that fits CONS_BASE58_MAX_BYTES. */
static const struct vector base58_vectors[] = {
	{ "", "" },
	{ "61", "2g" },
	{ "626262", "a3gV" },
	{ "636363", "aPEr" },
	{ "73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2" },
	{ "00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L" },
	{ "516b6fcd0f", "ABnLTmg" },
	{ "bf4f89001e670274dd", "3SEo3LWLoPntC" },
	{ "572e4794", "3EFU7m" },
	{ "ecac89cad93923c02321", "EJDM8drfXA6uyA" },
	{ "10c8511e", "Rt5zm" },
	{ "00000000000000000000", "1111111111" },
	{ "00000000000000000000000000000000000000000000000000000000000000000000000000000000",
	  "1111111111111111111111111111111111111111" },
	{ "00000000000000000000000000000000000000000000000000000000000000000000000000000001",
	  "1111111111111111111111111111111111111112" },
	{ "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "ec39d04c37e71e5d591881f6",
	  "111111111111111111111111111111111111111111111111111111111111111111111111111111111111115TYz"
	  "LYH1udmLdzCLM" },
	{ "000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5",
	  "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz" },
	{ "271F359E", "zzzzy" },
	{ "271F359F", "zzzzz" },
	{ "271F35A0", "211111" },
	{ "271F35A1", "211112" },
};

/* base58_keys_valid.json: mainnet P2PKH addresses and their key hashes. */
static const struct vector address_vectors[] = {
	{ "65a16059864a2fdbc7c99a4723a8395bc6f188eb", "1AGNa15ZQXAZUgFiqJ2i7Z2DPU2J6hW62i" },
	{ "6d23156cbbdcc82a5a47eee4c2c7c583c18b6bf4", "1Ax4gZtb7gAit2TivwejZHYtNNLT18PUXJ" },
	{ "7987ccaa53d02c8873487ef919677cd3db7a6912", "1C5bSj1iEGUgSTbziymG7Cn18ENQuT36vv" },
	{ "adc1cc2081a27206fae25792f28bbc55b831549d", "1Gqk4Tv79P91Cc1STQtU3s1W6277M2CVWu" },
	{ "c4c1b72491ede1eedaca00618407ee0b772cad0d", "1JwMWBVLtiqtscbaRHai4pqHokhFCbtoB4" },
	{ "5eadaf9bb7121f0f192561a5a62f5e5f54210292", "19dcawoKcZdQz365WpXWMhX6QCUpR9SY4r" },
	{ "1ed467017f043e91ed4c44b4e8dd674db211c4e6", "13p1ijLwsnrcuyqcTvJXkq2ASdXqcnEBLE" },
};

/* base58_keys_valid.json: mainnet WIF keys with the compression flag. */
static const struct vector wif_compressed_vectors[] = {
	{ "55c9bccb9ed68446d1b75273bbce89d7fe013a8acd1625514420fb2aca1a21c4",
	  "Kz6UJmQACJmLtaQj5A3JAge4kVTNQ8gbvXuwbmCj7bsaabudb3RD" },
	{ "7d998b45c219a1e38e99e7cbd312ef67f77a455a9b50c730c27f02c6f730dfb4",
	  "L1RrrnXkcKut5DEMwtDthjwRcTTwED36thyL1DebVrKuwvohjMNi" },
	{ "8248bd0375f2f75d7e274ae544fb920f51784480866b102384190b1addfbaa5c",
	  "L1axzbSyynNYA8mCAhzxkipKkfHtAXYF4YQnhSKcLV8YXA874fgT" },
	{ "ab2b4bcdfc91d34dee0ae2a8c6b6668dadaeb3a88b9859743156f462325187af",
	  "L2xSYmMeVo3Zek3ZTsv9xUrXVAmrWxJ8Ua4cw8pkfbQhcEFhkXT8" },
	{ "b0bbede33ef254e8376aceb1510253fc3550efd0fcf84dcd0c9998b288f166b3",
	  "L39Fy7AC2Hhj95gh3Yb2AU5YHh1mQSAHgpNixvm27poizcJyLtUi" },
	{ "07f0803fc5399e773555ab1e8939907e9badacc17ca129e67a2f5f2ff84351dd",
	  "KwV9KAfwbwt51veZWNscRTeZs9CKpojyu1MsPnaKTF5kz69H1UN2" },
};

/*
 * Uncompressed mainnet WIF keys: the Bitcoin wiki's "Wallet import format"
 * example (its Base58Check payload ends in checksum 507a5b8d), then two
 * from base58_keys_valid.json.
 */
static const struct vector wif_uncompressed_vectors[] = {
	{ "0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d",
	  "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ" },
	{ "eddbdc1168f1daeadbd3e44c1e3f8f5a284c2029f78ad26af98583a499de5b19",
	  "5Kd3NBUAdUnhyzenEwVLy9pBKxSwXvE9FMPyR4UKZvpe6E3AgLr" },
	{ "a326b95ebae30164217d7a7f57d72ab2b54e3be64928a19da0210b9568d4015e",
	  "5K494XZwps2bGyeL71pWid4noiSNA2cfCibrvRWqcHSptoFn7rc" },
};

static uint8_t *decode_hex(const char *hex, size_t *len)
{
	uint8_t *p = NULL;

	assert_int_equal(util_hex_decode_alloc(&p, len, hex), 0);
	return p;
}

static void test_base58_encode_matches_core_vectors(void **state)
{
	for (size_t i = 0; i < COUNT(base58_vectors); i++) {
		size_t len;
		uint8_t *data = decode_hex(base58_vectors[i].hex, &len);
		char out[256];

		assert_int_equal(cons_base58_encode(out, sizeof(out), data, len), 0);
		assert_string_equal(out, base58_vectors[i].b58);
		free(data);
	}
}

static void test_base58_decode_matches_core_vectors(void **state)
{
	for (size_t i = 0; i < COUNT(base58_vectors); i++) {
		size_t want_len, len = 9999;
		uint8_t *want = decode_hex(base58_vectors[i].hex, &want_len);
		uint8_t out[CONS_BASE58_MAX_BYTES];

		assert_int_equal(cons_base58_decode(out, &len, sizeof(out), base58_vectors[i].b58), 0);
		assert_int_equal(len, want_len);
		assert_memory_equal(out, want, len);
		free(want);
	}
}

static void test_base58_encode_rejects_small_buffer(void **state)
{
	static const uint8_t data[] = { 0x62, 0x62, 0x62 };     /* "a3gV" */
	char out[5];

	assert_int_equal(cons_base58_encode(out, 4, data, 3), -1);
	assert_int_equal(cons_base58_encode(out, 0, data, 3), -1);
	assert_int_equal(cons_base58_encode(out, 5, data, 3), 0);
	assert_string_equal(out, "a3gV");
}

static void test_base58_encode_rejects_over_max(void **state)
{
	/* base58_encode_decode.json's 256-byte 00..ff vector is over the limit. */
	uint8_t data[256];
	char out[400];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	assert_int_equal(cons_base58_encode(out, sizeof(out), data, sizeof(data)), -1);
	assert_int_equal(cons_base58_encode(out, sizeof(out), data, CONS_BASE58_MAX_BYTES + 1), -1);
	assert_int_equal(cons_base58_encode(out, sizeof(out), data, CONS_BASE58_MAX_BYTES), 0);
}

static void test_base58_decode_rejects_invalid_chars(void **state)
{
	static const char *const bad[] = {
		"0", "O", "I", "l", "a3g0", "a3gO", "a3gI", "a3gl", "a3g+", "a3g/", "a3g\xc3\xa9",
	};
	uint8_t out[CONS_BASE58_MAX_BYTES];
	size_t len;

	for (size_t i = 0; i < COUNT(bad); i++)
		assert_int_equal(cons_base58_decode(out, &len, sizeof(out), bad[i]), -1);
}

static void test_base58_decode_rejects_whitespace(void **state)
{
	/* Bitcoin Core skips surrounding spaces; Flint refuses them everywhere. */
	static const char *const bad[] = { " a3gV", "a3gV ", "a3 gV", "\ta3gV", "a3gV\n", " ", "1 1" };
	uint8_t out[CONS_BASE58_MAX_BYTES];
	size_t len;

	for (size_t i = 0; i < COUNT(bad); i++)
		assert_int_equal(cons_base58_decode(out, &len, sizeof(out), bad[i]), -1);
}

static void test_base58_decode_rejects_over_cap(void **state)
{
	uint8_t out[3];
	size_t len;

	assert_int_equal(cons_base58_decode(out, &len, 2, "a3gV"), -1);
	assert_int_equal(cons_base58_decode(out, &len, 2, "111"), -1);
	assert_int_equal(cons_base58_decode(out, &len, 3, "a3gV"), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "bbb", 3);
}

static void test_base58check_decode_rejects_short(void **state)
{
	uint8_t out[CONS_BASE58_MAX_BYTES];
	size_t len;

	/* Fewer than four bytes cannot even hold the checksum. */
	assert_int_equal(cons_base58check_decode(out, &len, sizeof(out), ""), -1);
	assert_int_equal(cons_base58check_decode(out, &len, sizeof(out), "a3gV"), -1);
}

static void test_base58_decode_keeps_wiki_wif_checksum(void **state)
{
	/* The wiki's step 6: version, key and checksum before Base58 encoding. */
	static const char want_hex[] =
		"800c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d507a5b8d";
	uint8_t want[37], out[CONS_BASE58_MAX_BYTES];
	size_t len;

	assert_int_equal(util_hex_decode(want, sizeof(want), want_hex), 0);
	assert_int_equal(cons_base58_decode(out, &len, sizeof(out), wif_uncompressed_vectors[0].b58), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(cons_base58check_decode(out, &len, sizeof(out), wif_uncompressed_vectors[0].b58), 0);
	assert_int_equal(len, 33);
	assert_memory_equal(out, want, 33);
}

static void test_address_encode_matches_core_vectors(void **state)
{
	for (size_t i = 0; i < COUNT(address_vectors); i++) {
		uint8_t pkh[20];
		char out[CONS_ADDRESS_MAX];

		assert_int_equal(util_hex_decode(pkh, 20, address_vectors[i].hex), 0);
		cons_address_encode(out, MAIN_PUBKEY_VERSION, pkh);
		assert_string_equal(out, address_vectors[i].b58);
	}
}

static void test_address_decode_matches_core_vectors(void **state)
{
	for (size_t i = 0; i < COUNT(address_vectors); i++) {
		uint8_t want[20], pkh[20];

		assert_int_equal(util_hex_decode(want, 20, address_vectors[i].hex), 0);
		assert_int_equal(cons_address_decode(pkh, MAIN_PUBKEY_VERSION, address_vectors[i].b58), 0);
		assert_memory_equal(pkh, want, 20);
	}
}

/* Copies s with its character at pos replaced by c. */
static void mutate(char *out, size_t size, const char *s, size_t pos, char c)
{
	assert_true(strlen(s) < size && pos < strlen(s));
	strcpy(out, s);
	assert_int_not_equal(out[pos], c);
	out[pos] = c;
}

static void test_address_decode_rejects_bad_checksum(void **state)
{
	const char *addr = "1AGNa15ZQXAZUgFiqJ2i7Z2DPU2J6hW62i";
	char bad[CONS_ADDRESS_MAX];
	uint8_t pkh[20];

	mutate(bad, sizeof(bad), addr, strlen(addr) - 1, 'j');
	assert_int_equal(cons_address_decode(pkh, MAIN_PUBKEY_VERSION, bad), -1);
	mutate(bad, sizeof(bad), addr, 5, '6');       /* a payload character */
	assert_int_equal(cons_address_decode(pkh, MAIN_PUBKEY_VERSION, bad), -1);
	assert_int_equal(cons_address_decode(pkh, MAIN_PUBKEY_VERSION, addr), 0);
}

static void test_address_decode_rejects_wrong_version(void **state)
{
	uint8_t pkh[20], want[20];

	/* Testnet P2PKH (0x6f) and mainnet P2SH (0x05) from base58_keys_valid.json. */
	assert_int_equal(cons_address_decode(pkh, MAIN_PUBKEY_VERSION, "mo9ncXisMeAoXwqcV5EWuyncbmCcQN4rVs"), -1);
	assert_int_equal(cons_address_decode(pkh, MAIN_PUBKEY_VERSION, "3CMNFxN1oHBc4R1EpboAL5yzHGgE611Xou"), -1);
	/* The same strings decode under their own version. */
	assert_int_equal(cons_address_decode(pkh, TEST_PUBKEY_VERSION, "mo9ncXisMeAoXwqcV5EWuyncbmCcQN4rVs"), 0);
	assert_int_equal(util_hex_decode(want, 20, "53c0307d6851aa0ce7825ba883c6bd9ad242b486"), 0);
	assert_memory_equal(pkh, want, 20);
	assert_int_equal(cons_address_decode(pkh, MAIN_SCRIPT_VERSION, "3CMNFxN1oHBc4R1EpboAL5yzHGgE611Xou"), 0);
	assert_int_equal(util_hex_decode(want, 20, "74f209f6ea907e2ea48f74fae05782ae8a665257"), 0);
	assert_memory_equal(pkh, want, 20);
}

static void test_address_decode_rejects_wrong_length(void **state)
{
	uint8_t payload[22] = { MAIN_PUBKEY_VERSION }, pkh[20];
	char s[64];

	/* Well-formed Base58Check, but 19 and 21 bytes after the version. */
	assert_int_equal(cons_base58check_encode(s, sizeof(s), payload, 20), 0);
	assert_int_equal(cons_address_decode(pkh, MAIN_PUBKEY_VERSION, s), -1);
	assert_int_equal(cons_base58check_encode(s, sizeof(s), payload, 22), 0);
	assert_int_equal(cons_address_decode(pkh, MAIN_PUBKEY_VERSION, s), -1);
	/* A WIF key is Base58Check too, of the wrong length for an address. */
	assert_int_equal(cons_address_decode(pkh, MAIN_WIF_VERSION, wif_compressed_vectors[0].b58), -1);
	/* Control: the 21-byte payload is accepted. */
	assert_int_equal(cons_base58check_encode(s, sizeof(s), payload, 21), 0);
	assert_int_equal(cons_address_decode(pkh, MAIN_PUBKEY_VERSION, s), 0);
}

static void test_address_decode_rejects_invalid_char_and_whitespace(void **state)
{
	const char *addr = "1AGNa15ZQXAZUgFiqJ2i7Z2DPU2J6hW62i";
	char bad[CONS_ADDRESS_MAX + 2];
	uint8_t pkh[20];

	mutate(bad, sizeof(bad), addr, 10, 'l');
	assert_int_equal(cons_address_decode(pkh, MAIN_PUBKEY_VERSION, bad), -1);
	mutate(bad, sizeof(bad), addr, 10, '0');
	assert_int_equal(cons_address_decode(pkh, MAIN_PUBKEY_VERSION, bad), -1);
	strcpy(bad, addr);
	strcat(bad, " ");
	assert_int_equal(cons_address_decode(pkh, MAIN_PUBKEY_VERSION, bad), -1);
	bad[0] = ' ';
	strcpy(bad + 1, addr);
	assert_int_equal(cons_address_decode(pkh, MAIN_PUBKEY_VERSION, bad), -1);
	strcpy(bad, addr);
	strcat(bad, "\n");
	assert_int_equal(cons_address_decode(pkh, MAIN_PUBKEY_VERSION, bad), -1);
}

static void test_wif_encode_matches_core_vectors(void **state)
{
	for (size_t i = 0; i < COUNT(wif_compressed_vectors); i++) {
		uint8_t key[32];
		char out[CONS_WIF_MAX];

		assert_int_equal(util_hex_decode(key, 32, wif_compressed_vectors[i].hex), 0);
		cons_wif_encode(out, MAIN_WIF_VERSION, key);
		assert_string_equal(out, wif_compressed_vectors[i].b58);
	}
}

static void test_wif_decode_compressed(void **state)
{
	for (size_t i = 0; i < COUNT(wif_compressed_vectors); i++) {
		uint8_t want[32], key[32];
		bool compressed = false;

		assert_int_equal(util_hex_decode(want, 32, wif_compressed_vectors[i].hex), 0);
		assert_int_equal(cons_wif_decode(key, &compressed, MAIN_WIF_VERSION, wif_compressed_vectors[i].b58), 0);
		assert_memory_equal(key, want, 32);
		assert_true(compressed);
	}
}

static void test_wif_decode_uncompressed(void **state)
{
	for (size_t i = 0; i < COUNT(wif_uncompressed_vectors); i++) {
		uint8_t want[32], key[32];
		bool compressed = true;

		assert_int_equal(util_hex_decode(want, 32, wif_uncompressed_vectors[i].hex), 0);
		assert_int_equal(cons_wif_decode(key, &compressed, MAIN_WIF_VERSION, wif_uncompressed_vectors[i].b58), 0);
		assert_memory_equal(key, want, 32);
		assert_false(compressed);
	}
}

static void test_wif_decode_rejects_bad_checksum(void **state)
{
	const char *wif = wif_compressed_vectors[0].b58;
	char bad[CONS_WIF_MAX];
	uint8_t key[32];
	bool compressed;

	mutate(bad, sizeof(bad), wif, strlen(wif) - 1, 'E');
	assert_int_equal(cons_wif_decode(key, &compressed, MAIN_WIF_VERSION, bad), -1);
	mutate(bad, sizeof(bad), wif, 20, 'z');
	assert_int_equal(cons_wif_decode(key, &compressed, MAIN_WIF_VERSION, bad), -1);
}

static void test_wif_decode_rejects_wrong_version(void **state)
{
	uint8_t key[32], want[32];
	bool compressed;

	/* A testnet key (0xef) from base58_keys_valid.json. */
	const char *test_wif = "cTpB4YiyKiBcPxnefsDpbnDxFDffjqJob8wGCEDXxgQ7zQoMXJdH";
	assert_int_equal(cons_wif_decode(key, &compressed, MAIN_WIF_VERSION, test_wif), -1);
	assert_int_equal(cons_wif_decode(key, &compressed, TEST_WIF_VERSION, test_wif), 0);
	assert_int_equal(util_hex_decode(want, 32, "b9f4892c9e8282028fea1d2667c4dc5213564d41fc5783896a0d843fc15089f3"), 0);
	assert_memory_equal(key, want, 32);
	assert_true(compressed);
	assert_int_equal(cons_wif_decode(key, &compressed, TEST_WIF_VERSION, wif_compressed_vectors[0].b58), -1);
}

static void test_wif_decode_rejects_wrong_length_or_flag(void **state)
{
	uint8_t payload[36], key[32];
	bool compressed;
	char s[64];

	memset(payload, 0x11, sizeof(payload));
	payload[0] = MAIN_WIF_VERSION;
	/* 31-byte key; 32-byte key with flag 0x02; 32-byte key, flag, extra byte. */
	assert_int_equal(cons_base58check_encode(s, sizeof(s), payload, 32), 0);
	assert_int_equal(cons_wif_decode(key, &compressed, MAIN_WIF_VERSION, s), -1);
	payload[33] = 0x02;
	assert_int_equal(cons_base58check_encode(s, sizeof(s), payload, 34), 0);
	assert_int_equal(cons_wif_decode(key, &compressed, MAIN_WIF_VERSION, s), -1);
	payload[33] = 0x01;
	assert_int_equal(cons_base58check_encode(s, sizeof(s), payload, 35), 0);
	assert_int_equal(cons_wif_decode(key, &compressed, MAIN_WIF_VERSION, s), -1);
	/* An address is Base58Check of the wrong length for a key. */
	assert_int_equal(cons_wif_decode(key, &compressed, MAIN_PUBKEY_VERSION, address_vectors[0].b58), -1);
	/* Control: flag 0x01 at the right length is accepted. */
	assert_int_equal(cons_base58check_encode(s, sizeof(s), payload, 34), 0);
	assert_int_equal(cons_wif_decode(key, &compressed, MAIN_WIF_VERSION, s), 0);
	assert_true(compressed);
}

static void test_wif_decode_rejects_invalid_char_and_whitespace(void **state)
{
	const char *wif = wif_compressed_vectors[0].b58;
	char bad[CONS_WIF_MAX + 2];
	uint8_t key[32];
	bool compressed;

	mutate(bad, sizeof(bad), wif, 7, 'O');
	assert_int_equal(cons_wif_decode(key, &compressed, MAIN_WIF_VERSION, bad), -1);
	strcpy(bad, wif);
	strcat(bad, " ");
	assert_int_equal(cons_wif_decode(key, &compressed, MAIN_WIF_VERSION, bad), -1);
	mutate(bad, sizeof(bad), wif, 25, ' ');
	assert_int_equal(cons_wif_decode(key, &compressed, MAIN_WIF_VERSION, bad), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base58_encode_matches_core_vectors),
		cmocka_unit_test(test_base58_decode_matches_core_vectors),
		cmocka_unit_test(test_base58_encode_rejects_small_buffer),
		cmocka_unit_test(test_base58_encode_rejects_over_max),
		cmocka_unit_test(test_base58_decode_rejects_invalid_chars),
		cmocka_unit_test(test_base58_decode_rejects_whitespace),
		cmocka_unit_test(test_base58_decode_rejects_over_cap),
		cmocka_unit_test(test_base58check_decode_rejects_short),
		cmocka_unit_test(test_base58_decode_keeps_wiki_wif_checksum),
		cmocka_unit_test(test_address_encode_matches_core_vectors),
		cmocka_unit_test(test_address_decode_matches_core_vectors),
		cmocka_unit_test(test_address_decode_rejects_bad_checksum),
		cmocka_unit_test(test_address_decode_rejects_wrong_version),
		cmocka_unit_test(test_address_decode_rejects_wrong_length),
		cmocka_unit_test(test_address_decode_rejects_invalid_char_and_whitespace),
		cmocka_unit_test(test_wif_encode_matches_core_vectors),
		cmocka_unit_test(test_wif_decode_compressed),
		cmocka_unit_test(test_wif_decode_uncompressed),
		cmocka_unit_test(test_wif_decode_rejects_bad_checksum),
		cmocka_unit_test(test_wif_decode_rejects_wrong_version),
		cmocka_unit_test(test_wif_decode_rejects_wrong_length_or_flag),
		cmocka_unit_test(test_wif_decode_rejects_invalid_char_and_whitespace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
