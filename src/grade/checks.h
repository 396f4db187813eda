/*
 * checks.h: the grader's deterministic checks (docs/grading.md).
 *
 * Pure functions of data: the memory before and after a dream, the dream's
 * applied edits and its input sessions. No git, no model, no clock, so the
 * same dream always gets the same result and tests need no store.
 *
 * A memory is *changed* when it is in the result and the base has no file
 * at its path (created, merge result, move target) or one with other
 * bytes. Checks about what a dream wrote look at changed memories only, so
 * what was already in the base is never blamed on the dream. In *baseline*
 * grading (base NULL and no edits: how `main` is scored for no_regression)
 * every memory counts as changed, and the checks that compare a dream with
 * its base (pinned_preserved, max_deleted_fraction, evidence_cited) pass
 * with score 1.
 */
#ifndef MG_GRADE_CHECKS_H
#define MG_GRADE_CHECKS_H

#include <stddef.h>

#include "grade/rubric.h"
#include "memgit/dream.h"
#include "memgit/memory.h"
#include "memgit/store.h"
#include "util/secrets.h"

/* One memory file; the path is relative to memories/. */
typedef struct {
	const char *path;
	const char *content;
	size_t len;
} mg_grade_file;

/* What is graded; everything borrowed. */
typedef struct {
	const mg_grade_file *base;     /* the memory before the dream; NULL with no edits: baseline */
	size_t nbase;
	const mg_grade_file *result;   /* the memory after */
	size_t nresult;
	const memgit_edit *edits;      /* the dream's edits; those with `refused` set are ignored */
	size_t nedits;
	const char *const *sessions;   /* the dream's input session ids (evidence) */
	size_t nsessions;
	const mg_secret_allow *allow;  /* memgit.yaml secrets.allow; may be NULL */
	const memgit_limits *limits;   /* the store's limits for parsing; NULL: defaults */
} mg_grade_input;

/* Paths a result names at most, so that a note stays small. */
#define MG_GRADE_MAX_PATHS 50

/* The verdict on one criterion; every string owned by it. */
typedef struct {
	char *id;
	char *kind;                /* "check", "judge", "questions" */
	int pass;
	int skipped;               /* needs a model that is not configured; pass is 0 */
	double score;              /* [0, 1] */
	double weight;
	int required;
	char *explanation;         /* one line, or a few joined by "; ": names memories and numbers */
	char **paths;              /* memories responsible for a failure, at most MG_GRADE_MAX_PATHS */
	size_t npaths;
} mg_criterion_result;

/* Free what a result holds and zero it. NULL is a no-op. */
void mg_criterion_result_dispose(mg_criterion_result *r);

/* Set the explanation (printf-style), replacing any; 0 or MEMGIT_ENOMEM. */
int mg_criterion_result_explain(mg_criterion_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Add a responsible memory (duplicates and those past the cap are dropped). */
int mg_criterion_result_add_path(mg_criterion_result *r, const char *path);

/* What the checks share about one input: indexes, parsed memories, which
 * memories changed. Built once per grading. */
typedef struct mg_grade_view mg_grade_view;

int mg_grade_view_new(mg_grade_view **out, const mg_grade_input *in);
void mg_grade_view_free(mg_grade_view *v);

/*
 * Run the check of criterion `c` (kind MG_CRITERION_CHECK) into `out`
 * (zeroed by the caller): pass, score and explanation; id, kind, weight
 * and required are the caller's to fill. Failing a check is a result, not
 * an error: the return value is 0, or MEMGIT_ENOMEM and friends.
 */
int mg_check_run(mg_criterion_result *out, const mg_criterion *c, mg_grade_view *v);

/*
 * no_near_duplicates (dups.c) over the `n` result memories: mem[i] parsed or
 * NULL (not compared), changed[i]; `nchanged` of them changed.
 */
int mg_dups_check(mg_criterion_result *r, double threshold, const mg_grade_file *files,
	const memgit_memory *const *mem, const unsigned char *changed, size_t n, size_t nchanged);

/* ---- no_injected_instructions (inject.c) ---------------------------------- */

/* One hit: the rule and where it starts in the scanned text. */
typedef struct {
	const char *rule;   /* static: "override-instructions", "reveal-secrets", ... */
	size_t offset;      /* byte offset in the scanned text */
	unsigned line, column;
} mg_inject_match;

typedef struct mg_inject mg_inject;

/* Compile the rules; `allow` (may be NULL) are the criterion's patterns. */
int mg_inject_new(mg_inject **out, const regex_t *allow, size_t nallow);
void mg_inject_free(mg_inject *s);

/*
 * Every hit in `len` bytes of `text`, in order of rule then offset, at most
 * `max` into `hits`; returns the number of hits found (possibly more than
 * `max`) or a negative error.
 */
int mg_inject_scan(mg_inject *s, const char *text, size_t len, mg_inject_match *hits, size_t max);

#endif
