/*
 * session_claude.c: Claude Code transcripts (~/.claude/projects/<project>/
 * <session>.jsonl and <session>/subagents/agent-<id>.jsonl).
 *
 * Each line is one record: user and assistant messages, system notes,
 * summaries, and meta records (attachment, progress, file-history-snapshot,
 * queue-operation, ...) that carry UI state, not conversation, and are
 * dropped. What the format does that matters here:
 *   - one API message is written as several assistant lines, one content
 *     block each, all with the same message.id and the usage repeated (the
 *     output count grows on the last line): usage is counted once per id,
 *     at its largest;
 *   - tool results arrive as `user` lines holding tool_result blocks; they
 *     become `tool` events named after the tool_use they answer;
 *   - the lines form a tree through parentUuid (parallel tool calls branch
 *     it, a rewind forks it); events keep file order, which is the order
 *     things happened, and a line written twice (same uuid) counts once;
 *   - compaction writes a compact_boundary system line, then the summary
 *     as a user line with isCompactSummary: it becomes a `summary` event;
 *   - a subagent's lines carry isSidechain and agentId, and its sessionId
 *     is the parent's: that is how the two are linked.
 * The mapping in full: docs/sessions.md.
 *
 * Memory is bounded however long the transcript: the uuids, message ids and
 * tool names remembered live in fixed tables.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_format.h"
#include "session_util.h"
#include "util/buf.h"
#include "util/error.h"

#define CC_UUIDS 65536u  /* uuids remembered to drop repeated lines (hashes) */
#define CC_MSGS 16u      /* recent API message ids, for usage */
#define CC_CALLS 256u    /* recent tool_use ids, to name their results */
#define CC_WARNED 16u    /* unknown line types already reported */
_Static_assert(CC_WARNED <= MG_WARNED_MAX, "CC_WARNED over what mg_warned holds");

typedef struct {
	char id[72];
	uint64_t in, out;
} cc_msg;

typedef struct {
	const mg_session_sink *sink;
	unsigned line;
	const char *ts;
	int have_source, have_started, have_model;
	uint64_t *uuids;
	cc_msg msgs[CC_MSGS];
	size_t msgs_next;
	mg_calls calls;     /* a ring of CC_CALLS */
	mg_warned warned;   /* at most CC_WARNED */
	memgit_buf text, aux;
} cc_state;

/* Records that carry no conversation. */
static const char *const cc_meta_types[] = { "attachment", "progress", "file-history-snapshot",
	"queue-operation", "custom-title", "agent-name", "tag", "last-prompt", "pr-link",
	"summary-title", NULL };

static uint64_t cc_hash(const char *s)
{
	return mg_fnv1a(MG_FNV_OFFSET, s, strlen(s)) | 1; /* 0 marks an empty slot */
}

static int cc_emit(cc_state *st, const char *role, const char *type, const char *text,
	size_t len, const char *tool, const char *call_id, int is_error)
{
	return mg_session_emit(st->sink, st->ts, st->line, role, type, text, len, tool, call_id,
		is_error);
}

/* ---- usage ------------------------------------------------------------------- */

/* Usage is repeated on every line of a split message, growing: count the
 * increase over what was counted for that message id. */
static void cc_usage(cc_state *st, const mg_json *msg)
{
	const mg_json *usage = mg_json_get(msg, "usage");
	const char *id = mg_json_get_string(msg, "id");
	double in = mg_json_number(mg_json_get(usage, "input_tokens"), 0);
	double out = mg_json_number(mg_json_get(usage, "output_tokens"), 0);
	mg_session_meta m;
	cc_msg *slot = NULL;

	if (!usage || in < 0 || out < 0)
		return;
	for (size_t i = 0; id && i < CC_MSGS && !slot; i++)
		if (strcmp(st->msgs[i].id, id) == 0)
			slot = &st->msgs[i];
	if (!slot) {
		slot = &st->msgs[st->msgs_next];
		st->msgs_next = (st->msgs_next + 1) % CC_MSGS;
		memset(slot, 0, sizeof(*slot));
		if (id && strlen(id) < sizeof(slot->id))
			memcpy(slot->id, id, strlen(id) + 1);
	}
	memset(&m, 0, sizeof(m));
	if ((uint64_t)in > slot->in)
		m.input_tokens = (uint64_t)in - slot->in, slot->in = (uint64_t)in;
	if ((uint64_t)out > slot->out)
		m.output_tokens = (uint64_t)out - slot->out, slot->out = (uint64_t)out;
	if ((m.input_tokens || m.output_tokens) && st->sink->meta)
		st->sink->meta(st->sink->ctx, &m);
}

/* ---- text of content ---------------------------------------------------------- */

static int cc_piece(memgit_buf *b, const char *s, size_t n)
{
	if (b->size && mg_buf_putc(b, '\n') < 0)
		return MEMGIT_ENOMEM;
	return mg_buf_put(b, s, n);
}

/* A tool result's content: a string, or blocks (text joined, others named). */
static int cc_result_text(memgit_buf *b, const mg_json *content)
{
	int rc = 0;

	mg_buf_clear(b);
	if (mg_json_string(content))
		return mg_buf_puts(b, mg_json_string(content));
	for (const mg_json *k = mg_json_first(content); k && rc == 0; k = mg_json_next(k)) {
		const char *type = mg_json_get_string(k, "type");
		const char *text = mg_json_get_string(k, "text");
		if (type && strcmp(type, "text") == 0 && text) {
			rc = cc_piece(b, text, strlen(text));
		} else if (type) {
			rc = mg_session_placeholder(b, type);
		}
	}
	return rc;
}

static int cc_nonblank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
			return 1;
	return 0;
}

/* A message's text, unless there is none to speak of. */
static int cc_text(cc_state *st, const char *role, const char *type, const char *text)
{
	if (!cc_nonblank(text))
		return 0;
	return cc_emit(st, role, type, text, strlen(text), NULL, NULL, 0);
}

/* ---- records -------------------------------------------------------------- */

static int cc_tool_result(cc_state *st, const mg_json *block, const char *role)
{
	const char *id = mg_json_get_string(block, "tool_use_id");
	const char *type = mg_json_get_string(block, "type");
	int is_error = mg_json_bool(mg_json_get(block, "is_error")) == 1, rc;

	/* server tools (web search, code execution) report failure in their content */
	if (!is_error && type && strcmp(type, "tool_result") != 0) {
		const char *ctype = mg_json_get_string(mg_json_get(block, "content"), "type");
		is_error = ctype && strstr(ctype, "error") != NULL;
	}
	if ((rc = cc_result_text(&st->text, mg_json_get(block, "content"))) < 0)
		return rc;
	(void)role;
	return cc_emit(st, "tool", "tool_result", st->text.ptr, st->text.size,
		mg_calls_name(&st->calls, id), id, is_error);
}

static int cc_user_block(cc_state *st, const mg_json *block)
{
	const char *type = mg_json_get_string(block, "type");
	const char *text = mg_json_get_string(block, "text");

	if (!type)
		return 0;
	if (strcmp(type, "text") == 0)
		return cc_text(st, "user", "text", text);
	if (strcmp(type, "tool_result") == 0)
		return cc_tool_result(st, block, "user");
	if (strcmp(type, "image") == 0 || strcmp(type, "document") == 0) {
		char tag[32];
		snprintf(tag, sizeof(tag), "[%s]", type);
		return cc_emit(st, "user", "text", tag, strlen(tag), NULL, NULL, 0);
	}
	return 0;
}

static int cc_user(cc_state *st, const mg_json *rec)
{
	const mg_json *content = mg_json_get(mg_json_get(rec, "message"), "content");
	const char *text = mg_json_string(content);
	int rc = 0;

	if (mg_json_bool(mg_json_get(rec, "isMeta")) == 1)
		return 0; /* injected context (caveats, skill text), not the user */
	if (mg_json_bool(mg_json_get(rec, "isCompactSummary")) == 1) {
		if ((rc = cc_result_text(&st->text, content)) < 0)
			return rc;
		return cc_emit(st, "system", "summary", st->text.ptr, st->text.size, NULL, NULL, 0);
	}
	if (text)
		return cc_text(st, "user", "text", text);
	for (const mg_json *b = mg_json_first(content); b && rc == 0; b = mg_json_next(b))
		rc = cc_user_block(st, b);
	return rc;
}

static int cc_tool_use(cc_state *st, const mg_json *block)
{
	const char *id = mg_json_get_string(block, "id"), *name = mg_json_get_string(block, "name");
	const mg_json *input = mg_json_get(block, "input");
	int rc;

	mg_buf_clear(&st->aux);
	if ((rc = mg_calls_put(&st->calls, id, name)) < 0 ||
	    (input && (rc = mg_json_print(&st->aux, input)) < 0))
		return rc;
	return cc_emit(st, "assistant", "tool_use", st->aux.ptr ? st->aux.ptr : "", st->aux.size,
		name, id, 0);
}

static int cc_assistant_block(cc_state *st, const mg_json *block)
{
	const char *type = mg_json_get_string(block, "type");
	const char *text = mg_json_get_string(block, "text");
	size_t n = type ? strlen(type) : 0;

	if (!type)
		return 0;
	if (strcmp(type, "text") == 0)
		return cc_text(st, "assistant", "text", text);
	if (strcmp(type, "tool_use") == 0 || strcmp(type, "server_tool_use") == 0 ||
	    strcmp(type, "mcp_tool_use") == 0)
		return cc_tool_use(st, block);
	if (n > 12 && strcmp(type + n - 12, "_tool_result") == 0)
		return cc_tool_result(st, block, "assistant");
	return 0; /* thinking, redacted_thinking: the model's scratch work */
}

static int cc_assistant(cc_state *st, const mg_json *rec)
{
	const mg_json *msg = mg_json_get(rec, "message"), *content = mg_json_get(msg, "content");
	const char *model = mg_json_get_string(msg, "model");
	int rc = 0;

	cc_usage(st, msg);
	if (!st->have_model && model && strcmp(model, "<synthetic>") != 0 && st->sink->meta) {
		mg_session_meta m;
		memset(&m, 0, sizeof(m));
		m.model = model;
		st->sink->meta(st->sink->ctx, &m);
		st->have_model = 1;
	}
	if (mg_json_bool(mg_json_get(rec, "isApiErrorMessage")) == 1) {
		if ((rc = cc_result_text(&st->text, content)) < 0)
			return rc;
		return cc_emit(st, "assistant", "error", st->text.ptr, st->text.size, NULL, NULL,
			1);
	}
	if (mg_json_string(content))
		return cc_text(st, "assistant", "text", mg_json_string(content));
	for (const mg_json *b = mg_json_first(content); b && rc == 0; b = mg_json_next(b))
		rc = cc_assistant_block(st, b);
	return rc;
}

static int cc_system(cc_state *st, const mg_json *rec)
{
	const char *subtype = mg_json_get_string(rec, "subtype");
	const char *level = mg_json_get_string(rec, "level");
	const char *content = mg_json_get_string(rec, "content");

	if ((subtype && strcmp(subtype, "api_error") == 0) ||
	    (level && strcmp(level, "error") == 0)) {
		const char *why = content ? content :
			mg_json_get_string(mg_json_get(rec, "error"), "message");
		why = why ? why : "api error";
		return cc_emit(st, "system", "error", why, strlen(why), NULL, NULL, 1);
	}
	if (subtype && strcmp(subtype, "local_command") == 0)
		return cc_text(st, "system", "text", content);
	/* compact_boundary (its summary follows as a user line), turn durations,
	 * hook summaries and other notes are UI state */
	return 0;
}

/* ---- the session's identity ------------------------------------------------- */

static int cc_meta(cc_state *st, const mg_json *rec)
{
	const char *sid = mg_json_get_string(rec, "sessionId");
	const char *agent_id = mg_json_get_string(rec, "agentId");
	const char *version = mg_json_get_string(rec, "version");
	mg_session_meta m;
	int rc;

	memset(&m, 0, sizeof(m));
	if (!st->have_started && st->ts) {
		m.started = st->ts;
		st->have_started = 1;
	}
	if (!st->have_source && sid) {
		st->have_source = 1;
		/* a subagent is its own session, linked to the one that spawned it */
		m.source_id = agent_id ? agent_id : sid;
		m.parent_id = agent_id ? sid : NULL;
		mg_buf_clear(&st->aux);
		rc = version ? mg_buf_printf(&st->aux, "claude-code %s", version) :
			mg_buf_puts(&st->aux, "claude-code");
		if (rc < 0)
			return rc;
		m.agent = st->aux.ptr;
		m.cwd = mg_json_get_string(rec, "cwd");
	}
	if ((m.started || m.source_id) && st->sink->meta)
		st->sink->meta(st->sink->ctx, &m);
	return 0;
}

/* A line seen before (same uuid) is not counted again. */
static int cc_repeated(cc_state *st, const mg_json *rec)
{
	const char *uuid = mg_json_get_string(rec, "uuid");
	uint64_t h, *slot;

	if (!uuid)
		return 0;
	h = cc_hash(uuid);
	slot = &st->uuids[h & (CC_UUIDS - 1)];
	if (*slot == h)
		return 1;
	*slot = h;
	return 0;
}

/* ---- the format ---------------------------------------------------------------- */

static int cc_detect(const mg_json *first, const char *raw, size_t len)
{
	static const char *const known[] = { "user", "assistant", "system", "summary", NULL };
	const mg_json *lines = mg_json_get(first, "loglines");
	const char *type;

	(void)raw;
	(void)len;
	if (mg_json_type_of(lines) == MG_JSON_ARRAY)
		return mg_json_get_string(mg_json_first(lines), "type") ? 85 : 40;
	if (mg_json_type_of(first) == MG_JSON_ARRAY)
		first = mg_json_first(first); /* a bare list of records */
	if (!(type = mg_json_get_string(first, "type")) || mg_json_get(first, "payload"))
		return 0;
	if (mg_json_get(first, "sessionId") &&
	    (mg_session_in(type, known) || mg_session_in(type, cc_meta_types)))
		return 95;
	if (strcmp(type, "file-history-snapshot") == 0 ||
	    (strcmp(type, "summary") == 0 && mg_json_get(first, "leafUuid")))
		return 80;
	if ((strcmp(type, "user") == 0 || strcmp(type, "assistant") == 0) &&
	    mg_json_type_of(mg_json_get(first, "message")) == MG_JSON_OBJECT)
		return 60;
	return 0;
}

static int cc_open(void **state)
{
	cc_state *st = calloc(1, sizeof(*st));

	if (!st || !(st->uuids = calloc(CC_UUIDS, sizeof(uint64_t)))) {
		free(st);
		return mg_error_oom();
	}
	st->calls.ring = CC_CALLS;
	st->warned.cap = CC_WARNED;
	*state = st;
	return 0;
}

static int cc_feed(void *state, const mg_session_sink *sink, const mg_json *value, const char *raw,
	size_t len, unsigned line)
{
	cc_state *st = state;
	const char *type;
	int rc = 0;

	(void)raw;
	(void)len;
	st->sink = sink;
	st->line = line;
	st->ts = mg_json_get_string(value, "timestamp");
	if ((rc = mg_session_record_type(value, line, &type)) < 0)
		return rc;
	if (cc_repeated(st, value) || (rc = cc_meta(st, value)) < 0)
		return rc < 0 ? rc : 0;
	if (strcmp(type, "user") == 0)
		return cc_user(st, value);
	if (strcmp(type, "assistant") == 0)
		return cc_assistant(st, value);
	if (strcmp(type, "system") == 0)
		return cc_system(st, value);
	if (strcmp(type, "summary") == 0)
		return cc_text(st, "system", "summary", mg_json_get_string(value, "summary"));
	if (!mg_session_in(type, cc_meta_types))
		mg_warn_once(&st->warned, st->sink, st->line, type,
			"unknown claude-code record type '%.60s' skipped", type);
	return 0;
}

static void cc_close(void *state)
{
	cc_state *st = state;

	if (!st)
		return;
	mg_calls_free(&st->calls);
	mg_warned_free(&st->warned);
	free(st->uuids);
	memgit_buf_dispose(&st->text);
	memgit_buf_dispose(&st->aux);
	free(st);
}

const mg_session_format mg_format_claude_code = {
	"claude-code", "cc", 1, cc_detect, cc_open, cc_feed, mg_session_finish_none, cc_close,
};
