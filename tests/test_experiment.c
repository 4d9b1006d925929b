/*
 * Tests for the history judged by `check` and measured by `experiment`
 * (testnet/hist.c) on synthetic logs and journals, the model curve, and the
 * files of an experiment: results.csv, results.json, the gnuplot scripts
 * and data, index.html (testnet/results.c, testnet/plot.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testnet/hist.h"
#include "testnet/results.h"

static const char H1[] = "1111111111111111111111111111111111111111111111111111111111111111";
static const char H2[] = "2222222222222222222222222222222222222222222222222222222222222222";
static const char H3[] = "3333333333333333333333333333333333333333333333333333333333333333";
static const char X2[] = "aaaa222222222222222222222222222222222222222222222222222222222222";
static const char X3[] = "aaaa333333333333333333333333333333333333333333333333333333333333";

/* ---- log lines ---- */

static void test_hev_parse_lines(void **state)
{
	struct tn_hev e;
	char line[256];

	snprintf(line, sizeof(line), "2026-11-22T23:38:36.665Z info  new tip: height 12 hash %s\n", H1);
	assert_int_equal(tn_hev_parse(line, &e), 0);
	assert_int_equal(e.kind, TN_HEV_TIP);
	assert_int_equal(e.height, 12);
	assert_string_equal(e.hash, H1);
	assert_int_equal(tn_hev_parse("2026-11-22T23:38:36.700Z info  reorganised: 3 blocks "
				      "disconnected\n", &e), 0);
	assert_int_equal(e.kind, TN_HEV_REORG);
	assert_int_equal(e.depth, 3);
	assert_true(fabs(e.time - (1795390716.0 + 0.7)) < 1e-3);
	snprintf(line, sizeof(line), "2026-11-22T23:38:37.000Z info  mined block %s\n", H2);
	assert_int_equal(tn_hev_parse(line, &e), 0);
	assert_int_equal(e.kind, TN_HEV_MINED);
	assert_string_equal(e.hash, H2);
	snprintf(line, sizeof(line), "2026-11-22T23:38:37.000Z warn  mined block %s rejected: "
		 "bad-blk-sigops x\n", H3);
	assert_int_equal(tn_hev_parse(line, &e), 0);
	assert_int_equal(e.kind, TN_HEV_REJECTED);
	/* Anything else, or damaged: not an event. */
	assert_int_equal(tn_hev_parse("2026-11-22T23:38:37.000Z info  ready\n", &e), -1);
	assert_int_equal(tn_hev_parse("2026-11-22T23:38:37.000Z info  mined block 12ab\n", &e), -1);
	assert_int_equal(tn_hev_parse("2026-11-22T23:38:37.000Z info  reorganised: -1 blocks\n", &e),
			 -1);
	assert_int_equal(tn_hev_parse("reorganised: 2 blocks disconnected\n", &e), -1);
	assert_int_equal(tn_hev_parse("", &e), -1);
}

/* ---- synthetic histories ---- */

static struct tn_hev ev_tip(double t, int node, long long h, const char *hash)
{
	struct tn_hev e = {.time = t, .node = node, .kind = TN_HEV_TIP, .height = h};
	memcpy(e.hash, hash, 65);
	return e;
}

static struct tn_hev ev_reorg(double t, int node, int depth)
{
	struct tn_hev e = {.time = t, .node = node, .kind = TN_HEV_REORG, .depth = depth};
	return e;
}

static struct tn_hev ev_mined(double t, int node, const char *hash)
{
	struct tn_hev e = {.time = t, .node = node, .kind = TN_HEV_MINED};
	memcpy(e.hash, hash, 65);
	return e;
}

static struct tn_event jev(double t, const char *what, const char *detail)
{
	struct tn_event e;

	memset(&e, 0, sizeof(e));
	e.time = t;
	snprintf(e.what, sizeof(e.what), "%s", what);
	snprintf(e.detail, sizeof(e.detail), "%s", detail);
	return e;
}

static void test_faults_from_journal(void **state)
{
	struct tn_event j[] = {jev(100, "up", ""), jev(200, "partition", "0,1/2,3"),
			       jev(260, "heal", ""), jev(300, "kill", "2"), jev(320, "started", "2"),
			       jev(400, "skew", "1 60"), jev(410, "skew", "1 0"),
			       jev(500, "partition", "0/1,2,3")};
	struct tn_fault f[16];
	size_t n = tn_faults(f, 16, j, 8, 4, 30);
	const struct tn_fault *x;

	assert_int_equal(n, 5);
	assert_true(isinf(f[0].from) && f[0].to == 105);       /* the start, until 5 s after up */
	assert_null(tn_fault_at(f, n, 150, 0));                 /* whole and healthy */
	x = tn_fault_at(f, n, 270, 3);                          /* a heal's grace */
	assert_non_null(x);
	assert_string_equal(x->what, "partition 0,1/2,3");
	assert_true(x->from == 200 && x->to == 290);
	x = tn_fault_at(f, n, 330, 2);                          /* the killed node catching up */
	assert_non_null(x);
	assert_string_equal(x->what, "node 2 down");
	assert_null(tn_fault_at(f, n, 330, 1));                 /* only that node's fault */
	x = tn_fault_at(f, n, 480, 0);                          /* skew until now + 60 + grace */
	assert_non_null(x);
	assert_string_equal(x->what, "node 1 clock skewed 60 s");
	x = tn_fault_at(f, n, 1e9, 0);                          /* an unhealed partition lasts */
	assert_non_null(x);
	assert_string_equal(x->what, "partition 0/1,2,3");
	/* A journal fault in force is named before the start of the testnet. */
	struct tn_event early[] = {jev(10, "partition", "0/1"), jev(11, "up", "")};
	n = tn_faults(f, 16, early, 2, 2, 30);
	assert_string_equal(tn_fault_at(f, n, 12, 0)->what, "partition 0/1");
	/* Room for fewer: no overflow. */
	assert_int_equal(tn_faults(f, 2, j, 8, 4, 30), 2);
}

static void test_running_after_journal(void **state)
{
	struct tn_event j[] = {jev(1, "up", ""), jev(2, "kill", "1"), jev(3, "stop", "3"),
			       jev(4, "restarted", "3"), jev(5, "down", ""), jev(6, "kill", "x")};

	struct tn_nodeset run;

	tn_running_after(&run, j, 0, 4);
	assert_int_equal(tn_nodeset_count(&run), 0);
	tn_running_after(&run, j, 1, 4);
	assert_int_equal(tn_nodeset_count(&run), 4);
	tn_running_after(&run, j, 3, 4);                          /* 0 and 2 */
	assert_true(tn_nodeset_has(&run, 0) && tn_nodeset_has(&run, 2));
	assert_int_equal(tn_nodeset_count(&run), 2);
	tn_running_after(&run, j, 4, 4);                          /* 3 is back */
	assert_true(tn_nodeset_has(&run, 3) && !tn_nodeset_has(&run, 1));
	assert_int_equal(tn_nodeset_count(&run), 3);
	tn_running_after(&run, j, 6, 4);
	assert_int_equal(tn_nodeset_count(&run), 0);
}

/* Past 64 nodes each node is itself: node 64 or 70 is not node 0 or 6. */
static void test_faults_and_running_past_64_nodes(void **state)
{
	struct tn_event j[] = {jev(0, "up", ""), jev(10, "kill", "64"), jev(11, "stop", "9999")};
	struct tn_fault f[16];
	struct tn_nodeset run;
	size_t nf = tn_faults(f, 16, j, 3, 10000, 30);

	assert_non_null(tn_fault_at(f, nf, 100, 64));
	assert_non_null(tn_fault_at(f, nf, 100, 9999));
	assert_null(tn_fault_at(f, nf, 100, 0));
	assert_null(tn_fault_at(f, nf, 100, 15));
	assert_non_null(tn_fault_at(f, nf, 100, -1));
	tn_running_after(&run, j, 3, 10000);
	assert_int_equal(tn_nodeset_count(&run), 9998);
	assert_false(tn_nodeset_has(&run, 64));
	assert_true(tn_nodeset_has(&run, 0));
	assert_false(tn_nodeset_has(&run, 9999));
	assert_false(tn_nodeset_has(&run, 10000));
}

static void test_safety_reorg_depth_against_k(void **state)
{
	/* Node 1 had 1-2-3 and switched to 1-X2-X3-X4: a reorg of depth 2 at t=20. */
	struct tn_hev ev[] = {ev_tip(1, 1, 1, H1), ev_tip(2, 1, 2, H2), ev_tip(3, 1, 3, H3),
			      ev_reorg(20, 1, 2), ev_tip(20, 1, 4, X3)};
	struct tn_event j[] = {jev(0, "up", ""), jev(10, "partition", "0/1"), jev(19, "heal", "")};
	struct tn_violation v[4];
	struct tn_fault f[8];
	size_t nf;

	assert_int_equal(tn_safety(v, 4, ev, 5, 3, NULL, 0), 0);     /* K=3: safe */
	assert_int_equal(tn_safety(v, 4, ev, 5, 2, NULL, 0), 1);     /* K=2: violated */
	assert_int_equal(v[0].node, 1);
	assert_int_equal(v[0].depth, 2);
	assert_int_equal(v[0].height, 2);                            /* blocks 2 and 3 went */
	assert_string_equal(v[0].old_tip, H3);
	assert_null(v[0].fault);                                     /* nothing to explain it */
	nf = tn_faults(f, 8, j, 3, 2, 30);
	assert_int_equal(tn_safety(v, 4, ev, 5, 1, f, nf), 1);
	assert_non_null(v[0].fault);                                 /* within the heal's grace */
	assert_string_equal(v[0].fault->what, "partition 0/1");
	/* Counted past the room given, written only within it. */
	struct tn_hev many[] = {ev_reorg(1, 0, 1), ev_reorg(2, 0, 1), ev_reorg(3, 0, 1)};
	assert_int_equal(tn_safety(v, 1, many, 3, 1, NULL, 0), 3);
}

static void test_convergence_after_heal(void **state)
{
	/* Healed at t=10; node 1 takes node 0's tip at t=12.5; node 2 is down. */
	struct tn_hev ev[] = {ev_tip(1, 0, 1, H1), ev_tip(2, 1, 1, X2), ev_tip(3, 2, 1, X3),
			      ev_tip(11, 0, 2, H2), ev_tip(12.5, 1, 2, H2)};
	struct tn_event j[] = {jev(0, "up", ""), jev(4, "kill", "2"), jev(5, "partition", "0/1,2"),
			       jev(10, "heal", "")};
	struct tn_tip_event *tips;
	size_t n = tn_hev_tips(&tips, ev, 5);
	struct tn_nodeset run, all;

	tn_running_after(&run, j, 4, 3);
	tn_nodeset_first(&all, 3);
	assert_int_equal(n, 5);
	assert_int_equal(tn_nodeset_count(&run), 2);
	assert_true(fabs(tn_converge_time(tips, n, 3, &run, 10) - 2.5) < 1e-9);
	/* With node 2 counted they never agree. */
	assert_true(isnan(tn_converge_time(tips, n, 3, &all, 10)));
	free(tips);
}

static void test_chain_from_log_after_reorg(void **state)
{
	struct tn_hev ev[] = {ev_tip(1, 0, 1, H1), ev_tip(2, 0, 2, H2), ev_tip(3, 0, 3, H3),
			      ev_reorg(4, 0, 2), ev_tip(4, 0, 3, X3), ev_tip(5, 1, 9, X2)};
	struct tn_chain c;

	assert_int_equal(tn_chain_from_log(&c, ev, 6, 0), 0);
	assert_int_equal(c.top, 3);
	assert_string_equal(c.hash[1], H1);
	assert_string_equal(c.hash[2], "");          /* taken away, its successor never logged */
	assert_string_equal(c.hash[3], X3);
	free(c.hash);
	assert_int_equal(tn_chain_from_log(&c, ev, 6, 3), -1);   /* no tip of node 3 */
}

static void test_model_stale_curve(void **state)
{
	assert_true(tn_model_stale(0, 10) == 0);
	assert_true(fabs(tn_model_stale(10, 10) - (1 - exp(-1))) < 1e-12);
	assert_true(fabs(tn_model_stale(6.5, 600) - 0.010775) < 1e-5);   /* Bitcoin: about 1% */
	assert_true(tn_model_stale(1, 2) < tn_model_stale(2, 2));
	assert_true(isnan(tn_model_stale(1, 0)) && isnan(tn_model_stale(-1, 1)));
}

/*
 * Two nodes. Chain 0-1(A)-2(B)-3-4-5; node 1 also mined a stale 2' that
 * lost to B. A reaches node 1 after 0.1 s, B reaches node 1 after 0.3 s.
 */
static int run_history(struct tn_hev *ev, struct tn_chain *c, char (*hash)[65])
{
	int n = 0;

	for (int h = 0; h <= 5; h++)
		snprintf(hash[h], 65, "%064d", h);
	c->base = 0;
	c->top = 5;
	c->hash = hash;
	ev[n++] = ev_tip(10.0, 0, 1, hash[1]);
	ev[n++] = ev_mined(10.0, 0, hash[1]);
	ev[n++] = ev_tip(10.1, 1, 1, hash[1]);
	ev[n++] = ev_tip(12.0, 0, 2, hash[2]);
	ev[n++] = ev_mined(12.0, 0, hash[2]);
	ev[n++] = ev_tip(12.1, 1, 2, X2);                /* node 1's own block at height 2 */
	ev[n++] = ev_mined(12.1, 1, X2);
	ev[n++] = ev_reorg(12.3, 1, 1);
	ev[n++] = ev_tip(12.3, 1, 2, hash[2]);
	for (int h = 3; h <= 5; h++) {
		ev[n++] = ev_tip(10.0 + 2 * h, 0, h, hash[h]);
		ev[n++] = ev_mined(10.0 + 2 * h, 0, hash[h]);
		ev[n++] = ev_tip(10.05 + 2 * h, 1, h, hash[h]);
	}
	for (int i = 0; i < n; i++)
		ev[i].seq = i;
	tn_hev_sort(ev, (size_t)n);
	return n;
}

static void test_run_measure_stale_and_propagation(void **state)
{
	static char hash[6][65];
	struct tn_hev ev[32];
	struct tn_chain c;
	struct tn_run_stats s;
	int n = run_history(ev, &c, hash);

	assert_int_equal(tn_run_measure(&s, ev, (size_t)n, 2, &c, 0, 100), 0);
	/* Settled: heights up to 3 (two blocks above): 1, 2, 2', 3. */
	assert_int_equal(s.mined, 4);
	assert_int_equal(s.blocks, 3);
	assert_int_equal(s.stale, 1);
	assert_true(fabs(s.stale_rate - 0.25) < 1e-12);
	assert_int_equal(s.n_lat, 3);
	assert_true(fabs(s.lat[0] - 0.05) < 1e-6 && fabs(s.lat[2] - 0.3) < 1e-6);
	assert_true(fabs(s.p50 - 0.1) < 1e-6);
	assert_int_equal(s.reorgs, 1);
	assert_int_equal(s.max_depth, 1);
	assert_int_equal(s.depths[0], 1);
	/* Disagreements: each block until node 1 has it, 2' until B wins. */
	assert_true(s.n_agree >= 4);
	assert_true(fabs(s.agree_max - 0.3) < 1e-6);
	tn_run_stats_release(&s);
	/* A window that leaves the first blocks out. */
	assert_int_equal(tn_run_measure(&s, ev, (size_t)n, 2, &c, 15, 100), 0);
	assert_int_equal(s.mined, 1);
	assert_int_equal(s.reorgs, 0);
	tn_run_stats_release(&s);
	assert_int_equal(tn_run_measure(&s, ev, 0, 2, &c, 0, 100), 0);
	assert_true(isnan(s.stale_rate) && isnan(s.p50));
	tn_run_stats_release(&s);
}

static void test_run_measure_passed_over_not_timed(void **state)
{
	static char hash[6][65];
	struct tn_hev ev[16];
	struct tn_chain c = {0, 5, hash};
	struct tn_run_stats s;
	int n = 0;

	for (int h = 0; h <= 5; h++)
		snprintf(hash[h], 65, "%064d", h);
	for (int h = 1; h <= 5; h++) {
		ev[n++] = ev_tip(h, 0, h, hash[h]);
		ev[n++] = ev_mined(h, 0, hash[h]);
		if (h != 2)                       /* node 1 goes from 1 straight to 3 */
			ev[n++] = ev_tip(h + 0.2, 1, h, hash[h]);
	}
	for (int i = 0; i < n; i++)
		ev[i].seq = i;
	tn_hev_sort(ev, (size_t)n);
	assert_int_equal(tn_run_measure(&s, ev, (size_t)n, 2, &c, 0, 100), 0);
	assert_int_equal(s.blocks, 3);       /* 1, 2, 3 settled, all on the chain */
	assert_int_equal(s.n_lat, 2);        /* 2 is not timed: its arrival never showed */
	assert_true(fabs(s.p50 - 0.2) < 1e-6);
	tn_run_stats_release(&s);
}

/* ---- files ---- */

static void make_rows(struct tn_xrow *r)
{
	static double lat0[] = {0.010, 0.020, 0.030}, lat1[] = {2.0, 3.0, 4.0};
	static int depths[] = {1, 2, 1};

	memset(r, 0, 2 * sizeof(*r));
	for (int i = 0; i < 2; i++) {
		r[i].run = i + 1;
		r[i].block_time = 2;
		r[i].nodes = r[i].miners = 4;
		r[i].repeat = 1;
		r[i].seed = -1;
		r[i].seconds = 30;
		r[i].interval_s = i == 0 ? NAN : 2.0;
		snprintf(r[i].topology, sizeof(r[i].topology), "mesh");
		r[i].s.agree_mean = r[i].s.agree_max = NAN;
		r[i].cpu_s = 1.5;
	}
	r[0].delay_ms = 0;
	r[0].s = (struct tn_run_stats){.mined = 10, .blocks = 10, .stale = 0, .stale_rate = 0,
				       .lat = lat0, .n_lat = 3, .p50 = 0.020, .p90 = 0.028,
				       .p99 = 0.0298, .agree_mean = NAN, .agree_max = NAN};
	r[1].delay_ms = 1000;
	r[1].seed = 7;
	r[1].s = (struct tn_run_stats){.mined = 10, .blocks = 6, .stale = 4, .stale_rate = 0.4,
				       .lat = lat1, .n_lat = 3, .p50 = 3.0, .p90 = 3.8, .p99 = 3.98,
				       .depths = depths, .reorgs = 3, .max_depth = 2, .agree_mean = 1.5,
				       .agree_max = 2.5};
}

static void test_results_csv_rows(void **state)
{
	struct tn_xrow r[2];
	char buf[4096], *line2, *line3;
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	make_rows(r);
	tn_results_csv(f, r, 2);
	fclose(f);
	assert_true(strncmp(buf, "run,block_time_s,delay_ms,", 26) == 0);
	assert_non_null(strstr(buf, ",interval_s,mined,blocks,stale_blocks,stale_rate,d_over_t,model_stale_rate,propagation_p50_ms,"));
	line2 = strchr(buf, '\n') + 1;
	line3 = strchr(line2, '\n') + 1;
	/* Unknown numbers are empty fields; lists join with ';'. */
	assert_true(strncmp(line2, "1,2,0,4,4,mesh,1,,30.000,0,0,,", 29) == 0);
	assert_non_null(strstr(line2, ",0.0000,0.01000,0.0100,20.0,28.0,29.8,3,0,0,,0,,,1.50\n"));
	assert_true(strncmp(line3, "2,2,1000,4,4,mesh,1,7,", 22) == 0);
	assert_non_null(strstr(line3, ",0.4000,1.50000,0.7769,3000.0,3800.0,3980.0,3,3,2,1;2;1,0,"
			       "1500.0,2500.0,1.50\n"));
	/* Every line has as many fields as the header. */
	for (char *p = buf; *p; p = strchr(p, '\n') + 1) {
		int commas = 0;
		for (char *q = p; *q != '\n'; q++)
			commas += *q == ',';
		assert_int_equal(commas, 28);
	}
}

static void test_results_json_numbers(void **state)
{
	struct tn_xrow r[2];
	json_t *doc, *run;

	make_rows(r);
	doc = tn_results_json(r, 2);
	assert_non_null(doc);
	assert_int_equal(json_array_size(json_object_get(doc, "runs")), 2);
	run = json_array_get(json_object_get(doc, "runs"), 1);
	assert_int_equal(json_integer_value(json_object_get(run, "delay_ms")), 1000);
	assert_true(json_is_real(json_object_get(run, "stale_rate")));
	assert_true(fabs(json_real_value(json_object_get(run, "propagation_p50_ms")) - 3000) < 1e-9);
	assert_true(fabs(json_real_value(json_object_get(run, "model_stale_rate")) -
			 (1 - exp(-1.5))) < 1e-9);
	assert_int_equal(json_array_size(json_object_get(run, "reorg_depths")), 3);
	assert_int_equal(json_integer_value(json_object_get(run, "seed")), 7);
	run = json_array_get(json_object_get(doc, "runs"), 0);
	assert_true(json_is_null(json_object_get(run, "converge_max_ms")));   /* NAN: null */
	assert_true(json_is_null(json_object_get(run, "seed")));
	json_decref(doc);
}

static bool file_has(const char *dir, const char *name, const char *text)
{
	char path[512], buf[65536];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return strstr(buf, text) != NULL;
}

static void test_results_and_plots_files(void **state)
{
	char dir[] = "/tmp/flint-test-experiment-XXXXXX", err[256], path[600];
	struct tn_xrow r[2];
	int drawn;

	make_rows(r);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(tn_results_write(dir, r, 2, err, sizeof(err)), 0);
	assert_true(file_has(dir, "results.csv", "run,block_time_s"));
	assert_true(file_has(dir, "results.json", "\"propagation_p99_ms\""));
	/* Without gnuplot: the scripts, data and page, no pictures. */
	assert_int_equal(tn_plots_write(dir, r, 2, "/nonexistent/gnuplot", err, sizeof(err)), 0);
	assert_true(file_has(dir, "stale.gp", "model(x) = 1 - exp(-x)"));
	assert_true(file_has(dir, "stale.dat", "1.500000 0.400000 2 1000 2"));
	assert_true(file_has(dir, "propagation.gp", "title \"delay 1000 ms\""));
	assert_true(file_has(dir, "propagation.dat", "3000.000 0.666667"));
	assert_true(file_has(dir, "reorgs.dat", "1 2\n2 1\n"));
	assert_true(file_has(dir, "index.html", "No plots"));
	assert_false(file_has(dir, "index.html", "http"));          /* offline: nothing outside */
	/* With gnuplot (a dependency of the build): every plot in both formats. */
	drawn = tn_plots_write(dir, r, 2, "gnuplot", err, sizeof(err));
	if (drawn > 0) {
		assert_int_equal(drawn, 3);
		assert_true(file_has(dir, "stale.svg", "<svg"));
		assert_true(file_has(dir, "stale.svg", "measured"));
		assert_true(file_has(dir, "stale.svg", "model 1 - exp(-d/T)"));
		assert_true(file_has(dir, "propagation.svg", "delay 0 ms"));
		assert_true(file_has(dir, "index.html", "<img src=\"stale.svg\""));
	}
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
	/* An unwritable directory is an error with its name. */
	assert_int_equal(tn_results_write("/nonexistent/dir", r, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/dir"));
	assert_int_equal(tn_plots_write("/nonexistent/dir", r, 2, "gnuplot", err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hev_parse_lines),
		cmocka_unit_test(test_faults_from_journal),
		cmocka_unit_test(test_running_after_journal),
		cmocka_unit_test(test_faults_and_running_past_64_nodes),
		cmocka_unit_test(test_safety_reorg_depth_against_k),
		cmocka_unit_test(test_convergence_after_heal),
		cmocka_unit_test(test_chain_from_log_after_reorg),
		cmocka_unit_test(test_model_stale_curve),
		cmocka_unit_test(test_run_measure_stale_and_propagation),
		cmocka_unit_test(test_run_measure_passed_over_not_timed),
		cmocka_unit_test(test_results_csv_rows),
		cmocka_unit_test(test_results_json_numbers),
		cmocka_unit_test(test_results_and_plots_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
