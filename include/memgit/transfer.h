/*
 * transfer.h: bringing memory in from other tools' files and taking it out.
 */
#ifndef MEMGIT_TRANSFER_H
#define MEMGIT_TRANSFER_H

#include "common.h"
#include "buf.h"
#include "store.h"
#include "write.h"

MEMGIT_BEGIN_DECL

typedef struct {
	unsigned int version;
	const char *prefix;  /* place imported files under memories/<prefix>/ */
	int raw;             /* keep files byte for byte (no id/created/updated) */
	const char *message; /* commit message; NULL: generated */
} memgit_import_options;

#define MEMGIT_IMPORT_OPTIONS_VERSION 1
#define MEMGIT_IMPORT_OPTIONS_INIT { MEMGIT_IMPORT_OPTIONS_VERSION, NULL, 0, NULL }

/** Called for each file an import passes over (hidden, wrong extension). */
typedef void (*memgit_skip_cb)(const char *file, const char *why, void *payload);

/**
 * Import files and folders of .md/.markdown/.yaml/.yml/.txt in one commit.
 * A file lands at memories/<prefix>/<basename>; a folder's files keep their
 * path inside it. Any refused file refuses the whole import.
 */
MEMGIT_EXTERN(int) memgit_import(memgit_commit_result *result, memgit_store *store,
	const char *const *paths, size_t npaths, const memgit_import_options *opts,
	memgit_skip_cb skipped, void *payload);

/**
 * Write every memory as a file under `dir` (created; must be empty or
 * absent). Returns the count in `*count` when not NULL.
 */
MEMGIT_EXTERN(int) memgit_export_dir(memgit_store *store, const char *dir, size_t *count);

/**
 * Every memory as a JSON document:
 * {"store":..,"branch":..,"commit":..,"memories":[{"path","content","front_matter":{..},"body"}]}
 */
MEMGIT_EXTERN(int) memgit_export_json(memgit_buf *out, memgit_store *store);

/**
 * One memory file as a JSON object, the shape export and `show --json` use:
 * {"path","content","front_matter":{typed, nested}|null,"body"} (YAML
 * memories: path and content). `limits` may be NULL.
 */
MEMGIT_EXTERN(int) memgit_memory_json(memgit_buf *out, const char *path, const char *data,
	size_t len, const memgit_limits *limits);

MEMGIT_END_DECL
#endif
