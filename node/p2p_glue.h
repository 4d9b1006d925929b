/*
 * The narrow interface p2p/ gets to chain state: struct p2p_chain filled
 * with callbacks over the chain manager. p2p/ never sees storage or the
 * block index, only hashes, headers and serialized blocks.
 */
#ifndef FLINT_NODE_P2P_GLUE_H
#define FLINT_NODE_P2P_GLUE_H

#include <secp256k1.h>

#include "node/chain.h"
#include "node/download.h"
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
	struct node_fetch fetch;
	struct cons_tx orphans[NODE_MAX_ORPHAN_TXS];
	size_t n_orphans;
	size_t orphan_bytes;            /* serialized, at most NODE_MAX_ORPHAN_BYTES */
	uint64_t accepted;
};

/* Fills iface with callbacks over relay's chain and mempool (which must outlive them). */
void node_p2p_iface(struct p2p_chain *iface, struct node_relay *relay);
/*
 * Offers tx to the mempool (from a peer, a reorg, a file or RPC); on
 * success, announces it and whatever orphans it unlocks.
 */
enum cons_verdict node_relay_accept(struct node_relay *r, const struct cons_tx *tx,
				    struct cons_state *st);
void node_relay_release(struct node_relay *r);

/*
 * Bitcoin's block locator: from (NULL: the active tip) and its ancestors,
 * dense near it, then doubling back to genesis.
 */
size_t node_chain_locator(const struct node_chain *c, const struct node_blockidx *from,
			  uint8_t (*hashes)[32], size_t max);

#endif
