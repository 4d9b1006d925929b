/*
 * Transaction, mempool and address-index RPC methods: getrawtransaction
 * (mempool, then the tx index), decode/send, gettxout, the mempool's
 * views, a fee estimate from the mempool's backlog, and the address-index
 * fork's getaddress* methods over storage's address indexes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/base58.h"
#include "consensus/script.h"
#include "node/rpc_internal.h"
#include "storage/chainstate.h"
#include "util/hex.h"

static const struct cons_params *params_of(struct node_rpc_env *env)
{
	return node_chain_params(env->chain);
}

/* ---- getrawtransaction ---- */

/* How many active blocks above a side branch's fork are read to find a conflicting tx. */
#define RPC_CONFLICT_SCAN 1000

/* Finds txid in block idx; 1 found (tx filled), 0 not there, -1 error. */
static int tx_in_block(struct node_rpc_env *env, const struct node_blockidx *idx,
		       const uint8_t txid[32], struct cons_tx *tx)
{
	struct cons_block b;
	int rc = 0;

	cons_block_init(&b);
	if (node_chain_read_block(env->chain, idx, &b) != 1)
		return -1;
	for (size_t i = 0; i < b.n_tx && rc == 0; i++)
		if (memcmp(b.tx[i].txid, txid, 32) == 0)
			rc = cons_tx_copy(tx, &b.tx[i]) == 0 ? 1 : -1;
	cons_block_release(&b);
	return rc;
}

/*
 * A tx of a disconnected block, through the stale index (storage/chainstate.h):
 * *idx is its block if that is stored and still off the active chain (NULL if
 * not), *time when it was disconnected. 0, or -1 with e set.
 */
static int find_stale(struct node_rpc_env *env, const uint8_t txid[32],
		      const struct node_blockidx **idx, int64_t *time, struct rpc_error *e)
{
	uint8_t block[32];
	char err[256];
	int rc = stor_stale_get(node_chain_storage(env->chain), txid, block, time, err,
				sizeof(err));

	*idx = NULL;
	if (rc < 0) {
		rpc_fail(e, RPC_DATABASE_ERROR, "%s", err);
		return -1;
	}
	if (rc == 1)
		*idx = node_chain_lookup(env->chain, block);
	if (*idx && node_chain_is_active(env->chain, *idx))
		*idx = NULL;
	return 0;
}

/* Locates a confirmed tx through the index (or in the given block), else a stale one. */
static const struct node_blockidx *find_confirmed(struct node_rpc_env *env, json_t *params,
						  const uint8_t txid[32], struct cons_tx *tx,
						  int64_t *stale_time, struct rpc_error *e)
{
	const struct node_blockidx *idx;
	uint8_t block[32];
	uint32_t pos;
	char err[256];
	int rc;

	if (json_array_size(params) > 2 && !json_is_null(json_array_get(params, 2))) {
		idx = rpc_find_block(env, params, 2, e);
	} else {
		if (rpc_flush(env, e) < 0)
			return NULL;
		rc = stor_tx_locate(node_chain_storage(env->chain), txid, block, &pos, err,
				    sizeof(err));
		if (rc < 0) {
			rpc_fail(e, RPC_DATABASE_ERROR, "%s", err);
			return NULL;
		}
		idx = rc ? node_chain_lookup(env->chain, block) : NULL;
		if (!idx && find_stale(env, txid, &idx, stale_time, e) < 0)
			return NULL;
		if (!idx)
			rpc_fail(e, RPC_INVALID_ADDRESS_OR_KEY, "No such mempool or blockchain transaction");
	}
	if (!idx)
		return NULL;
	rc = tx_in_block(env, idx, txid, tx);
	if (rc <= 0) {
		rpc_fail(e, RPC_INVALID_ADDRESS_OR_KEY, rc < 0 ? "Block not available" :
			 "No such transaction found in the provided block");
		return NULL;
	}
	return idx;
}

int rpc_lookup_tx(struct node_rpc_env *env, const uint8_t txid[32], struct cons_tx *tx,
		  struct rpc_error *e)
{
	json_t *none = json_array();
	int64_t stale = -1;
	const struct node_blockidx *idx = none ? find_confirmed(env, none, txid, tx, &stale, e) :
		NULL;

	json_decref(none);
	return idx && stale < 0 ? 0 : -1;
}

static bool same_outpoint(const struct cons_outpoint *a, const struct cons_outpoint *b)
{
	return a->n == b->n && memcmp(a->txid, b->txid, 32) == 0;
}

/* The active block above fork (a block of the active chain) whose tx spends op: its tx's txid. */
static const struct node_blockidx *find_spender(struct node_rpc_env *env,
						const struct node_blockidx *fork,
						const struct cons_outpoint *op, uint8_t spender[32])
{
	const struct node_blockidx *tip = node_chain_tip(env->chain);
	int64_t from = fork ? fork->height + 1 : 0;

	if (tip->height - from >= RPC_CONFLICT_SCAN)
		from = tip->height - RPC_CONFLICT_SCAN + 1;
	for (int64_t h = from; h <= tip->height; h++) {
		const struct node_blockidx *at = node_chain_at(env->chain, h);
		struct cons_block b;
		bool hit = false;
		cons_block_init(&b);
		if (!at || node_chain_read_block(env->chain, at, &b) != 1) {
			cons_block_release(&b);
			continue;
		}
		for (size_t i = 1; i < b.n_tx && !hit; i++)
			for (uint32_t j = 0; j < b.tx[i].n_in && !hit; j++)
				if (same_outpoint(&b.tx[i].in[j].prevout, op)) {
					memcpy(spender, b.tx[i].txid, 32);
					hit = true;
				}
		cons_block_release(&b);
		if (hit)
			return at;
	}
	return NULL;
}

/*
 * What a tx of the side-branch block idx has become: its inputs that a tx of
 * the active chain spends, each with that tx and its block.
 */
static json_t *conflicts_json(struct node_rpc_env *env, const struct cons_tx *tx,
			      const struct node_blockidx *idx)
{
	const struct node_blockidx *fork = idx, *tip = node_chain_tip(env->chain);
	json_t *list = json_array();

	while (fork && !node_chain_is_active(env->chain, fork))
		fork = fork->prev;
	for (uint32_t j = 0; list && j < tx->n_in && !cons_tx_is_coinbase(tx); j++) {
		const struct cons_outpoint *op = &tx->in[j].prevout;
		const struct node_blockidx *at;
		struct cons_coin coin;
		uint8_t spender[32];
		if (stor_coin_get(node_chain_storage(env->chain), op, &coin) != 0)
			continue;       /* still unspent (or unreadable): no conflict to show */
		at = find_spender(env, fork, op, spender);
		if (!at)
			continue;
		json_array_append_new(list, json_pack("{s:i, s:o, s:o, s:I, s:I}", "vin", (int)j,
			"txid", rpc_hash(spender), "blockhash", rpc_hash(at->hash), "height",
			(json_int_t)at->height, "confirmations",
			(json_int_t)(tip->height - at->height + 1)));
	}
	return list;
}

static json_t *tx_reply(struct node_rpc_env *env, const struct cons_tx *tx,
			const struct node_blockidx *idx, bool verbose, bool given,
			int64_t stale_time)
{
	json_t *o;

	if (!verbose) {
		char *hex = rpc_tx_hex(tx);
		o = hex ? json_string(hex) : NULL;
		free(hex);
		return o;
	}
	o = rpc_tx_json(params_of(env), tx);
	if (o && idx) {
		bool active = node_chain_is_active(env->chain, idx);
		int64_t conf = active ? node_chain_tip(env->chain)->height - idx->height + 1 : 0;
		if (given || !active)
			json_object_set_new(o, "in_active_chain", json_boolean(active));
		json_object_set_new(o, "blockhash", rpc_hash(idx->hash));
		json_object_set_new(o, "confirmations", json_integer(conf));
		json_object_set_new(o, "time", json_integer(idx->hdr.time));
		json_object_set_new(o, "blocktime", json_integer(idx->hdr.time));
		json_object_set_new(o, "height", json_integer(idx->height));
		if (stale_time >= 0)
			json_object_set_new(o, "disconnected_time", json_integer(stale_time));
		if (!active)
			json_object_set_new(o, "conflicts", conflicts_json(env, tx, idx));
	}
	return o;
}

static json_t *getrawtransaction(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	uint8_t txid[32];
	bool verbose, given = json_array_size(params) > 2 &&
		!json_is_null(json_array_get(params, 2));
	const struct node_mempool_entry *me;
	const struct node_blockidx *idx;
	int64_t stale = -1;
	struct cons_tx tx;
	json_t *res;

	if (rpc_param_hash(params, 0, "txid", txid, e) < 0 ||
	    rpc_param_bool(params, 1, "verbose", false, &verbose, e) < 0)
		return NULL;
	me = given ? NULL : node_mempool_get(env->mempool, txid);
	if (me) {
		res = tx_reply(env, &me->tx, NULL, verbose, false, -1);
	} else {
		cons_tx_init(&tx);
		idx = find_confirmed(env, params, txid, &tx, &stale, e);
		if (!idx)
			return NULL;
		res = tx_reply(env, &tx, idx, verbose, given, stale);
		cons_tx_release(&tx);
	}
	return res ? res : rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
}

static json_t *decoderawtransaction(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	const char *hex = rpc_param_str(params, 0, "hexstring", e);
	struct cons_tx tx;
	json_t *o;

	cons_tx_init(&tx);
	if (!hex || rpc_decode_tx(hex, &tx, e) < 0)
		return NULL;
	o = rpc_tx_json(params_of(env), &tx);
	cons_tx_release(&tx);
	if (o)
		json_object_del(o, "hex");
	return o ? o : rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
}

/* True if some output of tx is still unspent on the chain: it is confirmed. */
static bool in_chain(struct node_rpc_env *env, const struct cons_tx *tx)
{
	for (uint32_t n = 0; n < tx->n_out; n++) {
		struct cons_outpoint op;
		struct cons_coin coin;
		memcpy(op.txid, tx->txid, 32);
		op.n = n;
		if (stor_coin_get(node_chain_storage(env->chain), &op, &coin) == 1)
			return true;
	}
	return false;
}

static json_t *send_verdict(const struct cons_tx *tx, enum cons_verdict v,
			    const struct cons_state *st, struct rpc_error *e)
{
	if (v == CONS_VALID)
		return rpc_hash(tx->txid);
	if (v == CONS_ERROR)
		return rpc_fail(e, RPC_INTERNAL_ERROR, "%s", st->detail);
	if (st->code == CONS_REJ_TX_MISSING_INPUTS)
		return rpc_fail(e, RPC_VERIFY_ERROR, "bad-txns-inputs-missingorspent");
	if (st->code == CONS_REJ_NONE)
		return rpc_fail(e, RPC_VERIFY_REJECTED, "%s", st->detail);
	return rpc_fail(e, RPC_VERIFY_REJECTED, "%s%s%s%s", cons_reject_reason(st->code),
			st->detail[0] ? " (" : "", st->detail, st->detail[0] ? ")" : "");
}

static json_t *sendrawtransaction(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	const char *hex = rpc_param_str(params, 0, "hexstring", e);
	struct cons_tx tx;
	struct cons_state st;
	enum cons_verdict v;
	json_t *res;

	cons_tx_init(&tx);
	if (!hex || rpc_decode_tx(hex, &tx, e) < 0)
		return NULL;
	if (node_mempool_get(env->mempool, tx.txid)) {
		res = rpc_hash(tx.txid);         /* already there: bitcoind answers the txid */
	} else if (in_chain(env, &tx)) {
		res = rpc_fail(e, RPC_VERIFY_ALREADY_IN_CHAIN, "Transaction already in block chain");
	} else {
		cons_state_init(&st);
		v = node_relay_accept(env->relay, &tx, &st);
		res = send_verdict(&tx, v, &st, e);
	}
	cons_tx_release(&tx);
	return res;
}

static json_t *coin_json(struct node_rpc_env *env, const struct cons_coin *coin, int64_t conf)
{
	uint8_t script[CONS_P2PKH_SCRIPT_SIZE];

	cons_script_p2pkh(script, coin->pkh);
	return json_pack("{s:o, s:I, s:o, s:o, s:b}", "bestblock",
			 rpc_hash(node_chain_tip(env->chain)->hash), "confirmations",
			 (json_int_t)conf, "value", rpc_amount(coin->value), "scriptPubKey",
			 rpc_script_json(params_of(env), script, sizeof(script)), "coinbase",
			 coin->coinbase);
}

static json_t *gettxout(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	struct cons_outpoint op;
	struct cons_coin coin;
	const struct node_mempool_entry *me;
	int64_t n;
	bool mempool;

	if (rpc_param_hash(params, 0, "txid", op.txid, e) < 0 ||
	    rpc_param_int(params, 1, "n", 0, &n, e) < 0 ||
	    rpc_param_bool(params, 2, "include_mempool", true, &mempool, e) < 0)
		return NULL;
	if (n < 0 || n > UINT32_MAX)
		return rpc_fail(e, RPC_INVALID_PARAMETER, "vout cannot be negative");
	op.n = (uint32_t)n;
	if (mempool && node_mempool_spends(env->mempool, &op))
		return json_null();
	me = mempool ? node_mempool_get(env->mempool, op.txid) : NULL;
	if (me && op.n < me->tx.n_out) {
		uint8_t pkh[20];
		const struct cons_txout *out = &me->tx.out[op.n];
		if (!cons_script_is_p2pkh(out->script, out->script_len, pkh))
			return json_null();
		coin = (struct cons_coin){.value = out->value, .coinbase = false};
		memcpy(coin.pkh, pkh, 20);
		return coin_json(env, &coin, 0);
	}
	if (stor_coin_get(node_chain_storage(env->chain), &op, &coin) != 1)
		return json_null();
	return coin_json(env, &coin, node_chain_tip(env->chain)->height - coin.height + 1);
}

/* ---- mempool ---- */

/* "usage" is the memory the pool takes, which "maxmempool" bounds (Core's meaning). */
static json_t *getmempoolinfo(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	size_t bytes = node_mempool_bytes(env->mempool);

	return json_pack("{s:b, s:I, s:I, s:I, s:I, s:o, s:o}", "loaded", 1, "size",
			 (json_int_t)node_mempool_count(env->mempool), "bytes", (json_int_t)bytes,
			 "usage", (json_int_t)node_mempool_usage(env->mempool), "maxmempool", (json_int_t)env->max_mempool,
			 "mempoolminfee", rpc_amount(env->min_relay_fee), "minrelaytxfee",
			 rpc_amount(env->min_relay_fee));
}

static void walk_entry(void *ctx, const struct node_mempool_entry *me)
{
	char hex[65];

	util_hex_encode_rev(hex, me->tx.txid, 32);
	json_array_append_new(ctx, json_string(hex));
}

static json_t *getrawmempool(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	bool verbose;
	json_t *out;

	if (rpc_param_bool(params, 0, "verbose", false, &verbose, e) < 0)
		return NULL;
	if (verbose)
		return rpc_mempool_verbose(env, e);
	out = json_array();
	if (!out)
		return rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
	node_mempool_foreach(env->mempool, walk_entry, out);
	return out;
}

struct rates {
	struct { int64_t per_kb; size_t size; } *v;
	size_t n;
};

static void collect_rate(void *ctx, const struct node_mempool_entry *me)
{
	struct rates *r = ctx;

	r->v[r->n].per_kb = me->fee * 1000 / (int64_t)(me->tx.size ? me->tx.size : 1);
	r->v[r->n++].size = me->tx.size;
}

static int by_rate_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * The fee rate that gets into one of the next conf_target blocks if the
 * mempool's backlog were mined by fee rate: the rate at the point where
 * that many blocks fill up, or the relay floor when they would not fill.
 */
static json_t *estimatesmartfee(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	struct rates r = {0};
	int64_t target, rate = env->min_relay_fee;
	size_t room, used = 0;

	if (rpc_param_int(params, 0, "conf_target", 0, &target, e) < 0)
		return NULL;
	if (target < 1 || target > 1008)
		return rpc_fail(e, RPC_INVALID_PARAMETER, "Invalid conf_target, must be between 1 "
				"and 1008");
	r.v = malloc((node_mempool_count(env->mempool) + 1) * sizeof(*r.v));
	if (!r.v)
		return rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
	node_mempool_foreach(env->mempool, collect_rate, &r);
	qsort(r.v, r.n, sizeof(*r.v), by_rate_desc);
	room = (size_t)target * params_of(env)->max_block_size;
	for (size_t i = 0; i < r.n; i++) {
		used += r.v[i].size;
		if (used > room) {
			if (r.v[i].per_kb + 1 > rate)
				rate = r.v[i].per_kb + 1;
			break;
		}
	}
	free(r.v);
	return json_pack("{s:o, s:I}", "feerate", rpc_amount(rate), "blocks",
			 (json_int_t)target);
}

const struct rpc_method rpc_tx_methods[] = {
	{"getrawtransaction", getrawtransaction, 1, 3},
	{"decoderawtransaction", decoderawtransaction, 1, 1},
	{"sendrawtransaction", sendrawtransaction, 1, 2},
	{"gettxout", gettxout, 2, 3},
	{"getmempoolinfo", getmempoolinfo, 0, 0},
	{"getrawmempool", getrawmempool, 0, 1},
	{"estimatesmartfee", estimatesmartfee, 1, 2},
	{NULL, NULL, 0, 0},
};
