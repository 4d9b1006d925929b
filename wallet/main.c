/*
 * flint-wallet: keys in a wallet file (wallet.h) and payments through a
 * node's RPC: balances from the address index (coins.h), coin selection,
 * change to a fresh address and a fee for the signed size (spend.h),
 * sendrawtransaction, and the history of the wallet's transactions
 * through reorganisations (history.h). Its options are one table
 * (options.h). The passphrase is read only when a secret is needed, and a
 * payment asks for it last: after the node's coins and the unsigned draft,
 * before signing, and the secrets are wiped before the broadcast. Results
 * last on stdout, errors one line on stderr and a non-zero exit. Uses
 * client/ for RPC and consensus/ for formats; never node/, p2p/ or
 * storage/.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <secp256k1.h>

#include "client/rpcclient.h"
#include "consensus/script.h"
#include "consensus/sig.h"
#include "consensus/tx.h"
#include "util/hex.h"
#include "wallet/coins.h"
#include "wallet/history.h"
#include "wallet/options.h"
#include "wallet/spend.h"
#include "wallet/wallet.h"

/* The node's limit of addresses per address-index call. */
#define ADDRS_PER_CALL 100
/* estimatesmartfee's target, in blocks. */
#define FEE_TARGET 6

struct app {
	struct client_options co;
	struct client *c;
	struct wal_wallet w;
	/* Set by the option table below, and only there. */
	char path[700];                  /* empty: <datadir>/<chain>/wallet.json */
	char passfile[600];
	bool encrypt, dry_run, json, help;
	int64_t fee_rate;                /* base units per 1000 bytes; 0: ask the node */
};

/* flint-wallet's own options, each declared once: parsing, defaults and --help (options.h). */
static const struct wal_option options[] = {
	{.name = "wallet", .kind = WAL_OPT_STRING, .offset = offsetof(struct app, path),
	 .size = sizeof(((struct app *)0)->path), .arg = "FILE",
	 .help = "wallet file (default <datadir>/<chain>/wallet.json)"},
	{.name = "passphrase-file", .kind = WAL_OPT_STRING, .offset = offsetof(struct app, passfile),
	 .size = sizeof(((struct app *)0)->passfile), .arg = "F",
	 .help = "read the passphrase from F (else $FLINT_WALLET_PASSPHRASE,\n"
		 "else a prompt without echo), only when a secret key is\n"
		 "needed: to sign, to dump or to add a key"},
	{.name = "encrypt", .kind = WAL_OPT_FLAG, .offset = offsetof(struct app, encrypt),
	 .help = "create: encrypt the keys (scrypt + AES-256-GCM)"},
	{.name = "fee-rate", .kind = WAL_OPT_AMOUNT, .offset = offsetof(struct app, fee_rate),
	 .min = 1, .arg = "COINS", .what = "fee rate (coins per 1000 bytes)",
	 .help = "send: fee per 1000 bytes (default: the node's estimate,\nelse its relay fee)"},
	{.name = "dry-run", .kind = WAL_OPT_FLAG, .offset = offsetof(struct app, dry_run),
	 .help = "send: print the signed transaction, do not send it"},
	{.name = "json", .kind = WAL_OPT_FLAG, .offset = offsetof(struct app, json),
	 .help = "addresses, balance, send, history: JSON output"},
	{.name = "help", .kind = WAL_OPT_FLAG, .offset = offsetof(struct app, help),
	 .help = "this text"},
	{.name = NULL},
};

static const char commands[] =
	"usage: flint-wallet [options] COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  create [--encrypt]    a new wallet file with one address\n"
	"  newaddress            a fresh receiving address\n"
	"  addresses             every address of the wallet\n"
	"  balance               confirmed, unconfirmed and immature coins\n"
	"  send ADDRESS AMOUNT   pay AMOUNT coins (up to 8 decimals); prints the txid\n"
	"  history               the wallet's transactions, oldest first, each with its\n"
	"                        state: in the mempool, confirmed (N), returned to the\n"
	"                        mempool by a reorganisation, conflicted (negative\n"
	"                        confirmations, with the tx that replaced it), abandoned;\n"
	"                        remembered in <wallet>.history (doc/wallet-history.md)\n"
	"  dumpkey ADDRESS       the address's secret key (WIF)\n"
	"  importkey WIF         add a secret key\n"
	"\n";

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "flint-wallet: error: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static json_t *rpc(struct app *a, const char *method, json_t *params)
{
	struct client_error e;
	json_t *r = client_call(a->c, method, params, &e);

	if (!r)
		die("%s", e.message);
	return r;
}

/* method over every wallet address, ADDRS_PER_CALL at a time; the answers' lists joined. */
static json_t *addr_call(struct app *a, const char *method)
{
	json_t *all = json_array();

	for (size_t i = 0; all && i < a->w.n_keys; i += ADDRS_PER_CALL) {
		json_t *list = json_array(), *r;
		for (size_t j = i; list && j < a->w.n_keys && j < i + ADDRS_PER_CALL; j++)
			json_array_append_new(list, json_string(a->w.keys[j].address));
		r = rpc(a, method, json_pack("[{s:o}]", "addresses", list));
		if (!json_is_array(r))
			die("the node's answer to %s is not a list", method);
		json_array_extend(all, r);
		json_decref(r);
	}
	if (!all)
		die("%s", "out of memory");
	return all;
}

/* A JSON amount in coins (a real, as bitcoind gives them) in base units; -1 if not one. */
static int json_coins(const struct cons_params *p, json_t *v, int64_t *out)
{
	double d = json_number_value(v) * (double)CONS_COIN;

	if (!json_is_number(v) || !isfinite(d) || fabs(d) > (double)p->max_money)
		return -1;
	*out = (int64_t)llround(d);
	return 0;
}

/* ---- passphrase ---- */

static void read_line(FILE *f, char *buf, size_t len)
{
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
}

static void prompt_quietly(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	bool tty = tcgetattr(STDIN_FILENO, &old) == 0;

	fprintf(stderr, "%s", prompt);
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	read_line(stdin, buf, len);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
}

static char pass_buf[512];      /* wiped by forget_passphrase() once used */

static void forget_passphrase(void)
{
	OPENSSL_cleanse(pass_buf, sizeof(pass_buf));
}

/* The passphrase: --passphrase-file, else the environment, else asked (twice if confirm). */
static const char *passphrase(struct app *a, const char *prompt, bool confirm)
{
	static char again[512];
	char *buf = pass_buf;
	const char *env = getenv("FLINT_WALLET_PASSPHRASE");

	if (a->passfile[0]) {
		FILE *f = fopen(a->passfile, "r");
		if (!f)
			die("cannot read the passphrase file '%s'", a->passfile);
		read_line(f, buf, sizeof(pass_buf));
		fclose(f);
		return buf;
	}
	if (env)
		return env;
	if (!isatty(STDIN_FILENO))
		die("%s", "the wallet is encrypted: give --passphrase-file or FLINT_WALLET_PASSPHRASE");
	prompt_quietly(prompt, buf, sizeof(pass_buf));
	if (confirm) {
		prompt_quietly("again: ", again, sizeof(again));
		if (strcmp(buf, again) != 0)
			die("%s", "the two passphrases differ");
		OPENSSL_cleanse(again, sizeof(again));
	}
	return buf;
}

/* Loads the wallet, secrets still sealed: the passphrase waits for unlock(). */
static void open_wallet(struct app *a)
{
	char err[800];

	if (wal_load(&a->w, a->path, err, sizeof(err)) < 0)
		die("%s", err);
	if (a->w.params != a->co.params) {
		fprintf(stderr, "flint-wallet: error: the wallet '%s' is for chain %s (give --chain "
			"%s)\n", a->path, a->w.params->name, a->w.params->name);
		exit(1);
	}
}

/* Asks for the passphrase (an encrypted wallet only) and opens the secrets; wal_lock() ends it. */
static void unlock(struct app *a)
{
	char err[800];
	int rc;

	if (!a->w.encrypted)
		return;
	rc = wal_unlock(&a->w, passphrase(a, "passphrase: ", false), err, sizeof(err));
	forget_passphrase();
	if (rc < 0)
		die("%s", err);
}

static void save(struct app *a, bool replace)
{
	char err[1200];

	if (wal_save(&a->w, a->path, replace, err, sizeof(err)) < 0)
		die("%s", err);
}

/* ---- commands: keys ---- */

static int cmd_create(struct app *a)
{
	char err[300];
	const char *pass = NULL;
	int rc;

	if (access(a->path, F_OK) == 0)
		die("'%s' already exists; not overwriting a wallet", a->path);
	if (a->encrypt)
		pass = passphrase(a, "new passphrase: ", true);
	if (a->encrypt && !pass[0])
		die("%s", "an empty passphrase would encrypt nothing");
	rc = wal_create(&a->w, a->co.params, pass, err, sizeof(err));
	forget_passphrase();
	if (rc < 0 || !wal_new_key(&a->w, false, err, sizeof(err)))
		die("%s", err);
	save(a, false);
	fprintf(stderr, "created %s%s\n", a->path, a->encrypt ? " (encrypted)" : "");
	printf("%s\n", a->w.keys[0].address);
	return 0;
}

static int cmd_newaddress(struct app *a)
{
	char err[300];
	const struct wal_key *k;

	open_wallet(a);
	unlock(a);
	k = wal_new_key(&a->w, false, err, sizeof(err));
	if (!k)
		die("%s", err);
	save(a, true);
	printf("%s\n", k->address);
	return 0;
}

static int cmd_addresses(struct app *a)
{
	json_t *list = json_array();
	char *text;

	open_wallet(a);
	for (size_t i = 0; i < a->w.n_keys; i++) {
		const struct wal_key *k = &a->w.keys[i];
		if (!a->json)
			printf("%s%s\n", k->address, k->change ? "  (change)" : "");
		json_array_append_new(list, json_pack("{s:s, s:b}", "address", k->address, "change",
						      k->change));
	}
	text = a->json ? json_dumps(list, JSON_INDENT(2)) : NULL;
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(list);
	return 0;
}

static int cmd_dumpkey(struct app *a, const char *addr)
{
	const struct wal_key *k;
	char wif[CONS_WIF_MAX];

	open_wallet(a);
	k = wal_find(&a->w, addr);
	if (!k)
		die("'%s' is not an address of this wallet", addr);
	unlock(a);                  /* only now is the secret needed */
	cons_wif_encode(wif, a->w.params->wif_version, k->secret);
	wal_lock(&a->w);
	printf("%s\n", wif);
	OPENSSL_cleanse(wif, sizeof(wif));
	return 0;
}

static int cmd_importkey(struct app *a, const char *wif)
{
	char err[300];

	open_wallet(a);
	unlock(a);
	if (wal_import(&a->w, wif, err, sizeof(err)) < 0)
		die("%s", err);
	save(a, true);
	printf("%s\n", a->w.keys[a->w.n_keys - 1].address);
	return 0;
}

/* ---- balance ---- */

/* The wallet's coins and balances; the pool is asked first (see coins.h). */
static void collect(struct app *a, struct wal_coins *cs)
{
	json_t *count = rpc(a, "getblockcount", NULL);
	json_t *pool = addr_call(a, "getaddressmempool");
	json_t *utxos = addr_call(a, "getaddressutxos");

	if (!json_is_integer(count))
		die("%s", "the node's block count is not a number");
	wal_coins_collect(cs, &a->w, utxos, pool, json_integer_value(count));
	json_decref(utxos);
	json_decref(pool);
	json_decref(count);
}

static int cmd_balance(struct app *a)
{
	static struct wal_coins cs;
	char c[32], u[32], im[32];

	open_wallet(a);
	collect(a, &cs);
	wal_format_amount(c, cs.bal.confirmed);
	wal_format_amount(u, cs.bal.unconfirmed);
	wal_format_amount(im, cs.bal.immature);
	if (a->json)
		printf("{\"confirmed\": %s, \"unconfirmed\": %s, \"immature\": %s}\n", c, u, im);
	else
		printf("confirmed    %s\nunconfirmed  %s\nimmature     %s\n", c, u, im);
	return 0;
}

/* ---- send ---- */

/* The node's fee estimate, else its relay fee: base units per 1000 bytes. */
static int64_t node_fee_rate(struct app *a)
{
	struct client_error e;
	json_t *r = client_call(a->c, "estimatesmartfee", json_pack("[i]", FEE_TARGET), &e);
	int64_t rate = 0;

	if (!r && (e.code == CLIENT_ERR_CONNECT || e.code == CLIENT_ERR_AUTH ||
		   e.code == CLIENT_ERR_NOCOOKIE))
		die("%s", e.message);
	if (!r || json_coins(a->co.params, json_object_get(r, "feerate"), &rate) < 0 || rate <= 0) {
		json_decref(r);
		r = rpc(a, "getnetworkinfo", NULL);
		if (json_coins(a->co.params, json_object_get(r, "relayfee"), &rate) < 0 || rate < 0)
			die("%s", "the node gives no fee rate: give --fee-rate");
	}
	json_decref(r);
	return rate;
}

/* The destination's key hash; a malformed address or one of another chain is an error. */
static void parse_address(const struct app *a, const char *addr, uint8_t pkh[20])
{
	const struct cons_params *const *all = cons_params_all();

	if (cons_address_decode(pkh, a->co.params->addr_version, addr) == 0)
		return;
	for (size_t i = 0; all[i]; i++)
		if (cons_address_decode(pkh, all[i]->addr_version, addr) == 0) {
			fprintf(stderr, "flint-wallet: error: '%s' is a %s address, not a valid "
				"address for this chain (%s)\n", addr, all[i]->name,
				a->co.params->name);
			exit(1);
		}
	die("'%s' is not a valid address for this chain", addr);
}

static void insufficient(const struct wal_plan *plan, int64_t amount)
{
	char have[32], want[32];

	wal_format_amount(have, plan->available);
	wal_format_amount(want, amount);
	fprintf(stderr, "flint-wallet: error: insufficient funds: %s coins spendable (confirmed "
		"and mature, and unspent change), %s asked plus the fee\n", have, want);
	exit(1);
}

static char *tx_hex(const struct cons_tx *tx)
{
	struct cons_writer w;
	char *hex;

	cons_writer_init(&w);
	cons_tx_write(&w, tx);
	hex = malloc(2 * w.len + 1);
	if (!hex)
		die("%s", "out of memory");
	util_hex_encode(hex, w.data, w.len);
	cons_writer_release(&w);
	return hex;
}

/* What a payment did, on stderr (or stdout as JSON, the result last). */
static void report(const struct app *a, const struct cons_tx *tx, const struct wal_plan *plan,
		   int64_t rate, const char *txid, const char *hex)
{
	char fee[32], r[32], change[32];

	wal_format_amount(fee, plan->fee);
	wal_format_amount(r, rate);
	wal_format_amount(change, plan->change);
	fprintf(stderr, "%zu input%s, %zu bytes, fee %s (%s per kB), change %s\n", plan->n_in,
		plan->n_in == 1 ? "" : "s", tx->size, fee, r, change);
	if (a->json)
		printf("{\"txid\": \"%s\", \"size\": %zu, \"inputs\": %zu, \"fee\": %s, "
		       "\"change\": %s, \"sent\": %s%s%s%s}\n", txid, tx->size, plan->n_in, fee,
		       change, a->dry_run ? "false" : "true", hex ? ", \"hex\": \"" : "",
		       hex ? hex : "", hex ? "\"" : "");
	else
		printf("%s\n", a->dry_run ? hex : txid);
}

static void remember_payment(struct app *a, const struct wal_coins *cs,
			     const struct wal_plan *plan, const uint8_t dest[20], const char *txid);

/*
 * A fresh change key. It grows the wallet's key array, so the first n
 * coins' borrowed keys are pointed into the new one.
 */
static const struct wal_key *change_key(struct app *a, struct wal_coins *cs, size_t n,
					char *err, size_t errlen)
{
	static size_t at[WAL_MAX_COINS];
	const struct wal_key *k;

	for (size_t i = 0; i < n; i++)
		at[i] = (size_t)(cs->v[i].key - a->w.keys);
	k = wal_new_key(&a->w, true, err, errlen);
	for (size_t i = 0; i < n; i++)
		cs->v[i].key = &a->w.keys[at[i]];
	return k;
}

/*
 * Signs the draft: the passphrase, the keys opened (scrypt), a change key
 * made and saved (on disk before any broadcast), the inputs signed, and
 * every secret wiped, all without a network call; the broadcast follows.
 */
static void sign(struct app *a, struct cons_tx *tx, struct wal_plan *plan, struct wal_coins *cs,
		 int64_t rate)
{
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	const struct wal_key *change = NULL;
	char err[1200];
	int rc = -1;

	if (!ctx)
		die("%s", "out of memory");
	unlock(a);
	if (plan->change > 0 && !(change = change_key(a, cs, plan->n_in, err, sizeof(err))))
		goto out;
	if (wal_sign_payment(ctx, tx, plan, a->w.params, cs->v, rate, change ? change->pkh : NULL,
			     err, sizeof(err)) < 0)
		goto out;
	if (change && wal_save(&a->w, a->path, true, err, sizeof(err)) < 0)
		goto out;
	rc = 0;
out:
	wal_lock(&a->w);
	secp256k1_context_destroy(ctx);
	if (rc < 0)
		die("%s", err);
}

/* Sends the signed payment (or, in a dry run, only shows it) and remembers it. */
static void broadcast(struct app *a, const struct wal_coins *cs, const struct cons_tx *tx,
		      const struct wal_plan *plan, const uint8_t dest[20], int64_t rate)
{
	char txid[65], *hex = tx_hex(tx);
	json_t *r = NULL;

	util_hex_encode_rev(txid, tx->txid, 32);
	if (!a->dry_run) {
		r = rpc(a, "sendrawtransaction", json_pack("[s]", hex));
		if (!json_is_string(r) || strcmp(json_string_value(r), txid) != 0)
			die("%s", "the node answered sendrawtransaction with another txid");
		remember_payment(a, cs, plan, dest, txid);
	}
	report(a, tx, plan, rate, txid, a->dry_run || a->json ? hex : NULL);
	json_decref(r);
	free(hex);
}

/*
 * A payment in the order that keeps the passphrase out of what can fail
 * first: the node is asked for the fee rate and the coins, the payment is
 * planned and drafted unsigned, and only then signed (sign()).
 */
static int cmd_send(struct app *a, const char *addr, const char *amount_s)
{
	static struct wal_coins cs;
	struct wal_plan plan;
	struct cons_tx tx;
	uint8_t dest[20];
	int64_t amount, rate;
	char err[300];

	parse_address(a, addr, dest);
	if (wal_parse_amount(a->co.params, amount_s, &amount) < 0)
		die("'%s' is not a valid amount (coins above 0, up to 8 decimals)", amount_s);
	open_wallet(a);
	rate = a->fee_rate ? a->fee_rate : node_fee_rate(a);
	collect(a, &cs);
	if (wal_plan_payment(&plan, a->w.params, cs.v, cs.n, amount, rate) < 0)
		insufficient(&plan, amount);
	cons_tx_init(&tx);
	if (wal_draft_payment(&tx, &plan, cs.v, dest, err, sizeof(err)) < 0)
		die("%s", err);
	sign(a, &tx, &plan, &cs, rate);
	broadcast(a, &cs, &tx, &plan, dest, rate);
	cons_tx_release(&tx);
	return 0;
}

/* ---- history ---- */

static void history_path(const struct app *a, char *out, size_t len)
{
	snprintf(out, len, "%s.history", a->path);
}

/* Reads the sidecar; -1 (after a warning) if it is unreadable and !fatal. */
static int load_history(struct app *a, struct wal_history *h, bool fatal)
{
	char path[720], err[900];

	history_path(a, path, sizeof(path));
	wal_history_init(h);
	if (wal_history_load(h, path, err, sizeof(err)) == 0)
		return 0;
	if (fatal)
		die("%s", err);
	fprintf(stderr, "flint-wallet: warning: %s; the payment is not remembered\n", err);
	wal_history_release(h);
	return -1;
}

/* Saving the memory is best effort once a payment is out: a warning, not a failure. */
static void save_history(struct app *a, const struct wal_history *h)
{
	char path[720], err[900];

	history_path(a, path, sizeof(path));
	if (wal_history_save(h, path, err, sizeof(err)) < 0)
		fprintf(stderr, "flint-wallet: warning: %s\n", err);
}

/* Remembers a payment just sent: its amounts and inputs, before any block holds it. */
static void remember_payment(struct app *a, const struct wal_coins *cs,
			     const struct wal_plan *plan, const uint8_t dest[20], const char *txid)
{
	struct wal_history h;
	struct wal_hist_tx *t;

	if (load_history(a, &h, false) < 0)
		return;                 /* the payment is out: a broken memory must not fail it */
	t = wal_history_get(&h, txid);
	if (t) {
		t->net = plan->change - plan->in_total + (wal_find_pkh(&a->w, dest) ? plan->amount : 0);
		t->fee = plan->fee;
		t->fee_known = true;
		for (size_t i = 0; i < plan->n_in && i < WAL_HIST_INPUTS; i++) {
			char prev[65];
			util_hex_encode_rev(prev, cs->v[i].op.txid, 32);
			snprintf(t->inputs[i], sizeof(t->inputs[i]), "%s:%u", prev, cs->v[i].op.n);
			t->n_inputs = i + 1;
		}
		save_history(a, &h);
	}
	wal_history_release(&h);
}

/* Adds output value v (in coins) to *all and, if it pays the wallet, to *mine; -1 if absurd. */
static int add_output(struct app *a, json_t *out, int64_t *all, int64_t *mine)
{
	const char *addr = json_string_value(json_object_get(json_object_get(out, "scriptPubKey"),
							     "address"));
	int64_t v, cap = a->w.params->max_money;

	if (json_coins(a->w.params, json_object_get(out, "value"), &v) < 0 || v < 0)
		return -1;
	*all += v;
	if (addr && wal_find(&a->w, addr))
		*mine += v;
	return *all <= cap ? 0 : -1;   /* each sum stays within the cap: no overflow */
}

/* Sums the inputs' values and remembers them as "txid:n"; fee_known cleared if one is unknown. */
static void sum_inputs(struct app *a, struct wal_hist_tx *t, json_t *vin, int64_t *all,
		       int64_t *mine)
{
	struct client_error e;
	size_t i;
	json_t *io;

	t->n_inputs = 0;
	json_array_foreach(vin, i, io) {
		const char *prev = json_string_value(json_object_get(io, "txid"));
		json_t *n = json_object_get(io, "vout"), *tx = NULL;
		if (json_object_get(io, "coinbase")) {
			t->coinbase = true;
			continue;
		}
		if (prev && json_is_integer(n) && t->n_inputs < WAL_HIST_INPUTS && strlen(prev) == 64)
			snprintf(t->inputs[t->n_inputs++], sizeof(t->inputs[0]), "%s:%lld", prev,
				 (long long)json_integer_value(n));
		if (prev && json_is_integer(n))
			tx = client_call(a->c, "getrawtransaction", json_pack("[s, b]", prev, 1), &e);
		if (!tx || add_output(a, json_array_get(json_object_get(tx, "vout"),
							(size_t)json_integer_value(n)), all, mine) < 0)
			t->fee_known = false;
		json_decref(tx);
	}
}

/* The amounts of tx (getrawtransaction's verbose answer) for the wallet, into t. */
static void fill_amounts(struct app *a, json_t *tx, struct wal_hist_tx *t)
{
	int64_t in_all = 0, in_mine = 0, out_all = 0, out_mine = 0;
	size_t i;
	json_t *io;

	t->fee_known = true;
	t->coinbase = false;
	sum_inputs(a, t, json_object_get(tx, "vin"), &in_all, &in_mine);
	json_array_foreach(json_object_get(tx, "vout"), i, io)
		if (add_output(a, io, &out_all, &out_mine) < 0)
			die("the node's transaction %s has impossible amounts", t->txid);
	t->net = out_mine - in_mine;
	t->fee = in_all - out_all;
	/* Only a payment from the wallet has a fee of its own to show. */
	t->fee_known = t->fee_known && !t->coinbase && in_mine > 0;
}

static void copy_hash(char out[65], json_t *v)
{
	const char *s = json_string_value(v);

	snprintf(out, 65, "%s", s && strlen(s) == 64 ? s : "");
}

/* True if the node says an input t remembers is spent (in a block or its mempool). */
static bool an_input_spent(struct app *a, const struct wal_hist_tx *t)
{
	for (size_t i = 0; i < t->n_inputs; i++) {
		char prev[65];
		unsigned n;
		struct client_error e;
		json_t *r;
		if (sscanf(t->inputs[i], "%64[0-9a-f]:%u", prev, &n) != 2)
			continue;
		r = client_call(a->c, "gettxout", json_pack("[s, i, b]", prev, (int)n, 1), &e);
		if (!r && (e.code == CLIENT_ERR_CONNECT || e.code == CLIENT_ERR_AUTH))
			die("%s", e.message);
		if (r && json_is_null(r)) {         /* gettxout's answer for a spent output */
			json_decref(r);
			return true;
		}
		json_decref(r);
	}
	return false;
}

/* What the node says of t now (getrawtransaction, and gettxout for its inputs if needed). */
static void observe(struct app *a, struct wal_hist_tx *t, struct wal_obs *o)
{
	struct client_error e;
	json_t *tx = client_call(a->c, "getrawtransaction", json_pack("[s, b]", t->txid, 1), &e);
	json_t *c;

	memset(o, 0, sizeof(*o));
	if (!tx && e.code != -5)
		die("%s", e.message);
	if (!tx) {
		o->kind = WAL_OBS_MISSING;
		o->inputs_spent = an_input_spent(a, t);
		return;
	}
	fill_amounts(a, tx, t);
	copy_hash(o->block, json_object_get(tx, "blockhash"));
	o->height = json_integer_value(json_object_get(tx, "height"));
	o->confirmations = json_integer_value(json_object_get(tx, "confirmations"));
	c = json_array_get(json_object_get(tx, "conflicts"), 0);
	if (!o->block[0])
		o->kind = WAL_OBS_MEMPOOL;
	else if (json_is_false(json_object_get(tx, "in_active_chain")))
		o->kind = WAL_OBS_STALE;
	else
		o->kind = WAL_OBS_ACTIVE;
	if (o->kind == WAL_OBS_STALE && c) {
		copy_hash(o->conflict_txid, json_object_get(c, "txid"));
		copy_hash(o->conflict_block, json_object_get(c, "blockhash"));
		o->conflict_height = json_integer_value(json_object_get(c, "height"));
		o->conflict_confirmations = json_integer_value(json_object_get(c, "confirmations"));
	} else if (o->kind == WAL_OBS_STALE) {
		o->inputs_spent = an_input_spent(a, t);
	}
	json_decref(tx);
}

static int by_age(const void *x, const void *y)
{
	const struct wal_hist_tx *a = x, *b = y;

	if (a->confirmations != b->confirmations)
		return a->confirmations < b->confirmations ? 1 : -1;
	return strcmp(a->txid, b->txid);
}

/* Every txid the node's address index and mempool hold for the wallet, into h. */
static void gather(struct app *a, struct wal_history *h)
{
	json_t *ids = addr_call(a, "getaddresstxids");
	json_t *pool = addr_call(a, "getaddressmempool");
	size_t i;
	json_t *o;

	json_array_foreach(ids, i, o)
		if (json_is_string(o) && !wal_history_get(h, json_string_value(o)))
			die("%s", "out of memory, or too many transactions to remember");
	json_array_foreach(pool, i, o) {
		const char *txid = json_string_value(json_object_get(o, "txid"));
		if (txid && !wal_history_get(h, txid))
			die("%s", "out of memory, or too many transactions to remember");
	}
	json_decref(ids);
	json_decref(pool);
}

/* Side-branch blocks history reads, at most, to find the wallet's transactions in them. */
#define SIDE_SCAN_BLOCKS 200

/* True if tx (getblock verbosity 2) pays the wallet or spends a remembered tx's output to it. */
static bool touches_wallet(struct app *a, const struct wal_history *h, json_t *tx)
{
	struct client_error e;
	size_t i;
	json_t *io;

	json_array_foreach(json_object_get(tx, "vout"), i, io) {
		const char *addr = json_string_value(json_object_get(json_object_get(io,
			"scriptPubKey"), "address"));
		if (addr && wal_find(&a->w, addr))
			return true;
	}
	json_array_foreach(json_object_get(tx, "vin"), i, io) {
		const char *prev = json_string_value(json_object_get(io, "txid"));
		int64_t in = 0, mine = 0;
		json_t *ptx;
		if (!prev || !wal_history_find(h, prev))
			continue;
		ptx = client_call(a->c, "getrawtransaction", json_pack("[s, b]", prev, 1), &e);
		(void)add_output(a, json_array_get(json_object_get(ptx, "vout"),
			(size_t)json_integer_value(json_object_get(io, "vout"))), &in, &mine);
		json_decref(ptx);
		if (mine > 0)
			return true;
	}
	return false;
}

/* Remembers the wallet's txs of block b (getblock verbosity 2), with b as a block they were in. */
static void remember_block(struct app *a, struct wal_history *h, json_t *b)
{
	const char *hash = json_string_value(json_object_get(b, "hash"));
	int64_t height = json_integer_value(json_object_get(b, "height"));
	size_t i;
	json_t *tx;

	json_array_foreach(json_object_get(b, "tx"), i, tx) {
		const char *txid = json_string_value(json_object_get(tx, "txid"));
		struct wal_hist_tx *t;
		if (!txid || !hash || !touches_wallet(a, h, tx))
			continue;
		t = wal_history_get(h, txid);
		if (!t)
			die("%s", "out of memory, or too many transactions to remember");
		wal_hist_seen(t, hash, height);
	}
}

/*
 * The wallet's transactions in side branches (every tip of getchaintips but
 * the active and invalid ones, newest blocks first, SIDE_SCAN_BLOCKS at
 * most): a payment a reorganisation undid before any history run saw it.
 */
static void scan_side_branches(struct app *a, struct wal_history *h)
{
	json_t *tips = rpc(a, "getchaintips", NULL), *tip;
	struct client_error e;
	size_t i, read = 0;

	json_array_foreach(tips, i, tip) {
		const char *status = json_string_value(json_object_get(tip, "status"));
		char hash[65];
		int64_t len = json_integer_value(json_object_get(tip, "branchlen"));
		if (!status || strcmp(status, "active") == 0 || strcmp(status, "invalid") == 0)
			continue;
		copy_hash(hash, json_object_get(tip, "hash"));
		for (int64_t k = 0; k < len && hash[0] && read < SIDE_SCAN_BLOCKS; k++, read++) {
			json_t *b = client_call(a->c, "getblock", json_pack("[s, i]", hash, 2), &e);
			if (!b)
				break;              /* a header without its block */
			remember_block(a, h, b);
			copy_hash(hash, json_object_get(b, "previousblockhash"));
			json_decref(b);
		}
	}
	json_decref(tips);
}

static void print_row(const struct app *a, const struct wal_hist_tx *r, bool last)
{
	char net[32], fee[32], state[200];

	wal_format_amount(net, r->net);
	if (r->fee_known)
		wal_format_amount(fee, r->fee);
	else
		snprintf(fee, sizeof(fee), a->json ? "null" : r->coinbase ? "coinbase" : "-");
	wal_hist_describe(state, sizeof(state), r);
	if (!a->json) {
		printf("%13lld  %-64s  %16s  %12s  %s\n", (long long)r->confirmations, r->txid, net,
		       fee, state);
		return;
	}
	printf("  {\"txid\": \"%s\", \"confirmations\": %lld, \"amount\": %s, \"fee\": %s, "
	       "\"coinbase\": %s, \"state\": \"%s\", \"description\": \"%s\", \"blocks\": [",
	       r->txid, (long long)r->confirmations, net, fee, r->coinbase ? "true" : "false",
	       wal_tx_state_name(r->state), state);
	for (size_t i = 0; i < r->n_blocks; i++)
		printf("%s{\"hash\": \"%s\", \"height\": %lld}", i ? ", " : "", r->blocks[i].hash,
		       (long long)r->blocks[i].height);
	if (r->conflict_txid[0])
		printf("], \"conflict\": {\"txid\": \"%s\", \"blockhash\": \"%s\", \"height\": %lld}}%s\n",
		       r->conflict_txid, r->conflict_block, (long long)r->conflict_height,
		       last ? "" : ",");
	else
		printf("], \"conflict\": null}%s\n", last ? "" : ",");
}

static int cmd_history(struct app *a)
{
	struct wal_history h;
	struct wal_obs o;

	open_wallet(a);
	(void)load_history(a, &h, true);
	gather(a, &h);
	scan_side_branches(a, &h);
	for (size_t i = 0; i < h.n; i++) {
		observe(a, &h.v[i], &o);
		wal_hist_classify(&h.v[i], &o);
	}
	save_history(a, &h);
	if (h.n)
		qsort(h.v, h.n, sizeof(*h.v), by_age);
	printf(a->json ? "[\n" : "%13s  %-64s  %16s  %12s  %s\n", "confirmations", "txid",
	       "amount", "fee", "state");
	for (size_t i = 0; i < h.n; i++)
		print_row(a, &h.v[i], i + 1 == h.n);
	if (a->json)
		printf("]\n");
	wal_history_release(&h);
	return 0;
}

/* ---- main ---- */

static void parse(struct app *a, int argc, char **argv, char **args, size_t *nargs)
{
	char err[900];

	if (wal_opts_parse(options, a, a->co.params, argc, argv, args, 3, nargs, err,
			   sizeof(err)) < 0)
		die("%s", err);
	if (!a->path[0])
		snprintf(a->path, sizeof(a->path), "%s/%s/wallet.json", a->co.datadir,
			 a->co.params->name);
}

static int run(struct app *a, char **args, size_t n)
{
	const char *cmd = args[0];

	if (strcmp(cmd, "create") == 0 && n == 1) return cmd_create(a);
	if (strcmp(cmd, "newaddress") == 0 && n == 1) return cmd_newaddress(a);
	if (strcmp(cmd, "addresses") == 0 && n == 1) return cmd_addresses(a);
	if (strcmp(cmd, "balance") == 0 && n == 1) return cmd_balance(a);
	if (strcmp(cmd, "history") == 0 && n == 1) return cmd_history(a);
	if (strcmp(cmd, "send") == 0 && n == 3) return cmd_send(a, args[1], args[2]);
	if (strcmp(cmd, "dumpkey") == 0 && n == 2) return cmd_dumpkey(a, args[1]);
	if (strcmp(cmd, "importkey") == 0 && n == 2) return cmd_importkey(a, args[1]);
	die("unknown command or wrong arguments: '%s' (see --help)", cmd);
	return 1;
}

int main(int argc, char **argv)
{
	static struct app a;
	char err[256], *args[3];
	size_t n;
	int rc;

	/* Before the connection options, which may be wrong, are parsed. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0) {
			printf("%s", commands);
			wal_opts_usage(stdout, options);
			printf("\n%s", client_options_usage());
			return 0;
		}
	if (client_options_parse(&a.co, &argc, argv, err, sizeof(err)) < 0)
		die("%s", err);
	parse(&a, argc, argv, args, &n);
	if (n == 0)
		die("%s", "no command given (see --help)");
	a.c = client_new(&a.co);
	if (!a.c)
		die("%s", "out of memory");
	rc = run(&a, args, n);
	wal_release(&a.w);
	client_free(a.c);
	return rc;
}
