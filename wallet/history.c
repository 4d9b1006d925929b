/* The wallet's remembered transactions and their states; see history.h. */
#include "wallet/history.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "util/hex.h"
#include "wallet/wallet.h"

#define HIST_VERSION 1

static void errf(char *err, size_t errlen, const char *fmt, const char *arg)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, arg);
}

void wal_history_init(struct wal_history *h)
{
	memset(h, 0, sizeof(*h));
	util_hmap_init(&h->by_txid, 32);
}

void wal_history_release(struct wal_history *h)
{
	free(h->v);
	util_hmap_release(&h->by_txid);
	wal_history_init(h);
}

/* A txid's bytes (the map's key); -1 unless 64 hex digits. */
static int txid_key(uint8_t key[32], const char *txid)
{
	return strlen(txid) == 64 && util_hex_decode(key, 32, txid) == 0 ? 0 : -1;
}

/* Found by hash, so loading or updating N records costs N lookups, not N^2 compares. */
struct wal_hist_tx *wal_history_find(const struct wal_history *h, const char *txid)
{
	uint8_t key[32];
	uintptr_t at;

	if (txid_key(key, txid) < 0)
		return NULL;
	at = (uintptr_t)util_hmap_get(&h->by_txid, key);
	return at ? &h->v[at - 1] : NULL;
}

struct wal_hist_tx *wal_history_get(struct wal_history *h, const char *txid)
{
	struct wal_hist_tx *t = wal_history_find(h, txid);
	uint8_t key[32];

	if (t)
		return t;
	if (h->n >= WAL_HIST_MAX || txid_key(key, txid) < 0)
		return NULL;
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 16;
		struct wal_hist_tx *v = realloc(h->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		h->v = v;
		h->cap = cap;
	}
	if (util_hmap_put(&h->by_txid, key, (void *)(uintptr_t)(h->n + 1)) < 0)
		return NULL;
	t = &h->v[h->n++];
	memset(t, 0, sizeof(*t));
	snprintf(t->txid, sizeof(t->txid), "%s", txid);
	return t;
}

void wal_hist_seen(struct wal_hist_tx *t, const char *hash, int64_t height)
{
	for (size_t i = 0; i < t->n_blocks; i++)
		if (strcmp(t->blocks[i].hash, hash) == 0)
			return;
	if (strlen(hash) != 64)
		return;
	if (t->n_blocks == WAL_HIST_BLOCKS) {
		memmove(t->blocks, t->blocks + 1, (WAL_HIST_BLOCKS - 1) * sizeof(t->blocks[0]));
		t->n_blocks--;
	}
	snprintf(t->blocks[t->n_blocks].hash, sizeof(t->blocks[0].hash), "%s", hash);
	t->blocks[t->n_blocks++].height = height;
}

static void set_conflict(struct wal_hist_tx *t, const struct wal_obs *o)
{
	snprintf(t->conflict_txid, sizeof(t->conflict_txid), "%s", o->conflict_txid);
	snprintf(t->conflict_block, sizeof(t->conflict_block), "%s", o->conflict_block);
	t->conflict_height = o->conflict_height;
}

void wal_hist_classify(struct wal_hist_tx *t, const struct wal_obs *o)
{
	bool conflict = o->conflict_txid[0] != 0;

	t->confirmations = 0;
	t->conflict_txid[0] = t->conflict_block[0] = 0;
	t->conflict_height = 0;
	if (o->kind == WAL_OBS_ACTIVE || o->kind == WAL_OBS_STALE)
		wal_hist_seen(t, o->block, o->height);
	switch (o->kind) {
	case WAL_OBS_ACTIVE:
		t->state = WAL_TX_CONFIRMED;
		t->confirmations = o->confirmations;
		return;
	case WAL_OBS_MEMPOOL:
		t->state = t->n_blocks ? WAL_TX_RETURNED : WAL_TX_MEMPOOL;
		return;
	case WAL_OBS_STALE:
	case WAL_OBS_MISSING:
		break;
	}
	if (conflict) {
		set_conflict(t, o);
		/* Bitcoin Core's count: minus the depth of the transaction that replaced it. */
		t->confirmations = -o->conflict_confirmations;
	}
	if (conflict || o->inputs_spent)
		t->state = t->n_blocks ? WAL_TX_CONFLICTED : WAL_TX_ABANDONED;
	else
		t->state = WAL_TX_DROPPED;
}

const char *wal_tx_state_name(enum wal_tx_state s)
{
	static const char *const names[] = {
		[WAL_TX_MEMPOOL] = "mempool", [WAL_TX_CONFIRMED] = "confirmed",
		[WAL_TX_RETURNED] = "returned", [WAL_TX_CONFLICTED] = "conflicted",
		[WAL_TX_ABANDONED] = "abandoned", [WAL_TX_DROPPED] = "dropped",
	};
	return names[s];
}

void wal_hist_describe(char *out, size_t len, const struct wal_hist_tx *t)
{
	switch (t->state) {
	case WAL_TX_MEMPOOL:
		snprintf(out, len, "in the mempool");
		break;
	case WAL_TX_CONFIRMED:
		snprintf(out, len, "confirmed (%lld)", (long long)t->confirmations);
		break;
	case WAL_TX_RETURNED:
		snprintf(out, len, "returned to the mempool by a reorganisation (was in block %lld)",
			 (long long)t->blocks[t->n_blocks - 1].height);
		break;
	case WAL_TX_CONFLICTED:
		if (t->conflict_txid[0])
			snprintf(out, len, "conflicted: double-spent by %s in block %lld",
				 t->conflict_txid, (long long)t->conflict_height);
		else
			snprintf(out, len, "conflicted: was in block %lld, an input is spent "
				 "elsewhere", (long long)t->blocks[t->n_blocks - 1].height);
		break;
	case WAL_TX_ABANDONED:
		snprintf(out, len, "abandoned: never confirmed, an input is spent elsewhere");
		break;
	case WAL_TX_DROPPED:
		snprintf(out, len, "dropped: in neither the chain nor the mempool, inputs unspent");
		break;
	}
}

/* ---- the sidecar file ---- */

static json_t *tx_json(const struct wal_hist_tx *t)
{
	json_t *blocks = json_array(), *ins = json_array();

	for (size_t i = 0; blocks && i < t->n_blocks; i++)
		json_array_append_new(blocks, json_pack("{s:s, s:I}", "hash", t->blocks[i].hash,
							"height", (json_int_t)t->blocks[i].height));
	for (size_t i = 0; ins && i < t->n_inputs; i++)
		json_array_append_new(ins, json_string(t->inputs[i]));
	return json_pack("{s:s, s:I, s:o, s:b, s:o, s:o}", "txid", t->txid, "net",
			 (json_int_t)t->net, "fee", t->fee_known ? json_integer(t->fee) : json_null(),
			 "coinbase", t->coinbase, "blocks", blocks, "inputs", ins);
}

/* Fills t from o; -1 if o is not a remembered transaction. */
static int tx_parse(struct wal_hist_tx *t, json_t *o)
{
	const char *txid = json_string_value(json_object_get(o, "txid"));
	json_t *fee = json_object_get(o, "fee"), *e;
	size_t i;

	uint8_t key[32];

	if (!txid || txid_key(key, txid) < 0 || !json_is_integer(json_object_get(o, "net")))
		return -1;
	memset(t, 0, sizeof(*t));
	snprintf(t->txid, sizeof(t->txid), "%s", txid);
	t->net = json_integer_value(json_object_get(o, "net"));
	t->fee_known = json_is_integer(fee);
	t->fee = json_integer_value(fee);
	t->coinbase = json_is_true(json_object_get(o, "coinbase"));
	json_array_foreach(json_object_get(o, "blocks"), i, e) {
		const char *hash = json_string_value(json_object_get(e, "hash"));
		if (!hash || !json_is_integer(json_object_get(e, "height")))
			return -1;
		wal_hist_seen(t, hash, json_integer_value(json_object_get(e, "height")));
	}
	json_array_foreach(json_object_get(o, "inputs"), i, e) {
		const char *s = json_string_value(e);
		if (!s || strlen(s) >= sizeof(t->inputs[0]))
			return -1;
		if (t->n_inputs < WAL_HIST_INPUTS)
			snprintf(t->inputs[t->n_inputs++], sizeof(t->inputs[0]), "%s", s);
	}
	return 0;
}

int wal_history_load(struct wal_history *h, const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *e;
	size_t i;
	int rc = 0;

	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	root = json_load_file(path, 0, &je);
	if (!root || json_integer_value(json_object_get(root, "version")) != HIST_VERSION ||
	    !json_is_array(json_object_get(root, "txs"))) {
		errf(err, errlen, "'%s' is not a wallet history file (move it away to start afresh)",
		     path);
		json_decref(root);
		return -1;
	}
	json_array_foreach(json_object_get(root, "txs"), i, e) {
		struct wal_hist_tx t, *slot;
		if (tx_parse(&t, e) < 0) {
			errf(err, errlen, "'%s' holds a malformed transaction record", path);
			rc = -1;
			break;
		}
		slot = wal_history_get(h, t.txid);
		if (!slot) {
			errf(err, errlen, "%s", "out of memory, or too many remembered transactions");
			rc = -1;
			break;
		}
		*slot = t;
	}
	json_decref(root);
	return rc;
}

int wal_history_save(const struct wal_history *h, const char *path, char *err, size_t errlen)
{
	json_t *txs = json_array(), *root;
	char *text;
	int rc;

	for (size_t i = 0; txs && i < h->n; i++)
		json_array_append_new(txs, tx_json(&h->v[i]));
	root = txs ? json_pack("{s:i, s:o}", "version", HIST_VERSION, "txs", txs) : NULL;
	text = root ? json_dumps(root, JSON_INDENT(1)) : NULL;
	json_decref(root);
	if (!text) {
		errf(err, errlen, "%s", "out of memory");
		return -1;
	}
	rc = wal_file_replace(path, text, false, err, errlen);
	free(text);
	return rc;
}
