/* The wallet's coins and balances from address-index answers; see coins.h. */
#include "wallet/coins.h"

#include <string.h>

#include "util/hex.h"

#define MAX_HEIGHT 0x7fffffffLL

/* One output named by an index answer, checked: ours, a real txid, a value in range. */
struct entry {
	const char *txid;
	int64_t n;
	int64_t value;
	const struct wal_key *key;
};

static bool get_int(json_t *o, const char *name, int64_t min, int64_t max, int64_t *out)
{
	json_t *v = json_object_get(o, name);

	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return false;
	*out = json_integer_value(v);
	return true;
}

static bool read_entry(const struct wal_wallet *w, json_t *o, const char *index_name,
		       struct entry *e)
{
	const char *addr = json_string_value(json_object_get(o, "address"));
	int64_t cap = w->params->max_money;

	e->txid = json_string_value(json_object_get(o, "txid"));
	e->key = addr ? wal_find(w, addr) : NULL;
	return e->key && e->txid && strlen(e->txid) == 64 &&
	       get_int(o, index_name, 0, UINT32_MAX, &e->n) &&
	       get_int(o, "satoshis", -cap, cap, &e->value);
}

/* True if a pool transaction spends output n of txid (a negative entry naming it). */
static bool spent_in_pool(json_t *pool, const char *txid, int64_t n)
{
	size_t i;
	json_t *o;
	int64_t sat, prevout;

	json_array_foreach(pool, i, o) {
		const char *prev = json_string_value(json_object_get(o, "prevtxid"));
		if (get_int(o, "satoshis", INT64_MIN, -1, &sat) && prev && strcmp(prev, txid) == 0 &&
		    get_int(o, "prevout", 0, UINT32_MAX, &prevout) && prevout == n)
			return true;
	}
	return false;
}

/* True if an output is already offered (a pool tx mined between the two answers). */
static bool offered(const struct wal_coins *cs, const struct cons_outpoint *op)
{
	for (size_t i = 0; i < cs->n; i++)
		if (cons_outpoint_cmp(&cs->v[i].op, op) == 0)
			return true;
	return false;
}

static void offer(struct wal_coins *cs, const struct entry *e, bool unconfirmed)
{
	struct wal_coin *c = &cs->v[cs->n];

	if (cs->n == WAL_MAX_COINS || e->value <= 0 ||
	    util_hex_decode_rev(c->op.txid, 32, e->txid) < 0)
		return;
	c->op.n = (uint32_t)e->n;
	if (unconfirmed && offered(cs, &c->op))
		return;
	c->value = e->value;
	c->key = e->key;
	c->unconfirmed = unconfirmed;
	cs->n++;
}

/* Sums saturate: a node reporting absurd totals gets absurd totals, not undefined behaviour. */
static void add_to(int64_t *sum, int64_t v)
{
	if (__builtin_add_overflow(*sum, v, sum))
		*sum = v < 0 ? INT64_MIN : INT64_MAX;
}

static void collect_confirmed(struct wal_coins *cs, const struct wal_wallet *w, json_t *utxos,
			      json_t *pool, int64_t tip)
{
	size_t i;
	json_t *o;
	struct entry e;
	int64_t height;

	json_array_foreach(utxos, i, o) {
		if (!read_entry(w, o, "outputIndex", &e) || e.value < 0 ||
		    !get_int(o, "height", 0, MAX_HEIGHT, &height))
			continue;
		if (json_is_true(json_object_get(o, "coinbase")) &&
		    tip + 1 - height < w->params->coinbase_maturity) {
			add_to(&cs->bal.immature, e.value);
			continue;
		}
		add_to(&cs->bal.confirmed, e.value);
		if (!spent_in_pool(pool, e.txid, e.n))
			offer(cs, &e, false);
	}
}

/* The pool's effect, and the wallet's own unspent change in it. */
static void collect_pool(struct wal_coins *cs, const struct wal_wallet *w, json_t *pool)
{
	size_t i;
	json_t *o;
	struct entry e;

	json_array_foreach(pool, i, o) {
		if (!read_entry(w, o, "index", &e))
			continue;
		add_to(&cs->bal.unconfirmed, e.value);
		if (e.value > 0 && e.key->change && !spent_in_pool(pool, e.txid, e.n))
			offer(cs, &e, true);
	}
}

void wal_coins_collect(struct wal_coins *cs, const struct wal_wallet *w, json_t *utxos,
		       json_t *pool, int64_t tip)
{
	cs->n = 0;
	memset(&cs->bal, 0, sizeof(cs->bal));
	if (tip < 0 || tip > MAX_HEIGHT)
		tip = 0;
	collect_confirmed(cs, w, utxos, pool, tip);
	collect_pool(cs, w, pool);
}
