#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"

int mg_buf_grow(memgit_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > (size_t)-1 / 2 - b->size)
		return mg_error_oom();
	need = b->size + extra + 1;
	if (need <= b->asize)
		return 0;
	cap = b->asize ? b->asize : 64;
	while (cap < need)
		cap += cap / 2 + 64;
	p = realloc(b->asize ? b->ptr : NULL, cap);
	if (!p)
		return mg_error_oom();
	if (!b->asize)
		p[0] = '\0';
	b->ptr = p;
	b->asize = cap;
	return 0;
}

int mg_buf_put(memgit_buf *b, const void *data, size_t len)
{
	if (mg_buf_grow(b, len) < 0)
		return MEMGIT_ENOMEM;
	if (len)
		memcpy(b->ptr + b->size, data, len);
	b->size += len;
	b->ptr[b->size] = '\0';
	return 0;
}

int mg_buf_puts(memgit_buf *b, const char *s)
{
	return mg_buf_put(b, s, strlen(s));
}

int mg_buf_putc(memgit_buf *b, char c)
{
	return mg_buf_put(b, &c, 1);
}

int mg_buf_vprintf(memgit_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return mg_error_set(MEMGIT_ERROR, "cannot format text", NULL, "bad format");
	if (mg_buf_grow(b, (size_t)n) < 0)
		return MEMGIT_ENOMEM;
	vsnprintf(b->ptr + b->size, (size_t)n + 1, fmt, ap);
	b->size += (size_t)n;
	return 0;
}

int mg_buf_printf(memgit_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = mg_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int mg_buf_set(memgit_buf *b, const void *data, size_t len)
{
	mg_buf_clear(b);
	return mg_buf_put(b, data, len);
}

void mg_buf_clear(memgit_buf *b)
{
	b->size = 0;
	if (b->asize)
		b->ptr[0] = '\0';
}

void mg_buf_truncate(memgit_buf *b, size_t len)
{
	if (len < b->size) {
		b->size = len;
		b->ptr[len] = '\0';
	}
}

char *mg_vformat(const char *fmt, va_list ap)
{
	memgit_buf b = MEMGIT_BUF_INIT;

	if (mg_buf_vprintf(&b, fmt, ap) < 0) {
		memgit_buf_dispose(&b);
		return NULL;
	}
	return mg_buf_detach(&b);
}

char *mg_buf_detach(memgit_buf *b)
{
	char *p = b->asize ? b->ptr : NULL;
	if (!p)
		p = calloc(1, 1);
	b->ptr = NULL;
	b->size = b->asize = 0;
	return p;
}

const char *mg_buf_cstr(const memgit_buf *b)
{
	return b->asize ? b->ptr : "";
}

void memgit_buf_dispose(memgit_buf *b)
{
	if (!b)
		return;
	if (b->asize)
		free(b->ptr);
	b->ptr = NULL;
	b->size = b->asize = 0;
}
