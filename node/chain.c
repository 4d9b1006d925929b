/*
 * Chain manager; see chain.h. The block index (blockindex.h) holds the
 * entries, linked to their parents; the active chain is an array indexed
 * by height. Candidates for the tip are the entries that have
 * data all the way back to genesis and are not failed; the best of them by
 * work (then by arrival) is where activate() moves the node, one block at a
 * time, so a block that fails on the way is marked and the search resumes.
 */
#include "node/chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consensus/block_check.h"
#include "consensus/pow.h"
#include "consensus/validation.h"
#include "node/sigpool.h"
#include "storage/coins.h"
#include "util/hex.h"

#define FAILED_ANY (STOR_FAILED | STOR_FAILED_CHILD)

struct orphan {
	struct cons_block b;
	uint64_t seq;
};

/* An array of index pointers that grows on demand. */
struct idx_list {
	struct node_blockidx **v;
	size_t n, cap;
};

struct node_chain {
	const struct cons_params *p;
	struct stor_chain *db;
	struct node_sigpool *sigs;
	struct node_sigpool *own_sigs;  /* made when the caller gave none: one thread */
	struct node_chain_events ev;
	struct node_chain_options opt;
	struct node_blockindex index;
	struct idx_list active;         /* active.v[h] is the active block at height h */
	struct idx_list cands;
	struct node_blockidx *best_header;
	struct orphan *orphans;
	size_t n_orphans;
	size_t orphan_bytes;            /* serialized size of the orphans held */
	uint64_t next_seq;
	struct cons_block cached;       /* the block just accepted, to connect without a read */
	struct node_chain_stats stats;
	struct node_blockidx *last_failed;
	struct cons_state last_failed_state;
	uint8_t (*checked)[32];         /* the run node_chain_check_headers passed last */
	size_t n_checked, checked_next; /* its length; the next one to be stored */
	char fatal[256];
};

/* Checks a header passed in this arrival already (accept_header's done). */
enum { CHECKED_SELF = 1, CHECKED_CONTEXT = 2, CHECKED_ALL = 3 };

void node_chain_options_default(struct node_chain_options *o)
{
	o->dbcache_bytes = 64u << 20;
	o->reindex = false;
	o->check_blocks = 6;
	o->max_orphans = 64;
	o->max_orphan_bytes = 8u << 20;
	o->time_offset = 0;
}

int64_t node_chain_now(const struct node_chain *c)
{
	return (int64_t)time(NULL) + c->opt.time_offset;
}

void node_chain_set_time_offset(struct node_chain *c, int64_t offset)
{
	c->opt.time_offset = offset;
}

static int list_push(struct idx_list *l, struct node_blockidx *idx)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct node_blockidx **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = idx;
	return 0;
}

static void list_remove_at(struct idx_list *l, size_t i)
{
	l->v[i] = l->v[--l->n];
}

struct node_blockidx *node_chain_lookup(const struct node_chain *c, const uint8_t hash[32])
{
	return node_blockindex_find(&c->index, hash);
}

void node_chain_foreach(const struct node_chain *c,
			void (*fn)(void *ctx, const struct node_blockidx *idx), void *ctx)
{
	node_blockindex_foreach(&c->index, fn, ctx);
}

/* ---- the active chain ---- */

const struct node_blockidx *node_chain_tip(const struct node_chain *c)
{
	return c->active.n ? c->active.v[c->active.n - 1] : NULL;
}

static struct node_blockidx *tip_of(struct node_chain *c)
{
	return c->active.n ? c->active.v[c->active.n - 1] : NULL;
}

const struct node_blockidx *node_chain_at(const struct node_chain *c, int64_t height)
{
	if (height < 0 || (size_t)height >= c->active.n)
		return NULL;
	return c->active.v[height];
}

bool node_chain_is_active(const struct node_chain *c, const struct node_blockidx *idx)
{
	return node_chain_at(c, idx->height) == idx;
}

size_t node_chain_locator(const struct node_chain *c, const struct node_blockidx *from,
			  uint8_t (*hashes)[32], size_t max)
{
	const struct node_blockidx *e = from ? from : node_chain_tip(c);
	int64_t step = 1;
	size_t n = 0;

	while (e && n < max) {
		memcpy(hashes[n++], e->hash, 32);
		if (e->height == 0)
			break;
		if (n >= 10)
			step *= 2;
		e = node_blockidx_ancestor(e, e->height - step > 0 ? e->height - step : 0);
	}
	return n;
}

const struct node_blockidx *node_chain_best_header(const struct node_chain *c)
{
	return c->best_header;
}

struct view_ctx {
	const struct node_chain *c;
	const struct node_blockidx *tip;
};

static int view_ancestor(const void *ctx, int64_t h, uint32_t *time_out, uint32_t *bits)
{
	const struct view_ctx *v = ctx;
	const struct node_blockidx *a = node_blockidx_ancestor(v->tip, h);

	if (!a)
		return -1;
	*time_out = a->hdr.time;
	*bits = a->hdr.bits;
	return 0;
}

static void chain_view(struct cons_chain_view *cv, struct view_ctx *vc,
		       const struct node_chain *c, const struct node_blockidx *parent)
{
	vc->c = c;
	vc->tip = parent;
	cv->ctx = vc;
	cv->height = parent->height;
	cv->ancestor = view_ancestor;
}

int64_t node_chain_tip_mtp(const struct node_chain *c)
{
	struct cons_chain_view cv;
	struct view_ctx vc;
	int64_t mtp = 0;

	chain_view(&cv, &vc, c, node_chain_tip(c));
	if (cons_median_time_past(&cv, &mtp) < 0)
		return 0;
	return mtp;
}

/* ---- persistence of index entries ---- */

static void set_fatal(struct node_chain *c, const char *msg)
{
	if (!c->fatal[0])
		snprintf(c->fatal, sizeof(c->fatal), "%s", msg);
}

static void idx_to_rec(struct stor_index_rec *rec, const struct node_blockidx *idx)
{
	memcpy(rec->hash, idx->hash, 32);
	rec->hdr = idx->hdr;
	rec->height = (uint32_t)idx->height;
	rec->status = idx->status;
	rec->n_tx = idx->n_tx;
	rec->seq = idx->seq;
}

static int persist(struct node_chain *c, const struct node_blockidx *idx)
{
	struct stor_index_rec rec;
	char err[256];

	idx_to_rec(&rec, idx);
	if (stor_index_put(c->db, &rec, err, sizeof(err)) < 0) {
		set_fatal(c, err);
		return -1;
	}
	return 0;
}

/* ---- candidates, failure marking ---- */

static bool better(const struct node_blockidx *a, const struct node_blockidx *b)
{
	int cmp = cons_u256_cmp(&a->work, &b->work);

	return cmp > 0 || (cmp == 0 && a->seq < b->seq);
}

static int add_candidate(struct node_chain *c, struct node_blockidx *idx)
{
	if (!idx->linked || (idx->status & FAILED_ANY) || idx->in_cands)
		return 0;
	if (list_push(&c->cands, idx) < 0)
		return -1;
	idx->in_cands = true;
	return 0;
}

static struct node_blockidx *best_candidate(const struct node_chain *c)
{
	struct node_blockidx *best = NULL;

	for (size_t i = 0; i < c->cands.n; i++)
		if (!best || better(c->cands.v[i], best))
			best = c->cands.v[i];
	return best;
}

/* Drops candidates that can no longer win: failed, or less work than the tip. */
static void prune_candidates(struct node_chain *c)
{
	const struct node_blockidx *tip = tip_of(c);

	for (size_t i = 0; i < c->cands.n;) {
		struct node_blockidx *e = c->cands.v[i];
		if ((e->status & FAILED_ANY) || (tip && cons_u256_cmp(&e->work, &tip->work) < 0)) {
			e->in_cands = false;
			list_remove_at(&c->cands, i);
		} else
			i++;
	}
}

static void update_best_header(struct node_chain *c, struct node_blockidx *idx)
{
	if (!(idx->status & FAILED_ANY) &&
	    (!c->best_header || cons_work_beats(&idx->work, &c->best_header->work)))
		c->best_header = idx;
}

struct rescan_ctx {
	struct node_chain *c;
	int rc;
};

static void rescan_one(void *ctx, const struct node_blockidx *cidx)
{
	struct rescan_ctx *r = ctx;
	struct node_blockidx *idx = (struct node_blockidx *)cidx;
	const struct node_blockidx *tip = tip_of(r->c);

	update_best_header(r->c, idx);
	/* Each entry is visited once, so no membership test: O(n), not O(n^2). */
	if (!idx->linked || (idx->status & FAILED_ANY) ||
	    (tip && cons_u256_cmp(&idx->work, &tip->work) < 0))
		return;
	if (list_push(&r->c->cands, idx) < 0)
		r->rc = -1;
	else
		idx->in_cands = true;
}

/* Rebuilds the candidate set and best header from the whole index. */
static int rescan(struct node_chain *c)
{
	struct rescan_ctx r = {c, 0};

	for (size_t i = 0; i < c->cands.n; i++)
		c->cands.v[i]->in_cands = false;
	c->cands.n = 0;
	c->best_header = NULL;
	node_chain_foreach(c, rescan_one, &r);
	prune_candidates(c);
	return r.rc;
}

struct mark_ctx {
	struct node_chain *c;
	const struct node_blockidx *root;
	int rc;
};

static void mark_descendant(void *ctx, const struct node_blockidx *cidx)
{
	struct mark_ctx *m = ctx;
	struct node_blockidx *idx = (struct node_blockidx *)cidx;

	if (idx == m->root || idx->height <= m->root->height || (idx->status & STOR_FAILED_CHILD))
		return;
	if (node_blockidx_ancestor(idx, m->root->height) != m->root)
		return;
	idx->status |= STOR_FAILED_CHILD;
	if (persist(m->c, idx) < 0)
		m->rc = -1;
}

/* Marks idx failed and every descendant failed-child; persists them. */
static int mark_failed(struct node_chain *c, struct node_blockidx *idx)
{
	struct mark_ctx m = {c, idx, 0};

	idx->status |= STOR_FAILED;
	if (persist(c, idx) < 0)
		return -1;
	node_chain_foreach(c, mark_descendant, &m);
	if (m.rc == 0 && c->best_header && (c->best_header->status & FAILED_ANY))
		m.rc = rescan(c);
	prune_candidates(c);
	return m.rc;
}

/* ---- connecting and disconnecting ---- */

/*
 * A block to connect or disconnect: b is the chain's cached block (borrowed)
 * or own, read from the database and owned here; block_ref_release frees
 * only what was read.
 */
struct block_ref {
	const struct cons_block *b;
	struct cons_block own;
};

/* r for idx's block. 0, or -1 with the chain's fatal error set. */
static int read_block(struct node_chain *c, const struct node_blockidx *idx, struct block_ref *r)
{
	char err[256];
	int rc;

	cons_block_init(&r->own);
	if (memcmp(c->cached.hash, idx->hash, 32) == 0 && c->cached.n_tx) {
		r->b = &c->cached;
		return 0;
	}
	rc = stor_block_get(c->db, idx->hash, &r->own, err, sizeof(err));
	if (rc == 0)
		snprintf(err, sizeof(err), "a block of the chain is missing from the database");
	if (rc < 1) {
		set_fatal(c, err);
		return -1;
	}
	r->b = &r->own;
	return 0;
}

static void block_ref_release(struct block_ref *r)
{
	if (r->b == &r->own)
		cons_block_release(&r->own);
}

static int list_set_active(struct node_chain *c, struct node_blockidx *idx)
{
	if ((size_t)idx->height != c->active.n)
		return -1;
	return list_push(&c->active, idx);
}

const double node_connect_bounds[NODE_CONNECT_BUCKETS] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5,
							       1.0, 1e300};

static double mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void count_connect_time(struct node_chain_stats *s, double seconds)
{
	size_t i = 0;

	while (i + 1 < NODE_CONNECT_BUCKETS && seconds > node_connect_bounds[i])
		i++;
	s->connect_hist[i]++;
	s->connect_seconds += seconds;
}

/*
 * Validates b at height against a scratch layer of the coin set and, when
 * valid, has storage record it as the new tip. Height 0 (the genesis block)
 * is not validated: as in Bitcoin, its outputs never become coins.
 */
static enum cons_verdict connect_block(struct node_chain *c, const struct cons_block *b,
				       int64_t height, struct cons_state *st)
{
	struct stor_coins *layer = stor_chain_layer(c->db);
	struct cons_block_undo undo;
	struct cons_coin_store store;
	enum cons_verdict v = CONS_VALID;
	char err[256];

	if (!layer)
		return cons_state_error(st, "out of memory");
	cons_block_undo_init(&undo);
	if (height > 0) {
		stor_coins_store(&store, layer);
		v = cons_connect_block(c->p, b, height, &store, &undo, st);
		if (v == CONS_VALID)
			v = node_sigpool_check(c->sigs, b, &undo, st);
	}
	if (v == CONS_VALID && stor_connect_commit(c->db, layer, b, height, &undo, err,
						   sizeof(err)) < 0)
		v = cons_state_error(st, err);
	cons_block_undo_release(&undo);
	stor_coins_free(layer);
	return v;
}

/* Connects idx on the tip. 0 connected, 1 invalid (marked), -1 fatal. */
static int connect_one(struct node_chain *c, struct node_blockidx *idx)
{
	struct block_ref r;
	struct cons_state st;
	enum cons_verdict v;
	double t0 = mono_seconds();

	if (read_block(c, idx, &r) < 0)
		return -1;
	cons_state_init(&st);
	v = connect_block(c, r.b, idx->height, &st);
	count_connect_time(&c->stats, mono_seconds() - t0);
	if (v == CONS_VALID) {
		idx->status |= STOR_VALID;
		if (list_set_active(c, idx) < 0) {
			block_ref_release(&r);
			set_fatal(c, "out of memory");
			return -1;
		}
		c->stats.blocks_connected++;
		if (c->ev.connected)
			c->ev.connected(c->ev.ctx, r.b, idx);
	} else if (v == CONS_INVALID) {
		c->last_failed = idx;
		c->last_failed_state = st;
		block_ref_release(&r);
		return mark_failed(c, idx) < 0 ? -1 : 1;
	} else {
		set_fatal(c, st.detail);
	}
	block_ref_release(&r);
	return v == CONS_VALID ? 0 : -1;
}

static int disconnect_tip(struct node_chain *c)
{
	struct node_blockidx *tip = tip_of(c);
	struct block_ref r;
	char err[256];

	if (read_block(c, tip, &r) < 0)
		return -1;
	/* Its transactions stay findable (getrawtransaction), in the disconnect's batch. */
	if (stor_disconnect_block(c->db, r.b, tip->height, err, sizeof(err)) < 0 ||
	    stor_stale_record(c->db, r.b, node_chain_now(c), err, sizeof(err)) < 0) {
		block_ref_release(&r);
		set_fatal(c, err);
		return -1;
	}
	c->active.n--;
	if (c->ev.disconnected)
		c->ev.disconnected(c->ev.ctx, r.b, tip);
	block_ref_release(&r);
	return 0;
}

/* Connects the path from the active chain up to best; 1 if a block failed. */
static int connect_path(struct node_chain *c, struct node_blockidx *best,
			const struct node_blockidx *fork)
{
	int64_t from = fork ? fork->height + 1 : 0, n = best->height - from + 1;
	struct node_blockidx **path = malloc((size_t)n * sizeof(*path));
	struct node_blockidx *e = best;
	int rc = 0;

	if (!path) {
		set_fatal(c, "out of memory");
		return -1;
	}
	for (int64_t i = n - 1; i >= 0; i--, e = e->prev)
		path[i] = e;
	for (int64_t i = 0; i < n && rc == 0; i++)
		rc = connect_one(c, path[i]);
	free(path);
	return rc;
}

static const struct node_blockidx *find_fork(const struct node_chain *c,
					     const struct node_blockidx *idx)
{
	while (idx && !node_chain_is_active(c, idx))
		idx = idx->prev;
	return idx;
}

/* Moves the active chain to the best candidate until no candidate beats it. */
static int activate(struct node_chain *c)
{
	char err[256];

	for (;;) {
		struct node_blockidx *best = best_candidate(c), *tip = tip_of(c);
		const struct node_blockidx *fork;
		int depth = 0, rc;

		if (!best || best == tip || (tip && !cons_work_beats(&best->work, &tip->work)))
			break;
		fork = find_fork(c, best);
		while (tip_of(c) != fork) {
			if (disconnect_tip(c) < 0)
				return -1;
			depth++;
		}
		if (depth > 0) {
			c->stats.reorgs++;
			if (depth > c->stats.deepest_reorg)
				c->stats.deepest_reorg = depth;
		}
		rc = connect_path(c, best, fork);
		if (rc < 0)
			return -1;
		if (c->ev.tip_changed && tip_of(c))
			c->ev.tip_changed(c->ev.ctx, tip_of(c), depth);
		if (stor_chain_flush_due(c->db) && stor_chain_flush(c->db, err, sizeof(err)) < 0) {
			set_fatal(c, err);
			return -1;
		}
	}
	prune_candidates(c);
	return 0;
}

/* ---- headers ---- */

/*
 * Adds hdr (hash) to the index under its parent. done says which checks it
 * passed already in this arrival: CHECKED_SELF, the context-free one (an
 * orphan's, with its body); CHECKED_ALL, both (a run node_chain_check_headers
 * passed). Each check so runs once per arrival.
 */
static enum cons_verdict accept_header(struct node_chain *c, const struct cons_header *hdr,
				       const uint8_t hash[32], unsigned done,
				       struct node_blockidx **out, struct cons_state *st)
{
	struct node_blockidx *idx = node_chain_lookup(c, hash), *prev;
	struct cons_chain_view cv;
	struct view_ctx vc;
	struct cons_u256 work;
	enum cons_verdict v;

	if (idx) {
		*out = idx;
		if (idx->status & FAILED_ANY)
			return cons_state_invalid(st, CONS_REJ_CACHED_INVALID, "%s", "");
		return CONS_VALID;
	}
	if (!(done & CHECKED_SELF)) {
		c->stats.header_checks++;
		v = cons_check_header(c->p, hdr, hash, st);
		if (v != CONS_VALID)
			return v;
	}
	prev = node_chain_lookup(c, hdr->prev);
	if (!prev)
		return cons_state_invalid(st, CONS_REJ_PREV_MISSING, "%s", "");
	if (prev->status & FAILED_ANY)
		return cons_state_invalid(st, CONS_REJ_PREV_INVALID, "%s", "");
	if (!(done & CHECKED_CONTEXT)) {
		chain_view(&cv, &vc, c, prev);
		v = cons_check_header_contextual(c->p, hdr, &cv, node_chain_now(c), st);
		if (v != CONS_VALID)
			return v;
	}
	idx = node_blockindex_add(&c->index, hash, hdr);
	if (!idx)
		return cons_state_error(st, "out of memory");
	idx->height = prev->height + 1;
	node_blockidx_link(idx, prev);
	cons_block_work(&work, hdr->bits);
	cons_u256_add(&idx->work, &prev->work, &work);
	update_best_header(c, idx);
	*out = idx;
	return persist(c, idx) < 0 ? cons_state_error(st, c->fatal) : CONS_VALID;
}

/* A view of the chain ending in a run of headers not (all) in the index, hanging off fork. */
struct run_view {
	const struct node_blockidx *fork;
	const struct cons_header *h;
};

static int run_ancestor(const void *ctx, int64_t height, uint32_t *time_out, uint32_t *bits)
{
	const struct run_view *r = ctx;
	const struct node_blockidx *a;

	if (height > r->fork->height) {
		const struct cons_header *h = &r->h[height - r->fork->height - 1];
		*time_out = h->time;
		*bits = h->bits;
		return 0;
	}
	a = node_blockidx_ancestor(r->fork, height);
	if (!a)
		return -1;
	*time_out = a->hdr.time;
	*bits = a->hdr.bits;
	return 0;
}

/* The work a header chain must reach to be stored: the tip's, less the margin. */
static void store_threshold(const struct node_chain *c, struct cons_u256 *out)
{
	const struct node_blockidx *tip = node_chain_tip(c);
	struct cons_u256 one, margin;

	cons_block_work(&one, tip->hdr.bits);
	if (cons_u256_muldiv(&margin, &one, NODE_HEADERS_MARGIN, 1) ||
	    cons_u256_sub(out, &tip->work, &margin))
		cons_u256_set_u64(out, 0);          /* within the margin of genesis: all count */
}

/* Forgets the run node_chain_check_headers passed last. */
static void forget_checked(struct node_chain *c)
{
	free(c->checked);
	c->checked = NULL;
	c->n_checked = c->checked_next = 0;
}

/* True, once, when hash is the next header of the run checked last. */
static bool take_checked(struct node_chain *c, const uint8_t hash[32])
{
	if (c->checked_next >= c->n_checked ||
	    memcmp(c->checked[c->checked_next], hash, 32) != 0) {
		forget_checked(c);      /* out of order: whatever comes is checked anew */
		return false;
	}
	if (++c->checked_next == c->n_checked)
		forget_checked(c);
	return true;
}

enum cons_verdict node_chain_check_headers(struct node_chain *c, const struct cons_header *h,
					   size_t n, size_t skip, size_t *n_ok, bool *enough,
					   struct cons_state *st)
{
	const struct node_blockidx *fork = n ? node_chain_lookup(c, h[0].prev) : NULL;
	struct run_view rv = {fork, h};
	struct cons_chain_view cv = {&rv, 0, run_ancestor};
	struct cons_u256 work, w, need;
	enum cons_verdict v = CONS_VALID;
	uint8_t prev[32];
	size_t i;

	*n_ok = 0;
	*enough = false;
	forget_checked(c);
	if (!fork)
		return cons_state_invalid(st, CONS_REJ_PREV_MISSING, "%s", "");
	if (fork->status & FAILED_ANY)
		return cons_state_invalid(st, CONS_REJ_PREV_INVALID, "%s", "");
	c->checked = malloc(n * sizeof(*c->checked));   /* none: stored headers are checked again */
	work = fork->work;
	for (i = 0; i < n && v == CONS_VALID; i++) {
		uint8_t hash[32];
		const struct node_blockidx *known;
		cons_header_hash(hash, &h[i]);
		if (i > 0 && memcmp(h[i].prev, prev, 32) != 0)
			return cons_state_invalid(st, CONS_REJ_PREV_MISSING, "%s", "not a chain");
		memcpy(prev, hash, 32);
		if (c->checked)
			memcpy(c->checked[i], hash, 32);
		known = node_chain_lookup(c, hash);
		if (known && (known->status & FAILED_ANY))
			v = cons_state_invalid(st, CONS_REJ_CACHED_INVALID, "%s", "");
		if (v == CONS_VALID && !known && i >= skip) {
			c->stats.header_checks++;
			v = cons_check_header(c->p, &h[i], hash, st);
		}
		cv.height = fork->height + (int64_t)i;
		if (v == CONS_VALID && !known && i >= skip)
			v = cons_check_header_contextual(c->p, &h[i], &cv, node_chain_now(c), st);
		if (v != CONS_VALID)
			break;
		cons_block_work(&w, h[i].bits);
		cons_u256_add(&work, &work, &w);
		*n_ok = i + 1;
		if (known && i + 1 == n)
			*enough = true;         /* all of it is stored already */
	}
	store_threshold(c, &need);
	if (*n_ok && cons_u256_cmp(&work, &need) >= 0)
		*enough = true;
	c->n_checked = c->checked ? *n_ok : 0;
	if (!c->n_checked)
		forget_checked(c);
	return v;
}

enum cons_verdict node_chain_accept_header(struct node_chain *c, const struct cons_header *hdr,
					   struct node_blockidx **out, struct cons_state *st)
{
	struct node_blockidx *idx = NULL;
	uint8_t hash[32];
	enum cons_verdict v;

	if (c->fatal[0])
		return cons_state_error(st, c->fatal);
	cons_header_hash(hash, hdr);
	v = accept_header(c, hdr, hash, take_checked(c, hash) ? CHECKED_ALL : 0, &idx, st);
	if (out)
		*out = idx;
	return v;
}

/* ---- blocks ---- */

/* Puts idx on its parent's list of children waiting to be linked. */
static void wait_for_parent(struct node_blockidx *idx)
{
	idx->waiting_next = idx->prev->waiting;
	idx->prev->waiting = idx;
}

/*
 * idx just got its data: link it, and every descendant that was waiting
 * for it, to the candidates. Each entry is visited once through the
 * parent-to-children lists, with an explicit stack rather than recursion:
 * 120,000 bodies delivered in reverse order link in linear time.
 */
static int link_data(struct node_chain *c, struct node_blockidx *idx)
{
	struct idx_list todo = {0};
	struct node_blockidx *e = idx;
	int rc = 0;

	if (idx->prev && !idx->prev->linked) {
		wait_for_parent(idx);
		return 0;
	}
	while (e && rc == 0) {
		c->stats.link_visits++;
		e->linked = true;
		rc = add_candidate(c, e);
		for (struct node_blockidx *w = e->waiting, *next; w && rc == 0; w = next) {
			next = w->waiting_next;
			w->waiting_next = NULL;
			rc = list_push(&todo, w);
		}
		e->waiting = NULL;
		e = todo.n ? todo.v[--todo.n] : NULL;
	}
	free(todo.v);
	return rc;
}

/* Checks b's body (its context-free part only unless self_checked), then in context. */
static enum cons_verdict check_body(struct node_chain *c, const struct cons_block *b,
				    struct node_blockidx *idx, bool self_checked,
				    struct cons_state *st)
{
	struct cons_chain_view cv;
	struct view_ctx vc;
	enum cons_verdict v = CONS_VALID;
	int64_t mtp = 0;

	if (!self_checked) {
		c->stats.body_checks++;
		v = cons_check_block_body(c->p, b, st);
	}
	if (v == CONS_VALID && idx->prev) {
		chain_view(&cv, &vc, c, idx->prev);
		if (cons_median_time_past(&cv, &mtp) < 0)
			return cons_state_error(st, "ancestor lookup failed");
		v = cons_check_block_contextual(c->p, b, idx->height, mtp, st);
	}
	if (v == CONS_INVALID && cons_reject_marks_block(st->code) && mark_failed(c, idx) < 0)
		return cons_state_error(st, c->fatal);
	return v;
}

static int store_block(struct node_chain *c, const struct cons_block *b, struct node_blockidx *idx)
{
	struct stor_index_rec rec;
	char err[256];

	idx->status |= STOR_HAVE_DATA;
	idx->n_tx = (uint32_t)b->n_tx;
	idx->seq = c->next_seq++;
	idx_to_rec(&rec, idx);
	if (stor_block_put(c->db, b, &rec, err, sizeof(err)) < 0) {
		set_fatal(c, err);
		return -1;
	}
	if (link_data(c, idx) < 0) {
		set_fatal(c, "out of memory");
		return -1;
	}
	return 0;
}

static void drop_orphan(struct node_chain *c, size_t i)
{
	c->orphan_bytes -= c->orphans[i].b.size;
	cons_block_release(&c->orphans[i].b);
	c->orphans[i] = c->orphans[--c->n_orphans];
}

/*
 * Keeps a block whose parent is unknown; evicts the oldest while the pool
 * is full by count or by bytes (64 blocks of 1 MB would otherwise sit in
 * memory for whoever cares to send them). Takes b.
 */
static void add_orphan(struct node_chain *c, struct cons_block *b)
{
	for (size_t i = 0; i < c->n_orphans; i++) {
		if (memcmp(c->orphans[i].b.hash, b->hash, 32) == 0) {
			cons_block_release(b);
			return;
		}
	}
	if (c->opt.max_orphans == 0 || b->size > c->opt.max_orphan_bytes) {
		cons_block_release(b);
		return;
	}
	while (c->n_orphans == c->opt.max_orphans ||
	       (c->n_orphans && c->orphan_bytes + b->size > c->opt.max_orphan_bytes)) {
		size_t oldest = 0;
		for (size_t i = 1; i < c->n_orphans; i++)
			if (c->orphans[i].seq < c->orphans[oldest].seq)
				oldest = i;
		drop_orphan(c, oldest);
	}
	c->orphans[c->n_orphans].b = *b;
	c->orphans[c->n_orphans].seq = c->next_seq++;
	c->n_orphans++;
	c->orphan_bytes += b->size;
	cons_block_init(b);
}

/* Takes the first orphan whose parent is hash, if any, into *out. */
static bool take_orphan_child(struct node_chain *c, const uint8_t hash[32], struct cons_block *out)
{
	for (size_t i = 0; i < c->n_orphans; i++) {
		if (memcmp(c->orphans[i].b.hdr.prev, hash, 32) == 0) {
			*out = c->orphans[i].b;
			c->orphan_bytes -= out->size;
			c->orphans[i] = c->orphans[--c->n_orphans];
			return true;
		}
	}
	return false;
}

/* Accepts b; orphan: it was an orphan, whose header and body passed their own checks. */
static enum cons_verdict accept_one(struct node_chain *c, struct cons_block *b, bool orphan,
				    struct node_accept_info *info, struct cons_state *st)
{
	struct node_blockidx *idx = node_chain_lookup(c, b->hash);
	const struct node_blockidx *old_tip = tip_of(c);
	enum cons_verdict v;

	if (idx && (idx->status & STOR_HAVE_DATA)) {
		info->duplicate = true;
		if (idx->status & FAILED_ANY)
			return cons_state_invalid(st, CONS_REJ_CACHED_INVALID, "%s", "");
		return CONS_VALID;
	}
	if (!idx && !node_chain_lookup(c, b->hdr.prev)) {
		c->stats.header_checks++;
		c->stats.body_checks++;
		v = cons_check_block(c->p, b, st);   /* cheap proof it is worth keeping */
		if (v == CONS_VALID) {
			info->orphan = true;
			add_orphan(c, b);
		}
		return v;
	}
	v = accept_header(c, &b->hdr, b->hash, orphan ? CHECKED_SELF : 0, &idx, st);
	if (v == CONS_VALID)
		v = check_body(c, b, idx, orphan, st);
	if (v != CONS_VALID)
		return v;
	if (store_block(c, b, idx) < 0)
		return cons_state_error(st, c->fatal);
	c->cached = *b;                 /* connect from memory, not from disk */
	cons_block_init(b);
	c->last_failed = NULL;
	v = activate(c) < 0 ? cons_state_error(st, c->fatal) : CONS_VALID;
	cons_block_release(&c->cached);
	if (v == CONS_VALID && c->last_failed == idx) {
		*st = c->last_failed_state;
		v = CONS_INVALID;
	}
	info->new_tip = info->new_tip || tip_of(c) != old_tip;
	return v;
}

enum cons_verdict node_chain_accept_block(struct node_chain *c, struct cons_block *b,
					  struct node_accept_info *info, struct cons_state *st)
{
	struct node_accept_info dummy;
	struct cons_block child;
	uint8_t hash[32];
	enum cons_verdict v;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	if (c->fatal[0]) {
		cons_block_release(b);
		return cons_state_error(st, c->fatal);
	}
	memcpy(hash, b->hash, 32);
	v = accept_one(c, b, false, info, st);
	cons_block_release(b);
	if (v != CONS_VALID || info->orphan)
		return v;
	/* Orphans waiting for this block (and for theirs, in turn) get their turn. */
	while (take_orphan_child(c, hash, &child)) {
		struct node_accept_info ci = {0};
		struct cons_state cst;
		cons_state_init(&cst);
		memcpy(hash, child.hash, 32);
		if (accept_one(c, &child, true, &ci, &cst) == CONS_ERROR) {
			cons_block_release(&child);
			return cons_state_error(st, c->fatal);
		}
		info->new_tip = info->new_tip || ci.new_tip;
		cons_block_release(&child);
	}
	return CONS_VALID;
}

size_t node_chain_orphan_count(const struct node_chain *c)
{
	return c->n_orphans;
}

size_t node_chain_orphan_bytes(const struct node_chain *c)
{
	return c->orphan_bytes;
}

bool node_chain_orphan_root(const struct node_chain *c, uint8_t missing[32])
{
	const struct orphan *newest = NULL;

	for (size_t i = 0; i < c->n_orphans; i++)
		if (!newest || c->orphans[i].seq > newest->seq)
			newest = &c->orphans[i];
	if (!newest)
		return false;
	/* Walk down through orphans to the one whose parent nobody has. */
	for (bool moved = true; moved;) {
		moved = false;
		for (size_t i = 0; i < c->n_orphans; i++) {
			if (memcmp(c->orphans[i].b.hash, newest->b.hdr.prev, 32) == 0) {
				newest = &c->orphans[i];
				moved = true;
				break;
			}
		}
	}
	memcpy(missing, newest->b.hdr.prev, 32);
	return true;
}

/* ---- invalidateblock / reconsiderblock ---- */

int node_chain_invalidate(struct node_chain *c, const uint8_t hash[32], char *err, size_t errlen)
{
	struct node_blockidx *idx = node_chain_lookup(c, hash);

	if (!idx) {
		snprintf(err, errlen, "block not found");
		return -1;
	}
	if (!idx->prev) {
		snprintf(err, errlen, "cannot invalidate the genesis block");
		return -1;
	}
	if (node_chain_is_active(c, idx)) {
		int depth = 0;
		while (tip_of(c) != idx->prev) {
			if (disconnect_tip(c) < 0)
				goto fatal;
			depth++;
		}
		if (c->ev.tip_changed)
			c->ev.tip_changed(c->ev.ctx, tip_of(c), depth);
	}
	if (mark_failed(c, idx) < 0 || rescan(c) < 0 || activate(c) < 0)
		goto fatal;
	return 0;
fatal:
	snprintf(err, errlen, "%s", c->fatal);
	return -1;
}

struct reset_ctx {
	struct node_chain *c;
	const struct node_blockidx *root;
	int rc;
};

static void reset_one(void *ctx, const struct node_blockidx *cidx)
{
	struct reset_ctx *r = ctx;
	struct node_blockidx *idx = (struct node_blockidx *)cidx;

	if (!(idx->status & FAILED_ANY))
		return;
	/* Descendants of root, and root's own ancestors, are cleared (Core's rule). */
	if (node_blockidx_ancestor(idx, r->root->height) != r->root &&
	    node_blockidx_ancestor(r->root, idx->height) != idx)
		return;
	idx->status &= ~(uint32_t)FAILED_ANY;
	if (persist(r->c, idx) < 0)
		r->rc = -1;
}

int node_chain_reconsider(struct node_chain *c, const uint8_t hash[32], char *err, size_t errlen)
{
	struct node_blockidx *idx = node_chain_lookup(c, hash);
	struct reset_ctx r = {c, idx, 0};

	if (!idx) {
		snprintf(err, errlen, "block not found");
		return -1;
	}
	node_chain_foreach(c, reset_one, &r);
	if (r.rc < 0 || rescan(c) < 0 || activate(c) < 0) {
		snprintf(err, errlen, "%s", c->fatal[0] ? c->fatal : "out of memory");
		return -1;
	}
	return 0;
}

/* ---- opening: load, check, recover ---- */

static int load_rec(void *ctx, const struct stor_index_rec *rec)
{
	struct node_chain *c = ctx;
	struct node_blockidx *idx = node_blockindex_add(&c->index, rec->hash, &rec->hdr);

	if (!idx)
		return -1;
	idx->height = rec->height;
	idx->status = rec->status;
	idx->n_tx = rec->n_tx;
	idx->seq = rec->seq;
	if (rec->seq != UINT64_MAX && rec->seq >= c->next_seq)
		c->next_seq = rec->seq + 1;
	return 0;
}

/* Links parents, then computes work and linkage in height order. */
static int link_index(struct node_chain *c, const uint8_t genesis[32], char *err, size_t errlen)
{
	struct node_blockidx **all;
	struct cons_u256 w;
	size_t n;
	int rc = 0;

	if (node_blockindex_by_height(&c->index, &all, &n) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct node_blockidx *e = all[i];
		bool is_genesis = memcmp(e->hash, genesis, 32) == 0;
		node_blockidx_link(e, is_genesis ? NULL : node_chain_lookup(c, e->hdr.prev));
		if (!is_genesis && (!e->prev || e->prev->height + 1 != e->height)) {
			snprintf(err, errlen, "block index is inconsistent (an entry without its parent): restart with --reindex");
			rc = -1;
			break;
		}
		cons_block_work(&w, e->hdr.bits);
		if (e->prev)
			cons_u256_add(&e->work, &e->prev->work, &w);
		else
			e->work = w;
		if (e->status & STOR_HAVE_DATA) {
			if (!e->prev || e->prev->linked)
				e->linked = true;
			else
				wait_for_parent(e);
		}
		update_best_header(c, e);
	}
	free(all);
	return rc;
}

static int store_genesis(struct node_chain *c, const struct cons_block *g, char *err, size_t errlen)
{
	struct node_blockidx *idx = node_blockindex_add(&c->index, g->hash, &g->hdr);

	if (!idx || store_block(c, g, idx) < 0) {
		snprintf(err, errlen, "%s", c->fatal[0] ? c->fatal : "out of memory");
		return -1;
	}
	cons_block_work(&idx->work, g->hdr.bits);
	update_best_header(c, idx);
	return 0;
}

static int load_tip(struct node_chain *c, char *err, size_t errlen)
{
	uint8_t hash[32];
	struct node_blockidx *tip;
	int rc = stor_tip_get(c->db, hash, err, errlen);

	if (rc <= 0)
		return rc;
	tip = node_chain_lookup(c, hash);
	if (!tip || !(tip->status & STOR_HAVE_DATA) || !tip->linked) {
		snprintf(err, errlen, "chain tip names a block that is not stored: restart with --reindex");
		return -1;
	}
	c->active.n = 0;
	for (struct node_blockidx *e = tip; e; e = e->prev)
		if (list_push(&c->active, e) < 0)
			return -1;
	/* Built tip-first: reverse into height order. */
	for (size_t i = 0, j = c->active.n - 1; i < j; i++, j--) {
		struct node_blockidx *t = c->active.v[i];
		c->active.v[i] = c->active.v[j];
		c->active.v[j] = t;
	}
	for (size_t i = 0; i < c->active.n; i++)
		c->active.v[i]->status |= STOR_VALID;
	return 0;
}

/* -checkblocks: the last blocks of the active chain against the coin set. */
static int check_recent(struct node_chain *c, char *err, size_t errlen)
{
	size_t n = c->active.n < (size_t)c->opt.check_blocks ? c->active.n : (size_t)c->opt.check_blocks;
	struct cons_block *blocks = calloc(n ? n : 1, sizeof(*blocks));
	char detail[256] = "";
	int rc = 0;

	if (!blocks)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct node_blockidx *idx = c->active.v[c->active.n - 1 - i];
		cons_block_init(&blocks[i]);
		if (stor_block_get(c->db, idx->hash, &blocks[i], detail, sizeof(detail)) != 1) {
			if (!detail[0])
				snprintf(detail, sizeof(detail), "a block of the active chain is missing");
			rc = -1;
		}
	}
	if (rc == 0)
		rc = stor_verify_recent(c->db, blocks, n, detail, sizeof(detail));
	if (rc < 0)
		snprintf(err, errlen, "chain database is inconsistent (%s): restart with --reindex", detail);
	for (size_t i = 0; i < n; i++)
		cons_block_release(&blocks[i]);
	free(blocks);
	return rc;
}

static int open_state(struct node_chain *c, char *err, size_t errlen)
{
	struct cons_block g;
	int rc;

	cons_block_init(&g);
	if (cons_genesis_block(&g, c->p) < 0)
		return -1;
	if (c->opt.reindex && stor_chain_wipe_state(c->db, err, errlen) < 0)
		goto fail;
	if (stor_index_load(c->db, load_rec, c, err, errlen) < 0 ||
	    link_index(c, g.hash, err, errlen) < 0)
		goto fail;
	if (!node_chain_lookup(c, g.hash) && store_genesis(c, &g, err, errlen) < 0)
		goto fail;
	if (load_tip(c, err, errlen) < 0 || check_recent(c, err, errlen) < 0)
		goto fail;
	rc = rescan(c);
	if (rc == 0)
		rc = activate(c);
	if (rc == 0)
		rc = stor_chain_flush(c->db, err, errlen);
	else
		snprintf(err, errlen, "%s", c->fatal[0] ? c->fatal : "out of memory");
	cons_block_release(&g);
	return rc;
fail:
	cons_block_release(&g);
	return -1;
}

static void chain_free(struct node_chain *c, bool flush);

int node_chain_open(struct node_chain **out, const char *dir, const struct cons_params *p,
		    const struct node_chain_options *o, struct node_sigpool *sigs,
		    const struct node_chain_events *ev, char *err, size_t errlen)
{
	struct node_chain *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->p = p;
	c->opt = *o;
	c->sigs = sigs ? sigs : (c->own_sigs = node_sigpool_new(1));
	if (ev)
		c->ev = *ev;
	c->orphans = calloc(o->max_orphans ? o->max_orphans : 1, sizeof(*c->orphans));
	if (!c->sigs || !c->orphans || node_blockindex_init(&c->index) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (stor_chain_open(&c->db, dir, p, o->dbcache_bytes, err, errlen) < 0)
		goto fail;
	if (open_state(c, err, errlen) < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	/* Nothing was connected from a half-open chain: nothing to flush. */
	chain_free(c, false);
	return -1;
}

void node_chain_close(struct node_chain *c)
{
	/* A chain that hit a storage error must not write: recovery replays. */
	if (c)
		chain_free(c, !c->fatal[0]);
}

/* Closes the database (flushing it first if flush) and frees everything of c. */
static void chain_free(struct node_chain *c, bool flush)
{
	char err[256];

	if (c->db && flush)
		(void)!stor_chain_flush(c->db, err, sizeof(err));
	stor_chain_close(c->db);
	node_sigpool_free(c->own_sigs);
	for (size_t i = 0; i < c->n_orphans; i++)
		cons_block_release(&c->orphans[i].b);
	free(c->orphans);
	node_blockindex_release(&c->index);
	free(c->checked);
	free(c->active.v);
	free(c->cands.v);
	free(c);
}

int node_chain_read_block(struct node_chain *c, const struct node_blockidx *idx,
			  struct cons_block *b)
{
	return stor_block_get(c->db, idx->hash, b, NULL, 0);
}

int node_chain_read_block_raw(struct node_chain *c, uint8_t **raw, size_t *len,
			      const struct node_blockidx *idx)
{
	return stor_block_get_raw(c->db, raw, len, idx->hash, NULL, 0);
}

const struct cons_params *node_chain_params(const struct node_chain *c)
{
	return c->p;
}

struct stor_chain *node_chain_storage(struct node_chain *c)
{
	return c->db;
}

int node_chain_flush(struct node_chain *c, char *err, size_t errlen)
{
	if (c->fatal[0]) {
		snprintf(err, errlen, "%s", c->fatal);
		return -1;
	}
	return stor_chain_flush(c->db, err, errlen);
}

const char *node_chain_fatal(const struct node_chain *c)
{
	return c->fatal[0] ? c->fatal : NULL;
}

void node_chain_stats(const struct node_chain *c, struct node_chain_stats *out)
{
	*out = c->stats;
}
