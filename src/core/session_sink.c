/*
 * session_sink.c: the sink every transcript parser pushes events into.
 *
 * It numbers the events, replaces secrets in every string before the event
 * leaves memory, and appends the event as one canonical JSON line to the
 * batch's spool, an anonymous temporary file: nothing of a transcript is
 * held in memory beyond the event at hand, and nothing reaches the object
 * database until the whole batch has been read and accepted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session_internal.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/jsonw.h"

#define MG_SPOOL_BUF (1024u * 1024u)

/* ---- spool ---------------------------------------------------------------- */

int mg_spool_open(mg_spool *sp, const char *dir)
{
	memgit_buf tmpl = MEMGIT_BUF_INIT;
	int rc = 0;

	memset(sp, 0, sizeof(*sp));
	sp->fd = -1;
	if (!(sp->buf = malloc(MG_SPOOL_BUF)))
		return mg_error_oom();
	if ((rc = mg_fs_mkdir_p(dir)) < 0)
		goto done;
#ifdef O_TMPFILE
	/* no name at all: a crash cannot leave the file behind */
	sp->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
	if (sp->fd < 0) {
		if ((rc = mg_buf_printf(&tmpl, "%s/session-spool-XXXXXX", dir)) < 0)
			goto done;
		if ((sp->fd = mkstemp(tmpl.ptr)) >= 0)
			unlink(tmpl.ptr);
	}
	if (sp->fd < 0)
		rc = mg_error_set(MEMGIT_EIO, "cannot create temporary file", dir, "%s",
			strerror(errno));
done:
	memgit_buf_dispose(&tmpl);
	return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return mg_error_set(MEMGIT_EIO, "cannot write temporary file", NULL, "%s",
				strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int mg_spool_flush(mg_spool *sp)
{
	int rc = sp->fill ? write_all(sp->fd, sp->buf, sp->fill) : 0;
	sp->fill = 0;
	return rc;
}

int mg_spool_write(mg_spool *sp, const char *data, size_t len)
{
	int rc;

	sp->size += len;
	if (sp->fill + len > MG_SPOOL_BUF && (rc = mg_spool_flush(sp)) < 0)
		return rc;
	if (len >= MG_SPOOL_BUF)
		return write_all(sp->fd, data, len);
	memcpy(sp->buf + sp->fill, data, len);
	sp->fill += len;
	return 0;
}

int mg_spool_rewind(mg_spool *sp, uint64_t offset)
{
	int rc;

	if (offset >= sp->size)
		return 0;
	if ((rc = mg_spool_flush(sp)) < 0)
		return rc;
	if (ftruncate(sp->fd, (off_t)offset) < 0 || lseek(sp->fd, (off_t)offset, SEEK_SET) < 0)
		return mg_error_set(MEMGIT_EIO, "cannot write temporary file", NULL, "%s",
			strerror(errno));
	sp->size = offset;
	return 0;
}

void mg_spool_close(mg_spool *sp)
{
	if (sp->fd >= 0)
		close(sp->fd);
	free(sp->buf);
	memset(sp, 0, sizeof(*sp));
	sp->fd = -1;
}

/* ---- redaction ------------------------------------------------------------ */

typedef struct {
	memgit_buf *out;
	const char *s;
	size_t pos;
	uint64_t n;
} mg_redaction;

static int on_secret(const mg_secret_match *m, void *payload)
{
	mg_redaction *r = payload;

	if (r->n++ == 0)
		mg_buf_clear(r->out);
	if (mg_buf_put(r->out, r->s + r->pos, m->offset - r->pos) < 0 ||
	    mg_buf_printf(r->out, "[REDACTED:%s]", m->rule) < 0)
		return MEMGIT_ENOMEM;
	r->pos = m->offset + m->length;
	return 0;
}

int mg_redact(const char **out, size_t *out_len, const char *s, size_t len,
	const mg_secret_allow *allow, memgit_buf *scratch, uint64_t *count)
{
	mg_redaction r = { scratch, s, 0, 0 };
	int rc;

	*out = s;
	*out_len = len;
	if ((rc = mg_secret_scan(s, len, allow, on_secret, &r)) != 0)
		return rc < 0 ? rc : mg_error_oom();
	if (!r.n)
		return 0;
	if (mg_buf_put(scratch, s + r.pos, len - r.pos) < 0)
		return MEMGIT_ENOMEM;
	*count += r.n;
	*out = scratch->ptr;
	*out_len = scratch->size;
	return 0;
}

/* A borrowed C string, redacted (NULL stays NULL). */
static int redact_str(const char **out, const char *s, mg_sink_state *st, memgit_buf *scratch)
{
	size_t n;
	if (!s) {
		*out = NULL;
		return 0;
	}
	return mg_redact(out, &n, s, strlen(s), st->allow, scratch, &st->redactions);
}

/* ---- the sink -------------------------------------------------------------- */

void mg_sink_init(mg_sink_state *st, mg_spool *spool, const mg_secret_allow *allow,
	mg_sink_warn_fn warn, void *warn_ctx)
{
	memset(st, 0, sizeof(*st));
	st->spool = spool;
	st->allow = allow;
	st->warn = warn;
	st->warn_ctx = warn_ctx;
	st->offset = spool->size;
}

void mg_sink_dispose(mg_sink_state *st)
{
	free(st->source_id);
	free(st->parent_id);
	free(st->agent);
	free(st->started);
	free(st->cwd);
	free(st->model);
	free(st->first_ts);
	free(st->last_ts);
	memgit_buf_dispose(&st->line);
	for (size_t i = 0; i < 4; i++)
		memgit_buf_dispose(&st->scratch[i]);
	memset(st, 0, sizeof(*st));
}

static int one_of(const char *s, const char *const *set)
{
	for (; s && *set; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

/* A parser bug must not produce a file the reader would refuse later. */
static int check_event(const mg_session_event *ev)
{
	static const char *const roles[] = { "user", "assistant", "tool", "system", NULL };
	static const char *const types[] = { "text", "tool_use", "tool_result", "error",
		"summary", NULL };

	if (!one_of(ev->role, roles) || !one_of(ev->type, types))
		return mg_error_set(MEMGIT_ERROR, "invalid session event", NULL,
			"line %u: role '%s', type '%s'", ev->line, ev->role ? ev->role : "(null)",
			ev->type ? ev->type : "(null)");
	return 0;
}

static int set_once(char **field, const char *value)
{
	if (*field || !value)
		return 0;
	return (*field = strdup(value)) ? 0 : mg_error_oom();
}

static int track_time(mg_sink_state *st, const char *ts)
{
	char *copy;

	if (!ts || !*ts)
		return 0;
	if (!st->first_ts)
		return set_once(&st->first_ts, ts);
	if (!(copy = strdup(ts)))
		return mg_error_oom();
	free(st->last_ts);
	st->last_ts = copy;
	return 0;
}

static void write_event(mg_jsonw *w, const mg_sink_state *st, const mg_session_event *ev,
	const char *ts, const char *text, size_t len, const char *tool, const char *call_id)
{
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "i");
	mg_jsonw_int(w, (int64_t)st->events);
	if (ts) {
		mg_jsonw_key(w, "ts");
		mg_jsonw_string(w, ts);
	}
	mg_jsonw_key(w, "role");
	mg_jsonw_string(w, ev->role);
	mg_jsonw_key(w, "type");
	mg_jsonw_string(w, ev->type);
	mg_jsonw_key(w, "text");
	mg_jsonw_string_len(w, text, len);
	if (tool) {
		mg_jsonw_key(w, "tool");
		mg_jsonw_string(w, tool);
	}
	if (call_id) {
		mg_jsonw_key(w, "call_id");
		mg_jsonw_string(w, call_id);
	}
	mg_jsonw_key(w, "is_error");
	mg_jsonw_bool(w, ev->is_error != 0);
	if (ev->line) {
		mg_jsonw_key(w, "line");
		mg_jsonw_int(w, ev->line);
	}
	mg_jsonw_object_close(w);
}

static int sink_event_(mg_sink_state *st, const mg_session_event *ev)
{
	const char *text, *ts, *tool, *call_id, *in = ev->text ? ev->text : "";
	size_t len = ev->text_len, tlen;
	mg_jsonw w;
	int rc;

	if ((rc = check_event(ev)) < 0)
		return rc;
	/* a parser handing a C string may leave the length at 0 */
	if (!len && ev->text)
		len = strlen(ev->text);
	rc = mg_redact(&text, &tlen, in, len, st->allow, &st->scratch[0], &st->redactions);
	if (rc < 0 ||
	    (rc = redact_str(&ts, ev->ts, st, &st->scratch[1])) < 0 ||
	    (rc = redact_str(&tool, ev->tool, st, &st->scratch[2])) < 0 ||
	    (rc = redact_str(&call_id, ev->call_id, st, &st->scratch[3])) < 0 ||
	    (rc = track_time(st, ts)) < 0)
		return rc;
	mg_buf_clear(&st->line);
	mg_jsonw_init(&w, &st->line, 0);
	write_event(&w, st, ev, ts, text, tlen, tool, call_id);
	if ((rc = mg_jsonw_finish(&w)) < 0 || (rc = mg_buf_putc(&st->line, '\n')) < 0 ||
	    (rc = mg_spool_write(st->spool, st->line.ptr, st->line.size)) < 0)
		return rc;
	st->events++;
	st->errors += ev->is_error != 0;
	st->tool_calls += strcmp(ev->type, "tool_use") == 0;
	return 0;
}

static int sink_event(void *ctx, const mg_session_event *ev)
{
	mg_sink_state *st = ctx;
	int rc = sink_event_(st, ev);
	if (rc < 0)
		st->failed = 1;
	return rc;
}

/* Meta strings are redacted on the way in, like event strings. */
static int meta_field(mg_sink_state *st, char **field, const char *value)
{
	const char *clean;
	if (*field || !value || !*value)
		return 0;
	if (redact_str(&clean, value, st, &st->scratch[1]) < 0)
		return MEMGIT_ENOMEM;
	return set_once(field, clean);
}

static void sink_meta(void *ctx, const mg_session_meta *m)
{
	mg_sink_state *st = ctx;

	if (meta_field(st, &st->source_id, m->source_id) < 0 ||
	    meta_field(st, &st->parent_id, m->parent_id) < 0 ||
	    meta_field(st, &st->agent, m->agent) < 0 ||
	    meta_field(st, &st->started, m->started) < 0 ||
	    meta_field(st, &st->cwd, m->cwd) < 0 ||
	    meta_field(st, &st->model, m->model) < 0)
		st->failed = 1;
	st->input_tokens += m->input_tokens;
	st->output_tokens += m->output_tokens;
}

static void sink_warn(void *ctx, unsigned line, const char *message)
{
	mg_sink_state *st = ctx;
	st->warnings++;
	if (st->warn)
		st->warn(st->warn_ctx, line, message);
}

void mg_sink_bind(mg_session_sink *sink, mg_sink_state *st)
{
	sink->ctx = st;
	sink->event = sink_event;
	sink->meta = sink_meta;
	sink->warn = sink_warn;
}
