/*
 * The fake network of fakenet.h: see there.
 */
#include "tests/support/fakenet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

static struct fakenet *cur;

static void fake_send(struct peer *p, const char *command, const uint8_t *payload, size_t len)
{
	struct fake_msg *m;

	if (p->closing)
		return;
	if (cur->n_sent == FAKE_MAX_SENT)
		abort();
	m = &cur->sent[cur->n_sent++];
	m->peer_id = p->id;
	snprintf(m->command, sizeof(m->command), "%s", command);
	m->len = len;
	m->payload = NULL;
	if (len) {
		m->payload = malloc(len);
		if (!m->payload)
			abort();
		memcpy(m->payload, payload, len);
	}
}

static bool fake_send_full(const struct peer *p)
{
	return cur->full_after >= 0 && cur->n_sent >= (size_t)cur->full_after;
}

static void fake_disconnect(struct peer *p, const char *reason)
{
	if (p->closing)
		return;
	p->closing = true;
	cur->n_disconnects++;
	snprintf(cur->disconnect_reason, sizeof(cur->disconnect_reason), "%s", reason);
}

static void fake_misbehave(struct peer *p, int score, const char *reason)
{
	p->score += score;
	cur->n_misbehave++;
	snprintf(cur->misbehave_reason, sizeof(cur->misbehave_reason), "%s", reason);
	if (p->score >= p->net->o.ban_threshold)
		fake_disconnect(p, "banned");
}

static const struct p2p_peer_ops fake_ops = {
	.send = fake_send,
	.send_full = fake_send_full,
	.disconnect = fake_disconnect,
	.misbehave = fake_misbehave,
};

static int64_t tip_height(void *ctx)
{
	return 7;
}

static size_t locator(void *ctx, const uint8_t *from, uint8_t (*hashes)[32])
{
	memset(hashes[0], 0xee, 32);
	return 1;
}

static size_t headers_after(void *ctx, const struct p2p_getheaders *g, struct cons_header *out,
			    size_t max)
{
	struct fakenet *f = ctx;
	size_t n = f->n_headers < max ? f->n_headers : max;

	f->last_getheaders = *g;
	memcpy(out, f->headers, n * sizeof(*out));
	return n;
}

static enum cons_verdict accept_header(void *ctx, const struct cons_header *h,
				       struct cons_state *st)
{
	return CONS_VALID;
}

static enum cons_verdict check_headers(void *ctx, const struct cons_header *h, size_t n,
				       size_t skip, size_t *n_ok, bool *enough,
				       struct cons_state *st)
{
	*n_ok = n;
	*enough = true;
	return CONS_VALID;
}

static enum cons_verdict accept_block(void *ctx, struct cons_block *b, bool *new_tip,
				      struct cons_state *st)
{
	*new_tip = true;
	cons_block_release(b);
	return CONS_VALID;
}

static int block_status(void *ctx, const uint8_t hash[32])
{
	return ((struct fakenet *)ctx)->block_status;
}

static bool is_ancestor(void *ctx, const uint8_t anc[32], const uint8_t desc[32])
{
	return ((struct fakenet *)ctx)->is_ancestor;
}

static size_t missing_blocks(void *ctx, const uint8_t best[32], uint8_t (*out)[32], size_t max)
{
	struct fakenet *f = ctx;
	size_t n = f->n_missing < max ? f->n_missing : max;

	memcpy(out, f->missing, n * 32);
	return n;
}

static int read_block(void *ctx, const uint8_t hash[32], uint8_t **raw, size_t *len)
{
	if (!((struct fakenet *)ctx)->have_block[hash[0]])
		return -1;
	*raw = malloc(4);
	if (!*raw)
		abort();
	memcpy(*raw, hash, 4);
	*len = 4;
	return 0;
}

static enum cons_verdict accept_tx(void *ctx, const struct cons_tx *tx, struct cons_state *st)
{
	struct fakenet *f = ctx;

	f->n_accept_tx++;
	if (f->tx_verdict == CONS_INVALID)
		return cons_state_invalid(st, f->tx_code, "%s", "fake");
	return f->tx_verdict;
}

static bool have_tx(void *ctx, const uint8_t txid[32])
{
	return false;
}

static int read_tx(void *ctx, const uint8_t txid[32], uint8_t **raw, size_t *len)
{
	return -1;
}

static size_t mempool_txids(void *ctx, uint8_t (*out)[32], size_t max)
{
	return 0;
}

struct fakenet *fakenet_new(void)
{
	struct fakenet *f = calloc(1, sizeof(*f));
	struct p2p_net *n = calloc(1, sizeof(*n));

	if (!f || !n || cur)
		abort();
	cur = f;
	f->n = n;
	f->full_after = -1;
	f->tx_verdict = CONS_VALID;
	n->ops = &fake_ops;
	n->params = cons_params_by_name("regtest");
	if (!n->params)
		abort();
	p2p_options_default(&n->o, n->params);
	n->o.listen = false;
	n->active = true;
	n->next_id = 1;
	n->chain = (struct p2p_chain){
		.ctx = f, .tip_height = tip_height, .locator = locator,
		.headers_after = headers_after, .accept_header = accept_header,
		.check_headers = check_headers, .accept_block = accept_block,
		.block_status = block_status, .is_ancestor = is_ancestor,
		.missing_blocks = missing_blocks, .read_block = read_block,
		.accept_tx = accept_tx, .have_tx = have_tx, .read_tx = read_tx,
		.mempool_txids = mempool_txids,
	};
	n->addrs = p2p_addrman_new(P2P_ADDRMAN_MAX);
	if (!n->addrs)
		abort();
	return f;
}

void fakenet_clear(struct fakenet *f)
{
	for (size_t i = 0; i < f->n_sent; i++)
		free(f->sent[i].payload);
	f->n_sent = 0;
	f->n_disconnects = f->n_misbehave = 0;
	f->disconnect_reason[0] = f->misbehave_reason[0] = 0;
}

void fakenet_free(struct fakenet *f)
{
	struct p2p_net *n;

	if (!f)
		return;
	n = f->n;
	while (n->peers) {
		struct peer *p = n->peers;
		n->peers = p->next;
		free(p->getdata);
		free(p->presync);
		free(p);
	}
	while (n->outs) {
		struct outbound *ob = n->outs;
		n->outs = ob->next;
		free(ob);
	}
	while (n->bans) {
		struct ban *b = n->bans;
		n->bans = b->next;
		free(b);
	}
	p2p_addrman_free(n->addrs);
	free(n);
	fakenet_clear(f);
	free(f);
	cur = NULL;
}

struct peer *fakenet_peer(struct fakenet *f, const char *ip, bool inbound)
{
	struct peer *p = calloc(1, sizeof(*p));
	struct in_addr a;

	if (!p || inet_pton(AF_INET, ip, &a) != 1)
		abort();
	p->net = f->n;
	p->id = f->n->next_id++;
	p->inbound = inbound;
	p->connected = true;
	snprintf(p->ip, sizeof(p->ip), "%s", ip);
	snprintf(p->addr, sizeof(p->addr), "%s:%d", ip, 20000 + p->id);
	p2p_netaddr_ipv4(&p->remote, ntohl(a.s_addr), (uint16_t)(20000 + p->id));
	p->ping_usec = -1;
	p->addr_tokens = 1000;
	p->addr_tokens_us = p2p_mono_us();
	p->nonce = 0x1000u + (uint64_t)p->id;
	p->started_s = p2p_mono_s();
	p->next = f->n->peers;
	f->n->peers = p;
	return p;
}

void fakenet_handshake(struct peer *p)
{
	p->got_version = p->got_verack = p->handshaked = true;
	p->ver.version = P2P_PROTOCOL_VERSION;
	p->ver.relay = true;
	p->last_ping_s = p2p_mono_s();
}

int fakenet_find(const struct fakenet *f, const struct peer *p, const char *command, size_t from)
{
	for (size_t i = from; i < f->n_sent; i++)
		if (f->sent[i].peer_id == p->id && strcmp(f->sent[i].command, command) == 0)
			return (int)i;
	return -1;
}

int fakenet_count(const struct fakenet *f, const struct peer *p, const char *command)
{
	int k = 0;

	for (size_t i = 0; i < f->n_sent; i++)
		if (f->sent[i].peer_id == p->id && strcmp(f->sent[i].command, command) == 0)
			k++;
	return k;
}
