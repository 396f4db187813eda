#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "error.h"
#include "fs.h"
#include "lock.h"

#define MG_LOCK_RECORD_MAX 65536

static int clear_record(mg_lock *lk);

/* "<content> <path>": remove the lock only if it holds what the dead
 * writer was writing, or a prefix of it (killed mid-write: libgit2 creates
 * the file, then writes it); anything else was taken by someone since. */
static void recover_if(mg_lock *lk, char *spec)
{
	char *path = strchr(spec, ' '), have[128];
	size_t want;
	ssize_t n;
	int fd;

	if (!path)
		return;
	*path++ = '\0';
	want = strlen(spec);
	if (want >= sizeof(have) || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, have, want);
	close(fd);
	if (n >= 0 && memcmp(have, spec, (size_t)n) == 0 && unlink(path) == 0)
		lk->recovered = 1;
}

/* "<dev> <ino> <ctime sec>.<ctime nsec> <path>": remove the file only if it
 * is still the one the dead writer created. */
static void recover_by_id(mg_lock *lk, const char *spec)
{
	unsigned long long dev, ino;
	long long sec, nsec;
	struct stat st;
	int used = 0;

	if (sscanf(spec, "%llu %llu %lld.%lld %n", &dev, &ino, &sec, &nsec, &used) != 4 || !used ||
	    lstat(spec + used, &st) < 0)
		return;
	if ((unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino &&
	    (long long)st.st_ctim.tv_sec == sec && (long long)st.st_ctim.tv_nsec == nsec &&
	    unlink(spec + used) == 0)
		lk->recovered = 1;
}

/* Remove the git lock files named in the record a dead holder left. */
static int recover(mg_lock *lk)
{
	memgit_buf rec = MEMGIT_BUF_INIT;
	int rc;

	if (lseek(lk->fd, 0, SEEK_SET) < 0)
		return mg_error_set(MEMGIT_EIO, "cannot read lock record", NULL, "%s", strerror(errno));
	if ((rc = mg_fs_read_fd(&rec, lk->fd, MG_LOCK_RECORD_MAX, "write.lock")) < 0)
		goto done;
	for (char *line = rec.size ? rec.ptr : NULL, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!next)
			break; /* a line cut short by a holder killed mid-write */
		if (strncmp(line, "lock ", 5) == 0 && unlink(line + 5) == 0)
			lk->recovered = 1;
		else if (strncmp(line, "lockif ", 7) == 0)
			recover_if(lk, line + 7);
		else if (strncmp(line, "lockid ", 7) == 0)
			recover_by_id(lk, line + 7);
	}
	rc = mg_lock_done(lk);
done:
	memgit_buf_dispose(&rec);
	return rc;
}

int mg_lock_acquire(mg_lock *lk, const char *gitdir, uint64_t deadline_ms)
{
	memgit_buf path = MEMGIT_BUF_INIT;
	unsigned wait = 1;
	int rc;

	lk->recovered = 0;
	if ((rc = mg_buf_printf(&path, "%s/memgit/write.lock", gitdir)) < 0 ||
	    (rc = mg_fs_mkdir_parents(path.ptr)) < 0)
		goto done;
	lk->fd = open(path.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lk->fd < 0) {
		rc = mg_error_set(MEMGIT_EIO, "cannot open lock", path.ptr, "%s", strerror(errno));
		goto done;
	}
	while (flock(lk->fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			rc = mg_error_set(MEMGIT_EIO, "cannot lock", path.ptr, "%s", strerror(errno));
			goto done;
		}
		if (mg_monotonic_ms() >= deadline_ms) {
			rc = mg_error_set(MEMGIT_EBUSY, "store busy", path.ptr,
				"another writer held the lock too long");
			goto done;
		}
		mg_sleep_ms(wait);
		wait = wait < 16 ? wait * 2 : 16;
	}
	rc = recover(lk);
	/* temporaries exist only while a holder writes the work tree */
	mg_buf_clear(&path);
	if (rc == 0 && mg_buf_printf(&path, "%s/memgit/tmp", gitdir) == 0)
		mg_fs_clear_dir(path.ptr);
done:
	if (rc < 0 && lk->fd >= 0) {
		close(lk->fd);
		lk->fd = -1;
	}
	memgit_buf_dispose(&path);
	return rc;
}

int mg_lock_intend(mg_lock *lk, const char *const *lock_paths, const char *const *contents)
{
	memgit_buf rec = MEMGIT_BUF_INIT;
	int rc;

	if ((rc = mg_buf_printf(&rec, "pid %ld\n", (long)getpid())) < 0)
		goto done;
	for (size_t i = 0; lock_paths[i]; i++) {
		if (contents && contents[i])
			rc = mg_buf_printf(&rec, "lockif %s %s\n", contents[i], lock_paths[i]);
		else
			rc = mg_buf_printf(&rec, "lock %s\n", lock_paths[i]);
		if (rc < 0)
			goto done;
	}
	/* cut first, then write: a holder that records twice in one hold (a
	 * dream moves two refs) must not leave the end of a longer first
	 * record behind a shorter second one if it dies between two calls */
	if (clear_record(lk) < 0 || pwrite(lk->fd, rec.ptr, rec.size, 0) != (ssize_t)rec.size)
		rc = mg_error_set(MEMGIT_EIO, "cannot write lock record", NULL, "%s", strerror(errno));
	else
		lk->record_end = (long long)rec.size;
done:
	memgit_buf_dispose(&rec);
	return rc;
}

/*
 * Forget the record by cutting the file to its first byte (the "p" of
 * "pid", which names no lock). Not to zero bytes: an empty file gives its
 * disk block back, and on a file system mounted with `discard` that waits
 * for the disk, twice per write.
 */
static int clear_record(mg_lock *lk)
{
	lk->record_end = 0;
	return ftruncate(lk->fd, 1);
}

/* Append one line to the record (after the pid line, which it adds when
 * the record is empty). */
static int record_add(mg_lock *lk, const char *line)
{
	memgit_buf add = MEMGIT_BUF_INIT;
	int rc = 0;

	if (!lk->record_end)
		rc = mg_buf_printf(&add, "pid %ld\n", (long)getpid());
	if (rc < 0 || (rc = mg_buf_puts(&add, line)) < 0)
		goto done;
	if (pwrite(lk->fd, add.ptr, add.size, (off_t)lk->record_end) != (ssize_t)add.size)
		rc = mg_error_set(MEMGIT_EIO, "cannot write lock record", NULL, "%s", strerror(errno));
	else
		lk->record_end += (long long)add.size;
done:
	memgit_buf_dispose(&add);
	return rc;
}

int mg_lock_created(mg_lock *lk, const char *lock_path, const struct stat *st)
{
	char line[4200];
	int n = snprintf(line, sizeof(line), "lockid %llu %llu %lld.%09ld %s\n",
		(unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
		(long long)st->st_ctim.tv_sec, (long)st->st_ctim.tv_nsec, lock_path);
	if (n < 0 || (size_t)n >= sizeof(line))
		return mg_error_set(MEMGIT_EIO, "cannot write lock record", lock_path, "path too long");
	return record_add(lk, line);
}

int mg_lock_creating(mg_lock *lk, const char *lock_path)
{
	char line[4200];
	int n = snprintf(line, sizeof(line), "lock %s\n", lock_path);
	if (n < 0 || (size_t)n >= sizeof(line))
		return mg_error_set(MEMGIT_EIO, "cannot write lock record", lock_path, "path too long");
	return record_add(lk, line);
}

int mg_lock_done(mg_lock *lk)
{
	if (clear_record(lk) < 0)
		return mg_error_set(MEMGIT_EIO, "cannot clear lock record", NULL, "%s", strerror(errno));
	return 0;
}

void mg_lock_release(mg_lock *lk)
{
	if (lk->fd < 0)
		return;
	if (clear_record(lk) < 0) {
		/* the next holder will find the record and recover: harmless */
	}
	close(lk->fd);
	lk->fd = -1;
}
