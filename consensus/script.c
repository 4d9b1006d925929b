/*
 * Script templates: building and recognising the byte patterns of P2PKH
 * outputs, their spending scriptSigs and BIP34 coinbase heights. These are
 * fixed byte layouts compared byte for byte, never executed, so this file
 * needs nothing but libc.
 */
#include "consensus/script.h"

#include <assert.h>
#include <string.h>

/* Largest length a single opcode byte can push (0x01..0x4b push that many). */
#define MAX_DIRECT_PUSH 0x4b

void cons_script_p2pkh(uint8_t out[CONS_P2PKH_SCRIPT_SIZE], const uint8_t pkh[20])
{
	out[0] = CONS_OP_DUP;
	out[1] = CONS_OP_HASH160;
	out[2] = 20;
	memcpy(out + 3, pkh, 20);
	out[23] = CONS_OP_EQUALVERIFY;
	out[24] = CONS_OP_CHECKSIG;
}

bool cons_script_is_p2pkh(const uint8_t *script, size_t len, uint8_t pkh[20])
{
	if (len != CONS_P2PKH_SCRIPT_SIZE)
		return false;
	if (script[0] != CONS_OP_DUP || script[1] != CONS_OP_HASH160 || script[2] != 20 ||
	    script[23] != CONS_OP_EQUALVERIFY || script[24] != CONS_OP_CHECKSIG)
		return false;
	if (pkh)
		memcpy(pkh, script + 3, 20);
	return true;
}

size_t cons_script_sig_build(uint8_t *out, const uint8_t *sig, size_t sig_len, const uint8_t pub[33])
{
	assert(sig_len >= 1 && sig_len <= CONS_SCRIPTSIG_MAX - 35);
	out[0] = (uint8_t)sig_len;
	memcpy(out + 1, sig, sig_len);
	out[1 + sig_len] = 33;
	memcpy(out + 2 + sig_len, pub, 33);
	return sig_len + 35;
}

bool cons_script_sig_parse(const uint8_t *script, size_t len, const uint8_t **sig, size_t *sig_len,
			   const uint8_t **pub)
{
	size_t n;

	/*
	 * Only direct pushes: OP_PUSHDATA1/2/4 could say the same bytes in more
	 * ways than one, and a scriptSig with two spellings is malleable.
	 */
	if (len < 1)
		return false;
	n = script[0];
	if (n < 1 || n > MAX_DIRECT_PUSH)
		return false;
	if (len != 1 + n + 1 + 33 || script[1 + n] != 33)
		return false;
	*sig = script + 1;
	*sig_len = n;
	*pub = script + 2 + n;
	return true;
}

size_t cons_script_push_height(uint8_t out[9], int64_t height)
{
	uint64_t v = (uint64_t)height;
	size_t n = 0;

	assert(height >= 0);
	if (height == 0) {
		out[0] = CONS_OP_0;
		return 1;
	}
	if (height <= 16) {
		out[0] = (uint8_t)(CONS_OP_1 + height - 1);
		return 1;
	}
	while (v) {
		out[1 + n++] = (uint8_t)v;
		v >>= 8;
	}
	/*
	 * CScriptNum is sign-magnitude: a top bit set would read back as
	 * negative, so a positive number whose last byte has it gets a 0x00.
	 * An int64 is at most 0x7f.. in its top byte, so this stays within 9.
	 */
	if (out[n] & 0x80)
		out[1 + n++] = 0x00;
	out[0] = (uint8_t)n;
	return 1 + n;
}

bool cons_script_has_height(const uint8_t *script, size_t len, int64_t height)
{
	uint8_t push[9];
	size_t n = cons_script_push_height(push, height);

	return len >= n && memcmp(script, push, n) == 0;
}
