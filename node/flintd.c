/*
 * flintd, the Flint node: wiring only. It reads the options, takes the
 * datadir's lock, opens the chain (chain.c), the mempool and transaction
 * relay (mempool.c, txrelay.c), the network (p2p/ through p2p_glue.c),
 * RPC (rpc.c) and the miner (mining.c) on one libevent loop, connects the
 * chain's events to them, flushes state when idle and stops cleanly on
 * SIGINT, SIGTERM or the stop RPC.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <event2/event.h>

#include "node/chain.h"
#include "consensus/base58.h"
#include "node/log.h"
#include "node/mempool.h"
#include "node/mining.h"
#include "node/options.h"
#include "node/p2p_glue.h"
#include "node/rpc.h"
#include "p2p/net.h"
#include "node/sigpool.h"
#include "storage/db.h"
#include "util/hex.h"

struct daemon {
	struct node_options opt;
	char chain_dir[600];
	int lock_fd;
	struct node_sigpool *sigs;
	struct node_chain *chain;
	struct event_base *base;
	struct event *sigint, *sigterm, *flush_timer;
	struct p2p_net *net;
	struct node_mempool *mempool;
	struct node_mining *mining;
	uint8_t mining_pkh[20];
	struct node_relay relay;
	struct node_p2p glue;           /* what p2p/ reaches the node through */
	secp256k1_context *secp;
	struct node_rpc *rpc;
	struct node_rpc_env rpc_env;
	struct event *stop_ev;
};

/* 50 MB of transactions; 1000 base units per 1000 bytes as the relay floor. */
#define MEMPOOL_BYTES (50u << 20)
#define MIN_RELAY_FEE 1000

static void save_mempool(struct daemon *d);

static int mkdir_p(const char *path)
{
	char tmp[600];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* One flintd per chain directory: a second one is told so, by name. */
static int lock_datadir(struct daemon *d)
{
	char path[640];

	snprintf(path, sizeof(path), "%s/.lock", d->chain_dir);
	d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lock_fd < 0) {
		fprintf(stderr, "flintd: error: cannot create '%s': %s\n", path, strerror(errno));
		return -1;
	}
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "flintd: error: datadir '%s' is in use by another flintd\n",
			d->chain_dir);
		return -1;
	}
	return 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	log_info("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	event_base_loopbreak(d->base);
}

/* State reaches disk within a second of going idle, and never mid-block. */
static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	char err[256];

	if (node_chain_flush(d->chain, err, sizeof(err)) < 0) {
		log_error("flushing chain state failed: %s", err);
		event_base_loopbreak(d->base);
	}
}

static void on_tip(void *ctx, const struct node_blockidx *tip, int depth)
{
	struct daemon *d = ctx;
	char hex[65];

	util_hex_encode_rev(hex, tip->hash, 32);
	if (depth > 0)
		log_info("reorganised: %d blocks disconnected", depth);
	log_info("new tip: height %lld hash %s", (long long)tip->height, hex);
	if (d->net)
		p2p_net_announce_block(d->net, &tip->hdr, tip->hash);
	/* After a reorg, transactions of the abandoned blocks go back where still valid. */
	node_relay_return(&d->relay, depth);
	node_mining_refresh(d->mining);
}

static void on_disconnected(void *ctx, const struct cons_block *b, const struct node_blockidx *idx)
{
	struct daemon *d = ctx;

	node_relay_hold(&d->relay, b);
}

static void on_connected(void *ctx, const struct cons_block *b, const struct node_blockidx *idx)
{
	struct daemon *d = ctx;

	if (d->mempool)
		node_mempool_remove_block(d->mempool, b);
}

/* ---- mining ---- */

static int start_mining(struct daemon *d)
{
	char err[256];

	if (!d->opt.mine)
		return 0;
	d->mining = node_mining_start(d->base, d->chain, d->mempool, &d->relay, d->mining_pkh,
				      d->opt.mining_threads, d->opt.mining_pace, err, sizeof(err));
	if (!d->mining) {
		log_error("cannot start the miner: %s", err);
		return -1;
	}
	log_info("mining with %d thread%s to %s%s", d->opt.mining_threads,
		 d->opt.mining_threads == 1 ? "" : "s", d->opt.mining_address,
		 d->opt.mining_pace ? ", paced" : "");
	d->rpc_env.miner = node_mining_miner(d->mining);
	return 0;
}

static void p2p_log(int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	node_log((enum node_log_level)level, "p2p: %s", msg);
}

static int start_network(struct daemon *d)
{
	struct p2p_options po;
	struct p2p_chain iface;
	char err[256];

	p2p_options_default(&po, d->opt.params);
	if (d->opt.port)
		po.port = (uint16_t)d->opt.port;
	po.listen = !d->opt.nolisten;
	snprintf(po.bind, sizeof(po.bind), "%s", d->opt.bind);
	po.max_inbound = d->opt.max_inbound;
	/* Bitcoin Core's -connect: those peers only, no automatic ones. */
	po.max_outbound = d->opt.n_connect ? 0 : d->opt.max_outbound;
	po.ban_seconds = d->opt.ban_seconds;
	po.handshake_timeout = d->opt.handshake_timeout;
	po.ping_interval = d->opt.ping_interval;
	po.ping_timeout = d->opt.ping_timeout;
	po.stall_timeout = d->opt.stall_timeout;
	snprintf(po.external, sizeof(po.external), "%s", d->opt.externalip);
	for (int i = 0; i < d->opt.n_seeds && i < P2P_MAX_SEEDS; i++)
		snprintf(po.seeds[po.n_seeds++], sizeof(po.seeds[0]), "%s", d->opt.seeds[i]);
	snprintf(po.banlist_path, sizeof(po.banlist_path), "%s/banlist.dat", d->chain_dir);
	snprintf(po.addrbook_path, sizeof(po.addrbook_path), "%s/peers.dat", d->chain_dir);
	po.log = p2p_log;
	d->glue.relay = &d->relay;
	node_p2p_iface(&iface, &d->glue);
	err[0] = 0;
	d->net = p2p_net_new(d->base, d->opt.params, &po, &iface, err, sizeof(err));
	if (!d->net) {
		log_error("cannot start the network: %s", err);
		return -1;
	}
	d->relay.net = d->net;
	if (po.listen)
		log_info("listening on %s:%u", po.bind, po.port);
	for (int i = 0; i < d->opt.n_connect + d->opt.n_addnode; i++) {
		bool c = i < d->opt.n_connect;
		const char *peer = c ? d->opt.connect[i] : d->opt.addnode[i - d->opt.n_connect];
		if (p2p_net_add_peer(d->net, peer, err, sizeof(err)) < 0) {
			log_error("--%s: %s", c ? "connect" : "addnode", err);
			return -1;
		}
	}
	return 0;
}

/* ---- RPC ---- */

static void on_stop_timer(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	log_info("stop requested over RPC, shutting down");
	event_base_loopbreak(d->base);
}

/* The reply to "stop" goes out first; the loop breaks a moment later. */
static void rpc_stop(void *ctx)
{
	struct daemon *d = ctx;
	struct timeval soon = {0, 100000};

	if (!d->stop_ev)
		d->stop_ev = evtimer_new(d->base, on_stop_timer, d);
	if (!d->stop_ev || evtimer_add(d->stop_ev, &soon) < 0)
		event_base_loopbreak(d->base);
}

static void rpc_set_time_offset(void *ctx, int64_t offset)
{
	struct daemon *d = ctx;

	d->opt.time_offset = offset;
	node_chain_set_time_offset(d->chain, offset);
	log_info("clock offset set to %lld s", (long long)offset);
}

static int64_t rpc_time_offset(void *ctx)
{
	return ((struct daemon *)ctx)->opt.time_offset;
}

static void rpc_options(const struct daemon *d, struct node_rpc_options *ro)
{
	memset(ro, 0, sizeof(*ro));
	snprintf(ro->bind, sizeof(ro->bind), "127.0.0.1");
	/* Like bitcoind: another address only when clients from elsewhere are allowed. */
	if (d->opt.rpc_bind[0] && d->opt.n_rpc_allow > 0)
		snprintf(ro->bind, sizeof(ro->bind), "%s", d->opt.rpc_bind);
	else if (d->opt.rpc_bind[0])
		log_warn("--rpcbind ignored without --rpcallowip; serving RPC on 127.0.0.1");
	ro->port = (uint16_t)(d->opt.rpc_port ? d->opt.rpc_port : d->opt.params->default_rpc_port);
	for (int i = 0; i < d->opt.n_rpc_allow; i++)
		snprintf(ro->allow[i], sizeof(ro->allow[i]), "%s", d->opt.rpc_allow[i]);
	ro->n_allow = d->opt.n_rpc_allow;
	snprintf(ro->user, sizeof(ro->user), "%s", d->opt.rpc_user);
	snprintf(ro->password, sizeof(ro->password), "%s", d->opt.rpc_password);
	snprintf(ro->cookie_path, sizeof(ro->cookie_path), "%s/.cookie", d->chain_dir);
	ro->max_body = 8u << 20;   /* a full block in hex with room to spare */
	ro->max_conns = d->opt.rpc_max_conns;
	ro->timeout = d->opt.rpc_timeout;
	ro->auth_delay_ms = NODE_RPC_AUTH_DELAY_MS;
}

static int start_rpc(struct daemon *d)
{
	struct node_rpc_options ro;
	struct node_rpc_env *env = &d->rpc_env;
	char err[256];

	env->chain = d->chain;
	env->mempool = d->mempool;
	env->relay = &d->relay;
	env->net = d->net;
	env->miner = node_mining_miner(d->mining);
	env->started = time(NULL);
	env->max_mempool = MEMPOOL_BYTES;
	env->min_relay_fee = MIN_RELAY_FEE;
	env->stop = rpc_stop;
	env->set_time_offset = rpc_set_time_offset;
	env->time_offset = rpc_time_offset;
	env->ctx = d;
	env->datadir = d->chain_dir;
	if (d->opt.no_rpc)
		return 0;
	if (!d->opt.rpc_user[0] != !d->opt.rpc_password[0]) {
		log_error("--rpcuser and --rpcpassword go together");
		return -1;
	}
	rpc_options(d, &ro);
	d->rpc = node_rpc_new(d->base, env, &ro, err, sizeof(err));
	if (!d->rpc) {
		log_error("cannot start RPC: %s", err);
		return -1;
	}
	log_info("RPC on %s:%u (%s)", ro.bind, ro.port,
		 ro.user[0] ? "user and password" : "cookie auth");
	return 0;
}

static int open_chain(struct daemon *d)
{
	struct node_chain_options co;
	const struct node_blockidx *tip;
	char err[512], dbdir[640], hex[65];

	node_chain_options_default(&co);
	co.dbcache_bytes = d->opt.dbcache_mb << 20;
	co.reindex = d->opt.reindex;
	co.check_blocks = d->opt.check_blocks;
	co.time_offset = d->opt.time_offset;
	snprintf(dbdir, sizeof(dbdir), "%s/chaindb", d->chain_dir);
	d->sigs = node_sigpool_new(d->opt.par);
	if (!d->sigs) {
		log_error("cannot start signature threads");
		return -1;
	}
	if (d->opt.repair_db) {
		log_warn("repairing the chain database in '%s' from its files (--repairdb)", dbdir);
		if (stor_db_repair(dbdir, err, sizeof(err)) < 0) {
			log_error("cannot repair the chain database: %s", err);
			return -1;
		}
	}
	if (stor_db_check_log(dbdir, err, sizeof(err)))
		log_warn("%s", err);
	if (d->opt.reindex)
		log_info("reindexing: rebuilding the chain state from stored blocks");
	struct node_chain_events ev = {.ctx = d, .tip_changed = on_tip, .connected = on_connected,
					.disconnected = on_disconnected};
	if (node_chain_open(&d->chain, dbdir, d->opt.params, &co, d->sigs, &ev, err,
			    sizeof(err)) < 0) {
		log_error("cannot open the chain database in '%s': %s", dbdir, err);
		if (strstr(err, "Corruption") || strstr(err, "corrupt"))
			log_error("the database files are damaged: move '%s' aside (or remove it) and "
				  "start again to rebuild from peers", dbdir);
		return -1;
	}
	tip = node_chain_tip(d->chain);
	util_hex_encode_rev(hex, tip->hash, 32);
	log_info("chain %s: height %lld, tip %s, %d signature threads", d->opt.params->name,
		 (long long)tip->height, hex, node_sigpool_threads(d->sigs));
	return 0;
}

static int setup_loop(struct daemon *d)
{
	struct timeval second = {1, 0};

	d->base = event_base_new();
	if (!d->base)
		return -1;
	d->sigint = evsignal_new(d->base, SIGINT, on_signal, d);
	d->sigterm = evsignal_new(d->base, SIGTERM, on_signal, d);
	d->flush_timer = event_new(d->base, -1, EV_PERSIST, on_flush, d);
	if (!d->sigint || !d->sigterm || !d->flush_timer || event_add(d->sigint, NULL) < 0 ||
	    event_add(d->sigterm, NULL) < 0 || event_add(d->flush_timer, &second) < 0)
		return -1;
	return 0;
}

static void shutdown_daemon(struct daemon *d)
{
	node_rpc_free(d->rpc);
	if (d->stop_ev)
		event_free(d->stop_ev);
	node_mining_free(d->mining);
	p2p_net_free(d->net);
	if (d->flush_timer)
		event_free(d->flush_timer);
	if (d->sigint)
		event_free(d->sigint);
	if (d->sigterm)
		event_free(d->sigterm);
	if (d->base)
		event_base_free(d->base);
	if (d->mempool && d->chain)
		save_mempool(d);
	node_chain_close(d->chain);     /* flushes */
	node_relay_release(&d->relay);
	node_p2p_release(&d->glue);
	node_mempool_free(d->mempool);
	if (d->secp)
		secp256k1_context_destroy(d->secp);
	node_sigpool_free(d->sigs);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
}

/* Mining options are checked before anything is opened: a typo fails fast. */
static int check_mining_options(struct daemon *d)
{
	if (!d->opt.mine)
		return 0;
	if (d->opt.params->no_retarget) {
		fprintf(stderr, "flintd: error: --mine: %s mines on demand (generatetoaddress), "
			"not continuously\n", d->opt.params->name);
		return -1;
	}
	if (cons_address_decode(d->mining_pkh, d->opt.params->addr_version,
				d->opt.mining_address) < 0) {
		fprintf(stderr, "flintd: error: --mine needs --mining-address with a valid %s "
			"address, got '%s'\n", d->opt.params->name, d->opt.mining_address);
		return -1;
	}
	return 0;
}

static void mempool_path(const struct daemon *d, char *out, size_t len)
{
	snprintf(out, len, "%s/mempool.dat", d->chain_dir);
}

/* Transactions saved at the last shutdown come back if still valid. */
static void load_mempool(struct daemon *d)
{
	char path[640];
	struct cons_tx *txs;
	size_t n, ok = 0;

	mempool_path(d, path, sizeof(path));
	if (access(path, F_OK) != 0)
		return;
	if (node_mempool_load_file(path, &txs, &n) < 0) {
		log_warn("ignoring unreadable '%s'", path);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct cons_state st;
		cons_state_init(&st);
		ok += node_relay_accept(&d->relay, &txs[i], &st) == CONS_VALID;
		cons_tx_release(&txs[i]);
	}
	free(txs);
	log_info("mempool: loaded %zu of %zu saved transactions", ok, n);
}

static void save_mempool(struct daemon *d)
{
	char path[640];

	mempool_path(d, path, sizeof(path));
	if (node_mempool_save(d->mempool, path) < 0)
		log_warn("cannot save the mempool to '%s'", path);
	else
		log_info("mempool: saved %zu transactions", node_mempool_count(d->mempool));
}

/*
 * libevent's own messages ("Too many open files" from every failed accept,
 * for one) go through our log, at most 5 lines per 10 s; the rest are
 * counted in the next line that gets through.
 */
static void on_libevent_log(int severity, const char *msg)
{
	static time_t window;
	static int lines;
	static unsigned long suppressed;
	time_t now = time(NULL);

	if (now - window >= 10) {
		window = now;
		lines = 0;
	}
	if (lines >= 5) {
		suppressed++;
		return;
	}
	lines++;
	if (suppressed)
		log_warn("libevent: %lu messages suppressed", suppressed);
	suppressed = 0;
	if (severity >= EVENT_LOG_ERR)
		log_error("libevent: %s", msg);
	else if (severity == EVENT_LOG_WARN)
		log_warn("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

/* Descriptors kept for LevelDB (it limits its own table files to a fifth of the limit). */
#define FD_LEVELDB_MIN 64
/* For the rest: the log, the lock, the loop, the signature threads, the cookie, the mempool file. */
#define FD_OTHER 48

/*
 * Budgets descriptors at start, as Bitcoin Core does: raises the soft limit
 * to the hard one, keeps LevelDB's share and a margin, then gives the RPC
 * server its connections (twice the cap: closed ones linger a moment) and
 * the peers the rest, lowering --rpcmaxconnections and --maxinbound (with a
 * warning) when the limit is too small for them. -1 if it is too small to run.
 */
static int budget_fds(struct daemon *d)
{
	struct rlimit rl;
	long limit, leveldb, avail, rpc = 0, peers, out;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit up = {rl.rlim_max > 65536 ? 65536 : rl.rlim_max, rl.rlim_max};
		if (up.rlim_cur > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
	}
	limit = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 65536 ? 65536 : (long)rl.rlim_cur;
	leveldb = limit / 5 > FD_LEVELDB_MIN ? limit / 5 + 16 : FD_LEVELDB_MIN + 16;
	avail = limit - leveldb - FD_OTHER;
	out = (d->opt.n_connect ? d->opt.n_connect : d->opt.max_outbound) + d->opt.n_addnode + 1;
	if (avail < out + 16) {
		log_error("only %ld file descriptors (ulimit -n); flintd needs at least %ld",
			  limit, leveldb + FD_OTHER + out + 16);
		return -1;
	}
	if (!d->opt.no_rpc) {
		long want = 2L * d->opt.rpc_max_conns + 1, most = avail / 4 > 9 ? avail / 4 : 9;
		rpc = want < most ? want : most;
		if (rpc < want) {
			d->opt.rpc_max_conns = (int)((rpc - 1) / 2);
			log_warn("ulimit -n %ld: RPC connections lowered to %d", limit,
				 d->opt.rpc_max_conns);
		}
	}
	peers = avail - rpc - out;
	if (peers < d->opt.max_inbound) {
		d->opt.max_inbound = peers > 0 ? (int)peers : 0;
		log_warn("ulimit -n %ld: inbound peers lowered to %d", limit, d->opt.max_inbound);
	}
	log_info("file descriptors: %ld (LevelDB %ld, RPC %ld, peers %d+%ld, other %d)", limit,
		 leveldb, rpc, d->opt.max_inbound, out, FD_OTHER);
	return 0;
}

static int start(struct daemon *d)
{
	char logpath[640];

	if (check_mining_options(d) < 0)
		return -1;

	node_options_chain_dir(&d->opt, d->chain_dir, sizeof(d->chain_dir));
	if (mkdir_p(d->chain_dir) < 0) {
		fprintf(stderr, "flintd: error: cannot create '%s': %s\n", d->chain_dir,
			strerror(errno));
		return -1;
	}
	if (lock_datadir(d) < 0)
		return -1;
	node_log_set_level(d->opt.log_level);
	snprintf(logpath, sizeof(logpath), "%s/debug.log", d->chain_dir);
	if (node_log_open_file(logpath) < 0)
		log_warn("cannot open '%s'; logging to stderr only", logpath);
	log_info("flintd starting: chain %s, datadir %s", d->opt.params->name, d->opt.datadir);
	event_set_log_callback(on_libevent_log);
	if (budget_fds(d) < 0)
		return -1;
	if (open_chain(d) < 0)
		return -1;
	if (setup_loop(d) < 0) {
		log_error("cannot set up the event loop");
		return -1;
	}
	d->mempool = node_mempool_new(d->opt.params, MEMPOOL_BYTES, MIN_RELAY_FEE);
	d->secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	if (!d->mempool || !d->secp)
		return -1;
	d->relay.chain = d->chain;
	d->relay.mempool = d->mempool;
	d->relay.secp = d->secp;
	load_mempool(d);
	if (start_network(d) < 0 || start_rpc(d) < 0)
		return -1;
	return start_mining(d);
}

int main(int argc, char **argv)
{
	struct daemon d = {.lock_fd = -1};
	char err[512];
	int rc = 1;

	if (node_options_parse(&d.opt, argc, argv, err, sizeof(err)) < 0) {
		fprintf(stderr, "flintd: error: %s\nTry 'flintd --help'.\n", err);
		return 2;
	}
	if (d.opt.help) {
		fputs(node_options_usage(), stdout);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	if (start(&d) == 0) {
		log_info("ready");
		event_base_dispatch(d.base);
		rc = node_chain_fatal(d.chain) ? 1 : 0;
	}
	shutdown_daemon(&d);
	if (d.chain_dir[0] && d.lock_fd >= 0)
		log_info("flintd stopped");
	node_log_close();
	return rc;
}
