/* Tests for p2p/protocol: Bitcoin's framing and payloads, on outside vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "p2p/protocol.h"
#include "util/hex.h"

static const uint8_t mainnet[4] = {0xf9, 0xbe, 0xb4, 0xd9};

/* The Bitcoin wiki's example version message (protocol 60002, "/Satoshi:0.7.2/"). */
static const char wiki_version_frame[] =
	"f9beb4d976657273696f6e0000000000640000003b648d5a";
static const char wiki_version_payload[] =
	"62ea0000010000000000000011b2d05000000000010000000000000000000000000000000000ffff000000"
	"000000010000000000000000000000000000000000ffff0000000000003b2eb35d8ce617650f2f536174"
	"6f7368693a302e372e322fc03e0300";

static uint8_t *unhex(const char *hex, size_t *len)
{
	uint8_t *p;

	assert_int_equal(util_hex_decode_alloc(&p, len, hex), 0);
	return p;
}

static void test_frame_verack_matches_bitcoin_bytes(void **state)
{
	struct cons_writer w;
	char hex[2 * P2P_HEADER_SIZE + 1];
	struct p2p_frame f;

	cons_writer_init(&w);
	p2p_frame_write(&w, mainnet, "verack", NULL, 0);
	assert_int_equal(w.len, P2P_HEADER_SIZE);
	util_hex_encode(hex, w.data, w.len);
	assert_string_equal(hex, "f9beb4d976657261636b000000000000000000005df6e0e2");
	assert_int_equal(p2p_frame_parse(&f, w.data, mainnet), P2P_FRAME_OK);
	assert_string_equal(f.command, "verack");
	assert_int_equal(f.length, 0);
	assert_int_equal(p2p_frame_check(&f, NULL, 0), P2P_FRAME_OK);
	cons_writer_release(&w);
}

static void test_version_decodes_wiki_example(void **state)
{
	size_t hlen, plen;
	uint8_t *hdr = unhex(wiki_version_frame, &hlen), *payload = unhex(wiki_version_payload, &plen);
	struct p2p_frame f;
	struct p2p_version v;

	assert_int_equal(p2p_frame_parse(&f, hdr, mainnet), P2P_FRAME_OK);
	assert_string_equal(f.command, "version");
	assert_int_equal(f.length, plen);
	assert_int_equal(p2p_frame_check(&f, payload, plen), P2P_FRAME_OK);
	assert_int_equal(p2p_version_read(&v, payload, plen), 0);
	assert_int_equal(v.version, 60002);
	assert_int_equal(v.services, 1);
	assert_int_equal(v.timestamp, 1355854353);
	assert_int_equal(v.nonce, 0x6517e68c5db32e3bull);
	assert_string_equal(v.user_agent, "/Satoshi:0.7.2/");
	assert_int_equal(v.start_height, 212672);
	assert_true(v.relay);                 /* absent before BIP37: true */
	assert_int_equal(v.recv.ip[10], 0xff);
	free(hdr);
	free(payload);
}

static void test_version_encodes_wiki_example(void **state)
{
	size_t plen;
	uint8_t *payload = unhex(wiki_version_payload, &plen);
	struct p2p_version v;
	struct cons_writer w;

	assert_int_equal(p2p_version_read(&v, payload, plen), 0);
	cons_writer_init(&w);
	p2p_version_write(&w, &v);
	/* Our encoding adds the BIP37 relay byte after the wiki's 100 bytes. */
	assert_int_equal(w.len, plen + 1);
	assert_memory_equal(w.data, payload, plen);
	assert_int_equal(w.data[plen], 1);
	cons_writer_release(&w);
	free(payload);
}

static void test_version_truncated_rejected(void **state)
{
	size_t plen;
	uint8_t *payload = unhex(wiki_version_payload, &plen);
	struct p2p_version v;

	for (size_t n = 0; n < plen - 4; n++)
		assert_int_equal(p2p_version_read(&v, payload, n), -1);
	free(payload);
}

static void frame_header(uint8_t hdr[P2P_HEADER_SIZE], const char *cmd, uint32_t len)
{
	memset(hdr, 0, P2P_HEADER_SIZE);
	memcpy(hdr, mainnet, 4);
	memcpy(hdr + 4, cmd, strlen(cmd));
	cons_put_le32(hdr + 16, len);
}

static void test_frame_rejects_bad_headers(void **state)
{
	uint8_t hdr[P2P_HEADER_SIZE];
	const uint8_t other[4] = {1, 2, 3, 4};
	struct p2p_frame f;

	frame_header(hdr, "ping", 8);
	assert_int_equal(p2p_frame_parse(&f, hdr, mainnet), P2P_FRAME_OK);
	assert_int_equal(p2p_frame_parse(&f, hdr, other), P2P_FRAME_BAD_MAGIC);
	frame_header(hdr, "pi\x01g", 8);
	assert_int_equal(p2p_frame_parse(&f, hdr, mainnet), P2P_FRAME_BAD_COMMAND);
	frame_header(hdr, "ping", 8);
	hdr[10] = 'x';                          /* a character after the NUL padding */
	assert_int_equal(p2p_frame_parse(&f, hdr, mainnet), P2P_FRAME_BAD_COMMAND);
	frame_header(hdr, "block", P2P_MAX_PAYLOAD + 1);
	assert_int_equal(p2p_frame_parse(&f, hdr, mainnet), P2P_FRAME_OVERSIZE);
	frame_header(hdr, "block", P2P_MAX_PAYLOAD);
	assert_int_equal(p2p_frame_parse(&f, hdr, mainnet), P2P_FRAME_OK);
}

static void test_frame_checksum_mismatch_detected(void **state)
{
	struct cons_writer w;
	struct p2p_frame f;
	uint8_t nonce[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	cons_writer_init(&w);
	p2p_frame_write(&w, mainnet, "ping", nonce, 8);
	assert_int_equal(p2p_frame_parse(&f, w.data, mainnet), P2P_FRAME_OK);
	assert_int_equal(p2p_frame_check(&f, w.data + P2P_HEADER_SIZE, 8), P2P_FRAME_OK);
	w.data[P2P_HEADER_SIZE + 3] ^= 0x40;
	assert_int_equal(p2p_frame_check(&f, w.data + P2P_HEADER_SIZE, 8), P2P_FRAME_BAD_CHECKSUM);
	cons_writer_release(&w);
}

static void test_nonce_exact_length(void **state)
{
	uint8_t b[9] = {0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0};
	uint64_t n;

	assert_int_equal(p2p_nonce_read(&n, b, 8), 0);
	assert_int_equal(n, 0x1122334455667788ull);
	assert_int_equal(p2p_nonce_read(&n, b, 7), -1);
	assert_int_equal(p2p_nonce_read(&n, b, 9), -1);
}

static void test_inv_round_trip_and_limits(void **state)
{
	struct p2p_inv in[3], *out;
	struct cons_writer w;
	size_t n;

	for (int i = 0; i < 3; i++) {
		in[i].type = i == 1 ? P2P_INV_TX : P2P_INV_BLOCK;
		memset(in[i].hash, i + 1, 32);
	}
	cons_writer_init(&w);
	p2p_inv_write(&w, in, 3);
	assert_int_equal(p2p_inv_read(&out, &n, w.data, w.len), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(out, in, sizeof(in));
	free(out);
	assert_int_equal(p2p_inv_read(&out, &n, w.data, w.len - 1), -1);   /* truncated */
	cons_write_u8(&w, 0);
	assert_int_equal(p2p_inv_read(&out, &n, w.data, w.len), -1);       /* trailing */
	cons_writer_release(&w);

	/* A count above the limit, or above what the bytes can hold, fails before allocating. */
	cons_writer_init(&w);
	cons_write_compact(&w, P2P_MAX_INV + 1);
	assert_int_equal(p2p_inv_read(&out, &n, w.data, w.len), -1);
	cons_writer_release(&w);
	cons_writer_init(&w);
	cons_write_compact(&w, 40000);
	assert_int_equal(p2p_inv_read(&out, &n, w.data, w.len), -1);
	cons_writer_release(&w);
}

static void test_headers_round_trip_and_limits(void **state)
{
	struct cons_header h[2], *out;
	struct cons_writer w;
	size_t n;

	memset(h, 0, sizeof(h));
	h[0].version = 1;
	h[0].time = 1231006505;
	h[0].bits = 0x1d00ffff;
	h[1] = h[0];
	h[1].nonce = 42;
	cons_writer_init(&w);
	p2p_headers_write(&w, h, 2);
	assert_int_equal(w.len, 1 + 2 * 81);
	assert_int_equal(p2p_headers_read(&out, &n, w.data, w.len), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(out, h, sizeof(h));
	free(out);
	w.data[1 + 80] = 1;                     /* a header claiming a transaction */
	assert_int_equal(p2p_headers_read(&out, &n, w.data, w.len), -1);
	cons_writer_release(&w);
	cons_writer_init(&w);
	cons_write_compact(&w, P2P_MAX_HEADERS + 1);
	assert_int_equal(p2p_headers_read(&out, &n, w.data, w.len), -1);
	cons_writer_release(&w);
}

static void test_getheaders_round_trip_and_limits(void **state)
{
	static struct p2p_getheaders g, back;
	struct cons_writer w;

	memset(&g, 0, sizeof(g));
	g.version = P2P_PROTOCOL_VERSION;
	g.n = 3;
	for (int i = 0; i < 3; i++)
		memset(g.locator[i], 0x10 + i, 32);
	memset(g.stop, 0xee, 32);
	cons_writer_init(&w);
	p2p_getheaders_write(&w, &g);
	assert_int_equal(p2p_getheaders_read(&back, w.data, w.len), 0);
	assert_int_equal(back.n, 3);
	assert_memory_equal(back.locator, g.locator, 3 * 32);
	assert_memory_equal(back.stop, g.stop, 32);
	cons_writer_release(&w);
	cons_writer_init(&w);
	cons_write_u32(&w, P2P_PROTOCOL_VERSION);
	cons_write_compact(&w, P2P_MAX_LOCATOR + 1);
	for (int i = 0; i < P2P_MAX_LOCATOR + 2; i++)
		cons_write_bytes(&w, g.stop, 32);
	assert_int_equal(p2p_getheaders_read(&back, w.data, w.len), -1);
	cons_writer_release(&w);
}

static void test_addr_round_trip_and_limits(void **state)
{
	struct p2p_addr_entry a[2], *out;
	struct cons_writer w;
	size_t n;

	memset(a, 0, sizeof(a));
	a[0].time = 1700000000;
	p2p_netaddr_ipv4(&a[0].addr, 0x7f000001, 28333);
	a[0].addr.services = P2P_NODE_NETWORK;
	a[1] = a[0];
	a[1].addr.port = 28444;
	cons_writer_init(&w);
	p2p_addr_write(&w, a, 2);
	/* Ports are big-endian on the wire: 28333 = 0x6ead. */
	assert_int_equal(w.data[1 + 4 + 8 + 16], 0x6e);
	assert_int_equal(p2p_addr_read(&out, &n, w.data, w.len), 0);
	assert_int_equal(n, 2);
	for (int i = 0; i < 2; i++) {           /* field by field: structs have padding */
		assert_int_equal(out[i].time, a[i].time);
		assert_int_equal(out[i].addr.services, a[i].addr.services);
		assert_memory_equal(out[i].addr.ip, a[i].addr.ip, 16);
		assert_int_equal(out[i].addr.port, a[i].addr.port);
	}
	free(out);
	cons_writer_release(&w);
	cons_writer_init(&w);
	cons_write_compact(&w, P2P_MAX_ADDR + 1);
	assert_int_equal(p2p_addr_read(&out, &n, w.data, w.len), -1);
	cons_writer_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_verack_matches_bitcoin_bytes),
		cmocka_unit_test(test_version_decodes_wiki_example),
		cmocka_unit_test(test_version_encodes_wiki_example),
		cmocka_unit_test(test_version_truncated_rejected),
		cmocka_unit_test(test_frame_rejects_bad_headers),
		cmocka_unit_test(test_frame_checksum_mismatch_detected),
		cmocka_unit_test(test_nonce_exact_length),
		cmocka_unit_test(test_inv_round_trip_and_limits),
		cmocka_unit_test(test_headers_round_trip_and_limits),
		cmocka_unit_test(test_getheaders_round_trip_and_limits),
		cmocka_unit_test(test_addr_round_trip_and_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
