/*
 * The only script templates Flint knows. Outputs are pay-to-pubkey-hash
 * (OP_DUP OP_HASH160 <20 bytes> OP_EQUALVERIFY OP_CHECKSIG); a spending
 * scriptSig is exactly <DER signature + sighash byte> <33-byte compressed
 * pubkey>, both as direct pushes. Coinbase scriptSigs start with the block
 * height as BIP34 encodes it. No script interpreter, no I/O.
 */
#ifndef FLINT_CONSENSUS_SCRIPT_H
#define FLINT_CONSENSUS_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONS_P2PKH_SCRIPT_SIZE 25
/* Largest spending scriptSig: push(73-byte sig incl. hashtype) + push(33). */
#define CONS_SCRIPTSIG_MAX 108

#define CONS_OP_0 0x00
#define CONS_OP_1NEGATE 0x4f
#define CONS_OP_1 0x51
#define CONS_OP_16 0x60
#define CONS_OP_RETURN 0x6a
#define CONS_OP_DUP 0x76
#define CONS_OP_EQUALVERIFY 0x88
#define CONS_OP_HASH160 0xa9
#define CONS_OP_CHECKSIG 0xac

/* Writes the 25-byte P2PKH output script paying to pkh. */
void cons_script_p2pkh(uint8_t out[CONS_P2PKH_SCRIPT_SIZE], const uint8_t pkh[20]);
/*
 * Returns true if script (len bytes) is exactly the P2PKH template; then,
 * if pkh is not NULL, copies the 20-byte hash into it.
 */
bool cons_script_is_p2pkh(const uint8_t *script, size_t len, uint8_t pkh[20]);

/*
 * Builds a spending scriptSig from sig (sig_len bytes: DER + sighash byte,
 * 1..73) and a 33-byte compressed pubkey into out (>= CONS_SCRIPTSIG_MAX
 * bytes). Returns its length.
 */
size_t cons_script_sig_build(uint8_t *out, const uint8_t *sig, size_t sig_len, const uint8_t pub[33]);
/*
 * Splits a scriptSig of the spending template into views of its signature
 * (with sighash byte) and pubkey. Returns false if it is not exactly two
 * direct pushes, the second 33 bytes long.
 */
bool cons_script_sig_parse(const uint8_t *script, size_t len, const uint8_t **sig, size_t *sig_len,
			   const uint8_t **pub);

/*
 * BIP34: writes the script push of height as CScript() << height encodes it
 * (OP_0, OP_1..OP_16, or a minimal little-endian number push) into out
 * (>= 9 bytes) and returns its length. height must be >= 0.
 */
size_t cons_script_push_height(uint8_t out[9], int64_t height);
/* True if the coinbase scriptSig begins with the BIP34 push of height. */
bool cons_script_has_height(const uint8_t *script, size_t len, int64_t height);

#endif
