/*
 * Signature-check workers (--par N). The event loop hands a block's inputs
 * to the pool and waits only for the verdict; the workers compute and
 * touch no chain state. The verdict is deterministic: when several inputs
 * fail, the first failing one in block order is reported.
 */
#ifndef FLINT_NODE_SIGPOOL_H
#define FLINT_NODE_SIGPOOL_H

#include "consensus/block.h"
#include "consensus/block_check.h"
#include "consensus/validation.h"

struct node_sigpool;

/*
 * Starts threads-1 workers (the calling thread is the last one); threads
 * <= 0 means one per core. Returns NULL out of memory or if a thread cannot
 * start.
 */
struct node_sigpool *node_sigpool_new(int threads)
	__attribute__((warn_unused_result));
/* Stops and joins the workers; NULL is a no-op. */
void node_sigpool_free(struct node_sigpool *p);
int node_sigpool_threads(const struct node_sigpool *p);

/* Verifies every input signature of b (undo as from cons_connect_block). */
enum cons_verdict node_sigpool_check(struct node_sigpool *p, const struct cons_block *b,
				     const struct cons_block_undo *undo, struct cons_state *st);

#endif
