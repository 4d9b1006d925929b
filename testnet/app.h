/*
 * What every flint-testnet command works on: the loaded state, where the
 * Flint programs are, one RPC client per node, and the operations on nodes
 * that several commands share (start, stop, wait for RPC, call a method).
 * Nodes are reached only through their processes and RPC, never their files
 * (logs aside, which `logs` and `slo` read).
 */
#ifndef FLINT_TESTNET_APP_H
#define FLINT_TESTNET_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "client/rpcclient.h"
#include "testnet/proc.h"
#include "testnet/state.h"

struct tn_app {
	struct tn_state st;
	char bindir[512];        /* where flintd, flint-wallet and flint-explorer are */
	char hint_bin[512];      /* that directory as hints show it ("bin" from the checkout) */
	char hint_dir[600];      /* " --dir DIR" when DIR is not the default, else "" */
	struct client *client[TN_MAX_NODES];
};

/* Frees the clients and the state. */
void tn_app_release(struct tn_app *a);

/*
 * Calls method on node i with params (a JSON array or NULL; stolen).
 * Returns a new reference to the result, or NULL with err filled. A
 * connection or credential failure drops the node's client, so the next
 * call reads the (possibly new) cookie again.
 */
json_t *tn_call(struct tn_app *a, int i, const char *method, json_t *params, char *err,
		size_t errlen) __attribute__((warn_unused_result));
/* tn_call without an error message: NULL on any failure. */
json_t *tn_call_quiet(struct tn_app *a, int i, const char *method, json_t *params)
	__attribute__((warn_unused_result));

/* True if node i's recorded process is alive. */
bool tn_node_running(const struct tn_app *a, int i);
/* Starts node i with its recorded options. 0, or -1 with err. */
int tn_node_start(struct tn_app *a, int i, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/*
 * Stops node i: sig (SIGTERM or SIGKILL), then waits up to timeout seconds
 * (SIGKILL after a SIGTERM that is not obeyed in time). Clears its pid.
 */
void tn_node_stop(struct tn_app *a, int i, int sig, double timeout);
/* Polls node i until its RPC answers. 0, or -1 with err (the process died, or timeout). */
int tn_node_wait_rpc(struct tn_app *a, int i, double timeout, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * Partition and topology upkeep (fault.c). tn_partition_apply: on node i
 * (running), bans the p2p addresses of the nodes outside its group of the
 * recorded partition (nothing without one); 0, or -1 with err.
 * tn_reconnect: asks node i and its running neighbours on the same side to
 * connect now (addnode onetry), instead of waiting for their backoff.
 */
int tn_partition_apply(struct tn_app *a, int i, char *err, size_t errlen)
	__attribute__((warn_unused_result));
void tn_reconnect(struct tn_app *a, int i);
/* True if nodes i and j may talk: linked by the topology and not partitioned. */
bool tn_may_link(const struct tn_app *a, int i, int j);

/* Parses a node index of this testnet. 0, or -1 with err. */
int tn_parse_node(const struct tn_app *a, const char *s, int *i, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Starts v (initialised here) as "BINDIR/flint-wallet --chain testnet --wallet FAUCET". */
void tn_faucet_args(const struct tn_app *a, struct tn_args *v);

/* Saves the state; on failure prints why. 0 / -1. */
int tn_app_save(struct tn_app *a);

/* Prints "flint-testnet: error: ..." on stderr; returns 1 (an exit status). */
int tn_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The commands (command.c, fault.c, status.c, attack.c, slo.c): argc/argv after the name. */
int tn_cmd_up(struct tn_app *a, int argc, char **argv);
int tn_cmd_down(struct tn_app *a, int argc, char **argv);
int tn_cmd_kill(struct tn_app *a, int argc, char **argv);
int tn_cmd_start(struct tn_app *a, int argc, char **argv);
int tn_cmd_restart(struct tn_app *a, int argc, char **argv);
int tn_cmd_status(struct tn_app *a, int argc, char **argv);
int tn_cmd_tree(struct tn_app *a, int argc, char **argv);
int tn_cmd_partition(struct tn_app *a, int argc, char **argv);
int tn_cmd_heal(struct tn_app *a, int argc, char **argv);
int tn_cmd_skew(struct tn_app *a, int argc, char **argv);
int tn_cmd_faucet(struct tn_app *a, int argc, char **argv);
int tn_cmd_logs(struct tn_app *a, int argc, char **argv);
int tn_cmd_attack(struct tn_app *a, int argc, char **argv);
int tn_cmd_slo(struct tn_app *a, int argc, char **argv);
int tn_cmd_link(struct tn_app *a, int argc, char **argv);
int tn_cmd_isolate(struct tn_app *a, int argc, char **argv);
int tn_cmd_relay(struct tn_app *a, int argc, char **argv);

#endif
