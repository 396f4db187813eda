/* fs.h: file-system helpers with size caps and errors set. */
#ifndef MG_FS_H
#define MG_FS_H

#include <stddef.h>
#include "memgit/buf.h"

/* Read a whole file into `out`, refusing (MEMGIT_ELIMIT) one over `cap` bytes. */
int mg_fs_read_file(memgit_buf *out, const char *path, size_t cap);

/* Read a stream to its end into `out`, with the same cap. */
int mg_fs_read_fd(memgit_buf *out, int fd, size_t cap, const char *name);

/* Write `data` to `path` via a temporary file and rename (mode 0644). */
int mg_fs_write_atomic(const char *path, const char *data, size_t len);

/*
 * The same, with the temporary file in `tmpdir` (created if missing) so that
 * a writer killed mid-write leaves nothing beside `path`; falls back to a
 * temporary beside `path` when `tmpdir` is on another file system.
 */
int mg_fs_write_atomic_via(const char *path, const char *tmpdir, const char *data, size_t len);

/* Remove the regular files directly in `dir` (a missing dir is fine). */
void mg_fs_clear_dir(const char *dir);

/* Write `data` to `path` in place (create, overwrite, cut to length), for
 * files whose readers tolerate a torn write: one may see the new bytes
 * followed by the end of the old ones. */
int mg_fs_write_file(const char *path, const char *data, size_t len);

/* mkdir -p for the directories leading to `path`'s last component. */
int mg_fs_mkdir_parents(const char *path);

/* mkdir -p. */
int mg_fs_mkdir_p(const char *dir);

/* 1 directory, 2 regular file, 0 absent, 3 other. */
int mg_fs_kind(const char *path);

/* Remove empty directories from dirname(path) upwards, stopping at `stop`. */
void mg_fs_prune_dirs(const char *path, const char *stop);

#endif
