/* test_path.c: the memory path policy and UTF-8 helpers (src/util/path.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "memgit/errors.h"
#include "memgit/read.h"
#include "util/buf.h"
#include "util/path.h"

static void expect_path(const char *input, const char *want)
{
	memgit_buf out = MEMGIT_BUF_INIT;
	int rc = mg_path_normalize(&out, input);

	if (rc != 0)
		fail_msg("\"%s\" refused: %s", input, memgit_error_last()->message);
	assert_string_equal(out.ptr, want);
	assert_int_equal(out.size, strlen(want));
	memgit_buf_dispose(&out);
}

/* Refused with `rule`; the error quotes `shown` (the input made printable). */
static void expect_refused(const char *input, const char *rule, const char *shown)
{
	memgit_buf out = MEMGIT_BUF_INIT;
	const memgit_error *e;
	char message[2048];

	memgit_error_clear();
	assert_int_equal(mg_path_normalize(&out, input), MEMGIT_EPATH);
	assert_int_equal(out.size, 0);
	e = memgit_error_last();
	assert_int_equal(e->code, MEMGIT_EPATH);
	assert_string_equal(e->what, "invalid memory path");
	assert_string_equal(e->why, rule);
	assert_string_equal(e->subject, shown);
	if (shown[0])
		snprintf(message, sizeof(message), "invalid memory path '%s': %s", shown, rule);
	else
		snprintf(message, sizeof(message), "invalid memory path: %s", rule);
	assert_string_equal(e->message, message);
	memgit_buf_dispose(&out);
}

/* ---- normalising ------------------------------------------------------- */

static void test_accepted_forms(void **state)
{
	(void)state;
	expect_path("x.md", "x.md");
	expect_path("memories/x.md", "x.md");
	expect_path("/memories/x.md", "x.md");
	expect_path("/memories/notes/db/run tests.yaml", "notes/db/run tests.yaml");
	/* stripped once: a folder may be called memories */
	expect_path("memories/memories/x.md", "memories/x.md");
	expect_path("memories.md", "memories.md");
	expect_path("memoriesx/a.txt", "memoriesx/a.txt");
	expect_path("a.markdown", "a.markdown");
	expect_path("a.yml", "a.yml");
	expect_path("a.txt", "a.txt");
	expect_path("NOTES.MD", "NOTES.MD");
	expect_path("a.YaMl", "a.YaMl");
	expect_path("caf\xc3\xa9/r\xc3\xa9sum\xc3\xa9.md", "caf\xc3\xa9/r\xc3\xa9sum\xc3\xa9.md");
	expect_path("\xf0\x9f\x98\x80.md", "\xf0\x9f\x98\x80.md");
	expect_path("a..b.md", "a..b.md");
	expect_path("a/b.c/d.md", "a/b.c/d.md");
}

static void test_public_wrapper(void **state)
{
	memgit_buf out = MEMGIT_BUF_INIT;
	(void)state;

	assert_int_equal(memgit_path_normalize(&out, "/memories/a/b.md"), 0);
	assert_string_equal(out.ptr, "a/b.md");
	assert_int_equal(memgit_path_normalize(&out, "../b.md"), MEMGIT_EPATH);
	assert_string_equal(memgit_error_last()->why, "'..' segment");
	/* a refusal leaves the output alone */
	assert_string_equal(out.ptr, "a/b.md");
	memgit_buf_dispose(&out);
}

static void test_empty_and_absolute(void **state)
{
	(void)state;
	expect_refused("", "empty path", "");
	expect_refused(NULL, "empty path", "");
	expect_refused("/etc/passwd.md", "absolute path outside /memories", "/etc/passwd.md");
	expect_refused("/x.md", "absolute path outside /memories", "/x.md");
	expect_refused("/memoriesx/a.md", "absolute path outside /memories", "/memoriesx/a.md");
	expect_refused("//memories/a.md", "absolute path outside /memories", "//memories/a.md");
	expect_refused("memories", "no file name", "memories");
	expect_refused("memories/", "no file name", "memories/");
	expect_refused("/memories", "no file name", "/memories");
	expect_refused("/memories/", "no file name", "/memories/");
}

static void test_segments(void **state)
{
	(void)state;
	expect_refused("a//b.md", "empty segment", "a//b.md");
	expect_refused("memories//b.md", "empty segment", "memories//b.md");
	expect_refused("a/", "empty segment", "a/");
	expect_refused("a/b.md/", "empty segment", "a/b.md/");
	expect_refused("./x.md", "'.' segment", "./x.md");
	expect_refused("a/./x.md", "'.' segment", "a/./x.md");
	expect_refused("a/.", "'.' segment", "a/.");
	expect_refused("../x.md", "'..' segment", "../x.md");
	expect_refused("/memories/a/../../x.md", "'..' segment", "/memories/a/../../x.md");
	expect_refused("a/..", "'..' segment", "a/..");
	expect_refused(".hidden/x.md", "segment starts with '.'", ".hidden/x.md");
	expect_refused("a/.x.md", "segment starts with '.'", "a/.x.md");
	expect_refused(".md", "segment starts with '.'", ".md");
	expect_refused("a/...md", "segment starts with '.'", "a/...md");
}

static void test_bytes(void **state)
{
	(void)state;
	expect_refused("a\\b.md", "backslash", "a\\b.md");
	expect_refused("a\tb.md", "control character", "a\\x09b.md");
	expect_refused("a\nb.md", "control character", "a\\x0ab.md");
	expect_refused("a\x1f.md", "control character", "a\\x1f.md");
	expect_refused("a\x7f.md", "control character", "a\\x7f.md");
	/* UTF-8 is judged before the bytes inside it */
	expect_refused("caf\xe9.md", "invalid UTF-8", "caf\\xe9.md");
	expect_refused("a\xc0\xaf.md", "invalid UTF-8", "a\\xc0\\xaf.md");
	expect_refused("a\xed\xa0\x80.md", "invalid UTF-8", "a\\xed\\xa0\\x80.md");
	/* C1 controls: valid UTF-8, still control characters */
	expect_refused("a\xc2\x9b"
	               "b.md",
	        "control character", "a\\xc2\\x9bb.md");
	expect_refused("a\xc2\x80.md", "control character", "a\\xc2\\x80.md");
	expect_refused("a\xc2\x9f.md", "control character", "a\\xc2\\x9f.md");
	/* U+00A0 and U+00C2 are not */
	expect_path("a\xc2\xa0"
	            "b.md",
	        "a\xc2\xa0"
	        "b.md");
	expect_path("\xc3\x82.md", "\xc3\x82.md");
}

static void test_extension(void **state)
{
	const char *rule = "extension not one of .md .markdown .yaml .yml .txt";
	(void)state;

	expect_refused("x", rule, "x");
	expect_refused("x.json", rule, "x.json");
	expect_refused("memories/x.md.bak", rule, "memories/x.md.bak");
	expect_refused("x.mdx", rule, "x.mdx");
	expect_refused("x.", rule, "x.");
	expect_refused("a.md/b", rule, "a.md/b");
	expect_refused("notes/md", rule, "notes/md");
}

/* n bytes of `c` cut into 100-byte segments, so only the total length matters */
static void fill_segments(char *p, char c, size_t n)
{
	memset(p, c, n);
	for (size_t i = 100; i < n; i += 101)
		p[i] = '/';
}

static void test_length(void **state)
{
	char path[2048];
	(void)state;

	/* 1024 bytes relative to memories/ is the most */
	fill_segments(path, 'a', 1021);
	memcpy(path + 1021, ".md", 4);
	expect_path(path, path);
	memcpy(path, "memories/", 9);
	fill_segments(path + 9, 'b', 1021);
	memcpy(path + 9 + 1021, ".md", 4);
	expect_path(path, path + 9);
	memcpy(path, "/memories/", 10);
	fill_segments(path + 10, 'c', 1021);
	memcpy(path + 10 + 1021, ".md", 4);
	expect_path(path, path + 10);

	fill_segments(path, 'a', 1022);
	memcpy(path + 1022, ".md", 4);
	memgit_error_clear();
	assert_int_equal(mg_path_normalize(&(memgit_buf)MEMGIT_BUF_INIT, path), MEMGIT_EPATH);
	assert_string_equal(memgit_error_last()->why, "longer than 1024 bytes");
	memcpy(path, "memories/", 9);
	fill_segments(path + 9, 'b', 1022);
	memcpy(path + 9 + 1022, ".md", 4);
	assert_int_equal(mg_path_normalize(&(memgit_buf)MEMGIT_BUF_INIT, path), MEMGIT_EPATH);
	assert_string_equal(memgit_error_last()->why, "longer than 1024 bytes");
}

static void test_check_rel(void **state)
{
	const memgit_error *e;
	(void)state;

	assert_int_equal(mg_path_check_rel("a/b.md", 6, NULL), 0);
	/* len bounds the path: "a/b.md" cut to "a/b.m" */
	assert_int_equal(mg_path_check_rel("a/b.md", 5, "s"), MEMGIT_EPATH);
	assert_string_equal(
	        memgit_error_last()->why, "extension not one of .md .markdown .yaml .yml .txt");
	/* a NUL inside is a control character; no subject: the path, printable */
	assert_int_equal(mg_path_check_rel("a\0b.md", 6, NULL), MEMGIT_EPATH);
	e = memgit_error_last();
	assert_string_equal(e->why, "control character");
	assert_string_equal(e->message, "invalid memory path 'a\\x00b.md': control character");
	assert_int_equal(mg_path_check_rel("x.md", 0, "given"), MEMGIT_EPATH);
	e = memgit_error_last();
	assert_string_equal(e->message, "invalid memory path 'given': empty path");
	/* already relative: a leading '/' is an empty segment */
	assert_int_equal(mg_path_check_rel("/x.md", 5, NULL), MEMGIT_EPATH);
	assert_string_equal(memgit_error_last()->why, "empty segment");
}

static void test_has_memory_ext(void **state)
{
	(void)state;
	assert_true(mg_path_has_memory_ext("a.md"));
	assert_true(mg_path_has_memory_ext("dir/A.MARKDOWN"));
	assert_true(mg_path_has_memory_ext("x.y.Yml"));
	assert_true(mg_path_has_memory_ext("b.yaml"));
	assert_true(mg_path_has_memory_ext("c.txt"));
	assert_false(mg_path_has_memory_ext("dir.md/file"));
	assert_false(mg_path_has_memory_ext("md"));
	assert_false(mg_path_has_memory_ext("x."));
	assert_false(mg_path_has_memory_ext("x.mdx"));
	assert_false(mg_path_has_memory_ext("x.m"));
	assert_false(mg_path_has_memory_ext(""));
}

/* ---- UTF-8 ------------------------------------------------------------- */

static void expect_utf8_bad(const char *s, size_t len, size_t want_bad)
{
	size_t bad = 12345;

	assert_false(mg_utf8_valid(s, len, &bad));
	assert_int_equal(bad, want_bad);
	assert_false(mg_utf8_valid(s, len, NULL));
}

static void test_utf8(void **state)
{
	size_t bad = 777;
	(void)state;

	assert_true(mg_utf8_valid("", 0, &bad));
	assert_int_equal(bad, 777);
	assert_true(mg_utf8_valid("plain ascii", 11, NULL));
	assert_true(mg_utf8_valid("\xc3\xa9", 2, NULL));         /* U+00E9 */
	assert_true(mg_utf8_valid("\xe2\x82\xac", 3, NULL));     /* U+20AC */
	assert_true(mg_utf8_valid("\xf0\x9f\x98\x80", 4, NULL)); /* U+1F600, 4 bytes */
	assert_true(mg_utf8_valid("\xf4\x8f\xbf\xbf", 4, NULL)); /* U+10FFFF */
	assert_true(mg_utf8_valid("\xed\x9f\xbf", 3, NULL));     /* U+D7FF */
	assert_true(mg_utf8_valid("\xee\x80\x80", 3, NULL));     /* U+E000 */
	assert_true(mg_utf8_valid("\xef\xbf\xbf", 3, NULL));     /* U+FFFF */
	assert_true(mg_utf8_valid("a\0b", 3, NULL));             /* NUL is valid UTF-8 */

	/* overlong */
	expect_utf8_bad("ab\xc0\x80", 4, 2);
	expect_utf8_bad("\xc1\xbf", 2, 0);
	expect_utf8_bad("x\xe0\x80\xaf", 4, 1);
	expect_utf8_bad("\xe0\x9f\xbf", 3, 0);
	expect_utf8_bad("\xf0\x80\x80\xaf", 4, 0);
	expect_utf8_bad("\xf0\x8f\xbf\xbf", 4, 0);
	/* surrogates */
	expect_utf8_bad("\xed\xa0\x80", 3, 0);
	expect_utf8_bad("ok\xed\xbf\xbf", 5, 2);
	/* above U+10FFFF */
	expect_utf8_bad("\xf4\x90\x80\x80", 4, 0);
	expect_utf8_bad("\xf5\x80\x80\x80", 4, 0);
	expect_utf8_bad("\xff", 1, 0);
	/* truncated: at the end, or cut by the next character */
	expect_utf8_bad("abc\xe2\x82", 5, 3);
	expect_utf8_bad("\xf0\x9f\x98", 3, 0);
	expect_utf8_bad("\xc3", 1, 0);
	expect_utf8_bad("\xe2\x82x", 3, 0);
	/* a lone continuation byte */
	expect_utf8_bad("\xc3\xa9\x80", 3, 2);
	/* the length bounds the check: a valid sequence cut by it */
	expect_utf8_bad("\xf0\x9f\x98\x80", 3, 0);
}

/* ---- folding ----------------------------------------------------------- */

static void expect_fold(const char *s, const char *want)
{
	memgit_buf out = MEMGIT_BUF_INIT;

	assert_int_equal(mg_path_fold(&out, s, strlen(s)), 0);
	assert_string_equal(mg_buf_cstr(&out), want);
	memgit_buf_dispose(&out);
}

static void test_fold(void **state)
{
	memgit_buf a = MEMGIT_BUF_INIT, b = MEMGIT_BUF_INIT;
	(void)state;

	expect_fold("", "");
	expect_fold("Notes/DB-Setup_2.MD", "notes/db-setup_2.md");
	/* Latin-1: É -> é, Þ -> þ; × and ß are not capitals */
	expect_fold("\xc3\x89t\xc3\xa9", "\xc3\xa9t\xc3\xa9");
	expect_fold("\xc3\x80\xc3\x9e", "\xc3\xa0\xc3\xbe");
	expect_fold("\xc3\x97\xc3\x9f\xc3\xbf", "\xc3\x97\xc3\x9f\xc3\xbf");
	/* Greek: ΑΒΓ -> αβγ; Π and Ω move to the next lead byte (π, ω) */
	expect_fold("\xce\x91\xce\x92\xce\x93", "\xce\xb1\xce\xb2\xce\xb3");
	expect_fold("\xce\xa0\xce\xa9", "\xcf\x80\xcf\x89");
	expect_fold("\xce\xb1\xcf\x82", "\xce\xb1\xcf\x82");
	/* Cyrillic: ПРИВЕТ -> привет; Ё (U+0401) -> ё (U+0451), Џ -> џ */
	expect_fold("\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2",
	        "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
	expect_fold("\xd0\x81\xd0\x8f", "\xd1\x91\xd1\x9f");
	/* beyond the table: unchanged (Ā U+0100, 😀) */
	expect_fold("\xc4\x80\xf0\x9f\x98\x80", "\xc4\x80\xf0\x9f\x98\x80");
	/* invalid bytes are kept as they are */
	expect_fold("A\xffZ", "a\xffz");

	/* two paths collide when their folds are equal */
	assert_int_equal(mg_path_fold(&a, "Notes/\xc3\x89t\xc3\xa9.md", 14), 0);
	assert_int_equal(mg_path_fold(&b, "notes/\xc3\xa9T\xc3\xa9.MD", 14), 0);
	assert_int_equal(a.size, b.size);
	assert_memory_equal(a.ptr, b.ptr, a.size);
	/* the fold is appended */
	assert_int_equal(mg_path_fold(&a, "X", 1), 0);
	assert_string_equal(a.ptr, "notes/\xc3\xa9t\xc3\xa9.mdx");
	memgit_buf_dispose(&a);
	memgit_buf_dispose(&b);
}

/* ---- text position and printable ---------------------------------------- */

static void expect_position(const char *s, size_t off, unsigned want_line, unsigned want_col)
{
	unsigned line = 0, col = 0;

	mg_text_position(s, strlen(s), off, &line, &col);
	assert_int_equal(line, want_line);
	assert_int_equal(col, want_col);
}

static void test_text_position(void **state)
{
	const char *s = "ab\ncd\n\nef";
	unsigned line = 0;
	(void)state;

	expect_position(s, 0, 1, 1);
	expect_position(s, 1, 1, 2);
	expect_position(s, 2, 1, 3); /* the newline ends its own line */
	expect_position(s, 3, 2, 1);
	expect_position(s, 4, 2, 2);
	expect_position(s, 6, 3, 1);
	expect_position(s, 7, 4, 1);
	expect_position(s, 9, 4, 3);  /* the end */
	expect_position(s, 99, 4, 3); /* past the end: the end */
	expect_position("", 0, 1, 1);
	/* columns are bytes: é is two */
	expect_position("\xc3\xa9x", 2, 1, 3);
	/* NULs are ordinary bytes */
	mg_text_position("a\0\nb", 4, 3, &line, NULL);
	assert_int_equal(line, 2);
	mg_text_position("a", 1, 0, NULL, NULL);
}

static void expect_printable(const char *s, size_t len, const char *want)
{
	memgit_buf out = MEMGIT_BUF_INIT;

	assert_int_equal(mg_printable(&out, s, len), 0);
	assert_string_equal(mg_buf_cstr(&out), want);
	memgit_buf_dispose(&out);
}

static void test_printable(void **state)
{
	memgit_buf out = MEMGIT_BUF_INIT;
	(void)state;

	expect_printable("", 0, "");
	expect_printable("notes/a.md", 10, "notes/a.md");
	expect_printable("a\tb\r\n", 5, "a\\x09b\\x0d\\x0a");
	expect_printable("\x1b[31m", 5, "\\x1b[31m");
	expect_printable("del\x7f", 4, "del\\x7f");
	expect_printable("a\0b", 3, "a\\x00b");
	expect_printable("caf\xc3\xa9 \xf0\x9f\x98\x80", 10, "caf\xc3\xa9 \xf0\x9f\x98\x80");
	expect_printable("caf\xe9", 4, "caf\\xe9");
	expect_printable("\xe2\x82", 2, "\\xe2\\x82");
	expect_printable("\xed\xa0\x80!", 4, "\\xed\\xa0\\x80!");
	expect_printable("\xc0\x80", 2, "\\xc0\\x80");
	/* C1 controls: CSI (U+009B) would start a terminal escape */
	expect_printable("a\xc2\x9b"
	                 "b",
	        4, "a\\xc2\\x9bb");
	/* appended */
	assert_int_equal(mg_printable(&out, "x", 1), 0);
	assert_int_equal(mg_printable(&out, "\n", 1), 0);
	assert_string_equal(out.ptr, "x\\x0a");
	assert_int_equal(out.size, 5);
	memgit_buf_dispose(&out);
}

static void test_segment_name_max(void **state)
{
	char path[300];
	memgit_buf out = MEMGIT_BUF_INIT;
	(void)state;
	memset(path, 'n', 252);
	memcpy(path + 252, ".md", 4); /* a 255-byte file name: fine */
	assert_int_equal(mg_path_normalize(&out, path), 0);
	memset(path, 'n', 253);
	memcpy(path + 253, ".md", 4); /* 256 bytes: no file system can hold it */
	assert_int_equal(mg_path_normalize(&out, path), MEMGIT_EPATH);
	assert_string_equal(memgit_error_last()->why, "a segment longer than 255 bytes");
	memgit_buf_dispose(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_segment_name_max),
		cmocka_unit_test(test_accepted_forms),
	        cmocka_unit_test(test_public_wrapper),
	        cmocka_unit_test(test_empty_and_absolute),
	        cmocka_unit_test(test_segments),
	        cmocka_unit_test(test_bytes),
	        cmocka_unit_test(test_extension),
	        cmocka_unit_test(test_length),
	        cmocka_unit_test(test_check_rel),
	        cmocka_unit_test(test_has_memory_ext),
	        cmocka_unit_test(test_utf8),
	        cmocka_unit_test(test_fold),
	        cmocka_unit_test(test_text_position),
	        cmocka_unit_test(test_printable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
