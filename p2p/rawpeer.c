/* The blocking raw peer; see rawpeer.h. */
#include "p2p/rawpeer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int p2p_rawpeer_dial(const char *src, const char *ip, int port, char *err, size_t errlen)
{
	struct sockaddr_in s = {.sin_family = AF_INET}, d = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	d.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, src, &s.sin_addr) != 1) {
		snprintf(err, errlen, "'%s' is not an IPv4 address", src);
		goto fail;
	}
	if (inet_pton(AF_INET, ip, &d.sin_addr) != 1) {
		snprintf(err, errlen, "'%s' is not an IPv4 address", ip);
		goto fail;
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&s, sizeof(s)) < 0 ||
	    connect(fd, (struct sockaddr *)&d, sizeof(d)) < 0) {
		snprintf(err, errlen, "cannot connect from %s to %s:%d: %m", src, ip, port);
		goto fail;
	}
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

int p2p_rawpeer_send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	while (len > 0) {
		ssize_t k = send(fd, b, len, MSG_NOSIGNAL);
		if (k <= 0)
			return -1;
		b += k;
		len -= (size_t)k;
	}
	return 0;
}

int p2p_rawpeer_send(int fd, const uint8_t magic[4], const char *cmd, const uint8_t *payload,
		     size_t len)
{
	struct cons_writer w;
	int rc;

	cons_writer_init(&w);
	p2p_frame_write(&w, magic, cmd, payload, len);
	rc = w.oom ? -1 : p2p_rawpeer_send_all(fd, w.data, w.len);
	cons_writer_release(&w);
	return rc;
}

/* Reads exactly len bytes before deadline (ms): 1, 0 when the node closed, -1 on timeout. */
static int read_exact(int fd, uint8_t *buf, size_t len, long long deadline)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = {fd, POLLIN, 0};
		long long ms = deadline - now_ms();
		ssize_t k;
		if (ms <= 0 || poll(&pfd, 1, (int)ms) <= 0)
			return -1;
		k = recv(fd, buf + got, len - got, 0);
		if (k <= 0)
			return 0;
		got += (size_t)k;
	}
	return 1;
}

static int read_before(int fd, const uint8_t magic[4], char cmd[P2P_COMMAND_SIZE + 1],
		       uint8_t **payload, size_t *len, long long deadline)
{
	uint8_t hdr[P2P_HEADER_SIZE];
	struct p2p_frame f;
	int r = read_exact(fd, hdr, sizeof(hdr), deadline);

	if (r <= 0)
		return r;
	if (p2p_frame_parse(&f, hdr, magic) != P2P_FRAME_OK)
		return -1;
	*payload = malloc(f.length + 1);
	if (!*payload)
		return -1;
	r = read_exact(fd, *payload, f.length, deadline);
	if (r <= 0) {
		free(*payload);
		return r;
	}
	memcpy(cmd, f.command, P2P_COMMAND_SIZE + 1);
	*len = f.length;
	return 1;
}

int p2p_rawpeer_read(int fd, const uint8_t magic[4], char cmd[P2P_COMMAND_SIZE + 1],
		     uint8_t **payload, size_t *len, int timeout_ms)
{
	return read_before(fd, magic, cmd, payload, len, now_ms() + timeout_ms);
}

int p2p_rawpeer_handshake(int fd, const uint8_t magic[4], const struct p2p_version *v,
			  int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	struct cons_writer w;
	bool version = false, verack = false;

	cons_writer_init(&w);
	p2p_version_write(&w, v);
	/* A failed send shows as the node's close below. */
	(void)p2p_rawpeer_send(fd, magic, "version", w.data, w.len);
	cons_writer_release(&w);
	while (!(version && verack)) {
		char cmd[P2P_COMMAND_SIZE + 1];
		uint8_t *payload;
		size_t len;
		int r = read_before(fd, magic, cmd, &payload, &len, deadline);
		if (r <= 0)
			return r;
		if (strcmp(cmd, "version") == 0 && !version) {
			version = true;
			(void)p2p_rawpeer_send(fd, magic, "verack", NULL, 0);
		}
		verack = verack || strcmp(cmd, "verack") == 0;
		free(payload);
	}
	return 1;
}
