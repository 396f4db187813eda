/*
 * memory.h: one memory file, parsed.
 *
 * A memory is markdown with optional YAML front matter (.md, .markdown,
 * .txt) or a YAML document (.yaml, .yml). Parsing enforces the limits of
 * docs/FORMAT.md: no anchors or aliases, nesting depth, size, valid UTF-8.
 * Errors name the file, line and column.
 *
 * Front matter is kept as an ordered list of top-level keys; a rewrite
 * keeps every key it did not set exactly as it was written, in order.
 */
#ifndef MEMGIT_MEMORY_H
#define MEMGIT_MEMORY_H

#include "common.h"
#include "buf.h"
#include "store.h"

MEMGIT_BEGIN_DECL

typedef struct memgit_memory memgit_memory;

typedef enum {
	MEMGIT_MEMORY_MARKDOWN = 0, /* .md .markdown .txt: front matter + body */
	MEMGIT_MEMORY_YAML = 1      /* .yaml .yml: one YAML document */
} memgit_memory_type;

/** The kinds a memory's `kind:` may take. */
#define MEMGIT_MEMORY_KINDS "fact", "preference", "procedure", "mistake", "workflow", "note"

/**
 * Parse `len` bytes of `data` as the memory file `path` (used for the type,
 * by extension, and in error messages). `limits` may be NULL for defaults.
 * Known keys are checked: kind is one of MEMGIT_MEMORY_KINDS, pinned a
 * boolean, confidence a number in [0,1], tags and sources scalars or lists of
 * scalars, created/updated/expires dates. `*out` is the caller's.
 */
MEMGIT_EXTERN(int) memgit_memory_parse(memgit_memory **out, const char *path,
	const char *data, size_t len, const memgit_limits *limits);

/** Free a parsed memory. NULL is a no-op. */
MEMGIT_EXTERN(void) memgit_memory_free(memgit_memory *mem);

MEMGIT_EXTERN(memgit_memory_type) memgit_memory_type_of(const memgit_memory *mem);

/** Non-zero when the file has (or has been given) front matter. */
MEMGIT_EXTERN(int) memgit_memory_has_front_matter(const memgit_memory *mem);

/** Number of top-level front-matter keys, and the i-th key (borrowed). */
MEMGIT_EXTERN(size_t) memgit_memory_key_count(const memgit_memory *mem);
MEMGIT_EXTERN(const char *) memgit_memory_key(const memgit_memory *mem, size_t i);

/**
 * The value of a top-level front-matter key when it is a scalar, else NULL
 * (absent, a list or a mapping). Borrowed; valid until the key is set again.
 */
MEMGIT_EXTERN(const char *) memgit_memory_get(const memgit_memory *mem, const char *key);

/**
 * The items of a key whose value is a list of scalars (a single scalar
 * counts as a list of one). Count is 0 when absent. Borrowed.
 */
MEMGIT_EXTERN(size_t) memgit_memory_list_count(const memgit_memory *mem, const char *key);
MEMGIT_EXTERN(const char *) memgit_memory_list_item(const memgit_memory *mem,
	const char *key, size_t i);

/** The body (after the front matter), borrowed, with its length. */
MEMGIT_EXTERN(const char *) memgit_memory_body(const memgit_memory *mem, size_t *len);

/**
 * Set a key to a string scalar (quoted as needed), a boolean, or a list of
 * strings. A new key is appended after the existing ones; an existing key
 * keeps its place. MEMGIT_EINPUT for YAML memories, which have no front
 * matter.
 */
MEMGIT_EXTERN(int) memgit_memory_set_string(memgit_memory *mem, const char *key,
	const char *value);
MEMGIT_EXTERN(int) memgit_memory_set_bool(memgit_memory *mem, const char *key, int value);
MEMGIT_EXTERN(int) memgit_memory_set_list(memgit_memory *mem, const char *key,
	const char *const *items, size_t n);

/** Remove a top-level key; 0 whether or not it was there. */
MEMGIT_EXTERN(int) memgit_memory_unset(memgit_memory *mem, const char *key);

/** Replace the body (a copy is taken). */
MEMGIT_EXTERN(int) memgit_memory_set_body(memgit_memory *mem, const char *body, size_t len);

/**
 * Write the memory out as file content into `out` (replacing its content).
 * A memory that was never changed serializes to the bytes it was parsed
 * from.
 */
MEMGIT_EXTERN(int) memgit_memory_serialize(memgit_buf *out, const memgit_memory *mem);

MEMGIT_END_DECL
#endif
