/*
 * test_dream_audit.c: what a dream reads and what can be read back from
 * it: session selection (named, capped, consumed by merged dreams, freed
 * again by a revert), `now`, loading and listing dreams, the review in its
 * three forms and blame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dream_fixture.h"
#include "json/json.h"

static memgit_store *S;

static int setup(void **state)
{
	(void)state;
	S = fx_store();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	memgit_store_free(S);
	S = NULL;
	return 0;
}

/* The dream's sessions, space-separated. */
static const char *sessions_of(const memgit_dream *d)
{
	static char list[512];
	list[0] = '\0';
	for (size_t i = 0; i < memgit_dream_session_count(d); i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? " " : "",
			memgit_dream_session(d, i));
	return list;
}

static void dry(memgit_dream **d, memgit_dream_options *o)
{
	o->dry_run = 1;
	assert_int_equal(fx_replay_opts(d, S, FX_APPLY, o), 0);
}

static void ff_main(const char *id)
{
	char *out = fx_git(S, "git merge -q --ff-only dream/%s && echo ok", id);
	assert_string_equal(out, "ok\n");
	free(out);
}

/* ---- sessions ------------------------------------------------------------------------ */

static void test_session_selection(void **state)
{
	const char *named[] = { "cc-22222222", "cc-11111111", "cc-22222222" };
	const char *unknown[] = { "cc-12345678" };
	memgit_dream_options o = MEMGIT_DREAM_OPTIONS_INIT;
	memgit_dream *d = NULL;
	(void)state;

	dry(&d, &o); /* every unconsumed session, oldest first */
	assert_string_equal(sessions_of(d), "cc-33333333 cc-11111111 cc-22222222");
	memgit_dream_free(d);
	o.max_sessions = 2;
	dry(&d, &o);
	assert_string_equal(sessions_of(d), "cc-33333333 cc-11111111");
	memgit_dream_free(d);
	o.max_sessions = 0;
	o.sessions = named;
	o.nsessions = 3;
	dry(&d, &o); /* named: once each, oldest first */
	assert_string_equal(sessions_of(d), "cc-11111111 cc-22222222");
	memgit_dream_free(d);
	d = NULL;
	o.sessions = unknown;
	o.nsessions = 1;
	assert_int_equal(fx_replay_opts(&d, S, FX_APPLY, &o), MEMGIT_ENOTFOUND);
	assert_null(d);
	assert_non_null(strstr(memgit_error_last()->message, "cc-12345678"));
}

static void test_consumed_and_reverted(void **state)
{
	const char *only[] = { "cc-11111111", "cc-22222222" };
	memgit_dream_options o = MEMGIT_DREAM_OPTIONS_INIT;
	memgit_commit_options co = MEMGIT_COMMIT_OPTIONS_INIT;
	memgit_dream *d = NULL;
	memgit_batch *b = NULL;
	char msg[256], id[64];
	(void)state;

	o.sessions = only;
	o.nsessions = 2;
	assert_int_equal(fx_replay_opts(&d, S, FX_APPLY, &o), 0);
	snprintf(id, sizeof(id), "%s", memgit_dream_id(d));
	memgit_dream_free(d);
	ff_main(id);
	memset(&o, 0, sizeof(o));
	o.version = MEMGIT_DREAM_OPTIONS_VERSION;
	o.dry_run = 1;
	assert_int_equal(fx_replay_opts(&d, S, "{'edits':[{'kind':'create','path':'z.md','content':'z\\n',"
		"'rationale':'r','evidence':['memory:notes/a.md']}]}", &o), 0);
	assert_string_equal(sessions_of(d), "cc-33333333");
	memgit_dream_free(d);
	/* a revert of the dream gives its sessions back */
	snprintf(msg, sizeof(msg), "revert dream %s\n\nReverts-Dream: %s\n", id, id);
	co.message = msg;
	assert_int_equal(memgit_batch_new(&b, S), 0);
	assert_int_equal(memgit_batch_remove(b, "notes/new.md"), 0);
	assert_int_equal(memgit_batch_commit(NULL, b, &co), 0);
	memgit_batch_free(b);
	assert_int_equal(fx_replay_opts(&d, S, "{'edits':[{'kind':'create','path':'z.md','content':'z\\n',"
		"'rationale':'r','evidence':['memory:notes/a.md']}]}", &o), 0);
	assert_string_equal(sessions_of(d), "cc-33333333 cc-11111111 cc-22222222");
	memgit_dream_free(d);
}

static void test_now_comes_from_inputs(void **state)
{
	const char *none[] = { NULL };
	memgit_dream_options o = MEMGIT_DREAM_OPTIONS_INIT;
	memgit_dream *d = NULL;
	char *note;
	(void)state;

	/* no sessions: the base commit's time, whatever the clock says later */
	o.sessions = none;
	o.nsessions = 0;
	setenv("MEMGIT_NOW", "2030-01-01T00:00:00Z", 1);
	assert_int_equal(fx_replay_opts(&d, S, "{'edits':[{'kind':'delete','path':'notes/a.md',"
		"'rationale':'r','evidence':['memory:notes/a.md']}]}", &o), 0);
	assert_string_equal(sessions_of(d), "");
	assert_int_equal(strncmp(memgit_dream_id(d), "20300101T000000Z-", 17), 0);
	note = fx_git(S, "git notes --ref=memgit show dream/%s | grep '\"now\"'", memgit_dream_id(d));
	assert_string_equal(note, "  \"now\": \"2026-11-20T12:00:00Z\",\n");
	free(note);
	assert_non_null(strstr(memgit_dream_message(d), "Dream-Sessions:\nDream-Sessions-Commit: "));
	memgit_dream_free(d);
}

/* ---- load, list ------------------------------------------------------------------------ */

static int collect(const memgit_dream *d, void *payload)
{
	char *ids = payload;
	snprintf(ids + strlen(ids), 256 - strlen(ids), "%s:%s ", memgit_dream_id(d), memgit_dream_status(d));
	return 0;
}

static void test_load_and_foreach(void **state)
{
	memgit_dream *d = NULL, *l = NULL, *d2 = NULL;
	char ids[256] = "", want[256], prefix[16];
	(void)state;

	assert_int_equal(fx_replay(&d, S, FX_APPLY), 0);
	assert_int_equal(memgit_dream_load(&l, S, memgit_dream_id(d)), 0);
	assert_string_equal(memgit_dream_commit(l), memgit_dream_commit(d));
	assert_string_equal(memgit_dream_base(l), memgit_dream_base(d));
	assert_string_equal(memgit_dream_dreamer(l), "replay");
	assert_string_equal(memgit_dream_message(l), memgit_dream_message(d));
	assert_string_equal(memgit_dream_status(l), "proposed");
	assert_string_equal(sessions_of(l), "cc-33333333 cc-11111111 cc-22222222");
	assert_int_equal(memgit_dream_time(l), memgit_dream_time(d));
	assert_int_equal(memgit_dream_edit_count(l), 4);
	for (size_t i = 0; i < 4; i++) {
		const memgit_edit *a = memgit_dream_edit(d, i), *b = memgit_dream_edit(l, i);
		assert_int_equal(a->kind, b->kind);
		assert_string_equal(a->path, b->path);
		assert_string_equal(a->expect_blob, b->expect_blob);
		assert_string_equal(a->rationale, b->rationale);
		assert_int_equal(a->nevidence, b->nevidence);
		assert_null(b->refused);
	}
	assert_string_equal(memgit_dream_edit(l, 1)->content, "alpha v2\n");
	assert_string_equal(memgit_dream_edit(l, 3)->to, "facts/epsilon.md");
	memgit_dream_free(l);
	/* a unique prefix, and dream/<id>, name it too */
	snprintf(prefix, sizeof(prefix), "%.12s", memgit_dream_id(d));
	setenv("MEMGIT_NOW", "2026-11-21T08:00:00Z", 1);
	assert_int_equal(fx_replay(&d2, S, FX_APPLY), 0);
	assert_int_equal(memgit_dream_load(&l, S, prefix), 0);
	assert_string_equal(memgit_dream_id(l), memgit_dream_id(d));
	memgit_dream_free(l);
	snprintf(want, sizeof(want), "dream/%s", memgit_dream_id(d2));
	assert_int_equal(memgit_dream_load(&l, S, want), 0);
	memgit_dream_free(l);
	assert_int_equal(memgit_dream_load(&l, S, "2026"), MEMGIT_EINPUT); /* ambiguous */
	assert_int_equal(memgit_dream_load(&l, S, "19991231T000000Z-abcdef"), MEMGIT_ENOTFOUND);
	assert_null(l);
	/* oldest first; merged once main contains it */
	ff_main(memgit_dream_id(d2));
	assert_int_equal(memgit_dream_foreach(S, collect, ids), 0);
	snprintf(want, sizeof(want), "%s:proposed %s:merged ", memgit_dream_id(d), memgit_dream_id(d2));
	assert_string_equal(ids, want);
	memgit_dream_free(d);
	memgit_dream_free(d2);
}

/* ---- review -------------------------------------------------------------------------------- */

static void test_review_formats(void **state)
{
	mg_json_parse_opts po = { 0, 0, NULL, 0, 0 };
	memgit_buf out = MEMGIT_BUF_INIT;
	memgit_dream *d = NULL, *l = NULL;
	const mg_json *changes, *ev;
	mg_json *root = NULL;
	(void)state;

	assert_int_equal(fx_replay(&d, S, "{'edits':[" "{'kind':'delete','path':'prefs/pinned.md',"
		"'rationale':'unpin','evidence':['memory:prefs/pinned.md']}," "]}"), MEMGIT_ENOTHING);
	memgit_dream_free(d);
	d = NULL;
	/* FX_APPLY plus one refused edit */
	assert_int_equal(fx_replay(&d, S, "{'edits':["
		"{'kind':'create','path':'notes/new.md','content':'---\\nkind: fact\\n---\\nnew fact\\n',"
		" 'rationale':'new fact seen','evidence':['cc-11111111#0-2','cc-22222222#0-4']},"
		"{'kind':'merge','path':'notes/c.md','merged':['notes/d.md'],'content':'gamma and delta\\n',"
		" 'rationale':'same | thing','evidence':['memory:notes/c.md']},"
		"{'kind':'move','path':'facts/e.md','to':'facts/epsilon.md','rationale':'better name',"
		" 'evidence':['memory:facts/e.md']},"
		"{'kind':'delete','path':'prefs/pinned.md','rationale':'unpin','evidence':['memory:prefs/pinned.md']}]}"), 0);
	assert_int_equal(memgit_dream_load(&l, S, memgit_dream_id(d)), 0);
	assert_int_equal(memgit_dream_review(&out, S, l, MEMGIT_REVIEW_TEXT), 0);
	assert_non_null(strstr(out.ptr, "created notes/new.md\n  why: new fact seen\n"));
	assert_non_null(strstr(out.ptr, "      #1 assistant text: \"event 1 of 11111111\"\n"));
	assert_non_null(strstr(out.ptr, "      ... 2 more events\n")); /* cc-22222222#0-4: 3 of 5 */
	assert_non_null(strstr(out.ptr, "+++ b/memories/notes/new.md\n@@ -0,0 +1,4 @@\n+---\n"));
	assert_non_null(strstr(out.ptr, "merged notes/d.md -> notes/c.md\n"));
	assert_non_null(strstr(out.ptr, "--- a/memories/notes/d.md\n+++ /dev/null\n"));
	assert_non_null(strstr(out.ptr, "moved facts/e.md -> facts/epsilon.md\n"));
	assert_non_null(strstr(out.ptr, "refused 1\n  delete prefs/pinned.md: pinned: "));
	assert_int_equal(memgit_dream_review(&out, S, l, MEMGIT_REVIEW_MARKDOWN), 0);
	assert_non_null(strstr(out.ptr, "## Dream `"));
	assert_non_null(strstr(out.ptr, "| merged | `notes/d.md -> notes/c.md` | same \\| thing |\n"));
	assert_non_null(strstr(out.ptr, "```diff\ndiff --git a/memories/notes/new.md"));
	assert_non_null(strstr(out.ptr, "### Refused edits\n\n- **delete** `prefs/pinned.md`: pinned: "));
	assert_int_equal(memgit_dream_review(&out, S, l, MEMGIT_REVIEW_JSON), 0);
	assert_int_equal(mg_json_parse(&root, out.ptr, out.size, &po), 0);
	assert_string_equal(mg_json_get_string(root, "id"), memgit_dream_id(d));
	changes = mg_json_get(root, "changes");
	assert_int_equal(mg_json_count(changes), 3);
	assert_string_equal(mg_json_get_string(mg_json_first(changes), "change"), "created");
	ev = mg_json_first(mg_json_get(mg_json_first(changes), "evidence"));
	assert_string_equal(mg_json_get_string(ev, "session"), "cc-11111111");
	assert_int_equal(mg_json_count(mg_json_get(ev, "excerpts")), 3);
	assert_string_equal(mg_json_get_string(mg_json_first(mg_json_get(ev, "excerpts")), "text"),
		"event 0 of 11111111");
	assert_non_null(strstr(mg_json_get_string(mg_json_first(changes), "diff"), "+new fact\n"));
	assert_int_equal(mg_json_count(mg_json_get(root, "refusals")), 1);
	assert_non_null(strstr(mg_json_get_string(mg_json_first(mg_json_get(root, "refusals")), "reason"),
		"pinned"));
	/* a dry run reviews the same way */
	memgit_dream_free(d);
	d = NULL;
	{
		memgit_dream_options o = MEMGIT_DREAM_OPTIONS_INIT;
		o.dry_run = 1;
		assert_int_equal(fx_replay_opts(&d, S, FX_APPLY, &o), 0);
	}
	assert_int_equal(memgit_dream_review(&out, S, d, MEMGIT_REVIEW_TEXT), 0);
	assert_non_null(strstr(out.ptr, "(dry-run)\ncommit   (none)\n"));
	assert_non_null(strstr(out.ptr, "-alpha\n+alpha v2\n"));
	mg_json_free(root);
	memgit_buf_dispose(&out);
	memgit_dream_free(d);
	memgit_dream_free(l);
}

/* ---- blame ---------------------------------------------------------------------------------- */

static void test_blame(void **state)
{
	memgit_dream *d = NULL;
	memgit_blame *b = NULL;
	const memgit_blame_info *bi;
	(void)state;

	assert_int_equal(fx_replay(&d, S, FX_APPLY), 0);
	ff_main(memgit_dream_id(d));
	assert_int_equal(memgit_blame_path(&b, S, "memories/notes/new.md"), 0);
	bi = memgit_blame_info_of(b);
	assert_string_equal(bi->path, "notes/new.md");
	assert_string_equal(bi->commit, memgit_dream_commit(d));
	assert_string_equal(bi->dream_id, memgit_dream_id(d));
	assert_string_equal(bi->dreamer, "replay");
	assert_string_equal(bi->rationale, "new fact seen");
	assert_int_equal(bi->nsessions, 1);
	assert_string_equal(bi->sessions[0], "cc-11111111");
	assert_string_equal(bi->agents[0], "agent-one");
	assert_true(bi->time == memgit_dream_time(d));
	memgit_blame_free(b);
	/* the target of a move */
	assert_int_equal(memgit_blame_path(&b, S, "facts/epsilon.md"), 0);
	assert_string_equal(memgit_blame_info_of(b)->rationale, "better name");
	assert_int_equal(memgit_blame_info_of(b)->nsessions, 0); /* it cites a memory only */
	memgit_blame_free(b);
	/* not a dream's: the memory's sources */
	assert_int_equal(memgit_blame_path(&b, S, "notes/b.md"), 0);
	bi = memgit_blame_info_of(b);
	assert_null(bi->dream_id);
	assert_null(bi->rationale);
	assert_int_equal(bi->nsessions, 2);
	assert_string_equal(bi->sessions[0], "cc-22222222");
	assert_string_equal(bi->agents[0], "agent-two");
	assert_string_equal(bi->sessions[1], "cc-33333333");
	assert_string_equal(bi->agents[1], "agent-three");
	memgit_blame_free(b);
	assert_int_equal(memgit_blame_path(&b, S, "notes/d.md"), MEMGIT_ENOTFOUND); /* merged away */
	assert_int_equal(memgit_blame_path(&b, S, "../x.md"), MEMGIT_EPATH);
	assert_null(b);
	memgit_dream_free(d);
}

/* A dream merged with a merge commit: blame follows the dream side. */
static void test_blame_through_merge_commit(void **state)
{
	memgit_dream *d = NULL;
	memgit_blame *b = NULL;
	char *out;
	(void)state;

	assert_int_equal(fx_replay(&d, S, FX_APPLY), 0);
	out = fx_git(S, "git -c user.name=t -c user.email=t@example.invalid merge -q --no-ff "
		"-m 'merge the dream' dream/%s && echo ok", memgit_dream_id(d));
	assert_string_equal(out, "ok\n");
	free(out);
	assert_int_equal(memgit_blame_path(&b, S, "notes/a.md"), 0);
	assert_string_equal(memgit_blame_info_of(b)->subject, "merge the dream");
	assert_string_equal(memgit_blame_info_of(b)->dream_id, memgit_dream_id(d));
	assert_string_equal(memgit_blame_info_of(b)->rationale, "alpha changed");
	assert_string_equal(memgit_blame_info_of(b)->agents[0], "agent-two");
	memgit_blame_free(b);
	memgit_dream_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_session_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_consumed_and_reverted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_now_comes_from_inputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_and_foreach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_review_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blame_through_merge_commit, setup, teardown),
	};
	int rc;

	memgit_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	memgit_shutdown();
	return rc;
}
