/*
 * Service-level indicators from parsed log events (see sli.h).
 */
#define _GNU_SOURCE
#include "testnet/sli.h"
#include "util/hmap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int tn_log_time(const char *line, double *t)
{
	struct tm tm;
	int ms = 0, used = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &used) != 7 || used != 24)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || ms < 0)
		return -1;
	*t = (double)timegm(&tm) + ms / 1000.0;
	return 0;
}

int tn_log_parse_tip(const char *line, struct tn_tip_event *e)
{
	const char *p = strstr(line, " new tip: height ");
	long long h;
	char hash[65];
	int used = 0;

	if (!p || tn_log_time(line, &e->time) < 0)
		return -1;
	if (sscanf(p, " new tip: height %lld hash %64[0-9a-f]%n", &h, hash, &used) != 2 || h < 0 ||
	    strlen(hash) != 64)
		return -1;
	e->height = h;
	memcpy(e->hash, hash, 65);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double tn_percentile(double *v, size_t n, double p)
{
	double idx, frac;
	size_t lo;

	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	if (p <= 0)
		return v[0];
	if (p >= 100)
		return v[n - 1];
	idx = p / 100.0 * (double)(n - 1);
	lo = (size_t)idx;
	frac = idx - (double)lo;
	return lo + 1 < n ? v[lo] + (v[lo + 1] - v[lo]) * frac : v[lo];
}

static bool on_chain(const struct tn_chain *c, long long h, const char *hash)
{
	return h >= c->base && h <= c->top && strcmp(c->hash[h - c->base], hash) == 0;
}

static bool in_window(const struct tn_window *w, size_t n, double t)
{
	for (size_t i = 0; i < n; i++)
		if (t >= w[i].from && t < w[i].to)
			return true;
	return false;
}

/* first/last time any node reached each height, and how many nodes did. */
struct reach {
	double *first, *last;
	int *count;
};

static void node_reach(struct reach *r, const struct tn_tip_event *ev, size_t n_ev, int node,
		       const struct tn_chain *c)
{
	long long reached = c->base - 1;

	for (size_t i = 0; i < n_ev; i++) {
		if (ev[i].node != node || !on_chain(c, ev[i].height, ev[i].hash))
			continue;
		for (long long h = reached + 1; h <= ev[i].height; h++) {
			size_t k = (size_t)(h - c->base);
			if (r->count[k] == 0 || ev[i].time < r->first[k])
				r->first[k] = ev[i].time;
			if (r->count[k] == 0 || ev[i].time > r->last[k])
				r->last[k] = ev[i].time;
			r->count[k]++;
		}
		if (ev[i].height > reached)
			reached = ev[i].height;
	}
}

static int cmp_event_hash(const void *a, const void *b)
{
	const struct tn_tip_event *x = *(const struct tn_tip_event *const *)a;
	const struct tn_tip_event *y = *(const struct tn_tip_event *const *)b;
	int c = strcmp(x->hash, y->hash);

	return c ? c : (x->time < y->time ? -1 : x->time > y->time);
}

/*
 * Counts the distinct blocks of events that are not on the best chain, and
 * those of them first seen inside a window. -1 out of memory.
 */
static int count_stale(struct tn_sli *out, const struct tn_tip_event *ev, size_t n_ev,
		       const struct tn_chain *c, const struct tn_window *w, size_t n_w)
{
	const struct tn_tip_event **v = malloc((n_ev + 1) * sizeof(*v));
	size_t n = 0;

	if (!v)
		return -1;
	for (size_t i = 0; i < n_ev; i++)
		if (!on_chain(c, ev[i].height, ev[i].hash))
			v[n++] = &ev[i];
	qsort(v, n, sizeof(*v), cmp_event_hash);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i]->hash, v[i - 1]->hash) == 0)
			continue;                 /* sorted by time within a hash: the first counts */
		out->stale++;
		out->stale_in_faults += in_window(w, n_w, v[i]->time);
	}
	free(v);
	return 0;
}

/* Latencies of the blocks every node reached outside the windows. */
static void latencies(struct tn_sli *out, const struct reach *r, size_t span, int n_nodes,
		      const struct tn_window *w, size_t n_w, double *lat)
{
	for (size_t k = 0; k < span; k++) {
		if (r->count[k] == 0)
			continue;
		out->active++;
		out->active_in_faults += in_window(w, n_w, r->first[k]);
		if (r->count[k] < n_nodes || in_window(w, n_w, r->first[k]))
			out->excluded++;
		else
			lat[out->measured++] = r->last[k] - r->first[k];
	}
}

int tn_sli_compute(struct tn_sli *out, const struct tn_tip_event *ev, size_t n_ev, int n_nodes,
		   const struct tn_chain *c, const struct tn_window *w, size_t n_w)
{
	size_t span = c->top >= c->base ? (size_t)(c->top - c->base + 1) : 0;
	struct reach r = {calloc(span + 1, sizeof(double)), calloc(span + 1, sizeof(double)),
			  calloc(span + 1, sizeof(int))};
	double *lat = calloc(span + 1, sizeof(double));
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!r.first || !r.last || !r.count || !lat || count_stale(out, ev, n_ev, c, w, n_w) < 0)
		goto out;
	for (int node = 0; node < n_nodes; node++)
		node_reach(&r, ev, n_ev, node, c);
	latencies(out, &r, span, n_nodes, w, n_w, lat);
	out->p50 = tn_percentile(lat, out->measured, 50);
	out->p99 = tn_percentile(lat, out->measured, 99);
	out->max = tn_percentile(lat, out->measured, 100);
	rc = 0;
out:
	free(r.first);
	free(r.last);
	free(r.count);
	free(lat);
	return rc;
}

/*
 * Which nodes hold which tip, for convergence: tip[i] is node i's (NULL
 * before its first), and count says how many members hold a tip, keyed by
 * the hash's first 40 hex digits (160 bits: no two tips of a run share them).
 */
struct agreement {
	const char **tip;
	struct util_hmap counts;  /* key: 40 hex digits; value: a slot of n[] */
	size_t *n, used;
};

static size_t *tip_count(struct agreement *g, const char *hash)
{
	uint8_t key[40] = {0};
	size_t *c;

	memcpy(key, hash, strnlen(hash, sizeof(key)));
	c = util_hmap_get(&g->counts, key);
	if (c)
		return c;
	c = &g->n[g->used++];
	*c = 0;
	return util_hmap_put(&g->counts, key, c) == 0 ? c : NULL;
}

/* Node i's tip becomes hash: how many members hold it now, or 0 out of memory. */
static size_t agreement_move(struct agreement *g, int i, const char *hash)
{
	size_t *to = tip_count(g, hash);

	if (!to)
		return 0;
	if (g->tip[i])
		(*tip_count(g, g->tip[i]))--;
	g->tip[i] = hash;
	return ++*to;
}

double tn_converge_time(const struct tn_tip_event *ev, size_t n_ev, int n_nodes,
			const struct tn_nodeset *nodes, double t)
{
	struct agreement g = {.tip = calloc((size_t)(n_nodes > 0 ? n_nodes : 1), sizeof(char *)),
			      .n = malloc((n_ev + 1) * sizeof(size_t))};
	size_t members = 0, held = 0;
	double when = NAN;
	int first = -1;

	util_hmap_init(&g.counts, 40);
	for (int i = 0; i < n_nodes; i++)
		if (tn_nodeset_has(nodes, i)) {
			members++;
			first = first < 0 ? i : first;
		}
	if (!g.tip || !g.n || members == 0)
		goto out;
	for (size_t i = 0; i < n_ev; i++) {
		int k = ev[i].node;
		if (k < 0 || k >= n_nodes || !tn_nodeset_has(nodes, k))
			continue;
		if (ev[i].time > t && g.tip[first] && *tip_count(&g, g.tip[first]) == members) {
			when = 0;       /* they already agreed at t */
			goto out;
		}
		held = agreement_move(&g, k, ev[i].hash);
		if (held == 0)
			goto out;
		if (ev[i].time > t && held == members) {
			when = ev[i].time - t;
			goto out;
		}
	}
	/* No member's tip changed after t (else that change was judged above). */
	if (g.tip[first] && *tip_count(&g, g.tip[first]) == members)
		when = 0;
out:
	util_hmap_release(&g.counts);
	free(g.n);
	free(g.tip);
	return when;
}
