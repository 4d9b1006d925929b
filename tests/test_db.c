/* Tests for storage/db: the LevelDB wrapper, on real databases in temp dirs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/db.h"

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/flint-test-db-XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static void remove_tree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static struct stor_db *open_db(const char *dir)
{
	struct stor_db_options o;
	struct stor_db *db;
	char err[256];

	stor_db_options_default(&o);
	assert_int_equal(stor_db_open(&db, dir, &o, err, sizeof(err)), 0);
	return db;
}

static void put1(struct stor_db *db, const char *k, const char *v)
{
	struct stor_batch *b = stor_batch_new();
	char err[256];

	stor_batch_put(b, k, strlen(k), v, strlen(v));
	assert_int_equal(stor_db_write(db, b, true, err, sizeof(err)), 0);
	stor_batch_free(b);
}

static void db_expect(struct stor_db *db, const char *k, const char *v)
{
	uint8_t *val;
	size_t len;
	char err[256];
	int rc = stor_db_get(db, k, strlen(k), &val, &len, err, sizeof(err));

	if (!v) {
		assert_int_equal(rc, 0);
		assert_null(val);
		return;
	}
	assert_int_equal(rc, 1);
	assert_int_equal(len, strlen(v));
	assert_memory_equal(val, v, len);
	free(val);
}

static void test_db_put_get_persists_across_reopen(void **state)
{
	char *dir = make_tmpdir();
	struct stor_db *db = open_db(dir);

	put1(db, "alpha", "1");
	db_expect(db, "alpha", "1");
	db_expect(db, "beta", NULL);
	stor_db_close(db);
	db = open_db(dir);
	db_expect(db, "alpha", "1");
	stor_db_close(db);
	remove_tree(dir);
	free(dir);
}

static void test_db_batch_applies_puts_and_deletes_together(void **state)
{
	char *dir = make_tmpdir();
	struct stor_db *db = open_db(dir);
	struct stor_batch *b = stor_batch_new();
	char err[256];

	put1(db, "old", "x");
	stor_batch_put(b, "a", 1, "A", 1);
	stor_batch_put(b, "b", 1, "B", 1);
	stor_batch_del(b, "old", 3);
	assert_int_equal(stor_batch_count(b), 3);
	db_expect(db, "a", NULL);          /* nothing before the write */
	assert_int_equal(stor_db_write(db, b, false, err, sizeof(err)), 0);
	db_expect(db, "a", "A");
	db_expect(db, "b", "B");
	db_expect(db, "old", NULL);
	stor_batch_clear(b);
	assert_int_equal(stor_batch_count(b), 0);
	stor_batch_free(b);
	stor_db_close(db);
	remove_tree(dir);
	free(dir);
}

static void test_db_iter_stays_within_prefix(void **state)
{
	char *dir = make_tmpdir();
	struct stor_db *db = open_db(dir);
	struct stor_iter *it;
	const uint8_t *k, *v;
	size_t kl, vl, n = 0;
	char err[256];

	put1(db, "a1", "x");
	put1(db, "b2", "y");
	put1(db, "b1", "z");
	put1(db, "c1", "w");
	it = stor_iter_new(db, "b", 1);
	while (stor_iter_next(it, &k, &kl, &v, &vl)) {
		assert_int_equal(k[0], 'b');
		assert_int_equal(k[1], n == 0 ? '1' : '2');   /* key order */
		n++;
	}
	assert_int_equal(n, 2);
	assert_int_equal(stor_iter_error(it, err, sizeof(err)), 0);
	stor_iter_free(it);
	stor_db_close(db);
	remove_tree(dir);
	free(dir);
}

static void test_db_second_open_is_refused_with_message(void **state)
{
	char *dir = make_tmpdir();
	struct stor_db *db = open_db(dir), *db2;
	struct stor_db_options o;
	char err[256] = "";

	stor_db_options_default(&o);
	assert_int_equal(stor_db_open(&db2, dir, &o, err, sizeof(err)), -1);
	assert_null(db2);
	assert_non_null(strstr(err, "lock"));
	stor_db_close(db);
	remove_tree(dir);
	free(dir);
}

static void test_db_missing_dir_without_create_fails(void **state)
{
	struct stor_db_options o;
	struct stor_db *db;
	char err[256] = "";

	stor_db_options_default(&o);
	o.create_if_missing = false;
	assert_int_equal(stor_db_open(&db, "/tmp/flint-test-db-does-not-exist", &o, err,
				      sizeof(err)), -1);
	assert_true(strlen(err) > 0);
}

/* Overwrites the middle of every table and log file with garbage. */
static void corrupt_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 4 || (strcmp(e->d_name + n - 4, ".ldb") && strcmp(e->d_name + n - 4, ".log")))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "r+b");
		assert_non_null(f);
		fseek(f, 0, SEEK_END);
		long size = ftell(f);
		for (long off = 0; off < size; off += 64) {
			fseek(f, off, SEEK_SET);
			fputc(0x5a, f);
		}
		fclose(f);
	}
	closedir(d);
}

static void test_db_corruption_is_reported_not_served(void **state)
{
	char *dir = make_tmpdir();
	struct stor_db *db = open_db(dir);
	struct stor_db_options o;
	char err[256] = "", key[16], val[256];
	uint8_t *got;
	size_t len;
	int bad = 0;

	memset(val, 'v', sizeof(val) - 1);
	val[sizeof(val) - 1] = 0;
	for (int i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "k%04d", i);
		put1(db, key, val);
	}
	stor_db_close(db);
	corrupt_files(dir);
	stor_db_options_default(&o);
	if (stor_db_open(&db, dir, &o, err, sizeof(err)) < 0) {
		assert_true(strlen(err) > 0);
	} else {
		/* If the open survives, no read may return altered data silently. */
		for (int i = 0; i < 200; i++) {
			snprintf(key, sizeof(key), "k%04d", i);
			int rc = stor_db_get(db, key, strlen(key), &got, &len, err, sizeof(err));
			if (rc == 1) {
				assert_int_equal(len, strlen(val));
				assert_memory_equal(got, val, len);
				free(got);
			} else {
				bad++;
			}
		}
		assert_true(bad > 0);
		stor_db_close(db);
	}
	remove_tree(dir);
	free(dir);
}

static void test_db_crash_after_exits_before_the_write(void **state)
{
	char *dir = make_tmpdir();
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("FLINT_DBCRASH_AFTER", "2", 1);
		struct stor_db *db = open_db(dir);
		put1(db, "first", "1");
		put1(db, "second", "2");      /* dies before this write */
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), STOR_CRASH_EXIT);
	struct stor_db *db = open_db(dir);
	db_expect(db, "first", "1");
	db_expect(db, "second", NULL);
	stor_db_close(db);
	remove_tree(dir);
	free(dir);
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* A database with data, flushed into table files, whose CURRENT file is then removed. */
static char *db_without_current(char current[64])
{
	char *dir = make_tmpdir(), path[512];
	struct stor_db *db = open_db(dir);
	FILE *f;

	for (int i = 0; i < 2000; i++) {
		char k[32];
		snprintf(k, sizeof(k), "key%05d", i);
		put1(db, k, "a value long enough to fill the memtable after a while");
	}
	stor_db_close(db);
	db = open_db(dir);   /* recovery writes the log into a table */
	stor_db_close(db);
	snprintf(path, sizeof(path), "%s/CURRENT", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(current, 64, f));
	fclose(f);
	assert_int_equal(unlink(path), 0);
	return dir;
}

static void test_db_missing_current_is_refused_untouched(void **state)
{
	char current[64], err[1024], path[512];
	char *dir = db_without_current(current);
	int before = count_files(dir);
	struct stor_db_options o;
	struct stor_db *db;
	FILE *f;

	stor_db_options_default(&o);
	assert_int_equal(stor_db_open(&db, dir, &o, err, sizeof(err)), -1);
	assert_null(db);
	assert_non_null(strstr(err, "CURRENT file is missing"));
	assert_non_null(strstr(err, "--repairdb"));
	assert_non_null(strstr(err, current[0] == 'M' ? "MANIFEST-" : "?"));
	assert_int_equal(count_files(dir), before);
	/* Restoring CURRENT as the message says brings everything back. */
	snprintf(path, sizeof(path), "%s/CURRENT", dir);
	f = fopen(path, "w");
	fputs(current, f);
	fclose(f);
	db = open_db(dir);
	db_expect(db, "key00000", "a value long enough to fill the memtable after a while");
	db_expect(db, "key01999", "a value long enough to fill the memtable after a while");
	stor_db_close(db);
	remove_tree(dir);
	free(dir);
}

static void test_db_repair_rebuilds_a_lost_current(void **state)
{
	char current[64], err[512];
	char *dir = db_without_current(current);
	struct stor_db *db;

	assert_int_equal(stor_db_repair(dir, err, sizeof(err)), 0);
	db = open_db(dir);
	db_expect(db, "key00000", "a value long enough to fill the memtable after a while");
	db_expect(db, "key01999", "a value long enough to fill the memtable after a while");
	stor_db_close(db);
	remove_tree(dir);
	free(dir);
}

/* An empty directory, or none, still gets a new database. */
static void test_db_created_only_where_none_is(void **state)
{
	char *dir = make_tmpdir(), sub[512];
	struct stor_db *db = open_db(dir);

	put1(db, "k", "v");
	stor_db_close(db);
	snprintf(sub, sizeof(sub), "%s/new", dir);
	db = open_db(sub);
	db_expect(db, "k", NULL);
	stor_db_close(db);
	remove_tree(dir);
	free(dir);
}

/* The newest log file of dir, for the truncation test. */
static void newest_log(const char *dir, char *out, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned long best = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		const char *dot = strrchr(e->d_name, '.');
		if (dot && strcmp(dot, ".log") == 0 && strtoul(e->d_name, NULL, 10) >= best)
			best = strtoul(e->d_name, NULL, 10);
	}
	closedir(d);
	snprintf(out, len, "%s/%06lu.log", dir, best);
}

/* A log cut inside its last record loses that write silently in LevelDB: we warn. */
static void test_db_truncated_log_is_reported(void **state)
{
	char *dir = make_tmpdir(), log[600], msg[512];
	struct stor_db *db = open_db(dir);
	FILE *f;
	long size;

	put1(db, "first", "1");
	put1(db, "second", "2");
	stor_db_close(db);
	assert_int_equal(stor_db_check_log(dir, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
	newest_log(dir, log, sizeof(log));
	f = fopen(log, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	assert_true(size > 20);
	assert_int_equal(truncate(log, size - 3), 0);
	assert_int_equal(stor_db_check_log(dir, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "partial record"));
	/* And LevelDB indeed drops the write, without an error. */
	db = open_db(dir);
	db_expect(db, "first", "1");
	db_expect(db, "second", NULL);
	stor_db_close(db);
	remove_tree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_db_put_get_persists_across_reopen),
		cmocka_unit_test(test_db_batch_applies_puts_and_deletes_together),
		cmocka_unit_test(test_db_iter_stays_within_prefix),
		cmocka_unit_test(test_db_second_open_is_refused_with_message),
		cmocka_unit_test(test_db_missing_dir_without_create_fails),
		cmocka_unit_test(test_db_corruption_is_reported_not_served),
		cmocka_unit_test(test_db_crash_after_exits_before_the_write),
		cmocka_unit_test(test_db_missing_current_is_refused_untouched),
		cmocka_unit_test(test_db_repair_rebuilds_a_lost_current),
		cmocka_unit_test(test_db_created_only_where_none_is),
		cmocka_unit_test(test_db_truncated_log_is_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
