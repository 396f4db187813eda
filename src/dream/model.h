/*
 * model.h: the model dreamers (anthropic, openai, and replay of their
 * recorded responses) and their settings (docs/providers.md, dreams.md).
 *
 * A model dream is map-reduce: the input sessions are rendered as text and
 * cut into chunks that fit the model's context next to the instructions
 * and the memory; each chunk is one request (map), run `jobs` at a time;
 * a reduce request reconciles the chunks' edits against the memory; an
 * answer that breaks the edit schema or the engine's validation gets one
 * repair request. Requests stop when the token budget would be passed.
 */
#ifndef MG_MODEL_H
#define MG_MODEL_H

#include <stdint.h>

#include "core/yaml.h"
#include "dreamer.h"
#include "llm/client.h"
#include "memgit/buf.h"
#include "memgit/dream.h"

#define MG_MODEL_JOBS_DEFAULT 4
#define MG_MODEL_JOBS_MAX 64
#define MG_MODEL_MAX_OUTPUT_DEFAULT 8192
#define MG_MODEL_CONTEXT_ANTHROPIC 200000
#define MG_MODEL_CONTEXT_OPENAI 128000
#define MG_MODEL_KEY_MAX 4096

/* memgit.yaml `model:`; zero / NULL means "not set". */
typedef struct {
	char *provider;            /* anthropic | openai */
	char *name;                /* the model id */
	char *base_url;
	char *key_file;            /* a file readable by its owner alone */
	char *beta;                /* anthropic-beta */
	unsigned context_tokens;
	unsigned max_output_tokens;
	unsigned timeout_ms, connect_timeout_ms, stall_timeout_ms;
	unsigned retries;
	int retries_set;
	unsigned jobs;
	unsigned long long max_tokens; /* the budget; 0: none */
	int stream;                /* -1 unset: stream */
} mg_model_settings;

void mg_model_settings_dispose(mg_model_settings *m);
int mg_model_settings_from(mg_model_settings *m, const mg_yaml_node *node, const char *file);

/* What a model dream reports back to the engine (trailers, note, output). */
typedef struct {
	mg_llm_usage usage;
	char prompt_sha256[65];
	unsigned chunks, chunks_done, requests;
	int reduced;               /* a reduce request reconciled the chunks */
	int repaired;              /* a repair request was made */
	int budget_stopped;        /* the token budget stopped new requests */
	char **covered;            /* sessions whose every chunk was reviewed */
	size_t ncovered;
	memgit_buf dropped;        /* one line per edit dropped for its schema */
} mg_model_report;

void mg_model_report_dispose(mg_model_report *r);

/* Everything a model dream runs with, resolved (model_config.c). */
typedef struct {
	mg_llm_client client;
	char label[160];           /* "anthropic:<model>", the Dream-Dreamer value */
	unsigned jobs;
	unsigned context_tokens;
	unsigned long long max_tokens;
	memgit_dream_progress_cb progress;
	void *progress_payload;
	mg_model_report report;
	/* owned strings the client points at */
	char *model, *base_url, *beta, *replay_dir;
	char *key;                 /* secret: wiped on dispose */
} mg_model_ctx;

/*
 * Resolve `dreamer` ("anthropic", "openai", "replay" with a folder of
 * recorded responses) from, in order: the options, the environment
 * (ANTHROPIC_API_KEY / OPENAI_API_KEY, ANTHROPIC_BASE_URL /
 * OPENAI_BASE_URL, MEMGIT_MODEL), memgit.yaml `model:`, and defaults.
 * MEMGIT_EINPUT for a missing model or key, a key file others can read.
 */
int mg_model_ctx_init(mg_model_ctx *ctx, const char *dreamer, const memgit_dream_options *opts,
	const mg_model_settings *settings);
void mg_model_ctx_dispose(mg_model_ctx *ctx);

/*
 * A revision pass: send the dream's applied edits (`edits_json`, {"edits":
 * [...]}) and the grader's failures (`feedback`) back to the model as
 * request "revise-<pass>" and take its complete revised list into `out`.
 * Usage goes into ctx->report. `used`: the tokens the dream spent so far,
 * counted against ctx->max_tokens. 1 (nothing asked) when the budget
 * leaves no room; else 0 or the model's error.
 */
int mg_model_revise(mg_edit_list *out, mg_model_ctx *ctx, const mg_dream_input *in,
	const char *edits_json, const char *feedback, unsigned pass, uint64_t used);

/* Whether a revise request can be made (a replay needs its recorded answer). */
int mg_model_can_revise(const mg_model_ctx *ctx, unsigned pass);

/* The dreamer; its ctx is an mg_model_ctx. */
extern const mg_dreamer mg_dreamer_model;

/* ---- internal to the model dreamer (model.c, model_chunks.c) ---------------- */

/* Token estimate of `bytes` of text: generous (3 bytes a token), so a
 * chunk fits whatever the tokenizer. */
static inline uint64_t mg_model_tokens(size_t bytes)
{
	return bytes / 3 + 1;
}

typedef struct {
	memgit_buf text;           /* the rendered events of this chunk */
	size_t first_session, last_session; /* indexes into the input sessions */
} mg_model_chunk;

/*
 * Render the input sessions and cut them into chunks of at most
 * `max_tokens` (estimated) each; a session may span several chunks. No
 * sessions gives no chunk.
 */
int mg_model_chunks(mg_model_chunk **out, size_t *n, const mg_dream_input *in, uint64_t max_tokens);
void mg_model_chunks_free(mg_model_chunk *chunks, size_t n);

/* The memory as the model sees it: every file with its path. */
int mg_model_render_memory(memgit_buf *out, const mg_dream_input *in);

#endif
