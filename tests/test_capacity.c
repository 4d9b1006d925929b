/* Tests for testnet/capacity: each limit short names itself and its fix; enough passes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "testnet/capacity.h"

static struct tn_machine roomy(void)
{
	struct tn_machine m = {.pid_max = 4194304, .threads_max = 1000000, .tasks_now = 300,
			       .nproc_limit = -1, .nofile_limit = 1024, .nofile_hard = 1048576,
			       .mem_available_kb = 20LL * 1024 * 1024};
	return m;
}

static const struct tn_demand ten_thousand = {.nodes = 10000, .links = 40000,
					      .threads_per_node = 1, .node_kb = 1536};

static void test_capacity_enough_passes(void **state)
{
	struct tn_machine m = roomy();
	char err[1024];

	assert_int_equal(tn_capacity_check(&m, &ten_thousand, err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

static void test_capacity_pid_max_named_with_its_sysctl(void **state)
{
	struct tn_machine m = roomy();
	char err[1024];

	m.pid_max = 32768 / 4;
	assert_int_equal(tn_capacity_check(&m, &ten_thousand, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "kernel.pid_max is 8192"));
	assert_non_null(strstr(err, "sysctl -w kernel.pid_max="));
}

static void test_capacity_descriptors_for_the_relay(void **state)
{
	struct tn_machine m = roomy();
	char err[1024];

	m.nofile_hard = 4096;
	assert_true(tn_capacity_relay_fds(&ten_thousand) > 6 * 40000);
	assert_int_equal(tn_capacity_check(&m, &ten_thousand, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "file descriptors"));
	assert_non_null(strstr(err, "ulimit -Hn"));
}

static void test_capacity_every_shortfall_listed(void **state)
{
	struct tn_machine m = roomy();
	char err[2048];

	m.threads_max = 1000;
	m.nproc_limit = 500;
	m.mem_available_kb = 1024 * 1024;
	assert_int_equal(tn_capacity_check(&m, &ten_thousand, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "kernel.threads-max is 1000"));
	assert_non_null(strstr(err, "ulimit -u is 500"));
	assert_non_null(strstr(err, "MiB available"));
	assert_null(strstr(err, "pid_max"));
}

static void test_capacity_reads_this_machine(void **state)
{
	struct tn_machine m;
	char err[256];

	assert_int_equal(tn_capacity_read(&m, err, sizeof(err)), 0);
	assert_true(m.pid_max > 0 && m.threads_max > 0 && m.mem_available_kb > 0);
	assert_true(m.nofile_limit > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity_enough_passes),
		cmocka_unit_test(test_capacity_pid_max_named_with_its_sysctl),
		cmocka_unit_test(test_capacity_descriptors_for_the_relay),
		cmocka_unit_test(test_capacity_every_shortfall_listed),
		cmocka_unit_test(test_capacity_reads_this_machine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
