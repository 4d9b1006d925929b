/*
 * Test tool: a scripted (hostile) regtest peer.
 *   rawpeer SRC_IP HOST PORT MODE [SECONDS [HEX...]]
 * Connects from SRC_IP, then per MODE:
 *   idle         never sends anything
 *   garbage      sends bytes that are no frame at all
 *   badchecksum  handshakes, then sends a ping whose checksum is wrong
 *   oversize     handshakes, then a frame header claiming a 5 MB payload
 *   badblock     handshakes, then a block whose merkle root is wrong
 *   ping         handshakes, then pings and reports the round trip
 *   tx           handshakes, then sends each HEX argument after SECONDS as a tx
 *   hold         handshakes, then stays, answering pings; prints "got N addr
 *                messages" before it ends
 *   stall        handshakes, announces the HEX arguments as block headers,
 *                then never serves a block (but answers pings); prints
 *                "asked for N blocks" before it ends
 *   addr         handshakes, asks getaddr twice, sends an addr with a fresh
 *                and a far-future address, then one with 1001 addresses;
 *                prints "got N addr messages" before it ends
 *   flood        handshakes, then sends well-framed junk (unknown commands,
 *                256 KB of noise each) as fast as the node takes it; prints
 *                "sent N MB" before it ends
 *   hoard        handshakes, then asks 2000 times for headers from genesis (and for
 *                the HEX block hashes) over and over, and never reads: sends
 *                while the node takes requests, prints "sent N requests"
 *                once it stops taking them, holds SECONDS without reading,
 *                then reads to see whether the node closed
 *   headers      handshakes, sends the HEX headers in messages of 2000,
 *                then serves as stall does; prints "asked for N blocks"
 *   unconnecting handshakes, then sends 60 headers messages whose one
 *                header (with a valid proof of work) has an unknown parent
 *   notfound     handshakes, asks (getdata) for 50,000 unknown blocks;
 *                prints "got N notfound messages, M items"
 * and waits up to SECONDS (default 10) for the node to close the connection.
 * Prints "closed after N ms" or "still open" (or "pong after N ms") and
 * exits 0; exits 1 if it cannot connect at all.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "consensus/pow.h"
#include "p2p/protocol.h"
#include "p2p/rawpeer.h"
#include "tests/support/builder.h"
#include "util/hex.h"

static const struct cons_params *P;
static size_t last_len;              /* payload length of the last message read */

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The wire is p2p/rawpeer.h; a failed send shows as the node's close. */
static void send_all(int fd, const void *buf, size_t len)
{
	(void)p2p_rawpeer_send_all(fd, buf, len);
}

static void send_msg(int fd, const char *cmd, const uint8_t *payload, size_t len)
{
	(void)p2p_rawpeer_send(fd, P->magic, cmd, payload, len);
}

/* One message within timeout_ms: 1 (last_len set), 0 at EOF, -1 on timeout. */
static int read_msg(int fd, char cmd[13], uint8_t **payload, int timeout_ms)
{
	return p2p_rawpeer_read(fd, P->magic, cmd, payload, &last_len, timeout_ms);
}

/* Whatever the node answers: the modes see a refusal as the close that follows. */
static void handshake(int fd)
{
	struct p2p_version v;

	memset(&v, 0, sizeof(v));
	v.version = P2P_PROTOCOL_VERSION;
	v.nonce = 0x1234;
	snprintf(v.user_agent, sizeof(v.user_agent), "/rawpeer/");
	(void)p2p_rawpeer_handshake(fd, P->magic, &v, 5000);
}

static void send_bad_block(int fd)
{
	struct cons_block b;
	struct cons_writer w;
	uint8_t prev[32] = {0};
	struct tb_key key;
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);

	tb_key(ctx, &key, 99);
	tb_block(&b, P, prev, 1, P->genesis_time + 1, P->genesis_bits, key.pkh, 7, NULL, 0, 0);
	b.hdr.merkle[0] ^= 1;                   /* body no longer matches the header */
	if (!cons_pow_search(P, &b.hdr, b.hash, true, NULL))
		exit(2);
	cons_writer_init(&w);
	cons_block_write(&w, &b);
	send_msg(fd, "block", w.data, w.len);
	cons_writer_release(&w);
	cons_block_release(&b);
	secp256k1_context_destroy(ctx);
}

static long long left_ms(long long start, int secs)
{
	long long left = secs * 1000LL - (now_ms() - start);

	return left > 0 ? left : 0;
}

/*
 * Answers pings, counts the blocks asked for and the addr messages
 * received, until the node closes (1) or time is up (0).
 */
static int serve(int fd, long long start, int secs, long *asked, long *addrs)
{
	char cmd[13];
	uint8_t *payload;
	int r;

	while (left_ms(start, secs) > 0) {
		r = read_msg(fd, cmd, &payload, (int)left_ms(start, secs));
		if (r == 0)
			return 1;
		if (r < 0)
			return 0;
		if (strcmp(cmd, "ping") == 0)
			send_msg(fd, "pong", payload, 8);
		else if (strcmp(cmd, "getdata") == 0)
			(*asked) += payload[0];     /* a one-byte count: at most 252 items per message */
		else if (strcmp(cmd, "addr") == 0)
			(*addrs)++;
		free(payload);
	}
	return 0;
}

static void send_headers(int fd, char **hex, int n)
{
	struct cons_writer w;

	if (n > P2P_MAX_HEADERS) {         /* in full messages, as a syncing peer gets them */
		for (int i = 0; i < n; i += P2P_MAX_HEADERS)
			send_headers(fd, hex + i, n - i < P2P_MAX_HEADERS ? n - i : P2P_MAX_HEADERS);
		return;
	}

	cons_writer_init(&w);
	cons_write_compact(&w, (uint64_t)n);
	for (int i = 0; i < n; i++) {
		uint8_t *raw;
		size_t len;
		if (util_hex_decode_alloc(&raw, &len, hex[i]) < 0 || len != CONS_HEADER_SIZE)
			exit(2);
		cons_write_bytes(&w, raw, len);
		cons_write_u8(&w, 0);
		free(raw);
	}
	send_msg(fd, "headers", w.data, w.len);
	cons_writer_release(&w);
}

/* Sends junk frames while the socket takes them, draining what the node sends; 1 if closed. */
static int flood(int fd, long long start, int secs, long long *sent)
{
	static uint8_t noise[256 * 1024];
	struct cons_writer w;
	size_t off = 0;
	int closed = 0;

	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (uint8_t)(i * 2654435761u >> 13);
	cons_writer_init(&w);
	p2p_frame_write(&w, P->magic, "junk", noise, sizeof(noise));
	while (!closed && left_ms(start, secs) > 0) {
		struct pollfd pfd = {fd, POLLIN | POLLOUT, 0};
		char buf[65536];
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((pfd.revents & POLLIN) && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) == 0)
			closed = 1;
		if (pfd.revents & (POLLERR | POLLHUP))
			closed = 1;
		if (!closed && (pfd.revents & POLLOUT)) {
			ssize_t k = send(fd, w.data + off, w.len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (k > 0) {
				*sent += k;
				off = (off + (size_t)k) % w.len;
			}
		}
	}
	cons_writer_release(&w);
	return closed;
}

/* An addr message of n entries 127.0.0.250:(1000+i), the first two stamped now and now + 1 h. */
static void send_addrs(int fd, size_t n)
{
	struct p2p_addr_entry *a = calloc(n, sizeof(*a));
	struct cons_writer w;

	for (size_t i = 0; i < n; i++) {
		a[i].time = (uint32_t)time(NULL) + (i == 1 ? 3600 : 0);
		p2p_netaddr_ipv4(&a[i].addr, 0x7f0000fa, (uint16_t)(1000 + i));
	}
	cons_writer_init(&w);
	p2p_addr_write(&w, a, n);
	send_msg(fd, "addr", w.data, w.len);
	cons_writer_release(&w);
	free(a);
}


/* A getheaders from genesis alone (all of the node's headers, 2000 at a time). */
static void write_getheaders(struct cons_writer *w)
{
	struct p2p_getheaders g;
	struct cons_block gen;

	memset(&g, 0, sizeof(g));
	g.version = P2P_PROTOCOL_VERSION;
	cons_block_init(&gen);
	if (cons_genesis_block(&gen, P) < 0)
		exit(2);
	memcpy(g.locator[0], gen.hash, 32);
	g.n = 1;
	cons_block_release(&gen);
	p2p_getheaders_write(w, &g);
}

/* Sends requests while the node takes them (2 s without progress: it stopped); how many. */
static long hoard_send(int fd, char **hex, int n)
{
	struct cons_writer gh, gd, msgs;
	struct p2p_inv *inv = calloc((size_t)n + 1, sizeof(*inv));
	long sent = 0;
	size_t off = 0;
	long long last = now_ms();

	cons_writer_init(&gh);
	write_getheaders(&gh);
	for (int i = 0; i < n; i++) {
		uint8_t *raw;
		size_t len;
		inv[i].type = P2P_INV_BLOCK;
		if (util_hex_decode_alloc(&raw, &len, hex[i]) < 0 || len != 32)
			exit(2);
		for (int j = 0; j < 32; j++)
			inv[i].hash[j] = raw[31 - j];   /* shown reversed */
		free(raw);
	}
	cons_writer_init(&gd);
	p2p_inv_write(&gd, inv, (size_t)n);
	cons_writer_init(&msgs);
	p2p_frame_write(&msgs, P->magic, "getheaders", gh.data, gh.len);
	if (n)
		p2p_frame_write(&msgs, P->magic, "getdata", gd.data, gd.len);
	while (sent < 2000 && now_ms() - last < 2000) {
		struct pollfd pfd = {fd, POLLOUT, 0};
		if (poll(&pfd, 1, 100) <= 0 || !(pfd.revents & POLLOUT))
			continue;
		ssize_t k = send(fd, msgs.data + off, msgs.len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k <= 0)
			continue;
		last = now_ms();
		off += (size_t)k;
		if (off == msgs.len) {
			off = 0;
			sent++;
		}
	}
	cons_writer_release(&gh);
	cons_writer_release(&gd);
	cons_writer_release(&msgs);
	free(inv);
	return sent;
}

/* Never reads for secs, then reads all there is: 1 if the node had closed. */
static int hoard(int fd, long long start, int secs, char **hex, int n)
{
	char buf[65536];

	handshake(fd);
	printf("sent %ld requests\n", hoard_send(fd, hex, n));
	fflush(stdout);
	while (left_ms(start, secs) > 0)
		poll(NULL, 0, (int)left_ms(start, secs));
	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		if (poll(&pfd, 1, 3000) <= 0)
			return 0;
		if (recv(fd, buf, sizeof(buf), 0) <= 0)
			return 1;
	}
}

/* Headers messages of one header each, on parents nobody has. */
static void send_unconnecting(int fd, int count)
{
	for (int i = 0; i < count; i++) {
		struct cons_writer w;
		struct cons_header h;
		memset(&h, 0, sizeof(h));
		h.version = 1;
		h.prev[0] = (uint8_t)i;
		h.prev[1] = 0xee;
		h.time = P->genesis_time + 1;
		h.bits = P->genesis_bits;
		uint8_t hash[32];
		if (!cons_pow_search(P, &h, hash, true, NULL))   /* valid proof: only the parent is wrong */
			exit(2);
		cons_writer_init(&w);
		p2p_headers_write(&w, &h, 1);
		send_msg(fd, "headers", w.data, w.len);
		cons_writer_release(&w);
	}
}

/* getdata for 50,000 blocks nobody has; counts the notfound answers until secs are up. */
static void notfound_mode(int fd, long long start, int secs)
{
	struct p2p_inv *inv = calloc(P2P_MAX_INV, sizeof(*inv));
	struct cons_writer w;
	long msgs = 0, items = 0;
	char cmd[13];
	uint8_t *payload;

	handshake(fd);
	for (size_t i = 0; i < P2P_MAX_INV; i++) {
		inv[i].type = P2P_INV_BLOCK;
		memcpy(inv[i].hash, &i, sizeof(i));
		inv[i].hash[31] = 0x5a;
	}
	cons_writer_init(&w);
	p2p_inv_write(&w, inv, P2P_MAX_INV);
	send_msg(fd, "getdata", w.data, w.len);
	cons_writer_release(&w);
	free(inv);
	while (left_ms(start, secs) > 0 && read_msg(fd, cmd, &payload, (int)left_ms(start, secs)) == 1) {
		struct p2p_inv *got;
		size_t n;
		if (strcmp(cmd, "ping") == 0)
			send_msg(fd, "pong", payload, 8);
		if (strcmp(cmd, "notfound") == 0 && p2p_inv_read(&got, &n, payload, last_len) == 0) {
			msgs++;
			items += (long)n;
			free(got);
		}
		free(payload);
	}
	printf("got %ld notfound messages, %ld items\n", msgs, items);
}

static void do_mode(int fd, const char *mode)
{
	if (strcmp(mode, "garbage") == 0) {
		send_all(fd, "this is not a bitcoin frame, not at all!", 40);
	} else if (strcmp(mode, "badchecksum") == 0) {
		uint8_t nonce[8] = {1}, frame[32];
		handshake(fd);
		memset(frame, 0, sizeof(frame));
		memcpy(frame, P->magic, 4);
		memcpy(frame + 4, "ping", 4);
		cons_put_le32(frame + 16, 8);
		memcpy(frame + 20, "\xde\xad\xbe\xef", 4);
		memcpy(frame + 24, nonce, 8);
		send_all(fd, frame, sizeof(frame));
	} else if (strcmp(mode, "oversize") == 0) {
		uint8_t frame[24];
		handshake(fd);
		memset(frame, 0, sizeof(frame));
		memcpy(frame, P->magic, 4);
		memcpy(frame + 4, "block", 5);
		cons_put_le32(frame + 16, 5u * 1000 * 1000);
		send_all(fd, frame, sizeof(frame));
	} else if (strcmp(mode, "badblock") == 0) {
		handshake(fd);
		send_bad_block(fd);
	}
}

static void ping_mode(int fd, int secs)
{
	char cmd[13];
	uint8_t *payload, nonce[8] = {7, 7, 7, 7, 7, 7, 7, 7};
	long long start;

	handshake(fd);
	start = now_ms();
	send_msg(fd, "ping", nonce, 8);
	while (read_msg(fd, cmd, &payload, secs * 1000) == 1) {
		int pong = strcmp(cmd, "pong") == 0;
		free(payload);
		if (pong) {
			printf("pong after %lld ms\n", now_ms() - start);
			return;
		}
	}
	printf("no pong\n");
}

/* hold, stall, headers, unconnecting and addr: the handshake, the mode's messages, then pings. */
static int scripted_mode(int fd, const char *mode, long long start, int secs, char **hex, int n)
{
	bool headers = strcmp(mode, "stall") == 0 || strcmp(mode, "headers") == 0;
	long asked = 0, addrs = 0;
	int closed;

	handshake(fd);
	if (headers)
		send_headers(fd, hex, n);
	if (mode[0] == 'u')
		send_unconnecting(fd, 60);
	if (mode[0] == 'a') {
		send_msg(fd, "getaddr", NULL, 0);
		send_msg(fd, "getaddr", NULL, 0);
		send_addrs(fd, 2);
		send_addrs(fd, P2P_MAX_ADDR + 1);
	}
	closed = serve(fd, start, secs, &asked, &addrs);
	if (headers)
		printf("asked for %ld blocks\n", asked);
	else if (mode[0] != 'u')
		printf("got %ld addr messages\n", addrs);
	return closed;
}

/* The other modes: their messages, then waiting for the node to close. */
static int one_shot_mode(int fd, const char *mode, long long start, int secs, char **hex, int n)
{
	char buf[4096];

	if (strcmp(mode, "tx") == 0) {
		handshake(fd);
		for (int i = 0; i < n; i++) {
			uint8_t *raw;
			size_t len;
			if (util_hex_decode_alloc(&raw, &len, hex[i]) == 0) {
				send_msg(fd, "tx", raw, len);
				free(raw);
			}
		}
	}
	do_mode(fd, mode);
	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		long long left = left_ms(start, secs);
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return 0;
		if (recv(fd, buf, sizeof(buf), 0) <= 0)
			return 1;
	}
}

int main(int argc, char **argv)
{
	int fd, closed, secs = argc > 5 ? atoi(argv[5]) : 10, n = argc > 6 ? argc - 6 : 0;
	const char *mode = argc > 4 ? argv[4] : "";
	char err[200];
	long long start;

	P = cons_params_by_name("regtest");
	if (argc < 5) {
		fprintf(stderr, "usage: rawpeer SRC_IP HOST PORT MODE [SECONDS [HEX...]]\n");
		return 2;
	}
	fd = p2p_rawpeer_dial(argv[1], argv[2], atoi(argv[3]), err, sizeof(err));
	if (fd < 0) {
		printf("cannot connect\n");
		return 1;
	}
	start = now_ms();
	if (strcmp(mode, "ping") == 0) {
		ping_mode(fd, secs);
		return 0;
	}
	if (strcmp(mode, "notfound") == 0) {
		notfound_mode(fd, start, secs);
		return 0;
	}
	if (strcmp(mode, "hold") == 0 || strcmp(mode, "stall") == 0 || strcmp(mode, "addr") == 0 ||
	    strcmp(mode, "headers") == 0 || strcmp(mode, "unconnecting") == 0) {
		closed = scripted_mode(fd, mode, start, secs, argv + 6, n);
	} else if (strcmp(mode, "hoard") == 0) {
		closed = hoard(fd, start, secs, argv + 6, n);
	} else if (strcmp(mode, "flood") == 0) {
		long long sent = 0;
		handshake(fd);
		closed = flood(fd, start, secs, &sent);
		printf("sent %lld MB\n", sent >> 20);
	} else {
		closed = one_shot_mode(fd, mode, start, secs, argv + 6, n);
	}
	if (closed)
		printf("closed after %lld ms\n", now_ms() - start);
	else
		printf("still open\n");
	return 0;
}
