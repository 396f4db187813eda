/*
 * pack.h: writing many new blobs as one pack (the only code that uses zlib).
 *
 * A large import would otherwise create a loose file per object; libgit2's
 * own pack builder searches for deltas and compresses at a slow level,
 * which costs more than the files it saves for new, unrelated memories. The
 * pack here stores each blob whole, deflated at level 1 as git does for
 * loose objects, and is handed to libgit2's indexer, which checks it and
 * writes the .idx.
 */
#ifndef MG_PACK_H
#define MG_PACK_H

#include <stddef.h>
#include "store_internal.h"

typedef struct {
	const char *data;
	size_t len;
} mg_pack_blob;

/* Write `n` blobs into one new pack of the store's object database. */
int mg_pack_write_blobs(memgit_store *s, const mg_pack_blob *blobs, size_t n);

#endif
