/*
 * The wallet file and its keys: a versioned JSON file of P2PKH keys for one
 * chain, written atomically (temp file, fsync, rename, fsync of the
 * directory) with mode 0600. With a passphrase the secret keys are sealed
 * with AES-256-GCM under a key stretched by scrypt (both OpenSSL); the
 * addresses stay readable, so balances need no passphrase, and the secrets
 * are in memory only from wal_unlock() to wal_lock(). Knows nothing of the
 * node or RPC; uses only consensus/ for keys and addresses.
 */
#ifndef FLINT_WALLET_WALLET_H
#define FLINT_WALLET_WALLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/base58.h"
#include "consensus/params.h"

#define WAL_VERSION 1
#define WAL_MAX_KEYS 10000

struct wal_key {
	char address[CONS_ADDRESS_MAX];
	uint8_t pkh[20];
	uint8_t pub[33];
	uint8_t secret[32];         /* valid only while unlocked; zero once locked */
	uint8_t sealed[12 + 32 + 16];  /* GCM nonce | ciphertext | tag, when encrypted */
	bool change;                /* made for change by send */
};

struct wal_wallet {
	const struct cons_params *params;
	bool encrypted;
	bool unlocked;              /* secrets are in memory */
	uint8_t salt[16];
	uint64_t scrypt_n;
	uint8_t aes_key[32];        /* while unlocked and encrypted */
	struct wal_key *keys;
	size_t n_keys;
};

/* Creates an empty wallet in memory; a non-NULL passphrase encrypts it. 0 / -1. */
int wal_create(struct wal_wallet *w, const struct cons_params *p, const char *passphrase,
	       char *err, size_t errlen) __attribute__((warn_unused_result));
/* Reads path. An encrypted wallet's secrets stay sealed until wal_unlock(). 0, or -1 with err. */
int wal_load(struct wal_wallet *w, const char *path, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/*
 * Opens the secrets of an encrypted wallet (scrypt, then AES-GCM): 0, or -1
 * with err for a missing or wrong passphrase, and nothing changes. A plain
 * wallet is unlocked from wal_load() until wal_lock().
 */
int wal_unlock(struct wal_wallet *w, const char *passphrase, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/*
 * Replaces path with text and a newline, atomically and durably: a temp file
 * of mode 0600, fsync, rename, fsync of the directory. With crash_hook,
 * FLINT_WALLET_CRASH_BEFORE_RENAME makes it _exit(97) before the rename.
 * 0, or -1 with err (the temp file removed). The wallet and its history both use it.
 */
int wal_file_replace(const char *path, const char *text, bool crash_hook, char *err,
		     size_t errlen) __attribute__((warn_unused_result));
/*
 * Writes w to path atomically with mode 0600; an existing file is replaced
 * only if replace. FLINT_WALLET_CRASH_BEFORE_RENAME=1 makes it _exit(97)
 * after writing the temp file, for the crash test. 0, or -1 with err.
 */
int wal_save(const struct wal_wallet *w, const char *path, bool replace, char *err,
	     size_t errlen) __attribute__((warn_unused_result));
/*
 * Adds a fresh random key (wallet unlocked); returns it, or NULL with err.
 * The key array grows: pointers to w's keys taken before are invalid.
 */
const struct wal_key *wal_new_key(struct wal_wallet *w, bool change, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* Adds the key of a WIF secret (wallet unlocked). 0 / -1 with err. */
int wal_import(struct wal_wallet *w, const char *wif, char *err, size_t errlen)
	__attribute__((warn_unused_result));
const struct wal_key *wal_find(const struct wal_wallet *w, const char *address);
const struct wal_key *wal_find_pkh(const struct wal_wallet *w, const uint8_t pkh[20]);
/*
 * Wipes every secret key and the key derived from the passphrase from
 * memory (OPENSSL_cleanse); the wallet stays usable for addresses and
 * sealed saves, but cannot sign or make keys until wal_unlock(). A plain
 * wallet, whose file holds the secrets, then cannot be saved or unlocked
 * again: load it anew.
 */
void wal_lock(struct wal_wallet *w);
/* Wipes secrets and frees. */
void wal_release(struct wal_wallet *w);

/* Parses "12.345" (at most 8 decimals, > 0, within max money) into base units. 0 / -1. */
int wal_parse_amount(const struct cons_params *p, const char *s, int64_t *out)
	__attribute__((warn_unused_result));
/* Formats base units as "12.34500000". */
void wal_format_amount(char out[32], int64_t units);

#endif
