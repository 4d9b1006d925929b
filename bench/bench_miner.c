/*
 * Miner benchmark: header hashes/s of one node_miner worker thread
 * (node/miner.h) searching a header whose target cannot be met, beside the
 * two-way SHA-NI ceiling measured in the same run (bench.h: two chains of
 * SHA256RNDS2, 64 per header hash), or on a CPU without SHA-NI beside
 * OpenSSL's bulk SHA-256 compression rate / 2 (a header hash is two
 * compressions once the first 64 bytes are a midstate, as
 * bench_consensus's header-hash counts it). The worker runs while this
 * thread sleeps, and is paused while the limit is measured; runs of the two
 * alternate, and each figure is the median of RUNS runs of RUN_SECONDS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "bench/bench.h"
#include "consensus/hash.h"
#include "node/miner.h"

#define RUNS 7
#define RUN_SECONDS 0.4
#define WARM_SECONDS 0.05
#define BULK_BYTES (16u << 20)
/* A target of 1: no header hash in a run will ever meet it. */
#define IMPOSSIBLE_BITS 0x03000001u

static volatile uint32_t sink;

static void die(const char *what)
{
	fprintf(stderr, "bench_miner: %s\n", what);
	exit(1);
}

static void sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Hashes/s of m's one worker on tmpl over RUN_SECONDS, after a warm-up. */
static double miner_run(struct node_miner *m, const struct cons_block *tmpl)
{
	uint64_t h0, h1;
	double t0, t1;

	if (node_miner_set_job(m, tmpl) < 0)
		die("out of memory");
	sleep_s(WARM_SECONDS);
	h0 = node_miner_hashes(m);
	t0 = bench_now();
	sleep_s(RUN_SECONDS);
	h1 = node_miner_hashes(m);
	t1 = bench_now();
	node_miner_pause(m);
	return (double)(h1 - h0) / (t1 - t0);
}

/* Header hashes/s the bulk SHA-256 rate allows: compressions/s over RUN_SECONDS, / 2. */
static double sha256_run(const uint8_t *buf)
{
	uint8_t md[32];
	double t0 = bench_now(), dt;
	uint64_t n = 0;

	do {
		if (!EVP_Digest(buf, BULK_BYTES, md, NULL, EVP_sha256(), NULL))
			die("EVP_Digest failed");
		sink ^= md[0];
		n++;
	} while ((dt = bench_now() - t0) < RUN_SECONDS);
	return (double)n * (BULK_BYTES / 64) / 2 / dt;
}

#if defined(__x86_64__) || defined(__i386__)
/* Header hashes/s the two-way SHA-NI ceiling allows, over RUN_SECONDS. */
static double rnds2_run(void)
{
	double t0 = bench_now(), dt;
	uint64_t n = 0;

	do {
		sink ^= bench_rnds2_chains(100000);
		n += 100000;
	} while ((dt = bench_now() - t0) < RUN_SECONDS);
	return (double)n * 2 / dt;
}
#endif

/* The limit: the SHA-NI ceiling where the miner uses SHA-NI, else OpenSSL's rate. */
static double limit_run(const uint8_t *buf, const char **what)
{
#if defined(__x86_64__) || defined(__i386__)
	if (cons_sha_ni_available()) {
		*what = "two SHA256RNDS2 chains / 64";
		return rnds2_run();
	}
#endif
	*what = "OpenSSL SHA-256 compression/2";
	return sha256_run(buf);
}

int main(void)
{
	const char *what = "";
	struct cons_block tmpl;
	struct node_miner *m = node_miner_new(1);
	uint8_t *buf = malloc(BULK_BYTES);
	double fig[RUNS], lim[RUNS], fm, flo, fhi, lm, llo, lhi;

	if (!m || !buf)
		die("cannot start the miner");
	for (size_t i = 0; i < BULK_BYTES; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	cons_block_init(&tmpl);
	tmpl.hdr = (struct cons_header){.version = 1, .time = 1795305600, .bits = IMPOSSIBLE_BITS};
	limit_run(buf, &what);                  /* warms the limit up as the figure's runs are */
	for (int r = 0; r < RUNS; r++) {
		fig[r] = miner_run(m, &tmpl);
		lim[r] = limit_run(buf, &what);
	}
	bench_stats(fig, RUNS, &fm, &flo, &fhi);
	bench_stats(lim, RUNS, &lm, &llo, &lhi);
	printf("miner: %.2f M/s per thread (node_miner, 1 worker; median of %d, %.2f..%.2f) | "
	       "limit %.2f M/s (%s; median of %d, %.2f..%.2f) | "
	       "ratio %.2f (goal >= 0.8)\n", fm / 1e6, RUNS, flo / 1e6, fhi / 1e6, lm / 1e6, what, RUNS,
	       llo / 1e6, lhi / 1e6, fm / lm);
	node_miner_free(m);
	cons_block_release(&tmpl);
	free(buf);
	return 0;
}
