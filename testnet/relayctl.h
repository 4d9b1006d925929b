/*
 * The relay as the other commands see it: its process (started, stopped,
 * alive) and its control channel (relayd.c), one JSON request, one answer.
 */
#ifndef FLINT_TESTNET_RELAYCTL_H
#define FLINT_TESTNET_RELAYCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "testnet/app.h"

/*
 * Sends req (stolen) to the relay of s and returns its answer (a new
 * reference, "ok" true), or NULL with err: no relay there, no answer in 5 s,
 * or the relay's own error.
 */
json_t *tn_relay_request(const struct tn_state *s, json_t *req, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* True if the recorded relay process is alive. */
bool tn_relay_running(const struct tn_app *a);
/* Starts the relay unless it runs, and waits for its control channel. 0, or -1 with err. */
int tn_relay_start(struct tn_app *a, char *err, size_t errlen) __attribute__((warn_unused_result));
/* Stops the relay (SIGTERM, then SIGKILL) and clears its pid. */
void tn_relay_stop(struct tn_app *a);
/* Tells a running relay to read the saved link settings again. 0, or -1 with err. */
int tn_relay_reload(struct tn_app *a, char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
