/*
 * Bitcoin's serialization primitives: little-endian integers, CompactSize,
 * 32-byte hashes and length-prefixed byte strings.
 *
 * Reading goes through a cursor that refuses to advance past its end: every
 * bounds check lives here. A failed read sets a sticky error flag and leaves
 * the cursor where it was, so callers may read a whole structure and test
 * cons_reader_ok() once at the end. No allocation on the read side; the
 * writer grows a heap buffer. No I/O.
 */
#ifndef FLINT_CONSENSUS_SERIALIZE_H
#define FLINT_CONSENSUS_SERIALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest CompactSize accepted on read (Bitcoin's MAX_SIZE). */
#define CONS_MAX_COMPACT 0x02000000u

enum cons_read_err {
	CONS_READ_OK = 0,
	CONS_READ_TRUNCATED,     /* input ended inside a field */
	CONS_READ_NONCANONICAL,  /* CompactSize not in its shortest form */
	CONS_READ_TOO_LARGE,     /* CompactSize above CONS_MAX_COMPACT or a caller limit */
	CONS_READ_TRAILING,      /* bytes left after a complete structure */
	CONS_READ_NOMEM,         /* not a property of the input: allocation failed */
};

/* Invariant: p points at len readable bytes; err != OK means p, len are frozen. */
struct cons_reader {
	const uint8_t *p;
	size_t len;
	enum cons_read_err err;
};

void cons_reader_init(struct cons_reader *r, const uint8_t *data, size_t len);
static inline bool cons_reader_ok(const struct cons_reader *r) { return r->err == CONS_READ_OK; }
/* Human-readable name of a read error, e.g. "truncated". */
const char *cons_read_err_str(enum cons_read_err err);

/* Each returns the value read, or 0 with r->err set when it cannot. */
uint8_t cons_read_u8(struct cons_reader *r);
uint16_t cons_read_u16(struct cons_reader *r);
uint32_t cons_read_u32(struct cons_reader *r);
uint64_t cons_read_u64(struct cons_reader *r);
/* CompactSize; refuses non-canonical encodings and values above CONS_MAX_COMPACT. */
uint64_t cons_read_compact(struct cons_reader *r);
/* Copies n bytes into out; on error out is zeroed. */
void cons_read_bytes(struct cons_reader *r, uint8_t *out, size_t n);
/*
 * Returns a pointer to the next n bytes inside the input (no copy) and
 * advances, or NULL with r->err set.
 */
const uint8_t *cons_read_span(struct cons_reader *r, size_t n);
/*
 * Reads a CompactSize length (at most max) and returns a view of that many
 * bytes, storing the length in *len; NULL with r->err set and *len 0 on error.
 */
const uint8_t *cons_read_varbytes(struct cons_reader *r, size_t *len, size_t max);
/* Records err unless an earlier error is already recorded. */
void cons_reader_fail(struct cons_reader *r, enum cons_read_err err);
/* Sets CONS_READ_TRAILING if bytes remain and no error happened yet. */
void cons_reader_expect_end(struct cons_reader *r);

/* Growable output buffer. Invariant: len <= cap; data is NULL iff cap == 0. */
struct cons_writer {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool oom;       /* sticky: an allocation failed, contents are truncated */
};

void cons_writer_init(struct cons_writer *w);
void cons_writer_release(struct cons_writer *w);
/* Ensures room for n more bytes. Returns 0, or -1 (and sets oom) on failure. */
int cons_writer_reserve(struct cons_writer *w, size_t n);
void cons_write_bytes(struct cons_writer *w, const void *data, size_t n);
void cons_write_u8(struct cons_writer *w, uint8_t v);
void cons_write_u16(struct cons_writer *w, uint16_t v);
void cons_write_u32(struct cons_writer *w, uint32_t v);
void cons_write_u64(struct cons_writer *w, uint64_t v);
void cons_write_compact(struct cons_writer *w, uint64_t v);
void cons_write_varbytes(struct cons_writer *w, const uint8_t *data, size_t n);

/* Number of bytes cons_write_compact() writes for v. */
size_t cons_compact_size(uint64_t v);

/* Little-endian helpers on raw memory. */
static inline uint32_t cons_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void cons_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

#endif
