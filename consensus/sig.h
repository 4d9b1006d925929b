/*
 * Signatures: Bitcoin's legacy SIGHASH_ALL signature hash, ECDSA on
 * secp256k1 through libsecp256k1 (strict DER per BIP66, low-S required),
 * and the P2PKH spend check built from them. The secp256k1 context is
 * always the caller's: consensus/ holds no global state. No I/O.
 */
#ifndef FLINT_CONSENSUS_SIG_H
#define FLINT_CONSENSUS_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <secp256k1.h>

#include "consensus/tx.h"

#define CONS_SIGHASH_ALL 1
/* Largest DER signature, without the sighash byte. */
#define CONS_DER_SIG_MAX 72

/*
 * Legacy signature hash of input in_index of tx, with script_code (len
 * bytes, OP_CODESEPARATOR-free) standing in that input's scriptSig and all
 * other scriptSigs empty, followed by hashtype as 4 little-endian bytes.
 * Only the SIGHASH_ALL algorithm is implemented: (hashtype & 0x1f) must not
 * be 2 (NONE) or 3 (SINGLE) and the 0x80 (ANYONECANPAY) bit must be clear;
 * the full 32-bit hashtype is still hashed. in_index < tx->n_in.
 * Returns 0, or -1 out of memory.
 */
int cons_sighash(uint8_t out[32], const struct cons_tx *tx, size_t in_index,
		 const uint8_t *script_code, size_t len, uint32_t hashtype)
	__attribute__((warn_unused_result));

/* BIP66 IsValidSignatureEncoding: sig (len bytes) ends with the sighash byte. */
bool cons_sig_is_strict_der(const uint8_t *sig, size_t len);

/* True if seckey is a valid secp256k1 secret key. */
bool cons_seckey_is_valid(const secp256k1_context *ctx, const uint8_t seckey[32]);
/* Compressed public key of seckey. 0, or -1 if seckey is invalid. */
int cons_pubkey_from_seckey(const secp256k1_context *ctx, uint8_t pub[33], const uint8_t seckey[32])
	__attribute__((warn_unused_result));
/*
 * Signs hash with seckey (RFC6979 nonce, low-S), writing the DER signature
 * without sighash byte into der (CONS_DER_SIG_MAX bytes) and its length into
 * *der_len. 0, or -1 if seckey is invalid.
 */
int cons_sign_hash(const secp256k1_context *ctx, uint8_t *der, size_t *der_len,
		   const uint8_t hash[32], const uint8_t seckey[32])
	__attribute__((warn_unused_result));

enum cons_sig_result {
	CONS_SIG_OK = 0,
	CONS_SIG_BAD_TEMPLATE,  /* scriptSig is not <sig> <33-byte pubkey> */
	CONS_SIG_WRONG_KEY,     /* HASH160(pubkey) is not the output's hash */
	CONS_SIG_BAD_HASHTYPE,  /* sighash byte is not SIGHASH_ALL */
	CONS_SIG_BAD_DER,       /* not strict DER */
	CONS_SIG_HIGH_S,        /* S above half the order */
	CONS_SIG_BAD_PUBKEY,    /* not a valid compressed point */
	CONS_SIG_INVALID,       /* does not verify */
	CONS_SIG_NOMEM,         /* internal error, not a verdict on the input */
};

const char *cons_sig_result_str(enum cons_sig_result r);

/*
 * Checks that input in_index of tx validly spends a P2PKH output paying to
 * pkh: template, key hash, sighash type, encoding, low-S, signature.
 */
enum cons_sig_result cons_verify_input(const secp256k1_context *ctx, const struct cons_tx *tx,
				       size_t in_index, const uint8_t pkh[20]);

/*
 * Signs input in_index of tx, which spends a P2PKH output to seckey's own
 * key hash, with SIGHASH_ALL and sets its scriptSig. Call cons_tx_finalize()
 * once every input is signed. 0, or -1 (invalid key or out of memory).
 */
int cons_sign_input(const secp256k1_context *ctx, struct cons_tx *tx, size_t in_index,
		    const uint8_t seckey[32]) __attribute__((warn_unused_result));

#endif
