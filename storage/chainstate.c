/* The chain database; see chainstate.h for the durability design. */
#include "storage/chainstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "consensus/hash.h"
#include "consensus/script.h"
#include "storage/coins.h"
#include "storage/db.h"
#include "storage/schema.h"
#include "util/hex.h"

struct stor_chain {
	struct stor_db *db;
	const struct cons_params *params;
	struct stor_coins *coins;      /* top cache, over db */
	struct stor_batch *pending;    /* queued non-coin state changes */
	uint8_t tip[32];               /* tip the pending state reflects */
	bool tip_dirty;
	bool unsynced;                 /* blocks or index records written since the last flush */
	size_t dbcache;
	uint64_t stale_next;           /* the stale index's next sequence number */
	bool stale_loaded;             /* stale_next has been read from the database */
};

static void errf(char *err, size_t errlen, const char *fmt, const char *arg)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, arg);
}

/* First open writes the schema version and genesis; later opens check them. */
static int check_identity(struct stor_chain *c, char *err, size_t errlen)
{
	uint8_t key, *val, genesis[32], ver[4];
	struct cons_block g;
	size_t len;
	int rc;

	cons_block_init(&g);
	if (cons_genesis_block(&g, c->params) < 0) {
		errf(err, errlen, "%s", "out of memory");
		return -1;
	}
	memcpy(genesis, g.hash, 32);
	cons_block_release(&g);
	key = STOR_KEY_VERSION;
	rc = stor_db_get(c->db, &key, 1, &val, &len, err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		struct stor_batch *b = stor_batch_new();
		cons_put_le32(ver, STOR_SCHEMA_VERSION);
		stor_batch_put(b, &key, 1, ver, 4);
		key = STOR_KEY_GENESIS;
		stor_batch_put(b, &key, 1, genesis, 32);
		rc = stor_db_write(c->db, b, true, err, errlen);
		stor_batch_free(b);
		return rc;
	}
	rc = len == 4 && cons_le32(val) == STOR_SCHEMA_VERSION ? 0 : -1;
	free(val);
	if (rc < 0) {
		errf(err, errlen, "%s", "unsupported database schema version: remove the datadir's chain folder to start afresh");
		return -1;
	}
	key = STOR_KEY_GENESIS;
	if (stor_db_get(c->db, &key, 1, &val, &len, err, errlen) < 1)
		return -1;
	rc = len == 32 && memcmp(val, genesis, 32) == 0 ? 0 : -1;
	free(val);
	if (rc < 0)
		errf(err, errlen, "database belongs to another chain than '%s'", c->params->name);
	return rc;
}

int stor_chain_open(struct stor_chain **out, const char *dir, const struct cons_params *p,
		    size_t dbcache_bytes, char *err, size_t errlen)
{
	struct stor_chain *c = calloc(1, sizeof(*c));
	struct stor_db_options o;

	*out = NULL;
	if (!c) {
		errf(err, errlen, "%s", "out of memory");
		return -1;
	}
	c->params = p;
	c->dbcache = dbcache_bytes;
	stor_db_options_default(&o);
	if (stor_db_open(&c->db, dir, &o, err, errlen) < 0)
		goto fail;
	if (check_identity(c, err, errlen) < 0)
		goto fail;
	c->coins = stor_coins_new(c->db, NULL, dbcache_bytes);
	c->pending = stor_batch_new();
	if (!c->coins || !c->pending) {
		errf(err, errlen, "%s", "out of memory");
		goto fail;
	}
	if (stor_tip_get(c, c->tip, err, errlen) < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	stor_chain_close(c);
	return -1;
}

void stor_chain_close(struct stor_chain *c)
{
	if (!c)
		return;
	stor_coins_free(c->coins);
	stor_batch_free(c->pending);
	stor_db_close(c->db);
	free(c);
}

static void key33(uint8_t key[33], uint8_t prefix, const uint8_t hash[32])
{
	key[0] = prefix;
	memcpy(key + 1, hash, 32);
}

int stor_block_put(struct stor_chain *c, const struct cons_block *b,
		   const struct stor_index_rec *rec, char *err, size_t errlen)
{
	struct cons_writer w;
	struct stor_batch *batch = stor_batch_new();
	uint8_t key[33], val[STOR_INDEX_VAL_LEN];
	int rc = -1;

	cons_writer_init(&w);
	cons_block_write(&w, b);
	if (w.oom || !batch) {
		errf(err, errlen, "%s", "out of memory");
		goto out;
	}
	key33(key, STOR_KEY_BLOCK, b->hash);
	stor_batch_put(batch, key, sizeof(key), w.data, w.len);
	key33(key, STOR_KEY_INDEX, rec->hash);
	stor_index_encode(val, rec);
	stor_batch_put(batch, key, sizeof(key), val, sizeof(val));
	rc = stor_db_write(c->db, batch, false, err, errlen);
	c->unsynced = true;
out:
	stor_batch_free(batch);
	cons_writer_release(&w);
	return rc;
}

int stor_block_get_raw(struct stor_chain *c, uint8_t **raw, size_t *len, const uint8_t hash[32],
		       char *err, size_t errlen)
{
	uint8_t key[33], *val, got[32];
	size_t n;
	char hex[65];
	int rc;

	key33(key, STOR_KEY_BLOCK, hash);
	rc = stor_db_get(c->db, key, sizeof(key), &val, &n, err, errlen);
	if (rc < 1)
		return rc;
	/* Only the header is hashed: the body's bytes go out as they are. */
	if (n >= 80)
		cons_sha256d_header(got, val);
	if (n < 80 || memcmp(got, hash, 32) != 0) {
		free(val);
		util_hex_encode_rev(hex, hash, 32);
		errf(err, errlen, "stored block %s is corrupt", hex);
		return -1;
	}
	*raw = val;
	*len = n;
	return 1;
}

int stor_block_get(struct stor_chain *c, const uint8_t hash[32], struct cons_block *b,
		   char *err, size_t errlen)
{
	uint8_t *val;
	size_t len;
	char hex[65];
	int rc = stor_block_get_raw(c, &val, &len, hash, err, errlen);

	if (rc < 1)
		return rc;
	if (cons_block_parse(b, NULL, val, len) < 0 || memcmp(b->hash, hash, 32) != 0) {
		cons_block_release(b);
		util_hex_encode_rev(hex, hash, 32);
		errf(err, errlen, "stored block %s is corrupt", hex);
		rc = -1;
	}
	free(val);
	return rc;
}

int stor_index_put(struct stor_chain *c, const struct stor_index_rec *rec, char *err, size_t errlen)
{
	struct stor_batch *b = stor_batch_new();
	uint8_t key[33], val[STOR_INDEX_VAL_LEN];
	int rc;

	if (!b) {
		errf(err, errlen, "%s", "out of memory");
		return -1;
	}
	key33(key, STOR_KEY_INDEX, rec->hash);
	stor_index_encode(val, rec);
	stor_batch_put(b, key, sizeof(key), val, sizeof(val));
	rc = stor_db_write(c->db, b, false, err, errlen);
	c->unsynced = true;
	stor_batch_free(b);
	return rc;
}

int stor_index_load(struct stor_chain *c, int (*fn)(void *ctx, const struct stor_index_rec *rec),
		    void *ctx, char *err, size_t errlen)
{
	uint8_t prefix = STOR_KEY_INDEX;
	struct stor_iter *it = stor_iter_new(c->db, &prefix, 1);
	const uint8_t *k, *v;
	size_t kl, vl;
	int rc = 0;

	if (!it) {
		errf(err, errlen, "%s", "out of memory");
		return -1;
	}
	while (rc == 0 && stor_iter_next(it, &k, &kl, &v, &vl)) {
		struct stor_index_rec rec;
		if (kl != 33 || stor_index_decode(&rec, k + 1, v, vl) < 0) {
			errf(err, errlen, "%s", "corrupt block index record");
			rc = -1;
		} else if (fn(ctx, &rec) < 0) {
			errf(err, errlen, "%s", "block index load failed");
			rc = -1;
		}
	}
	if (rc == 0)
		rc = stor_iter_error(it, err, errlen);
	stor_iter_free(it);
	return rc;
}

int stor_tip_get(struct stor_chain *c, uint8_t hash[32], char *err, size_t errlen)
{
	uint8_t key = STOR_KEY_TIP, *val;
	size_t len;
	int rc = stor_db_get(c->db, &key, 1, &val, &len, err, errlen);

	if (rc < 1) {
		if (rc == 0)
			memset(hash, 0, 32);
		return rc;
	}
	if (len != 32) {
		free(val);
		errf(err, errlen, "%s", "corrupt chain tip marker");
		return -1;
	}
	memcpy(hash, val, 32);
	free(val);
	return 1;
}

/* Queues 'A' pkh height txid for every address tx touches (outputs and spent coins). */
static void queue_address_keys(struct stor_batch *b, const struct cons_block *blk, int64_t height,
			       const struct cons_block_undo *undo, bool del)
{
	uint8_t key[1 + 20 + 4 + 32], pkh[20];

	key[0] = STOR_KEY_ADDRTX;
	stor_put_be32(key + 21, (uint32_t)height);
	for (size_t t = 0; t < blk->n_tx; t++) {
		const struct cons_tx *tx = &blk->tx[t];
		memcpy(key + 25, tx->txid, 32);
		for (size_t i = 0; i < tx->n_out; i++) {
			if (!cons_script_is_p2pkh(tx->out[i].script, tx->out[i].script_len, pkh))
				continue;
			memcpy(key + 1, pkh, 20);
			if (del)
				stor_batch_del(b, key, sizeof(key));
			else
				stor_batch_put(b, key, sizeof(key), "", 0);
		}
	}
	for (size_t i = 0; i < undo->n; i++) {
		memcpy(key + 1, undo->spent[i].coin.pkh, 20);
		memcpy(key + 25, blk->tx[undo->spent[i].tx].txid, 32);
		if (del)
			stor_batch_del(b, key, sizeof(key));
		else
			stor_batch_put(b, key, sizeof(key), "", 0);
	}
}

/* Queues the height, tx index and address index entries of blk. */
static void queue_indexes(struct stor_chain *c, const struct cons_block *blk, int64_t height,
			  const struct cons_block_undo *undo, bool del)
{
	uint8_t hkey[5], xkey[33], xval[36];

	hkey[0] = STOR_KEY_HEIGHT;
	stor_put_be32(hkey + 1, (uint32_t)height);
	if (del)
		stor_batch_del(c->pending, hkey, sizeof(hkey));
	else
		stor_batch_put(c->pending, hkey, sizeof(hkey), blk->hash, 32);
	memcpy(xval, blk->hash, 32);
	for (size_t t = 0; t < blk->n_tx; t++) {
		key33(xkey, STOR_KEY_TXINDEX, blk->tx[t].txid);
		cons_put_le32(xval + 32, (uint32_t)t);
		if (del)
			stor_batch_del(c->pending, xkey, sizeof(xkey));
		else
			stor_batch_put(c->pending, xkey, sizeof(xkey), xval, sizeof(xval));
	}
	queue_address_keys(c->pending, blk, height, undo, del);
}

struct stor_coins *stor_chain_layer(struct stor_chain *c)
{
	return stor_coins_new(NULL, c->coins, 0);
}

int stor_connect_commit(struct stor_chain *c, struct stor_coins *layer, const struct cons_block *b,
			int64_t height, const struct cons_block_undo *undo, char *err, size_t errlen)
{
	uint8_t key[33], *val;
	size_t len;

	if (stor_undo_encode(&val, &len, undo) < 0) {
		errf(err, errlen, "%s", "out of memory");
		return -1;
	}
	/* Past this point a failure leaves the top cache half-merged. */
	if (stor_coins_merge(layer) < 0) {
		free(val);
		errf(err, errlen, "%s", "out of memory merging coins");
		return -1;
	}
	key33(key, STOR_KEY_UNDO, b->hash);
	stor_batch_put(c->pending, key, sizeof(key), val, len);
	free(val);
	queue_indexes(c, b, height, undo, false);
	memcpy(c->tip, b->hash, 32);
	c->tip_dirty = true;
	return 0;
}

static int read_undo(struct stor_chain *c, const struct cons_block *b,
		     struct cons_block_undo *undo, char *err, size_t errlen)
{
	uint8_t key[33], *val;
	size_t len, n_in = 0;
	char hex[65];
	int rc;

	key33(key, STOR_KEY_UNDO, b->hash);
	rc = stor_db_get(c->db, key, sizeof(key), &val, &len, err, errlen);
	if (rc < 0)
		return -1;
	for (size_t t = 1; t < b->n_tx; t++)
		n_in += b->tx[t].n_in;
	util_hex_encode_rev(hex, b->hash, 32);
	if (rc == 0) {
		errf(err, errlen, "undo data of block %s is missing", hex);
		return -1;
	}
	rc = stor_undo_decode(undo, val, len);
	free(val);
	if (rc < 0 || undo->n != n_in) {
		cons_block_undo_release(undo);
		errf(err, errlen, "undo data of block %s is corrupt", hex);
		return -1;
	}
	return 0;
}

/* Removes tx's outputs from layer; -1 if one is missing (state inconsistent). */
static int unspend_outputs(struct stor_coins *layer, const struct cons_tx *tx)
{
	struct cons_outpoint op;
	struct cons_coin coin;

	memcpy(op.txid, tx->txid, 32);
	for (size_t i = 0; i < tx->n_out; i++) {
		if (!cons_script_is_p2pkh(tx->out[i].script, tx->out[i].script_len, NULL))
			continue;
		op.n = (uint32_t)i;
		if (stor_coins_get(layer, &op, &coin) != 1 || stor_coins_spend(layer, &op) < 0)
			return -1;
	}
	return 0;
}

/* Undoes b's spends in layer: last tx first, so in-block chains unwind. */
static int undo_block(struct stor_coins *layer, const struct cons_block *b,
		      const struct cons_block_undo *undo)
{
	size_t u = undo->n;

	for (size_t t = b->n_tx; t-- > 0;) {
		if (unspend_outputs(layer, &b->tx[t]) < 0)
			return -1;
		for (size_t i = b->tx[t].n_in; t > 0 && i-- > 0;) {
			const struct cons_spent *s = &undo->spent[--u];
			if (s->tx != t || s->in != i || stor_coins_add(layer, &s->op, &s->coin) < 0)
				return -1;
		}
	}
	return 0;
}

int stor_disconnect_block(struct stor_chain *c, const struct cons_block *b, int64_t height,
			  char *err, size_t errlen)
{
	struct cons_block_undo undo;
	struct stor_coins *layer;
	char hex[65];
	int rc = -1;

	if (memcmp(b->hash, c->tip, 32) != 0) {
		errf(err, errlen, "%s", "disconnecting a block that is not the tip");
		return -1;
	}
	if ((c->tip_dirty || stor_coins_dirty(c->coins)) && stor_chain_flush(c, err, errlen) < 0)
		return -1;
	cons_block_undo_init(&undo);
	if (read_undo(c, b, &undo, err, errlen) < 0)
		return -1;
	layer = stor_coins_new(NULL, c->coins, 0);
	if (!layer || undo_block(layer, b, &undo) < 0) {
		util_hex_encode_rev(hex, b->hash, 32);
		errf(err, errlen, "coin set does not match block %s: run with --reindex", hex);
		goto out;
	}
	if (stor_coins_merge(layer) < 0) {
		errf(err, errlen, "%s", "out of memory");
		goto out;
	}
	queue_indexes(c, b, height, &undo, true);
	memcpy(c->tip, b->hdr.prev, 32);
	c->tip_dirty = true;
	rc = 0;
out:
	stor_coins_free(layer);
	cons_block_undo_release(&undo);
	return rc;
}

int stor_chain_flush(struct stor_chain *c, char *err, size_t errlen)
{
	uint8_t key = STOR_KEY_TIP;

	if (!c->tip_dirty && !c->unsynced && stor_coins_dirty(c->coins) == 0 &&
	    stor_batch_count(c->pending) == 0)
		return 0;
	stor_coins_write(c->coins, c->pending);
	stor_batch_put(c->pending, &key, 1, c->tip, 32);
	if (stor_db_write(c->db, c->pending, true, err, errlen) < 0)
		return -1;
	stor_coins_written(c->coins);
	stor_batch_clear(c->pending);
	c->tip_dirty = false;
	c->unsynced = false;
	return 0;
}

int stor_verify_recent(struct stor_chain *c, const struct cons_block *blocks, size_t n,
		       char *err, size_t errlen)
{
	struct stor_coins *layer = stor_coins_new(NULL, c->coins, 0);
	char hex[65];
	int rc = 0;

	if (!layer) {
		errf(err, errlen, "%s", "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct cons_block_undo undo;
		cons_block_undo_init(&undo);
		if (memcmp(blocks[i].hdr.prev, (const uint8_t[32]){0}, 32) == 0)
			break;                  /* genesis has no undo data */
		rc = read_undo(c, &blocks[i], &undo, err, errlen);
		if (rc == 0 && undo_block(layer, &blocks[i], &undo) < 0) {
			util_hex_encode_rev(hex, blocks[i].hash, 32);
			errf(err, errlen, "coin set does not match block %s", hex);
			rc = -1;
		}
		cons_block_undo_release(&undo);
	}
	stor_coins_free(layer);
	return rc;
}

bool stor_chain_flush_due(const struct stor_chain *c)
{
	return stor_coins_memory(c->coins) > c->dbcache;
}

int stor_coin_get(struct stor_chain *c, const struct cons_outpoint *op, struct cons_coin *coin)
{
	return stor_coins_get(c->coins, op, coin);
}

int stor_utxo_stats(struct stor_chain *c, uint8_t hash[32], uint64_t *count, int64_t *total,
		    char *err, size_t errlen)
{
	uint8_t prefix = STOR_KEY_COIN;
	struct stor_iter *it = stor_iter_new(c->db, &prefix, 1);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	const uint8_t *k, *v;
	size_t kl, vl;
	int rc = -1;

	*count = 0;
	*total = 0;
	if (!it || !md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		errf(err, errlen, "%s", "out of memory");
		goto out;
	}
	while (stor_iter_next(it, &k, &kl, &v, &vl)) {
		struct cons_coin coin;
		if (stor_coin_decode(&coin, v, vl) < 0) {
			errf(err, errlen, "%s", "corrupt coin record");
			goto out;
		}
		EVP_DigestUpdate(md, k, kl);
		EVP_DigestUpdate(md, v, vl);
		(*count)++;
		*total += coin.value;
	}
	if (stor_iter_error(it, err, errlen) < 0)
		goto out;
	EVP_DigestFinal_ex(md, hash, NULL);
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	stor_iter_free(it);
	return rc;
}

/* Deletes every key under one prefix, in batches so memory stays bounded. */
static int wipe_prefix(struct stor_chain *c, uint8_t prefix, char *err, size_t errlen)
{
	for (;;) {
		struct stor_iter *it = stor_iter_new(c->db, &prefix, 1);
		struct stor_batch *b = stor_batch_new();
		const uint8_t *k, *v;
		size_t kl, vl;
		int rc;

		if (!it || !b) {
			stor_iter_free(it);
			stor_batch_free(b);
			errf(err, errlen, "%s", "out of memory");
			return -1;
		}
		while (stor_batch_count(b) < 10000 && stor_iter_next(it, &k, &kl, &v, &vl))
			stor_batch_del(b, k, kl);
		rc = stor_iter_error(it, err, errlen);
		stor_iter_free(it);
		if (rc == 0 && stor_batch_count(b) > 0)
			rc = stor_db_write(c->db, b, false, err, errlen);
		if (rc < 0 || stor_batch_count(b) == 0) {
			stor_batch_free(b);
			return rc;
		}
		stor_batch_free(b);
	}
}

static int clear_valid(void *ctx, const struct stor_index_rec *rec)
{
	struct stor_index_rec r = *rec;

	if (!(r.status & STOR_VALID))
		return 0;
	r.status &= ~(uint32_t)STOR_VALID;
	return stor_index_put(ctx, &r, NULL, 0);
}

int stor_chain_wipe_state(struct stor_chain *c, char *err, size_t errlen)
{
	static const uint8_t prefixes[] = {STOR_KEY_COIN, STOR_KEY_UNDO, STOR_KEY_HEIGHT,
					   STOR_KEY_TXINDEX, STOR_KEY_ADDRTX, STOR_KEY_ADDRUTXO,
					   STOR_KEY_TIP};

	stor_coins_free(c->coins);
	c->coins = stor_coins_new(c->db, NULL, c->dbcache);
	stor_batch_clear(c->pending);
	memset(c->tip, 0, 32);
	c->tip_dirty = false;
	if (!c->coins) {
		errf(err, errlen, "%s", "out of memory");
		return -1;
	}
	for (size_t i = 0; i < sizeof(prefixes); i++)
		if (wipe_prefix(c, prefixes[i], err, errlen) < 0)
			return -1;
	return stor_index_load(c, clear_valid, c, err, errlen);
}

/* ---- index lookups ---- */

int stor_tx_locate(struct stor_chain *c, const uint8_t txid[32], uint8_t block[32], uint32_t *pos,
		   char *err, size_t errlen)
{
	uint8_t key[33], *val;
	size_t vlen;
	int rc;

	key33(key, STOR_KEY_TXINDEX, txid);
	rc = stor_db_get(c->db, key, sizeof(key), &val, &vlen, err, errlen);
	if (rc <= 0)
		return rc;
	if (vlen != 36) {
		free(val);
		errf(err, errlen, "%s", "corrupt tx index record");
		return -1;
	}
	memcpy(block, val, 32);
	*pos = cons_le32(val + 32);
	free(val);
	return 1;
}

/* An iterator over one address's keys under prefix; NULL with err on failure. */
static struct stor_iter *addr_iter(struct stor_chain *c, uint8_t prefix, const uint8_t pkh[20],
				   char *err, size_t errlen)
{
	uint8_t key[21];
	struct stor_iter *it;

	key[0] = prefix;
	memcpy(key + 1, pkh, 20);
	it = stor_iter_new(c->db, key, sizeof(key));
	if (!it)
		errf(err, errlen, "%s", "out of memory");
	return it;
}

int stor_addr_txids(struct stor_chain *c, const uint8_t pkh[20], int64_t from, int64_t to,
		    int (*fn)(void *ctx, int64_t height, const uint8_t txid[32]), void *ctx,
		    char *err, size_t errlen)
{
	struct stor_iter *it = addr_iter(c, STOR_KEY_ADDRTX, pkh, err, errlen);
	const uint8_t *k, *v;
	size_t kl, vl;
	int rc;

	if (!it)
		return -1;
	while (stor_iter_next(it, &k, &kl, &v, &vl)) {
		int64_t h;
		if (kl != 1 + 20 + 4 + 32)
			continue;
		h = stor_be32(k + 21);
		if (h < from)
			continue;
		if (h > to || fn(ctx, h, k + 25) != 0)
			break;
	}
	rc = stor_iter_error(it, err, errlen);
	stor_iter_free(it);
	return rc;
}

int stor_addr_utxos(struct stor_chain *c, const uint8_t pkh[20],
		    int (*fn)(void *ctx, const struct cons_outpoint *op, const struct cons_coin *coin),
		    void *ctx, char *err, size_t errlen)
{
	struct stor_iter *it = addr_iter(c, STOR_KEY_ADDRUTXO, pkh, err, errlen);
	const uint8_t *k, *v;
	size_t kl, vl;
	int rc;

	if (!it)
		return -1;
	while (stor_iter_next(it, &k, &kl, &v, &vl)) {
		struct cons_outpoint op;
		struct cons_coin coin;
		if (kl != 1 + 20 + 32 + 4)
			continue;
		memcpy(op.txid, k + 21, 32);
		op.n = stor_be32(k + 53);
		/* The coin record carries what the address record does not (coinbase). */
		if (stor_coins_get(c->coins, &op, &coin) != 1)
			continue;
		if (fn(ctx, &op, &coin) != 0)
			break;
	}
	rc = stor_iter_error(it, err, errlen);
	stor_iter_free(it);
	return rc;
}

uint64_t stor_chain_disk_size(struct stor_chain *c)
{
	uint8_t lo = 0, hi = 0xff;

	return stor_db_size(c->db, &lo, 1, &hi, 1);
}

/* ---- the stale transaction index ---- */

static void put_le64(uint8_t *p, uint64_t v)
{
	cons_put_le32(p, (uint32_t)v);
	cons_put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)cons_le32(p) | (uint64_t)cons_le32(p + 4) << 32;
}

static void stale_seq_key(uint8_t key[9], uint64_t seq)
{
	key[0] = STOR_KEY_STALE_SEQ;
	stor_put_be32(key + 1, (uint32_t)(seq >> 32));
	stor_put_be32(key + 5, (uint32_t)seq);
}

static int stale_load(struct stor_chain *c, char *err, size_t errlen)
{
	uint8_t key = STOR_KEY_STALE, *val;
	size_t len;
	int rc;

	if (c->stale_loaded)
		return 0;
	rc = stor_db_get(c->db, &key, 1, &val, &len, err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 1 && len != 8) {
		free(val);
		errf(err, errlen, "%s", "corrupt stale tx index counter");
		return -1;
	}
	c->stale_next = rc == 1 ? le64(val) : 0;
	if (rc == 1)
		free(val);
	c->stale_loaded = true;
	return 0;
}

/* Queues the removal of entry seq (flushed, as STOR_STALE_MAX guarantees), if still present. */
static int stale_forget(struct stor_chain *c, uint64_t seq, char *err, size_t errlen)
{
	uint8_t skey[9], tkey[33], *txid, *val;
	size_t len, vlen;
	int rc;

	stale_seq_key(skey, seq);
	rc = stor_db_get(c->db, skey, sizeof(skey), &txid, &len, err, errlen);
	if (rc <= 0)
		return rc;
	stor_batch_del(c->pending, skey, sizeof(skey));
	if (len != 32) {
		free(txid);
		return 0;
	}
	key33(tkey, STOR_KEY_STALE, txid);
	free(txid);
	rc = stor_db_get(c->db, tkey, sizeof(tkey), &val, &vlen, err, errlen);
	if (rc <= 0)
		return rc;
	if (vlen == 48 && le64(val + 40) == seq)   /* not recorded again since */
		stor_batch_del(c->pending, tkey, sizeof(tkey));
	free(val);
	return 0;
}

int stor_stale_record(struct stor_chain *c, const struct cons_block *b, int64_t time,
		      char *err, size_t errlen)
{
	uint8_t key = STOR_KEY_STALE, tkey[33], skey[9], val[48], next[8];

	if (stale_load(c, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < b->n_tx; i++) {
		uint64_t seq = c->stale_next++;
		if (seq >= STOR_STALE_MAX && stale_forget(c, seq - STOR_STALE_MAX, err, errlen) < 0)
			return -1;
		memcpy(val, b->hash, 32);
		put_le64(val + 32, (uint64_t)time);
		put_le64(val + 40, seq);
		key33(tkey, STOR_KEY_STALE, b->tx[i].txid);
		stor_batch_put(c->pending, tkey, sizeof(tkey), val, sizeof(val));
		stale_seq_key(skey, seq);
		stor_batch_put(c->pending, skey, sizeof(skey), b->tx[i].txid, 32);
	}
	put_le64(next, c->stale_next);
	stor_batch_put(c->pending, &key, 1, next, sizeof(next));
	return 0;
}

int stor_stale_get(struct stor_chain *c, const uint8_t txid[32], uint8_t block[32],
		   int64_t *time, char *err, size_t errlen)
{
	uint8_t key[33], *val;
	size_t vlen;
	int rc;

	key33(key, STOR_KEY_STALE, txid);
	rc = stor_db_get(c->db, key, sizeof(key), &val, &vlen, err, errlen);
	if (rc <= 0)
		return rc;
	if (vlen != 48) {
		free(val);
		errf(err, errlen, "%s", "corrupt stale tx index record");
		return -1;
	}
	memcpy(block, val, 32);
	*time = (int64_t)le64(val + 32);
	free(val);
	return 1;
}
