/*
 * What the RPC server's parts share and nothing else includes: the method
 * table, Bitcoin Core's error codes, and parameter and JSON helpers.
 */
#ifndef FLINT_NODE_RPC_INTERNAL_H
#define FLINT_NODE_RPC_INTERNAL_H

#include <jansson.h>

#include "consensus/block.h"
#include "consensus/tx.h"
#include "node/rpc.h"

/* Bitcoin Core's codes (src/rpc/protocol.h). */
enum {
	RPC_PARSE_ERROR = -32700,
	RPC_INVALID_REQUEST = -32600,
	RPC_METHOD_NOT_FOUND = -32601,
	RPC_INVALID_PARAMS = -32602,
	RPC_INTERNAL_ERROR = -32603,
	RPC_MISC_ERROR = -1,
	RPC_TYPE_ERROR = -3,
	RPC_INVALID_ADDRESS_OR_KEY = -5,
	RPC_OUT_OF_MEMORY = -7,
	RPC_INVALID_PARAMETER = -8,
	RPC_DATABASE_ERROR = -20,
	RPC_DESERIALIZATION_ERROR = -22,
	RPC_VERIFY_ERROR = -25,
	RPC_VERIFY_REJECTED = -26,
	RPC_VERIFY_ALREADY_IN_CHAIN = -27,
	RPC_IN_WARMUP = -28,
	RPC_CLIENT_NOT_CONNECTED = -9,
	RPC_CLIENT_NODE_ALREADY_ADDED = -23,
	RPC_CLIENT_NODE_NOT_ADDED = -24,
	RPC_CLIENT_NODE_NOT_CONNECTED = -29,
	RPC_CLIENT_INVALID_IP_OR_SUBNET = -30,
	RPC_CLIENT_P2P_DISABLED = -31,
};

struct rpc_error {
	int code;
	char message[256];
};

/* Sets e and returns NULL, so a method can `return rpc_fail(e, ...)`. */
json_t *rpc_fail(struct rpc_error *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A method: params is a JSON array (borrowed); returns a new reference or NULL with e. */
typedef json_t *(*rpc_method_fn)(struct node_rpc_env *env, json_t *params, struct rpc_error *e);

struct rpc_method {
	const char *name;
	rpc_method_fn fn;
	int min_params, max_params;
};

/* Each file's methods, NULL-name terminated. */
extern const struct rpc_method rpc_chain_methods[];
extern const struct rpc_method rpc_tx_methods[];
extern const struct rpc_method rpc_address_methods[];
extern const struct rpc_method rpc_net_methods[];

/* ---- rpc_help.c: each method's parameter names and help text ---- */
/*
 * Maps a named-parameter object (borrowed) onto the positional array of
 * method's parameters, null where one is not named. A new array, or NULL
 * with e (-8 "Unknown named parameter X").
 */
json_t *rpc_named_params(const char *method, json_t *named, struct rpc_error *e);
/* The help method: Core's text listing, or one method's description. */
json_t *rpc_help(struct node_rpc_env *env, json_t *params, struct rpc_error *e);
/* Whether method has its parameters and help written down. */
bool rpc_has_doc(const char *method);

/* ---- parameters: each returns 0, or -1 with e set naming the parameter ---- */
int rpc_param_hash(json_t *params, size_t i, const char *name, uint8_t out[32], struct rpc_error *e);
/* An integer; def if absent or null and optional. */
int rpc_param_int(json_t *params, size_t i, const char *name, int64_t def, int64_t *out,
		  struct rpc_error *e);
int rpc_param_bool(json_t *params, size_t i, const char *name, bool def, bool *out,
		   struct rpc_error *e);
/* A string parameter (borrowed), or NULL with e. */
const char *rpc_param_str(json_t *params, size_t i, const char *name, struct rpc_error *e);
/* A P2PKH address of this chain. */
int rpc_param_address(const struct cons_params *p, json_t *params, size_t i, uint8_t pkh[20],
		      struct rpc_error *e);

/* Writes pending chain state, so storage's indexes answer for the tip. 0, or -1 with e. */
int rpc_flush(struct node_rpc_env *env, struct rpc_error *e);

/* ---- text: printf appended to a growing buffer (metrics, help) ---- */
/*
 * Start zeroed; s is malloc'd (NULL until text is put) and the caller frees
 * it. Once out of memory, oom is set and further puts do nothing.
 */
struct rpc_text {
	char *s;
	size_t len, cap;
	bool oom;
};

void rpc_text_put(struct rpc_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- JSON of chain data ---- */
/*
 * An amount of base units: a real (units / 1e8) that rpc_reply_text prints
 * as coins with 8 exact decimals from units (see rpc_reply.c). NULL out of
 * memory.
 */
json_t *rpc_amount(int64_t units);
/* Drops what rpc_amount recorded; the amounts made since print as plain reals. */
void rpc_amounts_clear(void);
/*
 * The compact JSON text of reply (borrowed), malloc'd, amounts exact; NULL
 * out of memory. Other values print as json_dumps prints them.
 */
char *rpc_reply_text(const json_t *reply);
json_t *rpc_hash(const uint8_t hash[32]);
json_t *rpc_script_json(const struct cons_params *p, const uint8_t *script, size_t len);
/* A decoded tx as getrawtransaction verbose (without block fields). */
json_t *rpc_tx_json(const struct cons_params *p, const struct cons_tx *tx);
json_t *rpc_header_json(struct node_chain *c, const struct node_blockidx *idx);
/* Serialized hex of a tx or block, malloc'd (NULL out of memory). */
char *rpc_tx_hex(const struct cons_tx *tx);
char *rpc_block_hex(const struct cons_block *b);
/* Decodes hex into a tx; 0, or -1 with e (RPC_DESERIALIZATION_ERROR). */
int rpc_decode_tx(const char *hex, struct cons_tx *tx, struct rpc_error *e);
/* Parses a block hash parameter and finds it, or NULL with e (-5 Block not found). */
const struct node_blockidx *rpc_find_block(struct node_rpc_env *env, json_t *params, size_t i,
					    struct rpc_error *e);

/* Reads a confirmed tx through the tx index into tx (initialised). 0, or -1 with e. */
int rpc_lookup_tx(struct node_rpc_env *env, const uint8_t txid[32], struct cons_tx *tx,
		  struct rpc_error *e);
/* getrawmempool true: an object of entries by txid (rpc_mempool.c), or NULL with e. */
json_t *rpc_mempool_verbose(struct node_rpc_env *env, struct rpc_error *e);

#endif
