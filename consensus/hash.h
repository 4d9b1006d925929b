/*
 * The hashes of Bitcoin's formats: SHA-256, SHA-256d (block and tx ids,
 * checksums, merkle nodes), HASH160 (RIPEMD-160 of SHA-256, for addresses),
 * and a midstate header hasher for mining. All computed by OpenSSL, except
 * the shapes that dominate mining and block checks (an 80-byte header, from
 * its midstate or whole; 64-byte merkle nodes; a block's txids, two at a
 * time), which use the CPU's SHA extensions when it has them
 * (sha256_shani.c; chosen at run time, OpenSSL otherwise). Pure functions,
 * no I/O, no globals.
 */
#ifndef FLINT_CONSENSUS_HASH_H
#define FLINT_CONSENSUS_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void cons_sha256(uint8_t out[32], const void *data, size_t len);
void cons_sha256d(uint8_t out[32], const void *data, size_t len);
/* SHA-256d of the 64-byte concatenation left || right: one merkle node. */
void cons_sha256d_pair(uint8_t out[32], const uint8_t left[32], const uint8_t right[32]);
/*
 * n merkle nodes at once: out[32 i..32 i + 32) = SHA-256d(in[64 i..64 i + 64))
 * for i < n. out may be in itself (out == in): node i is written only after
 * nodes up to i are read.
 */
void cons_sha256d_pairs(uint8_t *out, const uint8_t *in, size_t n);
/* SHA-256d of an 80-byte header: a block hash (SHA-NI where the CPU has it). */
void cons_sha256d_header(uint8_t out[32], const uint8_t header[80]);
/* Two SHA-256d at once (txids of a block): out0 of m0 (len0 bytes), out1 of m1. */
void cons_sha256d_x2(uint8_t out0[32], uint8_t out1[32], const void *m0, size_t len0,
		     const void *m1, size_t len1);
void cons_hash160(uint8_t out[20], const void *data, size_t len);

/* Whether this CPU has the SHA extensions (and SSSE3, SSE4.1) the fast paths need. */
bool cons_sha_ni_available(void);

/*
 * Mining hasher: the SHA-256 state after the first 64 bytes of an 80-byte
 * header is computed once, so each nonce costs exactly two compressions
 * (the header's second block, then the 32-byte digest). Invariant: h holds
 * the state after header[0..64); tail holds the padded second block (each
 * hash writes its nonce at bytes 12..16); second holds the padded block of
 * the second hash (each hash writes its first 32 bytes). shani says which
 * routine hashes: init sets it from the CPU; a test or benchmark may clear
 * it to force the OpenSSL path (setting it on a CPU without the extensions
 * crashes). One hasher per thread: hashing writes into it.
 */
struct cons_header_hasher {
	uint32_t h[8];
	uint8_t tail[64];
	uint8_t second[64];
	bool shani;
};

/* Prepares hh for header (80 serialized bytes; its nonce is ignored). */
void cons_header_hasher_init(struct cons_header_hasher *hh, const uint8_t header[80]);
/* Block hash (SHA-256d, internal byte order) of the header with this nonce. */
void cons_header_hasher_hash(struct cons_header_hasher *hh, uint8_t out[32], uint32_t nonce);
/*
 * The same for two nonces: out0 gets nonce0's hash, out1 nonce1's. With the
 * SHA extensions the two are hashed interleaved, which nearly doubles the
 * rate of one core (a lone hash waits on each instruction's latency).
 */
void cons_header_hasher_hash2(struct cons_header_hasher *hh, uint8_t out0[32], uint8_t out1[32],
			      uint32_t nonce0, uint32_t nonce1);

#endif
