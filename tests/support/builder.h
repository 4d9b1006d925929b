/*
 * Test support: builds keys, transactions and mined regtest blocks, for the
 * unit tests above consensus (chain, mempool, miner, RPC, ...), the crash
 * driver, the test tools (mkchain, txchain, rawpeer) and the benchmarks.
 * Coinbases and the nonce search are consensus/'s own (cons_coinbase_build,
 * cons_pow_search). Any failure aborts: this code only ever runs under a
 * test.
 */
#ifndef FLINT_TESTS_BUILDER_H
#define FLINT_TESTS_BUILDER_H

#include <stdint.h>
#include <secp256k1.h>

#include "consensus/block.h"
#include "consensus/params.h"

struct tb_key {
	uint8_t sec[32];
	uint8_t pub[33];
	uint8_t pkh[20];
};

/* A deterministic key from seed (distinct seeds give distinct keys). */
void tb_key(const secp256k1_context *ctx, struct tb_key *k, uint32_t seed);

/* A coinbase for height paying value to pkh; tag makes otherwise equal coinbases differ. */
void tb_coinbase(struct cons_tx *tx, int64_t height, int64_t value, const uint8_t pkh[20],
		 uint32_t tag);

/* A signed tx spending op (owned by key) with one output of value to pkh. */
void tb_spend(const secp256k1_context *ctx, struct cons_tx *tx, const struct cons_outpoint *op,
	      const struct tb_key *key, int64_t value, const uint8_t pkh[20]);

/*
 * A block on prev at height: a coinbase paying subsidy + fees to pkh
 * (tagged with tag), then txs (moved in; the array's txs are re-initialised),
 * with time and bits, nonce searched until the proof of work holds.
 */
void tb_block(struct cons_block *b, const struct cons_params *p, const uint8_t prev[32],
	      int64_t height, uint32_t time, uint32_t bits, const uint8_t pkh[20], uint32_t tag,
	      struct cons_tx *txs, size_t n, int64_t fees);

/* Re-mines b after its header or txs were changed (recomputes merkle root too). */
void tb_remine(struct cons_block *b, const struct cons_params *p);

/* Deep copy of a block. */
void tb_block_copy(struct cons_block *dst, const struct cons_block *src);

#endif
