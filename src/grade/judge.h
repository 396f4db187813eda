/*
 * judge.h: `judge: llm` and `questions:` criteria scored by a model through
 * the providers layer (docs/grading.md section 3). mg_judge_cb is an
 * mg_grade_judge_cb: the grader calls it for each such criterion.
 *
 * A judge request is a fresh context that sees only the criterion (id and
 * description), the dream's changes (per changed memory: path, kind of
 * change, content before and after) and the memory after the dream; never
 * the dreamer's rationales, evidence or commit message. A questions
 * request sees only the memory after the dream and the questions. Each
 * forces one tool whose schema is a template (prompts/judge_schema.json,
 * prompts/questions_schema.json), and its answer is validated strictly: an
 * answer that breaks the schema fails the criterion ("judge answer
 * invalid: ..."), a request that fails is an error that stops the grading.
 */
#ifndef MG_GRADE_JUDGE_H
#define MG_GRADE_JUDGE_H

#include <stddef.h>

#include "dream/model.h"
#include "grade/outcome.h"
#include "memgit/buf.h"

#define MG_JUDGE_TOOL "grade_criterion"
#define MG_QUESTIONS_TOOL "answer_questions"
/* an explanation is cut to this many bytes (one line) */
#define MG_JUDGE_EXPLANATION_MAX 400
/* what a request shows of one side of one change, of all changes, and of
 * the memory after: a prompt stays well inside any model's context */
#define MG_JUDGE_FILE_MAX (16u * 1024u)
#define MG_JUDGE_DIFF_MAX (128u * 1024u)
#define MG_JUDGE_MEMORY_MAX (128u * 1024u)

/* Read the file at `path` of the memory branch into `out`; 0 or an error
 * (MEMGIT_ENOTFOUND when there is none). */
typedef int (*mg_judge_read_cb)(memgit_buf *out, const char *path, void *payload);

typedef struct mg_judge_questions mg_judge_questions;

/* A model judge; zeroed, then mg_judge_open. */
typedef struct {
	mg_model_ctx model;          /* provider, model, key, client */
	int open;
	char grader[256];            /* "memgit/<version>+<provider>:<model>" */
	mg_judge_questions *qs;      /* questions files, loaded by mg_judge_prepare */
	size_t nqs;
	memgit_buf context;          /* the changes and the memory, rendered once per input */
	memgit_buf memory;           /* the memory alone */
	mg_grade_input rendered;     /* what context and memory were rendered from */
	mg_llm_usage usage;          /* what the requests used */
	unsigned requests;
} mg_judge;

/*
 * Resolve the model of `provider` ("anthropic", "openai", or "replay" with
 * `replay`, a folder of recorded responses judge-<id>.json and
 * questions-<id>.json) like a model dream does (mg_model_ctx_init: options,
 * environment, memgit.yaml `model:`). MEMGIT_EINPUT for an unknown
 * provider, a replay without a folder, no model or no key.
 */
int mg_judge_open(mg_judge *j, const char *provider, const char *model, const char *replay,
	const mg_model_settings *settings);

/* The checks of mg_judge_open on `provider` and `replay` alone, for a
 * rubric that needs no model: 0 or MEMGIT_EINPUT. */
int mg_judge_check(const char *provider, const char *replay);

/*
 * Read and parse the questions file of every questions criterion of `r`,
 * before any request is made, so a missing or invalid file costs nothing.
 */
int mg_judge_prepare(mg_judge *j, const mg_rubric *r, mg_judge_read_cb read, void *payload);

/* Free what a judge holds (the key is wiped). NULL is a no-op. */
void mg_judge_dispose(mg_judge *j);

/* The mg_grade_judge_cb; `payload` is the mg_judge. */
int mg_judge_cb(mg_criterion_result *out, const mg_criterion *c, const mg_grade_input *in,
	void *payload);

/* ---- the pure parts, for tests ------------------------------------------------------ */

/*
 * Render what a judge sees of `in` into `out`: the changes (path, kind,
 * before and after, each side cut at MG_JUDGE_FILE_MAX, all of them at
 * MG_JUDGE_DIFF_MAX) then the memory after (cut at MG_JUDGE_MEMORY_MAX).
 * With `memory_only`, the memory alone (what a questions request sees).
 */
int mg_judge_render(memgit_buf *out, const mg_grade_input *in, int memory_only);

/*
 * Validate a grade_criterion input: exactly pass (boolean), score (a
 * number in [0, 1]) and explanation (a string with some text). Returns 0
 * with the verdict (the explanation made one line and cut at
 * MG_JUDGE_EXPLANATION_MAX, malloc'd), 1 when invalid with the reason
 * in `why`, or MEMGIT_ENOMEM.
 */
int mg_judge_parse_verdict(int *pass, double *score, char **explanation, const char *json,
	size_t len, memgit_buf *why);

/*
 * Validate an answer_questions input: exactly "answers", a list of
 * `want` strings. Returns 0 with `*answers` (`want` malloc'd strings, free
 * with mg_judge_answers_free), 1 when invalid (reason in `why`), or
 * MEMGIT_ENOMEM.
 */
int mg_judge_parse_answers(char ***answers, size_t want, const char *json, size_t len,
	memgit_buf *why);
void mg_judge_answers_free(char **answers, size_t n);

/* Score `answers` against `qs` into `out`: pass when all pass, the score
 * is the fraction passed, the explanation names the failed questions and
 * the expected strings their answers lack. */
int mg_judge_score_answers(mg_criterion_result *out, const mg_questions *qs,
	const char *const *answers);

#endif
