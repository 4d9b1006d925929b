/* Tests for node/sigpool: parallel signature checks give the serial verdict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <secp256k1.h>

#include "consensus/block_check.h"
#include "node/sigpool.h"
#include "tests/support/builder.h"

#define N_TX 200

struct fx {
	secp256k1_context *secp;
	struct cons_block b;
	struct cons_block_undo undo;
	struct tb_key key;
};

/* A block of N_TX signed spends and the undo data naming the coins they spend. */
static int setup(void **state)
{
	static struct fx f;
	const struct cons_params *p = cons_params_by_name("regtest");
	struct cons_tx txs[N_TX];
	uint8_t prev[32] = {0};

	f.secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	tb_key(f.secp, &f.key, 9);
	cons_block_undo_init(&f.undo);
	f.undo.spent = calloc(N_TX, sizeof(*f.undo.spent));
	for (int i = 0; i < N_TX; i++) {
		struct cons_outpoint op = {.n = (uint32_t)i};
		op.txid[0] = 0xaa;
		tb_spend(f.secp, &txs[i], &op, &f.key, 1000, f.key.pkh);
		f.undo.spent[i].op = op;
		f.undo.spent[i].coin.value = 1000;
		memcpy(f.undo.spent[i].coin.pkh, f.key.pkh, 20);
		f.undo.spent[i].tx = (uint32_t)i + 1;
		f.undo.spent[i].in = 0;
	}
	f.undo.n = N_TX;
	tb_block(&f.b, p, prev, 1, p->genesis_time + 600, p->genesis_bits, f.key.pkh, 1, txs,
		 N_TX, 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	cons_block_release(&f->b);
	cons_block_undo_release(&f->undo);
	secp256k1_context_destroy(f->secp);
	return 0;
}

static void test_sigpool_valid_block_passes_on_any_thread_count(void **state)
{
	struct fx *f = *state;

	for (int threads = 1; threads <= 4; threads++) {
		struct node_sigpool *p = node_sigpool_new(threads);
		struct cons_state st;
		assert_non_null(p);
		assert_int_equal(node_sigpool_threads(p), threads);
		for (int round = 0; round < 3; round++) {
			cons_state_init(&st);
			assert_int_equal(node_sigpool_check(p, &f->b, &f->undo, &st), CONS_VALID);
		}
		node_sigpool_free(p);
	}
}

static void test_sigpool_reports_first_failing_input(void **state)
{
	struct fx *f = *state;
	struct node_sigpool *p = node_sigpool_new(3);
	struct cons_state st;

	/* Two inputs claim coins of another key; the earlier one must be named. */
	f->undo.spent[150].coin.pkh[0] ^= 1;
	f->undo.spent[37].coin.pkh[0] ^= 1;
	for (int round = 0; round < 5; round++) {
		cons_state_init(&st);
		assert_int_equal(node_sigpool_check(p, &f->b, &f->undo, &st), CONS_INVALID);
		assert_int_equal(st.code, CONS_REJ_TX_BAD_SIG);
		assert_int_equal(st.index, 38);     /* tx 38 spends undo item 37 */
	}
	f->undo.spent[150].coin.pkh[0] ^= 1;
	f->undo.spent[37].coin.pkh[0] ^= 1;
	cons_state_init(&st);
	assert_int_equal(node_sigpool_check(p, &f->b, &f->undo, &st), CONS_VALID);
	node_sigpool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigpool_valid_block_passes_on_any_thread_count),
		cmocka_unit_test(test_sigpool_reports_first_failing_input),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
