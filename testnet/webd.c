/*
 * The web view's process: libevent's HTTP server on 127.0.0.1, the page
 * and its script built into the binary (webassets.c), the poller's document
 * as /api/state and as a Server-Sent Events stream (/api/events), and
 * /api/action, which runs the same flint-testnet command a user would type
 * (this very binary, as a child process) and answers with its output and
 * status, so the page and the command line share one code path, one
 * journal and one set of error messages. Every request needs the token.
 */
#define _GNU_SOURCE
#include "testnet/web.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "testnet/proc.h"
#include "testnet/webpoll.h"

#define MAX_STREAMS 32
#define MAX_JOBS 4
#define MAX_OUTPUT (64 * 1024)
#define MAX_BODY 4096
#define SLO_EVERY_S 5
#define KEEPALIVE_S 15

/* The page's files (webassets.c). */
extern const char tn_web_index_html[], tn_web_index_html_end[];
extern const char tn_web_app_js[], tn_web_app_js_end[];
extern const char tn_web_style_css[], tn_web_style_css_end[];

struct webd;

struct job {
	struct webd *d;
	pid_t pid;
	int fd;
	struct event *ev, *reap;
	struct evbuffer *out;
	struct evhttp_request *req;   /* an action's request; NULL for slo */
};

struct webd {
	struct event_base *base;
	struct evhttp *http;
	struct tn_webpoll *poll;
	char dir[512], exe[700], token[65];
	struct evhttp_request *stream[MAX_STREAMS];
	int nstreams, njobs;
	bool slo_running;
	struct event *slo_timer, *keepalive, *sigterm, *sigint;
};

/* ---- the token ---- */

static bool same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/* The token a request carries: ?token=, the X-Flint-Token header, or the cookie. */
static bool has_token(struct webd *d, struct evhttp_request *req, bool header_only)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req), q;
	const char *v = evhttp_find_header(h, "X-Flint-Token"), *cookie;
	bool ok = v && same(v, d->token);

	if (ok || header_only)
		return ok;
	if (evhttp_parse_query_str(evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req)) ?
				   evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req)) : "",
				   &q) == 0) {
		v = evhttp_find_header(&q, "token");
		ok = v && same(v, d->token);
		evhttp_clear_headers(&q);
	}
	cookie = evhttp_find_header(h, "Cookie");
	for (const char *c = cookie; !ok && c && (c = strstr(c, "flint_token=")); c++) {
		char val[65];
		size_t n = strcspn(c + 12, "; ");
		if (n < sizeof(val) && (c == cookie || c[-1] == ' ' || c[-1] == ';')) {
			memcpy(val, c + 12, n);
			val[n] = 0;
			ok = same(val, d->token);
		}
	}
	return ok;
}

/* ---- replies ---- */

static void reply(struct evhttp_request *req, int code, const char *type, const char *body,
		  size_t len)
{
	struct evbuffer *b = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (type)
		evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (b && body)
		evbuffer_add(b, body, len);
	evhttp_send_reply(req, code, code == 200 ? "OK" : code == 403 ? "Forbidden" :
			  code == 404 ? "Not Found" : "Error", b);
	if (b)
		evbuffer_free(b);
}

static void reply_json(struct evhttp_request *req, int code, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	reply(req, code, "application/json", text ? text : "{}", text ? strlen(text) : 2);
	free(text);
	json_decref(j);
}

/* The page, with the token written in for the script's actions, and the cookie set. */
static void send_index(struct webd *d, struct evhttp_request *req)
{
	const char *mark = "__FLINT_TOKEN__";
	size_t len = (size_t)(tn_web_index_html_end - tn_web_index_html), ml = strlen(mark);
	struct evbuffer *b = evbuffer_new();
	const char *p = tn_web_index_html, *end = tn_web_index_html_end;
	char cookie[160];

	while (b && p < end) {
		const char *m = memmem(p, (size_t)(end - p), mark, ml);
		if (!m) {
			evbuffer_add(b, p, (size_t)(end - p));
			break;
		}
		evbuffer_add(b, p, (size_t)(m - p));
		evbuffer_add(b, d->token, strlen(d->token));
		p = m + ml;
	}
	(void)len;
	snprintf(cookie, sizeof(cookie), "flint_token=%s; Path=/; HttpOnly; SameSite=Strict",
		 d->token);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", cookie);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/html; charset=utf-8");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	evhttp_send_reply(req, 200, "OK", b);
	if (b)
		evbuffer_free(b);
}

/* ---- the event stream ---- */

static void stream_closed(struct evhttp_connection *conn, void *arg)
{
	struct webd *d = arg;

	for (int i = 0; i < d->nstreams; i++) {
		if (evhttp_request_get_connection(d->stream[i]) != conn)
			continue;
		d->stream[i] = d->stream[--d->nstreams];
		return;
	}
}

static void stream_send(struct evhttp_request *req, const char *event, const char *data)
{
	struct evbuffer *b = evbuffer_new();

	if (!b)
		return;
	if (event)
		evbuffer_add_printf(b, "event: %s\ndata: %s\n\n", event, data);
	else
		evbuffer_add_printf(b, ": %s\n\n", data);
	evhttp_send_reply_chunk(req, b);
	evbuffer_free(b);
}

static void open_stream(struct webd *d, struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (d->nstreams == MAX_STREAMS) {
		reply(req, 503, "text/plain", "too many open views\n", 20);
		return;
	}
	evhttp_add_header(h, "Content-Type", "text/event-stream");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply_start(req, 200, "OK");
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), stream_closed, d);
	d->stream[d->nstreams++] = req;
	stream_send(req, "state", tn_webpoll_text(d->poll));
}

static void on_changed(void *arg)
{
	struct webd *d = arg;

	for (int i = 0; i < d->nstreams; i++)
		stream_send(d->stream[i], "state", tn_webpoll_text(d->poll));
}

static void keepalive(evutil_socket_t fd, short what, void *arg)
{
	struct webd *d = arg;

	for (int i = 0; i < d->nstreams; i++)
		stream_send(d->stream[i], NULL, "keep-alive");
}

/* ---- commands as child processes ---- */

static void job_free(struct job *j)
{
	if (j->ev)
		event_free(j->ev);
	if (j->reap)
		event_free(j->reap);
	if (j->out)
		evbuffer_free(j->out);
	if (j->fd >= 0)
		close(j->fd);
	j->d->njobs--;
	free(j);
}

static void job_done(struct job *j, int status)
{
	struct webd *d = j->d;
	size_t n = evbuffer_get_length(j->out);
	char *text = malloc(n + 1);

	if (text) {
		evbuffer_remove(j->out, text, n);
		text[n] = 0;
	}
	if (j->req) {
		reply_json(j->req, 200, json_pack("{s:b, s:i, s:s}", "ok", status == 0, "status",
						  status, "output", text ? text : ""));
	} else {
		/* slo exits non-zero when an objective fails: its report still counts. */
		json_t *slo = text ? json_loads(text, 0, NULL) : NULL;
		tn_webpoll_set_slo(d->poll, slo);
		d->slo_running = false;
	}
	free(text);
	job_free(j);
}

static void job_reap(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;
	struct timeval tv = {0, 50000};
	int st;
	pid_t r = waitpid(j->pid, &st, WNOHANG);

	if (r == 0) {
		evtimer_add(j->reap, &tv);
		return;
	}
	job_done(j, r == j->pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void job_read(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;
	char buf[4096];
	ssize_t r = read(fd, buf, sizeof(buf));

	if (r > 0) {
		if (evbuffer_get_length(j->out) < MAX_OUTPUT)
			evbuffer_add(j->out, buf, (size_t)r);
		return;
	}
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	event_del(j->ev);
	job_reap(-1, 0, j);
}

/* Runs "flint-testnet --dir DIR args..." with its stdout and stderr captured. 0 / -1. */
static int job_start(struct webd *d, char *const args[], int nargs, struct evhttp_request *req)
{
	struct job *j = calloc(1, sizeof(*j));
	char *argv[24];
	int p[2] = {-1, -1};

	if (!j || nargs > 20 || pipe2(p, O_CLOEXEC) < 0) {
		free(j);
		return -1;
	}
	argv[0] = d->exe;
	argv[1] = (char *)"--dir";
	argv[2] = d->dir;
	for (int i = 0; i < nargs; i++)
		argv[3 + i] = args[i];
	argv[3 + nargs] = NULL;
	j->d = d;
	j->fd = p[0];
	j->req = req;
	d->njobs++;
	j->out = evbuffer_new();
	j->ev = event_new(d->base, p[0], EV_READ | EV_PERSIST, job_read, j);
	j->reap = evtimer_new(d->base, job_reap, j);
	if (!j->out || !j->ev || !j->reap || (j->pid = fork()) < 0) {
		close(p[1]);
		job_free(j);
		return -1;
	}
	if (j->pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	event_add(j->ev, NULL);
	return 0;
}

static bool allowed_command(const char *c)
{
	static const char *const ok[] = {"partition", "heal", "isolate", "link", "kill", "start",
					 "restart", "skew", "attack", "faucet", NULL};
	for (int i = 0; ok[i]; i++)
		if (strcmp(c, ok[i]) == 0)
			return true;
	return false;
}

/* POST /api/action {"args": ["partition", "0,1/2,3"]}: the CLI command, answered when it ends. */
static void action(struct webd *d, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	json_t *body = n <= MAX_BODY ? json_loadb((const char *)evbuffer_pullup(in, -1), n, 0, NULL)
				     : NULL;
	json_t *args = json_object_get(body, "args"), *v;
	char *argv[20];
	size_t k;
	int argc = 0;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		reply(req, 405, "text/plain", "POST only\n", 10);
		goto out;
	}
	if (!json_is_array(args) || json_array_size(args) < 1 || json_array_size(args) > 20) {
		reply_json(req, 400, json_pack("{s:b, s:s}", "ok", 0, "output",
			   "the body must be {\"args\": [COMMAND, ARG...]} with 1 to 20 strings"));
		goto out;
	}
	json_array_foreach(args, k, v) {
		const char *s = json_string_value(v);
		if (!s || strlen(s) > 200 || (k == 0 && !allowed_command(s))) {
			reply_json(req, 400, json_pack("{s:b, s:s}", "ok", 0, "output", k == 0 ?
				   "not a command the view runs (partition, heal, isolate, link, kill, "
				   "start, restart, skew, attack, faucet)" :
				   "every argument must be a string of at most 200 characters"));
			goto out;
		}
		argv[argc++] = (char *)s;
	}
	if (d->njobs >= MAX_JOBS + 1 || job_start(d, argv, argc, req) < 0)
		reply_json(req, 503, json_pack("{s:b, s:s}", "ok", 0, "output",
			   "too many commands running; try again"));
out:
	json_decref(body);
}

static void slo_tick(evutil_socket_t fd, short what, void *arg)
{
	struct webd *d = arg;
	char *argv[] = {(char *)"slo", (char *)"--json"};

	if (!d->slo_running && job_start(d, argv, 2, NULL) == 0)
		d->slo_running = true;
}

/* ---- routing ---- */

static void on_request(struct evhttp_request *req, void *arg)
{
	struct webd *d = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	bool post = evhttp_request_get_command(req) == EVHTTP_REQ_POST;

	if (!path)
		path = "/";
	/* Actions must carry the token in a header: a cookie alone is not enough. */
	if (!has_token(d, req, strcmp(path, "/api/action") == 0)) {
		reply(req, 403, NULL, NULL, 0);
		return;
	}
	if (strcmp(path, "/api/action") == 0)
		action(d, req);
	else if (post)
		reply(req, 405, "text/plain", "GET only\n", 9);
	else if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0)
		send_index(d, req);
	else if (strcmp(path, "/app.js") == 0)
		reply(req, 200, "text/javascript; charset=utf-8", tn_web_app_js,
		      (size_t)(tn_web_app_js_end - tn_web_app_js));
	else if (strcmp(path, "/style.css") == 0)
		reply(req, 200, "text/css; charset=utf-8", tn_web_style_css,
		      (size_t)(tn_web_style_css_end - tn_web_style_css));
	else if (strcmp(path, "/api/state") == 0)
		reply(req, 200, "application/json", tn_webpoll_text(d->poll),
		      strlen(tn_webpoll_text(d->poll)));
	else if (strcmp(path, "/api/events") == 0)
		open_stream(d, req);
	else
		reply(req, 404, "text/plain", "not found\n", 10);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct webd *d = arg;

	event_base_loopexit(d->base, NULL);
}

static int read_token(struct webd *d, int *port)
{
	char path[700];
	json_t *j;
	const char *tok;

	snprintf(path, sizeof(path), "%s/%s", d->dir, TN_WEB_FILE);
	j = json_load_file(path, 0, NULL);
	tok = json_string_value(json_object_get(j, "token"));
	*port = (int)json_integer_value(json_object_get(j, "port"));
	if (!tok || strlen(tok) != 32 || *port <= 0 || *port > 65535) {
		json_decref(j);
		fprintf(stderr, "flint-testnet web: no token in '%s'\n", path);
		return -1;
	}
	snprintf(d->token, sizeof(d->token), "%s", tok);
	json_decref(j);
	return 0;
}

int tn_webd_run(struct tn_app *a)
{
	static struct webd d;
	struct timeval slo = {SLO_EVERY_S, 0}, ka = {KEEPALIVE_S, 0};
	int port, rc = 1;

	signal(SIGPIPE, SIG_IGN);
	snprintf(d.dir, sizeof(d.dir), "%s", a->st.dir);
	snprintf(d.exe, sizeof(d.exe), "%s/flint-testnet", a->bindir);
	if (read_token(&d, &port) < 0)
		return 1;
	d.base = event_base_new();
	d.http = d.base ? evhttp_new(d.base) : NULL;
	if (!d.http || evhttp_bind_socket(d.http, "127.0.0.1", (uint16_t)port) < 0) {
		fprintf(stderr, "flint-testnet web: cannot listen on 127.0.0.1:%d: %s\n", port,
			strerror(errno));
		goto out;
	}
	evhttp_set_max_body_size(d.http, MAX_BODY);
	evhttp_set_allowed_methods(d.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_gencb(d.http, on_request, &d);
	d.poll = tn_webpoll_new(d.base, d.dir, on_changed, &d);
	d.slo_timer = event_new(d.base, -1, EV_PERSIST, slo_tick, &d);
	d.keepalive = event_new(d.base, -1, EV_PERSIST, keepalive, &d);
	d.sigterm = evsignal_new(d.base, SIGTERM, on_signal, &d);
	d.sigint = evsignal_new(d.base, SIGINT, on_signal, &d);
	if (!d.poll || !d.slo_timer || !d.keepalive || !d.sigterm || !d.sigint) {
		fprintf(stderr, "flint-testnet web: cannot read the testnet in '%s'\n", d.dir);
		goto out;
	}
	event_add(d.slo_timer, &slo);
	event_active(d.slo_timer, 0, 0);
	event_add(d.keepalive, &ka);
	event_add(d.sigterm, NULL);
	event_add(d.sigint, NULL);
	fprintf(stderr, "flint-testnet web: serving %s on http://127.0.0.1:%d/\n", d.dir, port);
	event_base_dispatch(d.base);
	rc = 0;
out:
	if (d.http)
		evhttp_free(d.http);
	tn_webpoll_free(d.poll);
	if (d.slo_timer)
		event_free(d.slo_timer);
	if (d.keepalive)
		event_free(d.keepalive);
	if (d.sigterm)
		event_free(d.sigterm);
	if (d.sigint)
		event_free(d.sigint);
	if (d.base)
		event_base_free(d.base);
	return rc;
}
