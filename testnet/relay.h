/*
 * The link relay: a TCP proxy on a libevent base that carries every edge
 * of the testnet. For each node `to` it listens on one address (to's own,
 * at the relay port); node `from` dials it from its own address, which
 * tells the relay who dials, and the relay dials node `to` from that same
 * address (bind before connect), so `to` sees and can ban `from`. Each direction of a link is shaped per its tn_linkdir (shape.h):
 * delay and jitter without reordering, a token bucket, loss as a
 * retransmission delay, and cut: nothing forwarded, no FIN, no RST; a dial
 * across a link cut both ways is accepted and never dialled on.
 * Knows nothing of Bitcoin messages, nodes' RPC or the state file.
 */
#ifndef FLINT_TESTNET_RELAY_H
#define FLINT_TESTNET_RELAY_H

#include <stdint.h>
#include <event2/event.h>
#include <jansson.h>

#include "testnet/state.h"

struct tn_relay;

/*
 * An event base for a relay: timers to the microsecond (timerfd) instead of
 * epoll's milliseconds, so a 100 ms delay is 100 ms. NULL when out of memory.
 */
struct event_base *tn_relay_base_new(void) __attribute__((warn_unused_result));

/* A relay on base (borrowed; it must outlive the relay). NULL when out of memory. */
struct tn_relay *tn_relay_new(struct event_base *base) __attribute__((warn_unused_result));
/* Closes every connection and listener; tn_relay_free(NULL) is a no-op. */
void tn_relay_free(struct tn_relay *r);

/*
 * Carries the links into node `to` (an index below TN_MAX_NODES): listens on
 * listen_ip:listen_port, takes the dialler of each connection accepted to
 * be the node whose address it comes from (tn_node_of_ip; any other is
 * closed) and dials dst_ip:dst_port from that address (port chosen by the
 * kernel), so one listener per node serves every node that dials it, known
 * in advance or not. listen_port 0 lets the kernel choose. Returns the port
 * listened on, or -1 with err.
 */
int tn_relay_listen(struct tn_relay *r, int to, const char *listen_ip, int listen_port,
		    const char *dst_ip, int dst_port, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * Link settings. tn_relay_set_default: what a direction nobody configured
 * starts with. tn_relay_set: the direction from > to (and its pair listed
 * from now on) as d, for connections made from now on; tn_relay_update then
 * applies every setting to the live connections (one walk over them). 0, or
 * -1 when out of memory. tn_relay_configure: set and update for one link.
 */
void tn_relay_set_default(struct tn_relay *r, const struct tn_linkdir *d);
int tn_relay_set(struct tn_relay *r, int from, int to, const struct tn_linkdir *d)
	__attribute__((warn_unused_result));
void tn_relay_update(struct tn_relay *r);
/*
 * Where directions come and go with the peers the nodes pick (--topology
 * bitcoin), a resolver gives each direction its settings: f(arg, from, to,
 * out) fills out for a direction first seen; tn_relay_resolve_all asks it
 * again for every direction known, to be followed by tn_relay_update.
 */
typedef void (*tn_relay_resolve)(void *arg, int from, int to, struct tn_linkdir *out);
void tn_relay_set_resolver(struct tn_relay *r, tn_relay_resolve f, void *arg);
void tn_relay_resolve_all(struct tn_relay *r);
void tn_relay_configure(struct tn_relay *r, int from, int to, const struct tn_linkdir *d);

/* Closes every connection of the link between a and b, as a rebooted router. Returns how many. */
int tn_relay_reset(struct tn_relay *r, int a, int b);
/* The same for every link. */
int tn_relay_reset_all(struct tn_relay *r);
/* Connections open now. */
size_t tn_relay_connections(const struct tn_relay *r);

/*
 * The links carried, as a JSON array (new reference): one object per pair
 * a < b with "a", "b", "connections" and "directions": for a > b and b > a,
 * "from", "to", the settings, "state" ("up" or "cut"), "bytes" carried so
 * far and "queued" (read and not yet delivered to the kernel of the other side).
 */
json_t *tn_relay_json(struct tn_relay *r) __attribute__((warn_unused_result));

/* Monotonic microseconds, the relay's clock. */
uint64_t tn_mono_us(void);

#endif
