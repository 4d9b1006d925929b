/*
 * The JSON-RPC client shared by flint-wallet, flint-explorer and
 * flint-testnet: their common connection options (--chain, --datadir,
 * --rpc, --rpcuser/--rpcpassword, --rpccookiefile) and a blocking call over
 * libevent's HTTP client. It knows the RPC protocol, not what any method
 * means. Depends on consensus/params (default ports) and nothing above it.
 */
#ifndef FLINT_CLIENT_RPCCLIENT_H
#define FLINT_CLIENT_RPCCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "consensus/params.h"

/* Error codes of a failed call that are not the node's own (which are Bitcoin Core's). */
#define CLIENT_ERR_CONNECT (-1000)   /* node unreachable, timed out, or not HTTP */
#define CLIENT_ERR_AUTH (-1001)      /* 401: credentials refused or missing */
#define CLIENT_ERR_PROTOCOL (-1002)  /* a reply that is not JSON-RPC */
#define CLIENT_ERR_NOCOOKIE (-1003)  /* no cookie file (yet): the node may still be starting */

struct client_options {
	const struct cons_params *params;
	char datadir[512];          /* default ~/.flint: where the local node's cookie is */
	char host[256];
	uint16_t port;
	char user[256], password[256];
	char cookiefile[600];       /* empty: <datadir>/<chain>/.cookie */
	int timeout;                /* seconds per call */
};

/*
 * Sets the defaults (testnet, ~/.flint, 127.0.0.1 at the chain's RPC port),
 * then removes every common option it recognises from argv (--chain NAME,
 * --datadir DIR, --rpc HOST[:PORT], --rpcuser U, --rpcpassword P,
 * --rpccookiefile F, --rpctimeout S; "--opt=value" also works), compacting
 * argv and *argc so the program parses the rest. 0, or -1 with err.
 */
int client_options_parse(struct client_options *o, int *argc, char **argv, char *err,
			 size_t errlen) __attribute__((warn_unused_result));
/* The common options' --help lines. */
const char *client_options_usage(void);

/* True for the CLIENT_ERR_* codes: the call failed here, not at the node. */
static inline bool client_error_is_local(int code)
{
	return code <= CLIENT_ERR_CONNECT && code >= CLIENT_ERR_NOCOOKIE;
}

struct client_error {
	int code;                   /* Bitcoin Core RPC code, or CLIENT_ERR_* */
	char message[1536];
};

struct client;
/* A connection to the node o names; credentials are read at the first call. */
struct client *client_new(const struct client_options *o) __attribute__((warn_unused_result));
void client_free(struct client *c);

/*
 * Calls method with params (a JSON array, or NULL for none; the reference
 * is stolen). Returns a new reference to the result (JSON null is returned
 * as json_null(), never NULL), or NULL with e filled: the node's error, or
 * CLIENT_ERR_* with a one-line message naming the node and what to check.
 */
json_t *client_call(struct client *c, const char *method, json_t *params, struct client_error *e)
	__attribute__((warn_unused_result));

/*
 * As client_call, but returns the result as the node wrote it (the text of
 * the reply's "result" member, every number as sent): a new string the
 * caller frees, or NULL with e filled.
 */
char *client_call_text(struct client *c, const char *method, json_t *params,
		       struct client_error *e) __attribute__((warn_unused_result));

/* "host:port" of the node, for messages. */
const char *client_endpoint(const struct client *c);

/*
 * The pieces of a call, for callers that drive their own HTTP (rpcbatch):
 * the Authorization header's value for o (from the cookie, read now, or the
 * user and password), 0 or -1 with e; and the result of a reply with HTTP
 * status and body (a new reference), or NULL with e (the node's error, 401
 * as CLIENT_ERR_AUTH, anything else as CLIENT_ERR_PROTOCOL).
 */
int client_auth_header(const struct client_options *o, char *auth, size_t len,
		       struct client_error *e) __attribute__((warn_unused_result));
json_t *client_reply_decode(const char *endpoint, int status, const char *body, size_t len,
			    struct client_error *e) __attribute__((warn_unused_result));

#endif
