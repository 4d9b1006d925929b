/* P2P wire format; see protocol.h. */
#include "p2p/protocol.h"

#include <stdlib.h>
#include <string.h>

#include "consensus/hash.h"

enum p2p_frame_status p2p_frame_parse(struct p2p_frame *f, const uint8_t hdr[P2P_HEADER_SIZE],
				      const uint8_t magic[4])
{
	bool ended = false;

	if (memcmp(hdr, magic, 4) != 0)
		return P2P_FRAME_BAD_MAGIC;
	/* Printable ASCII, then only NULs: Bitcoin's CMessageHeader::IsCommandValid. */
	for (int i = 0; i < P2P_COMMAND_SIZE; i++) {
		uint8_t c = hdr[4 + i];
		if (c == 0)
			ended = true;
		else if (ended || c < ' ' || c > 0x7e)
			return P2P_FRAME_BAD_COMMAND;
		f->command[i] = (char)c;
	}
	f->command[P2P_COMMAND_SIZE] = 0;
	f->length = cons_le32(hdr + 16);
	memcpy(f->checksum, hdr + 20, 4);
	if (f->length > P2P_MAX_PAYLOAD)
		return P2P_FRAME_OVERSIZE;
	return P2P_FRAME_OK;
}

enum p2p_frame_status p2p_frame_check(const struct p2p_frame *f, const uint8_t *payload,
				      size_t len)
{
	uint8_t h[32];

	cons_sha256d(h, payload, len);
	return memcmp(h, f->checksum, 4) == 0 ? P2P_FRAME_OK : P2P_FRAME_BAD_CHECKSUM;
}

const char *p2p_frame_status_str(enum p2p_frame_status s)
{
	switch (s) {
	case P2P_FRAME_OK: return "ok";
	case P2P_FRAME_BAD_MAGIC: return "wrong network magic";
	case P2P_FRAME_BAD_COMMAND: return "malformed command";
	case P2P_FRAME_OVERSIZE: return "oversized payload";
	case P2P_FRAME_BAD_CHECKSUM: return "bad checksum";
	}
	return "unknown";
}

void p2p_frame_write(struct cons_writer *w, const uint8_t magic[4], const char *command,
		     const uint8_t *payload, size_t len)
{
	uint8_t hdr[P2P_HEADER_SIZE], h[32];
	size_t n = strlen(command);

	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, magic, 4);
	memcpy(hdr + 4, command, n < P2P_COMMAND_SIZE ? n : P2P_COMMAND_SIZE);
	cons_put_le32(hdr + 16, (uint32_t)len);
	cons_sha256d(h, payload, len);
	memcpy(hdr + 20, h, 4);
	cons_write_bytes(w, hdr, sizeof(hdr));
	cons_write_bytes(w, payload, len);
}

static void write_netaddr(struct cons_writer *w, const struct p2p_netaddr *a)
{
	uint8_t port[2] = {(uint8_t)(a->port >> 8), (uint8_t)a->port};

	cons_write_u64(w, a->services);
	cons_write_bytes(w, a->ip, 16);
	cons_write_bytes(w, port, 2);
}

static void read_netaddr(struct cons_reader *r, struct p2p_netaddr *a)
{
	uint8_t port[2];

	a->services = cons_read_u64(r);
	cons_read_bytes(r, a->ip, 16);
	cons_read_bytes(r, port, 2);
	a->port = (uint16_t)(port[0] << 8 | port[1]);
}

void p2p_netaddr_ipv4(struct p2p_netaddr *a, uint32_t ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->ip[10] = a->ip[11] = 0xff;
	a->ip[12] = (uint8_t)(ip >> 24);
	a->ip[13] = (uint8_t)(ip >> 16);
	a->ip[14] = (uint8_t)(ip >> 8);
	a->ip[15] = (uint8_t)ip;
	a->port = port;
}

void p2p_version_write(struct cons_writer *w, const struct p2p_version *v)
{
	cons_write_u32(w, (uint32_t)v->version);
	cons_write_u64(w, v->services);
	cons_write_u64(w, (uint64_t)v->timestamp);
	write_netaddr(w, &v->recv);
	write_netaddr(w, &v->from);
	cons_write_u64(w, v->nonce);
	cons_write_varbytes(w, (const uint8_t *)v->user_agent, strlen(v->user_agent));
	cons_write_u32(w, (uint32_t)v->start_height);
	cons_write_u8(w, v->relay ? 1 : 0);
}

int p2p_version_read(struct p2p_version *v, const uint8_t *p, size_t len)
{
	struct cons_reader r;
	const uint8_t *ua;
	size_t ua_len;

	memset(v, 0, sizeof(*v));
	cons_reader_init(&r, p, len);
	v->version = (int32_t)cons_read_u32(&r);
	v->services = cons_read_u64(&r);
	v->timestamp = (int64_t)cons_read_u64(&r);
	read_netaddr(&r, &v->recv);
	read_netaddr(&r, &v->from);
	v->nonce = cons_read_u64(&r);
	ua = cons_read_varbytes(&r, &ua_len, P2P_MAX_UA);
	if (ua)
		memcpy(v->user_agent, ua, ua_len);
	v->start_height = (int32_t)cons_read_u32(&r);
	/* relay is optional (BIP37): absent means true. */
	v->relay = r.len ? cons_read_u8(&r) != 0 : true;
	if (!cons_reader_ok(&r))
		return -1;
	/* Bitcoin ignores bytes after the fields it knows: newer versions add some. */
	for (size_t i = 0; i < strlen(v->user_agent); i++)
		if (v->user_agent[i] < ' ' || v->user_agent[i] > 0x7e)
			v->user_agent[i] = '?';
	return 0;
}

int p2p_nonce_read(uint64_t *nonce, const uint8_t *p, size_t len)
{
	struct cons_reader r;

	cons_reader_init(&r, p, len);
	*nonce = cons_read_u64(&r);
	cons_reader_expect_end(&r);
	return cons_reader_ok(&r) ? 0 : -1;
}

/* Reads a count (at most max) of items of at least min_size bytes each. */
static size_t read_count(struct cons_reader *r, size_t max, size_t min_size)
{
	uint64_t n = cons_read_compact(r);

	if (cons_reader_ok(r) && (n > max || n > r->len / min_size))
		cons_reader_fail(r, CONS_READ_TOO_LARGE);
	return cons_reader_ok(r) ? (size_t)n : 0;
}

void p2p_inv_write(struct cons_writer *w, const struct p2p_inv *items, size_t n)
{
	cons_write_compact(w, n);
	for (size_t i = 0; i < n; i++) {
		cons_write_u32(w, items[i].type);
		cons_write_bytes(w, items[i].hash, 32);
	}
}

int p2p_inv_read(struct p2p_inv **items, size_t *n, const uint8_t *p, size_t len)
{
	struct cons_reader r;

	cons_reader_init(&r, p, len);
	*n = read_count(&r, P2P_MAX_INV, 36);
	*items = NULL;
	if (!cons_reader_ok(&r))
		return -1;
	*items = malloc((*n ? *n : 1) * sizeof(**items));
	if (!*items)
		return -1;
	for (size_t i = 0; i < *n; i++) {
		(*items)[i].type = cons_read_u32(&r);
		cons_read_bytes(&r, (*items)[i].hash, 32);
	}
	cons_reader_expect_end(&r);
	if (!cons_reader_ok(&r)) {
		free(*items);
		*items = NULL;
		return -1;
	}
	return 0;
}

void p2p_getheaders_write(struct cons_writer *w, const struct p2p_getheaders *g)
{
	cons_write_u32(w, g->version);
	cons_write_compact(w, g->n);
	for (size_t i = 0; i < g->n; i++)
		cons_write_bytes(w, g->locator[i], 32);
	cons_write_bytes(w, g->stop, 32);
}

int p2p_getheaders_read(struct p2p_getheaders *g, const uint8_t *p, size_t len)
{
	struct cons_reader r;

	cons_reader_init(&r, p, len);
	g->version = cons_read_u32(&r);
	g->n = read_count(&r, P2P_MAX_LOCATOR, 32);
	for (size_t i = 0; i < g->n; i++)
		cons_read_bytes(&r, g->locator[i], 32);
	cons_read_bytes(&r, g->stop, 32);
	cons_reader_expect_end(&r);
	return cons_reader_ok(&r) ? 0 : -1;
}

void p2p_headers_write(struct cons_writer *w, const struct cons_header *h, size_t n)
{
	uint8_t raw[CONS_HEADER_SIZE];

	cons_write_compact(w, n);
	for (size_t i = 0; i < n; i++) {
		cons_header_serialize(raw, &h[i]);
		cons_write_bytes(w, raw, sizeof(raw));
		cons_write_u8(w, 0);
	}
}

int p2p_headers_read(struct cons_header **h, size_t *n, const uint8_t *p, size_t len)
{
	struct cons_reader r;

	cons_reader_init(&r, p, len);
	*n = read_count(&r, P2P_MAX_HEADERS, CONS_HEADER_SIZE + 1);
	*h = NULL;
	if (!cons_reader_ok(&r))
		return -1;
	*h = malloc((*n ? *n : 1) * sizeof(**h));
	if (!*h)
		return -1;
	for (size_t i = 0; i < *n; i++) {
		cons_header_read(&(*h)[i], &r);
		if (cons_read_compact(&r) != 0)        /* headers carry no transactions */
			cons_reader_fail(&r, CONS_READ_TOO_LARGE);
	}
	cons_reader_expect_end(&r);
	if (!cons_reader_ok(&r)) {
		free(*h);
		*h = NULL;
		return -1;
	}
	return 0;
}

void p2p_addr_write(struct cons_writer *w, const struct p2p_addr_entry *a, size_t n)
{
	cons_write_compact(w, n);
	for (size_t i = 0; i < n; i++) {
		cons_write_u32(w, a[i].time);
		write_netaddr(w, &a[i].addr);
	}
}

int p2p_addr_read(struct p2p_addr_entry **a, size_t *n, const uint8_t *p, size_t len)
{
	struct cons_reader r;

	cons_reader_init(&r, p, len);
	*n = read_count(&r, P2P_MAX_ADDR, 30);
	*a = NULL;
	if (!cons_reader_ok(&r))
		return -1;
	*a = malloc((*n ? *n : 1) * sizeof(**a));
	if (!*a)
		return -1;
	for (size_t i = 0; i < *n; i++) {
		(*a)[i].time = cons_read_u32(&r);
		read_netaddr(&r, &(*a)[i].addr);
	}
	cons_reader_expect_end(&r);
	if (!cons_reader_ok(&r)) {
		free(*a);
		*a = NULL;
		return -1;
	}
	return 0;
}
