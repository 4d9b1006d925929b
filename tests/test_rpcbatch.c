/*
 * Tests for client/rpcbatch against a real JSON-RPC server over loopback
 * TCP: libevent's evhttp in the same process and on the same base, which
 * answers each request after a short timer so that calls overlap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "client/rpcbatch.h"

struct server {
	struct event_base *base;
	struct evhttp *http;
	uint16_t port;
	int outstanding, max_outstanding, served;
};

struct delayed {
	struct server *s;
	struct evhttp_request *req;
	struct event *ev;
};

static void answer(evutil_socket_t fd, short what, void *arg)
{
	struct delayed *d = arg;
	struct evbuffer *in = evhttp_request_get_input_buffer(d->req);
	struct evbuffer *out = evbuffer_new();
	json_t *doc = json_loadb((const char *)evbuffer_pullup(in, -1), evbuffer_get_length(in),
				 0, NULL);
	const char *method = json_string_value(json_object_get(doc, "method"));
	json_t *params = json_object_get(doc, "params");

	if (method && strcmp(method, "fail") == 0)
		evbuffer_add_printf(out, "{\"result\":null,\"error\":{\"code\":-8,\"message\":\"no\"}}");
	else if (method && strcmp(method, "echo") == 0)
		evbuffer_add_printf(out, "{\"result\":%lld,\"error\":null}",
				    (long long)json_integer_value(json_array_get(params, 0)));
	else
		evbuffer_add_printf(out, "{\"result\":\"%s\",\"error\":null}", method ? method : "");
	d->s->outstanding--;
	d->s->served++;
	evhttp_send_reply(d->req, 200, "OK", out);
	evbuffer_free(out);
	json_decref(doc);
	event_free(d->ev);
	free(d);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct server *s = arg;
	struct delayed *d = calloc(1, sizeof(*d));
	struct timeval tv = {0, 5000};
	const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req),
					      "Authorization");

	if (!auth || strcmp(auth, "Basic dTpw") != 0) {        /* "u:p" */
		evhttp_send_reply(req, 401, "Unauthorized", NULL);
		free(d);
		return;
	}
	d->s = s;
	d->req = req;
	d->ev = evtimer_new(s->base, answer, d);
	evtimer_add(d->ev, &tv);
	if (++s->outstanding > s->max_outstanding)
		s->max_outstanding = s->outstanding;
}

static int setup(void **state)
{
	struct server *s = calloc(1, sizeof(*s));
	struct evhttp_bound_socket *sock;

	s->base = event_base_new();
	s->http = evhttp_new(s->base);
	evhttp_set_gencb(s->http, on_request, s);
	sock = evhttp_bind_socket_with_handle(s->http, "127.0.0.1", 0);
	assert_non_null(sock);
	{
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss, &len);
		s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct server *s = *state;

	evhttp_free(s->http);
	event_base_free(s->base);
	free(s);
	return 0;
}

static struct client_options opts(uint16_t port, const char *user)
{
	struct client_options o;

	memset(&o, 0, sizeof(o));
	o.params = cons_params_by_name("regtest");
	snprintf(o.host, sizeof(o.host), "127.0.0.1");
	o.port = port;
	snprintf(o.user, sizeof(o.user), "%s", user);
	snprintf(o.password, sizeof(o.password), "p");
	snprintf(o.datadir, sizeof(o.datadir), "/nonexistent-flint-dir");
	o.timeout = 5;
	return o;
}

struct tally {
	int ok, failed, last_code;
	long long sum;
	char last_message[1536];
};

static void on_done(void *arg, json_t *result, const struct client_error *e)
{
	struct tally *t = arg;

	if (!result) {
		t->failed++;
		t->last_code = e->code;
		snprintf(t->last_message, sizeof(t->last_message), "%s", e->message);
		return;
	}
	t->ok++;
	t->sum += json_integer_value(result);
}

static void test_rpcbatch_many_calls_bounded_inflight(void **state)
{
	struct server *s = *state;
	struct client_batch *b = client_batch_new(s->base, 8);
	struct client_options o = opts(s->port, "u");
	struct tally t = {0};

	for (int i = 1; i <= 300; i++)
		assert_int_equal(client_batch_call(b, &o, "echo", json_pack("[i]", i), on_done, &t), 0);
	assert_true(client_batch_pending(b) > 0);
	assert_int_equal(client_batch_wait(b), 0);
	assert_int_equal(t.ok, 300);
	assert_int_equal(t.failed, 0);
	assert_int_equal(t.sum, 300 * 301 / 2);
	assert_int_equal(s->served, 300);
	assert_true(s->max_outstanding > 1);       /* the calls overlapped */
	assert_true(s->max_outstanding <= 8);      /* and never more than allowed */
	assert_int_equal(client_batch_pending(b), 0);
	client_batch_free(b);
}

static void test_rpcbatch_errors_reach_their_callbacks(void **state)
{
	struct server *s = *state;
	struct client_batch *b = client_batch_new(s->base, 4);
	struct client_options good = opts(s->port, "u"), bad = opts(s->port, "x");
	struct client_options dead = opts(1, "u"), nocookie = opts(s->port, "");
	struct tally node_err = {0}, auth = {0}, unreachable = {0}, cookie = {0};

	assert_int_equal(client_batch_call(b, &good, "fail", NULL, on_done, &node_err), 0);
	assert_int_equal(client_batch_call(b, &bad, "echo", NULL, on_done, &auth), 0);
	assert_int_equal(client_batch_call(b, &dead, "echo", NULL, on_done, &unreachable), 0);
	assert_int_equal(client_batch_call(b, &nocookie, "echo", NULL, on_done, &cookie), 0);
	assert_int_equal(client_batch_wait(b), 0);
	assert_int_equal(node_err.failed, 1);
	assert_int_equal(node_err.last_code, -8);
	assert_string_equal(node_err.last_message, "no");
	assert_int_equal(auth.last_code, CLIENT_ERR_AUTH);
	assert_int_equal(unreachable.last_code, CLIENT_ERR_CONNECT);
	assert_non_null(strstr(unreachable.last_message, "127.0.0.1:1"));
	assert_int_equal(cookie.last_code, CLIENT_ERR_NOCOOKIE);
	client_batch_free(b);
}

static void test_rpcbatch_free_drops_queued_calls(void **state)
{
	struct server *s = *state;
	struct client_batch *b = client_batch_new(s->base, 2);
	struct client_options o = opts(s->port, "u");
	struct tally t = {0};

	for (int i = 0; i < 10; i++)
		assert_int_equal(client_batch_call(b, &o, "echo", json_pack("[i]", i), on_done, &t), 0);
	assert_int_equal(client_batch_pending(b), 10);
	client_batch_free(b);                      /* no callback, no leak (ASan) */
	assert_int_equal(t.ok + t.failed, 0);
	client_batch_free(NULL);
}

static void test_rpcbatch_own_base(void **state)
{
	struct client_batch *b = client_batch_new(NULL, 1);
	struct client_options dead = opts(1, "u");
	struct tally t = {0};

	assert_non_null(b);
	assert_int_equal(client_batch_call(b, &dead, "echo", NULL, on_done, &t), 0);
	assert_int_equal(client_batch_wait(b), 0);
	assert_int_equal(t.failed, 1);
	client_batch_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rpcbatch_many_calls_bounded_inflight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpcbatch_errors_reach_their_callbacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpcbatch_free_drops_queued_calls, setup, teardown),
		cmocka_unit_test(test_rpcbatch_own_base),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
