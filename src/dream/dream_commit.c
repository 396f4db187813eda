/*
 * dream_commit.c: turning accepted edits into the dream commit, and
 * publishing it.
 *
 * The commit is built with the write path's own checks (a batch on the
 * base, never on the moving tip) so a dream tree is exactly what a memory
 * command would have written. Publishing writes the note first and the
 * branch last, under one hold of the writer lock: a dream killed at any
 * moment leaves either nothing visible, or a note on a commit no branch
 * points at (harmless, and unreachable once notes are pruned), never a
 * dream/<id> branch without its edit list. Running the dream again makes a
 * new id and a new commit, so a half-finished run never blocks the next.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/write_internal.h"
#include "dream_internal.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"

#define MG_MESSAGE_RATIONALE_MAX 300
#define MG_MESSAGE_EVIDENCE_MAX 8

/* ---- the message ------------------------------------------------------------ */

/* Append at most `max` bytes of `s`, cut on a UTF-8 character boundary. */
static int put_capped(memgit_buf *out, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return mg_buf_puts(out, s);
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	if (mg_buf_put(out, s, max) < 0)
		return MEMGIT_ENOMEM;
	return mg_buf_puts(out, "...");
}

static int summary_line(memgit_buf *out, const memgit_dream *d)
{
	size_t by_kind[MEMGIT_EDIT_MOVE + 1] = { 0 };
	size_t dropped = 0;
	int rc, first = 1;

	for (size_t i = 0; i < d->edits.n; i++)
		if (!d->edits.items[i].refused)
			by_kind[d->edits.items[i].kind]++;
		else
			dropped += mg_edit_dropped(&d->edits.items[i]);
	rc = mg_buf_puts(out, "dream:");
	for (int k = MEMGIT_EDIT_CREATE; k <= MEMGIT_EDIT_MOVE && rc == 0; k++) {
		if (!by_kind[k])
			continue;
		rc = mg_buf_printf(out, "%s %s %zu", first ? "" : ",",
			memgit_edit_kind_name((memgit_edit_kind)k), by_kind[k]);
		first = 0;
	}
	if (rc == 0 && d->refused > dropped && dropped)
		rc = mg_buf_printf(out, " (%zu refused, %zu dropped)", d->refused - dropped, dropped);
	else if (rc == 0 && dropped)
		rc = mg_buf_printf(out, " (%zu dropped)", dropped);
	else if (rc == 0 && d->refused)
		rc = mg_buf_printf(out, " (%zu refused)", d->refused);
	return rc < 0 ? rc : mg_buf_puts(out, "\n\n");
}

/* "- <kind> <what>: <rationale> (<evidence>)" */
static int edit_line(memgit_buf *out, const mg_edit *e)
{
	int rc = mg_buf_printf(out, "- %s ", memgit_edit_kind_name(e->kind));

	if (rc == 0 && e->kind == MEMGIT_EDIT_MERGE) {
		for (size_t i = 0; i < e->nmerged && rc == 0; i++)
			rc = mg_buf_printf(out, "%s%s", i ? ", " : "", e->merged[i]);
		rc = rc ? rc : mg_buf_printf(out, " -> %s", e->path);
	} else if (rc == 0 && e->kind == MEMGIT_EDIT_MOVE) {
		rc = mg_buf_printf(out, "%s -> %s", e->path, e->to);
	} else if (rc == 0) {
		rc = mg_buf_puts(out, e->path);
	}
	rc = rc ? rc : mg_buf_puts(out, ": ");
	rc = rc ? rc : put_capped(out, e->rationale, MG_MESSAGE_RATIONALE_MAX);
	rc = rc ? rc : mg_buf_puts(out, " (");
	for (size_t i = 0; i < e->nevidence && i < MG_MESSAGE_EVIDENCE_MAX && rc == 0; i++)
		rc = mg_buf_printf(out, "%s%s", i ? ", " : "", e->evidence[i]);
	if (rc == 0 && e->nevidence > MG_MESSAGE_EVIDENCE_MAX)
		rc = mg_buf_printf(out, ", +%zu more", e->nevidence - MG_MESSAGE_EVIDENCE_MAX);
	return rc ? rc : mg_buf_puts(out, ")\n");
}

int mg_dream_message(memgit_buf *out, const memgit_dream *d)
{
	int rc;

	mg_buf_clear(out);
	if ((rc = summary_line(out, d)) < 0)
		return rc;
	for (size_t i = 0; i < d->edits.n && rc == 0; i++)
		if (!d->edits.items[i].refused)
			rc = edit_line(out, &d->edits.items[i]);
	rc = rc ? rc : mg_buf_printf(out, "\nDream-Id: %s\nDream-Base: %s\nDream-Dreamer: %s\n"
		"Dream-Sessions:", d->id, d->base, d->dreamer);
	for (size_t i = 0; i < d->nsessions && rc == 0; i++)
		rc = mg_buf_printf(out, " %s", d->sessions[i]);
	rc = rc ? rc : mg_buf_printf(out, "\nDream-Sessions-Commit:%s%s\n",
		d->sessions_commit[0] ? " " : "", d->sessions_commit);
	if (rc == 0 && d->prompt_sha256[0])
		rc = mg_buf_printf(out, "Dream-Prompt-Sha256: %s\nDream-Usage: input=%llu output=%llu "
			"cache_read=%llu cache_write=%llu requests=%u\n", d->prompt_sha256,
			(unsigned long long)d->usage.input, (unsigned long long)d->usage.output,
			(unsigned long long)d->usage.cache_read, (unsigned long long)d->usage.cache_write,
			d->usage.requests);
	if (rc == 0 && d->pass > 1)
		rc = mg_buf_printf(out, "Dream-Iteration: %u\n", d->pass);
	return rc;
}

/* ---- the commit ----------------------------------------------------------------- */

static int queue_edit(memgit_batch *b, const mg_edit *e)
{
	int rc = 0;

	switch (e->kind) {
	case MEMGIT_EDIT_CREATE:
	case MEMGIT_EDIT_UPDATE:
		return memgit_batch_put_raw(b, e->path, e->content, e->content_len);
	case MEMGIT_EDIT_DELETE:
		return memgit_batch_remove(b, e->path);
	case MEMGIT_EDIT_MOVE:
		return memgit_batch_move(b, e->path, e->to);
	case MEMGIT_EDIT_MERGE:
		/* the result first: a merge into one of its own memories keeps it */
		rc = memgit_batch_put_raw(b, e->path, e->content, e->content_len);
		for (size_t i = 0; i < e->nmerged && rc == 0; i++)
			if (strcmp(e->merged[i], e->path) != 0)
				rc = memgit_batch_remove(b, e->merged[i]);
		return rc;
	}
	return mg_error_set(MEMGIT_ERROR, "cannot apply edit", e->path, "unknown kind");
}

int mg_dream_build_commit(git_oid *out, memgit_store *s, memgit_dream *d, git_commit *base,
	git_commit *parent)
{
	memgit_batch *b = NULL;
	int rc;

	if ((rc = memgit_batch_new(&b, s)) < 0)
		return rc;
	for (size_t i = 0; i < d->edits.n && rc == 0; i++)
		if (!d->edits.items[i].refused)
			rc = queue_edit(b, &d->edits.items[i]);
	if (rc == 0)
		rc = mg_batch_build_commit_on(out, NULL, b, base, parent, d->message);
	memgit_batch_free(b);
	return rc;
}

/* ---- publishing ------------------------------------------------------------------- */

/* The notes tip (NULL when there are no notes yet) and its id. */
static int notes_tip(git_commit **out, git_oid *id, memgit_store *s)
{
	int rc = git_reference_name_to_id(id, s->repo, MG_NOTES_REF);

	*out = NULL;
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0 || (rc = git_commit_lookup(out, s->repo, id)) < 0)
		return mg_git_error(rc, "cannot read notes", MG_NOTES_REF);
	return 0;
}

/* With the lock held: the note on `commit` (kept when a retry finds it
 * there); `replace` overwrites another note (a dream's record grows). */
static int publish_note(memgit_store *s, mg_lock *lk, const memgit_dream *d,
	const git_oid *commit, const char *note, int replace)
{
	git_signature *sig = NULL;
	git_commit *tip = NULL;
	git_note *have = NULL;
	git_oid tip_id, ncommit, nblob;
	char log[64];
	int rc;

	if ((rc = notes_tip(&tip, &tip_id, s)) < 0)
		return rc;
	if (tip && git_note_read(&have, s->repo, MG_NOTES_REF, commit) == 0 &&
	    (!replace || strcmp(git_note_message(have), note) == 0)) {
		rc = strcmp(git_note_message(have), note) == 0 ? 0 :
			mg_error_set(MEMGIT_EEXISTS, "cannot write dream note", d->id,
				"the commit already has another note");
		goto done;
	}
	if ((rc = mg_store_signature(&sig, s)) < 0)
		goto done;
	if ((rc = git_note_commit_create(&ncommit, &nblob, s->repo, tip, sig, sig, commit, note,
		     replace)) < 0) {
		rc = mg_git_error(rc, "cannot write dream note", d->id);
		goto done;
	}
	snprintf(log, sizeof(log), "dream %s: note", d->id);
	rc = mg_ref_cas_locked(s, lk, MG_NOTES_REF, tip ? &tip_id : NULL, &ncommit, log);
done:
	git_note_free(have);
	git_signature_free(sig);
	git_commit_free(tip);
	return rc;
}

/* With the lock held: a later pass needs the branch where the previous
 * pass left it (checked before the note is written, so a branch moved by
 * someone else costs no note). */
static int branch_at(memgit_store *s, const memgit_dream *d, const char *ref, const git_oid *prev)
{
	git_oid have;
	char want[GIT_OID_HEXSZ + 1];
	int rc = git_reference_name_to_id(&have, s->repo, ref);

	if (rc < 0 && rc != GIT_ENOTFOUND)
		return mg_git_error(rc, "cannot read branch", ref);
	if (rc == 0 && git_oid_equal(&have, prev))
		return 0;
	git_oid_tostr(want, sizeof(want), prev);
	return mg_error_set(MEMGIT_ECONFLICT, "cannot record dream pass", d->id,
		"branch dream/%s is no longer at the previous pass %.12s", d->id, want);
}

static int attempt(memgit_store *s, const memgit_dream *d, const git_oid *commit,
	const git_oid *prev, const char *note, int stop_after_note, uint64_t deadline)
{
	mg_lock lk = MG_LOCK_INIT;
	memgit_buf ref = MEMGIT_BUF_INIT;
	char log[64];
	int rc;

	if ((rc = mg_buf_printf(&ref, MG_DREAM_REF_PREFIX "%s", d->id)) < 0)
		return rc;
	if ((rc = mg_lock_acquire(&lk, s->gitdir, deadline)) < 0)
		goto done;
	if ((prev && (rc = branch_at(s, d, ref.ptr, prev)) < 0) ||
	    (rc = publish_note(s, &lk, d, commit, note, 0)) != 0)
		goto done;
	if (!stop_after_note) {
		if (prev)
			snprintf(log, sizeof(log), "dream %s: pass %u", d->id, d->pass);
		else
			snprintf(log, sizeof(log), "dream %s", d->id);
		rc = mg_ref_cas_locked(s, &lk, ref.ptr, prev, commit, log);
		if (rc == MG_RETRY_MOVED && !prev)
			rc = mg_error_set(MEMGIT_EEXISTS, "cannot record dream", d->id,
				"branch dream/%s already exists", d->id);
		if (rc != 0)
			goto done;
	}
	rc = mg_lock_done(&lk);
done:
	mg_lock_release(&lk);
	memgit_buf_dispose(&ref);
	return rc;
}

int mg_dream_publish(memgit_store *s, const memgit_dream *d, const git_oid *commit,
	const git_oid *prev, const char *note, int stop_after_note)
{
	uint64_t deadline = mg_monotonic_ms() + s->limits.lock_timeout_ms;
	int rc;

	/* the note goes into git objects: it passes the gate like any content */
	if ((rc = mg_secret_check(note, strlen(note), s->allow, "dream note")) < 0)
		return rc;
	for (unsigned n = 1;; n++) {
		if ((rc = attempt(s, d, commit, prev, note, stop_after_note, deadline)) <= 0)
			return rc;
		if (mg_monotonic_ms() >= deadline)
			return mg_error_set(MEMGIT_EBUSY, "store busy", MG_NOTES_REF,
				rc == MG_RETRY_LOCKED ? "a git lock file did not clear" :
				"other writers kept moving the notes");
		if (rc == MG_RETRY_LOCKED)
			mg_sleep_ms(5 + n % 20);
	}
}

/* ---- a growing record ------------------------------------------------------------ */

/* With the lock: re-read the note, add `item` to `key`, publish it. */
static int push_locked(memgit_store *s, mg_lock *lk, const memgit_dream *d, const git_oid *commit,
	const char *key, const char *item)
{
	memgit_buf text = MEMGIT_BUF_INIT;
	git_note *have = NULL;
	int rc = git_note_read(&have, s->repo, MG_NOTES_REF, commit);

	if (rc < 0) {
		rc = rc == GIT_ENOTFOUND ? mg_error_set(MEMGIT_ENOTFOUND, "cannot record", d->id,
			"the dream has no note") : mg_git_error(rc, "cannot read dream note", d->id);
		goto done;
	}
	if ((rc = mg_buf_puts(&text, git_note_message(have))) < 0 ||
	    (rc = mg_dream_note_push(&text, key, item, d->id)) < 0)
		goto done;
	rc = publish_note(s, lk, d, commit, text.ptr, 1);
done:
	git_note_free(have);
	memgit_buf_dispose(&text);
	return rc;
}

int mg_dream_record(memgit_store *s, const memgit_dream *d, const char *key, const char *item)
{
	uint64_t deadline = mg_monotonic_ms() + s->limits.lock_timeout_ms;
	git_oid commit;
	int rc;

	if ((rc = mg_secret_check(item, strlen(item), s->allow, "dream note")) < 0)
		return rc;
	if (git_oid_fromstr(&commit, d->commit) < 0)
		return mg_error_set(MEMGIT_EINPUT, "cannot record", d->id, "the dream has no commit");
	for (unsigned n = 1;; n++) {
		mg_lock lk = MG_LOCK_INIT;
		if ((rc = mg_lock_acquire(&lk, s->gitdir, deadline)) < 0)
			return rc;
		rc = push_locked(s, &lk, d, &commit, key, item);
		if (rc == 0)
			rc = mg_lock_done(&lk);
		mg_lock_release(&lk);
		if (rc <= 0)
			return rc;
		if (mg_monotonic_ms() >= deadline)
			return mg_error_set(MEMGIT_EBUSY, "store busy", MG_NOTES_REF,
				"other writers kept moving the notes");
		mg_sleep_ms(5 + n % 20);
	}
}
