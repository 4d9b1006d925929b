/*
 * Test support: run a parser with allocations capped at about 64 MiB, to
 * show that a huge claimed count fails before anything big is allocated.
 * Under ASan (which reserves terabytes of shadow memory, so an address-
 * space limit cannot work) ASan's own allocation cap applies; otherwise the
 * parse runs in a child under RLIMIT_AS. Header-only, and defines
 * __asan_default_options: include it in one test program file only.
 */
#ifndef FLINT_TESTS_CAPPED_H
#define FLINT_TESTS_CAPPED_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "consensus/serialize.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#ifdef UNDER_ASAN
/* ASan prints a warning for each over-size probe; that is expected. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "max_allocation_size_mb=64:allocator_may_return_null=1";
}
#endif

/* Outcomes of tb_capped_parse() besides a read error. */
#define CAP_SETUP_FAILED 100
#define CAP_NOT_EFFECTIVE 101
#define CAP_PARSED 102

/* Parses buf (len bytes), releasing what it built: 0, or -1 with *err set. */
typedef int (*tb_parse_fn)(const uint8_t *buf, size_t len, enum cons_read_err *err);

/* Whether a 256 MiB allocation fails, as it must under the cap. */
static inline bool tb_big_allocation_fails(void)
{
	void *volatile p = malloc((size_t)256 << 20);
	bool failed = p == NULL;

	free(p);
	return failed;
}

static inline int tb_capped_once(tb_parse_fn parse, const uint8_t *buf, size_t len)
{
	enum cons_read_err err = CONS_READ_OK;

	if (!tb_big_allocation_fails())
		return CAP_NOT_EFFECTIVE;
	return parse(buf, len, &err) == 0 ? CAP_PARSED : (int)err;
}

/* Returns the read error of parse under the cap, or one of the CAP_ codes. */
static inline int tb_capped_parse(tb_parse_fn parse, const uint8_t *buf, size_t len)
{
#ifdef UNDER_ASAN
	return tb_capped_once(parse, buf, len);
#else
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return CAP_SETUP_FAILED;
	if (pid == 0) {
		struct rlimit rl;
		long pages = 0;
		FILE *f = fopen("/proc/self/statm", "r");

		if (!f || fscanf(f, "%ld", &pages) != 1)
			_exit(CAP_SETUP_FAILED);
		fclose(f);
		rl.rlim_cur = rl.rlim_max = (rlim_t)(pages * sysconf(_SC_PAGESIZE)) + ((rlim_t)64 << 20);
		if (setrlimit(RLIMIT_AS, &rl) != 0)
			_exit(CAP_SETUP_FAILED);
		_exit(tb_capped_once(parse, buf, len));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return CAP_SETUP_FAILED;
	return WEXITSTATUS(status);
#endif
}

#endif
