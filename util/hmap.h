/*
 * A hash map from fixed-size byte keys (up to 40 bytes: txids, outpoints)
 * to pointers. Open addressing with linear probing and backward-shift
 * deletion; the hash is salted per map so peers cannot grind keys into one
 * long probe run. No I/O.
 */
#ifndef FLINT_UTIL_HMAP_H
#define FLINT_UTIL_HMAP_H

#include <stddef.h>
#include <stdint.h>

#define UTIL_HMAP_MAX_KEY 40

struct util_hmap_slot {
	void *val;                  /* NULL: empty slot */
	uint8_t key[UTIL_HMAP_MAX_KEY];
};

/* Invariant: used < cap * 0.7 when cap > 0; cap is a power of two. */
struct util_hmap {
	size_t key_len;
	size_t cap, used;
	uint64_t salt;
	struct util_hmap_slot *slots;
};

/* key_len <= UTIL_HMAP_MAX_KEY. */
void util_hmap_init(struct util_hmap *m, size_t key_len);
void util_hmap_release(struct util_hmap *m);
/* The value stored under key, or NULL. */
void *util_hmap_get(const struct util_hmap *m, const void *key);
/* Stores val (not NULL) under key, replacing any. 0, or -1 out of memory. */
int util_hmap_put(struct util_hmap *m, const void *key, void *val) __attribute__((warn_unused_result));
/* Removes key; returns the value it had, or NULL. */
void *util_hmap_del(struct util_hmap *m, const void *key);

#endif
