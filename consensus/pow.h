/*
 * Proof of work: target checks, the sequential nonce search, chain work,
 * Bitcoin's retarget rule parameterised per chain, and the arithmetic of
 * most-work fork choice. Pure functions of their arguments; no I/O.
 */
#ifndef FLINT_CONSENSUS_POW_H
#define FLINT_CONSENSUS_POW_H

#include <stdbool.h>
#include <stdint.h>

#include "consensus/block.h"
#include "consensus/params.h"
#include "consensus/uint256.h"

/* The chain's easiest target, decoded. */
void cons_pow_limit(struct cons_u256 *out, const struct cons_params *p);

/*
 * True if bits decodes to a positive, non-overflowing target no easier than
 * the chain's limit, and hash (internal byte order) is <= that target.
 */
bool cons_check_pow(const struct cons_params *p, const uint8_t hash[32], uint32_t bits);

/*
 * The one nonce search: hashes hdr with nonces hdr->nonce, hdr->nonce + 1,
 * ... until one meets its bits (want_valid) or fails them (!want_valid, for
 * tests and attack blocks that need a high hash). Returns true with
 * hdr->nonce set to that nonce and hash to its hash; false if budget ran out
 * (hdr->nonce is then the next untried nonce) or the nonce wrapped to 0.
 * Args:  hdr:    the header to search, changed in its nonce only.
 * Out:   hash:   on true, the header's hash (internal byte order).
 * In:    budget: NULL for no limit, else at most *budget nonces are hashed
 *                and *budget is decreased by each one that missed.
 * The miner and the attack tool search in parallel stripes with their own
 * loops; this is the sequential search everything else shares.
 */
bool cons_pow_search(const struct cons_params *p, struct cons_header *hdr, uint8_t hash[32],
		     bool want_valid, uint64_t *budget);

/*
 * Work a block with these bits proves: 2^256 / (target + 1), computed as
 * ~target / (target + 1) + 1. Zero for bits that are negative, zero or
 * overflowing.
 */
void cons_block_work(struct cons_u256 *out, uint32_t bits);

/* True if a block at height starts a new difficulty epoch. */
bool cons_is_retarget_height(const struct cons_params *p, int64_t height);

/*
 * Bitcoin's CalculateNextWorkRequired: the bits of the first block of a new
 * epoch, from the last block's bits and the times of the epoch's first and
 * last blocks. The timespan is clamped to [1/4, 4] of the target timespan
 * and the result capped at the chain's limit. Regtest returns prev_bits.
 */
uint32_t cons_retarget(const struct cons_params *p, uint32_t prev_bits,
		       int64_t first_time, int64_t last_time);

/* Difficulty as Bitcoin shows it: the target of 0x1d00ffff over this one. */
double cons_difficulty(uint32_t bits);

/*
 * Fork choice: returns >0 if a chain with work a should replace the active
 * chain with work b. Equal work keeps the chain seen first, so only strictly
 * more work wins.
 */
static inline bool cons_work_beats(const struct cons_u256 *a, const struct cons_u256 *b)
{
	return cons_u256_cmp(a, b) > 0;
}

#endif
