/* Transaction serialization; see tx.h. */
#include "consensus/tx.h"

#include <stdlib.h>
#include <string.h>

#include "consensus/hash.h"

/* Smallest serialized input (36 prevout + 1 script len + 4 sequence) and output. */
#define MIN_TXIN_SIZE 41
#define MIN_TXOUT_SIZE 9

bool cons_outpoint_is_null(const struct cons_outpoint *op)
{
	static const uint8_t zero[32];

	return op->n == 0xffffffffu && memcmp(op->txid, zero, 32) == 0;
}

int cons_outpoint_cmp(const struct cons_outpoint *a, const struct cons_outpoint *b)
{
	int c = memcmp(a->txid, b->txid, 32);

	if (c)
		return c;
	return a->n < b->n ? -1 : a->n > b->n;
}

void cons_tx_init(struct cons_tx *tx)
{
	memset(tx, 0, sizeof(*tx));
	tx->version = 1;
}

void cons_tx_release(struct cons_tx *tx)
{
	if (tx->borrowed) {     /* the block's arena holds it all */
		cons_tx_init(tx);
		return;
	}
	for (size_t i = 0; i < tx->n_in; i++)
		free(tx->in[i].script);
	for (size_t i = 0; i < tx->n_out; i++)
		free(tx->out[i].script);
	free(tx->in);
	free(tx->out);
	cons_tx_init(tx);
}

/* Copies a script of len bytes into a new buffer; NULL for len 0 or OOM. */
static int dup_script(uint8_t **out, const uint8_t *script, size_t len)
{
	*out = NULL;
	if (len == 0)
		return 0;
	*out = malloc(len);
	if (!*out)
		return -1;
	memcpy(*out, script, len);
	return 0;
}

/*
 * Where a read puts a transaction's inputs, outputs and scripts: NULL for
 * memory of its own (malloc), or arrays a block provides, with the scripts
 * left as views into the bytes read (cons_tx_read_borrowed).
 */
struct tx_place {
	struct cons_txin *in;
	struct cons_txout *out;
};

static int read_script(struct cons_reader *r, const struct tx_place *pl, uint8_t **out, size_t *len)
{
	const uint8_t *p = cons_read_varbytes(r, len, CONS_MAX_COMPACT);

	*out = NULL;
	if (!p)
		return -1;
	if (pl) {
		/* The block's own copy of its bytes, which it may write: no const. */
		*out = *len ? (uint8_t *)p : NULL;
		return 0;
	}
	if (dup_script(out, p, *len) < 0) {
		cons_reader_fail(r, CONS_READ_NOMEM);
		return -1;
	}
	return 0;
}

/* Reads a count of items of at least min_size bytes each: the input must hold them. */
static size_t read_count(struct cons_reader *r, size_t min_size)
{
	uint64_t count = cons_read_compact(r);

	if (!cons_reader_ok(r))
		return 0;
	if (count > r->len / min_size) {
		cons_reader_fail(r, CONS_READ_TRUNCATED);
		return 0;
	}
	return (size_t)count;
}

/* Reads a count and allocates that many zeroed items, or takes them from place. */
static void *read_array(struct cons_reader *r, size_t *n, size_t min_size, size_t elem,
			void *place)
{
	size_t count = read_count(r, min_size);
	void *arr;

	*n = 0;
	if (!cons_reader_ok(r) || count == 0)
		return NULL;
	arr = place ? place : calloc(count, elem);
	if (!arr)
		cons_reader_fail(r, CONS_READ_NOMEM);
	else
		*n = count;
	return arr;
}

static int read_inputs(struct cons_tx *tx, struct cons_reader *r, const struct tx_place *pl)
{
	size_t n;

	tx->in = read_array(r, &n, MIN_TXIN_SIZE, sizeof(*tx->in), pl ? pl->in : NULL);
	if (!cons_reader_ok(r))
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct cons_txin *in = &tx->in[i];
		cons_read_bytes(r, in->prevout.txid, 32);
		in->prevout.n = cons_read_u32(r);
		tx->n_in = i + 1;       /* so release frees this input's script */
		if (read_script(r, pl, &in->script, &in->script_len) < 0)
			return -1;
		in->sequence = cons_read_u32(r);
	}
	return cons_reader_ok(r) ? 0 : -1;
}

static int read_outputs(struct cons_tx *tx, struct cons_reader *r, const struct tx_place *pl)
{
	size_t n;

	tx->out = read_array(r, &n, MIN_TXOUT_SIZE, sizeof(*tx->out), pl ? pl->out : NULL);
	if (!cons_reader_ok(r))
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct cons_txout *out = &tx->out[i];
		out->value = (int64_t)cons_read_u64(r);
		tx->n_out = i + 1;
		if (read_script(r, pl, &out->script, &out->script_len) < 0)
			return -1;
	}
	return cons_reader_ok(r) ? 0 : -1;
}

static int read_tx(struct cons_tx *tx, struct cons_reader *r, const struct tx_place *pl)
{
	const uint8_t *start = r->p;

	tx->borrowed = pl != NULL;
	tx->version = (int32_t)cons_read_u32(r);
	if (read_inputs(tx, r, pl) < 0 || read_outputs(tx, r, pl) < 0)
		goto fail;
	tx->locktime = cons_read_u32(r);
	if (!cons_reader_ok(r))
		goto fail;
	tx->size = (size_t)(r->p - start);
	if (!pl)                /* a block hashes its transactions two at a time */
		cons_sha256d(tx->txid, start, tx->size);
	return 0;
fail:
	cons_tx_release(tx);
	return -1;
}

int cons_tx_read(struct cons_tx *tx, struct cons_reader *r)
{
	return read_tx(tx, r, NULL);
}

int cons_tx_read_borrowed(struct cons_tx *tx, struct cons_reader *r, struct cons_txin *in,
			  struct cons_txout *out)
{
	struct tx_place pl = {in, out};

	return read_tx(tx, r, &pl);
}

int cons_tx_scan(struct cons_reader *r, size_t *n_in, size_t *n_out)
{
	size_t len;

	*n_in = *n_out = 0;
	cons_read_u32(r);
	*n_in = read_count(r, MIN_TXIN_SIZE);
	for (size_t i = 0; i < *n_in && cons_reader_ok(r); i++) {
		cons_read_span(r, 36);
		cons_read_varbytes(r, &len, CONS_MAX_COMPACT);
		cons_read_u32(r);
	}
	*n_out = read_count(r, MIN_TXOUT_SIZE);
	for (size_t i = 0; i < *n_out && cons_reader_ok(r); i++) {
		cons_read_u64(r);
		cons_read_varbytes(r, &len, CONS_MAX_COMPACT);
	}
	cons_read_u32(r);
	return cons_reader_ok(r) ? 0 : -1;
}

int cons_tx_parse(struct cons_tx *tx, enum cons_read_err *err, const uint8_t *data, size_t len)
{
	struct cons_reader r;

	cons_reader_init(&r, data, len);
	if (cons_tx_read(tx, &r) == 0) {
		cons_reader_expect_end(&r);
		if (!cons_reader_ok(&r))
			cons_tx_release(tx);
	}
	if (err)
		*err = r.err;
	return cons_reader_ok(&r) ? 0 : -1;
}

void cons_tx_write(struct cons_writer *w, const struct cons_tx *tx)
{
	cons_write_u32(w, (uint32_t)tx->version);
	cons_write_compact(w, tx->n_in);
	for (size_t i = 0; i < tx->n_in; i++) {
		const struct cons_txin *in = &tx->in[i];
		cons_write_bytes(w, in->prevout.txid, 32);
		cons_write_u32(w, in->prevout.n);
		cons_write_varbytes(w, in->script, in->script_len);
		cons_write_u32(w, in->sequence);
	}
	cons_write_compact(w, tx->n_out);
	for (size_t i = 0; i < tx->n_out; i++) {
		cons_write_u64(w, (uint64_t)tx->out[i].value);
		cons_write_varbytes(w, tx->out[i].script, tx->out[i].script_len);
	}
	cons_write_u32(w, tx->locktime);
}

int cons_tx_finalize(struct cons_tx *tx)
{
	struct cons_writer w;
	int rc = -1;

	cons_writer_init(&w);
	cons_tx_write(&w, tx);
	if (!w.oom) {
		tx->size = w.len;
		cons_sha256d(tx->txid, w.data, w.len);
		rc = 0;
	}
	cons_writer_release(&w);
	return rc;
}

/* Before an edit: a borrowed transaction gets contents of its own. 0, or -1 OOM. */
static int own(struct cons_tx *tx)
{
	struct cons_tx copy;

	if (!tx->borrowed)
		return 0;
	if (cons_tx_copy(&copy, tx) < 0)
		return -1;
	*tx = copy;
	return 0;
}

int cons_tx_add_input(struct cons_tx *tx, const struct cons_outpoint *prevout,
		      const uint8_t *script, size_t len, uint32_t sequence)
{
	struct cons_txin *in;

	if (own(tx) < 0)
		return -1;
	in = realloc(tx->in, (tx->n_in + 1) * sizeof(*in));
	if (!in)
		return -1;
	tx->in = in;
	in = &tx->in[tx->n_in];
	if (dup_script(&in->script, script, len) < 0)
		return -1;
	in->prevout = *prevout;
	in->script_len = len;
	in->sequence = sequence;
	tx->n_in++;
	return 0;
}

int cons_tx_add_output(struct cons_tx *tx, int64_t value, const uint8_t *script, size_t len)
{
	struct cons_txout *out;

	if (own(tx) < 0)
		return -1;
	out = realloc(tx->out, (tx->n_out + 1) * sizeof(*out));
	if (!out)
		return -1;
	tx->out = out;
	out = &tx->out[tx->n_out];
	if (dup_script(&out->script, script, len) < 0)
		return -1;
	out->value = value;
	out->script_len = len;
	tx->n_out++;
	return 0;
}

int cons_tx_set_input_script(struct cons_tx *tx, size_t i, const uint8_t *script, size_t len)
{
	uint8_t *copy;

	if (own(tx) < 0 || dup_script(&copy, script, len) < 0)
		return -1;
	free(tx->in[i].script);
	tx->in[i].script = copy;
	tx->in[i].script_len = len;
	return 0;
}

int cons_tx_copy(struct cons_tx *dst, const struct cons_tx *src)
{
	cons_tx_init(dst);
	dst->version = src->version;
	dst->locktime = src->locktime;
	for (size_t i = 0; i < src->n_in; i++) {
		const struct cons_txin *in = &src->in[i];
		if (cons_tx_add_input(dst, &in->prevout, in->script, in->script_len, in->sequence) < 0)
			goto fail;
	}
	for (size_t i = 0; i < src->n_out; i++) {
		const struct cons_txout *out = &src->out[i];
		if (cons_tx_add_output(dst, out->value, out->script, out->script_len) < 0)
			goto fail;
	}
	memcpy(dst->txid, src->txid, 32);
	dst->size = src->size;
	return 0;
fail:
	cons_tx_release(dst);
	return -1;
}

bool cons_tx_is_coinbase(const struct cons_tx *tx)
{
	return tx->n_in == 1 && cons_outpoint_is_null(&tx->in[0].prevout);
}
