/*
 * The node's log. Process-wide by nature (one log per process), so its
 * state is a file-static struct guarded by a mutex.
 */
#include "node/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static struct {
	pthread_mutex_t mu;
	enum node_log_level level;
	FILE *file;
} logger = {PTHREAD_MUTEX_INITIALIZER, NODE_LOG_INFO, NULL};

static const char *const names[] = {"error", "warn", "info", "debug"};

int node_log_parse_level(const char *s, enum node_log_level *out)
{
	for (int i = 0; i <= NODE_LOG_DEBUG; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum node_log_level)i;
			return 0;
		}
	}
	return -1;
}

void node_log_set_level(enum node_log_level level)
{
	logger.level = level;
}

int node_log_open_file(const char *path)
{
	FILE *f = fopen(path, "a");

	if (!f)
		return -1;
	setvbuf(f, NULL, _IOLBF, 0);
	pthread_mutex_lock(&logger.mu);
	if (logger.file)
		fclose(logger.file);
	logger.file = f;
	pthread_mutex_unlock(&logger.mu);
	return 0;
}

void node_log_close(void)
{
	pthread_mutex_lock(&logger.mu);
	if (logger.file)
		fclose(logger.file);
	logger.file = NULL;
	pthread_mutex_unlock(&logger.mu);
}

void node_log(enum node_log_level level, const char *fmt, ...)
{
	char stamp[32], msg[1024];
	struct timeval tv;
	struct tm tm;
	va_list ap;

	if (level > logger.level)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&logger.mu);
	fprintf(stderr, "%s.%03dZ %-5s %s\n", stamp, (int)(tv.tv_usec / 1000), names[level], msg);
	if (logger.file)
		fprintf(logger.file, "%s.%03dZ %-5s %s\n", stamp, (int)(tv.tv_usec / 1000),
			names[level], msg);
	pthread_mutex_unlock(&logger.mu);
}
