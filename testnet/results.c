/*
 * results.csv and results.json of an experiment (see results.h).
 */
#include "testnet/results.h"

#include <errno.h>
#include <math.h>
#include <string.h>

double tn_xrow_d_over_t(const struct tn_xrow *r)
{
	double t = r->interval_s > 0 ? r->interval_s : r->block_time;

	return t > 0 && !isnan(r->s.p50) ? r->s.p50 / t : NAN;
}

/* A number for the CSV: empty when unknown. */
static void csv_num(FILE *f, double v, const char *fmt)
{
	fputc(',', f);
	if (!isnan(v))
		fprintf(f, fmt, v);
}

static const char csv_header[] =
	"run,block_time_s,delay_ms,nodes,miners,topology,repeat,seed,seconds,height_from,"
	"height_to,interval_s,mined,blocks,stale_blocks,stale_rate,d_over_t,model_stale_rate,"
	"propagation_p50_ms,propagation_p90_ms,propagation_p99_ms,propagation_timed,reorgs,"
	"reorg_max_depth,reorg_depths,disagreements,converge_mean_ms,converge_max_ms,cpu_s\n";

static void csv_row(FILE *f, const struct tn_xrow *r)
{
	const struct tn_run_stats *s = &r->s;
	double x = tn_xrow_d_over_t(r);

	fprintf(f, "%d,%d,%d,%d,%d,%s,%d,", r->run, r->block_time, r->delay_ms, r->nodes, r->miners,
		r->topology, r->repeat);
	if (r->seed >= 0)
		fprintf(f, "%lld", r->seed);
	fprintf(f, ",%.3f,%lld,%lld", r->seconds, r->height_from, r->height_to);
	csv_num(f, r->interval_s, "%.3f");
	fprintf(f, ",%zu,%zu,%zu", s->mined, s->blocks, s->stale);
	csv_num(f, s->stale_rate, "%.4f");
	csv_num(f, x, "%.5f");
	csv_num(f, tn_model_stale(x, 1), "%.4f");
	csv_num(f, s->p50 * 1000, "%.1f");
	csv_num(f, s->p90 * 1000, "%.1f");
	csv_num(f, s->p99 * 1000, "%.1f");
	fprintf(f, ",%zu,%zu,%d,", s->n_lat, s->reorgs, s->max_depth);
	for (size_t i = 0; i < s->reorgs; i++)
		fprintf(f, "%s%d", i ? ";" : "", s->depths[i]);
	fprintf(f, ",%zu", s->n_agree);
	csv_num(f, s->agree_mean * 1000, "%.1f");
	csv_num(f, s->agree_max * 1000, "%.1f");
	csv_num(f, r->cpu_s, "%.2f");
	fputc('\n', f);
}

void tn_results_csv(FILE *f, const struct tn_xrow *rows, size_t n)
{
	fputs(csv_header, f);
	for (size_t i = 0; i < n; i++)
		csv_row(f, &rows[i]);
}

static json_t *num(double v)
{
	return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

static json_t *row_json(const struct tn_xrow *r)
{
	const struct tn_run_stats *s = &r->s;
	json_t *depths = json_array(), *o;
	double x = tn_xrow_d_over_t(r);

	for (size_t i = 0; i < s->reorgs; i++)
		json_array_append_new(depths, json_integer(s->depths[i]));
	o = json_pack("{s:i, s:i, s:i, s:i, s:i, s:s, s:i, s:o, s:f, s:I, s:I, s:I, s:I, s:I}",
		      "run", r->run, "block_time_s", r->block_time, "delay_ms", r->delay_ms, "nodes",
		      r->nodes, "miners", r->miners, "topology", r->topology, "repeat", r->repeat,
		      "seed", r->seed >= 0 ? json_integer(r->seed) : json_null(), "seconds",
		      r->seconds, "height_from", (json_int_t)r->height_from, "height_to",
		      (json_int_t)r->height_to, "mined", (json_int_t)s->mined, "blocks",
		      (json_int_t)s->blocks, "stale_blocks", (json_int_t)s->stale);
	json_object_set_new(o, "interval_s", num(r->interval_s));
	json_object_set_new(o, "stale_rate", num(s->stale_rate));
	json_object_set_new(o, "d_over_t", num(x));
	json_object_set_new(o, "model_stale_rate", num(tn_model_stale(x, 1)));
	json_object_set_new(o, "propagation_p50_ms", num(s->p50 * 1000));
	json_object_set_new(o, "propagation_p90_ms", num(s->p90 * 1000));
	json_object_set_new(o, "propagation_p99_ms", num(s->p99 * 1000));
	json_object_set_new(o, "propagation_timed", json_integer((json_int_t)s->n_lat));
	json_object_set_new(o, "reorgs", json_integer((json_int_t)s->reorgs));
	json_object_set_new(o, "reorg_max_depth", json_integer(s->max_depth));
	json_object_set_new(o, "reorg_depths", depths);
	json_object_set_new(o, "disagreements", json_integer((json_int_t)s->n_agree));
	json_object_set_new(o, "converge_mean_ms", num(s->agree_mean * 1000));
	json_object_set_new(o, "converge_max_ms", num(s->agree_max * 1000));
	json_object_set_new(o, "cpu_s", num(r->cpu_s));
	return o;
}

json_t *tn_results_json(const struct tn_xrow *rows, size_t n)
{
	json_t *runs = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(runs, row_json(&rows[i]));
	return json_pack("{s:o}", "runs", runs);
}

/* Writes path through path.tmp and a rename, so a reader never sees half a file. */
static int write_file(const char *dir, const char *name, const struct tn_xrow *rows, size_t n,
		      bool json, char *err, size_t errlen)
{
	char path[700], tmp[710];
	json_t *doc = json ? tn_results_json(rows, n) : NULL;
	FILE *f;
	int bad;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		json_decref(doc);
		snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
		return -1;
	}
	if (json)
		bad = json_dumpf(doc, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER) < 0 || fputc('\n', f) < 0;
	else
		tn_results_csv(f, rows, n), bad = 0;
	json_decref(doc);
	bad = ferror(f) || bad;
	if ((fclose(f) != 0 || bad) || rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int tn_results_write(const char *dir, const struct tn_xrow *rows, size_t n, char *err,
		     size_t errlen)
{
	if (write_file(dir, "results.csv", rows, n, false, err, errlen) < 0 ||
	    write_file(dir, "results.json", rows, n, true, err, errlen) < 0)
		return -1;
	return 0;
}
