/*
 * rubric.h: the rubric a dream is graded against (DESIGN.md section 6,
 * docs/grading.md) and the questions file a `questions:` criterion names.
 *
 * Both are parsed strictly: an unknown key, a wrong type or a number out of
 * range is refused with MEMGIT_EYAML naming the file, line, column and field
 * ("invalid rubric 'rubrics/default.yaml': line 12, column 5:
 * criteria[3].limit: expected a number in [0, 1]"), because a rubric that
 * silently means something else than it says would let bad dreams merge.
 * Documents are parsed by the libyaml adapter under 100 KiB and depth 64.
 */
#ifndef MG_GRADE_RUBRIC_H
#define MG_GRADE_RUBRIC_H

#include <regex.h>
#include <stddef.h>

#define MG_RUBRIC_VERSION 1
#define MG_RUBRIC_MAX_ITERATIONS 100 /* a bound, so a typo cannot loop a dreamer for ever */
#define MG_RUBRIC_ID_MAX 64

typedef enum {
	MG_CRITERION_CHECK = 0, /* deterministic, offline (checks.h) */
	MG_CRITERION_JUDGE,     /* judge: llm, scored by a model */
	MG_CRITERION_QUESTIONS  /* questions: PATH, answered by a model */
} mg_criterion_kind;

/* The deterministic checks; names in mg_check_name(). */
typedef enum {
	MG_CHECK_VALID_FRONT_MATTER = 0,
	MG_CHECK_NO_SECRETS,
	MG_CHECK_PINNED_PRESERVED,
	MG_CHECK_MAX_DELETED_FRACTION,
	MG_CHECK_NO_INJECTED_INSTRUCTIONS,
	MG_CHECK_EVIDENCE_CITED,
	MG_CHECK_NO_NEAR_DUPLICATES,
	MG_CHECK_MAX_TOTAL_BYTES,
	MG_CHECK_MUST_RETAIN,
	MG_CHECK_COUNT
} mg_check_kind;

/* One criterion; every string owned by the rubric. */
typedef struct {
	char *id;                 /* [a-z0-9_-]{1,64}, unique in the rubric */
	mg_criterion_kind kind;
	mg_check_kind check;      /* MG_CRITERION_CHECK */
	char *questions;          /* MG_CRITERION_QUESTIONS: the questions file, as written */
	char *description;        /* what a judge scores (required for judge), else optional */
	int required;             /* must pass for a satisfied verdict */
	double weight;            /* >= 0; 1 unless given */
	double limit;             /* max_deleted_fraction, max_total_bytes (defaults filled in) */
	double threshold;         /* evidence_cited, no_near_duplicates (defaults filled in) */
	char **patterns;          /* must_retain: case-insensitive substrings */
	size_t npatterns;
	regex_t *allow;           /* no_injected_instructions: POSIX EREs of hits to accept */
	size_t nallow;
	unsigned line, column;    /* where the criterion starts, for messages */
} mg_criterion;

typedef struct {
	unsigned version;         /* 1 */
	double threshold;         /* weighted score a dream must reach; default 0.75 */
	unsigned max_iterations;  /* passes before max_iterations_reached; default 3 */
	int no_regression;        /* the dream must score at least the baseline; default false */
	mg_criterion *criteria;
	size_t ncriteria;
} mg_rubric;

#define MG_RUBRIC_INIT { 0, 0.75, 3, 0, NULL, 0 }

/* "valid_front_matter", ... for a check; "?" out of range. */
const char *mg_check_name(mg_check_kind check);

/* "check", "judge", "questions". */
const char *mg_criterion_kind_name(mg_criterion_kind kind);

/*
 * Parse the rubric `text` (`len` bytes; `path` names it in errors, e.g.
 * "rubrics/default.yaml") into `out` (caller-allocated, MG_RUBRIC_INIT or
 * disposed). Check parameters a rubric leaves out get their defaults here,
 * so `out` says exactly what will be applied. On error `out` is left empty.
 */
int mg_rubric_parse(mg_rubric *out, const char *text, size_t len, const char *path);

/* Free what a rubric holds and reset it to MG_RUBRIC_INIT. NULL is a no-op. */
void mg_rubric_dispose(mg_rubric *r);

/* ---- questions ------------------------------------------------------------ */

typedef struct {
	char *q;          /* the question */
	char **expect;    /* strings a passing answer contains, each (ASCII case-insensitively) */
	size_t nexpect;
	unsigned line;    /* where the question starts */
} mg_question;

typedef struct {
	mg_question *items;
	size_t n;
} mg_questions;

#define MG_QUESTIONS_INIT { NULL, 0 }

/*
 * Parse a questions file: a mapping with `questions:`, a non-empty list of
 * {q: TEXT, expect: [STRING, ...]} (and an optional `version: 1`). Errors
 * like the rubric's, with what "invalid questions".
 */
int mg_questions_parse(mg_questions *out, const char *text, size_t len, const char *path);

void mg_questions_dispose(mg_questions *qs);

/*
 * Score answers: answers[i] (NUL-terminated; NULL or i >= nanswers counts as
 * no answer) answers question i, and passes when it contains every expected
 * string, ASCII letters compared without case. pass[i] (qs->n entries,
 * caller-allocated; may be NULL) gets 1 or 0; the return value is the
 * fraction passed, 1 for no questions.
 */
double mg_questions_score(int *pass, const mg_questions *qs, const char *const *answers,
	size_t nanswers);

/*
 * Non-zero when `needle` occurs in `len` bytes of `hay`, ASCII letters
 * compared without case (must_retain, questions). An empty needle occurs.
 */
int mg_grade_contains_ci(const char *hay, size_t len, const char *needle);

#endif
