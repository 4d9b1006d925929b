/*
 * Base58, Base58Check (version byte + payload + 4-byte SHA-256d checksum),
 * and on top of them P2PKH addresses and WIF private keys, with the version
 * byte supplied by the caller (from the chain's params). No I/O.
 */
#ifndef FLINT_CONSENSUS_BASE58_H
#define FLINT_CONSENSUS_BASE58_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for an address or a WIF key, with the NUL. */
#define CONS_ADDRESS_MAX 40
#define CONS_WIF_MAX 56
/* Longest payload the Base58 functions accept. */
#define CONS_BASE58_MAX_BYTES 128

/*
 * Encodes len (<= CONS_BASE58_MAX_BYTES) bytes into out (out_size bytes,
 * NUL-terminated). Returns 0, or -1 if out is too small or len too long.
 */
int cons_base58_encode(char *out, size_t out_size, const uint8_t *data, size_t len)
	__attribute__((warn_unused_result));
/*
 * Decodes str into out (cap bytes), setting *len. Returns 0, or -1 on a
 * character outside the alphabet (whitespace included) or a result longer
 * than cap.
 */
int cons_base58_decode(uint8_t *out, size_t *len, size_t cap, const char *str)
	__attribute__((warn_unused_result));

int cons_base58check_encode(char *out, size_t out_size, const uint8_t *data, size_t len)
	__attribute__((warn_unused_result));
/* As cons_base58_decode, then checks and strips the checksum (-1 if wrong). */
int cons_base58check_decode(uint8_t *out, size_t *len, size_t cap, const char *str)
	__attribute__((warn_unused_result));

/* P2PKH address of pkh with version byte. out holds CONS_ADDRESS_MAX bytes. */
void cons_address_encode(char out[CONS_ADDRESS_MAX], uint8_t version, const uint8_t pkh[20]);
/*
 * Decodes an address; returns 0, or -1 if it is not Base58Check, has a
 * wrong checksum or length, or a version byte other than version.
 */
int cons_address_decode(uint8_t pkh[20], uint8_t version, const char *addr)
	__attribute__((warn_unused_result));

/* WIF of a compressed-pubkey secret key. out holds CONS_WIF_MAX bytes. */
void cons_wif_encode(char out[CONS_WIF_MAX], uint8_t version, const uint8_t seckey[32]);
/*
 * Decodes a WIF key with this version byte; *compressed tells whether it
 * carried the 0x01 compression flag. 0, or -1 on any malformation.
 */
int cons_wif_decode(uint8_t seckey[32], bool *compressed, uint8_t version, const char *wif)
	__attribute__((warn_unused_result));

#endif
