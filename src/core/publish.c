/*
 * publish.c: turning a tree into the new tip of the memory branch.
 *
 * The branch moves only by compare-and-swap (git_reference_create_matching)
 * while memgit's writer lock is held (util/lock.h), so a killed writer can
 * never leave a lock that blocks the next one, and the work tree is synced
 * to the tip it just published before anyone else can move it.
 */
#include <stdio.h>
#include <string.h>

#include <git2/sys/commit.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"
#include "write_internal.h"

int mg_commit_create(git_oid *out, memgit_store *s, git_commit *parent, const git_oid *tree_id,
	const char *message)
{
	git_signature *sig = NULL;
	const git_oid *parents[1] = { parent ? git_commit_id(parent) : NULL };
	int rc;

	if ((rc = mg_store_signature(&sig, s)) < 0)
		return rc;
	/* by ids: the tree was just written, and reading it back to pass a
	 * git_tree would cost a loose-object read for nothing */
	if ((rc = git_commit_create_from_ids(out, s->repo, NULL, sig, sig, NULL, message, tree_id,
		    parent ? 1 : 0, parents)) < 0)
		rc = mg_git_error(rc, "cannot write commit", s->branch);
	git_signature_free(sig);
	return rc;
}

int mg_ref_cas_locked(memgit_store *s, mg_lock *lk, const char *refname, const git_oid *expected,
	const git_oid *target, const char *log_message)
{
	memgit_buf reflock = MEMGIT_BUF_INIT, log = MEMGIT_BUF_INIT;
	const char *locks[2] = { NULL, NULL }, *contents[2] = { NULL, NULL };
	char target_hex[GIT_OID_HEXSZ + 1];
	git_reference *ref = NULL;
	git_oid zero;
	int rc;

	memset(&zero, 0, sizeof(zero));
	if ((rc = mg_buf_printf(&reflock, "%s/%s.lock", s->gitdir, refname)) < 0 ||
	    (rc = mg_buf_printf(&log, "memgit: %s", log_message)) < 0)
		goto done;
	locks[0] = reflock.ptr;
	git_oid_tostr(target_hex, sizeof(target_hex), target);
	contents[0] = target_hex; /* a ref lock holds the new id */
	if ((rc = mg_lock_intend(lk, locks, contents)) < 0)
		goto done;
	rc = git_reference_create_matching(&ref, s->repo, refname, target, 1,
		expected ? expected : &zero, log.ptr);
	if (rc == GIT_EMODIFIED || (rc == GIT_EEXISTS && !expected))
		rc = MG_RETRY_MOVED;
	else if (rc == GIT_ELOCKED)
		rc = MG_RETRY_LOCKED;
	else if (rc < 0)
		rc = mg_git_error(rc, "cannot update ref", refname);
done:
	git_reference_free(ref);
	memgit_buf_dispose(&reflock);
	memgit_buf_dispose(&log);
	return rc;
}

int mg_publish_locked(memgit_commit_result *res, memgit_store *s, mg_lock *lk,
	git_commit *parent, const git_oid *commit, const char *subject,
	const char *const *paths, size_t npaths)
{
	int rc = mg_ref_cas_locked(s, lk, s->refname, parent ? git_commit_id(parent) : NULL,
		commit, subject);

	if (rc != 0)
		return rc;
	if (res) {
		git_oid_tostr(res->commit, sizeof(res->commit), commit);
		if (parent)
			git_oid_tostr(res->parent, sizeof(res->parent), git_commit_id(parent));
	}
	if ((rc = mg_worktree_sync(res, s, lk, commit, paths, npaths)) == 0)
		rc = mg_lock_done(lk);
	return rc;
}

int mg_commit_and_publish(memgit_commit_result *res, memgit_store *s, git_commit *parent,
	const git_oid *tree, const char *message)
{
	mg_lock lk = MG_LOCK_INIT;
	git_oid commit;
	const char *nl = strchr(message, '\n');
	char subject[256];
	int rc;

	snprintf(subject, sizeof(subject), "%.*s", nl ? (int)(nl - message) : (int)strlen(message),
		message);
	if ((rc = mg_commit_create(&commit, s, parent, tree, message)) < 0)
		return rc;
	if ((rc = mg_lock_acquire(&lk, s->gitdir, mg_monotonic_ms() + s->limits.lock_timeout_ms)) < 0)
		return rc;
	rc = mg_publish_locked(res, s, &lk, parent, &commit, subject, NULL, 0);
	mg_lock_release(&lk);
	if (rc > 0)
		rc = mg_error_set(MEMGIT_EBUSY, "store busy", s->branch,
			"the branch moved while writing; try again");
	return rc;
}
