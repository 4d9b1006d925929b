/*
 * Tests for consensus/tx on real Bitcoin transactions: the genesis
 * coinbase, and two mainnet transactions with stated txids from Bitcoin
 * Core's src/test/bloom_tests.cpp (merkle_block_2 and merkle_block_4):
 * 28204cad... (2 inputs, 2 outputs) and 02981fa0... (4 inputs).
 * Inputs are copied into exactly-sized heap buffers so that, under ASan,
 * a read past the end aborts the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/support/bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "consensus/serialize.h"
#include "consensus/tx.h"
#include "tests/support/capped.h"
#include "util/hex.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))


static const char genesis_script_sig_hex[] =
	"04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e2062"
	"72696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73";
static const char genesis_script_pubkey_hex[] =
	"4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504"
	"e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac";
static const char genesis_txid[] =
	"4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";

/* version 1 | 1 input: null prevout, 77-byte scriptSig, sequence | 1 output: 50 BTC | locktime 0 */
static const char genesis_tx_hex[] =
	"01000000"
	"01"
	"0000000000000000000000000000000000000000000000000000000000000000" "ffffffff"
	"4d"
	"04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e2062"
	"72696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73"
	"ffffffff"
	"01"
	"00f2052a01000000"
	"43"
	"4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504"
	"e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac"
	"00000000";

/* bloom_tests.cpp merkle_block_2, second transaction. */
static const char tx_28204cad_hex[] =
	"010000000255605dc6f5c3dc148b6da58442b0b2cd422be385eab2ebea4119ee9c268d28350000000049483045022100"
	"aa46504baa86df8a33b1192b1b9367b4d729dc41e389f2c04f3e5c7f0559aae702205e82253a54bf5c4f65b742855155"
	"4b2045167d6d206dfe6a2e198127d3f7df1501ffffffff55605dc6f5c3dc148b6da58442b0b2cd422be385eab2ebea41"
	"19ee9c268d2835010000004847304402202329484c35fa9d6bb32a55a70c0982f606ce0e3634b69006138683bcd12cbb"
	"6602200c28feb1e2555c3210f1dddb299738b4ff8bbe9667b68cb8764b5ac17b7adf0001ffffffff0200e1f505000000"
	"004341046a0765b5865641ce08dd39690aade26dfbf5511430ca428a3089261361cef170e3929a68aee3d8d4848b0c51"
	"11b0a37b82b86ad559fd2a745b44d8e8d9dfdc0cac00180d8f000000004341044a656f065871a353f216ca26cef8dde2"
	"f03e8c16202d2e8ad769f02032cb86a5eb5e56842e92e19141d60a01928f8dd2c875a390f67c1f6c94cfc617c0ea45af"
	"ac00000000";
static const char tx_28204cad_txid[] =
	"28204cad1d7fc1d199e8ef4fa22f182de6258a3eaafe1bbe56ebdcacd3069a5f";

/* bloom_tests.cpp merkle_block_4, fourth transaction. */
static const char tx_02981fa0_hex[] =
	"01000000045bf0e214aa4069a3e792ecee1e1bf0c1d397cde8dd08138f4b72a00681743447000000008b48304502200c"
	"45de8c4f3e2c1821f2fc878cba97b1e6f8807d94930713aa1c86a67b9bf1e40221008581abfef2e30f957815fc899784"
	"23746b2086375ca8ecf359c85c2a5b7c88ad01410462bb73f76ca0994fcb8b4271e6fb7561f5c0f9ca0cf6485261c4a0"
	"dc894f4ab844c6cdfb97cd0b60ffb5018ffd6238f4d87270efb1d3ae37079b794a92d7ec95ffffffffd669f7d7958d40"
	"fc59d2253d88e0f248e29b599c80bbcec344a83dda5f9aa72c000000008a473044022078124c8beeaa825f9e0b30bff9"
	"6e564dd859432f2d0cb3b72d3d5d93d38d7e930220691d233b6c0f995be5acb03d70a7f7a65b6bc9bdd426260f38a134"
	"6669507a3601410462bb73f76ca0994fcb8b4271e6fb7561f5c0f9ca0cf6485261c4a0dc894f4ab844c6cdfb97cd0b60"
	"ffb5018ffd6238f4d87270efb1d3ae37079b794a92d7ec95fffffffff878af0d93f5229a68166cf051fd372bb7a53723"
	"2946e0a46f53636b4dafdaa4000000008c493046022100c717d1714551663f69c3c5759bdbb3a0fcd3fab023abc0e522"
	"fe6440de35d8290221008d9cbe25bffc44af2b18e81c58eb37293fd7fe1c2e7b46fc37ee8c96c50ab1e201410462bb73"
	"f76ca0994fcb8b4271e6fb7561f5c0f9ca0cf6485261c4a0dc894f4ab844c6cdfb97cd0b60ffb5018ffd6238f4d87270"
	"efb1d3ae37079b794a92d7ec95ffffffff27f2b668859cd7f2f894aa0fd2d9e60963bcd07c88973f425f999b8cbfd7a1"
	"e2000000008c493046022100e00847147cbf517bcc2f502f3ddc6d284358d102ed20d47a8aa788a62f0db780022100d1"
	"7b2d6fa84dcaf1c95d88d7e7c30385aecf415588d749afd3ec81f6022cecd701410462bb73f76ca0994fcb8b4271e6fb"
	"7561f5c0f9ca0cf6485261c4a0dc894f4ab844c6cdfb97cd0b60ffb5018ffd6238f4d87270efb1d3ae37079b794a92d7"
	"ec95ffffffff0100c817a8040000001976a914b6efd80d99179f4f4ff6f4dd0a007d018c385d2188ac00000000";
static const char tx_02981fa0_txid[] =
	"02981fa052f0481dbc5868f4fc2166035a10f27a03cfd2de67326471df5bc041";

struct vector {
	const char *name;
	const char *hex;
	const char *txid;
	size_t size;
	size_t n_in, n_out;
};

static const struct vector vectors[] = {
	{ "genesis coinbase", genesis_tx_hex, genesis_txid, 204, 1, 1 },
	{ "28204cad", tx_28204cad_hex, tx_28204cad_txid, 389, 2, 2 },
	{ "02981fa0", tx_02981fa0_hex, tx_02981fa0_txid, 765, 4, 1 },
};

static uint8_t *hex_alloc(const char *hex, size_t *len)
{
	uint8_t *p;

	assert_int_equal(util_hex_decode_alloc(&p, len, hex), 0);
	return p;
}

static void assert_txid(const uint8_t txid[32], const char *want)
{
	char hex[65];

	util_hex_encode_rev(hex, txid, 32);
	assert_string_equal(hex, want);
}

static void assert_script(const uint8_t *script, size_t len, const char *want_hex)
{
	uint8_t *want;
	size_t want_len;

	want = hex_alloc(want_hex, &want_len);
	assert_int_equal(len, want_len);
	assert_memory_equal(script, want, len);
	free(want);
}

static void assert_released(const struct cons_tx *tx)
{
	assert_int_equal(tx->n_in, 0);
	assert_int_equal(tx->n_out, 0);
	assert_null(tx->in);
	assert_null(tx->out);
	assert_int_equal(tx->size, 0);
}

static void parse_vector(struct cons_tx *tx, const struct vector *v)
{
	size_t len;
	uint8_t *raw = hex_alloc(v->hex, &len);
	enum cons_read_err err = CONS_READ_NOMEM;

	cons_tx_init(tx);
	assert_int_equal(cons_tx_parse(tx, &err, raw, len), 0);
	assert_int_equal(err, CONS_READ_OK);
	free(raw);
}

static void test_tx_parse_genesis_coinbase(void **state)
{
	struct cons_tx tx;
	static const uint8_t zero[32];

	parse_vector(&tx, &vectors[0]);
	assert_int_equal(tx.version, 1);
	assert_int_equal(tx.n_in, 1);
	assert_memory_equal(tx.in[0].prevout.txid, zero, 32);
	assert_int_equal(tx.in[0].prevout.n, 0xffffffffu);
	assert_true(cons_outpoint_is_null(&tx.in[0].prevout));
	assert_script(tx.in[0].script, tx.in[0].script_len, genesis_script_sig_hex);
	assert_int_equal(tx.in[0].script_len, 77);
	assert_int_equal(tx.in[0].sequence, 0xffffffffu);
	assert_int_equal(tx.n_out, 1);
	assert_true(tx.out[0].value == 5000000000ll);
	assert_script(tx.out[0].script, tx.out[0].script_len, genesis_script_pubkey_hex);
	assert_int_equal(tx.locktime, 0);
	assert_int_equal(tx.size, 204);
	assert_txid(tx.txid, genesis_txid);
	assert_true(cons_tx_is_coinbase(&tx));
	cons_tx_release(&tx);
	assert_released(&tx);
}

static void test_tx_parse_two_inputs_two_outputs(void **state)
{
	struct cons_tx tx;
	uint8_t prev[32];

	parse_vector(&tx, &vectors[1]);
	assert_int_equal(tx.version, 1);
	assert_int_equal(tx.n_in, 2);
	/* Both inputs spend outputs 0 and 1 of the same previous transaction. */
	assert_int_equal(util_hex_decode(prev, 32,
		"55605dc6f5c3dc148b6da58442b0b2cd422be385eab2ebea4119ee9c268d2835"), 0);
	assert_memory_equal(tx.in[0].prevout.txid, prev, 32);
	assert_memory_equal(tx.in[1].prevout.txid, prev, 32);
	assert_int_equal(tx.in[0].prevout.n, 0);
	assert_int_equal(tx.in[1].prevout.n, 1);
	assert_int_equal(tx.in[0].script_len, 0x49);
	assert_int_equal(tx.in[1].script_len, 0x48);
	assert_int_equal(tx.in[0].sequence, 0xffffffffu);
	assert_int_equal(tx.n_out, 2);
	assert_true(tx.out[0].value == 100000000ll);     /* 00e1f50500000000 */
	assert_true(tx.out[1].value == 2400000000ll);    /* 00180d8f00000000 */
	assert_int_equal(tx.out[0].script_len, 0x43);
	assert_int_equal(tx.out[1].script_len, 0x43);
	assert_int_equal(tx.locktime, 0);
	assert_int_equal(tx.size, 389);
	assert_txid(tx.txid, tx_28204cad_txid);
	assert_false(cons_tx_is_coinbase(&tx));
	cons_tx_release(&tx);
}

static void test_tx_parse_four_inputs(void **state)
{
	struct cons_tx tx;
	uint8_t prev[32];

	parse_vector(&tx, &vectors[2]);
	assert_int_equal(tx.n_in, 4);
	assert_int_equal(util_hex_decode(prev, 32,
		"5bf0e214aa4069a3e792ecee1e1bf0c1d397cde8dd08138f4b72a00681743447"), 0);
	assert_memory_equal(tx.in[0].prevout.txid, prev, 32);
	assert_int_equal(util_hex_decode(prev, 32,
		"27f2b668859cd7f2f894aa0fd2d9e60963bcd07c88973f425f999b8cbfd7a1e2"), 0);
	assert_memory_equal(tx.in[3].prevout.txid, prev, 32);
	assert_int_equal(tx.in[0].script_len, 0x8b);
	assert_int_equal(tx.in[1].script_len, 0x8a);
	assert_int_equal(tx.in[2].script_len, 0x8c);
	assert_int_equal(tx.in[3].script_len, 0x8c);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(tx.in[i].prevout.n, 0);
		assert_int_equal(tx.in[i].sequence, 0xffffffffu);
	}
	assert_int_equal(tx.n_out, 1);
	assert_true(tx.out[0].value == 20000000000ll);   /* 00c817a804000000 */
	assert_script(tx.out[0].script, tx.out[0].script_len,
		      "76a914b6efd80d99179f4f4ff6f4dd0a007d018c385d2188ac");
	assert_int_equal(tx.size, 765);
	assert_txid(tx.txid, tx_02981fa0_txid);
	cons_tx_release(&tx);
}

static void test_tx_round_trip_byte_identical(void **state)
{
	for (size_t i = 0; i < COUNT(vectors); i++) {
		struct cons_tx tx;
		struct cons_writer w;
		size_t len;
		uint8_t *raw = hex_alloc(vectors[i].hex, &len);

		parse_vector(&tx, &vectors[i]);
		assert_int_equal(tx.size, vectors[i].size);
		assert_int_equal(tx.n_in, vectors[i].n_in);
		assert_int_equal(tx.n_out, vectors[i].n_out);
		assert_txid(tx.txid, vectors[i].txid);
		cons_writer_init(&w);
		cons_tx_write(&w, &tx);
		assert_false(w.oom);
		assert_int_equal(w.len, len);
		assert_memory_equal(w.data, raw, len);
		/* finalize recomputes the same id and size. */
		memset(tx.txid, 0, 32);
		tx.size = 0;
		assert_int_equal(cons_tx_finalize(&tx), 0);
		assert_txid(tx.txid, vectors[i].txid);
		assert_int_equal(tx.size, len);
		cons_writer_release(&w);
		cons_tx_release(&tx);
		free(raw);
	}
}

/* Every proper prefix of a valid transaction fails as truncated, and frees all. */
static void test_tx_truncated_at_every_length(void **state)
{
	for (size_t i = 0; i < COUNT(vectors); i++) {
		size_t len;
		uint8_t *raw = hex_alloc(vectors[i].hex, &len);

		for (size_t cut = 0; cut < len; cut++) {
			uint8_t *buf = exact_copy(raw, cut);
			struct cons_tx tx;
			enum cons_read_err err = CONS_READ_OK;

			cons_tx_init(&tx);
			assert_int_equal(cons_tx_parse(&tx, &err, buf, cut), -1);
			assert_int_equal(err, CONS_READ_TRUNCATED);
			assert_released(&tx);
			free(buf);
		}
		free(raw);
	}
}

static void test_tx_trailing_data(void **state)
{
	size_t len;
	uint8_t *raw = hex_alloc(genesis_tx_hex, &len);
	uint8_t *buf = malloc(len + 1);
	struct cons_tx tx;
	struct cons_reader r;
	enum cons_read_err err = CONS_READ_OK;

	assert_non_null(buf);
	memcpy(buf, raw, len);
	buf[len] = 0x00;

	cons_tx_init(&tx);
	assert_int_equal(cons_tx_parse(&tx, &err, buf, len + 1), -1);
	assert_int_equal(err, CONS_READ_TRAILING);
	assert_released(&tx);

	/* cons_tx_read takes one transaction and leaves the rest to the caller. */
	cons_reader_init(&r, buf, len + 1);
	assert_int_equal(cons_tx_read(&tx, &r), 0);
	assert_int_equal(r.len, 1);
	assert_int_equal(tx.size, len);
	assert_txid(tx.txid, genesis_txid);
	cons_tx_release(&tx);

	/* A NULL err pointer is allowed. */
	assert_int_equal(cons_tx_parse(&tx, NULL, buf, len + 1), -1);
	assert_int_equal(cons_tx_parse(&tx, NULL, buf, len), 0);
	cons_tx_release(&tx);
	free(buf);
	free(raw);
}

/* Parses hex with cons_tx_read; returns the error and the bytes left. */
static enum cons_read_err read_hex(const char *hex, size_t *left)
{
	size_t len;
	uint8_t *raw = hex_alloc(hex, &len);
	uint8_t *buf = exact_copy(raw, len);
	struct cons_reader r;
	struct cons_tx tx;
	int rc;

	cons_tx_init(&tx);
	cons_reader_init(&r, buf, len);
	rc = cons_tx_read(&tx, &r);
	assert_int_equal(rc, cons_reader_ok(&r) ? 0 : -1);
	if (rc < 0)
		assert_released(&tx);
	cons_tx_release(&tx);
	*left = r.len;
	free(buf);
	free(raw);
	return r.err;
}

#define NULL_PREVOUT "0000000000000000000000000000000000000000000000000000000000000000ffffffff"
#define EMPTY_INPUT NULL_PREVOUT "00" "ffffffff"          /* 41 bytes */

/*
 * A count the remaining bytes cannot hold fails right after the count is
 * read: nothing of the first element is consumed, so nothing was sized
 * from the untrusted count.
 */
static void test_tx_counts_larger_than_input_fail_early(void **state)
{
	size_t left;

	/* Two inputs announced, bytes for exactly one (41). */
	assert_int_equal(read_hex("01000000" "02" EMPTY_INPUT, &left), CONS_READ_TRUNCATED);
	assert_int_equal(left, 41);
	/* 2^25 inputs (Bitcoin's MAX_SIZE), the same 41 bytes. */
	assert_int_equal(read_hex("01000000" "fe00000002" EMPTY_INPUT, &left), CONS_READ_TRUNCATED);
	assert_int_equal(left, 41);
	/* Beyond MAX_SIZE is refused as too large. */
	assert_int_equal(read_hex("01000000" "fe01000002" EMPTY_INPUT, &left), CONS_READ_TOO_LARGE);
	assert_int_equal(read_hex("01000000" "ffffffffffffffffff" EMPTY_INPUT, &left),
			 CONS_READ_TOO_LARGE);
	/* Outputs: 2^25 announced after one good input, 9 bytes left. */
	assert_int_equal(read_hex("01000000" "01" EMPTY_INPUT "fe00000002" "000000000000000000", &left),
			 CONS_READ_TRUNCATED);
	assert_int_equal(left, 9);
	/* A script length past the end. */
	assert_int_equal(read_hex("01000000" "01" NULL_PREVOUT "fe00000002" "ffffffff", &left),
			 CONS_READ_TRUNCATED);
	assert_int_equal(read_hex("01000000" "01" NULL_PREVOUT "fdfc00" "ffffffff", &left),
			 CONS_READ_NONCANONICAL);
	/* The same shapes with the counts honest parse. */
	assert_int_equal(read_hex("01000000" "01" EMPTY_INPUT "01" "0000000000000000" "00" "00000000",
				  &left), CONS_READ_OK);
	assert_int_equal(left, 0);
}

static int parse_tx(const uint8_t *buf, size_t len, enum cons_read_err *err)
{
	struct cons_tx tx;

	cons_tx_init(&tx);
	if (cons_tx_parse(&tx, err, buf, len) < 0)
		return -1;
	cons_tx_release(&tx);
	return 0;
}

/*
 * A parser that sized an array from a 2^25 count (about 1.9 GB of inputs
 * or 800 MB of outputs) before checking it against the bytes left would
 * fail with NOMEM under the cap; the right answer is TRUNCATED.
 */
static void test_tx_huge_counts_allocate_nothing_big(void **state)
{
	static const char *const shapes[] = {
		"01000000" "fe00000002",
		"01000000" "01" EMPTY_INPUT "fe00000002",
	};

	for (size_t i = 0; i < COUNT(shapes); i++) {
		size_t head_len, len = 1 << 20;
		uint8_t *head = hex_alloc(shapes[i], &head_len);
		uint8_t *buf = calloc(1, len);

		assert_non_null(buf);
		memcpy(buf, head, head_len);
		assert_int_equal(tb_capped_parse(parse_tx, buf, len), CONS_READ_TRUNCATED);
		free(buf);
		free(head);
	}
}

static void build_genesis_coinbase(struct cons_tx *tx, bool script_later)
{
	struct cons_outpoint null_prevout;
	uint8_t *sig, *spk;
	size_t sig_len, spk_len;

	memset(null_prevout.txid, 0, 32);
	null_prevout.n = 0xffffffffu;
	sig = hex_alloc(genesis_script_sig_hex, &sig_len);
	spk = hex_alloc(genesis_script_pubkey_hex, &spk_len);
	cons_tx_init(tx);
	if (script_later) {
		assert_int_equal(cons_tx_add_input(tx, &null_prevout, NULL, 0, 0xffffffffu), 0);
		assert_null(tx->in[0].script);
		assert_int_equal(cons_tx_set_input_script(tx, 0, sig, sig_len), 0);
	} else {
		assert_int_equal(cons_tx_add_input(tx, &null_prevout, sig, sig_len, 0xffffffffu), 0);
	}
	assert_int_equal(cons_tx_add_output(tx, 5000000000ll, spk, spk_len), 0);
	/* The builder copied the scripts. */
	assert_ptr_not_equal(tx->in[0].script, sig);
	assert_ptr_not_equal(tx->out[0].script, spk);
	free(sig);
	free(spk);
	assert_int_equal(cons_tx_finalize(tx), 0);
}

static void test_tx_builders_match_parser(void **state)
{
	struct cons_tx built, parsed, rebuilt;
	struct cons_writer a, b;

	build_genesis_coinbase(&built, false);
	assert_int_equal(built.version, 1);     /* cons_tx_init's default */
	assert_txid(built.txid, genesis_txid);
	assert_int_equal(built.size, 204);
	assert_true(cons_tx_is_coinbase(&built));
	cons_tx_release(&built);

	build_genesis_coinbase(&built, true);
	assert_txid(built.txid, genesis_txid);
	/* Replacing a script again changes the id until it is put back. */
	{
		static const uint8_t other[] = { 0x51 };
		uint8_t *sig;
		size_t sig_len;

		assert_int_equal(cons_tx_set_input_script(&built, 0, other, sizeof(other)), 0);
		assert_int_equal(cons_tx_finalize(&built), 0);
		assert_int_equal(built.size, 204 - 76);
		sig = hex_alloc(genesis_script_sig_hex, &sig_len);
		assert_int_equal(cons_tx_set_input_script(&built, 0, sig, sig_len), 0);
		free(sig);
		assert_int_equal(cons_tx_finalize(&built), 0);
		assert_txid(built.txid, genesis_txid);
	}
	cons_tx_release(&built);

	/* Rebuild the four-input transaction field by field. */
	parse_vector(&parsed, &vectors[2]);
	cons_tx_init(&rebuilt);
	rebuilt.version = parsed.version;
	rebuilt.locktime = parsed.locktime;
	for (size_t i = 0; i < parsed.n_in; i++)
		assert_int_equal(cons_tx_add_input(&rebuilt, &parsed.in[i].prevout, parsed.in[i].script,
						   parsed.in[i].script_len, parsed.in[i].sequence), 0);
	for (size_t i = 0; i < parsed.n_out; i++)
		assert_int_equal(cons_tx_add_output(&rebuilt, parsed.out[i].value, parsed.out[i].script,
						    parsed.out[i].script_len), 0);
	assert_int_equal(cons_tx_finalize(&rebuilt), 0);
	assert_txid(rebuilt.txid, tx_02981fa0_txid);
	assert_int_equal(rebuilt.size, 765);
	cons_writer_init(&a);
	cons_writer_init(&b);
	cons_tx_write(&a, &parsed);
	cons_tx_write(&b, &rebuilt);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	cons_writer_release(&a);
	cons_writer_release(&b);
	cons_tx_release(&rebuilt);
	cons_tx_release(&parsed);
}

static void test_tx_copy_is_deep(void **state)
{
	for (size_t v = 0; v < COUNT(vectors); v++) {
		struct cons_tx src, dst;

		parse_vector(&src, &vectors[v]);
		cons_tx_init(&dst);
		assert_int_equal(cons_tx_copy(&dst, &src), 0);
		assert_txid(dst.txid, vectors[v].txid);
		assert_int_equal(dst.size, src.size);
		assert_int_equal(dst.n_in, src.n_in);
		assert_int_equal(dst.n_out, src.n_out);
		assert_ptr_not_equal(dst.in, src.in);
		assert_ptr_not_equal(dst.in[0].script, src.in[0].script);
		assert_ptr_not_equal(dst.out[0].script, src.out[0].script);
		/* The copy serializes to the same id. */
		memset(dst.txid, 0, 32);
		assert_int_equal(cons_tx_finalize(&dst), 0);
		assert_txid(dst.txid, vectors[v].txid);
		/* Changing the copy leaves the original alone. */
		dst.in[0].script[0] ^= 0xff;
		dst.out[0].value += 1;
		assert_int_equal(cons_tx_finalize(&dst), 0);
		assert_memory_not_equal(dst.txid, src.txid, 32);
		assert_int_equal(cons_tx_finalize(&src), 0);
		assert_txid(src.txid, vectors[v].txid);
		cons_tx_release(&dst);
		cons_tx_release(&src);
	}
}

static void test_tx_empty_scripts_round_trip(void **state)
{
	struct cons_tx tx, back;
	struct cons_outpoint op;
	struct cons_writer w;
	enum cons_read_err err;

	memset(op.txid, 0x11, 32);
	op.n = 3;
	cons_tx_init(&tx);
	tx.version = 2;
	tx.locktime = 500000;
	assert_int_equal(cons_tx_add_input(&tx, &op, NULL, 0, 0xfffffffeu), 0);
	assert_int_equal(cons_tx_add_output(&tx, 0, NULL, 0), 0);
	assert_int_equal(cons_tx_finalize(&tx), 0);
	assert_int_equal(tx.size, 4 + 1 + 41 + 1 + 9 + 4);
	cons_writer_init(&w);
	cons_tx_write(&w, &tx);
	cons_tx_init(&back);
	assert_int_equal(cons_tx_parse(&back, &err, w.data, w.len), 0);
	assert_int_equal(back.version, 2);
	assert_int_equal(back.locktime, 500000);
	assert_null(back.in[0].script);
	assert_int_equal(back.in[0].script_len, 0);
	assert_null(back.out[0].script);
	assert_int_equal(back.in[0].prevout.n, 3);
	assert_int_equal(back.in[0].sequence, 0xfffffffeu);
	assert_memory_equal(back.txid, tx.txid, 32);
	cons_writer_release(&w);
	cons_tx_release(&back);
	cons_tx_release(&tx);
}

static void test_tx_negative_value_and_version_round_trip(void **state)
{
	struct cons_tx tx, back;
	struct cons_outpoint op = { { 0 }, 0 };
	struct cons_writer w;

	cons_tx_init(&tx);
	tx.version = -1;
	assert_int_equal(cons_tx_add_input(&tx, &op, NULL, 0, 0), 0);
	assert_int_equal(cons_tx_add_output(&tx, -5, NULL, 0), 0);
	cons_writer_init(&w);
	cons_tx_write(&w, &tx);
	/* Little-endian two's complement: ffffffff and fbffffffffffffff. */
	assert_int_equal(w.data[0], 0xff);
	assert_int_equal(w.data[3], 0xff);
	assert_int_equal(w.data[4 + 1 + 41 + 1], 0xfb);
	cons_tx_init(&back);
	assert_int_equal(cons_tx_parse(&back, NULL, w.data, w.len), 0);
	assert_int_equal(back.version, -1);
	assert_true(back.out[0].value == -5);
	cons_writer_release(&w);
	cons_tx_release(&back);
	cons_tx_release(&tx);
}

static void test_tx_is_coinbase(void **state)
{
	struct cons_tx tx;
	struct cons_outpoint op;

	/* One input, null prevout: coinbase. */
	memset(op.txid, 0, 32);
	op.n = 0xffffffffu;
	cons_tx_init(&tx);
	assert_false(cons_tx_is_coinbase(&tx));         /* no inputs */
	assert_int_equal(cons_tx_add_input(&tx, &op, NULL, 0, 0), 0);
	assert_true(cons_tx_is_coinbase(&tx));
	/* A second input makes it an ordinary (invalid) spend, as in Bitcoin. */
	assert_int_equal(cons_tx_add_input(&tx, &op, NULL, 0, 0), 0);
	assert_false(cons_tx_is_coinbase(&tx));
	cons_tx_release(&tx);

	/* Zero txid with index 0, or index 0xffffffff on a real txid: not null. */
	op.n = 0;
	cons_tx_init(&tx);
	assert_int_equal(cons_tx_add_input(&tx, &op, NULL, 0, 0), 0);
	assert_false(cons_tx_is_coinbase(&tx));
	cons_tx_release(&tx);
	op.n = 0xffffffffu;
	op.txid[31] = 1;
	cons_tx_init(&tx);
	assert_int_equal(cons_tx_add_input(&tx, &op, NULL, 0, 0), 0);
	assert_false(cons_tx_is_coinbase(&tx));
	cons_tx_release(&tx);
}

static void test_outpoint_null_and_cmp(void **state)
{
	struct cons_outpoint a, b;

	memset(&a, 0, sizeof(a));
	a.n = 0xffffffffu;
	assert_true(cons_outpoint_is_null(&a));
	a.n = 0xfffffffeu;
	assert_false(cons_outpoint_is_null(&a));

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.n = 1;
	b.n = 2;
	assert_true(cons_outpoint_cmp(&a, &b) < 0);
	assert_true(cons_outpoint_cmp(&b, &a) > 0);
	b.n = 1;
	assert_int_equal(cons_outpoint_cmp(&a, &b), 0);
	/* The txid decides before the index. */
	a.n = 0xffffffffu;
	b.txid[0] = 1;
	assert_true(cons_outpoint_cmp(&a, &b) < 0);
	assert_true(cons_outpoint_cmp(&b, &a) > 0);
}

static void test_tx_release_reinitialises(void **state)
{
	struct cons_tx tx;

	parse_vector(&tx, &vectors[1]);
	tx.version = 7;
	cons_tx_release(&tx);
	assert_released(&tx);
	assert_int_equal(tx.version, 1);
	assert_int_equal(tx.locktime, 0);
	/* Releasing twice is harmless. */
	cons_tx_release(&tx);
	assert_released(&tx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tx_parse_genesis_coinbase),
		cmocka_unit_test(test_tx_parse_two_inputs_two_outputs),
		cmocka_unit_test(test_tx_parse_four_inputs),
		cmocka_unit_test(test_tx_round_trip_byte_identical),
		cmocka_unit_test(test_tx_truncated_at_every_length),
		cmocka_unit_test(test_tx_trailing_data),
		cmocka_unit_test(test_tx_counts_larger_than_input_fail_early),
		cmocka_unit_test(test_tx_huge_counts_allocate_nothing_big),
		cmocka_unit_test(test_tx_builders_match_parser),
		cmocka_unit_test(test_tx_copy_is_deep),
		cmocka_unit_test(test_tx_empty_scripts_round_trip),
		cmocka_unit_test(test_tx_negative_value_and_version_round_trip),
		cmocka_unit_test(test_tx_is_coinbase),
		cmocka_unit_test(test_outpoint_null_and_cmp),
		cmocka_unit_test(test_tx_release_reinitialises),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
