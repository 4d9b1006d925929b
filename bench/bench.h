/*
 * Shared by the benchmark programs: a monotonic clock, ordering for
 * medians, and the SHA-NI two-way ceiling. Header-only: each benchmark is
 * one program.
 */
#ifndef FLINT_BENCH_H
#define FLINT_BENCH_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

static inline double bench_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v (n > 0 values) and writes its median, minimum and maximum. */
static inline void bench_stats(double *v, int n, double *med, double *lo, double *hi)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	*lo = v[0];
	*hi = v[n - 1];
}

#if defined(__x86_64__) || defined(__i386__)
/* Two rounds of SHA-256 on x (CDGH) from y (ABEF), message words in xmm0. */
#define BENCH_RNDS2(x, y) \
	__asm__ volatile("sha256rnds2 %%xmm0, %1, %0" : "+x"(x) : "x"(y), "Yz"(k))

/*
 * The two-way SHA-NI ceiling: two independent chains of SHA256RNDS2, 64
 * per chain per iteration, so one iteration is the instruction work of two
 * header hashes (two compressions of 32 each) with nothing else in the
 * way: no message schedule, no loads. Two chains are enough to keep the
 * unit busy (four run no faster). Call only where the CPU has SHA-NI.
 * Returns a value to fold into a sink.
 */
__attribute__((target("sha,sse4.1"))) static inline uint32_t bench_rnds2_chains(uint64_t iters)
{
	__m128i a = _mm_set1_epi32(1), b = _mm_set1_epi32(2), c = _mm_set1_epi32(3),
		d = _mm_set1_epi32(4);
	register __m128i k __asm__("xmm0") = _mm_set1_epi32(5);

	for (uint64_t i = 0; i < iters; i++) {
		for (int r = 0; r < 32; r++) {
			BENCH_RNDS2(b, a);
			BENCH_RNDS2(d, c);
			BENCH_RNDS2(a, b);
			BENCH_RNDS2(c, d);
		}
	}
	return (uint32_t)_mm_cvtsi128_si32(_mm_xor_si128(_mm_xor_si128(a, b), _mm_xor_si128(c, d)));
}
#endif

#endif
