/*
 * model.c: the model dreamer: map the chunks in parallel, reduce, repair
 * (model.h).
 *
 * Threads: `jobs` workers take chunks in order from a shared counter and
 * make one request each (mg_llm_call, a libcurl handle of its own). The
 * memory and the sessions were read before they start, so no worker
 * touches libgit2. The first failure cancels the rest: in-flight streams
 * stop at their next event and no new request starts. Errors are kept per
 * thread, so a worker copies its error out and the caller re-raises it.
 *
 * Budget: before a request starts, its input estimate plus the most it can
 * answer (max_tokens) is reserved; after it, the provider's count replaces
 * the reservation. A request that would pass the budget is not started:
 * the dream goes on with the chunks done, and consumes only the sessions
 * all of whose chunks were reviewed; the others wait for the next dream.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "llm/provider.h"
#include "memgit/memory.h"
#include "util/clock.h"
#include "model.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/sha256.h"
#include "util/templates.h"

#define DREAM_TEMPLATE "prompts/dream.md"
#define REDUCE_TEMPLATE "prompts/reduce.md"
#define REPAIR_TEMPLATE "prompts/repair.md"
#define REVISE_TEMPLATE "prompts/revise.md"
/* the request's own words around the data, and the tool schema */
#define OVERHEAD_TOKENS 2500
#define NO_SESSIONS_TEXT \
	"There are no new sessions. Review the memory itself: merge what says the same " \
	"thing, resolve contradictions, retire what is stale.\n"

typedef struct {
	mg_model_ctx *ctx;
	const mg_dream_input *in;
	mg_llm_prompt prompt;       /* instructions and memory; task per request */
	memgit_buf instructions, memory;
	uint64_t prefix_tokens;
	mg_model_chunk *chunks;
	size_t nchunks;
	mg_llm_result *results;     /* per chunk */
	char *done;                 /* per chunk */
	pthread_mutex_t mu;
	size_t next;
	uint64_t reserved, used;
	int stop;                   /* no new request: failure or budget */
	atomic_int cancel;          /* in-flight requests: stop */
	int failed;                 /* the first failure's code, kept below */
	char *failed_what, *failed_subject, *failed_why;
	memgit_dream_progress prog;
} dream_run;

/* ---- prompts ------------------------------------------------------------------ */

static const char *template_text(const char *name, size_t *len)
{
	const mg_template *t = mg_template_find(name);

	*len = t ? t->size : 0;
	return t ? t->data : "";
}

static int build_instructions(dream_run *r)
{
	size_t len;
	const char *t = template_text(DREAM_TEMPLATE, &len);
	int rc = mg_buf_put(&r->instructions, t, len);

	if (rc == 0 && r->in->instructions && *r->in->instructions)
		rc = mg_buf_printf(&r->instructions, "\nThe user adds:\n%s\n", r->in->instructions);
	return rc;
}

/* Everything fixed that shapes the requests: the templates, the schema and
 * the user's instructions (not the data). Two dreams with the same hash
 * were asked the same way. */
static void prompt_hash(char out[65], const char *instructions)
{
	static const char *const names[] = { DREAM_TEMPLATE, REDUCE_TEMPLATE, REPAIR_TEMPLATE,
		REVISE_TEMPLATE, "prompts/edit_schema.json" };
	mg_sha256 h;
	size_t len;

	mg_sha256_init(&h);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *t = template_text(names[i], &len);
		mg_sha256_update(&h, t, len);
		mg_sha256_update(&h, "", 1);
	}
	if (instructions)
		mg_sha256_update(&h, instructions, strlen(instructions));
	mg_sha256_hex(&h, out);
}

/* ---- progress and failures (called with r->mu held) -------------------------------- */

static void report_progress(dream_run *r)
{
	if (r->ctx->progress)
		r->ctx->progress(&r->prog, r->ctx->progress_payload);
}

typedef struct {
	dream_run *run;
	size_t seen;
} stream_progress;

static void on_stream(size_t text_bytes, size_t tool_bytes, void *payload)
{
	stream_progress *sp = payload;
	size_t now = text_bytes + tool_bytes;

	pthread_mutex_lock(&sp->run->mu);
	sp->run->prog.streamed += now > sp->seen ? now - sp->seen : 0;
	sp->seen = now;
	report_progress(sp->run);
	pthread_mutex_unlock(&sp->run->mu);
}

static void keep_failure(dream_run *r, int rc)
{
	const memgit_error *e = memgit_error_last();

	r->stop = 1;
	atomic_store(&r->cancel, 1);
	if (r->failed)
		return;
	r->failed = rc;
	r->failed_what = strdup(e->what ? e->what : "model request failed");
	r->failed_subject = e->subject && *e->subject ? strdup(e->subject) : NULL;
	r->failed_why = strdup(e->why ? e->why : "");
}

static int raise_failure(dream_run *r)
{
	if (!r->failed_what || !r->failed_why)
		return mg_error_oom();
	return mg_error_set(r->failed == MEMGIT_ENOMEM ? MEMGIT_ENOMEM : r->failed, r->failed_what,
		r->failed_subject, "%s", r->failed_why);
}

static uint64_t usage_total(const mg_llm_usage *u)
{
	return (uint64_t)(u->input + u->output + u->cache_creation + u->cache_read);
}

static void add_usage(dream_run *r, const mg_llm_usage *u)
{
	mg_llm_usage *t = &r->ctx->report.usage;

	t->input += u->input;
	t->output += u->output;
	t->cache_creation += u->cache_creation;
	t->cache_read += u->cache_read;
	r->used += usage_total(u);
	r->prog.tokens_in += (uint64_t)(u->input + u->cache_creation + u->cache_read);
	r->prog.tokens_out += (uint64_t)u->output;
}

/* Reserve a request's worst case; 0 when the budget allows it. */
static int reserve(dream_run *r, uint64_t est)
{
	if (r->ctx->max_tokens && r->used + r->reserved + est > r->ctx->max_tokens) {
		r->ctx->report.budget_stopped = 1;
		return -1;
	}
	r->reserved += est;
	return 0;
}

/* ---- one request ------------------------------------------------------------------ */

/* Make request `name` with `task`; the usage is counted either way. */
static int request(dream_run *r, mg_llm_result *out, const char *name, const char *task,
	uint64_t est)
{
	mg_llm_prompt p = r->prompt;
	stream_progress sp = { r, 0 };
	mg_llm_call_info info;
	int rc;

	p.task = task;
	rc = mg_llm_call(out, &info, &r->ctx->client, name, &p, on_stream, &sp);
	pthread_mutex_lock(&r->mu);
	r->reserved -= est;
	r->ctx->report.requests++;
	if (rc == 0)
		add_usage(r, &out->usage);
	else
		keep_failure(r, rc);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static uint64_t estimate(const dream_run *r, size_t task_bytes)
{
	return r->prefix_tokens + mg_model_tokens(task_bytes) + OVERHEAD_TOKENS +
	       r->ctx->client.llm.max_tokens;
}

/* ---- map ------------------------------------------------------------------------------ */

static int map_one(dream_run *r, size_t k, uint64_t est)
{
	memgit_buf task = MEMGIT_BUF_INIT;
	char name[32];
	int rc;

	snprintf(name, sizeof(name), "map-%zu", k + 1);
	rc = mg_buf_printf(&task, "memgit request: map %zu/%zu\n\nSessions to review (part %zu of "
		"%zu):\n", k + 1, r->nchunks, k + 1, r->nchunks);
	if (rc == 0)
		rc = mg_buf_put(&task, r->chunks[k].text.ptr, r->chunks[k].text.size);
	if (rc == 0)
		rc = mg_buf_puts(&task, "\nPropose the edits these sessions justify, with "
			"propose_edits.\n");
	if (rc < 0) {
		pthread_mutex_lock(&r->mu);
		r->reserved -= est;
		keep_failure(r, rc);
		pthread_mutex_unlock(&r->mu);
	} else {
		rc = request(r, &r->results[k], name, task.ptr, est);
	}
	memgit_buf_dispose(&task);
	return rc;
}

static void *map_worker(void *arg)
{
	dream_run *r = arg;

	for (;;) {
		size_t k;
		uint64_t est;
		int rc;

		pthread_mutex_lock(&r->mu);
		if (r->stop || r->next >= r->nchunks) {
			pthread_mutex_unlock(&r->mu);
			break;
		}
		k = r->next;
		est = estimate(r, r->chunks[k].text.size);
		if (reserve(r, est) < 0) {
			r->stop = 1;
			pthread_mutex_unlock(&r->mu);
			break;
		}
		r->next++;
		r->prog.running++;
		report_progress(r);
		pthread_mutex_unlock(&r->mu);
		rc = map_one(r, k, est);
		pthread_mutex_lock(&r->mu);
		r->prog.running--;
		if (rc == 0) {
			r->done[k] = 1;
			r->prog.done++;
		}
		report_progress(r);
		pthread_mutex_unlock(&r->mu);
	}
	return NULL;
}

static int map_all(dream_run *r)
{
	size_t nthreads = r->ctx->jobs < r->nchunks ? r->ctx->jobs : r->nchunks;
	pthread_t *threads = NULL;
	size_t started = 0;

	if (nthreads > 1 && !(threads = calloc(nthreads, sizeof(*threads))))
		return mg_error_oom();
	/* the calling thread is worker 0 */
	for (size_t i = 1; i < nthreads; i++, started++)
		if (pthread_create(&threads[i], NULL, map_worker, r) != 0)
			break;
	map_worker(r);
	for (size_t i = 1; i <= started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	return r->failed ? raise_failure(r) : 0;
}

/* ---- reduce and repair --------------------------------------------------------------- */

static size_t chunks_done(const dream_run *r)
{
	size_t n = 0;
	for (size_t k = 0; k < r->nchunks; k++)
		n += r->done[k] != 0;
	return n;
}

static int reduce_task(memgit_buf *task, const dream_run *r)
{
	size_t len;
	const char *t = template_text(REDUCE_TEMPLATE, &len);
	int rc = mg_buf_puts(task, "memgit request: reduce\n\n");

	rc = rc ? rc : mg_buf_put(task, t, len);
	for (size_t k = 0; k < r->nchunks && rc == 0; k++) {
		if (!r->done[k])
			continue;
		rc = mg_buf_printf(task, "\n### edits proposed for part %zu of %zu\n", k + 1, r->nchunks);
		rc = rc ? rc : mg_buf_put(task, r->results[k].tool_input.ptr, r->results[k].tool_input.size);
		rc = rc ? rc : mg_buf_putc(task, '\n');
	}
	return rc;
}

/* The chunks' edits side by side, when the budget leaves no room for a
 * reduce: the engine refuses any two that collide. */
static int union_edits(memgit_buf *out, const dream_run *r)
{
	int rc = mg_buf_puts(out, "{\"edits\": [");
	int first = 1;

	for (size_t k = 0; k < r->nchunks && rc == 0; k++) {
		mg_json *root = NULL;
		const mg_json *edits;
		if (!r->done[k] || mg_llm_json(&root, "tool input", r->results[k].tool_input.ptr,
				   r->results[k].tool_input.size) < 0)
			continue;
		edits = mg_json_get(root, "edits");
		for (const mg_json *e = mg_json_first(edits); e && rc == 0; e = mg_json_next(e)) {
			rc = first ? 0 : mg_buf_putc(out, ',');
			rc = rc ? rc : mg_json_print(out, e);
			first = 0;
		}
		mg_json_free(root);
	}
	return rc ? rc : mg_buf_puts(out, "]}");
}

/* The reconciled tool input into `out`. */
static int reduce(dream_run *r, memgit_buf *out)
{
	memgit_buf task = MEMGIT_BUF_INIT;
	mg_llm_result res;
	uint64_t est;
	int rc, allowed;

	/* one chunk reviewed (of one, or the only one the budget allowed):
	 * nothing to reconcile */
	if (chunks_done(r) == 1)
		for (size_t k = 0; k < r->nchunks; k++)
			if (r->done[k])
				return mg_buf_set(out, r->results[k].tool_input.ptr,
					r->results[k].tool_input.size);
	if ((rc = reduce_task(&task, r)) < 0)
		goto done;
	est = estimate(r, task.size);
	pthread_mutex_lock(&r->mu);
	allowed = reserve(r, est) == 0;
	r->prog.phase = "reduce";
	r->prog.running += allowed;
	report_progress(r);
	pthread_mutex_unlock(&r->mu);
	if (!allowed) {
		rc = union_edits(out, r);
		goto done;
	}
	mg_llm_result_init(&res);
	rc = request(r, &res, "reduce", task.ptr, est);
	r->prog.running--;
	if (rc == 0) {
		r->ctx->report.reduced = 1;
		rc = mg_buf_set(out, res.tool_input.ptr, res.tool_input.size);
	}
	mg_llm_result_dispose(&res);
done:
	memgit_buf_dispose(&task);
	return rc;
}

/* Parse a tool input; schema problems (and text that is not JSON) go to
 * `problems`, so they can be sent back or recorded. */
static int parse_edits(mg_edit_list *out, const memgit_buf *json, memgit_buf *problems)
{
	int rc = mg_provider_parse_edits(out, json->ptr ? json->ptr : "", json->size, problems);

	if (rc == MEMGIT_EINPUT)
		return mg_buf_printf(problems, "the input is not a JSON object with an \"edits\" list: %s\n",
			memgit_error_last()->why);
	return rc;
}

static int repair_allowed(const dream_run *r)
{
	memgit_buf path = MEMGIT_BUF_INIT;
	int ok = 1;

	/* a replay repairs only when a repair answer was recorded */
	if (r->ctx->client.replay_dir) {
		ok = mg_buf_printf(&path, "%s/repair.json", r->ctx->client.replay_dir) == 0 &&
		     (access(path.ptr, R_OK) == 0 ||
		      (mg_buf_clear(&path), mg_buf_printf(&path, "%s/repair.sse",
			      r->ctx->client.replay_dir) == 0 && access(path.ptr, R_OK) == 0));
	}
	memgit_buf_dispose(&path);
	return ok;
}

static int repair(dream_run *r, mg_edit_list *out, const memgit_buf *json, const memgit_buf *problems)
{
	memgit_buf task = MEMGIT_BUF_INIT, fixed = MEMGIT_BUF_INIT, left = MEMGIT_BUF_INIT;
	mg_llm_result res;
	size_t len;
	const char *t = template_text(REPAIR_TEMPLATE, &len);
	uint64_t est;
	int rc;

	rc = mg_buf_puts(&task, "memgit request: repair\n\n");
	rc = rc ? rc : mg_buf_put(&task, t, len);
	rc = rc ? rc : mg_buf_puts(&task, "\nYour last input:\n");
	rc = rc ? rc : mg_buf_put(&task, json->ptr ? json->ptr : "", json->size);
	rc = rc ? rc : mg_buf_puts(&task, "\n\nProblems:\n");
	rc = rc ? rc : mg_buf_put(&task, problems->ptr, problems->size);
	if (rc < 0)
		goto done;
	est = estimate(r, task.size);
	pthread_mutex_lock(&r->mu);
	rc = reserve(r, est);
	r->prog.phase = "repair";
	report_progress(r);
	pthread_mutex_unlock(&r->mu);
	if (rc < 0) { /* no budget left: the bad edits are dropped */
		rc = mg_buf_put(&r->ctx->report.dropped, problems->ptr, problems->size);
		goto done;
	}
	mg_llm_result_init(&res);
	r->ctx->report.repaired = 1;
	rc = request(r, &res, "repair", task.ptr, est);
	if (rc == 0 && (rc = mg_buf_set(&fixed, res.tool_input.ptr, res.tool_input.size)) == 0) {
		mg_edit_list_dispose(out);
		rc = parse_edits(out, &fixed, &left);
		if (rc == 0)
			rc = mg_buf_put(&r->ctx->report.dropped, left.ptr, left.size);
	}
	mg_llm_result_dispose(&res);
done:
	memgit_buf_dispose(&task);
	memgit_buf_dispose(&fixed);
	memgit_buf_dispose(&left);
	return rc;
}

/* Final edits from the reconciled input: one repair request when they
 * break the schema or the engine's validation. */
static int finish_edits(dream_run *r, mg_edit_list *out, const memgit_buf *json)
{
	memgit_buf problems = MEMGIT_BUF_INIT;
	int rc;

	if ((rc = parse_edits(out, json, &problems)) < 0)
		goto done;
	if (r->in->check && (rc = r->in->check(out, &problems, r->in->check_ctx)) < 0)
		goto done;
	if (!problems.size)
		goto done;
	if (repair_allowed(r))
		rc = repair(r, out, json, &problems);
	else
		rc = mg_buf_put(&r->ctx->report.dropped, problems.ptr, problems.size);
done:
	memgit_buf_dispose(&problems);
	return rc;
}

/* ---- what a model leaves out ------------------------------------------------------------ */

static const mg_dream_memory *base_of(const mg_dream_input *in, const char *path)
{
	for (size_t i = 0; i < in->nmemories; i++)
		if (strcmp(in->memories[i].path, path) == 0)
			return &in->memories[i];
	return NULL;
}

/*
 * Give a markdown memory the keys memgit fills on every write when the
 * model left them out: an id (named by the content, as the builtin
 * dreamer names its own), `created` (kept from the memory it replaces),
 * and `updated`. Content that does not parse is left for validation to
 * refuse with its reason.
 */
static int complete_front_matter(mg_edit *e, const mg_dream_input *in)
{
	const mg_dream_memory *was = base_of(in, e->path);
	memgit_memory *mem = NULL;
	memgit_buf out = MEMGIT_BUF_INIT;
	char now[21], id[27];
	const char *created;
	int rc;

	if (!e->content || e->kind == MEMGIT_EDIT_DELETE || e->kind == MEMGIT_EDIT_MOVE ||
	    memgit_memory_parse(&mem, e->path, e->content, e->content_len, NULL) < 0 ||
	    memgit_memory_type_of(mem) != MEMGIT_MEMORY_MARKDOWN || !memgit_memory_has_front_matter(mem)) {
		memgit_error_clear();
		rc = 0;
		goto done;
	}
	mg_time_format(now, in->now);
	mg_bi_ulid_of(id, e->content, e->content_len);
	created = was && was->mem ? memgit_memory_get(was->mem, "created") : NULL;
	rc = 0;
	if (!memgit_memory_get(mem, "id"))
		rc = memgit_memory_set_string(mem, "id", was && was->mem && memgit_memory_get(was->mem,
			"id") ? memgit_memory_get(was->mem, "id") : id);
	if (rc == 0 && !memgit_memory_get(mem, "created"))
		rc = memgit_memory_set_string(mem, "created", created ? created : now);
	if (rc == 0 && e->kind != MEMGIT_EDIT_CREATE && !memgit_memory_get(mem, "updated"))
		rc = memgit_memory_set_string(mem, "updated", now);
	if (rc == 0 && (rc = memgit_memory_serialize(&out, mem)) == 0)
		rc = mg_edit_set_content(e, out.ptr, out.size);
done:
	memgit_memory_free(mem);
	memgit_buf_dispose(&out);
	return rc;
}

/* ---- sessions consumed ----------------------------------------------------------------- */

/* A session is consumed when every chunk holding part of it was reviewed. */
static int record_covered(dream_run *r)
{
	mg_model_report *rep = &r->ctx->report;

	if (!(rep->covered = calloc(r->in->nsessions ? r->in->nsessions : 1, sizeof(char *))))
		return mg_error_oom();
	for (size_t s = 0; s < r->in->nsessions; s++) {
		int whole = 1;
		for (size_t k = 0; k < r->nchunks && whole; k++)
			if (r->chunks[k].first_session <= s && s <= r->chunks[k].last_session)
				whole = r->done[k] != 0;
		/* a session with no events lies between chunks: it waits for
		 * the budget like the one after it */
		if (whole && rep->budget_stopped && r->next < r->nchunks &&
		    s >= r->chunks[r->next].first_session)
			whole = 0;
		if (whole && !(rep->covered[rep->ncovered++] = strdup(r->in->sessions[s])))
			return mg_error_oom();
	}
	return 0;
}

/* ---- the dreamer ------------------------------------------------------------------------ */

static int prepare(dream_run *r)
{
	uint64_t room;
	int rc;

	if ((rc = build_instructions(r)) < 0 || (rc = mg_model_render_memory(&r->memory, r->in)) < 0)
		return rc;
	r->prompt.instructions = r->instructions.ptr;
	r->prompt.memory = r->memory.ptr;
	r->prompt.stream = r->ctx->client.stream;
	r->prefix_tokens = mg_model_tokens(r->instructions.size + r->memory.size);
	room = r->ctx->context_tokens;
	/* what a chunk may fill: the context less the prefix, the answer and
	 * the request's own words, with a tenth kept back for the estimate */
	if (room <= r->prefix_tokens + r->ctx->client.llm.max_tokens + OVERHEAD_TOKENS + 1024)
		return mg_error_set(MEMGIT_ELIMIT, "cannot dream", r->ctx->label,
			"the memory (~%llu tokens) leaves no room for sessions in a context of %u tokens",
			(unsigned long long)r->prefix_tokens, r->ctx->context_tokens);
	room = (room - r->prefix_tokens - r->ctx->client.llm.max_tokens - OVERHEAD_TOKENS) * 9 / 10;
	if ((rc = mg_model_chunks(&r->chunks, &r->nchunks, r->in, room)) < 0)
		return rc;
	if (r->nchunks == 0) {
		if (!(r->chunks = calloc(1, sizeof(*r->chunks))))
			return mg_error_oom();
		r->nchunks = 1;
		if ((rc = mg_buf_puts(&r->chunks[0].text, NO_SESSIONS_TEXT)) < 0)
			return rc;
	}
	r->results = calloc(r->nchunks, sizeof(*r->results));
	r->done = calloc(r->nchunks, 1);
	if (!r->results || !r->done)
		return mg_error_oom();
	r->prog.phase = "map";
	r->prog.chunks = (unsigned)r->nchunks;
	r->ctx->report.chunks = (unsigned)r->nchunks;
	return 0;
}

static void run_dispose(dream_run *r)
{
	for (size_t k = 0; r->results && k < r->nchunks; k++)
		mg_llm_result_dispose(&r->results[k]);
	free(r->results);
	free(r->done);
	mg_model_chunks_free(r->chunks, r->nchunks);
	memgit_buf_dispose(&r->instructions);
	memgit_buf_dispose(&r->memory);
	free(r->failed_what);
	free(r->failed_subject);
	free(r->failed_why);
	pthread_mutex_destroy(&r->mu);
}

static int model_propose(mg_edit_list *out, const mg_dream_input *in, void *arg)
{
	memgit_buf json = MEMGIT_BUF_INIT;
	dream_run r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.ctx = arg;
	r.in = in;
	pthread_mutex_init(&r.mu, NULL);
	atomic_init(&r.cancel, 0);
	r.ctx->client.cancel = &r.cancel;
	prompt_hash(r.ctx->report.prompt_sha256, in->instructions);
	if ((rc = prepare(&r)) < 0 || (rc = map_all(&r)) < 0)
		goto done;
	r.ctx->report.chunks_done = (unsigned)chunks_done(&r);
	if (r.ctx->report.chunks_done == 0) {
		rc = mg_error_set(MEMGIT_ELIMIT, "cannot dream", r.ctx->label,
			"the token budget (%llu) is too small for one request (~%llu tokens)",
			r.ctx->max_tokens, (unsigned long long)estimate(&r, r.chunks[0].text.size));
		goto done;
	}
	if ((rc = record_covered(&r)) < 0 || (rc = reduce(&r, &json)) < 0 ||
	    (rc = finish_edits(&r, out, &json)) < 0)
		goto done;
	for (size_t i = 0; i < out->n && rc == 0; i++)
		rc = complete_front_matter(&out->items[i], in);
done:
	r.ctx->client.cancel = NULL;
	memgit_buf_dispose(&json);
	run_dispose(&r);
	return rc;
}

/* ---- a revision pass ------------------------------------------------------------------------ */

int mg_model_revise(mg_edit_list *out, mg_model_ctx *ctx, const mg_dream_input *in,
	const char *edits_json, const char *feedback, unsigned pass, uint64_t used)
{
	memgit_buf task = MEMGIT_BUF_INIT, json = MEMGIT_BUF_INIT, problems = MEMGIT_BUF_INIT;
	mg_llm_result res;
	dream_run r;
	char name[32];
	size_t len;
	const char *t = template_text(REVISE_TEMPLATE, &len);
	uint64_t est;
	int rc;

	memset(&r, 0, sizeof(r));
	mg_llm_result_init(&res);
	r.ctx = ctx;
	r.in = in;
	r.used = used; /* the budget is the dream's, over all its passes */
	pthread_mutex_init(&r.mu, NULL);
	atomic_init(&r.cancel, 0);
	ctx->client.cancel = &r.cancel;
	r.prog.phase = "revise";
	snprintf(name, sizeof(name), "revise-%u", pass);
	prompt_hash(ctx->report.prompt_sha256, in->instructions);
	if ((rc = build_instructions(&r)) < 0 || (rc = mg_model_render_memory(&r.memory, in)) < 0)
		goto done;
	r.prompt.instructions = r.instructions.ptr;
	r.prompt.memory = r.memory.ptr;
	r.prompt.stream = ctx->client.stream;
	r.prefix_tokens = mg_model_tokens(r.instructions.size + r.memory.size);
	rc = mg_buf_printf(&task, "memgit request: revise %u\n\n", pass);
	rc = rc ? rc : mg_buf_put(&task, t, len);
	rc = rc ? rc : mg_buf_printf(&task, "\nYour edits:\n%s\n\nWhat the grader found:\n%s", edits_json,
		feedback);
	if (rc < 0)
		goto done;
	est = estimate(&r, task.size);
	if (reserve(&r, est) < 0) {
		rc = 1; /* no budget for it: the caller revises without the model */
		goto done;
	}
	if ((rc = request(&r, &res, name, task.ptr, est)) < 0 ||
	    (rc = mg_buf_set(&json, res.tool_input.ptr, res.tool_input.size)) < 0 ||
	    (rc = parse_edits(out, &json, &problems)) < 0 ||
	    (rc = mg_buf_put(&ctx->report.dropped, problems.ptr, problems.size)) < 0)
		goto done;
	for (size_t i = 0; i < out->n && rc == 0; i++)
		rc = complete_front_matter(&out->items[i], in);
done:
	ctx->client.cancel = NULL;
	mg_llm_result_dispose(&res);
	memgit_buf_dispose(&task);
	memgit_buf_dispose(&json);
	memgit_buf_dispose(&problems);
	run_dispose(&r);
	return rc;
}

int mg_model_can_revise(const mg_model_ctx *ctx, unsigned pass)
{
	memgit_buf path = MEMGIT_BUF_INIT;
	int ok;

	if (!ctx->client.replay_dir)
		return 1;
	/* a replay revises only with a recorded answer */
	ok = mg_buf_printf(&path, "%s/revise-%u.json", ctx->client.replay_dir, pass) == 0 &&
	     access(path.ptr, R_OK) == 0;
	mg_buf_clear(&path);
	ok = ok || (mg_buf_printf(&path, "%s/revise-%u.sse", ctx->client.replay_dir, pass) == 0 &&
		    access(path.ptr, R_OK) == 0);
	memgit_buf_dispose(&path);
	return ok;
}

const mg_dreamer mg_dreamer_model = { "model", model_propose };
