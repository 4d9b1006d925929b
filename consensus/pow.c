/* Proof of work and retarget; see pow.h. */
#include "consensus/pow.h"

#include "consensus/hash.h"

void cons_pow_limit(struct cons_u256 *out, const struct cons_params *p)
{
	cons_u256_set_compact(out, p->pow_limit_bits, NULL, NULL);
}

/* Decodes bits into a usable target: false if negative, zero or overflowing. */
static bool decode_target(struct cons_u256 *target, uint32_t bits)
{
	bool neg, over;

	cons_u256_set_compact(target, bits, &neg, &over);
	return !neg && !over && !cons_u256_is_zero(target);
}

bool cons_check_pow(const struct cons_params *p, const uint8_t hash[32], uint32_t bits)
{
	struct cons_u256 target, limit, h;

	if (!decode_target(&target, bits))
		return false;
	cons_pow_limit(&limit, p);
	if (cons_u256_cmp(&target, &limit) > 0)
		return false;
	cons_u256_from_hash(&h, hash);
	return cons_u256_cmp(&h, &target) <= 0;
}

void cons_block_work(struct cons_u256 *out, uint32_t bits)
{
	struct cons_u256 target, denom, one;

	if (!decode_target(&target, bits)) {
		cons_u256_set_u64(out, 0);
		return;
	}
	/* 2^256 does not fit: 2^256/(t+1) == ~t/(t+1) + 1. */
	cons_u256_set_u64(&one, 1);
	cons_u256_add(&denom, &target, &one);
	cons_u256_not(out, &target);
	cons_u256_div(out, out, &denom);
	cons_u256_add(out, out, &one);
}

bool cons_is_retarget_height(const struct cons_params *p, int64_t height)
{
	return !p->no_retarget && height > 0 && height % p->retarget_interval == 0;
}

uint32_t cons_retarget(const struct cons_params *p, uint32_t prev_bits,
		       int64_t first_time, int64_t last_time)
{
	int64_t span = last_time - first_time;
	int64_t target_span = cons_params_target_timespan(p);
	struct cons_u256 target, limit;

	if (p->no_retarget)
		return prev_bits;
	if (span < target_span / 4)
		span = target_span / 4;
	if (span > target_span * 4)
		span = target_span * 4;
	cons_u256_set_compact(&target, prev_bits, NULL, NULL);
	cons_pow_limit(&limit, p);
	if (cons_u256_muldiv(&target, &target, (uint32_t)span, (uint32_t)target_span) ||
	    cons_u256_cmp(&target, &limit) > 0)
		target = limit;
	return cons_u256_get_compact(&target, false);
}

double cons_difficulty(uint32_t bits)
{
	int shift = (int)((bits >> 24) & 0xff);
	double diff;

	if ((bits & 0x00ffffff) == 0)
		return 0;
	diff = (double)0x0000ffff / (double)(bits & 0x00ffffff);
	while (shift < 29) {
		diff *= 256.0;
		shift++;
	}
	while (shift > 29) {
		diff /= 256.0;
		shift--;
	}
	return diff;
}

bool cons_pow_search(const struct cons_params *p, struct cons_header *hdr, uint8_t hash[32],
		     bool want_valid, uint64_t *budget)
{
	uint8_t raw[CONS_HEADER_SIZE];
	struct cons_header_hasher hh;

	cons_header_serialize(raw, hdr);
	cons_header_hasher_init(&hh, raw);       /* the first 64 bytes are hashed once */
	for (;;) {
		if (budget && *budget == 0)
			return false;
		cons_header_hasher_hash(&hh, hash, hdr->nonce);
		if (cons_check_pow(p, hash, hdr->bits) == want_valid)
			return true;
		if (++hdr->nonce == 0)
			return false;
		if (budget)
			(*budget)--;
	}
}
