/*
 * JSON-RPC client over libevent's evhttp: one event base and one kept-alive
 * HTTP connection per client, driven until each reply arrives.
 */
#include "client/rpcclient.h"
#include "client/jsontext.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>

#define MAX_REPLY (64u << 20)

struct client {
	struct client_options o;
	char endpoint[300];
	char auth[1024];             /* "Basic ...", empty until credentials are read */
	struct event_base *base;
	struct evhttp_connection *conn;
	uint64_t next_id;
};

/* ---- options ---- */

static const char *const usage_text =
	"Connection options:\n"
	"  --chain NAME          testnet (default) or regtest\n"
	"  --datadir DIR         the local node's datadir, for its cookie (default ~/.flint)\n"
	"  --rpc HOST[:PORT]     the node's RPC address (default 127.0.0.1 and the chain's port)\n"
	"  --rpcuser USER        with --rpcpassword: credentials instead of the cookie\n"
	"  --rpcpassword PASS\n"
	"  --rpccookiefile FILE  cookie file (default <datadir>/<chain>/.cookie)\n"
	"  --rpctimeout SECONDS  time allowed per call (default 30)\n";

const char *client_options_usage(void)
{
	return usage_text;
}

static int copy_opt(char *dst, size_t len, const char *name, const char *val, char *err,
		    size_t errlen)
{
	if (snprintf(dst, len, "%s", val) >= (int)len) {
		snprintf(err, errlen, "--%s: value too long", name);
		return -1;
	}
	return 0;
}

static int parse_hostport(struct client_options *o, const char *val, char *err, size_t errlen)
{
	const char *colon = strrchr(val, ':');
	size_t hl = colon ? (size_t)(colon - val) : strlen(val);

	if (hl == 0 || hl >= sizeof(o->host)) {
		snprintf(err, errlen, "--rpc: expected HOST[:PORT], got '%s'", val);
		return -1;
	}
	memcpy(o->host, val, hl);
	o->host[hl] = 0;
	if (colon) {
		char *end;
		long port = strtol(colon + 1, &end, 10);
		if (*end || port < 1 || port > 65535) {
			snprintf(err, errlen, "--rpc: bad port in '%s'", val);
			return -1;
		}
		o->port = (uint16_t)port;
	}
	return 0;
}

/* Applies one option; a --rpc without a port keeps the chain's, fixed up at the end. */
static int apply(struct client_options *o, const char *name, const char *val, bool *port_set,
		 char *err, size_t errlen)
{
	if (strcmp(name, "chain") == 0) {
		o->params = cons_params_by_name(val);
		if (!o->params) {
			snprintf(err, errlen, "--chain: unknown chain '%s' (testnet or regtest)", val);
			return -1;
		}
		return 0;
	}
	if (strcmp(name, "rpc") == 0) {
		o->port = 0;
		if (parse_hostport(o, val, err, errlen) < 0)
			return -1;
		*port_set = o->port != 0;
		return 0;
	}
	if (strcmp(name, "rpctimeout") == 0) {
		char *end;
		long t = strtol(val, &end, 10);
		if (*end || t < 1 || t > 3600) {
			snprintf(err, errlen, "--rpctimeout: expected 1..3600 seconds, got '%s'", val);
			return -1;
		}
		o->timeout = (int)t;
		return 0;
	}
	if (strcmp(name, "datadir") == 0)
		return copy_opt(o->datadir, sizeof(o->datadir), name, val, err, errlen);
	if (strcmp(name, "rpcuser") == 0)
		return copy_opt(o->user, sizeof(o->user), name, val, err, errlen);
	if (strcmp(name, "rpcpassword") == 0)
		return copy_opt(o->password, sizeof(o->password), name, val, err, errlen);
	return copy_opt(o->cookiefile, sizeof(o->cookiefile), name, val, err, errlen);
}

static bool is_common(const char *name)
{
	static const char *const names[] = {"chain", "datadir", "rpc", "rpcuser", "rpcpassword",
					    "rpccookiefile", "rpctimeout", NULL};
	for (int i = 0; names[i]; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static void defaults(struct client_options *o)
{
	const char *home = getenv("HOME");

	memset(o, 0, sizeof(*o));
	o->params = cons_params_by_name("testnet");
	snprintf(o->datadir, sizeof(o->datadir), "%s/.flint", home ? home : ".");
	snprintf(o->host, sizeof(o->host), "127.0.0.1");
	o->timeout = 30;
}

int client_options_parse(struct client_options *o, int *argc, char **argv, char *err,
			 size_t errlen)
{
	bool port_set = false;
	int out = 1;

	defaults(o);
	for (int i = 1; i < *argc; i++) {
		char name[64];
		const char *arg = argv[i], *eq, *val;
		size_t nl;

		if (strcmp(arg, "--") == 0) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		eq = strchr(arg, '=');
		nl = eq ? (size_t)(eq - arg) : strlen(arg);
		if (strncmp(arg, "--", 2) != 0 || nl - 2 >= sizeof(name)) {
			argv[out++] = argv[i];
			continue;
		}
		memcpy(name, arg + 2, nl - 2);
		name[nl - 2] = 0;
		if (!is_common(name)) {
			argv[out++] = argv[i];
			continue;
		}
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < *argc) {
			val = argv[++i];
		} else {
			snprintf(err, errlen, "option '--%s' needs a value", name);
			return -1;
		}
		if (apply(o, name, val, &port_set, err, errlen) < 0)
			return -1;
	}
	argv[out] = NULL;
	*argc = out;
	if (!port_set)
		o->port = o->params->default_rpc_port;
	if (!o->user[0] != !o->password[0]) {
		snprintf(err, errlen, "--rpcuser and --rpcpassword go together");
		return -1;
	}
	return 0;
}

/* ---- credentials ---- */

static int set_basic_auth(char *auth, size_t len, const char *userpass, struct client_error *e)
{
	size_t n = strlen(userpass);
	unsigned char b64[800];

	if (n > 3 * (sizeof(b64) / 4) - 4) {
		e->code = CLIENT_ERR_AUTH;
		snprintf(e->message, sizeof(e->message), "credentials too long");
		return -1;
	}
	EVP_EncodeBlock(b64, (const unsigned char *)userpass, (int)n);
	snprintf(auth, len, "Basic %s", b64);
	return 0;
}

static int read_cookie(const struct client_options *o, char *auth, size_t len,
		       struct client_error *e)
{
	char path[1200], line[512];
	FILE *f;

	if (o->cookiefile[0])
		snprintf(path, sizeof(path), "%s", o->cookiefile);
	else
		snprintf(path, sizeof(path), "%s/%s/.cookie", o->datadir, o->params->name);
	f = fopen(path, "r");
	if (!f) {
		e->code = errno == ENOENT ? CLIENT_ERR_NOCOOKIE : CLIENT_ERR_AUTH;
		snprintf(e->message, sizeof(e->message),
			 "cannot read the cookie '%s': %s (is a %s flintd running with this "
			 "--datadir? or give --rpccookiefile, or --rpcuser/--rpcpassword)",
			 path, strerror(errno), o->params->name);
		return -1;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	line[strcspn(line, "\r\n")] = 0;
	if (!strchr(line, ':')) {
		e->code = CLIENT_ERR_AUTH;
		snprintf(e->message, sizeof(e->message), "the cookie '%s' is malformed", path);
		return -1;
	}
	return set_basic_auth(auth, len, line, e);
}

int client_auth_header(const struct client_options *o, char *auth, size_t len,
		       struct client_error *e)
{
	char userpass[520];

	if (!o->user[0])
		return read_cookie(o, auth, len, e);
	snprintf(userpass, sizeof(userpass), "%s:%s", o->user, o->password);
	return set_basic_auth(auth, len, userpass, e);
}

static int load_auth(struct client *c, struct client_error *e)
{
	if (c->auth[0])
		return 0;
	return client_auth_header(&c->o, c->auth, sizeof(c->auth), e);
}

/* ---- HTTP ---- */

struct reply {
	bool done;
	int status;                  /* 0: no HTTP reply */
	char *body;
	size_t len;
};

static void on_reply(struct evhttp_request *req, void *arg)
{
	struct reply *r = arg;
	struct evbuffer *in;

	r->done = true;
	if (!req || evhttp_request_get_response_code(req) == 0)
		return;
	r->status = evhttp_request_get_response_code(req);
	in = evhttp_request_get_input_buffer(req);
	r->len = evbuffer_get_length(in);
	if (r->len > MAX_REPLY)
		r->len = MAX_REPLY;
	r->body = malloc(r->len + 1);
	if (r->body) {
		evbuffer_remove(in, r->body, r->len);
		r->body[r->len] = 0;
	}
}

struct client *client_new(const struct client_options *o)
{
	struct client *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->o = *o;
	snprintf(c->endpoint, sizeof(c->endpoint), "%s:%u", o->host, o->port);
	c->base = event_base_new();
	if (!c->base) {
		free(c);
		return NULL;
	}
	return c;
}

void client_free(struct client *c)
{
	if (!c)
		return;
	if (c->conn)
		evhttp_connection_free(c->conn);
	event_base_free(c->base);
	free(c);
}

const char *client_endpoint(const struct client *c)
{
	return c->endpoint;
}

static int post(struct client *c, const char *body, struct reply *r, struct client_error *e)
{
	struct evhttp_request *req;
	struct evkeyvalq *h;

	if (!c->conn) {
		c->conn = evhttp_connection_base_new(c->base, NULL, c->o.host, c->o.port);
		if (!c->conn)
			goto fail;
		evhttp_connection_set_timeout(c->conn, c->o.timeout);
	}
	req = evhttp_request_new(on_reply, r);
	if (!req)
		goto fail;
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", c->o.host);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Authorization", c->auth);
	evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
	if (evhttp_make_request(c->conn, req, EVHTTP_REQ_POST, "/") < 0)
		goto fail;
	while (!r->done)
		if (event_base_loop(c->base, EVLOOP_ONCE) < 0)
			break;
	if (r->status)
		return 0;
fail:
	e->code = CLIENT_ERR_CONNECT;
	snprintf(e->message, sizeof(e->message),
		 "cannot reach the node at %s (is flintd running, with this --chain and --rpc?)",
		 c->endpoint);
	/* A dead connection is not reused. */
	if (c->conn) {
		evhttp_connection_free(c->conn);
		c->conn = NULL;
	}
	return -1;
}

json_t *client_reply_decode(const char *endpoint, int status, const char *body, size_t len,
			    struct client_error *e)
{
	json_t *doc, *err, *res;

	if (status == 401) {
		e->code = CLIENT_ERR_AUTH;
		snprintf(e->message, sizeof(e->message), "the node at %s refused our "
			 "credentials (check --rpccookiefile, or --rpcuser/--rpcpassword)", endpoint);
		return NULL;
	}
	doc = body ? json_loadb(body, len, 0, NULL) : NULL;
	err = json_object_get(doc, "error");
	res = json_object_get(doc, "result");
	if (!json_is_object(doc) || (!res && !err)) {
		e->code = CLIENT_ERR_PROTOCOL;
		snprintf(e->message, sizeof(e->message), "the node at %s sent HTTP %d without a "
			 "JSON-RPC reply", endpoint, status);
		json_decref(doc);
		return NULL;
	}
	if (json_is_object(err)) {
		const char *msg = json_string_value(json_object_get(err, "message"));
		e->code = (int)json_integer_value(json_object_get(err, "code"));
		snprintf(e->message, sizeof(e->message), "%s", msg ? msg : "unknown error");
		json_decref(doc);
		return NULL;
	}
	res = res ? json_incref(res) : json_null();
	json_decref(doc);
	return res;
}

/* One call; the result, or NULL with e. The reply's body stays in *r for the caller to free. */
static json_t *call(struct client *c, const char *method, json_t *params, struct reply *r,
		    struct client_error *e)
{
	json_t *req, *res = NULL;
	char *body;

	e->code = 0;
	e->message[0] = 0;
	req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "1.0", "id", (json_int_t)++c->next_id,
			"method", method, "params", params ? params : json_array());
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!body) {
		e->code = CLIENT_ERR_PROTOCOL;
		snprintf(e->message, sizeof(e->message), "out of memory");
		return NULL;
	}
	if (load_auth(c, e) == 0 && post(c, body, r, e) == 0)
		res = client_reply_decode(c->endpoint, r->status, r->body, r->len, e);
	free(body);
	return res;
}

json_t *client_call(struct client *c, const char *method, json_t *params, struct client_error *e)
{
	struct reply r = {0};
	json_t *res = call(c, method, params, &r, e);

	free(r.body);
	return res;
}

char *client_call_text(struct client *c, const char *method, json_t *params,
		       struct client_error *e)
{
	struct reply r = {0};
	json_t *res = call(c, method, params, &r, e);
	size_t start, end;
	char *text = NULL;

	if (res && jsontext_member(r.body, r.len, "result", &start, &end) == 0)
		text = strndup(r.body + start, end - start);
	else if (res)
		text = strdup("null");     /* decode() accepted a reply with no "result" */
	if (res && !text) {
		e->code = CLIENT_ERR_PROTOCOL;
		snprintf(e->message, sizeof(e->message), "out of memory");
	}
	json_decref(res);
	free(r.body);
	return text;
}
