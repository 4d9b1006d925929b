/*
 * `status`: each node's height, tip, peers, mempool, mining, bans, clock
 * offset and whether it is up, as a table or as JSON, and whether the nodes
 * agree on the tip. Everything comes from the nodes' RPC.
 */
#include "testnet/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testnet/batch.h"
#include "testnet/link.h"

static long long num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

enum { Q_CHAIN, Q_NET, Q_POOL, Q_MINING, Q_BANS, N_Q };
static const char *const q_method[N_Q] = {"getblockchaininfo", "getnetworkinfo",
					  "getmempoolinfo", "getmininginfo", "listbanned"};

struct q {
	struct tn_node_status *st;
	int kind;
};

static void on_answer(void *arg, int i, json_t *r, const char *err)
{
	const struct q *q = arg;
	struct tn_node_status *s = &q->st[i];
	const char *tip;

	if (!r)
		return;
	switch (q->kind) {
	case Q_CHAIN:
		tip = json_string_value(json_object_get(r, "bestblockhash"));
		s->up = true;
		s->height = num(r, "blocks");
		snprintf(s->tip, sizeof(s->tip), "%s", tip ? tip : "");
		break;
	case Q_NET:
		s->peers = (int)num(r, "connections");
		s->time_offset = num(r, "timeoffset");
		break;
	case Q_POOL:
		s->mempool = (int)num(r, "size");
		break;
	case Q_MINING:
		s->mining = json_is_true(json_object_get(r, "generate"));
		break;
	case Q_BANS:
		s->banned = (int)json_array_size(r);
		break;
	}
}

void tn_status_collect_all(struct tn_app *a, struct tn_node_status *st)
{
	static bool run[TN_MAX_NODES];
	struct tn_batch *b = tn_batch_new(a);
	struct q q[N_Q];

	memset(st, 0, (size_t)a->st.n * sizeof(*st));
	if (!b)
		return;
	tn_running_nodes(a, run);
	for (int k = 0; k < N_Q; k++)
		q[k] = (struct q){st, k};
	for (int i = 0; i < a->st.n; i++)
		for (int k = 0; run[i] && k < N_Q; k++)
			tn_batch_call(b, i, q_method[k], NULL, on_answer, &q[k]);
	tn_batch_run(b);
	tn_batch_free(b);
}

bool tn_status_agree(const struct tn_node_status *st, int n)
{
	const char *tip = NULL;

	for (int i = 0; i < n; i++) {
		if (!st[i].up)
			continue;
		if (tip && strcmp(tip, st[i].tip) != 0)
			return false;
		tip = st[i].tip;
	}
	return tip != NULL;
}

static void print_row(int i, const struct tn_node_status *s)
{
	if (!s->up) {
		printf("%4d  %7s  %-16s  %5s  %7s  %6s  %6s  %7s  %s\n", i, "-", "-", "-", "-", "-",
		       "-", "-", "down");
		return;
	}
	printf("%4d  %7lld  %.16s  %5d  %7d  %6s  %6d  %6llds  %s\n", i, s->height, s->tip,
	       s->peers, s->mempool, s->mining ? "yes" : "no", s->banned, s->time_offset, "up");
}

static int cmp_ll(const void *x, const void *y)
{
	long long a = *(const long long *)x, b = *(const long long *)y;

	return (a > b) - (a < b);
}

struct tipcount {
	const char *tip;
	long long height;
	int nodes, first;
};

static int by_nodes(const void *x, const void *y)
{
	const struct tipcount *a = x, *b = y;

	if (a->nodes != b->nodes)
		return a->nodes > b->nodes ? -1 : 1;
	return (a->first > b->first) - (a->first < b->first);
}

static int by_tip(const void *x, const void *y)
{
	const struct tn_node_status *const *a = x, *const *b = y;

	return strcmp((*a)->tip, (*b)->tip);
}

/*
 * The network in a few lines, however many nodes: how many are up, heights
 * min/median/max, and the nodes per tip (the largest groups first; a node
 * list only for small groups).
 */
static void print_summary(const struct tn_node_status *st, int n, const struct tn_state *s)
{
	static long long h[TN_MAX_NODES];
	static const struct tn_node_status *up[TN_MAX_NODES];
	static struct tipcount tc[TN_MAX_NODES];
	int nu = 0, nt = 0;

	for (int i = 0; i < n; i++)
		if (st[i].up) {
			h[nu] = st[i].height;
			up[nu++] = &st[i];
		}
	if (nu == 0) {
		printf("no node is up (%d down)\n", n);
		return;
	}
	qsort(h, (size_t)nu, sizeof(h[0]), cmp_ll);
	qsort(up, (size_t)nu, sizeof(up[0]), by_tip);
	for (int k = 0; k < nu; k++) {
		if (nt && strcmp(tc[nt - 1].tip, up[k]->tip) == 0) {
			tc[nt - 1].nodes++;
			if (up[k] - st < tc[nt - 1].first)
				tc[nt - 1].first = (int)(up[k] - st);
			continue;
		}
		tc[nt++] = (struct tipcount){up[k]->tip, up[k]->height, 1, (int)(up[k] - st)};
	}
	qsort(tc, (size_t)nt, sizeof(tc[0]), by_nodes);
	if (nt == 1)
		printf("%d of %d nodes up; all agree on tip %.16s at height %lld\n", nu, n, tc[0].tip,
		       tc[0].height);
	else
		printf("%d of %d nodes up (%d down); %d tips: nodes disagree\n", nu, n, n - nu, nt);
	printf("height: min %lld, median %lld, max %lld\n", h[0], h[nu / 2], h[nu - 1]);
	for (int k = 0; nt > 1 && k < nt && k < 8; k++) {
		printf("  tip %.16s (height %lld): %d node%s", tc[k].tip, tc[k].height, tc[k].nodes,
		       tc[k].nodes == 1 ? "" : "s");
		if (tc[k].nodes <= 8) {
			printf(":");
			for (int i = 0; i < n; i++)
				if (st[i].up && strcmp(st[i].tip, tc[k].tip) == 0)
					printf(" %d", i);
		} else {
			printf(", node %d among them", tc[k].first);
		}
		printf("\n");
	}
	if (nt > 8)
		printf("  ... and %d more tips\n", nt - 8);
	if (s->partitioned) {
		char text[256];
		tn_partition_format(&s->partition, text, sizeof(text));
		printf("partition in force: %s%s (%s)\n", text, strlen(text) >= 250 ? "..." : "",
		       s->partition_bans ? "by bans" : "silent: links cut");
	}
}

static void print_table(const struct tn_node_status *st, int n)
{
	printf("%4s  %7s  %-16s  %5s  %7s  %6s  %6s  %7s  %s\n", "node", "height", "tip", "peers",
	       "mempool", "mining", "banned", "offset", "state");
	for (int i = 0; i < n; i++)
		print_row(i, &st[i]);
}

void tn_status_print(struct tn_app *a, bool all)
{
	static struct tn_node_status st[TN_MAX_NODES];

	tn_status_collect_all(a, st);
	if (all)
		print_table(st, a->st.n);
	print_summary(st, a->st.n, &a->st);
	tn_links_print_status(a, all);
}

static json_t *node_json(int i, const struct tn_node_status *s)
{
	if (!s->up)
		return json_pack("{s:i, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:b}", "index", i,
				 "height", "tip", "peers", "mempool", "mining", "banned",
				 "time_offset", "up", 0);
	return json_pack("{s:i, s:I, s:s, s:i, s:i, s:b, s:i, s:I, s:b}", "index", i, "height",
			 (json_int_t)s->height, "tip", s->tip, "peers", s->peers, "mempool",
			 s->mempool, "mining", s->mining, "banned", s->banned, "time_offset",
			 (json_int_t)s->time_offset, "up", 1);
}

int tn_cmd_status(struct tn_app *a, int argc, char **argv)
{
	static struct tn_node_status st[TN_MAX_NODES];
	json_t *nodes, *out, *links;
	char *text;
	bool relay_up;

	if (argc > 1 || (argc == 1 && strcmp(argv[0], "--json") != 0 &&
			 strcmp(argv[0], "--all") != 0))
		return tn_fail("usage: flint-testnet status [--all | --json]");
	if (argc == 0 || strcmp(argv[0], "--all") == 0) {
		tn_status_print(a, argc == 1);
		return 0;
	}
	tn_status_collect_all(a, st);
	nodes = json_array();
	for (int i = 0; i < a->st.n; i++)
		json_array_append_new(nodes, node_json(i, &st[i]));
	links = tn_links_json(a, &relay_up);
	out = json_pack("{s:o, s:b, s:{s:b, s:i}, s:o}", "nodes", nodes, "agree",
			tn_status_agree(st, a->st.n), "relay", "running", relay_up, "pid",
			relay_up ? a->st.relay_pid : 0, "links", links ? links : json_array());
	text = out ? json_dumps(out, JSON_PRESERVE_ORDER) : NULL;
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(out);
	return text ? 0 : tn_fail("out of memory");
}
