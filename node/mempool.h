/*
 * The memory pool: valid transactions waiting for a block. A transaction
 * is accepted only if it is valid against the chain tip plus the pool
 * (chains of unconfirmed transactions are allowed), spends nothing another
 * pool transaction spends (no replacement), and pays at least the minimum
 * relay fee rate. Unconfirmed chains are bounded as Bitcoin Core bounds
 * them (ancestors and descendants, by count and by size: see
 * doc/mempool.md). The pool is bounded in estimated memory; when full, the
 * package with the lowest descendant fee rate leaves first, whole. These
 * are local policy, so they live in node/, not consensus/. Owned by the
 * event loop.
 */
#ifndef FLINT_NODE_MEMPOOL_H
#define FLINT_NODE_MEMPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <secp256k1.h>

#include "consensus/block.h"
#include "consensus/params.h"
#include "consensus/tx_check.h"
#include "consensus/validation.h"

/* Extra reject codes of policy, beyond consensus's. */
enum node_mempool_reject {
	NODE_MP_OK = 0,
	NODE_MP_DUPLICATE,          /* txn-already-in-mempool */
	NODE_MP_CONFLICT,           /* txn-mempool-conflict */
	NODE_MP_LOW_FEE,            /* min relay fee not met */
	NODE_MP_FULL,               /* mempool full */
	NODE_MP_COINBASE,           /* coinbase */
	NODE_MP_CONSENSUS,          /* see the cons_state */
	NODE_MP_CHAIN_LIMIT,        /* too-long-mempool-chain */
};

/* Bitcoin Core's defaults; its 101 kvB equal bytes here (legacy txs, a 1 MB block as Core's). */
#define NODE_MP_ANCESTOR_COUNT 25
#define NODE_MP_ANCESTOR_SIZE 101000
#define NODE_MP_DESCENDANT_COUNT 25
#define NODE_MP_DESCENDANT_SIZE 101000

/* Chain limits, each counting the transaction itself (Core's -limitancestorcount, ...). */
struct node_mempool_limits {
	size_t ancestor_count, ancestor_size;
	size_t descendant_count, descendant_size;
};

struct node_mempool_view {
	/* The chain's coins (1 found, 0 not, -1 error) and the tip it reflects. */
	void *ctx;
	int (*get_coin)(void *ctx, const struct cons_outpoint *op, struct cons_coin *coin);
	int64_t tip_height;
	int64_t tip_mtp;             /* median time past of the tip */
};

struct node_mempool_entry {
	struct cons_tx tx;
	int64_t fee;
	int64_t time;                /* when it entered */
	int64_t height;              /* the chain's height then */
	uint64_t seq;
	/*
	 * Its in-pool parents (each once) and children, as pool entries; valid
	 * until the pool next changes.
	 */
	struct node_mempool_entry **parents, **children;
	size_t n_parents, n_children;
};

struct node_mempool;

/*
 * max_bytes bounds the memory the pool's entries take (node_mempool_usage);
 * min_fee_rate is base units per 1000 bytes. Limits start at Core's
 * defaults (NODE_MP_ANCESTOR_COUNT, ...).
 */
struct node_mempool *node_mempool_new(const struct cons_params *p, size_t max_bytes,
				      int64_t min_fee_rate)
	__attribute__((warn_unused_result));
void node_mempool_free(struct node_mempool *mp);
/* Replaces the chain limits for transactions accepted from now on. */
void node_mempool_set_limits(struct node_mempool *mp, const struct node_mempool_limits *l);

/*
 * Validates tx against view plus the pool and adds a copy. Returns the
 * consensus verdict in st (CONS_INVALID with CONS_REJ_TX_MISSING_INPUTS for
 * an orphan) and the policy outcome in *why (may be NULL). secp verifies.
 */
enum cons_verdict node_mempool_accept(struct node_mempool *mp, const secp256k1_context *secp,
				      const struct node_mempool_view *view,
				      const struct cons_tx *tx, int64_t now,
				      enum node_mempool_reject *why, struct cons_state *st);
const char *node_mempool_reject_str(enum node_mempool_reject r);

/*
 * For tests and benchmarks only: adds tx with fee, checking nothing and
 * applying no limit nor the size bound, to build shapes the limits
 * forbid. Its in-pool parents and children are linked as on acceptance.
 * Costs O(in-pool ancestors), or O(1) for a tx whose only in-pool relative
 * is one child. 0, or -1 out of memory (or tx already there).
 */
int node_mempool_add_unchecked(struct node_mempool *mp, const struct cons_tx *tx, int64_t fee,
			       int64_t now) __attribute__((warn_unused_result));

/* A block was connected: drop its transactions and whatever conflicts with them. */
void node_mempool_remove_block(struct node_mempool *mp, const struct cons_block *b);
/*
 * After a reorg (once the abandoned blocks' txs are offered back): removes,
 * with its descendants, every entry spending an output that is neither in
 * the pool nor a coin of view (a parent that did not come back, a coin the
 * new branch spent), or a coinbase output no longer mature. Costs a coin
 * lookup per input from outside the pool. Returns how many entries left.
 */
size_t node_mempool_remove_unspendable(struct node_mempool *mp, const struct node_mempool_view *view);
/* Removes one transaction and every descendant. Returns how many left. */
size_t node_mempool_remove(struct node_mempool *mp, const uint8_t txid[32]);

const struct node_mempool_entry *node_mempool_get(const struct node_mempool *mp,
						  const uint8_t txid[32]);
size_t node_mempool_count(const struct node_mempool *mp);
/* Serialized bytes of the transactions held. */
size_t node_mempool_bytes(const struct node_mempool *mp);
/* Estimated memory the entries take (transactions, maps, links): what max_bytes bounds. */
size_t node_mempool_usage(const struct node_mempool *mp);
/*
 * The entry's descendant package (itself and every in-pool descendant):
 * count, serialized bytes and fees. Any of the outputs may be NULL.
 */
void node_mempool_descendants(const struct node_mempool_entry *e, size_t *count, size_t *size,
			      int64_t *fee);
/*
 * Entries in arrival order (parents before children, but for a parent a
 * reorg returned after its children); for templates, relay, RPC.
 */
void node_mempool_foreach(const struct node_mempool *mp,
			  void (*fn)(void *ctx, const struct node_mempool_entry *e), void *ctx);
/* True if some pool transaction spends op. */
bool node_mempool_spends(const struct node_mempool *mp, const struct cons_outpoint *op);

/*
 * Persistence: writes every transaction (arrival order) to path atomically
 * (temp file, fsync, rename), and reads such a file back. 0 / -1.
 */
int node_mempool_save(const struct node_mempool *mp, const char *path)
	__attribute__((warn_unused_result));
/* Reads path into a malloc'd array of transactions (*txs, *n); caller releases each. */
int node_mempool_load_file(const char *path, struct cons_tx **txs, size_t *n)
	__attribute__((warn_unused_result));

#endif
