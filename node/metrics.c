/*
 * GET /metrics: the node's state in Prometheus's text exposition format,
 * one gauge or counter per line with HELP and TYPE, and the block
 * validation time histogram with cumulative buckets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/rpc_internal.h"

static void metric(struct rpc_text *t, const char *name, const char *type, const char *help,
		   double v)
{
	rpc_text_put(t, "# HELP flint_%s %s\n# TYPE flint_%s %s\nflint_%s %.17g\n", name, help, name, type,
	    name, v);
}

static void peer_metrics(struct rpc_text *t, struct node_rpc_env *env)
{
	struct p2p_peer_info *peers = env->net ? calloc(256, sizeof(*peers)) : NULL;
	size_t n = peers ? p2p_net_peers(env->net, peers, 256) : 0;
	struct p2p_ban_info bans[256];
	double in = 0, out = 0, rx = 0, tx = 0;
	uint64_t total_rx = 0, total_tx = 0;

	for (size_t i = 0; i < n && i < 256; i++) {
		*(peers[i].inbound ? &in : &out) += 1;
		rx += (double)peers[i].bytes_recv;
		tx += (double)peers[i].bytes_sent;
	}
	free(peers);
	rpc_text_put(t, "# HELP flint_peers Connected peers by direction.\n# TYPE flint_peers gauge\n"
	    "flint_peers{direction=\"in\"} %.0f\nflint_peers{direction=\"out\"} %.0f\n", in, out);
	metric(t, "bans", "gauge", "Addresses currently banned.",
	       env->net ? (double)p2p_net_bans(env->net, bans, 0) : 0);
	metric(t, "peer_bytes_received", "gauge", "Bytes received from the connected peers.", rx);
	metric(t, "peer_bytes_sent", "gauge", "Bytes sent to the connected peers.", tx);
	if (env->net)
		p2p_net_totals(env->net, &total_rx, &total_tx);
	metric(t, "network_received_bytes_total", "counter",
	       "Bytes received from all peers since start, including disconnected ones.",
	       (double)total_rx);
	metric(t, "network_sent_bytes_total", "counter",
	       "Bytes sent to all peers since start, including disconnected ones.", (double)total_tx);
}

static void validation_histogram(struct rpc_text *t, const struct node_chain_stats *s)
{
	uint64_t cum = 0;

	rpc_text_put(t, "# HELP flint_block_validation_seconds Time to validate and connect a block.\n"
	    "# TYPE flint_block_validation_seconds histogram\n");
	for (int i = 0; i < NODE_CONNECT_BUCKETS; i++) {
		cum += s->connect_hist[i];
		if (i + 1 < NODE_CONNECT_BUCKETS)
			rpc_text_put(t, "flint_block_validation_seconds_bucket{le=\"%g\"} %llu\n",
			    node_connect_bounds[i], (unsigned long long)cum);
		else
			rpc_text_put(t, "flint_block_validation_seconds_bucket{le=\"+Inf\"} %llu\n",
			    (unsigned long long)cum);
	}
	rpc_text_put(t, "flint_block_validation_seconds_sum %.9f\nflint_block_validation_seconds_count "
	    "%llu\n", s->connect_seconds, (unsigned long long)cum);
}

char *node_metrics_text(struct node_rpc_env *env)
{
	struct rpc_text t = {0};
	const struct node_blockidx *tip = node_chain_tip(env->chain);
	struct node_chain_stats s;

	node_chain_stats(env->chain, &s);
	metric(&t, "height", "gauge", "Height of the active chain's tip.", (double)tip->height);
	metric(&t, "tip_age_seconds", "gauge", "Node clock minus the tip's timestamp.",
	       (double)(node_chain_now(env->chain) - tip->hdr.time));
	peer_metrics(&t, env);
	metric(&t, "mempool_transactions", "gauge", "Transactions in the mempool.",
	       (double)node_mempool_count(env->mempool));
	metric(&t, "mempool_bytes", "gauge", "Serialized bytes of the mempool.",
	       (double)node_mempool_bytes(env->mempool));
	metric(&t, "blocks_connected_total", "counter", "Blocks connected since start.",
	       (double)s.blocks_connected);
	metric(&t, "reorgs_total", "counter", "Reorganisations since start.", (double)s.reorgs);
	metric(&t, "deepest_reorg_blocks", "gauge", "Most blocks disconnected by one reorg.",
	       (double)s.deepest_reorg);
	metric(&t, "orphan_blocks", "gauge", "Blocks waiting for their parent.",
	       (double)node_chain_orphan_count(env->chain));
	metric(&t, "orphan_transactions", "gauge", "Transactions waiting for their parents.",
	       (double)env->relay->n_orphans);
	validation_histogram(&t, &s);
	metric(&t, "hashes_per_second", "gauge", "Local miner's hash rate (0 when not mining).",
	       env->miner ? node_miner_hashrate(env->miner) : 0);
	metric(&t, "rpc_requests_total", "counter", "JSON-RPC requests served.",
	       (double)env->rpc_requests);
	metric(&t, "uptime_seconds", "gauge", "Seconds since the node started.",
	       (double)(time(NULL) - env->started));
	if (t.oom) {
		free(t.s);
		return NULL;
	}
	return t.s;
}
