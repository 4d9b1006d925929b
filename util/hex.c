/* Hex encoding; see hex.h. */
#include "util/hex.h"

#include <stdlib.h>
#include <string.h>

static const char digits[] = "0123456789abcdef";

void util_hex_encode(char *out, const uint8_t *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

void util_hex_encode_rev(char *out, const uint8_t *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[len - 1 - i] >> 4];
		out[2 * i + 1] = digits[in[len - 1 - i] & 15];
	}
	out[2 * len] = '\0';
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int decode_into(uint8_t *out, size_t n, const char *hex, int reverse)
{
	for (size_t i = 0; i < n; i++) {
		int hi = nibble(hex[2 * i]), lo;
		if (hi < 0)
			return -1;
		lo = nibble(hex[2 * i + 1]);
		if (lo < 0)
			return -1;
		out[reverse ? n - 1 - i : i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int util_hex_decode(uint8_t *out, size_t out_len, const char *hex)
{
	if (strlen(hex) != 2 * out_len)
		return -1;
	return decode_into(out, out_len, hex, 0);
}

int util_hex_decode_rev(uint8_t *out, size_t out_len, const char *hex)
{
	if (strlen(hex) != 2 * out_len)
		return -1;
	return decode_into(out, out_len, hex, 1);
}

int util_hex_decode_alloc(uint8_t **out, size_t *out_len, const char *hex)
{
	size_t len = strlen(hex);
	uint8_t *buf;

	if (len % 2)
		return -1;
	buf = malloc(len / 2 ? len / 2 : 1);
	if (!buf)
		return -1;
	if (decode_into(buf, len / 2, hex, 0) < 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	*out_len = len / 2;
	return 0;
}
