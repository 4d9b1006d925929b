/*
 * A blocking raw peer: one TCP connection that speaks Bitcoin's framing
 * through plain blocking sockets and poll(), for the programs that play a
 * (hostile) peer against a node: the testnet's attack command and the test
 * tool rawpeer. It depends on the wire format (p2p/protocol.h) only, not on
 * p2p's event-driven connections or libevent, and the node never uses it.
 * A connection is a file descriptor the caller owns and closes; timeouts
 * are in milliseconds, each for the whole call.
 */
#ifndef FLINT_P2P_RAWPEER_H
#define FLINT_P2P_RAWPEER_H

#include <stddef.h>
#include <stdint.h>

#include "p2p/protocol.h"

/*
 * Connects from the local IPv4 address src to ip:port. Returns the socket,
 * or -1 with a message in err (errlen bytes, always NUL-terminated).
 */
int p2p_rawpeer_dial(const char *src, const char *ip, int port, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Sends all len bytes of buf, whatever they are. 0, or -1 if the socket failed. */
int p2p_rawpeer_send_all(int fd, const void *buf, size_t len);

/* Sends one framed message (payload may be NULL if len is 0). 0, or -1. */
int p2p_rawpeer_send(int fd, const uint8_t magic[4], const char *cmd, const uint8_t *payload,
		     size_t len);

/*
 * Reads one message within timeout_ms. Returns 1 with cmd (NUL-terminated),
 * *payload (malloc'd, the caller frees it; one spare byte past *len) and
 * *len set; 0 if the node closed the connection; -1 on timeout or a frame
 * header that is not of this network.
 */
int p2p_rawpeer_read(int fd, const uint8_t magic[4], char cmd[P2P_COMMAND_SIZE + 1],
		     uint8_t **payload, size_t *len, int timeout_ms);

/*
 * The version/verack exchange both ways: sends v, answers the node's
 * version with a verack, until the node's verack too, within timeout_ms.
 * Returns 1 when done, 0 if the node closed the connection (a node that
 * hangs up at once has banned this address), -1 on timeout.
 */
int p2p_rawpeer_handshake(int fd, const uint8_t magic[4], const struct p2p_version *v,
			  int timeout_ms);

#endif
