/*
 * builtin_workflows.c: rule 4, a sequence of tool calls that recurs across
 * sessions.
 *
 * Each session becomes a sequence of steps: a successful shell command
 * gives one step per command it runs ("git status", "cmake --build",
 * "ctest"), any other tool its name; inspection (Read, Grep, ls, cat...)
 * is left out, failed calls too, and a step repeated back to back counts
 * once. Every run of workflow_min_steps..workflow_max_steps steps that is
 * not one unit repeated (A B A B) is counted once per session. Those seen in at
 * least min_sessions sessions are candidates; one contained in a longer
 * candidate seen in as many sessions is dropped, and of candidates that
 * overlap the same events in most of their sessions (the windows of one
 * long sequence, a sequence and what often comes before it) the one that
 * explains the most steps (length x sessions) is kept.
 *
 * A `workflow` memory with the same steps (its `signature:`, or its body
 * naming the steps in order) gets the new sessions as sources instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "memgit/memory.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/error.h"

#define GRAM_MAX 12

typedef struct {
	size_t session;
	uint64_t first, last;
} span;

typedef struct {
	uint32_t steps[GRAM_MAX];
	unsigned len;
	size_t last_session;
	span *occ; /* the first occurrence in each session */
	size_t nocc, cap;
	int dropped;
	char *key;
} gram;

typedef struct {
	char *name;    /* "git status", or a tool's name */
	char *example; /* a command that ran it, or NULL */
	int tool;      /* a tool rather than a shell command */
} step;

struct mg_bi_workflows {
	unsigned min, max;
	mg_strmap step_index;
	step *steps;
	size_t nsteps, capsteps;
	uint32_t *seq; /* this session */
	uint64_t *first, *last;
	size_t nseq, capseq;
	mg_strmap gram_index;
	gram *grams;
	size_t ngrams, capgrams;
	memgit_buf key;
};

int mg_bi_workflows_new(mg_bi_workflows **out, const mg_dream_config *cfg)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return mg_error_oom();
	(*out)->min = cfg->workflow_min_steps;
	(*out)->max = cfg->workflow_max_steps > GRAM_MAX ? GRAM_MAX : cfg->workflow_max_steps;
	return 0;
}

void mg_bi_workflows_free(mg_bi_workflows *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->nsteps; i++) {
		free(w->steps[i].name);
		free(w->steps[i].example);
	}
	for (size_t i = 0; i < w->ngrams; i++) {
		free(w->grams[i].occ);
		free(w->grams[i].key);
	}
	free(w->steps);
	free(w->grams);
	free(w->seq);
	free(w->first);
	free(w->last);
	mg_strmap_dispose(&w->step_index);
	mg_strmap_dispose(&w->gram_index);
	memgit_buf_dispose(&w->key);
	free(w);
}

/* ---- this session's steps ------------------------------------------------------ */

static int intern(mg_bi_workflows *w, uint32_t *id, const char *name, int tool, const char *raw,
        size_t raw_len)
{
	memgit_buf clip = MEMGIT_BUF_INIT;
	size_t v;
	step *s;
	int rc;

	mg_buf_clear(&w->key);
	if ((rc = mg_buf_printf(&w->key, "%c%s", tool ? 't' : 's', name)) < 0)
		return rc;
	if (mg_strmap_get(&w->step_index, w->key.ptr, &v)) {
		*id = (uint32_t)v;
		return 0;
	}
	if (mg_array_grow((void **)&w->steps, &w->capsteps, w->nsteps + 1, sizeof(*w->steps)) < 0)
		return MEMGIT_ENOMEM;
	s = &w->steps[w->nsteps];
	memset(s, 0, sizeof(*s));
	s->tool = tool;
	if (raw && raw_len && (rc = mg_bi_clip(&clip, raw, raw_len, 120)) == 0)
		s->example = mg_buf_detach(&clip);
	memgit_buf_dispose(&clip);
	if (rc < 0 || !(s->name = strdup(name)) || (raw && raw_len && !s->example)) {
		free(s->name);
		free(s->example);
		return rc < 0 ? rc : mg_error_oom();
	}
	if ((rc = mg_strmap_set(&w->step_index, w->key.ptr, w->nsteps)) < 0) {
		free(s->name);
		free(s->example);
		return rc;
	}
	*id = (uint32_t)w->nsteps++;
	return 0;
}

static int push_step(mg_bi_workflows *w, uint32_t id, uint64_t first, uint64_t last)
{
	if (w->nseq && w->seq[w->nseq - 1] == id) {
		w->last[w->nseq - 1] = last; /* the same step again: one step */
		return 0;
	}
	if (w->nseq == w->capseq) {
		size_t cap = w->capseq ? w->capseq * 2 : 64;
		uint32_t *s = realloc(w->seq, cap * sizeof(*s));
		uint64_t *f = s ? realloc(w->first, cap * sizeof(*f)) : NULL;
		uint64_t *l = f ? realloc(w->last, cap * sizeof(*l)) : NULL;
		if (s)
			w->seq = s;
		if (f)
			w->first = f;
		if (!l)
			return mg_error_oom();
		w->last = l;
		w->capseq = cap;
	}
	w->seq[w->nseq] = id;
	w->first[w->nseq] = first;
	w->last[w->nseq++] = last;
	return 0;
}

typedef struct {
	mg_bi_workflows *w;
	const mg_bi_call *call;
} step_ctx;

static int shell_step(const char *name, const char *raw, size_t raw_len, void *payload)
{
	step_ctx *c = payload;
	uint64_t first = c->call->use != UINT64_MAX ? c->call->use : c->call->result;
	uint32_t id;
	int rc;

	if ((rc = intern(c->w, &id, name, 0, raw, raw_len)) < 0)
		return rc;
	return push_step(c->w, id, first, c->call->result);
}

int mg_bi_workflows_call(mg_bi_workflows *w, const mg_bi_call *call)
{
	step_ctx c = {w, call};
	uint32_t id;
	int rc;

	if (call->is_error)
		return 0;
	if (call->command)
		return mg_bi_shell_steps(call->command, call->command_len, 0, shell_step, &c);
	if (mg_bi_is_trivial_tool(call->tool) || mg_bi_is_shell_tool(call->tool))
		return 0;
	if ((rc = intern(w, &id, call->tool, 1, NULL, 0)) < 0)
		return rc;
	return push_step(w, id, call->use != UINT64_MAX ? call->use : call->result, call->result);
}

/* ---- n-grams ---------------------------------------------------------------------- */

static int gram_key(memgit_buf *key, const uint32_t *ids, unsigned len)
{
	int rc = 0;

	mg_buf_clear(key);
	for (unsigned i = 0; i < len && rc == 0; i++)
		rc = mg_buf_printf(key, i ? ",%u" : "%u", ids[i]);
	return rc;
}

static int new_gram(mg_bi_workflows *w, size_t *idx, const uint32_t *ids, unsigned len)
{
	gram *g;

	if (mg_array_grow((void **)&w->grams, &w->capgrams, w->ngrams + 1, sizeof(*w->grams)) < 0)
		return MEMGIT_ENOMEM;
	g = &w->grams[w->ngrams];
	memset(g, 0, sizeof(*g));
	memcpy(g->steps, ids, len * sizeof(*ids));
	g->len = len;
	g->last_session = MG_BI_NONE;
	if (!(g->key = strdup(w->key.ptr)))
		return mg_error_oom();
	*idx = w->ngrams++;
	return mg_strmap_set(&w->gram_index, g->key, *idx);
}

static int count_gram(mg_bi_workflows *w, size_t session, size_t pos, unsigned len)
{
	size_t idx;
	gram *g;
	int rc;

	if ((rc = gram_key(&w->key, w->seq + pos, len)) < 0)
		return rc;
	if (!mg_strmap_get(&w->gram_index, w->key.ptr, &idx) &&
	        (rc = new_gram(w, &idx, w->seq + pos, len)) < 0)
		return rc;
	g = &w->grams[idx];
	if (g->last_session == session)
		return 0;
	if (mg_array_grow((void **)&g->occ, &g->cap, g->nocc + 1, sizeof(*g->occ)) < 0)
		return MEMGIT_ENOMEM;
	g->occ[g->nocc++] = (span){session, w->first[pos], w->last[pos + len - 1]};
	g->last_session = session;
	return 0;
}

/*
 * Worth counting: not one repeating unit (A B A B, A B C A B C). A cycle
 * of edit and test is the unit, found on its own when it is long enough;
 * a single step repeated is not a sequence at all.
 */
static int varied(const uint32_t *ids, unsigned len)
{
	for (unsigned p = 1; p < len; p++) {
		unsigned i = 0;
		while (i + p < len && ids[i] == ids[i + p])
			i++;
		if (i + p == len)
			return 0;
	}
	return 1;
}

int mg_bi_workflows_session_end(mg_bi_workflows *w, size_t session, const char *session_id)
{
	int rc = 0;

	(void)session_id;
	for (unsigned len = w->min; len <= w->max && rc == 0; len++)
		for (size_t pos = 0; pos + len <= w->nseq && rc == 0; pos++)
			if (varied(w->seq + pos, len))
				rc = count_gram(w, session, pos, len);
	w->nseq = 0;
	return rc;
}

/* ---- choosing ----------------------------------------------------------------------- */

/*
 * Drop every candidate contained in a longer candidate seen in as many
 * sessions: it says nothing the longer one does not. (One seen in more
 * sessions stays a candidate; choose() decides between them.)
 */
static int drop_contained(mg_bi_workflows *w, size_t min_sessions)
{
	size_t idx;
	int rc = 0;

	for (size_t i = 0; i < w->ngrams && rc == 0; i++) {
		const gram *g = &w->grams[i];
		if (g->nocc < min_sessions)
			continue;
		for (unsigned len = w->min; len < g->len && rc == 0; len++)
			for (unsigned at = 0; at + len <= g->len && rc == 0; at++) {
				if ((rc = gram_key(&w->key, g->steps + at, len)) == 0 &&
				        mg_strmap_get(&w->gram_index, w->key.ptr, &idx) &&
				        w->grams[idx].nocc <= g->nocc)
					w->grams[idx].dropped = 1;
			}
	}
	return rc;
}

/* Best first: the most steps explained (steps x sessions), then the most
 * sessions, then the longest; ties by key, so every run agrees. */
static int cmp_rank(const void *a, const void *b, void *p)
{
	const gram *g = p, *x = &g[*(const size_t *)a], *y = &g[*(const size_t *)b];
	size_t cx = x->len * x->nocc, cy = y->len * y->nocc;

	if (cx != cy)
		return cx > cy ? -1 : 1;
	if (x->nocc != y->nocc)
		return x->nocc > y->nocc ? -1 : 1;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return strcmp(x->key, y->key);
}

typedef struct {
	span *v;
	size_t n, cap;
} spans;

static int overlaps(const spans *taken, const span *o)
{
	for (size_t i = 0; i < taken->n; i++)
		if (taken->v[i].session == o->session && taken->v[i].first <= o->last &&
		        o->first <= taken->v[i].last)
			return 1;
	return 0;
}

static int take(spans *taken, const gram *g)
{
	for (size_t i = 0; i < g->nocc; i++) {
		if (mg_array_grow((void **)&taken->v, &taken->cap, taken->n + 1, sizeof(*taken->v)) < 0)
			return MEMGIT_ENOMEM;
		taken->v[taken->n++] = g->occ[i];
	}
	return 0;
}

/* The chosen workflows, best first, into chosen[*n]. */
static int choose(mg_bi_workflows *w, size_t min_sessions, size_t *chosen, size_t *n)
{
	size_t k = 0;
	spans taken = {0};
	int rc;

	*n = 0;
	if ((rc = drop_contained(w, min_sessions)) < 0)
		return rc;
	for (size_t i = 0; i < w->ngrams; i++)
		if (w->grams[i].nocc >= min_sessions && !w->grams[i].dropped)
			chosen[k++] = i;
	qsort_r(chosen, k, sizeof(*chosen), cmp_rank, w->grams);
	for (size_t i = 0; i < k && rc == 0; i++) {
		const gram *g = &w->grams[chosen[i]];
		size_t shared = 0;
		for (size_t j = 0; j < g->nocc; j++)
			shared += overlaps(&taken, &g->occ[j]);
		/* mostly the same events as a better one: a window of the same workflow */
		if (shared * 2 > g->nocc)
			continue;
		if ((rc = take(&taken, g)) == 0)
			chosen[(*n)++] = chosen[i];
	}
	free(taken.v);
	return rc;
}

/* ---- writing ------------------------------------------------------------------------- */

static int step_line(memgit_buf *out, const step *s)
{
	if (s->tool)
		return mg_buf_printf(out, "the `%s` tool", s->name);
	if (s->example && strcmp(s->example, s->name))
		return mg_buf_printf(out, "`%s` (e.g. `%s`)", s->name, s->example);
	return mg_buf_printf(out, "`%s`", s->name);
}

static int workflow_text(
        mg_bi_workflows *w, const gram *g, memgit_buf *title, memgit_buf *body, memgit_buf *names)
{
	int rc = mg_buf_puts(title, "Workflow: ");

	if (rc == 0)
		rc = mg_buf_printf(
		        body, "Steps that recurred in this order in %zu sessions:\n\n", g->nocc);
	for (unsigned i = 0; i < g->len && rc == 0; i++) {
		const step *s = &w->steps[g->steps[i]];
		if ((rc = mg_buf_printf(title, "%s%s", i ? " -> " : "", s->name)) == 0 &&
		        (rc = mg_buf_printf(names, "%s%s", i ? "\n" : "", s->name)) == 0 &&
		        (rc = mg_buf_printf(body, "%u. ", i + 1)) == 0 &&
		        (rc = step_line(body, s)) == 0)
			rc = mg_buf_putc(body, '\n');
	}
	return rc;
}

static int evidence_of(mg_bi_strs *ev, const mg_bi *b, const gram *g)
{
	int rc = 0;

	for (size_t i = 0; i < g->nocc && rc == 0; i++) {
		const span *o = &g->occ[i];
		const char *sid = b->in->sessions[o->session];
		if (o->first < o->last)
			rc = mg_bi_strs_pushf(ev, "%s#%llu-%llu", sid, (unsigned long long)o->first,
			        (unsigned long long)o->last);
		else
			rc = mg_bi_strs_pushf(ev, "%s#%llu", sid, (unsigned long long)o->last);
	}
	return rc;
}

static int tags_of(mg_bi_strs *tags, mg_bi_workflows *w, const gram *g)
{
	memgit_buf t = MEMGIT_BUF_INIT;
	int rc = mg_bi_strs_push(tags, "workflow");

	for (unsigned i = 0; i < g->len && rc == 0 && tags->n < 6; i++) {
		const char *name = w->steps[g->steps[i]].name;
		mg_buf_clear(&t);
		if ((rc = mg_bi_slug(&t, name, strcspn(name, " "), 32)) == 0)
			rc = mg_bi_strs_add_unique(tags, t.ptr);
	}
	memgit_buf_dispose(&t);
	return rc;
}

static int create_workflow(mg_bi *b, mg_bi_workflows *w, const gram *g, const char *sig,
        const char *title, const memgit_buf *body, const memgit_buf *names, mg_bi_strs *ev)
{
	memgit_buf path = MEMGIT_BUF_INIT, slug = MEMGIT_BUF_INIT, content = MEMGIT_BUF_INIT;
	mg_bi_strs tags = {0};
	char count[24];
	const char *extra[4] = {"signature", sig, "occurrences", count};
	int rc;

	snprintf(count, sizeof(count), "#%zu", g->nocc);
	if ((rc = mg_bi_slug(&slug, names->ptr, names->size, 60)) < 0 ||
	        (rc = mg_bi_new_path(&path, b, "workflows", slug.ptr)) < 0 ||
	        (rc = tags_of(&tags, w, g)) < 0)
		goto done;
	if ((rc = mg_bi_compose(&content, path.ptr, title, "workflow", tags.items, tags.n, b->now,
	             ev->items, ev->n, extra, 2, body->ptr, body->size)) < 0 ||
	        (rc = mg_bi_create(b, path.ptr, &content, ev,
	                 "the same %u steps recurred in %zu sessions", g->len, g->nocc)) < 0)
		goto done;
done:
	mg_bi_strs_dispose(&tags);
	memgit_buf_dispose(&path);
	memgit_buf_dispose(&slug);
	memgit_buf_dispose(&content);
	return rc;
}

/* Add the sessions the memory does not cite yet to its sources. */
static int add_sources(mg_bi *b, size_t idx, const gram *g, const mg_bi_strs *all)
{
	memgit_memory *mem = NULL;
	mg_bi_strs src = {0}, ev = {0};
	unsigned long had;
	const char *v;
	int rc;

	if ((rc = mg_bi_update_begin(&mem, &idx, b, idx)) < 0 || idx == MG_BI_NONE)
		goto done;
	rc = mg_bi_uncited(b, mem, g->nocc ? &g->occ[0].session : NULL, sizeof(*g->occ), g->nocc, all,
		&src, &ev);
	if (rc < 0 || !ev.n)
		goto done;
	v = memgit_memory_get(mem, "occurrences");
	had = v ? strtoul(v, NULL, 10) : 0;
	if ((rc = memgit_memory_set_list(mem, "sources", (const char *const *)src.items, src.n)) <
	                0 ||
	        (rc = mg_bi_touch(mem, b)) < 0 ||
	        (v && (rc = mg_bi_set_count(
	                       &mem, b->in->memories[idx].path, "occurrences", had + ev.n)) < 0))
		goto done;
	{
		char why[128];
		snprintf(why, sizeof(why), "the workflow recurred in %zu more session%s", ev.n,
		        ev.n == 1 ? "" : "s");
		rc = mg_bi_update_end(b, idx, mem, why, ev.items, ev.n);
		mem = NULL;
	}
done:
	memgit_memory_free(mem);
	mg_bi_strs_dispose(&src);
	mg_bi_strs_dispose(&ev);
	return rc;
}

/* A live `kind: workflow` memory whose body names the steps in order. */
static size_t named_in_order(const mg_bi *b, const char *names, memgit_buf *tmp)
{
	for (size_t i = 0; i < b->n; i++) {
		const memgit_memory *mem = b->in->memories[i].mem;
		const char *kind = mem ? memgit_memory_get(mem, "kind") : NULL, *body, *at,
		           *p = names;
		size_t len;
		if (!kind || strcmp(kind, "workflow") || b->mems[i].state == MG_BI_DELETED)
			continue;
		body = memgit_memory_body(mem, &len);
		mg_buf_clear(tmp);
		if (mg_bi_squash(tmp, body, len) < 0)
			return MG_BI_NONE;
		at = mg_buf_cstr(tmp);
		while (at && *p) {
			size_t n = strcspn(p, "\n");
			char want[128];
			snprintf(want, sizeof(want), "%.*s", (int)n, p);
			for (char *c = want; *c; c++)
				*c = (char)mg_bi_lower((unsigned char)*c);
			at = strstr(at, want);
			at = at ? at + strlen(want) : NULL;
			p += n + (p[n] == '\n');
		}
		if (at)
			return i;
	}
	return MG_BI_NONE;
}

static int propose_one(mg_bi *b, mg_bi_workflows *w, const gram *g)
{
	memgit_buf title = MEMGIT_BUF_INIT, body = MEMGIT_BUF_INIT, names = MEMGIT_BUF_INIT,
	           tmp = MEMGIT_BUF_INIT, sigsrc = MEMGIT_BUF_INIT, clipped = MEMGIT_BUF_INIT;
	mg_bi_strs ev = {0};
	char sig[17];
	size_t idx;
	int rc;

	if ((rc = workflow_text(w, g, &title, &body, &names)) < 0 ||
	        (rc = mg_buf_printf(&sigsrc, "workflow\x1f%s", names.ptr)) < 0 ||
	        (rc = evidence_of(&ev, b, g)) < 0 ||
	        (rc = mg_bi_clip(&clipped, title.ptr, title.size, 120)) < 0)
		goto done;
	mg_bi_sig_of(sig, sigsrc.ptr, sigsrc.size);
	if (!mg_strmap_get(&b->sigs, sig, &idx))
		idx = named_in_order(b, names.ptr, &tmp);
	if (idx != MG_BI_NONE)
		rc = add_sources(b, idx, g, &ev);
	else
		rc = create_workflow(b, w, g, sig, clipped.ptr, &body, &names, &ev);
done:
	memgit_buf_dispose(&title);
	memgit_buf_dispose(&body);
	memgit_buf_dispose(&names);
	memgit_buf_dispose(&tmp);
	memgit_buf_dispose(&sigsrc);
	memgit_buf_dispose(&clipped);
	mg_bi_strs_dispose(&ev);
	return rc;
}

int mg_bi_workflows_propose(mg_bi *b, mg_bi_workflows *w)
{
	size_t *chosen = malloc((w->ngrams ? w->ngrams : 1) * sizeof(*chosen)), n = 0;
	int rc;

	if (!chosen)
		return mg_error_oom();
	rc = choose(w, b->cfg.min_sessions, chosen, &n);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = propose_one(b, w, &w->grams[chosen[i]]);
	free(chosen);
	return rc;
}
