/*
 * A run's recorded history, judged and measured (see hist.h).
 */
#include "testnet/hist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_hash(const char *p, char *hash)
{
	int used = 0;

	if (sscanf(p, "%64[0-9a-f]%n", hash, &used) != 1 || used != 64)
		return -1;
	return 0;
}

int tn_hev_parse(const char *line, struct tn_hev *e)
{
	struct tn_tip_event t;
	const char *p;
	int d;

	if (tn_log_parse_tip(line, &t) == 0) {
		e->kind = TN_HEV_TIP;
		e->time = t.time;
		e->height = t.height;
		memcpy(e->hash, t.hash, 65);
		return 0;
	}
	if (tn_log_time(line, &e->time) < 0)
		return -1;
	if ((p = strstr(line, " reorganised: ")) && sscanf(p, " reorganised: %d blocks", &d) == 1 &&
	    d > 0) {
		e->kind = TN_HEV_REORG;
		e->depth = d;
		e->hash[0] = 0;
		return 0;
	}
	if ((p = strstr(line, " mined block ")) && parse_hash(p + 13, e->hash) == 0) {
		e->kind = strstr(p + 13 + 64, " rejected") == p + 13 + 64 ? TN_HEV_REJECTED : TN_HEV_MINED;
		return 0;
	}
	return -1;
}

static int cmp_hev(const void *a, const void *b)
{
	const struct tn_hev *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if (x->node != y->node)
		return x->node - y->node;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

void tn_hev_sort(struct tn_hev *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_hev);
}

/* ---- faults ---- */

static int event_node(const struct tn_event *e, int n_nodes)
{
	char *end;
	long v = strtol(e->detail, &end, 10);

	return end != e->detail && v >= 0 && v < n_nodes ? (int)v : -1;
}

static void add_fault(struct tn_fault *out, size_t max, size_t *n, double from, double to,
		      int node, const char *what)
{
	if (*n >= max || isnan(from))
		return;
	out[*n].from = from;
	out[*n].to = to;
	out[*n].node = node;
	snprintf(out[*n].what, sizeof(out[*n].what), "%s", what);
	(*n)++;
}

struct open_faults {
	double parted, down[TN_MAX_NODES], skewed[TN_MAX_NODES];
	long long skew[TN_MAX_NODES];
	char parted_what[96];
};

static void fault_one(struct tn_fault *out, size_t max, size_t *n, struct open_faults *o,
		      const struct tn_event *e, int n_nodes, double grace)
{
	const int all = -1;
	int i = event_node(e, n_nodes);
	char what[96];

	if ((strcmp(e->what, "partition") == 0 || strcmp(e->what, "cut") == 0) && isnan(o->parted)) {
		o->parted = e->time;
		snprintf(o->parted_what, sizeof(o->parted_what), "%s %.60s", e->what, e->detail);
	} else if ((strcmp(e->what, "heal") == 0 || strcmp(e->what, "uncut") == 0) &&
		   !isnan(o->parted)) {
		add_fault(out, max, n, o->parted, e->time + grace, all, o->parted_what);
		o->parted = NAN;
	} else if ((strcmp(e->what, "kill") == 0 || strcmp(e->what, "stop") == 0) && i >= 0 &&
		   isnan(o->down[i])) {
		o->down[i] = e->time;
	} else if ((strcmp(e->what, "started") == 0 || strcmp(e->what, "restarted") == 0) && i >= 0 &&
		   !isnan(o->down[i])) {
		snprintf(what, sizeof(what), "node %d down", i);
		add_fault(out, max, n, o->down[i], e->time + grace, i, what);
		o->down[i] = NAN;
	} else if (strcmp(e->what, "skew") == 0 && i >= 0) {
		long long x = strtoll(strchr(e->detail, ' ') ? strchr(e->detail, ' ') + 1 : "0",
				      NULL, 10);
		if (x != 0 && isnan(o->skewed[i]))
			o->skewed[i] = e->time;
		if (x == 0 && !isnan(o->skewed[i])) {
			snprintf(what, sizeof(what), "node %d clock skewed %lld s", i, o->skew[i]);
			add_fault(out, max, n, o->skewed[i],
				  e->time + (double)llabs(o->skew[i]) + grace, all, what);
			o->skewed[i] = NAN;
		}
		o->skew[i] = x;
	} else if (strcmp(e->what, "link") == 0) {
		snprintf(what, sizeof(what), "link %.60s", e->detail);
		add_fault(out, max, n, e->time, INFINITY, all, what);
	}
}

size_t tn_faults(struct tn_fault *out, size_t max, const struct tn_event *ev, size_t n,
		 int n_nodes, double grace)
{
	static struct open_faults o;
	const int all = -1;
	size_t k = 0, first_up = n;
	char what[96];

	if (n_nodes > TN_MAX_NODES)
		n_nodes = TN_MAX_NODES;
	o.parted = NAN;
	for (int i = 0; i < TN_MAX_NODES; i++) {
		o.down[i] = o.skewed[i] = NAN;
		o.skew[i] = 0;
	}
	for (size_t j = 0; j < n && first_up == n; j++)
		if (strcmp(ev[j].what, "up") == 0)
			first_up = j;
	/* Until `up` the nodes connect and sync: a moment after it, not a whole grace. */
	add_fault(out, max, &k, -INFINITY, first_up < n ? ev[first_up].time + 5 : INFINITY, all,
		  "start of the testnet");
	for (size_t j = 0; j < n; j++)
		fault_one(out, max, &k, &o, &ev[j], n_nodes, grace);
	add_fault(out, max, &k, o.parted, INFINITY, all, o.parted_what);
	for (int i = 0; i < n_nodes; i++) {
		snprintf(what, sizeof(what), "node %d down", i);
		add_fault(out, max, &k, o.down[i], INFINITY, i, what);
		snprintf(what, sizeof(what), "node %d clock skewed %lld s", i, o.skew[i]);
		add_fault(out, max, &k, o.skewed[i], INFINITY, all, what);
	}
	return k;
}

const struct tn_fault *tn_fault_at(const struct tn_fault *f, size_t n, double t, int node)
{
	/* The start of the testnet (the first) only when no fault of the journal is in force. */
	for (size_t k = 1; k <= n; k++) {
		size_t i = k % n;
		if (t >= f[i].from && t < f[i].to &&
		    (node < 0 || f[i].node < 0 || f[i].node == node))
			return &f[i];
	}
	return NULL;
}

/* ---- safety ---- */

size_t tn_safety(struct tn_violation *out, size_t max, const struct tn_hev *ev, size_t n_ev,
		 int k, const struct tn_fault *f, size_t n_f)
{
	static long long height[TN_MAX_NODES];
	static char tip[TN_MAX_NODES][65];
	size_t n = 0;

	for (int i = 0; i < TN_MAX_NODES; i++) {
		height[i] = -1;
		tip[i][0] = 0;
	}
	for (size_t j = 0; j < n_ev; j++) {
		const struct tn_hev *e = &ev[j];
		if (e->node < 0 || e->node >= TN_MAX_NODES)
			continue;
		if (e->kind == TN_HEV_TIP) {
			height[e->node] = e->height;
			memcpy(tip[e->node], e->hash, 65);
		} else if (e->kind == TN_HEV_REORG && e->depth >= k) {
			if (n < max) {
				struct tn_violation *v = &out[n];
				v->time = e->time;
				v->node = e->node;
				v->depth = e->depth;
				v->height = height[e->node] - e->depth + 1;
				memcpy(v->old_tip, tip[e->node], 65);
				v->fault = tn_fault_at(f, n_f, e->time, e->node);
			}
			n++;
		}
	}
	return n;
}

void tn_running_after(struct tn_nodeset *run, const struct tn_event *ev, size_t upto, int n_nodes)
{
	tn_nodeset_clear(run);
	for (size_t j = 0; j < upto; j++) {
		int i = event_node(&ev[j], n_nodes);
		if (strcmp(ev[j].what, "up") == 0)
			tn_nodeset_first(run, n_nodes);
		else if (strcmp(ev[j].what, "down") == 0)
			tn_nodeset_clear(run);
		else if ((strcmp(ev[j].what, "kill") == 0 || strcmp(ev[j].what, "stop") == 0) && i >= 0)
			tn_nodeset_del(run, i);
		else if ((strcmp(ev[j].what, "started") == 0 || strcmp(ev[j].what, "restarted") == 0) &&
			 i >= 0)
			tn_nodeset_add(run, i);
	}
}

size_t tn_hev_tips(struct tn_tip_event **out, const struct tn_hev *ev, size_t n_ev)
{
	struct tn_tip_event *v = malloc((n_ev + 1) * sizeof(*v));
	size_t n = 0;

	*out = v;
	if (!v)
		return 0;
	for (size_t j = 0; j < n_ev; j++) {
		if (ev[j].kind != TN_HEV_TIP)
			continue;
		v[n].time = ev[j].time;
		v[n].node = ev[j].node;
		v[n].height = ev[j].height;
		memcpy(v[n].hash, ev[j].hash, 65);
		n++;
	}
	return n;
}

int tn_chain_from_log(struct tn_chain *c, const struct tn_hev *ev, size_t n_ev, int node)
{
	long long top = -1;

	c->hash = NULL;
	for (size_t j = 0; j < n_ev; j++)
		if (ev[j].node == node && ev[j].kind == TN_HEV_TIP && ev[j].height > top)
			top = ev[j].height;
	if (top < 0)
		return -1;
	c->base = 0;
	c->top = top;
	c->hash = calloc((size_t)top + 1, sizeof(*c->hash));
	if (!c->hash)
		return -1;
	/* Replayed: a reorg forgets what it took away, a tip writes its height. */
	for (size_t j = 0, h = 0; j < n_ev; j++) {
		if (ev[j].node != node)
			continue;
		if (ev[j].kind == TN_HEV_REORG)
			for (long long x = (long long)h - ev[j].depth + 1; x <= (long long)h; x++)
				if (x >= 0)
					c->hash[x][0] = 0;
		if (ev[j].kind != TN_HEV_TIP)
			continue;
		for (long long x = ev[j].height + 1; x <= top; x++)
			c->hash[x][0] = 0;
		memcpy(c->hash[ev[j].height], ev[j].hash, 65);
		h = (size_t)ev[j].height;
	}
	return 0;
}

double tn_model_stale(double d, double t)
{
	if (!(t > 0) || !(d >= 0))
		return NAN;
	return 1 - exp(-d / t);
}

/* ---- measuring a run ---- */

static bool on_chain(const struct tn_chain *c, long long h, const char *hash)
{
	return h >= c->base && h <= c->top && strcmp(c->hash[h - c->base], hash) == 0;
}

/* The height of the block hash from the tip events of ev, or -1. */
static long long height_of(const struct tn_hev *ev, size_t n_ev, size_t near, const char *hash)
{
	for (size_t j = near + 1; j-- > 0;)
		if (ev[j].kind == TN_HEV_TIP && strcmp(ev[j].hash, hash) == 0)
			return ev[j].height;
	for (size_t j = near; j < n_ev; j++)
		if (ev[j].kind == TN_HEV_TIP && strcmp(ev[j].hash, hash) == 0)
			return ev[j].height;
	return -1;
}

/*
 * When node first had the block at height h of c as its tip, or NAN. A node
 * that went past it in one step (from a fork of its own, or catching up)
 * never shows when the block itself arrived: its time would be the fork
 * race's, not the block's propagation.
 */
static double reached(const struct tn_hev *ev, size_t n_ev, size_t from, int node,
		      const struct tn_chain *c, long long h)
{
	for (size_t j = from; j < n_ev; j++)
		if (ev[j].node == node && ev[j].kind == TN_HEV_TIP && ev[j].height >= h &&
		    (ev[j].height > h || on_chain(c, h, ev[j].hash)))
			return ev[j].height == h ? ev[j].time : NAN;
	return NAN;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Propagation of chain block h, mined at event j: from the miner's own tip
 * line for it (just before the mined line) until the last node had it, or
 * a block above it, as tip. NAN if some node never did.
 */
static double propagation(const struct tn_hev *ev, size_t n_ev, size_t j, int n_nodes,
			  const struct tn_chain *c, long long h)
{
	size_t from = j;
	double last;

	while (from > 0 && j - from < 64 && !(ev[from].kind == TN_HEV_TIP &&
	       ev[from].node == ev[j].node && strcmp(ev[from].hash, ev[j].hash) == 0))
		from--;
	if (!(ev[from].kind == TN_HEV_TIP && strcmp(ev[from].hash, ev[j].hash) == 0))
		from = j;
	last = ev[from].time;
	for (int i = 0; i < n_nodes; i++) {
		double t = reached(ev, n_ev, from, i, c, h);
		if (isnan(t))
			return NAN;
		if (t > last)
			last = t;
	}
	return last - ev[from].time;
}

static void measure_blocks(struct tn_run_stats *s, const struct tn_hev *ev, size_t n_ev,
			   int n_nodes, const struct tn_chain *c, double from, double to)
{
	for (size_t j = 0; j < n_ev; j++) {
		long long h;
		if (ev[j].kind != TN_HEV_MINED || ev[j].time < from || ev[j].time > to)
			continue;
		h = height_of(ev, n_ev, j, ev[j].hash);
		if (h < 0 || h > c->top - 2)
			continue;                 /* not settled yet: its fate is open */
		s->mined++;
		if (!on_chain(c, h, ev[j].hash)) {
			s->stale++;
			continue;
		}
		s->blocks++;
		double p = propagation(ev, n_ev, j, n_nodes, c, h);
		if (!isnan(p))
			s->lat[s->n_lat++] = p;
	}
}

/* How long each disagreement between the nodes' tips lasted, inside [from, to]. */
static void measure_agree(struct tn_run_stats *s, const struct tn_hev *ev, size_t n_ev,
			  int n_nodes, double from, double to)
{
	static const char *tip[TN_MAX_NODES];
	double since = NAN;

	for (int i = 0; i < n_nodes; i++)
		tip[i] = NULL;
	for (size_t j = 0; j < n_ev && ev[j].time <= to; j++) {
		bool same = true;
		if (ev[j].kind != TN_HEV_TIP || ev[j].node < 0 || ev[j].node >= n_nodes)
			continue;
		tip[ev[j].node] = ev[j].hash;
		for (int i = 1; i < n_nodes && same; i++)
			same = tip[i] && tip[0] && strcmp(tip[i], tip[0]) == 0;
		if (!same && isnan(since))
			since = ev[j].time;
		else if (same && !isnan(since)) {
			if (since >= from)
				s->agree[s->n_agree++] = ev[j].time - since;
			since = NAN;
		}
	}
}

static double mean(const double *v, size_t n)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += v[i];
	return n ? sum / (double)n : NAN;
}

int tn_run_measure(struct tn_run_stats *s, const struct tn_hev *ev, size_t n_ev, int n_nodes,
		   const struct tn_chain *c, double from, double to)
{
	memset(s, 0, sizeof(*s));
	s->lat = malloc((n_ev + 1) * sizeof(double));
	s->agree = malloc((n_ev + 1) * sizeof(double));
	s->depths = malloc((n_ev + 1) * sizeof(int));
	if (!s->lat || !s->agree || !s->depths) {
		tn_run_stats_release(s);
		return -1;
	}
	if (n_nodes > TN_MAX_NODES)
		n_nodes = TN_MAX_NODES;
	measure_blocks(s, ev, n_ev, n_nodes, c, from, to);
	measure_agree(s, ev, n_ev, n_nodes, from, to);
	for (size_t j = 0; j < n_ev; j++)
		if (ev[j].kind == TN_HEV_REORG && ev[j].time >= from && ev[j].time <= to) {
			s->depths[s->reorgs++] = ev[j].depth;
			if (ev[j].depth > s->max_depth)
				s->max_depth = ev[j].depth;
		}
	qsort(s->lat, s->n_lat, sizeof(double), cmp_double);
	s->stale_rate = s->mined ? (double)s->stale / (double)s->mined : NAN;
	s->p50 = tn_percentile(s->lat, s->n_lat, 50);
	s->p90 = tn_percentile(s->lat, s->n_lat, 90);
	s->p99 = tn_percentile(s->lat, s->n_lat, 99);
	s->agree_mean = mean(s->agree, s->n_agree);
	s->agree_max = s->n_agree ? s->agree[0] : NAN;
	for (size_t i = 1; i < s->n_agree; i++)
		if (s->agree[i] > s->agree_max)
			s->agree_max = s->agree[i];
	return 0;
}

void tn_run_stats_release(struct tn_run_stats *s)
{
	free(s->lat);
	free(s->agree);
	free(s->depths);
	s->lat = s->agree = NULL;
	s->depths = NULL;
}
