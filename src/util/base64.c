/* base64.c: RFC 4648 base64, standard alphabet (see base64.h). */
#include <stdint.h>

#include "base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t mg_base64_encode(char *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t o = 0;

	for (; len >= 3; len -= 3, p += 3) {
		uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (len) {
		uint32_t v = (uint32_t)p[0] << 16 | (len == 2 ? (uint32_t)p[1] << 8 : 0);
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = len == 2 ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int value_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int mg_base64_decode(unsigned char *out, size_t *out_len, const char *s, size_t len)
{
	uint32_t acc = 0;
	size_t o = 0, n = 0;

	/* padding only at the end, making the length a multiple of four */
	if (len % 4 == 0 && len && s[len - 1] == '=')
		len -= len >= 2 && s[len - 2] == '=' ? 2 : 1;
	if (len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = value_of(s[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		if (++n == 4) {
			out[o++] = (unsigned char)(acc >> 16);
			out[o++] = (unsigned char)(acc >> 8);
			out[o++] = (unsigned char)acc;
			acc = 0;
			n = 0;
		}
	}
	if (n == 2) {
		out[o++] = (unsigned char)(acc >> 4);
	} else if (n == 3) {
		out[o++] = (unsigned char)(acc >> 10);
		out[o++] = (unsigned char)(acc >> 2);
	}
	*out_len = o;
	return 0;
}
