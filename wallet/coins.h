/*
 * What the wallet owns, read from a node's address-index answers: the
 * coins it can spend in the next block and its confirmed, unconfirmed and
 * immature balances. It reads the JSON results of getaddressutxos and
 * getaddressmempool (integer base units, as the address-index fork of
 * bitcoind returns them) and makes no call itself, so the arithmetic is
 * testable without a node. An entry of an unexpected shape, an address not
 * in the wallet or a value outside the money range is skipped: a confused
 * node cannot crash the wallet or make it sign for coins it does not own.
 */
#ifndef FLINT_WALLET_COINS_H
#define FLINT_WALLET_COINS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "wallet/spend.h"
#include "wallet/wallet.h"

/* Coins beyond this many are counted in the balance but not offered for spending. */
#define WAL_MAX_COINS 4096

struct wal_balance {
	int64_t confirmed;     /* mature confirmed coins, those a pool tx spends included */
	int64_t unconfirmed;   /* net effect of the pool's transactions on the wallet */
	int64_t immature;      /* coinbase outputs with fewer than coinbase_maturity confirmations */
};

struct wal_coins {
	struct wal_coin v[WAL_MAX_COINS];
	size_t n;
	struct wal_balance bal;
};

/*
 * Fills cs (caller-allocated; its coins borrow w's keys, until a key is
 * added to w) from utxos (the
 * result of getaddressutxos), pool (getaddressmempool; NULL for none) and
 * tip, the node's block count. Spendable: confirmed outputs that are mature
 * in block tip + 1 and not spent by a pool transaction, then outputs of
 * pool transactions paying the wallet's change addresses (its own payments)
 * that no other pool transaction spends, each output once. Ask the node
 * for pool before utxos: a pool transaction mined in between then only
 * hides its spent coins, and its change is not offered twice.
 */
void wal_coins_collect(struct wal_coins *cs, const struct wal_wallet *w, json_t *utxos,
		       json_t *pool, int64_t tip);

#endif
