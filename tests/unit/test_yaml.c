/* test_yaml.c: the libyaml adapter (src/core/yaml.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "core/yaml.h"
#include "memgit/errors.h"

static int parse(mg_yaml_node **root, const char *text)
{
	return mg_yaml_parse(root, text, strlen(text), NULL, "f.yaml", 0);
}

static void assert_error(int rc, int code, const char *message)
{
	assert_int_equal(rc, code);
	assert_int_equal(memgit_error_last()->code, code);
	assert_string_equal(memgit_error_last()->message, message);
}

static void assert_refused(const char *text, const char *message)
{
	mg_yaml_node *root = (mg_yaml_node *)1;

	assert_error(parse(&root, text), MEMGIT_EYAML, message);
	assert_null(root);
}

static void assert_scalar(const mg_yaml_node *n, const char *value, int plain, unsigned line,
	unsigned column)
{
	assert_non_null(n);
	assert_int_equal(n->kind, MG_YAML_SCALAR);
	assert_string_equal(n->value, value);
	assert_int_equal(n->value_len, strlen(value));
	assert_int_equal(n->plain, plain);
	assert_int_equal(n->line, line);
	assert_int_equal(n->column, column);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void test_scalars_with_positions(void **state)
{
	const char *text = "a: 1\nb: 'two words'\nc: \"x\\ty\"\n";
	mg_yaml_node *root;

	(void)state;
	assert_int_equal(parse(&root, text), 0);
	assert_int_equal(root->kind, MG_YAML_MAPPING);
	assert_false(root->flow);
	assert_int_equal(root->nitems, 6);
	assert_scalar(root->items[0], "a", 1, 1, 1);
	assert_scalar(root->items[1], "1", 1, 1, 4);
	assert_scalar(root->items[3], "two words", 0, 2, 4);
	assert_scalar(root->items[5], "x\ty", 0, 3, 4);
	/* byte ranges cover the scalar as written, quotes included */
	assert_int_equal(root->items[3]->start, 8);
	assert_int_equal(root->items[3]->end, 19);
	assert_memory_equal(text + root->items[5]->start, "\"x\\ty\"", 6);
	assert_int_equal(root->items[5]->end - root->items[5]->start, 6);
	assert_ptr_equal(mg_yaml_get(root, "b"), root->items[3]);
	assert_null(mg_yaml_get(root, "z"));
	assert_null(mg_yaml_get(root->items[1], "a"));
	mg_yaml_free(root);
}

static void test_sequences_and_mappings(void **state)
{
	const char *text = "list:\n  - x\n  - [1, 2]\nmap: {k: v, n: {m: o}}\n";
	const mg_yaml_node *list, *map, *inner;
	mg_yaml_node *root;

	(void)state;
	assert_int_equal(parse(&root, text), 0);
	list = mg_yaml_get(root, "list");
	assert_int_equal(list->kind, MG_YAML_SEQUENCE);
	assert_false(list->flow);
	assert_int_equal(list->nitems, 2);
	assert_int_equal(list->line, 2);
	assert_int_equal(list->column, 3);
	assert_scalar(list->items[0], "x", 1, 2, 5);
	inner = list->items[1];
	assert_int_equal(inner->kind, MG_YAML_SEQUENCE);
	assert_true(inner->flow);
	assert_int_equal(inner->nitems, 2);
	assert_memory_equal(text + inner->start, "[1, 2]", inner->end - inner->start);
	assert_int_equal(inner->end - inner->start, 6);
	map = mg_yaml_get(root, "map");
	assert_int_equal(map->kind, MG_YAML_MAPPING);
	assert_true(map->flow);
	assert_int_equal(map->line, 4);
	assert_int_equal(map->column, 6);
	assert_memory_equal(text + map->start, "{k: v, n: {m: o}}", 17);
	assert_int_equal(map->end - map->start, 17);
	assert_scalar(mg_yaml_get(mg_yaml_get(map, "n"), "m"), "o", 1, 4, 20);
	mg_yaml_free(root);
}

/* libyaml counts marks in characters; ranges must still be bytes. */
static void test_multibyte_positions(void **state)
{
	const char *text = "\xc3\xa9t\xc3\xa9: \xc3\xbc\xe2\x82\xac\n"
			   "k: \"\xc3\xb1x\xf0\x9f\x98\x80\" # \xe2\x9c\x93\n"
			   "z: \xe6\x97\xa5\n";
	mg_yaml_node *root;
	const mg_yaml_node *v;

	(void)state;
	assert_int_equal(parse(&root, text), 0);
	v = root->items[1];
	assert_scalar(v, "\xc3\xbc\xe2\x82\xac", 1, 1, 6);
	assert_int_equal(v->start, 7);
	assert_int_equal(v->end, 12);
	v = root->items[3];
	assert_scalar(v, "\xc3\xb1x\xf0\x9f\x98\x80", 0, 2, 4);
	assert_int_equal(v->start, 16);
	assert_int_equal(v->end, 25);
	assert_memory_equal(text + v->start, "\"\xc3\xb1x\xf0\x9f\x98\x80\"", 9);
	v = root->items[5];
	assert_scalar(v, "\xe6\x97\xa5", 1, 3, 4);
	assert_memory_equal(text + v->start, "\xe6\x97\xa5", v->end - v->start);
	assert_int_equal(v->end - v->start, 3);
	mg_yaml_free(root);
}

/* A byte order mark is not counted by libyaml; ranges still index the text. */
static void test_bom(void **state)
{
	const char *text = "\xef\xbb\xbfk: \xc3\xa9v\n";
	mg_yaml_node *root;

	(void)state;
	assert_int_equal(parse(&root, text), 0);
	assert_scalar(root->items[0], "k", 1, 1, 1);
	assert_int_equal(root->items[0]->start, 3);
	assert_int_equal(root->items[1]->start, 6);
	assert_int_equal(root->items[1]->end, 9);
	mg_yaml_free(root);
}

static void test_empty_and_line_offset(void **state)
{
	mg_yaml_node *root = (mg_yaml_node *)1;

	(void)state;
	assert_int_equal(mg_yaml_parse(&root, "", 0, NULL, "f", 0), 0);
	assert_null(root);
	assert_int_equal(parse(&root, "# only a comment\n\n"), 0);
	assert_null(root);
	assert_int_equal(mg_yaml_parse(&root, "a: 1\nb: 2\n", 10, NULL, "f", 1), 0);
	assert_scalar(root->items[3], "2", 1, 3, 4);
	mg_yaml_free(root);
	assert_error(mg_yaml_parse(&root, "a: 1\nb: &x 2\n", 13, NULL, "m.md", 1), MEMGIT_EYAML,
		"invalid YAML 'm.md': line 3, column 4: anchors and aliases are not allowed");
}

static void test_anchors_refused(void **state)
{
	(void)state;
	assert_refused("a: &x 1\n",
		"invalid YAML 'f.yaml': line 1, column 4: anchors and aliases are not allowed");
	assert_refused("a: 1\nb: &s [1, 2]\n",
		"invalid YAML 'f.yaml': line 2, column 4: anchors and aliases are not allowed");
	assert_refused("&m {a: 1}\n",
		"invalid YAML 'f.yaml': line 1, column 1: anchors and aliases are not allowed");
	assert_refused("a:\n  - x\n  - &i y\n",
		"invalid YAML 'f.yaml': line 3, column 5: anchors and aliases are not allowed");
}

static void test_aliases_refused(void **state)
{
	(void)state;
	/* an alias naming no anchor is still refused where it stands */
	assert_refused("a: 1\nb: *x\n",
		"invalid YAML 'f.yaml': line 2, column 4: anchors and aliases are not allowed");
	assert_refused("[1, *y]\n",
		"invalid YAML 'f.yaml': line 1, column 5: anchors and aliases are not allowed");
}

static void test_billion_laughs(void **state)
{
	static const char names[] = "abcdefghi";
	char doc[2048];
	mg_yaml_node *root = NULL;
	struct timespec t0;
	size_t n, i, j;
	int rc;

	(void)state;
	n = (size_t)snprintf(doc, sizeof(doc), "a: &a [\"lol\",\"lol\",\"lol\",\"lol\","
		"\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
	for (i = 1; i < 9; i++) {
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "%c: &%c [", names[i], names[i]);
		for (j = 0; j < 9; j++)
			n += (size_t)snprintf(doc + n, sizeof(doc) - n, "%s*%c", j ? "," : "",
				names[i - 1]);
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "]\n");
	}
	assert_true(n < sizeof(doc));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = mg_yaml_parse(&root, doc, n, NULL, "lol.yaml", 0);
	printf("# billion laughs (%zu bytes) refused in %.3f ms\n", n, ms_since(&t0));
	assert_error(rc, MEMGIT_EYAML,
		"invalid YAML 'lol.yaml': line 1, column 4: anchors and aliases are not allowed");
	assert_null(root);
}

static char *repeat(const char *unit, size_t n, const char *tail)
{
	size_t u = strlen(unit), t = strlen(tail), i;
	char *s = malloc(u * n + t + 1);

	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * u, unit, u);
	memcpy(s + u * n, tail, t + 1);
	return s;
}

static void test_deep_flow_nesting(void **state)
{
	mg_yaml_limits big = { 1u << 20, 64 };
	mg_yaml_node *root = NULL;
	char *open = repeat("[", 10000, ""), *text = malloc(20001);
	struct timespec t0;
	int rc;

	(void)state;
	assert_non_null(text);
	memcpy(text, open, 10000);
	memset(text + 10000, ']', 10000);
	text[20000] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = mg_yaml_parse(&root, text, 20000, &big, "deep.yaml", 0);
	printf("# 10,000-deep flow nesting refused in %.3f ms\n", ms_since(&t0));
	assert_error(rc, MEMGIT_EYAML,
		"invalid YAML 'deep.yaml': line 1, column 65: nesting deeper than 64 levels");
	assert_null(root);
	/* exactly at the limit is fine */
	assert_int_equal(mg_yaml_parse(&root, text + 10000 - 64, 128, &big, "ok.yaml", 0), 0);
	assert_int_equal(root->kind, MG_YAML_SEQUENCE);
	mg_yaml_free(root);
	free(open);
	free(text);
}

static void test_deep_block_nesting(void **state)
{
	mg_yaml_limits big = { 1u << 20, 64 };
	mg_yaml_node *root = NULL;
	char *text = repeat("- ", 10000, "x\n");
	struct timespec t0;
	int rc;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = mg_yaml_parse(&root, text, strlen(text), &big, "deep.yaml", 0);
	printf("# 10,000-deep block nesting refused in %.3f ms\n", ms_since(&t0));
	assert_error(rc, MEMGIT_EYAML,
		"invalid YAML 'deep.yaml': line 1, column 129: nesting deeper than 64 levels");
	assert_null(root);
	free(text);
}

/* A deep tree within a raised limit is built and freed without recursion. */
static void test_deep_tree_freed(void **state)
{
	mg_yaml_limits deep = { 1u << 20, 5000 };
	mg_yaml_node *root = NULL;
	const mg_yaml_node *n;
	char *text = repeat("- ", 5000, "x\n");
	size_t depth = 0;

	(void)state;
	assert_int_equal(mg_yaml_parse(&root, text, strlen(text), &deep, "deep.yaml", 0), 0);
	for (n = root; n->kind == MG_YAML_SEQUENCE; n = n->items[0])
		depth++;
	assert_int_equal(depth, 5000);
	assert_string_equal(n->value, "x");
	mg_yaml_free(root);
	mg_yaml_free(NULL);
	free(text);
}

static void test_size_limit(void **state)
{
	mg_yaml_limits small = { 10, 64 };
	mg_yaml_node *root = NULL;

	(void)state;
	assert_error(mg_yaml_parse(&root, "a: 1234567\n", 11, &small, "f.yaml", 0), MEMGIT_ELIMIT,
		"YAML document too large 'f.yaml': 11 bytes, limit 10");
	assert_null(root);
	assert_int_equal(mg_yaml_parse(&root, "a: 123456\n", 10, &small, "f.yaml", 0), 0);
	assert_scalar(root->items[1], "123456", 1, 1, 4);
	mg_yaml_free(root);
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	assert_refused("a: 1\nb: 2\na: 3\n",
		"invalid YAML 'f.yaml': line 3, column 1: duplicate key 'a'");
	assert_refused("top:\n  x: 1\n  y: 2\n  x: 3\n",
		"invalid YAML 'f.yaml': line 4, column 3: duplicate key 'x'");
	assert_refused("{k: 1, j: 2, k: 2}\n",
		"invalid YAML 'f.yaml': line 1, column 14: duplicate key 'k'");
	/* compared by value: quoting does not make a key different */
	assert_refused("1: a\n'1': b\n",
		"invalid YAML 'f.yaml': line 2, column 1: duplicate key '1'");
	/* the first repeat in document order is the one reported */
	assert_refused("b: 1\na: 1\na: 2\nb: 2\n",
		"invalid YAML 'f.yaml': line 3, column 1: duplicate key 'a'");
}

static void test_complex_keys_refused(void **state)
{
	(void)state;
	assert_refused("? [a]\n: 1\n",
		"invalid YAML 'f.yaml': line 1, column 3: mapping keys must be scalars");
	assert_refused("{{a: 1}: 2}\n",
		"invalid YAML 'f.yaml': line 1, column 2: mapping keys must be scalars");
}

static void test_two_documents(void **state)
{
	mg_yaml_node *root;

	(void)state;
	assert_refused("a: 1\n---\nb: 2\n",
		"invalid YAML 'f.yaml': line 2, column 1: more than one document");
	assert_refused("--- 1\n--- 2\n",
		"invalid YAML 'f.yaml': line 2, column 1: more than one document");
	/* one explicit document is fine */
	assert_int_equal(parse(&root, "---\na: 1\n...\n"), 0);
	assert_scalar(root->items[1], "1", 1, 2, 4);
	mg_yaml_free(root);
}

static void test_invalid_utf8(void **state)
{
	mg_yaml_node *root = NULL;

	(void)state;
	assert_refused("a: b\nc: \xff\n", "invalid YAML 'f.yaml': line 2, column 4: invalid UTF-8");
	/* columns count characters: the truncated sequence follows a 2-byte one */
	assert_refused("x: \xc3\xa9\xc3", "invalid YAML 'f.yaml': line 1, column 5: invalid UTF-8");
	assert_refused("x: \xc0\xaf\n", "invalid YAML 'f.yaml': line 1, column 4: invalid UTF-8");
	assert_refused("x: \xed\xa0\x80\n",
		"invalid YAML 'f.yaml': line 1, column 4: invalid UTF-8");
	assert_refused("x: \xf4\x90\x80\x80\n",
		"invalid YAML 'f.yaml': line 1, column 4: invalid UTF-8");
	assert_error(mg_yaml_parse(&root, "a: x\0y\n", 7, NULL, "f.yaml", 0), MEMGIT_EYAML,
		"invalid YAML 'f.yaml': line 1, column 5: NUL byte");
	/* libyaml's own refusal of control characters, with our position */
	assert_refused("k: \xc3\xa9\x1b\n",
		"invalid YAML 'f.yaml': line 1, column 5: control characters are not allowed");
}

static void test_syntax_errors(void **state)
{
	mg_yaml_node *root = NULL;

	(void)state;
	assert_refused("a: [1, 2\n",
		"invalid YAML 'f.yaml': line 2, column 1: did not find expected ',' or ']' "
		"(while parsing a flow sequence at line 1, column 4)");
	assert_refused("a: b: c\n", "invalid YAML 'f.yaml': line 1, column 5: "
				    "mapping values are not allowed in this context");
	assert_error(mg_yaml_parse(&root, "x: 1\ny: \"open\n", 14, NULL, "m.md", 1), MEMGIT_EYAML,
		"invalid YAML 'm.md': line 4, column 1: found unexpected end of stream "
		"(while scanning a quoted scalar at line 3, column 4)");
}

static void test_bool(void **state)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "on", "ON",
		"tRuE" };
	static const char *const no[] = { "false", "False", "no", "NO", "off", "Off" };
	static const char *const neither[] = { "'true'", "\"no\"", "!!str yes", "maybe", "1", "y",
		"~" };
	char text[64];
	mg_yaml_node *root;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(text, sizeof(text), "v: %s\n", yes[i]);
		assert_int_equal(parse(&root, text), 0);
		assert_int_equal(mg_yaml_bool(mg_yaml_get(root, "v")), 1);
		mg_yaml_free(root);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(text, sizeof(text), "v: %s\n", no[i]);
		assert_int_equal(parse(&root, text), 0);
		assert_int_equal(mg_yaml_bool(mg_yaml_get(root, "v")), 0);
		mg_yaml_free(root);
	}
	for (i = 0; i < sizeof(neither) / sizeof(neither[0]); i++) {
		snprintf(text, sizeof(text), "v: %s\n", neither[i]);
		assert_int_equal(parse(&root, text), 0);
		assert_int_equal(mg_yaml_bool(mg_yaml_get(root, "v")), -1);
		mg_yaml_free(root);
	}
	assert_int_equal(mg_yaml_bool(NULL), -1);
}

/* Parse `text` and check its single scalar (`k: <x>` or `[<x>]`) is `s`. */
static void assert_reads_back(const char *text, const char *s, size_t len)
{
	const mg_yaml_node *v;
	mg_yaml_node *root = NULL;
	int rc = parse(&root, text);

	if (rc < 0)
		fail_msg("%s does not parse: %s", text, memgit_error_last()->message);
	v = root->kind == MG_YAML_MAPPING ? mg_yaml_get(root, "k") : root->items[0];
	assert_int_equal(root->nitems, root->kind == MG_YAML_MAPPING ? 2 : 1);
	assert_int_equal(v->kind, MG_YAML_SCALAR);
	assert_int_equal(v->value_len, len);
	assert_memory_equal(v->value, s, len);
	/* written plain only when a reader cannot take it for a bool, null or number */
	if (v->plain)
		assert_int_equal(mg_yaml_bool(v), -1);
	mg_yaml_free(root);
}

static void check_emit(const char *s, size_t len, const char *expected)
{
	memgit_buf out = MEMGIT_BUF_INIT, doc = MEMGIT_BUF_INIT;

	assert_int_equal(mg_yaml_emit_scalar(&out, s, len), 0);
	assert_string_equal(out.ptr, expected);
	assert_non_null(doc.ptr = calloc(1, out.size + 8));
	memcpy(doc.ptr, "k: ", 3);
	memcpy(doc.ptr + 3, out.ptr, out.size);
	memcpy(doc.ptr + 3 + out.size, "\n", 2);
	assert_reads_back(doc.ptr, s, len);
	doc.ptr[0] = '[';
	memcpy(doc.ptr + 1, out.ptr, out.size);
	memcpy(doc.ptr + 1 + out.size, "]\n", 3);
	assert_reads_back(doc.ptr, s, len);
	free(doc.ptr);
	memgit_buf_dispose(&out);
}

static void test_emit_scalar(void **state)
{
	static const char *const cases[][2] = {
		{ "hello", "hello" },
		{ "two words", "two words" },
		{ "cc-4d5611e5#41-57", "cc-4d5611e5#41-57" },
		{ "2026-11-20", "2026-11-20" },
		{ "2026-11-20T21:44:00Z", "2026-11-20T21:44:00Z" },
		{ "http://x.y/z", "http://x.y/z" },
		{ "q\"uote", "q\"uote" },
		{ "back\\slash", "back\\slash" },
		{ "\xc3\xa9t\xc3\xa9 \xe2\x82\xac", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac" },
		{ "", "\"\"" },
		{ " lead", "\" lead\"" },
		{ "trail ", "\"trail \"" },
		{ "-x", "\"-x\"" },
		{ "- x", "\"- x\"" },
		{ "?q", "\"?q\"" },
		{ ":c", "\":c\"" },
		{ "#c", "\"#c\"" },
		{ "&a", "\"&a\"" },
		{ "*a", "\"*a\"" },
		{ "!t", "\"!t\"" },
		{ "|l", "\"|l\"" },
		{ ">f", "\">f\"" },
		{ "'s'", "\"'s'\"" },
		{ "\"d\"", "\"\\\"d\\\"\"" },
		{ "%p", "\"%p\"" },
		{ "@a", "\"@a\"" },
		{ "`b", "\"`b\"" },
		{ "a: b", "\"a: b\"" },
		{ "a #b", "\"a #b\"" },
		{ "key:", "\"key:\"" },
		{ "a, b", "\"a, b\"" },
		{ "[x]", "\"[x]\"" },
		{ "x{y}", "\"x{y}\"" },
		{ "yes", "\"yes\"" },
		{ "No", "\"No\"" },
		{ "on", "\"on\"" },
		{ "OFF", "\"OFF\"" },
		{ "true", "\"true\"" },
		{ "False", "\"False\"" },
		{ "y", "\"y\"" },
		{ "null", "\"null\"" },
		{ "~", "\"~\"" },
		{ "<<", "\"<<\"" },
		{ "123", "\"123\"" },
		{ "-1", "\"-1\"" },
		{ "+7", "\"+7\"" },
		{ "1.5", "\"1.5\"" },
		{ ".5", "\".5\"" },
		{ "1e3", "\"1e3\"" },
		{ "1_000", "\"1_000\"" },
		{ "0x1F", "\"0x1F\"" },
		{ "0o17", "\"0o17\"" },
		{ "0b101", "\"0b101\"" },
		{ "12:30", "\"12:30\"" },
		{ ".inf", "\".inf\"" },
		{ "-.Inf", "\"-.Inf\"" },
		{ ".NaN", "\".NaN\"" },
		{ "line1\nline2", "\"line1\\nline2\"" },
		{ "tab\there", "\"tab\\there\"" },
		{ "cr\r", "\"cr\\r\"" },
		{ "bell\x07", "\"bell\\x07\"" },
		{ "del\x7f", "\"del\\x7F\"" },
		{ "nel\xc2\x85", "\"nel\\x85\"" },
		{ "ls\xe2\x80\xa8", "\"ls\\L\"" },
		{ "ps\xe2\x80\xa9", "\"ps\\P\"" },
		{ "bom\xef\xbb\xbf", "\"bom\\uFEFF\"" },
		{ "x\xef\xbf\xbe", "\"x\\uFFFE\"" },
		{ "a: \xc3\xa9 \\ \"", "\"a: \xc3\xa9 \\\\ \\\"\"" },
	};
	memgit_buf out = MEMGIT_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_emit(cases[i][0], strlen(cases[i][0]), cases[i][1]);
	check_emit("a\0b", 3, "\"a\\x00b\"");
	assert_error(mg_yaml_emit_scalar(&out, "ok\xff", 3), MEMGIT_EINPUT,
		"cannot write YAML: invalid UTF-8 at byte 2");
	memgit_buf_dispose(&out);
}

static void test_text_check_and_position(void **state)
{
	const char *reason = NULL;
	unsigned line, column;

	(void)state;
	assert_int_equal(mg_yaml_text_check("abc", 3, &reason), 3);
	assert_int_equal(mg_yaml_text_check("a\n\xc3\xa9\xff", 5, &reason), 4);
	assert_string_equal(reason, "invalid UTF-8");
	assert_int_equal(mg_yaml_text_check("ab\0", 3, &reason), 2);
	assert_string_equal(reason, "NUL byte");
	mg_yaml_position("ab\n\xc3\xa9x", 6, 5, &line, &column);
	assert_int_equal(line, 2);
	assert_int_equal(column, 2);
	mg_yaml_position("\xef\xbb\xbfx", 4, 3, &line, &column);
	assert_int_equal(line, 1);
	assert_int_equal(column, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars_with_positions),
		cmocka_unit_test(test_sequences_and_mappings),
		cmocka_unit_test(test_multibyte_positions),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_empty_and_line_offset),
		cmocka_unit_test(test_anchors_refused),
		cmocka_unit_test(test_aliases_refused),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_deep_flow_nesting),
		cmocka_unit_test(test_deep_block_nesting),
		cmocka_unit_test(test_deep_tree_freed),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_complex_keys_refused),
		cmocka_unit_test(test_two_documents),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_emit_scalar),
		cmocka_unit_test(test_text_check_and_position),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
