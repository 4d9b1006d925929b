/*
 * Asking many nodes at once: a batch of RPC calls to nodes of the testnet,
 * all in flight together over non-blocking connections (client/rpcbatch.h)
 * on one event base, each answer handed to its callback. What every
 * command that asks all nodes uses, so 10,000 nodes answer in seconds
 * rather than one after another.
 */
#ifndef FLINT_TESTNET_BATCH_H
#define FLINT_TESTNET_BATCH_H

#include <stdbool.h>
#include <jansson.h>

#include "testnet/app.h"

struct tn_batch;

/* Node i's answer: result (borrowed) and err NULL, or result NULL and err. */
typedef void (*tn_batch_done)(void *arg, int i, json_t *result, const char *err);

/* A batch for a's nodes (at most TN_BATCH_INFLIGHT connections open). NULL when out of memory. */
#define TN_BATCH_INFLIGHT 200
struct tn_batch *tn_batch_new(struct tn_app *a) __attribute__((warn_unused_result));
void tn_batch_free(struct tn_batch *b);
/* Queues method(params) (params stolen) to node i; done is called once, maybe from here on failure. */
void tn_batch_call(struct tn_batch *b, int i, const char *method, json_t *params, tn_batch_done done,
		   void *arg);
/* Runs until every queued call has its answer. */
void tn_batch_run(struct tn_batch *b);

/*
 * The running node with the highest tip (the lowest index among equals),
 * asking all at once; its height in *top. -1 when no node answers.
 */
int tn_highest_node(struct tn_app *a, long long *top);

/*
 * The running nodes, marked in run[] (a->st.n entries), counted. One look at
 * /proc per node.
 */
int tn_running_nodes(const struct tn_app *a, bool *run);

#endif
