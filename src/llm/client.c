/*
 * client.c: one model call with the providers' retry rules (client.h).
 *
 * Retries: what mg_http_retry_delay says (408/409/429/5xx/529 and
 * connection failures, retry-after honoured, x-should-retry obeyed, never
 * a spend-limit error), at most c->retries times. A stream that fails
 * with an error event after a 200 is not retried: the server has spoken,
 * and the official SDKs do not retry it either.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/client.h"
#include "llm/sse.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/fs.h"

#define MG_REPLAY_MAX_BYTES (64u * 1024u * 1024u)
#define SLEEP_SLICE_MS 50

static int cancelled(const mg_llm_client *c)
{
	return c->cancel && atomic_load(c->cancel);
}

typedef struct {
	mg_llm_stream s;
	const mg_llm_client *c;
} stream_ctx;

static int on_event(const char *event, const char *data, size_t len, void *payload)
{
	stream_ctx *x = payload;

	if (cancelled(x->c))
		return mg_error_set(MEMGIT_EREMOTE, "model request cancelled", NULL,
			"another request of the dream failed");
	return mg_llm_stream_event(event, data, len, &x->s);
}

/* ---- replay ---------------------------------------------------------------- */

/* A recorded body's wire format, from what only that format has. */
static mg_llm_kind replay_kind(const char *text, int sse)
{
	if (sse)
		return strstr(text, "message_start") ? MG_LLM_ANTHROPIC : MG_LLM_OPENAI;
	return strstr(text, "\"choices\"") ? MG_LLM_OPENAI : MG_LLM_ANTHROPIC;
}

static int replay_stream(mg_llm_result *out, const mg_llm_config *cfg, const memgit_buf *text,
	mg_llm_progress_cb progress, void *payload)
{
	mg_sse_parser parser;
	mg_llm_stream s;
	int rc;

	mg_llm_stream_init(&s, cfg, out);
	s.progress = progress;
	s.progress_payload = payload;
	mg_sse_init(&parser, 0, mg_llm_stream_event, &s);
	rc = mg_sse_feed(&parser, text->ptr, text->size);
	if (rc == 0)
		rc = mg_sse_feed(&parser, "\n\n", 2); /* a file may lack the last blank line */
	if (rc == 0)
		rc = mg_llm_stream_finish(&s);
	else if (parser.too_large)
		rc = mg_error_set(MEMGIT_EREMOTE, "recorded response", NULL, "an event is over %zu bytes",
			(size_t)MG_SSE_MAX_EVENT);
	mg_sse_dispose(&parser);
	mg_llm_stream_dispose(&s);
	return rc;
}

static int replay(mg_llm_result *out, mg_llm_call_info *info, const mg_llm_client *c,
	const char *name, mg_llm_progress_cb progress, void *payload)
{
	memgit_buf path = MEMGIT_BUF_INIT, text = MEMGIT_BUF_INIT;
	mg_llm_config cfg = c->llm;
	int sse = 1, rc;

	if ((rc = mg_buf_printf(&path, "%s/%s.sse", c->replay_dir, name)) < 0)
		goto done;
	if (mg_fs_kind(path.ptr) != 2) {
		sse = 0;
		mg_buf_clear(&path);
		if ((rc = mg_buf_printf(&path, "%s/%s.json", c->replay_dir, name)) < 0)
			goto done;
	}
	if ((rc = mg_fs_read_file(&text, path.ptr, MG_REPLAY_MAX_BYTES)) < 0) {
		rc = mg_error_set(MEMGIT_EINPUT, "cannot replay", path.ptr,
			"no recorded response for request '%s' (%s.sse or %s.json)", name, name, name);
		goto done;
	}
	info->attempts = 1;
	info->status = 200;
	cfg.kind = replay_kind(mg_buf_cstr(&text), sse);
	rc = sse ? replay_stream(out, &cfg, &text, progress, payload) :
		   mg_llm_parse_response(out, &cfg, text.ptr, text.size);
	if (rc < 0)
		mg_error_prefix_why("%s: ", path.ptr);
done:
	memgit_buf_dispose(&path);
	memgit_buf_dispose(&text);
	return rc;
}

/* ---- over HTTP ------------------------------------------------------------------ */

typedef struct {
	const mg_llm_client *c;
	const char *url;
	mg_http_header headers[MG_LLM_MAX_HEADERS];
	size_t nheaders;
	const memgit_buf *body;
	mg_llm_progress_cb progress;
	void *payload;
} call_ctx;

/* A 2xx body that was not a stream (a server may ignore "stream": true). */
static int finish_response(mg_llm_result *out, const call_ctx *x, stream_ctx *st,
	const mg_http_response *resp)
{
	if (x->c->stream && st->s.started)
		return mg_llm_stream_finish(&st->s);
	mg_llm_result_dispose(out);
	mg_llm_result_init(out);
	return mg_llm_parse_response(out, &x->c->llm, resp->body.ptr, resp->body.size);
}

/* One attempt: 0 with a result, else the error (resp says what came back). */
static int attempt(mg_llm_result *out, mg_http_response *resp, const call_ctx *x)
{
	mg_http_request req = MG_HTTP_REQUEST_INIT;
	stream_ctx st;
	int rc;

	mg_llm_result_dispose(out);
	mg_llm_result_init(out);
	mg_llm_stream_init(&st.s, &x->c->llm, out);
	st.s.progress = x->progress;
	st.s.progress_payload = x->payload;
	st.c = x->c;
	req.url = x->url;
	req.headers = x->headers;
	req.nheaders = x->nheaders;
	req.body = x->body->ptr;
	req.body_len = x->body->size;
	req.connect_timeout_ms = x->c->connect_timeout_ms;
	req.timeout_ms = x->c->timeout_ms;
	req.low_speed_ms = x->c->stall_ms;
	req.max_response_bytes = x->c->max_response_bytes;
	req.ca_file = x->c->ca_file;
	req.cancel = x->c->cancel;
	if (x->c->stream) {
		req.sse = on_event;
		req.sse_payload = &st;
	}
	rc = mg_http_perform(resp, &req);
	if (rc == 0 && resp->status >= 200 && resp->status < 300)
		rc = finish_response(out, x, &st, resp);
	else if (rc == 0)
		rc = 1; /* an HTTP error status: the caller decides */
	mg_llm_stream_dispose(&st.s);
	return rc;
}

/* The provider's words for an error status, redacted (provider.c). */
static void status_error(const mg_llm_client *c, const mg_http_response *resp, memgit_buf *why)
{
	mg_llm_result scratch;

	mg_llm_result_init(&scratch);
	if (mg_llm_parse_response(&scratch, &c->llm, resp->body.ptr, resp->body.size) == MEMGIT_EREMOTE)
		mg_buf_puts(why, memgit_error_last()->message);
	else
		mg_buf_printf(why, "%s error: no error object in the response", mg_llm_name(&c->llm));
	mg_llm_result_dispose(&scratch);
}

/* The one-line error of a failed call, replacing whatever was set. */
static int call_error(const char *name, const mg_http_response *resp, int rc, unsigned attempts,
	const mg_llm_client *c)
{
	memgit_buf why = MEMGIT_BUF_INIT;
	char req[160] = "";

	if (resp->request_id[0])
		snprintf(req, sizeof(req), "request %s; ", resp->request_id);
	if (rc == 1)
		status_error(c, resp, &why);
	else
		mg_buf_puts(&why, memgit_error_last()->message);
	if (rc == 1 || resp->status)
		rc = mg_error_set(MEMGIT_EREMOTE, "model request failed", name,
			"HTTP %ld: %s (%s%u attempt%s)", resp->status, mg_buf_cstr(&why), req, attempts,
			attempts == 1 ? "" : "s");
	else
		rc = mg_error_set(rc == MEMGIT_ENOMEM ? MEMGIT_ENOMEM : MEMGIT_EREMOTE,
			"model request failed", name, "%s (%s%u attempt%s)", mg_buf_cstr(&why), req,
			attempts, attempts == 1 ? "" : "s");
	memgit_buf_dispose(&why);
	return rc;
}

/* Sleep `ms`, waking early when the call is cancelled. */
static void pause_ms(const mg_llm_client *c, int64_t ms)
{
	while (ms > 0 && !cancelled(c)) {
		unsigned step = ms > SLEEP_SLICE_MS ? SLEEP_SLICE_MS : (unsigned)ms;
		mg_sleep_ms(step);
		ms -= step;
	}
}

static int over_http(mg_llm_result *out, mg_llm_call_info *info, call_ctx *x, const char *name)
{
	mg_http_response resp;
	int rc;

	mg_http_response_init(&resp);
	for (;;) {
		int64_t delay;
		int bad_url;
		info->attempts++;
		rc = attempt(out, &resp, x);
		info->status = resp.status;
		mg_llm_copy(info->request_id, sizeof(info->request_id), resp.request_id);
		if (rc == 0 || rc == MEMGIT_ENOMEM)
			break;
		/* a stream the server ended with an error event, or a body memgit
		 * cannot read, is an answer: only statuses and transport failures
		 * are retried */
		bad_url = rc == MEMGIT_EINPUT && resp.status == 0;
		if ((rc != 1 && resp.status != 0) || bad_url)
			delay = -1; /* a bad URL will not get better either */
		else
			delay = mg_http_retry_delay(&resp, info->attempts);
		if (delay < 0 || info->attempts > x->c->retries || cancelled(x->c)) {
			if (!bad_url) /* else: exit 3, the URL is the user's input */
				rc = call_error(name, &resp, rc, info->attempts, x->c);
			break;
		}
		pause_ms(x->c, delay);
		if (cancelled(x->c)) { /* another request failed while this one waited */
			rc = call_error(name, &resp, rc, info->attempts, x->c);
			break;
		}
	}
	mg_http_response_dispose(&resp);
	return rc;
}

int mg_llm_call(mg_llm_result *out, mg_llm_call_info *info, const mg_llm_client *c,
	const char *name, const mg_llm_prompt *p, mg_llm_progress_cb progress, void *payload)
{
	memgit_buf body = MEMGIT_BUF_INIT, url = MEMGIT_BUF_INIT, scratch = MEMGIT_BUF_INIT;
	call_ctx x;
	int rc;

	memset(info, 0, sizeof(*info));
	memset(&x, 0, sizeof(x));
	mg_llm_result_init(out);
	if (c->replay_dir) {
		rc = replay(out, info, c, name, progress, payload);
		goto done;
	}
	x.c = c;
	x.body = &body;
	x.progress = progress;
	x.payload = payload;
	if ((rc = mg_llm_request(&body, &c->llm, p)) < 0 ||
	    (rc = mg_llm_headers(x.headers, &x.nheaders, &c->llm, &scratch)) < 0)
		goto done;
	/* "https://host/v1/" and "https://host/v1" name the same base */
	rc = mg_buf_puts(&url, c->base_url ? c->base_url : "");
	while (rc == 0 && url.size && url.ptr[url.size - 1] == '/')
		mg_buf_truncate(&url, url.size - 1);
	if (rc < 0 || (rc = mg_buf_puts(&url, mg_llm_endpoint(c->llm.kind))) < 0)
		goto done;
	x.url = url.ptr;
	rc = over_http(out, info, &x, name);
done:
	memgit_buf_dispose(&body);
	memgit_buf_dispose(&url);
	/* the OpenAI Authorization value: the key */
	if (scratch.ptr)
		memset(scratch.ptr, 0, scratch.asize);
	memgit_buf_dispose(&scratch);
	if (rc < 0) {
		mg_llm_result_dispose(out);
		mg_llm_result_init(out);
	}
	return rc;
}
