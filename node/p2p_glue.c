/* Chain callbacks for the network; see p2p_glue.h. */
#include "node/p2p_glue.h"

#include <stdlib.h>
#include <string.h>

#include "consensus/pow.h"
#include "node/log.h"
#include "util/hex.h"

static struct node_relay *relay_of(void *ctx)
{
	return ((struct node_p2p *)ctx)->relay;
}

static int64_t tip_height(void *ctx)
{
	return node_chain_tip(relay_of(ctx)->chain)->height;
}

static size_t locator(void *ctx, const uint8_t *from, uint8_t (*hashes)[32])
{
	struct node_chain *c = relay_of(ctx)->chain;

	return node_chain_locator(c, from ? node_chain_lookup(c, from) : NULL, hashes,
				  P2P_MAX_LOCATOR);
}

static size_t headers_after(void *ctx, const struct p2p_getheaders *g, struct cons_header *out,
			    size_t max)
{
	struct node_chain *c = relay_of(ctx)->chain;
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
	return node_chain_accept_header(relay_of(ctx)->chain, h, NULL, st);
}

static enum cons_verdict check_headers(void *ctx, const struct cons_header *h, size_t n,
				       size_t skip, size_t *n_ok, bool *enough, struct cons_state *st)
{
	return node_chain_check_headers(relay_of(ctx)->chain, h, n, skip, n_ok, enough,
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
	struct node_chain *c = relay_of(ctx)->chain;
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
	struct node_chain *c = relay_of(ctx)->chain;
	const struct node_blockidx *a = node_chain_lookup(c, anc), *d = node_chain_lookup(c, desc);

	return a && d && node_blockidx_ancestor(d, a->height) == a;
}

static int block_status(void *ctx, const uint8_t hash[32])
{
	const struct node_blockidx *idx = node_chain_lookup(relay_of(ctx)->chain, hash);

	if (!idx)
		return 0;
	if (idx->status & (STOR_FAILED | STOR_FAILED_CHILD))
		return -1;
	return (idx->status & STOR_HAVE_DATA) ? 2 : 1;
}

static size_t missing_blocks(void *ctx, const uint8_t best[32], uint8_t (*out)[32], size_t max)
{
	struct node_p2p *g = ctx;
	const struct node_blockidx *idx = node_chain_lookup(g->relay->chain, best);

	return idx ? node_fetch_missing(&g->fetch, idx, out, max) : 0;
}

static int read_block(void *ctx, const uint8_t hash[32], uint8_t **raw, size_t *len)
{
	struct node_chain *c = relay_of(ctx)->chain;
	const struct node_blockidx *idx = node_chain_lookup(c, hash);

	if (!idx || !(idx->status & STOR_HAVE_DATA))
		return -1;
	return node_chain_read_block_raw(c, raw, len, idx) == 1 ? 0 : -1;
}

/* ---- transactions ---- */

static enum cons_verdict accept_tx(void *ctx, const struct cons_tx *tx, struct cons_state *st)
{
	return node_relay_accept_peer(relay_of(ctx), tx, st);
}

static bool have_tx(void *ctx, const uint8_t txid[32])
{
	return node_mempool_get(relay_of(ctx)->mempool, txid) != NULL;
}

static int read_tx(void *ctx, const uint8_t txid[32], uint8_t **raw, size_t *len)
{
	const struct node_mempool_entry *e = node_mempool_get(relay_of(ctx)->mempool, txid);
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

	node_mempool_foreach(relay_of(ctx)->mempool, add_txid, &l);
	return l.n;
}

void node_p2p_iface(struct p2p_chain *iface, struct node_p2p *g)
{
	iface->ctx = g;
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

void node_p2p_release(struct node_p2p *g)
{
	node_fetch_release(&g->fetch);
}
