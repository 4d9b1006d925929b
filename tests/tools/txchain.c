/*
 * Test tool: prints a chain of signed 1-in-1-out spends, for tests of
 * unconfirmed chains (mempool limits) on a chain mkchain wrote.
 *   txchain DATADIR HEIGHT K [FEE]
 * Opens DATADIR/regtest/chaindb (before any node runs on it), and prints K
 * transactions, one per line as "TXID HEX": the first spends the coinbase
 * of block HEIGHT (mkchain's key), each next one spends the one before,
 * each paying FEE (default 10000) base units.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <secp256k1.h>

#include "node/chain.h"
#include "tests/support/builder.h"
#include "tests/support/txchain.h"

int main(int argc, char **argv)
{
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	struct node_chain *c;
	struct cons_outpoint op = {.n = 0};
	struct cons_block b;
	struct cons_tx tx;
	struct tb_key key;
	long height, k, fee = 10000;
	int64_t value;

	if (argc < 4 || (height = strtol(argv[2], NULL, 10)) < 1 ||
	    (k = strtol(argv[3], NULL, 10)) < 1 || (argc > 4 && (fee = strtol(argv[4], NULL, 10)) < 0)) {
		fputs("usage: txchain DATADIR HEIGHT K [FEE]\n", stderr);
		return 2;
	}
	if (!(c = tb_chain_open("txchain", argv[1], NULL)))
		return 1;
	if (tb_chain_read_at(c, height, &b) < 0) {
		fprintf(stderr, "txchain: no block at height %ld\n", height);
		return 1;
	}
	tb_key(ctx, &key, TB_CHAIN_KEY_SEED);
	memcpy(op.txid, b.tx[0].txid, 32);
	value = b.tx[0].out[0].value;
	for (long i = 0; i < k && value - fee > 0; i++) {
		value -= fee;
		tb_spend(ctx, &tx, &op, &key, value, key.pkh);
		tb_print_tx(&tx);
		memcpy(op.txid, tx.txid, 32);
		cons_tx_release(&tx);
	}
	cons_block_release(&b);
	node_chain_close(c);
	secp256k1_context_destroy(ctx);
	return 0;
}
