/*
 * sha1.c: FIPS 180-4 SHA-1 for the checksums git's file formats end with
 * (packs, the index). The index of a store with a thousand memories is
 * ~120 KiB and is rewritten on every write, so speed matters: x86-64 CPUs
 * with the SHA extensions hash with them (~1.9 GB/s), others use the
 * unrolled portable rounds (~0.85 GB/s). The stream, the padding and the
 * choice between the two are mdhash.c's, shared with SHA-256.
 */
#include <string.h>

#include "sha1.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define MG_SHA1_X86 1
#include <immintrin.h>
#endif

/* ---- portable ------------------------------------------------------------ */

#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

static inline uint32_t load_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The message schedule lives in a 16-word ring: w[t] depends on w[t-3],
 * w[t-8], w[t-14] and w[t-16], which are ring slots t+13, t+8, t+2 and t. */
#define W0(t) (w[t] = load_be32(p + 4 * (t)))
#define W(t) (w[(t)&15] = ROL(w[((t) + 13) & 15] ^ w[((t) + 8) & 15] ^ w[((t) + 2) & 15] ^ w[(t)&15], 1))
#define CH(x, y, z) ((((y) ^ (z)) & (x)) ^ (z))
#define PAR(x, y, z) ((x) ^ (y) ^ (z))
#define MAJ(x, y, z) (((x) & (y)) | (((x) | (y)) & (z)))
/* One round: the five working variables rotate by renaming, not moving. */
#define RND(f, k, wt, a, b, c, d, e)                          \
	do {                                                  \
		e += ROL(a, 5) + f(b, c, d) + (k) + (wt);     \
		b = ROL(b, 30);                               \
	} while (0)
#define FIVE(f, k, wf, t)                                     \
	do {                                                  \
		RND(f, k, wf(t), a, b, c, d, e);              \
		RND(f, k, wf((t) + 1), e, a, b, c, d);        \
		RND(f, k, wf((t) + 2), d, e, a, b, c);        \
		RND(f, k, wf((t) + 3), c, d, e, a, b);        \
		RND(f, k, wf((t) + 4), b, c, d, e, a);        \
	} while (0)

static void blocks_portable(uint32_t h[5], const unsigned char *p, size_t n)
{
	for (; n; n--, p += 64) {
		uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];

		FIVE(CH, 0x5a827999u, W0, 0);
		FIVE(CH, 0x5a827999u, W0, 5);
		FIVE(CH, 0x5a827999u, W0, 10);
		RND(CH, 0x5a827999u, W0(15), a, b, c, d, e);
		RND(CH, 0x5a827999u, W(16), e, a, b, c, d);
		RND(CH, 0x5a827999u, W(17), d, e, a, b, c);
		RND(CH, 0x5a827999u, W(18), c, d, e, a, b);
		RND(CH, 0x5a827999u, W(19), b, c, d, e, a);
		FIVE(PAR, 0x6ed9eba1u, W, 20);
		FIVE(PAR, 0x6ed9eba1u, W, 25);
		FIVE(PAR, 0x6ed9eba1u, W, 30);
		FIVE(PAR, 0x6ed9eba1u, W, 35);
		FIVE(MAJ, 0x8f1bbcdcu, W, 40);
		FIVE(MAJ, 0x8f1bbcdcu, W, 45);
		FIVE(MAJ, 0x8f1bbcdcu, W, 50);
		FIVE(MAJ, 0x8f1bbcdcu, W, 55);
		FIVE(PAR, 0xca62c1d6u, W, 60);
		FIVE(PAR, 0xca62c1d6u, W, 65);
		FIVE(PAR, 0xca62c1d6u, W, 70);
		FIVE(PAR, 0xca62c1d6u, W, 75);
		h[0] += a;
		h[1] += b;
		h[2] += c;
		h[3] += d;
		h[4] += e;
	}
}

/* ---- x86 SHA extensions -------------------------------------------------- */

#ifdef MG_SHA1_X86
/*
 * The instructions work on four rounds at a time. Message words are kept as
 * groups of four, the first word in the highest lane; group g >= 4 is
 * msg2(msg1(g-4, g-3) ^ (g-2), g-1). sha1nexte turns the A of four rounds
 * ago into the E of the next four, adding the next group.
 */
#define SHANI_NEXT(g) \
	m[(g)&3] = _mm_sha1msg2_epu32(_mm_xor_si128(_mm_sha1msg1_epu32(m[(g)&3], m[((g) + 1) & 3]), m[((g) + 2) & 3]), m[((g) + 3) & 3])
#define SHANI_FOUR(g, f)                                      \
	do {                                                  \
		if ((g) >= 4)                                 \
			SHANI_NEXT(g);                        \
		ein = _mm_sha1nexte_epu32(prev, m[(g)&3]);    \
		prev = abcd;                                  \
		abcd = _mm_sha1rnds4_epu32(abcd, ein, f);     \
	} while (0)

__attribute__((target("sha,ssse3,sse4.1"))) static void blocks_shani(uint32_t h[5], const unsigned char *p,
	size_t n)
{
	const __m128i reverse = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
	__m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0x1b);
	__m128i e = _mm_set_epi32((int)h[4], 0, 0, 0);

	for (; n; n--, p += 64) {
		__m128i m[4], abcd0 = abcd, prev, ein;

		for (int i = 0; i < 4; i++)
			m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), reverse);
		ein = _mm_add_epi32(e, m[0]);
		prev = abcd;
		abcd = _mm_sha1rnds4_epu32(abcd, ein, 0);
		SHANI_FOUR(1, 0);
		SHANI_FOUR(2, 0);
		SHANI_FOUR(3, 0);
		SHANI_FOUR(4, 0);
		SHANI_FOUR(5, 1);
		SHANI_FOUR(6, 1);
		SHANI_FOUR(7, 1);
		SHANI_FOUR(8, 1);
		SHANI_FOUR(9, 1);
		SHANI_FOUR(10, 2);
		SHANI_FOUR(11, 2);
		SHANI_FOUR(12, 2);
		SHANI_FOUR(13, 2);
		SHANI_FOUR(14, 2);
		SHANI_FOUR(15, 3);
		SHANI_FOUR(16, 3);
		SHANI_FOUR(17, 3);
		SHANI_FOUR(18, 3);
		SHANI_FOUR(19, 3);
		e = _mm_sha1nexte_epu32(prev, e);
		abcd = _mm_add_epi32(abcd, abcd0);
	}
	_mm_storeu_si128((__m128i *)h, _mm_shuffle_epi32(abcd, 0x1b));
	h[4] = (uint32_t)_mm_extract_epi32(e, 3);
}

#endif

/* Chosen once (like sha256.c's); a data race on first use writes the same
 * value. */
static mg_md_blocks_fn blocks_fn;

static void choose(int enable)
{
	blocks_fn = blocks_portable;
#ifdef MG_SHA1_X86
	if (enable && mg_md_sha_ni_usable())
		blocks_fn = blocks_shani;
#else
	(void)enable;
#endif
}

int mg_sha1_accelerated(int enable)
{
	if (enable >= 0 || !blocks_fn)
		choose(enable != 0);
	return blocks_fn != blocks_portable;
}

static void blocks(uint32_t *h, const unsigned char *p, size_t n)
{
	if (!blocks_fn)
		choose(1);
	blocks_fn(h, p, n);
}

/* ---- streaming ----------------------------------------------------------- */

void mg_sha1_init(mg_sha1 *c)
{
	static const uint32_t iv[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
	memcpy(c->h, iv, sizeof(iv));
	memset(&c->s, 0, sizeof(c->s));
}

void mg_sha1_update(mg_sha1 *c, const void *data, size_t len)
{
	mg_md_update(&c->s, c->h, blocks, data, len);
}

void mg_sha1_final(mg_sha1 *c, unsigned char out[20])
{
	mg_md_final(&c->s, c->h, blocks, out, 5);
}
