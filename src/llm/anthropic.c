/*
 * anthropic.c: the Anthropic Messages API wire format (POST /v1/messages,
 * docs/providers.md): the request body, a complete response, and the
 * server-sent events of a streaming one.
 */
#include <string.h>

#include "llm/provider.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/jsonw.h"

#define DEFAULT_MAX_TOKENS 8192
/* A system block; cache_control marks the end of a stable prefix, so the
 * instructions (the same in every dream) and the memory (the same in every
 * chunk of one dream) are each read from the cache after the first request. */
static void system_block(mg_jsonw *w, const char *text)
{
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "type");
	mg_jsonw_string(w, "text");
	mg_jsonw_key(w, "text");
	mg_jsonw_string(w, text);
	mg_jsonw_key(w, "cache_control");
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "type");
	mg_jsonw_string(w, "ephemeral");
	mg_jsonw_object_close(w);
	mg_jsonw_object_close(w);
}

static void messages(mg_jsonw *w, const mg_llm_prompt *p)
{
	mg_jsonw_key(w, "messages");
	mg_jsonw_array_open(w);
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "role");
	mg_jsonw_string(w, "user");
	mg_jsonw_key(w, "content");
	mg_jsonw_array_open(w);
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "type");
	mg_jsonw_string(w, "text");
	mg_jsonw_key(w, "text");
	mg_jsonw_string(w, p->task);
	mg_jsonw_object_close(w);
	mg_jsonw_array_close(w);
	mg_jsonw_object_close(w);
	mg_jsonw_array_close(w);
}

static void tools(mg_jsonw *w, const mg_llm_config *cfg, const char *schema)
{
	mg_jsonw_key(w, "tools");
	mg_jsonw_array_open(w);
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "name");
	mg_jsonw_string(w, mg_llm_tool_name(cfg));
	mg_jsonw_key(w, "description");
	mg_jsonw_string(w, mg_llm_tool_description(cfg));
	mg_jsonw_key(w, "input_schema");
	mg_jsonw_raw(w, schema);
	mg_jsonw_object_close(w);
	mg_jsonw_array_close(w);
	/* forced: the edits never come back as prose */
	mg_jsonw_key(w, "tool_choice");
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "type");
	mg_jsonw_string(w, "tool");
	mg_jsonw_key(w, "name");
	mg_jsonw_string(w, mg_llm_tool_name(cfg));
	mg_jsonw_object_close(w);
}

int mg_anthropic_request(memgit_buf *out, const mg_llm_config *cfg, const mg_llm_prompt *p)
{
	const char *schema = mg_llm_tool_schema(cfg);
	mg_jsonw w;

	if (!schema)
		return mg_error_set(MEMGIT_ERROR, "cannot build request", "anthropic", "no tool schema");
	mg_jsonw_init(&w, out, 0);
	mg_jsonw_object_open(&w);
	mg_jsonw_key(&w, "model");
	mg_jsonw_string(&w, cfg->model);
	mg_jsonw_key(&w, "max_tokens");
	mg_jsonw_int(&w, cfg->max_tokens ? cfg->max_tokens : DEFAULT_MAX_TOKENS);
	mg_jsonw_key(&w, "system");
	mg_jsonw_array_open(&w);
	system_block(&w, p->instructions && *p->instructions ? p->instructions : mg_llm_tool_description(cfg));
	if (p->memory && *p->memory)
		system_block(&w, p->memory);
	mg_jsonw_array_close(&w);
	messages(&w, p);
	tools(&w, cfg, schema);
	mg_jsonw_key(&w, "stream");
	mg_jsonw_bool(&w, p->stream);
	mg_jsonw_object_close(&w);
	return mg_jsonw_finish(&w);
}

/* ---- responses ---------------------------------------------------------- */

/* Overwrite the counts a usage object carries: message_delta repeats only
 * some of message_start's, and its output_tokens is the running total. */
static void read_usage(mg_llm_usage *u, const mg_json *usage)
{
	const mg_json *v;

	if ((v = mg_json_get(usage, "input_tokens")) && mg_json_type_of(v) == MG_JSON_NUMBER)
		u->input = (int64_t)mg_json_number(v, 0);
	if ((v = mg_json_get(usage, "output_tokens")) && mg_json_type_of(v) == MG_JSON_NUMBER)
		u->output = (int64_t)mg_json_number(v, 0);
	if ((v = mg_json_get(usage, "cache_creation_input_tokens")) && mg_json_type_of(v) == MG_JSON_NUMBER)
		u->cache_creation = (int64_t)mg_json_number(v, 0);
	if ((v = mg_json_get(usage, "cache_read_input_tokens")) && mg_json_type_of(v) == MG_JSON_NUMBER)
		u->cache_read = (int64_t)mg_json_number(v, 0);
}

/* {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}} */
static int error_object(const mg_llm_config *cfg, const mg_json *root)
{
	const mg_json *e = mg_json_get(root, "error");
	return mg_llm_remote_error(cfg, mg_json_get_string(e, "type"), mg_json_get_string(e, "message"));
}

static int content_block(mg_llm_result *out, const mg_llm_config *cfg, const mg_json *b)
{
	const char *type = mg_json_get_string(b, "type");

	if (type && strcmp(type, "text") == 0 && mg_json_get_string(b, "text"))
		return mg_buf_puts(&out->text, mg_json_get_string(b, "text"));
	if (!type || strcmp(type, "tool_use") != 0 || out->have_tool)
		return 0;
	if (!mg_json_get_string(b, "name") || strcmp(mg_json_get_string(b, "name"), mg_llm_tool_name(cfg)) != 0)
		return 0;
	out->have_tool = 1;
	mg_llm_copy(out->tool_id, sizeof(out->tool_id), mg_json_get_string(b, "id"));
	if (mg_json_type_of(mg_json_get(b, "input")) != MG_JSON_OBJECT)
		return mg_error_set(MEMGIT_EREMOTE, "invalid anthropic response", mg_llm_tool_name(cfg),
			"tool input is not an object");
	return mg_json_print(&out->tool_input, mg_json_get(b, "input"));
}

int mg_anthropic_parse(mg_llm_result *out, const mg_llm_config *cfg, const char *body, size_t len)
{
	mg_json *root = NULL;
	const char *type;
	int rc;

	if ((rc = mg_llm_json(&root, "anthropic response", body, len)) < 0)
		return rc;
	type = mg_json_get_string(root, "type");
	if (type && strcmp(type, "error") == 0) {
		rc = error_object(cfg, root);
		goto done;
	}
	if (!type || strcmp(type, "message") != 0) {
		rc = mg_error_set(MEMGIT_EREMOTE, "invalid anthropic response", NULL,
			"expected a message, got type '%.40s'", type ? type : "none");
		goto done;
	}
	mg_llm_copy(out->stop_reason, sizeof(out->stop_reason), mg_json_get_string(root, "stop_reason"));
	read_usage(&out->usage, mg_json_get(root, "usage"));
	for (const mg_json *b = mg_json_first(mg_json_get(root, "content")); b && rc == 0;
	     b = mg_json_next(b))
		rc = content_block(out, cfg, b);
done:
	mg_json_free(root);
	return rc;
}

/* ---- streaming ---------------------------------------------------------- */

static int block_start(mg_llm_stream *s, const mg_json *ev)
{
	const mg_json *cb = mg_json_get(ev, "content_block");
	const char *type = mg_json_get_string(cb, "type");
	int index = (int)mg_json_number(mg_json_get(ev, "index"), -1);
	mg_llm_block *b;

	/* thinking and server-tool blocks carry nothing memgit reads */
	if (!type || (strcmp(type, "tool_use") != 0 && strcmp(type, "text") != 0))
		return 0;
	if (!(b = mg_llm_block_at(s, index, strcmp(type, "tool_use") == 0)))
		return memgit_error_last()->code;
	if (b->is_tool) {
		mg_llm_copy(b->id, sizeof(b->id), mg_json_get_string(cb, "id"));
		mg_llm_copy(b->name, sizeof(b->name), mg_json_get_string(cb, "name"));
		return 0;
	}
	if (mg_json_get_string(cb, "text"))
		return mg_llm_block_append(s, b, mg_json_get_string(cb, "text"),
			strlen(mg_json_get_string(cb, "text")));
	return 0;
}

static int block_delta(mg_llm_stream *s, const mg_json *ev)
{
	const mg_json *d = mg_json_get(ev, "delta");
	const char *type = mg_json_get_string(d, "type");
	int index = (int)mg_json_number(mg_json_get(ev, "index"), -1);
	const char *piece = NULL;
	mg_llm_block *b;

	if (type && strcmp(type, "input_json_delta") == 0)
		piece = mg_json_get_string(d, "partial_json");
	else if (type && strcmp(type, "text_delta") == 0)
		piece = mg_json_get_string(d, "text");
	if (!piece) /* thinking_delta, signature_delta, ... */
		return 0;
	if (!(b = mg_llm_block_at(s, index, strcmp(type, "input_json_delta") == 0)))
		return memgit_error_last()->code;
	return mg_llm_block_append(s, b, piece, strlen(piece));
}

static int dispatch(mg_llm_stream *s, const char *name, const mg_json *ev)
{
	if (strcmp(name, "message_start") == 0) {
		s->started = 1;
		read_usage(&s->result->usage, mg_json_get(mg_json_get(ev, "message"), "usage"));
		return 0;
	}
	if (strcmp(name, "content_block_start") == 0)
		return block_start(s, ev);
	if (strcmp(name, "content_block_delta") == 0)
		return block_delta(s, ev);
	if (strcmp(name, "message_delta") == 0) {
		const char *stop = mg_json_get_string(mg_json_get(ev, "delta"), "stop_reason");
		if (stop)
			mg_llm_copy(s->result->stop_reason, sizeof(s->result->stop_reason), stop);
		read_usage(&s->result->usage, mg_json_get(ev, "usage"));
		return 0;
	}
	if (strcmp(name, "message_stop") == 0)
		s->done = 1;
	else if (strcmp(name, "error") == 0)
		return error_object(s->cfg, ev);
	return 0; /* content_block_stop, ping, and events added later */
}

static int known(const char *name)
{
	static const char *const names[] = { "message_start", "content_block_start",
		"content_block_delta", "content_block_stop", "message_delta", "message_stop", "ping",
		"error" };

	for (size_t i = 0; name && i < sizeof(names) / sizeof(*names); i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

int mg_anthropic_event(mg_llm_stream *s, const char *event, const char *data, size_t len)
{
	mg_json *ev = NULL;
	const char *name;
	int rc;

	/* an unknown event is not even parsed: its data is not ours to judge */
	if (event && *event && strcmp(event, "message") != 0 && !known(event))
		return 0;
	if ((rc = mg_llm_json(&ev, "anthropic stream event", data, len)) < 0)
		return rc;
	name = event && known(event) ? event : mg_json_get_string(ev, "type");
	if (known(name))
		rc = dispatch(s, name, ev);
	mg_json_free(ev);
	return rc;
}
