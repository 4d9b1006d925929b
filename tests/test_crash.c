/*
 * Crash safety. A driver process feeds a fixed sequence of blocks (a main
 * chain with spends, a heavier side branch that reorganises it, then a
 * longer main chain that reorganises back) into a chain database and
 * reports after every flush how many blocks are durable. It is killed with
 * SIGKILL at random moments, or dies between writes through the storage
 * crash hook, at least 50 times; some recoveries are crashed too. After
 * each crash the database is reopened and must hold every durable block
 * and a coin set equal to one rebuilt from scratch from its active chain.
 *
 * Children re-execute this program ("--driver DIR FD", "--recover DIR")
 * rather than run in a bare fork: LevelDB's background thread is process
 * wide, and a forked copy of a process that already used LevelDB would
 * wait forever for a thread it does not have.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <secp256k1.h>

#include "node/chain.h"
#include "storage/db.h"
#include "tests/support/builder.h"

#define MAIN_LEN 112
#define SIDE_FORK 100
#define SIDE_LEN 16
#define MAIN2_LEN 24
#define CRASHES 50

static const struct cons_params *params;
static struct cons_block *seq;      /* blocks in feeding order */
static size_t n_seq;
static struct tb_key key;

static void add_seq(const struct cons_block *b)
{
	tb_block_copy(&seq[n_seq++], b);
}

/* Builds branch blocks on prev from height h0+1; spends coinbases of main[1..]. */
static void build_branch(secp256k1_context *ctx, uint8_t prev[32], int64_t h0, int n,
			 uint32_t tag, uint8_t (*cb_txids)[32], int spend_to)
{
	for (int i = 0; i < n; i++) {
		int64_t h = h0 + 1 + i;
		struct cons_block b;
		struct cons_tx tx;
		size_t ntx = 0;
		if (h > 101 && cb_txids) {
			struct cons_outpoint op = {.n = 0};
			memcpy(op.txid, cb_txids[h - 101], 32);
			tb_spend(ctx, &tx, &op, &key, cons_block_subsidy(params, 1) - 100 - spend_to,
				 key.pkh);
			ntx = 1;
		}
		tb_block(&b, params, prev, h, params->genesis_time + (uint32_t)h,
			 params->genesis_bits, key.pkh, tag, &tx, ntx, ntx ? 100 + spend_to : 0);
		if (cb_txids && tag == 1)
			memcpy(cb_txids[h], b.tx[0].txid, 32);
		memcpy(prev, b.hash, 32);
		add_seq(&b);
		cons_block_release(&b);
	}
}

static int setup_blocks(void **state)
{
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	static uint8_t cbs[MAIN_LEN + MAIN2_LEN + 2][32];
	struct cons_block g;
	uint8_t prev[32], fork[32];

	params = cons_params_by_name("regtest");
	tb_key(ctx, &key, 7);
	seq = calloc(MAIN_LEN + SIDE_LEN + MAIN2_LEN, sizeof(*seq));
	cons_block_init(&g);
	if (cons_genesis_block(&g, params) < 0)
		return -1;
	memcpy(prev, g.hash, 32);
	cons_block_release(&g);
	build_branch(ctx, prev, 0, SIDE_FORK, 1, cbs, 0);
	memcpy(fork, prev, 32);
	build_branch(ctx, prev, SIDE_FORK, MAIN_LEN - SIDE_FORK, 1, cbs, 0);
	/* The side branch double-spends the same coinbases to other amounts. */
	build_branch(ctx, fork, SIDE_FORK, SIDE_LEN, 2, cbs, 7);
	build_branch(ctx, prev, MAIN_LEN, MAIN2_LEN, 1, cbs, 0);
	secp256k1_context_destroy(ctx);
	return 0;
}

static int teardown_blocks(void **state)
{
	for (size_t i = 0; i < n_seq; i++)
		cons_block_release(&seq[i]);
	free(seq);
	return 0;
}

static void chain_options(struct node_chain_options *o)
{
	node_chain_options_default(o);
	o->dbcache_bytes = 32 * 1024;   /* small: flushes happen mid-sequence too */
}

/* The driver: feeds everything, flushing every 3 blocks; reports durable counts. */
static void driver(const char *dir, int fd)
{
	struct node_chain_options o;
	struct node_chain *c;
	char err[256];

	chain_options(&o);
	if (node_chain_open(&c, dir, params, &o, NULL, NULL, err, sizeof(err)) < 0)
		_exit(3);
	for (size_t i = 0; i < n_seq; i++) {
		struct cons_block b;
		struct cons_state st;
		tb_block_copy(&b, &seq[i]);
		cons_state_init(&st);
		if (node_chain_accept_block(c, &b, NULL, &st) == CONS_ERROR)
			_exit(4);
		if (i % 3 == 2 || i + 1 == n_seq) {
			if (node_chain_flush(c, err, sizeof(err)) < 0)
				_exit(5);
			uint32_t done = (uint32_t)(i + 1);
			if (write(fd, &done, sizeof(done)) != sizeof(done))
				_exit(6);
		}
	}
	node_chain_close(c);
	_exit(0);
}

static void rm_rf(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* The coin set hash of a fresh database fed the active chain of c. */
static void rebuilt_hash(struct node_chain *c, uint8_t out[32])
{
	char dir[] = "/tmp/flint-test-rebuild-XXXXXX", err[256];
	struct node_chain_options o;
	struct node_chain *fresh;
	uint64_t count;
	int64_t total;

	assert_non_null(mkdtemp(dir));
	chain_options(&o);
	assert_int_equal(node_chain_open(&fresh, dir, params, &o, NULL, NULL, err, sizeof(err)), 0);
	for (int64_t h = 1; h <= node_chain_tip(c)->height; h++) {
		struct cons_block b;
		struct cons_state st;
		cons_block_init(&b);
		assert_int_equal(node_chain_read_block(c, node_chain_at(c, h), &b), 1);
		cons_state_init(&st);
		assert_int_equal(node_chain_accept_block(fresh, &b, NULL, &st), CONS_VALID);
	}
	assert_int_equal(node_chain_flush(fresh, err, sizeof(err)), 0);
	assert_int_equal(stor_utxo_stats(node_chain_storage(fresh), out, &count, &total, err,
					 sizeof(err)), 0);
	node_chain_close(fresh);
	rm_rf(dir);
}

/* Reopens (recovering), checks durability and the coin set, closes. */
static void verify(const char *dir, size_t durable)
{
	struct node_chain_options o;
	struct node_chain *c;
	uint8_t have[32], want[32];
	uint64_t count;
	int64_t total;
	char err[256];

	chain_options(&o);
	if (node_chain_open(&c, dir, params, &o, NULL, NULL, err, sizeof(err)) < 0)
		fail_msg("reopen after crash failed: %s", err);
	for (size_t i = 0; i < durable; i++) {
		const struct node_blockidx *idx = node_chain_lookup(c, seq[i].hash);
		if (!idx || !(idx->status & STOR_HAVE_DATA))
			fail_msg("durable block %zu lost", i);
	}
	assert_int_equal(node_chain_flush(c, err, sizeof(err)), 0);
	assert_int_equal(stor_utxo_stats(node_chain_storage(c), have, &count, &total, err,
					 sizeof(err)), 0);
	rebuilt_hash(c, want);
	assert_memory_equal(have, want, 32);
	node_chain_close(c);
}

/*
 * Runs the driver once, killed after kill_us (0: never); returns the durable
 * count and sets *died when the driver did not finish.
 */
static size_t run_driver(const char *dir, long kill_us, const char *crash_ratio, bool *died)
{
	int fds[2];
	pid_t pid;
	uint32_t done, last = 0;
	int status;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char fd[16];
		close(fds[0]);
		snprintf(fd, sizeof(fd), "%d", fds[1]);
		if (crash_ratio)
			setenv("FLINT_DBCRASH_RATIO", crash_ratio, 1);
		execl("/proc/self/exe", "test_crash", "--driver", dir, fd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	if (kill_us > 0) {
		usleep((useconds_t)kill_us);
		kill(pid, SIGKILL);
	}
	while (read(fds[0], &done, sizeof(done)) == sizeof(done))
		last = done;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
	    WEXITSTATUS(status) != STOR_CRASH_EXIT)
		fail_msg("driver failed with status %d", WEXITSTATUS(status));
	if (died)
		*died = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	return last;
}

/* A recovery that itself crashes between writes. */
static void crash_recovery(const char *dir)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("FLINT_DBCRASH_RATIO", "2", 1);
		execl("/proc/self/exe", "test_crash", "--recover", dir, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && (WEXITSTATUS(status) == 0 ||
					  WEXITSTATUS(status) == STOR_CRASH_EXIT));
}

static void test_crash_random_kills_never_lose_or_corrupt(void **state)
{
	char dir[] = "/tmp/flint-test-crash-XXXXXX";
	struct timespec t0, t1;
	size_t durable = 0, d;
	long full_us;
	int crashed = 0;
	bool died;
	unsigned seed = (unsigned)time(NULL);

	assert_non_null(mkdtemp(dir));
	/* Time one clean run on a scratch copy to scale the kill times. */
	{
		char probe[] = "/tmp/flint-test-crash-probe-XXXXXX";
		assert_non_null(mkdtemp(probe));
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(run_driver(probe, 0, NULL, NULL), n_seq);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		rm_rf(probe);
	}
	full_us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
	print_message("# crash seed %u, clean run %ld us\n", seed, full_us);
	for (int i = 0; i < CRASHES; i++) {
		seed = seed * 1103515245u + 12345u;
		/* Every other run starts afresh, so each kill lands in real work;
		 * the run in between recovers from the crash and is killed again. */
		if (i % 2 == 0) {
			rm_rf(dir);
			assert_int_equal(mkdir(dir, 0700), 0);
			durable = 0;
		}
		if (i % 5 == 4) {
			d = run_driver(dir, 0, "7", &died); /* dies between two writes */
		} else {
			/* Each restart replays known blocks fast, so aim inside the run. */
			long at = 200 + (long)((seed >> 8) % (unsigned long)(full_us * 8 / 10 + 1));
			d = run_driver(dir, at, NULL, &died);
		}
		crashed += died;
		if (d > durable)
			durable = d;
		if (i % 7 == 3)
			crash_recovery(dir);
		verify(dir, durable);
	}
	print_message("# %d of %d runs died before finishing\n", crashed, CRASHES);
	assert_true(crashed >= CRASHES / 2);
	/* Finally a clean run ends on the tip of the longest branch. */
	assert_int_equal(run_driver(dir, 0, NULL, NULL), n_seq);
	{
		struct node_chain_options o;
		struct node_chain *c;
		char err[256];
		chain_options(&o);
		assert_int_equal(node_chain_open(&c, dir, params, &o, NULL, NULL, err, sizeof(err)), 0);
		assert_memory_equal(node_chain_tip(c)->hash, seq[n_seq - 1].hash, 32);
		node_chain_close(c);
	}
	verify(dir, n_seq);
	rm_rf(dir);
}

static void recover(const char *dir)
{
	struct node_chain_options o;
	struct node_chain *c;
	char err[256];

	params = cons_params_by_name("regtest");
	chain_options(&o);
	if (node_chain_open(&c, dir, params, &o, NULL, NULL, err, sizeof(err)) < 0)
		_exit(3);
	node_chain_close(c);
	_exit(0);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--driver") == 0) {
		if (setup_blocks(NULL) < 0)
			return 2;
		driver(argv[2], atoi(argv[3]));
	}
	if (argc == 3 && strcmp(argv[1], "--recover") == 0)
		recover(argv[2]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_random_kills_never_lose_or_corrupt),
	};
	return cmocka_run_group_tests(tests, setup_blocks, teardown_blocks);
}
