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

/* Fills iface with callbacks over relay's chain and mempool (which must outlive them). */
void node_p2p_iface(struct p2p_chain *iface, struct node_relay *relay);

#endif
