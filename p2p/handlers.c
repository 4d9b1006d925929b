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
	/* A slot that reached a peer starts its backoff afresh when it next loses it. */
	if (p->ob)
		p2p_outbound_reached(p->ob);
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

static void drop_presync(struct peer *p)
{
	free(p->presync);
	p->presync = NULL;
	p->n_presync = 0;
}

/*
 * Asks for the headers after last, a header we hold in pre-sync but not
 * in the index: a locator that starts with it, then ours from the tip.
 */
static void ask_after(struct peer *p, const struct cons_header *last)
{
	struct p2p_getheaders g;
	uint8_t (*ours)[32] = malloc(P2P_MAX_LOCATOR * sizeof(*ours));
	struct cons_writer w;
	size_t k;

	if (!ours)
		return;
	memset(&g, 0, sizeof(g));
	g.version = P2P_PROTOCOL_VERSION;
	cons_header_hash(g.locator[0], last);
	k = p->net->chain.locator(p->net->chain.ctx, NULL, ours);
	if (k > P2P_MAX_LOCATOR - 1)
		k = P2P_MAX_LOCATOR - 1;
	memcpy(g.locator[1], ours, k * 32);
	g.n = 1 + k;
	cons_writer_init(&w);
	p2p_getheaders_write(&w, &g);
	p2p_send(p, "getheaders", w.data, w.len);
	cons_writer_release(&w);
	free(ours);
}

/*
 * Headers that connect to nothing we know: we ask from our tip, as the
 * sender may simply be ahead of us, but every P2P_MAX_UNCONNECTING-th
 * such message in a row costs 20 (Bitcoin Core's rule), so a peer cannot
 * keep us hashing headers that lead nowhere.
 */
static void unconnecting(struct peer *p)
{
	p->unconnecting++;
	if (p->unconnecting % P2P_MAX_UNCONNECTING == 0)
		p2p_misbehave(p, 20, "headers that do not connect");
	if (!p->closing)
		p2p_send_getheaders(p, NULL, NULL);
}

/*
 * The run of headers to check: h appended to the pre-sync it continues,
 * else h alone (NULL if h connects to nothing; h with *n_run 0 if the
 * pre-sync would grow past its bound). *skip: how many were checked
 * before.
 */
static const struct cons_header *headers_run(struct peer *p, const struct cons_header *h,
					      size_t n, size_t *n_run, size_t *skip)
{
	uint8_t last[32], first[32];
	struct cons_header *more;

	*skip = 0;
	if (p->n_presync) {
		cons_header_hash(last, &p->presync[p->n_presync - 1]);
		if (memcmp(h[0].prev, last, 32) == 0) {
			if (p->n_presync + n > P2P_PRESYNC_MAX ||
			    !(more = realloc(p->presync, (p->n_presync + n) * sizeof(*more)))) {
				/* Not asked again: its branch waits until our tip comes closer. */
				plog(p->net, P2P_LOG_INFO,
				     "peer %d: a low-work chain of more than %d headers, not stored",
				     p->id, P2P_PRESYNC_MAX);
				drop_presync(p);
				*n_run = 0;
				return h;
			}
			memcpy(more + p->n_presync, h, n * sizeof(*h));
			p->presync = more;
			*skip = p->n_presync;
			*n_run = p->n_presync += n;
			return p->presync;
		}
		drop_presync(p);
	}
	cons_header_hash(first, &h[0]);
	if (p->net->chain.block_status(p->net->chain.ctx, h[0].prev) == 0 &&
	    p->net->chain.block_status(p->net->chain.ctx, first) == 0)
		return NULL;
	*n_run = n;
	return h;
}

/* run[0..n_ok) passed: stored if their chain has the work, else kept or forgotten. */
static void settle_headers(struct peer *p, const struct cons_header *run, size_t n_run,
			   size_t n_ok, bool enough, bool full)
{
	size_t i = 0;
	bool gap = false;

	if (enough) {
		while (i < n_ok && !p->closing && take_header(p, &run[i], &gap))
			i++;
		drop_presync(p);
		/*
		 * A full message: more follow, so ask again from the last header
		 * it brought, not from our tip, which a syncing node has not
		 * moved yet (that would bring back the same headers).
		 */
		if (full && i == n_run && !p->closing)
			p2p_send_getheaders(p, p->best, NULL);
		return;
	}
	if (full && n_ok == n_run) {
		if (run != p->presync) {
			p->presync = malloc(n_run * sizeof(*run));
			if (!p->presync)
				return;
			memcpy(p->presync, run, n_run * sizeof(*run));
			p->n_presync = n_run;
		}
		ask_after(p, &run[n_run - 1]);
		return;
	}
	plog(p->net, P2P_LOG_INFO, "peer %d: %zu headers of a chain with too little work, not stored",
	     p->id, n_run);
	drop_presync(p);
}

/*
 * Headers are checked before any is stored, and stored only once their
 * chain comes within NODE_HEADERS_MARGIN blocks' work of our tip: a
 * longer chain is pre-synced in full messages (bounded per peer), a
 * shorter one forgotten. Storing a header so costs its sender nearly the
 * work of our whole chain since the fork.
 */
static void on_headers(struct peer *p, const uint8_t *d, size_t len)
{
	struct cons_header *h;
	const struct cons_header *run;
	size_t n, n_run = 0, skip, n_ok;
	struct cons_state st;
	enum cons_verdict v;
	bool enough;

	if (p2p_headers_read(&h, &n, d, len) < 0) {
		p2p_misbehave(p, p->net->o.ban_threshold, "malformed headers");
		return;
	}
	run = n ? headers_run(p, h, n, &n_run, &skip) : NULL;
	if (n && !run)
		unconnecting(p);
	if (run && n_run) {
		p->unconnecting = 0;
		cons_state_init(&st);
		v = p->net->chain.check_headers(p->net->chain.ctx, run, n_run, skip, &n_ok, &enough, &st);
		if (v == CONS_INVALID && st.code == CONS_REJ_PREV_MISSING)
			p2p_misbehave(p, 20, "non-continuous headers");
		else if (v == CONS_INVALID && cons_reject_punishable(st.code, true))
			p2p_misbehave(p, p->net->o.ban_threshold, cons_reject_reason(st.code));
		if (v == CONS_INVALID && n_ok < n_run) {
			uint8_t hash[32];
			cons_header_hash(hash, &run[n_ok]);
			note_early(p, hash, &st, "header");
		}
		if (p->closing || v == CONS_ERROR)
			drop_presync(p);
		else
			settle_headers(p, run, n_run, n_ok, enough, n == P2P_MAX_HEADERS && v == CONS_VALID);
	}
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

/* The items we lack, as one notfound (Bitcoin Core sends one per getdata, not one per item). */
static void send_notfound(struct peer *p)
{
	struct cons_writer w;

	if (!p->getdata_missing)
		return;
	cons_writer_init(&w);
	p2p_inv_write(&w, p->getdata, p->getdata_missing);
	p2p_send(p, "notfound", w.data, w.len);
	cons_writer_release(&w);
	p->getdata_missing = 0;
}

void p2p_serve_getdata(struct peer *p)
{
	while (p->getdata_pos < p->getdata_n && !p->closing && !p2p_send_full(p)) {
		const struct p2p_inv *it = &p->getdata[p->getdata_pos++];
		bool is_block = it->type == P2P_INV_BLOCK;
		uint8_t *raw;
		size_t rlen;
		if (!is_block && it->type != P2P_INV_TX)
			continue;
		if ((is_block ? p->net->chain.read_block : p->net->chain.read_tx)(
			    p->net->chain.ctx, it->hash, &raw, &rlen) < 0) {
			p->getdata[p->getdata_missing++] = *it;   /* behind pos: a slot already served */
			continue;
		}
		p2p_send(p, is_block ? "block" : "tx", raw, rlen);
		free(raw);
	}
	send_notfound(p);
	if (p->getdata_pos == p->getdata_n || p->closing) {
		free(p->getdata);
		p->getdata = NULL;
		p->getdata_n = p->getdata_pos = 0;
	}
}

/*
 * Queues the items and serves what the send buffer has room for; the rest
 * go out as the peer reads (net.c reads nothing more from it meanwhile).
 */
static void on_getdata(struct peer *p, const uint8_t *d, size_t len)
{
	struct p2p_inv *inv;
	size_t n;

	if (p2p_inv_read(&inv, &n, d, len) < 0) {
		p2p_misbehave(p, 20, "malformed getdata");
		return;
	}
	free(p->getdata);
	p->getdata = inv;
	p->getdata_n = n;
	p->getdata_pos = p->getdata_missing = 0;
	p2p_serve_getdata(p);
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
		int64_t t0 = p2p_mono_us(), took;
		handlers[i].fn(p, payload, len);
		/* The loop waits on every handler: say which messages make it wait. */
		took = p2p_mono_us() - t0;
		if (took > 50000)
			plog(p->net, P2P_LOG_INFO, "peer %d: %s of %zu bytes took %lld ms", p->id, command,
			     len, (long long)(took / 1000));
		return;
	}
	plog(p->net, P2P_LOG_DEBUG, "peer %d sent unknown command '%s'", p->id, command);
}
