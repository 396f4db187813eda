/*
 * outcome.h: grading a dream against a rubric, and the outcome it gives
 * (DESIGN.md section 6, docs/grading.md).
 *
 * mg_grade_run scores every criterion (checks offline; judge and questions
 * criteria through a callback, skipped without one), weighs them and
 * decides. The outcome is kept as JSON in the dream's note and read back
 * with mg_outcome_from_json.
 */
#ifndef MG_GRADE_OUTCOME_H
#define MG_GRADE_OUTCOME_H

#include <stdint.h>

#include "grade/checks.h"
#include "grade/rubric.h"
#include "memgit/buf.h"
#include "util/jsonw.h"

/* Verdicts (Anthropic's outcome words). mg_grade_run gives the first two
 * and "failed"; the caller turns needs_revision into max_iterations_reached
 * on the last pass, and records interrupted. */
#define MG_VERDICT_SATISFIED "satisfied"
#define MG_VERDICT_NEEDS_REVISION "needs_revision"
#define MG_VERDICT_MAX_ITERATIONS "max_iterations_reached"
#define MG_VERDICT_FAILED "failed" /* no criterion could be applied */
#define MG_VERDICT_INTERRUPTED "interrupted"

/* Returned by a judge callback that cannot score a criterion (no model). */
#define MG_GRADE_SKIPPED 1

/*
 * Score a judge or questions criterion: fill out->pass, out->score (in
 * [0,1]), out->explanation (malloc'd; the outcome frees it) and optionally
 * paths (mg_criterion_result_add_path). id, kind, weight and required are
 * filled by the grader. Return 0, MG_GRADE_SKIPPED (the criterion is
 * recorded as skipped), or a negative error, which stops the grading.
 */
typedef int (*mg_grade_judge_cb)(mg_criterion_result *out, const mg_criterion *c,
	const mg_grade_input *in, void *payload);

typedef struct {
	unsigned version;
	const char *rubric_path;  /* recorded in the outcome, e.g. "rubrics/default.yaml" */
	const char *rubric_blob;  /* the rubric's blob id, recorded */
	const char *grader;       /* who grades; NULL: "memgit/<version>" */
	unsigned iteration;       /* the dream's pass, from 1 (0 counts as 1) */
	int has_baseline;         /* baseline_score is main's score (for no_regression) */
	double baseline_score;
	mg_grade_judge_cb judge;  /* NULL: judge and questions criteria are skipped */
	void *payload;
} mg_grade_options;

#define MG_GRADE_OPTIONS_VERSION 1
#define MG_GRADE_OPTIONS_INIT { MG_GRADE_OPTIONS_VERSION, NULL, NULL, NULL, 1, 0, 0.0, NULL, NULL }

typedef struct {
	char verdict[32];         /* one of MG_VERDICT_* */
	double score;             /* weighted over the criteria not skipped */
	double threshold;         /* the rubric's */
	unsigned max_iterations;  /* the rubric's */
	int no_regression;        /* the rubric's */
	int has_baseline;
	double baseline_score;
	int all_required_pass;    /* every required criterion not skipped passed */
	char *rubric_path;        /* "" when not given */
	char *rubric_blob;
	char *grader;
	unsigned iteration;
	mg_criterion_result *results; /* one per criterion, in rubric order */
	size_t nresults;
	/* what the judge's model requests used (has_usage: any were made) */
	int has_usage;
	unsigned usage_requests;
	int64_t usage_input, usage_output, usage_cache_read, usage_cache_write;
} mg_outcome;

#define MG_OUTCOME_INIT { "", 0, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0, NULL, 0 }

/*
 * Grade `in` against `r` into `out` (MG_OUTCOME_INIT or disposed; it is
 * reset first). `opts` may be NULL. To score `main` for no_regression, run
 * it in baseline mode first (base NULL, no edits, the memory as result) and
 * pass its score as opts->baseline_score. 0 whatever the verdict; a
 * negative code only when grading itself failed (out is then empty).
 */
int mg_grade_run(mg_outcome *out, const mg_rubric *r, const mg_grade_input *in,
	const mg_grade_options *opts);

/* Weigh the results and set score, all_required_pass and verdict again
 * (after a caller changed a result). */
void mg_outcome_decide(mg_outcome *o);

/* Free what an outcome holds and reset it to MG_OUTCOME_INIT. NULL is a no-op. */
void mg_outcome_dispose(mg_outcome *o);

/* Write the outcome as one JSON object (docs/grading.md). */
int mg_outcome_json(mg_jsonw *w, const mg_outcome *o);

/* Append the outcome for people: a summary line, then one line per criterion. */
int mg_outcome_text(memgit_buf *out, const mg_outcome *o);

/*
 * Read an outcome written by mg_outcome_json (from a note) into `out`
 * (MG_OUTCOME_INIT or disposed). `where` names the text in errors
 * (MEMGIT_EINPUT "invalid outcome '<where>': ...").
 */
int mg_outcome_from_json(mg_outcome *out, const char *text, size_t len, const char *where);

#endif
