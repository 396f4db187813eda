/*
 * test_gitindex.c: the in-place index editor (src/core/gitindex.c) against
 * indexes the real git CLI writes, checked back with git itself
 * (`git ls-files --debug`, `git status`, `git fsck`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/gitindex.h"
#include "helpers.h"
#include "memgit/errors.h"

/* A repository with three committed files; returns its path. */
static const char *repo(int slot)
{
	const char *d = t_tmpdir(slot);
	assert_int_equal(t_sh(NULL, "cd '%s' && git init -q . && mkdir -p m/sub && echo a > m/a.md && "
		"echo b > m/b.md && echo c > m/sub/c.md && git add -A && git commit -qm init", d), 0);
	return d;
}

static mg_gitindex *open_index(const char *dir, int expect)
{
	char path[600];
	mg_gitindex *ix = NULL;
	snprintf(path, sizeof(path), "%s/.git/index", dir);
	assert_int_equal(mg_gitindex_read(&ix, path, 1), expect);
	return ix;
}

/* `git hash-object -w` the text into the repository and write it to `rel`. */
static void add_file(const char *dir, const char *rel, const char *text, git_oid *id, struct stat *st)
{
	char path[600], *hex = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(t_sh(NULL, "mkdir -p \"$(dirname '%s')\"", path), 0);
	t_write_file(path, text, strlen(text));
	assert_int_equal(t_sh(&hex, "cd '%s' && git hash-object -w '%s' | tr -d '\\n'", dir, rel), 0);
	assert_int_equal(git_oid_fromstr(id, hex), 0);
	assert_int_equal(lstat(path, st), 0);
	free(hex);
}

/* Write `rel` with `text` and stage it in `ix` (which must take it). */
static void stage(mg_gitindex *ix, const char *dir, const char *rel, const char *text)
{
	git_oid id;
	struct stat st;
	add_file(dir, rel, text, &id, &st);
	assert_int_equal(mg_gitindex_set(ix, rel, &st, &id), 0);
}

/* Write `ix` back, as memgit does (through a temporary file under the
 * repository's .git/memgit/tmp), and free it. */
static void write_back(mg_gitindex *ix, const char *dir)
{
	char tmpdir[600];
	snprintf(tmpdir, sizeof(tmpdir), "%s/.git/memgit/tmp", dir);
	assert_int_equal(mg_gitindex_write(ix, tmpdir, NULL, NULL), 0);
	mg_gitindex_free(ix);
}

/* `cmd` (run in `dir`) prints exactly `want`. */
static void assert_sh_out(const char *want, const char *cmd, const char *dir)
{
	char *out = NULL;
	assert_int_equal(t_sh(&out, "cd '%s' && %s", dir, cmd), 0);
	assert_string_equal(out, want);
	free(out);
}

static void test_find_matches_git(void **state)
{
	const char *d = repo(0);
	mg_gitindex *ix = open_index(d, 0);
	git_oid id;
	char hex[GIT_OID_HEXSZ + 1], *want = NULL;
	(void)state;

	assert_int_equal(mg_gitindex_find(ix, "m/b.md", &id), 1);
	assert_int_equal(t_sh(&want, "cd '%s' && git rev-parse :m/b.md | tr -d '\\n'", d), 0);
	assert_string_equal(git_oid_tostr(hex, sizeof(hex), &id), want);
	assert_int_equal(mg_gitindex_find(ix, "m/sub/c.md", &id), 1);
	assert_int_equal(mg_gitindex_find(ix, "m/sub", &id), 0);
	assert_int_equal(mg_gitindex_find(ix, "m/zz.md", &id), 0);
	assert_int_equal(mg_gitindex_find(ix, "", &id), 0);
	free(want);
	mg_gitindex_free(ix);
}

/* Add, replace and remove; git reads the result, agrees on every entry, and
 * `git status` is clean once the same change is committed. */
static void test_edit_and_git_agrees(void **state)
{
	const char *d = repo(1);
	mg_gitindex *ix = open_index(d, 0);
	git_oid id;
	(void)state;

	stage(ix, d, "m/0first.md", "first\n");
	stage(ix, d, "m/sub/z.md", "last\n");
	stage(ix, d, "m/a.md", "a changed\n");
	assert_int_equal(t_sh(NULL, "rm '%s/m/b.md'", d), 0);
	assert_int_equal(mg_gitindex_set(ix, "m/b.md", NULL, NULL), 0);
	assert_int_equal(mg_gitindex_set(ix, "m/never.md", NULL, NULL), 0); /* absent: nothing */
	write_back(ix, d);

	/* git fsck verifies the index's checksum (plain reads do not) */
	assert_int_equal(t_sh(NULL, "cd '%s' && git fsck --strict --no-dangling 2>&1", d), 0);
	assert_sh_out("m/0first.md\nm/a.md\nm/sub/c.md\nm/sub/z.md\n",
		"git ls-files", d);
	assert_sh_out("", "git diff --name-only", d); /* stat data right */
	assert_sh_out("A  m/0first.md\nM  m/a.md\nD  m/b.md\nA  m/sub/z.md\n",
		"git status --porcelain", d);
	assert_int_equal(t_sh(NULL, "cd '%s' && git commit -qm edit && git fsck --strict 2>&1", d), 0);
	assert_sh_out("", "git status --porcelain", d);
	/* and reading our own output again works */
	ix = open_index(d, 0);
	assert_int_equal(mg_gitindex_find(ix, "m/sub/z.md", &id), 1);
	mg_gitindex_free(ix);
}

/* git's cached trees (TREE) and other optional extensions are dropped; the
 * index stays valid and `git write-tree` recomputes the right tree. */
static void test_optional_extensions_dropped(void **state)
{
	const char *d = repo(2);
	mg_gitindex *ix;
	(void)state;

	assert_int_equal(t_sh(NULL, "cd '%s' && git config core.untrackedCache true && git update-index "
		"--untracked-cache && echo u > untracked.txt && git status --porcelain >/dev/null && grep -q TREE .git/index && "
		"grep -q UNTR .git/index", d), 0);
	ix = open_index(d, 0);
	stage(ix, d, "m/sub/new.md", "n\n");
	write_back(ix, d);
	/* the tree of our index is the tree git builds in an index of its own */
	assert_int_equal(t_sh(NULL, "cd '%s' && ! grep -q TREE .git/index && t=$(git write-tree) && "
		"export GIT_INDEX_FILE=.git/other && git read-tree HEAD && git add m/sub/new.md && "
		"test \"$t\" = \"$(git write-tree)\"", d), 0);
	assert_sh_out("A  m/sub/new.md\n?? untracked.txt\n", "git status --porcelain", d);
}

/* What the editor does not take is handed back (MG_GITINDEX_OTHER), with the
 * file untouched: index version 4, a split index, conflict stages and a
 * file where a folder must go (or the reverse). */
static void test_refuses_what_needs_libgit2(void **state)
{
	const char *d = repo(3);
	mg_gitindex *ix;
	git_oid id;
	struct stat st;
	char *before = NULL, *after = NULL;
	(void)state;

	assert_int_equal(t_sh(NULL, "cd '%s' && git update-index --index-version 4", d), 0);
	assert_null(open_index(d, MG_GITINDEX_OTHER));
	assert_int_equal(t_sh(NULL, "cd '%s' && git update-index --index-version 2 && git update-index --split-index && "
		"grep -q link .git/index", d), 0);
	assert_null(open_index(d, MG_GITINDEX_OTHER));
	assert_int_equal(t_sh(NULL, "cd '%s' && git update-index --no-split-index", d), 0);

	/* m/b.md in conflict: stages 1, 2 and 3 */
	assert_int_equal(t_sh(NULL, "cd '%s' && b=$(git rev-parse :m/b.md) && "
		"git update-index --index-info <<EOF\n0 0000000000000000000000000000000000000000\tm/b.md\n"
		"100644 $b 1\tm/b.md\n100644 $b 2\tm/b.md\n100644 $b 3\tm/b.md\nEOF", d), 0);
	assert_int_equal(t_sh(&before, "cd '%s' && md5sum .git/index", d), 0);
	ix = open_index(d, 0);
	add_file(d, "m/b.md", "resolved\n", &id, &st);
	assert_int_equal(mg_gitindex_set(ix, "m/b.md", &st, &id), MG_GITINDEX_OTHER);
	assert_int_equal(mg_gitindex_set(ix, "m/b.md", NULL, NULL), MG_GITINDEX_OTHER);
	/* a file at a folder of the path, and a folder at the path */
	assert_int_equal(mg_gitindex_set(ix, "m/a.md/x.md", &st, &id), MG_GITINDEX_OTHER);
	assert_int_equal(mg_gitindex_set(ix, "m/sub", &st, &id), MG_GITINDEX_OTHER);
	assert_int_equal(mg_gitindex_set(ix, "m", &st, &id), MG_GITINDEX_OTHER);
	/* neighbours that only share a prefix are fine */
	assert_int_equal(mg_gitindex_set(ix, "m/sub.md", &st, &id), 0);
	assert_int_equal(mg_gitindex_set(ix, "m/a.md-2", &st, &id), 0);
	mg_gitindex_free(ix); /* not written */
	assert_int_equal(t_sh(&after, "cd '%s' && md5sum .git/index", d), 0);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/* Broken files are not "fixed" by a rewrite with a fresh checksum: each is
 * handed to libgit2, which reports what is wrong. */
static void test_damaged_index(void **state)
{
	const char *d = repo(4);
	char path[600], *bytes;
	size_t len;
	mg_gitindex *ix = NULL;
	(void)state;

	snprintf(path, sizeof(path), "%s/.git/index", d);
	bytes = t_read_file(path, &len);
	assert_non_null(bytes);
	t_write_file(path, bytes, len - 30); /* cut into the last entry */
	assert_int_equal(mg_gitindex_read(&ix, path, 1), MG_GITINDEX_OTHER);
	t_write_file(path, bytes, 40); /* header and part of one entry */
	assert_int_equal(mg_gitindex_read(&ix, path, 1), MG_GITINDEX_OTHER);
	bytes[8 + 3] = 100; /* 100 entries claimed */
	t_write_file(path, bytes, len);
	assert_int_equal(mg_gitindex_read(&ix, path, 1), MG_GITINDEX_OTHER);
	bytes[8 + 3] = 3;
	memcpy(bytes, "DIRX", 4);
	t_write_file(path, bytes, len);
	assert_int_equal(mg_gitindex_read(&ix, path, 1), MG_GITINDEX_OTHER);
	memcpy(bytes, "DIRC", 4);
	/* one bit of an object id: the structure holds, the checksum does not.
	 * Only a read for writing checks it (a lookup need not pay for it). */
	bytes[12 + 40] ^= 1;
	t_write_file(path, bytes, len);
	assert_int_equal(mg_gitindex_read(&ix, path, 1), MG_GITINDEX_OTHER);
	assert_int_equal(mg_gitindex_read(&ix, path, 0), 0);
	mg_gitindex_free(ix);
	ix = NULL;
	/* an all-zero checksum is git's index.skipHash: accepted */
	memset(bytes + len - 20, 0, 20);
	t_write_file(path, bytes, len);
	assert_int_equal(mg_gitindex_read(&ix, path, 1), 0);
	mg_gitindex_free(ix);
	ix = NULL;
	unlink(path);
	assert_int_equal(mg_gitindex_read(&ix, path, 1), MG_GITINDEX_OTHER);
	assert_null(ix);
	free(bytes);
}

/* An entry whose file changed no earlier than the index was written cannot
 * be trusted from its stat data once a newer index exists: the writer
 * zeroes its size, as git does, so that git compares the content. */
static void test_racy_entries_smudged(void **state)
{
	const char *d = repo(5);
	mg_gitindex *ix;
	char *out = NULL;
	(void)state;

	/* m/a.md's recorded mtime is after the index file's */
	assert_int_equal(t_sh(NULL, "cd '%s' && touch -d '2001-01-01' .git/index", d), 0);
	ix = open_index(d, 0);
	stage(ix, d, "m/new.md", "n\n");
	write_back(ix, d);
	assert_int_equal(t_sh(&out, "cd '%s' && git ls-files --debug m/a.md m/new.md | grep size:", d), 0);
	assert_non_null(strstr(out, "size: 0\t"));  /* m/a.md, smudged */
	assert_non_null(strstr(out, "size: 2\t"));  /* m/new.md, just written */
	free(out);
	/* git still sees m/a.md as unchanged after comparing its content */
	assert_sh_out("A  m/new.md\n", "git status --porcelain", d);
}

/* git (built without USE_NSEC, as Debian's is) compares whole seconds: an
 * entry from the same second as the index is racy even when its
 * nanoseconds are earlier, since the file may have been rewritten later in
 * that second with the same size. */
static void test_racy_same_second(void **state)
{
	const char *d = repo(5);
	mg_gitindex *ix;
	char *out = NULL;
	(void)state;

	assert_int_equal(t_sh(NULL, "cd '%s' && touch -d '2020-02-02 10:00:00.100' m/a.md && touch -d 2019-01-01 m/b.md && "
		"git update-index --refresh -q; git update-index --really-refresh -q; "
		"touch -d '2020-02-02 10:00:00.900' .git/index", d), 0);
	assert_int_equal(t_sh(&out, "cd '%s' && git ls-files --debug m/a.md | grep size:", d), 0);
	assert_null(strstr(out, "size: 0\t")); /* git trusted it so far */
	free(out);
	ix = open_index(d, 0);
	stage(ix, d, "m/new.md", "n\n");
	write_back(ix, d);
	assert_int_equal(t_sh(&out, "cd '%s' && git ls-files --debug m/a.md m/b.md | grep size:", d), 0);
	assert_string_equal(out, "  size: 0\tflags: 0\n  size: 2\tflags: 0\n"); /* a smudged, b older */
	free(out);
}

/* Someone replaces the index between our read and our lock (a `git add`):
 * the write backs off (MG_GITINDEX_CHANGED) without touching the index, and
 * the lock file it made is gone. The callback heard of that lock first. */
static int heard;
static int on_locked(void *payload, const char *lock, const struct stat *st)
{
	(void)payload;
	heard = strstr(lock, "/.git/index.lock") != NULL && st->st_ino != 0;
	return 0;
}

static void test_replaced_meanwhile(void **state)
{
	const char *d = repo(6);
	mg_gitindex *ix = open_index(d, 0);
	char lock[600], *before = NULL, *after = NULL;
	(void)state;

	stage(ix, d, "m/mine.md", "mine\n");
	assert_int_equal(t_sh(NULL, "cd '%s' && echo theirs > m/theirs.md && git add m/theirs.md", d), 0);
	assert_int_equal(t_sh(&before, "cd '%s' && md5sum .git/index", d), 0);
	heard = 0;
	{
		char tmpdir[600];
		snprintf(tmpdir, sizeof(tmpdir), "%s/.git/memgit/tmp", d);
		assert_int_equal(mg_gitindex_write(ix, tmpdir, on_locked, NULL), MG_GITINDEX_CHANGED);
		assert_int_equal(t_sh(NULL, "test -z \"$(ls -A '%s')\"", tmpdir), 0); /* no temporary left */
	}
	assert_true(heard);
	assert_int_equal(t_sh(&after, "cd '%s' && md5sum .git/index", d), 0);
	assert_string_equal(before, after);
	snprintf(lock, sizeof(lock), "%s/.git/index.lock", d);
	assert_int_equal(access(lock, F_OK), -1);
	mg_gitindex_free(ix);
	free(before);
	free(after);
	/* read again, change again: both survive */
	ix = open_index(d, 0);
	stage(ix, d, "m/mine.md", "mine\n");
	write_back(ix, d);
	assert_sh_out("A  m/mine.md\nA  m/theirs.md\n", "git status --porcelain", d);
}

/* Racy and trusted entries alternating: the writer queues hundreds of
 * separate pieces (more than one writev takes); git reads back the same
 * entries, checksum and all. */
static void test_many_pieces(void **state)
{
	const char *d = t_tmpdir(7);
	mg_gitindex *ix;
	char *out = NULL;
	(void)state;

	assert_int_equal(t_sh(NULL, "cd '%s' && git init -q . && mkdir m && for i in $(seq 100 399); do "
		"echo $i > m/f$i.md; if [ $((i %% 2)) = 0 ]; then touch -d 2000-01-01 m/f$i.md; "
		"else touch -d 2030-01-01 m/f$i.md; fi; done && git add -A && git commit -qm many && "
		"touch -d 2010-01-01 .git/index", d), 0);
	ix = open_index(d, 0);
	stage(ix, d, "m/f250x.md", "x\n");
	write_back(ix, d);
	assert_int_equal(t_sh(NULL, "cd '%s' && git fsck --strict --no-dangling 2>&1", d), 0);
	assert_int_equal(t_sh(&out, "cd '%s' && git ls-files --debug | grep -c 'size: 0'", d), 0);
	assert_string_equal(out, "150\n"); /* the odd ones, dated after the index */
	free(out);
	assert_sh_out("A  m/f250x.md\n", "git status --porcelain", d);
	assert_int_equal(t_sh(&out, "cd '%s' && git ls-files | wc -l", d), 0);
	assert_string_equal(out, "301\n");
	free(out);
}

/* Another git process holding index.lock: refused, nothing written. */
static void test_lock_held(void **state)
{
	const char *d = repo(6);
	mg_gitindex *ix = open_index(d, 0);
	char lock[600];
	(void)state;

	snprintf(lock, sizeof(lock), "%s/.git/index.lock", d);
	t_write_file(lock, "", 0);
	stage(ix, d, "m/new.md", "n\n");
	/* straight into the lock file, and through a temporary linked into place */
	assert_int_equal(mg_gitindex_write(ix, NULL, NULL, NULL), MEMGIT_EBUSY);
	assert_non_null(strstr(memgit_error_last()->message, "index.lock"));
	{
		char tmpdir[640];
		snprintf(tmpdir, sizeof(tmpdir), "%s/.git/memgit/tmp", d);
		assert_int_equal(mg_gitindex_write(ix, tmpdir, NULL, NULL), MEMGIT_EBUSY);
		assert_non_null(strstr(memgit_error_last()->message, "index.lock"));
		assert_int_equal(t_sh(NULL, "test -z \"$(ls -A '%s')\"", tmpdir), 0);
	}
	assert_int_equal(access(lock, F_OK), 0); /* theirs: left alone */
	unlink(lock);
	assert_sh_out("", "git diff --cached --name-only", d);
	assert_int_equal(mg_gitindex_write(ix, NULL, NULL, NULL), 0);
	assert_sh_out("m/new.md\n", "git diff --cached --name-only", d);
	mg_gitindex_free(ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_matches_git),
		cmocka_unit_test(test_edit_and_git_agrees),
		cmocka_unit_test(test_optional_extensions_dropped),
		cmocka_unit_test(test_refuses_what_needs_libgit2),
		cmocka_unit_test(test_damaged_index),
		cmocka_unit_test(test_racy_entries_smudged),
		cmocka_unit_test(test_racy_same_second),
		cmocka_unit_test(test_replaced_meanwhile),
		cmocka_unit_test(test_many_pieces),
		cmocka_unit_test(test_lock_held),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
