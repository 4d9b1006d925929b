/*
 * A set of testnet nodes, one bit per node up to TN_MAX_NODES: who runs, who
 * must agree. A plain value (about 1.2 kB), no allocation; pure functions.
 * The 64-bit masks it replaces aliased node 64 onto node 0.
 */
#ifndef FLINT_TESTNET_NODESET_H
#define FLINT_TESTNET_NODESET_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "testnet/topology.h"

#define TN_NODESET_WORDS ((TN_MAX_NODES + 63) / 64)

struct tn_nodeset {
	uint64_t w[TN_NODESET_WORDS];
};

/* Nodes outside 0..TN_MAX_NODES-1 are never members; adding one is a no-op. */
static inline bool tn_nodeset_has(const struct tn_nodeset *s, int i)
{
	return i >= 0 && i < TN_MAX_NODES && (s->w[i / 64] >> (i % 64) & 1);
}

static inline void tn_nodeset_add(struct tn_nodeset *s, int i)
{
	if (i >= 0 && i < TN_MAX_NODES)
		s->w[i / 64] |= 1ULL << (i % 64);
}

static inline void tn_nodeset_del(struct tn_nodeset *s, int i)
{
	if (i >= 0 && i < TN_MAX_NODES)
		s->w[i / 64] &= ~(1ULL << (i % 64));
}

static inline void tn_nodeset_clear(struct tn_nodeset *s)
{
	memset(s, 0, sizeof(*s));
}

/* The set of nodes 0..n-1. */
static inline void tn_nodeset_first(struct tn_nodeset *s, int n)
{
	tn_nodeset_clear(s);
	for (int i = 0; i < n && i < TN_MAX_NODES; i++)
		tn_nodeset_add(s, i);
}

static inline int tn_nodeset_count(const struct tn_nodeset *s)
{
	int n = 0;

	for (int k = 0; k < TN_NODESET_WORDS; k++)
		n += __builtin_popcountll(s->w[k]);
	return n;
}

#endif
