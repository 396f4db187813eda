/*
 * builtin_dups.c: rule 1, exact and near-duplicate memories.
 *
 * Each memory's body becomes a set of word shingles: its words and its
 * pairs of neighbouring words (lowered; punctuation and markdown dropped).
 * Memories are short, a sentence or three: with longer shingles one changed
 * word in twenty already costs a quarter of the set, and a reordered clause
 * ("before committing, run the tests") all of it, while words and pairs
 * still tell "db-3" from "db-4" apart (0.69) and keep paraphrases together.
 * A short body is compared together with its title, so two notes that only
 * say "see title" are not duplicates.
 * Identical word sequences are grouped by one hash. Near duplicates are
 * found without comparing every pair: a MinHash signature of 64 values per
 * memory is cut into bands, memories sharing a band are candidates, and
 * each candidate pair is verified by the exact Jaccard index of the two
 * shingle sets against duplicate_threshold. The band width is chosen so a
 * pair exactly at the threshold is a candidate with probability >= 0.995.
 * Verified pairs are clustered (union-find); each cluster is one merge.
 */
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "memgit/memory.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"

#define MH 64         /* MinHash values per memory */
#define SHORT_BODY 8  /* below this many body words, the title counts too */
#define MIN_WORDS 3   /* below this, nothing to compare */
#define RUN_WINDOW 48 /* in a crowded bucket, each memory meets the next 48 */

typedef struct {
	uint64_t *v;
	size_t n, cap;
} u64vec;

typedef struct {
	uint64_t *sh; /* sorted, unique shingle hashes */
	size_t nsh;
	uint64_t whole; /* the whole word sequence */
	int active;
} dtext;

typedef struct {
	uint32_t a, b;
} dpair;

typedef struct {
	mg_bi *b;
	dtext *t;
	size_t *parent;
	double *weakest; /* per root: the lowest Jaccard that joined its cluster */
	uint64_t *sig;   /* MH per memory */
	size_t *reps;    /* one memory per distinct text */
	size_t nreps;
	dpair *pairs;
	size_t npairs, cap;
} dups;

static int u64_push(u64vec *v, uint64_t x)
{
	if (mg_array_grow((void **)&v->v, &v->cap, v->n + 1, sizeof(*v->v)) < 0)
		return MEMGIT_ENOMEM;
	v->v[v->n++] = x;
	return 0;
}

static int word_cb(const char *w, size_t len, void *p)
{
	return u64_push(p, mg_bi_hash(w, len));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* ---- texts -------------------------------------------------------------------- */

int mg_bi_shingles(uint64_t **out, size_t *n, uint64_t *whole, const memgit_memory *mem)
{
	u64vec words = {0};
	const char *body, *title = memgit_memory_get(mem, "title");
	size_t blen, k = 0, total;
	uint64_t *sh = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	body = memgit_memory_body(mem, &blen);
	if ((rc = mg_bi_words(body, blen, word_cb, &words)) < 0)
		goto done;
	if (words.n < SHORT_BODY && title) {
		words.n = 0;
		if ((rc = mg_bi_words(title, strlen(title), word_cb, &words)) < 0 ||
		        (rc = mg_bi_words(body, blen, word_cb, &words)) < 0)
			goto done;
	}
	if (words.n < MIN_WORDS)
		goto done;
	if (whole) {
		*whole = 0x6a09e667f3bcc908ull;
		for (size_t i = 0; i < words.n; i++)
			*whole = mg_bi_mix(*whole ^ words.v[i]);
	}
	/* every word, and every pair of neighbours */
	total = 2 * words.n - 1;
	if (!(sh = malloc(total * sizeof(*sh)))) {
		rc = mg_error_oom();
		goto done;
	}
	for (size_t i = 0; i < words.n; i++) {
		sh[2 * i] = mg_bi_mix(0x3c6ef372fe94f82bull ^ words.v[i]);
		if (i + 1 < words.n)
			sh[2 * i + 1] = mg_bi_mix(
			        mg_bi_mix(0xa54ff53a5f1d36f1ull ^ words.v[i]) ^ words.v[i + 1]);
	}
	qsort(sh, total, sizeof(*sh), cmp_u64);
	for (size_t i = 0; i < total; i++)
		if (!k || sh[k - 1] != sh[i])
			sh[k++] = sh[i];
	*out = sh;
	*n = k;
done:
	free(words.v);
	return rc;
}

static int build_text(dtext *t, const memgit_memory *mem)
{
	int rc = mg_bi_shingles(&t->sh, &t->nsh, &t->whole, mem);

	t->active = rc == 0 && t->nsh > 0;
	return rc;
}

double mg_bi_jaccard(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
	size_t i = 0, j = 0, common = 0;

	if (!na && !nb)
		return 0.0;
	while (i < na && j < nb) {
		if (a[i] == b[j]) {
			common++;
			i++;
			j++;
		} else if (a[i] < b[j]) {
			i++;
		} else {
			j++;
		}
	}
	return (double)common / (double)(na + nb - common);
}

static double jaccard(const dtext *x, const dtext *y)
{
	return mg_bi_jaccard(x->sh, x->nsh, y->sh, y->nsh);
}

/* ---- union-find ------------------------------------------------------------ */

static size_t find(size_t *parent, size_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

static void unite(dups *d, size_t a, size_t b, double j)
{
	size_t ra = find(d->parent, a), rb = find(d->parent, b);
	double w = d->weakest[ra] < d->weakest[rb] ? d->weakest[ra] : d->weakest[rb];

	if (j < w)
		w = j;
	if (ra == rb) {
		d->weakest[ra] = w;
		return;
	}
	/* the lower index is the root, so clusters come out the same every run */
	if (rb < ra) {
		size_t t = ra;
		ra = rb;
		rb = t;
	}
	d->parent[rb] = ra;
	d->weakest[ra] = w;
}

/* ---- exact duplicates ----------------------------------------------------------- */

typedef struct {
	uint64_t key;
	size_t idx;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
	const keyed *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Same word sequence: one cluster, and one representative for the bands. */
static int group_exact(dups *d)
{
	size_t n = 0, i;
	keyed *k = malloc((d->b->n ? d->b->n : 1) * sizeof(*k));

	if (!k || !(d->reps = malloc((d->b->n ? d->b->n : 1) * sizeof(*d->reps)))) {
		free(k);
		return mg_error_oom();
	}
	for (i = 0; i < d->b->n; i++)
		if (d->t[i].active)
			k[n++] = (keyed){d->t[i].whole, i};
	qsort(k, n, sizeof(*k), cmp_keyed);
	for (i = 0; i < n; i++) {
		if (i && k[i].key == k[i - 1].key &&
		        jaccard(&d->t[k[i].idx], &d->t[k[i - 1].idx]) >= 1.0)
			unite(d, k[i - 1].idx, k[i].idx, 1.0);
		else
			d->reps[d->nreps++] = k[i].idx;
	}
	free(k);
	return 0;
}

/* ---- MinHash and bands -------------------------------------------------------- */

/* MH hash functions from fixed seeds: the same signatures on every run. */
static void seeds(uint64_t *seed)
{
	for (unsigned k = 0; k < MH; k++)
		seed[k] = mg_bi_mix(0x9e3779b97f4a7c15ull * (k + 1));
}

static void minhash(uint64_t *sig, const dtext *t, const uint64_t *seed)
{
	for (unsigned k = 0; k < MH; k++)
		sig[k] = UINT64_MAX;
	for (size_t i = 0; i < t->nsh; i++) {
		uint64_t y = t->sh[i];
		for (unsigned k = 0; k < MH; k++) {
			uint64_t v = (y ^ seed[k]) * 0xbf58476d1ce4e5b9ull;
			v ^= v >> 31;
			if (v < sig[k])
				sig[k] = v;
		}
	}
}

/* The most rows per band that still make a pair at the threshold a
 * candidate with probability >= 0.995: 1 - (1 - t^r)^(MH/r). */
static unsigned rows_per_band(double t)
{
	unsigned best = 1;

	for (unsigned r = 1; r <= 16; r++) {
		double tr = 1.0, miss = 1.0;
		for (unsigned i = 0; i < r; i++)
			tr *= t;
		for (unsigned i = 0; i < MH / r; i++)
			miss *= 1.0 - tr;
		if (1.0 - miss >= 0.995)
			best = r;
	}
	return best;
}

static int add_pair(dups *d, size_t a, size_t b)
{
	if (mg_array_grow((void **)&d->pairs, &d->cap, d->npairs + 1, sizeof(*d->pairs)) < 0)
		return MEMGIT_ENOMEM;
	d->pairs[d->npairs++] =
	        a < b ? (dpair){(uint32_t)a, (uint32_t)b} : (dpair){(uint32_t)b, (uint32_t)a};
	return 0;
}

static int bucket_pairs(dups *d, const keyed *k, size_t from, size_t to)
{
	int rc = 0;

	for (size_t i = from; i < to && rc == 0; i++)
		for (size_t j = i + 1; j < to && j <= i + RUN_WINDOW && rc == 0; j++)
			rc = add_pair(d, k[i].idx, k[j].idx);
	return rc;
}

static int band_candidates(dups *d, unsigned rows)
{
	keyed *k = malloc((d->nreps ? d->nreps : 1) * sizeof(*k));
	int rc = 0;

	if (!k)
		return mg_error_oom();
	for (unsigned band = 0; band + rows <= MH && rc == 0; band += rows) {
		for (size_t i = 0; i < d->nreps; i++) {
			const uint64_t *s = d->sig + d->reps[i] * MH + band;
			k[i] = (keyed){mg_bi_hash(s, rows * sizeof(*s)) ^ band, d->reps[i]};
		}
		qsort(k, d->nreps, sizeof(*k), cmp_keyed);
		for (size_t i = 0, j; i < d->nreps && rc == 0; i = j) {
			for (j = i + 1; j < d->nreps && k[j].key == k[i].key; j++)
				;
			rc = bucket_pairs(d, k, i, j);
		}
	}
	free(k);
	return rc;
}

static int cmp_pair(const void *a, const void *b)
{
	const dpair *x = a, *y = b;
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	return x->b < y->b ? -1 : x->b > y->b;
}

static void verify_pairs(dups *d)
{
	if (d->npairs > 1)
		qsort(d->pairs, d->npairs, sizeof(*d->pairs), cmp_pair);
	for (size_t i = 0; i < d->npairs; i++) {
		double j;
		if (i && !cmp_pair(&d->pairs[i], &d->pairs[i - 1]))
			continue;
		j = jaccard(&d->t[d->pairs[i].a], &d->t[d->pairs[i].b]);
		if (j >= d->b->cfg.duplicate_threshold)
			unite(d, d->pairs[i].a, d->pairs[i].b, j);
	}
}

static int find_near(dups *d)
{
	uint64_t seed[MH];
	int rc;

	if (!(d->sig = malloc((d->b->n ? d->b->n : 1) * MH * sizeof(*d->sig))))
		return mg_error_oom();
	seeds(seed);
	for (size_t i = 0; i < d->nreps; i++)
		minhash(d->sig + d->reps[i] * MH, &d->t[d->reps[i]], seed);
	if ((rc = band_candidates(d, rows_per_band(d->b->cfg.duplicate_threshold))) < 0)
		return rc;
	verify_pairs(d);
	return 0;
}

/* ---- one merge per cluster ------------------------------------------------------ */

static int64_t created_of(const memgit_memory *mem)
{
	const char *v = memgit_memory_get(mem, "created");
	int64_t t = v ? mg_time_parse(v) : -1;
	return t < 0 ? INT64_MAX : t;
}

/* Richest front matter; ties: earliest `created`, then path. A pinned
 * member is the target whatever; two pinned members: no merge (MG_BI_NONE). */
static size_t pick_target(const mg_bi *b, const size_t *m, size_t n)
{
	size_t best = MG_BI_NONE, pinned = MG_BI_NONE, npinned = 0;

	for (size_t i = 0; i < n; i++) {
		const memgit_memory *mem = b->in->memories[m[i]].mem;
		if (b->mems[m[i]].pinned) {
			pinned = m[i];
			npinned++;
		}
		if (best == MG_BI_NONE) {
			best = m[i];
			continue;
		}
		const memgit_memory *bm = b->in->memories[best].mem;
		size_t kc = memgit_memory_key_count(mem), bk = memgit_memory_key_count(bm);
		if (kc > bk || (kc == bk && created_of(mem) < created_of(bm)))
			best = m[i];
	}
	if (npinned > 1)
		return MG_BI_NONE;
	return npinned ? pinned : best;
}

static int blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n", s[i]))
			return 0;
	return 1;
}

/* Union of a list key over the cluster, target first; *changed when it grew. */
static int union_key(memgit_memory *mem, const mg_bi *b, const size_t *m, size_t n, const char *key,
        int *changed)
{
	mg_bi_strs all = {0};
	size_t own = memgit_memory_list_count(mem, key);
	int rc = 0;

	for (size_t k = 0; k < own && rc == 0; k++)
		rc = mg_bi_strs_add_unique(&all, memgit_memory_list_item(mem, key, k));
	for (size_t i = 0; i < n && rc == 0; i++) {
		const memgit_memory *o = b->in->memories[m[i]].mem;
		for (size_t k = 0; k < memgit_memory_list_count(o, key) && rc == 0; k++)
			rc = mg_bi_strs_add_unique(&all, memgit_memory_list_item(o, key, k));
	}
	if (rc == 0 && all.n > own) {
		rc = memgit_memory_set_list(mem, key, (const char *const *)all.items, all.n);
		*changed = 1;
	}
	mg_bi_strs_dispose(&all);
	return rc;
}

static int merged_content(memgit_buf *out, mg_bi *b, size_t target, const size_t *m, size_t n)
{
	const mg_dream_memory *dm = b->mems[target].m;
	memgit_memory *mem = NULL;
	const char *body;
	size_t blen;
	int rc, changed = 0;

	if ((rc = memgit_memory_parse(&mem, dm->path, dm->content, dm->len, NULL)) < 0)
		return rc;
	if ((rc = union_key(mem, b, m, n, "tags", &changed)) < 0 ||
	        (rc = union_key(mem, b, m, n, "sources", &changed)) < 0)
		goto done;
	body = memgit_memory_body(mem, &blen);
	if (blank(body, blen)) {
		size_t best = 0, best_len = 0;
		for (size_t i = 0; i < n; i++) {
			size_t l;
			memgit_memory_body(b->in->memories[m[i]].mem, &l);
			if (l > best_len) {
				best = m[i];
				best_len = l;
			}
		}
		if (best_len && (rc = memgit_memory_set_body(mem,
		                         memgit_memory_body(b->in->memories[best].mem, NULL),
		                         best_len)) < 0)
			goto done;
		changed |= best_len > 0;
	}
	if (changed && (rc = mg_bi_touch(mem, b)) < 0)
		goto done;
	rc = memgit_memory_serialize(out, mem);
done:
	memgit_memory_free(mem);
	return rc;
}

static int set_merge_rationale(mg_edit *e, double weakest, size_t others, const char *target)
{
	if (weakest >= 1.0)
		return mg_edit_set_rationale(e, "merge %zu exact duplicate%s into %s", others,
		        others == 1 ? "" : "s", target);
	return mg_edit_set_rationale(e,
	        "merge %zu near-duplicate%s (word-shingle Jaccard >= %.2f) into %s", others,
	        others == 1 ? "" : "s", (double)(long)(weakest * 100.0) / 100.0, target);
}

/*
 * A pinned memory is never changed, and the engine refuses any edit whose
 * target is pinned, so the others are deleted as its duplicates instead of
 * being folded into it: the pinned file stays byte for byte.
 */
static int retire_into_pinned(dups *d, const size_t *m, size_t n, size_t target)
{
	mg_bi *b = d->b;
	const char *tp = b->in->memories[target].path;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *p = b->in->memories[m[i]].path;
		mg_edit *e;
		size_t at;
		if (m[i] == target)
			continue;
		if ((rc = mg_bi_add_edit(&e, &at, b, MEMGIT_EDIT_DELETE, p)) == 0 &&
		        (rc = mg_edit_set_rationale(e, "duplicate of the pinned memory %s", tp)) ==
		                0 &&
		        (rc = mg_edit_add_evidence(e, "memory:%s", tp)) == 0)
			rc = mg_edit_add_evidence(e, "memory:%s", p);
		b->mems[m[i]].state = MG_BI_MERGED;
		b->mems[m[i]].into = target;
	}
	return rc;
}

static int emit_merge(dups *d, const size_t *m, size_t n, size_t root)
{
	mg_bi *b = d->b;
	memgit_buf content = MEMGIT_BUF_INIT;
	size_t target = pick_target(b, m, n), at;
	mg_edit *e;
	int rc;

	if (target == MG_BI_NONE)
		return 0;
	if (b->mems[target].pinned)
		return retire_into_pinned(d, m, n, target);
	if ((rc = merged_content(&content, b, target, m, n)) < 0 ||
	        (rc = mg_bi_add_edit(&e, &at, b, MEMGIT_EDIT_MERGE, b->in->memories[target].path)) <
	                0 ||
	        (rc = mg_edit_set_content(e, content.ptr, content.size)) < 0 ||
	        (rc = set_merge_rationale(
	                 e, d->weakest[root], n - 1, b->in->memories[target].path)) < 0)
		goto done;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if ((rc = mg_edit_add_evidence(e, "memory:%s", b->in->memories[m[i]].path)) < 0 ||
		        m[i] == target)
			continue;
		rc = mg_edit_add_merged(e, b->in->memories[m[i]].path);
		b->mems[m[i]].state = MG_BI_MERGED;
		b->mems[m[i]].into = target;
	}
done:
	memgit_buf_dispose(&content);
	return rc;
}

/* Members of each cluster, clusters in the order of their lowest path. */
static int emit_clusters(dups *d)
{
	size_t n = d->b->n, *order = malloc((n ? n : 1) * sizeof(*order));
	keyed *k = malloc((n ? n : 1) * sizeof(*k));
	size_t nk = 0;
	int rc = 0;

	if (!order || !k) {
		rc = mg_error_oom();
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if (d->t[i].active)
			k[nk++] = (keyed){find(d->parent, i), i};
	qsort(k, nk, sizeof(*k), cmp_keyed);
	for (size_t i = 0, j; i < nk && rc == 0; i = j) {
		for (j = i; j < nk && k[j].key == k[i].key; j++)
			order[j - i] = k[j].idx;
		if (j - i > 1)
			rc = emit_merge(d, order, j - i, (size_t)k[i].key);
	}
done:
	free(order);
	free(k);
	return rc;
}

static void dups_dispose(dups *d)
{
	if (d->t)
		for (size_t i = 0; i < d->b->n; i++)
			free(d->t[i].sh);
	free(d->t);
	free(d->parent);
	free(d->weakest);
	free(d->sig);
	free(d->reps);
	free(d->pairs);
}

int mg_bi_duplicates(mg_bi *b)
{
	size_t n = b->n ? b->n : 1;
	dups d = {b};
	int rc = 0;

	if (!(d.t = calloc(n, sizeof(*d.t))) || !(d.parent = malloc(n * sizeof(*d.parent))) ||
	        !(d.weakest = malloc(n * sizeof(*d.weakest)))) {
		rc = mg_error_oom();
		goto done;
	}
	for (size_t i = 0; i < b->n && rc == 0; i++) {
		d.parent[i] = i;
		d.weakest[i] = 1.0;
		if (b->mems[i].usable && b->mems[i].state == MG_BI_LIVE)
			rc = build_text(&d.t[i], b->in->memories[i].mem);
	}
	if (rc == 0 && (rc = group_exact(&d)) == 0 && (rc = find_near(&d)) == 0)
		rc = emit_clusters(&d);
done:
	dups_dispose(&d);
	return rc;
}
