/*
 * The commands that create, start and stop nodes: up, down, kill, start,
 * restart. `up` makes the testnet directory, the faucet wallet (through
 * flint-wallet) and the nodes, then waits over RPC until every node has its
 * peers and every miner mines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testnet/app.h"
#include "testnet/batch.h"
#include "testnet/link.h"
#include "testnet/proc.h"
#include "testnet/relayctl.h"
#include "testnet/capacity.h"
#include "testnet/web.h"
#include "testnet/status.h"

struct up_opts {
	int n, miners, block_time, base_port, timeout, degree, peer_timeout;
	unsigned long long seed;
	enum tn_topology topology;
	bool n_set, miners_set, bt_set, topo_set, port_set, degree_set, seed_set, pt_set;
	bool timeout_set;
	struct tn_link_change links;     /* --delay, --jitter, --bandwidth, --loss */
};

/* --delay, --jitter, --bandwidth, --loss: the link settings every link starts with. */
static int link_opt(struct up_opts *o, const char *k, const char *v, bool *matched)
{
	char err[400];
	int rc = 0;

	*matched = true;
	if (strcmp(k, "--delay") == 0)
		rc = tn_parse_ms("--delay", v, &o->links.d.delay_ms, err, sizeof(err)),
		o->links.delay = true;
	else if (strcmp(k, "--jitter") == 0)
		rc = tn_parse_ms("--jitter", v, &o->links.d.jitter_ms, err, sizeof(err)),
		o->links.jitter = true;
	else if (strcmp(k, "--bandwidth") == 0)
		rc = tn_parse_kbit(v, &o->links.d.bandwidth_kbit, err, sizeof(err)),
		o->links.bandwidth = true;
	else if (strcmp(k, "--loss") == 0)
		rc = tn_parse_loss(v, &o->links.d.loss_pct, err, sizeof(err)), o->links.loss = true;
	else
		*matched = false;
	return rc < 0 ? tn_fail("%s", err) : 0;
}

static bool link_opts_given(const struct tn_link_change *c)
{
	return c->delay || c->jitter || c->bandwidth || c->loss;
}

static int int_arg(const char *name, const char *s, int lo, int hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < lo || v > hi)
		return tn_fail("%s: expected a number in %d..%d, got '%s'", name, lo, hi, s);
	*out = (int)v;
	return 0;
}

static int parse_up(struct up_opts *o, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool matched;
		int bad = 0;
		char *end;
		if (!v)
			return tn_fail("unknown option or missing value: '%s' (see --help)", k);
		if (link_opt(o, k, v, &matched) != 0)
			return 1;
		if (matched)
			;
		else if (strcmp(k, "-n") == 0)
			bad = int_arg(k, v, 1, TN_MAX_NODES, &o->n), o->n_set = true;
		else if (strcmp(k, "--miners") == 0)
			bad = int_arg(k, v, 0, TN_MAX_NODES, &o->miners), o->miners_set = true;
		else if (strcmp(k, "--block-time") == 0)
			bad = int_arg(k, v, 1, 3600, &o->block_time), o->bt_set = true;
		else if (strcmp(k, "--base-port") == 0)
			bad = int_arg(k, v, 1024, 65535 - 260, &o->base_port), o->port_set = true;
		else if (strcmp(k, "--timeout") == 0)
			bad = int_arg(k, v, 1, 3600, &o->timeout), o->timeout_set = true;
		else if (strcmp(k, "--degree") == 0)
			bad = int_arg(k, v, 1, TN_MAX_NODES - 1, &o->degree), o->degree_set = true;
		else if (strcmp(k, "--peer-timeout") == 0)
			bad = int_arg(k, v, 1, 3600, &o->peer_timeout), o->pt_set = true;
		else if (strcmp(k, "--seed") == 0 && *v >= '0' && *v <= '9' &&
			 (o->seed = strtoull(v, &end, 10), !*end) && o->seed <= INT64_MAX)
			o->seed_set = true;
		else if (strcmp(k, "--topology") == 0 && tn_topology_parse(&o->topology, v) == 0)
			o->topo_set = true;
		else
			return tn_fail("unknown option or bad value: '%s %s' (see --help)", k, v);
		if (bad)
			return 1;
		i++;
	}
	if (!o->miners_set)
		o->miners = o->n;
	if (o->seed_set && o->topology != TN_RANDOM)
		return tn_fail("--seed goes with --topology random");
	if (o->degree_set && o->topology != TN_RANDOM && o->topology != TN_BITCOIN)
		return tn_fail("--degree goes with --topology random (links per node) or bitcoin "
			       "(outbound peers per node)");
	if (o->topology == TN_BITCOIN && !o->degree_set)
		o->degree = TN_BITCOIN_OUTBOUND;
	if (o->topology == TN_RANDOM && !o->degree_set)
		return tn_fail("--topology random needs --degree K (links per node)");
	if (o->miners > o->n)
		return tn_fail("--miners %d: there are only %d nodes", o->miners, o->n);
	if (o->topology == TN_MESH && o->n > TN_MAX_MESH)
		return tn_fail("a mesh of %d nodes is %lld links; a mesh holds at most %d nodes (try "
			       "--topology random --degree 3)", o->n, (long long)o->n * (o->n - 1) / 2,
			       TN_MAX_MESH);
	return 0;
}

/* An existing testnet is resumed as recorded; options that say otherwise are refused. */
static int check_same(const struct tn_state *s, const struct up_opts *o)
{
	if ((o->n_set && o->n != s->n) || (o->miners_set && o->miners != s->miners) ||
	    (o->bt_set && o->block_time != s->block_time) ||
	    (o->topo_set && o->topology != s->topology) ||
	    (o->port_set && o->base_port != s->base_port) ||
	    (o->degree_set && o->degree != s->degree) || (o->seed_set && o->seed != s->seed) ||
	    (o->pt_set && o->peer_timeout != s->peer_timeout))
		return tn_fail("'%s' holds a testnet of %d nodes (%s, %d miners, %d s blocks, ports "
			       "from %d); to make a different one, first: flint-testnet down --clean",
			       s->dir, s->n, tn_topology_name(s->topology), s->miners,
			       s->block_time, s->base_port);
	return 0;
}

/* Creates the faucet wallet with flint-wallet and records its address. */
static int make_faucet(struct tn_app *a)
{
	char wallet[700], out[256];
	struct tn_args v;
	int rc;

	tn_faucet_wallet(&a->st, wallet, sizeof(wallet));
	unlink(wallet);
	tn_faucet_args(a, &v);
	tn_args_add(&v, "create");
	rc = tn_run(v.v, out, sizeof(out));
	out[strcspn(out, "\r\n")] = 0;
	if (rc != 0 || out[0] != 'F' || strlen(out) >= sizeof(a->st.faucet_address))
		return tn_fail("cannot create the faucet wallet '%s' with '%s'", wallet, v.v[0]);
	snprintf(a->st.faucet_address, sizeof(a->st.faucet_address), "%s", out);
	return 0;
}

/* Refuses a testnet this machine cannot hold, naming the limit and how to raise it. */
static int check_capacity(struct tn_app *a)
{
	struct tn_machine m;
	/* Threads per node: flintd's loop (signatures checked on it: --par 1), a miner's thread. */
	struct tn_demand d = {.nodes = a->st.n, .threads_per_node = 2, .node_kb = 2048};
	char err[1500];

	/* Bitcoin's shape: every node ends up with its outbound peers, each a link. */
	d.links = a->st.topology == TN_BITCOIN ?
		  (long long)a->st.n * (a->st.degree < a->st.n - 1 ? a->st.degree : a->st.n - 1) :
		  (long long)tn_state_edges(&a->st, NULL, 0);
	if (tn_capacity_read(&m, err, sizeof(err)) < 0 || tn_capacity_check(&m, &d, err,
									     sizeof(err)) < 0)
		return tn_fail("this machine cannot hold %d nodes: %s", a->st.n, err);
	return 0;
}

static int create_testnet(struct tn_app *a, const struct up_opts *o)
{
	if (mkdir(a->st.dir, 0755) < 0 && errno != EEXIST)
		return tn_fail("cannot create '%s': %s", a->st.dir, strerror(errno));
	if (tn_state_layout(&a->st, o->n, o->topology, o->miners, o->block_time, o->base_port) < 0)
		return tn_fail("out of memory");
	a->st.degree = o->topology == TN_RANDOM || o->topology == TN_BITCOIN ? o->degree : 0;
	a->st.seed = o->topology == TN_RANDOM ? o->seed : 0;
	a->st.peer_timeout = o->peer_timeout;
	if (check_capacity(a) != 0)
		return 1;
	tn_link_change_apply(&o->links, &a->st.link_all);
	if (make_faucet(a) != 0 || tn_app_save(a) < 0)
		return 1;
	return 0;
}

/* Starts node i if it is not running and waits for its RPC. */
static int bring_up(struct tn_app *a, int i)
{
	char err[800];

	if (tn_node_running(a, i))
		return 0;
	if (tn_node_start(a, i, err, sizeof(err)) < 0)
		return tn_fail("%s", err);
	if (tn_app_save(a) < 0)
		return 1;
	if (tn_node_wait_rpc(a, i, 60, err, sizeof(err)) < 0 ||
	    tn_partition_apply(a, i, err, sizeof(err)) < 0)
		return tn_fail("%s", err);
	return 0;
}

/* True when node i has every peer it should have now and, if a miner, mines. */
static bool node_ready(struct tn_app *a, int i)
{
	json_t *peers = tn_call_quiet(a, i, "getconnectioncount", NULL);
	json_t *mi = a->st.node[i].miner ? tn_call_quiet(a, i, "getmininginfo", NULL) : NULL;
	int want = 0;
	bool ok;

	for (int j = 0; j < a->st.n; j++)
		if (j != i && tn_may_link(a, i, j) && tn_node_running(a, j))
			want++;
	/* Bitcoin's shape: peers of its own choosing; one means it has found the network. */
	for (int j = 0; a->st.topology == TN_BITCOIN && !want && j < a->st.n; j++)
		want = j != i && tn_node_running(a, j);
	ok = json_is_integer(peers) && json_integer_value(peers) >= want &&
	     (!a->st.node[i].miner || json_is_true(json_object_get(mi, "generate")));
	json_decref(peers);
	json_decref(mi);
	return ok;
}

/* Waits until nodes from..to-1 are ready (node_ready), nudging connections meanwhile. */
static int wait_ready(struct tn_app *a, int from, int to, int timeout)
{
	double end = tn_now() + timeout;
	int i = from;

	while (i < to) {
		if (node_ready(a, i)) {
			i++;
			continue;
		}
		if (tn_now() >= end)
			return tn_fail("node %d is not connected%s after %d s (see: flint-testnet%s "
				       "logs %d)", i, a->st.node[i].miner ? " or not mining" : "",
				       timeout, a->hint_dir, i);
		tn_reconnect(a, i);
		tn_sleep_ms(200);
	}
	return 0;
}

/* ---- every node at once ---- */

/*
 * Starts every node that does not run, without waiting for any: the nodes
 * come up side by side. The state is saved every 500 starts and at the end.
 */
static int spawn_all(struct tn_app *a)
{
	char err[800];

	for (int i = 0; i < a->st.n; i++) {
		if (tn_node_running(a, i))
			continue;
		if (tn_node_start(a, i, err, sizeof(err)) < 0) {
			(void)tn_app_save(a);
			return tn_fail("%s", err);
		}
		if (i % 500 == 499 && tn_app_save(a) < 0)
			return 1;
	}
	return tn_app_save(a) < 0 ? 1 : 0;
}

struct waiting {
	bool *run, *done;
	int *want, *peers;
	bool *mining;
	int left;
};

static void on_count(void *arg, int i, json_t *r, const char *err)
{
	struct waiting *w = arg;

	if (r && !w->done[i]) {
		w->done[i] = true;
		w->left--;
	}
}

/* Asks every running node that has not answered yet, all at once, until all have. */
static int wait_rpc_all(struct tn_app *a, struct waiting *w, double timeout)
{
	double end = tn_now() + timeout;

	w->left = 0;
	for (int i = 0; i < a->st.n; i++) {
		w->done[i] = !w->run[i];
		w->left += w->run[i];
	}
	while (w->left > 0) {
		struct tn_batch *b = tn_batch_new(a);
		if (!b)
			return tn_fail("out of memory");
		for (int i = 0; i < a->st.n; i++)
			if (!w->done[i])
				tn_batch_call(b, i, "getblockcount", NULL, on_count, w);
		tn_batch_run(b);
		tn_batch_free(b);
		if (w->left == 0)
			break;
		for (int i = 0; i < a->st.n; i++)
			if (!w->done[i] && !tn_node_running(a, i))
				return tn_fail("node %d is not running (see its log: flint-testnet%s logs "
					       "%d)", i, a->hint_dir, i);
		if (tn_now() >= end) {
			for (int i = 0; i < a->st.n; i++)
				if (!w->done[i])
					return tn_fail("%d node%s without RPC after %.0f s, node %d "
						       "among them (see: flint-testnet%s logs %d)",
						       w->left, w->left == 1 ? "" : "s", timeout, i,
						       a->hint_dir, i);
		}
		tn_sleep_ms(200);
	}
	return 0;
}

static void on_peers(void *arg, int i, json_t *r, const char *err)
{
	struct waiting *w = arg;

	if (json_is_integer(r))
		w->peers[i] = (int)json_integer_value(r);
}

static void on_mining(void *arg, int i, json_t *r, const char *err)
{
	struct waiting *w = arg;

	w->mining[i] = json_is_true(json_object_get(r, "generate"));
}

static void on_ignore(void *arg, int i, json_t *r, const char *err)
{
}

/* Has every node that lacks a peer dial it now (addnode onetry), all at once. */
static void nudge_all(struct tn_app *a, struct waiting *w, const struct tn_edge *e, size_t ne)
{
	struct tn_batch *b = tn_batch_new(a);
	char addr[64];

	if (!b)
		return;
	for (size_t k = 0; k < ne; k++) {
		int f = e[k].from, t = e[k].to;
		if (w->done[f] || !w->run[f] || !w->run[t] || !tn_may_link(a, f, t))
			continue;
		tn_link_addr(&a->st, f, t, addr, sizeof(addr));
		tn_batch_call(b, f, "addnode", json_pack("[s, s]", addr, "onetry"), on_ignore, NULL);
	}
	tn_batch_run(b);
	tn_batch_free(b);
}

/*
 * Waits until every running node has every peer it should have now (its
 * links to running nodes on its side of a partition) and every running miner
 * mines, asking them all at once each round and nudging laggards every 5 s.
 */
static int wait_ready_all(struct tn_app *a, struct waiting *w, int timeout)
{
	double start = tn_now(), end = start + timeout, nudged = start;
	size_t ne = 0;
	struct tn_edge *e = tn_state_edges_new(&a->st, &ne);
	int rc = 0;

	if (!e)
		return tn_fail("out of memory");
	memset(w->want, 0, (size_t)a->st.n * sizeof(int));
	for (size_t k = 0; k < ne; k++)
		if (w->run[e[k].from] && w->run[e[k].to] && tn_may_link(a, e[k].from, e[k].to))
			w->want[e[k].from]++, w->want[e[k].to]++;
	if (a->st.topology == TN_BITCOIN) {
		/* Peers of their own choosing: one means a node has found the network. */
		int running = 0;
		for (int i = 0; i < a->st.n; i++)
			running += w->run[i];
		for (int i = 0; i < a->st.n; i++)
			w->want[i] = w->run[i] && running > 1;
	}
	for (int i = 0; i < a->st.n; i++)
		w->done[i] = !w->run[i];
	for (;;) {
		struct tn_batch *b = tn_batch_new(a);
		int left = 0, first = -1;
		if (!b) {
			rc = tn_fail("out of memory");
			break;
		}
		for (int i = 0; i < a->st.n; i++) {
			if (w->done[i])
				continue;
			w->peers[i] = -1;
			w->mining[i] = false;
			tn_batch_call(b, i, "getconnectioncount", NULL, on_peers, w);
			if (a->st.node[i].miner)
				tn_batch_call(b, i, "getmininginfo", NULL, on_mining, w);
		}
		tn_batch_run(b);
		tn_batch_free(b);
		for (int i = 0; i < a->st.n; i++) {
			if (w->done[i])
				continue;
			w->done[i] = w->peers[i] >= w->want[i] && (!a->st.node[i].miner || w->mining[i]);
			if (!w->done[i] && !left++)
				first = i;
		}
		if (!left)
			break;
		if (tn_now() >= end) {
			rc = tn_fail("%d node%s not connected or not mining after %d s, node %d among "
				     "them (see: flint-testnet%s logs %d)", left, left == 1 ? "" : "s",
				     timeout, first, a->hint_dir, first);
			break;
		}
		if (tn_now() - nudged >= 5) {
			nudge_all(a, w, e, ne);
			nudged = tn_now();
		}
		tn_sleep_ms(200);
	}
	free(e);
	return rc;
}

/* Bans of a partition --ban on every running node, all at once. */
static void on_ban(void *arg, int i, json_t *r, const char *err)
{
	if (!r)
		fprintf(stderr, "flint-testnet: warning: node %d: setban: %s\n", i, err);
}

static void apply_bans_all(struct tn_app *a, const bool *run)
{
	struct tn_batch *b;

	if (!a->st.partitioned || !a->st.partition_bans || !(b = tn_batch_new(a)))
		return;
	for (int i = 0; i < a->st.n; i++)
		for (int j = 0; run[i] && j < a->st.n; j++)
			if (!tn_partition_together(&a->st.partition, i, j))
				tn_batch_call(b, i, "setban", json_pack("[s, s, i]", a->st.node[j].ip,
									"add", 315360000), on_ban, NULL);
	tn_batch_run(b);
	tn_batch_free(b);
}

/* Every node started side by side, then waited for all at once: RPC, partition bans, peers. */
static int bring_up_all(struct tn_app *a, int timeout)
{
	static bool run[TN_MAX_NODES], done[TN_MAX_NODES], mining[TN_MAX_NODES];
	static int want[TN_MAX_NODES], peers[TN_MAX_NODES];
	struct waiting w = {run, done, want, peers, mining, 0};
	double t0 = tn_now();
	int rc;

	if (spawn_all(a) != 0)
		return 1;
	for (int i = 0; i < a->st.n; i++)
		run[i] = true;
	if (wait_rpc_all(a, &w, 60 + a->st.n / 20) != 0)
		return 1;
	printf("%d node%s started and answering in %.1f s\n", a->st.n, a->st.n == 1 ? "" : "s",
	       tn_now() - t0);
	fflush(stdout);
	apply_bans_all(a, run);
	rc = wait_ready_all(a, &w, timeout);
	if (rc == 0)
		printf("ready (every node has its peers, every miner mines) in %.1f s\n",
		       tn_now() - t0);
	return rc;
}

/* "0,1/2,3" (or "0-49/50-99" past 8 nodes): the first half of the nodes against the second. */
static const char *halves(int n, char *out, size_t len)
{
	size_t k = 0;

	out[0] = 0;
	if (n > 8) {
		snprintf(out, len, "0-%d/%d-%d", n / 2 - 1, n / 2, n - 1);
		return out;
	}
	for (int i = 0; i < n && k + 8 < len; i++)
		k += (size_t)snprintf(out + k, len - k, "%s%d", i == 0 ? "" : i == n / 2 ? "/" : ",",
				      i);
	return out;
}

static void hint(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hint(const char *what, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (what[0])
		printf("  %-42s  # %s\n", cmd, what);
	else
		printf("  %s\n", cmd);
}

static void print_next(struct tn_app *a)
{
	const char *b = a->hint_bin, *d = a->hint_dir;
	char groups[256], t[1300];

	snprintf(t, sizeof(t), "%s/flint-testnet%s", b, d);
	printf("\nTry next:\n");
	hint("heights, tips, peers, mining", "%s status", t);
	hint("your wallet: prints its address", "%s wallet 0 --wallet /tmp/my-wallet.json create", t);
	hint("coins from the miners (mature after 20 blocks)", "%s faucet ADDRESS 10", t);
	hint("", "%s wallet 0 --wallet /tmp/my-wallet.json balance", t);
	hint("the chain as node 0 sees it", "%s explorer 0 summary", t);
	hint("any RPC method of a node", "%s cli 0 getblockchaininfo", t);
	if (a->st.n >= 2) {
		hint("split the network; watch the tips diverge", "%s partition %s", t,
		     halves(a->st.n, groups, sizeof(groups)));
		hint("the block tree across all nodes", "%s tree", t);
		hint("and watch them converge", "%s heal", t);
	}
	hint("crash a node, bring it back", "%s kill 1; %s start 1", t, t);
	hint("a clock 60 s fast: its blocks are refused", "%s skew 1 60", t);
	hint("a hostile peer; see the node ban it", "%s attack 0 badmerkle", t);
	hint("propagation, stale rate, convergence", "%s slo", t);
	hint("the live view's URL again", "%s web", t);
	hint("", "%s logs 0 -f", t);
	hint("stop (--clean also deletes the data)", "%s down", t);
}

/* Starts the live view unless it runs, and prints its URL; the testnet works without it. */
static void print_web(struct tn_app *a)
{
	char url[200], err[800];

	if (tn_web_start(a, err, sizeof(err)) < 0 || tn_web_url(&a->st, url, sizeof(url), err,
								 sizeof(err)) < 0) {
		fprintf(stderr, "flint-testnet: warning: no live view: %s\n", err);
		return;
	}
	printf("\nLive view: %s\n", url);
}

static bool all_running(const struct tn_app *a)
{
	if (!tn_relay_running(a))
		return false;
	for (int i = 0; i < a->st.n; i++)
		if (!tn_node_running(a, i))
			return false;
	return true;
}

int tn_cmd_up(struct tn_app *a, int argc, char **argv)
{
	struct up_opts o = {.n = 4, .block_time = 5, .base_port = 28400, .timeout = 90,
			    .topology = TN_MESH, .peer_timeout = 10};
	bool fresh = a->st.n == 0;
	char err[800];

	if (parse_up(&o, argc, argv) != 0 || (!fresh && check_same(&a->st, &o) != 0))
		return 1;
	if (!fresh && link_opts_given(&o.links))
		return tn_fail("--delay, --jitter, --bandwidth and --loss shape a new testnet; on "
			       "this one: flint-testnet%s link all delay MS ...", a->hint_dir);
	if (!fresh && all_running(a)) {
		printf("the testnet in %s is already running\n", a->st.dir);
		tn_status_print(a, false);
		print_web(a);
		print_next(a);
		return 0;
	}
	if (fresh)
		printf("starting a new testnet in %s: %d nodes, %s, %d miner%s, %d s blocks\n",
		       a->st.dir, o.n, tn_topology_name(o.topology), o.miners,
		       o.miners == 1 ? "" : "s", o.block_time);
	else
		printf("resuming the testnet in %s\n", a->st.dir);
	fflush(stdout);
	if (fresh && create_testnet(a, &o) != 0)
		return 1;
	if (!tn_relay_running(a)) {
		if (tn_relay_start(a, err, sizeof(err)) < 0)
			return tn_fail("%s", err);
		tn_state_event(&a->st, "relay", "started");
		if (tn_app_save(a) < 0)
			return 1;
	}
	if (bring_up_all(a, o.timeout_set ? o.timeout : o.timeout + a->st.n / 20) != 0 ||
	    tn_app_save(a) < 0)
		return 1;
	/* From here the network is whole: `slo` times blocks from this moment. */
	tn_state_event(&a->st, "up", NULL);
	if (tn_app_save(a) < 0)
		return 1;
	tn_status_print(a, false);
	print_web(a);
	print_next(a);
	return 0;
}

/* ---- down, kill, start, restart ---- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

/* Removes what the testnet made in its directory, then the directory if empty. */
static int clean_dir(struct tn_app *a)
{
	char path[700];

	for (int i = 0; i < a->st.n; i++) {
		tn_node_datadir(&a->st, i, path, sizeof(path));
		if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
			return tn_fail("cannot remove '%s': %s", path, strerror(errno));
	}
	tn_faucet_wallet(&a->st, path, sizeof(path));
	unlink(path);
	tn_relay_log(&a->st, path, sizeof(path));
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", a->st.dir, TN_WEB_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/web.log", a->st.dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", a->st.dir, TN_STATE_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/.lock", a->st.dir);
	unlink(path);
	if (rmdir(a->st.dir) < 0)
		printf("kept '%s': it holds files the testnet did not make\n", a->st.dir);
	return 0;
}

int tn_cmd_down(struct tn_app *a, int argc, char **argv)
{
	bool clean = argc == 1 && strcmp(argv[0], "--clean") == 0;
	int stopped = 0;

	if (argc > 1 || (argc == 1 && !clean))
		return tn_fail("usage: flint-testnet down [--clean]");
	for (int i = 0; i < a->st.n; i++)
		if (tn_node_running(a, i) && kill(a->st.node[i].pid, SIGTERM) == 0)
			stopped++;
	for (int i = 0; i < a->st.n; i++)
		tn_node_stop(a, i, 0, 30);
	tn_relay_stop(a);
	tn_web_stop(a);
	tn_state_event(&a->st, "down", NULL);
	if (tn_app_save(a) < 0)
		return 1;
	printf("stopped %d node%s%s\n", stopped, stopped == 1 ? "" : "s",
	       clean ? "; removing the testnet's files" : "; data kept (down --clean removes it)");
	return clean ? clean_dir(a) : 0;
}

static int one_node(struct tn_app *a, int argc, char **argv, const char *usage, int *i)
{
	char err[256];

	if (argc != 1)
		return tn_fail("usage: flint-testnet %s", usage);
	if (tn_parse_node(a, argv[0], i, err, sizeof(err)) < 0)
		return tn_fail("%s", err);
	return 0;
}

int tn_cmd_kill(struct tn_app *a, int argc, char **argv)
{
	char idx[16];
	int i;

	if (one_node(a, argc, argv, "kill NODE", &i) != 0)
		return 1;
	snprintf(idx, sizeof(idx), "%d", i);
	if (!tn_node_running(a, i))
		return tn_fail("node %d is not running", i);
	tn_node_stop(a, i, SIGKILL, 10);
	tn_state_event(&a->st, "kill", idx);
	if (tn_app_save(a) < 0)
		return 1;
	printf("node %d killed (SIGKILL)\n", i);
	return 0;
}

/* Starts node i, waits for its RPC, reapplies the partition and nudges its peers. */
static int start_node(struct tn_app *a, int i, const char *what)
{
	char idx[16];
	json_t *h;

	if (bring_up(a, i) != 0)
		return 1;
	tn_reconnect(a, i);
	if (wait_ready(a, i, i + 1, 30) != 0)
		return 1;
	snprintf(idx, sizeof(idx), "%d", i);
	tn_state_event(&a->st, what, idx);
	if (tn_app_save(a) < 0)
		return 1;
	h = tn_call_quiet(a, i, "getblockcount", NULL);
	printf("node %d %s (pid %d), height %lld\n", i, what, a->st.node[i].pid,
	       (long long)json_integer_value(h));
	json_decref(h);
	return 0;
}

int tn_cmd_start(struct tn_app *a, int argc, char **argv)
{
	int i;

	if (one_node(a, argc, argv, "start NODE", &i) != 0)
		return 1;
	if (tn_node_running(a, i))
		return tn_fail("node %d is already running (pid %d)", i, a->st.node[i].pid);
	return start_node(a, i, "started");
}

int tn_cmd_restart(struct tn_app *a, int argc, char **argv)
{
	char idx[16];
	int i;

	if (one_node(a, argc, argv, "restart NODE", &i) != 0)
		return 1;
	if (tn_node_running(a, i)) {
		snprintf(idx, sizeof(idx), "%d", i);
		tn_state_event(&a->st, "stop", idx);
		tn_node_stop(a, i, SIGTERM, 30);
	}
	return start_node(a, i, "restarted");
}
