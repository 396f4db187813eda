/*
 * test_session_formats.c: the Codex, Anthropic and OpenAI transcript parsers
 * (src/core/session_codex.c, src/core/session_api.c), fed directly into a
 * collecting sink.
 *
 * Expected Codex counts are computed from the raw files by jq, following the
 * rules written in docs/sessions-sources.md, never taken from the parser's
 * own output. Fixture expectations are read off the fixture files.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "core/session_format.h"
#include "json/json.h"
#include "memgit/errors.h"

/* ---- a sink that keeps everything --------------------------------------- */

typedef struct {
	char *ts, *role, *type, *text, *tool, *call_id;
	size_t text_len;
	int is_error;
	unsigned line;
} t_event;

typedef struct {
	mg_session_sink sink;
	t_event *ev;
	size_t n, cap;
	char *warn[64];
	unsigned warn_line[64];
	size_t nwarn;
	char *source_id, *parent_id, *agent, *started, *cwd, *model;
	uint64_t in_tokens, out_tokens;
	int fail_after; /* >0: the sink fails on that event */
} t_sink;

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int t_event_cb(void *ctx, const mg_session_event *e)
{
	t_sink *s = ctx;
	t_event *x;

	if (s->fail_after && (int)s->n + 1 == s->fail_after)
		return MEMGIT_EIO;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->ev = realloc(s->ev, s->cap * sizeof(*s->ev));
		assert_non_null(s->ev);
	}
	assert_non_null(e->role);
	assert_non_null(e->type);
	assert_non_null(e->text);
	assert_int_equal(strlen(e->text), e->text_len);
	x = &s->ev[s->n++];
	x->ts = dup_or_null(e->ts);
	x->role = strdup(e->role);
	x->type = strdup(e->type);
	x->text = strndup(e->text, e->text_len);
	x->text_len = e->text_len;
	x->tool = dup_or_null(e->tool);
	x->call_id = dup_or_null(e->call_id);
	x->is_error = e->is_error;
	x->line = e->line;
	return 0;
}

static void keep_first(char **dst, const char *src)
{
	if (!*dst && src)
		*dst = strdup(src);
}

static void t_meta_cb(void *ctx, const mg_session_meta *m)
{
	t_sink *s = ctx;

	keep_first(&s->source_id, m->source_id);
	keep_first(&s->parent_id, m->parent_id);
	keep_first(&s->agent, m->agent);
	keep_first(&s->started, m->started);
	keep_first(&s->cwd, m->cwd);
	keep_first(&s->model, m->model);
	s->in_tokens += m->input_tokens;
	s->out_tokens += m->output_tokens;
}

static void t_warn_cb(void *ctx, unsigned line, const char *message)
{
	t_sink *s = ctx;

	assert_true(s->nwarn < 64);
	s->warn_line[s->nwarn] = line;
	s->warn[s->nwarn++] = strdup(message);
}

static void sink_init(t_sink *s)
{
	memset(s, 0, sizeof(*s));
	s->sink.ctx = s;
	s->sink.event = t_event_cb;
	s->sink.meta = t_meta_cb;
	s->sink.warn = t_warn_cb;
}

static void sink_free(t_sink *s)
{
	for (size_t i = 0; i < s->n; i++) {
		t_event *e = &s->ev[i];
		free(e->ts);
		free(e->role);
		free(e->type);
		free(e->text);
		free(e->tool);
		free(e->call_id);
	}
	free(s->ev);
	for (size_t i = 0; i < s->nwarn; i++)
		free(s->warn[i]);
	free(s->source_id);
	free(s->parent_id);
	free(s->agent);
	free(s->started);
	free(s->cwd);
	free(s->model);
	memset(s, 0, sizeof(*s));
}

static size_t count(const t_sink *s, const char *role, const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += (!role || !strcmp(s->ev[i].role, role)) &&
			(!type || !strcmp(s->ev[i].type, type));
	return n;
}

static size_t count_errors(const t_sink *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->ev[i].is_error != 0;
	return n;
}

/* The event carrying `call_id` with `type`, or a test failure. */
static const t_event *by_call(const t_sink *s, const char *type, const char *call_id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ev[i].call_id && !strcmp(s->ev[i].call_id, call_id) &&
			!strcmp(s->ev[i].type, type))
			return &s->ev[i];
	fail_msg("no %s event for %s", type, call_id);
	return NULL;
}

/* ---- feeding ------------------------------------------------------------ */

static const char *shared_dir(void)
{
	const char *d = getenv("MEMGIT_SHARED");
	return d && *d ? d : "../shared";
}

static const char *fixtures_dir(void)
{
	const char *d = getenv("MEMGIT_FIXTURES");
	return d && *d ? d : "tests/fixtures";
}

static char *path_of(const char *dir, const char *rel)
{
	size_t n = strlen(dir) + strlen(rel) + 2;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, rel);
	return p;
}

static int blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r", s[i]))
			return 0;
	return 1;
}

/* Feed a JSONL file line by line, as the ingester does. */
static int run_jsonl_mem(const mg_session_format *f, const char *data, size_t len, t_sink *s)
{
	void *st = NULL;
	unsigned line = 0;
	int rc = 0;

	assert_int_equal(f->open(&st), 0);
	for (size_t off = 0; off < len && rc == 0; line++) {
		const char *nl = memchr(data + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - data - off) : len - off;
		mg_json_parse_opts o = { 0, 0, "t.jsonl", line + 1, 0 };
		mg_json *v = NULL;

		if (!blank(data + off, n)) {
			assert_int_equal(mg_json_parse(&v, data + off, n, &o), 0);
			rc = f->feed(st, &s->sink, v, data + off, n, line + 1);
			mg_json_free(v);
		}
		off += n + 1;
	}
	if (rc == 0)
		rc = f->finish(st, &s->sink);
	f->close(st);
	return rc;
}

static int run_jsonl(const mg_session_format *f, const char *path, t_sink *s)
{
	size_t len = 0;
	char *data = t_read_file(path, &len);
	int rc;

	if (!data)
		fail_msg("cannot read %s", path);
	rc = run_jsonl_mem(f, data, len, s);
	free(data);
	return rc;
}

static int run_doc(const mg_session_format *f, const char *text, size_t len, t_sink *s)
{
	mg_json *root = NULL;
	void *st = NULL;
	int rc;

	assert_int_equal(mg_json_parse(&root, text, len, NULL), 0);
	assert_int_equal(f->open(&st), 0);
	rc = f->feed(st, &s->sink, root, text, len, 1);
	if (rc == 0)
		rc = f->finish(st, &s->sink);
	f->close(st);
	mg_json_free(root);
	return rc;
}

static int run_fixture(const mg_session_format *f, const char *name, t_sink *s)
{
	char *rel = path_of("sessions", name), *path = path_of(fixtures_dir(), rel);
	size_t len = 0;
	char *text = t_read_file(path, &len);
	int rc;

	if (!text)
		fail_msg("cannot read %s", path);
	rc = run_doc(f, text, len, s);
	free(text);
	free(path);
	free(rel);
	return rc;
}

/* detect() on a whole document, or on the first non-empty line of JSONL. */
static int detect_text(const mg_session_format *f, const char *text, size_t len, int jsonl)
{
	mg_json *v = NULL;
	int score;

	if (jsonl) {
		while (len && (*text == '\n' || *text == '\r' || *text == ' ')) {
			text++;
			len--;
		}
		if (memchr(text, '\n', len))
			len = (size_t)((const char *)memchr(text, '\n', len) - text);
	}
	if (mg_json_parse(&v, text, len, NULL) < 0) {
		memgit_error_clear();
		v = NULL;
	}
	score = f->detect(v, text, len);
	mg_json_free(v);
	return score;
}

static int detect_file(const mg_session_format *f, const char *path, int jsonl)
{
	size_t len = 0;
	char *text = t_read_file(path, &len);
	int score;

	if (!text)
		fail_msg("cannot read %s", path);
	score = detect_text(f, text, len, jsonl);
	free(text);
	return score;
}

/* ---- expected Codex counts, from the raw file --------------------------- */

/* The rules of docs/sessions-sources.md ("Codex"), restated in jq. */
static const char cx_counts_jq[] =
	"def tags: [\"<environment_context>\", \"<user_instructions>\",\n"
	"  \"# agents.md instructions for \", \"<skill>\", \"<user_shell_command>\",\n"
	"  \"<turn_aborted>\", \"<context_update>\", \"<subagent_notification>\"];\n"
	"def fails: [\"failed to parse \", \"unsupported \", \"exec_command failed\",\n"
	"  \"write_stdin failed\", \"apply_patch verification failed\",\n"
	"  \"exec command rejected\", \"patch rejected\", \"execution error\", \"err: \",\n"
	"  \"approval policy is \", \"aborted\"];\n"
	"def parts: if type == \"string\" then [.] else [.[]? | select(.type != null)\n"
	"  | if .type == \"input_text\" or .type == \"output_text\" then (.text // \"\")\n"
	"    elif .type == \"input_image\" then \"[image]\" else \"[\" + .type + \"]\" end] end\n"
	"  | map(select(. != \"\")) | join(\"\\n\");\n"
	"def contextual: any(.content[]?; .type == \"input_text\" and\n"
	"  ((.text // \"\") | sub(\"^[ \\t\\r\\n]+\"; \"\") | ascii_downcase) as $t\n"
	"  | any(tags[]; . as $g | $t | startswith($g)));\n"
	"def outtext: .output | if type == \"string\" then . elif type == \"array\" then parts\n"
	"  elif . == null then \"\" else tojson end;\n"
	"def header_failed: split(\"\\n\") | .[0:16] as $l\n"
	"  | (first(range(0; $l | length) | select($l[.] == \"Output:\")) // ($l | length)) as $n\n"
	"  | any($l[0:$n][];\n"
	"    (capture(\"^(Process exited with code |Exit code: ) *(?<n>-?[0-9]+)\")?\n"
	"     // {n: \"0\"}) | .n | tonumber != 0);\n"
	"def json_failed: (try (fromjson | .metadata.exit_code) catch null) as $e\n"
	"  | ($e | type) == \"number\" and $e != 0;\n"
	"def failed($hints): (.call_id as $c | $hints | index([$c]) != null)\n"
	"  or (outtext | . as $t | any(fails[]; . as $p | $t | startswith($p))\n"
	"      or header_failed or json_failed);\n"
	". as $all\n"
	"| [$all[] | select(.type == \"event_msg\") | .payload\n"
	"   | select((.type == \"exec_command_end\" and (.exit_code // 0) != 0)\n"
	"     or (.type == \"patch_apply_end\" and .success == false)\n"
	"     or (.type == \"mcp_tool_call_end\" and (.result | type) == \"object\"\n"
	"         and ((.result | has(\"Err\")) or .result.Ok.isError == true)))\n"
	"   | .call_id] as $hints\n"
	"| [$all[] | select(.type == \"response_item\") | .payload] as $items\n"
	"| [$items[] | select(.type == \"message\")\n"
	"   | {role, text: (.content | parts), ctx: contextual}\n"
	"   | select(.text != \"\")] as $msgs\n"
	"| [$all[] | select(.type == \"event_msg\") | .payload.type] as $ev\n"
	"| [$items[] | select(.type | IN(\"function_call_output\", \"custom_tool_call_output\"))]\n"
	"  as $outs\n"
	"| [([$msgs[] | select(.role == \"user\" and (.ctx | not))] | length),\n"
	"   ([$msgs[] | select(.role == \"assistant\")] | length),\n"
	"   ((([$msgs[] | select(.role == \"developer\" or .role == \"system\"\n"
	"        or (.role == \"user\" and .ctx)) | .text]\n"
	"      + [$all[] | select(.type == \"session_meta\") | .payload.instructions | strings\n"
	"         | select(. != \"\")]) | unique | length)\n"
	"    + ([$ev[] | select(. == \"warning\" or . == \"turn_aborted\")] | length)),\n"
	"   ([$items[] | select(.type | IN(\"function_call\", \"custom_tool_call\",\n"
	"      \"local_shell_call\", \"web_search_call\"))] | length),\n"
	"   ($outs | length),\n"
	"   (([$outs[] | select(failed($hints))] | length)\n"
	"    + ([$ev[] | select(. == \"error\" or . == \"stream_error\")] | length)),\n"
	"   ([$all[] | select(.type == \"compacted\")] | length),\n"
	"   ([$all[] | select(.type == \"event_msg\" and .payload.type == \"token_count\"\n"
	"      and .payload.info != null) | .payload.info.total_token_usage] | last\n"
	"    | if . == null then \"0 0\" else \"\\(.input_tokens) \\(.output_tokens)\" end),\n"
	"   ([$ev[] | select(. == \"agent_message\")] | length),\n"
	"   ([$ev[] | select(. == \"user_message\")] | length)]\n"
	"| map(tostring) | join(\" \")\n";

typedef struct {
	size_t user, assistant, system, tool_use, tool_result, errors, summary;
	unsigned long long in_tokens, out_tokens;
	size_t ev_agent_message, ev_user_message;
} cx_expect;

static int have_jq(void)
{
	return t_sh(NULL, "command -v jq >/dev/null 2>&1") == 0;
}

static void cx_expected(cx_expect *x, const char *path)
{
	const char *dir = t_tmpdir(0);
	char *prog = path_of(dir, "counts.jq"), *out = NULL;

	t_write_file(prog, cx_counts_jq, strlen(cx_counts_jq));
	assert_int_equal(t_sh(&out, "jq -r -s -f '%s' '%s'", prog, path), 0);
	if (sscanf(out, "%zu %zu %zu %zu %zu %zu %zu %llu %llu %zu %zu", &x->user, &x->assistant,
		    &x->system, &x->tool_use, &x->tool_result, &x->errors, &x->summary,
		    &x->in_tokens, &x->out_tokens, &x->ev_agent_message, &x->ev_user_message) != 11)
		fail_msg("jq said '%s' for %s", out, path);
	free(out);
	free(prog);
}

static char *jq_string(const char *filter, const char *path)
{
	char *out = NULL;
	size_t n;

	assert_int_equal(t_sh(&out, "jq -r -s '%s' '%s'", filter, path), 0);
	n = strlen(out);
	while (n && out[n - 1] == '\n')
		out[--n] = '\0';
	return out;
}

static void check_codex_file(const char *path, t_sink *s)
{
	cx_expect x;
	char *id, *agent, *model, *cwd;

	cx_expected(&x, path);
	sink_init(s);
	assert_int_equal(run_jsonl(&mg_format_codex, path, s), 0);
	assert_int_equal(count(s, "user", "text"), x.user);
	assert_int_equal(count(s, "assistant", "text"), x.assistant);
	assert_int_equal(count(s, "system", "text"), x.system);
	assert_int_equal(count(s, NULL, "tool_use"), x.tool_use);
	assert_int_equal(count(s, "tool", "tool_result"), x.tool_result);
	assert_int_equal(count_errors(s), x.errors);
	assert_int_equal(count(s, "system", "summary"), x.summary);
	assert_int_equal(s->in_tokens, x.in_tokens);
	assert_int_equal(s->out_tokens, x.out_tokens);
	/* event_msg copies are not counted a second time */
	assert_int_equal(count(s, "assistant", "text"), x.ev_agent_message);
	assert_true(count(s, "user", "text") >= x.ev_user_message);

#define META "map(select(.type == \"session_meta\"))[0].payload"
	id = jq_string(META ".id", path);
	agent = jq_string(META " | \"codex \" + .cli_version", path);
	model = jq_string("map(select(.type == \"turn_context\"))[0].payload.model", path);
	cwd = jq_string(META ".cwd", path);
#undef META
	assert_string_equal(s->source_id, id);
	assert_string_equal(s->agent, agent);
	assert_string_equal(s->model, model);
	assert_string_equal(s->cwd, cwd);
	assert_non_null(s->started);
	free(id);
	free(agent);
	free(model);
	free(cwd);
}

/* ---- Codex -------------------------------------------------------------- */

static void test_codex_corpus(void **state)
{
	char *pattern = path_of(shared_dir(), "corpus/codex/*.jsonl");
	glob_t g;
	(void)state;

	if (!have_jq())
		skip();
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 3);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		t_sink s;
		check_codex_file(g.gl_pathv[i], &s);
		/* every line type of the real rollouts is known */
		assert_int_equal(s.nwarn, 0);
		/* every output in them follows its call: all are named */
		for (size_t k = 0; k < s.n; k++)
			if (!strcmp(s.ev[k].type, "tool_result"))
				assert_non_null(s.ev[k].tool);
		assert_true(s.n > 0);
		sink_free(&s);
	}
	globfree(&g);
	free(pattern);
}

static void test_codex_synthetic(void **state)
{
	char *path = path_of(fixtures_dir(), "sessions/codex-synthetic.jsonl");
	const t_event *e;
	t_sink s;
	(void)state;

	if (!have_jq())
		skip();
	check_codex_file(path, &s);
	/* read off the fixture: what jq must also have found */
	assert_int_equal(count(&s, "user", "text"), 1);
	assert_int_equal(count(&s, "system", "text"), 5);
	assert_int_equal(count(&s, NULL, "tool_use"), 8);
	assert_int_equal(count_errors(&s), 6);
	assert_int_equal(count(&s, "system", "error"), 2);
	assert_string_equal(s.source_id, "0199a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b");
	assert_string_equal(s.agent, "codex 0.46.0");
	assert_string_equal(s.model, "gpt-5-codex");
	assert_string_equal(s.started, "2025-10-29T09:00:00.120Z");
	assert_int_equal(s.in_tokens, 9000);
	assert_int_equal(s.out_tokens, 700);

	e = by_call(&s, "tool_use", "call_x1");
	assert_string_equal(e->tool, "exec_command");
	assert_string_equal(e->text, "{\"cmd\":\"npm test -- checkout\","
				     "\"workdir\":\"/home/dev/shop\",\"yield_time_ms\":10000}");
	assert_int_equal(e->line, 10);
	e = by_call(&s, "tool_result", "call_x1");
	assert_true(e->is_error); /* "Process exited with code 1" */
	assert_string_equal(e->tool, "exec_command");
	assert_int_equal(e->line, 11);
	assert_false(by_call(&s, "tool_result", "call_x2")->is_error); /* exit_code 0 */
	assert_true(by_call(&s, "tool_result", "call_x3")->is_error);  /* verification failed */
	assert_string_equal(by_call(&s, "tool_use", "call_x3")->tool, "apply_patch");
	assert_true(by_call(&s, "tool_result", "call_x4")->is_error); /* exec_command_end */
	assert_string_equal(by_call(&s, "tool_result", "call_x5")->tool, "local_shell");
	assert_false(by_call(&s, "tool_result", "call_x5")->is_error);
	assert_string_equal(by_call(&s, "tool_result", "call_x6")->text, "ci-failure.png\n[image]");
	assert_true(by_call(&s, "tool_result", "call_x8")->is_error); /* interrupted */
	assert_int_equal(s.nwarn, 3);
	assert_non_null(strstr(s.warn[0], "'hologram_update'"));
	assert_int_equal(s.warn_line[0], 32);
	assert_non_null(strstr(s.warn[1], "'telepathy_call'"));
	assert_non_null(strstr(s.warn[2], "'future_marker'"));
	for (size_t i = 0; i < s.n; i++) {
		const char *want = "context compacted; 2 items of history kept";
		if (!strcmp(s.ev[i].type, "summary"))
			assert_string_equal(s.ev[i].text, want);
		assert_non_null(s.ev[i].ts);
	}
	sink_free(&s);
	free(path);
}

static void test_codex_instructions_capped(void **state)
{
	size_t big = 10000;
	char *text = malloc(big + 1), *doc = malloc(2 * big + 400);
	int n;
	t_sink s;
	(void)state;

	assert_non_null(text);
	assert_non_null(doc);
	memset(text, 'x', big);
	text[big] = '\0';
	memcpy(text, "\xc3\xa9", 2); /* a two-byte character... */
	memcpy(text + 4095, "\xc3\xa9", 2); /* ...straddling the cap */
#define DEV "{\"type\":\"response_item\",\"payload\":{\"type\":\"message\"," \
	    "\"role\":\"developer\",\"content\":[{\"type\":\"input_text\",\"text\":\"%s\"}]}}\n"
	n = snprintf(doc, 2 * big + 400, DEV DEV, text, text);
#undef DEV
	sink_init(&s);
	assert_int_equal(run_jsonl_mem(&mg_format_codex, doc, (size_t)n, &s), 0);
	assert_int_equal(s.n, 1); /* the repeat is dropped */
	assert_int_equal(strncmp(s.ev[0].text, text, 4095), 0);
	assert_non_null(strstr(s.ev[0].text, "\n[... 5905 more bytes omitted]"));
	assert_true(s.ev[0].text_len < 4200);
	sink_free(&s);
	free(text);
	free(doc);
}

static void expect_refused(int rc, const char *why)
{
	assert_int_equal(rc, MEMGIT_EINPUT);
	assert_string_equal(memgit_error_last()->what, "invalid transcript");
	if (strcmp(memgit_error_last()->why, why) != 0)
		fail_msg("got '%s', expected '%s'", memgit_error_last()->why, why);
}

static void codex_refuses(const char *doc, const char *why)
{
	t_sink s;

	sink_init(&s);
	expect_refused(run_jsonl_mem(&mg_format_codex, doc, strlen(doc), &s), why);
	sink_free(&s);
}

static void test_codex_malformed(void **state)
{
	static const char meta[] = "{\"type\":\"session_meta\",\"payload\":{\"id\":\"x\"}}\n";
	char doc[512];
	(void)state;

	snprintf(doc, sizeof(doc), "%s\n[1, 2]\n", meta);
	codex_refuses(doc, "line 3: not a JSON object");
	snprintf(doc, sizeof(doc), "%s{\"payload\":{}}\n", meta);
	codex_refuses(doc, "line 2: no 'type'");
	snprintf(doc, sizeof(doc), "%s%s{\"type\":\"response_item\",\"payload\":\"x\"}\n", meta,
		meta);
	codex_refuses(doc, "line 3: 'payload' is not an object");
	snprintf(doc, sizeof(doc),
		"%s{\"type\":\"response_item\","
		"\"payload\":{\"type\":\"message\",\"content\":[]}}\n",
		meta);
	codex_refuses(doc, "line 2: message without role");
	snprintf(doc, sizeof(doc), "%s{\"type\":\"event_msg\",\"payload\":{\"message\":\"x\"}}\n",
		meta);
	codex_refuses(doc, "line 2: payload without type");
}

static void test_codex_sink_error_stops(void **state)
{
	char *path = path_of(fixtures_dir(), "sessions/codex-synthetic.jsonl");
	t_sink s;
	(void)state;

	sink_init(&s);
	s.fail_after = 3;
	assert_int_equal(run_jsonl(&mg_format_codex, path, &s), MEMGIT_EIO);
	assert_int_equal(s.n, 2);
	sink_free(&s);
	free(path);
}

/* ---- Anthropic ---------------------------------------------------------- */

/* Line of the first line of `file` holding `needle` (grep, not the parser). */
static unsigned grep_line(const char *file, const char *needle)
{
	char *rel = path_of("sessions", file), *path = path_of(fixtures_dir(), rel), *out = NULL;
	unsigned line = 0;

	assert_int_equal(t_sh(&out, "grep -n -F -m1 -e '%s' '%s' | cut -d: -f1", needle, path), 0);
	line = (unsigned)strtoul(out, NULL, 10);
	assert_true(line > 0);
	free(out);
	free(path);
	free(rel);
	return line;
}

static void test_anthropic_exchange(void **state)
{
	const char *f = "anthropic-exchange.json";
	const t_event *e;
	t_sink s;
	(void)state;

	sink_init(&s);
	assert_int_equal(run_fixture(&mg_format_anthropic, f, &s), 0);
	assert_int_equal(count(&s, "system", "text"), 1);
	assert_int_equal(count(&s, "user", "text"), 2);
	assert_int_equal(count(&s, "assistant", "text"), 3);
	assert_int_equal(count(&s, "assistant", "tool_use"), 4);
	assert_int_equal(count(&s, "tool", "tool_result"), 3);
	assert_int_equal(count_errors(&s), 1);
	assert_int_equal(s.n, 13);
	assert_null(s.source_id);
	assert_string_equal(s.model, "claude-sonnet-4-5-20250929");
	assert_int_equal(s.in_tokens, 2345);
	assert_int_equal(s.out_tokens, 187);
	assert_int_equal(s.nwarn, 0);

	/* order: system, then the conversation; thinking left out */
	assert_string_equal(s.ev[0].role, "system");
	assert_string_equal(s.ev[2].text, "I'll run the test suite first.");
	e = by_call(&s, "tool_use", "toolu_01A");
	assert_string_equal(e->tool, "bash");
	assert_string_equal(e->text, "{\"command\":\"cd /work/shop && npm test -- checkout\"}");
	assert_int_equal(e->line, grep_line(f, "\"id\": \"toolu_01A\""));
	e = by_call(&s, "tool_result", "toolu_01A");
	assert_true(e->is_error);
	assert_string_equal(e->tool, "bash");
	assert_int_equal(e->line, grep_line(f, "\"tool_use_id\": \"toolu_01A\""));
	assert_non_null(strstr(e->text, "npm ERR! Test failed."));
	e = by_call(&s, "tool_result", "toolu_01B");
	assert_false(e->is_error);
	assert_string_equal(e->tool, "read_file");
	assert_false(by_call(&s, "tool_result", "toolu_01C")->is_error);
	assert_string_equal(by_call(&s, "tool_result", "toolu_01C")->tool, "bash");
	/* text and image after the results make one user event, on its first line */
	e = &s.ev[10];
	assert_string_equal(e->role, "user");
	assert_string_equal(e->text, "Also, here is the screenshot of the CI failure:\n[image]");
	assert_int_equal(e->line, grep_line(f, "Also, here is the screenshot"));
	assert_string_equal(by_call(&s, "tool_use", "toolu_01D")->tool, "bash");
	for (size_t i = 0; i < s.n; i++)
		assert_null(strstr(s.ev[i].text, "should run the suite"));
	sink_free(&s);
}

static void test_anthropic_log_dedup(void **state)
{
	t_sink s;
	(void)state;

	sink_init(&s);
	assert_int_equal(run_fixture(&mg_format_anthropic, "anthropic-log.json", &s), 0);
	/* three requests each repeat the conversation so far: each message once */
	assert_int_equal(count(&s, "system", "text"), 1);
	assert_int_equal(count(&s, "user", "text"), 2);
	assert_int_equal(count(&s, "assistant", "text"), 1);
	assert_int_equal(count(&s, "assistant", "tool_use"), 1);
	assert_int_equal(count(&s, "tool", "tool_result"), 1);
	assert_int_equal(count(&s, "system", "error"), 1);
	assert_int_equal(s.n, 7);
	assert_string_equal(by_call(&s, "tool_result", "toolu_R1")->tool, "read_file");
	assert_string_equal(s.ev[6].text, "overloaded_error: Overloaded");
	assert_true(s.ev[6].is_error);
	assert_string_equal(s.ev[5].text, "Now translate it to French.");
	assert_int_equal(s.in_tokens, 712);
	assert_int_equal(s.out_tokens, 69);
	sink_free(&s);
}

/* ---- OpenAI ------------------------------------------------------------- */

static void test_openai_chat(void **state)
{
	const char *f = "openai-chat.json";
	const t_event *e;
	t_sink s;
	(void)state;

	sink_init(&s);
	assert_int_equal(run_fixture(&mg_format_openai, f, &s), 0);
	assert_int_equal(count(&s, "system", "text"), 1);
	assert_int_equal(count(&s, "user", "text"), 2);
	assert_int_equal(count(&s, "assistant", "text"), 2);
	assert_int_equal(count(&s, "assistant", "tool_use"), 3);
	assert_int_equal(count(&s, "tool", "tool_result"), 3);
	assert_int_equal(count_errors(&s), 1);
	assert_int_equal(s.n, 11);
	assert_string_equal(s.ev[1].text,
		"Which region sold most in Q3? The chart from last quarter is attached.\n[image]");
	e = by_call(&s, "tool_use", "call_q1");
	assert_string_equal(e->tool, "run_sql");
	assert_string_equal(e->text, "{\"query\":\"SELECT region, SUM(amount) AS total FROM sales "
				     "WHERE quarter = 'Q3' GROUP BY region\"}");
	assert_int_equal(e->line, grep_line(f, "\"id\": \"call_q1\""));
	assert_false(by_call(&s, "tool_result", "call_q1")->is_error);
	e = by_call(&s, "tool_result", "call_q2");
	assert_true(e->is_error);
	assert_string_equal(e->tool, "read_file");
	assert_int_equal(e->line, grep_line(f, "\"tool_call_id\": \"call_q2\""));
	e = by_call(&s, "tool_result", "call_q3");
	assert_string_equal(e->text, "region,amount\nEU,1200\nUS,900");
	e = &s.ev[s.n - 1];
	assert_string_equal(e->role, "assistant");
	assert_string_equal(e->ts, "2025-02-18T17:33:20Z");
	assert_null(s.ev[0].ts);
	assert_string_equal(s.started, "2025-02-18T17:33:20Z");
	assert_string_equal(s.model, "gpt-4o-2024-08-06");
	assert_int_equal(s.in_tokens, 812);
	assert_int_equal(s.out_tokens, 64);
	assert_null(s.source_id);
	sink_free(&s);
}

static void test_openai_bare_messages(void **state)
{
	const t_event *e;
	t_sink s;
	(void)state;

	sink_init(&s);
	assert_int_equal(run_fixture(&mg_format_openai, "openai-messages.json", &s), 0);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.ev[0].role, "system"); /* developer */
	e = &s.ev[2];
	assert_string_equal(e->type, "tool_use");
	assert_string_equal(e->tool, "get_weather");
	assert_null(e->call_id);
	assert_string_equal(e->text, "{\"city\":\"Paris\",\"unit\":\"celsius\"}");
	e = &s.ev[3];
	assert_string_equal(e->type, "tool_result");
	assert_string_equal(e->tool, "get_weather");
	assert_true(e->is_error); /* "Error: ..." */
	assert_int_equal(e->line, 5);
	assert_int_equal(s.nwarn, 1); /* role "critic" */
	assert_non_null(strstr(s.warn[0], "'critic'"));
	assert_int_equal(s.warn_line[0], 7);
	sink_free(&s);
}

static void test_openai_tool_error_rule(void **state)
{
	static const struct {
		const char *content;
		int failed;
	} cases[] = {
		{ "{\\\"error\\\": \\\"boom\\\"}", 1 },
		{ "{\\\"error\\\": null, \\\"rows\\\": 3}", 0 },
		{ "{\\\"error\\\": false}", 0 },
		{ "  error: disk full", 1 },
		{ "An error occurred while running the tool. Please try again.", 1 },
		{ "no errors found", 0 },
		{ "{\\\"status\\\": \\\"error in row 3 fixed\\\"}", 0 },
	};
	char doc[512];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t_sink s;
		snprintf(doc, sizeof(doc),
			"[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\","
			"\"function\":{\"name\":\"t\",\"arguments\":\"{}\"}}]},"
			"{\"role\":\"tool\",\"tool_call_id\":\"c\",\"content\":\"%s\"}]",
			cases[i].content);
		sink_init(&s);
		assert_int_equal(run_doc(&mg_format_openai, doc, strlen(doc), &s), 0);
		assert_int_equal(s.n, 2);
		if (s.ev[1].is_error != cases[i].failed)
			fail_msg("case %zu: is_error %d", i, s.ev[1].is_error);
		sink_free(&s);
	}
}

/* ---- detection ---------------------------------------------------------- */

static const mg_session_format *const formats[] = { &mg_format_codex, &mg_format_anthropic,
	&mg_format_openai };

/* Only `owner` claims the file (score > 0). */
static void detected_by(const char *path, int jsonl, const mg_session_format *owner)
{
	for (size_t i = 0; i < 3; i++) {
		int score = detect_file(formats[i], path, jsonl && formats[i]->line_based);
		if ((formats[i] == owner) != (score > 0))
			fail_msg("%s: %s scored %d", path, formats[i]->name, score);
	}
}

static void test_detection_matrix(void **state)
{
	static const struct {
		const char *file;
		const mg_session_format *owner;
	} fx[] = {
		{ "anthropic-exchange.json", &mg_format_anthropic },
		{ "anthropic-log.json", &mg_format_anthropic },
		{ "openai-chat.json", &mg_format_openai },
		{ "openai-messages.json", &mg_format_openai },
		{ "codex-synthetic.jsonl", &mg_format_codex },
	};
	char *pattern = path_of(shared_dir(), "corpus/codex/*.jsonl");
	glob_t g;
	(void)state;

	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		char *rel = path_of("sessions", fx[i].file), *path = path_of(fixtures_dir(), rel);
		detected_by(path, 1, fx[i].owner);
		free(path);
		free(rel);
	}
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		detected_by(g.gl_pathv[i], 1, &mg_format_codex);
		assert_int_equal(detect_file(&mg_format_codex, g.gl_pathv[i], 1), 90);
	}
	globfree(&g);
	free(pattern);
}

static void test_detection_ambiguous_and_foreign(void **state)
{
	static const char plain[] =
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
		"{\"role\":\"assistant\",\"content\":\"hello\"}]}";
	static const char *const foreign[] = { "{}", "[]", "[1,2]", "\"messages\"",
		"{\"role\":\"user\",\"content\":\"hi\"}", "{\"loglines\":[]}",
		"[{\"id\":0,\"source\":\"user\",\"message\":\"hi\",\"action\":\"message\"}]",
		"{\"messages\":[],\"sessionId\":\"s\"}", "this is plain text", NULL };
	(void)state;

	/* either parse reads it the same way: OpenAI's format takes it */
	assert_int_equal(detect_text(&mg_format_openai, plain, strlen(plain), 0), 50);
	assert_int_equal(detect_text(&mg_format_anthropic, plain, strlen(plain), 0), 40);
	assert_int_equal(detect_text(&mg_format_codex, plain, strlen(plain), 1), 0);
	for (const char *const *f = foreign; *f; f++)
		for (size_t i = 0; i < 3; i++)
			if (detect_text(formats[i], *f, strlen(*f), 1) != 0)
				fail_msg("%s claims %s", formats[i]->name, *f);
}

/* Each line of each Claude Code transcript, and each whole JSON file. */
static void test_claude_code_rejected(void **state)
{
	static const char *const pats[] = { "corpus/claude-code/*/*.jsonl",
		"corpus/claude-code/*/*/*.jsonl", "corpus/claude-code/*/*.json",
		"corpus/claude-code/*/*/*.json", "corpus/openhands/*.json", NULL };
	size_t files = 0, lines = 0;
	(void)state;

	for (const char *const *p = pats; *p; p++) {
		char *pattern = path_of(shared_dir(), *p);
		glob_t g;
		if (glob(pattern, 0, NULL, &g) == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++) {
				size_t len = 0;
				char *data = t_read_file(g.gl_pathv[i], &len);
				assert_non_null(data);
				for (size_t k = 0; k < 3; k++)
					assert_int_equal(detect_text(formats[k], data, len, 0), 0);
				for (size_t off = 0; off < len; lines++) {
					const char *nl = memchr(data + off, '\n', len - off);
					size_t n = nl ? (size_t)(nl - data - off) : len - off;
					for (size_t k = 0; k < 3 && !blank(data + off, n); k++)
						if (detect_text(formats[k], data + off, n, 0))
							fail_msg("%s claims a line of %s",
								formats[k]->name, g.gl_pathv[i]);
					off += n + 1;
				}
				free(data);
				files++;
			}
			globfree(&g);
		}
		free(pattern);
	}
	assert_true(files >= 8);
	assert_true(lines > 100);
}

/* ---- malformed documents ------------------------------------------------ */

static void doc_refused(const mg_session_format *f, const char *doc, const char *why)
{
	t_sink s;

	sink_init(&s);
	expect_refused(run_doc(f, doc, strlen(doc), &s), why);
	sink_free(&s);
}

static void test_malformed_documents(void **state)
{
	static const char no_role[] =
		"{\n"
		"  \"model\": \"claude-x\",\n"
		"  \"messages\": [\n"
		"    {\"role\": \"user\", \"content\": \"hi\"},\n"
		"    {\"content\": \"no role here\"}\n"
		"  ]\n"
		"}\n";
	static const char bad_block[] =
		"{\"messages\": [\n"
		"  {\"role\": \"user\", \"content\": [\n"
		"    {\"type\": \"text\", \"text\": \"a\"},\n"
		"    {\"text\": \"b\"}\n"
		"  ]}\n"
		"]}";
	static const char bad_entry[] =
		"[\n"
		"  {\"messages\": []},\n"
		"  {\"note\": \"not an API entry\"}\n"
		"]";
	static const char bad_calls[] =
		"{\"messages\": [\n"
		"  {\"role\": \"assistant\", \"tool_calls\": {\"id\": \"x\"}}\n"
		"]}";
	static const char nameless[] =
		"{\"messages\": [\n"
		"  {\"role\": \"assistant\", \"content\": [\n"
		"    {\"type\": \"tool_use\", \"id\": \"t1\", \"input\": {}}]}\n"
		"]}";
	(void)state;

	for (size_t i = 1; i < 3; i++) {
		doc_refused(formats[i], "{\"messages\": {\"role\": \"user\"}}",
			"line 1: 'messages' is not an array");
		doc_refused(formats[i], no_role, "line 5: message without role");
		doc_refused(formats[i], bad_entry,
			"line 3: no 'messages', no response, no request/response pair");
		doc_refused(formats[i], "[{\"role\": \"user\", \"content\": \"a\"},\n 7]",
			"line 2: message is not an object");
		doc_refused(formats[i], "{\"messages\": [{\"role\": \"user\", \"content\": 42}]}",
			"line 1: content is neither a string nor an array");
		doc_refused(formats[i], "42", "line 1: not a JSON object or array");
	}
	doc_refused(&mg_format_anthropic, bad_block, "line 4: content block without type");
	doc_refused(&mg_format_anthropic, nameless, "line 3: tool call without name");
	doc_refused(&mg_format_anthropic, "{\"system\": 3, \"messages\": []}",
		"line 1: 'system' is neither a string nor an array");
	doc_refused(&mg_format_openai, bad_block, "line 4: content part without type");
	doc_refused(&mg_format_openai, bad_calls, "line 2: 'tool_calls' is not an array");
	doc_refused(&mg_format_openai,
		"{\"request\": {\"messages\": []},\n \"response\": {\"choices\": 1}}",
		"line 2: 'choices' is not an array");
}

static void test_unknown_blocks_warn_once(void **state)
{
	static const char doc[] =
		"{\"messages\": [\n"
		"  {\"role\": \"user\", \"content\": [{\"type\": \"hologram\"}]},\n"
		"  {\"role\": \"assistant\", \"content\": [{\"type\": \"hologram\"},\n"
		"     {\"type\": \"text\", \"text\": \"ok\"}]}\n"
		"]}";
	t_sink s;
	(void)state;

	sink_init(&s);
	assert_int_equal(run_doc(&mg_format_anthropic, doc, strlen(doc), &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.nwarn, 1);
	assert_int_equal(s.warn_line[0], 2);
	assert_string_equal(s.warn[0], "unknown anthropic content block 'hologram' skipped");
	sink_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codex_corpus),
		cmocka_unit_test(test_codex_synthetic),
		cmocka_unit_test(test_codex_instructions_capped),
		cmocka_unit_test(test_codex_malformed),
		cmocka_unit_test(test_codex_sink_error_stops),
		cmocka_unit_test(test_anthropic_exchange),
		cmocka_unit_test(test_anthropic_log_dedup),
		cmocka_unit_test(test_openai_chat),
		cmocka_unit_test(test_openai_bare_messages),
		cmocka_unit_test(test_openai_tool_error_rule),
		cmocka_unit_test(test_detection_matrix),
		cmocka_unit_test(test_detection_ambiguous_and_foreign),
		cmocka_unit_test(test_claude_code_rejected),
		cmocka_unit_test(test_malformed_documents),
		cmocka_unit_test(test_unknown_blocks_warn_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
