/*
 * The RPC server's HTTP side: listening, client address filter, Basic auth
 * against the cookie or --rpcuser/--rpcpassword, the request body bound,
 * JSON-RPC framing and batches, and dispatch to the method tables of
 * rpc_chain.c, rpc_tx.c and rpc_net.c.
 * Amounts are written exactly by rpc_reply.c.
 */
#include "node/rpc.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "node/log.h"
#include "node/rpc_internal.h"
#include "util/hex.h"

struct node_rpc {
	struct node_rpc_env *env;
	struct node_rpc_options o;
	struct evhttp *http;
	uint8_t auth_hash[32];          /* SHA-256 of the expected "user:password" */
	bool cookie_written;
};

json_t *rpc_fail(struct rpc_error *e, int code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return NULL;
}

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

static json_t *call(struct node_rpc_env *env, json_t *req, struct rpc_error *e)
{
	const char *name = json_string_value(json_object_get(req, "method"));
	json_t *params = json_object_get(req, "params");
	const struct rpc_method *m;
	size_t n;

	if (!json_is_object(req))
		return rpc_fail(e, RPC_INVALID_REQUEST, "Invalid Request object");
	if (!name)
		return rpc_fail(e, RPC_INVALID_REQUEST, "Method must be a string");
	if (params && !json_is_null(params) && !json_is_array(params))
		return rpc_fail(e, RPC_INVALID_REQUEST, "Params must be an array");
	m = find_method(name);
	if (!m)
		return rpc_fail(e, RPC_METHOD_NOT_FOUND, "Method not found");
	n = json_is_array(params) ? json_array_size(params) : 0;
	if ((int)n < m->min_params || (int)n > m->max_params)
		return rpc_fail(e, RPC_MISC_ERROR, "%s takes %d to %d parameters, got %zu", name,
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
	json_t *doc = json_loadb(body, len, 0, NULL), *reply;
	int code = 0;
	char *text;

	if (!doc) {
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
	char *peer = NULL;
	ev_uint16_t port;

	evhttp_connection_get_peer(conn, &peer, &port);
	if (!peer || !client_allowed(r, peer)) {
		evhttp_send_error(req, 403, NULL);
		return;
	}
	if (!authorized(r, req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
				  "Basic realm=\"jsonrpc\"");
		evhttp_send_reply(req, 401, "Unauthorized", NULL);
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
	r->env = env;
	r->o = *o;
	r->http = evhttp_new(base);
	if (!r->http) {
		snprintf(err, errlen, "cannot create the HTTP server");
		goto fail;
	}
	evhttp_set_max_body_size(r->http, (ev_ssize_t)o->max_body);
	evhttp_set_max_headers_size(r->http, 8192);
	evhttp_set_allowed_methods(r->http, EVHTTP_REQ_POST | EVHTTP_REQ_GET);
	evhttp_set_timeout(r->http, 30);
	evhttp_set_gencb(r->http, on_request, r);
	if (!evhttp_bind_socket_with_handle(r->http, o->bind, o->port)) {
		snprintf(err, errlen, "cannot listen for RPC on %s:%u (in use? another flintd?)",
			 o->bind, o->port);
		goto fail;
	}
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
	if (r->http)
		evhttp_free(r->http);
	if (r->cookie_written)
		unlink(r->o.cookie_path);
	free(r);
}
