/*
 * flint-wallet's command-line options as one table (as git's parse-options):
 * each option is declared once, with its kind, the field it sets, its
 * bounds, its default and its help, and both the parsing and the --help
 * text are made from that table. Options go anywhere among the arguments,
 * as "--name value" or "--name=value". The connection options every client
 * shares are client/'s (client_options_parse), parsed before this table.
 * Uses only wal_parse_amount() (wallet.h) and consensus/params; no I/O but
 * the usage text written to a caller's stream.
 */
#ifndef FLINT_WALLET_OPTIONS_H
#define FLINT_WALLET_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "consensus/params.h"

enum wal_opt_kind {
	WAL_OPT_FLAG,       /* bool field, set by its presence; takes no value */
	WAL_OPT_STRING,     /* char[size] field; a value of size or more bytes is refused */
	WAL_OPT_AMOUNT,     /* int64_t field: coins, up to 8 decimals, within [min, max] */
};

/*
 * One option. A table is an array ended by an entry whose name is NULL.
 * The fields are set at base + offset in the caller's struct (offsetof).
 */
struct wal_option {
	const char *name;           /* without the leading "--" */
	enum wal_opt_kind kind;
	size_t offset;
	size_t size;                /* WAL_OPT_STRING: the field's size */
	int64_t min, max;           /* WAL_OPT_AMOUNT: base units; max 0: the chain's money cap */
	const char *def;            /* the default, parsed as a value would be; NULL: zero/empty */
	const char *arg;            /* the value's name in the usage ("FILE") */
	const char *what;           /* WAL_OPT_AMOUNT: what a bad value is not ("fee rate") */
	const char *help;           /* one line per "\n" */
};

/*
 * Sets every option of opts to its default, then parses argv[1..argc): each
 * "--name", "--name value" or "--name=value" of the table sets its field,
 * and every other argument not starting with "--" goes to args (at most
 * max_args of them; *n_args says how many). p is the chain amounts are for.
 * Returns 0, or -1 with err naming the argument: an unknown option, a
 * missing or unexpected value, a value that does not parse, is too long or
 * out of bounds, or one argument too many. args borrows argv's strings.
 */
int wal_opts_parse(const struct wal_option *opts, void *base, const struct cons_params *p,
		   int argc, char **argv, char **args, size_t max_args, size_t *n_args, char *err,
		   size_t errlen) __attribute__((warn_unused_result));

/* Writes the "Options:" lines of opts to f: name, value, help aligned in two columns. */
void wal_opts_usage(FILE *f, const struct wal_option *opts);

#endif
