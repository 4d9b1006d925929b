/*
 * Signatures for P2PKH spends: Bitcoin's legacy SIGHASH_ALL digest, BIP66
 * strict-DER checking, and ECDSA through libsecp256k1. Depends only on
 * libsecp256k1 and the consensus hash, serialization, tx and script code;
 * the secp256k1 context is always the caller's, so there is no global state.
 */
#include "consensus/sig.h"

#include <assert.h>
#include <string.h>

#include "consensus/hash.h"
#include "consensus/script.h"
#include "consensus/serialize.h"

/* BIP66 bounds: 0x30 len 0x02 lenR R 0x02 lenS S hashtype. */
#define DER_MIN_LEN 9
#define DER_MAX_LEN 73

/* The sighash variants that blank other inputs' sequences or outputs. */
#define SIGHASH_NONE 2
#define SIGHASH_SINGLE 3
#define SIGHASH_ANYONECANPAY 0x80

static void write_sighash_preimage(struct cons_writer *w, const struct cons_tx *tx, size_t in_index,
				   const uint8_t *script_code, size_t len, uint32_t hashtype)
{
	cons_write_u32(w, (uint32_t)tx->version);
	cons_write_compact(w, tx->n_in);
	for (size_t i = 0; i < tx->n_in; i++) {
		const struct cons_txin *in = &tx->in[i];
		cons_write_bytes(w, in->prevout.txid, 32);
		cons_write_u32(w, in->prevout.n);
		/* Signatures cannot sign themselves: only the signed input carries a script. */
		if (i == in_index)
			cons_write_varbytes(w, script_code, len);
		else
			cons_write_compact(w, 0);
		cons_write_u32(w, in->sequence);
	}
	cons_write_compact(w, tx->n_out);
	for (size_t i = 0; i < tx->n_out; i++) {
		cons_write_u64(w, (uint64_t)tx->out[i].value);
		cons_write_varbytes(w, tx->out[i].script, tx->out[i].script_len);
	}
	cons_write_u32(w, tx->locktime);
	cons_write_u32(w, hashtype);
}

int cons_sighash(uint8_t out[32], const struct cons_tx *tx, size_t in_index,
		 const uint8_t *script_code, size_t len, uint32_t hashtype)
{
	struct cons_writer w;
	int rc = -1;

	assert(in_index < tx->n_in);
	assert((hashtype & 0x1f) != SIGHASH_NONE && (hashtype & 0x1f) != SIGHASH_SINGLE);
	assert(!(hashtype & SIGHASH_ANYONECANPAY));
	cons_writer_init(&w);
	/* One allocation: the preimage is at most the tx plus the script code and hashtype. */
	if (cons_writer_reserve(&w, tx->size + len + 16) < 0)
		goto out;
	write_sighash_preimage(&w, tx, in_index, script_code, len, hashtype);
	if (w.oom)
		goto out;
	cons_sha256d(out, w.data, w.len);
	rc = 0;
out:
	cons_writer_release(&w);
	return rc;
}

/*
 * One DER INTEGER body of n bytes at p, as BIP66 wants it: not empty, not
 * negative, and no 0x00 padding unless the next byte would read as a sign.
 */
static bool der_int_ok(const uint8_t *p, size_t n)
{
	if (n == 0)
		return false;
	if (p[0] & 0x80)
		return false;
	if (n > 1 && p[0] == 0x00 && !(p[1] & 0x80))
		return false;
	return true;
}

bool cons_sig_is_strict_der(const uint8_t *sig, size_t len)
{
	size_t len_r, len_s;

	if (len < DER_MIN_LEN || len > DER_MAX_LEN)
		return false;
	/* A compound structure whose length covers all but tag, length and hashtype. */
	if (sig[0] != 0x30 || sig[1] != len - 3)
		return false;
	len_r = sig[3];
	if (5 + len_r >= len)
		return false;
	len_s = sig[5 + len_r];
	if (len_r + len_s + 7 != len)
		return false;
	if (sig[2] != 0x02 || !der_int_ok(sig + 4, len_r))
		return false;
	if (sig[4 + len_r] != 0x02 || !der_int_ok(sig + 6 + len_r, len_s))
		return false;
	return true;
}

bool cons_seckey_is_valid(const secp256k1_context *ctx, const uint8_t seckey[32])
{
	return secp256k1_ec_seckey_verify(ctx, seckey) == 1;
}

int cons_pubkey_from_seckey(const secp256k1_context *ctx, uint8_t pub[33], const uint8_t seckey[32])
{
	secp256k1_pubkey pk;
	size_t len = 33;

	if (!secp256k1_ec_pubkey_create(ctx, &pk, seckey))
		return -1;
	secp256k1_ec_pubkey_serialize(ctx, pub, &len, &pk, SECP256K1_EC_COMPRESSED);
	return 0;
}

int cons_sign_hash(const secp256k1_context *ctx, uint8_t *der, size_t *der_len,
		   const uint8_t hash[32], const uint8_t seckey[32])
{
	secp256k1_ecdsa_signature sig;

	/* libsecp256k1 always produces low-S, so no normalisation is needed. */
	if (!secp256k1_ecdsa_sign(ctx, &sig, hash, seckey, NULL, NULL))
		return -1;
	*der_len = CONS_DER_SIG_MAX;
	if (!secp256k1_ecdsa_signature_serialize_der(ctx, der, der_len, &sig))
		return -1;
	return 0;
}

const char *cons_sig_result_str(enum cons_sig_result r)
{
	switch (r) {
	case CONS_SIG_OK: return "ok";
	case CONS_SIG_BAD_TEMPLATE: return "scriptSig is not <signature> <pubkey>";
	case CONS_SIG_WRONG_KEY: return "pubkey does not match the output's key hash";
	case CONS_SIG_BAD_HASHTYPE: return "sighash type is not SIGHASH_ALL";
	case CONS_SIG_BAD_DER: return "signature is not strict DER";
	case CONS_SIG_HIGH_S: return "signature S value is high";
	case CONS_SIG_BAD_PUBKEY: return "pubkey is not a valid compressed point";
	case CONS_SIG_INVALID: return "signature does not verify";
	case CONS_SIG_NOMEM: return "out of memory";
	}
	return "unknown";
}

/*
 * Checks the encoding of sig (DER + sighash byte) and parses it into *out.
 * Encoding rules come before the curve arithmetic so that a malformed
 * signature is named as such rather than as one that fails to verify.
 */
static enum cons_sig_result parse_sig(const secp256k1_context *ctx, secp256k1_ecdsa_signature *out,
				      const uint8_t *sig, size_t sig_len)
{
	if (sig[sig_len - 1] != CONS_SIGHASH_ALL)
		return CONS_SIG_BAD_HASHTYPE;
	if (!cons_sig_is_strict_der(sig, sig_len))
		return CONS_SIG_BAD_DER;
	if (!secp256k1_ecdsa_signature_parse_der(ctx, out, sig, sig_len - 1))
		return CONS_SIG_BAD_DER;
	/* normalize() reports whether it had to lower S: a high S is malleable. */
	if (secp256k1_ecdsa_signature_normalize(ctx, NULL, out))
		return CONS_SIG_HIGH_S;
	return CONS_SIG_OK;
}

static enum cons_sig_result parse_pubkey(const secp256k1_context *ctx, secp256k1_pubkey *out,
					 const uint8_t pub[33])
{
	if (pub[0] != 0x02 && pub[0] != 0x03)
		return CONS_SIG_BAD_PUBKEY;
	if (!secp256k1_ec_pubkey_parse(ctx, out, pub, 33))
		return CONS_SIG_BAD_PUBKEY;
	return CONS_SIG_OK;
}

enum cons_sig_result cons_verify_input(const secp256k1_context *ctx, const struct cons_tx *tx,
				       size_t in_index, const uint8_t pkh[20])
{
	const struct cons_txin *in = &tx->in[in_index];
	const uint8_t *sig, *pub;
	size_t sig_len;
	uint8_t hash[32], script_code[CONS_P2PKH_SCRIPT_SIZE];
	secp256k1_ecdsa_signature s;
	secp256k1_pubkey pk;
	enum cons_sig_result r;

	assert(in_index < tx->n_in);
	if (!cons_script_sig_parse(in->script, in->script_len, &sig, &sig_len, &pub))
		return CONS_SIG_BAD_TEMPLATE;
	cons_hash160(hash, pub, 33);
	if (memcmp(hash, pkh, 20) != 0)
		return CONS_SIG_WRONG_KEY;
	r = parse_sig(ctx, &s, sig, sig_len);
	if (r != CONS_SIG_OK)
		return r;
	r = parse_pubkey(ctx, &pk, pub);
	if (r != CONS_SIG_OK)
		return r;
	/* The script code of a legacy spend is the output script being spent. */
	cons_script_p2pkh(script_code, pkh);
	if (cons_sighash(hash, tx, in_index, script_code, sizeof(script_code), CONS_SIGHASH_ALL) < 0)
		return CONS_SIG_NOMEM;
	if (!secp256k1_ecdsa_verify(ctx, &s, hash, &pk))
		return CONS_SIG_INVALID;
	return CONS_SIG_OK;
}

int cons_sign_input(const secp256k1_context *ctx, struct cons_tx *tx, size_t in_index,
		    const uint8_t seckey[32])
{
	uint8_t pub[33], pkh[20], hash[32], script_code[CONS_P2PKH_SCRIPT_SIZE];
	uint8_t sig[CONS_DER_SIG_MAX + 1], script_sig[CONS_SCRIPTSIG_MAX];
	size_t sig_len, script_len;

	assert(in_index < tx->n_in);
	if (cons_pubkey_from_seckey(ctx, pub, seckey) < 0)
		return -1;
	cons_hash160(pkh, pub, sizeof(pub));
	cons_script_p2pkh(script_code, pkh);
	if (cons_sighash(hash, tx, in_index, script_code, sizeof(script_code), CONS_SIGHASH_ALL) < 0)
		return -1;
	if (cons_sign_hash(ctx, sig, &sig_len, hash, seckey) < 0)
		return -1;
	sig[sig_len++] = CONS_SIGHASH_ALL;
	script_len = cons_script_sig_build(script_sig, sig, sig_len, pub);
	return cons_tx_set_input_script(tx, in_index, script_sig, script_len);
}
