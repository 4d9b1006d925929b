/*
 * SHA-NI compressions for the fixed-shape hashes of sha256_shani.h.
 *
 * The extensions keep the eight state words in two registers, ABEF and
 * CDGH (A in the top lane), and SHA256RNDS2 does two rounds. Each
 * compression is sixteen groups of four rounds; from group 4 on, a group's
 * message words come from SHA256MSG1/MSG2 on the previous sixteen. One
 * hash is a chain of dependent SHA256RNDS2s, so a lone hash runs at the
 * instruction's latency; two independent hashes interleaved keep the unit
 * busy on every cycle, which is what the two-way functions are for.
 *
 * Every function here carries the target attribute, so the file builds
 * with any flags, and its instructions run only where hash.c has checked
 * the CPU. Nothing here is reached on a CPU without SHA-NI.
 */
#include "consensus/sha256_shani.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#define SHANI __attribute__((target("sha,sse4.1,ssse3")))

static const uint32_t K[64] __attribute__((aligned(16))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t IV[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

#define KV(i) _mm_load_si128((const __m128i *)&K[4 * (i)])

/* Four rounds of (s0 = ABEF, s1 = CDGH) over message group w, round constants group i. */
#define QROUND(s0, s1, w, i) do { \
	__m128i wk_ = _mm_add_epi32((w), KV(i)); \
	(s1) = _mm_sha256rnds2_epu32((s1), (s0), wk_); \
	(s0) = _mm_sha256rnds2_epu32((s0), (s1), _mm_shuffle_epi32(wk_, 0x0e)); \
} while (0)

/* The next message group into a, from the last sixteen words a, b, c, d (oldest first). */
#define SCHED(a, b, c, d) \
	((a) = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32((a), (b)), \
						  _mm_alignr_epi8((d), (c), 4)), (d)))

/* Words to bytes and back: SHA-256 reads and writes big-endian words. */
SHANI static inline __m128i bswap32x4(__m128i v)
{
	return _mm_shuffle_epi8(v, _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL));
}

/* State words A..H (h[0] = A) into the ABEF, CDGH pair. */
SHANI static inline void state_load(__m128i *abef, __m128i *cdgh, const uint32_t h[8])
{
	__m128i badc = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0xb1);
	__m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(h + 4)), 0x1b);

	*abef = _mm_alignr_epi8(badc, efgh, 8);
	*cdgh = _mm_blend_epi16(efgh, badc, 0xf0);
}

/* The pair back to words in order: lanes A, B, C, D and E, F, G, H. */
SHANI static inline void state_words(__m128i *abcd, __m128i *efgh, __m128i abef, __m128i cdgh)
{
	__m128i feba = _mm_shuffle_epi32(abef, 0x1b);
	__m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);

	*abcd = _mm_blend_epi16(feba, dchg, 0xf0);
	*efgh = _mm_alignr_epi8(dchg, feba, 8);
}

/* One compression of message groups w0..w3 into (s0, s1). */
#define COMPRESS1(s0, s1, w0, w1, w2, w3) do { \
	__m128i a_ = (s0), c_ = (s1); \
	QROUND(s0, s1, w0, 0); QROUND(s0, s1, w1, 1); \
	QROUND(s0, s1, w2, 2); QROUND(s0, s1, w3, 3); \
	for (int g_ = 4; g_ < 16; g_ += 4) { \
		SCHED(w0, w1, w2, w3); QROUND(s0, s1, w0, g_); \
		SCHED(w1, w2, w3, w0); QROUND(s0, s1, w1, g_ + 1); \
		SCHED(w2, w3, w0, w1); QROUND(s0, s1, w2, g_ + 2); \
		SCHED(w3, w0, w1, w2); QROUND(s0, s1, w3, g_ + 3); \
	} \
	(s0) = _mm_add_epi32((s0), a_); \
	(s1) = _mm_add_epi32((s1), c_); \
} while (0)

/* Two independent compressions, their instructions interleaved group by group. */
#define COMPRESS2(s0, s1, w0, w1, w2, w3, t0, t1, v0, v1, v2, v3) do { \
	__m128i a_ = (s0), c_ = (s1), b_ = (t0), d_ = (t1); \
	QROUND(s0, s1, w0, 0); QROUND(t0, t1, v0, 0); \
	QROUND(s0, s1, w1, 1); QROUND(t0, t1, v1, 1); \
	QROUND(s0, s1, w2, 2); QROUND(t0, t1, v2, 2); \
	QROUND(s0, s1, w3, 3); QROUND(t0, t1, v3, 3); \
	_Pragma("GCC unroll 3") \
	for (int g_ = 4; g_ < 16; g_ += 4) { \
		SCHED(w0, w1, w2, w3); SCHED(v0, v1, v2, v3); \
		QROUND(s0, s1, w0, g_); QROUND(t0, t1, v0, g_); \
		SCHED(w1, w2, w3, w0); SCHED(v1, v2, v3, v0); \
		QROUND(s0, s1, w1, g_ + 1); QROUND(t0, t1, v1, g_ + 1); \
		SCHED(w2, w3, w0, w1); SCHED(v2, v3, v0, v1); \
		QROUND(s0, s1, w2, g_ + 2); QROUND(t0, t1, v2, g_ + 2); \
		SCHED(w3, w0, w1, w2); SCHED(v3, v0, v1, v2); \
		QROUND(s0, s1, w3, g_ + 3); QROUND(t0, t1, v3, g_ + 3); \
	} \
	(s0) = _mm_add_epi32((s0), a_); (s1) = _mm_add_epi32((s1), c_); \
	(t0) = _mm_add_epi32((t0), b_); (t1) = _mm_add_epi32((t1), d_); \
} while (0)

/* Padding groups: 0x80 after the message, then its length in bits as the last word. */
#define PAD_FIRST _mm_set_epi32(0, 0, 0, (int)0x80000000u)
#define PAD_LEN(bits) _mm_set_epi32((bits), 0, 0, 0)

/* Writes the digest of state (s0, s1) as 32 bytes. */
SHANI static inline void digest_store(uint8_t out[32], __m128i s0, __m128i s1)
{
	__m128i abcd, efgh;

	state_words(&abcd, &efgh, s0, s1);
	_mm_storeu_si128((__m128i *)out, bswap32x4(abcd));
	_mm_storeu_si128((__m128i *)(out + 16), bswap32x4(efgh));
}

/* The header's last 16 bytes as message words, with the nonce (little-endian) as word 3. */
SHANI static inline __m128i tail_words(const uint8_t tail[16], uint32_t nonce)
{
	__m128i w = bswap32x4(_mm_loadu_si128((const __m128i *)tail));

	return _mm_insert_epi32(w, (int)__builtin_bswap32(nonce), 3);
}

SHANI void cons_shani_header2(uint8_t out0[32], uint8_t out1[32], const uint32_t mid[8],
			      const uint8_t tail[16], uint32_t n0, uint32_t n1)
{
	__m128i m0, m1, s0, s1, t0, t1, iv0, iv1;
	__m128i w0, w1 = PAD_FIRST, w2 = _mm_setzero_si128(), w3 = PAD_LEN(640);
	__m128i v0, v1 = w1, v2 = w2, v3 = w3;

	state_load(&m0, &m1, mid);
	s0 = t0 = m0;
	s1 = t1 = m1;
	w0 = tail_words(tail, n0);
	v0 = tail_words(tail, n1);
	COMPRESS2(s0, s1, w0, w1, w2, w3, t0, t1, v0, v1, v2, v3);

	/* Second hash: the first's digest words are its message words as they are. */
	state_words(&w0, &w1, s0, s1);
	state_words(&v0, &v1, t0, t1);
	w2 = v2 = PAD_FIRST;
	w3 = v3 = PAD_LEN(256);
	state_load(&iv0, &iv1, IV);
	s0 = t0 = iv0;
	s1 = t1 = iv1;
	COMPRESS2(s0, s1, w0, w1, w2, w3, t0, t1, v0, v1, v2, v3);
	digest_store(out0, s0, s1);
	digest_store(out1, t0, t1);
}

SHANI void cons_shani_header1(uint8_t out[32], const uint32_t mid[8], const uint8_t tail[16],
			      uint32_t n)
{
	__m128i s0, s1;
	__m128i w0 = tail_words(tail, n), w1 = PAD_FIRST, w2 = _mm_setzero_si128(),
		w3 = PAD_LEN(640);

	state_load(&s0, &s1, mid);
	COMPRESS1(s0, s1, w0, w1, w2, w3);
	state_words(&w0, &w1, s0, s1);
	w2 = PAD_FIRST;
	w3 = PAD_LEN(256);
	state_load(&s0, &s1, IV);
	COMPRESS1(s0, s1, w0, w1, w2, w3);
	digest_store(out, s0, s1);
}

SHANI void cons_shani_d64x2(uint8_t out[64], const uint8_t in[128])
{
	__m128i s0, s1, t0, t1, iv0, iv1, a0, a1, b0, b1;
	__m128i w0, w1, w2, w3, v0, v1, v2, v3;
	const __m128i *p = (const __m128i *)in;

	state_load(&iv0, &iv1, IV);
	s0 = t0 = iv0;
	s1 = t1 = iv1;
	w0 = bswap32x4(_mm_loadu_si128(p));
	w1 = bswap32x4(_mm_loadu_si128(p + 1));
	w2 = bswap32x4(_mm_loadu_si128(p + 2));
	w3 = bswap32x4(_mm_loadu_si128(p + 3));
	v0 = bswap32x4(_mm_loadu_si128(p + 4));
	v1 = bswap32x4(_mm_loadu_si128(p + 5));
	v2 = bswap32x4(_mm_loadu_si128(p + 6));
	v3 = bswap32x4(_mm_loadu_si128(p + 7));
	COMPRESS2(s0, s1, w0, w1, w2, w3, t0, t1, v0, v1, v2, v3);

	/* The padding block of a 64-byte message. */
	w0 = v0 = PAD_FIRST;
	w1 = v1 = w2 = v2 = _mm_setzero_si128();
	w3 = v3 = PAD_LEN(512);
	COMPRESS2(s0, s1, w0, w1, w2, w3, t0, t1, v0, v1, v2, v3);

	/* The second hash, of the 32-byte digests. */
	state_words(&a0, &a1, s0, s1);
	state_words(&b0, &b1, t0, t1);
	w0 = a0, w1 = a1, v0 = b0, v1 = b1;
	w2 = v2 = PAD_FIRST;
	w3 = v3 = PAD_LEN(256);
	s0 = t0 = iv0;
	s1 = t1 = iv1;
	COMPRESS2(s0, s1, w0, w1, w2, w3, t0, t1, v0, v1, v2, v3);
	digest_store(out, s0, s1);
	digest_store(out + 32, t0, t1);
}

/*
 * Block k of a message of len bytes as SHA-256 pads it, as four message
 * groups: a full block is read in place, the last one or two are built in
 * buf (the 0x80 byte, zeros, the length in bits).
 */
SHANI static inline void msg_block(__m128i w[4], uint8_t buf[64], const uint8_t *msg, size_t len,
				   size_t k)
{
	const uint8_t *p = buf;

	if (64 * k + 64 <= len) {
		p = msg + 64 * k;
	} else {
		size_t have = len > 64 * k ? len - 64 * k : 0;
		uint64_t bits = (uint64_t)len * 8;

		memset(buf, 0, 64);
		if (have)
			memcpy(buf, msg + 64 * k, have);
		if (64 * k <= len)
			buf[have] = 0x80;
		if (have < 56)
			for (int i = 0; i < 8; i++)
				buf[63 - i] = (uint8_t)(bits >> (8 * i));
	}
	for (int i = 0; i < 4; i++)
		w[i] = bswap32x4(_mm_loadu_si128((const __m128i *)(p + 16 * i)));
}

/* Blocks SHA-256 makes of len bytes: the message, 0x80 and an 8-byte length. */
static inline size_t n_blocks(size_t len)
{
	return (len + 9 + 63) / 64;
}

SHANI void cons_shani_sha256d_x2(uint8_t out0[32], uint8_t out1[32], const uint8_t *m0,
				 size_t len0, const uint8_t *m1, size_t len1)
{
	__m128i s0, s1, t0, t1, iv0, iv1, w[4], v[4];
	uint8_t buf0[64], buf1[64];
	size_t nb0 = n_blocks(len0), nb1 = n_blocks(len1);

	state_load(&iv0, &iv1, IV);
	s0 = t0 = iv0;
	s1 = t1 = iv1;
	for (size_t k = 0; k < nb0 || k < nb1; k++) {
		if (k < nb0 && k < nb1) {
			msg_block(w, buf0, m0, len0, k);
			msg_block(v, buf1, m1, len1, k);
			COMPRESS2(s0, s1, w[0], w[1], w[2], w[3], t0, t1, v[0], v[1], v[2], v[3]);
		} else if (k < nb0) {
			msg_block(w, buf0, m0, len0, k);
			COMPRESS1(s0, s1, w[0], w[1], w[2], w[3]);
		} else {
			msg_block(v, buf1, m1, len1, k);
			COMPRESS1(t0, t1, v[0], v[1], v[2], v[3]);
		}
	}

	/* The second hash, of the 32-byte digests, as for a header. */
	state_words(&w[0], &w[1], s0, s1);
	state_words(&v[0], &v[1], t0, t1);
	w[2] = v[2] = PAD_FIRST;
	w[3] = v[3] = PAD_LEN(256);
	s0 = t0 = iv0;
	s1 = t1 = iv1;
	COMPRESS2(s0, s1, w[0], w[1], w[2], w[3], t0, t1, v[0], v[1], v[2], v[3]);
	digest_store(out0, s0, s1);
	digest_store(out1, t0, t1);
}

SHANI void cons_shani_sha256d(uint8_t out[32], const uint8_t *msg, size_t len)
{
	__m128i s0, s1, w[4];
	uint8_t buf[64];
	size_t nb = n_blocks(len);

	state_load(&s0, &s1, IV);
	for (size_t k = 0; k < nb; k++) {
		msg_block(w, buf, msg, len, k);
		COMPRESS1(s0, s1, w[0], w[1], w[2], w[3]);
	}
	state_words(&w[0], &w[1], s0, s1);
	w[2] = PAD_FIRST;
	w[3] = PAD_LEN(256);
	state_load(&s0, &s1, IV);
	COMPRESS1(s0, s1, w[0], w[1], w[2], w[3]);
	digest_store(out, s0, s1);
}

#else /* no SHA-NI on this architecture: hash.c never calls these */

void cons_shani_header2(uint8_t out0[32], uint8_t out1[32], const uint32_t mid[8],
			const uint8_t tail[16], uint32_t n0, uint32_t n1)
{
	abort();
}

void cons_shani_header1(uint8_t out[32], const uint32_t mid[8], const uint8_t tail[16],
			uint32_t n)
{
	abort();
}

void cons_shani_d64x2(uint8_t out[64], const uint8_t in[128])
{
	abort();
}

void cons_shani_sha256d_x2(uint8_t out0[32], uint8_t out1[32], const uint8_t *m0,
			   size_t len0, const uint8_t *m1, size_t len1)
{
	abort();
}

void cons_shani_sha256d(uint8_t out[32], const uint8_t *msg, size_t len)
{
	abort();
}

#endif
