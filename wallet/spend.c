/* Coin selection, fees and the signed payment; see spend.h. */
#include "wallet/spend.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/script.h"
#include "consensus/serialize.h"
#include "consensus/sig.h"

/* Signings tried for a fee that is exactly the signed size's, and per sequence. */
#define FEE_ROUNDS 32
#define ROUNDS_PER_SEQUENCE 4
#define SEQUENCE_FINAL 0xffffffffu

size_t wal_tx_size_max(size_t n_in, size_t n_out)
{
	/* scriptSig: push(DER + sighash byte) push(33-byte compressed key) */
	size_t script_sig = 1 + CONS_DER_SIG_MAX + 1 + 1 + 33;
	size_t in = 32 + 4 + cons_compact_size(script_sig) + script_sig + 4;
	size_t out = 8 + cons_compact_size(CONS_P2PKH_SCRIPT_SIZE) + CONS_P2PKH_SCRIPT_SIZE;

	return 4 + cons_compact_size(n_in) + n_in * in + cons_compact_size(n_out) + n_out * out + 4;
}

int64_t wal_fee_for_size(const struct cons_params *p, int64_t rate, size_t size)
{
	int64_t whole, part, fee;

	if (rate < 0 || rate > p->max_money || size > p->max_block_size)
		return -1;
	/* rate * size / 1000 rounded up, split so that no product can overflow. */
	whole = rate / 1000 * (int64_t)size;
	part = (rate % 1000 * (int64_t)size + 999) / 1000;
	fee = whole + part;
	return fee <= p->max_money ? fee : -1;
}

static int by_preference(const void *x, const void *y)
{
	const struct wal_coin *a = x, *b = y;

	if (a->unconfirmed != b->unconfirmed)
		return a->unconfirmed ? 1 : -1;
	if (a->value != b->value)
		return a->value < b->value ? 1 : -1;
	return cons_outpoint_cmp(&a->op, &b->op);   /* a fixed order for equal coins */
}

/* Sets fee and change once the first n_in coins cover amount with a one-output tx. */
static void plan_change(struct wal_plan *plan, const struct cons_params *p, int64_t rate)
{
	int64_t fee2 = wal_fee_for_size(p, rate, wal_tx_size_max(plan->n_in, 2));
	int64_t left = plan->in_total - plan->amount;

	if (fee2 >= 0 && left - fee2 >= WAL_DUST) {
		plan->fee = fee2;
		plan->change = left - fee2;
	} else {
		plan->fee = left;
		plan->change = 0;
	}
}

int wal_plan_payment(struct wal_plan *plan, const struct cons_params *p, struct wal_coin *coins,
		     size_t n, int64_t amount, int64_t rate)
{
	memset(plan, 0, sizeof(*plan));
	for (size_t i = 0; i < n; i++) {
		if (!cons_money_range(p, coins[i].value))
			return -1;
		plan->available += coins[i].value;
		if (plan->available > p->max_money)   /* more than can exist: a lying node */
			return -1;
	}
	if (amount <= 0 || amount > p->max_money || rate < 0)
		return -1;
	plan->amount = amount;
	qsort(coins, n, sizeof(*coins), by_preference);
	for (size_t k = 0; k < n; k++) {
		int64_t fee1 = wal_fee_for_size(p, rate, wal_tx_size_max(k + 1, 1));
		plan->in_total += coins[k].value;
		if (fee1 < 0)         /* only grows with more inputs */
			break;
		if (plan->in_total - amount >= fee1) {
			plan->n_in = k + 1;
			plan_change(plan, p, rate);
			return 0;
		}
	}
	plan->in_total = 0;
	return -1;
}

static int add_p2pkh(struct cons_tx *tx, const uint8_t pkh[20], int64_t value)
{
	uint8_t script[CONS_P2PKH_SCRIPT_SIZE];

	cons_script_p2pkh(script, pkh);
	return cons_tx_add_output(tx, value, script, sizeof(script));
}

static int sign_all(const secp256k1_context *ctx, struct cons_tx *tx, const struct wal_coin *coins)
{
	for (size_t i = 0; i < tx->n_in; i++)
		if (cons_sign_input(ctx, tx, i, coins[i].key->secret) < 0)
			return -1;
	return cons_tx_finalize(tx);
}

/* One way of signing: the fee (change is the rest) and the first input's sequence. */
struct attempt {
	int64_t fee;
	uint32_t sequence;
};

/* Signs as at says; *need is the fee the signed size asks. */
static int sign_attempt(const secp256k1_context *ctx, struct cons_tx *tx, struct wal_plan *plan,
			const struct cons_params *p, const struct wal_coin *coins, int64_t rate,
			struct attempt at, int64_t *need)
{
	plan->fee = at.fee;
	plan->change = plan->in_total - plan->amount - at.fee;
	tx->out[1].value = plan->change;
	tx->in[0].sequence = at.sequence;
	if (sign_all(ctx, tx, coins) < 0)
		return -1;
	*need = wal_fee_for_size(p, rate, tx->size);
	return 0;
}

/*
 * Lowers the planned fee (for the largest size) to the fee of the signed
 * size. New change means new signatures, whose lengths move by a byte, so
 * the fee follows the size a few rounds; if that cycles, the first input's
 * sequence steps down (locktime is 0, so any sequence is final) for other
 * signatures. If nothing settles, the smallest fee tried that covered its
 * own size is used: signing is deterministic (RFC6979), so signing again
 * with it gives that size again.
 */
static int settle_fee(const secp256k1_context *ctx, struct cons_tx *tx, struct wal_plan *plan,
		      const struct cons_params *p, const struct wal_coin *coins, int64_t rate)
{
	int64_t ceiling = plan->fee, need;
	struct attempt now = {ceiling, SEQUENCE_FINAL}, best = now;

	if (plan->change == 0)
		return sign_all(ctx, tx, coins);
	for (int round = 0; round < FEE_ROUNDS; round++) {
		if (sign_attempt(ctx, tx, plan, p, coins, rate, now, &need) < 0)
			return -1;
		if (need == now.fee)
			return 0;
		if (need >= 0 && need < now.fee && now.fee < best.fee)
			best = now;
		now.fee = need >= 0 && need < ceiling ? need : ceiling;
		if (round % ROUNDS_PER_SEQUENCE == ROUNDS_PER_SEQUENCE - 1)
			now.sequence--;
	}
	return sign_attempt(ctx, tx, plan, p, coins, rate, best, &need);
}

int wal_draft_payment(struct cons_tx *tx, const struct wal_plan *plan, const struct wal_coin *coins,
		      const uint8_t dest[20], char *err, size_t errlen)
{
	static const uint8_t unset[20];

	for (size_t i = 0; i < plan->n_in; i++)
		if (cons_tx_add_input(tx, &coins[i].op, NULL, 0, SEQUENCE_FINAL) < 0)
			goto nomem;
	if (add_p2pkh(tx, dest, plan->amount) < 0 ||
	    (plan->change > 0 && add_p2pkh(tx, unset, plan->change) < 0))
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int wal_sign_payment(const secp256k1_context *ctx, struct cons_tx *tx, struct wal_plan *plan,
		     const struct cons_params *p, const struct wal_coin *coins, int64_t rate,
		     const uint8_t change_pkh[20], char *err, size_t errlen)
{
	assert(tx->n_in == plan->n_in && tx->n_out == (plan->change > 0 ? 2u : 1u));
	if (plan->change > 0)
		cons_script_p2pkh(tx->out[1].script, change_pkh);
	if (settle_fee(ctx, tx, plan, p, coins, rate) < 0) {
		snprintf(err, errlen, "cannot sign the transaction (a bad key in the wallet, or "
			 "the wallet locked?)");
		return -1;
	}
	return 0;
}

int wal_build_payment(const secp256k1_context *ctx, struct cons_tx *tx, struct wal_plan *plan,
		      const struct cons_params *p, const struct wal_coin *coins, int64_t rate,
		      const uint8_t dest[20], const uint8_t change_pkh[20], char *err,
		      size_t errlen)
{
	if (wal_draft_payment(tx, plan, coins, dest, err, errlen) < 0)
		return -1;
	return wal_sign_payment(ctx, tx, plan, p, coins, rate, change_pkh, err, errlen);
}
