/*
 * sse.h: an incremental parser for server-sent events (text/event-stream,
 * WHATWG HTML "Server-sent events"). Bytes arrive in arbitrary chunks:
 * a line may be split anywhere, including between the CR and LF of a CRLF.
 */
#ifndef MG_SSE_H
#define MG_SSE_H

#include <stddef.h>
#include "llm/http.h"
#include "memgit/buf.h"

/* Every event (its data plus the line being read) is capped by this. */
#define MG_SSE_MAX_EVENT ((size_t)1 << 20)

typedef struct {
	memgit_buf line;      /* the line being read (no terminator) */
	memgit_buf event;     /* the `event:` field of the pending event */
	memgit_buf data;      /* `data:` lines joined with \n */
	memgit_buf last_id;   /* the last `id:` field seen */
	int has_data;         /* a data line was seen (data may be empty) */
	int after_cr;         /* the previous byte was CR: skip one LF */
	size_t max_event;
	mg_http_sse_cb cb;
	void *payload;
	int cb_rc;            /* the non-zero value the callback stopped with */
	int too_large;        /* an event went over max_event */
} mg_sse_parser;

/* max_event 0: MG_SSE_MAX_EVENT. */
void mg_sse_init(mg_sse_parser *p, size_t max_event, mg_http_sse_cb cb, void *payload);
void mg_sse_dispose(mg_sse_parser *p);

/*
 * Feed bytes; each complete event goes to the callback ("message" when it
 * named no event type). 0 to go on; else non-zero and the parser is done:
 * the callback's value (p->cb_rc), MEMGIT_EREMOTE when an event went over
 * the cap (p->too_large, no error recorded: the caller names the host),
 * or MEMGIT_ENOMEM.
 */
int mg_sse_feed(mg_sse_parser *p, const char *data, size_t len);

#endif
