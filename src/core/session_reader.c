/*
 * session_reader.c: reading a transcript line by line in bounded memory.
 *
 * The buffer holds one chunk plus the line being assembled, so it only grows
 * for a long line, and never past the line cap: a longer line is refused as
 * soon as the cap is crossed, without reading the rest of it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session_internal.h"
#include "util/buf.h"
#include "util/error.h"

#define MG_READ_CHUNK (256u * 1024u)

void mg_line_reader_init(mg_line_reader *r, mg_read_fn fn, void *ctx, const char *name,
	size_t max_line)
{
	memset(r, 0, sizeof(*r));
	r->read = fn;
	r->ctx = ctx;
	r->name = name;
	r->max_line = max_line ? max_line : MEMGIT_SESSION_MAX_LINE_DEFAULT;
}

void mg_line_reader_dispose(mg_line_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->start = r->end = r->scan = 0;
}

ssize_t mg_read_fd(void *ctx, char *buf, size_t len)
{
	int fd = *(int *)ctx;
	for (;;) {
		ssize_t n = read(fd, buf, len);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return mg_error_set(MEMGIT_EIO, "cannot read", NULL, "%s", strerror(errno));
	}
}

/* Read into `dst`, hashing what arrives. */
static ssize_t raw_read(mg_line_reader *r, char *dst, size_t len)
{
	ssize_t n;

	if (r->eof)
		return 0;
	n = r->read(r->ctx, dst, len);
	if (n < 0) {
		mg_error_set_subject(r->name);
		return n;
	}
	if (n == 0)
		r->eof = 1;
	else if (r->hash)
		mg_sha256_update(r->hash, dst, (size_t)n);
	return n;
}

/* Room for another chunk after the pending bytes, moved to the front. */
static int make_room(mg_line_reader *r)
{
	size_t pending = r->end - r->start, need = pending + MG_READ_CHUNK + 1, cap;
	char *p;

	if (r->start) {
		memmove(r->buf, r->buf + r->start, pending);
		r->scan -= r->start;
		r->end = pending;
		r->start = 0;
	}
	if (need <= r->cap)
		return 0;
	cap = r->cap ? r->cap : 2 * MG_READ_CHUNK;
	while (cap < need)
		cap *= 2;
	if (!(p = realloc(r->buf, cap)))
		return mg_error_oom();
	r->buf = p;
	r->cap = cap;
	return 0;
}

/* 1 when bytes arrived, 0 at the end, negative on error. */
static int fill(mg_line_reader *r)
{
	ssize_t n;
	int rc;

	if (r->eof)
		return 0;
	if ((rc = make_room(r)) < 0)
		return rc;
	n = raw_read(r, r->buf + r->end, r->cap - r->end - 1);
	if (n <= 0)
		return (int)n;
	r->end += (size_t)n;
	return 1;
}

static int too_long(mg_line_reader *r)
{
	return mg_error_set(MEMGIT_ELIMIT, "refused transcript", r->name,
		"line %u: longer than %zu bytes (the line limit)", r->line + 1, r->max_line);
}

static int take(mg_line_reader *r, size_t len, size_t skip, char **line, size_t *out_len)
{
	*line = r->buf + r->start;
	r->buf[r->start + len] = '\0';
	*out_len = len;
	r->line++;
	r->consumed += len + skip;
	r->start += len + skip;
	r->scan = r->start;
	return 1;
}

int mg_line_next(mg_line_reader *r, char **line, size_t *len, int *complete)
{
	int rc;

	for (;;) {
		size_t left = r->end > r->scan ? r->end - r->scan : 0;
		char *nl = left ? memchr(r->buf + r->scan, '\n', left) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - (r->buf + r->start));
			if (n > r->max_line)
				return too_long(r);
			*complete = 1;
			return take(r, n, 1, line, len);
		}
		r->scan = r->end;
		if (r->end - r->start > r->max_line)
			return too_long(r);
		if ((rc = fill(r)) < 0)
			return rc;
		if (rc == 0) {
			if (r->end == r->start)
				return 0;
			*complete = 0;
			return take(r, r->end - r->start, 0, line, len);
		}
	}
}

int mg_line_peek(mg_line_reader *r, size_t want, const char **data, size_t *len)
{
	int rc;

	while (r->end - r->start < want && (rc = fill(r)) != 0)
		if (rc < 0)
			return rc;
	*data = r->buf ? r->buf + r->start : "";
	*len = r->end - r->start;
	return 0;
}

int mg_line_rest(mg_line_reader *r, memgit_buf *out, size_t cap)
{
	for (;;) {
		size_t n = r->end - r->start;
		int rc;
		if (out->size + n > cap)
			return mg_error_set(MEMGIT_ELIMIT, "refused transcript", r->name,
				"larger than %zu bytes (the document limit)", cap);
		if (n && mg_buf_put(out, r->buf + r->start, n) < 0)
			return MEMGIT_ENOMEM;
		r->consumed += n;
		r->start = r->end = r->scan = 0;
		if ((rc = fill(r)) <= 0)
			return rc;
	}
}

void mg_line_skip(mg_line_reader *r, size_t n)
{
	if (n > r->end - r->start)
		n = r->end - r->start;
	r->start += n;
	r->consumed += n;
	if (r->scan < r->start)
		r->scan = r->start;
}
