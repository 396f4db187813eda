/*
 * dream_revise.c: grading a dream as it is made, and its revision passes
 * (DESIGN.md section 5, step 5; docs/dreams.md section 6).
 *
 * Each pass is graded and the outcome recorded in its note. A
 * needs_revision outcome sends the failed criteria back for another pass.
 * The revision every dreamer gets is mechanical: an applied edit that
 * touches a memory a failed criterion blames (its `paths`: the path, a
 * merged memory, a move's target) is dropped, with the criterion and its
 * explanation as the reason; the edits left are validated again on their
 * own and committed as the next pass on dream/<id>, its parent the
 * previous pass (so `git log dream/<id>` shows the passes), its tree the
 * base with those edits. A dream a model made asks the model instead
 * (request "revise-<pass>"): it gets its applied edits and the failures
 * and answers with a complete list, which supersedes them; without an
 * answer (a replay with none recorded, a spent budget) the mechanical
 * revision applies.
 *
 * The loop stops when the outcome is anything but needs_revision (grade.c
 * turns needs_revision into max_iterations_reached on the rubric's last
 * pass), when the failures blame no applied edit (the verdict stays), or
 * when every applied edit would go (a dream of nothing is not committed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dream_internal.h"
#include "grade/outcome.h"
#include "model.h"
#include "util/array.h"
#include "util/fs.h"
#include "util/jsonw.h"
#include "util/buf.h"
#include "util/error.h"

#define MG_DROP_EXPLANATION_MAX 300

/* ---- what to drop ------------------------------------------------------------------ */

static int touches(const mg_edit *e, const char *path)
{
	if (strcmp(e->path, path) == 0 || (e->to && strcmp(e->to, path) == 0))
		return 1;
	for (size_t i = 0; i < e->nmerged; i++)
		if (strcmp(e->merged[i], path) == 0)
			return 1;
	return 0;
}

/* The first failed criterion (rubric order) blaming a memory `e` touches. */
static const mg_criterion_result *blamed_by(const mg_outcome *o, const mg_edit *e)
{
	for (size_t i = 0; i < o->nresults; i++) {
		const mg_criterion_result *r = &o->results[i];
		if (r->pass || r->skipped)
			continue;
		for (size_t j = 0; j < r->npaths; j++)
			if (touches(e, r->paths[j]))
				return r;
	}
	return NULL;
}

/* "revision <pass>: <what>: <why>", one line, `why` cut on a character
 * boundary: the reason a refused edit keeps. */
static int drop(mg_edit *e, unsigned pass, const char *what, const char *why)
{
	memgit_buf text = MEMGIT_BUF_INIT;
	size_t n = strlen(why);
	int rc;

	if (n > MG_DROP_EXPLANATION_MAX) {
		n = MG_DROP_EXPLANATION_MAX;
		while (n > 0 && ((unsigned char)why[n] & 0xc0) == 0x80)
			n--;
	}
	rc = mg_buf_printf(&text, MG_DREAM_DROPPED_PREFIX "%u: %s: %.*s%s", pass, what, (int)n, why,
		why[n] ? "..." : "");
	for (size_t i = 0; rc == 0 && i < text.size; i++)
		if ((unsigned char)text.ptr[i] < 0x20 || text.ptr[i] == 0x7f)
			text.ptr[i] = ' ';
	if (rc == 0) {
		free(e->refused);
		if (!(e->refused = mg_buf_detach(&text)))
			rc = mg_error_oom();
	}
	memgit_buf_dispose(&text);
	return rc;
}

static void recount(memgit_dream *d)
{
	d->applied = d->refused = 0;
	for (size_t i = 0; i < d->edits.n; i++)
		if (d->edits.items[i].refused)
			d->refused++;
		else
			d->applied++;
}

/*
 * Mark the applied edits outcome `o` blames as dropped by pass `pass`;
 * how many in `*n`. Nothing is marked (and d->stopped says why) when none
 * is blamed or when all would go.
 */
static int drop_blamed(size_t *n, memgit_dream *d, const mg_outcome *o, unsigned pass)
{
	const mg_criterion_result **by = calloc(d->edits.n ? d->edits.n : 1, sizeof(*by));
	memgit_buf what = MEMGIT_BUF_INIT;
	int rc = 0;

	*n = 0;
	if (!by)
		return mg_error_oom();
	for (size_t i = 0; i < d->edits.n; i++)
		if (!d->edits.items[i].refused && (by[i] = blamed_by(o, &d->edits.items[i])))
			(*n)++;
	if (!*n || *n == d->applied) {
		d->stopped = *n ? "no edit would be left" : "the failures blame no applied edit";
		*n = 0;
		goto done;
	}
	for (size_t i = 0; i < d->edits.n && rc == 0; i++) {
		if (!by[i])
			continue;
		mg_buf_clear(&what);
		if ((rc = mg_buf_printf(&what, "dropped for failing %s", by[i]->id)) == 0)
			rc = drop(&d->edits.items[i], pass, what.ptr,
				by[i]->explanation ? by[i]->explanation : "");
	}
	recount(d);
done:
	memgit_buf_dispose(&what);
	free(by);
	return rc;
}

/*
 * The edits left, validated again on their own against the base: an edit
 * the dropped ones made room for could now be refused (a create that only
 * fitted limits.store_max_memories next to a dropped delete). One refused
 * now is dropped too, with validation's reason.
 */
static int revalidate(memgit_dream *d, memgit_store *s, const mg_dream_inputs *in, unsigned pass)
{
	memgit_dream *scratch = mg_dream_alloc();
	mg_edit_list left = { NULL, 0, 0 };
	size_t *at = NULL;
	int rc = 0;

	if (!scratch || !(left.items = calloc(d->applied ? d->applied : 1, sizeof(*left.items))) ||
	    !(at = calloc(d->applied ? d->applied : 1, sizeof(*at)))) {
		rc = mg_error_oom();
		goto done;
	}
	for (size_t i = 0; i < d->edits.n; i++)
		if (!d->edits.items[i].refused) {
			at[left.n] = i;
			left.items[left.n++] = d->edits.items[i]; /* borrowed, for the copy */
		}
	if ((rc = mg_edit_list_copy(&scratch->edits, &left)) < 0 ||
	    (rc = mg_dream_validate(scratch, s, in)) < 0)
		goto done;
	for (size_t j = 0; j < scratch->edits.n && rc == 0; j++)
		if (scratch->edits.items[j].refused)
			rc = drop(&d->edits.items[at[j]], pass, "refused on its own",
				scratch->edits.items[j].refused);
	recount(d);
done:
	free(left.items);
	free(at);
	memgit_dream_free(scratch);
	return rc;
}

/* Take back what pass `pass` dropped. */
static void undrop(memgit_dream *d, unsigned pass)
{
	char prefix[32];
	int len = snprintf(prefix, sizeof(prefix), MG_DREAM_DROPPED_PREFIX "%u:", pass);

	for (size_t i = 0; i < d->edits.n; i++) {
		mg_edit *e = &d->edits.items[i];
		if (e->refused && strncmp(e->refused, prefix, (size_t)len) == 0) {
			free(e->refused);
			e->refused = NULL;
		}
	}
	recount(d);
}

/* ---- committing a pass ----------------------------------------------------------------- */

/* The pass's note: the dream's record with its edits as they now stand,
 * and the outcomes of the passes before (grading adds its own). */
static int pass_note(memgit_buf *note, const memgit_dream *d, const mg_dream_inputs *in)
{
	memgit_buf item = MEMGIT_BUF_INIT;
	int rc = mg_dream_note_write(note, d, in);

	for (size_t i = 0; i < d->noutcomes && rc == 0; i++) {
		mg_jsonw w;
		mg_buf_clear(&item);
		mg_jsonw_init(&w, &item, 1);
		mg_dream_outcome_jsonw(&w, d->outcomes[i]);
		if ((rc = mg_jsonw_finish(&w)) == 0)
			rc = mg_dream_note_push(note, "outcomes", item.ptr, d->id);
	}
	memgit_buf_dispose(&item);
	return rc;
}

/* Commit pass d->pass on the previous one (d->commit) and move dream/<id>
 * to it by compare-and-swap. */
static int commit_pass(memgit_dream *d, memgit_store *s, const mg_dream_inputs *in)
{
	memgit_buf msg = MEMGIT_BUF_INIT, note = MEMGIT_BUF_INIT;
	git_commit *prev = NULL, *made = NULL;
	git_oid prev_id, commit;
	int rc;

	if (git_oid_fromstr(&prev_id, d->commit) < 0 ||
	    (rc = git_commit_lookup(&prev, s->repo, &prev_id)) < 0) {
		rc = mg_git_error(-1, "cannot read dream", d->id);
		goto done;
	}
	if ((rc = mg_dream_message(&msg, d)) < 0)
		goto done;
	free(d->message);
	d->message = mg_buf_detach(&msg);
	if (!d->message) {
		rc = mg_error_oom();
		goto done;
	}
	if ((rc = mg_dream_build_commit(&commit, s, d, in->base, prev)) < 0 ||
	    (rc = pass_note(&note, d, in)) < 0 ||
	    (rc = mg_dream_publish(s, d, &commit, &prev_id, note.ptr, 0)) < 0)
		goto done;
	git_oid_tostr(d->commit, sizeof(d->commit), &commit);
	if ((rc = git_commit_lookup(&made, s->repo, &commit)) < 0) {
		rc = mg_git_error(rc, "cannot read commit", d->commit);
		goto done;
	}
	d->time = (int64_t)git_commit_time(made);
	rc = mg_dream_views(d);
done:
	git_commit_free(made);
	git_commit_free(prev);
	memgit_buf_dispose(&msg);
	memgit_buf_dispose(&note);
	return rc;
}

/* ---- the loop ------------------------------------------------------------------------------ */

/* Grade pass d->pass and take its record (the outcomes so far) onto `d`. */
static int grade_pass(memgit_dream *d, memgit_store *s, const memgit_dream_options *opts)
{
	memgit_grade_options go = MEMGIT_GRADE_OPTIONS_INIT;
	memgit_dream *graded = NULL;
	int rc;

	go.rubric = opts->rubric;
	go.iteration = d->pass;
	if ((rc = mg_dream_grade_loaded(&graded, s, d, &go)) == 0) {
		mg_dream_adopt_record(d, graded);
		rc = mg_dream_views(d);
	}
	memgit_dream_free(graded);
	return rc;
}

/* ---- a model's revision ------------------------------------------------------------------- */

/* The applied edits as the model wrote them: {"edits": [...]}. */
static int applied_json(memgit_buf *out, const memgit_dream *d)
{
	mg_jsonw w;

	mg_jsonw_init(&w, out, 0);
	mg_jsonw_object_open(&w);
	mg_jsonw_key(&w, "edits");
	mg_jsonw_array_open(&w);
	for (size_t i = 0; i < d->edits.n; i++) {
		const mg_edit *e = &d->edits.items[i];
		if (e->refused)
			continue;
		mg_jsonw_object_open(&w);
		mg_jsonw_key(&w, "kind");
		mg_jsonw_string(&w, memgit_edit_kind_name(e->kind));
		mg_jsonw_key(&w, "path");
		mg_jsonw_string(&w, e->path);
		if (e->to) {
			mg_jsonw_key(&w, "to");
			mg_jsonw_string(&w, e->to);
		}
		if (e->nmerged) {
			mg_jsonw_key(&w, "merged");
			mg_jsonw_array_open(&w);
			for (size_t j = 0; j < e->nmerged; j++)
				mg_jsonw_string(&w, e->merged[j]);
			mg_jsonw_array_close(&w);
		}
		if (e->content) {
			mg_jsonw_key(&w, "content");
			mg_jsonw_string_len(&w, e->content, e->content_len);
		}
		mg_jsonw_key(&w, "rationale");
		mg_jsonw_string(&w, e->rationale ? e->rationale : "");
		mg_jsonw_key(&w, "evidence");
		mg_jsonw_array_open(&w);
		for (size_t j = 0; j < e->nevidence; j++)
			mg_jsonw_string(&w, e->evidence[j]);
		mg_jsonw_array_close(&w);
		mg_jsonw_object_close(&w);
	}
	mg_jsonw_array_close(&w);
	mg_jsonw_object_close(&w);
	return mg_jsonw_finish(&w);
}

/* "- deletions (required): removed 4 of 8 ... [memories: a.md, b.md]" per failure. */
static int feedback_text(memgit_buf *out, const mg_outcome *o)
{
	int rc = 0;

	for (size_t i = 0; i < o->nresults && rc == 0; i++) {
		const mg_criterion_result *c = &o->results[i];
		if (c->pass || c->skipped)
			continue;
		rc = mg_buf_printf(out, "- %s%s (score %.2f): %s", c->id, c->required ? " (required)" : "",
			c->score, c->explanation ? c->explanation : "");
		for (size_t j = 0; j < c->npaths && rc == 0; j++)
			rc = mg_buf_printf(out, "%s%s", j ? ", " : " [memories: ", c->paths[j]);
		rc = rc ? rc : mg_buf_puts(out, c->npaths ? "]\n" : "\n");
	}
	return rc;
}

/* "<what>: <the current error>", kept on the dream for its caller to show. */
static void keep_warning(memgit_dream *d, const char *what)
{
	memgit_buf w = MEMGIT_BUF_INIT;

	if (mg_buf_printf(&w, "%s: %s", what, memgit_error_last()->message) == 0) {
		free(d->warning);
		d->warning = mg_buf_detach(&w);
	}
	memgit_buf_dispose(&w);
}

/* The model dreamer's context when the dream was made by one, else 1. */
static int model_ctx(mg_model_ctx *ctx, const mg_dream_inputs *in, const memgit_dream_options *opts)
{
	const char *name = opts->dreamer ? opts->dreamer : in->settings.dreamer;

	if (!name || (strcmp(name, "anthropic") != 0 && strcmp(name, "openai") != 0 &&
		     (strcmp(name, "replay") != 0 || !opts->replay || mg_fs_kind(opts->replay) != 1)))
		return 1;
	return mg_model_ctx_init(ctx, name, opts, &in->settings.model);
}

/* Append the model's edits to d's list (taking them), with their expected blobs. */
static int adopt_revised(memgit_dream *d, mg_edit_list *revised, const mg_dream_inputs *in)
{
	char (*expect)[41] = realloc(d->expect, (d->edits.n + revised->n + 1) * sizeof(*expect));

	if (!expect)
		return mg_error_oom();
	d->expect = expect;
	if (mg_array_grow((void **)&d->edits.items, &d->edits.cap, d->edits.n + revised->n,
		    sizeof(*d->edits.items)) < 0)
		return MEMGIT_ENOMEM;
	for (size_t i = 0; i < revised->n; i++) {
		const mg_edit *e = &revised->items[i];
		size_t at;
		d->expect[d->edits.n][0] = '\0';
		if (e->kind != MEMGIT_EDIT_CREATE && mg_strmap_get(&in->mem_index, e->path, &at) == 0)
			memcpy(d->expect[d->edits.n], in->mems[at].blob, 41);
		d->edits.items[d->edits.n++] = *e;
	}
	free(revised->items);
	memset(revised, 0, sizeof(*revised));
	return 0;
}

/*
 * Ask the model for the next pass: it sees its applied edits and the
 * failures, and answers with a complete list, which replaces the applied
 * edits (kept in the note as superseded). 1 when no model made the dream,
 * a replay has no recorded answer, or the budget is spent: the mechanical
 * revision applies then.
 */
static int revise_by_model(size_t *n, memgit_dream *d, memgit_store *s, const mg_dream_inputs *in,
	const memgit_dream_options *opts, const mg_outcome *o)
{
	memgit_buf edits = MEMGIT_BUF_INIT, feedback = MEMGIT_BUF_INIT;
	mg_edit_list revised = { NULL, 0, 0 };
	mg_dream_input din;
	mg_model_ctx ctx;
	unsigned pass = d->pass + 1;
	size_t old_n = d->edits.n;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	if ((rc = model_ctx(&ctx, in, opts)) != 0)
		return rc;
	if (!mg_model_can_revise(&ctx, pass)) {
		rc = 1;
		goto done;
	}
	mg_dream_input_of(&din, s, in, opts);
	if ((rc = applied_json(&edits, d)) < 0 || (rc = feedback_text(&feedback, o)) < 0 ||
	    (rc = mg_model_revise(&revised, &ctx, &din, edits.ptr, feedback.ptr, pass,
		     d->usage.input + d->usage.output + d->usage.cache_read + d->usage.cache_write)) < 0) {
		/* the pass is committed and graded: a failed request costs the
		 * model's revision, not the dream; the blamed edits are dropped */
		keep_warning(d, "the model's revise request failed, so the blamed edits were dropped");
		memgit_error_clear();
		rc = 1;
		goto done;
	}
	if (rc > 0)
		goto done;
	d->usage.input += (uint64_t)ctx.report.usage.input;
	d->usage.output += (uint64_t)ctx.report.usage.output;
	d->usage.cache_read += (uint64_t)ctx.report.usage.cache_read;
	d->usage.cache_write += (uint64_t)ctx.report.usage.cache_creation;
	d->usage.requests += ctx.report.requests;
	for (size_t i = 0; i < old_n && rc == 0; i++)
		if (!d->edits.items[i].refused)
			rc = drop(&d->edits.items[i], pass, "superseded",
				"the model revised its edits after the grader's feedback");
	if (rc < 0 || (rc = adopt_revised(d, &revised, in)) < 0 ||
	    (rc = revalidate(d, s, in, pass)) < 0)
		goto done;
	*n = 1;
	if (!d->applied) { /* nothing valid came back: keep the pass as it was */
		mg_edit_list_truncate(&d->edits, old_n);
		undrop(d, pass);
		d->stopped = "the model's revision left no valid edit";
		*n = 0;
	}
done:
	mg_edit_list_dispose(&revised);
	mg_model_ctx_dispose(&ctx);
	memgit_buf_dispose(&edits);
	memgit_buf_dispose(&feedback);
	return rc;
}

/* The edits the next pass keeps, marked on `d`; `*n` dropped (0: stop). */
static int revise(size_t *n, memgit_dream *d, memgit_store *s, const mg_dream_inputs *in,
	const memgit_dream_options *opts)
{
	mg_outcome o = MG_OUTCOME_INIT;
	int rc;

	*n = 0;
	if ((rc = mg_outcome_from_json(&o, d->outcome, strlen(d->outcome), d->id)) < 0)
		return rc;
	if (d->pass >= o.max_iterations)
		goto done;
	if ((rc = revise_by_model(n, d, s, in, opts, &o)) <= 0)
		goto done;
	if ((rc = drop_blamed(n, d, &o, d->pass + 1)) < 0 || !*n)
		goto done;
	if ((rc = revalidate(d, s, in, d->pass + 1)) == 0 && !d->applied) {
		/* the edits left were all refused on their own: nothing to commit */
		undrop(d, d->pass + 1);
		d->stopped = "no edit would be left";
		*n = 0;
	}
done:
	mg_outcome_dispose(&o);
	return rc;
}

int mg_dream_iterate(memgit_dream *d, memgit_store *s, const mg_dream_inputs *in,
	const memgit_dream_options *opts)
{
	size_t dropped;
	int rc;

	for (;;) {
		if ((rc = grade_pass(d, s, opts)) < 0 || !d->outcome ||
		    strcmp(d->verdict, MG_VERDICT_NEEDS_REVISION) != 0)
			return rc;
		if ((rc = revise(&dropped, d, s, in, opts)) < 0)
			return rc;
		if (!dropped) /* the views too: a revision that was not used may have moved them */
			return mg_dream_views(d);
		d->pass++;
		if ((rc = commit_pass(d, s, in)) < 0)
			return rc;
	}
}
