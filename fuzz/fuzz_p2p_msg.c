/*
 * libFuzzer target for P2P message payloads. The input is a sequence of
 * messages, each a command byte (an index into Flint's commands), a
 * 16-bit little-endian length and that many payload bytes. Every payload
 * goes through the decoder of each payload layout (p2p/protocol.c, one
 * table), and whatever decodes must encode back to bytes that decode to the
 * same value; then
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

/*
 * A decoded payload of any layout: the list ones (inv, headers, addr) in a
 * malloc'd array of n items, the others in their own member.
 */
struct value {
	void *items;
	size_t n;
	struct p2p_getheaders gh;
	struct p2p_version ver;
	uint64_t nonce;
};

/*
 * One payload layout: its decoder and encoder, the decoder's own bound (bad
 * is true if a decoded value breaks it) and what "decodes to the same value"
 * means. A layout without an encoder is only decoded and bounded.
 */
struct layout {
	int (*read)(struct value *v, const uint8_t *d, size_t len);
	void (*write)(struct cons_writer *w, const struct value *v);
	bool (*bad)(const struct value *v, size_t len);
	bool (*same)(const struct value *a, const struct value *b);
};

/* The decoders and encoders of the list layouts, on struct value. */
#define LIST_CODEC(name, type)                                                         \
	static int read_##name(struct value *v, const uint8_t *d, size_t len)          \
	{                                                                              \
		type *items = NULL;                                                    \
		int rc = p2p_##name##_read(&items, &v->n, d, len);                     \
		v->items = items;                                                      \
		return rc;                                                             \
	}                                                                              \
	static void write_##name(struct cons_writer *w, const struct value *v)         \
	{                                                                              \
		p2p_##name##_write(w, v->items, v->n);                                 \
	}
LIST_CODEC(inv, struct p2p_inv)
LIST_CODEC(headers, struct cons_header)
LIST_CODEC(addr, struct p2p_addr_entry)

static bool same_inv(const struct value *a, const struct value *b)
{
	return b->n == a->n && (!a->n || memcmp(a->items, b->items, a->n * sizeof(struct p2p_inv)) == 0);
}

static bool same_headers(const struct value *a, const struct value *b)
{
	return b->n == a->n &&
	       (!a->n || memcmp(a->items, b->items, a->n * sizeof(struct cons_header)) == 0);
}

static bool same_addr(const struct value *a, const struct value *b)
{
	const struct p2p_addr_entry *x = a->items, *y = b->items;

	if (b->n != a->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (y[i].time != x[i].time || y[i].addr.port != x[i].addr.port ||
		    memcmp(y[i].addr.ip, x[i].addr.ip, 16) != 0)
			return false;
	return true;
}

static int read_getheaders(struct value *v, const uint8_t *d, size_t len)
{
	return p2p_getheaders_read(&v->gh, d, len);
}

static void write_getheaders(struct cons_writer *w, const struct value *v)
{
	p2p_getheaders_write(w, &v->gh);
}

static bool same_getheaders(const struct value *a, const struct value *b)
{
	return b->gh.n == a->gh.n && b->gh.version == a->gh.version &&
	       memcmp(b->gh.stop, a->gh.stop, 32) == 0 &&
	       memcmp(b->gh.locator, a->gh.locator, a->gh.n * 32) == 0;
}

static int read_version(struct value *v, const uint8_t *d, size_t len)
{
	return p2p_version_read(&v->ver, d, len);
}

static void write_version(struct cons_writer *w, const struct value *v)
{
	p2p_version_write(w, &v->ver);
}

static bool same_version(const struct value *a, const struct value *b)
{
	return b->ver.version == a->ver.version && b->ver.nonce == a->ver.nonce &&
	       strcmp(b->ver.user_agent, a->ver.user_agent) == 0 &&
	       b->ver.start_height == a->ver.start_height;
}

static int read_nonce(struct value *v, const uint8_t *d, size_t len)
{
	return p2p_nonce_read(&v->nonce, d, len);
}

static bool bad_inv(const struct value *v, size_t len)
{
	return false;
}

static bool bad_headers(const struct value *v, size_t len)
{
	return v->n > P2P_MAX_HEADERS;
}

static bool bad_getheaders(const struct value *v, size_t len)
{
	return v->gh.n > P2P_MAX_LOCATOR;
}

static bool bad_addr(const struct value *v, size_t len)
{
	return v->n > P2P_MAX_ADDR;
}

static bool bad_version(const struct value *v, size_t len)
{
	return strlen(v->ver.user_agent) > P2P_MAX_UA;
}

static bool bad_nonce(const struct value *v, size_t len)
{
	return len < 8;
}

static const struct layout layouts[] = {
	{read_inv, write_inv, bad_inv, same_inv},
	{read_headers, write_headers, bad_headers, same_headers},
	{read_getheaders, write_getheaders, bad_getheaders, same_getheaders},
	{read_addr, write_addr, bad_addr, same_addr},
	{read_version, write_version, bad_version, same_version},
	{read_nonce, NULL, bad_nonce, NULL},
};

/*
 * The decoders of every payload layout, each on the payload as if it were
 * its own: what decodes must keep to the decoder's bound and encode back to
 * bytes that decode to the same value.
 */
static void check_decoders(const uint8_t *d, size_t len)
{
	static struct value a, b;           /* static: a getheaders locator is 3 kB */

	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		const struct layout *l = &layouts[i];
		struct cons_writer w;

		a.items = b.items = NULL;
		if (l->read(&a, d, len) < 0)
			continue;
		if (l->bad(&a, len))
			abort();
		if (l->write) {
			cons_writer_init(&w);
			l->write(&w, &a);
			if (!w.oom && (l->read(&b, w.data, w.len) < 0 || !l->same(&a, &b)))
				abort();
			cons_writer_release(&w);
		}
		free(a.items);
		free(b.items);
	}
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
