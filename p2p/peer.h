/*
 * Internal to p2p/: the peer and network structures shared by net.c
 * (connections, timers, bans) and handlers.c (one handler per message).
 */
#ifndef FLINT_P2P_PEER_H
#define FLINT_P2P_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "p2p/net.h"

struct bufferevent;
struct evconnlistener;
struct event;

#define P2P_MAX_IN_FLIGHT 32

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
	struct p2p_version ver;
	int score;
	uint64_t ping_nonce;         /* 0: none outstanding */
	int64_t ping_sent_us, last_ping_s, ping_usec;
	int64_t connected_at;        /* wall clock, for peer info */
	int64_t started_s;           /* monotonic */
	int64_t last_block_s;        /* when it last gave us a new block; 0 never */
	uint64_t bytes_sent, bytes_recv;
	bool has_best;
	uint8_t best[32];            /* most recent header it announced or sent */
	struct inflight inflight[P2P_MAX_IN_FLIGHT];
	int n_inflight;
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
	struct outbound *next;
};

struct ban {
	char ip[48];
	int64_t until;               /* wall clock */
	struct ban *next;
};

struct p2p_net {
	struct event_base *base;
	const struct cons_params *params;
	struct p2p_options o;
	struct p2p_chain chain;
	struct evconnlistener *listener;
	struct event *tick;
	struct event *reap;          /* frees closed peers soon after they close */
	struct peer *peers;
	struct outbound *outs;
	struct ban *bans;
	int next_id;
	uint64_t local_nonce;        /* detects connections to ourselves */
	bool active;
};

/* net.c */
int64_t p2p_mono_s(void);
int64_t p2p_mono_us(void);
void p2p_send(struct peer *p, const char *command, const uint8_t *payload, size_t len);
/* Closes the connection after pending output is sent (reason logged). */
void p2p_disconnect(struct peer *p, const char *reason);
/* Adds score; at the threshold the address is banned and the peer dropped. */
void p2p_misbehave(struct peer *p, int score, const char *reason);
void p2p_send_version(struct peer *p);
void p2p_send_getheaders(struct peer *p, const uint8_t *stop);
/* Requests blocks toward the peer's best header, within the in-flight bound. */
void p2p_fetch_blocks(struct peer *p);
bool p2p_in_flight_anywhere(const struct p2p_net *n, const uint8_t hash[32]);
#define plog(n, level, ...) do { if ((n)->o.log) (n)->o.log(level, __VA_ARGS__); } while (0)

/* Unlinks and frees an outbound slot (its peer, if any, is disconnected). */
void p2p_outbound_forget(struct p2p_net *n, struct outbound *ob);
bool p2p_is_banned(struct p2p_net *n, const char *ip);

/* handlers.c: dispatches one complete, checksummed message. */
void p2p_handle(struct peer *p, const char *command, const uint8_t *payload, size_t len);

#endif
