/*
 * Block headers and blocks in Bitcoin's serialization: an 80-byte header
 * (version, prev hash, merkle root, time, bits, nonce, little-endian), then a
 * CompactSize count and the transactions. Block hash = SHA-256d(header).
 * Also the merkle root, with Bitcoin's detection of the CVE-2012-2459
 * duplicate-subtree mutation. No validation here (see block_check.h), no I/O.
 */
#ifndef FLINT_CONSENSUS_BLOCK_H
#define FLINT_CONSENSUS_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/serialize.h"
#include "consensus/tx.h"

#define CONS_HEADER_SIZE 80

struct cons_header {
	int32_t version;
	uint8_t prev[32];
	uint8_t merkle[32];
	uint32_t time;
	uint32_t bits;
	uint32_t nonce;
};

void cons_header_serialize(uint8_t out[CONS_HEADER_SIZE], const struct cons_header *h);
/* Reads 80 bytes; on a short input r->err is set and h is zeroed. */
void cons_header_read(struct cons_header *h, struct cons_reader *r);
void cons_header_hash(uint8_t out[32], const struct cons_header *h);

/*
 * Invariant after cons_block_read(): hash and size match the contents.
 * A read block holds its transactions in one allocation, arena (the tx
 * array, their inputs and outputs, and a copy of their bytes that scripts
 * are views into; each tx is borrowed, see tx.h), so reading allocates
 * once per block, not per transaction. A built block has arena NULL.
 */
struct cons_block {
	struct cons_header hdr;
	size_t n_tx;
	struct cons_tx *tx;     /* owned array of n_tx transactions (may be in arena) */
	uint8_t hash[32];
	size_t size;            /* serialized bytes */
	void *arena;            /* owned; NULL unless read */
};

void cons_block_init(struct cons_block *b);
void cons_block_release(struct cons_block *b);
/*
 * Reads one block from r into b (initialised). Returns 0, or -1 with r->err
 * set (CONS_READ_NOMEM for allocation failure); on -1 b is released.
 */
int cons_block_read(struct cons_block *b, struct cons_reader *r) __attribute__((warn_unused_result));
/* Parses exactly one block filling data; *err (if not NULL) says why on -1. */
int cons_block_parse(struct cons_block *b, enum cons_read_err *err, const uint8_t *data, size_t len)
	__attribute__((warn_unused_result));
void cons_block_write(struct cons_writer *w, const struct cons_block *b);
/* Appends tx to b, taking ownership of its contents (tx is re-initialised). */
int cons_block_append_tx(struct cons_block *b, struct cons_tx *tx) __attribute__((warn_unused_result));
/* Recomputes the merkle root into the header, then hash and size. 0 / -1 OOM. */
int cons_block_finalize(struct cons_block *b) __attribute__((warn_unused_result));

/*
 * Merkle root of n (>= 1) leaf hashes as Bitcoin computes it (the last hash
 * of an odd level is paired with itself). *mutated is set when some level
 * has two equal adjacent hashes: a different tx list with the same root
 * exists, so the root alone does not commit to this list. Returns 0, or -1
 * out of memory. n == 0 gives a zero root.
 */
int cons_merkle_root(uint8_t root[32], bool *mutated, const uint8_t (*leaves)[32], size_t n)
	__attribute__((warn_unused_result));
/* Merkle root of b's txids. 0, or -1 out of memory. */
int cons_block_merkle_root(uint8_t root[32], bool *mutated, const struct cons_block *b)
	__attribute__((warn_unused_result));

#endif
