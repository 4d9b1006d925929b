/*
 * SHA-256 compressions with the x86 SHA extensions (SHA-NI), for the two
 * hot fixed-shape hashes: the double SHA-256 of an 80-byte header from its
 * midstate, one or two nonces at a time, the double SHA-256 of 64-byte
 * merkle nodes, two at a time, and of two transactions at once (txids). Internal to consensus/: hash.c calls these
 * only after cons_sha_ni_available() said yes, and keeps OpenSSL as the
 * path for every other CPU and as the reference the tests hold these to.
 * Pure functions, no I/O, no globals. On other architectures the functions
 * exist but must never be called (they abort).
 */
#ifndef FLINT_CONSENSUS_SHA256_SHANI_H
#define FLINT_CONSENSUS_SHA256_SHANI_H

#include <stddef.h>
#include <stdint.h>

/*
 * SHA-256d of header (the 80-byte midstate form: mid is the state after
 * its first 64 bytes, tail its bytes 64..80 whose last 4 are replaced by
 * each nonce, little-endian) for n0 into out0 and n1 into out1.
 */
void cons_shani_header2(uint8_t out0[32], uint8_t out1[32], const uint32_t mid[8],
			const uint8_t tail[16], uint32_t n0, uint32_t n1);
/* The same for one nonce. */
void cons_shani_header1(uint8_t out[32], const uint32_t mid[8], const uint8_t tail[16],
			uint32_t n);
/* out[0..32) = SHA-256d(in[0..64)), out[32..64) = SHA-256d(in[64..128)). */
void cons_shani_d64x2(uint8_t out[64], const uint8_t in[128]);
/* out = SHA-256d(msg, len bytes): for headers, where a call to OpenSSL costs more. */
void cons_shani_sha256d(uint8_t out[32], const uint8_t *msg, size_t len);
/* out0 = SHA-256d(m0, len0 bytes), out1 = SHA-256d(m1, len1 bytes). */
void cons_shani_sha256d_x2(uint8_t out0[32], uint8_t out1[32], const uint8_t *m0,
			   size_t len0, const uint8_t *m1, size_t len1);

#endif
