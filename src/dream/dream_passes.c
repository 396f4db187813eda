/*
 * dream_passes.c: a dream's passes as its note records them. Every outcome
 * recorded on the dream (memgit_dream_run grades each pass it makes,
 * `memgit grade` adds one per grading) becomes a memgit_dream_pass: the
 * verdict, the score, the criteria that failed, and how many edits the
 * next pass dropped for them (their reason says "revision <n>: ...").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dream_internal.h"
#include "grade/outcome.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/error.h"

int mg_edit_dropped(const mg_edit *e)
{
	return e->refused &&
		strncmp(e->refused, MG_DREAM_DROPPED_PREFIX, strlen(MG_DREAM_DROPPED_PREFIX)) == 0;
}

/* The edits pass `n` dropped. */
static size_t dropped_by(const memgit_dream *d, unsigned n)
{
	char prefix[32];
	size_t count = 0;
	int len = snprintf(prefix, sizeof(prefix), MG_DREAM_DROPPED_PREFIX "%u:", n);

	for (size_t i = 0; i < d->edits.n; i++)
		count += d->edits.items[i].refused &&
			strncmp(d->edits.items[i].refused, prefix, (size_t)len) == 0;
	return count;
}

/* The ids of the criteria outcome `o` failed (skipped ones did not fail). */
static int failed_ids(char **out, const mg_json *o)
{
	memgit_buf ids = MEMGIT_BUF_INIT;
	int rc = 0;

	for (const mg_json *c = mg_json_first(mg_json_get(o, "criteria")); c && rc == 0;
	     c = mg_json_next(c)) {
		const char *id = mg_json_get_string(c, "id");
		if (id && mg_json_bool(mg_json_get(c, "pass")) == 0 &&
		    mg_json_bool(mg_json_get(c, "skipped")) != 1)
			rc = mg_buf_printf(&ids, "%s%s", ids.size ? ", " : "", id);
	}
	if (rc == 0 && !(*out = mg_buf_detach(&ids)))
		rc = mg_error_oom();
	memgit_buf_dispose(&ids);
	return rc;
}

static void passes_free(memgit_dream *d)
{
	mg_dream_strv_free(d->pass_failed, d->npasses);
	free(d->pass_verdicts);
	free(d->passes);
	d->pass_failed = NULL;
	d->pass_verdicts = NULL;
	d->passes = NULL;
	d->npasses = 0;
}

/* Pass `i` from outcome d->outcomes[i] (an outcome that does not parse
 * leaves its pass blank rather than the dream unreadable). */
static int one_pass(memgit_dream *d, size_t i)
{
	mg_json_parse_opts po = { 0, MG_JSON_REPLACE_NUL, d->id, 0, 0 };
	memgit_dream_pass *p = &d->passes[i];
	mg_json *o = NULL;
	int rc = 0;

	p->outcome = d->outcomes[i];
	p->iteration = 1;
	if (mg_json_parse(&o, d->outcomes[i], strlen(d->outcomes[i]), &po) < 0) {
		memgit_error_clear();
		d->pass_failed[i] = strdup("");
	} else {
		const char *verdict = mg_json_get_string(o, "verdict");
		snprintf(d->pass_verdicts[i], sizeof(d->pass_verdicts[i]), "%s", verdict ? verdict : "");
		p->score = mg_json_number(mg_json_get(o, "score"), 0);
		p->iteration = (unsigned)mg_json_number(mg_json_get(o, "iteration"), 1);
		rc = failed_ids(&d->pass_failed[i], o);
	}
	if (rc == 0 && !d->pass_failed[i])
		rc = mg_error_oom();
	p->verdict = d->pass_verdicts[i];
	p->failed = d->pass_failed[i] ? d->pass_failed[i] : "";
	p->dropped = dropped_by(d, p->iteration + 1);
	p->stopped = i + 1 == d->noutcomes ? d->stopped : NULL;
	mg_json_free(o);
	return rc;
}

int mg_dream_passes(memgit_dream *d)
{
	size_t n = d->noutcomes ? d->noutcomes : 1;
	int rc = 0;

	passes_free(d);
	if (!(d->passes = calloc(n, sizeof(*d->passes))) ||
	    !(d->pass_verdicts = calloc(n, sizeof(*d->pass_verdicts))) ||
	    !(d->pass_failed = calloc(n, sizeof(*d->pass_failed)))) {
		passes_free(d);
		return mg_error_oom();
	}
	for (size_t i = 0; i < d->noutcomes && rc == 0; i++, d->npasses++)
		rc = one_pass(d, i);
	return rc;
}

void mg_dream_adopt_record(memgit_dream *d, memgit_dream *graded)
{
	memcpy(d->verdict, graded->verdict, sizeof(d->verdict));
	d->score = graded->score;
	d->iteration = graded->iteration;
	free(d->outcome);
	d->outcome = graded->outcome;
	graded->outcome = NULL;
	mg_dream_strv_free(d->outcomes, d->noutcomes);
	d->outcomes = graded->outcomes;
	d->noutcomes = graded->noutcomes;
	graded->outcomes = NULL;
	graded->noutcomes = 0;
}

void mg_dream_outcome_jsonw(mg_jsonw *w, const char *json)
{
	mg_outcome o = MG_OUTCOME_INIT;

	if (json && mg_outcome_from_json(&o, json, strlen(json), "outcome") == 0) {
		mg_outcome_json(w, &o);
	} else {
		memgit_error_clear();
		mg_jsonw_raw(w, json ? json : "null");
	}
	mg_outcome_dispose(&o);
}
