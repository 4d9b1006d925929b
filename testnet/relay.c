/*
 * The link relay (see relay.h). Each relayed connection is two pipes, one
 * per direction. A pipe on a bare wire moves bytes socket to socket with
 * splice(2) through a kernel pipe, never copying them into the relay. A shaped pipe stamps each
 * chunk it reads with its release time (shape.h), holds it in `held`, and a
 * timer moves it out when it is due and the token bucket allows. A pipe
 * stops reading once 512 KB wait in the relay, so a slow link pushes back
 * on the sender as a real bottleneck does.
 */
#define _GNU_SOURCE
#include "testnet/relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "testnet/shape.h"

#define HIGH_WATER (512 * 1024)
#define MAX_READ (1024 * 1024)
#define ACCEPT_PAUSE_MS 100          /* not accepting for this long when out of descriptors */

struct mark {
	uint64_t release_us;
	size_t len;
};

struct conn;

/* One direction of one connection. */
struct pipe {
	struct conn *c;
	int from, to;                /* the link direction its bytes take */
	struct bufferevent *src, *dst;
	struct evbuffer *held;       /* read, stamped, not yet released */
	struct mark *marks;          /* a ring of cap, n from head */
	size_t head, n, cap;
	uint64_t last_release;
	struct tn_bucket bucket;
	struct event *timer;
	bool eof;                    /* src is closed */
	int pfd[2];                  /* the kernel pipe of the splice path, or -1 */
	size_t inpipe;               /* bytes in it, not yet written to dst */
	struct event *wev;           /* dst writable again, for those bytes */
	struct event *rev;           /* src readable, on the splice path */
};

struct conn {
	struct tn_relay *r;
	int from, to;                /* the dialler and the dialled node */
	struct sockaddr_in src, dst;
	struct bufferevent *in, *out;/* accepted from the dialler; dialled to the peer */
	bool dialled, connected, closing;
	struct pipe up, down;        /* in -> out, out -> in */
	struct conn *next;
};

/* One direction from > to, a slot of the relay's table (used: the slot holds it). */
struct rdir {
	bool used;
	int from, to;
	struct tn_linkdir cfg;
	uint64_t bytes, rand;
	size_t queued;               /* scratch for tn_relay_json */
	int conns;                   /* scratch for tn_relay_json */
};

/* The listener for the connections into one node, from whichever node dials. */
struct lsn {
	struct tn_relay *r;
	int to;
	struct sockaddr_in dst;
	struct evconnlistener *l;
	struct lsn *next;
};

/*
 * The directions are a hash table (open addressing) of the ones the relay
 * was told about or carried a connection for, so its size follows the
 * links, not the square of the nodes; any other direction has dflt.
 */
struct tn_relay {
	struct event_base *base;
	struct rdir *dir;            /* cap slots, n used, cap a power of two */
	size_t cap, n;
	struct tn_linkdir dflt;
	tn_relay_resolve resolve;    /* when set, what a new direction starts with */
	void *resolve_arg;
	struct conn *conns;
	struct lsn *lsns;
	size_t n_conns;
	struct event *resume;        /* re-enables accepting after a pause */
	bool paused;                 /* out of descriptors: not accepting for now */
	uint64_t last_pause_us;      /* when a pause was last reported */
	uint64_t pauses;
};

uint64_t tn_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static size_t slot_of(const struct tn_relay *r, int from, int to)
{
	uint64_t h = ((uint64_t)(uint32_t)from << 32 | (uint32_t)to) * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 20) & (r->cap - 1);
}

static struct rdir *dir_find(const struct tn_relay *r, int from, int to)
{
	if (!r->cap)
		return NULL;
	for (size_t k = slot_of(r, from, to);; k = (k + 1) & (r->cap - 1)) {
		struct rdir *d = &r->dir[k];
		if (!d->used)
			return NULL;
		if (d->from == from && d->to == to)
			return d;
	}
}

static int dir_grow(struct tn_relay *r)
{
	size_t cap = r->cap ? r->cap * 2 : 256;
	struct rdir *old = r->dir, *t = calloc(cap, sizeof(*t));
	size_t oldcap = r->cap;

	if (!t)
		return -1;
	r->dir = t;
	r->cap = cap;
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i].used)
			continue;
		size_t k = slot_of(r, old[i].from, old[i].to);
		while (t[k].used)
			k = (k + 1) & (cap - 1);
		t[k] = old[i];
	}
	free(old);
	return 0;
}

/* The direction's slot, made (with the default settings) if new; NULL when out of memory. */
static struct rdir *dir_get(struct tn_relay *r, int from, int to)
{
	struct rdir *d = dir_find(r, from, to);
	size_t k;

	if (d)
		return d;
	if ((r->n + 1) * 2 > r->cap && dir_grow(r) < 0)
		return NULL;
	for (k = slot_of(r, from, to); r->dir[k].used; k = (k + 1) & (r->cap - 1))
		;
	d = &r->dir[k];
	memset(d, 0, sizeof(*d));
	d->used = true;
	d->from = from;
	d->to = to;
	d->cfg = r->dflt;
	if (r->resolve)
		r->resolve(r->resolve_arg, from, to, &d->cfg);
	d->rand = 0x5eed0000u + (uint64_t)from * TN_MAX_NODES + (uint64_t)to;
	r->n++;
	return d;
}

/* Every connection made both directions of its link (on_accept), so they are there. */
static struct rdir *dir_of(struct pipe *p)
{
	return dir_find(p->c->r, p->from, p->to);
}

static bool both_cut(struct conn *c)
{
	return dir_find(c->r, c->from, c->to)->cfg.cut && dir_find(c->r, c->to, c->from)->cfg.cut;
}

/* ---- closing ---- */

static void pipe_release_mem(struct pipe *p)
{
	if (p->rev)
		event_free(p->rev);
	if (p->wev)
		event_free(p->wev);
	if (p->pfd[0] >= 0) {
		close(p->pfd[0]);
		close(p->pfd[1]);
	}
	if (p->timer)
		event_free(p->timer);
	if (p->held)
		evbuffer_free(p->held);
	free(p->marks);
}

static void conn_free(struct conn *c)
{
	for (struct conn **cc = &c->r->conns; *cc; cc = &(*cc)->next) {
		if (*cc == c) {
			*cc = c->next;
			c->r->n_conns--;
			break;
		}
	}
	pipe_release_mem(&c->up);
	pipe_release_mem(&c->down);
	if (c->in)
		bufferevent_free(c->in);
	if (c->out)
		bufferevent_free(c->out);
	free(c);
}

static size_t out_len(struct bufferevent *b)
{
	return b ? evbuffer_get_length(bufferevent_get_output(b)) : 0;
}

/* True when p's source has closed and everything it sent has been handed on. */
static bool pipe_done(struct pipe *p)
{
	return p->src && p->eof && p->n == 0 && p->inpipe == 0 && evbuffer_get_length(bufferevent_get_input(p->src)) == 0;
}

/*
 * Closes c once one side has closed and its bytes went through, unless that
 * direction is cut: then the other side hears nothing (no FIN) until the
 * link comes back or is reset. Once both sides have closed there is nobody
 * left to tell, cut or not. Output still pending goes out first.
 */
static bool conn_should_close(struct conn *c)
{
	return (c->up.eof && c->down.eof) ||
	       (pipe_done(&c->up) && !dir_of(&c->up)->cfg.cut) ||
	       (c->dialled && pipe_done(&c->down) && !dir_of(&c->down)->cfg.cut) ||
	       (c->up.eof && !c->connected);
}

static void conn_check_close(struct conn *c)
{
	if (!conn_should_close(c) && !c->closing)
		return;
	if (!c->closing) {
		c->closing = true;
		bufferevent_disable(c->in, EV_READ);
		if (c->out)
			bufferevent_disable(c->out, EV_READ);
		if (c->up.rev)
			event_del(c->up.rev);
		if (c->down.rev)
			event_del(c->down.rev);
		bufferevent_setwatermark(c->in, EV_WRITE, 0, 0);
		if (c->out)
			bufferevent_setwatermark(c->out, EV_WRITE, 0, 0);
	}
	if (out_len(c->in) == 0 && (!c->connected || out_len(c->out) == 0))
		conn_free(c);
}

/* ---- moving bytes ---- */

static void pipe_schedule(struct pipe *p, uint64_t wait_us)
{
	struct timeval tv = {(time_t)(wait_us / 1000000u), (suseconds_t)(wait_us % 1000000u)};

	event_add(p->timer, &tv);
}

/*
 * Writes the bytes spliced into the kernel pipe on to dst. True when none
 * are left; false when dst is full (wev then fires when it is not) or
 * failed (the bufferevent finds the error itself).
 */
static bool kernel_drain(struct pipe *p)
{
	while (p->inpipe) {
		ssize_t w = splice(p->pfd[0], NULL, bufferevent_getfd(p->dst), NULL, p->inpipe,
				   SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
		if (w <= 0) {
			if (w < 0 && errno == EAGAIN)
				event_add(p->wev, NULL);
			return false;
		}
		p->inpipe -= (size_t)w;
	}
	return true;
}

static void on_writable(evutil_socket_t fd, short what, void *arg);
static void on_readable(evutil_socket_t fd, short what, void *arg);

/* Makes p's kernel pipe and its events on first use; 0, or -1 when out of them. */
static int pipe_kernel_init(struct pipe *p)
{
	if (p->pfd[0] >= 0)
		return p->wev && p->rev ? 0 : -1;
	if (pipe2(p->pfd, O_NONBLOCK | O_CLOEXEC) < 0) {
		p->pfd[0] = p->pfd[1] = -1;
		return -1;
	}
	/* A bigger pipe moves more per splice (the default is 64 KB); best effort. */
	(void)fcntl(p->pfd[1], F_SETPIPE_SZ, 1 << 20);
	p->wev = event_new(p->c->r->base, bufferevent_getfd(p->dst), EV_WRITE, on_writable, p);
	p->rev = event_new(p->c->r->base, bufferevent_getfd(p->src), EV_READ | EV_PERSIST,
			   on_readable, p);
	return p->wev && p->rev ? 0 : -1;
}

/*
 * The bare-wire path: what the bufferevent has already read goes out
 * first, in order; then splice moves bytes kernel to kernel, a bounded
 * number of rounds per wake-up so other links get their turn. On this
 * path the bufferevent does not read (it would copy every byte into the
 * relay first): rev wakes it, and the end of file or an error is found
 * here.
 */
static void pipe_splice(struct pipe *p)
{
	struct evbuffer *in = bufferevent_get_input(p->src), *out = bufferevent_get_output(p->dst);
	int sfd = bufferevent_getfd(p->src), dfd = bufferevent_getfd(p->dst);
	struct rdir *d = dir_of(p);

	if (!kernel_drain(p))
		return;
	d->bytes += evbuffer_get_length(in);
	evbuffer_add_buffer(out, in);
	if (evbuffer_get_length(out) && evbuffer_write(out, dfd) < 0 && errno != EAGAIN)
		return;
	if (evbuffer_get_length(out))
		return;                  /* the bufferevent writes the rest */
	if (pipe_kernel_init(p) < 0)
		return;
	for (int i = 0; i < 16 && !p->eof; i++) {
		ssize_t r = splice(sfd, NULL, p->pfd[1], NULL, 1 << 20,
				   SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r <= 0) {
			p->eof = true;   /* closed or failed: as the bufferevent would report it */
			event_del(p->rev);
			return;
		}
		p->inpipe = (size_t)r;
		d->bytes += (size_t)r;
		if (!kernel_drain(p))
			return;
	}
}

/* Hands out every chunk that is due, as far as the bucket allows; re-arms the timer. */
static void pipe_release(struct pipe *p)
{
	struct rdir *d = dir_of(p);
	struct evbuffer *out = bufferevent_get_output(p->dst);
	uint64_t now = tn_mono_us();

	if (!kernel_drain(p))
		return;                  /* bytes of the bare-wire path go first */
	while (p->n && !d->cfg.cut) {
		struct mark *m = &p->marks[p->head];
		size_t k;
		if (m->release_us > now) {
			pipe_schedule(p, m->release_us - now);
			return;
		}
		k = tn_bucket_take(&p->bucket, now, m->len);
		if (k) {
			evbuffer_remove_buffer(p->held, out, k);
			d->bytes += k;
			m->len -= k;
		}
		if (m->len) {
			pipe_schedule(p, tn_bucket_wait(&p->bucket, now, m->len));
			return;
		}
		p->head = (p->head + 1) % p->cap;
		p->n--;
	}
}

static int pipe_push(struct pipe *p, uint64_t release, size_t len)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct mark *m = malloc(cap * sizeof(*m));
		if (!m)
			return -1;
		for (size_t i = 0; i < p->n; i++)
			m[i] = p->marks[(p->head + i) % p->cap];
		free(p->marks);
		p->marks = m;
		p->cap = cap;
		p->head = 0;
	}
	p->marks[(p->head + p->n) % p->cap] = (struct mark){release, len};
	p->n++;
	return 0;
}

/* True when p takes the splice path (pipe_pump decides the same way). */
static bool pipe_bare(struct pipe *p)
{
	struct rdir *d = dir_of(p);

	return p->dst && p->c->connected && !d->cfg.cut && tn_linkdir_plain(&d->cfg) && p->n == 0;
}

/*
 * Reads only while the relay holds less than HIGH_WATER for this direction;
 * on the splice path only once everything read before is out, so bytes
 * keep their order.
 */
static void pipe_flow(struct pipe *p)
{
	size_t q;

	if (!p->src || p->c->closing)
		return;
	q = evbuffer_get_length(bufferevent_get_input(p->src)) + evbuffer_get_length(p->held) +
	    out_len(p->dst);
	if (pipe_bare(p) && pipe_kernel_init(p) == 0) {
		bufferevent_disable(p->src, EV_READ);
		if (q == 0 && !p->eof && p->inpipe == 0)
			event_add(p->rev, NULL);
		else
			event_del(p->rev);
		return;
	}
	if (p->rev)
		event_del(p->rev);
	if (q < HIGH_WATER && !p->eof && p->inpipe == 0)
		bufferevent_enable(p->src, EV_READ);
	else
		bufferevent_disable(p->src, EV_READ);
}

/*
 * Reads what the source's kernel holds, up to the high-water mark, in large
 * slices: libevent 2.1 reads at most 4 KB a wake-up, which caps a link far
 * below loopback speed. An end of file or error is left for the
 * bufferevent to find on its next read.
 */
static void pipe_slurp(struct pipe *p)
{
	struct evbuffer *in = bufferevent_get_input(p->src);
	evutil_socket_t fd = bufferevent_getfd(p->src);

	while (evbuffer_get_length(in) + out_len(p->dst) < HIGH_WATER) {
		struct evbuffer_iovec v[2];
		int nv = evbuffer_reserve_space(in, 256 * 1024, v, 2);
		ssize_t r;
		if (nv <= 0)
			return;
		r = readv(fd, (struct iovec *)v, nv);
		if (r <= 0) {
			evbuffer_commit_space(in, v, 0);
			return;
		}
		for (int i = 0; i < nv; i++) {
			size_t k = (size_t)r < v[i].iov_len ? (size_t)r : v[i].iov_len;
			v[i].iov_len = k;
			r -= (ssize_t)k;
		}
		evbuffer_commit_space(in, v, nv);
	}
}

/* Takes what p's source has read into the link, then releases what is due. */
static void pipe_pump(struct pipe *p)
{
	struct rdir *d = dir_of(p);
	struct evbuffer *in;
	size_t n;

	if (!p->src || !p->dst)
		return;
	in = bufferevent_get_input(p->src);
	n = evbuffer_get_length(in);
	if (!p->c->connected || p->c->closing)
		goto out;
	if (pipe_bare(p)) {
		pipe_splice(p);
		goto out;
	}
	if (n && !d->cfg.cut) {
		pipe_slurp(p);
		n = evbuffer_get_length(in);
		{
			uint64_t now = tn_mono_us();
			uint64_t rel = tn_release_time(&d->cfg, now, p->last_release, &d->rand);
			if (pipe_push(p, rel, n) == 0) {
				p->last_release = rel;
				evbuffer_add_buffer(p->held, in);
			}
		}
	}
	pipe_release(p);
out:
	pipe_flow(p);
}

static struct pipe *pipe_of_src(struct conn *c, struct bufferevent *b)
{
	return b == c->in ? &c->up : &c->down;
}

static void on_read(struct bufferevent *b, void *arg)
{
	struct conn *c = arg;

	pipe_pump(pipe_of_src(c, b));
	conn_check_close(c);
}

/* The other side's kernel took bytes: the pipe writing into b may read again. */
static void on_write(struct bufferevent *b, void *arg)
{
	struct conn *c = arg;

	if (c->closing) {
		conn_check_close(c);
		return;
	}
	pipe_flow(b == c->out ? &c->up : &c->down);
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
	struct pipe *p = arg;
	struct conn *c = p->c;

	pipe_pump(p);
	conn_check_close(c);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct pipe *p = arg;
	struct conn *c = p->c;

	pipe_pump(p);
	conn_check_close(c);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pipe *p = arg;
	struct conn *c = p->c;

	pipe_release(p);
	pipe_flow(p);
	conn_check_close(c);
}

static void nodelay(struct bufferevent *b)
{
	int one = 1;

	setsockopt(bufferevent_getfd(b), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void on_event(struct bufferevent *b, short what, void *arg)
{
	struct conn *c = arg;

	if (what & BEV_EVENT_CONNECTED) {
		c->connected = true;
		nodelay(b);
		pipe_pump(&c->up);
		pipe_pump(&c->down);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		struct pipe *p = pipe_of_src(c, b);
		p->eof = true;
		bufferevent_disable(b, EV_READ);
		if (what & BEV_EVENT_ERROR && b == c->out && !c->connected) {
			conn_free(c);        /* the peer is not there: the dialler sees a close */
			return;
		}
		pipe_pump(p);
		conn_check_close(c);
	}
}

/* ---- connections ---- */

static int pipe_init(struct pipe *p, struct conn *c, int from, int to)
{
	p->c = c;
	p->from = from;
	p->to = to;
	p->pfd[0] = p->pfd[1] = -1;
	tn_bucket_init(&p->bucket, dir_find(c->r, from, to)->cfg.bandwidth_kbit, tn_mono_us());
	p->held = evbuffer_new();
	p->timer = evtimer_new(c->r->base, on_timer, p);
	return p->held && p->timer ? 0 : -1;
}

static struct bufferevent *new_bev(struct tn_relay *r, evutil_socket_t fd, struct conn *c)
{
	struct bufferevent *b = bufferevent_socket_new(r->base, fd, BEV_OPT_CLOSE_ON_FREE);

	if (!b)
		return NULL;
	bufferevent_setcb(b, on_read, on_write, on_event, c);
	bufferevent_setwatermark(b, EV_WRITE, HIGH_WATER / 2, 0);
	bufferevent_set_max_single_read(b, MAX_READ);
	bufferevent_set_max_single_write(b, MAX_READ);
	return b;
}

/* Dials c's peer from the dialler's own address. */
static int conn_dial(struct conn *c)
{
	evutil_socket_t fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (evutil_make_socket_nonblocking(fd) < 0 ||
	    bind(fd, (struct sockaddr *)&c->src, sizeof(c->src)) < 0) {
		evutil_closesocket(fd);
		return -1;
	}
	c->out = new_bev(c->r, fd, c);
	if (!c->out) {
		evutil_closesocket(fd);
		return -1;
	}
	c->up.dst = c->out;
	c->down.src = c->out;
	c->dialled = true;
	if (bufferevent_socket_connect(c->out, (struct sockaddr *)&c->dst, sizeof(c->dst)) < 0)
		return -1;
	return 0;
}

/*
 * A node dials the relay's listener for node ls->to from its own address:
 * that address names the dialler, and the relay dials on from it. A
 * connection from an address that is no node's, or from the node itself,
 * is closed.
 */
static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
		      void *arg)
{
	struct lsn *ls = arg;
	struct sockaddr_in *peer = (struct sockaddr_in *)sa;
	int from = sa->sa_family == AF_INET ? tn_node_of_ip(peer->sin_addr.s_addr) : -1;
	struct conn *c;

	if (from < 0 || from == ls->to || !dir_get(ls->r, from, ls->to) ||
	    !dir_get(ls->r, ls->to, from) || !(c = calloc(1, sizeof(*c)))) {
		evutil_closesocket(fd);
		return;
	}
	c->r = ls->r;
	c->from = from;
	c->to = ls->to;
	c->src = *peer;
	c->src.sin_port = 0;
	c->dst = ls->dst;
	c->in = new_bev(c->r, fd, c);
	if (!c->in) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	nodelay(c->in);
	c->up.src = c->in;
	c->down.dst = c->in;
	c->next = c->r->conns;
	c->r->conns = c;
	c->r->n_conns++;
	if (pipe_init(&c->up, c, c->from, c->to) < 0 || pipe_init(&c->down, c, c->to, c->from) < 0 ||
	    (!both_cut(c) && conn_dial(c) < 0)) {
		conn_free(c);
		return;
	}
	/* Cut both ways: the dial is held, reading only to notice the dialler leave. */
	bufferevent_enable(c->in, EV_READ);
}

/* ---- the relay ---- */

struct event_base *tn_relay_base_new(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	if (!cfg)
		return NULL;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct tn_relay *r = arg;

	r->paused = false;
	for (struct lsn *l = r->lsns; l; l = l->next)
		evconnlistener_enable(l->l);
}

/*
 * accept() failed. Out of descriptors (or kernel memory) the pending
 * connection stays queued and every listener would fire again at once, a
 * busy loop (and, through libevent's warning, a log growing by gigabytes):
 * so all of them pause for ACCEPT_PAUSE_MS, reported at most every 10 s.
 * Any other error is the one connection's and is dropped.
 */
static void on_accept_error(struct evconnlistener *el, void *arg)
{
	struct tn_relay *r = ((struct lsn *)arg)->r;
	int e = EVUTIL_SOCKET_ERROR();
	struct timeval tv = {0, ACCEPT_PAUSE_MS * 1000};
	uint64_t now = tn_mono_us();

	if ((e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM) || r->paused)
		return;
	r->paused = true;
	r->pauses++;
	for (struct lsn *l = r->lsns; l; l = l->next)
		evconnlistener_disable(l->l);
	evtimer_add(r->resume, &tv);
	if (now - r->last_pause_us >= 10000000u) {
		r->last_pause_us = now;
		fprintf(stderr, "relay: accept failed (%s) with %zu connections: not accepting "
			"for %d ms (pause %llu)\n", strerror(e), r->n_conns, ACCEPT_PAUSE_MS,
			(unsigned long long)r->pauses);
	}
}

struct tn_relay *tn_relay_new(struct event_base *base)
{
	struct tn_relay *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->base = base;
	r->resume = evtimer_new(base, on_resume, r);
	if (!r->resume) {
		free(r);
		return NULL;
	}
	return r;
}

void tn_relay_free(struct tn_relay *r)
{
	if (!r)
		return;
	while (r->conns)
		conn_free(r->conns);
	while (r->lsns) {
		struct lsn *l = r->lsns;
		r->lsns = l->next;
		evconnlistener_free(l->l);
		free(l);
	}
	event_free(r->resume);
	free(r->dir);
	free(r);
}

static int sockaddr_of(struct sockaddr_in *sa, const char *ip, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -1;
}

int tn_relay_listen(struct tn_relay *r, int to, const char *listen_ip, int listen_port,
		    const char *dst_ip, int dst_port, char *err, size_t errlen)
{
	struct lsn *l = calloc(1, sizeof(*l));
	struct sockaddr_in at;
	socklen_t len;

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	l->r = r;
	l->to = to;
	if (sockaddr_of(&at, listen_ip, listen_port) < 0 ||
	    sockaddr_of(&l->dst, dst_ip, dst_port) < 0) {
		snprintf(err, errlen, "bad address for the links into node %d", to);
		free(l);
		return -1;
	}
	l->l = evconnlistener_new_bind(r->base, on_accept, l,
				       LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 128,
				       (struct sockaddr *)&at, sizeof(at));
	if (!l->l) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s", listen_ip, listen_port,
			 strerror(errno));
		free(l);
		return -1;
	}
	evconnlistener_set_error_cb(l->l, on_accept_error);
	l->next = r->lsns;
	r->lsns = l;
	len = sizeof(at);
	if (getsockname(evconnlistener_get_fd(l->l), (struct sockaddr *)&at, &len) < 0)
		return listen_port;
	return ntohs(at.sin_port);
}

int tn_relay_set(struct tn_relay *r, int from, int to, const struct tn_linkdir *d)
{
	struct rdir *x = dir_get(r, from, to);

	if (!x || !dir_get(r, to, from))
		return -1;
	x = dir_find(r, from, to);   /* the second dir_get may have moved the table */
	x->cfg = *d;
	return 0;
}

void tn_relay_set_default(struct tn_relay *r, const struct tn_linkdir *d)
{
	r->dflt = *d;
}

void tn_relay_set_resolver(struct tn_relay *r, tn_relay_resolve f, void *arg)
{
	r->resolve = f;
	r->resolve_arg = arg;
}

void tn_relay_resolve_all(struct tn_relay *r)
{
	for (size_t k = 0; r->resolve && k < r->cap; k++)
		if (r->dir[k].used)
			r->resolve(r->resolve_arg, r->dir[k].from, r->dir[k].to, &r->dir[k].cfg);
}

static bool conn_of(const struct conn *c, int from, int to)
{
	return (c->from == from && c->to == to) || (c->from == to && c->to == from);
}

/* Brings connection c in line with its link's settings: buckets, held dials, release. */
static void conn_refresh(struct conn *c, uint64_t now)
{
	tn_bucket_set(&c->up.bucket, dir_find(c->r, c->from, c->to)->cfg.bandwidth_kbit, now);
	tn_bucket_set(&c->down.bucket, dir_find(c->r, c->to, c->from)->cfg.bandwidth_kbit, now);
}

/*
 * Applies the settings to the connections of the link a-b, or of every link
 * (a < 0): new bandwidths, a dial held by a cut goes through once either
 * direction is up again, and what is due is released. O(connections).
 */
static void relay_update(struct tn_relay *r, int a, int b)
{
	uint64_t now = tn_mono_us();
	struct conn *c, *next;

	for (c = r->conns; c; c = next) {
		next = c->next;
		if (a >= 0 && !conn_of(c, a, b))
			continue;
		conn_refresh(c, now);
		if (!c->dialled && !both_cut(c) && conn_dial(c) < 0) {
			conn_free(c);
			continue;
		}
		pipe_pump(&c->up);
		if (c->dialled)
			pipe_pump(&c->down);
	}
	/* Kicking may close connections; check them again, each from a fresh list walk. */
	for (bool again = true; again;) {
		again = false;
		for (c = r->conns; c; c = c->next) {
			if ((a < 0 || conn_of(c, a, b)) && !c->closing && conn_should_close(c)) {
				conn_check_close(c);
				again = true;
				break;
			}
		}
	}
}

void tn_relay_update(struct tn_relay *r)
{
	relay_update(r, -1, -1);
}

void tn_relay_configure(struct tn_relay *r, int from, int to, const struct tn_linkdir *d)
{
	if (tn_relay_set(r, from, to, d) == 0)
		relay_update(r, from, to);
}

int tn_relay_reset(struct tn_relay *r, int a, int b)
{
	int n = 0;

	for (struct conn *c = r->conns, *next; c; c = next) {
		next = c->next;
		if ((c->from == a && c->to == b) || (c->from == b && c->to == a)) {
			conn_free(c);
			n++;
		}
	}
	return n;
}

int tn_relay_reset_all(struct tn_relay *r)
{
	int n = 0;

	while (r->conns) {
		conn_free(r->conns);
		n++;
	}
	return n;
}

size_t tn_relay_connections(const struct tn_relay *r)
{
	return r->n_conns;
}

static size_t pipe_queued(struct pipe *p)
{
	return evbuffer_get_length(bufferevent_get_input(p->src)) + evbuffer_get_length(p->held) +
	       out_len(p->dst) + p->inpipe;
}

static json_t *dir_json(const struct rdir *d)
{
	return json_pack("{s:i, s:i, s:i, s:i, s:I, s:f, s:s, s:I, s:I}", "from", d->from, "to",
			 d->to, "delay_ms", d->cfg.delay_ms, "jitter_ms", d->cfg.jitter_ms,
			 "bandwidth_kbit", (json_int_t)d->cfg.bandwidth_kbit, "loss_pct",
			 d->cfg.loss_pct, "state", d->cfg.cut ? "cut" : "up", "bytes",
			 (json_int_t)d->bytes, "queued", (json_int_t)d->queued);
}

static int pair_order(const void *x, const void *y)
{
	const struct rdir *a = *(const struct rdir *const *)x, *b = *(const struct rdir *const *)y;

	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	return (a->to > b->to) - (a->to < b->to);
}

/* One walk over the connections counts them and their queues; then one object per pair. */
json_t *tn_relay_json(struct tn_relay *r)
{
	json_t *links = json_array();
	struct rdir **pairs = malloc((r->n / 2 + 1) * sizeof(*pairs));
	size_t np = 0;

	if (!links || !pairs) {
		free(pairs);
		return links;
	}
	for (size_t k = 0; k < r->cap; k++)
		r->dir[k].queued = 0, r->dir[k].conns = 0;
	for (struct conn *c = r->conns; c; c = c->next) {
		struct rdir *up = dir_find(r, c->from, c->to), *down = dir_find(r, c->to, c->from);
		up->queued += pipe_queued(&c->up);
		if (c->dialled)
			down->queued += pipe_queued(&c->down);
		(c->from < c->to ? up : down)->conns++;
	}
	for (size_t k = 0; k < r->cap; k++)
		if (r->dir[k].used && r->dir[k].from < r->dir[k].to)
			pairs[np++] = &r->dir[k];
	qsort(pairs, np, sizeof(*pairs), pair_order);
	for (size_t k = 0; k < np; k++) {
		const struct rdir *ab = pairs[k], *ba = dir_find(r, ab->to, ab->from);
		json_array_append_new(links, json_pack("{s:i, s:i, s:i, s:[o, o]}", "a", ab->from,
						       "b", ab->to, "connections", ab->conns,
						       "directions", dir_json(ab), dir_json(ba)));
	}
	free(pairs);
	return links;
}
