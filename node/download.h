/*
 * Block download: which bodies to request next towards the best header,
 * within a window above the lowest one missing. Reads the block index
 * only; knows nothing of peers, sockets or the mempool (p2p/ asks through
 * p2p_glue.c's missing_blocks).
 */
#ifndef FLINT_NODE_DOWNLOAD_H
#define FLINT_NODE_DOWNLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "node/chain.h"

/* Blocks are fetched at most this far above the lowest one missing (Bitcoin Core's window). */
#define NODE_FETCH_WINDOW 1024

/*
 * Where block download stands: the branch of the header being fetched
 * towards (path[h] is its ancestor at height h) and the lowest height on
 * it still lacking a body. Both only move up while the target stays on
 * one branch, so choosing blocks costs O(new headers + window) per call,
 * not a walk back from the target each time. A switch to another branch
 * costs the walk back to where it forks. Zero-initialised is empty.
 */
struct node_fetch {
	const struct node_blockidx **path;
	int64_t len;                    /* path[0..len) is valid */
	size_t cap;
	int64_t low;                    /* every path[h] with h < low has its body */
	uint64_t work;                  /* index entries visited, so tests can bound the cost */
};

/*
 * Writes to out the hashes of best's ancestors (best included) that lack
 * a body, oldest first, at most max and none more than NODE_FETCH_WINDOW
 * above the lowest one missing. Returns how many; 0 if best is known
 * invalid or memory runs out. best must stay valid while f is used (block
 * index entries live as long as the chain).
 */
size_t node_fetch_missing(struct node_fetch *f, const struct node_blockidx *best,
			  uint8_t (*out)[32], size_t max);
void node_fetch_release(struct node_fetch *f);

#endif
