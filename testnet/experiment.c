/*
 * `experiment`: sweeps block interval against link delay with real nodes.
 * Each combination (and repeat) is a fresh testnet in DIR/runs/<name>,
 * with ports of its own, made and torn down through flint-testnet's own
 * command line (`up`, `down`), run until B blocks or S seconds, measured
 * from its logs and RPC (hist.h) and the node processes' CPU time in /proc.
 * After each run the rows so far go to results.csv and results.json and
 * the plots are redrawn (results.h), so an interrupt keeps every finished row.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testnet/history.h"
#include "testnet/results.h"

#define MAX_VALUES 32
#define MAX_RUNS 1000
#define PORT_STRIDE 300       /* each run's ports: base + slot * stride, 8 slots */

struct xopts {
	int bt[MAX_VALUES], delay[MAX_VALUES];
	size_t n_bt, n_delay;
	int nodes, miners, blocks, duration, repeat;
	long long seed;
	int base_port;
	char topology[16];
	const char *out;
};

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	stop_requested = sig;
}

static int parse_list(const char *name, const char *s, int lo, int hi, int *out, size_t *n)
{
	char *end;

	*n = 0;
	for (const char *p = s;; p = end + 1) {
		long v = strtol(p, &end, 10);
		if (end == p || v < lo || v > hi || (*end && *end != ',') || *n == MAX_VALUES)
			return tn_fail("%s: expected up to %d numbers in %d..%d separated by commas, got '%s'",
				       name, MAX_VALUES, lo, hi, s);
		out[(*n)++] = (int)v;
		if (!*end)
			return 0;
	}
}

static int parse_int(const char *name, const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (!*s || *end || v < lo || v > hi)
		return tn_fail("%s: expected a number in %lld..%lld, got '%s'", name, lo, hi, s);
	*out = v;
	return 0;
}

static int parse_one(struct xopts *o, const char *k, const char *v)
{
	long long x;

	if (strcmp(k, "--block-time") == 0)
		return parse_list(k, v, 1, 3600, o->bt, &o->n_bt);
	if (strcmp(k, "--delay") == 0)
		return parse_list(k, v, 0, 60000, o->delay, &o->n_delay);
	if (strcmp(k, "--topology") == 0) {
		snprintf(o->topology, sizeof(o->topology), "%s", v);
		return strlen(v) < sizeof(o->topology) ? 0 : tn_fail("--topology: unknown '%s'", v);
	}
	if (strcmp(k, "--out") == 0) {
		o->out = v;
		return 0;
	}
	if (strcmp(k, "--seed") == 0)
		return parse_int(k, v, 0, 1LL << 53, &o->seed);
	if (parse_int(k, v, 0, 1000000, &x) != 0)
		return 1;
	if (strcmp(k, "--nodes") == 0 && x >= 1 && x <= TN_MAX_NODES)
		o->nodes = (int)x;
	else if (strcmp(k, "--miners") == 0 && x <= TN_MAX_NODES)
		o->miners = (int)x;
	else if (strcmp(k, "--blocks") == 0 && x >= 1)
		o->blocks = (int)x;
	else if (strcmp(k, "--duration") == 0 && x >= 1)
		o->duration = (int)x;
	else if (strcmp(k, "--repeat") == 0 && x >= 1 && x <= 100)
		o->repeat = (int)x;
	else if (strcmp(k, "--base-port") == 0 && x >= 1024 && x + 8 * PORT_STRIDE < 65536)
		o->base_port = (int)x;
	else
		return tn_fail("unknown option or bad value: '%s %s' (see --help)", k, v);
	return 0;
}

static int parse_opts(struct xopts *o, int argc, char **argv)
{
	for (int i = 0; i < argc; i += 2) {
		if (i + 1 >= argc)
			return tn_fail("unknown option or missing value: '%s' (see --help)", argv[i]);
		if (parse_one(o, argv[i], argv[i + 1]) != 0)
			return 1;
	}
	if (!o->n_bt || !o->n_delay || !o->out)
		return tn_fail("usage: flint-testnet experiment --block-time LIST --delay LIST [--nodes N] "
			       "[--topology T] [--miners K] [--blocks B | --duration S] [--repeat R] "
			       "[--seed S] [--base-port P] --out DIR");
	if (o->blocks && o->duration)
		return tn_fail("--blocks and --duration: give one of them");
	if (!o->blocks && !o->duration)
		o->blocks = 20;
	if (o->miners < 0)
		o->miners = o->nodes;
	if (o->miners > o->nodes)
		return tn_fail("--miners %d: there are only %d nodes", o->miners, o->nodes);
	if (o->n_bt * o->n_delay * (size_t)o->repeat > MAX_RUNS)
		return tn_fail("%zu runs: at most %d", o->n_bt * o->n_delay * (size_t)o->repeat, MAX_RUNS);
	return 0;
}

/* ---- one run ---- */

struct run {
	struct xopts *o;
	struct tn_app *tool;     /* for its bindir */
	int index, total, bt, delay, rep;
	char dir[600];
	double started, all_started, per_run;   /* per_run: seconds a run is expected to take */
	size_t done;
};

/*
 * Runs "flint-testnet --dir DIR ARGS..." and waits for it; its stdout goes
 * to /dev/null. It ignores SIGINT: a Ctrl-C on the terminal reaches the
 * whole process group, and an `up` or `down` cut short would leave nodes
 * behind; this process takes the signal and stops at the next step.
 */
static int tool(const struct run *r, const char *const *args, size_t n)
{
	struct tn_args v;
	int status, fd;
	pid_t pid;

	tn_args_init(&v);
	tn_args_add(&v, "%s/flint-testnet", r->tool->bindir);
	tn_args_add(&v, "--dir");
	tn_args_add(&v, "%s", r->dir);
	for (size_t i = 0; i < n; i++)
		tn_args_add(&v, "%s", args[i]);
	if (v.overflow)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_IGN);
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 1);
		execv(v.v[0], v.v);
		fprintf(stderr, "flint-testnet: error: cannot run '%s': %s\n", v.v[0], strerror(errno));
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int testnet_up(const struct run *r)
{
	char n[16], k[16], bt[16], port[16], delay[16], seed[32];
	const char *args[20] = {"up", "-n", n, "--miners", k, "--block-time", bt, "--base-port", port,
				"--topology", r->o->topology};
	size_t na = 11;

	snprintf(n, sizeof(n), "%d", r->o->nodes);
	snprintf(k, sizeof(k), "%d", r->o->miners);
	snprintf(bt, sizeof(bt), "%d", r->bt);
	snprintf(port, sizeof(port), "%d", r->o->base_port + (r->index % 8) * PORT_STRIDE);
	if (r->delay > 0) {
		snprintf(delay, sizeof(delay), "%d", r->delay);
		args[na++] = "--delay";
		args[na++] = delay;
	}
	if (r->o->seed >= 0) {
		snprintf(seed, sizeof(seed), "%lld", r->o->seed);
		args[na++] = "--seed";
		args[na++] = seed;
	}
	return tool(r, args, na);
}

static void testnet_down(const struct run *r, bool clean)
{
	const char *args[2] = {"down", "--clean"};

	(void)tool(r, args, clean ? 2 : 1);
}

/* User plus system CPU seconds of pid so far, from /proc/PID/stat; 0 if gone. */
static double cpu_of(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (pid <= 0 || !(f = fopen(path, "r")))
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* After the ")" closing the name: state is field 3, utime 14, stime 15. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* The highest height any running node reports, or -1. */
static long long top_height(struct tn_app *a)
{
	long long top = -1;

	for (int i = 0; i < a->st.n; i++) {
		json_t *h = tn_call_quiet(a, i, "getblockcount", NULL);
		if (json_is_integer(h) && json_integer_value(h) > top)
			top = json_integer_value(h);
		json_decref(h);
	}
	return top;
}

static void progress(const struct run *r, long long grown, bool last)
{
	double now = tn_now(), el = now - r->started, all = now - r->all_started;
	double left = r->per_run * (double)(r->total - r->index) - (el < r->per_run ? el : r->per_run);
	static double shown;

	if (!last && !isatty(2) && now - shown < 10)
		return;
	shown = now;
	fprintf(stderr, "%srun %d/%d (block time %d s, delay %d ms, repeat %d): %lld",
		isatty(2) ? "\r" : "", r->index + 1, r->total, r->bt, r->delay, r->rep + 1, grown);
	if (r->o->blocks)
		fprintf(stderr, "/%d", r->o->blocks);
	fprintf(stderr, " blocks, %.0f s; %.0f s elapsed, about %.0f s left  %s", el, all,
		left > 0 ? left : 0, isatty(2) && !last ? "" : "\n");
}

/* Waits until the run has its blocks or its time (or a stop is asked); the height reached. */
static long long wait_run(struct run *r, struct tn_app *a, long long from, double t0)
{
	double limit = r->o->duration ? r->o->duration : 10.0 * r->o->blocks * r->bt + 60;
	long long top = from;

	while (!stop_requested) {
		long long h = top_height(a);
		top = h > top ? h : top;
		if ((r->o->blocks && top - from >= r->o->blocks) || tn_now() - t0 >= limit)
			break;
		progress(r, top - from, false);
		tn_sleep_ms(250);
	}
	progress(r, top - from, true);
	return top;
}

/* The last `up` of the journal: when the network was whole. */
static double up_time(const struct tn_state *s)
{
	for (size_t k = s->n_events; k-- > 0;)
		if (strcmp(s->events[k].what, "up") == 0)
			return s->events[k].time;
	return tn_now();
}

/* Measures a running testnet in r->dir into row. 0, or -1 with a message printed. */
static int measure(struct run *r, struct tn_xrow *row)
{
	static struct tn_app a;
	struct tn_history h;
	char err[800];
	double t0, t1;
	int rc = -1;

	memset(&a, 0, sizeof(a));
	if (tn_state_load(&a.st, r->dir, err, sizeof(err)) < 0)
		return tn_fail("%s", err);
	snprintf(a.bindir, sizeof(a.bindir), "%s", r->tool->bindir);
	t0 = up_time(&a.st);
	row->height_from = top_height(&a);
	row->height_to = wait_run(r, &a, row->height_from, t0);
	t1 = tn_now();
	row->seconds = t1 - t0;
	/* The chain's own pace: CPU miners on a busy machine can fall short of the target. */
	row->interval_s = row->height_to > row->height_from ?
			  row->seconds / (double)(row->height_to - row->height_from) : NAN;
	for (int i = 0; i < a.st.n; i++)
		row->cpu_s += cpu_of(a.st.node[i].pid);
	if (stop_requested)
		goto out;
	if (tn_history_load(&h, &a, err, sizeof(err)) < 0) {
		tn_fail("run %d: %s", r->index + 1, err);
		goto out;
	}
	if (tn_run_measure(&row->s, h.ev, h.n, a.st.n, &h.chain, t0, t1) < 0)
		tn_fail("out of memory");
	else
		rc = 0;
	tn_history_release(&h);
out:
	tn_app_release(&a);
	return rc;
}

static int one_run(struct run *r, struct tn_xrow *row)
{
	int rc;

	memset(row, 0, sizeof(*row));
	row->run = r->index + 1;
	row->block_time = r->bt;
	row->delay_ms = r->delay;
	row->nodes = r->o->nodes;
	row->miners = r->o->miners;
	row->repeat = r->rep + 1;
	row->seed = r->o->seed;
	snprintf(row->topology, sizeof(row->topology), "%s", r->o->topology);
	snprintf(r->dir, sizeof(r->dir), "%s/runs/%03d-T%ds-d%dms-r%d", r->o->out, r->index + 1, r->bt,
		 r->delay, r->rep + 1);
	if (tn_state_exists(r->dir))
		testnet_down(r, true);  /* a run of an earlier experiment in the same place */
	r->started = tn_now();
	progress(r, 0, false);
	rc = testnet_up(r);
	if (rc != 0 || stop_requested) {
		testnet_down(r, false);
		if (stop_requested)
			return -1;
		return tn_fail("run %d: 'flint-testnet --dir %s up' failed (exit %d)%s", r->index + 1,
			       r->dir, rc, r->delay > 0 ? "; does this flint-testnet know up --delay?" : "");
	}
	rc = measure(r, row);
	testnet_down(r, false);        /* the data stays: `check --dir` can judge the run */
	if (rc != 0)
		tn_run_stats_release(&row->s);
	return rc;
}

/* ---- the sweep ---- */

static int save(const struct xopts *o, const struct tn_xrow *rows, size_t n, const char *gnuplot)
{
	char err[800];
	int drawn;

	if (tn_results_write(o->out, rows, n, err, sizeof(err)) < 0)
		return tn_fail("%s", err);
	drawn = tn_plots_write(o->out, rows, n, gnuplot, err, sizeof(err));
	if (drawn < 0)
		return tn_fail("%s", err);
	if (drawn < 3)
		fprintf(stderr, "flint-testnet: warning: gnuplot drew %d of 3 plots (see %s/gnuplot.log; "
			"sudo apt-get install gnuplot-nox)\n", drawn, o->out);
	return 0;
}

static int sweep(struct xopts *o, struct tn_app *a, struct tn_xrow *rows, size_t *n_rows)
{
	const char *gnuplot = getenv("FLINT_GNUPLOT") ? getenv("FLINT_GNUPLOT") : "gnuplot";
	struct run r = {.o = o, .tool = a, .all_started = tn_now()};
	int rc = 0;

	r.total = (int)(o->n_bt * o->n_delay) * o->repeat;
	for (size_t b = 0; b < o->n_bt && !stop_requested; b++)
		for (size_t d = 0; d < o->n_delay && !stop_requested; d++)
			for (int k = 0; k < o->repeat && !stop_requested; k++) {
				r.bt = o->bt[b];
				r.delay = o->delay[d];
				r.rep = k;
				/* Until one run has finished: startup plus the blocks or the time. */
				r.per_run = r.done ? (tn_now() - r.all_started) / (double)r.done :
					    20.0 + (o->duration ? o->duration : o->blocks * r.bt);
				if (one_run(&r, &rows[*n_rows]) != 0) {
					rc = 1;
					goto out;
				}
				(*n_rows)++;
				r.done++;
				r.index++;
				if (save(o, rows, *n_rows, gnuplot) != 0) {
					rc = 1;
					goto out;
				}
			}
out:
	if (stop_requested) {
		fprintf(stderr, "\nstopped: every node of the unfinished run is down; %zu finished "
			"run%s kept in %s\n", *n_rows, *n_rows == 1 ? "" : "s", o->out);
		rc = 130;
	}
	if (*n_rows == 0 || rc == 0)
		(void)save(o, rows, *n_rows, gnuplot);
	return rc;
}

int tn_cmd_experiment(struct tn_app *a, int argc, char **argv)
{
	struct xopts o = {.nodes = 4, .miners = -1, .repeat = 1, .seed = -1, .base_port = 24000,
			  .topology = "mesh"};
	struct sigaction sa;
	struct tn_xrow *rows;
	char runs[600];
	size_t n = 0;
	int rc;

	if (parse_opts(&o, argc, argv) != 0)
		return 1;
	snprintf(runs, sizeof(runs), "%.500s/runs", o.out);
	if ((mkdir(o.out, 0755) < 0 && errno != EEXIST) || (mkdir(runs, 0755) < 0 && errno != EEXIST))
		return tn_fail("cannot create '%s': %s", runs, strerror(errno));
	rows = calloc(o.n_bt * o.n_delay * (size_t)o.repeat, sizeof(*rows));
	if (!rows)
		return tn_fail("out of memory");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = sweep(&o, a, rows, &n);
	if (rc == 0)
		printf("%zu run%s: %s/results.csv, results.json, index.html\n", n, n == 1 ? "" : "s",
		       o.out);
	for (size_t i = 0; i < n; i++)
		tn_run_stats_release(&rows[i].s);
	free(rows);
	return rc;
}
