/*
 * flint-wallet: keys in a wallet file (wallet.h) and payments through a
 * node's RPC: balances from the address index, coin selection, change to a
 * fresh address, a fee from the node's estimate, signing, and
 * sendrawtransaction. Results last on stdout, errors one line on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <secp256k1.h>

#include "client/rpcclient.h"
#include "consensus/script.h"
#include "consensus/sig.h"
#include "consensus/tx.h"
#include "util/hex.h"
#include "wallet/wallet.h"

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
	"  history               the wallet's transactions\n"
	"  dumpkey ADDRESS       the address's secret key (WIF)\n"
	"  importkey WIF         add a secret key\n"
	"\n"
	"Options:\n"
	"  --wallet FILE         wallet file (default <datadir>/<chain>/wallet.json)\n"
	"  --passphrase-file F   read the passphrase from F (else $FLINT_WALLET_PASSPHRASE,\n"
	"                        else a prompt without echo)\n"
	"  --encrypt             create: encrypt the keys (scrypt + AES-256-GCM)\n"
	"  --fee-rate COINS      send: fee per 1000 bytes (default: the node's estimate)\n"
	"  --dry-run             send: print the signed transaction, do not send it\n"
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

/* {"addresses": [every wallet address]} as the only parameter. */
static json_t *addr_params(const struct app *a)
{
	json_t *list = json_array();

	for (size_t i = 0; i < a->w.n_keys; i++)
		json_array_append_new(list, json_string(a->w.keys[i].address));
	return json_pack("[{s:o}]", "addresses", list);
}

/* ---- passphrase ---- */

static void read_line(FILE *f, char *buf, size_t len)
{
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
}

static const char *passphrase(struct app *a, const char *prompt)
{
	static char buf[512];
	const char *env = getenv("FLINT_WALLET_PASSPHRASE");
	struct termios old, quiet;

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
	fprintf(stderr, "%s", prompt);
	tcgetattr(STDIN_FILENO, &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	read_line(stdin, buf, sizeof(buf));
	tcsetattr(STDIN_FILENO, TCSANOW, &old);
	fputc('\n', stderr);
	return buf;
}

static void open_wallet(struct app *a, bool need_secrets)
{
	char err[300];

	if (wal_load(&a->w, a->path, err, sizeof(err)) < 0)
		die("%s", err);
	if (a->w.params != a->co.params)
		die("the wallet is for chain %s (give --chain)", a->w.params->name);
	if (need_secrets && a->w.encrypted &&
	    wal_unlock(&a->w, passphrase(a, "passphrase: "), err, sizeof(err)) < 0)
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
		pass = passphrase(a, "new passphrase: ");
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
	open_wallet(a, false);
	for (size_t i = 0; i < a->w.n_keys; i++)
		printf("%s%s\n", a->w.keys[i].address, a->w.keys[i].change ? "  (change)" : "");
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

/* ---- coins ---- */

struct coin {
	struct cons_outpoint op;
	int64_t value;
	const struct wal_key *key;
};

struct coins {
	struct coin v[4096];
	size_t n;
	int64_t confirmed, immature, unconfirmed;
};

static bool spent_in_mempool(json_t *pool, const char *txid, long long n)
{
	size_t i;
	json_t *e;

	json_array_foreach(pool, i, e)
		if (json_integer_value(json_object_get(e, "satoshis")) < 0 &&
		    strcmp(json_string_value(json_object_get(e, "prevtxid")) ?: "", txid) == 0 &&
		    json_integer_value(json_object_get(e, "prevout")) == n)
			return true;
	return false;
}

/* Spendable coins: confirmed, mature, not spent by a pool tx; and the three balances. */
static void gather(struct app *a, struct coins *cs)
{
	json_t *utxos = rpc(a, "getaddressutxos", addr_params(a));
	json_t *pool = rpc(a, "getaddressmempool", addr_params(a));
	json_t *count = rpc(a, "getblockcount", NULL), *u;
	int64_t next = json_integer_value(count) + 1;
	size_t i;

	memset(cs, 0, sizeof(*cs));
	json_array_foreach(utxos, i, u) {
		int64_t v = json_integer_value(json_object_get(u, "satoshis"));
		int64_t h = json_integer_value(json_object_get(u, "height"));
		const char *txid = json_string_value(json_object_get(u, "txid"));
		long long n = json_integer_value(json_object_get(u, "outputIndex"));
		if (json_is_true(json_object_get(u, "coinbase")) &&
		    next - h < a->w.params->coinbase_maturity) {
			cs->immature += v;
			continue;
		}
		cs->confirmed += v;
		if (spent_in_mempool(pool, txid, n) || cs->n == 4096)
			continue;
		struct coin *c = &cs->v[cs->n];
		uint8_t pkh[20];
		if (util_hex_decode_rev(c->op.txid, 32, txid) < 0 ||
		    cons_address_decode(pkh, a->w.params->addr_version,
					json_string_value(json_object_get(u, "address"))) < 0)
			continue;
		c->op.n = (uint32_t)n;
		c->value = v;
		c->key = wal_find_pkh(&a->w, pkh);
		cs->n += c->key != NULL;
	}
	json_array_foreach(pool, i, u)
		cs->unconfirmed += json_integer_value(json_object_get(u, "satoshis"));
	json_decref(utxos);
	json_decref(pool);
	json_decref(count);
}

static int cmd_balance(struct app *a)
{
	static struct coins cs;
	char c[32], u[32], im[32];

	open_wallet(a, false);
	gather(a, &cs);
	wal_format_amount(c, cs.confirmed);
	wal_format_amount(u, cs.unconfirmed);
	wal_format_amount(im, cs.immature);
	if (a->json)
		printf("{\"confirmed\": %s, \"unconfirmed\": %s, \"immature\": %s}\n", c, u, im);
	else
		printf("confirmed    %s\nunconfirmed  %s\nimmature     %s\n", c, u, im);
	return 0;
}

/* ---- send ---- */

#define DUST 546

static int64_t tx_fee(int64_t rate, size_t n_in, size_t n_out)
{
	int64_t size = 10 + 148 * (int64_t)n_in + 34 * (int64_t)n_out;
	int64_t fee = rate * size / 1000;

	return fee > 0 ? fee : 1;
}

static int by_value_desc(const void *x, const void *y)
{
	int64_t a = ((const struct coin *)x)->value, b = ((const struct coin *)y)->value;

	return a < b ? 1 : a > b ? -1 : 0;
}

static int64_t node_fee_rate(struct app *a)
{
	json_t *r = rpc(a, "estimatesmartfee", json_pack("[i]", 6));
	double v = json_number_value(json_object_get(r, "feerate"));

	json_decref(r);
	return (int64_t)(v * 1e8 + 0.5);
}

/* Largest coins first until amount and the fee are covered; returns how many. */
static size_t select_coins(struct coins *cs, int64_t amount, int64_t rate, int64_t *in_total)
{
	qsort(cs->v, cs->n, sizeof(cs->v[0]), by_value_desc);
	*in_total = 0;
	for (size_t k = 0; k < cs->n; k++) {
		*in_total += cs->v[k].value;
		if (*in_total >= amount + tx_fee(rate, k + 1, 2))
			return k + 1;
	}
	return 0;
}

static void add_output(struct cons_tx *tx, const uint8_t pkh[20], int64_t value)
{
	uint8_t script[CONS_P2PKH_SCRIPT_SIZE];

	cons_script_p2pkh(script, pkh);
	if (cons_tx_add_output(tx, value, script, sizeof(script)) < 0)
		die("%s", "out of memory");
}

static void build(struct app *a, struct cons_tx *tx, struct coins *cs, size_t n,
		  const uint8_t dest[20], int64_t amount, int64_t change)
{
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	char err[300];

	for (size_t i = 0; i < n; i++)
		if (cons_tx_add_input(tx, &cs->v[i].op, NULL, 0, 0xffffffffu) < 0)
			die("%s", "out of memory");
	add_output(tx, dest, amount);
	if (change > 0) {
		const struct wal_key *k = wal_new_key(&a->w, true, err, sizeof(err));
		if (!k)
			die("%s", err);
		add_output(tx, k->pkh, change);
		save(a, true);                       /* the change key is on disk before any send */
	}
	for (size_t i = 0; i < n; i++)
		if (cons_sign_input(ctx, tx, i, cs->v[i].key->secret) < 0)
			die("%s", "cannot sign an input");
	if (cons_tx_finalize(tx) < 0)
		die("%s", "out of memory");
	secp256k1_context_destroy(ctx);
}

static int cmd_send(struct app *a, const char *addr, const char *amount_s)
{
	static struct coins cs;
	uint8_t dest[20];
	int64_t amount, rate, in_total, fee, change;
	struct cons_tx tx;
	char f[32], have[32];
	size_t n;

	if (cons_address_decode(dest, a->co.params->addr_version, addr) < 0)
		die("'%s' is not a valid address for this chain", addr);
	if (wal_parse_amount(a->co.params, amount_s, &amount) < 0)
		die("'%s' is not a valid amount (coins, up to 8 decimals)", amount_s);
	open_wallet(a, true);
	rate = a->fee_rate ? a->fee_rate : node_fee_rate(a);
	gather(a, &cs);
	n = select_coins(&cs, amount, rate, &in_total);
	if (n == 0) {
		wal_format_amount(have, in_total);
		die("insufficient funds: %s coins spendable (confirmed and mature)", have);
	}
	fee = tx_fee(rate, n, 2);
	change = in_total - amount - fee;
	if (change < DUST) {                  /* not worth an output: the miner gets it */
		fee += change;
		change = 0;
	}
	cons_tx_init(&tx);
	build(a, &tx, &cs, n, dest, amount, change);
	char *hex = malloc(2 * tx.size + 64);
	struct cons_writer w;
	cons_writer_init(&w);
	cons_tx_write(&w, &tx);
	util_hex_encode(hex, w.data, w.len);
	cons_writer_release(&w);
	wal_format_amount(f, fee);
	fprintf(stderr, "%zu input%s, fee %s\n", n, n == 1 ? "" : "s", f);
	if (a->dry_run) {
		printf("%s\n", hex);
	} else {
		json_t *r = rpc(a, "sendrawtransaction", json_pack("[s]", hex));
		printf("%s\n", json_string_value(r));
		json_decref(r);
	}
	free(hex);
	cons_tx_release(&tx);
	return 0;
}

/* ---- history ---- */

static int64_t units(json_t *v)
{
	double d = json_number_value(v);

	return (int64_t)(d * 1e8 + (d >= 0 ? 0.5 : -0.5));
}

/* The value of output n of txid if it pays this wallet, else 0; *known false if unreadable. */
static int64_t prev_value(struct app *a, const char *txid, long long n, bool *known, int64_t *all)
{
	struct client_error e;
	json_t *tx = client_call(a->c, "getrawtransaction", json_pack("[s, b]", txid, 1), &e);
	json_t *out = json_array_get(json_object_get(tx, "vout"), (size_t)n);
	const char *addr = json_string_value(json_object_get(json_object_get(out, "scriptPubKey"),
								 "address"));
	int64_t v = units(json_object_get(out, "value"));
	bool mine = addr && wal_find(&a->w, addr);

	if (!tx || !out)
		*known = false;
	*all += v;
	json_decref(tx);
	return mine ? v : 0;
}

static void history_row(struct app *a, const char *txid)
{
	json_t *tx = rpc(a, "getrawtransaction", json_pack("[s, b]", txid, 1)), *io;
	int64_t mine_in = 0, mine_out = 0, all_in = 0, all_out = 0;
	bool known = true, coinbase = false;
	char net[32], fee[32];
	size_t i;

	json_array_foreach(json_object_get(tx, "vin"), i, io) {
		if (json_object_get(io, "coinbase")) {
			coinbase = true;
			continue;
		}
		mine_in += prev_value(a, json_string_value(json_object_get(io, "txid")),
				      json_integer_value(json_object_get(io, "vout")), &known, &all_in);
	}
	json_array_foreach(json_object_get(tx, "vout"), i, io) {
		const char *addr = json_string_value(json_object_get(
			json_object_get(io, "scriptPubKey"), "address"));
		int64_t v = units(json_object_get(io, "value"));
		all_out += v;
		if (addr && wal_find(&a->w, addr))
			mine_out += v;
	}
	wal_format_amount(net, mine_out - mine_in);
	if (coinbase)
		snprintf(fee, sizeof(fee), "coinbase");
	else if (mine_in > 0 && known)
		wal_format_amount(fee, all_in - all_out);
	else
		snprintf(fee, sizeof(fee), "-");
	printf("%13lld  %-64s  %16s  %12s\n",
	       (long long)json_integer_value(json_object_get(tx, "confirmations")), txid, net, fee);
	json_decref(tx);
}

static int cmd_history(struct app *a)
{
	json_t *ids = NULL, *pool, *v;
	size_t i;

	open_wallet(a, false);
	ids = rpc(a, "getaddresstxids", addr_params(a));
	pool = rpc(a, "getaddressmempool", addr_params(a));
	printf("%13s  %-64s  %16s  %12s\n", "confirmations", "txid", "amount", "fee");
	json_array_foreach(ids, i, v)
		history_row(a, json_string_value(v));
	/* Unconfirmed: each pool txid once. */
	json_array_foreach(pool, i, v) {
		const char *txid = json_string_value(json_object_get(v, "txid"));
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(json_string_value(json_object_get(json_array_get(pool, j),
									"txid")), txid) == 0;
		if (!seen)
			history_row(a, txid);
	}
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
