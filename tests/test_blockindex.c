/*
 * Tests for the block index (node/blockindex.h): entries are found by hash
 * across the table's growth, the skip pointers find every ancestor of a
 * long chain and of a side branch, and the height order puts parents
 * before children.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "node/blockindex.h"

#define CHAIN 5000

static void hash_of(uint8_t hash[32], uint32_t k)
{
	uint64_t x = k * 0x9e3779b97f4a7c15ull;

	memset(hash, 0, 32);
	memcpy(hash, &x, sizeof(x));
	memcpy(hash + 8, &k, sizeof(k));
}

/* A chain of n entries from genesis, built in order; v[h] is the entry at height h. */
static void build_chain(struct node_blockindex *bi, struct node_blockidx **v, uint32_t n)
{
	struct cons_header hdr;
	uint8_t hash[32];

	memset(&hdr, 0, sizeof(hdr));
	for (uint32_t h = 0; h < n; h++) {
		hash_of(hash, h);
		v[h] = node_blockindex_add(bi, hash, &hdr);
		assert_non_null(v[h]);
		v[h]->height = h;
		node_blockidx_link(v[h], h ? v[h - 1] : NULL);
	}
}

static void test_blockindex_find_across_growth(void **state)
{
	static struct node_blockidx *v[CHAIN];
	struct node_blockindex bi;
	uint8_t hash[32];

	(void)state;
	assert_int_equal(node_blockindex_init(&bi), 0);
	build_chain(&bi, v, CHAIN);
	assert_int_equal(bi.count, CHAIN);
	assert_true(bi.tcap >= CHAIN);
	for (uint32_t h = 0; h < CHAIN; h++) {
		hash_of(hash, h);
		assert_ptr_equal(node_blockindex_find(&bi, hash), v[h]);
	}
	hash_of(hash, CHAIN);
	assert_null(node_blockindex_find(&bi, hash));
	node_blockindex_release(&bi);
}

static void test_blockindex_ancestors(void **state)
{
	static struct node_blockidx *v[CHAIN];
	struct node_blockindex bi;
	struct node_blockidx *side[10];
	struct cons_header hdr;
	uint8_t hash[32];

	(void)state;
	memset(&hdr, 0, sizeof(hdr));
	assert_int_equal(node_blockindex_init(&bi), 0);
	build_chain(&bi, v, CHAIN);
	for (int64_t h = 0; h < CHAIN; h += 7)
		for (int64_t a = 0; a <= h; a += 13)
			assert_ptr_equal(node_blockidx_ancestor(v[h], a), v[a]);
	assert_ptr_equal(node_blockidx_ancestor(v[CHAIN - 1], CHAIN - 1), v[CHAIN - 1]);
	assert_null(node_blockidx_ancestor(v[100], 101));
	/* A side branch from height 3000 meets the main chain below its fork. */
	for (int i = 0; i < 10; i++) {
		hash_of(hash, 1000000 + (uint32_t)i);
		side[i] = node_blockindex_add(&bi, hash, &hdr);
		assert_non_null(side[i]);
		side[i]->height = 3001 + i;
		node_blockidx_link(side[i], i ? side[i - 1] : v[3000]);
	}
	assert_ptr_equal(node_blockidx_ancestor(side[9], 3000), v[3000]);
	assert_ptr_equal(node_blockidx_ancestor(side[9], 17), v[17]);
	assert_ptr_equal(node_blockidx_ancestor(side[9], 3005), side[4]);
	assert_ptr_not_equal(node_blockidx_ancestor(side[9], 3005), v[3005]);
	node_blockindex_release(&bi);
}

static void test_blockindex_by_height(void **state)
{
	static struct node_blockidx *v[CHAIN];
	struct node_blockindex bi;
	struct node_blockidx **all;
	size_t n;

	(void)state;
	assert_int_equal(node_blockindex_init(&bi), 0);
	build_chain(&bi, v, CHAIN);
	assert_int_equal(node_blockindex_by_height(&bi, &all, &n), 0);
	assert_int_equal(n, CHAIN);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(all[i]->height, (int64_t)i);
	free(all);
	node_blockindex_release(&bi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blockindex_find_across_growth),
		cmocka_unit_test(test_blockindex_ancestors),
		cmocka_unit_test(test_blockindex_by_height),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
