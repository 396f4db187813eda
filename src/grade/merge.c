/*
 * merge.c: the decisions on a dream: merge (only a satisfied one, unless
 * forced), reject, revert.
 *
 * Merge and revert are the same operation on trees: carry the changes
 * between two commits (`from` -> `to`: the dream's base -> the dream, or
 * the merge's first parent -> the merge) onto the memory branch tip. A
 * memory the tip still holds as `from` had it takes `to`'s version; one
 * the tip already holds as `to` has it is left; any other is a conflict,
 * and nothing is written. When the tip is `from` itself the result is
 * `to`'s tree exactly. This is the typed edits' precondition (the blob an
 * edit expects) applied to every path the dream changed, moves and merges
 * included, so a re-applied dream cannot overwrite what happened since.
 *
 * The branch moves by compare-and-swap under the writer lock, like every
 * other write; when another writer got there first the merge is computed
 * again on the new tip. The decision is then added to the dream's note.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/write_internal.h"
#include "dream/dream_internal.h"
#include "memgit/grade.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/jsonw.h"
#include "util/path.h"

#define MERGE_ATTEMPTS 8

void memgit_merge_result_dispose(memgit_merge_result *res)
{
	if (!res)
		return;
	memgit_buf_dispose(&res->conflicts);
	res->dream[0] = res->commit[0] = res->parent[0] = '\0';
	res->reapplied = 0;
}

/* ---- carrying changes ----------------------------------------------------------------- */

typedef struct {
	git_repository *repo;
	git_tree *tip;
	git_tree_update *updates;
	size_t n;
	memgit_buf *conflicts;
	int rc;
} carry_ctx;

static int tip_entry(git_oid *out, git_tree *tip, const char *path)
{
	git_tree_entry *e = NULL;

	if (git_tree_entry_bypath(&e, tip, path) < 0)
		return 0;
	git_oid_cpy(out, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return 1;
}

/*
 * A path new to the tip that the write path would refuse there: one of its
 * folders is a file on the tip, it is a folder on the tip, or it differs
 * from a name in its folder by letter case only (docs/FORMAT.md section 4).
 * The dream checked its paths against its base, not against the tip.
 */
static int tip_clash(git_tree *tip, const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	memgit_buf want = MEMGIT_BUF_INIT, have = MEMGIT_BUF_INIT;
	git_tree_entry *e = NULL;
	git_tree *dir = NULL;
	char prefix[1024];
	int clash = 0;

	if (strlen(path) >= sizeof(prefix))
		return 1;
	for (const char *p = strchr(path, '/'); p && !clash; p = strchr(p + 1, '/')) {
		snprintf(prefix, sizeof(prefix), "%.*s", (int)(p - path), path);
		if (git_tree_entry_bypath(&e, tip, prefix) == 0) {
			clash = git_tree_entry_type(e) != GIT_OBJECT_TREE;
			git_tree_entry_free(e);
			e = NULL;
		}
	}
	if (!clash && git_tree_entry_bypath(&e, tip, path) == 0) {
		clash = 1; /* present as a folder (a file was handled by the caller) */
		git_tree_entry_free(e);
		e = NULL;
	}
	if (clash || !slash)
		return clash;
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(slash - path), path);
	if (mg_path_fold(&want, base, strlen(base)) < 0)
		clash = 1;
	else if (git_tree_entry_bypath(&e, tip, prefix) == 0 &&
		 git_tree_lookup(&dir, git_tree_owner(tip), git_tree_entry_id(e)) == 0)
		for (size_t i = 0; i < git_tree_entrycount(dir) && !clash; i++) {
			const char *name = git_tree_entry_name(git_tree_entry_byindex(dir, i));
			mg_buf_clear(&have);
			clash = mg_path_fold(&have, name, strlen(name)) < 0 ||
				(strcmp(have.ptr, want.ptr) == 0 && strcmp(name, base) != 0);
		}
	memgit_buf_dispose(&want);
	memgit_buf_dispose(&have);
	git_tree_free(dir);
	git_tree_entry_free(e);
	return clash;
}

/* One changed file of `from` -> `to`: an update of the tip, or a conflict. */
static int carry_delta(const git_diff_delta *delta, float progress, void *payload)
{
	carry_ctx *c = payload;
	const git_diff_file *old = &delta->old_file, *new = &delta->new_file;
	const char *path = new->path ? new->path : old->path;
	int had = delta->status != GIT_DELTA_ADDED, gone = delta->status == GIT_DELTA_DELETED;
	git_oid now;
	int present = tip_entry(&now, c->tip, path);
	git_tree_update *u;

	(void)progress;
	if (present ? (!gone && git_oid_equal(&now, &new->id)) : gone)
		return 0; /* the tip already has the change */
	if (present != had || (present && !git_oid_equal(&now, &old->id)) ||
	    (!present && tip_clash(c->tip, path))) {
		c->rc = mg_buf_printf(c->conflicts, "%s\n", path + strlen(MG_MEMORIES_DIR "/"));
		return c->rc;
	}
	u = realloc(c->updates, (c->n + 1) * sizeof(*u));
	if (!u)
		return c->rc = mg_error_oom();
	c->updates = u;
	u = &c->updates[c->n];
	memset(u, 0, sizeof(*u));
	u->action = gone ? GIT_TREE_UPDATE_REMOVE : GIT_TREE_UPDATE_UPSERT;
	u->filemode = gone ? GIT_FILEMODE_BLOB : (git_filemode_t)new->mode;
	git_oid_cpy(&u->id, &new->id);
	if (!(u->path = strdup(path)))
		return c->rc = mg_error_oom();
	c->n++;
	return 0;
}

/* The tip's tree with the memories' changes `from` -> `to` carried over. */
static int carry(git_oid *tree_out, memgit_store *s, git_tree *from, git_tree *to, git_tree *tip,
	memgit_buf *conflicts)
{
	git_diff_options o = GIT_DIFF_OPTIONS_INIT;
	char *spec[] = { MG_MEMORIES_DIR "/" };
	carry_ctx c = { s->repo, tip, NULL, 0, conflicts, 0 };
	git_diff *diff = NULL;
	int rc;

	o.pathspec.strings = spec;
	o.pathspec.count = 1;
	if ((rc = git_diff_tree_to_tree(&diff, s->repo, from, to, &o)) < 0) {
		rc = mg_git_error(rc, "cannot diff", NULL);
		goto done;
	}
	rc = git_diff_foreach(diff, carry_delta, NULL, NULL, NULL, &c);
	if (c.rc < 0 || (rc < 0 && !c.rc)) {
		rc = c.rc < 0 ? c.rc : mg_git_error(rc, "cannot diff", NULL);
		goto done;
	}
	if (conflicts->size) {
		rc = MEMGIT_ECONFLICT;
		goto done;
	}
	if ((rc = git_tree_create_updated(tree_out, s->repo, tip, c.n, c.updates)) < 0)
		rc = mg_git_error(rc, "cannot write tree", NULL);
done:
	for (size_t i = 0; i < c.n; i++)
		free((char *)c.updates[i].path);
	free(c.updates);
	git_diff_free(diff);
	return rc;
}

/* ---- commits and publishing -------------------------------------------------------------- */

static int commit_tree(git_tree **out, memgit_store *s, const char *hex, git_commit **commit)
{
	git_oid id;
	int rc;

	if (git_oid_fromstr(&id, hex) < 0)
		return mg_error_set(MEMGIT_EINPUT, "invalid commit id", hex, "not a commit id");
	if ((rc = git_commit_lookup(commit, s->repo, &id)) < 0 || (rc = git_commit_tree(out, *commit)) < 0)
		return mg_git_error(rc, "cannot read commit", hex);
	return 0;
}

typedef struct {
	const char *from, *to;      /* the change to carry */
	const char *second_parent;  /* the dream commit for a merge, NULL for a revert */
	const char *message;
} change;

/* One attempt: build on the current tip and compare-and-swap. */
static int apply_once(memgit_merge_result *res, memgit_store *s, const change *ch)
{
	git_commit *tip = NULL, *from_c = NULL, *to_c = NULL;
	git_tree *tip_tree = NULL, *from = NULL, *to = NULL, *tree = NULL;
	git_signature *sig = NULL;
	const git_commit *parents[2];
	mg_lock lk = MG_LOCK_INIT;
	memgit_commit_result cr;
	git_oid tree_id, commit;
	char subject[200];
	int rc;

	memset(&cr, 0, sizeof(cr));
	snprintf(subject, sizeof(subject), "%.*s", (int)strcspn(ch->message, "\n"), ch->message);
	mg_buf_clear(&res->conflicts);
	if ((rc = mg_store_tip(&tip, s)) < 0)
		goto done;
	if (!tip) {
		rc = mg_error_set(MEMGIT_ENOTFOUND, "cannot merge", s->branch, "the branch has no commit");
		goto done;
	}
	if ((rc = git_commit_tree(&tip_tree, tip)) < 0 || (rc = commit_tree(&from, s, ch->from, &from_c)) < 0 ||
	    (rc = commit_tree(&to, s, ch->to, &to_c)) < 0)
		goto done;
	res->reapplied = !git_oid_equal(git_commit_id(tip), git_commit_id(from_c));
	if ((rc = carry(&tree_id, s, from, to, tip_tree, &res->conflicts)) < 0)
		goto done;
	if ((rc = git_tree_lookup(&tree, s->repo, &tree_id)) < 0 || (rc = mg_store_signature(&sig, s)) < 0) {
		rc = rc == MEMGIT_ENOMEM ? rc : mg_git_error(rc, "cannot write commit", s->branch);
		goto done;
	}
	parents[0] = tip;
	parents[1] = ch->second_parent ? to_c : NULL;
	if ((rc = git_commit_create(&commit, s->repo, NULL, sig, sig, NULL, ch->message, tree,
		     ch->second_parent ? 2 : 1, parents)) < 0) {
		rc = mg_git_error(rc, "cannot write commit", s->branch);
		goto done;
	}
	if ((rc = mg_lock_acquire(&lk, s->gitdir, mg_monotonic_ms() + s->limits.lock_timeout_ms)) < 0)
		goto done;
	rc = mg_publish_locked(&cr, s, &lk, tip, &commit, subject, NULL, 0);
	mg_lock_release(&lk);
	if (rc == 0) {
		git_oid_tostr(res->commit, sizeof(res->commit), &commit);
		git_oid_tostr(res->parent, sizeof(res->parent), git_commit_id(tip));
	}
done:
	git_signature_free(sig);
	git_tree_free(tree);
	git_tree_free(to);
	git_tree_free(from);
	git_tree_free(tip_tree);
	git_commit_free(to_c);
	git_commit_free(from_c);
	git_commit_free(tip);
	return rc;
}

/* Retry while other writers move the branch (each attempt rebuilds). */
static int apply_change(memgit_merge_result *res, memgit_store *s, const change *ch)
{
	int rc = MG_RETRY_MOVED;

	for (unsigned n = 1; n <= MERGE_ATTEMPTS; n++) {
		if ((rc = apply_once(res, s, ch)) <= 0)
			return rc;
		mg_sleep_ms(5 * n);
	}
	return mg_error_set(MEMGIT_EBUSY, "store busy", s->branch,
		"the branch kept moving (%d attempts)", MERGE_ATTEMPTS);
}

/* ---- the record ------------------------------------------------------------------------ */

static int who(memgit_buf *out, memgit_store *s)
{
	git_signature *sig = NULL;
	int rc = mg_store_signature(&sig, s);

	if (rc == 0)
		rc = mg_buf_printf(out, "%s <%s>", sig->name, sig->email);
	git_signature_free(sig);
	return rc;
}

static int record_decision(memgit_store *s, const memgit_dream *d, const char *action,
	const char *why, const char *commit, int forced)
{
	memgit_buf item = MEMGIT_BUF_INIT, by = MEMGIT_BUF_INIT;
	char when[21];
	mg_jsonw w;
	int rc;

	if ((rc = who(&by, s)) < 0)
		return rc;
	mg_time_format(when, mg_now());
	mg_jsonw_init(&w, &item, 0);
	mg_jsonw_object_open(&w);
	mg_jsonw_key(&w, "action");
	mg_jsonw_string(&w, action);
	mg_jsonw_key(&w, "by");
	mg_jsonw_string(&w, by.ptr);
	mg_jsonw_key(&w, "time");
	mg_jsonw_string(&w, when);
	mg_jsonw_key(&w, "why");
	mg_jsonw_string(&w, why);
	mg_jsonw_key(&w, "commit");
	mg_jsonw_string(&w, commit && *commit ? commit : NULL);
	mg_jsonw_key(&w, "forced");
	mg_jsonw_bool(&w, forced);
	mg_jsonw_object_close(&w);
	if ((rc = mg_jsonw_finish(&w)) == 0)
		rc = mg_dream_record(s, d, "decisions", item.ptr);
	memgit_buf_dispose(&item);
	memgit_buf_dispose(&by);
	return rc;
}

/* ---- merge -------------------------------------------------------------------------------- */

/* The summary of a dream's message: its first line without "dream: ". */
static void summary_of(char *out, size_t size, const memgit_dream *d)
{
	const char *m = memgit_dream_message(d);
	size_t n = strcspn(m, "\n");

	if (n >= 7 && strncmp(m, "dream: ", 7) == 0) {
		m += 7;
		n -= 7;
	}
	snprintf(out, size, "%.*s", (int)n, m);
}

/* One outcome field, from the dream's latest outcome JSON. */
static void outcome_field(memgit_buf *out, const memgit_dream *d, const char *key, const char *sub)
{
	mg_json_parse_opts po = { 0, 0, NULL, 0, 0 };
	mg_json *root = NULL;
	const mg_json *v;

	mg_buf_clear(out);
	if (!d->outcome || mg_json_parse(&root, d->outcome, strlen(d->outcome), &po) < 0) {
		memgit_error_clear();
		return;
	}
	v = mg_json_get(root, key);
	if (sub)
		v = mg_json_get(v, sub);
	if (mg_json_string(v))
		mg_buf_puts(out, mg_json_string(v));
	mg_json_free(root);
}

static int merge_message(memgit_buf *out, memgit_store *s, const memgit_dream *d, int forced)
{
	memgit_buf path = MEMGIT_BUF_INIT, blob = MEMGIT_BUF_INIT, grader = MEMGIT_BUF_INIT,
		   by = MEMGIT_BUF_INIT;
	char summary[200];
	int rc;

	summary_of(summary, sizeof(summary), d);
	outcome_field(&path, d, "rubric", "path");
	outcome_field(&blob, d, "rubric", "blob");
	outcome_field(&grader, d, "grader", NULL);
	rc = mg_buf_printf(out, "merge(dream): %s %s\n\nOutcome: %s\nOutcome-Score: %.4g\n", d->id,
		summary, d->verdict[0] ? d->verdict : "not graded", d->score);
	if (rc == 0 && path.size)
		rc = mg_buf_printf(out, "Rubric: %s@%s\n", path.ptr, mg_buf_cstr(&blob));
	if (rc == 0 && grader.size)
		rc = mg_buf_printf(out, "Grader: %s\n", grader.ptr);
	if (rc == 0)
		rc = mg_buf_printf(out, "Dream-Id: %s\n", d->id);
	if (rc == 0 && forced && (rc = who(&by, s)) == 0)
		rc = mg_buf_printf(out, "Forced-By: %s\n", by.ptr);
	memgit_buf_dispose(&path);
	memgit_buf_dispose(&blob);
	memgit_buf_dispose(&grader);
	memgit_buf_dispose(&by);
	return rc;
}

int memgit_dream_merge(memgit_merge_result *res, memgit_store *s, const char *id,
	const memgit_merge_options *opts)
{
	memgit_buf msg = MEMGIT_BUF_INIT;
	memgit_dream *d = NULL;
	int forced = opts && opts->force, rc;
	change ch;

	if ((rc = memgit_dream_load(&d, s, id)) < 0)
		goto done;
	snprintf(res->dream, sizeof(res->dream), "%s", d->id);
	if (strcmp(d->status, "merged") == 0 || strcmp(d->status, "reverted") == 0) {
		rc = mg_error_set(MEMGIT_ENOTHING, "nothing to merge", d->id, "already %s", d->status);
		goto done;
	}
	if (!forced && strcmp(d->status, "rejected") == 0) {
		rc = mg_error_set(MEMGIT_ENOTHING, "not merged", d->id, "it was rejected (--force "
			"merges anyway and records it)");
		goto done;
	}
	if (!forced && strcmp(d->verdict, "satisfied") != 0) {
		rc = mg_error_set(MEMGIT_ENOTHING, "not merged", d->id, "the outcome is %s, not "
			"satisfied (memgit grade %s; --force merges anyway and records it)",
			d->verdict[0] ? d->verdict : "missing", d->id);
		goto done;
	}
	if ((rc = merge_message(&msg, s, d, forced)) < 0 ||
	    (rc = mg_secret_check(msg.ptr, msg.size, s->allow, "merge message")) < 0)
		goto done;
	ch.from = d->base;
	ch.to = d->commit;
	ch.second_parent = d->commit;
	ch.message = msg.ptr;
	if ((rc = apply_change(res, s, &ch)) == MEMGIT_ECONFLICT) {
		rc = mg_error_set(MEMGIT_ECONFLICT, "merge conflict", d->id,
			"the memory branch changed %s since the dream's base; nothing merged",
			strchr(res->conflicts.ptr, '\n') == res->conflicts.ptr + res->conflicts.size - 1 ?
			"a memory the dream changes" : "memories the dream changes");
		goto done;
	}
	/* the merge commit and its trailers are the record that counts: a
	 * note that could not be written does not make the merge a failure */
	if (rc == 0 && record_decision(s, d, "merged", forced ? "forced" : NULL, res->commit, forced) < 0)
		memgit_error_clear();
done:
	memgit_dream_free(d);
	memgit_buf_dispose(&msg);
	return rc;
}

/* ---- reject --------------------------------------------------------------------------------- */

int memgit_dream_reject(memgit_store *s, const char *id, const char *why)
{
	memgit_dream *d = NULL;
	int rc;

	if (why && (rc = mg_secret_check(why, strlen(why), s->allow, "rejection")) < 0)
		return rc;
	if ((rc = memgit_dream_load(&d, s, id)) < 0)
		return rc;
	if (strcmp(d->status, "merged") == 0)
		rc = mg_error_set(MEMGIT_EINPUT, "cannot reject", d->id,
			"it is merged: memgit revert %s undoes it", d->id);
	else if (strcmp(d->status, "rejected") == 0 || strcmp(d->status, "reverted") == 0)
		rc = mg_error_set(MEMGIT_ENOTHING, "nothing to reject", d->id, "already %s", d->status);
	else
		rc = record_decision(s, d, "rejected", why, NULL, 0);
	memgit_dream_free(d);
	return rc;
}

/* ---- revert --------------------------------------------------------------------------------- */

/* The merge commit of dream `id` on the memory branch (first parents). */
static int find_merge(git_oid *out, memgit_store *s, const char *id)
{
	memgit_buf v = MEMGIT_BUF_INIT;
	git_revwalk *walk = NULL;
	git_oid at;
	int rc, found = 0;

	if ((rc = git_revwalk_new(&walk, s->repo)) < 0 || (rc = git_revwalk_push_ref(walk, s->refname)) < 0) {
		rc = mg_git_error(rc, "cannot walk history", s->branch);
		goto done;
	}
	git_revwalk_simplify_first_parent(walk);
	while (!found && git_revwalk_next(&at, walk) == 0) {
		git_commit *c = NULL;
		if (git_commit_lookup(&c, s->repo, &at) < 0)
			continue;
		if (git_commit_parentcount(c) == 2 && strncmp(git_commit_message(c), "merge(dream): ", 14) == 0 &&
		    mg_dream_trailer(&v, git_commit_message(c), "Dream-Id") == 1 && strcmp(v.ptr, id) == 0) {
			git_oid_cpy(out, &at);
			found = 1;
		}
		git_commit_free(c);
	}
	rc = found ? 0 : mg_error_set(MEMGIT_ENOTFOUND, "cannot revert", id,
		"no merge of this dream on %s", s->branch);
done:
	git_revwalk_free(walk);
	memgit_buf_dispose(&v);
	return rc;
}

int memgit_dream_revert(memgit_merge_result *res, memgit_store *s, const char *id)
{
	memgit_buf msg = MEMGIT_BUF_INIT;
	memgit_dream *d = NULL;
	git_commit *merge = NULL;
	char merge_hex[41], first_hex[41], summary[200];
	git_oid m;
	change ch;
	int rc;

	if ((rc = memgit_dream_load(&d, s, id)) < 0)
		goto done;
	snprintf(res->dream, sizeof(res->dream), "%s", d->id);
	if (strcmp(d->status, "reverted") == 0) {
		rc = mg_error_set(MEMGIT_ENOTHING, "nothing to revert", d->id, "already reverted");
		goto done;
	}
	if ((rc = find_merge(&m, s, d->id)) < 0)
		goto done;
	if ((rc = git_commit_lookup(&merge, s->repo, &m)) < 0) {
		rc = mg_git_error(rc, "cannot read commit", d->id);
		goto done;
	}
	git_oid_tostr(merge_hex, sizeof(merge_hex), &m);
	git_oid_tostr(first_hex, sizeof(first_hex), git_commit_parent_id(merge, 0));
	summary_of(summary, sizeof(summary), d);
	if ((rc = mg_buf_printf(&msg, "revert(dream): %s %s\n\nReverts-Dream: %s\nReverts-Commit: %s\n",
		     d->id, summary, d->id, merge_hex)) < 0)
		goto done;
	ch.from = merge_hex;
	ch.to = first_hex;
	ch.second_parent = NULL;
	ch.message = msg.ptr;
	if ((rc = apply_change(res, s, &ch)) == MEMGIT_ECONFLICT) {
		rc = mg_error_set(MEMGIT_ECONFLICT, "revert conflict", d->id,
			"memories the dream changed were changed again since; nothing reverted");
		goto done;
	}
	if (rc == 0 && record_decision(s, d, "reverted", NULL, res->commit, 0) < 0)
		memgit_error_clear(); /* as for a merge: the Reverts-Dream commit is the record */
done:
	git_commit_free(merge);
	memgit_dream_free(d);
	memgit_buf_dispose(&msg);
	return rc;
}
