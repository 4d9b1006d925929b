/*
 * Test support: extends a regtest chain with blocks full of signed P2PKH
 * spends, for mkchain and the network benchmarks (a sync that only moves
 * coinbases measures nothing but framing), and the setup the chain tools
 * (mkchain, txchain) share: opening a datadir's chain, reading a block,
 * printing a transaction. Builds on builder.h and the chain manager; any
 * failure aborts, as everywhere in tests/support, except where said.
 */
#ifndef FLINT_TESTS_TXCHAIN_H
#define FLINT_TESTS_TXCHAIN_H

#include <stdint.h>
#include <secp256k1.h>

#include "node/chain.h"
#include "tests/support/builder.h"

/* The seed of the key (tb_key) the chain tools mine to and spend from. */
#define TB_CHAIN_KEY_SEED 1

/*
 * Opens the regtest chain database under datadir (datadir/regtest/chaindb),
 * with the default options and pool for signatures (NULL: the calling
 * thread). Returns it, or NULL after printing "prog: why" on stderr.
 */
struct node_chain *tb_chain_open(const char *prog, const char *datadir, struct node_sigpool *pool)
	__attribute__((warn_unused_result));

/* Reads the active chain's block at height into b (initialized here); -1 if there is none. */
int tb_chain_read_at(struct node_chain *c, int64_t height, struct cons_block *b);

/* Prints tx as one line "TXID HEX" on stdout. */
void tb_print_tx(const struct cons_tx *tx);

/* Most spends per block: a block of 1-in-1-out P2PKH spends stays under 1 MB. */
#define TB_TXCHAIN_MAX_SPENDS 4000

/*
 * Mines n blocks on c's tip (times one second apart, coinbases to key,
 * tagged with tag) and accepts each. With spends > 0 (at most
 * TB_TXCHAIN_MAX_SPENDS), once block 1's coinbase is mature the next block
 * splits it into `spends` outputs, and every block after that spends each
 * output of the block before it with a signed 1-in-1-out tx (fee 100),
 * so blocks carry `spends` transactions from then on. Block 1's coinbase is
 * thus spent: callers that spend it themselves must pass spends = 0.
 */
void tb_txchain_extend(const secp256k1_context *ctx, struct node_chain *c, const struct tb_key *key,
		       long n, int spends, uint32_t tag);

#endif
