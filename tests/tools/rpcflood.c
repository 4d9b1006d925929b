/*
 * Test tool: a hostile RPC client, independent of libevent.
 *   rpcflood HOST PORT MODE N SECONDS
 * MODE:
 *   idle   opens N connections that never send a byte, and holds them
 *   slow   opens N connections that each send a request one byte a second
 *   guess  N connections that send requests with a wrong password, each as
 *          soon as the previous answer came (reconnecting when closed)
 * Runs SECONDS, then prints one line and exits 0 (1 if nothing connected):
 *   idle, slow: "connected C closed_by_server K max_open_ms T"
 *   guess:      "answers A per_second R"
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 20000

static const char slow_req[] = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
static const char guess_req[] = "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic "
				"YWxpY2U6d3Jvbmc=\r\nContent-Length: 2\r\n\r\n{}";

static struct sockaddr_in addr;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int dial(int nonblock)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	/* Not waiting: a full accept queue would make each connect wait for a SYN retry. */
	if (nonblock)
		fcntl(fd, F_SETFL, O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* idle and slow: every connection is held until the server closes it. */
static int hold(int n, int seconds, int slow)
{
	static int fds[MAX_CONNS];
	static double opened[MAX_CONNS];
	static size_t sent[MAX_CONNS];
	int connected = 0, closed = 0;
	double start, max_open = 0, next_byte;

	for (int i = 0; i < n; i++) {
		fds[i] = dial(1);
		opened[i] = now_ms();
		sent[i] = 0;
		connected += fds[i] >= 0;
	}
	start = next_byte = now_ms();
	while (now_ms() - start < seconds * 1e3) {
		static struct pollfd p[MAX_CONNS];
		for (int i = 0; i < n; i++) {
			p[i].fd = fds[i];
			p[i].events = POLLIN;
		}
		poll(p, (nfds_t)n, 100);
		for (int i = 0; i < n; i++) {
			char buf[512];
			ssize_t got;
			if (fds[i] < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(fds[i], buf, sizeof(buf));
			if (got > 0 || (got < 0 && (errno == EAGAIN || errno == ENOTCONN)))
				continue;   /* data, or still connecting */
			close(fds[i]);
			fds[i] = -1;
			closed++;
			if (now_ms() - opened[i] > max_open)
				max_open = now_ms() - opened[i];
		}
		if (slow && now_ms() >= next_byte) {
			next_byte += 1000;
			for (int i = 0; i < n; i++)
				if (fds[i] >= 0 && sent[i] < sizeof(slow_req) - 1 &&
				    write(fds[i], slow_req + sent[i], 1) == 1)
					sent[i]++;
		}
	}
	printf("connected %d closed_by_server %d max_open_ms %.0f\n", connected, closed, max_open);
	return connected ? 0 : 1;
}

/* Counts whole answers (a status line and headers: 401s have no body) on fd's stream. */
static int count_answers(const char *buf, size_t len, size_t *state)
{
	static const char end[] = "\r\n\r\n";
	int n = 0;

	for (size_t i = 0; i < len; i++) {
		*state = buf[i] == end[*state] ? *state + 1 : (buf[i] == '\r' ? 1 : 0);
		if (*state == 4) {
			n++;
			*state = 0;
		}
	}
	return n;
}

static int guess(int n, int seconds)
{
	static int fds[MAX_CONNS];
	static size_t state[MAX_CONNS];
	static struct pollfd p[MAX_CONNS];
	long answers = 0;
	int connected = 0;
	double start = now_ms();

	for (int i = 0; i < n; i++) {
		fds[i] = dial(0);
		state[i] = 0;
		if (fds[i] >= 0 && write(fds[i], guess_req, sizeof(guess_req) - 1) > 0)
			connected++;
	}
	while (now_ms() - start < seconds * 1e3) {
		for (int i = 0; i < n; i++) {
			p[i].fd = fds[i];
			p[i].events = POLLIN;
		}
		poll(p, (nfds_t)n, 100);
		for (int i = 0; i < n; i++) {
			char buf[4096];
			ssize_t got;
			int a;
			if (fds[i] < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(fds[i], buf, sizeof(buf));
			if (got <= 0) {
				close(fds[i]);
				fds[i] = dial(0);
				state[i] = 0;
				if (fds[i] >= 0 && write(fds[i], guess_req, sizeof(guess_req) - 1) < 0) {
					close(fds[i]);
					fds[i] = -1;
				}
				continue;
			}
			a = count_answers(buf, (size_t)got, &state[i]);
			answers += a;
			for (int k = 0; k < a; k++)
				if (write(fds[i], guess_req, sizeof(guess_req) - 1) < 0)
					break;
		}
	}
	printf("answers %ld per_second %.1f\n", answers, answers * 1e3 / (now_ms() - start));
	return connected ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	int n, seconds;

	if (argc != 6) {
		fprintf(stderr, "usage: rpcflood HOST PORT idle|slow|guess N SECONDS\n");
		return 2;
	}
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)atoi(argv[2]));
	n = atoi(argv[4]);
	seconds = atoi(argv[5]);
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1 || n < 1 || n > MAX_CONNS ||
	    seconds < 1) {
		fprintf(stderr, "rpcflood: bad arguments\n");
		return 2;
	}
	/* Our own descriptors: as many as the hard limit lets us. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (strcmp(argv[3], "idle") == 0 || strcmp(argv[3], "slow") == 0)
		return hold(n, seconds, argv[3][0] == 's');
	if (strcmp(argv[3], "guess") == 0)
		return guess(n, seconds);
	fprintf(stderr, "rpcflood: unknown mode '%s'\n", argv[3]);
	return 2;
}
