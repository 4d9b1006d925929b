/*
 * Shared by the benchmarks that run real flintd processes (bench_rpc,
 * bench_net): one node's directory, addresses, process and RPC connection,
 * and starting and stopping it. Header-only like bench.h: each benchmark is
 * one program. Uses client/ for RPC and nothing of node/; a started node is
 * killed with the benchmark (PR_SET_PDEATHSIG), so none outlives it.
 */
#ifndef FLINT_BENCH_NODE_H
#define FLINT_BENCH_NODE_H

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/rpcclient.h"
#include "consensus/params.h"

/* One flintd. pid 0: not running; rpc is set while it runs. */
struct bench_node {
	char dir[300];
	char ip[16];
	int port, rpcport;
	pid_t pid;
	struct client *rpc;
};

/* A node of datadir base/name listening on ip:port, RPC on 127.0.0.1:rpcport. */
static inline void bench_node_setup(struct bench_node *n, const char *base, const char *name,
				    const char *ip, int port, int rpcport)
{
	*n = (struct bench_node){.port = port, .rpcport = rpcport};
	snprintf(n->dir, sizeof(n->dir), "%s/%s", base, name);
	snprintf(n->ip, sizeof(n->ip), "%s", ip);
}

/* A new RPC client to n (the caller frees it), with timeout seconds; NULL if out of memory. */
static inline struct client *bench_node_client(const struct bench_node *n,
					       const struct cons_params *p, int timeout)
{
	struct client_options o = {.params = p, .port = (uint16_t)n->rpcport, .timeout = timeout};

	snprintf(o.datadir, sizeof(o.datadir), "%s", n->dir);   /* the node's cookie */
	snprintf(o.host, sizeof(o.host), "127.0.0.1");
	return client_new(&o);
}

/*
 * Starts flintd (the path) on regtest for n, with --connect to peer if not
 * NULL and then the NULL-terminated extra arguments (at most 6; NULL for
 * none), its output to /dev/null, and an RPC client with timeout seconds.
 * Returns 0, or -1 if fork or the client failed (n->pid is then 0 or the
 * started process, for the caller to stop).
 */
static inline int bench_node_start(struct bench_node *n, const char *flintd,
				   const struct cons_params *p, const struct bench_node *peer,
				   const char *const *extra, int timeout)
{
	char port[16], rpcport[16], connect[64];
	const char *argv[20] = {flintd, "--chain", "regtest", "--datadir", n->dir, "--bind", n->ip,
				"--port", port, "--rpcport", rpcport};
	int k = 11;

	snprintf(port, sizeof(port), "%d", n->port);
	snprintf(rpcport, sizeof(rpcport), "%d", n->rpcport);
	if (peer) {
		snprintf(connect, sizeof(connect), "%s:%d", peer->ip, peer->port);
		argv[k++] = "--connect";
		argv[k++] = connect;
	}
	for (int i = 0; extra && extra[i] && k < 19; i++)
		argv[k++] = extra[i];
	if ((n->pid = fork()) < 0) {
		n->pid = 0;
		return -1;
	}
	if (n->pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		prctl(PR_SET_PDEATHSIG, SIGKILL);       /* never outlive the benchmark */
		dup2(fd, 1);
		dup2(fd, 2);
		execv(flintd, (char *const *)argv);
		_exit(127);
	}
	n->rpc = bench_node_client(n, p, timeout);
	return n->rpc ? 0 : -1;
}

/* True (and n->pid 0) if n's process has exited, as when its port was taken. */
static inline bool bench_node_exited(struct bench_node *n)
{
	int status;

	if (n->pid && waitpid(n->pid, &status, WNOHANG) == n->pid) {
		n->pid = 0;
		return true;
	}
	return false;
}

/* SIGTERM, then SIGKILL if it has not stopped within 10 s; frees the RPC client. */
static inline void bench_node_stop(struct bench_node *n)
{
	int status;

	if (!n->pid)
		return;
	kill(n->pid, SIGTERM);
	for (int i = 0; i < 1000 && waitpid(n->pid, &status, WNOHANG) == 0; i++)
		usleep(10000);
	if (waitpid(n->pid, &status, WNOHANG) == 0) {
		kill(n->pid, SIGKILL);
		waitpid(n->pid, &status, 0);
	}
	client_free(n->rpc);
	n->rpc = NULL;
	n->pid = 0;
}

/* Removes dir and all under it; says so on stderr, as prog, if it could not. */
static inline void bench_rm_rf(const char *prog, const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%.500s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "%s: cannot remove '%s'\n", prog, dir);
}

#endif
