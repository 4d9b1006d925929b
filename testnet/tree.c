/*
 * `tree`: the block tree near the tips, across all nodes. Each running node
 * contributes its chain tips (getchaintips) and the headers below them
 * (getblockheader) down to --depth blocks below the highest tip; the union
 * is drawn with the most-work chain as the trunk, side branches beside it,
 * and every node's tip marked. `--dot` prints Graphviz instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testnet/app.h"

struct tblock {
	char hash[65], prev[65];
	long long height;
	char work[65];            /* chainwork, hex, zero-padded to compare as text */
	char status[16];          /* from getchaintips when some node lists it as a tip */
	unsigned long long tip_of; /* bit i: node i's active tip */
	bool trunk, drawn;
};

struct tree {
	struct tblock *b;
	size_t n, cap;
	long long low;            /* lowest height drawn */
	long long below[TN_MAX_NODES]; /* a node's tip height under the window, else -1 */
};

static struct tblock *find(struct tree *t, const char *hash)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->b[i].hash, hash) == 0)
			return &t->b[i];
	return NULL;
}

/* Adds the header of hash, as node i knows it; NULL if it cannot be had. */
static struct tblock *add(struct tn_app *a, struct tree *t, int i, const char *hash)
{
	json_t *h = tn_call_quiet(a, i, "getblockheader", json_pack("[s]", hash));
	const char *prev = json_string_value(json_object_get(h, "previousblockhash"));
	const char *work = json_string_value(json_object_get(h, "chainwork"));
	struct tblock *b = NULL;

	if (h && t->n == t->cap) {
		struct tblock *more = realloc(t->b, (t->cap * 2 + 64) * sizeof(*more));
		if (more) {
			t->b = more;
			t->cap = t->cap * 2 + 64;
		}
	}
	if (h && t->n < t->cap) {
		b = &t->b[t->n++];
		memset(b, 0, sizeof(*b));
		snprintf(b->hash, sizeof(b->hash), "%s", hash);
		snprintf(b->prev, sizeof(b->prev), "%s", prev ? prev : "");
		snprintf(b->work, sizeof(b->work), "%64.64s", work ? work : "0");
		for (char *c = b->work; *c == ' '; c++)
			*c = '0';
		b->height = (long long)json_integer_value(json_object_get(h, "height"));
	}
	json_decref(h);
	return b;
}

/* Walks down from hash on node i until a known block or the floor. */
static struct tblock *walk(struct tn_app *a, struct tree *t, int i, const char *hash)
{
	struct tblock *top = find(t, hash), *b = top;
	char cur[65];

	if (top)
		return top;
	snprintf(cur, sizeof(cur), "%s", hash);
	while ((b = find(t, cur)) == NULL && (b = add(a, t, i, cur)) != NULL) {
		if (!top)
			top = b;
		if (b->height <= t->low || !b->prev[0])
			break;
		snprintf(cur, sizeof(cur), "%s", b->prev);
	}
	return top ? top : b;
}

static void collect_node(struct tn_app *a, struct tree *t, int i)
{
	json_t *tips = tn_call_quiet(a, i, "getchaintips", NULL), *tip;
	size_t k;

	json_array_foreach(tips, k, tip) {
		const char *hash = json_string_value(json_object_get(tip, "hash"));
		const char *status = json_string_value(json_object_get(tip, "status"));
		struct tblock *b;
		long long height = (long long)json_integer_value(json_object_get(tip, "height"));
		bool active = status && strcmp(status, "active") == 0;
		if (active && height < t->low)
			t->below[i] = height;
		if (!hash || height < t->low)
			continue;
		b = walk(a, t, i, hash);
		if (!b)
			continue;
		if (active)
			b->tip_of |= 1ULL << i;
		else if (status && !b->status[0])
			snprintf(b->status, sizeof(b->status), "%s", status);
	}
	json_decref(tips);
}

/* The highest tip height of any running node, or -1. */
static long long top_height(struct tn_app *a)
{
	long long top = -1;

	for (int i = 0; i < a->st.n; i++) {
		json_t *h = tn_node_running(a, i) ? tn_call_quiet(a, i, "getblockcount", NULL) : NULL;
		if (json_is_integer(h) && json_integer_value(h) > top)
			top = json_integer_value(h);
		json_decref(h);
	}
	return top;
}

/* Marks the most-work chain (the trunk). */
static void mark_trunk(struct tree *t)
{
	struct tblock *best = NULL;

	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->b[i].status, "invalid") != 0 &&
		    (!best || strcmp(t->b[i].work, best->work) > 0))
			best = &t->b[i];
	for (struct tblock *b = best; b; b = find(t, b->prev))
		b->trunk = true;
}

static void print_marks(const struct tblock *b)
{
	bool first = true;

	for (int i = 0; i < 64; i++) {
		if (b->tip_of & (1ULL << i)) {
			printf("%s%d", first ? "  <- tip of node " : ", ", i);
			first = false;
		}
	}
	/* A fork's status is news; a trunk block that some node knows as headers is not. */
	if (b->status[0] && (!b->trunk || strcmp(b->status, "invalid") == 0))
		printf("  [%s]", b->status);
	printf("\n");
}

static bool has_child(struct tree *t, const struct tblock *b)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->b[i].prev, b->hash) == 0)
			return true;
	return false;
}

/* Draws each side branch that leaves the trunk at fork (leaf first). */
static void draw_branches(struct tree *t, const struct tblock *fork)
{
	for (size_t i = 0; i < t->n; i++) {
		struct tblock *leaf = &t->b[i], *b;
		if (leaf->trunk || leaf->drawn || has_child(t, leaf))
			continue;
		for (b = leaf; b && !b->trunk; b = find(t, b->prev))
			if (!find(t, b->prev) || find(t, b->prev)->trunk)
				break;
		if (!b || strcmp(b->prev, fork->hash) != 0)
			continue;
		printf("|\\\n");
		for (b = leaf; b && !b->trunk && !b->drawn; b = find(t, b->prev)) {
			printf("| o %-7lld %.16s", b->height, b->hash);
			print_marks(b);
			b->drawn = true;
		}
		printf("|/\n");
	}
}

static void draw_text(struct tree *t, long long top, int n)
{
	for (int i = 0; i < n; i++)
		if (t->below[i] >= 0)
			printf("  (node %d is behind: its tip is at height %lld)\n", i, t->below[i]);
	for (long long h = top; h >= t->low; h--) {
		for (size_t i = 0; i < t->n; i++) {
			struct tblock *b = &t->b[i];
			if (b->height != h || !b->trunk)
				continue;
			draw_branches(t, b);
			printf("* %-7lld %.16s", b->height, b->hash);
			print_marks(b);
		}
	}
	for (size_t i = 0; i < t->n; i++)
		if (!t->b[i].trunk && !t->b[i].drawn)
			printf("  (side block %.16s at height %lld forks below the window)\n",
			       t->b[i].hash, t->b[i].height);
}

static void draw_dot(struct tree *t)
{
	printf("digraph flint {\n  rankdir=BT;\n  node [shape=box, fontname=monospace];\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct tblock *b = &t->b[i];
		printf("  \"%.16s\" [label=\"%lld\\n%.16s", b->hash, b->height, b->hash);
		for (int k = 0; k < 64; k++)
			if (b->tip_of & (1ULL << k))
				printf("\\ntip of node %d", k);
		printf("%s%s\"%s];\n", b->status[0] ? "\\n" : "", b->status,
		       b->trunk ? ", style=filled, fillcolor=palegreen" : ", style=dashed");
		if (find(t, b->prev))
			printf("  \"%.16s\" -> \"%.16s\";\n", b->hash, b->prev);
	}
	printf("}\n");
}

int tn_cmd_tree(struct tn_app *a, int argc, char **argv)
{
	struct tree t;
	long long depth = 12, top;
	bool dot = false;

	memset(&t, 0, sizeof(t));
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--dot") == 0)
			dot = true;
		else if (strcmp(argv[i], "--depth") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0)
			depth = atoi(argv[++i]);
		else
			return tn_fail("usage: flint-testnet tree [--dot] [--depth N]");
	}
	if ((top = top_height(a)) < 0)
		return tn_fail("no node is running");
	t.low = top - depth + 1 > 0 ? top - depth + 1 : 0;
	for (int i = 0; i < TN_MAX_NODES; i++)
		t.below[i] = -1;
	for (int i = 0; i < a->st.n; i++)
		if (tn_node_running(a, i))
			collect_node(a, &t, i);
	mark_trunk(&t);
	if (dot)
		draw_dot(&t);
	else
		draw_text(&t, top, a->st.n);
	free(t.b);
	return 0;
}
