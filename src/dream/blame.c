/*
 * blame.c: who produced the current version of a memory. The commit that
 * last changed it on the memory branch says when and by whom; when that
 * commit is a dream's (its own Dream-Id, the dream side of a merge, or the
 * commit it was cherry-picked from), the dream's note gives the edit's
 * rationale and the sessions it cites, and the sessions' headers their
 * agents. A memory written by hand falls back on its `sources:` front
 * matter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dream_internal.h"
#include "memgit/memory.h"
#include "memgit/read.h"
#include "memgit/session.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/path.h"

struct memgit_blame {
	memgit_blame_info info;
	char *path, *author, *subject, *dream_id, *dreamer, *rationale;
	char **sessions, **agents;
	size_t n;
};

void memgit_blame_free(memgit_blame *b)
{
	if (!b)
		return;
	free(b->path);
	free(b->author);
	free(b->subject);
	free(b->dream_id);
	free(b->dreamer);
	free(b->rationale);
	mg_dream_strv_free(b->sessions, b->n);
	mg_dream_strv_free(b->agents, b->n);
	free(b);
}

const memgit_blame_info *memgit_blame_info_of(const memgit_blame *b)
{
	return &b->info;
}

/* ---- sessions and agents --------------------------------------------------------- */

/* Add a session once; `agent` may be NULL (looked up later). */
static int add_session(memgit_blame *b, const char *id, size_t len, const char *agent)
{
	char **s, **a;

	for (size_t i = 0; i < b->n; i++)
		if (strlen(b->sessions[i]) == len && memcmp(b->sessions[i], id, len) == 0)
			return 0;
	if (!(s = realloc(b->sessions, (b->n + 1) * sizeof(*s))))
		return mg_error_oom();
	b->sessions = s;
	if (!(a = realloc(b->agents, (b->n + 1) * sizeof(*a))))
		return mg_error_oom();
	b->agents = a;
	s[b->n] = strndup(id, len);
	a[b->n] = agent ? strdup(agent) : NULL;
	if (!s[b->n] || (agent && !a[b->n])) {
		free(s[b->n]);
		free(a[b->n]);
		return mg_error_oom();
	}
	b->n++;
	return 0;
}

/* "<session>#..." -> the session part; memory: references cite no session. */
static int add_cited(memgit_blame *b, const char *ref, const memgit_dream *d)
{
	const char *hash = strrchr(ref, '#');
	size_t len = hash ? (size_t)(hash - ref) : 0;
	const char *agent = NULL;

	if (!len || strncmp(ref, "memory:", 7) == 0)
		return 0;
	for (size_t i = 0; d && i < d->nsessions; i++)
		if (strlen(d->sessions[i]) == len && memcmp(d->sessions[i], ref, len) == 0)
			agent = d->agents ? d->agents[i] : NULL;
	return add_session(b, ref, len, agent);
}

/* Agents the note did not record, from the sessions' headers. */
static void fill_agents(memgit_blame *b, memgit_store *s)
{
	for (size_t i = 0; i < b->n; i++) {
		memgit_session_reader *r = NULL;
		const char *agent;
		if (b->agents[i] || memgit_session_open(&r, s, b->sessions[i]) < 0) {
			memgit_error_clear(); /* a session since removed has no known agent */
			continue;
		}
		agent = memgit_session_reader_info(r)->agent;
		b->agents[i] = agent ? strdup(agent) : NULL;
		memgit_session_reader_free(r);
	}
}

/* ---- the commit and its dream ----------------------------------------------------- */

typedef struct {
	memgit_blame *b;
	int found;
} last_change;

static int take_commit(const memgit_commit_info *ci, void *payload)
{
	last_change *lc = payload;
	memgit_blame *b = lc->b;

	snprintf(b->info.commit, sizeof(b->info.commit), "%s", ci->commit);
	b->info.time = ci->time;
	b->author = strdup(ci->author_name ? ci->author_name : "");
	b->subject = strdup(ci->subject ? ci->subject : "");
	lc->found = 1;
	return b->author && b->subject ? 1 : mg_error_oom();
}

/* The commit carrying the dream: `c`, the dream side of a merge, or the
 * commit `c` was cherry-picked from; NULL when none is a dream's. */
static git_commit *dream_commit_of(memgit_store *s, git_commit *c)
{
	const char *pick = strstr(git_commit_message(c), "(cherry picked from commit ");
	memgit_buf v = MEMGIT_BUF_INIT;
	git_commit *other = NULL;
	git_oid id;
	int is_dream;

	if (mg_dream_trailer(&v, git_commit_message(c), "Dream-Id") == 1) {
		memgit_buf_dispose(&v);
		git_commit_dup(&other, c);
		return other;
	}
	if (git_commit_parentcount(c) > 1)
		git_commit_parent(&other, c, 1);
	else if (pick && git_oid_fromstrn(&id, pick + 27, GIT_OID_HEXSZ) == 0)
		git_commit_lookup(&other, s->repo, &id);
	is_dream = other && mg_dream_trailer(&v, git_commit_message(other), "Dream-Id") == 1;
	memgit_buf_dispose(&v);
	if (!is_dream) {
		git_commit_free(other);
		other = NULL;
	}
	return other;
}

/* The applied edit that left the memory at `path`. */
static const mg_edit *edit_for(const memgit_dream *d, const char *path)
{
	for (size_t i = d->edits.n; i-- > 0;) {
		const mg_edit *e = &d->edits.items[i];
		if (e->refused || e->kind == MEMGIT_EDIT_DELETE)
			continue;
		if (strcmp(e->kind == MEMGIT_EDIT_MOVE ? e->to : e->path, path) == 0)
			return e;
	}
	return NULL;
}

/* A merge commit may carry the trailers while the note sits on the dream's own
 * commit: then the dream/<id> branch has it. */
static int load_dream(memgit_dream **out, memgit_store *s, git_commit *c)
{
	int rc = mg_dream_from_commit(out, s, c);
	memgit_dream *by_branch = NULL;

	if (rc < 0 || (*out)->edits.n)
		return rc;
	if (memgit_dream_load(&by_branch, s, (*out)->id) == 0) {
		memgit_dream_free(*out);
		*out = by_branch;
	}
	memgit_error_clear();
	return 0;
}

static int from_dream(memgit_blame *b, memgit_store *s, git_commit *c)
{
	memgit_dream *d = NULL;
	const mg_edit *e;
	int rc;

	if ((rc = load_dream(&d, s, c)) < 0)
		return rc;
	b->dream_id = strdup(d->id);
	b->dreamer = strdup(memgit_dream_dreamer(d));
	if (!b->dream_id || !b->dreamer) {
		rc = mg_error_oom();
		goto done;
	}
	if ((e = edit_for(d, b->path)) != NULL) {
		if (e->rationale && !(b->rationale = strdup(e->rationale)))
			rc = mg_error_oom();
		for (size_t i = 0; i < e->nevidence && rc == 0; i++)
			rc = add_cited(b, e->evidence[i], d);
	}
	for (size_t i = 0; !e && i < d->nsessions && rc == 0; i++)
		rc = add_session(b, d->sessions[i], strlen(d->sessions[i]),
			d->agents ? d->agents[i] : NULL);
done:
	memgit_dream_free(d);
	return rc;
}

/* Not a dream's: the memory's own `sources:` name the sessions. */
static int from_sources(memgit_blame *b, memgit_store *s)
{
	memgit_buf content = MEMGIT_BUF_INIT;
	memgit_memory *m = NULL;
	int rc;

	if ((rc = memgit_store_read(&content, s, b->path)) < 0)
		goto done;
	if (memgit_memory_parse(&m, b->path, content.ptr, content.size, &s->limits) < 0) {
		memgit_error_clear(); /* no front matter to read: no sessions */
		goto done;
	}
	for (size_t i = 0; i < memgit_memory_list_count(m, "sources") && rc == 0; i++)
		rc = add_cited(b, memgit_memory_list_item(m, "sources", i), NULL);
done:
	memgit_memory_free(m);
	memgit_buf_dispose(&content);
	return rc;
}

static void publish_info(memgit_blame *b)
{
	b->info.path = b->path;
	b->info.author = b->author;
	b->info.subject = b->subject;
	b->info.dream_id = b->dream_id;
	b->info.dreamer = b->dreamer;
	b->info.rationale = b->rationale;
	b->info.sessions = (const char *const *)b->sessions;
	b->info.agents = (const char *const *)b->agents;
	b->info.nsessions = b->n;
	for (size_t i = 0; i < b->n; i++)
		if (!b->agents[i])
			b->agents[i] = strdup(""); /* unknown; callers get a string, never NULL */
}

static int blame_commit(memgit_blame *b, memgit_store *s)
{
	git_commit *c = NULL, *dc = NULL;
	git_oid id;
	int rc;

	if ((rc = git_oid_fromstr(&id, b->info.commit)) < 0 ||
	    (rc = git_commit_lookup(&c, s->repo, &id)) < 0)
		return mg_git_error(rc, "cannot read commit", b->info.commit);
	dc = dream_commit_of(s, c);
	rc = dc ? from_dream(b, s, dc) : from_sources(b, s);
	git_commit_free(dc);
	git_commit_free(c);
	return rc;
}

int memgit_blame_path(memgit_blame **out, memgit_store *s, const char *path)
{
	memgit_buf rel = MEMGIT_BUF_INIT, content = MEMGIT_BUF_INIT;
	memgit_blame *b = NULL;
	last_change lc;
	int rc;

	*out = NULL;
	if ((rc = mg_path_normalize(&rel, path)) < 0 || (rc = memgit_store_read(&content, s, rel.ptr)) < 0)
		goto done;
	if (!(b = calloc(1, sizeof(*b))) || !(b->path = mg_buf_detach(&rel))) {
		rc = mg_error_oom();
		goto done;
	}
	lc.b = b;
	lc.found = 0;
	if ((rc = memgit_log_foreach(s, b->path, 1, take_commit, &lc)) < 0)
		goto done;
	if (!lc.found) {
		rc = mg_error_set(MEMGIT_ENOTFOUND, "cannot blame", b->path, "no commit changed it");
		goto done;
	}
	if ((rc = blame_commit(b, s)) < 0)
		goto done;
	fill_agents(b, s);
	publish_info(b);
	*out = b;
	b = NULL;
done:
	memgit_blame_free(b);
	memgit_buf_dispose(&rel);
	memgit_buf_dispose(&content);
	return rc;
}
