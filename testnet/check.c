/*
 * `check`: judges a testnet's recorded history (its fault journal and
 * every node's debug.log, see hist.h) against what Nakamoto consensus
 * promises, one verdict per property: safety, convergence, chain growth,
 * chain quality and validity. A property that fails while a fault of the
 * journal was in force is reported as explained by it; only an unexplained
 * failure makes the exit status non-zero. Also the history loader that
 * `experiment` shares.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testnet/history.h"

#define GRACE 30.0            /* seconds after a fault ends that it still explains */
#define MAX_CHAIN 200000      /* best-chain blocks read over RPC, from the top */
#define MAX_VIOLATIONS 100

/* ---- loading ---- */

static int push(struct tn_history *h, size_t *cap, const struct tn_hev *e)
{
	if (h->n == *cap) {
		size_t c = *cap * 2 + 1024;
		struct tn_hev *v = realloc(h->ev, c * sizeof(*v));
		if (!v)
			return -1;
		h->ev = v;
		*cap = c;
	}
	h->ev[h->n++] = *e;
	return 0;
}

static int read_log(struct tn_history *h, size_t *cap, const struct tn_state *s, int i)
{
	char path[700], line[2048];
	struct tn_hev e;
	FILE *f;
	long seq = 0;
	int rc = 0;

	tn_node_debuglog(s, i, path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return 0;                     /* a node that never started logged nothing */
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		memset(&e, 0, sizeof(e));
		e.node = i;
		e.seq = seq++;
		if (tn_hev_parse(line, &e) == 0)
			rc = push(h, cap, &e);
	}
	fclose(f);
	return rc;
}

/* The running node with the highest tip, or -1. */
static int best_node(struct tn_app *a, long long *top)
{
	int best = -1;

	for (int i = 0; i < a->st.n; i++) {
		json_t *r = tn_node_running(a, i) ? tn_call_quiet(a, i, "getblockcount", NULL) : NULL;
		if (json_is_integer(r) && (best < 0 || json_integer_value(r) > *top)) {
			best = i;
			*top = json_integer_value(r);
		}
		json_decref(r);
	}
	return best;
}

static int chain_over_rpc(struct tn_app *a, int i, struct tn_chain *c, char *err, size_t errlen)
{
	c->base = c->top >= MAX_CHAIN ? c->top - MAX_CHAIN + 1 : 0;
	c->hash = calloc((size_t)(c->top - c->base + 1), sizeof(*c->hash));
	if (!c->hash) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (long long h = c->base; h <= c->top; h++) {
		json_t *r = tn_call(a, i, "getblockhash", json_pack("[I]", (json_int_t)h), err, errlen);
		if (!json_is_string(r)) {
			json_decref(r);
			return -1;
		}
		snprintf(c->hash[h - c->base], 65, "%s", json_string_value(r));
		json_decref(r);
	}
	return 0;
}

/* The node whose log ends on the highest tip, or -1. */
static int best_logged(const struct tn_history *h)
{
	long long top = -1;
	int best = -1;

	for (size_t j = 0; j < h->n; j++)
		if (h->ev[j].kind == TN_HEV_TIP && h->ev[j].height > top) {
			top = h->ev[j].height;
			best = h->ev[j].node;
		}
	return best;
}

int tn_history_load(struct tn_history *h, struct tn_app *a, char *err, size_t errlen)
{
	size_t cap = 0;
	int node;

	memset(h, 0, sizeof(*h));
	for (int i = 0; i < a->st.n; i++)
		if (read_log(h, &cap, &a->st, i) < 0)
			goto oom;
	tn_hev_sort(h->ev, h->n);
	node = best_node(a, &h->chain.top);
	if (node >= 0) {
		snprintf(h->source, sizeof(h->source), "rpc of node %d", node);
		if (chain_over_rpc(a, node, &h->chain, err, errlen) == 0)
			return 0;
		tn_history_release(h);
		return -1;
	}
	node = best_logged(h);
	if (node < 0) {
		snprintf(err, errlen, "no node of '%s' has logged a block yet", a->st.dir);
		tn_history_release(h);
		return -1;
	}
	snprintf(h->source, sizeof(h->source), "log of node %d", node);
	if (tn_chain_from_log(&h->chain, h->ev, h->n, node) == 0)
		return 0;
oom:
	snprintf(err, errlen, "out of memory");
	tn_history_release(h);
	return -1;
}

void tn_history_release(struct tn_history *h)
{
	free(h->ev);
	free(h->chain.hash);
	h->ev = NULL;
	h->chain.hash = NULL;
	h->n = 0;
}

/* ---- verdicts ---- */

struct judge {
	struct tn_app *a;
	const struct tn_history *h;
	struct tn_fault f[TN_MAX_EVENTS + 2 * TN_MAX_NODES + 2];
	size_t n_f;
	double t_up, t_end;      /* the judged span: from `up` to the last logged event */
	int k;
	json_t *rows;            /* [{property, pass, explained, detail, ...}] */
	bool unexplained;        /* some property failed with no fault to explain it */
};

static const char *clock_of(double t, char *out, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(out, len, "%H:%M:%S", &tm);
	return out;
}

/* Adds a verdict; extra (stolen) holds the property's own fields. */
static void verdict(struct judge *j, const char *prop, bool pass, const char *why,
		    const char *detail, json_t *extra)
{
	json_t *o = json_pack("{s:s, s:b, s:b, s:s}", "property", prop, "pass", pass, "explained",
			      !pass && why, "detail", detail);

	if (why)
		json_object_set_new(o, "explained_by", json_string(why));
	if (extra)
		json_object_update(o, extra);
	json_decref(extra);
	json_array_append_new(j->rows, o);
	if (!pass && !why)
		j->unexplained = true;
}

/* A fault other than the testnet's start that overlaps [from, to), or NULL. */
static const struct tn_fault *fault_within(const struct judge *j, double from, double to)
{
	for (size_t i = 1; i < j->n_f; i++)
		if (j->f[i].from < to && j->f[i].to > from)
			return &j->f[i];
	return NULL;
}

static void judge_safety(struct judge *j)
{
	static struct tn_violation v[MAX_VIOLATIONS];
	size_t n = tn_safety(v, MAX_VIOLATIONS, j->h->ev, j->h->n, j->k, j->f, j->n_f);
	json_t *list = json_array();
	const char *why = NULL;
	char detail[400], when[16];
	int deepest = 0;
	size_t reorgs = 0;

	for (size_t i = 0; i < j->h->n; i++)
		if (j->h->ev[i].kind == TN_HEV_REORG) {
			reorgs++;
			deepest = j->h->ev[i].depth > deepest ? j->h->ev[i].depth : deepest;
		}
	for (size_t i = 0; i < n && i < MAX_VIOLATIONS; i++) {
		json_array_append_new(list, json_pack("{s:f, s:s, s:i, s:I, s:i, s:s, s:s?}", "time",
						      v[i].time, "clock",
						      clock_of(v[i].time, when, sizeof(when)), "node",
						      v[i].node, "height", (json_int_t)v[i].height,
						      "depth", v[i].depth, "old_tip", v[i].old_tip,
						      "fault", v[i].fault ? v[i].fault->what : NULL));
		if (i == 0 || why)
			why = v[i].fault ? v[i].fault->what : NULL;
	}
	if (n == 0)
		snprintf(detail, sizeof(detail), "no block with %d confirmation%s was taken away (%zu "
			 "reorgs, deepest %d)", j->k, j->k == 1 ? "" : "s", reorgs, deepest);
	else
		snprintf(detail, sizeof(detail), "%zu reorg%s took away a block with %d or more "
			 "confirmations (deepest %d)", n, n == 1 ? "" : "s", j->k, deepest);
	verdict(j, "safety", n == 0, why, detail, json_pack("{s:i, s:o}", "k", j->k, "violations",
							      list));
}

static void judge_convergence(struct judge *j, const struct tn_tip_event *tips, size_t n_tips)
{
	const struct tn_state *s = &j->a->st;
	json_t *list = json_array();
	const char *why = NULL;
	size_t n = 0, never = 0;
	double worst = 0;
	char detail[300];
	bool pass = true;

	for (size_t e = 0; e < s->n_events; e++) {
		const struct tn_event *x = &s->events[e];
		struct tn_nodeset run;
		double c;
		if (strcmp(x->what, "heal") && strcmp(x->what, "uncut") && strcmp(x->what, "started") &&
		    strcmp(x->what, "restarted") && strcmp(x->what, "up"))
			continue;
		tn_running_after(&run, s->events, e + 1, s->n);
		c = tn_converge_time(tips, n_tips, s->n, &run, x->time);
		json_array_append_new(list, json_pack("{s:s, s:s, s:f, s:o}", "after", x->what, "detail",
						      x->detail, "time", x->time, "converge_s",
						      isnan(c) ? json_null() : json_real(c)));
		n++;
		if (!isnan(c)) {
			worst = c > worst ? c : worst;
			continue;
		}
		/* Not agreed by the end: a later fault, or too little history since, explains it. */
		const struct tn_fault *f = fault_within(j, x->time + 0.001, j->t_end + 1);
		if (!f && j->t_end - x->time < GRACE)
			continue;
		never++;
		pass = false;
		if (never == 1 || why)
			why = f ? f->what : NULL;
	}
	if (never)
		snprintf(detail, sizeof(detail), "%zu of %zu heals/starts were never followed by every "
			 "running node on the same tip", never, n);
	else
		snprintf(detail, sizeof(detail), "after %zu heal%s/start%s every running node held the "
			 "same tip within %.3f s", n, n == 1 ? "" : "s", n == 1 ? "" : "s", worst);
	verdict(j, "convergence", pass, why, detail, json_pack("{s:o}", "events", list));
}

/* The highest tip of any node at time t (-1 if none yet). */
static long long height_at(const struct tn_history *h, double t)
{
	long long top = -1;

	for (size_t i = 0; i < h->n && h->ev[i].time <= t; i++)
		if (h->ev[i].kind == TN_HEV_TIP && h->ev[i].height > top)
			top = h->ev[i].height;
	return top;
}

/* Blocks mined (by any node, stale or not) in the judged span. */
static size_t mined_in_span(const struct judge *j)
{
	size_t n = 0;

	for (size_t i = 0; i < j->h->n; i++)
		n += j->h->ev[i].kind == TN_HEV_MINED && j->h->ev[i].time >= j->t_up;
	return n;
}

/*
 * The chain should grow at least half as fast as blocks are made: the
 * target, or what the miners managed when CPU miners on a busy machine fall
 * short of it (that is slow hardware, not a failure of consensus).
 */
static void judge_growth(struct judge *j)
{
	double span = j->t_end - j->t_up, target = 1.0 / j->a->st.block_time;
	long long from = height_at(j->h, j->t_up), grown = j->h->chain.top - (from < 0 ? 0 : from);
	double rate = span > 0 ? (double)grown / span : NAN;
	double made = span > 0 ? (double)mined_in_span(j) / span : NAN;
	double expect = made < target ? made : target;
	const struct tn_fault *f = fault_within(j, j->t_up, j->t_end);
	bool judged = span * target >= 5, pass = !judged || rate >= 0.5 * expect;
	char detail[300];

	snprintf(detail, sizeof(detail), "%lld blocks in %.0f s: %.3f blocks/s against a target of "
		 "%.3f (%.0f%%); the miners found %.3f blocks/s%s", grown, span, rate, target,
		 rate / target * 100, made, judged ? "" : "; too short a run to judge");
	verdict(j, "chain growth", pass, pass || !f ? NULL : f->what, detail,
		json_pack("{s:I, s:f, s:f, s:f, s:f}", "blocks", (json_int_t)grown, "seconds", span,
			  "blocks_per_s", isnan(rate) ? 0 : rate, "target_blocks_per_s", target,
			  "mined_per_s", isnan(made) ? 0 : made));
}

static bool chain_has(const struct tn_chain *c, long long h, const char *hash)
{
	return h >= c->base && h <= c->top && strcmp(c->hash[h - c->base], hash) == 0;
}

static void judge_quality(struct judge *j)
{
	static size_t mined[TN_MAX_NODES], kept[TN_MAX_NODES];
	const struct tn_history *h = j->h;
	size_t all = 0, chain = 0;
	json_t *list = json_array();
	const char *why = NULL;
	char detail[300] = "";
	bool pass = true;
	int worst = -1;

	memset(mined, 0, sizeof(mined));
	memset(kept, 0, sizeof(kept));
	for (size_t i = 0; i < h->n; i++) {
		const struct tn_hev *e = &h->ev[i];
		if (e->kind != TN_HEV_MINED || e->time < j->t_up || e->node >= TN_MAX_NODES)
			continue;
		mined[e->node]++;
		all++;
		for (size_t k = i + 1; k-- > 0 && i - k < 16;)   /* its own tip line just before */
			if (h->ev[k].node == e->node && h->ev[k].kind == TN_HEV_TIP &&
			    strcmp(h->ev[k].hash, e->hash) == 0) {
				if (chain_has(&h->chain, h->ev[k].height, e->hash)) {
					kept[e->node]++;
					chain++;
				}
				break;
			}
	}
	for (int i = 0; i < j->a->st.n; i++) {
		double p = all ? (double)mined[i] / (double)all : 0;
		double q = chain ? (double)kept[i] / (double)chain : 0;
		double tol = chain ? 3 * sqrt(p * (1 - p) / (double)chain) + 0.05 : 1;
		if (!mined[i] && !j->a->st.node[i].miner)
			continue;
		json_array_append_new(list, json_pack("{s:i, s:I, s:I, s:f, s:f}", "node", i, "mined",
						      (json_int_t)mined[i], "on_best_chain",
						      (json_int_t)kept[i], "mining_share", p,
						      "chain_share", q));
		if (chain >= 10 && q < p - tol && (worst < 0 || p - q > 0)) {
			pass = false;
			worst = i;
		}
	}
	if (worst >= 0) {
		const struct tn_fault *f = fault_within(j, j->t_up, j->t_end);
		why = f ? f->what : NULL;
		snprintf(detail, sizeof(detail), "node %d holds %.0f%% of the best chain but mined %.0f%% "
			 "of the blocks", worst, 100.0 * (double)kept[worst] / (double)chain,
			 100.0 * (double)mined[worst] / (double)all);
	} else {
		snprintf(detail, sizeof(detail), "%zu blocks mined since up, %zu of them on the best "
			 "chain; every miner's share of the chain is within chance of its share of "
			 "mining%s", all, chain, chain < 10 ? " (too few blocks to judge)" : "");
	}
	verdict(j, "chain quality", pass, why, detail, json_pack("{s:o}", "miners", list));
}

/* Hashes some node refused (rejected lines, invalid chain tips of running nodes). */
static size_t invalid_hashes(struct judge *j, char (*out)[65], size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < j->h->n && n < max; i++)
		if (j->h->ev[i].kind == TN_HEV_REJECTED)
			memcpy(out[n++], j->h->ev[i].hash, 65);
	for (int i = 0; i < j->a->st.n; i++) {
		json_t *tips = tn_node_running(j->a, i) ? tn_call_quiet(j->a, i, "getchaintips", NULL)
							: NULL, *t;
		size_t k;
		json_array_foreach(tips, k, t) {
			const char *st = json_string_value(json_object_get(t, "status"));
			const char *hash = json_string_value(json_object_get(t, "hash"));
			if (n < max && st && hash && strcmp(st, "invalid") == 0 && strlen(hash) == 64)
				memcpy(out[n++], hash, 65);
		}
		json_decref(tips);
	}
	return n;
}

static void judge_validity(struct judge *j)
{
	static char bad[4096][65];
	size_t n_bad = invalid_hashes(j, bad, 4096), hits = 0;
	json_t *list = json_array();
	char detail[300];

	for (size_t i = 0; i < j->h->n; i++) {
		const struct tn_hev *e = &j->h->ev[i];
		for (size_t b = 0; e->kind == TN_HEV_TIP && b < n_bad; b++)
			if (strcmp(e->hash, bad[b]) == 0) {
				json_array_append_new(list, json_pack("{s:f, s:i, s:I, s:s}", "time", e->time,
								      "node", e->node, "height",
								      (json_int_t)e->height, "hash",
								      e->hash));
				hits++;
				break;
			}
	}
	if (hits)
		snprintf(detail, sizeof(detail), "%zu time%s a node had a block known invalid as its "
			 "tip", hits, hits == 1 ? "" : "s");
	else
		snprintf(detail, sizeof(detail), "no node ever had any of the %zu blocks known invalid "
			 "on its active chain", n_bad);
	verdict(j, "validity", hits == 0, NULL, detail, json_pack("{s:o}", "violations", list));
}

/* The tip height node i held just before time t, from its log. */
static long long height_before(const struct tn_history *h, int i, double t)
{
	long long height = -1;

	for (size_t k = 0; k < h->n && h->ev[k].time < t; k++)
		if (h->ev[k].node == i && h->ev[k].kind == TN_HEV_TIP)
			height = h->ev[k].height;
	return height;
}

/*
 * One journaled payment as node i sees it now. A payment in a block the node
 * disconnected, whose input the active chain spends (getrawtransaction's
 * stale answer), was taken back: how deep it was then is the node's tip
 * before that reorganisation less the block's height, plus one.
 */
static void judge_payment(struct judge *j, int i, const char *txid, json_t *list, int *deepest,
			  const char **why)
{
	json_t *r = tn_call_quiet(j->a, i, "getrawtransaction", json_pack("[s, b]", txid, 1));
	json_t *c = json_array_get(json_object_get(r, "conflicts"), 0);
	double t = json_number_value(json_object_get(r, "disconnected_time"));
	long long height = json_integer_value(json_object_get(r, "height"));
	long long before = height_before(j->h, i, t + 0.5);
	const struct tn_fault *f;
	char when[16];
	int deep;

	if (!r || !json_is_false(json_object_get(r, "in_active_chain")) || !c || before < height) {
		json_decref(r);
		return;
	}
	deep = (int)(before - height + 1);
	f = fault_within(j, t - 1, t + 1);
	json_array_append_new(list, json_pack("{s:s, s:i, s:f, s:s, s:s?, s:I, s:i, s:s?, s:s?}",
		"txid", txid, "node", i, "time", t, "clock", clock_of(t, when, sizeof(when)),
		"block", json_string_value(json_object_get(r, "blockhash")), "height",
		(json_int_t)height, "confirmations_before", deep, "spent_by",
		json_string_value(json_object_get(c, "txid")), "fault", f ? f->what : NULL));
	if (deep >= j->k) {
		if (deep > *deepest || !*why)
			*why = f ? f->what : NULL;
		*deepest = deep > *deepest ? deep : *deepest;
	}
	json_decref(r);
}

/* Payments the faucet made (the journal's "payment" events): none confirmed K deep and then taken back. */
static void judge_payments(struct judge *j)
{
	const struct tn_state *s = &j->a->st;
	json_t *list = json_array();
	const char *why = NULL;
	int deepest = 0, paid = 0, running = 0;
	char detail[300];

	for (int i = 0; i < s->n; i++)
		running += tn_node_running(j->a, i);
	for (size_t e = 0; running && e < s->n_events; e++) {
		char txid[65];
		if (strcmp(s->events[e].what, "payment") != 0 ||
		    sscanf(s->events[e].detail, "%64s", txid) != 1)
			continue;
		paid++;
		for (int i = 0; i < s->n; i++)
			if (tn_node_running(j->a, i))
				judge_payment(j, i, txid, list, &deepest, &why);
	}
	if (!running)
		snprintf(detail, sizeof(detail), "not judged: no node is running to ask");
	else if (json_array_size(list) == 0)
		snprintf(detail, sizeof(detail), "none of %d faucet payment%s was taken back by a "
			 "reorganisation", paid, paid == 1 ? "" : "s");
	else
		snprintf(detail, sizeof(detail), "%zu payment%s taken back by a reorganisation "
			 "(double-spent on the winning branch), the deepest %d confirmation%s deep",
			 json_array_size(list), json_array_size(list) == 1 ? "" : "s", deepest,
			 deepest == 1 ? "" : "s");
	verdict(j, "payments", deepest < j->k, deepest >= j->k ? why : NULL, detail,
		json_pack("{s:i, s:o}", "paid", paid, "reversed", list));
}

static void print_text(const struct judge *j)
{
	size_t i, k;
	json_t *r, *v;

	printf("%-14s %-8s %s\n", "property", "result", "detail");
	json_array_foreach(j->rows, i, r) {
		bool pass = json_is_true(json_object_get(r, "pass"));
		const char *why = json_string_value(json_object_get(r, "explained_by"));
		printf("%-14s %-8s %s\n", json_string_value(json_object_get(r, "property")),
		       pass ? "PASS" : why ? "FAULT" : "FAIL",
		       json_string_value(json_object_get(r, "detail")));
		if (why)
			printf("%-23s explained by the fault in force: %s\n", "", why);
		json_array_foreach(json_object_get(r, "reversed"), k, v) {
			const char *f = json_string_value(json_object_get(v, "fault"));
			printf("%-23s %s UTC node %lld: payment %.16s... had %lld confirmation%s in "
			       "block %lld, now double-spent by %.16s...%s%s\n", "",
			       json_string_value(json_object_get(v, "clock")),
			       (long long)json_integer_value(json_object_get(v, "node")),
			       json_string_value(json_object_get(v, "txid")),
			       (long long)json_integer_value(json_object_get(v, "confirmations_before")),
			       json_integer_value(json_object_get(v, "confirmations_before")) == 1 ?
			       "" : "s", (long long)json_integer_value(json_object_get(v, "height")),
			       json_string_value(json_object_get(v, "spent_by")) ?
			       json_string_value(json_object_get(v, "spent_by")) : "?",
			       f ? " during " : "", f ? f : "");
		}
		json_array_foreach(json_object_get(r, "violations"), k, v) {
			const char *f = json_string_value(json_object_get(v, "fault"));
			if (!json_object_get(v, "depth"))
				continue;
			printf("%-23s %s UTC node %lld: %lld block%s from height %lld taken away (tip "
			       "was %.16s...)%s%s\n", "",
			       json_string_value(json_object_get(v, "clock")),
			       (long long)json_integer_value(json_object_get(v, "node")),
			       (long long)json_integer_value(json_object_get(v, "depth")),
			       json_integer_value(json_object_get(v, "depth")) == 1 ? "" : "s",
			       (long long)json_integer_value(json_object_get(v, "height")),
			       json_string_value(json_object_get(v, "old_tip")), f ? " during " : "",
			       f ? f : "");
		}
	}
	printf("%s (best chain height %lld, from the %s)\n", j->unexplained ?
	       "some property failed with no fault to explain it" : "every property holds or its "
	       "failure is explained by a fault", j->h->chain.top, j->h->source);
}

static void judge_all(struct judge *j)
{
	const struct tn_state *s = &j->a->st;
	struct tn_tip_event *tips;
	size_t n_tips = tn_hev_tips(&tips, j->h->ev, j->h->n);

	j->n_f = tn_faults(j->f, sizeof(j->f) / sizeof(j->f[0]), s->events, s->n_events, s->n, GRACE);
	j->t_up = j->h->n ? j->h->ev[0].time : 0;
	for (size_t e = 0; e < s->n_events; e++)
		if (strcmp(s->events[e].what, "up") == 0) {
			j->t_up = s->events[e].time;
			break;
		}
	j->t_end = j->h->n ? j->h->ev[j->h->n - 1].time : j->t_up;
	judge_safety(j);
	judge_convergence(j, tips, tips ? n_tips : 0);
	judge_growth(j);
	judge_quality(j);
	judge_validity(j);
	judge_payments(j);
	free(tips);
}

int tn_cmd_check(struct tn_app *a, int argc, char **argv)
{
	static struct judge j;
	struct tn_history h;
	bool json = false;
	char err[800], *end;

	memset(&j, 0, sizeof(j));
	j.k = 6;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--k") == 0 && i + 1 < argc) {
			long v = strtol(argv[++i], &end, 10);
			if (!*argv[i] || *end || v < 1 || v > 1000)
				return tn_fail("--k: expected a number in 1..1000, got '%s'", argv[i]);
			j.k = (int)v;
		} else {
			return tn_fail("usage: flint-testnet check [--json] [--k K]");
		}
	}
	if (tn_history_load(&h, a, err, sizeof(err)) < 0)
		return tn_fail("%s", err);
	j.a = a;
	j.h = &h;
	j.rows = json_array();
	judge_all(&j);
	if (json) {
		json_t *o = json_pack("{s:O, s:i, s:I, s:s, s:b}", "properties", j.rows, "k", j.k,
				      "best_height", (json_int_t)h.chain.top, "chain_from", h.source,
				      "pass", !j.unexplained);
		char *text = o ? json_dumps(o, JSON_PRESERVE_ORDER) : NULL;
		if (text)
			printf("%s\n", text);
		free(text);
		json_decref(o);
	} else {
		print_text(&j);
	}
	json_decref(j.rows);
	tn_history_release(&h);
	return j.unexplained ? 3 : 0;
}
