/*
 * The RPC server's HTTP side: listening, client address filter, Basic auth
 * against the cookie or --rpcuser/--rpcpassword, the request body bound,
 * JSON-RPC framing and batches, and dispatch to the method tables of
 * rpc_chain.c, rpc_tx.c and rpc_net.c. Amounts are written exactly by
 * rpc_reply.c.
 *
 * What a client can make the server hold (doc/rpc-limits.md): at most
 * max_conns connections (a new one closes the oldest); a whole request must
 * arrive within `timeout` seconds of the connection or of the previous
 * request, however slowly its bytes trickle in; a failed authentication is
 * answered after auth_delay_ms, by a timer, so guessing is slow and the loop
 * never waits. Out of descriptors, accepting pauses instead of spinning.
 */
#include "node/rpc.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "node/log.h"
#include "node/rpc_internal.h"
#include "util/hex.h"

/* Pauses accepting this long when out of descriptors. */
#define ACCEPT_PAUSE_MS 200
/* Full, how soon to look again whether the connections closed have gone. */
#define FULL_RECHECK_MS 10

/* One client connection, from accept until libevent frees it. */
struct conn {
	struct node_rpc *r;
	struct bufferevent *bev;        /* the connection's, owned by evhttp */
	struct event *deadline;         /* the request's arrival deadline */
	bool closing;                   /* shut down, not yet freed by evhttp */
	struct conn *prev, *next;       /* in connect order, oldest first */
};

/* A failed authentication waiting for its 401. */
struct denial {
	struct node_rpc *r;
	struct evhttp_request *req;
	struct event *timer;
	struct denial *prev, *next;
};

/* At most a few lines per 10 s of one kind of message; the rest are counted. */
struct ratelog {
	time_t window;
	int lines;
	unsigned long suppressed;
};

struct node_rpc {
	struct node_rpc_env *env;
	struct node_rpc_options o;
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *listener;
	struct event *resume;           /* re-enables accepting after a pause */
	struct event *sweeper;
	struct conn *oldest, *newest;
	int n_conns, n_closing;
	bool full;                      /* accepting paused until connections close */
	unsigned long evicted, refused_accepts, expired;
	struct denial *denials;
	struct ratelog log_evict, log_accept, log_expire;
	uint8_t auth_hash[32];          /* SHA-256 of the expected "user:password" */
	bool cookie_written;
};

/* ---- JSON-RPC ---- */

static const struct rpc_method *find_method(const char *name)
{
	const struct rpc_method *tables[] = {rpc_chain_methods, rpc_tx_methods, rpc_address_methods,
					     rpc_net_methods};

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct rpc_method *m = tables[t]; m->name; m++)
			if (strcmp(m->name, name) == 0)
				return m;
	return NULL;
}

static json_t *call_positional(struct node_rpc_env *env, const struct rpc_method *m,
			       json_t *params, struct rpc_error *e);

/* Named parameters, as Bitcoin Core takes them: mapped by the method's parameter names. */
static json_t *call_named(struct node_rpc_env *env, const struct rpc_method *m, json_t *named,
			  struct rpc_error *e)
{
	json_t *params = rpc_named_params(m->name, named, e), *res;

	if (!params)
		return NULL;
	res = call_positional(env, m, params, e);
	json_decref(params);
	return res;
}

static json_t *call(struct node_rpc_env *env, json_t *req, struct rpc_error *e)
{
	const char *name = json_string_value(json_object_get(req, "method"));
	json_t *params = json_object_get(req, "params");
	const struct rpc_method *m;

	if (!json_is_object(req))
		return rpc_fail(e, RPC_INVALID_REQUEST, "Invalid Request object");
	if (!name)
		return rpc_fail(e, RPC_INVALID_REQUEST, "Method must be a string");
	if (params && !json_is_null(params) && !json_is_array(params) && !json_is_object(params))
		return rpc_fail(e, RPC_INVALID_REQUEST, "Params must be an array or object");
	m = find_method(name);
	if (!m)
		return rpc_fail(e, RPC_METHOD_NOT_FOUND, "Method not found");
	if (json_is_object(params))
		return call_named(env, m, params, e);
	return call_positional(env, m, params, e);
}

/* params: an array, or NULL or null for none. */
static json_t *call_positional(struct node_rpc_env *env, const struct rpc_method *m,
			       json_t *params, struct rpc_error *e)
{
	size_t n = json_is_array(params) ? json_array_size(params) : 0;

	if ((int)n < m->min_params || (int)n > m->max_params)
		return rpc_fail(e, RPC_MISC_ERROR, "%s takes %d to %d parameters, got %zu", m->name,
				m->min_params, m->max_params, n);
	if (!json_is_array(params)) {
		json_t *empty = json_array(), *res;
		if (!empty)
			return rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
		res = m->fn(env, empty, e);
		json_decref(empty);
		return res;
	}
	return m->fn(env, params, e);
}

/* One request object in, one reply object out; *code is its error code, 0 if none. */
static json_t *reply_one(struct node_rpc_env *env, json_t *req, int *code)
{
	struct rpc_error e = {0};
	json_t *id = json_is_object(req) ? json_object_get(req, "id") : NULL;
	json_t *res = call(env, req, &e);

	env->rpc_requests++;
	*code = res ? 0 : e.code;
	if (res)
		return json_pack("{s:o, s:n, s:O?}", "result", res, "error", "id", id);
	return json_pack("{s:n, s:{s:i, s:s}, s:O?}", "result", "error", "code", e.code, "message",
			 e.message, "id", id);
}

static int http_status(int code)
{
	if (code == 0)
		return 200;
	if (code == RPC_INVALID_REQUEST)
		return 400;
	if (code == RPC_METHOD_NOT_FOUND)
		return 404;
	return 500;
}

static json_t *batch(struct node_rpc_env *env, json_t *reqs)
{
	json_t *out = json_array();
	size_t i;
	json_t *req;
	int code;

	json_array_foreach(reqs, i, req) {
		json_t *r = reply_one(env, req, &code);
		if (!r || json_array_append_new(out, r) < 0)
			break;
	}
	return out;
}

char *node_rpc_handle(struct node_rpc_env *env, const char *body, size_t len, int *status)
{
	json_error_t je;
	/* A key given twice would silently lose one value (a named parameter, say): refused. */
	json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je), *reply;
	json_t *lenient = doc ? NULL : json_loadb(body, len, 0, NULL);
	int code = 0;
	char *text;

	if (lenient) {
		char msg[256];
		code = RPC_INVALID_PARAMETER;
		snprintf(msg, sizeof(msg), "A key is given more than once (%s)", je.text);
		reply = json_pack("{s:n, s:{s:i, s:s}, s:O?}", "result", "error", "code", code,
				  "message", msg, "id", json_is_object(lenient) ?
				  json_object_get(lenient, "id") : NULL);
		json_decref(lenient);
	} else if (!doc) {
		code = RPC_PARSE_ERROR;
		reply = json_pack("{s:n, s:{s:i, s:s}, s:n}", "result", "error", "code", code,
				  "message", "Parse error", "id");
	} else if (json_is_array(doc)) {
		reply = batch(env, doc);
	} else if (json_is_object(doc)) {
		reply = reply_one(env, doc, &code);
	} else {
		code = RPC_PARSE_ERROR;
		reply = json_pack("{s:n, s:{s:i, s:s}, s:n}", "result", "error", "code", code,
				  "message", "Top-level object parse error", "id");
	}
	json_decref(doc);
	*status = http_status(code);
	text = reply ? rpc_reply_text(reply) : NULL;
	json_decref(reply);
	rpc_amounts_clear();
	return text;
}

/* ---- connections: count, deadline, eviction, pause on EMFILE ---- */

static bool ratelog_allow(struct ratelog *l)
{
	time_t now = time(NULL);

	if (now - l->window >= 10) {
		if (l->suppressed)
			log_warn("RPC: %lu more such messages in the last 10 s", l->suppressed);
		l->window = now;
		l->lines = 0;
		l->suppressed = 0;
	}
	if (l->lines < 3) {
		l->lines++;
		return true;
	}
	l->suppressed++;
	return false;
}

static struct timeval ms_tv(int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	return tv;
}

/*
 * Whether evhttp still holds c's connection. evhttp frees a connection's
 * bufferevent without telling anyone; bufferevent_free clears its
 * callbacks, and our own reference keeps the struct readable after that.
 */
static bool conn_alive(const struct conn *c)
{
	bufferevent_event_cb ecb = NULL;

	bufferevent_getcb(c->bev, NULL, NULL, &ecb, NULL);
	return ecb != NULL;
}

/* Ends c's connection: evhttp sees the socket close and frees it itself. */
static void conn_close(struct conn *c)
{
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	if (c->closing || !conn_alive(c))
		return;
	c->closing = true;
	c->r->n_closing++;
	evtimer_del(c->deadline);
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (!conn_alive(c))
		return;
	c->r->expired++;
	if (ratelog_allow(&c->r->log_expire))
		log_info("RPC: closing a connection that sent no whole request in %d s "
			 "(%lu so far)", c->r->o.timeout, c->r->expired);
	conn_close(c);
}

static void conn_arm(struct conn *c)
{
	struct timeval tv = {c->r->o.timeout, 0};

	evtimer_add(c->deadline, &tv);
}

static void conn_unlink(struct node_rpc *r, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		r->oldest = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		r->newest = c->prev;
	r->n_conns--;
	r->n_closing -= c->closing;
	event_free(c->deadline);
	bufferevent_decref(c->bev);
	free(c);
}

/* Forgets the connections evhttp has freed; resumes accepting if it was full. */
static void sweep(struct node_rpc *r)
{
	struct conn *c = r->oldest, *next;

	for (; c; c = next) {
		next = c->next;
		if (!conn_alive(c))
			conn_unlink(r, c);
	}
	if (r->full && r->n_conns < 2 * r->o.max_conns) {
		r->full = false;
		evconnlistener_enable(r->listener);
	}
}

static struct conn *conn_find(struct node_rpc *r, const struct bufferevent *bev)
{
	for (struct conn *c = r->newest; c; c = c->prev)
		if (c->bev == bev)
			return c;
	return NULL;
}

/* Past the cap, the oldest connections are closed: a client that holds
 * connections open cannot lock out one that comes to ask something. */
static void evict(struct node_rpc *r)
{
	int over = r->n_conns - r->n_closing - r->o.max_conns;

	if (over > 0 && ratelog_allow(&r->log_evict))
		log_warn("RPC: more than %d connections, closing the oldest (%lu so far)",
			 r->o.max_conns, r->evicted + 1);
	for (struct conn *c = r->oldest; c && over > 0; c = c->next) {
		if (c->closing)
			continue;
		r->evicted++;
		conn_close(c);
		over--;
	}
	/* Those closed are freed once the loop sees them close; a burst of new
	 * ones meanwhile waits in the kernel's backlog, holding no descriptor. */
	if (r->n_conns >= 2 * r->o.max_conns && !r->full) {
		struct timeval tv = ms_tv(FULL_RECHECK_MS);
		r->full = true;
		evconnlistener_disable(r->listener);
		evtimer_add(r->resume, &tv);
	}
}

/*
 * evhttp's hook for a new connection's bufferevent: we make it, and keep a
 * reference to learn when evhttp is done with it. Without
 * BEV_OPT_CLOSE_ON_FREE evhttp closes the socket itself when it frees the
 * connection, so our reference holds no descriptor.
 */
static struct bufferevent *on_connection(struct event_base *base, void *arg)
{
	struct node_rpc *r = arg;
	struct conn *c = calloc(1, sizeof(*c));

	sweep(r);
	if (!c)
		return NULL;   /* evhttp makes its own: neither counted nor timed */
	c->r = r;
	c->deadline = evtimer_new(base, on_deadline, c);
	c->bev = c->deadline ? bufferevent_socket_new(base, -1, 0) : NULL;
	if (!c->bev) {
		if (c->deadline)
			event_free(c->deadline);
		free(c);
		return NULL;
	}
	bufferevent_incref(c->bev);
	c->prev = r->newest;
	if (r->newest)
		r->newest->next = c;
	else
		r->oldest = c;
	r->newest = c;
	r->n_conns++;
	conn_arm(c);
	evict(r);
	return c->bev;
}

/* After a pause: accepting again, unless still full (then soon again). */
static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct node_rpc *r = arg;
	struct timeval tv = ms_tv(FULL_RECHECK_MS);

	sweep(r);
	if (!r->full)
		evconnlistener_enable(r->listener);
	else
		evtimer_add(r->resume, &tv);
}

/* Once a second: notices closed connections while no new one comes. */
static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
	sweep(arg);
}

/* accept() failed: out of descriptors (or memory), pause instead of spinning on it. */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct node_rpc *r = arg;
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval tv = ms_tv(ACCEPT_PAUSE_MS);

	r->refused_accepts++;
	if (ratelog_allow(&r->log_accept))
		log_warn("RPC: cannot accept a connection: %s; pausing %d ms (%lu so far)",
			 evutil_socket_error_to_string(err), ACCEPT_PAUSE_MS, r->refused_accepts);
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		evconnlistener_disable(l);
		evtimer_add(r->resume, &tv);
	}
}

/* ---- failed authentication: a 401 after a delay, from a timer ---- */

static void deny_send(struct denial *d)
{
	struct node_rpc *r = d->r;
	struct evkeyvalq *h = evhttp_request_get_output_headers(d->req);

	evhttp_add_header(h, "WWW-Authenticate", "Basic realm=\"jsonrpc\"");
	/* If the client left meanwhile, libevent just frees the request. */
	evhttp_send_reply(d->req, 401, "Unauthorized", NULL);
	if (d->prev)
		d->prev->next = d->next;
	else
		r->denials = d->next;
	if (d->next)
		d->next->prev = d->prev;
	event_free(d->timer);
	free(d);
}

static void on_deny_timer(evutil_socket_t fd, short what, void *arg)
{
	deny_send(arg);
}

static void deny(struct node_rpc *r, struct evhttp_request *req)
{
	struct denial *d = calloc(1, sizeof(*d));
	struct timeval tv = ms_tv(r->o.auth_delay_ms);

	if (d)
		d->timer = evtimer_new(r->base, on_deny_timer, d);
	if (!d || !d->timer || evtimer_add(d->timer, &tv) < 0) {
		if (d && d->timer)
			event_free(d->timer);
		free(d);
		evhttp_send_error(req, 503, NULL);
		return;
	}
	d->r = r;
	d->req = req;
	d->next = r->denials;
	if (d->next)
		d->next->prev = d;
	r->denials = d;
}

/* ---- HTTP ---- */

static void send_text(struct evhttp_request *req, int status, const char *type, const char *text)
{
	struct evbuffer *out = evbuffer_new();

	if (!out) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	evbuffer_add(out, text, strlen(text));
	evbuffer_add(out, "\n", 1);
	evhttp_send_reply(req, status, NULL, out);
	evbuffer_free(out);
}

/* True if ip (text) is loopback or in the --rpcallowip list (exact or a.b.c.d/len). */
static bool client_allowed(const struct node_rpc *r, const char *ip)
{
	struct in_addr a, net;

	if (strcmp(ip, "::1") == 0 || strncmp(ip, "127.", 4) == 0)
		return true;
	if (inet_pton(AF_INET, ip, &a) != 1)
		return false;
	for (int i = 0; i < r->o.n_allow; i++) {
		char base[64];
		const char *slash = strchr(r->o.allow[i], '/');
		int bits = slash ? atoi(slash + 1) : 32;
		uint32_t mask;

		snprintf(base, sizeof(base), "%.*s", slash ? (int)(slash - r->o.allow[i]) : 63,
			 r->o.allow[i]);
		if (inet_pton(AF_INET, base, &net) != 1 || bits < 0 || bits > 32)
			continue;
		mask = bits == 0 ? 0 : htonl(0xffffffffu << (32 - bits));
		if ((a.s_addr & mask) == (net.s_addr & mask))
			return true;
	}
	return false;
}

/* Basic auth, compared through hashes so the time taken says nothing of the secret. */
static bool authorized(const struct node_rpc *r, struct evhttp_request *req)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	unsigned char decoded[600], digest[32];
	size_t len;
	int n;

	if (!h || strncmp(h, "Basic ", 6) != 0)
		return false;
	h += 6;
	len = strlen(h);
	if (len == 0 || len % 4 != 0 || len / 4 * 3 >= sizeof(decoded))
		return false;
	n = EVP_DecodeBlock(decoded, (const unsigned char *)h, (int)len);
	if (n < 0)
		return false;
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	while (n > 0 && len > 0 && h[len - 1] == '=') {
		n--;
		len--;
	}
	SHA256(decoded, (size_t)n, digest);
	return CRYPTO_memcmp(digest, r->auth_hash, 32) == 0;
}

static void serve_rpc(struct node_rpc *r, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char *body = malloc(len + 1), *reply;
	int status;

	if (!body) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_remove(in, body, len);
	body[len] = 0;
	reply = node_rpc_handle(r->env, body, len, &status);
	free(body);
	if (!reply) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	send_text(req, status, "application/json", reply);
	free(reply);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct node_rpc *r = arg;
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	const char *path = evhttp_request_get_uri(req);
	struct conn *c = conn_find(r, evhttp_connection_get_bufferevent(conn));
	char *peer = NULL;
	ev_uint16_t port;

	/* A whole request came: the next one has a deadline of its own. */
	if (c)
		conn_arm(c);
	evhttp_connection_get_peer(conn, &peer, &port);
	if (!peer || !client_allowed(r, peer)) {
		evhttp_send_error(req, 403, NULL);
		return;
	}
	if (!authorized(r, req)) {
		deny(r, req);
		return;
	}
	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET && strcmp(path, "/metrics") == 0) {
		char *text = node_metrics_text(r->env);
		if (!text) {
			evhttp_send_error(req, 500, NULL);
			return;
		}
		send_text(req, 200, "text/plain; version=0.0.4", text);
		free(text);
	} else if (evhttp_request_get_command(req) == EVHTTP_REQ_POST) {
		serve_rpc(r, req);
	} else {
		evhttp_send_error(req, 405, "JSON-RPC uses POST; metrics are at GET /metrics");
	}
}

/* ---- credentials ---- */

static int write_cookie(struct node_rpc *r, const char *userpass, char *err, size_t errlen)
{
	char tmp[700];
	int fd;
	size_t len = strlen(userpass);

	snprintf(tmp, sizeof(tmp), "%s.tmp", r->o.cookie_path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, userpass, len) != (ssize_t)len || fsync(fd) < 0) {
		snprintf(err, errlen, "cannot write the RPC cookie '%s': %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if (rename(tmp, r->o.cookie_path) < 0) {
		snprintf(err, errlen, "cannot write the RPC cookie '%s': %s", r->o.cookie_path,
			 strerror(errno));
		unlink(tmp);
		return -1;
	}
	r->cookie_written = true;
	return 0;
}

static int setup_auth(struct node_rpc *r, char *err, size_t errlen)
{
	char userpass[300];

	if (r->o.user[0]) {
		snprintf(userpass, sizeof(userpass), "%s:%s", r->o.user, r->o.password);
	} else {
		uint8_t secret[32];
		char hex[65];
		if (RAND_bytes(secret, sizeof(secret)) != 1) {
			snprintf(err, errlen, "no randomness for the RPC cookie");
			return -1;
		}
		util_hex_encode(hex, secret, sizeof(secret));
		snprintf(userpass, sizeof(userpass), "__cookie__:%s", hex);
		if (write_cookie(r, userpass, err, errlen) < 0)
			return -1;
	}
	SHA256((const unsigned char *)userpass, strlen(userpass), r->auth_hash);
	OPENSSL_cleanse(userpass, sizeof(userpass));
	return 0;
}

struct node_rpc *node_rpc_new(struct event_base *base, struct node_rpc_env *env,
			      const struct node_rpc_options *o, char *err, size_t errlen)
{
	struct node_rpc *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	struct evhttp_bound_socket *sock;
	struct timeval second = {1, 0};

	r->env = env;
	r->o = *o;
	r->base = base;
	if (r->o.max_conns < 1)
		r->o.max_conns = NODE_RPC_MAX_CONNS;
	if (r->o.timeout < 1)
		r->o.timeout = NODE_RPC_TIMEOUT;
	if (r->o.auth_delay_ms < 0)
		r->o.auth_delay_ms = NODE_RPC_AUTH_DELAY_MS;
	r->http = evhttp_new(base);
	r->resume = evtimer_new(base, on_resume, r);
	r->sweeper = event_new(base, -1, EV_PERSIST, on_sweep, r);
	if (!r->http || !r->resume || !r->sweeper || event_add(r->sweeper, &second) < 0) {
		snprintf(err, errlen, "cannot create the HTTP server");
		goto fail;
	}
	evhttp_set_max_body_size(r->http, (ev_ssize_t)o->max_body);
	evhttp_set_max_headers_size(r->http, 8192);
	evhttp_set_allowed_methods(r->http, EVHTTP_REQ_POST | EVHTTP_REQ_GET);
	evhttp_set_timeout(r->http, r->o.timeout);
	evhttp_set_gencb(r->http, on_request, r);
	evhttp_set_bevcb(r->http, on_connection, r);
	sock = evhttp_bind_socket_with_handle(r->http, o->bind, o->port);
	if (!sock) {
		snprintf(err, errlen, "cannot listen for RPC on %s:%u (in use? another flintd?)",
			 o->bind, o->port);
		goto fail;
	}
	r->listener = evhttp_bound_socket_get_listener(sock);
	evconnlistener_set_error_cb(r->listener, on_accept_error);
	if (setup_auth(r, err, errlen) < 0)
		goto fail;
	return r;
fail:
	node_rpc_free(r);
	return NULL;
}

void node_rpc_free(struct node_rpc *r)
{
	if (!r)
		return;
	while (r->denials)
		deny_send(r->denials);
	/* evhttp closes each socket before it drops its events: drop them first. */
	for (struct conn *c = r->oldest; c; c = c->next)
		if (conn_alive(c))
			bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	if (r->http)
		evhttp_free(r->http);   /* frees the connections: all sweep away */
	while (r->oldest)
		conn_unlink(r, r->oldest);
	if (r->resume)
		event_free(r->resume);
	if (r->sweeper)
		event_free(r->sweeper);
	if (r->cookie_written)
		unlink(r->o.cookie_path);
	free(r);
}
