/*
 * Operator control of the network, for the node's RPC methods addnode,
 * disconnectnode, clearbanned and setnetworkactive: finding and dropping
 * outbound slots and connections by address or id. Internal state comes
 * from peer.h; nothing here touches the wire.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2p/peer.h"

static struct outbound *find_outbound(struct p2p_net *n, const char *hostport)
{
	for (struct outbound *ob = n->outs; ob; ob = ob->next) {
		char hp[300];
		snprintf(hp, sizeof(hp), "%s:%s", ob->host, ob->port);
		if (strcmp(hp, hostport) == 0)
			return ob;
	}
	return NULL;
}

void p2p_outbound_forget(struct p2p_net *n, struct outbound *ob)
{
	for (struct outbound **pp = &n->outs; *pp; pp = &(*pp)->next) {
		if (*pp == ob) {
			*pp = ob->next;
			break;
		}
	}
	if (ob->peer) {
		ob->peer->ob = NULL;
		p2p_disconnect(ob->peer, "removed by the operator");
	}
	free(ob);
}

bool p2p_net_has_peer(struct p2p_net *n, const char *hostport)
{
	struct outbound *ob = find_outbound(n, hostport);

	return ob && !ob->once;
}

int p2p_net_remove_peer(struct p2p_net *n, const char *hostport, char *err, size_t errlen)
{
	struct outbound *ob = find_outbound(n, hostport);

	if (!ob) {
		snprintf(err, errlen, "Node could not be removed. It has not been added previously.");
		return -1;
	}
	p2p_outbound_forget(n, ob);
	return 0;
}

int p2p_net_connect_once(struct p2p_net *n, const char *hostport, char *err, size_t errlen)
{
	struct outbound *ob = find_outbound(n, hostport);

	if (ob) {
		/* Already a slot: try it now rather than after its backoff. */
		ob->backoff = 1;
		ob->next_try = 0;
		return 0;
	}
	if (p2p_net_add_peer(n, hostport, err, errlen) < 0)
		return -1;
	find_outbound(n, hostport)->once = true;
	return 0;
}

int p2p_net_disconnect(struct p2p_net *n, const char *addr, int id, char *err, size_t errlen)
{
	for (struct peer *p = n->peers; p; p = p->next) {
		if (p->closing || (addr ? strcmp(p->addr, addr) != 0 : p->id != id))
			continue;
		p2p_disconnect(p, "disconnectnode");
		return 0;
	}
	snprintf(err, errlen, "Node not found in connected nodes");
	return -1;
}

bool p2p_net_is_active(const struct p2p_net *n)
{
	return n->active;
}

void p2p_net_clear_bans(struct p2p_net *n)
{
	struct p2p_ban_info b[64];
	size_t k;
	char err[64];

	while ((k = p2p_net_bans(n, b, 64)) > 0)
		for (size_t i = 0; i < k && i < 64; i++)
			(void)!p2p_net_unban(n, b[i].addr, err, sizeof(err));
}
