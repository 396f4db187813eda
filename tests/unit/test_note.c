/* test_note.c: adding to a dream's note (mg_dream_note_push), the record
 * outcomes and decisions are kept in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dream/dream_internal.h"
#include "helpers.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/jsonw.h"

/* A note as memgit writes one: pretty-printed, with strings that look like
 * the key being pushed (they must not be taken for it). */
static void note_text(memgit_buf *out)
{
	mg_jsonw w;

	mg_jsonw_init(&w, out, 1);
	mg_jsonw_object_open(&w);
	mg_jsonw_key(&w, "memgit_dream");
	mg_jsonw_int(&w, 1);
	mg_jsonw_key(&w, "instructions");
	mg_jsonw_string(&w, "\n  \"outcomes\": [ fake ] }\n");
	mg_jsonw_key(&w, "edits");
	mg_jsonw_array_open(&w);
	mg_jsonw_object_open(&w);
	mg_jsonw_key(&w, "rationale");
	mg_jsonw_string(&w, "\"decisions\": [\"x\"] ] } {");
	mg_jsonw_object_close(&w);
	mg_jsonw_array_close(&w);
	mg_jsonw_object_close(&w);
	assert_int_equal(mg_jsonw_finish(&w), 0);
}

static mg_json *parse(const memgit_buf *b)
{
	mg_json *root = NULL;
	assert_int_equal(mg_json_parse(&root, b->ptr, b->size, NULL), 0);
	return root;
}

static void test_push_creates_then_appends(void **state)
{
	memgit_buf note = MEMGIT_BUF_INIT;
	mg_json *root;
	(void)state;

	note_text(&note);
	assert_int_equal(mg_dream_note_push(&note, "outcomes", "{\"verdict\": \"needs_revision\"}", "t"), 0);
	assert_int_equal(mg_dream_note_push(&note, "decisions", "{\"action\": \"rejected\"}", "t"), 0);
	assert_int_equal(mg_dream_note_push(&note, "outcomes", "{\"verdict\": \"satisfied\", \"a\": [1, {\"b\": \"]\"}]}", "t"), 0);
	root = parse(&note);
	assert_int_equal(mg_json_count(mg_json_get(root, "outcomes")), 2);
	assert_string_equal(mg_json_get_string(mg_json_next(mg_json_first(mg_json_get(root, "outcomes"))),
		"verdict"), "satisfied");
	assert_int_equal(mg_json_count(mg_json_get(root, "decisions")), 1);
	/* the look-alike strings are untouched */
	assert_string_equal(mg_json_get_string(root, "instructions"), "\n  \"outcomes\": [ fake ] }\n");
	assert_string_equal(mg_json_get_string(mg_json_first(mg_json_get(root, "edits")), "rationale"),
		"\"decisions\": [\"x\"] ] } {");
	assert_int_equal(mg_json_count(mg_json_get(root, "edits")), 1);
	mg_json_free(root);
	memgit_buf_dispose(&note);
}

static void test_push_into_empty_list(void **state)
{
	memgit_buf note = MEMGIT_BUF_INIT;
	mg_json *root;
	(void)state;

	assert_int_equal(mg_buf_puts(&note, "{\n  \"memgit_dream\": 1,\n  \"outcomes\": []\n}\n"), 0);
	assert_int_equal(mg_dream_note_push(&note, "outcomes", "{\"n\": 1}", "t"), 0);
	assert_int_equal(mg_dream_note_push(&note, "outcomes", "{\"n\": 2}", "t"), 0);
	root = parse(&note);
	assert_int_equal(mg_json_count(mg_json_get(root, "outcomes")), 2);
	mg_json_free(root);
	memgit_buf_dispose(&note);
}

static void test_push_refuses_broken_note(void **state)
{
	memgit_buf note = MEMGIT_BUF_INIT;
	(void)state;

	assert_int_equal(mg_buf_puts(&note, "{\n  \"outcomes\": [{\"a\": 1}\n"), 0);
	assert_int_equal(mg_dream_note_push(&note, "outcomes", "{}", "t"), MEMGIT_EINPUT);
	mg_buf_clear(&note);
	assert_int_equal(mg_buf_puts(&note, "not json at all"), 0);
	assert_int_equal(mg_dream_note_push(&note, "outcomes", "{}", "t"), MEMGIT_EINPUT);
	memgit_buf_dispose(&note);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_creates_then_appends),
		cmocka_unit_test(test_push_into_empty_list),
		cmocka_unit_test(test_push_refuses_broken_note),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
