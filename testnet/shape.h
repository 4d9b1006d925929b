/*
 * The arithmetic of a shaped link direction, apart from sockets so it can be
 * tested on its own: when a chunk read at time t may leave (delay, jitter,
 * loss as a retransmission delay, never earlier than the chunk before it),
 * and a token bucket for bandwidth. Times are microseconds on a monotonic
 * clock. No libevent, no files.
 */
#ifndef FLINT_TESTNET_SHAPE_H
#define FLINT_TESTNET_SHAPE_H

#include <stddef.h>
#include <stdint.h>

#include "testnet/state.h"

/* A lost segment waits one retransmission timeout: Linux's minimum RTO. */
#define TN_RTO_US 200000
/* A segment lost again and again doubles its wait; at most this many times. */
#define TN_MAX_RETRANSMITS 6

/* A token bucket. Invariant: 0 <= tokens <= burst. rate 0: unlimited. */
struct tn_bucket {
	double rate;             /* bytes per microsecond */
	double tokens, burst;    /* bytes */
	uint64_t last_us;
};

/*
 * Sets b to kbit kilobits per second (0: unlimited), full, at now. The burst
 * is 20 ms of traffic but at least four 1,500-byte packets.
 */
void tn_bucket_init(struct tn_bucket *b, long kbit, uint64_t now_us);
/* Changes the rate, keeping the tokens earned so far (capped at the new burst). */
void tn_bucket_set(struct tn_bucket *b, long kbit, uint64_t now_us);
/* How many of want bytes may go now; they are taken from the bucket. */
size_t tn_bucket_take(struct tn_bucket *b, uint64_t now_us, size_t want);
/* Microseconds from now until min(want, burst / 4) bytes are in the bucket (0: now). */
uint64_t tn_bucket_wait(struct tn_bucket *b, uint64_t now_us, size_t want);

/* The direction's random numbers (splitmix64), seeded per link for reproducibility. */
uint64_t tn_shape_rand(uint64_t *x);

/*
 * When a chunk read at arrival may be released: arrival + delay + a jitter
 * drawn uniformly from [-jitter, +jitter] (floored at arrival), plus, with
 * probability loss_pct, one retransmission timeout (doubled for each further
 * loss, up to TN_MAX_RETRANSMITS), and never before last (the release of the
 * chunk before it): bytes are never reordered. x is the direction's random
 * state.
 */
uint64_t tn_release_time(const struct tn_linkdir *d, uint64_t arrival_us, uint64_t last_us,
			 uint64_t *x);

#endif
