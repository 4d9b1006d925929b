/* Block download's choice of bodies to fetch; see download.h. */
#include "node/download.h"

#include <stdlib.h>
#include <string.h>

/* Makes f->path the branch of best, walking back only to where it meets the old one. */
static int follow(struct node_fetch *f, const struct node_blockidx *best)
{
	const struct node_blockidx *e;

	if ((size_t)best->height >= f->cap) {
		size_t cap = (size_t)best->height + 1 > 2 * f->cap ? (size_t)best->height + 1 : 2 * f->cap;
		const struct node_blockidx **p = realloc(f->path, cap * sizeof(*p));
		if (!p)
			return -1;
		f->path = p;
		f->cap = cap;
	}
	for (e = best; e && (e->height >= f->len || f->path[e->height] != e); e = e->prev) {
		f->path[e->height] = e;
		f->work++;
	}
	if (e && e->height + 1 < f->low)
		f->low = e->height + 1;        /* the branch changed below what we had */
	if (!e)
		f->low = 0;
	f->len = best->height + 1;
	return 0;
}

size_t node_fetch_missing(struct node_fetch *f, const struct node_blockidx *best,
			  uint8_t (*out)[32], size_t max)
{
	int64_t top, end;
	size_t n = 0;

	if (best->status & (STOR_FAILED | STOR_FAILED_CHILD))
		return 0;
	if (best->height >= f->len || f->path[best->height] != best) {
		if (follow(f, best) < 0)
			return 0;
	}
	top = best->height;
	while (f->low <= top && (f->path[f->low]->status & STOR_HAVE_DATA)) {
		f->low++;
		f->work++;
	}
	end = f->low + NODE_FETCH_WINDOW < top + 1 ? f->low + NODE_FETCH_WINDOW : top + 1;
	for (int64_t h = f->low; h < end && n < max; h++) {
		f->work++;
		if (!(f->path[h]->status & STOR_HAVE_DATA))
			memcpy(out[n++], f->path[h]->hash, 32);
	}
	return n;
}

void node_fetch_release(struct node_fetch *f)
{
	free(f->path);
	memset(f, 0, sizeof(*f));
}
