/*
 * Processes for the testnet tool: starting a daemon detached from the
 * terminal (its own session, output to a log file), running a helper program
 * and capturing its output, and telling whether a recorded pid is still the
 * process we started. POSIX and /proc only; nothing about Flint.
 */
#ifndef FLINT_TESTNET_PROC_H
#define FLINT_TESTNET_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Starts argv (argv[0] a path, NULL-terminated) as a daemon: a new session,
 * stdin from /dev/null, stdout and stderr appended to logpath. The process
 * is not our child (a double fork), so it outlives us. 0 with *pid set, or
 * -1 with err (including the program failing to execute).
 */
int tn_spawn_daemon(char *const argv[], const char *logpath, pid_t *pid, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * Runs argv (argv[0] a path) and waits for it. Its stdout is captured into
 * out (len bytes, NUL-terminated, truncated if longer) when out is not NULL;
 * stderr passes through. Returns its exit status, or -1 if it could not run
 * or died of a signal.
 */
int tn_run(char *const argv[], char *out, size_t len);

/*
 * True if pid exists, is not a zombie, and one of its command-line
 * arguments is exactly marker (when not NULL): a recorded pid that was
 * reused by another program does not count.
 */
bool tn_pid_alive(pid_t pid, const char *marker);

/*
 * Sends sig to pid (when sig != 0), then polls until it is gone or timeout
 * seconds pass. 0 if it is gone, -1 if still alive.
 */
int tn_pid_wait_gone(pid_t pid, int sig, const char *marker, double timeout);

void tn_sleep_ms(int ms);

/* An argument vector built piece by piece, for execv. */
#define TN_MAX_ARGS 200
struct tn_args {
	int n;
	bool overflow;            /* an argument did not fit: do not run this */
	char *v[TN_MAX_ARGS + 1]; /* NULL-terminated */
	char buf[16384];
	size_t used;
};
void tn_args_init(struct tn_args *a);
void tn_args_add(struct tn_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The directory of the running executable, from /proc/self/exe. 0 / -1. */
int tn_exe_dir(char *out, size_t len) __attribute__((warn_unused_result));

#endif
