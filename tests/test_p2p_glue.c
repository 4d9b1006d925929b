/*
 * Tests for node/p2p_glue's choice of blocks to fetch (node_fetch_missing)
 * on a real chain: against a plain walk back from the target, through
 * bodies arriving out of order, targets moving between a main chain, its
 * ancestors and a side branch; and a whole sync whose cost, counted in
 * index entries visited, stays linear in the chain's length. Also the
 * skip-list ancestor lookup and block locators, from the tip and from a
 * header-only branch. And what the network may store: headers only for a
 * chain within NODE_HEADERS_MARGIN blocks' work of the tip, and no block
 * nobody asked for that has less work than the tip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/chain.h"
#include "node/p2p_glue.h"
#include "storage/schema.h"
#include "tests/support/builder.h"

#define MAIN 3000
#define FORK_AT 2500
#define FORK 200

struct fx {
	char dir[64];
	const struct cons_params *p;
	struct node_chain *c;
	struct cons_block *main, *side;  /* main[h - 1] is at height h; side[i] at FORK_AT + 1 + i */
	bool *main_given, *side_given;
	struct node_fetch fetch;
};

static void build_branch(struct fx *f, struct cons_block *out, const uint8_t *from, int64_t height,
			 int n, uint32_t tag)
{
	uint8_t prev[32], pkh[20] = {1};
	struct cons_state st;

	memcpy(prev, from, 32);
	for (int i = 0; i < n; i++) {
		int64_t h = height + 1 + i;
		tb_block(&out[i], f->p, prev, h, f->p->genesis_time + (uint32_t)h, f->p->genesis_bits,
			 pkh, tag, NULL, 0, 0);
		memcpy(prev, out[i].hash, 32);
		cons_state_init(&st);
		assert_int_equal(node_chain_accept_header(f->c, &out[i].hdr, NULL, &st), CONS_VALID);
	}
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct node_chain_options opt;
	char err[256] = "";

	strcpy(f->dir, "/tmp/flint-test-glue-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->p = cons_params_by_name("regtest");
	node_chain_options_default(&opt);
	if (node_chain_open(&f->c, f->dir, f->p, &opt, NULL, NULL, err, sizeof(err)) < 0)
		return -1;
	f->main = calloc(MAIN, sizeof(*f->main));
	f->side = calloc(FORK, sizeof(*f->side));
	f->main_given = calloc(MAIN, sizeof(bool));
	f->side_given = calloc(FORK, sizeof(bool));
	build_branch(f, f->main, node_chain_tip(f->c)->hash, 0, MAIN, 1);
	build_branch(f, f->side, f->main[FORK_AT - 1].hash, FORK_AT, FORK, 2);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	for (int i = 0; i < MAIN; i++)
		if (!f->main_given[i])
			cons_block_release(&f->main[i]);
	for (int i = 0; i < FORK; i++)
		if (!f->side_given[i])
			cons_block_release(&f->side[i]);
	node_fetch_release(&f->fetch);
	node_chain_close(f->c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f->main);
	free(f->side);
	free(f->main_given);
	free(f->side_given);
	free(f);
	return 0;
}

/* Main-chain block at height h, if not given yet (a given block's struct is released). */
static void give_main(struct fx *f, int64_t h)
{
	struct node_accept_info info;
	struct cons_state st;

	if (f->main_given[h - 1])
		return;
	f->main_given[h - 1] = true;
	cons_state_init(&st);
	assert_int_equal(node_chain_accept_block(f->c, &f->main[h - 1], &info, &st), CONS_VALID);
}

/* Hands the body of the indexed block with this hash to the chain (once). */
static void give(struct fx *f, const uint8_t hash[32])
{
	struct node_accept_info info;
	struct cons_state st;
	const struct node_blockidx *idx = node_chain_lookup(f->c, hash);
	bool side = idx->height > FORK_AT && idx->height <= FORK_AT + FORK &&
		    memcmp(hash, f->side[idx->height - FORK_AT - 1].hash, 32) == 0;
	struct cons_block *b = side ? &f->side[idx->height - FORK_AT - 1] : &f->main[idx->height - 1];
	bool *given = side ? &f->side_given[idx->height - FORK_AT - 1] : &f->main_given[idx->height - 1];

	if (*given)
		return;
	*given = true;
	cons_state_init(&st);
	assert_int_equal(node_chain_accept_block(f->c, b, &info, &st), CONS_VALID);
}

static void count_one(void *ctx, const struct node_blockidx *idx)
{
	(*(size_t *)ctx)++;
}

/* The plain answer: walk back from best, keep what lacks a body, apply window and max. */
static size_t reference(const struct node_blockidx *best, uint8_t (*out)[32], size_t max)
{
	const struct node_blockidx **all = calloc((size_t)best->height + 1, sizeof(*all));
	size_t k = 0, n = 0;

	for (const struct node_blockidx *e = best; e; e = e->prev)
		if (!(e->status & STOR_HAVE_DATA))
			all[k++] = e;
	for (size_t i = k; i-- > 0 && n < max;) {
		if (all[i]->height >= all[k - 1]->height + NODE_FETCH_WINDOW)
			break;
		memcpy(out[n++], all[i]->hash, 32);
	}
	free(all);
	return n;
}

static void expect_same(struct fx *f, const struct node_blockidx *best, size_t max)
{
	static uint8_t got[MAIN][32], want[MAIN][32];
	size_t n = node_fetch_missing(&f->fetch, best, got, max);

	assert_int_equal(n, reference(best, want, max));
	assert_memory_equal(got, want, n * 32);
}

static void test_fetch_matches_walk_back(void **state)
{
	struct fx *f = *state;
	const struct node_blockidx *tip = node_chain_lookup(f->c, f->main[MAIN - 1].hash);
	const struct node_blockidx *side = node_chain_lookup(f->c, f->side[FORK - 1].hash);
	static uint8_t got[MAIN][32];
	unsigned rng = 7;

	expect_same(f, tip, 128);
	expect_same(f, tip, MAIN);
	for (int step = 0; step < 3000; step++) {
		int r = rand_r(&rng) % 10;
		const struct node_blockidx *best = r < 5 ? tip : r < 7 ? side :
			node_blockidx_ancestor(tip, 1 + rand_r(&rng) % MAIN);
		size_t max = 1 + (size_t)(rand_r(&rng) % 200);
		size_t n = node_fetch_missing(&f->fetch, best, got, max);
		/* Bodies arrive in any order: some of what was asked, and now and then any block. */
		for (size_t i = 0; i < n; i++)
			if (rand_r(&rng) % 3 == 0)
				give(f, got[n - 1 - i]);
		if (rand_r(&rng) % 4 == 0)
			give_main(f, 1 + rand_r(&rng) % MAIN);
		expect_same(f, best, max);
	}
	for (int h = 1; h <= MAIN; h++)
		give_main(f, h);
	assert_int_equal(node_fetch_missing(&f->fetch, tip, got, 128), 0);
	assert_int_equal(node_chain_tip(f->c)->height, MAIN);
	expect_same(f, side, 128);
}

static void test_fetch_sync_cost_is_linear(void **state)
{
	struct fx *f = *state;
	const struct node_blockidx *tip = node_chain_lookup(f->c, f->main[MAIN - 1].hash);
	static uint8_t got[16][32];
	size_t n, calls = 0, fetched = 0;

	/* A sync as peers do it: 16 at a time, the newest of them arriving first. */
	while ((n = node_fetch_missing(&f->fetch, tip, got, 16)) > 0) {
		calls++;
		fetched += n;
		for (size_t i = n; i-- > 0;)
			give(f, got[i]);
	}
	assert_int_equal(fetched, MAIN);
	assert_int_equal(node_chain_tip(f->c)->height, MAIN);
	/* A walk back from the target on every call would visit about MAIN^2 / 32 = 281,250. */
	assert_true(f->fetch.work <= 4 * (MAIN + fetched));
	assert_true(calls >= MAIN / 16);
}

/* The plain answer: the ancestor at height h, one parent at a time. */
static const struct node_blockidx *walk_back(const struct node_blockidx *e, int64_t h)
{
	while (e && e->height > h)
		e = e->prev;
	return e;
}

/* Skip-list ancestors agree with walking back, on the main chain and across the fork. */
static void test_ancestor_matches_walk_back(void **state)
{
	struct fx *f = *state;
	const struct node_blockidx *tip = node_chain_lookup(f->c, f->main[MAIN - 1].hash);
	const struct node_blockidx *side = node_chain_lookup(f->c, f->side[FORK - 1].hash);

	for (int64_t h = 0; h <= MAIN; h++) {
		assert_ptr_equal(node_blockidx_ancestor(tip, h), walk_back(tip, h));
		if (h <= FORK_AT + FORK)
			assert_ptr_equal(node_blockidx_ancestor(side, h), walk_back(side, h));
	}
	assert_null(node_blockidx_ancestor(side, FORK_AT + FORK + 1));   /* above it */
	assert_memory_equal(node_blockidx_ancestor(side, FORK_AT)->hash, f->main[FORK_AT - 1].hash, 32);
}

/* Locators: from a header-only branch tip (how a syncing node asks for more), and from the tip. */
static void test_locator(void **state)
{
	struct fx *f = *state;
	const struct node_blockidx *side = node_chain_lookup(f->c, f->side[FORK - 1].hash);
	uint8_t loc[101][32], at50[32], at41[32];
	int64_t h = side->height, step = 1;
	size_t n = node_chain_locator(f->c, side, loc, 101);

	/* The last ten one apart, then doubling steps, ending at genesis. */
	for (size_t i = 0; i < n; i++) {
		assert_memory_equal(loc[i], walk_back(side, h)->hash, 32);
		if (i + 1 >= 10)
			step *= 2;
		h = h - step > 0 ? h - step : 0;
	}
	assert_true(n > 10 && n < 40);
	assert_memory_equal(loc[n - 1], node_chain_at(f->c, 0)->hash, 32);
	assert_int_equal(node_chain_locator(f->c, side, loc, 5), 5);

	/* NULL: the active tip, which has not left genesis here, then after some bodies. */
	assert_int_equal(node_chain_locator(f->c, NULL, loc, 101), 1);
	assert_memory_equal(loc[0], node_chain_at(f->c, 0)->hash, 32);
	memcpy(at50, f->main[49].hash, 32);    /* a given block's struct is released */
	memcpy(at41, f->main[40].hash, 32);
	for (int64_t k = 1; k <= 50; k++)
		give_main(f, k);
	n = node_chain_locator(f->c, NULL, loc, 101);
	assert_memory_equal(loc[0], at50, 32);
	assert_memory_equal(loc[9], at41, 32);
	assert_memory_equal(loc[n - 1], node_chain_at(f->c, 0)->hash, 32);
}

/* n headers of a branch on from (at height), built but not given to the chain. */
static struct cons_header *branch_headers(struct fx *f, const uint8_t *from, int64_t height,
					  int n, uint32_t tag)
{
	struct cons_header *h = calloc((size_t)n, sizeof(*h));
	uint8_t prev[32], pkh[20] = {2};

	memcpy(prev, from, 32);
	for (int i = 0; i < n; i++) {
		struct cons_block b;
		int64_t hh = height + 1 + i;
		tb_block(&b, f->p, prev, hh, f->p->genesis_time + (uint32_t)hh, f->p->genesis_bits, pkh,
			 tag, NULL, 0, 0);
		h[i] = b.hdr;
		memcpy(prev, b.hash, 32);
		cons_block_release(&b);
	}
	return h;
}

#define TIP 300

static void check_run(struct p2p_chain *ch, const struct cons_header *h, size_t n, size_t skip,
		      size_t want_ok, bool want_enough)
{
	struct cons_state st;
	size_t n_ok;
	bool enough;

	cons_state_init(&st);
	ch->check_headers(ch->ctx, h, n, skip, &n_ok, &enough, &st);
	assert_int_equal(n_ok, want_ok);
	assert_int_equal(enough, want_enough);
}

/* With the tip at 300, a branch must reach 300 - 144 blocks' work to be stored. */
static void test_headers_stored_only_near_tip_work(void **state)
{
	struct fx *f = *state;
	struct node_relay r = {.chain = f->c};
	struct node_p2p g = {.relay = &r};
	struct p2p_chain ch;
	struct cons_header *low, *near, *bad;
	uint8_t genesis[32];
	size_t before = 0;

	node_p2p_iface(&ch, &g);
	for (int64_t h = 1; h <= TIP; h++)
		give_main(f, h);
	memcpy(genesis, node_chain_at(f->c, 0)->hash, 32);
	low = branch_headers(f, genesis, 0, TIP - NODE_HEADERS_MARGIN - 1, 7);
	check_run(&ch, low, TIP - NODE_HEADERS_MARGIN - 1, 0, TIP - NODE_HEADERS_MARGIN - 1, false);
	/* Checked in two parts, as pre-sync does, with one more header it is enough. */
	near = branch_headers(f, genesis, 0, TIP - NODE_HEADERS_MARGIN, 7);
	check_run(&ch, near, TIP - NODE_HEADERS_MARGIN, 100, TIP - NODE_HEADERS_MARGIN, true);
	/* A short fork near the tip is enough at once; headers we hold are too. */
	free(low);
	low = branch_headers(f, node_chain_at(f->c, TIP - 5)->hash, TIP - 5, 1, 8);
	check_run(&ch, low, 1, 0, 1, true);
	check_run(&ch, &node_chain_at(f->c, 10)->hdr, 1, 0, 1, true);
	/* A broken link or a bad proof of work stops the run where it is. */
	bad = branch_headers(f, genesis, 0, 10, 9);
	bad[5].prev[0] ^= 1;
	check_run(&ch, bad, 10, 0, 5, false);
	bad[5].prev[0] ^= 1;
	bad[7].bits = 0x1d00ffff;
	check_run(&ch, bad, 10, 0, 7, false);
	node_chain_foreach(f->c, count_one, &before);
	assert_int_equal(before, MAIN + FORK + 1);   /* checking stored nothing */
	free(low);
	free(near);
	free(bad);
	node_relay_release(&r);
	node_p2p_release(&g);
}

/* A block whose header is new and whose chain has less work than the tip is not stored. */
static void test_unrequested_low_work_block_dropped(void **state)
{
	struct fx *f = *state;
	struct node_relay r = {.chain = f->c};
	struct node_p2p g = {.relay = &r};
	struct p2p_chain ch;
	struct cons_block b;
	struct cons_state st;
	uint8_t pkh[20] = {3}, hash[32];
	bool new_tip;

	node_p2p_iface(&ch, &g);
	for (int64_t h = 1; h <= TIP; h++)
		give_main(f, h);
	tb_block(&b, f->p, node_chain_at(f->c, TIP - 2)->hash, TIP - 1, f->p->genesis_time + TIP,
		 f->p->genesis_bits, pkh, 10, NULL, 0, 0);
	memcpy(hash, b.hash, 32);
	cons_state_init(&st);
	assert_int_equal(ch.accept_block(ch.ctx, &b, &new_tip, &st), CONS_VALID);
	assert_false(new_tip);
	assert_int_equal(ch.block_status(ch.ctx, hash), 0);
	/* One that ties the tip's work is kept (it may yet win), and one that beats it connects. */
	tb_block(&b, f->p, node_chain_at(f->c, TIP - 1)->hash, TIP, f->p->genesis_time + TIP,
		 f->p->genesis_bits, pkh, 10, NULL, 0, 0);
	memcpy(hash, b.hash, 32);
	assert_int_equal(ch.accept_block(ch.ctx, &b, &new_tip, &st), CONS_VALID);
	assert_int_equal(ch.block_status(ch.ctx, hash), 2);
	tb_block(&b, f->p, hash, TIP + 1, f->p->genesis_time + TIP + 1, f->p->genesis_bits, pkh, 10,
		 NULL, 0, 0);
	assert_int_equal(ch.accept_block(ch.ctx, &b, &new_tip, &st), CONS_VALID);
	assert_true(new_tip);
	node_relay_release(&r);
	node_p2p_release(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fetch_matches_walk_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_sync_cost_is_linear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ancestor_matches_walk_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locator, setup, teardown),
		cmocka_unit_test_setup_teardown(test_headers_stored_only_near_tip_work, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unrequested_low_work_block_dropped, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
