/*
 * The invalid things flint-testnet's hostile peer sends, built with
 * consensus/: blocks on top of a node's tip in which exactly one rule is
 * broken (proof of work, merkle root, a double spend, an inflated coinbase,
 * a timestamp a day ahead), and the names of the attack kinds. Pure: the
 * caller supplies the tip, the clock and the randomness; no sockets, no RPC.
 */
#ifndef FLINT_TESTNET_BADBLOCK_H
#define FLINT_TESTNET_BADBLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <secp256k1.h>

#include "consensus/block.h"
#include "consensus/params.h"

enum tn_attack {
	TN_ATK_BADPOW,
	TN_ATK_BADMERKLE,
	TN_ATK_DOUBLESPEND,
	TN_ATK_INFLATED_COINBASE,
	TN_ATK_FUTURE_TIMESTAMP,
	TN_ATK_GARBAGE,
	TN_ATK_OVERSIZE,
	TN_ATK__COUNT
};

/* Parses an attack name ("badpow", ..., "oversize"). 0, or -1. */
int tn_attack_parse(enum tn_attack *k, const char *s) __attribute__((warn_unused_result));
const char *tn_attack_name(enum tn_attack k);
/* True for the kinds that send a block (the rest send broken frames). */
bool tn_attack_sends_block(enum tn_attack k);

/* What the block is built on: the target's tip, and a coin to double-spend. */
struct tn_tip {
	uint8_t hash[32];          /* internal byte order */
	int64_t height;
	int64_t mtp;               /* median time past at the tip */
	uint32_t next_bits;        /* bits the next block must carry */
	bool have_coin;            /* a mature coinbase output exists to spend twice */
	uint8_t coin_txid[32];     /* internal byte order; output 0 */
	int64_t coin_height;       /* height of the block whose coinbase that is */
};

/*
 * Builds into b (initialised by the caller, owned by it after) a block on
 * t for attack k (a block kind), its time max(now, mtp + 1) unless the
 * attack is the timestamp, its coinbase paying pkh. seckey (valid) signs the
 * double spend's inputs (it does not own the coin: the double spend must
 * fail first). `what` (len bytes) receives one line saying what is broken.
 * The proof of work is not yet solved (tn_badblock_solve). 0, or -1 out of
 * memory.
 */
int tn_badblock_build(struct cons_block *b, const secp256k1_context *ctx, const struct cons_params *p,
		      enum tn_attack k, const struct tn_tip *t, int64_t now, const uint8_t pkh[20],
		      const uint8_t seckey[32], char *what, size_t len)
	__attribute__((warn_unused_result));

/*
 * Searches nonces until the header meets its bits (want_valid) or fails
 * them (!want_valid), at most max_hashes (and 2^32) tries, setting the
 * nonce and b->hash. true if found. The nonces are split into one range a
 * core (at most TN_SOLVE_MAX_THREADS), each searched by cons_pow_search.
 */
bool tn_badblock_solve(struct cons_block *b, const struct cons_params *p, bool want_valid,
		       uint64_t max_hashes);

#endif
