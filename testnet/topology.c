/*
 * Topologies and partitions of a local testnet (see topology.h).
 */
#include "testnet/topology.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {"mesh", "ring", "line", "star", "random", "bitcoin"};
#define N_NAMES (sizeof(names) / sizeof(names[0]))

int tn_topology_parse(enum tn_topology *t, const char *s)
{
	for (size_t i = 0; i < N_NAMES; i++) {
		if (strcmp(s, names[i]) == 0) {
			*t = (enum tn_topology)i;
			return 0;
		}
	}
	return -1;
}

const char *tn_topology_name(enum tn_topology t)
{
	return (unsigned)t < N_NAMES ? names[t] : "?";
}

static void put(struct tn_edge *out, size_t max, size_t *k, int from, int to)
{
	if (*k < max) {
		out[*k].from = from;
		out[*k].to = to;
	}
	(*k)++;
}

size_t tn_topology_edges(enum tn_topology t, int n, struct tn_edge *out, size_t max)
{
	size_t k = 0;

	for (int i = 1; i < n && t != TN_RANDOM && t != TN_BITCOIN; i++) {
		if (t == TN_MESH)
			for (int j = 0; j < i; j++)
				put(out, max, &k, i, j);
		else if (t == TN_STAR)
			put(out, max, &k, i, 0);
		else
			put(out, max, &k, i, i - 1);
	}
	if (t == TN_RING && n > 2)
		put(out, max, &k, n - 1, 0);
	return k;
}

bool tn_topology_linked(enum tn_topology t, int n, int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (a == b || lo < 0 || hi >= n)
		return false;
	switch (t) {
	case TN_MESH:
		return true;
	case TN_STAR:
		return lo == 0;
	case TN_RING:
		return hi - lo == 1 || (n > 2 && lo == 0 && hi == n - 1);
	case TN_LINE:
		return hi - lo == 1;
	case TN_RANDOM:
		return false;            /* the graph lives in the state: tn_state_linked */
	case TN_BITCOIN:
		return false;            /* the nodes choose their peers: no edge is drawn */
	}
	return false;
}

/* splitmix64: a small, well-mixed generator, the same on every machine. */
static unsigned long long next_rand(unsigned long long *x)
{
	unsigned long long z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The random graph as it grows: each node's neighbours, a small array of its own. */
struct graph {
	int n;
	int *deg, *cap;
	int **adj;
};

static bool adjacent(const struct graph *g, int a, int b)
{
	for (int k = 0; k < g->deg[a]; k++)
		if (g->adj[a][k] == b)
			return true;
	return false;
}

static int add_half(struct graph *g, int a, int b)
{
	if (g->deg[a] == g->cap[a]) {
		int cap = g->cap[a] ? g->cap[a] * 2 : 4;
		int *m = realloc(g->adj[a], (size_t)cap * sizeof(*m));
		if (!m)
			return -1;
		g->adj[a] = m;
		g->cap[a] = cap;
	}
	g->adj[a][g->deg[a]++] = b;
	return 0;
}

static int join(struct graph *g, int a, int b)
{
	return add_half(g, a, b) < 0 || add_half(g, b, a) < 0 ? -1 : 0;
}

/*
 * Raises node i to `want` neighbours with random others it is not yet
 * joined to: drawn from the list of candidates in a small graph, by
 * drawing again on a hit in a large one (each node has few neighbours).
 */
static int fill_degree(struct graph *g, int *cand, int i, int want, unsigned long long *x)
{
	while (g->deg[i] < want) {
		int k = 0, j;
		if (g->n <= 256) {
			for (j = 0; j < g->n; j++)
				if (j != i && !adjacent(g, i, j))
					cand[k++] = j;
			if (k == 0)
				return 0;
			j = cand[next_rand(x) % (unsigned)k];
		} else {
			do
				j = (int)(next_rand(x) % (unsigned)g->n);
			while (j == i || adjacent(g, i, j));
		}
		if (join(g, i, j) < 0)
			return -1;
	}
	return 0;
}

static int edge_order(const void *a, const void *b)
{
	const struct tn_edge *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return (x->to > y->to) - (x->to < y->to);
}

size_t tn_random_edges(int n, int degree, unsigned long long seed, struct tn_edge *out,
		       size_t max)
{
	struct graph g = {.n = n};
	int want = degree < n - 1 ? degree : n - 1, *perm = NULL;
	unsigned long long x = seed;
	struct tn_edge *all = NULL;
	size_t k = 0, m = 0;

	if (n < 1 || n > TN_MAX_NODES)
		return 0;
	g.deg = calloc((size_t)n, sizeof(int));
	g.cap = calloc((size_t)n, sizeof(int));
	g.adj = calloc((size_t)n, sizeof(int *));
	perm = malloc((size_t)n * sizeof(int));
	if (!g.deg || !g.cap || !g.adj || !perm)
		goto out;
	for (int i = 0; i < n; i++)
		perm[i] = i;
	for (int i = n - 1; i > 0; i--) {
		int j = (int)(next_rand(&x) % (unsigned)(i + 1)), t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (int i = 1; i < n; i++)
		if (join(&g, perm[i], perm[next_rand(&x) % (unsigned)i]) < 0)
			goto out;
	for (int i = 0; i < n; i++)        /* perm is free again: the candidates' room */
		if (fill_degree(&g, perm, i, want, &x) < 0)
			goto out;
	for (int i = 0; i < n; i++)
		m += (size_t)g.deg[i];
	if (!(all = malloc((m / 2 + 1) * sizeof(*all))))
		goto out;
	m = 0;
	for (int i = 0; i < n; i++)
		for (int d = 0; d < g.deg[i]; d++)
			if (g.adj[i][d] < i)
				all[m++] = (struct tn_edge){i, g.adj[i][d]};
	qsort(all, m, sizeof(*all), edge_order);
	for (size_t e = 0; e < m; e++)
		put(out, max, &k, all[e].from, all[e].to);
out:
	for (int i = 0; g.adj && i < n; i++)
		free(g.adj[i]);
	free(g.adj);
	free(g.deg);
	free(g.cap);
	free(perm);
	free(all);
	return k;
}

/* Parses one node index of a group, ending at ',', '/' or the end. */
static int parse_index(const char **s, int n, int *out, char *err, size_t errlen)
{
	char *end;
	long v;

	if (**s < '0' || **s > '9') {
		snprintf(err, errlen, "expected a node index at '%s'", *s);
		return -1;
	}
	v = strtol(*s, &end, 10);
	if (*end != 0 && *end != ',' && *end != '/' && *end != '-') {
		snprintf(err, errlen, "expected ',', '-' or '/' after a node index at '%s'", end);
		return -1;
	}
	if (v >= n) {
		snprintf(err, errlen, "node %ld does not exist (nodes are 0..%d)", v, n - 1);
		return -1;
	}
	*out = (int)v;
	*s = end;
	return 0;
}

int tn_partition_parse(struct tn_partition *p, const char *s, int n, char *err, size_t errlen)
{
	const char *c = s;
	int g = 0, i;

	memset(p, 0, sizeof(*p));
	p->n = n;
	for (i = 0; i < n && i < TN_MAX_NODES; i++)
		p->group[i] = -1;
	while (*c) {
		int idx, last;
		if (parse_index(&c, n, &idx, err, errlen) < 0)
			return -1;
		last = idx;
		if (*c == '-') {           /* a range A-B */
			c++;
			if (parse_index(&c, n, &last, err, errlen) < 0)
				return -1;
			if (last < idx || *c == '-') {
				snprintf(err, errlen, "a bad range of nodes in '%s' (A-B with A <= B)", s);
				return -1;
			}
		}
		for (int k = idx; k <= last; k++) {
			if (p->group[k] >= 0) {
				snprintf(err, errlen, "node %d is listed twice in '%s'", k, s);
				return -1;
			}
			p->group[k] = g;
		}
		if (*c == '/')
			g++;
		if (*c && !*++c) {
			snprintf(err, errlen, "'%s' ends with a separator", s);
			return -1;
		}
	}
	p->n_groups = g + 1;
	for (i = 0; i < n; i++) {
		if (p->group[i] < 0) {
			snprintf(err, errlen, "node %d is in no group of '%s' (list every node)", i, s);
			return -1;
		}
	}
	if (p->n_groups < 2) {
		snprintf(err, errlen, "'%s' is one group: a partition needs two or more, e.g. 0,1/2,3", s);
		return -1;
	}
	return 0;
}

void tn_partition_format(const struct tn_partition *p, char *out, size_t len)
{
	size_t k = 0;

	if (len == 0)
		return;
	out[0] = 0;
	for (int g = 0; g < p->n_groups; g++) {
		bool first = true;
		for (int i = 0; i < p->n && k < len; i++) {
			int j = i;
			if (p->group[i] != g)
				continue;
			while (j + 1 < p->n && p->group[j + 1] == g)
				j++;
			if (j - i < 2)       /* runs of three or more as a range A-B */
				j = i;
			k += (size_t)snprintf(out + k, len - k, "%s%d", first ? (g ? "/" : "") : ",", i);
			if (j > i && k < len)
				k += (size_t)snprintf(out + k, len - k, "-%d", j);
			first = false;
			i = j;
		}
	}
}
