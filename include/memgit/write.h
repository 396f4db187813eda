/*
 * write.h: the one write path. Every change to the memory branch goes
 * through a batch: the new tree is built in memory from the branch tip,
 * checked (paths, YAML, size, secrets, limits) before any object is
 * written, committed, and the branch is moved by compare-and-swap. When
 * another writer moved it first, the batch is re-applied on the new tip,
 * a bounded number of times. A work tree, if any, follows the branch.
 */
#ifndef MEMGIT_WRITE_H
#define MEMGIT_WRITE_H

#include "common.h"
#include "store.h"

MEMGIT_BEGIN_DECL

typedef struct memgit_batch memgit_batch;

/** Front-matter fields `memgit put` fills; NULL / -1 leaves a field alone. */
typedef struct {
	unsigned int version;
	const char *title;
	const char *kind;            /* one of MEMGIT_MEMORY_KINDS */
	const char *const *tags;     /* replaces the tags when ntags > 0 */
	size_t ntags;
	int pinned;                  /* -1 unchanged, 0 false, 1 true */
} memgit_put_options;

#define MEMGIT_PUT_OPTIONS_VERSION 1
#define MEMGIT_PUT_OPTIONS_INIT { MEMGIT_PUT_OPTIONS_VERSION, NULL, NULL, NULL, 0, -1 }

typedef struct {
	unsigned int version;
	const char *message;  /* commit message; NULL: one is generated */
	int allow_empty;      /* commit even when the tree does not change */
} memgit_commit_options;

#define MEMGIT_COMMIT_OPTIONS_VERSION 1
#define MEMGIT_COMMIT_OPTIONS_INIT { MEMGIT_COMMIT_OPTIONS_VERSION, NULL, 0 }

typedef struct {
	char commit[41];          /* the new tip */
	char parent[41];          /* the tip it was built on */
	unsigned int attempts;    /* 1 + compare-and-swap retries */
	size_t created, updated, removed, moved;
	int worktree_stale;       /* the work tree could not follow: */
	char worktree_message[512]; /* why, naming the file ("" when in step) */
} memgit_commit_result;

/** Start an empty batch on `store` (borrowed; must outlive the batch). */
MEMGIT_EXTERN(int) memgit_batch_new(memgit_batch **out, memgit_store *store);

/** Free a batch. NULL is a no-op. */
MEMGIT_EXTERN(void) memgit_batch_free(memgit_batch *batch);

/**
 * Create or update the memory at `path` the way `memgit put` does: `data`
 * is the new file (with or without front matter). For a markdown memory,
 * id, created and updated are filled in, an existing memory keeps its id,
 * created and (when `data` has no front matter) its other keys, and `opts`
 * fields are set. YAML and text memories are stored as given.
 */
MEMGIT_EXTERN(int) memgit_batch_put(memgit_batch *batch, const char *path,
	const char *data, size_t len, const memgit_put_options *opts);

/** Store `data` at `path` byte for byte (after the same checks). */
MEMGIT_EXTERN(int) memgit_batch_put_raw(memgit_batch *batch, const char *path,
	const char *data, size_t len);

/** Remove the memory at `path`; MEMGIT_ENOTFOUND at commit if absent. */
MEMGIT_EXTERN(int) memgit_batch_remove(memgit_batch *batch, const char *path);

/** Rename a memory; the target must not exist (not even in another case). */
MEMGIT_EXTERN(int) memgit_batch_move(memgit_batch *batch, const char *from, const char *to);

/** Number of changes queued. */
MEMGIT_EXTERN(size_t) memgit_batch_count(const memgit_batch *batch);

/**
 * Apply every queued change in one commit. Nothing is written when any
 * change is refused. `result` may be NULL. MEMGIT_ENOTHING when the tree
 * would not change (unless allow_empty). MEMGIT_EBUSY when the branch kept
 * moving or a live lock did not clear within the store's lock timeout.
 */
MEMGIT_EXTERN(int) memgit_batch_commit(memgit_commit_result *result, memgit_batch *batch,
	const memgit_commit_options *opts);

MEMGIT_END_DECL
#endif
