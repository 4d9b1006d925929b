/* Tests for client/jsontext: members found by name, text re-indented with every token kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "client/jsontext.h"

static void expect_member(const char *doc, const char *key, const char *want)
{
	size_t a, b;

	assert_int_equal(jsontext_member(doc, strlen(doc), key, &a, &b), 0);
	assert_int_equal(b - a, strlen(want));
	assert_memory_equal(doc + a, want, b - a);
}

static void test_jsontext_member_finds_result_after_nested_values(void **state)
{
	const char *doc = "{\"error\":null,\"x\":{\"result\":[1,{\"a\":\"}\"}]},"
			  "\"result\" : {\"v\":0.00000001,\"s\":\"q\\\"}\"} ,\"id\":\"result\"}";

	expect_member(doc, "result", "{\"v\":0.00000001,\"s\":\"q\\\"}\"}");
	expect_member(doc, "id", "\"result\"");
	expect_member(doc, "error", "null");
}

static void test_jsontext_member_refuses_non_objects_and_absent_keys(void **state)
{
	size_t a, b;

	assert_int_equal(jsontext_member("[1,2]", 5, "result", &a, &b), -1);
	assert_int_equal(jsontext_member("{\"a\":1}", 7, "result", &a, &b), -1);
	assert_int_equal(jsontext_member("{\"a\":", 5, "a", &a, &b), -1);
	assert_int_equal(jsontext_member("", 0, "a", &a, &b), -1);
}

static void expect_pretty(const char *in, const char *want)
{
	char *got = jsontext_pretty(in, strlen(in), 2);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_jsontext_pretty_keeps_tokens_as_written(void **state)
{
	expect_pretty("{\"amount\":0.00000001,\"n\":[1,2e3,true],\"s\":\"a, b: {c}\"}",
		      "{\n  \"amount\": 0.00000001,\n  \"n\": [\n    1,\n    2e3,\n    true\n  ],\n"
		      "  \"s\": \"a, b: {c}\"\n}");
}

static void test_jsontext_pretty_empty_and_scalar_values(void **state)
{
	expect_pretty("{}", "{\n}");
	expect_pretty("[]", "[\n]");
	expect_pretty("{\"a\":[],\"b\":{}}", "{\n  \"a\": [\n  ],\n  \"b\": {\n  }\n}");
	expect_pretty("  42 ", "42");
	expect_pretty("\"x\\\\\"", "\"x\\\\\"");
}

static void test_jsontext_pretty_refuses_unbalanced_text(void **state)
{
	assert_null(jsontext_pretty("{\"a\":[1}", 8, 2));
	assert_null(jsontext_pretty("]", 1, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsontext_member_finds_result_after_nested_values),
		cmocka_unit_test(test_jsontext_member_refuses_non_objects_and_absent_keys),
		cmocka_unit_test(test_jsontext_pretty_keeps_tokens_as_written),
		cmocka_unit_test(test_jsontext_pretty_empty_and_scalar_values),
		cmocka_unit_test(test_jsontext_pretty_refuses_unbalanced_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
