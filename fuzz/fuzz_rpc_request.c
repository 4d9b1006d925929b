/*
 * libFuzzer target for RPC request bodies and the reply writer
 * (node/rpc_reply.c): a body is parsed as node_rpc_handle parses it, its
 * shape checked as the dispatcher checks it (an object with a string
 * "method" and array or null "params", or a batch of those), and a reply
 * made of what a client controls (the id echoed, the method name, the
 * params) plus an amount for each integer in the body. The written text
 * must parse, must equal jansson's for the parts that are not amounts, and
 * must show each amount exactly as its units with 8 decimals. Links only
 * jansson and the writer, so it needs no chain.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "node/rpc_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_AMOUNTS 64

/* The request checks of node/rpc.c's call(): 0 if a method would be looked up. */
static int request_ok(const json_t *req)
{
	const json_t *params = json_object_get(req, "params");

	if (!json_is_object(req) || !json_is_string(json_object_get(req, "method")))
		return -1;
	return !params || json_is_null(params) || json_is_array(params) ? 0 : -1;
}

/* Collects up to max integers of v, depth first. */
static size_t integers(const json_t *v, int64_t *out, size_t n, size_t max)
{
	const char *key;
	json_t *item;
	size_t i;

	if (n >= max)
		return n;
	if (json_is_integer(v)) {
		out[n++] = json_integer_value(v);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item)
			n = integers(item, out, n, max);
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, item)
			n = integers(item, out, n, max);
	}
	return n;
}

static void amount_text(char *buf, size_t len, int64_t units)
{
	uint64_t u = units < 0 ? -(uint64_t)units : (uint64_t)units;

	snprintf(buf, len, "%s%" PRIu64 ".%08" PRIu64, units < 0 ? "-" : "", u / 100000000,
		 u % 100000000);
}

/* The reply to one request: its id, method and params as given, then the amounts. */
static void check_one(const json_t *req)
{
	int64_t units[MAX_AMOUNTS];
	size_t n = integers(req, units, 0, MAX_AMOUNTS);
	json_t *reply = json_object(), *plain, *amounts = json_array();
	char *mine, *theirs, want[48], *p;

	json_object_set(reply, "id", json_object_get(req, "id") ? json_object_get(req, "id") : json_null());
	json_object_set(reply, "method", json_object_get(req, "method"));
	json_object_set(reply, "params", json_object_get(req, "params"));
	json_object_set_new(reply, "ok", json_boolean(request_ok(req) == 0));
	/* Without amounts the writer must say exactly what jansson says. */
	mine = rpc_reply_text(reply);
	theirs = json_dumps(reply, JSON_COMPACT | JSON_REAL_PRECISION(16));
	if (!mine || !theirs || strcmp(mine, theirs) != 0)
		abort();
	free(mine);
	free(theirs);
	/* With amounts, after everything the client sent: each shows exactly. */
	for (size_t i = 0; i < n; i++)
		json_array_append_new(amounts, rpc_amount(units[i]));
	json_object_set_new(reply, "zamounts", amounts);
	mine = rpc_reply_text(reply);
	plain = mine ? json_loads(mine, JSON_DECODE_ANY, NULL) : NULL;
	if (!plain)
		abort();
	p = strstr(mine, ",\"zamounts\":[");
	if (!p)
		abort();
	p += strlen(",\"zamounts\":[");
	for (size_t i = 0; i < n; i++) {
		amount_text(want, sizeof(want), units[i]);
		if (strncmp(p, want, strlen(want)) != 0)
			abort();
		p += strlen(want);
		if (*p != (i + 1 < n ? ',' : ']'))
			abort();
		p++;
	}
	json_decref(plain);
	free(mine);
	json_decref(reply);
	rpc_amounts_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, 0, NULL), *req;
	size_t i;

	if (!doc)
		return 0;
	if (json_is_array(doc)) {
		json_array_foreach(doc, i, req)
			check_one(req);
	} else {
		check_one(doc);
	}
	json_decref(doc);
	return 0;
}
