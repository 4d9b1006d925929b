/*
 * The text of an RPC reply: a JSON writer that prints amounts as bitcoind
 * does, coins with 8 exact decimals (0.00000001, 50.00000000), straight
 * from their integer base units.
 *
 * jansson formats a real with %.17g, which shows binary noise
 * (0.10000000000000001) and has no raw-number type, so an amount is a real
 * made by rpc_amount, which also records the value's address and its
 * units here. The writer prints a recorded value from its units and any
 * other value as jansson would. The record holds a reference to each
 * amount until rpc_amounts_clear, so an address cannot be reused by another
 * value meanwhile, and nothing a client sends (an id, a string parameter)
 * is ever in the record: what a client writes cannot become an amount.
 *
 * The record is process-wide: methods and the writer run on the event loop
 * thread only. Depends on jansson and libc only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/rpc_internal.h"

#define COIN 100000000

struct amount {
	const json_t *v;
	int64_t units;
};

static struct amount *amounts;
static size_t n_amounts, cap_amounts;

json_t *rpc_amount(int64_t units)
{
	json_t *v = json_real((double)units / COIN);

	if (!v)
		return NULL;
	if (n_amounts == cap_amounts) {
		size_t cap = cap_amounts ? 2 * cap_amounts : 64;
		struct amount *a = realloc(amounts, cap * sizeof(*a));
		if (!a) {
			json_decref(v);
			return NULL;
		}
		amounts = a;
		cap_amounts = cap;
	}
	amounts[n_amounts].v = json_incref(v);
	amounts[n_amounts].units = units;
	n_amounts++;
	return v;
}

void rpc_amounts_clear(void)
{
	for (size_t i = 0; i < n_amounts; i++)
		json_decref((json_t *)amounts[i].v);
	free(amounts);
	amounts = NULL;
	n_amounts = cap_amounts = 0;
}

static int amount_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct amount *)a)->v;
	uintptr_t y = (uintptr_t)((const struct amount *)b)->v;

	return x < y ? -1 : x > y;
}

static const struct amount *find_amount(const json_t *v)
{
	struct amount key = {v, 0};

	return n_amounts ? bsearch(&key, amounts, n_amounts, sizeof(key), amount_cmp) : NULL;
}

/* ---- the writer ---- */

struct out {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (o->cap - o->len <= n) {
		size_t cap = o->cap ? o->cap : 256;
		char *p;
		while (cap - o->len <= n)
			cap *= 2;
		p = realloc(o->p, cap);
		if (!p) {
			o->oom = true;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = 0;
}

static int put_cb(const char *buf, size_t size, void *data)
{
	put(data, buf, size);
	return 0;
}

/* A JSON string literal of s (n bytes, valid UTF-8 as jansson keeps it), escaped as jansson does. */
static void put_string(struct out *o, const char *s, size_t n)
{
	size_t run = 0;

	put(o, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(o, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': put(o, "\\\"", 2); break;
		case '\\': put(o, "\\\\", 2); break;
		case '\b': put(o, "\\b", 2); break;
		case '\f': put(o, "\\f", 2); break;
		case '\n': put(o, "\\n", 2); break;
		case '\r': put(o, "\\r", 2); break;
		case '\t': put(o, "\\t", 2); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04X", c);
			put(o, esc, 6);
		}
	}
	put(o, s + run, n - run);
	put(o, "\"", 1);
}

static void put_amount(struct out *o, int64_t units)
{
	uint64_t u = units < 0 ? -(uint64_t)units : (uint64_t)units;
	char text[32];
	int n = snprintf(text, sizeof(text), "%s%" PRIu64 ".%08" PRIu64, units < 0 ? "-" : "",
			 u / COIN, u % COIN);

	put(o, text, (size_t)n);
}

static void put_value(struct out *o, const json_t *v)
{
	const struct amount *a;
	const char *key;
	json_t *item;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		put(o, "{", 1);
		i = 0;
		json_object_foreach((json_t *)v, key, item) {
			if (i++)
				put(o, ",", 1);
			put_string(o, key, strlen(key));
			put(o, ":", 1);
			put_value(o, item);
		}
		put(o, "}", 1);
		break;
	case JSON_ARRAY:
		put(o, "[", 1);
		json_array_foreach(v, i, item) {
			if (i)
				put(o, ",", 1);
			put_value(o, item);
		}
		put(o, "]", 1);
		break;
	case JSON_STRING:
		put_string(o, json_string_value(v), json_string_length(v));
		break;
	default:
		a = json_is_real(v) ? find_amount(v) : NULL;
		if (a)
			put_amount(o, a->units);
		else if (json_dump_callback(v, put_cb, o, JSON_ENCODE_ANY | JSON_COMPACT |
					    JSON_REAL_PRECISION(16)) < 0)
			o->oom = true;   /* any other scalar as jansson writes it */
	}
}

char *rpc_reply_text(const json_t *reply)
{
	struct out o = {0};

	if (n_amounts)
		qsort(amounts, n_amounts, sizeof(*amounts), amount_cmp);
	put_value(&o, reply);
	if (o.oom) {
		free(o.p);
		return NULL;
	}
	return o.p ? o.p : strdup("");
}
