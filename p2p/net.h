/*
 * The peer-to-peer network: libevent TCP connections, Bitcoin framing,
 * handshake, keep-alive, headers-first sync, block gossip, address gossip
 * with a persisted address book and automatic outbound connections,
 * misbehaviour scores and bans. It reaches chain state only through struct p2p_chain,
 * the narrow interface the node gives it, and knows nothing of storage.
 * Runs on the caller's event loop; not thread-safe.
 */
#ifndef FLINT_P2P_NET_H
#define FLINT_P2P_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/block.h"
#include "consensus/params.h"
#include "consensus/validation.h"
#include "p2p/protocol.h"

struct event_base;

/* What the network may ask of the node. Every hash is in internal byte order. */
struct p2p_chain {
	void *ctx;
	int64_t (*tip_height)(void *ctx);
	/*
	 * Writes a block locator into hashes, starting at the known header
	 * `from` (NULL or unknown: the active tip) and walking back through its
	 * ancestors; returns how many (<= P2P_MAX_LOCATOR).
	 */
	size_t (*locator)(void *ctx, const uint8_t *from, uint8_t (*hashes)[32]);
	/* Active-chain headers after the locator's fork point, up to stop; at most max. */
	size_t (*headers_after)(void *ctx, const struct p2p_getheaders *g, struct cons_header *out,
				size_t max);
	/* Accepts a header into the index (CONS_REJ_PREV_MISSING if its parent is unknown). */
	enum cons_verdict (*accept_header)(void *ctx, const struct cons_header *h,
					   struct cons_state *st);
	/*
	 * Checks headers h[0..n) before any is stored (see
	 * node_chain_check_headers: h[0]'s parent must be known; the first
	 * skip were checked by an earlier call): how many passed, and whether
	 * their chain has the work that makes them worth storing.
	 */
	enum cons_verdict (*check_headers)(void *ctx, const struct cons_header *h, size_t n,
					   size_t skip, size_t *n_ok, bool *enough,
					   struct cons_state *st);
	/*
	 * Accepts a block, taking its contents; *new_tip tells whether the tip
	 * moved. A block nobody asked for with less work than the tip is
	 * dropped (CONS_VALID, not stored).
	 */
	enum cons_verdict (*accept_block)(void *ctx, struct cons_block *b, bool *new_tip,
					  struct cons_state *st);
	/* 0 unknown, 1 header only, 2 body stored, -1 known invalid. */
	int (*block_status)(void *ctx, const uint8_t hash[32]);
	/* Whether the known header anc is desc or one of its ancestors. */
	bool (*is_ancestor)(void *ctx, const uint8_t anc[32], const uint8_t desc[32]);
	/*
	 * Blocks to fetch towards the known header `best`: its ancestors
	 * lacking a body, oldest first, within a download window above the
	 * lowest one missing; at most max.
	 */
	size_t (*missing_blocks)(void *ctx, const uint8_t best[32], uint8_t (*out)[32], size_t max);
	/* The serialized block, malloc'd. 0, or -1 if not stored. */
	int (*read_block)(void *ctx, const uint8_t hash[32], uint8_t **raw, size_t *len);
	/*
	 * Offers a transaction to the mempool. CONS_VALID: accepted (and any
	 * orphans it frees are handled by the node). CONS_INVALID with a
	 * consensus code blames the sender; with CONS_REJ_NONE it was refused
	 * by local policy (duplicate, conflict, fee), no one's fault.
	 */
	enum cons_verdict (*accept_tx)(void *ctx, const struct cons_tx *tx, struct cons_state *st);
	bool (*have_tx)(void *ctx, const uint8_t txid[32]);
	/* The serialized mempool transaction, malloc'd. 0, or -1 if not there. */
	int (*read_tx)(void *ctx, const uint8_t txid[32], uint8_t **raw, size_t *len);
	/* Txids of the mempool, at most max (for the "mempool" message). */
	size_t (*mempool_txids)(void *ctx, uint8_t (*out)[32], size_t max);
};

#define P2P_MAX_SEEDS 16

struct p2p_options {
	uint16_t port;               /* listening port */
	bool listen;
	char bind[64];               /* address to listen on */
	int max_inbound;
	/* Automatic outbound connections from the address book (0: only the
	 * peers added with p2p_net_add_peer, as Bitcoin Core's -connect). */
	int max_outbound;
	int max_per_ip;              /* inbound connections from one address */
	int64_t ban_seconds;
	int ban_threshold;           /* misbehaviour score that bans */
	int handshake_timeout;       /* seconds */
	int ping_interval;
	int ping_timeout;
	int stall_timeout;           /* seconds a requested block may take */
	int max_in_flight;           /* blocks requested from one peer at a time */
	/*
	 * Bytes queued for a peer above which its requests wait until it reads
	 * (Bitcoin Core's -maxsendbuffer); a peer whose queue, while they
	 * wait, does not shrink for send_timeout seconds, or reaches twice
	 * the limit, is dropped.
	 */
	size_t max_send_buffer;
	int send_timeout;
	/*
	 * "IP:PORT" to advertise as ours instead of bind:port (Bitcoin Core's
	 * -externalip): where peers should dial us, e.g. a relay in front.
	 * Empty: bind:port, when listening.
	 */
	char external[64];
	/* Addresses "IP:PORT" put in an empty address book at start (Core's fixed seeds). */
	char seeds[P2P_MAX_SEEDS][64];
	int n_seeds;
	char banlist_path[640];      /* where bans persist; empty: not persisted */
	char addrbook_path[640];     /* where the address book persists; empty: not persisted */
	const char *user_agent;
	/* Where the network reports what it did (p2p/ itself prints nothing). */
	void (*log)(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
};

/* Levels passed to p2p_options.log, matching the node's. */
enum { P2P_LOG_ERROR, P2P_LOG_WARN, P2P_LOG_INFO, P2P_LOG_DEBUG };

void p2p_options_default(struct p2p_options *o, const struct cons_params *p);

/*
 * Parses "a.b.c.d:port", or "a.b.c.d" with default_port, into a (services
 * NODE_NETWORK). 0, or -1 for anything else (0.0.0.0 and port 0 included).
 */
int p2p_netaddr_parse(struct p2p_netaddr *a, const char *text, uint16_t default_port)
	__attribute__((warn_unused_result));

struct p2p_net;

/*
 * Starts the network on base; listening if o->listen. Returns NULL with err
 * filled (for example, the port is in use).
 */
struct p2p_net *p2p_net_new(struct event_base *base, const struct cons_params *p,
			    const struct p2p_options *o, const struct p2p_chain *chain,
			    char *err, size_t errlen) __attribute__((warn_unused_result));
/* Closes every connection and frees; NULL is a no-op. */
void p2p_net_free(struct p2p_net *n);

/* Adds an outbound peer "host:port", reconnected with backoff while it fails. */
int p2p_net_add_peer(struct p2p_net *n, const char *hostport, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* Tells peers about a new tip (headers to sendheaders peers, inv to others). */
void p2p_net_announce_block(struct p2p_net *n, const struct cons_header *h, const uint8_t hash[32]);
/* Tells peers (but the one it came from, if from_peer > 0) about a new transaction. */
void p2p_net_announce_tx(struct p2p_net *n, const uint8_t txid[32], int from_peer);
/* Turns all networking off and on (setnetworkactive). */
void p2p_net_set_active(struct p2p_net *n, bool active);

/* Blocks requested from one peer at a time, at most (p2p_options.max_in_flight is lower). */
#define P2P_MAX_IN_FLIGHT 32
/* Message commands whose bytes are counted apart per peer; the rest add up as "*other*". */
#define P2P_MSG_KINDS 24

/* Bytes of one command's messages, header included (Bitcoin Core's *_per_msg). */
struct p2p_msg_bytes {
	char command[P2P_COMMAND_SIZE + 1];   /* empty: unused slot */
	uint64_t bytes;
};

/* Peer information for getpeerinfo and metrics. */
struct p2p_peer_info {
	int id;
	char addr[64];
	bool inbound;
	bool handshaked;
	int version;
	char user_agent[P2P_MAX_UA + 1];
	int32_t start_height;
	int misbehaviour;
	int64_t ping_usec;           /* last round trip, -1 if none */
	uint64_t bytes_sent, bytes_recv;
	int64_t connected_at;
	int in_flight;
	uint8_t in_flight_hash[P2P_MAX_IN_FLIGHT][32];  /* the first in_flight are requested */
	bool has_best;
	uint8_t best[32];            /* the last header it announced or sent, if has_best */
	uint64_t services;           /* from its version message */
	bool relay;                  /* its version's relay flag: it wants transactions */
	int64_t time_offset;         /* its version's timestamp minus our clock then */
	int64_t last_send, last_recv;  /* wall clock of the last whole message; 0 none */
	char addr_bind[64];          /* our end of the connection, ip:port */
	const char *conn_type;       /* "inbound", "manual" or "outbound-full-relay" */
	struct p2p_msg_bytes sent_per_msg[P2P_MSG_KINDS], recv_per_msg[P2P_MSG_KINDS];
};
/* Fills at most max entries; returns the number of connected peers. */
size_t p2p_net_peers(const struct p2p_net *n, struct p2p_peer_info *out, size_t max);
/* Bytes of whole messages received and sent since start, over all peers past and present. */
void p2p_net_totals(const struct p2p_net *n, uint64_t *recv, uint64_t *sent);

struct p2p_ban_info {
	char addr[64];
	int64_t until;
};
size_t p2p_net_bans(const struct p2p_net *n, struct p2p_ban_info *out, size_t max);
/* The longest ban, in seconds (100 years): ban ends stay far from overflowing int64_t. */
#define P2P_BAN_MAX_SECONDS (100LL * 365 * 86400)
/*
 * setban add/remove for an IP address (no port); seconds 0 means the
 * default ban time, and must be 0..P2P_BAN_MAX_SECONDS. 0, or -1 with err.
 */
int p2p_net_ban(struct p2p_net *n, const char *ip, int64_t seconds, char *err, size_t errlen)
	__attribute__((warn_unused_result));
int p2p_net_unban(struct p2p_net *n, const char *ip, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* ---- operator control (control.c), for addnode, disconnectnode and friends ---- */
/* True if hostport is a persistent outbound slot (--connect or addnode add). */
bool p2p_net_has_peer(struct p2p_net *n, const char *hostport);
/* Drops the outbound slot for hostport and its connection. 0, or -1 with err. */
int p2p_net_remove_peer(struct p2p_net *n, const char *hostport, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* addnode onetry: one attempt, or an immediate retry of an existing slot. */
int p2p_net_connect_once(struct p2p_net *n, const char *hostport, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* Disconnects the peer at addr ("ip:port"), or with id when addr is NULL. */
int p2p_net_disconnect(struct p2p_net *n, const char *addr, int id, char *err, size_t errlen)
	__attribute__((warn_unused_result));
bool p2p_net_is_active(const struct p2p_net *n);
void p2p_net_clear_bans(struct p2p_net *n);

#endif
