/*
 * The block index: every header the node knows, in memory, as a tree.
 * Entries are found by hash through a chained hash table that doubles as
 * it fills, and each carries Bitcoin's skip pointer, so that the ancestor
 * of any entry at any height is found in O(log n) steps. What an entry's
 * status means, and which entry is the tip, is the chain manager's
 * (chain.h); this file only holds, finds and links them. Not thread-safe.
 */
#ifndef FLINT_NODE_BLOCKINDEX_H
#define FLINT_NODE_BLOCKINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/block.h"
#include "consensus/uint256.h"

/* One known block (header at least). Invariant: prev is NULL only for genesis. */
struct node_blockidx {
	uint8_t hash[32];
	struct cons_header hdr;
	int64_t height;
	struct cons_u256 work;          /* cumulative chain work up to and including it */
	uint32_t status;                /* STOR_HAVE_DATA | STOR_VALID | STOR_FAILED | ... */
	uint32_t n_tx;
	uint64_t seq;                   /* arrival order of its data; UINT64_MAX while header-only */
	bool linked;                    /* it and all its ancestors have data */
	bool in_cands;                  /* listed among the tip candidates */
	struct node_blockidx *prev;
	struct node_blockidx *skip;     /* a further ancestor, for node_blockidx_ancestor */
	struct node_blockidx *hnext;    /* hash-table chain */
	/*
	 * The parent-to-children map of entries that have data but wait for an
	 * ancestor's: the first such child, and the next of its siblings. Only
	 * entries whose parent is not linked are on a parent's list.
	 */
	struct node_blockidx *waiting, *waiting_next;
};

struct node_blockindex {
	struct node_blockidx **table;
	size_t tcap, count;
};

/* An empty index. 0, or -1 out of memory. */
int node_blockindex_init(struct node_blockindex *bi) __attribute__((warn_unused_result));
/* Frees every entry and the table. */
void node_blockindex_release(struct node_blockindex *bi);

/* The entry of hash, or NULL. */
struct node_blockidx *node_blockindex_find(const struct node_blockindex *bi, const uint8_t hash[32]);
/*
 * Adds a new, unlinked entry for hash with header hdr (the caller has
 * checked that hash is not there yet). NULL out of memory.
 */
struct node_blockidx *node_blockindex_add(struct node_blockindex *bi, const uint8_t hash[32],
					  const struct cons_header *hdr)
	__attribute__((warn_unused_result));
/* Calls fn for every entry, in no particular order. */
void node_blockindex_foreach(const struct node_blockindex *bi,
			     void (*fn)(void *ctx, const struct node_blockidx *idx), void *ctx);
/*
 * Every entry, sorted by height (parents before children), into *out
 * (heap, the caller frees it). 0, or -1 out of memory.
 */
int node_blockindex_by_height(const struct node_blockindex *bi, struct node_blockidx ***out,
			      size_t *n) __attribute__((warn_unused_result));

/* Links e under its parent prev (NULL for genesis): prev, and the skip pointer. */
void node_blockidx_link(struct node_blockidx *e, struct node_blockidx *prev);
/* The ancestor of idx at height (idx itself at its own height), or NULL. */
const struct node_blockidx *node_blockidx_ancestor(const struct node_blockidx *idx, int64_t height);

#endif
