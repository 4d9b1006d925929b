/*
 * Whether this machine can hold a testnet of n nodes, checked before
 * anything starts: processes and threads against the kernel's pid_max and
 * threads-max and the user's RLIMIT_NPROC, descriptors for the link relay
 * (two per connection it carries, one per listener) against RLIMIT_NOFILE
 * and fs.nr_open, and memory against MemAvailable. Each shortfall is named
 * with the limit and the command that raises it. Pure arithmetic over a
 * struct of readings (tn_capacity_read fills it from /proc and getrlimit),
 * so the rules are tested without the machine.
 */
#ifndef FLINT_TESTNET_CAPACITY_H
#define FLINT_TESTNET_CAPACITY_H

#include <stddef.h>

struct tn_machine {
	long long pid_max;          /* /proc/sys/kernel/pid_max */
	long long threads_max;      /* /proc/sys/kernel/threads-max */
	long long tasks_now;        /* threads running now, all users (/proc/loadavg's total) */
	long long nproc_limit;      /* RLIMIT_NPROC soft, -1: unlimited */
	long long nofile_limit;     /* RLIMIT_NOFILE soft */
	long long nofile_hard;      /* RLIMIT_NOFILE hard */
	long long mem_available_kb; /* /proc/meminfo MemAvailable */
};

/* What one testnet needs: n nodes, about `links` connections through the relay. */
struct tn_demand {
	long long nodes, links;
	long long threads_per_node; /* flintd: its main thread, signature threads */
	long long node_kb;          /* memory per idle node, measured (README) */
};

/* Reads the machine's limits. 0, or -1 with err. */
int tn_capacity_read(struct tn_machine *m, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * 0 if m can hold d, else -1 with err naming each limit that is short, by
 * how much, and how to raise it.
 */
int tn_capacity_check(const struct tn_machine *m, const struct tn_demand *d, char *err,
		      size_t errlen) __attribute__((warn_unused_result));

/* The descriptors the relay needs for d, with room for the rest of the process. */
long long tn_capacity_relay_fds(const struct tn_demand *d);

#endif
