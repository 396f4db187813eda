/*
 * sha1.h: plain SHA-1, for the checksum trailers of the packs and index
 * files memgit writes (git's formats require them). Not for security:
 * object ids are libgit2's (with collision detection).
 */
#ifndef MG_SHA1_H
#define MG_SHA1_H

#include <stddef.h>
#include <stdint.h>

#include "mdhash.h"

typedef struct {
	uint32_t h[5];
	mg_md_stream s;
} mg_sha1;

void mg_sha1_init(mg_sha1 *c);
void mg_sha1_update(mg_sha1 *c, const void *data, size_t len);
void mg_sha1_final(mg_sha1 *c, unsigned char out[20]);

/* Whether the SHA extensions are used (1) or the portable rounds (0); tests
 * call it with 0 to check the portable code on a machine that has them.
 * MEMGIT_NO_SHA_NI in the environment does the same. `enable` -1 only asks.
 * (As mg_sha256_accelerated.) */
int mg_sha1_accelerated(int enable);

#endif
