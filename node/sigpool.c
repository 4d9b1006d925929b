/*
 * Signature pool: workers pull chunks of a block's inputs from a shared
 * counter. One job at a time (the loop thread waits for it), so the state
 * is a single job guarded by one mutex and two condition variables.
 */
#include "node/sigpool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <secp256k1.h>

/* Inputs per chunk: large enough to amortise the counter, small enough to balance. */
#define CHUNK 16

struct node_sigpool {
	pthread_mutex_t mu;
	pthread_cond_t work;         /* a job arrived, or stop */
	pthread_cond_t done;         /* a worker finished its part */
	pthread_t *threads;
	int n_workers;
	secp256k1_context *secp;     /* verification only: shared read-only */
	bool stop;

	/* the current job */
	uint64_t generation;
	const struct cons_block *block;
	const struct cons_block_undo *undo;
	atomic_size_t next;
	int busy;                    /* workers still on the job */
	size_t fail_at;              /* smallest failing spent index, or SIZE_MAX */
	struct cons_state fail;
};

/* Verifies chunks until none are left; records the earliest failure. */
static void run_job(struct node_sigpool *p)
{
	size_t n = p->undo->n;

	for (;;) {
		size_t from = atomic_fetch_add(&p->next, CHUNK);
		if (from >= n)
			return;
		size_t to = from + CHUNK < n ? from + CHUNK : n;
		for (size_t i = from; i < to; i++) {
			struct cons_state st;
			cons_state_init(&st);
			if (cons_check_block_sigs(p->secp, p->block, p->undo, i, i + 1, &st) == CONS_VALID)
				continue;
			pthread_mutex_lock(&p->mu);
			if (i < p->fail_at) {
				p->fail_at = i;
				p->fail = st;
			}
			pthread_mutex_unlock(&p->mu);
			break;          /* the rest of this chunk cannot change the verdict's index */
		}
	}
}

static void *worker(void *arg)
{
	struct node_sigpool *p = arg;
	uint64_t seen = 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->generation == seen)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop)
			break;
		seen = p->generation;
		pthread_mutex_unlock(&p->mu);
		run_job(p);
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct node_sigpool *node_sigpool_new(int threads)
{
	struct node_sigpool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (threads <= 0)
		threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 1)
		threads = 1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	p->threads = calloc((size_t)threads, sizeof(*p->threads));
	if (!p->secp || !p->threads) {
		node_sigpool_free(p);
		return NULL;
	}
	for (int i = 0; i < threads - 1; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
			node_sigpool_free(p);
			return NULL;
		}
		p->n_workers++;
	}
	return p;
}

void node_sigpool_free(struct node_sigpool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->n_workers; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	if (p->secp)
		secp256k1_context_destroy(p->secp);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p);
}

int node_sigpool_threads(const struct node_sigpool *p)
{
	return p->n_workers + 1;
}

enum cons_verdict node_sigpool_check(struct node_sigpool *p, const struct cons_block *b,
				     const struct cons_block_undo *undo, struct cons_state *st)
{
	pthread_mutex_lock(&p->mu);
	p->block = b;
	p->undo = undo;
	atomic_store(&p->next, 0);
	p->fail_at = SIZE_MAX;
	/* Small blocks are not worth waking anyone. */
	p->busy = undo->n > CHUNK ? p->n_workers : 0;
	if (p->busy) {
		p->generation++;
		pthread_cond_broadcast(&p->work);
	}
	pthread_mutex_unlock(&p->mu);

	run_job(p);

	pthread_mutex_lock(&p->mu);
	while (p->busy > 0)
		pthread_cond_wait(&p->done, &p->mu);
	if (p->fail_at != SIZE_MAX)
		*st = p->fail;
	pthread_mutex_unlock(&p->mu);
	return p->fail_at == SIZE_MAX ? CONS_VALID : st->verdict;
}
