/*
 * dream_validate.c: the engine's judgement of a dreamer's edits.
 *
 * Every edit is checked on its own against the base and against the edits
 * accepted before it, so the outcome of one edit never depends on a later
 * one: shape, secrets in its strings, path policy, paths already changed
 * by an accepted edit, preconditions and pinned memories, evidence, content,
 * the store's memory count and the deletion budget. A refused edit keeps
 * its reason ("<category>: <why>") and claims nothing, so a later edit may
 * still touch the paths it named. What is accepted here must not be
 * refused by the batch that applies it (src/core/write.c), or the whole
 * dream would fail: the checks mirror the write path's, case collisions
 * and file/folder clashes included.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dream_internal.h"
#include "memgit/memory.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/path.h"
#include "util/secrets.h"

typedef struct {
	memgit_store *s;
	const mg_dream_inputs *in;
	mg_strmap sessions; /* input session id -> index */
	mg_strmap claimed;  /* path an accepted edit touches -> edit index */
	mg_strmap folders;  /* every folder of the base and of accepted new paths */
	mg_strmap newfiles; /* paths accepted edits create */
	mg_strmap folded;   /* case fold of every file and folder -> index into names */
	char **names;
	size_t nnames, cap;
	size_t budget, removed, count;
} mg_check;

/* ---- reasons ----------------------------------------------------------- */

static int refuse(mg_edit *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record why `e` is refused; 1 (refused) or MEMGIT_ENOMEM. */
static int refuse(mg_edit *e, const char *fmt, ...)
{
	va_list ap;
	char *why;

	va_start(ap, fmt);
	why = mg_vformat(fmt, ap);
	va_end(ap);
	if (!why)
		return MEMGIT_ENOMEM;
	free(e->refused);
	e->refused = why;
	for (char *p = e->refused; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' '; /* quoted input must not reach a terminal as control codes */
	return 1;
}

/* A refusal whose reason is the library error just recorded. */
static int refuse_error(mg_edit *e, const char *category)
{
	int rc = refuse(e, "%s: %s", category, memgit_error_last()->message);
	memgit_error_clear();
	return rc;
}

/* ---- secrets in an edit's strings ----------------------------------------- */

typedef struct {
	const char *src;
	size_t at;
	memgit_buf out;
	int rc, found;
} redactor;

static int redact_one(const mg_secret_match *m, void *payload)
{
	redactor *r = payload;

	if ((r->rc = mg_buf_put(&r->out, r->src + r->at, m->offset - r->at)) == 0)
		r->rc = mg_buf_printf(&r->out, "[REDACTED:%s]", m->rule);
	r->at = m->offset + m->length;
	r->found = 1;
	return r->rc < 0 ? 1 : 0;
}

int mg_dream_redact(char **s, memgit_store *store)
{
	redactor r = { NULL, 0, MEMGIT_BUF_INIT, 0, 0 };
	size_t len;

	if (!*s)
		return 0;
	r.src = *s;
	len = strlen(*s);
	mg_secret_scan(*s, len, store->allow, redact_one, &r);
	if (r.rc == 0 && r.found)
		r.rc = mg_buf_put(&r.out, r.src + r.at, len - r.at);
	if (r.rc < 0 || !r.found) {
		memgit_buf_dispose(&r.out);
		return r.rc;
	}
	free(*s);
	*s = mg_buf_detach(&r.out);
	return 1;
}

/*
 * The strings of an edit go into the commit message and the note: a secret
 * in any of them refuses the edit, and is redacted so the refusal recorded
 * in the note does not leak it.
 */
static int check_strings(mg_check *c, mg_edit *e)
{
	const char *field = NULL;
	int rc;

	if ((rc = mg_dream_redact(&e->rationale, c->s)) != 0)
		field = "rationale";
	for (size_t i = 0; i < e->nevidence && rc >= 0; i++)
		if ((rc = mg_dream_redact(&e->evidence[i], c->s)) > 0 && !field)
			field = "evidence";
	for (size_t i = 0; i < e->nmerged && rc >= 0; i++)
		if ((rc = mg_dream_redact(&e->merged[i], c->s)) > 0 && !field)
			field = "merged";
	if (rc >= 0 && (rc = mg_dream_redact(&e->to, c->s)) > 0 && !field)
		field = "to";
	if (rc >= 0 && (rc = mg_dream_redact(&e->path, c->s)) > 0 && !field)
		field = "path";
	if (rc < 0)
		return rc;
	return field ? refuse(e, "secret: the %s holds a secret (redacted here)", field) : 0;
}

/* ---- shape and paths ------------------------------------------------------ */

/* Control characters in `s` become `with`. */
static void tame(char *s, char with)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = with;
}

/*
 * A rationale is one line of the commit message: a newline in it could
 * forge trailers. The strings of a refused edit are only ever shown, so
 * they lose their control characters too (paths, evidence).
 */
static void tame_edit(mg_edit *e, int refused)
{
	tame(e->rationale, ' ');
	if (!refused)
		return;
	tame(e->path, '?');
	tame(e->to, '?');
	for (size_t i = 0; i < e->nmerged; i++)
		tame(e->merged[i], '?');
	for (size_t i = 0; i < e->nevidence; i++)
		tame(e->evidence[i], '?');
}

static int wants_content(memgit_edit_kind k)
{
	return k == MEMGIT_EDIT_CREATE || k == MEMGIT_EDIT_UPDATE || k == MEMGIT_EDIT_MERGE;
}

static int check_shape(mg_edit *e)
{
	const char *kind = memgit_edit_kind_name(e->kind);

	if ((unsigned)e->kind > MEMGIT_EDIT_MOVE)
		return refuse(e, "shape: unknown kind of edit");
	if (!e->rationale || !e->rationale[strspn(e->rationale, " ")])
		return refuse(e, "shape: no rationale");
	if (wants_content(e->kind) && !e->content)
		return refuse(e, "shape: a %s needs content", kind);
	if (!wants_content(e->kind) && e->content)
		return refuse(e, "shape: a %s carries no content", kind);
	if ((e->kind == MEMGIT_EDIT_MOVE) != (e->to != NULL))
		return refuse(e, e->to ? "shape: only a move has a target" : "shape: a move needs a target");
	if (e->kind != MEMGIT_EDIT_MERGE && e->nmerged)
		return refuse(e, "shape: only a merge lists merged memories");
	return 0;
}

/* Normalise *p in place (x.md, memories/x.md, /memories/x.md -> x.md). */
static int normalize(mg_edit *e, char **p)
{
	memgit_buf rel = MEMGIT_BUF_INIT;

	if (mg_path_normalize(&rel, *p) < 0) {
		memgit_buf_dispose(&rel);
		return refuse_error(e, "path");
	}
	free(*p);
	*p = mg_buf_detach(&rel);
	return *p ? 0 : mg_error_oom();
}

/* Paths normalised; a merge names at least one other memory, none twice. */
static int check_paths(mg_edit *e)
{
	size_t others = 0;
	int rc;

	if ((rc = normalize(e, &e->path)) != 0 || (e->to && (rc = normalize(e, &e->to)) != 0))
		return rc;
	for (size_t i = 0; i < e->nmerged; i++) {
		if ((rc = normalize(e, &e->merged[i])) != 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (strcmp(e->merged[i], e->merged[j]) == 0)
				return refuse(e, "shape: '%s' is merged twice", e->merged[i]);
		others += strcmp(e->merged[i], e->path) != 0;
	}
	if (e->kind == MEMGIT_EDIT_MERGE && !others)
		return refuse(e, "shape: a merge needs at least one memory to fold into '%s'", e->path);
	if (e->to && strcmp(e->to, e->path) == 0)
		return refuse(e, "shape: '%s' moves onto itself", e->path);
	return 0;
}

/* No path of `e` is already changed by an accepted edit. */
static int check_claims(mg_check *c, mg_edit *e)
{
	const char *paths[3] = { e->path, e->to, NULL };
	size_t at;

	for (size_t i = 0; i < 2; i++)
		if (paths[i] && mg_strmap_get(&c->claimed, paths[i], &at))
			return refuse(e, "duplicate: '%s' is already changed by edit %zu", paths[i], at + 1);
	for (size_t i = 0; i < e->nmerged; i++)
		if (mg_strmap_get(&c->claimed, e->merged[i], &at))
			return refuse(e, "duplicate: '%s' is already changed by edit %zu", e->merged[i],
				at + 1);
	return 0;
}

/* ---- evidence --------------------------------------------------------------- */

/* "<i>" or "<i>-<j>": 0 and the bounds, or -1. */
static int parse_range(const char *s, uint64_t *i, uint64_t *j)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	*i = strtoull(s, &end, 10);
	*j = *i;
	if (*end == '-') {
		if (end[1] < '0' || end[1] > '9')
			return -1;
		*j = strtoull(end + 1, &end, 10);
	}
	return *end == '\0' && *i <= *j ? 0 : -1;
}

static int check_session_ref(mg_check *c, mg_edit *e, const char *ev)
{
	const char *hash = strrchr(ev, '#');
	char session[256];
	uint64_t i, j;
	size_t at;

	if (!hash || hash == ev || (size_t)(hash - ev) >= sizeof(session))
		return refuse(e, "evidence: '%s' is neither <session>#<event>[-<event>] nor memory:<path>",
			ev);
	snprintf(session, sizeof(session), "%.*s", (int)(hash - ev), ev);
	if (!mg_strmap_get(&c->sessions, session, &at))
		return refuse(e, "evidence: '%s': session '%s' is not an input of this dream", ev, session);
	if (parse_range(hash + 1, &i, &j) < 0)
		return refuse(e, "evidence: '%s': expected an event number or a range i-j with i <= j", ev);
	if (j >= c->in->sessions[at].events)
		return refuse(e, "evidence: '%s': event %llu is past the end of session '%s' (%llu events)",
			ev, (unsigned long long)j, session, (unsigned long long)c->in->sessions[at].events);
	return 0;
}

static int check_memory_ref(mg_check *c, mg_edit *e, char **ev)
{
	memgit_buf rel = MEMGIT_BUF_INIT, norm = MEMGIT_BUF_INIT;
	size_t at;
	int rc;

	if (mg_path_normalize(&rel, *ev + 7) < 0) {
		memgit_buf_dispose(&rel);
		return refuse_error(e, "evidence");
	}
	if (!mg_strmap_get(&c->in->mem_index, rel.ptr, &at))
		rc = refuse(e, "evidence: '%s': no memory '%s' in the base", *ev, rel.ptr);
	else if ((rc = mg_buf_printf(&norm, "memory:%s", rel.ptr)) == 0) {
		free(*ev);
		*ev = mg_buf_detach(&norm); /* one spelling, so the note and review agree */
	}
	memgit_buf_dispose(&rel);
	memgit_buf_dispose(&norm);
	return rc;
}

static int check_evidence(mg_check *c, mg_edit *e)
{
	int rc = 0;

	if (!e->nevidence)
		return refuse(e, "evidence: none given");
	for (size_t i = 0; i < e->nevidence && rc == 0; i++) {
		if (strncmp(e->evidence[i], "memory:", 7) == 0)
			rc = check_memory_ref(c, e, &e->evidence[i]);
		else
			rc = check_session_ref(c, e, e->evidence[i]);
	}
	return rc;
}

/* ---- preconditions and pinned memories --------------------------------------- */

static const mg_dream_memory *base_memory(const mg_check *c, const char *path)
{
	size_t at;
	return mg_strmap_get(&c->in->mem_index, path, &at) ? &c->in->mems[at] : NULL;
}

static int truthy(const char *v, size_t len)
{
	return (len == 4 && !strncasecmp(v, "true", 4)) || (len == 3 && !strncasecmp(v, "yes", 3)) ||
		(len == 2 && !strncasecmp(v, "on", 2));
}

/* A top-level "pinned: true" line anywhere in the file. */
static int pinned_line(const char *s, size_t len)
{
	for (const char *p = s, *end = s + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end, *v;
		if ((size_t)(eol - p) > 7 && !memcmp(p, "pinned:", 7)) {
			for (v = p + 7; v < eol && (*v == ' ' || *v == '\t'); v++)
				;
			while (eol > v && (eol[-1] == ' ' || eol[-1] == '\t' || eol[-1] == '\r'))
				eol--;
			if (truthy(v, (size_t)(eol - v)))
				return 1;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/*
 * Markdown that parsed says it in its front matter. A YAML memory, or a file
 * that does not parse, is judged by its lines: better to leave a memory
 * alone by mistake than to change a pinned one.
 */
int mg_dream_pinned(const char *content, size_t len, const memgit_memory *mem)
{
	const char *v;

	if (!mem || memgit_memory_type_of(mem) != MEMGIT_MEMORY_MARKDOWN)
		return pinned_line(content, len);
	v = memgit_memory_get(mem, "pinned");
	return v && truthy(v, strlen(v));
}

static int is_pinned(const mg_dream_memory *m)
{
	return m && mg_dream_pinned(m->content, m->len, m->mem);
}

static int must_exist(mg_check *c, mg_edit *e, const char *path)
{
	const mg_dream_memory *m = base_memory(c, path);
	if (!m)
		return refuse(e, "precondition: no memory '%s' in the base", path);
	if (is_pinned(m))
		return refuse(e, "pinned: '%s' is pinned; a dream never changes it", path);
	return 0;
}

/* Folded spelling of a path (or folder) already taken by another spelling? */
static const char *fold_clash(mg_check *c, const char *p, size_t len, const char *allowed)
{
	memgit_buf f = MEMGIT_BUF_INIT;
	const char *clash = NULL;
	size_t at;

	if (mg_path_fold(&f, p, len) == 0 && mg_strmap_get(&c->folded, f.ptr, &at) &&
	    (strlen(c->names[at]) != len || memcmp(c->names[at], p, len) != 0) &&
	    !(allowed && strcmp(c->names[at], allowed) == 0))
		clash = c->names[at];
	memgit_buf_dispose(&f);
	return clash;
}

/*
 * A path that will exist after the dream and not before: no folder of that
 * name, no memory where its folders go, no other spelling of it or of its
 * folders (they would collide on case-insensitive checkouts). `moving_from`
 * allows a case-only rename of that memory.
 */
static int check_new_path(mg_check *c, mg_edit *e, const char *p, const char *moving_from)
{
	size_t unused;
	const char *clash;

	if (base_memory(c, p))
		return refuse(e, "precondition: '%s' already exists", p);
	if (mg_strmap_get(&c->folders, p, &unused))
		return refuse(e, "precondition: '%s' is a folder", p);
	for (const char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
		char q[MG_PATH_MAX_BYTES + 1];
		snprintf(q, sizeof(q), "%.*s", (int)(s - p), p);
		if (base_memory(c, q) || mg_strmap_get(&c->newfiles, q, &unused))
			return refuse(e, "precondition: '%s' is a memory, not a folder", q);
		if ((clash = fold_clash(c, p, (size_t)(s - p), NULL)) != NULL)
			return refuse(e, "path: '%s' differs only in letter case from '%s'", q, clash);
	}
	if ((clash = fold_clash(c, p, strlen(p), moving_from)) != NULL)
		return refuse(e, "path: '%s' differs only in letter case from '%s'", p, clash);
	return 0;
}

static int check_preconditions(mg_check *c, mg_edit *e)
{
	int rc = 0;

	switch (e->kind) {
	case MEMGIT_EDIT_CREATE:
		return check_new_path(c, e, e->path, NULL);
	case MEMGIT_EDIT_UPDATE:
	case MEMGIT_EDIT_DELETE:
		return must_exist(c, e, e->path);
	case MEMGIT_EDIT_MOVE:
		if ((rc = must_exist(c, e, e->path)) != 0)
			return rc;
		return check_new_path(c, e, e->to, e->path);
	case MEMGIT_EDIT_MERGE:
		/* the result may be one of the memories (kept, rewritten) or a new one */
		rc = base_memory(c, e->path) ? must_exist(c, e, e->path) : check_new_path(c, e, e->path, NULL);
		for (size_t i = 0; i < e->nmerged && rc == 0; i++)
			if (strcmp(e->merged[i], e->path) != 0)
				rc = must_exist(c, e, e->merged[i]);
		return rc;
	}
	return 0;
}

/* ---- content ------------------------------------------------------------------ */

/* The bytes the edit leaves at its target, and the target's name. */
static const char *target_content(mg_check *c, const mg_edit *e, size_t *len, const char **at)
{
	const mg_dream_memory *src;

	if (e->kind == MEMGIT_EDIT_MOVE) {
		src = base_memory(c, e->path);
		*len = src->len;
		*at = e->to;
		return src->content;
	}
	*len = e->content_len;
	*at = e->path;
	return e->content;
}

static int check_content(mg_check *c, mg_edit *e)
{
	const mg_dream_memory *old;
	memgit_memory *m = NULL;
	const char *data, *at;
	size_t len;

	if (e->kind == MEMGIT_EDIT_DELETE)
		return 0;
	data = target_content(c, e, &len, &at);
	if (memgit_memory_parse(&m, at, data, len, &c->s->limits) < 0)
		return refuse_error(e, "content");
	memgit_memory_free(m);
	if (e->kind != MEMGIT_EDIT_MOVE && mg_secret_check(data, len, c->s->allow, at) < 0) {
		free(e->content); /* a secret is kept nowhere, not even in memory */
		e->content = NULL;
		e->content_len = 0;
		return refuse_error(e, "secret");
	}
	old = base_memory(c, e->path);
	if (e->kind == MEMGIT_EDIT_UPDATE && old->len == len && memcmp(old->content, data, len) == 0)
		return refuse(e, "content: same as the base; the update changes nothing");
	return 0;
}

/* ---- counts: store limit and deletion budget ------------------------------------ */

static size_t removals(const mg_edit *e)
{
	size_t n = 0;

	if (e->kind == MEMGIT_EDIT_DELETE)
		return 1;
	for (size_t i = 0; e->kind == MEMGIT_EDIT_MERGE && i < e->nmerged; i++)
		n += strcmp(e->merged[i], e->path) != 0;
	return n;
}

static size_t additions(mg_check *c, const mg_edit *e)
{
	if (e->kind == MEMGIT_EDIT_CREATE)
		return 1;
	return e->kind == MEMGIT_EDIT_MERGE && !base_memory(c, e->path) ? 1 : 0;
}

static int check_counts(mg_check *c, mg_edit *e)
{
	size_t add = additions(c, e), del = removals(e), limit = c->s->limits.store_max_memories;

	if (add > del && c->count + add - del > limit)
		return refuse(e, "limit: the store would hold %zu memories, limit %zu "
			"(limits.store_max_memories)", c->count + add - del, limit);
	if (del && c->removed + del > c->budget)
		return refuse(e, "budget: removing %zu more would exceed the deletion budget of %zu "
			"(dream.max_deleted_fraction %g of %zu memories; %zu already removed)", del,
			c->budget, c->in->settings.tun.max_deleted_fraction, c->in->nmems, c->removed);
	return 0;
}

/* ---- claiming what an accepted edit touches ----------------------------------- */

static int remember_fold(mg_check *c, const char *p, size_t len)
{
	memgit_buf f = MEMGIT_BUF_INIT;
	size_t unused;
	int rc;

	if ((rc = mg_path_fold(&f, p, len)) < 0 || mg_strmap_get(&c->folded, f.ptr, &unused))
		goto done;
	if (c->nnames == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		char **grown = realloc(c->names, cap * sizeof(*grown));
		if (!grown) {
			rc = mg_error_oom();
			goto done;
		}
		c->names = grown;
		c->cap = cap;
	}
	if (!(c->names[c->nnames] = strndup(p, len))) {
		rc = mg_error_oom();
		goto done;
	}
	rc = mg_strmap_set(&c->folded, f.ptr, c->nnames++);
done:
	memgit_buf_dispose(&f);
	return rc;
}

/* Record a file that exists after the edit: its folders and spellings. */
static int remember_file(mg_check *c, const char *p, int is_new)
{
	int rc = 0;

	for (const char *s = strchr(p, '/'); s && rc == 0; s = strchr(s + 1, '/')) {
		char q[MG_PATH_MAX_BYTES + 1];
		snprintf(q, sizeof(q), "%.*s", (int)(s - p), p);
		if ((rc = mg_strmap_set(&c->folders, q, 1)) == 0)
			rc = remember_fold(c, p, (size_t)(s - p));
	}
	if (rc == 0)
		rc = remember_fold(c, p, strlen(p));
	if (rc == 0 && is_new)
		rc = mg_strmap_set(&c->newfiles, p, 1);
	return rc;
}

static int claim(mg_check *c, const mg_edit *e, size_t index)
{
	int rc = mg_strmap_set(&c->claimed, e->path, index);

	for (size_t i = 0; i < e->nmerged && rc == 0; i++)
		rc = mg_strmap_set(&c->claimed, e->merged[i], index);
	if (rc == 0 && e->to)
		rc = mg_strmap_set(&c->claimed, e->to, index);
	if (rc == 0 && e->kind == MEMGIT_EDIT_MOVE)
		rc = remember_file(c, e->to, 1);
	else if (rc == 0 && additions(c, e))
		rc = remember_file(c, e->path, 1);
	c->removed += removals(e);
	c->count = c->count + additions(c, e) - removals(e);
	return rc;
}

/* ---- driver ---------------------------------------------------------------------- */

static void record_expect(char out[41], mg_check *c, const mg_edit *e)
{
	const mg_dream_memory *m = e->kind == MEMGIT_EDIT_CREATE ? NULL : base_memory(c, e->path);
	snprintf(out, 41, "%s", m ? m->blob : "");
}

static int validate_one(mg_check *c, mg_edit *e, size_t index, char expect[41])
{
	int rc;

	expect[0] = '\0';
	if (index >= c->in->settings.tun.max_edits)
		return refuse(e, "limit: over dream.max_edits (%zu)", c->in->settings.tun.max_edits);
	if ((rc = check_shape(e)) != 0 || (rc = check_strings(c, e)) != 0 ||
	    (rc = check_paths(e)) != 0)
		return rc;
	record_expect(expect, c, e);
	if ((rc = check_claims(c, e)) != 0 || (rc = check_preconditions(c, e)) != 0 ||
	    (rc = check_evidence(c, e)) != 0 || (rc = check_content(c, e)) != 0 ||
	    (rc = check_counts(c, e)) != 0)
		return rc;
	/* claiming after all checks: a refused edit blocks nothing after it */
	return claim(c, e, index);
}

static int check_init(mg_check *c, memgit_store *s, const mg_dream_inputs *in)
{
	double b = in->settings.tun.max_deleted_fraction * (double)in->nmems;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->s = s;
	c->in = in;
	c->count = in->nmems;
	c->budget = b >= 1.0 ? (size_t)b : 1;
	for (size_t i = 0; i < in->nsessions && rc == 0; i++)
		rc = mg_strmap_set(&c->sessions, in->sessions[i].id, i);
	for (size_t i = 0; i < in->nmems && rc == 0; i++)
		rc = remember_file(c, in->mems[i].path, 0);
	return rc;
}

static void check_dispose(mg_check *c)
{
	mg_strmap_dispose(&c->sessions);
	mg_strmap_dispose(&c->claimed);
	mg_strmap_dispose(&c->folders);
	mg_strmap_dispose(&c->newfiles);
	mg_strmap_dispose(&c->folded);
	for (size_t i = 0; i < c->nnames; i++)
		free(c->names[i]);
	free(c->names);
}

int mg_dream_validate(memgit_dream *d, memgit_store *s, const mg_dream_inputs *in)
{
	mg_check c;
	int rc;

	free(d->expect);
	if (!(d->expect = calloc(d->edits.n ? d->edits.n : 1, sizeof(*d->expect))))
		return mg_error_oom();
	d->applied = d->refused = 0;
	if ((rc = check_init(&c, s, in)) < 0)
		goto done;
	for (size_t i = 0; i < d->edits.n; i++) {
		tame_edit(&d->edits.items[i], 0);
		if ((rc = validate_one(&c, &d->edits.items[i], i, d->expect[i])) < 0)
			goto done;
		tame_edit(&d->edits.items[i], rc == 1);
		if (rc == 1)
			d->refused++;
		else
			d->applied++;
	}
	rc = 0;
done:
	check_dispose(&c);
	return rc;
}
