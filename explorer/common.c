/* The explorer's RPC call and the formatting its commands share. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "explorer/explorer.h"

/* ---- RPC ---- */

void ex_die(const char *fmt, const char *arg)
{
	fprintf(stderr, "flint-explorer: error: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

/* Calls method with params (JSON text, may be NULL); exits with the error on failure. */
json_t *ex_rpc(struct ex *x, const char *method, const char *params)
{
	struct client_error e;
	json_t *p = params ? json_loads(params, 0, NULL) : NULL;
	json_t *r = client_call(x->c, method, p, &e);

	if (!r)
		ex_die("%s", e.message);
	return r;
}

json_t *ex_rpc1(struct ex *x, const char *method, const char *fmt, const char *arg)
{
	char params[512];

	snprintf(params, sizeof(params), fmt, arg);
	return ex_rpc(x, method, params);
}

/* ---- formatting ---- */

const char *ex_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

long long ex_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : (long long)json_number_value(v);
}

void ex_utc(char out[32], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, 32, "%lld", t);
}

void ex_print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY | JSON_REAL_PRECISION(16));

	puts(s ? s : "null");
	free(s);
}

/* A JSON amount (coins) as "12.34560000". */
void ex_coins(char out[32], json_t *v)
{
	snprintf(out, 32, "%.8f", json_number_value(v));
}

