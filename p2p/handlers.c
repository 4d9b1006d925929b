/*
 * One small handler per message, dispatched from a table (picocoin's
 * nc_msg_* shape rather than one long function). A malformed payload or an
 * invalid block costs the sender misbehaviour score; unknown commands are
 * ignored, as Bitcoin does.
 */
#include "p2p/peer.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/hex.h"

static void put_le64(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

/*
 * Whether p's version carries a nonce we sent: then p is one end of a
 * connection to ourselves, and the outbound end is told so it is not
 * dialled again (nonces are per connection, as in Bitcoin Core).
 */
static bool own_nonce(struct peer *p)
{
	for (struct peer *q = p->net->peers; q; q = q->next) {
		if (q->inbound || q->nonce != p->ver.nonce)
			continue;
		if (q != p)
			p2p_discovery_self(q);
		return true;
	}
	return false;
}

static void on_version(struct peer *p, const uint8_t *d, size_t len)
{
	if (p->got_version) {
		p2p_misbehave(p, 1, "duplicate version");
		return;
	}
	if (p2p_version_read(&p->ver, d, len) < 0) {
		p2p_misbehave(p, p->net->o.ban_threshold, "malformed version");
		return;
	}
	if (own_nonce(p)) {
		p2p_disconnect(p, "connected to ourselves");
		return;
	}
	if (p->ver.version < P2P_MIN_VERSION) {
		p2p_disconnect(p, "protocol version too old");
		return;
	}
	p->got_version = true;
	p->time_offset = (int64_t)p->ver.timestamp - (int64_t)time(NULL);
	if (p->inbound)
		p2p_send_version(p);
	p2p_send(p, "verack", NULL, 0);
}

static void on_verack(struct peer *p, const uint8_t *d, size_t len)
{
	if (!p->got_version || p->handshaked)
		return;
	p->handshaked = true;
	p->last_ping_s = p2p_mono_s();
	plog(p->net, P2P_LOG_INFO, "peer %d (%s) ready: %s, height %d", p->id, p->addr,
	     p->ver.user_agent, p->ver.start_height);
	p2p_send(p, "sendheaders", NULL, 0);
	p2p_send_getheaders(p, NULL, NULL);
	p2p_discovery_ready(p);
}

static void on_ping(struct peer *p, const uint8_t *d, size_t len)
{
	uint64_t nonce;
	uint8_t b[8];

	if (p2p_nonce_read(&nonce, d, len) < 0) {
		p2p_misbehave(p, 10, "malformed ping");
		return;
	}
	put_le64(b, nonce);
	p2p_send(p, "pong", b, 8);
}

static void on_pong(struct peer *p, const uint8_t *d, size_t len)
{
	uint64_t nonce;

	if (p2p_nonce_read(&nonce, d, len) < 0) {
		p2p_misbehave(p, 10, "malformed pong");
		return;
	}
	if (p->ping_nonce && nonce == p->ping_nonce) {
		p->ping_usec = p2p_mono_us() - p->ping_sent_us;
		p->ping_nonce = 0;
	}
}

static void on_sendheaders(struct peer *p, const uint8_t *d, size_t len)
{
	p->send_headers = true;
}

static void on_getheaders(struct peer *p, const uint8_t *d, size_t len)
{
	struct p2p_getheaders *g = malloc(sizeof(*g));
	struct cons_header *h = malloc(P2P_MAX_HEADERS * sizeof(*h));
	struct cons_writer w;
	size_t n;

	if (!g || !h)
		goto out;
	if (p2p_getheaders_read(g, d, len) < 0) {
		p2p_misbehave(p, 20, "malformed getheaders");
		goto out;
	}
	n = p->net->chain.headers_after(p->net->chain.ctx, g, h, P2P_MAX_HEADERS);
	cons_writer_init(&w);
	p2p_headers_write(&w, h, n);
	p2p_send(p, "headers", w.data, w.len);
	cons_writer_release(&w);
out:
	free(g);
	free(h);
}

/* Applies one header; returns false when the rest of the message should be skipped. */
/*
 * A block or header stamped beyond our clock's drift limit is not invalid,
 * only early: the sender keeps its score and may send it again later. Said
 * at info level, since it is what a clock-skew fault looks like from here.
 */
static void note_early(struct peer *p, const uint8_t hash[32], const struct cons_state *st,
		       const char *what)
{
	char hex[65];

	if (st->code != CONS_REJ_TIME_TOO_NEW || !p->net->o.log)
		return;
	util_hex_encode_rev(hex, hash, 32);
	plog(p->net, P2P_LOG_INFO, "%s %s from peer %d (%s) refused for now: %s (%s)", what, hex,
	     p->id, p->addr, cons_reject_reason(st->code), st->detail);
}

static bool take_header(struct peer *p, const struct cons_header *h, bool *gap)
{
	struct cons_state st;
	enum cons_verdict v;

	cons_state_init(&st);
	v = p->net->chain.accept_header(p->net->chain.ctx, h, &st);
	if (v == CONS_VALID) {
		cons_header_hash(p->best, h);
		p->has_best = true;
		return true;
	}
	if (v == CONS_INVALID && st.code == CONS_REJ_PREV_MISSING) {
		*gap = true;                /* it skipped ahead: ask from our locator */
		return false;
	}
	if (v == CONS_INVALID && cons_reject_punishable(st.code, true))
		p2p_misbehave(p, p->net->o.ban_threshold, cons_reject_reason(st.code));
	if (v == CONS_INVALID) {
		uint8_t hash[32];
		cons_header_hash(hash, h);
		note_early(p, hash, &st, "header");
	}
	return false;
}

static void on_headers(struct peer *p, const uint8_t *d, size_t len)
{
	struct cons_header *h;
	size_t n, i;
	bool gap = false;

	if (p2p_headers_read(&h, &n, d, len) < 0) {
		p2p_misbehave(p, p->net->o.ban_threshold, "malformed headers");
		return;
	}
	for (i = 0; i < n && !p->closing; i++)
		if (!take_header(p, &h[i], &gap))
			break;
	/*
	 * A full message: more follow, so ask again from the last header it
	 * brought, not from our tip, which a syncing node has not moved yet
	 * (that would bring back the same headers until the blocks catch up).
	 * A gap: the peer skipped ahead of what we know; start from our tip.
	 */
	if (gap)
		p2p_send_getheaders(p, NULL, NULL);
	else if (n == P2P_MAX_HEADERS && i == n)
		p2p_send_getheaders(p, p->best, NULL);
	free(h);
	p2p_fetch_blocks(p);
}

/* Asks for the announced transactions we lack, at most 1000 per message. */
static void request_txs(struct peer *p, const struct p2p_inv *inv, size_t n)
{
	struct p2p_inv *want = malloc(1000 * sizeof(*want));
	struct cons_writer w;
	size_t k = 0;

	if (!want)
		return;
	for (size_t i = 0; i < n && k < 1000; i++)
		if (inv[i].type == P2P_INV_TX && !p->net->chain.have_tx(p->net->chain.ctx, inv[i].hash))
			want[k++] = inv[i];
	if (k) {
		cons_writer_init(&w);
		p2p_inv_write(&w, want, k);
		p2p_send(p, "getdata", w.data, w.len);
		cons_writer_release(&w);
	}
	free(want);
}

static void on_inv(struct peer *p, const uint8_t *d, size_t len)
{
	struct p2p_inv *inv;
	size_t n;

	if (p2p_inv_read(&inv, &n, d, len) < 0) {
		p2p_misbehave(p, 20, "malformed inv");
		return;
	}
	/* A block we do not know: its headers bring it, as Bitcoin does. */
	for (size_t i = 0; i < n; i++) {
		if (inv[i].type == P2P_INV_BLOCK &&
		    p->net->chain.block_status(p->net->chain.ctx, inv[i].hash) == 0) {
			p2p_send_getheaders(p, p->has_best ? p->best : NULL, inv[i].hash);
			break;
		}
	}
	request_txs(p, inv, n);
	free(inv);
}

static void on_tx(struct peer *p, const uint8_t *d, size_t len)
{
	struct cons_tx tx;
	struct cons_state st;
	enum cons_verdict v;

	cons_tx_init(&tx);
	if (cons_tx_parse(&tx, NULL, d, len) < 0) {
		p2p_misbehave(p, p->net->o.ban_threshold, "malformed tx");
		return;
	}
	cons_state_init(&st);
	v = p->net->chain.accept_tx(p->net->chain.ctx, &tx, &st);
	if (v == CONS_VALID)
		p2p_net_announce_tx(p->net, tx.txid, p->id);
	else if (v == CONS_INVALID && st.code != CONS_REJ_NONE &&
		 cons_reject_punishable(st.code, false))
		p2p_misbehave(p, p->net->o.ban_threshold, cons_reject_reason(st.code));
	cons_tx_release(&tx);
}

static void on_mempool(struct peer *p, const uint8_t *d, size_t len)
{
	uint8_t (*ids)[32] = malloc(P2P_MAX_INV * sizeof(*ids));
	struct p2p_inv *inv = malloc(P2P_MAX_INV * sizeof(*inv));
	struct cons_writer w;
	size_t n;

	if (ids && inv) {
		n = p->net->chain.mempool_txids(p->net->chain.ctx, ids, P2P_MAX_INV);
		for (size_t i = 0; i < n; i++) {
			inv[i].type = P2P_INV_TX;
			memcpy(inv[i].hash, ids[i], 32);
		}
		cons_writer_init(&w);
		p2p_inv_write(&w, inv, n);
		if (n)
			p2p_send(p, "inv", w.data, w.len);
		cons_writer_release(&w);
	}
	free(ids);
	free(inv);
}

/* Serves blocks while the send buffer has room; the rest wait for a new request. */
static void on_getdata(struct peer *p, const uint8_t *d, size_t len)
{
	struct p2p_inv *inv;
	size_t n, sent = 0;

	if (p2p_inv_read(&inv, &n, d, len) < 0) {
		p2p_misbehave(p, 20, "malformed getdata");
		return;
	}
	for (size_t i = 0; i < n && sent < 8u * 1000 * 1000; i++) {
		uint8_t *raw;
		size_t rlen;
		bool is_block = inv[i].type == P2P_INV_BLOCK;
		if (!is_block && inv[i].type != P2P_INV_TX)
			continue;
		if ((is_block ? p->net->chain.read_block : p->net->chain.read_tx)(
			    p->net->chain.ctx, inv[i].hash, &raw, &rlen) < 0) {
			struct cons_writer w;
			cons_writer_init(&w);
			p2p_inv_write(&w, &inv[i], 1);
			p2p_send(p, "notfound", w.data, w.len);
			cons_writer_release(&w);
			continue;
		}
		p2p_send(p, is_block ? "block" : "tx", raw, rlen);
		sent += rlen;
		free(raw);
	}
	free(inv);
}

static void forget_in_flight(struct peer *p, const uint8_t hash[32])
{
	for (int i = 0; i < p->n_inflight; i++) {
		if (memcmp(p->inflight[i].hash, hash, 32) == 0) {
			p->inflight[i] = p->inflight[--p->n_inflight];
			return;
		}
	}
}

static void on_notfound(struct peer *p, const uint8_t *d, size_t len)
{
	struct p2p_inv *inv;
	size_t n;

	if (p2p_inv_read(&inv, &n, d, len) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		forget_in_flight(p, inv[i].hash);
	free(inv);
}

static void on_block(struct peer *p, const uint8_t *d, size_t len)
{
	struct cons_block b;
	struct cons_state st;
	enum cons_verdict v;
	bool new_tip = false;

	cons_block_init(&b);
	if (cons_block_parse(&b, NULL, d, len) < 0) {
		p2p_misbehave(p, p->net->o.ban_threshold, "malformed block");
		return;
	}
	forget_in_flight(p, b.hash);
	if (p->net->o.log) {
		char hex[65];
		util_hex_encode_rev(hex, b.hash, 32);
		plog(p->net, P2P_LOG_DEBUG, "block %s from peer %d (%s)", hex, p->id, p->addr);
	}
	if (!p->has_best) {             /* an announced header, if any, is further ahead */
		memcpy(p->best, b.hash, 32);
		p->has_best = true;
	}
	cons_state_init(&st);
	v = p->net->chain.accept_block(p->net->chain.ctx, &b, &new_tip, &st);
	if (v == CONS_INVALID && cons_reject_punishable(st.code, true)) {
		p2p_misbehave(p, p->net->o.ban_threshold, cons_reject_reason(st.code));
		return;
	}
	if (v == CONS_INVALID)
		note_early(p, b.hash, &st, "block");
	if (v == CONS_VALID && new_tip)
		p->last_block_s = p2p_mono_s();
	if (v == CONS_INVALID && st.code == CONS_REJ_PREV_MISSING)
		p2p_send_getheaders(p, p->has_best ? p->best : NULL, NULL);
	p2p_fetch_blocks(p);
}

/* Bitcoin Core answers only inbound peers, once: an outbound peer could fingerprint us. */
static void on_getaddr(struct peer *p, const uint8_t *d, size_t len)
{
	if (!p->inbound || p->getaddr_answered) {
		plog(p->net, P2P_LOG_DEBUG, "peer %d: ignoring getaddr (%s)", p->id,
		     p->inbound ? "already answered" : "outbound peer");
		return;
	}
	p->getaddr_answered = true;
	p2p_discovery_getaddr(p);
}

static void on_addr(struct peer *p, const uint8_t *d, size_t len)
{
	struct p2p_addr_entry *a;
	size_t n;

	if (p2p_addr_read(&a, &n, d, len) < 0) {
		p2p_misbehave(p, 20, "malformed addr, or more than 1000 addresses");
		return;
	}
	p2p_discovery_addr(p, a, n);
	free(a);
}

typedef void (*handler_fn)(struct peer *p, const uint8_t *d, size_t len);

static const struct {
	const char *command;
	handler_fn fn;
	bool before_handshake;       /* allowed before verack */
} handlers[] = {
	{"version", on_version, true},
	{"verack", on_verack, true},
	{"ping", on_ping, false},
	{"pong", on_pong, false},
	{"sendheaders", on_sendheaders, false},
	{"getheaders", on_getheaders, false},
	{"headers", on_headers, false},
	{"inv", on_inv, false},
	{"getdata", on_getdata, false},
	{"notfound", on_notfound, false},
	{"block", on_block, false},
	{"tx", on_tx, false},
	{"mempool", on_mempool, false},
	{"getaddr", on_getaddr, false},
	{"addr", on_addr, false},
};

void p2p_handle(struct peer *p, const char *command, const uint8_t *payload, size_t len)
{
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (strcmp(handlers[i].command, command) != 0)
			continue;
		if (!handlers[i].before_handshake && !p->handshaked) {
			p2p_misbehave(p, 10, "message before handshake");
			return;
		}
		handlers[i].fn(p, payload, len);
		return;
	}
	plog(p->net, P2P_LOG_DEBUG, "peer %d sent unknown command '%s'", p->id, command);
}
