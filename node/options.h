/*
 * flintd's options: parsed from the command line and from a config file
 * in the datadir (same names without the dashes, one "name=value" or bare
 * "name" per line, '#' comments). The command line wins over the file.
 */
#ifndef FLINT_NODE_OPTIONS_H
#define FLINT_NODE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/params.h"
#include "node/log.h"

/* --connect and --addnode values, each: a 50-node mesh needs 49. */
#define NODE_MAX_CONNECT 64
#define NODE_MAX_SEEDS 16         /* p2p's P2P_MAX_SEEDS */

struct node_options {
	const struct cons_params *params;
	char datadir[512];
	char conf[512];           /* empty: <datadir>/flint.conf if it exists */
	size_t dbcache_mb;
	int par;                  /* signature threads; 0 = one per core */
	bool reindex;
	bool repair_db;                     /* --repairdb: LevelDB's RepairDB before opening */
	int check_blocks;
	int64_t time_offset;
	enum node_log_level log_level;
	bool help;
	/* network */
	int port;                 /* 0: the chain's default */
	char bind[64];
	bool nolisten;
	char connect[NODE_MAX_CONNECT][256];
	int n_connect;
	char addnode[NODE_MAX_CONNECT][256];
	int n_addnode;
	char externalip[64];      /* advertised instead of bind:port; empty: bind:port */
	char seeds[NODE_MAX_SEEDS][64];
	int n_seeds;
	int max_inbound;
	int max_outbound;
	int64_t ban_seconds;
	int handshake_timeout;
	int ping_interval;
	int ping_timeout;
	int stall_timeout;
	/* mining */
	bool mine;
	char mining_address[64];
	int mining_threads;
	int mining_pace;          /* seconds per block this miner aims at; 0 = full speed */
	/* RPC */
	bool no_rpc;
	int rpc_port;             /* 0: the chain's default */
	char rpc_bind[64];        /* empty: 127.0.0.1 */
	char rpc_allow[8][64];
	int n_rpc_allow;
	char rpc_user[128], rpc_password[128];
	int rpc_max_conns;        /* --rpcmaxconnections */
	int rpc_timeout;          /* --rpcservertimeout, seconds */
};

/*
 * Fills o from argv and the config file. Returns 0, or -1 with a one-line
 * message in err naming the bad option or config line.
 */
int node_options_parse(struct node_options *o, int argc, char **argv, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* The --help text. */
const char *node_options_usage(void);
/* <datadir>/<chain>, where a chain's files live. */
void node_options_chain_dir(const struct node_options *o, char *out, size_t len);

#endif
