/*
 * Logging for the node: timestamped lines with a level, to stderr and to a
 * debug.log file. Thread-safe (workers may log). Only node/ and the
 * programs print; lower layers report errors to their callers instead.
 */
#ifndef FLINT_NODE_LOG_H
#define FLINT_NODE_LOG_H

enum node_log_level { NODE_LOG_ERROR, NODE_LOG_WARN, NODE_LOG_INFO, NODE_LOG_DEBUG };

/* Parses "error", "warn", "info" or "debug". 0, or -1 if unknown. */
int node_log_parse_level(const char *s, enum node_log_level *out)
	__attribute__((warn_unused_result));
void node_log_set_level(enum node_log_level level);
/* Also appends to path from now on. 0, or -1 if it cannot be opened. */
int node_log_open_file(const char *path) __attribute__((warn_unused_result));
void node_log_close(void);
void node_log(enum node_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) node_log(NODE_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) node_log(NODE_LOG_WARN, __VA_ARGS__)
#define log_info(...) node_log(NODE_LOG_INFO, __VA_ARGS__)
#define log_debug(...) node_log(NODE_LOG_DEBUG, __VA_ARGS__)

#endif
