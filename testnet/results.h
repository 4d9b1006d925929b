/*
 * The rows of an experiment (one per run) and the files made of them:
 * results.csv and results.json (results.c), the gnuplot data and scripts,
 * the SVG and PNG plots drawn by running gnuplot on them, and index.html
 * (plot.c). No testnet, no RPC: only rows and files.
 */
#ifndef FLINT_TESTNET_RESULTS_H
#define FLINT_TESTNET_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#include "testnet/hist.h"

/* One finished run. */
struct tn_xrow {
	int run;                 /* 1-based, in the order run */
	int block_time;          /* seconds, the target interval T */
	int delay_ms;            /* each link's one-way delay */
	int nodes, miners, repeat;
	char topology[16];
	long long seed;          /* -1 when none was given */
	double seconds;          /* measured span */
	long long height_from, height_to;
	double interval_s;       /* measured: seconds per block the chain grew (NAN if it did not) */
	struct tn_run_stats s;   /* owned */
	double cpu_s;            /* user + system seconds of the node processes */
};

/*
 * d/T of a row: its median propagation over its measured block interval
 * (the target when nothing was measured); NAN without a propagation.
 */
double tn_xrow_d_over_t(const struct tn_xrow *r);

/* Writes the CSV (a header line, then one line per row; lists as "1;2;1"). */
void tn_results_csv(FILE *f, const struct tn_xrow *rows, size_t n);
/* The JSON document: {"runs": [...]} with numbers, units in the names. New reference. */
json_t *tn_results_json(const struct tn_xrow *rows, size_t n) __attribute__((warn_unused_result));
/* Writes dir/results.csv and dir/results.json. 0, or -1 with err. */
int tn_results_write(const char *dir, const struct tn_xrow *rows, size_t n, char *err,
		     size_t errlen) __attribute__((warn_unused_result));

/*
 * Writes the plots' data and gnuplot scripts into dir, runs gnuplot (named
 * by gnuplot, a path or a name on PATH) on each script when it can, and
 * writes dir/index.html. Returns how many scripts gnuplot drew (0 when it
 * is missing), or -1 with err when a file cannot be written.
 */
int tn_plots_write(const char *dir, const struct tn_xrow *rows, size_t n, const char *gnuplot,
		   char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
