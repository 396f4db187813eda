/*
 * dream_inputs.c: what a dream reads: the memory branch tip (its memories
 * and memgit.yaml `dream:`), and the sessions: those named, else the oldest
 * ones no merged dream has consumed yet. Nothing here looks at the wall
 * clock: `now` comes from the inputs so that a dreamer is deterministic.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/yaml.h"
#include "dream_internal.h"
#include "memgit/memory.h"
#include "memgit/session.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"

/* ---- memgit.yaml `dream:` ------------------------------------------------- */

static int settings_from(mg_dream_settings *st, const mg_yaml_node *d)
{
	const mg_yaml_where w = { "invalid configuration", MG_CONFIG_FILE, "dream" };
	mg_dream_config *c = &st->tun;
	unsigned long long max_edits = c->max_edits, max_sessions = st->max_sessions;
	int rc;

	if (d->kind != MG_YAML_MAPPING)
		return mg_error_set(MEMGIT_EYAML, "invalid configuration", MG_CONFIG_FILE,
			"line %u, column %u: dream: expected a mapping", d->line, d->column);
	if ((rc = mg_yaml_get_string(&st->dreamer, d, "dreamer", &w)) < 0 ||
	    (rc = mg_yaml_get_number(&c->duplicate_threshold, d, "duplicate_threshold", 0, 1, &w)) < 0 ||
	    (rc = mg_yaml_get_unsigned(&c->min_sessions, d, "min_sessions", 1, 1000, &w)) < 0 ||
	    (rc = mg_yaml_get_unsigned(&c->workflow_min_steps, d, "workflow_min_steps", 1, 100, &w)) < 0 ||
	    (rc = mg_yaml_get_unsigned(&c->workflow_max_steps, d, "workflow_max_steps", 1, 100, &w)) < 0 ||
	    (rc = mg_yaml_get_number(&c->max_deleted_fraction, d, "max_deleted_fraction", 0, 1, &w)) < 0 ||
	    (rc = mg_yaml_get_whole(&max_edits, d, "max_edits", 1, 1000000, &w)) < 0 ||
	    (rc = mg_yaml_get_whole(&max_sessions, d, "max_sessions", 1, 100000, &w)) < 0 ||
	    (rc = mg_yaml_get_bool(&st->auto_merge, d, "auto_merge", &w)) < 0 ||
	    (rc = mg_yaml_get_string(&st->rubric, d, "rubric", &w)) < 0)
		return rc;
	c->max_edits = (size_t)max_edits;
	st->max_sessions = (size_t)max_sessions;
	if (c->workflow_min_steps > c->workflow_max_steps)
		return mg_error_set(MEMGIT_EYAML, "invalid configuration", MG_CONFIG_FILE,
			"dream.workflow_min_steps (%u) is above dream.workflow_max_steps (%u)",
			c->workflow_min_steps, c->workflow_max_steps);
	return 0;
}

void mg_dream_settings_dispose(mg_dream_settings *st)
{
	free(st->dreamer);
	free(st->rubric);
	mg_model_settings_dispose(&st->model);
	memset(st, 0, sizeof(*st));
}

int mg_dream_settings_load(mg_dream_settings *st, memgit_store *s, git_tree *tree)
{
	mg_dream_config defaults = MG_DREAM_CONFIG_INIT;
	mg_yaml_limits yl = { 1u << 20, 64 };
	mg_yaml_node *root = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	const mg_yaml_node *d;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	st->tun = defaults;
	st->max_sessions = MG_DREAM_MAX_SESSIONS_DEFAULT;
	st->model.stream = -1;
	if (!tree || git_tree_entry_bypath(&e, tree, MG_CONFIG_FILE) < 0)
		goto done;
	if ((rc = git_blob_lookup(&blob, s->repo, git_tree_entry_id(e))) < 0) {
		rc = mg_git_error(rc, "cannot read configuration", MG_CONFIG_FILE);
		goto done;
	}
	if ((rc = mg_yaml_parse(&root, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
		     &yl, MG_CONFIG_FILE, 0)) < 0)
		goto done;
	if (root && root->kind == MG_YAML_MAPPING && (d = mg_yaml_get(root, "dream")) != NULL)
		rc = settings_from(st, d);
	if (rc == 0 && root && root->kind == MG_YAML_MAPPING &&
	    (d = mg_yaml_get(root, "model")) != NULL)
		rc = mg_model_settings_from(&st->model, d, MG_CONFIG_FILE);
done:
	mg_yaml_free(root);
	git_blob_free(blob);
	git_tree_entry_free(e);
	return rc;
}

/* ---- memories -------------------------------------------------------------- */

typedef struct {
	mg_dream_inputs *in;
	size_t cap;
	int rc;
} mem_walk;

static int add_memory(const char *root, const git_tree_entry *e, void *payload)
{
	mem_walk *w = payload;
	mg_dream_memory *m;
	memgit_buf path = MEMGIT_BUF_INIT;

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	if (mg_array_grow((void **)&w->in->mems, &w->cap, w->in->nmems + 1, sizeof(*w->in->mems)) < 0)
		goto oom;
	if (mg_buf_printf(&path, "%s%s", root, git_tree_entry_name(e)) < 0)
		goto oom;
	m = &w->in->mems[w->in->nmems++];
	memset(m, 0, sizeof(*m));
	m->path = mg_buf_detach(&path);
	git_oid_tostr(m->blob, sizeof(m->blob), git_tree_entry_id(e));
	return 0;
oom:
	memgit_buf_dispose(&path);
	w->rc = mg_error_oom();
	return -1;
}

static int mem_cmp(const void *a, const void *b)
{
	return strcmp(((const mg_dream_memory *)a)->path, ((const mg_dream_memory *)b)->path);
}

/* Read and parse one memory; a file that does not parse keeps mem NULL. */
static int load_memory(mg_dream_memory *m, memgit_store *s)
{
	git_blob *blob = NULL;
	git_oid id;
	char *copy;
	size_t len;
	int rc;

	if ((rc = git_oid_fromstr(&id, m->blob)) < 0 || (rc = git_blob_lookup(&blob, s->repo, &id)) < 0)
		return mg_git_error(rc, "cannot read memory", m->path);
	len = (size_t)git_blob_rawsize(blob);
	if (!(copy = malloc(len + 1))) {
		git_blob_free(blob);
		return mg_error_oom();
	}
	memcpy(copy, git_blob_rawcontent(blob), len);
	copy[len] = '\0';
	git_blob_free(blob);
	m->content = copy;
	m->len = len;
	if (memgit_memory_parse(&m->mem, m->path, copy, len, &s->limits) < 0) {
		m->mem = NULL; /* the dreamer sees the bytes; validation treats it as unparsed */
		memgit_error_clear();
	}
	return 0;
}

static int load_memories(mg_dream_inputs *in, memgit_store *s, git_tree *root)
{
	mem_walk w = { in, 0, 0 };
	git_tree_entry *e = NULL;
	git_tree *mem = NULL;
	int rc = 0;

	if (git_tree_entry_bypath(&e, root, MG_MEMORIES_DIR) < 0 ||
	    git_tree_entry_type(e) != GIT_OBJECT_TREE)
		goto done;
	if ((rc = git_tree_lookup(&mem, s->repo, git_tree_entry_id(e))) < 0) {
		rc = mg_git_error(rc, "cannot read tree", MG_MEMORIES_DIR);
		goto done;
	}
	if (git_tree_walk(mem, GIT_TREEWALK_PRE, add_memory, &w) < 0) {
		rc = w.rc ? w.rc : mg_git_error(-1, "cannot list memories", MG_MEMORIES_DIR);
		goto done;
	}
	/* git orders "a/x.md" after "a.md"; dreamers are promised plain byte order */
	if (in->nmems)
		qsort(in->mems, in->nmems, sizeof(*in->mems), mem_cmp);
	for (size_t i = 0; i < in->nmems && rc == 0; i++)
		if ((rc = load_memory(&in->mems[i], s)) == 0)
			rc = mg_strmap_set(&in->mem_index, in->mems[i].path, i);
done:
	git_tree_free(mem);
	git_tree_entry_free(e);
	return rc;
}

/* ---- sessions ---------------------------------------------------------------- */

typedef struct {
	mg_dream_session *v;
	size_t n, cap;
} sess_vec;

static void session_dispose(mg_dream_session *x)
{
	free(x->id);
	free(x->agent);
}

static int64_t when(const char *s)
{
	return s ? mg_time_parse(s) : -1;
}

static int collect_session(const memgit_session_info *info, void *payload)
{
	sess_vec *sv = payload;
	mg_dream_session *x;

	if (mg_array_grow((void **)&sv->v, &sv->cap, sv->n + 1, sizeof(*sv->v)) < 0)
		return MEMGIT_ENOMEM;
	x = &sv->v[sv->n];
	memset(x, 0, sizeof(*x));
	x->id = strdup(info->id);
	x->agent = info->agent ? strdup(info->agent) : NULL;
	if (!x->id || (info->agent && !x->agent)) {
		session_dispose(x);
		return mg_error_oom();
	}
	x->events = info->events;
	x->started = when(info->started);
	x->ended = when(info->ended);
	sv->n++;
	return 0;
}

/* Oldest first by start time; sessions without one sort first (their age is
 * unknown, and last would starve them behind newer sessions), then by id. */
static int session_cmp(const void *pa, const void *pb)
{
	const mg_dream_session *a = pa, *b = pb;
	if (a->started != b->started)
		return a->started < b->started ? -1 : 1;
	return strcmp(a->id, b->id);
}

static int trailer_is(const char *key, const char *want)
{
	return strcasecmp(key, want) == 0;
}

/* Session ids named by `list` (space-separated) into `set`. */
static int mark_sessions(mg_strmap *set, const char *list)
{
	char **ids = NULL;
	size_t n = 0;
	int rc = mg_dream_split(&ids, &n, list);

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = mg_strmap_set(set, ids[i], 1);
	mg_dream_strv_free(ids, n);
	return rc;
}

/* One commit of the walk: revert marks first (they come newer), then sessions. */
static int consume_commit(mg_strmap *consumed, mg_strmap *reverted, const char *msg)
{
	git_message_trailer_array tr = { 0 };
	const char *id = NULL, *sessions = NULL;
	size_t unused;
	int rc = 0;

	if (!strstr(msg, "Dream-") && !strstr(msg, "Reverts-Dream"))
		return 0;
	if (git_message_trailers(&tr, msg) < 0)
		return 0; /* not parseable as trailers: consumes nothing */
	for (size_t i = 0; i < tr.count && rc == 0; i++) {
		if (trailer_is(tr.trailers[i].key, "Reverts-Dream"))
			rc = mg_strmap_set(reverted, tr.trailers[i].value, 1);
		else if (trailer_is(tr.trailers[i].key, "Dream-Id"))
			id = tr.trailers[i].value;
		else if (trailer_is(tr.trailers[i].key, "Dream-Sessions"))
			sessions = tr.trailers[i].value;
	}
	if (rc == 0 && sessions && !(id && mg_strmap_get(reverted, id, &unused)))
		rc = mark_sessions(consumed, sessions);
	git_message_trailer_array_free(&tr);
	return rc;
}

/*
 * Sessions consumed: named in Dream-Sessions of a commit reachable from the
 * memory branch, unless a newer commit reverts that dream (Reverts-Dream).
 * The walk is newest first, so a revert is seen before what it reverts.
 */
static int consumed_sessions(mg_strmap *consumed, memgit_store *s)
{
	mg_strmap reverted = MG_STRMAP_INIT;
	git_revwalk *walk = NULL;
	git_oid id;
	int rc;

	if ((rc = git_revwalk_new(&walk, s->repo)) < 0 ||
	    (rc = git_revwalk_push_ref(walk, s->refname)) < 0) {
		rc = rc == GIT_ENOTFOUND ? 0 : mg_git_error(rc, "cannot walk history", s->branch);
		goto done;
	}
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	while ((rc = git_revwalk_next(&id, walk)) == 0) {
		git_commit *c = NULL;
		if ((rc = git_commit_lookup(&c, s->repo, &id)) < 0) {
			rc = mg_git_error(rc, "cannot read commit", s->branch);
			goto done;
		}
		rc = consume_commit(consumed, &reverted, git_commit_message(c));
		git_commit_free(c);
		if (rc < 0)
			goto done;
	}
	rc = rc == GIT_ITEROVER ? 0 : mg_git_error(rc, "cannot walk history", s->branch);
done:
	git_revwalk_free(walk);
	mg_strmap_dispose(&reverted);
	return rc;
}

/* Keep the sessions named in opts (each must exist), without repeats. */
static int keep_named(sess_vec *all, const memgit_dream_options *opts, mg_dream_inputs *in)
{
	mg_strmap index = MG_STRMAP_INIT, seen = MG_STRMAP_INIT;
	size_t at;
	int rc = 0;

	for (size_t i = 0; i < all->n && rc == 0; i++)
		rc = mg_strmap_set(&index, all->v[i].id, i);
	if (rc == 0 && !(in->sessions = calloc(opts->nsessions ? opts->nsessions : 1, sizeof(*in->sessions))))
		rc = mg_error_oom();
	for (size_t i = 0; i < opts->nsessions && rc == 0; i++) {
		const char *id = opts->sessions[i];
		size_t unused;
		if (!id || !mg_strmap_get(&index, id, &at)) {
			rc = mg_error_set(MEMGIT_ENOTFOUND, "no such session", id ? id : "",
				"not on %s", MEMGIT_SESSIONS_REF);
			break;
		}
		if (mg_strmap_get(&seen, id, &unused))
			continue; /* named twice */
		if ((rc = mg_strmap_set(&seen, id, 1)) == 0) {
			in->sessions[in->nsessions++] = all->v[at];
			memset(&all->v[at], 0, sizeof(all->v[at]));
		}
	}
	mg_strmap_dispose(&index);
	mg_strmap_dispose(&seen);
	return rc;
}

/* Keep the oldest `max` sessions not yet consumed by a merged dream. */
static int keep_unconsumed(sess_vec *all, memgit_store *s, size_t max, mg_dream_inputs *in)
{
	mg_strmap consumed = MG_STRMAP_INIT;
	size_t unused;
	int rc;

	if ((rc = consumed_sessions(&consumed, s)) < 0)
		goto done;
	if (!(in->sessions = calloc(all->n ? all->n : 1, sizeof(*in->sessions)))) {
		rc = mg_error_oom();
		goto done;
	}
	for (size_t i = 0; i < all->n && in->nsessions < max; i++) {
		if (mg_strmap_get(&consumed, all->v[i].id, &unused))
			continue;
		in->sessions[in->nsessions++] = all->v[i];
		memset(&all->v[i], 0, sizeof(all->v[i]));
	}
done:
	mg_strmap_dispose(&consumed);
	return rc;
}

static int sessions_tip(char out[41], memgit_store *s)
{
	git_oid id;
	int rc = git_reference_name_to_id(&id, s->repo, MEMGIT_SESSIONS_REF);

	out[0] = '\0';
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return mg_git_error(rc, "cannot read sessions", MEMGIT_SESSIONS_REF);
	git_oid_tostr(out, 41, &id);
	return 0;
}

static int load_sessions(mg_dream_inputs *in, memgit_store *s, const memgit_dream_options *opts)
{
	size_t max = opts->max_sessions ? opts->max_sessions : in->settings.max_sessions;
	sess_vec all = { NULL, 0, 0 };
	int rc;

	/* the tip first: the list read next is at least as new as the recorded commit */
	if ((rc = sessions_tip(in->sessions_commit, s)) < 0 ||
	    (rc = memgit_session_foreach(s, collect_session, &all)) < 0)
		goto done;
	if (all.n)
		qsort(all.v, all.n, sizeof(*all.v), session_cmp);
	rc = opts->sessions ? keep_named(&all, opts, in) : keep_unconsumed(&all, s, max, in);
	if (rc == 0 && in->nsessions > 1)
		qsort(in->sessions, in->nsessions, sizeof(*in->sessions), session_cmp);
	if (rc == 0 && !(in->session_ids = calloc(in->nsessions ? in->nsessions : 1, sizeof(char *))))
		rc = mg_error_oom();
	for (size_t i = 0; rc == 0 && i < in->nsessions; i++)
		in->session_ids[i] = in->sessions[i].id;
done:
	for (size_t i = 0; i < all.n; i++)
		session_dispose(&all.v[i]);
	free(all.v);
	return rc;
}

/* The latest event time of the inputs, else the base commit's time. */
static int64_t inputs_now(const mg_dream_inputs *in)
{
	int64_t now = -1;

	for (size_t i = 0; i < in->nsessions; i++) {
		int64_t t = in->sessions[i].ended >= 0 ? in->sessions[i].ended : in->sessions[i].started;
		if (t > now)
			now = t;
	}
	return now >= 0 ? now : (int64_t)git_commit_time(in->base);
}

int mg_dream_inputs_load(mg_dream_inputs *in, memgit_store *s, const memgit_dream_options *opts)
{
	git_tree *root = NULL;
	int rc;

	memset(in, 0, sizeof(*in));
	if ((rc = mg_store_tip(&in->base, s)) < 0)
		return rc;
	if (!in->base)
		return mg_error_set(MEMGIT_ENOTFOUND, "cannot dream", s->branch,
			"the memory branch has no commit");
	git_oid_tostr(in->base_hex, sizeof(in->base_hex), git_commit_id(in->base));
	if ((rc = git_commit_tree(&root, in->base)) < 0)
		return mg_git_error(rc, "cannot read tree", s->branch);
	if ((rc = mg_dream_settings_load(&in->settings, s, root)) < 0 ||
	    (rc = load_sessions(in, s, opts)) < 0 ||
	    (rc = load_memories(in, s, root)) < 0)
		goto done;
	in->now = inputs_now(in);
done:
	git_tree_free(root);
	return rc;
}

void mg_dream_inputs_dispose(mg_dream_inputs *in)
{
	for (size_t i = 0; i < in->nmems; i++) {
		free((char *)in->mems[i].path);
		free((char *)in->mems[i].content);
		memgit_memory_free(in->mems[i].mem);
	}
	free(in->mems);
	for (size_t i = 0; i < in->nsessions || i < in->nsessions_owned; i++)
		session_dispose(&in->sessions[i]);
	free(in->sessions);
	free(in->session_ids);
	mg_strmap_dispose(&in->mem_index);
	mg_dream_settings_dispose(&in->settings);
	git_commit_free(in->base);
	memset(in, 0, sizeof(*in));
}
