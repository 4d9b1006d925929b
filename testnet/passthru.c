/*
 * `cli`, `wallet` and `explorer NODE ARGS`: runs flint-cli, flint-wallet or
 * flint-explorer against one node of the testnet, with the connection
 * options (chain, RPC address, the node's cookie) filled in, as Warnet's
 * `warnet bitcoin rpc NODE` does. The program replaces this process, so
 * its output, input and exit status are the user's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testnet/app.h"

static int run_program(struct tn_app *a, const char *prog, const char *usage, int argc,
		       char **argv)
{
	struct tn_args v;
	char err[256], cookie[700];
	int i;

	if (argc < 1)
		return tn_fail("usage: flint-testnet %s NODE %s", prog + 6, usage);
	if (tn_parse_node(a, argv[0], &i, err, sizeof(err)) < 0)
		return tn_fail("%s", err);
	tn_node_cookie(&a->st, i, cookie, sizeof(cookie));
	tn_args_init(&v);
	tn_args_add(&v, "%s/%s", a->bindir, prog);
	tn_args_add(&v, "--chain=testnet");
	tn_args_add(&v, "--rpc=%s:%d", a->st.node[i].ip, a->st.node[i].rpcport);
	tn_args_add(&v, "--rpccookiefile=%s", cookie);
	for (int k = 1; k < argc; k++)
		tn_args_add(&v, "%s", argv[k]);
	if (v.overflow)
		return tn_fail("too many or too long arguments");
	fflush(stdout);
	execv(v.v[0], v.v);
	return tn_fail("cannot run '%s': %s", v.v[0], strerror(errno));
}

int tn_cmd_cli(struct tn_app *a, int argc, char **argv)
{
	return run_program(a, "flint-cli", "METHOD [ARG...]", argc, argv);
}

int tn_cmd_wallet(struct tn_app *a, int argc, char **argv)
{
	return run_program(a, "flint-wallet", "[--wallet FILE] COMMAND [ARG...]", argc, argv);
}

int tn_cmd_explorer(struct tn_app *a, int argc, char **argv)
{
	return run_program(a, "flint-explorer", "COMMAND [ARG...]", argc, argv);
}
