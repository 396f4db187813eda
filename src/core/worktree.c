/*
 * worktree.c: keeping a checked-out work tree in step with the memory
 * branch. Only files whose blob changed are touched; a file the user edited
 * by hand (its content matches neither the old nor the new blob) is never
 * overwritten.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "write_internal.h"

int mg_worktree_active(memgit_store *s)
{
	git_reference *head = NULL;
	int active = 0;

	if (!s->workdir)
		return 0;
	if (git_reference_lookup(&head, s->repo, "HEAD") == 0 &&
	    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC &&
	    strcmp(git_reference_symbolic_target(head), s->refname) == 0)
		active = 1;
	git_reference_free(head);
	return active;
}

/* Hash the work-tree file; 0 absent, 1 hashed, negative error. */
static int hash_file(git_oid *out, memgit_store *s, const char *path, memgit_buf *full)
{
	int kind, rc;

	mg_buf_clear(full);
	if ((rc = mg_buf_printf(full, "%s/%s", s->workdir, path)) < 0)
		return rc;
	kind = mg_fs_kind(full->ptr);
	if (kind == 0)
		return 0;
	if (kind != 2)
		return mg_error_set(MEMGIT_EDIRTY, "work tree conflict", path,
			"not a regular file; move it away first");
	if ((rc = git_odb_hashfile(out, full->ptr, GIT_OBJECT_BLOB)) < 0)
		return mg_git_error(rc, "cannot read work-tree file", path);
	return 1;
}

/*
 * The work tree is synced under the writer lock and the commit it was synced
 * to is recorded in <gitdir>/memgit/synced. A file still holding that
 * commit's blob is not a hand edit even when the branch has moved on: a
 * writer killed after moving the branch but before syncing leaves exactly
 * that. (The index alone cannot tell this from a change the user staged.)
 */
static int synced_blob(memgit_store *s, const char *path, git_oid *out)
{
	memgit_buf file = MEMGIT_BUF_INIT, rec = MEMGIT_BUF_INIT;
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	git_oid id;
	int found = 0;

	if (mg_buf_printf(&file, "%s/memgit/synced", s->gitdir) == 0 &&
	    mg_fs_read_file(&rec, file.ptr, 128) == 0 && rec.size >= GIT_OID_HEXSZ &&
	    git_oid_fromstrn(&id, rec.ptr, GIT_OID_HEXSZ) == 0 &&
	    git_commit_lookup(&c, s->repo, &id) == 0 && git_commit_tree(&t, c) == 0 &&
	    git_tree_entry_bypath(&e, t, path) == 0) {
		*out = *git_tree_entry_id(e);
		found = 1;
	}
	memgit_error_clear();
	git_tree_entry_free(e);
	git_tree_free(t);
	git_commit_free(c);
	memgit_buf_dispose(&file);
	memgit_buf_dispose(&rec);
	return found;
}

static int record_synced(memgit_store *s, const git_oid *commit)
{
	memgit_buf file = MEMGIT_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 2];
	int rc;

	git_oid_tostr(hex, GIT_OID_HEXSZ + 1, commit);
	hex[GIT_OID_HEXSZ] = '\n';
	if ((rc = mg_buf_printf(&file, "%s/memgit/synced", s->gitdir)) == 0 &&
	    (rc = mg_fs_mkdir_parents(file.ptr)) == 0)
		rc = mg_fs_write_atomic(file.ptr, hex, GIT_OID_HEXSZ + 1);
	memgit_buf_dispose(&file);
	return rc;
}

int mg_worktree_check(memgit_store *s, const char *path, const git_oid *base_blob,
	const git_oid *new_blob)
{
	memgit_buf full = MEMGIT_BUF_INIT;
	git_oid disk, synced;
	int rc = hash_file(&disk, s, path, &full);

	memgit_buf_dispose(&full);
	if (rc <= 0)
		return rc;
	/* see synced_blob(): the last synced version is not a hand edit */
	if ((base_blob && git_oid_equal(&disk, base_blob)) ||
	    (new_blob && git_oid_equal(&disk, new_blob)) ||
	    (synced_blob(s, path, &synced) && git_oid_equal(&disk, &synced)))
		return 0;
	return mg_error_set(MEMGIT_EDIRTY, "work tree file changed by hand", path,
		"commit or discard the change first; nothing was written");
}

static void note_stale(memgit_commit_result *res, const char *path, const char *why)
{
	if (!res || res->worktree_stale)
		return;
	res->worktree_stale = 1;
	snprintf(res->worktree_message, sizeof(res->worktree_message),
		"work tree file '%s' not updated: %s", path, why);
}

/* Make one path match `want` (NULL: absent), if the file is as the index says. */
static int sync_path(memgit_commit_result *res, memgit_store *s, git_index *index,
	const char *path, const git_oid *want)
{
	const git_index_entry *ie = git_index_get_bypath(index, path, 0);
	memgit_buf full = MEMGIT_BUF_INIT;
	git_blob *blob = NULL;
	git_oid disk;
	int rc = hash_file(&disk, s, path, &full);

	if (rc < 0) {
		note_stale(res, path, memgit_error_last()->why);
		rc = 0;
		goto done;
	}
	if (rc == 1 && !(ie && git_oid_equal(&disk, &ie->id)) && !(want && git_oid_equal(&disk, want))) {
		note_stale(res, path, "changed by hand");
		rc = 0;
		goto done;
	}
	if (!want) {
		if (rc == 1 && unlink(full.ptr) < 0)
			note_stale(res, path, "cannot remove");
		mg_fs_prune_dirs(full.ptr, s->workdir);
		rc = git_index_remove_bypath(index, path);
	} else {
		if (!(rc == 1 && git_oid_equal(&disk, want))) {
			if ((rc = git_blob_lookup(&blob, s->repo, want)) < 0)
				goto done;
			if ((rc = mg_fs_mkdir_parents(full.ptr)) < 0 ||
			    (rc = mg_fs_write_atomic(full.ptr, git_blob_rawcontent(blob),
				    (size_t)git_blob_rawsize(blob))) < 0) {
				note_stale(res, path, memgit_error_last()->why);
				rc = 0;
				goto done;
			}
		}
		rc = git_index_add_bypath(index, path);
	}
	if (rc < 0)
		rc = mg_git_error(rc, "cannot update index", path);
done:
	git_blob_free(blob);
	memgit_buf_dispose(&full);
	return rc;
}

int mg_worktree_sync(memgit_commit_result *res, memgit_store *s, const git_oid *commit_id)
{
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_index *index = NULL;
	git_diff *diff = NULL;
	int rc;

	if (!mg_worktree_active(s))
		return 0;
	if ((rc = git_commit_lookup(&commit, s->repo, commit_id)) < 0 ||
	    (rc = git_commit_tree(&tree, commit)) < 0 ||
	    (rc = git_repository_index(&index, s->repo)) < 0 ||
	    (rc = git_index_read(index, 1)) < 0 ||
	    (rc = git_diff_tree_to_index(&diff, s->repo, tree, index, NULL)) < 0) {
		rc = mg_git_error(rc, "cannot read work tree state", s->workdir);
		goto done;
	}
	for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		/* old side: the branch's tree; new side: the index */
		int in_tree = d->status != GIT_DELTA_ADDED;
		const char *path = in_tree ? d->old_file.path : d->new_file.path;
		if ((rc = sync_path(res, s, index, path, in_tree ? &d->old_file.id : NULL)) < 0)
			goto done;
	}
	if (git_diff_num_deltas(diff) && (rc = git_index_write(index)) < 0) {
		note_stale(res, "index", git_error_last() ? git_error_last()->message : "locked");
		rc = 0;
	}
	if (!res || !res->worktree_stale)
		rc = record_synced(s, commit_id);
done:
	git_diff_free(diff);
	git_index_free(index);
	git_tree_free(tree);
	git_commit_free(commit);
	return rc;
}
