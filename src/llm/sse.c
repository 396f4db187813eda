/*
 * sse.c: server-sent events, parsed as the bytes arrive (see sse.h).
 */
#include <string.h>

#include "sse.h"
#include "memgit/errors.h"
#include "util/buf.h"

void mg_sse_init(mg_sse_parser *p, size_t max_event, mg_http_sse_cb cb, void *payload)
{
	memset(p, 0, sizeof(*p));
	p->max_event = max_event ? max_event : MG_SSE_MAX_EVENT;
	p->cb = cb;
	p->payload = payload;
}

void mg_sse_dispose(mg_sse_parser *p)
{
	if (!p)
		return;
	memgit_buf_dispose(&p->line);
	memgit_buf_dispose(&p->event);
	memgit_buf_dispose(&p->data);
	memgit_buf_dispose(&p->last_id);
}

static int dispatch(mg_sse_parser *p)
{
	const char *type = p->event.size ? p->event.ptr : "message";
	int rc = 0;

	/* the spec drops an event that carried no data line */
	if (p->has_data && p->cb)
		rc = p->cb(type, mg_buf_cstr(&p->data), p->data.size, p->payload);
	mg_buf_clear(&p->event);
	mg_buf_clear(&p->data);
	p->has_data = 0;
	if (rc != 0)
		p->cb_rc = rc;
	return rc;
}

static int field(mg_sse_parser *p, const char *name, size_t nlen, const char *value, size_t vlen)
{
	if (nlen == 4 && memcmp(name, "data", 4) == 0) {
		if (p->has_data && mg_buf_putc(&p->data, '\n') < 0)
			return MEMGIT_ENOMEM;
		p->has_data = 1;
		return mg_buf_put(&p->data, value, vlen);
	}
	if (nlen == 5 && memcmp(name, "event", 5) == 0)
		return mg_buf_set(&p->event, value, vlen);
	/* an id holding NUL is ignored, as the spec says */
	if (nlen == 2 && memcmp(name, "id", 2) == 0 && !memchr(value, '\0', vlen))
		return mg_buf_set(&p->last_id, value, vlen);
	return 0; /* retry: and unknown fields: nothing memgit uses */
}

static int end_line(mg_sse_parser *p)
{
	const char *s = mg_buf_cstr(&p->line), *colon, *value;
	size_t n = p->line.size, nlen, vlen;
	int rc;

	if (n == 0)
		return dispatch(p);
	if (s[0] == ':') { /* a comment, e.g. a keep-alive ": ping" */
		mg_buf_clear(&p->line);
		return 0;
	}
	colon = memchr(s, ':', n);
	nlen = colon ? (size_t)(colon - s) : n;
	value = colon ? colon + 1 : s + n;
	vlen = n - (size_t)(value - s);
	if (vlen && *value == ' ') {
		value++;
		vlen--;
	}
	rc = field(p, s, nlen, value, vlen);
	mg_buf_clear(&p->line);
	return rc;
}

static int append(mg_sse_parser *p, const char *data, size_t len)
{
	if (len == 0)
		return 0;
	if (p->line.size + p->data.size + len > p->max_event) {
		p->too_large = 1;
		return MEMGIT_EREMOTE;
	}
	return mg_buf_put(&p->line, data, len);
}

int mg_sse_feed(mg_sse_parser *p, const char *data, size_t len)
{
	size_t i = 0, start = 0;
	int rc;

	if (p->cb_rc)
		return p->cb_rc;
	if (p->too_large)
		return MEMGIT_EREMOTE;
	for (; i < len; i++) {
		char c = data[i];
		if (c != '\r' && c != '\n') {
			p->after_cr = 0;
			continue;
		}
		if (c == '\n' && p->after_cr) { /* the LF of a CRLF split or not */
			p->after_cr = 0;
			start = i + 1;
			continue;
		}
		p->after_cr = (c == '\r');
		if ((rc = append(p, data + start, i - start)) < 0 || (rc = end_line(p)) != 0)
			return rc;
		start = i + 1;
	}
	return append(p, data + start, len - start);
}
