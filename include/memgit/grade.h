/*
 * grade.h: outcomes - grading a dream against the store's rubric
 * (docs/grading.md), and the decisions that follow: merge, reject, revert.
 */
#ifndef MEMGIT_GRADE_H
#define MEMGIT_GRADE_H

#include "common.h"
#include "dream.h"
#include "store.h"

MEMGIT_BEGIN_DECL

typedef struct {
	unsigned int version;
	const char *rubric;    /* a path in the memory branch (e.g. rubrics/strict.yaml), else a
	                        * file; NULL: memgit.yaml dream.rubric, else rubrics/default.yaml */
	unsigned int iteration; /* the dream's pass being graded; 0: 1 */
} memgit_grade_options;

#define MEMGIT_GRADE_OPTIONS_VERSION 1
#define MEMGIT_GRADE_OPTIONS_INIT { MEMGIT_GRADE_OPTIONS_VERSION, NULL, 0 }

/**
 * Grade dream `id`: run the rubric's criteria on the dream's edits and the
 * memory they produce, compare with the memory branch when the rubric asks
 * for no regression, and record the outcome in the dream's note. `*out`
 * (the caller's) is the dream reloaded, with memgit_dream_verdict() and
 * memgit_dream_outcome() set. Criteria that need a model are recorded as
 * skipped. MEMGIT_EINPUT/EYAML for a rubric that cannot be read.
 */
MEMGIT_EXTERN(int) memgit_dream_grade(memgit_dream **out, memgit_store *store, const char *id,
	const memgit_grade_options *opts);

/** The latest outcome of `dream` as text, one line per criterion. */
MEMGIT_EXTERN(int) memgit_dream_outcome_text(memgit_buf *out, const memgit_dream *dream);

MEMGIT_END_DECL
#endif
