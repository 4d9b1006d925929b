/*
 * Coin cache: an open-addressing hash table (linear probing, backward-shift
 * deletion, so no tombstones) of outpoint -> entry. The hash is salted per
 * cache so that peers cannot grind txids into one long probe sequence.
 */
#include "storage/coins.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "storage/schema.h"

enum {
	E_USED = 1,     /* slot holds an entry */
	E_DIRTY = 2,    /* differs from the parent */
	E_FRESH = 4,    /* the parent does not have it: spending it just forgets it */
	E_SPENT = 8,    /* spent here; coin still holds its data for index cleanup */
};

struct entry {
	struct cons_outpoint op;
	struct cons_coin coin;
	uint8_t flags;
};

struct stor_coins {
	struct stor_db *db;
	struct stor_coins *parent;
	size_t max_bytes;
	struct entry *slots;
	size_t cap;             /* power of two, or 0 */
	size_t used;
	size_t dirty;
	uint64_t salt;
};

struct stor_coins *stor_coins_new(struct stor_db *db, struct stor_coins *parent, size_t max_bytes)
{
	struct stor_coins *c = calloc(1, sizeof(*c));

	assert((db == NULL) != (parent == NULL));
	if (!c)
		return NULL;
	c->db = db;
	c->parent = parent;
	c->max_bytes = max_bytes;
	/* A layer (one per block connected) shares its parent's salt: no syscall per block. */
	if (parent)
		c->salt = parent->salt;
	else if (getrandom(&c->salt, sizeof(c->salt), 0) != sizeof(c->salt))
		c->salt = (uint64_t)(uintptr_t)c * 0x9e3779b97f4a7c15ull;
	return c;
}

void stor_coins_free(struct stor_coins *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c);
}

static size_t slot_of(const struct stor_coins *c, const struct cons_outpoint *op)
{
	uint64_t h;

	memcpy(&h, op->txid, 8);
	h ^= c->salt ^ ((uint64_t)op->n * 0x9e3779b97f4a7c15ull);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 29;
	return (size_t)h & (c->cap - 1);
}

static struct entry *find(const struct stor_coins *c, const struct cons_outpoint *op)
{
	if (!c->cap)
		return NULL;
	for (size_t i = slot_of(c, op);; i = (i + 1) & (c->cap - 1)) {
		struct entry *e = &c->slots[i];
		if (!(e->flags & E_USED))
			return NULL;
		if (e->op.n == op->n && memcmp(e->op.txid, op->txid, 32) == 0)
			return e;
	}
}

static int grow(struct stor_coins *c)
{
	size_t old_cap = c->cap, cap = old_cap ? old_cap * 2 : 64;
	struct entry *old = c->slots, *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -1;
	c->slots = slots;
	c->cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		if (!(old[i].flags & E_USED))
			continue;
		size_t j = slot_of(c, &old[i].op);
		while (slots[j].flags & E_USED)
			j = (j + 1) & (cap - 1);
		slots[j] = old[i];
	}
	free(old);
	return 0;
}

/* Inserts a new entry for op (which must be absent); NULL out of memory. */
static struct entry *insert(struct stor_coins *c, const struct cons_outpoint *op)
{
	size_t i;

	if ((c->used + 1) * 10 > c->cap * 7 && grow(c) < 0)
		return NULL;
	for (i = slot_of(c, op); c->slots[i].flags & E_USED; i = (i + 1) & (c->cap - 1))
		;
	memset(&c->slots[i], 0, sizeof(c->slots[i]));
	c->slots[i].op = *op;
	c->slots[i].flags = E_USED;
	c->used++;
	return &c->slots[i];
}

/* Backward-shift deletion keeps every probe sequence unbroken. */
static void erase(struct stor_coins *c, struct entry *e)
{
	size_t mask = c->cap - 1, i = (size_t)(e - c->slots), j = i;

	if (e->flags & E_DIRTY)
		c->dirty--;
	for (;;) {
		j = (j + 1) & mask;
		if (!(c->slots[j].flags & E_USED))
			break;
		size_t home = slot_of(c, &c->slots[j].op);
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			c->slots[i] = c->slots[j];
			i = j;
		}
	}
	c->slots[i].flags = 0;
	c->used--;
}

static void set_dirty(struct stor_coins *c, struct entry *e)
{
	if (!(e->flags & E_DIRTY))
		c->dirty++;
	e->flags |= E_DIRTY;
}

static int parent_get(struct stor_coins *c, const struct cons_outpoint *op, struct cons_coin *coin)
{
	uint8_t key[STOR_COIN_KEY_LEN], *val;
	size_t len;
	int rc;

	if (c->parent)
		return stor_coins_get(c->parent, op, coin);
	stor_coin_key(key, op);
	rc = stor_db_get(c->db, key, sizeof(key), &val, &len, NULL, 0);
	if (rc == 1) {
		rc = stor_coin_decode(coin, val, len) == 0 ? 1 : -1;
		free(val);
	}
	return rc;
}

int stor_coins_get(struct stor_coins *c, const struct cons_outpoint *op, struct cons_coin *coin)
{
	struct entry *e = find(c, op);
	int rc;

	if (e) {
		if (e->flags & E_SPENT)
			return 0;
		*coin = e->coin;
		return 1;
	}
	rc = parent_get(c, op, coin);
	if (rc == 1) {
		e = insert(c, op);
		if (!e)
			return -1;
		e->coin = *coin;
	}
	return rc;
}

int stor_coins_spend(struct stor_coins *c, const struct cons_outpoint *op)
{
	struct entry *e = find(c, op);

	assert(e && !(e->flags & E_SPENT));
	if (e->flags & E_FRESH) {
		erase(c, e);
		return 0;
	}
	e->flags |= E_SPENT;
	set_dirty(c, e);
	return 0;
}

int stor_coins_add(struct stor_coins *c, const struct cons_outpoint *op, const struct cons_coin *coin)
{
	struct entry *e = find(c, op);

	if (!e) {
		e = insert(c, op);
		if (!e)
			return -1;
		/* Unknown here; the parent may only have it spent-and-unwritten, in
		 * which case a FRESH mark would lose that delete. Ask it. */
		e->flags |= E_FRESH;
		if (c->parent && find(c->parent, op))
			e->flags &= (uint8_t)~E_FRESH;
	}
	e->flags &= (uint8_t)~E_SPENT;
	e->coin = *coin;
	set_dirty(c, e);
	return 0;
}

static int store_get(void *ctx, const struct cons_outpoint *op, struct cons_coin *coin)
{
	return stor_coins_get(ctx, op, coin);
}

static int store_spend(void *ctx, const struct cons_outpoint *op)
{
	return stor_coins_spend(ctx, op);
}

static int store_add(void *ctx, const struct cons_outpoint *op, const struct cons_coin *coin)
{
	return stor_coins_add(ctx, op, coin);
}

void stor_coins_store(struct cons_coin_store *store, struct stor_coins *c)
{
	store->ctx = c;
	store->get = store_get;
	store->spend = store_spend;
	store->add = store_add;
}

int stor_coins_merge(struct stor_coins *child)
{
	struct stor_coins *p = child->parent;
	int rc = 0;

	assert(p);
	for (size_t i = 0; i < child->cap && rc == 0; i++) {
		struct entry *e = &child->slots[i];
		if ((e->flags & (E_USED | E_DIRTY)) != (E_USED | E_DIRTY))
			continue;
		if (e->flags & E_SPENT) {
			struct cons_coin tmp;
			/* The child read it through the parent, so the parent has it. */
			if (stor_coins_get(p, &e->op, &tmp) == 1)
				rc = stor_coins_spend(p, &e->op);
		} else {
			rc = stor_coins_add(p, &e->op, &e->coin);
		}
	}
	if (child->cap)
		memset(child->slots, 0, child->cap * sizeof(*child->slots));
	child->used = child->dirty = 0;
	return rc;
}

static void write_entry(struct stor_batch *b, const struct entry *e)
{
	uint8_t key[STOR_COIN_KEY_LEN], val[STOR_COIN_VAL_LEN];
	uint8_t akey[1 + 20 + 32 + 4], aval[12];

	stor_coin_key(key, &e->op);
	akey[0] = STOR_KEY_ADDRUTXO;
	memcpy(akey + 1, e->coin.pkh, 20);
	memcpy(akey + 21, e->op.txid, 32);
	stor_put_be32(akey + 53, e->op.n);
	if (e->flags & E_SPENT) {
		stor_batch_del(b, key, sizeof(key));
		stor_batch_del(b, akey, sizeof(akey));
		return;
	}
	stor_coin_encode(val, &e->coin);
	stor_batch_put(b, key, sizeof(key), val, sizeof(val));
	memcpy(aval, val, 8);                 /* value, little-endian */
	memcpy(aval + 8, val + 28, 4);        /* height */
	stor_batch_put(b, akey, sizeof(akey), aval, sizeof(aval));
}

void stor_coins_write(struct stor_coins *c, struct stor_batch *b)
{
	assert(!c->parent);
	for (size_t i = 0; i < c->cap; i++)
		if ((c->slots[i].flags & (E_USED | E_DIRTY)) == (E_USED | E_DIRTY))
			write_entry(b, &c->slots[i]);
}

void stor_coins_written(struct stor_coins *c)
{
	for (size_t i = 0; i < c->cap; i++) {
		struct entry *e = &c->slots[i];
		if (e->flags & E_SPENT)
			e->flags = 0;           /* gone from the database too */
		else if (e->flags & E_USED)
			e->flags = E_USED;
	}
	c->dirty = 0;
	c->used = 0;
	for (size_t i = 0; i < c->cap; i++)
		c->used += c->slots[i].flags & E_USED;
	/* Clearing removed slots broke probe chains: rebuild, or drop all. */
	if (stor_coins_memory(c) > c->max_bytes || c->used == 0) {
		free(c->slots);
		c->slots = NULL;
		c->cap = c->used = 0;
		return;
	}
	{
		struct entry *old = c->slots;
		size_t cap = c->cap;
		c->slots = calloc(cap, sizeof(*old));
		if (!c->slots) {            /* cannot rebuild: forget the clean entries */
			c->slots = NULL;
			c->cap = c->used = 0;
			free(old);
			return;
		}
		c->used = 0;
		for (size_t i = 0; i < cap; i++)
			if (old[i].flags & E_USED)
				*insert(c, &old[i].op) = old[i];
		free(old);
	}
}

size_t stor_coins_memory(const struct stor_coins *c)
{
	return sizeof(*c) + c->cap * sizeof(struct entry);
}

size_t stor_coins_dirty(const struct stor_coins *c)
{
	return c->dirty;
}
