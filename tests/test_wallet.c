/*
 * Tests for the wallet library: amounts, the file round trip, encryption,
 * refused files, a write killed before its rename (wallet.c); fees, coin
 * selection and signed payments exact to the base unit (spend.c); coins and
 * balances from address-index answers (coins.c); the states of remembered
 * transactions through a reorganisation and the history file (history.c);
 * secrets wiped once a payment is signed (spend.c, wallet.c); the option
 * table's parsing and usage (options.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <secp256k1.h>

#include "consensus/script.h"
#include "consensus/sig.h"
#include "wallet/coins.h"
#include "wallet/history.h"
#include "wallet/options.h"
#include "wallet/spend.h"
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

static void test_wallet_amount_parse_edges(void **state)
{
	static const char *const bad[] = {
		" 1", "1 ", "+1", "1,5", "0x10", "..1", "1..", "1.2.3", "0.000000001", "0.00000000",
		"1e-8", "inf", "nan", "21000000.00000001", "1\n", "-0.1", "00000000000000000000000000",
	};
	int64_t v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(wal_parse_amount(P, bad[i], &v), -1);
	assert_int_equal(wal_parse_amount(P, ".5", &v), 0);
	assert_int_equal(v, 50000000);
	assert_int_equal(wal_parse_amount(P, "00.10000000", &v), 0);
	assert_int_equal(v, 10000000);
	assert_int_equal(wal_parse_amount(P, "000000000000000000000001", &v), 0);
	assert_int_equal(v, CONS_COIN);
	assert_int_equal(wal_parse_amount(P, "20999999.99999999", &v), 0);
	assert_int_equal(v, P->max_money - 1);
	assert_int_equal(wal_parse_amount(P, "21000000.00000000", &v), 0);
	assert_int_equal(v, P->max_money);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(1 << 20);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static void assert_file_is(const char *path, const uint8_t *want, size_t want_len)
{
	size_t len;
	uint8_t *now = slurp(path, &len);

	assert_int_equal(len, want_len);
	assert_memory_equal(now, want, len);
	free(now);
}

static void test_wallet_wrong_passphrase_leaves_file(void **state)
{
	struct wal_wallet w, r;
	char path[128], err[256];
	uint8_t *before;
	size_t len;

	tmp_path(path, sizeof(path));
	assert_int_equal(wal_create(&w, P, "right", err, sizeof(err)), 0);
	assert_non_null(wal_new_key(&w, false, err, sizeof(err)));
	assert_non_null(wal_new_key(&w, false, err, sizeof(err)));
	assert_int_equal(wal_save(&w, path, false, err, sizeof(err)), 0);
	before = slurp(path, &len);
	assert_int_equal(wal_load(&r, path, err, sizeof(err)), 0);
	assert_int_equal(wal_unlock(&r, "Right", err, sizeof(err)), -1);
	assert_string_equal(err, "wrong passphrase");
	assert_int_equal(wal_unlock(&r, "", err, sizeof(err)), -1);
	assert_false(r.unlocked);
	for (size_t i = 0; i < r.n_keys; i++)         /* nothing half-decrypted stays behind */
		assert_true(r.keys[i].secret[0] == 0 && r.keys[i].secret[31] == 0);
	assert_file_is(path, before, len);
	assert_int_equal(wal_unlock(&r, "right", err, sizeof(err)), 0);
	assert_memory_equal(r.keys[1].secret, w.keys[1].secret, 32);
	wal_release(&r);
	/* A sealed key altered on disk fails GCM's tag even with the right passphrase. */
	w.keys[1].sealed[20] ^= 1;
	assert_int_equal(wal_save(&w, path, true, err, sizeof(err)), 0);
	assert_int_equal(wal_load(&r, path, err, sizeof(err)), 0);
	assert_int_equal(wal_unlock(&r, "right", err, sizeof(err)), -1);
	wal_release(&r);
	wal_release(&w);
	free(before);
	unlink(path);
}

/* A save killed between writing the temp file and the rename leaves the old file. */
static void test_wallet_save_crash_keeps_old_file(void **state)
{
	struct wal_wallet w, r;
	char path[128], tmp[160], err[256];
	uint8_t *before;
	size_t len;
	int status;
	pid_t pid;

	tmp_path(path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(wal_create(&w, P, NULL, err, sizeof(err)), 0);
	assert_non_null(wal_new_key(&w, false, err, sizeof(err)));
	assert_int_equal(wal_save(&w, path, false, err, sizeof(err)), 0);
	before = slurp(path, &len);
	assert_non_null(wal_new_key(&w, false, err, sizeof(err)));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("FLINT_WALLET_CRASH_BEFORE_RENAME", "1", 1);
		_exit(wal_save(&w, path, true, err, sizeof(err)) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 97);
	assert_file_is(path, before, len);
	assert_int_equal(access(tmp, F_OK), 0);        /* the new text never replaced it */
	assert_int_equal(wal_load(&r, path, err, sizeof(err)), 0);
	assert_int_equal(r.n_keys, 1);
	wal_release(&r);
	/* The next save replaces the stale temp file and the wallet. */
	assert_int_equal(wal_save(&w, path, true, err, sizeof(err)), 0);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(wal_load(&r, path, err, sizeof(err)), 0);
	assert_int_equal(r.n_keys, 2);
	wal_release(&r);
	wal_release(&w);
	free(before);
	unlink(path);
}

/* ---- spend.c ---- */

static void test_wallet_tx_size_max(void **state)
{
	/* version 4 | count | inputs of 32+4+1+(1+72+1+1+33)+4 | count | outputs of 8+1+25 | locktime 4 */
	assert_int_equal(wal_tx_size_max(1, 1), 193);
	assert_int_equal(wal_tx_size_max(1, 2), 227);
	assert_int_equal(wal_tx_size_max(2, 2), 376);
	assert_int_equal(wal_tx_size_max(253, 1), 4 + 3 + 253 * 149 + 1 + 34 + 4);
}

static void test_wallet_fee_for_size(void **state)
{
	assert_int_equal(wal_fee_for_size(P, 1000, 226), 226);
	assert_int_equal(wal_fee_for_size(P, 1001, 226), 227);       /* 226.226 rounds up */
	assert_int_equal(wal_fee_for_size(P, 999, 1000), 999);
	assert_int_equal(wal_fee_for_size(P, 1, 1), 1);
	assert_int_equal(wal_fee_for_size(P, 0, 500), 0);
	assert_int_equal(wal_fee_for_size(P, 12345678, 777), 9592592);   /* 9592591.806 */
	assert_int_equal(wal_fee_for_size(P, P->max_money, 1000), P->max_money);
	assert_int_equal(wal_fee_for_size(P, P->max_money, 1001), -1);  /* above the cap */
	assert_int_equal(wal_fee_for_size(P, P->max_money + 1, 1), -1);
	assert_int_equal(wal_fee_for_size(P, -1, 1), -1);
	assert_int_equal(wal_fee_for_size(P, 1000, P->max_block_size + 1), -1);
}

static void set_coin(struct wal_coin *c, const struct wal_key *k, uint8_t tag, int64_t value,
		     bool unconfirmed)
{
	memset(c, 0, sizeof(*c));
	memset(c->op.txid, tag, 32);
	c->op.n = tag;
	c->value = value;
	c->key = k;
	c->unconfirmed = unconfirmed;
}

static void plan_ok(struct wal_plan *plan, size_t n_in, int64_t in_total, int64_t fee,
		    int64_t change)
{
	assert_int_equal(plan->n_in, n_in);
	assert_int_equal(plan->in_total, in_total);
	assert_int_equal(plan->fee, fee);
	assert_int_equal(plan->change, change);
	assert_int_equal(plan->in_total, plan->amount + plan->fee + plan->change);
}

static void test_wallet_plan_largest_first(void **state)
{
	struct wal_coin c[3];
	struct wal_plan plan;

	set_coin(&c[0], NULL, 1, 20 * CONS_COIN, false);
	set_coin(&c[1], NULL, 2, 50 * CONS_COIN, false);
	set_coin(&c[2], NULL, 3, 30 * CONS_COIN, false);
	assert_int_equal(wal_plan_payment(&plan, P, c, 3, 60 * CONS_COIN, 1000), 0);
	/* 50 + 30 cover 60 and the fee of 376 bytes at 1000 per kB; change is the rest. */
	plan_ok(&plan, 2, 80 * CONS_COIN, 376, 20 * CONS_COIN - 376);
	assert_int_equal(c[0].value, 50 * CONS_COIN);
	assert_int_equal(c[1].value, 30 * CONS_COIN);
	assert_int_equal(plan.available, 100 * CONS_COIN);
	/* All three, to the base unit: 100 coins less the 3-input, 1-output fee. */
	assert_int_equal(wal_plan_payment(&plan, P, c, 3, 100 * CONS_COIN - 491, 1000), 0);
	plan_ok(&plan, 3, 100 * CONS_COIN, 491, 0);
	assert_int_equal(wal_plan_payment(&plan, P, c, 3, 100 * CONS_COIN - 490, 1000), -1);
	assert_int_equal(plan.available, 100 * CONS_COIN);
}

static void test_wallet_plan_dust_change_to_fee(void **state)
{
	struct wal_coin c;
	struct wal_plan plan;

	set_coin(&c, NULL, 1, CONS_COIN, false);
	/* One input: 193 bytes without change, 227 with. */
	assert_int_equal(wal_plan_payment(&plan, P, &c, 1, CONS_COIN - 227 - WAL_DUST, 1000), 0);
	plan_ok(&plan, 1, CONS_COIN, 227, WAL_DUST);
	assert_int_equal(wal_plan_payment(&plan, P, &c, 1, CONS_COIN - 227 - WAL_DUST + 1, 1000), 0);
	plan_ok(&plan, 1, CONS_COIN, 227 + WAL_DUST - 1, 0);
	assert_int_equal(wal_plan_payment(&plan, P, &c, 1, CONS_COIN - 193, 1000), 0);
	plan_ok(&plan, 1, CONS_COIN, 193, 0);
	assert_int_equal(wal_plan_payment(&plan, P, &c, 1, CONS_COIN - 192, 1000), -1);
	assert_int_equal(wal_plan_payment(&plan, P, &c, 1, CONS_COIN - 1, 0), 0);   /* rate 0 */
	plan_ok(&plan, 1, CONS_COIN, 1, 0);
}

static void test_wallet_plan_confirmed_first(void **state)
{
	struct wal_coin c[3];
	struct wal_plan plan;

	set_coin(&c[0], NULL, 1, 100 * CONS_COIN, true);
	set_coin(&c[1], NULL, 2, 1 * CONS_COIN, false);
	set_coin(&c[2], NULL, 3, 2 * CONS_COIN, false);
	assert_int_equal(wal_plan_payment(&plan, P, c, 3, 250000000, 1000), 0);
	plan_ok(&plan, 2, 3 * CONS_COIN, 376, 50000000 - 376);
	assert_false(c[0].unconfirmed || c[1].unconfirmed);
	assert_int_equal(wal_plan_payment(&plan, P, c, 3, 5 * CONS_COIN, 1000), 0);
	assert_int_equal(plan.n_in, 3);
	assert_true(c[2].unconfirmed);
}

static void test_wallet_plan_refuses_absurd(void **state)
{
	struct wal_coin *c = calloc(WAL_MAX_COINS, sizeof(*c));
	struct wal_plan plan;

	assert_non_null(c);
	for (size_t i = 0; i < WAL_MAX_COINS; i++)
		set_coin(&c[i], NULL, (uint8_t)i, CONS_COIN, false);
	/* The largest rate: fees pass the cap long before the coins run out, and nothing overflows. */
	assert_int_equal(wal_plan_payment(&plan, P, c, WAL_MAX_COINS, 4000 * CONS_COIN,
					  P->max_money), -1);
	assert_int_equal(plan.available, (int64_t)WAL_MAX_COINS * CONS_COIN);
	assert_int_equal(wal_plan_payment(&plan, P, c, 2, CONS_COIN, P->max_money + 1), -1);
	assert_int_equal(wal_plan_payment(&plan, P, c, 2, 0, 1000), -1);
	assert_int_equal(wal_plan_payment(&plan, P, c, 2, -CONS_COIN, 1000), -1);
	assert_int_equal(wal_plan_payment(&plan, P, c, 2, P->max_money + 1, 1000), -1);
	c[1].value = -1;
	assert_int_equal(wal_plan_payment(&plan, P, c, 2, CONS_COIN / 2, 1000), -1);
	c[1].value = P->max_money;                  /* more coins than can exist */
	assert_int_equal(wal_plan_payment(&plan, P, c, 2, CONS_COIN / 2, 1000), -1);
	assert_int_equal(wal_plan_payment(&plan, P, c, 0, 1, 1000), -1);
	free(c);
}

/* importkey with another chain's key (or Bitcoin's) says whose key it is. */
static void test_wallet_import_other_chain(void **state)
{
	struct wal_wallet w;
	char err[256], wif[CONS_WIF_MAX];
	uint8_t sec[32], raw[34];

	memset(sec, 0x33, sizeof(sec));
	assert_int_equal(wal_create(&w, P, NULL, err, sizeof(err)), 0);
	cons_wif_encode(wif, cons_params_by_name("testnet")->wif_version, sec);
	assert_int_equal(wal_import(&w, wif, err, sizeof(err)), -1);
	assert_string_equal(err, "this is a testnet key; the wallet is for regtest");
	cons_wif_encode(wif, 0x80, sec);
	assert_int_equal(wal_import(&w, wif, err, sizeof(err)), -1);
	assert_string_equal(err, "this is a Bitcoin mainnet key; the wallet is for regtest");
	/* Uncompressed: no 0x01 suffix. */
	raw[0] = P->wif_version;
	memcpy(raw + 1, sec, 32);
	assert_int_equal(cons_base58check_encode(wif, sizeof(wif), raw, 33), 0);
	assert_int_equal(wal_import(&w, wif, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "uncompressed regtest key"));
	assert_int_equal(wal_import(&w, "notakey", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a WIF key"));
	assert_int_equal(w.n_keys, 0);
	wal_release(&w);
}

/* A plain wallet of n fixed keys, so signatures (RFC6979) are the same every run. */
static void fixed_wallet(struct wal_wallet *w, size_t n)
{
	char err[256], wif[CONS_WIF_MAX];
	uint8_t sec[32];

	assert_int_equal(wal_create(w, P, NULL, err, sizeof(err)), 0);
	for (size_t i = 0; i < n; i++) {
		memset(sec, 0x5a, sizeof(sec));
		sec[31] = (uint8_t)(i + 1);
		cons_wif_encode(wif, P->wif_version, sec);
		assert_int_equal(wal_import(w, wif, err, sizeof(err)), 0);
	}
}

static void check_payment(const struct cons_tx *tx, const struct wal_plan *plan,
			  const struct wal_coin *c, const uint8_t dest[20])
{
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	uint8_t pkh[20];
	int64_t out = 0;

	assert_int_equal(tx->n_in, plan->n_in);
	for (size_t i = 0; i < tx->n_in; i++) {
		assert_int_equal(cons_outpoint_cmp(&tx->in[i].prevout, &c[i].op), 0);
		assert_int_equal(cons_verify_input(ctx, tx, i, c[i].key->pkh), CONS_SIG_OK);
	}
	assert_int_equal(tx->n_out, plan->change ? 2 : 1);
	assert_true(cons_script_is_p2pkh(tx->out[0].script, tx->out[0].script_len, pkh));
	assert_memory_equal(pkh, dest, 20);
	assert_int_equal(tx->out[0].value, plan->amount);
	for (size_t i = 0; i < tx->n_out; i++)
		out += tx->out[i].value;
	assert_int_equal(plan->in_total - out, plan->fee);
	assert_true(tx->size <= wal_tx_size_max(tx->n_in, tx->n_out));
	secp256k1_context_destroy(ctx);
}

static void test_wallet_build_payment_exact_fee(void **state)
{
	static const int64_t rates[] = {1000, 1234, 1, 99999};
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	struct wal_wallet w;
	struct wal_coin c[3];
	struct wal_plan plan;
	struct cons_tx tx;
	uint8_t dest[20];
	char err[256];

	fixed_wallet(&w, 3);
	memset(dest, 0x77, sizeof(dest));
	for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
		set_coin(&c[0], &w.keys[0], 1, 30 * CONS_COIN, false);
		set_coin(&c[1], &w.keys[1], 2, 50 * CONS_COIN, false);
		set_coin(&c[2], &w.keys[2], 3, 20 * CONS_COIN, true);
		assert_int_equal(wal_plan_payment(&plan, P, c, 3, 60 * CONS_COIN, rates[r]), 0);
		cons_tx_init(&tx);
		assert_int_equal(wal_build_payment(ctx, &tx, &plan, P, c, rates[r], dest,
						   w.keys[2].pkh, err, sizeof(err)), 0);
		check_payment(&tx, &plan, c, dest);
		/* The fee is the rate times the signed size, rounded up: not the estimate. */
		assert_int_equal(plan.fee, wal_fee_for_size(P, rates[r], tx.size));
		assert_int_equal(plan.change, 20 * CONS_COIN - plan.fee);
		assert_true(tx.size < wal_tx_size_max(2, 2));
		cons_tx_release(&tx);
	}
	wal_release(&w);
	secp256k1_context_destroy(ctx);
}

static void test_wallet_build_payment_many_inputs(void **state)
{
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	struct wal_wallet w;
	struct wal_coin c[40];
	struct wal_plan plan;
	struct cons_tx tx;
	uint8_t dest[20];
	char err[256];

	fixed_wallet(&w, 40);
	memset(dest, 0x44, sizeof(dest));
	for (size_t i = 0; i < 40; i++)
		set_coin(&c[i], &w.keys[i], (uint8_t)(i + 1), 100000 + (int64_t)i, false);
	assert_int_equal(wal_plan_payment(&plan, P, c, 40, 3000000, 2500), 0);
	assert_int_equal(plan.n_in, 31);
	cons_tx_init(&tx);
	assert_int_equal(wal_build_payment(ctx, &tx, &plan, P, c, 2500, dest, w.keys[0].pkh, err,
					   sizeof(err)), 0);
	check_payment(&tx, &plan, c, dest);
	assert_int_equal(plan.fee, wal_fee_for_size(P, 2500, tx.size));
	cons_tx_release(&tx);
	wal_release(&w);
	secp256k1_context_destroy(ctx);
}

static void test_wallet_build_payment_without_change(void **state)
{
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	struct wal_wallet w;
	struct wal_coin c;
	struct wal_plan plan;
	struct cons_tx tx;
	uint8_t dest[20];
	char err[256];

	fixed_wallet(&w, 1);
	memset(dest, 0x33, sizeof(dest));
	set_coin(&c, &w.keys[0], 9, CONS_COIN, false);
	assert_int_equal(wal_plan_payment(&plan, P, &c, 1, CONS_COIN - 500, 1000), 0);
	cons_tx_init(&tx);
	assert_int_equal(wal_build_payment(ctx, &tx, &plan, P, &c, 1000, dest, NULL, err,
					   sizeof(err)), 0);
	check_payment(&tx, &plan, &c, dest);
	assert_int_equal(plan.fee, 500);           /* all that is left: no change output */
	cons_tx_release(&tx);
	/* A key that cannot sign (zero secret) is an error, not a crash. */
	memset(w.keys[0].secret, 0, 32);
	cons_tx_init(&tx);
	assert_int_equal(wal_build_payment(ctx, &tx, &plan, P, &c, 1000, dest, NULL, err,
					   sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot sign"));
	cons_tx_release(&tx);
	wal_release(&w);
	secp256k1_context_destroy(ctx);
}

/* ---- coins.c ---- */

static const char *txid_of(char c)
{
	static char ids[16][65];
	char *s = ids[c & 15];

	memset(s, c, 64);
	s[64] = 0;
	return s;
}

static json_t *utxo(const char *addr, char txid, int n, json_int_t sat, int height, int coinbase)
{
	return json_pack("{s:s, s:s, s:i, s:I, s:i, s:b}", "address", addr, "txid", txid_of(txid),
			 "outputIndex", n, "satoshis", sat, "height", height, "coinbase", coinbase);
}

static json_t *pooled(const char *addr, char txid, int n, json_int_t sat, char prev, int prevout)
{
	json_t *o = json_pack("{s:s, s:s, s:i, s:I}", "address", addr, "txid", txid_of(txid),
			      "index", n, "satoshis", sat);

	if (prev)
		json_object_update_new(o, json_pack("{s:s, s:i}", "prevtxid", txid_of(prev),
						    "prevout", prevout));
	return o;
}

static bool has_coin(const struct wal_coins *cs, char txid, uint32_t n, int64_t value,
		     bool unconfirmed)
{
	uint8_t id[32];

	memset(id, (uint8_t)((txid >= 'a' ? txid - 'a' + 10 : txid - '0') * 0x11), 32);
	for (size_t i = 0; i < cs->n; i++)
		if (memcmp(cs->v[i].op.txid, id, 32) == 0 && cs->v[i].op.n == n &&
		    cs->v[i].value == value && cs->v[i].unconfirmed == unconfirmed)
			return true;
	return false;
}

static void test_wallet_coins_collect(void **state)
{
	static struct wal_coins cs;
	struct wal_wallet w;
	char err[256];
	const char *a, *ch, *other = "rVaDKPF4fY3EvHDD5HgdEr8BWjRYNmbGw6";
	json_t *utxos, *pool;

	assert_int_equal(wal_create(&w, P, NULL, err, sizeof(err)), 0);
	a = wal_new_key(&w, false, err, sizeof(err))->address;
	ch = wal_new_key(&w, true, err, sizeof(err))->address;
	a = w.keys[0].address;                          /* the array moved */
	utxos = json_pack("[o, o, o, o, o, o, o, o, o]",
		utxo(a, '1', 0, 50 * CONS_COIN, 101, 1),   /* 100 confirmations at tip 200: mature */
		utxo(a, '2', 0, 50 * CONS_COIN, 102, 1),   /* 99: immature */
		utxo(a, '3', 1, 700, 150, 0),              /* spent by a pool tx */
		utxo(a, '4', 2, 300, 150, 0),
		utxo(ch, '5', 0, 900, 200, 0),             /* also still in the pool answer */
		utxo(other, '6', 0, 1000, 150, 0),         /* not the wallet's */
		json_pack("{s:s, s:s, s:i, s:s, s:i}", "address", a, "txid", txid_of('7'),
			  "outputIndex", 0, "satoshis", "100", "height", 1),
		json_pack("{s:s, s:s, s:i, s:I, s:i}", "address", a, "txid", "zz", "outputIndex", 0,
			  "satoshis", (json_int_t)100, "height", 1),
		utxo(a, '8', 0, P->max_money + 1, 150, 0));
	pool = json_pack("[o, o, o, o, o, o, s]",
		pooled(a, 'a', 0, -700, '3', 1),           /* spends 3:1 */
		pooled(ch, 'a', 1, 650, 0, 0),             /* its change: spendable unconfirmed */
		pooled(a, 'b', 0, 1000, 0, 0),             /* received, not change: not spent */
		pooled(ch, 'c', 0, 400, 0, 0),             /* change spent again by d */
		pooled(ch, 'd', 0, -400, 'c', 0),
		pooled(ch, '5', 0, 900, 0, 0),
		"junk");
	wal_coins_collect(&cs, &w, utxos, pool, 200);
	assert_int_equal(cs.bal.immature, 50 * CONS_COIN);
	assert_int_equal(cs.bal.confirmed, 50 * CONS_COIN + 700 + 300 + 900);
	assert_int_equal(cs.bal.unconfirmed, -700 + 650 + 1000 + 400 - 400 + 900);
	assert_int_equal(cs.n, 4);
	assert_true(has_coin(&cs, '1', 0, 50 * CONS_COIN, false));
	assert_true(has_coin(&cs, '4', 2, 300, false));
	assert_true(has_coin(&cs, '5', 0, 900, false));
	assert_true(has_coin(&cs, 'a', 1, 650, true));
	assert_ptr_equal(cs.v[3].key, &w.keys[1]);
	/* One block later the second coinbase matures; garbage answers give nothing. */
	wal_coins_collect(&cs, &w, utxos, pool, 201);
	assert_int_equal(cs.bal.immature, 0);
	json_decref(utxos);
	utxos = json_string("x");
	wal_coins_collect(&cs, &w, utxos, NULL, -5);
	assert_int_equal(cs.n, 0);
	assert_int_equal(cs.bal.confirmed, 0);
	json_decref(utxos);
	json_decref(pool);
	wal_release(&w);
}

/* ---- history.c ---- */

static const char H1[] = "1111111111111111111111111111111111111111111111111111111111111111";
static const char H2[] = "2222222222222222222222222222222222222222222222222222222222222222";
static const char H3[] = "3333333333333333333333333333333333333333333333333333333333333333";
static const char TX[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char TY[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

static struct wal_obs obs(enum wal_obs_kind kind, const char *block, int64_t height,
			  int64_t conf)
{
	struct wal_obs o;

	memset(&o, 0, sizeof(o));
	o.kind = kind;
	if (block)
		snprintf(o.block, sizeof(o.block), "%s", block);
	o.height = height;
	o.confirmations = conf;
	return o;
}

/* A payment's life through a partition: mempool, confirmed 2 deep, conflicted at the heal. */
static void test_wallet_history_conflicted_by_reorg(void **state)
{
	struct wal_hist_tx t;
	struct wal_obs o;
	char line[200];

	memset(&t, 0, sizeof(t));
	o = obs(WAL_OBS_MEMPOOL, NULL, 0, 0);
	wal_hist_classify(&t, &o);
	assert_int_equal(t.state, WAL_TX_MEMPOOL);
	assert_int_equal(t.confirmations, 0);
	o = obs(WAL_OBS_ACTIVE, H1, 102, 2);
	wal_hist_classify(&t, &o);
	assert_int_equal(t.state, WAL_TX_CONFIRMED);
	assert_int_equal(t.confirmations, 2);
	wal_hist_describe(line, sizeof(line), &t);
	assert_string_equal(line, "confirmed (2)");
	/* The heal: its block is stale; the other side's payment, 4 deep, spent its input. */
	o = obs(WAL_OBS_STALE, H1, 102, 0);
	snprintf(o.conflict_txid, sizeof(o.conflict_txid), "%s", TY);
	snprintf(o.conflict_block, sizeof(o.conflict_block), "%s", H2);
	o.conflict_height = 102;
	o.conflict_confirmations = 4;
	wal_hist_classify(&t, &o);
	assert_int_equal(t.state, WAL_TX_CONFLICTED);
	assert_int_equal(t.confirmations, -4);          /* Core's count: -(depth of the winner) */
	assert_string_equal(t.conflict_txid, TY);
	assert_string_equal(t.conflict_block, H2);
	assert_int_equal(t.n_blocks, 1);                /* the same block is remembered once */
	assert_string_equal(t.blocks[0].hash, H1);
	wal_hist_describe(line, sizeof(line), &t);
	assert_string_equal(line, "conflicted: double-spent by bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
			    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb in block 102");
	assert_string_equal(wal_tx_state_name(t.state), "conflicted");
	/* A node without the evidence: remembered blocks and a spent input still say conflicted. */
	o = obs(WAL_OBS_MISSING, NULL, 0, 0);
	o.inputs_spent = true;
	wal_hist_classify(&t, &o);
	assert_int_equal(t.state, WAL_TX_CONFLICTED);
	assert_int_equal(t.confirmations, 0);
	assert_string_equal(t.conflict_txid, "");
}

static void test_wallet_history_returned_and_confirmed_again(void **state)
{
	struct wal_hist_tx t;
	struct wal_obs o;
	char line[200];

	memset(&t, 0, sizeof(t));
	o = obs(WAL_OBS_ACTIVE, H1, 102, 1);
	wal_hist_classify(&t, &o);
	o = obs(WAL_OBS_MEMPOOL, NULL, 0, 0);       /* its block disconnected, no conflict */
	wal_hist_classify(&t, &o);
	assert_int_equal(t.state, WAL_TX_RETURNED);
	assert_int_equal(t.confirmations, 0);
	wal_hist_describe(line, sizeof(line), &t);
	assert_string_equal(line, "returned to the mempool by a reorganisation (was in block 102)");
	o = obs(WAL_OBS_ACTIVE, H3, 106, 1);
	wal_hist_classify(&t, &o);
	assert_int_equal(t.state, WAL_TX_CONFIRMED);
	assert_int_equal(t.n_blocks, 2);
	assert_string_equal(t.blocks[1].hash, H3);
}

static void test_wallet_history_abandoned_and_dropped(void **state)
{
	struct wal_hist_tx t;
	struct wal_obs o;

	memset(&t, 0, sizeof(t));
	o = obs(WAL_OBS_MISSING, NULL, 0, 0);
	o.inputs_spent = true;                   /* never confirmed, inputs spent elsewhere */
	wal_hist_classify(&t, &o);
	assert_int_equal(t.state, WAL_TX_ABANDONED);
	o.inputs_spent = false;
	wal_hist_classify(&t, &o);
	assert_int_equal(t.state, WAL_TX_DROPPED);
	/* A stale block whose inputs the node finds unspent: not conflicted. */
	o = obs(WAL_OBS_STALE, H1, 50, 0);
	wal_hist_classify(&t, &o);
	assert_int_equal(t.state, WAL_TX_DROPPED);
	o.inputs_spent = true;
	wal_hist_classify(&t, &o);
	assert_int_equal(t.state, WAL_TX_CONFLICTED);
}

static void test_wallet_history_blocks_bounded(void **state)
{
	struct wal_hist_tx t;
	char hash[65];

	memset(&t, 0, sizeof(t));
	for (int i = 0; i < WAL_HIST_BLOCKS + 3; i++) {
		snprintf(hash, sizeof(hash), "%064x", i);
		wal_hist_seen(&t, hash, i);
	}
	assert_int_equal(t.n_blocks, WAL_HIST_BLOCKS);
	assert_int_equal(t.blocks[0].height, 3);        /* the oldest forgotten */
	wal_hist_seen(&t, "short", 1);                  /* not a hash: ignored */
	assert_int_equal(t.n_blocks, WAL_HIST_BLOCKS);
}

/* A full history (WAL_HIST_MAX records) loads in linear time: it took minutes when each
 * record was looked up by scanning every earlier one. */
static void test_wallet_history_full_loads_fast(void **state)
{
	struct wal_history h;
	char path[200], err[300], txid[65];
	struct timespec t0, t1;
	FILE *f;

	tmp_path(path, sizeof(path));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"version\": 1, \"txs\": [", f);
	for (int i = 0; i < WAL_HIST_MAX; i++)
		fprintf(f, "%s{\"txid\": \"%056x%08x\", \"net\": %d}", i ? "," : "", 0u,
			(unsigned)i * 2654435761u, i);
	fputs("]}", f);
	fclose(f);
	wal_history_init(&h);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(wal_history_load(&h, path, err, sizeof(err)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(h.n, WAL_HIST_MAX);
	snprintf(txid, sizeof(txid), "%056x%08x", 0u, 77u * 2654435761u);
	assert_int_equal(wal_history_find(&h, txid)->net, 77);
	/* Seconds at most even under sanitizers; the quadratic load needed minutes. */
	assert_true(t1.tv_sec - t0.tv_sec < 20);
	wal_history_release(&h);
	unlink(path);
}

static void test_wallet_history_file_round_trip(void **state)
{
	struct wal_history h, back;
	struct wal_hist_tx *t;
	char path[200], err[300];
	struct stat st;
	FILE *f;

	tmp_path(path, sizeof(path));
	wal_history_init(&h);
	assert_int_equal(wal_history_load(&h, path, err, sizeof(err)), 0);   /* none yet: empty */
	assert_int_equal(h.n, 0);
	assert_null(wal_history_get(&h, "not a txid"));
	t = wal_history_get(&h, TX);
	assert_non_null(t);
	t->net = -1000000225;
	t->fee = 225;
	t->fee_known = true;
	snprintf(t->inputs[0], sizeof(t->inputs[0]), "%s:1", TY);
	t->n_inputs = 1;
	wal_hist_seen(t, H1, 102);
	assert_ptr_equal(wal_history_get(&h, TX), t);
	assert_non_null(wal_history_get(&h, TY));
	assert_int_equal(wal_history_save(&h, path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	wal_history_init(&back);
	assert_int_equal(wal_history_load(&back, path, err, sizeof(err)), 0);
	assert_int_equal(back.n, 2);
	t = wal_history_find(&back, TX);
	assert_non_null(t);
	assert_int_equal(t->net, -1000000225);
	assert_true(t->fee_known);
	assert_int_equal(t->fee, 225);
	assert_int_equal(t->n_blocks, 1);
	assert_string_equal(t->blocks[0].hash, H1);
	assert_int_equal(t->blocks[0].height, 102);
	assert_int_equal(t->n_inputs, 1);
	assert_false(wal_history_find(&back, TY)->fee_known);
	wal_history_release(&back);
	/* A damaged file is refused with a message, never half read. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"version\": 1, \"txs\": [{\"txid\": \"zz\"}]}", f);
	fclose(f);
	wal_history_init(&back);
	assert_int_equal(wal_history_load(&back, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "malformed"));
	wal_history_release(&back);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[1, 2", f);
	fclose(f);
	wal_history_init(&back);
	assert_int_equal(wal_history_load(&back, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a wallet history file"));
	wal_history_release(&back);
	/* A 64-character txid that is not hex is damage too, not a question for the node. */
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "{\"version\": 1, \"txs\": [{\"txid\": \"%064d\", \"net\": 5}, "
		"{\"txid\": \"%.63s%c\", \"net\": 5}]}", 0, TX, 'z');
	fclose(f);
	wal_history_init(&back);
	assert_int_equal(wal_history_load(&back, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "malformed"));
	wal_history_release(&back);
	wal_history_release(&h);
	unlink(path);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Every secret of w and the key derived from its passphrase are zero. */
static bool secrets_wiped(const struct wal_wallet *w)
{
	for (size_t i = 0; i < w->n_keys; i++)
		if (!all_zero(w->keys[i].secret, sizeof(w->keys[i].secret)))
			return false;
	return all_zero(w->aes_key, sizeof(w->aes_key));
}

/*
 * flint-wallet's send order over the library: a loaded encrypted wallet
 * drafts the payment with no secret in memory, is unlocked only to sign,
 * and after wal_lock() holds no secret at all, though it can unlock again.
 */
static void test_wallet_sign_then_lock_wipes_secrets(void **state)
{
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	struct wal_wallet w, r;
	struct wal_coin c[2];
	struct wal_plan plan;
	struct cons_tx tx;
	uint8_t dest[20], pkh[20];
	char path[128], err[256];

	tmp_path(path, sizeof(path));
	memset(dest, 0x66, sizeof(dest));
	assert_int_equal(wal_create(&w, P, "pass", err, sizeof(err)), 0);
	assert_non_null(wal_new_key(&w, false, err, sizeof(err)));
	assert_non_null(wal_new_key(&w, true, err, sizeof(err)));
	assert_int_equal(wal_save(&w, path, false, err, sizeof(err)), 0);
	wal_release(&w);
	assert_int_equal(wal_load(&r, path, err, sizeof(err)), 0);
	assert_true(secrets_wiped(&r));                /* sealed until asked */
	set_coin(&c[0], &r.keys[0], 1, 30 * CONS_COIN, false);
	set_coin(&c[1], &r.keys[1], 2, 20 * CONS_COIN, false);
	assert_int_equal(wal_plan_payment(&plan, P, c, 2, 40 * CONS_COIN, 1000), 0);
	cons_tx_init(&tx);
	assert_int_equal(wal_draft_payment(&tx, &plan, c, dest, err, sizeof(err)), 0);
	assert_int_equal(tx.n_in, 2);
	assert_int_equal(tx.n_out, 2);
	for (size_t i = 0; i < tx.n_in; i++)
		assert_int_equal(tx.in[i].script_len, 0);     /* unsigned */
	/* Locked, the draft cannot be signed. */
	assert_int_equal(wal_sign_payment(ctx, &tx, &plan, P, c, 1000, r.keys[1].pkh, err,
					  sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot sign"));
	cons_tx_release(&tx);
	cons_tx_init(&tx);
	assert_int_equal(wal_draft_payment(&tx, &plan, c, dest, err, sizeof(err)), 0);
	assert_int_equal(wal_unlock(&r, "pass", err, sizeof(err)), 0);
	assert_false(all_zero(r.keys[0].secret, 32));
	assert_false(all_zero(r.aes_key, sizeof(r.aes_key)));
	assert_int_equal(wal_sign_payment(ctx, &tx, &plan, P, c, 1000, r.keys[1].pkh, err,
					  sizeof(err)), 0);
	wal_lock(&r);
	assert_true(secrets_wiped(&r));
	assert_false(r.unlocked);
	assert_null(wal_new_key(&r, true, err, sizeof(err)));   /* no sealing key either */
	/* The signatures did not need the secrets kept: the tx verifies after the wipe. */
	check_payment(&tx, &plan, c, dest);
	assert_true(cons_script_is_p2pkh(tx.out[1].script, tx.out[1].script_len, pkh));
	assert_memory_equal(pkh, r.keys[1].pkh, 20);      /* the change key set at signing */
	assert_int_equal(plan.fee, wal_fee_for_size(P, 1000, tx.size));
	cons_tx_release(&tx);
	/* An encrypted wallet's sealed file is still whole; it opens again. */
	assert_int_equal(wal_save(&r, path, true, err, sizeof(err)), 0);
	assert_int_equal(wal_unlock(&r, "pass", err, sizeof(err)), 0);
	assert_false(all_zero(r.keys[1].secret, 32));
	wal_release(&r);
	unlink(path);
	secp256k1_context_destroy(ctx);
}

/* A plain wallet's secrets are its file's: once wiped, it is neither saved nor reopened. */
static void test_wallet_lock_plain_refuses_save(void **state)
{
	struct wal_wallet w;
	char path[128], err[256];

	tmp_path(path, sizeof(path));
	assert_int_equal(wal_create(&w, P, NULL, err, sizeof(err)), 0);
	assert_non_null(wal_new_key(&w, false, err, sizeof(err)));
	wal_lock(&w);
	assert_true(secrets_wiped(&w));
	assert_int_equal(wal_save(&w, path, false, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "wiped"));
	assert_int_equal(access(path, F_OK), -1);           /* no file of zero keys */
	assert_int_equal(wal_unlock(&w, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "load it again"));
	wal_release(&w);
}

/* ---- the option table (options.c) ---- */

struct opts {
	char file[8];
	bool flag, other;
	int64_t rate, bounded;
};

static const struct wal_option test_opts[] = {
	{.name = "file", .kind = WAL_OPT_STRING, .offset = offsetof(struct opts, file),
	 .size = sizeof(((struct opts *)0)->file), .def = "dflt", .arg = "F", .help = "a file"},
	{.name = "flag", .kind = WAL_OPT_FLAG, .offset = offsetof(struct opts, flag),
	 .help = "a flag\nover two lines"},
	{.name = "other", .kind = WAL_OPT_FLAG, .offset = offsetof(struct opts, other),
	 .help = "another"},
	{.name = "rate", .kind = WAL_OPT_AMOUNT, .offset = offsetof(struct opts, rate), .min = 1,
	 .arg = "COINS", .what = "rate", .help = "a rate"},
	{.name = "bounded", .kind = WAL_OPT_AMOUNT, .offset = offsetof(struct opts, bounded),
	 .min = 1000, .max = CONS_COIN, .def = "0.0001", .arg = "COINS-WITH-A-LONG-NAME",
	 .what = "bounded amount", .help = "within bounds"},
	{.name = NULL},
};

/* Parses the NULL-ended words (argv[0] is the program) into o; the return of wal_opts_parse. */
static int parse_words(struct opts *o, char **args, size_t *n, char *err, size_t errlen,
		       const char *first, ...)
{
	char *argv[16] = {(char *)"prog"};
	int argc = 1;
	va_list ap;

	va_start(ap, first);
	for (const char *w = first; w && argc < 16; w = va_arg(ap, const char *))
		argv[argc++] = (char *)w;
	va_end(ap);
	memset(o, 0x55, sizeof(*o));                      /* the defaults must replace this */
	return wal_opts_parse(test_opts, o, P, argc, argv, args, 2, n, err, errlen);
}

static void test_wallet_options_values_and_defaults(void **state)
{
	struct opts o;
	char *args[2], err[256];
	size_t n;

	assert_int_equal(parse_words(&o, args, &n, err, sizeof(err), (char *)NULL), 0);
	assert_string_equal(o.file, "dflt");
	assert_false(o.flag);
	assert_false(o.other);
	assert_int_equal(o.rate, 0);
	assert_int_equal(o.bounded, 10000);
	assert_int_equal(n, 0);
	/* "--opt value" and "--opt=value", options among the arguments. */
	assert_int_equal(parse_words(&o, args, &n, err, sizeof(err), "send", "--file", "a.json",
				     "X", "--rate=0.00002345", "--flag", "--bounded", "1", NULL), 0);
	assert_string_equal(o.file, "a.json");
	assert_true(o.flag);
	assert_false(o.other);
	assert_int_equal(o.rate, 2345);
	assert_int_equal(o.bounded, CONS_COIN);
	assert_int_equal(n, 2);
	assert_string_equal(args[0], "send");
	assert_string_equal(args[1], "X");
	/* A value may look like an option; "-1" is an argument, not an option. */
	assert_int_equal(parse_words(&o, args, &n, err, sizeof(err), "--file", "--flag", "-1",
				     NULL), 0);
	assert_string_equal(o.file, "--flag");
	assert_false(o.flag);
	assert_string_equal(args[0], "-1");
	/* The last of a repeated option wins. */
	assert_int_equal(parse_words(&o, args, &n, err, sizeof(err), "--file=a", "--file=b", NULL),
			 0);
	assert_string_equal(o.file, "b");
}

/* Each refusal, and its message naming what was wrong. */
static void refused(const char *want, const char *a1, const char *a2, const char *a3)
{
	struct opts o;
	char *args[2], err[256] = "";
	size_t n;

	assert_int_equal(parse_words(&o, args, &n, err, sizeof(err), a1, a2, a3, NULL), -1);
	if (!strstr(err, want))
		fail_msg("'%s %s %s': '%s' is not in '%s'", a1, a2 ? a2 : "", a3 ? a3 : "", want, err);
}

static void test_wallet_options_refused(void **state)
{
	refused("unknown option '--bogus' (see --help)", "--bogus", NULL, NULL);
	refused("unknown option '--fla'", "--fla", NULL, NULL);        /* no prefixes */
	refused("unknown option '--'", "--", NULL, NULL);
	refused("unknown option '--bogus=1'", "--bogus=1", NULL, NULL);
	refused("option --file needs a value (--file F)", "--file", NULL, NULL);
	refused("option --file needs a value", "--file=", NULL, NULL);
	refused("option --rate needs a value (--rate COINS)", "x", "--rate", NULL);
	refused("option --flag takes no value", "--flag=1", NULL, NULL);
	refused("the value of --file is too long (at most 7 bytes)", "--file", "12345678", NULL);
	refused("'abc' is not a valid rate", "--rate", "abc", NULL);
	refused("'1e3' is not a valid rate", "--rate=1e3", NULL, NULL);
	refused("'-1' is not a valid rate", "--rate", "-1", NULL);
	refused("'0' is not a valid rate", "--rate", "0", NULL);
	refused("'21000000.00000001' is not a valid rate", "--rate", "21000000.00000001", NULL);
	refused("'0.00000999' is out of range for --bounded (0.00001000 to 1.00000000)",
		"--bounded", "0.00000999", NULL);
	refused("'1.00000001' is out of range for --bounded", "--bounded=1.00000001", NULL, NULL);
	refused("unexpected argument 'c'", "a", "b", "c");
}

static void test_wallet_options_usage(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	wal_opts_usage(f, test_opts);
	fclose(f);
	assert_string_equal(text,
		"Options:\n"
		"  --file F              a file\n"
		"  --flag                a flag\n"
		"                        over two lines\n"
		"  --other               another\n"
		"  --rate COINS          a rate\n"
		"  --bounded COINS-WITH-A-LONG-NAME\n"
		"                        within bounds\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wallet_amount_parse),
		cmocka_unit_test(test_wallet_amount_format),
		cmocka_unit_test(test_wallet_round_trip_plain),
		cmocka_unit_test(test_wallet_encrypted),
		cmocka_unit_test(test_wallet_refuses_bad_files),
		cmocka_unit_test(test_wallet_amount_parse_edges),
		cmocka_unit_test(test_wallet_wrong_passphrase_leaves_file),
		cmocka_unit_test(test_wallet_save_crash_keeps_old_file),
		cmocka_unit_test(test_wallet_tx_size_max),
		cmocka_unit_test(test_wallet_fee_for_size),
		cmocka_unit_test(test_wallet_plan_largest_first),
		cmocka_unit_test(test_wallet_plan_dust_change_to_fee),
		cmocka_unit_test(test_wallet_plan_confirmed_first),
		cmocka_unit_test(test_wallet_plan_refuses_absurd),
		cmocka_unit_test(test_wallet_build_payment_exact_fee),
		cmocka_unit_test(test_wallet_build_payment_many_inputs),
		cmocka_unit_test(test_wallet_build_payment_without_change),
		cmocka_unit_test(test_wallet_coins_collect),
		cmocka_unit_test(test_wallet_import_other_chain),
		cmocka_unit_test(test_wallet_history_conflicted_by_reorg),
		cmocka_unit_test(test_wallet_history_returned_and_confirmed_again),
		cmocka_unit_test(test_wallet_history_abandoned_and_dropped),
		cmocka_unit_test(test_wallet_history_blocks_bounded),
		cmocka_unit_test(test_wallet_history_file_round_trip),
		cmocka_unit_test(test_wallet_history_full_loads_fast),
		cmocka_unit_test(test_wallet_sign_then_lock_wipes_secrets),
		cmocka_unit_test(test_wallet_lock_plain_refuses_save),
		cmocka_unit_test(test_wallet_options_values_and_defaults),
		cmocka_unit_test(test_wallet_options_refused),
		cmocka_unit_test(test_wallet_options_usage),
	};

	P = cons_params_by_name("regtest");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
