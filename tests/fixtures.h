/*
 * Fixtures shared by the consensus unit tests (test_tx_check, test_block_check):
 * keys from fixed 32-byte secrets, a general signed-transaction builder, an
 * in-memory coin store and chain view behind the consensus callbacks, and
 * header-only mining. Header-only (static inline) so each program takes what
 * it uses without a Makefile rule; coinbases and mined blocks come from
 * tests/support/builder.h. Include after <cmocka.h>: failures here are test
 * failures.
 */
#ifndef FLINT_TESTS_FIXTURES_H
#define FLINT_TESTS_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <secp256k1.h>

#include "consensus/block.h"
#include "consensus/block_check.h"
#include "consensus/hash.h"
#include "consensus/pow.h"
#include "consensus/script.h"
#include "consensus/serialize.h"
#include "consensus/sig.h"
#include "consensus/tx_check.h"
#include "consensus/validation.h"
#include "tests/support/builder.h"

#define FX_SEQ_FINAL 0xffffffffu

/* Asserts an invalid verdict with exactly this reject code. */
#define FX_ASSERT_INVALID(v, st, want)                                        \
	do {                                                                  \
		assert_int_equal((v), CONS_INVALID);                          \
		assert_int_equal((st).verdict, CONS_INVALID);                 \
		assert_int_equal((st).code, (want));                          \
	} while (0)

/* Asserts a valid verdict and an untouched reject code. */
#define FX_ASSERT_VALID(v, st)                                                \
	do {                                                                  \
		assert_int_equal((v), CONS_VALID);                            \
		assert_int_equal((st).code, CONS_REJ_NONE);                   \
	} while (0)

/* The key whose secret is 32 bytes of fill (any fill 0x01..0xfe is a valid key). */
static inline void fx_key(const secp256k1_context *ctx, struct tb_key *k, uint8_t fill)
{
	memset(k->sec, fill, sizeof(k->sec));
	assert_int_equal(cons_pubkey_from_seckey(ctx, k->pub, k->sec), 0);
	cons_hash160(k->pkh, k->pub, sizeof(k->pub));
}

static inline struct cons_outpoint fx_op(uint8_t fill, uint32_t n)
{
	struct cons_outpoint op;

	memset(op.txid, fill, sizeof(op.txid));
	op.n = n;
	return op;
}

static inline void fx_add_p2pkh(struct cons_tx *tx, int64_t value, const uint8_t pkh[20])
{
	uint8_t script[CONS_P2PKH_SCRIPT_SIZE];

	cons_script_p2pkh(script, pkh);
	assert_int_equal(cons_tx_add_output(tx, value, script, sizeof(script)), 0);
}

/*
 * A transaction spending ops[i] with keys[i] (each input signed by its key,
 * or left with an empty scriptSig when keys[i] is NULL), paying values[i] to
 * pkhs[i], with locktime and every input's sequence as given.
 */
static inline void fx_tx(const secp256k1_context *ctx, struct cons_tx *tx,
			 const struct cons_outpoint *ops, const struct tb_key *const *keys, size_t n_in,
			 const int64_t *values, const uint8_t (*pkhs)[20], size_t n_out,
			 uint32_t locktime, uint32_t sequence)
{
	cons_tx_init(tx);
	tx->locktime = locktime;
	for (size_t i = 0; i < n_in; i++)
		assert_int_equal(cons_tx_add_input(tx, &ops[i], NULL, 0, sequence), 0);
	for (size_t i = 0; i < n_out; i++)
		fx_add_p2pkh(tx, values[i], pkhs[i]);
	for (size_t i = 0; i < n_in; i++)
		if (keys[i])
			assert_int_equal(cons_sign_input(ctx, tx, i, keys[i]->sec), 0);
	assert_int_equal(cons_tx_finalize(tx), 0);
}

/* The common case: one input signed by key, one output of value to pkh. */
static inline void fx_spend(const secp256k1_context *ctx, struct cons_tx *tx,
			    const struct cons_outpoint *op, const struct tb_key *key, int64_t value,
			    const uint8_t pkh[20])
{
	const struct tb_key *keys[1] = {key};
	const uint8_t (*pkhs)[20] = (const uint8_t (*)[20])pkh;

	fx_tx(ctx, tx, op, keys, 1, &value, pkhs, 1, 0, FX_SEQ_FINAL);
}

/*
 * A signed spend of op (owned by key) into n zero-value outputs to pkh and a
 * last one of change to pkh. Built by parsing one serialization, so a
 * megabyte of outputs costs one allocation rather than n reallocations.
 */
static inline void fx_wide_spend(const secp256k1_context *ctx, struct cons_tx *tx,
				 const struct cons_outpoint *op, const struct tb_key *key, size_t n,
				 int64_t change, const uint8_t pkh[20])
{
	uint8_t script[CONS_P2PKH_SCRIPT_SIZE];
	struct cons_writer w;

	cons_script_p2pkh(script, pkh);
	cons_writer_init(&w);
	cons_write_u32(&w, 1);
	cons_write_compact(&w, 1);
	cons_write_bytes(&w, op->txid, 32);
	cons_write_u32(&w, op->n);
	cons_write_compact(&w, 0);
	cons_write_u32(&w, FX_SEQ_FINAL);
	cons_write_compact(&w, n + 1);
	for (size_t i = 0; i <= n; i++) {
		cons_write_u64(&w, i < n ? 0 : (uint64_t)change);
		cons_write_varbytes(&w, script, sizeof(script));
	}
	cons_write_u32(&w, 0);
	assert_false(w.oom);
	cons_tx_init(tx);
	assert_int_equal(cons_tx_parse(tx, NULL, w.data, w.len), 0);
	cons_writer_release(&w);
	assert_int_equal(cons_sign_input(ctx, tx, 0, key->sec), 0);
	assert_int_equal(cons_tx_finalize(tx), 0);
}

/* Searches the nonce until the header meets its bits; leaves the merkle root alone. */
static inline void fx_mine_header(struct cons_block *b, const struct cons_params *p)
{
	assert_true(cons_pow_search(p, &b->hdr, b->hash, true, NULL));
}

/* Searches the nonce until the header fails its bits (for high-hash tests). */
static inline void fx_unmine_header(struct cons_block *b, const struct cons_params *p)
{
	assert_true(cons_pow_search(p, &b->hdr, b->hash, false, NULL));
}

/* ---- In-memory coin store ------------------------------------------------ */

#define FX_MAX_COINS 64

struct fx_coin_entry {
	struct cons_outpoint op;
	struct cons_coin coin;
	bool live;
};

/* fail_* make the matching callback report an internal error (-1). */
struct fx_coins {
	struct fx_coin_entry e[FX_MAX_COINS];
	size_t n;
	bool fail_get, fail_spend, fail_add;
};

static inline void fx_coins_init(struct fx_coins *s)
{
	memset(s, 0, sizeof(*s));
}

static inline struct fx_coin_entry *fx_coins_find(struct fx_coins *s, const struct cons_outpoint *op)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->e[i].live && cons_outpoint_cmp(&s->e[i].op, op) == 0)
			return &s->e[i];
	return NULL;
}

static inline int fx_coins_get(void *ctx, const struct cons_outpoint *op, struct cons_coin *coin)
{
	struct fx_coins *s = ctx;
	struct fx_coin_entry *e;

	if (s->fail_get)
		return -1;
	e = fx_coins_find(s, op);
	if (!e)
		return 0;
	*coin = e->coin;
	return 1;
}

static inline int fx_coins_spend(void *ctx, const struct cons_outpoint *op)
{
	struct fx_coins *s = ctx;
	struct fx_coin_entry *e;

	if (s->fail_spend)
		return -1;
	e = fx_coins_find(s, op);
	assert_non_null(e);     /* consensus must only spend what get returned */
	e->live = false;
	return 0;
}

static inline int fx_coins_add(void *ctx, const struct cons_outpoint *op, const struct cons_coin *coin)
{
	struct fx_coins *s = ctx;

	if (s->fail_add)
		return -1;
	assert_true(s->n < FX_MAX_COINS);
	assert_null(fx_coins_find(s, op));
	s->e[s->n].op = *op;
	s->e[s->n].coin = *coin;
	s->e[s->n].live = true;
	s->n++;
	return 0;
}

static inline void fx_coins_put(struct fx_coins *s, const struct cons_outpoint *op, int64_t value,
				const uint8_t pkh[20], uint32_t height, bool coinbase)
{
	struct cons_coin c = {.value = value, .height = height, .coinbase = coinbase};

	memcpy(c.pkh, pkh, 20);
	assert_int_equal(fx_coins_add(s, op, &c), 0);
}

static inline bool fx_coins_has(struct fx_coins *s, const struct cons_outpoint *op)
{
	return fx_coins_find(s, op) != NULL;
}

static inline size_t fx_coins_live(const struct fx_coins *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->e[i].live;
	return n;
}

static inline struct cons_coin_view fx_coins_view(struct fx_coins *s)
{
	struct cons_coin_view v = {s, fx_coins_get};

	return v;
}

static inline struct cons_coin_store fx_coins_store(struct fx_coins *s)
{
	struct cons_coin_store st = {s, fx_coins_get, fx_coins_spend, fx_coins_add};

	return st;
}

/* ---- In-memory chain view ----------------------------------------------- */

#define FX_MAX_CHAIN 2048

/* Blocks 0..height with their times and bits; fail makes every lookup fail. */
struct fx_chain {
	uint32_t time[FX_MAX_CHAIN];
	uint32_t bits[FX_MAX_CHAIN];
	int64_t height;
	bool fail;
};

static inline int fx_chain_ancestor(const void *ctx, int64_t h, uint32_t *time, uint32_t *bits)
{
	const struct fx_chain *c = ctx;

	if (c->fail)
		return -1;
	assert_true(h >= 0 && h <= c->height);
	*time = c->time[h];
	*bits = c->bits[h];
	return 0;
}

/* A chain of height + 1 blocks, all with bits, block h at time t0 + h * step. */
static inline void fx_chain_linear(struct fx_chain *c, int64_t height, uint32_t t0, uint32_t step,
				   uint32_t bits)
{
	assert_true(height >= 0 && height < FX_MAX_CHAIN);
	memset(c, 0, sizeof(*c));
	c->height = height;
	for (int64_t h = 0; h <= height; h++) {
		c->time[h] = t0 + (uint32_t)h * step;
		c->bits[h] = bits;
	}
}

static inline struct cons_chain_view fx_chain_view(const struct fx_chain *c)
{
	struct cons_chain_view v = {c, c->height, fx_chain_ancestor};

	return v;
}

#endif
