/* `tree`: the block tree near the tip, every side branch down to its fork point. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "explorer/explorer.h"

/* ---- tree ---- */

#define TREE_MAX_BRANCHES 32
#define TREE_MAX_SIDE 1000          /* side blocks fetched per branch, at most */

struct side_block {
	char hash[65];
	long long height;
};

/*
 * A side branch: its own blocks, tip first, with their true heights, and
 * the block it grows from: on the active chain, or on a branch loaded
 * before it (then parent is that branch's index).
 */
struct branch {
	const char *status;
	struct side_block *b;
	size_t n;
	long long fork_height;
	char fork_hash[65];
	int parent;                     /* -1: it grows from the active chain */
	bool cut;                       /* longer than TREE_MAX_SIDE: the rest not fetched */
};

/* The branch (of the first nb) holding hash, or -1. */
static int branch_of(const struct branch *br, size_t nb, const char *hash)
{
	for (size_t k = 0; k < nb; k++)
		for (size_t i = 0; i < br[k].n; i++)
			if (strcmp(br[k].b[i].hash, hash) == 0)
				return (int)k;
	return -1;
}

/* Walks down from the tip t to the active chain, or to a block of an earlier branch. */
static void load_branch(struct ex *x, json_t *t, struct branch *br, size_t k)
{
	struct branch *b = &br[k];
	char h[65];

	memset(b, 0, sizeof(*b));
	b->status = ex_str(t, "status");
	b->parent = -1;
	b->b = calloc(TREE_MAX_SIDE, sizeof(*b->b));
	if (!b->b)
		ex_die("%s", "out of memory");
	snprintf(h, sizeof(h), "%s", ex_str(t, "hash"));
	for (;;) {
		json_t *hdr = ex_rpc1(x, "getblockheader", "[\"%s\"]", h);
		int owner = branch_of(br, k, h);
		if (ex_num(hdr, "confirmations") >= 0 || owner >= 0 || b->n == TREE_MAX_SIDE ||
		    !json_is_string(json_object_get(hdr, "previousblockhash"))) {
			b->cut = ex_num(hdr, "confirmations") < 0 && owner < 0;
			b->parent = owner;
			b->fork_height = ex_num(hdr, "height");
			snprintf(b->fork_hash, sizeof(b->fork_hash), "%s", h);
			json_decref(hdr);
			return;
		}
		snprintf(b->b[b->n].hash, sizeof(b->b[b->n].hash), "%s", h);
		b->b[b->n++].height = ex_num(hdr, "height");
		snprintf(h, sizeof(h), "%s", ex_str(hdr, "previousblockhash"));
		json_decref(hdr);
	}
}

/* Height of the active block that branch k leads back to. */
static long long root_fork(const struct branch *br, size_t k)
{
	while (br[k].parent >= 0)
		k = (size_t)br[k].parent;
	return br[k].fork_height;
}

static int by_height_desc(const void *a, const void *b)
{
	long long x = ex_num(*(json_t *const *)a, "height"), y = ex_num(*(json_t *const *)b, "height");

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * The side branches worth drawing: every one whose tip is at least low
 * high, however deep its fork; the highest tips first, so a branch that
 * grows from another finds it loaded. Returns how many.
 */
static size_t load_branches(struct ex *x, json_t *tips, long long low, struct branch *br)
{
	json_t *side[TREE_MAX_BRANCHES], *t;
	size_t n = 0, i;

	json_array_foreach(tips, i, t)
		if (strcmp(ex_str(t, "status"), "active") != 0 && n < TREE_MAX_BRANCHES &&
		    ex_num(t, "height") >= low)
			side[n++] = t;
	qsort(side, n, sizeof(*side), by_height_desc);
	for (i = 0; i < n; i++)
		load_branch(x, side[i], br, i);
	return n;
}

static void short_hash(char out[17], const char *h)
{
	snprintf(out, 17, "%.16s", h);
}

static void draw_branch(const struct branch *br, size_t k)
{
	const struct branch *b = &br[k];

	if (b->parent < 0)
		printf("|\\\n");
	else
		printf("|\\   from side block %lld %.16s\n", b->fork_height, b->fork_hash);
	for (size_t i = 0; i < b->n; i++)
		printf("| o %-7lld %.16s%s%s\n", b->b[i].height, b->b[i].hash, i == 0 ? "  <- " : "",
		       i == 0 ? b->status : "");
	if (b->cut)
		printf("| :   (more side blocks below %lld, not fetched)\n", b->b[b->n - 1].height);
	printf("|/\n");
}

static void draw_tree_text(json_t *active, struct branch *br, size_t nb, long long tip)
{
	size_t i;
	json_t *b;
	char sh[17];

	json_array_foreach(active, i, b) {
		long long h = ex_num(b, "height");
		for (size_t k = 0; k < nb; k++)
			if (root_fork(br, k) == h)
				draw_branch(br, k);
		short_hash(sh, ex_str(b, "hash"));
		printf("* %-7lld %s%s\n", h, sh, h == tip ? "  <- active tip" : "");
	}
}

static void draw_tree_dot(json_t *active, struct branch *br, size_t nb)
{
	size_t i;
	json_t *b;

	printf("digraph flint {\n  rankdir=BT;\n  node [shape=box, fontname=monospace];\n");
	json_array_foreach(active, i, b) {
		printf("  \"%.16s\" [label=\"%lld\\n%.16s\"%s];\n", ex_str(b, "hash"), ex_num(b, "height"),
		       ex_str(b, "hash"), i == 0 ? ", style=filled, fillcolor=palegreen" : "");
		if (i + 1 < json_array_size(active))
			printf("  \"%.16s\" -> \"%.16s\";\n", ex_str(b, "hash"),
			       ex_str(json_array_get(active, i + 1), "hash"));
	}
	for (size_t k = 0; k < nb; k++) {
		const struct branch *s = &br[k];
		for (size_t j = 0; j < s->n; j++) {
			/* Only a tip carries a status line. */
			printf("  \"%.16s\" [label=\"%lld\\n%.16s%s%s\", style=dashed];\n", s->b[j].hash,
			       s->b[j].height, s->b[j].hash, j == 0 ? "\\n" : "", j == 0 ? s->status : "");
			printf("  \"%.16s\" -> \"%.16s\";\n", s->b[j].hash,
			       j + 1 < s->n ? s->b[j + 1].hash : s->fork_hash);
		}
	}
	printf("}\n");
}

static json_t *branch_json(const struct branch *b)
{
	json_t *blocks = json_array(), *heights = json_array();

	for (size_t i = 0; i < b->n; i++) {
		json_array_append_new(blocks, json_string(b->b[i].hash));
		json_array_append_new(heights, json_integer(b->b[i].height));
	}
	return json_pack("{s:s, s:I, s:s, s:o, s:o, s:b}", "status", b->status, "fork_height",
			 b->fork_height, "fork_hash", b->fork_hash, "blocks", blocks, "heights",
			 heights, "complete", !b->cut);
}

int ex_cmd_tree(struct ex *x)
{
	json_t *tips = ex_rpc(x, "getchaintips", NULL), *count = ex_rpc(x, "getblockcount", NULL), *active;
	long long tip = json_integer_value(count), low = tip - x->depth + 1, bottom = low;
	struct branch br[TREE_MAX_BRANCHES];
	size_t nb = load_branches(x, tips, low, br);

	/* The active chain is drawn down to the lowest fork, so every branch hangs off its block. */
	for (size_t k = 0; k < nb; k++)
		if (root_fork(br, k) < bottom)
			bottom = root_fork(br, k);
	active = ex_last_blocks(x, tip - (bottom > 0 ? bottom : 0) + 1);
	if (x->json) {
		json_t *o = json_pack("{s:O, s:[]}", "active", active, "branches");
		for (size_t k = 0; k < nb; k++)
			json_array_append_new(json_object_get(o, "branches"), branch_json(&br[k]));
		ex_print_json(o);
		json_decref(o);
	} else if (x->dot) {
		draw_tree_dot(active, br, nb);
	} else {
		draw_tree_text(active, br, nb, tip);
	}
	for (size_t k = 0; k < nb; k++)
		free(br[k].b);
	json_decref(count);
	json_decref(tips);
	json_decref(active);
	return 0;
}

