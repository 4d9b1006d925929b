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
#include "consensus/hash.h"
#include "consensus/pow.h"
#include "consensus/script.h"
#include "consensus/uint256.h"

#define BATCH 4096

/* ---- templates ---- */

struct pick {
	const struct node_mempool_entry **v;
	size_t n, cap;
};

static void collect(void *ctx, const struct node_mempool_entry *e)
{
	struct pick *p = ctx;

	if (p->n < p->cap)
		p->v[p->n++] = e;
}

static int by_fee_rate(const void *a, const void *b)
{
	const struct node_mempool_entry *x = *(const struct node_mempool_entry *const *)a;
	const struct node_mempool_entry *y = *(const struct node_mempool_entry *const *)b;
	__int128 l = (__int128)x->fee * (__int128)y->tx.size;
	__int128 r = (__int128)y->fee * (__int128)x->tx.size;

	if (l != r)
		return l > r ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* True if every input of e that comes from the pool spends a tx already in b. */
static bool parents_in(const struct node_mempool_entry *e, const struct node_mempool *mp,
		       const struct cons_block *b)
{
	for (size_t i = 0; i < e->tx.n_in; i++) {
		bool found = false;
		if (!node_mempool_get(mp, e->tx.in[i].prevout.txid))
			continue;
		for (size_t t = 1; t < b->n_tx && !found; t++)
			found = memcmp(b->tx[t].txid, e->tx.in[i].prevout.txid, 32) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* Adds pool txs by fee rate, parents first, within max_size; returns the fees taken. */
static int64_t fill(struct cons_block *b, const struct node_mempool *mp, size_t max_size, int *err)
{
	struct pick p = {NULL, 0, node_mempool_count(mp)};
	size_t size = 0;
	int64_t fees = 0;
	bool progress = true;

	p.v = calloc(p.cap ? p.cap : 1, sizeof(*p.v));
	if (!p.v) {
		*err = -1;
		return 0;
	}
	node_mempool_foreach(mp, collect, &p);
	qsort(p.v, p.n, sizeof(*p.v), by_fee_rate);
	/* Passes until nothing more fits: a child waits for a later pass if its parent ranks lower. */
	while (progress) {
		progress = false;
		for (size_t i = 0; i < p.n; i++) {
			struct cons_tx copy;
			if (!p.v[i] || size + p.v[i]->tx.size > max_size || !parents_in(p.v[i], mp, b))
				continue;
			if (cons_tx_copy(&copy, &p.v[i]->tx) < 0 || cons_block_append_tx(b, &copy) < 0) {
				*err = -1;
				break;
			}
			size += p.v[i]->tx.size;
			fees += p.v[i]->fee;
			p.v[i] = NULL;
			progress = true;
		}
	}
	free(p.v);
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
	const struct cons_outpoint null_op = {.n = 0xffffffffu};
	uint8_t sig[32], out[CONS_P2PKH_SCRIPT_SIZE];
	size_t len = cons_script_push_height(sig, height);

	sig[len++] = 8;                 /* push the extra nonce: every template differs */
	for (int i = 0; i < 8; i++)
		sig[len++] = (uint8_t)(extra_nonce >> (8 * i));
	cons_script_p2pkh(out, pkh);
	if (cons_tx_add_input(cb, &null_op, sig, len, 0xffffffffu) < 0 ||
	    cons_tx_add_output(cb, value, out, sizeof(out)) < 0)
		return -1;
	return cons_tx_finalize(cb);
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
