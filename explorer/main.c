/*
 * flint-explorer: inspects a node's chain, forks, peers and mempool over
 * RPC, as tables for people or, with --json, as JSON for programs. It knows
 * the node only through its RPC methods (client/rpcclient.h); nothing of
 * chain.c, storage or p2p. See `flint-explorer --help`.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "explorer/explorer.h"

static const char usage[] =
	"usage: flint-explorer [options] COMMAND [ARG]\n"
	"\n"
	"Commands:\n"
	"  summary               chain, tip, peers, mempool and mining at a glance\n"
	"  blocks [N]            the last N blocks (default 10)\n"
	"  block HASH|HEIGHT     one block and its transactions\n"
	"  tx TXID               one transaction, confirmed, in the mempool, or in a block a\n"
	"                        reorganisation took off the active chain\n"
	"  address ADDRESS       balance, unspent outputs and transactions of an address,\n"
	"                        and those of its transactions side branches hold\n"
	"  mempool               transactions waiting for a block\n"
	"  peers                 connected peers\n"
	"  tips                  every chain tip the node knows (forks)\n"
	"  tree                  the block tree near the tip, side branches included\n"
	"  watch                 a live summary, refreshed\n"
	"\n"
	"Options:\n"
	"  --json                machine-readable JSON instead of tables\n"
	"  --depth N             tree: blocks below the tip to draw (default 12)\n"
	"  --dot                 tree: Graphviz instead of text (render with dot -Tpng)\n"
	"  --interval S          watch: seconds between refreshes (default 2)\n"
	"  --count N             watch: stop after N refreshes (default: until Ctrl-C)\n"
	"  --help                this text\n"
	"\n";

static int ex_cmd_watch(struct ex *x)
{
	for (int i = 0; x->count == 0 || i < x->count; i++) {
		json_t *o = ex_summary_json(x), *blocks = ex_last_blocks(x, 5);
		if (i > 0)
			sleep((unsigned)x->interval);
		if (isatty(STDOUT_FILENO))
			printf("\033[H\033[2J");
		if (x->json) {
			json_object_set(o, "blocks", blocks);
			ex_print_json(o);
		} else {
			ex_print_summary(o);
			printf("\n");
			ex_print_blocks(blocks);
		}
		fflush(stdout);
		json_decref(o);
		json_decref(blocks);
	}
	return 0;
}

/* ---- main ---- */

static int parse_flags(struct ex *x, int argc, char **argv, char **args, int *nargs)
{
	*nargs = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--json") == 0)
			x->json = true;
		else if (strcmp(a, "--dot") == 0)
			x->dot = true;
		else if ((strcmp(a, "--depth") == 0 || strcmp(a, "--count") == 0 ||
			  strcmp(a, "--interval") == 0) && i + 1 < argc) {
			int v = atoi(argv[++i]);
			if (v < (a[2] == 'c' ? 0 : 1) || v > 100000)
				ex_die("bad value for '%s'", a);
			*(a[2] == 'd' ? &x->depth : a[2] == 'c' ? &x->count : &x->interval) = v;
		} else if (strncmp(a, "--", 2) == 0)
			ex_die("unknown option '%s' (see --help)", a);
		else if (*nargs < 2)
			args[(*nargs)++] = argv[i];
		else
			ex_die("unexpected argument '%s'", a);
	}
	return *nargs > 0 ? 0 : -1;
}

static int run(struct ex *x, const char *cmd, const char *arg)
{
	if (strcmp(cmd, "summary") == 0) return ex_cmd_summary(x);
	if (strcmp(cmd, "blocks") == 0) return ex_cmd_blocks(x, arg);
	if (strcmp(cmd, "block") == 0) return ex_cmd_block(x, arg);
	if (strcmp(cmd, "tx") == 0) return ex_cmd_tx(x, arg);
	if (strcmp(cmd, "address") == 0) return ex_cmd_address(x, arg);
	if (strcmp(cmd, "mempool") == 0) return ex_cmd_mempool(x);
	if (strcmp(cmd, "peers") == 0) return ex_cmd_peers(x);
	if (strcmp(cmd, "tips") == 0) return ex_cmd_tips(x);
	if (strcmp(cmd, "tree") == 0) return ex_cmd_tree(x);
	if (strcmp(cmd, "watch") == 0) return ex_cmd_watch(x);
	ex_die("unknown command '%s' (see --help)", cmd);
	return 1;
}

int main(int argc, char **argv)
{
	struct client_options o;
	struct ex x = {.depth = 12, .interval = 2};
	char err[256], *args[2] = {NULL, NULL};
	int nargs, rc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0) {
			printf("%s%s", usage, client_options_usage());
			return 0;
		}
	if (client_options_parse(&o, &argc, argv, err, sizeof(err)) < 0)
		ex_die("%s", err);
	if (parse_flags(&x, argc, argv, args, &nargs) < 0)
		ex_die("%s", "no command given (see --help)");
	x.c = client_new(&o);
	if (!x.c)
		ex_die("%s", "out of memory");
	rc = run(&x, args[0], args[1]);
	client_free(x.c);
	return rc;
}
