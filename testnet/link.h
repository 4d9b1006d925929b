/*
 * Links as the commands handle them (link.c): parsing an edge ("0-1",
 * "0>1", "all") and the values of a setting with their units, applying a
 * change to the saved settings, and the links as JSON for `link show` and
 * `status`. Parsing is pure: it touches neither the state nor the relay.
 */
#ifndef FLINT_TESTNET_LINK_H
#define FLINT_TESTNET_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "testnet/app.h"

/* Which directions a command names: both of a-b, only a > b, or every link. */
struct tn_edge_sel {
	bool all, one_way;
	int a, b;
};

/* Some settings of a direction, each applied only if its flag is set. */
struct tn_link_change {
	bool delay, jitter, bandwidth, loss;
	struct tn_linkdir d;
};

/* "200", "200ms", "2s" -> milliseconds within 0..TN_MAX_DELAY_MS. 0, or -1 with err. */
int tn_parse_ms(const char *what, const char *s, int *out, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* "1000", "1000kbit", "10mbit", "1gbit", "0", "unlimited" -> kbit/s. 0, or -1 with err. */
int tn_parse_kbit(const char *s, long *out, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* "2", "2.5", "2.5%" -> percent within 0..TN_MAX_LOSS_PCT. 0, or -1 with err. */
int tn_parse_loss(const char *s, double *out, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* "delay MS jitter MS ..." pairs (at least one) into c. 0, or -1 with err. */
int tn_parse_settings(int argc, char **argv, struct tn_link_change *c, char *err, size_t errlen)
	__attribute__((warn_unused_result));
void tn_link_change_apply(const struct tn_link_change *c, struct tn_linkdir *d);
/* "A-B", "A>B" (a link of s's topology) or "all". 0, or -1 with err. */
int tn_parse_edge(const struct tn_state *s, const char *text, struct tn_edge_sel *e, char *err,
		  size_t errlen) __attribute__((warn_unused_result));
/* True if the selection names the direction from > to (a link of s). */
bool tn_edge_sel_has(const struct tn_state *s, const struct tn_edge_sel *e, int from, int to);

/* True if any direction of s is cut by `link ... cut` (partitions aside). */
bool tn_any_cut(const struct tn_state *s);
/* Journals (what, detail), saves and has the relay reload. 0, or 1 (an exit status). */
int tn_links_commit(struct tn_app *a, const char *what, const char *detail);
/*
 * Every link as relay.h's JSON (new reference): from the relay when it
 * answers (*relay_up true), else the saved settings with null counters.
 */
json_t *tn_links_json(struct tn_app *a, bool *relay_up) __attribute__((warn_unused_result));
/* The relay's state and the shaped or cut directions (all: every one, else the first ten), for `status`. */
void tn_links_print_status(struct tn_app *a, bool all);

#endif
