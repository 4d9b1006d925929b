/* Block rules; see block_check.h. */
#include "consensus/block_check.h"

#include <stdlib.h>
#include <string.h>

#include "consensus/pow.h"
#include "consensus/script.h"
#include "consensus/sig.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int cons_median_time_past(const struct cons_chain_view *v, int64_t *mtp)
{
	int64_t times[CONS_MTP_WINDOW];
	int n = 0;

	for (int64_t h = v->height; h >= 0 && n < CONS_MTP_WINDOW; h--, n++) {
		uint32_t t, bits;
		if (v->ancestor(v->ctx, h, &t, &bits) < 0)
			return -1;
		times[n] = t;
	}
	qsort(times, (size_t)n, sizeof(times[0]), cmp_i64);
	*mtp = times[n / 2];
	return 0;
}

int cons_next_bits(const struct cons_params *p, const struct cons_chain_view *v, uint32_t *bits)
{
	uint32_t last_time, last_bits, first_time, first_bits;

	if (v->ancestor(v->ctx, v->height, &last_time, &last_bits) < 0)
		return -1;
	if (!cons_is_retarget_height(p, v->height + 1)) {
		*bits = last_bits;
		return 0;
	}
	/* Bitcoin's epoch timespan: from the epoch's first block to its last. */
	if (v->ancestor(v->ctx, v->height - (p->retarget_interval - 1), &first_time, &first_bits) < 0)
		return -1;
	*bits = cons_retarget(p, last_bits, first_time, last_time);
	return 0;
}

enum cons_verdict cons_check_header(const struct cons_params *p, const struct cons_header *hdr,
				    const uint8_t hash[32], struct cons_state *st)
{
	if (!cons_check_pow(p, hash, hdr->bits))
		return cons_state_invalid(st, CONS_REJ_HIGH_HASH, "bits %08x", hdr->bits);
	return CONS_VALID;
}

enum cons_verdict cons_check_header_contextual(const struct cons_params *p,
					       const struct cons_header *hdr,
					       const struct cons_chain_view *v, int64_t now,
					       struct cons_state *st)
{
	uint32_t want, prev_time, prev_bits;
	int64_t mtp;

	if (cons_next_bits(p, v, &want) < 0 || cons_median_time_past(v, &mtp) < 0 ||
	    v->ancestor(v->ctx, v->height, &prev_time, &prev_bits) < 0)
		return cons_state_error(st, "ancestor lookup failed");
	if (hdr->bits != want)
		return cons_state_invalid(st, CONS_REJ_BAD_DIFFBITS, "%08x, expected %08x",
					  hdr->bits, want);
	if ((int64_t)hdr->time <= mtp)
		return cons_state_invalid(st, CONS_REJ_TIME_TOO_OLD, "%u <= median %lld",
					  hdr->time, (long long)mtp);
	if ((int64_t)hdr->time > now + p->max_future_drift + CONS_FAR_AHEAD)
		return cons_state_invalid(st, CONS_REJ_TIME_FAR_AHEAD, "%lld s ahead",
					  (long long)(hdr->time - now));
	if ((int64_t)hdr->time > now + p->max_future_drift)
		return cons_state_invalid(st, CONS_REJ_TIME_TOO_NEW, "%lld s ahead",
					  (long long)(hdr->time - now));
	if (cons_is_retarget_height(p, v->height + 1) &&
	    (int64_t)hdr->time < (int64_t)prev_time - p->timewarp_limit)
		return cons_state_invalid(st, CONS_REJ_TIME_WARP, "%u before parent %u",
					  hdr->time, prev_time);
	return CONS_VALID;
}

static enum cons_verdict check_merkle(const struct cons_block *b, struct cons_state *st)
{
	uint8_t root[32];
	bool mutated;

	if (cons_block_merkle_root(root, &mutated, b) < 0)
		return cons_state_error(st, "out of memory");
	if (memcmp(root, b->hdr.merkle, 32) != 0)
		return cons_state_invalid(st, CONS_REJ_MUTATED, "merkle root mismatch");
	if (mutated)
		return cons_state_invalid(st, CONS_REJ_DUPLICATE_TX, "%s", "");
	return CONS_VALID;
}

enum cons_verdict cons_check_block(const struct cons_params *p, const struct cons_block *b,
				   struct cons_state *st)
{
	enum cons_verdict v = cons_check_header(p, &b->hdr, b->hash, st);

	return v == CONS_VALID ? cons_check_block_body(p, b, st) : v;
}

enum cons_verdict cons_check_block_body(const struct cons_params *p, const struct cons_block *b,
					struct cons_state *st)
{
	enum cons_verdict v = check_merkle(b, st);

	if (v != CONS_VALID)
		return v;
	if (b->n_tx == 0 || b->size > p->max_block_size)
		return cons_state_invalid(st, CONS_REJ_BAD_LENGTH, "%zu txs, %zu bytes",
					  b->n_tx, b->size);
	if (!cons_tx_is_coinbase(&b->tx[0]))
		return cons_state_invalid(st, CONS_REJ_CB_MISSING, "%s", "");
	for (size_t i = 0; i < b->n_tx; i++) {
		st->index = (long)i;
		if (i > 0 && cons_tx_is_coinbase(&b->tx[i]))
			return cons_state_invalid(st, CONS_REJ_CB_MULTIPLE, "tx %zu", i);
		v = cons_check_tx(p, &b->tx[i], st);
		if (v != CONS_VALID)
			return v;
	}
	st->index = -1;
	return CONS_VALID;
}

enum cons_verdict cons_check_block_contextual(const struct cons_params *p,
					      const struct cons_block *b, int64_t height,
					      int64_t mtp, struct cons_state *st)
{
	for (size_t i = 0; i < b->n_tx; i++) {
		if (!cons_tx_is_final(&b->tx[i], height, mtp)) {
			st->index = (long)i;
			return cons_state_invalid(st, CONS_REJ_TX_NONFINAL, "tx %zu", i);
		}
	}
	if (!cons_script_has_height(b->tx[0].in[0].script, b->tx[0].in[0].script_len, height))
		return cons_state_invalid(st, CONS_REJ_CB_HEIGHT, "expected %lld", (long long)height);
	return CONS_VALID;
}

void cons_block_undo_init(struct cons_block_undo *u)
{
	memset(u, 0, sizeof(*u));
}

void cons_block_undo_release(struct cons_block_undo *u)
{
	free(u->spent);
	cons_block_undo_init(u);
}

/* Adds tx's spendable (P2PKH) outputs to the store. */
static int add_outputs(const struct cons_coin_store *store, const struct cons_tx *tx,
		       int64_t height)
{
	struct cons_coin coin = {.height = (uint32_t)height, .coinbase = cons_tx_is_coinbase(tx)};
	struct cons_outpoint op;

	memcpy(op.txid, tx->txid, 32);
	for (size_t i = 0; i < tx->n_out; i++) {
		if (!cons_script_is_p2pkh(tx->out[i].script, tx->out[i].script_len, coin.pkh))
			continue;
		coin.value = tx->out[i].value;
		op.n = (uint32_t)i;
		if (store->add(store->ctx, &op, &coin) < 0)
			return -1;
	}
	return 0;
}

/* Checks and spends one tx's inputs, appending them to undo (sized by the caller). */
static enum cons_verdict spend_tx(const struct cons_params *p, const struct cons_block *b,
				  size_t t, int64_t height, const struct cons_coin_store *store,
				  struct cons_block_undo *undo, int64_t *fee, struct cons_state *st)
{
	const struct cons_tx *tx = &b->tx[t];
	struct cons_coin_view view = {store->ctx, store->get};
	struct cons_coin *coins = malloc(tx->n_in * sizeof(*coins));
	enum cons_verdict v;

	if (!coins)
		return cons_state_error(st, "out of memory");
	v = cons_check_tx_inputs(p, tx, &view, height, coins, fee, st);
	for (size_t i = 0; v == CONS_VALID && i < tx->n_in; i++) {
		struct cons_spent *s = &undo->spent[undo->n++];
		s->op = tx->in[i].prevout;
		s->coin = coins[i];
		s->tx = (uint32_t)t;
		s->in = (uint32_t)i;
		if (store->spend(store->ctx, &s->op) < 0)
			v = cons_state_error(st, "coin spend failed");
	}
	free(coins);
	return v;
}

static enum cons_verdict check_coinbase_value(const struct cons_params *p,
					      const struct cons_block *b, int64_t height,
					      int64_t fees, struct cons_state *st)
{
	int64_t claimed = 0, allowed = cons_block_subsidy(p, height) + fees;

	for (size_t i = 0; i < b->tx[0].n_out; i++)
		claimed += b->tx[0].out[i].value;
	if (claimed > allowed)
		return cons_state_invalid(st, CONS_REJ_CB_AMOUNT, "pays %lld, limit %lld",
					  (long long)claimed, (long long)allowed);
	return CONS_VALID;
}

enum cons_verdict cons_connect_block(const struct cons_params *p, const struct cons_block *b,
				     int64_t height, const struct cons_coin_store *store,
				     struct cons_block_undo *undo, struct cons_state *st)
{
	size_t n_in = 0;
	int64_t fees = 0, fee;
	enum cons_verdict v = CONS_VALID;

	for (size_t t = 1; t < b->n_tx; t++)
		n_in += b->tx[t].n_in;
	undo->n = 0;
	undo->spent = n_in ? malloc(n_in * sizeof(*undo->spent)) : NULL;
	if (n_in && !undo->spent)
		return cons_state_error(st, "out of memory");
	for (size_t t = 0; t < b->n_tx && v == CONS_VALID; t++) {
		st->index = (long)t;
		if (t > 0) {
			fee = 0;
			v = spend_tx(p, b, t, height, store, undo, &fee, st);
			fees += fee;
			if (v == CONS_VALID && !cons_money_range(p, fees))
				v = cons_state_invalid(st, CONS_REJ_TX_FEE_RANGE, "block fees");
		}
		if (v == CONS_VALID && add_outputs(store, &b->tx[t], height) < 0)
			v = cons_state_error(st, "coin add failed");
	}
	if (v == CONS_VALID) {
		st->index = 0;
		v = check_coinbase_value(p, b, height, fees, st);
	}
	if (v != CONS_VALID)
		cons_block_undo_release(undo);
	else
		st->index = -1;
	return v;
}

enum cons_verdict cons_check_block_sigs(const secp256k1_context *ctx, const struct cons_block *b,
					const struct cons_block_undo *undo, size_t from, size_t to,
					struct cons_state *st)
{
	for (size_t i = from; i < to; i++) {
		const struct cons_spent *s = &undo->spent[i];
		enum cons_sig_result r = cons_verify_input(ctx, &b->tx[s->tx], s->in, s->coin.pkh);
		if (r == CONS_SIG_NOMEM)
			return cons_state_error(st, "out of memory");
		if (r != CONS_SIG_OK) {
			st->index = (long)s->tx;
			return cons_state_invalid(st, CONS_REJ_TX_BAD_SIG, "tx %u input %u: %s",
						  s->tx, s->in, cons_sig_result_str(r));
		}
	}
	return CONS_VALID;
}
