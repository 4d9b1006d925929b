/*
 * The on-disk schema of a Flint chain database: one LevelDB per chain, keys
 * distinguished by a one-byte prefix. Every multi-byte number inside a key
 * is big-endian so that LevelDB's byte order is numeric order.
 *
 *   'V'                          -> u32 schema version (STOR_SCHEMA_VERSION)
 *   'B' hash[32]                 -> block, Bitcoin serialization
 *   'I' hash[32]                 -> block index record (struct stor_index_rec)
 *   'H' height[4]                -> hash of the active chain's block at height
 *   'C' txid[32] n[4]            -> unspent output (struct cons_coin, 33 bytes)
 *   'U' hash[32]                 -> undo data of a connected block
 *   'X' txid[32]                 -> tx index: block hash[32] + position u32
 *   'A' pkh[20] height[4] txid[32] -> address index: a tx touching pkh (empty value)
 *   'a' pkh[20] txid[32] n[4]    -> address unspent output: value i64, height u32
 *   'T'                          -> chain tip marker: hash of the block the
 *                                   coin set and indexes reflect
 *   'G'                          -> genesis hash: which chain this database holds
 *   'S'                          -> stale tx index: u64 next sequence number
 *   'S' txid[32]                 -> stale tx index: hash[32] of the side-branch block
 *                                   holding txid, u64 time it was disconnected, u64 seq
 *   's' seq[8]                   -> txid[32]: the stale index's order, to forget the
 *                                   oldest entry beyond STOR_STALE_MAX
 *
 * Values use Bitcoin-style little-endian integers. This header only
 * describes bytes; it does no I/O.
 */
#ifndef FLINT_STORAGE_SCHEMA_H
#define FLINT_STORAGE_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "consensus/tx.h"
#include "consensus/tx_check.h"
#include "consensus/block_check.h"

#define STOR_SCHEMA_VERSION 1

#define STOR_KEY_VERSION 'V'
#define STOR_KEY_BLOCK 'B'
#define STOR_KEY_INDEX 'I'
#define STOR_KEY_HEIGHT 'H'
#define STOR_KEY_COIN 'C'
#define STOR_KEY_UNDO 'U'
#define STOR_KEY_TXINDEX 'X'
#define STOR_KEY_ADDRTX 'A'
#define STOR_KEY_ADDRUTXO 'a'
#define STOR_KEY_TIP 'T'
#define STOR_KEY_GENESIS 'G'
#define STOR_KEY_STALE 'S'
#define STOR_KEY_STALE_SEQ 's'

#define STOR_COIN_KEY_LEN 37
#define STOR_COIN_VAL_LEN 33

/* Key of an unspent output: 'C' txid n(BE). */
void stor_coin_key(uint8_t key[STOR_COIN_KEY_LEN], const struct cons_outpoint *op);
void stor_coin_encode(uint8_t val[STOR_COIN_VAL_LEN], const struct cons_coin *c);
/* Returns 0, or -1 if val is not a coin record. */
int stor_coin_decode(struct cons_coin *c, const uint8_t *val, size_t len)
	__attribute__((warn_unused_result));

/* Index record value: header(80) height(4) status(4) n_tx(4) seq(8), LE. */
#define STOR_INDEX_VAL_LEN 100
struct stor_index_rec;
void stor_index_encode(uint8_t val[STOR_INDEX_VAL_LEN], const struct stor_index_rec *rec);
/* Decodes a record stored under hash; -1 if malformed or the header does not hash to it. */
int stor_index_decode(struct stor_index_rec *rec, const uint8_t hash[32], const uint8_t *val,
		      size_t len) __attribute__((warn_unused_result));

/* Undo record: u32 count, then per spent coin: outpoint(36) coin(33) tx(4) in(4). */
#define STOR_UNDO_ITEM_LEN 77
/* Encodes u into a malloc'd buffer (*len bytes). 0, or -1 out of memory. */
int stor_undo_encode(uint8_t **out, size_t *len, const struct cons_block_undo *u)
	__attribute__((warn_unused_result));
/* Decodes into u (initialised). 0, or -1 if malformed or out of memory. */
int stor_undo_decode(struct cons_block_undo *u, const uint8_t *val, size_t len)
	__attribute__((warn_unused_result));

static inline void stor_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline uint32_t stor_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
