/*
 * Transaction rules. Context-free checks (CheckTransaction) need only the
 * transaction; input checks (CheckTxInputs) need a view of spendable coins;
 * signature checks need the coins being spent and a secp256k1 context.
 * They are separate so a node can run the cheap ones first and the
 * signature checks on worker threads. Only consensus rules live here: relay
 * policy (fees, limits) belongs to the node. No I/O, no globals.
 */
#ifndef FLINT_CONSENSUS_TX_CHECK_H
#define FLINT_CONSENSUS_TX_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <secp256k1.h>

#include "consensus/params.h"
#include "consensus/tx.h"
#include "consensus/validation.h"

/*
 * An unspent output. Only P2PKH outputs are coins: any other script can
 * never satisfy the spending rule, so it never enters the UTXO set.
 */
struct cons_coin {
	int64_t value;
	uint8_t pkh[20];
	uint32_t height;           /* height of the block that created it */
	bool coinbase;
};

/*
 * Read access to spendable coins. get returns 1 and fills *coin if op is
 * unspent, 0 if it is unknown or spent, -1 on an internal error.
 */
struct cons_coin_view {
	void *ctx;
	int (*get)(void *ctx, const struct cons_outpoint *op, struct cons_coin *coin);
};

/*
 * Context-free checks: inputs and outputs present, size, output values and
 * their sum within [0, max_money], outputs of non-coinbase transactions are
 * P2PKH, no input spent twice, coinbase scriptSig 2..100 bytes, no null
 * prevout outside a coinbase, every other scriptSig of the spending
 * template. Returns the verdict, recorded in st.
 */
enum cons_verdict cons_check_tx(const struct cons_params *p, const struct cons_tx *tx,
				struct cons_state *st);

/* Bitcoin's IsFinalTx: locktime reached at this height and time (BIP113 MTP). */
bool cons_tx_is_final(const struct cons_tx *tx, int64_t height, int64_t time);

/*
 * Input checks for a non-coinbase tx spent in a block at spend_height:
 * every input is an unspent coin (copied to coins[i], an array of tx->n_in),
 * coinbase coins are mature, input values and their sum in range, and the
 * sum covers the outputs. On CONS_VALID *fee holds inputs minus outputs.
 */
enum cons_verdict cons_check_tx_inputs(const struct cons_params *p, const struct cons_tx *tx,
				       const struct cons_coin_view *view, int64_t spend_height,
				       struct cons_coin *coins, int64_t *fee, struct cons_state *st);

/*
 * Signature checks: input i of tx spends coins[i] (as filled by
 * cons_check_tx_inputs). ctx is any secp256k1 context.
 */
enum cons_verdict cons_check_tx_sigs(const secp256k1_context *ctx, const struct cons_tx *tx,
				     const struct cons_coin *coins, struct cons_state *st);

#endif
