/*
 * gitindex.c: see gitindex.h. The on-disk format is git's
 * Documentation/gitformat-index.txt: a 12-byte header ("DIRC", version,
 * entry count), the entries sorted by path then stage, extensions, and a
 * SHA-1 of everything before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "gitindex.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha1.h"

#define HEADER 12
#define TRAILER 20
#define STAT_BYTES 40    /* ctime, mtime, dev, ino, mode, uid, gid, size */
#define MTIME_AT 8       /* seconds, then nanoseconds */
#define SIZE_AT 36       /* the file's size, the last stat field */
#define FLAGS_AT 60      /* after the stat data and the object id */
#define PATH_AT 62       /* 64 with extended flags */
#define FLAG_EXTENDED 0x4000u
#define NAME_MASK 0x0fffu
#define MAX_INDEX (256u << 20)

/* One entry: a view of the bytes read, or a new entry of our own. */
typedef struct {
	const unsigned char *bytes;
	size_t len;
	const char *path;
	size_t pathlen;
	unsigned stage;
	unsigned char *owned; /* bytes, when this entry is new */
} ix_entry;

struct mg_gitindex {
	char *path, *lock;
	const unsigned char *map; /* the file, mapped: git replaces an index by
	                           * renaming a new one over it, never in place */
	size_t size;
	uint32_t version;
	ix_entry *e;
	size_t n, cap;
	struct stat st;              /* of the file read: racy entries, and
	                              * whether someone replaced it since */
	int changed;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* git's order: path bytes, a prefix first, then stage */
static int entry_cmp(const char *p1, size_t l1, unsigned s1, const char *p2, size_t l2, unsigned s2)
{
	int c = memcmp(p1, p2, l1 < l2 ? l1 : l2);
	if (c)
		return c;
	if (l1 != l2)
		return l1 < l2 ? -1 : 1;
	return s1 < s2 ? -1 : s1 > s2;
}

void mg_gitindex_free(mg_gitindex *ix)
{
	if (!ix)
		return;
	for (size_t i = 0; i < ix->n; i++)
		free(ix->e[i].owned);
	free(ix->e);
	if (ix->map)
		munmap((void *)ix->map, ix->size);
	free(ix->path);
	free(ix->lock);
	free(ix);
}

/* Walk the entries and extensions: 0, or MG_GITINDEX_OTHER. */
static int parse(mg_gitindex *ix)
{
	const unsigned char *p = ix->map, *end;
	size_t size = ix->size, at = HEADER, count;

	if (size < HEADER + TRAILER || memcmp(p, "DIRC", 4) != 0)
		return MG_GITINDEX_OTHER;
	ix->version = be32(p + 4);
	count = be32(p + 8);
	if ((ix->version != 2 && ix->version != 3) || count > size / PATH_AT)
		return MG_GITINDEX_OTHER;
	end = p + size - TRAILER;
	if (mg_array_grow((void **)&ix->e, &ix->cap, count ? count : 1, sizeof(*ix->e)) < 0)
		return mg_error_oom();
	for (size_t i = 0; i < count; i++) {
		ix_entry *e = &ix->e[i];
		unsigned flags, name;
		size_t path_at = PATH_AT;
		const unsigned char *nul;

		if ((size_t)(end - p) < at + PATH_AT)
			return MG_GITINDEX_OTHER;
		flags = (unsigned)p[at + FLAGS_AT] << 8 | p[at + FLAGS_AT + 1];
		if (flags & FLAG_EXTENDED) {
			if (ix->version < 3 || (size_t)(end - p) < at + PATH_AT + 2)
				return MG_GITINDEX_OTHER;
			path_at += 2;
		}
		name = flags & NAME_MASK;
		e->path = (const char *)p + at + path_at;
		e->stage = (flags >> 12) & 3;
		if (!(nul = memchr(e->path, '\0', (size_t)(end - (const unsigned char *)e->path))))
			return MG_GITINDEX_OTHER;
		e->pathlen = (size_t)(nul - (const unsigned char *)e->path);
		if (e->pathlen == 0 || (name != NAME_MASK && name != e->pathlen))
			return MG_GITINDEX_OTHER;
		e->len = (path_at + e->pathlen + 8) & ~(size_t)7;
		if ((size_t)(end - p) < at + e->len)
			return MG_GITINDEX_OTHER;
		e->bytes = p + at;
		e->owned = NULL;
		if (i && entry_cmp(e[-1].path, e[-1].pathlen, e[-1].stage, e->path, e->pathlen, e->stage) >= 0)
			return MG_GITINDEX_OTHER; /* out of order: libgit2 says what is wrong */
		at += e->len;
		ix->n++;
	}
	/* extensions: an optional one (capital first letter) may be dropped;
	 * any other changes how the entries must be read */
	while (at < size - TRAILER) {
		uint32_t len;
		if (size - TRAILER - at < 8 || p[at] < 'A' || p[at] > 'Z')
			return MG_GITINDEX_OTHER;
		len = be32(p + at + 4);
		if (len > size - TRAILER - at - 8)
			return MG_GITINDEX_OTHER;
		at += 8 + (size_t)len;
	}
	return at == size - TRAILER ? 0 : MG_GITINDEX_OTHER;
}

/* The trailer is the SHA-1 of the rest; all zeros when git was told not to
 * write it (index.skipHash). */
static int checksum_ok(const mg_gitindex *ix)
{
	static const unsigned char zero[TRAILER];
	unsigned char sum[TRAILER];
	mg_sha1 sha;

	if (memcmp(ix->map + ix->size - TRAILER, zero, TRAILER) == 0)
		return 1;
	mg_sha1_init(&sha);
	mg_sha1_update(&sha, ix->map, ix->size - TRAILER);
	mg_sha1_final(&sha, sum);
	return memcmp(sum, ix->map + ix->size - TRAILER, TRAILER) == 0;
}

int mg_gitindex_read(mg_gitindex **out, const char *path, int verify)
{
	mg_gitindex *ix = calloc(1, sizeof(*ix));
	memgit_buf lock = MEMGIT_BUF_INIT;
	struct stat st;
	int fd = -1, rc;

	*out = NULL;
	if (!ix)
		return mg_error_oom();
	if (!(ix->path = strdup(path)) || mg_buf_printf(&lock, "%s.lock", path) < 0) {
		rc = mg_error_oom();
		goto fail;
	}
	ix->lock = mg_buf_detach(&lock);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = errno == ENOENT ? MG_GITINDEX_OTHER :
			mg_error_set(MEMGIT_EIO, "cannot read index", path, "%s", strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < HEADER + TRAILER ||
	    (uint64_t)st.st_size > MAX_INDEX) {
		rc = MG_GITINDEX_OTHER;
		goto fail;
	}
	ix->st = st;
	/* mapped rather than read: no copy, and no fresh pages to fault in */
	ix->size = (size_t)st.st_size;
	if ((ix->map = mmap(NULL, ix->size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		ix->map = NULL;
		rc = mg_error_set(MEMGIT_EIO, "cannot read index", path, "%s", strerror(errno));
		goto fail;
	}
	/* a damaged index is libgit2's to report, not ours to rewrite with a
	 * fresh checksum */
	if ((rc = parse(ix)) != 0 || (verify && !checksum_ok(ix) && (rc = MG_GITINDEX_OTHER)))
		goto fail;
	close(fd);
	*out = ix;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	mg_gitindex_free(ix);
	return rc;
}

/* The first entry not before (path, stage). */
static size_t lower_bound(const mg_gitindex *ix, const char *path, size_t len, unsigned stage)
{
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const ix_entry *e = &ix->e[mid];
		if (entry_cmp(e->path, e->pathlen, e->stage, path, len, stage) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int mg_gitindex_find(const mg_gitindex *ix, const char *path, git_oid *id)
{
	size_t len = strlen(path), i = lower_bound(ix, path, len, 0);
	const ix_entry *e = i < ix->n ? &ix->e[i] : NULL;

	if (!e || e->stage != 0 || e->pathlen != len || memcmp(e->path, path, len) != 0)
		return 0;
	git_oid_fromraw(id, e->bytes + STAT_BYTES);
	return 1;
}

/* Does any entry sit at a folder of `path`, or under `path` as a folder?
 * The index can hold "a" or "a/b", never both. */
static int dir_file_clash(const mg_gitindex *ix, const char *path, size_t len, size_t at)
{
	/* entries under "path/" sort right after "path" and "path<c>" for c < '/' */
	for (size_t i = at; i < ix->n; i++) {
		const ix_entry *e = &ix->e[i];
		if (e->pathlen <= len || memcmp(e->path, path, len) != 0)
			break;
		if (e->path[len] == '/')
			return 1;
		if ((unsigned char)e->path[len] > '/')
			break;
	}
	/* a file at one of path's folders sorts before path */
	for (const char *slash = memchr(path, '/', len); slash; slash = memchr(slash + 1, '/', len - (size_t)(slash + 1 - path))) {
		size_t dl = (size_t)(slash - path), i = lower_bound(ix, path, dl, 0);
		if (i < ix->n && ix->e[i].pathlen == dl && memcmp(ix->e[i].path, path, dl) == 0)
			return 1;
	}
	return 0;
}

static unsigned char *new_entry(const char *path, size_t len, const struct stat *st, const git_oid *id,
	size_t *size)
{
	size_t n = (PATH_AT + len + 8) & ~(size_t)7;
	unsigned char *b = calloc(1, n);
	uint32_t stat_fields[10] = {
		(uint32_t)st->st_ctim.tv_sec, (uint32_t)st->st_ctim.tv_nsec,
		(uint32_t)st->st_mtim.tv_sec, (uint32_t)st->st_mtim.tv_nsec,
		(uint32_t)st->st_dev, (uint32_t)st->st_ino, 0100644u,
		(uint32_t)st->st_uid, (uint32_t)st->st_gid, (uint32_t)st->st_size,
	};
	unsigned flags = len < NAME_MASK ? (unsigned)len : NAME_MASK;

	if (!b)
		return NULL;
	for (int i = 0; i < 10; i++)
		put_be32(b + 4 * i, stat_fields[i]);
	memcpy(b + STAT_BYTES, id->id, GIT_OID_RAWSZ);
	b[FLAGS_AT] = (unsigned char)(flags >> 8);
	b[FLAGS_AT + 1] = (unsigned char)flags;
	memcpy(b + PATH_AT, path, len);
	*size = n;
	return b;
}

int mg_gitindex_set(mg_gitindex *ix, const char *path, const struct stat *st, const git_oid *id)
{
	size_t len = strlen(path), i = lower_bound(ix, path, len, 0), size;
	ix_entry *e = i < ix->n ? &ix->e[i] : NULL;
	int exists = e && e->pathlen == len && memcmp(e->path, path, len) == 0;
	unsigned char *b;

	/* conflict stages of the path (after stage 0, or in its place) */
	if (exists && (e->stage != 0 ||
			      (i + 1 < ix->n && ix->e[i + 1].pathlen == len &&
				      memcmp(ix->e[i + 1].path, path, len) == 0)))
		return MG_GITINDEX_OTHER;
	if (!id) {
		if (exists) {
			free(e->owned);
			memmove(e, e + 1, (ix->n - i - 1) * sizeof(*e));
			ix->n--;
			ix->changed = 1;
		}
		return 0;
	}
	if (len >= NAME_MASK || (!exists && dir_file_clash(ix, path, len, i)))
		return MG_GITINDEX_OTHER;
	if (!(b = new_entry(path, len, st, id, &size)))
		return mg_error_oom();
	if (!exists) {
		if (mg_array_grow((void **)&ix->e, &ix->cap, ix->n + 1, sizeof(*ix->e)) < 0) {
			free(b);
			return mg_error_oom();
		}
		e = &ix->e[i];
		memmove(e + 1, e, (ix->n - i) * sizeof(*e));
		ix->n++;
	} else {
		free(e->owned);
	}
	e->owned = b;
	e->bytes = b;
	e->len = size;
	e->path = (const char *)b + PATH_AT;
	e->pathlen = len;
	e->stage = 0;
	ix->changed = 1;
	return 0;
}

/*
 * An entry whose file changed within the same timestamp as the index was
 * written ("racily clean") looks unchanged to git once a newer index exists.
 * git, and this writer, smudge such entries (size 0) so that git compares
 * their content next time instead of trusting the stat data. Whole seconds,
 * as git compares them when built without USE_NSEC (Debian's is): a file
 * rewritten later in the same second as the index keeps its mtime second.
 */
static int racy(const mg_gitindex *ix, const unsigned char *entry)
{
	return (int64_t)be32(entry + MTIME_AT) >= (int64_t)(uint32_t)ix->st.st_mtim.tv_sec;
}

/* Has the index file been replaced since it was read? */
static int replaced(const mg_gitindex *ix)
{
	struct stat now;
	if (stat(ix->path, &now) < 0)
		return 1;
	return now.st_ino != ix->st.st_ino || now.st_dev != ix->st.st_dev || now.st_size != ix->st.st_size ||
		now.st_mtim.tv_sec != ix->st.st_mtim.tv_sec || now.st_mtim.tv_nsec != ix->st.st_mtim.tv_nsec ||
		now.st_ctim.tv_sec != ix->st.st_ctim.tv_sec || now.st_ctim.tv_nsec != ix->st.st_ctim.tv_nsec;
}

/* The output as a list of pieces (runs of the mapped file, new entries),
 * hashed as they are queued and written with writev: the index is never
 * copied whole. */
#define PIECES 64

typedef struct {
	struct iovec v[PIECES];
	int n;
	int fd;
	mg_sha1 sha;
	int failed;
} ix_out;

static void out_flush(ix_out *o)
{
	struct iovec *v = o->v;
	int n = o->n;

	while (n > 0 && !o->failed) {
		ssize_t w = writev(o->fd, v, n);
		if (w <= 0) {
			o->failed = 1;
			break;
		}
		while (n > 0 && (size_t)w >= v->iov_len) {
			w -= (ssize_t)v->iov_len;
			v++;
			n--;
		}
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + w;
			v->iov_len -= (size_t)w;
		}
	}
	o->n = 0;
}

static void out_put(ix_out *o, const void *p, size_t len)
{
	mg_sha1_update(&o->sha, p, len);
	if (o->n && (const char *)o->v[o->n - 1].iov_base + o->v[o->n - 1].iov_len == (const char *)p) {
		o->v[o->n - 1].iov_len += len; /* the next bytes of the same run */
		return;
	}
	if (o->n == PIECES)
		out_flush(o);
	o->v[o->n].iov_base = (void *)p;
	o->v[o->n++].iov_len = len;
}

/* The new index into `o.fd`. */
static int write_entries(mg_gitindex *ix, ix_out *o, unsigned char *smudged)
{
	unsigned char head[HEADER], sum[TRAILER];

	mg_sha1_init(&o->sha);
	memcpy(head, "DIRC", 4);
	put_be32(head + 4, ix->version);
	put_be32(head + 8, (uint32_t)ix->n);
	out_put(o, head, HEADER);
	for (size_t i = 0, at = 0; i < ix->n; i++) {
		const ix_entry *e = &ix->e[i];
		if (!e->owned && racy(ix, e->bytes)) {
			memcpy(smudged + at, e->bytes, e->len);
			memset(smudged + at + SIZE_AT, 0, 4);
			out_put(o, smudged + at, e->len);
			at += e->len;
		} else {
			out_put(o, e->bytes, e->len);
		}
	}
	mg_sha1_final(&o->sha, sum);
	if (o->n == PIECES)
		out_flush(o);
	o->v[o->n].iov_base = sum; /* the checksum itself is not hashed */
	o->v[o->n++].iov_len = TRAILER;
	out_flush(o);
	return o->failed ? mg_error_set(MEMGIT_EIO, "cannot write index", ix->lock, "%s", strerror(errno)) : 0;
}

/*
 * The new index is written to a temporary file in `tmpdir` first, whose
 * identity goes to `locked` (the writer lock's record), and only then
 * becomes index.lock with link(2), which fails like git's O_EXCL create
 * when the lock exists. So a writer killed at any moment leaves either no
 * index.lock or one the record names by identity, never one it cannot
 * clear (creating index.lock first and recording it next would leave that
 * gap). Without `tmpdir`, or where hard links are not supported, index.lock
 * is created directly.
 */
int mg_gitindex_write(mg_gitindex *ix, const char *tmpdir, mg_gitindex_locked_cb locked, void *payload)
{
	memgit_buf tmp = MEMGIT_BUF_INIT;
	unsigned char *smudged = NULL;
	size_t nsmudged = 0;
	struct stat st;
	int rc = 0, linked = 0;
	ix_out o;

	if (!ix->changed)
		return 0;
	memset(&o, 0, sizeof(o));
	o.fd = -1;
	/* racy entries go out as copies with the size zeroed: count them first,
	 * so that the copies never move while queued */
	for (size_t i = 0; i < ix->n; i++)
		if (!ix->e[i].owned && racy(ix, ix->e[i].bytes))
			nsmudged += ix->e[i].len;
	if (nsmudged && !(smudged = malloc(nsmudged))) {
		rc = mg_error_oom();
		goto fail;
	}
	if (tmpdir && (rc = mg_buf_printf(&tmp, "%s/index.%ld", tmpdir, (long)getpid())) < 0)
		goto fail;
	if (tmpdir && (mg_fs_mkdir_p(tmpdir) < 0 ||
			      (o.fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0)) {
		rc = mg_error_set(MEMGIT_EIO, "cannot write index", tmp.ptr, "%s", strerror(errno));
		goto fail;
	}
	if (!tmpdir && (o.fd = open(ix->lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)) < 0) {
		if (errno == EEXIST)
			goto busy;
		rc = mg_error_set(MEMGIT_EIO, "cannot write index", ix->lock, "%s", strerror(errno));
		goto fail;
	}
	linked = !tmpdir;
	if (locked && (fstat(o.fd, &st) < 0 || (rc = locked(payload, ix->lock, &st)) < 0)) {
		rc = rc < 0 ? rc : mg_error_set(MEMGIT_EIO, "cannot write index", ix->lock, "%s", strerror(errno));
		goto fail;
	}
	if ((rc = write_entries(ix, &o, smudged)) < 0)
		goto fail;
	if (close(o.fd) < 0) {
		o.fd = -1;
		rc = mg_error_set(MEMGIT_EIO, "cannot write index", ix->lock, "%s", strerror(errno));
		goto fail;
	}
	o.fd = -1;
	if (!linked) {
		if (link(tmp.ptr, ix->lock) == 0) {
			linked = 1;
		} else if (errno == EEXIST) {
			goto busy;
		} else if (rename(tmp.ptr, ix->lock) < 0) { /* no hard links here */
			rc = mg_error_set(MEMGIT_EIO, "cannot write index", ix->lock, "%s", strerror(errno));
			goto fail;
		} else {
			linked = 1;
		}
	}
	/* the lock is ours: make sure nobody replaced the index between our
	 * read and our lock (a `git add` would be lost) */
	if (replaced(ix)) {
		rc = MG_GITINDEX_CHANGED;
		goto fail;
	}
	if (rename(ix->lock, ix->path) < 0) {
		rc = mg_error_set(MEMGIT_EIO, "cannot write index", ix->path, "%s", strerror(errno));
		goto fail;
	}
	if (tmpdir)
		unlink(tmp.ptr);
	ix->changed = 0;
	free(smudged);
	memgit_buf_dispose(&tmp);
	return 0;
busy:
	rc = mg_error_set(MEMGIT_EBUSY, "index is locked", ix->lock, "another git process is using the index");
fail:
	if (o.fd >= 0)
		close(o.fd);
	if (linked)
		unlink(ix->lock);
	if (tmpdir && tmp.size)
		unlink(tmp.ptr);
	free(smudged);
	memgit_buf_dispose(&tmp);
	return rc;
}
