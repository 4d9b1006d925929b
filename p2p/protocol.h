/*
 * Bitcoin's P2P wire format: the 24-byte frame header (magic, command,
 * payload length, checksum) and the payloads Flint speaks, with Bitcoin's
 * layouts and limits. Pure encoding and decoding: no sockets, no state.
 * A decoder returns 0, or -1 for a malformed payload (the sender is to
 * blame), never touching memory past its input.
 */
#ifndef FLINT_P2P_PROTOCOL_H
#define FLINT_P2P_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/block.h"
#include "consensus/serialize.h"

#define P2P_HEADER_SIZE 24
#define P2P_COMMAND_SIZE 12
/* Bitcoin's MAX_PROTOCOL_MESSAGE_LENGTH. */
#define P2P_MAX_PAYLOAD (4u * 1000u * 1000u)
#define P2P_PROTOCOL_VERSION 70016
#define P2P_MIN_VERSION 70001
#define P2P_MAX_INV 50000
#define P2P_MAX_HEADERS 2000
#define P2P_MAX_ADDR 1000
#define P2P_MAX_LOCATOR 101
#define P2P_MAX_UA 256
#define P2P_NODE_NETWORK 1u

enum p2p_inv_type { P2P_INV_TX = 1, P2P_INV_BLOCK = 2 };

enum p2p_frame_status {
	P2P_FRAME_OK = 0,
	P2P_FRAME_BAD_MAGIC,        /* another network, or garbage */
	P2P_FRAME_BAD_COMMAND,      /* not NUL-padded printable ASCII */
	P2P_FRAME_OVERSIZE,         /* length above P2P_MAX_PAYLOAD */
	P2P_FRAME_BAD_CHECKSUM,
};

struct p2p_frame {
	char command[P2P_COMMAND_SIZE + 1];
	uint32_t length;
	uint8_t checksum[4];
};

/* Parses a frame header (before the payload arrives: the length is bounded here). */
enum p2p_frame_status p2p_frame_parse(struct p2p_frame *f, const uint8_t hdr[P2P_HEADER_SIZE],
				      const uint8_t magic[4]);
/* Checks the payload against the header's checksum. */
enum p2p_frame_status p2p_frame_check(const struct p2p_frame *f, const uint8_t *payload,
				      size_t len);
const char *p2p_frame_status_str(enum p2p_frame_status s);
/* Appends a whole message (header + payload) to w. */
void p2p_frame_write(struct cons_writer *w, const uint8_t magic[4], const char *command,
		     const uint8_t *payload, size_t len);

struct p2p_netaddr {
	uint64_t services;
	uint8_t ip[16];            /* IPv6, or IPv4-mapped ::ffff:a.b.c.d */
	uint16_t port;             /* host order (big-endian on the wire) */
};

struct p2p_version {
	int32_t version;
	uint64_t services;
	int64_t timestamp;
	struct p2p_netaddr recv, from;
	uint64_t nonce;
	char user_agent[P2P_MAX_UA + 1];
	int32_t start_height;
	bool relay;
};

void p2p_version_write(struct cons_writer *w, const struct p2p_version *v);
int p2p_version_read(struct p2p_version *v, const uint8_t *p, size_t len)
	__attribute__((warn_unused_result));

/* ping and pong: an 8-byte nonce. */
int p2p_nonce_read(uint64_t *nonce, const uint8_t *p, size_t len) __attribute__((warn_unused_result));

struct p2p_inv {
	uint32_t type;
	uint8_t hash[32];
};

/* inv, getdata, notfound: at most P2P_MAX_INV items. *items is malloc'd (free it). */
void p2p_inv_write(struct cons_writer *w, const struct p2p_inv *items, size_t n);
int p2p_inv_read(struct p2p_inv **items, size_t *n, const uint8_t *p, size_t len)
	__attribute__((warn_unused_result));

/* getheaders: a block locator (at most P2P_MAX_LOCATOR hashes) and a stop hash. */
struct p2p_getheaders {
	uint32_t version;
	size_t n;
	uint8_t locator[P2P_MAX_LOCATOR][32];
	uint8_t stop[32];
};
void p2p_getheaders_write(struct cons_writer *w, const struct p2p_getheaders *g);
int p2p_getheaders_read(struct p2p_getheaders *g, const uint8_t *p, size_t len)
	__attribute__((warn_unused_result));

/* headers: at most P2P_MAX_HEADERS, each followed by a zero tx count. */
void p2p_headers_write(struct cons_writer *w, const struct cons_header *h, size_t n);
int p2p_headers_read(struct cons_header **h, size_t *n, const uint8_t *p, size_t len)
	__attribute__((warn_unused_result));

struct p2p_addr_entry {
	uint32_t time;
	struct p2p_netaddr addr;
};
/* addr: at most P2P_MAX_ADDR entries. *items is malloc'd. */
void p2p_addr_write(struct cons_writer *w, const struct p2p_addr_entry *a, size_t n);
int p2p_addr_read(struct p2p_addr_entry **a, size_t *n, const uint8_t *p, size_t len)
	__attribute__((warn_unused_result));

/* IPv4 a.b.c.d as an IPv4-mapped IPv6 address. */
void p2p_netaddr_ipv4(struct p2p_netaddr *a, uint32_t ipv4_host_order, uint16_t port);

#endif
