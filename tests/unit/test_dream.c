/*
 * test_dream.c: the dream engine through the replay dreamer: applying
 * edits, the exact commit message and trailers, the note, every validation
 * refusal, dry runs, dreams with nothing to change and interrupted dreams,
 * all checked with the git CLI.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dream/dream_internal.h"
#include "dream_fixture.h"
#include "json/json.h"

#define GIT_COMMIT "git -c user.name=t -c user.email=t@example.invalid commit -qam"

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

static char *dream_note(const char *id)
{
	return fx_git(S, "git notes --ref=memgit show dream/%s", id);
}

static size_t dream_branches(void)
{
	char *out = fx_git(S, "git for-each-ref refs/heads/dream | wc -l");
	size_t n = (size_t)atol(out);
	free(out);
	return n;
}

/* ---- applying ---------------------------------------------------------------------- */

static void test_apply_message_and_trailers(void **state)
{
	char *before = fx_main_state(S), *after, *out, *tip = fx_git(S, "git rev-parse main");
	char *stip = fx_git(S, "git rev-parse refs/memgit/sessions");
	char expected[4096];
	memgit_dream *d = NULL;
	(void)state;

	assert_int_equal(fx_replay(&d, S, FX_APPLY), 0);
	assert_string_equal(memgit_dream_status(d), "proposed");
	assert_int_equal(strlen(memgit_dream_commit(d)), 40);
	tip[40] = stip[40] = '\0';
	snprintf(expected, sizeof(expected),
		"dream: create 1, update 1, merge 1, move 1\n\n"
		"- create notes/new.md: new fact seen (cc-11111111#0-2)\n"
		"- update notes/a.md: alpha changed (cc-22222222#4)\n"
		"- merge notes/d.md -> notes/c.md: same thing (memory:notes/c.md, memory:notes/d.md)\n"
		"- move facts/e.md -> facts/epsilon.md: better name (memory:facts/e.md)\n\n"
		"Dream-Id: %s\nDream-Base: %s\nDream-Dreamer: replay\n"
		"Dream-Sessions: cc-33333333 cc-11111111 cc-22222222\nDream-Sessions-Commit: %s\n",
		memgit_dream_id(d), tip, stip);
	assert_string_equal(memgit_dream_message(d), expected);
	/* git reads the same message, trailers and tree */
	out = fx_git(S, "git log -1 --format=%%B dream/%s", memgit_dream_id(d));
	assert_int_equal(strncmp(out, expected, strlen(expected)), 0);
	free(out);
	out = fx_git(S, "git log -1 --format='%%(trailers:key=Dream-Id,valueonly)%%(trailers:key=Dream-Dreamer,valueonly)' dream/%s",
		memgit_dream_id(d));
	snprintf(expected, sizeof(expected), "%s\nreplay\n\n", memgit_dream_id(d));
	assert_string_equal(out, expected);
	free(out);
	out = fx_git(S, "git ls-tree -r --name-only dream/%s memories && git show dream/%s:memories/notes/a.md",
		memgit_dream_id(d), memgit_dream_id(d));
	assert_string_equal(out, "memories/facts/epsilon.md\nmemories/notes/a.md\nmemories/notes/b.md\n"
		"memories/notes/c.md\nmemories/notes/new.md\nmemories/prefs/pinned.md\nalpha v2\n");
	free(out);
	out = fx_git(S, "git rev-parse dream/%s^", memgit_dream_id(d));
	assert_int_equal(strncmp(out, tip, 40), 0); /* built on the base */
	free(out);
	after = fx_main_state(S);
	assert_string_equal(before, after);
	assert_int_equal(t_sh(NULL, "git -C '%s' fsck --strict --no-progress >/dev/null 2>&1",
		memgit_store_workdir(S)), 0);
	free(before);
	free(after);
	free(tip);
	free(stip);
	memgit_dream_free(d);
}

static void test_note(void **state)
{
	mg_json_parse_opts po = { 0, 0, NULL, 0, 0 };
	memgit_dream *d = NULL;
	mg_json *root = NULL;
	const mg_json *e;
	char *note, *blob, *log;
	(void)state;

	assert_int_equal(fx_replay(&d, S, FX_APPLY), 0);
	note = dream_note(memgit_dream_id(d));
	assert_int_equal(mg_json_parse(&root, note, strlen(note), &po), 0);
	assert_true(mg_json_number(mg_json_get(root, "memgit_dream"), 0) == 1);
	assert_string_equal(mg_json_get_string(root, "id"), memgit_dream_id(d));
	assert_string_equal(mg_json_get_string(root, "dreamer"), "replay");
	assert_string_equal(mg_json_get_string(root, "now"), "2026-11-11T10:00:04Z");
	assert_string_equal(mg_json_get_string(mg_json_first(mg_json_get(root, "sessions")), "agent"),
		"agent-three");
	assert_int_equal(mg_json_count(mg_json_get(root, "edits")), 4);
	e = mg_json_next(mg_json_first(mg_json_get(root, "edits")));
	assert_string_equal(mg_json_get_string(e, "kind"), "update");
	assert_string_equal(mg_json_get_string(e, "path"), "notes/a.md");
	assert_string_equal(mg_json_get_string(e, "status"), "applied");
	blob = fx_git(S, "git rev-parse main:memories/notes/a.md");
	blob[40] = '\0';
	assert_string_equal(mg_json_get_string(e, "expect_blob"), blob);
	assert_string_equal(memgit_dream_edit(d, 1)->expect_blob, blob);
	assert_string_equal(memgit_dream_edit(d, 0)->expect_blob, "");
	/* git log shows the note under the commit */
	log = fx_git(S, "git log --notes=memgit -1 dream/%s", memgit_dream_id(d));
	assert_non_null(strstr(log, "Notes (memgit):"));
	assert_non_null(strstr(log, "\"memgit_dream\": 1"));
	free(log);
	free(blob);
	free(note);
	mg_json_free(root);
	memgit_dream_free(d);
}

/* ---- refusals ------------------------------------------------------------------------ */

#define EDIT(kind, path, extra) \
	"{'kind':'" kind "','path':'" path "','rationale':'r','evidence':['cc-11111111#0']" extra "},"
#define CONTENT ",'content':'x\\n'"

static const char refusals_json[] =
	"{'edits':["
	EDIT("update", "prefs/pinned.md", CONTENT)                             /* 1 */
	EDIT("delete", "prefs/pinned.md", "")                                  /* 2 */
	EDIT("merge", "notes/a.md", CONTENT ",'merged':['prefs/pinned.md']")   /* 3 */
	EDIT("move", "prefs/pinned.md", ",'to':'prefs/p2.md'")                 /* 4 */
	EDIT("delete", "notes/b.md", "")                                       /* 5 applied */
	EDIT("delete", "notes/c.md", "")                                       /* 6 budget */
	EDIT("create", "../x.md", CONTENT)                                     /* 7 */
	EDIT("create", "notes/x.exe", CONTENT)                                 /* 8 */
	EDIT("create", "notes/s.md", ",'content':'key AKIAQWERTYUIOPASDFGH\\n'") /* 9 */
	"{'kind':'create','path':'notes/r.md','content':'x\\n','evidence':['cc-11111111#0'],"
	" 'rationale':'token ghp_0123456789abcdefghijABCDEFGHIJ0123456789'},"  /* 10 */
	"{'kind':'create','path':'notes/e1.md','content':'x\\n','rationale':'r','evidence':['cc-99999999#0']},"
	"{'kind':'create','path':'notes/e2.md','content':'x\\n','rationale':'r','evidence':['cc-11111111#3']},"
	"{'kind':'create','path':'notes/e3.md','content':'x\\n','rationale':'r','evidence':['memory:notes/no.md']},"
	"{'kind':'create','path':'notes/e4.md','content':'x\\n','rationale':'r','evidence':[]},"
	"{'kind':'create','path':'notes/e5.md','content':'x\\n','rationale':'r','evidence':['cc-11111111#2-1']}," /* 15 */
	EDIT("create", "notes/a.md", CONTENT)                                  /* 16 */
	EDIT("update", "notes/zz.md", CONTENT)                                 /* 17 */
	EDIT("delete", "notes/zz.md", "")                                      /* 18 */
	EDIT("update", "notes/b.md", CONTENT)                                  /* 19 duplicate of 5 */
	"{'kind':'create','path':'notes/good.md','content':'good\\n','rationale':'fine','evidence':['cc-22222222#0-4']}," /* 20 */
	EDIT("create", "NOTES/z.md", CONTENT)                                  /* 21 */
	EDIT("create", "notes/c.md/x.md", CONTENT)                             /* 22 */
	EDIT("update", "notes/a.md", ",'content':'alpha\\n'")                  /* 23 */
	EDIT("create", "notes/y.md", ",'content':'---\\nkind: [\\n---\\nx\\n'") /* 24 */
	EDIT("update", "notes/c.md", "")                                       /* 25 */
	EDIT("merge", "notes/c.md", CONTENT)                                   /* 26 */
	EDIT("create", "notes/good.md", CONTENT)                               /* 27 duplicate of 20 */
	"{'kind':'create','path':'notes/n.md','content':'x\\n','evidence':['cc-11111111#0']}" /* 28 */
	"]}";

static const char *const refusal_prefix[] = {
	"pinned:", "pinned:", "pinned:", "pinned:", NULL, "budget:", "path:", "path:", "secret:",
	"secret:", "evidence:", "evidence:", "evidence:", "evidence: none", "evidence:",
	"precondition:", "precondition:", "precondition:", "duplicate:", NULL, "path:",
	"precondition:", "content: same", "content:", "shape:", "shape:", "duplicate:", "shape:",
};

static void test_each_refusal(void **state)
{
	size_t n = sizeof(refusal_prefix) / sizeof(*refusal_prefix);
	memgit_dream *d = NULL;
	char *out;
	(void)state;

	assert_int_equal(fx_replay(&d, S, refusals_json), 0);
	assert_int_equal(memgit_dream_edit_count(d), n);
	for (size_t i = 0; i < n; i++) {
		const memgit_edit *e = memgit_dream_edit(d, i);
		if (!refusal_prefix[i]) {
			assert_null(e->refused);
			continue;
		}
		if (!e->refused || strncmp(e->refused, refusal_prefix[i], strlen(refusal_prefix[i])) != 0)
			fail_msg("edit %zu: refused '%s', expected '%s...'", i + 1,
				e->refused ? e->refused : "(applied)", refusal_prefix[i]);
	}
	assert_non_null(strstr(memgit_dream_edit(d, 18)->refused, "by edit 5"));
	assert_non_null(strstr(memgit_dream_edit(d, 11)->refused, "past the end"));
	assert_non_null(strstr(memgit_dream_edit(d, 10)->refused, "not an input"));
	assert_non_null(strstr(memgit_dream_edit(d, 20)->refused, "letter case"));
	/* the refused secrets are nowhere: not in an object, not in the dream */
	out = fx_git(S, "git cat-file --batch-all-objects --batch | grep -ac "
		"-e AKIAQWERTYUIOPASDFGH -e ghp_0123456789abcdef; true");
	assert_string_equal(out, "0\n");
	free(out);
	assert_null(memgit_dream_edit(d, 8)->content);
	assert_non_null(strstr(memgit_dream_edit(d, 9)->rationale, "[REDACTED:github-token]"));
	out = fx_git(S, "git log -1 --format=%%s dream/%s", memgit_dream_id(d));
	assert_string_equal(out, "dream: create 1, delete 1 (26 refused)\n");
	free(out);
	memgit_dream_free(d);
}

static void test_budget_and_limits_from_config(void **state)
{
	memgit_dream *d = NULL;
	char *out;
	(void)state;

	out = fx_git(S, "sed -i 's/^dream:$/dream:\\n  max_deleted_fraction: 0.5\\n  max_edits: 4/' "
		"memgit.yaml && " GIT_COMMIT " 'dream settings' && echo ok");
	assert_string_equal(out, "ok\n");
	free(out);
	/* 6 memories at 0.5: three removals; the fifth edit is past max_edits */
	assert_int_equal(fx_replay(&d, S, "{'edits':["
		EDIT("delete", "notes/a.md", "") EDIT("delete", "notes/b.md", "")
		EDIT("merge", "notes/c.md", CONTENT ",'merged':['notes/d.md','facts/e.md']")
		EDIT("create", "notes/n.md", CONTENT) "]}"), 0);
	assert_null(memgit_dream_edit(d, 0)->refused);
	assert_null(memgit_dream_edit(d, 1)->refused);
	assert_non_null(strstr(memgit_dream_edit(d, 2)->refused, "budget: removing 2 more"));
	assert_null(memgit_dream_edit(d, 3)->refused);
	memgit_dream_free(d);
	d = NULL;
	assert_int_equal(fx_replay(&d, S, "{'edits':[" EDIT("create", "n1.md", CONTENT)
		EDIT("create", "n2.md", CONTENT) EDIT("create", "n3.md", CONTENT)
		EDIT("create", "n4.md", CONTENT) EDIT("create", "n5.md", CONTENT) "]}"), 0);
	assert_string_equal(memgit_dream_edit(d, 4)->refused, "limit: over dream.max_edits (4)");
	memgit_dream_free(d);
	d = NULL;
	/* dream.dreamer is the default dreamer */
	out = fx_git(S, "sed -i 's/dreamer: builtin/dreamer: oracle/' memgit.yaml && " GIT_COMMIT
		" oracle && echo ok");
	assert_string_equal(out, "ok\n");
	free(out);
	assert_int_equal(memgit_dream_run(&d, S, NULL), MEMGIT_EINPUT);
	assert_non_null(strstr(memgit_error_last()->message, "unknown dreamer 'oracle'"));
	/* a malformed key refuses the dream, naming the line */
	out = fx_git(S, "printf '  min_sessions: lots\\n' >> memgit.yaml && " GIT_COMMIT " bad && echo ok");
	free(out);
	assert_int_equal(fx_replay(&d, S, FX_APPLY), MEMGIT_EYAML);
	assert_null(d);
	assert_non_null(strstr(memgit_error_last()->message, "dream.min_sessions"));
}

static void test_case_rename_and_folders(void **state)
{
	memgit_dream *d = NULL;
	(void)state;

	assert_int_equal(fx_replay(&d, S, "{'edits':["
		EDIT("move", "notes/a.md", ",'to':'notes/A.md'")
		EDIT("create", "facts.md", CONTENT)
		EDIT("create", "Facts/x.md", CONTENT)
		EDIT("create", "new/deep/one.md", CONTENT)
		EDIT("create", "new/Deep/two.md", CONTENT)
		EDIT("create", "new/deep/one.md/three.md", CONTENT) "]}"), 0);
	assert_null(memgit_dream_edit(d, 0)->refused); /* a case-only rename */
	assert_null(memgit_dream_edit(d, 1)->refused);
	assert_non_null(strstr(memgit_dream_edit(d, 2)->refused, "letter case from 'facts'"));
	assert_null(memgit_dream_edit(d, 3)->refused);
	assert_non_null(strstr(memgit_dream_edit(d, 4)->refused, "letter case"));
	assert_non_null(strstr(memgit_dream_edit(d, 5)->refused, "is a memory, not a folder"));
	memgit_dream_free(d);
}

/* A YAML memory, or one that does not parse, is pinned by its lines. */
static void test_pinned_without_front_matter(void **state)
{
	memgit_batch *b = NULL;
	memgit_dream *d = NULL;
	char *out;
	(void)state;

	assert_int_equal(memgit_batch_new(&b, S), 0);
	assert_int_equal(memgit_batch_put_raw(b, "cfg/tools.yaml", "pinned: true\ntools: [a]\n", 23), 0);
	assert_int_equal(memgit_batch_put_raw(b, "cfg/other.yaml", "pinned: false\n", 14), 0);
	assert_int_equal(memgit_batch_commit(NULL, b, NULL), 0);
	memgit_batch_free(b);
	/* written around memgit, which would have refused it */
	out = fx_git(S, "mkdir -p memories/bad && printf -- '---\\npinned: yes\\nkind: [\\n---\\nx\\n' "
		">memories/bad/broken.md && git add memories && " GIT_COMMIT " broken && echo ok");
	assert_string_equal(out, "ok\n");
	free(out);
	assert_int_equal(fx_replay(&d, S, "{'edits':["
		EDIT("update", "cfg/tools.yaml", ",'content':'tools: []\n'")
		EDIT("move", "bad/broken.md", ",'to':'bad/fixed.md'")
		EDIT("update", "cfg/other.yaml", ",'content':'tools: []\n'") "]}"), 0);
	assert_non_null(memgit_dream_edit(d, 0)->refused);
	assert_int_equal(strncmp(memgit_dream_edit(d, 0)->refused, "pinned:", 7), 0);
	assert_int_equal(strncmp(memgit_dream_edit(d, 1)->refused, "pinned:", 7), 0);
	assert_null(memgit_dream_edit(d, 2)->refused);
	memgit_dream_free(d);
}

/* A rationale is one line: it cannot forge trailers; refused strings lose control codes. */
static void test_rationale_cannot_forge_trailers(void **state)
{
	memgit_dream *d = NULL;
	char *out;
	(void)state;

	assert_int_equal(fx_replay(&d, S, "{'edits':["
		"{'kind':'delete','path':'notes/a.md','evidence':['memory:notes/a.md'],"
		" 'rationale':'stale\n\nDream-Id: 19990101T000000Z-000000\nReverts-Dream: x'},"
		"{'kind':'delete','path':'notes/\\u001b[31mred.md','rationale':'r','evidence':['cc-1\\u001b#0']},"
		"{'kind':'delete','path':'notes/b.md','rationale':'   ','evidence':['memory:notes/b.md']}]}"), 0);
	assert_string_equal(memgit_dream_edit(d, 0)->rationale,
		"stale  Dream-Id: 19990101T000000Z-000000 Reverts-Dream: x");
	out = fx_git(S, "git log -1 --format='%%(trailers:key=Dream-Id,valueonly)%%(trailers:key=Reverts-Dream)' dream/%s",
		memgit_dream_id(d));
	assert_int_equal(strncmp(out, memgit_dream_id(d), strlen(memgit_dream_id(d))), 0);
	assert_string_equal(out + strlen(memgit_dream_id(d)), "\n\n");
	free(out);
	assert_non_null(memgit_dream_edit(d, 1)->refused);
	assert_null(strchr(memgit_dream_edit(d, 1)->path, '\x1b'));
	assert_null(strchr(memgit_dream_edit(d, 1)->refused, '\x1b'));
	assert_string_equal(memgit_dream_edit(d, 2)->refused, "shape: no rationale");
	memgit_dream_free(d);
}

/* ---- nothing written ------------------------------------------------------------------- */

static void test_dry_run_writes_nothing(void **state)
{
	memgit_dream_options o = MEMGIT_DREAM_OPTIONS_INIT;
	char *refs = fx_git(S, "git for-each-ref"), *refs2;
	long objects = fx_objects(S);
	memgit_dream *d = NULL;
	(void)state;

	o.dry_run = 1;
	assert_int_equal(fx_replay_opts(&d, S, FX_APPLY, &o), 0);
	assert_string_equal(memgit_dream_status(d), "dry-run");
	assert_string_equal(memgit_dream_commit(d), "");
	assert_non_null(strstr(memgit_dream_message(d), "- move facts/e.md -> facts/epsilon.md"));
	assert_int_equal(fx_objects(S), objects);
	refs2 = fx_git(S, "git for-each-ref");
	assert_string_equal(refs, refs2);
	free(refs);
	free(refs2);
	memgit_dream_free(d);
}

static void test_nothing_to_change(void **state)
{
	long objects = fx_objects(S);
	memgit_dream *d = NULL;
	char *notes;
	(void)state;

	assert_int_equal(fx_replay(&d, S, "{'edits':[" EDIT("delete", "prefs/pinned.md", "")
		EDIT("create", "notes/a.md", CONTENT) "]}"), MEMGIT_ENOTHING);
	assert_non_null(d);
	assert_string_equal(memgit_dream_status(d), "empty");
	assert_int_equal(memgit_dream_edit_count(d), 2);
	assert_non_null(memgit_dream_edit(d, 1)->refused);
	assert_non_null(strstr(memgit_error_last()->message, "2 refused"));
	memgit_dream_free(d);
	d = NULL;
	assert_int_equal(fx_replay(&d, S, "{'edits':[]}"), MEMGIT_ENOTHING);
	assert_non_null(strstr(memgit_error_last()->message, "proposed no edit"));
	memgit_dream_free(d);
	assert_int_equal(dream_branches(), 0);
	assert_int_equal(fx_objects(S), objects);
	notes = fx_git(S, "git rev-parse -q --verify refs/notes/memgit; true");
	assert_string_equal(notes, "");
	free(notes);
}

/* ---- interrupted ------------------------------------------------------------------------- */

static int count_dream(const memgit_dream *d, void *payload)
{
	(void)d;
	(*(size_t *)payload)++;
	return 0;
}

static void test_interrupted_after_note(void **state)
{
	memgit_dream_options o = MEMGIT_DREAM_OPTIONS_INIT;
	memgit_dream *d = NULL, *again = NULL, *loaded = NULL;
	char file[600], *notes, *note;
	size_t n = 0;
	(void)state;

	snprintf(file, sizeof(file), "%s/apply.json", t_tmpdir(5));
	{
		char *text = strdup(FX_APPLY);
		for (char *p = text; *p; p++)
			*p = *p == '\'' ? '"' : *p;
		t_write_file(file, text, strlen(text));
		free(text);
	}
	o.dreamer = "replay";
	o.replay = file;
	o.no_grade = 1; /* one commit, one note: the revision passes are test_dream_revise's */
	/* killed between the note and the branch: a note on a commit, no branch */
	assert_int_equal(mg_dream_run_ex(&d, S, &o, 1), 0);
	assert_int_equal(dream_branches(), 0);
	notes = fx_git(S, "git notes --ref=memgit list | cut -d' ' -f2");
	assert_int_equal(strncmp(notes, memgit_dream_commit(d), 40), 0);
	free(notes);
	assert_int_equal(memgit_dream_foreach(S, count_dream, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(memgit_dream_load(&loaded, S, memgit_dream_id(d)), MEMGIT_ENOTFOUND);
	/* running it again is safe: a new dream, branch and note */
	assert_int_equal(memgit_dream_run(&again, S, &o), 0);
	assert_string_not_equal(memgit_dream_id(again), memgit_dream_id(d));
	assert_int_equal(dream_branches(), 1);
	note = dream_note(memgit_dream_id(again));
	assert_non_null(strstr(note, memgit_dream_id(again)));
	free(note);
	notes = fx_git(S, "git notes --ref=memgit list | wc -l");
	assert_string_equal(notes, "2\n");
	free(notes);
	assert_int_equal(t_sh(NULL, "git -C '%s' fsck --strict --no-progress >/dev/null 2>&1",
		memgit_store_workdir(S)), 0);
	memgit_dream_free(d);
	memgit_dream_free(again);
}

/* ---- the replay file and options ----------------------------------------------------------- */

static void test_replay_file_errors(void **state)
{
	memgit_dream_options o = MEMGIT_DREAM_OPTIONS_INIT;
	char big[5000];
	memgit_dream *d = NULL;
	(void)state;

	assert_int_equal(fx_replay(&d, S, "{'edits':[{'kind':'rewrite','path':'a.md'}]}"), MEMGIT_EINPUT);
	assert_non_null(strstr(memgit_error_last()->message, "edits[0].kind"));
	assert_int_equal(fx_replay(&d, S, "{'edits':[{},{'kind':'create'}]}"), MEMGIT_EINPUT);
	assert_non_null(strstr(memgit_error_last()->message, "edits[0]"));
	assert_int_equal(fx_replay(&d, S, "{'edits':[{'kind':'create','path':'a.md','evidence':'x'}]}"),
		MEMGIT_EINPUT);
	assert_non_null(strstr(memgit_error_last()->message, "edits[0].evidence"));
	assert_int_equal(fx_replay(&d, S, "{'edits': 3}"), MEMGIT_EINPUT);
	assert_int_equal(fx_replay(&d, S, "{'edits': ["), MEMGIT_EINPUT);
	assert_null(d);
	o.dreamer = "replay";
	o.replay = "/nonexistent/replay.json";
	assert_true(memgit_dream_run(&d, S, &o) < 0);
	o.replay = NULL;
	assert_int_equal(memgit_dream_run(&d, S, &o), MEMGIT_EINPUT);
	o.dreamer = "oracle";
	assert_int_equal(memgit_dream_run(&d, S, &o), MEMGIT_EINPUT);
	assert_non_null(strstr(memgit_error_last()->message, "unknown dreamer 'oracle'"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	o.dreamer = "replay";
	o.instructions = big;
	assert_int_equal(fx_replay_opts(&d, S, FX_APPLY, &o), MEMGIT_ELIMIT);
	assert_null(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_apply_message_and_trailers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_and_limits_from_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_rename_and_folders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rationale_cannot_forge_trailers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinned_without_front_matter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_to_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupted_after_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_file_errors, setup, teardown),
	};
	int rc;

	memgit_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	memgit_shutdown();
	return rc;
}
