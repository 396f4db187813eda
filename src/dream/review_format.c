/*
 * review_format.c: the three forms of a dream review. Text is for the
 * terminal (the diffs are plain unified diffs, so they can be piped to
 * `patch`), markdown is a pull-request body, JSON the machine form
 * (docs/dreams.md lists its keys).
 */
#include <stdio.h>
#include <string.h>

#include "review_internal.h"
#include "memgit/grade.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"

/* ---- markdown escaping ----------------------------------------------------------- */

/* Text a reader wrote (rationale, excerpts) as inert markdown on one line. */
static int md_text(memgit_buf *out, const char *s)
{
	int rc = 0;

	for (; *s && rc == 0; s++) {
		if (strchr("\\`*_<>[]|#", *s))
			rc = mg_buf_putc(out, '\\');
		if (rc == 0)
			rc = mg_buf_putc(out, *s == '\n' || *s == '\r' ? ' ' : *s);
	}
	return rc;
}

/* A code span that survives backticks inside it. */
static int md_code(memgit_buf *out, const char *s)
{
	const char *fence = strchr(s, '`') ? "`` " : "`";
	const char *close = strchr(s, '`') ? " ``" : "`";
	return mg_buf_printf(out, "%s%s%s", fence, s, close);
}

/* A fenced block longer than any backtick run in `body`. */
static int md_fenced(memgit_buf *out, const char *lang, const char *body, size_t len)
{
	size_t run = 0, longest = 0;
	int rc = 0;

	for (size_t i = 0; i < len; i++) {
		run = body[i] == '`' ? run + 1 : 0;
		longest = run > longest ? run : longest;
	}
	for (size_t i = 0; i < (longest < 3 ? 3 : longest + 1) && rc == 0; i++)
		rc = mg_buf_putc(out, '`');
	rc = rc ? rc : mg_buf_printf(out, "%s\n", lang);
	rc = rc ? rc : mg_buf_put(out, body, len);
	for (size_t i = 0; i < (longest < 3 ? 3 : longest + 1) && rc == 0; i++)
		rc = mg_buf_putc(out, '`');
	return rc ? rc : mg_buf_puts(out, "\n\n");
}

/* ---- text and markdown ---------------------------------------------------------------- */

static int header(mg_review *r, int md)
{
	const memgit_dream *d = r->d;
	memgit_buf *o = &r->out;
	char when[21];
	int rc;

	mg_time_format(when, d->time);
	if (md)
		rc = mg_buf_printf(o, "## Dream `%s`\n\n| | |\n|---|---|\n| status | %s |\n"
			"| base | `%.12s` |\n| dreamer | %s |\n| time | %s |\n| sessions | ", d->id,
			d->status, d->base, memgit_dream_dreamer(d), when);
	else
		rc = mg_buf_printf(o, "dream %s (%s)\ncommit   %s\nbase     %s\ndreamer  %s\n"
			"time     %s\nsessions %zu:", d->id, d->status, d->commit[0] ? d->commit :
			"(none)", d->base, memgit_dream_dreamer(d), when, d->nsessions);
	for (size_t i = 0; i < d->nsessions && rc == 0; i++)
		rc = md ? mg_buf_printf(o, "%s`%s`", i ? ", " : "", d->sessions[i]) :
			mg_buf_printf(o, " %s", d->sessions[i]);
	if (rc == 0 && md && !d->nsessions)
		rc = mg_buf_puts(o, "none");
	rc = rc ? rc : mg_buf_printf(o, md ? " |\n| edits | %zu applied, %zu refused |\n| outcome | " :
		"\nedits    %zu applied, %zu refused\noutcome  ", d->applied, d->refused);
	if (rc == 0 && !d->verdict[0])
		rc = mg_buf_puts(o, "not graded");
	else if (rc == 0)
		rc = mg_buf_printf(o, "%s, score %.2f, pass %u", d->verdict, d->score, d->pass);
	return rc ? rc : mg_buf_puts(o, md ? " |\n\n" : "\n");
}

/* The excerpts of one cited range, one line each. */
static int excerpts(mg_review *r, const char *ev, int md)
{
	char session[256];
	uint64_t i, j;
	int rc = 0;

	if (mg_review_parse_ref(ev, session, &i, &j) < 0)
		return 0;
	for (uint64_t x = i; x <= j && x < i + MG_EXCERPTS_PER_RANGE && rc == 0; x++) {
		const mg_excerpt *e = mg_review_excerpt(r, session, x);
		if (!e)
			continue;
		rc = mg_buf_printf(&r->out, md ? "  - #%llu %s %s%s%s: " : "      #%llu %s %s%s%s: \"",
			(unsigned long long)x, e->role, e->type, e->tool ? " " : "", e->tool ? e->tool : "");
		rc = rc ? rc : md ? md_text(&r->out, e->text) : mg_buf_puts(&r->out, e->text);
		rc = rc ? rc : mg_buf_puts(&r->out, md ? "\n" : "\"\n");
	}
	if (rc == 0 && j - i + 1 > MG_EXCERPTS_PER_RANGE)
		rc = mg_buf_printf(&r->out, md ? "  - ... %llu more events\n" : "      ... %llu more events\n",
			(unsigned long long)(j - i + 1 - MG_EXCERPTS_PER_RANGE));
	return rc;
}

static int change(mg_review *r, const mg_edit *e, memgit_buf *what, memgit_buf *diff, int md)
{
	const char *word = mg_review_change_word(e->kind);
	memgit_buf *o = &r->out;
	int rc;

	if (md) {
		rc = mg_buf_printf(o, "#### %c%s ", word[0] - 'a' + 'A', word + 1);
		rc = rc ? rc : md_code(o, what->ptr);
		rc = rc ? rc : mg_buf_puts(o, "\n\n");
		rc = rc ? rc : md_text(o, e->rationale);
		rc = rc ? rc : mg_buf_puts(o, "\n\n**Evidence**\n\n");
	} else {
		rc = mg_buf_printf(o, "\n%s %s\n  why: %s\n  evidence:\n", word, what->ptr, e->rationale);
	}
	for (size_t i = 0; i < e->nevidence && rc == 0; i++) {
		rc = md ? mg_buf_puts(o, "- ") : mg_buf_puts(o, "    ");
		rc = rc ? rc : md ? md_code(o, e->evidence[i]) : mg_buf_puts(o, e->evidence[i]);
		rc = rc ? rc : mg_buf_putc(o, '\n');
		rc = rc ? rc : excerpts(r, e->evidence[i], md);
	}
	rc = rc ? rc : mg_review_diff(r, diff, e);
	if (rc == 0 && md)
		rc = mg_buf_putc(o, '\n');
	if (rc == 0 && md && diff->size)
		rc = md_fenced(o, "diff", diff->ptr, diff->size);
	else if (rc == 0 && diff->size)
		rc = mg_buf_put(o, diff->ptr, diff->size);
	else if (rc == 0)
		rc = mg_buf_puts(o, md ? "Content unchanged.\n\n" : "  (content unchanged)\n");
	return rc;
}

static int summary_table(mg_review *r, memgit_buf *what)
{
	const mg_edit_list *l = &r->d->edits;
	int rc = mg_buf_puts(&r->out, "### Changes\n\n| change | memory | why |\n|---|---|---|\n");

	for (size_t i = 0; i < l->n && rc == 0; i++) {
		if (l->items[i].refused)
			continue;
		rc = mg_review_target(what, &l->items[i]);
		rc = rc ? rc : mg_buf_printf(&r->out, "| %s | ", mg_review_change_word(l->items[i].kind));
		rc = rc ? rc : md_code(&r->out, what->ptr);
		rc = rc ? rc : mg_buf_puts(&r->out, " | ");
		rc = rc ? rc : md_text(&r->out, l->items[i].rationale);
		rc = rc ? rc : mg_buf_puts(&r->out, " |\n");
	}
	return rc ? rc : mg_buf_putc(&r->out, '\n');
}

static int refusals(mg_review *r, memgit_buf *what, int md)
{
	const mg_edit_list *l = &r->d->edits;
	int rc = 0;

	if (!r->d->refused)
		return 0;
	rc = mg_buf_printf(&r->out, md ? "### Refused edits\n\n" : "\nrefused %zu\n", r->d->refused);
	for (size_t i = 0; i < l->n && rc == 0; i++) {
		const mg_edit *e = &l->items[i];
		if (!e->refused)
			continue;
		rc = mg_review_target(what, e);
		if (rc == 0 && md) {
			rc = mg_buf_printf(&r->out, "- **%s** ", memgit_edit_kind_name(e->kind));
			rc = rc ? rc : md_code(&r->out, what->ptr);
			rc = rc ? rc : mg_buf_puts(&r->out, ": ");
			rc = rc ? rc : md_text(&r->out, e->refused);
			rc = rc ? rc : mg_buf_putc(&r->out, '\n');
		} else if (rc == 0) {
			rc = mg_buf_printf(&r->out, "  %s %s: %s\n", memgit_edit_kind_name(e->kind), what->ptr,
				e->refused);
		}
	}
	return rc;
}

int mg_review_text(mg_review *r, int md)
{
	const mg_edit_list *l = &r->d->edits;
	memgit_buf what = MEMGIT_BUF_INIT, diff = MEMGIT_BUF_INIT;
	int rc = header(r, md);

	if (rc == 0 && md && r->d->applied)
		rc = summary_table(r, &what);
	for (size_t i = 0; i < l->n && rc == 0; i++)
		if (!l->items[i].refused && (rc = mg_review_target(&what, &l->items[i])) == 0)
			rc = change(r, &l->items[i], &what, &diff, md);
	if (rc == 0)
		rc = refusals(r, &what, md);
	/* the criteria of the latest outcome; a pull request has the verdict */
	if (rc == 0 && !md && r->d->outcome && (rc = mg_buf_puts(&r->out, "\noutcome ")) == 0)
		rc = memgit_dream_outcome_text(&r->out, r->d);
	if (rc == 0 && md)
		rc = mg_buf_printf(&r->out, "---\nDream-Id: `%s` | review with `memgit review %s`\n",
			r->d->id, r->d->id);
	memgit_buf_dispose(&what);
	memgit_buf_dispose(&diff);
	return rc;
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void key_string(mg_jsonw *w, const char *key, const char *v)
{
	mg_jsonw_key(w, key);
	mg_jsonw_string(w, v);
}

static void strings(mg_jsonw *w, const char *key, char *const *v, size_t n)
{
	mg_jsonw_key(w, key);
	mg_jsonw_array_open(w);
	for (size_t i = 0; i < n; i++)
		mg_jsonw_string(w, v[i]);
	mg_jsonw_array_close(w);
}

static void json_excerpts(mg_review *r, const char *session, uint64_t i, uint64_t j)
{
	mg_jsonw *w = &r->w;

	mg_jsonw_key(w, "excerpts");
	mg_jsonw_array_open(w);
	for (uint64_t x = i; x <= j && x < i + MG_EXCERPTS_PER_RANGE; x++) {
		const mg_excerpt *e = mg_review_excerpt(r, session, x);
		if (!e)
			continue;
		mg_jsonw_object_open(w);
		mg_jsonw_key(w, "i");
		mg_jsonw_int(w, (int64_t)x);
		key_string(w, "role", e->role);
		key_string(w, "type", e->type);
		key_string(w, "tool", e->tool);
		key_string(w, "text", e->text);
		mg_jsonw_object_close(w);
	}
	mg_jsonw_array_close(w);
}

static void json_evidence(mg_review *r, const mg_edit *e)
{
	mg_jsonw *w = &r->w;
	char session[256];
	uint64_t i, j;

	mg_jsonw_key(w, "evidence");
	mg_jsonw_array_open(w);
	for (size_t k = 0; k < e->nevidence; k++) {
		mg_jsonw_object_open(w);
		key_string(w, "ref", e->evidence[k]);
		if (strncmp(e->evidence[k], "memory:", 7) == 0) {
			key_string(w, "memory", e->evidence[k] + 7);
		} else if (mg_review_parse_ref(e->evidence[k], session, &i, &j) == 0) {
			key_string(w, "session", session);
			mg_jsonw_key(w, "from");
			mg_jsonw_int(w, (int64_t)i);
			mg_jsonw_key(w, "to");
			mg_jsonw_int(w, (int64_t)j);
			json_excerpts(r, session, i, j);
		}
		mg_jsonw_object_close(w);
	}
	mg_jsonw_array_close(w);
}

static int json_edit(mg_review *r, const mg_edit *e, const char *expect, memgit_buf *diff)
{
	mg_jsonw *w = &r->w;
	int rc = 0;

	mg_jsonw_object_open(w);
	if (!e->refused)
		key_string(w, "change", mg_review_change_word(e->kind));
	key_string(w, "kind", memgit_edit_kind_name(e->kind));
	key_string(w, "path", e->path);
	key_string(w, "to", e->to);
	strings(w, "merged", e->merged, e->nmerged);
	key_string(w, "rationale", e->rationale);
	key_string(w, "expect_blob", expect);
	if (e->refused) {
		key_string(w, "reason", e->refused);
		strings(w, "evidence", e->evidence, e->nevidence);
	} else {
		json_evidence(r, e);
		if ((rc = mg_review_diff(r, diff, e)) == 0) {
			mg_jsonw_key(w, "diff");
			mg_jsonw_string_len(w, diff->ptr ? diff->ptr : "", diff->size);
		}
	}
	mg_jsonw_object_close(w);
	return rc;
}

static void json_header(mg_review *r)
{
	const memgit_dream *d = r->d;
	mg_jsonw *w = &r->w;
	char when[21];

	mg_time_format(when, d->time);
	key_string(w, "id", d->id);
	key_string(w, "status", d->status);
	key_string(w, "commit", d->commit[0] ? d->commit : NULL);
	key_string(w, "base", d->base);
	key_string(w, "dreamer", memgit_dream_dreamer(d));
	key_string(w, "time", when);
	strings(w, "sessions", d->sessions, d->nsessions);
	mg_jsonw_key(w, "applied");
	mg_jsonw_int(w, (int64_t)d->applied);
	mg_jsonw_key(w, "refused");
	mg_jsonw_int(w, (int64_t)d->refused);
	mg_jsonw_key(w, "iteration");
	mg_jsonw_int(w, d->pass);
	key_string(w, "verdict", d->verdict[0] ? d->verdict : NULL);
	mg_jsonw_key(w, "score");
	if (d->verdict[0])
		mg_jsonw_double(w, d->score);
	else
		mg_jsonw_null(w);
	mg_jsonw_key(w, "outcome");
	mg_dream_outcome_jsonw(w, d->outcome);
}

int mg_review_json(mg_review *r)
{
	const mg_edit_list *l = &r->d->edits;
	memgit_buf diff = MEMGIT_BUF_INIT;
	int rc = 0;

	mg_jsonw_init(&r->w, &r->out, 1);
	mg_jsonw_object_open(&r->w);
	json_header(r);
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		mg_jsonw_key(&r->w, pass ? "refusals" : "changes");
		mg_jsonw_array_open(&r->w);
		for (size_t i = 0; i < l->n && rc == 0; i++)
			if ((l->items[i].refused != NULL) == pass)
				rc = json_edit(r, &l->items[i], r->d->expect ? r->d->expect[i] : "", &diff);
		mg_jsonw_array_close(&r->w);
	}
	mg_jsonw_object_close(&r->w);
	memgit_buf_dispose(&diff);
	return rc ? rc : mg_jsonw_finish(&r->w);
}
