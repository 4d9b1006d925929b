/*
 * Tests for consensus/serialize: the bounds-checked cursor reader and the
 * growable writer. CompactSize encodings follow Bitcoin Core's
 * serialize.h (WriteCompactSize/ReadCompactSize, MAX_SIZE = 0x02000000).
 * Inputs are copied into exactly-sized heap buffers so that, under
 * ASan, a single byte read past the end aborts the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/support/bytes.h"

#include <stdlib.h>
#include <string.h>

#include "consensus/serialize.h"
#include "util/hex.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint8_t *hex_alloc(const char *hex, size_t *len)
{
	uint8_t *p;

	assert_int_equal(util_hex_decode_alloc(&p, len, hex), 0);
	return p;
}

static void test_reader_integers_little_endian(void **state)
{
	static const uint8_t in[] = {
		0xab,
		0x34, 0x12,
		0x78, 0x56, 0x34, 0x12,
		0xef, 0xcd, 0xab, 0x90, 0x78, 0x56, 0x34, 0x12,
	};
	uint8_t *buf = exact_copy(in, sizeof(in));
	struct cons_reader r;

	cons_reader_init(&r, buf, sizeof(in));
	assert_int_equal(cons_read_u8(&r), 0xab);
	assert_int_equal(cons_read_u16(&r), 0x1234);
	assert_int_equal(cons_read_u32(&r), 0x12345678u);
	assert_true(cons_read_u64(&r) == 0x1234567890abcdefull);
	assert_true(cons_reader_ok(&r));
	assert_int_equal(r.len, 0);
	assert_ptr_equal(r.p, buf + sizeof(in));
	cons_reader_expect_end(&r);
	assert_int_equal(r.err, CONS_READ_OK);
	free(buf);
}

/* Each fixed-size read, tried with every shorter input, fails without moving. */
static void test_reader_never_reads_past_end(void **state)
{
	static const uint8_t ff[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const size_t widths[] = { 1, 2, 4, 8 };

	for (size_t w = 0; w < COUNT(widths); w++) {
		for (size_t len = 0; len < widths[w]; len++) {
			uint8_t *buf = exact_copy(ff, len);
			struct cons_reader r;
			uint64_t v = 1;

			cons_reader_init(&r, buf, len);
			switch (widths[w]) {
			case 1: v = cons_read_u8(&r); break;
			case 2: v = cons_read_u16(&r); break;
			case 4: v = cons_read_u32(&r); break;
			case 8: v = cons_read_u64(&r); break;
			}
			assert_true(v == 0);
			assert_int_equal(r.err, CONS_READ_TRUNCATED);
			assert_ptr_equal(r.p, buf);
			assert_int_equal(r.len, len);
			free(buf);
		}
	}
}

static void test_reader_bytes_and_span_bounds(void **state)
{
	static const uint8_t in[] = { 1, 2, 3, 4, 5 };
	uint8_t *buf = exact_copy(in, sizeof(in));
	uint8_t out[8];
	struct cons_reader r;
	const uint8_t *p;

	/* A span is a view into the input, not a copy. */
	cons_reader_init(&r, buf, sizeof(in));
	p = cons_read_span(&r, 2);
	assert_ptr_equal(p, buf);
	assert_int_equal(r.len, 3);
	/* Zero bytes is always fine, even at the end. */
	p = cons_read_span(&r, 0);
	assert_ptr_equal(p, buf + 2);
	assert_true(cons_reader_ok(&r));
	/* Asking for one more byte than is left fails and zeroes out. */
	memset(out, 0xaa, sizeof(out));
	cons_read_bytes(&r, out, 4);
	assert_int_equal(r.err, CONS_READ_TRUNCATED);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(out[4], 0xaa);
	assert_ptr_equal(r.p, buf + 2);
	assert_int_equal(r.len, 3);
	free(buf);

	/* A huge length cannot wrap around the end check. */
	buf = exact_copy(in, sizeof(in));
	cons_reader_init(&r, buf, sizeof(in));
	assert_null(cons_read_span(&r, SIZE_MAX));
	assert_int_equal(r.err, CONS_READ_TRUNCATED);
	assert_int_equal(r.len, sizeof(in));
	free(buf);

	/* Exactly the remaining bytes works. */
	buf = exact_copy(in, sizeof(in));
	cons_reader_init(&r, buf, sizeof(in));
	cons_read_bytes(&r, out, sizeof(in));
	assert_true(cons_reader_ok(&r));
	assert_memory_equal(out, in, sizeof(in));
	assert_int_equal(r.len, 0);
	free(buf);
}

/*
 * One record with every kind of field; cut at every length it must fail as
 * truncated, whole it must read back exactly.
 */
static void read_record(struct cons_reader *r, uint8_t *u8, uint16_t *u16, uint32_t *u32,
			uint64_t *u64, uint64_t *compact, const uint8_t **vb, size_t *vb_len,
			uint8_t hash[32])
{
	*u8 = cons_read_u8(r);
	*u16 = cons_read_u16(r);
	*u32 = cons_read_u32(r);
	*u64 = cons_read_u64(r);
	*compact = cons_read_compact(r);
	*vb = cons_read_varbytes(r, vb_len, 1000);
	cons_read_bytes(r, hash, 32);
}

static void test_reader_truncated_at_every_field(void **state)
{
	struct cons_writer w;
	uint8_t hash[32], payload[300], got_hash[32];
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64, compact;
	const uint8_t *vb;
	size_t vb_len;

	for (size_t i = 0; i < sizeof(hash); i++)
		hash[i] = (uint8_t)(0x80 + i);
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;
	cons_writer_init(&w);
	cons_write_u8(&w, 0x42);
	cons_write_u16(&w, 0xbeef);
	cons_write_u32(&w, 0xdeadbeefu);
	cons_write_u64(&w, 0x0102030405060708ull);
	cons_write_compact(&w, 0x12345);
	cons_write_varbytes(&w, payload, sizeof(payload));
	cons_write_bytes(&w, hash, sizeof(hash));
	assert_false(w.oom);
	assert_int_equal(w.len, 1 + 2 + 4 + 8 + 5 + 3 + 300 + 32);

	for (size_t len = 0; len <= w.len; len++) {
		uint8_t *buf = exact_copy(w.data, len);
		struct cons_reader r;

		cons_reader_init(&r, buf, len);
		read_record(&r, &u8, &u16, &u32, &u64, &compact, &vb, &vb_len, got_hash);
		if (len < w.len) {
			assert_int_equal(r.err, CONS_READ_TRUNCATED);
			/* The byte string ends at offset 323; cut before, no view. */
			if (len < 323)
				assert_null(vb);
			else
				assert_ptr_equal(vb, buf + 23);
			/* The frozen cursor still describes the rest of the input. */
			assert_true(r.p >= buf && (size_t)(r.p - buf) <= len);
			assert_int_equal(r.len, len - (size_t)(r.p - buf));
		} else {
			assert_true(cons_reader_ok(&r));
			assert_int_equal(u8, 0x42);
			assert_int_equal(u16, 0xbeef);
			assert_int_equal(u32, 0xdeadbeefu);
			assert_true(u64 == 0x0102030405060708ull);
			assert_true(compact == 0x12345);
			assert_non_null(vb);
			assert_int_equal(vb_len, sizeof(payload));
			assert_memory_equal(vb, payload, sizeof(payload));
			assert_ptr_equal(vb, buf + 1 + 2 + 4 + 8 + 5 + 3);
			assert_memory_equal(got_hash, hash, 32);
			assert_int_equal(r.len, 0);
		}
		free(buf);
	}
	cons_writer_release(&w);
}

struct compact_vector {
	uint64_t value;
	const char *hex;
};

/* Canonical encodings at every size boundary, both ways. */
static const struct compact_vector compact_vectors[] = {
	{ 0, "00" },
	{ 1, "01" },
	{ 0xfc, "fc" },
	{ 0xfd, "fdfd00" },
	{ 0xfe, "fdfe00" },
	{ 0xffff, "fdffff" },
	{ 0x10000, "fe00000100" },
	{ 0x02000000, "fe00000002" },
	{ 0x02000001, "fe01000002" },
	{ 0xffffffffu, "feffffffff" },
	{ 0x100000000ull, "ff0000000001000000" },
	{ 0xffffffffffffffffull, "ffffffffffffffffff" },
};

static void test_compact_write_canonical_boundaries(void **state)
{
	for (size_t i = 0; i < COUNT(compact_vectors); i++) {
		const struct compact_vector *v = &compact_vectors[i];
		struct cons_writer w;
		char hex[32];

		cons_writer_init(&w);
		cons_write_compact(&w, v->value);
		assert_false(w.oom);
		assert_int_equal(w.len, strlen(v->hex) / 2);
		assert_int_equal(cons_compact_size(v->value), w.len);
		util_hex_encode(hex, w.data, w.len);
		assert_string_equal(hex, v->hex);
		cons_writer_release(&w);
	}
}

static void test_compact_read_canonical_boundaries(void **state)
{
	for (size_t i = 0; i < COUNT(compact_vectors); i++) {
		const struct compact_vector *v = &compact_vectors[i];
		struct cons_reader r;
		size_t len;
		uint8_t *buf = hex_alloc(v->hex, &len);
		uint64_t got;

		cons_reader_init(&r, buf, len);
		got = cons_read_compact(&r);
		if (v->value <= CONS_MAX_COMPACT) {
			assert_true(cons_reader_ok(&r));
			assert_true(got == v->value);
			assert_int_equal(r.len, 0);
		} else {
			/* Canonical but above Bitcoin's MAX_SIZE. */
			assert_int_equal(r.err, CONS_READ_TOO_LARGE);
			assert_true(got == 0);
		}
		free(buf);
	}
}

static void test_compact_read_rejects_noncanonical(void **state)
{
	static const char *const noncanonical[] = {
		"fd0000",               /* 0 */
		"fdfc00",               /* 0xfc: fits in one byte */
		"fe00000000",
		"feffff0000",           /* 0xffff: fits in three bytes */
		"ff0000000000000000",
		"ffffffffff00000000",   /* 0xffffffff: fits in five bytes */
		"ff0100000000000000",
	};

	for (size_t i = 0; i < COUNT(noncanonical); i++) {
		struct cons_reader r;
		size_t len;
		uint8_t *buf = hex_alloc(noncanonical[i], &len);

		cons_reader_init(&r, buf, len);
		assert_true(cons_read_compact(&r) == 0);
		assert_int_equal(r.err, CONS_READ_NONCANONICAL);
		free(buf);
	}
}

static void test_compact_read_rejects_above_max(void **state)
{
	struct cons_writer w;
	struct cons_reader r;

	cons_writer_init(&w);
	cons_write_compact(&w, CONS_MAX_COMPACT);
	cons_write_compact(&w, CONS_MAX_COMPACT + 1ull);
	cons_write_compact(&w, 1);
	assert_int_equal(w.len, 11);

	cons_reader_init(&r, w.data, w.len);
	assert_true(cons_read_compact(&r) == CONS_MAX_COMPACT);
	assert_true(cons_reader_ok(&r));
	assert_true(cons_read_compact(&r) == 0);
	assert_int_equal(r.err, CONS_READ_TOO_LARGE);
	/* Sticky: the valid value after it is not read. */
	assert_true(cons_read_compact(&r) == 0);
	assert_int_equal(r.err, CONS_READ_TOO_LARGE);
	cons_writer_release(&w);
}

static void test_compact_read_truncated_payload(void **state)
{
	static const char *const truncated[] = { "", "fd", "fdff", "fe", "feffffff", "ff", "ff00000000000001" };

	for (size_t i = 0; i < COUNT(truncated); i++) {
		struct cons_reader r;
		size_t len;
		uint8_t *buf = hex_alloc(truncated[i], &len);
		uint8_t *exact = exact_copy(buf, len);

		cons_reader_init(&r, exact, len);
		assert_true(cons_read_compact(&r) == 0);
		assert_int_equal(r.err, CONS_READ_TRUNCATED);
		free(exact);
		free(buf);
	}
}

static void test_reader_error_is_sticky(void **state)
{
	static const uint8_t in[] = { 0xfd, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44 };
	struct cons_reader r;
	uint8_t out[2];

	cons_reader_init(&r, in, sizeof(in));
	assert_true(cons_read_compact(&r) == 0);        /* fd 0001: non-canonical */
	assert_int_equal(r.err, CONS_READ_NONCANONICAL);
	/* Four bytes remain, yet nothing more is read and the cursor is frozen. */
	assert_int_equal(cons_read_u8(&r), 0);
	assert_int_equal(cons_read_u16(&r), 0);
	assert_int_equal(cons_read_u32(&r), 0);
	assert_null(cons_read_span(&r, 1));
	memset(out, 0xaa, sizeof(out));
	cons_read_bytes(&r, out, sizeof(out));
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 0);
	assert_int_equal(r.len, 4);
	assert_ptr_equal(r.p, in + 3);
	/* The first error is the one kept. */
	cons_reader_fail(&r, CONS_READ_TRUNCATED);
	assert_int_equal(r.err, CONS_READ_NONCANONICAL);
	cons_reader_expect_end(&r);
	assert_int_equal(r.err, CONS_READ_NONCANONICAL);
	assert_false(cons_reader_ok(&r));
}

static void test_reader_fail_records_error(void **state)
{
	static const uint8_t in[] = { 1, 2 };
	struct cons_reader r;

	cons_reader_init(&r, in, sizeof(in));
	cons_reader_fail(&r, CONS_READ_NOMEM);
	assert_int_equal(r.err, CONS_READ_NOMEM);
	assert_int_equal(cons_read_u8(&r), 0);
	assert_int_equal(r.len, 2);
	/* Re-initialising clears the error. */
	cons_reader_init(&r, in, sizeof(in));
	assert_true(cons_reader_ok(&r));
	assert_int_equal(cons_read_u16(&r), 0x0201);
}

static void test_reader_expect_end_trailing(void **state)
{
	static const uint8_t in[] = { 0x01, 0x02, 0x03 };
	struct cons_reader r;

	cons_reader_init(&r, in, sizeof(in));
	assert_int_equal(cons_read_u16(&r), 0x0201);
	cons_reader_expect_end(&r);
	assert_int_equal(r.err, CONS_READ_TRAILING);

	cons_reader_init(&r, in, sizeof(in));
	cons_read_span(&r, 3);
	cons_reader_expect_end(&r);
	assert_int_equal(r.err, CONS_READ_OK);

	cons_reader_init(&r, in, 0);
	cons_reader_expect_end(&r);
	assert_int_equal(r.err, CONS_READ_OK);
}

static void test_reader_varbytes_limits(void **state)
{
	/* Length 3 then "abc", then a length that runs past the end. */
	static const uint8_t in[] = { 0x03, 'a', 'b', 'c', 0x05, 'x', 'y' };
	uint8_t *buf = exact_copy(in, sizeof(in));
	struct cons_reader r;
	const uint8_t *p;
	size_t len = 99;

	cons_reader_init(&r, buf, sizeof(in));
	p = cons_read_varbytes(&r, &len, 3);
	assert_ptr_equal(p, buf + 1);
	assert_int_equal(len, 3);
	p = cons_read_varbytes(&r, &len, 100);
	assert_null(p);
	assert_int_equal(r.err, CONS_READ_TRUNCATED);
	free(buf);

	/* A length above the caller's maximum is refused before reading. */
	buf = exact_copy(in, sizeof(in));
	cons_reader_init(&r, buf, sizeof(in));
	len = 99;
	p = cons_read_varbytes(&r, &len, 2);
	assert_null(p);
	assert_int_equal(len, 0);
	assert_int_equal(r.err, CONS_READ_TOO_LARGE);
	assert_int_equal(r.len, sizeof(in) - 1);
	free(buf);

	/* Empty byte string. */
	{
		static const uint8_t empty[] = { 0x00 };
		cons_reader_init(&r, empty, sizeof(empty));
		len = 99;
		p = cons_read_varbytes(&r, &len, 0);
		assert_non_null(p);
		assert_int_equal(len, 0);
		assert_true(cons_reader_ok(&r));
	}
}

static void test_writer_integers_little_endian(void **state)
{
	struct cons_writer w;
	char hex[64];

	cons_writer_init(&w);
	assert_null(w.data);
	assert_int_equal(w.len, 0);
	assert_int_equal(w.cap, 0);
	cons_write_u8(&w, 0xab);
	cons_write_u16(&w, 0x1234);
	cons_write_u32(&w, 0x12345678u);
	cons_write_u64(&w, 0x1234567890abcdefull);
	util_hex_encode(hex, w.data, w.len);
	assert_string_equal(hex, "ab341278563412efcdab9078563412");
	cons_writer_release(&w);
	assert_null(w.data);
	assert_int_equal(w.len, 0);
	assert_int_equal(w.cap, 0);
	assert_false(w.oom);
}

static void test_writer_grows(void **state)
{
	struct cons_writer w;
	uint8_t big[5000];

	cons_writer_init(&w);
	for (size_t i = 0; i < 100000; i++) {
		cons_write_u8(&w, (uint8_t)(i * 7));
		assert_true(w.len <= w.cap);
	}
	assert_false(w.oom);
	assert_int_equal(w.len, 100000);
	for (size_t i = 0; i < 100000; i++)
		assert_int_equal(w.data[i], (uint8_t)(i * 7));

	/* One write far larger than the current spare room. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i ^ 0x5a);
	cons_write_varbytes(&w, big, sizeof(big));
	assert_false(w.oom);
	assert_int_equal(w.len, 100000 + 3 + sizeof(big));
	assert_int_equal(w.data[100000], 0xfd);
	assert_int_equal(w.data[100001], sizeof(big) & 0xff);
	assert_int_equal(w.data[100002], sizeof(big) >> 8);
	assert_memory_equal(w.data + 100003, big, sizeof(big));
	cons_writer_release(&w);

	/* Zero-length writes are harmless on an empty writer. */
	cons_writer_init(&w);
	cons_write_bytes(&w, NULL, 0);
	assert_int_equal(w.len, 0);
	assert_int_equal(cons_writer_reserve(&w, 0), 0);
	assert_int_equal(cons_writer_reserve(&w, 1000), 0);
	assert_true(w.cap - w.len >= 1000);
	assert_int_equal(w.len, 0);
	cons_writer_release(&w);
}

static void test_writer_reserve_impossible_sets_oom(void **state)
{
	struct cons_writer w;

	cons_writer_init(&w);
	cons_write_u32(&w, 7);
	assert_int_equal(cons_writer_reserve(&w, SIZE_MAX - 2), -1);
	assert_true(w.oom);
	/* Sticky: later writes are dropped, earlier contents kept. */
	cons_write_u8(&w, 1);
	assert_int_equal(w.len, 4);
	assert_int_equal(cons_writer_reserve(&w, 1), -1);
	cons_writer_release(&w);
	assert_false(w.oom);
}

static void test_writer_reader_round_trip(void **state)
{
	static const uint64_t values[] = { 0, 0xfc, 0xfd, 0xffff, 0x10000, CONS_MAX_COMPACT };
	struct cons_writer w;
	struct cons_reader r;

	cons_writer_init(&w);
	for (size_t i = 0; i < COUNT(values); i++) {
		cons_write_compact(&w, values[i]);
		cons_write_u64(&w, ~values[i]);
	}
	cons_reader_init(&r, w.data, w.len);
	for (size_t i = 0; i < COUNT(values); i++) {
		assert_true(cons_read_compact(&r) == values[i]);
		assert_true(cons_read_u64(&r) == ~values[i]);
	}
	cons_reader_expect_end(&r);
	assert_true(cons_reader_ok(&r));
	cons_writer_release(&w);
}

static void test_le32_helpers(void **state)
{
	uint8_t b[4];

	cons_put_le32(b, 0x1d00ffffu);
	assert_int_equal(b[0], 0xff);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(b[2], 0x00);
	assert_int_equal(b[3], 0x1d);
	assert_int_equal(cons_le32(b), 0x1d00ffffu);
}

static void test_read_err_str_names(void **state)
{
	assert_string_equal(cons_read_err_str(CONS_READ_OK), "ok");
	assert_string_equal(cons_read_err_str(CONS_READ_TRUNCATED), "truncated");
	assert_string_equal(cons_read_err_str(CONS_READ_TRAILING), "trailing data");
	assert_string_not_equal(cons_read_err_str(CONS_READ_NONCANONICAL),
				cons_read_err_str(CONS_READ_TOO_LARGE));
	assert_string_not_equal(cons_read_err_str(CONS_READ_NOMEM), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_integers_little_endian),
		cmocka_unit_test(test_reader_never_reads_past_end),
		cmocka_unit_test(test_reader_bytes_and_span_bounds),
		cmocka_unit_test(test_reader_truncated_at_every_field),
		cmocka_unit_test(test_compact_write_canonical_boundaries),
		cmocka_unit_test(test_compact_read_canonical_boundaries),
		cmocka_unit_test(test_compact_read_rejects_noncanonical),
		cmocka_unit_test(test_compact_read_rejects_above_max),
		cmocka_unit_test(test_compact_read_truncated_payload),
		cmocka_unit_test(test_reader_error_is_sticky),
		cmocka_unit_test(test_reader_fail_records_error),
		cmocka_unit_test(test_reader_expect_end_trailing),
		cmocka_unit_test(test_reader_varbytes_limits),
		cmocka_unit_test(test_writer_integers_little_endian),
		cmocka_unit_test(test_writer_grows),
		cmocka_unit_test(test_writer_reserve_impossible_sets_oom),
		cmocka_unit_test(test_writer_reader_round_trip),
		cmocka_unit_test(test_le32_helpers),
		cmocka_unit_test(test_read_err_str_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
