/* Tests for util/hmap, against a plain array model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/hmap.h"

static void key_of(uint8_t k[36], unsigned i)
{
	memset(k, 0, 36);
	memcpy(k, &i, sizeof(i));
	k[35] = (uint8_t)(i * 7);
}

static void test_hmap_put_get_replace_delete(void **state)
{
	struct util_hmap m;
	uint8_t k[36];
	int a = 1, b = 2;

	util_hmap_init(&m, 36);
	key_of(k, 5);
	assert_null(util_hmap_get(&m, k));
	assert_int_equal(util_hmap_put(&m, k, &a), 0);
	assert_ptr_equal(util_hmap_get(&m, k), &a);
	assert_int_equal(util_hmap_put(&m, k, &b), 0);
	assert_ptr_equal(util_hmap_get(&m, k), &b);
	assert_int_equal(m.used, 1);
	assert_ptr_equal(util_hmap_del(&m, k), &b);
	assert_null(util_hmap_get(&m, k));
	assert_null(util_hmap_del(&m, k));
	util_hmap_release(&m);
}

static void test_hmap_random_ops_match_model(void **state)
{
	enum { N = 5000 };
	static int vals[N];
	static int present[N];
	struct util_hmap m;
	unsigned seed = 99;
	uint8_t k[36];

	util_hmap_init(&m, 36);
	memset(present, 0, sizeof(present));
	for (int step = 0; step < 60000; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned i = (seed >> 8) % N;
		key_of(k, i);
		assert_ptr_equal(util_hmap_get(&m, k), present[i] ? &vals[i] : NULL);
		if (present[i])
			assert_ptr_equal(util_hmap_del(&m, k), &vals[i]);
		else
			assert_int_equal(util_hmap_put(&m, k, &vals[i]), 0);
		present[i] = !present[i];
	}
	for (unsigned i = 0; i < N; i++) {
		key_of(k, i);
		assert_ptr_equal(util_hmap_get(&m, k), present[i] ? &vals[i] : NULL);
	}
	util_hmap_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmap_put_get_replace_delete),
		cmocka_unit_test(test_hmap_random_ops_match_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
