/*
 * rpc: a bitcoin-cli-like caller for tests and scripts.
 *
 *   rpc [client options] METHOD [ARG...]
 *       Each ARG is parsed as JSON when it is valid JSON, otherwise taken as
 *       a string. Prints the result (strings bare, the rest as JSON) and
 *       exits 0; on an RPC error prints "error CODE: MESSAGE" to stderr and
 *       exits 1.
 *   rpc --http HOST:PORT VERB PATH [USER:PASS|-] [BODY|@SIZE]
 *       One raw HTTP request (no JSON-RPC framing), printing the status code
 *       on the first line and the body after it; @SIZE sends SIZE bytes of
 *       filler; $RPC_HTTP_HEADER ("Name: value") adds one header. For tests of
 *       the server's HTTP side: auth, limits, junk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>

#include "client/rpcclient.h"

struct raw_reply {
	int status;
	bool done;
};

static void on_raw(struct evhttp_request *req, void *arg)
{
	struct raw_reply *r = arg;

	r->done = true;
	if (!req)
		return;
	r->status = evhttp_request_get_response_code(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	char *body = malloc(n + 1);
	if (body) {
		evbuffer_remove(in, body, n);
		body[n] = 0;
		printf("%d\n%s", r->status, body);
		free(body);
	}
}

static void add_body(struct evhttp_request *req, const char *body)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	if (body[0] == '@') {
		size_t n = strtoul(body + 1, NULL, 10);
		char chunk[4096];
		memset(chunk, ' ', sizeof(chunk));
		for (size_t sent = 0; sent < n; sent += sizeof(chunk))
			evbuffer_add(out, chunk, n - sent < sizeof(chunk) ? n - sent : sizeof(chunk));
	} else {
		evbuffer_add(out, body, strlen(body));
	}
}

static int raw_http(int argc, char **argv)
{
	char host[256], *colon;
	struct raw_reply r = {0, false};
	struct event_base *base = event_base_new();
	struct evhttp_connection *conn;
	struct evhttp_request *req;

	if (argc < 5 || !base) {
		fprintf(stderr, "usage: rpc --http HOST:PORT VERB PATH [USER:PASS|-] [BODY|@SIZE]\n");
		return 2;
	}
	snprintf(host, sizeof(host), "%s", argv[2]);
	colon = strrchr(host, ':');
	if (!colon)
		return 2;
	*colon = 0;
	conn = evhttp_connection_base_new(base, NULL, host, (unsigned short)atoi(colon + 1));
	evhttp_connection_set_timeout(conn, 10);
	req = evhttp_request_new(on_raw, &r);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", host);
	if (argc > 5 && strcmp(argv[5], "-") != 0) {
		unsigned char b64[600], auth[700];
		EVP_EncodeBlock(b64, (const unsigned char *)argv[5], (int)strlen(argv[5]));
		snprintf((char *)auth, sizeof(auth), "Basic %s", b64);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Authorization",
				  (char *)auth);
	}
	if (getenv("RPC_HTTP_HEADER") && strchr(getenv("RPC_HTTP_HEADER"), ':')) {
		char name[128];
		const char *h = getenv("RPC_HTTP_HEADER"), *sep = strchr(h, ':');
		snprintf(name, sizeof(name), "%.*s", (int)(sep - h), h);
		evhttp_add_header(evhttp_request_get_output_headers(req), name,
				  sep[1] == ' ' ? sep + 2 : sep + 1);
	}
	if (argc > 6)
		add_body(req, argv[6]);
	evhttp_make_request(conn, req, strcmp(argv[3], "GET") == 0 ? EVHTTP_REQ_GET :
				       EVHTTP_REQ_POST, argv[4]);
	while (!r.done && event_base_loop(base, EVLOOP_ONCE) == 0)
		;
	evhttp_connection_free(conn);
	event_base_free(base);
	if (!r.status) {
		fprintf(stderr, "rpc: no HTTP reply\n");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct client_options o;
	struct client_error e;
	struct client *c;
	json_t *params, *res;
	char err[256];

	if (argc > 1 && strcmp(argv[1], "--http") == 0)
		return raw_http(argc, argv);
	if (client_options_parse(&o, &argc, argv, err, sizeof(err)) < 0 || argc < 2) {
		fprintf(stderr, "rpc: %s\n", argc < 2 ? "usage: rpc [options] METHOD [ARG...]" : err);
		return 2;
	}
	params = json_array();
	for (int i = 2; i < argc; i++) {
		json_t *v = json_loads(argv[i], JSON_DECODE_ANY, NULL);
		json_array_append_new(params, v ? v : json_string(argv[i]));
	}
	c = client_new(&o);
	res = c ? client_call(c, argv[1], params, &e) : NULL;
	client_free(c);
	if (!res) {
		fprintf(stderr, "error %d: %s\n", e.code, e.message);
		return 1;
	}
	if (json_is_string(res))
		printf("%s\n", json_string_value(res));
	else {
		char *s = json_dumps(res, JSON_ENCODE_ANY | JSON_INDENT(1) | JSON_REAL_PRECISION(16));
		printf("%s\n", s ? s : "");
		free(s);
	}
	json_decref(res);
	return 0;
}
