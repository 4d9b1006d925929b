/* The explorer's commands on blocks, transactions, addresses, the mempool, peers and tips. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "explorer/explorer.h"

/* ---- commands ---- */

json_t *ex_summary_json(struct ex *x)
{
	json_t *o = json_object();

	json_object_set_new(o, "chain", ex_rpc(x, "getblockchaininfo", NULL));
	json_object_set_new(o, "network", ex_rpc(x, "getnetworkinfo", NULL));
	json_object_set_new(o, "mempool", ex_rpc(x, "getmempoolinfo", NULL));
	json_object_set_new(o, "mining", ex_rpc(x, "getmininginfo", NULL));
	return o;
}

void ex_print_summary(json_t *o)
{
	json_t *c = json_object_get(o, "chain"), *n = json_object_get(o, "network");
	json_t *m = json_object_get(o, "mempool"), *mi = json_object_get(o, "mining");
	char t[32];

	ex_utc(t, ex_num(c, "time"));
	printf("chain       %s\n", ex_str(c, "chain"));
	printf("height      %lld (headers %lld)\n", ex_num(c, "blocks"), ex_num(c, "headers"));
	printf("tip         %s\n", ex_str(c, "bestblockhash"));
	printf("tip time    %s UTC\n", t);
	printf("difficulty  %.8g\n", json_number_value(json_object_get(c, "difficulty")));
	printf("peers       %lld (%lld in, %lld out)%s\n", ex_num(n, "connections"),
	       ex_num(n, "connections_in"), ex_num(n, "connections_out"),
	       json_is_false(json_object_get(n, "networkactive")) ? ", network off" : "");
	printf("mempool     %lld txs, %lld bytes\n", ex_num(m, "size"), ex_num(m, "bytes"));
	printf("mining      %s", json_is_true(json_object_get(mi, "generate")) ? "yes" : "no");
	if (json_is_true(json_object_get(mi, "generate")))
		printf(", %.0f hashes/s", json_number_value(json_object_get(mi, "hashespersec")));
	printf("\n");
}

int ex_cmd_summary(struct ex *x)
{
	json_t *o = ex_summary_json(x);

	if (x->json)
		ex_print_json(o);
	else
		ex_print_summary(o);
	json_decref(o);
	return 0;
}

/* The last n blocks, newest first, as getblock verbosity-1 objects. */
json_t *ex_last_blocks(struct ex *x, long long n)
{
	json_t *out = json_array(), *count = ex_rpc(x, "getblockcount", NULL);
	long long tip = json_integer_value(count);
	char h[32];

	json_decref(count);
	for (long long i = tip; i >= 0 && i > tip - n; i--) {
		snprintf(h, sizeof(h), "%lld", i);
		json_t *hash = ex_rpc1(x, "getblockhash", "[%s]", h);
		json_array_append_new(out, ex_rpc1(x, "getblock", "[\"%s\", 1]", json_string_value(hash)));
		json_decref(hash);
	}
	return out;
}

void ex_print_blocks(json_t *blocks)
{
	size_t i;
	json_t *b;
	char t[32];

	printf("%-7s  %-64s  %-19s  %5s  %7s\n", "height", "hash", "time (UTC)", "txs", "bytes");
	json_array_foreach(blocks, i, b) {
		ex_utc(t, ex_num(b, "time"));
		printf("%-7lld  %-64s  %-19s  %5lld  %7lld\n", ex_num(b, "height"), ex_str(b, "hash"), t,
		       ex_num(b, "nTx"), ex_num(b, "size"));
	}
}

int ex_cmd_blocks(struct ex *x, const char *arg)
{
	long long n = arg ? atoll(arg) : 10;
	json_t *blocks;

	if (n < 1 || n > 10000)
		ex_die("blocks: expected a count from 1 to 10000, got '%s'", arg);
	blocks = ex_last_blocks(x, n);
	if (x->json)
		ex_print_json(blocks);
	else
		ex_print_blocks(blocks);
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

	ex_utc(t, ex_num(b, "time"));
	printf("block %s\n", ex_str(b, "hash"));
	printf("height        %lld (%lld confirmations%s)\n", ex_num(b, "height"),
	       ex_num(b, "confirmations"), ex_num(b, "confirmations") < 0 ? ": not on the active chain" : "");
	printf("time          %s UTC\n", t);
	printf("previous      %s\n", ex_str(b, "previousblockhash"));
	printf("next          %s\n", ex_str(b, "nextblockhash"));
	printf("merkle root   %s\n", ex_str(b, "merkleroot"));
	printf("bits          %s (difficulty %.8g), nonce %lld\n", ex_str(b, "bits"),
	       json_number_value(json_object_get(b, "difficulty")), ex_num(b, "nonce"));
	printf("size          %lld bytes, %lld transactions\n\n", ex_num(b, "size"), ex_num(b, "nTx"));
	printf("%-64s  %6s  %16s\n", "txid", "bytes", "outputs (coins)");
	json_array_foreach(json_object_get(b, "tx"), i, tx)
		printf("%-64s  %6lld  %16.8f\n", ex_str(tx, "txid"), ex_num(tx, "size"), out_total(tx));
}

int ex_cmd_block(struct ex *x, const char *arg)
{
	json_t *hash = NULL, *b;

	if (!arg)
		ex_die("%s", "block: give a block hash or height");
	if (all_digits(arg) && strlen(arg) < 20)
		hash = ex_rpc1(x, "getblockhash", "[%s]", arg);
	b = ex_rpc1(x, "getblock", "[\"%s\", 2]", hash ? json_string_value(hash) : arg);
	if (x->json)
		ex_print_json(b);
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
		ex_utc(when, ex_num(tx, "disconnected_time"));
		snprintf(since, sizeof(since), " since the reorganisation at %s UTC", when);
	}
	if (c)
		snprintf(spent, sizeof(spent), "its input was spent by %s in block %lld",
			 ex_str(c, "txid"), ex_num(c, "height"));
	else if (json_object_get(json_array_get(json_object_get(tx, "vin"), 0), "coinbase"))
		snprintf(spent, sizeof(spent), "its new coins exist only on that branch");
	else
		snprintf(spent, sizeof(spent), "no transaction of the active chain spends its inputs");
	snprintf(out, len, "was in block %lld (%s), now on a side branch%s; %s", ex_num(tx, "height"),
		 ex_str(tx, "blockhash"), since, spent);
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

	printf("tx %s\n", ex_str(tx, "txid"));
	if (is_stale(tx)) {
		stale_line(line, sizeof(line), tx);
		printf("stale         %s\n", line);
	} else if (json_object_get(tx, "blockhash")) {
		printf("confirmed     in block %lld (%s), %lld confirmations\n", ex_num(tx, "height"),
		       ex_str(tx, "blockhash"), ex_num(tx, "confirmations"));
	} else {
		printf("unconfirmed   in the mempool\n");
	}
	printf("size          %lld bytes\n\ninputs\n", ex_num(tx, "size"));
	json_array_foreach(json_object_get(tx, "vin"), i, io) {
		if (json_object_get(io, "coinbase"))
			printf("  %zu  coinbase (new coins)\n", i);
		else
			printf("  %zu  %s:%lld\n", i, ex_str(io, "txid"), ex_num(io, "vout"));
	}
	printf("outputs\n");
	json_array_foreach(json_object_get(tx, "vout"), i, io) {
		json_t *spk = json_object_get(io, "scriptPubKey");
		ex_coins(amt, json_object_get(io, "value"));
		printf("  %zu  %16s  %s\n", i, amt, json_object_get(spk, "address") ?
		       ex_str(spk, "address") : ex_str(spk, "type"));
	}
}

int ex_cmd_tx(struct ex *x, const char *arg)
{
	json_t *tx;

	if (!arg)
		ex_die("%s", "tx: give a transaction id");
	tx = ex_rpc1(x, "getrawtransaction", "[\"%s\", true]", arg);
	if (x->json)
		ex_print_json(tx);
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
		if (strcmp(ex_str(json_object_get(o, "scriptPubKey"), "address"), addr) == 0)
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
		prev = client_call(x->c, "getrawtransaction", json_pack("[s, b]", ex_str(in, "txid"), 1), &e);
		out = json_array_get(json_object_get(prev, "vout"), (size_t)ex_num(in, "vout"));
		hit = strcmp(ex_str(json_object_get(out, "scriptPubKey"), "address"), addr) == 0;
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
		if (strcmp(ex_str(o, "txid"), txid) == 0)
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
	json_t *tips = ex_rpc(x, "getchaintips", NULL), *list = json_array(), *tip;
	size_t i, read = 0;

	json_array_foreach(tips, i, tip) {
		const char *hash = ex_str(tip, "hash");
		json_t *b = NULL;
		if (strcmp(ex_str(tip, "status"), "active") == 0)
			continue;
		for (long long k = 0; k < ex_num(tip, "branchlen") && read < STALE_SCAN_BLOCKS; k++, read++) {
			size_t j;
			json_t *tx, *prev;
			prev = b;
			b = ex_rpc1(x, "getblock", "[\"%s\", 2]", hash);
			json_decref(prev);
			json_array_foreach(json_object_get(b, "tx"), j, tx)
				if (pays(tx, addr) || spends_from(x, tx, addr))
					add_if_stale(x, list, ex_str(tx, "txid"));
			hash = ex_str(b, "previousblockhash");
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
	printf("balance       %.8f (%.8f immature)\n", ex_num(bal, "balance") / 1e8,
	       ex_num(bal, "immature") / 1e8);
	printf("received      %.8f\n", ex_num(bal, "received") / 1e8);
	printf("transactions  %zu\n\n", json_array_size(json_object_get(o, "txids")));
	printf("%-64s  %4s  %7s  %16s\n", "unspent output txid", "n", "height", "coins");
	json_array_foreach(json_object_get(o, "utxos"), i, u)
		printf("%-64s  %4lld  %7lld  %16.8f\n", ex_str(u, "txid"), ex_num(u, "outputIndex"),
		       ex_num(u, "height"), ex_num(u, "satoshis") / 1e8);
	if (json_array_size(json_object_get(o, "stale")) == 0)
		return;
	printf("\ntransactions a reorganisation took off the active chain\n");
	json_array_foreach(json_object_get(o, "stale"), i, u) {
		stale_line(line, sizeof(line), u);
		printf("%s  %s\n", ex_str(u, "txid"), line);
	}
}

int ex_cmd_address(struct ex *x, const char *arg)
{
	json_t *o = json_object();

	if (!arg)
		ex_die("%s", "address: give an address");
	json_object_set_new(o, "address", json_string(arg));
	json_object_set_new(o, "balance", ex_rpc1(x, "getaddressbalance", "[\"%s\"]", arg));
	json_object_set_new(o, "utxos", ex_rpc1(x, "getaddressutxos", "[\"%s\"]", arg));
	json_object_set_new(o, "txids", ex_rpc1(x, "getaddresstxids", "[\"%s\"]", arg));
	json_object_set_new(o, "stale", stale_txs(x, arg));
	if (x->json)
		ex_print_json(o);
	else
		print_address(arg, o);
	json_decref(o);
	return 0;
}

int ex_cmd_mempool(struct ex *x)
{
	json_t *info = ex_rpc(x, "getmempoolinfo", NULL), *pool = ex_rpc(x, "getrawmempool", "[true]");
	const char *txid;
	json_t *e;
	char t[32];

	if (x->json) {
		json_t *o = json_pack("{s:O, s:O}", "info", info, "transactions", pool);
		ex_print_json(o);
		json_decref(o);
	} else {
		printf("%lld transactions, %lld bytes\n\n", ex_num(info, "size"), ex_num(info, "bytes"));
		printf("%-64s  %6s  %12s  %-19s\n", "txid", "bytes", "fee (coins)", "since (UTC)");
		json_object_foreach(pool, txid, e) {
			ex_utc(t, ex_num(e, "time"));
			printf("%-64s  %6lld  %12.8f  %-19s\n", txid, ex_num(e, "vsize"),
			       json_number_value(json_object_get(json_object_get(e, "fees"), "base")),
			       t);
		}
	}
	json_decref(info);
	json_decref(pool);
	return 0;
}

int ex_cmd_peers(struct ex *x)
{
	json_t *peers = ex_rpc(x, "getpeerinfo", NULL), *p;
	size_t i;

	if (x->json) {
		ex_print_json(peers);
	} else {
		printf("%4s  %-21s  %-3s  %7s  %8s  %10s  %10s  %s\n", "id", "address", "dir",
		       "height", "ping ms", "recv", "sent", "agent");
		json_array_foreach(peers, i, p)
			printf("%4lld  %-21s  %-3s  %7lld  %8.2f  %10lld  %10lld  %s\n", ex_num(p, "id"),
			       ex_str(p, "addr"), json_is_true(json_object_get(p, "inbound")) ? "in" : "out",
			       ex_num(p, "startingheight"),
			       json_number_value(json_object_get(p, "pingtime")) * 1000,
			       ex_num(p, "bytesrecv"), ex_num(p, "bytessent"), ex_str(p, "subver"));
	}
	json_decref(peers);
	return 0;
}

int ex_cmd_tips(struct ex *x)
{
	json_t *tips = ex_rpc(x, "getchaintips", NULL), *t;
	size_t i;

	if (x->json) {
		ex_print_json(tips);
	} else {
		printf("%7s  %-64s  %9s  %s\n", "height", "hash", "branchlen", "status");
		json_array_foreach(tips, i, t)
			printf("%7lld  %-64s  %9lld  %s\n", ex_num(t, "height"), ex_str(t, "hash"),
			       ex_num(t, "branchlen"), ex_str(t, "status"));
	}
	json_decref(tips);
	return 0;
}

