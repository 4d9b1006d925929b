/*
 * Each call: a fresh evhttp connection, so a slow or dead node costs one
 * descriptor until its timeout and holds up no other. A connection is freed
 * from a zero-delay event after its request's callback, never inside it
 * (libevent still uses it then; its own free-on-completion flag misses the
 * error paths in 2.1).
 */
#include "client/rpcbatch.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

struct call {
	struct client_batch *b;
	struct client_options o;
	char endpoint[300];
	char *body;
	client_batch_done done;
	void *arg;
	struct evhttp_connection *conn;
	bool reap;                   /* conn is ours to free once the call is done */
	struct call *next;           /* the queue, or the in-flight list */
	struct call *prev;
};

struct client_batch {
	struct event_base *base;
	bool own_base;
	int max_inflight, inflight;
	size_t pending;
	bool starting;               /* inside start_next: a failed start does not recurse */
	struct call *head, *tail;    /* queued, oldest first */
	struct call *flying;         /* in flight */
	struct evhttp_connection **dead; /* done, to be freed by reaper */
	size_t ndead, deadcap;
	struct event *reaper;
	unsigned long next_id;
};

static void reap(evutil_socket_t fd, short what, void *arg)
{
	struct client_batch *b = arg;

	for (size_t i = 0; i < b->ndead; i++)
		evhttp_connection_free(b->dead[i]);
	b->ndead = 0;
}

struct client_batch *client_batch_new(struct event_base *base, int max_inflight)
{
	struct client_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->own_base = !base;
	b->base = base ? base : event_base_new();
	b->max_inflight = max_inflight < 1 ? 1 : max_inflight;
	b->reaper = b->base ? event_new(b->base, -1, 0, reap, b) : NULL;
	if (!b->reaper) {
		if (b->own_base && b->base)
			event_base_free(b->base);
		free(b);
		return NULL;
	}
	return b;
}

static void call_free(struct call *c)
{
	free(c->body);
	free(c);
}

void client_batch_free(struct client_batch *b)
{
	if (!b)
		return;
	while (b->head) {
		struct call *c = b->head;
		b->head = c->next;
		call_free(c);
	}
	while (b->flying) {
		struct call *c = b->flying;
		b->flying = c->next;
		evhttp_connection_free(c->conn);
		call_free(c);
	}
	reap(-1, 0, b);
	free(b->dead);
	event_free(b->reaper);
	if (b->own_base)
		event_base_free(b->base);
	free(b);
}

size_t client_batch_pending(const struct client_batch *b)
{
	return b->pending;
}

static void start_next(struct client_batch *b);

/* Frees conn from the reaper; if there is no room to remember it, leaves it open (a leak, not a crash). */
static void reap_later(struct client_batch *b, struct evhttp_connection *conn)
{
	if (b->ndead == b->deadcap) {
		size_t cap = b->deadcap ? 2 * b->deadcap : 16;
		struct evhttp_connection **d = realloc(b->dead, cap * sizeof(*d));
		if (!d)
			return;
		b->dead = d;
		b->deadcap = cap;
	}
	b->dead[b->ndead++] = conn;
	event_active(b->reaper, 0, 0);
}

/* Takes c off the in-flight list, reports, frees; then starts what waits. */
static void finish(struct call *c, json_t *result, const struct client_error *e)
{
	struct client_batch *b = c->b;

	if (c->conn) {
		if (c->prev)
			c->prev->next = c->next;
		else
			b->flying = c->next;
		if (c->next)
			c->next->prev = c->prev;
		b->inflight--;
	}
	if (c->conn && c->reap)
		reap_later(b, c->conn);
	b->pending--;
	c->done(c->arg, result, e);
	call_free(c);
	start_next(b);
}

static void fail(struct call *c, int code, const char *msg)
{
	struct client_error e;

	e.code = code;
	snprintf(e.message, sizeof(e.message), "%s", msg);
	finish(c, NULL, &e);
}

static void on_reply(struct evhttp_request *req, void *arg)
{
	struct call *c = arg;
	struct client_error e = {0, ""};
	json_t *res = NULL;
	int status = req ? evhttp_request_get_response_code(req) : 0;

	if (status == 0) {
		e.code = CLIENT_ERR_CONNECT;
		snprintf(e.message, sizeof(e.message), "cannot reach the node at %s", c->endpoint);
	} else {
		struct evbuffer *in = evhttp_request_get_input_buffer(req);
		size_t n = evbuffer_get_length(in);
		const char *body = (const char *)evbuffer_pullup(in, (ssize_t)n);
		res = client_reply_decode(c->endpoint, status, body, n, &e);
	}
	c->reap = true;
	finish(c, res, res ? NULL : &e);
	json_decref(res);
}

static int send_call(struct call *c)
{
	struct client_batch *b = c->b;
	struct client_error e;
	char auth[1024];
	struct evhttp_request *req;
	struct evkeyvalq *h;

	if (client_auth_header(&c->o, auth, sizeof(auth), &e) < 0) {
		fail(c, e.code, e.message);
		return -1;
	}
	c->conn = evhttp_connection_base_new(b->base, NULL, c->o.host, c->o.port);
	req = c->conn ? evhttp_request_new(on_reply, c) : NULL;
	if (!req) {
		if (c->conn)
			evhttp_connection_free(c->conn);
		c->conn = NULL;
		fail(c, CLIENT_ERR_CONNECT, "out of memory or descriptors");
		return -1;
	}
	evhttp_connection_set_timeout(c->conn, c->o.timeout);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", c->o.host);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Authorization", auth);
	evbuffer_add(evhttp_request_get_output_buffer(req), c->body, strlen(c->body));
	c->prev = NULL;
	c->next = b->flying;
	if (b->flying)
		b->flying->prev = c;
	b->flying = c;
	b->inflight++;
	if (evhttp_make_request(c->conn, req, EVHTTP_REQ_POST, "/") < 0) {
		/* libevent freed req; the connection is still ours, and c still flies. */
		evhttp_connection_free(c->conn);
		fail(c, CLIENT_ERR_CONNECT, "cannot start the request");
		return -1;
	}
	return 0;
}

static void start_next(struct client_batch *b)
{
	if (b->starting)
		return;
	b->starting = true;
	while (b->head && b->inflight < b->max_inflight) {
		struct call *c = b->head;
		b->head = c->next;
		if (!b->head)
			b->tail = NULL;
		c->next = NULL;
		send_call(c);
	}
	b->starting = false;
}

int client_batch_call(struct client_batch *b, const struct client_options *o, const char *method,
		      json_t *params, client_batch_done done, void *arg)
{
	struct call *c = calloc(1, sizeof(*c));
	json_t *req;

	if (!c) {
		json_decref(params);
		return -1;
	}
	req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "1.0", "id", (json_int_t)++b->next_id,
			"method", method, "params", params ? params : json_array());
	c->body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!c->body) {
		free(c);
		return -1;
	}
	c->b = b;
	c->o = *o;
	snprintf(c->endpoint, sizeof(c->endpoint), "%s:%u", o->host, o->port);
	c->done = done;
	c->arg = arg;
	if (b->tail)
		b->tail->next = c;
	else
		b->head = c;
	b->tail = c;
	b->pending++;
	start_next(b);
	return 0;
}

int client_batch_wait(struct client_batch *b)
{
	while (b->pending)
		if (event_base_loop(b->base, EVLOOP_ONCE) < 0)
			return -1;
	return 0;
}
