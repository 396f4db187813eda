/*
 * test_session.c: session ingestion through the public API (and the
 * internals it is built from): the line reader, SHA-256, redaction, ids,
 * storing on refs/memgit/sessions, reading back, idempotency, growth,
 * batches, malformed input. Expected counts are read off the fixtures or
 * computed by tests/cli/session_expect.py from the raw files, never taken
 * from memgit's own output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "memgit.h"
#include "core/session_internal.h"
#include "util/sha256.h"

/* ---- helpers -------------------------------------------------------------- */

static const char *shared(void)
{
	const char *d = getenv("MEMGIT_SHARED");
	return d && *d ? d : "../shared";
}

/* A path under the shared corpus or the fixtures (rotating static buffers). */
static const char *corpus(const char *rel)
{
	static char bufs[4][1024];
	static int k;
	char *b = bufs[k++ & 3];
	snprintf(b, sizeof(bufs[0]), "%s/corpus/%s", shared(), rel);
	return b;
}

static const char *fixture(const char *rel)
{
	static char buf[1024];
	const char *d = getenv("MEMGIT_FIXTURES");
	snprintf(buf, sizeof(buf), "%s/%s", d && *d ? d : "tests/fixtures", rel);
	return buf;
}

static const char *g_tmp; /* a fresh folder per test (setup) */

static int setup(void **state)
{
	(void)state;
	g_tmp = t_tmpdir(1);
	return 0;
}

static const char *tmp_path(const char *name)
{
	static char bufs[4][512];
	static int k;
	char *b = bufs[k++ & 3];
	snprintf(b, sizeof(bufs[0]), "%s/%s", g_tmp, name);
	return b;
}

static memgit_store *new_store(void)
{
	memgit_store *s = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/store", t_tmpdir(0));
	assert_int_equal(memgit_store_init(&s, path, NULL), 0);
	return s;
}

static long object_count(memgit_store *s)
{
	char *out = NULL;
	long n;
	t_sh(&out, "git --git-dir='%s' cat-file --batch-all-objects --batch-check | wc -l",
		memgit_store_gitdir(s));
	n = atol(out);
	free(out);
	return n;
}

static char *git_out(memgit_store *s, const char *args)
{
	char *out = NULL;
	t_sh(&out, "git --git-dir='%s' %s 2>/dev/null", memgit_store_gitdir(s), args);
	return out;
}

typedef struct {
	int n, added, updated, unchanged, refused;
	char last_id[160];
	char last_error[1024];
	char warnings[4096];
	unsigned nwarn;
	char parent[160];
} t_rec;

static void rec_report(const memgit_session_report *r, void *p)
{
	t_rec *c = p;
	c->n++;
	c->added += r->status == MEMGIT_SESSION_ADDED;
	c->updated += r->status == MEMGIT_SESSION_UPDATED;
	c->unchanged += r->status == MEMGIT_SESSION_UNCHANGED;
	c->refused += r->status == MEMGIT_SESSION_REFUSED;
	snprintf(c->last_id, sizeof(c->last_id), "%s", r->id ? r->id : "");
	snprintf(c->parent, sizeof(c->parent), "%s", r->parent ? r->parent : "");
	if (r->error)
		snprintf(c->last_error, sizeof(c->last_error), "%s", r->error->message);
}

static void rec_warn(const char *file, unsigned line, const char *msg, void *p)
{
	t_rec *c = p;
	size_t n = strlen(c->warnings);
	(void)file;
	c->nwarn++;
	snprintf(c->warnings + n, sizeof(c->warnings) - n, "%u: %s\n", line, msg);
}

static int add_opts(memgit_store *s, const char *const *paths, size_t n, t_rec *rec,
	memgit_session_result *res, memgit_session_add_options *o)
{
	memgit_session_add_options defaults = MEMGIT_SESSION_ADD_OPTIONS_INIT;
	o = o ? o : &defaults;
	memset(rec, 0, sizeof(*rec));
	o->report = rec_report;
	o->warn = rec_warn;
	o->payload = rec;
	return memgit_session_add(res, s, paths, n, o);
}

static int add1(memgit_store *s, const char *path, t_rec *rec, memgit_session_result *res)
{
	return add_opts(s, &path, 1, rec, res, NULL);
}

static void write_text(const char *path, const char *text)
{
	t_write_file(path, text, strlen(text));
}

/* The first `n` lines of `src` into `dst`. */
static void head_lines(const char *dst, const char *src, int n)
{
	assert_int_equal(t_sh(NULL, "head -n %d '%s' > '%s'", n, src, dst), 0);
}

/* ---- building blocks ------------------------------------------------------- */

static void sha_hex(const char *data, size_t len, size_t step, char out[65])
{
	mg_sha256 c;
	mg_sha256_init(&c);
	for (size_t i = 0; i < len; i += step)
		mg_sha256_update(&c, data + i, len - i < step ? len - i : step);
	mg_sha256_hex(&c, out);
}

static void sha256_vectors(void)
{
	char hex[65], *million = malloc(1000000);

	sha_hex("", 0, 1, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha_hex("abc", 3, 1, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, 5, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', 1000000);
	/* whole blocks, a split in the middle of a block, and single bytes agree */
	for (size_t step = 1; step <= 1000000; step = step * 7 + 57) {
		sha_hex(million, step == 1 ? 1000 : 1000000, step, hex);
		if (step == 1)
			assert_string_equal(hex, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
		else
			assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	}
	free(million);
}

static void test_sha256(void **state)
{
	(void)state;
	/* the SHA extensions where the CPU has them, then the portable rounds */
	mg_sha256_accelerated(1);
	sha256_vectors();
	assert_int_equal(mg_sha256_accelerated(0), 0);
	sha256_vectors();
	mg_sha256_accelerated(1);
}

typedef struct {
	const char *data;
	size_t len, pos, chunk;
} t_mem;

/* Hands out a few bytes at a time, so every refill path is taken. */
static ssize_t mem_read(void *ctx, char *buf, size_t len)
{
	t_mem *m = ctx;
	size_t n = m->len - m->pos;
	if (n > m->chunk)
		n = m->chunk;
	if (n > len)
		n = len;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static void test_line_reader(void **state)
{
	const char *text = "first\n\nthird\r\n{\"long\":\"0123456789\"}\nlast";
	t_mem m = { text, strlen(text), 0, 3 };
	mg_line_reader r;
	const char *peek;
	char *line;
	size_t len, plen;
	int complete;
	(void)state;

	mg_line_reader_init(&r, mem_read, &m, "mem", 40);
	assert_int_equal(mg_line_peek(&r, 8, &peek, &plen), 0);
	assert_true(plen >= 8 && memcmp(peek, "first\n\nt", 8) == 0);
	assert_int_equal(mg_line_next(&r, &line, &len, &complete), 1);
	assert_string_equal(line, "first");
	assert_int_equal(complete, 1);
	assert_int_equal(mg_line_next(&r, &line, &len, &complete), 1);
	assert_int_equal(len, 0);
	assert_int_equal(mg_line_next(&r, &line, &len, &complete), 1);
	assert_string_equal(line, "third\r");
	assert_int_equal(mg_line_next(&r, &line, &len, &complete), 1);
	assert_int_equal(r.line, 4);
	assert_int_equal(mg_line_next(&r, &line, &len, &complete), 1);
	assert_string_equal(line, "last");
	assert_int_equal(complete, 0);
	assert_int_equal(mg_line_next(&r, &line, &len, &complete), 0);
	assert_int_equal(r.consumed, strlen(text));
	mg_line_reader_dispose(&r);

	/* a line over the cap is refused with its number, without reading on */
	m = (t_mem){ "ok\nthis line is far too long for the cap\nnext\n", 0, 0, 5 };
	m.len = strlen(m.data);
	mg_line_reader_init(&r, mem_read, &m, "mem", 10);
	assert_int_equal(mg_line_next(&r, &line, &len, &complete), 1);
	assert_int_equal(mg_line_next(&r, &line, &len, &complete), MEMGIT_ELIMIT);
	assert_non_null(strstr(memgit_error_last()->message, "line 2: longer than 10 bytes"));
	mg_line_reader_dispose(&r);
}

static void test_redact(void **state)
{
	memgit_buf scratch = MEMGIT_BUF_INIT;
	const char *clean = "nothing to see here", *out;
	char dirty[256];
	uint64_t count = 0;
	size_t n;
	(void)state;

	assert_int_equal(mg_redact(&out, &n, clean, strlen(clean), NULL, &scratch, &count), 0);
	assert_ptr_equal(out, clean);
	assert_int_equal(count, 0);
	snprintf(dirty, sizeof(dirty), "a %s%s b %s%s c", "AKIA", "IOSFODNN7EXAMPLQ", "ghp_",
		"aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5");
	assert_int_equal(mg_redact(&out, &n, dirty, strlen(dirty), NULL, &scratch, &count), 0);
	assert_int_equal(count, 2);
	assert_int_equal(n, strlen(out));
	assert_string_equal(out, "a [REDACTED:aws-access-key-id] b [REDACTED:github-token] c");
	memgit_buf_dispose(&scratch);
}

static void test_ids(void **state)
{
	char id[MG_SESSION_ID_MAX + 1];
	(void)state;

	assert_int_equal(mg_session_id_for(id, "cc", "a42b9c92-c0e6-588e-bc6f-3d5e4f37b895", NULL, 8), 1);
	assert_string_equal(id, "cc-a42b9c92");
	assert_int_equal(mg_session_id_for(id, "cc", "a42b9c92-c0e6-588e-bc6f-3d5e4f37b895", NULL, 12), 1);
	assert_string_equal(id, "cc-a42b9c92c0e6");
	/* UUIDv7 starts with a timestamp: the random half names it */
	mg_session_id_for(id, "cx", "019c8a4c-ed82-79a1-aa28-7738fc5ab61a", NULL, 8);
	assert_string_equal(id, "cx-aa287738");
	mg_session_id_for(id, "cc", "a05d358b0666d872d", "a42b9c92-c0e6-588e-bc6f-3d5e4f37b895", 8);
	assert_string_equal(id, "cc-a42b9c92-a05d358b0666d872d");
	/* anything else is hashed (sha256("abc") starts ba7816bf) */
	mg_session_id_for(id, "cc", "abc", NULL, 8);
	assert_string_equal(id, "cc-ba7816bf");
	assert_true(memgit_session_id_valid("cc-a42b9c92"));
	assert_true(memgit_session_id_valid("cc-a42b9c92-a05d358b0666d872d"));
	assert_false(memgit_session_id_valid("cc-"));
	assert_false(memgit_session_id_valid("../etc"));
	assert_false(memgit_session_id_valid("cc-a/b"));
	assert_false(memgit_session_id_valid("cc-a..b"));
	assert_false(memgit_session_id_valid("CC-abc"));
	assert_false(memgit_session_id_valid(NULL));
}

/* ---- storing and reading ------------------------------------------------------ */

typedef struct {
	int n;
	char ids[8][160];
	char parents[8][160];
	char types[8][64];
	uint64_t events[8];
} t_list;

static int list_cb(const memgit_session_info *in, void *p)
{
	t_list *l = p;
	if (l->n < 8) {
		snprintf(l->ids[l->n], 160, "%s", in->id);
		snprintf(l->parents[l->n], 160, "%s", in->parent ? in->parent : "");
		snprintf(l->types[l->n], 64, "%s", in->source ? in->source : "");
		l->events[l->n] = in->events;
	}
	l->n++;
	return 0;
}

/* Every event of a session in order; returns the count, checks numbering. */
static uint64_t read_all(memgit_store *s, const char *id, uint64_t *tool_uses, uint64_t *named)
{
	memgit_session_reader *r = NULL;
	const memgit_session_event *ev;
	uint64_t n = 0;

	*tool_uses = *named = 0;
	assert_int_equal(memgit_session_open(&r, s, id), 0);
	while (memgit_session_next(&ev, r) == 0 && ev) {
		assert_int_equal(ev->i, n);
		assert_int_equal(strlen(ev->text), ev->text_len);
		if (strcmp(ev->type, "tool_use") == 0)
			(*tool_uses)++;
		if (strcmp(ev->type, "tool_result") == 0 && ev->tool)
			(*named)++;
		n++;
	}
	assert_null(ev);
	assert_int_equal(memgit_session_reader_info(r)->events, n);
	memgit_session_reader_free(r);
	return n;
}

static void test_subagents_linked(void **state)
{
	memgit_store *s = new_store();
	const char *dir = corpus("claude-code/bookminder/subagents");
	char head[41], after[41], *out;
	memgit_session_result res;
	uint64_t tools, named;
	t_list l = { 0 };
	t_rec rec;
	(void)state;

	assert_int_equal(memgit_store_head(head, s), 0);
	assert_int_equal(add1(s, dir, &rec, &res), 0);
	assert_int_equal(res.added, 4);
	assert_int_equal(rec.added, 4);
	assert_int_equal(memgit_session_foreach(s, list_cb, &l), 0);
	assert_int_equal(l.n, 4);
	for (int i = 0; i < 4; i++) {
		assert_string_equal(l.parents[i], "cc-a42b9c92");
		assert_string_equal(l.types[i], "claude-code");
		assert_int_equal(strncmp(l.ids[i], "cc-a42b9c92-a", 13), 0);
	}
	/* every tool result is named after its call */
	assert_int_equal(read_all(s, "cc-a42b9c92-a1bed1b39d3991b1f", &tools, &named), 10);
	assert_int_equal(tools, 4);
	assert_int_equal(named, 4);
	/* the .meta.json sidecar describes the subagent */
	out = git_out(s, "cat-file -p " MEMGIT_SESSIONS_REF ":sessions/cc-a42b9c92-a05d358b0666d872d.jsonl | head -1");
	assert_non_null(strstr(out, "\"subagent_type\":\"worker-opus\""));
	free(out);
	/* one commit on the sessions ref, none on the memory branch */
	assert_int_equal(memgit_store_head(after, s), 0);
	assert_string_equal(head, after);
	out = git_out(s, "rev-list --count " MEMGIT_SESSIONS_REF);
	assert_string_equal(out, "1\n");
	free(out);
	memgit_store_free(s);
}

static void test_idempotent_and_growing(void **state)
{
	memgit_store *s = new_store();
	const char *full = corpus("claude-code/bookminder/subagents/agent-a12564cd38b6218a0.jsonl");
	const char *part = tmp_path("agent-a12564cd38b6218a0.jsonl");
	memgit_session_result res;
	char first[41];
	t_rec rec;
	(void)state;

	head_lines(part, full, 20);
	assert_int_equal(add1(s, part, &rec, &res), 0);
	assert_int_equal(rec.added, 1);
	assert_string_equal(rec.last_id, "cc-a42b9c92-a12564cd38b6218a0");
	memcpy(first, res.commit, 41);
	/* the same again: nothing new, no commit */
	assert_int_equal(add1(s, part, &rec, &res), MEMGIT_ENOTHING);
	assert_int_equal(rec.unchanged, 1);
	assert_int_equal(res.unchanged, 1);
	assert_string_equal(res.commit, "");
	/* the live transcript grew: its session is replaced */
	assert_int_equal(add1(s, full, &rec, &res), 0);
	assert_int_equal(rec.updated, 1);
	assert_string_equal(res.parent, first);
	assert_string_equal(rec.last_id, "cc-a42b9c92-a12564cd38b6218a0");
	/* the older, shorter copy does not replace it */
	assert_int_equal(add1(s, part, &rec, &res), MEMGIT_ENOTHING);
	assert_int_equal(rec.unchanged, 1);
	assert_non_null(strstr(rec.warnings, "older copy"));
	memgit_store_free(s);
}

static void test_batch_one_commit(void **state)
{
	memgit_store *s = new_store();
	const char *full = corpus("claude-code/bookminder/subagents/agent-a1bed1b39d3991b1f.jsonl");
	const char *part = tmp_path("copy.jsonl");
	const char *paths[4];
	memgit_session_result res;
	char *out;
	t_rec rec;
	(void)state;

	head_lines(part, full, 5);
	paths[0] = part;
	paths[1] = full; /* the same session twice: the longer copy is kept */
	paths[2] = corpus("claude-code/simonw/sample_session.jsonl");
	paths[3] = fixture("claude-code/all-record-types.jsonl");
	assert_int_equal(add_opts(s, paths, 4, &rec, &res, NULL), 0);
	assert_int_equal(res.added, 3);
	assert_int_equal(res.unchanged, 1);
	assert_non_null(strstr(rec.warnings, "same session"));
	out = git_out(s, "rev-list --count " MEMGIT_SESSIONS_REF);
	assert_string_equal(out, "1\n");
	free(out);
	out = git_out(s, "cat-file -p " MEMGIT_SESSIONS_REF ":sessions/cc-a42b9c92-a1bed1b39d3991b1f.jsonl | head -1");
	assert_non_null(strstr(out, "\"events\":10,"));
	free(out);
	/* the stored copy is the longer one: both copies again change nothing */
	assert_int_equal(add_opts(s, paths, 2, &rec, &res, NULL), MEMGIT_ENOTHING);
	assert_int_equal(rec.unchanged, 2);
	/* usage is counted once per API message, at its largest (10+5+7, 40+80+12) */
	out = git_out(s, "cat-file -p " MEMGIT_SESSIONS_REF ":sessions/cc-a42b9c92.jsonl | head -1");
	assert_non_null(strstr(out, "\"input_tokens\":22,\"output_tokens\":132}"));
	assert_non_null(strstr(out, "\"events\":16,\"errors\":3,\"tool_calls\":3,"));
	free(out);
	memgit_store_free(s);
}

static void test_keep_going(void **state)
{
	memgit_store *s = new_store();
	memgit_session_add_options o = MEMGIT_SESSION_ADD_OPTIONS_INIT;
	const char *bad = tmp_path("bad.jsonl"), *paths[2];
	memgit_session_result res;
	long before;
	t_rec rec;
	(void)state;

	write_text(bad, "{\"type\":\"user\",\"sessionId\":\"s1\",\"message\":{\"content\":\"hi\"}}\n{oops\n{}\n");
	paths[0] = corpus("claude-code/simonw/sample_session.jsonl");
	paths[1] = bad;
	before = object_count(s);
	/* one bad file refuses the batch: nothing at all is written */
	assert_int_equal(add_opts(s, paths, 2, &rec, &res, NULL), MEMGIT_EINPUT);
	assert_non_null(strstr(memgit_error_last()->message, "bad.jsonl': line 2, column"));
	assert_int_equal(object_count(s), before);
	assert_int_equal(t_sh(NULL, "git --git-dir='%s' rev-parse -q --verify " MEMGIT_SESSIONS_REF,
		memgit_store_gitdir(s)), 1);
	/* --keep-going ingests the good one and reports the bad one */
	o.keep_going = 1;
	assert_int_equal(add_opts(s, paths, 2, &rec, &res, &o), 0);
	assert_int_equal(res.added, 1);
	assert_int_equal(res.refused, 1);
	assert_int_equal(rec.refused, 1);
	assert_non_null(strstr(rec.last_error, "bad.jsonl': line 2"));
	memgit_store_free(s);
}

/* ---- malformed input ------------------------------------------------------------ */

/* Refused with `code` and a message holding `why`; nothing written. */
static void refused(memgit_store *s, const char *name, const char *content, size_t len, int code,
	const char *why, size_t max_line)
{
	memgit_session_add_options o = MEMGIT_SESSION_ADD_OPTIONS_INIT;
	const char *path = tmp_path(name);
	memgit_session_result res;
	long before = object_count(s);
	t_rec rec;

	t_write_file(path, content, len);
	o.max_line_bytes = max_line;
	assert_int_equal(add_opts(s, &path, 1, &rec, &res, &o), code);
	if (!strstr(memgit_error_last()->message, why))
		fail_msg("'%s' lacks '%s'", memgit_error_last()->message, why);
	assert_non_null(strstr(memgit_error_last()->message, name));
	assert_int_equal(rec.refused, 1);
	assert_int_equal(object_count(s), before);
}

#define LINE1 "{\"type\":\"user\",\"sessionId\":\"a42b9c92-c0e6-588e-bc6f-3d5e4f37b895\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"message\":{\"role\":\"user\",\"content\":\"hello\"}}\n"

static void test_malformed(void **state)
{
	memgit_store *s = new_store();
	char deep[600], big[600], bin[64];
	size_t k = 0;
	(void)state;

	refused(s, "json.jsonl", LINE1 LINE1 "{\"type\":\"user\",}\n",
		strlen(LINE1 LINE1 "{\"type\":\"user\",}\n"), MEMGIT_EINPUT, "line 3, column", 0);
	k = (size_t)snprintf(deep, sizeof(deep), "%s{\"type\":\"user\",\"x\":", LINE1);
	for (int i = 0; i < 70; i++)
		deep[k++] = '[';
	for (int i = 0; i < 70; i++)
		deep[k++] = ']';
	memcpy(deep + k, "}\n", 3);
	refused(s, "deep.jsonl", deep, strlen(deep), MEMGIT_EINPUT, "line 2, column", 0);
	assert_non_null(strstr(memgit_error_last()->message, "nested deeper than 64"));
	refused(s, "utf8.jsonl", LINE1 "{\"type\":\"user\",\"t\":\"\xc3\x28\"}\n",
		strlen(LINE1 "{\"type\":\"user\",\"t\":\"\xc3\x28\"}\n"), MEMGIT_EINPUT,
		"line 2, column 21: invalid UTF-8", 0);
	refused(s, "empty.jsonl", "", 0, MEMGIT_EINPUT, "empty file", 0);
	refused(s, "blank.md", " \n\t\n", 4, MEMGIT_EINPUT, "empty file", 0);
	memcpy(bin, "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0", 16);
	refused(s, "binary.jsonl", bin, 16, MEMGIT_EINPUT, "line 1: binary file (NUL byte)", 0);
	memset(big, 'x', sizeof(big));
	memcpy(big, LINE1, strlen(LINE1));
	big[sizeof(big) - 1] = '\n';
	refused(s, "long.jsonl", big, sizeof(big), MEMGIT_ELIMIT,
		"line 2: longer than 200 bytes (the line limit)", 200);
	/* a first line over the cap is found while detecting the format */
	refused(s, "long1.jsonl", big + strlen(LINE1), sizeof(big) - strlen(LINE1), MEMGIT_ELIMIT,
		"line 1: longer than 200 bytes (the line limit)", 200);
	refused(s, "text.md", "User: hi\n\xff\xfe\n", 12, MEMGIT_EINPUT,
		"line 2, column 1: invalid UTF-8", 0);
	refused(s, "words.jsonl", "just some words\n", 16, MEMGIT_EINPUT,
		"line 1, column 1: not valid JSON", 0);
	memgit_store_free(s);
}

static void test_truncated_and_nul(void **state)
{
	memgit_store *s = new_store();
	const char *path = tmp_path("live.jsonl");
	memgit_session_result res;
	memgit_buf out = MEMGIT_BUF_INIT;
	t_rec rec;
	(void)state;

	/* a session still being written: the complete lines count */
	write_text(path, LINE1 LINE1 "{\"type\":\"assistant\",\"message\":{\"content\":[{\"ty");
	assert_int_equal(add1(s, path, &rec, &res), 0);
	assert_non_null(strstr(rec.warnings, "3: truncated final line"));
	assert_int_equal(memgit_session_read(&out, s, "cc-a42b9c92"), 0);
	assert_non_null(strstr(out.ptr, "\"events\":2,"));
	memgit_buf_dispose(&out);
	/* \u0000 would cut a C string: replaced, and said */
	write_text(path, "{\"type\":\"user\",\"sessionId\":\"n1\",\"message\":{\"content\":\"a\\u0000b\"}}\n");
	assert_int_equal(add1(s, path, &rec, &res), 0);
	assert_non_null(strstr(rec.warnings, "1: 1 \\u0000 escape replaced by U+FFFD"));
	memgit_store_free(s);
}

static void test_forced_format(void **state)
{
	memgit_store *s = new_store();
	memgit_session_add_options o = MEMGIT_SESSION_ADD_OPTIONS_INIT;
	const char *path = corpus("claude-code/simonw/sample_session.jsonl");
	memgit_session_result res;
	t_rec rec;
	(void)state;

	o.format = "codex";
	assert_int_equal(add_opts(s, &path, 1, &rec, &res, &o), MEMGIT_EINPUT);
	assert_non_null(strstr(memgit_error_last()->message, "line 1: not a codex transcript"));
	o.format = "openai";
	assert_int_equal(add_opts(s, &path, 1, &rec, &res, &o), MEMGIT_EINPUT);
	o.format = "nonsense";
	assert_int_equal(add_opts(s, &path, 1, &rec, &res, &o), MEMGIT_EINPUT);
	assert_non_null(strstr(memgit_error_last()->message, "unknown transcript format"));
	o.format = "text";
	assert_int_equal(add_opts(s, &path, 1, &rec, &res, &o), 0);
	assert_int_equal(strncmp(rec.last_id, "tx-", 3), 0);
	o = (memgit_session_add_options)MEMGIT_SESSION_ADD_OPTIONS_INIT;
	o.format = "claude-code"; /* the wrapped form is accepted when forced */
	path = corpus("claude-code/simonw/sample_session.json");
	assert_int_equal(add_opts(s, &path, 1, &rec, &res, &o), 0);
	o.version = 99;
	assert_int_equal(add_opts(s, &path, 1, &rec, &res, &o), MEMGIT_EINPUT);
	memgit_store_free(s);
}

static void test_text(void **state)
{
	memgit_store *s = new_store();
	const char *md = tmp_path("chat.md"), *plain = tmp_path("notes.txt");
	memgit_session_reader *r = NULL;
	const memgit_session_event *ev;
	memgit_session_result res;
	const char *want[][3] = { { "system", "text", "# Pairing on the loans spec" },
		{ "user", "text", "why does the spec fail?" },
		{ "assistant", "text", "Because `active` is never set.\n\nFixing it." },
		{ "tool", "tool_result", "1 passed" }, { "user", "text", "thanks" } };
	size_t n = 0;
	t_rec rec;
	(void)state;

	write_text(md, "# Pairing on the loans spec\n\n## User\nwhy does the spec fail?\n\n"
		"**Assistant:** Because `active` is never set.\n\nFixing it.\n"
		"Tool: 1 passed\nUser: thanks\n");
	assert_int_equal(add1(s, md, &rec, &res), 0);
	assert_int_equal(memgit_session_open(&r, s, rec.last_id), 0);
	while (memgit_session_next(&ev, r) == 0 && ev) {
		assert_true(n < 5);
		assert_string_equal(ev->role, want[n][0]);
		assert_string_equal(ev->type, want[n][1]);
		assert_string_equal(ev->text, want[n][2]);
		n++;
	}
	assert_int_equal(n, 5);
	assert_string_equal(memgit_session_reader_info(r)->source, "text");
	memgit_session_reader_free(r);
	/* no speaker anywhere: one user event */
	write_text(plain, "remember: the CI runner has no GPU\nand tests need postgres\n");
	assert_int_equal(add1(s, plain, &rec, &res), 0);
	assert_int_equal(memgit_session_open(&r, s, rec.last_id), 0);
	assert_int_equal(memgit_session_next(&ev, r), 0);
	assert_string_equal(ev->role, "user");
	assert_string_equal(ev->text, "remember: the CI runner has no GPU\nand tests need postgres");
	assert_int_equal(memgit_session_next(&ev, r), 0);
	assert_null(ev);
	memgit_session_reader_free(r);
	memgit_store_free(s);
}

/* ---- remove, read, redaction, folders ---------------------------------------- */

static void test_remove_and_read(void **state)
{
	memgit_store *s = new_store();
	const char *path = corpus("claude-code/simonw/sample_session.jsonl");
	const char *ids[2] = { "cc-08001f8f", "cc-00000000" };
	memgit_session_result res;
	memgit_session_reader *r = NULL;
	memgit_buf out = MEMGIT_BUF_INIT;
	long before;
	t_rec rec;
	(void)state;

	assert_int_equal(add1(s, path, &rec, &res), 0);
	assert_string_equal(rec.last_id, ids[0]);
	assert_int_equal(memgit_session_read(&out, s, ids[0]), 0);
	assert_int_equal(strncmp(out.ptr, "{\"memgit_session\":1,\"id\":\"cc-08001f8f\"", 38), 0);
	memgit_buf_dispose(&out);
	assert_int_equal(memgit_session_read(&out, s, "cc-00000000"), MEMGIT_ENOTFOUND);
	assert_int_equal(memgit_session_open(&r, s, "../x"), MEMGIT_EINPUT);
	assert_null(r);
	/* an unknown id refuses the whole removal */
	before = object_count(s);
	assert_int_equal(memgit_session_remove(&res, s, ids, 2), MEMGIT_ENOTFOUND);
	assert_int_equal(object_count(s), before);
	assert_int_equal(memgit_session_remove(&res, s, ids, 1), 0);
	assert_int_equal(res.removed, 1);
	assert_int_equal(memgit_session_read(&out, s, ids[0]), MEMGIT_ENOTFOUND);
	/* removing is not purging: history keeps the file */
	assert_int_equal(t_sh(NULL, "git --git-dir='%s' cat-file -e %s~1:sessions/cc-08001f8f.jsonl",
		memgit_store_gitdir(s), res.commit), 0);
	memgit_buf_dispose(&out);
	memgit_store_free(s);
}

/* libgit2 cannot stream packed objects: reading falls back to whole blobs. */
static void test_packed(void **state)
{
	memgit_store *s = new_store();
	const char *dir = corpus("claude-code/bookminder/subagents");
	memgit_session_result res;
	uint64_t tools, named;
	t_list l = { 0 };
	t_rec rec;
	(void)state;

	assert_int_equal(add1(s, dir, &rec, &res), 0);
	assert_int_equal(t_sh(NULL, "git --git-dir='%s' gc -q --prune=now 2>/dev/null",
		memgit_store_gitdir(s)), 0);
	assert_int_equal(memgit_session_foreach(s, list_cb, &l), 0);
	assert_int_equal(l.n, 4);
	assert_int_equal(read_all(s, "cc-a42b9c92-a0ee84d4e65423b6d", &tools, &named), l.events[1]);
	/* and the packed sessions are still recognised as stored */
	assert_int_equal(add1(s, dir, &rec, &res), MEMGIT_ENOTHING);
	assert_int_equal(rec.unchanged, 4);
	memgit_store_free(s);
}

static void test_redaction(void **state)
{
	memgit_store *s = new_store();
	const char *path = tmp_path("secret.jsonl");
	static const char *secrets[] = { "AKIAZQ3DRT5WV7XY9ABC", "sk-ant-api03-Qw9Er8Ty7Ui6Op5As4Df3Gh2",
		"ghp_Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0EdCbA1", NULL };
	memgit_session_result res;
	char text[2048];
	t_rec rec;
	(void)state;

	/* in user text, in a tool input, in the cwd (a header field) */
	snprintf(text, sizeof(text),
		"{\"type\":\"user\",\"sessionId\":\"r1\",\"cwd\":\"/home/%s\",\"message\":{\"content\":\"use %s\"}}\n"
		"{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"Bash\","
		"\"input\":{\"command\":\"export GH=%s\"}}]}}\n", secrets[0], secrets[1], secrets[2]);
	write_text(path, text);
	assert_int_equal(add1(s, path, &rec, &res), 0);
	assert_int_equal(res.redactions, 3);
	for (const char *const *p = secrets; *p; p++) {
		assert_int_equal(t_sh(NULL, "git --git-dir='%s' cat-file --batch-all-objects --batch | "
			"grep -qaF -- '%s'", memgit_store_gitdir(s), *p), 1);
		assert_int_equal(t_sh(NULL, "grep -rqaF -- '%s' '%s'", *p, memgit_store_gitdir(s)), 1);
	}
	assert_int_equal(t_sh(NULL, "git --git-dir='%s' cat-file -p " MEMGIT_SESSIONS_REF
		":sessions/%s.jsonl | grep -q 'REDACTED:anthropic-key'", memgit_store_gitdir(s),
		rec.last_id), 0);
	memgit_store_free(s);
}

/*
 * A Claude Code project folder: sessions at the top, each with its
 * subagents/ (and the .meta.json sidecars); memory notes and tool outputs
 * beside them are not transcripts.
 */
static void test_project_folder(void **state)
{
	memgit_store *s = new_store();
	const char *proj = tmp_path("project");
	memgit_session_result res;
	t_list l = { 0 };
	t_rec rec;
	(void)state;

	assert_int_equal(t_sh(NULL, "set -e; p='%s'; u=a42b9c92-c0e6-588e-bc6f-3d5e4f37b895; "
		"mkdir -p \"$p/$u/subagents\" \"$p/$u/tool-results\" \"$p/memory\"; "
		"cp '%s' \"$p/$u.jsonl\"; cp '%s'/agent-a05d358b0666d872d.* \"$p/$u/subagents/\"; "
		"echo '# notes' > \"$p/memory/MEMORY.md\"; echo out > \"$p/$u/tool-results/t.txt\"; "
		"echo '{}' > \"$p/.hidden.jsonl\"",
		proj, fixture("claude-code/all-record-types.jsonl"),
		corpus("claude-code/bookminder/subagents")), 0);
	assert_int_equal(add1(s, proj, &rec, &res), 0);
	assert_int_equal(res.added, 2);
	assert_int_equal(memgit_session_foreach(s, list_cb, &l), 0);
	assert_int_equal(l.n, 2);
	/* id order: '-' sorts before '.jsonl' */
	assert_string_equal(l.ids[0], "cc-a42b9c92-a05d358b0666d872d");
	assert_string_equal(l.ids[1], "cc-a42b9c92");
	assert_string_equal(l.parents[0], l.ids[1]);
	assert_string_equal(l.parents[1], "");
	memgit_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_line_reader),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_ids),
		cmocka_unit_test_setup(test_subagents_linked, setup),
		cmocka_unit_test_setup(test_idempotent_and_growing, setup),
		cmocka_unit_test_setup(test_batch_one_commit, setup),
		cmocka_unit_test_setup(test_keep_going, setup),
		cmocka_unit_test_setup(test_malformed, setup),
		cmocka_unit_test_setup(test_truncated_and_nul, setup),
		cmocka_unit_test_setup(test_forced_format, setup),
		cmocka_unit_test_setup(test_text, setup),
		cmocka_unit_test_setup(test_remove_and_read, setup),
		cmocka_unit_test_setup(test_packed, setup),
		cmocka_unit_test_setup(test_redaction, setup),
		cmocka_unit_test_setup(test_project_folder, setup),
	};
	int rc;

	setenv("HOME", t_tmpdir(7), 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	t_sh(NULL, "git config --global user.name t && git config --global user.email t@t.invalid "
		"&& git config --global init.defaultBranch main");
	memgit_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	memgit_shutdown();
	return rc;
}
