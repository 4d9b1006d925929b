/* The block index; see blockindex.h. */
#include "node/blockindex.h"

#include <stdlib.h>
#include <string.h>

static size_t bucket(const struct node_blockindex *bi, const uint8_t hash[32])
{
	uint64_t h;

	memcpy(&h, hash, 8);
	return (size_t)(h ^ (h >> 29)) & (bi->tcap - 1);
}

static int grow(struct node_blockindex *bi)
{
	size_t old = bi->tcap;
	struct node_blockidx **ot = bi->table;

	bi->tcap = old ? old * 2 : 1024;
	bi->table = calloc(bi->tcap, sizeof(*bi->table));
	if (!bi->table) {
		bi->table = ot;
		bi->tcap = old;
		return -1;
	}
	for (size_t i = 0; i < old; i++) {
		for (struct node_blockidx *e = ot[i], *next; e; e = next) {
			next = e->hnext;
			e->hnext = bi->table[bucket(bi, e->hash)];
			bi->table[bucket(bi, e->hash)] = e;
		}
	}
	free(ot);
	return 0;
}

int node_blockindex_init(struct node_blockindex *bi)
{
	memset(bi, 0, sizeof(*bi));
	return grow(bi);
}

void node_blockindex_release(struct node_blockindex *bi)
{
	for (size_t i = 0; i < bi->tcap; i++) {
		for (struct node_blockidx *e = bi->table[i], *next; e; e = next) {
			next = e->hnext;
			free(e);
		}
	}
	free(bi->table);
	memset(bi, 0, sizeof(*bi));
}

struct node_blockidx *node_blockindex_find(const struct node_blockindex *bi, const uint8_t hash[32])
{
	for (struct node_blockidx *e = bi->table[bucket(bi, hash)]; e; e = e->hnext)
		if (memcmp(e->hash, hash, 32) == 0)
			return e;
	return NULL;
}

struct node_blockidx *node_blockindex_add(struct node_blockindex *bi, const uint8_t hash[32],
					  const struct cons_header *hdr)
{
	struct node_blockidx *e;

	if (bi->count >= bi->tcap && grow(bi) < 0)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	memcpy(e->hash, hash, 32);
	e->hdr = *hdr;
	e->seq = UINT64_MAX;
	e->hnext = bi->table[bucket(bi, hash)];
	bi->table[bucket(bi, hash)] = e;
	bi->count++;
	return e;
}

void node_blockindex_foreach(const struct node_blockindex *bi,
			     void (*fn)(void *ctx, const struct node_blockidx *idx), void *ctx)
{
	for (size_t i = 0; i < bi->tcap; i++)
		for (struct node_blockidx *e = bi->table[i]; e; e = e->hnext)
			fn(ctx, e);
}

static int cmp_height(const void *a, const void *b)
{
	const struct node_blockidx *x = *(struct node_blockidx *const *)a;
	const struct node_blockidx *y = *(struct node_blockidx *const *)b;

	return x->height < y->height ? -1 : x->height > y->height;
}

int node_blockindex_by_height(const struct node_blockindex *bi, struct node_blockidx ***out,
			      size_t *n)
{
	struct node_blockidx **v = malloc((bi->count ? bi->count : 1) * sizeof(*v));
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!v)
		return -1;
	for (size_t i = 0; i < bi->tcap; i++)
		for (struct node_blockidx *e = bi->table[i]; e; e = e->hnext)
			v[k++] = e;
	qsort(v, k, sizeof(*v), cmp_height);
	*out = v;
	*n = k;
	return 0;
}

static int64_t drop_lowest_bit(int64_t n)
{
	return n & (n - 1);
}

/*
 * Bitcoin's skip list: besides its parent, the entry at height h points
 * back to its ancestor at skip_height(h), chosen so that walking from any
 * entry to any of its ancestors takes O(log n) steps. Odd heights skip
 * further than the even ones next to them, so a walk does not stall on a
 * run of short hops.
 */
static int64_t skip_height(int64_t h)
{
	if (h < 2)
		return 0;
	return (h & 1) ? drop_lowest_bit(drop_lowest_bit(h - 1)) + 1 : drop_lowest_bit(h);
}

const struct node_blockidx *node_blockidx_ancestor(const struct node_blockidx *idx, int64_t height)
{
	while (idx && idx->height > height)
		idx = idx->skip && idx->skip->height >= height ? idx->skip : idx->prev;
	return idx && idx->height == height ? idx : NULL;
}

void node_blockidx_link(struct node_blockidx *e, struct node_blockidx *prev)
{
	e->prev = prev;
	e->skip = prev ? (struct node_blockidx *)node_blockidx_ancestor(prev, skip_height(e->height)) : NULL;
}
