/*
 * RPC, mempool and memory benchmarks with real flintd processes on loopback
 * (regtest), each figure beside a limit measured in the same run:
 *   mempool-accept: signed 1-in-1-out P2PKH spends accepted through
 *                   sendrawtransaction, tx/s with 1 and with 8 concurrent
 *                   clients, beside one core's raw secp256k1_ecdsa_verify
 *                   rate (an acceptance is at least one verify; measured
 *                   before, between and after the two, averaged);
 *   rpc-rate:       getblockcount requests/s from ab (apache2-utils) with
 *                   1 and 8 concurrent keep-alive clients, beside the same ab
 *                   against a bare one-thread libevent HTTP server in a child
 *                   of this process answering a fixed reply (what the
 *                   transport and HTTP parsing allow, without any node);
 *   rpc-p99:        getblockcount latency, p50 and p99, while the node syncs
 *                   SYNC_BLOCKS coinbase-only blocks from another, beside the
 *                   same node's p99 once it is idle;
 *   memory:         peak RSS (VmHWM) of the node that synced SYNC_BLOCKS
 *                   blocks, and the RSS of the node whose mempool holds the
 *                   accepted spends (before and after them: a "full"
 *                   mempool is 50 MB, some 260,000 such spends, more than
 *                   a bench run can sign and send), beside a fresh idle
 *                   flintd.
 * The nodes are this checkout's bin/flintd, or $FLINT_BIN/flintd; ab is
 * installed by scripts/deps.sh when `make bench` runs (a bench-only
 * dependency). Without ab the rpc-rate line says so and the rest runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <secp256k1.h>

#include "bench/bench.h"
#include "bench/node.h"
#include "client/rpcclient.h"
#include "consensus/script.h"
#include "consensus/sig.h"
#include "node/chain.h"
#include "tests/support/txchain.h"
#include "util/hex.h"

#define SPENDS 4000                     /* UTXOs for the mempool figure */
#define RUNS 3                          /* alternating runs of figure and limit, medians */
#define ACCEPT_1 400                    /* spends sent by one client, each run */
#define ACCEPT_8 800                    /* spends sent by eight, each run */
#define SYNC_BLOCKS 100000
#define AB_REQUESTS 10000
#define WAIT_SECONDS 300

static char tmpdir[] = "/tmp/flint-bench-rpc-XXXXXX";
static char flintd[512];
static int port_base;
static const struct cons_params *P;
static secp256k1_context *ctx;
static struct tb_key key;
static volatile uint32_t sink;

static void rm_rf(const char *dir)
{
	bench_rm_rf("bench_rpc", dir);
}

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "bench_rpc: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	fprintf(stderr, "bench_rpc: node directories kept in %s\n", tmpdir);
	exit(1);                        /* the nodes die with us (PR_SET_PDEATHSIG) */
}

/* --- nodes ------------------------------------------------------------- */

static struct client *rpc_connect(const struct bench_node *n)
{
	struct client *c = bench_node_client(n, P, 60);

	if (!c)
		die("out of memory", NULL);
	return c;
}

static void node_setup(struct bench_node *n, int i, const char *name)
{
	bench_node_setup(n, tmpdir, name, "127.0.0.1", port_base + i, port_base + 10 + i);
}

/* Starts flintd on n, connecting to peer if set. */
static void node_start(struct bench_node *n, const struct bench_node *peer)
{
	if (bench_node_start(n, flintd, P, peer, NULL, 60) < 0)
		die(n->pid ? "out of memory" : "fork failed", NULL);
}

static void node_stop(struct bench_node *n)
{
	bench_node_stop(n);
}

static long rpc_long(struct bench_node *n, const char *method)
{
	struct client_error e;
	json_t *r;
	long v;

	if (bench_node_exited(n))
		die("flintd exited early; is the port taken? its log", n->dir);
	r = client_call(n->rpc, method, NULL, &e);
	v = r && json_is_integer(r) ? (long)json_integer_value(r) : -1;
	json_decref(r);
	return v;
}

static void wait_for(struct bench_node *n, const char *method, long want)
{
	double end = bench_now() + WAIT_SECONDS;

	while (rpc_long(n, method) < want) {
		if (bench_now() > end)
			die("timed out waiting for a node; its log is under", n->dir);
		usleep(20000);
	}
}

/* A /proc/PID/status field in KiB (VmHWM: peak RSS), or -1. */
static long proc_kib(pid_t pid, const char *field)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, strlen(field)) == 0)
			v = strtol(line + strlen(field) + 1, NULL, 10);
	fclose(f);
	return v;
}

/* The node's chain, built in this process: n blocks, `spends` signed spends each. */
static void build_chain(const struct bench_node *n, int blocks, int spends)
{
	struct node_chain_options o;
	struct node_chain *c;
	char dir[400], err[256];

	mkdir(n->dir, 0700);
	snprintf(dir, sizeof(dir), "%s/regtest", n->dir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/regtest/chaindb", n->dir);
	node_chain_options_default(&o);
	if (node_chain_open(&c, dir, P, &o, NULL, NULL, err, sizeof(err)) < 0)
		die("cannot open a chain", err);
	tb_txchain_extend(ctx, c, &key, blocks, spends, 0);
	node_chain_close(c);
}

/* --- mempool acceptance ------------------------------------------------ */

struct sender {
	struct bench_node *n;
	char **hex;
	int from, to;
	int failed;
	pthread_t t;
};

static void *send_txs(void *arg)
{
	struct sender *s = arg;
	struct client *c = rpc_connect(s->n);
	struct client_error e;

	for (int i = s->from; i < s->to; i++) {
		json_t *r = client_call(c, "sendrawtransaction", json_pack("[s]", s->hex[i]), &e);
		if (!r || !json_is_string(r))
			s->failed++;
		json_decref(r);
	}
	client_free(c);
	return NULL;
}

/* tx/s of sendrawtransaction for hex[from..to) over `clients` connections. */
static double accept_run(struct bench_node *n, char **hex, int from, int to, int clients)
{
	struct sender s[8];
	double t0 = bench_now();
	int per = (to - from) / clients, failed = 0;

	for (int i = 0; i < clients; i++) {
		s[i] = (struct sender){.n = n, .hex = hex, .from = from + i * per,
				       .to = i == clients - 1 ? to : from + (i + 1) * per};
		if (pthread_create(&s[i].t, NULL, send_txs, &s[i]) != 0)
			die("cannot start a client thread", NULL);
	}
	for (int i = 0; i < clients; i++) {
		pthread_join(s[i].t, NULL);
		failed += s[i].failed;
	}
	if (failed)
		die("sendrawtransaction refused spends; see the log under", n->dir);
	return (to - from) / (bench_now() - t0);
}

/* Signs a spend of every output of the tip block's spends; hex[i] owned. */
static int make_spends(struct bench_node *n, char ***hex_out, secp256k1_ecdsa_signature *sig,
		       uint8_t msg[32], secp256k1_pubkey *pub)
{
	struct node_chain_options o;
	struct node_chain *c;
	struct cons_block b;
	char dir[400], err[256], **hex;
	uint8_t script[CONS_P2PKH_SCRIPT_SIZE];
	int k = 0;

	snprintf(dir, sizeof(dir), "%s/regtest/chaindb", n->dir);
	node_chain_options_default(&o);
	if (node_chain_open(&c, dir, P, &o, NULL, NULL, err, sizeof(err)) < 0)
		die("cannot open a chain", err);
	cons_block_init(&b);
	if (node_chain_read_block(c, node_chain_tip(c), &b) != 1)
		die("cannot read the tip block", NULL);
	hex = calloc(b.n_tx, sizeof(*hex));
	cons_script_p2pkh(script, key.pkh);
	for (size_t i = 1; hex && i < b.n_tx; i++) {
		struct cons_outpoint op = {.n = 0};
		struct cons_writer w;
		struct cons_tx tx;

		memcpy(op.txid, b.tx[i].txid, 32);
		cons_tx_init(&tx);
		cons_writer_init(&w);
		if (cons_tx_add_input(&tx, &op, NULL, 0, 0xffffffffu) < 0 ||
		    cons_tx_add_output(&tx, b.tx[i].out[0].value - 1000, script, sizeof(script)) < 0 ||
		    cons_sign_input(ctx, &tx, 0, key.sec) < 0 || cons_tx_finalize(&tx) < 0)
			die("cannot sign a spend", NULL);
		cons_tx_write(&w, &tx);
		if (w.oom || !(hex[k] = malloc(2 * w.len + 1)))
			die("out of memory", NULL);
		util_hex_encode(hex[k++], w.data, w.len);
		cons_writer_release(&w);
		if (i == 1) {           /* one triple, pre-parsed, for the raw verify rate */
			const uint8_t *s, *p;
			size_t sl;
			if (cons_sighash(msg, &tx, 0, script, sizeof(script), CONS_SIGHASH_ALL) < 0 ||
			    !cons_script_sig_parse(tx.in[0].script, tx.in[0].script_len, &s, &sl, &p) ||
			    !secp256k1_ecdsa_signature_parse_der(ctx, sig, s, sl - 1) ||
			    !secp256k1_ec_pubkey_parse(ctx, pub, p, 33))
				die("a spend does not parse", NULL);
		}
		cons_tx_release(&tx);
	}
	if (!hex)
		die("out of memory", NULL);
	cons_block_release(&b);
	node_chain_close(c);
	*hex_out = hex;
	return k;
}

/* One core's raw verify rate over about 0.3 s. */
static double verify_rate(const secp256k1_ecdsa_signature *sig, const uint8_t msg[32],
			  const secp256k1_pubkey *pub)
{
	double t0 = bench_now(), dt;
	long n = 0;

	do {
		for (int i = 0; i < 100; i++)
			n += secp256k1_ecdsa_verify(ctx, sig, msg, pub);
	} while ((dt = bench_now() - t0) < 0.3);
	sink ^= (uint32_t)n;
	return (double)n / dt;
}

/* --- RPC rate: ab against the node and against a bare server ----------- */

static void bare_reply(struct evhttp_request *req, void *arg)
{
	struct evbuffer *out = evbuffer_new();

	evbuffer_add_printf(out, "{\"result\":%d,\"error\":null,\"id\":1}\n", SPENDS);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/json");
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

/* A child process serving bare_reply on 127.0.0.1:port; returns its pid. */
static pid_t bare_server(int port)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork failed", NULL);
	if (pid == 0) {
		struct event_base *base = event_base_new();
		struct evhttp *http = base ? evhttp_new(base) : NULL;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!http || evhttp_bind_socket(http, "127.0.0.1", (uint16_t)port) < 0)
			_exit(1);
		evhttp_set_gencb(http, bare_reply, NULL);
		event_base_dispatch(base);
		_exit(0);
	}
	return pid;
}

/* Requests/s ab reports for AB_REQUESTS getblockcount calls over c clients, or -1. */
static double ab_rate(int port, const char *auth, int c)
{
	char cmd[1200], body[400], line[256];
	double rate = -1;
	FILE *f;

	snprintf(body, sizeof(body), "%s/body.json", tmpdir);
	if (!(f = fopen(body, "w")))
		die("cannot write", body);
	fputs("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"getblockcount\",\"params\":[]}", f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "ab -q -k -n %d -c %d -A '%s' -p '%s' -T application/json "
		 "http://127.0.0.1:%d/ 2>&1", AB_REQUESTS, c, auth, body, port);
	if (!(f = popen(cmd, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Requests per second:", 20) == 0)
			rate = strtod(line + 20, NULL);
	pclose(f);
	return rate;
}

static void read_cookie(const struct bench_node *n, char *out, size_t len)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/regtest/.cookie", n->dir);
	if (!(f = fopen(path, "r")) || !fgets(out, (int)len, f))
		die("cannot read the node's cookie", path);
	fclose(f);
	out[strcspn(out, "\r\n")] = 0;
}

static void bench_rpc_rate(struct bench_node *n)
{
	char auth[300];
	double fig[2][RUNS], lim[2][RUNS], fm, flo, fhi, lm, llo, lhi;
	int clients[2] = {1, 8}, status;
	pid_t bare;

	if (system("command -v ab >/dev/null 2>&1") != 0) {
		printf("rpc-rate: skipped, ab not installed (apache2-utils; scripts/deps.sh "
		       "installs it for make bench)\n");
		return;
	}
	read_cookie(n, auth, sizeof(auth));
	bare = bare_server(port_base + 20);
	usleep(200000);
	for (int r = 0; r < RUNS; r++) {
		for (int i = 0; i < 2; i++) {
			fig[i][r] = ab_rate(n->rpcport, auth, clients[i]);
			lim[i][r] = ab_rate(port_base + 20, auth, clients[i]);
		}
	}
	kill(bare, SIGKILL);
	waitpid(bare, &status, 0);
	for (int i = 0; i < 2; i++) {
		bench_stats(fig[i], RUNS, &fm, &flo, &fhi);
		bench_stats(lim[i], RUNS, &lm, &llo, &lhi);
		printf("rpc-rate: %.0f getblockcount/s with %d keep-alive client%s (ab, %d requests; "
		       "median of %d, %.0f..%.0f) | limit %.0f/s (the same ab against a bare libevent "
		       "HTTP server; %.0f..%.0f) | ratio %.2f\n", fm, clients[i],
		       clients[i] > 1 ? "s" : "", AB_REQUESTS, RUNS, flo, fhi, lm, llo, lhi, fm / lm);
	}
}

/* --- latency while syncing, and memory --------------------------------- */

/* Latencies (ms) of getblockcount on n until its height reaches until (or max samples). */
static int sample_latency(struct bench_node *n, long until, double *ms, int max)
{
	int k = 0;

	while (k < max) {
		double t0 = bench_now();
		long h = rpc_long(n, "getblockcount");
		ms[k++] = (bench_now() - t0) * 1e3;
		if (until >= 0 && h >= until)
			break;
		usleep(1000);
	}
	return k;
}

static double pct(double *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	return v[(int)((n - 1) * p)];
}

static void bench_sync_latency(long bare_kib)
{
	enum { MAX_SAMPLES = 200000, IDLE_SAMPLES = 500 };
	static double ms[MAX_SAMPLES];
	struct bench_node src, dst;
	double t0, dt, p50, p99, idle99;
	long hwm;
	int k;

	node_setup(&src, 1, "sync-source");
	node_setup(&dst, 2, "sync-dest");
	build_chain(&src, SYNC_BLOCKS, 0);
	node_start(&src, NULL);
	wait_for(&src, "getblockcount", SYNC_BLOCKS);
	node_start(&dst, &src);
	wait_for(&dst, "getblockcount", 0);
	t0 = bench_now();
	k = sample_latency(&dst, SYNC_BLOCKS, ms, MAX_SAMPLES);
	dt = bench_now() - t0;
	wait_for(&dst, "getblockcount", SYNC_BLOCKS);
	hwm = proc_kib(dst.pid, "VmHWM:");
	p50 = pct(ms, k, 0.5);
	p99 = pct(ms, k, 0.99);
	k = sample_latency(&dst, -1, ms, IDLE_SAMPLES);
	idle99 = pct(ms, k, 0.99);
	node_stop(&dst);
	node_stop(&src);
	printf("rpc-p99: p50 %.2f ms, p99 %.2f ms for getblockcount while syncing %d coinbase-only "
	       "blocks (%.1f s) | limit: the same node idle, p99 %.2f ms | ratio %.2f\n",
	       p50, p99, SYNC_BLOCKS, dt, idle99, idle99 / p99);
	printf("memory-sync: %ld KiB peak RSS syncing %d blocks | limit: a fresh idle flintd "
	       "%ld KiB\n", hwm, SYNC_BLOCKS, bare_kib);
	rm_rf(src.dir);
	rm_rf(dst.dir);
}

static void bench_mempool(long bare_kib)
{
	secp256k1_ecdsa_signature sig;
	secp256k1_pubkey pub;
	uint8_t msg[32];
	struct bench_node n;
	char **hex;
	double one[RUNS], eight[RUNS], lim[RUNS], om, olo, ohi, em, elo, ehi, lm, llo, lhi;
	long before, after, hwm;
	int k;

	node_setup(&n, 3, "mempool");
	build_chain(&n, (int)P->coinbase_maturity + 3, SPENDS);
	k = make_spends(&n, &hex, &sig, msg, &pub);
	if (k < RUNS * (ACCEPT_1 + ACCEPT_8))
		die("too few outputs to spend", NULL);
	node_start(&n, NULL);
	wait_for(&n, "getblockcount", (long)P->coinbase_maturity + 3);
	before = proc_kib(n.pid, "VmRSS:");
	for (int r = 0, at = 0; r < RUNS; r++) {
		lim[r] = verify_rate(&sig, msg, &pub);
		one[r] = accept_run(&n, hex, at, at + ACCEPT_1, 1);
		at += ACCEPT_1;
		eight[r] = accept_run(&n, hex, at, at + ACCEPT_8, 8);
		at += ACCEPT_8;
	}
	after = proc_kib(n.pid, "VmRSS:");
	hwm = proc_kib(n.pid, "VmHWM:");
	bench_stats(one, RUNS, &om, &olo, &ohi);
	bench_stats(eight, RUNS, &em, &elo, &ehi);
	bench_stats(lim, RUNS, &lm, &llo, &lhi);
	printf("mempool-accept: %.0f tx/s with 1 client (%.0f..%.0f), %.0f tx/s with 8 (%.0f..%.0f) "
	       "(sendrawtransaction, 1-in-1-out P2PKH; medians of %d runs of %d and %d txs) | "
	       "limit %.0f/s (one core's raw secp256k1_ecdsa_verify; %.0f..%.0f) | ratio %.2f and "
	       "%.2f (goal >= 0.5)\n", om, olo, ohi, em, elo, ehi, RUNS, ACCEPT_1, ACCEPT_8, lm, llo,
	       lhi, om / lm, em / lm);
	printf("memory-mempool: %ld KiB RSS with %d txs in the mempool, %ld KiB before them "
	       "(%.2f KiB per tx; peak %ld KiB) | limit: a fresh idle flintd %ld KiB\n",
	       after, RUNS * (ACCEPT_1 + ACCEPT_8), before,
	       (double)(after - before) / (RUNS * (ACCEPT_1 + ACCEPT_8)),
	       hwm, bare_kib);
	bench_rpc_rate(&n);
	node_stop(&n);
	for (int i = 0; i < k; i++)
		free(hex[i]);
	free(hex);
	rm_rf(n.dir);
}

static long bare_node_kib(void)
{
	struct bench_node n;
	long kib;

	node_setup(&n, 4, "bare");
	node_start(&n, NULL);
	wait_for(&n, "getblockcount", 0);
	kib = proc_kib(n.pid, "VmHWM:");
	node_stop(&n);
	rm_rf(n.dir);
	return kib;
}

int main(void)
{
	const char *bin = getenv("FLINT_BIN");
	long bare;

	snprintf(flintd, sizeof(flintd), "%s/flintd", bin && *bin ? bin : "bin");
	if (access(flintd, X_OK) < 0)
		die("cannot run flintd (build it, or set FLINT_BIN)", flintd);
	if (!mkdtemp(tmpdir))
		die("mkdtemp failed", strerror(errno));
	/* Ports above Linux's ephemeral range (to 60999) and bench_net's (to 64999). */
	port_base = 65000 + (int)(getpid() % 20) * 25;
	P = cons_params_by_name("regtest");
	ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	tb_key(ctx, &key, 1);
	bare = bare_node_kib();
	bench_mempool(bare);
	bench_sync_latency(bare);
	secp256k1_context_destroy(ctx);
	rm_rf(tmpdir);
	return 0;
}
