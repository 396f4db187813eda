/*
 * outcome.c: grading a dream and its outcome (outcome.h, docs/grading.md).
 *
 * The decision: a skipped criterion (a judge without a model) is left out
 * of both the weighted score and the required test, so grading offline
 * rests on the checks alone and says so; when every criterion is skipped
 * the rubric cannot be applied and the verdict is "failed", never a
 * satisfied outcome nobody scored. Scores are compared with a tolerance of
 * 1e-9 so that sums of the same weights in another order decide alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grade/outcome.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/error.h"

#define EPS 1e-9

static const char *const verdicts[] = {
	MG_VERDICT_SATISFIED, MG_VERDICT_NEEDS_REVISION, MG_VERDICT_MAX_ITERATIONS,
	MG_VERDICT_FAILED, MG_VERDICT_INTERRUPTED,
};

static void set_verdict(mg_outcome *o, const char *v)
{
	snprintf(o->verdict, sizeof(o->verdict), "%s", v);
}

void mg_outcome_dispose(mg_outcome *o)
{
	mg_outcome empty = MG_OUTCOME_INIT;

	if (!o)
		return;
	for (size_t i = 0; i < o->nresults; i++)
		mg_criterion_result_dispose(&o->results[i]);
	free(o->results);
	free(o->rubric_path);
	free(o->rubric_blob);
	free(o->grader);
	*o = empty;
}

void mg_outcome_decide(mg_outcome *o)
{
	double sum = 0, weights = 0;
	size_t counted = 0;

	o->all_required_pass = 1;
	for (size_t i = 0; i < o->nresults; i++) {
		const mg_criterion_result *r = &o->results[i];
		if (r->skipped)
			continue;
		counted++;
		weights += r->weight;
		sum += r->weight * r->score;
		if (r->required && !r->pass)
			o->all_required_pass = 0;
	}
	/* only weight-0 criteria: the required ones decide alone */
	o->score = weights > 0 ? sum / weights : counted ? 1.0 : 0.0;
	if (!counted)
		set_verdict(o, MG_VERDICT_FAILED);
	else if (o->all_required_pass && o->score + EPS >= o->threshold &&
		!(o->no_regression && o->has_baseline && o->score + EPS < o->baseline_score))
		set_verdict(o, MG_VERDICT_SATISFIED);
	else
		set_verdict(o, MG_VERDICT_NEEDS_REVISION);
}

/* ---- running ------------------------------------------------------------------ */

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static int start(mg_outcome *o, const mg_rubric *r, const mg_grade_options *opts)
{
	char grader[64];

	snprintf(grader, sizeof(grader), "memgit/%s", MEMGIT_VERSION);
	o->threshold = r->threshold;
	o->max_iterations = r->max_iterations;
	o->no_regression = r->no_regression;
	o->has_baseline = opts->has_baseline;
	o->baseline_score = opts->baseline_score;
	o->iteration = opts->iteration ? opts->iteration : 1;
	if (!(o->rubric_path = dup_or_empty(opts->rubric_path)) ||
		!(o->rubric_blob = dup_or_empty(opts->rubric_blob)) ||
		!(o->grader = strdup(opts->grader ? opts->grader : grader)) ||
		!(o->results = calloc(r->ncriteria ? r->ncriteria : 1, sizeof(*o->results))))
		return mg_error_oom();
	o->nresults = r->ncriteria;
	return 0;
}

static int judged(mg_criterion_result *res, const mg_criterion *c, const mg_grade_input *in,
	const mg_grade_options *opts)
{
	int rc = opts->judge ? opts->judge(res, c, in, opts->payload) : MG_GRADE_SKIPPED;

	if (rc != MG_GRADE_SKIPPED)
		return rc;
	res->skipped = 1;
	res->pass = 0;
	res->score = 0;
	if (!res->explanation)
		return mg_criterion_result_explain(res, "%s", opts->judge ? "skipped" :
			"no model configured; skipped");
	return 0;
}

static int run_one(mg_criterion_result *res, const mg_criterion *c, mg_grade_view *v,
	const mg_grade_input *in, const mg_grade_options *opts)
{
	int rc;

	if (!(res->id = strdup(c->id)) || !(res->kind = strdup(mg_criterion_kind_name(c->kind))))
		return mg_error_oom();
	res->weight = c->weight;
	res->required = c->required;
	rc = c->kind == MG_CRITERION_CHECK ? mg_check_run(res, c, v) : judged(res, c, in, opts);
	/* a callback's score is kept in range, and NaN (x != x) counts as 0 */
	if (res->score != res->score || res->score < 0)
		res->score = 0;
	if (res->score > 1)
		res->score = 1;
	return rc;
}

int mg_grade_run(mg_outcome *out, const mg_rubric *r, const mg_grade_input *in,
	const mg_grade_options *opts)
{
	mg_grade_options dflt = MG_GRADE_OPTIONS_INIT;
	mg_grade_view *v = NULL;
	int rc;

	mg_outcome_dispose(out);
	opts = opts ? opts : &dflt;
	if ((rc = start(out, r, opts)) == 0 && (rc = mg_grade_view_new(&v, in)) == 0)
		for (size_t i = 0; i < r->ncriteria && rc == 0; i++)
			rc = run_one(&out->results[i], &r->criteria[i], v, in, opts);
	mg_grade_view_free(v);
	if (rc < 0) {
		mg_outcome_dispose(out);
		return rc;
	}
	mg_outcome_decide(out);
	return 0;
}

/* ---- JSON ----------------------------------------------------------------------- */

static void key_str(mg_jsonw *w, const char *key, const char *v)
{
	mg_jsonw_key(w, key);
	mg_jsonw_string(w, v ? v : "");
}

static void key_bool(mg_jsonw *w, const char *key, int v)
{
	mg_jsonw_key(w, key);
	mg_jsonw_bool(w, v);
}

static void key_num(mg_jsonw *w, const char *key, double v)
{
	mg_jsonw_key(w, key);
	mg_jsonw_double(w, v);
}

static void criterion_json(mg_jsonw *w, const mg_criterion_result *c)
{
	mg_jsonw_object_open(w);
	key_str(w, "id", c->id);
	key_str(w, "kind", c->kind);
	key_bool(w, "pass", c->pass);
	key_bool(w, "skipped", c->skipped);
	key_num(w, "score", c->score);
	key_num(w, "weight", c->weight);
	key_bool(w, "required", c->required);
	key_str(w, "explanation", c->explanation);
	mg_jsonw_key(w, "paths");
	mg_jsonw_array_open(w);
	for (size_t i = 0; i < c->npaths; i++)
		mg_jsonw_string(w, c->paths[i]);
	mg_jsonw_array_close(w);
	mg_jsonw_object_close(w);
}

int mg_outcome_json(mg_jsonw *w, const mg_outcome *o)
{
	mg_jsonw_object_open(w);
	key_str(w, "verdict", o->verdict);
	key_num(w, "score", o->score);
	key_num(w, "threshold", o->threshold);
	mg_jsonw_key(w, "baseline_score");
	if (o->has_baseline)
		mg_jsonw_double(w, o->baseline_score);
	else
		mg_jsonw_null(w);
	key_bool(w, "no_regression", o->no_regression);
	key_bool(w, "all_required_pass", o->all_required_pass);
	mg_jsonw_key(w, "rubric");
	mg_jsonw_object_open(w);
	key_str(w, "path", o->rubric_path);
	key_str(w, "blob", o->rubric_blob);
	mg_jsonw_object_close(w);
	key_str(w, "grader", o->grader);
	mg_jsonw_key(w, "iteration");
	mg_jsonw_int(w, o->iteration);
	mg_jsonw_key(w, "max_iterations");
	mg_jsonw_int(w, o->max_iterations);
	mg_jsonw_key(w, "criteria");
	mg_jsonw_array_open(w);
	for (size_t i = 0; i < o->nresults; i++)
		criterion_json(w, &o->results[i]);
	mg_jsonw_array_close(w);
	if (o->has_usage) {
		mg_jsonw_key(w, "usage");
		mg_jsonw_object_open(w);
		mg_jsonw_key(w, "requests");
		mg_jsonw_int(w, o->usage_requests);
		mg_jsonw_key(w, "input");
		mg_jsonw_int(w, o->usage_input);
		mg_jsonw_key(w, "output");
		mg_jsonw_int(w, o->usage_output);
		mg_jsonw_key(w, "cache_read");
		mg_jsonw_int(w, o->usage_cache_read);
		mg_jsonw_key(w, "cache_write");
		mg_jsonw_int(w, o->usage_cache_write);
		mg_jsonw_object_close(w);
	}
	mg_jsonw_object_close(w);
	return w->rc;
}

/* ---- text ------------------------------------------------------------------------ */

static int label_width(const mg_outcome *o)
{
	size_t w = 0;

	for (size_t i = 0; i < o->nresults; i++) {
		size_t n = strlen(o->results[i].id) + (o->results[i].required ? 11 : 0);
		w = n > w ? n : w;
	}
	return w > 40 ? 40 : (int)w;
}

/* The explanation on one line: a judge's may hold line breaks. */
static int one_line(memgit_buf *out, const char *s)
{
	int rc = 0;

	for (; s && *s && rc == 0; s++)
		rc = mg_buf_putc(out, *s == '\n' || *s == '\r' || *s == '\t' ? ' ' : *s);
	return rc;
}

static int criterion_text(memgit_buf *out, const mg_criterion_result *c, int width)
{
	char label[128], score[32];
	int rc;

	snprintf(label, sizeof(label), "%s%s", c->id, c->required ? " (required)" : "");
	if (c->skipped)
		snprintf(score, sizeof(score), "   -");
	else
		mg_format_decimal(score, sizeof(score), c->score, 2, 0);
	rc = mg_buf_printf(out, "  %s %-*s  %4s  ", c->skipped ? "skip" : c->pass ? "pass" : "FAIL",
		width, label, score);
	if (rc == 0)
		rc = one_line(out, c->explanation);
	return rc == 0 ? mg_buf_putc(out, '\n') : rc;
}

int mg_outcome_text(memgit_buf *out, const mg_outcome *o)
{
	char score[32], threshold[32], baseline[48] = "";
	int rc, width = label_width(o);

	mg_format_decimal(score, sizeof(score), o->score, 2, 0);
	mg_format_decimal(threshold, sizeof(threshold), o->threshold, 2, 0);
	if (o->has_baseline) {
		memcpy(baseline, ", baseline ", 12);
		mg_format_decimal(baseline + 11, sizeof(baseline) - 11, o->baseline_score, 2, 0);
	}
	rc = mg_buf_printf(out, "%s: score %s (threshold %s%s), rubric %s%s%.12s, grader %s, "
		"iteration %u of %u\n", o->verdict, score, threshold, baseline,
		o->rubric_path && *o->rubric_path ? o->rubric_path : "(unnamed)",
		o->rubric_blob && *o->rubric_blob ? "@" : "", o->rubric_blob ? o->rubric_blob : "",
		o->grader ? o->grader : "", o->iteration, o->max_iterations);
	for (size_t i = 0; i < o->nresults && rc == 0; i++)
		rc = criterion_text(out, &o->results[i], width);
	if (rc == 0 && o->has_usage)
		rc = mg_buf_printf(out, "  judge: %u request%s, %lld input + %lld output tokens "
			"(cache: %lld read, %lld written)\n", o->usage_requests, o->usage_requests == 1 ? "" : "s",
			(long long)o->usage_input, (long long)o->usage_output, (long long)o->usage_cache_read,
			(long long)o->usage_cache_write);
	return rc;
}

/* ---- reading back ------------------------------------------------------------------ */

static int bad_outcome(const char *where, const char *why)
{
	return mg_error_set(MEMGIT_EINPUT, "invalid outcome", where, "%s", why);
}

static int read_paths(mg_criterion_result *c, const mg_json *list)
{
	int rc = 0;

	for (const mg_json *p = mg_json_first(list); p && rc == 0; p = mg_json_next(p))
		if (mg_json_string(p))
			rc = mg_criterion_result_add_path(c, mg_json_string(p));
	return rc;
}

static int read_criterion(mg_criterion_result *c, const mg_json *x, const char *where)
{
	const char *id = mg_json_get_string(x, "id"), *kind = mg_json_get_string(x, "kind");
	const char *why = mg_json_get_string(x, "explanation");

	if (!id || !kind || (strcmp(kind, "check") && strcmp(kind, "judge") && strcmp(kind, "questions")))
		return bad_outcome(where, "a criterion needs an id and a kind (check, judge, questions)");
	if (!(c->id = strdup(id)) || !(c->kind = strdup(kind)) ||
		!(c->explanation = strdup(why ? why : "")))
		return mg_error_oom();
	c->pass = mg_json_bool(mg_json_get(x, "pass")) == 1;
	c->skipped = mg_json_bool(mg_json_get(x, "skipped")) == 1;
	c->required = mg_json_bool(mg_json_get(x, "required")) == 1;
	c->score = mg_json_number(mg_json_get(x, "score"), 0);
	c->weight = mg_json_number(mg_json_get(x, "weight"), 1);
	return read_paths(c, mg_json_get(x, "paths"));
}

/* A whole number from a note, kept in range (casting a negative double is undefined). */
static unsigned count_of(const mg_json *n, unsigned dflt)
{
	double v = mg_json_number(n, dflt);
	return v >= 0 && v <= 1e6 ? (unsigned)v : dflt;
}

static int read_header(mg_outcome *o, const mg_json *root, const char *where)
{
	const char *verdict = mg_json_get_string(root, "verdict");
	const mg_json *rubric = mg_json_get(root, "rubric"), *base = mg_json_get(root, "baseline_score");
	size_t k = 0;

	while (verdict && k < sizeof(verdicts) / sizeof(*verdicts) && strcmp(verdict, verdicts[k]))
		k++;
	if (!verdict || k == sizeof(verdicts) / sizeof(*verdicts))
		return bad_outcome(where, "no verdict, or not one memgit knows");
	if (mg_json_type_of(mg_json_get(root, "score")) != MG_JSON_NUMBER)
		return bad_outcome(where, "no score");
	set_verdict(o, verdict);
	o->score = mg_json_number(mg_json_get(root, "score"), 0);
	o->threshold = mg_json_number(mg_json_get(root, "threshold"), 0);
	o->has_baseline = mg_json_type_of(base) == MG_JSON_NUMBER;
	o->baseline_score = mg_json_number(base, 0);
	o->no_regression = mg_json_bool(mg_json_get(root, "no_regression")) == 1;
	o->all_required_pass = mg_json_bool(mg_json_get(root, "all_required_pass")) == 1;
	o->iteration = count_of(mg_json_get(root, "iteration"), 1);
	o->max_iterations = count_of(mg_json_get(root, "max_iterations"), 0);
	if (mg_json_type_of(mg_json_get(root, "usage")) == MG_JSON_OBJECT) {
		const mg_json *u = mg_json_get(root, "usage");
		o->has_usage = 1;
		o->usage_requests = count_of(mg_json_get(u, "requests"), 0);
		o->usage_input = (int64_t)mg_json_number(mg_json_get(u, "input"), 0);
		o->usage_output = (int64_t)mg_json_number(mg_json_get(u, "output"), 0);
		o->usage_cache_read = (int64_t)mg_json_number(mg_json_get(u, "cache_read"), 0);
		o->usage_cache_write = (int64_t)mg_json_number(mg_json_get(u, "cache_write"), 0);
	}
	if (!(o->rubric_path = dup_or_empty(mg_json_get_string(rubric, "path"))) ||
		!(o->rubric_blob = dup_or_empty(mg_json_get_string(rubric, "blob"))) ||
		!(o->grader = dup_or_empty(mg_json_get_string(root, "grader"))))
		return mg_error_oom();
	return 0;
}

int mg_outcome_from_json(mg_outcome *out, const char *text, size_t len, const char *where)
{
	mg_json_parse_opts po = { 0, 0, where, 0, 0 };
	const mg_json *list;
	mg_json *root = NULL;
	size_t n, i = 0;
	int rc;

	mg_outcome_dispose(out);
	where = where ? where : "outcome";
	if ((rc = mg_json_parse(&root, text, len, &po)) < 0)
		return rc;
	list = mg_json_get(root, "criteria");
	if (mg_json_type_of(root) != MG_JSON_OBJECT || mg_json_type_of(list) != MG_JSON_ARRAY) {
		rc = bad_outcome(where, "expected an object with criteria");
		goto done;
	}
	if ((rc = read_header(out, root, where)) < 0)
		goto done;
	n = mg_json_count(list);
	if (!(out->results = calloc(n ? n : 1, sizeof(*out->results)))) {
		rc = mg_error_oom();
		goto done;
	}
	for (const mg_json *x = mg_json_first(list); x && rc == 0; x = mg_json_next(x)) {
		out->nresults = ++i;
		rc = read_criterion(&out->results[i - 1], x, where);
	}
done:
	mg_json_free(root);
	if (rc < 0)
		mg_outcome_dispose(out);
	return rc;
}
