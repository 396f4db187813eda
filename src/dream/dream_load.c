/*
 * dream_load.c: reading dreams back: a dream/<id> branch (or any commit
 * carrying Dream-Id) with its trailers and its note, and the list of every
 * dream on the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dream_internal.h"
#include "util/buf.h"
#include "util/error.h"

/* A Dream-Iteration value: a whole number from 1 (1 when it is not one). */
static unsigned iteration_of(const char *value)
{
	char *end;
	unsigned long n = strtoul(value, &end, 10);

	return value[0] >= '1' && value[0] <= '9' && !*end && n <= 1000 ? (unsigned)n : 1;
}

/* The fields the trailers give; the note, when present, adds the rest. */
static int from_trailers(memgit_dream *d, const char *msg)
{
	memgit_buf v = MEMGIT_BUF_INIT;
	int rc;

	if ((rc = mg_dream_trailer(&v, msg, "Dream-Id")) <= 0 || !mg_dream_id_valid(v.ptr)) {
		rc = rc < 0 ? rc : mg_error_set(MEMGIT_EINPUT, "not a dream commit", d->commit,
			"no valid Dream-Id trailer");
		goto done;
	}
	memcpy(d->id, v.ptr, MG_DREAM_ID_LEN + 1);
	if ((rc = mg_dream_trailer(&v, msg, "Dream-Base")) < 0)
		goto done;
	snprintf(d->base, sizeof(d->base), "%.40s", mg_buf_cstr(&v));
	if ((rc = mg_dream_trailer(&v, msg, "Dream-Sessions-Commit")) < 0)
		goto done;
	snprintf(d->sessions_commit, sizeof(d->sessions_commit), "%.40s", mg_buf_cstr(&v));
	if ((rc = mg_dream_trailer(&v, msg, "Dream-Dreamer")) < 0)
		goto done;
	if (rc == 1 && !(d->dreamer = strdup(v.ptr))) {
		rc = mg_error_oom();
		goto done;
	}
	if ((rc = mg_dream_trailer(&v, msg, "Dream-Iteration")) < 0)
		goto done;
	d->pass = rc == 1 ? iteration_of(v.ptr) : 1;
	if ((rc = mg_dream_trailer(&v, msg, "Dream-Sessions")) < 0 ||
	    (rc = mg_dream_split(&d->sessions, &d->nsessions, mg_buf_cstr(&v))) < 0)
		goto done;
	if (!(d->agents = calloc(d->nsessions ? d->nsessions : 1, sizeof(char *))))
		rc = mg_error_oom();
done:
	memgit_buf_dispose(&v);
	return rc < 0 ? rc : 0;
}

static int read_note(memgit_dream *d, memgit_store *s, const git_oid *commit)
{
	git_note *note = NULL;
	const char *text;
	int rc = git_note_read(&note, s->repo, MG_NOTES_REF, commit);

	if (rc == GIT_ENOTFOUND)
		return 0; /* the trailers alone: a dream whose notes were not fetched */
	if (rc < 0)
		return mg_git_error(rc, "cannot read dream note", d->id);
	text = git_note_message(note);
	rc = mg_dream_note_read(d, text, strlen(text), d->id);
	git_note_free(note);
	return rc;
}

/* An applied edit's content is in the dream's tree. */
static int read_contents(memgit_dream *d, memgit_store *s, git_commit *commit)
{
	memgit_buf content = MEMGIT_BUF_INIT;
	git_tree *tree = NULL;
	int rc;

	if ((rc = git_commit_tree(&tree, commit)) < 0)
		return mg_git_error(rc, "cannot read tree", d->id);
	for (size_t i = 0; i < d->edits.n && rc >= 0; i++) {
		mg_edit *e = &d->edits.items[i];
		if (e->refused || e->kind == MEMGIT_EDIT_DELETE || e->kind == MEMGIT_EDIT_MOVE)
			continue;
		if ((rc = mg_dream_tree_read(&content, s, tree, e->path)) == 0)
			rc = mg_edit_set_content(e, content.ptr, content.size);
	}
	memgit_buf_dispose(&content);
	git_tree_free(tree);
	return rc < 0 ? rc : 0;
}

/* "merged" when the memory branch contains the dream commit ("reverted"
 * once a revert is recorded); "rejected" when a rejection is. */
static int set_status(memgit_dream *d, memgit_store *s, const git_oid *commit)
{
	git_oid tip;
	int rc = git_reference_name_to_id(&tip, s->repo, s->refname);

	d->status = "proposed";
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return mg_git_error(rc, "cannot read branch", s->branch);
	if (git_oid_equal(&tip, commit) || git_graph_descendant_of(s->repo, &tip, commit) == 1)
		d->status = strcmp(d->decision, "reverted") == 0 ? "reverted" : "merged";
	else if (strcmp(d->decision, "rejected") == 0)
		d->status = "rejected";
	return 0;
}

int mg_dream_from_commit(memgit_dream **out, memgit_store *s, git_commit *commit)
{
	const git_oid *id = git_commit_id(commit);
	memgit_dream *d = mg_dream_alloc();
	int rc;

	*out = NULL;
	if (!d)
		return MEMGIT_ENOMEM;
	git_oid_tostr(d->commit, sizeof(d->commit), id);
	d->time = (int64_t)git_commit_time(commit);
	if (!(d->message = strdup(git_commit_message(commit)))) {
		rc = mg_error_oom();
		goto done;
	}
	if ((rc = from_trailers(d, d->message)) < 0 || (rc = read_note(d, s, id)) < 0 ||
	    (rc = read_contents(d, s, commit)) < 0 || (rc = set_status(d, s, id)) < 0 ||
	    (rc = mg_dream_views(d)) < 0)
		goto done;
	*out = d;
	d = NULL;
done:
	memgit_dream_free(d);
	return rc;
}

/* ---- by id ------------------------------------------------------------------------ */

typedef struct {
	char **names;
	size_t n, cap;
	int oom;
} ref_list;

static int collect_ref(const char *name, void *payload)
{
	ref_list *l = payload;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		char **grown = realloc(l->names, cap * sizeof(*grown));
		if (!grown)
			return l->oom = -1;
		l->names = grown;
		l->cap = cap;
	}
	if (!(l->names[l->n] = strdup(name)))
		return l->oom = -1;
	l->n++;
	return 0;
}

static int dream_refs(ref_list *l, memgit_store *s)
{
	int rc = git_reference_foreach_glob(s->repo, MG_DREAM_REF_PREFIX "*", collect_ref, l);
	if (l->oom)
		return mg_error_oom();
	return rc < 0 ? mg_git_error(rc, "cannot list dreams", MG_DREAM_REF_PREFIX) : 0;
}

/* A full id, or a prefix naming exactly one dream. */
static int resolve(memgit_buf *ref, memgit_store *s, const char *id)
{
	ref_list l = { NULL, 0, 0, 0 };
	size_t hits = 0, at = 0, plen = strlen(MG_DREAM_REF_PREFIX);
	int rc;

	if (strncmp(id, "dream/", 6) == 0)
		id += 6;
	if (!*id)
		return mg_error_set(MEMGIT_ENOTFOUND, "no such dream", "", "empty id");
	if (mg_dream_id_valid(id))
		return mg_buf_printf(ref, MG_DREAM_REF_PREFIX "%s", id);
	if ((rc = dream_refs(&l, s)) < 0)
		goto done;
	for (size_t i = 0; i < l.n; i++)
		if (strncmp(l.names[i] + plen, id, strlen(id)) == 0)
			hits++, at = i;
	if (hits == 1)
		rc = mg_buf_puts(ref, l.names[at]);
	else if (hits)
		rc = mg_error_set(MEMGIT_EINPUT, "ambiguous dream id", id, "%zu dreams start with it",
			hits);
	else
		rc = mg_error_set(MEMGIT_ENOTFOUND, "no such dream", id, "no branch dream/%s", id);
done:
	mg_dream_strv_free(l.names, l.n);
	return rc;
}

static int load_ref(memgit_dream **out, memgit_store *s, const char *ref)
{
	git_commit *c = NULL;
	git_oid id;
	int rc = git_reference_name_to_id(&id, s->repo, ref);

	if (rc == GIT_ENOTFOUND)
		return mg_error_set(MEMGIT_ENOTFOUND, "no such dream", ref + strlen(MG_DREAM_REF_PREFIX),
			"no branch %s", ref + strlen("refs/heads/"));
	if (rc < 0 || (rc = git_commit_lookup(&c, s->repo, &id)) < 0)
		return mg_git_error(rc, "cannot read dream", ref);
	rc = mg_dream_from_commit(out, s, c);
	git_commit_free(c);
	return rc;
}

int memgit_dream_load(memgit_dream **out, memgit_store *s, const char *id)
{
	memgit_buf ref = MEMGIT_BUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = resolve(&ref, s, id ? id : "")) == 0)
		rc = load_ref(out, s, ref.ptr);
	memgit_buf_dispose(&ref);
	return rc;
}

/* ---- every dream ---------------------------------------------------------------------- */

static int by_time(const void *pa, const void *pb)
{
	const memgit_dream *a = *(memgit_dream *const *)pa, *b = *(memgit_dream *const *)pb;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return strcmp(a->id, b->id);
}

int memgit_dream_foreach(memgit_store *s, memgit_dream_cb cb, void *payload)
{
	ref_list l = { NULL, 0, 0, 0 };
	memgit_dream **all = NULL;
	size_t n = 0;
	int rc;

	if ((rc = dream_refs(&l, s)) < 0)
		goto done;
	if (!(all = calloc(l.n ? l.n : 1, sizeof(*all)))) {
		rc = mg_error_oom();
		goto done;
	}
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		/* a branch someone named dream/<anything> by hand is not a dream */
		if (!mg_dream_id_valid(l.names[i] + strlen(MG_DREAM_REF_PREFIX)))
			continue;
		if ((rc = load_ref(&all[n], s, l.names[i])) == 0)
			n++;
	}
	if (rc < 0)
		goto done;
	qsort(all, n, sizeof(*all), by_time);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = cb(all[i], payload);
done:
	for (size_t i = 0; i < n; i++)
		memgit_dream_free(all[i]);
	free(all);
	mg_dream_strv_free(l.names, l.n);
	return rc;
}
