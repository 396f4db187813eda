/* test_json.c: the hardened cJSON adapter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "json/json.h"
#include "memgit/errors.h"

static void test_parse_and_access(void **state)
{
	const char *doc = " {\"s\":\"h\\u00e9\",\"n\":2.5,\"b\":true,\"a\":[1,{\"k\":null}],\"o\":{}} \n";
	mg_json *root = NULL;
	const mg_json *a, *i;
	memgit_buf out = MEMGIT_BUF_INIT;
	(void)state;

	assert_int_equal(mg_json_parse(&root, doc, strlen(doc), NULL), 0);
	assert_int_equal(mg_json_type_of(root), MG_JSON_OBJECT);
	assert_string_equal(mg_json_get_string(root, "s"), "h\xc3\xa9");
	assert_true(mg_json_number(mg_json_get(root, "n"), 0) == 2.5);
	assert_int_equal(mg_json_bool(mg_json_get(root, "b")), 1);
	assert_int_equal(mg_json_bool(mg_json_get(root, "n")), -1);
	assert_null(mg_json_get(root, "missing"));
	assert_null(mg_json_get_string(root, "n"));
	a = mg_json_get(root, "a");
	assert_int_equal(mg_json_count(a), 2);
	i = mg_json_next(mg_json_first(a));
	assert_int_equal(mg_json_type_of(mg_json_get(i, "k")), MG_JSON_NULL);
	assert_string_equal(mg_json_key(mg_json_first(root)), "s");
	assert_int_equal(mg_json_print(&out, a), 0);
	assert_string_equal(out.ptr, "[1,{\"k\":null}]");
	memgit_buf_dispose(&out);
	mg_json_free(root);
}

static void expect_error(const char *text, size_t len, mg_json_parse_opts *o, const char *why)
{
	mg_json *root = NULL;
	assert_int_equal(mg_json_parse(&root, text, len, o), MEMGIT_EINPUT);
	assert_null(root);
	if (strcmp(memgit_error_last()->why, why) != 0)
		fail_msg("got '%s', expected '%s'", memgit_error_last()->why, why);
}

static void test_errors_name_line_and_column(void **state)
{
	mg_json_parse_opts o = { 0, 0, "t.jsonl", 7, 0 };
	char deep[300];
	(void)state;

	expect_error("{\"a\": tru}", 10, &o, "line 7, column 7: not valid JSON");
	assert_string_equal(memgit_error_last()->subject, "t.jsonl");
	expect_error("", 0, &o, "line 7, column 1: empty");
	expect_error("{} {}", 5, &o, "line 7, column 4: text after the JSON value");
	expect_error("\"a\xff\"", 4, &o, "line 7, column 3: invalid UTF-8");
	expect_error("[\"x\\u0000y\"]", 12, &o, "line 7, column 4: \\u0000 in a string");
	memset(deep, '[', 200);
	memset(deep + 200, ']', 100);
	o.max_depth = 64;
	expect_error(deep, 130, &o, "line 7, column 65: nested deeper than 64");
	/* brackets inside strings do not count */
	{
		mg_json *root = NULL;
		const char *s = "[\"[[[[[[[[[[[[[[[[[[[[\"]";
		o.max_depth = 2;
		assert_int_equal(mg_json_parse(&root, s, strlen(s), &o), 0);
		mg_json_free(root);
	}
}

static void test_nul_replaced_on_request(void **state)
{
	mg_json_parse_opts o = { 0, MG_JSON_REPLACE_NUL, NULL, 0, 0 };
	const char *s = "{\"t\":\"a\\u0000b\\\\u0000\"}";
	mg_json *root = NULL;
	(void)state;

	assert_int_equal(mg_json_parse(&root, s, strlen(s), &o), 0);
	/* the first is a NUL escape; the second is an escaped backslash + text */
	assert_string_equal(mg_json_get_string(root, "t"), "a\xef\xbf\xbd" "b\\u0000");
	assert_int_equal(o.nuls_replaced, 1);
	mg_json_free(root);
}

static void test_deep_input_is_cheap(void **state)
{
	size_t n = 1 << 20;
	char *deep = malloc(n);
	mg_json *root = NULL;
	(void)state;
	memset(deep, '[', n);
	assert_int_equal(mg_json_parse(&root, deep, n, NULL), MEMGIT_EINPUT);
	assert_non_null(strstr(memgit_error_last()->why, "nested deeper than 64"));
	free(deep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_access),
		cmocka_unit_test(test_errors_name_line_and_column),
		cmocka_unit_test(test_nul_replaced_on_request),
		cmocka_unit_test(test_deep_input_is_cheap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
