/*
 * Batches of RPC calls to the testnet's nodes (see batch.h), on rpcbatch.
 */
#include "testnet/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/rpcbatch.h"

struct tn_batch {
	struct tn_app *a;
	struct client_batch *cb;
};

struct call {
	int i;
	tn_batch_done done;
	void *arg;
};

struct tn_batch *tn_batch_new(struct tn_app *a)
{
	struct tn_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->a = a;
	if (!(b->cb = client_batch_new(NULL, TN_BATCH_INFLIGHT))) {
		free(b);
		return NULL;
	}
	return b;
}

void tn_batch_free(struct tn_batch *b)
{
	if (!b)
		return;
	client_batch_free(b->cb);
	free(b);
}

static void on_done(void *arg, json_t *result, const struct client_error *e)
{
	struct call *c = arg;

	c->done(c->arg, c->i, result, result ? NULL : e ? e->message : "no answer");
	free(c);
}

void tn_batch_call(struct tn_batch *b, int i, const char *method, json_t *params, tn_batch_done done,
		   void *arg)
{
	struct client_options o;
	struct call *c = malloc(sizeof(*c));

	if (!c) {
		json_decref(params);
		done(arg, i, NULL, "out of memory");
		return;
	}
	*c = (struct call){i, done, arg};
	tn_node_client_options(&o, &b->a->st, i, 30);
	if (client_batch_call(b->cb, &o, method, params, on_done, c) < 0) {
		free(c);
		done(arg, i, NULL, "out of memory");
	}
}

void tn_batch_run(struct tn_batch *b)
{
	(void)!client_batch_wait(b->cb);
}

static void on_height(void *arg, int i, json_t *r, const char *err)
{
	long long *h = arg;

	h[i] = json_is_integer(r) ? (long long)json_integer_value(r) : -1;
}

int tn_highest_node(struct tn_app *a, long long *top)
{
	static long long h[TN_MAX_NODES];
	struct tn_batch *b = tn_batch_new(a);
	int best = -1;

	if (!b)
		return -1;
	for (int i = 0; i < a->st.n; i++) {
		h[i] = -1;
		if (tn_node_running(a, i))
			tn_batch_call(b, i, "getblockcount", NULL, on_height, h);
	}
	tn_batch_run(b);
	tn_batch_free(b);
	for (int i = 0; i < a->st.n; i++)
		if (h[i] >= 0 && (best < 0 || h[i] > *top)) {
			best = i;
			*top = h[i];
		}
	return best;
}

int tn_running_nodes(const struct tn_app *a, bool *run)
{
	int k = 0;

	for (int i = 0; i < a->st.n; i++)
		k += (run[i] = tn_node_running(a, i));
	return k;
}
