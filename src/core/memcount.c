/*
 * memcount.c: how many memories a tree holds, remembered between processes.
 *
 * The store's memory limit needs the count of the tip before every write that
 * adds memories, and counting reads every folder under memories/ (one tree
 * object each: sixty reads for a thousand memories in topic folders). The
 * last count is therefore kept in .git/memgit/count as "<root tree id>
 * <count> <root tree id>", written by the writer that made that tree. The key is the whole
 * root tree, so a count can only be reused for exactly the tree it was taken
 * of; anything else (no file, another tree, a malformed line) means counting.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memcount.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#define MG_COUNT_FILE "memgit/count"

static int count_blob(const char *root, const git_tree_entry *e, void *payload)
{
	(void)root;
	if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
		(*(size_t *)payload)++;
	return 0;
}

size_t mg_memcount_walk(memgit_store *s, const git_tree *root)
{
	git_tree_entry *e = NULL;
	git_tree *mem = NULL;
	size_t n = 0;

	if (root && git_tree_entry_bypath(&e, root, MG_MEMORIES_DIR) == 0 &&
	    git_tree_entry_type(e) == GIT_OBJECT_TREE &&
	    git_tree_lookup(&mem, s->repo, git_tree_entry_id(e)) == 0)
		git_tree_walk(mem, GIT_TREEWALK_PRE, count_blob, &n);
	git_tree_free(mem);
	git_tree_entry_free(e);
	return n;
}

int mg_memcount_cached(memgit_store *s, const git_oid *root, size_t *out)
{
	char line[128], hex[GIT_OID_HEXSZ + 1], *end;
	memgit_buf path = MEMGIT_BUF_INIT;
	unsigned long long n;
	ssize_t got = -1;
	int fd;

	if (mg_buf_printf(&path, "%s/" MG_COUNT_FILE, s->gitdir) < 0)
		return 0;
	if ((fd = open(path.ptr, O_RDONLY | O_CLOEXEC)) >= 0) {
		got = read(fd, line, sizeof(line) - 1);
		close(fd);
	}
	memgit_buf_dispose(&path);
	/* exactly "<40 hex> <decimal> <the same 40 hex>\n": the id at both
	 * ends, so that a read racing a rewrite in place (new id, old digits)
	 * cannot pass for a record */
	if (got < 2 * GIT_OID_HEXSZ + 4)
		return 0;
	line[got] = '\0';
	git_oid_tostr(hex, sizeof(hex), root);
	if (memcmp(line, hex, GIT_OID_HEXSZ) != 0 || line[GIT_OID_HEXSZ] != ' ' ||
	    line[GIT_OID_HEXSZ + 1] < '0' || line[GIT_OID_HEXSZ + 1] > '9')
		return 0;
	errno = 0;
	n = strtoull(line + GIT_OID_HEXSZ + 1, &end, 10);
	if (errno || *end != ' ' || strlen(end + 1) != GIT_OID_HEXSZ + 1 ||
	    memcmp(end + 1, hex, GIT_OID_HEXSZ) != 0 || end[1 + GIT_OID_HEXSZ] != '\n')
		return 0;
	*out = (size_t)n;
	return 1;
}

void mg_memcount_remember(memgit_store *s, const git_oid *root, size_t count)
{
	memgit_buf path = MEMGIT_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1], line[128];
	int len;

	git_oid_tostr(hex, sizeof(hex), root);
	len = snprintf(line, sizeof(line), "%s %zu %s\n", hex, count, hex);
	/* in place, not by rename: creating and deleting an inode per write
	 * costs more than the count saves on file systems without a journal
	 * (ext4 skips recently freed inodes one by one). A torn line does not
	 * parse, and the next write counts. */
	if (mg_buf_printf(&path, "%s/" MG_COUNT_FILE, s->gitdir) == 0 &&
	    mg_fs_write_file(path.ptr, line, (size_t)len) < 0)
		memgit_error_clear(); /* a cache: a failed write only costs a count later */
	memgit_buf_dispose(&path);
}
