/*
 * `flint-testnet relay`: the relay as the testnet runs it, a daemon that
 * `up` starts and `down` stops. It reads the testnet's state file for the
 * edges, the nodes' addresses and every link's settings, carries each edge
 * (relay.h), and answers on a control channel at 127.0.0.1:base+250: one
 * JSON object per line in, one per line out (doc/testnet-links.md):
 *   {"cmd":"show"}                   the links, their settings and counters
 *   {"cmd":"reload"}                 read the link settings from the state again
 *   {"cmd":"reset","a":A,"b":B}      close the link's connections (no a, b: all)
 * The state file is the only place settings live, so a restarted relay
 * carries on as the one before it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "testnet/app.h"
#include "testnet/relay.h"
#include "testnet/relayctl.h"

#define MAX_REQUEST 4096

struct relayd {
	struct event_base *base;
	struct tn_relay *relay;
	struct tn_state st;
	struct evconnlistener *control;
};

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;
	time_t t = time(NULL);
	char when[32];

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	printf("%s ", when);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* A direction's settings from the state, a partition's cut included: for any pair of nodes. */
static void resolve(void *arg, int from, int to, struct tn_linkdir *out)
{
	const struct relayd *d = arg;

	*out = *tn_state_link(&d->st, from, to);
	out->cut = tn_state_cut(&d->st, from, to);
}

/*
 * Gives every direction the relay knows, and both of every edge, its
 * settings from the state (a partition's cuts included).
 */
static int apply(struct relayd *d, char *err, size_t errlen)
{
	size_t n;
	struct tn_edge *e = tn_state_edges_new(&d->st, &n);

	if (!e) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	tn_relay_set_default(d->relay, &d->st.link_all);
	tn_relay_resolve_all(d->relay);
	for (size_t k = 0; k < n; k++) {
		for (int w = 0; w < 2; w++) {
			int from = w ? e[k].to : e[k].from, to = w ? e[k].from : e[k].to;
			struct tn_linkdir ld = *tn_state_link(&d->st, from, to);
			ld.cut = tn_state_cut(&d->st, from, to);
			if (tn_relay_set(d->relay, from, to, &ld) < 0) {
				free(e);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		}
	}
	free(e);
	tn_relay_update(d->relay);
	return 0;
}

/* One listener per node, at its address on the relay port: every link into it. */
static int listen_nodes(struct relayd *d, char *err, size_t errlen)
{
	const struct tn_node *nd = d->st.node;

	for (int t = 0; t < d->st.n; t++)
		if (tn_relay_listen(d->relay, t, nd[t].ip, d->st.base_port + TN_RELAY_OFFSET,
				    nd[t].ip, nd[t].port, err, errlen) < 0)
			return -1;
	return 0;
}

static int reload(struct relayd *d, char *err, size_t errlen)
{
	static struct tn_state fresh;

	if (tn_state_load(&fresh, d->st.dir, err, errlen) < 0)
		return -1;
	if (fresh.n != d->st.n || fresh.topology != d->st.topology ||
	    fresh.base_port != d->st.base_port || fresh.seed != d->st.seed ||
	    fresh.degree != d->st.degree) {
		tn_state_release(&fresh);
		snprintf(err, errlen, "the testnet's shape changed: restart the relay");
		return -1;
	}
	tn_state_move(&d->st, &fresh);
	return apply(d, err, errlen);
}

static json_t *answer(struct relayd *d, json_t *req)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	json_t *a = json_object_get(req, "a"), *b = json_object_get(req, "b");
	char err[800];

	if (!cmd)
		return json_pack("{s:b, s:s}", "ok", 0, "error", "a request needs \"cmd\"");
	if (strcmp(cmd, "show") == 0)
		return json_pack("{s:b, s:i, s:o}", "ok", 1, "pid", (int)getpid(), "links",
				 tn_relay_json(d->relay));
	if (strcmp(cmd, "reload") == 0) {
		if (reload(d, err, sizeof(err)) < 0)
			return json_pack("{s:b, s:s}", "ok", 0, "error", err);
		logf_("reloaded the link settings");
		return json_pack("{s:b}", "ok", 1);
	}
	if (strcmp(cmd, "reset") == 0) {
		int closed = 0;
		if ((a && !json_is_integer(a)) || (b && !json_is_integer(b)) || (!a != !b))
			return json_pack("{s:b, s:s}", "ok", 0, "error",
					 "reset takes integer \"a\" and \"b\", or neither");
		closed = a ? tn_relay_reset(d->relay, (int)json_integer_value(a),
					    (int)json_integer_value(b)) :
			     tn_relay_reset_all(d->relay);
		logf_("reset: closed %d connection%s", closed, closed == 1 ? "" : "s");
		return json_pack("{s:b, s:i}", "ok", 1, "closed", closed);
	}
	snprintf(err, sizeof(err), "unknown command '%.100s' (show, reload, reset)", cmd);
	return json_pack("{s:b, s:s}", "ok", 0, "error", err);
}

static void on_control_read(struct bufferevent *b, void *arg)
{
	struct relayd *d = arg;
	struct evbuffer *in = bufferevent_get_input(b);
	char *line;
	size_t len;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF))) {
		json_error_t je;
		json_t *req = json_loads(line, 0, &je), *resp;
		char *text;
		free(line);
		resp = json_is_object(req) ? answer(d, req) :
		       json_pack("{s:b, s:s}", "ok", 0, "error", "a request is one JSON object a line");
		json_decref(req);
		text = resp ? json_dumps(resp, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(resp);
		if (text) {
			evbuffer_add_printf(bufferevent_get_output(b), "%s\n", text);
			free(text);
		}
	}
	if (evbuffer_get_length(in) > MAX_REQUEST)
		bufferevent_free(b);
}

static void on_control_event(struct bufferevent *b, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		bufferevent_free(b);
}

static void on_control_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
			      int len, void *arg)
{
	struct relayd *d = arg;
	struct bufferevent *b = bufferevent_socket_new(d->base, fd, BEV_OPT_CLOSE_ON_FREE);

	if (!b) {
		evutil_closesocket(fd);
		return;
	}
	bufferevent_setcb(b, on_control_read, NULL, on_control_event, d);
	bufferevent_enable(b, EV_READ);
}

static int listen_control(struct relayd *d, char *err, size_t errlen)
{
	struct sockaddr_in sin;
	int port = d->st.base_port + TN_CONTROL_OFFSET;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d->control = evconnlistener_new_bind(d->base, on_control_accept, d,
					     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
					     (struct sockaddr *)&sin, sizeof(sin));
	if (!d->control) {
		snprintf(err, errlen, "cannot listen on 127.0.0.1:%d: %s", port, strerror(errno));
		return -1;
	}
	return 0;
}

/* Two descriptors per connection and one listener per node: the soft limit goes up to the hard one. */
static void raise_nofile(void)
{
	struct rlimit rl, all;
	FILE *f = fopen("/proc/sys/fs/nr_open", "r");
	unsigned long long nr = 0;

	/* Privileged, the hard limit itself may rise to the kernel's (fs.nr_open). */
	if (f && fscanf(f, "%llu", &nr) == 1 && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    nr > rl.rlim_max) {
		all.rlim_cur = all.rlim_max = (rlim_t)nr;
		(void)setrlimit(RLIMIT_NOFILE, &all);
	}
	if (f)
		fclose(f);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			logf_("cannot raise the descriptor limit: %s", strerror(errno));
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		logf_("descriptor limit %llu", (unsigned long long)rl.rlim_cur);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

static int run(struct relayd *d, char *err, size_t errlen)
{
	struct event *term = NULL, *intr = NULL;
	int rc = -1;

	d->base = tn_relay_base_new();
	if (!d->base || !(d->relay = tn_relay_new(d->base))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	tn_relay_set_resolver(d->relay, resolve, d);
	raise_nofile();
	if (listen_nodes(d, err, errlen) < 0 || listen_control(d, err, errlen) < 0 ||
	    apply(d, err, errlen) < 0)
		goto out;
	term = evsignal_new(d->base, SIGTERM, on_signal, d->base);
	intr = evsignal_new(d->base, SIGINT, on_signal, d->base);
	if (!term || !intr || event_add(term, NULL) < 0 || event_add(intr, NULL) < 0) {
		snprintf(err, errlen, "cannot watch signals");
		goto out;
	}
	logf_("relay %d carrying the links of %s; control at 127.0.0.1:%d", (int)getpid(),
	      d->st.dir, d->st.base_port + TN_CONTROL_OFFSET);
	event_base_dispatch(d->base);
	logf_("relay %d stopping", (int)getpid());
	rc = 0;
out:
	if (term)
		event_free(term);
	if (intr)
		event_free(intr);
	if (d->control)
		evconnlistener_free(d->control);
	tn_relay_free(d->relay);
	if (d->base)
		event_base_free(d->base);
	return rc;
}

int tn_cmd_relay(struct tn_app *a, int argc, char **argv)
{
	static struct relayd d;
	char err[800];
	int rc;

	if (argc != 0)
		return tn_fail("usage: flint-testnet relay (started by 'up')");
	tn_state_move(&d.st, &a->st);   /* d owns the state now */
	rc = run(&d, err, sizeof(err));
	tn_state_release(&d.st);
	if (rc < 0)
		return tn_fail("relay: %s", err);
	return 0;
}
