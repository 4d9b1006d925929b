/*
 * Tests for consensus/hash on outside vectors: SHA-256 from NIST FIPS 180-2
 * ("abc", "", the 448-bit message, one million 'a'), SHA-256d and HASH160
 * from Bitcoin (the wiki's address walk-through pubkey, "hello"), and the
 * midstate header hasher against cons_sha256d on Bitcoin's genesis header
 * and two real mainnet headers (Bitcoin Core's bloom_tests.cpp blocks).
 * The SHA-NI routines (one and two nonces at a time, merkle node pairs) are
 * held to OpenSSL's plain SHA-256d on random headers and every nonce byte
 * boundary, on both paths; on a CPU without the extensions the SHA-NI
 * cases are skipped and say so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "consensus/hash.h"
#include "consensus/serialize.h"
#include "util/hex.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void assert_hex(const uint8_t *got, size_t len, const char *want)
{
	char hex[2 * 64 + 1];

	assert_true(len <= 64);
	util_hex_encode(hex, got, len);
	assert_string_equal(hex, want);
}

/* Hashes are displayed byte-reversed, as Bitcoin shows them. */
static void assert_hex_rev(const uint8_t *got, size_t len, const char *want)
{
	char hex[2 * 64 + 1];

	assert_true(len <= 64);
	util_hex_encode_rev(hex, got, len);
	assert_string_equal(hex, want);
}

static void test_sha256_nist_vectors(void **state)
{
	static const struct { const char *msg; const char *digest; } v[] = {
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "hello", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" },
	};
	uint8_t out[32];

	for (size_t i = 0; i < COUNT(v); i++) {
		cons_sha256(out, v[i].msg, strlen(v[i].msg));
		assert_hex(out, 32, v[i].digest);
	}
}

static void test_sha256_million_a(void **state)
{
	size_t n = 1000000;
	uint8_t *buf = malloc(n), out[32];

	assert_non_null(buf);
	memset(buf, 'a', n);
	cons_sha256(out, buf, n);
	assert_hex(out, 32, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(buf);
}

static void test_sha256d_vectors(void **state)
{
	uint8_t out[32];

	cons_sha256d(out, "hello", 5);
	assert_hex(out, 32, "9595c9df90075148eb06860365df33584b75bff782a510c6cd4883a419833d50");
	cons_sha256d(out, "", 0);
	assert_hex(out, 32, "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456");
}

/* SHA-256d is SHA-256 applied twice, at every length around the block size. */
static void test_sha256d_is_sha256_twice(void **state)
{
	uint8_t buf[200], once[32], twice[32], d[32];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 31 + 7);
	for (size_t len = 0; len <= sizeof(buf); len++) {
		cons_sha256(once, buf, len);
		cons_sha256(twice, once, 32);
		cons_sha256d(d, buf, len);
		assert_memory_equal(d, twice, 32);
	}
}

static void test_sha256d_pair_is_concatenation(void **state)
{
	uint8_t left[32], right[32], cat[64], a[32], b[32];

	for (int i = 0; i < 32; i++) {
		left[i] = (uint8_t)i;
		right[i] = (uint8_t)(0xff - i);
	}
	memcpy(cat, left, 32);
	memcpy(cat + 32, right, 32);
	cons_sha256d(a, cat, 64);
	cons_sha256d_pair(b, left, right);
	assert_memory_equal(a, b, 32);
	/* Order matters. */
	cons_sha256d_pair(b, right, left);
	assert_memory_not_equal(a, b, 32);
}

static void test_hash160_vectors(void **state)
{
	static const struct { const char *hex; const char *h160; } v[] = {
		/* Bitcoin wiki, "Technical background of version 1 Bitcoin addresses". */
		{ "0250863ad64a87ae8a2fe83c1af1a8403cb53f53e486d8511dad8a04887e5b2352",
		  "f54a5851e9372b87810a8e60cdd2e7cfd80b6e31" },
		{ "0450863ad64a87ae8a2fe83c1af1a8403cb53f53e486d8511dad8a04887e5b2352"
		  "2cd470243453a299fa9e77237716103abc11a1df38855ed6f2ee187e9c582ba6",
		  "010966776006953d5567439e5e39f86a0d273bee" },
		/* "hello" */
		{ "68656c6c6f", "b6a9c8c230722b7c748331a8b450f05566dc7d0f" },
	};
	uint8_t out[20];

	for (size_t i = 0; i < COUNT(v); i++) {
		uint8_t *in;
		size_t len;

		assert_int_equal(util_hex_decode_alloc(&in, &len, v[i].hex), 0);
		cons_hash160(out, in, len);
		assert_hex(out, 20, v[i].h160);
		free(in);
	}
}

/* The intermediate SHA-256 of the uncompressed pubkey from the same walk-through. */
static void test_hash160_first_step_is_sha256(void **state)
{
	uint8_t pub[65], sha[32];

	assert_int_equal(util_hex_decode(pub, sizeof(pub),
		"0450863ad64a87ae8a2fe83c1af1a8403cb53f53e486d8511dad8a04887e5b2352"
		"2cd470243453a299fa9e77237716103abc11a1df38855ed6f2ee187e9c582ba6"), 0);
	cons_sha256(sha, pub, sizeof(pub));
	assert_hex(sha, 32, "600ffe422b4e00731a59557a5cca46cc183944191006324a447bdb2d98d4b408");
}

/* Bitcoin's genesis header, serialized. */
static void genesis_header(uint8_t hdr[80])
{
	memset(hdr, 0, 80);
	cons_put_le32(hdr, 1);
	assert_int_equal(util_hex_decode_rev(hdr + 36, 32,
		"4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"), 0);
	cons_put_le32(hdr + 68, 1231006505);
	cons_put_le32(hdr + 72, 0x1d00ffff);
	cons_put_le32(hdr + 76, 2083236893);
}

static const char genesis_hash[] =
	"000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";

static void test_sha256d_genesis_header(void **state)
{
	uint8_t hdr[80], out[32];

	genesis_header(hdr);
	cons_sha256d(out, hdr, sizeof(hdr));
	assert_hex_rev(out, 32, genesis_hash);
}

static void test_header_hasher_genesis(void **state)
{
	struct cons_header_hasher hh;
	uint8_t hdr[80], out[32];

	genesis_header(hdr);
	cons_header_hasher_init(&hh, hdr);
	cons_header_hasher_hash(&hh, out, 2083236893);
	assert_hex_rev(out, 32, genesis_hash);

	/* The nonce inside the header passed to init is ignored. */
	cons_put_le32(hdr + 76, 0xdeadbeef);
	cons_header_hasher_init(&hh, hdr);
	cons_header_hasher_hash(&hh, out, 2083236893);
	assert_hex_rev(out, 32, genesis_hash);

	/* A different nonce gives a different hash. */
	cons_header_hasher_hash(&hh, out, 2083236894);
	{
		char hex[65];
		util_hex_encode_rev(hex, out, 32);
		assert_string_not_equal(hex, genesis_hash);
	}
}

/* Two real mainnet headers with their block hashes (from bloom_tests.cpp). */
static void test_header_hasher_real_headers(void **state)
{
	static const struct { const char *hdr; const char *hash; } v[] = {
		{ "0100000075616236cc2126035fadb38deb65b9102cc2c41c09cdf29fc051906800000000"
		  "fe7d5e12ef0ff901f6050211249919b1c0653771832b3a80c66cea42847f0ae1d4d26e49ffff001d00f0a441",
		  "000000005a4ded781e667e06ceefafb71410b511fe0d5adc3e5a27ecbec34ae6" },
		{ "0100000082bb869cf3a793432a66e826e05a6fc37469f8efb7421dc880670100000000"
		  "007f16c5962e8bd963659c793ce370d95f093bc7e367117b3c30c1f8fdd0d9728776381b4d4c86041b554b8529",
		  "000000000000b731f2eef9e8c63173adfb07e41bd53eb0ef0a6b720d6cb6dea4" },
	};

	for (size_t i = 0; i < COUNT(v); i++) {
		struct cons_header_hasher hh;
		uint8_t hdr[80], out[32];

		assert_int_equal(util_hex_decode(hdr, sizeof(hdr), v[i].hdr), 0);
		cons_sha256d(out, hdr, sizeof(hdr));
		assert_hex_rev(out, 32, v[i].hash);
		cons_header_hasher_init(&hh, hdr);
		cons_header_hasher_hash(&hh, out, cons_le32(hdr + 76));
		assert_hex_rev(out, 32, v[i].hash);
	}
}

/* The midstate path equals the plain SHA-256d of the full header for any nonce. */
static void test_header_hasher_matches_sha256d_for_many_nonces(void **state)
{
	static const uint32_t edge[] = { 0, 1, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff,
					 0x80000000u, 0xfffffffeu, 0xffffffffu };
	struct cons_header_hasher hh;
	uint8_t hdr[80], fast[32], slow[32];
	uint32_t x = 12345;

	for (int h = 0; h < 3; h++) {
		if (h == 0) {
			genesis_header(hdr);
		} else {
			for (int i = 0; i < 80; i++)
				hdr[i] = (uint8_t)(h * 101 + i * 13);
		}
		cons_header_hasher_init(&hh, hdr);
		for (size_t i = 0; i < COUNT(edge) + 1000; i++) {
			uint32_t nonce;
			if (i < COUNT(edge)) {
				nonce = edge[i];
			} else {
				x = x * 1103515245u + 12345u;
				nonce = x;
			}
			cons_put_le32(hdr + 76, nonce);
			cons_sha256d(slow, hdr, sizeof(hdr));
			cons_header_hasher_hash(&hh, fast, nonce);
			assert_memory_equal(fast, slow, 32);
		}
	}
}

/* A small deterministic generator: the same "random" inputs every run. */
static uint32_t next_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Nonces at every byte boundary (0xff..ff and the next), the ends, and random ones. */
static uint32_t test_nonce(size_t i, uint32_t *x)
{
	static const uint32_t edge[] = { 0, 1, 0xfe, 0xff, 0x100, 0x101, 0xffff, 0x10000,
					 0xffffff, 0x1000000, 0x7fffffff, 0x80000000u,
					 0xfffffffeu, 0xffffffffu };

	return i < COUNT(edge) ? edge[i] : next_rand(x);
}

/* Both paths, one nonce and two at a time, equal SHA-256d of the full header. */
static void check_paths_on_random_headers(bool shani)
{
	uint32_t x = 0x9e3779b9u;

	for (int h = 0; h < 64; h++) {
		struct cons_header_hasher hh;
		uint8_t hdr[80], one[32], two[2][32], want[2][32];

		for (int i = 0; i < 80; i++)
			hdr[i] = (uint8_t)next_rand(&x);
		cons_header_hasher_init(&hh, hdr);
		hh.shani = shani;
		for (size_t i = 0; i < 200; i++) {
			uint32_t n0 = test_nonce(i, &x), n1 = test_nonce((i + 7) % 200, &x);

			cons_put_le32(hdr + 76, n0);
			cons_sha256d(want[0], hdr, sizeof(hdr));
			cons_put_le32(hdr + 76, n1);
			cons_sha256d(want[1], hdr, sizeof(hdr));
			cons_header_hasher_hash(&hh, one, n0);
			assert_memory_equal(one, want[0], 32);
			cons_header_hasher_hash2(&hh, two[0], two[1], n0, n1);
			assert_memory_equal(two[0], want[0], 32);
			assert_memory_equal(two[1], want[1], 32);
		}
	}
}

static void test_header_hasher_openssl_path_random_headers(void **state)
{
	check_paths_on_random_headers(false);
}

static void test_header_hasher_shani_path_random_headers(void **state)
{
	if (!cons_sha_ni_available()) {
		print_message("skipped: this CPU has no SHA extensions\n");
		skip();
	}
	check_paths_on_random_headers(true);
}

/* init picks SHA-NI exactly when the CPU has it; the genesis hash comes out either way. */
static void test_header_hasher_picks_path_from_cpu(void **state)
{
	struct cons_header_hasher hh;
	uint8_t hdr[80], a[32], b[32];

	genesis_header(hdr);
	cons_header_hasher_init(&hh, hdr);
	assert_int_equal(hh.shani, cons_sha_ni_available());
	cons_header_hasher_hash2(&hh, a, b, 2083236893, 2083236893);
	assert_hex_rev(a, 32, genesis_hash);
	assert_hex_rev(b, 32, genesis_hash);
}

/* Merkle node batches equal SHA-256d of each 64 bytes, odd counts and in place too. */
static void test_sha256d_pairs_matches_sha256d(void **state)
{
	uint8_t in[64 * 9], out[32 * 9], want[32];
	uint32_t x = 7;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)next_rand(&x);
	for (size_t n = 0; n <= 9; n++) {
		cons_sha256d_pairs(out, in, n);
		for (size_t i = 0; i < n; i++) {
			cons_sha256d(want, in + 64 * i, 64);
			assert_memory_equal(out + 32 * i, want, 32);
		}
	}
	cons_sha256d(want, in + 64 * 8, 64);
	cons_sha256d_pairs(in, in, 9);
	assert_memory_equal(in + 32 * 8, want, 32);
}

/*
 * Headers one at a time, and two messages at once with every pair of
 * lengths across the padding edges, equal OpenSSL's SHA-256d.
 */
static void test_sha256d_x2_matches_sha256d(void **state)
{
	uint8_t buf[300], a[32], b[32], want[32];
	uint32_t x = 99;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)next_rand(&x);
	for (size_t i = 0; i + 80 <= sizeof(buf); i += 11) {
		cons_sha256d_header(a, buf + i);
		cons_sha256d(want, buf + i, 80);
		assert_memory_equal(a, want, 32);
	}
	for (size_t l0 = 0; l0 <= 200; l0++) {
		for (size_t l1 = 0; l1 <= 140; l1 += 1 + l0 % 7) {
			cons_sha256d_x2(a, b, buf, l0, buf + 17, l1);
			cons_sha256d(want, buf, l0);
			assert_memory_equal(a, want, 32);
			cons_sha256d(want, buf + 17, l1);
			assert_memory_equal(b, want, 32);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_nist_vectors),
		cmocka_unit_test(test_sha256_million_a),
		cmocka_unit_test(test_sha256d_vectors),
		cmocka_unit_test(test_sha256d_is_sha256_twice),
		cmocka_unit_test(test_sha256d_pair_is_concatenation),
		cmocka_unit_test(test_hash160_vectors),
		cmocka_unit_test(test_hash160_first_step_is_sha256),
		cmocka_unit_test(test_sha256d_genesis_header),
		cmocka_unit_test(test_header_hasher_genesis),
		cmocka_unit_test(test_header_hasher_real_headers),
		cmocka_unit_test(test_header_hasher_matches_sha256d_for_many_nonces),
		cmocka_unit_test(test_header_hasher_openssl_path_random_headers),
		cmocka_unit_test(test_header_hasher_shani_path_random_headers),
		cmocka_unit_test(test_header_hasher_picks_path_from_cpu),
		cmocka_unit_test(test_sha256d_pairs_matches_sha256d),
		cmocka_unit_test(test_sha256d_x2_matches_sha256d),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
