/*
 * Block rules, in the order a node applies them: the header's proof of work
 * (context-free), the body against its header (context-free), the header
 * against its ancestors (retarget, median time past, future drift, BIP94),
 * the body against its height (finality, BIP34), and finally the spends
 * against the coin set (cons_connect_block) with signatures checked apart
 * so they can run on worker threads. Ancestors and coins are reached through
 * caller-supplied views, so this layer does no I/O and holds no state.
 */
#ifndef FLINT_CONSENSUS_BLOCK_CHECK_H
#define FLINT_CONSENSUS_BLOCK_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <secp256k1.h>

#include "consensus/block.h"
#include "consensus/params.h"
#include "consensus/tx_check.h"
#include "consensus/validation.h"

/* Blocks in the median-time-past window (Bitcoin's 11). */
#define CONS_MTP_WINDOW 11

/*
 * The chain a new block extends. height is the parent's height (>= 0);
 * ancestor fills the time and bits of the block at h (0 <= h <= height) on
 * the parent's chain and returns 0, or -1 on an internal error.
 */
struct cons_chain_view {
	const void *ctx;
	int64_t height;
	int (*ancestor)(const void *ctx, int64_t h, uint32_t *time, uint32_t *bits);
};

/*
 * Writes the median time of the last CONS_MTP_WINDOW blocks ending at the
 * view's parent (fewer near genesis) into *mtp. 0, or -1 if a lookup failed.
 */
int cons_median_time_past(const struct cons_chain_view *v, int64_t *mtp)
	__attribute__((warn_unused_result));
/* Writes the bits a child of the view's parent must carry. 0 / -1 lookup failed. */
int cons_next_bits(const struct cons_params *p, const struct cons_chain_view *v, uint32_t *bits)
	__attribute__((warn_unused_result));

/* Header alone: proof of work against its own bits and the chain's limit. */
enum cons_verdict cons_check_header(const struct cons_params *p, const struct cons_header *hdr,
				    const uint8_t hash[32], struct cons_state *st);
/*
 * Header in context: bits as the retarget rule says, time after the median
 * time past, not beyond now + max_future_drift (CONS_REJ_TIME_TOO_NEW, which
 * does not make the block invalid: it may be fine later), and an epoch's
 * first block not more than timewarp_limit before its parent. now is the
 * node's adjusted clock. A time more than CONS_FAR_AHEAD beyond the drift
 * limit is CONS_REJ_TIME_FAR_AHEAD: still not invalid for good, but its
 * sender is punished, since no honest clock is hours fast.
 */
#define CONS_FAR_AHEAD (2 * 3600)
enum cons_verdict cons_check_header_contextual(const struct cons_params *p,
					       const struct cons_header *hdr,
					       const struct cons_chain_view *v, int64_t now,
					       struct cons_state *st);
/*
 * Body without context: header proof of work, merkle root matches and is
 * not mutated (CONS_REJ_MUTATED), size and transaction count, exactly one
 * coinbase and first, every transaction's context-free checks. st->index
 * names the failing transaction.
 */
enum cons_verdict cons_check_block(const struct cons_params *p, const struct cons_block *b,
				   struct cons_state *st);
/* The same without the header's own check, for a block whose header passed it already. */
enum cons_verdict cons_check_block_body(const struct cons_params *p, const struct cons_block *b,
					struct cons_state *st);
/* Body at height with parent median time past mtp: finality, BIP34 height. */
enum cons_verdict cons_check_block_contextual(const struct cons_params *p,
					      const struct cons_block *b, int64_t height,
					      int64_t mtp, struct cons_state *st);

/*
 * A mutable coin set for connecting a block: get as in cons_coin_view;
 * spend removes an unspent coin (0, or -1 internal error); add inserts one
 * (0 / -1).
 */
struct cons_coin_store {
	void *ctx;
	int (*get)(void *ctx, const struct cons_outpoint *op, struct cons_coin *coin);
	int (*spend)(void *ctx, const struct cons_outpoint *op);
	int (*add)(void *ctx, const struct cons_outpoint *op, const struct cons_coin *coin);
};

/* One spent coin: what an input of the block consumed, and where. */
struct cons_spent {
	struct cons_outpoint op;
	struct cons_coin coin;
	uint32_t tx;               /* index of the spending tx in the block */
	uint32_t in;               /* input index within it */
};

/*
 * Undo data of a block: every spent coin in block order, enough to restore
 * the coin set on disconnect and to check every signature.
 */
struct cons_block_undo {
	size_t n;
	struct cons_spent *spent;
};

void cons_block_undo_init(struct cons_block_undo *u);
void cons_block_undo_release(struct cons_block_undo *u);

/*
 * Applies b at height to store in order: each non-coinbase tx's inputs must
 * be unspent (an output created earlier in the same block counts; one spent
 * earlier in it does not), mature, and cover its outputs; then its P2PKH
 * outputs are added. The coinbase may claim at most subsidy + fees.
 * Signatures are not checked here (cons_check_block_sigs). On CONS_VALID,
 * undo (initialised by the caller) receives the spent coins. On any other
 * verdict the store holds a partial application: the caller discards it.
 * Assumes cons_check_block passed.
 */
enum cons_verdict cons_connect_block(const struct cons_params *p, const struct cons_block *b,
				     int64_t height, const struct cons_coin_store *store,
				     struct cons_block_undo *undo, struct cons_state *st);

/*
 * Verifies the signatures of undo->spent[from, to) of block b, so that a
 * node can split one block's inputs among workers. st->index names the
 * failing tx.
 */
enum cons_verdict cons_check_block_sigs(const secp256k1_context *ctx, const struct cons_block *b,
					const struct cons_block_undo *undo, size_t from, size_t to,
					struct cons_state *st);

#endif
