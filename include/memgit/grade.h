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
	const char *judge;     /* the model for judge and questions criteria: "anthropic",
	                        * "openai" or "replay"; NULL: none (they are skipped), or
	                        * "replay" when `replay` is set */
	const char *model;     /* the judge's model (else MEMGIT_MODEL, memgit.yaml model.name) */
	const char *replay;    /* replay: a folder of recorded responses (judge-<id>.json,
	                        * questions-<id>.json) */
} memgit_grade_options;

#define MEMGIT_GRADE_OPTIONS_VERSION 1
#define MEMGIT_GRADE_OPTIONS_INIT { MEMGIT_GRADE_OPTIONS_VERSION, NULL, 0, NULL, NULL, NULL }

/**
 * Grade dream `id`: run the rubric's criteria on the dream's edits and the
 * memory they produce, compare with the memory branch when the rubric asks
 * for no regression, and record the outcome in the dream's note. `*out`
 * (the caller's) is the dream reloaded, with memgit_dream_verdict() and
 * memgit_dream_outcome() set. Criteria that need a model are recorded as
 * skipped unless opts->judge (or opts->replay) names one; the model is
 * resolved like a model dreamer's (key and server from the environment or
 * memgit.yaml `model:`). MEMGIT_EINPUT/EYAML for a rubric or questions file
 * that cannot be read, no key or no model; MEMGIT_EREMOTE when a model
 * request failed, and then nothing is recorded.
 */
MEMGIT_EXTERN(int) memgit_dream_grade(memgit_dream **out, memgit_store *store, const char *id,
	const memgit_grade_options *opts);

/** The latest outcome of `dream` as text, one line per criterion. */
MEMGIT_EXTERN(int) memgit_dream_outcome_text(memgit_buf *out, const memgit_dream *dream);

typedef struct {
	unsigned int version;
	int force;             /* merge a dream whose outcome is not satisfied; recorded */
} memgit_merge_options;

#define MEMGIT_MERGE_OPTIONS_VERSION 1
#define MEMGIT_MERGE_OPTIONS_INIT { MEMGIT_MERGE_OPTIONS_VERSION, 0 }

/** What a merge or revert did. `conflicts` lists, one per line, the
 * memories whose change could not be re-applied (MEMGIT_ECONFLICT). */
typedef struct {
	char dream[32];        /* the dream's full id (an id may be given by a unique prefix) */
	char commit[41];       /* the new commit on the memory branch ("" when none) */
	char parent[41];       /* the memory branch before it */
	int reapplied;         /* the branch had moved since the dream's base */
	memgit_buf conflicts;
} memgit_merge_result;

#define MEMGIT_MERGE_RESULT_INIT { "", "", "", 0, MEMGIT_BUF_INIT }
MEMGIT_EXTERN(void) memgit_merge_result_dispose(memgit_merge_result *res);

/**
 * Merge dream `id` into the memory branch with a merge commit (parents: the
 * branch tip and the dream's commit; message `merge(dream): <id> <summary>`
 * with trailers Outcome, Outcome-Score, Rubric, Grader, Dream-Id, and
 * Forced-By with `force`). Only a satisfied dream merges unless `force`
 * (MEMGIT_ENOTHING otherwise). When the branch moved since the dream's
 * base, the dream's changes are re-applied on the tip; a memory the branch
 * changed too is a conflict: MEMGIT_ECONFLICT, listed in res->conflicts,
 * nothing written. The branch moves by compare-and-swap; the work tree
 * follows.
 */
MEMGIT_EXTERN(int) memgit_dream_merge(memgit_merge_result *res, memgit_store *store,
	const char *id, const memgit_merge_options *opts);

/** Record the rejection of dream `id` (with `why`, may be NULL) in its note.
 * A merged dream cannot be rejected (revert it). */
MEMGIT_EXTERN(int) memgit_dream_reject(memgit_store *store, const char *id, const char *why);

/**
 * Undo merged dream `id` with a new commit on the memory branch carrying
 * `Reverts-Dream: <id>`: every memory the merge changed goes back to what
 * it was before, unless it changed again since (a conflict, as for merge).
 * The dream's sessions are offered to the next dream again.
 */
MEMGIT_EXTERN(int) memgit_dream_revert(memgit_merge_result *res, memgit_store *store,
	const char *id);

MEMGIT_END_DECL
#endif
