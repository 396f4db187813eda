/*
 * dream.h: dreams - consolidation runs that propose typed edits to the
 * memory on their own branch dream/<id>, never touching the memory branch.
 */
#ifndef MEMGIT_DREAM_H
#define MEMGIT_DREAM_H

#include <stdint.h>
#include "common.h"
#include "buf.h"
#include "store.h"

MEMGIT_BEGIN_DECL

typedef enum {
	MEMGIT_EDIT_CREATE = 0,
	MEMGIT_EDIT_UPDATE,
	MEMGIT_EDIT_DELETE,
	MEMGIT_EDIT_MERGE,   /* several memories into one */
	MEMGIT_EDIT_MOVE
} memgit_edit_kind;

/** "create", "update", "delete", "merge", "move". */
MEMGIT_EXTERN(const char *) memgit_edit_kind_name(memgit_edit_kind kind);

/** One typed edit of a dream. All borrowed from the dream. */
typedef struct {
	memgit_edit_kind kind;
	const char *path;            /* relative to memories/ */
	const char *to;              /* move target, else NULL */
	const char *const *merged;   /* merge: memories folded into `path` */
	size_t nmerged;
	const char *content;         /* the new file (create/update/merge), else NULL */
	size_t content_len;
	const char *rationale;
	const char *const *evidence; /* "<session>#<i>[-<j>]" or "memory:<path>" */
	size_t nevidence;
	const char *expect_blob;     /* precondition: blob at `path` in the base ("" create) */
	const char *refused;         /* NULL when applied, else why it was not */
} memgit_edit;

/** Progress of a model dream, for a display (called from worker threads,
 * one call at a time). */
typedef struct {
	const char *phase;          /* "map", "reduce", "repair" */
	unsigned chunks;            /* map requests in all */
	unsigned done;              /* map requests finished */
	unsigned running;           /* requests in flight */
	uint64_t tokens_in, tokens_out; /* reported by the provider so far */
	size_t streamed;            /* bytes of answers received so far */
} memgit_dream_progress;

typedef void (*memgit_dream_progress_cb)(const memgit_dream_progress *progress, void *payload);

typedef struct {
	unsigned int version;
	const char *dreamer;          /* NULL: memgit.yaml dream.dreamer, else "builtin";
	                               * "builtin", "anthropic", "openai", "replay" */
	const char *const *sessions;  /* these sessions; NULL: those not yet consumed */
	size_t nsessions;
	size_t max_sessions;          /* 0: 100 (oldest first) */
	const char *replay;           /* replay: a file of recorded edits, or a folder of
	                               * recorded provider responses */
	const char *instructions;     /* added to a model dreamer's prompt (<= 4096 bytes) */
	int dry_run;                  /* compute and validate; write nothing */
	const char *model;            /* model dreamers: the model (else MEMGIT_MODEL, memgit.yaml) */
	unsigned jobs;                /* parallel requests; 0: memgit.yaml, else 4 */
	uint64_t max_tokens;          /* token budget; 0: memgit.yaml, else none */
	memgit_dream_progress_cb progress; /* may be NULL */
	void *progress_payload;
	int no_grade;                 /* do not grade (and so make no revision pass) */
	const char *rubric;           /* grading: a path in the memory branch, else a file;
	                               * NULL: memgit.yaml dream.rubric, else rubrics/default.yaml */
	int merge;                    /* a satisfied dream merges: 1 yes, -1 no,
	                               * 0 as memgit.yaml dream.auto_merge says */
} memgit_dream_options;

#define MEMGIT_DREAM_OPTIONS_VERSION 1
#define MEMGIT_DREAM_OPTIONS_INIT \
	{ MEMGIT_DREAM_OPTIONS_VERSION, NULL, NULL, 0, 0, NULL, NULL, 0, NULL, 0, 0, NULL, NULL, 0, \
	  NULL, 0 }

/** Tokens a model dream used (all zero for the builtin dreamer). */
typedef struct {
	uint64_t input, output, cache_read, cache_write;
	unsigned requests;
} memgit_dream_usage;

typedef struct memgit_dream memgit_dream;

/**
 * Run a dream: pick the base (the memory branch tip) and the sessions, ask
 * the dreamer for edits, validate them, and commit the valid ones on
 * dream/<id> with the review as message and trailers, and the full edit
 * list with evidence as a JSON note (refs/notes/memgit). The memory branch
 * and the work tree are untouched. MEMGIT_ENOTHING (and still `*out`, with
 * the refused edits) when no edit is valid: no branch is made. With
 * dry_run nothing is written. `*out` is the caller's (memgit_dream_free).
 *
 * Unless no_grade, the committed dream is then graded against the rubric
 * (read before the dreamer runs: a rubric that cannot be read refuses the
 * dream, nothing written). A needs_revision outcome makes another pass: the
 * edits the failed criteria blame are dropped and the rest committed again
 * on dream/<id> (parent: the previous pass, trailer Dream-Iteration), then
 * graded, up to the rubric's max_iterations. `*out` is the last pass, with
 * its outcome; any verdict returns 0 (memgit_dream_verdict says which).
 */
MEMGIT_EXTERN(int) memgit_dream_run(memgit_dream **out, memgit_store *store,
	const memgit_dream_options *opts);

/** Load dream `id` (the dream/<id> branch and its note). */
MEMGIT_EXTERN(int) memgit_dream_load(memgit_dream **out, memgit_store *store, const char *id);

/** Free a dream. NULL is a no-op. */
MEMGIT_EXTERN(void) memgit_dream_free(memgit_dream *dream);

MEMGIT_EXTERN(const char *) memgit_dream_id(const memgit_dream *dream);
/** The dream commit ("" for a dry run or a dream with nothing to change). */
MEMGIT_EXTERN(const char *) memgit_dream_commit(const memgit_dream *dream);
MEMGIT_EXTERN(const char *) memgit_dream_base(const memgit_dream *dream);
MEMGIT_EXTERN(const char *) memgit_dream_dreamer(const memgit_dream *dream);
MEMGIT_EXTERN(int64_t) memgit_dream_time(const memgit_dream *dream);
/** "proposed", "merged" (the memory branch contains it), "reverted" (merged, then
 * undone by memgit revert), "rejected", "empty", "dry-run". */
MEMGIT_EXTERN(const char *) memgit_dream_status(const memgit_dream *dream);
MEMGIT_EXTERN(size_t) memgit_dream_session_count(const memgit_dream *dream);
MEMGIT_EXTERN(const char *) memgit_dream_session(const memgit_dream *dream, size_t i);
/**
 * The dream commit's message: the summary line, one line per applied edit
 * with its rationale and evidence, and the Dream-* trailers. For a dry run
 * the message the commit would have; "" when not known.
 */
MEMGIT_EXTERN(const char *) memgit_dream_message(const memgit_dream *dream);
/** Tokens used (zeros when not a model dream, or not known). */
MEMGIT_EXTERN(void) memgit_dream_usage_of(const memgit_dream *dream, memgit_dream_usage *out);
/** The prompt's SHA-256 (hex), "" when not a model dream. */
MEMGIT_EXTERN(const char *) memgit_dream_prompt_sha256(const memgit_dream *dream);
/** The latest grading verdict ("satisfied", "needs_revision",
 * "max_iterations_reached", "failed", "interrupted"), "" when never graded. */
MEMGIT_EXTERN(const char *) memgit_dream_verdict(const memgit_dream *dream);
/** The latest outcome's weighted score (0 when never graded). */
MEMGIT_EXTERN(double) memgit_dream_score(const memgit_dream *dream);
/** The latest outcome as JSON (docs/grading.md), or NULL when never graded. */
MEMGIT_EXTERN(const char *) memgit_dream_outcome(const memgit_dream *dream);
/** The pass the dream commit is, from 1 (its Dream-Iteration trailer; 1 without). */
MEMGIT_EXTERN(unsigned int) memgit_dream_iteration(const memgit_dream *dream);

/**
 * One outcome recorded on a dream, oldest first: memgit_dream_run grades
 * each pass it makes, and `memgit grade` adds one per grading. Borrowed
 * from the dream.
 */
typedef struct {
	unsigned int iteration;  /* the pass graded, from 1 */
	const char *verdict;
	double score;
	const char *failed;      /* ids of the failed criteria, ", "-separated; "" when none */
	size_t dropped;          /* edits pass iteration + 1 dropped for this outcome's failures */
	const char *outcome;     /* the outcome (JSON) */
	const char *stopped;     /* memgit_dream_run, last outcome only: why a needs_revision
	                          * outcome got no further pass, else NULL */
} memgit_dream_pass;

MEMGIT_EXTERN(size_t) memgit_dream_pass_count(const memgit_dream *dream);
MEMGIT_EXTERN(const memgit_dream_pass *) memgit_dream_pass_at(const memgit_dream *dream, size_t i);

/** What went wrong after a dream run recorded the dream (a revise request
 * that failed, a merge that conflicted), or NULL: the dream stands. */
MEMGIT_EXTERN(const char *) memgit_dream_warning(const memgit_dream *dream);
/** The latest decision recorded on the dream: "rejected", "merged", "reverted" or "". */
MEMGIT_EXTERN(const char *) memgit_dream_decision(const memgit_dream *dream);
/** Every edit the dreamer proposed, applied and refused, in order. */
MEMGIT_EXTERN(size_t) memgit_dream_edit_count(const memgit_dream *dream);
MEMGIT_EXTERN(const memgit_edit *) memgit_dream_edit(const memgit_dream *dream, size_t i);

typedef int (*memgit_dream_cb)(const memgit_dream *dream, void *payload);

/** Every dream on the store, oldest first. */
MEMGIT_EXTERN(int) memgit_dream_foreach(memgit_store *store, memgit_dream_cb cb, void *payload);

typedef enum {
	MEMGIT_REVIEW_TEXT = 0,
	MEMGIT_REVIEW_MARKDOWN, /* a pull-request body */
	MEMGIT_REVIEW_JSON
} memgit_review_format;

/**
 * The review of a dream into `out`: per memory what changes (created,
 * updated, merged, deleted, moved) with rationale, evidence excerpts from
 * the sessions, and a unified diff; refused edits with their reasons.
 */
MEMGIT_EXTERN(int) memgit_dream_review(memgit_buf *out, memgit_store *store,
	const memgit_dream *dream, memgit_review_format format);

/** Who produced the current version of a memory. All borrowed. */
typedef struct {
	const char *path;
	char commit[41];          /* the commit that last changed it on the memory branch */
	int64_t time;
	const char *author;
	const char *subject;
	const char *dream_id;     /* NULL when not written by a dream */
	const char *dreamer;
	const char *rationale;    /* the dream edit's rationale, or NULL */
	const char *const *sessions; /* sessions cited by the edit (or the memory's sources) */
	size_t nsessions;
	const char *const *agents;   /* the agents of those sessions, same order */
} memgit_blame_info;

typedef struct memgit_blame memgit_blame;

MEMGIT_EXTERN(int) memgit_blame_path(memgit_blame **out, memgit_store *store, const char *path);
MEMGIT_EXTERN(const memgit_blame_info *) memgit_blame_info_of(const memgit_blame *blame);
MEMGIT_EXTERN(void) memgit_blame_free(memgit_blame *blame);

MEMGIT_END_DECL
#endif
