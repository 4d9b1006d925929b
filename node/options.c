/* flintd option parsing; see options.h. */
#include "node/options.h"
#include "p2p/net.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: flintd [options]\n"
	"\n"
	"A Flint node. Options may also be set in <datadir>/flint.conf as\n"
	"name=value lines; the command line wins.\n"
	"\n"
	"  --chain NAME          testnet (default) or regtest\n"
	"  --datadir DIR         where chains keep their data (default ~/.flint)\n"
	"  --conf FILE           config file (default <datadir>/flint.conf)\n"
	"  --dbcache MB          coin cache size before a flush to disk (default 64)\n"
	"  --par N               signature-check threads, 0 = one per core (default 0)\n"
	"  --reindex             rebuild the chain state and indexes from stored blocks\n"
	"  --repairdb            rebuild a damaged chain database from its files first\n"
	"                        (LevelDB's RepairDB; records in damaged files are lost)\n"
	"  --checkblocks N       blocks checked against the coin set at start (default 6)\n"
	"  --time-offset SECS    shift this node's clock (clock-skew faults)\n"
	"  --loglevel LEVEL      error, warn, info (default) or debug\n"
	"\n"
	"Network:\n"
	"  --port PORT           P2P port (default: testnet 28333, regtest 28444)\n"
	"  --bind ADDR           IPv4 address to listen on and to connect from\n"
	"                        (default 127.0.0.1; testnets give each node its own 127.0.0.x)\n"
	"  --listen              accept inbound peers (the default)\n"
	"  --nolisten            do not accept inbound peers\n"
	"  --connect HOST:PORT   keep a connection to this peer (repeatable); with any\n"
	"                        --connect, no automatic outbound peers are dialled\n"
	"  --addnode HOST:PORT   keep a connection to this peer (repeatable), and still\n"
	"                        dial peers learned from the address book\n"
	"  --externalip IP[:PORT] the address to tell peers to dial us at, instead of the\n"
	"                        --bind address and --port (for example a relay in front)\n"
	"  --seed IP:PORT        an address the empty address book starts from (repeatable,\n"
	"                        up to 16; Bitcoin Core's fixed seeds)\n"
	"  --maxinbound N        inbound peer limit (default 64)\n"
	"  --maxoutbound N       automatic outbound peers from the address book (default 8)\n"
	"  --bantime SECS        how long misbehaving peers stay banned (default 86400)\n"
	"  --handshake-timeout S drop peers that do not finish the handshake (default 10)\n"
	"  --ping-interval S     seconds between keep-alive pings (default 30)\n"
	"  --ping-timeout S      drop a peer that does not answer a ping in S seconds (default 20)\n"
	"  --stall-timeout S     drop a peer that takes longer to deliver a requested\n"
	"                        block, and fetch it elsewhere (default 30)\n"
	"\n"
	"Mining (testnet; regtest mines on demand):\n"
	"  --mine                mine continuously on the active tip\n"
	"  --mining-address ADDR pay block rewards to this address\n"
	"  --mining-threads N    hashing threads (default 1)\n"
	"  --mining-pace SECS    hash only fast enough to find a block every SECS seconds on\n"
	"                        average at the current difficulty (0 = full speed, the\n"
	"                        default); keeps a laptop usable on a local testnet\n"
	"\n"
	"RPC (JSON-RPC over HTTP; GET /metrics for Prometheus):\n"
	"  --rpcport PORT        RPC port (default: testnet 28332, regtest 28443)\n"
	"  --rpcbind ADDR        address to serve RPC on (default 127.0.0.1; another address\n"
	"                        only together with --rpcallowip)\n"
	"  --rpcallowip IP[/LEN] also accept RPC clients from these IPv4 addresses (repeatable)\n"
	"  --rpcuser USER        with --rpcpassword: fixed credentials instead of the cookie\n"
	"  --rpcpassword PASS    (default: a random cookie in <datadir>/<chain>/.cookie)\n"
	"  --rpcmaxconnections N  RPC connections held open at once; a new one closes the\n"
	"                        oldest (default 64, may be lowered to fit ulimit -n)\n"
	"  --rpcservertimeout SECS  time for a whole request to arrive (default 30)\n"
	"  --norpc               no RPC server\n"
	"\n"
	"  --help                this text\n";

const char *node_options_usage(void)
{
	return usage;
}

struct optdef {
	const char *name;
	bool has_arg;
};

static const struct optdef defs[] = {
	{"chain", true}, {"datadir", true}, {"conf", true}, {"dbcache", true}, {"par", true},
	{"rpcport", true}, {"rpcbind", true}, {"rpcallowip", true}, {"rpcuser", true},
	{"rpcpassword", true}, {"norpc", false}, {"mining-pace", true},
	{"reindex", false}, {"repairdb", false}, {"checkblocks", true}, {"time-offset", true}, {"loglevel", true},
	{"help", false}, {"port", true}, {"bind", true}, {"listen", false}, {"nolisten", false},
	{"connect", true}, {"maxinbound", true}, {"bantime", true}, {"handshake-timeout", true},
	{"ping-interval", true}, {"mine", false}, {"mining-address", true},
	{"mining-threads", true}, {"addnode", true}, {"maxoutbound", true},
	{"stall-timeout", true}, {"ping-timeout", true}, {"rpcmaxconnections", true},
	{"externalip", true}, {"seed", true},
	{"rpcservertimeout", true}, {NULL, false},
};

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return (errno || end == s || *end || *out < lo || *out > hi) ? -1 : 0;
}

static int set_number(struct node_options *o, const char *name, const char *val)
{
	long long v;

	if (strcmp(name, "dbcache") == 0 && parse_int(val, 1, 1 << 20, &v) == 0)
		o->dbcache_mb = (size_t)v;
	else if (strcmp(name, "par") == 0 && parse_int(val, 0, 256, &v) == 0)
		o->par = (int)v;
	else if (strcmp(name, "checkblocks") == 0 && parse_int(val, 0, 1000000, &v) == 0)
		o->check_blocks = (int)v;
	else if (strcmp(name, "port") == 0 && parse_int(val, 1, 65535, &v) == 0)
		o->port = (int)v;
	else if (strcmp(name, "maxinbound") == 0 && parse_int(val, 0, 10000, &v) == 0)
		o->max_inbound = (int)v;
	else if (strcmp(name, "maxoutbound") == 0 && parse_int(val, 0, 1000, &v) == 0)
		o->max_outbound = (int)v;
	else if (strcmp(name, "stall-timeout") == 0 && parse_int(val, 1, 3600, &v) == 0)
		o->stall_timeout = (int)v;
	else if (strcmp(name, "bantime") == 0 && parse_int(val, 1, 100LL * 365 * 86400, &v) == 0)
		o->ban_seconds = v;
	else if (strcmp(name, "handshake-timeout") == 0 && parse_int(val, 1, 3600, &v) == 0)
		o->handshake_timeout = (int)v;
	else if (strcmp(name, "ping-interval") == 0 && parse_int(val, 1, 3600, &v) == 0)
		o->ping_interval = (int)v;
	else if (strcmp(name, "ping-timeout") == 0 && parse_int(val, 1, 3600, &v) == 0)
		o->ping_timeout = (int)v;
	else if (strcmp(name, "mining-threads") == 0 && parse_int(val, 1, 256, &v) == 0)
		o->mining_threads = (int)v;
	else if (strcmp(name, "rpcport") == 0 && parse_int(val, 1, 65535, &v) == 0)
		o->rpc_port = (int)v;
	else if (strcmp(name, "rpcmaxconnections") == 0 && parse_int(val, 1, 10000, &v) == 0)
		o->rpc_max_conns = (int)v;
	else if (strcmp(name, "rpcservertimeout") == 0 && parse_int(val, 1, 3600, &v) == 0)
		o->rpc_timeout = (int)v;
	else if (strcmp(name, "mining-pace") == 0 && parse_int(val, 0, 86400, &v) == 0)
		o->mining_pace = (int)v;
	else if (strcmp(name, "time-offset") == 0 &&
		 parse_int(val, -100LL * 365 * 86400, 100LL * 365 * 86400, &v) == 0)
		o->time_offset = v;
	else
		return -1;
	return 0;
}

static int set_string(char *dst, size_t len, const char *name, const char *val, char *err,
		      size_t errlen)
{
	if (snprintf(dst, len, "%s", val) >= (int)len) {
		snprintf(err, errlen, "value for '--%s' is too long", name);
		return -1;
	}
	return 0;
}

/* The RPC server's options; 1 if name is not one of them. */
static int apply_rpc(struct node_options *o, const char *name, const char *val, char *err,
		     size_t errlen)
{
	if (strcmp(name, "rpcbind") == 0)
		return set_string(o->rpc_bind, sizeof(o->rpc_bind), name, val, err, errlen);
	if (strcmp(name, "rpcuser") == 0)
		return set_string(o->rpc_user, sizeof(o->rpc_user), name, val, err, errlen);
	if (strcmp(name, "rpcpassword") == 0)
		return set_string(o->rpc_password, sizeof(o->rpc_password), name, val, err, errlen);
	if (strcmp(name, "norpc") == 0) {
		o->no_rpc = true;
		return 0;
	}
	if (strcmp(name, "rpcallowip") != 0)
		return 1;
	if (o->n_rpc_allow == (int)(sizeof(o->rpc_allow) / sizeof(o->rpc_allow[0]))) {
		snprintf(err, errlen, "too many '--rpcallowip' values");
		return -1;
	}
	return set_string(o->rpc_allow[o->n_rpc_allow++], sizeof(o->rpc_allow[0]), name, val, err,
			  errlen);
}

/* Appends a HOST:PORT to a list of at most 16. */
static int add_peer(char (*list)[256], int *n, const char *val)
{
	if (*n == NODE_MAX_CONNECT || snprintf(list[*n], sizeof(list[0]), "%s", val) >= (int)sizeof(list[0]))
		return -1;
	(*n)++;
	return 0;
}

/* --externalip IP[:PORT] and --seed IP:PORT: IPv4, checked here so a typo stops the start. */
static int apply_address(struct node_options *o, const char *name, const char *val, char *err,
			 size_t errlen)
{
	struct p2p_netaddr a;
	bool seed = name[0] == 's';

	if (strlen(val) >= sizeof(o->externalip) || p2p_netaddr_parse(&a, val, 1) < 0 ||
	    (seed && !strchr(val, ':'))) {
		snprintf(err, errlen, "invalid value '%s' for '--%s' (want %s)", val, name,
			 seed ? "IP:PORT" : "IP or IP:PORT");
		return -1;
	}
	if (!seed) {
		snprintf(o->externalip, sizeof(o->externalip), "%s", val);
		return 0;
	}
	if (o->n_seeds == NODE_MAX_SEEDS) {
		snprintf(err, errlen, "too many '--seed' values (at most %d)", NODE_MAX_SEEDS);
		return -1;
	}
	snprintf(o->seeds[o->n_seeds++], sizeof(o->seeds[0]), "%s", val);
	return 0;
}

/* Applies one option; val is NULL for flags. */
static int apply(struct node_options *o, const char *name, const char *val, char *err,
		 size_t errlen)
{
	int rc = apply_rpc(o, name, val, err, errlen);

	if (rc <= 0)
		return rc;
	if (strcmp(name, "chain") == 0) {
		o->params = cons_params_by_name(val);
		if (!o->params) {
			snprintf(err, errlen, "unknown chain '%s' (use testnet or regtest)", val);
			return -1;
		}
	} else if (strcmp(name, "datadir") == 0 || strcmp(name, "conf") == 0) {
		char *dst = name[0] == 'd' ? o->datadir : o->conf;
		if (snprintf(dst, sizeof(o->datadir), "%s", val) >= (int)sizeof(o->datadir)) {
			snprintf(err, errlen, "path for '--%s' is too long", name);
			return -1;
		}
	} else if (strcmp(name, "loglevel") == 0) {
		if (node_log_parse_level(val, &o->log_level) < 0) {
			snprintf(err, errlen, "unknown log level '%s' (error, warn, info, debug)", val);
			return -1;
		}
	} else if (strcmp(name, "reindex") == 0) {
		o->reindex = true;
	} else if (strcmp(name, "repairdb") == 0) {
		o->repair_db = true;
	} else if (strcmp(name, "mine") == 0) {
		o->mine = true;
	} else if (strcmp(name, "mining-address") == 0) {
		if (snprintf(o->mining_address, sizeof(o->mining_address), "%s", val) >=
		    (int)sizeof(o->mining_address)) {
			snprintf(err, errlen, "'--mining-address' is too long");
			return -1;
		}
	} else if (strcmp(name, "listen") == 0 || strcmp(name, "nolisten") == 0) {
		o->nolisten = name[0] == 'n';
	} else if (strcmp(name, "bind") == 0) {
		if (snprintf(o->bind, sizeof(o->bind), "%s", val) >= (int)sizeof(o->bind)) {
			snprintf(err, errlen, "address for '--bind' is too long");
			return -1;
		}
	} else if (strcmp(name, "connect") == 0 || strcmp(name, "addnode") == 0) {
		if (add_peer(name[0] == 'c' ? o->connect : o->addnode,
			     name[0] == 'c' ? &o->n_connect : &o->n_addnode, val) < 0) {
			snprintf(err, errlen, "too many or too long '--%s' values", name);
			return -1;
		}
	} else if (strcmp(name, "externalip") == 0 || strcmp(name, "seed") == 0) {
		return apply_address(o, name, val, err, errlen);
	} else if (strcmp(name, "help") == 0) {
		o->help = true;
	} else if (set_number(o, name, val) < 0) {
		snprintf(err, errlen, "invalid value '%s' for '--%s'", val, name);
		return -1;
	}
	return 0;
}

static const struct optdef *find_def(const char *name)
{
	for (const struct optdef *d = defs; d->name; d++)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = 0;
}

/* Reads the config file; a missing default file is fine, a named one is not. */
static int read_conf(struct node_options *o, const char *path, bool must_exist, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int lineno = 0, rc = 0;

	if (!f) {
		if (!must_exist)
			return 0;
		snprintf(err, errlen, "cannot read config file '%s'", path);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		char *name = line, *val, *eq;
		const struct optdef *d;
		lineno++;
		trim(line);
		while (*name == ' ' || *name == '\t')
			name++;
		if (!*name || *name == '#')
			continue;
		eq = strchr(name, '=');
		val = eq ? eq + 1 : NULL;
		if (eq)
			*eq = 0;
		trim(name);
		d = find_def(name);
		if (!d || d->has_arg != (val != NULL) || strcmp(name, "conf") == 0 ||
		    strcmp(name, "datadir") == 0) {
			snprintf(err, errlen, "%s:%d: unknown or malformed option '%s'", path, lineno, name);
			rc = -1;
		} else if (apply(o, name, val, err, errlen) < 0) {
			rc = -1;
		}
	}
	fclose(f);
	return rc;
}

static void defaults(struct node_options *o)
{
	const char *home = getenv("HOME");

	memset(o, 0, sizeof(*o));
	o->params = cons_params_by_name("testnet");
	snprintf(o->datadir, sizeof(o->datadir), "%s/.flint", home ? home : ".");
	o->dbcache_mb = 64;
	o->check_blocks = 6;
	o->log_level = NODE_LOG_INFO;
	snprintf(o->bind, sizeof(o->bind), "127.0.0.1");
	o->max_inbound = 64;
	o->max_outbound = 8;
	o->stall_timeout = 30;
	o->ban_seconds = 86400;
	o->handshake_timeout = 10;
	o->ping_interval = 30;
	o->ping_timeout = 20;
	o->mining_threads = 1;
	o->rpc_max_conns = 64;
	o->rpc_timeout = 30;
}

/* Runs getopt over argv, calling apply for each option. */
static int parse_argv(struct node_options *o, int argc, char **argv, char *err, size_t errlen)
{
	struct option longopts[sizeof(defs) / sizeof(defs[0])];
	int i, c, index;

	for (i = 0; defs[i].name; i++) {
		longopts[i].name = defs[i].name;
		longopts[i].has_arg = defs[i].has_arg ? required_argument : no_argument;
		longopts[i].flag = NULL;
		longopts[i].val = 0;
	}
	memset(&longopts[i], 0, sizeof(longopts[i]));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, &index)) != -1) {
		if (c != 0) {
			snprintf(err, errlen, "unknown option or missing value: '%s'", argv[optind - 1]);
			return -1;
		}
		if (apply(o, longopts[index].name, optarg, err, errlen) < 0)
			return -1;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

int node_options_parse(struct node_options *o, int argc, char **argv, char *err, size_t errlen)
{
	struct node_options cli;
	char path[600];

	/* First pass finds --datadir and --conf; the file applies before the line. */
	defaults(&cli);
	if (parse_argv(&cli, argc, argv, err, errlen) < 0)
		return -1;
	defaults(o);
	memcpy(o->datadir, cli.datadir, sizeof(o->datadir));
	if (cli.conf[0])
		snprintf(path, sizeof(path), "%s", cli.conf);
	else
		snprintf(path, sizeof(path), "%s/flint.conf", cli.datadir);
	if (!cli.help && read_conf(o, path, cli.conf[0] != 0, err, errlen) < 0)
		return -1;
	return parse_argv(o, argc, argv, err, errlen);
}

void node_options_chain_dir(const struct node_options *o, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", o->datadir, o->params->name);
}
