/* The wallet file and its keys; see wallet.h. */
#include "wallet/wallet.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <secp256k1.h>

#include "consensus/hash.h"
#include "consensus/sig.h"
#include "util/hex.h"

#define SCRYPT_N 32768          /* 2^15: 32 MiB and about 0.1 s per unlock */
#define SCRYPT_R 8
#define SCRYPT_P 1
#define CHECK_AAD "flint-wallet-check"

static void errf(char *err, size_t errlen, const char *fmt, const char *arg)
{
	snprintf(err, errlen, fmt, arg);
}

/* ---- sealing ---- */

static int derive(struct wal_wallet *w, const char *pass)
{
	return EVP_PBE_scrypt(pass, strlen(pass), w->salt, sizeof(w->salt), w->scrypt_n, SCRYPT_R,
			      SCRYPT_P, 64u << 20, w->aes_key, sizeof(w->aes_key)) == 1 ? 0 : -1;
}

/* AES-256-GCM of 32 bytes: out = nonce(12) | ciphertext(32) | tag(16); aad binds it to a name. */
static int seal(const uint8_t key[32], const uint8_t in[32], const char *aad, uint8_t out[60])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n, ok = c && RAND_bytes(out, 12) == 1 &&
		    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, out) == 1 &&
		    EVP_EncryptUpdate(c, NULL, &n, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
		    EVP_EncryptUpdate(c, out + 12, &n, in, 32) == 1 &&
		    EVP_EncryptFinal_ex(c, out + 44, &n) == 1 &&
		    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + 44) == 1;

	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

/* Opens a sealed blob; -1 if the key is wrong or the blob was altered. */
static int unseal(const uint8_t key[32], const uint8_t in[60], const char *aad, uint8_t out[32])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n, ok = c && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, in) == 1 &&
		    EVP_DecryptUpdate(c, NULL, &n, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
		    EVP_DecryptUpdate(c, out, &n, in + 12, 32) == 1 &&
		    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, (void *)(in + 44)) == 1 &&
		    EVP_DecryptFinal_ex(c, out + 32, &n) == 1;

	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

/* ---- keys ---- */

static int add_secret(struct wal_wallet *w, const uint8_t sec[32], bool change, char *err,
		      size_t errlen)
{
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	struct wal_key *k, *keys;
	int rc = -1;

	if (w->n_keys == WAL_MAX_KEYS || !ctx) {
		errf(err, errlen, "%s", "the wallet is full");
		goto out;
	}
	keys = realloc(w->keys, (w->n_keys + 1) * sizeof(*keys));
	if (!keys) {
		errf(err, errlen, "%s", "out of memory");
		goto out;
	}
	w->keys = keys;
	k = &keys[w->n_keys];
	memset(k, 0, sizeof(*k));
	memcpy(k->secret, sec, 32);
	k->change = change;
	if (cons_pubkey_from_seckey(ctx, k->pub, sec) < 0) {
		errf(err, errlen, "%s", "invalid secret key");
		goto out;
	}
	cons_hash160(k->pkh, k->pub, 33);
	cons_address_encode(k->address, w->params->addr_version, k->pkh);
	if (w->encrypted && seal(w->aes_key, sec, k->address, k->sealed) < 0) {
		errf(err, errlen, "%s", "cannot encrypt the key");
		goto out;
	}
	w->n_keys++;
	rc = 0;
out:
	if (ctx)
		secp256k1_context_destroy(ctx);
	return rc;
}

const struct wal_key *wal_new_key(struct wal_wallet *w, bool change, char *err, size_t errlen)
{
	uint8_t sec[32];
	int rc;

	if (!w->unlocked) {
		errf(err, errlen, "%s", "the wallet is locked");
		return NULL;
	}
	if (RAND_bytes(sec, sizeof(sec)) != 1) {
		errf(err, errlen, "%s", "no randomness for a key");
		return NULL;
	}
	rc = add_secret(w, sec, change, err, errlen);
	OPENSSL_cleanse(sec, sizeof(sec));
	return rc == 0 ? &w->keys[w->n_keys - 1] : NULL;
}

/* Says why wif is not a key for chain p: whose key it is, when that can be told. */
static void wif_mismatch(const struct cons_params *p, const char *wif, char *err, size_t errlen)
{
	/* Bitcoin's version bytes, for keys brought from Bitcoin software. */
	static const struct { uint8_t version; const char *name; } bitcoin[] = {
		{0x80, "Bitcoin mainnet"}, {0xef, "Bitcoin testnet or regtest"},
	};
	const struct cons_params *const *all = cons_params_all();
	uint8_t sec[32];
	bool compressed;
	char whose[64] = "";

	if (cons_wif_decode(sec, &compressed, p->wif_version, wif) == 0) {
		snprintf(err, errlen, "this is an uncompressed %s key; the wallet takes compressed "
			 "keys only", p->name);
		goto out;
	}
	for (size_t i = 0; all[i] && !whose[0]; i++)
		if (all[i] != p && cons_wif_decode(sec, &compressed, all[i]->wif_version, wif) == 0)
			snprintf(whose, sizeof(whose), "%s", all[i]->name);
	for (size_t i = 0; i < sizeof(bitcoin) / sizeof(bitcoin[0]) && !whose[0]; i++)
		if (cons_wif_decode(sec, &compressed, bitcoin[i].version, wif) == 0)
			snprintf(whose, sizeof(whose), "%s", bitcoin[i].name);
	if (whose[0])
		snprintf(err, errlen, "this is a %s key; the wallet is for %s", whose, p->name);
	else
		snprintf(err, errlen, "not a WIF key (bad Base58Check or length); the wallet takes "
			 "compressed %s keys", p->name);
out:
	OPENSSL_cleanse(sec, sizeof(sec));
}

int wal_import(struct wal_wallet *w, const char *wif, char *err, size_t errlen)
{
	uint8_t sec[32];
	bool compressed;
	int rc;

	if (!w->unlocked) {
		errf(err, errlen, "%s", "the wallet is locked");
		return -1;
	}
	if (cons_wif_decode(sec, &compressed, w->params->wif_version, wif) < 0 || !compressed) {
		OPENSSL_cleanse(sec, sizeof(sec));
		wif_mismatch(w->params, wif, err, errlen);
		return -1;
	}
	rc = add_secret(w, sec, false, err, errlen);
	OPENSSL_cleanse(sec, sizeof(sec));
	return rc;
}

const struct wal_key *wal_find(const struct wal_wallet *w, const char *address)
{
	for (size_t i = 0; i < w->n_keys; i++)
		if (strcmp(w->keys[i].address, address) == 0)
			return &w->keys[i];
	return NULL;
}

const struct wal_key *wal_find_pkh(const struct wal_wallet *w, const uint8_t pkh[20])
{
	for (size_t i = 0; i < w->n_keys; i++)
		if (memcmp(w->keys[i].pkh, pkh, 20) == 0)
			return &w->keys[i];
	return NULL;
}

int wal_create(struct wal_wallet *w, const struct cons_params *p, const char *passphrase,
	       char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	w->params = p;
	w->unlocked = true;
	w->scrypt_n = SCRYPT_N;
	if (!passphrase)
		return 0;
	w->encrypted = true;
	if (RAND_bytes(w->salt, sizeof(w->salt)) != 1 || derive(w, passphrase) < 0) {
		errf(err, errlen, "%s", "cannot derive a key from the passphrase");
		return -1;
	}
	return 0;
}

int wal_unlock(struct wal_wallet *w, const char *passphrase, char *err, size_t errlen)
{
	uint8_t key[32];

	if (w->unlocked)
		return 0;
	if (!w->encrypted) {
		errf(err, errlen, "%s", "the wallet's keys were wiped from memory: load it again");
		return -1;
	}
	if (!passphrase) {
		errf(err, errlen, "%s", "the wallet is encrypted: a passphrase is needed");
		return -1;
	}
	if (derive(w, passphrase) < 0) {
		errf(err, errlen, "%s", "cannot derive a key from the passphrase");
		return -1;
	}
	for (size_t i = 0; i < w->n_keys; i++) {
		if (unseal(w->aes_key, w->keys[i].sealed, w->keys[i].address, key) < 0) {
			for (size_t j = 0; j < i; j++)
				OPENSSL_cleanse(w->keys[j].secret, 32);
			OPENSSL_cleanse(w->aes_key, sizeof(w->aes_key));
			OPENSSL_cleanse(key, sizeof(key));
			errf(err, errlen, "%s", "wrong passphrase");
			return -1;
		}
		memcpy(w->keys[i].secret, key, 32);
	}
	OPENSSL_cleanse(key, sizeof(key));
	w->unlocked = true;
	return 0;
}

void wal_lock(struct wal_wallet *w)
{
	for (size_t i = 0; i < w->n_keys; i++)
		OPENSSL_cleanse(w->keys[i].secret, sizeof(w->keys[i].secret));
	OPENSSL_cleanse(w->aes_key, sizeof(w->aes_key));
	w->unlocked = false;
}

void wal_release(struct wal_wallet *w)
{
	if (w->keys)
		OPENSSL_cleanse(w->keys, w->n_keys * sizeof(*w->keys));
	OPENSSL_cleanse(w->aes_key, sizeof(w->aes_key));
	free(w->keys);
	memset(w, 0, sizeof(*w));
}

/* ---- the file ---- */

static json_t *hexval(const uint8_t *p, size_t n)
{
	char buf[2 * 64 + 1];

	util_hex_encode(buf, p, n);
	return json_string(buf);
}

static json_t *key_json(const struct wal_wallet *w, const struct wal_key *k)
{
	json_t *o = json_pack("{s:s, s:o, s:b}", "address", k->address, "pubkey", hexval(k->pub, 33),
			      "change", k->change);

	if (o && w->encrypted)
		json_object_set_new(o, "sealed", hexval(k->sealed, sizeof(k->sealed)));
	else if (o)
		json_object_set_new(o, "secret", hexval(k->secret, 32));
	return o;
}

static json_t *wallet_json(const struct wal_wallet *w)
{
	json_t *keys = json_array(), *o;

	for (size_t i = 0; keys && i < w->n_keys; i++)
		json_array_append_new(keys, key_json(w, &w->keys[i]));
	o = json_pack("{s:i, s:s, s:b, s:o}", "version", WAL_VERSION, "chain", w->params->name,
		      "encrypted", w->encrypted, "keys", keys);
	if (o && w->encrypted)
		json_object_set_new(o, "scrypt", json_pack("{s:o, s:I, s:i, s:i}", "salt",
			hexval(w->salt, sizeof(w->salt)), "N", (json_int_t)w->scrypt_n, "r", SCRYPT_R,
			"p", SCRYPT_P));
	return o;
}

static int write_all(int fd, const char *s)
{
	size_t n = strlen(s), off = 0;

	while (off < n) {
		ssize_t k = write(fd, s + off, n - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		off += (size_t)k;
	}
	return 0;
}

static void sync_dir(const char *path)
{
	char copy[1024];
	int fd;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int wal_file_replace(const char *path, const char *text, bool crash_hook, char *err,
		     size_t errlen)
{
	char tmp[1100];
	int fd, rc = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, text) < 0 || write_all(fd, "\n") < 0 || fsync(fd) < 0) {
		errf(err, errlen, "cannot write '%s'", tmp);
		goto out;
	}
	close(fd);
	fd = -1;
	if (crash_hook && getenv("FLINT_WALLET_CRASH_BEFORE_RENAME"))
		_exit(97);
	if (rename(tmp, path) < 0) {
		errf(err, errlen, "cannot replace '%s'", path);
		goto out;
	}
	sync_dir(path);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int wal_save(const struct wal_wallet *w, const char *path, bool replace, char *err,
	     size_t errlen)
{
	json_t *o = wallet_json(w);
	char *text = o ? json_dumps(o, JSON_INDENT(1)) : NULL;
	int rc = -1;

	json_decref(o);
	if (!w->encrypted && !w->unlocked) {   /* the file would hold wiped secrets */
		free(text);
		errf(err, errlen, "%s", "the wallet's keys were wiped from memory: not saving it");
		return -1;
	}
	if (!text) {
		errf(err, errlen, "%s", "out of memory");
		return -1;
	}
	if (!replace && access(path, F_OK) == 0) {
		errf(err, errlen, "'%s' already exists; not overwriting a wallet", path);
		goto out;
	}
	rc = wal_file_replace(path, text, true, err, errlen);
out:
	OPENSSL_cleanse(text, strlen(text));
	free(text);
	return rc;
}

static int hexfield(json_t *o, const char *name, uint8_t *out, size_t n)
{
	const char *s = json_string_value(json_object_get(o, name));

	return s && strlen(s) == 2 * n && util_hex_decode(out, n, s) == 0 ? 0 : -1;
}

static int load_key(struct wal_wallet *w, json_t *o, struct wal_key *k)
{
	const char *addr = json_string_value(json_object_get(o, "address"));
	uint8_t pkh[20];

	memset(k, 0, sizeof(*k));
	if (!addr || strlen(addr) >= sizeof(k->address) || hexfield(o, "pubkey", k->pub, 33) < 0)
		return -1;
	snprintf(k->address, sizeof(k->address), "%s", addr);
	cons_hash160(k->pkh, k->pub, 33);
	k->change = json_is_true(json_object_get(o, "change"));
	/* The address must be the public key's: a file edited by hand is refused. */
	if (cons_address_decode(pkh, w->params->addr_version, addr) < 0 ||
	    memcmp(pkh, k->pkh, 20) != 0)
		return -1;
	return w->encrypted ? hexfield(o, "sealed", k->sealed, sizeof(k->sealed))
			    : hexfield(o, "secret", k->secret, 32);
}

static int load_doc(struct wal_wallet *w, json_t *doc, char *err, size_t errlen)
{
	json_t *keys = json_object_get(doc, "keys"), *sc = json_object_get(doc, "scrypt"), *k;
	size_t i;

	if (json_integer_value(json_object_get(doc, "version")) != WAL_VERSION) {
		errf(err, errlen, "%s", "unsupported wallet file version");
		return -1;
	}
	w->params = cons_params_by_name(json_string_value(json_object_get(doc, "chain")) ?: "");
	w->encrypted = json_is_true(json_object_get(doc, "encrypted"));
	w->unlocked = !w->encrypted;
	if (!w->params || !json_is_array(keys) || json_array_size(keys) > WAL_MAX_KEYS ||
	    (w->encrypted && (hexfield(sc, "salt", w->salt, sizeof(w->salt)) < 0 ||
			      !json_is_integer(json_object_get(sc, "N"))))) {
		errf(err, errlen, "%s", "malformed wallet file");
		return -1;
	}
	w->scrypt_n = (uint64_t)json_integer_value(json_object_get(sc, "N"));
	w->keys = calloc(json_array_size(keys) + 1, sizeof(*w->keys));
	if (!w->keys)
		return -1;
	json_array_foreach(keys, i, k) {
		if (load_key(w, k, &w->keys[i]) < 0) {
			errf(err, errlen, "%s", "malformed key in the wallet file");
			return -1;
		}
		w->n_keys++;
	}
	return 0;
}

int wal_load(struct wal_wallet *w, const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *doc;
	int rc;

	memset(w, 0, sizeof(*w));
	doc = json_load_file(path, 0, &je);
	if (!doc) {
		snprintf(err, errlen, access(path, F_OK) == 0 ? "cannot read the wallet '%s': not a "
			 "wallet file" : "no wallet at '%s' (create one with 'flint-wallet create')",
			 path);
		return -1;
	}
	rc = load_doc(w, doc, err, errlen);
	json_decref(doc);
	if (rc < 0)
		wal_release(w);
	return rc;
}

/* ---- amounts ---- */

int wal_parse_amount(const struct cons_params *p, const char *s, int64_t *out)
{
	int64_t whole = 0, frac = 0;
	int digits = 0, places = 0;
	const char *c = s;

	for (; *c >= '0' && *c <= '9'; c++, digits++) {
		if (whole > p->max_money / CONS_COIN)
			return -1;
		whole = whole * 10 + (*c - '0');
	}
	if (*c == '.')
		for (c++; *c >= '0' && *c <= '9'; c++, places++, digits++) {
			if (places == 8)
				return -1;
			frac = frac * 10 + (*c - '0');
		}
	if (*c || digits == 0)
		return -1;
	for (; places < 8; places++)
		frac *= 10;
	*out = whole * CONS_COIN + frac;
	return *out > 0 && *out <= p->max_money ? 0 : -1;
}

void wal_format_amount(char out[32], int64_t units)
{
	uint64_t a = units < 0 ? (uint64_t)-(units + 1) + 1 : (uint64_t)units;

	snprintf(out, 32, "%s%llu.%08llu", units < 0 ? "-" : "", (unsigned long long)(a / CONS_COIN),
		 (unsigned long long)(a % CONS_COIN));
}
