/*
 * A testnet run's recorded history, judged: the lines of the nodes' logs
 * that matter (new tip, reorganised, mined, rejected), the fault journal
 * turned into windows, and from them what `check` verdicts on (safety,
 * convergence, chain growth, chain quality, validity) and what an
 * `experiment` row measures (stale rate, propagation, reorgs, time to
 * agree). Pure functions over parsed data: no files, no RPC, no processes.
 */
#ifndef FLINT_TESTNET_HIST_H
#define FLINT_TESTNET_HIST_H

#include <stdbool.h>
#include <stddef.h>

#include "testnet/nodeset.h"
#include "testnet/sli.h"
#include "testnet/state.h"

enum tn_hev_kind { TN_HEV_TIP, TN_HEV_REORG, TN_HEV_MINED, TN_HEV_REJECTED };

/* One log line that matters. Events of one node keep their log order (seq). */
struct tn_hev {
	double time;
	int node;
	long seq;
	enum tn_hev_kind kind;
	long long height;        /* TIP */
	int depth;               /* REORG: blocks disconnected */
	char hash[65];           /* TIP, MINED, REJECTED */
};

/* Parses one debug.log line into e (node and seq left as they are). 0, or -1 for other lines. */
int tn_hev_parse(const char *line, struct tn_hev *e) __attribute__((warn_unused_result));
/* Sorts by time, then node, then seq. */
void tn_hev_sort(struct tn_hev *v, size_t n);

/* A fault of the journal: in force over [from, to) for one node, or for all. */
struct tn_fault {
	double from, to;
	int node;                /* the node it concerns, or -1: every node */
	char what[96];
};

/*
 * The faults of journal ev[0..n) over n_nodes nodes, into out (room for
 * max; returns how many, at most max): a partition until its heal plus
 * grace seconds, a killed or stopped node until it is back plus grace, a
 * skewed clock until it is set back plus its skew plus grace, a link change
 * from then on, and the start of the testnet until `up` plus grace.
 */
size_t tn_faults(struct tn_fault *out, size_t max, const struct tn_event *ev, size_t n,
		 int n_nodes, double grace);
/* The first fault in force at time t for node (any node when node < 0), or NULL. */
const struct tn_fault *tn_fault_at(const struct tn_fault *f, size_t n, double t, int node);

/* A reorganisation that took away a block with at least K confirmations. */
struct tn_violation {
	double time;
	int node, depth;
	long long height;        /* of the deepest block taken away */
	char old_tip[65];
	const struct tn_fault *fault;   /* in force then, or NULL */
};

/*
 * Safety over events ev (sorted): every reorg of depth >= k on a node (a
 * block with depth confirmations, counting itself, taken away), into out
 * (room for max). Returns how many there were (possibly more than max).
 */
size_t tn_safety(struct tn_violation *out, size_t max, const struct tn_hev *ev, size_t n_ev,
		 int k, const struct tn_fault *f, size_t n_f);

/*
 * Into run, which of nodes 0..n_nodes-1 run after journal events ev[0..upto).
 * Nodes run from `up`, stop at kill/stop/down, run again at started/restarted.
 */
void tn_running_after(struct tn_nodeset *run, const struct tn_event *ev, size_t upto, int n_nodes);

/* Tip events of ev (sorted) as sli.h's tn_tip_event, into a new array (*out, caller frees). */
size_t tn_hev_tips(struct tn_tip_event **out, const struct tn_hev *ev, size_t n_ev);

/*
 * The best chain as node `node`'s log tells it: the hash at each height of
 * its final active chain that its tips showed (others empty ""). c->hash is
 * allocated (caller frees). 0, or -1 (no tip, out of memory).
 */
int tn_chain_from_log(struct tn_chain *c, const struct tn_hev *ev, size_t n_ev, int node)
	__attribute__((warn_unused_result));

/* The model's stale rate for propagation delay d and block interval t (same unit): 1 - e^(-d/t). */
double tn_model_stale(double d, double t);

/* What one experiment run measured, between from and to (unix seconds). */
struct tn_run_stats {
	size_t mined, blocks, stale; /* settled blocks mined in the window: all, on the chain, off */
	double stale_rate;           /* stale / mined; NAN when none */
	double *lat;                 /* propagation (s) of each timed chain block, sorted; owned */
	size_t n_lat;
	double p50, p90, p99;        /* of lat, seconds; NAN when none */
	int *depths;                 /* each reorg's depth; owned */
	size_t reorgs;
	int max_depth;
	double *agree;               /* seconds each disagreement of the nodes lasted; owned */
	size_t n_agree;
	double agree_mean, agree_max;
};

/*
 * Measures a run of n_nodes nodes from events ev (sorted) against the final
 * best chain c. A block is settled when at least 2 blocks of c are above it;
 * only blocks mined in [from, to] count. Propagation of a chain block is
 * from its mining until the last node had it as tip; a block some node
 * passed over (it had a fork of its own at that height, or caught up
 * several blocks at once) is not timed.
 * 0, or -1 out of memory (s released).
 */
int tn_run_measure(struct tn_run_stats *s, const struct tn_hev *ev, size_t n_ev, int n_nodes,
		   const struct tn_chain *c, double from, double to)
	__attribute__((warn_unused_result));
void tn_run_stats_release(struct tn_run_stats *s);

#endif
