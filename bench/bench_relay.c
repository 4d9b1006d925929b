/*
 * The testnet's link relay (testnet/relay.h), each figure beside a direct
 * loopback TCP connection measured in the same run:
 *   latency:    one-byte round trips, client -> relay -> echo server and
 *               back, against the same round trips straight to the echo
 *               server; the relay's added latency per hop is half the
 *               difference of the medians (a round trip crosses it twice).
 *               Goal: under 50 us.
 *   throughput: THRU_MB MB pushed through one link with no fault set,
 *               against the same bytes over a direct connection, medians of
 *               THRU_RUNS, the two kinds of run taking turns so a load that
 *               comes and goes on a shared machine falls on both; the ratio
 *               is printed too, as it moves less with the load than either.
 *               Goal: at least 1 GB/s.
 *   delay:      DELAY_SAMPLES round trips over a link with 100 ms of delay
 *               one way: the median minus the direct round trip is the
 *               delay as carried. Goal: within 2 ms of 100 ms.
 * The relay runs on its own thread with its own event base, as the
 * flint-testnet relay daemon runs it; the clients are blocking sockets.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "bench/bench.h"
#include "testnet/relay.h"

#define RTT_SAMPLES 5000
#define RTT_BLOCKS 10
#define THRU_MB 1024
#define THRU_RUNS 5
#define DELAY_SAMPLES 30
#define CHUNK (256 * 1024)

struct rig {
	struct event_base *base;
	struct tn_relay *r;
	pthread_t loop;
	int server, server_port, relay_port;
};

static void die(const char *what)
{
	fprintf(stderr, "bench_relay: %s\n", what);
	exit(1);
}

static int listen_any(int *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		die("cannot listen on loopback");
	*port = ntohs(sin.sin_port);
	return fd;
}

static int dial(int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct sockaddr_in me = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	/* From node 1's address (127.0.0.11): the relay tells the dialler by it. */
	me.sin_addr.s_addr = htonl(0x7f00000b);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("cannot connect on loopback");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void *run_loop(void *arg)
{
	struct rig *g = arg;

	event_base_loop(g->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

/* A relay for one edge to a fresh listener, its direction there shaped as d. */
static void rig_start(struct rig *g, const struct tn_linkdir *d)
{
	struct tn_linkdir plain = {0};
	char err[256];

	g->server = listen_any(&g->server_port);
	g->base = tn_relay_base_new();
	g->r = g->base ? tn_relay_new(g->base) : NULL;
	if (!g->r)
		die("out of memory");
	g->relay_port = tn_relay_listen(g->r, 0, "127.0.0.1", 0, "127.0.0.1", g->server_port, err,
					sizeof(err));
	if (g->relay_port < 0)
		die(err);
	tn_relay_configure(g->r, 1, 0, d);
	tn_relay_configure(g->r, 0, 1, &plain);
	if (pthread_create(&g->loop, NULL, run_loop, g) != 0)
		die("cannot start a thread");
}

static void rig_stop(struct rig *g)
{
	event_base_loopbreak(g->base);
	pthread_join(g->loop, NULL);
	tn_relay_free(g->r);
	event_base_free(g->base);
	close(g->server);
}

/* Echoes one byte at a time until the peer closes. */
static void *echo(void *arg)
{
	int fd = *(int *)arg, one = 1;
	char b;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (read(fd, &b, 1) == 1)
		if (write(fd, &b, 1) != 1)
			break;
	close(fd);
	return NULL;
}

/* Fills v with n one-byte round trips (seconds) to port, answered by server's echo. */
static void rtt_fill(double *v, int n, int server, int port)
{
	pthread_t t;
	int c, s;
	char b = 'p';

	c = dial(port);
	s = accept(server, NULL, NULL);
	if (s < 0 || pthread_create(&t, NULL, echo, &s) != 0)
		die("cannot accept");
	for (int i = 0; i < n; i++) {
		double t0 = bench_now();
		if (write(c, &b, 1) != 1 || read(c, &b, 1) != 1)
			die("a ping was lost");
		v[i] = bench_now() - t0;
	}
	close(c);
	pthread_join(t, NULL);
}

static double median_of(double *v, int n)
{
	double med, lo, hi;

	bench_stats(v, n, &med, &lo, &hi);
	return med;
}

/* Median round trip in seconds of n one-byte pings to port, answered by server's echo. */
static double rtt_median(int server, int port, int n)
{
	double *v = malloc((size_t)n * sizeof(*v)), med;

	if (!v)
		die("out of memory");
	rtt_fill(v, n, server, port);
	med = median_of(v, n);
	free(v);
	return med;
}

struct sink {
	int fd;
	size_t want;
};

static void *drain(void *arg)
{
	struct sink *k = arg;
	static char buf[CHUNK];
	size_t got = 0;
	ssize_t r;

	while (got < k->want && (r = read(k->fd, buf, sizeof(buf))) > 0)
		got += (size_t)r;
	close(k->fd);
	return NULL;
}

/* Bytes per second of THRU_MB MB written to port, read on server's side. */
static double throughput(int server, int port)
{
	static char buf[CHUNK];
	struct sink k = {.want = (size_t)THRU_MB << 20};
	size_t sent = 0;
	pthread_t t;
	double t0;
	int c = dial(port);

	k.fd = accept(server, NULL, NULL);
	if (k.fd < 0 || pthread_create(&t, NULL, drain, &k) != 0)
		die("cannot accept");
	memset(buf, 'x', sizeof(buf));
	t0 = bench_now();
	while (sent < k.want) {
		ssize_t r = write(c, buf, sizeof(buf));
		if (r <= 0)
			die("a write failed");
		sent += (size_t)r;
	}
	pthread_join(t, NULL);
	t0 = bench_now() - t0;
	close(c);
	return (double)k.want / t0;
}

/*
 * The direct and the relayed round trips are taken in RTT_BLOCKS turns, so
 * a load that comes and goes on a shared machine falls on both medians.
 */
static void bench_latency(void)
{
	struct tn_linkdir plain = {0};
	static double dv[RTT_SAMPLES], rv[RTT_SAMPLES];
	int per = RTT_SAMPLES / RTT_BLOCKS;
	struct rig g;
	double direct, relayed, added;

	rig_start(&g, &plain);
	for (int i = 0; i < RTT_BLOCKS; i++) {
		rtt_fill(dv + i * per, per, g.server, g.server_port);
		rtt_fill(rv + i * per, per, g.server, g.relay_port);
	}
	direct = median_of(dv, per * RTT_BLOCKS);
	relayed = median_of(rv, per * RTT_BLOCKS);
	added = (relayed - direct) / 2;
	printf("relay latency: %+.1f us per hop (goal < 50 us); round trip p50 %.1f us through the "
	       "relay, %.1f us direct loopback TCP (%d one-byte round trips each, in %d turns) %s\n",
	       added * 1e6, relayed * 1e6, direct * 1e6, per * RTT_BLOCKS, RTT_BLOCKS,
	       added < 50e-6 ? "PASS" : "MISS");
	rig_stop(&g);
}

static void bench_throughput(void)
{
	struct tn_linkdir plain = {0};
	double direct[THRU_RUNS], relayed[THRU_RUNS], dm, rm, lo, hi;
	struct rig g;

	rig_start(&g, &plain);
	for (int i = 0; i < THRU_RUNS; i++) {
		direct[i] = throughput(g.server, g.server_port);
		relayed[i] = throughput(g.server, g.relay_port);
	}
	bench_stats(direct, THRU_RUNS, &dm, &lo, &hi);
	bench_stats(relayed, THRU_RUNS, &rm, &lo, &hi);
	printf("relay throughput: %.2f GB/s through one link (goal >= 1 GB/s), direct loopback TCP "
	       "%.2f GB/s, relay/direct %.2f (%d MB, median of %d, runs interleaved) %s\n",
	       rm / 1e9, dm / 1e9, rm / dm, THRU_MB, THRU_RUNS, rm >= 1e9 ? "PASS" : "MISS");
	rig_stop(&g);
}

static void bench_delay(void)
{
	struct tn_linkdir d = {.delay_ms = 100};
	struct rig g;
	double direct, delayed, carried;

	rig_start(&g, &d);
	direct = rtt_median(g.server, g.server_port, 200);
	delayed = rtt_median(g.server, g.relay_port, DELAY_SAMPLES);
	carried = (delayed - direct) * 1e3;
	printf("relay delay: %.2f ms carried for 100 ms configured (goal within 2 ms; median of %d "
	       "round trips minus the direct one) %s\n", carried, DELAY_SAMPLES,
	       carried > 98 && carried < 102 ? "PASS" : "MISS");
	rig_stop(&g);
}

int main(void)
{
	if (evthread_use_pthreads() < 0)
		die("libevent has no pthreads support");
	bench_latency();
	bench_throughput();
	bench_delay();
	return 0;
}
