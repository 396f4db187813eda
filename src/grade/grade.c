/*
 * grade.c: grading a dream (memgit_dream_grade): read the rubric from the
 * memory branch, the memory before (the dream's base) and after (the
 * dream's commit), run the criteria, and record the outcome in the
 * dream's note.
 *
 * No regression is judged like for like: the memory after the dream and
 * the memory branch as it is now are both graded whole (baseline mode),
 * and the dream must not score lower. The result is one more criterion of
 * the outcome, `no-regression`, required and of weight 0, so a refusal
 * names it and the weighted score is the rubric's own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/yaml.h"
#include "dream/dream_internal.h"
#include "grade/judge.h"
#include "grade/outcome.h"
#include "memgit/grade.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/jsonw.h"

#define DEFAULT_RUBRIC "rubrics/default.yaml"
#define RUBRIC_MAX_BYTES (1u << 20)
#define EPS 1e-9

/* ---- the memory of a tree ----------------------------------------------------------- */

typedef struct {
	mg_grade_file *v;
	size_t n, cap;
	memgit_store *s;
	int rc;
} files;

static void files_dispose(files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free((char *)f->v[i].path);
		free((char *)f->v[i].content);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static int add_file(const char *root, const git_tree_entry *e, void *payload)
{
	files *f = payload;
	git_blob *blob = NULL;
	mg_grade_file *x;
	char *path, *content;
	size_t len, plen;

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	if (git_blob_lookup(&blob, f->s->repo, git_tree_entry_id(e)) < 0) {
		f->rc = mg_git_error(-1, "cannot read memory", git_tree_entry_name(e));
		return -1;
	}
	len = (size_t)git_blob_rawsize(blob);
	plen = strlen(root) + strlen(git_tree_entry_name(e)) + 1;
	path = malloc(plen);
	content = malloc(len + 1);
	if (!path || !content ||
	    mg_array_grow((void **)&f->v, &f->cap, f->n + 1, sizeof(*f->v)) < 0) {
		free(path);
		free(content);
		git_blob_free(blob);
		f->rc = mg_error_oom();
		return -1;
	}
	snprintf(path, plen, "%s%s", root, git_tree_entry_name(e));
	memcpy(content, git_blob_rawcontent(blob), len);
	content[len] = '\0';
	git_blob_free(blob);
	x = &f->v[f->n++];
	x->path = path;
	x->content = content;
	x->len = len;
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const mg_grade_file *)a)->path, ((const mg_grade_file *)b)->path);
}

/* Every memory of `commit_hex`'s tree (under memories/), sorted by path. */
static int load_files(files *f, memgit_store *s, const char *commit_hex)
{
	git_commit *c = NULL;
	git_tree *tree = NULL, *mem = NULL;
	git_tree_entry *e = NULL;
	git_oid id;
	int rc;

	memset(f, 0, sizeof(*f));
	f->s = s;
	if (git_oid_fromstr(&id, commit_hex) < 0 || (rc = git_commit_lookup(&c, s->repo, &id)) < 0 ||
	    (rc = git_commit_tree(&tree, c)) < 0) {
		rc = mg_git_error(-1, "cannot read commit", commit_hex);
		goto done;
	}
	rc = 0;
	if (git_tree_entry_bypath(&e, tree, MG_MEMORIES_DIR) < 0)
		goto done; /* no memories yet */
	if ((rc = git_tree_lookup(&mem, s->repo, git_tree_entry_id(e))) < 0) {
		rc = mg_git_error(rc, "cannot read tree", commit_hex);
		goto done;
	}
	if (git_tree_walk(mem, GIT_TREEWALK_PRE, add_file, f) < 0)
		rc = f->rc ? f->rc : mg_git_error(-1, "cannot walk tree", commit_hex);
	else if (f->n)
		qsort(f->v, f->n, sizeof(*f->v), by_path);
done:
	git_tree_entry_free(e);
	git_tree_free(mem);
	git_tree_free(tree);
	git_commit_free(c);
	if (rc < 0)
		files_dispose(f);
	return rc;
}

/* ---- the rubric --------------------------------------------------------------------- */

/* The rubric at `path` in the memory branch, else on disk; its blob id. */
static int load_rubric(mg_rubric *r, char blob_hex[41], memgit_store *s, const char *path)
{
	memgit_buf text = MEMGIT_BUF_INIT;
	git_object *obj = NULL;
	git_oid blob;
	char spec[600];
	int rc;

	snprintf(spec, sizeof(spec), "%s:%s", s->refname, path);
	if (git_revparse_single(&obj, s->repo, spec) == 0 && git_object_type(obj) == GIT_OBJECT_BLOB) {
		const git_blob *b = (const git_blob *)obj;
		if ((size_t)git_blob_rawsize(b) > RUBRIC_MAX_BYTES)
			rc = mg_error_set(MEMGIT_ELIMIT, "invalid rubric", path, "over %u bytes",
				RUBRIC_MAX_BYTES);
		else
			rc = mg_buf_set(&text, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
		git_oid_cpy(&blob, git_object_id(obj));
	} else if ((rc = mg_fs_read_file(&text, path, RUBRIC_MAX_BYTES)) == 0) {
		git_odb_hash(&blob, text.ptr, text.size, GIT_OBJECT_BLOB);
	} else {
		rc = mg_error_set(MEMGIT_ENOTFOUND, "no rubric", path,
			"not in the memory branch nor a readable file");
	}
	if (rc == 0) {
		git_oid_tostr(blob_hex, 41, &blob);
		rc = mg_rubric_parse(r, text.ptr, text.size, path);
	}
	git_object_free(obj);
	memgit_buf_dispose(&text);
	return rc;
}

int mg_grade_rubric_check(memgit_store *s, const char *path)
{
	mg_rubric r = MG_RUBRIC_INIT;
	char blob[41];
	int rc;

	rc = load_rubric(&r, blob, s, path ? path : DEFAULT_RUBRIC);
	mg_rubric_dispose(&r);
	return rc;
}

/* A file of the memory branch: the questions file a rubric names. */
static int read_branch_file(memgit_buf *out, const char *path, void *payload)
{
	memgit_store *s = payload;
	git_object *obj = NULL;
	char spec[600];
	int rc;

	snprintf(spec, sizeof(spec), "%s:%s", s->refname, path);
	if (git_revparse_single(&obj, s->repo, spec) < 0 || git_object_type(obj) != GIT_OBJECT_BLOB)
		rc = mg_error_set(MEMGIT_ENOTFOUND, "no questions file", path, "not in the memory branch");
	else if ((size_t)git_blob_rawsize((git_blob *)obj) > RUBRIC_MAX_BYTES)
		rc = mg_error_set(MEMGIT_ELIMIT, "invalid questions", path, "over %u bytes",
			RUBRIC_MAX_BYTES);
	else
		rc = mg_buf_set(out, git_blob_rawcontent((git_blob *)obj),
			(size_t)git_blob_rawsize((git_blob *)obj));
	git_object_free(obj);
	return rc;
}

/* The model judge, when one is asked for and the rubric has criteria for it. */
static int open_judge(mg_judge *j, memgit_store *s, const mg_rubric *r,
	const mg_model_settings *model, const memgit_grade_options *opts)
{
	const char *provider;
	size_t judged = 0;
	int rc;

	if (!opts || (!opts->judge && !opts->replay))
		return 0;
	provider = opts->judge ? opts->judge : "replay";
	for (size_t i = 0; i < r->ncriteria; i++)
		judged += r->criteria[i].kind != MG_CRITERION_CHECK;
	if (!judged) /* nothing for a model to do: no key needed */
		return mg_judge_check(provider, opts->replay);
	if ((rc = mg_judge_open(j, provider, opts->model, opts->replay, model)) < 0)
		return rc;
	return mg_judge_prepare(j, r, read_branch_file, s);
}

/* ---- grading ----------------------------------------------------------------------- */

/* The memory as a whole (baseline mode): its score on the rubric. */
static int whole_score(double *out, const mg_rubric *r, const files *f, memgit_store *s)
{
	mg_grade_input in;
	mg_outcome o = MG_OUTCOME_INIT;
	int rc;

	memset(&in, 0, sizeof(in));
	in.result = f->v;
	in.nresult = f->n;
	in.allow = s->allow;
	in.limits = &s->limits;
	if ((rc = mg_grade_run(&o, r, &in, NULL)) == 0)
		*out = o.score;
	mg_outcome_dispose(&o);
	return rc;
}

/* The no-regression criterion, appended to the outcome. */
static int add_regression(mg_outcome *o, double after, double main_score)
{
	mg_criterion_result *grown = realloc(o->results, (o->nresults + 1) * sizeof(*grown));
	mg_criterion_result *x;

	if (!grown)
		return mg_error_oom();
	o->results = grown;
	x = &o->results[o->nresults++];
	memset(x, 0, sizeof(*x));
	x->id = strdup("no-regression");
	x->kind = strdup("check");
	x->required = 1;
	x->pass = after + EPS >= main_score;
	x->score = main_score > 0 ? (after >= main_score ? 1.0 : after / main_score) : 1.0;
	if (!x->id || !x->kind)
		return mg_error_oom();
	return mg_criterion_result_explain(x, "the memory after the dream scores %.3f on this "
		"rubric, the memory branch scores %.3f%s", after, main_score,
		x->pass ? "" : ": the dream makes the memory worse");
}

typedef struct {
	files base, after, main;
	mg_rubric rubric;
	char rubric_blob[41];
	const char *rubric_path;
	char main_hex[41];
	mg_dream_settings settings;
	mg_judge judge;
} grade_ctx;

static void ctx_dispose(grade_ctx *g)
{
	files_dispose(&g->base);
	files_dispose(&g->after);
	files_dispose(&g->main);
	mg_rubric_dispose(&g->rubric);
	mg_dream_settings_dispose(&g->settings);
	mg_judge_dispose(&g->judge);
}

static int ctx_load(grade_ctx *g, memgit_store *s, const memgit_dream *d,
	const memgit_grade_options *opts)
{
	git_commit *tip = NULL;
	git_tree *tree = NULL;
	git_oid id;
	int rc;

	if ((rc = git_reference_name_to_id(&id, s->repo, s->refname)) < 0)
		return mg_git_error(rc, "cannot read branch", s->branch);
	git_oid_tostr(g->main_hex, sizeof(g->main_hex), &id);
	if ((rc = git_commit_lookup(&tip, s->repo, &id)) < 0 || (rc = git_commit_tree(&tree, tip)) < 0) {
		rc = mg_git_error(rc, "cannot read branch", s->branch);
		goto done;
	}
	if ((rc = mg_dream_settings_load(&g->settings, s, tree)) < 0)
		goto done;
	g->rubric_path = opts && opts->rubric ? opts->rubric :
		g->settings.rubric ? g->settings.rubric : DEFAULT_RUBRIC;
	if ((rc = load_rubric(&g->rubric, g->rubric_blob, s, g->rubric_path)) < 0 ||
	    (rc = load_files(&g->base, s, d->base)) < 0 ||
	    (rc = load_files(&g->after, s, d->commit)) < 0 ||
	    (rc = load_files(&g->main, s, g->main_hex)) < 0 ||
	    (rc = open_judge(&g->judge, s, &g->rubric, &g->settings.model, opts)) < 0)
		goto done;
done:
	git_tree_free(tree);
	git_commit_free(tip);
	return rc;
}

static int grade(mg_outcome *o, grade_ctx *g, memgit_store *s, const memgit_dream *d,
	unsigned iteration)
{
	mg_grade_options go = MG_GRADE_OPTIONS_INIT;
	mg_grade_input in;
	double after, main_score;
	int rc;

	memset(&in, 0, sizeof(in));
	in.base = g->base.v;
	in.nbase = g->base.n;
	in.result = g->after.v;
	in.nresult = g->after.n;
	in.edits = d->views;
	in.nedits = d->edits.n;
	in.sessions = (const char *const *)d->sessions;
	in.nsessions = d->nsessions;
	in.allow = s->allow;
	in.limits = &s->limits;
	go.rubric_path = g->rubric_path;
	go.rubric_blob = g->rubric_blob;
	go.iteration = iteration;
	if (g->judge.open) {
		go.judge = mg_judge_cb;
		go.payload = &g->judge;
		go.grader = g->judge.grader;
	}
	if ((rc = mg_grade_run(o, &g->rubric, &in, &go)) < 0)
		return rc;
	if (g->judge.open && g->judge.requests) {
		o->has_usage = 1;
		o->usage_requests = g->judge.requests;
		o->usage_input = g->judge.usage.input;
		o->usage_output = g->judge.usage.output;
		o->usage_cache_read = g->judge.usage.cache_read;
		o->usage_cache_write = g->judge.usage.cache_creation;
	}
	if (g->rubric.no_regression) {
		if ((rc = whole_score(&after, &g->rubric, &g->after, s)) < 0 ||
		    (rc = whole_score(&main_score, &g->rubric, &g->main, s)) < 0 ||
		    (rc = add_regression(o, after, main_score)) < 0)
			return rc;
		mg_outcome_decide(o);
	}
	if (strcmp(o->verdict, MG_VERDICT_NEEDS_REVISION) == 0 && iteration >= o->max_iterations)
		snprintf(o->verdict, sizeof(o->verdict), "%s", MG_VERDICT_MAX_ITERATIONS);
	return 0;
}

int mg_dream_grade_loaded(memgit_dream **out, memgit_store *s, memgit_dream *d,
	const memgit_grade_options *opts)
{
	memgit_buf json = MEMGIT_BUF_INIT;
	mg_outcome o = MG_OUTCOME_INIT;
	grade_ctx g;
	mg_jsonw w;
	int rc;

	memset(&g, 0, sizeof(g));
	if (!d->commit[0]) {
		rc = mg_error_set(MEMGIT_EINPUT, "cannot grade", d->id, "the dream has no commit");
		goto done;
	}
	if ((rc = ctx_load(&g, s, d, opts)) < 0 ||
	    (rc = grade(&o, &g, s, d, opts && opts->iteration ? opts->iteration :
		     memgit_dream_iteration(d) ? memgit_dream_iteration(d) : 1)) < 0)
		goto done;
	mg_jsonw_init(&w, &json, 1);
	if ((rc = mg_outcome_json(&w, &o)) < 0 || (rc = mg_jsonw_finish(&w)) < 0 ||
	    (rc = mg_dream_record(s, d, "outcomes", json.ptr)) < 0)
		goto done;
	rc = memgit_dream_load(out, s, d->id);
done:
	mg_outcome_dispose(&o);
	ctx_dispose(&g);
	memgit_buf_dispose(&json);
	return rc;
}

int memgit_dream_grade(memgit_dream **out, memgit_store *s, const char *id,
	const memgit_grade_options *opts)
{
	memgit_dream *d = NULL;
	int rc;

	*out = NULL;
	if (opts && opts->version != MEMGIT_GRADE_OPTIONS_VERSION)
		return mg_error_set(MEMGIT_EINPUT, "cannot grade", NULL, "options version %u, expected %u",
			opts->version, MEMGIT_GRADE_OPTIONS_VERSION);
	if ((rc = memgit_dream_load(&d, s, id)) == 0)
		rc = mg_dream_grade_loaded(out, s, d, opts);
	memgit_dream_free(d);
	return rc;
}

int memgit_dream_outcome_text(memgit_buf *out, const memgit_dream *d)
{
	mg_outcome o = MG_OUTCOME_INIT;
	int rc;

	if (!d->outcome)
		return mg_buf_puts(out, "not graded\n");
	if ((rc = mg_outcome_from_json(&o, d->outcome, strlen(d->outcome), d->id)) == 0)
		rc = mg_outcome_text(out, &o);
	mg_outcome_dispose(&o);
	return rc;
}
