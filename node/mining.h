/*
 * Continuous mining (flintd --mine): keeps the miner's job a template on
 * the current tip with the mempool's best transactions, and hands each
 * block the workers find to the chain like any block from a peer. The
 * template is rebuilt when the tip moves (node_mining_refresh), within a
 * second of a new transaction, and every 5 s otherwise (a fresh time).
 * Runs on the node's event loop; the workers only search nonces (miner.h).
 */
#ifndef FLINT_NODE_MINING_H
#define FLINT_NODE_MINING_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "node/chain.h"
#include "node/mempool.h"
#include "node/miner.h"
#include "node/txrelay.h"

struct node_mining;

/*
 * Starts threads workers mining to pkh on chain, with the transactions of
 * mempool (may be NULL); relay tells when a transaction was accepted; pace:
 * seconds per block aimed at, 0 full speed. All must outlive it. NULL, with
 * err filled, if the workers or the loop's events cannot be made.
 */
struct node_mining *node_mining_start(struct event_base *base, struct node_chain *chain,
				      struct node_mempool *mempool,
				      const struct node_relay *relay, const uint8_t pkh[20],
				      int threads, int pace, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* The tip moved: the workers get a template on the new one. NULL is a no-op. */
void node_mining_refresh(struct node_mining *m);
/* The miner itself, for the RPC's hash rate (NULL for NULL). */
struct node_miner *node_mining_miner(struct node_mining *m);
/* Stops the workers and frees m; NULL is a no-op. */
void node_mining_free(struct node_mining *m);

#endif
