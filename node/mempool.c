/*
 * Mempool: entries are heap objects on a doubly linked list in arrival
 * order, found by txid through one hash map and by spent outpoint through
 * another, and linked to their in-pool parents and children. Each entry
 * caches its descendant package (count, bytes, fees), and a binary heap
 * orders entries by descendant score (the higher of its own and its
 * package's fee rate, as Bitcoin Core's), lowest first, for eviction.
 *
 * Every walk over relatives is iterative: an intrusive queue through the
 * entries (three lanes, so a walk may run inside another) marked with a
 * fresh epoch, so a chain of any length costs no stack and no allocation.
 * Acceptance bounds chains (struct node_mempool_limits), which keeps each
 * walk short; nothing here relies on that for memory safety.
 */
#include "node/mempool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consensus/script.h"
#include "util/hmap.h"

enum lane { LANE_SET, LANE_ANC, LANE_DESC, N_LANES };

struct entry {
	struct node_mempool_entry e;    /* first: a public entry casts back to its entry */
	struct entry *prev, *next;      /* arrival order */
	size_t cap_parents, cap_children;
	size_t desc_count, desc_size;   /* the descendant package, itself included */
	int64_t desc_fee;
	size_t usage;                   /* estimated memory, counted at insertion */
	size_t heap_pos;
	struct { struct entry *next; uint64_t mark; } lane[N_LANES];
};

/* A breadth-first walk: entries queued through one lane, each at most once. */
struct walk {
	enum lane l;
	uint64_t epoch;
	struct entry *head, *tail;
	size_t n;
};

struct node_mempool {
	const struct cons_params *p;
	size_t max_bytes, bytes, usage;
	int64_t min_fee_rate;
	struct node_mempool_limits lim;
	uint64_t next_seq, epoch;
	struct entry *head, *tail;
	size_t count;
	struct util_hmap by_txid;       /* txid -> entry */
	struct util_hmap by_spent;      /* outpoint (36 bytes) -> spending entry */
	struct entry **heap;            /* min-heap by descendant score */
	size_t heap_cap;
};

static const char *const reject_names[] = {
	"ok", "txn-already-in-mempool", "txn-mempool-conflict", "min relay fee not met",
	"mempool full", "coinbase", "consensus", "too-long-mempool-chain",
};

const char *node_mempool_reject_str(enum node_mempool_reject r)
{
	return r <= NODE_MP_CHAIN_LIMIT ? reject_names[r] : "unknown";
}

static struct entry *as_entry(const struct node_mempool_entry *e)
{
	return (struct entry *)e;
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
	mp->lim = (struct node_mempool_limits){NODE_MP_ANCESTOR_COUNT, NODE_MP_ANCESTOR_SIZE,
					       NODE_MP_DESCENDANT_COUNT, NODE_MP_DESCENDANT_SIZE};
	util_hmap_init(&mp->by_txid, 32);
	util_hmap_init(&mp->by_spent, 36);
	return mp;
}

static void entry_free(struct entry *e)
{
	cons_tx_release(&e->e.tx);
	free(e->e.parents);
	free(e->e.children);
	free(e);
}

void node_mempool_free(struct node_mempool *mp)
{
	if (!mp)
		return;
	for (struct entry *e = mp->head, *next; e; e = next) {
		next = e->next;
		entry_free(e);
	}
	util_hmap_release(&mp->by_txid);
	util_hmap_release(&mp->by_spent);
	free(mp->heap);
	free(mp);
}

void node_mempool_set_limits(struct node_mempool *mp, const struct node_mempool_limits *l)
{
	mp->lim = *l;
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

size_t node_mempool_usage(const struct node_mempool *mp)
{
	return mp->usage;
}

void node_mempool_descendants(const struct node_mempool_entry *pe, size_t *count, size_t *size,
			      int64_t *fee)
{
	const struct entry *e = as_entry(pe);

	if (count)
		*count = e->desc_count;
	if (size)
		*size = e->desc_size;
	if (fee)
		*fee = e->desc_fee;
}

void node_mempool_foreach(const struct node_mempool *mp,
			  void (*fn)(void *ctx, const struct node_mempool_entry *e), void *ctx)
{
	for (struct entry *e = mp->head; e; e = e->next)
		fn(ctx, &e->e);
}

/* ---- walks ---- */

static void walk_start(struct node_mempool *mp, struct walk *w, enum lane l)
{
	*w = (struct walk){.l = l, .epoch = ++mp->epoch};
}

static bool walk_has(const struct walk *w, const struct entry *e)
{
	return e->lane[w->l].mark == w->epoch;
}

/* Queues e unless the walk already holds it; true if queued now. */
static bool walk_add(struct walk *w, struct entry *e)
{
	if (walk_has(w, e))
		return false;
	e->lane[w->l].mark = w->epoch;
	e->lane[w->l].next = NULL;
	if (w->tail)
		w->tail->lane[w->l].next = e;
	else
		w->head = e;
	w->tail = e;
	w->n++;
	return true;
}

static struct entry *walk_next(const struct walk *w, const struct entry *e)
{
	return e->lane[w->l].next;
}

/* Extends w with every descendant of what it holds. */
static void walk_down(struct walk *w)
{
	for (struct entry *x = w->head; x; x = walk_next(w, x))
		for (size_t i = 0; i < x->e.n_children; i++)
			walk_add(w, as_entry(x->e.children[i]));
}

/* Extends w with every ancestor of what it holds, stopping once it holds more than max. */
static void walk_up(struct walk *w, size_t max)
{
	for (struct entry *x = w->head; x && w->n <= max; x = walk_next(w, x))
		for (size_t i = 0; i < x->e.n_parents && w->n <= max; i++)
			walk_add(w, as_entry(x->e.parents[i]));
}

/* ---- eviction order ---- */

static bool fee_rate_below(int64_t fee_a, size_t size_a, int64_t fee_b, size_t size_b)
{
	/* fee_a/size_a < fee_b/size_b without division; fees <= 2.1e15, sizes <= 1e6 * count. */
	return (__int128)fee_a * (__int128)size_b < (__int128)fee_b * (__int128)size_a;
}

/* Evicted before b: a lower descendant score, or the newer of two equal. */
static bool evicts_first(const struct entry *a, const struct entry *b)
{
	int64_t fa = a->e.fee, fb = b->e.fee;
	size_t sa = a->e.tx.size, sb = b->e.tx.size;

	if (fee_rate_below(fa, sa, a->desc_fee, a->desc_size)) {
		fa = a->desc_fee;
		sa = a->desc_size;
	}
	if (fee_rate_below(fb, sb, b->desc_fee, b->desc_size)) {
		fb = b->desc_fee;
		sb = b->desc_size;
	}
	if (fee_rate_below(fa, sa, fb, sb) || fee_rate_below(fb, sb, fa, sa))
		return fee_rate_below(fa, sa, fb, sb);
	return a->e.seq > b->e.seq;
}

static void heap_set(struct node_mempool *mp, size_t i, struct entry *e)
{
	mp->heap[i] = e;
	e->heap_pos = i;
}

static void heap_fix(struct node_mempool *mp, struct entry *e)
{
	size_t i = e->heap_pos;

	while (i > 0 && evicts_first(e, mp->heap[(i - 1) / 2])) {
		heap_set(mp, i, mp->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= mp->count)
			break;
		if (c + 1 < mp->count && evicts_first(mp->heap[c + 1], mp->heap[c]))
			c++;
		if (!evicts_first(mp->heap[c], e))
			break;
		heap_set(mp, i, mp->heap[c]);
		i = c;
	}
	heap_set(mp, i, e);
}

/* Takes e out of the heap; mp->count still includes e. */
static void heap_remove(struct node_mempool *mp, struct entry *e)
{
	struct entry *last = mp->heap[mp->count - 1];

	if (last != e) {
		heap_set(mp, e->heap_pos, last);
		mp->count--;
		heap_fix(mp, last);
		mp->count++;
	}
}

/* Recounts e's descendant package from scratch. */
static void recount_descendants(struct node_mempool *mp, struct entry *e)
{
	struct walk w;

	walk_start(mp, &w, LANE_DESC);
	walk_add(&w, e);
	walk_down(&w);
	e->desc_count = 0;
	e->desc_size = 0;
	e->desc_fee = 0;
	for (struct entry *x = w.head; x; x = walk_next(&w, x)) {
		e->desc_count++;
		e->desc_size += x->e.tx.size;
		e->desc_fee += x->e.fee;
	}
}

/* ---- links ---- */

static int reserve(struct node_mempool_entry ***v, size_t *cap, size_t n)
{
	struct node_mempool_entry **nv;
	size_t nc = *cap ? *cap : 2;

	if (n <= *cap)
		return 0;
	while (nc < n)
		nc *= 2;
	nv = realloc(*v, nc * sizeof(*nv));
	if (!nv)
		return -1;
	*v = nv;
	*cap = nc;
	return 0;
}

static bool has_link(struct node_mempool_entry *const *v, size_t n, const struct node_mempool_entry *x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Makes parent a parent of child (once). 0, or -1 out of memory with nothing changed. */
static int link_pair(struct entry *parent, struct entry *child)
{
	if (has_link(child->e.parents, child->e.n_parents, &parent->e))
		return 0;
	if (reserve(&child->e.parents, &child->cap_parents, child->e.n_parents + 1) < 0 ||
	    reserve(&parent->e.children, &parent->cap_children, parent->e.n_children + 1) < 0)
		return -1;
	child->e.parents[child->e.n_parents++] = &parent->e;
	parent->e.children[parent->e.n_children++] = &child->e;
	return 0;
}

static void drop_link(struct node_mempool_entry **v, size_t *n, const struct node_mempool_entry *x)
{
	for (size_t i = 0; i < *n; i++) {
		if (v[i] == x) {
			v[i] = v[--*n];
			return;
		}
	}
}

/* ---- removal ---- */

/* Takes e out of every map, list, heap and link, and frees it; no package is recounted. */
static void unlink_entry(struct node_mempool *mp, struct entry *e)
{
	uint8_t key[36];

	for (size_t i = 0; i < e->e.tx.n_in; i++) {
		op_key(key, &e->e.tx.in[i].prevout);
		if (util_hmap_get(&mp->by_spent, key) == e)
			util_hmap_del(&mp->by_spent, key);
	}
	if (util_hmap_get(&mp->by_txid, e->e.tx.txid) == e)
		util_hmap_del(&mp->by_txid, e->e.tx.txid);
	for (size_t i = 0; i < e->e.n_parents; i++) {
		struct node_mempool_entry *p = e->e.parents[i];
		drop_link(p->children, &p->n_children, &e->e);
	}
	for (size_t i = 0; i < e->e.n_children; i++) {
		struct node_mempool_entry *c = e->e.children[i];
		drop_link(c->parents, &c->n_parents, &e->e);
	}
	if (e->prev)
		e->prev->next = e->next;
	else
		mp->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		mp->tail = e->prev;
	heap_remove(mp, e);
	mp->count--;
	mp->bytes -= e->e.tx.size;
	mp->usage -= e->usage;
	entry_free(e);
}

/*
 * Removes root, with every descendant if with_descendants (else its
 * children stay, as when root is confirmed), and recounts the packages of
 * the ancestors left behind. Returns how many entries left.
 */
static size_t remove_from(struct node_mempool *mp, struct entry *root, bool with_descendants)
{
	struct walk set, anc;
	size_t n;

	walk_start(mp, &set, LANE_SET);
	walk_add(&set, root);
	if (with_descendants)
		walk_down(&set);
	/* The set is closed under descendants, so no ancestor outside it is reached through it. */
	walk_start(mp, &anc, LANE_ANC);
	for (struct entry *x = set.head; x; x = walk_next(&set, x))
		for (size_t i = 0; i < x->e.n_parents; i++)
			if (!walk_has(&set, as_entry(x->e.parents[i])))
				walk_add(&anc, as_entry(x->e.parents[i]));
	walk_up(&anc, SIZE_MAX);
	n = set.n;
	for (struct entry *x = set.head, *next; x; x = next) {
		next = walk_next(&set, x);
		unlink_entry(mp, x);
	}
	for (struct entry *a = anc.head; a; a = walk_next(&anc, a)) {
		recount_descendants(mp, a);
		heap_fix(mp, a);
	}
	return n;
}

size_t node_mempool_remove(struct node_mempool *mp, const uint8_t txid[32])
{
	struct entry *e = util_hmap_get(&mp->by_txid, txid);

	return e ? remove_from(mp, e, true) : 0;
}

void node_mempool_remove_block(struct node_mempool *mp, const struct cons_block *b)
{
	uint8_t key[36];

	for (size_t t = 1; t < b->n_tx; t++) {
		const struct cons_tx *tx = &b->tx[t];
		struct entry *e = util_hmap_get(&mp->by_txid, tx->txid);
		if (e)
			remove_from(mp, e, false);  /* confirmed: its children stay valid */
		for (size_t i = 0; i < tx->n_in; i++) {
			struct entry *conflict;
			op_key(key, &tx->in[i].prevout);
			conflict = util_hmap_get(&mp->by_spent, key);
			if (conflict)
				remove_from(mp, conflict, true);
		}
	}
}

/* True if some input of e is neither a pool output nor a spendable coin of view. */
static bool spends_nothing(const struct node_mempool *mp, const struct entry *e,
			   const struct node_mempool_view *view)
{
	for (size_t i = 0; i < e->e.tx.n_in; i++) {
		const struct cons_outpoint *op = &e->e.tx.in[i].prevout;
		const struct entry *p = util_hmap_get(&mp->by_txid, op->txid);
		struct cons_coin coin;
		if (p) {
			if (op->n >= p->e.tx.n_out)
				return true;
			continue;
		}
		switch (view->get_coin(view->ctx, op, &coin)) {
		case 0:
			return true;
		case 1:
			if (coin.coinbase && view->tip_height + 1 - (int64_t)coin.height <
					     mp->p->coinbase_maturity)
				return true;
			break;
		default:
			break;          /* a read error proves nothing: keep it */
		}
	}
	return false;
}

size_t node_mempool_remove_unspendable(struct node_mempool *mp, const struct node_mempool_view *view)
{
	uint8_t (*ids)[32];
	struct walk bad;
	size_t k = 0, n = 0;

	/* Collected first: removing one may free entries anywhere in the list. */
	walk_start(mp, &bad, LANE_SET);
	for (struct entry *e = mp->head; e; e = e->next)
		if (spends_nothing(mp, e, view))
			walk_add(&bad, e);
	if (bad.n == 0 || !(ids = malloc(bad.n * sizeof(*ids))))
		return 0;
	for (struct entry *e = bad.head; e; e = walk_next(&bad, e))
		memcpy(ids[k++], e->e.tx.txid, 32);
	for (size_t i = 0; i < k; i++)
		n += node_mempool_remove(mp, ids[i]);
	free(ids);
	return n;
}

/* Evicts the lowest descendant scores, each with its descendants, until the pool fits. */
static void trim(struct node_mempool *mp)
{
	while (mp->usage > mp->max_bytes && mp->count > 0)
		remove_from(mp, mp->heap[0], true);
}

/* ---- insertion ---- */

/* Allocations an entry for tx takes, with malloc's overhead and the maps' slack. */
static size_t entry_usage(const struct cons_tx *tx, size_t links)
{
	const size_t chunk = 16, slot = 2 * sizeof(struct util_hmap_slot);
	size_t u = sizeof(struct entry) + 3 * chunk + tx->n_in * sizeof(struct cons_txin) +
		   tx->n_out * sizeof(struct cons_txout);

	for (size_t i = 0; i < tx->n_in; i++)
		u += tx->in[i].script_len + chunk;
	for (size_t i = 0; i < tx->n_out; i++)
		u += tx->out[i].script_len + chunk;
	/* A map slot per key at the lowest load (0.35), two heap and four link pointers each. */
	return u + (1 + tx->n_in) * slot + 2 * sizeof(struct entry *) +
	       links * 4 * sizeof(struct entry *);
}

/* Links e to the in-pool transactions it spends and to those spending it (after a reorg). */
static int link_relatives(struct node_mempool *mp, struct entry *e)
{
	struct cons_outpoint op;
	uint8_t key[36];

	for (size_t i = 0; i < e->e.tx.n_in; i++) {
		struct entry *p = util_hmap_get(&mp->by_txid, e->e.tx.in[i].prevout.txid);
		if (p && link_pair(p, e) < 0)
			return -1;
	}
	memcpy(op.txid, e->e.tx.txid, 32);
	for (size_t i = 0; i < e->e.tx.n_out; i++) {
		struct entry *c;
		op.n = (uint32_t)i;
		op_key(key, &op);
		c = util_hmap_get(&mp->by_spent, key);
		if (c && c != e && link_pair(e, c) < 0)
			return -1;
	}
	return 0;
}

/* Sets e's package and updates its ancestors'. */
static void count_packages(struct node_mempool *mp, struct entry *e)
{
	struct walk anc;

	if (e->e.n_children == 0) {
		e->desc_count = 1;
		e->desc_size = e->e.tx.size;
		e->desc_fee = e->e.fee;
	} else if (e->e.n_children == 1) {      /* exact: the child's package plus e */
		struct entry *c = as_entry(e->e.children[0]);
		e->desc_count = c->desc_count + 1;
		e->desc_size = c->desc_size + e->e.tx.size;
		e->desc_fee = c->desc_fee + e->e.fee;
	} else {
		recount_descendants(mp, e);
	}
	walk_start(mp, &anc, LANE_ANC);
	for (size_t i = 0; i < e->e.n_parents; i++)
		walk_add(&anc, as_entry(e->e.parents[i]));
	walk_up(&anc, SIZE_MAX);
	for (struct entry *a = anc.head; a; a = walk_next(&anc, a)) {
		if (e->e.n_children == 0) {
			a->desc_count++;
			a->desc_size += e->e.tx.size;
			a->desc_fee += e->e.fee;
		} else {
			recount_descendants(mp, a);  /* e's children may already descend from a */
		}
		heap_fix(mp, a);
	}
}

static struct entry *insert(struct node_mempool *mp, const struct cons_tx *tx, int64_t fee,
			    int64_t now)
{
	struct entry *e = calloc(1, sizeof(*e));
	uint8_t key[36];

	if (!e || cons_tx_copy(&e->e.tx, tx) < 0) {
		free(e);
		return NULL;
	}
	if (mp->count == mp->heap_cap) {
		size_t cap = mp->heap_cap ? 2 * mp->heap_cap : 64;
		struct entry **h = realloc(mp->heap, cap * sizeof(*h));
		if (!h) {
			entry_free(e);
			return NULL;
		}
		mp->heap = h;
		mp->heap_cap = cap;
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
	heap_set(mp, mp->count++, e);
	mp->bytes += tx->size;
	if (util_hmap_put(&mp->by_txid, tx->txid, e) < 0)
		goto fail;
	for (size_t i = 0; i < tx->n_in; i++) {
		op_key(key, &tx->in[i].prevout);
		if (util_hmap_put(&mp->by_spent, key, e) < 0)
			goto fail;
	}
	if (link_relatives(mp, e) < 0)
		goto fail;
	e->usage = entry_usage(tx, e->e.n_parents + e->e.n_children);
	mp->usage += e->usage;
	count_packages(mp, e);
	heap_fix(mp, e);
	return e;
fail:
	unlink_entry(mp, e);            /* removes whatever map entries and links were made */
	return NULL;
}

int node_mempool_add_unchecked(struct node_mempool *mp, const struct cons_tx *tx, int64_t fee,
			       int64_t now)
{
	if (util_hmap_get(&mp->by_txid, tx->txid))
		return -1;
	return insert(mp, tx, fee, now) ? 0 : -1;
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

/*
 * Bitcoin Core's package limits for tx: its in-pool ancestors, itself
 * counted, within the ancestor limits, and each ancestor's descendant
 * package, tx added, within the descendant limits. The ancestor walk stops
 * at the limit, so a refusal costs O(limit) however long the chain.
 * Writes the reason to detail (len bytes) and returns false when over.
 */
static bool within_limits(struct node_mempool *mp, const struct cons_tx *tx, char *detail,
			  size_t len)
{
	const struct node_mempool_limits *l = &mp->lim;
	size_t size = tx->size;
	struct walk anc;

	walk_start(mp, &anc, LANE_ANC);
	for (size_t i = 0; i < tx->n_in; i++) {
		struct entry *p = util_hmap_get(&mp->by_txid, tx->in[i].prevout.txid);
		if (p)
			walk_add(&anc, p);
	}
	walk_up(&anc, l->ancestor_count);
	if (anc.n + 1 > l->ancestor_count) {
		snprintf(detail, len, "too many unconfirmed ancestors [limit: %zu]", l->ancestor_count);
		return false;
	}
	for (struct entry *a = anc.head; a; a = walk_next(&anc, a)) {
		size += a->e.tx.size;
		if (a->desc_count + 1 > l->descendant_count || a->desc_size + tx->size > l->descendant_size) {
			snprintf(detail, len, "exceeds descendant %s limit for an ancestor [limit: %zu]",
				 a->desc_count + 1 > l->descendant_count ? "count" : "size",
				 a->desc_count + 1 > l->descendant_count ? l->descendant_count
									  : l->descendant_size);
			return false;
		}
	}
	if (size > l->ancestor_size) {
		snprintf(detail, len, "exceeds ancestor size limit [limit: %zu]", l->ancestor_size);
		return false;
	}
	return true;
}

static enum cons_verdict check_against_pool(struct node_mempool *mp,
					    const struct node_mempool_view *view,
					    const struct cons_tx *tx, enum node_mempool_reject *why,
					    struct cons_state *st)
{
	enum cons_verdict v = cons_check_tx(mp->p, tx, st);
	char detail[64];

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
	/* Before the inputs and signatures: a chain too long is refused for the price of a walk. */
	if (!within_limits(mp, tx, detail, sizeof(detail)))
		return policy(why, NODE_MP_CHAIN_LIMIT, st, detail);
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
	struct entry *e;
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
	/* Core's LimitMempoolSize: insert, trim the lowest packages, refuse tx if it went too. */
	e = insert(mp, tx, fee, now);
	if (!e)
		return cons_state_error(st, "out of memory");
	e->e.height = view->tip_height;
	trim(mp);
	if (!util_hmap_get(&mp->by_txid, tx->txid))
		return policy(why, NODE_MP_FULL, st, "");
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
