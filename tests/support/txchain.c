/* Chains of signed spends for tools and benchmarks; see txchain.h. */
#include "tests/support/txchain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/script.h"
#include "consensus/sig.h"
#include "util/hex.h"

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "txchain: %s failed\n", #x); abort(); } } while (0)
#define FEE 100

struct node_chain *tb_chain_open(const char *prog, const char *datadir, struct node_sigpool *pool)
{
	struct node_chain_options o;
	struct node_chain *c;
	char dir[600], err[256];

	snprintf(dir, sizeof(dir), "%s/regtest/chaindb", datadir);
	node_chain_options_default(&o);
	if (node_chain_open(&c, dir, cons_params_by_name("regtest"), &o, pool, NULL, err,
			    sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return NULL;
	}
	return c;
}

int tb_chain_read_at(struct node_chain *c, int64_t height, struct cons_block *b)
{
	const struct node_blockidx *idx = node_chain_at(c, height);

	cons_block_init(b);
	return idx && node_chain_read_block(c, idx, b) == 1 ? 0 : -1;
}

void tb_print_tx(const struct cons_tx *tx)
{
	struct cons_writer w;
	char id[65], *hex;

	cons_writer_init(&w);
	cons_tx_write(&w, tx);
	hex = malloc(2 * w.len + 1);
	CHECK(!w.oom && hex);
	util_hex_encode(hex, w.data, w.len);
	util_hex_encode_rev(id, tx->txid, 32);
	printf("%s %s\n", id, hex);
	free(hex);
	cons_writer_release(&w);
}

static void read_active(struct node_chain *c, int64_t height, struct cons_block *b)
{
	CHECK(tb_chain_read_at(c, height, b) == 0);
}

/* tx splits block 1's coinbase into n equal outputs to key; returns its fee. */
static int64_t split_tx(const secp256k1_context *ctx, struct node_chain *c,
			const struct tb_key *key, int n, struct cons_tx *tx)
{
	uint8_t out[CONS_P2PKH_SCRIPT_SIZE];
	struct cons_outpoint op = {.n = 0};
	struct cons_block b;
	int64_t in, each;

	read_active(c, 1, &b);
	memcpy(op.txid, b.tx[0].txid, 32);
	in = b.tx[0].out[0].value;
	cons_block_release(&b);
	each = (in - FEE) / n;
	cons_script_p2pkh(out, key->pkh);
	cons_tx_init(tx);
	CHECK(cons_tx_add_input(tx, &op, NULL, 0, 0xffffffffu) == 0);
	for (int i = 0; i < n; i++)
		CHECK(cons_tx_add_output(tx, each, out, sizeof(out)) == 0);
	CHECK(cons_sign_input(ctx, tx, 0, key->sec) == 0);
	CHECK(cons_tx_finalize(tx) == 0);
	return in - each * n;
}

/* One spend per output of the tip block's non-coinbase txs, at most max; *n gets the count. */
static int64_t spend_tip(const secp256k1_context *ctx, struct node_chain *c,
			 const struct tb_key *key, struct cons_tx *txs, int max, int *n)
{
	struct cons_outpoint op;
	struct cons_block b;

	*n = 0;
	read_active(c, node_chain_tip(c)->height, &b);
	for (size_t t = 1; t < b.n_tx; t++) {
		memcpy(op.txid, b.tx[t].txid, 32);
		for (uint32_t o = 0; o < b.tx[t].n_out && *n < max; o++) {
			op.n = o;
			tb_spend(ctx, &txs[(*n)++], &op, key, b.tx[t].out[o].value - FEE, key->pkh);
		}
	}
	cons_block_release(&b);
	return (int64_t)*n * FEE;
}

/* The txs of the block after the tip (see tb_txchain_extend); *n gets their count. */
static int64_t next_txs(const secp256k1_context *ctx, struct node_chain *c,
			const struct tb_key *key, int spends, struct cons_tx *txs, int *n)
{
	int64_t h = node_chain_tip(c)->height + 1, maturity = node_chain_params(c)->coinbase_maturity;

	*n = 0;
	if (spends == 0 || h <= maturity)
		return 0;
	if (h == maturity + 1) {
		*n = 1;
		return split_tx(ctx, c, key, spends, &txs[0]);
	}
	return spend_tip(ctx, c, key, txs, spends, n);
}

void tb_txchain_extend(const secp256k1_context *ctx, struct node_chain *c, const struct tb_key *key,
		       long n, int spends, uint32_t tag)
{
	const struct cons_params *p = node_chain_params(c);
	struct cons_tx *txs = calloc((size_t)(spends > 0 ? spends : 1), sizeof(*txs));

	CHECK(txs && spends >= 0 && spends <= TB_TXCHAIN_MAX_SPENDS);
	for (long i = 0; i < n; i++) {
		const struct node_blockidx *tip = node_chain_tip(c);
		struct cons_block b;
		struct cons_state st;
		int ntx;
		int64_t fees = next_txs(ctx, c, key, spends, txs, &ntx);

		tb_block(&b, p, tip->hash, tip->height + 1, p->genesis_time + (uint32_t)tip->height + 1,
			 p->genesis_bits, key->pkh, tag, txs, (size_t)ntx, fees);
		cons_state_init(&st);
		if (node_chain_accept_block(c, &b, NULL, &st) != CONS_VALID) {
			fprintf(stderr, "txchain: block rejected: %s\n", cons_reject_reason(st.code));
			abort();
		}
	}
	free(txs);
}
