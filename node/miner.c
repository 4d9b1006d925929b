/*
 * Miner. The job is one header; worker i tries nonces i, i+T, i+2T, ...
 * and checks for a newer job every batch. Shared state is the job under a
 * mutex and an atomic job counter; the solution goes through a pipe.
 */
#define _GNU_SOURCE 1  /* pipe2 */
#include "node/miner.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "consensus/block_check.h"
#include "consensus/coinbase.h"
#include "consensus/hash.h"
#include "consensus/pow.h"
#include "consensus/script.h"
#include "consensus/uint256.h"

#define BATCH 4096

/* ---- templates ---- */

/*
 * Bitcoin Core's BlockAssembler::addPackageTxs: every pool tx is a
 * candidate ranked by the fee rate of its package (itself and its
 * ancestors not yet in the block). The best package goes in whole,
 * parents first; each tx it adds is taken out of its descendants'
 * packages (Core's modified entries), which moves them in the ranking.
 * One indexed max-heap holds the candidates, so a template costs
 * O((n + sum of ancestor and descendant sets) log n): near-linear while
 * chains stay within the pool's limits.
 */
struct cand {
	const struct node_mempool_entry *e;
	int64_t pkg_fee;                /* itself and its ancestors not in the block */
	size_t pkg_size, n_anc;         /* n_anc: all its in-pool ancestors, for order */
	size_t pos;                     /* in the heap; SIZE_MAX when out */
	bool in_block;
	bool counted;                   /* pkg_fee and pkg_size are current */
	/* Walk queues: ancestors (UP) and descendants (DOWN), which may nest. */
	struct { struct cand *next; uint64_t mark; } lane[2];
};

struct assembler {
	struct cand *c;
	size_t n;
	struct cand **slots;            /* open addressing by entry address */
	size_t cap;                     /* a power of two, at least twice n */
	struct cand **heap;
	size_t heap_n;
	uint64_t epoch;
};

/* Entry addresses are the pool's own, not a peer's choice: a plain multiplicative hash does. */
static size_t slot_of(const struct assembler *a, const struct node_mempool_entry *e)
{
	return (size_t)(((uint64_t)(uintptr_t)e * 0x9e3779b97f4a7c15ull) >> 29) & (a->cap - 1);
}

static struct cand *cand_of(const struct assembler *a, const struct node_mempool_entry *e)
{
	for (size_t i = slot_of(a, e);; i = (i + 1) & (a->cap - 1))
		if (!a->slots[i] || a->slots[i]->e == e)
			return a->slots[i];
}

static bool rate_below(int64_t fee_a, size_t size_a, int64_t fee_b, size_t size_b)
{
	return (__int128)fee_a * (__int128)size_b < (__int128)fee_b * (__int128)size_a;
}

/*
 * Ranked before y: a higher score, or the older of two equal. The score
 * is the lower of the package's fee rate and the tx's own (Core's
 * ancestor score), so a cheap child of rich parents does not rank as them.
 */
static bool ranks_before(const struct cand *x, const struct cand *y)
{
	int64_t fx = x->pkg_fee, fy = y->pkg_fee;
	size_t sx = x->pkg_size, sy = y->pkg_size;

	if (rate_below(x->e->fee, x->e->tx.size, fx, sx)) {
		fx = x->e->fee;
		sx = x->e->tx.size;
	}
	if (rate_below(y->e->fee, y->e->tx.size, fy, sy)) {
		fy = y->e->fee;
		sy = y->e->tx.size;
	}
	if (rate_below(fx, sx, fy, sy) || rate_below(fy, sy, fx, sx))
		return rate_below(fy, sy, fx, sx);
	return x->e->seq < y->e->seq;
}

static void heap_put(struct assembler *a, size_t i, struct cand *x)
{
	a->heap[i] = x;
	x->pos = i;
}

static void heap_fix(struct assembler *a, struct cand *x)
{
	size_t i = x->pos;

	while (i > 0 && ranks_before(x, a->heap[(i - 1) / 2])) {
		heap_put(a, i, a->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= a->heap_n)
			break;
		if (c + 1 < a->heap_n && ranks_before(a->heap[c + 1], a->heap[c]))
			c++;
		if (!ranks_before(a->heap[c], x))
			break;
		heap_put(a, i, a->heap[c]);
		i = c;
	}
	heap_put(a, i, x);
}

static void heap_drop(struct assembler *a, struct cand *x)
{
	struct cand *last;

	if (x->pos == SIZE_MAX)
		return;
	last = a->heap[--a->heap_n];
	if (last != x) {
		heap_put(a, x->pos, last);
		heap_fix(a, last);
	}
	x->pos = SIZE_MAX;
}

/* Appends q to the walk queue ending at *tail unless this walk has it. */
enum { UP, DOWN };

static void enqueue(struct cand **tail, struct cand *q, int l, uint64_t epoch)
{
	q->lane[l].mark = epoch;
	q->lane[l].next = NULL;
	(*tail)->lane[l].next = q;
	*tail = q;
}

/*
 * Queues x's ancestors not in the block after x and returns x, the
 * queue's head; the walk is iterative however deep the chain.
 */
static struct cand *ancestors(struct assembler *a, struct cand *x)
{
	struct cand *tail = x;
	uint64_t epoch = ++a->epoch;

	x->lane[UP].mark = epoch;
	x->lane[UP].next = NULL;
	for (struct cand *q = x; q; q = q->lane[UP].next) {
		for (size_t i = 0; i < q->e->n_parents; i++) {
			struct cand *p = cand_of(a, q->e->parents[i]);
			if (p && !p->in_block && p->lane[UP].mark != epoch)
				enqueue(&tail, p, UP, epoch);
		}
	}
	return x;
}

/*
 * Sets x's package: itself and its ancestors not in the block. With one
 * parent whose package is current, that is the parent's plus x (so a long
 * chain costs O(1) per tx); otherwise an ancestor walk.
 */
static void count_package(struct assembler *a, struct cand *x)
{
	struct cand *p = x->e->n_parents == 1 ? cand_of(a, x->e->parents[0]) : NULL;

	x->pkg_fee = x->e->fee;
	x->pkg_size = x->e->tx.size;
	if (p && (p->in_block || p->counted)) {
		if (!p->in_block) {
			x->pkg_fee += p->pkg_fee;
			x->pkg_size += p->pkg_size;
		}
	} else {
		for (struct cand *q = ancestors(a, x)->lane[UP].next; q; q = q->lane[UP].next) {
			x->pkg_fee += q->e->fee;
			x->pkg_size += q->e->tx.size;
		}
	}
	x->counted = true;
}

/*
 * Recounts the packages of the descendants of a package just put in the
 * block (Core's modified entries). The walk passes through the package's
 * own members to reach those beyond, and meets a tx only after its
 * parent when it has one, so that parent's package is already current.
 */
static void leave_descendants(struct assembler *a, struct cand **pkg, size_t k)
{
	struct cand *head = NULL, *tail = NULL;
	uint64_t epoch = ++a->epoch;

	for (size_t i = 0; i < k; i++) {
		pkg[i]->lane[DOWN].mark = epoch;
		pkg[i]->lane[DOWN].next = NULL;
		if (tail)
			tail->lane[DOWN].next = pkg[i];
		else
			head = pkg[i];
		tail = pkg[i];
	}
	for (struct cand *q = head; q; q = q->lane[DOWN].next) {
		for (size_t i = 0; i < q->e->n_children; i++) {
			struct cand *d = cand_of(a, q->e->children[i]);
			if (!d || d->lane[DOWN].mark == epoch)
				continue;
			enqueue(&tail, d, DOWN, epoch);
			if (d->in_block)
				continue;
			count_package(a, d);
			if (d->pos != SIZE_MAX)
				heap_fix(a, d);
		}
	}
}

static void collect(void *ctx, const struct node_mempool_entry *e)
{
	struct assembler *a = ctx;

	a->c[a->n++].e = e;
}

static int assembler_init(struct assembler *a, const struct node_mempool *mp)
{
	size_t n = node_mempool_count(mp);

	*a = (struct assembler){.cap = 16};
	while (a->cap < 2 * n)
		a->cap *= 2;
	a->c = calloc(n ? n : 1, sizeof(*a->c));
	a->heap = calloc(n ? n : 1, sizeof(*a->heap));
	a->slots = calloc(a->cap, sizeof(*a->slots));
	if (!a->c || !a->heap || !a->slots)
		return -1;
	node_mempool_foreach(mp, collect, a);
	for (size_t i = 0; i < a->n; i++) {
		size_t j = slot_of(a, a->c[i].e);
		while (a->slots[j])
			j = (j + 1) & (a->cap - 1);
		a->slots[j] = &a->c[i];
	}
	/* Arrival order: parents come first (but after a reorg), so most packages cost O(1). */
	for (size_t i = 0; i < a->n; i++) {
		struct cand *x = &a->c[i];
		struct cand *p = x->e->n_parents == 1 ? cand_of(a, x->e->parents[0]) : NULL;
		count_package(a, x);
		if (p && p->counted && p != x)
			x->n_anc = p->n_anc + 1;
		else
			for (struct cand *q = ancestors(a, x)->lane[UP].next; q; q = q->lane[UP].next)
				x->n_anc++;
		x->pos = a->heap_n;
		a->heap[a->heap_n++] = x;
	}
	for (size_t i = a->heap_n / 2; i-- > 0;)
		heap_fix(a, a->heap[i]);
	return 0;
}

static void assembler_release(struct assembler *a)
{
	free(a->slots);
	free(a->c);
	free(a->heap);
}

static int by_ancestor_count(const void *x, const void *y)
{
	const struct cand *a = *(struct cand *const *)x, *b = *(struct cand *const *)y;

	return a->n_anc < b->n_anc ? -1 : a->n_anc > b->n_anc;
}

/*
 * Takes x's package into the block: appends it to order (parents first:
 * fewer ancestors come first) and returns how many it added.
 */
static size_t add_package(struct assembler *a, struct cand *x, struct cand **order)
{
	size_t k = 0;

	for (struct cand *p = ancestors(a, x); p; p = p->lane[UP].next)
		order[k++] = p;
	qsort(order, k, sizeof(*order), by_ancestor_count);
	for (size_t i = 0; i < k; i++) {
		order[i]->in_block = true;
		heap_drop(a, order[i]);
	}
	leave_descendants(a, order, k);
	return k;
}

/* Copies the n picked txs into b, growing its array once. 0, or -1. */
static int append_picked(struct cons_block *b, struct cand *const *picked, size_t n)
{
	struct cons_tx *txs = realloc(b->tx, (b->n_tx + n) * sizeof(*txs));

	if (!txs)
		return -1;
	b->tx = txs;
	for (size_t i = 0; i < n; i++) {
		if (cons_tx_copy(&b->tx[b->n_tx], &picked[i]->e->tx) < 0)
			return -1;
		b->n_tx++;
	}
	return 0;
}

/* Core gives up after this many packages in a row fail to fit a nearly full block. */
#define MAX_CONSECUTIVE_FAILURES 1000
#define NEARLY_FULL 4000

/* Adds pool txs by package fee rate within max_size; returns the fees taken. */
static int64_t fill(struct cons_block *b, const struct node_mempool *mp, size_t max_size, int *err)
{
	struct assembler a;
	struct cand **picked = NULL;
	size_t size = 0, failures = 0, n = 0;
	int64_t fees = 0;

	if (assembler_init(&a, mp) < 0 || !(picked = calloc(a.n ? a.n : 1, sizeof(*picked)))) {
		*err = -1;
		goto out;
	}
	while (a.heap_n > 0) {
		struct cand *x = a.heap[0];
		if (size + x->pkg_size > max_size) {
			heap_drop(&a, x);       /* Core's failedTx: its descendants fail with it */
			if (++failures > MAX_CONSECUTIVE_FAILURES && size + NEARLY_FULL > max_size)
				break;
			continue;
		}
		size += x->pkg_size;
		fees += x->pkg_fee;
		failures = 0;
		n += add_package(&a, x, picked + n);
	}
	if (append_picked(b, picked, n) < 0)
		*err = -1;
out:
	free(picked);
	assembler_release(&a);
	return fees;
}

struct tmpl_view {
	struct node_chain *c;
};

static int tmpl_ancestor(const void *ctx, int64_t h, uint32_t *t, uint32_t *bits)
{
	const struct node_blockidx *idx = node_chain_at(((const struct tmpl_view *)ctx)->c, h);

	if (!idx)
		return -1;
	*t = idx->hdr.time;
	*bits = idx->hdr.bits;
	return 0;
}

static int coinbase(struct cons_tx *cb, int64_t height, int64_t value, const uint8_t pkh[20],
		    uint64_t extra_nonce)
{
	uint8_t extra[8];               /* the extra nonce: every template differs */

	for (int i = 0; i < 8; i++)
		extra[i] = (uint8_t)(extra_nonce >> (8 * i));
	return cons_coinbase_build(cb, height, extra, sizeof(extra), value, pkh);
}

int node_block_template(struct cons_block *b, struct node_chain *c, const struct node_mempool *mp,
			const uint8_t pkh[20], uint64_t extra_nonce)
{
	const struct node_blockidx *tip = node_chain_tip(c);
	const struct cons_params *p = NULL;
	struct tmpl_view tv = {c};
	struct cons_chain_view cv = {&tv, tip->height, tmpl_ancestor};
	struct cons_tx cb;
	int64_t mtp, fees = 0, now = node_chain_now(c);
	int err = 0;

	p = node_chain_params(c);
	cons_tx_init(&cb);
	if (cons_block_append_tx(b, &cb) < 0)   /* placeholder, filled last */
		return -1;
	if (mp)
		fees = fill(b, mp, p->max_block_size - 1000, &err);
	if (err || coinbase(&b->tx[0], tip->height + 1, cons_block_subsidy(p, tip->height + 1) + fees,
			    pkh, extra_nonce) < 0)
		return -1;
	if (cons_median_time_past(&cv, &mtp) < 0 || cons_next_bits(p, &cv, &b->hdr.bits) < 0)
		return -1;
	b->hdr.version = 1;
	memcpy(b->hdr.prev, tip->hash, 32);
	b->hdr.time = (uint32_t)(now > mtp ? now : mtp + 1);
	b->hdr.nonce = 0;
	return cons_block_finalize(b);
}

/* ---- workers ---- */

struct node_miner {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t *threads;
	int n_threads;
	bool stop;
	atomic_uint_fast64_t job_id;    /* 0: no job */
	struct cons_block job;          /* the template, under mu */
	uint8_t header[CONS_HEADER_SIZE];
	struct cons_u256 target;
	bool solved;
	uint64_t solved_job;
	uint32_t solved_nonce;
	int pipe_fd[2];
	atomic_uint_fast64_t hashes;
	int pace;                       /* seconds per block aimed at; 0 = full speed */
	double rate;                    /* hashes/s per thread under the pace, 0 = unlimited */
	double hr_time, hr_rate;        /* node_miner_hashrate's sample; caller's thread only */
	uint64_t hr_hashes;
};

struct worker_arg {
	struct node_miner *m;
	int index;
};

/* Copies the current job under the lock; returns its id (0 when paused or stopping). */
static uint64_t fetch_job(struct node_miner *m, uint8_t header[CONS_HEADER_SIZE],
			  struct cons_u256 *target, double *rate)
{
	uint64_t id;

	pthread_mutex_lock(&m->mu);
	while (!m->stop && (atomic_load(&m->job_id) == 0 || m->solved))
		pthread_cond_wait(&m->cv, &m->mu);
	id = m->stop ? 0 : atomic_load(&m->job_id);
	memcpy(header, m->header, CONS_HEADER_SIZE);
	*target = m->target;
	*rate = m->rate;
	pthread_mutex_unlock(&m->mu);
	return id;
}

static void report(struct node_miner *m, uint64_t id, uint32_t nonce)
{
	char one = 1;

	pthread_mutex_lock(&m->mu);
	if (!m->solved && atomic_load(&m->job_id) == id) {
		m->solved = true;
		m->solved_job = id;
		m->solved_nonce = nonce;
		(void)!write(m->pipe_fd[1], &one, 1);
	}
	pthread_mutex_unlock(&m->mu);
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Under a pace, sleeps until done hashes are no more than rate allows since t0. */
static void keep_pace(struct node_miner *m, uint64_t id, double rate, double t0, uint64_t done)
{
	double ahead;

	while (rate > 0 && atomic_load(&m->job_id) == id && !m->stop &&
	       (ahead = (double)done / rate - (mono_now() - t0)) > 0) {
		double nap = ahead < 0.05 ? ahead : 0.05;   /* short naps: a new job is noticed */
		struct timespec ts = {0, (long)(nap * 1e9)};
		nanosleep(&ts, NULL);
	}
}

/* Searches this worker's stripe of nonces for one job. */
static void search(struct node_miner *m, int index, uint64_t id, uint8_t header[CONS_HEADER_SIZE],
		   const struct cons_u256 *target, double rate)
{
	struct cons_header_hasher hh;
	struct cons_u256 h;
	uint8_t hash[2][32];
	uint64_t nonce = (uint64_t)index, done = 0, step = (uint64_t)m->n_threads;
	double t0 = mono_now();

	cons_header_hasher_init(&hh, header);
	while (atomic_load(&m->job_id) == id && !m->stop && nonce <= 0xffffffffu) {
		for (int i = 0; i < BATCH && nonce <= 0xffffffffu; i += 2, nonce += 2 * step) {
			/* Two nonces a call (SHA-NI hashes them interleaved); a second
			 * past the stripe's end is hashed but never looked at. */
			cons_header_hasher_hash2(&hh, hash[0], hash[1], (uint32_t)nonce,
						 (uint32_t)(nonce + step));
			for (uint64_t j = 0; j < 2 && nonce + j * step <= 0xffffffffu; j++) {
				/* The top word decides almost always: compare in full only then. */
				if (hash[j][31] != 0 && target->w[7] == 0)
					continue;
				cons_u256_from_hash(&h, hash[j]);
				if (cons_u256_cmp(&h, target) <= 0) {
					report(m, id, (uint32_t)(nonce + j * step));
					return;
				}
			}
		}
		atomic_fetch_add(&m->hashes, BATCH);
		done += BATCH;
		keep_pace(m, id, rate, t0, done);
	}
}

static void *worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct node_miner *m = wa->m;
	uint8_t header[CONS_HEADER_SIZE];
	struct cons_u256 target;
	double rate;
	uint64_t id;

	while ((id = fetch_job(m, header, &target, &rate)) != 0) {
		search(m, wa->index, id, header, &target, rate);
		/* Stripe exhausted or solved: wait for the next job. */
		pthread_mutex_lock(&m->mu);
		while (!m->stop && atomic_load(&m->job_id) == id)
			pthread_cond_wait(&m->cv, &m->mu);
		pthread_mutex_unlock(&m->mu);
	}
	free(wa);
	return NULL;
}

struct node_miner *node_miner_new(int threads)
{
	struct node_miner *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	cons_block_init(&m->job);
	m->threads = calloc((size_t)(threads > 0 ? threads : 1), sizeof(*m->threads));
	if (!m->threads || pipe2(m->pipe_fd, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(m->threads);
		free(m);
		return NULL;
	}
	m->n_threads = threads > 0 ? threads : 1;
	for (int i = 0; i < m->n_threads; i++) {
		struct worker_arg *wa = malloc(sizeof(*wa));
		if (wa) {                        /* filled before the thread can read it */
			wa->m = m;
			wa->index = i;
		}
		if (!wa || pthread_create(&m->threads[i], NULL, worker, wa) != 0) {
			free(wa);
			m->n_threads = i;
			node_miner_free(m);
			return NULL;
		}
	}
	return m;
}

void node_miner_free(struct node_miner *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	m->stop = true;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
	for (int i = 0; i < m->n_threads; i++)
		pthread_join(m->threads[i], NULL);
	close(m->pipe_fd[0]);
	close(m->pipe_fd[1]);
	cons_block_release(&m->job);
	free(m->threads);
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->cv);
	free(m);
}

int node_miner_set_job(struct node_miner *m, const struct cons_block *tmpl)
{
	struct cons_block copy;

	cons_block_init(&copy);
	copy.hdr = tmpl->hdr;
	for (size_t i = 0; i < tmpl->n_tx; i++) {
		struct cons_tx t;
		if (cons_tx_copy(&t, &tmpl->tx[i]) < 0 || cons_block_append_tx(&copy, &t) < 0) {
			cons_block_release(&copy);
			return -1;
		}
	}
	pthread_mutex_lock(&m->mu);
	cons_block_release(&m->job);
	m->job = copy;
	cons_header_serialize(m->header, &copy.hdr);
	cons_u256_set_compact(&m->target, copy.hdr.bits, NULL, NULL);
	m->rate = 0;
	if (m->pace > 0) {
		struct cons_u256 work;
		cons_block_work(&work, copy.hdr.bits);
		m->rate = cons_u256_to_double(&work) / ((double)m->pace * m->n_threads);
	}
	m->solved = false;
	atomic_fetch_add(&m->job_id, 1);
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
	return 0;
}

void node_miner_pause(struct node_miner *m)
{
	pthread_mutex_lock(&m->mu);
	m->solved = true;                /* workers wait until the next job */
	atomic_fetch_add(&m->job_id, 1);
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

int node_miner_fd(const struct node_miner *m)
{
	return m->pipe_fd[0];
}

bool node_miner_take(struct node_miner *m, struct cons_block *b)
{
	char buf[16];
	bool ok = false;

	while (read(m->pipe_fd[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&m->mu);
	if (m->solved && m->solved_job == atomic_load(&m->job_id)) {
		struct cons_block *j = &m->job;
		*b = *j;
		b->hdr.nonce = m->solved_nonce;
		cons_block_init(j);          /* ownership moves to the caller */
		atomic_fetch_add(&m->job_id, 1);   /* the job is spent */
		ok = cons_block_finalize(b) == 0;
	}
	pthread_mutex_unlock(&m->mu);
	return ok;
}

void node_miner_set_pace(struct node_miner *m, int seconds)
{
	pthread_mutex_lock(&m->mu);
	m->pace = seconds > 0 ? seconds : 0;
	pthread_mutex_unlock(&m->mu);
}

uint64_t node_miner_hashes(const struct node_miner *m)
{
	return atomic_load(&m->hashes);
}

double node_miner_hashrate(struct node_miner *m)
{
	struct timespec ts;
	double now;
	uint64_t hashes = atomic_load(&m->hashes);

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	/* A rate over at least a second, refreshed when asked. */
	if (m->hr_time == 0 || now - m->hr_time >= 1.0) {
		if (m->hr_time != 0)
			m->hr_rate = (double)(hashes - m->hr_hashes) / (now - m->hr_time);
		m->hr_time = now;
		m->hr_hashes = hashes;
	}
	return m->hr_rate;
}
