/*
 * session_api.c: transcripts kept at the API level, as request/response
 * loggers and SDK traces store them: Anthropic Messages and OpenAI chat
 * completions. Both are one JSON document (line_based = 0):
 *
 *   {"model":..., "system":..., "messages":[...]}             a request
 *   {"type":"message", ...} / {"choices":[...], ...}          a response
 *   {"request":{...}, "response":{...}}                       an exchange
 *   [ any of the above ... ]  or  [ {"role":...}, ... ]       a log / a bare list
 *
 * A log of successive requests repeats the whole conversation in each one;
 * messages already seen (same events in the same place) are emitted once.
 * The document carries no session id, so source_id stays NULL and the
 * ingester names the session by its content. Mapping and rules in full:
 * docs/sessions-sources.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/session_format.h"
#include "core/session_util.h"
#include "memgit/errors.h"
#include "util/buf.h"
#include "util/error.h"

#define API_SYSTEM_CAP 4096 /* bytes of one system prompt kept */
#define API_LINE_DEPTH 6    /* JSON depth down to which lines are known */
#define API_WARNED 32       /* unknown types already warned about */
#define API_SCAN 64         /* messages detect() looks at */
#define API_SCAN_ENTRIES 16 /* array elements detect() looks at */
_Static_assert(API_WARNED <= MG_WARNED_MAX, "API_WARNED over what mg_warned holds");

typedef struct {
	const mg_json *node;
	unsigned line;
} api_line;

typedef struct {
	int openai;
	const mg_session_sink *sink;
	unsigned line, doc_line;
	const char *ts; /* OpenAI response `created`, RFC 3339 */
	char ts_buf[32], started[32];
	int hashing; /* 1: events only feed `hash` (see api_messages) */
	uint64_t hash;
	memgit_buf text, aux;
	api_line *lines;
	size_t nlines, alines;
	int lines_oom;
	mg_calls calls; /* of the document being fed */
	uint64_t *conv; /* the conversation so far, one hash per message */
	size_t nconv, aconv;
	uint64_t system_hash;
	int have_system;
	mg_warned warned; /* at most API_WARNED */
	const char *model;
	uint64_t in_tokens, out_tokens;
	int have_tokens;
} api_state;

static void api_warn_once(api_state *st, const char *what, const char *name)
{
	mg_warn_once(&st->warned, st->sink, st->line, name, "unknown %s %s '%.100s' skipped",
		st->openai ? "openai" : "anthropic", what, name);
}

/* ---- source lines ------------------------------------------------------- */

/*
 * cJSON keeps no positions, so the raw text is walked once beside the tree
 * (same members in the same order) to learn the line each node starts on,
 * down to the content blocks. Events and errors then name real lines.
 */
typedef struct {
	const char *p, *end;
	unsigned line;
} api_cur;

static void cur_ws(api_cur *c)
{
	for (; c->p < c->end; c->p++) {
		if (*c->p == '\n')
			c->line++;
		else if (*c->p != ' ' && *c->p != '\t' && *c->p != '\r')
			break;
	}
}

static int cur_string(api_cur *c)
{
	for (c->p++; c->p < c->end; c->p++) {
		if (*c->p == '\\' && c->p + 1 < c->end)
			c->p++;
		else if (*c->p == '"') {
			c->p++;
			return 0;
		}
	}
	return -1;
}

static int cur_skip(api_cur *c)
{
	int depth = 0;

	if (c->p < c->end && *c->p != '{' && *c->p != '[' && *c->p != '"') {
		while (c->p < c->end && !strchr(",]} \t\r\n", *c->p))
			c->p++;
		return 0;
	}
	while (c->p < c->end) {
		if (*c->p == '"') {
			if (cur_string(c) < 0)
				return -1;
		} else {
			depth += (*c->p == '{' || *c->p == '[') - (*c->p == '}' || *c->p == ']');
			c->line += *c->p == '\n';
			c->p++;
		}
		if (depth == 0)
			return 0;
	}
	return -1;
}

static int api_line_put(api_state *st, const mg_json *n, unsigned line)
{
	if (mg_session_grow((void **)&st->lines, &st->alines, st->nlines + 1,
		sizeof(*st->lines)) < 0) {
		st->lines_oom = 1;
		return -1;
	}
	st->lines[st->nlines].node = n;
	st->lines[st->nlines++].line = line;
	return 0;
}

static int api_annotate(api_state *st, api_cur *c, const mg_json *n, unsigned depth)
{
	mg_json_type t = mg_json_type_of(n);

	cur_ws(c);
	if (c->p >= c->end || api_line_put(st, n, c->line) < 0)
		return -1;
	if (depth >= API_LINE_DEPTH || (t != MG_JSON_OBJECT && t != MG_JSON_ARRAY))
		return cur_skip(c);
	if (*c->p++ != (t == MG_JSON_OBJECT ? '{' : '['))
		return -1;
	for (const mg_json *k = mg_json_first(n); k; k = mg_json_next(k)) {
		cur_ws(c);
		if (t == MG_JSON_OBJECT) {
			if (c->p >= c->end || *c->p != '"' || cur_string(c) < 0)
				return -1;
			cur_ws(c);
			if (c->p >= c->end || *c->p++ != ':')
				return -1;
		}
		if (api_annotate(st, c, k, depth + 1) < 0)
			return -1;
		cur_ws(c);
		if (c->p < c->end && *c->p == ',')
			c->p++;
	}
	cur_ws(c);
	return c->p < c->end ? (c->p++, 0) : -1;
}

static int api_line_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const api_line *)a)->node;
	uintptr_t y = (uintptr_t)((const api_line *)b)->node;
	return (x > y) - (x < y);
}

static int api_lines_build(api_state *st, const mg_json *root, const char *raw, size_t len)
{
	api_cur c = { raw, raw + len, st->doc_line };

	if (len >= 3 && !memcmp(raw, "\xef\xbb\xbf", 3))
		c.p += 3;
	/* a walk that loses its way leaves the rest at the document's line */
	(void)api_annotate(st, &c, root, 0);
	if (st->lines_oom)
		return mg_error_oom();
	qsort(st->lines, st->nlines, sizeof(*st->lines), api_line_cmp);
	return 0;
}

static unsigned api_line_of(const api_state *st, const mg_json *n, unsigned dflt)
{
	api_line key = { n, 0 };
	const api_line *hit;

	if (!st->nlines)
		return dflt;
	hit = bsearch(&key, st->lines, st->nlines, sizeof(*st->lines), api_line_cmp);
	return hit ? hit->line : dflt;
}

/* ---- emitting ----------------------------------------------------------- */

/* Add one field to `hash`; 0xff, never in UTF-8, ends it. */
static void api_mix(api_state *st, const char *s, size_t len)
{
	st->hash = mg_fnv1a(mg_fnv1a(st->hash, s, len), "\xff", 1);
}

static int api_emit(api_state *st, const char *role, const char *type, const char *text,
	size_t len, const char *tool, const char *call_id, int is_error)
{
	if (st->hashing) {
		api_mix(st, type, strlen(type));
		api_mix(st, text ? text : "", text ? len : 0);
		api_mix(st, call_id ? call_id : "", call_id ? strlen(call_id) : 0);
		api_mix(st, is_error ? "1" : "0", 1);
		return 0;
	}
	return mg_session_emit(st->sink, st->ts, st->line, role, type, text, len, tool, call_id,
		is_error);
}

/* Emit the text gathered in `b` (if any) as `role` saying it; empties `b`. */
static int api_flush(api_state *st, const char *role, memgit_buf *b)
{
	int rc;

	if (!b->size)
		return 0;
	/* system prompts can be the size of a manual: keep the head */
	if (!strcmp(role, "system") && (rc = mg_session_cap(b, API_SYSTEM_CAP)) < 0)
		return rc;
	rc = api_emit(st, role, "text", b->ptr, b->size, NULL, NULL, 0);
	mg_buf_clear(b);
	return rc;
}

static int api_tool_use(api_state *st, const char *name, const mg_json *input, const char *id)
{
	int rc;

	if (!name)
		return mg_session_refuse(st->line, "tool call without name");
	if ((rc = mg_session_compact(&st->aux, input)) < 0 ||
		(rc = mg_calls_put(&st->calls, id, name)) < 0)
		return rc;
	return api_emit(st, "assistant", "tool_use", st->aux.ptr, st->aux.size, name, id, 0);
}

static int api_tool_result(api_state *st, const char *id, const char *name, int is_error)
{
	const char *tool = mg_calls_name(&st->calls, id);
	int rc;

	rc = api_emit(st, "tool", "tool_result", st->aux.ptr, st->aux.size, tool ? tool : name,
		id, is_error);
	mg_buf_clear(&st->aux);
	return rc;
}

/* ---- Anthropic ---------------------------------------------------------- */

/* Text of a content list; media become placeholders, thinking is left out. */
static int an_blocks_text(api_state *st, memgit_buf *b, const mg_json *blocks)
{
	int rc = 0;

	for (const mg_json *k = mg_json_first(blocks); k && rc == 0; k = mg_json_next(k)) {
		const char *type = mg_json_get_string(k, "type");
		if (!type)
			rc = mg_session_refuse(api_line_of(st, k, st->line),
				"content block without type");
		else if (!strcmp(type, "text"))
			rc = mg_session_piece(b, mg_json_get_string(k, "text"));
		else if (strcmp(type, "thinking") && strcmp(type, "redacted_thinking"))
			rc = mg_session_placeholder(b, type);
	}
	return rc;
}

static int an_tool_result(api_state *st, const mg_json *k)
{
	const mg_json *content = mg_json_get(k, "content");
	const char *type = mg_json_get_string(content, "type");
	int is_error = mg_json_bool(mg_json_get(k, "is_error")) == 1;
	int rc = 0;

	mg_buf_clear(&st->aux);
	if (mg_json_string(content))
		rc = mg_buf_puts(&st->aux, mg_json_string(content));
	else if (mg_json_type_of(content) == MG_JSON_ARRAY)
		rc = an_blocks_text(st, &st->aux, content);
	else if (mg_json_type_of(content) == MG_JSON_OBJECT) {
		/* server tools (web search...) report failure as a *_error object */
		is_error |= type && strlen(type) > 6 && !strcmp(type + strlen(type) - 6, "_error");
		rc = mg_json_print(&st->aux, content);
	}
	if (rc < 0)
		return rc;
	return api_tool_result(st, mg_json_get_string(k, "tool_use_id"), NULL, is_error);
}

/* Blocks that read as text; a run of them becomes one event. */
static int an_texty(const char *type)
{
	return !strcmp(type, "text") || !strcmp(type, "image") || !strcmp(type, "document");
}

static int an_block(api_state *st, const mg_json *k, const char *type)
{
	size_t tl = strlen(type);

	if (!strcmp(type, "text"))
		return mg_session_piece(&st->text, mg_json_get_string(k, "text"));
	if (!strcmp(type, "image") || !strcmp(type, "document"))
		return mg_session_placeholder(&st->text, type);
	/* private reasoning, signed and often long: not part of what was said */
	if (!strcmp(type, "thinking") || !strcmp(type, "redacted_thinking"))
		return 0;
	if (!strcmp(type, "tool_use") || !strcmp(type, "server_tool_use") ||
		!strcmp(type, "mcp_tool_use"))
		return api_tool_use(st, mg_json_get_string(k, "name"), mg_json_get(k, "input"),
			mg_json_get_string(k, "id"));
	if (tl >= 11 && !strcmp(type + tl - 11, "tool_result"))
		return an_tool_result(st, k);
	api_warn_once(st, "content block", type);
	return 0;
}

/* Flush the pending text run, stamped with the line it began on. */
static int an_flush_run(api_state *st, const char *role, unsigned run_line)
{
	unsigned line = st->line;
	int rc;

	st->line = run_line;
	rc = api_flush(st, role, &st->text);
	st->line = line;
	return rc;
}

static int an_message(api_state *st, const mg_json *msg, const char *role)
{
	const mg_json *content = mg_json_get(msg, "content");
	unsigned msg_line = st->line, run_line = st->line;
	int rc = 0;

	if (strcmp(role, "user") && strcmp(role, "assistant") && strcmp(role, "system")) {
		api_warn_once(st, "role", role);
		return 0;
	}
	mg_buf_clear(&st->text);
	if (mg_json_string(content))
		rc = mg_session_piece(&st->text, mg_json_string(content));
	else if (content && mg_json_type_of(content) != MG_JSON_NULL &&
		mg_json_type_of(content) != MG_JSON_ARRAY)
		return mg_session_refuse(msg_line, "content is neither a string nor an array");
	for (const mg_json *k = mg_json_first(content); k && rc == 0; k = mg_json_next(k)) {
		const char *type = mg_json_get_string(k, "type");
		st->line = api_line_of(st, k, msg_line);
		if (!type)
			return mg_session_refuse(st->line, "content block without type");
		if (!st->text.size)
			run_line = st->line;
		if (!an_texty(type) && (rc = an_flush_run(st, role, run_line)) < 0)
			return rc;
		rc = an_block(st, k, type);
	}
	return rc < 0 ? rc : an_flush_run(st, role, run_line);
}

/* ---- OpenAI ------------------------------------------------------------- */

static int oa_content_text(api_state *st, memgit_buf *b, const mg_json *content)
{
	int rc = 0;

	if (mg_json_string(content))
		return mg_session_piece(b, mg_json_string(content));
	if (content && mg_json_type_of(content) != MG_JSON_NULL &&
		mg_json_type_of(content) != MG_JSON_ARRAY)
		return mg_session_refuse(st->line, "content is neither a string nor an array");
	for (const mg_json *k = mg_json_first(content); k && rc == 0; k = mg_json_next(k)) {
		const char *type = mg_json_get_string(k, "type");
		if (!type)
			return mg_session_refuse(api_line_of(st, k, st->line),
				"content part without type");
		if (!strcmp(type, "text") || !strcmp(type, "input_text") ||
			!strcmp(type, "output_text"))
			rc = mg_session_piece(b, mg_json_get_string(k, "text"));
		else if (!strcmp(type, "refusal"))
			rc = mg_session_piece(b, mg_json_get_string(k, "refusal"));
		else if (!strcmp(type, "image_url") || !strcmp(type, "input_image"))
			rc = mg_session_piece(b, "[image]");
		else if (!strcmp(type, "input_audio"))
			rc = mg_session_piece(b, "[audio]");
		else
			rc = mg_session_placeholder(b, type);
	}
	return rc;
}

/*
 * Chat completions have no error flag on tool messages. A result counts as
 * failed when it is a JSON object with a non-empty "error" member, or text
 * that opens with "error:" or "An error occurred" (the OpenAI Agents SDK's
 * default failure text).
 */
static int oa_failed(const char *s)
{
	mg_json *doc = NULL;
	const mg_json *err;
	int failed = 0;

	s += strspn(s, " \t\r\n");
	if (!strncasecmp(s, "error:", 6) || !strncasecmp(s, "an error occurred", 17))
		return 1;
	if (*s != '{' || !strstr(s, "\"error\"") || !(doc = mg_session_parse_quiet(s)))
		return 0;
	err = mg_json_get(doc, "error");
	failed = err && mg_json_type_of(err) != MG_JSON_NULL && mg_json_bool(err) != 0 &&
		!(mg_json_string(err) && !*mg_json_string(err));
	mg_json_free(doc);
	return failed;
}

static int oa_tool_calls(api_state *st, const mg_json *calls)
{
	int rc = 0;

	for (const mg_json *c = mg_json_first(calls); c && rc == 0; c = mg_json_next(c)) {
		const mg_json *fn = mg_json_get(c, "function");
		const mg_json *custom = mg_json_get(c, "custom");

		st->line = api_line_of(st, c, st->line);
		if (mg_json_type_of(c) != MG_JSON_OBJECT)
			return mg_session_refuse(st->line, "tool call is not an object");
		if (!fn && custom)
			rc = api_tool_use(st, mg_json_get_string(custom, "name"),
				mg_json_get(custom, "input"), mg_json_get_string(c, "id"));
		else
			rc = api_tool_use(st, mg_json_get_string(fn, "name"),
				mg_json_get(fn, "arguments"), mg_json_get_string(c, "id"));
	}
	return rc;
}

static int oa_assistant(api_state *st, const mg_json *msg)
{
	const mg_json *calls = mg_json_get(msg, "tool_calls");
	const mg_json *legacy = mg_json_get(msg, "function_call");
	unsigned line = st->line;
	int rc;

	if ((rc = oa_content_text(st, &st->text, mg_json_get(msg, "content"))) < 0 ||
		(rc = mg_session_piece(&st->text, mg_json_get_string(msg, "refusal"))) < 0 ||
		(rc = api_flush(st, "assistant", &st->text)) < 0)
		return rc;
	if (calls && mg_json_type_of(calls) != MG_JSON_ARRAY &&
		mg_json_type_of(calls) != MG_JSON_NULL)
		return mg_session_refuse(line, "'tool_calls' is not an array");
	if ((rc = oa_tool_calls(st, calls)) < 0)
		return rc;
	st->line = line;
	if (mg_json_type_of(legacy) == MG_JSON_OBJECT)
		return api_tool_use(st, mg_json_get_string(legacy, "name"),
			mg_json_get(legacy, "arguments"), NULL);
	return 0;
}

static int oa_message(api_state *st, const mg_json *msg, const char *role)
{
	int rc;

	mg_buf_clear(&st->text);
	if (!strcmp(role, "assistant"))
		return oa_assistant(st, msg);
	if (!strcmp(role, "tool") || !strcmp(role, "function")) {
		mg_buf_clear(&st->aux);
		if ((rc = oa_content_text(st, &st->aux, mg_json_get(msg, "content"))) < 0)
			return rc;
		return api_tool_result(st, mg_json_get_string(msg, "tool_call_id"),
			mg_json_get_string(msg, "name"), oa_failed(mg_buf_cstr(&st->aux)));
	}
	if (!strcmp(role, "system") || !strcmp(role, "developer"))
		role = "system";
	else if (strcmp(role, "user")) {
		api_warn_once(st, "role", role);
		return 0;
	}
	if ((rc = oa_content_text(st, &st->text, mg_json_get(msg, "content"))) < 0)
		return rc;
	return api_flush(st, role, &st->text);
}

/* ---- documents ---------------------------------------------------------- */

/* One message; `dflt_role` stands in for a missing role (responses only). */
static int api_message(api_state *st, const mg_json *msg, const char *dflt_role, unsigned line)
{
	const char *role;

	st->line = api_line_of(st, msg, line);
	if (mg_json_type_of(msg) != MG_JSON_OBJECT)
		return mg_session_refuse(st->line, "message is not an object");
	role = mg_json_get_string(msg, "role");
	if (!role && !(role = dflt_role))
		return mg_session_refuse(st->line, "message without role");
	st->hash = MG_FNV_OFFSET;
	api_mix(st, role, strlen(role));
	return st->openai ? oa_message(st, msg, role) : an_message(st, msg, role);
}

static int api_conv_push(api_state *st, uint64_t h)
{
	if (mg_session_grow((void **)&st->conv, &st->aconv, st->nconv + 1, sizeof(*st->conv)) < 0)
		return MEMGIT_ENOMEM;
	st->conv[st->nconv++] = h;
	return 0;
}

/*
 * Messages of one request. Each is first converted into a hash only; the
 * part that repeats the conversation so far is skipped, the rest emitted.
 * A request that diverges (an edited or retried turn) continues from where
 * it diverges.
 */
static int api_messages(api_state *st, const mg_json *list, unsigned line)
{
	size_t n = mg_json_count(list), same = 0, i = 0;
	uint64_t *h = calloc(n ? n : 1, sizeof(*h));
	int rc = 0;

	if (!h)
		return mg_error_oom();
	st->hashing = 1;
	for (const mg_json *m = mg_json_first(list); m && rc == 0; m = mg_json_next(m), i++)
		if ((rc = api_message(st, m, NULL, line)) == 0)
			h[i] = st->hash;
	st->hashing = 0;
	while (rc == 0 && same < n && same < st->nconv && h[same] == st->conv[same])
		same++;
	st->nconv = same;
	i = 0;
	for (const mg_json *m = mg_json_first(list); m && rc == 0; m = mg_json_next(m), i++)
		if (i >= same && (rc = api_message(st, m, NULL, line)) == 0)
			rc = api_conv_push(st, h[i]);
	free(h);
	return rc;
}

/* Anthropic's top-level system prompt, emitted again only when it changes. */
static int an_system(api_state *st, const mg_json *sys, unsigned line)
{
	uint64_t h;
	int rc;

	if (!sys || mg_json_type_of(sys) == MG_JSON_NULL)
		return 0;
	st->line = api_line_of(st, sys, line);
	mg_buf_clear(&st->text);
	if (mg_json_string(sys))
		rc = mg_session_piece(&st->text, mg_json_string(sys));
	else if (mg_json_type_of(sys) == MG_JSON_ARRAY)
		rc = an_blocks_text(st, &st->text, sys);
	else
		return mg_session_refuse(st->line, "'system' is neither a string nor an array");
	if (rc < 0)
		return rc;
	st->hash = MG_FNV_OFFSET;
	api_mix(st, st->text.ptr ? st->text.ptr : "", st->text.size);
	h = st->hash;
	if (st->have_system && h == st->system_hash) {
		mg_buf_clear(&st->text);
		return 0;
	}
	st->have_system = 1;
	st->system_hash = h;
	return api_flush(st, "system", &st->text);
}

static int api_request(api_state *st, const mg_json *req)
{
	const mg_json *msgs = mg_json_get(req, "messages");
	unsigned line = api_line_of(st, req, st->doc_line);
	int rc;

	if (!st->model)
		st->model = mg_json_get_string(req, "model");
	if (mg_json_type_of(msgs) != MG_JSON_ARRAY)
		return mg_session_refuse(api_line_of(st, msgs, line), "'messages' is not an array");
	if (!st->openai && (rc = an_system(st, mg_json_get(req, "system"), line)) < 0)
		return rc;
	return api_messages(st, msgs, api_line_of(st, msgs, line));
}

static void api_created(api_state *st, const mg_json *resp)
{
	double t = mg_json_number(mg_json_get(resp, "created"), -1);
	time_t tt;
	struct tm tm;

	st->ts = NULL;
	if (t < 0 || t > 253402300799.0)
		return;
	tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) ||
		!strftime(st->ts_buf, sizeof(st->ts_buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return;
	st->ts = st->ts_buf;
	if (!st->started[0])
		memcpy(st->started, st->ts_buf, sizeof(st->started));
}

static void api_usage(api_state *st, const mg_json *usage)
{
	const char *in_key = st->openai ? "prompt_tokens" : "input_tokens";
	const char *out_key = st->openai ? "completion_tokens" : "output_tokens";
	double in = mg_json_number(mg_json_get(usage, in_key), -1);
	double out = mg_json_number(mg_json_get(usage, out_key), -1);

	if (in >= 0)
		st->in_tokens += (uint64_t)in;
	if (out >= 0)
		st->out_tokens += (uint64_t)out;
	st->have_tokens |= in >= 0 || out >= 0;
}

/* An API error answer: the only place it is recorded. */
static int api_error_event(api_state *st, const mg_json *err)
{
	const char *type = mg_json_get_string(err, "type");
	const char *msg = mg_json_get_string(err, "message");
	int rc;

	mg_buf_clear(&st->aux);
	rc = mg_buf_printf(&st->aux, "%s%s%s", type ? type : "", type && msg ? ": " : "",
		msg ? msg : (type ? "" : "error"));
	if (rc < 0)
		return rc;
	return api_emit(st, "system", "error", st->aux.ptr, st->aux.size, NULL, NULL, 1);
}

/* A response's message joins the conversation like a request's would. */
static int api_reply(api_state *st, const mg_json *msg, unsigned line)
{
	uint64_t h;
	int rc;

	st->hashing = 1;
	rc = api_message(st, msg, "assistant", line);
	st->hashing = 0;
	h = st->hash;
	if (rc == 0 && (rc = api_message(st, msg, "assistant", line)) == 0)
		rc = api_conv_push(st, h);
	return rc;
}

static int api_response(api_state *st, const mg_json *resp)
{
	unsigned line = api_line_of(st, resp, st->doc_line);
	const mg_json *choices = mg_json_get(resp, "choices");
	const mg_json *err = mg_json_get(resp, "error");
	int rc;

	if (!st->model)
		st->model = mg_json_get_string(resp, "model");
	api_usage(st, mg_json_get(resp, "usage"));
	st->line = line;
	if (mg_json_type_of(err) == MG_JSON_OBJECT && !choices)
		return api_error_event(st, err);
	if (!st->openai)
		return api_reply(st, resp, line);
	if (mg_json_type_of(choices) != MG_JSON_ARRAY)
		return mg_session_refuse(line, "'choices' is not an array");
	if (!mg_json_first(choices))
		return 0;
	/* choices past the first are alternatives the conversation did not take */
	api_created(st, resp);
	rc = api_reply(st, mg_json_get(mg_json_first(choices), "message"),
		api_line_of(st, mg_json_first(choices), line));
	st->ts = NULL;
	return rc;
}

static int api_is_response(const mg_json *o)
{
	const char *type = mg_json_get_string(o, "type");

	return (type && (!strcmp(type, "message") || !strcmp(type, "error"))) ||
		mg_json_get(o, "choices") != NULL;
}

static int api_entry(api_state *st, const mg_json *o)
{
	const mg_json *req = mg_json_get(o, "request");
	const mg_json *resp = mg_json_get(o, "response");
	unsigned line = api_line_of(st, o, st->doc_line);
	int rc = 0;

	if (mg_json_type_of(o) != MG_JSON_OBJECT)
		return mg_session_refuse(line, "entry is not an object");
	if (mg_json_get(o, "messages")) {
		/* some loggers keep the answer beside the request it answers */
		if ((rc = api_request(st, o)) == 0 && mg_json_type_of(resp) == MG_JSON_OBJECT)
			rc = api_response(st, resp);
		return rc;
	}
	if (api_is_response(o))
		return api_response(st, o);
	if (!req && !resp)
		return mg_session_refuse(line,
			"no 'messages', no response, no request/response pair");
	if (req && mg_json_type_of(req) != MG_JSON_OBJECT)
		return mg_session_refuse(api_line_of(st, req, line), "'request' is not an object");
	if (resp && mg_json_type_of(resp) != MG_JSON_OBJECT)
		return mg_session_refuse(api_line_of(st, resp, line),
			"'response' is not an object");
	if (req)
		rc = api_request(st, req);
	if (rc == 0 && resp)
		rc = api_response(st, resp);
	return rc;
}

static int api_root(api_state *st, const mg_json *root)
{
	const mg_json *first = mg_json_first(root);
	int rc = 0;

	if (mg_json_type_of(root) == MG_JSON_OBJECT)
		return api_entry(st, root);
	if (mg_json_type_of(root) != MG_JSON_ARRAY)
		return mg_session_refuse(st->doc_line, "not a JSON object or array");
	/* a bare list of messages is one conversation */
	if (mg_json_get(first, "role"))
		return api_messages(st, root, st->doc_line);
	for (const mg_json *e = first; e && rc == 0; e = mg_json_next(e))
		rc = api_entry(st, e);
	return rc;
}

/* ---- detection ---------------------------------------------------------- */

typedef struct {
	int an, oa; /* evidence for each format */
	int shape;  /* the document has the shape of an API transcript */
} api_evidence;

static void ev_parts(api_evidence *e, const mg_json *content)
{
	static const char *const an[] = { "tool_use", "tool_result", "thinking",
		"redacted_thinking", "server_tool_use", "document", NULL };
	static const char *const oa[] = { "image_url", "input_audio", "input_image", NULL };

	for (const mg_json *k = mg_json_first(content); k; k = mg_json_next(k)) {
		const char *type = mg_json_get_string(k, "type");
		for (const char *const *t = an; type && *t; t++)
			e->an += 2 * !strcmp(type, *t);
		for (const char *const *t = oa; type && *t; t++)
			e->oa += 2 * !strcmp(type, *t);
		e->an += 2 * (type && !strcmp(type, "image") && mg_json_get(k, "source"));
	}
}

static void ev_message(api_evidence *e, const mg_json *m)
{
	static const char *const oa_roles[] = { "system", "developer", "tool", "function", NULL };
	const char *role = mg_json_get_string(m, "role");
	const mg_json *content = mg_json_get(m, "content");

	for (const char *const *r = oa_roles; role && *r; r++)
		e->oa += 2 * !strcmp(role, *r);
	e->oa += 2 * (mg_json_get(m, "tool_calls") || mg_json_get(m, "tool_call_id") ||
			     mg_json_get(m, "function_call"));
	e->oa += content && mg_json_type_of(content) == MG_JSON_NULL;
	ev_parts(e, content);
}

static void ev_messages(api_evidence *e, const mg_json *list)
{
	size_t n = 0;

	for (const mg_json *m = mg_json_first(list); m && n < API_SCAN; m = mg_json_next(m), n++)
		ev_message(e, m);
}

static void ev_entry(api_evidence *e, const mg_json *o, int nested)
{
	const char *type = mg_json_get_string(o, "type");
	const char *object = mg_json_get_string(o, "object");

	if (mg_json_get(o, "messages")) {
		e->shape = 1;
		e->an += 2 * !!mg_json_get(o, "system") + 3 * !!mg_json_get(o, "anthropic_version");
		ev_messages(e, mg_json_get(o, "messages"));
	} else if (type && !strcmp(type, "message") && mg_json_get(o, "content")) {
		e->shape = 1;
		e->an += 3;
		ev_parts(e, mg_json_get(o, "content"));
	} else if (mg_json_type_of(mg_json_get(o, "choices")) == MG_JSON_ARRAY) {
		e->shape = 1;
		e->oa += 3 + 3 * (object && !strncmp(object, "chat.completion", 15));
		ev_message(e, mg_json_get(mg_json_first(mg_json_get(o, "choices")), "message"));
	} else if (type && !strcmp(type, "error") && mg_json_get(o, "error")) {
		e->shape = 1;
		e->an += 2;
	} else if (!nested && (mg_json_get(o, "request") || mg_json_get(o, "response"))) {
		ev_entry(e, mg_json_get(o, "request"), 1);
		ev_entry(e, mg_json_get(o, "response"), 1);
	}
	e->an += !!mg_json_get(mg_json_get(o, "usage"), "input_tokens");
	e->oa += !!mg_json_get(mg_json_get(o, "usage"), "prompt_tokens");
}

static api_evidence api_classify(const mg_json *root)
{
	api_evidence e = { 0, 0, 0 };
	const mg_json *first = mg_json_first(root);
	size_t n = 0;

	/* Claude Code lines and Codex rollouts are JSONL, never these */
	if (mg_json_get(root, "sessionId") || mg_json_get(root, "payload"))
		return e;
	if (mg_json_type_of(root) == MG_JSON_OBJECT) {
		ev_entry(&e, root, 0);
	} else if (mg_json_type_of(root) == MG_JSON_ARRAY && mg_json_get_string(first, "role")) {
		e.shape = 1;
		ev_messages(&e, root);
	} else if (mg_json_type_of(root) == MG_JSON_ARRAY && first) {
		/* a log: every element looked at must be an API entry */
		for (const mg_json *x = first; x && n++ < API_SCAN_ENTRIES; x = mg_json_next(x)) {
			api_evidence one = { 0, 0, 0 };
			ev_entry(&one, x, 0);
			if (!one.shape)
				return (api_evidence){ 0, 0, 0 };
			e.an += one.an;
			e.oa += one.oa;
		}
		e.shape = 1;
	}
	return e;
}

/*
 * With evidence for one side, the other answers 0. A document that could be
 * either (plain user/assistant strings) parses the same both ways; OpenAI's
 * chat format, the more widely copied one, takes it.
 */
static int an_detect(const mg_json *first, const char *raw, size_t len)
{
	api_evidence e = api_classify(first);

	(void)raw;
	(void)len;
	if (!e.shape || e.oa > e.an)
		return 0;
	return e.an > e.oa ? 80 : 40;
}

static int oa_detect(const mg_json *first, const char *raw, size_t len)
{
	api_evidence e = api_classify(first);

	(void)raw;
	(void)len;
	if (!e.shape || e.an > e.oa)
		return 0;
	return e.oa > e.an ? 80 : 50;
}

/* ---- the formats -------------------------------------------------------- */

static int api_open(void **state, int openai)
{
	api_state *st = calloc(1, sizeof(*st));

	if (!st)
		return mg_error_oom();
	st->openai = openai;
	st->warned.cap = API_WARNED;
	*state = st;
	return 0;
}

static int an_open(void **state)
{
	return api_open(state, 0);
}

static int oa_open(void **state)
{
	return api_open(state, 1);
}

static int api_feed(void *state, const mg_session_sink *sink, const mg_json *value, const char *raw,
	size_t len, unsigned line)
{
	api_state *st = state;
	mg_session_meta m = { 0 };
	int rc;

	st->sink = sink;
	st->doc_line = st->line = line ? line : 1;
	st->nlines = 0;
	if (!value)
		return mg_session_refuse(st->doc_line, "not a JSON document");
	if (raw && (rc = api_lines_build(st, value, raw, len)) < 0)
		return rc;
	if ((rc = api_root(st, value)) < 0)
		return rc;
	/* the model string lives in the document: report it while it does */
	m.model = st->model;
	m.started = st->started[0] ? st->started : NULL;
	m.input_tokens = st->in_tokens;
	m.output_tokens = st->out_tokens;
	if (sink->meta && (m.model || m.started || st->have_tokens))
		sink->meta(sink->ctx, &m);
	st->model = NULL;
	mg_calls_clear(&st->calls); /* ids are the document's own */
	return 0;
}

static void api_close(void *state)
{
	api_state *st = state;

	if (!st)
		return;
	mg_warned_free(&st->warned);
	free(st->lines);
	mg_calls_free(&st->calls);
	free(st->conv);
	memgit_buf_dispose(&st->text);
	memgit_buf_dispose(&st->aux);
	free(st);
}

const mg_session_format mg_format_anthropic = {
	"anthropic", "an", 0, an_detect, an_open, api_feed, mg_session_finish_none, api_close,
};

const mg_session_format mg_format_openai = {
	"openai", "oa", 0, oa_detect, oa_open, api_feed, mg_session_finish_none, api_close,
};
