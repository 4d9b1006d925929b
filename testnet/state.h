/*
 * The state of one local testnet, kept as JSON in <dir>/testnet.json and
 * rewritten atomically (temporary file, fsync, rename) after every change:
 * its shape (nodes, topology, miners, block time, ports), each node's
 * address, options and process id, the faucet's address, the partition in
 * force, and a journal of faults (partition, heal, kill, start, skew) that
 * `slo` reads back. No processes or RPC here: only the file, its paths and
 * what a client needs to reach a node.
 */
#ifndef FLINT_TESTNET_STATE_H
#define FLINT_TESTNET_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testnet/topology.h"

#define TN_STATE_FILE "testnet.json"
#define TN_MAX_EVENTS 2000

/*
 * Ports from base_port, the same for every node because every node has an
 * address of its own (tn_node_ip): p2p at base, RPC at base+1, the relay's
 * listener for the edges into a node at that node's address, base+2 (the
 * relay tells the dialler by the source address of the connection), and the
 * relay's control channel at 127.0.0.1:base+3. Nothing per node, so nothing
 * reaches the ephemeral range however many nodes there are.
 */
#define TN_RPC_OFFSET 1
#define TN_RELAY_OFFSET 2
#define TN_CONTROL_OFFSET 3

/*
 * One direction of a link (from > to): what the relay does to the bytes
 * that node `from` sends to node `to`. All zero and cut false: a bare wire.
 * Invariant (kept by tn_linkdir_check): every field within its limits.
 */
struct tn_linkdir {
	int delay_ms;            /* 0..TN_MAX_DELAY_MS */
	int jitter_ms;           /* 0..TN_MAX_DELAY_MS, uniform in [-jitter, +jitter] */
	long bandwidth_kbit;     /* 0 (unlimited) or TN_MIN_KBIT..TN_MAX_KBIT */
	double loss_pct;         /* 0..TN_MAX_LOSS_PCT */
	bool cut;
};
#define TN_MAX_DELAY_MS 60000
#define TN_MIN_KBIT 8
#define TN_MAX_KBIT 100000000L
#define TN_MAX_LOSS_PCT 50.0

/* One node. Invariant: pid > 0 only while this tool believes it runs. */
struct tn_node {
	char ip[16];             /* p2p and RPC address, tn_node_ip(i) */
	int port, rpcport;
	bool miner;
	long long time_offset;   /* seconds, kept across restarts (flintd --time-offset) */
	int pid;
};

struct tn_event {
	double time;             /* unix seconds, millisecond precision */
	char what[16];           /* up, down, partition, heal, kill, start, restart, skew, link */
	char detail[160];        /* a payment: "TXID AMOUNT ADDRESS" */
};

/* One direction with settings of its own. */
struct tn_linkover {
	int from, to;
	struct tn_linkdir d;
};

struct tn_state {
	char dir[512];
	int n;
	enum tn_topology topology;
	int miners, block_time, base_port;
	struct tn_node *node;    /* n of them, owned */
	int degree;              /* random: links per node at least; bitcoin: outbound peers */
	unsigned long long seed; /* random topology: the graph's seed */
	int peer_timeout;        /* seconds: the nodes' handshake and ping timeouts */
	char faucet_address[64];
	bool partitioned;
	bool partition_bans;     /* partition --ban: by bans; else silent, by cut links */
	struct tn_partition partition;
	int relay_pid;           /* the link relay, 0 when not started */
	/*
	 * Link settings, sparse: link_all for every direction that has none of
	 * its own, then the directions that do, sorted by (from, to). Read them
	 * with tn_state_link, change one with tn_state_link_set.
	 */
	struct tn_linkdir link_all;
	struct tn_linkover *links;   /* owned */
	size_t n_links, cap_links;
	size_t n_events;
	struct tn_event *events;  /* owned */
};

/* An empty state for dir (caller-owned; tn_state_release frees it). */
void tn_state_init(struct tn_state *s, const char *dir);
void tn_state_release(struct tn_state *s);
/* Moves src's contents into dst (released first); src is left empty. */
void tn_state_move(struct tn_state *dst, struct tn_state *src);

/*
 * Node i's loopback address: host = 10 + i, 127.(host>>16).(host>>8 & 255).
 * (host & 255), so nodes 0..245 keep 127.0.0.10 .. 127.0.0.255.
 * tn_node_of_ip is its inverse: the node index, or -1 for any other address
 * (ip in network byte order).
 */
void tn_node_ip(int i, char *out, size_t len);
int tn_node_of_ip(uint32_t ip_be);

/* The settings of the direction from > to (link_all unless it has its own). */
const struct tn_linkdir *tn_state_link(const struct tn_state *s, int from, int to);
/* The direction's own settings, made from link_all if it had none. NULL when out of memory. */
struct tn_linkdir *tn_state_link_set(struct tn_state *s, int from, int to);

/*
 * Gives s the shape of a new testnet: n nodes (1..TN_MAX_NODES) in topology
 * t, the first `miners` of them mining, each on its own address with p2p
 * port base_port and RPC port base_port + 1. Nothing is written. 0, or -1
 * when out of memory.
 */
int tn_state_layout(struct tn_state *s, int n, enum tn_topology t, int miners, int block_time,
		     int base_port);

/* True if dir holds a state file. */
bool tn_state_exists(const char *dir);
/* Reads <dir>/testnet.json into s (initialised). 0, or -1 with err (s then empty). */
int tn_state_load(struct tn_state *s, const char *dir, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* Writes s atomically. 0, or -1 with err. */
int tn_state_save(const struct tn_state *s, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Appends an event stamped now (the oldest is dropped past TN_MAX_EVENTS). */
void tn_state_event(struct tn_state *s, const char *what, const char *detail);

/* Paths inside the testnet directory, written into out (len bytes). */
void tn_node_datadir(const struct tn_state *s, int i, char *out, size_t len);
void tn_node_cookie(const struct tn_state *s, int i, char *out, size_t len);

struct client_options;
/*
 * The RPC client options for node i of s: testnet, the node's address and
 * RPC port, its cookie file, and timeout seconds per call. The one place
 * the testnet tool, its batches and the web poller learn how to reach a node.
 */
void tn_node_client_options(struct client_options *o, const struct tn_state *s, int i,
			    int timeout);
void tn_node_debuglog(const struct tn_state *s, int i, char *out, size_t len);
void tn_node_outlog(const struct tn_state *s, int i, char *out, size_t len);
void tn_faucet_wallet(const struct tn_state *s, char *out, size_t len);
/* "ip:port" of node i's p2p listener. */
void tn_node_p2p_addr(const struct tn_state *s, int i, char *out, size_t len);

/* The edges of s's topology (tn_topology_edges, or the seeded random graph). */
size_t tn_state_edges(const struct tn_state *s, struct tn_edge *out, size_t max);
/* The same in a new array (the caller frees it) of *count edges; NULL when out of memory. */
struct tn_edge *tn_state_edges_new(const struct tn_state *s, size_t *count)
	__attribute__((warn_unused_result));
/* True if a and b are joined by an edge of s's topology. */
bool tn_state_linked(const struct tn_state *s, int a, int b);
/* "ip:port" of the relay's listener that node from dials to reach node to (to's address). */
void tn_link_addr(const struct tn_state *s, int from, int to, char *out, size_t len);
/* The relay's log file. */
void tn_relay_log(const struct tn_state *s, char *out, size_t len);
/*
 * True if the relay must not carry bytes from -> to: the direction is cut,
 * or a silent partition puts the two nodes on different sides.
 */
bool tn_state_cut(const struct tn_state *s, int from, int to);
/* True if d is a bare wire (no delay, jitter, bandwidth limit, loss or cut). */
bool tn_linkdir_plain(const struct tn_linkdir *d);

/* Wall clock as unix seconds with sub-second precision. */
double tn_now(void);

#endif
