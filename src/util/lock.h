/*
 * lock.h: the store's writer lock.
 *
 * git's own lock files (refs/heads/main.lock, index.lock) carry no owner, so
 * a process killed while holding one leaves it behind for ever. memgit takes
 * an flock(2) on <gitdir>/memgit/write.lock around every ref and index
 * update; the kernel drops it when its holder dies, so it can never go stale.
 * While holding it a writer records the git lock files it is about to
 * create. The next holder that finds such a record knows the previous one
 * died mid-update and removes exactly those files (they cannot belong to a
 * live memgit process). A git lock file found without a record belongs to
 * someone else (the git CLI) and is waited for, never removed.
 */
#ifndef MG_LOCK_H
#define MG_LOCK_H

#include <stdint.h>
#include <sys/stat.h>

typedef struct {
	int fd;
	int recovered; /* git lock files a dead writer left were removed */
	long long record_end; /* bytes of the record written so far */
} mg_lock;

#define MG_LOCK_INIT { -1, 0, 0 }

/* Take the lock, waiting until `deadline_ms` (mg_monotonic_ms clock);
 * MEMGIT_EBUSY after that. Stale git lock files are recovered here. */
int mg_lock_acquire(mg_lock *lk, const char *gitdir, uint64_t deadline_ms);

/*
 * Record the git lock files the holder is about to create (NULL-terminated),
 * each with the text it will hold when known (`contents[i]`, or NULL; a ref
 * lock holds the new object id). Recovery removes a named lock only when its
 * content starts with that text, so a lock git took after the writer died is
 * never touched.
 */
int mg_lock_intend(mg_lock *lk, const char *const *lock_paths, const char *const *contents);

/*
 * Add to the record a git lock file the holder has just created, by the
 * identity of the file (device, inode and change time from `st`): recovery
 * removes it only while that very file is still there, so a lock someone
 * else creates at the same path later is never touched. For locks whose
 * creation the holder can observe (memgit's own index writer); the others
 * must be named before they are created (mg_lock_intend).
 */
int mg_lock_created(mg_lock *lk, const char *lock_path, const struct stat *st);

/* Add to the record a git lock file someone else (libgit2) is about to
 * create for the holder: recovery removes it unconditionally, so name it
 * as late as possible. */
int mg_lock_creating(mg_lock *lk, const char *lock_path);

/* The update finished: forget the record. */
int mg_lock_done(mg_lock *lk);

/* Release (also clears a record left by an update that failed cleanly). */
void mg_lock_release(mg_lock *lk);

#endif
