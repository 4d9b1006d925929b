/*
 * Many JSON-RPC calls in flight at once on one libevent base, for the tools
 * that ask every node of a testnet the same question: each call has its own
 * HTTP connection, at most max_inflight are open at a time (the rest wait
 * in order), and each call's callback gets its result. Nothing blocks but
 * client_batch_wait. Built on rpcclient's credentials and reply decoding;
 * knows nothing of what a method means.
 */
#ifndef FLINT_CLIENT_RPCBATCH_H
#define FLINT_CLIENT_RPCBATCH_H

#include <stddef.h>
#include <jansson.h>

#include "client/rpcclient.h"

struct event_base;
struct client_batch;

/*
 * Called once per call: result (a borrowed reference, JSON null for a null
 * result) and e NULL on success; result NULL and e set on failure. May be
 * called from within client_batch_call when the call fails before anything
 * is sent (no cookie, out of memory).
 */
typedef void (*client_batch_done)(void *arg, json_t *result, const struct client_error *e);

/*
 * A batch on base (NULL: the batch makes and owns one), with at most
 * max_inflight connections open (>= 1). NULL when out of memory.
 */
struct client_batch *client_batch_new(struct event_base *base, int max_inflight)
	__attribute__((warn_unused_result));
/* Frees b; calls still queued or in flight are dropped without their callbacks. NULL: no-op. */
void client_batch_free(struct client_batch *b);

/*
 * Queues method(params) to the node o names (o is copied; params, a JSON
 * array or object or NULL, is stolen). 0, or -1 when out of memory (done is
 * then not called).
 */
int client_batch_call(struct client_batch *b, const struct client_options *o, const char *method,
		      json_t *params, client_batch_done done, void *arg)
	__attribute__((warn_unused_result));

/* Calls queued or in flight. */
size_t client_batch_pending(const struct client_batch *b);

/* Runs b's base until no call is pending. 0, or -1 if the loop failed. */
int client_batch_wait(struct client_batch *b) __attribute__((warn_unused_result));

#endif
