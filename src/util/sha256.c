#include <string.h>

#include "sha256.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MG_SHA_NI 1
#endif

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, k;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
			(uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t s1 = ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25);
		uint32_t t1 = k + s1 + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		k = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

static void blocks_portable(uint32_t h[8], const unsigned char *p, size_t n)
{
	for (; n; n--, p += 64)
		compress(h, p);
}

#ifdef MG_SHA_NI
/*
 * The SHA extensions (Intel since Goldmont/Ice Lake, AMD since Zen) run
 * SHA-256 about ten times faster than the portable rounds: hashing a
 * transcript would otherwise cost as much as parsing it. Four rounds per
 * step; the message schedule runs three steps ahead.
 */
__attribute__((target("sha,sse4.1"))) static void blocks_shani(uint32_t h[8],
	const unsigned char *p, size_t n)
{
	const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i st0, st1, tmp, msg, w[4], abef, cdgh;

	tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1); /* CDAB */
	st1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B); /* EFGH */
	st0 = _mm_alignr_epi8(tmp, st1, 8);                                      /* ABEF */
	st1 = _mm_blend_epi16(st1, tmp, 0xF0);                                   /* CDGH */
	for (; n; n--, p += 64) {
		abef = st0;
		cdgh = st1;
		for (int i = 0; i < 4; i++)
			w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)),
				mask);
#pragma GCC unroll 16
		for (int g = 0; g < 16; g++) {
			msg = _mm_add_epi32(w[g & 3], _mm_loadu_si128((const __m128i *)&K[4 * g]));
			st1 = _mm_sha256rnds2_epu32(st1, st0, msg);
			if (g >= 3 && g < 15) {
				tmp = _mm_alignr_epi8(w[g & 3], w[(g + 3) & 3], 4);
				w[(g + 1) & 3] = _mm_add_epi32(w[(g + 1) & 3], tmp);
				w[(g + 1) & 3] = _mm_sha256msg2_epu32(w[(g + 1) & 3], w[g & 3]);
			}
			msg = _mm_shuffle_epi32(msg, 0x0E);
			st0 = _mm_sha256rnds2_epu32(st0, st1, msg);
			if (g >= 1 && g < 13)
				w[(g + 3) & 3] = _mm_sha256msg1_epu32(w[(g + 3) & 3], w[g & 3]);
		}
		st0 = _mm_add_epi32(st0, abef);
		st1 = _mm_add_epi32(st1, cdgh);
	}
	tmp = _mm_shuffle_epi32(st0, 0x1B);    /* FEBA */
	st1 = _mm_shuffle_epi32(st1, 0xB1);    /* DCHG */
	st0 = _mm_blend_epi16(tmp, st1, 0xF0); /* DCBA */
	st1 = _mm_alignr_epi8(st1, tmp, 8);    /* ABEF */
	_mm_storeu_si128((__m128i *)&h[0], st0);
	_mm_storeu_si128((__m128i *)&h[4], st1);
}

#endif

/* Chosen once; a data race on first use writes the same value. */
static void (*blocks_fn)(uint32_t h[8], const unsigned char *p, size_t n);

static void choose(int enable)
{
	blocks_fn = blocks_portable;
#ifdef MG_SHA_NI
	if (enable && mg_md_sha_ni_usable())
		blocks_fn = blocks_shani;
#else
	(void)enable;
#endif
}

int mg_sha256_accelerated(int enable)
{
	if (enable >= 0 || !blocks_fn)
		choose(enable != 0);
	return blocks_fn != blocks_portable;
}

static void blocks(uint32_t h[8], const unsigned char *p, size_t n)
{
	if (!blocks_fn)
		choose(1);
	blocks_fn(h, p, n);
}

void mg_sha256_init(mg_sha256 *c)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	memcpy(c->h, iv, sizeof(iv));
	memset(&c->s, 0, sizeof(c->s));
}

void mg_sha256_update(mg_sha256 *c, const void *data, size_t len)
{
	mg_md_update(&c->s, c->h, blocks, data, len);
}

void mg_sha256_final(mg_sha256 *c, unsigned char out[32])
{
	mg_md_final(&c->s, c->h, blocks, out, 8);
}

void mg_sha256_hex(mg_sha256 *c, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[32];

	mg_sha256_final(c, d);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

void mg_hmac_sha256_init(mg_hmac_sha256_ctx *c, const void *key, size_t key_len)
{
	unsigned char k[64], pad[64];

	memset(k, 0, sizeof(k));
	if (key_len > sizeof(k)) {
		mg_sha256_init(&c->inner);
		mg_sha256_update(&c->inner, key, key_len);
		mg_sha256_final(&c->inner, k);
	} else if (key_len) {
		memcpy(k, key, key_len);
	}
	for (size_t i = 0; i < sizeof(k); i++)
		pad[i] = k[i] ^ 0x36;
	mg_sha256_init(&c->inner);
	mg_sha256_update(&c->inner, pad, sizeof(pad));
	for (size_t i = 0; i < sizeof(k); i++)
		pad[i] = k[i] ^ 0x5c;
	mg_sha256_init(&c->outer);
	mg_sha256_update(&c->outer, pad, sizeof(pad));
	explicit_bzero(k, sizeof(k));
	explicit_bzero(pad, sizeof(pad));
}

void mg_hmac_sha256_update(mg_hmac_sha256_ctx *c, const void *data, size_t len)
{
	mg_sha256_update(&c->inner, data, len);
}

void mg_hmac_sha256_final(mg_hmac_sha256_ctx *c, unsigned char out[32])
{
	unsigned char inner[32];

	mg_sha256_final(&c->inner, inner);
	mg_sha256_update(&c->outer, inner, sizeof(inner));
	mg_sha256_final(&c->outer, out);
	explicit_bzero(inner, sizeof(inner));
	explicit_bzero(c, sizeof(*c));
}

void mg_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
	unsigned char out[32])
{
	mg_hmac_sha256_ctx c;

	mg_hmac_sha256_init(&c, key, key_len);
	mg_hmac_sha256_update(&c, data, len);
	mg_hmac_sha256_final(&c, out);
}
