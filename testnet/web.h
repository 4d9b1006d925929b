/*
 * The live web view of a testnet: a background process of the testnet's own
 * (webd.c), started by `up`, stopped by `down`, that serves one page and its
 * data on 127.0.0.1 at base_port + TN_WEB_OFFSET. Every request needs the
 * testnet's web token. Its pid, port and token are kept in <dir>/web.json
 * (mode 0600), apart from testnet.json, so only the view's own process and
 * these functions touch them.
 */
#ifndef FLINT_TESTNET_WEB_H
#define FLINT_TESTNET_WEB_H

#include <stddef.h>

#include "testnet/app.h"

#define TN_WEB_OFFSET 260
#define TN_WEB_FILE "web.json"

/* Starts the view unless it runs, and waits until it answers. 0, or -1 with err. */
int tn_web_start(struct tn_app *a, char *err, size_t errlen) __attribute__((warn_unused_result));
/* Stops the view if it runs. */
void tn_web_stop(struct tn_app *a);
/* The view's URL with its token, when it runs. 0, or -1 with err. */
int tn_web_url(const struct tn_state *s, char *out, size_t len, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* `web [--no-start]`: prints the URL (starting the view if it is not running). */
int tn_cmd_web(struct tn_app *a, int argc, char **argv);
/* The view's process itself (`flint-testnet --dir DIR web --serve`): runs until SIGTERM. */
int tn_webd_run(struct tn_app *a);

#endif
