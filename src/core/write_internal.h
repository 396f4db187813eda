/*
 * write_internal.h: publishing commits and keeping the work tree in step.
 */
#ifndef MG_WRITE_INTERNAL_H
#define MG_WRITE_INTERNAL_H

#include "memgit/write.h"
#include "store_internal.h"
#include "util/lock.h"

/* Returned inside the write path when the branch moved under us: rebuild. */
#define MG_RETRY_MOVED 1
/* Returned when someone else's git lock file blocks the ref: wait, retry. */
#define MG_RETRY_LOCKED 2
/* Returned when a check can only be trusted with the writer lock held. */
#define MG_RETRY_LOCKED_BUILD 3

/*
 * Commit `tree` on `parent` (NULL for a first commit) and move the branch to
 * it, once, taking the writer lock. MEMGIT_EBUSY when the branch moved.
 */
int mg_commit_and_publish(memgit_commit_result *res, memgit_store *s, git_commit *parent,
	const git_oid *tree, const char *message);

/*
 * Phases 1 and 3 of a batch on `base` rather than the branch tip: every
 * check, then the blobs, the tree and a commit with `message` (which passes
 * the secret gate). Nothing is published and the work tree is not looked at:
 * for commits on other branches (dreams). MEMGIT_ENOTHING when the tree
 * would not change. `counts` (may be NULL) gets the created/updated/... tallies.
 */
int mg_batch_build_commit(git_oid *commit_out, memgit_commit_result *counts, memgit_batch *batch,
	git_commit *base, const char *message);

/* The same with the commit's parent given apart from the base it is built
 * on: a dream's later pass (its tree is the base with the remaining edits,
 * its parent the previous pass). */
int mg_batch_build_commit_on(git_oid *commit_out, memgit_commit_result *counts,
	memgit_batch *batch, git_commit *base, git_commit *parent, const char *message);

/* Create the commit object only. */
int mg_commit_create(git_oid *out, memgit_store *s, git_commit *parent, const git_oid *tree,
	const char *message);

/*
 * With the writer lock held: compare-and-swap any ref from `expected` (NULL:
 * must not exist) to `target`, recording the ref lock it may leave for
 * crash recovery. 0, MG_RETRY_MOVED,
 * MG_RETRY_LOCKED or a negative error. The caller clears the record with
 * mg_lock_done() once its whole update is complete.
 */
int mg_ref_cas_locked(memgit_store *s, mg_lock *lk, const char *refname, const git_oid *expected,
	const git_oid *target, const char *log_message);

/*
 * `paths` (may be NULL) are the repository paths the commit changed
 * relative to `parent`: a hint that spares the work-tree sync a tree diff.
 * With the writer lock held: compare-and-swap the branch from `parent` (NULL:
 * unborn) to `commit`, then sync the work tree. 0, MG_RETRY_MOVED,
 * MG_RETRY_LOCKED or a negative error.
 */
int mg_publish_locked(memgit_commit_result *res, memgit_store *s, mg_lock *lk,
	git_commit *parent, const git_oid *commit, const char *subject,
	const char *const *paths, size_t npaths);

/* Non-zero when the store has a work tree checked out on the memory branch. */
int mg_worktree_active(memgit_store *s);

/*
 * Refuse (MEMGIT_EDIRTY, naming the file) when the work-tree file at `path`
 * (repository path) holds content other than `base_blob` (NULL: absent) or
 * `new_blob` (NULL: removal): a hand edit the write would overwrite.
 */
int mg_worktree_check(memgit_store *s, const char *path, const git_oid *base_blob,
	const git_oid *new_blob);

/*
 * With the writer lock `lk` held: bring the work tree and index to
 * `commit`'s tree. A file changed by hand is left alone and reported in
 * `res`; so is anything that keeps the work tree from following (the commit
 * is published: it stands). The index lock it takes is added to the lock's
 * record for crash recovery.
 */
int mg_worktree_sync(memgit_commit_result *res, memgit_store *s, mg_lock *lk, const git_oid *commit,
	const char *const *paths, size_t npaths);

#endif
