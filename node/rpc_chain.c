/*
 * Blockchain and mining RPC methods, as Bitcoin Core names them: chain
 * info, blocks and headers, chain tips, the coin set summary,
 * invalidate/reconsider, mining info, generatetoaddress and submitblock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <sys/stat.h>

#include "consensus/pow.h"
#include "consensus/uint256.h"
#include "node/rpc_internal.h"
#include "storage/chainstate.h"
#include "util/hex.h"

static const struct cons_params *params_of(struct node_rpc_env *env)
{
	return node_chain_params(env->chain);
}

static json_t *getblockcount(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	return json_integer(node_chain_tip(env->chain)->height);
}

static json_t *getbestblockhash(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	return rpc_hash(node_chain_tip(env->chain)->hash);
}

static json_t *getdifficulty(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	return json_real(cons_difficulty(node_chain_tip(env->chain)->hdr.bits));
}

static json_t *getblockhash(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	int64_t h;
	const struct node_blockidx *idx;

	if (rpc_param_int(params, 0, "height", 0, &h, e) < 0)
		return NULL;
	idx = node_chain_at(env->chain, h);
	if (!idx)
		return rpc_fail(e, RPC_INVALID_PARAMETER, "Block height out of range");
	return rpc_hash(idx->hash);
}

/* Bytes of the regular files under dir, down to depth more levels of subdirectories. */
static uint64_t dir_bytes(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	uint64_t sum = 0;

	if (!d)
		return 0;
	while ((ent = readdir(d)) != NULL) {
		char path[1024];
		struct stat st;

		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name) >= (int)sizeof(path) ||
		    lstat(path, &st) < 0)
			continue;
		if (S_ISREG(st.st_mode))
			sum += (uint64_t)st.st_size;
		else if (S_ISDIR(st.st_mode) && depth > 0)
			sum += dir_bytes(path, depth - 1);
	}
	closedir(d);
	return sum;
}

/*
 * What the chain takes on disk: every file in its directory (LevelDB's
 * tables and log, the node's own files). Without a directory, LevelDB's
 * estimate, which misses what is still in its log.
 */
static uint64_t size_on_disk(struct node_rpc_env *env)
{
	if (env->datadir)
		return dir_bytes(env->datadir, 2);
	return stor_chain_disk_size(node_chain_storage(env->chain));
}

/*
 * Blocks validated over headers known, as a fraction: Flint has no
 * checkpointed transaction counts to estimate by, as Bitcoin Core does.
 */
static double verification_progress(int64_t blocks, int64_t headers)
{
	return headers <= 0 || blocks >= headers ? 1.0 : (double)blocks / (double)headers;
}

static json_t *getblockchaininfo(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	const struct node_blockidx *tip = node_chain_tip(env->chain);
	const struct node_blockidx *best = node_chain_best_header(env->chain);
	json_t *o = rpc_header_json(env->chain, tip), *res;
	int64_t now = node_chain_now(env->chain);

	if (!o)
		return rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
	res = json_pack("{s:s, s:I, s:I, s:o, s:O, s:O, s:O, s:O, s:O, s:f, s:b, s:O, s:I, s:b, "
			"s:[]}",
			"chain", params_of(env)->name, "blocks", (json_int_t)tip->height,
			"headers", (json_int_t)best->height, "bestblockhash", rpc_hash(tip->hash),
			"bits", json_object_get(o, "bits"), "target", json_object_get(o, "target"),
			"difficulty", json_object_get(o, "difficulty"), "time",
			json_object_get(o, "time"), "mediantime", json_object_get(o, "mediantime"),
			"verificationprogress", verification_progress(tip->height, best->height),
			"initialblockdownload", (int)(tip->hdr.time + 24 * 3600 < now),
			"chainwork", json_object_get(o, "chainwork"), "size_on_disk",
			(json_int_t)size_on_disk(env), "pruned", 0, "warnings");
	json_decref(o);
	return res ? res : rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
}

static json_t *getblockheader(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	const struct node_blockidx *idx = rpc_find_block(env, params, 0, e);
	bool verbose;
	uint8_t raw[CONS_HEADER_SIZE];
	char hex[2 * CONS_HEADER_SIZE + 1];

	if (!idx || rpc_param_bool(params, 1, "verbose", true, &verbose, e) < 0)
		return NULL;
	if (verbose)
		return rpc_header_json(env->chain, idx);
	cons_header_serialize(raw, &idx->hdr);
	util_hex_encode(hex, raw, sizeof(raw));
	return json_string(hex);
}

/* The value of the output op spends: an earlier tx of b, or a confirmed one. 0, or -1. */
static int prevout_value(struct node_rpc_env *env, const struct cons_block *b, size_t before,
			 const struct cons_outpoint *op, int64_t *value)
{
	struct cons_tx prev;
	struct rpc_error e;
	int rc = -1;

	for (size_t i = 0; i < before; i++)
		if (memcmp(b->tx[i].txid, op->txid, 32) == 0) {
			if (op->n >= b->tx[i].n_out)
				return -1;
			*value = b->tx[i].out[op->n].value;
			return 0;
		}
	cons_tx_init(&prev);
	if (rpc_lookup_tx(env, op->txid, &prev, &e) == 0 && op->n < prev.n_out) {
		*value = prev.out[op->n].value;
		rc = 0;
	}
	cons_tx_release(&prev);
	return rc;
}

/* Transaction i's fee, as getblock verbosity 2 gives it; -1 for the coinbase or unknown. */
static int64_t tx_fee(struct node_rpc_env *env, const struct cons_block *b, size_t i)
{
	const struct cons_tx *tx = &b->tx[i];
	int64_t in = 0, out = 0, v;

	if (cons_tx_is_coinbase(tx))
		return -1;
	for (size_t k = 0; k < tx->n_in; k++) {
		if (prevout_value(env, b, i, &tx->in[k].prevout, &v) < 0)
			return -1;
		in += v;
	}
	for (size_t k = 0; k < tx->n_out; k++)
		out += tx->out[k].value;
	return in - out;
}

static json_t *block_tx_json(struct node_rpc_env *env, const struct cons_block *b, size_t i)
{
	json_t *o = rpc_tx_json(params_of(env), &b->tx[i]);
	int64_t fee = o ? tx_fee(env, b, i) : -1;

	if (fee >= 0)
		json_object_set_new(o, "fee", rpc_amount(fee));
	return o;
}

static json_t *block_verbose(struct node_rpc_env *env, const struct node_blockidx *idx,
			     const struct cons_block *b, int verbosity)
{
	json_t *o = rpc_header_json(env->chain, idx), *txs = json_array();

	for (size_t i = 0; txs && i < b->n_tx; i++)
		json_array_append_new(txs, verbosity >= 2 ? block_tx_json(env, b, i)
						      : rpc_hash(b->tx[i].txid));
	if (!o || !txs) {
		json_decref(o);
		json_decref(txs);
		return NULL;
	}
	/* No witness data: stripped size is the size, weight four times it. */
	json_object_set_new(o, "size", json_integer((json_int_t)b->size));
	json_object_set_new(o, "strippedsize", json_integer((json_int_t)b->size));
	json_object_set_new(o, "weight", json_integer((json_int_t)(4 * b->size)));
	json_object_set_new(o, "tx", txs);
	return o;
}

static json_t *getblock(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	const struct node_blockidx *idx = rpc_find_block(env, params, 0, e);
	struct cons_block b;
	int64_t verbosity;
	json_t *res;

	/* Bitcoin Core still takes a boolean here: true is 1, false is 0. */
	if (json_is_boolean(json_array_get(params, 1)))
		verbosity = json_is_true(json_array_get(params, 1));
	else if (rpc_param_int(params, 1, "verbosity", 1, &verbosity, e) < 0)
		return NULL;
	if (!idx)
		return NULL;
	if (!(idx->status & STOR_HAVE_DATA))
		return rpc_fail(e, RPC_MISC_ERROR, "Block not available (not fully downloaded)");
	cons_block_init(&b);
	if (node_chain_read_block(env->chain, idx, &b) != 1)
		return rpc_fail(e, RPC_DATABASE_ERROR, "Block not found on disk");
	if (verbosity <= 0) {
		char *hex = rpc_block_hex(&b);
		res = hex ? json_string(hex) : NULL;
		free(hex);
	} else {
		res = block_verbose(env, idx, &b, (int)verbosity);
	}
	cons_block_release(&b);
	return res ? res : rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
}

/* ---- chain tips ---- */

struct tips {
	const struct node_blockidx **all;
	size_t n, cap;
	bool oom;
};

static void collect(void *ctx, const struct node_blockidx *idx)
{
	struct tips *t = ctx;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 1024;
		const struct node_blockidx **all = realloc(t->all, cap * sizeof(*all));
		if (!all) {
			t->oom = true;
			return;
		}
		t->all = all;
		t->cap = cap;
	}
	t->all[t->n++] = idx;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(const void *const *)a, y = (uintptr_t)*(const void *const *)b;

	return x < y ? -1 : x > y;
}

static const char *tip_status(struct node_chain *c, const struct node_blockidx *idx)
{
	if (idx == node_chain_tip(c))
		return "active";
	if (idx->status & (STOR_FAILED | STOR_FAILED_CHILD))
		return "invalid";
	if (!idx->linked)
		return "headers-only";
	return idx->status & STOR_VALID ? "valid-fork" : "valid-headers";
}

static json_t *tip_json(struct node_chain *c, const struct node_blockidx *idx)
{
	const struct node_blockidx *fork = idx;

	while (fork && !node_chain_is_active(c, fork))
		fork = fork->prev;
	return json_pack("{s:I, s:o, s:I, s:s}", "height", (json_int_t)idx->height, "hash",
			 rpc_hash(idx->hash), "branchlen",
			 (json_int_t)(idx->height - (fork ? fork->height : 0)), "status",
			 tip_status(c, idx));
}

static json_t *getchaintips(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	struct tips t = {0};
	bool *has_child;
	json_t *out = json_array();

	node_chain_foreach(env->chain, collect, &t);
	has_child = calloc(t.n ? t.n : 1, sizeof(*has_child));
	if (t.oom || !has_child || !out) {
		free(t.all);
		free(has_child);
		json_decref(out);
		return rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
	}
	/* A tip is an entry no other entry names as its parent. */
	qsort(t.all, t.n, sizeof(*t.all), cmp_ptr);
	for (size_t i = 0; i < t.n; i++) {
		const struct node_blockidx **p = t.all[i]->prev ?
			bsearch(&t.all[i]->prev, t.all, t.n, sizeof(*t.all), cmp_ptr) : NULL;
		if (p)
			has_child[p - t.all] = true;
	}
	/* The active tip first, as bitcoind lists it; then the rest by height. */
	json_array_append_new(out, tip_json(env->chain, node_chain_tip(env->chain)));
	for (size_t i = 0; i < t.n; i++)
		if (!has_child[i] && t.all[i] != node_chain_tip(env->chain))
			json_array_append_new(out, tip_json(env->chain, t.all[i]));
	free(t.all);
	free(has_child);
	return out;
}

/* ---- state ---- */

static json_t *gettxoutsetinfo(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	const struct node_blockidx *tip = node_chain_tip(env->chain);
	uint8_t hash[32];
	uint64_t count;
	int64_t total;
	char err[256], hex[65];

	if (rpc_flush(env, e) < 0)
		return NULL;
	if (stor_utxo_stats(node_chain_storage(env->chain), hash, &count, &total, err,
			    sizeof(err)) < 0)
		return rpc_fail(e, RPC_DATABASE_ERROR, "%s", err);
	util_hex_encode(hex, hash, 32);
	return json_pack("{s:I, s:o, s:I, s:s, s:o}", "height", (json_int_t)tip->height,
			 "bestblock", rpc_hash(tip->hash), "txouts", (json_int_t)count,
			 "hash_serialized", hex, "total_amount", rpc_amount(total));
}

static json_t *invalidateblock(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	const struct node_blockidx *idx = rpc_find_block(env, params, 0, e);
	char err[256];

	if (!idx)
		return NULL;
	if (node_chain_invalidate(env->chain, idx->hash, err, sizeof(err)) < 0)
		return rpc_fail(e, RPC_DATABASE_ERROR, "%s", err);
	return json_null();
}

static json_t *reconsiderblock(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	const struct node_blockidx *idx = rpc_find_block(env, params, 0, e);
	char err[256];

	if (!idx)
		return NULL;
	if (node_chain_reconsider(env->chain, idx->hash, err, sizeof(err)) < 0)
		return rpc_fail(e, RPC_DATABASE_ERROR, "%s", err);
	return json_null();
}

/* ---- mining ---- */

/* Hashes per second over the chain's last n blocks, as bitcoind's getnetworkhashps. */
static double network_hashps(struct node_chain *c, int n)
{
	const struct node_blockidx *tip = node_chain_tip(c), *old;
	struct cons_u256 diff;

	if (tip->height == 0)
		return 0;
	old = node_blockidx_ancestor(tip, tip->height > n ? tip->height - n : 0);
	if (tip->hdr.time <= old->hdr.time)
		return 0;
	cons_u256_sub(&diff, &tip->work, &old->work);
	return cons_u256_to_double(&diff) / (double)(tip->hdr.time - old->hdr.time);
}

static json_t *getmininginfo(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	const struct node_blockidx *tip = node_chain_tip(env->chain);

	return json_pack("{s:I, s:f, s:f, s:f, s:I, s:s, s:b}", "blocks", (json_int_t)tip->height,
			 "difficulty", cons_difficulty(tip->hdr.bits), "networkhashps",
			 network_hashps(env->chain, 120), "hashespersec", env->miner ? node_miner_hashrate(env->miner) : 0,
			 "pooledtx", (json_int_t)node_mempool_count(env->mempool), "chain",
			 params_of(env)->name, "generate", env->miner != NULL);
}

/* Searches nonces for b, up to *tries; true if solved. */
static bool solve(const struct cons_params *p, struct cons_block *b, int64_t *tries)
{
	uint64_t budget = (uint64_t)*tries;
	/* false when exhausted too: a new template gets a new extra nonce */
	bool solved = cons_pow_search(p, &b->hdr, b->hash, true, &budget);

	*tries = (int64_t)budget;
	return solved;
}

static json_t *mine_one(struct node_rpc_env *env, const uint8_t pkh[20], int64_t *tries,
			struct rpc_error *e)
{
	struct cons_block b;
	struct cons_state st;
	uint8_t hash[32];

	do {
		cons_block_init(&b);
		if (node_block_template(&b, env->chain, env->mempool, pkh, ++env->extra_nonce) < 0)
			return rpc_fail(e, RPC_INTERNAL_ERROR, "cannot build a block template");
		if (solve(params_of(env), &b, tries))
			break;
		cons_block_release(&b);
		if (*tries <= 0)
			return json_null();
	} while (1);
	memcpy(hash, b.hash, 32);
	cons_state_init(&st);
	if (node_chain_accept_block(env->chain, &b, NULL, &st) != CONS_VALID)
		return rpc_fail(e, RPC_INTERNAL_ERROR, "ProcessNewBlock, block not accepted: %s %s",
				cons_reject_reason(st.code), st.detail);
	return rpc_hash(hash);
}

static json_t *generatetoaddress(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	int64_t n, tries;
	uint8_t pkh[20];
	json_t *out;

	if (rpc_param_int(params, 0, "nblocks", 0, &n, e) < 0 ||
	    rpc_param_address(params_of(env), params, 1, pkh, e) < 0 ||
	    rpc_param_int(params, 2, "maxtries", 1000000, &tries, e) < 0)
		return NULL;
	if (n < 0 || n > 10000 || tries < 0)
		return rpc_fail(e, RPC_INVALID_PARAMETER, "nblocks must be 0..10000, maxtries >= 0");
	out = json_array();
	for (int64_t i = 0; out && i < n; i++) {
		json_t *h = mine_one(env, pkh, &tries, e);
		if (!h) {
			json_decref(out);
			return NULL;
		}
		if (json_is_null(h))
			break;               /* maxtries spent, as bitcoind: return what we have */
		json_array_append_new(out, h);
	}
	return out ? out : rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
}

static json_t *submitblock(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	const char *hex = rpc_param_str(params, 0, "hexdata", e);
	struct node_accept_info info = {0};
	struct cons_block b;
	struct cons_state st;
	enum cons_read_err rerr;
	uint8_t *raw;
	size_t len;
	int rc;

	if (!hex)
		return NULL;
	if (util_hex_decode_alloc(&raw, &len, hex) < 0)
		return rpc_fail(e, RPC_DESERIALIZATION_ERROR, "Block decode failed");
	cons_block_init(&b);
	rc = cons_block_parse(&b, &rerr, raw, len);
	free(raw);
	if (rc < 0)
		return rpc_fail(e, RPC_DESERIALIZATION_ERROR, "Block decode failed");
	cons_state_init(&st);
	if (node_chain_accept_block(env->chain, &b, &info, &st) != CONS_VALID)
		return json_string(st.code == CONS_REJ_PREV_MISSING ? "prev-blk-not-found" :
				   cons_reject_reason(st.code));
	if (info.duplicate)
		return json_string("duplicate");
	return info.new_tip ? json_null() : json_string("inconclusive");
}

const struct rpc_method rpc_chain_methods[] = {
	{"getblockchaininfo", getblockchaininfo, 0, 0},
	{"getblockcount", getblockcount, 0, 0},
	{"getbestblockhash", getbestblockhash, 0, 0},
	{"getblockhash", getblockhash, 1, 1},
	{"getdifficulty", getdifficulty, 0, 0},
	{"getblock", getblock, 1, 2},
	{"getblockheader", getblockheader, 1, 2},
	{"getchaintips", getchaintips, 0, 0},
	{"gettxoutsetinfo", gettxoutsetinfo, 0, 1},
	{"invalidateblock", invalidateblock, 1, 1},
	{"reconsiderblock", reconsiderblock, 1, 1},
	{"getmininginfo", getmininginfo, 0, 0},
	{"generatetoaddress", generatetoaddress, 2, 3},
	{"submitblock", submitblock, 1, 2},
	{NULL, NULL, 0, 0},
};
