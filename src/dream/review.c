/*
 * review.c: what a dream would change, for a person (text), a pull request
 * (markdown) or a program (JSON): per memory the change, its rationale, the
 * evidence with short excerpts of the session events it cites, and a
 * unified diff of the memory before and after; then the refused edits with
 * their reasons. Everything is read from the dream object and the base
 * tree, so a dry run is reviewed exactly like a committed dream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "review_internal.h"
#include "memgit/session.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/jsonw.h"

#define MG_EXCERPT_BYTES 160        /* one excerpt's text */
#define MG_DIFF_MAX (64u * 1024u)   /* one memory's diff */

/* ---- evidence excerpts ---------------------------------------------------------- */

/* "<session>#<i>[-<j>]" into its parts; 0, or -1 for memory: and malformed refs. */
int mg_review_parse_ref(const char *ev, char session[256], uint64_t *i, uint64_t *j)
{
	const char *hash = strrchr(ev, '#');
	char *end;

	if (!hash || hash == ev || (size_t)(hash - ev) >= 256 || hash[1] < '0' || hash[1] > '9')
		return -1;
	snprintf(session, 256, "%.*s", (int)(hash - ev), ev);
	*i = *j = strtoull(hash + 1, &end, 10);
	if (*end == '-')
		*j = strtoull(end + 1, &end, 10);
	return *end == '\0' && *i <= *j ? 0 : -1;
}

static int want(mg_review *r, const char *session, uint64_t i)
{
	char key[300];
	size_t unused;

	snprintf(key, sizeof(key), "%s#%llu", session, (unsigned long long)i);
	if (mg_strmap_get(&r->wanted, key, &unused))
		return 0;
	if (mg_array_grow((void **)&r->ex, &r->cap, r->nex + 1, sizeof(*r->ex)) < 0)
		return MEMGIT_ENOMEM;
	memset(&r->ex[r->nex], 0, sizeof(r->ex[r->nex]));
	r->ex[r->nex].i = i;
	return mg_strmap_set(&r->wanted, key, r->nex++);
}

/* The events applied edits cite (the first few of each range). */
static int collect_wanted(mg_review *r, mg_strmap *sessions)
{
	const mg_edit_list *l = &r->d->edits;
	char session[256];
	uint64_t i, j;
	int rc = 0;

	for (size_t k = 0; k < l->n && rc == 0; k++) {
		if (l->items[k].refused)
			continue;
		for (size_t e = 0; e < l->items[k].nevidence && rc == 0; e++) {
			if (mg_review_parse_ref(l->items[k].evidence[e], session, &i, &j) < 0)
				continue;
			for (uint64_t x = i; x <= j && x < i + MG_EXCERPTS_PER_RANGE && rc == 0; x++)
				rc = want(r, session, x);
			if (rc == 0)
				rc = mg_strmap_set(sessions, session, 1);
		}
	}
	return rc;
}

/* One line of at most MG_EXCERPT_BYTES, cut on a character boundary. */
static char *excerpt_text(const char *s, size_t len)
{
	size_t n = len > MG_EXCERPT_BYTES ? MG_EXCERPT_BYTES : len;
	char *t;

	while (n < len && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	if (!(t = malloc(n + 4)))
		return NULL;
	memcpy(t, s, n);
	for (size_t k = 0; k < n; k++)
		if ((unsigned char)t[k] < 0x20 || t[k] == 0x7f)
			t[k] = ' '; /* one line, and no terminal control codes from tool output */
	memcpy(t + n, n < len ? "..." : "", n < len ? 4 : 1);
	return t;
}

static int keep_event(mg_excerpt *x, const memgit_session_event *ev)
{
	x->role = strdup(ev->role);
	x->type = strdup(ev->type);
	x->tool = ev->tool ? strdup(ev->tool) : NULL;
	x->text = excerpt_text(ev->text, ev->text_len);
	return x->role && x->type && x->text && (!ev->tool || x->tool) ? 0 : mg_error_oom();
}

/* One pass over a session, keeping the wanted events; a session since
 * removed from the store simply has no excerpts. */
static int read_session(mg_review *r, const char *id)
{
	memgit_session_reader *rd = NULL;
	const memgit_session_event *ev;
	char key[300];
	size_t at;
	int rc;

	if (memgit_session_open(&rd, r->s, id) < 0) {
		memgit_error_clear();
		return 0;
	}
	while ((rc = memgit_session_next(&ev, rd)) == 0 && ev) {
		snprintf(key, sizeof(key), "%s#%llu", id, (unsigned long long)ev->i);
		if (mg_strmap_get(&r->wanted, key, &at) && !r->ex[at].text && (rc = keep_event(&r->ex[at], ev)) < 0)
			break;
	}
	memgit_session_reader_free(rd);
	if (rc < 0 && rc != MEMGIT_ENOMEM) {
		memgit_error_clear(); /* a damaged session costs its excerpts, not the review */
		rc = 0;
	}
	return rc;
}

static int load_excerpts(mg_review *r)
{
	mg_strmap sessions = MG_STRMAP_INIT;
	int rc = collect_wanted(r, &sessions);

	for (size_t i = 0; i < sessions.cap && rc == 0; i++)
		if (sessions.keys && sessions.keys[i])
			rc = read_session(r, sessions.keys[i]);
	mg_strmap_dispose(&sessions);
	return rc;
}

const mg_excerpt *mg_review_excerpt(const mg_review *r, const char *session, uint64_t i)
{
	char key[300];
	size_t at;

	snprintf(key, sizeof(key), "%s#%llu", session, (unsigned long long)i);
	return mg_strmap_get(&r->wanted, key, &at) && r->ex[at].text ? &r->ex[at] : NULL;
}

/* ---- diffs ------------------------------------------------------------------------- */

/* Unified diff of `path` in the base against `data` (NULL: removed), at `to`. */
static int diff_one(mg_review *r, memgit_buf *out, const char *path, const char *to,
	const char *data, size_t len)
{
	memgit_buf old = MEMGIT_BUF_INIT, a = MEMGIT_BUF_INIT, b = MEMGIT_BUF_INIT;
	git_patch *p = NULL;
	git_buf text = GIT_BUF_INIT;
	int rc, had;

	if ((had = mg_dream_tree_read(&old, r->s, r->base, path)) < 0)
		return had;
	if ((rc = mg_buf_printf(&a, MG_MEMORIES_DIR "/%s", path)) < 0 ||
	    (rc = mg_buf_printf(&b, MG_MEMORIES_DIR "/%s", to ? to : path)) < 0)
		goto done;
	if ((rc = git_patch_from_buffers(&p, had == 0 ? old.ptr : NULL, had == 0 ? old.size : 0, a.ptr,
		     data, data ? len : 0, b.ptr, NULL)) < 0 ||
	    (rc = git_patch_to_buf(&text, p)) < 0) {
		rc = mg_git_error(rc, "cannot diff memory", path);
		goto done;
	}
	if (text.size > MG_DIFF_MAX)
		rc = mg_buf_printf(out, "%.*s[diff cut at %u bytes]\n", (int)MG_DIFF_MAX, text.ptr,
			MG_DIFF_MAX);
	else
		rc = mg_buf_put(out, text.ptr, text.size);
done:
	git_buf_dispose(&text);
	git_patch_free(p);
	memgit_buf_dispose(&old);
	memgit_buf_dispose(&a);
	memgit_buf_dispose(&b);
	return rc;
}

int mg_review_diff(mg_review *r, memgit_buf *out, const mg_edit *e)
{
	memgit_buf moved = MEMGIT_BUF_INIT;
	int rc = 0;

	mg_buf_clear(out);
	switch (e->kind) {
	case MEMGIT_EDIT_DELETE:
		return diff_one(r, out, e->path, NULL, NULL, 0);
	case MEMGIT_EDIT_MOVE:
		if ((rc = mg_dream_tree_read(&moved, r->s, r->base, e->path)) == 0)
			rc = diff_one(r, out, e->path, e->to, moved.ptr, moved.size);
		memgit_buf_dispose(&moved);
		return rc < 0 ? rc : 0;
	default:
		rc = diff_one(r, out, e->path, NULL, e->content ? e->content : "",
			e->content ? e->content_len : 0);
		for (size_t i = 0; e->kind == MEMGIT_EDIT_MERGE && i < e->nmerged && rc == 0; i++)
			if (strcmp(e->merged[i], e->path) != 0)
				rc = diff_one(r, out, e->merged[i], NULL, NULL, 0);
		return rc;
	}
}

/* ---- shared wording ------------------------------------------------------------------ */

const char *mg_review_change_word(memgit_edit_kind k)
{
	static const char *const words[] = { "created", "updated", "deleted", "merged", "moved" };
	return (unsigned)k <= MEMGIT_EDIT_MOVE ? words[k] : "changed";
}

/* "a.md", "a.md -> b.md", "x.md, y.md -> a.md" */
int mg_review_target(memgit_buf *out, const mg_edit *e)
{
	int rc = 0;

	mg_buf_clear(out);
	if (e->kind == MEMGIT_EDIT_MERGE) {
		for (size_t i = 0; i < e->nmerged && rc == 0; i++)
			rc = mg_buf_printf(out, "%s%s", i ? ", " : "", e->merged[i]);
		return rc ? rc : mg_buf_printf(out, " -> %s", e->path);
	}
	if (e->kind == MEMGIT_EDIT_MOVE)
		return mg_buf_printf(out, "%s -> %s", e->path, e->to);
	return mg_buf_puts(out, e->path);
}

/* ---- driver ------------------------------------------------------------------------------ */

static int review_init(mg_review *r, memgit_store *s, const memgit_dream *d,
	memgit_review_format fmt)
{
	git_commit *c = NULL;
	git_oid id;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	r->s = s;
	r->d = d;
	r->fmt = fmt;
	if (git_oid_fromstr(&id, d->base) == 0 && git_commit_lookup(&c, s->repo, &id) == 0 &&
	    (rc = git_commit_tree(&r->base, c)) < 0)
		rc = mg_git_error(rc, "cannot read tree", d->base);
	git_commit_free(c);
	return rc;
}

static void review_dispose(mg_review *r)
{
	for (size_t i = 0; i < r->nex; i++) {
		free(r->ex[i].role);
		free(r->ex[i].type);
		free(r->ex[i].tool);
		free(r->ex[i].text);
	}
	free(r->ex);
	mg_strmap_dispose(&r->wanted);
	git_tree_free(r->base);
	memgit_buf_dispose(&r->out);
}

int memgit_dream_review(memgit_buf *out, memgit_store *s, const memgit_dream *d,
	memgit_review_format fmt)
{
	mg_review r;
	int rc;

	if ((unsigned)fmt > MEMGIT_REVIEW_JSON)
		return mg_error_set(MEMGIT_EINPUT, "cannot review dream", d->id, "unknown format %d",
			(int)fmt);
	if ((rc = review_init(&r, s, d, fmt)) < 0 || (rc = load_excerpts(&r)) < 0)
		goto done;
	if (fmt == MEMGIT_REVIEW_JSON)
		rc = mg_review_json(&r);
	else
		rc = mg_review_text(&r, fmt == MEMGIT_REVIEW_MARKDOWN);
	if (rc == 0)
		rc = mg_buf_set(out, r.out.ptr ? r.out.ptr : "", r.out.size);
done:
	review_dispose(&r);
	return rc;
}
