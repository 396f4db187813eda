/*
 * engine.c: memgit_dream_run and the dream object.
 *
 * A run is: read the inputs (dream_inputs.c), ask the dreamer for edits,
 * validate them (dream_validate.c), build the commit on the base with the
 * write path's checks and publish note and branch (dream_commit.c); then,
 * unless told not to, grade it and make the revision passes
 * (dream_revise.c). The memory branch, its index and its work tree are
 * never written. The dream id is the only thing that depends on the wall
 * clock and on chance: the edits, the tree and the message body depend on
 * the inputs alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dream_internal.h"
#include "memgit/grade.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/fs.h"

/* ---- the dream object ---------------------------------------------------------- */

memgit_dream *mg_dream_alloc(void)
{
	memgit_dream *d = calloc(1, sizeof(*d));
	if (!d) {
		mg_error_oom();
		return NULL;
	}
	d->status = "proposed";
	d->pass = 1;
	return d;
}

void mg_dream_strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void memgit_dream_free(memgit_dream *d)
{
	if (!d)
		return;
	free(d->dreamer);
	free(d->message);
	free(d->instructions);
	free(d->dropped);
	free(d->outcome);
	free(d->decision_why);
	free(d->warning);
	mg_dream_strv_free(d->outcomes, d->noutcomes);
	mg_dream_strv_free(d->pass_failed, d->npasses);
	free(d->pass_verdicts);
	free(d->passes);
	mg_dream_strv_free(d->sessions, d->nsessions);
	mg_dream_strv_free(d->agents, d->nsessions);
	mg_edit_list_dispose(&d->edits);
	free(d->expect);
	free(d->views);
	free(d);
}

int mg_dream_views(memgit_dream *d)
{
	free(d->views);
	if (!(d->views = calloc(d->edits.n ? d->edits.n : 1, sizeof(*d->views))))
		return mg_error_oom();
	for (size_t i = 0; i < d->edits.n; i++) {
		const mg_edit *e = &d->edits.items[i];
		memgit_edit *v = &d->views[i];
		v->kind = e->kind;
		v->path = e->path;
		v->to = e->to;
		v->merged = (const char *const *)e->merged;
		v->nmerged = e->nmerged;
		v->content = e->content;
		v->content_len = e->content_len;
		v->rationale = e->rationale ? e->rationale : "";
		v->evidence = (const char *const *)e->evidence;
		v->nevidence = e->nevidence;
		v->expect_blob = d->expect ? d->expect[i] : "";
		v->refused = e->refused;
	}
	return mg_dream_passes(d);
}

const char *memgit_dream_id(const memgit_dream *d) { return d->id; }
const char *memgit_dream_commit(const memgit_dream *d) { return d->commit; }
const char *memgit_dream_base(const memgit_dream *d) { return d->base; }
const char *memgit_dream_dreamer(const memgit_dream *d) { return d->dreamer ? d->dreamer : ""; }
int64_t memgit_dream_time(const memgit_dream *d) { return d->time; }
const char *memgit_dream_status(const memgit_dream *d) { return d->status; }
size_t memgit_dream_session_count(const memgit_dream *d) { return d->nsessions; }
size_t memgit_dream_edit_count(const memgit_dream *d) { return d->edits.n; }
const char *memgit_dream_message(const memgit_dream *d) { return d->message ? d->message : ""; }
const char *memgit_dream_prompt_sha256(const memgit_dream *d) { return d->prompt_sha256; }
const char *memgit_dream_verdict(const memgit_dream *d) { return d->verdict; }
double memgit_dream_score(const memgit_dream *d) { return d->score; }
const char *memgit_dream_outcome(const memgit_dream *d) { return d->outcome; }
const char *memgit_dream_decision(const memgit_dream *d) { return d->decision; }
const char *memgit_dream_warning(const memgit_dream *d) { return d->warning; }
unsigned memgit_dream_iteration(const memgit_dream *d) { return d->pass; }
size_t memgit_dream_pass_count(const memgit_dream *d) { return d->npasses; }

const memgit_dream_pass *memgit_dream_pass_at(const memgit_dream *d, size_t i)
{
	return i < d->npasses ? &d->passes[i] : NULL;
}

void memgit_dream_usage_of(const memgit_dream *d, memgit_dream_usage *out)
{
	*out = d->usage;
}

const char *memgit_dream_session(const memgit_dream *d, size_t i)
{
	return i < d->nsessions ? d->sessions[i] : NULL;
}

const memgit_edit *memgit_dream_edit(const memgit_dream *d, size_t i)
{
	return i < d->edits.n && d->views ? &d->views[i] : NULL;
}

/* ---- small shared helpers -------------------------------------------------------- */

int mg_dream_id_valid(const char *id)
{
	static const char shape[] = "DDDDDDDDTDDDDDDZ-XXXXXX";

	if (!id || strlen(id) != MG_DREAM_ID_LEN)
		return 0;
	for (size_t i = 0; i < MG_DREAM_ID_LEN; i++) {
		char c = id[i];
		if ((shape[i] == 'D' && (c < '0' || c > '9')) ||
		    (shape[i] == 'X' && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) ||
		    (shape[i] != 'D' && shape[i] != 'X' && c != shape[i]))
			return 0;
	}
	return 1;
}

int mg_dream_split(char ***out, size_t *n, const char *list)
{
	const char *p = list ? list : "";
	char **v = NULL;
	size_t count = 0;

	*out = NULL;
	*n = 0;
	while (*p) {
		size_t len;
		char **grown;
		while (*p == ' ' || *p == '\t')
			p++;
		len = strcspn(p, " \t");
		if (!len)
			break;
		if (!(grown = realloc(v, (count + 1) * sizeof(*v))) || !(grown[count] = strndup(p, len))) {
			mg_dream_strv_free(grown ? grown : v, count);
			return mg_error_oom();
		}
		v = grown;
		count++;
		p += len;
	}
	*out = v;
	*n = count;
	return 0;
}

int mg_dream_trailer(memgit_buf *out, const char *message, const char *key)
{
	git_message_trailer_array tr = { 0 };
	int found = 0;

	mg_buf_clear(out);
	if (!message || git_message_trailers(&tr, message) < 0)
		return 0;
	for (size_t i = 0; i < tr.count && !found; i++)
		if (strcasecmp(tr.trailers[i].key, key) == 0) {
			found = 1;
			if (mg_buf_puts(out, tr.trailers[i].value) < 0)
				found = MEMGIT_ENOMEM;
		}
	git_message_trailer_array_free(&tr);
	return found;
}

int mg_dream_tree_read(memgit_buf *out, memgit_store *s, git_tree *tree, const char *path)
{
	memgit_buf full = MEMGIT_BUF_INIT;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	int rc;

	mg_buf_clear(out);
	if ((rc = mg_buf_printf(&full, MG_MEMORIES_DIR "/%s", path)) < 0)
		goto done;
	if (!tree || git_tree_entry_bypath(&e, tree, full.ptr) < 0 ||
	    git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		rc = 1;
		goto done;
	}
	if ((rc = git_blob_lookup(&blob, s->repo, git_tree_entry_id(e))) < 0) {
		rc = mg_git_error(rc, "cannot read memory", path);
		goto done;
	}
	rc = mg_buf_set(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
done:
	git_blob_free(blob);
	git_tree_entry_free(e);
	memgit_buf_dispose(&full);
	return rc;
}

/* ---- running a dream ---------------------------------------------------------------- */

/* Which dreamer, and its context (a model dreamer's is `model`). */
static int pick_dreamer(const mg_dreamer **out, void **ctx, mg_model_ctx *model,
	const memgit_dream_options *opts, const mg_dream_inputs *in)
{
	const char *name = opts->dreamer ? opts->dreamer : in->settings.dreamer;
	int rc;

	*ctx = NULL;
	if (!name || strcmp(name, "builtin") == 0) {
		*out = &mg_dreamer_builtin;
		return 0;
	}
	if (strcmp(name, "replay") == 0 && !opts->replay)
		return mg_error_set(MEMGIT_EINPUT, "cannot dream", "replay",
			"the replay dreamer needs a file of recorded edits or a folder of recorded "
			"responses (--replay PATH)");
	if (strcmp(name, "replay") == 0 && mg_fs_kind(opts->replay) != 1) {
		*out = &mg_dreamer_replay;
		*ctx = (void *)opts->replay;
		return 0;
	}
	if ((rc = mg_model_ctx_init(model, name, opts, &in->settings.model)) < 0)
		return rc;
	*out = &mg_dreamer_model;
	*ctx = model;
	return 0;
}

/* YYYYMMDDTHHMMSSZ-xxxxxx: UTC time (MEMGIT_NOW honoured) and 24 random bits. */
static int make_id(memgit_dream *d)
{
	unsigned char r[3];
	char when[21];
	int rc;

	d->time = mg_now();
	mg_time_format(when, d->time);
	if ((rc = mg_random(r, sizeof(r))) < 0)
		return rc;
	snprintf(d->id, sizeof(d->id), "%.4s%.2s%.2sT%.2s%.2s%.2sZ-%02x%02x%02x", when, when + 5,
		when + 8, when + 11, when + 14, when + 17, r[0], r[1], r[2]);
	return 0;
}

static int check_options(const memgit_dream_options *opts, memgit_store *s)
{
	if (opts->version != MEMGIT_DREAM_OPTIONS_VERSION)
		return mg_error_set(MEMGIT_EINPUT, "cannot dream", NULL,
			"options version %u, expected %u", opts->version, MEMGIT_DREAM_OPTIONS_VERSION);
	if (opts->instructions && strlen(opts->instructions) > MG_DREAM_INSTRUCTIONS_MAX)
		return mg_error_set(MEMGIT_ELIMIT, "cannot dream", "instructions",
			"%zu bytes, limit %d", strlen(opts->instructions), MG_DREAM_INSTRUCTIONS_MAX);
	if (opts->instructions)
		return mg_secret_check(opts->instructions, strlen(opts->instructions), s->allow,
			"instructions");
	return 0;
}

/* The dream's own copy of what the inputs say about it. */
static int adopt_inputs(memgit_dream *d, const mg_dream_inputs *in, const char *dreamer,
	const memgit_dream_options *opts)
{
	int failed = 0;

	snprintf(d->base, sizeof(d->base), "%s", in->base_hex);
	snprintf(d->sessions_commit, sizeof(d->sessions_commit), "%s", in->sessions_commit);
	d->now = in->now;
	d->dreamer = strdup(dreamer);
	d->instructions = opts->instructions ? strdup(opts->instructions) : NULL;
	failed = !d->dreamer || (opts->instructions && !d->instructions);
	d->sessions = calloc(in->nsessions ? in->nsessions : 1, sizeof(char *));
	d->agents = calloc(in->nsessions ? in->nsessions : 1, sizeof(char *));
	failed = failed || !d->sessions || !d->agents;
	for (size_t i = 0; !failed && i < in->nsessions; i++, d->nsessions++) {
		d->sessions[i] = strdup(in->sessions[i].id);
		d->agents[i] = in->sessions[i].agent ? strdup(in->sessions[i].agent) : NULL;
		failed = !d->sessions[i] || (in->sessions[i].agent && !d->agents[i]);
	}
	return failed ? mg_error_oom() : 0;
}

typedef struct {
	memgit_store *store;
	const mg_dream_inputs *in;
} check_ctx;

/* Keep only the sessions a budget-stopped dream reviewed whole, in the
 * dream and in its inputs (validation then refuses evidence from the
 * others); the rest stay for the next dream. */
static int keep_sessions(memgit_dream *d, mg_dream_inputs *in, char *const *keep, size_t nkeep)
{
	size_t w = 0;

	if (in->nsessions > in->nsessions_owned)
		in->nsessions_owned = in->nsessions;
	for (size_t i = 0; i < in->nsessions; i++) {
		int kept = 0;
		for (size_t j = 0; j < nkeep && !kept; j++)
			kept = strcmp(in->sessions[i].id, keep[j]) == 0;
		if (!kept) {
			free(d->sessions[i]);
			free(d->agents[i]);
			continue;
		}
		d->sessions[w] = d->sessions[i];
		d->agents[w] = d->agents[i];
		in->session_ids[w] = in->session_ids[i];
		if (w != i) {
			mg_dream_session t = in->sessions[w];
			in->sessions[w] = in->sessions[i];
			in->sessions[i] = t;
		}
		w++;
	}
	d->nsessions = w;
	in->nsessions = w;
	return 0;
}

void mg_dream_input_of(mg_dream_input *din, memgit_store *s, const mg_dream_inputs *in,
	const memgit_dream_options *opts)
{
	memset(din, 0, sizeof(*din));
	din->store = s;
	din->now = in->now;
	din->memories = in->mems;
	din->nmemories = in->nmems;
	din->sessions = in->session_ids;
	din->nsessions = in->nsessions;
	din->config = &in->settings.tun;
	din->instructions = opts->instructions;
}

/* The engine's validation, on a copy: what a repair request quotes. */
static int check_edits(const mg_edit_list *edits, memgit_buf *problems, void *arg)
{
	check_ctx *c = arg;
	memgit_dream *scratch = mg_dream_alloc();
	int rc;

	if (!scratch)
		return MEMGIT_ENOMEM;
	if ((rc = mg_edit_list_copy(&scratch->edits, edits)) < 0 ||
	    (rc = mg_dream_validate(scratch, c->store, c->in)) < 0)
		goto done;
	for (size_t i = 0; i < scratch->edits.n && rc == 0; i++) {
		const mg_edit *e = &scratch->edits.items[i];
		if (e->refused)
			rc = mg_buf_printf(problems, "edits[%zu] (%s %s): %s\n", i,
				memgit_edit_kind_name(e->kind), e->path, e->refused);
	}
done:
	memgit_dream_free(scratch);
	return rc;
}

/* What a model dream reports goes on the dream: trailers and note. */
static int adopt_report(memgit_dream *d, mg_dream_inputs *in, const mg_model_ctx *m)
{
	const mg_model_report *r = &m->report;

	memcpy(d->prompt_sha256, r->prompt_sha256, sizeof(d->prompt_sha256));
	d->usage.input = (uint64_t)r->usage.input;
	d->usage.output = (uint64_t)r->usage.output;
	d->usage.cache_read = (uint64_t)r->usage.cache_read;
	d->usage.cache_write = (uint64_t)r->usage.cache_creation;
	d->usage.requests = r->requests;
	d->chunks = r->chunks;
	d->chunks_done = r->chunks_done;
	d->reduced = r->reduced;
	d->repaired = r->repaired;
	d->budget_stopped = r->budget_stopped;
	if (r->dropped.size && !(d->dropped = strdup(r->dropped.ptr)))
		return mg_error_oom();
	free(d->dreamer);
	if (!(d->dreamer = strdup(m->label)))
		return mg_error_oom();
	return r->budget_stopped ? keep_sessions(d, in, r->covered, r->ncovered) : 0;
}

static int propose(memgit_dream *d, memgit_store *s, mg_dream_inputs *in,
	const memgit_dream_options *opts)
{
	mg_dream_input din;
	const mg_dreamer *dreamer = NULL;
	mg_model_ctx model;
	check_ctx cc = { s, in };
	void *ctx = NULL;
	int rc;

	memset(&model, 0, sizeof(model));
	if ((rc = pick_dreamer(&dreamer, &ctx, &model, opts, in)) < 0 ||
	    (rc = adopt_inputs(d, in, dreamer->name, opts)) < 0)
		goto done;
	mg_dream_input_of(&din, s, in, opts);
	din.check = check_edits;
	din.check_ctx = &cc;
	rc = dreamer->propose(&d->edits, &din, ctx);
	if (rc == 0 && ctx == &model)
		rc = adopt_report(d, in, &model);
done:
	if (ctx == &model)
		mg_model_ctx_dispose(&model);
	return rc;
}

/* The clock may have ticked since the id was made: the dream's time is its
 * commit's, as when it is loaded back. */
static int commit_time(int64_t *out, memgit_store *s, const git_oid *id)
{
	git_commit *c = NULL;
	int rc = git_commit_lookup(&c, s->repo, id);

	if (rc < 0)
		return mg_git_error(rc, "cannot read commit", NULL);
	*out = (int64_t)git_commit_time(c);
	git_commit_free(c);
	return 0;
}

/* Commit, note, branch; the dream object says where they are. */
static int record(memgit_dream *d, memgit_store *s, const mg_dream_inputs *in, int stop_after_note)
{
	memgit_buf note = MEMGIT_BUF_INIT;
	git_oid commit;
	int rc;

	if ((rc = mg_dream_build_commit(&commit, s, d, in->base, in->base)) < 0 ||
	    (rc = commit_time(&d->time, s, &commit)) < 0 ||
	    (rc = mg_dream_note_write(&note, d, in)) < 0 ||
	    (rc = mg_dream_publish(s, d, &commit, NULL, note.ptr, stop_after_note)) < 0)
		goto done;
	git_oid_tostr(d->commit, sizeof(d->commit), &commit);
done:
	memgit_buf_dispose(&note);
	return rc;
}

static int finish(memgit_dream *d, memgit_store *s, const mg_dream_inputs *in,
	const memgit_dream_options *opts, int stop_after_note)
{
	memgit_buf msg = MEMGIT_BUF_INIT;
	int rc;

	if ((rc = mg_dream_message(&msg, d)) < 0)
		goto done;
	d->message = mg_buf_detach(&msg);
	if (!d->applied) {
		d->status = "empty";
		rc = mg_error_set(MEMGIT_ENOTHING, "nothing to dream", d->id, d->edits.n ?
			"no proposed edit is valid (%zu refused)" : "the dreamer proposed no edit",
			d->refused);
		goto done;
	}
	if (opts->dry_run) {
		d->status = "dry-run";
		goto done;
	}
	rc = record(d, s, in, stop_after_note);
done:
	memgit_buf_dispose(&msg);
	return rc;
}

/* Dry runs, empty dreams and a dream stopped before its branch are not graded. */
static int grades(const memgit_dream_options *opts, int stop_after_note)
{
	return !opts->no_grade && !opts->dry_run && !stop_after_note;
}

/* The rubric is read before the dreamer runs (and spends tokens): one that
 * cannot be read refuses the dream with nothing written. */
static int check_rubric(memgit_store *s, const mg_dream_inputs *in,
	const memgit_dream_options *opts, int stop_after_note)
{
	if (!grades(opts, stop_after_note))
		return 0;
	return mg_grade_rubric_check(s, opts->rubric ? opts->rubric : in->settings.rubric);
}

/* `memgit dream --merge`: the satisfied dream goes through the same gate
 * as `memgit merge`, and *d becomes the dream as merged. */
static int merge_now(memgit_dream **d, memgit_store *s)
{
	memgit_merge_result res = MEMGIT_MERGE_RESULT_INIT;
	memgit_dream *merged = NULL;
	memgit_buf w = MEMGIT_BUF_INIT;
	int rc = memgit_dream_merge(&res, s, (*d)->id, NULL);

	if (rc == 0 && (rc = memgit_dream_load(&merged, s, (*d)->id)) == 0) {
		merged->warning = (*d)->warning;
		(*d)->warning = NULL;
		memgit_dream_free(*d);
		*d = merged;
	} else if (rc == MEMGIT_ECONFLICT || rc == MEMGIT_EBUSY) {
		/* the dream is recorded either way: it stays on its branch, and
		 * the caller says why it did not merge */
		if (mg_buf_printf(&w, "not merged: %s%s%s", memgit_error_last()->message,
			    res.conflicts.size ? "; conflicts: " : "", mg_buf_cstr(&res.conflicts)) == 0) {
			for (char *p = w.ptr; *p; p++)
				*p = *p == '\n' ? ' ' : *p;
			free((*d)->warning);
			(*d)->warning = mg_buf_detach(&w);
		}
		memgit_error_clear();
		rc = 0;
	}
	memgit_buf_dispose(&w);
	memgit_merge_result_dispose(&res);
	return rc;
}

int mg_dream_run_ex(memgit_dream **out, memgit_store *s, const memgit_dream_options *opts,
	int stop_after_note)
{
	memgit_dream_options defaults = MEMGIT_DREAM_OPTIONS_INIT;
	mg_dream_inputs in;
	memgit_dream *d = NULL;
	int rc;

	*out = NULL;
	memset(&in, 0, sizeof(in));
	opts = opts ? opts : &defaults;
	if ((rc = check_options(opts, s)) < 0)
		return rc;
	if (!(d = mg_dream_alloc()))
		return MEMGIT_ENOMEM;
	if ((rc = make_id(d)) < 0 || (rc = mg_dream_inputs_load(&in, s, opts)) < 0 ||
	    (rc = check_rubric(s, &in, opts, stop_after_note)) < 0 ||
	    (rc = propose(d, s, &in, opts)) < 0 || (rc = mg_dream_validate(d, s, &in)) < 0)
		goto done;
	rc = finish(d, s, &in, opts, stop_after_note);
	if (rc == 0 || rc == MEMGIT_ENOTHING) {
		int vrc = mg_dream_views(d);
		rc = vrc < 0 ? vrc : rc;
	}
	if (rc == 0 && grades(opts, stop_after_note))
		rc = mg_dream_iterate(d, s, &in, opts);
	if (rc == 0 && grades(opts, stop_after_note) && strcmp(d->verdict, "satisfied") == 0 &&
	    (opts->merge > 0 || (opts->merge == 0 && in.settings.auto_merge)))
		rc = merge_now(&d, s);
done:
	mg_dream_inputs_dispose(&in);
	if (rc == 0 || rc == MEMGIT_ENOTHING)
		*out = d;
	else
		memgit_dream_free(d);
	return rc;
}

int memgit_dream_run(memgit_dream **out, memgit_store *s, const memgit_dream_options *opts)
{
	return mg_dream_run_ex(out, s, opts, 0);
}
