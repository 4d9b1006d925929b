/*
 * Base58 in Bitcoin's alphabet (no 0, O, I, l: characters people confuse),
 * Base58Check, and the address and WIF encodings built on it. Conversion is
 * the schoolbook base change on fixed buffers sized by
 * CONS_BASE58_MAX_BYTES, so nothing allocates. Depends only on the
 * consensus hashes; the version bytes come from the caller.
 */
#include "consensus/base58.h"

#include <assert.h>
#include <string.h>

#include "consensus/hash.h"

static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* log(256) / log(58) < 1.37: digits needed for the largest payload. */
#define MAX_DIGITS (CONS_BASE58_MAX_BYTES * 137 / 100 + 1)
#define CHECKSUM_LEN 4
#define ADDRESS_PAYLOAD 21      /* version + HASH160 */
#define WIF_PAYLOAD 34          /* version + key + compression flag */

/*
 * Converts the big-endian number in data to base-58 digits, most
 * significant first, into digits (MAX_DIGITS). Returns how many.
 */
static size_t to_base58(uint8_t *digits, const uint8_t *data, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned carry = data[i];
		/* digits[MAX_DIGITS - n ..] holds the number so far; multiply by 256. */
		for (size_t j = 0; j < n; j++) {
			uint8_t *d = &digits[MAX_DIGITS - 1 - j];
			carry += (unsigned)*d << 8;
			*d = (uint8_t)(carry % 58);
			carry /= 58;
		}
		for (; carry; carry /= 58) {
			assert(n < MAX_DIGITS);
			digits[MAX_DIGITS - 1 - n++] = (uint8_t)(carry % 58);
		}
	}
	memmove(digits, digits + MAX_DIGITS - n, n);
	return n;
}

int cons_base58_encode(char *out, size_t out_size, const uint8_t *data, size_t len)
{
	uint8_t digits[MAX_DIGITS];
	size_t zeros = 0, n;

	if (len > CONS_BASE58_MAX_BYTES)
		return -1;
	/* Leading zero bytes vanish in the number, so each is spelled '1'. */
	while (zeros < len && data[zeros] == 0)
		zeros++;
	n = to_base58(digits, data + zeros, len - zeros);
	if (zeros + n + 1 > out_size)
		return -1;
	memset(out, '1', zeros);
	for (size_t i = 0; i < n; i++)
		out[zeros + i] = alphabet[digits[i]];
	out[zeros + n] = '\0';
	return 0;
}

/* Value of Base58 character c, or -1 if c is not in the alphabet. */
static int digit_of(char c)
{
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

/*
 * Converts base-58 str (no leading '1's) into big-endian bytes at the end
 * of buf (CONS_BASE58_MAX_BYTES). Returns how many, or -1 on a bad
 * character or a number too large for buf.
 */
static long from_base58(uint8_t *buf, const char *str)
{
	size_t n = 0;

	for (; *str; str++) {
		int d = digit_of(*str);
		unsigned carry;
		if (d < 0)
			return -1;
		carry = (unsigned)d;
		for (size_t j = 0; j < n; j++) {
			uint8_t *b = &buf[CONS_BASE58_MAX_BYTES - 1 - j];
			carry += (unsigned)*b * 58;
			*b = (uint8_t)carry;
			carry >>= 8;
		}
		for (; carry; carry >>= 8) {
			if (n == CONS_BASE58_MAX_BYTES)
				return -1;
			buf[CONS_BASE58_MAX_BYTES - 1 - n++] = (uint8_t)carry;
		}
	}
	return (long)n;
}

int cons_base58_decode(uint8_t *out, size_t *len, size_t cap, const char *str)
{
	uint8_t buf[CONS_BASE58_MAX_BYTES];
	size_t zeros = 0;
	long n;

	while (str[zeros] == '1')
		zeros++;
	n = from_base58(buf, str + zeros);
	if (n < 0 || zeros + (size_t)n > cap || zeros + (size_t)n > CONS_BASE58_MAX_BYTES)
		return -1;
	memset(out, 0, zeros);
	memcpy(out + zeros, buf + CONS_BASE58_MAX_BYTES - n, (size_t)n);
	*len = zeros + (size_t)n;
	return 0;
}

int cons_base58check_encode(char *out, size_t out_size, const uint8_t *data, size_t len)
{
	uint8_t buf[CONS_BASE58_MAX_BYTES], hash[32];

	if (len > CONS_BASE58_MAX_BYTES - CHECKSUM_LEN)
		return -1;
	memcpy(buf, data, len);
	cons_sha256d(hash, data, len);
	memcpy(buf + len, hash, CHECKSUM_LEN);
	return cons_base58_encode(out, out_size, buf, len + CHECKSUM_LEN);
}

int cons_base58check_decode(uint8_t *out, size_t *len, size_t cap, const char *str)
{
	uint8_t buf[CONS_BASE58_MAX_BYTES], hash[32];
	size_t n;

	if (cons_base58_decode(buf, &n, sizeof(buf), str) < 0 || n < CHECKSUM_LEN)
		return -1;
	n -= CHECKSUM_LEN;
	cons_sha256d(hash, buf, n);
	if (memcmp(hash, buf + n, CHECKSUM_LEN) != 0 || n > cap)
		return -1;
	memcpy(out, buf, n);
	*len = n;
	return 0;
}

void cons_address_encode(char out[CONS_ADDRESS_MAX], uint8_t version, const uint8_t pkh[20])
{
	uint8_t buf[ADDRESS_PAYLOAD];
	int rc;

	buf[0] = version;
	memcpy(buf + 1, pkh, 20);
	rc = cons_base58check_encode(out, CONS_ADDRESS_MAX, buf, sizeof(buf));
	assert(rc == 0);        /* 25 bytes never need more than 34 characters */
	(void)rc;
}

int cons_address_decode(uint8_t pkh[20], uint8_t version, const char *addr)
{
	uint8_t buf[ADDRESS_PAYLOAD];
	size_t n;

	if (cons_base58check_decode(buf, &n, sizeof(buf), addr) < 0)
		return -1;
	if (n != ADDRESS_PAYLOAD || buf[0] != version)
		return -1;
	memcpy(pkh, buf + 1, 20);
	return 0;
}

void cons_wif_encode(char out[CONS_WIF_MAX], uint8_t version, const uint8_t seckey[32])
{
	uint8_t buf[WIF_PAYLOAD];
	int rc;

	buf[0] = version;
	memcpy(buf + 1, seckey, 32);
	buf[33] = 0x01;         /* the key's pubkey is used compressed */
	rc = cons_base58check_encode(out, CONS_WIF_MAX, buf, sizeof(buf));
	assert(rc == 0);        /* 38 bytes never need more than 52 characters */
	(void)rc;
}

int cons_wif_decode(uint8_t seckey[32], bool *compressed, uint8_t version, const char *wif)
{
	uint8_t buf[WIF_PAYLOAD];
	size_t n;

	if (cons_base58check_decode(buf, &n, sizeof(buf), wif) < 0)
		return -1;
	if (n == WIF_PAYLOAD && buf[33] == 0x01)
		*compressed = true;
	else if (n == WIF_PAYLOAD - 1)
		*compressed = false;
	else
		return -1;
	if (buf[0] != version)
		return -1;
	memcpy(seckey, buf + 1, 32);
	return 0;
}
