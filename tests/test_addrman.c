/*
 * Tests for p2p/addrman, the address book: adding and refreshing, the
 * size bound and which entry a full book drops (checked against a plain
 * model over many random operations), samples for getaddr, choosing whom
 * to dial, and peers.dat: a round trip, and damaged files refused whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p2p/addrman.h"
#include "p2p/net.h"

static const uint8_t magic[4] = {0xf1, 0x1b, 0x7e, 0x52};
#define NOW 1800000000LL

/* Address number i: 10.x.y.z, port 8000 + i % 1000. */
static struct p2p_netaddr addr_of(uint32_t i)
{
	struct p2p_netaddr a;

	p2p_netaddr_ipv4(&a, 0x0a000000u | (i & 0xffffffu), (uint16_t)(8000 + i % 1000));
	return a;
}

static void test_addrman_add_find_refresh(void **state)
{
	struct p2p_addrman *m = p2p_addrman_new(16);
	struct p2p_netaddr a = addr_of(1), zero, multicast;

	assert_non_null(m);
	assert_int_equal(p2p_addrman_add(m, &a, NOW - 100, NOW), 1);
	assert_int_equal(p2p_addrman_find(m, &a)->seen, NOW - 100);
	assert_int_equal(p2p_addrman_add(m, &a, NOW - 100, NOW), 0);   /* nothing new */
	assert_int_equal(p2p_addrman_add(m, &a, NOW - 200, NOW), 0);   /* older news */
	assert_int_equal(p2p_addrman_add(m, &a, NOW - 50, NOW), 1);    /* newer: worth relaying */
	assert_int_equal(p2p_addrman_find(m, &a)->seen, NOW - 50);
	assert_int_equal(p2p_addrman_count(m), 1);
	/* Far in the future: ignored; a little ahead: clamped to now. */
	a = addr_of(2);
	assert_int_equal(p2p_addrman_add(m, &a, NOW + P2P_ADDR_FUTURE_SLACK + 1, NOW), -1);
	assert_null(p2p_addrman_find(m, &a));
	assert_int_equal(p2p_addrman_add(m, &a, NOW + 60, NOW), 1);
	assert_int_equal(p2p_addrman_find(m, &a)->seen, NOW);
	/* Not dialable: 0.0.0.0, multicast, port 0, not IPv4. */
	p2p_netaddr_ipv4(&zero, 0, 8333);
	p2p_netaddr_ipv4(&multicast, 0xe0000001u, 8333);
	assert_int_equal(p2p_addrman_add(m, &zero, NOW, NOW), -1);
	assert_int_equal(p2p_addrman_add(m, &multicast, NOW, NOW), -1);
	a = addr_of(3);
	a.port = 0;
	assert_int_equal(p2p_addrman_add(m, &a, NOW, NOW), -1);
	a = addr_of(3);
	a.ip[10] = 0;
	assert_int_equal(p2p_addrman_add(m, &a, NOW, NOW), -1);
	assert_int_equal(p2p_addrman_count(m), 2);
	p2p_addrman_free(m);
	p2p_addrman_free(NULL);
}

static void test_addrman_attempt_good_remove(void **state)
{
	struct p2p_addrman *m = p2p_addrman_new(16);
	struct p2p_netaddr a = addr_of(7), b = addr_of(8);
	const struct p2p_addrinfo *e;

	assert_int_equal(p2p_addrman_add(m, &a, NOW - 1000, NOW), 1);
	p2p_addrman_attempt(m, &a, NOW - 10);
	p2p_addrman_attempt(m, &a, NOW - 5);
	e = p2p_addrman_find(m, &a);
	assert_int_equal(e->failures, 2);
	assert_int_equal(e->last_try, NOW - 5);
	p2p_addrman_good(m, &a, NOW);
	e = p2p_addrman_find(m, &a);
	assert_int_equal(e->failures, 0);
	assert_int_equal(e->last_success, NOW);
	assert_int_equal(e->seen, NOW);
	/* good() learns an address it did not know; attempt() on an unknown one is a no-op. */
	p2p_addrman_attempt(m, &b, NOW);
	assert_null(p2p_addrman_find(m, &b));
	p2p_addrman_good(m, &b, NOW);
	assert_non_null(p2p_addrman_find(m, &b));
	p2p_addrman_remove(m, &a);
	assert_null(p2p_addrman_find(m, &a));
	assert_non_null(p2p_addrman_find(m, &b));
	p2p_addrman_remove(m, &a);
	assert_int_equal(p2p_addrman_count(m), 1);
	p2p_addrman_free(m);
}

static void test_addrman_bound_evicts_oldest(void **state)
{
	struct p2p_addrman *m = p2p_addrman_new(P2P_ADDRMAN_MAX);
	struct p2p_netaddr a;

	for (uint32_t i = 0; i < P2P_ADDRMAN_MAX; i++) {
		a = addr_of(i);
		assert_int_equal(p2p_addrman_add(m, &a, NOW - 100000 + i, NOW), 1);
	}
	assert_int_equal(p2p_addrman_count(m), P2P_ADDRMAN_MAX);
	a = addr_of(P2P_ADDRMAN_MAX);
	assert_int_equal(p2p_addrman_add(m, &a, NOW, NOW), 1);
	assert_int_equal(p2p_addrman_count(m), P2P_ADDRMAN_MAX);
	a = addr_of(0);
	assert_null(p2p_addrman_find(m, &a));              /* the oldest made room */
	a = addr_of(1);
	assert_non_null(p2p_addrman_find(m, &a));
	/* A recent entry that keeps failing is worse than an old one that does not. */
	a = addr_of(4000);
	for (int i = 0; i < 3; i++)
		p2p_addrman_attempt(m, &a, NOW);
	a = addr_of(P2P_ADDRMAN_MAX + 1);
	assert_int_equal(p2p_addrman_add(m, &a, NOW, NOW), 1);
	a = addr_of(4000);
	assert_null(p2p_addrman_find(m, &a));
	a = addr_of(1);
	assert_non_null(p2p_addrman_find(m, &a));
	/* A peer we reached lately is kept although its gossip time is old. */
	p2p_addrman_good(m, &a, NOW);
	a = addr_of(P2P_ADDRMAN_MAX + 2);
	assert_int_equal(p2p_addrman_add(m, &a, NOW, NOW), 1);
	a = addr_of(1);
	assert_non_null(p2p_addrman_find(m, &a));
	a = addr_of(2);
	assert_null(p2p_addrman_find(m, &a));
	p2p_addrman_free(m);
}

/*
 * Random adds, refreshes and removals on a small book, against a model:
 * presence must match, and a full book must always drop the entry with the
 * smallest seen time (all distinct here), which checks the heap.
 */
static void test_addrman_eviction_matches_model(void **state)
{
	enum { CAP = 64, ADDRS = 400 };
	static int64_t seen[ADDRS];      /* 0: absent from the model */
	struct p2p_addrman *m = p2p_addrman_new(CAP);
	unsigned rng = 12345;
	size_t present = 0;

	memset(seen, 0, sizeof(seen));
	for (int step = 0; step < 20000; step++) {
		uint32_t i = (uint32_t)(rand_r(&rng) % ADDRS);
		int op = rand_r(&rng) % 8;
		struct p2p_netaddr a = addr_of(i);
		int64_t t = NOW - 1000000 + step * ADDRS + i;   /* distinct, increasing */
		if (op == 0) {
			p2p_addrman_remove(m, &a);
			present -= seen[i] != 0;
			seen[i] = 0;
			continue;
		}
		if (!seen[i] && present == CAP) {
			uint32_t oldest = 0;
			for (uint32_t j = 0; j < ADDRS; j++)
				if (seen[j] && (!seen[oldest] || seen[j] < seen[oldest]))
					oldest = j;
			seen[oldest] = 0;
			present--;
		}
		assert_int_equal(p2p_addrman_add(m, &a, t, NOW + 10000000), 1);
		present += seen[i] == 0;
		seen[i] = t;
		assert_int_equal(p2p_addrman_count(m), present);
	}
	for (uint32_t j = 0; j < ADDRS; j++) {
		struct p2p_netaddr a = addr_of(j);
		const struct p2p_addrinfo *e = p2p_addrman_find(m, &a);
		if (!seen[j])
			assert_null(e);
		else
			assert_int_equal(e->seen, seen[j]);
	}
	p2p_addrman_free(m);
}

static bool same(const struct p2p_netaddr *a, const struct p2p_netaddr *b)
{
	return memcmp(a->ip, b->ip, 16) == 0 && a->port == b->port;
}

static bool distinct(const struct p2p_addr_entry *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (same(&a[i].addr, &a[j].addr))
				return false;
	return true;
}

static void test_addrman_sample_bounds(void **state)
{
	struct p2p_addrman *m = p2p_addrman_new(P2P_ADDRMAN_MAX);
	struct p2p_addr_entry *out = calloc(P2P_ADDRMAN_MAX, sizeof(*out));
	struct p2p_netaddr a;

	assert_int_equal(p2p_addrman_sample(m, out, P2P_MAX_ADDR, NOW), 0);
	for (uint32_t i = 0; i < 10; i++) {
		a = addr_of(i);
		assert_int_equal(p2p_addrman_add(m, &a, NOW - i, NOW), 1);
	}
	/* A small book gives what it has, with gossip times. */
	assert_int_equal(p2p_addrman_sample(m, out, P2P_MAX_ADDR, NOW), 10);
	assert_true(distinct(out, 10));
	assert_true(out[0].time <= NOW && out[0].time >= NOW - 9);
	assert_int_equal(p2p_addrman_sample(m, out, 3, NOW), 3);
	/* Terrible entries are not shared: never reached, three failures. */
	a = addr_of(0);
	for (int i = 0; i < 3; i++)
		p2p_addrman_attempt(m, &a, NOW - 3600);
	assert_true(p2p_addrinfo_terrible(p2p_addrman_find(m, &a), NOW));
	assert_int_equal(p2p_addrman_sample(m, out, P2P_MAX_ADDR, NOW), 9);
	for (size_t i = 0; i < 9; i++)
		assert_false(same(&out[i].addr, &a));
	/* A full book: at most the asked bound, all distinct. */
	for (uint32_t i = 10; i < P2P_ADDRMAN_MAX; i++) {
		a = addr_of(i);
		assert_int_equal(p2p_addrman_add(m, &a, NOW - 5, NOW), 1);
	}
	assert_int_equal(p2p_addrman_sample(m, out, P2P_MAX_ADDR, NOW), P2P_MAX_ADDR);
	assert_true(distinct(out, P2P_MAX_ADDR));
	free(out);
	p2p_addrman_free(m);
}

static bool skip_odd_port(void *ctx, const struct p2p_netaddr *a)
{
	(*(int *)ctx)++;
	return a->port % 2 == 1;
}

static void test_addrman_select_backoff_and_skip(void **state)
{
	struct p2p_addrman *m = p2p_addrman_new(16);
	struct p2p_netaddr a = addr_of(2), b = addr_of(3), out;
	int asked = 0;

	assert_int_equal(p2p_addrman_select(m, &out, NOW, NULL, NULL), -1);
	assert_int_equal(p2p_addrman_add(m, &a, NOW, NOW), 1);
	assert_int_equal(p2p_addrman_add(m, &b, NOW, NOW), 1);
	/* b has an odd port: skipped every time. */
	for (int i = 0; i < 20; i++) {
		assert_int_equal(p2p_addrman_select(m, &out, NOW, skip_odd_port, &asked), 0);
		assert_true(same(&out, &a));
	}
	assert_true(asked >= 20);
	/* After three failed dials a waits 8 s, then qualifies again. */
	for (int i = 0; i < 3; i++)
		p2p_addrman_attempt(m, &a, NOW);
	assert_int_equal(p2p_addrman_select(m, &out, NOW + 7, skip_odd_port, &asked), -1);
	assert_int_equal(p2p_addrman_select(m, &out, NOW + 8, skip_odd_port, &asked), 0);
	p2p_addrman_free(m);
}

static void tmp_path(char *path, size_t len)
{
	snprintf(path, len, "/tmp/flint-test-addrman-%d.dat", (int)getpid());
}

static void test_addrman_save_load_round_trip(void **state)
{
	struct p2p_addrman *m = p2p_addrman_new(P2P_ADDRMAN_MAX), *back = p2p_addrman_new(P2P_ADDRMAN_MAX);
	char path[128], tmp[160], err[256] = "";
	struct p2p_netaddr a;

	tmp_path(path, sizeof(path));
	unlink(path);
	assert_int_equal(p2p_addrman_load(back, path, magic, err, sizeof(err)), 0);  /* no file yet */
	for (uint32_t i = 0; i < 1500; i++) {
		a = addr_of(i);
		a.services = i;
		assert_int_equal(p2p_addrman_add(m, &a, NOW - i, NOW), 1);
	}
	a = addr_of(5);
	p2p_addrman_attempt(m, &a, NOW - 30);
	p2p_addrman_good(m, &a, NOW - 20);
	p2p_addrman_attempt(m, &a, NOW - 10);
	assert_int_equal(p2p_addrman_save(m, path, magic, err, sizeof(err)), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_not_equal(access(tmp, F_OK), 0);          /* renamed into place */
	assert_int_equal(p2p_addrman_load(back, path, magic, err, sizeof(err)), 1500);
	assert_int_equal(p2p_addrman_count(back), 1500);
	for (uint32_t i = 0; i < 1500; i++) {
		a = addr_of(i);
		const struct p2p_addrinfo *x = p2p_addrman_find(m, &a), *y = p2p_addrman_find(back, &a);
		assert_non_null(y);
		assert_memory_equal(x->addr.ip, y->addr.ip, 16);
		assert_int_equal(x->addr.port, y->addr.port);
		assert_int_equal(x->addr.services, y->addr.services);
		assert_int_equal(x->seen, y->seen);
		assert_int_equal(x->last_try, y->last_try);
		assert_int_equal(x->last_success, y->last_success);
		assert_int_equal(x->failures, y->failures);
	}
	a = addr_of(5);
	assert_int_equal(p2p_addrman_find(back, &a)->failures, 1);
	unlink(path);
	p2p_addrman_free(m);
	p2p_addrman_free(back);
}

/* Saves a 20-entry book, lets damage() change the file, and expects it refused whole. */
static void expect_refused(void (*damage)(FILE *f, long size), const uint8_t *net)
{
	struct p2p_addrman *m = p2p_addrman_new(64), *back = p2p_addrman_new(64);
	char path[128], err[256] = "";
	struct p2p_netaddr a;
	FILE *f;

	tmp_path(path, sizeof(path));
	for (uint32_t i = 0; i < 20; i++) {
		a = addr_of(i);
		assert_int_equal(p2p_addrman_add(m, &a, NOW, NOW), 1);
	}
	assert_int_equal(p2p_addrman_save(m, path, magic, err, sizeof(err)), 0);
	f = fopen(path, "r+b");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	damage(f, ftell(f));
	fclose(f);
	assert_int_equal(p2p_addrman_load(back, path, net, err, sizeof(err)), -1);
	assert_true(strlen(err) > 0);
	assert_int_equal(p2p_addrman_count(back), 0);
	unlink(path);
	p2p_addrman_free(m);
	p2p_addrman_free(back);
}

static void flip_entry_byte(FILE *f, long size)
{
	fseek(f, 40, SEEK_SET);
	fputc(0x5a ^ 0xff, f);
}

static void truncate_file(FILE *f, long size)
{
	assert_int_equal(ftruncate(fileno(f), size - 7), 0);
}

static void overwrite_garbage(FILE *f, long size)
{
	assert_int_equal(ftruncate(fileno(f), 0), 0);
	fseek(f, 0, SEEK_SET);
	fputs("this is no address book at all, just text", f);
}

static void bump_version(FILE *f, long size)
{
	fseek(f, 4, SEEK_SET);
	fputc(9, f);
}

static void huge_count(FILE *f, long size)
{
	fseek(f, 12, SEEK_SET);
	fwrite("\xff\xff\xff\x7f", 1, 4, f);
}

static void keep_as_is(FILE *f, long size)
{
}

static void test_addrman_corrupt_file_ignored(void **state)
{
	static const uint8_t other_net[4] = {1, 2, 3, 4};
	char path[128], err[256] = "";
	struct p2p_addrman *m = p2p_addrman_new(8);
	FILE *f;

	expect_refused(flip_entry_byte, magic);
	expect_refused(truncate_file, magic);
	expect_refused(overwrite_garbage, magic);
	expect_refused(bump_version, magic);
	expect_refused(huge_count, magic);
	expect_refused(keep_as_is, other_net);          /* another network's book */
	/* An empty file, and one far too large to be a book. */
	tmp_path(path, sizeof(path));
	f = fopen(path, "wb");
	fclose(f);
	assert_int_equal(p2p_addrman_load(m, path, magic, err, sizeof(err)), -1);
	f = fopen(path, "wb");
	for (int i = 0; i < 300000; i++)
		fputc(i, f);
	fclose(f);
	assert_int_equal(p2p_addrman_load(m, path, magic, err, sizeof(err)), -1);
	assert_int_equal(p2p_addrman_count(m), 0);
	unlink(path);
	p2p_addrman_free(m);
}

static void test_addrman_save_fails_cleanly(void **state)
{
	struct p2p_addrman *m = p2p_addrman_new(8);
	char err[256] = "";

	assert_int_equal(p2p_addrman_save(m, "/nonexistent-dir/peers.dat", magic, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nonexistent-dir"));
	p2p_addrman_free(m);
}

/* --externalip and --seed values: IPv4 with an optional port, nothing else. */
static void test_netaddr_parse(void **state)
{
	struct p2p_netaddr a, b;

	assert_int_equal(p2p_netaddr_parse(&a, "127.0.0.12:28402", 9), 0);
	p2p_netaddr_ipv4(&b, 0x7f00000c, 28402);
	assert_memory_equal(a.ip, b.ip, 16);
	assert_int_equal(a.port, 28402);
	assert_int_equal(a.services, P2P_NODE_NETWORK);
	assert_int_equal(p2p_netaddr_parse(&a, "10.1.2.3", 18333), 0);
	assert_int_equal(a.port, 18333);
	const char *bad[] = {"", ":1", "1.2.3", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:8x",
			     "0.0.0.0:1", "host:80", "1.2.3.4.5:1", "::1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(p2p_netaddr_parse(&a, bad[i], 1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addrman_add_find_refresh),
		cmocka_unit_test(test_addrman_attempt_good_remove),
		cmocka_unit_test(test_addrman_bound_evicts_oldest),
		cmocka_unit_test(test_addrman_eviction_matches_model),
		cmocka_unit_test(test_addrman_sample_bounds),
		cmocka_unit_test(test_addrman_select_backoff_and_skip),
		cmocka_unit_test(test_addrman_save_load_round_trip),
		cmocka_unit_test(test_addrman_corrupt_file_ignored),
		cmocka_unit_test(test_addrman_save_fails_cleanly),
		cmocka_unit_test(test_netaddr_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
