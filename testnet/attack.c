/*
 * `attack NODE KIND`: a hostile peer from its own loopback address. It
 * connects to the node's p2p port, does the version/verack handshake, sends
 * one bad thing (a block from badblock.c on top of the node's current tip,
 * or a broken frame), then reports what the node did: did it disconnect us,
 * ban us (listbanned), keep the bad block off its chain, stay up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "consensus/block_check.h"
#include "consensus/hash.h"
#include "consensus/sig.h"
#include "p2p/protocol.h"
#include "p2p/rawpeer.h"
#include "testnet/app.h"
#include "testnet/badblock.h"
#include "testnet/proc.h"
#include "util/hex.h"

struct attack {
	struct tn_app *a;
	int node;
	enum tn_attack kind;
	char from[64];
	double wait;                   /* seconds to wait for the node to hang up */
	bool json;
	const struct cons_params *p;
	/* results */
	char what[200], tip_before[65], tip_after[65], block[65], chain[160];
	long long closed_ms;           /* -1: still connected when we gave up */
	bool banned, up, accepted, refused;
};

/* ---- the wire (p2p/rawpeer.h) ---- */

static int send_msg(int fd, const struct cons_params *p, const char *cmd, const uint8_t *payload,
		    size_t len)
{
	return p2p_rawpeer_send(fd, p->magic, cmd, payload, len);
}

/* version/verack both ways. 0, or -1 with err (a node that hangs up at once has banned us). */
static int handshake(int fd, const struct cons_params *p, int64_t height, char *err, size_t errlen)
{
	struct p2p_version v;
	int r;

	memset(&v, 0, sizeof(v));
	v.version = P2P_PROTOCOL_VERSION;
	v.timestamp = (int64_t)time(NULL);
	v.start_height = (int32_t)height;
	if (getrandom(&v.nonce, sizeof(v.nonce), 0) != (ssize_t)sizeof(v.nonce))
		v.nonce = (uint64_t)time(NULL);
	snprintf(v.user_agent, sizeof(v.user_agent), "/flint-testnet:attack/");
	r = p2p_rawpeer_handshake(fd, p->magic, &v, 5000);
	if (r <= 0) {
		snprintf(err, errlen, r == 0 ? "the node closed the connection during the "
			 "handshake (is this address banned already? try --from)" :
			 "no version/verack from the node within 5 s");
		return -1;
	}
	return 0;
}

/* Answers pings until the node hangs up: ms it took, or -1 if it did not within secs. */
static long long watch_close(int fd, const struct cons_params *p, double secs)
{
	double start = tn_now(), deadline = start + secs;

	for (;;) {
		char cmd[13];
		uint8_t *payload;
		size_t len;
		int r = p2p_rawpeer_read(fd, p->magic, cmd, &payload, &len,
					 (int)((deadline - tn_now()) * 1000));
		if (r == 0)
			return (long long)((tn_now() - start) * 1000);
		if (r < 0)
			return tn_now() >= deadline ? -1 : (long long)((tn_now() - start) * 1000);
		if (strcmp(cmd, "ping") == 0)
			send_msg(fd, p, "pong", payload, len < 8 ? len : 8);
		free(payload);
	}
}

/* ---- the node's tip, over RPC ---- */

struct rpc_view {
	struct tn_app *a;
	int node;
};

/* A header field of the block at height h on node n (consensus/ asks through this). */
static json_t *header_at(struct tn_app *a, int n, int64_t h)
{
	json_t *hash = tn_call_quiet(a, n, "getblockhash", json_pack("[I]", (json_int_t)h));
	json_t *hdr = json_is_string(hash) ? tn_call_quiet(a, n, "getblockheader",
							   json_pack("[O]", hash)) : NULL;

	json_decref(hash);
	return hdr;
}

static uint32_t hex_bits(json_t *hdr)
{
	const char *s = json_string_value(json_object_get(hdr, "bits"));

	return s ? (uint32_t)strtoul(s, NULL, 16) : 0;
}

static int view_ancestor(const void *ctx, int64_t h, uint32_t *time_out, uint32_t *bits)
{
	const struct rpc_view *v = ctx;
	json_t *hdr = header_at(v->a, v->node, h);

	if (!hdr)
		return -1;
	*time_out = (uint32_t)json_integer_value(json_object_get(hdr, "time"));
	*bits = hex_bits(hdr);
	json_decref(hdr);
	return 0;
}

/* The coinbase of the newest block whose coinbase is mature at the next height. */
static void find_coin(struct attack *x, struct tn_tip *t)
{
	int64_t m = t->height + 1 - x->p->coinbase_maturity;
	json_t *hash = m >= 1 ? tn_call_quiet(x->a, x->node, "getblockhash",
					       json_pack("[I]", (json_int_t)m)) : NULL;
	json_t *blk = json_is_string(hash) ? tn_call_quiet(x->a, x->node, "getblock",
							   json_pack("[O, i]", hash, 1)) : NULL;
	const char *txid = json_string_value(json_array_get(json_object_get(blk, "tx"), 0));

	t->have_coin = txid && util_hex_decode_rev(t->coin_txid, 32, txid) == 0;
	t->coin_height = m;
	json_decref(hash);
	json_decref(blk);
}

static int fetch_tip(struct attack *x, struct tn_tip *t, char hex[65], char *err, size_t errlen)
{
	json_t *best = tn_call(x->a, x->node, "getbestblockhash", NULL, err, errlen);
	json_t *hdr = best ? tn_call(x->a, x->node, "getblockheader", json_pack("[O]", best), err,
				     errlen) : NULL;
	struct rpc_view rv = {x->a, x->node};
	struct cons_chain_view v = {&rv, 0, view_ancestor};
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (hdr && util_hex_decode_rev(t->hash, 32, json_string_value(best)) == 0) {
		snprintf(hex, 65, "%s", json_string_value(best));
		t->height = (int64_t)json_integer_value(json_object_get(hdr, "height"));
		t->mtp = (int64_t)json_integer_value(json_object_get(hdr, "mediantime"));
		v.height = t->height;
		rc = cons_next_bits(x->p, &v, &t->next_bits);
		if (rc < 0)
			snprintf(err, errlen, "node %d: cannot read the headers of its chain", x->node);
		find_coin(x, t);
	}
	json_decref(best);
	json_decref(hdr);
	return rc;
}

/* ---- the bad block ---- */

/* A throwaway key: the attacker's coinbase pays it, and it signs what it cannot spend. */
static int throwaway_key(const secp256k1_context *ctx, uint8_t seckey[32], uint8_t pkh[20])
{
	uint8_t pub[33];

	do {
		if (getrandom(seckey, 32, 0) != 32)
			return -1;
	} while (!cons_seckey_is_valid(ctx, seckey));
	if (cons_pubkey_from_seckey(ctx, pub, seckey) < 0)
		return -1;
	cons_hash160(pkh, pub, sizeof(pub));
	return 0;
}

/* Builds and solves the block on the node's tip; again if the tip moved meanwhile. */
static int make_block(struct attack *x, struct cons_block *b, const secp256k1_context *ctx,
		      char *err, size_t errlen)
{
	uint8_t seckey[32], pkh[20];
	char now_tip[65];
	struct tn_tip t;

	if (throwaway_key(ctx, seckey, pkh) < 0)
		return snprintf(err, errlen, "no randomness for a key"), -1;
	for (int attempt = 0; attempt < 12; attempt++) {
		if (fetch_tip(x, &t, x->tip_before, err, errlen) < 0)
			return -1;
		cons_block_release(b);
		cons_block_init(b);
		if (tn_badblock_build(b, ctx, x->p, x->kind, &t, (int64_t)time(NULL), pkh, seckey,
				      x->what, sizeof(x->what)) < 0)
			return snprintf(err, errlen, "out of memory"), -1;
		/* Every kind but badpow has real proof of work, so only its own rule fails. */
		if (!tn_badblock_solve(b, x->p, x->kind != TN_ATK_BADPOW, 1200000000))
			return snprintf(err, errlen, "no proof of work found in 1.2G hashes"), -1;
		if (fetch_tip(x, &t, now_tip, err, errlen) < 0)
			return -1;
		if (strcmp(now_tip, x->tip_before) == 0)
			return 0;
	}
	return snprintf(err, errlen, "node %d's tip kept moving while we mined", x->node), -1;
}

/* Sends the attack's payload over an established connection. */
static int send_attack(struct attack *x, int fd, const struct cons_block *b)
{
	static const char garbage[] = "GET / HTTP/1.0\r\n\r\nthis is not a Flint frame at all";
	uint8_t frame[P2P_HEADER_SIZE];
	struct cons_writer w;
	int rc;

	if (x->kind == TN_ATK_GARBAGE)
		return p2p_rawpeer_send_all(fd, garbage, sizeof(garbage) - 1);
	if (x->kind == TN_ATK_OVERSIZE) {
		/* A header announcing more than the 4 MB limit; no payload follows. */
		memset(frame, 0, sizeof(frame));
		memcpy(frame, x->p->magic, 4);
		memcpy(frame + 4, "block", 5);
		cons_put_le32(frame + 16, P2P_MAX_PAYLOAD + 1);
		return p2p_rawpeer_send_all(fd, frame, sizeof(frame));
	}
	cons_writer_init(&w);
	cons_block_write(&w, b);
	rc = w.oom ? -1 : send_msg(fd, x->p, "block", w.data, w.len);
	cons_writer_release(&w);
	return rc;
}

/* ---- what the node did ---- */

static bool is_banned(struct attack *x)
{
	json_t *bans = tn_call_quiet(x->a, x->node, "listbanned", NULL), *b;
	bool found = false;
	size_t i;

	json_array_foreach(bans, i, b) {
		const char *addr = json_string_value(json_object_get(b, "address"));
		size_t n = strlen(x->from);
		found = found || (addr && strncmp(addr, x->from, n) == 0 &&
				  (addr[n] == 0 || addr[n] == '/'));
	}
	json_decref(bans);
	return found;
}

/* Where our block ended up: accepted onto the chain, or kept off it (and how). */
static void judge_block(struct attack *x)
{
	json_t *hdr = tn_call_quiet(x->a, x->node, "getblockheader", json_pack("[s]", x->block));
	json_t *conf = json_object_get(hdr, "confirmations");

	x->accepted = json_is_integer(conf) && json_integer_value(conf) >= 0;
	if (!hdr)
		snprintf(x->chain, sizeof(x->chain), "the block was dropped (node %d does not know it)",
			 x->node);
	else if (x->accepted)
		snprintf(x->chain, sizeof(x->chain), "THE BLOCK IS ON node %d's CHAIN", x->node);
	else
		snprintf(x->chain, sizeof(x->chain), "the block is kept off node %d's chain",
			 x->node);
	json_decref(hdr);
}

static void check_after(struct attack *x)
{
	json_t *up = tn_node_running(x->a, x->node) ? tn_call_quiet(x->a, x->node, "uptime", NULL)
						    : NULL;
	json_t *tip = up ? tn_call_quiet(x->a, x->node, "getbestblockhash", NULL) : NULL;

	x->up = up != NULL;
	x->banned = x->up && is_banned(x);
	snprintf(x->tip_after, sizeof(x->tip_after), "%s",
		 json_is_string(tip) ? json_string_value(tip) : "");
	if (x->up && tn_attack_sends_block(x->kind))
		judge_block(x);
	else if (x->up)
		snprintf(x->chain, sizeof(x->chain), "no block was sent");
	json_decref(up);
	json_decref(tip);
}

static bool defended(const struct attack *x)
{
	return x->up && x->closed_ms >= 0 && x->banned && !x->accepted;
}

/* The node's last log lines that mention our address. */
static void print_log_lines(const struct attack *x)
{
	char path[700], line[1024], keep[3][1024] = {"", "", ""}, needle[80];
	int n = 0;
	FILE *f;

	tn_node_debuglog(&x->a->st, x->node, path, sizeof(path));
	snprintf(needle, sizeof(needle), "%s:", x->from);
	if (!(f = fopen(path, "r")))
		return;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle) || strstr(line, x->from))
			snprintf(keep[n++ % 3], sizeof(keep[0]), "%s", line);
	fclose(f);
	for (int i = n > 3 ? n - 3 : 0; i < n; i++)
		printf("  node's log:    %s", keep[i % 3]);
}

static void report_text(const struct attack *x)
{
	printf("attack %s on node %d (%s:%d) from %s\n", tn_attack_name(x->kind), x->node,
	       x->a->st.node[x->node].ip, x->a->st.node[x->node].port, x->from);
	if (tn_attack_sends_block(x->kind))
		printf("  sent:          block %.16s on tip %.16s: %s\n", x->block, x->tip_before,
		       x->what);
	else
		printf("  sent:          %s\n", x->what);
	if (x->closed_ms >= 0)
		printf("  disconnected:  yes, after %lld ms\n", x->closed_ms);
	else
		printf("  disconnected:  no (still connected after %.0f s)\n", x->wait);
	printf("  banned:        %s\n", x->banned ? "yes (listbanned)" : "no");
	printf("  chain:         %s; tip %s%.16s\n", x->chain,
	       strcmp(x->tip_before, x->tip_after) ? "now " : "unchanged ", x->tip_after);
	printf("  still up:      %s\n", x->up ? "yes" : "NO");
	print_log_lines(x);
	printf("result: %s\n", defended(x) ? "defended" : "NOT defended");
}

static void report_json(const struct attack *x)
{
	json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:b, s:I, s:b, s:b, s:s, s:s, s:b, s:b}",
			      "node", x->node, "kind", tn_attack_name(x->kind), "from", x->from,
			      "sent", x->what, "block", x->block, "disconnected", x->closed_ms >= 0,
			      "disconnect_ms", (json_int_t)x->closed_ms, "banned", x->banned,
			      "accepted", x->accepted, "tip_before", x->tip_before, "tip_after",
			      x->tip_after, "up", x->up, "defended", defended(x));
	char *text = o ? json_dumps(o, JSON_PRESERVE_ORDER) : NULL;

	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(o);
}

/* ---- the command ---- */

/* Prepares the payload, connects, handshakes, sends, and watches. 0, or -1 with err. */
static int run(struct attack *x, char *err, size_t errlen)
{
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	const struct tn_node *d = &x->a->st.node[x->node];
	struct cons_block b;
	int fd = -1, rc = -1;

	cons_block_init(&b);
	if (!ctx)
		return snprintf(err, errlen, "out of memory"), -1;
	if (tn_attack_sends_block(x->kind)) {
		/*
		 * Solved first, connected after: a peer that does not answer pings
		 * while it mines is dropped by the node's ping timeout. The tip is
		 * checked once more after the handshake; if it moved, again.
		 */
		for (int attempt = 0;; attempt++) {
			char now_tip[65];
			struct tn_tip t;
			if (make_block(x, &b, ctx, err, errlen) < 0 ||
			    (fd = p2p_rawpeer_dial(x->from, d->ip, d->port, err, errlen)) < 0 ||
			    handshake(fd, x->p, 0, err, errlen) < 0 ||
			    fetch_tip(x, &t, now_tip, err, errlen) < 0)
				goto out;
			if (strcmp(now_tip, x->tip_before) == 0 || attempt == 5)
				break;
			close(fd);
			fd = -1;
		}
		util_hex_encode_rev(x->block, b.hash, 32);
	} else {
		struct tn_tip t;
		if ((fd = p2p_rawpeer_dial(x->from, d->ip, d->port, err, errlen)) < 0 ||
		    handshake(fd, x->p, 0, err, errlen) < 0)
			goto out;
		if (fetch_tip(x, &t, x->tip_before, err, errlen) < 0)
			goto out;
		snprintf(x->what, sizeof(x->what), x->kind == TN_ATK_GARBAGE ?
			 "bytes that are no Flint frame (an HTTP request)" :
			 "a frame header announcing a payload over the 4 MB limit");
	}
	if (send_attack(x, fd, &b) < 0)
		x->refused = true;      /* it hung up while we were still sending */
	x->closed_ms = x->refused ? 0 : watch_close(fd, x->p, x->wait);
	tn_sleep_ms(100);               /* the ban is recorded as the connection closes */
	check_after(x);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	cons_block_release(&b);
	secp256k1_context_destroy(ctx);
	return rc;
}

static int parse_attack(struct attack *x, int argc, char **argv)
{
	char err[256];

	if (argc < 2)
		return tn_fail("usage: flint-testnet attack NODE KIND [--from IP] [--wait S] [--json]");
	if (tn_parse_node(x->a, argv[0], &x->node, err, sizeof(err)) < 0)
		return tn_fail("%s", err);
	if (tn_attack_parse(&x->kind, argv[1]) < 0)
		return tn_fail("unknown attack '%s': badpow, badmerkle, doublespend, "
			       "inflated-coinbase, future-timestamp, garbage or oversize", argv[1]);
	/* One address per kind, so that each attack meets the node afresh. */
	snprintf(x->from, sizeof(x->from), "127.255.255.%d", 200 + (int)x->kind);
	for (int i = 2; i < argc; i++) {
		bool more = i + 1 < argc;
		if (strcmp(argv[i], "--json") == 0)
			x->json = true;
		else if (strcmp(argv[i], "--from") == 0 && more)
			snprintf(x->from, sizeof(x->from), "%s", argv[++i]);
		else if (strcmp(argv[i], "--wait") == 0 && more && atof(argv[i + 1]) > 0)
			x->wait = atof(argv[++i]);
		else
			return tn_fail("unknown option or missing value: '%s'", argv[i]);
	}
	return 0;
}

int tn_cmd_attack(struct tn_app *a, int argc, char **argv)
{
	static struct attack x;
	char err[800];

	memset(&x, 0, sizeof(x));
	x.a = a;
	x.wait = 5;
	x.p = cons_params_by_name("testnet");
	if (parse_attack(&x, argc, argv) != 0)
		return 1;
	if (!tn_node_running(a, x.node))
		return tn_fail("node %d is not running", x.node);
	if (run(&x, err, sizeof(err)) < 0)
		return tn_fail("attack %s on node %d: %s", tn_attack_name(x.kind), x.node, err);
	if (x.json)
		report_json(&x);
	else
		report_text(&x);
	return defended(&x) ? 0 : 3;
}
