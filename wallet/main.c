/*
 * flint-wallet: keys in a wallet file (wallet.h) and payments through a
 * node's RPC: balances from the address index (coins.h), coin selection,
 * change to a fresh address and a fee for the signed size (spend.h), and
 * sendrawtransaction. Results last on stdout, errors one line on stderr and
 * a non-zero exit. Uses client/ for RPC and consensus/ for formats; never
 * node/, p2p/ or storage/.
 */
#include <math.h>
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
	char path[700];
	char passfile[600];
	bool encrypt, dry_run, json;
	int64_t fee_rate;                /* base units per 1000 bytes; 0: ask the node */
};

static const char usage[] =
	"usage: flint-wallet [options] COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  create [--encrypt]    a new wallet file with one address\n"
	"  newaddress            a fresh receiving address\n"
	"  addresses             every address of the wallet\n"
	"  balance               confirmed, unconfirmed and immature coins\n"
	"  send ADDRESS AMOUNT   pay AMOUNT coins (up to 8 decimals); prints the txid\n"
	"  history               the wallet's transactions, oldest first\n"
	"  dumpkey ADDRESS       the address's secret key (WIF)\n"
	"  importkey WIF         add a secret key\n"
	"\n"
	"Options:\n"
	"  --wallet FILE         wallet file (default <datadir>/<chain>/wallet.json)\n"
	"  --passphrase-file F   read the passphrase from F (else $FLINT_WALLET_PASSPHRASE,\n"
	"                        else a prompt without echo)\n"
	"  --encrypt             create: encrypt the keys (scrypt + AES-256-GCM)\n"
	"  --fee-rate COINS      send: fee per 1000 bytes (default: the node's estimate,\n"
	"                        else its relay fee)\n"
	"  --dry-run             send: print the signed transaction, do not send it\n"
	"  --json                addresses, balance, send, history: JSON output\n"
	"  --help                this text\n"
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

/* The passphrase: --passphrase-file, else the environment, else asked (twice if confirm). */
static const char *passphrase(struct app *a, const char *prompt, bool confirm)
{
	static char buf[512], again[512];
	const char *env = getenv("FLINT_WALLET_PASSPHRASE");

	if (a->passfile[0]) {
		FILE *f = fopen(a->passfile, "r");
		if (!f)
			die("cannot read the passphrase file '%s'", a->passfile);
		read_line(f, buf, sizeof(buf));
		fclose(f);
		return buf;
	}
	if (env)
		return env;
	if (!isatty(STDIN_FILENO))
		die("%s", "the wallet is encrypted: give --passphrase-file or FLINT_WALLET_PASSPHRASE");
	prompt_quietly(prompt, buf, sizeof(buf));
	if (confirm) {
		prompt_quietly("again: ", again, sizeof(again));
		if (strcmp(buf, again) != 0)
			die("%s", "the two passphrases differ");
		OPENSSL_cleanse(again, sizeof(again));
	}
	return buf;
}

static void open_wallet(struct app *a, bool need_secrets)
{
	char err[800];

	if (wal_load(&a->w, a->path, err, sizeof(err)) < 0)
		die("%s", err);
	if (a->w.params != a->co.params) {
		fprintf(stderr, "flint-wallet: error: the wallet '%s' is for chain %s (give --chain "
			"%s)\n", a->path, a->w.params->name, a->w.params->name);
		exit(1);
	}
	if (need_secrets && a->w.encrypted &&
	    wal_unlock(&a->w, passphrase(a, "passphrase: ", false), err, sizeof(err)) < 0)
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

	if (access(a->path, F_OK) == 0)
		die("'%s' already exists; not overwriting a wallet", a->path);
	if (a->encrypt)
		pass = passphrase(a, "new passphrase: ", true);
	if (a->encrypt && !pass[0])
		die("%s", "an empty passphrase would encrypt nothing");
	if (wal_create(&a->w, a->co.params, pass, err, sizeof(err)) < 0 ||
	    !wal_new_key(&a->w, false, err, sizeof(err)))
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

	open_wallet(a, true);
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

	open_wallet(a, false);
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

	open_wallet(a, false);
	if (!wal_find(&a->w, addr))
		die("'%s' is not an address of this wallet", addr);
	wal_release(&a->w);
	open_wallet(a, true);
	k = wal_find(&a->w, addr);
	cons_wif_encode(wif, a->w.params->wif_version, k->secret);
	printf("%s\n", wif);
	OPENSSL_cleanse(wif, sizeof(wif));
	return 0;
}

static int cmd_importkey(struct app *a, const char *wif)
{
	char err[300];

	open_wallet(a, true);
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

	open_wallet(a, false);
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

/* Signs the planned payment and sends it (or, in a dry run, only shows it). */
static void pay(struct app *a, struct wal_coins *cs, struct wal_plan *plan, const uint8_t dest[20],
		int64_t rate)
{
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	const struct wal_key *change = NULL;
	struct cons_tx tx;
	char err[300], txid[65], *hex;
	json_t *r = NULL;

	if (plan->change > 0 && !(change = wal_new_key(&a->w, true, err, sizeof(err))))
		die("%s", err);
	if (change)
		save(a, true);              /* the change key is on disk before any broadcast */
	cons_tx_init(&tx);
	if (!ctx || wal_build_payment(ctx, &tx, plan, a->w.params, cs->v, rate, dest,
				      change ? change->pkh : dest, err, sizeof(err)) < 0)
		die("%s", ctx ? err : "out of memory");
	hex = tx_hex(&tx);
	util_hex_encode_rev(txid, tx.txid, 32);
	if (!a->dry_run) {
		r = rpc(a, "sendrawtransaction", json_pack("[s]", hex));
		if (!json_is_string(r) || strcmp(json_string_value(r), txid) != 0)
			die("%s", "the node answered sendrawtransaction with another txid");
	}
	report(a, &tx, plan, rate, txid, a->dry_run || a->json ? hex : NULL);
	json_decref(r);
	free(hex);
	cons_tx_release(&tx);
	secp256k1_context_destroy(ctx);
}

static int cmd_send(struct app *a, const char *addr, const char *amount_s)
{
	static struct wal_coins cs;
	struct wal_plan plan;
	uint8_t dest[20];
	int64_t amount, rate;

	parse_address(a, addr, dest);
	if (wal_parse_amount(a->co.params, amount_s, &amount) < 0)
		die("'%s' is not a valid amount (coins above 0, up to 8 decimals)", amount_s);
	open_wallet(a, true);
	rate = a->fee_rate ? a->fee_rate : node_fee_rate(a);
	collect(a, &cs);
	if (wal_plan_payment(&plan, a->w.params, cs.v, cs.n, amount, rate) < 0)
		insufficient(&plan, amount);
	pay(a, &cs, &plan, dest, rate);
	return 0;
}

/* ---- history ---- */

struct row {
	char txid[65];
	int64_t confirmations;
	int64_t net;             /* to the wallet, minus what it spent */
	int64_t fee;             /* meaningful when fee_known */
	bool coinbase, fee_known;
};

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

static void sum_inputs(struct app *a, struct row *r, json_t *vin, int64_t *all, int64_t *mine)
{
	struct client_error e;
	size_t i;
	json_t *io;

	json_array_foreach(vin, i, io) {
		const char *prev = json_string_value(json_object_get(io, "txid"));
		json_t *n = json_object_get(io, "vout"), *tx = NULL;
		if (json_object_get(io, "coinbase")) {
			r->coinbase = true;
			continue;
		}
		if (prev && json_is_integer(n))
			tx = client_call(a->c, "getrawtransaction", json_pack("[s, b]", prev, 1), &e);
		if (!tx || add_output(a, json_array_get(json_object_get(tx, "vout"),
							(size_t)json_integer_value(n)), all, mine) < 0)
			r->fee_known = false;
		json_decref(tx);
	}
}

static void fill_row(struct app *a, const char *txid, struct row *r)
{
	json_t *tx = rpc(a, "getrawtransaction", json_pack("[s, b]", txid, 1)), *io;
	int64_t in_all = 0, in_mine = 0, out_all = 0, out_mine = 0;
	size_t i;

	memset(r, 0, sizeof(*r));
	snprintf(r->txid, sizeof(r->txid), "%s", txid);
	r->fee_known = true;
	sum_inputs(a, r, json_object_get(tx, "vin"), &in_all, &in_mine);
	json_array_foreach(json_object_get(tx, "vout"), i, io)
		if (add_output(a, io, &out_all, &out_mine) < 0)
			die("the node's transaction %s has impossible amounts", txid);
	r->confirmations = json_integer_value(json_object_get(tx, "confirmations"));
	r->net = out_mine - in_mine;
	r->fee = in_all - out_all;
	/* Only a payment from the wallet has a fee of its own to show. */
	r->fee_known = r->fee_known && !r->coinbase && in_mine > 0;
	json_decref(tx);
}

static int by_string(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int by_age(const void *x, const void *y)
{
	const struct row *a = x, *b = y;

	if (a->confirmations != b->confirmations)
		return a->confirmations < b->confirmations ? 1 : -1;
	return strcmp(a->txid, b->txid);
}

/* Every txid touching the wallet, confirmed or in the pool, sorted and each once. */
static const char **wallet_txids(json_t *ids, json_t *pool, size_t *n)
{
	const char **v = malloc((json_array_size(ids) + json_array_size(pool) + 1) * sizeof(*v));
	size_t i, k = 0;
	json_t *o;

	if (!v)
		die("%s", "out of memory");
	json_array_foreach(ids, i, o)
		if (json_is_string(o))
			v[k++] = json_string_value(o);
	json_array_foreach(pool, i, o)
		if (json_is_string(json_object_get(o, "txid")))
			v[k++] = json_string_value(json_object_get(o, "txid"));
	qsort(v, k, sizeof(*v), by_string);
	*n = 0;
	for (i = 0; i < k; i++)
		if (*n == 0 || strcmp(v[*n - 1], v[i]) != 0)
			v[(*n)++] = v[i];
	return v;
}

static void print_row(const struct app *a, const struct row *r, bool last)
{
	char net[32], fee[32];

	wal_format_amount(net, r->net);
	if (r->fee_known)
		wal_format_amount(fee, r->fee);
	else
		snprintf(fee, sizeof(fee), a->json ? "null" : r->coinbase ? "coinbase" : "-");
	if (a->json)
		printf("  {\"txid\": \"%s\", \"confirmations\": %lld, \"amount\": %s, \"fee\": %s, "
		       "\"coinbase\": %s}%s\n", r->txid, (long long)r->confirmations, net, fee,
		       r->coinbase ? "true" : "false", last ? "" : ",");
	else
		printf("%13lld  %-64s  %16s  %12s\n", (long long)r->confirmations, r->txid, net, fee);
}

static int cmd_history(struct app *a)
{
	json_t *ids, *pool;
	const char **txids;
	struct row *rows;
	size_t n;

	open_wallet(a, false);
	ids = addr_call(a, "getaddresstxids");
	pool = addr_call(a, "getaddressmempool");
	txids = wallet_txids(ids, pool, &n);
	rows = calloc(n + 1, sizeof(*rows));
	if (!rows)
		die("%s", "out of memory");
	for (size_t i = 0; i < n; i++)
		fill_row(a, txids[i], &rows[i]);
	qsort(rows, n, sizeof(*rows), by_age);
	printf(a->json ? "[\n" : "%13s  %-64s  %16s  %12s\n", "confirmations", "txid", "amount",
	       "fee");
	for (size_t i = 0; i < n; i++)
		print_row(a, &rows[i], i + 1 == n);
	if (a->json)
		printf("]\n");
	free(rows);
	free(txids);
	json_decref(ids);
	json_decref(pool);
	return 0;
}

/* ---- main ---- */

static void parse(struct app *a, int argc, char **argv, char **args, int *nargs)
{
	*nargs = 0;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		bool more = i + 1 < argc;
		if (strcmp(o, "--encrypt") == 0) {
			a->encrypt = true;
		} else if (strcmp(o, "--dry-run") == 0) {
			a->dry_run = true;
		} else if (strcmp(o, "--json") == 0) {
			a->json = true;
		} else if (strcmp(o, "--wallet") == 0 && more) {
			snprintf(a->path, sizeof(a->path), "%s", argv[++i]);
		} else if (strcmp(o, "--passphrase-file") == 0 && more) {
			snprintf(a->passfile, sizeof(a->passfile), "%s", argv[++i]);
		} else if (strcmp(o, "--fee-rate") == 0 && more) {
			if (wal_parse_amount(a->co.params, argv[++i], &a->fee_rate) < 0)
				die("'%s' is not a valid fee rate (coins per 1000 bytes)", argv[i]);
		} else if (strncmp(o, "--", 2) == 0) {
			die("unknown option or missing value: '%s' (see --help)", o);
		} else if (*nargs < 3) {
			args[(*nargs)++] = argv[i];
		} else {
			die("unexpected argument '%s'", o);
		}
	}
	if (!a->path[0])
		snprintf(a->path, sizeof(a->path), "%s/%s/wallet.json", a->co.datadir,
			 a->co.params->name);
}

static int run(struct app *a, char **args, int n)
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
	int n, rc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0) {
			printf("%s%s", usage, client_options_usage());
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
