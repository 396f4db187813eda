/*
 * memcount.h: the number of memories in a tree, with a cache keyed by the
 * root tree so that a write need not read every folder to learn it.
 */
#ifndef MG_MEMCOUNT_H
#define MG_MEMCOUNT_H

#include "store_internal.h"

/* Count the files under memories/ in `root` (NULL: 0), reading each folder. */
size_t mg_memcount_walk(memgit_store *s, const git_tree *root);

/* 1 with *out set when the cache holds the count of exactly `root`, else 0. */
int mg_memcount_cached(memgit_store *s, const git_oid *root, size_t *out);

/* Remember `count` for `root`; best effort. Call with the writer lock held. */
void mg_memcount_remember(memgit_store *s, const git_oid *root, size_t count);

#endif
