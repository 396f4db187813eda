/*
 * dream_fixture.h: the store the dream tests share (test_dream.c,
 * test_dream_audit.c): six memories (one pinned, one with sources), three
 * sessions with known agents, a clock pinned by MEMGIT_NOW, and the
 * replay dreamer fed from JSON written in the test.
 *
 *   notes/a.md  "alpha"           notes/b.md  sources cc-22222222, cc-33333333
 *   notes/c.md  "gamma"           notes/d.md  "delta"
 *   facts/e.md  "epsilon"         prefs/pinned.md  pinned: true
 *   cc-33333333  day 9,  2 events, agent-three   (oldest)
 *   cc-11111111  day 10, 3 events, agent-one
 *   cc-22222222  day 11, 5 events, agent-two     (newest: ends 2026-11-11T10:00:04Z)
 */
#ifndef MG_DREAM_FIXTURE_H
#define MG_DREAM_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "memgit.h"

#define FX_UNUSED __attribute__((unused))

static const char *const fx_memories[][2] = {
	{ "notes/a.md", "alpha\n" },
	{ "notes/b.md", "---\nsources: [cc-22222222#1, cc-33333333#0-1]\n---\nbeta\n" },
	{ "notes/c.md", "gamma\n" },
	{ "notes/d.md", "delta\n" },
	{ "facts/e.md", "epsilon\n" },
	{ "prefs/pinned.md", "---\npinned: true\n---\nkeep me\n" },
};

/* A Claude Code transcript of `n` text events starting 2026-11-<day> 10:00. */
static FX_UNUSED void fx_session(memgit_store *s, const char *hex8, int day, int n,
	const char *agent)
{
	memgit_session_add_options o = MEMGIT_SESSION_ADD_OPTIONS_INIT;
	char file[600];
	const char *paths[1] = { file };
	FILE *f;

	snprintf(file, sizeof(file), "%s/%s.jsonl", t_tmpdir(3), hex8);
	f = fopen(file, "w");
	assert_non_null(f);
	for (int i = 0; i < n; i++) {
		char parent[32];
		snprintf(parent, sizeof(parent), i ? "\"u%d\"" : "null", i - 1);
		fprintf(f, "{\"type\":\"%s\",\"sessionId\":\"%s-0000-4000-8000-000000000001\","
			"\"timestamp\":\"2026-11-%02dT10:00:%02dZ\",\"uuid\":\"u%d\",\"parentUuid\":%s,"
			"\"message\":{\"role\":\"%s\",\"content\":\"event %d of %s\"}}\n",
			i % 2 ? "assistant" : "user", hex8, day, i, i, parent,
			i % 2 ? "assistant" : "user", i, hex8);
	}
	fclose(f);
	o.agent = agent;
	assert_int_equal(memgit_session_add(NULL, s, paths, 1, &o), 0);
}

static FX_UNUSED memgit_store *fx_store(void)
{
	memgit_store *s = NULL;
	memgit_batch *b = NULL;
	char path[512];

	setenv("MEMGIT_NOW", "2026-11-20T12:00:00Z", 1);
	snprintf(path, sizeof(path), "%s/store", t_tmpdir(0));
	assert_int_equal(memgit_store_init(&s, path, NULL), 0);
	assert_int_equal(memgit_batch_new(&b, s), 0);
	for (size_t i = 0; i < sizeof(fx_memories) / sizeof(*fx_memories); i++)
		assert_int_equal(memgit_batch_put_raw(b, fx_memories[i][0], fx_memories[i][1],
			strlen(fx_memories[i][1])), 0);
	assert_int_equal(memgit_batch_commit(NULL, b, NULL), 0);
	memgit_batch_free(b);
	fx_session(s, "11111111", 10, 3, "agent-one");
	fx_session(s, "22222222", 11, 5, "agent-two");
	fx_session(s, "33333333", 9, 2, "agent-three");
	return s;
}

/* Run `cmd` (printf-style) in the store's work tree; its stdout, owned. */
static FX_UNUSED char *fx_git(memgit_store *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static FX_UNUSED char *fx_git(memgit_store *s, const char *fmt, ...)
{
	char cmd[4096];
	char *out = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	t_sh(&out, "cd '%s' && %s", memgit_store_workdir(s), cmd);
	return out;
}

/* Replay `json` (with ' for ", and a final ",]" allowed) through the replay
 * dreamer, with options `o` as they are (grading included). */
static FX_UNUSED int fx_replay_run(memgit_dream **out, memgit_store *s, const char *json,
	memgit_dream_options *o)
{
	char file[600], *text = strdup(json);

	for (char *p = text; *p; p++)
		if (*p == '\'')
			*p = '"';
	/* lists built from macros end in ",]" */
	for (char *p = strstr(text, ",]"); p; p = strstr(p, ",]"))
		memmove(p, p + 1, strlen(p));
	snprintf(file, sizeof(file), "%s/replay.json", t_tmpdir(4));
	t_write_file(file, text, strlen(text));
	free(text);
	o->dreamer = "replay";
	o->replay = file;
	return memgit_dream_run(out, s, o);
}

/* The same for the engine's tests: the dream is committed, not graded
 * (grading and the revision passes: test_dream_revise.c). */
static FX_UNUSED int fx_replay_opts(memgit_dream **out, memgit_store *s, const char *json,
	memgit_dream_options *o)
{
	o->no_grade = 1;
	return fx_replay_run(out, s, json, o);
}

static FX_UNUSED int fx_replay(memgit_dream **out, memgit_store *s, const char *json)
{
	memgit_dream_options o = MEMGIT_DREAM_OPTIONS_INIT;
	return fx_replay_opts(out, s, json, &o);
}

/* Main, the index and the work tree, to prove a dream never touches them. */
static FX_UNUSED char *fx_main_state(memgit_store *s)
{
	return fx_git(s, "git rev-parse main && git status --porcelain --untracked-files=all && "
		"find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 md5sum && "
		"md5sum .git/index");
}

static FX_UNUSED long fx_objects(memgit_store *s)
{
	char *out = fx_git(s, "git cat-file --batch-all-objects --batch-check | wc -l");
	long n = atol(out);
	free(out);
	return n;
}

/* The four valid edits of the "apply" scenario. */
#define FX_APPLY \
	"{'edits':[" \
	"{'kind':'create','path':'notes/new.md','content':'---\\nkind: fact\\n---\\nnew fact\\n'," \
	" 'rationale':'new fact seen','evidence':['cc-11111111#0-2']}," \
	"{'kind':'update','path':'memories/notes/a.md','content':'alpha v2\\n'," \
	" 'rationale':'alpha changed','evidence':['cc-22222222#4']}," \
	"{'kind':'merge','path':'notes/c.md','merged':['notes/d.md'],'content':'gamma and delta\\n'," \
	" 'rationale':'same thing','evidence':['memory:notes/c.md','memory:/memories/notes/d.md']}," \
	"{'kind':'move','path':'facts/e.md','to':'facts/epsilon.md','rationale':'better name'," \
	" 'evidence':['memory:facts/e.md']}]}"

#endif
