/*
 * The machine's limits from /proc and getrlimit, and the rules that compare
 * them with what a testnet needs (see capacity.h).
 */
#include "testnet/capacity.h"

#include <stdbool.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#define SPARE_FDS 256               /* the relay's logs, control channel, libevent */
#define SPARE_TASKS 512             /* what the rest of the machine may start meanwhile */
#define SPARE_MEM_KB (512 * 1024)   /* left for the page cache, the shell, the relay */

static long long read_ll(const char *path)
{
	FILE *f = fopen(path, "r");
	long long v = -1;

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static long long meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long long v = -1;
	size_t kl = strlen(key);

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ':' &&
		    sscanf(line + kl + 1, "%lld", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

static long long running_tasks(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	long long running = 0, total = 0;
	double a, b, c;

	if (f) {
		if (fscanf(f, "%lf %lf %lf %lld/%lld", &a, &b, &c, &running, &total) != 5)
			total = 0;
		fclose(f);
	}
	return total;
}

static long long lim(struct rlimit *r, bool hard)
{
	rlim_t v = hard ? r->rlim_max : r->rlim_cur;

	return v == RLIM_INFINITY ? -1 : (long long)v;
}

int tn_capacity_read(struct tn_machine *m, char *err, size_t errlen)
{
	struct rlimit np, nf;

	memset(m, 0, sizeof(*m));
	if (getrlimit(RLIMIT_NPROC, &np) < 0 || getrlimit(RLIMIT_NOFILE, &nf) < 0) {
		snprintf(err, errlen, "cannot read this process's limits");
		return -1;
	}
	m->pid_max = read_ll("/proc/sys/kernel/pid_max");
	m->threads_max = read_ll("/proc/sys/kernel/threads-max");
	m->tasks_now = running_tasks();
	m->nproc_limit = lim(&np, false);
	m->nofile_limit = lim(&nf, false);
	m->nofile_hard = lim(&nf, true);
	/*
	 * The relay raises its hard limit to the kernel's own (fs.nr_open) when
	 * it may (relayd.c): try the same here, in this short-lived process.
	 */
	if (m->nofile_hard >= 0 && read_ll("/proc/sys/fs/nr_open") > m->nofile_hard) {
		struct rlimit up = {(rlim_t)read_ll("/proc/sys/fs/nr_open"),
				    (rlim_t)read_ll("/proc/sys/fs/nr_open")};
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			m->nofile_hard = (long long)up.rlim_max;
		else
			(void)setrlimit(RLIMIT_NOFILE, &nf);
	}
	m->mem_available_kb = meminfo_kb("MemAvailable");
	if (m->pid_max <= 0 || m->threads_max <= 0 || m->mem_available_kb < 0) {
		snprintf(err, errlen, "cannot read the kernel's limits from /proc");
		return -1;
	}
	return 0;
}

long long tn_capacity_relay_fds(const struct tn_demand *d)
{
	/*
	 * Each link: the dialler's connection in and the relay's own out, and
	 * for each direction the kernel pipe of the splice path (two ends): six.
	 * Each node: the relay's listener at its address.
	 */
	return 6 * d->links + d->nodes + SPARE_FDS;
}

static size_t add(char *err, size_t errlen, size_t k, const char *fmt, long long a, long long b,
		  const char *fix)
{
	if (k < errlen)
		k += (size_t)snprintf(err + k, errlen - k, "%s", k ? "; " : "");
	if (k < errlen)
		k += (size_t)snprintf(err + k, errlen - k, fmt, a, b);
	if (k < errlen)
		k += (size_t)snprintf(err + k, errlen - k, " (%s)", fix);
	return k;
}

int tn_capacity_check(const struct tn_machine *m, const struct tn_demand *d, char *err,
		      size_t errlen)
{
	long long tasks = d->nodes * d->threads_per_node + SPARE_TASKS;
	long long fds = tn_capacity_relay_fds(d);
	long long mem = d->nodes * d->node_kb + SPARE_MEM_KB;
	size_t k = 0;

	err[0] = 0;
	if (m->pid_max < m->tasks_now + tasks)
		k = add(err, errlen, k, "%lld threads needed, but kernel.pid_max is %lld", tasks,
			m->pid_max, "raise it: sysctl -w kernel.pid_max=4194304");
	if (m->threads_max < m->tasks_now + tasks)
		k = add(err, errlen, k, "%lld threads needed, but kernel.threads-max is %lld", tasks,
			m->threads_max, "raise it: sysctl -w kernel.threads-max=4194304");
	if (m->nproc_limit >= 0 && m->nproc_limit < tasks)
		k = add(err, errlen, k, "%lld processes needed, but ulimit -u is %lld", tasks,
			m->nproc_limit, "raise it: ulimit -u unlimited");
	if (m->nofile_hard >= 0 && m->nofile_hard < fds)
		k = add(err, errlen, k, "the link relay needs %lld file descriptors, but the hard "
			"limit (ulimit -Hn) is %lld", fds, m->nofile_hard,
			"raise it as root: ulimit -Hn 1048576, or LimitNOFILE in the service");
	if (m->mem_available_kb < mem)
		k = add(err, errlen, k, "about %lld MiB of memory needed, %lld MiB available",
			mem / 1024, m->mem_available_kb / 1024, "use fewer nodes (-n)");
	return k ? -1 : 0;
}
