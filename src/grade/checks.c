/*
 * checks.c: the grader's deterministic checks (checks.h, docs/grading.md).
 *
 * The view built once per grading answers what every check asks: where
 * each memory of the base went (kept, moved, merged away, deleted), which
 * result memories the dream changed, and each result memory parsed. The
 * checks then only count and explain. Scores are fractions of the memories
 * (or edits, or patterns) a check is about, so a dream that fixes one of
 * three offenders sees its score move.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dream/dreamer.h"
#include "grade/checks.h"
#include "memgit/memory.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/jsonw.h"
#include "util/path.h"
#include "util/strmap.h"

#define NONE ((size_t)-1)
#define NAMED 5 /* memories named in one explanation before "and N more" */

struct mg_grade_view {
	const mg_grade_input *in;
	int baseline;
	mg_strmap base_at, result_at; /* path -> index */
	size_t *prev;          /* per result: base index of its previous version, or NONE */
	unsigned char *changed; /* per result */
	size_t nchanged;
	size_t *moved_to;      /* per base: result index it was moved to, or NONE */
	const char **merged_into; /* per base: the merge result it was folded into, or NULL */
	memgit_memory **mem;   /* per result: parsed, or NULL */
	char **why;            /* per result: why it does not parse, or NULL */
};

/* ---- results ---------------------------------------------------------------- */

void mg_criterion_result_dispose(mg_criterion_result *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->kind);
	free(r->explanation);
	for (size_t i = 0; i < r->npaths; i++)
		free(r->paths[i]);
	free(r->paths);
	memset(r, 0, sizeof(*r));
}

int mg_criterion_result_explain(mg_criterion_result *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = mg_vformat(fmt, ap);
	va_end(ap);
	if (!s)
		return MEMGIT_ENOMEM;
	free(r->explanation);
	r->explanation = s;
	return 0;
}

int mg_criterion_result_add_path(mg_criterion_result *r, const char *path)
{
	char *copy;

	for (size_t i = 0; i < r->npaths; i++)
		if (!strcmp(r->paths[i], path))
			return 0;
	if (r->npaths == MG_GRADE_MAX_PATHS)
		return 0;
	if (!r->paths && !(r->paths = calloc(MG_GRADE_MAX_PATHS, sizeof(*r->paths))))
		return mg_error_oom();
	if (!(copy = strdup(path)))
		return mg_error_oom();
	r->paths[r->npaths++] = copy;
	return 0;
}

/* Take the text built in `b` as the explanation. */
static int explain_buf(mg_criterion_result *r, memgit_buf *b)
{
	free(r->explanation);
	r->explanation = mg_buf_detach(b);
	return r->explanation ? 0 : mg_error_oom();
}

/* What a check found wrong: counted, blamed, and the first NAMED described. */
typedef struct {
	memgit_buf b;
	size_t n;
} offenders;

static int offend(offenders *o, mg_criterion_result *r, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int offend(offenders *o, mg_criterion_result *r, const char *path, const char *fmt, ...)
{
	va_list ap;
	int rc = 0;

	if (o->n < NAMED) {
		if (o->n)
			rc = mg_buf_puts(&o->b, "; ");
		va_start(ap, fmt);
		if (rc == 0)
			rc = mg_buf_vprintf(&o->b, fmt, ap);
		va_end(ap);
	}
	o->n++;
	return rc ? rc : mg_criterion_result_add_path(r, path);
}

/* The explanation: the offenders and how many more, or `fmt` when none. */
static int conclude(offenders *o, mg_criterion_result *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int conclude(offenders *o, mg_criterion_result *r, const char *fmt, ...)
{
	va_list ap;
	int rc = 0;

	if (o->n > NAMED)
		rc = mg_buf_printf(&o->b, "; and %zu more", o->n - NAMED);
	if (rc == 0 && !o->n) {
		va_start(ap, fmt);
		rc = mg_buf_vprintf(&o->b, fmt, ap);
		va_end(ap);
	}
	if (rc == 0)
		rc = explain_buf(r, &o->b);
	memgit_buf_dispose(&o->b);
	return rc;
}

static const char *memories(size_t n)
{
	return n == 1 ? "memory" : "memories";
}

/* Score `good` of `total` (1 for nothing to judge), pass when all are good. */
static void fraction(mg_criterion_result *r, size_t good, size_t total)
{
	r->score = total ? (double)good / (double)total : 1.0;
	r->pass = good == total;
}

static long pct(double x)
{
	return (long)(x * 100.0 + 0.5);
}

/* ---- the view ----------------------------------------------------------------- */

static int files_equal(const mg_grade_file *a, const mg_grade_file *b)
{
	return a->len == b->len && (!a->len || !memcmp(a->content, b->content, a->len));
}

static int index_files(mg_strmap *m, const mg_grade_file *f, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = mg_strmap_set(m, f[i].path, i);
	return rc;
}

static int is_new_path(const mg_grade_view *v, size_t ri)
{
	return !mg_strmap_get(&v->base_at, v->in->result[ri].path, NULL);
}

/* Where the dream's own move and merge edits sent memories of the base. */
static void follow_edits(mg_grade_view *v)
{
	const mg_grade_input *in = v->in;
	size_t b, r;

	for (size_t i = 0; i < in->nedits; i++) {
		const memgit_edit *e = &in->edits[i];
		if (e->refused || !e->path)
			continue;
		if (e->kind == MEMGIT_EDIT_MOVE && e->to && mg_strmap_get(&v->base_at, e->path, &b) &&
			!mg_strmap_get(&v->result_at, e->path, NULL) &&
			mg_strmap_get(&v->result_at, e->to, &r) && v->prev[r] == NONE) {
			v->moved_to[b] = r;
			v->prev[r] = b;
		}
		for (size_t k = 0; e->kind == MEMGIT_EDIT_MERGE && k < e->nmerged; k++)
			if (mg_strmap_get(&v->base_at, e->merged[k], &b) &&
				!mg_strmap_get(&v->result_at, e->merged[k], NULL))
				v->merged_into[b] = e->path;
	}
}

/* A memory gone from its path whose exact bytes are at a new path moved
 * there, whatever edits said so (or if none were given). */
static void match_moves(mg_grade_view *v)
{
	const mg_grade_input *in = v->in;

	for (size_t b = 0; b < in->nbase; b++) {
		if (mg_strmap_get(&v->result_at, in->base[b].path, NULL) || v->moved_to[b] != NONE ||
			v->merged_into[b])
			continue;
		for (size_t r = 0; r < in->nresult; r++)
			if (v->prev[r] == NONE && is_new_path(v, r) &&
				files_equal(&in->base[b], &in->result[r])) {
				v->moved_to[b] = r;
				v->prev[r] = b;
				break;
			}
	}
}

static int parse_results(mg_grade_view *v)
{
	const mg_grade_input *in = v->in;
	int rc;

	for (size_t r = 0; r < in->nresult; r++) {
		rc = memgit_memory_parse(&v->mem[r], in->result[r].path, in->result[r].content,
			in->result[r].len, in->limits);
		if (rc == MEMGIT_ENOMEM)
			return rc;
		if (rc < 0 && !(v->why[r] = strdup(memgit_error_last()->why)))
			return mg_error_oom();
	}
	return 0;
}

static int view_build(mg_grade_view *v)
{
	const mg_grade_input *in = v->in;
	size_t b;
	int rc;

	if ((rc = index_files(&v->base_at, in->base, in->nbase)) < 0 ||
		(rc = index_files(&v->result_at, in->result, in->nresult)) < 0)
		return rc;
	for (size_t r = 0; r < in->nresult; r++)
		v->prev[r] = mg_strmap_get(&v->base_at, in->result[r].path, &b) ? b : NONE;
	for (b = 0; b < in->nbase; b++)
		v->moved_to[b] = NONE;
	follow_edits(v);
	match_moves(v);
	for (size_t r = 0; r < in->nresult; r++) {
		v->changed[r] = v->baseline || is_new_path(v, r) ||
			!files_equal(&in->result[r], &in->base[v->prev[r]]);
		v->nchanged += v->changed[r];
	}
	return parse_results(v);
}

int mg_grade_view_new(mg_grade_view **out, const mg_grade_input *in)
{
	mg_grade_view *v = calloc(1, sizeof(*v));
	size_t nr = in->nresult ? in->nresult : 1, nb = in->nbase ? in->nbase : 1;
	int rc;

	*out = NULL;
	if (!v)
		return mg_error_oom();
	v->in = in;
	v->baseline = !in->base && !in->nedits;
	if (!(v->prev = calloc(nr, sizeof(*v->prev))) || !(v->changed = calloc(nr, 1)) ||
		!(v->mem = calloc(nr, sizeof(*v->mem))) || !(v->why = calloc(nr, sizeof(*v->why))) ||
		!(v->moved_to = calloc(nb, sizeof(*v->moved_to))) ||
		!(v->merged_into = calloc(nb, sizeof(*v->merged_into))))
		rc = mg_error_oom();
	else
		rc = view_build(v);
	if (rc < 0) {
		mg_grade_view_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

void mg_grade_view_free(mg_grade_view *v)
{
	if (!v)
		return;
	for (size_t r = 0; v->mem && v->why && r < v->in->nresult; r++) {
		memgit_memory_free(v->mem[r]);
		free(v->why[r]);
	}
	mg_strmap_dispose(&v->base_at);
	mg_strmap_dispose(&v->result_at);
	free(v->prev);
	free(v->changed);
	free(v->moved_to);
	free(v->merged_into);
	free(v->mem);
	free(v->why);
	free(v);
}

/* ---- valid_front_matter ------------------------------------------------------- */

/* Keys memgit's own writes always give a .md memory with front matter
 * (FORMAT.md 3.3), plus its kind; see missing_keys for when they count. */
static const char *const required_keys[] = { "id", "kind", "created" };

static int is_markdown_path(const char *p)
{
	size_t n = strlen(p);
	return (n > 3 && !strcasecmp(p + n - 3, ".md")) || (n > 9 && !strcasecmp(p + n - 9, ".markdown"));
}

/*
 * The required keys a changed memory lacks. A memory the dream rewrote is
 * held only to the keys its previous version had: a legacy note without an
 * id is not the dream's fault, a dream that drops one is.
 */
static int missing_keys(memgit_buf *out, mg_grade_view *v, size_t r)
{
	const memgit_memory *mem = v->mem[r];
	memgit_memory *old = NULL;
	const mg_grade_file *pf;
	size_t p = v->prev[r];
	int rc = 0;

	if (!mem || !is_markdown_path(v->in->result[r].path) || !memgit_memory_has_front_matter(mem))
		return 0;
	if (p != NONE) {
		pf = &v->in->base[p];
		if (memgit_memory_parse(&old, pf->path, pf->content, pf->len,
			v->in->limits) == MEMGIT_ENOMEM)
			return MEMGIT_ENOMEM;
	}
	for (size_t k = 0; k < sizeof(required_keys) / sizeof(*required_keys) && rc == 0; k++) {
		const char *key = required_keys[k];
		if (memgit_memory_get(mem, key) || (p != NONE && !(old && memgit_memory_get(old, key))))
			continue;
		rc = mg_buf_printf(out, "%s%s", out->size ? ", " : "missing ", key);
	}
	memgit_memory_free(old);
	return rc;
}

static int check_valid(mg_criterion_result *r, const mg_criterion *c, mg_grade_view *v)
{
	memgit_buf keys = MEMGIT_BUF_INIT;
	offenders o = { MEMGIT_BUF_INIT, 0 };
	int rc = 0;

	(void)c;
	for (size_t i = 0; i < v->in->nresult && rc == 0; i++) {
		if (!v->changed[i])
			continue;
		mg_buf_clear(&keys);
		if (!v->why[i] && ((rc = missing_keys(&keys, v, i)) < 0 || !keys.size))
			continue;
		rc = offend(&o, r, v->in->result[i].path, "%s: %s", v->in->result[i].path,
			v->why[i] ? v->why[i] : keys.ptr);
	}
	fraction(r, v->nchanged - o.n, v->nchanged);
	if (rc == 0)
		rc = conclude(&o, r, "%zu changed %s parse%s", v->nchanged, memories(v->nchanged),
			v->nchanged == 1 ? "s" : "");
	memgit_buf_dispose(&o.b);
	memgit_buf_dispose(&keys);
	return rc;
}

/* ---- no_secrets --------------------------------------------------------------- */

typedef struct {
	const char *rule;
	unsigned line;
	size_t count;
} secret_seen;

static int on_secret(const mg_secret_match *m, void *payload)
{
	secret_seen *s = payload;

	if (!s->count++) {
		s->rule = m->rule;
		s->line = m->line;
	}
	return 0;
}

static int check_secrets(mg_criterion_result *r, const mg_criterion *c, mg_grade_view *v)
{
	offenders o = { MEMGIT_BUF_INIT, 0 };
	int rc = 0;

	(void)c;
	for (size_t i = 0; i < v->in->nresult && rc == 0; i++) {
		secret_seen s = { NULL, 0, 0 };
		if (!v->changed[i])
			continue;
		mg_secret_scan(v->in->result[i].content, v->in->result[i].len, v->in->allow, on_secret, &s);
		/* the rule and line only: the value must never reach a note or a log */
		if (s.count)
			rc = offend(&o, r, v->in->result[i].path, "%s line %u: %s%s", v->in->result[i].path,
				s.line, s.rule, s.count > 1 ? " (and more)" : "");
	}
	fraction(r, v->nchanged - o.n, v->nchanged);
	if (rc == 0)
		rc = conclude(&o, r, "no secret in %zu changed %s", v->nchanged, memories(v->nchanged));
	memgit_buf_dispose(&o.b);
	return rc;
}

/* ---- pinned_preserved ------------------------------------------------------------ */

static int base_pinned(const mg_grade_file *f, const memgit_limits *limits, int *pinned)
{
	memgit_memory *mem = NULL;
	int rc;

	*pinned = 0;
	if (!f->len || !memmem(f->content, f->len, "pinned", 6))
		return 0; /* most memories: no need to parse */
	rc = memgit_memory_parse(&mem, f->path, f->content, f->len, limits);
	if (rc == MEMGIT_ENOMEM)
		return rc;
	*pinned = mg_dream_pinned(f->content, f->len, mem);
	memgit_memory_free(mem);
	return 0;
}

/* What became of base memory `b`: "changed", "moved to X", ...; NULL when kept. */
static int fate(memgit_buf *out, const mg_grade_view *v, size_t b)
{
	size_t r;

	if (mg_strmap_get(&v->result_at, v->in->base[b].path, &r))
		return files_equal(&v->in->base[b], &v->in->result[r]) ? 0 : mg_buf_puts(out, "changed");
	if (v->moved_to[b] != NONE)
		return mg_buf_printf(out, "moved to %s", v->in->result[v->moved_to[b]].path);
	if (v->merged_into[b])
		return mg_buf_printf(out, "merged into %s", v->merged_into[b]);
	return mg_buf_puts(out, "deleted");
}

static int check_pinned(mg_criterion_result *r, const mg_criterion *c, mg_grade_view *v)
{
	memgit_buf what = MEMGIT_BUF_INIT;
	offenders o = { MEMGIT_BUF_INIT, 0 };
	size_t npinned = 0;
	int rc = 0, pinned;

	(void)c;
	for (size_t i = 0; i < v->in->nbase && rc == 0; i++) {
		if ((rc = base_pinned(&v->in->base[i], v->in->limits, &pinned)) < 0 || !pinned)
			continue;
		npinned++;
		mg_buf_clear(&what);
		if ((rc = fate(&what, v, i)) == 0 && what.size)
			rc = offend(&o, r, v->in->base[i].path, "pinned memory %s was %s",
				v->in->base[i].path, what.ptr);
	}
	fraction(r, npinned - o.n, npinned);
	if (rc == 0 && v->baseline)
		rc = conclude(&o, r, "baseline: nothing to compare");
	else if (rc == 0)
		rc = conclude(&o, r, "%zu pinned %s unchanged", npinned, memories(npinned));
	memgit_buf_dispose(&o.b);
	memgit_buf_dispose(&what);
	return rc;
}

/* ---- max_deleted_fraction ---------------------------------------------------------- */

static int check_deleted(mg_criterion_result *r, const mg_criterion *c, mg_grade_view *v)
{
	memgit_buf names = MEMGIT_BUF_INIT;
	size_t gone = 0, n = v->in->nbase;
	double frac;
	int rc = 0;

	if (v->baseline) {
		r->pass = 1;
		r->score = 1.0;
		return mg_criterion_result_explain(r, "baseline: nothing to compare");
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (mg_strmap_get(&v->result_at, v->in->base[i].path, NULL) || v->moved_to[i] != NONE)
			continue;
		if (gone < NAMED)
			rc = mg_buf_printf(&names, "%s%s", gone ? ", " : "", v->in->base[i].path);
		gone++;
		if (rc == 0)
			rc = mg_criterion_result_add_path(r, v->in->base[i].path);
	}
	if (rc == 0 && gone > NAMED)
		rc = mg_buf_printf(&names, " and %zu more", gone - NAMED);
	frac = n ? (double)gone / (double)n : 0.0;
	r->pass = frac <= c->limit;
	r->score = r->pass ? 1.0 : c->limit / frac;
	if (rc == 0)
		rc = mg_criterion_result_explain(r, "removed %zu of %zu memor%s (%ld%%), limit %ld%%%s%s",
			gone, n, n == 1 ? "y" : "ies",
			pct(frac), pct(c->limit), gone ? ": " : "", mg_buf_cstr(&names));
	memgit_buf_dispose(&names);
	return rc;
}

/* ---- no_injected_instructions ------------------------------------------------------ */

static int check_injection(mg_criterion_result *r, const mg_criterion *c, mg_grade_view *v)
{
	offenders o = { MEMGIT_BUF_INIT, 0 };
	mg_inject *scanner = NULL;
	mg_inject_match hit;
	int rc, found;

	if ((rc = mg_inject_new(&scanner, c->allow, c->nallow)) < 0)
		return rc;
	for (size_t i = 0; i < v->in->nresult && rc == 0; i++) {
		const mg_grade_file *f = &v->in->result[i];
		if (!v->changed[i])
			continue;
		if ((found = mg_inject_scan(scanner, f->content, f->len, &hit, 1)) < 0)
			rc = found;
		else if (found)
			rc = offend(&o, r, f->path, "%s line %u: %s%s", f->path, hit.line, hit.rule,
				found > 1 ? " (and more)" : "");
	}
	fraction(r, v->nchanged - o.n, v->nchanged);
	if (rc == 0)
		rc = conclude(&o, r, "no injected instruction in %zu changed %s", v->nchanged,
			memories(v->nchanged));
	mg_inject_free(scanner);
	memgit_buf_dispose(&o.b);
	return rc;
}

/* ---- evidence_cited ------------------------------------------------------------------ */

/* "<i>" or "<i>-<j>" with i <= j. */
static int event_range_ok(const char *s)
{
	size_t a = strspn(s, "0123456789"), b;

	if (!a || a > 18)
		return 0;
	if (!s[a])
		return 1;
	b = strspn(s + a + 1, "0123456789");
	return s[a] == '-' && b && b <= 18 && !s[a + 1 + b] &&
		strtoull(s, NULL, 10) <= strtoull(s + a + 1, NULL, 10);
}

/* NULL when `ev` is well-formed and names an input; else why not. */
static const char *evidence_problem(const mg_grade_view *v, const char *ev)
{
	memgit_buf rel = MEMGIT_BUF_INIT;
	const char *hash = strrchr(ev, '#'), *why = NULL;
	int known = 0;

	if (!strncmp(ev, "memory:", 7)) {
		known = mg_path_normalize(&rel, ev + 7) == 0 && mg_strmap_get(&v->base_at, rel.ptr, NULL);
		memgit_buf_dispose(&rel);
		return known ? NULL : "names no memory of the base";
	}
	if (!hash || hash == ev || !event_range_ok(hash + 1))
		return "is neither <session>#<i>[-<j>] nor memory:<path>";
	for (size_t i = 0; i < v->in->nsessions && !known; i++)
		known = strlen(v->in->sessions[i]) == (size_t)(hash - ev) &&
			!memcmp(v->in->sessions[i], ev, (size_t)(hash - ev));
	if (!known)
		why = "names no input session";
	return why;
}

/* Blame edit `e` when it cites nothing, or something that is not an input. */
static int edit_evidence(offenders *o, mg_criterion_result *r, const mg_grade_view *v,
	const memgit_edit *e)
{
	const char *why = NULL, *item = "", *kind = memgit_edit_kind_name(e->kind);

	for (size_t k = 0; k < e->nevidence && !why; k++)
		if ((why = evidence_problem(v, e->evidence[k])))
			item = e->evidence[k];
	if (!e->nevidence)
		return offend(o, r, e->path, "%s %s: no evidence", kind, e->path);
	return why ? offend(o, r, e->path, "%s %s: '%.80s' %s", kind, e->path, item, why) : 0;
}

static int check_evidence(mg_criterion_result *r, const mg_criterion *c, mg_grade_view *v)
{
	offenders o = { MEMGIT_BUF_INIT, 0 };
	size_t n = 0;
	int rc = 0;

	if (v->baseline) {
		r->pass = 1;
		r->score = 1.0;
		return mg_criterion_result_explain(r, "baseline: no edits to check");
	}
	for (size_t i = 0; i < v->in->nedits && rc == 0; i++)
		if (!v->in->edits[i].refused && v->in->edits[i].path) {
			n++;
			rc = edit_evidence(&o, r, v, &v->in->edits[i]);
		}
	r->score = n ? (double)(n - o.n) / (double)n : 1.0;
	r->pass = r->score >= c->threshold;
	if (rc == 0 && o.n > NAMED)
		rc = mg_buf_printf(&o.b, "; and %zu more", o.n - NAMED);
	if (rc == 0)
		rc = mg_buf_printf(&o.b, "%s%zu of %zu edits cite evidence from the inputs (%ld%%, need %ld%%)",
			o.n ? "; " : "", n - o.n, n, pct(r->score), pct(c->threshold));
	if (rc == 0)
		rc = explain_buf(r, &o.b);
	memgit_buf_dispose(&o.b);
	return rc;
}

/* ---- max_total_bytes --------------------------------------------------------------- */

typedef struct {
	size_t idx;
	size_t grew;
} growth;

static int by_growth(const void *a, const void *b)
{
	const growth *x = a, *y = b;
	if (x->grew != y->grew)
		return x->grew < y->grew ? 1 : -1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The memories the dream made bigger, biggest growth first (baseline: all, by size). */
static int blame_growth(mg_criterion_result *r, const mg_grade_view *v)
{
	growth *g = malloc((v->in->nresult ? v->in->nresult : 1) * sizeof(*g));
	size_t n = 0;
	int rc = 0;

	if (!g)
		return mg_error_oom();
	for (size_t i = 0; i < v->in->nresult; i++) {
		size_t was = v->prev[i] == NONE || v->baseline ? 0 : v->in->base[v->prev[i]].len;
		if (v->changed[i] && v->in->result[i].len > was)
			g[n++] = (growth){ i, v->in->result[i].len - was };
	}
	qsort(g, n, sizeof(*g), by_growth);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = mg_criterion_result_add_path(r, v->in->result[g[i].idx].path);
	free(g);
	return rc;
}

static int check_bytes(mg_criterion_result *r, const mg_criterion *c, mg_grade_view *v)
{
	unsigned long long total = 0, before = 0;
	int rc = 0;

	for (size_t i = 0; i < v->in->nresult; i++)
		total += v->in->result[i].len;
	for (size_t i = 0; i < v->in->nbase; i++)
		before += v->in->base[i].len;
	r->pass = (double)total <= c->limit;
	r->score = r->pass ? 1.0 : c->limit / (double)total;
	if (!r->pass)
		rc = blame_growth(r, v);
	if (rc == 0 && v->baseline)
		rc = mg_criterion_result_explain(r, "memories total %llu bytes, limit %.0f (%ld%%)",
			total, c->limit, pct((double)total / c->limit));
	else if (rc == 0)
		rc = mg_criterion_result_explain(r,
			"memories total %llu bytes (base %llu), limit %.0f (%ld%%)", total, before,
			c->limit, pct((double)total / c->limit));
	return rc;
}

/* ---- must_retain ------------------------------------------------------------------ */

static int in_any(const mg_grade_file *f, size_t n, const char *pattern)
{
	for (size_t i = 0; i < n; i++)
		if (mg_grade_contains_ci(f[i].content, f[i].len, pattern))
			return 1;
	return 0;
}

/* Name (and blame) the base memories that held a lost pattern. */
static int lost_pattern(memgit_buf *b, mg_criterion_result *r, const mg_grade_view *v,
	const char *pattern)
{
	size_t had = 0;
	int rc = mg_buf_printf(b, "lost '%s'", pattern);

	for (size_t i = 0; i < v->in->nbase && rc == 0; i++) {
		if (!mg_grade_contains_ci(v->in->base[i].content, v->in->base[i].len, pattern))
			continue;
		if (had < NAMED)
			rc = mg_buf_printf(b, "%s%s", had ? ", " : " (was in ", v->in->base[i].path);
		had++;
		if (rc == 0)
			rc = mg_criterion_result_add_path(r, v->in->base[i].path);
	}
	if (rc == 0 && had > NAMED)
		rc = mg_buf_printf(b, " and %zu more", had - NAMED);
	return rc == 0 && had ? mg_buf_putc(b, ')') : rc;
}

static int check_retain(mg_criterion_result *r, const mg_criterion *c, mg_grade_view *v)
{
	memgit_buf b = MEMGIT_BUF_INIT;
	size_t applicable = 0, lost = 0;
	int rc = 0;

	for (size_t p = 0; p < c->npatterns && rc == 0; p++) {
		const char *pat = c->patterns[p];
		if (!v->baseline && !in_any(v->in->base, v->in->nbase, pat))
			continue; /* a dream cannot lose what was not there */
		applicable++;
		if (in_any(v->in->result, v->in->nresult, pat))
			continue;
		if ((rc = lost ? mg_buf_puts(&b, "; ") : 0) == 0)
			rc = v->baseline ? mg_buf_printf(&b, "'%s' is in no memory", pat) :
				lost_pattern(&b, r, v, pat);
		lost++;
	}
	fraction(r, applicable - lost, applicable);
	if (rc == 0 && !lost)
		rc = mg_buf_printf(&b, "%zu of %zu pattern%s kept%s", applicable, c->npatterns,
			c->npatterns == 1 ? "" : "s",
			applicable < c->npatterns ? " (the others were in no memory of the base)" : "");
	if (rc == 0)
		rc = explain_buf(r, &b);
	memgit_buf_dispose(&b);
	return rc;
}

/* ---- dispatch ------------------------------------------------------------------------ */

static int check_dups(mg_criterion_result *r, const mg_criterion *c, mg_grade_view *v)
{
	return mg_dups_check(r, c->threshold, v->in->result, (const memgit_memory *const *)v->mem,
		v->changed, v->in->nresult, v->nchanged);
}

typedef int (*check_fn)(mg_criterion_result *r, const mg_criterion *c, mg_grade_view *v);

static const check_fn check_fns[MG_CHECK_COUNT] = {
	[MG_CHECK_VALID_FRONT_MATTER] = check_valid,
	[MG_CHECK_NO_SECRETS] = check_secrets,
	[MG_CHECK_PINNED_PRESERVED] = check_pinned,
	[MG_CHECK_MAX_DELETED_FRACTION] = check_deleted,
	[MG_CHECK_NO_INJECTED_INSTRUCTIONS] = check_injection,
	[MG_CHECK_EVIDENCE_CITED] = check_evidence,
	[MG_CHECK_NO_NEAR_DUPLICATES] = check_dups,
	[MG_CHECK_MAX_TOTAL_BYTES] = check_bytes,
	[MG_CHECK_MUST_RETAIN] = check_retain,
};

int mg_check_run(mg_criterion_result *out, const mg_criterion *c, mg_grade_view *v)
{
	if (c->kind != MG_CRITERION_CHECK || (unsigned)c->check >= MG_CHECK_COUNT)
		return mg_error_set(MEMGIT_ERROR, "cannot run check", c->id, "not a check criterion");
	return check_fns[c->check](out, c, v);
}
