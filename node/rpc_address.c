/*
 * The address-index fork of bitcoind's methods: getaddressbalance,
 * getaddressutxos, getaddresstxids, getaddressmempool. Amounts are integer
 * base units ("satoshis"), as that fork returns them. Confirmed data comes
 * from storage's address indexes (flushed first), unconfirmed from the
 * mempool.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/base58.h"
#include "consensus/script.h"
#include "node/rpc_internal.h"
#include "storage/chainstate.h"
#include "util/hex.h"

#define MAX_ADDRESSES 100

struct addrs {
	uint8_t pkh[MAX_ADDRESSES][20];
	char text[MAX_ADDRESSES][CONS_ADDRESS_MAX];
	size_t n;
};

static const struct cons_params *params_of(struct node_rpc_env *env)
{
	return node_chain_params(env->chain);
}

static int add_address(struct node_rpc_env *env, struct addrs *a, json_t *v, struct rpc_error *e)
{
	const char *s = json_string_value(v);

	if (!s) {
		rpc_fail(e, RPC_TYPE_ERROR, "addresses must be strings");
		return -1;
	}
	if (a->n == MAX_ADDRESSES) {
		rpc_fail(e, RPC_INVALID_PARAMETER, "at most %d addresses per call", MAX_ADDRESSES);
		return -1;
	}
	if (cons_address_decode(a->pkh[a->n], params_of(env)->addr_version, s) < 0) {
		rpc_fail(e, RPC_INVALID_ADDRESS_OR_KEY, "Invalid address '%.64s'", s);
		return -1;
	}
	snprintf(a->text[a->n++], CONS_ADDRESS_MAX, "%s", s);
	return 0;
}

/* The first parameter: "ADDRESS" or {"addresses": [...]}, flushed state behind it. */
static int parse_addresses(struct node_rpc_env *env, json_t *params, struct addrs *a,
			   struct rpc_error *e)
{
	json_t *p = json_array_get(params, 0), *list, *v;
	size_t i;

	a->n = 0;
	if (json_is_string(p)) {
		if (add_address(env, a, p, e) < 0)
			return -1;
	} else {
		list = json_object_get(p, "addresses");
		if (!json_is_array(list)) {
			rpc_fail(e, RPC_TYPE_ERROR, "expected an address or {\"addresses\": [...]}");
			return -1;
		}
		json_array_foreach(list, i, v)
			if (add_address(env, a, v, e) < 0)
				return -1;
	}
	return rpc_flush(env, e);
}

/* ---- utxos and balance ---- */

struct utxo_walk {
	struct node_rpc_env *env;
	const char *address;
	json_t *out;                 /* NULL: only sum */
	int64_t balance, immature;
};

static int on_utxo(void *ctx, const struct cons_outpoint *op, const struct cons_coin *coin)
{
	struct utxo_walk *w = ctx;
	const struct cons_params *p = params_of(w->env);
	int64_t next = node_chain_tip(w->env->chain)->height + 1;
	uint8_t script[CONS_P2PKH_SCRIPT_SIZE];
	char hex[2 * CONS_P2PKH_SCRIPT_SIZE + 1];

	w->balance += coin->value;
	if (coin->coinbase && next - coin->height < p->coinbase_maturity)
		w->immature += coin->value;
	if (!w->out)
		return 0;
	cons_script_p2pkh(script, coin->pkh);
	util_hex_encode(hex, script, sizeof(script));
	return json_array_append_new(w->out, json_pack("{s:s, s:o, s:I, s:s, s:I, s:I, s:b}",
		"address", w->address, "txid", rpc_hash(op->txid), "outputIndex", (json_int_t)op->n,
		"script", hex, "satoshis", (json_int_t)coin->value, "height",
		(json_int_t)coin->height, "coinbase", coin->coinbase)) < 0;
}

static int walk_utxos(struct node_rpc_env *env, const struct addrs *a, struct utxo_walk *w,
		      struct rpc_error *e)
{
	char err[256];

	for (size_t i = 0; i < a->n; i++) {
		w->address = a->text[i];
		if (stor_addr_utxos(node_chain_storage(env->chain), a->pkh[i], on_utxo, w, err,
				    sizeof(err)) < 0) {
			rpc_fail(e, RPC_DATABASE_ERROR, "%s", err);
			return -1;
		}
	}
	return 0;
}

static json_t *getaddressutxos(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	struct addrs a;
	struct utxo_walk w = {env, NULL, json_array(), 0, 0};

	if (!w.out)
		return rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
	if (parse_addresses(env, params, &a, e) < 0 || walk_utxos(env, &a, &w, e) < 0) {
		json_decref(w.out);
		return NULL;
	}
	return w.out;
}

/* ---- txids ---- */

struct txid_item {
	int64_t height;
	uint8_t txid[32];
};

struct txid_walk {
	struct txid_item *v;
	size_t n, cap;
	bool oom;
};

static int on_txid(void *ctx, int64_t height, const uint8_t txid[32])
{
	struct txid_walk *w = ctx;

	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		struct txid_item *v = realloc(w->v, cap * sizeof(*v));
		if (!v) {
			w->oom = true;
			return 1;
		}
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n].height = height;
	memcpy(w->v[w->n++].txid, txid, 32);
	return 0;
}

static int by_height(const void *a, const void *b)
{
	const struct txid_item *x = a, *y = b;

	if (x->height != y->height)
		return x->height < y->height ? -1 : 1;
	return memcmp(x->txid, y->txid, 32);
}

/* Every (height, txid) touching the addresses, sorted and without repeats. */
static int collect_txids(struct node_rpc_env *env, const struct addrs *a, int64_t from,
			 int64_t to, struct txid_walk *w, struct rpc_error *e)
{
	char err[256];
	size_t k = 0;

	for (size_t i = 0; i < a->n; i++)
		if (stor_addr_txids(node_chain_storage(env->chain), a->pkh[i], from, to, on_txid, w,
				    err, sizeof(err)) < 0) {
			rpc_fail(e, RPC_DATABASE_ERROR, "%s", err);
			return -1;
		}
	if (w->oom) {
		rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
		return -1;
	}
	if (w->n)                   /* qsort(NULL, 0) is undefined */
		qsort(w->v, w->n, sizeof(*w->v), by_height);
	for (size_t i = 0; i < w->n; i++)
		if (k == 0 || by_height(&w->v[k - 1], &w->v[i]) != 0)
			w->v[k++] = w->v[i];
	w->n = k;
	return 0;
}

static json_t *getaddresstxids(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	struct addrs a;
	struct txid_walk w = {0};
	json_t *p = json_array_get(params, 0), *out;
	int64_t from = 0, to = INT64_MAX;

	if (json_is_integer(json_object_get(p, "start")))
		from = json_integer_value(json_object_get(p, "start"));
	if (json_is_integer(json_object_get(p, "end")))
		to = json_integer_value(json_object_get(p, "end"));
	if (parse_addresses(env, params, &a, e) < 0 || collect_txids(env, &a, from, to, &w, e) < 0) {
		free(w.v);
		return NULL;
	}
	out = json_array();
	for (size_t i = 0; out && i < w.n; i++)
		json_array_append_new(out, rpc_hash(w.v[i].txid));
	free(w.v);
	return out ? out : rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
}

static int match(const struct addrs *a, const uint8_t pkh[20])
{
	for (size_t k = 0; k < a->n; k++)
		if (memcmp(a->pkh[k], pkh, 20) == 0)
			return (int)k;
	return -1;
}

/* Sum of every output ever paid to the addresses: each of their txs, read back. */
static int received(struct node_rpc_env *env, const struct addrs *a, int64_t *total,
		    struct rpc_error *e)
{
	struct txid_walk w = {0};
	int rc = collect_txids(env, a, 0, INT64_MAX, &w, e);

	for (size_t i = 0; rc == 0 && i < w.n; i++) {
		struct rpc_error ignore;
		struct cons_tx tx;
		uint8_t pkh[20];

		cons_tx_init(&tx);
		if (rpc_lookup_tx(env, w.v[i].txid, &tx, &ignore) == 0)
			for (size_t o = 0; o < tx.n_out; o++)
				if (cons_script_is_p2pkh(tx.out[o].script, tx.out[o].script_len, pkh) &&
				    match(a, pkh) >= 0)
					*total += tx.out[o].value;
		cons_tx_release(&tx);
	}
	free(w.v);
	return rc;
}

static json_t *getaddressbalance(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	struct addrs a;
	struct utxo_walk w = {env, NULL, NULL, 0, 0};
	int64_t total = 0;

	if (parse_addresses(env, params, &a, e) < 0 || walk_utxos(env, &a, &w, e) < 0 ||
	    received(env, &a, &total, e) < 0)
		return NULL;
	return json_pack("{s:I, s:I, s:I}", "balance", (json_int_t)w.balance, "received",
			 (json_int_t)total, "immature", (json_int_t)w.immature);
}

/* ---- mempool ---- */

struct mp_walk {
	struct node_rpc_env *env;
	const struct addrs *a;
	json_t *out;
};

/* The coin an input spends: in the chain, or an output of another pool tx. */
static bool spent_coin(struct node_rpc_env *env, const struct cons_outpoint *op,
		       struct cons_coin *coin)
{
	const struct node_mempool_entry *parent = node_mempool_get(env->mempool, op->txid);

	if (parent) {
		if (op->n >= parent->tx.n_out ||
		    !cons_script_is_p2pkh(parent->tx.out[op->n].script,
					  parent->tx.out[op->n].script_len, coin->pkh))
			return false;
		coin->value = parent->tx.out[op->n].value;
		return true;
	}
	return stor_coin_get(node_chain_storage(env->chain), op, coin) == 1;
}

static void on_pool_tx(void *ctx, const struct node_mempool_entry *me)
{
	struct mp_walk *w = ctx;
	const struct cons_tx *tx = &me->tx;
	uint8_t pkh[20];
	int k;

	for (size_t i = 0; i < tx->n_in; i++) {
		struct cons_coin coin;
		if (!spent_coin(w->env, &tx->in[i].prevout, &coin) || (k = match(w->a, coin.pkh)) < 0)
			continue;
		json_array_append_new(w->out, json_pack("{s:s, s:o, s:I, s:I, s:I, s:o, s:I}",
			"address", w->a->text[k], "txid", rpc_hash(tx->txid), "index", (json_int_t)i,
			"satoshis", (json_int_t)-coin.value, "timestamp", (json_int_t)me->time,
			"prevtxid", rpc_hash(tx->in[i].prevout.txid), "prevout",
			(json_int_t)tx->in[i].prevout.n));
	}
	for (size_t o = 0; o < tx->n_out; o++) {
		if (!cons_script_is_p2pkh(tx->out[o].script, tx->out[o].script_len, pkh) ||
		    (k = match(w->a, pkh)) < 0)
			continue;
		json_array_append_new(w->out, json_pack("{s:s, s:o, s:I, s:I, s:I}", "address",
			w->a->text[k], "txid", rpc_hash(tx->txid), "index", (json_int_t)o, "satoshis",
			(json_int_t)tx->out[o].value, "timestamp", (json_int_t)me->time));
	}
}

static json_t *getaddressmempool(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	struct addrs a;
	struct mp_walk w = {env, &a, NULL};

	if (parse_addresses(env, params, &a, e) < 0)
		return NULL;
	w.out = json_array();
	if (!w.out)
		return rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
	node_mempool_foreach(env->mempool, on_pool_tx, &w);
	return w.out;
}

const struct rpc_method rpc_address_methods[] = {
	{"getaddressbalance", getaddressbalance, 1, 1},
	{"getaddressutxos", getaddressutxos, 1, 1},
	{"getaddresstxids", getaddresstxids, 1, 1},
	{"getaddressmempool", getaddressmempool, 1, 1},
	{NULL, NULL, 0, 0},
};
