/*
 * Peer discovery, Bitcoin Core's way scaled down: outbound peers are asked
 * for addresses (getaddr) once the handshake completes and told our own
 * listening address; addr messages fill the address book, rate-limited per
 * peer by a token bucket, and small fresh ones are relayed to at most two
 * other peers; the book is loaded at start, saved now and then and at
 * shutdown; and up to max_outbound automatic outbound connections are kept,
 * never to ourselves, a banned address or one already connected.
 * Everything here runs on the network's event loop.
 */
#include "p2p/peer.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/rand.h>

#define TOKENS_PER_ADDR 1000           /* the bucket counts thousandths of an address */
#define TOKENS_MAX (1000 * TOKENS_PER_ADDR)
#define TOKENS_PER_SECOND 100          /* Bitcoin Core: one address per 10 s */
#define RELAY_FRESH 600                /* only addresses heard of in the last 10 min travel on */
#define RELAY_MAX_ENTRIES 10           /* bigger addr messages are answers, not news */
#define RELAY_PEERS 2
#define SAVE_INTERVAL 60
#define FETCH_SECONDS 20               /* how long a seed may take to answer getaddr */

static uint32_t random_u32(void)
{
	uint32_t r = 0;

	RAND_bytes((uint8_t *)&r, sizeof(r));
	return r;
}

static bool same_addr(const struct p2p_netaddr *a, const struct p2p_netaddr *b)
{
	return memcmp(a->ip, b->ip, 16) == 0 && a->port == b->port;
}

static bool is_self(const struct p2p_net *n, const struct p2p_netaddr *a)
{
	if (n->has_listen_addr && same_addr(a, &n->listen_addr))
		return true;
	for (int i = 0; i < n->n_self; i++)
		if (same_addr(a, &n->self_addrs[i]))
			return true;
	return false;
}

int p2p_netaddr_parse(struct p2p_netaddr *a, const char *text, uint16_t default_port)
{
	char ip[INET_ADDRSTRLEN];
	const char *colon = strchr(text, ':');
	size_t len = colon ? (size_t)(colon - text) : strlen(text);
	struct in_addr in;
	char *end;
	long port = default_port;

	if (len == 0 || len >= sizeof(ip))
		return -1;
	memcpy(ip, text, len);
	ip[len] = 0;
	if (colon) {
		port = strtol(colon + 1, &end, 10);
		if (end == colon + 1 || *end || port < 1 || port > 65535)
			return -1;
	}
	if (inet_pton(AF_INET, ip, &in) != 1 || in.s_addr == 0)
		return -1;
	p2p_netaddr_ipv4(a, ntohl(in.s_addr), (uint16_t)port);
	a->services = P2P_NODE_NETWORK;
	return 0;
}

/* Our advertised address: --externalip if given, else bind:port when listening. */
static void set_listen_addr(struct p2p_net *n)
{
	struct in_addr ip;

	if (n->o.external[0])
		n->has_listen_addr = p2p_netaddr_parse(&n->listen_addr, n->o.external, n->o.port) == 0;
	else if (n->o.listen && inet_pton(AF_INET, n->o.bind, &ip) == 1 && ip.s_addr != 0) {
		p2p_netaddr_ipv4(&n->listen_addr, ntohl(ip.s_addr), n->o.port);
		n->listen_addr.services = P2P_NODE_NETWORK;
		n->has_listen_addr = true;
	}
}

/*
 * An empty book starts from the seeds, as Bitcoin Core's -seednode: each is
 * dialled (again with backoff while it fails), asked for addresses, and let
 * go once it answers, so the node's outbound peers are the addresses it
 * learnt, not the seeds. They take no automatic outbound slot meanwhile.
 */
static void fetch_from_seeds(struct p2p_net *n)
{
	char err[256];
	int asked = 0;

	if (p2p_addrman_count(n->addrs) > 0)
		return;
	for (struct outbound *ob = n->outs; ob; ob = ob->next)
		if (ob->fetch)
			return;             /* still asking */
	n->seeds_asked_at = p2p_mono_s();
	for (int i = 0; i < n->o.n_seeds; i++) {
		struct p2p_netaddr a;
		if (p2p_netaddr_parse(&a, n->o.seeds[i], n->params->default_port) < 0 || is_self(n, &a))
			continue;
		if (p2p_net_add_peer(n, n->o.seeds[i], err, sizeof(err)) < 0) {
			plog(n, P2P_LOG_WARN, "seed %s: %s", n->o.seeds[i], err);
			continue;
		}
		n->outs->fetch = true;      /* p2p_net_add_peer puts it first */
		asked++;
	}
	if (asked)
		plog(n, P2P_LOG_INFO, "address book empty: asking %d seed%s for addresses", asked,
		     asked == 1 ? "" : "s");
}

/* A seed's connection has done its job (or had its time): closed, and its slot forgotten. */
static void let_go(struct peer *p, const char *why)
{
	p->ob->once = true;
	p2p_disconnect(p, why);
}

int p2p_discovery_start(struct p2p_net *n)
{
	char err[256];
	int got;

	n->addrs = p2p_addrman_new(P2P_ADDRMAN_MAX);
	if (!n->addrs)
		return -1;
	n->addrs_saved_at = p2p_mono_s();
	set_listen_addr(n);
	if (n->o.addrbook_path[0]) {
		got = p2p_addrman_load(n->addrs, n->o.addrbook_path, n->params->magic, err, sizeof(err));
		if (got < 0)
			plog(n, P2P_LOG_WARN, "ignoring address book '%s': %s", n->o.addrbook_path, err);
		else if (got > 0)
			plog(n, P2P_LOG_INFO, "address book: %d addresses from '%s'", got,
			     n->o.addrbook_path);
	}
	fetch_from_seeds(n);
	n->addrs_saved = p2p_addrman_changes(n->addrs);
	return 0;
}

static void save_book(struct p2p_net *n)
{
	char err[256];

	n->addrs_saved_at = p2p_mono_s();
	if (!n->o.addrbook_path[0] || p2p_addrman_changes(n->addrs) == n->addrs_saved)
		return;
	if (p2p_addrman_save(n->addrs, n->o.addrbook_path, n->params->magic, err, sizeof(err)) < 0) {
		plog(n, P2P_LOG_WARN, "cannot save the address book: %s", err);
		return;
	}
	n->addrs_saved = p2p_addrman_changes(n->addrs);
	plog(n, P2P_LOG_DEBUG, "address book: saved %zu addresses", p2p_addrman_count(n->addrs));
}

void p2p_discovery_stop(struct p2p_net *n)
{
	if (!n->addrs)
		return;
	save_book(n);
	p2p_addrman_free(n->addrs);
	n->addrs = NULL;
}

static void send_addrs(struct peer *p, const struct p2p_addr_entry *a, size_t count)
{
	struct cons_writer w;

	cons_writer_init(&w);
	p2p_addr_write(&w, a, count);
	if (!w.oom)
		p2p_send(p, "addr", w.data, w.len);
	cons_writer_release(&w);
}

void p2p_discovery_ready(struct peer *p)
{
	struct p2p_net *n = p->net;
	struct p2p_addr_entry self;

	if (p->inbound)
		return;
	/* The address we dialled is a listening address that works. */
	p2p_addrman_good(n->addrs, &p->remote, time(NULL));
	p->getaddr_sent = true;
	p->addr_tokens += TOKENS_MAX;  /* room for the whole answer */
	p2p_send(p, "getaddr", NULL, 0);
	if (n->has_listen_addr) {
		self.time = (uint32_t)time(NULL);
		self.addr = n->listen_addr;
		send_addrs(p, &self, 1);
	}
}

void p2p_discovery_getaddr(struct peer *p)
{
	struct p2p_addr_entry *a = malloc(P2P_MAX_ADDR * sizeof(*a));
	size_t count;

	if (!a)
		return;
	count = p2p_addrman_sample(p->net->addrs, a, P2P_MAX_ADDR, time(NULL));
	send_addrs(p, a, count);
	plog(p->net, P2P_LOG_DEBUG, "peer %d: sent %zu addresses", p->id, count);
	free(a);
}

/* Passes one fresh address to at most RELAY_PEERS random peers other than its sender. */
static void relay(struct peer *from, const struct p2p_addr_entry *a)
{
	struct peer *pick[RELAY_PEERS];
	size_t seen = 0;

	/* Reservoir sampling over the ready peers. */
	for (struct peer *q = from->net->peers; q; q = q->next) {
		if (q == from || !q->handshaked || q->closing)
			continue;
		size_t j = seen < RELAY_PEERS ? seen : random_u32() % (seen + 1);
		if (j < RELAY_PEERS)
			pick[j] = q;
		seen++;
	}
	for (size_t i = 0; i < seen && i < RELAY_PEERS; i++)
		send_addrs(pick[i], a, 1);
}

/* Refills p's addr bucket for the time since the last refill; true if one address fits. */
static bool take_token(struct peer *p)
{
	int64_t now = p2p_mono_us(), grow = (now - p->addr_tokens_us) * TOKENS_PER_SECOND / 1000000;

	if (grow > 0) {
		p->addr_tokens = p->addr_tokens + grow > TOKENS_MAX ? TOKENS_MAX : p->addr_tokens + grow;
		p->addr_tokens_us = now;
	}
	if (p->addr_tokens < TOKENS_PER_ADDR)
		return false;
	p->addr_tokens -= TOKENS_PER_ADDR;
	return true;
}

void p2p_discovery_addr(struct peer *p, const struct p2p_addr_entry *a, size_t count)
{
	struct p2p_net *n = p->net;
	int64_t now = time(NULL);
	bool answer = p->getaddr_sent, news = !answer && count <= RELAY_MAX_ENTRIES;
	size_t added = 0, future = 0, limited = 0;

	p->getaddr_sent = false;           /* only the first addr after getaddr is its answer */
	for (size_t i = 0; i < count; i++) {
		if ((int64_t)a[i].time > now + P2P_ADDR_FUTURE_SLACK) {
			future++;
			continue;
		}
		if (!take_token(p)) {
			limited++;
			continue;
		}
		if (is_self(n, &a[i].addr) || p2p_addrman_add(n->addrs, &a[i].addr, a[i].time, now) != 1)
			continue;
		added++;
		if (news && (int64_t)a[i].time + RELAY_FRESH >= now)
			relay(p, &a[i]);
	}
	plog(n, P2P_LOG_DEBUG, "peer %d sent %zu addresses: %zu new or newer, %zu in the future, "
	     "%zu over its rate limit", p->id, count, added, future, limited);
	if (answer && p->ob && p->ob->fetch)
		let_go(p, "seed answered");
}

void p2p_discovery_self(struct peer *p)
{
	struct p2p_net *n = p->net;

	plog(n, P2P_LOG_INFO, "peer %d (%s) is ourselves: not dialling that address again", p->id,
	     p->addr);
	if (p->ob)
		p->ob->self = true;
	p2p_addrman_remove(n->addrs, &p->remote);
	n->self_addrs[n->n_self % 8] = p->remote;
	if (n->n_self < 8)
		n->n_self++;
	p2p_disconnect(p, "connected to ourselves");
}

void p2p_discovery_gone(struct peer *p)
{
	if (p->net->addrs && !p->inbound && p->handshaked)
		(void)p2p_addrman_add(p->net->addrs, &p->remote, time(NULL), time(NULL));
}

/*
 * An address not to dial automatically: ourselves, banned, or connected
 * already: an outbound peer at that address, an inbound peer whose version
 * named it as its listening address, or a manual peer's host and port.
 */
static bool skip_candidate(void *ctx, const struct p2p_netaddr *a)
{
	struct p2p_net *n = ctx;
	char ip[INET_ADDRSTRLEN];

	if (is_self(n, a) || !inet_ntop(AF_INET, a->ip + 12, ip, sizeof(ip)) || p2p_is_banned(n, ip))
		return true;
	for (struct peer *p = n->peers; p; p = p->next) {
		if (p->closing)
			continue;
		if (p->inbound ? p->got_version && same_addr(&p->ver.from, a) : same_addr(&p->remote, a))
			return true;
	}
	for (struct outbound *ob = n->outs; ob; ob = ob->next)
		if (strcmp(ob->host, ip) == 0 && atoi(ob->port) == a->port)
			return true;
	return false;
}

static void open_connections(struct p2p_net *n)
{
	int have = 0;
	int64_t now = time(NULL);

	for (struct peer *p = n->peers; p; p = p->next)
		if (p->auto_out && !p->closing)
			have++;
	for (; have < n->o.max_outbound; have++) {
		struct p2p_netaddr a;
		char s[64];
		if (p2p_addrman_select(n->addrs, &a, now, skip_candidate, n) < 0)
			return;
		p2p_addrman_attempt(n->addrs, &a, now);
		plog(n, P2P_LOG_DEBUG, "dialling %s from the address book",
		     p2p_netaddr_str(&a, s, sizeof(s)));
		if (!p2p_dial_addr(n, &a))
			return;
	}
}

void p2p_discovery_tick(struct p2p_net *n, int64_t now_mono)
{
	/* A seed with nothing to tell (no addr in answer) is let go after a while too. */
	for (struct peer *p = n->peers; p; p = p->next)
		if (!p->closing && p->handshaked && p->ob && p->ob->fetch &&
		    now_mono - p->started_s >= FETCH_SECONDS)
			let_go(p, "seed gave no addresses");
	/* Still nothing in the book: ask the seeds again (Core: its fixed seeds after 60 s). */
	if (n->o.n_seeds && now_mono - n->seeds_asked_at >= FETCH_SECONDS)
		fetch_from_seeds(n);
	if (n->active)
		open_connections(n);
	if (now_mono - n->addrs_saved_at >= SAVE_INTERVAL)
		save_book(n);
}
