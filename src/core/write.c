/*
 * write.c: batches, the one write path for memory changes.
 *
 * A batch is a list of operations on paths. Committing it runs three phases
 * against the current tip, so nothing reaches the object database unless
 * every change is acceptable:
 *   1. build: apply the operations to an overlay of the tip's tree, checking
 *      paths, case collisions, YAML, size, secrets and the store's limits,
 *      and compute each new blob's id without writing it;
 *   2. check the work tree for hand edits the change would overwrite;
 *   3. write the blobs, the tree and the commit, and publish it.
 * When another writer moved the branch first, the batch is rebuilt on the
 * new tip. After two lost races the writer takes the lock before building,
 * so a busy store cannot starve anyone; the whole loop is bounded by the
 * store's lock timeout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "memgit/memory.h"
#include "memcount.h"
#include "pack.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/path.h"
#include "util/strmap.h"
#include "write_internal.h"

#define MG_OPTIMISTIC_ATTEMPTS 2

typedef enum { OP_PUT, OP_PUT_RAW, OP_REMOVE, OP_MOVE } op_type;

typedef struct {
	op_type type;
	char ulid[27]; /* the id a new memory gets, fixed once so retries agree */
	char *path; /* relative to memories/ */
	char *to;   /* OP_MOVE */
	char *data;
	size_t len;
	char *title, *kind;
	char **tags;
	size_t ntags;
	int pinned;
} mg_op;

struct memgit_batch {
	memgit_store *store;
	mg_op *ops;
	size_t nops, cap;
};

/* ---- queueing ---------------------------------------------------------- */

static int is_markdown(const char *path)
{
	const char *dot = strrchr(path, '.');
	return dot && (strcasecmp(dot, ".md") == 0 || strcasecmp(dot, ".markdown") == 0);
}


int memgit_batch_new(memgit_batch **out, memgit_store *store)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return mg_error_oom();
	(*out)->store = store;
	return 0;
}

static void op_dispose(mg_op *op)
{
	free(op->path);
	free(op->to);
	free(op->data);
	free(op->title);
	free(op->kind);
	for (size_t i = 0; i < op->ntags; i++)
		free(op->tags[i]);
	free(op->tags);
}

void memgit_batch_free(memgit_batch *batch)
{
	if (!batch)
		return;
	for (size_t i = 0; i < batch->nops; i++)
		op_dispose(&batch->ops[i]);
	free(batch->ops);
	free(batch);
}

size_t memgit_batch_count(const memgit_batch *batch)
{
	return batch->nops;
}

static char *dup_or_null(const char *s, int *failed)
{
	char *d;
	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*failed = 1;
	return d;
}

/* Append an op with its path normalised; fields are filled by the caller. */
static int queue(mg_op **out, memgit_batch *b, op_type type, const char *path)
{
	memgit_buf rel = MEMGIT_BUF_INIT;
	mg_op *op;
	int rc;

	if ((rc = mg_path_normalize(&rel, path)) < 0) {
		memgit_buf_dispose(&rel);
		return rc;
	}
	if (b->nops == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 8;
		mg_op *ops = realloc(b->ops, cap * sizeof(*ops));
		if (!ops) {
			memgit_buf_dispose(&rel);
			return mg_error_oom();
		}
		b->ops = ops;
		b->cap = cap;
	}
	op = &b->ops[b->nops++];
	memset(op, 0, sizeof(*op));
	op->type = type;
	op->pinned = -1;
	op->path = mg_buf_detach(&rel);
	*out = op;
	return type == OP_PUT ? mg_ulid(op->ulid) : 0;
}

static int copy_data(mg_op *op, const char *data, size_t len)
{
	if (!(op->data = malloc(len + 1)))
		return mg_error_oom();
	if (len)
		memcpy(op->data, data, len);
	op->data[len] = '\0';
	op->len = len;
	return 0;
}

int memgit_batch_put(memgit_batch *b, const char *path, const char *data, size_t len,
	const memgit_put_options *opts)
{
	int rc, failed = 0;
	mg_op *op;

	if ((rc = queue(&op, b, OP_PUT, path)) < 0 || (rc = copy_data(op, data, len)) < 0)
		return rc;
	if (!opts)
		return 0;
	if ((opts->title || opts->kind || opts->ntags || opts->pinned >= 0) && !is_markdown(op->path))
		return mg_error_set(MEMGIT_EINPUT, "cannot set front matter", op->path,
			"title, kind, tags and pinned need a .md or .markdown memory");
	op->title = dup_or_null(opts->title, &failed);
	op->kind = dup_or_null(opts->kind, &failed);
	op->pinned = opts->pinned;
	if (opts->ntags && !(op->tags = calloc(opts->ntags, sizeof(char *))))
		return mg_error_oom();
	for (size_t i = 0; i < opts->ntags; i++, op->ntags++)
		op->tags[i] = dup_or_null(opts->tags[i], &failed);
	return failed ? mg_error_oom() : 0;
}

int memgit_batch_put_raw(memgit_batch *b, const char *path, const char *data, size_t len)
{
	mg_op *op;
	int rc = queue(&op, b, OP_PUT_RAW, path);
	return rc < 0 ? rc : copy_data(op, data, len);
}

int memgit_batch_remove(memgit_batch *b, const char *path)
{
	mg_op *op;
	return queue(&op, b, OP_REMOVE, path);
}

int memgit_batch_move(memgit_batch *b, const char *from, const char *to)
{
	memgit_buf rel = MEMGIT_BUF_INIT;
	mg_op *op;
	int rc;

	if ((rc = mg_path_normalize(&rel, to)) < 0) {
		memgit_buf_dispose(&rel);
		return rc;
	}
	if ((rc = queue(&op, b, OP_MOVE, from)) < 0) {
		memgit_buf_dispose(&rel);
		return rc;
	}
	op->to = mg_buf_detach(&rel);
	return 0;
}

/* ---- phase 1: building the new tree in memory --------------------------- */

/* One path's fate in the new tree. */
typedef struct {
	char *path;       /* repository path, "memories/..." */
	int removed;
	git_oid id;       /* new blob */
	char *content;    /* to write, or NULL when the blob already exists */
	size_t len;
} mg_pending;

typedef struct {
	memgit_store *s;
	git_tree *base;      /* the tip's root tree, NULL for an unborn branch */
	mg_pending *pend;
	size_t npend, cap;
	mg_strmap by_path;   /* repository path -> pend index */
	mg_strmap folded;    /* case-folded path or folder -> index into originals */
	char **originals;
	size_t norig, origcap;
	int64_t now;
	memgit_commit_result counts;
	memgit_buf log;      /* one line per change, for the commit message */
	size_t count_after;  /* memories after the batch, when count_known */
	int count_known;
} mg_build;

static void build_dispose(mg_build *b)
{
	for (size_t i = 0; i < b->npend; i++) {
		free(b->pend[i].path);
		free(b->pend[i].content);
	}
	free(b->pend);
	for (size_t i = 0; i < b->norig; i++)
		free(b->originals[i]);
	free(b->originals);
	mg_strmap_dispose(&b->by_path);
	mg_strmap_dispose(&b->folded);
	memgit_buf_dispose(&b->log);
	git_tree_free(b->base);
}

/* Record a path's new state; `content` is taken over. */
static int pend(mg_build *b, const char *path, int removed, const git_oid *id, char *content,
	size_t len)
{
	size_t i;
	if (mg_strmap_get(&b->by_path, path, &i)) {
		free(b->pend[i].content);
	} else {
		if (mg_array_grow((void **)&b->pend, &b->cap, b->npend + 1, sizeof(*b->pend)) < 0)
			goto oom;
		i = b->npend;
		if (!(b->pend[i].path = strdup(path)) || mg_strmap_set(&b->by_path, path, i) < 0)
			goto oom;
		b->npend++;
	}
	b->pend[i].removed = removed;
	if (id)
		b->pend[i].id = *id;
	b->pend[i].content = content;
	b->pend[i].len = len;
	return 0;
oom:
	free(content);
	return mg_error_oom();
}

enum { MG_ABSENT = 0, MG_FILE = 1, MG_DIR = 2 };

/* What is at `path` in the tree being built: MG_ABSENT, MG_FILE (id set) or MG_DIR. */
static int lookup(mg_build *b, const char *path, git_oid *id, const mg_pending **p)
{
	git_tree_entry *e = NULL;
	size_t i;
	int kind;

	*p = NULL;
	if (mg_strmap_get(&b->by_path, path, &i)) {
		*p = &b->pend[i];
		if (b->pend[i].removed)
			return MG_ABSENT;
		*id = b->pend[i].id;
		return MG_FILE;
	}
	if (!b->base || git_tree_entry_bypath(&e, b->base, path) < 0)
		return MG_ABSENT;
	kind = git_tree_entry_type(e) == GIT_OBJECT_TREE ? MG_DIR : MG_FILE;
	*id = *git_tree_entry_id(e);
	git_tree_entry_free(e);
	return kind;
}

/* The content of a file in the tree being built, into `out`. */
static int read_current(mg_build *b, const git_oid *id, const mg_pending *p, memgit_buf *out)
{
	git_blob *blob = NULL;
	int rc;

	if (p && p->content)
		return mg_buf_set(out, p->content, p->len);
	if ((rc = git_blob_lookup(&blob, b->s->repo, id)) < 0)
		return mg_git_error(rc, "cannot read memory", NULL);
	rc = mg_buf_set(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return rc;
}

/* Remember a folded name; a different spelling already seen collides. */
static int fold_claim(mg_build *b, const char *path, size_t len, const char *shown)
{
	memgit_buf fold = MEMGIT_BUF_INIT;
	size_t i;
	int rc;

	if ((rc = mg_path_fold(&fold, path, len)) < 0)
		goto done;
	if (mg_strmap_get(&b->folded, fold.ptr, &i)) {
		if (strlen(b->originals[i]) != len || memcmp(b->originals[i], path, len) != 0)
			rc = mg_error_set(MEMGIT_EPATH, "invalid memory path", shown,
				"differs only in letter case from '%s'", b->originals[i]);
		goto done;
	}
	if (b->norig == b->origcap) {
		size_t cap = b->origcap ? b->origcap * 2 : 16;
		char **o = realloc(b->originals, cap * sizeof(*o));
		if (!o) {
			rc = mg_error_oom();
			goto done;
		}
		b->originals = o;
		b->origcap = cap;
	}
	if (!(b->originals[b->norig] = strndup(path, len)) ||
	    mg_strmap_set(&b->folded, fold.ptr, b->norig) < 0) {
		rc = mg_error_oom();
		goto done;
	}
	b->norig++;
done:
	memgit_buf_dispose(&fold);
	return rc;
}

/* Does an entry of `tree` spell `seg` differently (same fold)? */
static int tree_case_clash(mg_build *b, git_tree *tree, const char *dir, const char *seg,
	size_t seglen, const char **clash)
{
	memgit_buf want = MEMGIT_BUF_INIT, have = MEMGIT_BUF_INIT, full = MEMGIT_BUF_INIT;
	int found = 0;

	if (mg_path_fold(&want, seg, seglen) < 0)
		goto done;
	for (size_t i = 0; i < git_tree_entrycount(tree) && !found; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(e);
		size_t k;
		mg_buf_clear(&have);
		if (mg_path_fold(&have, name, strlen(name)) < 0 || strcmp(have.ptr, want.ptr) != 0)
			continue;
		if (strlen(name) == seglen && memcmp(name, seg, seglen) == 0)
			continue;
		/* a file this batch removes no longer clashes (case-only renames) */
		mg_buf_clear(&full);
		mg_buf_printf(&full, "%s%s", dir, name);
		if (mg_strmap_get(&b->by_path, full.ptr, &k) && b->pend[k].removed)
			continue;
		*clash = name;
		found = 1;
	}
done:
	memgit_buf_dispose(&want);
	memgit_buf_dispose(&have);
	memgit_buf_dispose(&full);
	return found;
}

/* The subtree at `path` of the base tree, or NULL. */
static git_tree *base_subtree(mg_build *b, git_tree *from, const char *name)
{
	const git_tree_entry *e = git_tree_entry_byname(from, name);
	git_tree *t = NULL;
	if (!e || git_tree_entry_type(e) != GIT_OBJECT_TREE ||
	    git_tree_lookup(&t, b->s->repo, git_tree_entry_id(e)) < 0)
		return NULL;
	return t;
}

/*
 * A new path (relative to memories/) must not differ only in letter case
 * from an existing memory or folder (it would collide on macOS and Windows
 * checkouts), in the tip or earlier in this batch.
 */
static int check_case(mg_build *b, const char *rel)
{
	char dir[MG_PATH_MAX_BYTES + 32], name[MG_PATH_MAX_BYTES + 1];
	const char *seg = rel, *slash, *clash = NULL;
	git_tree *tree, *next;
	int rc = 0;

	for (slash = strchr(rel, '/'); slash; slash = strchr(slash + 1, '/'))
		if ((rc = fold_claim(b, rel, (size_t)(slash - rel), rel)) < 0)
			return rc;
	if ((rc = fold_claim(b, rel, strlen(rel), rel)) < 0 || !b->base)
		return rc;
	tree = base_subtree(b, b->base, MG_MEMORIES_DIR);
	while (tree) {
		size_t seglen = (slash = strchr(seg, '/')) ? (size_t)(slash - seg) : strlen(seg);
		snprintf(dir, sizeof(dir), MG_MEMORIES_DIR "/%.*s", (int)(seg - rel), rel);
		if (tree_case_clash(b, tree, dir, seg, seglen, &clash)) {
			rc = mg_error_set(MEMGIT_EPATH, "invalid memory path", rel,
				"differs only in letter case from '%s%s'",
				dir + strlen(MG_MEMORIES_DIR) + 1, clash);
			break;
		}
		next = NULL;
		if (slash) {
			snprintf(name, sizeof(name), "%.*s", (int)seglen, seg);
			next = base_subtree(b, tree, name);
			seg = slash + 1;
		}
		git_tree_free(tree);
		tree = next;
	}
	git_tree_free(tree);
	return rc;
}

/* Fill id/created/updated and the put options into a markdown memory. */
static int fill_front_matter(mg_build *b, memgit_memory *m, const memgit_memory *old,
	const mg_op *op, const char *updated)
{
	char now[21];
	const char *v;
	int rc = 0;

	mg_time_format(now, b->now);
	if (!memgit_memory_get(m, "id")) {
		if ((v = old ? memgit_memory_get(old, "id") : NULL) == NULL)
			v = op->ulid;
		rc = memgit_memory_set_string(m, "id", v);
	}
	if (rc == 0 && op->title)
		rc = memgit_memory_set_string(m, "title", op->title);
	if (rc == 0 && op->kind)
		rc = memgit_memory_set_string(m, "kind", op->kind);
	if (rc == 0 && op->ntags)
		rc = memgit_memory_set_list(m, "tags", (const char *const *)op->tags, op->ntags);
	if (rc == 0 && op->pinned >= 0)
		rc = memgit_memory_set_bool(m, "pinned", op->pinned);
	if (rc == 0 && !memgit_memory_get(m, "created"))
		rc = memgit_memory_set_string(m, "created",
			(old && (v = memgit_memory_get(old, "created"))) ? v : now);
	if (rc == 0)
		rc = memgit_memory_set_string(m, "updated", updated ? updated : now);
	return rc;
}

/*
 * The new file for `memgit put`: the input with front matter filled in; an
 * existing memory keeps its id and created, and all its keys when the input
 * brings only a body. *unchanged is set when the result differs from the old
 * file in nothing but `updated`: then nothing is written.
 */
static int put_content(mg_build *b, const mg_op *op, const char *shown, const memgit_buf *old_text,
	memgit_buf *out, int *unchanged)
{
	memgit_memory *in = NULL, *old = NULL, *target;
	const memgit_limits *lim = &b->s->limits;
	const char *was;
	int rc;

	*unchanged = 0;
	if (!is_markdown(op->path)) {
		*unchanged = old_text && old_text->size == op->len && !memcmp(old_text->ptr, op->data, op->len);
		return mg_buf_set(out, op->data, op->len);
	}
	if ((rc = memgit_memory_parse(&in, shown, op->data, op->len, lim)) < 0)
		goto done;
	if (old_text && memgit_memory_parse(&old, shown, old_text->ptr, old_text->size, lim) < 0) {
		old = NULL; /* an unreadable old version contributes nothing */
		memgit_error_clear();
	}
	target = in;
	if (old && !memgit_memory_has_front_matter(in)) {
		size_t blen;
		const char *body = memgit_memory_body(in, &blen);
		if ((rc = memgit_memory_set_body(old, body, blen)) < 0)
			goto done;
		target = old;
	}
	/* first with the old `updated`: equal bytes mean nothing changed */
	was = old ? memgit_memory_get(old, "updated") : NULL;
	if ((rc = fill_front_matter(b, target, old, op, was)) < 0 ||
	    (rc = memgit_memory_serialize(out, target)) < 0)
		goto done;
	if (was && old_text->size == out->size && !memcmp(old_text->ptr, out->ptr, out->size)) {
		*unchanged = 1;
		goto done;
	}
	if ((rc = fill_front_matter(b, target, old, op, NULL)) == 0)
		rc = memgit_memory_serialize(out, target);
done:
	memgit_memory_free(in);
	memgit_memory_free(old);
	return rc;
}

/* Everything a memory's content must pass before it may become a blob. */
static int check_content(mg_build *b, const char *shown, const char *data, size_t len)
{
	memgit_memory *m = NULL;
	int rc = memgit_memory_parse(&m, shown, data, len, &b->s->limits);
	memgit_memory_free(m);
	if (rc < 0)
		return rc;
	return mg_secret_check(data, len, b->s->allow, shown);
}

static int check_path_secret(mg_build *b, const char *path)
{
	return mg_secret_check(path, strlen(path), b->s->allow, "memory path");
}

/* A new file's parent folders must not be files. */
static int check_parents(mg_build *b, const char *full, const char *shown)
{
	char prefix[MG_PATH_MAX_BYTES + 32];
	const mg_pending *p;
	git_oid id;

	for (const char *s = strchr(full + strlen(MG_MEMORIES_DIR) + 1, '/'); s; s = strchr(s + 1, '/')) {
		snprintf(prefix, sizeof(prefix), "%.*s", (int)(s - full), full);
		if (lookup(b, prefix, &id, &p) == MG_FILE)
			return mg_error_set(MEMGIT_EEXISTS, "cannot create memory", shown,
				"'%s' is a memory, not a folder", prefix + strlen(MG_MEMORIES_DIR) + 1);
	}
	return 0;
}

/* Create or replace the file at `full` with `content` (taken over).
 * `parsed`: the content is memgit's own serialization of a memory it has
 * validated (every key it set was checked, and the size): no re-parse. */
static int upsert(mg_build *b, const char *full, const char *shown, char *content, size_t len,
	int existed, int parsed)
{
	git_oid id;
	int rc;

	if ((rc = parsed ? mg_secret_check(content, len, b->s->allow, shown) :
			   check_content(b, shown, content, len)) < 0 ||
	    (rc = check_path_secret(b, full)) < 0 ||
	    (!existed && (rc = check_parents(b, full, shown)) < 0) ||
	    (!existed && (rc = check_case(b, full + strlen(MG_MEMORIES_DIR) + 1)) < 0)) {
		free(content);
		return rc;
	}
	if ((rc = git_odb_hash(&id, content, len, GIT_OBJECT_BLOB)) < 0) {
		free(content);
		return mg_git_error(rc, "cannot hash memory", shown);
	}
	return pend(b, full, 0, &id, content, len);
}

/* One line of the commit message body: "- <verb> <path>[ -> <target>]". */
static int log_line(mg_build *b, const char *verb, const char *path, const char *target)
{
	return mg_buf_printf(&b->log, "- %s %s%s%s\n", verb, path, target ? " -> " : "",
		target ? target : "");
}

static int apply_put(mg_build *b, const mg_op *op, const char *full)
{
	memgit_buf old = MEMGIT_BUF_INIT, out = MEMGIT_BUF_INIT;
	const mg_pending *p;
	git_oid id;
	int kind = lookup(b, full, &id, &p), rc = 0, unchanged = 0;

	if (kind == MG_DIR)
		return mg_error_set(MEMGIT_EEXISTS, "cannot write memory", full, "is a folder");
	if (kind == MG_FILE)
		rc = read_current(b, &id, p, &old);
	/* checked on the input too, so the line in the error is the one the user wrote */
	if (rc == 0 && op->type == OP_PUT)
		rc = mg_secret_check(op->data, op->len, b->s->allow, full);
	if (rc == 0 && op->type == OP_PUT_RAW) {
		rc = mg_buf_set(&out, op->data, op->len);
		unchanged = kind == MG_FILE && old.size == out.size && !memcmp(old.ptr, out.ptr, out.size);
	} else if (rc == 0) {
		rc = put_content(b, op, full, kind == MG_FILE ? &old : NULL, &out, &unchanged);
	}
	if (rc == 0 && unchanged)
		goto done; /* the tree stays as it is */
	if (rc == 0) {
		size_t len = out.size;
		/* markdown through put_content was parsed and validated there */
		int parsed = op->type == OP_PUT && is_markdown(op->path);
		rc = upsert(b, full, full, mg_buf_detach(&out), len, kind == MG_FILE, parsed);
	}
	if (rc == 0) {
		if (kind == MG_FILE)
			b->counts.updated++;
		else
			b->counts.created++;
		rc = log_line(b, kind == MG_FILE ? "update" : "create", op->path, NULL);
	}
done:
	memgit_buf_dispose(&old);
	memgit_buf_dispose(&out);
	return rc;
}

static int apply_remove(mg_build *b, const mg_op *op, const char *full)
{
	const mg_pending *p;
	git_oid id;
	int kind = lookup(b, full, &id, &p), rc;

	if (kind == MG_DIR)
		return mg_error_set(MEMGIT_EINPUT, "cannot remove memory", full,
			"is a folder; remove its memories one by one");
	if (kind == MG_ABSENT)
		return mg_error_set(MEMGIT_ENOTFOUND, "cannot remove memory", full, "no such memory");
	if ((rc = pend(b, full, 1, NULL, NULL, 0)) < 0)
		return rc;
	b->counts.removed++;
	return log_line(b, "delete", op->path, NULL);
}

static int apply_move(mg_build *b, const mg_op *op, const char *from, const char *to)
{
	memgit_buf content = MEMGIT_BUF_INIT;
	const mg_pending *p;
	git_oid id, unused;
	int kind = lookup(b, from, &id, &p), rc;

	if (kind == MG_DIR)
		return mg_error_set(MEMGIT_EINPUT, "cannot move memory", from,
			"is a folder; move its memories one by one");
	if (kind == MG_ABSENT)
		return mg_error_set(MEMGIT_ENOTFOUND, "cannot move memory", from, "no such memory");
	if (strcmp(from, to) == 0)
		return mg_error_set(MEMGIT_EINPUT, "cannot move memory", from, "source and target are the same");
	if ((rc = read_current(b, &id, p, &content)) < 0)
		goto done;
	/* the source goes first so that a case-only rename does not clash with itself */
	if ((rc = pend(b, from, 1, NULL, NULL, 0)) < 0)
		goto done;
	if (lookup(b, to, &unused, &p) != MG_ABSENT) {
		rc = mg_error_set(MEMGIT_EEXISTS, "cannot move memory", to, "target exists");
		goto done;
	}
	{
		size_t len = content.size;
		if ((rc = upsert(b, to, to, mg_buf_detach(&content), len, 0, 0)) < 0)
			goto done;
	}
	b->counts.moved++;
	rc = log_line(b, "move", op->path, op->to);
done:
	memgit_buf_dispose(&content);
	return rc;
}

static int apply_op(mg_build *b, const mg_op *op)
{
	memgit_buf full = MEMGIT_BUF_INIT, to = MEMGIT_BUF_INIT;
	int rc;

	if ((rc = mg_buf_printf(&full, MG_MEMORIES_DIR "/%s", op->path)) < 0 ||
	    (op->to && (rc = mg_buf_printf(&to, MG_MEMORIES_DIR "/%s", op->to)) < 0))
		goto done;
	switch (op->type) {
	case OP_PUT:
	case OP_PUT_RAW:
		rc = apply_put(b, op, full.ptr);
		break;
	case OP_REMOVE:
		rc = apply_remove(b, op, full.ptr);
		break;
	case OP_MOVE:
		rc = apply_move(b, op, full.ptr, to.ptr);
		break;
	}
done:
	memgit_buf_dispose(&full);
	memgit_buf_dispose(&to);
	return rc;
}

/* The memory count limit. The count after the batch is kept in the build
 * (count_known) so that the writer can remember it for the next write; it is
 * counted only when the batch adds memories and the cache does not know the
 * tip's tree. */
static int check_count(mg_build *b)
{
	const size_t max = b->s->limits.store_max_memories;
	size_t base = 0, after;

	if (b->base && !mg_memcount_cached(b->s, git_tree_id(b->base), &base)) {
		if (b->counts.created <= b->counts.removed)
			return 0;
		base = mg_memcount_walk(b->s, b->base);
	}
	after = base + b->counts.created - b->counts.removed;
	b->count_after = after;
	b->count_known = 1;
	if (b->counts.created > b->counts.removed && after > max)
		return mg_error_set(MEMGIT_ELIMIT, "store full", b->s->name ? b->s->name : "store",
			"%zu memories, limit %zu (limits.store_max_memories)", after, max);
	return 0;
}

/* ---- phases 2 and 3 ------------------------------------------------------ */

static int base_blob(mg_build *b, const char *path, git_oid *out)
{
	git_tree_entry *e = NULL;
	int found = b->base && git_tree_entry_bypath(&e, b->base, path) == 0 &&
		git_tree_entry_type(e) == GIT_OBJECT_BLOB;
	if (found)
		*out = *git_tree_entry_id(e);
	git_tree_entry_free(e);
	return found;
}

static int check_worktree(mg_build *b)
{
	git_oid old;
	int rc = 0;

	if (!mg_worktree_active(b->s))
		return 0;
	for (size_t i = 0; i < b->npend && rc == 0; i++) {
		const mg_pending *p = &b->pend[i];
		int had = base_blob(b, p->path, &old);
		rc = mg_worktree_check(b->s, p->path, had ? &old : NULL, p->removed ? NULL : &p->id);
	}
	return rc;
}

/* Batches writing at least this many blobs (and at most MG_PACK_MAX_BYTES
 * of them) write one pack instead of a loose file per object. */
#define MG_PACK_MIN_BLOBS 256
#define MG_PACK_MAX_BYTES (256u << 20)

/* The batch's new blobs as one pack (pack.h). */
static int write_blobs_packed(mg_build *b)
{
	mg_pack_blob *blobs = calloc(b->npend, sizeof(*blobs));
	size_t n = 0;
	int rc;

	if (!blobs)
		return mg_error_oom();
	for (size_t i = 0; i < b->npend; i++)
		if (!b->pend[i].removed && b->pend[i].content) {
			blobs[n].data = b->pend[i].content;
			blobs[n++].len = b->pend[i].len;
		}
	rc = mg_pack_write_blobs(b->s, blobs, n);
	free(blobs);
	return rc;
}

/* Should this batch's blobs go into one pack? */
static int want_pack(const mg_build *b)
{
	size_t blobs = 0, bytes = 0;

	for (size_t i = 0; i < b->npend; i++)
		if (!b->pend[i].removed && b->pend[i].content) {
			blobs++;
			bytes += b->pend[i].len;
		}
	return blobs >= MG_PACK_MIN_BLOBS && bytes <= MG_PACK_MAX_BYTES;
}

static int write_tree(mg_build *b, git_oid *tree_out)
{
	git_tree_update *ups = calloc(b->npend ? b->npend : 1, sizeof(*ups));
	git_oid scratch, written;
	size_t n = 0;
	int rc = 0, packed;

	if (!ups)
		return mg_error_oom();
	if ((packed = want_pack(b)) && (rc = write_blobs_packed(b)) < 0)
		goto done;
	for (size_t i = 0; i < b->npend; i++) {
		mg_pending *p = &b->pend[i];
		if (p->removed && !base_blob(b, p->path, &scratch))
			continue; /* created and removed within the batch */
		if (!packed && !p->removed && p->content) {
			if ((rc = git_blob_create_from_buffer(&written, b->s->repo, p->content, p->len)) < 0) {
				rc = mg_git_error(rc, "cannot write object", p->path);
				goto done;
			}
		}
		ups[n].action = p->removed ? GIT_TREE_UPDATE_REMOVE : GIT_TREE_UPDATE_UPSERT;
		ups[n].id = p->id;
		ups[n].filemode = GIT_FILEMODE_BLOB;
		ups[n].path = p->path;
		n++;
	}
	if ((rc = git_tree_create_updated(tree_out, b->s->repo, b->base, n, ups)) < 0)
		rc = mg_git_error(rc, "cannot write tree", NULL);
done:
	free(ups);
	return rc;
}

static int default_message(memgit_buf *out, mg_build *b)
{
	const memgit_commit_result *c = &b->counts;
	size_t total = c->created + c->updated + c->removed + c->moved;
	const char *nl;

	if (total == 1) {
		nl = strchr(b->log.ptr, '\n');
		return mg_buf_printf(out, "memory: %.*s\n", (int)(nl - b->log.ptr - 2), b->log.ptr + 2);
	}
	return mg_buf_printf(out, "memory: %zu changes (%zu created, %zu updated, %zu deleted, %zu moved)\n\n%s",
		total, c->created, c->updated, c->removed, c->moved, b->log.ptr);
}

/* The repository paths the batch changes (borrowed from `b`). */
static int changed_paths(const mg_build *b, const char ***out)
{
	*out = calloc(b->npend ? b->npend : 1, sizeof(**out));
	if (!*out)
		return mg_error_oom();
	for (size_t i = 0; i < b->npend; i++)
		(*out)[i] = b->pend[i].path;
	return 0;
}

/* Phase 1 on the given tip; 0 with b filled, or a refusal. */
static int build(mg_build *b, memgit_batch *batch, git_commit *tip)
{
	int rc;

	if (tip && (rc = git_commit_tree(&b->base, tip)) < 0)
		return mg_git_error(rc, "cannot read tree", batch->store->branch);
	for (size_t i = 0; i < batch->nops; i++)
		if ((rc = apply_op(b, &batch->ops[i])) < 0)
			return rc;
	return check_count(b);
}

/* One attempt: build on the current tip, write, and publish with the lock held. */
static int attempt(memgit_commit_result *res, memgit_batch *batch, const memgit_commit_options *opts,
	mg_lock *lk, int locked_first, uint64_t deadline)
{
	memgit_store *s = batch->store;
	mg_build b;
	memgit_buf msg = MEMGIT_BUF_INIT;
	const char **paths = NULL;
	git_commit *tip = NULL;
	git_oid tree, commit;
	int rc;

	memset(&b, 0, sizeof(b));
	b.s = s;
	b.now = mg_now();
	if (locked_first && (rc = mg_lock_acquire(lk, s->gitdir, deadline)) < 0)
		goto done;
	if ((rc = mg_store_tip(&tip, s)) < 0 || (rc = build(&b, batch, tip)) < 0)
		goto done;
	/* outside the lock another writer may be mid-sync: only a work tree
	 * seen with the lock held is proof of a hand edit */
	if ((rc = check_worktree(&b)) == MEMGIT_EDIRTY && !locked_first) {
		rc = MG_RETRY_LOCKED_BUILD;
		goto done;
	}
	if (rc < 0 || (rc = write_tree(&b, &tree)) < 0)
		goto done;
	if (b.base && git_oid_equal(&tree, git_tree_id(b.base)) && !opts->allow_empty) {
		rc = mg_error_set(MEMGIT_ENOTHING, "nothing to commit", s->branch,
			"the memory already has that content");
		goto done;
	}
	if ((rc = opts->message ? mg_buf_puts(&msg, opts->message) : default_message(&msg, &b)) < 0 ||
	    (rc = mg_commit_create(&commit, s, tip, &tree, msg.ptr)) < 0)
		goto done;
	if (!locked_first && (rc = mg_lock_acquire(lk, s->gitdir, deadline)) < 0)
		goto done;
	{
		const char *nl = strchr(msg.ptr, '\n');
		if (nl)
			mg_buf_truncate(&msg, (size_t)(nl - msg.ptr));
	}
	/* a foreign git lock on the ref: retry the ref update alone, so that
	 * waiting writes no further objects; a moved branch means rebuilding */
	if ((rc = changed_paths(&b, &paths)) < 0)
		goto done;
	while ((rc = mg_publish_locked(res, s, lk, tip, &commit, msg.ptr, paths, b.npend)) ==
			MG_RETRY_LOCKED &&
	       mg_monotonic_ms() < deadline) {
		mg_lock_release(lk);
		mg_sleep_ms(10);
		if ((rc = mg_lock_acquire(lk, s->gitdir, deadline)) < 0)
			goto done;
	}
	if (rc == 0 && b.count_known)
		mg_memcount_remember(s, &tree, b.count_after);
	if (rc == 0) {
		res->created = b.counts.created;
		res->updated = b.counts.updated;
		res->removed = b.counts.removed;
		res->moved = b.counts.moved;
	}
done:
	free(paths);
	mg_lock_release(lk);
	memgit_buf_dispose(&msg);
	git_commit_free(tip);
	build_dispose(&b);
	return rc;
}

int mg_batch_build_commit_on(git_oid *commit_out, memgit_commit_result *counts,
	memgit_batch *batch, git_commit *base, git_commit *parent, const char *message)
{
	mg_build b;
	git_oid tree;
	int rc;

	memset(&b, 0, sizeof(b));
	b.s = batch->store;
	b.now = mg_now();
	if ((rc = build(&b, batch, base)) < 0 || (rc = write_tree(&b, &tree)) < 0)
		goto done;
	if (b.base && git_oid_equal(&tree, git_tree_id(b.base))) {
		rc = mg_error_set(MEMGIT_ENOTHING, "nothing to commit", batch->store->branch,
			"the edits change nothing");
		goto done;
	}
	if ((rc = mg_secret_check(message, strlen(message), batch->store->allow, "commit message")) < 0 ||
	    (rc = mg_commit_create(commit_out, batch->store, parent, &tree, message)) < 0)
		goto done;
	if (counts) {
		counts->created = b.counts.created;
		counts->updated = b.counts.updated;
		counts->removed = b.counts.removed;
		counts->moved = b.counts.moved;
	}
done:
	build_dispose(&b);
	return rc;
}

int mg_batch_build_commit(git_oid *commit_out, memgit_commit_result *counts, memgit_batch *batch,
	git_commit *base, const char *message)
{
	return mg_batch_build_commit_on(commit_out, counts, batch, base, base, message);
}

int memgit_batch_commit(memgit_commit_result *result, memgit_batch *batch,
	const memgit_commit_options *opts)
{
	memgit_commit_options defaults = MEMGIT_COMMIT_OPTIONS_INIT;
	memgit_commit_result scratch;
	uint64_t deadline = mg_monotonic_ms() + batch->store->limits.lock_timeout_ms;
	int rc;

	result = result ? result : &scratch;
	memset(result, 0, sizeof(*result));
	opts = opts ? opts : &defaults;
	if (batch->nops == 0)
		return mg_error_set(MEMGIT_ENOTHING, "nothing to commit", batch->store->branch,
			"the batch is empty");
	/* a message the caller wrote is content too: checked before anything is written */
	if (opts->message && (rc = mg_secret_check(opts->message, strlen(opts->message),
				      batch->store->allow, "commit message")) < 0)
		return rc;
	for (unsigned n = 1, locked = 0;; n++) {
		mg_lock lk = MG_LOCK_INIT;
		result->attempts = n;
		locked = locked || n > MG_OPTIMISTIC_ATTEMPTS;
		rc = attempt(result, batch, opts, &lk, locked, deadline);
		if (rc <= 0)
			return rc;
		if (rc == MG_RETRY_LOCKED_BUILD) {
			locked = 1;
			continue;
		}
		if (mg_monotonic_ms() >= deadline && rc == MG_RETRY_LOCKED)
			return mg_error_set(MEMGIT_EBUSY, "store busy", batch->store->branch,
				"a git lock file did not clear (if no git process is running, "
				"remove %s/%s.lock)", batch->store->gitdir, batch->store->refname);
		if (mg_monotonic_ms() >= deadline)
			return mg_error_set(MEMGIT_EBUSY, "store busy", batch->store->branch,
				"other writers kept moving the branch");
		if (rc == MG_RETRY_LOCKED)
			mg_sleep_ms(5 + n % 20);
	}
}
