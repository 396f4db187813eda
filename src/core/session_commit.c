/*
 * session_commit.c: publishing ingested transcripts on refs/memgit/sessions.
 *
 * Everything here happens after every file of the batch was read and
 * accepted, so a refused batch writes no object at all. Each attempt
 * decides ids and statuses against the current tip (another writer may
 * have stored the same session meanwhile), writes the blobs it still needs
 * by streaming them from the spool, builds the tree with
 * git_tree_create_updated and moves the ref by compare-and-swap under the
 * writer lock. The memory branch and the work tree are never touched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session_internal.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"
#include "write_internal.h"

#define MG_OPTIMISTIC_ATTEMPTS 2
#define MG_COPY_CHUNK (1024u * 1024u)

/* ---- ids ------------------------------------------------------------------ */

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int safe_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '-' || c == '_';
}

/*
 * The hex digits that name a source id: a UUID's digits (from the end for
 * version 7, whose leading digits are a timestamp shared by sessions started
 * in the same minute), else the SHA-256 of the id.
 */
static void source_digits(char out[65], const char *source_id)
{
	size_t n = 0, len = strlen(source_id);
	int uuidish = len >= 8 && len <= 64;
	char digits[65];

	for (size_t i = 0; i < len && uuidish; i++) {
		if (is_hex(source_id[i]))
			digits[n++] = (char)(source_id[i] | 0x20);
		else if (source_id[i] != '-')
			uuidish = 0;
	}
	if (uuidish && n >= 8) {
		digits[n] = '\0';
		if (n == 32 && digits[12] == '7') /* version 7 */
			for (size_t i = 0; i < 16; i++)
				digits[i] = digits[16 + i], digits[16 + i] = '\0';
		memcpy(out, digits, n + 1);
		return;
	}
	{
		mg_sha256 h;
		mg_sha256_init(&h);
		mg_sha256_update(&h, source_id, len);
		mg_sha256_hex(&h, out);
	}
}

/* A subagent's own id, kept readable when it is a short safe token. */
static void child_part(char out[41], const char *source_id)
{
	size_t n = strlen(source_id);
	int safe = n > 0 && n <= 40;

	for (size_t i = 0; i < n && safe; i++)
		safe = safe_char(source_id[i]);
	if (safe) {
		memcpy(out, source_id, n + 1);
		return;
	}
	{
		char digits[65];
		source_digits(digits, source_id);
		memcpy(out, digits, 16);
		out[16] = '\0';
	}
}

int mg_session_id_for(char out[MG_SESSION_ID_MAX + 1], const char *prefix, const char *source_id,
	const char *parent_source, size_t hexlen)
{
	char digits[65], child[41];
	size_t avail;

	source_digits(digits, parent_source ? parent_source : source_id);
	avail = strlen(digits);
	if (hexlen > avail)
		return 0;
	if (!parent_source) {
		snprintf(out, MG_SESSION_ID_MAX + 1, "%s-%.*s", prefix, (int)hexlen, digits);
		return 1;
	}
	child_part(child, source_id);
	snprintf(out, MG_SESSION_ID_MAX + 1, "%s-%.*s-%s", prefix, (int)hexlen, digits, child);
	return 1;
}

/* ---- deciding against the tip -------------------------------------------- */

typedef struct {
	memgit_store *s;
	git_tree *root;       /* tip's root tree, NULL when no sessions yet */
	mg_ingested *files;
	size_t n;
	memgit_buf scratch;
} mg_decide;

/* The stored session at `id`: 1 with its header fields copied, 0 if absent. */
typedef struct {
	char source_id[160];
	char sha256[65];
	uint64_t bytes;
} mg_stored;

static int stored_lookup(mg_decide *d, const char *id, mg_stored *out)
{
	git_tree_entry *e = NULL;
	memgit_session_info info;
	mg_json *json = NULL;
	char path[MG_SESSION_ID_MAX + 32];
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), MG_SESSIONS_DIR "/%s.jsonl", id);
	if (!d->root || git_tree_entry_bypath(&e, d->root, path) < 0) {
		git_error_clear();
		return 0;
	}
	mg_buf_clear(&d->scratch);
	rc = mg_session_blob_header(&d->scratch, d->s, git_tree_entry_id(e));
	git_tree_entry_free(e);
	if (rc < 0 || mg_session_header_parse(&info, &json, d->scratch.ptr, d->scratch.size) < 0) {
		/* an unreadable stored file is replaced rather than trusted */
		mg_json_free(json);
		memgit_error_clear();
		return rc == MEMGIT_ENOMEM ? rc : 1;
	}
	snprintf(out->source_id, sizeof(out->source_id), "%s",
		info.source_id ? info.source_id : "");
	snprintf(out->sha256, sizeof(out->sha256), "%s",
		info.original_sha256 ? info.original_sha256 : "");
	out->bytes = info.original_bytes;
	mg_json_free(json);
	return 1;
}

/* An earlier file of the batch that took `id`, or NULL. */
static mg_ingested *batch_owner(mg_decide *d, size_t upto, const char *id)
{
	for (size_t j = 0; j < upto; j++)
		if (d->files[j].status != MEMGIT_SESSION_REFUSED && strcmp(d->files[j].id, id) == 0)
			return &d->files[j];
	return NULL;
}

/*
 * The first id (8, 12, 16, ... digits) that is free or already holds this
 * same source id, among stored sessions and earlier files of the batch.
 */
static int resolve_id(mg_decide *d, size_t upto, char out[MG_SESSION_ID_MAX + 1],
	const char *prefix, const char *source_id, const char *parent_source, mg_stored *stored,
	int *exists)
{
	static const size_t lens[] = { 8, 12, 16, 24, 32, 64 };
	int rc;

	for (size_t k = 0; k < sizeof(lens) / sizeof(*lens); k++) {
		mg_ingested *owner;
		if (!mg_session_id_for(out, prefix, source_id, parent_source, lens[k]))
			break;
		owner = batch_owner(d, upto, out);
		if (owner && strcmp(owner->source_id, source_id) != 0)
			continue;
		if ((rc = stored_lookup(d, out, stored)) < 0)
			return rc;
		*exists = rc;
		if (!rc || strcmp(stored->source_id, source_id) == 0)
			return 0;
	}
	return mg_error_set(MEMGIT_ECONFLICT, "cannot name session", source_id,
		"every id derived from it is taken by another session");
}

/* The source id of the parent session, as an id (resolved like the child's). */
static int resolve_parent(mg_decide *d, size_t upto, mg_ingested *f)
{
	mg_stored st;
	int exists;

	f->parent[0] = '\0';
	if (!f->parent_source)
		return 0;
	return resolve_id(d, upto, f->parent, f->format->id_prefix, f->parent_source, NULL, &st,
		&exists);
}

/*
 * Two files of the batch are the same session: the larger one wins, and
 * keeps the status it has against the tip; the other changes nothing.
 */
static void batch_duplicate(mg_ingested *earlier, mg_ingested *f)
{
	mg_ingested *loser = strcmp(earlier->sha256, f->sha256) == 0 ||
		f->bytes < earlier->bytes ? f : earlier;

	loser->shadowed = 1;
	loser->status = MEMGIT_SESSION_UNCHANGED;
}

static int decide_one(mg_decide *d, size_t i)
{
	mg_ingested *f = &d->files[i], *earlier;
	mg_stored st;
	int exists = 0, rc;

	f->shadowed = 0;
	if ((rc = resolve_id(d, i, f->id, f->format->id_prefix, f->source_id, f->parent_source,
		     &st, &exists)) < 0 ||
	    (rc = resolve_parent(d, i, f)) < 0)
		return rc;
	if (!exists)
		f->status = MEMGIT_SESSION_ADDED;
	else if (strcmp(st.sha256, f->sha256) == 0)
		f->status = MEMGIT_SESSION_UNCHANGED;
	else if (f->bytes > st.bytes)
		f->status = MEMGIT_SESSION_UPDATED; /* a live transcript grew */
	else
		f->status = MEMGIT_SESSION_UNCHANGED; /* an older copy: keep what is stored */
	f->older_copy = exists && f->status == MEMGIT_SESSION_UNCHANGED &&
		strcmp(st.sha256, f->sha256) != 0;
	for (size_t j = 0; j < i; j++) {
		earlier = &d->files[j];
		if (earlier->status != MEMGIT_SESSION_REFUSED && !earlier->shadowed &&
		    strcmp(earlier->id, f->id) == 0) {
			batch_duplicate(earlier, f);
			break;
		}
	}
	return 0;
}

/* ---- blobs ------------------------------------------------------------------- */

int mg_session_blob_write(git_oid *out, memgit_store *s, mg_spool *spool, const char *header,
	size_t hlen, uint64_t offset, uint64_t length)
{
	git_odb *odb = NULL;
	git_odb_stream *st = NULL;
	char *buf = NULL;
	int rc;

	if ((rc = mg_spool_flush(spool)) < 0)
		return rc;
	if (!(buf = malloc(MG_COPY_CHUNK)))
		return mg_error_oom();
	if ((rc = git_repository_odb(&odb, s->repo)) < 0 ||
	    (rc = git_odb_open_wstream(&st, odb, (git_object_size_t)(hlen + 1 + length),
		     GIT_OBJECT_BLOB)) < 0 ||
	    (rc = git_odb_stream_write(st, header, hlen)) < 0 ||
	    (rc = git_odb_stream_write(st, "\n", 1)) < 0) {
		rc = mg_git_error(rc, "cannot write session", NULL);
		goto done;
	}
	for (uint64_t done = 0; done < length;) {
		uint64_t left = length - done;
		size_t want = left < MG_COPY_CHUNK ? (size_t)left : MG_COPY_CHUNK;
		ssize_t got = pread(spool->fd, buf, want, (off_t)(offset + done));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = mg_error_set(MEMGIT_EIO, "cannot read temporary file", NULL, "%s",
				got < 0 ? strerror(errno) : "truncated");
			goto done;
		}
		if ((rc = git_odb_stream_write(st, buf, (size_t)got)) < 0) {
			rc = mg_git_error(rc, "cannot write session", NULL);
			goto done;
		}
		done += (uint64_t)got;
	}
	if ((rc = git_odb_stream_finalize_write(out, st)) < 0)
		rc = mg_git_error(rc, "cannot write session", NULL);
done:
	git_odb_stream_free(st);
	git_odb_free(odb);
	free(buf);
	return rc;
}

/* Write the blob of an added or updated session unless this header was
 * written by an earlier attempt. */
static int ensure_blob(mg_decide *d, mg_ingested *f, mg_spool *spool)
{
	memgit_buf header = MEMGIT_BUF_INIT;
	int rc;

	if ((rc = mg_session_header_build(&header, f, d->s->allow)) < 0)
		goto done;
	if (f->blob_written && f->written_header && strcmp(f->written_header, header.ptr) == 0)
		goto done;
	if ((rc = mg_session_blob_write(&f->blob, d->s, spool, header.ptr, header.size, f->offset,
		     f->length)) < 0)
		goto done;
	free(f->written_header);
	f->written_header = mg_buf_detach(&header);
	f->blob_written = 1;
done:
	memgit_buf_dispose(&header);
	return rc;
}

static int stores(const mg_ingested *f)
{
	return !f->shadowed && (f->status == MEMGIT_SESSION_ADDED ||
		f->status == MEMGIT_SESSION_UPDATED);
}

/* ---- the commit ----------------------------------------------------------------- */

static int message_for(memgit_buf *msg, const mg_ingested *files, size_t n,
	const memgit_session_add_options *opts)
{
	size_t added = 0, updated = 0;
	memgit_buf body = MEMGIT_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		const mg_ingested *f = &files[i];
		if (f->status == MEMGIT_SESSION_REFUSED || !stores(f))
			continue;
		added += f->status == MEMGIT_SESSION_ADDED;
		updated += f->status == MEMGIT_SESSION_UPDATED;
		rc = mg_buf_printf(&body, "- %s %s (%s, %llu events) from %s\n",
			f->status == MEMGIT_SESSION_ADDED ? "add" : "update", f->id,
			f->format->name, (unsigned long long)f->events, f->name);
	}
	if (rc == 0 && opts && opts->message)
		rc = mg_buf_puts(msg, opts->message);
	else if (rc == 0)
		rc = mg_buf_printf(msg, "sessions: %zu added, %zu updated\n\n%s", added, updated,
			body.ptr ? body.ptr : "");
	memgit_buf_dispose(&body);
	return rc;
}

/* The tree of the tip with every stored session upserted. */
static int build_tree(git_oid *tree, mg_decide *d, mg_spool *spool, size_t *changes)
{
	git_tree_update *ups = calloc(d->n ? d->n : 1, sizeof(*ups));
	char **paths = calloc(d->n ? d->n : 1, sizeof(char *));
	size_t k = 0;
	int rc = 0;

	if (!ups || !paths) {
		rc = mg_error_oom();
		goto done;
	}
	for (size_t i = 0; i < d->n && rc == 0; i++) {
		mg_ingested *f = &d->files[i];
		if (f->status == MEMGIT_SESSION_REFUSED || !stores(f))
			continue;
		if ((rc = ensure_blob(d, f, spool)) < 0)
			break;
		if (!(paths[k] = malloc(strlen(f->id) + 32))) {
			rc = mg_error_oom();
			break;
		}
		snprintf(paths[k], strlen(f->id) + 32, MG_SESSIONS_DIR "/%s.jsonl", f->id);
		ups[k].action = GIT_TREE_UPDATE_UPSERT;
		ups[k].id = f->blob;
		ups[k].filemode = GIT_FILEMODE_BLOB;
		ups[k].path = paths[k];
		k++;
	}
	*changes = k;
	if (rc == 0 && k && (rc = git_tree_create_updated(tree, d->s->repo, d->root, k, ups)) < 0)
		rc = mg_git_error(rc, "cannot write tree", MEMGIT_SESSIONS_REF);
done:
	for (size_t i = 0; paths && i < k; i++)
		free(paths[i]);
	free(paths);
	free(ups);
	return rc;
}

/*
 * Builds the new tree from the tip's root (NULL: no sessions yet) and the
 * commit message; MEMGIT_ENOTHING when the tree would not change.
 */
typedef int (*mg_build_fn)(void *ctx, memgit_store *s, git_tree *root, git_oid *tree,
	memgit_buf *msg);

static int lock_and_swap(memgit_store *s, mg_lock *lk, int locked, uint64_t deadline,
	git_commit *tip, const git_oid *commit, const char *subject)
{
	int rc;

	if (!locked && (rc = mg_lock_acquire(lk, s->gitdir, deadline)) < 0)
		return rc;
	rc = mg_ref_cas_locked(s, lk, MEMGIT_SESSIONS_REF, tip ? git_commit_id(tip) : NULL, commit,
		subject);
	if (rc == 0)
		rc = mg_lock_done(lk);
	return rc;
}

static int attempt(memgit_session_result *res, memgit_store *s, mg_build_fn build, void *ctx,
	int locked_first, uint64_t deadline)
{
	mg_lock lk = MG_LOCK_INIT;
	memgit_buf msg = MEMGIT_BUF_INIT;
	git_commit *tip = NULL;
	git_tree *root = NULL;
	git_oid tree, commit;
	char *nl;
	int rc;

	if (locked_first && (rc = mg_lock_acquire(&lk, s->gitdir, deadline)) < 0)
		goto done;
	if ((rc = mg_sessions_tip(&tip, s)) < 0)
		goto done;
	if (tip && (rc = git_commit_tree(&root, tip)) < 0) {
		rc = mg_git_error(rc, "cannot read sessions", MEMGIT_SESSIONS_REF);
		goto done;
	}
	if ((rc = build(ctx, s, root, &tree, &msg)) < 0 ||
	    (rc = mg_commit_create(&commit, s, tip, &tree, msg.ptr)) < 0)
		goto done;
	if ((nl = strchr(msg.ptr, '\n')) != NULL)
		*nl = '\0';
	if ((rc = lock_and_swap(s, &lk, locked_first, deadline, tip, &commit, msg.ptr)) == 0) {
		git_oid_tostr(res->commit, sizeof(res->commit), &commit);
		if (tip)
			git_oid_tostr(res->parent, sizeof(res->parent), git_commit_id(tip));
	}
done:
	mg_lock_release(&lk);
	memgit_buf_dispose(&msg);
	git_tree_free(root);
	git_commit_free(tip);
	return rc;
}

/* The compare-and-swap loop of write.c, for refs/memgit/sessions. */
static int publish(memgit_session_result *res, memgit_store *s, mg_build_fn build, void *ctx)
{
	uint64_t deadline = mg_monotonic_ms() + s->limits.lock_timeout_ms;

	for (unsigned n = 1;; n++) {
		int rc;
		res->attempts = n;
		rc = attempt(res, s, build, ctx, n > MG_OPTIMISTIC_ATTEMPTS, deadline);
		if (rc <= 0)
			return rc;
		if (mg_monotonic_ms() >= deadline)
			return mg_error_set(MEMGIT_EBUSY, "store busy", MEMGIT_SESSIONS_REF,
				rc == MG_RETRY_LOCKED ? "a git lock file did not clear" :
				"other writers kept moving the ref");
		if (rc == MG_RETRY_LOCKED)
			mg_sleep_ms(5 + n % 20);
	}
}

/* ---- add -------------------------------------------------------------------------- */

typedef struct {
	mg_ingested *files;
	size_t n;
	mg_spool *spool;
	const memgit_session_add_options *opts;
} mg_add_ctx;

static int build_add(void *ctx, memgit_store *s, git_tree *root, git_oid *tree, memgit_buf *msg)
{
	mg_add_ctx *a = ctx;
	mg_decide d = { s, root, a->files, a->n, MEMGIT_BUF_INIT };
	size_t changes = 0;
	int rc = 0;

	for (size_t i = 0; i < a->n && rc == 0; i++)
		if (a->files[i].status != MEMGIT_SESSION_REFUSED)
			rc = decide_one(&d, i);
	if (rc == 0)
		rc = build_tree(tree, &d, a->spool, &changes);
	if (rc == 0 && !changes)
		rc = mg_error_set(MEMGIT_ENOTHING, "nothing new", MEMGIT_SESSIONS_REF,
			"every transcript is already stored");
	if (rc == 0)
		rc = message_for(msg, a->files, a->n, a->opts);
	memgit_buf_dispose(&d.scratch);
	return rc;
}

int mg_sessions_commit(memgit_session_result *res, memgit_store *s, mg_ingested *files,
	size_t n, mg_spool *spool, const memgit_session_add_options *opts)
{
	mg_add_ctx a = { files, n, spool, opts };
	int rc = publish(res, s, build_add, &a);

	if (rc < 0 && rc != MEMGIT_ENOTHING)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const mg_ingested *f = &files[i];
		if (f->status == MEMGIT_SESSION_REFUSED)
			continue;
		if (!stores(f) || (rc == MEMGIT_ENOTHING)) {
			res->unchanged++;
			continue;
		}
		res->added += f->status == MEMGIT_SESSION_ADDED;
		res->updated += f->status == MEMGIT_SESSION_UPDATED;
		res->events += f->events;
		res->redactions += f->redactions;
	}
	return rc;
}

/* ---- remove ------------------------------------------------------------------------- */

typedef struct {
	const char *const *ids;
	size_t n;
} mg_rm_ctx;

static int build_remove(void *ctx, memgit_store *s, git_tree *root, git_oid *tree,
	memgit_buf *msg)
{
	mg_rm_ctx *r = ctx;
	git_tree_update *ups = calloc(r->n, sizeof(*ups));
	char (*paths)[MG_SESSION_ID_MAX + 32] = calloc(r->n, sizeof(*paths));
	int rc = 0;

	if (!ups || !paths) {
		rc = mg_error_oom();
		goto done;
	}
	rc = mg_buf_printf(msg, "sessions: remove %s%s\n", r->ids[0],
		r->n > 1 ? " and others" : "");
	for (size_t i = 0; i < r->n && rc == 0; i++) {
		git_tree_entry *e = NULL;
		snprintf(paths[i], sizeof(paths[i]), MG_SESSIONS_DIR "/%s.jsonl", r->ids[i]);
		if (!root || git_tree_entry_bypath(&e, root, paths[i]) < 0) {
			git_error_clear();
			rc = mg_error_set(MEMGIT_ENOTFOUND, "no such session", r->ids[i],
				"not on %s", MEMGIT_SESSIONS_REF);
			break;
		}
		git_tree_entry_free(e);
		ups[i].action = GIT_TREE_UPDATE_REMOVE;
		ups[i].path = paths[i];
		if (r->n > 1)
			rc = mg_buf_printf(msg, "%s- remove %s\n", i == 0 ? "\n" : "", r->ids[i]);
	}
	if (rc == 0 && (rc = git_tree_create_updated(tree, s->repo, root, r->n, ups)) < 0)
		rc = mg_git_error(rc, "cannot write tree", MEMGIT_SESSIONS_REF);
done:
	free(paths);
	free(ups);
	return rc;
}

int memgit_session_remove(memgit_session_result *res, memgit_store *s, const char *const *ids,
	size_t n)
{
	memgit_session_result scratch;
	mg_rm_ctx r = { ids, n };
	int rc;

	res = res ? res : &scratch;
	memset(res, 0, sizeof(*res));
	if (!n)
		return mg_error_set(MEMGIT_ENOTHING, "nothing to remove", MEMGIT_SESSIONS_REF,
			"no session named");
	for (size_t i = 0; i < n; i++) {
		if (!memgit_session_id_valid(ids[i]))
			return mg_error_set(MEMGIT_EINPUT, "invalid session id",
				ids[i] ? ids[i] : "",
				"expected a prefix, '-' and letters, digits, '.', '_' or '-'");
		for (size_t j = 0; j < i; j++)
			if (strcmp(ids[i], ids[j]) == 0)
				return mg_error_set(MEMGIT_EINPUT, "invalid session id", ids[i],
					"named twice");
	}
	if ((rc = publish(res, s, build_remove, &r)) == 0)
		res->removed = n;
	return rc;
}
