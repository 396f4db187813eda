/*
 * builtin.c: the builtin dreamer (DESIGN.md section 5): offline,
 * deterministic, no keys. The rules live in builtin_*.c; this file indexes
 * the base memory, runs the rules in order and owns the helpers that let a
 * later rule strengthen a memory an earlier one already rewrites.
 *
 * Order: retire (expired, superseded), then merge duplicates among what is
 * left, then one pass over the sessions for recurring mistakes, workflows
 * and stated preferences.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "memgit/memory.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/path.h"

/* ---- the memory index ----------------------------------------------------- */

static int truthy(const char *v)
{
	static const char *const yes[] = {
	        "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"};
	if (!v)
		return 0;
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		if (!strcmp(v, yes[i]))
			return 1;
	return 0;
}

static int fold_path(memgit_buf *out, const char *path)
{
	mg_buf_clear(out);
	return mg_path_fold(out, path, strlen(path));
}

static int index_memory(mg_bi *b, size_t i, memgit_buf *tmp)
{
	const mg_dream_memory *dm = &b->in->memories[i];
	mg_bi_mem *bm = &b->mems[i];
	const char *v;
	int rc;

	bm->m = dm;
	bm->into = MG_BI_NONE;
	if (dm->mem) {
		bm->usable = memgit_memory_type_of(dm->mem) == MEMGIT_MEMORY_MARKDOWN;
		bm->pinned = truthy(memgit_memory_get(dm->mem, "pinned"));
		/* the first memory (in path order) to claim an id or signature keeps it */
		if ((v = memgit_memory_get(dm->mem, "id")) && *v &&
		        !mg_strmap_get(&b->ids, v, NULL) && (rc = mg_strmap_set(&b->ids, v, i)) < 0)
			return rc;
		if ((v = memgit_memory_get(dm->mem, "signature")) && *v &&
		        !mg_strmap_get(&b->sigs, v, NULL) &&
		        (rc = mg_strmap_set(&b->sigs, v, i)) < 0)
			return rc;
	}
	if ((rc = fold_path(tmp, dm->path)) < 0)
		return rc;
	return mg_strmap_set(&b->folded, tmp->ptr, i);
}

/* Zero or out-of-range tunables fall back to the defaults. */
static void sanitise_config(mg_dream_config *c)
{
	const mg_dream_config d = MG_DREAM_CONFIG_INIT;

	if (!(c->duplicate_threshold > 0.0 && c->duplicate_threshold <= 1.0))
		c->duplicate_threshold = d.duplicate_threshold;
	if (!c->min_sessions)
		c->min_sessions = d.min_sessions;
	if (c->workflow_min_steps < 2)
		c->workflow_min_steps = 2;
	if (c->workflow_max_steps > 12)
		c->workflow_max_steps = 12;
	if (c->workflow_max_steps < c->workflow_min_steps)
		c->workflow_max_steps = c->workflow_min_steps;
	if (!c->max_edits)
		c->max_edits = d.max_edits;
}

static int bi_init(mg_bi *b, mg_edit_list *out, const mg_dream_input *in)
{
	const mg_dream_config defaults = MG_DREAM_CONFIG_INIT;
	memgit_buf tmp = MEMGIT_BUF_INIT;
	int rc = 0;

	memset(b, 0, sizeof(*b));
	b->in = in;
	b->out = out;
	b->cfg = in->config ? *in->config : defaults;
	sanitise_config(&b->cfg);
	mg_time_format(b->now, in->now);
	b->n = in->nmemories;
	if (b->n && !(b->mems = calloc(b->n, sizeof(*b->mems))))
		return mg_error_oom();
	for (size_t i = 0; i < b->n && rc == 0; i++)
		rc = index_memory(b, i, &tmp);
	memgit_buf_dispose(&tmp);
	return rc;
}

static void bi_dispose(mg_bi *b)
{
	free(b->mems);
	mg_strmap_dispose(&b->folded);
	mg_strmap_dispose(&b->ids);
	mg_strmap_dispose(&b->sigs);
	mg_strmap_dispose(&b->edit_at);
}

size_t mg_bi_find_path(const mg_bi *b, const char *path)
{
	size_t lo = 0, hi = b->n;

	/* in->memories is sorted by path (dreamer.h) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(b->in->memories[mid].path, path);
		if (!c)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return MG_BI_NONE;
}

int mg_bi_uncited(mg_bi *b, memgit_memory *mem, const size_t *sessions, size_t stride, size_t n,
	const mg_bi_strs *all, mg_bi_strs *src, mg_bi_strs *ev)
{
	int rc = 0;

	for (size_t i = 0; i < memgit_memory_list_count(mem, "sources") && rc == 0; i++)
		rc = mg_bi_strs_push(src, memgit_memory_list_item(mem, "sources", i));
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t session = *(const size_t *)((const char *)sessions + i * stride);
		const char *sid = b->in->sessions[session];
		if (!mg_bi_cites_session(mem, sid, strlen(sid)) &&
		    (rc = mg_bi_strs_push(ev, all->items[i])) == 0)
			rc = mg_bi_strs_push(src, all->items[i]);
	}
	return rc;
}

int mg_bi_create(mg_bi *b, const char *path, const memgit_buf *content, const mg_bi_strs *ev,
	const char *fmt, ...)
{
	va_list ap;
	mg_edit *e;
	size_t at;
	char *why;
	int rc;

	if ((rc = mg_bi_add_edit(&e, &at, b, MEMGIT_EDIT_CREATE, path)) < 0 ||
	    (rc = mg_edit_set_content(e, content->ptr, content->size)) < 0)
		return rc;
	va_start(ap, fmt);
	why = mg_vformat(fmt, ap);
	va_end(ap);
	if (!why)
		return MEMGIT_ENOMEM;
	rc = mg_edit_set_rationale(e, "%s", why);
	free(why);
	for (size_t i = 0; i < ev->n && rc == 0; i++)
		rc = mg_edit_add_evidence(e, "%s", ev->items[i]);
	return rc;
}

int mg_bi_touch(memgit_memory *mem, const mg_bi *b)
{
	const char *was = memgit_memory_get(mem, "updated");
	int64_t old = was ? mg_time_parse(was) : -1, now = mg_time_parse(b->now);

	/* the dream's time comes from its inputs, and may be older than a
	 * stamp written since by `memgit put`: never move `updated` back */
	if (old > now)
		return 0;
	return memgit_memory_set_string(mem, "updated", b->now);
}

int mg_bi_new_path(memgit_buf *out, mg_bi *b, const char *dir, const char *slug)
{
	memgit_buf fold = MEMGIT_BUF_INIT;
	int rc = 0;

	for (unsigned k = 1; rc == 0; k++) {
		mg_buf_clear(out);
		rc = k == 1 ? mg_buf_printf(out, "%s/%s.md", dir, slug)
		            : mg_buf_printf(out, "%s/%s-%u.md", dir, slug, k);
		if (rc == 0 && (rc = fold_path(&fold, out->ptr)) == 0 &&
		        !mg_strmap_get(&b->folded, fold.ptr, NULL)) {
			rc = mg_strmap_set(&b->folded, fold.ptr, MG_BI_NONE);
			break;
		}
	}
	memgit_buf_dispose(&fold);
	return rc;
}

int mg_bi_add_edit(mg_edit **out, size_t *at, mg_bi *b, memgit_edit_kind kind, const char *path)
{
	int rc;

	if ((rc = mg_edit_list_add(out, b->out, kind, path)) < 0)
		return rc;
	*at = b->out->n - 1;
	return mg_strmap_set(&b->edit_at, path, *at);
}

/* ---- updating a memory some rule may already rewrite ------------------------ */

int mg_bi_update_begin(memgit_memory **out, size_t *idx_out, mg_bi *b, size_t idx)
{
	const mg_dream_memory *dm;
	const char *data;
	size_t len, at;

	*out = NULL;
	*idx_out = MG_BI_NONE;
	/* a merge can only point at a live target; bounded all the same */
	for (size_t hops = 0; idx < b->n && b->mems[idx].state == MG_BI_MERGED && hops < b->n;
	        hops++)
		idx = b->mems[idx].into;
	if (idx >= b->n || b->mems[idx].state != MG_BI_LIVE || b->mems[idx].pinned ||
	        !b->mems[idx].usable)
		return 0;
	dm = b->mems[idx].m;
	data = dm->content;
	len = dm->len;
	if (mg_strmap_get(&b->edit_at, dm->path, &at)) {
		data = b->out->items[at].content;
		len = b->out->items[at].content_len;
	}
	*idx_out = idx;
	return memgit_memory_parse(out, dm->path, data, len, NULL);
}

static int join_rationale(mg_edit *e, const char *more)
{
	if (!e->rationale || !*e->rationale)
		return mg_edit_set_rationale(e, "%s", more);
	if (strstr(e->rationale, more))
		return 0;
	char *old = e->rationale;
	int rc;
	e->rationale = NULL;
	rc = mg_edit_set_rationale(e, "%s; %s", old, more);
	if (rc < 0)
		e->rationale = old;
	else
		free(old);
	return rc;
}

static int add_evidence_unique(mg_edit *e, char *const *evidence, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t k;
		for (k = 0; k < e->nevidence && strcmp(e->evidence[k], evidence[i]); k++)
			;
		if (k == e->nevidence)
			rc = mg_edit_add_evidence(e, "%s", evidence[i]);
	}
	return rc;
}

int mg_bi_update_end(mg_bi *b, size_t idx, memgit_memory *mem, const char *rationale,
        char *const *evidence, size_t nevidence)
{
	const mg_dream_memory *dm = b->mems[idx].m;
	memgit_buf text = MEMGIT_BUF_INIT;
	const char *cur = dm->content;
	size_t cur_len = dm->len, at;
	int planned = mg_strmap_get(&b->edit_at, dm->path, &at);
	mg_edit *e;
	int rc;

	if (planned) {
		cur = b->out->items[at].content;
		cur_len = b->out->items[at].content_len;
	}
	if ((rc = memgit_memory_serialize(&text, mem)) < 0)
		goto done;
	if (text.size == cur_len && !memcmp(text.ptr, cur, cur_len))
		goto done;
	if (!planned && (rc = mg_bi_add_edit(&e, &at, b, MEMGIT_EDIT_UPDATE, dm->path)) < 0)
		goto done;
	e = &b->out->items[at];
	if ((rc = mg_edit_set_content(e, text.ptr, text.size)) == 0 &&
	        (rc = join_rationale(e, rationale)) == 0)
		rc = add_evidence_unique(e, evidence, nevidence);
done:
	memgit_buf_dispose(&text);
	memgit_memory_free(mem);
	return rc;
}

/* ---- the edit budget -------------------------------------------------------- */

/*
 * Keep at most max_edits. What sessions teach is kept first: the sessions
 * are consumed by this dream and will not be read again, whereas a
 * duplicate or an expired memory left over is still there next time.
 */
static int edit_rank(size_t i, size_t end_retire, size_t end_merge)
{
	if (i >= end_merge)
		return 0;
	return i < end_retire ? 1 : 2;
}

static int apply_budget(mg_bi *b, size_t end_retire, size_t end_merge)
{
	mg_edit_list *out = b->out, rest = {0};
	size_t keep = 0, budget = b->cfg.max_edits;
	unsigned char *kept;

	if (out->n <= budget)
		return 0;
	if (!(kept = calloc(out->n, 1)))
		return mg_error_oom();
	for (int rank = 0; rank <= 2; rank++)
		for (size_t i = 0; i < out->n && keep < budget; i++)
			if (edit_rank(i, end_retire, end_merge) == rank) {
				kept[i] = 1;
				keep++;
			}
	/* compact in the original order; the dropped edits are freed with `rest` */
	if (!(rest.items = malloc((out->n - keep) * sizeof(*rest.items)))) {
		free(kept);
		return mg_error_oom();
	}
	keep = 0;
	for (size_t i = 0; i < out->n; i++) {
		if (kept[i])
			out->items[keep++] = out->items[i];
		else
			rest.items[rest.n++] = out->items[i];
	}
	out->n = keep;
	rest.cap = rest.n;
	mg_edit_list_dispose(&rest);
	free(kept);
	return 0;
}

/* ---- the dreamer ------------------------------------------------------------ */

static int learn_from_sessions(mg_bi *b)
{
	mg_bi_mistakes *m = NULL;
	mg_bi_workflows *w = NULL;
	mg_bi_prefs *p = NULL;
	int rc;

	if ((rc = mg_bi_mistakes_new(&m)) < 0 || (rc = mg_bi_workflows_new(&w, &b->cfg)) < 0 ||
	        (rc = mg_bi_prefs_new(&p)) < 0)
		goto done;
	if ((rc = mg_bi_scan_sessions(b, m, w, p)) < 0)
		goto done;
	if ((rc = mg_bi_mistakes_propose(b, m)) == 0 && (rc = mg_bi_workflows_propose(b, w)) == 0)
		rc = mg_bi_prefs_propose(b, p);
done:
	mg_bi_mistakes_free(m);
	mg_bi_workflows_free(w);
	mg_bi_prefs_free(p);
	return rc;
}

static int builtin_propose(mg_edit_list *out, const mg_dream_input *in, void *ctx)
{
	size_t end_retire, end_merge;
	mg_bi b;
	int rc;

	(void)ctx;
	if ((rc = bi_init(&b, out, in)) < 0)
		goto done;
	if ((rc = mg_bi_retire(&b)) < 0)
		goto done;
	end_retire = out->n;
	if ((rc = mg_bi_duplicates(&b)) < 0)
		goto done;
	end_merge = out->n;
	if ((rc = learn_from_sessions(&b)) < 0)
		goto done;
	rc = apply_budget(&b, end_retire, end_merge);
done:
	bi_dispose(&b);
	return rc;
}

const mg_dreamer mg_dreamer_builtin = {"builtin", builtin_propose};
