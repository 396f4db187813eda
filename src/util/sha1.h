/*
 * sha1.h: plain SHA-1, for the checksum trailers of the packs and index
 * files memgit writes (git's formats require them). Not for security:
 * object ids are libgit2's (with collision detection).
 */
#ifndef MG_SHA1_H
#define MG_SHA1_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint32_t h[5];
	uint64_t len;
	unsigned char block[64];
	size_t used;
} mg_sha1;

void mg_sha1_init(mg_sha1 *c);
void mg_sha1_update(mg_sha1 *c, const void *data, size_t len);
void mg_sha1_final(mg_sha1 *c, unsigned char out[20]);

/* For tests: use the CPU's SHA instructions when `on` and the CPU has them,
 * else the portable code. Returns whether they were in use. */
int mg_sha1_use_hardware(int on);

#endif
