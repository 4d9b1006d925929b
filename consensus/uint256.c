/* 256-bit arithmetic and compact bits; see uint256.h. */
#include "consensus/uint256.h"

#include <string.h>

#include "util/hex.h"

void cons_u256_set_u64(struct cons_u256 *out, uint64_t v)
{
	memset(out, 0, sizeof(*out));
	out->w[0] = (uint32_t)v;
	out->w[1] = (uint32_t)(v >> 32);
}

void cons_u256_from_hash(struct cons_u256 *out, const uint8_t hash[32])
{
	for (int i = 0; i < 8; i++)
		out->w[i] = (uint32_t)hash[4 * i] | (uint32_t)hash[4 * i + 1] << 8 |
			    (uint32_t)hash[4 * i + 2] << 16 | (uint32_t)hash[4 * i + 3] << 24;
}

void cons_u256_to_hash(uint8_t hash[32], const struct cons_u256 *a)
{
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 4; j++)
			hash[4 * i + j] = (uint8_t)(a->w[i] >> (8 * j));
}

void cons_u256_to_hex(char out[65], const struct cons_u256 *a)
{
	uint8_t b[32];

	cons_u256_to_hash(b, a);
	util_hex_encode_rev(out, b, 32);
}

bool cons_u256_is_zero(const struct cons_u256 *a)
{
	for (int i = 0; i < 8; i++)
		if (a->w[i])
			return false;
	return true;
}

int cons_u256_cmp(const struct cons_u256 *a, const struct cons_u256 *b)
{
	for (int i = 7; i >= 0; i--) {
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	}
	return 0;
}

unsigned cons_u256_bits(const struct cons_u256 *a)
{
	for (int i = 7; i >= 0; i--) {
		if (a->w[i])
			return 32 * (unsigned)i + 32 - (unsigned)__builtin_clz(a->w[i]);
	}
	return 0;
}

bool cons_u256_add(struct cons_u256 *out, const struct cons_u256 *a, const struct cons_u256 *b)
{
	uint64_t carry = 0;

	for (int i = 0; i < 8; i++) {
		carry += (uint64_t)a->w[i] + b->w[i];
		out->w[i] = (uint32_t)carry;
		carry >>= 32;
	}
	return carry != 0;
}

bool cons_u256_sub(struct cons_u256 *out, const struct cons_u256 *a, const struct cons_u256 *b)
{
	uint64_t borrow = 0;

	for (int i = 0; i < 8; i++) {
		uint64_t d = (uint64_t)a->w[i] - b->w[i] - borrow;
		out->w[i] = (uint32_t)d;
		borrow = (d >> 32) & 1;
	}
	return borrow != 0;
}

void cons_u256_shl(struct cons_u256 *out, const struct cons_u256 *a, unsigned n)
{
	struct cons_u256 r = {{0}};
	unsigned words = n / 32, bits = n % 32;

	for (int i = 7; i >= 0 && n < 256; i--) {
		int src = i - (int)words;
		if (src < 0)
			break;
		r.w[i] = a->w[src] << bits;
		if (bits && src > 0)
			r.w[i] |= a->w[src - 1] >> (32 - bits);
	}
	*out = r;
}

void cons_u256_shr(struct cons_u256 *out, const struct cons_u256 *a, unsigned n)
{
	struct cons_u256 r = {{0}};
	unsigned words = n / 32, bits = n % 32;

	for (unsigned i = 0; i < 8 && n < 256; i++) {
		unsigned src = i + words;
		if (src > 7)
			break;
		r.w[i] = a->w[src] >> bits;
		if (bits && src < 7)
			r.w[i] |= a->w[src + 1] << (32 - bits);
	}
	*out = r;
}

void cons_u256_not(struct cons_u256 *out, const struct cons_u256 *a)
{
	for (int i = 0; i < 8; i++)
		out->w[i] = ~a->w[i];
}

void cons_u256_div(struct cons_u256 *out, const struct cons_u256 *a, const struct cons_u256 *b)
{
	struct cons_u256 num = *a, div = *b, q = {{0}};
	unsigned nb = cons_u256_bits(&num), db = cons_u256_bits(&div);
	int shift;

	if (db == 0 || db > nb) {
		*out = q;
		return;
	}
	shift = (int)(nb - db);
	cons_u256_shl(&div, &div, (unsigned)shift);
	for (; shift >= 0; shift--) {
		if (cons_u256_cmp(&num, &div) >= 0) {
			cons_u256_sub(&num, &num, &div);
			q.w[shift / 32] |= 1u << (shift % 32);
		}
		cons_u256_shr(&div, &div, 1);
	}
	*out = q;
}

bool cons_u256_muldiv(struct cons_u256 *out, const struct cons_u256 *a, uint32_t m, uint32_t d)
{
	uint32_t prod[9];
	uint64_t carry = 0, rem = 0;

	for (int i = 0; i < 8; i++) {
		carry += (uint64_t)a->w[i] * m;
		prod[i] = (uint32_t)carry;
		carry >>= 32;
	}
	prod[8] = (uint32_t)carry;
	for (int i = 8; i >= 0; i--) {
		uint64_t cur = rem << 32 | prod[i];
		prod[i] = (uint32_t)(cur / d);
		rem = cur % d;
	}
	if (prod[8]) {
		memset(out->w, 0xff, sizeof(out->w));
		return true;
	}
	memcpy(out->w, prod, sizeof(out->w));
	return false;
}

double cons_u256_to_double(const struct cons_u256 *a)
{
	double r = 0;

	for (int i = 7; i >= 0; i--)
		r = r * 4294967296.0 + a->w[i];
	return r;
}

void cons_u256_set_compact(struct cons_u256 *out, uint32_t bits, bool *negative, bool *overflow)
{
	unsigned size = bits >> 24;
	uint32_t word = bits & 0x007fffff;

	if (size <= 3) {
		word >>= 8 * (3 - size);
		cons_u256_set_u64(out, word);
	} else {
		cons_u256_set_u64(out, word);
		cons_u256_shl(out, out, 8 * (size - 3));
	}
	if (negative)
		*negative = word != 0 && (bits & 0x00800000) != 0;
	if (overflow)
		*overflow = word != 0 && (size > 34 || (word > 0xff && size > 33) ||
					  (word > 0xffff && size > 32));
}

uint32_t cons_u256_get_compact(const struct cons_u256 *a, bool negative)
{
	unsigned size = (cons_u256_bits(a) + 7) / 8;
	uint32_t compact;

	if (size <= 3) {
		compact = a->w[0] << (8 * (3 - size));
	} else {
		struct cons_u256 t;
		cons_u256_shr(&t, a, 8 * (size - 3));
		compact = t.w[0];
	}
	if (compact & 0x00800000) {
		compact >>= 8;
		size++;
	}
	compact |= (uint32_t)size << 24;
	if (negative && (compact & 0x007fffff))
		compact |= 0x00800000;
	return compact;
}
