/*
 * test_builtin.c: the builtin dreamer, rule by rule, on small stores and
 * sessions built here through the public API (store, batch, session add),
 * calling mg_dreamer_builtin.propose directly and checking the exact edits:
 * kind, path, merged memories, rationale, evidence and the key lines of the
 * content. Also: pinned memories, determinism (two runs, every byte), no
 * proposal on clean input, and a second dream over the first one's result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "memgit.h"
#include "dream/dreamer.h"

#define NOW_2026_03_01 1772366400 /* 2026-03-01T12:00:00Z */

/* ---- a store ------------------------------------------------------------------- */

static memgit_store *new_store(void)
{
	memgit_store *s = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/store", t_tmpdir(0));
	assert_int_equal(memgit_store_init(&s, path, NULL), 0);
	return s;
}

/* Put `n` (path, content) pairs byte for byte in one commit. */
static void put_all(memgit_store *s, const char *const *pc, size_t n)
{
	memgit_batch *b = NULL;

	assert_int_equal(memgit_batch_new(&b, s), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(
		        memgit_batch_put_raw(b, pc[2 * i], pc[2 * i + 1], strlen(pc[2 * i + 1])),
		        0);
	assert_int_equal(memgit_batch_commit(NULL, b, NULL), 0);
	memgit_batch_free(b);
}

/* ---- Claude Code transcripts ---------------------------------------------------- */

typedef struct {
	char *buf;
	size_t len, cap;
	char session[64];
	char id[64]; /* cc-<8 hex>, or cc-<8 hex>-<agent> for a subagent */
	char agent[32];
	unsigned n; /* lines, = canonical events here */
} t_cc;

static void cc_put(t_cc *c, const char *s)
{
	size_t n = strlen(s);
	if (c->len + n + 1 > c->cap) {
		c->cap = (c->len + n + 1) * 2;
		c->buf = realloc(c->buf, c->cap);
		assert_non_null(c->buf);
	}
	memcpy(c->buf + c->len, s, n + 1);
	c->len += n;
}

static void cc_esc(t_cc *c, const char *s)
{
	char one[8];
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			snprintf(one, sizeof(one), "\\%c", *s);
		else if (*s == '\n')
			snprintf(one, sizeof(one), "\\n");
		else if ((unsigned char)*s < 0x20)
			snprintf(one, sizeof(one), "\\u%04x", *s);
		else
			snprintf(one, sizeof(one), "%c", *s);
		cc_put(c, one);
	}
}

static void cc_begin(t_cc *c, const char *hex8)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->session, sizeof(c->session), "%s-0000-4000-8000-000000000000", hex8);
	snprintf(c->id, sizeof(c->id), "cc-%s", hex8);
}

/* A subagent's transcript: its lines carry the parent's sessionId. */
static void cc_begin_subagent(t_cc *c, const char *hex8, const char *agent)
{
	cc_begin(c, hex8);
	snprintf(c->agent, sizeof(c->agent), "%s", agent);
	snprintf(c->id, sizeof(c->id), "cc-%s-%s", hex8, agent);
}

/* The start of a line; the event it makes has index c->n. */
static unsigned cc_head(t_cc *c, const char *type)
{
	char head[640], side[96] = "";
	if (c->agent[0])
		snprintf(side, sizeof(side), "\"isSidechain\":true,\"agentId\":\"%s\",", c->agent);
	snprintf(head, sizeof(head),
	        "{\"type\":\"%s\",%s\"sessionId\":\"%s\",\"uuid\":\"%s-%s%06u\",\"timestamp\":"
	        "\"2026-02-%02uT10:%02u:%02uZ\",\"message\":",
	        type, side, c->session, c->session, c->agent, c->n, 1 + (c->id[3] - '0') % 9,
	        c->n / 60 % 60, c->n % 60);
	cc_put(c, head);
	return c->n++;
}

static unsigned cc_user(t_cc *c, const char *text)
{
	unsigned i = cc_head(c, "user");
	cc_put(c, "{\"role\":\"user\",\"content\":\"");
	cc_esc(c, text);
	cc_put(c, "\"}}\n");
	return i;
}

/* A tool call and its result; returns the call's event (the result is +1). */
static unsigned cc_tool(
        t_cc *c, const char *tool, const char *input_json, const char *out, int is_error)
{
	char ids[128];
	unsigned i = cc_head(c, "assistant");
	snprintf(ids, sizeof(ids),
	        "{\"id\":\"msg_%s_%u\",\"role\":\"assistant\",\"content\":"
	        "[{\"type\":\"tool_use\",\"id\":\"toolu_%u\",\"name\":\"",
	        c->id + 3, i, i);
	cc_put(c, ids);
	cc_put(c, tool);
	cc_put(c, "\",\"input\":");
	cc_put(c, input_json);
	cc_put(c, "}]}}\n");
	cc_head(c, "user");
	snprintf(ids, sizeof(ids),
	        "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
	        "\"tool_use_id\":\"toolu_%u\",\"content\":\"",
	        i);
	cc_put(c, ids);
	cc_esc(c, out);
	cc_put(c, is_error ? "\",\"is_error\":true}]}}\n" : "\",\"is_error\":false}]}}\n");
	return i;
}

static unsigned cc_bash(t_cc *c, const char *cmd, const char *out, int is_error)
{
	t_cc in = {0};
	unsigned i;
	cc_put(&in, "{\"command\":\"");
	cc_esc(&in, cmd);
	cc_put(&in, "\"}");
	i = cc_tool(c, "Bash", in.buf, out, is_error);
	free(in.buf);
	return i;
}

/* Store the transcript as a session; its id stays in c->id. */
static void cc_add(memgit_store *s, t_cc *c)
{
	char path[512];
	const char *p = path;
	snprintf(path, sizeof(path), "%s/%s.jsonl", t_tmpdir(1), c->session);
	t_write_file(path, c->buf, c->len);
	assert_int_equal(memgit_session_add(NULL, s, &p, 1, NULL), 0);
	free(c->buf);
	c->buf = NULL;
}

/* ---- the dreamer's input ------------------------------------------------------- */

typedef struct {
	mg_dream_memory *m;
	size_t n, cap;
	memgit_store *s;
} t_mems;

static int mem_cb(const memgit_entry_info *e, void *p)
{
	t_mems *t = p;
	memgit_buf b = MEMGIT_BUF_INIT;
	mg_dream_memory *m;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->m = realloc(t->m, t->cap * sizeof(*t->m));
		assert_non_null(t->m);
	}
	m = &t->m[t->n++];
	memset(m, 0, sizeof(*m));
	assert_int_equal(memgit_store_read(&b, t->s, e->path), 0);
	m->path = strdup(e->path);
	memcpy(m->blob, e->blob, sizeof(m->blob));
	m->len = b.size;
	m->content = malloc(b.size + 1);
	memcpy((char *)m->content, b.ptr, b.size + 1);
	if (memgit_memory_parse(&m->mem, m->path, m->content, m->len, NULL) < 0)
		m->mem = NULL;
	memgit_buf_dispose(&b);
	return 0;
}

typedef struct {
	mg_dream_input in;
	mg_dream_config cfg;
	t_mems mems;
	const char *ids[16];
} t_input;

static void input_build(t_input *t, memgit_store *s, const t_cc *const *sessions, size_t n)
{
	const mg_dream_config dflt = MG_DREAM_CONFIG_INIT;

	memset(t, 0, sizeof(*t));
	t->cfg = dflt;
	t->mems.s = s;
	assert_int_equal(memgit_store_foreach(s, NULL, mem_cb, &t->mems), 0);
	for (size_t i = 0; i < n; i++)
		t->ids[i] = sessions[i]->id;
	t->in.store = s;
	t->in.now = NOW_2026_03_01;
	t->in.memories = t->mems.m;
	t->in.nmemories = t->mems.n;
	t->in.sessions = t->ids;
	t->in.nsessions = n;
	t->in.config = &t->cfg;
}

static void input_dispose(t_input *t)
{
	for (size_t i = 0; i < t->mems.n; i++) {
		free((char *)t->mems.m[i].path);
		free((char *)t->mems.m[i].content);
		memgit_memory_free(t->mems.m[i].mem);
	}
	free(t->mems.m);
}

static void dream(mg_edit_list *out, t_input *t)
{
	memset(out, 0, sizeof(*out));
	assert_int_equal(mg_dreamer_builtin.propose(out, &t->in, NULL), 0);
}

/* ---- checking edits -------------------------------------------------------------- */

static const mg_edit *edit_at(const mg_edit_list *l, memgit_edit_kind kind, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i].kind == kind && !strcmp(l->items[i].path, path))
			return &l->items[i];
	fail_msg("no %s edit of %s", memgit_edit_kind_name(kind), path);
	return NULL;
}

/* Evidence, merged paths: exactly these, in this order. */
static void same_list(char *const *got, size_t n, const char *const *want)
{
	size_t k = 0;
	for (; want[k]; k++) {
		if (k >= n)
			fail_msg("missing item %zu '%s'", k, want[k]);
		assert_string_equal(got[k], want[k]);
	}
	assert_int_equal(n, k);
}

static void has_line(const mg_edit *e, const char *line)
{
	char *want = malloc(strlen(line) + 3);
	snprintf(want, strlen(line) + 3, "\n%s\n", line);
	if (!strstr(e->content, want) && strncmp(e->content, want + 1, strlen(want + 1)))
		fail_msg("no line '%s' in:\n%s", line, e->content);
	free(want);
}

static void has_text(const mg_edit *e, const char *text)
{
	if (!strstr(e->content, text))
		fail_msg("no '%s' in:\n%s", text, e->content);
}

/* Every byte of every edit, for comparing two runs. */
static char *dump(const mg_edit_list *l)
{
	t_cc d = {0};
	char num[64];
	cc_put(&d, "");
	for (size_t i = 0; i < l->n; i++) {
		const mg_edit *e = &l->items[i];
		snprintf(num, sizeof(num), "%d|", (int)e->kind);
		cc_put(&d, num);
		cc_put(&d, e->path);
		cc_put(&d, "|");
		cc_put(&d, e->to ? e->to : "");
		for (size_t k = 0; k < e->nmerged; k++) {
			cc_put(&d, "|m:");
			cc_put(&d, e->merged[k]);
		}
		cc_put(&d, "|");
		cc_put(&d, e->content ? e->content : "");
		cc_put(&d, "|");
		cc_put(&d, e->rationale);
		for (size_t k = 0; k < e->nevidence; k++) {
			cc_put(&d, "|e:");
			cc_put(&d, e->evidence[k]);
		}
		cc_put(&d, "\n");
	}
	return d.buf;
}

/* ---- rule 1: duplicates ---------------------------------------------------------- */

/* 22 words: a near copy with one more word shares 20 of 21 shingles (0.95). */
#define BODY_CTEST                                                                                 \
	"Run ctest with output on failure from the build directory before pushing "                \
	"any change so that broken tests never reach the main branch\n"

static void test_dups_exact_and_near(void **state)
{
	static const char *const files[] = {
	        "notes/a.md",
	        "---\ntitle: Run ctest first\nkind: fact\ntags: [tests]\n"
	        "created: 2026-01-02\nsources: [cc-11111111#1]\n---\n" BODY_CTEST,
	        "notes/b.md",
	        "---\ntitle: Tests before push\nkind: procedure\ntags: [ci, tests]\n"
	        "created: 2026-01-01\nsources: [cc-22222222#3]\nconfidence: 0.8\n---\n" BODY_CTEST,
	        "notes/c.md",
	        "Run ctest with output on failure from the build directory before "
	        "pushing any change so that broken tests never reach the main branch again.\n",
	        "notes/d.md",
	        "---\ntitle: Release\n---\nTag the release with git tag and push the "
	        "tag; the release workflow builds the packages from it.\n",
	};
	static const char *const ev[] = {
	        "memory:notes/a.md", "memory:notes/b.md", "memory:notes/c.md", NULL};
	static const char *const merged[] = {"notes/a.md", "notes/c.md", NULL};
	memgit_store *s = new_store();
	mg_edit_list out;
	const mg_edit *e;
	t_input in;
	(void)state;

	put_all(s, files, 4);
	input_build(&in, s, NULL, 0);
	dream(&out, &in);
	assert_int_equal(out.n, 1);
	/* b has the most front-matter keys: it is the one kept */
	e = edit_at(&out, MEMGIT_EDIT_MERGE, "notes/b.md");
	same_list(e->merged, e->nmerged, merged);
	same_list(e->evidence, e->nevidence, ev);
	assert_string_equal(e->rationale,
	        "merge 2 near-duplicates (word-shingle Jaccard >= 0.95) into notes/b.md");
	assert_string_equal(e->content,
	        "---\ntitle: Tests before push\nkind: procedure\ntags: [ci, tests]\n"
	        "created: 2026-01-01\nsources: [cc-22222222#3, cc-11111111#1]\nconfidence: 0.8\n"
	        "updated: 2026-03-01T12:00:00Z\n---\n" BODY_CTEST);
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);
}

static void test_dups_exact_ties(void **state)
{
	/* same keys: the earliest `created` wins */
	static const char *const files[] = {
	        "x/one.md",
	        "---\ntitle: Deploy\ncreated: 2026-02-01\n---\n" BODY_CTEST,
	        "x/two.md",
	        "---\ntitle: Deploy\ncreated: 2026-01-15\n---\n" BODY_CTEST,
	        "x/three.md",
	        "---\ntitle: Deploy\ncreated: 2026-01-20\n---\n" BODY_CTEST,
	};
	memgit_store *s = new_store();
	mg_edit_list out;
	const mg_edit *e;
	t_input in;
	(void)state;

	put_all(s, files, 3);
	input_build(&in, s, NULL, 0);
	dream(&out, &in);
	assert_int_equal(out.n, 1);
	e = edit_at(&out, MEMGIT_EDIT_MERGE, "x/two.md");
	assert_string_equal(e->rationale, "merge 2 exact duplicates into x/two.md");
	/* paths in order: one, three, two */
	assert_string_equal(e->merged[0], "x/one.md");
	assert_string_equal(e->merged[1], "x/three.md");
	/* nothing to union: the target is kept byte for byte */
	assert_string_equal(e->content, files[3]);
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);
}

static void test_dups_pinned(void **state)
{
	static const char *const one_pinned[] = {
	        "p/a.md",
	        "---\ntitle: A\nkind: fact\ntags: [x]\ncreated: 2026-01-01\n---\n" BODY_CTEST,
	        "p/b.md",
	        "---\npinned: true\n---\n" BODY_CTEST,
	        "p/c.md",
	        BODY_CTEST,
	};
	static const char *const two_pinned[] = {
	        "q/a.md",
	        "---\npinned: true\n---\n" BODY_CTEST,
	        "q/b.md",
	        "---\npinned: yes\n---\n" BODY_CTEST,
	        "q/c.md",
	        BODY_CTEST,
	};
	memgit_store *s = new_store();
	mg_edit_list out;
	const mg_edit *e;
	t_input in;
	(void)state;

	put_all(s, one_pinned, 3);
	input_build(&in, s, NULL, 0);
	dream(&out, &in);
	/* the pinned one stays as it is; the others go as its duplicates */
	assert_int_equal(out.n, 2);
	e = edit_at(&out, MEMGIT_EDIT_DELETE, "p/a.md");
	assert_string_equal(e->rationale, "duplicate of the pinned memory p/b.md");
	same_list(e->evidence, e->nevidence,
	        (const char *const[]){"memory:p/b.md", "memory:p/a.md", NULL});
	e = edit_at(&out, MEMGIT_EDIT_DELETE, "p/c.md");
	for (size_t i = 0; i < out.n; i++)
		assert_string_not_equal(out.items[i].path, "p/b.md");
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);

	s = new_store();
	put_all(s, two_pinned, 3);
	input_build(&in, s, NULL, 0);
	dream(&out, &in);
	assert_int_equal(out.n, 0); /* two pinned in one cluster: left alone */
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);
}

static void test_dups_below_threshold(void **state)
{
	/* half the text in common: related, not duplicates */
	static const char *const files[] = {
	        "a.md",
	        "Run ctest with output on failure from the build directory before pushing "
	        "any change. Release builds use the packaging script and sign every artifact.\n",
	        "b.md",
	        "Run ctest with output on failure from the build directory before pushing "
	        "any change. Documentation lives in docs and is rebuilt by the site generator.\n",
	        "c.md",
	        "TBD\n",
	        "d.md",
	        "TBD\n",
	};
	memgit_store *s = new_store();
	mg_edit_list out;
	t_input in;
	(void)state;

	put_all(s, files, 4);
	input_build(&in, s, NULL, 0);
	dream(&out, &in);
	assert_int_equal(out.n, 0); /* "TBD" twice is too short to call a duplicate */
	mg_edit_list_dispose(&out);
	in.cfg.duplicate_threshold = 0.4; /* words and word pairs: 0.42 */
	dream(&out, &in);
	assert_int_equal(out.n, 1);
	edit_at(&out, MEMGIT_EDIT_MERGE, "a.md");
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);
}

/* ---- rule 2: retire -------------------------------------------------------------- */

static void test_retire(void **state)
{
	static const char *const files[] = {
	        "facts/expired.md",
	        "---\ntitle: Old\nexpires: 2026-01-31\n---\nThe staging server is db-3.\n",
	        "facts/today.md",
	        "---\ntitle: Today\nexpires: 2026-03-01\n---\nValid through today.\n",
	        "facts/stamp.md",
	        "---\ntitle: Stamp\nexpires: 2026-03-01T11:00:00Z\n---\nAn hour ago.\n",
	        "facts/pinned.md",
	        "---\npinned: true\nexpires: 2020-01-01\n---\nKept whatever.\n",
	        "facts/py38.md",
	        "---\nid: 01JD3QK7Z8T6W5N4M2P1R0S9XY\n---\nPython 3.8 is the target.\n",
	        "facts/py312.md",
	        "---\nsupersedes: 01JD3QK7Z8T6W5N4M2P1R0S9XY\n---\nPython 3.12 is the target.\n",
	        "facts/old-ci.md",
	        "CI runs on Travis.\n",
	        "facts/ci.md",
	        "---\nsupersedes: [memories/facts/old-ci.md, facts/missing.md]\n---\nCI runs on "
	        "GitHub Actions.\n",
	        "facts/ping.md",
	        "---\nsupersedes: facts/pong.md\n---\nPing.\n",
	        "facts/pong.md",
	        "---\nsupersedes: facts/ping.md\n---\nPong.\n",
	        "facts/keep.md",
	        "---\npinned: true\n---\nKeep this.\n",
	        "facts/keeper.md",
	        "---\nsupersedes: facts/keep.md\n---\nTries to replace a pinned one.\n",
	};
	memgit_store *s = new_store();
	mg_edit_list out;
	const mg_edit *e;
	t_input in;
	(void)state;

	put_all(s, files, 12);
	input_build(&in, s, NULL, 0);
	dream(&out, &in);
	assert_int_equal(out.n, 4);
	/* path order: expired, old-ci, py38, stamp */
	assert_string_equal(out.items[0].path, "facts/expired.md");
	assert_string_equal(out.items[1].path, "facts/old-ci.md");
	assert_string_equal(out.items[2].path, "facts/py38.md");
	assert_string_equal(out.items[3].path, "facts/stamp.md");
	e = edit_at(&out, MEMGIT_EDIT_DELETE, "facts/expired.md");
	assert_string_equal(e->rationale, "expired on 2026-01-31");
	same_list(
	        e->evidence, e->nevidence, (const char *const[]){"memory:facts/expired.md", NULL});
	assert_null(e->content);
	e = edit_at(&out, MEMGIT_EDIT_DELETE, "facts/stamp.md");
	assert_string_equal(e->rationale, "expired on 2026-03-01T11:00:00Z");
	e = edit_at(&out, MEMGIT_EDIT_DELETE, "facts/py38.md");
	assert_string_equal(e->rationale, "superseded by facts/py312.md");
	same_list(e->evidence, e->nevidence, (const char *const[]){"memory:facts/py312.md", NULL});
	e = edit_at(&out, MEMGIT_EDIT_DELETE, "facts/old-ci.md");
	assert_string_equal(e->rationale, "superseded by facts/ci.md");
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);
}

/* An expired duplicate is retired, not merged. */
static void test_retire_before_merge(void **state)
{
	static const char *const files[] = {
	        "a.md",
	        "---\nexpires: 2026-01-01\n---\n" BODY_CTEST,
	        "b.md",
	        BODY_CTEST,
	};
	memgit_store *s = new_store();
	mg_edit_list out;
	t_input in;
	(void)state;

	put_all(s, files, 2);
	input_build(&in, s, NULL, 0);
	dream(&out, &in);
	assert_int_equal(out.n, 1);
	edit_at(&out, MEMGIT_EDIT_DELETE, "a.md");
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);
}

/* ---- rule 3: mistakes -------------------------------------------------------------- */

typedef struct {
	t_cc cc[5];
	unsigned fail[5]; /* the failing call of each session */
} t_mistake_sessions;

/* Three sessions fail `cmake --build` the same way (paths and numbers
 * differ); the first then fixes it; two more fail differently (a decoy
 * seen in only two sessions). */
static void mistake_sessions(memgit_store *s, t_mistake_sessions *m)
{
	static const char *const hex[] = {
	        "a1000001", "a1000002", "a1000003", "a1000004", "a1000005"};
	char out[256], cmd[128];

	for (int k = 0; k < 5; k++) {
		t_cc *c = &m->cc[k];
		cc_begin(c, hex[k]);
		cc_user(c, "Build the project and run the tests.");
		cc_bash(c, "git status", "On branch main", 0);
		if (k < 3) {
			snprintf(cmd, sizeof(cmd), "cmake --build build%d -j%d", k, k + 2);
			snprintf(out, sizeof(out),
			        "Exit code 1\nError: could not load cache from "
			        "/home/u/p%d/build%d/CMakeCache.txt (%d bytes)",
			        k, k, 100 + k);
			m->fail[k] = cc_bash(c, cmd, out, 1);
			if (k == 0)
				cc_bash(c, "cmake -S . -B build0", "-- Configuring done", 0);
			if (k == 2) /* counted, not cited again */
				cc_bash(c, cmd, out, 1);
		} else {
			snprintf(cmd, sizeof(cmd), "npm test -- --grep t%d", k);
			m->fail[k] = cc_bash(c, cmd, "npm ERR! missing script: test", 1);
		}
		cc_add(s, c);
	}
}

static void test_mistakes(void **state)
{
	memgit_store *s = new_store();
	t_mistake_sessions m;
	const t_cc *ss[5] = {&m.cc[0], &m.cc[1], &m.cc[2], &m.cc[3], &m.cc[4]};
	char ev[3][96];
	mg_edit_list out;
	const mg_edit *e;
	t_input in;
	(void)state;

	mistake_sessions(s, &m);
	input_build(&in, s, ss, 5);
	dream(&out, &in);
	assert_int_equal(out.n, 1);
	e = edit_at(&out, MEMGIT_EDIT_CREATE,
	        "mistakes/cmake-build-error-could-not-load-cache-from.md");
	for (int k = 0; k < 3; k++)
		snprintf(ev[k], sizeof(ev[k]), "%s#%u-%u", m.cc[k].id, m.fail[k], m.fail[k] + 1);
	same_list(e->evidence, e->nevidence, (const char *const[]){ev[0], ev[1], ev[2], NULL});
	assert_string_equal(
	        e->rationale, "`cmake --build` failed with the same error in 3 sessions");
	assert_int_equal(strncmp(e->content, "---\nid: ", 8), 0);
	has_line(e, "title: \"cmake --build fails: Error: could not load cache from "
	            "/home/u/p0/build0/CMakeCache.txt (100 bytes)\"");
	has_line(e, "kind: mistake");
	has_line(e, "tags: [mistake, bash, cmake]");
	has_line(e, "created: 2026-03-01T12:00:00Z");
	has_line(e, "updated: 2026-03-01T12:00:00Z");
	{
		char src[320];
		snprintf(src, sizeof(src), "sources: [%s, %s, %s]", ev[0], ev[1], ev[2]);
		has_line(e, src);
	}
	has_line(e, "occurrences: 4");
	has_text(e, "\nsignature: ");
	has_text(e,
	        "`cmake --build` (tool `Bash`) failed 4 times in 3 sessions with the same error.");
	has_text(e, "\n    Error: could not load cache from /home/u/p0/build0/CMakeCache.txt (100 "
	            "bytes)\n");
	has_text(e, "\n    cmake --build build0 -j2\n");
	has_text(e, "What worked next: `cmake -S . -B build0` (after 1 of the failures).");
	mg_edit_list_dispose(&out);

	/* two sessions are not enough; with min_sessions 2 the decoy counts too */
	in.cfg.min_sessions = 2;
	dream(&out, &in);
	assert_int_equal(out.n, 2);
	edit_at(&out, MEMGIT_EDIT_CREATE, "mistakes/npm-test-npm-err-missing-script-test.md");
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);
}

/* A memory that already records the mistake is strengthened, not duplicated. */
static void test_mistakes_strengthen(void **state)
{
	static const char *const files[] = {
	        "mistakes/cache.md",
	        "---\ntitle: cmake cache\nkind: mistake\nsources: [cc-a1000001#3-4]\n"
	        "occurrences: 1\n---\nBuilding fails with:\n\n    Error: could not load cache from "
	        "/tmp/b/CMakeCache.txt (9 bytes)\n\nRun cmake -S . -B build first.\n",
	};
	memgit_store *s = new_store();
	t_mistake_sessions m;
	const t_cc *ss[5] = {&m.cc[0], &m.cc[1], &m.cc[2], &m.cc[3], &m.cc[4]};
	char ev[2][96], src[320];
	mg_edit_list out;
	const mg_edit *e;
	t_input in;
	(void)state;

	put_all(s, files, 1);
	mistake_sessions(s, &m);
	input_build(&in, s, ss, 5);
	dream(&out, &in);
	assert_int_equal(out.n, 1);
	e = edit_at(&out, MEMGIT_EDIT_UPDATE, "mistakes/cache.md");
	for (int k = 1; k < 3; k++)
		snprintf(
		        ev[k - 1], sizeof(ev[0]), "%s#%u-%u", m.cc[k].id, m.fail[k], m.fail[k] + 1);
	/* the first session is already cited: only the two others are new */
	same_list(e->evidence, e->nevidence, (const char *const[]){ev[0], ev[1], NULL});
	assert_string_equal(
	        e->rationale, "strengthen: `cmake --build` failed the same way in 2 more sessions");
	snprintf(src, sizeof(src), "sources: [cc-a1000001#3-4, %s, %s]", ev[0], ev[1]);
	has_line(e, src);
	has_line(e, "occurrences: 4"); /* 1 + 1 + 2 */
	has_line(e, "updated: 2026-03-01T12:00:00Z");
	has_text(e, "\nsignature: ");
	has_text(e, "Run cmake -S . -B build first.\n");
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);
}

/* ---- rule 4: workflows ----------------------------------------------------------- */

/* Three sessions edit, build (twice), test (twice) and commit, with
 * inspection calls around; one does something else; two share a decoy. */
static void workflow_sessions(memgit_store *s, t_cc *cc, unsigned *first, unsigned *last)
{
	static const char *const hex[] = {"b2000001", "b2000002", "b2000003", "b2000004"};
	char cmd[64];

	for (int k = 0; k < 4; k++) {
		t_cc *c = &cc[k];
		cc_begin(c, hex[k]);
		cc_user(c, "Fix the failing parser test.");
		cc_tool(c, "Read", "{\"file_path\":\"src/parser.c\"}", "int parse(void);", 0);
		cc_bash(c, "ls build", "CMakeCache.txt", 0);
		if (k < 3) {
			first[k] = cc_tool(c, "Edit", "{\"file_path\":\"src/parser.c\"}", "ok", 0);
			snprintf(cmd, sizeof(cmd), "cmake --build build -j%d", k + 2);
			cc_bash(c, cmd, "[100%] Built target memgit", 0);
			cc_bash(c, "cmake --build build", "[100%] Built target memgit",
			        0); /* repeat */
			cc_bash(c, "ctest --test-dir build --output-on-failure",
			        "100% tests passed", 0);
			cc_bash(c, "ctest --test-dir build -R parser", "100% tests passed", 0);
			snprintf(cmd, sizeof(cmd), "git commit -am 'parser: fix %d'", k);
			last[k] = cc_bash(c, cmd, "[main 1a2b3c] parser", 0) + 1;
		} else {
			cc_bash(c, "make docs", "done", 0);
		}
		if (k >= 2) {
			cc_bash(c, "docker compose up -d", "started", 0);
			cc_bash(c, "curl -s localhost:8080/health", "ok", 0);
			cc_bash(c, "docker compose down", "stopped", 0);
		}
		cc_add(s, c);
	}
}

static void test_workflows(void **state)
{
	memgit_store *s = new_store();
	t_cc cc[4];
	const t_cc *ss[4] = {&cc[0], &cc[1], &cc[2], &cc[3]};
	unsigned first[4], last[4];
	char ev[3][96];
	mg_edit_list out;
	const mg_edit *e;
	t_input in;
	(void)state;

	workflow_sessions(s, cc, first, last);
	input_build(&in, s, ss, 4);
	dream(&out, &in);
	assert_int_equal(out.n, 1);
	e = edit_at(&out, MEMGIT_EDIT_CREATE, "workflows/edit-cmake-build-ctest-git-commit.md");
	for (int k = 0; k < 3; k++)
		snprintf(ev[k], sizeof(ev[k]), "%s#%u-%u", cc[k].id, first[k], last[k]);
	same_list(e->evidence, e->nevidence, (const char *const[]){ev[0], ev[1], ev[2], NULL});
	assert_string_equal(e->rationale, "the same 4 steps recurred in 3 sessions");
	has_line(e, "title: \"Workflow: Edit -> cmake --build -> ctest -> git commit\"");
	has_line(e, "kind: workflow");
	has_line(e, "tags: [workflow, edit, cmake, ctest, git]");
	has_line(e, "occurrences: 3");
	has_text(e, "Steps that recurred in this order in 3 sessions:\n\n"
	            "1. the `Edit` tool\n"
	            "2. `cmake --build` (e.g. `cmake --build build -j2`)\n"
	            "3. `ctest` (e.g. `ctest --test-dir build --output-on-failure`)\n"
	            "4. `git commit` (e.g. `git commit -am 'parser: fix 0'`)\n");
	mg_edit_list_dispose(&out);

	/* a workflow memory naming the same steps gets the sessions instead */
	input_dispose(&in);
	{
		static const char *const files[] = {"workflows/fix.md",
		        "---\ntitle: Fixing\nkind: workflow\n---\n1. Edit the code\n2. cmake "
		        "--build build\n"
		        "3. ctest --test-dir build\n4. git commit\n"};
		put_all(s, files, 1);
	}
	input_build(&in, s, ss, 4);
	dream(&out, &in);
	assert_int_equal(out.n, 1);
	e = edit_at(&out, MEMGIT_EDIT_UPDATE, "workflows/fix.md");
	assert_string_equal(e->rationale, "the workflow recurred in 3 more sessions");
	same_list(e->evidence, e->nevidence, (const char *const[]){ev[0], ev[1], ev[2], NULL});
	has_text(e, "Edit the code\n");
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);
}

/* ---- rule 5: preferences ----------------------------------------------------------- */

static void test_preferences(void **state)
{
	static const char *const files[] = {
	        "preferences/push.md",
	        "---\ntitle: Force push\nkind: preference\nsources: [cc-c3000001#0]\n"
	        "---\n- Don't force-push to main.\n",
	        "preferences/yaml.md", /* pinned: known, and never rewritten */
	        "---\npinned: true\n---\nNever use tabs in YAML files.\n",
	};
	memgit_store *s = new_store();
	t_cc cc[3];
	const t_cc *ss[3] = {&cc[0], &cc[1], &cc[2]};
	unsigned tabs[2], stop, push;
	char ev[2][96];
	mg_edit_list out;
	const mg_edit *e;
	t_input in;
	(void)state;

	put_all(s, files, 2);
	cc_begin(&cc[0], "c3000001");
	tabs[0] =
	        cc_user(&cc[0], "Looks good. Always use tabs for indentation in C files. Thanks!");
	cc_user(&cc[0], "Should we always use tabs for indentation everywhere?");
	cc_user(&cc[0], "> never commit generated files\nthat was the old rule");
	cc_user(&cc[0], "Example:\n```\nnever do this in production code\n```\n");
	cc_user(&cc[0], "He wrote \"never use goto in this code\" in the guide.");
	cc_user(&cc[0], "Don't worry about the warnings for now.");
	cc_user(&cc[0], "<command-name>/model</command-name> always ignore me please");
	cc_add(s, &cc[0]);
	cc_begin(&cc[1], "c3000002");
	cc_bash(&cc[1], "git status", "clean", 0);
	tabs[1] = cc_user(&cc[1], "always use tabs for indentation in C files");
	stop = cc_user(&cc[1], "OK, please stop adding emojis to commit messages!");
	cc_add(s, &cc[1]);
	cc_begin(&cc[2], "c3000003");
	push = cc_user(&cc[2], "Also: do not force-push to main.");
	cc_user(&cc[2], "never use tabs in YAML files!");
	cc_add(s, &cc[2]);

	input_build(&in, s, ss, 3);
	dream(&out, &in);
	assert_int_equal(out.n, 3);
	e = edit_at(&out, MEMGIT_EDIT_CREATE,
	        "preferences/always-use-tabs-for-indentation-in-c-files.md");
	snprintf(ev[0], sizeof(ev[0]), "%s#%u", cc[0].id, tabs[0]);
	snprintf(ev[1], sizeof(ev[1]), "%s#%u", cc[1].id, tabs[1]);
	same_list(e->evidence, e->nevidence, (const char *const[]){ev[0], ev[1], NULL});
	assert_string_equal(e->rationale, "the user stated this preference in 2 sessions");
	has_line(e, "title: Always use tabs for indentation in C files.");
	has_line(e, "kind: preference");
	has_line(e, "tags: [preference]");
	assert_non_null(strstr(e->content, "\n---\nAlways use tabs for indentation in C files.\n"));
	e = edit_at(&out, MEMGIT_EDIT_CREATE,
	        "preferences/please-stop-adding-emojis-to-commit-messages.md");
	snprintf(ev[0], sizeof(ev[0]), "%s#%u", cc[1].id, stop);
	same_list(e->evidence, e->nevidence, (const char *const[]){ev[0], NULL});
	assert_non_null(
	        strstr(e->content, "\n---\nPlease stop adding emojis to commit messages!\n"));
	/* already in memory: the session is added to its sources */
	e = edit_at(&out, MEMGIT_EDIT_UPDATE, "preferences/push.md");
	snprintf(ev[0], sizeof(ev[0]), "%s#%u", cc[2].id, push);
	same_list(e->evidence, e->nevidence, (const char *const[]){ev[0], NULL});
	assert_string_equal(e->rationale, "the user restated this preference in 1 more session");
	{
		char src[160];
		snprintf(src, sizeof(src), "sources: [cc-c3000001#0, %s]", ev[0]);
		has_line(e, src);
	}
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);
}

/* The cause is quoted, not the test runner's summary line; what fixed it
 * was another command run before the same one again. */
static void test_mistakes_fix_run_first(void **state)
{
	static const char *const hex[] = {"f6000001", "f6000002", "f6000003"};
	static const char out[] = "Test project /w/build\n    Start 7: db_roundtrip\n"
	                          "7/9 Test #7: db_roundtrip ......***Failed    0.02 sec\n"
	                          "could not connect to server: Connection refused\n"
	                          "78% tests passed, 2 tests failed out of 9\n";
	memgit_store *s = new_store();
	t_cc cc[3];
	const t_cc *ss[3] = {&cc[0], &cc[1], &cc[2]};
	mg_edit_list edits;
	const mg_edit *e;
	t_input in;
	(void)state;

	for (int k = 0; k < 3; k++) {
		cc_begin(&cc[k], hex[k]);
		cc_bash(&cc[k], "ctest --test-dir build -L integration", out, 1);
		cc_bash(&cc[k], "ls pgdata", "PG_VERSION", 0); /* looking is not fixing */
		cc_bash(&cc[k], "pg_ctl -D ./pgdata start", "server started", 0);
		cc_bash(&cc[k], "ctest --test-dir build -L integration", "100% tests passed", 0);
		cc_add(s, &cc[k]);
	}
	input_build(&in, s, ss, 3);
	dream(&edits, &in);
	assert_int_equal(edits.n, 1);
	e = edit_at(&edits, MEMGIT_EDIT_CREATE, "mistakes/ctest-could-not-connect-to-server.md");
	has_line(e, "title: \"ctest fails: could not connect to server: Connection refused\"");
	has_text(e, "\n    could not connect to server: Connection refused\n");
	has_text(e, "What worked: `pg_ctl -D ./pgdata start` first, then the same command again "
	            "(after 3 of the failures).");
	mg_edit_list_dispose(&edits);
	input_dispose(&in);
	memgit_store_free(s);
}

/* In a subagent's transcript the "user" is the agent that spawned it. */
static void test_preferences_not_from_subagents(void **state)
{
	memgit_store *s = new_store();
	t_cc cc;
	const t_cc *ss[1] = {&cc};
	mg_edit_list out;
	t_input in;
	(void)state;

	cc_begin_subagent(&cc, "c3000009", "a05d358b0666d872d");
	cc_user(&cc, "You are a reviewer. Do not modify any file; answer with a list.");
	cc_add(s, &cc);
	input_build(&in, s, ss, 1);
	assert_string_equal(in.ids[0], "cc-c3000009-a05d358b0666d872d");
	dream(&out, &in);
	assert_int_equal(out.n, 0);
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);
}

/* Codex names its shell tool exec_command and wraps the output; the same
 * failing command is one mistake across agents. */
static void test_mistakes_across_agents(void **state)
{
	static const char codex[] =
	        "{\"timestamp\":\"2026-02-05T09:00:00.000Z\",\"type\":\"session_meta\",\"payload\":"
	        "{\"id\":\"019c8a4c-ed82-79a1-aa28-7738fc5ab61a\",\"timestamp\":\"2026-02-05T09:00:"
	        "00.000Z\","
	        "\"cwd\":\"/"
	        "w\",\"originator\":\"codex_cli_rs\",\"cli_version\":\"0.46.0\",\"source\":\"cli\"}"
	        "}\n"
	        "{\"timestamp\":\"2026-02-05T09:00:01.000Z\",\"type\":\"response_item\","
	        "\"payload\":{\"type\":"
	        "\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":"
	        "\"build it\"}]}}\n"
	        "{\"timestamp\":\"2026-02-05T09:00:02.000Z\",\"type\":\"response_item\","
	        "\"payload\":{\"type\":"
	        "\"function_call\",\"name\":\"exec_command\",\"arguments\":\"{\\\"cmd\\\": "
	        "\\\"cmake --build out -j8\\\"}\","
	        "\"call_id\":\"call_1\"}}\n"
	        "{\"timestamp\":\"2026-02-05T09:00:03.000Z\",\"type\":\"response_item\","
	        "\"payload\":{\"type\":"
	        "\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"Chunk ID: "
	        "4f2a\\nWall time: 0.2 seconds"
	        "\\nProcess exited with code 1\\nOriginal token count: 9\\nOutput:\\nError: could "
	        "not load cache "
	        "from /w/out/CMakeCache.txt (7 bytes)\"}}\n";
	memgit_store *s = new_store();
	t_mistake_sessions m;
	t_cc cx;
	const t_cc *ss[3] = {&m.cc[0], &m.cc[1], &cx};
	char path[512];
	const char *p = path;
	mg_edit_list out;
	const mg_edit *e;
	t_input in;
	(void)state;

	mistake_sessions(s, &m);
	snprintf(path, sizeof(path), "%s/rollout.jsonl", t_tmpdir(1));
	t_write_file(path, codex, strlen(codex));
	assert_int_equal(memgit_session_add(NULL, s, &p, 1, NULL), 0);
	memset(&cx, 0, sizeof(cx));
	snprintf(cx.id, sizeof(cx.id), "cx-aa287738");
	input_build(&in, s, ss, 3);
	dream(&out, &in);
	assert_int_equal(out.n, 1);
	e = edit_at(&out, MEMGIT_EDIT_CREATE,
	        "mistakes/cmake-build-error-could-not-load-cache-from.md");
	assert_int_equal(e->nevidence, 3);
	assert_string_equal(e->evidence[2], "cx-aa287738#1-2");
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);
}

/* Edit, test, edit, test...: a loop of two steps is not a workflow. */
static void test_workflows_loops(void **state)
{
	static const char *const hex[] = {"e5000001", "e5000002", "e5000003"};
	memgit_store *s = new_store();
	t_cc cc[3];
	const t_cc *ss[3] = {&cc[0], &cc[1], &cc[2]};
	mg_edit_list out;
	t_input in;
	(void)state;

	for (int k = 0; k < 3; k++) {
		cc_begin(&cc[k], hex[k]);
		for (int r = 0; r < 4; r++) {
			cc_tool(&cc[k], "Edit", "{\"file_path\":\"a.c\"}", "ok", 0);
			cc_bash(&cc[k], "ctest --test-dir build", "ok", 0);
		}
		cc_add(s, &cc[k]);
	}
	input_build(&in, s, ss, 3);
	dream(&out, &in);
	assert_int_equal(out.n, 0);
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);
}

/* ---- the whole dreamer ---------------------------------------------------------------- */

static void mixed_store(memgit_store *s, t_mistake_sessions *m)
{
	static const char *const files[] = {
	        "notes/a.md",
	        "---\ntitle: A\ntags: [x]\n---\n" BODY_CTEST,
	        "notes/b.md",
	        "---\ntitle: B\ntags: [y]\nkind: fact\n---\n" BODY_CTEST,
	        "facts/old.md",
	        "---\nexpires: 2025-12-31\n---\nThe old staging host.\n",
	        "facts/pinned.md",
	        "---\npinned: true\nexpires: 2025-12-31\n---\nStays.\n",
	};
	put_all(s, files, 4);
	mistake_sessions(s, m);
}

static void test_determinism(void **state)
{
	memgit_store *s = new_store();
	t_mistake_sessions m;
	const t_cc *ss[5] = {&m.cc[0], &m.cc[1], &m.cc[2], &m.cc[3], &m.cc[4]};
	mg_edit_list a, b;
	char *da, *db;
	t_input in;
	(void)state;

	mixed_store(s, &m);
	input_build(&in, s, ss, 5);
	dream(&a, &in);
	dream(&b, &in);
	assert_int_equal(a.n, 3);
	da = dump(&a);
	db = dump(&b);
	assert_string_equal(da, db);
	/* retire, then merge, then what the sessions taught */
	assert_int_equal(a.items[0].kind, MEMGIT_EDIT_DELETE);
	assert_int_equal(a.items[1].kind, MEMGIT_EDIT_MERGE);
	assert_int_equal(a.items[2].kind, MEMGIT_EDIT_CREATE);
	free(da);
	free(db);
	mg_edit_list_dispose(&a);
	mg_edit_list_dispose(&b);
	input_dispose(&in);
	memgit_store_free(s);
}

/* Apply edits the way the engine would, in one commit. */
static void apply(memgit_store *s, const mg_edit_list *l)
{
	memgit_batch *b = NULL;

	assert_int_equal(memgit_batch_new(&b, s), 0);
	for (size_t i = 0; i < l->n; i++) {
		const mg_edit *e = &l->items[i];
		if (e->kind == MEMGIT_EDIT_DELETE)
			assert_int_equal(memgit_batch_remove(b, e->path), 0);
		else
			assert_int_equal(
			        memgit_batch_put_raw(b, e->path, e->content, e->content_len), 0);
		for (size_t k = 0; k < e->nmerged; k++)
			assert_int_equal(memgit_batch_remove(b, e->merged[k]), 0);
	}
	assert_int_equal(memgit_batch_commit(NULL, b, NULL), 0);
	memgit_batch_free(b);
}

/* After its edits are applied, the same dream has nothing left to say. */
static void test_second_dream_is_empty(void **state)
{
	memgit_store *s = new_store();
	t_mistake_sessions m;
	const t_cc *ss[5] = {&m.cc[0], &m.cc[1], &m.cc[2], &m.cc[3], &m.cc[4]};
	mg_edit_list out;
	t_input in;
	(void)state;

	mixed_store(s, &m);
	input_build(&in, s, ss, 5);
	dream(&out, &in);
	assert_int_equal(out.n, 3);
	apply(s, &out);
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	input_build(&in, s, ss, 5);
	dream(&out, &in);
	assert_int_equal(out.n, 0);
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);
}

static void test_clean_input(void **state)
{
	static const char *const files[] = {
	        "a.md",
	        "---\ntitle: Build\nkind: procedure\n---\nUse cmake -S . -B build then build.\n",
	        "b.md",
	        "---\ntitle: Tests\nkind: procedure\n---\nctest --test-dir build runs them all.\n",
	        "c.yaml",
	        "name: project\nlanguage: C11\n",
	        "d.md",
	        "---\ntitle: Later\nexpires: 2027-01-01\n---\nStill valid for a while.\n",
	};
	memgit_store *s = new_store();
	t_cc cc;
	const t_cc *ss[1] = {&cc};
	mg_edit_list out;
	t_input in;
	(void)state;

	put_all(s, files, 4);
	cc_begin(&cc, "d4000001");
	cc_user(&cc, "Can you always use tabs? I am not sure.");
	cc_bash(&cc, "make", "make: *** No targets specified", 1);
	cc_bash(&cc, "git status", "clean", 0);
	cc_add(s, &cc);
	input_build(&in, s, ss, 1);
	dream(&out, &in);
	assert_int_equal(out.n, 0);
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);
}

/* Over max_edits, what the sessions taught is kept before clean-up. */
static void test_budget(void **state)
{
	memgit_store *s = new_store();
	t_mistake_sessions m;
	const t_cc *ss[5] = {&m.cc[0], &m.cc[1], &m.cc[2], &m.cc[3], &m.cc[4]};
	mg_edit_list out;
	t_input in;
	(void)state;

	mixed_store(s, &m);
	input_build(&in, s, ss, 5);
	in.cfg.max_edits = 2;
	dream(&out, &in);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.items[0].kind, MEMGIT_EDIT_DELETE);
	assert_int_equal(out.items[1].kind, MEMGIT_EDIT_CREATE);
	mg_edit_list_dispose(&out);
	input_dispose(&in);
	memgit_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_dups_exact_and_near),
	        cmocka_unit_test(test_dups_exact_ties),
	        cmocka_unit_test(test_dups_pinned),
	        cmocka_unit_test(test_dups_below_threshold),
	        cmocka_unit_test(test_retire),
	        cmocka_unit_test(test_retire_before_merge),
	        cmocka_unit_test(test_mistakes),
	        cmocka_unit_test(test_mistakes_strengthen),
	        cmocka_unit_test(test_workflows),
	        cmocka_unit_test(test_preferences),
	        cmocka_unit_test(test_preferences_not_from_subagents),
	        cmocka_unit_test(test_mistakes_across_agents),
	        cmocka_unit_test(test_mistakes_fix_run_first),
	        cmocka_unit_test(test_workflows_loops),
	        cmocka_unit_test(test_determinism),
	        cmocka_unit_test(test_second_dream_is_empty),
	        cmocka_unit_test(test_clean_input),
	        cmocka_unit_test(test_budget),
	};
	memgit_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
