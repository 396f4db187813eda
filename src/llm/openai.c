/*
 * openai.c: the OpenAI-compatible chat completions wire format
 * (POST {base}/chat/completions, base usually ending in /v1: OpenAI, vLLM, llama.cpp server, Ollama;
 * docs/providers.md): the request body, a complete response, and the
 * "data:" chunks of a streaming one.
 */
#include <string.h>

#include "llm/provider.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/jsonw.h"

#define DEFAULT_MAX_TOKENS 8192
/* the block that collects streamed text: tool call indexes start at 0 */
#define TEXT_INDEX (1 << 20)
/* One system message: several are refused by some servers' chat templates.
 * OpenAI caches a long identical prefix on its own, so the stable parts
 * come first and the task last. */
static int system_text(memgit_buf *b, const mg_llm_config *cfg, const mg_llm_prompt *p)
{
	int rc = mg_buf_puts(b, p->instructions && *p->instructions ? p->instructions : mg_llm_tool_description(cfg));

	if (rc == 0 && p->memory && *p->memory)
		rc = mg_buf_printf(b, "\n\n%s", p->memory);
	return rc;
}

static void message(mg_jsonw *w, const char *role, const char *content)
{
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "role");
	mg_jsonw_string(w, role);
	mg_jsonw_key(w, "content");
	mg_jsonw_string(w, content);
	mg_jsonw_object_close(w);
}

static void tools(mg_jsonw *w, const mg_llm_config *cfg, const char *schema)
{
	mg_jsonw_key(w, "tools");
	mg_jsonw_array_open(w);
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "type");
	mg_jsonw_string(w, "function");
	mg_jsonw_key(w, "function");
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "name");
	mg_jsonw_string(w, mg_llm_tool_name(cfg));
	mg_jsonw_key(w, "description");
	mg_jsonw_string(w, mg_llm_tool_description(cfg));
	mg_jsonw_key(w, "parameters");
	mg_jsonw_raw(w, schema);
	mg_jsonw_object_close(w);
	mg_jsonw_object_close(w);
	mg_jsonw_array_close(w);
	mg_jsonw_key(w, "tool_choice");
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "type");
	mg_jsonw_string(w, "function");
	mg_jsonw_key(w, "function");
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "name");
	mg_jsonw_string(w, mg_llm_tool_name(cfg));
	mg_jsonw_object_close(w);
	mg_jsonw_object_close(w);
}

static void stream_flags(mg_jsonw *w, int stream)
{
	mg_jsonw_key(w, "stream");
	mg_jsonw_bool(w, stream);
	if (!stream) /* OpenAI refuses stream_options without stream */
		return;
	mg_jsonw_key(w, "stream_options");
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "include_usage");
	mg_jsonw_bool(w, 1);
	mg_jsonw_object_close(w);
}

int mg_openai_request(memgit_buf *out, const mg_llm_config *cfg, const mg_llm_prompt *p)
{
	const char *schema = mg_llm_tool_schema(cfg);
	memgit_buf sys = MEMGIT_BUF_INIT;
	mg_jsonw w;
	int rc;

	if (!schema)
		return mg_error_set(MEMGIT_ERROR, "cannot build request", "openai", "no tool schema");
	if ((rc = system_text(&sys, cfg, p)) < 0)
		goto done;
	mg_jsonw_init(&w, out, 0);
	mg_jsonw_object_open(&w);
	mg_jsonw_key(&w, "model");
	mg_jsonw_string(&w, cfg->model);
	/* max_tokens, not max_completion_tokens: every compatible server reads it */
	mg_jsonw_key(&w, "max_tokens");
	mg_jsonw_int(&w, cfg->max_tokens ? cfg->max_tokens : DEFAULT_MAX_TOKENS);
	mg_jsonw_key(&w, "messages");
	mg_jsonw_array_open(&w);
	message(&w, "system", sys.ptr);
	message(&w, "user", p->task);
	mg_jsonw_array_close(&w);
	tools(&w, cfg, schema);
	stream_flags(&w, p->stream);
	mg_jsonw_object_close(&w);
	rc = mg_jsonw_finish(&w);
done:
	memgit_buf_dispose(&sys);
	return rc;
}

/* ---- responses ---------------------------------------------------------- */

/* prompt_tokens counts the cached ones too; memgit's input is the uncached
 * part, as Anthropic reports it, so the two providers add up the same way. */
static void read_usage(mg_llm_usage *u, const mg_json *usage)
{
	const mg_json *v;
	int64_t cached = 0;

	if (mg_json_type_of(usage) != MG_JSON_OBJECT)
		return;
	v = mg_json_get(mg_json_get(usage, "prompt_tokens_details"), "cached_tokens");
	if (mg_json_type_of(v) == MG_JSON_NUMBER)
		cached = (int64_t)mg_json_number(v, 0);
	u->cache_read = cached;
	u->input = (int64_t)mg_json_number(mg_json_get(usage, "prompt_tokens"), 0) - cached;
	u->output = (int64_t)mg_json_number(mg_json_get(usage, "completion_tokens"), 0);
}

/*
 * The error shapes of compatible servers: OpenAI and llama.cpp
 * {"error":{"message","type","code"}}, vLLM {"object":"error","message",
 * "type"}, Ollama {"error":"..."}. 1 when `root` is none of them.
 */
static int error_object(const mg_llm_config *cfg, const mg_json *root)
{
	const mg_json *e = mg_json_get(root, "error");
	const char *type;

	if (mg_json_string(e))
		return mg_llm_remote_error(cfg, "error", mg_json_string(e));
	if (mg_json_type_of(e) == MG_JSON_OBJECT) {
		type = mg_json_get_string(e, "type");
		if (!type)
			type = mg_json_get_string(e, "code");
		return mg_llm_remote_error(cfg, type, mg_json_get_string(e, "message"));
	}
	type = mg_json_get_string(root, "object");
	if (type && strcmp(type, "error") == 0)
		return mg_llm_remote_error(cfg, mg_json_get_string(root, "type"),
			mg_json_get_string(root, "message"));
	return 1;
}

static int tool_call(mg_llm_result *out, const mg_llm_config *cfg, const mg_json *call)
{
	const mg_json *fn = mg_json_get(call, "function");
	const char *name = mg_json_get_string(fn, "name");
	const char *args = mg_json_get_string(fn, "arguments");

	if (out->have_tool || !name || strcmp(name, mg_llm_tool_name(cfg)) != 0)
		return 0;
	out->have_tool = 1;
	mg_llm_copy(out->tool_id, sizeof(out->tool_id), mg_json_get_string(call, "id"));
	return mg_buf_set(&out->tool_input, args && *args ? args : "{}", args && *args ? strlen(args) : 2);
}

int mg_openai_parse(mg_llm_result *out, const mg_llm_config *cfg, const char *body, size_t len)
{
	const mg_json *choice, *msg;
	mg_json *root = NULL;
	int rc;

	if ((rc = mg_llm_json(&root, "openai response", body, len)) < 0)
		return rc;
	if ((rc = error_object(cfg, root)) <= 0)
		goto done;
	rc = 0;
	choice = mg_json_first(mg_json_get(root, "choices"));
	msg = mg_json_get(choice, "message");
	if (mg_json_type_of(msg) != MG_JSON_OBJECT) {
		rc = mg_error_set(MEMGIT_EREMOTE, "invalid openai response", NULL, "no choices[0].message");
		goto done;
	}
	mg_llm_copy(out->stop_reason, sizeof(out->stop_reason), mg_json_get_string(choice, "finish_reason"));
	read_usage(&out->usage, mg_json_get(root, "usage"));
	if (mg_json_get_string(msg, "content"))
		rc = mg_buf_puts(&out->text, mg_json_get_string(msg, "content"));
	for (const mg_json *c = mg_json_first(mg_json_get(msg, "tool_calls")); c && rc == 0;
	     c = mg_json_next(c))
		rc = tool_call(out, cfg, c);
done:
	mg_json_free(root);
	return rc;
}

/* ---- streaming ---------------------------------------------------------- */

/* {"index":0,"id":"call_..","type":"function","function":{"name":..,"arguments":""}}
 * first, then {"index":0,"function":{"arguments":"<piece>"}}. */
static int delta_tool_call(mg_llm_stream *s, const mg_json *tc)
{
	const mg_json *fn = mg_json_get(tc, "function");
	const char *args = mg_json_get_string(fn, "arguments");
	mg_llm_block *b = mg_llm_block_at(s, (int)mg_json_number(mg_json_get(tc, "index"), 0), 1);

	if (!b)
		return memgit_error_last()->code;
	if (mg_json_get_string(tc, "id"))
		mg_llm_copy(b->id, sizeof(b->id), mg_json_get_string(tc, "id"));
	if (mg_json_get_string(fn, "name"))
		mg_llm_copy(b->name, sizeof(b->name), mg_json_get_string(fn, "name"));
	return args ? mg_llm_block_append(s, b, args, strlen(args)) : 0;
}

static int chunk(mg_llm_stream *s, const mg_json *ch)
{
	const mg_json *choice = mg_json_first(mg_json_get(ch, "choices"));
	const mg_json *delta = mg_json_get(choice, "delta");
	const char *text = mg_json_get_string(delta, "content");
	const char *stop = mg_json_get_string(choice, "finish_reason");
	int rc = 0;

	s->started = 1;
	read_usage(&s->result->usage, mg_json_get(ch, "usage"));
	if (stop)
		mg_llm_copy(s->result->stop_reason, sizeof(s->result->stop_reason), stop);
	if (text && *text) {
		mg_llm_block *b = mg_llm_block_at(s, TEXT_INDEX, 0);
		rc = b ? mg_llm_block_append(s, b, text, strlen(text)) : memgit_error_last()->code;
	}
	for (const mg_json *tc = mg_json_first(mg_json_get(delta, "tool_calls")); tc && rc == 0;
	     tc = mg_json_next(tc))
		rc = delta_tool_call(s, tc);
	return rc;
}

int mg_openai_event(mg_llm_stream *s, const char *data, size_t len)
{
	mg_json *ch = NULL;
	int rc;

	if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
		s->done = 1;
		return 0;
	}
	if ((rc = mg_llm_json(&ch, "openai stream chunk", data, len)) < 0)
		return rc;
	if ((rc = error_object(s->cfg, ch)) > 0)
		rc = chunk(s, ch);
	mg_json_free(ch);
	return rc;
}
