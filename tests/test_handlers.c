/*
 * Tests for p2p/handlers.c driven without sockets: the handlers reach the
 * wire only through struct p2p_peer_ops, which tests/support/fakenet
 * replaces with one that records what they sent, whom they dropped and
 * what they scored. The handshake in both directions, ping and pong,
 * getheaders answered from the chain, malformed and early messages scored
 * as misbehaviour, addr bounded by its size limit and rate bucket, and
 * getdata waiting on a full send buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/support/fakenet.h"

static int setup(void **state)
{
	*state = fakenet_new();
	return 0;
}

static int teardown(void **state)
{
	fakenet_free(*state);
	return 0;
}

/* The payload of a version message from a peer with nonce. */
static void version_bytes(struct cons_writer *w, uint64_t nonce, int32_t version)
{
	struct p2p_version v;

	memset(&v, 0, sizeof(v));
	v.version = version;
	v.services = P2P_NODE_NETWORK;
	v.timestamp = time(NULL);
	v.nonce = nonce;
	strcpy(v.user_agent, "/test:1/");
	v.start_height = 3;
	v.relay = true;
	cons_writer_init(w);
	p2p_version_write(w, &v);
}

static void handle_version(struct peer *p, uint64_t nonce, int32_t version)
{
	struct cons_writer w;

	version_bytes(&w, nonce, version);
	p2p_handle(p, "version", w.data, w.len);
	cons_writer_release(&w);
}

static void test_handshake_inbound(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.2", true);
	int v, va;

	handle_version(p, 77, P2P_PROTOCOL_VERSION);
	assert_true(p->got_version);
	assert_false(p->handshaked);
	assert_string_equal(p->ver.user_agent, "/test:1/");
	/* An inbound peer spoke first: we answer with our version, then verack it. */
	v = fakenet_find(f, p, "version", 0);
	va = fakenet_find(f, p, "verack", 0);
	assert_true(v >= 0);
	assert_true(va > v);
	fakenet_clear(f);
	p2p_handle(p, "verack", NULL, 0);
	assert_true(p->handshaked);
	assert_int_equal(fakenet_count(f, p, "sendheaders"), 1);
	assert_int_equal(fakenet_count(f, p, "getheaders"), 1);
	/* Only outbound peers are asked for addresses. */
	assert_int_equal(fakenet_count(f, p, "getaddr"), 0);
	assert_int_equal(f->n_misbehave, 0);
}

static void test_handshake_outbound(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.3", false);

	handle_version(p, 78, P2P_PROTOCOL_VERSION);
	/* We dialled and sent ours already: only the verack goes back. */
	assert_int_equal(fakenet_count(f, p, "version"), 0);
	assert_int_equal(fakenet_count(f, p, "verack"), 1);
	p2p_handle(p, "verack", NULL, 0);
	assert_true(p->handshaked);
	assert_int_equal(fakenet_count(f, p, "getaddr"), 1);
	assert_true(p->getaddr_sent);
}

static void test_version_duplicate_scored(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.2", true);

	handle_version(p, 77, P2P_PROTOCOL_VERSION);
	assert_int_equal(p->score, 0);
	handle_version(p, 77, P2P_PROTOCOL_VERSION);
	assert_int_equal(p->score, 1);
	assert_string_equal(f->misbehave_reason, "duplicate version");
	assert_int_equal(fakenet_count(f, p, "verack"), 1);
}

static void test_version_malformed_bans(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.2", true);
	const uint8_t junk[5] = {1, 2, 3, 4, 5};

	p2p_handle(p, "version", junk, sizeof(junk));
	assert_int_equal(p->score, f->n->o.ban_threshold);
	assert_true(p->closing);
	assert_false(p->got_version);
	assert_int_equal(f->n_sent, 0);
}

static void test_version_too_old_dropped(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.2", true);

	handle_version(p, 77, P2P_MIN_VERSION - 1);
	assert_true(p->closing);
	assert_string_equal(f->disconnect_reason, "protocol version too old");
	assert_int_equal(fakenet_count(f, p, "verack"), 0);
	assert_int_equal(p->score, 0);
}

/* Our own nonce coming back: both ends of a connection to ourselves go. */
static void test_version_own_nonce_dropped(void **state)
{
	struct fakenet *f = *state;
	struct peer *out = fakenet_peer(f, "127.0.0.4", false);
	struct peer *in = fakenet_peer(f, "127.0.0.4", true);

	handle_version(in, out->nonce, P2P_PROTOCOL_VERSION);
	assert_true(in->closing);
	assert_true(out->closing);
	assert_int_equal(f->n->n_self, 1);
	assert_int_equal(fakenet_count(f, in, "verack"), 0);
}

static void test_message_before_handshake_scored(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.2", true);
	const uint8_t nonce[8] = {1};

	p2p_handle(p, "ping", nonce, sizeof(nonce));
	assert_int_equal(p->score, 10);
	assert_string_equal(f->misbehave_reason, "message before handshake");
	assert_int_equal(fakenet_count(f, p, "pong"), 0);
}

static void test_ping_answered_with_pong(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.2", true);
	const uint8_t nonce[8] = {9, 8, 7, 6, 5, 4, 3, 2};
	int i;

	fakenet_handshake(p);
	p2p_handle(p, "ping", nonce, sizeof(nonce));
	i = fakenet_find(f, p, "pong", 0);
	assert_true(i >= 0);
	assert_int_equal(f->sent[i].len, 8);
	assert_memory_equal(f->sent[i].payload, nonce, 8);
	assert_int_equal(p->score, 0);
}

static void test_ping_malformed_scored(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.2", true);
	const uint8_t nonce[3] = {1, 2, 3};

	fakenet_handshake(p);
	p2p_handle(p, "ping", nonce, sizeof(nonce));
	assert_int_equal(p->score, 10);
	assert_int_equal(fakenet_count(f, p, "pong"), 0);
}

static void test_pong_times_the_ping(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.2", true);
	uint8_t b[8] = {0x35, 0x12};

	fakenet_handshake(p);
	p->ping_nonce = 0x1235;
	p->ping_sent_us = p2p_mono_us() - 5000;
	b[0] = 0x36;                        /* not ours: ignored */
	p2p_handle(p, "pong", b, 8);
	assert_int_equal(p->ping_nonce, 0x1235);
	assert_int_equal(p->ping_usec, -1);
	b[0] = 0x35;
	p2p_handle(p, "pong", b, 8);
	assert_int_equal(p->ping_nonce, 0);
	assert_true(p->ping_usec >= 5000);
}

static void test_getheaders_answered(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.2", true);
	struct p2p_getheaders *g = calloc(1, sizeof(*g));
	struct cons_header *h;
	struct cons_writer w;
	size_t n;
	int i;

	fakenet_handshake(p);
	for (int k = 0; k < 3; k++)
		f->headers[k].nonce = 100 + (uint32_t)k;
	f->n_headers = 3;
	g->version = P2P_PROTOCOL_VERSION;
	g->n = 2;
	memset(g->locator[0], 0xaa, 32);
	memset(g->locator[1], 0xbb, 32);
	cons_writer_init(&w);
	p2p_getheaders_write(&w, g);
	p2p_handle(p, "getheaders", w.data, w.len);
	cons_writer_release(&w);
	/* The chain saw the peer's locator, and its answer went back whole. */
	assert_int_equal(f->last_getheaders.n, 2);
	assert_memory_equal(f->last_getheaders.locator[1], g->locator[1], 32);
	i = fakenet_find(f, p, "headers", 0);
	assert_true(i >= 0);
	assert_int_equal(p2p_headers_read(&h, &n, f->sent[i].payload, f->sent[i].len), 0);
	assert_int_equal(n, 3);
	assert_int_equal(h[2].nonce, 102);
	free(h);
	free(g);
}

static void test_headers_malformed_bans(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.2", true);
	const uint8_t junk[] = {0xfd, 0xff, 0xff, 1, 2};

	fakenet_handshake(p);
	p2p_handle(p, "headers", junk, sizeof(junk));
	assert_int_equal(p->score, f->n->o.ban_threshold);
	assert_true(p->closing);
	assert_string_equal(f->disconnect_reason, "banned");
}

/* Headers connecting to nothing: every tenth such message in a row costs 20. */
static void test_headers_unconnecting_scored(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.2", true);
	struct cons_header h;
	struct cons_writer w;

	fakenet_handshake(p);
	f->block_status = 0;                /* nothing known */
	memset(&h, 0, sizeof(h));
	h.prev[0] = 1;
	cons_writer_init(&w);
	p2p_headers_write(&w, &h, 1);
	for (int i = 0; i < P2P_MAX_UNCONNECTING - 1; i++)
		p2p_handle(p, "headers", w.data, w.len);
	assert_int_equal(p->score, 0);
	assert_int_equal(fakenet_count(f, p, "getheaders"), P2P_MAX_UNCONNECTING - 1);
	p2p_handle(p, "headers", w.data, w.len);
	assert_int_equal(p->score, 20);
	cons_writer_release(&w);
}

static void test_unknown_command_ignored(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.2", true);
	const uint8_t d[4] = {1, 2, 3, 4};

	fakenet_handshake(p);
	p2p_handle(p, "wtfisthis", d, sizeof(d));
	assert_int_equal(p->score, 0);
	assert_int_equal(f->n_sent, 0);
	assert_false(p->closing);
}

static void addr_bytes(struct cons_writer *w, size_t n, uint32_t base_ip)
{
	struct p2p_addr_entry *a = calloc(n, sizeof(*a));

	assert_non_null(a);
	for (size_t i = 0; i < n; i++) {
		a[i].time = (uint32_t)time(NULL) - 60;
		p2p_netaddr_ipv4(&a[i].addr, base_ip + (uint32_t)i, 8333);
		a[i].addr.services = P2P_NODE_NETWORK;
	}
	cons_writer_init(w);
	p2p_addr_write(w, a, n);
	free(a);
}

static void test_addr_oversized_scored(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.2", true);
	struct cons_writer w;

	fakenet_handshake(p);
	addr_bytes(&w, P2P_MAX_ADDR + 1, 0x01020300);
	p2p_handle(p, "addr", w.data, w.len);
	cons_writer_release(&w);
	assert_int_equal(p->score, 20);
	assert_int_equal(p2p_addrman_count(f->n->addrs), 0);
}

/* Unasked, a peer's addresses go into the book at its bucket's rate: one now. */
static void test_addr_unasked_rate_limited(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.2", true);
	struct cons_writer w;

	fakenet_handshake(p);
	addr_bytes(&w, 500, 0x05060700);
	p2p_handle(p, "addr", w.data, w.len);
	cons_writer_release(&w);
	assert_int_equal(p->score, 0);
	assert_int_equal(p2p_addrman_count(f->n->addrs), 1);
}

/* The answer to our getaddr may fill the book up to its size limit. */
static void test_addr_answer_taken(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.3", false);
	struct cons_writer w;

	handle_version(p, 5, P2P_PROTOCOL_VERSION);
	p2p_handle(p, "verack", NULL, 0);
	assert_true(p->getaddr_sent);
	addr_bytes(&w, 200, 0x05060700);
	p2p_handle(p, "addr", w.data, w.len);
	assert_true(p2p_addrman_count(f->n->addrs) > 100);
	assert_false(p->getaddr_sent);
	cons_writer_release(&w);
}

static void test_getaddr_answered_once_to_inbound(void **state)
{
	struct fakenet *f = *state;
	struct peer *in = fakenet_peer(f, "127.0.0.2", true);
	struct peer *out = fakenet_peer(f, "127.0.0.3", false);

	fakenet_handshake(in);
	fakenet_handshake(out);
	p2p_handle(in, "getaddr", NULL, 0);
	p2p_handle(in, "getaddr", NULL, 0);
	p2p_handle(out, "getaddr", NULL, 0);
	assert_int_equal(fakenet_count(f, in, "addr"), 1);
	assert_int_equal(fakenet_count(f, out, "addr"), 0);
}

static void getdata_bytes(struct cons_writer *w, const uint8_t *firsts, size_t n)
{
	struct p2p_inv inv[8];

	memset(inv, 0, sizeof(inv));
	for (size_t i = 0; i < n; i++) {
		inv[i].type = P2P_INV_BLOCK;
		inv[i].hash[0] = firsts[i];
	}
	cons_writer_init(w);
	p2p_inv_write(w, inv, n);
}

/* A getdata is served while the send buffer has room; the rest waits, and a notfound follows. */
static void test_getdata_waits_on_full_buffer(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.2", true);
	const uint8_t items[4] = {1, 2, 3, 4};
	struct cons_writer w;

	fakenet_handshake(p);
	f->have_block[1] = f->have_block[2] = f->have_block[4] = true;
	f->full_after = 1;
	getdata_bytes(&w, items, 4);
	p2p_handle(p, "getdata", w.data, w.len);
	cons_writer_release(&w);
	assert_int_equal(fakenet_count(f, p, "block"), 1);
	assert_non_null(p->getdata);
	f->full_after = -1;                  /* it read */
	p2p_serve_getdata(p);
	assert_int_equal(fakenet_count(f, p, "block"), 3);
	assert_int_equal(fakenet_count(f, p, "notfound"), 1);
	assert_null(p->getdata);
}

static void test_inv_unknown_block_asks_headers(void **state)
{
	struct fakenet *f = *state;
	struct peer *p = fakenet_peer(f, "127.0.0.2", true);
	const uint8_t items[1] = {9};
	struct cons_writer w;
	struct p2p_getheaders g;
	int i;

	fakenet_handshake(p);
	f->block_status = 0;
	getdata_bytes(&w, items, 1);
	p2p_handle(p, "inv", w.data, w.len);
	cons_writer_release(&w);
	i = fakenet_find(f, p, "getheaders", 0);
	assert_true(i >= 0);
	assert_int_equal(p2p_getheaders_read(&g, f->sent[i].payload, f->sent[i].len), 0);
	assert_int_equal(g.stop[0], 9);      /* up to the announced block */
	f->block_status = 2;                 /* known: nothing asked */
	fakenet_clear(f);
	getdata_bytes(&w, items, 1);
	p2p_handle(p, "inv", w.data, w.len);
	cons_writer_release(&w);
	assert_int_equal(fakenet_count(f, p, "getheaders"), 0);
}

/* A transaction of one input and one output, both scripts empty. */
static const uint8_t tiny_tx[] = {
	1, 0, 0, 0, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0x10, 0x27, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static void test_tx_relayed_or_scored(void **state)
{
	struct fakenet *f = *state;
	struct peer *from = fakenet_peer(f, "127.0.0.2", true);
	struct peer *other = fakenet_peer(f, "127.0.0.3", true);

	fakenet_handshake(from);
	fakenet_handshake(other);
	p2p_handle(from, "tx", tiny_tx, sizeof(tiny_tx));
	assert_int_equal(f->n_accept_tx, 1);
	assert_int_equal(fakenet_count(f, other, "inv"), 1);
	assert_int_equal(fakenet_count(f, from, "inv"), 0);   /* not back to its sender */
	f->tx_verdict = CONS_INVALID;
	f->tx_code = CONS_REJ_NONE;          /* local policy: no one's fault */
	p2p_handle(from, "tx", tiny_tx, sizeof(tiny_tx));
	assert_int_equal(from->score, 0);
	f->tx_code = CONS_REJ_TX_MISSING_INPUTS;   /* it may be a block ahead of us */
	p2p_handle(from, "tx", tiny_tx, sizeof(tiny_tx));
	assert_int_equal(from->score, 0);
	f->tx_code = CONS_REJ_TX_BAD_SIG;
	p2p_handle(from, "tx", tiny_tx, sizeof(tiny_tx));
	assert_int_equal(from->score, f->n->o.ban_threshold);
	p2p_handle(other, "tx", tiny_tx, 10);
	assert_int_equal(other->score, f->n->o.ban_threshold);
	assert_string_equal(f->misbehave_reason, "malformed tx");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake_inbound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_outbound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_duplicate_scored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_malformed_bans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_too_old_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_own_nonce_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_before_handshake_scored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ping_answered_with_pong, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ping_malformed_scored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pong_times_the_ping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getheaders_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_headers_malformed_bans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_headers_unconnecting_scored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_command_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addr_oversized_scored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addr_unasked_rate_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addr_answer_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getaddr_answered_once_to_inbound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getdata_waits_on_full_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inv_unknown_block_asks_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_relayed_or_scored, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
