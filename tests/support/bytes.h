/*
 * Test support for parser tests: exact-length heap copies, so that under
 * ASan a read one byte past the input is caught. Include after <cmocka.h>.
 */
#ifndef FLINT_TESTS_BYTES_H
#define FLINT_TESTS_BYTES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A heap copy of exactly len bytes (one byte for len 0, never read). */
static inline uint8_t *exact_copy(const uint8_t *data, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	if (len)
		memcpy(p, data, len);
	return p;
}

#endif
