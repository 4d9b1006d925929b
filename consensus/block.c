/* Block serialization and merkle roots; see block.h. */
#include "consensus/block.h"

#include <stdlib.h>
#include <string.h>

#include "consensus/hash.h"

/*
 * Smallest serialized transaction the parser accepts: version, two empty
 * counts, locktime. (A valid one is larger, but rejecting an empty one is
 * cons_check_tx's job, with its own reason.)
 */
#define MIN_TX_SIZE 10

void cons_header_serialize(uint8_t out[CONS_HEADER_SIZE], const struct cons_header *h)
{
	cons_put_le32(out, (uint32_t)h->version);
	memcpy(out + 4, h->prev, 32);
	memcpy(out + 36, h->merkle, 32);
	cons_put_le32(out + 68, h->time);
	cons_put_le32(out + 72, h->bits);
	cons_put_le32(out + 76, h->nonce);
}

void cons_header_read(struct cons_header *h, struct cons_reader *r)
{
	h->version = (int32_t)cons_read_u32(r);
	cons_read_bytes(r, h->prev, 32);
	cons_read_bytes(r, h->merkle, 32);
	h->time = cons_read_u32(r);
	h->bits = cons_read_u32(r);
	h->nonce = cons_read_u32(r);
	if (!cons_reader_ok(r))
		memset(h, 0, sizeof(*h));
}

void cons_header_hash(uint8_t out[32], const struct cons_header *h)
{
	uint8_t raw[CONS_HEADER_SIZE];

	cons_header_serialize(raw, h);
	cons_sha256d_header(out, raw);
}

void cons_block_init(struct cons_block *b)
{
	memset(b, 0, sizeof(*b));
}

void cons_block_release(struct cons_block *b)
{
	for (size_t i = 0; i < b->n_tx; i++)
		cons_tx_release(&b->tx[i]);
	if ((void *)b->tx != b->arena)
		free(b->tx);
	free(b->arena);
	cons_block_init(b);
}

/*
 * The first pass of a read: checks the n transactions after r (advancing
 * a copy of it) and counts their inputs and outputs, so that the second
 * pass needs one allocation for them all. 0, or -1 with r->err set.
 */
static int scan_txs(struct cons_reader *r, size_t n, size_t *n_in, size_t *n_out, size_t *bytes)
{
	struct cons_reader s = *r;

	*n_in = *n_out = 0;
	for (size_t i = 0; i < n; i++) {
		size_t a, b;

		if (cons_tx_scan(&s, &a, &b) < 0) {
			cons_reader_fail(r, s.err);
			return -1;
		}
		*n_in += a;
		*n_out += b;
	}
	*bytes = (size_t)(s.p - r->p);
	return 0;
}

/* The txids of b's transactions, whose bytes lie one after another from raw. */
static void hash_txids(struct cons_block *b, const uint8_t *raw)
{
	size_t i = 0;

	for (; i + 2 <= b->n_tx; i += 2) {
		struct cons_tx *t = &b->tx[i];

		cons_sha256d_x2(t[0].txid, t[1].txid, raw, t[0].size, raw + t[0].size, t[1].size);
		raw += t[0].size + t[1].size;
	}
	if (i < b->n_tx)
		cons_sha256d(b->tx[i].txid, raw, b->tx[i].size);
}

/*
 * The arena, in one allocation: the tx array, every input, every output,
 * then a copy of the transactions' bytes that the scripts are views into.
 * Each count is bounded by the input's length, so the sum cannot overflow.
 */
static int read_txs(struct cons_block *b, struct cons_reader *r, size_t n)
{
	size_t n_in, n_out, bytes;
	struct cons_txin *in;
	struct cons_txout *out;
	struct cons_reader fill;
	uint8_t *raw;

	if (scan_txs(r, n, &n_in, &n_out, &bytes) < 0)
		return -1;
	b->arena = malloc(n * sizeof(*b->tx) + n_in * sizeof(*in) + n_out * sizeof(*out) + bytes);
	if (!b->arena) {
		cons_reader_fail(r, CONS_READ_NOMEM);
		return -1;
	}
	b->tx = b->arena;
	in = (struct cons_txin *)(b->tx + n);
	out = (struct cons_txout *)(in + n_in);
	raw = (uint8_t *)(out + n_out);
	memcpy(raw, cons_read_span(r, bytes), bytes);
	cons_reader_init(&fill, raw, bytes);
	for (size_t i = 0; i < n; i++) {
		cons_tx_init(&b->tx[i]);
		if (cons_tx_read_borrowed(&b->tx[i], &fill, in, out) < 0) {
			cons_reader_fail(r, fill.err);  /* cannot happen: the scan passed */
			return -1;
		}
		in += b->tx[i].n_in;
		out += b->tx[i].n_out;
		b->n_tx = i + 1;
	}
	hash_txids(b, raw);
	return 0;
}

int cons_block_read(struct cons_block *b, struct cons_reader *r)
{
	const uint8_t *start = r->p;
	uint64_t n;

	cons_header_read(&b->hdr, r);
	n = cons_read_compact(r);
	if (!cons_reader_ok(r))
		goto fail;
	if (n > r->len / MIN_TX_SIZE) {
		cons_reader_fail(r, CONS_READ_TRUNCATED);
		goto fail;
	}
	if (n && read_txs(b, r, (size_t)n) < 0)
		goto fail;
	b->size = (size_t)(r->p - start);
	cons_header_hash(b->hash, &b->hdr);
	return 0;
fail:
	cons_block_release(b);
	return -1;
}

int cons_block_parse(struct cons_block *b, enum cons_read_err *err, const uint8_t *data, size_t len)
{
	struct cons_reader r;

	cons_reader_init(&r, data, len);
	if (cons_block_read(b, &r) == 0) {
		cons_reader_expect_end(&r);
		if (!cons_reader_ok(&r))
			cons_block_release(b);
	}
	if (err)
		*err = r.err;
	return cons_reader_ok(&r) ? 0 : -1;
}

void cons_block_write(struct cons_writer *w, const struct cons_block *b)
{
	uint8_t raw[CONS_HEADER_SIZE];

	cons_header_serialize(raw, &b->hdr);
	cons_write_bytes(w, raw, sizeof(raw));
	cons_write_compact(w, b->n_tx);
	for (size_t i = 0; i < b->n_tx; i++)
		cons_tx_write(w, &b->tx[i]);
}

int cons_block_append_tx(struct cons_block *b, struct cons_tx *tx)
{
	struct cons_tx *arr;

	if ((void *)b->tx == b->arena && b->n_tx) {
		/* A read block's array is in its arena: move it out to grow it. */
		arr = malloc((b->n_tx + 1) * sizeof(*arr));
		if (arr)
			memcpy(arr, b->tx, b->n_tx * sizeof(*arr));
	} else {
		arr = realloc(b->tx, (b->n_tx + 1) * sizeof(*arr));
	}
	if (!arr)
		return -1;
	b->tx = arr;
	b->tx[b->n_tx++] = *tx;
	cons_tx_init(tx);
	return 0;
}

int cons_block_finalize(struct cons_block *b)
{
	bool mutated;
	size_t size = CONS_HEADER_SIZE + cons_compact_size(b->n_tx);

	if (cons_block_merkle_root(b->hdr.merkle, &mutated, b) < 0)
		return -1;
	for (size_t i = 0; i < b->n_tx; i++)
		size += b->tx[i].size;
	b->size = size;
	cons_header_hash(b->hash, &b->hdr);
	return 0;
}

/*
 * The root of the n (>= 1) hashes in level, computed in place; level has
 * room for n + 1 (an odd level's last hash is paired with a copy of itself).
 */
static void merkle_in_place(uint8_t root[32], bool *mutated, uint8_t (*level)[32], size_t n)
{
	*mutated = false;
	while (n > 1) {
		for (size_t i = 0; i + 1 < n; i += 2)
			if (memcmp(level[i], level[i + 1], 32) == 0)
				*mutated = true;
		if (n % 2)
			memcpy(level[n], level[n - 1], 32);
		n = (n + 1) / 2;
		cons_sha256d_pairs(level[0], level[0], n);
	}
	memcpy(root, level[0], 32);
}

int cons_merkle_root(uint8_t root[32], bool *mutated, const uint8_t (*leaves)[32], size_t n)
{
	uint8_t (*level)[32];

	*mutated = false;
	if (n == 0) {
		memset(root, 0, 32);
		return 0;
	}
	level = malloc((n + 1) * 32);
	if (!level)
		return -1;
	memcpy(level, leaves, n * 32);
	merkle_in_place(root, mutated, level, n);
	free(level);
	return 0;
}

int cons_block_merkle_root(uint8_t root[32], bool *mutated, const struct cons_block *b)
{
	uint8_t (*ids)[32];

	*mutated = false;
	if (b->n_tx == 0) {
		memset(root, 0, 32);
		return 0;
	}
	ids = malloc((b->n_tx + 1) * 32);
	if (!ids)
		return -1;
	for (size_t i = 0; i < b->n_tx; i++)
		memcpy(ids[i], b->tx[i].txid, 32);
	merkle_in_place(root, mutated, ids, b->n_tx);
	free(ids);
	return 0;
}
