/*
 * Hex encoding helpers shared by every layer. Pure functions on caller
 * buffers; no allocation, no I/O.
 */
#ifndef FLINT_UTIL_HEX_H
#define FLINT_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2*len lowercase hex digits and a NUL into out (size >= 2*len+1). */
void util_hex_encode(char *out, const uint8_t *in, size_t len);

/* Like util_hex_encode, but bytes in reverse order: how hashes are shown. */
void util_hex_encode_rev(char *out, const uint8_t *in, size_t len);

/*
 * Decodes exactly out_len bytes from the hex string hex (which must be
 * exactly 2*out_len digits, either case). Returns 0, or -1 on a wrong length
 * or a non-hex digit, in which case out is unspecified.
 */
int util_hex_decode(uint8_t *out, size_t out_len, const char *hex)
	__attribute__((warn_unused_result));

/* Like util_hex_decode, for a byte-reversed display hash. */
int util_hex_decode_rev(uint8_t *out, size_t out_len, const char *hex)
	__attribute__((warn_unused_result));

/*
 * Decodes a hex string of any even length into a new malloc'd buffer, which
 * the caller frees. Returns 0 with *out, *out_len set, or -1 on bad input or
 * out of memory.
 */
int util_hex_decode_alloc(uint8_t **out, size_t *out_len, const char *hex)
	__attribute__((warn_unused_result));

#endif
