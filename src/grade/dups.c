/*
 * dups.c: the no_near_duplicates check (checks.h).
 *
 * Two memories are near duplicates when the Jaccard index of their word
 * shingles reaches the threshold, with exactly the shingles the builtin
 * dreamer merges by (mg_bi_shingles), so the grader and the dreamer agree
 * on what a duplicate is.
 *
 * The search is exact, not sampled: a baseline grading compares every pair
 * of up to 10,000 memories, so pairs are found by prefix filtering (Bayardo
 * et al., "Scaling up all pairs similarity search", WWW 2007). Order every
 * set's shingles rarest first; two sets with Jaccard >= t share a shingle
 * among the first |x| - ceil(t |x|) + 1 of each. Each memory is compared
 * only with the earlier ones sharing such a prefix shingle whose sizes
 * allow the threshold.
 *
 * Which memories have a duplicate (the score and the blame) is always
 * exact. Only when a store is one big family of near-identical memories,
 * past MAX_VERIFY comparisons, are pairs between two memories already
 * known to be duplicates no longer verified, and the explanation then says
 * "at least" that many pairs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dream/builtin.h"
#include "grade/checks.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/jsonw.h"

#define NAMED 5
#define MAX_VERIFY 2000000

typedef struct {
	uint64_t *sh; /* sorted by hash, for the Jaccard index */
	size_t n;
} sset;

typedef struct {
	size_t a, b;
	double j;
} dpair;

typedef struct {
	sset *s;
	size_t n;
	const unsigned char *changed;
	double t;
	uint64_t *uniq;   /* every distinct shingle, sorted */
	size_t *df;       /* how many sets hold it */
	size_t nuniq;
	size_t *pre;      /* the prefix of set i, as indexes into uniq: pre[preoff[i] .. preoff[i+1]) */
	size_t *preoff;
	size_t *start;    /* postings of shingle k: post[start[k] .. start[k+1]), sets in order */
	size_t *post;
	size_t *stamp;    /* per set: 1 + the last set it was a candidate of */
	unsigned char *dup; /* per set: has a near duplicate */
	size_t npairs, verified;
	int at_least;     /* some pairs were not verified */
	dpair shown[NAMED];
	size_t nshown;
} finder;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Every distinct shingle and how many sets hold it: rarest come first in prefixes. */
static int count_df(finder *f)
{
	size_t total = 0, k = 0;
	uint64_t *all;

	for (size_t i = 0; i < f->n; i++)
		total += f->s[i].n;
	if (!(all = malloc((total ? total : 1) * sizeof(*all))) ||
		!(f->df = malloc((total ? total : 1) * sizeof(*f->df)))) {
		free(all);
		return mg_error_oom();
	}
	for (size_t i = 0; i < f->n; i++)
		if (f->s[i].n) {
			memcpy(all + k, f->s[i].sh, f->s[i].n * sizeof(*all));
			k += f->s[i].n;
		}
	qsort(all, total, sizeof(*all), cmp_u64);
	k = 0;
	for (size_t i = 0; i < total; i++) {
		if (k && all[k - 1] == all[i]) {
			f->df[k - 1]++;
			continue;
		}
		f->df[k] = 1;
		all[k++] = all[i];
	}
	f->uniq = all;
	f->nuniq = k;
	return 0;
}

static size_t index_of(const finder *f, uint64_t h)
{
	const uint64_t *at = bsearch(&h, f->uniq, f->nuniq, sizeof(h), cmp_u64);
	return (size_t)(at - f->uniq); /* every shingle is there */
}

static size_t prefix_len(size_t n, double t)
{
	/* floor(t n) <= ceil(t n): a prefix at least as long as the bound needs */
	size_t keep = (size_t)(t * (double)n);
	size_t p = n - (keep > n ? n : keep) + 1;
	return p > n ? n : p;
}

typedef struct {
	size_t df, k;
} ranked;

/* Rarest first, ties by shingle: the same order in every set. */
static int cmp_ranked(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	if (x->df != y->df)
		return x->df < y->df ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* The prefix of every set, then the postings of every prefix shingle. */
static int build_index(finder *f)
{
	size_t total = 0, at = 0;
	ranked *ord;

	for (size_t i = 0; i < f->n; i++)
		total += f->s[i].n ? prefix_len(f->s[i].n, f->t) : 0;
	if (!(f->pre = malloc((total ? total : 1) * sizeof(*f->pre))) ||
		!(f->preoff = calloc(f->n + 1, sizeof(*f->preoff))) ||
		!(f->start = calloc(f->nuniq + 1, sizeof(*f->start))) ||
		!(f->post = malloc((total ? total : 1) * sizeof(*f->post))))
		return mg_error_oom();
	for (size_t i = 0; i < f->n; i++) {
		size_t n = f->s[i].n, p = n ? prefix_len(n, f->t) : 0;
		f->preoff[i] = at;
		if (!n)
			continue;
		if (!(ord = malloc(n * sizeof(*ord))))
			return mg_error_oom();
		for (size_t k = 0; k < n; k++) {
			size_t u = index_of(f, f->s[i].sh[k]);
			ord[k] = (ranked){ f->df[u], u };
		}
		qsort(ord, n, sizeof(*ord), cmp_ranked);
		for (size_t k = 0; k < p; k++) {
			f->start[ord[k].k + 1]++;
			f->pre[at++] = ord[k].k;
		}
		free(ord);
	}
	f->preoff[f->n] = at;
	for (size_t k = 0; k < f->nuniq; k++)
		f->start[k + 1] += f->start[k];
	for (size_t i = 0; i < f->n; i++) /* sets in order: each list comes sorted */
		for (size_t e = f->preoff[i]; e < f->preoff[i + 1]; e++)
			f->post[f->start[f->pre[e]]++] = i;
	for (size_t k = f->nuniq; k > 0; k--) /* the fill moved each start to the next one's */
		f->start[k] = f->start[k - 1];
	f->start[0] = 0;
	return 0;
}

static int size_allows(const finder *f, size_t a, size_t b)
{
	size_t lo = f->s[a].n < f->s[b].n ? f->s[a].n : f->s[b].n;
	size_t hi = f->s[a].n < f->s[b].n ? f->s[b].n : f->s[a].n;
	/* J <= lo / hi; the margin keeps a pair exactly at the threshold */
	return (double)lo >= f->t * (double)hi * (1.0 - 1e-9);
}

static void compare(finder *f, size_t j, size_t i)
{
	double jac;

	if (!(f->changed[i] || f->changed[j]) || !size_allows(f, i, j))
		return;
	if (f->verified >= MAX_VERIFY && f->dup[i] && f->dup[j]) {
		f->at_least = 1; /* could add a pair, never a duplicate */
		return;
	}
	f->verified++;
	jac = mg_bi_jaccard(f->s[j].sh, f->s[j].n, f->s[i].sh, f->s[i].n);
	if (jac < f->t)
		return;
	f->npairs++;
	f->dup[i] = f->dup[j] = 1;
	if (f->nshown < NAMED)
		f->shown[f->nshown++] = (dpair){ j, i, jac };
}

/* Each set against the earlier sets sharing a prefix shingle. */
static void find_pairs(finder *f)
{
	for (size_t i = 0; i < f->n; i++)
		for (size_t e = f->preoff[i]; e < f->preoff[i + 1]; e++) {
			size_t k = f->pre[e];
			for (size_t x = f->start[k]; x < f->start[k + 1] && f->post[x] < i; x++) {
				size_t j = f->post[x];
				if (f->stamp[j] == i + 1)
					continue; /* met through another shingle already */
				f->stamp[j] = i + 1;
				compare(f, j, i);
			}
		}
}

/* ---- the check ------------------------------------------------------------------- */

static int explain(mg_criterion_result *r, const finder *f, const mg_grade_file *files,
	size_t nchanged)
{
	memgit_buf b = MEMGIT_BUF_INIT;
	char jn[32], tn[32];
	int rc = 0;

	mg_format_decimal(tn, sizeof(tn), f->t, 2, 0);
	if (!f->npairs)
		rc = mg_buf_printf(&b, "no two memories alike at Jaccard >= %s (%zu changed compared)",
			tn, nchanged);
	else
		rc = mg_buf_printf(&b, "%s%zu near-duplicate pair%s at Jaccard >= %s: ",
			f->at_least ? "at least " : "", f->npairs, f->npairs == 1 ? "" : "s", tn);
	for (size_t i = 0; i < f->nshown && rc == 0; i++) {
		/* truncated, not rounded: 0.849 must not read as the threshold 0.85 */
		mg_format_decimal(jn, sizeof(jn), (double)(long)(f->shown[i].j * 100.0) / 100.0, 2, 0);
		rc = mg_buf_printf(&b, "%s%s ~ %s (%s)", i ? "; " : "", files[f->shown[i].a].path,
			files[f->shown[i].b].path, jn);
	}
	if (rc == 0 && f->npairs > f->nshown)
		rc = mg_buf_printf(&b, "; and %zu more", f->npairs - f->nshown);
	if (rc == 0) {
		free(r->explanation);
		if (!(r->explanation = mg_buf_detach(&b)))
			rc = mg_error_oom();
	}
	memgit_buf_dispose(&b);
	return rc;
}

/* Score: the share of changed memories that duplicate no other memory. */
static int blame(mg_criterion_result *r, const finder *f, const mg_grade_file *files,
	size_t nchanged)
{
	size_t involved = 0;
	int rc = 0;

	for (size_t i = 0; i < f->n && rc == 0; i++)
		if (f->dup[i] && f->changed[i]) {
			involved++;
			rc = mg_criterion_result_add_path(r, files[i].path);
		}
	r->pass = f->npairs == 0;
	r->score = nchanged ? 1.0 - (double)involved / (double)nchanged : 1.0;
	return rc;
}

static void finder_dispose(finder *f)
{
	for (size_t i = 0; f->s && i < f->n; i++)
		free(f->s[i].sh);
	free(f->s);
	free(f->uniq);
	free(f->df);
	free(f->pre);
	free(f->preoff);
	free(f->start);
	free(f->post);
	free(f->stamp);
	free(f->dup);
}

int mg_dups_check(mg_criterion_result *r, double threshold, const mg_grade_file *files,
	const memgit_memory *const *mem, const unsigned char *changed, size_t n, size_t nchanged)
{
	finder f = { 0 };
	int rc = 0;

	f.n = n;
	f.changed = changed;
	f.t = threshold;
	if (!(f.s = calloc(n ? n : 1, sizeof(*f.s))) || !(f.stamp = calloc(n ? n : 1, sizeof(*f.stamp))) ||
		!(f.dup = calloc(n ? n : 1, 1)))
		rc = mg_error_oom();
	for (size_t i = 0; i < n && rc == 0; i++)
		if (mem[i])
			rc = mg_bi_shingles(&f.s[i].sh, &f.s[i].n, NULL, mem[i]);
	if (rc == 0 && (rc = count_df(&f)) == 0 && (rc = build_index(&f)) == 0) {
		find_pairs(&f);
		if ((rc = blame(r, &f, files, nchanged)) == 0)
			rc = explain(r, &f, files, nchanged);
	}
	finder_dispose(&f);
	return rc;
}
