/*
 * dream_internal.h: what the dream engine's files share (engine.c,
 * dream_inputs.c, dream_validate.c, dream_commit.c, dream_note.c,
 * dream_load.c, review.c, blame.c). Only the engine talks to libgit2
 * through the core's internal headers; dreamers never do.
 */
#ifndef MG_DREAM_INTERNAL_H
#define MG_DREAM_INTERNAL_H

#include <stdint.h>

#include "core/store_internal.h"
#include "dreamer.h"
#include "model.h"
#include "memgit/dream.h"
#include "memgit/grade.h"
#include "util/jsonw.h"
#include "util/strmap.h"

#define MG_NOTES_REF "refs/notes/memgit"
#define MG_DREAM_REF_PREFIX "refs/heads/dream/"
#define MG_DREAM_ID_LEN 23 /* YYYYMMDDTHHMMSSZ-xxxxxx */
#define MG_DREAM_MAX_SESSIONS_DEFAULT 100
#define MG_DREAM_INSTRUCTIONS_MAX 4096
#define MG_DREAM_NOTE_VERSION 1

/* Settings of memgit.yaml `dream:` the engine reads beyond mg_dream_config. */
typedef struct {
	mg_dream_config tun;   /* handed to the dreamer */
	char *dreamer;         /* dream.dreamer, or NULL */
	size_t max_sessions;   /* dream.max_sessions; default 100 */
	int auto_merge;        /* dream.auto_merge */
	char *rubric;          /* dream.rubric, or NULL */
	mg_model_settings model; /* memgit.yaml `model:` */
} mg_dream_settings;

/* One input session: what validation and the note need of it. */
typedef struct {
	char *id;
	char *agent;
	uint64_t events;
	int64_t started; /* -1 when unknown */
	int64_t ended;   /* -1 when unknown */
} mg_dream_session;

/* Everything a dream reads, owned here. */
typedef struct {
	git_commit *base;
	char base_hex[41];
	char sessions_commit[41];    /* "" when refs/memgit/sessions does not exist */
	mg_dream_settings settings;
	mg_dream_memory *mems;       /* sorted by path */
	size_t nmems;
	mg_strmap mem_index;         /* path -> index into mems */
	mg_dream_session *sessions;  /* oldest first */
	size_t nsessions;
	size_t nsessions_owned;      /* when a dream keeps fewer: all still to free */
	const char **session_ids;    /* views of sessions[i].id for mg_dream_input */
	int64_t now;
} mg_dream_inputs;

struct memgit_dream {
	char id[MG_DREAM_ID_LEN + 1];
	char commit[41];
	char base[41];
	char sessions_commit[41];
	char *dreamer;
	char *message;             /* the commit message (or the one a dry run would write) */
	char *instructions;
	const char *status;        /* static: proposed, merged, empty, dry-run */
	int64_t time;
	int64_t now;
	char **sessions;
	char **agents;             /* per session, from the note; NULL entries when unknown */
	size_t nsessions;
	mg_edit_list edits;        /* every proposed edit; `refused` set on the refused */
	char (*expect)[41];        /* per edit: the blob it expects ("" create) */
	memgit_edit *views;        /* the public form of `edits` */
	size_t applied, refused;
	/* model dreams (zeros otherwise) */
	char prompt_sha256[65];
	memgit_dream_usage usage;
	unsigned chunks, chunks_done;
	int reduced, repaired, budget_stopped;
	char *dropped;             /* edits dropped for their schema, one per line, or NULL */
	/* the record in the note: the latest outcome, the latest decision */
	char verdict[32];          /* "" when never graded */
	double score;
	unsigned iteration;        /* of the latest outcome */
	char *outcome;             /* the latest outcome (JSON), or NULL */
	char decision[16];         /* "rejected", "merged", "reverted", "" */
	char *decision_why;
	char *warning;             /* what went wrong after the dream was recorded, or NULL */
	/* passes: the commit's own, and every outcome recorded (compact JSON) */
	unsigned pass;             /* Dream-Iteration; 1 for the first commit */
	char **outcomes;
	size_t noutcomes;
	const char *stopped;       /* static: why memgit_dream_run made no further pass */
	memgit_dream_pass *passes; /* the public form of `outcomes` (mg_dream_views) */
	char (*pass_verdicts)[32]; /* what passes[i] points at */
	char **pass_failed;
	size_t npasses;
};

/* The reason a revision pass gives an edit it drops starts with this. */
#define MG_DREAM_DROPPED_PREFIX "revision "

/* ---- dream_inputs.c ------------------------------------------------------ */

void mg_dream_settings_dispose(mg_dream_settings *st);

/* memgit.yaml `dream:` of `tree` (NULL or no file: defaults). */
int mg_dream_settings_load(mg_dream_settings *st, memgit_store *s, git_tree *tree);

/*
 * Fill `in` for a dream on the memory branch tip: settings, sessions (those
 * named, else the oldest not yet consumed), memories, `now`.
 */
int mg_dream_inputs_load(mg_dream_inputs *in, memgit_store *s, const memgit_dream_options *opts);
void mg_dream_inputs_dispose(mg_dream_inputs *in);

/* ---- dream_validate.c ---------------------------------------------------- */

/*
 * Validate every edit of `d->edits` against the inputs, in order: a refused
 * edit gets its reason in `refused`, and its expected blob is recorded in
 * d->expect. Counts go to d->applied / d->refused.
 */
int mg_dream_validate(memgit_dream *d, memgit_store *s, const mg_dream_inputs *in);

/* Replace every secret in `*s` (owned) by [REDACTED:<rule>]; 1 when one was. */
int mg_dream_redact(char **s, memgit_store *store);

/* ---- dream_commit.c ------------------------------------------------------ */

/* The commit message of DESIGN.md section 5 for the applied edits. */
int mg_dream_message(memgit_buf *out, const memgit_dream *d);

/* Build the dream commit: its tree the base with the applied edits, its
 * parent `parent` (the base for the first pass, the previous pass after).
 * Objects written, nothing published. */
int mg_dream_build_commit(git_oid *out, memgit_store *s, memgit_dream *d, git_commit *base,
	git_commit *parent);

/*
 * Publish: a note on `commit` in refs/notes/memgit, then the branch
 * dream/<id>, both under one hold of the writer lock, branch last. The
 * branch must not exist (`prev` NULL), or must be at `prev` (a later pass:
 * compare-and-swap; MEMGIT_ECONFLICT when it moved). `stop_after_note`
 * (tests) returns once the note is published, as a dream killed at that
 * moment would.
 */
int mg_dream_publish(memgit_store *s, const memgit_dream *d, const git_oid *commit,
	const git_oid *prev, const char *note, int stop_after_note);

/* ---- dream_note.c -------------------------------------------------------- */

/* The JSON note: the inputs and every edit, applied and refused. */
int mg_dream_note_write(memgit_buf *out, const memgit_dream *d, const mg_dream_inputs *in);

/* Add `item` (JSON) to the list `key` at the top level of `note` (text
 * memgit wrote), making the list when it is not there. */
int mg_dream_note_push(memgit_buf *note, const char *key, const char *item, const char *where);

/* Add `item` to list `key` of the note on d's commit, under the writer
 * lock (the note is rewritten: notes keep their history in git). */
int mg_dream_record(memgit_store *s, const memgit_dream *d, const char *key, const char *item);

/* Fill d's edits, expect, counts (and the fields the trailers lack) from a note. */
int mg_dream_note_read(memgit_dream *d, const char *text, size_t len, const char *where);

/* ---- dream_passes.c ------------------------------------------------------ */

/* Whether edit `e` was dropped by a revision pass (not refused by validation). */
int mg_edit_dropped(const mg_edit *e);

/* Build d->passes from d->outcomes and the edits (called by mg_dream_views). */
int mg_dream_passes(memgit_dream *d);

/* Take over what `graded` (d graded and reloaded) says of its grading:
 * verdict, score, outcomes. */
void mg_dream_adopt_record(memgit_dream *d, memgit_dream *graded);

/* Write outcome `json` (compact, from a note) as the JSON value at `w`,
 * in the form memgit records outcomes (raw when it does not read back). */
void mg_dream_outcome_jsonw(mg_jsonw *w, const char *json);

/* ---- dream_revise.c ------------------------------------------------------ */

/*
 * Grade the committed dream `d`, and while the outcome is needs_revision,
 * make the next pass: drop the applied edits the failed criteria blame,
 * commit the rest on dream/<id> on top of the previous pass, grade again.
 * `d` ends as the last pass, with its outcome.
 */
int mg_dream_iterate(memgit_dream *d, memgit_store *s, const mg_dream_inputs *in,
	const memgit_dream_options *opts);

/* ---- grade.c (src/grade) ------------------------------------------------- */

/* Grade committed dream `d` (iteration in opts) and record the outcome in
 * its note; `*out` is the dream reloaded from its branch. */
int mg_dream_grade_loaded(memgit_dream **out, memgit_store *s, memgit_dream *d,
	const memgit_grade_options *opts);

/* 0 when rubric `path` (NULL: rubrics/default.yaml) loads and parses, as
 * grading will read it; else the error grading would give. */
int mg_grade_rubric_check(memgit_store *s, const char *path);

/* ---- engine.c / dream_load.c --------------------------------------------- */

/* memgit_dream_run; `stop_after_note` (tests) stops as a dream killed between
 * publishing its note and its branch would. */
int mg_dream_run_ex(memgit_dream **out, memgit_store *s, const memgit_dream_options *opts,
	int stop_after_note);

memgit_dream *mg_dream_alloc(void);

/* What a dreamer is handed (no validation callback): the inputs' views. */
void mg_dream_input_of(mg_dream_input *din, memgit_store *s, const mg_dream_inputs *in,
	const memgit_dream_options *opts);

/* Build d->views from d->edits (after every change to them). */
int mg_dream_views(memgit_dream *d);

/* Load the dream whose commit is `commit` (trailers + note). */
int mg_dream_from_commit(memgit_dream **out, memgit_store *s, git_commit *commit);

/* A dream id's shape: YYYYMMDDTHHMMSSZ-xxxxxx. */
int mg_dream_id_valid(const char *id);

/* The value of trailer `key` in `message` into `out` ("" when absent); 1 when found. */
int mg_dream_trailer(memgit_buf *out, const char *message, const char *key);

/* Split a space-separated list into owned strings. */
int mg_dream_split(char ***out, size_t *n, const char *list);
void mg_dream_strv_free(char **v, size_t n);

/* The content of `path` (relative to memories/) in `tree` into `out`; 0, 1 absent. */
int mg_dream_tree_read(memgit_buf *out, memgit_store *s, git_tree *tree, const char *path);

#endif
