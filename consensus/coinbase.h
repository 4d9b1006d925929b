/*
 * The coinbase transaction every block producer builds the same way: one
 * input with the null prevout whose scriptSig is BIP34's height push and one
 * direct push of the producer's own bytes (an extra nonce, a message, a
 * tag), and one P2PKH output. The miner, the genesis blocks, the testnet's
 * attack blocks and the test builders share it, so a coinbase change is made
 * once. Depends on tx and script only; no I/O.
 */
#ifndef FLINT_CONSENSUS_COINBASE_H
#define FLINT_CONSENSUS_COINBASE_H

#include <stddef.h>
#include <stdint.h>

#include "consensus/tx.h"

/* The longest extra a coinbase can carry: one direct push (opcodes 1..75). */
#define CONS_COINBASE_MAX_EXTRA 75

/*
 * Builds and finalizes the coinbase of a block at height paying value to pkh.
 * Returns 0, or -1 if out of memory (tx then holds a partial coinbase the
 * caller still releases).
 * Args:  tx:     an empty transaction from cons_tx_init, owned by the caller.
 * In:    height: the block's height (>= 0), pushed first as BIP34 asks.
 *        extra:  extra_len bytes pushed after the height (NULL if extra_len
 *                is 0); extra_len must be <= CONS_COINBASE_MAX_EXTRA.
 *        value:  the output's amount.
 *        pkh:    the HASH160 the output pays.
 */
int cons_coinbase_build(struct cons_tx *tx, int64_t height, const uint8_t *extra,
			size_t extra_len, int64_t value, const uint8_t pkh[20]);

#endif
