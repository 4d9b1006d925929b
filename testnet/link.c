/*
 * `link`: the settings of the relay's links (delay, jitter, bandwidth, loss,
 * cut) kept in the state file, shown with the relay's live counters, and
 * the parsing of edges and values that `up` shares. Every change is saved,
 * journaled and then read by the running relay (relayctl.h).
 */
#include "testnet/link.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testnet/relayctl.h"

/* Digits, then one of the suffixes (or none); the number scaled by the suffix's factor. */
static int parse_scaled(const char *s, const char *const *sfx, const long long *mul,
			long long *out)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtoll(s, &end, 10);
	if (v > 1000000000000LL)
		return -1;
	for (int i = 0; sfx[i]; i++) {
		if (strcmp(end, sfx[i]) == 0) {
			*out = v * mul[i];
			return 0;
		}
	}
	return -1;
}

int tn_parse_ms(const char *what, const char *s, int *out, char *err, size_t errlen)
{
	static const char *const sfx[] = {"", "ms", "s", NULL};
	static const long long mul[] = {1, 1, 1000};
	long long v;

	if (parse_scaled(s, sfx, mul, &v) < 0 || v > TN_MAX_DELAY_MS) {
		snprintf(err, errlen, "%s: expected milliseconds in 0..%d (e.g. 200 or 200ms), got '%s'",
			 what, TN_MAX_DELAY_MS, s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int tn_parse_kbit(const char *s, long *out, char *err, size_t errlen)
{
	static const char *const sfx[] = {"", "kbit", "mbit", "gbit", NULL};
	static const long long mul[] = {1, 1, 1000, 1000000};
	long long v;

	if (strcmp(s, "unlimited") == 0) {
		*out = 0;
		return 0;
	}
	if (parse_scaled(s, sfx, mul, &v) < 0 || (v != 0 && (v < TN_MIN_KBIT || v > TN_MAX_KBIT))) {
		snprintf(err, errlen, "bandwidth: expected kbit/s in %d..%ld, 0 or 'unlimited' (e.g. "
			 "1000, 1000kbit, 10mbit), got '%s'", TN_MIN_KBIT, TN_MAX_KBIT, s);
		return -1;
	}
	*out = (long)v;
	return 0;
}

int tn_parse_loss(const char *s, double *out, char *err, size_t errlen)
{
	char *end;
	double v;

	v = isdigit((unsigned char)*s) ? strtod(s, &end) : -1;
	if (v < 0 || !isfinite(v) || (*end && strcmp(end, "%") != 0) || v > TN_MAX_LOSS_PCT) {
		snprintf(err, errlen, "loss: expected a percentage in 0..%.0f (e.g. 2 or 2.5%%), got '%s'",
			 TN_MAX_LOSS_PCT, s);
		return -1;
	}
	*out = v;
	return 0;
}

int tn_parse_settings(int argc, char **argv, struct tn_link_change *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	if (argc == 0 || argc % 2) {
		snprintf(err, errlen, "expected pairs: [delay MS] [jitter MS] [bandwidth KBIT] [loss PCT]");
		return -1;
	}
	for (int i = 0; i < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		int rc;
		if (strcmp(k, "delay") == 0)
			rc = tn_parse_ms("delay", v, &c->d.delay_ms, err, errlen), c->delay = true;
		else if (strcmp(k, "jitter") == 0)
			rc = tn_parse_ms("jitter", v, &c->d.jitter_ms, err, errlen), c->jitter = true;
		else if (strcmp(k, "bandwidth") == 0)
			rc = tn_parse_kbit(v, &c->d.bandwidth_kbit, err, errlen), c->bandwidth = true;
		else if (strcmp(k, "loss") == 0)
			rc = tn_parse_loss(v, &c->d.loss_pct, err, errlen), c->loss = true;
		else {
			snprintf(err, errlen, "unknown link setting '%s' (delay, jitter, bandwidth, loss)",
				 k);
			return -1;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

void tn_link_change_apply(const struct tn_link_change *c, struct tn_linkdir *d)
{
	if (c->delay)
		d->delay_ms = c->d.delay_ms;
	if (c->jitter)
		d->jitter_ms = c->d.jitter_ms;
	if (c->bandwidth)
		d->bandwidth_kbit = c->d.bandwidth_kbit;
	if (c->loss)
		d->loss_pct = c->d.loss_pct;
}

static int parse_index(const char *s, size_t len, int n, int *out)
{
	char buf[16];
	char *end;
	long v;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	v = strtol(buf, &end, 10);
	if (!isdigit((unsigned char)buf[0]) || *end || v < 0 || v >= n)
		return -1;
	*out = (int)v;
	return 0;
}

int tn_parse_edge(const struct tn_state *s, const char *text, struct tn_edge_sel *e, char *err,
		  size_t errlen)
{
	const char *sep = strpbrk(text, "->");

	memset(e, 0, sizeof(*e));
	if (strcmp(text, "all") == 0) {
		e->all = true;
		return 0;
	}
	if (!sep || parse_index(text, (size_t)(sep - text), s->n, &e->a) < 0 ||
	    parse_index(sep + 1, strlen(sep + 1), s->n, &e->b) < 0 || e->a == e->b) {
		snprintf(err, errlen, "'%s' is not a link: expected A-B (both ways), A>B (one way) or "
			 "'all', with nodes 0..%d", text, s->n - 1);
		return -1;
	}
	e->one_way = *sep == '>';
	if (!tn_state_linked(s, e->a, e->b)) {
		snprintf(err, errlen, "nodes %d and %d are not linked in this %s topology (see: "
			 "flint-testnet link show)", e->a, e->b, tn_topology_name(s->topology));
		return -1;
	}
	return 0;
}

bool tn_edge_sel_has(const struct tn_state *s, const struct tn_edge_sel *e, int from, int to)
{
	if (e->all)
		return tn_state_linked(s, from, to);
	return (from == e->a && to == e->b) || (!e->one_way && from == e->b && to == e->a);
}

/* ---- showing ---- */

static void fmt_dir(const struct tn_linkdir *d, char *out, size_t len)
{
	char bw[32];

	if (d->bandwidth_kbit == 0)
		snprintf(bw, sizeof(bw), "unlimited");
	else if (d->bandwidth_kbit % 1000 == 0)
		snprintf(bw, sizeof(bw), "%ldMbit", d->bandwidth_kbit / 1000);
	else
		snprintf(bw, sizeof(bw), "%ldkbit", d->bandwidth_kbit);
	snprintf(out, len, "%6dms %6dms %11s %6.1f%%", d->delay_ms, d->jitter_ms, bw, d->loss_pct);
}

json_t *tn_links_json(struct tn_app *a, bool *relay_up)
{
	size_t n = 0;
	struct tn_edge *e;
	char err[800];
	json_t *r = tn_relay_running(a) ?
		    tn_relay_request(&a->st, json_pack("{s:s}", "cmd", "show"), err, sizeof(err)) : NULL;
	json_t *links;

	*relay_up = r != NULL;
	if (r) {
		links = json_incref(json_object_get(r, "links"));
		json_decref(r);
		return links;
	}
	/* No relay: the saved settings, without counters. */
	if (!(e = tn_state_edges_new(&a->st, &n)))
		return NULL;
	links = json_array();
	for (size_t k = 0; links && k < n; k++) {
		int lo = e[k].to, hi = e[k].from;
		json_t *dirs = json_array();
		for (int w = 0; w < 2; w++) {
			int f = w ? hi : lo, t = w ? lo : hi;
			const struct tn_linkdir *d = tn_state_link(&a->st, f, t);
			json_array_append_new(dirs, json_pack("{s:i, s:i, s:i, s:i, s:I, s:f, s:s, s:n, s:n}",
							      "from", f, "to", t, "delay_ms",
							      d->delay_ms, "jitter_ms", d->jitter_ms,
							      "bandwidth_kbit",
							      (json_int_t)d->bandwidth_kbit, "loss_pct",
							      d->loss_pct, "state",
							      tn_state_cut(&a->st, f, t) ? "cut" : "up",
							      "bytes", "queued"));
		}
		json_array_append_new(links, json_pack("{s:i, s:i, s:n, s:o}", "a", lo, "b", hi,
						       "connections", "directions", dirs));
	}
	free(e);
	return links;
}

/* One direction of a link as JSON, back into settings. */
static void dir_from_json(json_t *o, struct tn_linkdir *d)
{
	d->delay_ms = (int)json_integer_value(json_object_get(o, "delay_ms"));
	d->jitter_ms = (int)json_integer_value(json_object_get(o, "jitter_ms"));
	d->bandwidth_kbit = (long)json_integer_value(json_object_get(o, "bandwidth_kbit"));
	d->loss_pct = json_number_value(json_object_get(o, "loss_pct"));
	d->cut = strcmp(json_string_value(json_object_get(o, "state")) ?: "", "cut") == 0;
}

/* Prints the links; only_changed: the shaped or cut directions, the first `most` of them (-1: all). */
static void print_links(json_t *links, bool relay_up, bool only_changed, int most)
{
	size_t i, k;
	json_t *l, *d;
	int shown = 0, cut = 0, more = 0;

	json_array_foreach(links, i, l) {
		json_array_foreach(json_object_get(l, "directions"), k, d) {
			struct tn_linkdir ld;
			char text[128];
			dir_from_json(d, &ld);
			if (only_changed && tn_linkdir_plain(&ld))
				continue;
			cut += ld.cut;
			if (most >= 0 && shown >= most) {
				more++;
				continue;
			}
			if (!shown++)
				printf("%-6s %8s %8s %11s %7s  %-5s %12s %8s %5s\n", "link", "delay",
				       "jitter", "bandwidth", "loss", "state", "bytes", "queued",
				       "conns");
			fmt_dir(&ld, text, sizeof(text));
			printf("%2lld>%-3lld %s  %-5s", (long long)json_integer_value(json_object_get(d, "from")),
			       (long long)json_integer_value(json_object_get(d, "to")), text,
			       ld.cut ? "cut" : "up");
			if (relay_up)
				printf(" %12lld %8lld %5lld\n",
				       (long long)json_integer_value(json_object_get(d, "bytes")),
				       (long long)json_integer_value(json_object_get(d, "queued")),
				       (long long)json_integer_value(json_object_get(l, "connections")));
			else
				printf(" %12s %8s %5s\n", "-", "-", "-");
		}
	}
	if (more)
		printf("... and %d more shaped or cut directions; %d directions cut in all (status "
		       "--all or link show lists them)\n", more, cut);
}

void tn_links_print_status(struct tn_app *a, bool all)
{
	bool up;
	json_t *links = tn_links_json(a, &up);

	if (!tn_relay_running(a))
		printf("relay: NOT running (flint-testnet%s up brings it back; nodes reconnect)\n",
		       a->hint_dir);
	else if (!up)
		printf("relay: running (pid %d) but its control channel does not answer\n",
		       a->st.relay_pid);
	print_links(links, up, true, all ? -1 : 10);
	json_decref(links);
}

static int cmd_show(struct tn_app *a, bool as_json)
{
	bool up;
	json_t *links = tn_links_json(a, &up), *out;
	char *text;

	if (!links)
		return tn_fail("out of memory");
	if (!as_json) {
		if (!up)
			printf("relay: NOT running; these are the saved settings (flint-testnet up "
			       "starts it)\n");
		print_links(links, up, false, -1);
		json_decref(links);
		return 0;
	}
	out = json_pack("{s:{s:b, s:i}, s:o}", "relay", "running", up, "pid",
			up ? a->st.relay_pid : 0, "links", links);
	text = out ? json_dumps(out, JSON_PRESERVE_ORDER) : NULL;
	json_decref(out);
	if (!text)
		return tn_fail("out of memory");
	printf("%s\n", text);
	free(text);
	return 0;
}

/* ---- changing ---- */

bool tn_any_cut(const struct tn_state *s)
{
	if (s->link_all.cut)
		return true;
	for (size_t k = 0; k < s->n_links; k++)
		if (s->links[k].d.cut)
			return true;
	return false;
}

/*
 * Calls f on the settings of every direction e names: for `all`, the
 * default and every direction with settings of its own; else the one or
 * two directions, given settings of their own. 0, or -1 out of memory.
 */
static int each_dir(struct tn_state *s, const struct tn_edge_sel *e,
		    void (*f)(struct tn_linkdir *, const void *), const void *arg)
{
	struct tn_linkdir *d;

	if (e->all) {
		f(&s->link_all, arg);
		for (size_t k = 0; k < s->n_links; k++)
			f(&s->links[k].d, arg);
		return 0;
	}
	if (!(d = tn_state_link_set(s, e->a, e->b)))
		return -1;
	f(d, arg);
	if (e->one_way)
		return 0;
	if (!(d = tn_state_link_set(s, e->b, e->a)))
		return -1;
	f(d, arg);
	return 0;
}

static void set_cut(struct tn_linkdir *d, const void *arg)
{
	d->cut = *(const bool *)arg;
}

static void set_change(struct tn_linkdir *d, const void *arg)
{
	tn_link_change_apply(arg, d);
}

/* Saves, journals (what, detail) and tells the relay. */
int tn_links_commit(struct tn_app *a, const char *what, const char *detail)
{
	char err[800];

	tn_state_event(&a->st, what, detail);
	if (tn_app_save(a) < 0)
		return 1;
	if (tn_relay_reload(a, err, sizeof(err)) < 0) {
		fprintf(stderr, "flint-testnet: warning: %s\n", err);
		return 0;
	}
	return 0;
}

static int cmd_state(struct tn_app *a, const struct tn_edge_sel *e, const char *edge,
		     const char *verb)
{
	bool cut = strcmp(verb, "cut") == 0, was = tn_any_cut(&a->st);
	char detail[64], err[800];
	json_t *r;

	if (strcmp(verb, "reset") == 0) {
		r = tn_relay_request(&a->st, e->all ? json_pack("{s:s}", "cmd", "reset") :
					     json_pack("{s:s, s:i, s:i}", "cmd", "reset", "a", e->a,
						       "b", e->b), err, sizeof(err));
		if (!r)
			return tn_fail("%s", err);
		printf("link %s reset: %lld connection%s closed; the nodes dial again by themselves\n",
		       edge, (long long)json_integer_value(json_object_get(r, "closed")),
		       json_integer_value(json_object_get(r, "closed")) == 1 ? "" : "s");
		json_decref(r);
		snprintf(detail, sizeof(detail), "%s reset", edge);
		tn_state_event(&a->st, "link", detail);
		return tn_app_save(a) < 0 ? 1 : 0;
	}
	if (each_dir(&a->st, e, set_cut, &cut) < 0)
		return tn_fail("out of memory");
	snprintf(detail, sizeof(detail), "%s %s", edge, verb);
	/* A cut is a fault for `slo`; the fault ends when no link is cut any more. */
	if (tn_links_commit(a, cut && !was ? "cut" : !cut && was && !tn_any_cut(&a->st) ? "uncut" :
			    "link", detail) != 0)
		return 1;
	printf("link %s %s%s\n", edge, cut ? "cut" : "up",
	       cut ? " (silently: no FIN, no RST; the nodes find out by their own timeouts)" : "");
	return 0;
}

static int cmd_set(struct tn_app *a, const struct tn_edge_sel *e, const char *edge, int argc,
		   char **argv)
{
	struct tn_link_change c;
	char err[400], detail[64];
	size_t k;

	if (tn_parse_settings(argc, argv, &c, err, sizeof(err)) < 0)
		return tn_fail("%s", err);
	if (each_dir(&a->st, e, set_change, &c) < 0)
		return tn_fail("out of memory");
	k = (size_t)snprintf(detail, sizeof(detail), "%s", edge);
	for (int i = 0; i < argc && k < sizeof(detail); i++)
		k += (size_t)snprintf(detail + k, sizeof(detail) - k, " %s", argv[i]);
	if (tn_links_commit(a, "link", detail) != 0)
		return 1;
	printf("link %s:", edge);
	for (int i = 0; i < argc; i += 2)
		printf(" %s %s", argv[i], argv[i + 1]);
	printf("\n");
	return 0;
}

static const char link_usage[] =
	"usage: flint-testnet link show [--json] | link clear |\n"
	"       link EDGE cut|up|reset | link EDGE [delay MS] [jitter MS] [bandwidth KBIT] [loss PCT]\n"
	"       (EDGE: A-B both ways, A>B one way, or all)";

int tn_cmd_link(struct tn_app *a, int argc, char **argv)
{
	struct tn_edge_sel e;
	char err[400];
	bool was;

	if (argc == 0)
		return tn_fail("%s", link_usage);
	if (strcmp(argv[0], "show") == 0) {
		if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json") != 0))
			return tn_fail("usage: flint-testnet link show [--json]");
		return cmd_show(a, argc == 2);
	}
	if (strcmp(argv[0], "clear") == 0) {
		if (argc != 1)
			return tn_fail("usage: flint-testnet link clear");
		was = tn_any_cut(&a->st);
		memset(&a->st.link_all, 0, sizeof(a->st.link_all));
		a->st.n_links = 0;
		if (tn_links_commit(a, was ? "uncut" : "link", "clear") != 0)
			return 1;
		printf("every link is a bare wire again (a partition, if any, stays: heal lifts it)\n");
		return 0;
	}
	if (tn_parse_edge(&a->st, argv[0], &e, err, sizeof(err)) < 0)
		return tn_fail("%s", err);
	if (argc == 2 && (strcmp(argv[1], "cut") == 0 || strcmp(argv[1], "up") == 0 ||
			  strcmp(argv[1], "reset") == 0))
		return cmd_state(a, &e, argv[0], argv[1]);
	if (argc == 1)
		return tn_fail("%s", link_usage);
	return cmd_set(a, &e, argv[0], argc - 1, argv + 1);
}
