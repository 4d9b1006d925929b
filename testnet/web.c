/*
 * The web view's process from the commands' side: its token and pid in
 * <dir>/web.json, starting and stopping it, and `flint-testnet web`.
 */
#include "testnet/web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testnet/proc.h"
#include "util/hex.h"

struct webinfo {
	int pid, port;
	char token[65];
};

static void web_path(const struct tn_state *s, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", s->dir, TN_WEB_FILE);
}

static int read_info(const struct tn_state *s, struct webinfo *w)
{
	char path[700];
	json_t *j;
	const char *tok;

	web_path(s, path, sizeof(path));
	memset(w, 0, sizeof(*w));
	j = json_load_file(path, 0, NULL);
	tok = json_string_value(json_object_get(j, "token"));
	if (!tok || strlen(tok) != 32) {
		json_decref(j);
		return -1;
	}
	snprintf(w->token, sizeof(w->token), "%s", tok);
	w->pid = (int)json_integer_value(json_object_get(j, "pid"));
	w->port = (int)json_integer_value(json_object_get(j, "port"));
	json_decref(j);
	return 0;
}

/* Writes web.json readable by its owner only (it holds the token), atomically. */
static int write_info(const struct tn_state *s, const struct webinfo *w, char *err, size_t errlen)
{
	char path[700], tmp[720];
	json_t *j = json_pack("{s:i, s:i, s:s}", "pid", w->pid, "port", w->port, "token", w->token);
	char *text = j ? json_dumps(j, JSON_INDENT(1)) : NULL;
	int fd, ok;

	json_decref(j);
	web_path(s, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = text ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
	ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	free(text);
	if (!ok || rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int new_token(char out[65], char *err, size_t errlen)
{
	unsigned char raw[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0 && read(fd, raw, sizeof(raw)) == (ssize_t)sizeof(raw);

	if (fd >= 0)
		close(fd);
	if (!ok) {
		snprintf(err, errlen, "cannot read /dev/urandom for the web token");
		return -1;
	}
	util_hex_encode(out, raw, sizeof(raw));
	return 0;
}

static bool web_running(const struct tn_state *s, struct webinfo *w)
{
	return read_info(s, w) == 0 && w->pid > 0 && tn_pid_alive(w->pid, s->dir);
}

static bool port_answers(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

int tn_web_start(struct tn_app *a, char *err, size_t errlen)
{
	struct webinfo w;
	char log[700];
	struct tn_args v;
	pid_t pid;

	if (web_running(&a->st, &w))
		return 0;
	if (!w.token[0] && new_token(w.token, err, errlen) < 0)
		return -1;                 /* a kept token keeps old links working */
	w.port = a->st.base_port + TN_WEB_OFFSET;
	w.pid = 0;
	if (write_info(&a->st, &w, err, errlen) < 0)
		return -1;
	snprintf(log, sizeof(log), "%s/web.log", a->st.dir);
	tn_args_init(&v);
	tn_args_add(&v, "%s/flint-testnet", a->bindir);
	tn_args_add(&v, "--dir");
	tn_args_add(&v, "%s", a->st.dir);
	tn_args_add(&v, "web");
	tn_args_add(&v, "--serve");
	if (tn_spawn_daemon(v.v, log, &pid, err, errlen) < 0)
		return -1;
	w.pid = (int)pid;
	if (write_info(&a->st, &w, err, errlen) < 0)
		return -1;
	for (double end = tn_now() + 10; tn_now() < end; tn_sleep_ms(50)) {
		if (port_answers(w.port))
			return 0;
		if (!tn_pid_alive(pid, a->st.dir))
			break;
	}
	snprintf(err, errlen, "the web view did not start on 127.0.0.1:%d (see '%s')", w.port, log);
	return -1;
}

void tn_web_stop(struct tn_app *a)
{
	struct webinfo w;
	char err[200];

	if (!web_running(&a->st, &w))
		return;
	if (tn_pid_wait_gone(w.pid, SIGTERM, a->st.dir, 10) < 0)
		(void)tn_pid_wait_gone(w.pid, SIGKILL, a->st.dir, 5);
	w.pid = 0;
	(void)write_info(&a->st, &w, err, sizeof(err));
}

int tn_web_url(const struct tn_state *s, char *out, size_t len, char *err, size_t errlen)
{
	struct webinfo w;

	if (!web_running(s, &w)) {
		snprintf(err, errlen, "the web view is not running (flint-testnet web starts it)");
		return -1;
	}
	snprintf(out, len, "http://127.0.0.1:%d/?token=%s", w.port, w.token);
	return 0;
}

int tn_cmd_web(struct tn_app *a, int argc, char **argv)
{
	char url[200], err[800];

	if (argc == 1 && strcmp(argv[0], "--serve") == 0)
		return tn_webd_run(a);
	if (argc != 0)
		return tn_fail("usage: flint-testnet web");
	if (a->st.n == 0)
		return tn_fail("no testnet here (start one: flint-testnet up)");
	if (tn_web_start(a, err, sizeof(err)) < 0 || tn_web_url(&a->st, url, sizeof(url), err,
								 sizeof(err)) < 0)
		return tn_fail("%s", err);
	printf("%s\n", url);
	return 0;
}
