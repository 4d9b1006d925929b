/*
 * Service-level indicators of a testnet run, computed from the nodes'
 * debug.log lines: block propagation latency, stale block rate and time to
 * converge after a heal. Pure functions over parsed log events and the
 * final best chain: no files, no RPC (slo.c gathers those).
 */
#ifndef FLINT_TESTNET_SLI_H
#define FLINT_TESTNET_SLI_H

#include <stdbool.h>
#include <stddef.h>

#include "testnet/nodeset.h"

/* One "new tip: height H hash X" line of node `node`'s log. */
struct tn_tip_event {
	double time;             /* unix seconds, millisecond precision */
	int node;
	long long height;
	char hash[65];
};

/*
 * Parses a log timestamp "2026-11-22T23:38:36.616Z" at the start of line
 * into unix seconds. 0, or -1 if the line does not start with one.
 */
int tn_log_time(const char *line, double *t) __attribute__((warn_unused_result));
/* Parses a "new tip" line into e (node left as is). 0, or -1 for any other line. */
int tn_log_parse_tip(const char *line, struct tn_tip_event *e) __attribute__((warn_unused_result));

/*
 * The p-th percentile (0..100) of v[0..n), by linear interpolation between
 * the closest ranks (v is sorted in place). NAN when n == 0.
 */
double tn_percentile(double *v, size_t n, double p);

/* A time interval [from, to) during which a fault was in force. */
struct tn_window {
	double from, to;
};

/*
 * The best chain at the end of the run: hash[h - base] is the block at
 * height h, for base <= h <= top.
 */
struct tn_chain {
	long long base, top;
	char (*hash)[65];
};

struct tn_sli {
	size_t active, stale;        /* blocks on the best chain (seen in logs) / off it */
	size_t stale_in_faults;      /* of the stale ones, those first seen inside a window */
	size_t active_in_faults;     /* of the best-chain ones, those first seen inside one */
	size_t measured, excluded;   /* blocks timed for propagation / left out */
	double p50, p99, max;        /* propagation seconds; NAN when nothing was measured */
};

/*
 * Propagation and staleness from events (sorted by time) of n_nodes nodes
 * against the best chain c. A best-chain block at height h reaches a node
 * when that node's tip first is a best-chain block at height >= h; its
 * latency is from the first node to the last. Blocks first seen inside a
 * window, or that some node never reached, are excluded. Returns 0, or -1
 * out of memory.
 */
int tn_sli_compute(struct tn_sli *out, const struct tn_tip_event *ev, size_t n_ev, int n_nodes,
		   const struct tn_chain *c, const struct tn_window *w, size_t n_w)
	__attribute__((warn_unused_result));

/*
 * Seconds from heal time t until the members of `nodes` below n_nodes first
 * all have the same tip, from events sorted by time. NAN if they never do
 * within the events, if no node is a member, or out of memory. Linear in
 * the events: each tip change moves one node between per-tip counts.
 */
double tn_converge_time(const struct tn_tip_event *ev, size_t n_ev, int n_nodes,
			const struct tn_nodeset *nodes, double t);

#endif
