/*
 * Test tool: writes a regtest chain of N blocks (one second apart) into
 * DATADIR/regtest/chaindb, as flintd lays it out, so that integration tests
 * and benchmarks can start a node that already has a chain.
 *   mkchain DATADIR N [TAG] [--spend | --headers] [--txs K]
 * Blocks hold only their coinbase unless --txs K asks for K signed spends
 * per block once coinbases mature (tests/support/txchain.h).
 * With --spend (N >= 102) it also prints three signed transactions, one per
 * line as "TXID HEX": a parent spending block 1's coinbase, a child
 * spending the parent, and an unrelated spend of block 2's coinbase.
 * With --headers it prints the 80-byte header of each block 1..N in hex,
 * one per line (for scripted peers that announce headers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <secp256k1.h>

#include "node/chain.h"
#include "node/sigpool.h"
#include "tests/support/builder.h"
#include "tests/support/txchain.h"
#include "util/hex.h"

#define USAGE "usage: mkchain DATADIR N [TAG] [--spend | --headers] [--txs K]\n"

struct args {
	const char *datadir;
	long n;
	uint32_t tag;
	bool spend;
	bool headers;
	long txs;
};

/* 0, or -1 after printing why. */
static int parse_args(struct args *a, int argc, char **argv)
{
	int i = 3;

	*a = (struct args){.datadir = argc > 1 ? argv[1] : NULL};
	if (argc < 3 || (a->n = strtol(argv[2], NULL, 10)) < 0)
		goto usage;
	if (argc > 3 && argv[3][0] != '-')
		a->tag = (uint32_t)atoi(argv[i++]);
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--spend") == 0)
			a->spend = true;
		else if (strcmp(argv[i], "--headers") == 0)
			a->headers = true;
		else if (strcmp(argv[i], "--txs") == 0 && i + 1 < argc)
			a->txs = strtol(argv[++i], NULL, 10);
		else
			goto usage;
	}
	if (a->txs < 0 || a->txs > TB_TXCHAIN_MAX_SPENDS || (a->spend && a->txs > 0)) {
		fprintf(stderr, "mkchain: --txs must be 0..%d, and cannot go with --spend "
			"(both spend block 1's coinbase)\n", TB_TXCHAIN_MAX_SPENDS);
		return -1;
	}
	return 0;
usage:
	fputs(USAGE, stderr);
	return -1;
}

static void print_spends(secp256k1_context *ctx, struct node_chain *c, const struct tb_key *key)
{
	struct cons_block b;
	struct cons_outpoint op = {.n = 0};
	struct cons_tx parent, child, other;

	if (tb_chain_read_at(c, 2, &b) < 0)
		exit(1);
	memcpy(op.txid, b.tx[0].txid, 32);
	tb_spend(ctx, &other, &op, key, b.tx[0].out[0].value - 10000, key->pkh);
	cons_block_release(&b);
	if (tb_chain_read_at(c, 1, &b) < 0)
		exit(1);
	memcpy(op.txid, b.tx[0].txid, 32);
	tb_spend(ctx, &parent, &op, key, b.tx[0].out[0].value - 10000, key->pkh);
	memcpy(op.txid, parent.txid, 32);
	tb_spend(ctx, &child, &op, key, parent.out[0].value - 10000, key->pkh);
	tb_print_tx(&parent);
	tb_print_tx(&child);
	tb_print_tx(&other);
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

/* Creates DATADIR and DATADIR/regtest (mkdir -p). */
static void make_dirs(const char *datadir)
{
	char dir[600];
	size_t len = sizeof(dir);

	snprintf(dir, len, "%s", datadir);
	for (char *s = dir + 1; *s; s++) {
		if (*s == '/') {
			*s = 0;
			mkdir(dir, 0700);
			*s = '/';
		}
	}
	mkdir(dir, 0700);
	snprintf(dir, len, "%s/regtest", datadir);
	mkdir(dir, 0700);
}

int main(int argc, char **argv)
{
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	struct node_chain *c;
	struct node_sigpool *pool;
	struct tb_key key;
	struct args a;

	if (parse_args(&a, argc, argv) < 0)
		return 2;
	make_dirs(a.datadir);
	pool = node_sigpool_new(0);     /* one thread per core: --txs chains are signature-bound */
	if (!(c = tb_chain_open("mkchain", a.datadir, pool)))
		return 1;
	tb_key(ctx, &key, TB_CHAIN_KEY_SEED);
	tb_txchain_extend(ctx, c, &key, a.n, (int)a.txs, a.tag);
	if (a.spend)
		print_spends(ctx, c, &key);
	if (a.headers)
		print_headers(c);
	node_chain_close(c);
	node_sigpool_free(pool);
	secp256k1_context_destroy(ctx);
	return 0;
}
