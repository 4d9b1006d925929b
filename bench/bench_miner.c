/*
 * Miner benchmark: hashes per second of one node_miner worker thread on a
 * job that cannot be solved, beside the SHA-256 ceiling measured in the
 * same run (OpenSSL's bulk SHA-256 compression rate / 2, since a header
 * hash with the midstate costs two compressions). Runs of the figure and
 * the limit alternate; medians of RUNS, with min..max.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>

#include "bench/bench.h"
#include "consensus/params.h"
#include "node/miner.h"
#include "tests/support/builder.h"

#define RUNS 5
#define RUN_SECONDS 1.0
#define BULK_BYTES (64 * 1024)

static void nap(double seconds)
{
	struct timespec ts = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};

	nanosleep(&ts, NULL);
}

/* One run: the worker's hashes over RUN_SECONDS of a fresh job. */
static double miner_run(struct node_miner *m, struct cons_block *job)
{
	uint64_t h0;
	double t0;

	job->hdr.nonce++;                     /* a new job each run */
	if (node_miner_set_job(m, job) < 0) {
		fprintf(stderr, "bench_miner: cannot set a job\n");
		exit(1);
	}
	nap(0.05);                            /* let the worker pick it up */
	h0 = node_miner_hashes(m);
	t0 = bench_now();
	nap(RUN_SECONDS);
	return (double)(node_miner_hashes(m) - h0) / (bench_now() - t0);
}

/* One run of the ceiling: header hashes/s that bulk SHA-256 allows. */
static double ceiling_run(const uint8_t *buf)
{
	uint8_t md[32];
	uint64_t n = 0;
	double t0 = bench_now();

	while (bench_now() - t0 < RUN_SECONDS) {
		for (int i = 0; i < 16; i++, n++)
			if (!EVP_Digest(buf, BULK_BYTES, md, NULL, EVP_sha256(), NULL))
				exit(1);
	}
	/* BULK_BYTES / 64 compressions per digest, two per header hash. */
	return (double)n * (BULK_BYTES / 64) / 2 / (bench_now() - t0);
}

int main(void)
{
	const struct cons_params *p = cons_params_by_name("regtest");
	uint8_t *buf = calloc(1, BULK_BYTES), pkh[20] = {0}, prev[32] = {0};
	struct node_miner *m = node_miner_new(1);
	struct cons_block job;
	double fig[RUNS], lim[RUNS], fm, flo, fhi, lm, llo, lhi;

	if (!buf || !m)
		return 1;
	cons_block_init(&job);
	/* Any block will do as the job's template: only its header is hashed. */
	tb_block(&job, p, prev, 1, p->genesis_time + 1, p->genesis_bits, pkh, 0, NULL, 0, 0);
	job.hdr.bits = 0x03000001;            /* a target no hash meets: the worker never stops */
	for (int r = 0; r < RUNS; r++) {
		fig[r] = miner_run(m, &job);
		node_miner_pause(m);
		lim[r] = ceiling_run(buf);
	}
	node_miner_free(m);
	bench_stats(fig, RUNS, &fm, &flo, &fhi);
	bench_stats(lim, RUNS, &lm, &llo, &lhi);
	printf("miner: %.2f M/s per thread (median of %d, %.2f..%.2f) | limit %.2f M/s "
	       "(OpenSSL SHA-256 compression/2; median of %d, %.2f..%.2f) | ratio %.2f "
	       "(goal >= 0.8)\n", fm / 1e6, RUNS, flo / 1e6, fhi / 1e6, lm / 1e6, RUNS, llo / 1e6,
	       lhi / 1e6, fm / lm);
	cons_block_release(&job);
	free(buf);
	return 0;
}
