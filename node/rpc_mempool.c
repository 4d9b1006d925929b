/*
 * getrawmempool's verbose view, as Bitcoin Core shapes each entry: sizes,
 * weight, entry time and height, fees{base, modified, ancestor,
 * descendant}, in-pool ancestor and descendant counts and sizes, depends
 * and spentby. The pool keeps no graph, so one is built per call from the
 * entries' inputs. Flint has no witness data and no fee deltas: vsize is
 * the size, weight four times it, and the modified fee is the base fee.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/rpc_internal.h"
#include "util/hex.h"
#include "util/hmap.h"

/* Invariant: the kids of entry i are kid[first[i] .. first[i + 1]). */
struct pool_graph {
	const struct node_mempool_entry **e;
	size_t n;
	struct util_hmap pos;        /* txid -> 1 + index in e */
	size_t *first, *kid;
	size_t *mark, epoch;         /* mark[i] == epoch: visited in this walk */
	size_t *stack;
};

struct family {
	int64_t count, size, fees;
};

static void collect_entry(void *ctx, const struct node_mempool_entry *me)
{
	struct pool_graph *g = ctx;

	g->e[g->n++] = me;
}

/* The pool index of the tx with this txid, or SIZE_MAX if it is not in the pool. */
static size_t index_of(const struct pool_graph *g, const uint8_t txid[32])
{
	uintptr_t v = (uintptr_t)util_hmap_get(&g->pos, txid);

	return v ? (size_t)v - 1 : SIZE_MAX;
}

/* Calls fn for each in-pool parent of entry i, once per parent. */
static void each_parent(struct pool_graph *g, size_t i, void (*fn)(struct pool_graph *, size_t, size_t))
{
	const struct cons_tx *tx = &g->e[i]->tx;

	g->epoch++;
	for (size_t k = 0; k < tx->n_in; k++) {
		size_t j = index_of(g, tx->in[k].prevout.txid);
		if (j != SIZE_MAX && g->mark[j] != g->epoch) {
			g->mark[j] = g->epoch;
			fn(g, i, j);
		}
	}
}

static void count_kid(struct pool_graph *g, size_t child, size_t parent)
{
	g->first[parent + 1]++;
}

static void place_kid(struct pool_graph *g, size_t child, size_t parent)
{
	g->kid[g->stack[parent]++] = child;   /* stack: the next free slot per parent */
}

static void graph_release(struct pool_graph *g)
{
	free(g->e);
	free(g->first);
	free(g->kid);
	free(g->mark);
	free(g->stack);
	util_hmap_release(&g->pos);
}

/* 0, or -1 out of memory. */
static int graph_build(struct pool_graph *g, const struct node_mempool *mp)
{
	size_t n = node_mempool_count(mp), edges;

	memset(g, 0, sizeof(*g));
	util_hmap_init(&g->pos, 32);
	g->e = calloc(n + 1, sizeof(*g->e));
	g->first = calloc(n + 2, sizeof(*g->first));
	g->mark = calloc(n + 1, sizeof(*g->mark));
	g->stack = calloc(n + 1, sizeof(*g->stack));
	if (!g->e || !g->first || !g->mark || !g->stack)
		return -1;
	node_mempool_foreach(mp, collect_entry, g);
	for (size_t i = 0; i < g->n; i++)
		if (util_hmap_put(&g->pos, g->e[i]->tx.txid, (void *)(uintptr_t)(i + 1)) < 0)
			return -1;
	for (size_t i = 0; i < g->n; i++)
		each_parent(g, i, count_kid);
	for (size_t i = 0; i < g->n; i++)
		g->first[i + 1] += g->first[i];
	edges = g->first[g->n];
	g->kid = calloc(edges + 1, sizeof(*g->kid));
	if (!g->kid)
		return -1;
	memcpy(g->stack, g->first, g->n * sizeof(*g->stack));
	for (size_t i = 0; i < g->n; i++)
		each_parent(g, i, place_kid);
	return 0;
}

static void add_to(struct family *f, const struct node_mempool_entry *me)
{
	f->count++;
	f->size += (int64_t)me->tx.size;
	f->fees += me->fee;
}

/* Entry i and its in-pool descendants (down) or ancestors (up), each once. */
static struct family relatives(struct pool_graph *g, size_t i, bool down)
{
	struct family f = {0};
	size_t top = 0;

	g->epoch++;
	g->mark[i] = g->epoch;
	g->stack[top++] = i;
	while (top > 0) {
		size_t j = g->stack[--top];
		const struct cons_tx *tx = &g->e[j]->tx;
		add_to(&f, g->e[j]);
		if (down) {
			for (size_t k = g->first[j]; k < g->first[j + 1]; k++)
				if (g->mark[g->kid[k]] != g->epoch) {
					g->mark[g->kid[k]] = g->epoch;
					g->stack[top++] = g->kid[k];
				}
			continue;
		}
		for (size_t k = 0; k < tx->n_in; k++) {
			size_t p = index_of(g, tx->in[k].prevout.txid);
			if (p != SIZE_MAX && g->mark[p] != g->epoch) {
				g->mark[p] = g->epoch;
				g->stack[top++] = p;
			}
		}
	}
	return f;
}

static json_t *depends_json(struct pool_graph *g, size_t i)
{
	const struct cons_tx *tx = &g->e[i]->tx;
	json_t *deps = json_array();

	g->epoch++;
	for (size_t k = 0; deps && k < tx->n_in; k++) {
		size_t j = index_of(g, tx->in[k].prevout.txid);
		if (j != SIZE_MAX && g->mark[j] != g->epoch) {
			g->mark[j] = g->epoch;
			json_array_append_new(deps, rpc_hash(g->e[j]->tx.txid));
		}
	}
	return deps;
}

static json_t *spentby_json(const struct pool_graph *g, size_t i)
{
	json_t *kids = json_array();

	for (size_t k = g->first[i]; kids && k < g->first[i + 1]; k++)
		json_array_append_new(kids, rpc_hash(g->e[g->kid[k]]->tx.txid));
	return kids;
}

static json_t *entry_json(struct pool_graph *g, size_t i)
{
	const struct node_mempool_entry *me = g->e[i];
	struct family up, down;

	/* The walks reuse the stack, which held the kid slots only while building. */
	up = relatives(g, i, false);
	down = relatives(g, i, true);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:{s:o, s:o, s:o, s:o}, "
			 "s:o, s:o}",
			 "vsize", (json_int_t)me->tx.size, "weight", (json_int_t)(4 * me->tx.size),
			 "time", (json_int_t)me->time, "height", (json_int_t)me->height,
			 "descendantcount", (json_int_t)down.count, "descendantsize",
			 (json_int_t)down.size, "ancestorcount", (json_int_t)up.count,
			 "ancestorsize", (json_int_t)up.size, "wtxid", rpc_hash(me->tx.txid), "fees",
			 "base", rpc_amount(me->fee), "modified", rpc_amount(me->fee), "ancestor",
			 rpc_amount(up.fees), "descendant", rpc_amount(down.fees), "depends",
			 depends_json(g, i), "spentby", spentby_json(g, i));
}

json_t *rpc_mempool_verbose(struct node_rpc_env *env, struct rpc_error *e)
{
	struct pool_graph g;
	json_t *out = json_object();
	char hex[65];

	if (graph_build(&g, env->mempool) < 0 || !out) {
		graph_release(&g);
		json_decref(out);
		return rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
	}
	for (size_t i = 0; i < g.n; i++) {
		util_hex_encode_rev(hex, g.e[i]->tx.txid, 32);
		json_object_set_new(out, hex, entry_json(&g, i));
	}
	graph_release(&g);
	return out;
}
