/* Transaction rules; see tx_check.h. */
#include "consensus/tx_check.h"

#include <stdlib.h>
#include <string.h>

#include "consensus/script.h"
#include "consensus/sig.h"

/* Bitcoin's LOCKTIME_THRESHOLD: below it a locktime is a height. */
#define LOCKTIME_THRESHOLD 500000000
#define SEQUENCE_FINAL 0xffffffffu

static enum cons_verdict check_outputs(const struct cons_params *p, const struct cons_tx *tx,
				       struct cons_state *st)
{
	int64_t total = 0;
	bool coinbase = cons_tx_is_coinbase(tx);

	for (size_t i = 0; i < tx->n_out; i++) {
		const struct cons_txout *out = &tx->out[i];
		if (out->value < 0)
			return cons_state_invalid(st, CONS_REJ_TX_VOUT_NEGATIVE, "output %zu", i);
		if (out->value > p->max_money)
			return cons_state_invalid(st, CONS_REJ_TX_VOUT_TOOLARGE, "output %zu", i);
		total += out->value;    /* both terms <= max_money: no overflow */
		if (!cons_money_range(p, total))
			return cons_state_invalid(st, CONS_REJ_TX_VOUT_TOTAL, "at output %zu", i);
		if (!coinbase && !cons_script_is_p2pkh(out->script, out->script_len, NULL))
			return cons_state_invalid(st, CONS_REJ_TX_VOUT_SCRIPT, "output %zu", i);
	}
	return CONS_VALID;
}

static int cmp_prevout(const void *a, const void *b)
{
	return cons_outpoint_cmp(a, b);
}

/* Sorting a copy keeps this O(n log n): a block of many-input txs stays cheap. */
static enum cons_verdict check_duplicate_inputs(const struct cons_tx *tx, struct cons_state *st)
{
	struct cons_outpoint *ops;
	enum cons_verdict v = CONS_VALID;

	if (tx->n_in < 2)
		return CONS_VALID;
	ops = malloc(tx->n_in * sizeof(*ops));
	if (!ops)
		return cons_state_error(st, "out of memory");
	for (size_t i = 0; i < tx->n_in; i++)
		ops[i] = tx->in[i].prevout;
	qsort(ops, tx->n_in, sizeof(*ops), cmp_prevout);
	for (size_t i = 1; i < tx->n_in && v == CONS_VALID; i++)
		if (cons_outpoint_cmp(&ops[i - 1], &ops[i]) == 0)
			v = cons_state_invalid(st, CONS_REJ_TX_DUP_INPUTS, "%s", "");
	free(ops);
	return v;
}

static enum cons_verdict check_inputs_shape(const struct cons_tx *tx, struct cons_state *st)
{
	const uint8_t *sig, *pub;
	size_t sig_len;

	if (cons_tx_is_coinbase(tx)) {
		size_t len = tx->in[0].script_len;
		if (len < 2 || len > 100)
			return cons_state_invalid(st, CONS_REJ_TX_CB_LENGTH, "%zu bytes", len);
		return CONS_VALID;
	}
	for (size_t i = 0; i < tx->n_in; i++) {
		const struct cons_txin *in = &tx->in[i];
		if (cons_outpoint_is_null(&in->prevout))
			return cons_state_invalid(st, CONS_REJ_TX_PREVOUT_NULL, "input %zu", i);
		if (!cons_script_sig_parse(in->script, in->script_len, &sig, &sig_len, &pub))
			return cons_state_invalid(st, CONS_REJ_TX_SCRIPTSIG, "input %zu", i);
	}
	return CONS_VALID;
}

enum cons_verdict cons_check_tx(const struct cons_params *p, const struct cons_tx *tx,
				struct cons_state *st)
{
	enum cons_verdict v;

	if (tx->n_in == 0)
		return cons_state_invalid(st, CONS_REJ_TX_VIN_EMPTY, "%s", "");
	if (tx->n_out == 0)
		return cons_state_invalid(st, CONS_REJ_TX_VOUT_EMPTY, "%s", "");
	if (tx->size > p->max_block_size)
		return cons_state_invalid(st, CONS_REJ_TX_OVERSIZE, "%zu bytes", tx->size);
	v = check_outputs(p, tx, st);
	if (v == CONS_VALID)
		v = check_duplicate_inputs(tx, st);
	if (v == CONS_VALID)
		v = check_inputs_shape(tx, st);
	return v;
}

bool cons_tx_is_final(const struct cons_tx *tx, int64_t height, int64_t time)
{
	int64_t limit;

	if (tx->locktime == 0)
		return true;
	limit = tx->locktime < LOCKTIME_THRESHOLD ? height : time;
	if ((int64_t)tx->locktime < limit)
		return true;
	for (size_t i = 0; i < tx->n_in; i++)
		if (tx->in[i].sequence != SEQUENCE_FINAL)
			return false;
	return true;
}

enum cons_verdict cons_check_tx_inputs(const struct cons_params *p, const struct cons_tx *tx,
				       const struct cons_coin_view *view, int64_t spend_height,
				       struct cons_coin *coins, int64_t *fee, struct cons_state *st)
{
	int64_t in_total = 0, out_total = 0;

	for (size_t i = 0; i < tx->n_in; i++) {
		int found = view->get(view->ctx, &tx->in[i].prevout, &coins[i]);
		if (found < 0)
			return cons_state_error(st, "coin lookup failed");
		if (found == 0)
			return cons_state_invalid(st, CONS_REJ_TX_MISSING_INPUTS, "input %zu", i);
		if (coins[i].coinbase && spend_height - coins[i].height < p->coinbase_maturity)
			return cons_state_invalid(st, CONS_REJ_TX_PREMATURE_CB, "depth %lld",
						  (long long)(spend_height - coins[i].height));
		if (!cons_money_range(p, coins[i].value))
			return cons_state_invalid(st, CONS_REJ_TX_INPUT_RANGE, "input %zu", i);
		in_total += coins[i].value;
		if (!cons_money_range(p, in_total))
			return cons_state_invalid(st, CONS_REJ_TX_INPUT_RANGE, "sum at input %zu", i);
	}
	for (size_t i = 0; i < tx->n_out; i++)
		out_total += tx->out[i].value;  /* cons_check_tx bounded each and the sum */
	if (in_total < out_total)
		return cons_state_invalid(st, CONS_REJ_TX_IN_BELOW_OUT, "in %lld out %lld",
					  (long long)in_total, (long long)out_total);
	*fee = in_total - out_total;
	if (!cons_money_range(p, *fee))
		return cons_state_invalid(st, CONS_REJ_TX_FEE_RANGE, "%s", "");
	return CONS_VALID;
}

enum cons_verdict cons_check_tx_sigs(const secp256k1_context *ctx, const struct cons_tx *tx,
				     const struct cons_coin *coins, struct cons_state *st)
{
	for (size_t i = 0; i < tx->n_in; i++) {
		enum cons_sig_result r = cons_verify_input(ctx, tx, i, coins[i].pkh);
		if (r == CONS_SIG_NOMEM)
			return cons_state_error(st, "out of memory");
		if (r != CONS_SIG_OK)
			return cons_state_invalid(st, CONS_REJ_TX_BAD_SIG, "input %zu: %s", i,
						  cons_sig_result_str(r));
	}
	return CONS_VALID;
}
