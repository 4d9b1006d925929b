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
#include "node/txrelay.h"
#include "node/mempool.h"
#include "p2p/net.h"

/*
 * What the callbacks work on: transaction relay (with the chain and the
 * mempool) and block download's state.
 */
struct node_p2p {
	struct node_relay *relay;
	struct node_fetch fetch;
};

/* Fills iface with callbacks over g (which, and whose relay, must outlive them). */
void node_p2p_iface(struct p2p_chain *iface, struct node_p2p *g);
/* Frees block download's state. */
void node_p2p_release(struct node_p2p *g);

#endif
