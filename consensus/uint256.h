/*
 * Unsigned 256-bit integers for proof-of-work targets and chain work, and
 * Bitcoin's compact "nBits" encoding with its sign and overflow rules.
 * Hashes compare as numbers through cons_u256_from_hash() (a hash's bytes
 * are little-endian). Pure arithmetic, no I/O.
 */
#ifndef FLINT_CONSENSUS_UINT256_H
#define FLINT_CONSENSUS_UINT256_H

#include <stdbool.h>
#include <stdint.h>

/* w[0] is the least significant 32-bit word. */
struct cons_u256 {
	uint32_t w[8];
};

void cons_u256_set_u64(struct cons_u256 *out, uint64_t v);
void cons_u256_from_hash(struct cons_u256 *out, const uint8_t hash[32]);
void cons_u256_to_hash(uint8_t hash[32], const struct cons_u256 *a);
/* 64 hex digits, most significant first, NUL-terminated (out >= 65 bytes). */
void cons_u256_to_hex(char out[65], const struct cons_u256 *a);

bool cons_u256_is_zero(const struct cons_u256 *a);
/* Returns <0, 0, >0 as a <, ==, > b. */
int cons_u256_cmp(const struct cons_u256 *a, const struct cons_u256 *b);
/* Number of significant bits (0 for zero). */
unsigned cons_u256_bits(const struct cons_u256 *a);

/* out = a + b modulo 2^256; returns true if it wrapped. out may alias. */
bool cons_u256_add(struct cons_u256 *out, const struct cons_u256 *a, const struct cons_u256 *b);
/* out = a - b modulo 2^256; returns true if it borrowed (a < b). */
bool cons_u256_sub(struct cons_u256 *out, const struct cons_u256 *a, const struct cons_u256 *b);
void cons_u256_shl(struct cons_u256 *out, const struct cons_u256 *a, unsigned n);
void cons_u256_shr(struct cons_u256 *out, const struct cons_u256 *a, unsigned n);
void cons_u256_not(struct cons_u256 *out, const struct cons_u256 *a);
/* out = a / b; b must not be zero. out may alias a or b. */
void cons_u256_div(struct cons_u256 *out, const struct cons_u256 *a, const struct cons_u256 *b);
/*
 * out = a * m / d computed exactly through a 288-bit product. d must not be
 * zero. Returns true (and out saturated to 2^256-1) if the quotient does not
 * fit in 256 bits.
 */
bool cons_u256_muldiv(struct cons_u256 *out, const struct cons_u256 *a, uint32_t m, uint32_t d);
/* a as a double (for display: difficulty, log2 work). */
double cons_u256_to_double(const struct cons_u256 *a);

/*
 * Decodes compact bits as Bitcoin's arith_uint256::SetCompact does. *negative
 * is set when the sign bit is set on a non-zero mantissa; *overflow when the
 * value does not fit in 256 bits. Either pointer may be NULL.
 */
void cons_u256_set_compact(struct cons_u256 *out, uint32_t bits, bool *negative, bool *overflow);
/* Encodes a as compact bits (GetCompact), with the sign bit if negative. */
uint32_t cons_u256_get_compact(const struct cons_u256 *a, bool negative);

#endif
