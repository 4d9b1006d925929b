/*
 * The testnet's state file (see state.h): JSON through jansson, every field
 * checked on load so a damaged or hand-edited file is refused with the name
 * of what is wrong, never trusted.
 */
#include "testnet/state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <jansson.h>

#include "client/rpcclient.h"
#include "consensus/params.h"

double tn_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

void tn_state_init(struct tn_state *s, const char *dir)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
}

void tn_state_release(struct tn_state *s)
{
	free(s->events);
	s->events = NULL;
	s->n_events = 0;
	free(s->node);
	s->node = NULL;
	free(s->links);
	s->links = NULL;
	s->n_links = s->cap_links = 0;
}

void tn_state_move(struct tn_state *dst, struct tn_state *src)
{
	if (dst == src)
		return;
	tn_state_release(dst);
	*dst = *src;
	src->events = NULL;
	src->node = NULL;
	src->links = NULL;
	src->n_events = src->n_links = src->cap_links = 0;
	src->n = 0;
}

void tn_node_ip(int i, char *out, size_t len)
{
	unsigned host = 10u + (unsigned)i;

	snprintf(out, len, "127.%u.%u.%u", (host >> 16) & 255, (host >> 8) & 255, host & 255);
}

int tn_node_of_ip(uint32_t ip_be)
{
	uint32_t ip = ntohl(ip_be);

	if ((ip >> 24) != 127 || (ip & 0xffffff) < 10 || (ip & 0xffffff) - 10 >= TN_MAX_NODES)
		return -1;
	return (int)((ip & 0xffffff) - 10);
}

static int link_cmp(const void *a, const void *b)
{
	const struct tn_linkover *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return (x->to > y->to) - (x->to < y->to);
}

static struct tn_linkover *link_find(const struct tn_state *s, int from, int to)
{
	struct tn_linkover key = {.from = from, .to = to};

	if (!s->n_links)
		return NULL;
	return bsearch(&key, s->links, s->n_links, sizeof(key), link_cmp);
}

const struct tn_linkdir *tn_state_link(const struct tn_state *s, int from, int to)
{
	const struct tn_linkover *o = link_find(s, from, to);

	return o ? &o->d : &s->link_all;
}

struct tn_linkdir *tn_state_link_set(struct tn_state *s, int from, int to)
{
	struct tn_linkover *o = link_find(s, from, to), key = {.from = from, .to = to};
	size_t k = 0;

	if (o)
		return &o->d;
	if (s->n_links == s->cap_links) {
		size_t cap = s->cap_links ? s->cap_links * 2 : 16;
		struct tn_linkover *m = realloc(s->links, cap * sizeof(*m));
		if (!m)
			return NULL;
		s->links = m;
		s->cap_links = cap;
	}
	while (k < s->n_links && link_cmp(&s->links[k], &key) < 0)
		k++;
	memmove(s->links + k + 1, s->links + k, (s->n_links - k) * sizeof(*s->links));
	s->n_links++;
	s->links[k] = key;
	s->links[k].d = s->link_all;
	return &s->links[k].d;
}

int tn_state_layout(struct tn_state *s, int n, enum tn_topology t, int miners, int block_time,
		    int base_port)
{
	struct tn_node *nodes = calloc((size_t)(n > 0 ? n : 1), sizeof(*nodes));

	if (!nodes)
		return -1;
	free(s->node);
	s->node = nodes;
	s->n = n;
	s->topology = t;
	s->miners = miners;
	s->block_time = block_time;
	s->base_port = base_port;
	for (int i = 0; i < n; i++) {
		struct tn_node *d = &s->node[i];
		memset(d, 0, sizeof(*d));
		tn_node_ip(i, d->ip, sizeof(d->ip));
		d->port = base_port;
		d->rpcport = base_port + TN_RPC_OFFSET;
		d->miner = i < miners;
	}
	return 0;
}

void tn_state_event(struct tn_state *s, const char *what, const char *detail)
{
	struct tn_event *e;

	if (s->n_events == TN_MAX_EVENTS) {
		memmove(s->events, s->events + 1, (TN_MAX_EVENTS - 1) * sizeof(*s->events));
		s->n_events--;
	}
	e = realloc(s->events, (s->n_events + 1) * sizeof(*e));
	if (!e)
		return;                  /* the journal is a record, not a requirement */
	s->events = e;
	e = &s->events[s->n_events++];
	memset(e, 0, sizeof(*e));
	e->time = tn_now();
	snprintf(e->what, sizeof(e->what), "%s", what);
	snprintf(e->detail, sizeof(e->detail), "%s", detail ? detail : "");
}

void tn_node_datadir(const struct tn_state *s, int i, char *out, size_t len)
{
	snprintf(out, len, "%s/node%d", s->dir, i);
}

void tn_node_cookie(const struct tn_state *s, int i, char *out, size_t len)
{
	snprintf(out, len, "%s/node%d/testnet/.cookie", s->dir, i);
}

void tn_node_client_options(struct client_options *o, const struct tn_state *s, int i,
			    int timeout)
{
	memset(o, 0, sizeof(*o));
	o->params = cons_params_by_name("testnet");
	snprintf(o->host, sizeof(o->host), "%s", s->node[i].ip);
	o->port = (uint16_t)s->node[i].rpcport;
	tn_node_cookie(s, i, o->cookiefile, sizeof(o->cookiefile));
	o->timeout = timeout;
}

void tn_node_debuglog(const struct tn_state *s, int i, char *out, size_t len)
{
	snprintf(out, len, "%s/node%d/testnet/debug.log", s->dir, i);
}

void tn_node_outlog(const struct tn_state *s, int i, char *out, size_t len)
{
	snprintf(out, len, "%s/node%d/flintd.out", s->dir, i);
}

void tn_faucet_wallet(const struct tn_state *s, char *out, size_t len)
{
	snprintf(out, len, "%s/faucet.json", s->dir);
}

void tn_node_p2p_addr(const struct tn_state *s, int i, char *out, size_t len)
{
	snprintf(out, len, "%s:%d", s->node[i].ip, s->node[i].port);
}

size_t tn_state_edges(const struct tn_state *s, struct tn_edge *out, size_t max)
{
	if (s->topology == TN_RANDOM)
		return tn_random_edges(s->n, s->degree, s->seed, out, max);
	return tn_topology_edges(s->topology, s->n, out, max);
}

struct tn_edge *tn_state_edges_new(const struct tn_state *s, size_t *count)
{
	size_t n = tn_state_edges(s, NULL, 0);
	struct tn_edge *e = malloc((n ? n : 1) * sizeof(*e));

	if (!e)
		return NULL;
	*count = tn_state_edges(s, e, n);
	return e;
}

/*
 * The random graph of the last call, kept so that asking about many pairs
 * does not draw the graph each time: edges sorted by (from, to).
 */
static struct {
	int n, degree;
	unsigned long long seed;
	struct tn_edge *e;
	size_t m;
} memo;

static int edge_cmp(const void *a, const void *b)
{
	const struct tn_edge *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return (x->to > y->to) - (x->to < y->to);
}

bool tn_state_linked(const struct tn_state *s, int a, int b)
{
	struct tn_edge key = {.from = a > b ? a : b, .to = a > b ? b : a};

	if (s->topology != TN_RANDOM)
		return tn_topology_linked(s->topology, s->n, a, b);
	if (!memo.e || memo.n != s->n || memo.degree != s->degree || memo.seed != s->seed) {
		free(memo.e);
		memo.e = tn_state_edges_new(s, &memo.m);
		if (!memo.e)
			return false;
		memo.n = s->n;
		memo.degree = s->degree;
		memo.seed = s->seed;
	}
	return a != b && bsearch(&key, memo.e, memo.m, sizeof(key), edge_cmp) != NULL;
}

void tn_link_addr(const struct tn_state *s, int from, int to, char *out, size_t len)
{
	(void)from;
	snprintf(out, len, "%s:%d", s->node[to].ip, s->base_port + TN_RELAY_OFFSET);
}

void tn_relay_log(const struct tn_state *s, char *out, size_t len)
{
	snprintf(out, len, "%s/relay.log", s->dir);
}

bool tn_state_cut(const struct tn_state *s, int from, int to)
{
	if (tn_state_link(s, from, to)->cut)
		return true;
	return s->partitioned && !s->partition_bans &&
	       !tn_partition_together(&s->partition, from, to);
}

bool tn_linkdir_plain(const struct tn_linkdir *d)
{
	return !d->delay_ms && !d->jitter_ms && !d->bandwidth_kbit && d->loss_pct == 0 && !d->cut;
}

bool tn_state_exists(const char *dir)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", dir, TN_STATE_FILE);
	return access(path, F_OK) == 0;
}

/* ---- writing ---- */

static json_t *nodes_json(const struct tn_state *s)
{
	json_t *a = json_array();

	for (int i = 0; a && i < s->n; i++) {
		const struct tn_node *d = &s->node[i];
		json_array_append_new(a, json_pack("{s:i, s:s, s:i, s:i, s:b, s:I, s:i}", "index", i,
						   "ip", d->ip, "port", d->port, "rpcport",
						   d->rpcport, "miner", d->miner, "time_offset",
						   (json_int_t)d->time_offset, "pid", d->pid));
	}
	return a;
}

static json_t *partition_json(const struct tn_state *s)
{
	json_t *groups;

	if (!s->partitioned)
		return json_null();
	groups = json_array();
	for (int g = 0; groups && g < s->partition.n_groups; g++) {
		json_t *one = json_array();
		for (int i = 0; one && i < s->n; i++)
			if (s->partition.group[i] == g)
				json_array_append_new(one, json_integer(i));
		json_array_append_new(groups, one);
	}
	return groups;
}

static json_t *events_json(const struct tn_state *s)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < s->n_events; i++)
		json_array_append_new(a, json_pack("{s:f, s:s, s:s}", "time", s->events[i].time,
						   "event", s->events[i].what, "detail",
						   s->events[i].detail));
	return a;
}

static bool linkdir_same(const struct tn_linkdir *a, const struct tn_linkdir *b)
{
	return a->delay_ms == b->delay_ms && a->jitter_ms == b->jitter_ms &&
	       a->bandwidth_kbit == b->bandwidth_kbit && a->loss_pct == b->loss_pct &&
	       a->cut == b->cut;
}

static json_t *linkdir_json(const struct tn_linkdir *d)
{
	return json_pack("{s:i, s:i, s:I, s:f, s:s}", "delay_ms", d->delay_ms, "jitter_ms",
			 d->jitter_ms, "bandwidth_kbit", (json_int_t)d->bandwidth_kbit, "loss_pct",
			 d->loss_pct, "state", d->cut ? "cut" : "up");
}

/* The directions whose settings differ from link_all, as {"from", "to", settings}. */
static json_t *links_json(const struct tn_state *s)
{
	json_t *a = json_array();

	for (size_t k = 0; a && k < s->n_links; k++) {
		const struct tn_linkover *o = &s->links[k];
		json_t *one;
		if (linkdir_same(&o->d, &s->link_all))
			continue;
		one = linkdir_json(&o->d);
		json_object_set_new(one, "from", json_integer(o->from));
		json_object_set_new(one, "to", json_integer(o->to));
		json_array_append_new(a, one);
	}
	return a;
}

static json_t *state_json(const struct tn_state *s)
{
	json_t *j = json_pack("{s:i, s:s, s:i, s:s, s:i, s:i, s:i, s:{s:s, s:s}, s:o, s:o, s:o}",
			      "version", 1, "chain", "testnet", "nodes_count", s->n, "topology",
			      tn_topology_name(s->topology), "miners", s->miners, "block_time",
			      s->block_time, "base_port", s->base_port, "faucet", "wallet",
			      "faucet.json", "address", s->faucet_address, "nodes", nodes_json(s),
			      "partition", partition_json(s), "events", events_json(s));

	if (!j)
		return NULL;
	json_object_set_new(j, "degree", json_integer(s->degree));
	json_object_set_new(j, "seed", json_integer((json_int_t)(s->seed & 0x7fffffffffffffffULL)));
	json_object_set_new(j, "peer_timeout", json_integer(s->peer_timeout));
	json_object_set_new(j, "partition_bans", json_boolean(s->partition_bans));
	json_object_set_new(j, "relay_pid", json_integer(s->relay_pid));
	if (!tn_linkdir_plain(&s->link_all))
		json_object_set_new(j, "link_all", linkdir_json(&s->link_all));
	json_object_set_new(j, "links", links_json(s));
	return j;
}

/* Writes text to path through a synced temporary file renamed over it. */
static int write_atomic(const char *path, const char *text, char *err, size_t errlen)
{
	char tmp[700];
	size_t len = strlen(text);
	int fd, ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
		return -1;
	}
	ok = write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int tn_state_save(const struct tn_state *s, char *err, size_t errlen)
{
	json_t *j = state_json(s);
	char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	char path[600];
	int rc;

	json_decref(j);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", s->dir, TN_STATE_FILE);
	rc = write_atomic(path, text, err, errlen);
	free(text);
	return rc;
}

/* ---- reading ---- */

/* An integer field within [lo, hi], or -1 with err naming it. */
static int get_int(json_t *o, const char *key, long long lo, long long hi, long long *out,
		   char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		snprintf(err, errlen, "field '%s' is missing or not an integer in %lld..%lld", key, lo,
			 hi);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

static int load_node(struct tn_node *d, json_t *o, char *err, size_t errlen)
{
	const char *ip = json_string_value(json_object_get(o, "ip"));
	long long port, rpcport, off, pid;

	if (!json_is_object(o) || !ip || strlen(ip) >= sizeof(d->ip) ||
	    !json_is_boolean(json_object_get(o, "miner"))) {
		snprintf(err, errlen, "a node entry lacks 'ip' or 'miner'");
		return -1;
	}
	if (get_int(o, "port", 1, 65535, &port, err, errlen) < 0 ||
	    get_int(o, "rpcport", 1, 65535, &rpcport, err, errlen) < 0 ||
	    get_int(o, "time_offset", -86400LL * 365, 86400LL * 365, &off, err, errlen) < 0 ||
	    get_int(o, "pid", 0, 1 << 30, &pid, err, errlen) < 0)
		return -1;
	snprintf(d->ip, sizeof(d->ip), "%s", ip);
	d->port = (int)port;
	d->rpcport = (int)rpcport;
	d->miner = json_is_true(json_object_get(o, "miner"));
	d->time_offset = off;
	d->pid = (int)pid;
	return 0;
}

static int load_partition(struct tn_state *s, json_t *groups, char *err, size_t errlen)
{
	size_t g, k = 0, i, len = (size_t)s->n * 8 + 16;
	char *text;
	json_t *one, *v;
	int rc;

	if (json_is_null(groups) || !groups)
		return 0;
	if (!json_is_array(groups)) {
		snprintf(err, errlen, "field 'partition' is not a list of groups");
		return -1;
	}
	if (!(text = malloc(len))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	text[0] = 0;
	json_array_foreach(groups, g, one) {
		json_array_foreach(one, i, v) {
			if (k + 24 < len)
				k += (size_t)snprintf(text + k, len - k, "%s%lld",
						      i ? "," : (g ? "/" : ""),
						      (long long)json_integer_value(v));
		}
	}
	rc = tn_partition_parse(&s->partition, text, s->n, err, errlen);
	free(text);
	if (rc < 0)
		return -1;
	s->partitioned = true;
	return 0;
}

static void load_events(struct tn_state *s, json_t *events)
{
	size_t i;
	json_t *e;

	json_array_foreach(events, i, e) {
		const char *what = json_string_value(json_object_get(e, "event"));
		const char *detail = json_string_value(json_object_get(e, "detail"));
		json_t *t = json_object_get(e, "time");
		if (!what || !json_is_number(t))
			continue;
		tn_state_event(s, what, detail);
		if (s->n_events)
			s->events[s->n_events - 1].time = json_number_value(t);
	}
}

/* Link settings (link_all or one of "links"), checked against the limits of state.h. */
static int load_settings(struct tn_linkdir *d, json_t *o, char *err, size_t errlen)
{
	const char *st = json_string_value(json_object_get(o, "state"));
	json_t *loss = json_object_get(o, "loss_pct");
	long long delay, jitter, bw;

	if (get_int(o, "delay_ms", 0, TN_MAX_DELAY_MS, &delay, err, errlen) < 0 ||
	    get_int(o, "jitter_ms", 0, TN_MAX_DELAY_MS, &jitter, err, errlen) < 0 ||
	    get_int(o, "bandwidth_kbit", 0, TN_MAX_KBIT, &bw, err, errlen) < 0)
		return -1;
	if (!json_is_number(loss) || json_number_value(loss) < 0 ||
	    json_number_value(loss) > TN_MAX_LOSS_PCT || !st ||
	    (strcmp(st, "up") != 0 && strcmp(st, "cut") != 0)) {
		snprintf(err, errlen, "a link entry has a bad 'loss_pct' or 'state'");
		return -1;
	}
	d->delay_ms = (int)delay;
	d->jitter_ms = (int)jitter;
	d->bandwidth_kbit = (long)bw;
	d->loss_pct = json_number_value(loss);
	d->cut = strcmp(st, "cut") == 0;
	return 0;
}

/* One direction of the "links" list. */
static int load_linkdir(struct tn_state *s, json_t *o, char *err, size_t errlen)
{
	long long from, to;
	struct tn_linkdir d, *at;

	if (get_int(o, "from", 0, s->n - 1, &from, err, errlen) < 0 ||
	    get_int(o, "to", 0, s->n - 1, &to, err, errlen) < 0 ||
	    load_settings(&d, o, err, errlen) < 0)
		return -1;
	if (from == to) {
		snprintf(err, errlen, "a link entry joins node %lld to itself", from);
		return -1;
	}
	if (!(at = tn_state_link_set(s, (int)from, (int)to))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*at = d;
	return 0;
}

/* The fields the link layer added; a state file from before it has none. */
static int load_links(struct tn_state *s, json_t *j, char *err, size_t errlen)
{
	json_t *links = json_object_get(j, "links"), *v;
	long long x;
	size_t i;

	if (json_object_get(j, "degree") && get_int(j, "degree", 0, TN_MAX_NODES, &x, err, errlen) < 0)
		return -1;
	s->degree = json_object_get(j, "degree") ? (int)x : 0;
	if (json_object_get(j, "seed") && get_int(j, "seed", 0, INT64_MAX, &x, err, errlen) < 0)
		return -1;
	s->seed = json_object_get(j, "seed") ? (unsigned long long)x : 0;
	if (json_object_get(j, "peer_timeout") &&
	    get_int(j, "peer_timeout", 0, 3600, &x, err, errlen) < 0)
		return -1;
	s->peer_timeout = json_object_get(j, "peer_timeout") ? (int)x : 0;
	if (json_object_get(j, "relay_pid") && get_int(j, "relay_pid", 0, 1 << 30, &x, err, errlen) < 0)
		return -1;
	s->relay_pid = json_object_get(j, "relay_pid") ? (int)x : 0;
	s->partition_bans = json_is_true(json_object_get(j, "partition_bans"));
	if (json_object_get(j, "link_all") &&
	    load_settings(&s->link_all, json_object_get(j, "link_all"), err, errlen) < 0)
		return -1;
	if (links && !json_is_array(links)) {
		snprintf(err, errlen, "field 'links' is not a list");
		return -1;
	}
	json_array_foreach(links, i, v)
		if (load_linkdir(s, v, err, errlen) < 0)
			return -1;
	return 0;
}

static int load_fields(struct tn_state *s, json_t *j, char *err, size_t errlen)
{
	const char *topo = json_string_value(json_object_get(j, "topology"));
	const char *faucet = json_string_value(json_object_get(json_object_get(j, "faucet"), "address"));
	json_t *nodes = json_object_get(j, "nodes");
	long long n, miners, bt, base;

	if (get_int(j, "nodes_count", 1, TN_MAX_NODES, &n, err, errlen) < 0 ||
	    get_int(j, "miners", 0, n, &miners, err, errlen) < 0 ||
	    get_int(j, "block_time", 1, 3600, &bt, err, errlen) < 0 ||
	    get_int(j, "base_port", 1, 65535, &base, err, errlen) < 0)
		return -1;
	if (!topo || tn_topology_parse(&s->topology, topo) < 0 || !faucet ||
	    strlen(faucet) >= sizeof(s->faucet_address) || json_array_size(nodes) != (size_t)n) {
		snprintf(err, errlen, "'topology', 'faucet' or 'nodes' is missing or wrong");
		return -1;
	}
	if (!(s->node = calloc((size_t)n, sizeof(*s->node)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->n = (int)n;
	s->miners = (int)miners;
	s->block_time = (int)bt;
	s->base_port = (int)base;
	snprintf(s->faucet_address, sizeof(s->faucet_address), "%s", faucet);
	for (int i = 0; i < s->n; i++)
		if (load_node(&s->node[i], json_array_get(nodes, (size_t)i), err, errlen) < 0)
			return -1;
	if (load_partition(s, json_object_get(j, "partition"), err, errlen) < 0 ||
	    load_links(s, j, err, errlen) < 0)
		return -1;
	load_events(s, json_object_get(j, "events"));
	return 0;
}

int tn_state_load(struct tn_state *s, const char *dir, char *err, size_t errlen)
{
	char path[600], why[256];
	json_error_t je;
	json_t *j;
	int rc;

	tn_state_init(s, dir);
	snprintf(path, sizeof(path), "%s/%s", dir, TN_STATE_FILE);
	j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		snprintf(err, errlen, "cannot read '%s': %s", path, je.text);
		return -1;
	}
	rc = json_is_object(j) ? load_fields(s, j, why, sizeof(why)) : -1;
	if (!json_is_object(j))
		snprintf(why, sizeof(why), "not a JSON object");
	json_decref(j);
	if (rc < 0) {
		snprintf(err, errlen, "'%s' is damaged: %s", path, why);
		tn_state_release(s);
		tn_state_init(s, dir);
	}
	return rc;
}
