/*
 * Shapes of a local testnet: which node dials which (mesh, ring, line,
 * star), and partitions of the nodes into groups ("0,1/2,3"). Pure
 * functions of their arguments: no processes, no RPC, no files.
 */
#ifndef FLINT_TESTNET_TOPOLOGY_H
#define FLINT_TESTNET_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Nodes a testnet may hold: their addresses run from 127.0.0.10 up
 * (tn_node_ip). A mesh is refused above TN_MAX_MESH nodes (flintd keeps at
 * most 64 --connect peers).
 */
#define TN_MAX_NODES 10000
#define TN_MAX_MESH 64

/*
 * TN_BITCOIN draws no edges: each node keeps its own outbound peers from an
 * address book that starts from the seed nodes and grows by address gossip.
 */
enum tn_topology { TN_MESH, TN_RING, TN_LINE, TN_STAR, TN_RANDOM, TN_BITCOIN };
/* --topology bitcoin: the seed nodes (0 .. TN_BITCOIN_SEEDS-1) and outbound peers per node. */
#define TN_BITCOIN_SEEDS 4
#define TN_BITCOIN_OUTBOUND 8

/* An edge: node from keeps a connection to node to (flintd --connect). */
struct tn_edge {
	int from, to;
};

/* Parses "mesh", "ring", "line", "star", "random" or "bitcoin". 0, or -1 for anything else. */
int tn_topology_parse(enum tn_topology *t, const char *s) __attribute__((warn_unused_result));
const char *tn_topology_name(enum tn_topology t);

/*
 * Writes the edges of topology t over n nodes (1 <= n <= TN_MAX_NODES) into
 * out (room for max) and returns how many there are (possibly more than
 * max: only max are written). Every edge dials from a higher index to a
 * lower one, so starting nodes in index order finds each target listening.
 * mesh: every pair; line: i -> i-1; ring: the line closed by n-1 -> 0 (n > 2);
 * star: every node -> 0. random has no fixed edges here (tn_random_edges).
 */
size_t tn_topology_edges(enum tn_topology t, int n, struct tn_edge *out, size_t max);

/*
 * The random topology: a connected graph over n nodes in which every node
 * has at least min(degree, n-1) neighbours, a pure function of (n, degree,
 * seed). A random spanning tree makes it connected; random extra edges then
 * raise each node's degree. Edges dial downwards and are sorted by (from,
 * to); the count and room as tn_topology_edges.
 */
size_t tn_random_edges(int n, int degree, unsigned long long seed, struct tn_edge *out,
		       size_t max);

/* True if a and b are joined by an edge of t over n nodes (either way). */
bool tn_topology_linked(enum tn_topology t, int n, int a, int b);

/*
 * A partition: group[i] is node i's group (0-based), for n nodes. Invariant
 * after a successful parse: every node is in exactly one group, and every
 * group 0 .. n_groups-1 holds at least one node.
 */
struct tn_partition {
	int n, n_groups;
	int group[TN_MAX_NODES];
};

/*
 * Parses "0,1/2,3": groups separated by '/', node indexes (or ranges A-B,
 * as "0-499/500-999") by ','. Every node
 * 0 .. n-1 must appear exactly once, and there must be at least two groups.
 * 0, or -1 with a message in err.
 */
int tn_partition_parse(struct tn_partition *p, const char *s, int n, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Writes p back in the "0,1/2,3" form (groups in order of first node). */
void tn_partition_format(const struct tn_partition *p, char *out, size_t len);

/* True if nodes a and b are on the same side of p. */
static inline bool tn_partition_together(const struct tn_partition *p, int a, int b)
{
	return p->group[a] == p->group[b];
}

#endif
