/* Test chain builder; see builder.h. */
#include "tests/support/builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/coinbase.h"
#include "consensus/hash.h"
#include "consensus/pow.h"
#include "consensus/script.h"
#include "consensus/sig.h"

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "builder: %s failed\n", #x); abort(); } } while (0)

void tb_key(const secp256k1_context *ctx, struct tb_key *k, uint32_t seed)
{
	uint8_t s[4] = {(uint8_t)seed, (uint8_t)(seed >> 8), (uint8_t)(seed >> 16), (uint8_t)(seed >> 24)};

	cons_sha256(k->sec, s, sizeof(s));
	CHECK(cons_pubkey_from_seckey(ctx, k->pub, k->sec) == 0);
	cons_hash160(k->pkh, k->pub, 33);
}

void tb_coinbase(struct cons_tx *tx, int64_t height, int64_t value, const uint8_t pkh[20],
		 uint32_t tag)
{
	uint8_t extra[4];

	cons_put_le32(extra, tag);
	cons_tx_init(tx);
	CHECK(cons_coinbase_build(tx, height, extra, sizeof(extra), value, pkh) == 0);
}

void tb_spend(const secp256k1_context *ctx, struct cons_tx *tx, const struct cons_outpoint *op,
	      const struct tb_key *key, int64_t value, const uint8_t pkh[20])
{
	uint8_t out[CONS_P2PKH_SCRIPT_SIZE];

	cons_script_p2pkh(out, pkh);
	cons_tx_init(tx);
	CHECK(cons_tx_add_input(tx, op, NULL, 0, 0xffffffffu) == 0);
	CHECK(cons_tx_add_output(tx, value, out, sizeof(out)) == 0);
	CHECK(cons_sign_input(ctx, tx, 0, key->sec) == 0);
	CHECK(cons_tx_finalize(tx) == 0);
}

void tb_remine(struct cons_block *b, const struct cons_params *p)
{
	CHECK(cons_block_finalize(b) == 0);
	CHECK(cons_pow_search(p, &b->hdr, b->hash, true, NULL));
}

void tb_block(struct cons_block *b, const struct cons_params *p, const uint8_t prev[32],
	      int64_t height, uint32_t time, uint32_t bits, const uint8_t pkh[20], uint32_t tag,
	      struct cons_tx *txs, size_t n, int64_t fees)
{
	struct cons_tx cb;

	cons_block_init(b);
	tb_coinbase(&cb, height, cons_block_subsidy(p, height) + fees, pkh, tag);
	CHECK(cons_block_append_tx(b, &cb) == 0);
	for (size_t i = 0; i < n; i++)
		CHECK(cons_block_append_tx(b, &txs[i]) == 0);
	b->hdr.version = 1;
	memcpy(b->hdr.prev, prev, 32);
	b->hdr.time = time;
	b->hdr.bits = bits;
	b->hdr.nonce = 0;
	tb_remine(b, p);
}

void tb_block_copy(struct cons_block *dst, const struct cons_block *src)
{
	cons_block_init(dst);
	dst->hdr = src->hdr;
	for (size_t i = 0; i < src->n_tx; i++) {
		struct cons_tx t;
		CHECK(cons_tx_copy(&t, &src->tx[i]) == 0);
		CHECK(cons_block_append_tx(dst, &t) == 0);
	}
	memcpy(dst->hash, src->hash, 32);
	dst->size = src->size;
}
