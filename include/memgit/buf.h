/*
 * buf.h: an output buffer the library fills and the caller owns.
 *
 * ptr is never NULL after a successful fill and is always NUL-terminated,
 * so text can be used as a C string (binary content may hold NULs; size is
 * authoritative).
 */
#ifndef MEMGIT_BUF_H
#define MEMGIT_BUF_H

#include "common.h"

MEMGIT_BEGIN_DECL

typedef struct {
	char *ptr;
	size_t size;  /* bytes of content, excluding the terminating NUL */
	size_t asize; /* bytes allocated; 0 when ptr is not owned */
} memgit_buf;

#define MEMGIT_BUF_INIT { NULL, 0, 0 }

/** Free the buffer's memory and reset it to MEMGIT_BUF_INIT. NULL is a no-op. */
MEMGIT_EXTERN(void) memgit_buf_dispose(memgit_buf *buf);

MEMGIT_END_DECL
#endif
