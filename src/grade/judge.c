/*
 * judge.c: judged and questions criteria scored by a model (judge.h).
 *
 * What a request sees is built here from the grader's input alone (the
 * memory before and after, the applied edits' kinds and paths), so the
 * dreamer's rationales and evidence, which sit on the same edits, can
 * never reach the judge: it scores the result, not the dreamer's case for
 * it. The changes and the memory are one system block, the same for every
 * criterion of a grading, so a provider's prompt cache serves all but the
 * first judge request; the criterion is the user turn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grade/judge.h"
#include "json/json.h"
#include "llm/client.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/jsonw.h"
#include "util/strmap.h"
#include "util/templates.h"

#define JUDGE_TEMPLATE "prompts/judge.md"
#define JUDGE_SCHEMA "prompts/judge_schema.json"
#define QUESTIONS_TEMPLATE "prompts/questions.md"
#define QUESTIONS_SCHEMA "prompts/questions_schema.json"
#define NAMED 5          /* failed questions an explanation names */
#define QUOTE_MAX 80     /* bytes of a question or expected string quoted */
#define OMITTED_NAMED 20 /* paths listed of what a request leaves out */

struct mg_judge_questions {
	const mg_criterion *c;
	mg_questions qs;
};

static const char *template_text(const char *name)
{
	const mg_template *t = mg_template_find(name);

	return t ? t->data : NULL;
}

/* ---- text helpers ----------------------------------------------------------------- */

/* `len` bytes of `s` on one line: control characters and runs of white
 * space become one space, the ends trimmed, cut on a character boundary at
 * `max` bytes with "..." */
static int one_line(memgit_buf *out, const char *s, size_t len, size_t max)
{
	size_t start = out->size;
	int space = 0, rc = 0;

	for (size_t i = 0; i < len && rc == 0; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= 0x20 || ch == 0x7f) {
			space = out->size > start;
			continue;
		}
		if (space)
			rc = mg_buf_putc(out, ' ');
		space = 0;
		if (rc == 0)
			rc = mg_buf_putc(out, (char)ch);
	}
	if (rc == 0 && out->size - start > max) {
		size_t n = max;
		while (n > 0 && ((unsigned char)out->ptr[start + n] & 0xc0) == 0x80)
			n--;
		mg_buf_truncate(out, start + n);
		rc = mg_buf_puts(out, "...");
	}
	return rc;
}

/* A file's content for a prompt: cut at `max` on a character boundary. */
static int put_content(memgit_buf *out, const char *s, size_t len, size_t max, int *cut)
{
	size_t n = len;
	int rc;

	*cut = 0;
	if (memchr(s, '\0', len))
		return mg_buf_printf(out, "[binary content, %zu bytes, not shown]\n", len);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		*cut = 1;
	}
	rc = mg_buf_put(out, s, n);
	if (rc == 0 && (!n || s[n - 1] != '\n'))
		rc = mg_buf_putc(out, '\n');
	if (rc == 0 && *cut)
		rc = mg_buf_printf(out, "[... %zu more bytes not shown]\n", len - n);
	return rc;
}

/* ---- what a request sees ---------------------------------------------------------- */

typedef struct {
	const mg_grade_input *in;
	mg_strmap base_at, result_at;
	unsigned char *shown;   /* per result file: its whole content is in the changes */
	memgit_buf omitted;     /* changes left out past MG_JUDGE_DIFF_MAX */
	size_t nomitted, nchanges;
} render_ctx;

static int index_files(mg_strmap *m, const mg_grade_file *f, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = mg_strmap_set(m, f[i].path, i);
	return rc;
}

/* The applied edit of `kind` whose `path` (or `to`, for a move) is `path`. */
static const memgit_edit *edit_at(const mg_grade_input *in, memgit_edit_kind kind, const char *path,
	int by_target)
{
	for (size_t i = 0; i < in->nedits; i++) {
		const memgit_edit *e = &in->edits[i];
		const char *p = by_target && kind == MEMGIT_EDIT_MOVE ? e->to : e->path;
		if (!e->refused && e->kind == kind && p && strcmp(p, path) == 0)
			return e;
	}
	return NULL;
}

/* The applied merge that folded `path` into another memory. */
static const memgit_edit *merged_from(const mg_grade_input *in, const char *path)
{
	for (size_t i = 0; i < in->nedits; i++) {
		const memgit_edit *e = &in->edits[i];
		if (e->refused || e->kind != MEMGIT_EDIT_MERGE)
			continue;
		for (size_t k = 0; k < e->nmerged; k++)
			if (strcmp(e->merged[k], path) == 0 && strcmp(e->path, path) != 0)
				return e;
	}
	return NULL;
}

static int same_bytes(const mg_grade_file *a, const mg_grade_file *b)
{
	return a->len == b->len && memcmp(a->content, b->content, a->len) == 0;
}

/* Start a change, or count it as omitted when the changes are full. */
static int change_head(render_ctx *r, memgit_buf *out, size_t start, const char *path,
	const char *what, int *skip)
{
	*skip = out->size - start >= MG_JUDGE_DIFF_MAX;
	r->nchanges++;
	if (*skip) {
		if (r->nomitted++ < OMITTED_NAMED)
			return mg_buf_printf(&r->omitted, "%s%s (%s)", r->nomitted > 1 ? ", " : "", path,
				what);
		return 0;
	}
	return mg_buf_printf(out, "\n=== change: %s %s ===\n", path, what);
}

static int side(memgit_buf *out, const char *label, const mg_grade_file *f, int *cut)
{
	int rc = mg_buf_printf(out, "--- %s ---\n", label);

	return rc < 0 ? rc : put_content(out, f->content, f->len, MG_JUDGE_FILE_MAX, cut);
}

/* A result file the dream created or rewrote. */
static int result_change(render_ctx *r, memgit_buf *out, size_t start, size_t i)
{
	const mg_grade_input *in = r->in;
	const mg_grade_file *f = &in->result[i], *old = NULL;
	const memgit_edit *mv = edit_at(in, MEMGIT_EDIT_MOVE, f->path, 1);
	const memgit_edit *mg = edit_at(in, MEMGIT_EDIT_MERGE, f->path, 0);
	memgit_buf what = MEMGIT_BUF_INIT;
	size_t b;
	int skip = 1, cut = 0, rc;

	if (mg_strmap_get(&r->base_at, f->path, &b))
		old = &in->base[b];
	if (old && same_bytes(old, f))
		return 0;
	if (!old && mv && mg_strmap_get(&r->base_at, mv->path, &b) && same_bytes(&in->base[b], f))
		return 0; /* a plain move: told with its source */
	if (!old && mv)
		rc = mg_buf_printf(&what, "moved from %s, changed", mv->path);
	else
		rc = mg_buf_printf(&what, "%s%s", old ? "updated" : "created", mg ? " by a merge" : "");
	if (rc == 0)
		rc = change_head(r, out, start, f->path, what.ptr, &skip);
	if (rc == 0 && !skip && old)
		rc = side(out, "before", old, &cut);
	if (rc == 0 && !skip && (rc = side(out, "after", f, &cut)) == 0 && !cut)
		r->shown[i] = 1;
	memgit_buf_dispose(&what);
	return rc;
}

/* A base file gone from its path: deleted, merged away or moved. */
static int base_change(render_ctx *r, memgit_buf *out, size_t start, size_t i)
{
	const mg_grade_input *in = r->in;
	const mg_grade_file *f = &in->base[i];
	const memgit_edit *mv = edit_at(in, MEMGIT_EDIT_MOVE, f->path, 0), *mg = merged_from(in, f->path);
	memgit_buf what = MEMGIT_BUF_INIT;
	size_t to;
	int skip = 0, cut, plain, rc;

	if (mg_strmap_get(&r->result_at, f->path, NULL))
		return 0;
	plain = mv && mv->to && mg_strmap_get(&r->result_at, mv->to, &to) && same_bytes(&in->result[to], f);
	if (mv && mv->to)
		rc = mg_buf_printf(&what, "moved to %s%s", mv->to, plain ? ", content unchanged" : "");
	else if (mg)
		rc = mg_buf_printf(&what, "merged into %s", mg->path);
	else
		rc = mg_buf_puts(&what, "deleted");
	if (rc == 0)
		rc = change_head(r, out, start, f->path, what.ptr, &skip);
	if (rc == 0 && !skip && !plain)
		rc = side(out, "before", f, &cut);
	memgit_buf_dispose(&what);
	return rc;
}

static int render_changes(render_ctx *r, memgit_buf *out)
{
	size_t start = out->size, head;
	int rc;

	if (!r->in->base && !r->in->nedits)
		return mg_buf_puts(out, "There is no dream: the memory is graded as it is.\n");
	head = out->size;
	if ((rc = mg_buf_puts(out, "The dream's changes, memory by memory (paths relative to the "
		"memory folder).\n")) < 0)
		return rc;
	for (size_t i = 0; i < r->in->nresult && rc == 0; i++)
		rc = result_change(r, out, start, i);
	for (size_t i = 0; i < r->in->nbase && rc == 0; i++)
		rc = base_change(r, out, start, i);
	if (rc == 0 && !r->nchanges) {
		mg_buf_truncate(out, head);
		rc = mg_buf_puts(out, "The dream changes no memory.\n");
	}
	if (rc == 0 && r->nomitted)
		rc = mg_buf_printf(out, "\n[%zu more change%s not shown: %s%s]\n", r->nomitted,
			r->nomitted == 1 ? "" : "s", mg_buf_cstr(&r->omitted),
			r->nomitted > OMITTED_NAMED ? ", ..." : "");
	return rc;
}

static int render_memory(render_ctx *r, memgit_buf *out, int after)
{
	const mg_grade_input *in = r->in;
	size_t start = out->size, left = 0;
	memgit_buf names = MEMGIT_BUF_INIT;
	int cut, rc;

	rc = mg_buf_printf(out, "The memory%s: %zu file%s.\n", after ? " after the dream" : "",
		in->nresult, in->nresult == 1 ? "" : "s");
	for (size_t i = 0; i < in->nresult && rc == 0; i++) {
		const mg_grade_file *f = &in->result[i];
		if (out->size - start >= MG_JUDGE_MEMORY_MAX) {
			if (left++ < OMITTED_NAMED)
				rc = mg_buf_printf(&names, "%s%s", left > 1 ? ", " : "", f->path);
			continue;
		}
		rc = mg_buf_printf(out, "\n=== memory:%s ===\n", f->path);
		if (rc == 0 && r->shown && r->shown[i])
			rc = mg_buf_puts(out, "[as after its change above]\n");
		else if (rc == 0)
			rc = put_content(out, f->content, f->len, MG_JUDGE_FILE_MAX, &cut);
	}
	if (rc == 0 && left)
		rc = mg_buf_printf(out, "\n[%zu more memor%s not shown: %s%s]\n", left,
			left == 1 ? "y" : "ies", mg_buf_cstr(&names), left > OMITTED_NAMED ? ", ..." : "");
	memgit_buf_dispose(&names);
	return rc;
}

int mg_judge_render(memgit_buf *out, const mg_grade_input *in, int memory_only)
{
	render_ctx r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.in = in;
	if (memory_only)
		return render_memory(&r, out, 0);
	if (!(r.shown = calloc(in->nresult ? in->nresult : 1, 1)))
		return mg_error_oom();
	if ((rc = index_files(&r.base_at, in->base, in->base ? in->nbase : 0)) == 0 &&
	    (rc = index_files(&r.result_at, in->result, in->nresult)) == 0 &&
	    (rc = render_changes(&r, out)) == 0 && (rc = mg_buf_putc(out, '\n')) == 0)
		rc = render_memory(&r, out, 1);
	mg_strmap_dispose(&r.base_at);
	mg_strmap_dispose(&r.result_at);
	memgit_buf_dispose(&r.omitted);
	free(r.shown);
	return rc;
}

/* ---- answers ---------------------------------------------------------------------- */

/* Parse a tool input: 0 with the root, 1 (why set) when not JSON or not
 * an object, or MEMGIT_ENOMEM. */
static int parse_object(mg_json **root, const char *json, size_t len, memgit_buf *why)
{
	mg_json_parse_opts po = { 0, 0, NULL, 1, 0 };
	int rc;

	*root = NULL;
	if ((rc = mg_json_parse(root, json, len, &po)) == MEMGIT_ENOMEM)
		return rc;
	if (rc < 0)
		return mg_buf_printf(why, "not JSON: %s", memgit_error_last()->why) < 0 ? MEMGIT_ENOMEM : 1;
	if (mg_json_type_of(*root) != MG_JSON_OBJECT) {
		mg_json_free(*root);
		*root = NULL;
		return mg_buf_puts(why, "not an object") < 0 ? MEMGIT_ENOMEM : 1;
	}
	return 0;
}

/* 0 when every member of `root` is one of `keys`, each at most once; else 1
 * with why. */
static int only_keys(const mg_json *root, const char *const *keys, size_t nkeys, memgit_buf *why)
{
	unsigned seen = 0;

	for (const mg_json *m = mg_json_first(root); m; m = mg_json_next(m)) {
		const char *k = mg_json_key(m);
		size_t i = 0;
		while (i < nkeys && strcmp(keys[i], k) != 0)
			i++;
		if (i == nkeys || (seen & (1u << i))) {
			int rc = mg_buf_puts(why, i == nkeys ? "unknown key '" : "duplicate key '");
			if (rc == 0)
				rc = one_line(why, k, strlen(k), 40);
			return rc < 0 || mg_buf_putc(why, '\'') < 0 ? MEMGIT_ENOMEM : 1;
		}
		seen |= 1u << i;
	}
	return 0;
}

static int invalid(memgit_buf *why, const char *text)
{
	return mg_buf_puts(why, text) < 0 ? MEMGIT_ENOMEM : 1;
}

static int read_verdict(int *pass, double *score, char **explanation, const mg_json *root,
	memgit_buf *why)
{
	const mg_json *p = mg_json_get(root, "pass"), *s = mg_json_get(root, "score");
	const char *e = mg_json_get_string(root, "explanation");
	memgit_buf line = MEMGIT_BUF_INIT;
	char num[32];
	double v;

	if (!p || mg_json_bool(p) < 0)
		return invalid(why, p ? "pass: expected a boolean" : "pass: required");
	if (!s || mg_json_type_of(s) != MG_JSON_NUMBER)
		return invalid(why, s ? "score: expected a number in [0, 1]" : "score: required");
	v = mg_json_number(s, -1);
	if (!(v >= 0 && v <= 1)) {
		mg_format_decimal(num, sizeof(num), v, 6, 1);
		return mg_buf_printf(why, "score: %s is not in [0, 1]", num) < 0 ? MEMGIT_ENOMEM : 1;
	}
	if (!e)
		return invalid(why, mg_json_get(root, "explanation") ? "explanation: expected a string" :
			"explanation: required");
	if (one_line(&line, e, strlen(e), MG_JUDGE_EXPLANATION_MAX) < 0)
		return MEMGIT_ENOMEM;
	if (!line.size) {
		memgit_buf_dispose(&line);
		return invalid(why, "explanation: empty");
	}
	*pass = mg_json_bool(p);
	*score = v;
	*explanation = mg_buf_detach(&line);
	return 0;
}

int mg_judge_parse_verdict(int *pass, double *score, char **explanation, const char *json,
	size_t len, memgit_buf *why)
{
	static const char *const keys[] = { "pass", "score", "explanation" };
	mg_json *root = NULL;
	int rc;

	*explanation = NULL;
	if ((rc = parse_object(&root, json, len, why)) == 0 &&
	    (rc = only_keys(root, keys, sizeof(keys) / sizeof(*keys), why)) == 0)
		rc = read_verdict(pass, score, explanation, root, why);
	mg_json_free(root);
	return rc;
}

void mg_judge_answers_free(char **answers, size_t n)
{
	for (size_t i = 0; answers && i < n; i++)
		free(answers[i]);
	free(answers);
}

static int read_answers(char ***answers, size_t want, const mg_json *list, memgit_buf *why)
{
	const mg_json *a = mg_json_first(list);
	char **v;

	if (!list || mg_json_type_of(list) != MG_JSON_ARRAY)
		return invalid(why, list ? "answers: expected a list of strings" : "answers: required");
	if (mg_json_count(list) != want)
		return mg_buf_printf(why, "%zu answer%s for %zu question%s", mg_json_count(list),
			mg_json_count(list) == 1 ? "" : "s", want, want == 1 ? "" : "s") < 0 ? MEMGIT_ENOMEM : 1;
	if (!(v = calloc(want ? want : 1, sizeof(*v))))
		return mg_error_oom();
	for (size_t i = 0; i < want; i++, a = mg_json_next(a)) {
		if (!mg_json_string(a)) {
			mg_judge_answers_free(v, want);
			return mg_buf_printf(why, "answers[%zu]: expected a string", i) < 0 ? MEMGIT_ENOMEM : 1;
		}
		if (!(v[i] = strdup(mg_json_string(a)))) {
			mg_judge_answers_free(v, want);
			return mg_error_oom();
		}
	}
	*answers = v;
	return 0;
}

int mg_judge_parse_answers(char ***answers, size_t want, const char *json, size_t len,
	memgit_buf *why)
{
	static const char *const keys[] = { "answers" };
	mg_json *root = NULL;
	int rc;

	*answers = NULL;
	if ((rc = parse_object(&root, json, len, why)) == 0 && (rc = only_keys(root, keys, 1, why)) == 0)
		rc = read_answers(answers, want, mg_json_get(root, "answers"), why);
	mg_json_free(root);
	return rc;
}

/* "q2 'Which Python...?' lacks '3.12', 'uv'" */
static int explain_failed(memgit_buf *out, size_t i, const mg_question *q, const char *answer)
{
	int rc = mg_buf_printf(out, "q%zu '", i + 1), first = 1;

	if (rc == 0)
		rc = one_line(out, q->q, strlen(q->q), QUOTE_MAX);
	if (rc == 0)
		rc = mg_buf_puts(out, "' lacks ");
	for (size_t k = 0; k < q->nexpect && rc == 0; k++) {
		if (mg_grade_contains_ci(answer, strlen(answer), q->expect[k]))
			continue;
		rc = mg_buf_puts(out, first ? "'" : ", '");
		first = 0;
		if (rc == 0)
			rc = one_line(out, q->expect[k], strlen(q->expect[k]), QUOTE_MAX);
		if (rc == 0)
			rc = mg_buf_putc(out, '\'');
	}
	return rc;
}

int mg_judge_score_answers(mg_criterion_result *out, const mg_questions *qs,
	const char *const *answers)
{
	memgit_buf text = MEMGIT_BUF_INIT;
	size_t passed = 0, named = 0;
	int *pass = calloc(qs->n ? qs->n : 1, sizeof(*pass));
	int rc;

	if (!pass)
		return mg_error_oom();
	out->score = mg_questions_score(pass, qs, answers, qs->n);
	for (size_t i = 0; i < qs->n; i++)
		passed += (size_t)pass[i];
	out->pass = passed == qs->n;
	rc = mg_buf_printf(&text, "%zu of %zu question%s answered from the memory", passed, qs->n,
		qs->n == 1 ? "" : "s");
	for (size_t i = 0; i < qs->n && rc == 0; i++) {
		if (pass[i] || named++ >= NAMED)
			continue;
		rc = mg_buf_puts(&text, named == 1 ? "; failed: " : "; ");
		if (rc == 0)
			rc = explain_failed(&text, i, &qs->items[i], answers[i]);
	}
	if (rc == 0 && named > NAMED)
		rc = mg_buf_printf(&text, "; and %zu more", named - NAMED);
	if (rc == 0)
		rc = mg_criterion_result_explain(out, "%s", text.ptr);
	memgit_buf_dispose(&text);
	free(pass);
	return rc;
}

/* ---- requests --------------------------------------------------------------------- */

/* One forced-tool request; the usage is counted. */
static int ask(mg_judge *j, mg_llm_result *res, const char *name, const mg_llm_tool *tool,
	const char *instructions, const char *memory, const char *task)
{
	mg_llm_client c = j->model.client;
	mg_llm_prompt p;
	mg_llm_call_info info;
	int rc;

	c.llm.tool = tool;
	p.instructions = instructions;
	p.memory = memory;
	p.task = task;
	p.stream = c.stream;
	rc = mg_llm_call(res, &info, &c, name, &p, NULL, NULL);
	j->requests++;
	if (rc == 0) {
		j->usage.input += res->usage.input;
		j->usage.output += res->usage.output;
		j->usage.cache_creation += res->usage.cache_creation;
		j->usage.cache_read += res->usage.cache_read;
	}
	return rc;
}

static int fail_invalid(mg_criterion_result *out, const char *who, const memgit_buf *why)
{
	out->pass = 0;
	out->score = 0;
	return mg_criterion_result_explain(out, "%s answer invalid: %s", who, mg_buf_cstr(why));
}

static int judge_one(mg_judge *j, mg_criterion_result *out, const mg_criterion *c)
{
	const mg_llm_tool tool = { MG_JUDGE_TOOL, "Record your verdict on the one criterion: pass, "
		"a score from 0 to 1, and a one-line explanation.", template_text(JUDGE_SCHEMA) };
	memgit_buf task = MEMGIT_BUF_INIT, why = MEMGIT_BUF_INIT, name = MEMGIT_BUF_INIT;
	mg_llm_result res;
	char *explanation = NULL;
	int pass = 0, rc;
	double score = 0;

	mg_llm_result_init(&res);
	if ((rc = mg_buf_printf(&name, "judge-%s", c->id)) < 0 ||
	    (rc = mg_buf_printf(&task, "memgit request: judge %s\n\nThe criterion:\nid: %s\n"
		"description: %s\n\nGrade the dream's changes and the memory after them against this "
		"criterion alone, with %s.\n", c->id, c->id, c->description ? c->description : "(none)",
		MG_JUDGE_TOOL)) < 0 ||
	    (rc = ask(j, &res, name.ptr, &tool, template_text(JUDGE_TEMPLATE), j->context.ptr,
		task.ptr)) < 0)
		goto done;
	rc = mg_judge_parse_verdict(&pass, &score, &explanation, mg_buf_cstr(&res.tool_input),
		res.tool_input.size, &why);
	if (rc == 1) {
		rc = fail_invalid(out, "judge", &why);
	} else if (rc == 0) {
		out->pass = pass;
		out->score = score;
		free(out->explanation);
		out->explanation = explanation;
	}
done:
	mg_llm_result_dispose(&res);
	memgit_buf_dispose(&task);
	memgit_buf_dispose(&why);
	memgit_buf_dispose(&name);
	return rc;
}

static const mg_questions *questions_of(const mg_judge *j, const mg_criterion *c)
{
	for (size_t i = 0; i < j->nqs; i++)
		if (j->qs[i].c == c)
			return &j->qs[i].qs;
	return NULL;
}

static int questions_task(memgit_buf *task, const mg_criterion *c, const mg_questions *qs)
{
	int rc = mg_buf_printf(task, "memgit request: questions %s\n\nAnswer each of these %zu "
		"question%s from the memory alone, with %s: %zu answer%s, in this order.\n\n", c->id,
		qs->n, qs->n == 1 ? "" : "s", MG_QUESTIONS_TOOL, qs->n, qs->n == 1 ? "" : "s");

	for (size_t i = 0; i < qs->n && rc == 0; i++) {
		if ((rc = mg_buf_printf(task, "%zu. ", i + 1)) == 0 &&
		    (rc = one_line(task, qs->items[i].q, strlen(qs->items[i].q), 2000)) == 0)
			rc = mg_buf_putc(task, '\n');
	}
	return rc;
}

static int questions_one(mg_judge *j, mg_criterion_result *out, const mg_criterion *c)
{
	const mg_llm_tool tool = { MG_QUESTIONS_TOOL, "Give the answers to the questions, one string "
		"per question, in order.", template_text(QUESTIONS_SCHEMA) };
	const mg_questions *qs = questions_of(j, c);
	memgit_buf task = MEMGIT_BUF_INIT, why = MEMGIT_BUF_INIT, name = MEMGIT_BUF_INIT;
	mg_llm_result res;
	char **answers = NULL;
	int rc;

	if (!qs)
		return mg_error_set(MEMGIT_ERROR, "cannot grade", c->id, "questions file not loaded");
	mg_llm_result_init(&res);
	if ((rc = mg_buf_printf(&name, "questions-%s", c->id)) < 0 ||
	    (rc = questions_task(&task, c, qs)) < 0 ||
	    (rc = ask(j, &res, name.ptr, &tool, template_text(QUESTIONS_TEMPLATE), j->memory.ptr,
		task.ptr)) < 0)
		goto done;
	rc = mg_judge_parse_answers(&answers, qs->n, mg_buf_cstr(&res.tool_input), res.tool_input.size,
		&why);
	if (rc == 1)
		rc = fail_invalid(out, "questions", &why);
	else if (rc == 0)
		rc = mg_judge_score_answers(out, qs, (const char *const *)answers);
done:
	mg_judge_answers_free(answers, qs->n);
	mg_llm_result_dispose(&res);
	memgit_buf_dispose(&task);
	memgit_buf_dispose(&why);
	memgit_buf_dispose(&name);
	return rc;
}

/* The changes and the memory of `in`, rendered once for every criterion. */
static int render_once(mg_judge *j, const mg_grade_input *in)
{
	int rc;

	const mg_grade_input *r = &j->rendered;

	if (j->context.size && r->base == in->base && r->nbase == in->nbase &&
	    r->result == in->result && r->nresult == in->nresult && r->edits == in->edits &&
	    r->nedits == in->nedits)
		return 0;
	mg_buf_clear(&j->context);
	mg_buf_clear(&j->memory);
	if ((rc = mg_judge_render(&j->context, in, 0)) < 0 ||
	    (rc = mg_judge_render(&j->memory, in, 1)) < 0)
		return rc;
	j->rendered = *in;
	return 0;
}

int mg_judge_cb(mg_criterion_result *out, const mg_criterion *c, const mg_grade_input *in,
	void *payload)
{
	mg_judge *j = payload;
	int rc;

	if (!j || !j->open || c->kind == MG_CRITERION_CHECK)
		return MG_GRADE_SKIPPED;
	if ((rc = render_once(j, in)) < 0)
		return rc;
	return c->kind == MG_CRITERION_JUDGE ? judge_one(j, out, c) : questions_one(j, out, c);
}

/* ---- setting up --------------------------------------------------------------------- */

int mg_judge_check(const char *provider, const char *replay)
{
	int is_replay;

	if (!provider || (strcmp(provider, "anthropic") && strcmp(provider, "openai") &&
	    strcmp(provider, "replay")))
		return mg_error_set(MEMGIT_EINPUT, "unknown judge", provider ? provider : "",
			"expected anthropic, openai or replay");
	is_replay = strcmp(provider, "replay") == 0;
	if (is_replay && !replay)
		return mg_error_set(MEMGIT_EINPUT, "cannot grade", "replay", "the replay judge needs a "
			"folder of recorded responses (--replay DIR)");
	if (!is_replay && replay)
		return mg_error_set(MEMGIT_EINPUT, "cannot grade", provider, "a replay folder goes with "
			"the replay judge");
	if (is_replay && mg_fs_kind(replay) != 1)
		return mg_error_set(MEMGIT_EINPUT, "cannot replay", replay, "not a folder of recorded "
			"responses (judge-<id>.json, questions-<id>.json)");
	return 0;
}

int mg_judge_open(mg_judge *j, const char *provider, const char *model, const char *replay,
	const mg_model_settings *settings)
{
	memgit_dream_options o = MEMGIT_DREAM_OPTIONS_INIT;
	int rc;

	memset(j, 0, sizeof(*j));
	if ((rc = mg_judge_check(provider, replay)) < 0)
		return rc;
	o.model = model;
	o.replay = replay;
	if ((rc = mg_model_ctx_init(&j->model, provider, &o, settings)) < 0)
		return rc;
	j->open = 1;
	snprintf(j->grader, sizeof(j->grader), "memgit/%s+%s", MEMGIT_VERSION, j->model.label);
	return 0;
}

static int load_questions(mg_judge_questions *x, const mg_criterion *c, mg_judge_read_cb read,
	void *payload)
{
	memgit_buf text = MEMGIT_BUF_INIT;
	int rc;

	x->c = c;
	if ((rc = read(&text, c->questions, payload)) == 0)
		rc = mg_questions_parse(&x->qs, text.ptr ? text.ptr : "", text.size, c->questions);
	memgit_buf_dispose(&text);
	return rc;
}

int mg_judge_prepare(mg_judge *j, const mg_rubric *r, mg_judge_read_cb read, void *payload)
{
	int rc = 0;

	if (!(j->qs = calloc(r->ncriteria ? r->ncriteria : 1, sizeof(*j->qs))))
		return mg_error_oom();
	for (size_t i = 0; i < r->ncriteria && rc == 0; i++) {
		if (r->criteria[i].kind != MG_CRITERION_QUESTIONS)
			continue;
		rc = load_questions(&j->qs[j->nqs], &r->criteria[i], read, payload);
		j->nqs++;
	}
	return rc;
}

void mg_judge_dispose(mg_judge *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->nqs; i++)
		mg_questions_dispose(&j->qs[i].qs);
	free(j->qs);
	memgit_buf_dispose(&j->context);
	memgit_buf_dispose(&j->memory);
	if (j->open)
		mg_model_ctx_dispose(&j->model);
	memset(j, 0, sizeof(*j));
}
