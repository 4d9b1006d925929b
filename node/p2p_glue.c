/* Chain callbacks for the network; see p2p_glue.h. */
#include "node/p2p_glue.h"

#include <stdlib.h>
#include <string.h>

#include "consensus/pow.h"
#include "node/log.h"
#include "util/hex.h"

static int64_t tip_height(void *ctx)
{
	return node_chain_tip(((struct node_relay *)ctx)->chain)->height;
}

size_t node_chain_locator(const struct node_chain *c, const struct node_blockidx *from,
			  uint8_t (*hashes)[32], size_t max)
{
	const struct node_blockidx *e = from ? from : node_chain_tip(c);
	int64_t step = 1;
	size_t n = 0;

	while (e && n < max) {
		memcpy(hashes[n++], e->hash, 32);
		if (e->height == 0)
			break;
		if (n >= 10)
			step *= 2;
		e = node_blockidx_ancestor(e, e->height - step > 0 ? e->height - step : 0);
	}
	return n;
}

static size_t locator(void *ctx, const uint8_t *from, uint8_t (*hashes)[32])
{
	struct node_chain *c = ((struct node_relay *)ctx)->chain;

	return node_chain_locator(c, from ? node_chain_lookup(c, from) : NULL, hashes,
				  P2P_MAX_LOCATOR);
}

static size_t headers_after(void *ctx, const struct p2p_getheaders *g, struct cons_header *out,
			    size_t max)
{
	struct node_chain *c = ((struct node_relay *)ctx)->chain;
	int64_t start = 1, tip = node_chain_tip(c)->height;
	size_t n = 0;

	/* The first locator hash on our active chain is where the peer forked off. */
	for (size_t i = 0; i < g->n; i++) {
		const struct node_blockidx *idx = node_chain_lookup(c, g->locator[i]);
		if (idx && node_chain_is_active(c, idx)) {
			start = idx->height + 1;
			break;
		}
	}
	for (int64_t h = start; h <= tip && n < max; h++) {
		const struct node_blockidx *idx = node_chain_at(c, h);
		out[n++] = idx->hdr;
		if (memcmp(idx->hash, g->stop, 32) == 0)
			break;
	}
	return n;
}

static enum cons_verdict accept_header(void *ctx, const struct cons_header *h,
				       struct cons_state *st)
{
	return node_chain_accept_header(((struct node_relay *)ctx)->chain, h, NULL, st);
}

static enum cons_verdict check_headers(void *ctx, const struct cons_header *h, size_t n,
				       size_t skip, size_t *n_ok, bool *enough, struct cons_state *st)
{
	return node_chain_check_headers(((struct node_relay *)ctx)->chain, h, n, skip, n_ok, enough,
					st);
}

/*
 * Whether b is a block nobody asked for that would not beat the tip: its
 * header is new to us (we request only indexed headers) and the chain it
 * ends has less work than the active one. Bitcoin Core drops those too;
 * storing them would let anyone fill our disk with cheap side branches.
 */
static bool unrequested_low_work(const struct node_chain *c, const struct cons_block *b)
{
	const struct node_blockidx *prev = node_chain_lookup(c, b->hdr.prev);
	struct cons_u256 work, w;

	if (!prev || node_chain_lookup(c, b->hash))
		return false;
	cons_block_work(&w, b->hdr.bits);
	cons_u256_add(&work, &prev->work, &w);
	return cons_u256_cmp(&work, &node_chain_tip(c)->work) < 0;
}

static enum cons_verdict accept_block(void *ctx, struct cons_block *b, bool *new_tip,
				      struct cons_state *st)
{
	struct node_chain *c = ((struct node_relay *)ctx)->chain;
	struct node_accept_info info;
	enum cons_verdict v;

	*new_tip = false;
	if (unrequested_low_work(c, b)) {
		char hex[65];
		util_hex_encode_rev(hex, b->hash, 32);
		log_debug("p2p: block %s was not requested and has less work than our tip: not stored",
			  hex);
		cons_block_release(b);
		return CONS_VALID;
	}
	v = node_chain_accept_block(c, b, &info, st);

	*new_tip = info.new_tip;
	if (v == CONS_VALID && info.orphan)
		return cons_state_invalid(st, CONS_REJ_PREV_MISSING, "%s", "orphan kept");
	return v;
}

static bool is_ancestor(void *ctx, const uint8_t anc[32], const uint8_t desc[32])
{
	struct node_chain *c = ((struct node_relay *)ctx)->chain;
	const struct node_blockidx *a = node_chain_lookup(c, anc), *d = node_chain_lookup(c, desc);

	return a && d && node_blockidx_ancestor(d, a->height) == a;
}

static int block_status(void *ctx, const uint8_t hash[32])
{
	const struct node_blockidx *idx = node_chain_lookup(((struct node_relay *)ctx)->chain, hash);

	if (!idx)
		return 0;
	if (idx->status & (STOR_FAILED | STOR_FAILED_CHILD))
		return -1;
	return (idx->status & STOR_HAVE_DATA) ? 2 : 1;
}

/* Makes f->path the branch of best, walking back only to where it meets the old one. */
static int follow(struct node_fetch *f, const struct node_blockidx *best)
{
	const struct node_blockidx *e;

	if ((size_t)best->height >= f->cap) {
		size_t cap = (size_t)best->height + 1 > 2 * f->cap ? (size_t)best->height + 1 : 2 * f->cap;
		const struct node_blockidx **p = realloc(f->path, cap * sizeof(*p));
		if (!p)
			return -1;
		f->path = p;
		f->cap = cap;
	}
	for (e = best; e && (e->height >= f->len || f->path[e->height] != e); e = e->prev) {
		f->path[e->height] = e;
		f->work++;
	}
	if (e && e->height + 1 < f->low)
		f->low = e->height + 1;        /* the branch changed below what we had */
	if (!e)
		f->low = 0;
	f->len = best->height + 1;
	return 0;
}

size_t node_fetch_missing(struct node_fetch *f, const struct node_blockidx *best,
			  uint8_t (*out)[32], size_t max)
{
	int64_t top, end;
	size_t n = 0;

	if (best->status & (STOR_FAILED | STOR_FAILED_CHILD))
		return 0;
	if (best->height >= f->len || f->path[best->height] != best) {
		if (follow(f, best) < 0)
			return 0;
	}
	top = best->height;
	while (f->low <= top && (f->path[f->low]->status & STOR_HAVE_DATA)) {
		f->low++;
		f->work++;
	}
	end = f->low + NODE_FETCH_WINDOW < top + 1 ? f->low + NODE_FETCH_WINDOW : top + 1;
	for (int64_t h = f->low; h < end && n < max; h++) {
		f->work++;
		if (!(f->path[h]->status & STOR_HAVE_DATA))
			memcpy(out[n++], f->path[h]->hash, 32);
	}
	return n;
}

void node_fetch_release(struct node_fetch *f)
{
	free(f->path);
	memset(f, 0, sizeof(*f));
}

static size_t missing_blocks(void *ctx, const uint8_t best[32], uint8_t (*out)[32], size_t max)
{
	struct node_relay *r = ctx;
	const struct node_blockidx *idx = node_chain_lookup(r->chain, best);

	return idx ? node_fetch_missing(&r->fetch, idx, out, max) : 0;
}

static int read_block(void *ctx, const uint8_t hash[32], uint8_t **raw, size_t *len)
{
	struct node_chain *c = ((struct node_relay *)ctx)->chain;
	const struct node_blockidx *idx = node_chain_lookup(c, hash);

	if (!idx || !(idx->status & STOR_HAVE_DATA))
		return -1;
	return node_chain_read_block_raw(c, raw, len, idx) == 1 ? 0 : -1;
}

/* ---- transactions ---- */

static int chain_coin(void *ctx, const struct cons_outpoint *op, struct cons_coin *coin)
{
	return stor_coin_get(node_chain_storage(ctx), op, coin);
}

static enum cons_verdict to_mempool(struct node_relay *r, const struct cons_tx *tx,
				    struct cons_state *st)
{
	struct node_mempool_view v = {r->chain, chain_coin, node_chain_tip(r->chain)->height,
				      node_chain_tip_mtp(r->chain)};

	return node_mempool_accept(r->mempool, r->secp, &v, tx, node_chain_now(r->chain), NULL, st);
}

/* Forgets orphan i (the order of the rest changes). */
static void drop_orphan(struct node_relay *r, size_t i)
{
	r->orphan_bytes -= r->orphans[i].size;
	cons_tx_release(&r->orphans[i]);
	r->orphans[i] = r->orphans[--r->n_orphans];
}

/* Keeps tx until its parents come, within the count and byte bounds (oldest out first). */
static void keep_orphan(struct node_relay *r, const struct cons_tx *tx)
{
	char hex[65];

	if (tx->size > NODE_MAX_ORPHAN_TX_SIZE) {
		util_hex_encode_rev(hex, tx->txid, 32);
		log_debug("mempool: ignoring orphan tx %s of %zu bytes (limit %d)", hex, tx->size,
			  NODE_MAX_ORPHAN_TX_SIZE);
		return;
	}
	for (size_t i = 0; i < r->n_orphans; i++)
		if (memcmp(r->orphans[i].txid, tx->txid, 32) == 0)
			return;
	while (r->n_orphans > 0 && (r->n_orphans == NODE_MAX_ORPHAN_TXS ||
				    r->orphan_bytes + tx->size > NODE_MAX_ORPHAN_BYTES)) {
		r->orphan_bytes -= r->orphans[0].size;   /* the oldest makes room */
		cons_tx_release(&r->orphans[0]);
		memmove(&r->orphans[0], &r->orphans[1], (r->n_orphans - 1) * sizeof(r->orphans[0]));
		r->n_orphans--;
	}
	if (cons_tx_copy(&r->orphans[r->n_orphans], tx) == 0)
		r->orphan_bytes += r->orphans[r->n_orphans++].size;
}

static void accepted(struct node_relay *r, const struct cons_tx *tx)
{
	char hex[65];

	r->accepted++;
	util_hex_encode_rev(hex, tx->txid, 32);
	log_info("mempool: accepted tx %s (%zu in pool)", hex, node_mempool_count(r->mempool));
	if (r->net)
		p2p_net_announce_tx(r->net, tx->txid, -1);
}

/* Retries orphans until none more can enter: a parent may free a whole chain. */
static void retry_orphans(struct node_relay *r)
{
	for (bool progress = true; progress;) {
		progress = false;
		for (size_t i = 0; i < r->n_orphans; i++) {
			struct cons_state st;
			cons_state_init(&st);
			enum cons_verdict v = to_mempool(r, &r->orphans[i], &st);
			if (v == CONS_INVALID && st.code == CONS_REJ_TX_MISSING_INPUTS)
				continue;
			if (v == CONS_VALID)
				accepted(r, &r->orphans[i]);
			drop_orphan(r, i);
			progress = true;
			break;
		}
	}
}

enum cons_verdict node_relay_accept(struct node_relay *r, const struct cons_tx *tx,
				    struct cons_state *st)
{
	enum cons_verdict v = to_mempool(r, tx, st);

	if (v == CONS_INVALID && st->code == CONS_REJ_TX_MISSING_INPUTS)
		keep_orphan(r, tx);
	if (v != CONS_VALID)
		return v;
	accepted(r, tx);
	retry_orphans(r);
	return v;
}

void node_relay_release(struct node_relay *r)
{
	for (size_t i = 0; i < r->n_orphans; i++)
		cons_tx_release(&r->orphans[i]);
	r->n_orphans = 0;
	r->orphan_bytes = 0;
	node_fetch_release(&r->fetch);
}

/* From a peer: p2p announces it itself, so accept without announcing twice. */
static enum cons_verdict accept_tx(void *ctx, const struct cons_tx *tx, struct cons_state *st)
{
	struct node_relay *r = ctx;
	struct p2p_net *net = r->net;
	enum cons_verdict v;

	r->net = NULL;
	v = to_mempool(r, tx, st);
	if (v == CONS_INVALID && st->code == CONS_REJ_TX_MISSING_INPUTS)
		keep_orphan(r, tx);
	if (v == CONS_VALID) {
		accepted(r, tx);
		r->net = net;               /* orphans it frees are ours to announce */
		retry_orphans(r);
	}
	r->net = net;
	return v;
}

static bool have_tx(void *ctx, const uint8_t txid[32])
{
	return node_mempool_get(((struct node_relay *)ctx)->mempool, txid) != NULL;
}

static int read_tx(void *ctx, const uint8_t txid[32], uint8_t **raw, size_t *len)
{
	const struct node_mempool_entry *e = node_mempool_get(((struct node_relay *)ctx)->mempool, txid);
	struct cons_writer w;

	if (!e)
		return -1;
	cons_writer_init(&w);
	cons_tx_write(&w, &e->tx);
	if (w.oom) {
		cons_writer_release(&w);
		return -1;
	}
	*raw = w.data;
	*len = w.len;
	return 0;
}

struct txid_list {
	uint8_t (*out)[32];
	size_t n, max;
};

static void add_txid(void *ctx, const struct node_mempool_entry *e)
{
	struct txid_list *l = ctx;

	if (l->n < l->max)
		memcpy(l->out[l->n++], e->tx.txid, 32);
}

static size_t mempool_txids(void *ctx, uint8_t (*out)[32], size_t max)
{
	struct txid_list l = {out, 0, max};

	node_mempool_foreach(((struct node_relay *)ctx)->mempool, add_txid, &l);
	return l.n;
}

void node_p2p_iface(struct p2p_chain *iface, struct node_relay *relay)
{
	iface->ctx = relay;
	iface->tip_height = tip_height;
	iface->locator = locator;
	iface->is_ancestor = is_ancestor;
	iface->headers_after = headers_after;
	iface->accept_header = accept_header;
	iface->accept_block = accept_block;
	iface->check_headers = check_headers;
	iface->block_status = block_status;
	iface->missing_blocks = missing_blocks;
	iface->read_block = read_block;
	iface->accept_tx = accept_tx;
	iface->have_tx = have_tx;
	iface->read_tx = read_tx;
	iface->mempool_txids = mempool_txids;
}
