/*
 * store.h: a memgit store is a git repository (bare or with a work tree)
 * whose main branch holds memgit.yaml, rubrics/ and memories/.
 */
#ifndef MEMGIT_STORE_H
#define MEMGIT_STORE_H

#include "common.h"
#include "buf.h"

MEMGIT_BEGIN_DECL

typedef struct memgit_store memgit_store;

/** Limits enforced on every write; read from memgit.yaml `limits:`. */
typedef struct {
	size_t memory_max_bytes;    /* one memory file; default 100 KiB */
	size_t store_max_memories;  /* memories under memories/; default 10000 */
	unsigned int yaml_max_depth;/* nesting of any YAML document; default 64 */
	unsigned int lock_timeout_ms; /* how long a write waits for the store; default 10000 */
} memgit_limits;

#define MEMGIT_MEMORY_MAX_BYTES_DEFAULT (100u * 1024u)
#define MEMGIT_STORE_MAX_MEMORIES_DEFAULT 10000u
#define MEMGIT_YAML_MAX_DEPTH_DEFAULT 64u
#define MEMGIT_LOCK_TIMEOUT_MS_DEFAULT 10000u
#define MEMGIT_LIMITS_INIT { MEMGIT_MEMORY_MAX_BYTES_DEFAULT, \
	MEMGIT_STORE_MAX_MEMORIES_DEFAULT, MEMGIT_YAML_MAX_DEPTH_DEFAULT, \
	MEMGIT_LOCK_TIMEOUT_MS_DEFAULT }

typedef struct {
	unsigned int version;
	int bare;           /* create a bare repository (no work tree) */
	const char *branch; /* the memory branch; NULL means "main" */
	const char *name;   /* store name written to memgit.yaml; NULL: directory name */
} memgit_init_options;

#define MEMGIT_INIT_OPTIONS_VERSION 1
#define MEMGIT_INIT_OPTIONS_INIT { MEMGIT_INIT_OPTIONS_VERSION, 0, NULL, NULL }

/**
 * Create a store at `path` (created if missing) and commit the scaffold
 * (memgit.yaml, rubrics/default.yaml) from the templates. An existing git
 * repository gains the scaffold as a new commit; an existing memgit store
 * is refused with MEMGIT_EEXISTS. `*out` is the caller's (memgit_store_free).
 */
MEMGIT_EXTERN(int) memgit_store_init(memgit_store **out, const char *path,
	const memgit_init_options *opts);

/**
 * Open the store at `path` (a work tree, its .git, or a bare repository).
 * MEMGIT_ENOTFOUND when there is no repository, MEMGIT_ENOTSTORE when its
 * memory branch holds no memgit.yaml.
 */
MEMGIT_EXTERN(int) memgit_store_open(memgit_store **out, const char *path);

/** Like memgit_store_open() but searches `start` and its parents. */
MEMGIT_EXTERN(int) memgit_store_discover(memgit_store **out, const char *start);

/** Close the store. NULL is a no-op. */
MEMGIT_EXTERN(void) memgit_store_free(memgit_store *store);

/** The git directory (borrowed, ends without '/'). */
MEMGIT_EXTERN(const char *) memgit_store_gitdir(const memgit_store *store);

/** The work tree (borrowed, ends without '/'), or NULL for a bare store. */
MEMGIT_EXTERN(const char *) memgit_store_workdir(const memgit_store *store);

/**
 * Non-zero when the store has a work tree whose HEAD is the memory branch:
 * only then do memory files appear on disk and follow every write.
 */
MEMGIT_EXTERN(int) memgit_store_checked_out(memgit_store *store);

/** The memory branch name, e.g. "main" (borrowed). */
MEMGIT_EXTERN(const char *) memgit_store_branch(const memgit_store *store);

/** The limits in force (borrowed). */
MEMGIT_EXTERN(const memgit_limits *) memgit_store_limits(const memgit_store *store);

/**
 * The commit id of the memory branch tip as 40 hex digits plus NUL.
 * MEMGIT_ENOTFOUND when the branch has no commit.
 */
MEMGIT_EXTERN(int) memgit_store_head(char out[41], memgit_store *store);

MEMGIT_END_DECL
#endif
