/*
 * session_util.c: what the transcript parsers share (session_util.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/session_util.h"
#include "memgit/errors.h"
#include "util/array.h"
#include "util/error.h"

/* ---- strings, hashes, errors ---------------------------------------------- */

int mg_session_in(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

uint64_t mg_fnv1a(uint64_t h, const void *s, size_t len)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

int mg_session_refuse(unsigned line, const char *why)
{
	return mg_error_set(MEMGIT_EINPUT, "invalid transcript", NULL, "line %u: %s", line, why);
}

int mg_session_record_type(const mg_json *value, unsigned line, const char **type)
{
	*type = mg_json_get_string(value, "type");
	if (mg_json_type_of(value) != MG_JSON_OBJECT)
		return mg_session_refuse(line, "not a JSON object");
	if (!*type)
		return mg_session_refuse(line, "no 'type'");
	return 0;
}

int mg_session_grow(void **p, size_t *alloc, size_t need, size_t size)
{
	return mg_array_grow(p, alloc, need, size);
}

mg_json *mg_session_parse_quiet(const char *s)
{
	mg_json *doc = NULL;

	if (mg_json_parse(&doc, s, strlen(s), NULL) < 0) {
		memgit_error_clear();
		return NULL;
	}
	return doc;
}

/* ---- events ------------------------------------------------------------------ */

int mg_session_emit(const mg_session_sink *sink, const char *ts, unsigned line, const char *role,
	const char *type, const char *text, size_t len, const char *tool, const char *call_id,
	int is_error)
{
	mg_session_event ev = { ts, role, type, text ? text : "", text ? len : 0, tool, call_id,
		is_error, line };

	return sink->event(sink->ctx, &ev);
}

int mg_session_finish_none(void *state, const mg_session_sink *sink)
{
	(void)state;
	(void)sink;
	return 0;
}

/* ---- text ------------------------------------------------------------------------ */

int mg_session_piece(memgit_buf *b, const char *s)
{
	if (!s || !*s)
		return 0;
	if (b->size && mg_buf_putc(b, '\n') < 0)
		return MEMGIT_ENOMEM;
	return mg_buf_puts(b, s);
}

int mg_session_placeholder(memgit_buf *b, const char *type)
{
	memgit_buf tag = MEMGIT_BUF_INIT;
	int rc;

	if ((rc = mg_buf_printf(&tag, "[%.60s]", type)) < 0)
		goto done;
	rc = mg_session_piece(b, tag.ptr);
done:
	memgit_buf_dispose(&tag);
	return rc;
}

int mg_session_cap(memgit_buf *b, size_t cap)
{
	size_t cut = cap, dropped;

	if (b->size <= cap)
		return 0;
	while (cut > 0 && ((unsigned char)b->ptr[cut] & 0xc0) == 0x80)
		cut--;
	dropped = b->size - cut;
	mg_buf_truncate(b, cut);
	return mg_buf_printf(b, "\n[... %zu more bytes omitted]", dropped);
}

int mg_session_compact(memgit_buf *out, const mg_json *v)
{
	const char *s = mg_json_string(v);
	mg_json *doc = NULL;
	int rc;

	mg_buf_clear(out);
	if (!v) {
		rc = mg_buf_puts(out, "{}");
		goto done;
	}
	if (!s) {
		rc = mg_json_print(out, v);
		goto done;
	}
	if ((s[strspn(s, " \t\r\n")] != '{' && s[strspn(s, " \t\r\n")] != '[') ||
		!(doc = mg_session_parse_quiet(s))) {
		rc = mg_buf_puts(out, s);
		goto done;
	}
	rc = mg_json_print(out, doc);
done:
	mg_json_free(doc);
	return rc;
}

/* ---- tool calls --------------------------------------------------------------- */

int mg_calls_put(mg_calls *t, const char *id, const char *name)
{
	mg_call *c;
	int rc;

	if (!id || !name)
		return 0;
	if (t->ring && t->n == t->ring) {
		/* the oldest call is forgotten: its result, if it ever comes, is
		 * still a tool_result, only without the tool name */
		c = &t->v[t->next];
		free(c->id);
		free(c->name);
	} else {
		if ((rc = mg_session_grow((void **)&t->v, &t->alloc, t->n + 1, sizeof(*t->v))) < 0)
			return rc;
		c = &t->v[t->n++];
	}
	c->id = strdup(id);
	c->name = strdup(name);
	t->next = t->ring ? (t->next + 1) % t->ring : t->n;
	return c->id && c->name ? 0 : mg_error_oom();
}

const char *mg_calls_name(const mg_calls *t, const char *id)
{
	size_t slots = t->ring ? t->ring : t->n;

	/* newest first: a result usually follows its call closely, and an id
	 * used again means the later call */
	for (size_t k = 1; id && k <= t->n; k++) {
		const mg_call *c = &t->v[(t->next + slots - k) % slots];
		if (c->id && strcmp(c->id, id) == 0)
			return c->name;
	}
	return NULL;
}

char *mg_calls_take(mg_calls *t, const char *id)
{
	char *name;

	for (size_t i = 0; id && i < t->n; i++) {
		mg_call *c = &t->v[i];
		if (!c->id || strcmp(c->id, id) != 0)
			continue;
		name = c->name;
		free(c->id);
		c->id = c->name = NULL;
		return name;
	}
	return NULL;
}

void mg_calls_clear(mg_calls *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].id);
		free(t->v[i].name);
	}
	t->n = t->next = 0;
}

void mg_calls_free(mg_calls *t)
{
	if (!t)
		return;
	mg_calls_clear(t);
	free(t->v);
	t->v = NULL;
	t->alloc = 0;
}

/* ---- warnings ----------------------------------------------------------------- */

void mg_warn_once(mg_warned *w, const mg_session_sink *sink, unsigned line, const char *name,
	const char *fmt, ...)
{
	size_t cap = w->cap && w->cap < MG_WARNED_MAX ? w->cap : MG_WARNED_MAX;
	memgit_buf msg = MEMGIT_BUF_INIT;
	va_list ap;
	int rc;

	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->names[i], name) == 0)
			return;
	if (w->n == cap || !(w->names[w->n] = strdup(name)))
		return;
	w->n++;
	if (!sink->warn)
		return;
	va_start(ap, fmt);
	rc = mg_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc == 0)
		sink->warn(sink->ctx, line, msg.ptr);
	memgit_buf_dispose(&msg);
}

void mg_warned_free(mg_warned *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->names[i]);
	w->n = 0;
}
