/*
 * The address book: listening addresses of peers, learned from addr
 * gossip and from our own connections, with when each was last heard of,
 * last tried and last reached, and how many dials have failed since.
 * Bounded: when full, the entry that is oldest (failures age an entry by a
 * day each) makes room, found through a heap, so every operation is
 * O(log n) or O(1) except a sample, which is O(size). Persisted to one
 * versioned, checksummed file written atomically.
 *
 * Pure bookkeeping over struct p2p_netaddr: no sockets, no event loop, no
 * logging (errors come back in a caller's buffer). Only IPv4 addresses
 * (IPv4-mapped) are kept, since that is all the network dials. Not
 * thread-safe.
 */
#ifndef FLINT_P2P_ADDRMAN_H
#define FLINT_P2P_ADDRMAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "p2p/protocol.h"

#define P2P_ADDRMAN_MAX 4096
/* An address claimed to be seen further ahead than this is ignored (Bitcoin's 10 min). */
#define P2P_ADDR_FUTURE_SLACK 600

/* What the book knows of one address. All times are wall-clock seconds, 0 never. */
struct p2p_addrinfo {
	struct p2p_netaddr addr;
	int64_t seen;                /* last heard of: gossip time or our own connection */
	int64_t last_try;            /* last dial */
	int64_t last_success;        /* last completed handshake */
	int failures;                /* dials since the last success */
};

struct p2p_addrman;

/* An empty book of at most capacity (>= 1) entries; NULL when out of memory. */
struct p2p_addrman *p2p_addrman_new(size_t capacity) __attribute__((warn_unused_result));
/* NULL is a no-op. */
void p2p_addrman_free(struct p2p_addrman *m);
size_t p2p_addrman_count(const struct p2p_addrman *m);
/* Bumped by every change, so a caller knows when the book needs saving. */
uint64_t p2p_addrman_changes(const struct p2p_addrman *m);

/* Whether a could be dialled at all: IPv4, not 0.0.0.0/8, multicast or reserved, port set. */
bool p2p_addr_routable(const struct p2p_netaddr *a);

/*
 * Learns that a was seen at time seen (from gossip or a connection), at
 * wall-clock now. Returns 1 if a is new or its time moved forward (news
 * worth relaying), 0 if nothing changed, -1 if refused: not routable,
 * seen more than P2P_ADDR_FUTURE_SLACK ahead of now, or out of memory.
 * A full book drops its oldest entry to make room.
 */
int p2p_addrman_add(struct p2p_addrman *m, const struct p2p_netaddr *a, int64_t seen, int64_t now);
/* The entry for a (same IP and port), or NULL; valid until the next change. */
const struct p2p_addrinfo *p2p_addrman_find(const struct p2p_addrman *m, const struct p2p_netaddr *a);
/* A dial of a starts now: counts as a failure until p2p_addrman_good (no-op if unknown). */
void p2p_addrman_attempt(struct p2p_addrman *m, const struct p2p_netaddr *a, int64_t now);
/* A handshake with a completed: adds a if needed, clears its failures. */
void p2p_addrman_good(struct p2p_addrman *m, const struct p2p_netaddr *a, int64_t now);
/* Forgets a (it turned out to be ourselves); no-op if unknown. */
void p2p_addrman_remove(struct p2p_addrman *m, const struct p2p_netaddr *a);

/*
 * Bitcoin's IsTerrible: not worth sharing or dialling. Seen in the future,
 * not heard of for 30 days, 3 failures and never reached, or 10 failures
 * and not reached for a week. An entry tried in the last minute is never
 * terrible.
 */
bool p2p_addrinfo_terrible(const struct p2p_addrinfo *e, int64_t now);

/*
 * Fills out with a uniformly random sample of at most max entries that are
 * not terrible (for a getaddr answer), each with its seen time. Returns
 * how many.
 */
size_t p2p_addrman_sample(struct p2p_addrman *m, struct p2p_addr_entry *out, size_t max,
			  int64_t now);

/*
 * Picks an address to dial: not terrible, past its retry delay (which
 * doubles with each failure, up to ten minutes), and not refused by
 * skip(ctx, addr) (connected already, banned, ourselves). Starts at a
 * random entry. Returns 0 with *out set, or -1 if none qualifies.
 */
int p2p_addrman_select(struct p2p_addrman *m, struct p2p_netaddr *out, int64_t now,
		       bool (*skip)(void *ctx, const struct p2p_netaddr *a), void *ctx)
	__attribute__((warn_unused_result));

/*
 * Writes the book to path (a temporary file, fsync, rename), tagged with
 * the network's magic. 0, or -1 with err.
 */
int p2p_addrman_save(const struct p2p_addrman *m, const char *path, const uint8_t magic[4],
		     char *err, size_t errlen) __attribute__((warn_unused_result));
/*
 * Adds the entries saved in path. Returns how many were loaded (0 if there
 * is no file), or -1 with err if the file is unreadable, of another
 * version or network, truncated or fails its checksum: nothing is loaded
 * then.
 */
int p2p_addrman_load(struct p2p_addrman *m, const char *path, const uint8_t magic[4],
		     char *err, size_t errlen) __attribute__((warn_unused_result));

/* "a.b.c.d:port" for an IPv4-mapped address ("?" otherwise); buf of at least 64 bytes. */
const char *p2p_netaddr_str(const struct p2p_netaddr *a, char *buf, size_t len);

#endif
