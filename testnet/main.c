/*
 * flint-testnet: runs a local Flint testnet of several flintd processes and
 * injects faults into it. It reaches the nodes only through their RPC and
 * their processes (and reads their logs for `logs` and `slo`); it shares no
 * code with flintd beyond the RPC client and consensus/ (for `attack`).
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testnet/app.h"
#include "testnet/history.h"
#include "testnet/proc.h"
#include "testnet/web.h"

static const char usage[] =
	"usage: flint-testnet [--dir DIR] COMMAND [ARGS]\n"
	"\n"
	"A local testnet of mining flintd nodes, each on its own 127.0.0.x address.\n"
	"\n"
	"Commands:\n"
	"  up [-n N] [--topology mesh|ring|line|star|random|bitcoin] [--degree K] [--seed S]\n"
	"     [--miners K] [--block-time S] [--base-port P] [--timeout S] [--peer-timeout S]\n"
	"     [--delay MS] [--jitter MS] [--bandwidth KBIT] [--loss PCT]\n"
	"                        start the link relay and N nodes (default 4, mesh, all\n"
	"                        mining, 5 s blocks; p2p ports P+i, RPC ports P+100+i,\n"
	"                        relay P+200.., P default 28400) and wait until they are\n"
	"                        connected and mining; an existing testnet is resumed as\n"
	"                        it was made (a stopped relay is started again)\n"
	"  status [--all|--json] nodes up, heights, nodes per tip; --all: a row per node\n"
	"  tree [--dot] [--depth N]  the block tree across all nodes, with each node's tip\n"
	"  partition [--ban] GROUPS  split the nodes, e.g. 0,1/2,3: the links between the\n"
	"                        groups are cut silently (--ban: bans between them instead)\n"
	"  isolate NODE          cut one node off silently\n"
	"  heal                  lift the partition and every cut; the nodes reconnect\n"
	"  link show [--json]    every link: delay, jitter, bandwidth, loss, state, bytes\n"
	"  link EDGE [delay MS] [jitter MS] [bandwidth KBIT] [loss PCT]\n"
	"  link EDGE cut|up|reset   EDGE is A-B (both ways), A>B (one way) or all\n"
	"  link clear            every link a bare wire again\n"
	"  kill NODE             SIGKILL a node\n"
	"  start NODE            start a stopped node with its options\n"
	"  restart NODE          SIGTERM, wait, start\n"
	"  skew NODE SECONDS     move a node's clock (kept across restarts)\n"
	"  attack NODE KIND [--from IP] [--wait S]\n"
	"                        a hostile peer against a node; KIND is badpow, badmerkle,\n"
	"                        doublespend, inflated-coinbase, future-timestamp, garbage\n"
	"                        or oversize; reports whether the node defended itself\n"
	"  faucet ADDRESS AMOUNT pay from the miners' wallet\n"
	"  logs NODE [-f] [-n LINES]  a node's debug.log\n"
	"  slo [--json]          propagation, stale rate and convergence against objectives\n"
	"  web                   the live web view's URL (up starts the view)\n"
	"  cli NODE METHOD [ARG...]    flint-cli against a node (no connection options to type)\n"
	"  wallet NODE [--wallet FILE] COMMAND ...   flint-wallet through a node\n"
	"  explorer NODE COMMAND ...   flint-explorer on a node\n"
	"  down [--clean]        stop every node (--clean: and delete the testnet's files)\n"
	"\n"
	"Options:\n"
	"  --dir DIR             the testnet's directory (default $FLINT_TESTNET_DIR, else\n"
	"                        ~/.flint-testnet)\n"
	"  --help                this text\n";

struct command {
	const char *name;
	int (*run)(struct tn_app *a, int argc, char **argv);
	bool writes;             /* changes the state: one such command at a time */
};

static const struct command commands[] = {
	{"up", tn_cmd_up, true}, {"down", tn_cmd_down, true}, {"status", tn_cmd_status, false},
	{"tree", tn_cmd_tree, false}, {"partition", tn_cmd_partition, true},
	{"heal", tn_cmd_heal, true}, {"kill", tn_cmd_kill, true}, {"start", tn_cmd_start, true},
	{"restart", tn_cmd_restart, true}, {"skew", tn_cmd_skew, true},
	{"attack", tn_cmd_attack, false}, {"faucet", tn_cmd_faucet, true},
	{"logs", tn_cmd_logs, false}, {"slo", tn_cmd_slo, false}, {"web", tn_cmd_web, false},
	{"cli", tn_cmd_cli, false}, {"wallet", tn_cmd_wallet, false},
	{"explorer", tn_cmd_explorer, false}, {"link", tn_cmd_link, true},
	{"isolate", tn_cmd_isolate, true}, {"relay", tn_cmd_relay, false},
	{"check", tn_cmd_check, false}, {"experiment", tn_cmd_experiment, false},
	{NULL, NULL, false},
};

/* The testnet directory as an absolute path (it may not exist yet), at most 400 bytes. */
static int resolve_dir(struct tn_app *a, const char *given, char *out, size_t len)
{
	const char *env = getenv("FLINT_TESTNET_DIR"), *home = getenv("HOME");
	const char *raw = given ? given : env && *env ? env : NULL;
	char cwd[PATH_MAX], def[PATH_MAX];
	size_t n;

	if (!raw) {
		snprintf(def, sizeof(def), "%.400s/.flint-testnet", home ? home : ".");
		raw = def;
	}
	if (raw[0] != '/' && getcwd(cwd, sizeof(cwd)) && strlen(cwd) + strlen(raw) < 400)
		snprintf(out, len, "%.400s/%.400s", cwd, raw);
	else if (strlen(raw) < 400)
		snprintf(out, len, "%.400s", raw);
	else
		return tn_fail("--dir: path too long: '%s'", raw);
	while ((n = strlen(out)) > 1 && out[n - 1] == '/')
		out[n - 1] = 0;
	if (given)
		snprintf(a->hint_dir, sizeof(a->hint_dir), " --dir %.400s", out);
	return 0;
}

/* Where the Flint programs are, and how to show them in hints. */
static void find_bin(struct tn_app *a)
{
	char cwd[PATH_MAX];
	size_t n;

	if (tn_exe_dir(a->bindir, sizeof(a->bindir)) < 0)
		snprintf(a->bindir, sizeof(a->bindir), "bin");
	snprintf(a->hint_bin, sizeof(a->hint_bin), "%s", a->bindir);
	if (getcwd(cwd, sizeof(cwd)) && (n = strlen(cwd)) > 0 &&
	    strncmp(a->bindir, cwd, n) == 0 && a->bindir[n] == '/')
		snprintf(a->hint_bin, sizeof(a->hint_bin), "%s", a->bindir + n + 1);
}

/* Holds an exclusive lock on <dir>/.lock for this process's lifetime. */
static int lock_dir(const char *dir)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return 0;                 /* no directory yet: nothing to protect */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "flint-testnet: waiting for another flint-testnet on '%s'\n", dir);
		if (flock(fd, LOCK_EX) < 0)
			return tn_fail("cannot lock '%s'", path);
	}
	return 0;
}

static int load(struct tn_app *a, const char *dir, const char *cmd)
{
	char err[800];

	if (!tn_state_exists(dir)) {
		if (strcmp(cmd, "up") == 0) {
			tn_state_init(&a->st, dir);
			return 0;
		}
		return tn_fail("no testnet in '%s' (start one: flint-testnet up)", dir);
	}
	if (tn_state_load(&a->st, dir, err, sizeof(err)) < 0)
		return tn_fail("%s", err);
	return 0;
}

/* Splits off --dir and finds the command; returns its index in argv, or -1. */
static int global_opts(int argc, char **argv, const char **dir)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			*dir = argv[i + 1];
			memmove(&argv[i], &argv[i + 2], (size_t)(argc - i - 2) * sizeof(*argv));
			return global_opts(argc - 2, argv, dir);
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "help") == 0)
			return 0;
	}
	return argc;
}

int main(int argc, char **argv)
{
	static struct tn_app a;
	const char *given = NULL;
	char dir[PATH_MAX];
	int n = global_opts(argc, argv, &given), rc;

	if (n <= 1) {
		fputs(usage, n == 0 ? stdout : stderr);
		return n == 0 ? 0 : 1;
	}
	signal(SIGPIPE, SIG_IGN);
	for (const struct command *c = commands; c->name; c++) {
		if (strcmp(c->name, argv[1]) != 0)
			continue;
		if (c->run == tn_cmd_experiment) {
			/* Makes testnets of its own: no directory of ours to load. */
			find_bin(&a);
			return tn_cmd_experiment(&a, n - 2, argv + 2);
		}
		if (resolve_dir(&a, given, dir, sizeof(dir)) != 0 ||
		    (c->writes && lock_dir(dir) != 0) || load(&a, dir, c->name) != 0)
			return 1;
		find_bin(&a);
		rc = c->run(&a, n - 2, argv + 2);
		tn_app_release(&a);
		return rc;
	}
	return tn_fail("unknown command '%s' (see --help)", argv[1]);
}
