/*
 * The miner: block templates from the chain tip and the mempool, and
 * worker threads that search nonces with the midstate hasher. Workers only
 * compute: a solution is handed back through a pipe the event loop
 * watches, and the loop validates and connects the block like any other.
 */
#ifndef FLINT_NODE_MINER_H
#define FLINT_NODE_MINER_H

#include <stdbool.h>
#include <stdint.h>

#include "consensus/block.h"
#include "node/chain.h"
#include "node/mempool.h"

/*
 * Builds a block template on the active tip: a coinbase paying subsidy +
 * fees to pkh (with extra_nonce in its scriptSig), then mempool
 * transactions as Bitcoin Core's BlockAssembler picks them: by the fee
 * rate of each tx with its ancestors not yet in the block, whole packages,
 * parents first, within the block size limit; time max(now, median time
 * past + 1); bits from the retarget rule; nonce 0. Near-linear in the pool
 * while chains stay within its limits. b is initialised by the caller. 0,
 * or -1.
 */
int node_block_template(struct cons_block *b, struct node_chain *c, const struct node_mempool *mp,
			const uint8_t pkh[20], uint64_t extra_nonce)
	__attribute__((warn_unused_result));

struct node_miner;

/* Starts threads workers, idle until a job arrives. NULL on failure. */
struct node_miner *node_miner_new(int threads)
	__attribute__((warn_unused_result));
/* Stops and joins the workers; NULL is a no-op. */
void node_miner_free(struct node_miner *m);
/* Replaces the job: workers drop the old header and search this one (copied). */
int node_miner_set_job(struct node_miner *m, const struct cons_block *tmpl)
	__attribute__((warn_unused_result));
/* Stops searching until the next job. */
void node_miner_pause(struct node_miner *m);
/* A file descriptor that becomes readable when a block is found. */
int node_miner_fd(const struct node_miner *m);
/*
 * Takes the solved block, if the solution is for the current job: fills b
 * (initialised by the caller) and returns true.
 */
bool node_miner_take(struct node_miner *m, struct cons_block *b);
/*
 * Paces the workers from the next job on: together they hash just fast
 * enough to find a block every `seconds` on average at the job's
 * difficulty (expected work / seconds), sleeping between batches; 0 lifts
 * the limit. A local testnet of several miners then costs little CPU.
 */
void node_miner_set_pace(struct node_miner *m, int seconds);
/* Hashes computed since start, for the hash rate. */
uint64_t node_miner_hashes(const struct node_miner *m);
/*
 * Hashes per second over the last second or more, sampled when asked (the
 * first call returns 0). Call from one thread only: the sample is not locked.
 */
double node_miner_hashrate(struct node_miner *m);

#endif
