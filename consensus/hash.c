/*
 * Hashes through OpenSSL's low-level SHA-256/RIPEMD-160 interface. The EVP
 * interface costs a provider lookup per call, which is more than hashing a
 * 64-byte merkle node, and caching the fetched digest would need global
 * state that consensus/ must not have. The low-level calls are deprecated
 * in OpenSSL 3 but kept for exactly this use; only this file uses them.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "consensus/hash.h"
#include "consensus/serialize.h"
#include "consensus/sha256_shani.h"

#include <string.h>
#if defined(__clang__) && (defined(__x86_64__) || defined(__i386__))
#include <cpuid.h>
#endif
#include <openssl/ripemd.h>
#include <openssl/sha.h>

void cons_sha256(uint8_t out[32], const void *data, size_t len)
{
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, data, len);
	SHA256_Final(out, &c);
}

void cons_sha256d(uint8_t out[32], const void *data, size_t len)
{
	uint8_t tmp[32];

	cons_sha256(tmp, data, len);
	cons_sha256(out, tmp, 32);
}

void cons_sha256d_pair(uint8_t out[32], const uint8_t left[32], const uint8_t right[32])
{
	uint8_t buf[64];

	memcpy(buf, left, 32);
	memcpy(buf + 32, right, 32);
	cons_sha256d(out, buf, 64);
}

void cons_sha256d_pairs(uint8_t *out, const uint8_t *in, size_t n)
{
	size_t i = 0;

	if (cons_sha_ni_available()) {
		for (; i + 2 <= n; i += 2)
			cons_shani_d64x2(out + 32 * i, in + 64 * i);
	}
	for (; i < n; i++) {
		uint8_t tmp[32];

		cons_sha256d(tmp, in + 64 * i, 64);
		memcpy(out + 32 * i, tmp, 32);
	}
}

void cons_sha256d_header(uint8_t out[32], const uint8_t header[80])
{
	if (cons_sha_ni_available())
		cons_shani_sha256d(out, header, 80);
	else
		cons_sha256d(out, header, 80);
}

void cons_sha256d_x2(uint8_t out0[32], uint8_t out1[32], const void *m0, size_t len0,
		     const void *m1, size_t len1)
{
	if (cons_sha_ni_available()) {
		cons_shani_sha256d_x2(out0, out1, m0, len0, m1, len1);
	} else {
		cons_sha256d(out0, m0, len0);
		cons_sha256d(out1, m1, len1);
	}
}

bool cons_sha_ni_available(void)
{
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__clang__)
	/* libgcc's copy of CPUID, filled in before main: no CPUID per call. */
	return __builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1") &&
	       __builtin_cpu_supports("ssse3");
#elif defined(__x86_64__) || defined(__i386__)
	/* clang (the fuzz build) has no "sha" for that builtin: ask CPUID itself. */
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return false;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
#else
	return false;
#endif
}

void cons_hash160(uint8_t out[20], const void *data, size_t len)
{
	uint8_t tmp[32];
	RIPEMD160_CTX c;

	cons_sha256(tmp, data, len);
	RIPEMD160_Init(&c);
	RIPEMD160_Update(&c, tmp, 32);
	RIPEMD160_Final(out, &c);
}

static const uint32_t sha256_iv[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* Pads a message of total length bits into the last block at offset used. */
static void pad_block(uint8_t block[64], size_t used, uint64_t bits)
{
	memset(block + used, 0, 64 - used);
	block[used] = 0x80;
	for (int i = 0; i < 8; i++)
		block[63 - i] = (uint8_t)(bits >> (8 * i));
}

void cons_header_hasher_init(struct cons_header_hasher *hh, const uint8_t header[80])
{
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Transform(&c, header);
	memcpy(hh->h, c.h, sizeof(hh->h));
	memcpy(hh->tail, header + 64, 16);
	pad_block(hh->tail, 16, 80 * 8);
	pad_block(hh->second, 32, 32 * 8);
	hh->shani = cons_sha_ni_available();
}

/* Big-endian state words to bytes: one byte swap per word. */
static void state_to_bytes(uint8_t *out, const uint32_t h[8])
{
	for (int i = 0; i < 8; i++) {
		uint32_t be = __builtin_bswap32(h[i]);
		memcpy(out + 4 * i, &be, 4);
	}
}

/* The OpenSSL path: two SHA256_Transform calls. */
static void hash_openssl(struct cons_header_hasher *hh, uint8_t out[32], uint32_t nonce)
{
	SHA256_CTX c;

	/* First compression: the header's tail with this nonce (little-endian). */
	cons_put_le32(hh->tail + 12, nonce);
	memcpy(c.h, hh->h, sizeof(c.h));
	SHA256_Transform(&c, hh->tail);

	/* Second: the 32-byte digest; its padding is already in place. */
	state_to_bytes(hh->second, c.h);
	memcpy(c.h, sha256_iv, sizeof(c.h));
	SHA256_Transform(&c, hh->second);
	state_to_bytes(out, c.h);
}

void cons_header_hasher_hash(struct cons_header_hasher *hh, uint8_t out[32], uint32_t nonce)
{
	if (hh->shani)
		cons_shani_header1(out, hh->h, hh->tail, nonce);
	else
		hash_openssl(hh, out, nonce);
}

void cons_header_hasher_hash2(struct cons_header_hasher *hh, uint8_t out0[32], uint8_t out1[32],
			      uint32_t nonce0, uint32_t nonce1)
{
	if (hh->shani) {
		cons_shani_header2(out0, out1, hh->h, hh->tail, nonce0, nonce1);
	} else {
		hash_openssl(hh, out0, nonce0);
		hash_openssl(hh, out1, nonce1);
	}
}
