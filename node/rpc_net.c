/*
 * Network and control RPC methods, as Bitcoin Core names them: peers,
 * connection count, network info, addnode, disconnectnode, bans,
 * setnetworkactive, stop, uptime (help is rpc_help.c's); and Flint's settimeoffset, which
 * moves the node's clock for clock-skew faults.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/rpc_internal.h"
#include "util/version.h"

#define MAX_PEERS_LISTED 256

static int need_net(struct node_rpc_env *env, struct rpc_error *e)
{
	if (env->net)
		return 0;
	rpc_fail(e, RPC_CLIENT_P2P_DISABLED, "Error: Peer-to-peer functionality missing or disabled");
	return -1;
}

/* Bitcoin Core's names of the service bits Flint may see. */
static json_t *services_names(uint64_t services)
{
	static const struct { uint64_t bit; const char *name; } names[] = {
		{1, "NETWORK"}, {4, "BLOOM"}, {8, "WITNESS"}, {64, "COMPACT_FILTERS"},
		{1024, "NETWORK_LIMITED"}, {2048, "P2P_V2"},
	};
	json_t *out = json_array();

	for (size_t i = 0; out && i < sizeof(names) / sizeof(names[0]); i++)
		if (services & names[i].bit)
			json_array_append_new(out, json_string(names[i].name));
	return out;
}

static json_t *per_msg(const struct p2p_msg_bytes *tab)
{
	json_t *o = json_object();

	for (int i = 0; o && i < P2P_MSG_KINDS && tab[i].command[0]; i++)
		json_object_set_new(o, tab[i].command, json_integer((json_int_t)tab[i].bytes));
	return o;
}

/* The height of a known header, -1 if unknown. */
static int64_t height_of(struct node_rpc_env *env, const uint8_t hash[32])
{
	const struct node_blockidx *idx = node_chain_lookup(env->chain, hash);

	return idx ? idx->height : -1;
}

/*
 * synced_headers: the height of the last header the peer announced;
 * synced_blocks: the last block both hold, taken as where that header's
 * branch meets our active chain (-1 for each while unknown).
 */
static void synced(struct node_rpc_env *env, const struct p2p_peer_info *p, int64_t *headers,
		   int64_t *blocks)
{
	const struct node_blockidx *best = p->has_best ? node_chain_lookup(env->chain, p->best) : NULL;
	const struct node_blockidx *tip = node_chain_tip(env->chain), *anc;

	*headers = *blocks = -1;
	if (!best)
		return;
	*headers = best->height;
	anc = node_blockidx_ancestor(best, best->height < tip->height ? best->height : tip->height);
	while (anc && !node_chain_is_active(env->chain, anc))
		anc = anc->prev;
	*blocks = anc ? anc->height : -1;
}

static json_t *peer_json(struct node_rpc_env *env, const struct p2p_peer_info *p)
{
	char services[17];
	int64_t sh, sb;
	json_t *inflight = json_array(), *o;

	for (int i = 0; inflight && i < p->in_flight && i < P2P_MAX_IN_FLIGHT; i++)
		json_array_append_new(inflight, json_integer(height_of(env, p->in_flight_hash[i])));
	snprintf(services, sizeof(services), "%016llx", (unsigned long long)p->services);
	synced(env, p, &sh, &sb);
	o = json_pack("{s:i, s:s, s:s, s:s, s:o, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:s, "
		      "s:b, s:i, s:s, s:I, s:I, s:o, s:b, s:o, s:o}",
		      "id", p->id, "addr", p->addr, "addrbind", p->addr_bind, "services", services,
		      "servicesnames", services_names(p->services), "relaytxes", p->relay,
		      "lastsend", (json_int_t)p->last_send, "lastrecv", (json_int_t)p->last_recv,
		      "bytessent", (json_int_t)p->bytes_sent, "bytesrecv", (json_int_t)p->bytes_recv,
		      "conntime", (json_int_t)p->connected_at, "timeoffset",
		      (json_int_t)p->time_offset, "version", p->version, "subver", p->user_agent,
		      "inbound", p->inbound, "startingheight", p->start_height, "connection_type",
		      p->conn_type, "synced_headers", (json_int_t)sh,
		      "synced_blocks", (json_int_t)sb, "inflight", inflight, "handshaked",
		      p->handshaked, "bytessent_per_msg", per_msg(p->sent_per_msg),
		      "bytesrecv_per_msg", per_msg(p->recv_per_msg));
	/* Core leaves pingtime out until a ping was answered. */
	if (o && p->ping_usec >= 0)
		json_object_set_new(o, "pingtime", json_real(p->ping_usec / 1e6));
	return o;
}

static size_t list_peers(struct node_rpc_env *env, struct p2p_peer_info **out)
{
	size_t n;

	*out = NULL;
	if (!env->net)
		return 0;
	*out = calloc(MAX_PEERS_LISTED, sizeof(**out));
	if (!*out)
		return 0;
	n = p2p_net_peers(env->net, *out, MAX_PEERS_LISTED);
	return n < MAX_PEERS_LISTED ? n : MAX_PEERS_LISTED;
}

static json_t *getpeerinfo(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	struct p2p_peer_info *peers;
	size_t n = list_peers(env, &peers);
	json_t *out = json_array();

	for (size_t i = 0; out && i < n; i++)
		json_array_append_new(out, peer_json(env, &peers[i]));
	free(peers);
	return out ? out : rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
}

static void count_peers(struct node_rpc_env *env, int *in, int *out)
{
	struct p2p_peer_info *peers;
	size_t n = list_peers(env, &peers);

	*in = *out = 0;
	for (size_t i = 0; i < n; i++)
		(*(peers[i].inbound ? in : out))++;
	free(peers);
}

static json_t *getconnectioncount(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	int in, out;

	count_peers(env, &in, &out);
	return json_integer(in + out);
}

/* Bitcoin Core's getnettotals, without its upload target. */
static json_t *getnettotals(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	uint64_t recv = 0, sent = 0;
	struct timespec ts;

	if (env->net)
		p2p_net_totals(env->net, &recv, &sent);
	clock_gettime(CLOCK_REALTIME, &ts);
	return json_pack("{s:I, s:I, s:I}", "totalbytesrecv", (json_int_t)recv, "totalbytessent",
			 (json_int_t)sent, "timemillis",
			 (json_int_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static json_t *getnetworkinfo(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	int in, out;

	count_peers(env, &in, &out);
	return json_pack("{s:i, s:s, s:i, s:i, s:i, s:i, s:b, s:o, s:I}", "version", FLINT_VERSION_NUMBER,
			 "subversion", FLINT_USER_AGENT, "protocolversion", P2P_PROTOCOL_VERSION,
			 "connections", in + out, "connections_in", in, "connections_out", out,
			 "networkactive", env->net && p2p_net_is_active(env->net), "relayfee",
			 rpc_amount(env->min_relay_fee), "timeoffset",
			 (json_int_t)env->time_offset(env->ctx));
}

static json_t *addnode(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	const char *node = rpc_param_str(params, 0, "node", e);
	const char *cmd = node ? rpc_param_str(params, 1, "command", e) : NULL;
	char err[256];
	int rc;

	if (!cmd || need_net(env, e) < 0)
		return NULL;
	if (strcmp(cmd, "add") == 0) {
		if (p2p_net_has_peer(env->net, node))
			return rpc_fail(e, RPC_CLIENT_NODE_ALREADY_ADDED, "Error: Node already added");
		rc = p2p_net_add_peer(env->net, node, err, sizeof(err));
	} else if (strcmp(cmd, "remove") == 0) {
		if (p2p_net_remove_peer(env->net, node, err, sizeof(err)) < 0)
			return rpc_fail(e, RPC_CLIENT_NODE_NOT_ADDED, "Error: %s", err);
		rc = 0;
	} else if (strcmp(cmd, "onetry") == 0) {
		rc = p2p_net_connect_once(env->net, node, err, sizeof(err));
	} else {
		return rpc_fail(e, RPC_INVALID_PARAMETER, "command must be add, remove or onetry");
	}
	if (rc < 0)
		return rpc_fail(e, RPC_INVALID_PARAMETER, "%s", err);
	return json_null();
}

static json_t *disconnectnode(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	const char *addr = json_string_value(json_array_get(params, 0));
	json_t *id = json_array_get(params, 1);
	char err[128];

	if (need_net(env, e) < 0)
		return NULL;
	if (addr && addr[0] && id && !json_is_null(id))
		return rpc_fail(e, RPC_INVALID_PARAMS, "Only one of address and nodeid should be "
				"provided.");
	if ((!addr || !addr[0]) && !json_is_integer(id))
		return rpc_fail(e, RPC_INVALID_PARAMS, "Only one of address and nodeid should be "
				"provided.");
	if (p2p_net_disconnect(env->net, addr && addr[0] ? addr : NULL,
			       (int)json_integer_value(id), err, sizeof(err)) < 0)
		return rpc_fail(e, RPC_CLIENT_NODE_NOT_CONNECTED, "%s", err);
	return json_null();
}

/* "1.2.3.4" or "1.2.3.4/32": bans are per address. */
static int ban_ip(const char *subnet, char *ip, size_t len, struct rpc_error *e)
{
	const char *slash = strchr(subnet, '/');
	struct in_addr a4;
	struct in6_addr a6;

	size_t n = slash ? (size_t)(slash - subnet) : strlen(subnet);

	if (n >= len) {
		rpc_fail(e, RPC_CLIENT_INVALID_IP_OR_SUBNET, "Error: Invalid IP/Subnet");
		return -1;
	}
	memcpy(ip, subnet, n);
	ip[n] = 0;
	if ((slash && strcmp(slash, "/32") != 0 && strcmp(slash, "/128") != 0) ||
	    (inet_pton(AF_INET, ip, &a4) != 1 && inet_pton(AF_INET6, ip, &a6) != 1)) {
		rpc_fail(e, RPC_CLIENT_INVALID_IP_OR_SUBNET, "Error: Invalid IP/Subnet");
		return -1;
	}
	return 0;
}

static json_t *setban(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	const char *subnet = rpc_param_str(params, 0, "subnet", e);
	const char *cmd = subnet ? rpc_param_str(params, 1, "command", e) : NULL;
	int64_t bantime;
	bool absolute;
	char ip[64], err[128];

	if (!cmd || need_net(env, e) < 0 || ban_ip(subnet, ip, sizeof(ip), e) < 0 ||
	    rpc_param_int(params, 2, "bantime", 0, &bantime, e) < 0 ||
	    rpc_param_bool(params, 3, "absolute", false, &absolute, e) < 0)
		return NULL;
	if (strcmp(cmd, "add") == 0) {
		int64_t now = (int64_t)time(NULL);
		/* Bounded before any arithmetic: a ban end past P2P_BAN_MAX_SECONDS from now
		 * is refused, not wrapped around into the past. */
		if (absolute && bantime <= now)
			return rpc_fail(e, RPC_INVALID_PARAMETER, "Error: Absolute timestamp is in "
					"the past");
		if (bantime < 0)
			return rpc_fail(e, RPC_INVALID_PARAMETER, "Error: bantime must not be "
					"negative");
		if (absolute)
			bantime -= now;
		if (bantime > P2P_BAN_MAX_SECONDS)
			return rpc_fail(e, RPC_INVALID_PARAMETER, "Error: bantime must be at most "
					"%lld seconds (100 years)%s", P2P_BAN_MAX_SECONDS,
					absolute ? " from now" : "");
		if (p2p_net_ban(env->net, ip, bantime, err, sizeof(err)) < 0)
			return rpc_fail(e, RPC_CLIENT_INVALID_IP_OR_SUBNET, "%s", err);
	} else if (strcmp(cmd, "remove") == 0) {
		if (p2p_net_unban(env->net, ip, err, sizeof(err)) < 0)
			return rpc_fail(e, RPC_CLIENT_INVALID_IP_OR_SUBNET, "Error: Unban failed. "
					"Requested address/subnet was not previously manually banned.");
	} else {
		return rpc_fail(e, RPC_INVALID_PARAMETER, "command must be add or remove");
	}
	return json_null();
}

static json_t *listbanned(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	struct p2p_ban_info bans[256];
	size_t n = env->net ? p2p_net_bans(env->net, bans, 256) : 0;
	json_t *out = json_array();

	for (size_t i = 0; out && i < n && i < 256; i++)
		json_array_append_new(out, json_pack("{s:s, s:I}", "address", bans[i].addr,
						     "banned_until", (json_int_t)bans[i].until));
	return out ? out : rpc_fail(e, RPC_OUT_OF_MEMORY, "out of memory");
}

static json_t *clearbanned(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	if (need_net(env, e) < 0)
		return NULL;
	p2p_net_clear_bans(env->net);
	return json_null();
}

static json_t *setnetworkactive(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	bool on;

	if (!json_is_boolean(json_array_get(params, 0)))
		return rpc_fail(e, RPC_TYPE_ERROR, "state must be a boolean");
	if (need_net(env, e) < 0)
		return NULL;
	on = json_is_true(json_array_get(params, 0));
	p2p_net_set_active(env->net, on);
	return json_boolean(on);
}

static json_t *stop(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	env->stop(env->ctx);
	return json_string("Flint server stopping");
}

static json_t *uptime(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	return json_integer((json_int_t)(time(NULL) - env->started));
}

static json_t *settimeoffset(struct node_rpc_env *env, json_t *params, struct rpc_error *e)
{
	int64_t off;

	if (rpc_param_int(params, 0, "seconds", 0, &off, e) < 0)
		return NULL;
	if (off < -86400 * 365 || off > 86400 * 365)
		return rpc_fail(e, RPC_INVALID_PARAMETER, "seconds must be within a year");
	env->set_time_offset(env->ctx, off);
	return json_integer(off);
}

const struct rpc_method rpc_net_methods[] = {
	{"getpeerinfo", getpeerinfo, 0, 0},
	{"getconnectioncount", getconnectioncount, 0, 0},
	{"getnettotals", getnettotals, 0, 0},
	{"getnetworkinfo", getnetworkinfo, 0, 0},
	{"addnode", addnode, 2, 2},
	{"disconnectnode", disconnectnode, 0, 2},
	{"setban", setban, 2, 4},
	{"listbanned", listbanned, 0, 0},
	{"clearbanned", clearbanned, 0, 0},
	{"setnetworkactive", setnetworkactive, 1, 1},
	{"stop", stop, 0, 0},
	{"uptime", uptime, 0, 0},
	{"settimeoffset", settimeoffset, 1, 1},
	{"help", rpc_help, 0, 1},
	{NULL, NULL, 0, 0},
};
