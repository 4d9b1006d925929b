/* Byte-key hash map; see hmap.h. */
#include "util/hmap.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

void util_hmap_init(struct util_hmap *m, size_t key_len)
{
	assert(key_len > 0 && key_len <= UTIL_HMAP_MAX_KEY);
	memset(m, 0, sizeof(*m));
	m->key_len = key_len;
	if (getrandom(&m->salt, sizeof(m->salt), 0) != sizeof(m->salt))
		m->salt = (uint64_t)(uintptr_t)m * 0x9e3779b97f4a7c15ull;
}

void util_hmap_release(struct util_hmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->used = 0;
}

static size_t home(const struct util_hmap *m, const uint8_t *key)
{
	uint64_t h = m->salt;

	for (size_t i = 0; i < m->key_len; i++) {
		h ^= key[i];
		h *= 0x100000001b3ull;          /* FNV-1a over the salted state */
	}
	h ^= h >> 32;
	return (size_t)h & (m->cap - 1);
}

static struct util_hmap_slot *find(const struct util_hmap *m, const uint8_t *key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = home(m, key);; i = (i + 1) & (m->cap - 1)) {
		struct util_hmap_slot *s = &m->slots[i];
		if (!s->val)
			return NULL;
		if (memcmp(s->key, key, m->key_len) == 0)
			return s;
	}
}

void *util_hmap_get(const struct util_hmap *m, const void *key)
{
	struct util_hmap_slot *s = find(m, key);

	return s ? s->val : NULL;
}

static void place(struct util_hmap *m, const uint8_t *key, void *val)
{
	size_t i = home(m, key);

	while (m->slots[i].val)
		i = (i + 1) & (m->cap - 1);
	memcpy(m->slots[i].key, key, m->key_len);
	m->slots[i].val = val;
}

static int grow(struct util_hmap *m)
{
	size_t old_cap = m->cap;
	struct util_hmap_slot *old = m->slots;

	m->cap = old_cap ? old_cap * 2 : 64;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		m->cap = old_cap;
		return -1;
	}
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].val)
			place(m, old[i].key, old[i].val);
	free(old);
	return 0;
}

int util_hmap_put(struct util_hmap *m, const void *key, void *val)
{
	struct util_hmap_slot *s = find(m, key);

	assert(val);
	if (s) {
		s->val = val;
		return 0;
	}
	if ((m->used + 1) * 10 > m->cap * 7 && grow(m) < 0)
		return -1;
	place(m, key, val);
	m->used++;
	return 0;
}

void *util_hmap_del(struct util_hmap *m, const void *key)
{
	struct util_hmap_slot *s = find(m, key);
	size_t mask = m->cap - 1, i, j;
	void *val;

	if (!s)
		return NULL;
	val = s->val;
	i = j = (size_t)(s - m->slots);
	for (;;) {
		j = (j + 1) & mask;
		if (!m->slots[j].val)
			break;
		size_t h = home(m, m->slots[j].key);
		/* Shift j back into the hole unless its home lies cyclically in (i, j]. */
		if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].val = NULL;
	m->used--;
	return val;
}
