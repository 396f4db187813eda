/*
 * dream_driver.c: run the builtin dreamer over a store, outside the dream
 * engine, and print its edits as JSON. Used by bench/dream.sh (timing) and
 * tests/cli/test_builtin_score.sh (precision and recall), so the dreamer can
 * be measured on its own: nothing is validated or written.
 *
 *   dream_driver STORE [--now EPOCH] [--max-edits N] [--min-sessions N]
 *                      [--threshold T] [--out FILE] [--repeat N] [--sessions N]
 *
 * Inputs are gathered the way the engine does: every memory of the memory
 * branch, parsed; every stored session, oldest first (by start time, then
 * id; --sessions N keeps the oldest N, 0 none); `now` the latest session
 * end (or --now). Figures go to stderr as
 * "key=value" words: memories, sessions, edits, load_ms, propose_ms.
 * Build: see bench/dream.sh (links build-d2/libmemgit.a).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memgit.h"
#include "dream/dreamer.h"
#include "util/clock.h"

typedef struct {
	mg_dream_memory *m;
	size_t n, cap;
	memgit_store *s;
} mems;

typedef struct {
	char *id;
	char *started;
	int64_t ended;
} sess;

typedef struct {
	sess *v;
	size_t n, cap;
} sessions;

static void die(const char *what)
{
	fprintf(stderr, "dream_driver: %s: %s\n", what, memgit_error_last()->message);
	exit(2);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int mem_cb(const memgit_entry_info *e, void *p)
{
	mems *t = p;
	memgit_buf b = MEMGIT_BUF_INIT;
	mg_dream_memory *m;
	char *content;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		if (!(t->m = realloc(t->m, t->cap * sizeof(*t->m))))
			die("out of memory");
	}
	if (memgit_store_read(&b, t->s, e->path) < 0)
		die("read");
	m = &t->m[t->n++];
	memset(m, 0, sizeof(*m));
	m->path = strdup(e->path);
	memcpy(m->blob, e->blob, sizeof(m->blob));
	if (!(content = malloc(b.size + 1)))
		die("out of memory");
	memcpy(content, b.ptr ? b.ptr : "", b.size + 1);
	m->content = content;
	m->len = b.size;
	if (memgit_memory_parse(&m->mem, m->path, m->content, m->len, NULL) < 0)
		m->mem = NULL;
	memgit_buf_dispose(&b);
	return 0;
}

static int sess_cb(const memgit_session_info *info, void *p)
{
	sessions *s = p;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 128;
		if (!(s->v = realloc(s->v, s->cap * sizeof(*s->v))))
			die("out of memory");
	}
	s->v[s->n].id = strdup(info->id);
	s->v[s->n].started = strdup(info->started ? info->started : "");
	s->v[s->n].ended = info->ended ? mg_time_parse(info->ended) : -1;
	s->n++;
	return 0;
}

static int cmp_sess(const void *a, const void *b)
{
	const sess *x = a, *y = b;
	int c = strcmp(x->started, y->started);
	return c ? c : strcmp(x->id, y->id);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_list(FILE *f, const char *key, char *const *v, size_t n)
{
	fprintf(f, ",\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		json_str(f, v[i]);
	}
	fputc(']', f);
}

static void print_edits(FILE *f, const mg_edit_list *l)
{
	fputs("[\n", f);
	for (size_t i = 0; i < l->n; i++) {
		const mg_edit *e = &l->items[i];
		fprintf(f, "%s{\"kind\":\"%s\",\"path\":", i ? ",\n" : "",
		        memgit_edit_kind_name(e->kind));
		json_str(f, e->path);
		json_list(f, "merged", e->merged, e->nmerged);
		fputs(",\"rationale\":", f);
		json_str(f, e->rationale);
		json_list(f, "evidence", e->evidence, e->nevidence);
		fputs(",\"content\":", f);
		json_str(f, e->content);
		fputc('}', f);
	}
	fputs("\n]\n", f);
}

typedef struct {
	mg_dream_config cfg;
	const char *outfile;
	int64_t now;
	int repeat;
	long max_sessions;
} options;

static void parse_args(options *o, int argc, char **argv)
{
	const mg_dream_config dflt = MG_DREAM_CONFIG_INIT;

	o->cfg = dflt;
	o->outfile = NULL;
	o->now = -1;
	o->repeat = 1;
	o->max_sessions = -1;
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--now"))
			o->now = strtoll(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--max-edits"))
			o->cfg.max_edits = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--min-sessions"))
			o->cfg.min_sessions = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--threshold"))
			o->cfg.duplicate_threshold = strtod(argv[i + 1], NULL);
		else if (!strcmp(argv[i], "--out"))
			o->outfile = argv[i + 1];
		else if (!strcmp(argv[i], "--repeat"))
			o->repeat = atoi(argv[i + 1]) > 0 ? atoi(argv[i + 1]) : 1;
		else if (!strcmp(argv[i], "--sessions"))
			o->max_sessions = atol(argv[i + 1]);
	}
}

/* Memories and sessions as the engine gathers them; `now` from the sessions. */
static const char **load(mems *m, sessions *ss, options *o)
{
	const char **ids;
	int64_t latest = -1;

	if (memgit_store_foreach(m->s, NULL, mem_cb, m) < 0 ||
	        memgit_session_foreach(m->s, sess_cb, ss) < 0)
		die("load");
	qsort(ss->v, ss->n, sizeof(*ss->v), cmp_sess);
	for (; o->max_sessions >= 0 && ss->n > (size_t)o->max_sessions; ss->n--) {
		free(ss->v[ss->n - 1].id);
		free(ss->v[ss->n - 1].started);
	}
	if (!(ids = malloc((ss->n + 1) * sizeof(*ids))))
		die("out of memory");
	for (size_t i = 0; i < ss->n; i++) {
		ids[i] = ss->v[i].id;
		if (ss->v[i].ended > latest)
			latest = ss->v[i].ended;
	}
	if (o->now < 0)
		o->now = latest < 0 ? 0 : latest;
	return ids;
}

static void release(mems *m, sessions *ss, const char **ids)
{
	for (size_t i = 0; i < m->n; i++) {
		free((char *)m->m[i].path);
		free((char *)m->m[i].content);
		memgit_memory_free(m->m[i].mem);
	}
	for (size_t i = 0; i < ss->n; i++) {
		free(ss->v[i].id);
		free(ss->v[i].started);
	}
	free(ss->v);
	free(ids);
	free(m->m);
}

static void write_edits(const char *outfile, const mg_edit_list *out)
{
	FILE *f = outfile ? fopen(outfile, "w") : stdout;

	if (!f)
		die("cannot write --out");
	print_edits(f, out);
	if (outfile)
		fclose(f);
}

int main(int argc, char **argv)
{
	mg_dream_input in;
	mg_edit_list out = {0};
	memgit_store *s = NULL;
	mems m = {0};
	sessions ss = {0};
	const char **ids;
	options o;
	struct timespec t0;
	double load_ms, propose_ms = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: dream_driver STORE [--now EPOCH] [--max-edits N] "
		                "[--min-sessions N] [--threshold T] [--out FILE] [--repeat N] "
		                "[--sessions N]\n");
		return 2;
	}
	parse_args(&o, argc, argv);
	memgit_init();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (memgit_store_open(&s, argv[1]) < 0)
		die("open");
	m.s = s;
	ids = load(&m, &ss, &o);
	load_ms = ms_since(&t0);
	memset(&in, 0, sizeof(in));
	in.store = s;
	in.now = o.now;
	in.memories = m.m;
	in.nmemories = m.n;
	in.sessions = ids;
	in.nsessions = ss.n;
	in.config = &o.cfg;
	for (int r = 0; r < o.repeat; r++) {
		mg_edit_list_dispose(&out);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (mg_dreamer_builtin.propose(&out, &in, NULL) < 0)
			die("propose");
		propose_ms += ms_since(&t0);
	}
	write_edits(o.outfile, &out);
	fprintf(stderr, "memories=%zu sessions=%zu edits=%zu load_ms=%.1f propose_ms=%.1f\n", m.n,
	        ss.n, out.n, load_ms, propose_ms / o.repeat);
	mg_edit_list_dispose(&out);
	release(&m, &ss, ids);
	memgit_store_free(s);
	return 0;
}
