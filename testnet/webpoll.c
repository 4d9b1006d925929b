/*
 * One poll round: (1) the state file and each running node's tip, chain
 * tips and (every SLOW_EVERY rounds) peers, mempool, mining and bans, all
 * calls in flight at once; (2) the headers not yet cached below every tip;
 * (3) bookkeeping (when blocks reached nodes, reorganisations) and the
 * document. The next round starts POLL_MS after one ends, or later on a
 * large testnet: the pause is at least CPU_SHARE times the CPU time the
 * round took, so the view takes at most about a quarter of a core however
 * many nodes it asks (at 1,000 nodes a round costs tens of milliseconds),
 * and a slow node slows the view, never the loop.
 */
#include "testnet/webpoll.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <event2/event.h>

#include "client/rpcbatch.h"
#include "testnet/proc.h"
#include "testnet/relayctl.h"
#include "testnet/state.h"
#include "util/hex.h"
#include "util/hmap.h"

#define POLL_MS 250
#define CPU_SHARE 3                /* pause >= 3 x the round's CPU time */
#define SLOW_EVERY 4
#define WINDOW 40                 /* heights below the top that the document shows */
#define DEEP 500                  /* how far below that a side branch is followed to its fork */
#define MAX_REORGS 200
#define MAX_JOURNAL 300
#define INFLIGHT 64

struct hdr {
	char hash[65], prev[65], work[65];
	long long height, time;
	bool invalid;
	/*
	 * When it reached the nodes (first had it on their active chain). Up to
	 * WIDE nodes, reach[i] per node in unix seconds (0: not yet); past that,
	 * a bit per node that has it, how many, the first and the last time, so
	 * a header stays a few hundred bytes to a kilobyte at 10,000 nodes.
	 */
	int reached;
	double first, last;
	double *reach;                /* n entries, or NULL past WIDE nodes */
	unsigned char *seen;          /* a bit per node, or NULL up to WIDE nodes */
	unsigned char mem[];
};
#define WIDE 64

struct pnode {
	bool running, answered;
	long long height;
	char tip[65], last_tip[65];
	int peers, mempool, bans;
	bool mining;
	json_t *tips;                 /* getchaintips */
};

struct reorg {
	double time;
	int node;
	long long depth, fork_height;
	char from[65], to[65];
};

struct tn_webpoll {
	struct event_base *base;
	char dir[512];
	struct client_batch *batch;
	struct event *tick;
	struct tn_state st;
	struct pnode node[TN_MAX_NODES];
	struct util_hmap by_hash;     /* 32-byte hash -> struct hdr */
	struct hdr **hdrs;
	size_t nhdrs, caphdrs;
	struct reorg reorgs[MAX_REORGS];
	size_t nreorgs;               /* total seen; the last MAX_REORGS kept */
	unsigned long round;
	double round_cpu;             /* process CPU seconds when the round began */
	int outstanding;              /* calls of the current phase still in flight */
	int phase;
	long long floor;
	struct callctx *calls;        /* in flight, freed with the poller */
	json_t *slo;
	char *text;
	void (*changed)(void *arg);
	void *arg;
};

struct callctx {
	struct tn_webpoll *p;
	struct callctx *prev, *next;  /* the poller's calls in flight */
	int node;
	char what[24];
	char hash[65];                /* getblockheader: the block asked for */
};

static void phase_done(struct tn_webpoll *p);

/* ---- the header cache ---- */

static struct hdr *lookup(const struct tn_webpoll *p, const char *hash)
{
	uint8_t key[32];

	if (util_hex_decode(key, sizeof(key), hash) < 0)
		return NULL;
	return util_hmap_get(&p->by_hash, key);
}

static struct hdr *remember(struct tn_webpoll *p, json_t *h)
{
	const char *hash = json_string_value(json_object_get(h, "hash"));
	const char *prev = json_string_value(json_object_get(h, "previousblockhash"));
	const char *work = json_string_value(json_object_get(h, "chainwork"));
	struct hdr *b;
	uint8_t key[32];

	if (!hash || util_hex_decode(key, sizeof(key), hash) < 0 || strlen(hash) != 64)
		return NULL;
	if ((b = util_hmap_get(&p->by_hash, key)))
		return b;
	if (p->nhdrs == p->caphdrs) {
		size_t cap = p->caphdrs ? 2 * p->caphdrs : 256;
		struct hdr **more = realloc(p->hdrs, cap * sizeof(*more));
		if (!more)
			return NULL;
		p->hdrs = more;
		p->caphdrs = cap;
	}
	b = calloc(1, sizeof(*b) + (p->st.n <= WIDE ? (size_t)p->st.n * sizeof(double) :
				    (size_t)p->st.n / 8 + 1));
	if (b && p->st.n <= WIDE)
		b->reach = (double *)(void *)b->mem;
	else if (b)
		b->seen = b->mem;
	if (!b || util_hmap_put(&p->by_hash, key, b) < 0) {
		free(b);
		return NULL;
	}
	snprintf(b->hash, sizeof(b->hash), "%s", hash);
	snprintf(b->prev, sizeof(b->prev), "%s", prev ? prev : "");
	snprintf(b->work, sizeof(b->work), "%64.64s", work ? work : "0");
	for (char *c = b->work; *c == ' '; c++)
		*c = '0';
	b->height = (long long)json_integer_value(json_object_get(h, "height"));
	b->time = (long long)json_integer_value(json_object_get(h, "time"));
	p->hdrs[p->nhdrs++] = b;
	return b;
}

/* Drops headers far below the window, so a long run keeps a bounded cache. */
static void prune(struct tn_webpoll *p)
{
	size_t k = 0;

	for (size_t i = 0; i < p->nhdrs; i++) {
		struct hdr *b = p->hdrs[i];
		uint8_t key[32];
		if (b->height >= p->floor - 2 * DEEP) {
			p->hdrs[k++] = b;
			continue;
		}
		if (util_hex_decode(key, sizeof(key), b->hash) == 0)
			util_hmap_del(&p->by_hash, key);
		free(b);
	}
	p->nhdrs = k;
}

/* ---- calls ---- */

static void unlink_call(struct callctx *c)
{
	struct tn_webpoll *p = c->p;

	if (c->prev)
		c->prev->next = c->next;
	else
		p->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

static void call(struct tn_webpoll *p, int i, const char *method, json_t *params,
		 const char *hash, client_batch_done done)
{
	struct client_options o;
	struct callctx *c = calloc(1, sizeof(*c));

	if (!c) {
		json_decref(params);
		return;
	}
	tn_node_client_options(&o, &p->st, i, 5);
	c->p = p;
	c->next = p->calls;
	if (p->calls)
		p->calls->prev = c;
	p->calls = c;
	c->node = i;
	snprintf(c->what, sizeof(c->what), "%s", method);
	snprintf(c->hash, sizeof(c->hash), "%s", hash ? hash : "");
	p->outstanding++;
	if (client_batch_call(p->batch, &o, method, params, done, c) < 0) {
		p->outstanding--;
		unlink_call(c);
	}
}

/* The end of one call of the current phase. */
static void call_end(struct callctx *c)
{
	struct tn_webpoll *p = c->p;

	unlink_call(c);
	if (--p->outstanding == 0)
		phase_done(p);
}

static void on_node_reply(void *arg, json_t *r, const struct client_error *e)
{
	struct callctx *c = arg;
	struct pnode *n = &c->p->node[c->node];

	if (r)
		n->answered = true;
	if (r && strcmp(c->what, "getblockchaininfo") == 0) {
		const char *tip = json_string_value(json_object_get(r, "bestblockhash"));
		n->height = (long long)json_integer_value(json_object_get(r, "blocks"));
		snprintf(n->tip, sizeof(n->tip), "%s", tip ? tip : "");
	} else if (r && strcmp(c->what, "getchaintips") == 0) {
		json_decref(n->tips);
		n->tips = json_incref(r);
	} else if (r && strcmp(c->what, "getconnectioncount") == 0) {
		n->peers = (int)json_integer_value(r);
	} else if (r && strcmp(c->what, "getmempoolinfo") == 0) {
		n->mempool = (int)json_integer_value(json_object_get(r, "size"));
	} else if (r && strcmp(c->what, "getmininginfo") == 0) {
		n->mining = json_is_true(json_object_get(r, "generate"));
	} else if (r && strcmp(c->what, "listbanned") == 0) {
		n->bans = (int)json_array_size(r);
	}
	call_end(c);
}

static void fetch(struct tn_webpoll *p, int i, const char *hash);

static void on_header(void *arg, json_t *r, const struct client_error *e)
{
	struct callctx *c = arg;
	struct tn_webpoll *p = c->p;
	struct hdr *b = r ? remember(p, r) : NULL;

	if (b && b->prev[0] && !lookup(p, b->prev) && b->height - 1 >= p->floor - DEEP)
		fetch(p, c->node, b->prev);
	call_end(c);
}

static void fetch(struct tn_webpoll *p, int i, const char *hash)
{
	call(p, i, "getblockheader", json_pack("[s]", hash), hash, on_header);
}

/* ---- a round ---- */

/* CPU time this process has used, in seconds. */
static double cpu_seconds(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void start_round(evutil_socket_t fd, short what, void *arg)
{
	struct tn_webpoll *p = arg;
	static struct tn_state fresh;
	char err[600];
	bool slow = p->round++ % SLOW_EVERY == 0;

	p->round_cpu = cpu_seconds();
	if (tn_state_load(&fresh, p->dir, err, sizeof(err)) == 0) {
		if (fresh.n != p->st.n) {     /* a new testnet: headers are sized by n */
			p->floor = LLONG_MAX / 4;
			prune(p);
			p->floor = 0;
		}
		tn_state_move(&p->st, &fresh);
	}
	p->phase = 1;
	p->outstanding = 1;           /* held until every call below is queued */
	for (int i = 0; i < p->st.n; i++) {
		struct pnode *n = &p->node[i];
		char dd[600];
		tn_node_datadir(&p->st, i, dd, sizeof(dd));
		n->running = p->st.node[i].pid > 0 && tn_pid_alive(p->st.node[i].pid, dd);
		n->answered = false;
		if (!n->running)
			continue;
		call(p, i, "getblockchaininfo", NULL, NULL, on_node_reply);
		call(p, i, "getchaintips", NULL, NULL, on_node_reply);
		if (!slow)
			continue;
		call(p, i, "getconnectioncount", NULL, NULL, on_node_reply);
		call(p, i, "getmempoolinfo", NULL, NULL, on_node_reply);
		call(p, i, "getmininginfo", NULL, NULL, on_node_reply);
		call(p, i, "listbanned", NULL, NULL, on_node_reply);
	}
	if (--p->outstanding == 0)
		phase_done(p);
}

/* Phase 2: every tip any node knows, fetched down to what is cached. */
static void fetch_tips(struct tn_webpoll *p)
{
	long long top = 0;

	for (int i = 0; i < p->st.n; i++)
		if (p->node[i].answered && p->node[i].height > top)
			top = p->node[i].height;
	p->floor = top - WINDOW;
	p->outstanding = 1;
	for (int i = 0; i < p->st.n; i++) {
		struct pnode *n = &p->node[i];
		size_t k;
		json_t *t;
		if (!n->answered)
			continue;
		if (n->tip[0] && !lookup(p, n->tip))
			fetch(p, i, n->tip);
		json_array_foreach(n->tips, k, t) {
			const char *h = json_string_value(json_object_get(t, "hash"));
			long long height = (long long)json_integer_value(json_object_get(t, "height"));
			if (h && height >= p->floor && !lookup(p, h))
				fetch(p, i, h);
		}
	}
	if (--p->outstanding == 0)
		phase_done(p);
}

/* The block at height on the chain below b, through the cache; NULL if not cached. */
static struct hdr *ancestor(const struct tn_webpoll *p, struct hdr *b, long long height)
{
	while (b && b->height > height)
		b = lookup(p, b->prev);
	return b;
}

static void note_reorg(struct tn_webpoll *p, int i, struct hdr *from, struct hdr *to, double now)
{
	struct hdr *a = ancestor(p, from, to->height < from->height ? to->height : from->height);
	struct hdr *b = ancestor(p, to, a ? a->height : 0);
	struct reorg *r;

	while (a && b && strcmp(a->hash, b->hash) != 0) {
		a = lookup(p, a->prev);
		b = lookup(p, b->prev);
	}
	if (!a || !b || a == from)
		return;                   /* not cached far enough down, or no reorganisation */
	r = &p->reorgs[p->nreorgs++ % MAX_REORGS];
	r->time = now;
	r->node = i;
	r->fork_height = a->height;
	r->depth = from->height - a->height;
	snprintf(r->from, sizeof(r->from), "%s", from->hash);
	snprintf(r->to, sizeof(r->to), "%s", to->hash);
}

static void note_reach(struct hdr *b, int i, double now)
{
	if (b->reach ? b->reach[i] != 0 : (b->seen[i / 8] >> (i % 8)) & 1)
		return;
	if (b->reach)
		b->reach[i] = now;
	else
		b->seen[i / 8] |= (unsigned char)(1u << (i % 8));
	if (!b->reached++)
		b->first = now;
	b->last = now;
}

/* Phase 3: who holds what since when, reorganisations, invalid blocks. */
static void bookkeep(struct tn_webpoll *p)
{
	double now = tn_now();

	for (int i = 0; i < p->st.n; i++) {
		struct pnode *n = &p->node[i];
		struct hdr *tip = n->answered ? lookup(p, n->tip) : NULL;
		size_t k;
		json_t *t;
		if (!tip)
			continue;
		for (struct hdr *b = tip; b && b->height >= p->floor - DEEP; b = lookup(p, b->prev))
			note_reach(b, i, now);
		if (n->last_tip[0] && strcmp(n->last_tip, n->tip) != 0) {
			struct hdr *last = lookup(p, n->last_tip);
			if (last)
				note_reorg(p, i, last, tip, now);
		}
		snprintf(n->last_tip, sizeof(n->last_tip), "%s", n->tip);
		json_array_foreach(n->tips, k, t) {
			struct hdr *b = lookup(p, json_string_value(json_object_get(t, "hash")) ?
					       json_string_value(json_object_get(t, "hash")) : "");
			if (b && strcmp(json_string_value(json_object_get(t, "status")) ?
					json_string_value(json_object_get(t, "status")) : "",
					"invalid") == 0)
				b->invalid = true;
		}
	}
	prune(p);
}

/* ---- the document ---- */

static json_t *ms(double t)
{
	return t > 0 ? json_integer((json_int_t)(t * 1000 + 0.5)) : json_null();
}

static struct hdr *best_tip(const struct tn_webpoll *p)
{
	struct hdr *best = NULL;

	for (int i = 0; i < p->st.n; i++) {
		struct hdr *b = p->node[i].answered ? lookup(p, p->node[i].tip) : NULL;
		if (b && (!best || strcmp(b->work, best->work) > 0))
			best = b;
	}
	return best;
}

static json_t *blocks_json(const struct tn_webpoll *p)
{
	struct hdr *best = best_tip(p);
	json_t *out = json_array();
	struct util_hmap trunk;

	util_hmap_init(&trunk, 32);
	for (struct hdr *b = best; b && b->height >= p->floor - DEEP; b = lookup(p, b->prev)) {
		uint8_t key[32];
		if (util_hex_decode(key, 32, b->hash) == 0 && util_hmap_put(&trunk, key, b) < 0)
			break;
	}
	for (size_t i = 0; i < p->nhdrs; i++) {
		struct hdr *b = p->hdrs[i];
		uint8_t key[32];
		bool on_trunk;
		if (util_hex_decode(key, 32, b->hash) < 0)
			continue;
		on_trunk = util_hmap_get(&trunk, key) != NULL;
		if (b->height < p->floor && on_trunk)
			continue;         /* the trunk below the window: not drawn */
		json_t *reach = json_array(), *tips = json_array();
		for (int n = 0; n < p->st.n; n++) {
			if (b->reach)
				json_array_append_new(reach, ms(b->reach[n]));
			if (p->node[n].answered && strcmp(p->node[n].tip, b->hash) == 0)
				json_array_append_new(tips, json_integer(n));
		}
		if (!b->reach && b->reached) {  /* many nodes: the first and the last time only */
			json_array_append_new(reach, ms(b->first));
			json_array_append_new(reach, ms(b->last));
		}
		json_array_append_new(out, json_pack("{s:s, s:s, s:I, s:I, s:b, s:b, s:o, s:o}",
			"hash", b->hash, "prev", b->prev, "height", (json_int_t)b->height,
			"time", (json_int_t)b->time, "trunk", on_trunk, "invalid", b->invalid,
			"reach", reach, "tips", tips));
		json_object_set_new(json_array_get(out, json_array_size(out) - 1), "reached",
				    json_integer(b->reached));
	}
	util_hmap_release(&trunk);
	return out;
}

static json_t *linkdir_json(const struct tn_state *s, int from, int to)
{
	const struct tn_linkdir *d = tn_state_link(s, from, to);

	return json_pack("{s:i, s:i, s:I, s:f, s:b, s:b}", "delay_ms", d->delay_ms, "jitter_ms",
			 d->jitter_ms, "bandwidth_kbit", (json_int_t)d->bandwidth_kbit, "loss_pct",
			 d->loss_pct, "cut", d->cut, "blocked", tn_state_cut(s, from, to));
}

/*
 * Bitcoin's shape draws no edges: its links are the pairs with a live
 * connection through the relay, asked of the relay (only when it runs).
 */
static struct tn_edge *live_pairs(const struct tn_state *s, size_t *n)
{
	char err[256];
	json_t *r = s->relay_pid > 0 && kill(s->relay_pid, 0) == 0 ?
		    tn_relay_request(s, json_pack("{s:s}", "cmd", "show"), err, sizeof(err)) : NULL;
	json_t *links = json_object_get(r, "links"), *l;
	struct tn_edge *e = malloc((json_array_size(links) + 1) * sizeof(*e));
	size_t k;

	*n = 0;
	json_array_foreach(links, k, l) {
		json_int_t a = json_integer_value(json_object_get(l, "a"));
		json_int_t b = json_integer_value(json_object_get(l, "b"));
		if (e && json_integer_value(json_object_get(l, "connections")) > 0 && a >= 0 &&
		    a < s->n && b >= 0 && b < s->n)
			e[(*n)++] = (struct tn_edge){(int)a, (int)b};
	}
	json_decref(r);
	return e;
}

static json_t *links_json(const struct tn_state *s)
{
	size_t n = 0;
	struct tn_edge *e = s->topology == TN_BITCOIN ? live_pairs(s, &n) : tn_state_edges_new(s, &n);
	json_t *out = json_array();

	if (!e)
		return out;
	for (size_t k = 0; k < n; k++)
		json_array_append_new(out, json_pack("{s:i, s:i, s:o, s:o}", "a", e[k].from, "b",
			e[k].to, "ab", linkdir_json(s, e[k].from, e[k].to), "ba",
			linkdir_json(s, e[k].to, e[k].from)));
	free(e);
	return out;
}

static json_t *nodes_json(const struct tn_webpoll *p)
{
	json_t *out = json_array();

	for (int i = 0; i < p->st.n; i++) {
		const struct pnode *n = &p->node[i];
		const struct tn_node *sn = &p->st.node[i];
		json_array_append_new(out, json_pack("{s:i, s:s, s:b, s:b, s:I, s:s, s:i, s:i, s:b, "
			"s:b, s:i, s:I}", "index", i, "ip", sn->ip, "running", n->running,
			"answering", n->answered, "height", (json_int_t)n->height, "tip", n->tip,
			"peers", n->peers, "mempool", n->mempool, "miner", sn->miner, "mining",
			n->mining, "bans", n->bans, "time_offset", (json_int_t)sn->time_offset));
	}
	return out;
}

static json_t *journal_json(const struct tn_state *s)
{
	json_t *out = json_array();
	size_t from = s->n_events > MAX_JOURNAL ? s->n_events - MAX_JOURNAL : 0;

	for (size_t i = from; i < s->n_events; i++)
		json_array_append_new(out, json_pack("{s:o, s:s, s:s}", "time", ms(s->events[i].time),
			"what", s->events[i].what, "detail", s->events[i].detail));
	return out;
}

static json_t *reorgs_json(const struct tn_webpoll *p)
{
	json_t *out = json_array();
	size_t from = p->nreorgs > MAX_REORGS ? p->nreorgs - MAX_REORGS : 0;

	for (size_t i = from; i < p->nreorgs; i++) {
		const struct reorg *r = &p->reorgs[i % MAX_REORGS];
		json_array_append_new(out, json_pack("{s:o, s:i, s:I, s:I, s:s, s:s}", "time",
			ms(r->time), "node", r->node, "depth", (json_int_t)r->depth, "fork_height",
			(json_int_t)r->fork_height, "from", r->from, "to", r->to));
	}
	return out;
}

static void publish(struct tn_webpoll *p)
{
	char part[256] = "";
	json_t *doc;
	char *text;

	if (p->st.partitioned)
		tn_partition_format(&p->st.partition, part, sizeof(part));
	doc = json_pack("{s:{s:i, s:s, s:i, s:i, s:o, s:b, s:b}, s:o, s:o, s:o, s:o, s:o, s:O}",
		"testnet", "n", p->st.n, "topology", tn_topology_name(p->st.topology),
		"block_time", p->st.block_time, "miners", p->st.miners, "partition",
		part[0] ? json_string(part) : json_null(), "partition_bans", p->st.partition_bans,
		"relay", p->st.relay_pid > 0 && tn_pid_alive(p->st.relay_pid, p->dir),
		"nodes", nodes_json(p), "links", links_json(&p->st), "blocks", blocks_json(p),
		"reorgs", reorgs_json(p), "journal", journal_json(&p->st),
		"slo", p->slo ? p->slo : json_null());
	text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(doc);
	if (!text)
		return;
	if (p->text && strcmp(p->text, text) == 0) {
		free(text);
		return;
	}
	free(p->text);
	p->text = text;
	p->changed(p->arg);
}

static void phase_done(struct tn_webpoll *p)
{
	struct timeval tv;
	double pause = POLL_MS / 1e3;

	if (p->phase == 1) {
		p->phase = 2;
		fetch_tips(p);
		return;
	}
	bookkeep(p);
	publish(p);
	p->phase = 0;
	if (CPU_SHARE * (cpu_seconds() - p->round_cpu) > pause)
		pause = CPU_SHARE * (cpu_seconds() - p->round_cpu);
	tv.tv_sec = (time_t)pause;
	tv.tv_usec = (suseconds_t)((pause - (double)tv.tv_sec) * 1e6);
	evtimer_add(p->tick, &tv);
}

/* ---- life ---- */

struct tn_webpoll *tn_webpoll_new(struct event_base *base, const char *dir,
				  void (*changed)(void *arg), void *arg)
{
	struct tn_webpoll *p = calloc(1, sizeof(*p));
	char err[600];

	if (!p)
		return NULL;
	p->base = base;
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	p->changed = changed;
	p->arg = arg;
	util_hmap_init(&p->by_hash, 32);
	tn_state_init(&p->st, dir);
	p->text = strdup("{}");
	p->batch = client_batch_new(base, INFLIGHT);
	p->tick = evtimer_new(base, start_round, p);
	if (!p->text || !p->batch || !p->tick || tn_state_load(&p->st, dir, err, sizeof(err)) < 0) {
		tn_webpoll_free(p);
		return NULL;
	}
	event_active(p->tick, 0, 0);
	return p;
}

void tn_webpoll_free(struct tn_webpoll *p)
{
	if (!p)
		return;
	if (p->tick)
		event_free(p->tick);
	client_batch_free(p->batch);
	while (p->calls)
		unlink_call(p->calls);
	for (size_t i = 0; i < p->nhdrs; i++)
		free(p->hdrs[i]);
	free(p->hdrs);
	util_hmap_release(&p->by_hash);
	for (int i = 0; i < TN_MAX_NODES; i++)
		json_decref(p->node[i].tips);
	json_decref(p->slo);
	tn_state_release(&p->st);
	free(p->text);
	free(p);
}

const char *tn_webpoll_text(const struct tn_webpoll *p)
{
	return p->text;
}

void tn_webpoll_set_slo(struct tn_webpoll *p, json_t *slo)
{
	json_decref(p->slo);
	p->slo = slo;
}
