/*
 * The two chains. testnet is for local multi-node networks of CPU miners:
 * five-second blocks, short epochs so difficulty follows miners joining and
 * leaving within minutes, a genesis difficulty above the limit so that the
 * first epoch is not a block storm, and a small future drift so that clock
 * skew faults show within a demo. regtest is Bitcoin's regtest, scaled:
 * minimum difficulty, no retarget, blocks on demand.
 */
#include "consensus/params.h"

#include <string.h>

#include "consensus/coinbase.h"

static const struct cons_params testnet = {
	.name = "testnet",
	.magic = {0xf1, 0x1b, 0x7e, 0x57},
	.default_port = 28333,
	.default_rpc_port = 28332,
	.addr_version = 0x23,         /* addresses start with 'F' */
	.wif_version = 0x61,          /* compressed WIF starts with 'F' too, 52 chars */
	.pow_limit_bits = 0x1f00ffff, /* ~65k hashes: one slow CPU still makes blocks */
	.target_spacing = 5,
	.retarget_interval = 24,      /* two-minute epochs */
	.no_retarget = false,
	.timewarp_limit = 60,
	.max_future_drift = 30,
	.coinbase_maturity = 20,
	.halving_interval = 100000,
	.initial_subsidy = 50 * CONS_COIN,
	.max_money = 21000000 * CONS_COIN,
	.max_block_size = 1000000,
	.genesis_time = 1795305600,   /* 2026-11-22 00:00 UTC */
	.genesis_bits = 0x1e00ffff,   /* ~16.7M hashes per block at start */
	.genesis_nonce = 3322698,     /* found by `make genesis` */
	.genesis_message = "Flint testnet: watch distributed consensus work",
};

static const struct cons_params regtest = {
	.name = "regtest",
	.magic = {0xf1, 0x1b, 0x7e, 0x52},
	.default_port = 28444,
	.default_rpc_port = 28443,
	.addr_version = 0x7b,         /* addresses start with 'r' */
	.wif_version = 0xa3,          /* compressed WIF starts with 'R' */
	.pow_limit_bits = 0x207fffff,
	.target_spacing = 600,
	.retarget_interval = 2016,
	.no_retarget = true,
	.timewarp_limit = 600,
	.max_future_drift = 7200,
	.coinbase_maturity = 100,
	.halving_interval = 150,
	.initial_subsidy = 50 * CONS_COIN,
	.max_money = 21000000 * CONS_COIN,
	.max_block_size = 1000000,
	.genesis_time = 1795305600,
	.genesis_bits = 0x207fffff,
	.genesis_nonce = 0,
	.genesis_message = "Flint regtest: deterministic tests",
};

static const struct cons_params *const all_params[] = {&testnet, &regtest, NULL};

const struct cons_params *cons_params_by_name(const char *name)
{
	for (size_t i = 0; all_params[i]; i++)
		if (strcmp(all_params[i]->name, name) == 0)
			return all_params[i];
	return NULL;
}

const struct cons_params *const *cons_params_all(void)
{
	return all_params;
}

/*
 * The genesis coinbase: BIP34's height 0 push, then the chain's message; one
 * output of the initial subsidy to an all-zero key hash that no key can
 * spend. As in Bitcoin, genesis outputs never enter the UTXO set.
 */
static int genesis_coinbase(struct cons_tx *tx, const struct cons_params *p)
{
	static const uint8_t zero_pkh[20];

	/* One direct push: messages are < 76 bytes. */
	return cons_coinbase_build(tx, 0, (const uint8_t *)p->genesis_message,
				   strlen(p->genesis_message), p->initial_subsidy, zero_pkh);
}

int cons_genesis_block(struct cons_block *b, const struct cons_params *p)
{
	struct cons_tx cb;

	cons_tx_init(&cb);
	if (genesis_coinbase(&cb, p) < 0 || cons_block_append_tx(b, &cb) < 0) {
		cons_tx_release(&cb);
		return -1;
	}
	b->hdr.version = 1;
	memset(b->hdr.prev, 0, 32);
	b->hdr.time = p->genesis_time;
	b->hdr.bits = p->genesis_bits;
	b->hdr.nonce = p->genesis_nonce;
	return cons_block_finalize(b);
}

int64_t cons_block_subsidy(const struct cons_params *p, int64_t height)
{
	int64_t halvings = height / p->halving_interval;

	if (halvings >= 64)
		return 0;
	return p->initial_subsidy >> halvings;
}
