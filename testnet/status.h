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

/* Fills st for node i (st->up false, the rest zero, when it does not answer). */
void tn_status_collect(struct tn_app *a, int i, struct tn_node_status *st);
/* True if at least one node is up and every up node has the same tip. */
bool tn_status_agree(const struct tn_node_status *st, int n);
/* Prints the status table of all nodes. */
void tn_status_print(struct tn_app *a);

#endif
