/*
 * read.h: reading the memory branch: one memory, the list, the history.
 */
#ifndef MEMGIT_READ_H
#define MEMGIT_READ_H

#include <stdint.h>
#include "common.h"
#include "buf.h"
#include "store.h"

MEMGIT_BEGIN_DECL

/**
 * Normalise a memory path as commands accept it (`x.md`, `memories/x.md`,
 * `/memories/x.md`) into `out`, relative to memories/. MEMGIT_EPATH names
 * the rule broken. Case collisions need the store and are checked on write.
 */
MEMGIT_EXTERN(int) memgit_path_normalize(memgit_buf *out, const char *input);

/** Read the memory at `path` on the branch tip into `out`. */
MEMGIT_EXTERN(int) memgit_store_read(memgit_buf *out, memgit_store *store, const char *path);

typedef struct {
	const char *path;  /* relative to memories/ */
	char blob[41];
	size_t size;
} memgit_entry_info;

/** Return non-zero from a callback to stop; that value is returned. */
typedef int (*memgit_entry_cb)(const memgit_entry_info *entry, void *payload);

/**
 * Call `cb` for every memory under `prefix` (NULL or "" for all) in path
 * order. A prefix matches whole path segments ("a" matches "a/x.md", not
 * "ab.md") or an exact file.
 */
MEMGIT_EXTERN(int) memgit_store_foreach(memgit_store *store, const char *prefix,
	memgit_entry_cb cb, void *payload);

/** memgit_store_foreach() fills `size` only with this flag: it costs a
 * read of every object's header (a file open per loose object). */
#define MEMGIT_FOREACH_SIZES 1u

/** memgit_store_foreach() with `flags`; without MEMGIT_FOREACH_SIZES, size is 0. */
MEMGIT_EXTERN(int) memgit_store_foreach_ext(memgit_store *store, const char *prefix,
	unsigned flags, memgit_entry_cb cb, void *payload);

typedef struct {
	char commit[41];
	const char *author_name;
	const char *author_email;
	int64_t time;          /* seconds since the epoch */
	int offset_minutes;    /* time zone of the author */
	const char *subject;   /* first line */
	const char *message;   /* whole message */
	size_t ntrailers;
	const char *const *trailer_keys;
	const char *const *trailer_values;
} memgit_commit_info;

typedef int (*memgit_commit_cb)(const memgit_commit_info *commit, void *payload);

/**
 * Walk the memory branch newest first, calling `cb` for each commit; when
 * `path` is set, only for commits that changed that memory (first-parent
 * history). `max` 0 means no limit.
 */
MEMGIT_EXTERN(int) memgit_log_foreach(memgit_store *store, const char *path, size_t max,
	memgit_commit_cb cb, void *payload);

MEMGIT_END_DECL
#endif
