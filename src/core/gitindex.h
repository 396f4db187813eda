/*
 * gitindex.h: a few entries of git's index changed without loading it.
 *
 * Every write to a store with a work tree records the files it wrote in the
 * index (.git/index), so that `git status` stays clean. libgit2 loads the
 * whole index into a map, verifies its checksum with collision-detecting
 * SHA-1 and writes it all back: for a thousand memories that was a fifth of
 * a `memgit put`. This editor keeps the file's bytes, changes the entries
 * it is told to, and writes the result once. It takes the index formats
 * git writes by default (versions 2 and 3) and refuses (MG_GITINDEX_OTHER)
 * anything else, for the caller to hand to libgit2: version 4, extensions
 * git requires readers to understand (split index, sparse index), conflict
 * stages or a file-versus-folder clash on a path it is asked to change.
 * Optional extensions (the cached trees, the untracked cache, ...) are
 * dropped, which git allows: it rebuilds them when it needs them.
 */
#ifndef MG_GITINDEX_H
#define MG_GITINDEX_H

#include <git2.h>
#include <sys/stat.h>

/* Returned when the index needs libgit2 (see above). */
#define MG_GITINDEX_OTHER 1
/* Returned by mg_gitindex_write when the index file was replaced after it
 * was read (a `git add` meanwhile): read it again and redo the changes. */
#define MG_GITINDEX_CHANGED 2

typedef struct mg_gitindex mg_gitindex;

/* Read the index at `path`: 0, MG_GITINDEX_OTHER (also when there is no
 * index yet), or a negative error. With `verify`, the checksum is checked
 * too (a damaged index is then MG_GITINDEX_OTHER): do so before writing. */
int mg_gitindex_read(mg_gitindex **out, const char *path, int verify);

/* The blob staged at stage 0 for `path`: 1 and *id, or 0. */
int mg_gitindex_find(const mg_gitindex *ix, const char *path, git_oid *id);

/* Stage blob `id` for `path` with the file's stat data `st`; or, with a NULL
 * `id`, remove the path. 0, MG_GITINDEX_OTHER or a negative error. */
int mg_gitindex_set(mg_gitindex *ix, const char *path, const struct stat *st, const git_oid *id);

/* Called with the stat data of the file that is about to become the lock
 * (its identity: device, inode); a negative return abandons the write. */
typedef int (*mg_gitindex_locked_cb)(void *payload, const char *lock_path, const struct stat *st);

/*
 * Write the index back through `<path>.lock` (the lock git uses): 0,
 * MG_GITINDEX_CHANGED, or a negative error (MEMGIT_EBUSY when the lock file
 * exists: another git process is using the index). The new index is
 * written in `tmpdir` (NULL: straight into the lock file) and linked into
 * place as the lock; `locked` (may be NULL) hears of it before.
 */
int mg_gitindex_write(mg_gitindex *ix, const char *tmpdir, mg_gitindex_locked_cb locked, void *payload);

void mg_gitindex_free(mg_gitindex *ix);

#endif
