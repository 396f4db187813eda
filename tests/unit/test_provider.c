/* test_provider.c: the provider wire formats against recorded fixtures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "json/json.h"
#include "llm/provider.h"
#include "memgit/errors.h"
#include "util/buf.h"
#include "util/jsonw.h"

#define KEY "sk-ant-api03-PLANTEDkey0123456789abcdefXYZ"
#define PLAIN_KEY "hunter2-local-server-key"

static const mg_llm_config anthropic = { MG_LLM_ANTHROPIC, "claude-opus-4-7", KEY, NULL, 4096 };
static const mg_llm_config openai = { MG_LLM_OPENAI, "gpt-4o", PLAIN_KEY, NULL, 0 };

static char *fixture(const char *name, size_t *len)
{
	char path[1024];
	char *text;

	snprintf(path, sizeof(path), "%s/llm/%s", getenv("MEMGIT_FIXTURES"), name);
	if (!(text = t_read_file(path, len)))
		fail_msg("cannot read fixture %s", path);
	return text;
}

/* Feed a transcript of "event:/data:" blocks separated by blank lines. */
static int replay_sse(mg_llm_stream *s, const char *text)
{
	const char *p = text;
	int rc = 0;

	while (*p && rc == 0) {
		const char *end = strstr(p, "\n\n");
		char event[64] = "";
		memgit_buf data = MEMGIT_BUF_INIT;
		size_t blen = end ? (size_t)(end - p) : strlen(p);
		for (const char *l = p; l < p + blen;) {
			const char *nl = memchr(l, '\n', (size_t)(p + blen - l));
			size_t ll = nl ? (size_t)(nl - l) : (size_t)(p + blen - l);
			if (ll > 7 && strncmp(l, "event: ", 7) == 0)
				snprintf(event, sizeof(event), "%.*s", (int)(ll - 7), l + 7);
			else if (ll >= 6 && strncmp(l, "data: ", 6) == 0)
				mg_buf_put(&data, l + 6, ll - 6);
			l += ll + 1;
		}
		if (data.ptr)
			rc = mg_llm_stream_event(event[0] ? event : NULL, data.ptr, data.size, s);
		memgit_buf_dispose(&data);
		p = end ? end + 2 : p + blen;
	}
	return rc;
}

static int stream_fixture(mg_llm_result *r, const mg_llm_config *cfg, const char *name)
{
	char *text = fixture(name, NULL);
	mg_llm_stream s;
	int rc;

	mg_llm_stream_init(&s, cfg, r);
	rc = replay_sse(&s, text);
	if (rc == 0)
		rc = mg_llm_stream_finish(&s);
	mg_llm_stream_dispose(&s);
	free(text);
	return rc;
}

static int parse_fixture(mg_llm_result *r, const mg_llm_config *cfg, const char *name)
{
	size_t len;
	char *text = fixture(name, &len);
	int rc = mg_llm_parse_response(r, cfg, text, len);

	free(text);
	return rc;
}

static void assert_error_has(const char *needle)
{
	const char *m = memgit_error_last()->message;
	if (!strstr(m, needle))
		fail_msg("error '%s' lacks '%s'", m, needle);
	assert_null(strstr(m, KEY));
	assert_null(strstr(m, PLAIN_KEY));
}

/* ---- edits -------------------------------------------------------------- */

static void edits_of(mg_edit_list *out, const mg_llm_result *r)
{
	memgit_buf problems = MEMGIT_BUF_INIT;

	assert_int_equal(mg_provider_parse_edits(out, r->tool_input.ptr, r->tool_input.size, &problems), 0);
	assert_string_equal(mg_buf_cstr(&problems), "");
	memgit_buf_dispose(&problems);
}

static void assert_expected_edits(const mg_edit_list *l)
{
	assert_int_equal(l->n, 5);
	assert_int_equal(l->items[0].kind, MEMGIT_EDIT_CREATE);
	assert_string_equal(l->items[0].path, "procedures/tests.md");
	assert_string_equal(l->items[0].content, "---\ntype: procedure\n---\nRun `ctest --test-dir build -j2`.\n");
	assert_int_equal(l->items[0].nevidence, 2);
	assert_string_equal(l->items[0].evidence[1], "cc-a42b9c92#300-302");
	assert_int_equal(l->items[1].kind, MEMGIT_EDIT_UPDATE);
	assert_string_equal(l->items[1].content, "---\ntype: fact\n---\nThe project uses Python 3.12 (\"python3\").\n");
	assert_int_equal(l->items[2].kind, MEMGIT_EDIT_MERGE);
	assert_int_equal(l->items[2].nmerged, 2);
	assert_string_equal(l->items[2].merged[1], "tests/ctest.md");
	assert_non_null(strstr(l->items[2].content, "\xc3\xa9t\xc3\xa9 \xe2\x80\x94"));
	assert_int_equal(l->items[3].kind, MEMGIT_EDIT_MOVE);
	assert_string_equal(l->items[3].to, "prefs/style.md");
	assert_null(l->items[3].content);
	assert_int_equal(l->items[4].kind, MEMGIT_EDIT_DELETE);
	assert_string_equal(l->items[4].rationale, "superseded by facts/python.md");
}

static void assert_same_edits(const mg_edit_list *a, const mg_edit_list *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const mg_edit *x = &a->items[i], *y = &b->items[i];
		assert_int_equal(x->kind, y->kind);
		assert_string_equal(x->path, y->path);
		assert_string_equal(x->to ? x->to : "", y->to ? y->to : "");
		assert_int_equal(x->content_len, y->content_len);
		assert_memory_equal(x->content ? x->content : "", y->content ? y->content : "", x->content_len);
		assert_string_equal(x->rationale, y->rationale);
		assert_int_equal(x->nmerged, y->nmerged);
		for (size_t j = 0; j < x->nmerged; j++)
			assert_string_equal(x->merged[j], y->merged[j]);
		assert_int_equal(x->nevidence, y->nevidence);
		for (size_t j = 0; j < x->nevidence; j++)
			assert_string_equal(x->evidence[j], y->evidence[j]);
	}
}

static unsigned field_bit(const char *key)
{
	static const char *const keys[] = { "path", "to", "merged", "content", "rationale", "evidence" };
	for (unsigned i = 0; i < 6; i++)
		if (strcmp(key, keys[i]) == 0)
			return 1u << i;
	return strcmp(key, "kind") == 0 ? 0 : 1u << 10;
}

static void test_schema_matches_validator(void **state)
{
	size_t len;
	const char *schema = mg_provider_edit_schema(&len);
	mg_json *root = NULL;
	const mg_json *any;
	unsigned seen = 0;
	(void)state;

	assert_non_null(schema);
	assert_int_equal(mg_json_parse(&root, schema, len, NULL), 0);
	assert_string_equal(mg_json_get_string(root, "type"), "object");
	any = mg_json_get(mg_json_get(mg_json_get(mg_json_get(root, "properties"), "edits"), "items"), "anyOf");
	assert_int_equal(mg_json_count(any), 5);
	for (const mg_json *v = mg_json_first(any); v; v = mg_json_next(v)) {
		const mg_json *props = mg_json_get(v, "properties");
		const char *kind = mg_json_string(mg_json_first(mg_json_get(mg_json_get(props, "kind"), "enum")));
		unsigned req = 0, allowed = 0, k;
		for (k = 0; k < 5 && strcmp(kind, memgit_edit_kind_name((memgit_edit_kind)k)) != 0; k++)
			;
		assert_true(k < 5);
		seen |= 1u << k;
		for (const mg_json *r = mg_json_first(mg_json_get(v, "required")); r; r = mg_json_next(r))
			req |= field_bit(mg_json_string(r));
		for (const mg_json *p = mg_json_first(props); p; p = mg_json_next(p))
			allowed |= field_bit(mg_json_key(p));
		assert_int_equal(req, mg_provider_edit_fields((memgit_edit_kind)k));
		assert_int_equal(allowed, mg_provider_edit_fields((memgit_edit_kind)k));
		assert_int_equal(mg_json_bool(mg_json_get(v, "additionalProperties")), 0);
	}
	assert_int_equal(seen, 0x1f);
	mg_json_free(root);
}

static void test_schema_violations_dropped(void **state)
{
	size_t len;
	char *text = fixture("edits_invalid.json", &len);
	char *expected = fixture("edits_invalid.expected", NULL);
	mg_edit_list l = { 0 };
	memgit_buf problems = MEMGIT_BUF_INIT;
	(void)state;

	assert_int_equal(mg_provider_parse_edits(&l, text, len, &problems), 0);
	assert_string_equal(mg_buf_cstr(&problems), expected);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].path, "notes/ok.md");
	assert_int_equal(l.items[1].kind, MEMGIT_EDIT_DELETE);
	assert_null(l.items[1].to);
	mg_edit_list_dispose(&l);
	memgit_buf_dispose(&problems);
	free(text);
	free(expected);
}

static void test_malformed_refused_with_position(void **state)
{
	mg_edit_list l = { 0 };
	memgit_buf problems = MEMGIT_BUF_INIT;
	mg_llm_result r;
	const char *cut = "{\"edits\":[{\"kind\":\"delete\",\"path\":\"a.md\",\"ratio";
	(void)state;

	assert_int_equal(mg_provider_parse_edits(&l, cut, strlen(cut), &problems), MEMGIT_EINPUT);
	assert_error_has("line 1, column");
	assert_int_equal(mg_provider_parse_edits(&l, "[1]", 3, &problems), MEMGIT_EINPUT);
	assert_error_has("\"edits\" list");
	assert_int_equal(l.n, 0);
	mg_llm_result_init(&r);
	assert_int_equal(mg_llm_parse_response(&r, &anthropic, "{\"type\": mess}", 14), MEMGIT_EINPUT);
	assert_error_has("line 1, column 10");
	assert_int_equal(mg_llm_parse_response(&r, &openai, "<html>502</html>", 16), MEMGIT_EINPUT);
	assert_error_has("openai response");
	mg_llm_result_dispose(&r);
	memgit_buf_dispose(&problems);
}

/* ---- requests ----------------------------------------------------------- */

static mg_json *request(const mg_llm_config *cfg, int stream, const char *memory)
{
	mg_llm_prompt p = { "You consolidate memories.", memory, "Sessions:\ncc-1 ...", stream };
	memgit_buf body = MEMGIT_BUF_INIT;
	mg_json *root = NULL;

	assert_int_equal(mg_llm_request(&body, cfg, &p), 0);
	assert_null(strstr(body.ptr, cfg->api_key));
	assert_int_equal(mg_json_parse(&root, body.ptr, body.size, NULL), 0);
	memgit_buf_dispose(&body);
	return root;
}

static void test_anthropic_request(void **state)
{
	mg_json *root = request(&anthropic, 1, "memories/a.md: alpha");
	const mg_json *sys = mg_json_get(root, "system"), *tool, *msg;
	(void)state;

	assert_string_equal(mg_json_get_string(root, "model"), "claude-opus-4-7");
	assert_true(mg_json_number(mg_json_get(root, "max_tokens"), 0) == 4096);
	assert_int_equal(mg_json_bool(mg_json_get(root, "stream")), 1);
	assert_int_equal(mg_json_count(sys), 2);
	for (const mg_json *b = mg_json_first(sys); b; b = mg_json_next(b)) {
		assert_string_equal(mg_json_get_string(b, "type"), "text");
		assert_string_equal(mg_json_get_string(mg_json_get(b, "cache_control"), "type"), "ephemeral");
	}
	assert_string_equal(mg_json_get_string(mg_json_next(mg_json_first(sys)), "text"), "memories/a.md: alpha");
	msg = mg_json_first(mg_json_get(root, "messages"));
	assert_string_equal(mg_json_get_string(msg, "role"), "user");
	assert_null(mg_json_get(mg_json_first(mg_json_get(msg, "content")), "cache_control"));
	assert_string_equal(mg_json_get_string(mg_json_first(mg_json_get(msg, "content")), "text"),
		"Sessions:\ncc-1 ...");
	tool = mg_json_first(mg_json_get(root, "tools"));
	assert_int_equal(mg_json_count(mg_json_get(root, "tools")), 1);
	assert_string_equal(mg_json_get_string(tool, "name"), "propose_edits");
	assert_non_null(mg_json_get(mg_json_get(mg_json_get(tool, "input_schema"), "properties"), "edits"));
	assert_string_equal(mg_json_get_string(mg_json_get(root, "tool_choice"), "type"), "tool");
	assert_string_equal(mg_json_get_string(mg_json_get(root, "tool_choice"), "name"), "propose_edits");
	mg_json_free(root);
	root = request(&anthropic, 0, NULL);
	assert_int_equal(mg_json_bool(mg_json_get(root, "stream")), 0);
	assert_int_equal(mg_json_count(mg_json_get(root, "system")), 1);
	mg_json_free(root);
}

static void test_openai_request(void **state)
{
	mg_json *root = request(&openai, 1, "memories/a.md: alpha");
	const mg_json *msgs = mg_json_get(root, "messages"), *fn;
	(void)state;

	assert_string_equal(mg_json_get_string(root, "model"), "gpt-4o");
	assert_int_equal(mg_json_count(msgs), 2);
	assert_string_equal(mg_json_get_string(mg_json_first(msgs), "role"), "system");
	assert_string_equal(mg_json_get_string(mg_json_first(msgs), "content"),
		"You consolidate memories.\n\nmemories/a.md: alpha");
	assert_string_equal(mg_json_get_string(mg_json_next(mg_json_first(msgs)), "role"), "user");
	fn = mg_json_get(mg_json_first(mg_json_get(root, "tools")), "function");
	assert_string_equal(mg_json_get_string(mg_json_first(mg_json_get(root, "tools")), "type"), "function");
	assert_string_equal(mg_json_get_string(fn, "name"), "propose_edits");
	assert_string_equal(mg_json_get_string(mg_json_get(fn, "parameters"), "type"), "object");
	assert_string_equal(mg_json_get_string(mg_json_get(root, "tool_choice"), "type"), "function");
	assert_string_equal(mg_json_get_string(mg_json_get(mg_json_get(root, "tool_choice"), "function"), "name"),
		"propose_edits");
	assert_int_equal(mg_json_bool(mg_json_get(root, "stream")), 1);
	assert_int_equal(mg_json_bool(mg_json_get(mg_json_get(root, "stream_options"), "include_usage")), 1);
	mg_json_free(root);
	root = request(&openai, 0, NULL);
	assert_int_equal(mg_json_bool(mg_json_get(root, "stream")), 0);
	assert_null(mg_json_get(root, "stream_options"));
	mg_json_free(root);
}

static const char *header(const mg_http_header *h, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(h[i].name, name) == 0)
			return h[i].value;
	return NULL;
}

static void test_headers_and_refusals(void **state)
{
	mg_http_header h[MG_LLM_MAX_HEADERS];
	mg_llm_config beta = anthropic, nomodel = openai, keyless = openai, nokey = anthropic;
	mg_llm_prompt p = { NULL, NULL, "task", 0 };
	memgit_buf scratch = MEMGIT_BUF_INIT, body = MEMGIT_BUF_INIT;
	size_t n;
	(void)state;

	beta.beta = "prompt-caching-2024-07-31";
	assert_int_equal(mg_llm_headers(h, &n, &beta, &scratch), 0);
	assert_int_equal(n, 4);
	assert_string_equal(header(h, n, "x-api-key"), KEY);
	assert_string_equal(header(h, n, "anthropic-version"), "2023-06-01");
	assert_string_equal(header(h, n, "content-type"), "application/json");
	assert_string_equal(header(h, n, "anthropic-beta"), "prompt-caching-2024-07-31");
	assert_int_equal(mg_llm_headers(h, &n, &anthropic, &scratch), 0);
	assert_null(header(h, n, "anthropic-beta"));
	assert_int_equal(mg_llm_headers(h, &n, &openai, &scratch), 0);
	assert_string_equal(header(h, n, "authorization"), "Bearer " PLAIN_KEY);
	assert_null(header(h, n, "x-api-key"));
	assert_string_equal(mg_llm_endpoint(MG_LLM_ANTHROPIC), "/v1/messages");
	assert_string_equal(mg_llm_endpoint(MG_LLM_OPENAI), "/chat/completions");
	nomodel.model = NULL;
	assert_int_equal(mg_llm_request(&body, &nomodel, &p), MEMGIT_EINPUT);
	assert_error_has("no model");
	nokey.api_key = NULL;
	assert_int_equal(mg_llm_headers(h, &n, &nokey, &scratch), MEMGIT_EINPUT);
	assert_error_has("no API key");
	/* a keyless local OpenAI-compatible server: no authorization header */
	keyless.api_key = NULL;
	assert_int_equal(mg_llm_headers(h, &n, &keyless, &scratch), 0);
	assert_null(header(h, n, "authorization"));
	assert_string_equal(header(h, n, "content-type"), "application/json");
	memgit_buf_dispose(&scratch);
	memgit_buf_dispose(&body);
}

/* ---- responses ---------------------------------------------------------- */

static void test_anthropic_response_and_stream(void **state)
{
	mg_llm_result a, b;
	mg_edit_list la = { 0 }, lb = { 0 };
	(void)state;

	mg_llm_result_init(&a);
	mg_llm_result_init(&b);
	assert_int_equal(parse_fixture(&a, &anthropic, "anthropic_response.json"), 0);
	assert_int_equal(stream_fixture(&b, &anthropic, "anthropic_stream.sse"), 0);
	for (mg_llm_result *r = &a; r; r = r == &a ? &b : NULL) {
		assert_string_equal(r->tool_id, "toolu_01A09q90qw90lq917835lq9");
		assert_string_equal(r->stop_reason, "tool_use");
		assert_string_equal(r->text.ptr, "I will merge the duplicate test notes.");
		assert_int_equal(r->usage.input, 2095);
		assert_int_equal(r->usage.output, 3120);
		assert_int_equal(r->usage.cache_creation, 0);
		assert_int_equal(r->usage.cache_read, 40110);
	}
	edits_of(&la, &a);
	edits_of(&lb, &b);
	assert_expected_edits(&la);
	assert_same_edits(&la, &lb);
	mg_edit_list_dispose(&la);
	mg_edit_list_dispose(&lb);
	mg_llm_result_dispose(&a);
	mg_llm_result_dispose(&b);
}

static void test_openai_response_and_stream(void **state)
{
	mg_llm_result a, b;
	mg_edit_list la = { 0 }, lb = { 0 };
	(void)state;

	mg_llm_result_init(&a);
	mg_llm_result_init(&b);
	assert_int_equal(parse_fixture(&a, &openai, "openai_response.json"), 0);
	assert_int_equal(stream_fixture(&b, &openai, "openai_stream.sse"), 0);
	for (mg_llm_result *r = &a; r; r = r == &a ? &b : NULL) {
		assert_string_equal(r->tool_id, "call_12345xyz");
		assert_string_equal(r->stop_reason, "tool_calls");
		assert_int_equal(r->usage.input, 42205 - 40110);
		assert_int_equal(r->usage.output, 3120);
		assert_int_equal(r->usage.cache_read, 40110);
		assert_int_equal(r->text.size, 0);
	}
	edits_of(&la, &a);
	edits_of(&lb, &b);
	assert_expected_edits(&la);
	assert_same_edits(&la, &lb);
	mg_edit_list_dispose(&la);
	mg_edit_list_dispose(&lb);
	mg_llm_result_dispose(&a);
	mg_llm_result_dispose(&b);
}

/* The streams tests/llm/model_server.py sends (saved by
 * tests/cli/test_model_server.sh, which checks the server still sends these
 * bytes): the scripted edits of edits_expected.json, a text block first. */
static void test_model_server_streams(void **state)
{
	static const struct {
		const mg_llm_config *cfg;
		const char *name, *tool_id, *stop;
	} cases[] = {
		{ &anthropic, "server_anthropic_stream.sse", "toolu_mock000001", "tool_use" },
		{ &openai, "server_openai_stream.sse", "call_mock000002", "tool_calls" },
	};
	mg_llm_result ref;
	mg_edit_list lref = { 0 };
	(void)state;

	mg_llm_result_init(&ref);
	assert_int_equal(parse_fixture(&ref, &anthropic, "anthropic_response.json"), 0);
	edits_of(&lref, &ref);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		mg_llm_result r;
		mg_edit_list l = { 0 };
		mg_llm_result_init(&r);
		assert_int_equal(stream_fixture(&r, cases[i].cfg, cases[i].name), 0);
		assert_string_equal(r.tool_id, cases[i].tool_id);
		assert_string_equal(r.stop_reason, cases[i].stop);
		assert_string_equal(r.text.ptr, "I will merge the duplicate test notes.");
		assert_int_equal(r.usage.input, 2095);
		assert_int_equal(r.usage.output, 3120);
		assert_int_equal(r.usage.cache_read, 40110);
		assert_int_equal(r.usage.cache_creation, 0);
		edits_of(&l, &r);
		assert_expected_edits(&l);
		assert_same_edits(&lref, &l);
		mg_edit_list_dispose(&l);
		mg_llm_result_dispose(&r);
	}
	mg_edit_list_dispose(&lref);
	mg_llm_result_dispose(&ref);
}

/* ---- streaming in odd chunkings ----------------------------------------- */

static void feed_json(mg_llm_stream *s, const char *event, const char *prefix, const char *piece,
	size_t len, const char *suffix)
{
	memgit_buf b = MEMGIT_BUF_INIT;
	mg_jsonw w;

	mg_buf_puts(&b, prefix);
	mg_jsonw_init(&w, &b, 0);
	mg_jsonw_string_len(&w, piece, len);
	assert_int_equal(mg_jsonw_finish(&w), 0);
	mg_buf_puts(&b, suffix);
	assert_int_equal(mg_llm_stream_event(event, b.ptr, b.size, s), 0);
	memgit_buf_dispose(&b);
}

static size_t progress_tool;

static void on_progress(size_t text, size_t tool, void *payload)
{
	(void)text;
	(void)payload;
	assert_true(tool >= progress_tool);
	progress_tool = tool;
}

/* The tool input cut into `step`-byte pieces (never inside a UTF-8
 * character: a server's JSON string cannot split one) and streamed. */
static void rechunked(mg_llm_result *r, const mg_llm_config *cfg, const char *input, size_t step)
{
	const int ant = cfg->kind == MG_LLM_ANTHROPIC;
	size_t len = strlen(input);
	mg_llm_stream s;

	mg_llm_stream_init(&s, cfg, r);
	s.progress = on_progress;
	progress_tool = 0;
	if (ant) {
		const char *ms = "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":7,\"output_tokens\":1}}}";
		const char *bs = "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
				 "{\"type\":\"tool_use\",\"id\":\"toolu_x\",\"name\":\"propose_edits\",\"input\":{}}}";
		assert_int_equal(mg_llm_stream_event("message_start", ms, strlen(ms), &s), 0);
		assert_int_equal(mg_llm_stream_event("content_block_start", bs, strlen(bs), &s), 0);
	} else {
		feed_json(&s, NULL, "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_x\","
			"\"function\":{\"name\":\"propose_edits\",\"arguments\":", "", 0, "}}]}}]}");
	}
	for (size_t i = 0; i < len;) {
		size_t n = i + step < len ? step : len - i;
		while (i + n < len && ((unsigned char)input[i + n] & 0xc0) == 0x80)
			n++;
		if (ant)
			feed_json(&s, "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
				"\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":", input + i, n, "}}");
		else
			feed_json(&s, NULL, "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
				"\"function\":{\"arguments\":", input + i, n, "}}]}}]}");
		i += n;
	}
	if (ant)
		assert_int_equal(mg_llm_stream_event("message_stop", "{\"type\":\"message_stop\"}", 23, &s), 0);
	else
		assert_int_equal(mg_llm_stream_event(NULL, "[DONE]", 6, &s), 0);
	assert_int_equal(mg_llm_stream_finish(&s), 0);
	assert_int_equal(progress_tool, len);
	mg_llm_stream_dispose(&s);
}

static void test_odd_chunkings_same_result(void **state)
{
	static const size_t steps[] = { 1, 2, 3, 5, 7, 13, 64, 100000 };
	const mg_llm_config *cfgs[] = { &anthropic, &openai };
	mg_llm_result ref;
	mg_edit_list lref = { 0 };
	(void)state;

	mg_llm_result_init(&ref);
	assert_int_equal(parse_fixture(&ref, &anthropic, "anthropic_response.json"), 0);
	edits_of(&lref, &ref);
	for (size_t c = 0; c < 2; c++)
		for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++) {
			mg_llm_result r;
			mg_edit_list l = { 0 };
			mg_llm_result_init(&r);
			rechunked(&r, cfgs[c], ref.tool_input.ptr, steps[i]);
			assert_string_equal(r.tool_input.ptr, ref.tool_input.ptr);
			edits_of(&l, &r);
			assert_same_edits(&lref, &l);
			mg_edit_list_dispose(&l);
			mg_llm_result_dispose(&r);
		}
	mg_edit_list_dispose(&lref);
	mg_llm_result_dispose(&ref);
}

static void test_unknown_events_ignored(void **state)
{
	mg_llm_result r;
	mg_llm_stream s;
	const char *ev[][2] = {
		{ "message_start", "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":3}}}" },
		{ "future_event", "not even json" },
		{ NULL, "{\"type\":\"brand_new\",\"x\":1}" },
		{ "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}" },
		{ "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}" },
		{ "content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"propose_edits\",\"input\":{}}}" },
		{ "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"edits\\\":[]}\"}}" },
		{ "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"citations_delta\"}}" },
		{ "ping", "{\"type\": \"ping\"}" },
		{ "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":9}}" },
		{ "message_stop", "{\"type\":\"message_stop\"}" },
	};
	(void)state;

	mg_llm_result_init(&r);
	mg_llm_stream_init(&s, &anthropic, &r);
	for (size_t i = 0; i < sizeof(ev) / sizeof(*ev); i++)
		assert_int_equal(mg_llm_stream_event(ev[i][0], ev[i][1], strlen(ev[i][1]), &s), 0);
	assert_int_equal(mg_llm_stream_finish(&s), 0);
	assert_string_equal(r.tool_input.ptr, "{\"edits\":[]}");
	assert_int_equal(r.usage.input, 3);
	assert_int_equal(r.usage.output, 9);
	assert_int_equal(r.text.size, 0);
	mg_llm_stream_dispose(&s);
	mg_llm_result_dispose(&r);
}

/* ---- failures ----------------------------------------------------------- */

static void test_error_objects_and_events(void **state)
{
	mg_llm_result r;
	const char *vllm = "{\"object\":\"error\",\"message\":\"The model `x` does not exist.\",\"type\":\"NotFoundError\",\"param\":null,\"code\":404}";
	const char *ollama = "{\"error\":\"model \\\"llama9\\\" not found, try pulling it first\"}";
	(void)state;

	mg_llm_result_init(&r);
	assert_int_equal(parse_fixture(&r, &anthropic, "anthropic_error.json"), MEMGIT_EREMOTE);
	assert_error_has("anthropic error 'invalid_request_error': max_tokens: 200000 > 128000");
	assert_int_equal(stream_fixture(&r, &anthropic, "anthropic_stream_error.sse"), MEMGIT_EREMOTE);
	assert_error_has("anthropic error 'overloaded_error': Overloaded");
	mg_llm_result_dispose(&r);
	assert_int_equal(parse_fixture(&r, &openai, "openai_error.json"), MEMGIT_EREMOTE);
	assert_error_has("openai error 'invalid_request_error': Incorrect API key provided: [REDACTED]");
	assert_null(strstr(memgit_error_last()->message, "wxyz"));
	assert_int_equal(stream_fixture(&r, &openai, "openai_stream_error.sse"), MEMGIT_EREMOTE);
	assert_error_has("openai error 'server_error'");
	mg_llm_result_dispose(&r);
	assert_int_equal(mg_llm_parse_response(&r, &openai, vllm, strlen(vllm)), MEMGIT_EREMOTE);
	assert_error_has("openai error 'NotFoundError': The model `x` does not exist.");
	assert_int_equal(mg_llm_parse_response(&r, &openai, ollama, strlen(ollama)), MEMGIT_EREMOTE);
	assert_error_has("openai error 'error': model \"llama9\" not found");
	mg_llm_result_dispose(&r);
}

static void test_incomplete_and_toolless(void **state)
{
	mg_llm_result r;
	mg_llm_stream s;
	const char *text_only = "{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"No.\"}],"
				"\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":1,\"output_tokens\":2}}";
	(void)state;

	mg_llm_result_init(&r);
	assert_int_equal(mg_llm_parse_response(&r, &anthropic, text_only, strlen(text_only)), MEMGIT_EREMOTE);
	assert_error_has("no propose_edits tool call (stop reason 'end_turn')");
	assert_string_equal(r.text.ptr, "No.");
	mg_llm_result_dispose(&r);
	mg_llm_stream_init(&s, &anthropic, &r);
	assert_int_equal(mg_llm_stream_event("ping", "{\"type\":\"ping\"}", 15, &s), 0);
	assert_int_equal(mg_llm_stream_finish(&s), MEMGIT_EREMOTE);
	assert_error_has("the stream ended before message_stop");
	assert_int_equal(mg_llm_stream_event("content_block_delta", "{\"type\":", 8, &s), MEMGIT_EINPUT);
	assert_error_has("line 1, column");
	/* the first failure sticks: nothing after it is taken for progress */
	assert_int_equal(mg_llm_stream_event("message_stop", "{\"type\":\"message_stop\"}", 23, &s), MEMGIT_EINPUT);
	mg_llm_stream_dispose(&s);
	mg_llm_stream_init(&s, &openai, &r);
	assert_int_equal(mg_llm_stream_finish(&s), MEMGIT_EREMOTE);
	assert_error_has("the stream ended before [DONE]");
	mg_llm_stream_dispose(&s);
	mg_llm_result_dispose(&r);
}

/* A server that echoes the key, in any field, never gets it into an error. */
static void test_key_never_in_errors(void **state)
{
	mg_llm_result r;
	mg_llm_stream s;
	const char *a = "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error " KEY "\","
			"\"message\":\"invalid x-api-key: " KEY "\"}}";
	const char *o = "{\"error\":{\"message\":\"bad key '" PLAIN_KEY "' for\\nBearer " PLAIN_KEY "\","
			"\"type\":\"" PLAIN_KEY "\"}}";
	const char *ev = "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"key=" KEY "\"}}";
	const char *bad = "{\"x\": " KEY "}";
	(void)state;

	mg_llm_result_init(&r);
	assert_int_equal(mg_llm_parse_response(&r, &anthropic, a, strlen(a)), MEMGIT_EREMOTE);
	assert_error_has("invalid x-api-key: [REDACTED]");
	assert_null(strstr(memgit_error_last()->message, "PLANTED"));
	assert_int_equal(mg_llm_parse_response(&r, &openai, o, strlen(o)), MEMGIT_EREMOTE);
	assert_error_has("openai error '[REDACTED]': bad key '[REDACTED]' for Bearer [REDACTED]");
	assert_int_equal(mg_llm_parse_response(&r, &anthropic, bad, strlen(bad)), MEMGIT_EINPUT);
	assert_error_has("column");
	assert_null(strstr(memgit_error_last()->message, "PLANTED"));
	mg_llm_stream_init(&s, &anthropic, &r);
	assert_int_equal(mg_llm_stream_event("error", ev, strlen(ev), &s), MEMGIT_EREMOTE);
	assert_error_has("anthropic error 'api_error'");
	assert_null(strstr(memgit_error_last()->message, "PLANTED"));
	mg_llm_stream_dispose(&s);
	mg_llm_result_dispose(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_matches_validator),
		cmocka_unit_test(test_schema_violations_dropped),
		cmocka_unit_test(test_malformed_refused_with_position),
		cmocka_unit_test(test_anthropic_request),
		cmocka_unit_test(test_openai_request),
		cmocka_unit_test(test_headers_and_refusals),
		cmocka_unit_test(test_anthropic_response_and_stream),
		cmocka_unit_test(test_openai_response_and_stream),
		cmocka_unit_test(test_model_server_streams),
		cmocka_unit_test(test_odd_chunkings_same_result),
		cmocka_unit_test(test_unknown_events_ignored),
		cmocka_unit_test(test_error_objects_and_events),
		cmocka_unit_test(test_incomplete_and_toolless),
		cmocka_unit_test(test_key_never_in_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
