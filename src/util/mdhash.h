/*
 * mdhash.h: what SHA-1 and SHA-256 share (both FIPS 180-4 Merkle-Damgard
 * hashes on 64-byte blocks with 32-bit big-endian words): feeding a stream
 * into whole blocks, the final padding with the message's bit length, and
 * choosing between the portable rounds and the CPU's SHA extensions.
 */
#ifndef MG_MDHASH_H
#define MG_MDHASH_H

#include <stddef.h>
#include <stdint.h>

/* Runs the compression function over `n` whole 64-byte blocks at `p`. */
typedef void (*mg_md_blocks_fn)(uint32_t *h, const unsigned char *p, size_t n);

typedef struct {
	unsigned char block[64]; /* a partial block */
	size_t fill;             /* bytes in it */
	uint64_t bytes;          /* message bytes so far */
} mg_md_stream;

void mg_md_update(mg_md_stream *s, uint32_t *h, mg_md_blocks_fn blocks, const void *data, size_t len);

/* Pad, run the last block(s), and write the `words` state words big-endian
 * to `out`. */
void mg_md_final(mg_md_stream *s, uint32_t *h, mg_md_blocks_fn blocks, unsigned char *out, size_t words);

/* Whether the SHA extensions (and the SSSE3/SSE4.1 they are used with) can
 * run here, and MEMGIT_NO_SHA_NI is not set. */
int mg_md_sha_ni_usable(void);

#endif
