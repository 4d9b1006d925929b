/*
 * What `status` shows of each node, collected over RPC, and the status table
 * that `up`, `start` and `status` print. Shared by those commands.
 */
#ifndef FLINT_TESTNET_STATUS_H
#define FLINT_TESTNET_STATUS_H

#include <stdbool.h>

#include "testnet/app.h"

struct tn_node_status {
	bool up;                 /* the process runs and its RPC answers */
	long long height;
	char tip[65];
	int peers, mempool, banned;
	bool mining;
	long long time_offset;
};

/*
 * Fills st[0..n-1] for every node, asking them all at once (batch.h); a
 * node that does not answer has up false and the rest zero.
 */
void tn_status_collect_all(struct tn_app *a, struct tn_node_status *st);
/* True if at least one node is up and every up node has the same tip. */
bool tn_status_agree(const struct tn_node_status *st, int n);
/*
 * Prints the network's summary (nodes up, heights min/median/max, nodes per
 * tip, the partition, the relay and its shaped or cut links); all: first a
 * row per node, and every shaped or cut link.
 */
void tn_status_print(struct tn_app *a, bool all);

#endif
