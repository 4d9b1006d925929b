/*
 * The coin set seen through a write-back cache with bounded memory.
 *
 * A cache sits on a parent: either the database (the top cache of a node)
 * or another cache (a scratch layer for one block: if the block turns out
 * invalid the layer is thrown away, if valid it is merged into its parent).
 * Reads fall through to the parent and are remembered; writes stay in the
 * cache until stor_coins_write() puts them into a batch, so that connecting
 * many blocks costs one database write, not one per block. The address
 * unspent-output index ('a' keys) is written from the same changes, so the
 * two can never disagree.
 *
 * Not thread-safe: owned by the node's event loop.
 */
#ifndef FLINT_STORAGE_COINS_H
#define FLINT_STORAGE_COINS_H

#include <stdbool.h>
#include <stddef.h>

#include "consensus/block_check.h"
#include "consensus/tx_check.h"
#include "storage/db.h"

struct stor_coins;

/*
 * A cache over db (parent NULL) or over parent (db NULL). max_bytes bounds
 * the memory a top cache keeps after a write; 0 means keep nothing clean.
 * Returns NULL out of memory.
 */
struct stor_coins *stor_coins_new(struct stor_db *db, struct stor_coins *parent, size_t max_bytes) __attribute__((warn_unused_result));
/* Frees the cache and its unwritten changes; NULL is a no-op. */
void stor_coins_free(struct stor_coins *c);

/* 1 and *coin if op is unspent, 0 if unknown or spent, -1 on a read error. */
int stor_coins_get(struct stor_coins *c, const struct cons_outpoint *op, struct cons_coin *coin);
/* Spends op, which stor_coins_get() just reported unspent. 0, or -1 out of memory. */
int stor_coins_spend(struct stor_coins *c, const struct cons_outpoint *op);
/* Adds an unspent output. 0, or -1 out of memory. */
int stor_coins_add(struct stor_coins *c, const struct cons_outpoint *op, const struct cons_coin *coin);

/* The callbacks cons_connect_block() takes, bound to c. */
void stor_coins_store(struct cons_coin_store *store, struct stor_coins *c);

/*
 * Merges a child layer's changes into its parent and empties the child.
 * 0, or -1 out of memory (the parent is then partially updated and must be
 * discarded with its own changes).
 */
int stor_coins_merge(struct stor_coins *child) __attribute__((warn_unused_result));

/*
 * Queues every change of a top cache into b: coin puts and deletes, and the
 * matching address-index ('a') keys. Call stor_coins_written() once b is
 * durably written.
 */
void stor_coins_write(struct stor_coins *c, struct stor_batch *b);
/* Marks the changes written, then trims clean entries down to max_bytes. */
void stor_coins_written(struct stor_coins *c);

/* Approximate heap bytes held, and the number of unwritten changes. */
size_t stor_coins_memory(const struct stor_coins *c);
size_t stor_coins_dirty(const struct stor_coins *c);

#endif
