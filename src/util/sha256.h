/*
 * sha256.h: SHA-256 (FIPS 180-4), streaming. Sessions record the digest of
 * the transcript they came from (original_sha256); libgit2 1.5 keeps its own
 * hash functions private, and one small file is cheaper than a dependency.
 */
#ifndef MG_SHA256_H
#define MG_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "mdhash.h"

typedef struct {
	uint32_t h[8];
	mg_md_stream s;
} mg_sha256;

void mg_sha256_init(mg_sha256 *c);
void mg_sha256_update(mg_sha256 *c, const void *data, size_t len);
/* 32 bytes of digest */
void mg_sha256_final(mg_sha256 *c, unsigned char out[32]);
/* The digest as 64 lowercase hex digits plus NUL. */
void mg_sha256_hex(mg_sha256 *c, char out[65]);

/* Whether the SHA extensions are used (1) or the portable rounds (0); tests
 * call it with 0 to check the portable code on a machine that has them.
 * MEMGIT_NO_SHA_NI in the environment does the same. `enable` -1 only asks. */
int mg_sha256_accelerated(int enable);

/*
 * HMAC-SHA256 (RFC 2104), for webhook signatures. A key longer than the
 * 64-byte block is hashed first, as the RFC says. The context holds
 * key-derived state: mg_hmac_sha256_final wipes it.
 */
typedef struct {
	mg_sha256 inner, outer;
} mg_hmac_sha256_ctx;

void mg_hmac_sha256_init(mg_hmac_sha256_ctx *c, const void *key, size_t key_len);
void mg_hmac_sha256_update(mg_hmac_sha256_ctx *c, const void *data, size_t len);
void mg_hmac_sha256_final(mg_hmac_sha256_ctx *c, unsigned char out[32]);
/* One call: init, update with `data`, final. */
void mg_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
	unsigned char out[32]);

#endif
