/*
 * review_internal.h: the review's data (review.c: excerpts, diffs,
 * wording) shared with its formatters (review_format.c: text, markdown,
 * JSON).
 */
#ifndef MG_REVIEW_INTERNAL_H
#define MG_REVIEW_INTERNAL_H

#include "dream_internal.h"
#include "util/jsonw.h"

#define MG_EXCERPTS_PER_RANGE 3 /* events quoted from one cited range */

/* One quoted session event. */
typedef struct {
	uint64_t i;
	char *role, *type, *tool, *text; /* text: one line, cut short */
} mg_excerpt;

typedef struct {
	memgit_store *s;
	const memgit_dream *d;
	git_tree *base;
	mg_strmap wanted; /* "<session>#<i>" -> index into ex */
	mg_excerpt *ex;
	size_t nex, cap;
	memgit_buf out;
	mg_jsonw w;
	memgit_review_format fmt;
} mg_review;

/* "<session>#<i>[-<j>]" into its parts; -1 for memory: and malformed refs. */
int mg_review_parse_ref(const char *ev, char session[256], uint64_t *i, uint64_t *j);

/* The excerpt of event `i` of `session`, or NULL when it could not be read. */
const mg_excerpt *mg_review_excerpt(const mg_review *r, const char *session, uint64_t i);

/* The unified diff an edit makes (a merge: the result and each memory removed). */
int mg_review_diff(mg_review *r, memgit_buf *out, const mg_edit *e);

/* "created", "updated", "deleted", "merged", "moved". */
const char *mg_review_change_word(memgit_edit_kind k);

/* What an edit names: "a.md", "a.md -> b.md", "x.md, y.md -> a.md". */
int mg_review_target(memgit_buf *out, const mg_edit *e);

/* The formats (review_format.c), into r->out. */
int mg_review_text(mg_review *r, int markdown);
int mg_review_json(mg_review *r);

#endif
