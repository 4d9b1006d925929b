/*
 * Paying from the wallet's coins: coin selection, the fee for a size,
 * change, the unsigned draft and its signing (two steps, so that a wallet
 * asks for its passphrase only once the payment is known to be possible).
 * Pure arithmetic over base units plus consensus/ serialization and
 * signing: no RPC, no files, no node/. Every sum is checked against the
 * chain's money cap, so no input (a huge fee rate, thousands of coins) can
 * overflow.
 */
#ifndef FLINT_WALLET_SPEND_H
#define FLINT_WALLET_SPEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <secp256k1.h>

#include "consensus/params.h"
#include "consensus/tx.h"
#include "wallet/wallet.h"

/* Change below this is not worth an output (it costs more to spend): the miner gets it. */
#define WAL_DUST 546

struct wal_coin {
	struct cons_outpoint op;
	int64_t value;                /* base units, within the money range */
	const struct wal_key *key;    /* borrowed: the key the output pays (see wal_new_key) */
	bool unconfirmed;             /* the wallet's own change, still in the mempool */
};

/*
 * A payment before signing. Invariant after wal_plan_payment() returns 0:
 * in_total == amount + fee + change, change == 0 or change >= WAL_DUST, and
 * the first n_in coins of the array it was given are the inputs.
 */
struct wal_plan {
	size_t n_in;
	int64_t in_total, amount, fee, change;   /* change 0: no change output */
	int64_t available;                       /* sum of every coin offered */
};

/*
 * The largest serialized size a transaction of n_in signed P2PKH inputs
 * and n_out P2PKH outputs can have (signatures of the longest DER length).
 */
size_t wal_tx_size_max(size_t n_in, size_t n_out);

/*
 * The fee for size bytes at rate base units per 1000 bytes, rounded up
 * (the node refuses fee * 1000 < rate * size). Returns it, or -1 if rate is
 * negative or above the money cap, size is above the block size, or the fee
 * would exceed the money cap.
 */
int64_t wal_fee_for_size(const struct cons_params *p, int64_t rate, size_t size);

/*
 * Chooses inputs for paying amount (> 0) at rate: sorts coins[0..n) in place
 * (confirmed before unconfirmed, then largest first) and takes them in that
 * order until amount and the fee of the largest possible signed size are
 * covered. Change below WAL_DUST goes to the fee. Returns 0 with plan set,
 * or -1 if the coins are not enough (or an argument is out of range), with
 * plan->available still set for the message.
 */
int wal_plan_payment(struct wal_plan *plan, const struct cons_params *p, struct wal_coin *coins,
		     size_t n, int64_t amount, int64_t rate) __attribute__((warn_unused_result));

/*
 * The payment planned by wal_plan_payment() from the same coins, unsigned,
 * into tx (initialised by the caller, owned by the caller): every input
 * with an empty scriptSig, amount to dest, then change (if plan->change > 0)
 * to a placeholder script that wal_sign_payment() sets. Needs no secret, so
 * a wallet builds it before asking for its passphrase. 0, or -1 with err
 * (out of memory).
 */
int wal_draft_payment(struct cons_tx *tx, const struct wal_plan *plan, const struct wal_coin *coins,
		      const uint8_t dest[20], char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * Signs tx, a draft of wal_draft_payment() from the same plan and coins:
 * the change output (if any) is set to pay change_pkh (ignored without
 * change; the change key can so be made once the wallet is unlocked), then
 * every input is signed with its coin's key, whose secret must be unlocked.
 * With change, the fee is then lowered to wal_fee_for_size(rate, signed
 * size) and the change raised by as much; plan is updated to match.
 * (Signature lengths move by a byte with what is signed; to reach an exact
 * fee the first input's sequence may be stepped down from 0xffffffff,
 * which is harmless with locktime 0. Failing that within a bounded number
 * of signings, the fee is the smallest tried that covers its own signed
 * size.) The fee is never below the signed size's nor above the plan's.
 * The secrets are read in place (consensus/sig.c keeps no copy); the
 * caller wipes them (wal_lock) once signed.
 * Returns 0, or -1 with err (an invalid or wiped key).
 */
int wal_sign_payment(const secp256k1_context *ctx, struct cons_tx *tx, struct wal_plan *plan,
		     const struct cons_params *p, const struct wal_coin *coins, int64_t rate,
		     const uint8_t change_pkh[20], char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * wal_draft_payment() then wal_sign_payment() into tx (initialised and
 * owned by the caller), for a caller whose keys are already unlocked.
 * 0, or -1 with err.
 */
int wal_build_payment(const secp256k1_context *ctx, struct cons_tx *tx, struct wal_plan *plan,
		      const struct cons_params *p, const struct wal_coin *coins, int64_t rate,
		      const uint8_t dest[20], const uint8_t change_pkh[20], char *err,
		      size_t errlen) __attribute__((warn_unused_result));

#endif
