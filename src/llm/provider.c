/*
 * provider.c: what the providers share: the edit schema and its validator,
 * results, the streaming block accumulator, redacted remote errors, and the
 * dispatch on the provider kind (provider.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/provider.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/secrets.h"
#include "util/templates.h"

#define SCHEMA_TEMPLATE "prompts/edit_schema.json"
/* a server's message longer than this is cut: errors are one line */
#define MAX_REMOTE_MESSAGE 300

void mg_llm_result_init(mg_llm_result *r)
{
	memset(r, 0, sizeof(*r));
}

void mg_llm_result_dispose(mg_llm_result *r)
{
	if (!r)
		return;
	memgit_buf_dispose(&r->tool_input);
	memgit_buf_dispose(&r->text);
	mg_llm_result_init(r);
}

const char *mg_provider_edit_schema(size_t *len)
{
	const mg_template *t = mg_template_find(SCHEMA_TEMPLATE);

	if (len)
		*len = t ? t->size : 0;
	return t ? t->data : NULL;
}

void mg_llm_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

#define EDIT_TOOL_DESCRIPTION \
	"Propose the typed edits of this dream: create, update, delete, merge or move, " \
	"each with a one-line rationale and its evidence."

const char *mg_llm_tool_name(const mg_llm_config *cfg)
{
	return cfg->tool ? cfg->tool->name : MG_LLM_TOOL_NAME;
}

const char *mg_llm_tool_description(const mg_llm_config *cfg)
{
	return cfg->tool ? cfg->tool->description : EDIT_TOOL_DESCRIPTION;
}

const char *mg_llm_tool_schema(const mg_llm_config *cfg)
{
	return cfg->tool ? cfg->tool->schema : mg_provider_edit_schema(NULL);
}

const char *mg_llm_name(const mg_llm_config *cfg)
{
	return cfg->kind == MG_LLM_OPENAI ? "openai" : "anthropic";
}

/* ---- redaction ------------------------------------------------------------ */

/* A whitespace-delimited token that reads as a (possibly masked) key:
 * OpenAI echoes "sk-abc*****wxyz", which the secret gate cannot match. */
static int key_like(const char *tok, size_t len)
{
	if (len >= 3 && memcmp(tok, "sk-", 3) == 0)
		return 1;
	for (size_t i = 0; i + 3 < len; i++)
		if (memcmp(tok + i, "****", 4) == 0)
			return 1;
	return 0;
}

/* `s` with the exact key replaced and control characters made spaces. */
static int strip_key(memgit_buf *out, const char *s, const char *key)
{
	size_t klen = key ? strlen(key) : 0;
	int rc = 0;

	while (*s && rc == 0) {
		if (klen && strncmp(s, key, klen) == 0) {
			rc = mg_buf_puts(out, "[REDACTED]");
			s += klen;
			continue;
		}
		rc = mg_buf_putc(out, (unsigned char)*s < 0x20 ? ' ' : *s);
		s++;
	}
	return rc;
}

typedef struct {
	memgit_buf *out;
	const char *text;
	size_t at;
} redact_state;

static int put_tokens(memgit_buf *out, const char *s, size_t len)
{
	size_t i = 0;
	int rc = 0;

	while (i < len && rc == 0) {
		size_t j = i;
		if (s[i] == ' ') {
			rc = mg_buf_putc(out, ' ');
			i++;
			continue;
		}
		while (j < len && s[j] != ' ')
			j++;
		rc = key_like(s + i, j - i) ? mg_buf_puts(out, "[REDACTED]") : mg_buf_put(out, s + i, j - i);
		i = j;
	}
	return rc;
}

static int redact_match(const mg_secret_match *m, void *payload)
{
	redact_state *st = payload;
	int rc = put_tokens(st->out, st->text + st->at, m->offset - st->at);

	if (rc == 0)
		rc = mg_buf_printf(st->out, "[REDACTED:%s]", m->rule);
	st->at = m->offset + m->length;
	return rc;
}

/* A server's message made safe to show: one line, capped, no key material. */
static int redact(memgit_buf *out, const char *s, const char *key)
{
	memgit_buf tmp = MEMGIT_BUF_INIT;
	redact_state st = { out, NULL, 0 };
	int rc;

	if ((rc = strip_key(&tmp, s ? s : "", key)) < 0)
		goto done;
	if (tmp.size > MAX_REMOTE_MESSAGE)
		mg_buf_truncate(&tmp, MAX_REMOTE_MESSAGE);
	st.text = mg_buf_cstr(&tmp);
	if ((rc = mg_secret_scan(st.text, tmp.size, NULL, redact_match, &st)) != 0)
		goto done;
	rc = put_tokens(out, st.text + st.at, tmp.size - st.at);
done:
	memgit_buf_dispose(&tmp);
	return rc;
}

int mg_llm_remote_error(const mg_llm_config *cfg, const char *type, const char *message)
{
	memgit_buf t = MEMGIT_BUF_INIT, m = MEMGIT_BUF_INIT;
	char what[32];
	int rc;

	snprintf(what, sizeof(what), "%s error", mg_llm_name(cfg));
	if (redact(&t, type && *type ? type : "unknown", cfg->api_key) < 0 ||
	    redact(&m, message && *message ? message : "(no message)", cfg->api_key) < 0)
		rc = mg_error_oom();
	else
		rc = mg_error_set(MEMGIT_EREMOTE, what, t.ptr, "%s", m.ptr);
	memgit_buf_dispose(&t);
	memgit_buf_dispose(&m);
	return rc;
}

/* ---- parsing helpers ---------------------------------------------------- */

int mg_llm_json(mg_json **out, const char *what, const char *data, size_t len)
{
	mg_json_parse_opts po = { 0, 0, NULL, 0, 0 };
	int rc;

	/* the position, never the text: a body can echo anything back */
	po.line = 1;
	if ((rc = mg_json_parse(out, data, len, &po)) < 0)
		mg_error_set_subject(what);
	return rc;
}

int mg_llm_require_tool(const mg_llm_config *cfg, const mg_llm_result *r)
{
	char what[48];

	if (r->have_tool)
		return 0;
	snprintf(what, sizeof(what), "%s response", mg_llm_name(cfg));
	return mg_error_set(MEMGIT_EREMOTE, what, NULL, "no %s tool call (stop reason '%s')",
		mg_llm_tool_name(cfg), r->stop_reason[0] ? r->stop_reason : "none");
}

/* ---- dispatch ----------------------------------------------------------- */

const char *mg_llm_endpoint(mg_llm_kind kind)
{
	/* the official SDKs' base URLs: https://api.anthropic.com and
	 * https://api.openai.com/v1 (OpenAI-compatible servers name theirs
	 * the same way, e.g. http://localhost:11434/v1) */
	return kind == MG_LLM_OPENAI ? "/chat/completions" : "/v1/messages";
}

int mg_llm_request(memgit_buf *out, const mg_llm_config *cfg, const mg_llm_prompt *p)
{
	if (!cfg->model || !*cfg->model)
		return mg_error_set(MEMGIT_EINPUT, "cannot build request", mg_llm_name(cfg), "no model");
	if (!p->task || !*p->task)
		return mg_error_set(MEMGIT_EINPUT, "cannot build request", mg_llm_name(cfg), "no task");
	return cfg->kind == MG_LLM_OPENAI ? mg_openai_request(out, cfg, p)
					  : mg_anthropic_request(out, cfg, p);
}

int mg_llm_headers(mg_http_header out[MG_LLM_MAX_HEADERS], size_t *n, const mg_llm_config *cfg,
	memgit_buf *scratch)
{
	size_t i = 0;

	/* a local OpenAI-compatible server (llama.cpp, Ollama, vLLM) often
	 * wants no key; Anthropic's API always does */
	if ((!cfg->api_key || !*cfg->api_key) && cfg->kind != MG_LLM_OPENAI)
		return mg_error_set(MEMGIT_EINPUT, "cannot build request", mg_llm_name(cfg), "no API key");
	out[i++] = (mg_http_header){ "content-type", "application/json" };
	if (cfg->kind == MG_LLM_OPENAI && cfg->api_key && *cfg->api_key) {
		mg_buf_clear(scratch);
		if (mg_buf_printf(scratch, "Bearer %s", cfg->api_key) < 0)
			return MEMGIT_ENOMEM;
		out[i++] = (mg_http_header){ "authorization", scratch->ptr };
	} else if (cfg->kind == MG_LLM_ANTHROPIC) {
		out[i++] = (mg_http_header){ "x-api-key", cfg->api_key };
		out[i++] = (mg_http_header){ "anthropic-version", MG_LLM_ANTHROPIC_VERSION };
		if (cfg->beta && *cfg->beta)
			out[i++] = (mg_http_header){ "anthropic-beta", cfg->beta };
	}
	*n = i;
	return 0;
}

int mg_llm_parse_response(mg_llm_result *out, const mg_llm_config *cfg, const char *body, size_t len)
{
	int rc = cfg->kind == MG_LLM_OPENAI ? mg_openai_parse(out, cfg, body, len)
					    : mg_anthropic_parse(out, cfg, body, len);
	return rc < 0 ? rc : mg_llm_require_tool(cfg, out);
}

/* ---- streaming ---------------------------------------------------------- */

void mg_llm_stream_init(mg_llm_stream *s, const mg_llm_config *cfg, mg_llm_result *result)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->result = result;
}

void mg_llm_stream_dispose(mg_llm_stream *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nblocks; i++)
		memgit_buf_dispose(&s->blocks[i].buf);
	free(s->blocks);
	s->blocks = NULL;
	s->nblocks = 0;
}

mg_llm_block *mg_llm_block_at(mg_llm_stream *s, int index, int is_tool)
{
	mg_llm_block *b;

	for (size_t i = 0; i < s->nblocks; i++)
		if (s->blocks[i].index == index)
			return &s->blocks[i];
	/* a server numbers blocks from 0; thousands of them is not a response */
	if (index < 0 || s->nblocks >= 1024) {
		mg_error_set(MEMGIT_EREMOTE, "invalid stream", mg_llm_name(s->cfg),
			"content block index %d out of range", index);
		return NULL;
	}
	b = realloc(s->blocks, (s->nblocks + 1) * sizeof(*b));
	if (!b) {
		mg_error_oom();
		return NULL;
	}
	s->blocks = b;
	b = &s->blocks[s->nblocks++];
	memset(b, 0, sizeof(*b));
	b->index = index;
	b->is_tool = is_tool;
	return b;
}

static void progress(mg_llm_stream *s)
{
	size_t text = 0, tool = 0;

	if (!s->progress)
		return;
	for (size_t i = 0; i < s->nblocks; i++)
		*(s->blocks[i].is_tool ? &tool : &text) += s->blocks[i].buf.size;
	s->progress(text, tool, s->progress_payload);
}

int mg_llm_block_append(mg_llm_stream *s, mg_llm_block *b, const char *data, size_t len)
{
	size_t total = len;

	for (size_t i = 0; i < s->nblocks; i++)
		total += s->blocks[i].buf.size;
	if (total > MG_LLM_MAX_ACCUMULATED)
		return mg_error_set(MEMGIT_ELIMIT, "response too large", mg_llm_name(s->cfg),
			"over %u bytes of text and tool input", MG_LLM_MAX_ACCUMULATED);
	if (mg_buf_put(&b->buf, data, len) < 0)
		return MEMGIT_ENOMEM;
	progress(s);
	return 0;
}

int mg_llm_stream_event(const char *event, const char *data, size_t len, void *payload)
{
	mg_llm_stream *s = payload;
	int rc;

	if (s->failed)
		return s->failed;
	rc = s->cfg->kind == MG_LLM_OPENAI ? mg_openai_event(s, data, len)
					   : mg_anthropic_event(s, event, data, len);
	if (rc < 0)
		s->failed = rc;
	return rc;
}

/* The blocks become the result: the first propose_edits call, the text. */
static int assemble(mg_llm_stream *s)
{
	mg_llm_result *r = s->result;
	int rc = 0;

	for (size_t i = 0; i < s->nblocks && rc == 0; i++) {
		mg_llm_block *b = &s->blocks[i];
		if (!b->is_tool) {
			rc = mg_buf_put(&r->text, b->buf.ptr ? b->buf.ptr : "", b->buf.size);
			continue;
		}
		if (r->have_tool || strcmp(b->name, mg_llm_tool_name(s->cfg)) != 0)
			continue;
		r->have_tool = 1;
		mg_llm_copy(r->tool_id, sizeof(r->tool_id), b->id);
		/* a tool called with no arguments streams none: its input is {} */
		rc = b->buf.size ? mg_buf_set(&r->tool_input, b->buf.ptr, b->buf.size)
				 : mg_buf_set(&r->tool_input, "{}", 2);
	}
	return rc;
}

int mg_llm_stream_finish(mg_llm_stream *s)
{
	int rc;

	if (s->failed)
		return s->failed;
	if (!s->done)
		return mg_error_set(MEMGIT_EREMOTE, "incomplete stream", mg_llm_name(s->cfg),
			"the stream ended before %s",
			s->cfg->kind == MG_LLM_OPENAI ? "[DONE]" : "message_stop");
	if ((rc = assemble(s)) < 0)
		return rc;
	return mg_llm_require_tool(s->cfg, s->result);
}

/* ---- the edit schema's validator ---------------------------------------- */

/* Mirrors templates/prompts/edit_schema.json: every field a kind allows is
 * required (the schema's variants list them all as required), and no other
 * is allowed (additionalProperties false). test_provider checks the two
 * against each other. */
unsigned mg_provider_edit_fields(memgit_edit_kind kind)
{
	const unsigned common = MG_EDIT_F_PATH | MG_EDIT_F_RATIONALE | MG_EDIT_F_EVIDENCE;

	switch (kind) {
	case MEMGIT_EDIT_CREATE:
	case MEMGIT_EDIT_UPDATE:
		return common | MG_EDIT_F_CONTENT;
	case MEMGIT_EDIT_DELETE:
		return common;
	case MEMGIT_EDIT_MERGE:
		return common | MG_EDIT_F_MERGED | MG_EDIT_F_CONTENT;
	case MEMGIT_EDIT_MOVE:
		return common | MG_EDIT_F_TO;
	}
	return 0;
}

static const struct {
	const char *key;
	unsigned bit;
	int list;
} edit_fields[] = {
	{ "path", MG_EDIT_F_PATH, 0 },
	{ "to", MG_EDIT_F_TO, 0 },
	{ "merged", MG_EDIT_F_MERGED, 1 },
	{ "content", MG_EDIT_F_CONTENT, 0 },
	{ "rationale", MG_EDIT_F_RATIONALE, 0 },
	{ "evidence", MG_EDIT_F_EVIDENCE, 1 },
};
#define NFIELDS (sizeof(edit_fields) / sizeof(*edit_fields))

typedef struct {
	memgit_buf *problems;
	char label[128];
	size_t count;
	int rc;
} checker;

static void problem(checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(checker *c, const char *fmt, ...)
{
	va_list ap;

	if (c->rc == 0)
		c->rc = mg_buf_printf(c->problems, "%s: ", c->label);
	va_start(ap, fmt);
	if (c->rc == 0)
		c->rc = mg_buf_vprintf(c->problems, fmt, ap);
	va_end(ap);
	if (c->rc == 0)
		c->rc = mg_buf_putc(c->problems, '\n');
	c->count++;
}

/* null counts as absent: models fill unused fields with it */
static const mg_json *member(const mg_json *o, const char *key)
{
	const mg_json *v = mg_json_get(o, key);
	return v && mg_json_type_of(v) != MG_JSON_NULL ? v : NULL;
}

static int kind_of(const char *name, memgit_edit_kind *out)
{
	for (int k = MEMGIT_EDIT_CREATE; k <= MEMGIT_EDIT_MOVE; k++)
		if (name && strcmp(name, memgit_edit_kind_name((memgit_edit_kind)k)) == 0) {
			*out = (memgit_edit_kind)k;
			return 0;
		}
	return -1;
}

static void check_value(checker *c, const mg_json *v, const char *key, int list)
{
	const char *kind = list ? "a list of strings" : "a string";

	if (!list) {
		if (!mg_json_string(v))
			problem(c, "'%s': expected %s", key, kind);
		else if (!*mg_json_string(v))
			problem(c, "'%s': must not be empty", key);
		return;
	}
	if (mg_json_type_of(v) != MG_JSON_ARRAY) {
		problem(c, "'%s': expected %s", key, kind);
		return;
	}
	if (mg_json_count(v) == 0)
		problem(c, "'%s': must not be empty", key);
	for (const mg_json *x = mg_json_first(v); x; x = mg_json_next(x))
		if (!mg_json_string(x) || !*mg_json_string(x)) {
			problem(c, "'%s': expected %s, none empty", key, kind);
			break;
		}
}

static void check_fields(checker *c, const mg_json *o, memgit_edit_kind k)
{
	unsigned mask = mg_provider_edit_fields(k);
	const char *kname = memgit_edit_kind_name(k);

	for (const mg_json *m = mg_json_first(o); m; m = mg_json_next(m)) {
		size_t i = 0;
		while (i < NFIELDS && strcmp(edit_fields[i].key, mg_json_key(m)) != 0)
			i++;
		if (i == NFIELDS && strcmp(mg_json_key(m), "kind") != 0)
			problem(c, "'%.40s': not a field of an edit", mg_json_key(m));
	}
	for (size_t i = 0; i < NFIELDS; i++) {
		const mg_json *v = member(o, edit_fields[i].key);
		if (!v && (mask & edit_fields[i].bit))
			problem(c, "'%s': required for %s", edit_fields[i].key, kname);
		else if (v && !(mask & edit_fields[i].bit))
			problem(c, "'%s': not allowed for %s", edit_fields[i].key, kname);
		else if (v)
			check_value(c, v, edit_fields[i].key, edit_fields[i].list);
	}
}

static int add_list(mg_edit *e, const mg_json *v, int merged)
{
	int rc = 0;

	for (const mg_json *x = mg_json_first(v); x && rc == 0; x = mg_json_next(x))
		rc = merged ? mg_edit_add_merged(e, mg_json_string(x))
			    : mg_edit_add_evidence(e, "%s", mg_json_string(x));
	return rc;
}

/* Build an edit the checker passed: every field is of the right type. */
static int build_edit(mg_edit_list *out, const mg_json *o, memgit_edit_kind k)
{
	const char *content = mg_json_string(member(o, "content"));
	const char *to = mg_json_string(member(o, "to"));
	const mg_json *merged = member(o, "merged");
	mg_edit *e;
	int rc;

	if ((rc = mg_edit_list_add(&e, out, k, mg_json_get_string(o, "path"))) < 0)
		return rc;
	if (to && !(e->to = strdup(to)))
		return mg_error_oom();
	if (content && (rc = mg_edit_set_content(e, content, strlen(content))) < 0)
		return rc;
	if ((rc = mg_edit_set_rationale(e, "%s", mg_json_get_string(o, "rationale"))) < 0)
		return rc;
	if (merged && (rc = add_list(e, merged, 1)) < 0)
		return rc;
	return add_list(e, member(o, "evidence"), 0);
}

static int parse_edit(mg_edit_list *out, const mg_json *o, size_t i, memgit_buf *problems)
{
	checker c = { problems, "", 0, 0 };
	const char *kname = mg_json_get_string(o, "kind");
	const char *path = mg_json_get_string(o, "path");
	memgit_edit_kind k;

	snprintf(c.label, sizeof(c.label), "edits[%zu]", i);
	if (mg_json_type_of(o) != MG_JSON_OBJECT) {
		problem(&c, "expected an object");
		return c.rc;
	}
	if (kind_of(kname, &k) < 0) {
		problem(&c, "'kind': expected create, update, delete, merge or move");
		return c.rc;
	}
	/* the path names the edit in a repair request; capped, it is the model's */
	snprintf(c.label, sizeof(c.label), "edits[%zu] (%s %.80s)", i, kname, path ? path : "?");
	check_fields(&c, o, k);
	if (c.rc < 0 || c.count > 0)
		return c.rc;
	return build_edit(out, o, k);
}

int mg_provider_parse_edits(mg_edit_list *out, const char *json, size_t len, memgit_buf *problems)
{
	mg_json *root = NULL;
	const mg_json *edits;
	size_t i = 0;
	int rc;

	if ((rc = mg_llm_json(&root, MG_LLM_TOOL_NAME " input", json, len)) < 0)
		return rc;
	edits = mg_json_get(root, "edits");
	if (mg_json_type_of(root) != MG_JSON_OBJECT || mg_json_type_of(edits) != MG_JSON_ARRAY) {
		rc = mg_error_set(MEMGIT_EINPUT, "invalid tool input", MG_LLM_TOOL_NAME,
			"expected an object with an \"edits\" list");
		goto done;
	}
	for (const mg_json *m = mg_json_first(root); m && rc == 0; m = mg_json_next(m))
		if (strcmp(mg_json_key(m), "edits") != 0)
			rc = mg_buf_printf(problems, "'%.40s': not a field of the tool input (ignored)\n",
				mg_json_key(m));
	for (const mg_json *e = mg_json_first(edits); e && rc == 0; e = mg_json_next(e), i++)
		rc = parse_edit(out, e, i, problems);
done:
	mg_json_free(root);
	return rc;
}
