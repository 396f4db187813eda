/*
 * worktree.c: keeping a checked-out work tree in step with the memory
 * branch. Only files whose blob changed are touched; a file the user edited
 * by hand (its content matches neither the old nor the new blob) is never
 * overwritten.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "util/array.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strmap.h"
#include "gitindex.h"
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

int memgit_store_checked_out(memgit_store *s)
{
	return mg_worktree_active(s);
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
	/* written in place: a torn write does not parse, and then the sync
	 * falls back to the parent commit, which is always safe */
	if ((rc = mg_buf_printf(&file, "%s/memgit/synced", s->gitdir)) == 0 &&
	    (rc = mg_fs_mkdir_parents(file.ptr)) == 0)
		rc = mg_fs_write_file(file.ptr, hex, GIT_OID_HEXSZ + 1);
	memgit_buf_dispose(&file);
	return rc;
}

#define MG_RECENT_COMMITS 16

/*
 * Does the branch's recent first-parent history hold `id` at `path`? Such a
 * file can be overwritten without losing anything: the version is in
 * history. Covers every order in which a killed writer can leave the work
 * tree, index and synced record behind the branch.
 */
static int recent_version(memgit_store *s, const char *path, const git_oid *id)
{
	git_commit *c = NULL, *next = NULL;
	int found = 0;

	if (!id || mg_store_tip(&c, s) < 0) {
		memgit_error_clear();
		return 0;
	}
	for (int n = 0; c && n < MG_RECENT_COMMITS && !found; n++) {
		git_tree *t = NULL;
		git_tree_entry *e = NULL;
		if (git_commit_tree(&t, c) == 0 && git_tree_entry_bypath(&e, t, path) == 0)
			found = git_oid_equal(git_tree_entry_id(e), id);
		git_tree_entry_free(e);
		git_tree_free(t);
		next = NULL;
		if (git_commit_parentcount(c) > 0)
			git_commit_parent(&next, c, 0);
		git_commit_free(c);
		c = next;
	}
	git_commit_free(c);
	return found;
}

/*
 * The index a sync updates: git's file edited in place (gitindex.h) when it
 * can be, else libgit2's. Every change is also kept in a list: when the file
 * turns out to need libgit2 half way (a conflict stage on a later path,
 * say), or someone replaced it while the sync ran (a `git add`), the
 * changes are made again on a fresh read. The file is only written at the
 * end.
 */
typedef struct {
	char *path;
	struct stat st;
	git_oid id;
	int removed;
} mg_index_change;

typedef struct {
	memgit_store *s;
	mg_lock *lk;       /* NULL when only looking */
	int verify;        /* check the checksum: the index will be rewritten */
	char *file;
	mg_gitindex *fast;
	git_index *slow;
	mg_index_change *changes;
	size_t nchanges, cap;
} mg_sync_index;

static int slow_open(mg_sync_index *x)
{
	int rc;
	mg_gitindex_free(x->fast);
	x->fast = NULL;
	if (!x->slow && (rc = git_repository_index(&x->slow, x->s->repo)) < 0)
		return mg_git_error(rc, "cannot read index", x->s->gitdir);
	if ((rc = git_index_read(x->slow, 0)) < 0) /* re-read only if changed on disk */
		return mg_git_error(rc, "cannot read index", x->s->gitdir);
	return 0;
}

/* Read the index, in place when possible. */
static int sync_index_load(mg_sync_index *x)
{
	int rc;

	mg_gitindex_free(x->fast);
	x->fast = NULL;
	rc = mg_gitindex_read(&x->fast, x->file, x->verify);
	return rc == MG_GITINDEX_OTHER ? slow_open(x) : rc;
}

/* Open the index to update it under `lk`, or (NULL) only to look. */
static int sync_index_open(mg_sync_index *x, memgit_store *s, mg_lock *lk)
{
	memgit_buf file = MEMGIT_BUF_INIT;
	int rc;

	memset(x, 0, sizeof(*x));
	x->s = s;
	x->lk = lk;
	x->verify = lk != NULL;
	if ((rc = mg_buf_printf(&file, "%s/index", s->gitdir)) < 0)
		return rc;
	x->file = mg_buf_detach(&file);
	return sync_index_load(x);
}

static void sync_index_close(mg_sync_index *x)
{
	for (size_t i = 0; i < x->nchanges; i++)
		free(x->changes[i].path);
	free(x->changes);
	free(x->file);
	mg_gitindex_free(x->fast);
	git_index_free(x->slow);
}

static const git_oid *sync_index_staged(mg_sync_index *x, const char *path, git_oid *scratch)
{
	const git_index_entry *ie;

	if (x->fast)
		return mg_gitindex_find(x->fast, path, scratch) ? scratch : NULL;
	ie = git_index_get_bypath(x->slow, path, 0);
	return ie ? &ie->id : NULL;
}

static int slow_apply(mg_sync_index *x, const mg_index_change *c)
{
	git_index_entry e;
	int rc;

	if (c->removed) {
		if (git_index_get_bypath(x->slow, c->path, 0) &&
		    (rc = git_index_remove_bypath(x->slow, c->path)) < 0)
			return mg_git_error(rc, "cannot update index", c->path);
		return 0;
	}
	memset(&e, 0, sizeof(e));
	e.ctime.seconds = (int32_t)c->st.st_ctim.tv_sec;
	e.ctime.nanoseconds = (uint32_t)c->st.st_ctim.tv_nsec;
	e.mtime.seconds = (int32_t)c->st.st_mtim.tv_sec;
	e.mtime.nanoseconds = (uint32_t)c->st.st_mtim.tv_nsec;
	e.dev = (uint32_t)c->st.st_dev;
	e.ino = (uint32_t)c->st.st_ino;
	e.mode = GIT_FILEMODE_BLOB;
	e.uid = c->st.st_uid;
	e.gid = c->st.st_gid;
	e.file_size = (uint32_t)c->st.st_size;
	e.id = c->id;
	e.path = c->path;
	if ((rc = git_index_add(x->slow, &e)) < 0)
		rc = mg_git_error(rc, "cannot update index", c->path);
	return rc;
}

/* Make change `i` in whichever index is loaded: in place when it can be,
 * else over to libgit2 with every change before it. */
static int apply_change(mg_sync_index *x, size_t i)
{
	const mg_index_change *c = &x->changes[i];
	int rc;

	if (x->fast) {
		rc = mg_gitindex_set(x->fast, c->path, c->removed ? NULL : &c->st, c->removed ? NULL : &c->id);
		if (rc != MG_GITINDEX_OTHER)
			return rc;
		if ((rc = slow_open(x)) < 0)
			return rc;
		for (size_t k = 0; k < i; k++)
			if ((rc = slow_apply(x, &x->changes[k])) < 0)
				return rc;
	}
	return slow_apply(x, c);
}

/*
 * Record in the index that the file at `full` holds blob `id` (NULL: the
 * path is gone), from one lstat: git_index_add_bypath would re-read and
 * re-hash the file we just wrote and look up attributes for it.
 */
static int sync_index_set(mg_sync_index *x, const char *full, const char *path, const git_oid *id)
{
	mg_index_change *c;

	if (mg_array_grow((void **)&x->changes, &x->cap, x->nchanges + 1, sizeof(*c)) < 0)
		return mg_error_oom();
	c = &x->changes[x->nchanges];
	memset(c, 0, sizeof(*c));
	c->removed = !id;
	if (id)
		c->id = *id;
	if (id && lstat(full, &c->st) < 0)
		return mg_error_set(MEMGIT_EIO, "cannot stat work-tree file", path, "%s", strerror(errno));
	if (!(c->path = strdup(path)))
		return mg_error_oom();
	return apply_change(x, x->nchanges++);
}

/* The index lock exists: name it in the writer lock's record, by identity,
 * so that a crash now leaves nothing a later writer cannot clear. */
static int index_locked(void *payload, const char *lock_path, const struct stat *st)
{
	return mg_lock_created(payload, lock_path, st);
}

#define MG_INDEX_ATTEMPTS 5

static int sync_index_write(mg_sync_index *x)
{
	memgit_buf lock = MEMGIT_BUF_INIT, tmpdir = MEMGIT_BUF_INIT;
	int rc = 0;

	if ((rc = mg_buf_printf(&tmpdir, "%s/memgit/tmp", x->s->gitdir)) < 0)
		return rc;
	for (int n = 0; x->fast && n < MG_INDEX_ATTEMPTS; n++) {
		rc = mg_gitindex_write(x->fast, tmpdir.ptr, index_locked, x->lk);
		if (rc != MG_GITINDEX_CHANGED)
			goto done;
		/* replaced since we read it: read it again and redo our changes */
		if ((rc = sync_index_load(x)) < 0)
			goto done;
		for (size_t i = 0; i < x->nchanges && rc == 0; i++)
			rc = apply_change(x, i);
		if (rc < 0)
			goto done;
	}
	if (x->fast) {
		rc = mg_error_set(MEMGIT_EBUSY, "cannot write index", x->file,
			"it kept changing while memgit wrote it");
		goto done;
	}
	/* libgit2: its in-memory index may predate someone's change to the
	 * file, so read it afresh and make every change on that */
	if ((rc = git_index_read(x->slow, 1)) < 0) {
		rc = mg_git_error(rc, "cannot read index", x->s->gitdir);
		goto done;
	}
	for (size_t i = 0; i < x->nchanges; i++)
		if ((rc = slow_apply(x, &x->changes[i])) < 0)
			goto done;
	if ((rc = mg_buf_printf(&lock, "%s.lock", x->file)) < 0 || (rc = mg_lock_creating(x->lk, lock.ptr)) < 0)
		goto done;
	if ((rc = git_index_write(x->slow)) < 0)
		rc = mg_git_error(rc, "cannot write index", x->s->gitdir);
done:
	memgit_buf_dispose(&lock);
	memgit_buf_dispose(&tmpdir);
	return rc;
}

/* The blob the index stages for `path`: 1 and *out, 0 none, -1 unreadable. */
static int staged_blob(memgit_store *s, const char *path, git_oid *out)
{
	mg_sync_index x;
	const git_oid *id;
	int found = -1;

	if (sync_index_open(&x, s, NULL) == 0) {
		if ((id = sync_index_staged(&x, path, out)) != NULL && id != out)
			*out = *id;
		found = id != NULL;
	}
	memgit_error_clear();
	sync_index_close(&x);
	return found;
}

/* Is `id` a version the branch has had at `path`? The cheap answers first:
 * the base or the new blob, then the last synced one, then recent history. */
static int branch_version(memgit_store *s, const char *path, const git_oid *id,
	const git_oid *base_blob, const git_oid *new_blob)
{
	git_oid synced;

	if ((base_blob && git_oid_equal(id, base_blob)) || (new_blob && git_oid_equal(id, new_blob)))
		return 1;
	/* see synced_blob(): the last synced version is not a hand edit */
	if (synced_blob(s, path, &synced) && git_oid_equal(id, &synced))
		return 1;
	return recent_version(s, path, id);
}

int mg_worktree_check(memgit_store *s, const char *path, const git_oid *base_blob,
	const git_oid *new_blob)
{
	memgit_buf full = MEMGIT_BUF_INIT;
	git_oid disk, staged;
	int rc = hash_file(&disk, s, path, &full);

	memgit_buf_dispose(&full);
	if (rc < 0)
		return rc;
	if (rc == 1 && !branch_version(s, path, &disk, base_blob, new_blob))
		return mg_error_set(MEMGIT_EDIRTY, "work tree file changed by hand", path,
			"commit or discard the change first; nothing was written");
	if (staged_blob(s, path, &staged) == 1 && !branch_version(s, path, &staged, base_blob, new_blob))
		return mg_error_set(MEMGIT_EDIRTY, "work tree file has a staged change", path,
			"commit or unstage it first; nothing was written");
	return 0;
}

/* Report the first thing the sync left undone: one file (`path`), or the
 * work tree and index as a whole (NULL). */
static void note_stale(memgit_commit_result *res, const char *path, const char *why)
{
	if (!res || res->worktree_stale)
		return;
	res->worktree_stale = 1;
	if (path)
		snprintf(res->worktree_message, sizeof(res->worktree_message),
			"work tree file '%s' not updated: %s", path, why);
	else
		snprintf(res->worktree_message, sizeof(res->worktree_message),
			"work tree and index not brought up to date: %s", why);
}

static int same(const git_oid *a, const git_oid *b)
{
	return a && b ? git_oid_equal(a, b) : a == b;
}

/* Versions of a path that are the branch's, not the user's: the last synced
 * one, the one in the new commit's parent (a commit made by hand with git
 * moves the branch too), and the new one. */
typedef struct {
	const git_oid *synced, *parent, *want;
} mg_clean;

static int is_clean(memgit_store *s, const char *path, const git_oid *id, const mg_clean *c)
{
	return same(id, c->synced) || same(id, c->parent) || same(id, c->want) ||
		recent_version(s, path, id);
}

/*
 * Move one path from `old` to `want` (NULL: absent) on disk and in the index,
 * only when both still hold `old`: anything else is the user's (an edit, a
 * staged change, an untracked file) and is left alone and reported.
 */
static int sync_path(memgit_commit_result *res, memgit_store *s, mg_sync_index *index,
	const char *path, const mg_clean *clean)
{
	git_oid staged_id;
	const git_oid *staged = sync_index_staged(index, path, &staged_id), *want = clean->want;
	memgit_buf full = MEMGIT_BUF_INIT, tmpdir = MEMGIT_BUF_INIT;
	git_blob *blob = NULL;
	git_oid disk;
	int on_disk = hash_file(&disk, s, path, &full), rc = 0;

	if (on_disk < 0) {
		note_stale(res, path, memgit_error_last()->why);
		goto done;
	}
	/* a missing file loses nothing when it is rewritten */
	if (!is_clean(s, path, staged, clean)) {
		note_stale(res, path, "has a staged change");
		goto done;
	}
	if (on_disk && !is_clean(s, path, &disk, clean)) {
		note_stale(res, path, "changed by hand");
		goto done;
	}
	if (!want) {
		if (on_disk && unlink(full.ptr) < 0)
			note_stale(res, path, "cannot remove");
		mg_fs_prune_dirs(full.ptr, s->workdir);
		if (staged)
			rc = sync_index_set(index, full.ptr, path, NULL);
		goto done;
	}
	if (!(on_disk && same(&disk, want))) {
		if ((rc = git_blob_lookup(&blob, s->repo, want)) < 0) {
			rc = mg_git_error(rc, "cannot read object", path);
			goto done;
		}
		mg_buf_clear(&tmpdir);
		if (mg_buf_printf(&tmpdir, "%s/memgit/tmp", s->gitdir) < 0 || mg_fs_mkdir_parents(full.ptr) < 0 ||
		    mg_fs_write_atomic_via(full.ptr, tmpdir.ptr, git_blob_rawcontent(blob),
			    (size_t)git_blob_rawsize(blob)) < 0) {
			note_stale(res, path, memgit_error_last()->why);
			goto done;
		}
	}
	rc = sync_index_set(index, full.ptr, path, want);
done:
	git_blob_free(blob);
	memgit_buf_dispose(&full);
	memgit_buf_dispose(&tmpdir);
	return rc;
}

/* The tree the work tree was last synced to: the recorded commit's, else
 * the new commit's parent's (NULL: empty, for a first commit). */
static int synced_tree(git_tree **out, memgit_store *s, git_commit *commit)
{
	memgit_buf file = MEMGIT_BUF_INIT, rec = MEMGIT_BUF_INIT;
	git_commit *c = NULL;
	git_oid id;
	int rc = 0;

	*out = NULL;
	if (mg_buf_printf(&file, "%s/memgit/synced", s->gitdir) == 0 &&
	    mg_fs_read_file(&rec, file.ptr, 128) == 0 && rec.size >= GIT_OID_HEXSZ &&
	    git_oid_fromstrn(&id, rec.ptr, GIT_OID_HEXSZ) == 0 && git_commit_lookup(&c, s->repo, &id) == 0) {
		rc = git_commit_tree(out, c);
	} else if (git_commit_parentcount(commit) > 0 && git_commit_parent(&c, commit, 0) == 0) {
		rc = git_commit_tree(out, c);
	}
	memgit_error_clear();
	git_commit_free(c);
	memgit_buf_dispose(&file);
	memgit_buf_dispose(&rec);
	return rc < 0 ? mg_git_error(rc, "cannot read tree", "synced") : 0;
}

/* The blob at `path` in `tree` (NULL tree or no such file: NULL). */
static const git_oid *blob_at(git_tree *tree, const char *path, git_tree_entry **keep)
{
	*keep = NULL;
	if (!tree || git_tree_entry_bypath(keep, tree, path) < 0)
		return NULL;
	return git_tree_entry_id(*keep);
}

typedef struct {
	memgit_commit_result *res;
	memgit_store *s;
	mg_sync_index index;
	git_tree *synced, *parent, *target;
	mg_strmap done; /* paths already brought in step */
} mg_sync;

/* Bring one path in step (once per sync). */
static int sync_one(mg_sync *y, const char *path)
{
	git_tree_entry *e1, *e2, *e3;
	mg_clean clean;
	int rc;

	if (mg_strmap_get(&y->done, path, NULL))
		return 0;
	clean.synced = blob_at(y->synced, path, &e1);
	clean.parent = blob_at(y->parent, path, &e2);
	clean.want = blob_at(y->target, path, &e3);
	if ((rc = mg_strmap_set(&y->done, path, 1)) == 0)
		rc = sync_path(y->res, y->s, &y->index, path, &clean);
	git_tree_entry_free(e1);
	git_tree_entry_free(e2);
	git_tree_entry_free(e3);
	return rc;
}

static int sync_changes(mg_sync *y, git_tree *from)
{
	git_diff *diff = NULL;
	int rc;

	if ((rc = git_diff_tree_to_tree(&diff, y->s->repo, from, y->target, NULL)) < 0)
		return mg_git_error(rc, "cannot compare trees", y->s->workdir);
	for (size_t i = 0; i < git_diff_num_deltas(diff) && rc == 0; i++)
		rc = sync_one(y, git_diff_get_delta(diff, i)->new_file.path);
	git_diff_free(diff);
	return rc;
}

/*
 * Bring every path that changed since the last synced commit, or since the
 * new commit's parent (commits made by hand with git move the branch too),
 * to the new commit's version, file by file (sync_path decides what is safe).
 */
int mg_worktree_sync(memgit_commit_result *res, memgit_store *s, mg_lock *lk, const git_oid *commit_id,
	const char *const *paths, size_t npaths)
{
	git_commit *commit = NULL, *parent = NULL;
	mg_sync y;
	int rc;

	if (!mg_worktree_active(s))
		return 0;
	memset(&y, 0, sizeof(y));
	y.res = res;
	y.s = s;
	/* The commit is published: from here on nothing fails the write. What
	 * keeps the work tree from following (an index libgit2 cannot read
	 * either, a split index say; a file that cannot be written) is reported
	 * as stale, `synced` keeps its old commit, and the next write redoes
	 * these paths. */
	if ((rc = git_commit_lookup(&commit, s->repo, commit_id)) < 0 ||
	    (rc = git_commit_tree(&y.target, commit)) < 0 ||
	    (git_commit_parentcount(commit) > 0 &&
		    ((rc = git_commit_parent(&parent, commit, 0)) < 0 ||
			    (rc = git_commit_tree(&y.parent, parent)) < 0))) {
		rc = mg_git_error(rc, "cannot read work tree state", s->workdir);
		goto stale;
	}
	if ((rc = sync_index_open(&y.index, s, lk)) < 0 || (rc = synced_tree(&y.synced, s, commit)) < 0)
		goto stale;
	if (paths && y.synced && y.parent && git_oid_equal(git_tree_id(y.synced), git_tree_id(y.parent))) {
		/* the usual case: the work tree is at the parent, so what changed
		 * is exactly what the writer changed; no tree diff needed */
		for (size_t i = 0; i < npaths && rc == 0; i++)
			rc = sync_one(&y, paths[i]);
	} else {
		rc = sync_changes(&y, y.synced);
		/* commits made by hand since the last sync moved the branch too */
		if (rc == 0 && y.parent &&
		    !(y.synced && git_oid_equal(git_tree_id(y.synced), git_tree_id(y.parent))))
			rc = sync_changes(&y, y.parent);
	}
	/* e.g. git holds index.lock */
	if (rc < 0 || (y.done.count && (rc = sync_index_write(&y.index)) < 0))
		goto stale;
	/* hand edits left alone stay local changes against the new commit */
	if ((rc = record_synced(s, commit_id)) < 0)
		goto stale;
	goto done;
stale:
	note_stale(res, NULL, memgit_error_last()->why);
	memgit_error_clear();
	rc = 0;
done:
	mg_strmap_dispose(&y.done);
	sync_index_close(&y.index);
	git_tree_free(y.synced);
	git_tree_free(y.parent);
	git_tree_free(y.target);
	git_commit_free(parent);
	git_commit_free(commit);
	return rc;
}
