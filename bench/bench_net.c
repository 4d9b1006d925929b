/*
 * Network benchmarks with real flintd processes on loopback (regtest, one
 * 127.0.9.x address per node), each figure beside a limit measured in the
 * same run on this machine:
 *   sync:        a fresh node syncing SYNC_BLOCKS blocks (SYNC_SPENDS signed
 *                P2PKH spends each once coinbases mature) from another, in
 *                blocks/s and tx/s (spends, coinbases not counted), and
 *                SYNC_EMPTY_BLOCKS coinbase-only blocks (where per-block
 *                messaging, not validation, sets the pace), each beside
 *                this process connecting the same blocks to a fresh chain
 *                (parse + accept, signatures on all cores, as flintd's
 *                --par 0); runs of the two alternate, medians of SYNC_RUNS;
 *   propagation: PROP_NODES nodes in a line (the widest topology: 7 hops),
 *                a block mined at one end with generatetoaddress, and the
 *                time from its acceptance there to its acceptance at the
 *                far end, over PROP_BLOCKS blocks (p50, p99, mean), beside
 *                hops x 1.5 round trips of one byte over loopback TCP
 *                between two bare processes (a hop is a headers
 *                announcement, a getdata and the block), with flintd's own
 *                ping between neighbours for comparison.
 * BENCH_ONLY=sync, sync-empty or propagation runs that part alone (to
 * profile it). Times of nodes come from their debug.log lines (millisecond stamps); RPC
 * (client/) only tells when a node is done. The nodes are this checkout's
 * bin/flintd, or $FLINT_BIN/flintd.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <secp256k1.h>

#include "bench/bench.h"
#include "bench/node.h"
#include "client/rpcclient.h"
#include "consensus/base58.h"
#include "node/chain.h"
#include "node/sigpool.h"
#include "tests/support/txchain.h"

#define SYNC_BLOCKS 2000
#define SYNC_SPENDS 20
#define SYNC_EMPTY_BLOCKS 10000
#define SYNC_RUNS 5
#define PROP_NODES 8
#define PROP_BLOCKS 50
#define WAIT_SECONDS 120

/* A chain's blocks as serialized, to connect again in-process. */
struct raw_chain {
	uint8_t **raw;
	size_t *len;
	int n;
	long n_tx;                      /* without coinbases */
};

static char tmpdir[] = "/tmp/flint-bench-net-XXXXXX";
static char flintd[512];
static int port_base;
static const struct cons_params *P;
static secp256k1_context *ctx;
static struct tb_key key;
static struct bench_node *running[PROP_NODES + 2];

static void rm_rf(const char *dir)
{
	bench_rm_rf("bench_net", dir);
}

/* Stops every node and exits, keeping tmpdir with their logs for inspection. */
static void die(const char *what, const char *detail)
{
	fprintf(stderr, "bench_net: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	for (size_t i = 0; i < sizeof(running) / sizeof(running[0]); i++)
		if (running[i] && running[i]->pid > 0)     /* never kill(0): our process group */
			kill(running[i]->pid, SIGKILL);
	if (tmpdir[strlen(tmpdir) - 1] != 'X')
		fprintf(stderr, "bench_net: node directories kept in %s\n", tmpdir);
	exit(1);
}

/* --- nodes ------------------------------------------------------------- */

/* Node slot i: datadir tmpdir/name, 127.0.9.(i+1), ports from port_base. */
static void node_setup(struct bench_node *n, int i, const char *name)
{
	char ip[16];

	snprintf(ip, sizeof(ip), "127.0.9.%d", i + 1);
	bench_node_setup(n, tmpdir, name, ip, port_base + i, port_base + 30 + i);
}

static void track(struct bench_node *n, bool on)
{
	for (size_t i = 0; i < sizeof(running) / sizeof(running[0]); i++) {
		if (on ? !running[i] : running[i] == n) {
			running[i] = on ? n : NULL;
			return;
		}
	}
}

/* Starts flintd on n, with --connect to peer if set; ping_1s asks for pings every second. */
static void node_start(struct bench_node *n, const struct bench_node *peer, bool ping_1s)
{
	static const char *const ping[] = {"--ping-interval", "1", NULL};
	int rc = bench_node_start(n, flintd, P, peer, ping_1s ? ping : NULL, 30);

	if (n->pid)
		track(n, true);
	if (rc < 0)
		die(n->pid ? "out of memory" : "fork failed", NULL);
}

/* SIGTERM, then SIGKILL if it has not stopped within 10 s. */
static void node_stop(struct bench_node *n)
{
	if (n->pid)
		track(n, false);
	bench_node_stop(n);
}

/* The result of a call (a new reference), or NULL if the node cannot answer yet. */
static json_t *rpc(struct bench_node *n, const char *method, json_t *params)
{
	struct client_error e;

	if (bench_node_exited(n)) {
		track(n, false);
		die("flintd exited early; is the port taken? its log", n->dir);
	}
	return client_call(n->rpc, method, params, &e);
}

static long rpc_long(struct bench_node *n, const char *method)
{
	json_t *r = rpc(n, method, NULL);
	long v = r && json_is_integer(r) ? (long)json_integer_value(r) : -1;

	json_decref(r);
	return v;
}

/* Polls method every ms milliseconds until it returns at least want. */
static void wait_for(struct bench_node *n, const char *method, long want, int ms)
{
	double end = bench_now() + WAIT_SECONDS;

	while (rpc_long(n, method) < want) {
		if (bench_now() > end)
			die("timed out waiting for a node; its log is under", n->dir);
		usleep((useconds_t)ms * 1000);
	}
}

/* --- debug.log --------------------------------------------------------- */

/* Milliseconds since the epoch of a log line's "2026-11-23T01:25:53.734Z" stamp, or -1. */
static double stamp_ms(const char *line)
{
	struct tm tm = {0};
	int ms;

	if (sscanf(line, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm) * 1e3 + ms;
}

static FILE *open_log(const struct bench_node *n)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof(path), "%.300s/regtest/debug.log", n->dir);
	if (!(f = fopen(path, "r")))
		die("cannot read", path);
	return f;
}

/* The stamp of n's first log line containing what, or -1. */
static double log_find(const struct bench_node *n, const char *what)
{
	FILE *f = open_log(n);
	char line[512];
	double t = -1;

	while (t < 0 && fgets(line, sizeof(line), f))
		if (strstr(line, what))
			t = stamp_ms(line);
	fclose(f);
	return t;
}

/* at[h] = stamp of n's "new tip: height h" line, for 0 < h <= max (-1 if absent). */
static void log_tips(const struct bench_node *n, double *at, int max)
{
	FILE *f = open_log(n);
	char line[512];
	const char *p;
	int h;

	for (h = 0; h <= max; h++)
		at[h] = -1;
	while (fgets(line, sizeof(line), f))
		if ((p = strstr(line, "new tip: height ")) && sscanf(p + 16, "%d", &h) == 1 &&
		    h > 0 && h <= max && at[h] < 0)
			at[h] = stamp_ms(line);
	fclose(f);
}

/* --- sync -------------------------------------------------------------- */

static struct node_chain *open_chain(const char *datadir, struct node_sigpool *pool)
{
	struct node_chain_options o;
	struct node_chain *c;
	char dir[400], err[256];

	snprintf(dir, sizeof(dir), "%s/regtest", datadir);
	mkdir(datadir, 0700);           /* an error shows in node_chain_open */
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/regtest/chaindb", datadir);
	node_chain_options_default(&o);
	if (node_chain_open(&c, dir, P, &o, pool, NULL, err, sizeof(err)) < 0)
		die("cannot open a chain", err);
	return c;
}

/* Writes a chain of n blocks of `spends` signed spends into src's datadir; keeps them in rc. */
static void build_source(const struct bench_node *src, struct node_sigpool *pool, int n, int spends,
			 struct raw_chain *rc)
{
	struct node_chain *c = open_chain(src->dir, pool);

	tb_txchain_extend(ctx, c, &key, n, spends, 0);
	rc->n = n;
	rc->n_tx = 0;
	rc->raw = calloc((size_t)n, sizeof(*rc->raw));
	rc->len = calloc((size_t)n, sizeof(*rc->len));
	if (!rc->raw || !rc->len)
		die("out of memory", NULL);
	for (int h = 1; h <= n; h++) {
		struct cons_block b;
		struct cons_writer w;
		cons_block_init(&b);
		if (node_chain_read_block(c, node_chain_at(c, h), &b) != 1)
			die("cannot read back a block", NULL);
		cons_writer_init(&w);
		cons_block_write(&w, &b);
		if (w.oom)
			die("out of memory", NULL);
		rc->raw[h - 1] = w.data;        /* the writer's buffer is ours now */
		rc->len[h - 1] = w.len;
		rc->n_tx += (long)b.n_tx - 1;
		cons_block_release(&b);
	}
	node_chain_close(c);
}

static void raw_chain_release(struct raw_chain *rc)
{
	for (int i = 0; i < rc->n; i++)
		free(rc->raw[i]);
	free(rc->raw);
	free(rc->len);
}

/* Seconds to parse and accept rc's blocks on a fresh chain in this process. */
static double connect_once(const struct raw_chain *rc, struct node_sigpool *pool, int run)
{
	char dir[400];
	struct node_chain *c;
	double t0, dt;

	snprintf(dir, sizeof(dir), "%s/connect-%d", tmpdir, run);
	c = open_chain(dir, pool);
	t0 = bench_now();
	for (int i = 0; i < rc->n; i++) {
		struct cons_block b;
		struct cons_state st;
		cons_block_init(&b);
		cons_state_init(&st);
		if (cons_block_parse(&b, NULL, rc->raw[i], rc->len[i]) < 0 ||
		    node_chain_accept_block(c, &b, NULL, &st) != CONS_VALID)
			die("a block of the source chain does not connect", cons_reject_reason(st.code));
	}
	dt = bench_now() - t0;
	node_chain_close(c);
	rm_rf(dir);
	return dt;
}

/* Seconds a fresh node takes from connecting to src to its tip at height n (its own log). */
static double sync_once(const struct bench_node *src, int n, int run)
{
	char name[32], tip[64];
	struct bench_node dst;
	double t0, t1;

	snprintf(name, sizeof(name), "sync-%d", run);
	node_setup(&dst, 1, name);
	node_start(&dst, src, false);
	wait_for(&dst, "getblockcount", n, 20);
	snprintf(tip, sizeof(tip), "new tip: height %d ", n);
	t0 = log_find(&dst, "p2p: connected to peer");
	t1 = log_find(&dst, tip);
	node_stop(&dst);
	if (t0 < 0 || t1 < t0)
		die("the syncing node's log lacks its start or its tip; see", dst.dir);
	rm_rf(dst.dir);
	return (t1 - t0) / 1e3;
}

static void bench_sync(int n, int spends, const char *name)
{
	struct node_sigpool *pool = node_sigpool_new(0);   /* flintd's --par 0: one per core */
	double fig[SYNC_RUNS], lim[SYNC_RUNS], fm, flo, fhi, lm, llo, lhi;
	struct raw_chain rc;
	struct bench_node src;

	if (!pool)
		die("cannot start signature threads", NULL);
	node_setup(&src, 0, name);
	build_source(&src, pool, n, spends, &rc);
	node_start(&src, NULL, false);
	wait_for(&src, "getblockcount", rc.n, 20);
	for (int r = 0; r < SYNC_RUNS; r++) {
		lim[r] = rc.n / connect_once(&rc, pool, r);
		fig[r] = rc.n / sync_once(&src, rc.n, r);
	}
	node_stop(&src);
	bench_stats(fig, SYNC_RUNS, &fm, &flo, &fhi);
	bench_stats(lim, SYNC_RUNS, &lm, &llo, &lhi);
	printf("sync: %.0f blocks/s, %.0f tx/s (a fresh flintd from another over loopback, %d blocks "
	       "holding %ld signed spends; median of %d, %.0f..%.0f blocks/s) | limit %.0f blocks/s, "
	       "%.0f tx/s (the same blocks connected in-process, %d sig threads; median of %d, "
	       "%.0f..%.0f) | ratio %.2f%s\n",
	       fm, fm * rc.n_tx / rc.n, rc.n, rc.n_tx, SYNC_RUNS, flo, fhi, lm, lm * rc.n_tx / rc.n,
	       node_sigpool_threads(pool), SYNC_RUNS, llo, lhi, fm / lm,
	       spends ? " (goal >= 0.8)" : "");
	raw_chain_release(&rc);
	node_sigpool_free(pool);
}

/* --- propagation ------------------------------------------------------- */

/* Child of tcp_rtt: echoes every byte of one connection until it closes. */
static void echo_child(int lfd)
{
	int fd = accept(lfd, NULL, NULL);
	char c;

	while (fd >= 0 && read(fd, &c, 1) == 1 && write(fd, &c, 1) == 1)
		;
	_exit(0);
}

/* A TCP socket bound to 127.0.9.1 on a port the kernel picks, listening. */
static int listen_loopback(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	*a = (struct sockaddr_in){.sin_family = AF_INET};
	inet_pton(AF_INET, "127.0.9.1", &a->sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &len) < 0)
		die("cannot listen on 127.0.9.1", NULL);
	return fd;
}

/*
 * Median round trip (ms) of one byte over loopback TCP to another process,
 * idle 1 ms between trips as a node is between messages: the transport's
 * floor under a hop, without any node code.
 */
static double tcp_rtt(void)
{
	enum { TRIPS = 200 };
	struct sockaddr_in a;
	double v[TRIPS], med, lo, hi;
	int lfd = listen_loopback(&a), fd, status;
	pid_t pid = fork();
	char c = 'x';

	if (pid < 0)
		die("fork failed", NULL);
	if (pid == 0)
		echo_child(lfd);
	close(lfd);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("cannot connect to the echo process", NULL);
	for (int i = 0; i < TRIPS; i++) {
		double t0 = bench_now();
		if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1)
			die("the echo process failed", NULL);
		v[i] = (bench_now() - t0) * 1e3;
		usleep(1000);
	}
	close(fd);
	waitpid(pid, &status, 0);
	bench_stats(v, TRIPS, &med, &lo, &hi);
	return med;
}

/* Mines one block at n paying to addr. */
static void generate(struct bench_node *n, const char *addr)
{
	json_t *r = rpc(n, "generatetoaddress", json_pack("[i, s]", 1, addr));

	if (!r || json_array_size(r) != 1)
		die("generatetoaddress failed at", n->dir);
	json_decref(r);
}

/* Appends the ping round trips (ms) n has measured to its peers; returns how many. */
static int peer_pings(struct bench_node *n, double *out)
{
	json_t *r = rpc(n, "getpeerinfo", NULL), *p;
	size_t i;
	int k = 0;

	json_array_foreach(r, i, p) {
		double s = json_real_value(json_object_get(p, "pingtime"));
		if (s > 0)
			out[k++] = s * 1e3;
	}
	json_decref(r);
	return k;
}

/* Median ping round trip (ms) over every link end, waiting until each has one. */
static double median_ping(struct bench_node *nodes, int n)
{
	double v[2 * PROP_NODES], med, lo, hi, end = bench_now() + 10;
	int k;

	do {
		k = 0;
		for (int i = 0; i < n; i++)
			k += peer_pings(&nodes[i], v + k);
		if (k < 2 * (n - 1))
			usleep(100000);
	} while (k < 2 * (n - 1) && bench_now() < end);
	if (k == 0)
		die("no ping was measured", NULL);
	bench_stats(v, k, &med, &lo, &hi);
	return med;
}

/* Mines blocks 1..PROP_BLOCKS + 1 at nodes[0], each after the last reached the far end. */
static void mine_line(struct bench_node *nodes, int n)
{
	char addr[CONS_ADDRESS_MAX];

	cons_address_encode(addr, P->addr_version, key.pkh);
	for (int h = 1; h <= PROP_BLOCKS + 1; h++) {
		generate(&nodes[0], addr);
		wait_for(&nodes[n - 1], "getblockcount", h, 2);
	}
}

/* spread[i] = ms from the first node's acceptance of block i + 2 to the last one's. */
static void spreads(const struct bench_node *nodes, int n, double *spread)
{
	static double at[PROP_NODES][PROP_BLOCKS + 2];

	for (int i = 0; i < n; i++)
		log_tips(&nodes[i], at[i], PROP_BLOCKS + 1);
	for (int b = 0; b < PROP_BLOCKS; b++) {    /* block 1 warms the links up */
		double first = at[0][b + 2], last = first;
		for (int i = 0; i < n; i++) {
			if (at[i][b + 2] < 0)
				die("a node's log lacks a block; see", nodes[i].dir);
			first = at[i][b + 2] < first ? at[i][b + 2] : first;
			last = at[i][b + 2] > last ? at[i][b + 2] : last;
		}
		spread[b] = last - first;
	}
}

static void print_propagation(double *spread, double ping, double rtt)
{
	double p50, lo, hi, p99, mean = 0, limit = (PROP_NODES - 1) * 1.5 * rtt;

	for (int b = 0; b < PROP_BLOCKS; b++)
		mean += spread[b] / PROP_BLOCKS;
	bench_stats(spread, PROP_BLOCKS, &p50, &lo, &hi);
	p99 = spread[(99 * PROP_BLOCKS + 99) / 100 - 1];        /* nearest rank, spread sorted */
	printf("propagation: p50 %.0f ms, p99 %.0f ms, mean %.1f ms across %d nodes in a line "
	       "(%d hops; %d blocks mined at one end, its acceptance to the far end's, %.0f..%.0f ms) "
	       "| limit %.2f ms (%d hops x 1.5 loopback TCP round trips of %.3f ms; flintd's own "
	       "ping %.3f ms) | ratio %.2f of the mean (goal p99 < 100 ms)\n",
	       p50, p99, mean, PROP_NODES, PROP_NODES - 1, PROP_BLOCKS, lo, hi, limit,
	       PROP_NODES - 1, rtt, ping, limit / mean);
}

static void bench_propagation(void)
{
	static struct bench_node nodes[PROP_NODES];
	double spread[PROP_BLOCKS], ping, rtt;
	char name[32];

	for (int i = 0; i < PROP_NODES; i++) {
		snprintf(name, sizeof(name), "line-%d", i);
		node_setup(&nodes[i], 2 + i, name);
		node_start(&nodes[i], i ? &nodes[i - 1] : NULL, true);
	}
	for (int i = 0; i < PROP_NODES; i++)
		wait_for(&nodes[i], "getconnectioncount", i == 0 || i == PROP_NODES - 1 ? 1 : 2, 20);
	mine_line(nodes, PROP_NODES);
	ping = median_ping(nodes, PROP_NODES);
	for (int i = 0; i < PROP_NODES; i++)
		node_stop(&nodes[i]);
	rtt = tcp_rtt();
	spreads(nodes, PROP_NODES, spread);
	print_propagation(spread, ping, rtt);
	for (int i = 0; i < PROP_NODES; i++)
		rm_rf(nodes[i].dir);
}

/* True when part is to run: every part, or only the one BENCH_ONLY names. */
static bool wanted(const char *only, const char *part)
{
	return !only || !*only || strcmp(only, part) == 0;
}

int main(void)
{
	const char *bin = getenv("FLINT_BIN"), *only = getenv("BENCH_ONLY");

	snprintf(flintd, sizeof(flintd), "%s/flintd", bin && *bin ? bin : "bin");
	if (access(flintd, X_OK) < 0)
		die("cannot run flintd (build it, or set FLINT_BIN)", flintd);
	if (!mkdtemp(tmpdir))
		die("mkdtemp failed", NULL);
	/* Ports above Linux's ephemeral range, and above the tests' 12000..32767. */
	port_base = 61000 + (int)(getpid() % 100) * 40;
	P = cons_params_by_name("regtest");
	ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	tb_key(ctx, &key, 1);
	if (wanted(only, "sync"))
		bench_sync(SYNC_BLOCKS, SYNC_SPENDS, "source");
	if (wanted(only, "sync-empty"))
		bench_sync(SYNC_EMPTY_BLOCKS, 0, "source-empty");
	if (wanted(only, "propagation"))
		bench_propagation();
	secp256k1_context_destroy(ctx);
	rm_rf(tmpdir);
	return 0;
}
