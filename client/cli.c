/*
 * flint-cli: calls one RPC method of a node, with bitcoin-cli's conventions.
 *
 *   flint-cli [options] METHOD [ARG...]
 *   flint-cli [options] -named METHOD [NAME=VALUE...]
 *
 * Options come before METHOD (so a negative number is an argument, as in
 * bitcoin-cli), written -name=value or --name=value; the connection options
 * the other clients take (--chain, --rpc HOST:PORT, ...) work too. An
 * argument is sent as JSON where the method's parameter is not a string
 * (the table below, bitcoin-cli's vRPCConvertParams for Flint's methods),
 * as a string otherwise. The result is printed as the node wrote it:
 * a string bare, null as nothing, anything else indented two spaces.
 * Errors go to stderr as "error code: N" / "error message:" lines and the
 * exit status is the code's absolute value (1 when the node is unreachable).
 * Uses client/ and nothing above it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/jsontext.h"
#include "client/rpcclient.h"

#define FLINT_CLI_MAX_ARGS 256

/* A parameter sent as JSON, by position and by name. */
struct convert {
	const char *method;
	int index;
	const char *name;
};

static const struct convert converts[] = {
	{"getblockhash", 0, "height"},
	{"getblock", 1, "verbosity"},
	{"getblock", 1, "verbose"},
	{"getblockheader", 1, "verbose"},
	{"generatetoaddress", 0, "nblocks"},
	{"generatetoaddress", 2, "maxtries"},
	{"disconnectnode", 1, "nodeid"},
	{"setban", 2, "bantime"},
	{"setban", 3, "absolute"},
	{"setnetworkactive", 0, "state"},
	{"settimeoffset", 0, "offset"},
	{"getrawtransaction", 1, "verbose"},
	{"getrawtransaction", 1, "verbosity"},
	{"sendrawtransaction", 1, "maxfeerate"},
	{"gettxout", 1, "n"},
	{"gettxout", 2, "include_mempool"},
	{"getrawmempool", 0, "verbose"},
	{"estimatesmartfee", 0, "conf_target"},
	{"getaddressbalance", 0, "addresses"},
	{"getaddressutxos", 0, "addresses"},
	{"getaddresstxids", 0, "addresses"},
	{"getaddressmempool", 0, "addresses"},
	{NULL, 0, NULL},
};

static bool converted(const char *method, int index, const char *name)
{
	for (const struct convert *c = converts; c->method; c++)
		if (strcmp(c->method, method) == 0 &&
		    (name ? strcmp(c->name, name) == 0 : c->index == index))
			return true;
	return false;
}

struct cli {
	bool named, use_stdin, stdin_pass, wait;
	int wait_timeout;           /* seconds for -rpcwait; 0: no limit */
	char connect[256];          /* -rpcconnect */
	char port[16];              /* -rpcport */
	char *fwd[32];              /* options handed to client_options_parse */
	int nfwd;
	char *args[FLINT_CLI_MAX_ARGS]; /* METHOD and its arguments */
	int nargs;
	char *owned[FLINT_CLI_MAX_ARGS + 34]; /* what fwd and args hold of ours, to free */
	int nowned;
};

/* Remembers p (not NULL) as c's to free; p, or NULL when p is. */
static char *own(struct cli *c, char *p)
{
	if (p)
		c->owned[c->nowned++] = p;
	return p;
}

static void cli_release(struct cli *c)
{
	for (int i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	c->nowned = 0;
}

static const char usage_text[] =
	"usage: flint-cli [options] METHOD [ARG...]\n"
	"       flint-cli [options] -named METHOD [NAME=VALUE...]\n"
	"       flint-cli [options] help [METHOD]\n"
	"\n"
	"Calls one RPC method of a node and prints its result.\n"
	"\n"
	"Options (before METHOD; -name=value or --name=value):\n"
	"  -named                 arguments are NAME=VALUE pairs, sent by name\n"
	"  -stdin                 read more arguments from standard input, one per line\n"
	"  -stdinrpcpass          read the RPC password from the first line of standard input\n"
	"  -rpcwait               wait until the node's RPC server answers\n"
	"  -rpcwaittimeout=SECS   give up waiting after SECS (default 0: no limit)\n"
	"  -regtest, -testnet     the chain (same as -chain=NAME)\n"
	"  -rpcconnect=HOST       the node's RPC host (default 127.0.0.1)\n"
	"  -rpcport=PORT          the node's RPC port (default the chain's)\n"
	"  -rpcclienttimeout=SECS time allowed for the call (default 30)\n"
	"  -help, -?              this text; `flint-cli help` lists the node's methods\n"
	"\n";

/* Splits "-name=value" / "--name=value" / "-name"; false for a non-option. */
static bool split_opt(const char *arg, char *name, size_t nlen, const char **val)
{
	const char *p = arg, *eq;
	size_t n;

	if (p[0] != '-' || !p[1])
		return false;
	p += p[1] == '-' ? 2 : 1;
	eq = strchr(p, '=');
	n = eq ? (size_t)(eq - p) : strlen(p);
	if (n == 0 || n >= nlen)
		return false;
	memcpy(name, p, n);
	name[n] = 0;
	*val = eq ? eq + 1 : NULL;
	return true;
}

static int forward(struct cli *c, const char *name, const char *val)
{
	char buf[1024];

	if ((size_t)c->nfwd >= sizeof(c->fwd) / sizeof(c->fwd[0]) - 1)
		return -1;
	snprintf(buf, sizeof(buf), "--%s=%s", name, val);
	c->fwd[c->nfwd] = own(c, strdup(buf));
	return c->fwd[c->nfwd++] ? 0 : -1;
}

/* Options whose value may also follow as the next word (the clients' --rpc HOST:PORT form). */
static bool takes_value(const char *name)
{
	static const char *const names[] = {"chain", "datadir", "rpc", "rpcuser", "rpcpassword",
		"rpccookiefile", "rpctimeout", "rpcconnect", "rpcport", "rpcclienttimeout",
		"rpcwaittimeout", NULL};
	for (int i = 0; names[i]; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static bool is_flag(const char *name)
{
	static const char *const names[] = {"named", "stdin", "stdinrpcpass", "rpcwait",
		"regtest", "testnet", NULL};
	for (int i = 0; names[i]; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static int parse_int(const char *name, const char *val, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < lo || v > hi) {
		fprintf(stderr, "error: -%s: expected a number from %d to %d, got '%s'\n", name,
			lo, hi, val);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* One option; 1 when it was -help. */
static int apply(struct cli *c, const char *name, const char *val)
{
	int n;

	if (strcmp(name, "help") == 0 || strcmp(name, "?") == 0 || strcmp(name, "h") == 0)
		return 1;
	if (is_flag(name)) {
		if (val && strcmp(val, "1") != 0) {
			fprintf(stderr, "error: -%s takes no value\n", name);
			return -1;
		}
		if (strcmp(name, "regtest") == 0 || strcmp(name, "testnet") == 0)
			return forward(c, "chain", name);
		c->named |= strcmp(name, "named") == 0;
		c->use_stdin |= strcmp(name, "stdin") == 0;
		c->stdin_pass |= strcmp(name, "stdinrpcpass") == 0;
		c->wait |= strcmp(name, "rpcwait") == 0;
		return 0;
	}
	if (!takes_value(name)) {
		fprintf(stderr, "error: unknown option '-%s' (flint-cli -help lists them)\n", name);
		return -1;
	}
	if (!val) {
		fprintf(stderr, "error: option '-%s' needs a value\n", name);
		return -1;
	}
	if (strcmp(name, "rpcconnect") == 0)
		return snprintf(c->connect, sizeof(c->connect), "%s", val) < (int)sizeof(c->connect)
		       ? 0 : -1;
	if (strcmp(name, "rpcport") == 0) {
		if (parse_int(name, val, 1, 65535, &n) < 0)
			return -1;
		snprintf(c->port, sizeof(c->port), "%d", n);
		return 0;
	}
	if (strcmp(name, "rpcwaittimeout") == 0)
		return parse_int(name, val, 0, 86400, &c->wait_timeout);
	if (strcmp(name, "rpcclienttimeout") == 0)
		return forward(c, "rpctimeout", val);
	return forward(c, name, val);
}

/* Options up to METHOD, then METHOD and its arguments. 0, 1 for -help, or -1. */
static int parse_args(struct cli *c, int argc, char **argv)
{
	int i = 1;

	for (; i < argc; i++) {
		char name[64];
		const char *val;
		int rc;
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (!split_opt(argv[i], name, sizeof(name), &val))
			break;
		if (!val && takes_value(name) && i + 1 < argc)
			val = argv[++i];
		rc = apply(c, name, val);
		if (rc != 0)
			return rc;
	}
	for (; i < argc; i++) {
		if (c->nargs >= FLINT_CLI_MAX_ARGS) {
			fprintf(stderr, "error: more than %d arguments\n", FLINT_CLI_MAX_ARGS - 1);
			return -1;
		}
		c->args[c->nargs++] = argv[i];
	}
	return 0;
}

/* Reads one line of stdin, of any length, without its newline; NULL at the end. */
static char *read_line(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);

	if (n < 0) {
		free(line);
		return NULL;
	}
	if (n && line[n - 1] == '\n')
		line[--n] = 0;
	if (n && line[n - 1] == '\r')
		line[--n] = 0;
	return line;
}

static int read_stdin(struct cli *c)
{
	char *line;
	int rc;

	if (c->stdin_pass) {
		line = read_line();
		if (!line) {
			fprintf(stderr, "error: -stdinrpcpass: no password on standard input\n");
			return -1;
		}
		rc = forward(c, "rpcpassword", line);
		free(line);
		if (rc < 0)
			return -1;
	}
	while (c->use_stdin && (line = read_line())) {
		if (c->nargs >= FLINT_CLI_MAX_ARGS) {
			fprintf(stderr, "error: more than %d arguments\n", FLINT_CLI_MAX_ARGS - 1);
			free(line);
			return -1;
		}
		c->args[c->nargs++] = own(c, line);
	}
	return 0;
}

/* One argument as the method wants it; NULL (message printed) when it must be JSON and is not. */
static json_t *arg_value(const char *method, int index, const char *name, const char *text)
{
	json_error_t jerr;
	json_t *v;

	if (!converted(method, index, name))
		return json_string(text);
	v = json_loads(text, JSON_DECODE_ANY, &jerr);
	if (!v)
		fprintf(stderr, "error: error parsing JSON: %s\n", text);
	return v;
}

static json_t *build_params(const struct cli *c)
{
	const char *method = c->args[0];
	json_t *params = c->named ? json_object() : json_array();

	for (int i = 1; params && i < c->nargs; i++) {
		const char *a = c->args[i], *eq = strchr(a, '=');
		json_t *v;
		if (!c->named) {
			v = arg_value(method, i - 1, NULL, a);
			if (!v || json_array_append_new(params, v) < 0)
				goto fail;
			continue;
		}
		if (!eq || eq == a) {
			fprintf(stderr, "error: no '=' in named argument '%s' (with -named, arguments are NAME=VALUE)\n", a);
			goto fail;
		}
		char *name = strndup(a, (size_t)(eq - a));
		v = name ? arg_value(method, -1, name, eq + 1) : NULL;
		if (!v || json_object_set_new(params, name, v) < 0) {
			free(name);
			goto fail;
		}
		free(name);
	}
	return params;
fail:
	json_decref(params);
	return NULL;
}

/* Prints a result text as bitcoin-cli does. */
static int print_result(const char *text)
{
	json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
	char *pretty;

	if (!v) {
		fprintf(stderr, "error: the node's result is not JSON\n");
		return 1;
	}
	if (json_is_string(v)) {
		printf("%s\n", json_string_value(v));
	} else if (!json_is_null(v)) {
		pretty = jsontext_pretty(text, strlen(text), 2);
		printf("%s\n", pretty ? pretty : text);
		free(pretty);
	}
	json_decref(v);
	return 0;
}

static int print_error(const struct client_error *e)
{
	if (client_error_is_local(e->code)) {
		fprintf(stderr, "error: %s\n", e->message);
		return 1;
	}
	fprintf(stderr, "error code: %d\nerror message:\n%s\n", e->code, e->message);
	return e->code < 0 ? -e->code : (e->code ? e->code : 1);
}

/* Calls until the node answers (or the -rpcwait deadline); the result text, or NULL with e. */
static char *call(struct client *cl, const struct cli *c, json_t *params, struct client_error *e)
{
	time_t deadline = time(NULL) + c->wait_timeout;

	for (;;) {
		char *text = client_call_text(cl, c->args[0], json_incref(params), e);
		if (text || !c->wait ||
		    (e->code != CLIENT_ERR_CONNECT && e->code != CLIENT_ERR_NOCOOKIE))
			return text;
		if (c->wait_timeout && time(NULL) >= deadline) {
			snprintf(e->message, sizeof(e->message), "timeout on transient error: %s",
				 "the node's RPC server did not answer in time");
			return NULL;
		}
		usleep(250 * 1000);
	}
}

/* The program; the caller frees what c holds. */
static int run(struct cli *c, int argc, char **argv)
{
	struct client_options o;
	struct client_error e;
	struct client *cl;
	json_t *params;
	char err[512], rpc[300], *text;
	int rc;

	c->fwd[c->nfwd++] = argv[0];
	rc = parse_args(c, argc, argv);
	if (rc == 1) {
		fputs(usage_text, stdout);
		fputs(client_options_usage(), stdout);
		return 0;
	}
	if (rc < 0 || read_stdin(c) < 0)
		return 1;
	if (c->nargs == 0) {
		fprintf(stderr, "error: too few parameters (need at least a METHOD; flint-cli -help)\n");
		return 1;
	}
	if (c->connect[0] || c->port[0]) {
		snprintf(rpc, sizeof(rpc), "%s%s%s", c->connect[0] ? c->connect : "127.0.0.1",
			 c->port[0] ? ":" : "", c->port);
		if (forward(c, "rpc", rpc) < 0)
			return 1;
	}
	c->fwd[c->nfwd] = NULL;
	if (client_options_parse(&o, &c->nfwd, c->fwd, err, sizeof(err)) < 0) {
		fprintf(stderr, "error: %s\n", err);
		return 1;
	}
	params = build_params(c);
	if (!params)
		return 1;
	cl = client_new(&o);
	text = cl ? call(cl, c, params, &e) : NULL;
	if (!cl) {
		e.code = CLIENT_ERR_PROTOCOL;
		snprintf(e.message, sizeof(e.message), "out of memory");
	}
	client_free(cl);
	json_decref(params);
	if (!text)
		return print_error(&e);
	rc = print_result(text);
	free(text);
	return rc;
}

int main(int argc, char **argv)
{
	struct cli c;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = run(&c, argc, argv);

	cli_release(&c);
	return rc;
}
