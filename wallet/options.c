/* flint-wallet's option table: parsing and usage; see options.h. */
#include "wallet/options.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "wallet/wallet.h"

/* The usage's first column ("  --name ARG"), after which the help starts. */
#define USAGE_COLUMN 24

static const struct wal_option *lookup(const struct wal_option *opts, const char *name,
				       size_t len)
{
	for (const struct wal_option *o = opts; o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

static int amount_value(const struct wal_option *o, void *field, const struct cons_params *p,
			const char *v, char *err, size_t errlen)
{
	int64_t x, max = o->max ? o->max : p->max_money;
	char lo[32], hi[32];

	if (wal_parse_amount(p, v, &x) < 0) {
		snprintf(err, errlen, "'%s' is not a valid %s", v, o->what);
		return -1;
	}
	if (x < o->min || x > max) {
		wal_format_amount(lo, o->min);
		wal_format_amount(hi, max);
		snprintf(err, errlen, "'%s' is out of range for --%s (%s to %s)", v, o->name, lo, hi);
		return -1;
	}
	memcpy(field, &x, sizeof(x));
	return 0;
}

/* Sets o's field from v (NULL for a flag). 0, or -1 with err. */
static int set(const struct wal_option *o, void *base, const struct cons_params *p,
	       const char *v, char *err, size_t errlen)
{
	char *field = (char *)base + o->offset;

	switch (o->kind) {
	case WAL_OPT_FLAG:
		*(bool *)field = true;
		return 0;
	case WAL_OPT_STRING:
		if (strlen(v) >= o->size) {
			snprintf(err, errlen, "the value of --%s is too long (at most %zu bytes)",
				 o->name, o->size - 1);
			return -1;
		}
		memcpy(field, v, strlen(v) + 1);
		return 0;
	case WAL_OPT_AMOUNT:
		return amount_value(o, field, p, v, err, errlen);
	}
	return -1;
}

static int defaults(const struct wal_option *opts, void *base, const struct cons_params *p,
		    char *err, size_t errlen)
{
	for (const struct wal_option *o = opts; o->name; o++) {
		char *field = (char *)base + o->offset;
		if (o->kind == WAL_OPT_FLAG)
			*(bool *)field = false;
		else if (o->kind == WAL_OPT_STRING)
			field[0] = 0;
		else
			memset(field, 0, sizeof(int64_t));
		if (o->def && o->kind != WAL_OPT_FLAG && set(o, base, p, o->def, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* Parses the option at argv[*i] (which starts with "--"), taking its value if it has one. */
static int option(const struct wal_option *opts, void *base, const struct cons_params *p,
		  int argc, char **argv, int *i, char *err, size_t errlen)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	const struct wal_option *o = lookup(opts, name, eq ? (size_t)(eq - name) : strlen(name));
	const char *v = eq ? eq + 1 : NULL;

	if (!o) {
		snprintf(err, errlen, "unknown option '%s' (see --help)", argv[*i]);
		return -1;
	}
	if (o->kind == WAL_OPT_FLAG && v) {
		snprintf(err, errlen, "option --%s takes no value", o->name);
		return -1;
	}
	if (o->kind != WAL_OPT_FLAG && !v && *i + 1 < argc)
		v = argv[++*i];
	if (o->kind != WAL_OPT_FLAG && (!v || !v[0])) {
		snprintf(err, errlen, "option --%s needs a value (--%s %s)", o->name, o->name, o->arg);
		return -1;
	}
	return set(o, base, p, v, err, errlen);
}

int wal_opts_parse(const struct wal_option *opts, void *base, const struct cons_params *p,
		   int argc, char **argv, char **args, size_t max_args, size_t *n_args, char *err,
		   size_t errlen)
{
	*n_args = 0;
	if (defaults(opts, base, p, err, errlen) < 0)
		return -1;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) == 0) {
			if (option(opts, base, p, argc, argv, &i, err, errlen) < 0)
				return -1;
		} else if (*n_args < max_args) {
			args[(*n_args)++] = argv[i];
		} else {
			snprintf(err, errlen, "unexpected argument '%s'", argv[i]);
			return -1;
		}
	}
	return 0;
}

void wal_opts_usage(FILE *f, const struct wal_option *opts)
{
	fprintf(f, "Options:\n");
	for (const struct wal_option *o = opts; o->name; o++) {
		char left[80];
		const char *h = o->help;
		int n = snprintf(left, sizeof(left), "  --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		if (n >= USAGE_COLUMN - 1)
			fprintf(f, "%s\n%*s", left, USAGE_COLUMN, "");
		else
			fprintf(f, "%-*s", USAGE_COLUMN, left);
		for (size_t len; *h; h += len + (h[len] == '\n')) {
			len = strcspn(h, "\n");
			fprintf(f, "%*s%.*s\n", h == o->help ? 0 : USAGE_COLUMN, "", (int)len, h);
		}
	}
}
