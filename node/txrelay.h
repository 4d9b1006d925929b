/*
 * Transaction relay: the mempool checked against the active tip, the
 * orphan pool, and the txs a reorganisation gives back. One path into the
 * mempool, so a tx is announced once: by us unless a peer sent it. Knows
 * p2p/ only to announce; knows nothing of the RPC or block download.
 */
#ifndef FLINT_NODE_TXRELAY_H
#define FLINT_NODE_TXRELAY_H

#include <secp256k1.h>

#include "node/chain.h"
#include "node/mempool.h"
#include "p2p/net.h"

#define NODE_MAX_ORPHAN_TXS 100
/* An orphan larger is not kept (Core: 400,000 weight units, 100 kB of legacy tx). */
#define NODE_MAX_ORPHAN_TX_SIZE 100000
/* All orphans together, serialized; the oldest leave first to stay within both bounds. */
#define NODE_MAX_ORPHAN_BYTES 5000000

/*
 * What transaction relay needs: the mempool checked against the active
 * tip, and a bounded pool of orphans (transactions whose parents we have
 * not seen), retried whenever a transaction is accepted.
 */
struct node_relay {
	struct node_chain *chain;
	struct node_mempool *mempool;
	const secp256k1_context *secp;
	struct p2p_net *net;            /* NULL until the network runs */
	struct cons_tx orphans[NODE_MAX_ORPHAN_TXS];
	size_t n_orphans;
	size_t orphan_bytes;            /* serialized, at most NODE_MAX_ORPHAN_BYTES */
	uint64_t accepted;
	struct cons_tx *returned;       /* txs of disconnected blocks, oldest first */
	size_t n_returned;
};

/*
 * Offers tx to the mempool (from a peer, a reorg, a file or RPC); on
 * success, announces it and whatever orphans it unlocks.
 */
enum cons_verdict node_relay_accept(struct node_relay *r, const struct cons_tx *tx,
				    struct cons_state *st);
/* As node_relay_accept for a tx from a peer, which p2p/ announces itself. */
enum cons_verdict node_relay_accept_peer(struct node_relay *r, const struct cons_tx *tx,
					 struct cons_state *st);
/*
 * Keeps the txs of b, a block just disconnected (blocks arrive tip first),
 * to offer them back with node_relay_return once the new tip is reached.
 */
void node_relay_hold(struct node_relay *r, const struct cons_block *b);
/*
 * At a new tip reached by disconnecting depth blocks (0: none): offers the
 * held txs to the mempool, oldest block first, forgets them, and after a
 * reorg removes pool txs whose inputs the new branch lacks.
 */
void node_relay_return(struct node_relay *r, int depth);
void node_relay_release(struct node_relay *r);

#endif
