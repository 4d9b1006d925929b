/*
 * The relay's process and control channel, from the commands' side (see
 * relayctl.h). A plain blocking socket: one request, one line back.
 */
#include "testnet/relayctl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "testnet/proc.h"

static int dial_control(const struct tn_state *s, char *err, size_t errlen)
{
	struct timeval tv = {5, 0};
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)(s->base_port + TN_CONTROL_OFFSET));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		snprintf(err, errlen, "the relay does not answer at 127.0.0.1:%d: %s (flint-testnet up "
			 "starts it)", s->base_port + TN_CONTROL_OFFSET, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Reads one line (up to len-1 bytes) into buf. 0, or -1. */
static int read_line(int fd, char *buf, size_t len)
{
	size_t k = 0;

	while (k + 1 < len) {
		ssize_t r = read(fd, buf + k, len - 1 - k);
		if (r <= 0)
			return -1;
		k += (size_t)r;
		buf[k] = 0;
		if (memchr(buf, '\n', k))
			return 0;
	}
	return -1;
}

json_t *tn_relay_request(const struct tn_state *s, json_t *req, char *err, size_t errlen)
{
	static char buf[4 << 20];
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_t *resp = NULL;
	json_error_t je;
	int fd;

	json_decref(req);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	fd = dial_control(s, err, errlen);
	if (fd < 0) {
		free(text);
		return NULL;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || write(fd, "\n", 1) != 1 ||
	    read_line(fd, buf, sizeof(buf)) < 0)
		snprintf(err, errlen, "the relay at 127.0.0.1:%d did not answer",
			 s->base_port + TN_CONTROL_OFFSET);
	else if (!(resp = json_loads(buf, 0, &je)))
		snprintf(err, errlen, "the relay's answer is not JSON: %s", je.text);
	close(fd);
	free(text);
	if (resp && !json_is_true(json_object_get(resp, "ok"))) {
		const char *why = json_string_value(json_object_get(resp, "error"));
		snprintf(err, errlen, "relay: %s", why ? why : "refused");
		json_decref(resp);
		resp = NULL;
	}
	return resp;
}

bool tn_relay_running(const struct tn_app *a)
{
	return tn_pid_alive(a->st.relay_pid, a->st.dir);
}

int tn_relay_start(struct tn_app *a, char *err, size_t errlen)
{
	char log[700], why[800] = "";
	struct tn_args v;
	double end;
	pid_t pid;

	if (tn_relay_running(a))
		return 0;
	tn_relay_log(&a->st, log, sizeof(log));
	tn_args_init(&v);
	tn_args_add(&v, "%s/flint-testnet", a->bindir);
	tn_args_add(&v, "--dir");
	tn_args_add(&v, "%s", a->st.dir);
	tn_args_add(&v, "relay");
	if (tn_spawn_daemon(v.v, log, &pid, err, errlen) < 0)
		return -1;
	a->st.relay_pid = (int)pid;
	for (end = tn_now() + 10; tn_now() < end; tn_sleep_ms(50)) {
		json_t *r = tn_relay_request(&a->st, json_pack("{s:s}", "cmd", "show"), why,
					     sizeof(why));
		if (r) {
			json_decref(r);
			return 0;
		}
		if (!tn_relay_running(a))
			break;
	}
	snprintf(err, errlen, "the relay did not start (see '%s'): %s", log, why);
	return -1;
}

void tn_relay_stop(struct tn_app *a)
{
	if (a->st.relay_pid > 0 && tn_pid_wait_gone(a->st.relay_pid, SIGTERM, a->st.dir, 10) < 0)
		(void)tn_pid_wait_gone(a->st.relay_pid, SIGKILL, a->st.dir, 5);
	a->st.relay_pid = 0;
}

int tn_relay_reload(struct tn_app *a, char *err, size_t errlen)
{
	json_t *r;

	if (!tn_relay_running(a)) {
		snprintf(err, errlen, "the relay is not running (flint-testnet up starts it); the "
			 "settings are saved and apply when it starts");
		return -1;
	}
	r = tn_relay_request(&a->st, json_pack("{s:s}", "cmd", "reload"), err, errlen);
	json_decref(r);
	return r ? 0 : -1;
}
