/*
 * Tests for the RPC methods (node/rpc*.c) through node_rpc_handle, the
 * function the HTTP handler calls after authentication: every method's
 * happy path and its Bitcoin Core error codes, on a real regtest chain in
 * a temporary LevelDB directory. The HTTP side (auth, limits) is tested by
 * tests/integration/test_rpc.sh against a running flintd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <secp256k1.h>

#include "consensus/base58.h"
#include "node/rpc.h"
#include "node/rpc_internal.h"
#include "tests/support/builder.h"
#include "util/hex.h"

struct fx {
	char dir[64];
	const struct cons_params *p;
	secp256k1_context *secp;
	struct node_chain *c;
	struct node_mempool *mp;
	struct node_relay relay;
	struct node_rpc_env env;
	struct tb_key key;
	char addr[CONS_ADDRESS_MAX];
	int64_t offset;
	bool stopped;
};

static void fx_stop(void *ctx)
{
	((struct fx *)ctx)->stopped = true;
}

static void fx_set_offset(void *ctx, int64_t off)
{
	struct fx *f = ctx;

	f->offset = off;
	node_chain_set_time_offset(f->c, off);
}

static void fx_connected(void *ctx, const struct cons_block *b, const struct node_blockidx *idx)
{
	node_mempool_remove_block(((struct fx *)ctx)->mp, b);
}

static int64_t fx_offset(void *ctx)
{
	return ((struct fx *)ctx)->offset;
}

/* Sends body; returns the parsed reply and the HTTP status. */
static json_t *send_body(struct fx *f, const char *body, int *status)
{
	char *text = node_rpc_handle(&f->env, body, strlen(body), status);
	json_t *doc;

	assert_non_null(text);
	doc = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(doc);
	return doc;
}

/* Calls method with params (JSON text); returns the reply object. */
static json_t *call(struct fx *f, const char *method, const char *params)
{
	char body[4096];
	int status;

	snprintf(body, sizeof(body), "{\"id\":7,\"method\":\"%s\",\"params\":%s}", method,
		 params ? params : "[]");
	return send_body(f, body, &status);
}

/* The result of a call that must succeed (a new reference). */
static json_t *ok(struct fx *f, const char *method, const char *params)
{
	json_t *r = call(f, method, params), *res;

	if (!json_is_null(json_object_get(r, "error")))
		fail_msg("%s failed: %s", method,
			 json_string_value(json_object_get(json_object_get(r, "error"), "message")));
	res = json_incref(json_object_get(r, "result"));
	json_decref(r);
	return res;
}

/* The error code of a call that must fail. */
static int err_code(struct fx *f, const char *method, const char *params)
{
	json_t *r = call(f, method, params);
	json_t *e = json_object_get(r, "error");
	int code;

	assert_true(json_is_object(e));
	assert_true(json_is_null(json_object_get(r, "result")));
	code = (int)json_integer_value(json_object_get(e, "code"));
	json_decref(r);
	return code;
}

static int64_t ok_int(struct fx *f, const char *method, const char *params)
{
	json_t *r = ok(f, method, params);
	int64_t v;

	assert_true(json_is_integer(r));
	v = json_integer_value(r);
	json_decref(r);
	return v;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct node_chain_options o;
	char err[256], params[128];
	json_t *r;

	strcpy(f->dir, "/tmp/flint-test-rpc-XXXXXX");
	if (!f || !mkdtemp(f->dir))
		return -1;
	f->p = cons_params_by_name("regtest");
	f->secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	tb_key(f->secp, &f->key, 3);
	cons_address_encode(f->addr, f->p->addr_version, f->key.pkh);
	struct node_chain_events ev = {.ctx = f, .connected = fx_connected};

	node_chain_options_default(&o);
	f->mp = node_mempool_new(f->p, 1000000, 1000);
	if (node_chain_open(&f->c, f->dir, f->p, &o, NULL, &ev, err, sizeof(err)) < 0)
		return -1;
	f->relay = (struct node_relay){.chain = f->c, .mempool = f->mp, .secp = f->secp};
	f->env = (struct node_rpc_env){.chain = f->c, .mempool = f->mp, .relay = &f->relay,
				       .started = 1, .max_mempool = 1000000, .min_relay_fee = 1000,
				       .stop = fx_stop, .set_time_offset = fx_set_offset,
				       .time_offset = fx_offset, .ctx = f, .datadir = f->dir};
	*state = f;
	/* 101 blocks to our key: block 1's coinbase is mature at the next height. */
	snprintf(params, sizeof(params), "[101, \"%s\"]", f->addr);
	r = ok(f, "generatetoaddress", params);
	if (json_array_size(r) != 101)
		return -1;
	json_decref(r);
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	node_relay_release(&f->relay);
	node_mempool_free(f->mp);
	node_chain_close(f->c);
	secp256k1_context_destroy(f->secp);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* A spend of the coinbase of block `height`, as hex, paying `value` back to us. */
static char *spend_hex(struct fx *f, int64_t height, int64_t value, char txid[65])
{
	const struct node_blockidx *idx = node_chain_at(f->c, height);
	struct cons_block b;
	struct cons_outpoint op;
	struct cons_tx tx;
	struct cons_writer w;
	char *hex;

	cons_block_init(&b);
	assert_int_equal(node_chain_read_block(f->c, idx, &b), 1);
	memcpy(op.txid, b.tx[0].txid, 32);
	op.n = 0;
	cons_block_release(&b);
	tb_spend(f->secp, &tx, &op, &f->key, value, f->key.pkh);
	util_hex_encode_rev(txid, tx.txid, 32);
	cons_writer_init(&w);
	cons_tx_write(&w, &tx);
	hex = malloc(2 * w.len + 1);
	util_hex_encode(hex, w.data, w.len);
	cons_writer_release(&w);
	cons_tx_release(&tx);
	return hex;
}

/* ---- protocol ---- */

static void test_rpc_protocol_errors(void **state)
{
	struct fx *f = *state;
	int status;
	json_t *r;

	r = send_body(f, "{not json", &status);
	assert_int_equal(status, 500);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
			 -32700);
	json_decref(r);
	r = send_body(f, "{\"id\":1,\"method\":5}", &status);
	assert_int_equal(status, 400);
	json_decref(r);
	r = send_body(f, "{\"id\":1,\"method\":\"nosuchmethod\"}", &status);
	assert_int_equal(status, 404);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
			 -32601);
	json_decref(r);
	r = send_body(f, "\"just a string\"", &status);
	assert_int_equal(status, 500);
	json_decref(r);
	assert_int_equal(err_code(f, "getblockhash", "[]"), -1);          /* too few */
	assert_int_equal(err_code(f, "getblockcount", "[1]"), -1);        /* too many */
	assert_int_equal(err_code(f, "getblockhash", "[\"ten\"]"), -3);   /* wrong type */
	assert_int_equal(err_code(f, "getblockhash", "\"one\""), -32600);
}

static void test_rpc_batch(void **state)
{
	struct fx *f = *state;
	int status;
	json_t *r = send_body(f, "[{\"id\":1,\"method\":\"getblockcount\"},"
			      "{\"id\":2,\"method\":\"nosuch\"}, 17]", &status);

	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(r), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 0), "result")), 101);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 0), "id")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		json_array_get(r, 1), "error"), "code")), -32601);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		json_array_get(r, 2), "error"), "code")), -32600);
	json_decref(r);
}

/* ---- blockchain ---- */

static void test_rpc_chain_info(void **state)
{
	struct fx *f = *state;
	json_t *r = ok(f, "getblockchaininfo", NULL), *best = ok(f, "getbestblockhash", NULL);
	json_t *h101 = ok(f, "getblockhash", "[101]");

	assert_string_equal(json_string_value(json_object_get(r, "chain")), "regtest");
	assert_int_equal(json_integer_value(json_object_get(r, "blocks")), 101);
	assert_int_equal(json_integer_value(json_object_get(r, "headers")), 101);
	assert_string_equal(json_string_value(json_object_get(r, "bestblockhash")),
			    json_string_value(best));
	assert_string_equal(json_string_value(best), json_string_value(h101));
	/* What is on disk: 101 blocks are more than 10 kB, even while in LevelDB's log. */
	assert_true(json_integer_value(json_object_get(r, "size_on_disk")) > 10000);
	assert_true(json_real_value(json_object_get(r, "verificationprogress")) == 1.0);
	assert_true(json_is_array(json_object_get(r, "warnings")));
	assert_string_equal(json_string_value(json_object_get(r, "bits")), "207fffff");
	assert_int_equal(strlen(json_string_value(json_object_get(r, "target"))), 64);
	assert_int_equal(ok_int(f, "getblockcount", NULL), 101);
	assert_int_equal(err_code(f, "getblockhash", "[102]"), -8);
	assert_int_equal(err_code(f, "getblockhash", "[-1]"), -8);
	json_decref(r);
	json_decref(best);
	json_decref(h101);
	r = ok(f, "getdifficulty", NULL);
	assert_true(json_is_real(r) && json_real_value(r) > 0);
	json_decref(r);
}

static void test_rpc_getblock(void **state)
{
	struct fx *f = *state;
	json_t *h = ok(f, "getblockhash", "[5]"), *b, *hex, *v2, *hdr, *hhex;
	char params[128];

	snprintf(params, sizeof(params), "[\"%s\"]", json_string_value(h));
	b = ok(f, "getblock", params);
	assert_int_equal(json_integer_value(json_object_get(b, "height")), 5);
	assert_int_equal(json_integer_value(json_object_get(b, "confirmations")), 97);
	assert_int_equal(json_array_size(json_object_get(b, "tx")), 1);
	assert_true(json_is_string(json_object_get(b, "previousblockhash")));
	assert_true(json_is_string(json_object_get(b, "nextblockhash")));
	assert_int_equal(json_integer_value(json_object_get(b, "strippedsize")),
			 json_integer_value(json_object_get(b, "size")));
	assert_int_equal(json_integer_value(json_object_get(b, "weight")),
			 4 * json_integer_value(json_object_get(b, "size")));
	snprintf(params, sizeof(params), "[\"%s\", 0]", json_string_value(h));
	hex = ok(f, "getblock", params);
	assert_int_equal(strlen(json_string_value(hex)), 2 * json_integer_value(
		json_object_get(b, "size")));
	snprintf(params, sizeof(params), "[\"%s\", 2]", json_string_value(h));
	v2 = ok(f, "getblock", params);
	{
		json_t *tx0 = json_array_get(json_object_get(v2, "tx"), 0);
		json_t *out0 = json_array_get(json_object_get(tx0, "vout"), 0);
		assert_string_equal(json_string_value(json_object_get(
			json_object_get(out0, "scriptPubKey"), "address")), f->addr);
		assert_true(json_real_value(json_object_get(out0, "value")) == 50.0);
		assert_true(json_is_string(json_object_get(json_array_get(
			json_object_get(tx0, "vin"), 0), "coinbase")));
	}
	snprintf(params, sizeof(params), "[\"%s\"]", json_string_value(h));
	hdr = ok(f, "getblockheader", params);
	assert_int_equal(json_integer_value(json_object_get(hdr, "nonce")),
			 json_integer_value(json_object_get(b, "nonce")));
	snprintf(params, sizeof(params), "[\"%s\", false]", json_string_value(h));
	hhex = ok(f, "getblockheader", params);
	assert_int_equal(strlen(json_string_value(hhex)), 160);
	assert_int_equal(err_code(f, "getblock", "[\"" "00000000000000000000000000000000"
				  "00000000000000000000000000000000" "\"]"), -5);
	assert_int_equal(err_code(f, "getblock", "[\"xyz\"]"), -8);
	assert_int_equal(err_code(f, "getblock", "[5]"), -3);
	json_decref(h);
	json_decref(b);
	json_decref(hex);
	json_decref(v2);
	json_decref(hdr);
	json_decref(hhex);
}

static const char *tip_status(json_t *tips, const char *hash)
{
	size_t i;
	json_t *t;

	json_array_foreach(tips, i, t)
		if (strcmp(json_string_value(json_object_get(t, "hash")), hash) == 0)
			return json_string_value(json_object_get(t, "status"));
	return NULL;
}

static void test_rpc_chaintips_fork(void **state)
{
	struct fx *f = *state;
	json_t *old = ok(f, "getbestblockhash", NULL), *tips, *r, *best;
	char params[160];

	snprintf(params, sizeof(params), "[\"%s\"]", json_string_value(old));
	json_decref(ok(f, "invalidateblock", params));
	assert_int_equal(ok_int(f, "getblockcount", NULL), 100);
	/* The indexes follow the disconnect: block 101's coinbase is gone from them. */
	snprintf(params, sizeof(params), "[\"%s\"]", f->addr);
	r = ok(f, "getaddresstxids", params);
	assert_int_equal(json_array_size(r), 100);
	json_decref(r);
	r = ok(f, "getaddressutxos", params);
	assert_int_equal(json_array_size(r), 100);
	json_decref(r);
	snprintf(params, sizeof(params), "[2, \"%s\"]", f->addr);
	r = ok(f, "generatetoaddress", params);
	json_decref(r);
	tips = ok(f, "getchaintips", NULL);
	assert_int_equal(json_array_size(tips), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(tips, 0), "status")),
			    "active");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(tips, 0), "height")), 102);
	assert_string_equal(tip_status(tips, json_string_value(old)), "invalid");
	json_decref(tips);
	/* Reconsidered, the old tip has less work: a valid fork of branch length 1. */
	snprintf(params, sizeof(params), "[\"%s\"]", json_string_value(old));
	json_decref(ok(f, "reconsiderblock", params));
	tips = ok(f, "getchaintips", NULL);
	assert_string_equal(tip_status(tips, json_string_value(old)), "valid-fork");
	best = ok(f, "getbestblockhash", NULL);
	assert_string_not_equal(json_string_value(best), json_string_value(old));
	json_decref(tips);
	json_decref(best);
	json_decref(old);
	assert_int_equal(err_code(f, "invalidateblock", "[\"" "11111111111111111111111111111111"
				  "11111111111111111111111111111111" "\"]"), -5);
}

static void test_rpc_utxo_set(void **state)
{
	struct fx *f = *state;
	json_t *r = ok(f, "gettxoutsetinfo", NULL);

	assert_int_equal(json_integer_value(json_object_get(r, "height")), 101);
	assert_int_equal(json_integer_value(json_object_get(r, "txouts")), 101);
	assert_true(json_real_value(json_object_get(r, "total_amount")) == 101 * 50.0);
	assert_int_equal(strlen(json_string_value(json_object_get(r, "hash_serialized"))), 64);
	json_decref(r);
}

/* ---- transactions ---- */

static void test_rpc_send_and_confirm(void **state)
{
	struct fx *f = *state;
	char txid[65], params[4200], *hex = spend_hex(f, 1, 49 * CONS_COIN, txid);
	char *conflict = spend_hex(f, 1, 48 * CONS_COIN, (char[65]){0});
	json_t *r;

	snprintf(params, sizeof(params), "[\"%s\"]", hex);
	r = ok(f, "sendrawtransaction", params);
	assert_string_equal(json_string_value(r), txid);
	json_decref(r);
	r = ok(f, "sendrawtransaction", params);               /* again: still the txid */
	json_decref(r);
	r = ok(f, "getrawmempool", NULL);
	assert_int_equal(json_array_size(r), 1);
	assert_string_equal(json_string_value(json_array_get(r, 0)), txid);
	json_decref(r);
	r = ok(f, "getrawmempool", "[true]");
	{
		json_t *me = json_object_get(r, txid), *fees = json_object_get(me, "fees");
		assert_true(json_real_value(json_object_get(fees, "base")) == 1.0);
		assert_true(json_real_value(json_object_get(fees, "modified")) == 1.0);
		assert_int_equal(json_integer_value(json_object_get(me, "height")), 101);
		assert_int_equal(json_integer_value(json_object_get(me, "weight")),
				 4 * json_integer_value(json_object_get(me, "vsize")));
		assert_int_equal(json_integer_value(json_object_get(me, "ancestorcount")), 1);
		assert_int_equal(json_integer_value(json_object_get(me, "descendantcount")), 1);
		assert_string_equal(json_string_value(json_object_get(me, "wtxid")), txid);
		/* Fields Bitcoin Core has removed. */
		assert_null(json_object_get(me, "fee"));
		assert_null(json_object_get(me, "size"));
	}
	json_decref(r);
	r = ok(f, "getmempoolinfo", NULL);
	assert_int_equal(json_integer_value(json_object_get(r, "size")), 1);
	json_decref(r);
	snprintf(params, sizeof(params), "[\"%s\"]", conflict);
	assert_int_equal(err_code(f, "sendrawtransaction", params), -26);
	snprintf(params, sizeof(params), "[\"%s\", true]", txid);
	r = ok(f, "getrawtransaction", params);
	assert_null(json_object_get(r, "blockhash"));          /* unconfirmed */
	json_decref(r);
	snprintf(params, sizeof(params), "[1, \"%s\"]", f->addr);
	json_decref(ok(f, "generatetoaddress", params));
	r = ok(f, "getrawmempool", NULL);
	assert_int_equal(json_array_size(r), 0);
	json_decref(r);
	snprintf(params, sizeof(params), "[\"%s\", true]", txid);
	r = ok(f, "getrawtransaction", params);
	assert_int_equal(json_integer_value(json_object_get(r, "confirmations")), 1);
	assert_int_equal(json_integer_value(json_object_get(r, "height")), 102);
	json_decref(r);
	snprintf(params, sizeof(params), "[\"%s\"]", hex);
	assert_int_equal(err_code(f, "sendrawtransaction", params), -27);
	free(hex);
	free(conflict);
}

static void test_rpc_send_errors(void **state)
{
	struct fx *f = *state;
	char txid[65], params[4200];
	char *immature = spend_hex(f, 100, 49 * CONS_COIN, txid);

	assert_int_equal(err_code(f, "sendrawtransaction", "[\"zz\"]"), -22);
	assert_int_equal(err_code(f, "sendrawtransaction", "[\"0100\"]"), -22);
	assert_int_equal(err_code(f, "sendrawtransaction", "[42]"), -3);
	snprintf(params, sizeof(params), "[\"%s\"]", immature);
	assert_int_equal(err_code(f, "sendrawtransaction", params), -26);
	assert_int_equal(err_code(f, "getrawtransaction", "[\"" "22222222222222222222222222222222"
				  "22222222222222222222222222222222" "\"]"), -5);
	assert_int_equal(err_code(f, "decoderawtransaction", "[\"00\"]"), -22);
	snprintf(params, sizeof(params), "[\"%s\"]", immature);
	json_t *d = ok(f, "decoderawtransaction", params);
	assert_string_equal(json_string_value(json_object_get(d, "txid")), txid);
	json_decref(d);
	free(immature);
}

static void test_rpc_gettxout(void **state)
{
	struct fx *f = *state;
	json_t *h = ok(f, "getblockhash", "[1]"), *b, *r;
	char params[4200], cb[65], txid[65], *hex = spend_hex(f, 1, 49 * CONS_COIN, txid);

	snprintf(params, sizeof(params), "[\"%s\"]", json_string_value(h));
	b = ok(f, "getblock", params);
	snprintf(cb, sizeof(cb), "%s", json_string_value(json_array_get(json_object_get(b, "tx"), 0)));
	snprintf(params, sizeof(params), "[\"%s\", 0]", cb);
	r = ok(f, "gettxout", params);
	assert_true(json_real_value(json_object_get(r, "value")) == 50.0);
	assert_int_equal(json_integer_value(json_object_get(r, "confirmations")), 101);
	assert_true(json_is_true(json_object_get(r, "coinbase")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "scriptPubKey"),
							      "address")), f->addr);
	json_decref(r);
	snprintf(params, sizeof(params), "[\"%s\", 1]", cb);
	r = ok(f, "gettxout", params);
	assert_true(json_is_null(r));
	json_decref(r);
	snprintf(params, sizeof(params), "[\"%s\"]", hex);
	json_decref(ok(f, "sendrawtransaction", params));
	/* Spent in the mempool: gone unless the mempool is left out. */
	snprintf(params, sizeof(params), "[\"%s\", 0]", cb);
	r = ok(f, "gettxout", params);
	assert_true(json_is_null(r));
	json_decref(r);
	snprintf(params, sizeof(params), "[\"%s\", 0, false]", cb);
	r = ok(f, "gettxout", params);
	assert_true(json_is_object(r));
	json_decref(r);
	snprintf(params, sizeof(params), "[\"%s\", 0]", txid);
	r = ok(f, "gettxout", params);
	assert_int_equal(json_integer_value(json_object_get(r, "confirmations")), 0);
	json_decref(r);
	assert_int_equal(err_code(f, "gettxout", "[\"" "33333333333333333333333333333333"
				  "33333333333333333333333333333333" "\", -1]"), -8);
	json_decref(h);
	json_decref(b);
	free(hex);
}

static void test_rpc_fee_estimate(void **state)
{
	struct fx *f = *state;
	json_t *r = ok(f, "estimatesmartfee", "[6]");

	assert_true(json_real_value(json_object_get(r, "feerate")) == 0.00001);
	assert_int_equal(json_integer_value(json_object_get(r, "blocks")), 6);
	json_decref(r);
	assert_int_equal(err_code(f, "estimatesmartfee", "[0]"), -8);
}

/* ---- address index ---- */

static void test_rpc_address_index(void **state)
{
	struct fx *f = *state;
	char params[4200], txid[65], *hex = spend_hex(f, 2, 49 * CONS_COIN, txid);
	json_t *r;

	snprintf(params, sizeof(params), "[{\"addresses\": [\"%s\"]}]", f->addr);
	r = ok(f, "getaddressbalance", params);
	assert_int_equal(json_integer_value(json_object_get(r, "balance")), 101 * 50 * CONS_COIN);
	assert_int_equal(json_integer_value(json_object_get(r, "received")), 101 * 50 * CONS_COIN);
	/* Heights 3..101 are immature at height 102 (maturity 100): 99 coinbases. */
	assert_int_equal(json_integer_value(json_object_get(r, "immature")), 99 * 50 * CONS_COIN);
	json_decref(r);
	r = ok(f, "getaddressutxos", params);
	assert_int_equal(json_array_size(r), 101);
	assert_true(json_is_true(json_object_get(json_array_get(r, 0), "coinbase")));
	json_decref(r);
	r = ok(f, "getaddresstxids", params);
	assert_int_equal(json_array_size(r), 101);
	json_decref(r);
	snprintf(params, sizeof(params), "[\"%s\"]", hex);
	json_decref(ok(f, "sendrawtransaction", params));
	snprintf(params, sizeof(params), "[\"%s\"]", f->addr);
	r = ok(f, "getaddressmempool", params);
	assert_int_equal(json_array_size(r), 2);                /* the spend and the new output */
	assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 0), "satoshis")),
			 -50 * CONS_COIN);
	json_decref(r);
	assert_int_equal(err_code(f, "getaddressbalance", "[\"notanaddress\"]"), -5);
	assert_int_equal(err_code(f, "getaddressutxos", "[{\"addresses\": 5}]"), -3);
	free(hex);
}

/* ---- network and control, with networking off ---- */

static void test_rpc_control(void **state)
{
	struct fx *f = *state;
	json_t *r = ok(f, "getpeerinfo", NULL);

	assert_int_equal(json_array_size(r), 0);
	json_decref(r);
	assert_int_equal(ok_int(f, "getconnectioncount", NULL), 0);
	assert_int_equal(err_code(f, "addnode", "[\"127.0.0.1:1\", \"add\"]"), -31);
	assert_int_equal(ok_int(f, "settimeoffset", "[45]"), 45);
	r = ok(f, "getnetworkinfo", NULL);
	assert_int_equal(json_integer_value(json_object_get(r, "timeoffset")), 45);
	assert_false(json_is_true(json_object_get(r, "networkactive")));
	json_decref(r);
	assert_int_equal(err_code(f, "settimeoffset", "[999999999]"), -8);
	assert_true(ok_int(f, "uptime", NULL) > 0);
	r = ok(f, "help", NULL);
	assert_non_null(strstr(json_string_value(r), "== Blockchain ==\ngetbestblockhash\n"));
	assert_non_null(strstr(json_string_value(r), "\ngetblock \"blockhash\" ( verbosity )\n"));
	assert_non_null(strstr(json_string_value(r), "\n== Network ==\n"));
	json_decref(r);
	r = ok(f, "help", "[\"getblock\"]");
	assert_non_null(strstr(json_string_value(r), "getblock \"blockhash\" ( verbosity )\n"));
	assert_non_null(strstr(json_string_value(r), "\nArguments:\n1. blockhash"));
	assert_non_null(strstr(json_string_value(r), "\nResult:\n"));
	json_decref(r);
	r = ok(f, "help", "[\"nosuch\"]");
	assert_string_equal(json_string_value(r), "help: unknown command: nosuch");
	json_decref(r);
	/* An empty command lists them all, as Bitcoin Core's help "" does. */
	r = ok(f, "help", "[\"\"]");
	assert_non_null(strstr(json_string_value(r), "== Blockchain ==\ngetbestblockhash\n"));
	json_decref(r);
	r = ok(f, "help", "{\"command\": \"\"}");
	assert_non_null(strstr(json_string_value(r), "\n== Network ==\n"));
	json_decref(r);
	assert_false(f->stopped);
	json_decref(ok(f, "stop", NULL));
	assert_true(f->stopped);
}

static void test_rpc_metrics(void **state)
{
	struct fx *f = *state;
	char *text = node_metrics_text(&f->env);

	assert_non_null(strstr(text, "\nflint_height 101\n"));
	/* Genesis is connected too: 102 blocks. */
	assert_non_null(strstr(text, "flint_blocks_connected_total 102\n"));
	assert_non_null(strstr(text, "flint_block_validation_seconds_count 102\n"));
	assert_non_null(strstr(text, "flint_block_validation_seconds_bucket{le=\"+Inf\"} 102\n"));
	assert_non_null(strstr(text, "flint_mempool_transactions 0\n"));
	assert_non_null(strstr(text, "# TYPE flint_reorgs_total counter\n"));
	free(text);
}

/* Amounts print exactly, with 8 decimals, as bitcoind prints them. */
static void test_rpc_amount_text(void **state)
{
	struct fx *f = *state;
	int status;
	const char *q1 = "{\"id\":1,\"method\":\"getmempoolinfo\"}";
	const char *q2 = "{\"id\":1,\"method\":\"gettxoutsetinfo\"}";
	char *text = node_rpc_handle(&f->env, q1, strlen(q1), &status);

	assert_non_null(strstr(text, "\"minrelaytxfee\":0.00001000"));
	free(text);
	text = node_rpc_handle(&f->env, q2, strlen(q2), &status);
	assert_non_null(strstr(text, "\"total_amount\":5050.00000000"));
	free(text);
}

/*
 * An amount of 0 to 9 units prints as long as its mark: the reply must go
 * on after it (it once ended there, unparsable). A transaction with no
 * inputs and outputs of 0, 7 and -3 units, then 2.5 coins.
 */
static void test_rpc_amount_short(void **state)
{
	struct fx *f = *state;
	json_t *d = ok(f, "decoderawtransaction", "[\"01000000" "00" "04"
		       "0000000000000000" "00" "0700000000000000" "00" "fdffffffffffffff" "00"
		       "80b2e60e00000000" "00" "00000000\"]");
	json_t *vout = json_object_get(d, "vout");

	assert_int_equal(json_array_size(vout), 4);
	assert_true(json_real_value(json_object_get(json_array_get(vout, 0), "value")) == 0.0);
	assert_true(json_real_value(json_object_get(json_array_get(vout, 1), "value")) == 7e-8);
	assert_true(json_real_value(json_object_get(json_array_get(vout, 2), "value")) == -3e-8);
	assert_true(json_real_value(json_object_get(json_array_get(vout, 3), "value")) == 2.5);
	assert_int_equal(json_integer_value(json_object_get(d, "locktime")), 0);
	json_decref(d);
}

/* The writer prints every amount from its units, exactly, whatever its size or sign. */
static void test_rpc_amount_values(void **state)
{
	static const struct { int64_t units; const char *text; } cases[] = {
		{0, "0.00000000"}, {1, "0.00000001"}, {2, "0.00000002"}, {9, "0.00000009"},
		{10, "0.00000010"}, {99999999, "0.99999999"}, {100000000, "1.00000000"},
		{2100000000000000, "21000000.00000000"}, {2099999999999999, "20999999.99999999"},
		{-1, "-0.00000001"}, {-100000000, "-1.00000000"},
		{INT64_MAX, "92233720368.54775807"}, {INT64_MIN, "-92233720368.54775808"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[128], *text;
		/* Around the amount, the text must go on: the old rewrite cut it short. */
		json_t *o = json_pack("{s:o, s:s}", "v", rpc_amount(cases[i].units), "after", "x");
		assert_non_null(o);
		text = rpc_reply_text(o);
		snprintf(want, sizeof(want), "{\"v\":%s,\"after\":\"x\"}", cases[i].text);
		assert_string_equal(text, want);
		free(text);
		json_decref(o);
	}
	rpc_amounts_clear();
}

/* Everything but an amount prints as jansson prints it. */
static void test_rpc_reply_text_like_jansson(void **state)
{
	json_t *o = json_loads("{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\\u00e9\\u20ac/\", "
			       "\"n\":[1,-2,9223372036854775807,0.1,1e300,-0.0,true,false,null],"
			       "\"o\":{},\"a\":[],\"d\":{\"x\":{\"y\":[[]]}},\"k\\n\":1}", 0, NULL);
	json_t *nul = json_stringn("a\0b", 3);
	char *mine, *theirs;
	(void)state;

	assert_non_null(o);
	json_object_set_new(o, "nul", nul);
	mine = rpc_reply_text(o);
	theirs = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(16));
	assert_string_equal(mine, theirs);
	free(mine);
	free(theirs);
	json_decref(o);
}

/* Text a client sends cannot pass for an amount: the old marker in an id or a parameter. */
static void test_rpc_amount_not_forgeable(void **state)
{
	struct fx *f = *state;
	const char *q = "{\"id\":\"\\u0001A1\",\"method\":\"getblockhash\",\"params\":[\"\\u0001A5\"]}";
	int status;
	char *text = node_rpc_handle(&f->env, q, strlen(q), &status);
	json_t *r = json_loads(text, 0, NULL);

	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "id")), "\001A1");
	assert_true(json_is_object(json_object_get(r, "error")));
	json_decref(r);
	free(text);
}

/* A 1-unit output: getrawtransaction-style JSON of the tx is whole and says 0.00000001. */
static void test_rpc_amount_one_unit(void **state)
{
	struct fx *f = *state;
	char txid[65], body[4096], *hex = spend_hex(f, 1, 1, txid), *text;
	int status;
	json_t *r, *vout;

	snprintf(body, sizeof(body), "{\"id\":1,\"method\":\"decoderawtransaction\",\"params\":"
		 "[\"%s\"]}", hex);
	text = node_rpc_handle(&f->env, body, strlen(body), &status);
	assert_non_null(strstr(text, "\"value\":0.00000001,"));
	r = json_loads(text, 0, NULL);
	assert_non_null(r);
	vout = json_array_get(json_object_get(json_object_get(r, "result"), "vout"), 0);
	assert_true(json_real_value(json_object_get(vout, "value")) == 0.00000001);
	assert_non_null(json_object_get(json_object_get(r, "result"), "vin"));
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 1);
	json_decref(r);
	free(text);
	free(hex);
}

/* Every method, given junk of every JSON type, answers with a reply and never crashes. */
static void test_rpc_junk_params(void **state)
{
	struct fx *f = *state;
	static const char *const junk[] = {
		"[]", "[null]", "[1]", "[-1]", "[9223372036854775807]", "[1.5]", "[true]", "[\"\"]",
		"[\"zz\"]", "[[]]", "[{}]", "[{\"addresses\": [1]}]", "[{\"addresses\": null}]",
		"[\"0000000000000000000000000000000000000000000000000000000000000000\", \"x\"]",
		"[1, 2, 3, 4, 5]", "[\"a\", -5, false]", "[0, \"\", null, {}]",
	};
	const struct rpc_method *tables[] = {rpc_chain_methods, rpc_tx_methods,
					     rpc_address_methods, rpc_net_methods};

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct rpc_method *m = tables[t]; m->name; m++) {
			if (strcmp(m->name, "stop") == 0)
				continue;
			for (size_t j = 0; j < sizeof(junk) / sizeof(junk[0]); j++) {
				json_t *r = call(f, m->name, junk[j]);
				assert_true(json_is_object(r));
				assert_true(json_object_get(r, "result") ||
					    json_object_get(r, "error"));
				json_decref(r);
			}
		}
	/* The chain is still there and answers. */
	assert_true(ok_int(f, "getblockcount", NULL) >= 100);
}

/* A tx spending output 0 of the tx with hex txid, paying value to our key; malloc'd hex. */
static char *spend_txid_hex(struct fx *f, const char *parent, int64_t value, char txid[65])
{
	struct cons_outpoint op;
	struct cons_tx tx;
	struct cons_writer w;
	char *hex;

	assert_int_equal(util_hex_decode_rev(op.txid, 32, parent), 0);
	op.n = 0;
	tb_spend(f->secp, &tx, &op, &f->key, value, f->key.pkh);
	util_hex_encode_rev(txid, tx.txid, 32);
	cons_writer_init(&w);
	cons_tx_write(&w, &tx);
	hex = malloc(2 * w.len + 1);
	util_hex_encode(hex, w.data, w.len);
	cons_writer_release(&w);
	cons_tx_release(&tx);
	return hex;
}

static double num_at(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	return json_number_value(b ? json_object_get(v, b) : v);
}

/* A parent and child in the pool: Core's family fields; then mined: getblock 2's fees. */
static void test_rpc_mempool_family(void **state)
{
	struct fx *f = *state;
	char a[65], b[65], params[4200], *ha = spend_hex(f, 1, 49 * CONS_COIN, a);
	char *hb = spend_txid_hex(f, a, 47 * CONS_COIN, b);
	json_t *r, *ea, *eb, *blk, *txs;

	snprintf(params, sizeof(params), "[\"%s\"]", ha);
	json_decref(ok(f, "sendrawtransaction", params));
	snprintf(params, sizeof(params), "[\"%s\"]", hb);
	json_decref(ok(f, "sendrawtransaction", params));
	r = ok(f, "getrawmempool", "[true]");
	ea = json_object_get(r, a);
	eb = json_object_get(r, b);
	assert_true(num_at(ea, "descendantcount", NULL) == 2 && num_at(ea, "ancestorcount", NULL) == 1);
	assert_true(num_at(eb, "descendantcount", NULL) == 1 && num_at(eb, "ancestorcount", NULL) == 2);
	assert_true(num_at(ea, "descendantsize", NULL) == num_at(ea, "vsize", NULL) +
		    num_at(eb, "vsize", NULL));
	assert_true(num_at(eb, "ancestorsize", NULL) == num_at(ea, "descendantsize", NULL));
	assert_true(num_at(ea, "fees", "descendant") == 3.0 && num_at(ea, "fees", "ancestor") == 1.0);
	assert_true(num_at(eb, "fees", "ancestor") == 3.0 && num_at(eb, "fees", "base") == 2.0);
	assert_string_equal(json_string_value(json_array_get(json_object_get(ea, "spentby"), 0)), b);
	assert_string_equal(json_string_value(json_array_get(json_object_get(eb, "depends"), 0)), a);
	assert_int_equal(json_array_size(json_object_get(ea, "depends")), 0);
	assert_int_equal(json_array_size(json_object_get(eb, "spentby")), 0);
	json_decref(r);
	snprintf(params, sizeof(params), "[1, \"%s\"]", f->addr);
	r = ok(f, "generatetoaddress", params);
	snprintf(params, sizeof(params), "[\"%s\", 2]", json_string_value(json_array_get(r, 0)));
	json_decref(r);
	blk = ok(f, "getblock", params);
	txs = json_object_get(blk, "tx");
	assert_int_equal(json_array_size(txs), 3);
	assert_null(json_object_get(json_array_get(txs, 0), "fee"));     /* the coinbase */
	assert_true(num_at(json_array_get(txs, 1), "fee", NULL) == 1.0);
	assert_true(num_at(json_array_get(txs, 2), "fee", NULL) == 2.0);  /* its input in the block */
	assert_true(num_at(json_array_get(txs, 1), "weight", NULL) ==
		    4 * num_at(json_array_get(txs, 1), "vsize", NULL));
	json_decref(blk);
	free(ha);
	free(hb);
}

/* Every method has its parameter names and help written down, and help lists it. */
static void test_rpc_help_every_method(void **state)
{
	struct fx *f = *state;
	const struct rpc_method *tables[] = {rpc_chain_methods, rpc_tx_methods,
					     rpc_address_methods, rpc_net_methods};
	json_t *all = ok(f, "help", NULL);

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct rpc_method *m = tables[t]; m->name; m++) {
			char line[128], params[160];
			json_t *one;
			if (!rpc_has_doc(m->name))
				fail_msg("%s has no entry in rpc_help.c", m->name);
			snprintf(line, sizeof(line), "\n%s", m->name);
			assert_non_null(strstr(json_string_value(all), line));
			snprintf(params, sizeof(params), "[\"%s\"]", m->name);
			one = ok(f, "help", params);
			assert_int_equal(strncmp(json_string_value(one), m->name, strlen(m->name)), 0);
			json_decref(one);
		}
	json_decref(all);
}

/* JSON-RPC named parameters, mapped by each method's parameter names, as Core maps them. */
static void test_rpc_named_params(void **state)
{
	struct fx *f = *state;
	json_t *h = ok(f, "getblockhash", "{\"height\": 5}"), *pos, *named, *r;
	char params[256];

	pos = ok(f, "getblockhash", "[5]");
	assert_string_equal(json_string_value(h), json_string_value(pos));
	snprintf(params, sizeof(params), "{\"verbosity\": 0, \"blockhash\": \"%s\"}",
		 json_string_value(h));
	named = ok(f, "getblock", params);
	snprintf(params, sizeof(params), "[\"%s\", 0]", json_string_value(h));
	json_decref(pos);
	pos = ok(f, "getblock", params);
	assert_string_equal(json_string_value(named), json_string_value(pos));
	json_decref(named);
	json_decref(pos);
	/* A later parameter alone: the ones before it are null, so take their defaults. */
	r = ok(f, "getrawmempool", "{\"verbose\": true}");
	assert_true(json_is_object(r));
	json_decref(r);
	assert_int_equal(ok_int(f, "getblockcount", "{}"), 101);
	{
		json_t *rep = call(f, "getblock", "{\"blockhash\": \"00\", \"colour\": 1}");
		json_t *e = json_object_get(rep, "error");
		assert_int_equal(json_integer_value(json_object_get(e, "code")), -8);
		assert_string_equal(json_string_value(json_object_get(e, "message")),
				    "Unknown named parameter colour");
		json_decref(rep);
	}
	assert_int_equal(err_code(f, "getblockcount", "{\"x\": 1}"), -8);
	/* A name given twice is refused, not silently the last one (Core says so too). */
	{
		json_t *rep = call(f, "getblockhash", "{\"height\": 0, \"height\": 1}");
		json_t *e = json_object_get(rep, "error");
		assert_int_equal(json_integer_value(json_object_get(e, "code")), -8);
		assert_non_null(strstr(json_string_value(json_object_get(e, "message")), "height"));
		json_decref(rep);
	}
	r = ok(f, "help", "{\"command\": \"getblock\"}");
	assert_int_equal(strncmp(json_string_value(r), "getblock", 8), 0);
	json_decref(r);
	json_decref(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rpc_protocol_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_chain_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_getblock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_chaintips_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_utxo_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_send_and_confirm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_send_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_gettxout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_fee_estimate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_address_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_control, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_amount_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_amount_short, setup, teardown),
		cmocka_unit_test(test_rpc_amount_values),
		cmocka_unit_test(test_rpc_reply_text_like_jansson),
		cmocka_unit_test_setup_teardown(test_rpc_amount_not_forgeable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_amount_one_unit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_junk_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_help_every_method, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_named_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_mempool_family, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
