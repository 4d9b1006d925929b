/*
 * Tests for storage's chain database (storage/chainstate.h): the stale
 * transaction index (what a disconnect records is found after the flush,
 * survives a reopen, and the index forgets its oldest entries beyond
 * STOR_STALE_MAX), stored bytes served as written, and the coin layer a
 * block is connected in (nothing reaches the state before the commit). The index only
 * reads a block's hash and txids, so the blocks here are bare txid lists
 * on a real LevelDB in a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/block.h"
#include "consensus/params.h"
#include "consensus/serialize.h"
#include "storage/chainstate.h"
#include "storage/coins.h"

static const struct cons_params *P;

/* A block of n distinct txids, the first tx numbered from first; caller frees b->tx. */
static void fake_block(struct cons_block *b, uint8_t tag, uint32_t first, size_t n)
{
	memset(b, 0, sizeof(*b));
	b->tx = calloc(n, sizeof(*b->tx));
	assert_non_null(b->tx);
	b->n_tx = n;
	memset(b->hash, tag, 32);
	for (size_t i = 0; i < n; i++) {
		uint32_t k = first + (uint32_t)i;
		memcpy(b->tx[i].txid, &k, sizeof(k));
		b->tx[i].txid[31] = 0x5a;
	}
}

static void txid_of(uint8_t txid[32], uint32_t k)
{
	memset(txid, 0, 32);
	memcpy(txid, &k, sizeof(k));
	txid[31] = 0x5a;
}

static void rm_rf(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_chainstate_stale_record_and_find(void **state)
{
	char dir[] = "/tmp/flint-test-stale-XXXXXX", err[256];
	struct stor_chain *c;
	struct cons_block b;
	uint8_t txid[32], block[32], want[32];
	int64_t t;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(stor_chain_open(&c, dir, P, 1 << 20, err, sizeof(err)), 0);
	fake_block(&b, 0xab, 1, 3);
	assert_int_equal(stor_stale_record(c, &b, 1796181326, err, sizeof(err)), 0);
	txid_of(txid, 2);
	assert_int_equal(stor_stale_get(c, txid, block, &t, err, sizeof(err)), 0);  /* not flushed */
	assert_int_equal(stor_chain_flush(c, err, sizeof(err)), 0);
	assert_int_equal(stor_stale_get(c, txid, block, &t, err, sizeof(err)), 1);
	memset(want, 0xab, 32);
	assert_memory_equal(block, want, 32);
	assert_int_equal(t, 1796181326);
	txid_of(txid, 9);
	assert_int_equal(stor_stale_get(c, txid, block, &t, err, sizeof(err)), 0);
	stor_chain_close(c);
	free(b.tx);
	/* After a reopen: still there, and a later record of the same tx moves it. */
	assert_int_equal(stor_chain_open(&c, dir, P, 1 << 20, err, sizeof(err)), 0);
	fake_block(&b, 0xcd, 2, 1);
	assert_int_equal(stor_stale_record(c, &b, 1796181400, err, sizeof(err)), 0);
	assert_int_equal(stor_chain_flush(c, err, sizeof(err)), 0);
	txid_of(txid, 2);
	assert_int_equal(stor_stale_get(c, txid, block, &t, err, sizeof(err)), 1);
	memset(want, 0xcd, 32);
	assert_memory_equal(block, want, 32);
	assert_int_equal(t, 1796181400);
	stor_chain_close(c);
	free(b.tx);
	rm_rf(dir);
}

/* STOR_STALE_MAX + 20000 recorded, in blocks of 20000: the oldest forgotten, the rest kept. */
static void test_chainstate_stale_bounded(void **state)
{
	char dir[] = "/tmp/flint-test-stale-XXXXXX", err[256];
	const uint32_t per = 20000, total = STOR_STALE_MAX + per;
	struct stor_chain *c;
	struct cons_block b;
	uint8_t txid[32], block[32];
	int64_t t;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(stor_chain_open(&c, dir, P, 1 << 20, err, sizeof(err)), 0);
	for (uint32_t first = 0; first < total; first += per) {
		fake_block(&b, (uint8_t)(first / per + 1), first, per);
		assert_int_equal(stor_stale_record(c, &b, first, err, sizeof(err)), 0);
		assert_int_equal(stor_chain_flush(c, err, sizeof(err)), 0);
		free(b.tx);
	}
	txid_of(txid, 0);
	assert_int_equal(stor_stale_get(c, txid, block, &t, err, sizeof(err)), 0);
	txid_of(txid, per - 1);
	assert_int_equal(stor_stale_get(c, txid, block, &t, err, sizeof(err)), 0);
	txid_of(txid, per);
	assert_int_equal(stor_stale_get(c, txid, block, &t, err, sizeof(err)), 1);
	txid_of(txid, total - 1);
	assert_int_equal(stor_stale_get(c, txid, block, &t, err, sizeof(err)), 1);
	assert_int_equal(block[0], total / per);
	stor_chain_close(c);
	rm_rf(dir);
}

/* A stored block comes back byte for byte; an unknown hash is absent. */
static void test_chainstate_block_raw_as_stored(void **state)
{
	char dir[] = "/tmp/flint-test-raw-XXXXXX", err[256];
	struct stor_chain *c;
	struct stor_index_rec rec;
	struct cons_block g;
	struct cons_writer w;
	uint8_t *raw = NULL, none[32];
	size_t len = 0;

	(void)state;
	cons_block_init(&g);
	assert_int_equal(cons_genesis_block(&g, P), 0);
	cons_writer_init(&w);
	cons_block_write(&w, &g);
	assert_false(w.oom);
	memset(&rec, 0, sizeof(rec));
	memcpy(rec.hash, g.hash, 32);
	rec.hdr = g.hdr;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(stor_chain_open(&c, dir, P, 1 << 20, err, sizeof(err)), 0);
	assert_int_equal(stor_block_put(c, &g, &rec, err, sizeof(err)), 0);
	assert_int_equal(stor_block_get_raw(c, &raw, &len, g.hash, err, sizeof(err)), 1);
	assert_int_equal(len, w.len);
	assert_memory_equal(raw, w.data, len);
	free(raw);
	memset(none, 0x77, sizeof(none));
	assert_int_equal(stor_block_get_raw(c, &raw, &len, none, err, sizeof(err)), 0);
	stor_chain_close(c);
	rm_rf(dir);
	cons_writer_release(&w);
	cons_block_release(&g);
}

/* Nothing a layer holds reaches the chain state until it is committed; a commit survives a reopen. */
static void test_chainstate_layer_commits_only_on_commit(void **state)
{
	char dir[] = "/tmp/flint-test-layer-XXXXXX", err[256];
	struct cons_outpoint op = { .n = 0 };
	struct cons_coin coin = { .value = 5000, .height = 1 }, got;
	struct cons_block_undo undo;
	struct stor_coins *layer;
	struct stor_chain *c;
	struct cons_block b;
	uint8_t tip[32];

	(void)state;
	fake_block(&b, 0x31, 100, 1);
	memcpy(op.txid, b.tx[0].txid, 32);
	cons_block_undo_init(&undo);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(stor_chain_open(&c, dir, P, 1 << 20, err, sizeof(err)), 0);
	layer = stor_chain_layer(c);
	assert_non_null(layer);
	assert_int_equal(stor_coins_add(layer, &op, &coin), 0);
	assert_int_equal(stor_coins_get(layer, &op, &got), 1);
	stor_coins_free(layer);                 /* an invalid block: thrown away */
	assert_int_equal(stor_coin_get(c, &op, &got), 0);
	layer = stor_chain_layer(c);
	assert_non_null(layer);
	assert_int_equal(stor_coins_add(layer, &op, &coin), 0);
	assert_int_equal(stor_connect_commit(c, layer, &b, 1, &undo, err, sizeof(err)), 0);
	stor_coins_free(layer);
	assert_int_equal(stor_coin_get(c, &op, &got), 1);
	assert_int_equal(stor_chain_flush(c, err, sizeof(err)), 0);
	stor_chain_close(c);
	assert_int_equal(stor_chain_open(&c, dir, P, 1 << 20, err, sizeof(err)), 0);
	assert_int_equal(stor_coin_get(c, &op, &got), 1);
	assert_int_equal(got.value, 5000);
	assert_int_equal(stor_tip_get(c, tip, err, sizeof(err)), 1);
	assert_memory_equal(tip, b.hash, 32);
	stor_chain_close(c);
	rm_rf(dir);
	free(b.tx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chainstate_stale_record_and_find),
		cmocka_unit_test(test_chainstate_stale_bounded),
		cmocka_unit_test(test_chainstate_block_raw_as_stored),
		cmocka_unit_test(test_chainstate_layer_commits_only_on_commit),
	};

	P = cons_params_by_name("regtest");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
