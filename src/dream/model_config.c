/*
 * model_config.c: where a model dream's settings come from. Options beat
 * the environment, which beats memgit.yaml `model:`, which beats the
 * defaults. The environment names are the official SDKs' so a shell set
 * up for them works unchanged.
 *
 * The API key comes from the environment or from a file only its owner can
 * read; memgit.yaml is committed, so it may name the file, never hold the
 * key. The key is held in one buffer, wiped when the dream ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#define ANTHROPIC_DEFAULT_URL "https://api.anthropic.com"
#define OPENAI_DEFAULT_URL "https://api.openai.com/v1"

void mg_model_settings_dispose(mg_model_settings *m)
{
	free(m->provider);
	free(m->name);
	free(m->base_url);
	free(m->key_file);
	free(m->beta);
	memset(m, 0, sizeof(*m));
	m->stream = -1;
}

int mg_model_settings_from(mg_model_settings *m, const mg_yaml_node *node, const char *file)
{
	const mg_yaml_where w = { "invalid configuration", file, "model" };
	const mg_yaml_node *p;
	int rc;

	if (node->kind != MG_YAML_MAPPING)
		return mg_error_set(MEMGIT_EYAML, "invalid configuration", file,
			"line %u, column %u: model: expected a mapping", node->line, node->column);
	if ((p = mg_yaml_get(node, "api_key")) != NULL || (p = mg_yaml_get(node, "key")) != NULL)
		return mg_yaml_bad(&w, p, "api_key", "memgit.yaml is committed: put the key in "
			"the environment or in a file named by model.key_file");
	if ((rc = mg_yaml_get_string(&m->provider, node, "provider", &w)) < 0 ||
	    (rc = mg_yaml_get_string(&m->name, node, "name", &w)) < 0 ||
	    (rc = mg_yaml_get_string(&m->base_url, node, "base_url", &w)) < 0 ||
	    (rc = mg_yaml_get_string(&m->key_file, node, "key_file", &w)) < 0 ||
	    (rc = mg_yaml_get_string(&m->beta, node, "beta", &w)) < 0 ||
	    (rc = mg_yaml_get_unsigned(&m->context_tokens, node, "context_tokens", 2048, 10000000, &w)) < 0 ||
	    (rc = mg_yaml_get_unsigned(&m->max_output_tokens, node, "max_output_tokens", 256, 1000000, &w)) < 0 ||
	    (rc = mg_yaml_get_unsigned(&m->timeout_ms, node, "timeout_ms", 1000, 3600000, &w)) < 0 ||
	    (rc = mg_yaml_get_unsigned(&m->connect_timeout_ms, node, "connect_timeout_ms", 100, 600000, &w)) < 0 ||
	    (rc = mg_yaml_get_unsigned(&m->stall_timeout_ms, node, "stall_timeout_ms", 100, 3600000, &w)) < 0 ||
	    (rc = mg_yaml_get_unsigned(&m->jobs, node, "jobs", 1, MG_MODEL_JOBS_MAX, &w)) < 0 ||
	    (rc = mg_yaml_get_whole(&m->max_tokens, node, "max_tokens", 1, 1000000000000ull, &w)) < 0 ||
	    (rc = mg_yaml_get_bool(&m->stream, node, "stream", &w)) < 0)
		return rc;
	if (mg_yaml_get(node, "retries")) {
		m->retries_set = 1;
		if ((rc = mg_yaml_get_unsigned(&m->retries, node, "retries", 0, MG_LLM_RETRIES_MAX, &w)) < 0)
			return rc;
	}
	if (m->provider && strcmp(m->provider, "anthropic") != 0 && strcmp(m->provider, "openai") != 0)
		return mg_yaml_bad(&w, mg_yaml_get(node, "provider"), "provider",
			"'%s' is not anthropic or openai", m->provider);
	return 0;
}

void mg_model_report_dispose(mg_model_report *r)
{
	for (size_t i = 0; i < r->ncovered; i++)
		free(r->covered[i]);
	free(r->covered);
	memgit_buf_dispose(&r->dropped);
	memset(r, 0, sizeof(*r));
}

/* ---- the key ------------------------------------------------------------------ */

/* A key file must be a regular file of ours that nobody else can read. */
static int read_key_file(char **out, const char *path)
{
	memgit_buf text = MEMGIT_BUF_INIT;
	struct stat st;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return mg_error_set(MEMGIT_EINPUT, "cannot read key file", path, "%s", strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return mg_error_set(MEMGIT_EINPUT, "cannot read key file", path, "not a regular file");
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077)) {
		close(fd);
		return mg_error_set(MEMGIT_EINPUT, "refusing key file", path,
			"mode %04o, owner %u: it must be yours and readable by you alone (chmod 600)",
			(unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
	}
	rc = mg_fs_read_fd(&text, fd, MG_MODEL_KEY_MAX, path);
	close(fd);
	if (rc == 0) {
		size_t n = strcspn(mg_buf_cstr(&text), "\r\n");
		if (!(*out = strndup(mg_buf_cstr(&text), n)))
			rc = mg_error_oom();
		else if (!**out)
			rc = mg_error_set(MEMGIT_EINPUT, "cannot read key file", path, "empty first line");
	}
	if (text.ptr)
		memset(text.ptr, 0, text.asize);
	memgit_buf_dispose(&text);
	return rc;
}

static int load_key(mg_model_ctx *ctx, mg_llm_kind kind, const mg_model_settings *m)
{
	const char *env = getenv(kind == MG_LLM_OPENAI ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY");

	if (env && *env) {
		if (!(ctx->key = strdup(env)))
			return mg_error_oom();
		return 0;
	}
	if (m->key_file)
		return read_key_file(&ctx->key, m->key_file);
	/* a local OpenAI-compatible server may want none */
	if (kind == MG_LLM_OPENAI)
		return 0;
	return mg_error_set(MEMGIT_EINPUT, "no API key", "anthropic",
		"set ANTHROPIC_API_KEY, or model.key_file in memgit.yaml to a file only you can read");
}

/* ---- resolving ------------------------------------------------------------------ */

static const char *first(const char *a, const char *b, const char *c)
{
	return a && *a ? a : b && *b ? b : c;
}

static int dup_opt(char **out, const char *s)
{
	if (!s)
		return 0;
	if (!(*out = strdup(s)))
		return mg_error_oom();
	return 0;
}

static int pick_kind(mg_llm_kind *kind, int *replay, const char *dreamer, const mg_model_settings *m)
{
	*replay = strcmp(dreamer, "replay") == 0;
	if (strcmp(dreamer, "anthropic") == 0)
		*kind = MG_LLM_ANTHROPIC;
	else if (strcmp(dreamer, "openai") == 0)
		*kind = MG_LLM_OPENAI;
	else if (*replay)
		*kind = m->provider && strcmp(m->provider, "openai") == 0 ? MG_LLM_OPENAI : MG_LLM_ANTHROPIC;
	else
		return mg_error_set(MEMGIT_EINPUT, "unknown dreamer", dreamer,
			"expected builtin, anthropic, openai or replay");
	return 0;
}

static void fill_client(mg_model_ctx *ctx, mg_llm_kind kind, const mg_model_settings *m)
{
	mg_llm_client *c = &ctx->client;

	c->llm.kind = kind;
	c->llm.model = ctx->model;
	c->llm.api_key = ctx->key;
	c->llm.beta = ctx->beta;
	c->llm.max_tokens = m->max_output_tokens ? m->max_output_tokens : MG_MODEL_MAX_OUTPUT_DEFAULT;
	c->base_url = ctx->base_url;
	c->connect_timeout_ms = m->connect_timeout_ms;
	c->timeout_ms = m->timeout_ms;
	c->stall_ms = m->stall_timeout_ms;
	c->retries = m->retries_set ? m->retries : MG_LLM_RETRIES_DEFAULT;
	c->stream = m->stream != 0;
	c->replay_dir = ctx->replay_dir;
}

int mg_model_ctx_init(mg_model_ctx *ctx, const char *dreamer, const memgit_dream_options *opts,
	const mg_model_settings *m)
{
	const char *model, *url;
	mg_llm_kind kind = MG_LLM_ANTHROPIC;
	int replay = 0, rc;

	memset(ctx, 0, sizeof(*ctx));
	if ((rc = pick_kind(&kind, &replay, dreamer, m)) < 0)
		return rc;
	model = first(opts->model, getenv("MEMGIT_MODEL"), m->name);
	if (!model && replay)
		model = "recorded"; /* a replay sends nothing: the name is only a label */
	if (!model)
		return mg_error_set(MEMGIT_EINPUT, "no model", dreamer,
			"give --model, set MEMGIT_MODEL, or set model.name in memgit.yaml");
	url = first(getenv(kind == MG_LLM_OPENAI ? "OPENAI_BASE_URL" : "ANTHROPIC_BASE_URL"),
		m->base_url, kind == MG_LLM_OPENAI ? OPENAI_DEFAULT_URL : ANTHROPIC_DEFAULT_URL);
	if ((rc = dup_opt(&ctx->model, model)) < 0 || (rc = dup_opt(&ctx->base_url, url)) < 0 ||
	    (rc = dup_opt(&ctx->beta, m->beta)) < 0 ||
	    (replay && (rc = dup_opt(&ctx->replay_dir, opts->replay)) < 0) ||
	    (!replay && (rc = load_key(ctx, kind, m)) < 0))
		goto fail;
	fill_client(ctx, kind, m);
	snprintf(ctx->label, sizeof(ctx->label), "%s:%s", dreamer, model);
	ctx->jobs = opts->jobs ? opts->jobs : m->jobs ? m->jobs : MG_MODEL_JOBS_DEFAULT;
	if (ctx->jobs > MG_MODEL_JOBS_MAX)
		ctx->jobs = MG_MODEL_JOBS_MAX;
	ctx->context_tokens = m->context_tokens ? m->context_tokens :
		kind == MG_LLM_OPENAI ? MG_MODEL_CONTEXT_OPENAI : MG_MODEL_CONTEXT_ANTHROPIC;
	ctx->max_tokens = opts->max_tokens ? opts->max_tokens : m->max_tokens;
	ctx->progress = opts->progress;
	ctx->progress_payload = opts->progress_payload;
	return 0;
fail:
	mg_model_ctx_dispose(ctx);
	return rc;
}

void mg_model_ctx_dispose(mg_model_ctx *ctx)
{
	if (ctx->key) {
		memset(ctx->key, 0, strlen(ctx->key));
		free(ctx->key);
	}
	free(ctx->model);
	free(ctx->base_url);
	free(ctx->beta);
	free(ctx->replay_dir);
	mg_model_report_dispose(&ctx->report);
	memset(ctx, 0, sizeof(*ctx));
}
