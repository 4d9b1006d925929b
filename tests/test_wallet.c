/* Tests for wallet/wallet.c: amounts, the file round trip, encryption, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wallet/wallet.h"

static const struct cons_params *P;

static void test_wallet_amount_parse(void **state)
{
	int64_t v;

	assert_int_equal(wal_parse_amount(P, "12.5", &v), 0);
	assert_int_equal(v, 1250000000);
	assert_int_equal(wal_parse_amount(P, "0.00000001", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(wal_parse_amount(P, "21000000", &v), 0);
	assert_int_equal(v, 21000000 * CONS_COIN);
	assert_int_equal(wal_parse_amount(P, "3.", &v), 0);
	assert_int_equal(v, 3 * CONS_COIN);
	assert_int_equal(wal_parse_amount(P, "1.123456789", &v), -1);   /* 9 places */
	assert_int_equal(wal_parse_amount(P, "0", &v), -1);
	assert_int_equal(wal_parse_amount(P, "-1", &v), -1);
	assert_int_equal(wal_parse_amount(P, "1e3", &v), -1);
	assert_int_equal(wal_parse_amount(P, "", &v), -1);
	assert_int_equal(wal_parse_amount(P, ".", &v), -1);
	assert_int_equal(wal_parse_amount(P, "21000000.00000001", &v), -1);
	assert_int_equal(wal_parse_amount(P, "99999999999999999999", &v), -1);
}

static void test_wallet_amount_format(void **state)
{
	char s[32];

	wal_format_amount(s, 1250000000);
	assert_string_equal(s, "12.50000000");
	wal_format_amount(s, -226);
	assert_string_equal(s, "-0.00000226");
	wal_format_amount(s, 0);
	assert_string_equal(s, "0.00000000");
}

static void tmp_path(char *out, size_t n)
{
	snprintf(out, n, "/tmp/flint-test-wallet-%d-%d.json", getpid(), rand());
}

static void test_wallet_round_trip_plain(void **state)
{
	struct wal_wallet w, r;
	char path[128], err[256];
	struct stat st;

	tmp_path(path, sizeof(path));
	assert_int_equal(wal_create(&w, P, NULL, err, sizeof(err)), 0);
	assert_non_null(wal_new_key(&w, false, err, sizeof(err)));
	assert_non_null(wal_new_key(&w, true, err, sizeof(err)));
	assert_int_equal(wal_save(&w, path, false, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(wal_save(&w, path, false, err, sizeof(err)), -1);   /* no overwrite */
	assert_int_equal(wal_load(&r, path, err, sizeof(err)), 0);
	assert_true(r.unlocked);
	assert_int_equal(r.n_keys, 2);
	assert_string_equal(r.keys[0].address, w.keys[0].address);
	assert_memory_equal(r.keys[1].secret, w.keys[1].secret, 32);
	assert_true(r.keys[1].change);
	assert_non_null(wal_find(&r, w.keys[1].address));
	wal_release(&r);
	wal_release(&w);
	unlink(path);
}

static void test_wallet_encrypted(void **state)
{
	struct wal_wallet w, r;
	char path[128], err[256], *text;
	FILE *f;
	long n;

	tmp_path(path, sizeof(path));
	assert_int_equal(wal_create(&w, P, "pass phrase", err, sizeof(err)), 0);
	assert_non_null(wal_new_key(&w, false, err, sizeof(err)));
	assert_int_equal(wal_save(&w, path, false, err, sizeof(err)), 0);
	assert_int_equal(wal_load(&r, path, err, sizeof(err)), 0);
	assert_true(r.encrypted);
	assert_false(r.unlocked);
	assert_string_equal(r.keys[0].address, w.keys[0].address);   /* readable while locked */
	assert_null(wal_new_key(&r, false, err, sizeof(err)));        /* but no new keys */
	assert_int_equal(wal_unlock(&r, "wrong", err, sizeof(err)), -1);
	assert_string_equal(err, "wrong passphrase");
	assert_false(r.unlocked);
	assert_int_equal(wal_unlock(&r, "pass phrase", err, sizeof(err)), 0);
	assert_memory_equal(r.keys[0].secret, w.keys[0].secret, 32);
	wal_release(&r);
	/* The secret is nowhere in the file. */
	f = fopen(path, "r");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	assert_null(strstr(text, "\"secret\""));
	free(text);
	wal_release(&w);
	unlink(path);
}

static void test_wallet_refuses_bad_files(void **state)
{
	struct wal_wallet w;
	char path[128], err[256];
	FILE *f;

	tmp_path(path, sizeof(path));
	assert_int_equal(wal_load(&w, path, err, sizeof(err)), -1);          /* missing */
	assert_non_null(strstr(err, "create one"));
	f = fopen(path, "w");
	fputs("{\"version\": 1, \"chain\": \"regtest\", \"encrypted\": false, \"keys\": "
	      "[{\"address\": \"rVaDKPF4fY3EvHDD5HgdEr8BWjRYNmbGw6\", \"pubkey\": "
	      "\"02abd311ef625603d18e0ff97f42cad218091c4edf3cf4e8ddad48ba9e5d39f941\", "
	      "\"secret\": \"0000000000000000000000000000000000000000000000000000000000000001\"}]}",
	      f);
	fclose(f);
	/* The address is not the public key's: refused, not trusted. */
	assert_int_equal(wal_load(&w, path, err, sizeof(err)), -1);
	f = fopen(path, "w");
	fputs("{\"version\": 2, \"chain\": \"regtest\", \"keys\": []}", f);
	fclose(f);
	assert_int_equal(wal_load(&w, path, err, sizeof(err)), -1);
	f = fopen(path, "w");
	fputs("not json", f);
	fclose(f);
	assert_int_equal(wal_load(&w, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a wallet file"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wallet_amount_parse),
		cmocka_unit_test(test_wallet_amount_format),
		cmocka_unit_test(test_wallet_round_trip_plain),
		cmocka_unit_test(test_wallet_encrypted),
		cmocka_unit_test(test_wallet_refuses_bad_files),
	};

	P = cons_params_by_name("regtest");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
