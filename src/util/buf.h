/*
 * buf.h: growing a memgit_buf. Every function keeps ptr NUL-terminated and
 * returns 0 or MEMGIT_ENOMEM (with the error recorded). A buffer fed from
 * outside (files, transcripts, HTTP bodies) is capped by its reader.
 */
#ifndef MG_BUF_H
#define MG_BUF_H

#include <stdarg.h>
#include "memgit/buf.h"

int mg_buf_grow(memgit_buf *b, size_t extra);
int mg_buf_put(memgit_buf *b, const void *data, size_t len);
int mg_buf_puts(memgit_buf *b, const char *s);
int mg_buf_putc(memgit_buf *b, char c);
int mg_buf_printf(memgit_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mg_buf_vprintf(memgit_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
int mg_buf_set(memgit_buf *b, const void *data, size_t len);
void mg_buf_clear(memgit_buf *b);
void mg_buf_truncate(memgit_buf *b, size_t len);
/* A new malloc'd string formatted like vprintf; NULL (error set) on failure. */
char *mg_vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Give the memory to the caller (free()); the buffer becomes empty. */
char *mg_buf_detach(memgit_buf *b);
/* ptr, or "" for a buffer never filled */
const char *mg_buf_cstr(const memgit_buf *b);

#endif
