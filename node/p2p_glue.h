/*
 * The narrow interface p2p/ gets to chain state: struct p2p_chain filled
 * with callbacks over the chain manager. p2p/ never sees storage or the
 * block index, only hashes, headers and serialized blocks.
 */
#ifndef FLINT_NODE_P2P_GLUE_H
#define FLINT_NODE_P2P_GLUE_H

#include "node/chain.h"
#include "p2p/net.h"

/* Fills iface with callbacks over chain (which must outlive their use). */
void node_p2p_iface(struct p2p_chain *iface, struct node_chain *chain);

/* Bitcoin's block locator of the active chain: dense near the tip, then doubling. */
size_t node_chain_locator(const struct node_chain *c, uint8_t (*hashes)[32], size_t max);

#endif
