/* Transaction relay, the orphan pool and reorg-returned txs; see txrelay.h. */
#include "node/txrelay.h"

#include <stdlib.h>
#include <string.h>

#include "node/log.h"
#include "util/hex.h"

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

/* Counts and logs a tx that entered the mempool; announcing is the caller's part. */
static void accepted(struct node_relay *r, const struct cons_tx *tx)
{
	char hex[65];

	r->accepted++;
	util_hex_encode_rev(hex, tx->txid, 32);
	log_info("mempool: accepted tx %s (%zu in pool)", hex, node_mempool_count(r->mempool));
}

static void announce(struct node_relay *r, const struct cons_tx *tx)
{
	if (r->net)
		p2p_net_announce_tx(r->net, tx->txid, -1);
}

/* Offers tx to the mempool, keeping it as an orphan when a parent is missing. */
static enum cons_verdict enter(struct node_relay *r, const struct cons_tx *tx,
			       struct cons_state *st)
{
	enum cons_verdict v = to_mempool(r, tx, st);

	if (v == CONS_INVALID && st->code == CONS_REJ_TX_MISSING_INPUTS)
		keep_orphan(r, tx);
	if (v == CONS_VALID)
		accepted(r, tx);
	return v;
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
			if (v == CONS_VALID) {
				accepted(r, &r->orphans[i]);
				announce(r, &r->orphans[i]);
			}
			drop_orphan(r, i);
			progress = true;
			break;
		}
	}
}

enum cons_verdict node_relay_accept(struct node_relay *r, const struct cons_tx *tx,
				    struct cons_state *st)
{
	enum cons_verdict v = enter(r, tx, st);

	if (v == CONS_VALID) {
		announce(r, tx);
		retry_orphans(r);
	}
	return v;
}

void node_relay_release(struct node_relay *r)
{
	for (size_t i = 0; i < r->n_orphans; i++)
		cons_tx_release(&r->orphans[i]);
	r->n_orphans = 0;
	r->orphan_bytes = 0;
	for (size_t i = 0; i < r->n_returned; i++)
		cons_tx_release(&r->returned[i]);
	free(r->returned);
	r->returned = NULL;
	r->n_returned = 0;
}

/* p2p/ announces a peer's tx itself: only the orphans it frees are ours to announce. */
enum cons_verdict node_relay_accept_peer(struct node_relay *r, const struct cons_tx *tx,
					 struct cons_state *st)
{
	enum cons_verdict v = enter(r, tx, st);

	if (v == CONS_VALID)
		retry_orphans(r);
	return v;
}

void node_relay_hold(struct node_relay *r, const struct cons_block *b)
{
	size_t n = b->n_tx ? b->n_tx - 1 : 0;
	struct cons_tx *all;

	/* Nothing to return; and realloc(p, 0) would free p behind our back. */
	if (n == 0)
		return;
	all = realloc(r->returned, (r->n_returned + n) * sizeof(*all));
	if (!all) {
		log_warn("out of memory: transactions of a disconnected block are dropped");
		return;
	}
	memmove(all + n, all, r->n_returned * sizeof(*all));
	for (size_t i = 0; i < n; i++)
		if (cons_tx_copy(&all[i], &b->tx[i + 1]) < 0)
			cons_tx_init(&all[i]);
	r->returned = all;
	r->n_returned += n;
}

/*
 * After a reorg, pool transactions whose inputs the new branch does not have
 * (spent by it, or created only by the abandoned blocks and not returned)
 * leave, with their descendants: a template must never spend nothing.
 */
static void drop_unspendable(struct node_relay *r)
{
	struct node_mempool_view v = {r->chain, chain_coin, node_chain_tip(r->chain)->height,
				      node_chain_tip_mtp(r->chain)};
	size_t n = node_mempool_remove_unspendable(r->mempool, &v);

	if (n)
		log_info("mempool: %zu transactions left after the reorganisation: their inputs "
			 "are gone", n);
}

void node_relay_return(struct node_relay *r, int depth)
{
	for (size_t i = 0; i < r->n_returned; i++) {
		struct cons_state st;
		cons_state_init(&st);
		if (r->mempool)
			(void)node_relay_accept(r, &r->returned[i], &st);
		cons_tx_release(&r->returned[i]);
	}
	free(r->returned);
	r->returned = NULL;
	r->n_returned = 0;
	if (depth > 0 && r->mempool)
		drop_unspendable(r);
}
