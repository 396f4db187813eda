/*
 * builtin_prefs.c: rule 5, preferences and corrections users state.
 *
 * A sentence of a user's message is a statement when, after words such as
 * "ok," "also" "from now on," it starts with "always", "never", "don't" /
 * "do not", "I prefer" (or "I'd prefer"), or "please stop", has at least
 * two words after that, and is not a question. Sentences in fenced or
 * indented code, in quoted lines ("> ..."), inside quotation marks, and
 * messages that are markup injected by the harness (starting with '<') do
 * not count. "Don't worry", "never mind" and the like are not preferences.
 *
 * Statements are compared normalised (case, spacing, "do not" = "don't",
 * final punctuation); each becomes one `preference` memory whose body is
 * the statement as first written, citing the first time each session
 * stated it. A memory whose body already holds the statement (a sentence
 * normalising to it, or a preference memory containing it) is not
 * duplicated: it gets the new sessions as sources.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "memgit/memory.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/error.h"

#define STATEMENT_MAX 300

typedef struct {
	size_t session;
	uint64_t i;
} said;

typedef struct {
	char *norm;
	char *text; /* as first written, from the trigger on */
	said *occ;  /* the first in each session */
	size_t nocc, cap;
} statement;

struct mg_bi_prefs {
	mg_strmap index;
	statement *items;
	size_t n, cap;
	memgit_buf norm, text;
};

int mg_bi_prefs_new(mg_bi_prefs **out)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return mg_error_oom();
	return 0;
}

void mg_bi_prefs_free(mg_bi_prefs *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->items[i].norm);
		free(p->items[i].text);
		free(p->items[i].occ);
	}
	free(p->items);
	mg_strmap_dispose(&p->index);
	memgit_buf_dispose(&p->norm);
	memgit_buf_dispose(&p->text);
	free(p);
}

/* ---- finding statements ------------------------------------------------------- */

typedef int (*statement_cb)(const char *norm, const char *text, void *payload);

typedef struct {
	memgit_buf *norm, *text;
	statement_cb cb;
	void *payload;
} finder;

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* `word` at s (case-insensitive) followed by a separator: its length with
 * the separator, else 0. */
static size_t word_at(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	if (!mg_bi_starts_ci(s, len, word) || (n < len && is_alnum((unsigned char)s[n])))
		return 0;
	while (n < len && (is_space(s[n]) || s[n] == ',' || s[n] == ':' || s[n] == '-'))
		n++;
	return n;
}

static size_t skip_fillers(const char *s, size_t len)
{
	static const char *const fillers[] = {"ok", "okay", "also", "and", "so", "but", "no", "yes",
	        "oh", "hey", "remember", "note", "important", "fyi", "btw", "from now on",
	        "going forward", "in the future", "in future", "again", "and also", "please"};
	size_t at = 0, n;

	for (int round = 0; round < 4; round++) {
		size_t before = at;
		/* "please stop" is itself a trigger */
		if (word_at(s + at, len - at, "please stop"))
			break;
		for (size_t i = 0; i < sizeof(fillers) / sizeof(*fillers); i++)
			if ((n = word_at(s + at, len - at, fillers[i]))) {
				at += n;
				break;
			}
		if (at == before)
			break;
	}
	return at;
}

/* The trigger at s: its length (with the space after it), else 0. */
static size_t trigger(const char *s, size_t len)
{
	static const char *const triggers[] = {"always", "never", "don't", "dont",
	        "don\xe2\x80\x99t", "do not", "i prefer", "i'd prefer", "i would prefer",
	        "please stop"};
	static const char *const not_prefs[] = {"worry", "bother", "know", "understand", "see",
	        "think", "get", "have", "need", "mind", "care", "remember"};
	size_t n;

	for (size_t i = 0; i < sizeof(triggers) / sizeof(*triggers); i++) {
		if (!(n = word_at(s, len, triggers[i])) || n == strlen(triggers[i]))
			continue;
		if (i == 1 && word_at(s + n, len - n, "mind"))
			return 0;
		for (size_t k = 0; i >= 2 && i <= 5 && k < sizeof(not_prefs) / sizeof(*not_prefs);
		        k++)
			if (word_at(s + n, len - n, not_prefs[k]))
				return 0;
		return n;
	}
	return 0;
}

/* Normalised: squashed, one spelling of each trigger, no final punctuation. */
static int normalise(memgit_buf *out, const char *s, size_t len)
{
	static const char *const from[] = {
	        "do not ", "dont ", "don\xe2\x80\x99t ", "i'd prefer ", "i would prefer "};
	static const char *const to[] = {"don't ", "don't ", "don't ", "i prefer ", "i prefer "};
	int rc;

	mg_buf_clear(out);
	if ((rc = mg_bi_squash(out, s, len)) < 0)
		return rc;
	while (out->size && strchr(".!;:, ", out->ptr[out->size - 1]))
		mg_buf_truncate(out, out->size - 1);
	for (size_t i = 0; i < sizeof(from) / sizeof(*from); i++)
		if (!strncmp(out->ptr, from[i], strlen(from[i]))) {
			memgit_buf tail = MEMGIT_BUF_INIT;
			if ((rc = mg_buf_puts(&tail, to[i])) == 0 &&
			        (rc = mg_buf_puts(&tail, out->ptr + strlen(from[i]))) == 0)
				rc = mg_buf_set(out, tail.ptr, tail.size);
			memgit_buf_dispose(&tail);
			break;
		}
	return rc;
}

static int words_after(const char *s, size_t len)
{
	int words = 0, in = 0;

	for (size_t i = 0; i < len; i++) {
		int w = is_alnum((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80;
		words += w && !in;
		in = w;
	}
	return words;
}

static int sentence(finder *f, const char *s, size_t len)
{
	size_t at, t;

	while (len && (is_space(s[len - 1])))
		len--;
	if (!len || s[len - 1] == '?')
		return 0;
	at = skip_fillers(s, len);
	if (at >= len || strchr("\"'`\xe2", s[at]) || !(t = trigger(s + at, len - at)))
		return 0;
	if (words_after(s + at + t, len - at - t) < 2 || len - at > STATEMENT_MAX)
		return 0;
	if (normalise(f->norm, s + at, len - at) < 0)
		return MEMGIT_ENOMEM;
	mg_buf_clear(f->text);
	if (mg_bi_clip(f->text, s + at, len - at, STATEMENT_MAX) < 0)
		return MEMGIT_ENOMEM;
	if (f->text->ptr[0] >= 'a' && f->text->ptr[0] <= 'z')
		f->text->ptr[0] = (char)(f->text->ptr[0] - 32);
	if (!strchr(".!", f->text->ptr[f->text->size - 1]) && mg_buf_putc(f->text, '.') < 0)
		return MEMGIT_ENOMEM;
	return f->cb(f->norm->ptr, f->text->ptr, f->payload);
}

/* A line's sentences; terminators inside quotes or code spans do not end one. */
static int line_sentences(finder *f, const char *s, size_t len)
{
	size_t start = 0;
	char quote = 0;
	int rc = 0;

	for (size_t i = 0; i < len && rc == 0; i++) {
		char c = s[i];
		if (quote) {
			quote = c == quote ? 0 : quote;
			continue;
		}
		if (c == '"' || c == '`' ||
		        (c == '\'' && (!i || !is_alnum((unsigned char)s[i - 1])))) {
			quote = c;
			continue;
		}
		if ((c == '.' || c == '!' || c == '?') && (i + 1 == len || is_space(s[i + 1]))) {
			rc = sentence(f, s + start, i + 1 - start);
			start = i + 1;
			while (start < len && is_space(s[start]))
				start++;
		}
	}
	if (rc == 0 && start < len)
		rc = sentence(f, s + start, len - start);
	return rc;
}

/* List markers ("- ", "* ", "1. ") before a line's text. */
static size_t bullet(const char *s, size_t len)
{
	size_t i = 0;

	if (len >= 2 && strchr("-*+", s[0]) && s[1] == ' ')
		return 2;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i && i + 1 < len && (s[i] == '.' || s[i] == ')') && s[i + 1] == ' ')
		return i + 2;
	return 0;
}

static int find_statements(finder *f, const char *text, size_t len)
{
	size_t pos = 0;
	int fence = 0, reminder = 0, rc = 0;

	while (pos < len && rc == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len, s = pos;
		int indented =
		        text[pos] == '\t' || (end - pos >= 4 && !memcmp(text + pos, "    ", 4));
		pos = end + 1;
		while (s < end && is_space(text[s]))
			s++;
		if (end - s >= 3 && (!memcmp(text + s, "```", 3) || !memcmp(text + s, "~~~", 3))) {
			fence = !fence;
			continue;
		}
		if (mg_bi_starts_ci(text + s, end - s, "<system-reminder>"))
			reminder = 1;
		if (reminder) {
			reminder = !memmem(text + s, end - s, "</system-reminder>", 18);
			continue;
		}
		if (fence || indented || s == end || text[s] == '>')
			continue;
		s += bullet(text + s, end - s);
		rc = line_sentences(f, text + s, end - s);
	}
	return rc;
}

/* ---- collecting ------------------------------------------------------------------ */

typedef struct {
	mg_bi_prefs *p;
	size_t session;
	uint64_t i;
} said_ctx;

static int new_statement(mg_bi_prefs *p, size_t *idx, const char *norm, const char *text)
{
	statement *st;

	if (mg_array_grow((void **)&p->items, &p->cap, p->n + 1, sizeof(*p->items)) < 0)
		return MEMGIT_ENOMEM;
	st = &p->items[p->n];
	memset(st, 0, sizeof(*st));
	if (!(st->norm = strdup(norm)) || !(st->text = strdup(text))) {
		free(st->norm);
		return mg_error_oom();
	}
	*idx = p->n++;
	return mg_strmap_set(&p->index, norm, *idx);
}

static int on_said(const char *norm, const char *text, void *payload)
{
	said_ctx *c = payload;
	mg_bi_prefs *p = c->p;
	statement *st;
	size_t idx;
	int rc;

	if (!mg_strmap_get(&p->index, norm, &idx) && (rc = new_statement(p, &idx, norm, text)) < 0)
		return rc;
	st = &p->items[idx];
	if (st->nocc && st->occ[st->nocc - 1].session == c->session)
		return 0;
	if (mg_array_grow((void **)&st->occ, &st->cap, st->nocc + 1, sizeof(*st->occ)) < 0)
		return MEMGIT_ENOMEM;
	st->occ[st->nocc++] = (said){c->session, c->i};
	return 0;
}

int mg_bi_prefs_text(mg_bi_prefs *p, size_t session, const char *session_id, uint64_t i,
        const char *text, size_t len)
{
	said_ctx c = {p, session, i};
	finder f = {&p->norm, &p->text, on_said, &c};
	size_t s = 0;

	(void)session_id;
	while (s < len && (is_space(text[s]) || text[s] == '\n'))
		s++;
	/* harness markup (<command-name>, <local-command-stdout>...), not the user */
	if (s < len && text[s] == '<')
		return 0;
	return find_statements(&f, text, len);
}

/* ---- what the memory already says -------------------------------------------------- */

typedef struct {
	mg_strmap said; /* statement -> memory that holds it */
	size_t *prefs;  /* live preference memories */
	char **bodies;  /* their bodies, squashed */
	size_t nprefs;
	size_t current;
} known;

static int on_known(const char *norm, const char *text, void *payload)
{
	known *k = payload;
	(void)text;
	if (mg_strmap_get(&k->said, norm, NULL))
		return 0;
	return mg_strmap_set(&k->said, norm, k->current);
}

static int index_memory(known *k, const mg_bi *b, size_t i, finder *f, memgit_buf *tmp)
{
	const memgit_memory *mem = b->in->memories[i].mem;
	const char *kind = memgit_memory_get(mem, "kind"), *body;
	size_t len;
	int rc;

	body = memgit_memory_body(mem, &len);
	k->current = i;
	if ((rc = find_statements(f, body, len)) < 0 || !kind || strcmp(kind, "preference"))
		return rc;
	mg_buf_clear(tmp);
	if ((rc = mg_bi_squash(tmp, body, len)) < 0)
		return rc;
	if (!(k->bodies[k->nprefs] = strdup(mg_buf_cstr(tmp))))
		return mg_error_oom();
	k->prefs[k->nprefs++] = i;
	return 0;
}

static int known_build(known *k, const mg_bi *b, mg_bi_prefs *p)
{
	memgit_buf tmp = MEMGIT_BUF_INIT;
	finder f = {&p->norm, &p->text, on_known, k};
	int rc = 0;

	memset(k, 0, sizeof(*k));
	if (!(k->prefs = malloc((b->n ? b->n : 1) * sizeof(*k->prefs))) ||
	        !(k->bodies = malloc((b->n ? b->n : 1) * sizeof(*k->bodies))))
		return mg_error_oom();
	for (size_t i = 0; i < b->n && rc == 0; i++)
		if (b->mems[i].usable && b->mems[i].state != MG_BI_DELETED)
			rc = index_memory(k, b, i, &f, &tmp);
	memgit_buf_dispose(&tmp);
	return rc;
}

static void known_dispose(known *k)
{
	for (size_t i = 0; i < k->nprefs; i++)
		free(k->bodies[i]);
	free(k->bodies);
	free(k->prefs);
	mg_strmap_dispose(&k->said);
}

static size_t holder(const known *k, const statement *st)
{
	size_t idx;

	if (mg_strmap_get(&k->said, st->norm, &idx))
		return idx;
	for (size_t i = 0; i < k->nprefs; i++)
		if (strstr(k->bodies[i], st->norm))
			return k->prefs[i];
	return MG_BI_NONE;
}

/* ---- proposing ------------------------------------------------------------------------ */

static int evidence_of(mg_bi_strs *ev, const mg_bi *b, const statement *st)
{
	int rc = 0;

	for (size_t i = 0; i < st->nocc && rc == 0; i++)
		rc = mg_bi_strs_pushf(ev, "%s#%llu", b->in->sessions[st->occ[i].session],
		        (unsigned long long)st->occ[i].i);
	return rc;
}

static int restated(mg_bi *b, size_t idx, const statement *st, const mg_bi_strs *all)
{
	memgit_memory *mem = NULL;
	mg_bi_strs src = {0}, ev = {0};
	char why[160];
	int rc;

	if ((rc = mg_bi_update_begin(&mem, &idx, b, idx)) < 0 || idx == MG_BI_NONE)
		goto done;
	rc = mg_bi_uncited(b, mem, st->nocc ? &st->occ[0].session : NULL, sizeof(*st->occ), st->nocc,
		all, &src, &ev);
	if (rc < 0 || !ev.n)
		goto done;
	if ((rc = memgit_memory_set_list(mem, "sources", (const char *const *)src.items, src.n)) <
	                0 ||
	        (rc = mg_bi_touch(mem, b)) < 0)
		goto done;
	snprintf(why, sizeof(why), "the user restated this preference in %zu more session%s", ev.n,
	        ev.n == 1 ? "" : "s");
	rc = mg_bi_update_end(b, idx, mem, why, ev.items, ev.n);
	mem = NULL;
done:
	memgit_memory_free(mem);
	mg_bi_strs_dispose(&src);
	mg_bi_strs_dispose(&ev);
	return rc;
}

static int create_pref(mg_bi *b, const statement *st, mg_bi_strs *ev)
{
	memgit_buf path = MEMGIT_BUF_INIT, slug = MEMGIT_BUF_INIT, title = MEMGIT_BUF_INIT,
	           content = MEMGIT_BUF_INIT, body = MEMGIT_BUF_INIT;
	char *tags[] = {"preference"};
	int rc;

	if ((rc = mg_bi_slug(&slug, st->norm, strlen(st->norm), 50)) < 0 ||
	        (rc = mg_bi_new_path(&path, b, "preferences", slug.ptr)) < 0 ||
	        (rc = mg_bi_clip(&title, st->text, strlen(st->text), 80)) < 0 ||
	        (rc = mg_buf_printf(&body, "%s\n", st->text)) < 0)
		goto done;
	if ((rc = mg_bi_compose(&content, path.ptr, title.ptr, "preference", tags, 1, b->now,
	             ev->items, ev->n, NULL, 0, body.ptr, body.size)) < 0 ||
	        (rc = mg_bi_create(b, path.ptr, &content, ev,
	                 "the user stated this preference in %zu session%s", st->nocc,
	                 st->nocc == 1 ? "" : "s")) < 0)
		goto done;
done:
	memgit_buf_dispose(&path);
	memgit_buf_dispose(&slug);
	memgit_buf_dispose(&title);
	memgit_buf_dispose(&content);
	memgit_buf_dispose(&body);
	return rc;
}

int mg_bi_prefs_propose(mg_bi *b, mg_bi_prefs *p)
{
	known k;
	int rc;

	if (!p->n)
		return 0;
	if ((rc = known_build(&k, b, p)) < 0)
		goto done;
	for (size_t i = 0; i < p->n && rc == 0; i++) {
		const statement *st = &p->items[i];
		mg_bi_strs ev = {0};
		size_t idx = holder(&k, st);
		if ((rc = evidence_of(&ev, b, st)) == 0)
			rc = idx != MG_BI_NONE ? restated(b, idx, st, &ev)
			                       : create_pref(b, st, &ev);
		mg_bi_strs_dispose(&ev);
	}
done:
	known_dispose(&k);
	return rc;
}
