/*
 * Transactions in Bitcoin's legacy (pre-segwit) serialization, byte for byte:
 * version, inputs, outputs, locktime; txid = SHA-256d of that serialization.
 * Parsing is bounds-checked through struct cons_reader and never allocates
 * more than the input could describe. No validation here (see tx_check.h),
 * no I/O.
 */
#ifndef FLINT_CONSENSUS_TX_H
#define FLINT_CONSENSUS_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/serialize.h"

/* Bitcoin's MAX_SCRIPT_SIZE: no script may be longer. */
#define CONS_MAX_SCRIPT_SIZE 10000

struct cons_outpoint {
	uint8_t txid[32];
	uint32_t n;
};

/* A coinbase input's prevout is null: zero txid, index 0xffffffff. */
bool cons_outpoint_is_null(const struct cons_outpoint *op);
int cons_outpoint_cmp(const struct cons_outpoint *a, const struct cons_outpoint *b);

struct cons_txin {
	struct cons_outpoint prevout;
	uint8_t *script;        /* owned; NULL when script_len == 0 */
	size_t script_len;
	uint32_t sequence;
};

struct cons_txout {
	int64_t value;          /* base units; may be anything until checked */
	uint8_t *script;        /* owned; NULL when script_len == 0 */
	size_t script_len;
};

/*
 * Invariant after cons_tx_read() or cons_tx_finalize(): txid and size match
 * the current contents. Editing a transaction invalidates both until the
 * next cons_tx_finalize(). borrowed: in, out and the scripts belong to the
 * block the transaction was read with (cons_block_read's one allocation),
 * not to the transaction; release then only forgets them, and the builders
 * below first give it contents of its own. cons_tx_copy always gives an
 * owned copy.
 */
struct cons_tx {
	int32_t version;
	uint32_t locktime;
	size_t n_in, n_out;
	struct cons_txin *in;
	struct cons_txout *out;
	uint8_t txid[32];
	size_t size;            /* serialized bytes */
	bool borrowed;
};

void cons_tx_init(struct cons_tx *tx);
/* Frees what tx owns and re-initialises it. */
void cons_tx_release(struct cons_tx *tx);

/*
 * Reads one transaction from r into tx (initialised by the caller) and sets
 * txid and size. Returns 0, or -1 with r->err set (CONS_READ_NOMEM for an
 * allocation failure, anything else for malformed input); on -1 tx is
 * released.
 */
int cons_tx_read(struct cons_tx *tx, struct cons_reader *r) __attribute__((warn_unused_result));
/*
 * For cons_block_read, which reads a block's transactions without an
 * allocation each. cons_tx_scan: checks the next transaction in r as
 * cons_tx_read would, advancing past it, and gives its input and output
 * counts; 0, or -1 with r->err set. cons_tx_read_borrowed: reads it like
 * cons_tx_read into caller arrays in (n_in entries) and out (n_out), with
 * each script a view into r's bytes, which must be writable and outlive
 * tx; sets tx->borrowed, but leaves txid to the caller (a block hashes its
 * transactions two at a time, cons_sha256d_x2).
 */
int cons_tx_scan(struct cons_reader *r, size_t *n_in, size_t *n_out)
	__attribute__((warn_unused_result));
int cons_tx_read_borrowed(struct cons_tx *tx, struct cons_reader *r, struct cons_txin *in,
			  struct cons_txout *out) __attribute__((warn_unused_result));
/*
 * Parses exactly one transaction filling data (len bytes); trailing bytes are
 * an error. Returns 0, or -1 with *err (if not NULL) saying why.
 */
int cons_tx_parse(struct cons_tx *tx, enum cons_read_err *err, const uint8_t *data, size_t len)
	__attribute__((warn_unused_result));
/* Appends the serialization of tx to w. */
void cons_tx_write(struct cons_writer *w, const struct cons_tx *tx);
/* Recomputes txid and size from the contents. Returns 0, -1 out of memory. */
int cons_tx_finalize(struct cons_tx *tx) __attribute__((warn_unused_result));

/*
 * Builders: append an input or output, copying script (len bytes). Return
 * 0, or -1 out of memory (tx unchanged).
 */
int cons_tx_add_input(struct cons_tx *tx, const struct cons_outpoint *prevout,
		      const uint8_t *script, size_t len, uint32_t sequence)
	__attribute__((warn_unused_result));
int cons_tx_add_output(struct cons_tx *tx, int64_t value, const uint8_t *script, size_t len)
	__attribute__((warn_unused_result));
/* Replaces input i's scriptSig with a copy of script. 0, or -1 out of memory. */
int cons_tx_set_input_script(struct cons_tx *tx, size_t i, const uint8_t *script, size_t len)
	__attribute__((warn_unused_result));
/* Deep copy of src into dst (initialised). 0, or -1 out of memory. */
int cons_tx_copy(struct cons_tx *dst, const struct cons_tx *src) __attribute__((warn_unused_result));

bool cons_tx_is_coinbase(const struct cons_tx *tx);

#endif
