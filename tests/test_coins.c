/* Tests for storage/coins: the write-back coin cache over a real LevelDB. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/coins.h"
#include "storage/schema.h"

struct fixture {
	char dir[64];
	struct stor_db *db;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct stor_db_options o;
	char err[256];

	strcpy(f->dir, "/tmp/flint-test-coins-XXXXXX");
	if (!f || !mkdtemp(f->dir))
		return -1;
	stor_db_options_default(&o);
	if (stor_db_open(&f->db, f->dir, &o, err, sizeof(err)) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	stor_db_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static struct cons_outpoint op_of(unsigned i)
{
	struct cons_outpoint op;

	memset(&op, 0, sizeof(op));
	op.txid[0] = (uint8_t)i;
	op.txid[1] = (uint8_t)(i >> 8);
	op.txid[31] = 0xee;
	op.n = i % 3;
	return op;
}

static struct cons_coin coin_of(unsigned i)
{
	struct cons_coin c;

	memset(&c, 0, sizeof(c));
	c.value = 1000 + i;
	c.pkh[0] = (uint8_t)(i % 7);
	c.height = i;
	c.coinbase = (i % 5) == 0;
	return c;
}

static void flush(struct fixture *f, struct stor_coins *c)
{
	struct stor_batch *b = stor_batch_new();
	char err[256];

	stor_coins_write(c, b);
	assert_int_equal(stor_db_write(f->db, b, true, err, sizeof(err)), 0);
	stor_coins_written(c);
	stor_batch_free(b);
}

static int db_has(struct fixture *f, const void *key, size_t len)
{
	uint8_t *val;
	size_t vlen;
	int rc = stor_db_get(f->db, key, len, &val, &vlen, NULL, 0);

	free(val);
	return rc;
}

static void test_coins_add_get_spend_in_one_cache(void **state)
{
	struct fixture *f = *state;
	struct stor_coins *c = stor_coins_new(f->db, NULL, 1 << 20);
	struct cons_outpoint op = op_of(1);
	struct cons_coin want = coin_of(1), got;

	assert_int_equal(stor_coins_get(c, &op, &got), 0);
	assert_int_equal(stor_coins_add(c, &op, &want), 0);
	assert_int_equal(stor_coins_get(c, &op, &got), 1);
	assert_memory_equal(&got, &want, sizeof(got));
	assert_int_equal(stor_coins_spend(c, &op), 0);
	assert_int_equal(stor_coins_get(c, &op, &got), 0);
	/* Added and spent before any write: nothing reaches the database. */
	assert_int_equal(stor_coins_dirty(c), 0);
	stor_coins_free(c);
}

static void test_coins_write_persists_coin_and_address_index(void **state)
{
	struct fixture *f = *state;
	struct stor_coins *c = stor_coins_new(f->db, NULL, 0);
	struct cons_outpoint op = op_of(2);
	struct cons_coin want = coin_of(2), got;
	uint8_t key[STOR_COIN_KEY_LEN], akey[57];

	assert_int_equal(stor_coins_add(c, &op, &want), 0);
	stor_coin_key(key, &op);
	assert_int_equal(db_has(f, key, sizeof(key)), 0);
	flush(f, c);
	assert_int_equal(db_has(f, key, sizeof(key)), 1);
	akey[0] = STOR_KEY_ADDRUTXO;
	memcpy(akey + 1, want.pkh, 20);
	memcpy(akey + 21, op.txid, 32);
	stor_put_be32(akey + 53, op.n);
	assert_int_equal(db_has(f, akey, sizeof(akey)), 1);
	stor_coins_free(c);

	/* A new cache reads it from disk; spending and writing deletes both keys. */
	c = stor_coins_new(f->db, NULL, 0);
	assert_int_equal(stor_coins_get(c, &op, &got), 1);
	assert_memory_equal(&got, &want, sizeof(got));
	assert_int_equal(stor_coins_spend(c, &op), 0);
	flush(f, c);
	assert_int_equal(db_has(f, key, sizeof(key)), 0);
	assert_int_equal(db_has(f, akey, sizeof(akey)), 0);
	stor_coins_free(c);
}

static void test_coins_child_layer_discarded_leaves_parent_unchanged(void **state)
{
	struct fixture *f = *state;
	struct stor_coins *top = stor_coins_new(f->db, NULL, 1 << 20), *child;
	struct cons_outpoint a = op_of(3), b = op_of(4);
	struct cons_coin ca = coin_of(3), cb = coin_of(4), got;

	assert_int_equal(stor_coins_add(top, &a, &ca), 0);
	child = stor_coins_new(NULL, top, 0);
	assert_int_equal(stor_coins_get(child, &a, &got), 1);
	assert_int_equal(stor_coins_spend(child, &a), 0);
	assert_int_equal(stor_coins_add(child, &b, &cb), 0);
	stor_coins_free(child);             /* an invalid block: thrown away */
	assert_int_equal(stor_coins_get(top, &a, &got), 1);
	assert_int_equal(stor_coins_get(top, &b, &got), 0);
	stor_coins_free(top);
}

static void test_coins_child_merge_applies_spends_and_adds(void **state)
{
	struct fixture *f = *state;
	struct stor_coins *top = stor_coins_new(f->db, NULL, 1 << 20), *child;
	struct cons_outpoint a = op_of(5), b = op_of(6);
	struct cons_coin ca = coin_of(5), cb = coin_of(6), got;
	uint8_t key[STOR_COIN_KEY_LEN];

	assert_int_equal(stor_coins_add(top, &a, &ca), 0);
	flush(f, top);                      /* a is on disk */
	child = stor_coins_new(NULL, top, 0);
	assert_int_equal(stor_coins_get(child, &a, &got), 1);
	assert_int_equal(stor_coins_spend(child, &a), 0);
	assert_int_equal(stor_coins_add(child, &b, &cb), 0);
	assert_int_equal(stor_coins_merge(child), 0);
	stor_coins_free(child);
	assert_int_equal(stor_coins_get(top, &a, &got), 0);
	assert_int_equal(stor_coins_get(top, &b, &got), 1);
	assert_memory_equal(&got, &cb, sizeof(got));
	flush(f, top);
	stor_coin_key(key, &a);
	assert_int_equal(db_has(f, key, sizeof(key)), 0);
	stor_coin_key(key, &b);
	assert_int_equal(db_has(f, key, sizeof(key)), 1);
	stor_coins_free(top);
}

static void test_coins_respend_after_unwritten_spend_is_not_fresh(void **state)
{
	struct fixture *f = *state;
	struct stor_coins *top = stor_coins_new(f->db, NULL, 1 << 20), *child;
	struct cons_outpoint a = op_of(7);
	struct cons_coin ca = coin_of(7), got;
	uint8_t key[STOR_COIN_KEY_LEN];

	assert_int_equal(stor_coins_add(top, &a, &ca), 0);
	flush(f, top);
	assert_int_equal(stor_coins_get(top, &a, &got), 1);
	assert_int_equal(stor_coins_spend(top, &a), 0);  /* spent, unwritten */
	/* A disconnect puts it back through a child layer, then spends again. */
	child = stor_coins_new(NULL, top, 0);
	assert_int_equal(stor_coins_add(child, &a, &ca), 0);
	assert_int_equal(stor_coins_merge(child), 0);
	assert_int_equal(stor_coins_get(top, &a, &got), 1);
	assert_int_equal(stor_coins_spend(top, &a), 0);
	stor_coins_free(child);
	flush(f, top);
	stor_coin_key(key, &a);
	assert_int_equal(db_has(f, key, sizeof(key)), 0);
	stor_coins_free(top);
}

/*
 * Random adds and spends over several writes, checked against a plain
 * array model: exercises growth, backward-shift deletion and trimming.
 */
static void test_coins_random_ops_match_model(void **state)
{
	enum { N = 3000 };
	struct fixture *f = *state;
	struct stor_coins *c = stor_coins_new(f->db, NULL, 16 * 1024);
	static int8_t model[N];             /* 1 unspent, 0 absent */
	struct cons_coin got;
	unsigned seed = 12345;

	memset(model, 0, sizeof(model));
	for (int round = 0; round < 20; round++) {
		for (int k = 0; k < 800; k++) {
			seed = seed * 1103515245u + 12345u;
			unsigned i = (seed >> 8) % N;
			struct cons_outpoint op = op_of(i + 100);
			struct cons_coin want = coin_of(i + 100);
			int rc = stor_coins_get(c, &op, &got);
			assert_int_equal(rc, model[i]);
			if (rc) {
				assert_memory_equal(&got, &want, sizeof(got));
				assert_int_equal(stor_coins_spend(c, &op), 0);
				model[i] = 0;
			} else {
				assert_int_equal(stor_coins_add(c, &op, &want), 0);
				model[i] = 1;
			}
		}
		if (round % 3 == 2)
			flush(f, c);
	}
	flush(f, c);
	stor_coins_free(c);
	c = stor_coins_new(f->db, NULL, 0);
	for (unsigned i = 0; i < N; i++) {
		struct cons_outpoint op = op_of(i + 100);
		assert_int_equal(stor_coins_get(c, &op, &got), model[i]);
	}
	stor_coins_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_coins_add_get_spend_in_one_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coins_write_persists_coin_and_address_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coins_child_layer_discarded_leaves_parent_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coins_child_merge_applies_spends_and_adds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coins_respend_after_unwritten_spend_is_not_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coins_random_ops_match_model, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
