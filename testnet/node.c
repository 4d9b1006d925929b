/*
 * Nodes of the testnet as processes and RPC endpoints (see app.h): the
 * flintd command line each node runs with, starting and stopping it, and
 * calling its RPC with the cookie in its own datadir.
 */
#include "testnet/app.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testnet/proc.h"

int tn_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "flint-testnet: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

void tn_app_release(struct tn_app *a)
{
	for (int i = 0; i < a->st.n && i < TN_MAX_NODES; i++) {
		client_free(a->client[i]);
		a->client[i] = NULL;
	}
	tn_state_release(&a->st);
}

int tn_app_save(struct tn_app *a)
{
	char err[700];

	if (tn_state_save(&a->st, err, sizeof(err)) < 0) {
		tn_fail("%s", err);
		return -1;
	}
	return 0;
}

static struct client *client_for(struct tn_app *a, int i)
{
	struct client_options o;

	if (a->client[i])
		return a->client[i];
	tn_node_client_options(&o, &a->st, i, 15);
	a->client[i] = client_new(&o);
	return a->client[i];
}

json_t *tn_call(struct tn_app *a, int i, const char *method, json_t *params, char *err,
		size_t errlen)
{
	struct client *c = client_for(a, i);
	struct client_error e;
	json_t *r;

	if (!c) {
		json_decref(params);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r = client_call(c, method, params, &e);
	if (!r) {
		snprintf(err, errlen, "node %d: %s: %s", i, method, e.message);
		if (client_error_is_local(e.code)) {
			client_free(c);
			a->client[i] = NULL;
		}
	}
	return r;
}

json_t *tn_call_quiet(struct tn_app *a, int i, const char *method, json_t *params)
{
	char err[64];

	return tn_call(a, i, method, params, err, sizeof(err));
}

bool tn_node_running(const struct tn_app *a, int i)
{
	char dd[600];

	tn_node_datadir(&a->st, i, dd, sizeof(dd));
	return tn_pid_alive(a->st.node[i].pid, dd);
}

/*
 * One hashing thread, paced so that the miners together find a block every
 * block_time seconds at whatever the difficulty is: each aims at
 * block_time * miners. The rewards go to the faucet.
 */
static void miner_args(const struct tn_state *s, struct tn_args *v)
{
	tn_args_add(v, "--mine");
	tn_args_add(v, "--mining-address");
	tn_args_add(v, "%s", s->faucet_address);
	tn_args_add(v, "--mining-threads");
	tn_args_add(v, "1");
	tn_args_add(v, "--mining-pace");
	tn_args_add(v, "%d", s->block_time * s->miners);
}

/*
 * Bitcoin's shape: the node keeps s->degree outbound peers of its own
 * choosing, from an address book that starts from the seed nodes' addresses
 * (Bitcoin Core's fixed seeds) and grows by address gossip; it advertises
 * its relay listener, so whoever learns of it dials it through the relay.
 */
static void bitcoin_args(const struct tn_state *s, int i, struct tn_args *v)
{
	char addr[64];

	tn_args_add(v, "--maxoutbound");
	tn_args_add(v, "%d", s->degree);
	tn_link_addr(s, i, i, addr, sizeof(addr));
	tn_args_add(v, "--externalip");
	tn_args_add(v, "%s", addr);
	for (int k = 0; k < TN_BITCOIN_SEEDS && k < s->n; k++) {
		if (k == i)
			continue;
		tn_link_addr(s, i, k, addr, sizeof(addr));
		tn_args_add(v, "--seed");
		tn_args_add(v, "%s", addr);
	}
}

/* The flintd command line of node i. */
static void node_args(const struct tn_app *a, int i, struct tn_args *v)
{
	const struct tn_state *s = &a->st;
	const struct tn_node *d = &s->node[i];
	static struct tn_edge *e;
	static size_t n;
	static const struct tn_state *drawn;
	char dd[600], addr[64];

	/* The edges are drawn once per command: up starts every node from them. */
	if (!e || drawn != s) {
		free(e);
		e = tn_state_edges_new(s, &n);
		drawn = s;
		if (!e)
			n = 0;
	}

	tn_args_init(v);
	tn_args_add(v, "%s/flintd", a->bindir);
	tn_args_add(v, "--chain");
	tn_args_add(v, "testnet");
	tn_args_add(v, "--datadir");
	tn_node_datadir(s, i, dd, sizeof(dd));
	tn_args_add(v, "%s", dd);
	tn_args_add(v, "--bind");
	tn_args_add(v, "%s", d->ip);
	tn_args_add(v, "--port");
	tn_args_add(v, "%d", d->port);
	tn_args_add(v, "--rpcport");
	tn_args_add(v, "%d", d->rpcport);
	/* RPC on the node's own address, so every node has the same RPC port. */
	tn_args_add(v, "--rpcbind");
	tn_args_add(v, "%s", d->ip);
	tn_args_add(v, "--rpcallowip");
	tn_args_add(v, "127.0.0.0/8");
	/* One signature thread: thousands of idle nodes on a few cores. */
	tn_args_add(v, "--par");
	tn_args_add(v, "1");
	if (s->topology == TN_BITCOIN) {
		bitcoin_args(s, i, v);
	} else {
		/* A fixed topology: no peers from the address book. */
		tn_args_add(v, "--maxoutbound");
		tn_args_add(v, "0");
	}
	/* Every edge runs through the relay, which dials the peer from our address. */
	for (size_t k = 0; k < n; k++) {
		if (e[k].from != i)
			continue;
		tn_link_addr(s, i, e[k].to, addr, sizeof(addr));
		tn_args_add(v, "--connect");
		tn_args_add(v, "%s", addr);
	}
	/* A silent partition is found by these timeouts, so they are short. */
	if (s->peer_timeout > 0) {
		tn_args_add(v, "--handshake-timeout");
		tn_args_add(v, "%d", s->peer_timeout);
		tn_args_add(v, "--ping-interval");
		tn_args_add(v, "%d", s->peer_timeout > 1 ? s->peer_timeout / 2 : 1);
		tn_args_add(v, "--ping-timeout");
		tn_args_add(v, "%d", s->peer_timeout);
	}
	if (d->miner)
		miner_args(s, v);
	if (d->time_offset) {
		tn_args_add(v, "--time-offset");
		tn_args_add(v, "%lld", d->time_offset);
	}
}

int tn_node_start(struct tn_app *a, int i, char *err, size_t errlen)
{
	static struct tn_args v;
	char dd[600], out[700];
	pid_t pid;

	node_args(a, i, &v);
	if (v.overflow) {
		snprintf(err, errlen, "node %d: command line too long", i);
		return -1;
	}
	tn_node_datadir(&a->st, i, dd, sizeof(dd));
	tn_node_outlog(&a->st, i, out, sizeof(out));
	if (mkdir(dd, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create '%s': %s", dd, strerror(errno));
		return -1;
	}
	if (tn_spawn_daemon(v.v, out, &pid, err, errlen) < 0)
		return -1;
	client_free(a->client[i]);     /* a new cookie comes with the new process */
	a->client[i] = NULL;
	a->st.node[i].pid = (int)pid;
	return 0;
}

void tn_node_stop(struct tn_app *a, int i, int sig, double timeout)
{
	char dd[600];
	pid_t pid = a->st.node[i].pid;

	tn_node_datadir(&a->st, i, dd, sizeof(dd));
	if (pid > 0 && tn_pid_wait_gone(pid, sig, dd, timeout) < 0)
		(void)tn_pid_wait_gone(pid, SIGKILL, dd, 10);
	a->st.node[i].pid = 0;
	client_free(a->client[i]);
	a->client[i] = NULL;
}

int tn_node_wait_rpc(struct tn_app *a, int i, double timeout, char *err, size_t errlen)
{
	double end = tn_now() + timeout;
	char why[600] = "";
	json_t *r;

	for (;;) {
		if (!tn_node_running(a, i)) {
			snprintf(err, errlen, "node %d is not running (see its log: flint-testnet logs %d)",
				 i, i);
			return -1;
		}
		r = tn_call(a, i, "getblockcount", NULL, why, sizeof(why));
		if (r) {
			json_decref(r);
			return 0;
		}
		if (tn_now() >= end) {
			snprintf(err, errlen, "node %d: no RPC after %.0f s: %s", i, timeout, why);
			return -1;
		}
		tn_sleep_ms(100);
	}
}

int tn_parse_node(const struct tn_app *a, const char *s, int *i, char *err, size_t errlen)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 0 || v >= a->st.n) {
		snprintf(err, errlen, "'%s' is not a node of this testnet (nodes are 0..%d)", s,
			 a->st.n - 1);
		return -1;
	}
	*i = (int)v;
	return 0;
}

void tn_faucet_args(const struct tn_app *a, struct tn_args *v)
{
	char wallet[700];

	tn_faucet_wallet(&a->st, wallet, sizeof(wallet));
	tn_args_init(v);
	tn_args_add(v, "%s/flint-wallet", a->bindir);
	tn_args_add(v, "--chain");
	tn_args_add(v, "testnet");
	tn_args_add(v, "--wallet");
	tn_args_add(v, "%s", wallet);
}
