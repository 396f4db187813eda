/*
 * base64.h: base64 with the standard alphabet (RFC 4648 section 4). Webhook
 * signatures are sent in it and Standard Webhooks secrets ("whsec_...")
 * arrive in it. Both directions write into the caller's memory and never
 * allocate, so a decoded key is never left behind in a freed buffer.
 */
#ifndef MG_BASE64_H
#define MG_BASE64_H

#include <stddef.h>

/* Characters mg_base64_encode writes for `n` bytes, without the NUL. */
#define MG_BASE64_ENCODED_LEN(n) ((((n) + 2) / 3) * 4)
/* The most bytes `n` characters of base64 can decode to. */
#define MG_BASE64_DECODED_MAX(n) (((n) + 3) / 4 * 3)

/* Encode `len` bytes with '=' padding into `out`, which must hold
 * MG_BASE64_ENCODED_LEN(len) + 1 bytes; NUL-terminated. Returns the length. */
size_t mg_base64_encode(char *out, const void *data, size_t len);

/*
 * Decode `len` characters into `out` (room for MG_BASE64_DECODED_MAX(len)
 * bytes); *out_len is the decoded length. Padding may be present or left
 * out; anything else outside the alphabet (white space included), padding
 * in the middle, or a length no encoder produces is refused: -1 (no error
 * is recorded, since the text may be a secret the caller must describe
 * without quoting). Unused low bits of the last character are ignored.
 */
int mg_base64_decode(unsigned char *out, size_t *out_len, const char *s, size_t len);

#endif
