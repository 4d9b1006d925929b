/*
 * flintd, the Flint node. Today: opens (or creates, verifies, reindexes,
 * recovers) a chain's database under its datadir, owns it from one libevent
 * loop, flushes state when idle, and stops cleanly on SIGINT/SIGTERM.
 * Networking, mempool, miner and RPC are attached to this loop as they land.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <event2/event.h>

#include "node/chain.h"
#include "node/log.h"
#include "node/options.h"
#include "node/p2p_glue.h"
#include "p2p/net.h"
#include "node/sigpool.h"
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
};

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
	po.ban_seconds = d->opt.ban_seconds;
	po.handshake_timeout = d->opt.handshake_timeout;
	po.ping_interval = d->opt.ping_interval;
	snprintf(po.banlist_path, sizeof(po.banlist_path), "%s/banlist.dat", d->chain_dir);
	po.log = p2p_log;
	node_p2p_iface(&iface, d->chain);
	err[0] = 0;
	d->net = p2p_net_new(d->base, d->opt.params, &po, &iface, err, sizeof(err));
	if (!d->net) {
		log_error("cannot start the network: %s", err);
		return -1;
	}
	if (po.listen)
		log_info("listening on %s:%u", po.bind, po.port);
	for (int i = 0; i < d->opt.n_connect; i++) {
		if (p2p_net_add_peer(d->net, d->opt.connect[i], err, sizeof(err)) < 0) {
			log_error("--connect: %s", err);
			return -1;
		}
	}
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
	if (d->opt.reindex)
		log_info("reindexing: rebuilding the chain state from stored blocks");
	struct node_chain_events ev = {.ctx = d, .tip_changed = on_tip};
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
	p2p_net_free(d->net);
	if (d->flush_timer)
		event_free(d->flush_timer);
	if (d->sigint)
		event_free(d->sigint);
	if (d->sigterm)
		event_free(d->sigterm);
	if (d->base)
		event_base_free(d->base);
	node_chain_close(d->chain);     /* flushes */
	node_sigpool_free(d->sigs);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
}

static int start(struct daemon *d)
{
	char logpath[640];

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
	if (open_chain(d) < 0)
		return -1;
	if (setup_loop(d) < 0) {
		log_error("cannot set up the event loop");
		return -1;
	}
	return start_network(d);
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
