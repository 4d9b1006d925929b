/*
 * `status`: each node's height, tip, peers, mempool, mining, bans, clock
 * offset and whether it is up, as a table or as JSON, and whether the nodes
 * agree on the tip. Everything comes from the nodes' RPC.
 */
#include "testnet/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testnet/link.h"

static long long num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

void tn_status_collect(struct tn_app *a, int i, struct tn_node_status *st)
{
	json_t *bc, *net, *pool, *mi, *bans;
	const char *tip;

	memset(st, 0, sizeof(*st));
	if (!tn_node_running(a, i) || !(bc = tn_call_quiet(a, i, "getblockchaininfo", NULL)))
		return;
	net = tn_call_quiet(a, i, "getnetworkinfo", NULL);
	pool = tn_call_quiet(a, i, "getmempoolinfo", NULL);
	mi = tn_call_quiet(a, i, "getmininginfo", NULL);
	bans = tn_call_quiet(a, i, "listbanned", NULL);
	tip = json_string_value(json_object_get(bc, "bestblockhash"));
	st->up = true;
	st->height = num(bc, "blocks");
	snprintf(st->tip, sizeof(st->tip), "%s", tip ? tip : "");
	st->peers = (int)num(net, "connections");
	st->time_offset = num(net, "timeoffset");
	st->mempool = (int)num(pool, "size");
	st->mining = json_is_true(json_object_get(mi, "generate"));
	st->banned = (int)json_array_size(bans);
	json_decref(bc);
	json_decref(net);
	json_decref(pool);
	json_decref(mi);
	json_decref(bans);
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

/* "tips: 000000ab.. (height 12): nodes 0 1; 000000cd.. (height 11): node 2" */
static void print_tips(const struct tn_node_status *st, int n)
{
	static bool done[TN_MAX_NODES];

	memset(done, 0, sizeof(done));
	printf("nodes disagree:");
	for (int i = 0; i < n; i++) {
		if (!st[i].up || done[i])
			continue;
		printf(" %.16s (height %lld): node", st[i].tip, st[i].height);
		for (int j = i; j < n; j++) {
			if (st[j].up && strcmp(st[j].tip, st[i].tip) == 0) {
				printf(" %d", j);
				done[j] = true;
			}
		}
		printf(";");
	}
	printf("\n");
}

static void print_table(const struct tn_node_status *st, int n, const struct tn_state *s)
{
	int up = 0;

	printf("%4s  %7s  %-16s  %5s  %7s  %6s  %6s  %7s  %s\n", "node", "height", "tip", "peers",
	       "mempool", "mining", "banned", "offset", "state");
	for (int i = 0; i < n; i++) {
		print_row(i, &st[i]);
		up += st[i].up;
	}
	if (tn_status_agree(st, n)) {
		for (int i = 0; i < n; i++)
			if (st[i].up) {
				printf("%d of %d nodes up; all agree on tip %.16s at height %lld\n", up, n,
				       st[i].tip, st[i].height);
				break;
			}
	} else if (up == 0) {
		printf("no node is up\n");
	} else {
		print_tips(st, n);
	}
	if (s->partitioned) {
		char text[256];
		tn_partition_format(&s->partition, text, sizeof(text));
		printf("partition in force: %s (%s)\n", text,
		       s->partition_bans ? "by bans" : "silent: links cut");
	}
}

void tn_status_print(struct tn_app *a)
{
	static struct tn_node_status st[TN_MAX_NODES];

	for (int i = 0; i < a->st.n; i++)
		tn_status_collect(a, i, &st[i]);
	print_table(st, a->st.n, &a->st);
	tn_links_print_status(a);
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

	if (argc > 1 || (argc == 1 && strcmp(argv[0], "--json") != 0))
		return tn_fail("usage: flint-testnet status [--json]");
	for (int i = 0; i < a->st.n; i++)
		tn_status_collect(a, i, &st[i]);
	if (argc == 0) {
		print_table(st, a->st.n, &a->st);
		tn_links_print_status(a);
		return 0;
	}
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
