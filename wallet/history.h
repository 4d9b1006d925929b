/*
 * The wallet's memory of its transactions: every transaction it sent or
 * received, with the blocks it was seen in, kept in a sidecar file beside
 * the wallet file (<wallet>.history, JSON, written atomically, mode 0600),
 * so that a payment a reorganisation undid is still listed once the node's
 * address index forgets it. From what the node says of a transaction now
 * (struct wal_obs) and what the wallet remembers, wal_hist_classify() gives
 * its state, as Bitcoin Core's wallet counts them: confirmed (N), in the
 * mempool, returned to the mempool by a reorganisation, conflicted
 * (negative confirmations: minus the depth of the transaction that
 * replaced it), abandoned or dropped. Pure data and file I/O: no RPC, no
 * node/; the caller turns RPC answers into observations.
 */
#ifndef FLINT_WALLET_HISTORY_H
#define FLINT_WALLET_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/hmap.h"

/* Blocks remembered per transaction (the latest kept); txs remembered per wallet. */
#define WAL_HIST_BLOCKS 8
#define WAL_HIST_INPUTS 16
#define WAL_HIST_MAX 100000

enum wal_tx_state {
	WAL_TX_MEMPOOL,       /* never in a block, waiting in the node's mempool */
	WAL_TX_CONFIRMED,     /* in a block of the active chain */
	WAL_TX_RETURNED,      /* was in a block a reorganisation disconnected; back in the mempool */
	WAL_TX_CONFLICTED,    /* was in a block; an input is now spent by another tx */
	WAL_TX_ABANDONED,     /* never confirmed; an input is spent elsewhere */
	WAL_TX_DROPPED,       /* in neither chain nor mempool, its inputs unspent: can be resent */
};

struct wal_seen {
	char hash[65];
	int64_t height;
};

/* One remembered transaction. Amounts are base units; fee meaningful when fee_known. */
struct wal_hist_tx {
	char txid[65];
	int64_t net, fee;
	bool fee_known, coinbase;
	struct wal_seen blocks[WAL_HIST_BLOCKS];   /* oldest first */
	size_t n_blocks;
	char inputs[WAL_HIST_INPUTS][76];          /* "txid:n" of each input (up to the bound) */
	size_t n_inputs;
	/* Set by wal_hist_classify (not stored): */
	enum wal_tx_state state;
	int64_t confirmations;                     /* negative when conflicted */
	char conflict_txid[65], conflict_block[65];  /* "" when unknown */
	int64_t conflict_height;
};

struct wal_history {
	struct wal_hist_tx *v;
	size_t n, cap;
	struct util_hmap by_txid;    /* txid bytes -> index in v, plus one */
};

/* What the node says of a transaction now. */
enum wal_obs_kind { WAL_OBS_MISSING, WAL_OBS_MEMPOOL, WAL_OBS_ACTIVE, WAL_OBS_STALE };
struct wal_obs {
	enum wal_obs_kind kind;
	char block[65];            /* ACTIVE, STALE: the block holding it */
	int64_t height;            /* ACTIVE, STALE */
	int64_t confirmations;     /* ACTIVE */
	/* STALE: the active-chain tx spending one of its inputs, if the node found one. */
	char conflict_txid[65], conflict_block[65];
	int64_t conflict_height, conflict_confirmations;
	bool inputs_spent;         /* MISSING or STALE without conflict: an input is spent */
};

void wal_history_init(struct wal_history *h);
void wal_history_release(struct wal_history *h);
/*
 * Reads path into h (initialised); a missing file is an empty history.
 * 0, or -1 with err (unreadable, malformed).
 */
int wal_history_load(struct wal_history *h, const char *path, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* Writes h to path atomically, mode 0600. 0, or -1 with err. */
int wal_history_save(const struct wal_history *h, const char *path, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/*
 * The entry for txid, added (zeroed, txid set) if new; NULL if out of
 * memory or the history is at WAL_HIST_MAX. The pointer is valid until the
 * next call that adds.
 */
struct wal_hist_tx *wal_history_get(struct wal_history *h, const char *txid)
	__attribute__((warn_unused_result));
/* The entry for txid, or NULL. */
struct wal_hist_tx *wal_history_find(const struct wal_history *h, const char *txid);
/* Remembers that t was seen in block hash at height (once; the oldest forgotten past the bound). */
void wal_hist_seen(struct wal_hist_tx *t, const char *hash, int64_t height);
/*
 * Sets t's state, confirmations and conflict from o and what t remembers,
 * and remembers o's block. A tx the node finds nowhere whose inputs are
 * spent is conflicted if it was ever seen in a block, else abandoned.
 */
void wal_hist_classify(struct wal_hist_tx *t, const struct wal_obs *o);
/* The state's name in --json ("confirmed", "conflicted", ...). */
const char *wal_tx_state_name(enum wal_tx_state s);
/* A line for people: "confirmed (4)", "conflicted: double-spent by TXID in block H", ... */
void wal_hist_describe(char *out, size_t len, const struct wal_hist_tx *t);

#endif
