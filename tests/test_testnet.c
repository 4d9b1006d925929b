/*
 * Tests for testnet/: topologies and partitions, the state file, log
 * parsing and the service-level arithmetic, and the attack blocks (each
 * must fail exactly the consensus rule it is named after).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consensus/block_check.h"
#include "consensus/pow.h"
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <event2/thread.h>

#include "testnet/badblock.h"
#include "testnet/link.h"
#include "testnet/relay.h"
#include "testnet/shape.h"
#include "testnet/sli.h"
#include "testnet/state.h"
#include "testnet/topology.h"

/* ---- topology ---- */

static bool has_edge(const struct tn_edge *e, size_t n, int from, int to)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].from == from && e[i].to == to)
			return true;
	return false;
}

static void test_topology_edges_per_shape(void **state)
{
	struct tn_edge e[64];

	assert_int_equal(tn_topology_edges(TN_MESH, 4, e, 64), 6);
	assert_true(has_edge(e, 6, 3, 0) && has_edge(e, 6, 2, 1));
	assert_int_equal(tn_topology_edges(TN_LINE, 4, e, 64), 3);
	assert_true(has_edge(e, 3, 1, 0) && has_edge(e, 3, 3, 2) && !has_edge(e, 3, 3, 0));
	assert_int_equal(tn_topology_edges(TN_RING, 4, e, 64), 4);
	assert_true(has_edge(e, 4, 3, 0));
	assert_int_equal(tn_topology_edges(TN_RING, 2, e, 64), 1);   /* no double edge */
	assert_int_equal(tn_topology_edges(TN_STAR, 5, e, 64), 4);
	assert_true(has_edge(e, 4, 4, 0) && !has_edge(e, 4, 4, 3));
	assert_int_equal(tn_topology_edges(TN_MESH, 1, e, 64), 0);
	/* More edges than room: counted, not written past the end. */
	assert_int_equal(tn_topology_edges(TN_MESH, 10, e, 2), 45);
}

static void test_topology_edges_dial_downwards(void **state)
{
	struct tn_edge e[64];
	size_t n;

	for (int t = TN_MESH; t <= TN_STAR; t++) {
		n = tn_topology_edges((enum tn_topology)t, 7, e, 64);
		for (size_t i = 0; i < n; i++) {
			assert_true(e[i].from > e[i].to);
			assert_true(tn_topology_linked((enum tn_topology)t, 7, e[i].from, e[i].to));
			assert_true(tn_topology_linked((enum tn_topology)t, 7, e[i].to, e[i].from));
		}
	}
	assert_false(tn_topology_linked(TN_LINE, 4, 0, 2));
	assert_true(tn_topology_linked(TN_RING, 4, 0, 3));
	assert_false(tn_topology_linked(TN_STAR, 4, 1, 2));
	assert_false(tn_topology_linked(TN_MESH, 4, 2, 2));
	assert_false(tn_topology_linked(TN_MESH, 4, 2, 9));
}

static void test_topology_names(void **state)
{
	enum tn_topology t;

	assert_int_equal(tn_topology_parse(&t, "ring"), 0);
	assert_int_equal(t, TN_RING);
	assert_string_equal(tn_topology_name(TN_STAR), "star");
	assert_int_equal(tn_topology_parse(&t, "tree"), -1);
	assert_int_equal(tn_topology_parse(&t, ""), -1);
}

/* ---- partitions ---- */

static void test_partition_parse_groups(void **state)
{
	struct tn_partition p;
	char err[128], text[64];

	assert_int_equal(tn_partition_parse(&p, "0,1/2,3", 4, err, sizeof(err)), 0);
	assert_int_equal(p.n_groups, 2);
	assert_true(tn_partition_together(&p, 0, 1));
	assert_false(tn_partition_together(&p, 1, 2));
	assert_int_equal(tn_partition_parse(&p, "3/1,0/2", 4, err, sizeof(err)), 0);
	assert_int_equal(p.n_groups, 3);
	tn_partition_format(&p, text, sizeof(text));
	assert_string_equal(text, "3/0,1/2");
	tn_partition_format(&p, text, 4);            /* truncated, still terminated */
	assert_int_equal(strlen(text), 3);
	assert_int_equal(tn_partition_parse(&p, "0-4,9/5-8", 10, err, sizeof(err)), 0);
	assert_true(tn_partition_together(&p, 0, 9) && tn_partition_together(&p, 5, 8));
	assert_false(tn_partition_together(&p, 4, 5));
	tn_partition_format(&p, text, sizeof(text));
	assert_string_equal(text, "0-4,9/5-8");
	assert_int_equal(tn_partition_parse(&p, "4-0/5-9", 10, err, sizeof(err)), -1);
	assert_int_equal(tn_partition_parse(&p, "0-5/5-9", 10, err, sizeof(err)), -1);
	assert_int_equal(tn_partition_parse(&p, "0-3-4/5-9", 10, err, sizeof(err)), -1);
}

static void test_partition_parse_refuses_bad_input(void **state)
{
	static const char *const bad[] = {"", "0,1,2,3", "0,1/2", "0,1/2,3,4", "0,0/1,2,3",
					  "0,1//2,3", "0,1/2,3/", "a/b", "0,1/-2,3", "0;1/2,3",
					  "0,1/2,99999999999999999999", "/0,1,2,3"};
	struct tn_partition p;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(tn_partition_parse(&p, bad[i], 4, err, sizeof(err)), -1);
		assert_true(err[0] != 0);
	}
}

/* ---- state file ---- */

static void test_state_round_trip(void **state)
{
	char dir[] = "/tmp/flint-test-testnet-XXXXXX", err[700], path[700];
	struct tn_state s, t;
	char err2[64];

	assert_non_null(mkdtemp(dir));
	tn_state_init(&s, dir);
	tn_state_layout(&s, 4, TN_RING, 2, 3, 30000);
	snprintf(s.faucet_address, sizeof(s.faucet_address), "Fabc");
	s.node[2].pid = 1234;
	s.node[3].time_offset = -45;
	assert_int_equal(tn_partition_parse(&s.partition, "0,1/2,3", 4, err2, sizeof(err2)), 0);
	s.partitioned = true;
	tn_state_event(&s, "partition", "0,1/2,3");
	tn_state_event(&s, "heal", NULL);
	assert_int_equal(tn_state_save(&s, err, sizeof(err)), 0);
	assert_true(tn_state_exists(dir));
	assert_int_equal(tn_state_load(&t, dir, err, sizeof(err)), 0);
	assert_int_equal(t.n, 4);
	assert_int_equal(t.topology, TN_RING);
	assert_int_equal(t.miners, 2);
	assert_true(t.node[1].miner && !t.node[2].miner);
	assert_string_equal(t.node[3].ip, "127.0.0.13");
	assert_int_equal(t.node[3].port, 30000);
	assert_int_equal(t.node[3].rpcport, 30001);
	assert_int_equal(t.node[2].pid, 1234);
	assert_int_equal(t.node[3].time_offset, -45);
	assert_true(t.partitioned && !tn_partition_together(&t.partition, 1, 2));
	assert_int_equal(t.n_events, 2);
	assert_string_equal(t.events[0].detail, "0,1/2,3");
	assert_true(fabs(t.events[1].time - s.events[1].time) < 0.001);
	tn_state_release(&s);
	tn_state_release(&t);
	snprintf(path, sizeof(path), "%s/%s", dir, TN_STATE_FILE);
	unlink(path);
	rmdir(dir);
}

/* Every node its own loopback address, the first 246 as before, the rest beyond 127.0.1.0. */
static void test_node_addresses(void **state)
{
	char ip[16];
	struct in_addr a;

	tn_node_ip(0, ip, sizeof(ip));
	assert_string_equal(ip, "127.0.0.10");
	tn_node_ip(245, ip, sizeof(ip));
	assert_string_equal(ip, "127.0.0.255");
	tn_node_ip(246, ip, sizeof(ip));
	assert_string_equal(ip, "127.0.1.0");
	tn_node_ip(9999, ip, sizeof(ip));
	assert_string_equal(ip, "127.0.39.25");
	for (int i = 0; i < TN_MAX_NODES; i += 97) {
		tn_node_ip(i, ip, sizeof(ip));
		assert_int_equal(inet_pton(AF_INET, ip, &a), 1);
		assert_int_equal(tn_node_of_ip(a.s_addr), i);
	}
	inet_pton(AF_INET, "127.0.0.1", &a);
	assert_int_equal(tn_node_of_ip(a.s_addr), -1);
	inet_pton(AF_INET, "10.0.0.11", &a);
	assert_int_equal(tn_node_of_ip(a.s_addr), -1);
	inet_pton(AF_INET, "127.0.39.26", &a);
	assert_int_equal(tn_node_of_ip(a.s_addr), -1);
}

/* 10,000 nodes: the random graph is drawn in well under a second, connected, degree kept. */
static void test_random_topology_at_scale(void **state)
{
	size_t m = tn_random_edges(TN_MAX_NODES, 3, 7, NULL, 0);
	struct tn_edge *e = malloc(m * sizeof(*e));
	static int deg[TN_MAX_NODES];

	assert_non_null(e);
	assert_int_equal(tn_random_edges(TN_MAX_NODES, 3, 7, e, m), m);
	assert_true(m >= TN_MAX_NODES * 3 / 2 && m < TN_MAX_NODES * 3);
	for (size_t k = 0; k < m; k++) {
		assert_true(e[k].from > e[k].to);
		if (k)
			assert_true(e[k].from > e[k - 1].from ||
				    (e[k].from == e[k - 1].from && e[k].to > e[k - 1].to));
		deg[e[k].from]++;
		deg[e[k].to]++;
	}
	for (int i = 0; i < TN_MAX_NODES; i++)
		assert_true(deg[i] >= 3);
	free(e);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_state_refuses_damaged_files(void **state)
{
	static const char *const bad[] = {
		"", "[]", "{\"nodes_count\": 2}", "{not json",
		"{\"nodes_count\": 1, \"miners\": 1, \"block_time\": 5, \"base_port\": 1, "
		"\"topology\": \"mesh\", \"faucet\": {\"address\": \"F\"}, \"nodes\": [1]}",
		"{\"nodes_count\": 1, \"miners\": 1, \"block_time\": 5, \"base_port\": 1, "
		"\"topology\": \"blob\", \"faucet\": {\"address\": \"F\"}, \"nodes\": []}",
		"{\"nodes_count\": 99, \"miners\": 1, \"block_time\": 5, \"base_port\": 1}",
	};
	char dir[] = "/tmp/flint-test-testnet-XXXXXX", err[700], path[700];
	struct tn_state s;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, TN_STATE_FILE);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(path, bad[i]);
		assert_int_equal(tn_state_load(&s, dir, err, sizeof(err)), -1);
		assert_non_null(strstr(err, TN_STATE_FILE));
		assert_int_equal(s.n, 0);
		tn_state_release(&s);
	}
	unlink(path);
	rmdir(dir);
}

/* ---- logs and service levels ---- */

static void test_log_time_has_milliseconds(void **state)
{
	double t;

	assert_int_equal(tn_log_time("2026-11-22T23:38:36.616Z info  ready", &t), 0);
	assert_true(fabs(t - (1795305600.0 + 23 * 3600 + 38 * 60 + 36.616)) < 1e-6);
	assert_int_equal(tn_log_time("2026-11-22T23:38:36Z info", &t), -1);
	assert_int_equal(tn_log_time("garbage", &t), -1);
	assert_int_equal(tn_log_time("", &t), -1);
	assert_int_equal(tn_log_time("2026-13-22T23:38:36.616Z x", &t), -1);
}

static void test_log_parse_tip_lines_only(void **state)
{
	static const char line[] = "2026-11-22T23:38:36.665Z info  new tip: height 12 hash "
				   "51d615b79d4c8076da39f7bfd24fb829ae0d4e6c295fde3abc84a78b2ddaf6d7\n";
	struct tn_tip_event e;

	assert_int_equal(tn_log_parse_tip(line, &e), 0);
	assert_int_equal(e.height, 12);
	assert_string_equal(e.hash, "51d615b79d4c8076da39f7bfd24fb829ae0d4e6c295fde3abc84a78b2ddaf6d7");
	assert_int_equal(tn_log_parse_tip("2026-11-22T23:38:36.665Z info  mined block 51d6", &e), -1);
	assert_int_equal(tn_log_parse_tip("2026-11-22T23:38:36.665Z info  new tip: height 1 hash "
					  "51d6", &e), -1);
	assert_int_equal(tn_log_parse_tip("new tip: height 1 hash", &e), -1);
}

static void test_percentile_interpolates(void **state)
{
	double v[] = {5, 1, 4, 2, 3}, one[] = {7};

	assert_true(fabs(tn_percentile(v, 5, 50) - 3) < 1e-9);
	assert_true(fabs(tn_percentile(v, 5, 0) - 1) < 1e-9);
	assert_true(fabs(tn_percentile(v, 5, 100) - 5) < 1e-9);
	assert_true(fabs(tn_percentile(v, 5, 99) - 4.96) < 1e-9);
	assert_true(fabs(tn_percentile(v, 5, 25) - 2) < 1e-9);
	assert_true(fabs(tn_percentile(one, 1, 99) - 7) < 1e-9);
	assert_true(isnan(tn_percentile(v, 0, 50)));
}

static struct tn_tip_event ev(double t, int node, long long h, char c)
{
	struct tn_tip_event e = {t, node, h, ""};

	memset(e.hash, c, 64);
	e.hash[64] = 0;
	return e;
}

/* Best chain: heights 1..4 with hashes "aaa..", "bbb..", "ccc..", "ddd..". */
static void chain4(struct tn_chain *c, char (*h)[65])
{
	for (int i = 0; i < 4; i++) {
		memset(h[i], 'a' + i, 64);
		h[i][64] = 0;
	}
	c->base = 1;
	c->top = 4;
	c->hash = h;
}

static void test_sli_propagation_and_stale(void **state)
{
	struct tn_tip_event e[] = {
		ev(10.0, 0, 1, 'a'), ev(10.2, 1, 1, 'a'), ev(10.5, 2, 1, 'a'),
		ev(20.0, 1, 2, 'x'),                       /* stale: lost a race */
		ev(20.1, 0, 2, 'b'), ev(20.2, 2, 2, 'b'), ev(20.3, 1, 2, 'b'),
		/* node 2 skips height 3 (two blocks connected at once) */
		ev(30.0, 0, 3, 'c'), ev(30.1, 1, 3, 'c'), ev(31.0, 2, 4, 'd'),
		ev(30.9, 0, 4, 'd'), ev(31.0, 1, 4, 'd'),
	};
	char h[4][65];
	struct tn_chain c;
	struct tn_sli s;

	chain4(&c, h);
	assert_int_equal(tn_sli_compute(&s, e, sizeof(e) / sizeof(e[0]), 3, &c, NULL, 0), 0);
	assert_int_equal(s.active, 4);
	assert_int_equal(s.stale, 1);
	assert_int_equal(s.stale_in_faults, 0);
	assert_int_equal(s.active_in_faults, 0);
	assert_int_equal(s.measured, 4);
	/* latencies 0.5, 0.2, 1.0 (height 3 reaches node 2 with height 4), 0.1 */
	assert_true(fabs(s.max - 1.0) < 1e-9);
	assert_true(fabs(s.p50 - 0.35) < 1e-9);
}

static void test_sli_leaves_out_faults_and_laggards(void **state)
{
	struct tn_tip_event e[] = {
		ev(10.0, 0, 1, 'a'), ev(10.1, 1, 1, 'a'),
		ev(27.0, 1, 2, 'x'),                       /* stale, mined in the partition */
		ev(30.0, 0, 2, 'b'), ev(31.0, 1, 2, 'b'),  /* first seen in a partition */
		ev(40.0, 0, 3, 'c'),                       /* node 1 never gets it (down) */
	};
	struct tn_window w = {25, 35};
	char h[4][65];
	struct tn_chain c;
	struct tn_sli s;

	chain4(&c, h);
	c.top = 3;
	assert_int_equal(tn_sli_compute(&s, e, sizeof(e) / sizeof(e[0]), 2, &c, &w, 1), 0);
	assert_int_equal(s.measured, 1);
	assert_int_equal(s.excluded, 2);
	assert_int_equal(s.stale, 1);
	assert_int_equal(s.stale_in_faults, 1);
	assert_int_equal(s.active, 3);
	assert_int_equal(s.active_in_faults, 1);     /* b, first seen at 30.0 */
	assert_true(fabs(s.p99 - 0.1) < 1e-9);
	assert_int_equal(tn_sli_compute(&s, e, 0, 2, &c, NULL, 0), 0);
	assert_true(isnan(s.p50));
}

static void test_converge_time_after_heal(void **state)
{
	struct tn_tip_event e[] = {
		ev(10, 0, 5, 'a'), ev(11, 1, 5, 'b'), ev(12, 2, 5, 'b'),
		ev(25, 0, 6, 'c'), ev(26, 1, 6, 'c'), ev(27, 2, 6, 'c'),
	};
	size_t n = sizeof(e) / sizeof(e[0]);
	struct tn_nodeset all, two, none;

	tn_nodeset_first(&all, 3);
	tn_nodeset_first(&two, 3);
	tn_nodeset_del(&two, 0);
	tn_nodeset_clear(&none);
	assert_true(fabs(tn_converge_time(e, n, 3, &all, 20) - 7) < 1e-9);
	assert_true(fabs(tn_converge_time(e, n, 3, &two, 20)) < 1e-9);   /* 1 and 2 already agree */
	assert_true(isnan(tn_converge_time(e, 5, 3, &all, 20)));
	assert_true(fabs(tn_converge_time(e, n, 3, &all, 5) - 22) < 1e-9);
	assert_true(isnan(tn_converge_time(e, n, 3, &none, 20)));
}

/* 1,000 nodes split between two tips: every one counts, node 999 the last to take the third. */
static void test_converge_time_counts_every_node(void **state)
{
	enum { N = 1000 };
	static struct tn_tip_event e[2 * N];
	struct tn_nodeset all;
	size_t n = 0;

	for (int i = 0; i < N; i++)
		e[n++] = ev(1, i, 5, i % 2 ? 'a' : 'c');
	for (int i = 0; i < N; i++)
		e[n++] = ev(10 + i * 0.001, i, 6, 'b');
	tn_nodeset_first(&all, N);
	assert_true(fabs(tn_converge_time(e, n, N, &all, 9) - (1 + 0.999)) < 1e-9);
	assert_true(fabs(tn_converge_time(e, n, N, &all, 5) - (5 + 0.999)) < 1e-9);
	tn_nodeset_del(&all, N - 1);                               /* without the last one */
	assert_true(fabs(tn_converge_time(e, n, N, &all, 9) - (1 + 0.998)) < 1e-9);
	tn_nodeset_first(&all, 64);                                /* the first 64 only */
	assert_true(fabs(tn_converge_time(e, n, N, &all, 9) - (1 + 0.063)) < 1e-9);
}

/* ---- attack blocks: each breaks exactly its own rule ---- */

static struct cons_block genesis;

static int genesis_only(const void *ctx, int64_t h, uint32_t *t, uint32_t *bits)
{
	*t = genesis.hdr.time;
	*bits = genesis.hdr.bits;
	return h == 0 ? 0 : -1;
}

/* A coin set holding one unspent (non-coinbase) coin: 7777..:0, 50 coins. */
struct one_coin {
	bool spent;
};

static int coin_get(void *ctx, const struct cons_outpoint *op, struct cons_coin *c)
{
	uint8_t txid[32];

	memset(txid, 7, 32);
	if (((struct one_coin *)ctx)->spent || op->n != 0 || memcmp(op->txid, txid, 32) != 0)
		return 0;
	memset(c, 0, sizeof(*c));
	c->value = 50 * CONS_COIN;
	return 1;
}

static int coin_spend(void *ctx, const struct cons_outpoint *op)
{
	((struct one_coin *)ctx)->spent = true;
	return 0;
}

static int coin_add(void *ctx, const struct cons_outpoint *op, const struct cons_coin *c)
{
	return 0;
}

/* The first rule b breaks at height 1 on regtest, as a node checks them. */
static const char *first_failure(const struct cons_params *p, const struct cons_block *b,
				 int64_t now)
{
	struct cons_chain_view v = {NULL, 0, genesis_only};
	struct one_coin coin = {false};
	struct cons_coin_store store = {&coin, coin_get, coin_spend, coin_add};
	struct cons_block_undo undo;
	struct cons_state st;

	cons_state_init(&st);
	cons_block_undo_init(&undo);
	if (cons_check_header(p, &b->hdr, b->hash, &st) == CONS_VALID &&
	    cons_check_block(p, b, &st) == CONS_VALID &&
	    cons_check_header_contextual(p, &b->hdr, &v, now, &st) == CONS_VALID &&
	    cons_check_block_contextual(p, b, 1, genesis.hdr.time, &st) == CONS_VALID)
		cons_connect_block(p, b, 1, &store, &undo, &st);
	cons_block_undo_release(&undo);
	return cons_reject_reason(st.code);
}

static void build(struct cons_block *b, enum tn_attack k, bool coin, int64_t now)
{
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	const struct cons_params *p = cons_params_by_name("regtest");
	uint8_t seckey[32], pkh[20];
	struct tn_tip t;
	char what[200] = "";

	memset(seckey, 3, 32);
	memset(pkh, 9, 20);
	memset(&t, 0, sizeof(t));
	memcpy(t.hash, genesis.hash, 32);
	t.mtp = genesis.hdr.time;
	t.next_bits = p->genesis_bits;
	t.have_coin = coin;
	memset(t.coin_txid, 7, 32);
	cons_block_init(b);
	assert_int_equal(tn_badblock_build(b, ctx, p, k, &t, now, pkh, seckey, what, sizeof(what)), 0);
	assert_true(what[0] != 0);
	assert_true(tn_badblock_solve(b, p, k != TN_ATK_BADPOW, 1000000));
	secp256k1_context_destroy(ctx);
}

static void test_attack_blocks_break_one_rule(void **state)
{
	const struct cons_params *p = cons_params_by_name("regtest");
	int64_t now = genesis.hdr.time + 600;
	struct {
		enum tn_attack k;
		bool coin;
		const char *reason;
	} cases[] = {
		{TN_ATK_BADPOW, false, "high-hash"},
		{TN_ATK_BADMERKLE, false, "bad-txnmrklroot"},
		{TN_ATK_DOUBLESPEND, false, "bad-txns-inputs-duplicate"},
		{TN_ATK_DOUBLESPEND, true, "bad-txns-inputs-missingorspent"},
		{TN_ATK_INFLATED_COINBASE, false, "bad-cb-amount"},
		{TN_ATK_FUTURE_TIMESTAMP, false, "time-too-far-ahead"},
	};
	struct cons_block b;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		build(&b, cases[i].k, cases[i].coin, now);
		assert_string_equal(first_failure(p, &b, now), cases[i].reason);
		cons_block_release(&b);
	}
}

/* Undoing the one broken thing leaves a valid block: nothing else was wrong. */
static void test_attack_blocks_are_otherwise_valid(void **state)
{
	const struct cons_params *p = cons_params_by_name("regtest");
	int64_t now = genesis.hdr.time + 600;
	struct cons_block b;

	build(&b, TN_ATK_BADMERKLE, false, now);
	b.hdr.merkle[0] ^= 1;
	assert_true(tn_badblock_solve(&b, p, true, 1000000));
	assert_string_equal(first_failure(p, &b, now), "valid");
	cons_block_release(&b);
	build(&b, TN_ATK_FUTURE_TIMESTAMP, false, now);
	b.hdr.time = (uint32_t)now;
	assert_true(tn_badblock_solve(&b, p, true, 1000000));
	assert_string_equal(first_failure(p, &b, now), "valid");
	cons_block_release(&b);
}

static void test_attack_names(void **state)
{
	enum tn_attack k;

	for (int i = 0; i < TN_ATK__COUNT; i++) {
		assert_int_equal(tn_attack_parse(&k, tn_attack_name((enum tn_attack)i)), 0);
		assert_int_equal(k, i);
	}
	assert_int_equal(tn_attack_parse(&k, "sybil"), -1);
	assert_true(tn_attack_sends_block(TN_ATK_DOUBLESPEND));
	assert_false(tn_attack_sends_block(TN_ATK_GARBAGE));
}

static int setup(void **state)
{
	cons_block_init(&genesis);
	return cons_genesis_block(&genesis, cons_params_by_name("regtest"));
}

static int teardown(void **state)
{
	cons_block_release(&genesis);
	return 0;
}

/* ---- link shaping ---- */

static void test_bucket_paces_to_its_rate(void **state)
{
	struct tn_bucket b;
	uint64_t t = 1000000, sent = 0;

	tn_bucket_init(&b, 1000, t);                 /* 1 Mbit/s = 125 bytes per ms */
	assert_int_equal(tn_bucket_take(&b, t, 100000), 6000);   /* four packets of burst */
	assert_int_equal(tn_bucket_take(&b, t, 1), 0);
	assert_true(tn_bucket_wait(&b, t, 1500) >= 11999 && tn_bucket_wait(&b, t, 1500) <= 12001);
	/* 1 MiB at 1 Mbit/s: at least 8 s of bucket time, whatever the chunking. */
	for (; sent < 1048576; t += 1000)
		sent += tn_bucket_take(&b, t, 1048576 - sent);
	assert_true(t - 1000000 >= 8000000);
	assert_true(t - 1000000 <= 8500000);
	tn_bucket_init(&b, 0, t);                    /* unlimited */
	assert_int_equal(tn_bucket_take(&b, t, 1 << 30), 1 << 30);
	assert_int_equal(tn_bucket_wait(&b, t, 1 << 30), 0);
}

static void test_bucket_rate_change_keeps_tokens_capped(void **state)
{
	struct tn_bucket b;

	tn_bucket_init(&b, 100000, 0);               /* burst: 20 ms of 100 Mbit/s */
	assert_int_equal((int)b.burst, 250000);
	tn_bucket_set(&b, 1000, 0);
	assert_true(b.tokens <= b.burst && b.burst == 6000);
}

static void test_release_never_reorders(void **state)
{
	struct tn_linkdir d = {.delay_ms = 200, .jitter_ms = 50};
	uint64_t x = 7, last = 0, lo = UINT64_MAX, hi = 0;

	/* Chunks 1 ms apart: the jitter would reorder them, the clamp keeps them in order. */
	for (uint64_t t = 0; t < 1000000; t += 1000) {
		uint64_t r = tn_release_time(&d, t, last, &x);
		assert_true(r >= last);
		assert_true(r >= t + 150000 && r <= t + 250000);
		last = r;
	}
	/* Chunks far apart: uniform in [150, 250] ms. */
	for (uint64_t t = 10000000; t < 310000000; t += 300000) {
		uint64_t r = tn_release_time(&d, t, last, &x);
		lo = r - t < lo ? r - t : lo;
		hi = r - t > hi ? r - t : hi;
		last = r;
	}
	assert_true(lo >= 150000 && lo < 152000);
	assert_true(hi <= 250000 && hi > 248000);
	d = (struct tn_linkdir){.delay_ms = 100};
	assert_int_equal(tn_release_time(&d, 5000, 0, &x), 105000);
	assert_int_equal(tn_release_time(&d, 5000, 200000, &x), 200000);
}

static void test_loss_is_a_retransmission_delay(void **state)
{
	struct tn_linkdir d = {.delay_ms = 10, .loss_pct = 20};
	uint64_t x = 1;
	int held = 0, n = 10000;

	for (int i = 0; i < n; i++) {
		uint64_t r = tn_release_time(&d, 0, 0, &x);
		assert_true(r == 10000 || r >= 10000 + TN_RTO_US);
		held += r > 10000;
	}
	assert_true(held > n * 17 / 100 && held < n * 23 / 100);
}

static bool connected(const struct tn_edge *e, size_t m, int n)
{
	bool seen[TN_MAX_NODES] = {true};
	int count = 1;

	for (bool grew = true; grew;) {
		grew = false;
		for (size_t k = 0; k < m; k++)
			if (seen[e[k].from] != seen[e[k].to]) {
				seen[e[k].from] = seen[e[k].to] = true;
				count++;
				grew = true;
			}
	}
	return count == n;
}

static void test_random_topology_connected_and_reproducible(void **state)
{
	struct tn_edge e[2000], f[2000];
	size_t m, m2;

	for (unsigned long long seed = 0; seed < 50; seed++) {
		for (int n = 2; n <= 30; n += 7) {
			int deg[TN_MAX_NODES] = {0};
			m = tn_random_edges(n, 3, seed, e, 2000);
			assert_true(connected(e, m, n));
			for (size_t k = 0; k < m; k++) {
				assert_true(e[k].from > e[k].to);
				deg[e[k].from]++;
				deg[e[k].to]++;
			}
			for (int i = 0; i < n; i++)
				assert_true(deg[i] >= (n - 1 < 3 ? n - 1 : 3));
			m2 = tn_random_edges(n, 3, seed, f, 2000);
			assert_int_equal(m, m2);
			assert_memory_equal(e, f, m * sizeof(e[0]));
		}
	}
	m = tn_random_edges(20, 2, 1, e, 2000);
	m2 = tn_random_edges(20, 2, 2, f, 2000);
	assert_true(m != m2 || memcmp(e, f, m * sizeof(e[0])) != 0);
}

static void test_link_values_and_units(void **state)
{
	char err[400];
	long kbit;
	double loss;
	int ms;

	assert_int_equal(tn_parse_ms("delay", "200", &ms, err, sizeof(err)), 0);
	assert_int_equal(ms, 200);
	assert_int_equal(tn_parse_ms("delay", "2s", &ms, err, sizeof(err)), 0);
	assert_int_equal(ms, 2000);
	assert_int_equal(tn_parse_ms("delay", "200us", &ms, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'200us'"));
	assert_int_equal(tn_parse_ms("delay", "-5", &ms, err, sizeof(err)), -1);
	assert_int_equal(tn_parse_ms("delay", "99999999999999", &ms, err, sizeof(err)), -1);
	assert_int_equal(tn_parse_ms("delay", "", &ms, err, sizeof(err)), -1);
	assert_int_equal(tn_parse_kbit("10mbit", &kbit, err, sizeof(err)), 0);
	assert_int_equal(kbit, 10000);
	assert_int_equal(tn_parse_kbit("unlimited", &kbit, err, sizeof(err)), 0);
	assert_int_equal(kbit, 0);
	assert_int_equal(tn_parse_kbit("3", &kbit, err, sizeof(err)), -1);
	assert_int_equal(tn_parse_kbit("1e3", &kbit, err, sizeof(err)), -1);
	assert_int_equal(tn_parse_kbit("5tbit", &kbit, err, sizeof(err)), -1);
	assert_int_equal(tn_parse_loss("2.5%", &loss, err, sizeof(err)), 0);
	assert_true(loss == 2.5);
	assert_int_equal(tn_parse_loss("51", &loss, err, sizeof(err)), -1);
	assert_int_equal(tn_parse_loss("nan", &loss, err, sizeof(err)), -1);
	assert_int_equal(tn_parse_loss("-1", &loss, err, sizeof(err)), -1);
}

static void test_link_edges_parse(void **state)
{
	static struct tn_state s;
	struct tn_edge_sel e;
	char err[400];

	tn_state_init(&s, "/nonexistent");
	tn_state_layout(&s, 4, TN_LINE, 4, 2, 30000);
	assert_int_equal(tn_parse_edge(&s, "1-2", &e, err, sizeof(err)), 0);
	assert_true(tn_edge_sel_has(&s, &e, 1, 2) && tn_edge_sel_has(&s, &e, 2, 1));
	assert_int_equal(tn_parse_edge(&s, "2>1", &e, err, sizeof(err)), 0);
	assert_true(tn_edge_sel_has(&s, &e, 2, 1) && !tn_edge_sel_has(&s, &e, 1, 2));
	assert_int_equal(tn_parse_edge(&s, "all", &e, err, sizeof(err)), 0);
	assert_true(tn_edge_sel_has(&s, &e, 3, 2) && !tn_edge_sel_has(&s, &e, 0, 3));
	assert_int_equal(tn_parse_edge(&s, "0-2", &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not linked"));
	assert_int_equal(tn_parse_edge(&s, "0-9", &e, err, sizeof(err)), -1);
	assert_int_equal(tn_parse_edge(&s, "1-1", &e, err, sizeof(err)), -1);
	assert_int_equal(tn_parse_edge(&s, "1--2", &e, err, sizeof(err)), -1);
	assert_int_equal(tn_parse_edge(&s, "x", &e, err, sizeof(err)), -1);
	tn_state_release(&s);
}

static void test_state_keeps_links(void **state)
{
	static struct tn_state s, t;
	char dir[] = "/tmp/flint-tn-links-XXXXXX", err[700];

	assert_non_null(mkdtemp(dir));
	tn_state_init(&s, dir);
	tn_state_layout(&s, 5, TN_RANDOM, 5, 2, 30000);
	s.degree = 2;
	s.seed = 42;
	s.peer_timeout = 3;
	s.link_all.delay_ms = 30;
	*tn_state_link_set(&s, 1, 0) = (struct tn_linkdir){.delay_ms = 200, .jitter_ms = 20,
							   .bandwidth_kbit = 1000, .loss_pct = 1.5};
	tn_state_link_set(&s, 0, 1)->cut = true;
	tn_state_link_set(&s, 3, 2)->delay_ms = 0;   /* its own: a bare wire under link_all */
	assert_int_equal(tn_state_save(&s, err, sizeof(err)), 0);
	assert_int_equal(tn_state_load(&t, dir, err, sizeof(err)), 0);
	assert_int_equal(t.degree, 2);
	assert_true(t.seed == 42);
	assert_int_equal(t.peer_timeout, 3);
	assert_int_equal(tn_state_link(&t, 1, 0)->delay_ms, 200);
	assert_int_equal(tn_state_link(&t, 1, 0)->bandwidth_kbit, 1000);
	assert_true(tn_state_link(&t, 1, 0)->loss_pct == 1.5);
	assert_true(tn_state_link(&t, 0, 1)->cut && !tn_state_link(&t, 1, 0)->cut);
	assert_int_equal(tn_state_link(&t, 0, 1)->delay_ms, 30);
	assert_int_equal(tn_state_link(&t, 2, 1)->delay_ms, 30);
	assert_int_equal(tn_state_link(&t, 3, 2)->delay_ms, 0);
	assert_true(tn_state_cut(&t, 0, 1) && !tn_state_cut(&t, 1, 0));
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++)
			assert_int_equal(tn_state_linked(&s, i, j), tn_state_linked(&t, i, j));
	tn_state_release(&s);
	tn_state_release(&t);
	snprintf(err, sizeof(err), "%s/%s", dir, TN_STATE_FILE);
	unlink(err);
	rmdir(dir);
}

/* ---- the relay, on real sockets ---- */

struct relay_rig {
	struct event_base *base;
	struct tn_relay *r;
	pthread_t loop;
	int server, port;            /* the dialled side's listener, the relay's port */
};

static void *run_loop(void *arg)
{
	struct relay_rig *g = arg;

	event_base_loop(g->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static int listen_any(const char *ip, int *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	inet_pton(AF_INET, ip, &sin.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 8), 0);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A relay for the edge 1 -> 0 with the direction 1 > 0 shaped as d, its loop on a thread. */
static void rig_start(struct relay_rig *g, const struct tn_linkdir *d, const struct tn_linkdir *back)
{
	char err[256];
	int sport;

	evthread_use_pthreads();
	g->base = tn_relay_base_new();
	g->r = tn_relay_new(g->base);
	g->server = listen_any("127.0.0.1", &sport);
	g->port = tn_relay_listen(g->r, 0, "127.0.0.1", 0, "127.0.0.1", sport, err, sizeof(err));
	assert_true(g->port > 0);
	tn_relay_configure(g->r, 1, 0, d);
	tn_relay_configure(g->r, 0, 1, back);
	assert_int_equal(pthread_create(&g->loop, NULL, run_loop, g), 0);
}

static void rig_stop(struct relay_rig *g)
{
	event_base_loopbreak(g->base);
	pthread_join(g->loop, NULL);
	tn_relay_free(g->r);
	event_base_free(g->base);
	close(g->server);
}

static int dial_port(int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct sockaddr_in me = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* From node 1's address: the relay tells the dialler by it. */
	inet_pton(AF_INET, "127.0.0.11", &me.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&me, sizeof(me)), 0);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static double now_s(void)
{
	return (double)tn_mono_us() / 1e6;
}

struct writer {
	int fd;
	size_t len;
};

static void *write_all(void *arg)
{
	struct writer *w = arg;
	static char buf[65536];
	size_t sent = 0;

	memset(buf, 'x', sizeof(buf));
	while (sent < w->len) {
		size_t k = w->len - sent < sizeof(buf) ? w->len - sent : sizeof(buf);
		ssize_t r = write(w->fd, buf, k);
		if (r <= 0)
			break;
		sent += (size_t)r;
	}
	return NULL;
}

static void test_relay_binds_the_dialler_and_delays(void **state)
{
	struct tn_linkdir d = {.delay_ms = 100}, plain = {0};
	struct relay_rig g;
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	char ip[32], b = 0;
	double t0, t1;
	int c, s;

	rig_start(&g, &d, &plain);
	c = dial_port(g.port);
	s = accept(g.server, (struct sockaddr *)&peer, &len);
	assert_true(s >= 0);
	inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof(ip));
	assert_string_equal(ip, "127.0.0.11");       /* the peer sees the dialler's address */
	t0 = now_s();
	assert_int_equal(write(c, "a", 1), 1);
	assert_int_equal(read(s, &b, 1), 1);
	t1 = now_s();
	assert_true(t1 - t0 >= 0.099 && t1 - t0 < 0.150);
	t0 = now_s();
	assert_int_equal(write(s, "b", 1), 1);       /* the other direction is a bare wire */
	assert_int_equal(read(c, &b, 1), 1);
	assert_true(now_s() - t0 < 0.050 && b == 'b');
	close(c);
	assert_int_equal(read(s, &b, 1), 0);         /* a close passes through after the delay */
	close(s);
	rig_stop(&g);
}

static void test_relay_one_megabyte_over_one_megabit(void **state)
{
	struct tn_linkdir d = {.bandwidth_kbit = 1000}, plain = {0};
	static char buf[65536];
	struct relay_rig g;
	struct writer w;
	pthread_t tw;
	size_t got = 0;
	double t0, t;
	int s;

	rig_start(&g, &d, &plain);
	w.fd = dial_port(g.port);
	w.len = 1048576;
	s = accept(g.server, NULL, NULL);
	t0 = now_s();
	assert_int_equal(pthread_create(&tw, NULL, write_all, &w), 0);
	while (got < w.len) {
		ssize_t r = read(s, buf, sizeof(buf));
		assert_true(r > 0);
		got += (size_t)r;
	}
	t = now_s() - t0;
	pthread_join(tw, NULL);
	print_message("# 1 MiB over a 1 Mbit/s link: %.2f s\n", t);
	assert_true(t >= 8.0);
	assert_true(t < 12.0);                       /* shaped, not stalled (a loaded machine is slower) */
	close(w.fd);
	close(s);
	rig_stop(&g);
}

static void test_relay_cut_dial_exchanges_nothing(void **state)
{
	struct tn_linkdir cut = {.cut = true};
	struct pollfd p;
	struct relay_rig g;
	int c;

	rig_start(&g, &cut, &cut);
	c = dial_port(g.port);                       /* the relay accepts ... */
	assert_int_equal(write(c, "version", 7), 7);
	p = (struct pollfd){.fd = g.server, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 300), 0);       /* ... and never dials on */
	p = (struct pollfd){.fd = c, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 100), 0);       /* no byte, no FIN, no RST */
	close(c);
	rig_stop(&g);
}

/* Descriptors this process has open. */
static int open_fds(void)
{
	char path[64];
	int n = 0;

	for (int fd = 0; fd < 65536; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (access(path, F_OK) == 0)
			n++;
	}
	return n;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Out of descriptors, the relay pauses accepting instead of spinning on a
 * failing accept() (which used a core and logged gigabytes at 1,000
 * nodes), and accepts the waiting dial once descriptors are free again.
 */
static void test_relay_pauses_when_out_of_descriptors(void **state)
{
	struct tn_linkdir plain = {0};
	struct rlimit old, low;
	struct relay_rig g;
	struct pollfd p;
	static int fill[256];
	int n = 0, c, s;
	double c0, w0;

	rig_start(&g, &plain, &plain);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)open_fds() + 16;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (n < 256 && (fill[n] = open("/dev/null", O_RDONLY)) >= 0)
		n++;
	assert_true(n > 1 && n < 256);
	close(fill[--n]);
	c = dial_port(g.port);                       /* the kernel queues it; accept() fails */
	c0 = cpu_s();
	w0 = now_s();
	p = (struct pollfd){.fd = g.server, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 500), 0);       /* not carried while out of descriptors */
	print_message("# out of descriptors: %.3f s of CPU in %.3f s\n", cpu_s() - c0,
		      now_s() - w0);
	assert_true(cpu_s() - c0 < 0.2);             /* a spinning loop would take it all */
	while (n > 0)
		close(fill[--n]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(poll(&p, 1, 5000), 1);      /* then accepted and dialled on */
	s = accept(g.server, NULL, NULL);
	assert_true(s >= 0);
	close(s);
	close(c);
	rig_stop(&g);
}

/* Byte i of a stream is i % 251, so a reordered, lost or repeated byte shows. */
static void *write_pattern(void *arg)
{
	struct writer *w = arg;
	static unsigned char buf[65536];
	size_t sent = 0;

	while (sent < w->len) {
		size_t k = w->len - sent < sizeof(buf) ? w->len - sent : sizeof(buf);
		ssize_t r;
		for (size_t i = 0; i < k; i++)
			buf[i] = (unsigned char)((sent + i) % 251);
		r = write(w->fd, buf, k);
		if (r <= 0)
			break;
		sent += (size_t)r;
	}
	return NULL;
}

struct relay_change {
	struct relay_rig *g;
	struct tn_linkdir d;
	int done;
};

/* Runs on the relay's loop thread: the relay is not shared between threads. */
static void apply_change(evutil_socket_t fd, short what, void *arg)
{
	struct relay_change *ch = arg;

	tn_relay_configure(ch->g->r, 1, 0, &ch->d);
	__atomic_store_n(&ch->done, 1, __ATOMIC_RELEASE);
}

static void relay_change(struct relay_rig *g, const struct tn_linkdir *d)
{
	struct relay_change ch = {.g = g, .d = *d};
	struct pollfd none = {.fd = -1};

	assert_int_equal(event_base_once(g->base, -1, EV_TIMEOUT, apply_change, &ch, NULL), 0);
	while (!__atomic_load_n(&ch.done, __ATOMIC_ACQUIRE))
		poll(&none, 0, 1);
}

/* Reads from s until got reaches upto (or s is quiet for quiet_ms), checking the pattern. */
static size_t read_pattern(int s, size_t got, size_t upto, int quiet_ms)
{
	static unsigned char buf[65536];

	while (got < upto) {
		struct pollfd p = {.fd = s, .events = POLLIN};
		ssize_t r;
		if (quiet_ms && poll(&p, 1, quiet_ms) == 0)
			break;
		r = read(s, buf, sizeof(buf) < upto - got ? sizeof(buf) : upto - got);
		assert_true(r > 0);
		for (ssize_t i = 0; i < r; i++)
			assert_int_equal(buf[i], (got + (size_t)i) % 251);
		got += (size_t)r;
	}
	return got;
}

/*
 * A bare link spliced kernel to kernel, then shaped, bare again, cut and up
 * again in the middle of one stream: every byte arrives once, in order.
 */
static void test_relay_keeps_order_across_link_changes(void **state)
{
	struct tn_linkdir plain = {0}, shaped = {.delay_ms = 5, .jitter_ms = 3, .bandwidth_kbit = 200000};
	struct tn_linkdir cut = {.cut = true};
	struct relay_rig g;
	struct writer w;
	pthread_t tw;
	size_t got, held;
	int s;

	rig_start(&g, &plain, &plain);
	w.fd = dial_port(g.port);
	w.len = 48u << 20;
	s = accept(g.server, NULL, NULL);
	assert_int_equal(pthread_create(&tw, NULL, write_pattern, &w), 0);
	got = read_pattern(s, 0, 8u << 20, 0);
	relay_change(&g, &shaped);
	got = read_pattern(s, got, 16u << 20, 0);
	relay_change(&g, &plain);
	got = read_pattern(s, got, 24u << 20, 0);
	relay_change(&g, &cut);
	held = read_pattern(s, got, w.len, 300);     /* what was on its way, then nothing */
	assert_true(held < w.len);
	relay_change(&g, &plain);
	got = read_pattern(s, held, w.len, 0);
	assert_int_equal(got, w.len);
	pthread_join(tw, NULL);
	close(w.fd);
	close(s);
	rig_stop(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topology_edges_per_shape),
		cmocka_unit_test(test_topology_edges_dial_downwards),
		cmocka_unit_test(test_topology_names),
		cmocka_unit_test(test_partition_parse_groups),
		cmocka_unit_test(test_partition_parse_refuses_bad_input),
		cmocka_unit_test(test_state_round_trip),
		cmocka_unit_test(test_state_refuses_damaged_files),
		cmocka_unit_test(test_log_time_has_milliseconds),
		cmocka_unit_test(test_log_parse_tip_lines_only),
		cmocka_unit_test(test_percentile_interpolates),
		cmocka_unit_test(test_sli_propagation_and_stale),
		cmocka_unit_test(test_sli_leaves_out_faults_and_laggards),
		cmocka_unit_test(test_converge_time_after_heal),
		cmocka_unit_test(test_converge_time_counts_every_node),
		cmocka_unit_test(test_attack_blocks_break_one_rule),
		cmocka_unit_test(test_attack_blocks_are_otherwise_valid),
		cmocka_unit_test(test_attack_names),
		cmocka_unit_test(test_bucket_paces_to_its_rate),
		cmocka_unit_test(test_bucket_rate_change_keeps_tokens_capped),
		cmocka_unit_test(test_release_never_reorders),
		cmocka_unit_test(test_loss_is_a_retransmission_delay),
		cmocka_unit_test(test_random_topology_connected_and_reproducible),
		cmocka_unit_test(test_random_topology_at_scale),
		cmocka_unit_test(test_node_addresses),
		cmocka_unit_test(test_link_values_and_units),
		cmocka_unit_test(test_link_edges_parse),
		cmocka_unit_test(test_state_keeps_links),
		cmocka_unit_test(test_relay_binds_the_dialler_and_delays),
		cmocka_unit_test(test_relay_one_megabyte_over_one_megabit),
		cmocka_unit_test(test_relay_keeps_order_across_link_changes),
		cmocka_unit_test(test_relay_cut_dial_exchanges_nothing),
		cmocka_unit_test(test_relay_pauses_when_out_of_descriptors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
