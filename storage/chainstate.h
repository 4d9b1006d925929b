/*
 * The chain database: block bodies and the block index, and the chain state
 * they support (coin set, undo data, active-chain heights, tx and address
 * indexes, tip marker), in one LevelDB per chain (schema.h).
 *
 * Durability design. A block and its index record are written the moment
 * it is accepted for storage, unsynced; LevelDB appends every write to one
 * log, so the next synced write (the flush) makes them durable together
 * and a flushed tip never names a block that is not on disk. State
 * changes (connect or disconnect one block) go into the coin cache and a
 * pending batch; stor_chain_flush() writes all of them plus the tip marker
 * as one atomic, synced LevelDB write. A crash therefore leaves the state
 * exactly at the last flushed tip, and the node reconnects the stored
 * blocks above it at start-up: that replay is the whole of recovery. The
 * node flushes when the coin cache exceeds --dbcache, before a disconnect,
 * when it has no more blocks queued, and at shutdown.
 *
 * Owned by the node's event loop; not thread-safe. Reports errors into
 * caller buffers and prints nothing.
 */
#ifndef FLINT_STORAGE_CHAINSTATE_H
#define FLINT_STORAGE_CHAINSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/block.h"
#include "consensus/block_check.h"
#include "consensus/params.h"
#include "consensus/validation.h"

/* Block index status bits (stored; never renumber). */
enum {
	STOR_HAVE_DATA = 1,        /* the body is stored */
	STOR_VALID = 2,            /* connected successfully at least once */
	STOR_FAILED = 4,           /* this block broke a rule */
	STOR_FAILED_CHILD = 8,     /* an ancestor broke a rule */
};

/* One block index record, as stored under 'I' + hash. */
struct stor_index_rec {
	uint8_t hash[32];
	struct cons_header hdr;
	uint32_t height;
	uint32_t status;
	uint32_t n_tx;             /* 0 while header-only */
	uint64_t seq;              /* arrival order: equal work keeps the first */
};

struct stor_chain;
struct stor_coins;

/*
 * Opens the chain database in dir, creating it if missing; a database of
 * another schema version or chain is refused with a message naming the fix.
 * dbcache_bytes bounds the coin cache. 0, or -1 with err filled.
 */
int stor_chain_open(struct stor_chain **out, const char *dir, const struct cons_params *p,
		    size_t dbcache_bytes, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* Closes without flushing (call stor_chain_flush first); NULL is a no-op. */
void stor_chain_close(struct stor_chain *c);

/*
 * Stores a block body with its index record in one write, durable at the
 * next stor_chain_flush(). 0, or -1 with err filled.
 */
int stor_block_put(struct stor_chain *c, const struct cons_block *b,
		   const struct stor_index_rec *rec, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* Reads the body of hash into b (initialised). 1, 0 absent, -1 error/corrupt. */
int stor_block_get(struct stor_chain *c, const uint8_t hash[32], struct cons_block *b,
		   char *err, size_t errlen) __attribute__((warn_unused_result));
/*
 * Reads the stored bytes of block hash as they were written, for sending on
 * without a parse. Returns 1 with *raw (heap, owned by the caller, free()) and
 * *len set; 0 if absent; -1 with err on a read error or a header that does not
 * hash to hash.
 */
int stor_block_get_raw(struct stor_chain *c, uint8_t **raw, size_t *len, const uint8_t hash[32],
		       char *err, size_t errlen) __attribute__((warn_unused_result));
/* Writes (replaces) an index record, durable at the next flush. 0 / -1. */
int stor_index_put(struct stor_chain *c, const struct stor_index_rec *rec, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/*
 * Calls fn for every stored index record (in hash order). Stops and returns
 * -1 if fn does or a record is corrupt; 0 otherwise.
 */
int stor_index_load(struct stor_chain *c, int (*fn)(void *ctx, const struct stor_index_rec *rec),
		    void *ctx, char *err, size_t errlen) __attribute__((warn_unused_result));

/* The flushed tip marker: 1 with hash, 0 if the state is empty, -1 error. */
int stor_tip_get(struct stor_chain *c, uint8_t hash[32], char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * A scratch layer over the coin cache to connect one block in (reads fall
 * through to the cache and the database; nothing reaches the chain state
 * until stor_connect_commit). The node validates the block against it
 * (stor_coins_store gives consensus its view) and frees it with
 * stor_coins_free either way. NULL out of memory.
 */
struct stor_coins *stor_chain_layer(struct stor_chain *c) __attribute__((warn_unused_result));
/*
 * Records b, validated at height in layer with undo its spent coins, as the
 * new tip: merges layer into the coin cache and queues the undo data, the
 * height entry, the tx and address index entries and the tip marker for
 * the next flush. 0, or -1 with err filled, after which the cache may be
 * half-merged: the node must stop without flushing (recovery replays from
 * the last flush).
 */
int stor_connect_commit(struct stor_chain *c, struct stor_coins *layer, const struct cons_block *b,
			int64_t height, const struct cons_block_undo *undo, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/*
 * Disconnects b, the current tip at height, restoring the coins it spent
 * from its undo data and removing its outputs and index entries; the tip
 * becomes its parent. Flushes first if needed (undo data is read from the
 * database). 0, or -1 with err filled (missing or corrupt undo data).
 */
int stor_disconnect_block(struct stor_chain *c, const struct cons_block *b, int64_t height,
			  char *err, size_t errlen) __attribute__((warn_unused_result));

/* Writes every queued state change and the tip marker atomically, synced. */
int stor_chain_flush(struct stor_chain *c, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/*
 * Checks the last n blocks of the active chain against the coin set
 * without changing anything: blocks[0] must be the tip, blocks[i+1] the
 * parent of blocks[i]. Each block's undo data must exist and undoing it
 * must find every output it created unspent (Bitcoin Core's -checklevel 3).
 * 0, or -1 with err naming the first inconsistency.
 */
int stor_verify_recent(struct stor_chain *c, const struct cons_block *blocks, size_t n,
		       char *err, size_t errlen) __attribute__((warn_unused_result));

/* True when the coin cache is over its bound and a flush is due. */
bool stor_chain_flush_due(const struct stor_chain *c);

/* 1 and *coin if op is unspent in the current state, 0 if not, -1 error. */
int stor_coin_get(struct stor_chain *c, const struct cons_outpoint *op, struct cons_coin *coin);

/*
 * The whole flushed coin set's hash (SHA-256 over every coin key and value
 * in key order), its coin count and total value. Flush first for the
 * current state. 0 / -1.
 */
int stor_utxo_stats(struct stor_chain *c, uint8_t hash[32], uint64_t *count, int64_t *total,
		    char *err, size_t errlen) __attribute__((warn_unused_result));

/* Approximate bytes the database takes on disk. */
uint64_t stor_chain_disk_size(struct stor_chain *c);

/*
 * Index lookups. They read the flushed database: flush first for the
 * current state (the node does, before answering an index query).
 */
/* Where txid sits on the active chain: 1 with its block's hash and position, 0 if not indexed, -1 error. */
int stor_tx_locate(struct stor_chain *c, const uint8_t txid[32], uint8_t block[32], uint32_t *pos,
		   char *err, size_t errlen) __attribute__((warn_unused_result));
/*
 * Calls fn(ctx, height, txid) for every transaction that pays or spends pkh
 * at heights from..to (inclusive), in height order; a non-zero return from
 * fn stops early. 0 / -1 with err.
 */
int stor_addr_txids(struct stor_chain *c, const uint8_t pkh[20], int64_t from, int64_t to,
		    int (*fn)(void *ctx, int64_t height, const uint8_t txid[32]), void *ctx,
		    char *err, size_t errlen) __attribute__((warn_unused_result));
/* Calls fn for every unspent output paying pkh; early stop as above. 0 / -1 with err. */
int stor_addr_utxos(struct stor_chain *c, const uint8_t pkh[20],
		    int (*fn)(void *ctx, const struct cons_outpoint *op, const struct cons_coin *coin),
		    void *ctx, char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * The stale transaction index: where the transactions of disconnected
 * blocks can still be found. Storage only keeps it; the node decides what
 * to record. At most STOR_STALE_MAX transactions are remembered, the
 * oldest recorded forgotten first (a transaction recorded again moves to
 * the newest place). STOR_STALE_MAX must exceed the transactions of one
 * block (a 1 MB block holds under 17,000), so that the entries a record
 * forgets are always flushed ones.
 */
#define STOR_STALE_MAX 100000
/*
 * Queues, in the pending batch of the disconnect that just removed b (call
 * it right after stor_disconnect_block, before the next flush), that every
 * transaction of b is in block b, disconnected at time. 0, or -1 with err.
 */
int stor_stale_record(struct stor_chain *c, const struct cons_block *b, int64_t time,
		      char *err, size_t errlen) __attribute__((warn_unused_result));
/*
 * The flushed stale index's entry for txid: 1 with the block's hash and
 * the disconnection time, 0 if none, -1 error.
 */
int stor_stale_get(struct stor_chain *c, const uint8_t txid[32], uint8_t block[32],
		   int64_t *time, char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * Deletes the whole chain state (coins, undo, heights, indexes, tip) and
 * clears the VALID bit of every index record, keeping bodies and headers:
 * the first step of --reindex. 0 / -1.
 */
int stor_chain_wipe_state(struct stor_chain *c, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
