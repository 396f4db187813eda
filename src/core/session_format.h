/*
 * session_format.h: the contract between transcript parsers and the session
 * ingester (DESIGN.md section 4, docs/FORMAT.md "Sessions").
 *
 * A parser turns one source format into canonical events and pushes them
 * into a sink. It never writes anything itself: the ingester behind the sink
 * numbers the events, redacts secrets, streams them to a temporary file
 * (memory use does not grow with the transcript) and stores the result.
 *
 * Line-based formats (JSONL) are fed one parsed line at a time, in file
 * order; document formats (one JSON document, plain text) are fed once with
 * the whole document, which is capped.
 */
#ifndef MG_SESSION_FORMAT_H
#define MG_SESSION_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include "json/json.h"

/* One canonical event. Strings are borrowed for the duration of the call. */
typedef struct {
	const char *ts;       /* RFC 3339 timestamp, or NULL */
	const char *role;     /* "user" | "assistant" | "tool" | "system" */
	const char *type;     /* "text" | "tool_use" | "tool_result" | "error" | "summary" */
	const char *text;     /* message text, tool input (compact JSON) or tool output */
	size_t text_len;
	const char *tool;     /* tool name for tool_use (and tool_result when known) */
	const char *call_id;  /* pairs a tool_use with its tool_result */
	int is_error;         /* a failed tool result, an API error, a failing command */
	unsigned line;        /* source line (1-based) the event came from */
} mg_session_event;

/* What a parser learns about the session; fields may arrive over several
 * calls, and the first non-NULL value of each field wins. */
typedef struct {
	const char *source_id; /* the transcript's own id (Claude Code sessionId or
				* agentId, Codex session id); NULL: derived from content */
	const char *parent_id; /* source id of the parent session (subagents) */
	const char *agent;     /* e.g. "claude-code 2.1.23", "codex 0.104.0" */
	const char *started;   /* first timestamp */
	const char *cwd;
	const char *model;
	uint64_t input_tokens, output_tokens; /* added up, each API message once */
} mg_session_meta;

typedef struct {
	void *ctx;
	int (*event)(void *ctx, const mg_session_event *ev);
	void (*meta)(void *ctx, const mg_session_meta *meta);
	/* a warning about the source (file and line are added by the sink) */
	void (*warn)(void *ctx, unsigned line, const char *message);
} mg_session_sink;

typedef struct {
	const char *name;      /* "claude-code", "codex", "anthropic", "openai", "text" */
	const char *id_prefix; /* "cc", "cx", "an", "oa", "tx" */
	int line_based;        /* 1: fed one JSON value per line; 0: one whole document */
	/*
	 * How likely `first` (the first non-empty line parsed as JSON for
	 * line-based detection, or the whole document; NULL when not JSON) is
	 * this format: 0 not at all, higher is more certain (text answers 1).
	 */
	int (*detect)(const mg_json *first, const char *raw, size_t len);
	int (*open)(void **state);
	/* `value` is NULL for text; `raw`/`len` is the line or document. A
	 * negative return refuses the file (error already set, naming the line). */
	int (*feed)(void *state, const mg_session_sink *sink, const mg_json *value, const char *raw,
		size_t len, unsigned line);
	int (*finish)(void *state, const mg_session_sink *sink);
	void (*close)(void *state);
} mg_session_format;

extern const mg_session_format mg_format_claude_code;
extern const mg_session_format mg_format_codex;
extern const mg_session_format mg_format_anthropic;
extern const mg_session_format mg_format_openai;
extern const mg_session_format mg_format_text;

#endif
