/*
 * The RPC server's shared helpers: typed parameters with Bitcoin Core's
 * error codes and messages, and the JSON shapes of amounts, scripts,
 * transactions and headers that several methods return.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/base58.h"
#include "consensus/pow.h"
#include "consensus/script.h"
#include "consensus/uint256.h"
#include "node/rpc_internal.h"
#include "util/hex.h"

/* ---- parameters ---- */

static json_t *param(json_t *params, size_t i)
{
	json_t *v = json_array_get(params, i);

	return json_is_null(v) ? NULL : v;
}

int rpc_param_hash(json_t *params, size_t i, const char *name, uint8_t out[32], struct rpc_error *e)
{
	const char *s = json_string_value(param(params, i));

	if (!s) {
		rpc_fail(e, RPC_TYPE_ERROR, "%s must be a hex string", name);
		return -1;
	}
	if (strlen(s) != 64 || util_hex_decode_rev(out, 32, s) < 0) {
		rpc_fail(e, RPC_INVALID_PARAMETER, "%s must be of length 64 (not %zu, for '%.70s') "
			 "and hexadecimal", name, strlen(s), s);
		return -1;
	}
	return 0;
}

int rpc_param_int(json_t *params, size_t i, const char *name, int64_t def, int64_t *out,
		  struct rpc_error *e)
{
	json_t *v = param(params, i);

	if (!v) {
		*out = def;
		return 0;
	}
	if (!json_is_integer(v)) {
		rpc_fail(e, RPC_TYPE_ERROR, "%s must be an integer", name);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

int rpc_param_bool(json_t *params, size_t i, const char *name, bool def, bool *out,
		   struct rpc_error *e)
{
	json_t *v = param(params, i);

	if (!v) {
		*out = def;
		return 0;
	}
	/* bitcoind takes 0/1 where it once took a bool (getrawtransaction's verbose). */
	if (json_is_integer(v)) {
		*out = json_integer_value(v) != 0;
		return 0;
	}
	if (!json_is_boolean(v)) {
		rpc_fail(e, RPC_TYPE_ERROR, "%s must be a boolean", name);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

const char *rpc_param_str(json_t *params, size_t i, const char *name, struct rpc_error *e)
{
	const char *s = json_string_value(param(params, i));

	if (!s)
		rpc_fail(e, RPC_TYPE_ERROR, "%s must be a string", name);
	return s;
}

int rpc_param_address(const struct cons_params *p, json_t *params, size_t i, uint8_t pkh[20],
		      struct rpc_error *e)
{
	const char *s = rpc_param_str(params, i, "address", e);

	if (!s)
		return -1;
	if (cons_address_decode(pkh, p->addr_version, s) < 0) {
		rpc_fail(e, RPC_INVALID_ADDRESS_OR_KEY, "Invalid address '%.64s' for chain %s", s,
			 p->name);
		return -1;
	}
	return 0;
}

const struct node_blockidx *rpc_find_block(struct node_rpc_env *env, json_t *params, size_t i,
					    struct rpc_error *e)
{
	uint8_t hash[32];
	const struct node_blockidx *idx;

	if (rpc_param_hash(params, i, "blockhash", hash, e) < 0)
		return NULL;
	idx = node_chain_lookup(env->chain, hash);
	if (!idx)
		rpc_fail(e, RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
	return idx;
}

int rpc_flush(struct node_rpc_env *env, struct rpc_error *e)
{
	char err[256];

	if (node_chain_flush(env->chain, err, sizeof(err)) < 0) {
		rpc_fail(e, RPC_DATABASE_ERROR, "cannot flush chain state: %s", err);
		return -1;
	}
	return 0;
}

/* ---- values ---- */

json_t *rpc_hash(const uint8_t hash[32])
{
	char hex[65];

	util_hex_encode_rev(hex, hash, 32);
	return json_string(hex);
}

json_t *rpc_script_json(const struct cons_params *p, const uint8_t *script, size_t len)
{
	char *hex = malloc(2 * len + 1), addr[CONS_ADDRESS_MAX];
	uint8_t pkh[20];
	json_t *o;

	if (!hex)
		return NULL;
	util_hex_encode(hex, script, len);
	o = json_pack("{s:s}", "hex", hex);
	free(hex);
	if (o && cons_script_is_p2pkh(script, len, pkh)) {
		cons_address_encode(addr, p->addr_version, pkh);
		json_object_set_new(o, "address", json_string(addr));
		json_object_set_new(o, "type", json_string("pubkeyhash"));
	} else if (o) {
		json_object_set_new(o, "type", json_string("nonstandard"));
	}
	return o;
}

static json_t *vin_json(const struct cons_tx *tx, size_t i)
{
	const struct cons_txin *in = &tx->in[i];
	char *hex = malloc(2 * in->script_len + 1);
	json_t *o;

	if (!hex)
		return NULL;
	util_hex_encode(hex, in->script, in->script_len);
	if (cons_tx_is_coinbase(tx))
		o = json_pack("{s:s, s:I}", "coinbase", hex, "sequence", (json_int_t)in->sequence);
	else
		o = json_pack("{s:o, s:I, s:{s:s}, s:I}", "txid", rpc_hash(in->prevout.txid), "vout",
			      (json_int_t)in->prevout.n, "scriptSig", "hex", hex, "sequence",
			      (json_int_t)in->sequence);
	free(hex);
	return o;
}

json_t *rpc_tx_json(const struct cons_params *p, const struct cons_tx *tx)
{
	json_t *vin = json_array(), *vout = json_array(), *o;
	char *hex = rpc_tx_hex(tx);

	for (size_t i = 0; vin && i < tx->n_in; i++)
		json_array_append_new(vin, vin_json(tx, i));
	for (size_t i = 0; vout && i < tx->n_out; i++)
		json_array_append_new(vout, json_pack("{s:o, s:I, s:o}", "value",
			rpc_amount(tx->out[i].value), "n", (json_int_t)i, "scriptPubKey",
			rpc_script_json(p, tx->out[i].script, tx->out[i].script_len)));
	/* No witness data: vsize is the size and weight four times it. */
	o = json_pack("{s:o, s:o, s:i, s:I, s:I, s:I, s:I, s:o, s:o, s:s?}", "txid",
		      rpc_hash(tx->txid), "hash", rpc_hash(tx->txid), "version", tx->version,
		      "size", (json_int_t)tx->size, "vsize", (json_int_t)tx->size, "weight",
		      (json_int_t)(4 * tx->size), "locktime", (json_int_t)tx->locktime, "vin", vin,
		      "vout", vout, "hex", hex);
	free(hex);
	return o;
}

/* Median of the last 11 block times ending at idx. */
static int64_t idx_mtp(const struct node_blockidx *idx)
{
	int64_t t[11];
	int n = 0;

	for (; idx && n < 11; idx = idx->prev)
		t[n++] = idx->hdr.time;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
			int64_t x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	return n ? t[n / 2] : 0;
}

json_t *rpc_header_json(struct node_chain *c, const struct node_blockidx *idx)
{
	const struct node_blockidx *tip = node_chain_tip(c), *next;
	bool active = node_chain_is_active(c, idx);
	char work[65], bits[9], vhex[9], target[65];
	struct cons_u256 t;
	bool neg, over;
	json_t *o;

	cons_u256_set_compact(&t, idx->hdr.bits, &neg, &over);
	cons_u256_to_hex(target, &t);
	cons_u256_to_hex(work, &idx->work);
	snprintf(bits, sizeof(bits), "%08x", idx->hdr.bits);
	snprintf(vhex, sizeof(vhex), "%08x", (uint32_t)idx->hdr.version);
	o = json_pack("{s:o, s:I, s:I, s:i, s:s, s:o, s:I, s:I, s:I, s:s, s:s, s:f, s:s, s:I}",
		      "hash", rpc_hash(idx->hash), "confirmations",
		      (json_int_t)(active ? tip->height - idx->height + 1 : -1), "height",
		      (json_int_t)idx->height, "version", idx->hdr.version, "versionHex", vhex,
		      "merkleroot", rpc_hash(idx->hdr.merkle), "time", (json_int_t)idx->hdr.time,
		      "mediantime", (json_int_t)idx_mtp(idx), "nonce", (json_int_t)idx->hdr.nonce,
		      "bits", bits, "target", target, "difficulty", cons_difficulty(idx->hdr.bits), "chainwork", work,
		      "nTx", (json_int_t)idx->n_tx);
	if (o && idx->prev)
		json_object_set_new(o, "previousblockhash", rpc_hash(idx->prev->hash));
	next = active ? node_chain_at(c, idx->height + 1) : NULL;
	if (o && next)
		json_object_set_new(o, "nextblockhash", rpc_hash(next->hash));
	return o;
}

/* ---- hex ---- */

static char *writer_hex(struct cons_writer *w)
{
	char *hex = w->oom ? NULL : malloc(2 * w->len + 1);

	if (hex)
		util_hex_encode(hex, w->data, w->len);
	cons_writer_release(w);
	return hex;
}

char *rpc_tx_hex(const struct cons_tx *tx)
{
	struct cons_writer w;

	cons_writer_init(&w);
	cons_tx_write(&w, tx);
	return writer_hex(&w);
}

char *rpc_block_hex(const struct cons_block *b)
{
	struct cons_writer w;

	cons_writer_init(&w);
	cons_block_write(&w, b);
	return writer_hex(&w);
}

int rpc_decode_tx(const char *hex, struct cons_tx *tx, struct rpc_error *e)
{
	uint8_t *raw;
	size_t len;
	enum cons_read_err err;
	int rc;

	if (util_hex_decode_alloc(&raw, &len, hex) < 0) {
		rpc_fail(e, RPC_DESERIALIZATION_ERROR, "TX decode failed: not hex");
		return -1;
	}
	rc = cons_tx_parse(tx, &err, raw, len);
	free(raw);
	if (rc < 0) {
		rpc_fail(e, RPC_DESERIALIZATION_ERROR, "TX decode failed. Make sure the tx has at "
			 "least one input.");
		return -1;
	}
	return 0;
}

json_t *rpc_fail(struct rpc_error *e, int code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return NULL;
}

void rpc_text_put(struct rpc_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || t->len + (size_t)n + 1 > t->cap) {
		size_t cap = (t->len + (size_t)(n < 0 ? 0 : n) + 1) * 2;
		char *s = n < 0 ? NULL : realloc(t->s, cap);
		if (!s) {
			t->oom = true;
			return;
		}
		t->s = s;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}
