/*
 * The plots of an experiment (see results.h): for each, a data file and a
 * gnuplot script that draws it as SVG and PNG, written into the output
 * directory so anyone can edit and re-plot (cd DIR && gnuplot stale.gp);
 * then index.html, which shows them with the table and needs nothing from
 * outside the directory.
 */
#define _GNU_SOURCE
#include "testnet/results.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define W 800
#define H 500

static FILE *open_in(const char *dir, const char *name, char *err, size_t errlen)
{
	char path[700];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
	return f;
}

static int close_ok(FILE *f, const char *dir, const char *name, char *err, size_t errlen)
{
	bool bad = ferror(f) != 0;

	if (fclose(f) != 0 || bad) {
		snprintf(err, errlen, "cannot write '%s/%s'", dir, name);
		return -1;
	}
	return 0;
}

/* The lines every script starts and ends with: SVG first, then the same plot as PNG. */
static void gp_head(FILE *f, const char *name, const char *title)
{
	fprintf(f, "# Written by flint-testnet experiment. Re-plot with: gnuplot %s.gp\n"
		"set encoding utf8\nset termoption noenhanced\nset title \"%s\"\n"
		"set grid\nset key top left box opaque\n"
		"set terminal svg size %d,%d dynamic noenhanced font \"sans,12\" background \"white\"\n"
		"set output \"%s.svg\"\n", name, title, W, H, name);
}

static void gp_tail(FILE *f, const char *name)
{
	fprintf(f, "set terminal pngcairo size %d,%d noenhanced font \"sans,11\" background \"white\"\n"
		"set output \"%s.png\"\nreplot\nset output\n", W, H, name);
}

/* Stale rate against d/T, the model's curve over the measured points. */
static int plot_stale(const char *dir, const struct tn_xrow *rows, size_t n, char *err,
		      size_t errlen)
{
	FILE *d = open_in(dir, "stale.dat", err, errlen), *g;
	double xmax = 0.05, ymax = 0.05;

	if (!d)
		return -1;
	fprintf(d, "# d_over_t stale_rate block_time_s delay_ms run\n");
	for (size_t i = 0; i < n; i++) {
		double x = tn_xrow_d_over_t(&rows[i]), y = rows[i].s.stale_rate;
		if (isnan(x) || isnan(y))
			continue;
		fprintf(d, "%.6f %.6f %d %d %d\n", x, y, rows[i].block_time, rows[i].delay_ms,
			rows[i].run);
		xmax = x * 1.15 > xmax ? x * 1.15 : xmax;
		ymax = y * 1.15 > ymax ? y * 1.15 : ymax;
	}
	if (close_ok(d, dir, "stale.dat", err, errlen) < 0 || !(g = open_in(dir, "stale.gp", err, errlen)))
		return -1;
	if (tn_model_stale(xmax, 1) * 1.1 > ymax)
		ymax = tn_model_stale(xmax, 1) * 1.1;
	gp_head(g, "stale", "Stale rate against d/T");
	fprintf(g, "set xlabel \"d/T: median propagation d over measured block interval T\"\n"
		"set ylabel \"stale rate (blocks mined off the best chain)\"\n"
		"set xrange [0:%.6f]\nset yrange [0:%.6f]\nset samples 200\n"
		"model(x) = 1 - exp(-x)\n"
		"plot model(x) title \"model 1 - exp(-d/T)\" with lines lw 2 lc rgb \"#1f77b4\", \\\n"
		"     \"stale.dat\" using 1:2 title \"measured\" with points pt 7 ps 1.3 "
		"lc rgb \"#d62728\"\n", xmax, ymax);
	gp_tail(g, "stale");
	return close_ok(g, dir, "stale.gp", err, errlen);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The distinct delays of rows, sorted, into out (room for TN_MAX...); returns how many. */
static size_t delays_of(const struct tn_xrow *rows, size_t n, int *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (size_t j = 0; j < k && !seen; j++)
			seen = out[j] == rows[i].delay_ms;
		if (!seen)
			out[k++] = rows[i].delay_ms;
	}
	qsort(out, k, sizeof(*out), cmp_int);
	return k;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One data block per delay (gnuplot's index), each the CDF of the runs' propagation times. */
static int cdf_data(FILE *d, const struct tn_xrow *rows, size_t n, const int *delay, size_t nd)
{
	for (size_t k = 0; k < nd; k++) {
		size_t m = 0, at = 0;
		double *v;
		for (size_t i = 0; i < n; i++)
			m += rows[i].delay_ms == delay[k] ? rows[i].s.n_lat : 0;
		v = malloc((m + 1) * sizeof(*v));
		if (!v)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (rows[i].delay_ms == delay[k] && rows[i].s.n_lat)
				memcpy(v + at, rows[i].s.lat, rows[i].s.n_lat * sizeof(*v)), at += rows[i].s.n_lat;
		qsort(v, m, sizeof(*v), cmp_double);
		fprintf(d, "# delay %d ms: propagation_ms fraction\n", delay[k]);
		if (m == 0)
			fprintf(d, "0 0\n");
		for (size_t i = 0; i < m; i++)
			fprintf(d, "%.3f %.6f\n", v[i] * 1000, (double)(i + 1) / (double)m);
		fprintf(d, "\n\n");
		free(v);
	}
	if (nd == 0)
		fprintf(d, "# no runs yet\n0 0\n");
	return 0;
}

static int plot_cdf(const char *dir, const struct tn_xrow *rows, size_t n, char *err, size_t errlen)
{
	int *delay = malloc((n + 1) * sizeof(int));
	size_t nd = delay ? delays_of(rows, n, delay) : 0;
	FILE *d = delay ? open_in(dir, "propagation.dat", err, errlen) : NULL, *g;
	int rc = -1;

	if (!d)
		goto out;
	if (cdf_data(d, rows, n, delay, nd) < 0) {
		fclose(d);
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (close_ok(d, dir, "propagation.dat", err, errlen) < 0 ||
	    !(g = open_in(dir, "propagation.gp", err, errlen)))
		goto out;
	gp_head(g, "propagation", "Block propagation: time until every node had the block");
	fprintf(g, "set xlabel \"propagation (ms)\"\nset ylabel \"fraction of blocks\"\n"
		"set yrange [0:1.05]\nset key bottom right\nplot ");
	for (size_t k = 0; k < nd; k++)
		fprintf(g, "%s\"propagation.dat\" index %zu using 1:2 with steps lw 2 title "
			"\"delay %d ms\"", k ? ", \\\n     " : "", k, delay[k]);
	if (nd == 0)
		fprintf(g, "\"propagation.dat\" using 1:2 with steps title \"no runs yet\"");
	fprintf(g, "\n");
	gp_tail(g, "propagation");
	rc = close_ok(g, dir, "propagation.gp", err, errlen);
out:
	free(delay);
	return rc;
}

static int plot_reorgs(const char *dir, const struct tn_xrow *rows, size_t n, char *err,
		       size_t errlen)
{
	int top = 1;
	FILE *d = open_in(dir, "reorgs.dat", err, errlen), *g;

	if (!d)
		return -1;
	for (size_t i = 0; i < n; i++)
		top = rows[i].s.max_depth > top ? rows[i].s.max_depth : top;
	fprintf(d, "# depth reorgs\n");
	for (int depth = 1; depth <= top; depth++) {
		size_t c = 0;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < rows[i].s.reorgs; j++)
				c += rows[i].s.depths[j] == depth;
		fprintf(d, "%d %zu\n", depth, c);
	}
	if (close_ok(d, dir, "reorgs.dat", err, errlen) < 0 ||
	    !(g = open_in(dir, "reorgs.gp", err, errlen)))
		return -1;
	gp_head(g, "reorgs", "Reorganisations by depth, all runs and nodes");
	fprintf(g, "set xlabel \"depth (blocks disconnected)\"\nset ylabel \"reorganisations\"\n"
		"set xrange [0.3:%d.7]\nset yrange [0:*]\nset xtics 1\nset boxwidth 0.6\n"
		"set style fill solid 0.6\n"
		"plot \"reorgs.dat\" using 1:2 with boxes lc rgb \"#2ca02c\" title \"reorgs\"\n", top);
	gp_tail(g, "reorgs");
	return close_ok(g, dir, "reorgs.gp", err, errlen);
}

/* Runs gnuplot on dir/name.gp inside dir, its output in dir/gnuplot.log. 0 when it drew. */
static int draw(const char *dir, const char *name, const char *gnuplot)
{
	char script[64], log[700];
	int status, fd;
	pid_t pid;

	snprintf(script, sizeof(script), "%s.gp", name);
	snprintf(log, sizeof(log), "%s/gnuplot.log", dir);
	pid = fork();
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (chdir(dir) == 0)
			execlp(gnuplot, gnuplot, script, (char *)NULL);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void html_num(FILE *f, double v, const char *fmt)
{
	fprintf(f, "<td>");
	if (isnan(v))
		fprintf(f, "&ndash;");
	else
		fprintf(f, fmt, v);
	fprintf(f, "</td>");
}

static void html_table(FILE *f, const struct tn_xrow *rows, size_t n)
{
	fprintf(f, "<table>\n<tr><th>run</th><th>T (s)</th><th>delay (ms)</th><th>nodes</th>"
		"<th>seconds</th><th>interval (s)</th><th>mined</th><th>stale</th><th>stale rate</th><th>d/T</th>"
		"<th>model</th><th>p50 (ms)</th><th>p90 (ms)</th><th>p99 (ms)</th><th>reorgs</th>"
		"<th>deepest</th><th>agree max (ms)</th><th>CPU (s)</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		const struct tn_xrow *r = &rows[i];
		double x = tn_xrow_d_over_t(r);
		fprintf(f, "<tr><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%.0f</td>", r->run,
			r->block_time, r->delay_ms, r->nodes, r->seconds);
		html_num(f, r->interval_s, "%.2f");
		fprintf(f, "<td>%zu</td><td>%zu</td>", r->s.mined, r->s.stale);
		html_num(f, r->s.stale_rate, "%.3f");
		html_num(f, x, "%.4f");
		html_num(f, tn_model_stale(x, 1), "%.3f");
		html_num(f, r->s.p50 * 1000, "%.1f");
		html_num(f, r->s.p90 * 1000, "%.1f");
		html_num(f, r->s.p99 * 1000, "%.1f");
		fprintf(f, "<td>%zu</td><td>%d</td>", r->s.reorgs, r->s.max_depth);
		html_num(f, r->s.agree_max * 1000, "%.0f");
		html_num(f, r->cpu_s, "%.1f");
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</table>\n");
}

static int write_html(const char *dir, const struct tn_xrow *rows, size_t n, int drawn, char *err,
		      size_t errlen)
{
	static const char *const plots[] = {"stale", "propagation", "reorgs"};
	FILE *f = open_in(dir, "index.html", err, errlen);

	if (!f)
		return -1;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<title>Flint experiment</title>\n<style>\nbody{font-family:sans-serif;margin:2em;"
		"max-width:70em}\ntable{border-collapse:collapse}\ntd,th{border:1px solid #bbb;"
		"padding:.2em .5em;text-align:right}\nimg{max-width:100%%;margin:1em 0}\n</style>\n"
		"</head>\n<body>\n<h1>Block interval against link delay</h1>\n<p>%zu run%s. "
		"Stale rate: settled blocks mined off the final best chain over all settled blocks "
		"mined; d: median time until every node had a block; T: the measured block interval; "
		"model: 1 - e<sup>-d/T</sup>. "
		"Data: <a href=\"results.csv\">results.csv</a>, <a href=\"results.json\">"
		"results.json</a>; re-plot with <code>gnuplot stale.gp</code> (and propagation.gp, "
		"reorgs.gp) in this directory.</p>\n", n, n == 1 ? "" : "s");
	html_table(f, rows, n);
	if (drawn == 0)
		fprintf(f, "<p>No plots: gnuplot did not run (see gnuplot.log; install gnuplot-nox)."
			"</p>\n");
	for (size_t i = 0; drawn > 0 && i < sizeof(plots) / sizeof(plots[0]); i++)
		fprintf(f, "<h2>%s</h2>\n<p><img src=\"%s.svg\" alt=\"%s plot\"> "
			"<a href=\"%s.png\">PNG</a></p>\n", plots[i], plots[i], plots[i], plots[i]);
	fprintf(f, "</body>\n</html>\n");
	return close_ok(f, dir, "index.html", err, errlen);
}

int tn_plots_write(const char *dir, const struct tn_xrow *rows, size_t n, const char *gnuplot,
		   char *err, size_t errlen)
{
	static const char *const plots[] = {"stale", "propagation", "reorgs"};
	char log[700];
	int drawn = 0;

	if (plot_stale(dir, rows, n, err, errlen) < 0 || plot_cdf(dir, rows, n, err, errlen) < 0 ||
	    plot_reorgs(dir, rows, n, err, errlen) < 0)
		return -1;
	snprintf(log, sizeof(log), "%s/gnuplot.log", dir);
	unlink(log);
	for (size_t i = 0; i < sizeof(plots) / sizeof(plots[0]); i++)
		drawn += draw(dir, plots[i], gnuplot) == 0;
	if (write_html(dir, rows, n, drawn, err, errlen) < 0)
		return -1;
	return drawn;
}
