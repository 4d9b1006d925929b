/*
 * Consensus benchmarks, single thread ("per core"), each figure printed
 * beside a limit measured on this machine in the same run:
 *   header-hash: midstate header hashes/s, two nonces at a time, beside the
 *                two-way SHA-NI ceiling: the rate two interleaved chains of
 *                SHA256RNDS2 instructions run at, / 64 (a header hash is two
 *                compressions of 32 such instructions, and two chains keep
 *                the unit busy); without SHA-NI, OpenSSL's bulk SHA-256
 *                compression rate / 2 instead; header-hash-openssl: the
 *                OpenSSL path against that bulk rate, on any CPU;
 *   sig-verify:  P2PKH input verifications/s through cons_check_tx_sigs
 *                beside raw secp256k1_ecdsa_verify on the same message,
 *                signature and pubkey, pre-parsed;
 *   block-parse: cons_block_parse + merkle check of a ~1 MB block of signed
 *                P2PKH spends beside SHA-256d over the same bytes.
 * Every figure and limit is the median of RUNS timed runs of about
 * RUN_SECONDS each; a figure's runs alternate with its limit's so that a
 * change of clock speed or load hits both. Only libc, OpenSSL,
 * libsecp256k1 and consensus/ are used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include <secp256k1.h>

#include "bench/bench.h"
#include "consensus/block.h"
#include "consensus/block_check.h"
#include "consensus/hash.h"
#include "consensus/params.h"
#include "consensus/pow.h"
#include "consensus/script.h"
#include "consensus/sig.h"
#include "consensus/tx_check.h"

#define RUNS 7
#define RUN_SECONDS 0.4
#define N_KEYS 128
#define BULK_BYTES (16u << 20)

typedef void (*work_fn)(void *arg, uint64_t iters);

/* Per-run rates (iterations/s) and their median and spread. */
struct series {
	double v[RUNS];
	double med, lo, hi;
};

struct key {
	uint8_t sec[32];
	uint8_t pkh[20];
};

/* Every measured loop folds its results in here, so none can be elided. */
static volatile uint32_t sink;
static secp256k1_context *ctx;
static const struct cons_params *P;
static struct key keys[N_KEYS];

static void die(const char *what)
{
	fprintf(stderr, "bench_consensus: %s\n", what);
	exit(1);
}

static void series_finish(struct series *s)
{
	double v[RUNS];

	memcpy(v, s->v, sizeof(v));
	qsort(v, RUNS, sizeof(v[0]), bench_cmp_double);
	s->med = RUNS % 2 ? v[RUNS / 2] : (v[RUNS / 2 - 1] + v[RUNS / 2]) / 2;
	s->lo = v[0];
	s->hi = v[RUNS - 1];
}

static void series_scale(struct series *s, double k)
{
	s->med *= k;
	s->lo *= k;
	s->hi *= k;
}

static double time_work(work_fn fn, void *arg, uint64_t iters)
{
	double t0 = bench_now();

	fn(arg, iters);
	return bench_now() - t0;
}

/* Iterations of fn that take about RUN_SECONDS (this also warms caches up). */
static uint64_t calibrate(work_fn fn, void *arg)
{
	uint64_t n = 1;
	double t;

	while ((t = time_work(fn, arg, n)) < RUN_SECONDS / 8)
		n *= 2;
	n = (uint64_t)((double)n * RUN_SECONDS / t);
	return n ? n : 1;
}

/* RUNS alternating runs of a and b: rates in iterations/s. */
static void measure_pair(work_fn a, void *a_arg, struct series *ra, work_fn b, void *b_arg,
			 struct series *rb)
{
	uint64_t na = calibrate(a, a_arg), nb = calibrate(b, b_arg);

	for (int i = 0; i < RUNS; i++) {
		ra->v[i] = (double)na / time_work(a, a_arg, na);
		rb->v[i] = (double)nb / time_work(b, b_arg, nb);
	}
	series_finish(ra);
	series_finish(rb);
}

/*
 * Writes "12.34 M/s<what> (<how>median of 7, 12.10..12.50)" for s, in the
 * unit (M, k or none) that suits ref, so a figure and its limit read alike.
 */
static void fmt_rate(char *out, size_t n, double ref, const char *what, const char *how,
		     const struct series *s)
{
	double div = ref >= 1e6 ? 1e6 : ref >= 1e3 ? 1e3 : 1;
	const char *unit = ref >= 1e6 ? " M" : ref >= 1e3 ? " k" : " ";

	snprintf(out, n, "%.2f%s/s%s (%smedian of %d, %.2f..%.2f)", s->med / div, unit, what, how,
		 RUNS, s->lo / div, s->hi / div);
}

static void make_keys(void)
{
	uint8_t seed[8] = "flint-k";
	uint8_t pub[33];

	for (int i = 0; i < N_KEYS; i++) {
		seed[7] = (uint8_t)i;
		cons_sha256(keys[i].sec, seed, sizeof(seed));
		if (cons_pubkey_from_seckey(ctx, pub, keys[i].sec) < 0)
			die("a derived secret key is invalid");
		cons_hash160(keys[i].pkh, pub, sizeof(pub));
	}
}

/*
 * A signed 1-input, 2-output P2PKH spend of a made-up coin (tag picks its
 * txid) owned by keys[k]. tx is initialised by the caller.
 */
static void make_spend(struct cons_tx *tx, uint32_t tag, int k)
{
	struct cons_outpoint op = {.n = tag % 3};
	uint8_t script[CONS_P2PKH_SCRIPT_SIZE], seed[4];

	cons_put_le32(seed, tag);
	cons_sha256(op.txid, seed, sizeof(seed));
	if (cons_tx_add_input(tx, &op, NULL, 0, 0xffffffffu) < 0)
		die("out of memory");
	cons_script_p2pkh(script, keys[(k + 1) % N_KEYS].pkh);
	if (cons_tx_add_output(tx, 3 * CONS_COIN + tag, script, sizeof(script)) < 0)
		die("out of memory");
	cons_script_p2pkh(script, keys[k].pkh);
	if (cons_tx_add_output(tx, 6 * CONS_COIN - 1000, script, sizeof(script)) < 0)
		die("out of memory");
	if (cons_sign_input(ctx, tx, 0, keys[k].sec) < 0 || cons_tx_finalize(tx) < 0)
		die("cannot sign a spend");
}

/* --- header hashing ------------------------------------------------------ */

struct header_arg {
	struct cons_header_hasher hh;
	uint32_t nonce;
};

/* One iteration is one header hash; two nonces a call, as the miner does. */
static void work_header(void *arg, uint64_t iters)
{
	struct header_arg *a = arg;
	uint8_t out0[32], out1[32];
	uint32_t acc = 0;

	for (uint64_t i = 0; i < iters; i += 2) {
		cons_header_hasher_hash2(&a->hh, out0, out1, a->nonce, a->nonce + 1);
		a->nonce += 2;
		acc ^= cons_le32(out0 + 28) ^ cons_le32(out1 + 28);
	}
	sink ^= acc;
}

#if defined(__x86_64__) || defined(__i386__)
static void work_rnds2(void *arg, uint64_t iters)
{
	sink ^= bench_rnds2_chains(iters / 2);
}
#endif

struct bulk_arg {
	const uint8_t *buf;
	size_t len;
};

static void work_sha256(void *arg, uint64_t iters)
{
	struct bulk_arg *a = arg;
	uint8_t md[32];

	for (uint64_t i = 0; i < iters; i++) {
		if (!EVP_Digest(a->buf, a->len, md, NULL, EVP_sha256(), NULL))
			die("EVP_Digest failed");
		sink ^= md[0];
	}
}

/* The OpenSSL path, one nonce a call, as on a CPU without SHA-NI. */
static void work_header_openssl(void *arg, uint64_t iters)
{
	struct header_arg *a = arg;
	uint8_t out[32];
	uint32_t acc = 0;

	for (uint64_t i = 0; i < iters; i++) {
		cons_header_hasher_hash(&a->hh, out, a->nonce++);
		acc ^= cons_le32(out + 28);
	}
	sink ^= acc;
}

static void bench_header(void)
{
	struct header_arg ha = {.nonce = 0};
	struct bulk_arg ba = {.len = BULK_BYTES};
	struct series fig, lim;
	struct cons_header h = {.version = 1, .time = 1795305600, .bits = 0x207fffff};
	uint8_t raw[CONS_HEADER_SIZE], *buf = malloc(BULK_BYTES);
	char a[128], b[128];

	if (!buf)
		die("out of memory");
	for (size_t i = 0; i < BULK_BYTES; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	ba.buf = buf;
	cons_header_serialize(raw, &h);
	cons_header_hasher_init(&ha.hh, raw);
#if defined(__x86_64__) || defined(__i386__)
	if (ha.hh.shani) {
		measure_pair(work_header, &ha, &fig, work_rnds2, NULL, &lim);
		fmt_rate(a, sizeof(a), fig.med, " per core", "two-way SHA-NI; ", &fig);
		fmt_rate(b, sizeof(b), fig.med, "", "two SHA256RNDS2 chains / 64; ", &lim);
		printf("header-hash: %s | limit %s | ratio %.2f (goal >= 0.8)\n", a, b,
		       fig.med / lim.med);
	} else {
		printf("header-hash: this CPU has no SHA extensions; the OpenSSL path below is "
		       "the one used\n");
	}
#endif
	ha.hh.shani = false;
	measure_pair(work_header_openssl, &ha, &fig, work_sha256, &ba, &lim);
	/* One bulk iteration is BULK_BYTES / 64 compressions, i.e. / 128 header hashes. */
	series_scale(&lim, (double)BULK_BYTES / 128);
	fmt_rate(a, sizeof(a), fig.med, " per core", "OpenSSL path; ", &fig);
	fmt_rate(b, sizeof(b), fig.med, "", "OpenSSL SHA-256 compression/2; ", &lim);
	printf("header-hash-openssl: %s | limit %s | ratio %.2f\n", a, b, fig.med / lim.med);
	free(buf);
}

/* --- signature verification --------------------------------------------- */

struct sig_case {
	struct cons_tx tx;
	struct cons_coin coin;
	/* The same triple, pre-parsed, for the raw libsecp256k1 rate. */
	uint8_t msg[32];
	secp256k1_ecdsa_signature sig;
	secp256k1_pubkey pub;
};

static void sig_case_init(struct sig_case *c, int i)
{
	uint8_t code[CONS_P2PKH_SCRIPT_SIZE];
	const uint8_t *sig, *pub;
	size_t sig_len;

	cons_tx_init(&c->tx);
	make_spend(&c->tx, (uint32_t)i, i);
	c->coin = (struct cons_coin){.value = 9 * CONS_COIN, .height = 1};
	memcpy(c->coin.pkh, keys[i].pkh, 20);
	cons_script_p2pkh(code, keys[i].pkh);
	if (cons_sighash(c->msg, &c->tx, 0, code, sizeof(code), CONS_SIGHASH_ALL) < 0)
		die("out of memory");
	if (!cons_script_sig_parse(c->tx.in[0].script, c->tx.in[0].script_len, &sig, &sig_len, &pub) ||
	    !secp256k1_ecdsa_signature_parse_der(ctx, &c->sig, sig, sig_len - 1) ||
	    !secp256k1_ec_pubkey_parse(ctx, &c->pub, pub, 33) ||
	    !secp256k1_ecdsa_verify(ctx, &c->sig, c->msg, &c->pub))
		die("a signed spend does not verify raw");
}

static void work_check_sigs(void *arg, uint64_t iters)
{
	const struct sig_case *cases = arg;
	struct cons_state st;

	for (uint64_t i = 0; i < iters; i++) {
		const struct sig_case *c = &cases[i % N_KEYS];
		cons_state_init(&st);
		if (cons_check_tx_sigs(ctx, &c->tx, &c->coin, &st) != CONS_VALID)
			die("a signed spend fails cons_check_tx_sigs");
	}
	sink ^= (uint32_t)st.verdict;
}

static void work_raw_verify(void *arg, uint64_t iters)
{
	const struct sig_case *cases = arg;
	uint64_t ok = 0;

	for (uint64_t i = 0; i < iters; i++) {
		const struct sig_case *c = &cases[i % N_KEYS];
		ok += (uint64_t)secp256k1_ecdsa_verify(ctx, &c->sig, c->msg, &c->pub);
	}
	if (ok != iters)
		die("secp256k1_ecdsa_verify failed on a good signature");
	sink ^= (uint32_t)ok;
}

static void bench_sigs(void)
{
	struct sig_case *cases = calloc(N_KEYS, sizeof(*cases));
	struct series fig, lim;
	char a[128], b[128];

	if (!cases)
		die("out of memory");
	for (int i = 0; i < N_KEYS; i++)
		sig_case_init(&cases[i], i);
	measure_pair(work_check_sigs, cases, &fig, work_raw_verify, cases, &lim);
	fmt_rate(a, sizeof(a), fig.med, " per core", "cons_check_tx_sigs, 1-input P2PKH; ", &fig);
	fmt_rate(b, sizeof(b), fig.med, "", "secp256k1_ecdsa_verify, pre-parsed; ", &lim);
	printf("sig-verify: %s | limit %s | ratio %.2f (goal >= 0.9)\n", a, b, fig.med / lim.med);
	for (int i = 0; i < N_KEYS; i++)
		cons_tx_release(&cases[i].tx);
	free(cases);
}

/* --- block parsing -------------------------------------------------------- */

static void add_coinbase(struct cons_block *b)
{
	static const char tag[] = "flint bench";
	uint8_t script[CONS_P2PKH_SCRIPT_SIZE], sig[9 + sizeof(tag)];
	struct cons_outpoint null = {.n = 0xffffffffu};
	struct cons_tx tx;
	size_t n = cons_script_push_height(sig, 1);

	memcpy(sig + n, tag, sizeof(tag) - 1);
	n += sizeof(tag) - 1;
	cons_tx_init(&tx);
	cons_script_p2pkh(script, keys[0].pkh);
	if (cons_tx_add_input(&tx, &null, sig, n, 0xffffffffu) < 0 ||
	    cons_tx_add_output(&tx, 50 * CONS_COIN, script, sizeof(script)) < 0 ||
	    cons_tx_finalize(&tx) < 0 || cons_block_append_tx(b, &tx) < 0)
		die("out of memory");
}

/* A coinbase and signed spends up to the chain's largest block; checked valid. */
static void build_block(struct cons_block *b)
{
	size_t size = CONS_HEADER_SIZE + 3;     /* 3: a CompactSize count up to 0xffff */
	struct cons_state st;
	struct cons_tx tx;

	add_coinbase(b);
	size += b->tx[0].size;
	for (uint32_t i = 0;; i++) {
		cons_tx_init(&tx);
		make_spend(&tx, 1000000 + i, (int)(i % N_KEYS));
		if (size + tx.size > P->max_block_size)
			break;
		size += tx.size;
		if (cons_block_append_tx(b, &tx) < 0)
			die("out of memory");
	}
	cons_tx_release(&tx);
	b->hdr = (struct cons_header){.version = 1, .time = 1795305600, .bits = P->pow_limit_bits};
	if (cons_block_finalize(b) < 0)
		die("out of memory");
	while (!cons_check_pow(P, b->hash, b->hdr.bits)) {
		b->hdr.nonce++;
		cons_header_hash(b->hash, &b->hdr);
	}
	cons_state_init(&st);
	if (cons_check_block(P, b, &st) != CONS_VALID)
		die("the benchmark block is not valid");
}

static void work_parse(void *arg, uint64_t iters)
{
	const struct bulk_arg *a = arg;
	struct cons_block b;
	uint8_t root[32];
	bool mutated;

	for (uint64_t i = 0; i < iters; i++) {
		cons_block_init(&b);
		if (cons_block_parse(&b, NULL, a->buf, a->len) < 0)
			die("cannot parse the benchmark block");
		if (cons_block_merkle_root(root, &mutated, &b) < 0)
			die("out of memory");
		if (mutated || memcmp(root, b.hdr.merkle, 32) != 0)
			die("merkle root mismatch");
		sink ^= b.hash[0];
		cons_block_release(&b);
	}
}

static void work_sha256d(void *arg, uint64_t iters)
{
	const struct bulk_arg *a = arg;
	uint8_t md[32];

	for (uint64_t i = 0; i < iters; i++) {
		if (!EVP_Digest(a->buf, a->len, md, NULL, EVP_sha256(), NULL) ||
		    !EVP_Digest(md, sizeof(md), md, NULL, EVP_sha256(), NULL))
			die("EVP_Digest failed");
		sink ^= md[0];
	}
}

static void bench_block(void)
{
	struct cons_block blk;
	struct cons_writer w;
	struct bulk_arg ba;
	struct series fig, lim;
	double mb;

	cons_block_init(&blk);
	build_block(&blk);
	cons_writer_init(&w);
	cons_block_write(&w, &blk);
	if (w.oom || w.len != blk.size)
		die("cannot serialize the benchmark block");
	ba = (struct bulk_arg){.buf = w.data, .len = w.len};
	mb = (double)w.len / 1e6;
	measure_pair(work_parse, &ba, &fig, work_sha256d, &ba, &lim);
	/* Rates are blocks/s: time per block is 1/rate, so min and max swap. */
	printf("block-parse: %.3f ms, %.0f MB/s per %zu-byte block of %zu txs "
	       "(cons_block_parse + merkle check; median of %d, %.3f..%.3f ms) | "
	       "limit %.3f ms, %.0f MB/s (OpenSSL SHA-256d over the same bytes; median of %d, "
	       "%.3f..%.3f ms) | ratio %.2f\n",
	       1e3 / fig.med, fig.med * mb, w.len, blk.n_tx, RUNS, 1e3 / fig.hi, 1e3 / fig.lo,
	       1e3 / lim.med, lim.med * mb, RUNS, 1e3 / lim.hi, 1e3 / lim.lo, fig.med / lim.med);
	cons_writer_release(&w);
	cons_block_release(&blk);
}

int main(void)
{
	P = cons_params_by_name("regtest");
	ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	if (!P || !ctx)
		die("cannot set up");
	make_keys();
	bench_header();
	bench_sigs();
	bench_block();
	secp256k1_context_destroy(ctx);
	return 0;
}
