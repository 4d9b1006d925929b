/*
 * flintd's JSON-RPC server: HTTP POST over libevent's evhttp on the node's
 * event loop, jansson for JSON, Bitcoin Core's method names, parameters,
 * result fields and error codes; batches; cookie or user/password auth
 * compared in constant time; GET /metrics in Prometheus text. Methods run
 * on the loop that owns chain state, so they see it consistently. Only
 * node/ reaches this: p2p/ and storage/ know nothing of RPC.
 */
#ifndef FLINT_NODE_RPC_H
#define FLINT_NODE_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/chain.h"
#include "node/mempool.h"
#include "node/miner.h"
#include "node/p2p_glue.h"
#include "p2p/net.h"

struct event_base;

/* What the methods reach: the daemon's parts, borrowed for the server's life. */
struct node_rpc_env {
	struct node_chain *chain;
	struct node_mempool *mempool;
	struct node_relay *relay;
	struct p2p_net *net;                /* NULL with networking off */
	struct node_miner *miner;           /* NULL unless --mine */
	int64_t started;                    /* unix time the node started */
	int64_t max_mempool;                /* bytes */
	int64_t min_relay_fee;              /* base units per 1000 bytes */
	/* Asks the daemon to stop after the reply is sent. */
	void (*stop)(void *ctx);
	/* Moves the node's clock (settimeoffset). */
	void (*set_time_offset)(void *ctx, int64_t offset);
	int64_t (*time_offset)(void *ctx);
	void *ctx;
	/* The chain's directory (database and the node's files); NULL: the database's estimate. */
	const char *datadir;
	/* Counted by the server, read by /metrics. */
	uint64_t rpc_requests;
	/* The server's own state: hash-rate sample, generatetoaddress's extra nonce. */
	uint64_t extra_nonce;
};

struct node_rpc_options {
	char bind[64];                      /* listening address */
	uint16_t port;
	char allow[8][64];                  /* extra allowed client IPs or a.b.c.d/len */
	int n_allow;
	char user[128], password[128];      /* empty: cookie auth */
	char cookie_path[640];
	size_t max_body;                    /* bytes of a request body */
	int max_conns;                      /* open connections; the oldest is closed past it */
	int timeout;                        /* seconds for a whole request to arrive */
	int auth_delay_ms;                  /* before the 401 of a failed authentication */
};

/* Defaults: see doc/rpc-limits.md. */
#define NODE_RPC_MAX_CONNS 64
#define NODE_RPC_TIMEOUT 30
#define NODE_RPC_AUTH_DELAY_MS 250

struct node_rpc;

/*
 * Starts the server on base: binds o->bind:o->port, writes the cookie
 * (random, to a temp file with mode 0600, then renamed) unless user and
 * password are set. NULL with err filled (e.g. the port is in use).
 */
struct node_rpc *node_rpc_new(struct event_base *base, struct node_rpc_env *env,
			      const struct node_rpc_options *o, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* Stops serving and removes the cookie; NULL is a no-op. */
void node_rpc_free(struct node_rpc *r);

/*
 * Handles one JSON-RPC request body (a request or a batch) as the HTTP
 * handler does after authentication: returns the malloc'd reply text and
 * the HTTP status (200, or Bitcoin Core's 400/404/500 for a lone failed
 * request). For tests.
 */
char *node_rpc_handle(struct node_rpc_env *env, const char *body, size_t len, int *status);

/* The Prometheus text of GET /metrics, malloc'd. */
char *node_metrics_text(struct node_rpc_env *env);

#endif
