/*
 * What the web view shows, gathered without blocking: every few hundred
 * milliseconds the poller rereads the testnet's state file and asks every
 * running node, all at once over non-blocking RPC (client/rpcbatch), for
 * its tip and chain tips (and less often its peers, mempool, mining and
 * bans); it fetches the headers it has not seen below those tips, so it
 * holds the union of every node's chain near the top, and notes when each
 * block first reached each node and every reorganisation a node made. The
 * result is one JSON document (see doc/testnet-web.md), rebuilt when
 * anything changed. Reaches the nodes only through RPC.
 */
#ifndef FLINT_TESTNET_WEBPOLL_H
#define FLINT_TESTNET_WEBPOLL_H

#include <jansson.h>

struct event_base;
struct tn_webpoll;

/*
 * A poller for the testnet in dir, on base, calling changed(arg) each time
 * the document changes. NULL when out of memory or the state cannot be read.
 */
struct tn_webpoll *tn_webpoll_new(struct event_base *base, const char *dir,
				  void (*changed)(void *arg), void *arg)
	__attribute__((warn_unused_result));
void tn_webpoll_free(struct tn_webpoll *p);

/* The current document as JSON text (owned by p; valid until the next change). */
const char *tn_webpoll_text(const struct tn_webpoll *p);

/* Gives the poller the latest `slo --json` output (stolen), shown in the document. */
void tn_webpoll_set_slo(struct tn_webpoll *p, json_t *slo);

#endif
