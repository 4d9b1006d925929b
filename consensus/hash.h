/*
 * The hashes of Bitcoin's formats: SHA-256, SHA-256d (block and tx ids,
 * checksums, merkle nodes), HASH160 (RIPEMD-160 of SHA-256, for addresses),
 * and a midstate header hasher for mining. All computed by OpenSSL. Pure
 * functions, no I/O, no globals.
 */
#ifndef FLINT_CONSENSUS_HASH_H
#define FLINT_CONSENSUS_HASH_H

#include <stddef.h>
#include <stdint.h>

void cons_sha256(uint8_t out[32], const void *data, size_t len);
void cons_sha256d(uint8_t out[32], const void *data, size_t len);
/* SHA-256d of the 64-byte concatenation left || right: one merkle node. */
void cons_sha256d_pair(uint8_t out[32], const uint8_t left[32], const uint8_t right[32]);
void cons_hash160(uint8_t out[20], const void *data, size_t len);

/*
 * Mining hasher: the SHA-256 state after the first 64 bytes of an 80-byte
 * header is computed once, so each nonce costs exactly two compressions
 * (the header's second block, then the 32-byte digest). Invariant: h holds
 * the state after header[0..64); tail holds the padded second block (each
 * hash writes its nonce at bytes 12..16); second holds the padded block of
 * the second hash (each hash writes its first 32 bytes). One hasher per
 * thread: hashing writes into it.
 */
struct cons_header_hasher {
	uint32_t h[8];
	uint8_t tail[64];
	uint8_t second[64];
};

/* Prepares hh for header (80 serialized bytes; its nonce is ignored). */
void cons_header_hasher_init(struct cons_header_hasher *hh, const uint8_t header[80]);
/* Block hash (SHA-256d, internal byte order) of the header with this nonce. */
void cons_header_hasher_hash(struct cons_header_hasher *hh, uint8_t out[32], uint32_t nonce);

#endif
