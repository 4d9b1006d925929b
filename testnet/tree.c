/*
 * `tree`: the block tree near the tips, across all nodes. Each running node
 * contributes its chain tips (getchaintips) and the headers below them
 * (getblockheader) down to --depth blocks below the highest tip; the union
 * is drawn with the most-work chain as the trunk, side branches beside it,
 * and every node's tip marked. `--dot` prints Graphviz instead. All nodes
 * are asked for their tips at once (testnet/batch.h); headers are fetched
 * once per block and fork points once per distinct tip, so 10,000 nodes on
 * a few tips cost one round of RPC and a few walks, not one walk per node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testnet/app.h"
#include "testnet/batch.h"
#include "util/hmap.h"

/* Blocks below the top that `tree` goes down, at most, to find where branches fork. */
#define MAX_DEPTH 500
/* Nodes named beside a tip; the rest are counted ("and 9,936 more nodes"). */
#define TREE_MARKS 64

struct tblock {
	char hash[65], prev[65];
	long long height;
	char work[65];            /* chainwork, hex, zero-padded to compare as text */
	char status[16];          /* from getchaintips when some node lists it as a tip */
	int tip_of[TREE_MARKS];   /* the first nodes whose active tip it is, ascending */
	int n_tips;               /* nodes whose active tip it is, all of them */
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

/* Node i's chain tips (tips, borrowed) into the tree, walking down to t->low. */
static void collect_node(struct tn_app *a, struct tree *t, int i, json_t *tips)
{
	json_t *tip;
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
		if (active && b->n_tips < TREE_MARKS)
			b->tip_of[b->n_tips] = i;
		if (active)
			b->n_tips++;
		else if (status && !b->status[0])
			snprintf(b->status, sizeof(b->status), "%s", status);
	}
}

/* The highest tip height of any running node (and which node), or -1. */
static long long top_height(struct tn_app *a, int *node)
{
	long long top = -1;
	int best = tn_highest_node(a, &top);    /* all nodes asked at once */

	if (best >= 0)
		*node = best;
	return best >= 0 ? top : -1;
}

/* Confirmations of hash on node n (-1 off its chain, -2 unknown to it); its parent too. */
static long long confirmations(struct tn_app *a, int n, const char *hash, char prev[65],
			       long long *height)
{
	json_t *h = tn_call_quiet(a, n, "getblockheader", json_pack("[s]", hash));
	const char *p = json_string_value(json_object_get(h, "previousblockhash"));
	long long c = h ? (long long)json_integer_value(json_object_get(h, "confirmations")) : -2;

	snprintf(prev, 65, "%s", p ? p : "");
	*height = (long long)json_integer_value(json_object_get(h, "height"));
	json_decref(h);
	return c;
}

/* Height where node i's chain, up to tip, leaves node top's (at most MAX_DEPTH blocks down). */
static long long fork_height(struct tn_app *a, int top, int i, const char *tip, long long floor)
{
	char hash[65], prev[65];
	long long height = floor + 1;

	snprintf(hash, sizeof(hash), "%s", tip);
	while (hash[0] && height > floor) {
		if (confirmations(a, top, hash, prev, &height) >= 0)
			return height > floor ? height : floor;
		if (confirmations(a, i, hash, prev, &height) == -2)
			break;
		snprintf(hash, sizeof(hash), "%s", prev);
	}
	return floor;
}

/* The lowest fork point of the side branches in tips whose tips are at least `from` high. */
static long long side_forks(json_t *tips, long long from)
{
	json_t *t;
	long long low = from;
	size_t k;

	json_array_foreach(tips, k, t) {
		long long h = (long long)json_integer_value(json_object_get(t, "height"));
		long long len = (long long)json_integer_value(json_object_get(t, "branchlen"));
		if (h >= from && h - len < low)
			low = h - len;
	}
	return low;
}

/* The hash of the active tip in getchaintips' answer tips, or NULL. */
static const char *active_tip(json_t *tips)
{
	json_t *t;
	size_t k;

	json_array_foreach(tips, k, t) {
		const char *status = json_string_value(json_object_get(t, "status"));
		if (status && strcmp(status, "active") == 0)
			return json_string_value(json_object_get(t, "hash"));
	}
	return NULL;
}

/*
 * The lowest height to draw: depth below the top, or lower to show where
 * each node forks. A fork point is looked for once per distinct active tip.
 */
static long long window_low(struct tn_app *a, json_t **tips, int top_node, long long top,
			    long long depth)
{
	long long low = top - depth + 1, floor = top - MAX_DEPTH;
	const char *top_tip = active_tip(tips[top_node]);
	struct util_hmap seen;

	util_hmap_init(&seen, 40);
	for (int i = 0; i < a->st.n; i++) {
		const char *tip = tips[i] ? active_tip(tips[i]) : NULL;
		uint8_t key[40] = {0};
		long long f;
		if (!tip)
			continue;
		memcpy(key, tip, strnlen(tip, sizeof(key)));
		if (!(top_tip && strcmp(tip, top_tip) == 0) && !util_hmap_get(&seen, key)) {
			f = fork_height(a, top_node, i, tip, floor > 0 ? floor : 0);
			if (f < low)
				low = f;
			/* Out of memory the same tip is looked at again: slower, the same answer. */
			(void)!util_hmap_put(&seen, key, &seen);
		}
		f = side_forks(tips[i], top - depth + 1);
		if (f < low)
			low = f > floor ? f : floor;
	}
	util_hmap_release(&seen);
	return low > 0 ? low : 0;
}

static void on_tips(void *arg, int i, json_t *result, const char *err)
{
	json_t **tips = arg;

	if (result)
		tips[i] = json_incref(result);
}

/* Every running node's getchaintips, asked at once: tips[i], NULL if node i did not answer. */
static int ask_tips(struct tn_app *a, json_t **tips)
{
	struct tn_batch *b = tn_batch_new(a);

	if (!b)
		return -1;
	for (int i = 0; i < a->st.n; i++) {
		tips[i] = NULL;
		if (tn_node_running(a, i))
			tn_batch_call(b, i, "getchaintips", NULL, on_tips, tips);
	}
	tn_batch_run(b);
	tn_batch_free(b);
	return 0;
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
	int shown = 0;

	for (; shown < b->n_tips && shown < TREE_MARKS; shown++) {
		printf("%s%d", first ? "  <- tip of node " : ", ", b->tip_of[shown]);
		first = false;
	}
	if (b->n_tips > shown)
		printf("%s%d %snode%s", first ? "  <- tip of " : " and ", b->n_tips - shown,
		       first ? "" : "more ", b->n_tips - shown == 1 ? "" : "s");
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
	size_t left = 0;

	for (size_t i = 0; i < t->n; i++)
		left += !t->b[i].trunk && !t->b[i].drawn;
	if (left)
		printf("  (%zu side block%s fork below the window: try a larger --depth)\n", left,
		       left == 1 ? "" : "s");
}

static void draw_dot(struct tree *t)
{
	printf("digraph flint {\n  rankdir=BT;\n  node [shape=box, fontname=monospace];\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct tblock *b = &t->b[i];
		printf("  \"%.16s\" [label=\"%lld\\n%.16s", b->hash, b->height, b->hash);
		for (int k = 0; k < b->n_tips && k < TREE_MARKS; k++)
			printf("\\ntip of node %d", b->tip_of[k]);
		printf("%s%s\"%s];\n", b->status[0] ? "\\n" : "", b->status,
		       b->trunk ? ", style=filled, fillcolor=palegreen" : ", style=dashed");
		if (find(t, b->prev))
			printf("  \"%.16s\" -> \"%.16s\";\n", b->hash, b->prev);
	}
	printf("}\n");
}

static void release_tips(json_t **tips, int n)
{
	for (int i = 0; i < n; i++)
		json_decref(tips[i]);
}

int tn_cmd_tree(struct tn_app *a, int argc, char **argv)
{
	static struct tree t;
	static json_t *tips[TN_MAX_NODES];
	long long depth = 12, top;
	int top_node = 0;
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
	if ((top = top_height(a, &top_node)) < 0)
		return tn_fail("no node is running");
	if (ask_tips(a, tips) < 0)
		return tn_fail("out of memory");
	if (!tips[top_node]) {
		release_tips(tips, a->st.n);
		return tn_fail("node %d stopped answering", top_node);
	}
	t.low = window_low(a, tips, top_node, top, depth);
	for (int i = 0; i < TN_MAX_NODES; i++)
		t.below[i] = -1;
	for (int i = 0; i < a->st.n; i++)
		if (tips[i])
			collect_node(a, &t, i, tips[i]);
	release_tips(tips, a->st.n);
	mark_trunk(&t);
	if (dot)
		draw_dot(&t);
	else
		draw_text(&t, top, a->st.n);
	free(t.b);
	return 0;
}
