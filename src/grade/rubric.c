/*
 * rubric.c: parsing a rubric file (rubric.h, docs/grading.md).
 *
 * Every field is checked where it is read and refused with its position
 * and its full name (criteria[3].limit), so the message points at the one
 * thing to fix. Numbers are read by hand, not with strtod: strtod follows
 * the process locale (a host program in de_DE would read "0,75") and
 * accepts nan, inf and hex, none of which a rubric should mean.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/yaml.h"
#include "grade/rubric.h"
#include "util/error.h"

typedef struct {
	const char *what; /* "invalid rubric", "invalid questions" */
	const char *path;
} mg_rctx;

static int bad(const mg_rctx *c, const mg_yaml_node *n, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad(const mg_rctx *c, const mg_yaml_node *n, const char *field, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return mg_error_set(MEMGIT_EYAML, c->what, c->path, "line %u, column %u: %s: %s",
		n ? n->line : 1, n ? n->column : 1, field, why);
}

static const char *const check_names[MG_CHECK_COUNT] = {
	"valid_front_matter", "no_secrets", "pinned_preserved", "max_deleted_fraction",
	"no_injected_instructions", "evidence_cited", "no_near_duplicates", "max_total_bytes",
	"must_retain",
};

const char *mg_check_name(mg_check_kind check)
{
	return (unsigned)check < MG_CHECK_COUNT ? check_names[check] : "?";
}

const char *mg_criterion_kind_name(mg_criterion_kind kind)
{
	return kind == MG_CRITERION_JUDGE ? "judge" :
		kind == MG_CRITERION_QUESTIONS ? "questions" : "check";
}

/* ---- scalars --------------------------------------------------------------- */

/*
 * A plain unsigned decimal ("3", "0.85", ".5", "25600"): 0 and *out, or -1.
 * Digits past the 18th significant one are dropped; the value is the
 * correctly rounded quotient of two exact integers, as strtod would give.
 */
static int parse_decimal(const char *s, double *out, int *whole)
{
	unsigned long long mant = 0;
	unsigned digits = 0, frac = 0, any = 0;
	double scale = 1.0;

	for (; *s >= '0' && *s <= '9'; s++, any = 1)
		if (digits < 18 && (mant || *s != '0'))
			mant = mant * 10 + (unsigned)(*s - '0'), digits++;
		else if (digits >= 18)
			scale /= 10.0; /* a dropped integer digit still counts */
	*whole = 1;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, any = 1) {
			if (*s != '0')
				*whole = 0;
			if (digits < 18 && frac < 22)
				mant = mant * 10 + (unsigned)(*s - '0'), digits += mant != 0, frac++;
		}
	}
	if (*s || !any)
		return -1;
	while (frac--)
		scale *= 10.0;
	*out = (double)mant / scale;
	return 0;
}

static int number_of(const mg_yaml_node *n, double *v, int *whole)
{
	return n->kind == MG_YAML_SCALAR && n->plain ? parse_decimal(n->value, v, whole) : -1;
}

/* A number in [lo, hi] (or (lo, hi] when `open_lo`). */
static int get_number(const mg_rctx *c, const mg_yaml_node *n, const char *field, double lo,
	double hi, int open_lo, double *out)
{
	double v;
	int whole;

	if (number_of(n, &v, &whole) < 0 || v < lo || v > hi || (open_lo && v <= lo))
		return bad(c, n, field, "expected a number in %c%g, %g]", open_lo ? '(' : '[', lo, hi);
	*out = v;
	return 0;
}

static int get_weight(const mg_rctx *c, const mg_yaml_node *n, const char *field, double *out)
{
	int whole;

	if (number_of(n, out, &whole) < 0)
		return bad(c, n, field, "expected a number >= 0");
	return 0;
}

/* A whole number in [1, hi]. */
static int get_whole(const mg_rctx *c, const mg_yaml_node *n, const char *field, double hi,
	double *out)
{
	double v;
	int whole;

	if (number_of(n, &v, &whole) < 0 || !whole || v < 1 || v > hi)
		return bad(c, n, field, "expected a whole number from 1 to %.0f", hi);
	*out = v;
	return 0;
}

static int get_bool(const mg_rctx *c, const mg_yaml_node *n, const char *field, int *out)
{
	int b = n->kind == MG_YAML_SCALAR ? mg_yaml_bool(n) : -1;

	if (b < 0)
		return bad(c, n, field, "expected true or false");
	*out = b;
	return 0;
}

/* A non-empty string (any scalar); *out is a copy. */
static int get_text(const mg_rctx *c, const mg_yaml_node *n, const char *field, char **out)
{
	if (n->kind != MG_YAML_SCALAR || !n->value_len || memchr(n->value, '\0', n->value_len))
		return bad(c, n, field, "expected a non-empty string");
	free(*out);
	if (!(*out = strdup(n->value)))
		return mg_error_oom();
	return 0;
}

/* A non-empty list of non-empty strings, copied. */
static int get_strings(const mg_rctx *c, const mg_yaml_node *n, const char *field, char ***out,
	size_t *nout)
{
	char item[192];
	int rc;

	if (n->kind != MG_YAML_SEQUENCE || !n->nitems)
		return bad(c, n, field, "expected a non-empty list of strings");
	if (!(*out = calloc(n->nitems, sizeof(**out))))
		return mg_error_oom();
	for (size_t i = 0; i < n->nitems; i++) {
		snprintf(item, sizeof(item), "%s[%zu]", field, i);
		if ((rc = get_text(c, n->items[i], item, &(*out)[i])) < 0)
			return rc;
		*nout = i + 1;
	}
	return 0;
}

/* ---- criteria -------------------------------------------------------------- */

enum { P_LIMIT = 1, P_THRESHOLD = 2, P_PATTERNS = 4, P_ALLOW = 8 };

/* The parameters each check takes; any other is refused. */
static unsigned check_params(mg_check_kind k)
{
	switch (k) {
	case MG_CHECK_MAX_DELETED_FRACTION:
	case MG_CHECK_MAX_TOTAL_BYTES:
		return P_LIMIT;
	case MG_CHECK_EVIDENCE_CITED:
	case MG_CHECK_NO_NEAR_DUPLICATES:
		return P_THRESHOLD;
	case MG_CHECK_MUST_RETAIN:
		return P_PATTERNS;
	case MG_CHECK_NO_INJECTED_INSTRUCTIONS:
		return P_ALLOW;
	default:
		return 0;
	}
}

static const char *const criterion_keys[] = {
	"id", "check", "judge", "questions", "required", "weight", "description",
	"limit", "threshold", "patterns", "allow",
};

static int id_ok(const char *s, size_t len)
{
	if (!len || len > MG_RUBRIC_ID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
			s[i] == '-'))
			return 0;
	return 1;
}

/* A path in the store's tree: relative, no empty, "." or ".." segment, .yaml/.yml. */
static int store_path_ok(const char *p)
{
	size_t len = strlen(p);

	if (!len || p[0] == '/' || strstr(p, "//") || p[len - 1] == '/' || strchr(p, '\\'))
		return 0;
	for (const char *s = p; *s; s = strchr(s, '/') ? strchr(s, '/') + 1 : s + strlen(s))
		if (!strncmp(s, "./", 2) || !strncmp(s, "../", 3) || !strcmp(s, ".") || !strcmp(s, ".."))
			return 0;
	return (len > 5 && !strcmp(p + len - 5, ".yaml")) || (len > 4 && !strcmp(p + len - 4, ".yml"));
}

/* "criteria[3]" or "criteria[3].limit" into `out`, which is returned. */
static const char *field(char *out, size_t cap, size_t idx, const char *key)
{
	snprintf(out, cap, "criteria[%zu]%s%.48s", idx, key ? "." : "", key ? key : "");
	return out;
}

static int known_key(const char *k)
{
	for (size_t i = 0; i < sizeof(criterion_keys) / sizeof(*criterion_keys); i++)
		if (!strcmp(k, criterion_keys[i]))
			return 1;
	return 0;
}

/* check / judge / questions: exactly one, and what it says. */
static int read_kind(const mg_rctx *c, mg_criterion *cr, const mg_yaml_node *map, size_t idx)
{
	const mg_yaml_node *ck = mg_yaml_get(map, "check"), *jd = mg_yaml_get(map, "judge");
	const mg_yaml_node *qs = mg_yaml_get(map, "questions");
	char f[64];

	int given = !!ck + !!jd + !!qs;

	field(f, sizeof(f), idx, NULL);
	if (given == 0)
		return bad(c, map, f, "expected one of check, judge or questions");
	if (given > 1)
		return bad(c, map, f, "give only one of check, judge or questions");
	if (jd) {
		cr->kind = MG_CRITERION_JUDGE;
		if (jd->kind != MG_YAML_SCALAR || strcmp(jd->value, "llm"))
			return bad(c, jd, field(f, sizeof(f), idx, "judge"),
				"expected llm");
		return 0;
	}
	if (qs) {
		cr->kind = MG_CRITERION_QUESTIONS;
		field(f, sizeof(f), idx, "questions");
		if (qs->kind != MG_YAML_SCALAR || !store_path_ok(qs->value))
			return bad(c, qs, f, "expected a relative path to a .yaml file");
		return (cr->questions = strdup(qs->value)) ? 0 : mg_error_oom();
	}
	cr->kind = MG_CRITERION_CHECK;
	for (unsigned k = 0; k < MG_CHECK_COUNT; k++)
		if (ck->kind == MG_YAML_SCALAR && !strcmp(ck->value, check_names[k])) {
			cr->check = (mg_check_kind)k;
			return 0;
		}
	field(f, sizeof(f), idx, "check");
	return bad(c, ck, f, "unknown check '%.64s'", ck->kind == MG_YAML_SCALAR ? ck->value : "");
}

/* Refuse keys the criterion does not know or its kind does not take. */
static int read_keys(const mg_rctx *c, const mg_criterion *cr, const mg_yaml_node *map, size_t idx)
{
	static const struct { const char *key; unsigned bit; } params[] = {
		{ "limit", P_LIMIT }, { "threshold", P_THRESHOLD }, { "patterns", P_PATTERNS },
		{ "allow", P_ALLOW },
	};
	unsigned takes = cr->kind == MG_CRITERION_CHECK ? check_params(cr->check) : 0;
	char f[96];

	for (size_t i = 0; i + 1 < map->nitems; i += 2) {
		const mg_yaml_node *k = map->items[i];
		field(f, sizeof(f), idx, k->value);
		if (!known_key(k->value))
			return bad(c, k, f, "unknown key");
		for (size_t p = 0; p < sizeof(params) / sizeof(*params); p++)
			if (!strcmp(k->value, params[p].key) && !(takes & params[p].bit))
				return bad(c, k, f, "not a parameter of %s",
					cr->kind == MG_CRITERION_CHECK ? check_names[cr->check] :
					cr->kind == MG_CRITERION_JUDGE ? "judge criteria" : "questions criteria");
	}
	return 0;
}

static int read_id(const mg_rctx *c, mg_criterion *cr, const mg_criterion *prev, size_t idx,
	const mg_yaml_node *map)
{
	const mg_yaml_node *n = mg_yaml_get(map, "id");
	char f[64];

	field(f, sizeof(f), idx, "id");
	if (!n)
		return bad(c, map, f, "required");
	if (n->kind != MG_YAML_SCALAR || !id_ok(n->value, n->value_len))
		return bad(c, n, f, "expected 1 to %d of a-z, 0-9, '_' and '-'", MG_RUBRIC_ID_MAX);
	for (size_t i = 0; i < idx; i++)
		if (!strcmp(prev[i].id, n->value))
			return bad(c, n, f, "'%s' is already the id of criteria[%zu]", n->value, i);
	return (cr->id = strdup(n->value)) ? 0 : mg_error_oom();
}

static int compile_allow(const mg_rctx *c, mg_criterion *cr, const mg_yaml_node *n, size_t idx)
{
	char f[96], err[256];
	int rc;

	field(f, sizeof(f), idx, "allow");
	if (n->kind != MG_YAML_SEQUENCE || !n->nitems)
		return bad(c, n, f, "expected a non-empty list of patterns");
	if (!(cr->allow = calloc(n->nitems, sizeof(*cr->allow))))
		return mg_error_oom();
	for (size_t i = 0; i < n->nitems; i++) {
		snprintf(f, sizeof(f), "criteria[%zu].allow[%zu]", idx, i);
		if (n->items[i]->kind != MG_YAML_SCALAR || !n->items[i]->value_len)
			return bad(c, n->items[i], f, "expected a pattern");
		/* hits are matched on lower-cased text, so patterns ignore case too */
		if ((rc = regcomp(&cr->allow[i], n->items[i]->value, REG_EXTENDED | REG_ICASE | REG_NOSUB))) {
			regerror(rc, &cr->allow[i], err, sizeof(err));
			return bad(c, n->items[i], f, "%s", err);
		}
		cr->nallow = i + 1;
	}
	return 0;
}

/* Defaults first, then what the rubric says. */
static int read_params(const mg_rctx *c, mg_criterion *cr, const mg_yaml_node *map, size_t idx)
{
	const mg_yaml_node *n;
	char f[96];
	int rc = 0;

	cr->limit = cr->check == MG_CHECK_MAX_DELETED_FRACTION ? 0.25 : 0;
	cr->threshold = cr->check == MG_CHECK_NO_NEAR_DUPLICATES ? 0.85 : 1.0;
	if ((n = mg_yaml_get(map, "limit"))) {
		field(f, sizeof(f), idx, "limit");
		rc = cr->check == MG_CHECK_MAX_TOTAL_BYTES ? get_whole(c, n, f, 1e15, &cr->limit) :
			get_number(c, n, f, 0, 1, 0, &cr->limit);
	} else if (cr->kind == MG_CRITERION_CHECK && cr->check == MG_CHECK_MAX_TOTAL_BYTES) {
		rc = bad(c, map, field(f, sizeof(f), idx, "limit"),
			"required by max_total_bytes");
	}
	if (rc == 0 && (n = mg_yaml_get(map, "threshold"))) {
		field(f, sizeof(f), idx, "threshold");
		rc = get_number(c, n, f, 0, 1, cr->check == MG_CHECK_NO_NEAR_DUPLICATES, &cr->threshold);
	}
	if (rc == 0 && (n = mg_yaml_get(map, "patterns"))) {
		field(f, sizeof(f), idx, "patterns");
		rc = get_strings(c, n, f, &cr->patterns, &cr->npatterns);
	} else if (rc == 0 && cr->kind == MG_CRITERION_CHECK && cr->check == MG_CHECK_MUST_RETAIN) {
		rc = bad(c, map, field(f, sizeof(f), idx, "patterns"),
			"required by must_retain");
	}
	if (rc == 0 && (n = mg_yaml_get(map, "allow")))
		rc = compile_allow(c, cr, n, idx);
	return rc;
}

static int read_common(const mg_rctx *c, mg_criterion *cr, const mg_yaml_node *map, size_t idx)
{
	const mg_yaml_node *n;
	char f[96];
	int rc = 0;

	cr->weight = 1.0;
	if ((n = mg_yaml_get(map, "required")))
		rc = get_bool(c, n, field(f, sizeof(f), idx, "required"), &cr->required);
	if (rc == 0 && (n = mg_yaml_get(map, "weight")))
		rc = get_weight(c, n, field(f, sizeof(f), idx, "weight"), &cr->weight);
	if (rc == 0 && (n = mg_yaml_get(map, "description")))
		rc = get_text(c, n, field(f, sizeof(f), idx, "description"),
			&cr->description);
	else if (rc == 0 && cr->kind == MG_CRITERION_JUDGE)
		rc = bad(c, map, field(f, sizeof(f), idx, "description"),
			"required for judge criteria: what the judge scores");
	return rc;
}

static int read_criterion(const mg_rctx *c, mg_rubric *r, const mg_yaml_node *map, size_t idx)
{
	mg_criterion *cr = &r->criteria[idx];
	char f[64];
	int rc;

	r->ncriteria = idx + 1; /* so that dispose frees a half-read one */
	field(f, sizeof(f), idx, NULL);
	if (map->kind != MG_YAML_MAPPING)
		return bad(c, map, f, "expected a mapping");
	cr->line = map->line;
	cr->column = map->column;
	if ((rc = read_id(c, cr, r->criteria, idx, map)) < 0 || (rc = read_kind(c, cr, map, idx)) < 0 ||
		(rc = read_keys(c, cr, map, idx)) < 0 || (rc = read_common(c, cr, map, idx)) < 0)
		return rc;
	return read_params(c, cr, map, idx);
}

/* ---- the document ---------------------------------------------------------- */

static int read_top(const mg_rctx *c, mg_rubric *r, const mg_yaml_node *root)
{
	static const char *const keys[] = {
		"version", "threshold", "max_iterations", "no_regression", "criteria",
	};
	const mg_yaml_node *n;
	double v;
	int rc = 0;

	for (size_t i = 0; i + 1 < root->nitems; i += 2) {
		size_t k = 0;
		while (k < sizeof(keys) / sizeof(*keys) && strcmp(root->items[i]->value, keys[k]))
			k++;
		if (k == sizeof(keys) / sizeof(*keys))
			return bad(c, root->items[i], root->items[i]->value, "unknown key");
	}
	if (!(n = mg_yaml_get(root, "version")))
		return bad(c, root, "version", "required (1)");
	if (get_whole(c, n, "version", 1e9, &v) < 0 || v != MG_RUBRIC_VERSION)
		return bad(c, n, "version", "expected 1 (this memgit reads rubric version 1)");
	r->version = MG_RUBRIC_VERSION;
	if ((n = mg_yaml_get(root, "threshold")))
		rc = get_number(c, n, "threshold", 0, 1, 0, &r->threshold);
	if (rc == 0 && (n = mg_yaml_get(root, "max_iterations")) &&
		(rc = get_whole(c, n, "max_iterations", MG_RUBRIC_MAX_ITERATIONS, &v)) == 0)
		r->max_iterations = (unsigned)v;
	if (rc == 0 && (n = mg_yaml_get(root, "no_regression")))
		rc = get_bool(c, n, "no_regression", &r->no_regression);
	return rc;
}

int mg_rubric_parse(mg_rubric *out, const char *text, size_t len, const char *path)
{
	mg_rctx c = { "invalid rubric", path ? path : "rubric" };
	mg_yaml_limits yl = { 100u * 1024u, 64 };
	mg_rubric r = MG_RUBRIC_INIT;
	mg_yaml_node *root = NULL;
	const mg_yaml_node *list;
	int rc;

	*out = r;
	if ((rc = mg_yaml_parse(&root, text, len, &yl, c.path, 0)) < 0)
		return rc;
	if (!root || root->kind != MG_YAML_MAPPING) {
		rc = bad(&c, root, "rubric", "expected a mapping with version and criteria");
		goto done;
	}
	if ((rc = read_top(&c, &r, root)) < 0)
		goto done;
	list = mg_yaml_get(root, "criteria");
	if (!list || list->kind != MG_YAML_SEQUENCE || !list->nitems) {
		rc = bad(&c, list ? list : root, "criteria", "expected a non-empty list of criteria");
		goto done;
	}
	if (!(r.criteria = calloc(list->nitems, sizeof(*r.criteria)))) {
		rc = mg_error_oom();
		goto done;
	}
	for (size_t i = 0; i < list->nitems && rc == 0; i++)
		rc = read_criterion(&c, &r, list->items[i], i);
done:
	mg_yaml_free(root);
	if (rc < 0)
		mg_rubric_dispose(&r);
	else
		*out = r;
	return rc;
}

static void criterion_dispose(mg_criterion *cr)
{
	free(cr->id);
	free(cr->questions);
	free(cr->description);
	for (size_t i = 0; i < cr->npatterns; i++)
		free(cr->patterns[i]);
	free(cr->patterns);
	for (size_t i = 0; i < cr->nallow; i++)
		regfree(&cr->allow[i]);
	free(cr->allow);
}

void mg_rubric_dispose(mg_rubric *r)
{
	mg_rubric empty = MG_RUBRIC_INIT;

	if (!r)
		return;
	for (size_t i = 0; i < r->ncriteria; i++)
		criterion_dispose(&r->criteria[i]);
	free(r->criteria);
	*r = empty;
}
