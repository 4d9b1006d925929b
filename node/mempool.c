/*
 * Mempool: entries are heap objects on a doubly linked list in arrival
 * order (so parents precede children), found by txid through one hash map
 * and by spent outpoint through another, so accepting, removing and
 * conflict checks cost O(inputs + outputs), never O(pool).
 */
#include "node/mempool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consensus/script.h"
#include "util/hmap.h"

struct entry {
	struct node_mempool_entry e;
	struct entry *prev, *next;
};

struct node_mempool {
	const struct cons_params *p;
	size_t max_bytes, bytes;
	int64_t min_fee_rate;
	uint64_t next_seq;
	struct entry *head, *tail;
	size_t count;
	struct util_hmap by_txid;       /* txid -> entry */
	struct util_hmap by_spent;      /* outpoint (36 bytes) -> spending entry */
};

static const char *const reject_names[] = {
	"ok", "txn-already-in-mempool", "txn-mempool-conflict", "min relay fee not met",
	"mempool full", "coinbase", "consensus",
};

const char *node_mempool_reject_str(enum node_mempool_reject r)
{
	return r <= NODE_MP_CONSENSUS ? reject_names[r] : "unknown";
}

struct node_mempool *node_mempool_new(const struct cons_params *p, size_t max_bytes,
				      int64_t min_fee_rate)
{
	struct node_mempool *mp = calloc(1, sizeof(*mp));

	if (!mp)
		return NULL;
	mp->p = p;
	mp->max_bytes = max_bytes;
	mp->min_fee_rate = min_fee_rate;
	util_hmap_init(&mp->by_txid, 32);
	util_hmap_init(&mp->by_spent, 36);
	return mp;
}

void node_mempool_free(struct node_mempool *mp)
{
	if (!mp)
		return;
	for (struct entry *e = mp->head, *next; e; e = next) {
		next = e->next;
		cons_tx_release(&e->e.tx);
		free(e);
	}
	util_hmap_release(&mp->by_txid);
	util_hmap_release(&mp->by_spent);
	free(mp);
}

static void op_key(uint8_t key[36], const struct cons_outpoint *op)
{
	memcpy(key, op->txid, 32);
	cons_put_le32(key + 32, op->n);
}

const struct node_mempool_entry *node_mempool_get(const struct node_mempool *mp,
						  const uint8_t txid[32])
{
	struct entry *e = util_hmap_get(&mp->by_txid, txid);

	return e ? &e->e : NULL;
}

bool node_mempool_spends(const struct node_mempool *mp, const struct cons_outpoint *op)
{
	uint8_t key[36];

	op_key(key, op);
	return util_hmap_get(&mp->by_spent, key) != NULL;
}

size_t node_mempool_count(const struct node_mempool *mp)
{
	return mp->count;
}

size_t node_mempool_bytes(const struct node_mempool *mp)
{
	return mp->bytes;
}

void node_mempool_foreach(const struct node_mempool *mp,
			  void (*fn)(void *ctx, const struct node_mempool_entry *e), void *ctx)
{
	for (struct entry *e = mp->head; e; e = e->next)
		fn(ctx, &e->e);
}

/* ---- removal ---- */

static void unlink_entry(struct node_mempool *mp, struct entry *e)
{
	uint8_t key[36];

	for (size_t i = 0; i < e->e.tx.n_in; i++) {
		op_key(key, &e->e.tx.in[i].prevout);
		if (util_hmap_get(&mp->by_spent, key) == e)
			util_hmap_del(&mp->by_spent, key);
	}
	util_hmap_del(&mp->by_txid, e->e.tx.txid);
	if (e->prev)
		e->prev->next = e->next;
	else
		mp->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		mp->tail = e->prev;
	mp->count--;
	mp->bytes -= e->e.tx.size;
	cons_tx_release(&e->e.tx);
	free(e);
}

size_t node_mempool_remove(struct node_mempool *mp, const uint8_t txid[32])
{
	struct entry *e = util_hmap_get(&mp->by_txid, txid);
	struct cons_outpoint op;
	uint8_t key[36];
	size_t n = 1;

	if (!e)
		return 0;
	/* Children first: each spends one of our outputs. */
	memcpy(op.txid, txid, 32);
	for (size_t i = 0; i < e->e.tx.n_out; i++) {
		struct entry *child;
		op.n = (uint32_t)i;
		op_key(key, &op);
		child = util_hmap_get(&mp->by_spent, key);
		if (child)
			n += node_mempool_remove(mp, child->e.tx.txid);
	}
	unlink_entry(mp, e);
	return n;
}

void node_mempool_remove_block(struct node_mempool *mp, const struct cons_block *b)
{
	uint8_t key[36];

	for (size_t t = 1; t < b->n_tx; t++) {
		const struct cons_tx *tx = &b->tx[t];
		struct entry *e = util_hmap_get(&mp->by_txid, tx->txid);
		if (e)
			unlink_entry(mp, e);    /* confirmed: its children stay valid */
		for (size_t i = 0; i < tx->n_in; i++) {
			struct entry *conflict;
			op_key(key, &tx->in[i].prevout);
			conflict = util_hmap_get(&mp->by_spent, key);
			if (conflict)
				node_mempool_remove(mp, conflict->e.tx.txid);
		}
	}
}

/* ---- acceptance ---- */

struct pool_view {
	const struct node_mempool *mp;
	const struct node_mempool_view *chain;
};

/* A coin from a pool transaction's output, else from the chain. */
static int pool_get(void *ctx, const struct cons_outpoint *op, struct cons_coin *coin)
{
	struct pool_view *v = ctx;
	struct entry *parent = util_hmap_get(&v->mp->by_txid, op->txid);

	if (parent) {
		const struct cons_txout *out;
		if (op->n >= parent->e.tx.n_out || node_mempool_spends(v->mp, op))
			return 0;
		out = &parent->e.tx.out[op->n];
		if (!cons_script_is_p2pkh(out->script, out->script_len, coin->pkh))
			return 0;
		coin->value = out->value;
		coin->height = (uint32_t)(v->chain->tip_height + 1);
		coin->coinbase = false;
		return 1;
	}
	return v->chain->get_coin(v->chain->ctx, op, coin);
}

static bool fee_rate_below(int64_t fee_a, size_t size_a, int64_t fee_b, size_t size_b)
{
	/* fee_a/size_a < fee_b/size_b without division; fees <= 2.1e15, sizes <= 1e6. */
	return (__int128)fee_a * (__int128)size_b < (__int128)fee_b * (__int128)size_a;
}

/* True if e's txid is a direct parent of tx. */
static bool is_parent(const struct entry *e, const struct cons_tx *tx)
{
	for (size_t i = 0; i < tx->n_in; i++)
		if (memcmp(tx->in[i].prevout.txid, e->e.tx.txid, 32) == 0)
			return true;
	return false;
}

/* Evicts the lowest fee rates until tx fits; false if tx pays less than what must go. */
static bool make_room(struct node_mempool *mp, const struct cons_tx *tx, int64_t fee)
{
	while (mp->bytes + tx->size > mp->max_bytes && mp->head) {
		struct entry *low = NULL;
		for (struct entry *e = mp->head; e; e = e->next)
			if (!low || fee_rate_below(e->e.fee, e->e.tx.size, low->e.fee, low->e.tx.size))
				low = e;
		if (!fee_rate_below(low->e.fee, low->e.tx.size, fee, tx->size) || is_parent(low, tx))
			return false;
		node_mempool_remove(mp, low->e.tx.txid);
	}
	return mp->bytes + tx->size <= mp->max_bytes;
}

static int insert(struct node_mempool *mp, const struct cons_tx *tx, int64_t fee, int64_t now)
{
	struct entry *e = calloc(1, sizeof(*e));
	uint8_t key[36];

	if (!e || cons_tx_copy(&e->e.tx, tx) < 0) {
		free(e);
		return -1;
	}
	e->e.fee = fee;
	e->e.time = now;
	e->e.seq = mp->next_seq++;
	e->prev = mp->tail;
	if (mp->tail)
		mp->tail->next = e;
	else
		mp->head = e;
	mp->tail = e;
	mp->count++;
	mp->bytes += tx->size;
	if (util_hmap_put(&mp->by_txid, tx->txid, e) < 0)
		goto fail;
	for (size_t i = 0; i < tx->n_in; i++) {
		op_key(key, &tx->in[i].prevout);
		if (util_hmap_put(&mp->by_spent, key, e) < 0)
			goto fail;
	}
	return 0;
fail:
	unlink_entry(mp, e);            /* removes whatever map entries were made */
	return -1;
}

static enum cons_verdict policy(enum node_mempool_reject *why, enum node_mempool_reject r,
				struct cons_state *st, const char *detail)
{
	*why = r;
	st->verdict = CONS_INVALID;
	st->code = CONS_REJ_NONE;
	snprintf(st->detail, sizeof(st->detail), "%s%s%s", node_mempool_reject_str(r),
		 detail[0] ? ": " : "", detail);
	return CONS_INVALID;
}

static enum cons_verdict check_against_pool(struct node_mempool *mp,
					    const struct node_mempool_view *view,
					    const struct cons_tx *tx, enum node_mempool_reject *why,
					    struct cons_state *st)
{
	enum cons_verdict v = cons_check_tx(mp->p, tx, st);

	if (v != CONS_VALID) {
		*why = NODE_MP_CONSENSUS;
		return v;
	}
	if (cons_tx_is_coinbase(tx))
		return policy(why, NODE_MP_COINBASE, st, "");
	if (util_hmap_get(&mp->by_txid, tx->txid))
		return policy(why, NODE_MP_DUPLICATE, st, "");
	for (size_t i = 0; i < tx->n_in; i++)
		if (node_mempool_spends(mp, &tx->in[i].prevout))
			return policy(why, NODE_MP_CONFLICT, st, "");
	if (!cons_tx_is_final(tx, view->tip_height + 1, view->tip_mtp)) {
		*why = NODE_MP_CONSENSUS;
		return cons_state_invalid(st, CONS_REJ_TX_NONFINAL, "%s", "");
	}
	return CONS_VALID;
}

enum cons_verdict node_mempool_accept(struct node_mempool *mp, const secp256k1_context *secp,
				      const struct node_mempool_view *view,
				      const struct cons_tx *tx, int64_t now,
				      enum node_mempool_reject *why, struct cons_state *st)
{
	struct pool_view pv = {mp, view};
	struct cons_coin_view cv = {&pv, pool_get};
	struct cons_coin *coins;
	enum node_mempool_reject dummy;
	enum cons_verdict v;
	int64_t fee = 0;

	if (!why)
		why = &dummy;
	*why = NODE_MP_OK;
	v = check_against_pool(mp, view, tx, why, st);
	if (v != CONS_VALID)
		return v;
	coins = malloc(tx->n_in * sizeof(*coins));
	if (!coins)
		return cons_state_error(st, "out of memory");
	*why = NODE_MP_CONSENSUS;
	v = cons_check_tx_inputs(mp->p, tx, &cv, view->tip_height + 1, coins, &fee, st);
	if (v == CONS_VALID && fee * 1000 < mp->min_fee_rate * (int64_t)tx->size) {
		char detail[64];
		snprintf(detail, sizeof(detail), "%lld < %lld", (long long)fee,
			 (long long)(mp->min_fee_rate * (int64_t)tx->size / 1000));
		v = policy(why, NODE_MP_LOW_FEE, st, detail);
	}
	if (v == CONS_VALID)
		v = cons_check_tx_sigs(secp, tx, coins, st);
	free(coins);
	if (v != CONS_VALID)
		return v;
	if (!make_room(mp, tx, fee))
		return policy(why, NODE_MP_FULL, st, "");
	if (insert(mp, tx, fee, now) < 0)
		return cons_state_error(st, "out of memory");
	mp->tail->e.height = view->tip_height;     /* insert appends */
	*why = NODE_MP_OK;
	return CONS_VALID;
}

/* ---- persistence ---- */

#define MEMPOOL_FILE_MAGIC 0x504d4c46u   /* "FLMP" */
#define MEMPOOL_FILE_VERSION 1

int node_mempool_save(const struct node_mempool *mp, const char *path)
{
	struct cons_writer w;
	char tmp[1024];
	FILE *f;
	int rc = -1;

	cons_writer_init(&w);
	cons_write_u32(&w, MEMPOOL_FILE_MAGIC);
	cons_write_u32(&w, MEMPOOL_FILE_VERSION);
	cons_write_u32(&w, (uint32_t)mp->count);
	for (struct entry *e = mp->head; e; e = e->next)
		cons_tx_write(&w, &e->e.tx);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = w.oom ? NULL : fopen(tmp, "wb");
	if (f) {
		bool ok = fwrite(w.data, 1, w.len, f) == w.len && fflush(f) == 0 &&
			  fsync(fileno(f)) == 0;
		ok = fclose(f) == 0 && ok;
		rc = ok && rename(tmp, path) == 0 ? 0 : -1;
	}
	cons_writer_release(&w);
	return rc;
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long size;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(*data = malloc((size_t)size + 1))) {
		fclose(f);
		return -1;
	}
	*len = fread(*data, 1, (size_t)size, f);
	fclose(f);
	return *len == (size_t)size ? 0 : -1;
}

int node_mempool_load_file(const char *path, struct cons_tx **txs, size_t *n)
{
	struct cons_reader r;
	uint8_t *data = NULL;
	size_t len, count;
	int rc = -1;

	*txs = NULL;
	*n = 0;
	if (read_file(path, &data, &len) < 0)
		goto out;
	cons_reader_init(&r, data, len);
	if (cons_read_u32(&r) != MEMPOOL_FILE_MAGIC || cons_read_u32(&r) != MEMPOOL_FILE_VERSION)
		goto out;
	count = cons_read_u32(&r);
	if (!cons_reader_ok(&r) || count > len / 60 || !(*txs = calloc(count ? count : 1, sizeof(**txs))))
		goto out;
	for (; *n < count; (*n)++) {
		cons_tx_init(&(*txs)[*n]);
		if (cons_tx_read(&(*txs)[*n], &r) < 0)
			goto out;
	}
	cons_reader_expect_end(&r);
	rc = cons_reader_ok(&r) ? 0 : -1;
out:
	if (rc < 0 && *txs) {
		for (size_t i = 0; i < *n; i++)
			cons_tx_release(&(*txs)[i]);
		free(*txs);
		*txs = NULL;
		*n = 0;
	}
	free(data);
	return rc;
}
