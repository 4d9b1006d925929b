/* Bitcoin serialization primitives; see serialize.h. */
#include "consensus/serialize.h"

#include <stdlib.h>
#include <string.h>

void cons_reader_init(struct cons_reader *r, const uint8_t *data, size_t len)
{
	r->p = data;
	r->len = len;
	r->err = CONS_READ_OK;
}

const char *cons_read_err_str(enum cons_read_err err)
{
	switch (err) {
	case CONS_READ_OK: return "ok";
	case CONS_READ_TRUNCATED: return "truncated";
	case CONS_READ_NONCANONICAL: return "non-canonical size";
	case CONS_READ_TOO_LARGE: return "size too large";
	case CONS_READ_TRAILING: return "trailing data";
	case CONS_READ_NOMEM: return "out of memory";
	}
	return "unknown";
}

void cons_reader_fail(struct cons_reader *r, enum cons_read_err err)
{
	if (r->err == CONS_READ_OK)
		r->err = err;
}

const uint8_t *cons_read_span(struct cons_reader *r, size_t n)
{
	const uint8_t *p;

	if (r->err != CONS_READ_OK)
		return NULL;
	if (n > r->len) {
		cons_reader_fail(r, CONS_READ_TRUNCATED);
		return NULL;
	}
	p = r->p;
	r->p += n;
	r->len -= n;
	return p;
}

void cons_read_bytes(struct cons_reader *r, uint8_t *out, size_t n)
{
	const uint8_t *p = cons_read_span(r, n);

	if (p)
		memcpy(out, p, n);
	else
		memset(out, 0, n);
}

static uint64_t read_le(struct cons_reader *r, size_t n)
{
	const uint8_t *p = cons_read_span(r, n);
	uint64_t v = 0;

	if (!p)
		return 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint8_t cons_read_u8(struct cons_reader *r) { return (uint8_t)read_le(r, 1); }
uint16_t cons_read_u16(struct cons_reader *r) { return (uint16_t)read_le(r, 2); }
uint32_t cons_read_u32(struct cons_reader *r) { return (uint32_t)read_le(r, 4); }
uint64_t cons_read_u64(struct cons_reader *r) { return read_le(r, 8); }

uint64_t cons_read_compact(struct cons_reader *r)
{
	uint8_t tag = cons_read_u8(r);
	uint64_t v, min;

	if (tag < 0xfd)
		return tag;
	if (tag == 0xfd) {
		v = cons_read_u16(r);
		min = 0xfd;
	} else if (tag == 0xfe) {
		v = cons_read_u32(r);
		min = 0x10000;
	} else {
		v = cons_read_u64(r);
		min = 0x100000000ull;
	}
	if (!cons_reader_ok(r))
		return 0;
	if (v < min) {
		cons_reader_fail(r, CONS_READ_NONCANONICAL);
		return 0;
	}
	if (v > CONS_MAX_COMPACT) {
		cons_reader_fail(r, CONS_READ_TOO_LARGE);
		return 0;
	}
	return v;
}

const uint8_t *cons_read_varbytes(struct cons_reader *r, size_t *len, size_t max)
{
	uint64_t n = cons_read_compact(r);

	*len = 0;
	if (!cons_reader_ok(r))
		return NULL;
	if (n > max) {
		cons_reader_fail(r, CONS_READ_TOO_LARGE);
		return NULL;
	}
	const uint8_t *p = cons_read_span(r, (size_t)n);
	*len = p ? (size_t)n : 0;       /* a failed read reports no bytes */
	return p;
}

void cons_reader_expect_end(struct cons_reader *r)
{
	if (r->err == CONS_READ_OK && r->len != 0)
		r->err = CONS_READ_TRAILING;
}

void cons_writer_init(struct cons_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void cons_writer_release(struct cons_writer *w)
{
	free(w->data);
	cons_writer_init(w);
}

int cons_writer_reserve(struct cons_writer *w, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (w->oom)
		return -1;
	if (w->cap - w->len >= n)
		return 0;
	cap = w->cap ? w->cap : 64;
	while (cap - w->len < n) {
		if (cap > SIZE_MAX / 2) {
			w->oom = true;
			return -1;
		}
		cap *= 2;
	}
	p = realloc(w->data, cap);
	if (!p) {
		w->oom = true;
		return -1;
	}
	w->data = p;
	w->cap = cap;
	return 0;
}

void cons_write_bytes(struct cons_writer *w, const void *data, size_t n)
{
	if (n == 0 || cons_writer_reserve(w, n) < 0)
		return;
	memcpy(w->data + w->len, data, n);
	w->len += n;
}

static void write_le(struct cons_writer *w, uint64_t v, size_t n)
{
	uint8_t b[8];

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	cons_write_bytes(w, b, n);
}

void cons_write_u8(struct cons_writer *w, uint8_t v) { write_le(w, v, 1); }
void cons_write_u16(struct cons_writer *w, uint16_t v) { write_le(w, v, 2); }
void cons_write_u32(struct cons_writer *w, uint32_t v) { write_le(w, v, 4); }
void cons_write_u64(struct cons_writer *w, uint64_t v) { write_le(w, v, 8); }

size_t cons_compact_size(uint64_t v)
{
	if (v < 0xfd)
		return 1;
	if (v <= 0xffff)
		return 3;
	if (v <= 0xffffffffu)
		return 5;
	return 9;
}

void cons_write_compact(struct cons_writer *w, uint64_t v)
{
	if (v < 0xfd) {
		write_le(w, v, 1);
	} else if (v <= 0xffff) {
		write_le(w, 0xfd, 1);
		write_le(w, v, 2);
	} else if (v <= 0xffffffffu) {
		write_le(w, 0xfe, 1);
		write_le(w, v, 4);
	} else {
		write_le(w, 0xff, 1);
		write_le(w, v, 8);
	}
}

void cons_write_varbytes(struct cons_writer *w, const uint8_t *data, size_t n)
{
	cons_write_compact(w, n);
	cons_write_bytes(w, data, n);
}
