#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "error.h"
#include "fs.h"

int mg_fs_read_fd(memgit_buf *out, int fd, size_t cap, const char *name)
{
	mg_buf_clear(out);
	for (;;) {
		ssize_t n;
		if (mg_buf_grow(out, 65536) < 0)
			return MEMGIT_ENOMEM;
		n = read(fd, out->ptr + out->size, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return mg_error_set(MEMGIT_EIO, "cannot read", name, "%s", strerror(errno));
		if (n == 0)
			break;
		out->size += (size_t)n;
		out->ptr[out->size] = '\0';
		if (out->size > cap)
			return mg_error_set(MEMGIT_ELIMIT, "input too large", name,
				"more than %zu bytes", cap);
	}
	return 0;
}

int mg_fs_read_file(memgit_buf *out, const char *path, size_t cap)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return mg_error_set(errno == ENOENT ? MEMGIT_ENOTFOUND : MEMGIT_EIO,
			"cannot open", path, "%s", strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return mg_error_set(MEMGIT_EINPUT, "cannot read", path, "is a directory");
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > cap) {
		close(fd);
		return mg_error_set(MEMGIT_ELIMIT, "input too large", path,
			"%lld bytes, limit %zu", (long long)st.st_size, cap);
	}
	rc = mg_fs_read_fd(out, fd, cap, path);
	close(fd);
	return rc;
}

/* Write to a fresh temporary named by `tmp_prefix` and rename onto `path`;
 * *cross_device is set (and nothing left behind) when rename says EXDEV. */
static int write_via(const char *path, const char *tmp_prefix, const char *data, size_t len,
	int *cross_device)
{
	memgit_buf tmp = MEMGIT_BUF_INIT;
	unsigned char r[4];
	int fd = -1, rc = 0;
	size_t off = 0;

	if ((rc = mg_random(r, sizeof(r))) < 0 ||
	    (rc = mg_buf_printf(&tmp, "%s.memgit-tmp-%02x%02x%02x%02x", tmp_prefix, r[0], r[1], r[2], r[3])) < 0)
		goto done;
	fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = mg_error_set(MEMGIT_EIO, "cannot write", path, "%s", strerror(errno));
		goto done;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = mg_error_set(MEMGIT_EIO, "cannot write", path, "%s", strerror(errno));
			goto done;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc = mg_error_set(MEMGIT_EIO, "cannot write", path, "%s", strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp.ptr, path) < 0) {
		if (errno == EXDEV && cross_device)
			*cross_device = 1;
		rc = mg_error_set(MEMGIT_EIO, "cannot write", path, "%s", strerror(errno));
	}
done:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && tmp.size)
		unlink(tmp.ptr);
	memgit_buf_dispose(&tmp);
	return rc;
}

int mg_fs_write_file(const char *path, const char *data, size_t len)
{
	/* overwritten, then cut to length, rather than truncated first: a file
	 * that never goes down to zero bytes keeps its disk block, and freeing
	 * a block on a file system mounted with `discard` waits for the disk */
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return mg_error_set(MEMGIT_EIO, "cannot write", path, "%s", strerror(errno));
	n = pwrite(fd, data, len, 0);
	if (n != (ssize_t)len || ftruncate(fd, (off_t)len) < 0) {
		close(fd);
		return mg_error_set(MEMGIT_EIO, "cannot write", path, "short write");
	}
	if (close(fd) < 0)
		return mg_error_set(MEMGIT_EIO, "cannot write", path, "%s", strerror(errno));
	return 0;
}

int mg_fs_write_atomic(const char *path, const char *data, size_t len)
{
	return write_via(path, path, data, len, NULL);
}

int mg_fs_write_atomic_via(const char *path, const char *tmpdir, const char *data, size_t len)
{
	memgit_buf prefix = MEMGIT_BUF_INIT;
	int cross = 0, rc;

	if ((rc = mg_fs_mkdir_p(tmpdir)) < 0 || (rc = mg_buf_printf(&prefix, "%s/w", tmpdir)) < 0)
		goto done;
	rc = write_via(path, prefix.ptr, data, len, &cross);
	if (rc < 0 && cross)
		rc = mg_fs_write_atomic(path, data, len);
done:
	memgit_buf_dispose(&prefix);
	return rc;
}

void mg_fs_clear_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	memgit_buf p = MEMGIT_BUF_INIT;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		mg_buf_clear(&p);
		if (mg_buf_printf(&p, "%s/%s", dir, de->d_name) == 0 && mg_fs_kind(p.ptr) == 2)
			unlink(p.ptr);
	}
	closedir(d);
	memgit_buf_dispose(&p);
}

int mg_fs_mkdir_p(const char *dir)
{
	memgit_buf b = MEMGIT_BUF_INIT;
	int rc;

	if ((rc = mg_buf_puts(&b, dir)) < 0 || (rc = mg_buf_puts(&b, "/x")) < 0)
		goto done;
	rc = mg_fs_mkdir_parents(b.ptr);
done:
	memgit_buf_dispose(&b);
	return rc;
}

int mg_fs_mkdir_parents(const char *path)
{
	char *copy = strdup(path), *last;
	struct stat st;
	int rc = 0;

	if (!copy)
		return mg_error_oom();
	/* the common case: the folder is already there (one stat, not a walk) */
	if ((last = strrchr(copy, '/')) && last != copy) {
		*last = '\0';
		if (stat(copy, &st) == 0 && S_ISDIR(st.st_mode)) {
			free(copy);
			return 0;
		}
		*last = '/';
	}
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
			rc = mg_error_set(MEMGIT_EIO, "cannot create directory", copy, "%s",
				strerror(errno));
			break;
		}
		*p = '/';
	}
	free(copy);
	return rc;
}

int mg_fs_kind(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return 0;
	if (S_ISDIR(st.st_mode))
		return 1;
	return S_ISREG(st.st_mode) ? 2 : 3;
}

void mg_fs_prune_dirs(const char *path, const char *stop)
{
	char *copy = strdup(path);
	size_t stoplen = strlen(stop);
	char *slash;

	if (!copy)
		return;
	while ((slash = strrchr(copy, '/')) && (size_t)(slash - copy) > stoplen) {
		*slash = '\0';
		if (rmdir(copy) < 0)
			break;
	}
	free(copy);
}
