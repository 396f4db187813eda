/*
 * test_judge.c: the model judge of judge and questions criteria
 * (src/grade/judge.c): strict validation of grade_criterion and
 * answer_questions inputs, the scoring and explanation of answers, what a
 * request shows of a dream (every kind of change, caps, never a
 * rationale), and whole gradings through recorded responses (a replay
 * folder: no network).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "grade/judge.h"
#include "grade/outcome.h"
#include "grade/rubric.h"
#include "memgit/errors.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/templates.h"

#define F(p, c) { p, c, sizeof(c) - 1 }
#define N(a) (sizeof(a) / sizeof(*(a)))

static void assert_has(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("'%s' not in '%s'", needle, text);
}

static void assert_lacks(const char *text, const char *needle)
{
	if (strstr(text, needle))
		fail_msg("'%s' in '%s'", needle, text);
}

/* ---- grade_criterion answers ------------------------------------------------------- */

static void test_verdict_valid(void **state)
{
	memgit_buf why = MEMGIT_BUF_INIT;
	const char *json = "{\"explanation\": \"  Specific\\n\\tand  durable.\\r\\n\", \"score\": 0.75, "
			   "\"pass\": true}";
	char *e = NULL;
	double score = -1;
	int pass = -1;

	(void)state;
	assert_int_equal(mg_judge_parse_verdict(&pass, &score, &e, json, strlen(json), &why), 0);
	assert_int_equal(pass, 1);
	assert_true(score == 0.75);
	assert_string_equal(e, "Specific and durable."); /* one line */
	assert_int_equal(why.size, 0);
	free(e);
	json = "{\"pass\": false, \"score\": 0, \"explanation\": \"no\"}";
	assert_int_equal(mg_judge_parse_verdict(&pass, &score, &e, json, strlen(json), &why), 0);
	assert_true(pass == 0 && score == 0);
	free(e);
	json = "{\"pass\": true, \"score\": 1, \"explanation\": \"yes\"}";
	assert_int_equal(mg_judge_parse_verdict(&pass, &score, &e, json, strlen(json), &why), 0);
	assert_true(pass == 1 && score == 1);
	free(e);
	memgit_buf_dispose(&why);
}

static void test_verdict_long_explanation_cut(void **state)
{
	memgit_buf json = MEMGIT_BUF_INIT, why = MEMGIT_BUF_INIT;
	char *e = NULL;
	double score;
	int pass;

	(void)state;
	mg_buf_puts(&json, "{\"pass\": true, \"score\": 0.5, \"explanation\": \"");
	for (int i = 0; i < 200; i++)
		mg_buf_puts(&json, "\xc3\xa9t\xc3\xa9 "); /* "été ", 2-byte characters */
	mg_buf_puts(&json, "\"}");
	assert_int_equal(mg_judge_parse_verdict(&pass, &score, &e, json.ptr, json.size, &why), 0);
	assert_true(strlen(e) <= MG_JUDGE_EXPLANATION_MAX + 3);
	assert_string_equal(e + strlen(e) - 3, "...");
	assert_true(((unsigned char)e[strlen(e) - 4] & 0xc0) != 0xc0); /* no half character */
	free(e);
	memgit_buf_dispose(&json);
	memgit_buf_dispose(&why);
}

static void test_verdict_invalid(void **state)
{
	static const struct {
		const char *json, *why;
	} cases[] = {
		{ "", "not JSON: " },
		{ "{\"pass\": true,", "not JSON: " },
		{ "[true, 1, \"x\"]", "not an object" },
		{ "\"pass\"", "not an object" },
		{ "{\"score\": 1, \"explanation\": \"x\"}", "pass: required" },
		{ "{\"pass\": \"yes\", \"score\": 1, \"explanation\": \"x\"}", "pass: expected a boolean" },
		{ "{\"pass\": 1, \"score\": 1, \"explanation\": \"x\"}", "pass: expected a boolean" },
		{ "{\"pass\": true, \"explanation\": \"x\"}", "score: required" },
		{ "{\"pass\": true, \"score\": \"0.5\", \"explanation\": \"x\"}",
			"score: expected a number in [0, 1]" },
		{ "{\"pass\": true, \"score\": null, \"explanation\": \"x\"}",
			"score: expected a number in [0, 1]" },
		{ "{\"pass\": true, \"score\": 1.5, \"explanation\": \"x\"}", "score: 1.5 is not in [0, 1]" },
		{ "{\"pass\": true, \"score\": -0.25, \"explanation\": \"x\"}", "score: -0.25 is not in [0, 1]" },
		{ "{\"pass\": true, \"score\": 1e999, \"explanation\": \"x\"}", "score: inf is not in [0, 1]" },
		{ "{\"pass\": true, \"score\": 1}", "explanation: required" },
		{ "{\"pass\": true, \"score\": 1, \"explanation\": 3}", "explanation: expected a string" },
		{ "{\"pass\": true, \"score\": 1, \"explanation\": \" \\n\\t \"}", "explanation: empty" },
		{ "{\"pass\": true, \"score\": 1, \"explanation\": \"x\", \"confidence\": 1}",
			"unknown key 'confidence'" },
		{ "{\"pass\": true, \"pass\": false, \"score\": 1, \"explanation\": \"x\"}",
			"duplicate key 'pass'" },
		{ "{\"pass\": true, \"score\": 1, \"explanation\": \"x\", \"a\\nb\": 1}", "unknown key 'a b'" },
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		memgit_buf why = MEMGIT_BUF_INIT;
		char *e = (char *)"untouched";
		double score = 0;
		int pass = 0, rc;

		rc = mg_judge_parse_verdict(&pass, &score, &e, cases[i].json, strlen(cases[i].json), &why);
		if (rc != 1)
			fail_msg("case %zu (%s): %d, want 1", i, cases[i].json, rc);
		assert_null(e);
		if (strncmp(mg_buf_cstr(&why), cases[i].why, strlen(cases[i].why)) != 0)
			fail_msg("case %zu: why '%s', want '%s'", i, mg_buf_cstr(&why), cases[i].why);
		assert_null(strchr(mg_buf_cstr(&why), '\n'));
		memgit_buf_dispose(&why);
	}
}

/* ---- answer_questions answers ------------------------------------------------------- */

static void test_answers(void **state)
{
	static const struct {
		const char *json, *why;
	} bad[] = {
		{ "{}", "answers: required" },
		{ "{\"answers\": \"a\"}", "answers: expected a list of strings" },
		{ "{\"answers\": [\"a\"]}", "1 answer for 2 questions" },
		{ "{\"answers\": [\"a\", \"b\", \"c\"]}", "3 answers for 2 questions" },
		{ "{\"answers\": [\"a\", 2]}", "answers[1]: expected a string" },
		{ "{\"answers\": [\"a\", \"b\"], \"notes\": \"\"}", "unknown key 'notes'" },
		{ "[\"a\", \"b\"]", "not an object" },
	};
	const char *ok = "{\"answers\": [\"Run ctest\", \"\"]}";
	memgit_buf why = MEMGIT_BUF_INIT;
	char **answers = NULL;

	(void)state;
	assert_int_equal(mg_judge_parse_answers(&answers, 2, ok, strlen(ok), &why), 0);
	assert_string_equal(answers[0], "Run ctest");
	assert_string_equal(answers[1], "");
	mg_judge_answers_free(answers, 2);
	for (size_t i = 0; i < N(bad); i++) {
		answers = (char **)&why; /* reset to NULL on failure */
		mg_buf_clear(&why);
		assert_int_equal(mg_judge_parse_answers(&answers, 2, bad[i].json, strlen(bad[i].json), &why), 1);
		assert_null(answers);
		if (strcmp(mg_buf_cstr(&why), bad[i].why) != 0)
			fail_msg("case %zu: why '%s', want '%s'", i, mg_buf_cstr(&why), bad[i].why);
	}
	memgit_buf_dispose(&why);
}

static void parse_questions(mg_questions *qs, const char *yaml)
{
	if (mg_questions_parse(qs, yaml, strlen(yaml), "q.yaml") < 0)
		fail_msg("questions refused: %s", memgit_error_last()->message);
}

static void test_score_answers(void **state)
{
	mg_questions qs = MG_QUESTIONS_INIT;
	mg_criterion_result r;
	const char *const some[] = { "Run CTest from the build directory.", "python 3.8", "x", "x", "x",
		"x", "x", "x" };

	(void)state;
	parse_questions(&qs, "questions:\n"
			     "  - {q: How are the tests run?, expect: [ctest, build directory]}\n"
			     "  - {q: \"Which Python\\nversion?\", expect: ['3.12', python]}\n"
			     "  - {q: q3, expect: [a]}\n  - {q: q4, expect: [a]}\n  - {q: q5, expect: [a]}\n"
			     "  - {q: q6, expect: [a]}\n  - {q: q7, expect: [a]}\n  - {q: q8, expect: [a]}\n");
	memset(&r, 0, sizeof(r));
	assert_int_equal(mg_judge_score_answers(&r, &qs, some), 0);
	assert_false(r.pass);
	assert_true(r.score == 1.0 / 8);
	assert_string_equal(r.explanation, "1 of 8 questions answered from the memory; failed: q2 'Which "
		"Python version?' lacks '3.12'; q3 'q3' lacks 'a'; q4 'q4' lacks 'a'; q5 'q5' lacks 'a'; "
		"q6 'q6' lacks 'a'; and 2 more");
	mg_criterion_result_dispose(&r);
	mg_questions_dispose(&qs);

	parse_questions(&qs, "questions:\n  - {q: One?, expect: [one]}\n");
	memset(&r, 0, sizeof(r));
	assert_int_equal(mg_judge_score_answers(&r, &qs, (const char *const[]){ "ONE" }), 0);
	assert_true(r.pass && r.score == 1);
	assert_string_equal(r.explanation, "1 of 1 question answered from the memory");
	mg_criterion_result_dispose(&r);
	mg_questions_dispose(&qs);
}

/* ---- what a request shows ------------------------------------------------------------ */

static const mg_grade_file base[] = {
	F("a.md", "alpha\n"),
	F("b.md", "beta old\n"),
	F("c.md", "gamma\n"),
	F("d.md", "delta\n"),
	F("e.md", "epsilon\n"),
	F("f.md", "phi\n"),
	F("g.md", "same\n"),
};
static const mg_grade_file result[] = {
	F("a.md", "alpha and more\n"), /* merge target: a + e */
	F("b.md", "beta new"),         /* updated, no final newline */
	F("g.md", "same\n"),           /* unchanged */
	F("moved/c.md", "gamma\n"),    /* moved, same bytes */
	F("moved/f.md", "phi 2\n"),    /* moved, changed */
	F("new.md", "brand new\n"),    /* created */
};
static const char *const merged_ae[] = { "a.md", "e.md" };
static const memgit_edit edits[] = {
	{ MEMGIT_EDIT_MERGE, "a.md", NULL, merged_ae, 2, "alpha and more\n", 15, "RATIONALE-MERGE", NULL, 0,
		"", NULL },
	{ MEMGIT_EDIT_UPDATE, "b.md", NULL, NULL, 0, "beta new", 8, "RATIONALE-UPDATE", NULL, 0, "", NULL },
	{ MEMGIT_EDIT_MOVE, "c.md", "moved/c.md", NULL, 0, NULL, 0, "RATIONALE-MOVE", NULL, 0, "", NULL },
	{ MEMGIT_EDIT_DELETE, "d.md", NULL, NULL, 0, NULL, 0, "RATIONALE-DELETE", NULL, 0, "", NULL },
	{ MEMGIT_EDIT_MOVE, "f.md", "moved/f.md", NULL, 0, NULL, 0, "RATIONALE-MOVE2", NULL, 0, "", NULL },
	{ MEMGIT_EDIT_CREATE, "new.md", NULL, NULL, 0, "brand new\n", 10, "RATIONALE-CREATE", NULL, 0, "",
		NULL },
	{ MEMGIT_EDIT_DELETE, "g.md", NULL, NULL, 0, NULL, 0, "RATIONALE-REFUSED", NULL, 0, "",
		"pinned" },
};

static mg_grade_input input_of(const mg_grade_file *b, size_t nb, const mg_grade_file *r, size_t nr,
	const memgit_edit *e, size_t ne)
{
	mg_grade_input in = { b, nb, r, nr, e, ne, NULL, 0, NULL, NULL };
	return in;
}

static void test_render_changes(void **state)
{
	mg_grade_input in = input_of(base, N(base), result, N(result), edits, N(edits));
	memgit_buf out = MEMGIT_BUF_INIT, mem = MEMGIT_BUF_INIT;

	(void)state;
	assert_int_equal(mg_judge_render(&out, &in, 0), 0);
	assert_has(out.ptr, "=== change: a.md updated by a merge ===\n--- before ---\nalpha\n--- after ---\n"
			    "alpha and more\n");
	assert_has(out.ptr, "=== change: b.md updated ===\n--- before ---\nbeta old\n--- after ---\nbeta new\n");
	assert_has(out.ptr, "=== change: new.md created ===\n--- after ---\nbrand new\n");
	assert_has(out.ptr, "=== change: moved/f.md moved from f.md, changed ===\n--- after ---\nphi 2\n");
	assert_has(out.ptr, "=== change: c.md moved to moved/c.md, content unchanged ===\n");
	assert_has(out.ptr, "=== change: d.md deleted ===\n--- before ---\ndelta\n");
	assert_has(out.ptr, "=== change: e.md merged into a.md ===\n--- before ---\nepsilon\n");
	assert_has(out.ptr, "=== change: f.md moved to moved/f.md ===\n--- before ---\nphi\n");
	assert_lacks(out.ptr, "change: g.md"); /* unchanged; its refused delete is not shown */
	assert_lacks(out.ptr, "change: moved/c.md");
	assert_lacks(out.ptr, "RATIONALE");
	/* the memory after: changed memories shown whole above are referred to */
	assert_has(out.ptr, "The memory after the dream: 6 files.\n");
	assert_has(out.ptr, "=== memory:g.md ===\nsame\n");
	assert_has(out.ptr, "=== memory:moved/c.md ===\ngamma\n");
	assert_has(out.ptr, "=== memory:new.md ===\n[as after its change above]\n");
	assert_int_equal(mg_judge_render(&mem, &in, 1), 0);
	assert_has(mem.ptr, "The memory: 6 files.\n");
	assert_has(mem.ptr, "=== memory:new.md ===\nbrand new\n");
	assert_has(mem.ptr, "=== memory:b.md ===\nbeta new\n");
	assert_lacks(mem.ptr, "=== change");
	memgit_buf_dispose(&out);
	memgit_buf_dispose(&mem);
}

static void test_render_none_and_baseline(void **state)
{
	mg_grade_input same = input_of(base, N(base), base, N(base), NULL, 0);
	mg_grade_input whole = input_of(NULL, 0, result, N(result), NULL, 0);
	memgit_buf out = MEMGIT_BUF_INIT;

	(void)state;
	assert_int_equal(mg_judge_render(&out, &same, 0), 0);
	assert_has(out.ptr, "The dream changes no memory.\n");
	assert_lacks(out.ptr, "memory by memory");
	mg_buf_clear(&out);
	assert_int_equal(mg_judge_render(&out, &whole, 0), 0);
	assert_has(out.ptr, "There is no dream: the memory is graded as it is.\n");
	assert_has(out.ptr, "=== memory:new.md ===\nbrand new\n");
	memgit_buf_dispose(&out);
}

static void test_render_caps(void **state)
{
	size_t n = 40, big = 20000;
	mg_grade_file *files = calloc(n, sizeof(*files));
	char (*paths)[32] = calloc(n, sizeof(*paths));
	char *content = malloc(big + 1);
	mg_grade_input in;
	memgit_buf out = MEMGIT_BUF_INIT;

	(void)state;
	memset(content, 'x', big);
	content[big] = '\0';
	for (size_t i = 0; i < n; i++) {
		snprintf(paths[i], sizeof(paths[i]), "m%02zu.md", i);
		files[i].path = paths[i];
		files[i].content = content;
		files[i].len = big;
	}
	in = input_of(files, 0, files, n, NULL, 0);
	in.base = files; /* an empty base: every memory created */
	assert_int_equal(mg_judge_render(&out, &in, 0), 0);
	assert_has(out.ptr, "[... 3616 more bytes not shown]\n"); /* 20000 - 16384 */
	assert_has(out.ptr, "more changes not shown: m08.md (created), m09.md (created)");
	assert_has(out.ptr, "more memories not shown: ");
	assert_true(out.size < MG_JUDGE_DIFF_MAX + MG_JUDGE_MEMORY_MAX + 2 * MG_JUDGE_FILE_MAX + 4096);
	mg_buf_clear(&out);
	files[3].content = "bin\0ary";
	files[3].len = 7;
	assert_int_equal(mg_judge_render(&out, &in, 1), 0);
	assert_has(out.ptr, "=== memory:m03.md ===\n[binary content, 7 bytes, not shown]\n");
	memgit_buf_dispose(&out);
	free(content);
	free(paths);
	free(files);
}

/* ---- whole gradings through recorded responses ---------------------------------------- */

/* An Anthropic message whose one tool call is `tool` with input `input`. */
static void record(const char *dir, const char *name, const char *tool, const char *input)
{
	char path[512], body[4096];

	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	snprintf(body, sizeof(body), "{\"id\": \"msg_1\", \"type\": \"message\", \"role\": \"assistant\", "
		"\"model\": \"claude-test\", \"content\": [{\"type\": \"tool_use\", \"id\": \"toolu_1\", "
		"\"name\": \"%s\", \"input\": %s}], \"stop_reason\": \"tool_use\", \"usage\": "
		"{\"input_tokens\": 100, \"output_tokens\": 20}}", tool, input);
	t_write_file(path, body, strlen(body));
}

static int read_questions(memgit_buf *out, const char *path, void *payload)
{
	(void)payload;
	if (strcmp(path, "rubrics/q.yaml") != 0)
		return mg_error_set(MEMGIT_ENOTFOUND, "no questions file", path, "not in the memory branch");
	return mg_buf_puts(out, "questions:\n  - {q: What is new?, expect: [brand new]}\n"
				"  - {q: What was beta?, expect: [beta old]}\n");
}

static const char *const rubric_yaml =
	"version: 1\nthreshold: 0.5\ncriteria:\n"
	"  - {id: useful, judge: llm, description: durable and specific}\n"
	"  - {id: recall, questions: rubrics/q.yaml}\n";

static void grade_replay(mg_outcome *o, const char *dir, int expect_rc)
{
	mg_model_settings settings;
	mg_grade_options opts = MG_GRADE_OPTIONS_INIT;
	mg_grade_input in = input_of(base, N(base), result, N(result), edits, N(edits));
	mg_rubric r = MG_RUBRIC_INIT;
	mg_judge j;

	memset(&settings, 0, sizeof(settings));
	settings.stream = -1;
	assert_int_equal(mg_rubric_parse(&r, rubric_yaml, strlen(rubric_yaml), "r.yaml"), 0);
	assert_int_equal(mg_judge_open(&j, "replay", NULL, dir, &settings), 0);
	assert_string_equal(j.grader, "memgit/" MEMGIT_VERSION "+replay:recorded");
	assert_int_equal(mg_judge_prepare(&j, &r, read_questions, NULL), 0);
	opts.judge = mg_judge_cb;
	opts.payload = &j;
	opts.grader = j.grader;
	*o = (mg_outcome)MG_OUTCOME_INIT;
	assert_int_equal(mg_grade_run(o, &r, &in, &opts), expect_rc);
	if (expect_rc == 0)
		assert_int_equal(j.requests, 2);
	mg_judge_dispose(&j);
	mg_rubric_dispose(&r);
}

static void test_grade_through_replay(void **state)
{
	const char *dir = t_tmpdir(0);
	mg_outcome o;

	(void)state;
	record(dir, "judge-useful", "grade_criterion",
		"{\"pass\": true, \"score\": 0.9, \"explanation\": \"new.md is specific.\"}");
	record(dir, "questions-recall", "answer_questions",
		"{\"answers\": [\"It says: brand new.\", \"not in memory\"]}");
	grade_replay(&o, dir, 0);
	assert_string_equal(o.grader, "memgit/" MEMGIT_VERSION "+replay:recorded");
	assert_true(o.results[0].pass && !o.results[0].skipped && o.results[0].score == 0.9);
	assert_string_equal(o.results[0].explanation, "new.md is specific.");
	assert_true(!o.results[1].pass && !o.results[1].skipped && o.results[1].score == 0.5);
	assert_string_equal(o.results[1].explanation, "1 of 2 questions answered from the memory; "
		"failed: q2 'What was beta?' lacks 'beta old'");
	assert_string_equal(o.verdict, MG_VERDICT_SATISFIED); /* (0.9 + 0.5) / 2 */
	mg_outcome_dispose(&o);

	/* an invalid answer fails its criterion and grading goes on */
	record(dir, "judge-useful", "grade_criterion", "{\"pass\": true, \"score\": 2, \"explanation\": \"x\"}");
	record(dir, "questions-recall", "answer_questions", "{\"answers\": [\"brand new\", \"beta old\"]}");
	grade_replay(&o, dir, 0);
	assert_false(o.results[0].pass);
	assert_string_equal(o.results[0].explanation, "judge answer invalid: score: 2 is not in [0, 1]");
	assert_true(o.results[1].pass && o.results[1].score == 1);
	mg_outcome_dispose(&o);

	/* a response with another tool, or none recorded: an error, no outcome */
	record(dir, "judge-useful", "propose_edits", "{\"edits\": []}");
	grade_replay(&o, dir, MEMGIT_EREMOTE);
	assert_int_equal(o.nresults, 0);
	assert_has(memgit_error_last()->message, "no grade_criterion tool call");
	t_rmrf(dir);
	dir = t_tmpdir(0);
	grade_replay(&o, dir, MEMGIT_EINPUT);
	assert_has(memgit_error_last()->message, "no recorded response for request 'judge-useful'");
	t_rmrf(dir);
}

static void test_open_and_prepare_errors(void **state)
{
	mg_model_settings settings;
	mg_rubric r = MG_RUBRIC_INIT;
	const char *bad = "version: 1\ncriteria:\n  - {id: recall, questions: rubrics/missing.yaml}\n";
	mg_judge j;

	(void)state;
	memset(&settings, 0, sizeof(settings));
	settings.stream = -1;
	assert_int_equal(mg_judge_open(&j, "claude", NULL, NULL, &settings), MEMGIT_EINPUT);
	assert_has(memgit_error_last()->message, "unknown judge 'claude'");
	assert_int_equal(mg_judge_open(&j, "replay", NULL, NULL, &settings), MEMGIT_EINPUT);
	assert_has(memgit_error_last()->message, "needs a folder of recorded responses");
	assert_int_equal(mg_judge_open(&j, "anthropic", "m", t_tmpdir(1), &settings), MEMGIT_EINPUT);
	assert_int_equal(mg_judge_open(&j, "replay", NULL, "/nonexistent/dir", &settings), MEMGIT_EINPUT);
	mg_judge_dispose(&j);
	assert_int_equal(mg_judge_open(&j, "replay", NULL, t_tmpdir(1), &settings), 0);
	assert_int_equal(mg_rubric_parse(&r, bad, strlen(bad), "r.yaml"), 0);
	assert_int_equal(mg_judge_prepare(&j, &r, read_questions, NULL), MEMGIT_ENOTFOUND);
	mg_judge_dispose(&j);
	mg_judge_dispose(NULL);
	mg_rubric_dispose(&r);
}

static void test_templates(void **state)
{
	static const char *const names[] = { "prompts/judge.md", "prompts/judge_schema.json",
		"prompts/questions.md", "prompts/questions_schema.json" };

	(void)state;
	for (size_t i = 0; i < N(names); i++)
		assert_non_null(mg_template_find(names[i]));
	assert_has(mg_template_find("prompts/judge_schema.json")->data, "\"additionalProperties\": false");
	assert_has(mg_template_find("prompts/judge.md")->data, "grade_criterion");
	assert_has(mg_template_find("prompts/questions.md")->data, "answer_questions");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_valid),
		cmocka_unit_test(test_verdict_long_explanation_cut),
		cmocka_unit_test(test_verdict_invalid),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_score_answers),
		cmocka_unit_test(test_render_changes),
		cmocka_unit_test(test_render_none_and_baseline),
		cmocka_unit_test(test_render_caps),
		cmocka_unit_test(test_grade_through_replay),
		cmocka_unit_test(test_open_and_prepare_errors),
		cmocka_unit_test(test_templates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
