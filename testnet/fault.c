/*
 * Faults and conveniences: partition, isolate and heal (silently, by the
 * relay cutting the links between the groups; or with --ban, by bans
 * between the groups over RPC, lifted again), clock skew, the faucet (a
 * flint-wallet payment from the miners' wallet) and a node's log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testnet/app.h"
#include "testnet/batch.h"
#include "testnet/link.h"
#include "testnet/proc.h"
#include "testnet/relayctl.h"

/* Ten years: partition bans outlive any run, and only `heal` lifts them. */
#define PARTITION_BANTIME 315360000

bool tn_may_link(const struct tn_app *a, int i, int j)
{
	if (!tn_state_linked(&a->st, i, j))
		return false;
	return !a->st.partitioned || tn_partition_together(&a->st.partition, i, j);
}

/* Calls queued for many nodes at once, and the first failure among them. */
struct calls {
	int failed;
	char err[600];
};

static void on_call(void *arg, int i, json_t *result, const char *err)
{
	struct calls *c = arg;

	if (!result && c->failed++ == 0)
		snprintf(c->err, sizeof(c->err), "node %d: %s", i, err ? err : "no answer");
}

/* Queues node i's bans of every node on the other side of the recorded partition. */
static void queue_bans(struct tn_batch *b, struct tn_app *a, int i, struct calls *c)
{
	for (int j = 0; a->st.partitioned && a->st.partition_bans && j < a->st.n; j++)
		if (!tn_partition_together(&a->st.partition, i, j))
			tn_batch_call(b, i, "setban", json_pack("[s, s, i]", a->st.node[j].ip, "add",
								PARTITION_BANTIME), on_call, c);
}

int tn_partition_apply(struct tn_app *a, int i, char *err, size_t errlen)
{
	struct tn_batch *b = tn_batch_new(a);
	struct calls c = {0};

	if (!b) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	queue_bans(b, a, i, &c);
	tn_batch_run(b);
	tn_batch_free(b);
	if (c.failed)
		snprintf(err, errlen, "%s", c.err);
	return c.failed ? -1 : 0;
}

static void nudge(struct tn_app *a, int from, int to)
{
	char addr[64];

	tn_link_addr(&a->st, from, to, addr, sizeof(addr));
	json_decref(tn_call_quiet(a, from, "addnode", json_pack("[s, s]", addr, "onetry")));
}

void tn_reconnect(struct tn_app *a, int i)
{
	if (!tn_node_running(a, i))
		return;
	for (int j = 0; j < a->st.n; j++) {
		if (j == i || !tn_may_link(a, i, j) || !tn_node_running(a, j))
			continue;
		/* Edges dial from the higher index to the lower (topology.h). */
		if (i > j)
			nudge(a, i, j);
		else
			nudge(a, j, i);
	}
}

/* Lifts, on every running node, the bans of the recorded partition, all at once. */
static void lift_bans(struct tn_app *a)
{
	struct tn_batch *b = a->st.partitioned && a->st.partition_bans ? tn_batch_new(a) : NULL;
	struct calls c = {0};

	for (int i = 0; b && i < a->st.n; i++) {
		if (!tn_node_running(a, i))
			continue;
		for (int j = 0; j < a->st.n; j++)
			if (!tn_partition_together(&a->st.partition, i, j))
				tn_batch_call(b, i, "setban", json_pack("[s, s]", a->st.node[j].ip,
									"remove"), on_call, &c);
	}
	if (b) {
		tn_batch_run(b);
		tn_batch_free(b);
	}
}

/* After bans are lifted: every edge between running nodes dials again now, all at once. */
static void reconnect_all(struct tn_app *a)
{
	struct tn_batch *b = tn_batch_new(a);
	size_t n = 0;
	struct tn_edge *e = tn_state_edges_new(&a->st, &n);
	bool *run = calloc((size_t)a->st.n + 1, sizeof(*run));
	struct calls c = {0};
	char addr[64];

	if (b && e && run) {
		tn_running_nodes(a, run);
		for (size_t k = 0; k < n; k++) {
			/* Edges dial from the higher index to the lower (topology.h). */
			int from = e[k].from > e[k].to ? e[k].from : e[k].to;
			int to = e[k].from > e[k].to ? e[k].to : e[k].from;
			if (!run[from] || !run[to] || !tn_may_link(a, from, to))
				continue;
			tn_link_addr(&a->st, from, to, addr, sizeof(addr));
			tn_batch_call(b, from, "addnode", json_pack("[s, s]", addr, "onetry"), on_call,
				      &c);
		}
		tn_batch_run(b);
	} else {
		for (int i = 0; i < a->st.n; i++)
			tn_reconnect(a, i);
	}
	tn_batch_free(b);
	free(e);
	free(run);
}

static void print_groups(const struct tn_app *a, const char *text, bool bans)
{
	printf("partitioned: ");
	for (const char *c = text; *c; c++)
		printf(*c == '/' ? " | " : "%c", *c);
	if (bans)
		printf(" (each node bans the p2p addresses of the other side; 'heal' lifts the bans)\n");
	else if (a->st.peer_timeout > 0)
		printf(" (links between the sides cut silently, no bans: each node drops a peer "
		       "when its %d s ping timeout fires; 'heal' restores the links)\n",
		       a->st.peer_timeout);
	else
		printf(" (links between the sides cut silently, no bans: the nodes find out by their "
		       "own ping timeouts; 'heal' restores the links)\n");
}

/* Every running node bans the other side's nodes, all asked at once. */
static int ban_all(struct tn_app *a, char *err, size_t errlen)
{
	struct tn_batch *b = tn_batch_new(a);
	struct calls c = {0};

	if (!b) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < a->st.n; i++)
		if (tn_node_running(a, i))
			queue_bans(b, a, i, &c);
	tn_batch_run(b);
	tn_batch_free(b);
	if (c.failed)
		snprintf(err, errlen, "%d ban%s failed; the first: %s", c.failed,
			 c.failed == 1 ? "" : "s", c.err);
	return c.failed ? -1 : 0;
}

/* Puts partition p in force, silent or by bans, journaled as detail. */
static int partition(struct tn_app *a, const struct tn_partition *p, bool bans,
		     const char *detail)
{
	char err[800], text[256];
	int failed = 0;

	lift_bans(a);
	a->st.partition = *p;
	a->st.partitioned = true;
	a->st.partition_bans = bans;
	tn_partition_format(p, text, sizeof(text));
	tn_state_event(&a->st, "partition", detail ? detail : text);
	if (tn_app_save(a) < 0)
		return 1;
	if (!bans && tn_relay_reload(a, err, sizeof(err)) < 0) {
		fprintf(stderr, "flint-testnet: warning: %s\n", err);
		failed++;
	}
	if (bans && ban_all(a, err, sizeof(err)) < 0) {
		fprintf(stderr, "flint-testnet: warning: %s\n", err);
		failed++;
	}
	print_groups(a, text, bans);
	return failed ? 1 : 0;
}

int tn_cmd_partition(struct tn_app *a, int argc, char **argv)
{
	bool bans = argc == 2 && strcmp(argv[0], "--ban") == 0;
	struct tn_partition p;
	char err[700];

	if (argc != 1 && !bans)
		return tn_fail("usage: flint-testnet partition [--ban] GROUPS (e.g. 0,1/2,3)");
	if (tn_partition_parse(&p, argv[bans], a->st.n, err, sizeof(err)) < 0)
		return tn_fail("%s", err);
	return partition(a, &p, bans, NULL);
}

int tn_cmd_isolate(struct tn_app *a, int argc, char **argv)
{
	struct tn_partition p;
	char err[256], detail[64];
	int i;

	if (argc != 1)
		return tn_fail("usage: flint-testnet isolate NODE");
	if (tn_parse_node(a, argv[0], &i, err, sizeof(err)) < 0)
		return tn_fail("%s", err);
	if (a->st.n < 2)
		return tn_fail("a testnet of one node has no one to cut it off from");
	memset(&p, 0, sizeof(p));
	p.n = a->st.n;
	p.n_groups = 2;
	for (int k = 0; k < a->st.n; k++)
		p.group[k] = k == i ? 0 : 1;
	snprintf(detail, sizeof(detail), "isolate %d", i);
	return partition(a, &p, false, detail);
}

int tn_cmd_heal(struct tn_app *a, int argc, char **argv)
{
	bool was = a->st.partitioned, bans = a->st.partition_bans, cuts = tn_any_cut(&a->st);
	char err[800];

	if (argc != 0)
		return tn_fail("usage: flint-testnet heal");
	lift_bans(a);
	a->st.partitioned = false;
	a->st.partition_bans = false;
	a->st.link_all.cut = false;
	for (size_t k = 0; k < a->st.n_links; k++)
		a->st.links[k].d.cut = false;
	tn_state_event(&a->st, "heal", NULL);
	if (tn_app_save(a) < 0)
		return 1;
	if (tn_relay_reload(a, err, sizeof(err)) < 0)
		fprintf(stderr, "flint-testnet: warning: %s\n", err);
	/* After bans the nodes are told to dial now; after cuts they find their way back alone. */
	if (bans)
		reconnect_all(a);
	if (!was && !cuts)
		printf("no partition or cut link was in force\n");
	else if (bans)
		printf("healed: partition bans lifted; nodes reconnect per the %s topology\n",
		       tn_topology_name(a->st.topology));
	else
		printf("healed: every link is up again; the nodes reconnect by themselves when their "
		       "dial backoff next fires\n");
	return 0;
}

int tn_cmd_skew(struct tn_app *a, int argc, char **argv)
{
	char err[700], *end, detail[64];
	long long off;
	int i;

	if (argc != 2)
		return tn_fail("usage: flint-testnet skew NODE SECONDS");
	if (tn_parse_node(a, argv[0], &i, err, sizeof(err)) < 0)
		return tn_fail("%s", err);
	off = strtoll(argv[1], &end, 10);
	if (!*argv[1] || *end || off < -86400LL * 365 || off > 86400LL * 365)
		return tn_fail("SECONDS: expected a whole number within a year, got '%s'", argv[1]);
	if (tn_node_running(a, i)) {
		json_t *r = tn_call(a, i, "settimeoffset", json_pack("[I]", (json_int_t)off), err,
				    sizeof(err));
		if (!r)
			return tn_fail("%s", err);
		json_decref(r);
	}
	a->st.node[i].time_offset = off;
	snprintf(detail, sizeof(detail), "%d %lld", i, off);
	tn_state_event(&a->st, "skew", detail);
	if (tn_app_save(a) < 0)
		return 1;
	printf("node %d: clock offset %+lld s%s (testnet rejects blocks more than 30 s ahead)\n", i,
	       off, tn_node_running(a, i) ? "" : ", from its next start");
	return 0;
}

/* The first running node: the faucet's wallet talks to it. */
static int any_running(const struct tn_app *a)
{
	for (int i = 0; i < a->st.n; i++)
		if (tn_node_running(a, i))
			return i;
	return -1;
}

/*
 * Journals a payment (the txid is the last line flint-wallet printed), so
 * `check` can tell later whether a reorganisation took it back.
 */
static int journal_payment(struct tn_app *a, const char *out, const char *addr,
			   const char *amount)
{
	const char *last = out, *nl;
	char txid[65], detail[160];

	for (const char *p = out; (nl = strchr(p, '\n')) && nl[1]; p = nl + 1)
		last = nl + 1;
	if (strspn(last, "0123456789abcdef") != 64)
		return 0;                 /* paid, but no txid to remember */
	snprintf(txid, sizeof(txid), "%.64s", last);
	snprintf(detail, sizeof(detail), "%s %.30s %.60s", txid, amount, addr);
	tn_state_event(&a->st, "payment", detail);
	return tn_app_save(a) < 0 ? 1 : 0;
}

int tn_cmd_faucet(struct tn_app *a, int argc, char **argv)
{
	char cookie[700], out[512];
	int i = any_running(a), rc;
	struct tn_args v;

	if (argc != 2)
		return tn_fail("usage: flint-testnet faucet ADDRESS AMOUNT");
	if (i < 0)
		return tn_fail("no node is running (flint-testnet up)");
	tn_node_cookie(&a->st, i, cookie, sizeof(cookie));
	tn_faucet_args(a, &v);
	tn_args_add(&v, "--rpc");
	tn_args_add(&v, "%s:%d", a->st.node[i].ip, a->st.node[i].rpcport);
	tn_args_add(&v, "--rpccookiefile");
	tn_args_add(&v, "%s", cookie);
	tn_args_add(&v, "send");
	tn_args_add(&v, "%s", argv[0]);
	tn_args_add(&v, "%s", argv[1]);
	fflush(stdout);
	rc = tn_run(v.v, out, sizeof(out));
	fputs(out, stdout);
	if (rc != 0) {
		fprintf(stderr, "flint-testnet: the faucet pays from coins its miners earned: they "
			"mature 20 blocks after being mined\n");
		return 1;
	}
	return journal_payment(a, out, argv[0], argv[1]);
}

int tn_cmd_logs(struct tn_app *a, int argc, char **argv)
{
	char err[256], path[700], lines[16] = "40";
	bool follow = false;
	const char *node = NULL;
	struct tn_args v;
	int i;

	for (int k = 0; k < argc; k++) {
		if (strcmp(argv[k], "-f") == 0)
			follow = true;
		else if (strcmp(argv[k], "-n") == 0 && k + 1 < argc && atoi(argv[k + 1]) > 0)
			snprintf(lines, sizeof(lines), "%d", atoi(argv[++k]));
		else if (!node)
			node = argv[k];
		else
			return tn_fail("usage: flint-testnet logs NODE [-f] [-n LINES]");
	}
	if (!node || tn_parse_node(a, node, &i, err, sizeof(err)) < 0)
		return tn_fail("%s", node ? err : "usage: flint-testnet logs NODE [-f] [-n LINES]");
	tn_node_debuglog(&a->st, i, path, sizeof(path));
	if (access(path, R_OK) < 0)
		return tn_fail("node %d has no log yet ('%s')", i, path);
	tn_args_init(&v);
	tn_args_add(&v, "tail");
	tn_args_add(&v, "-n");
	tn_args_add(&v, "%s", lines);
	if (follow)
		tn_args_add(&v, "-f");
	tn_args_add(&v, "%s", path);
	fflush(stdout);
	execvp("tail", v.v);
	return tn_fail("cannot run 'tail': %m");
}
