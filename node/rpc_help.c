/*
 * What each RPC method takes and returns: the names of its parameters,
 * which map a JSON-RPC named-parameter object onto the positional array
 * the methods read (as Bitcoin Core does), and the text `help` prints,
 * grouped by category as Core groups them. Knows no method's code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/rpc_internal.h"

#define MAX_ARGS 4

struct rpc_arg {
	const char *name;
	const char *type;            /* "string", "numeric", "boolean", "json object", ... */
	const char *opt;             /* NULL: required; else "optional, default=..." */
	const char *desc;
};

struct rpc_doc {
	const char *name;
	const char *category;
	const char *summary;
	struct rpc_arg args[MAX_ARGS];
	const char *result;
};

#define REQ NULL
static const struct rpc_doc docs[] = {
	/* == Blockchain == */
	{"getbestblockhash", "Blockchain", "Returns the hash of the active chain's tip.", {{0}},
	 "\"hex\"    (string) the tip's block hash"},
	{"getblock", "Blockchain",
	 "Returns a block: verbosity 0 as serialized hex, 1 as an object with the txids, 2 as an "
	 "object with each transaction decoded (with its fee).",
	 {{"blockhash", "string", REQ, "the block hash"},
	  {"verbosity", "numeric", "optional, default=1", "0, 1 or 2 (true is 1, false 0)"}},
	 "verbosity 0: \"hex\"\n"
	 "verbosity 1: {hash, confirmations, size, strippedsize, weight, height, version,\n"
	 "  versionHex, merkleroot, tx: [txid, ...], time, mediantime, nonce, bits, target,\n"
	 "  difficulty, chainwork, nTx, previousblockhash, nextblockhash}\n"
	 "verbosity 2: as 1, with tx: [{txid, hash, version, size, vsize, weight, locktime,\n"
	 "  vin, vout, hex, fee}, ...] (no fee for the coinbase)"},
	{"getblockchaininfo", "Blockchain", "Returns the state of the chain.", {{0}},
	 "{chain, blocks, headers, bestblockhash, bits, target, difficulty, time, mediantime,\n"
	 " verificationprogress, initialblockdownload, chainwork, size_on_disk (bytes of the\n"
	 " chain's files), pruned, warnings: []}"},
	{"getblockcount", "Blockchain", "Returns the height of the active chain's tip.", {{0}},
	 "n    (numeric)"},
	{"getblockhash", "Blockchain", "Returns the hash of the active chain's block at a height.",
	 {{"height", "numeric", REQ, "the height"}}, "\"hex\"    (string) the block hash"},
	{"getblockheader", "Blockchain", "Returns a block header, as an object or as hex.",
	 {{"blockhash", "string", REQ, "the block hash"},
	  {"verbose", "boolean", "optional, default=true", "true: an object, false: hex"}},
	 "{hash, confirmations, height, version, versionHex, merkleroot, time, mediantime,\n"
	 " nonce, bits, target, difficulty, chainwork, nTx, previousblockhash, nextblockhash}"},
	{"getchaintips", "Blockchain", "Returns every tip of the block tree, the active one first.",
	 {{0}}, "[{height, hash, branchlen, status}, ...]    (status: active, valid-fork,\n"
	 " valid-headers, headers-only, invalid)"},
	{"getdifficulty", "Blockchain", "Returns the tip's difficulty.", {{0}}, "n    (numeric)"},
	{"getmempoolinfo", "Blockchain", "Returns the memory pool's state.", {{0}},
	 "{loaded, size, bytes, usage, maxmempool, mempoolminfee, minrelaytxfee}"},
	{"getrawmempool", "Blockchain", "Returns the memory pool's transactions.",
	 {{"verbose", "boolean", "optional, default=false", "true: an object of entries by txid"}},
	 "false: [\"txid\", ...]\n"
	 "true: {\"txid\": {vsize, weight, time, height, descendantcount, descendantsize,\n"
	 "  ancestorcount, ancestorsize, wtxid, fees: {base, modified, ancestor, descendant},\n"
	 "  depends: [txid, ...], spentby: [txid, ...]}, ...}"},
	{"gettxout", "Blockchain", "Returns an unspent transaction output, or null.",
	 {{"txid", "string", REQ, "the transaction id"},
	  {"n", "numeric", REQ, "the output index"},
	  {"include_mempool", "boolean", "optional, default=true",
	   "whether outputs the pool spends or creates count"}},
	 "{bestblock, confirmations, value, scriptPubKey: {hex, address, type}, coinbase}"},
	{"gettxoutsetinfo", "Blockchain", "Returns a summary of the unspent output set.",
	 {{"hash_type", "string", "optional, default=hash_serialized",
	   "accepted and ignored: Flint has one hash"}},
	 "{height, bestblock, txouts, hash_serialized, total_amount}"},
	{"invalidateblock", "Blockchain", "Marks a block and its descendants invalid.",
	 {{"blockhash", "string", REQ, "the block hash"}}, "null"},
	{"reconsiderblock", "Blockchain", "Clears the invalid mark of a block and its relatives.",
	 {{"blockhash", "string", REQ, "the block hash"}}, "null"},
	/* == Control == */
	{"help", "Control", "Lists the methods, or describes one.",
	 {{"command", "string", "optional, default=all commands", "the method to describe"}},
	 "\"text\"    (string)"},
	{"stop", "Control", "Stops the node.", {{0}}, "\"Flint server stopping\""},
	{"uptime", "Control", "Returns the seconds since the node started.", {{0}},
	 "n    (numeric)"},
	/* == Generating == */
	{"generatetoaddress", "Generating", "Mines blocks to an address now, on the RPC thread.",
	 {{"nblocks", "numeric", REQ, "how many blocks (0 to 10000)"},
	  {"address", "string", REQ, "the address the coinbases pay"},
	  {"maxtries", "numeric", "optional, default=1000000", "nonces to try in all"}},
	 "[\"blockhash\", ...]"},
	/* == Mining == */
	{"getmininginfo", "Mining", "Returns mining state.", {{0}},
	 "{blocks, difficulty, networkhashps, hashespersec, pooledtx, chain, generate}"},
	{"submitblock", "Mining", "Offers a serialized block to the node.",
	 {{"hexdata", "string", REQ, "the block as hex"},
	  {"dummy", "string", "optional", "ignored, as in Bitcoin Core"}},
	 "null when accepted as the tip, else a reason (duplicate, inconclusive, a reject code)"},
	/* == Network == */
	{"addnode", "Network", "Adds, removes or tries once a manual peer.",
	 {{"node", "string", REQ, "host:port"},
	  {"command", "string", REQ, "add, remove or onetry"}}, "null"},
	{"clearbanned", "Network", "Lifts every ban.", {{0}}, "null"},
	{"disconnectnode", "Network", "Disconnects a peer, by address or by id (one of them).",
	 {{"address", "string", "optional, default=fallback to nodeid", "ip:port"},
	  {"nodeid", "numeric", "optional, default=fallback to address", "the peer's id"}},
	 "null"},
	{"getconnectioncount", "Network", "Returns the number of connected peers.", {{0}},
	 "n    (numeric)"},
	{"getnettotals", "Network", "Returns the bytes sent and received since start.", {{0}},
	 "{totalbytesrecv, totalbytessent, timemillis}"},
	{"getnetworkinfo", "Network", "Returns the network state.", {{0}},
	 "{version, subversion, protocolversion, connections, connections_in,\n"
	 " connections_out, networkactive, relayfee, timeoffset}"},
	{"getpeerinfo", "Network", "Returns one object per connected peer.", {{0}},
	 "[{id, addr, addrbind, services, servicesnames, relaytxes, lastsend, lastrecv,\n"
	 "  bytessent, bytesrecv, conntime, timeoffset, pingtime (once a ping was answered),\n"
	 "  version, subver, inbound, startingheight, connection_type, synced_headers,\n"
	 "  synced_blocks, inflight: [height, ...], handshaked, bytessent_per_msg,\n"
	 "  bytesrecv_per_msg}, ...]"},
	{"listbanned", "Network", "Lists the banned addresses.", {{0}},
	 "[{address, banned_until}, ...]"},
	{"setban", "Network", "Bans or unbans an IP address.",
	 {{"subnet", "string", REQ, "an IP address, optionally /32 or /128"},
	  {"command", "string", REQ, "add or remove"},
	  {"bantime", "numeric", "optional, default=0", "seconds (0: the node's default)"},
	  {"absolute", "boolean", "optional, default=false", "bantime is a unix time"}},
	 "null"},
	{"setnetworkactive", "Network", "Turns all networking on or off.",
	 {{"state", "boolean", REQ, "true to enable"}}, "true|false    (the new state)"},
	/* == Rawtransactions == */
	{"decoderawtransaction", "Rawtransactions", "Decodes a serialized transaction.",
	 {{"hexstring", "string", REQ, "the transaction as hex"}},
	 "{txid, hash, version, size, vsize, weight, locktime, vin, vout}"},
	{"getrawtransaction", "Rawtransactions",
	 "Returns a transaction from the pool or the chain (through the tx index, or in the "
	 "given block).",
	 {{"txid", "string", REQ, "the transaction id"},
	  {"verbosity", "numeric", "optional, default=0", "0: hex, 1: an object"},
	  {"blockhash", "string", "optional", "the block to look in"}},
	 "verbosity 0: \"hex\"\n"
	 "verbosity 1: {txid, hash, version, size, vsize, weight, locktime, vin, vout, hex,\n"
	 "  blockhash, confirmations, time, blocktime, height}"},
	{"sendrawtransaction", "Rawtransactions", "Offers a transaction to the pool and peers.",
	 {{"hexstring", "string", REQ, "the transaction as hex"},
	  {"maxfeerate", "numeric", "optional", "accepted and ignored"}},
	 "\"hex\"    (string) the txid"},
	/* == Util == */
	{"estimatesmartfee", "Util",
	 "Estimates the fee rate that confirms within conf_target blocks, from the pool's "
	 "backlog.",
	 {{"conf_target", "numeric", REQ, "blocks, 1 to 1008"},
	  {"estimate_mode", "string", "optional", "accepted and ignored"}},
	 "{feerate, blocks}"},
	/* == Addressindex == */
	{"getaddressbalance", "Addressindex", "Returns the balance of addresses.",
	 {{"addresses", "string or json object", REQ,
	   "an address, or {\"addresses\": [...]}, or (named) the array"}},
	 "{balance, received, immature}    (satoshis)"},
	{"getaddressmempool", "Addressindex", "Returns the pool's deltas for addresses.",
	 {{"addresses", "string or json object", REQ,
	   "an address, or {\"addresses\": [...]}, or (named) the array"}},
	 "[{address, txid, index, satoshis, timestamp[, prevtxid, prevout]}, ...]"},
	{"getaddresstxids", "Addressindex", "Returns the txids touching addresses.",
	 {{"addresses", "string or json object", REQ,
	   "an address, or {\"addresses\": [...]}, or (named) the array"}},
	 "[\"txid\", ...]"},
	{"getaddressutxos", "Addressindex", "Returns the unspent outputs of addresses.",
	 {{"addresses", "string or json object", REQ,
	   "an address, or {\"addresses\": [...]}, or (named) the array"}},
	 "[{address, txid, outputIndex, script, satoshis, height, coinbase}, ...]"},
	/* == Flint == */
	{"settimeoffset", "Flint", "Moves the node's clock, for clock-skew faults.",
	 {{"seconds", "numeric", REQ, "the offset, within a year either way"}},
	 "n    (numeric) the offset"},
};

static const struct rpc_doc *find_doc(const char *name)
{
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		if (strcmp(docs[i].name, name) == 0)
			return &docs[i];
	return NULL;
}

json_t *rpc_named_params(const char *method, json_t *named, struct rpc_error *e)
{
	const struct rpc_doc *d = find_doc(method);
	json_t *out = json_array(), *v;
	const char *key;

	if (!out)
		return rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
	json_object_foreach(named, key, v) {
		size_t i;
		for (i = 0; d && i < MAX_ARGS && d->args[i].name; i++)
			if (strcmp(d->args[i].name, key) == 0)
				break;
		if (!d || i == MAX_ARGS || !d->args[i].name) {
			json_decref(out);
			return rpc_fail(e, RPC_INVALID_PARAMETER, "Unknown named parameter %.100s", key);
		}
		while (json_array_size(out) <= i)
			json_array_append_new(out, json_null());
		json_array_set(out, i, v);
	}
	return out;
}

/* `getblock "blockhash" ( verbosity )`: strings quoted, optional ones in parentheses. */
static void synopsis(struct rpc_text *t, const struct rpc_doc *d)
{
	int open = 0;

	rpc_text_put(t, "%s", d->name);
	for (int i = 0; i < MAX_ARGS && d->args[i].name; i++) {
		const struct rpc_arg *a = &d->args[i];
		const char *q = strncmp(a->type, "string", 6) == 0 ? "\"" : "";
		if (a->opt && !open++)
			rpc_text_put(t, " (");
		rpc_text_put(t, " %s%s%s", q, a->name, q);
	}
	rpc_text_put(t, "%s\n", open ? " )" : "");
}

static void describe(struct rpc_text *t, const struct rpc_doc *d)
{
	synopsis(t, d);
	rpc_text_put(t, "\n%s\n", d->summary);
	if (d->args[0].name) {
		rpc_text_put(t, "\nArguments:\n");
		for (int i = 0; i < MAX_ARGS && d->args[i].name; i++)
			rpc_text_put(t, "%d. %-16s (%s, %s) %s\n", i + 1, d->args[i].name, d->args[i].type,
			    d->args[i].opt ? d->args[i].opt : "required", d->args[i].desc);
	}
	rpc_text_put(t, "\nResult:\n%s\n", d->result);
}

static void list_all(struct rpc_text *t)
{
	const char *cat = NULL;

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		if (!cat || strcmp(cat, docs[i].category) != 0) {
			cat = docs[i].category;
			rpc_text_put(t, "%s== %s ==\n", i ? "\n" : "", cat);
		}
		synopsis(t, &docs[i]);
	}
}

json_t *rpc_help(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	json_t *arg = json_array_get(params, 0), *res;
	const char *name = json_string_value(arg);
	struct rpc_text t = {0};

	if (arg && !json_is_null(arg) && !name)
		return rpc_fail(e, RPC_TYPE_ERROR, "command must be a string");
	if (!name || !*name) {           /* Core lists all for "" too */
		list_all(&t);
		if (t.len)
			t.s[--t.len] = 0;            /* Core's text ends without a newline */
	} else if (find_doc(name)) {
		describe(&t, find_doc(name));
		if (t.len)
			t.s[--t.len] = 0;
	} else {
		return json_sprintf("help: unknown command: %.100s", name);
	}
	res = t.oom ? NULL : json_string(t.s ? t.s : "");
	free(t.s);
	return res ? res : rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
}

bool rpc_has_doc(const char *method)
{
	return find_doc(method) != NULL;
}
