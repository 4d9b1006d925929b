/*
 * `slo`: the service-level indicators of this run (sli.h) beside stated
 * objectives, each with PASS or FAIL. It reads every node's debug.log for
 * "new tip" lines, the fault journal in the state file for the windows to
 * leave out of propagation and for heal times, and one running node's RPC
 * for the final best chain.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testnet/app.h"
#include "testnet/batch.h"
#include "testnet/sli.h"

/* The objectives, as `slo` states them. */
#define OBJ_P50 0.25          /* seconds */
#define OBJ_P99 1.0           /* seconds */
#define OBJ_STALE 0.10        /* fraction of all blocks seen */
#define OBJ_CONVERGE 30.0     /* seconds after a heal */
#define MAX_CHAIN 200000      /* best-chain blocks looked at, from the top */

struct events {
	struct tn_tip_event *v;
	size_t n, cap;
};

static int push(struct events *e, const struct tn_tip_event *x)
{
	if (e->n == e->cap) {
		size_t cap = e->cap * 2 + 1024;
		struct tn_tip_event *v = realloc(e->v, cap * sizeof(*v));
		if (!v)
			return -1;
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = *x;
	return 0;
}

static int read_log(const struct tn_state *s, int i, struct events *e)
{
	char path[700], line[2048];
	struct tn_tip_event x;
	FILE *f;
	int rc = 0;

	tn_node_debuglog(s, i, path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return 0;                     /* a node that never started has no blocks */
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		x.node = i;
		if (tn_log_parse_tip(line, &x) == 0)
			rc = push(e, &x);
	}
	fclose(f);
	return rc;
}

static int by_time(const void *a, const void *b)
{
	const struct tn_tip_event *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->node - y->node;
}

/* The running node with the highest tip, or -1. */
static int best_node(struct tn_app *a, long long *top)
{
	return tn_highest_node(a, top);      /* all nodes asked at once */
}

/* The best chain from the lowest height in the logs to the top, over node i's RPC. */
static int load_chain(struct tn_app *a, int i, struct tn_chain *c, const struct events *e)
{
	c->base = c->top;
	for (size_t k = 0; k < e->n; k++)
		if (e->v[k].height < c->base)
			c->base = e->v[k].height;
	if (c->top - c->base >= MAX_CHAIN)
		c->base = c->top - MAX_CHAIN + 1;
	c->hash = calloc((size_t)(c->top - c->base + 1), sizeof(*c->hash));
	if (!c->hash)
		return tn_fail("out of memory");
	for (long long h = c->base; h <= c->top; h++) {
		char err[700];
		json_t *r = tn_call(a, i, "getblockhash", json_pack("[I]", (json_int_t)h), err,
				    sizeof(err));
		if (!json_is_string(r))
			return tn_fail("%s", err);
		snprintf(c->hash[h - c->base], 65, "%s", json_string_value(r));
		json_decref(r);
	}
	return 0;
}

/* Node of an event's detail ("2" or "2 60"), or -1. */
static int event_node(const struct tn_event *e)
{
	char *end;
	long v = strtol(e->detail, &end, 10);

	return end != e->detail && v >= 0 && v < TN_MAX_NODES ? (int)v : -1;
}

struct heal {
	double time;
	struct tn_nodeset up;    /* nodes running at the heal */
};

/* What the journal says, replayed: fault windows so far, and who is down or skewed. */
struct replay {
	struct tn_window w[TN_MAX_EVENTS + TN_MAX_NODES + 2];
	size_t n_w;
	struct heal heal[TN_MAX_EVENTS];
	size_t n_heal;
	double down[TN_MAX_NODES], skewed[TN_MAX_NODES], parted;
	long long skew[TN_MAX_NODES];
};

static void window(struct replay *r, double from, double to)
{
	if (!isnan(from) && r->n_w < sizeof(r->w) / sizeof(r->w[0])) {
		r->w[r->n_w].from = from;
		r->w[r->n_w++].to = to;
	}
}

static void node_back(struct replay *r, int i, double t)
{
	window(r, r->down[i], t + 5);        /* catching up after a start takes a moment */
	r->down[i] = NAN;
}

static void replay_skew(struct replay *r, const struct tn_event *e, int i)
{
	long long x = strtoll(strchr(e->detail, ' ') ? strchr(e->detail, ' ') + 1 : "0", NULL, 10);

	if (x != 0 && isnan(r->skewed[i]))
		r->skewed[i] = e->time;
	if (x == 0 && !isnan(r->skewed[i])) {
		/* Blocks stamped ahead are accepted once real time catches up with them. */
		window(r, r->skewed[i], e->time + (double)llabs(r->skew[i]));
		r->skewed[i] = NAN;
	}
	r->skew[i] = x;
}

static void replay_one(struct replay *r, const struct tn_event *e, int n)
{
	int i = event_node(e);

	if (strcmp(e->what, "up") == 0) {
		for (int k = 0; k < n; k++)
			node_back(r, k, e->time - 5);
	} else if (strcmp(e->what, "down") == 0) {
		for (int k = 0; k < n; k++)
			r->down[k] = isnan(r->down[k]) ? e->time : r->down[k];
	} else if ((strcmp(e->what, "kill") == 0 || strcmp(e->what, "stop") == 0) && i >= 0 &&
		   i < n && isnan(r->down[i])) {
		r->down[i] = e->time;
	} else if ((strcmp(e->what, "started") == 0 || strcmp(e->what, "restarted") == 0) && i >= 0 &&
		   i < n) {
		node_back(r, i, e->time);
	} else if ((strcmp(e->what, "partition") == 0 || strcmp(e->what, "cut") == 0) &&
		   isnan(r->parted)) {
		/* A silent partition, an isolated node or a cut link: all faults. */
		r->parted = e->time;
	} else if ((strcmp(e->what, "heal") == 0 || strcmp(e->what, "uncut") == 0) &&
		   !isnan(r->parted)) {
		window(r, r->parted, e->time + OBJ_CONVERGE);
		r->parted = NAN;
		r->heal[r->n_heal].time = e->time;
		tn_nodeset_clear(&r->heal[r->n_heal].up);
		for (int k = 0; k < n; k++)
			if (isnan(r->down[k]))
				tn_nodeset_add(&r->heal[r->n_heal].up, k);
		r->n_heal++;
	} else if (strcmp(e->what, "skew") == 0 && i >= 0 && i < n) {
		replay_skew(r, e, i);
	}
}

static void replay(struct replay *r, const struct tn_state *s)
{
	r->n_w = r->n_heal = 0;
	r->parted = NAN;
	for (int i = 0; i < TN_MAX_NODES; i++) {
		r->down[i] = -1e18;            /* down until the first `up` */
		r->skewed[i] = NAN;
		r->skew[i] = 0;
	}
	for (size_t k = 0; k < s->n_events; k++)
		replay_one(r, &s->events[k], s->n);
	for (int i = 0; i < s->n; i++) {
		window(r, r->down[i], INFINITY);
		window(r, r->skewed[i], INFINITY);
	}
	window(r, r->parted, INFINITY);
}

struct report {
	json_t *rows;            /* [{indicator, value, objective, pass, note}] */
	bool all_pass;
};

static void row(struct report *r, const char *name, double value, double objective,
		const char *unit, const char *note)
{
	bool pass = !isnan(value) && value < objective;
	char v[32], o[32];

	if (isnan(value))
		snprintf(v, sizeof(v), "none");
	else if (strcmp(unit, "%") == 0)
		snprintf(v, sizeof(v), "%.1f%%", value * 100);
	else
		snprintf(v, sizeof(v), "%.3f s", value);
	if (strcmp(unit, "%") == 0)
		snprintf(o, sizeof(o), "< %.0f%%", objective * 100);
	else
		snprintf(o, sizeof(o), "< %g s", objective);
	r->all_pass = r->all_pass && pass;
	json_array_append_new(r->rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:f, s:s}",
						 "indicator", name, "value", v, "objective", o,
						 "result", pass ? "PASS" : "FAIL", "note", note,
						 "number", isnan(value) ? json_null() : json_real(value),
						 "objective_number", objective, "unit", unit));
}

/*
 * The rows as `slo --json` prints them: numbers, the unit in the name
 * ("propagation_p50_s", "stale_rate_ratio"), also gathered in "values".
 */
static json_t *numeric_rows(json_t *rows, json_t *values)
{
	json_t *out = json_array(), *x;
	size_t i;

	json_array_foreach(rows, i, x) {
		const char *name = json_string_value(json_object_get(x, "indicator"));
		const char *unit = strcmp(json_string_value(json_object_get(x, "unit")), "%") == 0 ?
				   "ratio" : "s";
		char key[96], obj[32];
		size_t k = 0;
		for (const char *p = strncmp(name, "block ", 6) == 0 ? name + 6 :
				     strncmp(name, "stale block", 11) == 0 ? "stale rate" : name;
		     *p && k + 1 < 64; p++)
			key[k++] = *p == ' ' ? '_' : *p;
		snprintf(key + k, sizeof(key) - k, "_%s", unit);
		snprintf(obj, sizeof(obj), "objective_%s", unit);
		json_array_append_new(out, json_pack("{s:O, s:O, s:O, s:b, s:O, s:O}", "indicator",
						     json_object_get(x, "indicator"), key,
						     json_object_get(x, "number"), obj,
						     json_object_get(x, "objective_number"), "pass",
						     strcmp(json_string_value(json_object_get(x, "result")),
							    "PASS") == 0, "result",
						     json_object_get(x, "result"), "note",
						     json_object_get(x, "note")));
		json_object_set(values, key, json_object_get(x, "number"));
	}
	return out;
}

static void sli_rows(struct report *r, const struct tn_sli *s)
{
	/* Faults make stale blocks on purpose: the objective is for the rest of the run. */
	size_t stale = s->stale - s->stale_in_faults, fstale = s->stale_in_faults;
	double calm = (double)(s->active - s->active_in_faults + stale);
	double stormy = (double)(s->active_in_faults + fstale);
	char note[200];

	snprintf(note, sizeof(note), "%zu blocks timed, %zu left out (first seen during a fault "
		 "or not reached by every node)", s->measured, s->excluded);
	row(r, "block propagation p50", s->p50, OBJ_P50, "s", note);
	row(r, "block propagation p99", s->p99, OBJ_P99, "s", note);
	snprintf(note, sizeof(note), "%zu of %.0f blocks mined outside faults are not on the best "
		 "chain; during faults %zu of %.0f (not held to the objective)", stale, calm, fstale,
		 stormy);
	row(r, "stale block rate", calm > 0 ? (double)stale / calm : NAN, OBJ_STALE, "%", note);
}

static void heal_rows(struct report *r, const struct replay *rp, const struct events *e, int n)
{
	for (size_t k = 0; k < rp->n_heal; k++) {
		double c = tn_converge_time(e->v, e->n, n, &rp->heal[k].up, rp->heal[k].time);
		time_t t = (time_t)rp->heal[k].time;
		char name[64], note[128], when[32];
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		snprintf(name, sizeof(name), "converge after heal %zu", k + 1);
		snprintf(note, sizeof(note), "healed at %s UTC%s", when,
			 isnan(c) ? "; the nodes have not agreed since" : "");
		row(r, name, c, OBJ_CONVERGE, "s", note);
	}
}

static void print_report(const struct report *r, const struct tn_chain *c, bool json)
{
	size_t i;
	json_t *x;

	if (json) {
		json_t *values = json_object();
		json_t *o = json_pack("{s:o, s:o, s:I, s:b}", "slo", numeric_rows(r->rows, values),
				      "values", values, "best_height", (json_int_t)c->top, "pass",
				      r->all_pass);
		char *text = o ? json_dumps(o, JSON_PRESERVE_ORDER) : NULL;
		if (text)
			printf("%s\n", text);
		free(text);
		json_decref(o);
		return;
	}
	printf("%-26s %10s  %-9s %s\n", "indicator", "value", "objective", "result");
	json_array_foreach(r->rows, i, x)
		printf("%-26s %10s  %-9s %-6s %s\n",
		       json_string_value(json_object_get(x, "indicator")),
		       json_string_value(json_object_get(x, "value")),
		       json_string_value(json_object_get(x, "objective")),
		       json_string_value(json_object_get(x, "result")),
		       json_string_value(json_object_get(x, "note")));
	printf("%s (best chain height %lld)\n", r->all_pass ? "all objectives met" :
	       "some objectives missed", c->top);
}

/* Reads the logs and the chain, computes and prints. 0 all pass, 3 a miss, 1 error. */
static int run_slo(struct tn_app *a, struct events *e, struct tn_chain *c, bool json)
{
	static struct replay rp;
	struct report r = {json_array(), true};
	struct tn_sli s;
	int node, rc = 1;

	for (int i = 0; i < a->st.n; i++)
		if (read_log(&a->st, i, e) < 0)
			goto out;
	qsort(e->v, e->n, sizeof(*e->v), by_time);
	node = best_node(a, &c->top);
	if (node < 0) {
		rc = tn_fail("slo needs a running node to know the final best chain");
		goto out;
	}
	if (load_chain(a, node, c, e) != 0)
		goto out;
	replay(&rp, &a->st);
	if (tn_sli_compute(&s, e->v, e->n, a->st.n, c, rp.w, rp.n_w) < 0) {
		rc = tn_fail("out of memory");
		goto out;
	}
	sli_rows(&r, &s);
	heal_rows(&r, &rp, e, a->st.n);
	print_report(&r, c, json);
	rc = r.all_pass ? 0 : 3;
out:
	json_decref(r.rows);
	return rc;
}

int tn_cmd_slo(struct tn_app *a, int argc, char **argv)
{
	struct events e = {NULL, 0, 0};
	struct tn_chain c = {0, 0, NULL};
	int rc;

	if (argc > 1 || (argc == 1 && strcmp(argv[0], "--json") != 0))
		return tn_fail("usage: flint-testnet slo [--json]");
	rc = run_slo(a, &e, &c, argc == 1);
	free(e.v);
	free(c.hash);
	return rc;
}
