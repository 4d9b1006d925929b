/*
 * Chain-state benchmarks, each figure beside a limit measured in the same
 * run on this machine:
 *   connect: tx/s connecting blocks of ~2000 signed P2PKH txs, signatures on
 *            all cores, beside libsecp256k1's raw verify rate x cores;
 *   reorg:   time to switch 100 blocks to a heavier branch;
 *   start-up: time and peak memory to open a 10,000-block chain, beside a
 *            raw LevelDB scan of the same database and the bare process;
 *   disk:    bytes on disk per transaction beside its serialized size.
 * Medians of several runs, with min..max.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <secp256k1.h>

#include "bench/bench.h"
#include "consensus/hash.h"
#include "consensus/script.h"
#include "consensus/sig.h"
#include "node/chain.h"
#include "node/sigpool.h"
#include "storage/db.h"
#include "tests/support/builder.h"

#define FANOUT 2000
#define CONNECT_RUNS 5
#define STARTUP_BLOCKS 10000

static const struct cons_params *P;
static secp256k1_context *ctx;
static struct tb_key key;

static void die(const char *what)
{
	fprintf(stderr, "bench_chain: %s\n", what);
	exit(1);
}

static struct node_chain *open_chain(const char *dir, struct node_sigpool *pool)
{
	struct node_chain_options o;
	struct node_chain *c;
	char err[256];

	node_chain_options_default(&o);
	if (node_chain_open(&c, dir, P, &o, pool, NULL, err, sizeof(err)) < 0)
		die(err);
	return c;
}

static void submit(struct node_chain *c, struct cons_block *b)
{
	struct cons_state st;

	cons_state_init(&st);
	if (node_chain_accept_block(c, b, NULL, &st) != CONS_VALID)
		die(cons_reject_reason(st.code));
}

/* Mines n empty blocks on the tip; returns the last coinbase txids in cbs (if set). */
static void extend(struct node_chain *c, int n, uint32_t tag, uint8_t (*cbs)[32])
{
	for (int i = 0; i < n; i++) {
		const struct node_blockidx *tip = node_chain_tip(c);
		struct cons_block b;
		tb_block(&b, P, tip->hash, tip->height + 1, P->genesis_time + (uint32_t)(tip->height + 1),
			 P->genesis_bits, key.pkh, tag, NULL, 0, 0);
		if (cbs)
			memcpy(cbs[i], b.tx[0].txid, 32);
		submit(c, &b);
	}
}

static void rm_rf(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		die("rm failed");
}

/* A tx spending a coinbase into FANOUT outputs of equal value. */
static void fanout_tx(struct cons_tx *tx, const uint8_t cb_txid[32])
{
	struct cons_outpoint op = {.n = 0};
	uint8_t out[CONS_P2PKH_SCRIPT_SIZE];
	int64_t each = (cons_block_subsidy(P, 1) - 10000) / FANOUT;

	memcpy(op.txid, cb_txid, 32);
	cons_script_p2pkh(out, key.pkh);
	cons_tx_init(tx);
	if (cons_tx_add_input(tx, &op, NULL, 0, 0xffffffffu) < 0)
		die("oom");
	for (int i = 0; i < FANOUT; i++)
		if (cons_tx_add_output(tx, each, out, sizeof(out)) < 0)
			die("oom");
	if (cons_sign_input(ctx, tx, 0, key.sec) < 0 || cons_tx_finalize(tx) < 0)
		die("sign");
}

/* Raw libsecp256k1 verifies/s on one core, on the kind of signature we check. */
static double raw_verify_rate(void)
{
	secp256k1_pubkey pub;
	secp256k1_ecdsa_signature sig;
	uint8_t msg[32] = {1}, der[72];
	size_t der_len;
	double t0, dt;
	int n = 0, ok = 0;

	if (cons_sign_hash(ctx, der, &der_len, msg, key.sec) < 0 ||
	    !secp256k1_ec_pubkey_parse(ctx, &pub, key.pub, 33) ||
	    !secp256k1_ecdsa_signature_parse_der(ctx, &sig, der, der_len))
		die("raw verify setup");
	t0 = bench_now();
	do {
		for (int i = 0; i < 200; i++)
			ok += secp256k1_ecdsa_verify(ctx, &sig, msg, &pub);
		n += 200;
		dt = bench_now() - t0;
	} while (dt < 0.5);
	if (ok != n)
		die("raw verify failed");
	return n / dt;
}

static void bench_connect(int cores)
{
	char dir[] = "/tmp/flint-bench-connect-XXXXXX";
	static uint8_t cbs[100 + CONNECT_RUNS][32];
	struct node_sigpool *pool = node_sigpool_new(cores);
	struct node_chain *c;
	struct cons_tx fan[CONNECT_RUNS];
	struct cons_block b;
	double t[CONNECT_RUNS], med, lo, hi, limit;
	const struct node_blockidx *tip;

	if (!mkdtemp(dir) || !pool)
		die("setup");
	c = open_chain(dir, pool);
	extend(c, CONNECT_RUNS, 1, cbs);
	extend(c, 100, 2, NULL);
	for (int r = 0; r < CONNECT_RUNS; r++)
		fanout_tx(&fan[r], cbs[r]);
	tip = node_chain_tip(c);
	tb_block(&b, P, tip->hash, tip->height + 1, P->genesis_time + (uint32_t)(tip->height + 1),
		 P->genesis_bits, key.pkh, 3, fan, CONNECT_RUNS, CONNECT_RUNS * 10000LL);
	uint8_t fan_ids[CONNECT_RUNS][32];
	for (int r = 0; r < CONNECT_RUNS; r++)
		memcpy(fan_ids[r], b.tx[r + 1].txid, 32);
	submit(c, &b);
	for (int r = 0; r < CONNECT_RUNS; r++) {
		static struct cons_tx txs[FANOUT];
		struct cons_outpoint op;
		memcpy(op.txid, fan_ids[r], 32);
		for (int i = 0; i < FANOUT; i++) {
			op.n = (uint32_t)i;
			tb_spend(ctx, &txs[i], &op, &key, (cons_block_subsidy(P, 1) - 10000) / FANOUT - 100,
				 key.pkh);
		}
		tip = node_chain_tip(c);
		tb_block(&b, P, tip->hash, tip->height + 1,
			 P->genesis_time + (uint32_t)(tip->height + 1), P->genesis_bits,
			 key.pkh, 4, txs, FANOUT, FANOUT * 100LL);
		double t0 = bench_now();
		submit(c, &b);
		t[r] = FANOUT / (bench_now() - t0);
	}
	bench_stats(t, CONNECT_RUNS, &med, &lo, &hi);
	limit = raw_verify_rate() * cores;
	printf("connect-block: %.0f tx/s (%d-tx blocks, %d cores, median of %d, %.0f..%.0f) | "
	       "limit %.0f verifies/s (raw libsecp256k1 x %d cores) | ratio %.2f (goal >= 0.8)\n",
	       med, FANOUT, cores, CONNECT_RUNS, lo, hi, limit, cores, med / limit);
	node_chain_close(c);
	node_sigpool_free(pool);
	rm_rf(dir);
}

static void bench_reorg(void)
{
	enum { RUNS = 5, DEPTH = 100 };
	double t[RUNS], med, lo, hi;

	for (int r = 0; r < RUNS; r++) {
		char dir[] = "/tmp/flint-bench-reorg-XXXXXX";
		struct node_chain *c;
		uint8_t prev[32];
		struct cons_block b;

		if (!mkdtemp(dir))
			die("mkdtemp");
		c = open_chain(dir, NULL);
		memcpy(prev, node_chain_tip(c)->hash, 32);
		extend(c, DEPTH, 1, NULL);
		for (int h = 1; h <= DEPTH + 1; h++) {
			tb_block(&b, P, prev, h, P->genesis_time + (uint32_t)h, P->genesis_bits,
				 key.pkh, 2, NULL, 0, 0);
			memcpy(prev, b.hash, 32);
			double t0 = bench_now();
			submit(c, &b);
			if (h == DEPTH + 1)
				t[r] = bench_now() - t0;
		}
		if (memcmp(node_chain_tip(c)->hash, prev, 32) != 0)
			die("reorg did not happen");
		node_chain_close(c);
		rm_rf(dir);
	}
	bench_stats(t, RUNS, &med, &lo, &hi);
	printf("reorg-100: %.1f ms to disconnect 100 blocks and connect 101 (median of %d, %.1f..%.1f)\n",
	       med * 1e3, RUNS, lo * 1e3, hi * 1e3);
}

static uint64_t dir_bytes(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	char path[512];
	uint64_t total = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
	}
	closedir(d);
	return total;
}

/* Child mode: open the chain (or only scan the raw DB) and report time and peak RSS. */
static int child_open(const char *dir, const char *mode)
{
	struct rusage ru;
	double t0 = bench_now();

	if (strcmp(mode, "chain") == 0) {
		struct node_chain *c = open_chain(dir, NULL);
		node_chain_close(c);
	} else if (strcmp(mode, "scan") == 0) {
		struct stor_db_options o;
		struct stor_db *db;
		struct stor_iter *it;
		const uint8_t *k, *v;
		size_t kl, vl, n = 0;
		char err[256];
		stor_db_options_default(&o);
		if (stor_db_open(&db, dir, &o, err, sizeof(err)) < 0)
			die(err);
		it = stor_iter_new(db, "", 0);
		while (stor_iter_next(it, &k, &kl, &v, &vl))
			n += vl;
		stor_iter_free(it);
		stor_db_close(db);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("%f %ld\n", bench_now() - t0, ru.ru_maxrss);
	return 0;
}

static void run_child(const char *dir, const char *mode, double *secs, long *rss_kb)
{
	char cmd[512];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "/proc/%d/exe --child '%s' %s", (int)getpid(), dir, mode);
	f = popen(cmd, "r");
	if (!f || fscanf(f, "%lf %ld", secs, rss_kb) != 2)
		die("child failed");
	pclose(f);
}

static void bench_startup(void)
{
	enum { RUNS = 5 };
	char dir[] = "/tmp/flint-bench-start-XXXXXX";
	double t[RUNS], s[RUNS], med, lo, hi, smed, slo, shi;
	long rss = 0, rss_scan = 0, rss_bare = 0;
	struct node_chain *c;
	uint64_t bytes = 0, ntx = 0;

	if (!mkdtemp(dir))
		die("mkdtemp");
	c = open_chain(dir, NULL);
	extend(c, STARTUP_BLOCKS, 1, NULL);
	for (int64_t h = 1; h <= node_chain_tip(c)->height; h++) {
		struct cons_block b;
		cons_block_init(&b);
		if (node_chain_read_block(c, node_chain_at(c, h), &b) != 1)
			die("read");
		bytes += b.size;
		ntx += b.n_tx;
		cons_block_release(&b);
	}
	node_chain_close(c);
	for (int r = 0; r < RUNS; r++) {
		run_child(dir, "chain", &t[r], &rss);
		run_child(dir, "scan", &s[r], &rss_scan);
	}
	run_child(dir, "none", &med, &rss_bare);
	bench_stats(t, RUNS, &med, &lo, &hi);
	bench_stats(s, RUNS, &smed, &slo, &shi);
	printf("start-up: %.0f ms to open a %d-block chain (median of %d, %.0f..%.0f) | "
	       "limit %.0f ms (raw LevelDB scan of the whole database) | ratio %.2f\n",
	       med * 1e3, STARTUP_BLOCKS, RUNS, lo * 1e3, hi * 1e3, smed * 1e3, med / smed);
	printf("start-up memory: %ld KiB peak RSS with %d blocks | bare process %ld KiB, "
	       "raw LevelDB scan %ld KiB\n", rss, STARTUP_BLOCKS, rss_bare, rss_scan);
	printf("disk: %.0f bytes per tx on disk (%llu txs, coinbase-only blocks) | "
	       "serialized block bytes per tx %.0f\n", (double)dir_bytes(dir) / (double)ntx,
	       (unsigned long long)ntx, (double)bytes / (double)ntx);
	rm_rf(dir);
}

int main(int argc, char **argv)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	P = cons_params_by_name("regtest");
	ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	tb_key(ctx, &key, 1);
	if (argc == 4 && strcmp(argv[1], "--child") == 0)
		return child_open(argv[2], argv[3]);
	bench_connect(cores > 0 ? (int)cores : 1);
	bench_reorg();
	bench_startup();
	secp256k1_context_destroy(ctx);
	return 0;
}
