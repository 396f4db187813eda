/*
 * read.c: reading the memory branch: one memory, the list, the history.
 */
#include <stdlib.h>
#include <string.h>

#include "memgit/read.h"
#include "store_internal.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/path.h"

/* The root tree of the branch tip (NULL for an unborn branch). */
static int tip_tree(git_tree **out, memgit_store *s)
{
	git_commit *tip = NULL;
	int rc;

	*out = NULL;
	if ((rc = mg_store_tip(&tip, s)) < 0 || !tip)
		return rc;
	if ((rc = git_commit_tree(out, tip)) < 0)
		rc = mg_git_error(rc, "cannot read tree", s->branch);
	git_commit_free(tip);
	return rc;
}

int memgit_store_read(memgit_buf *out, memgit_store *s, const char *path)
{
	memgit_buf rel = MEMGIT_BUF_INIT, full = MEMGIT_BUF_INIT;
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	int rc;

	if ((rc = mg_path_normalize(&rel, path)) < 0 ||
	    (rc = mg_buf_printf(&full, MG_MEMORIES_DIR "/%s", rel.ptr)) < 0 ||
	    (rc = tip_tree(&tree, s)) < 0)
		goto done;
	if (!tree || git_tree_entry_bypath(&e, tree, full.ptr) < 0 ||
	    git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		rc = mg_error_set(MEMGIT_ENOTFOUND, "no such memory", rel.ptr, "not on branch '%s'",
			s->branch);
		goto done;
	}
	if ((rc = git_blob_lookup(&blob, s->repo, git_tree_entry_id(e))) < 0) {
		rc = mg_git_error(rc, "cannot read memory", rel.ptr);
		goto done;
	}
	rc = mg_buf_set(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
done:
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(tree);
	memgit_buf_dispose(&rel);
	memgit_buf_dispose(&full);
	return rc;
}

typedef struct {
	memgit_store *s;
	memgit_entry_cb cb;
	void *payload;
	const char *prefix; /* the listed folder, "" or ending in '/' */
	memgit_buf path;
	git_odb *odb;       /* set when sizes are wanted */
	int stop;
} mg_walk;

static int walk_cb(const char *root, const git_tree_entry *e, void *payload)
{
	mg_walk *w = payload;
	memgit_entry_info info;
	size_t size = 0;
	git_object_t type;

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	mg_buf_clear(&w->path);
	if (mg_buf_puts(&w->path, w->prefix) < 0 || mg_buf_puts(&w->path, root) < 0 ||
	    mg_buf_puts(&w->path, git_tree_entry_name(e)) < 0)
		return -1;
	/* the object header gives the size without inflating the blob */
	if (w->odb)
		git_odb_read_header(&size, &type, w->odb, git_tree_entry_id(e));
	info.path = w->path.ptr;
	info.size = size;
	git_oid_tostr(info.blob, sizeof(info.blob), git_tree_entry_id(e));
	if ((w->stop = w->cb(&info, w->payload)) != 0)
		return -1;
	return 0;
}

/* A listing prefix is a folder or file path under memories/: the segment
 * rules of memory paths apply (no "", ".", ".." or hidden segment, no
 * control character or backslash), the extension rule does not. */
static int prefix_check(const char *p, const char *given)
{
	memgit_buf shown = MEMGIT_BUF_INIT;
	const char *why = NULL;
	size_t bad;

	if (!mg_utf8_valid(p, strlen(p), &bad))
		why = "invalid UTF-8";
	for (const char *seg = p; !why && *seg;) {
		size_t len = strcspn(seg, "/");
		if (len == 0 || seg[0] == '.')
			why = len == 0 ? "empty segment" : "segment starts with '.'";
		for (size_t i = 0; !why && i < len; i++)
			if ((unsigned char)seg[i] < 0x20 || seg[i] == 0x7f || seg[i] == '\\')
				why = seg[i] == '\\' ? "backslash" : "control character";
		seg += len + (seg[len] == '/');
	}
	if (!why)
		return 0;
	mg_printable(&shown, given, strlen(given));
	mg_error_set(MEMGIT_EPATH, "invalid prefix", mg_buf_cstr(&shown), "%s", why);
	memgit_buf_dispose(&shown);
	return MEMGIT_EPATH;
}

/* "a", "memories/a/", "/memories/a" -> "a"; "" for all. */
static int normalize_prefix(memgit_buf *out, const char *prefix)
{
	const char *p = prefix ? prefix : "";
	size_t n;

	if (strncmp(p, "/memories", 9) == 0 && (p[9] == '/' || p[9] == '\0'))
		p += 9;
	else if (strncmp(p, "memories", 8) == 0 && (p[8] == '/' || p[8] == '\0'))
		p += 8;
	while (*p == '/')
		p++;
	n = strlen(p);
	while (n && p[n - 1] == '/')
		n--;
	if (mg_buf_set(out, p, n) < 0)
		return MEMGIT_ENOMEM;
	return prefix_check(out->ptr, prefix ? prefix : "");
}

int memgit_store_foreach(memgit_store *s, const char *prefix, memgit_entry_cb cb, void *payload)
{
	return memgit_store_foreach_ext(s, prefix, MEMGIT_FOREACH_SIZES, cb, payload);
}

int memgit_store_foreach_ext(memgit_store *s, const char *prefix, unsigned flags,
	memgit_entry_cb cb, void *payload)
{
	memgit_buf pre = MEMGIT_BUF_INIT, full = MEMGIT_BUF_INIT;
	mg_walk w = { s, cb, payload, "", MEMGIT_BUF_INIT, NULL, 0 };
	git_tree *root = NULL, *sub = NULL;
	git_tree_entry *e = NULL;
	int rc;

	if ((rc = normalize_prefix(&pre, prefix)) < 0 || (rc = tip_tree(&root, s)) < 0 || !root)
		goto done;
	if ((rc = mg_buf_printf(&full, pre.size ? MG_MEMORIES_DIR "/%s" : MG_MEMORIES_DIR, pre.ptr)) < 0)
		goto done;
	if (git_tree_entry_bypath(&e, root, full.ptr) < 0)
		goto done; /* nothing there: an empty listing */
	if ((flags & MEMGIT_FOREACH_SIZES) && git_repository_odb(&w.odb, s->repo) < 0) {
		rc = mg_git_error(-1, "cannot open object database", s->gitdir);
		goto done;
	}
	if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
		memgit_entry_info info;
		git_object_t type;
		info.path = pre.ptr;
		info.size = 0;
		if (w.odb)
			git_odb_read_header(&info.size, &type, w.odb, git_tree_entry_id(e));
		git_oid_tostr(info.blob, sizeof(info.blob), git_tree_entry_id(e));
		rc = cb(&info, payload);
		goto done;
	}
	if ((rc = git_tree_lookup(&sub, s->repo, git_tree_entry_id(e))) < 0) {
		rc = mg_git_error(rc, "cannot read tree", full.ptr);
		goto done;
	}
	if (pre.size && (rc = mg_buf_putc(&pre, '/')) < 0)
		goto done;
	/* the walk reports paths relative to `sub`; prefix them back */
	w.prefix = mg_buf_cstr(&pre);
	rc = git_tree_walk(sub, GIT_TREEWALK_PRE, walk_cb, &w);
	if (rc < 0 && w.stop)
		rc = w.stop;
	else if (rc < 0)
		rc = mg_git_error(rc, "cannot list memories", full.ptr);
done:
	git_odb_free(w.odb);
	memgit_buf_dispose(&w.path);
	git_tree_entry_free(e);
	git_tree_free(sub);
	git_tree_free(root);
	memgit_buf_dispose(&pre);
	memgit_buf_dispose(&full);
	return rc;
}

/* ---- history ------------------------------------------------------------ */

/* Did `commit` change `path` relative to its first parent? */
static int touches(git_commit *commit, const char *path)
{
	git_tree *tree = NULL, *ptree = NULL;
	git_tree_entry *a = NULL, *b = NULL;
	git_commit *parent = NULL;
	int changed, ha, hb;

	git_commit_tree(&tree, commit);
	if (git_commit_parentcount(commit) > 0 && git_commit_parent(&parent, commit, 0) == 0)
		git_commit_tree(&ptree, parent);
	ha = tree && git_tree_entry_bypath(&a, tree, path) == 0;
	hb = ptree && git_tree_entry_bypath(&b, ptree, path) == 0;
	changed = ha != hb || (ha && !git_oid_equal(git_tree_entry_id(a), git_tree_entry_id(b)));
	git_tree_entry_free(a);
	git_tree_entry_free(b);
	git_tree_free(tree);
	git_tree_free(ptree);
	git_commit_free(parent);
	return changed;
}

static int report_commit(git_commit *c, memgit_commit_cb cb, void *payload)
{
	git_message_trailer_array tr = { 0 };
	const git_signature *a = git_commit_author(c);
	const char *msg = git_commit_message(c), *summary = git_commit_summary(c);
	const char **keys = NULL, **values = NULL;
	memgit_commit_info info;
	int rc;

	memset(&info, 0, sizeof(info));
	git_oid_tostr(info.commit, sizeof(info.commit), git_commit_id(c));
	info.author_name = a->name;
	info.author_email = a->email;
	info.time = (int64_t)a->when.time;
	info.offset_minutes = a->when.offset;
	info.subject = summary ? summary : "";
	info.message = msg ? msg : "";
	if (msg && git_message_trailers(&tr, msg) == 0 && tr.count) {
		keys = calloc(tr.count, sizeof(*keys));
		values = calloc(tr.count, sizeof(*values));
		if (!keys || !values) {
			rc = mg_error_oom();
			goto done;
		}
		for (size_t i = 0; i < tr.count; i++) {
			keys[i] = tr.trailers[i].key;
			values[i] = tr.trailers[i].value;
		}
		info.ntrailers = tr.count;
		info.trailer_keys = keys;
		info.trailer_values = values;
	}
	rc = cb(&info, payload);
done:
	free(keys);
	free(values);
	git_message_trailer_array_free(&tr);
	return rc;
}

int memgit_log_foreach(memgit_store *s, const char *path, size_t max, memgit_commit_cb cb,
	void *payload)
{
	memgit_buf rel = MEMGIT_BUF_INIT, full = MEMGIT_BUF_INIT;
	git_revwalk *walk = NULL;
	git_oid id;
	size_t shown = 0;
	int rc;

	if (path && ((rc = mg_path_normalize(&rel, path)) < 0 ||
		     (rc = mg_buf_printf(&full, MG_MEMORIES_DIR "/%s", rel.ptr)) < 0))
		goto done;
	if ((rc = git_revwalk_new(&walk, s->repo)) < 0 ||
	    (rc = git_revwalk_push_ref(walk, s->refname)) < 0) {
		rc = rc == GIT_ENOTFOUND ? 0 : mg_git_error(rc, "cannot walk history", s->branch);
		goto done;
	}
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	git_revwalk_simplify_first_parent(walk);
	while ((max == 0 || shown < max) && (rc = git_revwalk_next(&id, walk)) == 0) {
		git_commit *c = NULL;
		if ((rc = git_commit_lookup(&c, s->repo, &id)) < 0) {
			rc = mg_git_error(rc, "cannot read commit", NULL);
			goto done;
		}
		if (!path || touches(c, full.ptr)) {
			rc = report_commit(c, cb, payload);
			shown++;
		}
		git_commit_free(c);
		if (rc != 0)
			goto done;
	}
	if (rc == GIT_ITEROVER)
		rc = 0;
	else if (rc < 0)
		rc = mg_git_error(rc, "cannot walk history", s->branch);
done:
	git_revwalk_free(walk);
	memgit_buf_dispose(&rel);
	memgit_buf_dispose(&full);
	return rc;
}
