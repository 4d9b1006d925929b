/*
 * Process handling for the testnet tool (see proc.h).
 */
#define _GNU_SOURCE
#include "testnet/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testnet/state.h"

void tn_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void tn_args_init(struct tn_args *a)
{
	a->n = 0;
	a->overflow = false;
	a->used = 0;
	a->v[0] = NULL;
}

void tn_args_add(struct tn_args *a, const char *fmt, ...)
{
	size_t room = sizeof(a->buf) - a->used;
	va_list ap;
	int k;

	if (a->n >= TN_MAX_ARGS || room == 0) {
		a->overflow = true;
		return;
	}
	va_start(ap, fmt);
	k = vsnprintf(a->buf + a->used, room, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= room) {
		a->overflow = true;
		return;
	}
	a->v[a->n++] = a->buf + a->used;
	a->v[a->n] = NULL;
	a->used += (size_t)k + 1;
}

/* The grandchild: becomes the daemon, or reports errno through fd. */
static void exec_daemon(char *const argv[], const char *logpath, int fd)
{
	int in = open("/dev/null", O_RDONLY);
	int out = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
	int e;

	if (in >= 0 && out >= 0 && dup2(in, 0) == 0 && dup2(out, 1) == 1 && dup2(out, 2) == 2) {
		close(in);
		close(out);
		execv(argv[0], argv);
	}
	e = errno;
	(void)!write(fd, &e, sizeof(e));
	_exit(127);
}

/* The middle child: a new session, then the daemon, whose pid goes up pid_fd. */
static void spawn_middle(char *const argv[], const char *logpath, int pid_fd, int exec_fd)
{
	pid_t pid;

	setsid();
	signal(SIGHUP, SIG_IGN);
	pid = fork();
	if (pid == 0)
		exec_daemon(argv, logpath, exec_fd);
	(void)!write(pid_fd, &pid, sizeof(pid));
	_exit(pid < 0 ? 1 : 0);
}

/*
 * Two pipes, both closed on exec: the middle child sends the daemon's pid
 * through the first; the second stays silent and closes when the daemon's
 * exec succeeds, or carries the errno of a failed exec.
 */
int tn_spawn_daemon(char *const argv[], const char *logpath, pid_t *pid, char *err, size_t errlen)
{
	int pfd[2], efd[2], e = 0;
	pid_t mid = -1;

	*pid = 0;
	if (pipe2(pfd, O_CLOEXEC) < 0 || pipe2(efd, O_CLOEXEC) < 0 || (mid = fork()) < 0) {
		snprintf(err, errlen, "cannot start '%s': %s", argv[0], strerror(errno));
		return -1;
	}
	if (mid == 0) {
		close(pfd[0]);
		close(efd[0]);
		spawn_middle(argv, logpath, pfd[1], efd[1]);
	}
	close(pfd[1]);
	close(efd[1]);
	if (read(pfd[0], pid, sizeof(*pid)) != (ssize_t)sizeof(*pid))
		*pid = 0;
	if (*pid > 0 && read(efd[0], &e, sizeof(e)) > 0)
		*pid = 0;
	close(pfd[0]);
	close(efd[0]);
	waitpid(mid, NULL, 0);
	if (*pid <= 0) {
		snprintf(err, errlen, "cannot start '%s': %s", argv[0],
			 e ? strerror(e) : "fork failed");
		return -1;
	}
	return 0;
}

/* Reads fd to its end into out (len bytes, NUL-terminated, rest discarded). */
static void slurp(int fd, char *out, size_t len)
{
	size_t got = 0;
	char sink[512];
	ssize_t k;

	for (;;) {
		bool room = out && got + 1 < len;
		k = room ? read(fd, out + got, len - 1 - got) : read(fd, sink, sizeof(sink));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (room)
			got += (size_t)k;
	}
	if (out && len)
		out[got] = 0;
}

int tn_run(char *const argv[], char *out, size_t len)
{
	int fds[2], status;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		if (dup2(fds[1], 1) == 1)
			execv(argv[0], argv);
		fprintf(stderr, "flint-testnet: error: cannot run '%s': %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	if (pid > 0)
		slurp(fds[0], out, len);
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Reads up to len - 1 bytes of /proc/PID/WHAT into buf, NUL-terminated; -1 if gone. */
static long read_proc(pid_t pid, const char *what, char *buf, size_t len)
{
	char path[64];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	return (long)n;
}

/* True if one of the arguments in /proc/pid/cmdline is exactly marker. */
static bool cmdline_has(pid_t pid, const char *marker)
{
	char buf[8192];
	long got = read_proc(pid, "cmdline", buf, sizeof(buf));
	size_t n = got < 0 ? 0 : (size_t)got;

	for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
		if (strcmp(buf + i, marker) == 0)
			return true;
	return false;
}

bool tn_pid_alive(pid_t pid, const char *marker)
{
	char buf[512], *paren;

	if (pid <= 0 || kill(pid, 0) < 0 || read_proc(pid, "stat", buf, sizeof(buf)) < 0)
		return false;
	paren = strrchr(buf, ')');
	if (!paren || paren[1] != ' ' || paren[2] == 'Z' || paren[2] == 'X')
		return false;
	return !marker || cmdline_has(pid, marker);
}

int tn_pid_wait_gone(pid_t pid, int sig, const char *marker, double timeout)
{
	double end = tn_now() + timeout;

	if (!tn_pid_alive(pid, marker))
		return 0;
	if (sig)
		kill(pid, sig);
	while (tn_pid_alive(pid, marker)) {
		if (tn_now() >= end)
			return -1;
		tn_sleep_ms(50);
	}
	return 0;
}

int tn_exe_dir(char *out, size_t len)
{
	ssize_t k = readlink("/proc/self/exe", out, len - 1);
	char *slash;

	if (k <= 0 || (size_t)k >= len - 1)
		return -1;
	out[k] = 0;
	slash = strrchr(out, '/');
	if (!slash)
		return -1;
	*slash = 0;
	return 0;
}
