/*
 * Test support: a network without sockets, for driving p2p/'s protocol
 * (handlers, discovery, policy) in unit tests. Its struct p2p_peer_ops
 * records every message, disconnect and misbehaviour instead of touching
 * a connection, and its struct p2p_chain answers from a few fields the test
 * sets. One fake network at a time; failures abort, as everywhere in
 * tests/support.
 */
#ifndef FLINT_TESTS_FAKENET_H
#define FLINT_TESTS_FAKENET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "p2p/peer.h"

#define FAKE_MAX_SENT 256
#define FAKE_MAX_HEADERS 16

struct fake_msg {
	int peer_id;
	char command[P2P_COMMAND_SIZE + 1];
	uint8_t *payload;            /* malloc'd copy (NULL when empty) */
	size_t len;
};

struct fakenet {
	struct p2p_net *n;           /* calloc'd: ops, params, options, chain, address book */
	struct fake_msg sent[FAKE_MAX_SENT];
	size_t n_sent;               /* messages "queued" since the last fakenet_clear */
	int full_after;              /* send_full once this many are queued; -1 never */
	int n_disconnects;
	char disconnect_reason[128]; /* the last one */
	int n_misbehave;
	char misbehave_reason[128];  /* the last one */
	/* The chain's answers. */
	struct cons_header headers[FAKE_MAX_HEADERS];  /* headers_after returns these */
	size_t n_headers;
	struct p2p_getheaders last_getheaders;         /* what headers_after was asked */
	int block_status;            /* for every hash */
	uint8_t missing[FAKE_MAX_HEADERS][32];         /* missing_blocks returns these */
	size_t n_missing;
	bool have_block[256];        /* read_block: indexed by hash[0] */
	enum cons_verdict tx_verdict;
	enum cons_reject tx_code;
	int n_accept_tx;
	bool is_ancestor;
};

/* The fake network with regtest parameters and default options (the one there is). */
struct fakenet *fakenet_new(void);
void fakenet_free(struct fakenet *f);
/* A peer from ip ("127.0.0.N"), inbound or not, not yet handshaked. */
struct peer *fakenet_peer(struct fakenet *f, const char *ip, bool inbound);
/* p's version and verack are taken as received. */
void fakenet_handshake(struct peer *p);
/* Forgets the recorded messages, disconnects and misbehaviour. */
void fakenet_clear(struct fakenet *f);
/* The index of the first message to peer p with command at or after from, or -1. */
int fakenet_find(const struct fakenet *f, const struct peer *p, const char *command, size_t from);
/* How many messages went to p with command. */
int fakenet_count(const struct fakenet *f, const struct peer *p, const char *command);

#endif
