/*
 * session.c: memgit_session_add, from file names to one commit.
 *
 * Every file is read once, front to back: its first line (or, for a
 * document, the whole of it) picks the format, and then the lines go through
 * the hardened JSON parser into the format's parser, which pushes canonical
 * events into the sink (session_sink.c). Nothing is published until every
 * file of the batch has been read (session_commit.c), so one refused file
 * leaves the store untouched unless keep_going says otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session_internal.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/path.h"

#define MG_SNIFF_BYTES 8000u          /* as git: a NUL in here means binary */
#define MG_PROGRESS_EVERY (8u << 20)  /* bytes between progress calls */
#define MG_SIDECAR_MAX (64u * 1024u)

static const mg_session_format *const mg_formats[] = { &mg_format_claude_code, &mg_format_codex,
	&mg_format_anthropic, &mg_format_openai, &mg_format_text, NULL };

typedef struct {
	memgit_store *s;
	const memgit_session_add_options *o;
	size_t max_line;
	unsigned max_depth;
	mg_spool spool;
	char **paths;          /* files to read, folders expanded */
	size_t npaths, pathcap;
	mg_ingested *files;
	size_t nfiles;
	const char *file;      /* the file being read, for warnings */
	unsigned warnings;
	uint64_t next_progress;
} mg_add;

typedef struct {
	mg_add *a;
	mg_line_reader r;
	mg_sink_state st;
	mg_session_sink sink;
	const mg_session_format *fmt;
	void *state;
	const char *path;
	uint64_t size;
} mg_file;

static const mg_session_format *format_named(const char *name)
{
	for (const mg_session_format *const *f = mg_formats; *f; f++)
		if (strcmp((*f)->name, name) == 0)
			return *f;
	return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int json_named(const char *path)
{
	return ends_with(path, ".jsonl") || ends_with(path, ".json");
}

/* ---- warnings and errors ------------------------------------------------------ */

static void warn(mg_add *a, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn(mg_add *a, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	a->warnings++;
	if (!a->o->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	a->o->warn(a->file, line, msg, a->o->payload);
}

static void sink_warn(void *ctx, unsigned line, const char *message)
{
	warn(ctx, line, "%s", message);
}

/*
 * Every refusal reads "refused transcript '<file>': <why>", whoever found
 * it (the JSON adapter, a parser, the reader), with the code kept.
 */
static int refuse(const char *path, int code)
{
	const memgit_error *e = memgit_error_last();
	char why[768];

	if (code == MEMGIT_ENOMEM || code == MEMGIT_ERROR)
		return code;
	snprintf(why, sizeof(why), "%s", e->code != MEMGIT_OK ? e->why : "refused");
	return mg_error_set(code, "refused transcript", path, "%s", why);
}

/* ---- reading lines ----------------------------------------------------------------- */

static void progress(mg_file *f)
{
	mg_add *a = f->a;

	if (!a->o->progress || f->r.consumed < a->next_progress)
		return;
	a->next_progress = f->r.consumed + MG_PROGRESS_EVERY;
	a->o->progress(f->path, a->nfiles - 1, a->npaths, f->r.consumed, f->size, a->o->payload);
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

static int parse(mg_json **out, mg_file *f, const char *text, size_t len, unsigned line)
{
	mg_json_parse_opts po = { f->a->max_depth, MG_JSON_REPLACE_NUL, f->path, line, 0 };
	int rc = mg_json_parse(out, text, len, &po);

	if (rc == 0 && po.nuls_replaced)
		warn(f->a, line, "%zu \\u0000 escape%s replaced by U+FFFD", po.nuls_replaced,
			po.nuls_replaced == 1 ? "" : "s");
	return rc;
}

static int feed(mg_file *f, const mg_json *value, const char *raw, size_t len, unsigned line)
{
	int rc = f->fmt->feed(f->state, &f->sink, value, raw, len, line);

	if (rc == 0 && f->st.failed)
		rc = memgit_error_last()->code ? memgit_error_last()->code : MEMGIT_ERROR;
	return rc;
}

/* A line-based transcript, from its first line. */
static int read_lines(mg_file *f)
{
	unsigned ingested = 0;
	char *line;
	size_t len;
	int complete, rc;

	while ((rc = mg_line_next(&f->r, &line, &len, &complete)) == 1) {
		mg_json *value = NULL;
		if (blank(line, len))
			continue;
		if ((rc = parse(&value, f, line, len, f->r.line)) < 0) {
			if (complete)
				return rc;
			/* a session still being written: keep what is whole */
			warn(f->a, f->r.line, "truncated final line (still being written?); "
				"ingested the %u complete line%s before it", ingested,
				ingested == 1 ? "" : "s");
			memgit_error_clear();
			return 0;
		}
		rc = feed(f, value, line, len, f->r.line);
		mg_json_free(value);
		if (rc < 0)
			return rc;
		ingested++;
		progress(f);
	}
	return rc;
}

/* The items a line-based format reads from a document that wraps its lines:
 * {"loglines": [...]} (claude-code-transcripts) or a bare array. */
static const mg_json *wrapped_lines(const mg_json *doc)
{
	const mg_json *inner = mg_json_get(doc, "loglines");

	if (mg_json_type_of(inner) == MG_JSON_ARRAY)
		return inner;
	return mg_json_type_of(doc) == MG_JSON_ARRAY ? doc : NULL;
}

static int feed_wrapped(mg_file *f, const mg_json *doc)
{
	const mg_json *items = wrapped_lines(doc);
	memgit_buf raw = MEMGIT_BUF_INIT;
	unsigned n = 0;
	int rc = 0;

	if (!items)
		return mg_error_set(MEMGIT_EINPUT, "refused transcript", f->path,
			"line 1: not a list of %s lines", f->fmt->name);
	for (const mg_json *it = mg_json_first(items); it && rc == 0; it = mg_json_next(it)) {
		mg_buf_clear(&raw);
		if ((rc = mg_json_print(&raw, it)) == 0)
			rc = feed(f, it, raw.ptr, raw.size, ++n);
	}
	memgit_buf_dispose(&raw);
	return rc;
}

/* A document format (or a wrapped line format) fed the whole file. */
static int feed_document(mg_file *f, const memgit_buf *doc, const mg_json *value)
{
	mg_json *parsed = NULL;
	size_t bad;
	int rc;

	if (f->fmt == &mg_format_text) {
		const char *nul = memchr(doc->ptr, '\0', doc->size);
		if (nul) {
			unsigned line, col;
			size_t at = (size_t)(nul - doc->ptr);
			mg_text_position(doc->ptr, doc->size, at, &line, &col);
			return mg_error_set(MEMGIT_EINPUT, "refused transcript", f->path,
				"line %u: binary file (NUL byte)", line);
		}
		if (!mg_utf8_valid(doc->ptr, doc->size, &bad)) {
			unsigned line, col;
			mg_text_position(doc->ptr, doc->size, bad, &line, &col);
			return mg_error_set(MEMGIT_EINPUT, "refused transcript", f->path,
				"line %u, column %u: invalid UTF-8", line, col);
		}
		return feed(f, NULL, doc->ptr, doc->size, 1);
	}
	if (!value) {
		if ((rc = parse(&parsed, f, doc->ptr, doc->size, 1)) < 0)
			return rc;
		value = parsed;
	}
	if (!f->fmt->detect(value, doc->ptr, doc->size))
		rc = mg_error_set(MEMGIT_EINPUT, "refused transcript", f->path,
			"line 1: not a %s transcript", f->fmt->name);
	else if (f->fmt->line_based)
		rc = feed_wrapped(f, value);
	else
		rc = feed(f, value, doc->ptr, doc->size, 1);
	mg_json_free(parsed);
	return rc;
}

/* ---- detection ------------------------------------------------------------------- */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * The first non-blank line, as a view into the reader's buffer: nothing is
 * consumed, so the format's parser still reads the file from its start.
 * *len is 0 for a file of nothing but white space.
 */
static int first_line(mg_file *f, const char **p, size_t *len, unsigned *lineno)
{
	size_t want = 64u * 1024u;

	for (;;) {
		const char *d, *nl;
		size_t n, i = 0, start;
		unsigned ln = 1;
		int rc = mg_line_peek(&f->r, want, &d, &n);

		if (rc < 0)
			return rc;
		for (; i < n && is_space(d[i]); i++)
			ln += d[i] == '\n';
		*lineno = ln;
		*len = 0;
		if (i == n && n < want)
			return 0;
		for (start = i; start > 0 && d[start - 1] != '\n'; start--)
			;
		nl = i < n ? memchr(d + i, '\n', n - i) : NULL;
		if ((nl || n < want) && (nl ? (size_t)(nl - d) : n) - start <= f->a->max_line) {
			*p = d + start;
			*len = nl ? (size_t)(nl - *p) : n - start;
			return 0;
		}
		if (nl || n < want || n - start > f->a->max_line)
			return mg_error_set(MEMGIT_ELIMIT, "refused transcript", f->path,
				"line %u: longer than %zu bytes (the line limit)", ln,
				f->a->max_line);
		want *= 2;
	}
}

/* The most likely format for `value` among those of the given kind. */
static const mg_session_format *best_format(const mg_json *value, const char *raw, size_t len,
	int line_based_only)
{
	const mg_session_format *best = NULL;
	int top = 0;

	for (const mg_session_format *const *fp = mg_formats; *fp; fp++) {
		int score;
		if (line_based_only && !(*fp)->line_based)
			continue;
		score = (*fp)->detect(value, raw, len);
		if (score > top) {
			top = score;
			best = *fp;
		}
	}
	return best;
}

/* The first line parsed as JSON, quietly (it is parsed again when fed). */
static int parse_first(mg_json **out, mg_file *f, const char *l1, size_t n, unsigned ln)
{
	mg_json_parse_opts po = { f->a->max_depth, MG_JSON_REPLACE_NUL, f->path, ln, 0 };
	char *copy;
	int rc;

	*out = NULL;
	if (l1[0] != '{' && l1[0] != '[')
		return mg_error_set(MEMGIT_EINPUT, "invalid JSON", f->path,
			"line %u, column 1: not valid JSON", ln);
	/* the view is not NUL-terminated and belongs to the reader */
	if (!(copy = malloc(n + 1)))
		return mg_error_oom();
	memcpy(copy, l1, n);
	copy[n] = '\0';
	rc = mg_json_parse(out, copy, n, &po);
	free(copy);
	return rc;
}

typedef struct {
	int rc;         /* the first line's parse result */
	char why[512];  /* its error, kept while the document is tried */
	int code;
} mg_first;

static void keep_error(mg_first *fl, int rc)
{
	fl->rc = rc;
	fl->code = memgit_error_last()->code;
	snprintf(fl->why, sizeof(fl->why), "%s", memgit_error_last()->why);
}

static int restore_error(const mg_file *f, const mg_first *fl)
{
	return mg_error_set(fl->code ? fl->code : MEMGIT_EINPUT, "refused transcript", f->path,
		"%s", fl->why);
}

static int looks_json(const memgit_buf *doc)
{
	for (size_t i = 0; i < doc->size; i++)
		if (!is_space(doc->ptr[i]))
			return doc->ptr[i] == '{' || doc->ptr[i] == '[';
	return 0;
}

/* No line format took the first line: the whole file is one document. */
static int pick_document(mg_file *f, const mg_first *fl, memgit_buf *doc, mg_json **value)
{
	int rc, named = json_named(f->path);

	if ((rc = mg_line_rest(&f->r, doc, f->a->max_line)) < 0)
		return fl->rc < 0 && named && ends_with(f->path, ".jsonl") ?
			restore_error(f, fl) : rc;
	if (looks_json(doc) || named) {
		if ((rc = parse(value, f, doc->ptr, doc->size, 1)) == 0) {
			f->fmt = best_format(*value, doc->ptr, doc->size, 0);
			if (f->fmt == &mg_format_text)
				warn(f->a, 0, "not a recognised transcript format; "
					"ingested as text");
			return 0;
		}
		if (named && fl->rc < 0)
			return ends_with(f->path, ".jsonl") ? restore_error(f, fl) : rc;
		if (named && fl->rc == 0) {
			memgit_error_clear();
			warn(f->a, 0, "JSON lines of no known transcript format; ingested as text");
		}
		memgit_error_clear();
	}
	f->fmt = &mg_format_text;
	return 0;
}

/*
 * Decide how to read the file: line by line (*doc_mode 0, nothing consumed)
 * or as one document (*doc_mode 1, in `doc`, parsed into *value if JSON).
 */
static int pick_format(mg_file *f, const mg_session_format *forced, memgit_buf *doc,
	mg_json **value, int *doc_mode)
{
	mg_first fl = { 1, "", 0 };
	mg_json *first = NULL;
	const char *l1;
	size_t n;
	unsigned ln;
	int rc;

	*doc_mode = 0;
	if ((rc = first_line(f, &l1, &n, &ln)) < 0)
		return rc;
	if (n == 0)
		return mg_error_set(MEMGIT_EINPUT, "refused transcript", f->path, "empty file");
	if (!forced || forced->line_based) {
		if ((rc = parse_first(&first, f, l1, n, ln)) < 0)
			keep_error(&fl, rc);
		else
			fl.rc = 0;
		f->fmt = forced ? forced : first ? best_format(first, l1, n, 1) : NULL;
		/* forcing a format overrides detection, not what the file is */
		rc = forced && first && !forced->detect(first, l1, n) ?
			mg_error_set(MEMGIT_EINPUT, "refused transcript", f->path,
				"line %u: not a %s transcript", ln, forced->name) : 0;
		mg_json_free(first);
		if (rc < 0 || (f->fmt && fl.rc == 0))
			return rc;
	}
	*doc_mode = 1;
	if (!forced)
		return pick_document(f, &fl, doc, value);
	if ((rc = mg_line_rest(&f->r, doc, f->a->max_line)) < 0)
		return rc;
	if (forced->line_based) {
		/* a wrapped transcript, or the first line's error */
		if (parse(value, f, doc->ptr, doc->size, 1) == 0 && wrapped_lines(*value))
			return 0;
		return restore_error(f, &fl);
	}
	f->fmt = forced;
	return 0;
}

/* ---- one file ------------------------------------------------------------------------ */

/* Refuse binary files before any parser sees them; skip a byte-order mark. */
static int sniff(mg_file *f)
{
	const char *d, *nul;
	size_t n;
	int rc;

	if ((rc = mg_line_peek(&f->r, MG_SNIFF_BYTES, &d, &n)) < 0)
		return rc;
	if (n == 0)
		return mg_error_set(MEMGIT_EINPUT, "refused transcript", f->path, "empty file");
	if ((nul = memchr(d, '\0', n < MG_SNIFF_BYTES ? n : MG_SNIFF_BYTES)) != NULL) {
		unsigned line, col;
		mg_text_position(d, n, (size_t)(nul - d), &line, &col);
		return mg_error_set(MEMGIT_EINPUT, "refused transcript", f->path,
			"line %u: binary file (NUL byte)", line);
	}
	if (n >= 3 && memcmp(d, "\xef\xbb\xbf", 3) == 0)
		mg_line_skip(&f->r, 3);
	return 0;
}

static unsigned count_lines(const memgit_buf *doc)
{
	unsigned n = 0;
	for (const char *p = doc->ptr, *end = doc->ptr + doc->size; p && p < end; n++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	return n;
}

static int read_transcript(mg_file *f, const mg_session_format *forced)
{
	memgit_buf doc = MEMGIT_BUF_INIT;
	mg_json *value = NULL;
	int doc_mode, rc;

	if ((rc = sniff(f)) < 0 || (rc = pick_format(f, forced, &doc, &value, &doc_mode)) < 0)
		goto done;
	if ((rc = f->fmt->open(&f->state)) < 0)
		goto done;
	if ((rc = doc_mode ? feed_document(f, &doc, value) : read_lines(f)) < 0)
		goto done;
	if (doc_mode)
		f->r.line = count_lines(&doc);
	/* whatever the parser stopped at, the digest covers the whole file */
	if ((rc = mg_line_rest(&f->r, &doc, SIZE_MAX)) < 0)
		goto done;
	rc = f->fmt->finish(f->state, &f->sink);
	if (rc == 0 && f->st.failed)
		rc = memgit_error_last()->code ? memgit_error_last()->code : MEMGIT_ERROR;
done:
	mg_json_free(value);
	memgit_buf_dispose(&doc);
	return rc;
}

/* A copy of `s` with its secrets redacted (NULL for NULL or ""). */
static int redacted_copy(char **out, const char *s, mg_file *f, uint64_t *count)
{
	const char *clean;
	size_t len;
	int rc;

	*out = NULL;
	if (!s || !*s)
		return 0;
	if ((rc = mg_redact(&clean, &len, s, strlen(s), f->st.allow, &f->st.scratch[0], count)) < 0)
		return rc;
	return (*out = strndup(clean, len)) ? 0 : mg_error_oom();
}

/* Claude Code writes agent-<id>.meta.json beside a subagent's transcript. */
static int read_sidecar(mg_file *f, mg_ingested *in)
{
	memgit_buf path = MEMGIT_BUF_INIT, text = MEMGIT_BUF_INIT;
	mg_json *meta = NULL;
	int rc;

	if (!ends_with(f->path, ".jsonl") || f->fmt != &mg_format_claude_code)
		return 0;
	if ((rc = mg_buf_put(&path, f->path, strlen(f->path) - 6)) < 0 ||
	    (rc = mg_buf_puts(&path, ".meta.json")) < 0)
		goto done;
	if (mg_fs_kind(path.ptr) != 2 || mg_fs_read_file(&text, path.ptr, MG_SIDECAR_MAX) < 0 ||
	    mg_json_parse(&meta, text.ptr, text.size, NULL) < 0) {
		memgit_error_clear(); /* a sidecar only adds detail */
		goto done;
	}
	if ((rc = redacted_copy(&in->subagent_type, mg_json_get_string(meta, "agentType"), f,
		     &in->redactions)) == 0)
		rc = redacted_copy(&in->description, mg_json_get_string(meta, "description"), f,
			&in->redactions);
done:
	mg_json_free(meta);
	memgit_buf_dispose(&path);
	memgit_buf_dispose(&text);
	return rc;
}

static char *steal(char **p)
{
	char *v = *p;
	*p = NULL;
	return v;
}

static int fill_ingested(mg_file *f, mg_ingested *in, mg_sha256 *h)
{
	const char *base = strrchr(f->path, '/');
	mg_sink_state *st = &f->st;
	int rc;

	in->format = f->fmt;
	mg_sha256_hex(h, in->sha256);
	in->bytes = h->s.bytes; /* the bytes hashed: the transcript's size */
	in->lines = f->r.line;
	in->source_id = steal(&st->source_id);
	in->parent_source = steal(&st->parent_id);
	in->started = st->started ? steal(&st->started) : steal(&st->first_ts);
	in->ended = steal(&st->last_ts);
	/* one timestamp in all: the session started and ended then */
	if (!in->ended && in->started && !(in->ended = strdup(in->started)))
		return mg_error_oom();
	in->cwd = steal(&st->cwd);
	in->model = steal(&st->model);
	in->events = st->events;
	in->errors = st->errors;
	in->tool_calls = st->tool_calls;
	in->redactions = st->redactions;
	in->input_tokens = st->input_tokens;
	in->output_tokens = st->output_tokens;
	in->offset = st->offset;
	in->length = f->a->spool.size - st->offset;
	if (f->a->o->agent)
		rc = redacted_copy(&in->agent, f->a->o->agent, f, &in->redactions);
	else
		in->agent = steal(&st->agent), rc = 0;
	if (rc == 0)
		rc = redacted_copy(&in->name, base ? base + 1 : f->path, f, &in->redactions);
	if (rc == 0 && !in->source_id && !(in->source_id = strdup(in->sha256)))
		rc = mg_error_oom();
	return rc < 0 ? rc : read_sidecar(f, in);
}

static void ingested_dispose(mg_ingested *in)
{
	free(in->file);
	free(in->name);
	free(in->source_id);
	free(in->parent_source);
	free(in->agent);
	free(in->started);
	free(in->ended);
	free(in->cwd);
	free(in->model);
	free(in->subagent_type);
	free(in->description);
	free(in->written_header);
	memset(in, 0, sizeof(*in));
}

static int open_transcript(int *fd, const char *path, uint64_t *size)
{
	struct stat st;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return mg_error_set(errno == ENOENT ? MEMGIT_ENOTFOUND : MEMGIT_EINPUT,
			"refused transcript", path, "%s", errno == ENOENT ? "no such file" :
			errno == EACCES ? "permission denied" : "cannot open");
	if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode))
		return mg_error_set(MEMGIT_EINPUT, "refused transcript", path,
			S_ISDIR(st.st_mode) ? "is a folder" : "not a regular file");
	*size = (uint64_t)st.st_size;
	return 0;
}

static int ingest_one(mg_add *a, const char *path, const mg_session_format *forced,
	mg_ingested *in)
{
	mg_file f;
	mg_sha256 h;
	unsigned before = a->warnings;
	int fd = -1, rc;

	memset(&f, 0, sizeof(f));
	memset(in, 0, sizeof(*in));
	f.a = a;
	f.path = a->file = path;
	mg_sha256_init(&h);
	mg_line_reader_init(&f.r, mg_read_fd, &fd, path, a->max_line);
	f.r.hash = &h;
	mg_sink_init(&f.st, &a->spool, a->s->allow, sink_warn, a);
	mg_sink_bind(&f.sink, &f.st);
	if (!(in->file = strdup(path)))
		rc = mg_error_oom();
	else if ((rc = open_transcript(&fd, path, &f.size)) == 0 &&
		 (rc = read_transcript(&f, forced)) == 0)
		rc = fill_ingested(&f, in, &h);
	if (f.state)
		f.fmt->close(f.state);
	if (rc < 0) {
		rc = refuse(path, rc);
		mg_spool_rewind(&a->spool, f.st.offset);
		in->status = MEMGIT_SESSION_REFUSED;
		in->format = f.fmt;
	}
	in->warnings = a->warnings - before;
	mg_line_reader_dispose(&f.r);
	mg_sink_dispose(&f.st);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* ---- folders ------------------------------------------------------------------------- */

static int add_path(mg_add *a, const char *path)
{
	if (a->npaths == a->pathcap) {
		size_t cap = a->pathcap ? a->pathcap * 2 : 16;
		char **p = realloc(a->paths, cap * sizeof(*p));
		if (!p)
			return mg_error_oom();
		a->paths = p;
		a->pathcap = cap;
	}
	if (!(a->paths[a->npaths] = strdup(path)))
		return mg_error_oom();
	a->npaths++;
	return 0;
}

/* In a folder only JSON transcripts are taken: Claude Code keeps memory
 * notes and tool outputs (.md, .txt) beside its sessions. */
static int walk_wanted(const char *name)
{
	return name[0] != '.' && (ends_with(name, ".jsonl") ||
		(ends_with(name, ".json") && !ends_with(name, ".meta.json")));
}

static int cmp_names(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int walk(mg_add *a, const char *dir, unsigned depth);

static int walk_entry(mg_add *a, const char *dir, const char *name, unsigned depth)
{
	memgit_buf path = MEMGIT_BUF_INIT;
	struct stat st;
	int rc;

	if ((rc = mg_buf_printf(&path, "%s/%s", dir, name)) < 0)
		goto done;
	/* symbolic links to folders are not followed: no cycles */
	if (lstat(path.ptr, &st) < 0)
		goto done;
	if (S_ISDIR(st.st_mode))
		rc = walk(a, path.ptr, depth + 1);
	else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) && walk_wanted(name) &&
		 mg_fs_kind(path.ptr) == 2)
		rc = add_path(a, path.ptr);
done:
	memgit_buf_dispose(&path);
	return rc;
}

static int walk(mg_add *a, const char *dir, unsigned depth)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (depth > 32)
		return 0;
	if (!(d = opendir(dir)))
		return mg_error_set(MEMGIT_EINPUT, "refused transcript", dir, "cannot read folder");
	while ((de = readdir(d)) != NULL && rc == 0) {
		if (de->d_name[0] == '.')
			continue; /* hidden, and . and .. */
		if (n == cap) {
			char **p = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof(*p));
			if (!p) {
				rc = mg_error_oom();
				break;
			}
			names = p;
		}
		if (!(names[n] = strdup(de->d_name)))
			rc = mg_error_oom();
		else
			n++;
	}
	closedir(d);
	if (rc == 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = walk_entry(a, dir, names[i], depth);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* Files as given (any name); folders walked. Missing files are kept, to be
 * refused like any unreadable transcript. */
static int collect(mg_add *a, const char *const *paths, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *p = paths[i];
		size_t len = strlen(p);
		if (mg_fs_kind(p) != 1) {
			rc = add_path(a, p);
			continue;
		}
		while (len > 1 && p[len - 1] == '/')
			len--;
		{
			char *dir = strndup(p, len);
			if (!dir)
				return mg_error_oom();
			rc = walk(a, dir, 0);
			free(dir);
		}
	}
	return rc;
}

/* ---- the batch ---------------------------------------------------------------------- */

static void report(mg_add *a, const mg_ingested *in, const memgit_error *err)
{
	memgit_session_report r;

	if (!a->o->report)
		return;
	memset(&r, 0, sizeof(r));
	r.file = in->file;
	r.status = in->status;
	r.format = in->format ? in->format->name : NULL;
	r.warnings = in->warnings;
	r.error = err;
	if (in->status != MEMGIT_SESSION_REFUSED) {
		r.id = in->id;
		r.parent = in->parent[0] ? in->parent : NULL;
		r.events = in->events;
		r.errors = in->errors;
		r.tool_calls = in->tool_calls;
		r.redactions = in->redactions;
		r.bytes = in->bytes;
	}
	a->o->report(&r, a->o->payload);
}

/* What the decisions against the tip leave to say, then each file's outcome. */
static void report_outcomes(mg_add *a)
{
	for (size_t i = 0; i < a->nfiles; i++) {
		mg_ingested *in = &a->files[i];
		if (in->status == MEMGIT_SESSION_REFUSED)
			continue;
		a->file = in->file;
		if (in->shadowed)
			warn(a, 0, "another file of this batch holds the same session %s; "
				"kept the longer copy", in->id);
		else if (in->older_copy)
			warn(a, 0, "an older copy of session %s; "
				"kept the stored, longer transcript", in->id);
		in->warnings += in->shadowed || in->older_copy;
		report(a, in, NULL);
	}
}

static int check_options(const memgit_session_add_options *o, const mg_session_format **forced)
{
	*forced = NULL;
	if (o->version != MEMGIT_SESSION_ADD_OPTIONS_VERSION)
		return mg_error_set(MEMGIT_EINPUT, "invalid options", "memgit_session_add_options",
			"version %u, expected %u", o->version, MEMGIT_SESSION_ADD_OPTIONS_VERSION);
	if (o->format && strcmp(o->format, "auto") != 0 && !(*forced = format_named(o->format)))
		return mg_error_set(MEMGIT_EINPUT, "unknown transcript format", o->format,
			"expected auto, claude-code, codex, anthropic, openai or text");
	return 0;
}

static int read_all(mg_add *a, memgit_session_result *res, const mg_session_format *forced)
{
	size_t accepted = 0;
	int rc;

	if (!a->npaths)
		return mg_error_set(MEMGIT_ENOTHING, "nothing to ingest", MEMGIT_SESSIONS_REF,
			"no .jsonl or .json transcript in the folders given");
	if (!(a->files = calloc(a->npaths, sizeof(*a->files))))
		return mg_error_oom();
	for (size_t i = 0; i < a->npaths; i++) {
		mg_ingested *in = &a->files[a->nfiles++];
		a->next_progress = 0;
		if (a->o->progress)
			a->o->progress(a->paths[i], i, a->npaths, 0, 0, a->o->payload);
		rc = ingest_one(a, a->paths[i], forced, in);
		if (rc == MEMGIT_ENOMEM || rc == MEMGIT_ERROR)
			return rc;
		if (rc < 0) {
			res->refused++;
			report(a, in, memgit_error_last());
			if (!a->o->keep_going)
				return rc;
			continue;
		}
		accepted++;
	}
	if (!accepted)
		return mg_error_set(MEMGIT_ENOTHING, "nothing to ingest", MEMGIT_SESSIONS_REF,
			res->refused ? "every file was refused" : "no transcript found");
	return 0;
}

int memgit_session_add(memgit_session_result *result, memgit_store *s, const char *const *paths,
	size_t npaths, const memgit_session_add_options *opts)
{
	memgit_session_add_options defaults = MEMGIT_SESSION_ADD_OPTIONS_INIT;
	memgit_session_result scratch;
	const mg_session_format *forced;
	memgit_buf dir = MEMGIT_BUF_INIT;
	mg_add a;
	int rc;

	result = result ? result : &scratch;
	memset(result, 0, sizeof(*result));
	memset(&a, 0, sizeof(a));
	a.spool.fd = -1;
	a.s = s;
	a.o = opts = opts ? opts : &defaults;
	a.max_line = opts->max_line_bytes ? opts->max_line_bytes : MEMGIT_SESSION_MAX_LINE_DEFAULT;
	a.max_depth = opts->max_depth ? opts->max_depth : MEMGIT_SESSION_MAX_DEPTH_DEFAULT;
	if ((rc = check_options(opts, &forced)) < 0)
		return rc;
	if (!npaths)
		return mg_error_set(MEMGIT_EINPUT, "nothing to ingest", "",
			"no file or folder given");
	if ((rc = collect(&a, paths, npaths)) < 0 ||
	    (rc = mg_buf_printf(&dir, "%s/memgit", s->gitdir)) < 0 ||
	    (rc = mg_spool_open(&a.spool, dir.ptr)) < 0 ||
	    (rc = read_all(&a, result, forced)) < 0)
		goto done;
	rc = mg_sessions_commit(result, s, a.files, a.nfiles, &a.spool, opts);
	/* reports only call back: the error of an ENOTHING stays as it is */
	if (rc == 0 || rc == MEMGIT_ENOTHING)
		report_outcomes(&a);
done:
	for (size_t i = 0; i < a.nfiles; i++)
		ingested_dispose(&a.files[i]);
	free(a.files);
	for (size_t i = 0; i < a.npaths; i++)
		free(a.paths[i]);
	free(a.paths);
	mg_spool_close(&a.spool);
	memgit_buf_dispose(&dir);
	return rc;
}
