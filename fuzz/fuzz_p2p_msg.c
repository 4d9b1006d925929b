/*
 * libFuzzer target for P2P message payloads. The input is a sequence of
 * messages, each a command byte (an index into Flint's commands), a
 * 16-bit little-endian length and that many payload bytes. Every payload
 * goes through the decoder of its command (p2p/protocol.c), and whatever
 * decodes must encode back to bytes that decode to the same value; then
 * the messages are handed, in order, to the real handlers (p2p/handlers.c)
 * for one handshaked inbound peer on a socket pair, over a small chain of
 * stand-in answers, so that the handlers' own bounds (pre-sync, getdata
 * queue, misbehaviour) run on hostile input too. Built by `make fuzz`
 * with the consensus, util and p2p sources, under ASan and UBSan.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "consensus/params.h"
#include "p2p/peer.h"
#include "p2p/protocol.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const commands[] = {
	"version", "verack", "ping", "pong", "sendheaders", "getheaders", "headers", "inv",
	"getdata", "notfound", "block", "tx", "mempool", "getaddr", "addr", "junk",
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cons_params *P;
static struct event_base *base;
static struct p2p_net *net;

static void check_inv(const uint8_t *d, size_t len)
{
	struct p2p_inv *a, *b;
	size_t n, m;
	struct cons_writer w;

	if (p2p_inv_read(&a, &n, d, len) < 0)
		return;
	cons_writer_init(&w);
	p2p_inv_write(&w, a, n);
	if (!w.oom && (p2p_inv_read(&b, &m, w.data, w.len) < 0 || m != n ||
		       (n && memcmp(a, b, n * sizeof(*a)) != 0)))
		abort();
	if (!w.oom)
		free(b);
	cons_writer_release(&w);
	free(a);
}

static void check_headers(const uint8_t *d, size_t len)
{
	struct cons_header *a, *b;
	size_t n, m;
	struct cons_writer w;

	if (p2p_headers_read(&a, &n, d, len) < 0)
		return;
	if (n > P2P_MAX_HEADERS)
		abort();
	cons_writer_init(&w);
	p2p_headers_write(&w, a, n);
	if (!w.oom && (p2p_headers_read(&b, &m, w.data, w.len) < 0 || m != n ||
		       (n && memcmp(a, b, n * sizeof(*a)) != 0)))
		abort();
	if (!w.oom)
		free(b);
	cons_writer_release(&w);
	free(a);
}

static void check_getheaders(const uint8_t *d, size_t len)
{
	static struct p2p_getheaders a, b;
	struct cons_writer w;

	if (p2p_getheaders_read(&a, d, len) < 0)
		return;
	if (a.n > P2P_MAX_LOCATOR)
		abort();
	cons_writer_init(&w);
	p2p_getheaders_write(&w, &a);
	if (!w.oom && (p2p_getheaders_read(&b, w.data, w.len) < 0 || b.n != a.n ||
		       b.version != a.version || memcmp(b.stop, a.stop, 32) != 0 ||
		       memcmp(b.locator, a.locator, a.n * 32) != 0))
		abort();
	cons_writer_release(&w);
}

static void check_addr(const uint8_t *d, size_t len)
{
	struct p2p_addr_entry *a, *b;
	size_t n, m;
	struct cons_writer w;

	if (p2p_addr_read(&a, &n, d, len) < 0)
		return;
	if (n > P2P_MAX_ADDR)
		abort();
	cons_writer_init(&w);
	p2p_addr_write(&w, a, n);
	if (!w.oom && (p2p_addr_read(&b, &m, w.data, w.len) < 0 || m != n))
		abort();
	for (size_t i = 0; !w.oom && i < n; i++)
		if (b[i].time != a[i].time || b[i].addr.port != a[i].addr.port ||
		    memcmp(b[i].addr.ip, a[i].addr.ip, 16) != 0)
			abort();
	if (!w.oom)
		free(b);
	cons_writer_release(&w);
	free(a);
}

static void check_version(const uint8_t *d, size_t len)
{
	struct p2p_version a, b;
	struct cons_writer w;

	if (p2p_version_read(&a, d, len) < 0)
		return;
	if (strlen(a.user_agent) > P2P_MAX_UA)
		abort();
	cons_writer_init(&w);
	p2p_version_write(&w, &a);
	if (!w.oom && (p2p_version_read(&b, w.data, w.len) < 0 || b.version != a.version ||
		       b.nonce != a.nonce || strcmp(b.user_agent, a.user_agent) != 0 ||
		       b.start_height != a.start_height))
		abort();
	cons_writer_release(&w);
}

/* The decoders of every payload layout, each on the payload as if it were its own. */
static void check_decoders(const uint8_t *d, size_t len)
{
	uint64_t nonce;

	check_inv(d, len);
	check_headers(d, len);
	check_getheaders(d, len);
	check_addr(d, len);
	check_version(d, len);
	if (p2p_nonce_read(&nonce, d, len) == 0 && len < 8)
		abort();
}

/* ---- stand-in chain answers: a few outcomes chosen by the bytes asked about ---- */

static int64_t tip_height(void *ctx)
{
	return 5;
}

static size_t locator(void *ctx, const uint8_t *from, uint8_t (*hashes)[32])
{
	memset(hashes[0], 0, 32);
	return 1;
}

static size_t headers_after(void *ctx, const struct p2p_getheaders *g, struct cons_header *out,
			    size_t max)
{
	size_t n = g->n < max ? g->n : max;

	memset(out, 0, n * sizeof(*out));
	return n;
}

static enum cons_verdict check_hdrs(void *ctx, const struct cons_header *h, size_t n, size_t skip,
				    size_t *n_ok, bool *enough, struct cons_state *st)
{
	*n_ok = n && (h[0].nonce & 4) ? n - 1 : n;
	*enough = n && (h[n - 1].nonce & 1);
	if (*n_ok < n)
		return cons_state_invalid(st, (h[0].nonce & 8) ? CONS_REJ_HIGH_HASH : CONS_REJ_TIME_TOO_NEW,
					  "%s", "");
	return CONS_VALID;
}

static enum cons_verdict accept_header(void *ctx, const struct cons_header *h,
				       struct cons_state *st)
{
	if (h->nonce & 2)
		return cons_state_invalid(st, CONS_REJ_PREV_MISSING, "%s", "");
	return CONS_VALID;
}

static enum cons_verdict accept_block(void *ctx, struct cons_block *b, bool *new_tip,
				      struct cons_state *st)
{
	bool odd = b->hdr.nonce & 1;

	*new_tip = !odd;
	cons_block_release(b);
	return odd ? cons_state_invalid(st, CONS_REJ_PREV_MISSING, "%s", "") : CONS_VALID;
}

static int block_status(void *ctx, const uint8_t hash[32])
{
	return (int)(hash[0] % 4) - 1;
}

static bool is_ancestor(void *ctx, const uint8_t anc[32], const uint8_t desc[32])
{
	return anc[0] & 1;
}

static size_t missing_blocks(void *ctx, const uint8_t best[32], uint8_t (*out)[32], size_t max)
{
	size_t n = best[0] % 4 < max ? best[0] % 4 : max;

	for (size_t i = 0; i < n; i++) {
		memcpy(out[i], best, 32);
		out[i][1] = (uint8_t)i;
	}
	return n;
}

static int read_item(void *ctx, const uint8_t hash[32], uint8_t **raw, size_t *len)
{
	if (hash[0] & 1)
		return -1;
	*len = 1000u * hash[1];
	*raw = calloc(1, *len + 1);
	return *raw ? 0 : -1;
}

static enum cons_verdict accept_tx(void *ctx, const struct cons_tx *tx, struct cons_state *st)
{
	if (tx->txid[0] & 1)
		return cons_state_invalid(st, CONS_REJ_TX_MISSING_INPUTS, "%s", "");
	return CONS_VALID;
}

static bool have_tx(void *ctx, const uint8_t txid[32])
{
	return txid[0] & 1;
}

static size_t mempool_txids(void *ctx, uint8_t (*out)[32], size_t max)
{
	memset(out[0], 7, 32);
	return 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct p2p_chain ch = {
		.tip_height = tip_height, .locator = locator, .headers_after = headers_after,
		.check_headers = check_hdrs, .accept_header = accept_header,
		.accept_block = accept_block, .block_status = block_status,
		.is_ancestor = is_ancestor, .missing_blocks = missing_blocks,
		.read_block = read_item, .accept_tx = accept_tx, .have_tx = have_tx,
		.read_tx = read_item, .mempool_txids = mempool_txids,
	};
	struct p2p_options o;
	char err[256] = "";

	signal(SIGPIPE, SIG_IGN);           /* as flintd: a closed socket is an error, not death */
	P = cons_params_by_name("regtest");
	base = event_base_new();
	if (!P || !base)
		abort();
	p2p_options_default(&o, P);
	o.listen = false;
	o.max_outbound = 0;
	o.max_send_buffer = 64 * 1000;     /* small, so the getdata queue fills */
	net = p2p_net_new(base, P, &o, &ch, err, sizeof(err));
	if (!net)
		abort();
	return 0;
}

/* Runs the messages through one fresh handshaked peer, then lets the loop reap it. */
static void run_handlers(const uint8_t *data, size_t size)
{
	int sv[2];
	struct peer *p;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		abort();
	p = p2p_peer_adopt(net, sv[0]);
	if (!p)
		abort();
	p->got_version = p->got_verack = p->handshaked = true;
	while (size >= 3 && !p->closing) {
		const char *cmd = commands[data[0] % N_COMMANDS];
		size_t len = (size_t)data[1] | (size_t)data[2] << 8;
		if (len > size - 3)
			len = size - 3;
		p2p_handle(p, cmd, data + 3, len);
		if (p->getdata && !p->closing)
			p2p_serve_getdata(p);  /* as if the peer read: drain and serve again */
		evbuffer_drain(bufferevent_get_output(p->bev), (size_t)-1);
		data += 3 + len;
		size -= 3 + len;
	}
	if (!p->closing)
		p2p_disconnect(p, "done");
	evbuffer_drain(bufferevent_get_output(p->bev), (size_t)-1);
	event_base_loop(base, EVLOOP_NONBLOCK);
	p2p_net_clear_bans(net);
	close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *d = data;
	size_t left = size;

	while (left >= 3) {
		size_t len = (size_t)d[1] | (size_t)d[2] << 8;
		if (len > left - 3)
			len = left - 3;
		check_decoders(d + 3, len);
		d += 3 + len;
		left -= 3 + len;
	}
	run_handlers(data, size);
	return 0;
}
