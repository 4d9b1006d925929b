/* Chain callbacks for the network; see p2p_glue.h. */
#include "node/p2p_glue.h"

#include <stdlib.h>
#include <string.h>

static int64_t tip_height(void *ctx)
{
	return node_chain_tip(ctx)->height;
}

size_t node_chain_locator(const struct node_chain *c, uint8_t (*hashes)[32], size_t max)
{
	int64_t h = node_chain_tip(c)->height, step = 1;
	size_t n = 0;

	while (n < max) {
		memcpy(hashes[n++], node_chain_at(c, h)->hash, 32);
		if (h == 0)
			break;
		if (n >= 10)
			step *= 2;
		h = h - step > 0 ? h - step : 0;
	}
	return n;
}

static size_t locator(void *ctx, uint8_t (*hashes)[32])
{
	return node_chain_locator(ctx, hashes, P2P_MAX_LOCATOR);
}

static size_t headers_after(void *ctx, const struct p2p_getheaders *g, struct cons_header *out,
			    size_t max)
{
	struct node_chain *c = ctx;
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
	return node_chain_accept_header(ctx, h, NULL, st);
}

static enum cons_verdict accept_block(void *ctx, struct cons_block *b, bool *new_tip,
				      struct cons_state *st)
{
	struct node_accept_info info;
	enum cons_verdict v = node_chain_accept_block(ctx, b, &info, st);

	*new_tip = info.new_tip;
	if (v == CONS_VALID && info.orphan)
		return cons_state_invalid(st, CONS_REJ_PREV_MISSING, "%s", "orphan kept");
	return v;
}

static int block_status(void *ctx, const uint8_t hash[32])
{
	const struct node_blockidx *idx = node_chain_lookup(ctx, hash);

	if (!idx)
		return 0;
	if (idx->status & (STOR_FAILED | STOR_FAILED_CHILD))
		return -1;
	return (idx->status & STOR_HAVE_DATA) ? 2 : 1;
}

static size_t missing_blocks(void *ctx, const uint8_t best[32], uint8_t (*out)[32], size_t max)
{
	const struct node_blockidx *idx = node_chain_lookup(ctx, best), *e;
	size_t depth = 0, n = 0, skip;

	if (!idx || (idx->status & (STOR_FAILED | STOR_FAILED_CHILD)))
		return 0;
	for (e = idx; e && !(e->status & STOR_HAVE_DATA); e = e->prev)
		depth++;
	/* Oldest first: skip the newest depth - max, then write from the top down. */
	skip = depth > max ? depth - max : 0;
	n = depth - skip;
	e = idx;
	for (size_t i = 0; i < skip; i++)
		e = e->prev;
	for (size_t i = n; i-- > 0; e = e->prev)
		memcpy(out[i], e->hash, 32);
	return n;
}

static int read_block(void *ctx, const uint8_t hash[32], uint8_t **raw, size_t *len)
{
	const struct node_blockidx *idx = node_chain_lookup(ctx, hash);
	struct cons_block b;
	struct cons_writer w;

	if (!idx || !(idx->status & STOR_HAVE_DATA))
		return -1;
	cons_block_init(&b);
	if (node_chain_read_block(ctx, idx, &b) != 1)
		return -1;
	cons_writer_init(&w);
	cons_block_write(&w, &b);
	cons_block_release(&b);
	if (w.oom) {
		cons_writer_release(&w);
		return -1;
	}
	*raw = w.data;
	*len = w.len;
	return 0;
}

void node_p2p_iface(struct p2p_chain *iface, struct node_chain *chain)
{
	iface->ctx = chain;
	iface->tip_height = tip_height;
	iface->locator = locator;
	iface->headers_after = headers_after;
	iface->accept_header = accept_header;
	iface->accept_block = accept_block;
	iface->block_status = block_status;
	iface->missing_blocks = missing_blocks;
	iface->read_block = read_block;
}
