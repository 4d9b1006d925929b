/*
 * flint-explorer: inspects a node's chain, forks, peers and mempool over
 * RPC, as tables for people or, with --json, as JSON for programs. A client
 * program: it knows the node only through its RPC methods (client/), and
 * nothing of chain.c, storage or p2p; the build holds it to that (it may use
 * client/, consensus/ and util/ only). common.c has the RPC call and the
 * formatting the commands share, chain.c the commands on blocks,
 * transactions, addresses, the mempool and peers, tree.c the block tree,
 * main.c the options and `watch`.
 */
#ifndef FLINT_EXPLORER_EXPLORER_H
#define FLINT_EXPLORER_EXPLORER_H

#include <stdbool.h>
#include <jansson.h>

#include "client/rpcclient.h"

struct ex {
	struct client *c;
	bool json;
	bool dot;
	int depth, count, interval;
};

/* Prints "flint-explorer: error: " and fmt (with arg) on stderr, and exits 1. */
void ex_die(const char *fmt, const char *arg) __attribute__((noreturn));
/* Calls method with params (JSON text, may be NULL); exits with the error on failure. */
json_t *ex_rpc(struct ex *x, const char *method, const char *params);
/* ex_rpc with one string parameter, fmt a JSON array with one %s. */
json_t *ex_rpc1(struct ex *x, const char *method, const char *fmt, const char *arg);
/* A member of o as a string ("" if absent) or a number (0 if absent). */
const char *ex_str(json_t *o, const char *key);
long long ex_num(json_t *o, const char *key);
/* t (unix seconds) as "YYYY-MM-DD HH:MM:SS UTC". */
void ex_utc(char out[32], long long t);
/* v as indented JSON on stdout. */
void ex_print_json(json_t *v);
/* An RPC amount as text with 8 decimals. */
void ex_coins(char out[32], json_t *v);

/* The summary and the last n blocks, as data and as tables (chain.c; `watch` shows both). */
json_t *ex_summary_json(struct ex *x);
void ex_print_summary(json_t *o);
json_t *ex_last_blocks(struct ex *x, long long n);
void ex_print_blocks(json_t *blocks);

/* The commands: 0, or an exit status. */
int ex_cmd_summary(struct ex *x);
int ex_cmd_blocks(struct ex *x, const char *arg);
int ex_cmd_block(struct ex *x, const char *arg);
int ex_cmd_tx(struct ex *x, const char *arg);
int ex_cmd_address(struct ex *x, const char *arg);
int ex_cmd_mempool(struct ex *x);
int ex_cmd_peers(struct ex *x);
int ex_cmd_tips(struct ex *x);
int ex_cmd_tree(struct ex *x);

#endif
