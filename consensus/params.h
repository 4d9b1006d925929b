/*
 * Chain parameters: everything that makes `testnet` and `regtest` different
 * networks (magic, genesis, ports, address prefixes) and the numbers the
 * consensus rules are parameterised by. The tables are constant; nothing
 * here changes at run time. No I/O.
 */
#ifndef FLINT_CONSENSUS_PARAMS_H
#define FLINT_CONSENSUS_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/block.h"

#define CONS_COIN 100000000LL

struct cons_params {
	const char *name;
	uint8_t magic[4];             /* p2p message start */
	uint16_t default_port;
	uint16_t default_rpc_port;
	uint8_t addr_version;         /* Base58Check version of P2PKH addresses */
	uint8_t wif_version;          /* Base58Check version of WIF keys */

	uint32_t pow_limit_bits;      /* easiest allowed target, compact */
	int64_t target_spacing;       /* seconds per block the retarget aims at */
	int64_t retarget_interval;    /* blocks per difficulty epoch */
	bool no_retarget;             /* regtest: bits never change */
	int64_t timewarp_limit;       /* BIP94: an epoch's first block may be this much older than its parent */
	int64_t max_future_drift;     /* seconds a block time may be ahead of the node's clock */

	int64_t coinbase_maturity;    /* confirmations before a coinbase output is spendable */
	int64_t halving_interval;     /* blocks between subsidy halvings */
	int64_t initial_subsidy;      /* base units */
	int64_t max_money;            /* no amount or sum may exceed this */
	size_t max_block_size;        /* serialized bytes */

	/* Genesis header fields; the coinbase is fixed by cons_genesis_block(). */
	uint32_t genesis_time;
	uint32_t genesis_bits;
	uint32_t genesis_nonce;
	const char *genesis_message;
};

/* The parameters of the chain called name, or NULL if there is none. */
const struct cons_params *cons_params_by_name(const char *name);
/* The chains in a NULL-terminated list (for --help and tests). */
const struct cons_params *const *cons_params_all(void);

/* Seconds the retarget aims each epoch to last. */
static inline int64_t cons_params_target_timespan(const struct cons_params *p)
{
	return p->target_spacing * p->retarget_interval;
}

/*
 * Builds the chain's genesis block into b (initialised by the caller, owned
 * by the caller afterwards). Returns 0, or -1 out of memory.
 */
int cons_genesis_block(struct cons_block *b, const struct cons_params *p)
	__attribute__((warn_unused_result));

/* Block subsidy at height, in base units: halves every halving_interval. */
int64_t cons_block_subsidy(const struct cons_params *p, int64_t height);
/* True if 0 <= v <= max_money. */
static inline bool cons_money_range(const struct cons_params *p, int64_t v)
{
	return v >= 0 && v <= p->max_money;
}

#endif
