/*
 * Internal to p2p/: the peer and network structures shared by net.c
 * (connections, timers, bans), handlers.c (one handler per message) and
 * discovery.c (address gossip and automatic outbound connections).
 */
#ifndef FLINT_P2P_PEER_H
#define FLINT_P2P_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "p2p/addrman.h"
#include "p2p/net.h"

struct bufferevent;
struct evconnlistener;
struct event;

/* Headers a peer's low-work chain may hold in pre-sync (80 B each: 1.6 MB). */
#define P2P_PRESYNC_MAX 20000
/* Non-connecting headers messages that cost 20 misbehaviour each time (Core's count). */
#define P2P_MAX_UNCONNECTING 10

struct inflight {
	uint8_t hash[32];
	int64_t requested;           /* monotonic seconds */
};

struct outbound;

struct peer {
	struct p2p_net *net;
	int id;
	struct bufferevent *bev;
	char addr[64];               /* ip:port as text */
	char ip[48];
	bool inbound;
	bool connected;              /* TCP connection established */
	bool got_version, got_verack, handshaked;
	bool send_headers;
	bool closing;
	bool auto_out;               /* an automatic outbound connection from the address book */
	bool getaddr_sent;           /* we asked it for addresses; its next addr answers */
	bool getaddr_answered;       /* we answered its getaddr (once per connection) */
	uint64_t nonce;              /* our version nonce to it: finds connections to ourselves */
	struct p2p_netaddr remote;   /* its address and port as connected (IPv4-mapped) */
	int64_t addr_tokens;         /* addr entries it may still send, in thousandths */
	int64_t addr_tokens_us;      /* monotonic time of the last refill */
	struct p2p_version ver;
	int score;
	uint64_t ping_nonce;         /* 0: none outstanding */
	int64_t ping_sent_us, last_ping_s, ping_usec;
	int64_t connected_at;        /* wall clock, for peer info */
	int64_t started_s;           /* monotonic */
	int64_t last_block_s;        /* when it last gave us a new block; 0 never */
	uint64_t bytes_sent, bytes_recv;
	int64_t last_send, last_recv;  /* wall clock of the last whole message */
	int64_t time_offset;         /* its version's timestamp minus our clock */
	struct p2p_msg_bytes sent_per_msg[P2P_MSG_KINDS], recv_per_msg[P2P_MSG_KINDS];
	bool has_best;
	uint8_t best[32];            /* most recent header it announced or sent */
	struct inflight inflight[P2P_MAX_IN_FLIGHT];
	int n_inflight;
	/*
	 * A getdata being served: items [pos, n) wait while the send buffer is
	 * full (no other message is read meanwhile); [0, missing) collect the
	 * ones we lack, for one notfound. NULL when none.
	 */
	struct p2p_inv *getdata;
	size_t getdata_n, getdata_pos, getdata_missing;
	int64_t send_full_since;     /* monotonic s since its requests wait on a full send buffer; 0 not */
	int64_t send_progress_s;     /* while they wait: when its queue last shrank below send_low */
	size_t send_low;             /* the least queued for it since they began to wait */
	int unconnecting;            /* headers messages not connecting to anything we know, in a row */
	/*
	 * Headers of a chain with too little work to store yet (Bitcoin
	 * Core's headers pre-sync): kept here, at most P2P_PRESYNC_MAX, until
	 * the chain shows enough work or turns out short.
	 */
	struct cons_header *presync;
	size_t n_presync;
	struct outbound *ob;         /* the outbound slot this connection serves */
	struct peer *next;
};

struct outbound {
	char host[256];
	char port[8];
	struct peer *peer;           /* NULL while disconnected */
	int64_t next_try;            /* monotonic seconds */
	int backoff;
	bool once;                   /* addnode onetry: forgotten after its connection ends */
	bool fetch;                  /* a --seed: asked for addresses, then let go (Core's addr fetch) */
	bool self;                   /* it turned out to be ourselves: never dialled again */
	struct outbound *next;
};

struct ban {
	char ip[48];
	int64_t until;               /* wall clock */
	struct ban *next;
};

struct p2p_net {
	const struct p2p_peer_ops *ops;   /* how peers are reached: p2p_socket_ops but in tests */
	struct event_base *base;
	const struct cons_params *params;
	struct p2p_options o;
	struct p2p_chain chain;
	struct evconnlistener *listener;
	struct event *tick;
	struct event *reap;          /* frees closed peers soon after they close */
	struct event *resume;        /* accepting again after running out of descriptors */
	int64_t accept_warned_at;    /* monotonic: when that was last logged */
	struct peer *peers;
	struct outbound *outs;
	struct ban *bans;
	int next_id;
	bool active;
	uint64_t total_sent, total_recv;  /* every peer's bytes since start, gone ones too */
	/* discovery.c */
	struct p2p_addrman *addrs;   /* never NULL while the network runs */
	uint64_t addrs_saved;        /* p2p_addrman_changes at the last save */
	int64_t addrs_saved_at;      /* monotonic */
	int64_t seeds_asked_at;      /* monotonic: when the seeds were last asked (empty book) */
	bool has_listen_addr;
	struct p2p_netaddr listen_addr;  /* what we advertise: bind address and port */
	struct p2p_netaddr self_addrs[8];  /* addresses that turned out to be ourselves */
	int n_self;
};

/*
 * What the protocol (handlers.c, discovery.c, control.c) may do to a
 * peer's connection: the only way it reaches the wire. net.c's
 * p2p_socket_ops queues onto the peer's socket; a test sets its own ops
 * in p2p_net.ops and drives the handlers without any socket.
 */
struct p2p_peer_ops {
	/* Frames and queues one message to p (nothing once p is closing). */
	void (*send)(struct peer *p, const char *command, const uint8_t *payload, size_t len);
	/* Whether p's send buffer has reached max_send_buffer (its requests must wait). */
	bool (*send_full)(const struct peer *p);
	/* Closes the connection after pending output is sent (reason logged); sets p->closing. */
	void (*disconnect)(struct peer *p, const char *reason);
	/* Adds score; at the threshold the address is banned and the peer dropped. */
	void (*misbehave)(struct peer *p, int score, const char *reason);
};

/* The connections over sockets (net.c). */
extern const struct p2p_peer_ops p2p_socket_ops;

static inline void p2p_send(struct peer *p, const char *command, const uint8_t *payload,
			    size_t len)
{
	p->net->ops->send(p, command, payload, len);
}

static inline bool p2p_send_full(const struct peer *p)
{
	return p->net->ops->send_full(p);
}

static inline void p2p_disconnect(struct peer *p, const char *reason)
{
	p->net->ops->disconnect(p, reason);
}

static inline void p2p_misbehave(struct peer *p, int score, const char *reason)
{
	p->net->ops->misbehave(p, score, reason);
}

/* net.c */
int64_t p2p_mono_s(void);
int64_t p2p_mono_us(void);
void p2p_send_version(struct peer *p);
/*
 * Asks for headers after a locator that starts at the known header `from`
 * (NULL: our active tip), up to `stop` (NULL: as many as the peer sends).
 */
void p2p_send_getheaders(struct peer *p, const uint8_t *from, const uint8_t *stop);
/* Requests blocks toward the peer's best header, within the in-flight bound. */
void p2p_fetch_blocks(struct peer *p);
bool p2p_in_flight_anywhere(const struct p2p_net *n, const uint8_t hash[32]);
bool p2p_is_banned(struct p2p_net *n, const char *ip);
/* Dials a from our bind address as an automatic outbound peer; NULL if it cannot start. */
struct peer *p2p_dial_addr(struct p2p_net *n, const struct p2p_netaddr *a);
#define plog(n, level, ...) do { if ((n)->o.log) (n)->o.log(level, __VA_ARGS__); } while (0)

/*
 * An inbound peer on the connected socket fd (which it then owns), for
 * harnesses that drive the handlers without a listener: the fuzz target.
 * NULL if out of memory.
 */
struct peer *p2p_peer_adopt(struct p2p_net *n, int fd);

/* Unlinks and frees an outbound slot (its peer, if any, is disconnected). */
void p2p_outbound_forget(struct p2p_net *n, struct outbound *ob);
/*
 * A slot's handshake completed: its dial backoff starts again at 1 s, so a
 * connection lost after a long silent partition is redialled within
 * P2P_MAX_BACKOFF of the heal, not after a backoff grown while it was cut.
 */
void p2p_outbound_reached(struct outbound *ob);
/* The longest wait between dials of a persistent slot (seconds). */
#define P2P_MAX_BACKOFF 16

/* handlers.c: dispatches one complete, checksummed message. */
void p2p_handle(struct peer *p, const char *command, const uint8_t *payload, size_t len);
/* Serves p's queued getdata items until done or its send buffer is full. */
void p2p_serve_getdata(struct peer *p);

/* discovery.c */
/* Creates the address book and loads it from o.addrbook_path. 0, or -1 out of memory. */
int p2p_discovery_start(struct p2p_net *n);
/* Saves the address book and frees it. */
void p2p_discovery_stop(struct p2p_net *n);
/* The handshake with p completed: outbound peers are asked for addresses and told ours. */
void p2p_discovery_ready(struct peer *p);
/* p (handshaked) sent an addr message of n entries. */
void p2p_discovery_addr(struct peer *p, const struct p2p_addr_entry *a, size_t n);
/* Answers p's getaddr with a random sample of the book. */
void p2p_discovery_getaddr(struct peer *p);
/* p's connection turned out to be to ourselves: it is dropped and never dialled again. */
void p2p_discovery_self(struct peer *p);
/* p is being freed: an outbound peer that handshook was seen until now. */
void p2p_discovery_gone(struct peer *p);
/* Once a second: automatic outbound connections, and a save now and then. */
void p2p_discovery_tick(struct p2p_net *n, int64_t now_mono);

#endif
