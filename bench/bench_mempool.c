/*
 * Block-template benchmark: time node_block_template takes (the event
 * loop is blocked meanwhile) on three pools, beside a limit measured in the
 * same run: sorting the same pool entries by fee rate and copying a block's
 * worth of their transactions, which any selection must at least do.
 *   chain:   one chain of 4,000 txs whose fee rate rises along it (beyond
 *            the pool's limits, entered unchecked; the old selection took
 *            5.45 s on it);
 *   flat:    a full pool of 80,000 independent txs;
 *   chains:  80,000 txs in chains of 25, Core's ancestor limit.
 * Medians of RUNS runs, with min..max.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <secp256k1.h>

#include "bench/bench.h"
#include "consensus/script.h"
#include "node/miner.h"

#define RUNS 5

static const struct cons_params *P;

static void die(const char *what)
{
	fprintf(stderr, "bench_mempool: %s\n", what);
	exit(1);
}

/* An unsigned 1-in-1-out tx spending op: the pool takes it unchecked. */
static void raw_spend(struct cons_tx *tx, const struct cons_outpoint *op, int64_t value)
{
	uint8_t script[CONS_P2PKH_SCRIPT_SIZE], pkh[20] = {1}, sig[1] = {0};

	cons_tx_init(tx);
	tx->version = 1;
	cons_script_p2pkh(script, pkh);
	if (cons_tx_add_input(tx, op, sig, sizeof(sig), 0xffffffffu) < 0 ||
	    cons_tx_add_output(tx, value, script, sizeof(script)) < 0 || cons_tx_finalize(tx) < 0)
		die("out of memory");
}

/* n txs in chains of len each (len 1: independent); fee rates rise along a chain. */
static struct node_mempool *pool(int n, int len)
{
	struct node_mempool *mp = node_mempool_new(P, SIZE_MAX, 1000);
	struct cons_outpoint op = {.n = 0};
	struct cons_tx tx;

	if (!mp)
		die("out of memory");
	for (int i = 0; i < n; i++) {
		if (i % len == 0) {
			memset(op.txid, 0, 32);
			memcpy(op.txid, &i, sizeof(i));
		}
		raw_spend(&tx, &op, 40 * CONS_COIN);
		if (node_mempool_add_unchecked(mp, &tx, 100 + (i % len) * 10 + (i * 7919) % 1000, 0) < 0)
			die("out of memory");
		memcpy(op.txid, tx.txid, 32);
		cons_tx_release(&tx);
	}
	return mp;
}

struct ents {
	const struct node_mempool_entry **v;
	size_t n;
};

static void collect(void *ctx, const struct node_mempool_entry *e)
{
	struct ents *s = ctx;

	s->v[s->n++] = e;
}

static int by_rate(const void *a, const void *b)
{
	const struct node_mempool_entry *x = *(const struct node_mempool_entry *const *)a;
	const struct node_mempool_entry *y = *(const struct node_mempool_entry *const *)b;
	__int128 l = (__int128)x->fee * (__int128)y->tx.size, r = (__int128)y->fee * (__int128)x->tx.size;

	return l > r ? -1 : l < r;
}

/* The limit: sort the entries by fee rate, copy a block's worth into a block. */
static double floor_run(const struct node_mempool *mp)
{
	struct ents s = {calloc(node_mempool_count(mp), sizeof(*s.v)), 0};
	struct cons_block b;
	size_t size = 0;
	double t0 = bench_now(), dt;

	if (!s.v)
		die("out of memory");
	node_mempool_foreach(mp, collect, &s);
	qsort(s.v, s.n, sizeof(*s.v), by_rate);
	cons_block_init(&b);
	for (size_t i = 0; i < s.n && size + s.v[i]->tx.size <= P->max_block_size - 1000; i++) {
		struct cons_tx copy;
		if (cons_tx_copy(&copy, &s.v[i]->tx) < 0 || cons_block_append_tx(&b, &copy) < 0)
			die("out of memory");
		size += s.v[i]->tx.size;
	}
	dt = bench_now() - t0;
	cons_block_release(&b);
	free(s.v);
	return dt;
}

static double template_run(struct node_chain *c, const struct node_mempool *mp, size_t *n_tx)
{
	const uint8_t pkh[20] = {2};
	struct cons_block b;
	double t0 = bench_now(), dt;

	cons_block_init(&b);
	if (node_block_template(&b, c, mp, pkh, 1) < 0)
		die("cannot build a template");
	dt = bench_now() - t0;
	*n_tx = b.n_tx - 1;
	cons_block_release(&b);
	return dt;
}

static void report(struct node_chain *c, const char *name, int n, int len)
{
	struct node_mempool *mp = pool(n, len);
	double fig[RUNS], lim[RUNS], fm, flo, fhi, lm, llo, lhi;
	size_t n_tx = 0;

	for (int r = 0; r < RUNS; r++) {
		fig[r] = template_run(c, mp, &n_tx);
		lim[r] = floor_run(mp);
	}
	bench_stats(fig, RUNS, &fm, &flo, &fhi);
	bench_stats(lim, RUNS, &lm, &llo, &lhi);
	printf("template-%s: %.1f ms for %d pool txs (%.1f MB of pool) in chains of %d, %zu taken "
	       "(median of %d, %.1f..%.1f) | limit %.1f ms (sort by fee rate + copy the block) | "
	       "ratio %.2f\n", name, fm * 1e3, n, (double)node_mempool_usage(mp) / 1e6, len, n_tx,
	       RUNS, flo * 1e3, fhi * 1e3, lm * 1e3, lm / fm);
	node_mempool_free(mp);
}

int main(void)
{
	char dir[] = "/tmp/flint-bench-mempool-XXXXXX", err[256], cmd[128];
	struct node_chain_options o;
	struct node_chain *c;

	P = cons_params_by_name("regtest");
	if (!mkdtemp(dir))
		die("mkdtemp");
	node_chain_options_default(&o);
	if (node_chain_open(&c, dir, P, &o, NULL, NULL, err, sizeof(err)) < 0)
		die(err);
	report(c, "chain", 4000, 4000);
	report(c, "flat", 80000, 1);
	report(c, "chains", 80000, 25);
	node_chain_close(c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		die("cannot remove the temporary chain");
	return 0;
}
