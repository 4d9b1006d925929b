/*
 * Test tool: writes a regtest chain of N blocks (coinbase only, one second
 * apart) into DATADIR/regtest/chaindb, as flintd lays it out, so that
 * integration tests can start a node that already has a chain.
 *   mkchain DATADIR N [TAG] [--spend | --headers]
 * With --spend (N >= 102) it also prints three signed transactions, one per
 * line as "TXID HEX": a parent spending block 1's coinbase, a child
 * spending the parent, and an unrelated spend of block 2's coinbase.
 * With --headers it prints the 80-byte header of each block 1..N in hex,
 * one per line (for rawpeer's stall mode). The chain depends only on N and
 * TAG, so two datadirs made alike hold the same blocks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <secp256k1.h>

#include "node/chain.h"
#include "tests/support/builder.h"
#include "util/hex.h"
#include <string.h>

static void print_tx(const struct cons_tx *tx)
{
	struct cons_writer w;
	char id[65], *hex;

	cons_writer_init(&w);
	cons_tx_write(&w, tx);
	hex = malloc(2 * w.len + 1);
	util_hex_encode(hex, w.data, w.len);
	util_hex_encode_rev(id, tx->txid, 32);
	printf("%s %s\n", id, hex);
	free(hex);
	cons_writer_release(&w);
}

static void print_spends(secp256k1_context *ctx, struct node_chain *c, const struct tb_key *key)
{
	struct cons_block b;
	struct cons_outpoint op = {.n = 0};
	struct cons_tx parent, child, other;

	cons_block_init(&b);
	if (node_chain_read_block(c, node_chain_at(c, 2), &b) != 1)
		exit(1);
	memcpy(op.txid, b.tx[0].txid, 32);
	tb_spend(ctx, &other, &op, key, b.tx[0].out[0].value - 10000, key->pkh);
	cons_block_release(&b);
	cons_block_init(&b);
	if (node_chain_read_block(c, node_chain_at(c, 1), &b) != 1)
		exit(1);
	memcpy(op.txid, b.tx[0].txid, 32);
	tb_spend(ctx, &parent, &op, key, b.tx[0].out[0].value - 10000, key->pkh);
	memcpy(op.txid, parent.txid, 32);
	tb_spend(ctx, &child, &op, key, parent.out[0].value - 10000, key->pkh);
	print_tx(&parent);
	print_tx(&child);
	print_tx(&other);
	cons_tx_release(&parent);
	cons_tx_release(&child);
	cons_tx_release(&other);
	cons_block_release(&b);
}

static void print_headers(struct node_chain *c)
{
	uint8_t raw[CONS_HEADER_SIZE];
	char hex[2 * CONS_HEADER_SIZE + 1];

	for (int64_t h = 1; h <= node_chain_tip(c)->height; h++) {
		cons_header_serialize(raw, &node_chain_at(c, h)->hdr);
		util_hex_encode(hex, raw, sizeof(raw));
		printf("%s\n", hex);
	}
}

int main(int argc, char **argv)
{
	const struct cons_params *p = cons_params_by_name("regtest");
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	struct node_chain_options o;
	struct node_chain *c;
	struct tb_key key;
	char dir[600], err[256];
	long n;

	if (argc < 3 || (n = strtol(argv[2], NULL, 10)) < 0) {
		fprintf(stderr, "usage: mkchain DATADIR N [TAG]\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	for (char *s = dir + 1; *s; s++) {      /* mkdir -p */
		if (*s == '/') {
			*s = 0;
			mkdir(dir, 0700);
			*s = '/';
		}
	}
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/regtest", argv[1]);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/regtest/chaindb", argv[1]);
	node_chain_options_default(&o);
	if (node_chain_open(&c, dir, p, &o, NULL, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "mkchain: %s\n", err);
		return 1;
	}
	tb_key(ctx, &key, 1);
	for (long i = 0; i < n; i++) {
		const struct node_blockidx *tip = node_chain_tip(c);
		struct cons_block b;
		struct cons_state st;
		tb_block(&b, p, tip->hash, tip->height + 1, p->genesis_time + (uint32_t)tip->height + 1,
			 p->genesis_bits, key.pkh, argc > 3 ? (uint32_t)atoi(argv[3]) : 0, NULL, 0, 0);
		cons_state_init(&st);
		if (node_chain_accept_block(c, &b, NULL, &st) != CONS_VALID) {
			fprintf(stderr, "mkchain: block rejected: %s\n", cons_reject_reason(st.code));
			return 1;
		}
	}
	if (argc > 4 && strcmp(argv[4], "--spend") == 0)
		print_spends(ctx, c, &key);
	if (argc > 4 && strcmp(argv[4], "--headers") == 0)
		print_headers(c);
	node_chain_close(c);
	secp256k1_context_destroy(ctx);
	return 0;
}
