/* test_memory.c: memory files (src/core/entry.c, include/memgit/memory.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "memgit/errors.h"
#include "memgit/memory.h"

static const char design_example[] =
	"---\n"
	"id: 01JD3QK7Z8T6W5N4M2P1R0S9XY\n"
	"title: Run integration tests with the local database up\n"
	"kind: procedure          # fact | preference | procedure | mistake | workflow | note\n"
	"tags: [tests, database]\n"
	"created: 2026-11-20T21:44:00Z\n"
	"updated: 2026-11-21T08:02:13Z\n"
	"sources: [cc-4d5611e5#41-57, cc-a42b9c92#300]   # session id # event range\n"
	"confidence: 0.8\n"
	"pinned: false            # a pinned memory is never changed or removed by a dream\n"
	"expires: 2027-03-01      # optional; past it a dream may retire the memory\n"
	"---\n"
	"Start `pg_ctl -D ./pgdata start` before `ctest -L integration`; three sessions\n"
	"failed with \"connection refused\" when it was skipped.\n";

/* Unknown keys of every shape a rewrite must carry through untouched. */
static const char rich[] =
	"---\n"
	"# leading comment\n"
	"title: Old title   # trailing comment\n"
	"custom:\n"
	"  nested: {a: 1, b: [x, y]}\n"
	"  deeper:\n"
	"    - one\n"
	"    - two   # inner\n"
	"notes: |\n"
	"  line one\n"
	"\n"
	"  line three\n"
	"# comment before tags\n"
	"tags: [a, b]\n"
	"\n"
	"other: \"quoted: value\"\n"
	"folded: >-\n"
	"  some folded\n"
	"  text\n"
	"---\n"
	"Body text\n";

static memgit_memory *parse_ok(const char *path, const char *text)
{
	memgit_memory *mem = NULL;
	int rc = memgit_memory_parse(&mem, path, text, strlen(text), NULL);

	if (rc < 0)
		fail_msg("parse failed: %s", memgit_error_last()->message);
	assert_non_null(mem);
	return mem;
}

static void assert_serializes(const memgit_memory *mem, const char *expected)
{
	memgit_buf out = MEMGIT_BUF_INIT;

	assert_int_equal(memgit_memory_serialize(&out, mem), 0);
	assert_non_null(out.ptr);
	assert_string_equal(out.ptr, expected);
	assert_int_equal(out.size, strlen(expected));
	memgit_buf_dispose(&out);
}

static void assert_error(int rc, int code, const char *message)
{
	assert_int_equal(rc, code);
	assert_int_equal(memgit_error_last()->code, code);
	assert_string_equal(memgit_error_last()->message, message);
}

static void assert_parse_error(const char *path, const char *text, size_t len,
	const memgit_limits *limits, int code, const char *message)
{
	memgit_memory *mem = (memgit_memory *)1;

	assert_error(memgit_memory_parse(&mem, path, text, len, limits), code, message);
	assert_null(mem);
}

static void test_parse_front_matter(void **state)
{
	static const char *const keys[] = { "id", "title", "kind", "tags", "created", "updated",
		"sources", "confidence", "pinned", "expires" };
	memgit_memory *mem = parse_ok("memories/db.md", design_example);
	const char *body;
	size_t len, i;

	(void)state;
	assert_int_equal(memgit_memory_type_of(mem), MEMGIT_MEMORY_MARKDOWN);
	assert_true(memgit_memory_has_front_matter(mem));
	assert_int_equal(memgit_memory_key_count(mem), 10);
	for (i = 0; i < 10; i++)
		assert_string_equal(memgit_memory_key(mem, i), keys[i]);
	assert_null(memgit_memory_key(mem, 10));
	assert_string_equal(memgit_memory_get(mem, "title"),
		"Run integration tests with the local database up");
	assert_string_equal(memgit_memory_get(mem, "kind"), "procedure");
	assert_string_equal(memgit_memory_get(mem, "pinned"), "false");
	assert_string_equal(memgit_memory_get(mem, "confidence"), "0.8");
	assert_null(memgit_memory_get(mem, "tags"));
	assert_null(memgit_memory_get(mem, "missing"));
	assert_int_equal(memgit_memory_list_count(mem, "tags"), 2);
	assert_string_equal(memgit_memory_list_item(mem, "tags", 0), "tests");
	assert_string_equal(memgit_memory_list_item(mem, "tags", 1), "database");
	assert_null(memgit_memory_list_item(mem, "tags", 2));
	assert_string_equal(memgit_memory_list_item(mem, "sources", 0), "cc-4d5611e5#41-57");
	body = memgit_memory_body(mem, &len);
	assert_int_equal(len, strlen(strstr(design_example, "Start `pg_ctl")));
	assert_memory_equal(body, strstr(design_example, "Start `pg_ctl"), len);
	assert_serializes(mem, design_example);
	memgit_memory_free(mem);
	memgit_memory_free(NULL);
}

static void test_parse_without_front_matter(void **state)
{
	const char *text = "# Title\n\nSome --- text\n---\n";
	memgit_memory *mem = parse_ok("CLAUDE.md", text);
	size_t len;

	(void)state;
	assert_false(memgit_memory_has_front_matter(mem));
	assert_int_equal(memgit_memory_key_count(mem), 0);
	assert_null(memgit_memory_get(mem, "title"));
	assert_int_equal(memgit_memory_list_count(mem, "tags"), 0);
	assert_string_equal(memgit_memory_body(mem, &len), text);
	assert_int_equal(len, strlen(text));
	assert_serializes(mem, text);
	memgit_memory_free(mem);

	mem = parse_ok("empty.txt", "");
	assert_string_equal(memgit_memory_body(mem, &len), "");
	assert_int_equal(len, 0);
	assert_serializes(mem, "");
	memgit_memory_free(mem);
}

static void test_crlf(void **state)
{
	const char *text = "---\r\ntitle: x\r\nkind: fact\r\n---\r\nbody\r\n";
	memgit_memory *mem = parse_ok("m.md", text);
	size_t len;

	(void)state;
	assert_string_equal(memgit_memory_get(mem, "title"), "x");
	assert_string_equal(memgit_memory_get(mem, "kind"), "fact");
	assert_string_equal(memgit_memory_body(mem, &len), "body\r\n");
	assert_serializes(mem, text);
	assert_int_equal(memgit_memory_set_string(mem, "title", "z"), 0);
	assert_int_equal(memgit_memory_set_string(mem, "id", "m1"), 0);
	assert_serializes(mem, "---\r\ntitle: z\r\nkind: fact\r\nid: m1\r\n---\r\nbody\r\n");
	memgit_memory_free(mem);
}

static void test_unterminated_front_matter(void **state)
{
	const char *text = "---\ntitle: x\nbody\n";

	(void)state;
	assert_parse_error("m.md", text, strlen(text), NULL, MEMGIT_EYAML,
		"invalid front matter 'm.md': line 1, column 1: front matter not closed");
	assert_parse_error("m.md", "---", 3, NULL, MEMGIT_EYAML,
		"invalid front matter 'm.md': line 1, column 1: front matter not closed");
	/* "----" or "--- x" is not a delimiter line */
	assert_parse_error("m.md", "---\na: 1\n----\n", 14, NULL, MEMGIT_EYAML,
		"invalid front matter 'm.md': line 1, column 1: front matter not closed");
}

static void test_empty_front_matter(void **state)
{
	memgit_memory *mem = parse_ok("m.md", "---\n---\nbody");

	(void)state;
	assert_true(memgit_memory_has_front_matter(mem));
	assert_int_equal(memgit_memory_key_count(mem), 0);
	assert_int_equal(memgit_memory_set_string(mem, "title", "t"), 0);
	assert_serializes(mem, "---\ntitle: t\n---\nbody");
	memgit_memory_free(mem);

	mem = parse_ok("m.md", "---\n# just a comment\n\n---\n");
	assert_int_equal(memgit_memory_key_count(mem), 0);
	assert_int_equal(memgit_memory_set_bool(mem, "pinned", 1), 0);
	assert_serializes(mem, "---\n# just a comment\n\npinned: true\n---\n");
	memgit_memory_free(mem);
}

static void test_dots_terminator_and_no_final_newline(void **state)
{
	memgit_memory *mem = parse_ok("m.md", "---\na: 1\n...\nbody");
	size_t len;

	(void)state;
	assert_string_equal(memgit_memory_body(mem, &len), "body");
	assert_int_equal(memgit_memory_set_string(mem, "b", "2"), 0);
	assert_serializes(mem, "---\na: 1\nb: \"2\"\n...\nbody");
	memgit_memory_free(mem);

	/* a file ending on its closing line gets a line break before a new body */
	mem = parse_ok("m.md", "---\na: 1\n---");
	assert_string_equal(memgit_memory_body(mem, &len), "");
	assert_int_equal(memgit_memory_set_body(mem, "text\n", 5), 0);
	assert_serializes(mem, "---\na: 1\n---\ntext\n");
	memgit_memory_free(mem);
}

static void test_accessors(void **state)
{
	const char *text = "---\n"
			   "title: \"a: b\"\n"
			   "single: one\n"
			   "empty:\n"
			   "nothing: ~\n"
			   "quoted_empty: ''\n"
			   "mixed: [a, {b: c}]\n"
			   "map: {k: v}\n"
			   "multi: \"x\\ny\"\n"
			   "---\n";
	memgit_memory *mem = parse_ok("m.md", text);

	(void)state;
	assert_string_equal(memgit_memory_get(mem, "title"), "a: b");
	assert_string_equal(memgit_memory_get(mem, "multi"), "x\ny");
	assert_string_equal(memgit_memory_get(mem, "empty"), "");
	assert_null(memgit_memory_get(mem, "map"));
	assert_null(memgit_memory_get(mem, "mixed"));
	assert_int_equal(memgit_memory_list_count(mem, "single"), 1);
	assert_string_equal(memgit_memory_list_item(mem, "single", 0), "one");
	assert_null(memgit_memory_list_item(mem, "single", 1));
	assert_int_equal(memgit_memory_list_count(mem, "empty"), 0);
	assert_int_equal(memgit_memory_list_count(mem, "nothing"), 0);
	assert_int_equal(memgit_memory_list_count(mem, "quoted_empty"), 1);
	assert_int_equal(memgit_memory_list_count(mem, "mixed"), 0);
	assert_null(memgit_memory_list_item(mem, "mixed", 0));
	assert_int_equal(memgit_memory_list_count(mem, "map"), 0);
	assert_int_equal(memgit_memory_list_count(mem, "absent"), 0);
	memgit_memory_free(mem);
}

/* Each known key, refused with the file's line and the value's column. */
#define KINDS "one of fact, preference, procedure, mistake, workflow, note"
#define NUMBER "expected a number from 0 to 1"
#define LIST "expected a scalar or a list of scalars"
#define DATE "expected a date (YYYY-MM-DD) or an RFC 3339 timestamp"
static void test_known_key_validation(void **state)
{
	static const char *const cases[][2] = {
		{ "kind: bogus", "line 3, column 7: kind: 'bogus' is not " KINDS },
		{ "kind: [fact]", "line 3, column 7: kind: expected " KINDS },
		{ "pinned: maybe", "line 3, column 9: pinned: expected true or false" },
		{ "pinned: \"true\"", "line 3, column 9: pinned: expected true or false" },
		{ "confidence: 1.5", "line 3, column 13: confidence: " NUMBER },
		{ "confidence: -0.1", "line 3, column 13: confidence: " NUMBER },
		{ "confidence: 1.0001", "line 3, column 13: confidence: " NUMBER },
		{ "confidence: high", "line 3, column 13: confidence: " NUMBER },
		{ "confidence: '0.5'", "line 3, column 13: confidence: " NUMBER },
		{ "confidence: 0x1", "line 3, column 13: confidence: " NUMBER },
		{ "tags: {a: 1}", "line 3, column 7: tags: " LIST },
		{ "tags: [a, [b]]", "line 3, column 11: tags: " LIST },
		{ "sources:\n  - s1\n  - k: v", "line 5, column 5: sources: " LIST },
		{ "created: 2026-13-01", "line 3, column 10: created: " DATE },
		{ "created: 2026-02-29", "line 3, column 10: created: " DATE },
		{ "updated: 2026-11-20T25:00:00Z", "line 3, column 10: updated: " DATE },
		{ "updated: 2026-11-20T21:44:00", "line 3, column 10: updated: " DATE },
		{ "expires: next week", "line 3, column 10: expires: " DATE },
		{ "expires: [2027-01-01]", "line 3, column 10: expires: " DATE },
		{ "id: [x]", "line 3, column 5: id: expected a scalar" },
		{ "title: {a: b}", "line 3, column 8: title: expected a scalar" },
	};
	char text[256], message[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "---\nother: 1\n%s\n---\nbody\n", cases[i][0]);
		snprintf(message, sizeof(message), "invalid front matter 'm.md': %s", cases[i][1]);
		assert_parse_error("m.md", text, strlen(text), NULL, MEMGIT_EYAML, message);
	}
	assert_parse_error("m.md", "---\n- a\n- b\n---\n", 16, NULL, MEMGIT_EYAML,
		"invalid front matter 'm.md': line 2, column 1: front matter must be a mapping");
}

static void test_known_keys_accepted(void **state)
{
	static const char *const good[] = {
		"kind: note", "pinned: yes", "pinned: False", "confidence: 0", "confidence: 1",
		"confidence: 1.000", "confidence: .5", "confidence: -0", "tags: solo", "tags:",
		"tags: []", "sources: [a, 'b c']", "created: 2024-02-29",
		"created: \"2026-11-20\"", "updated: 2026-11-20T21:44:00.123Z",
		"updated: 2026-11-20t21:44:00+01:00", "expires: 2026-11-20 21:44:60-05:30",
		"id: 42", "title: 'x'",
	};
	char text[256];
	memgit_memory *mem;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "---\n%s\n---\n", good[i]);
		mem = parse_ok("m.md", text);
		assert_serializes(mem, text);
		memgit_memory_free(mem);
	}
}

static void test_set_string_keeps_unknown_keys(void **state)
{
	memgit_memory *mem = parse_ok("m.md", rich);

	(void)state;
	assert_int_equal(memgit_memory_set_string(mem, "title", "New: title"), 0);
	assert_string_equal(memgit_memory_get(mem, "title"), "New: title");
	assert_serializes(mem,
		"---\n"
		"# leading comment\n"
		"title: \"New: title\"\n"
		"custom:\n"
		"  nested: {a: 1, b: [x, y]}\n"
		"  deeper:\n"
		"    - one\n"
		"    - two   # inner\n"
		"notes: |\n"
		"  line one\n"
		"\n"
		"  line three\n"
		"# comment before tags\n"
		"tags: [a, b]\n"
		"\n"
		"other: \"quoted: value\"\n"
		"folded: >-\n"
		"  some folded\n"
		"  text\n"
		"---\n"
		"Body text\n");
	assert_string_equal(memgit_memory_get(mem, "notes"), "line one\n\nline three\n");
	assert_string_equal(memgit_memory_get(mem, "folded"), "some folded text");
	memgit_memory_free(mem);
}

static void test_set_list_bool_unset_keep_unknown_keys(void **state)
{
	static const char *const tags[] = { "x", "y z", "yes" };
	memgit_memory *mem = parse_ok("m.md", rich);

	(void)state;
	assert_int_equal(memgit_memory_set_list(mem, "tags", tags, 3), 0);
	assert_int_equal(memgit_memory_set_bool(mem, "pinned", 1), 0);
	assert_int_equal(memgit_memory_unset(mem, "custom"), 0);
	assert_int_equal(memgit_memory_unset(mem, "not-there"), 0);
	assert_int_equal(memgit_memory_set_list(mem, "sources", NULL, 0), 0);
	assert_serializes(mem,
		"---\n"
		"# leading comment\n"
		"title: Old title   # trailing comment\n"
		"notes: |\n"
		"  line one\n"
		"\n"
		"  line three\n"
		"# comment before tags\n"
		"tags: [x, y z, \"yes\"]\n"
		"\n"
		"other: \"quoted: value\"\n"
		"folded: >-\n"
		"  some folded\n"
		"  text\n"
		"pinned: true\n"
		"sources: []\n"
		"---\n"
		"Body text\n");
	assert_int_equal(memgit_memory_key_count(mem), 7);
	assert_string_equal(memgit_memory_key(mem, 0), "title");
	assert_string_equal(memgit_memory_key(mem, 6), "sources");
	assert_int_equal(memgit_memory_list_count(mem, "tags"), 3);
	assert_string_equal(memgit_memory_list_item(mem, "tags", 1), "y z");
	assert_string_equal(memgit_memory_list_item(mem, "tags", 2), "yes");
	assert_string_equal(memgit_memory_get(mem, "pinned"), "true");
	assert_int_equal(memgit_memory_list_count(mem, "sources"), 0);
	assert_null(memgit_memory_get(mem, "custom"));

	/* replacing a key keeps its place; unsetting the last keeps what precedes */
	assert_int_equal(memgit_memory_set_bool(mem, "pinned", 0), 0);
	assert_int_equal(memgit_memory_unset(mem, "sources"), 0);
	assert_int_equal(memgit_memory_unset(mem, "notes"), 0);
	assert_serializes(mem,
		"---\n"
		"# leading comment\n"
		"title: Old title   # trailing comment\n"
		"# comment before tags\n"
		"tags: [x, y z, \"yes\"]\n"
		"\n"
		"other: \"quoted: value\"\n"
		"folded: >-\n"
		"  some folded\n"
		"  text\n"
		"pinned: false\n"
		"---\n"
		"Body text\n");
	memgit_memory_free(mem);
}

static void test_unmodified_round_trip(void **state)
{
	static const char *const texts[] = {
		design_example,
		rich,
		"---\r\n# crlf\r\na:   1\r\n\r\n---\r\n\r\nbody\r\n",
		"---\n{a: 1,\n  b: [x]}\n...\n",
		"---\n  indented: 1\n  more: 2\n---\nno newline at end",
		"---\n---\n",
		"plain text only",
		"\xef\xbb\xbf---\nbom: 1\n---\nbody\n",
		"\xef\xbb\xbfno front matter\n",
	};
	memgit_memory *mem;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		mem = parse_ok("m.md", texts[i]);
		assert_serializes(mem, texts[i]);
		/* nothing to remove is no change either */
		assert_int_equal(memgit_memory_unset(mem, "absent-key"), 0);
		assert_serializes(mem, texts[i]);
		memgit_memory_free(mem);
	}
}

static void test_set_without_front_matter(void **state)
{
	memgit_memory *mem = parse_ok("m.md", "# Title\nbody\n");
	size_t len;

	(void)state;
	assert_int_equal(memgit_memory_set_string(mem, "title", "T"), 0);
	assert_true(memgit_memory_has_front_matter(mem));
	assert_serializes(mem, "---\ntitle: T\n---\n# Title\nbody\n");
	assert_string_equal(memgit_memory_body(mem, &len), "# Title\nbody\n");
	memgit_memory_free(mem);

	mem = parse_ok("m.md", "line\r\nnext\r\n");
	assert_int_equal(memgit_memory_set_list(mem, "tags", (const char *const[]){ "a" }, 1), 0);
	assert_serializes(mem, "---\r\ntags: [a]\r\n---\r\nline\r\nnext\r\n");
	memgit_memory_free(mem);

	/* unsetting on a file without front matter adds none */
	mem = parse_ok("m.md", "text\n");
	assert_int_equal(memgit_memory_unset(mem, "title"), 0);
	assert_false(memgit_memory_has_front_matter(mem));
	assert_serializes(mem, "text\n");
	memgit_memory_free(mem);
}

static void test_flow_and_indented_front_matter(void **state)
{
	memgit_memory *mem = parse_ok("m.md",
		"---\n{title: x, tags: [a,\nb], custom: {k: v}}\n---\nbody\n");

	(void)state;
	assert_string_equal(memgit_memory_get(mem, "title"), "x");
	assert_int_equal(memgit_memory_list_count(mem, "tags"), 2);
	assert_int_equal(memgit_memory_set_string(mem, "title", "y"), 0);
	assert_serializes(mem, "---\ntitle: \"y\"\ntags: [a,\n b]\ncustom: {k: v}\n---\nbody\n");
	assert_int_equal(memgit_memory_list_count(mem, "tags"), 2);
	assert_string_equal(memgit_memory_list_item(mem, "tags", 1), "b");
	memgit_memory_free(mem);

	mem = parse_ok("m.md", "---\n  a: 1\n  b: 2\n---\n");
	assert_int_equal(memgit_memory_set_string(mem, "c", "x"), 0);
	assert_int_equal(memgit_memory_set_string(mem, "a", "z"), 0);
	assert_serializes(mem, "---\n  a: z\n  b: 2\n  c: x\n---\n");
	memgit_memory_free(mem);
}

/* Block shapes whose extent a rewrite must get right. */
static void test_block_shapes(void **state)
{
	memgit_memory *mem = parse_ok("m.md",
		"---\n"
		"tags:\n"
		"- a\n"
		"- b\n"
		"\"quoted key\": 1\n"
		"? explicit\n"
		": value\n"
		"keep: |+\n"
		"  kept\n"
		"\n"
		"---\n");

	(void)state;
	assert_int_equal(memgit_memory_list_count(mem, "tags"), 2);
	assert_string_equal(memgit_memory_get(mem, "explicit"), "value");
	assert_string_equal(memgit_memory_get(mem, "keep"), "kept\n\n");
	assert_int_equal(memgit_memory_set_list(mem, "tags", (const char *const[]){ "c" }, 1), 0);
	assert_int_equal(memgit_memory_set_string(mem, "quoted key", "2"), 0);
	assert_int_equal(memgit_memory_unset(mem, "explicit"), 0);
	assert_int_equal(memgit_memory_set_string(mem, "z", "v"), 0);
	assert_serializes(mem,
		"---\n"
		"tags: [c]\n"
		"quoted key: \"2\"\n"
		"keep: |+\n"
		"  kept\n"
		"\n"
		"z: v\n"
		"---\n");
	assert_string_equal(memgit_memory_get(mem, "keep"), "kept\n\n");
	assert_string_equal(memgit_memory_get(mem, "quoted key"), "2");
	memgit_memory_free(mem);

	/* a byte order mark stays in front of the opening line */
	mem = parse_ok("m.md", "\xef\xbb\xbf---\ntitle: a\n---\nbody");
	assert_string_equal(memgit_memory_get(mem, "title"), "a");
	assert_int_equal(memgit_memory_set_string(mem, "title", "b"), 0);
	assert_serializes(mem, "\xef\xbb\xbf---\ntitle: b\n---\nbody");
	memgit_memory_free(mem);
}

static void test_set_values(void **state)
{
	memgit_memory *mem = parse_ok("m.md", "---\ntitle: x\n---\n");
	const char *old;

	(void)state;
	old = memgit_memory_get(mem, "title");
	assert_int_equal(memgit_memory_set_string(mem, "title", "two\nlines"), 0);
	/* a value borrowed before the rewrite is still readable */
	assert_string_equal(old, "x");
	assert_string_equal(memgit_memory_get(mem, "title"), "two\nlines");
	assert_int_equal(memgit_memory_set_string(mem, "my key: odd", "v"), 0);
	assert_string_equal(memgit_memory_get(mem, "my key: odd"), "v");
	assert_int_equal(memgit_memory_set_string(mem, "confidence", "0.75"), 0);
	assert_int_equal(memgit_memory_set_string(mem, "created", "2026-11-20T21:44:00Z"), 0);
	assert_int_equal(memgit_memory_set_string(mem, "kind", "fact"), 0);
	assert_serializes(mem, "---\ntitle: \"two\\nlines\"\n\"my key: odd\": v\nconfidence: 0.75\n"
			       "created: 2026-11-20T21:44:00Z\nkind: fact\n---\n");
	memgit_memory_free(mem);
}

/* A set that would break a known key is refused and changes nothing. */
static void test_set_refused(void **state)
{
	const char *text = "---\ntitle: x\nkind: fact\n---\nbody\n";
	memgit_memory *mem = parse_ok("m.md", text);

	(void)state;
	assert_error(memgit_memory_set_string(mem, "kind", "bogus"), MEMGIT_EYAML,
		"invalid front matter 'm.md': line 3, column 7: kind: 'bogus' is not one of fact, "
		"preference, procedure, mistake, workflow, note");
	assert_error(memgit_memory_set_string(mem, "confidence", "2"), MEMGIT_EYAML,
		"invalid front matter 'm.md': line 4, column 13: confidence: expected a number "
		"from 0 to 1");
	assert_error(memgit_memory_set_bool(mem, "confidence", 1), MEMGIT_EYAML,
		"invalid front matter 'm.md': line 4, column 13: confidence: expected a number "
		"from 0 to 1");
	assert_error(memgit_memory_set_list(mem, "pinned", NULL, 0), MEMGIT_EYAML,
		"invalid front matter 'm.md': line 4, column 9: pinned: expected true or false");
	assert_error(memgit_memory_set_string(mem, "created", "soon"), MEMGIT_EYAML,
		"invalid front matter 'm.md': line 4, column 10: created: expected a date "
		"(YYYY-MM-DD) or an RFC 3339 timestamp");
	assert_error(memgit_memory_set_string(mem, "", "v"), MEMGIT_EINPUT,
		"cannot set key 'm.md': empty key");
	assert_error(memgit_memory_set_string(mem, "t", "bad\xff"), MEMGIT_EINPUT,
		"cannot set key 'm.md': line 1, column 4: invalid UTF-8");
	assert_error(memgit_memory_set_list(mem, "tags", (const char *const[]){ "ok", "\xc3" }, 2),
		MEMGIT_EINPUT, "cannot set key 'm.md': line 1, column 1: invalid UTF-8");
	assert_string_equal(memgit_memory_get(mem, "kind"), "fact");
	assert_null(memgit_memory_get(mem, "confidence"));
	assert_serializes(mem, text);

	/* refused on a file without front matter: still none */
	memgit_memory_free(mem);
	mem = parse_ok("m.md", "body\n");
	assert_int_equal(memgit_memory_set_string(mem, "kind", "bogus"), MEMGIT_EYAML);
	assert_false(memgit_memory_has_front_matter(mem));
	assert_serializes(mem, "body\n");
	memgit_memory_free(mem);
}

static void test_set_body(void **state)
{
	memgit_memory *mem = parse_ok("m.md", "---\n# c\na: 1\n---\nold\n");
	memgit_limits small = MEMGIT_LIMITS_INIT;
	size_t len;

	(void)state;
	assert_int_equal(memgit_memory_set_body(mem, "new body\n", 9), 0);
	assert_string_equal(memgit_memory_body(mem, &len), "new body\n");
	assert_serializes(mem, "---\n# c\na: 1\n---\nnew body\n");
	assert_error(memgit_memory_set_body(mem, "ok\nb\xc3(\n", 7), MEMGIT_EINPUT,
		"invalid memory 'm.md': line 6, column 2: invalid UTF-8");
	assert_error(memgit_memory_set_body(mem, "a\0b", 3), MEMGIT_EINPUT,
		"invalid memory 'm.md': line 5, column 2: NUL byte");
	assert_serializes(mem, "---\n# c\na: 1\n---\nnew body\n");
	memgit_memory_free(mem);

	small.memory_max_bytes = 20;
	assert_int_equal(memgit_memory_parse(&mem, "m.md", "---\na: 1\n---\nbody\n", 18, &small),
		0);
	assert_int_equal(memgit_memory_set_body(mem, "body!!", 6), 0);
	assert_error(memgit_memory_set_body(mem, "body!!!!", 8), MEMGIT_ELIMIT,
		"memory too large 'm.md': 21 bytes, limit 20");
	assert_error(memgit_memory_set_string(mem, "b", "v"), MEMGIT_ELIMIT,
		"memory too large 'm.md': 24 bytes, limit 20");
	assert_serializes(mem, "---\na: 1\n---\nbody!!");
	memgit_memory_free(mem);
}

static void test_yaml_memory(void **state)
{
	const char *text = "name: x\nkind: not-checked-here\nitems: [1, 2]\n";
	memgit_memory *mem = parse_ok("memories/project.yaml", text);
	size_t len;

	(void)state;
	assert_int_equal(memgit_memory_type_of(mem), MEMGIT_MEMORY_YAML);
	assert_false(memgit_memory_has_front_matter(mem));
	assert_int_equal(memgit_memory_key_count(mem), 0);
	assert_null(memgit_memory_get(mem, "name"));
	assert_string_equal(memgit_memory_body(mem, &len), text);
	assert_error(memgit_memory_set_string(mem, "name", "y"), MEMGIT_EINPUT,
		"cannot set key 'memories/project.yaml': a YAML memory has no front matter");
	assert_int_equal(memgit_memory_set_bool(mem, "b", 1), MEMGIT_EINPUT);
	assert_int_equal(memgit_memory_set_list(mem, "l", NULL, 0), MEMGIT_EINPUT);
	assert_int_equal(memgit_memory_unset(mem, "name"), 0);
	assert_serializes(mem, text);
	assert_error(memgit_memory_set_body(mem, "a: [1\n", 6), MEMGIT_EYAML,
		"invalid YAML 'memories/project.yaml': line 2, column 1: did not find expected ',' "
		"or ']' (while parsing a flow sequence at line 1, column 4)");
	assert_int_equal(memgit_memory_set_body(mem, "- a\n- b\n", 8), 0);
	assert_serializes(mem, "- a\n- b\n");
	memgit_memory_free(mem);

	mem = parse_ok("x.YML", "");
	assert_int_equal(memgit_memory_type_of(mem), MEMGIT_MEMORY_YAML);
	memgit_memory_free(mem);
	assert_parse_error("p.yml", "a: &x 1\nb: *x\n", 14, NULL, MEMGIT_EYAML,
		"invalid YAML 'p.yml': line 1, column 4: anchors and aliases are not allowed");
	assert_parse_error("p.yaml", "a: 1\n---\nb: 2\n", 14, NULL, MEMGIT_EYAML,
		"invalid YAML 'p.yaml': line 2, column 1: more than one document");
}

static void test_front_matter_yaml_errors(void **state)
{
	const char *text = "---\ntitle: x\ntags: [a, b\n---\nbody\n";

	(void)state;
	assert_parse_error("m.md", text, strlen(text), NULL, MEMGIT_EYAML,
		"invalid YAML 'm.md': line 4, column 1: did not find expected ',' or ']' "
		"(while parsing a flow sequence at line 3, column 7)");
	text = "---\na: 1\nb: &anchor 2\n---\n";
	assert_parse_error("m.md", text, strlen(text), NULL, MEMGIT_EYAML,
		"invalid YAML 'm.md': line 3, column 4: anchors and aliases are not allowed");
	text = "---\na: 1\na: 2\n---\n";
	assert_parse_error("m.md", text, strlen(text), NULL, MEMGIT_EYAML,
		"invalid YAML 'm.md': line 3, column 1: duplicate key 'a'");
}

static void test_size_limit(void **state)
{
	memgit_limits small = MEMGIT_LIMITS_INIT;
	memgit_memory *mem = NULL;
	char *big = malloc(102402);

	(void)state;
	assert_non_null(big);
	memset(big, 'x', 102401);
	big[102401] = '\0';
	assert_parse_error("big.md", big, 102401, NULL, MEMGIT_ELIMIT,
		"memory too large 'big.md': 102401 bytes, limit 102400");
	assert_int_equal(memgit_memory_parse(&mem, "big.md", big, 102400, NULL), 0);
	memgit_memory_free(mem);
	free(big);

	small.memory_max_bytes = 100;
	big = calloc(1, 102);
	assert_non_null(big);
	memset(big, 'y', 101);
	assert_parse_error("m.md", big, 101, &small, MEMGIT_ELIMIT,
		"memory too large 'm.md': 101 bytes, limit 100");
	assert_int_equal(memgit_memory_parse(&mem, "m.md", big, 100, &small), 0);
	memgit_memory_free(mem);
	free(big);
}

static void test_depth_limit(void **state)
{
	memgit_limits shallow = MEMGIT_LIMITS_INIT;
	memgit_memory *mem = NULL;
	const char *text = "---\nok: 1\na: [[[1]]]\n---\n";
	char *deep;

	(void)state;
	shallow.yaml_max_depth = 3;
	assert_parse_error("m.md", text, strlen(text), &shallow, MEMGIT_EYAML,
		"invalid YAML 'm.md': line 3, column 6: nesting deeper than 3 levels");
	assert_int_equal(memgit_memory_parse(&mem, "m.md", "---\na: [[1]]\n---\n", 17, &shallow),
		0);
	memgit_memory_free(mem);

	/* 10,000 levels against the default limit of 64 */
	deep = calloc(1, 20032);
	assert_non_null(deep);
	memcpy(deep, "---\nx: ", 7);
	memset(deep + 7, '[', 10000);
	memset(deep + 10007, ']', 10000);
	memcpy(deep + 20007, "\n---\n", 6);
	assert_parse_error("m.md", deep, strlen(deep), NULL, MEMGIT_EYAML,
		"invalid YAML 'm.md': line 2, column 67: nesting deeper than 64 levels");
	free(deep);
}

static void test_nul_and_invalid_utf8(void **state)
{
	(void)state;
	assert_parse_error("m.md", "---\ntitle: a\0b\n---\n", 19, NULL, MEMGIT_EINPUT,
		"invalid memory 'm.md': line 2, column 9: NUL byte");
	assert_parse_error("m.md", "hello\nwor\0ld", 12, NULL, MEMGIT_EINPUT,
		"invalid memory 'm.md': line 2, column 4: NUL byte");
	assert_parse_error("m.md", "\xc3\xa9\n\xffx", 5, NULL, MEMGIT_EINPUT,
		"invalid memory 'm.md': line 2, column 1: invalid UTF-8");
	assert_parse_error("m.md", "ab \xc3\xa9\xc3", 6, NULL, MEMGIT_EINPUT,
		"invalid memory 'm.md': line 1, column 5: invalid UTF-8");
	assert_parse_error("m.md", "---\nt: \xed\xa0\x80\n---\n", 15, NULL, MEMGIT_EINPUT,
		"invalid memory 'm.md': line 2, column 4: invalid UTF-8");
	assert_parse_error("p.yaml", "a: \xc0\x80\n", 6, NULL, MEMGIT_EINPUT,
		"invalid memory 'p.yaml': line 1, column 4: invalid UTF-8");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_front_matter),
		cmocka_unit_test(test_parse_without_front_matter),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_unterminated_front_matter),
		cmocka_unit_test(test_empty_front_matter),
		cmocka_unit_test(test_dots_terminator_and_no_final_newline),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_known_key_validation),
		cmocka_unit_test(test_known_keys_accepted),
		cmocka_unit_test(test_set_string_keeps_unknown_keys),
		cmocka_unit_test(test_set_list_bool_unset_keep_unknown_keys),
		cmocka_unit_test(test_unmodified_round_trip),
		cmocka_unit_test(test_set_without_front_matter),
		cmocka_unit_test(test_flow_and_indented_front_matter),
		cmocka_unit_test(test_block_shapes),
		cmocka_unit_test(test_set_values),
		cmocka_unit_test(test_set_refused),
		cmocka_unit_test(test_set_body),
		cmocka_unit_test(test_yaml_memory),
		cmocka_unit_test(test_front_matter_yaml_errors),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_nul_and_invalid_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
