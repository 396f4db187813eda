/*
 * dream_note.c: the JSON note on a dream commit (refs/notes/memgit).
 *
 * The commit message is the review a person reads; the note is the record a
 * program reads: the inputs (base, sessions with their agents, settings)
 * and every edit the dreamer proposed, applied or refused, with its
 * evidence, the blob it expected and why it was refused. Content is not
 * repeated: an applied edit's content is in the dream commit's tree, and a
 * refused edit's content may be exactly what was refused (a secret).
 * docs/dreams.md describes the format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dream_internal.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/jsonw.h"

/* ---- writing ---------------------------------------------------------------- */

static void key_string(mg_jsonw *w, const char *key, const char *value)
{
	mg_jsonw_key(w, key);
	mg_jsonw_string(w, value);
}

static void key_real(mg_jsonw *w, const char *key, double v)
{
	char num[32];
	snprintf(num, sizeof(num), "%g", v);
	mg_jsonw_key(w, key);
	mg_jsonw_raw(w, num);
}

static void key_time(mg_jsonw *w, const char *key, int64_t t)
{
	char when[21];
	mg_time_format(when, t);
	key_string(w, key, when);
}

static void string_array(mg_jsonw *w, const char *key, char *const *v, size_t n)
{
	mg_jsonw_key(w, key);
	mg_jsonw_array_open(w);
	for (size_t i = 0; i < n; i++)
		mg_jsonw_string(w, v[i]);
	mg_jsonw_array_close(w);
}

static void write_config(mg_jsonw *w, const mg_dream_settings *st)
{
	const mg_dream_config *c = &st->tun;

	mg_jsonw_key(w, "config");
	mg_jsonw_object_open(w);
	key_real(w, "duplicate_threshold", c->duplicate_threshold);
	mg_jsonw_key(w, "min_sessions");
	mg_jsonw_int(w, c->min_sessions);
	mg_jsonw_key(w, "workflow_min_steps");
	mg_jsonw_int(w, c->workflow_min_steps);
	mg_jsonw_key(w, "workflow_max_steps");
	mg_jsonw_int(w, c->workflow_max_steps);
	key_real(w, "max_deleted_fraction", c->max_deleted_fraction);
	mg_jsonw_key(w, "max_edits");
	mg_jsonw_int(w, (int64_t)c->max_edits);
	mg_jsonw_key(w, "max_sessions");
	mg_jsonw_int(w, (int64_t)st->max_sessions);
	mg_jsonw_object_close(w);
}

static void write_sessions(mg_jsonw *w, const mg_dream_inputs *in)
{
	mg_jsonw_key(w, "sessions");
	mg_jsonw_array_open(w);
	for (size_t i = 0; i < in->nsessions; i++) {
		const mg_dream_session *x = &in->sessions[i];
		mg_jsonw_object_open(w);
		key_string(w, "id", x->id);
		key_string(w, "agent", x->agent);
		mg_jsonw_key(w, "events");
		mg_jsonw_int(w, (int64_t)x->events);
		mg_jsonw_object_close(w);
	}
	mg_jsonw_array_close(w);
}

static void write_edit(mg_jsonw *w, const mg_edit *e, const char *expect)
{
	mg_jsonw_object_open(w);
	key_string(w, "kind", memgit_edit_kind_name(e->kind));
	key_string(w, "path", e->path);
	key_string(w, "to", e->to);
	string_array(w, "merged", e->merged, e->nmerged);
	key_string(w, "rationale", e->rationale);
	string_array(w, "evidence", e->evidence, e->nevidence);
	key_string(w, "expect_blob", expect);
	mg_jsonw_key(w, "content_bytes");
	if (e->content)
		mg_jsonw_int(w, (int64_t)e->content_len);
	else
		mg_jsonw_null(w);
	key_string(w, "status", e->refused ? "refused" : "applied");
	key_string(w, "refused", e->refused);
	mg_jsonw_object_close(w);
}

static void key_int(mg_jsonw *w, const char *key, int64_t v)
{
	mg_jsonw_key(w, key);
	mg_jsonw_int(w, v);
}

/* A model dream's run: usage, prompt, chunks, and the edits its schema
 * check dropped (their problems, never their content). */
static void write_model(mg_jsonw *w, const memgit_dream *d)
{
	mg_jsonw_key(w, "model");
	if (!d->prompt_sha256[0]) {
		mg_jsonw_null(w);
		return;
	}
	mg_jsonw_object_open(w);
	key_string(w, "prompt_sha256", d->prompt_sha256);
	mg_jsonw_key(w, "usage");
	mg_jsonw_object_open(w);
	key_int(w, "input", (int64_t)d->usage.input);
	key_int(w, "output", (int64_t)d->usage.output);
	key_int(w, "cache_read", (int64_t)d->usage.cache_read);
	key_int(w, "cache_write", (int64_t)d->usage.cache_write);
	key_int(w, "requests", d->usage.requests);
	mg_jsonw_object_close(w);
	key_int(w, "chunks", d->chunks);
	key_int(w, "chunks_done", d->chunks_done);
	mg_jsonw_key(w, "reduced");
	mg_jsonw_bool(w, d->reduced);
	mg_jsonw_key(w, "repaired");
	mg_jsonw_bool(w, d->repaired);
	mg_jsonw_key(w, "budget_stopped");
	mg_jsonw_bool(w, d->budget_stopped);
	mg_jsonw_key(w, "dropped");
	mg_jsonw_array_open(w);
	for (const char *p = d->dropped; p && *p;) {
		size_t n = strcspn(p, "\n");
		mg_jsonw_string_len(w, p, n);
		p += n + (p[n] == '\n');
	}
	mg_jsonw_array_close(w);
	mg_jsonw_object_close(w);
}

int mg_dream_note_write(memgit_buf *out, const memgit_dream *d, const mg_dream_inputs *in)
{
	mg_jsonw w;

	mg_buf_clear(out);
	mg_jsonw_init(&w, out, 1);
	mg_jsonw_object_open(&w);
	mg_jsonw_key(&w, "memgit_dream");
	mg_jsonw_int(&w, MG_DREAM_NOTE_VERSION);
	key_string(&w, "id", d->id);
	mg_jsonw_key(&w, "iteration");
	mg_jsonw_int(&w, d->pass);
	key_string(&w, "base", d->base);
	key_string(&w, "dreamer", d->dreamer);
	key_time(&w, "time", d->time);
	key_time(&w, "now", d->now);
	write_sessions(&w, in);
	key_string(&w, "sessions_commit", d->sessions_commit[0] ? d->sessions_commit : NULL);
	key_string(&w, "instructions", d->instructions);
	mg_jsonw_key(&w, "memories");
	mg_jsonw_int(&w, (int64_t)in->nmems);
	write_config(&w, &in->settings);
	write_model(&w, d);
	mg_jsonw_key(&w, "applied");
	mg_jsonw_int(&w, (int64_t)d->applied);
	mg_jsonw_key(&w, "refused");
	mg_jsonw_int(&w, (int64_t)d->refused);
	mg_jsonw_key(&w, "edits");
	mg_jsonw_array_open(&w);
	for (size_t i = 0; i < d->edits.n; i++)
		write_edit(&w, &d->edits.items[i], d->expect[i]);
	mg_jsonw_array_close(&w);
	mg_jsonw_object_close(&w);
	return mg_jsonw_finish(&w);
}

/* ---- reading ------------------------------------------------------------------- */

static int bad_note(const char *where, const char *field)
{
	return mg_error_set(MEMGIT_EINPUT, "invalid dream note", where, "%s", field);
}

static int kind_of(const char *name, memgit_edit_kind *out)
{
	for (int k = MEMGIT_EDIT_CREATE; k <= MEMGIT_EDIT_MOVE; k++)
		if (name && strcmp(name, memgit_edit_kind_name((memgit_edit_kind)k)) == 0) {
			*out = (memgit_edit_kind)k;
			return 0;
		}
	return -1;
}

static char *dup_opt(const char *s, int *failed)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*failed = 1;
	return d;
}

static int read_edit(memgit_dream *d, const mg_json *o, size_t i, const char *where)
{
	const char *expect = mg_json_get_string(o, "expect_blob");
	memgit_edit_kind kind;
	mg_edit *e;
	int rc, failed = 0;

	if (kind_of(mg_json_get_string(o, "kind"), &kind) < 0 || !mg_json_get_string(o, "path"))
		return bad_note(where, "an edit without a kind or path");
	if ((rc = mg_edit_list_add(&e, &d->edits, kind, mg_json_get_string(o, "path"))) < 0)
		return rc;
	e->to = dup_opt(mg_json_get_string(o, "to"), &failed);
	e->rationale = dup_opt(mg_json_get_string(o, "rationale"), &failed);
	e->refused = dup_opt(mg_json_get_string(o, "refused"), &failed);
	for (const mg_json *m = mg_json_first(mg_json_get(o, "merged")); m && rc == 0; m = mg_json_next(m))
		if (mg_json_string(m))
			rc = mg_edit_add_merged(e, mg_json_string(m));
	for (const mg_json *v = mg_json_first(mg_json_get(o, "evidence")); v && rc == 0; v = mg_json_next(v))
		if (mg_json_string(v))
			rc = mg_edit_add_evidence(e, "%s", mg_json_string(v));
	snprintf(d->expect[i], sizeof(d->expect[i]), "%.40s", expect ? expect : "");
	if (e->refused)
		d->refused++;
	else
		d->applied++;
	return failed ? mg_error_oom() : rc;
}

static int read_sessions(memgit_dream *d, const mg_json *list)
{
	size_t n = mg_json_count(list), i = 0;
	int failed = 0;

	if (mg_json_type_of(list) != MG_JSON_ARRAY)
		return 0;
	mg_dream_strv_free(d->sessions, d->nsessions);
	mg_dream_strv_free(d->agents, d->nsessions);
	d->nsessions = 0;
	d->sessions = calloc(n ? n : 1, sizeof(char *));
	d->agents = calloc(n ? n : 1, sizeof(char *));
	if (!d->sessions || !d->agents)
		return mg_error_oom();
	for (const mg_json *x = mg_json_first(list); x; x = mg_json_next(x)) {
		const char *id = mg_json_get_string(x, "id");
		if (!id)
			continue;
		d->sessions[i] = dup_opt(id, &failed);
		d->agents[i++] = dup_opt(mg_json_get_string(x, "agent"), &failed);
	}
	d->nsessions = i;
	return failed ? mg_error_oom() : 0;
}

static void read_model(memgit_dream *d, const mg_json *m)
{
	const mg_json *u = mg_json_get(m, "usage");
	const char *sha = mg_json_get_string(m, "prompt_sha256");

	if (!sha)
		return;
	snprintf(d->prompt_sha256, sizeof(d->prompt_sha256), "%.64s", sha);
	d->usage.input = (uint64_t)mg_json_number(mg_json_get(u, "input"), 0);
	d->usage.output = (uint64_t)mg_json_number(mg_json_get(u, "output"), 0);
	d->usage.cache_read = (uint64_t)mg_json_number(mg_json_get(u, "cache_read"), 0);
	d->usage.cache_write = (uint64_t)mg_json_number(mg_json_get(u, "cache_write"), 0);
	d->usage.requests = (unsigned)mg_json_number(mg_json_get(u, "requests"), 0);
	d->chunks = (unsigned)mg_json_number(mg_json_get(m, "chunks"), 0);
	d->chunks_done = (unsigned)mg_json_number(mg_json_get(m, "chunks_done"), 0);
}

static const mg_json *last_of(const mg_json *list)
{
	const mg_json *last = NULL;
	for (const mg_json *x = mg_json_first(list); x; x = mg_json_next(x))
		last = x;
	return last;
}

/* Every outcome of the note's record, oldest first, as compact JSON. */
static int read_outcomes(memgit_dream *d, const mg_json *list)
{
	size_t n = mg_json_count(list);
	int rc = 0;

	mg_dream_strv_free(d->outcomes, d->noutcomes);
	d->noutcomes = 0;
	if (!(d->outcomes = calloc(n ? n : 1, sizeof(char *))))
		return mg_error_oom();
	for (const mg_json *x = mg_json_first(list); x && rc == 0; x = mg_json_next(x)) {
		memgit_buf text = MEMGIT_BUF_INIT;
		if ((rc = mg_json_print(&text, x)) == 0 &&
		    !(d->outcomes[d->noutcomes++] = mg_buf_detach(&text)))
			rc = mg_error_oom();
		memgit_buf_dispose(&text);
	}
	return rc;
}

/* The outcomes and the latest decision of the note's record. */
static int read_record(memgit_dream *d, const mg_json *root)
{
	const mg_json *o = last_of(mg_json_get(root, "outcomes"));
	const mg_json *dec = last_of(mg_json_get(root, "decisions"));
	memgit_buf text = MEMGIT_BUF_INIT;
	int rc = read_outcomes(d, mg_json_get(root, "outcomes"));

	if (rc == 0 && o) {
		snprintf(d->verdict, sizeof(d->verdict), "%s", mg_json_get_string(o, "verdict") ?
			mg_json_get_string(o, "verdict") : "");
		d->score = mg_json_number(mg_json_get(o, "score"), 0);
		d->iteration = (unsigned)mg_json_number(mg_json_get(o, "iteration"), 1);
		free(d->outcome);
		d->outcome = NULL;
		if ((rc = mg_json_print(&text, o)) == 0)
			d->outcome = mg_buf_detach(&text);
	}
	if (rc == 0 && dec) {
		const char *why = mg_json_get_string(dec, "why");
		snprintf(d->decision, sizeof(d->decision), "%s", mg_json_get_string(dec, "action") ?
			mg_json_get_string(dec, "action") : "");
		free(d->decision_why);
		d->decision_why = why ? strdup(why) : NULL;
		if (why && !d->decision_why)
			rc = mg_error_oom();
	}
	memgit_buf_dispose(&text);
	return rc;
}

static int read_header(memgit_dream *d, const mg_json *root)
{
	const char *dreamer = mg_json_get_string(root, "dreamer"), *now = mg_json_get_string(root, "now");
	const char *instructions = mg_json_get_string(root, "instructions");
	int failed = 0;

	if (!d->dreamer && dreamer)
		d->dreamer = dup_opt(dreamer, &failed);
	if (instructions)
		d->instructions = dup_opt(instructions, &failed);
	if (now)
		d->now = mg_time_parse(now);
	read_model(d, mg_json_get(root, "model"));
	if (read_record(d, root) < 0)
		return MEMGIT_ENOMEM;
	return failed ? mg_error_oom() : read_sessions(d, mg_json_get(root, "sessions"));
}

int mg_dream_note_read(memgit_dream *d, const char *text, size_t len, const char *where)
{
	mg_json_parse_opts po = { 0, MG_JSON_REPLACE_NUL, where, 0, 0 };
	const mg_json *edits;
	mg_json *root = NULL;
	size_t n, i = 0;
	int rc;

	if ((rc = mg_json_parse(&root, text, len, &po)) < 0)
		return rc;
	if (mg_json_number(mg_json_get(root, "memgit_dream"), 0) != MG_DREAM_NOTE_VERSION) {
		rc = bad_note(where, "not a memgit_dream 1 note");
		goto done;
	}
	edits = mg_json_get(root, "edits");
	n = mg_json_count(edits);
	if ((rc = read_header(d, root)) < 0)
		goto done;
	free(d->expect);
	if (!(d->expect = calloc(n ? n : 1, sizeof(*d->expect)))) {
		rc = mg_error_oom();
		goto done;
	}
	for (const mg_json *e = mg_json_first(edits); e && rc == 0; e = mg_json_next(e), i++)
		rc = read_edit(d, e, i, where);
done:
	mg_json_free(root);
	return rc;
}

/* ---- adding to a note ------------------------------------------------------------- */

/* The end (one past the closing bracket) of the JSON value at `p`. */
static const char *value_end(const char *p)
{
	int depth = 0, in_string = 0;

	for (; *p; p++) {
		if (in_string) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in_string = 0;
			continue;
		}
		if (*p == '"')
			in_string = 1;
		else if (*p == '[' || *p == '{')
			depth++;
		else if ((*p == ']' || *p == '}') && --depth == 0)
			return p + 1;
	}
	return NULL;
}

int mg_dream_note_push(memgit_buf *note, const char *key, const char *item, const char *where)
{
	memgit_buf out = MEMGIT_BUF_INIT, pat = MEMGIT_BUF_INIT;
	const char *text = mg_buf_cstr(note), *at, *end, *last;
	int rc;

	/* memgit writes its notes pretty-printed: a newline and two spaces
	 * before a top-level key cannot occur inside a string (escaped there) */
	if ((rc = mg_buf_printf(&pat, "\n  \"%s\": [", key)) < 0)
		goto done;
	if ((at = strstr(text, pat.ptr)) != NULL) {
		const char *open = at + pat.size - 1;
		if (!(end = value_end(open))) {
			rc = bad_note(where, "an unterminated list");
			goto done;
		}
		rc = mg_buf_put(&out, text, (size_t)(end - 1 - text));
		rc = rc ? rc : mg_buf_printf(&out, "%s%s]", end - 1 > open + 1 ? ",\n" : "", item);
		rc = rc ? rc : mg_buf_puts(&out, end);
	} else {
		if (!(last = strrchr(text, '}'))) {
			rc = bad_note(where, "not an object");
			goto done;
		}
		rc = mg_buf_put(&out, text, (size_t)(last - text));
		while (rc == 0 && out.size && (out.ptr[out.size - 1] == '\n' || out.ptr[out.size - 1] == ' '))
			mg_buf_truncate(&out, out.size - 1);
		rc = rc ? rc : mg_buf_printf(&out, ",\n  \"%s\": [%s]\n%s", key, item, last);
	}
	if (rc == 0)
		rc = mg_buf_set(note, out.ptr, out.size);
done:
	memgit_buf_dispose(&out);
	memgit_buf_dispose(&pat);
	return rc;
}
