/*
 * flint-explorer: inspects a node's chain, forks, peers and mempool over
 * RPC, as tables for people or, with --json, as JSON for programs. It knows
 * the node only through its RPC methods (client/rpcclient.h); nothing of
 * chain.c, storage or p2p. See `flint-explorer --help`.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/rpcclient.h"

struct ex {
	struct client *c;
	bool json;
	bool dot;
	int depth, count, interval;
};

static const char usage[] =
	"usage: flint-explorer [options] COMMAND [ARG]\n"
	"\n"
	"Commands:\n"
	"  summary               chain, tip, peers, mempool and mining at a glance\n"
	"  blocks [N]            the last N blocks (default 10)\n"
	"  block HASH|HEIGHT     one block and its transactions\n"
	"  tx TXID               one transaction, confirmed, in the mempool, or in a block a\n"
	"                        reorganisation took off the active chain\n"
	"  address ADDRESS       balance, unspent outputs and transactions of an address,\n"
	"                        and those of its transactions side branches hold\n"
	"  mempool               transactions waiting for a block\n"
	"  peers                 connected peers\n"
	"  tips                  every chain tip the node knows (forks)\n"
	"  tree                  the block tree near the tip, side branches included\n"
	"  watch                 a live summary, refreshed\n"
	"\n"
	"Options:\n"
	"  --json                machine-readable JSON instead of tables\n"
	"  --depth N             tree: blocks below the tip to draw (default 12)\n"
	"  --dot                 tree: Graphviz instead of text (render with dot -Tpng)\n"
	"  --interval S          watch: seconds between refreshes (default 2)\n"
	"  --count N             watch: stop after N refreshes (default: until Ctrl-C)\n"
	"  --help                this text\n"
	"\n";

/* ---- RPC ---- */

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "flint-explorer: error: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

/* Calls method with params (JSON text, may be NULL); exits with the error on failure. */
static json_t *rpc(struct ex *x, const char *method, const char *params)
{
	struct client_error e;
	json_t *p = params ? json_loads(params, 0, NULL) : NULL;
	json_t *r = client_call(x->c, method, p, &e);

	if (!r)
		die("%s", e.message);
	return r;
}

static json_t *rpc1(struct ex *x, const char *method, const char *fmt, const char *arg)
{
	char params[512];

	snprintf(params, sizeof(params), fmt, arg);
	return rpc(x, method, params);
}

/* ---- formatting ---- */

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static long long num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : (long long)json_number_value(v);
}

static void utc(char out[32], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, 32, "%lld", t);
}

static void print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY | JSON_REAL_PRECISION(16));

	puts(s ? s : "null");
	free(s);
}

/* A JSON amount (coins) as "12.34560000". */
static void coins(char out[32], json_t *v)
{
	snprintf(out, 32, "%.8f", json_number_value(v));
}

/* ---- commands ---- */

static json_t *summary_json(struct ex *x)
{
	json_t *o = json_object();

	json_object_set_new(o, "chain", rpc(x, "getblockchaininfo", NULL));
	json_object_set_new(o, "network", rpc(x, "getnetworkinfo", NULL));
	json_object_set_new(o, "mempool", rpc(x, "getmempoolinfo", NULL));
	json_object_set_new(o, "mining", rpc(x, "getmininginfo", NULL));
	return o;
}

static void print_summary(json_t *o)
{
	json_t *c = json_object_get(o, "chain"), *n = json_object_get(o, "network");
	json_t *m = json_object_get(o, "mempool"), *mi = json_object_get(o, "mining");
	char t[32];

	utc(t, num(c, "time"));
	printf("chain       %s\n", str(c, "chain"));
	printf("height      %lld (headers %lld)\n", num(c, "blocks"), num(c, "headers"));
	printf("tip         %s\n", str(c, "bestblockhash"));
	printf("tip time    %s UTC\n", t);
	printf("difficulty  %.8g\n", json_number_value(json_object_get(c, "difficulty")));
	printf("peers       %lld (%lld in, %lld out)%s\n", num(n, "connections"),
	       num(n, "connections_in"), num(n, "connections_out"),
	       json_is_false(json_object_get(n, "networkactive")) ? ", network off" : "");
	printf("mempool     %lld txs, %lld bytes\n", num(m, "size"), num(m, "bytes"));
	printf("mining      %s", json_is_true(json_object_get(mi, "generate")) ? "yes" : "no");
	if (json_is_true(json_object_get(mi, "generate")))
		printf(", %.0f hashes/s", json_number_value(json_object_get(mi, "hashespersec")));
	printf("\n");
}

static int cmd_summary(struct ex *x)
{
	json_t *o = summary_json(x);

	if (x->json)
		print_json(o);
	else
		print_summary(o);
	json_decref(o);
	return 0;
}

/* The last n blocks, newest first, as getblock verbosity-1 objects. */
static json_t *last_blocks(struct ex *x, long long n)
{
	json_t *out = json_array(), *count = rpc(x, "getblockcount", NULL);
	long long tip = json_integer_value(count);
	char h[32];

	json_decref(count);
	for (long long i = tip; i >= 0 && i > tip - n; i--) {
		snprintf(h, sizeof(h), "%lld", i);
		json_t *hash = rpc1(x, "getblockhash", "[%s]", h);
		json_array_append_new(out, rpc1(x, "getblock", "[\"%s\", 1]", json_string_value(hash)));
		json_decref(hash);
	}
	return out;
}

static void print_blocks(json_t *blocks)
{
	size_t i;
	json_t *b;
	char t[32];

	printf("%-7s  %-64s  %-19s  %5s  %7s\n", "height", "hash", "time (UTC)", "txs", "bytes");
	json_array_foreach(blocks, i, b) {
		utc(t, num(b, "time"));
		printf("%-7lld  %-64s  %-19s  %5lld  %7lld\n", num(b, "height"), str(b, "hash"), t,
		       num(b, "nTx"), num(b, "size"));
	}
}

static int cmd_blocks(struct ex *x, const char *arg)
{
	long long n = arg ? atoll(arg) : 10;
	json_t *blocks;

	if (n < 1 || n > 10000)
		die("blocks: expected a count from 1 to 10000, got '%s'", arg);
	blocks = last_blocks(x, n);
	if (x->json)
		print_json(blocks);
	else
		print_blocks(blocks);
	json_decref(blocks);
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static double out_total(json_t *tx)
{
	double sum = 0;
	size_t i;
	json_t *o;

	json_array_foreach(json_object_get(tx, "vout"), i, o)
		sum += json_number_value(json_object_get(o, "value"));
	return sum;
}

static void print_block(json_t *b)
{
	size_t i;
	json_t *tx;
	char t[32];

	utc(t, num(b, "time"));
	printf("block %s\n", str(b, "hash"));
	printf("height        %lld (%lld confirmations%s)\n", num(b, "height"),
	       num(b, "confirmations"), num(b, "confirmations") < 0 ? ": not on the active chain" : "");
	printf("time          %s UTC\n", t);
	printf("previous      %s\n", str(b, "previousblockhash"));
	printf("next          %s\n", str(b, "nextblockhash"));
	printf("merkle root   %s\n", str(b, "merkleroot"));
	printf("bits          %s (difficulty %.8g), nonce %lld\n", str(b, "bits"),
	       json_number_value(json_object_get(b, "difficulty")), num(b, "nonce"));
	printf("size          %lld bytes, %lld transactions\n\n", num(b, "size"), num(b, "nTx"));
	printf("%-64s  %6s  %16s\n", "txid", "bytes", "outputs (coins)");
	json_array_foreach(json_object_get(b, "tx"), i, tx)
		printf("%-64s  %6lld  %16.8f\n", str(tx, "txid"), num(tx, "size"), out_total(tx));
}

static int cmd_block(struct ex *x, const char *arg)
{
	json_t *hash = NULL, *b;

	if (!arg)
		die("%s", "block: give a block hash or height");
	if (all_digits(arg) && strlen(arg) < 20)
		hash = rpc1(x, "getblockhash", "[%s]", arg);
	b = rpc1(x, "getblock", "[\"%s\", 2]", hash ? json_string_value(hash) : arg);
	if (x->json)
		print_json(b);
	else
		print_block(b);
	json_decref(b);
	json_decref(hash);
	return 0;
}

/*
 * What became of a tx of a side-branch block (getrawtransaction says
 * in_active_chain false): "was in block H (HASH), now on a side branch since
 * the reorganisation at TIME; its input was spent by TXID in block H'".
 */
static void stale_line(char *out, size_t len, json_t *tx)
{
	json_t *c = json_array_get(json_object_get(tx, "conflicts"), 0);
	char when[32], since[100] = "", spent[200];

	if (json_object_get(tx, "disconnected_time")) {
		utc(when, num(tx, "disconnected_time"));
		snprintf(since, sizeof(since), " since the reorganisation at %s UTC", when);
	}
	if (c)
		snprintf(spent, sizeof(spent), "its input was spent by %s in block %lld",
			 str(c, "txid"), num(c, "height"));
	else if (json_object_get(json_array_get(json_object_get(tx, "vin"), 0), "coinbase"))
		snprintf(spent, sizeof(spent), "its new coins exist only on that branch");
	else
		snprintf(spent, sizeof(spent), "no transaction of the active chain spends its inputs");
	snprintf(out, len, "was in block %lld (%s), now on a side branch%s; %s", num(tx, "height"),
		 str(tx, "blockhash"), since, spent);
}

static bool is_stale(json_t *tx)
{
	return json_is_false(json_object_get(tx, "in_active_chain"));
}

static void print_tx(json_t *tx)
{
	size_t i;
	json_t *io;
	char amt[32], line[400];

	printf("tx %s\n", str(tx, "txid"));
	if (is_stale(tx)) {
		stale_line(line, sizeof(line), tx);
		printf("stale         %s\n", line);
	} else if (json_object_get(tx, "blockhash")) {
		printf("confirmed     in block %lld (%s), %lld confirmations\n", num(tx, "height"),
		       str(tx, "blockhash"), num(tx, "confirmations"));
	} else {
		printf("unconfirmed   in the mempool\n");
	}
	printf("size          %lld bytes\n\ninputs\n", num(tx, "size"));
	json_array_foreach(json_object_get(tx, "vin"), i, io) {
		if (json_object_get(io, "coinbase"))
			printf("  %zu  coinbase (new coins)\n", i);
		else
			printf("  %zu  %s:%lld\n", i, str(io, "txid"), num(io, "vout"));
	}
	printf("outputs\n");
	json_array_foreach(json_object_get(tx, "vout"), i, io) {
		json_t *spk = json_object_get(io, "scriptPubKey");
		coins(amt, json_object_get(io, "value"));
		printf("  %zu  %16s  %s\n", i, amt, json_object_get(spk, "address") ?
		       str(spk, "address") : str(spk, "type"));
	}
}

static int cmd_tx(struct ex *x, const char *arg)
{
	json_t *tx;

	if (!arg)
		die("%s", "tx: give a transaction id");
	tx = rpc1(x, "getrawtransaction", "[\"%s\", true]", arg);
	if (x->json)
		print_json(tx);
	else
		print_tx(tx);
	json_decref(tx);
	return 0;
}

/* Side-branch blocks the address view reads, at most, to find the address's stale txs. */
#define STALE_SCAN_BLOCKS 200

static bool pays(json_t *tx, const char *addr)
{
	size_t i;
	json_t *o;

	json_array_foreach(json_object_get(tx, "vout"), i, o)
		if (strcmp(str(json_object_get(o, "scriptPubKey"), "address"), addr) == 0)
			return true;
	return false;
}

/* True if tx spends an output paying addr (of a tx getrawtransaction still finds). */
static bool spends_from(struct ex *x, json_t *tx, const char *addr)
{
	struct client_error e;
	size_t i;
	json_t *in;

	json_array_foreach(json_object_get(tx, "vin"), i, in) {
		json_t *prev, *out;
		bool hit;
		if (!json_object_get(in, "txid"))
			continue;
		prev = client_call(x->c, "getrawtransaction", json_pack("[s, b]", str(in, "txid"), 1), &e);
		out = json_array_get(json_object_get(prev, "vout"), (size_t)num(in, "vout"));
		hit = strcmp(str(json_object_get(out, "scriptPubKey"), "address"), addr) == 0;
		json_decref(prev);
		if (hit)
			return true;
	}
	return false;
}

/* Adds to list the node's view of tx (getrawtransaction) if it is still only on a side branch. */
static void add_if_stale(struct ex *x, json_t *list, const char *txid)
{
	struct client_error e;
	json_t *now, *o;
	size_t i;

	json_array_foreach(list, i, o)
		if (strcmp(str(o, "txid"), txid) == 0)
			return;                 /* the same tx in two stale blocks */
	now = client_call(x->c, "getrawtransaction", json_pack("[s, b]", txid, 1), &e);
	if (now && is_stale(now))
		json_array_append(list, now);
	json_decref(now);
}

/*
 * The address's transactions that only side branches hold: the blocks of
 * every non-active tip (getchaintips), newest first, STALE_SCAN_BLOCKS at most.
 */
static json_t *stale_txs(struct ex *x, const char *addr)
{
	json_t *tips = rpc(x, "getchaintips", NULL), *list = json_array(), *tip;
	size_t i, read = 0;

	json_array_foreach(tips, i, tip) {
		const char *hash = str(tip, "hash");
		json_t *b = NULL;
		if (strcmp(str(tip, "status"), "active") == 0)
			continue;
		for (long long k = 0; k < num(tip, "branchlen") && read < STALE_SCAN_BLOCKS; k++, read++) {
			size_t j;
			json_t *tx, *prev;
			prev = b;
			b = rpc1(x, "getblock", "[\"%s\", 2]", hash);
			json_decref(prev);
			json_array_foreach(json_object_get(b, "tx"), j, tx)
				if (pays(tx, addr) || spends_from(x, tx, addr))
					add_if_stale(x, list, str(tx, "txid"));
			hash = str(b, "previousblockhash");
		}
		json_decref(b);
	}
	json_decref(tips);
	return list;
}

static void print_address(const char *addr, json_t *o)
{
	json_t *bal = json_object_get(o, "balance"), *u;
	size_t i;
	char line[400];

	printf("address       %s\n", addr);
	printf("balance       %.8f (%.8f immature)\n", num(bal, "balance") / 1e8,
	       num(bal, "immature") / 1e8);
	printf("received      %.8f\n", num(bal, "received") / 1e8);
	printf("transactions  %zu\n\n", json_array_size(json_object_get(o, "txids")));
	printf("%-64s  %4s  %7s  %16s\n", "unspent output txid", "n", "height", "coins");
	json_array_foreach(json_object_get(o, "utxos"), i, u)
		printf("%-64s  %4lld  %7lld  %16.8f\n", str(u, "txid"), num(u, "outputIndex"),
		       num(u, "height"), num(u, "satoshis") / 1e8);
	if (json_array_size(json_object_get(o, "stale")) == 0)
		return;
	printf("\ntransactions a reorganisation took off the active chain\n");
	json_array_foreach(json_object_get(o, "stale"), i, u) {
		stale_line(line, sizeof(line), u);
		printf("%s  %s\n", str(u, "txid"), line);
	}
}

static int cmd_address(struct ex *x, const char *arg)
{
	json_t *o = json_object();

	if (!arg)
		die("%s", "address: give an address");
	json_object_set_new(o, "address", json_string(arg));
	json_object_set_new(o, "balance", rpc1(x, "getaddressbalance", "[\"%s\"]", arg));
	json_object_set_new(o, "utxos", rpc1(x, "getaddressutxos", "[\"%s\"]", arg));
	json_object_set_new(o, "txids", rpc1(x, "getaddresstxids", "[\"%s\"]", arg));
	json_object_set_new(o, "stale", stale_txs(x, arg));
	if (x->json)
		print_json(o);
	else
		print_address(arg, o);
	json_decref(o);
	return 0;
}

static int cmd_mempool(struct ex *x)
{
	json_t *info = rpc(x, "getmempoolinfo", NULL), *pool = rpc(x, "getrawmempool", "[true]");
	const char *txid;
	json_t *e;
	char t[32];

	if (x->json) {
		json_t *o = json_pack("{s:O, s:O}", "info", info, "transactions", pool);
		print_json(o);
		json_decref(o);
	} else {
		printf("%lld transactions, %lld bytes\n\n", num(info, "size"), num(info, "bytes"));
		printf("%-64s  %6s  %12s  %-19s\n", "txid", "bytes", "fee (coins)", "since (UTC)");
		json_object_foreach(pool, txid, e) {
			utc(t, num(e, "time"));
			printf("%-64s  %6lld  %12.8f  %-19s\n", txid, num(e, "vsize"),
			       json_number_value(json_object_get(json_object_get(e, "fees"), "base")),
			       t);
		}
	}
	json_decref(info);
	json_decref(pool);
	return 0;
}

static int cmd_peers(struct ex *x)
{
	json_t *peers = rpc(x, "getpeerinfo", NULL), *p;
	size_t i;

	if (x->json) {
		print_json(peers);
	} else {
		printf("%4s  %-21s  %-3s  %7s  %8s  %10s  %10s  %s\n", "id", "address", "dir",
		       "height", "ping ms", "recv", "sent", "agent");
		json_array_foreach(peers, i, p)
			printf("%4lld  %-21s  %-3s  %7lld  %8.2f  %10lld  %10lld  %s\n", num(p, "id"),
			       str(p, "addr"), json_is_true(json_object_get(p, "inbound")) ? "in" : "out",
			       num(p, "startingheight"),
			       json_number_value(json_object_get(p, "pingtime")) * 1000,
			       num(p, "bytesrecv"), num(p, "bytessent"), str(p, "subver"));
	}
	json_decref(peers);
	return 0;
}

static int cmd_tips(struct ex *x)
{
	json_t *tips = rpc(x, "getchaintips", NULL), *t;
	size_t i;

	if (x->json) {
		print_json(tips);
	} else {
		printf("%7s  %-64s  %9s  %s\n", "height", "hash", "branchlen", "status");
		json_array_foreach(tips, i, t)
			printf("%7lld  %-64s  %9lld  %s\n", num(t, "height"), str(t, "hash"),
			       num(t, "branchlen"), str(t, "status"));
	}
	json_decref(tips);
	return 0;
}

/* ---- tree ---- */

#define TREE_MAX_BRANCHES 32
#define TREE_MAX_SIDE 1000          /* side blocks fetched per branch, at most */

struct side_block {
	char hash[65];
	long long height;
};

/*
 * A side branch: its own blocks, tip first, with their true heights, and
 * the block it grows from: on the active chain, or on a branch loaded
 * before it (then parent is that branch's index).
 */
struct branch {
	const char *status;
	struct side_block *b;
	size_t n;
	long long fork_height;
	char fork_hash[65];
	int parent;                     /* -1: it grows from the active chain */
	bool cut;                       /* longer than TREE_MAX_SIDE: the rest not fetched */
};

/* The branch (of the first nb) holding hash, or -1. */
static int branch_of(const struct branch *br, size_t nb, const char *hash)
{
	for (size_t k = 0; k < nb; k++)
		for (size_t i = 0; i < br[k].n; i++)
			if (strcmp(br[k].b[i].hash, hash) == 0)
				return (int)k;
	return -1;
}

/* Walks down from the tip t to the active chain, or to a block of an earlier branch. */
static void load_branch(struct ex *x, json_t *t, struct branch *br, size_t k)
{
	struct branch *b = &br[k];
	char h[65];

	memset(b, 0, sizeof(*b));
	b->status = str(t, "status");
	b->parent = -1;
	b->b = calloc(TREE_MAX_SIDE, sizeof(*b->b));
	if (!b->b)
		die("%s", "out of memory");
	snprintf(h, sizeof(h), "%s", str(t, "hash"));
	for (;;) {
		json_t *hdr = rpc1(x, "getblockheader", "[\"%s\"]", h);
		int owner = branch_of(br, k, h);
		if (num(hdr, "confirmations") >= 0 || owner >= 0 || b->n == TREE_MAX_SIDE ||
		    !json_is_string(json_object_get(hdr, "previousblockhash"))) {
			b->cut = num(hdr, "confirmations") < 0 && owner < 0;
			b->parent = owner;
			b->fork_height = num(hdr, "height");
			snprintf(b->fork_hash, sizeof(b->fork_hash), "%s", h);
			json_decref(hdr);
			return;
		}
		snprintf(b->b[b->n].hash, sizeof(b->b[b->n].hash), "%s", h);
		b->b[b->n++].height = num(hdr, "height");
		snprintf(h, sizeof(h), "%s", str(hdr, "previousblockhash"));
		json_decref(hdr);
	}
}

/* Height of the active block that branch k leads back to. */
static long long root_fork(const struct branch *br, size_t k)
{
	while (br[k].parent >= 0)
		k = (size_t)br[k].parent;
	return br[k].fork_height;
}

static int by_height_desc(const void *a, const void *b)
{
	long long x = num(*(json_t *const *)a, "height"), y = num(*(json_t *const *)b, "height");

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * The side branches worth drawing: every one whose tip is at least low
 * high, however deep its fork; the highest tips first, so a branch that
 * grows from another finds it loaded. Returns how many.
 */
static size_t load_branches(struct ex *x, json_t *tips, long long low, struct branch *br)
{
	json_t *side[TREE_MAX_BRANCHES], *t;
	size_t n = 0, i;

	json_array_foreach(tips, i, t)
		if (strcmp(str(t, "status"), "active") != 0 && n < TREE_MAX_BRANCHES &&
		    num(t, "height") >= low)
			side[n++] = t;
	qsort(side, n, sizeof(*side), by_height_desc);
	for (i = 0; i < n; i++)
		load_branch(x, side[i], br, i);
	return n;
}

static void short_hash(char out[17], const char *h)
{
	snprintf(out, 17, "%.16s", h);
}

static void draw_branch(const struct branch *br, size_t k)
{
	const struct branch *b = &br[k];

	if (b->parent < 0)
		printf("|\\\n");
	else
		printf("|\\   from side block %lld %.16s\n", b->fork_height, b->fork_hash);
	for (size_t i = 0; i < b->n; i++)
		printf("| o %-7lld %.16s%s%s\n", b->b[i].height, b->b[i].hash, i == 0 ? "  <- " : "",
		       i == 0 ? b->status : "");
	if (b->cut)
		printf("| :   (more side blocks below %lld, not fetched)\n", b->b[b->n - 1].height);
	printf("|/\n");
}

static void draw_tree_text(json_t *active, struct branch *br, size_t nb, long long tip)
{
	size_t i;
	json_t *b;
	char sh[17];

	json_array_foreach(active, i, b) {
		long long h = num(b, "height");
		for (size_t k = 0; k < nb; k++)
			if (root_fork(br, k) == h)
				draw_branch(br, k);
		short_hash(sh, str(b, "hash"));
		printf("* %-7lld %s%s\n", h, sh, h == tip ? "  <- active tip" : "");
	}
}

static void draw_tree_dot(json_t *active, struct branch *br, size_t nb)
{
	size_t i;
	json_t *b;

	printf("digraph flint {\n  rankdir=BT;\n  node [shape=box, fontname=monospace];\n");
	json_array_foreach(active, i, b) {
		printf("  \"%.16s\" [label=\"%lld\\n%.16s\"%s];\n", str(b, "hash"), num(b, "height"),
		       str(b, "hash"), i == 0 ? ", style=filled, fillcolor=palegreen" : "");
		if (i + 1 < json_array_size(active))
			printf("  \"%.16s\" -> \"%.16s\";\n", str(b, "hash"),
			       str(json_array_get(active, i + 1), "hash"));
	}
	for (size_t k = 0; k < nb; k++) {
		const struct branch *s = &br[k];
		for (size_t j = 0; j < s->n; j++) {
			/* Only a tip carries a status line. */
			printf("  \"%.16s\" [label=\"%lld\\n%.16s%s%s\", style=dashed];\n", s->b[j].hash,
			       s->b[j].height, s->b[j].hash, j == 0 ? "\\n" : "", j == 0 ? s->status : "");
			printf("  \"%.16s\" -> \"%.16s\";\n", s->b[j].hash,
			       j + 1 < s->n ? s->b[j + 1].hash : s->fork_hash);
		}
	}
	printf("}\n");
}

static json_t *branch_json(const struct branch *b)
{
	json_t *blocks = json_array(), *heights = json_array();

	for (size_t i = 0; i < b->n; i++) {
		json_array_append_new(blocks, json_string(b->b[i].hash));
		json_array_append_new(heights, json_integer(b->b[i].height));
	}
	return json_pack("{s:s, s:I, s:s, s:o, s:o, s:b}", "status", b->status, "fork_height",
			 b->fork_height, "fork_hash", b->fork_hash, "blocks", blocks, "heights",
			 heights, "complete", !b->cut);
}

static int cmd_tree(struct ex *x)
{
	json_t *tips = rpc(x, "getchaintips", NULL), *count = rpc(x, "getblockcount", NULL), *active;
	long long tip = json_integer_value(count), low = tip - x->depth + 1, bottom = low;
	struct branch br[TREE_MAX_BRANCHES];
	size_t nb = load_branches(x, tips, low, br);

	/* The active chain is drawn down to the lowest fork, so every branch hangs off its block. */
	for (size_t k = 0; k < nb; k++)
		if (root_fork(br, k) < bottom)
			bottom = root_fork(br, k);
	active = last_blocks(x, tip - (bottom > 0 ? bottom : 0) + 1);
	if (x->json) {
		json_t *o = json_pack("{s:O, s:[]}", "active", active, "branches");
		for (size_t k = 0; k < nb; k++)
			json_array_append_new(json_object_get(o, "branches"), branch_json(&br[k]));
		print_json(o);
		json_decref(o);
	} else if (x->dot) {
		draw_tree_dot(active, br, nb);
	} else {
		draw_tree_text(active, br, nb, tip);
	}
	for (size_t k = 0; k < nb; k++)
		free(br[k].b);
	json_decref(count);
	json_decref(tips);
	json_decref(active);
	return 0;
}

static int cmd_watch(struct ex *x)
{
	for (int i = 0; x->count == 0 || i < x->count; i++) {
		json_t *o = summary_json(x), *blocks = last_blocks(x, 5);
		if (i > 0)
			sleep((unsigned)x->interval);
		if (isatty(STDOUT_FILENO))
			printf("\033[H\033[2J");
		if (x->json) {
			json_object_set(o, "blocks", blocks);
			print_json(o);
		} else {
			print_summary(o);
			printf("\n");
			print_blocks(blocks);
		}
		fflush(stdout);
		json_decref(o);
		json_decref(blocks);
	}
	return 0;
}

/* ---- main ---- */

static int parse_flags(struct ex *x, int argc, char **argv, char **args, int *nargs)
{
	*nargs = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--json") == 0)
			x->json = true;
		else if (strcmp(a, "--dot") == 0)
			x->dot = true;
		else if ((strcmp(a, "--depth") == 0 || strcmp(a, "--count") == 0 ||
			  strcmp(a, "--interval") == 0) && i + 1 < argc) {
			int v = atoi(argv[++i]);
			if (v < (a[2] == 'c' ? 0 : 1) || v > 100000)
				die("bad value for '%s'", a);
			*(a[2] == 'd' ? &x->depth : a[2] == 'c' ? &x->count : &x->interval) = v;
		} else if (strncmp(a, "--", 2) == 0)
			die("unknown option '%s' (see --help)", a);
		else if (*nargs < 2)
			args[(*nargs)++] = argv[i];
		else
			die("unexpected argument '%s'", a);
	}
	return *nargs > 0 ? 0 : -1;
}

static int run(struct ex *x, const char *cmd, const char *arg)
{
	if (strcmp(cmd, "summary") == 0) return cmd_summary(x);
	if (strcmp(cmd, "blocks") == 0) return cmd_blocks(x, arg);
	if (strcmp(cmd, "block") == 0) return cmd_block(x, arg);
	if (strcmp(cmd, "tx") == 0) return cmd_tx(x, arg);
	if (strcmp(cmd, "address") == 0) return cmd_address(x, arg);
	if (strcmp(cmd, "mempool") == 0) return cmd_mempool(x);
	if (strcmp(cmd, "peers") == 0) return cmd_peers(x);
	if (strcmp(cmd, "tips") == 0) return cmd_tips(x);
	if (strcmp(cmd, "tree") == 0) return cmd_tree(x);
	if (strcmp(cmd, "watch") == 0) return cmd_watch(x);
	die("unknown command '%s' (see --help)", cmd);
	return 1;
}

int main(int argc, char **argv)
{
	struct client_options o;
	struct ex x = {.depth = 12, .interval = 2};
	char err[256], *args[2] = {NULL, NULL};
	int nargs, rc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0) {
			printf("%s%s", usage, client_options_usage());
			return 0;
		}
	if (client_options_parse(&o, &argc, argv, err, sizeof(err)) < 0)
		die("%s", err);
	if (parse_flags(&x, argc, argv, args, &nargs) < 0)
		die("%s", "no command given (see --help)");
	x.c = client_new(&o);
	if (!x.c)
		die("%s", "out of memory");
	rc = run(&x, args[0], args[1]);
	client_free(x.c);
	return rc;
}
