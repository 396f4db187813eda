/*
 * builtin_retire.c: rule 2, retiring memories.
 *
 * - A memory whose `expires` has passed is deleted ("expired on ..."). A
 *   date without a time expires at the end of that day (UTC): "expires:
 *   2027-03-01" still holds on March 1st.
 * - A memory named by another's `supersedes` (a path, in any form commands
 *   accept, or an id; one or a list) is deleted, citing the superseder.
 *   Two memories that supersede each other cancel out: neither goes.
 *
 * Pinned memories are never retired. Retired memories take part in no
 * later rule (they are not merged, nor strengthened).
 */
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "memgit/memory.h"
#include "memgit/read.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"

/* The memory `ref` names: an id, else a path. */
static size_t resolve(const mg_bi *b, const char *ref, memgit_buf *tmp)
{
	size_t idx;

	if (mg_strmap_get(&b->ids, ref, &idx))
		return idx;
	mg_buf_clear(tmp);
	if (memgit_path_normalize(tmp, ref) < 0)
		return MG_BI_NONE;
	return mg_bi_find_path(b, tmp->ptr);
}

static int supersedes(const mg_bi *b, size_t who, size_t whom, memgit_buf *tmp)
{
	const memgit_memory *mem = b->in->memories[who].mem;
	size_t n = mem ? memgit_memory_list_count(mem, "supersedes") : 0;

	for (size_t k = 0; k < n; k++)
		if (resolve(b, memgit_memory_list_item(mem, "supersedes", k), tmp) == whom)
			return 1;
	return 0;
}

/* For each memory, the first memory (in path order) that supersedes it. */
static int find_superseders(mg_bi *b, size_t *by)
{
	memgit_buf tmp = MEMGIT_BUF_INIT;

	for (size_t i = 0; i < b->n; i++)
		by[i] = MG_BI_NONE;
	for (size_t s = 0; s < b->n; s++) {
		const memgit_memory *mem = b->in->memories[s].mem;
		size_t n = mem ? memgit_memory_list_count(mem, "supersedes") : 0;
		for (size_t k = 0; k < n; k++) {
			size_t t = resolve(b, memgit_memory_list_item(mem, "supersedes", k), &tmp);
			if (t == MG_BI_NONE || t == s || by[t] != MG_BI_NONE)
				continue;
			if (!supersedes(b, t, s, &tmp))
				by[t] = s;
		}
	}
	memgit_buf_dispose(&tmp);
	return 0;
}

/* When `expires` has passed: 1 and the date as written in *when. */
static int expired(const mg_bi *b, size_t i, const char **when)
{
	const memgit_memory *mem = b->in->memories[i].mem;
	const char *v = mem ? memgit_memory_get(mem, "expires") : NULL;
	int64_t t;

	if (!v || (t = mg_time_parse(v)) < 0)
		return 0;
	if (strlen(v) == 10)
		t += 86400; /* a day ends at midnight after it */
	*when = v;
	return t <= b->in->now;
}

static int retire_one(mg_bi *b, size_t i, size_t by, const char *when)
{
	const char *path = b->in->memories[i].path;
	mg_edit *e;
	size_t at;
	int rc;

	if ((rc = mg_bi_add_edit(&e, &at, b, MEMGIT_EDIT_DELETE, path)) < 0)
		return rc;
	if (by != MG_BI_NONE) {
		const char *sp = b->in->memories[by].path;
		if ((rc = mg_edit_set_rationale(e, "superseded by %s", sp)) == 0)
			rc = mg_edit_add_evidence(e, "memory:%s", sp);
	} else {
		if ((rc = mg_edit_set_rationale(e, "expired on %s", when)) == 0)
			rc = mg_edit_add_evidence(e, "memory:%s", path);
	}
	b->mems[i].state = MG_BI_DELETED;
	return rc;
}

int mg_bi_retire(mg_bi *b)
{
	size_t *by = b->n ? calloc(b->n, sizeof(*by)) : NULL;
	int rc = 0;

	if (b->n && !by)
		return mg_error_oom();
	find_superseders(b, by);
	for (size_t i = 0; i < b->n && rc == 0; i++) {
		const char *when = NULL;
		if (b->mems[i].pinned)
			continue;
		if (by[i] != MG_BI_NONE || expired(b, i, &when))
			rc = retire_one(b, i, by[i], when);
	}
	free(by);
	return rc;
}
