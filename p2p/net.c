/*
 * Connections: accepting and dialling peers, reading frames off the wire
 * with the payload bounded before it arrives, a once-a-second tick for
 * handshake, ping and stall timeouts, block requests and reconnection with
 * backoff, inbound eviction, and the ban list (persisted as "ip until"
 * lines). Address gossip and automatic outbound peers are discovery.c's.
 */
#include "p2p/peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <openssl/rand.h>

#include "consensus/hash.h"
#include "util/version.h"

int64_t p2p_mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

int64_t p2p_mono_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

void p2p_options_default(struct p2p_options *o, const struct cons_params *p)
{
	memset(o, 0, sizeof(*o));
	o->port = p->default_port;
	o->listen = true;
	snprintf(o->bind, sizeof(o->bind), "127.0.0.1");
	o->max_inbound = 64;
	o->max_outbound = 8;
	o->max_per_ip = 8;
	o->ban_seconds = 24 * 3600;
	o->ban_threshold = 100;
	o->handshake_timeout = 10;
	o->ping_interval = 30;
	o->ping_timeout = 20;
	o->stall_timeout = 30;
	o->max_in_flight = 16;
	/* A few maximal blocks: a fast peer never waits on it, a hostile one is held to it. */
	o->max_send_buffer = 3 * p->max_block_size;
	o->send_timeout = 30;
	o->user_agent = FLINT_USER_AGENT;
}

/* ---- bans ---- */

bool p2p_is_banned(struct p2p_net *n, const char *ip)
{
	int64_t now = time(NULL);

	for (struct ban *b = n->bans; b; b = b->next)
		if (strcmp(b->ip, ip) == 0 && b->until > now)
			return true;
	return false;
}

static void save_bans(struct p2p_net *n)
{
	char tmp[660];
	FILE *f;

	if (!n->o.banlist_path[0])
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", n->o.banlist_path);
	f = fopen(tmp, "w");
	if (!f) {
		plog(n, P2P_LOG_WARN, "cannot write ban list '%s'", tmp);
		return;
	}
	for (struct ban *b = n->bans; b; b = b->next)
		if (b->until > time(NULL))
			fprintf(f, "%s %lld\n", b->ip, (long long)b->until);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0 ||
	    rename(tmp, n->o.banlist_path) != 0)
		plog(n, P2P_LOG_WARN, "cannot save ban list '%s'", n->o.banlist_path);
}

static int add_ban(struct p2p_net *n, const char *ip, int64_t until)
{
	struct ban *b;

	for (b = n->bans; b; b = b->next)
		if (strcmp(b->ip, ip) == 0)
			break;
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return -1;
		snprintf(b->ip, sizeof(b->ip), "%s", ip);
		b->next = n->bans;
		n->bans = b;
	}
	b->until = until;
	return 0;
}

static void load_bans(struct p2p_net *n)
{
	FILE *f = n->o.banlist_path[0] ? fopen(n->o.banlist_path, "r") : NULL;
	char ip[48];
	long long until;

	if (!f)
		return;
	while (fscanf(f, "%47s %lld", ip, &until) == 2) {
		struct in6_addr a6;
		struct in_addr a4;
		if ((inet_pton(AF_INET, ip, &a4) == 1 || inet_pton(AF_INET6, ip, &a6) == 1) &&
		    until > time(NULL))
			(void)add_ban(n, ip, until);
	}
	fclose(f);
}

int p2p_net_ban(struct p2p_net *n, const char *ip, int64_t seconds, char *err, size_t errlen)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, ip, &a4) != 1 && inet_pton(AF_INET6, ip, &a6) != 1) {
		snprintf(err, errlen, "invalid IP address '%s'", ip);
		return -1;
	}
	if (seconds < 0 || seconds > P2P_BAN_MAX_SECONDS) {
		snprintf(err, errlen, "ban time %lld s is out of range (0 to %lld)", (long long)seconds,
			 P2P_BAN_MAX_SECONDS);
		return -1;
	}
	if (add_ban(n, ip, (int64_t)time(NULL) + (seconds > 0 ? seconds : n->o.ban_seconds)) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (struct peer *p = n->peers; p; p = p->next)
		if (strcmp(p->ip, ip) == 0)
			p2p_disconnect(p, "banned");
	save_bans(n);
	return 0;
}

int p2p_net_unban(struct p2p_net *n, const char *ip, char *err, size_t errlen)
{
	for (struct ban **b = &n->bans; *b; b = &(*b)->next) {
		if (strcmp((*b)->ip, ip) == 0) {
			struct ban *gone = *b;
			*b = gone->next;
			free(gone);
			save_bans(n);
			return 0;
		}
	}
	snprintf(err, errlen, "'%s' is not banned", ip);
	return -1;
}

size_t p2p_net_bans(const struct p2p_net *n, struct p2p_ban_info *out, size_t max)
{
	size_t k = 0;

	for (struct ban *b = n->bans; b; b = b->next) {
		if (b->until <= time(NULL))
			continue;
		if (k < max) {
			snprintf(out[k].addr, sizeof(out[k].addr), "%s", b->ip);
			out[k].until = b->until;
		}
		k++;
	}
	return k;
}

static void sock_misbehave(struct peer *p, int score, const char *reason)
{
	struct p2p_net *n = p->net;

	p->score += score;
	plog(n, P2P_LOG_WARN, "peer %d (%s) misbehaved: %s (score %d)", p->id, p->addr, reason,
	     p->score);
	if (p->score < n->o.ban_threshold)
		return;
	if (add_ban(n, p->ip, (int64_t)time(NULL) + n->o.ban_seconds) == 0) {
		plog(n, P2P_LOG_WARN, "banned %s for %lld s", p->ip, (long long)n->o.ban_seconds);
		save_bans(n);
	}
	p2p_disconnect(p, "banned");
}

/* ---- peers ---- */

static void free_peer(struct peer *p)
{
	struct p2p_net *n = p->net;

	for (struct peer **pp = &n->peers; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	p2p_discovery_gone(p);
	if (p->ob && p->ob->once) {
		p->ob->peer = NULL;
		p2p_outbound_forget(n, p->ob);
	} else if (p->ob) {
		p->ob->peer = NULL;
		p->ob->next_try = p2p_mono_s() + p->ob->backoff;
		p->ob->backoff = p->ob->backoff * 2 < P2P_MAX_BACKOFF ? p->ob->backoff * 2
								     : P2P_MAX_BACKOFF;
	}
	bufferevent_free(p->bev);
	free(p->getdata);
	free(p->presync);
	free(p);
}

static void sock_disconnect(struct peer *p, const char *reason)
{
	if (p->closing)
		return;
	p->closing = true;
	plog(p->net, P2P_LOG_INFO, "disconnecting peer %d (%s): %s", p->id, p->addr, reason);
	/* Pending output still goes out; the reap event frees the peer from the
	 * loop, after the caller has returned, so no one holds a freed pointer. */
	bufferevent_disable(p->bev, EV_READ);
	event_active(p->net->reap, EV_TIMEOUT, 0);
}

/* Adds bytes to command's slot of tab; once every slot is taken, to "*other*" in the last. */
static void count_msg(struct p2p_msg_bytes *tab, const char *command, uint64_t bytes)
{
	int i;

	for (i = 0; i < P2P_MSG_KINDS - 1 && tab[i].command[0]; i++)
		if (strcmp(tab[i].command, command) == 0)
			break;
	if (i == P2P_MSG_KINDS - 1 && strcmp(tab[i].command, command) != 0)
		command = "*other*";
	if (!tab[i].command[0])
		snprintf(tab[i].command, sizeof(tab[i].command), "%s", command);
	tab[i].bytes += bytes;
}

static size_t send_queued(const struct peer *p)
{
	return evbuffer_get_length(bufferevent_get_output(p->bev));
}

static bool sock_send_full(const struct peer *p)
{
	return send_queued(p) >= p->net->o.max_send_buffer;
}

/* Drops p at once, with what it has not read: a peer that does not read gets nothing more. */
static void drop_unread(struct peer *p, const char *reason)
{
	evbuffer_drain(bufferevent_get_output(p->bev), send_queued(p));
	p2p_disconnect(p, reason);
}

static void sock_send(struct peer *p, const char *command, const uint8_t *payload, size_t len)
{
	struct cons_writer w;

	if (p->closing)
		return;
	cons_writer_init(&w);
	p2p_frame_write(&w, p->net->params->magic, command, payload, len);
	if (!w.oom && bufferevent_write(p->bev, w.data, w.len) == 0) {
		p->bytes_sent += w.len;
		p->net->total_sent += w.len;
		p->last_send = time(NULL);
		count_msg(p->sent_per_msg, command, w.len);
	}
	cons_writer_release(&w);
	/* Requests wait at the limit, so only what we send unasked (announcements) gets here. */
	if (send_queued(p) > 2 * p->net->o.max_send_buffer)
		drop_unread(p, "send buffer over twice its limit");
}

const struct p2p_peer_ops p2p_socket_ops = {
	.send = sock_send,
	.send_full = sock_send_full,
	.disconnect = sock_disconnect,
	.misbehave = sock_misbehave,
};

/*
 * Handles the next complete message in p's input: 1 handled, 0 none
 * complete yet, -1 a bad frame (which costs the peer its connection).
 */
static int read_one(struct peer *p)
{
	struct evbuffer *in = bufferevent_get_input(p->bev);
	uint8_t hdr[P2P_HEADER_SIZE], *payload;
	struct p2p_frame f;
	enum p2p_frame_status s;

	if (evbuffer_get_length(in) < P2P_HEADER_SIZE)
		return 0;
	evbuffer_copyout(in, hdr, sizeof(hdr));
	s = p2p_frame_parse(&f, hdr, p->net->params->magic);
	if (s != P2P_FRAME_OK) {
		p2p_misbehave(p, p->net->o.ban_threshold, p2p_frame_status_str(s));
		return -1;
	}
	if (evbuffer_get_length(in) < P2P_HEADER_SIZE + (size_t)f.length)
		return 0;                   /* the rest of the payload is on its way */
	payload = evbuffer_pullup(in, P2P_HEADER_SIZE + (ssize_t)f.length) + P2P_HEADER_SIZE;
	s = p2p_frame_check(&f, payload, f.length);
	if (s != P2P_FRAME_OK) {
		p2p_misbehave(p, p->net->o.ban_threshold, p2p_frame_status_str(s));
		return -1;
	}
	p->bytes_recv += P2P_HEADER_SIZE + f.length;
	p->net->total_recv += P2P_HEADER_SIZE + f.length;
	p->last_recv = time(NULL);
	count_msg(p->recv_per_msg, f.command, P2P_HEADER_SIZE + f.length);
	p2p_handle(p, f.command, payload, f.length);
	evbuffer_drain(in, P2P_HEADER_SIZE + f.length);
	return 1;
}

/*
 * Serves what p asked for and reads its next messages, but only while it
 * reads what we send: with its send buffer full, nothing more is taken
 * from it (its input then fills to one frame and libevent stops reading)
 * until the write callback says the buffer drained.
 */
static void process(struct peer *p)
{
	while (!p->closing) {
		if (p->getdata)
			p2p_serve_getdata(p);
		if (p->getdata || p2p_send_full(p)) {
			if (!p->send_full_since) {
				p->send_full_since = p->send_progress_s = p2p_mono_s();
				p->send_low = send_queued(p);
			}
			return;
		}
		p->send_full_since = 0;
		if (read_one(p) <= 0)
			return;
	}
}

static void on_read(struct bufferevent *bev, void *arg)
{
	process(arg);
}

/* The send buffer drained to half its limit: a waiting peer is served again. */
static void on_write(struct bufferevent *bev, void *arg)
{
	struct peer *p = arg;

	if (p->send_full_since && !p->closing)
		process(p);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct peer *p = arg;

	if (what & BEV_EVENT_CONNECTED) {
		p->connected = true;
		plog(p->net, P2P_LOG_INFO, "connected to peer %d (%s)", p->id, p->addr);
		p2p_send_version(p);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		if (!p->closing)
			plog(p->net, P2P_LOG_INFO, "peer %d (%s) %s", p->id, p->addr,
			     (what & BEV_EVENT_EOF) ? "closed the connection" : "connection failed");
		p->closing = true;
		p->connected = false;   /* nothing more can be sent */
		bufferevent_disable(bev, EV_READ | EV_WRITE);
		event_active(p->net->reap, EV_TIMEOUT, 0);
	}
}

/* Fills p's address: as text (ip, ip:port) and, for IPv4, as a netaddr. */
static void set_address(struct peer *p, const struct sockaddr *sa)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		port = ntohs(s4->sin_port);
		p2p_netaddr_ipv4(&p->remote, ntohl(s4->sin_addr.s_addr), (uint16_t)port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		port = ntohs(s6->sin6_port);
	}
	snprintf(p->ip, sizeof(p->ip), "%s", ip);
	snprintf(p->addr, sizeof(p->addr), "%s:%d", ip, port);
}

static struct peer *new_peer(struct p2p_net *n, evutil_socket_t fd, const struct sockaddr *sa,
			     bool inbound)
{
	struct peer *p = calloc(1, sizeof(*p));
	int one = 1;

	if (!p)
		return NULL;
	set_address(p, sa);
	/*
	 * Messages go out whole, as soon as they are written (Bitcoin Core does
	 * the same): with Nagle's algorithm a small announcement could wait for
	 * the ACK of the last one, which the peer delays by up to 40 ms.
	 */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	p->bev = bufferevent_socket_new(n->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!p->bev) {
		free(p);
		return NULL;
	}
	p->net = n;
	p->id = n->next_id++;
	p->inbound = inbound;
	p->connected = inbound;
	p->ping_usec = -1;
	p->addr_tokens = 1000;           /* one address before the bucket refills */
	p->addr_tokens_us = p2p_mono_us();
	RAND_bytes((uint8_t *)&p->nonce, sizeof(p->nonce));
	p->connected_at = time(NULL);
	p->started_s = p2p_mono_s();
	/* Stop reading once one maximal frame is buffered: memory per peer is bounded. */
	bufferevent_setwatermark(p->bev, EV_READ, 0, P2P_HEADER_SIZE + P2P_MAX_PAYLOAD);
	bufferevent_setwatermark(p->bev, EV_WRITE, n->o.max_send_buffer / 2, 0);
	bufferevent_setcb(p->bev, on_read, on_write, on_event, p);
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	p->next = n->peers;
	n->peers = p;
	return p;
}

struct peer *p2p_peer_adopt(struct p2p_net *n, int fd)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return new_peer(n, fd, (struct sockaddr *)&sin, true);
}

static int count_inbound(const struct p2p_net *n, const char *ip)
{
	int k = 0;

	for (struct peer *p = n->peers; p; p = p->next)
		if (p->inbound && !p->closing && (!ip || strcmp(p->ip, ip) == 0))
			k++;
	return k;
}

/* Whether a is a worse keeper than b: more connections from its address, then newer. */
static bool worse_keeper(const struct p2p_net *n, const struct peer *a, const struct peer *b)
{
	int ca = count_inbound(n, a->ip), cb = count_inbound(n, b->ip);

	if (ca != cb)
		return ca > cb;
	return a->started_s > b->started_s;
}

/*
 * At the inbound limit a newcomer makes room by evicting the least useful
 * other inbound peer: never one that gave us a block in the last ten
 * minutes; of the rest, one from the most crowded address, then the
 * newest (long-lived peers have proven themselves, as in Bitcoin Core).
 * Returns false if every other inbound peer is protected.
 */
static bool evict_one(struct p2p_net *n, const struct peer *newcomer)
{
	struct peer *victim = NULL;
	int64_t now = p2p_mono_s();

	for (struct peer *p = n->peers; p; p = p->next) {
		if (!p->inbound || p->closing || p == newcomer ||
		    (p->last_block_s && now - p->last_block_s < 600))
			continue;
		if (!victim || worse_keeper(n, p, victim))
			victim = p;
	}
	if (victim)
		p2p_disconnect(victim, "evicted to make room");
	return victim != NULL;
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct p2p_net *n = arg;

	if (n->listener)
		evconnlistener_enable(n->listener);
}

/*
 * accept() failed. Out of descriptors the connection stays queued and the
 * listener would fire again at once, a busy loop that starves every peer:
 * so accepting pauses for 100 ms (logged at most every 10 s), as the RPC
 * server does. Any other error was the one connection's.
 */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct p2p_net *n = arg;
	int e = EVUTIL_SOCKET_ERROR();
	struct timeval tv = {0, 100000};

	if (e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM)
		return;
	evconnlistener_disable(l);
	evtimer_add(n->resume, &tv);
	if (p2p_mono_s() - n->accept_warned_at >= 10 || !n->accept_warned_at) {
		n->accept_warned_at = p2p_mono_s();
		plog(n, P2P_LOG_WARN, "cannot accept a peer: %s; pausing 100 ms",
		     evutil_socket_error_to_string(e));
	}
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int len, void *arg)
{
	struct p2p_net *n = arg;
	struct peer *p = new_peer(n, fd, sa, true);

	if (!p) {
		evutil_closesocket(fd);
		return;
	}
	if (!n->active || p2p_is_banned(n, p->ip)) {
		p2p_disconnect(p, n->active ? "banned address" : "network inactive");
		return;
	}
	if (count_inbound(n, p->ip) > n->o.max_per_ip) {
		p2p_disconnect(p, "too many connections from this address");
		return;
	}
	if (count_inbound(n, NULL) > n->o.max_inbound && !evict_one(n, p)) {
		p2p_disconnect(p, "inbound slots full");
		return;
	}
	plog(n, P2P_LOG_INFO, "inbound peer %d (%s)", p->id, p->addr);
}

/* ---- outbound connections ---- */

/* Starts a non-blocking connection to sa from our bind address; the new peer, or NULL. */
static struct peer *connect_to(struct p2p_net *n, const struct sockaddr *sa, int salen)
{
	struct sockaddr_in src;
	evutil_socket_t fd = socket(AF_INET, SOCK_STREAM, 0);
	struct peer *p;

	/* Bind the source to our own address, so peers (and their bans) see us as us. */
	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	if (fd >= 0 && inet_pton(AF_INET, n->o.bind, &src.sin_addr) == 1)
		(void)!bind(fd, (struct sockaddr *)&src, sizeof(src));
	if (fd < 0 || evutil_make_socket_nonblocking(fd) < 0) {
		if (fd >= 0)
			evutil_closesocket(fd);
		return NULL;
	}
	p = new_peer(n, fd, sa, false);
	if (!p)
		evutil_closesocket(fd);
	else if (bufferevent_socket_connect(p->bev, sa, salen) < 0)
		p->closing = true;          /* reaped on the next tick */
	return p;
}

void p2p_outbound_reached(struct outbound *ob)
{
	ob->backoff = 1;
}

static void dial(struct p2p_net *n, struct outbound *ob)
{
	struct evutil_addrinfo hints, *res = NULL;
	struct peer *p;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	ob->next_try = p2p_mono_s() + ob->backoff;
	/* We banned it: no connecting out to it either (setban partitions a testnet). */
	if (p2p_is_banned(n, ob->host))
		return;
	if (evutil_getaddrinfo(ob->host, ob->port, &hints, &res) != 0 || !res)
		return;
	p = connect_to(n, res->ai_addr, (int)res->ai_addrlen);
	if (p) {
		p->ob = ob;
		ob->peer = p;
	}
	evutil_freeaddrinfo(res);
}

struct peer *p2p_dial_addr(struct p2p_net *n, const struct p2p_netaddr *a)
{
	struct sockaddr_in sin;
	struct peer *p;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(a->port);
	memcpy(&sin.sin_addr, a->ip + 12, 4);
	p = connect_to(n, (struct sockaddr *)&sin, (int)sizeof(sin));
	if (p)
		p->auto_out = true;
	return p;
}

int p2p_net_add_peer(struct p2p_net *n, const char *hostport, char *err, size_t errlen)
{
	const char *colon = strrchr(hostport, ':');
	struct outbound *ob;
	long port;
	char *end;

	if (!colon || colon == hostport || (size_t)(colon - hostport) >= sizeof(ob->host)) {
		snprintf(err, errlen, "expected HOST:PORT, got '%s'", hostport);
		return -1;
	}
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535) {
		snprintf(err, errlen, "invalid port in '%s'", hostport);
		return -1;
	}
	ob = calloc(1, sizeof(*ob));
	if (!ob) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(ob->host, hostport, (size_t)(colon - hostport));
	snprintf(ob->port, sizeof(ob->port), "%ld", port);
	ob->backoff = 1;
	ob->next = n->outs;
	n->outs = ob;
	if (n->active)
		dial(n, ob);
	return 0;
}

/* ---- the tick: timeouts, reconnection, cleanup ---- */

static void check_peer_timeouts(struct peer *p, int64_t now)
{
	const struct p2p_options *o = &p->net->o;

	/* Slow is fine, as long as it reads: only a queue that stopped shrinking counts. */
	if (p->send_full_since && send_queued(p) < p->send_low) {
		p->send_low = send_queued(p);
		p->send_progress_s = now;
	} else if (p->send_full_since && now - p->send_progress_s >= o->send_timeout) {
		drop_unread(p, "not reading what it asked for");
		return;
	}
	if (!p->handshaked && now - p->started_s >= o->handshake_timeout) {
		p2p_disconnect(p, "handshake timeout");
		return;
	}
	if (!p->handshaked)
		return;
	if (p->ping_nonce && now - p->last_ping_s >= o->ping_timeout) {
		p2p_disconnect(p, "ping timeout");
		return;
	}
	for (int i = 0; i < p->n_inflight; i++) {
		if (now - p->inflight[i].requested >= o->stall_timeout) {
			p2p_disconnect(p, "stalled block download");
			return;
		}
	}
	if (!p->ping_nonce && now - p->last_ping_s >= o->ping_interval) {
		uint8_t buf[8];
		RAND_bytes((uint8_t *)&p->ping_nonce, sizeof(p->ping_nonce));
		p->ping_nonce |= 1;
		for (int i = 0; i < 8; i++)
			buf[i] = (uint8_t)(p->ping_nonce >> (8 * i));
		p->ping_sent_us = p2p_mono_us();
		p->last_ping_s = now;
		p2p_send(p, "ping", buf, 8);
	}
}

static void reap_closed(struct p2p_net *n, int64_t now)
{
	for (struct peer *p = n->peers, *next; p; p = next) {
		next = p->next;
		if (p->closing && (evbuffer_get_length(bufferevent_get_output(p->bev)) == 0 ||
				   !p->connected || now - p->started_s > 3600))
			free_peer(p);
	}
}

static void on_reap(evutil_socket_t fd, short what, void *arg)
{
	reap_closed(arg, p2p_mono_s());
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct p2p_net *n = arg;
	int64_t now = p2p_mono_s();

	reap_closed(n, now);
	for (struct peer *p = n->peers; p; p = p->next)
		if (!p->closing)
			check_peer_timeouts(p, now);
	/* Blocks a dropped peer never delivered go to whoever else has them. */
	for (struct peer *p = n->peers; p; p = p->next)
		if (!p->closing)
			p2p_fetch_blocks(p);
	for (struct outbound *ob = n->outs; n->active && ob; ob = ob->next)
		if (!ob->peer && !ob->self && now >= ob->next_try)
			dial(n, ob);
	p2p_discovery_tick(n, now);
}

/* ---- lifecycle ---- */

static int start_listener(struct p2p_net *n, char *err, size_t errlen)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(n->o.port);
	if (inet_pton(AF_INET, n->o.bind, &sin.sin_addr) != 1) {
		snprintf(err, errlen, "invalid bind address '%s'", n->o.bind);
		return -1;
	}
	n->listener = evconnlistener_new_bind(n->base, on_accept, n,
					      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 64,
					      (struct sockaddr *)&sin, sizeof(sin));
	if (!n->listener) {
		snprintf(err, errlen, "cannot listen on %s:%u: %s", n->o.bind, n->o.port,
			 strerror(errno));
		return -1;
	}
	evconnlistener_set_error_cb(n->listener, on_accept_error);
	return 0;
}

struct p2p_net *p2p_net_new(struct event_base *base, const struct cons_params *p,
			    const struct p2p_options *o, const struct p2p_chain *chain,
			    char *err, size_t errlen)
{
	struct p2p_net *n = calloc(1, sizeof(*n));
	struct timeval second = {1, 0};

	if (!n) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n->ops = &p2p_socket_ops;
	n->base = base;
	n->params = p;
	n->o = *o;
	n->chain = *chain;
	n->active = true;
	n->next_id = 1;
	load_bans(n);
	n->tick = event_new(base, -1, EV_PERSIST, on_tick, n);
	n->reap = event_new(base, -1, 0, on_reap, n);
	n->resume = evtimer_new(base, on_resume, n);
	if (p2p_discovery_start(n) < 0 || !n->tick || !n->reap || !n->resume || event_add(n->tick, &second) < 0 ||
	    (o->listen && start_listener(n, err, errlen) < 0)) {
		if (!err[0])
			snprintf(err, errlen, "cannot start the network");
		p2p_net_free(n);
		return NULL;
	}
	return n;
}

void p2p_net_free(struct p2p_net *n)
{
	if (!n)
		return;
	while (n->peers)
		free_peer(n->peers);
	p2p_discovery_stop(n);
	while (n->outs) {
		struct outbound *ob = n->outs;
		n->outs = ob->next;
		free(ob);
	}
	while (n->bans) {
		struct ban *b = n->bans;
		n->bans = b->next;
		free(b);
	}
	if (n->listener)
		evconnlistener_free(n->listener);
	if (n->tick)
		event_free(n->tick);
	if (n->reap)
		event_free(n->reap);
	if (n->resume)
		event_free(n->resume);
	free(n);
}

void p2p_net_set_active(struct p2p_net *n, bool active)
{
	n->active = active;
	if (n->listener) {
		if (active)
			evconnlistener_enable(n->listener);
		else
			evconnlistener_disable(n->listener);
	}
	if (!active)
		for (struct peer *p = n->peers; p; p = p->next)
			p2p_disconnect(p, "network turned off");
	for (struct outbound *ob = n->outs; ob; ob = ob->next) {
		ob->backoff = 1;
		ob->next_try = 0;
	}
}

void p2p_net_totals(const struct p2p_net *n, uint64_t *recv, uint64_t *sent)
{
	*recv = n->total_recv;
	*sent = n->total_sent;
}

/* Our end of p's socket as ip:port, "" if unknown. */
static void local_address(char *out, size_t len, const struct peer *p)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char ip[INET6_ADDRSTRLEN];
	const void *a = NULL;
	int port = 0;

	out[0] = 0;
	if (getsockname(bufferevent_getfd(p->bev), (struct sockaddr *)&ss, &sl) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		a = &((const struct sockaddr_in *)&ss)->sin_addr;
		port = ntohs(((const struct sockaddr_in *)&ss)->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		a = &((const struct sockaddr_in6 *)&ss)->sin6_addr;
		port = ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port);
	}
	if (a && inet_ntop(ss.ss_family, a, ip, sizeof(ip)))
		snprintf(out, len, "%s:%d", ip, port);
}

/* The fields of Bitcoin Core's getpeerinfo beyond the first few. */
static void peer_info_more(struct p2p_peer_info *i, const struct peer *p)
{
	for (int k = 0; k < p->n_inflight && k < P2P_MAX_IN_FLIGHT; k++)
		memcpy(i->in_flight_hash[k], p->inflight[k].hash, 32);
	i->has_best = p->has_best;
	memcpy(i->best, p->best, 32);
	i->services = p->ver.services;
	i->relay = p->ver.relay;
	i->time_offset = p->time_offset;
	i->last_send = p->last_send;
	i->last_recv = p->last_recv;
	local_address(i->addr_bind, sizeof(i->addr_bind), p);
	i->conn_type = p->inbound ? "inbound" : p->auto_out ? "outbound-full-relay" : "manual";
	memcpy(i->sent_per_msg, p->sent_per_msg, sizeof(i->sent_per_msg));
	memcpy(i->recv_per_msg, p->recv_per_msg, sizeof(i->recv_per_msg));
}

size_t p2p_net_peers(const struct p2p_net *n, struct p2p_peer_info *out, size_t max)
{
	size_t k = 0;

	for (struct peer *p = n->peers; p; p = p->next) {
		if (p->closing || !p->connected)
			continue;
		if (k < max) {
			struct p2p_peer_info *i = &out[k];
			memset(i, 0, sizeof(*i));
			i->id = p->id;
			snprintf(i->addr, sizeof(i->addr), "%s", p->addr);
			i->inbound = p->inbound;
			i->handshaked = p->handshaked;
			i->version = p->ver.version;
			memcpy(i->user_agent, p->ver.user_agent, sizeof(i->user_agent));
			i->start_height = p->ver.start_height;
			i->misbehaviour = p->score;
			i->ping_usec = p->ping_usec;
			i->bytes_sent = p->bytes_sent;
			i->bytes_recv = p->bytes_recv;
			i->connected_at = p->connected_at;
			i->in_flight = p->n_inflight;
			peer_info_more(i, p);
		}
		k++;
	}
	return k;
}

/* ---- messages the network starts ---- */

void p2p_send_version(struct peer *p)
{
	struct p2p_net *n = p->net;
	struct p2p_version v;
	struct cons_writer w;

	memset(&v, 0, sizeof(v));
	v.version = P2P_PROTOCOL_VERSION;
	v.services = P2P_NODE_NETWORK;
	v.timestamp = time(NULL);
	v.nonce = p->nonce;
	v.recv = p->remote;
	if (n->has_listen_addr)
		v.from = n->listen_addr;     /* lets an inbound peer know where we listen */
	snprintf(v.user_agent, sizeof(v.user_agent), "%s", n->o.user_agent);
	v.start_height = (int32_t)n->chain.tip_height(n->chain.ctx);
	v.relay = true;
	cons_writer_init(&w);
	p2p_version_write(&w, &v);
	p2p_send(p, "version", w.data, w.len);
	cons_writer_release(&w);
}

void p2p_send_getheaders(struct peer *p, const uint8_t *from, const uint8_t *stop)
{
	struct p2p_getheaders g;          /* 3 KB: fine on the loop's stack */
	struct cons_writer w;

	memset(&g, 0, sizeof(g));
	g.version = P2P_PROTOCOL_VERSION;
	g.n = p->net->chain.locator(p->net->chain.ctx, from, g.locator);
	if (stop)
		memcpy(g.stop, stop, 32);
	cons_writer_init(&w);
	p2p_getheaders_write(&w, &g);
	p2p_send(p, "getheaders", w.data, w.len);
	cons_writer_release(&w);
}

bool p2p_in_flight_anywhere(const struct p2p_net *n, const uint8_t hash[32])
{
	for (struct peer *p = n->peers; p; p = p->next)
		for (int i = 0; i < p->n_inflight && !p->closing; i++)
			if (memcmp(p->inflight[i].hash, hash, 32) == 0)
				return true;
	return false;
}

void p2p_fetch_blocks(struct peer *p)
{
	struct p2p_net *n = p->net;
	uint8_t want[128][32];
	struct p2p_inv inv[P2P_MAX_IN_FLIGHT];
	int room = n->o.max_in_flight - p->n_inflight, k = 0;
	size_t m;
	struct cons_writer w;

	if (room > P2P_MAX_IN_FLIGHT - p->n_inflight)
		room = P2P_MAX_IN_FLIGHT - p->n_inflight;
	if (!p->handshaked || p->closing || !p->has_best || room <= 0)
		return;
	m = n->chain.missing_blocks(n->chain.ctx, p->best, want, 128);
	for (size_t i = 0; i < m && k < room; i++) {
		if (p2p_in_flight_anywhere(n, want[i]))
			continue;
		inv[k].type = P2P_INV_BLOCK;
		memcpy(inv[k].hash, want[i], 32);
		memcpy(p->inflight[p->n_inflight].hash, want[i], 32);
		p->inflight[p->n_inflight++].requested = p2p_mono_s();
		k++;
	}
	if (k == 0)
		return;
	plog(n, P2P_LOG_DEBUG, "requested %d blocks from peer %d (%s)", k, p->id, p->addr);
	cons_writer_init(&w);
	p2p_inv_write(&w, inv, (size_t)k);
	p2p_send(p, "getdata", w.data, w.len);
	cons_writer_release(&w);
}

void p2p_net_announce_block(struct p2p_net *n, const struct cons_header *h, const uint8_t hash[32])
{
	struct cons_writer hw, iw;
	struct p2p_inv inv = {.type = P2P_INV_BLOCK};

	memcpy(inv.hash, hash, 32);
	cons_writer_init(&hw);
	cons_writer_init(&iw);
	p2p_headers_write(&hw, h, 1);
	p2p_inv_write(&iw, &inv, 1);
	for (struct peer *p = n->peers; p; p = p->next) {
		if (!p->handshaked || p->closing)
			continue;
		/* A peer whose chain we learnt holds the block has it: the one that sent it, say. */
		if (p->has_best && n->chain.is_ancestor(n->chain.ctx, hash, p->best))
			continue;
		if (p->send_headers)
			p2p_send(p, "headers", hw.data, hw.len);
		else
			p2p_send(p, "inv", iw.data, iw.len);
	}
	cons_writer_release(&hw);
	cons_writer_release(&iw);
}

void p2p_net_announce_tx(struct p2p_net *n, const uint8_t txid[32], int from_peer)
{
	struct cons_writer w;
	struct p2p_inv inv = {.type = P2P_INV_TX};

	memcpy(inv.hash, txid, 32);
	cons_writer_init(&w);
	p2p_inv_write(&w, &inv, 1);
	for (struct peer *p = n->peers; p; p = p->next)
		if (p->handshaked && !p->closing && p->id != from_peer && p->ver.relay)
			p2p_send(p, "inv", w.data, w.len);
	cons_writer_release(&w);
}
