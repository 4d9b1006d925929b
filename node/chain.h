/*
 * The chain manager: keeps the node on the valid chain with the most work.
 *
 * It holds the block index in memory (every header we know, in a tree),
 * accepts headers and blocks in any order (unknown parent: a bounded orphan
 * pool; a side branch: stored and indexed; more work than the tip: a
 * reorganisation), marks invalid blocks and their descendants failed, and
 * implements invalidateblock / reconsiderblock. State lives in storage/;
 * consensus rules in consensus/. Owned by the event loop: not thread-safe,
 * except that signature checks may run on worker threads (see sigpool.h).
 */
#ifndef FLINT_NODE_CHAIN_H
#define FLINT_NODE_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/block.h"
#include "consensus/params.h"
#include "consensus/uint256.h"
#include "consensus/validation.h"
#include "node/blockindex.h"
#include "storage/chainstate.h"

struct node_sigpool;

/* Events the chain reports to the rest of the node (mempool, p2p, metrics). */
struct node_chain_events {
	void *ctx;
	/* b was connected at the tip. */
	void (*connected)(void *ctx, const struct cons_block *b, const struct node_blockidx *idx);
	/* b was disconnected from the tip: its non-coinbase txs may go back to the mempool. */
	void (*disconnected)(void *ctx, const struct cons_block *b, const struct node_blockidx *idx);
	/* The tip moved; depth is how many blocks were disconnected first (0: plain extend). */
	void (*tip_changed)(void *ctx, const struct node_blockidx *tip, int depth);
};

struct node_chain_options {
	size_t dbcache_bytes;
	bool reindex;
	int check_blocks;               /* blocks verified against the coin set at start */
	size_t max_orphans;
	size_t max_orphan_bytes;        /* serialized bytes of all orphan blocks together */
	int64_t time_offset;            /* added to the system clock (fault injection) */
};

void node_chain_options_default(struct node_chain_options *o);

struct node_chain;

/*
 * Opens the chain database in dir, loads the block index, verifies the last
 * check_blocks blocks against the coin set (refusing, with a message naming
 * the fix, an inconsistent database), reindexes if asked, and reconnects
 * any stored blocks with more work than the flushed tip (crash recovery).
 * sigs may be NULL (signatures checked on the calling thread). 0, or -1
 * with err filled.
 */
int node_chain_open(struct node_chain **out, const char *dir, const struct cons_params *p,
		    const struct node_chain_options *o, struct node_sigpool *sigs,
		    const struct node_chain_events *ev, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* Flushes and closes; NULL is a no-op. */
void node_chain_close(struct node_chain *c);

/* The node's clock: system time plus time_offset. */
int64_t node_chain_now(const struct node_chain *c);
/* Median time past of the active tip (what locktimes are checked against). */
int64_t node_chain_tip_mtp(const struct node_chain *c);
/* Moves the node's clock (clock-skew faults). */
void node_chain_set_time_offset(struct node_chain *c, int64_t offset);

/*
 * Accepts a header: checks proof of work and its context, and adds it to
 * the index. *out (may be NULL) receives the index entry, also when the
 * header was already known. An unknown parent gives CONS_INVALID with
 * CONS_REJ_PREV_MISSING (not punishable); a failed one CONS_REJ_PREV_INVALID.
 */
enum cons_verdict node_chain_accept_header(struct node_chain *c, const struct cons_header *hdr,
					   struct node_blockidx **out, struct cons_state *st);

/*
 * Headers are stored only for a chain whose work comes within this many
 * blocks (at the tip's difficulty) of the active tip's: below that, a
 * header costs the sender almost nothing and us memory and disk for good.
 */
#define NODE_HEADERS_MARGIN 144

/*
 * Checks a run of headers h[0..n) for storing, without storing any:
 * h[0]'s parent must be in the index, each header must be the parent of
 * the next, and each must pass proof of work and its context rules (the
 * first skip are taken as checked already; headers already indexed are
 * not checked again). *n_ok receives how many, from the start, passed.
 * *enough tells whether the chain up to h[*n_ok - 1] has at least the
 * active tip's work less NODE_HEADERS_MARGIN blocks' (or is stored
 * already), which is when node_chain_accept_header should get them:
 * given in order, the headers that passed are stored without being
 * checked again (the chain remembers the last run's hashes until they are
 * stored, another run is checked, or a header out of that order comes).
 * Returns CONS_VALID if all passed, else the first failure's verdict
 * (CONS_REJ_PREV_MISSING: h[0]'s parent unknown, or not a chain).
 */
enum cons_verdict node_chain_check_headers(struct node_chain *c, const struct cons_header *h,
					   size_t n, size_t skip, size_t *n_ok, bool *enough,
					   struct cons_state *st);

/* Outcome details of node_chain_accept_block beyond the verdict. */
struct node_accept_info {
	bool orphan;                    /* parent unknown: kept in the orphan pool */
	bool duplicate;                 /* already had this block's data */
	bool new_tip;                   /* the active tip changed */
};

/*
 * Accepts a block: header checks, body checks, stores it, then moves to the
 * best chain (which may connect it, reorganise, or leave it on a side
 * branch). Takes ownership of b's contents on every path (b is released).
 * CONS_INVALID means this block is invalid (st says why and whether the
 * sender is to blame); a block that breaks a rule only when connected is
 * marked failed here too.
 */
enum cons_verdict node_chain_accept_block(struct node_chain *c, struct cons_block *b,
					  struct node_accept_info *info, struct cons_state *st);

/* invalidateblock / reconsiderblock as in Bitcoin Core. 0, or -1 with err. */
int node_chain_invalidate(struct node_chain *c, const uint8_t hash[32], char *err, size_t errlen)
	__attribute__((warn_unused_result));
int node_chain_reconsider(struct node_chain *c, const uint8_t hash[32], char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Lookups. */
struct node_blockidx *node_chain_lookup(const struct node_chain *c, const uint8_t hash[32]);
const struct node_blockidx *node_chain_tip(const struct node_chain *c);
/* The active chain's block at height, or NULL. */
const struct node_blockidx *node_chain_at(const struct node_chain *c, int64_t height);
bool node_chain_is_active(const struct node_chain *c, const struct node_blockidx *idx);
/*
 * Bitcoin's block locator: from (NULL: the active tip) and its ancestors,
 * dense near it, then doubling back to genesis.
 */
size_t node_chain_locator(const struct node_chain *c, const struct node_blockidx *from,
			  uint8_t (*hashes)[32], size_t max);
/* Most-work header known (may lack data). */
const struct node_blockidx *node_chain_best_header(const struct node_chain *c);
/* Calls fn for every index entry (for getchaintips and the explorer's tree). */
void node_chain_foreach(const struct node_chain *c,
			void (*fn)(void *ctx, const struct node_blockidx *idx), void *ctx);
size_t node_chain_orphan_count(const struct node_chain *c);
/* Serialized bytes of the orphan blocks held (at most max_orphan_bytes). */
size_t node_chain_orphan_bytes(const struct node_chain *c);
/* Hash of the most-work orphan's missing ancestor root, for a headers request. */
bool node_chain_orphan_root(const struct node_chain *c, uint8_t missing[32]);

/* Reads a stored block body (1 / 0 absent / -1 error). */
int node_chain_read_block(struct node_chain *c, const struct node_blockidx *idx,
			  struct cons_block *b) __attribute__((warn_unused_result));
/*
 * The stored bytes of a block, unparsed (1 / 0 absent / -1 error). On 1 the
 * caller owns *raw and frees it with free().
 */
int node_chain_read_block_raw(struct node_chain *c, uint8_t **raw, size_t *len,
			      const struct node_blockidx *idx) __attribute__((warn_unused_result));
struct stor_chain *node_chain_storage(struct node_chain *c);
const struct cons_params *node_chain_params(const struct node_chain *c);
/* Writes the state (coins, indexes, tip) to disk now. 0 / -1 with err. */
int node_chain_flush(struct node_chain *c, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* The last error that made the chain stop (a storage failure), or NULL. */
const char *node_chain_fatal(const struct node_chain *c);
/* Statistics for metrics. */
#define NODE_CONNECT_BUCKETS 8
/* Upper bounds, in seconds, of the connect-time histogram's buckets (the last is +Inf). */
extern const double node_connect_bounds[NODE_CONNECT_BUCKETS];
struct node_chain_stats {
	uint64_t blocks_connected;
	uint64_t reorgs;
	int64_t deepest_reorg;
	/* Time to validate and connect each block: counts per bucket (not cumulative), sum. */
	uint64_t connect_hist[NODE_CONNECT_BUCKETS];
	double connect_seconds;
	/* Index entries visited linking blocks whose data came before an ancestor's. */
	uint64_t link_visits;
	/* Context-free checks run: of headers (a block's included), of bodies. */
	uint64_t header_checks, body_checks;
};
void node_chain_stats(const struct node_chain *c, struct node_chain_stats *out);

#endif
