/*
 * provider.h: the model providers' wire formats (docs/providers.md).
 *
 * Pure request building and response parsing: nothing here touches the
 * network, so every byte is testable against recorded fixtures. The HTTP
 * layer (http.h) sends what mg_llm_request builds with the headers of
 * mg_llm_headers, and feeds a streaming body event by event to
 * mg_llm_stream_event (its signature is mg_http_sse_cb's).
 *
 * The dream's edits come back as one forced tool call, "propose_edits",
 * whose input follows templates/prompts/edit_schema.json; text the model
 * writes beside it is kept for progress, never parsed for edits.
 *
 * Secrets: the API key goes into a header value and nowhere else. Every
 * error built from a server's words is redacted first (the key itself,
 * anything the secret gate finds, and key-looking tokens such as a
 * masked "sk-abc***xyz"), because servers do echo keys back.
 */
#ifndef MG_PROVIDER_H
#define MG_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include "dream/dreamer.h"
#include "json/json.h"
#include "llm/http.h"
#include "memgit/buf.h"

#define MG_LLM_TOOL_NAME "propose_edits"
#define MG_LLM_ANTHROPIC_VERSION "2023-06-01"
/* a tool input or text larger than this is refused, whatever the HTTP cap */
#define MG_LLM_MAX_ACCUMULATED (32u * 1024u * 1024u)
#define MG_LLM_MAX_HEADERS 5

typedef enum { MG_LLM_ANTHROPIC = 0, MG_LLM_OPENAI } mg_llm_kind;

/* The one tool a request forces; the default is propose_edits. */
typedef struct {
	const char *name;
	const char *description;
	const char *schema;   /* JSON Schema of its input */
} mg_llm_tool;

typedef struct {
	mg_llm_kind kind;
	const char *model;
	const char *api_key;  /* secret: only ever copied into a header value */
	const char *beta;     /* anthropic-beta, or NULL */
	unsigned max_tokens;  /* 0: 8192 */
	const mg_llm_tool *tool; /* NULL: propose_edits with the edit schema */
} mg_llm_config;

/* The tool of `cfg` (never NULL); NULL schema when the template is missing. */
const char *mg_llm_tool_name(const mg_llm_config *cfg);
const char *mg_llm_tool_description(const mg_llm_config *cfg);
const char *mg_llm_tool_schema(const mg_llm_config *cfg);

/* One request: a stable prefix (cached) and the part that varies. */
typedef struct {
	const char *instructions; /* the dream instructions (stable, cached) */
	const char *memory;       /* the memory as the model sees it (stable, cached); may be NULL */
	const char *task;         /* this chunk's sessions and request; the user turn */
	int stream;
} mg_llm_prompt;

typedef struct {
	int64_t input;          /* uncached input tokens */
	int64_t output;
	int64_t cache_creation; /* written to the cache (Anthropic) */
	int64_t cache_read;     /* read from the cache (OpenAI: prompt_tokens_details.cached_tokens) */
} mg_llm_usage;

/* What a response carried, streaming or not. */
typedef struct {
	memgit_buf tool_input; /* the propose_edits input as JSON text ("" when none) */
	memgit_buf text;       /* text blocks, concatenated */
	char tool_id[128];
	char stop_reason[32];  /* "tool_use", "max_tokens", "end_turn" / "tool_calls", "length", ... */
	int have_tool;
	mg_llm_usage usage;
} mg_llm_result;

void mg_llm_result_init(mg_llm_result *r);
void mg_llm_result_dispose(mg_llm_result *r);

/* The edit schema (embedded templates/prompts/edit_schema.json). */
const char *mg_provider_edit_schema(size_t *len);

/*
 * Turn a propose_edits input into edits appended to `out`. An edit that
 * breaks the schema is dropped and each of its violations appended to
 * `problems` as one line ("edits[2] (update notes/a.md): content: required
 * for update\n"), so a repair request can quote them. Returns 0 (even when
 * edits were dropped), MEMGIT_EINPUT when the text is not JSON (with the
 * line and column) or not an object with an "edits" list, MEMGIT_ENOMEM.
 */
int mg_provider_parse_edits(mg_edit_list *out, const char *json, size_t len, memgit_buf *problems);

/* Which fields a kind requires and allows (bits MG_EDIT_F_*); for the
 * schema and its validator to be checked against each other. */
#define MG_EDIT_F_PATH 1u
#define MG_EDIT_F_TO 2u
#define MG_EDIT_F_MERGED 4u
#define MG_EDIT_F_CONTENT 8u
#define MG_EDIT_F_RATIONALE 16u
#define MG_EDIT_F_EVIDENCE 32u
unsigned mg_provider_edit_fields(memgit_edit_kind kind);

/*
 * The request body (JSON) for `cfg` and `p`, appended to `out`.
 * MEMGIT_EINPUT without a model or a task.
 */
int mg_llm_request(memgit_buf *out, const mg_llm_config *cfg, const mg_llm_prompt *p);

/*
 * The headers to send. Values point into `cfg` or into `scratch` (caller's,
 * disposed after the request), which holds the Authorization value of an
 * OpenAI request, so it holds the key: never print it.
 */
int mg_llm_headers(mg_http_header out[MG_LLM_MAX_HEADERS], size_t *n, const mg_llm_config *cfg,
	memgit_buf *scratch);

/* The endpoint path appended to a base URL. */
const char *mg_llm_endpoint(mg_llm_kind kind);

/*
 * Parse a complete (non-streaming) response body. An error object gives
 * MEMGIT_EREMOTE "<provider> error '<type>': <message>" (redacted); a
 * body that is not JSON, MEMGIT_EINPUT with the position; a response
 * without a propose_edits call, MEMGIT_EREMOTE naming the stop reason.
 */
int mg_llm_parse_response(mg_llm_result *out, const mg_llm_config *cfg, const char *body, size_t len);

/* Called as text or tool input arrives: bytes received so far of each. */
typedef void (*mg_llm_progress_cb)(size_t text_bytes, size_t tool_bytes, void *payload);

typedef struct mg_llm_block mg_llm_block;

/* A streaming response being assembled. */
typedef struct {
	const mg_llm_config *cfg;
	mg_llm_result *result;
	mg_llm_block *blocks; /* per content block (Anthropic) or tool call (OpenAI) index */
	size_t nblocks;
	int started, done;    /* message_start / message_stop or [DONE] seen */
	int failed;           /* the first error, replayed on later calls */
	mg_llm_progress_cb progress;
	void *progress_payload;
} mg_llm_stream;

void mg_llm_stream_init(mg_llm_stream *s, const mg_llm_config *cfg, mg_llm_result *result);
void mg_llm_stream_dispose(mg_llm_stream *s);

/*
 * Feed one server-sent event (`event` may be NULL: OpenAI sends none;
 * `payload` is the mg_llm_stream). Unknown events are ignored. Returns 0
 * or the error (an error event: MEMGIT_EREMOTE with its type).
 */
int mg_llm_stream_event(const char *event, const char *data, size_t len, void *payload);

/*
 * The stream ended: MEMGIT_EREMOTE when it was cut before its end marker
 * or carried no propose_edits call; else the result is complete.
 */
int mg_llm_stream_finish(mg_llm_stream *s);

/* ---- internal to src/llm ------------------------------------------------ */

struct mg_llm_block {
	int index;
	int is_tool;
	char id[128];
	char name[64];
	memgit_buf buf;
};

int mg_anthropic_request(memgit_buf *out, const mg_llm_config *cfg, const mg_llm_prompt *p);
int mg_anthropic_parse(mg_llm_result *out, const mg_llm_config *cfg, const char *body, size_t len);
int mg_anthropic_event(mg_llm_stream *s, const char *event, const char *data, size_t len);
int mg_openai_request(memgit_buf *out, const mg_llm_config *cfg, const mg_llm_prompt *p);
int mg_openai_parse(mg_llm_result *out, const mg_llm_config *cfg, const char *body, size_t len);
int mg_openai_event(mg_llm_stream *s, const char *data, size_t len);

/* The block of `index`, created (with is_tool) when new; NULL on ENOMEM. */
mg_llm_block *mg_llm_block_at(mg_llm_stream *s, int index, int is_tool);
/* Append to a block's buffer, within MG_LLM_MAX_ACCUMULATED. */
int mg_llm_block_append(mg_llm_stream *s, mg_llm_block *b, const char *data, size_t len);
/* Set the error for a provider error object: MEMGIT_EREMOTE, redacted. */
int mg_llm_remote_error(const mg_llm_config *cfg, const char *type, const char *message);
/* Parse a provider body or event (errors name `what` and the position). */
int mg_llm_json(mg_json **out, const char *what, const char *data, size_t len);
void mg_llm_copy(char *dst, size_t size, const char *src);
/* Check the result has the tool call; MEMGIT_EREMOTE otherwise. */
int mg_llm_require_tool(const mg_llm_config *cfg, const mg_llm_result *r);
const char *mg_llm_name(const mg_llm_config *cfg);

#endif
