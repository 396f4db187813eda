/*
 * session_codex.c: Codex CLI rollouts (~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl).
 *
 * Each line is {timestamp, type, payload}. The conversation is in the
 * response_item lines (what went to and came back from the model); the
 * event_msg lines are the UI's copy of the same turn (user_message,
 * agent_message and agent_reasoning repeat response_items) plus the few
 * things found nowhere else: errors, aborted turns, token counts. So
 * response_items make the events and event_msg lines only add what they
 * alone carry; counting both would count every message twice.
 * Mapping and rules in full: docs/sessions-sources.md.
 *
 * Memory stays bounded however long the rollout: calls waiting for their
 * output, failure hints and already-emitted instructions live in fixed rings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/session_format.h"
#include "core/session_util.h"
#include "memgit/errors.h"
#include "util/buf.h"
#include "util/error.h"

#define CX_SYSTEM_CAP 4096 /* bytes of one instruction text kept */
#define CX_CALLS 256       /* tool calls awaiting their output */
#define CX_HINTS 64        /* failure hints (event_msg) awaiting their output */
#define CX_SEEN 256        /* instruction texts already emitted, as hashes */
#define CX_WARNED 32       /* unknown types already warned about */
#define CX_HEADER_LINES 16 /* lines of tool output searched for an exit status */
_Static_assert(CX_WARNED <= MG_WARNED_MAX, "CX_WARNED over what mg_warned holds");

typedef struct {
	char *id;
	int failed;
} cx_hint;

typedef struct {
	const mg_session_sink *sink;
	unsigned line;
	const char *ts;
	mg_calls calls; /* a ring of CX_CALLS */
	cx_hint hints[CX_HINTS];
	size_t hints_next;
	uint64_t seen[CX_SEEN];
	size_t seen_n, seen_next;
	mg_warned warned; /* at most CX_WARNED */
	int have_model, have_tokens;
	uint64_t in_tokens, out_tokens;
	memgit_buf text, aux;
} cx_state;

/*
 * User-role messages Codex writes itself (AGENTS.md, environment, skills,
 * "!cmd" shell runs, abort notes). Codex's own is_contextual_user_message()
 * keeps them out of user turns; here they become system events.
 */
static const char *const cx_context_tags[] = { "<environment_context>", "<user_instructions>",
	"# AGENTS.md instructions for ", "<skill>", "<user_shell_command>", "<turn_aborted>",
	"<context_update>", "<subagent_notification>", NULL };

/* How the Codex harness words a tool call it failed or refused to run
 * ("aborted" stands in for the output of a call the user interrupted). */
static const char *const cx_fail_prefixes[] = { "failed to parse ", "unsupported ",
	"exec_command failed", "write_stdin failed", "apply_patch verification failed",
	"exec command rejected", "patch rejected", "execution error", "err: ",
	"approval policy is ", "aborted", NULL };

/* event_msg types that only repeat response_items or carry UI state. */
static const char *const cx_quiet_events[] = { "user_message", "agent_message",
	"agent_message_delta", "agent_reasoning", "agent_reasoning_delta",
	"agent_reasoning_raw_content", "agent_reasoning_raw_content_delta",
	"agent_reasoning_section_break", "context_compacted", "task_started", "task_complete",
	"turn_started", "turn_complete", "entered_review_mode", "exited_review_mode",
	"undo_started", "undo_completed", "thread_rolled_back", "exec_command_begin",
	"exec_command_output_delta", "terminal_interaction", "patch_apply_begin",
	"mcp_tool_call_begin", "web_search_begin", "web_search_end", "view_image_tool_call",
	"plan_update", "turn_diff", "background_event", "session_configured", "item_started",
	"item_completed", "shutdown_complete", "exec_approval_request",
	"apply_patch_approval_request", "deprecation_notice", "mcp_startup_update",
	"mcp_startup_complete", NULL };

static void cx_warn_once(cx_state *st, const char *what, const char *name)
{
	mg_warn_once(&st->warned, st->sink, st->line, name, "unknown codex %s '%.100s' skipped",
		what, name);
}

static int cx_emit(cx_state *st, const char *role, const char *type, const char *text,
	size_t len, const char *tool, const char *call_id, int is_error)
{
	return mg_session_emit(st->sink, st->ts, st->line, role, type, text, len, tool, call_id,
		is_error);
}

/*
 * Instructions (developer messages, Codex's own user-role context) repeat on
 * every turn whose settings change; each distinct text is kept once, capped.
 */
static int cx_emit_system(cx_state *st, memgit_buf *b)
{
	uint64_t h = mg_fnv1a(MG_FNV_OFFSET, b->ptr, b->size);

	for (size_t i = 0; i < st->seen_n; i++)
		if (st->seen[i] == h)
			return 0;
	st->seen[st->seen_next] = h;
	st->seen_next = (st->seen_next + 1) % CX_SEEN;
	if (st->seen_n < CX_SEEN)
		st->seen_n++;
	if (mg_session_cap(b, CX_SYSTEM_CAP) < 0)
		return MEMGIT_ENOMEM;
	return cx_emit(st, "system", "text", b->ptr, b->size, NULL, NULL, 0);
}

/* Join content parts the way Codex does ("\n"); images become placeholders. */
static int cx_content_text(memgit_buf *b, const mg_json *content)
{
	int rc = 0;

	mg_buf_clear(b);
	if (mg_json_string(content))
		return mg_buf_puts(b, mg_json_string(content));
	for (const mg_json *p = mg_json_first(content); p && rc == 0; p = mg_json_next(p)) {
		const char *type = mg_json_get_string(p, "type");
		const char *text = mg_json_get_string(p, "text");
		if (!type)
			continue;
		if (!strcmp(type, "input_text") || !strcmp(type, "output_text"))
			rc = mg_session_piece(b, text);
		else if (!strcmp(type, "input_image"))
			rc = mg_session_piece(b, "[image]");
		else
			rc = mg_session_placeholder(b, type);
	}
	return rc;
}

static int cx_is_contextual(const mg_json *content)
{
	for (const mg_json *p = mg_json_first(content); p; p = mg_json_next(p)) {
		const char *text = mg_json_get_string(p, "text");
		const char *type = mg_json_get_string(p, "type");
		if (!text || !type || strcmp(type, "input_text"))
			continue;
		text += strspn(text, " \t\r\n");
		for (const char *const *t = cx_context_tags; *t; t++)
			if (!strncasecmp(text, *t, strlen(*t)))
				return 1;
	}
	return 0;
}

static int cx_message(cx_state *st, const mg_json *p)
{
	const char *role = mg_json_get_string(p, "role");
	const mg_json *content = mg_json_get(p, "content");
	int rc;

	if (!role)
		return mg_session_refuse(st->line, "message without role");
	if ((rc = cx_content_text(&st->text, content)) < 0)
		return rc;
	if (!st->text.size)
		return 0;
	if (!strcmp(role, "developer") || !strcmp(role, "system") ||
		(!strcmp(role, "user") && cx_is_contextual(content)))
		return cx_emit_system(st, &st->text);
	if (!strcmp(role, "user") || !strcmp(role, "assistant"))
		return cx_emit(st, role, "text", st->text.ptr, st->text.size, NULL, NULL, 0);
	cx_warn_once(st, "message role", role);
	return 0;
}

/* ---- tool calls and their outputs -------------------------------------- */

static void cx_hint_put(cx_state *st, const char *id, int failed)
{
	cx_hint *h = &st->hints[st->hints_next];

	if (!id)
		return;
	free(h->id);
	h->id = strdup(id);
	h->failed = failed;
	st->hints_next = (st->hints_next + 1) % CX_HINTS;
}

static int cx_hint_take(cx_state *st, const char *id)
{
	for (size_t i = 0; id && i < CX_HINTS; i++) {
		cx_hint *h = &st->hints[i];
		if (h->id && !strcmp(h->id, id)) {
			free(h->id);
			h->id = NULL;
			return h->failed;
		}
	}
	return 0;
}

static int cx_tool_use(cx_state *st, const char *name, const mg_json *input, const char *call_id)
{
	int rc;

	if (!name)
		return mg_session_refuse(st->line, "tool call without name");
	if ((rc = mg_session_compact(&st->aux, input)) < 0)
		return rc;
	/* the call is only a name for its result: a call not remembered (out
	 * of memory) leaves the result unnamed, the session intact */
	(void)mg_calls_put(&st->calls, call_id, name);
	return cx_emit(st, "assistant", "tool_use", st->aux.ptr, st->aux.size, name, call_id, 0);
}

static int cx_exit_code_failed(const char *line)
{
	static const char *const lead[] = { "Process exited with code ", "Exit code: ", NULL };

	for (const char *const *l = lead; *l; l++)
		if (!strncmp(line, *l, strlen(*l)))
			return strtol(line + strlen(*l), NULL, 10) != 0;
	return 0;
}

/* The legacy shell tool answers {"output":..., "metadata":{"exit_code":N}}. */
static int cx_json_failed(const char *s)
{
	mg_json *doc = NULL;
	const mg_json *code;
	int failed = 0;

	if (s[strspn(s, " \t\r\n")] != '{' || !strstr(s, "\"exit_code\"") ||
		!(doc = mg_session_parse_quiet(s)))
		return 0;
	code = mg_json_get(mg_json_get(doc, "metadata"), "exit_code");
	failed = mg_json_type_of(code) == MG_JSON_NUMBER && mg_json_number(code, 0) != 0;
	mg_json_free(doc);
	return failed;
}

/*
 * Codex does not record a tool call's success flag in the rollout, so
 * failure is read from the output: a non-zero exit status in the header the
 * exec tools write before "Output:", a non-zero metadata.exit_code (legacy
 * shell), or the harness's own refusal texts.
 */
static int cx_output_failed(const char *s)
{
	const char *p = s;

	for (const char *const *f = cx_fail_prefixes; *f; f++)
		if (!strncmp(s, *f, strlen(*f)))
			return 1;
	for (int n = 0; n < CX_HEADER_LINES && *p; n++) {
		const char *nl = strchr(p, '\n');
		if (!strncmp(p, "Output:", 7) && (p[7] == '\n' || p[7] == '\0'))
			break;
		if (cx_exit_code_failed(p))
			return 1;
		if (!nl)
			break;
		p = nl + 1;
	}
	return cx_json_failed(s);
}

static int cx_tool_result(cx_state *st, const mg_json *p)
{
	const char *call_id = mg_json_get_string(p, "call_id");
	const mg_json *out = mg_json_get(p, "output");
	const char *s = mg_json_string(out);
	char *tool;
	int failed, rc = 0;

	/* a string, or content items when the tool returned images */
	mg_buf_clear(&st->text);
	if (mg_json_type_of(out) == MG_JSON_ARRAY)
		rc = cx_content_text(&st->text, out);
	else if (s)
		rc = mg_buf_puts(&st->text, s);
	else if (out)
		rc = mg_json_print(&st->text, out);
	if (rc < 0)
		return rc;
	failed = cx_hint_take(st, call_id) | cx_output_failed(mg_buf_cstr(&st->text));
	tool = mg_calls_take(&st->calls, call_id);
	rc = cx_emit(st, "tool", "tool_result", st->text.ptr, st->text.size, tool, call_id, failed);
	free(tool);
	return rc;
}

static int cx_response_item(cx_state *st, const mg_json *p, const char *type)
{
	static const char *const quiet[] = { "reasoning", "ghost_snapshot", "compaction",
		"compaction_summary", NULL };

	if (!strcmp(type, "message"))
		return cx_message(st, p);
	if (!strcmp(type, "function_call"))
		return cx_tool_use(st, mg_json_get_string(p, "name"), mg_json_get(p, "arguments"),
			mg_json_get_string(p, "call_id"));
	if (!strcmp(type, "custom_tool_call"))
		return cx_tool_use(st, mg_json_get_string(p, "name"), mg_json_get(p, "input"),
			mg_json_get_string(p, "call_id"));
	if (!strcmp(type, "local_shell_call"))
		return cx_tool_use(st, "local_shell", mg_json_get(p, "action"),
			mg_json_get_string(p, "call_id"));
	if (!strcmp(type, "web_search_call"))
		return cx_tool_use(st, "web_search", mg_json_get(p, "action"), NULL);
	if (!strcmp(type, "function_call_output") || !strcmp(type, "custom_tool_call_output"))
		return cx_tool_result(st, p);
	/* reasoning is encrypted or a summary the UI repeats; snapshots and
	 * compaction items are opaque state for Codex itself */
	if (!mg_session_in(type, quiet))
		cx_warn_once(st, "response item", type);
	return 0;
}

/* ---- event_msg, metadata ----------------------------------------------- */

static int cx_notice(cx_state *st, const char *type, const char *what, const char *text,
	int is_error)
{
	int rc;

	mg_buf_clear(&st->aux);
	if (what)
		rc = mg_buf_printf(&st->aux, "%s: %s", what, text ? text : "");
	else
		rc = mg_buf_puts(&st->aux, text ? text : "error");
	if (rc < 0)
		return rc;
	return cx_emit(st, "system", type, st->aux.ptr, st->aux.size, NULL, NULL, is_error);
}

static void cx_tokens(cx_state *st, const mg_json *p)
{
	const mg_json *total = mg_json_get(mg_json_get(p, "info"), "total_token_usage");
	double in = mg_json_number(mg_json_get(total, "input_tokens"), -1);
	double out = mg_json_number(mg_json_get(total, "output_tokens"), -1);

	/* running totals, repeated on every rate-limit update: the last wins */
	if (in < 0 || out < 0)
		return;
	st->in_tokens = (uint64_t)in;
	st->out_tokens = (uint64_t)out;
	st->have_tokens = 1;
}

static int cx_mcp_failed(const mg_json *p)
{
	const mg_json *result = mg_json_get(p, "result");
	const mg_json *ok = mg_json_get(result, "Ok");

	return mg_json_get(result, "Err") != NULL ||
		mg_json_bool(mg_json_get(ok, "isError")) == 1 ||
		mg_json_bool(mg_json_get(ok, "is_error")) == 1;
}

static int cx_event_msg(cx_state *st, const mg_json *p, const char *type)
{
	const char *call_id = mg_json_get_string(p, "call_id");

	if (!strcmp(type, "error") || !strcmp(type, "stream_error"))
		return cx_notice(st, "error", NULL, mg_json_get_string(p, "message"), 1);
	if (!strcmp(type, "warning"))
		return cx_notice(st, "text", "warning", mg_json_get_string(p, "message"), 0);
	if (!strcmp(type, "turn_aborted"))
		return cx_notice(st, "text", "turn aborted", mg_json_get_string(p, "reason"), 0);
	if (!strcmp(type, "token_count"))
		cx_tokens(st, p);
	else if (!strcmp(type, "exec_command_end"))
		cx_hint_put(st, call_id, mg_json_number(mg_json_get(p, "exit_code"), 0) != 0);
	else if (!strcmp(type, "patch_apply_end"))
		cx_hint_put(st, call_id, mg_json_bool(mg_json_get(p, "success")) == 0);
	else if (!strcmp(type, "mcp_tool_call_end"))
		cx_hint_put(st, call_id, cx_mcp_failed(p));
	else if (!mg_session_in(type, cx_quiet_events))
		cx_warn_once(st, "event", type);
	return 0;
}

static int cx_session_meta(cx_state *st, const mg_json *p)
{
	mg_session_meta m = { 0 };
	const char *version = mg_json_get_string(p, "cli_version");
	const char *instructions = mg_json_get_string(p, "instructions");
	int rc;

	mg_buf_clear(&st->aux);
	rc = version ? mg_buf_printf(&st->aux, "codex %s", version)
		     : mg_buf_puts(&st->aux, "codex");
	if (rc < 0)
		return rc;
	m.source_id = mg_json_get_string(p, "id");
	m.agent = st->aux.ptr;
	m.cwd = mg_json_get_string(p, "cwd");
	m.started = mg_json_get_string(p, "timestamp");
	if (!m.started)
		m.started = st->ts;
	if (st->sink->meta)
		st->sink->meta(st->sink->ctx, &m);
	/* base_instructions is Codex's built-in prompt, the same in every
	 * session: dropped. Older versions put AGENTS.md in `instructions`. */
	if (!instructions || !*instructions)
		return 0;
	if ((rc = mg_buf_set(&st->text, instructions, strlen(instructions))) < 0)
		return rc;
	return cx_emit_system(st, &st->text);
}

static void cx_turn_context(cx_state *st, const mg_json *p)
{
	mg_session_meta m = { 0 };

	if (st->have_model || !(m.model = mg_json_get_string(p, "model")))
		return;
	st->have_model = 1;
	m.cwd = mg_json_get_string(p, "cwd");
	if (st->sink->meta)
		st->sink->meta(st->sink->ctx, &m);
}

static int cx_compacted(cx_state *st, const mg_json *p)
{
	const char *msg = mg_json_get_string(p, "message");
	size_t kept = mg_json_count(mg_json_get(p, "replacement_history"));
	int rc;

	mg_buf_clear(&st->aux);
	if (msg && *msg)
		rc = mg_buf_puts(&st->aux, msg);
	else
		rc = mg_buf_printf(&st->aux, "context compacted; %zu items of history kept", kept);
	if (rc < 0)
		return rc;
	return cx_emit(st, "system", "summary", st->aux.ptr, st->aux.size, NULL, NULL, 0);
}

/* ---- the format -------------------------------------------------------- */

static int cx_detect(const mg_json *first, const char *raw, size_t len)
{
	static const char *const others[] = { "response_item", "event_msg", "turn_context",
		"compacted", NULL };
	const char *type = mg_json_get_string(first, "type");

	(void)raw;
	(void)len;
	/* Claude Code lines also have `type`, but never `payload`, always `sessionId` */
	if (!type || mg_json_type_of(mg_json_get(first, "payload")) != MG_JSON_OBJECT ||
		mg_json_get(first, "sessionId"))
		return 0;
	if (!strcmp(type, "session_meta"))
		return 90;
	return mg_session_in(type, others) ? 70 : 0;
}

static int cx_open(void **state)
{
	cx_state *st = calloc(1, sizeof(*st));

	if (!st)
		return mg_error_oom();
	st->calls.ring = CX_CALLS;
	st->warned.cap = CX_WARNED;
	*state = st;
	return 0;
}

static int cx_dispatch(cx_state *st, const char *type, const mg_json *p)
{
	const char *sub = mg_json_get_string(p, "type");

	if (!strcmp(type, "session_meta"))
		return cx_session_meta(st, p);
	if (!strcmp(type, "turn_context")) {
		cx_turn_context(st, p);
		return 0;
	}
	if (!strcmp(type, "compacted"))
		return cx_compacted(st, p);
	if (!sub)
		return mg_session_refuse(st->line, "payload without type");
	if (!strcmp(type, "response_item"))
		return cx_response_item(st, p, sub);
	return cx_event_msg(st, p, sub);
}

static int cx_feed(void *state, const mg_session_sink *sink, const mg_json *value, const char *raw,
	size_t len, unsigned line)
{
	static const char *const known[] = { "session_meta", "turn_context", "response_item",
		"event_msg", "compacted", NULL };
	cx_state *st = state;
	const mg_json *payload = mg_json_get(value, "payload");
	const char *type;
	int rc;

	(void)raw;
	(void)len;
	st->sink = sink;
	st->line = line;
	st->ts = mg_json_get_string(value, "timestamp");
	if ((rc = mg_session_record_type(value, line, &type)) < 0)
		return rc;
	if (!mg_session_in(type, known)) {
		cx_warn_once(st, "line type", type);
		return 0;
	}
	if (mg_json_type_of(payload) != MG_JSON_OBJECT)
		return mg_session_refuse(line, "'payload' is not an object");
	return cx_dispatch(st, type, payload);
}

static int cx_finish(void *state, const mg_session_sink *sink)
{
	cx_state *st = state;
	mg_session_meta m = { 0 };

	/* sent once, at the end: the totals are cumulative */
	if (st->have_tokens && sink->meta) {
		m.input_tokens = st->in_tokens;
		m.output_tokens = st->out_tokens;
		sink->meta(sink->ctx, &m);
	}
	return 0;
}

static void cx_close(void *state)
{
	cx_state *st = state;

	if (!st)
		return;
	mg_calls_free(&st->calls);
	for (size_t i = 0; i < CX_HINTS; i++)
		free(st->hints[i].id);
	mg_warned_free(&st->warned);
	memgit_buf_dispose(&st->text);
	memgit_buf_dispose(&st->aux);
	free(st);
}

const mg_session_format mg_format_codex = {
	"codex", "cx", 1, cx_detect, cx_open, cx_feed, cx_finish, cx_close,
};
