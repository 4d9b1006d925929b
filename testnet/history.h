/*
 * A testnet's recorded history gathered from its files and nodes: every
 * node's debug.log parsed into hist.h events, and the final best chain
 * (over RPC from the highest running node, else as the logs tell it). Also
 * the commands built on it: `check` (check.c) and `experiment`
 * (experiment.c).
 */
#ifndef FLINT_TESTNET_HISTORY_H
#define FLINT_TESTNET_HISTORY_H

#include <stddef.h>

#include "testnet/app.h"
#include "testnet/hist.h"

struct tn_history {
	struct tn_hev *ev;       /* sorted (tn_hev_sort); owned */
	size_t n;
	struct tn_chain chain;   /* hash owned */
	char source[64];         /* where the chain came from: "rpc node 2", "log of node 1" */
};

/* Reads every node's log and the best chain. 0, or -1 with err (h released). */
int tn_history_load(struct tn_history *h, struct tn_app *a, char *err, size_t errlen)
	__attribute__((warn_unused_result));
void tn_history_release(struct tn_history *h);

/* The commands. */
int tn_cmd_check(struct tn_app *a, int argc, char **argv);
/* experiment needs no testnet of its own: a is only its bindir. */
int tn_cmd_experiment(struct tn_app *a, int argc, char **argv);

#endif
