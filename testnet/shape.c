/*
 * Link shaping arithmetic (see shape.h).
 */
#include "testnet/shape.h"

#define PACKET 1500.0

static double rate_of(long kbit)
{
	return kbit > 0 ? (double)kbit * 1000.0 / 8.0 / 1e6 : 0;
}

static double burst_of(double rate)
{
	double b = rate * 20000.0;

	return b < 4 * PACKET ? 4 * PACKET : b;
}

static void refill(struct tn_bucket *b, uint64_t now_us)
{
	if (now_us > b->last_us) {
		b->tokens += (double)(now_us - b->last_us) * b->rate;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
	}
	b->last_us = now_us;
}

void tn_bucket_init(struct tn_bucket *b, long kbit, uint64_t now_us)
{
	b->rate = rate_of(kbit);
	b->burst = burst_of(b->rate);
	b->tokens = b->burst;
	b->last_us = now_us;
}

void tn_bucket_set(struct tn_bucket *b, long kbit, uint64_t now_us)
{
	refill(b, now_us);
	b->rate = rate_of(kbit);
	b->burst = burst_of(b->rate);
	if (b->tokens > b->burst)
		b->tokens = b->burst;
}

size_t tn_bucket_take(struct tn_bucket *b, uint64_t now_us, size_t want)
{
	size_t n;

	if (b->rate <= 0)
		return want;
	refill(b, now_us);
	n = b->tokens >= (double)want ? want : (size_t)b->tokens;
	b->tokens -= (double)n;
	return n;
}

uint64_t tn_bucket_wait(struct tn_bucket *b, uint64_t now_us, size_t want)
{
	/* A quarter burst: a timer that fires late (a loaded machine) still finds room in the bucket. */
	double need = (double)want < b->burst / 4 ? (double)want : b->burst / 4;

	if (b->rate <= 0)
		return 0;
	refill(b, now_us);
	if (b->tokens >= need)
		return 0;
	return (uint64_t)((need - b->tokens) / b->rate) + 1;
}

uint64_t tn_shape_rand(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t tn_release_time(const struct tn_linkdir *d, uint64_t arrival_us, uint64_t last_us,
			 uint64_t *x)
{
	int64_t t = (int64_t)arrival_us + (int64_t)d->delay_ms * 1000;
	uint64_t rto = TN_RTO_US;

	if (d->jitter_ms > 0) {
		int64_t span = 2 * (int64_t)d->jitter_ms * 1000 + 1;
		t += (int64_t)(tn_shape_rand(x) % (uint64_t)span) - (int64_t)d->jitter_ms * 1000;
		if (t < (int64_t)arrival_us)
			t = (int64_t)arrival_us;
	}
	/* Each try is lost with probability loss_pct; a lost one waits an RTO, then twice that. */
	for (int k = 0; d->loss_pct > 0 && k < TN_MAX_RETRANSMITS; k++) {
		double u = (double)(tn_shape_rand(x) >> 11) / 9007199254740992.0;
		if (u * 100.0 >= d->loss_pct)
			break;
		t += (int64_t)rto;
		rto *= 2;
	}
	return (uint64_t)t < last_us ? last_us : (uint64_t)t;
}
