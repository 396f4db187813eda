/* mdhash.c: see mdhash.h. */
#include <stdlib.h>
#include <string.h>

#include "mdhash.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#if defined(__has_include) && __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h> /* glibc 2.33+: the features it probed at start-up */
#endif
#define MG_MD_X86 1
#endif

void mg_md_update(mg_md_stream *s, uint32_t *h, mg_md_blocks_fn blocks, const void *data, size_t len)
{
	const unsigned char *p = data;

	s->bytes += len;
	if (s->fill) {
		size_t n = 64 - s->fill < len ? 64 - s->fill : len;
		memcpy(s->block + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill < 64)
			return;
		blocks(h, s->block, 1);
		s->fill = 0;
	}
	if (len >= 64) /* whole blocks straight from the caller's buffer */
		blocks(h, p, len / 64);
	p += len & ~(size_t)63;
	len &= 63;
	memcpy(s->block, p, len);
	s->fill = len;
}

void mg_md_final(mg_md_stream *s, uint32_t *h, mg_md_blocks_fn blocks, unsigned char *out, size_t words)
{
	uint64_t bits = s->bytes * 8;

	s->block[s->fill++] = 0x80;
	if (s->fill > 56) {
		memset(s->block + s->fill, 0, 64 - s->fill);
		blocks(h, s->block, 1);
		s->fill = 0;
	}
	memset(s->block + s->fill, 0, 56 - s->fill);
	for (int i = 0; i < 8; i++)
		s->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	blocks(h, s->block, 1);
	for (size_t i = 0; i < words; i++) {
		out[4 * i] = (unsigned char)(h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(h[i] >> 8);
		out[4 * i + 3] = (unsigned char)h[i];
	}
}

/* glibc's record where there is one: each CPUID instruction traps to the
 * hypervisor in a virtual machine, a few microseconds per process */
int mg_md_sha_ni_usable(void)
{
#ifdef MG_MD_X86
	if (getenv("MEMGIT_NO_SHA_NI"))
		return 0;
#ifdef CPU_FEATURE_ACTIVE
	return CPU_FEATURE_ACTIVE(SHA) && CPU_FEATURE_ACTIVE(SSSE3) && CPU_FEATURE_ACTIVE(SSE4_1);
#else
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return 0;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
#endif
#else
	return 0;
#endif
}
