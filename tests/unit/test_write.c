/*
 * test_write.c: the store and its one write path, through the public API,
 * on real repositories checked with the git CLI.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "memgit.h"

static memgit_store *new_store(int bare)
{
	memgit_init_options o = MEMGIT_INIT_OPTIONS_INIT;
	memgit_store *s = NULL;
	char path[512];

	o.bare = bare;
	snprintf(path, sizeof(path), "%s/store", t_tmpdir(0));
	assert_int_equal(memgit_store_init(&s, path, &o), 0);
	return s;
}

static int put(memgit_store *s, const char *path, const char *body)
{
	memgit_batch *b = NULL;
	int rc = memgit_batch_new(&b, s);
	if (rc == 0)
		rc = memgit_batch_put(b, path, body, strlen(body), NULL);
	if (rc == 0)
		rc = memgit_batch_commit(NULL, b, NULL);
	memgit_batch_free(b);
	return rc;
}

static char *read_mem(memgit_store *s, const char *path)
{
	memgit_buf b = MEMGIT_BUF_INIT;
	if (memgit_store_read(&b, s, path) < 0)
		return NULL;
	return b.ptr; /* owned: free() */
}

/* Count of all objects in the repository, to prove refusals write nothing. */
static long object_count(memgit_store *s)
{
	char *out = NULL;
	long n;
	t_sh(&out, "git --git-dir='%s' cat-file --batch-all-objects --batch-check | wc -l",
		memgit_store_gitdir(s));
	n = atol(out);
	free(out);
	return n;
}

static void test_init_scaffold(void **state)
{
	memgit_store *s = new_store(0), *again = NULL;
	char *out = NULL;
	(void)state;

	assert_string_equal(memgit_store_branch(s), "main");
	assert_non_null(memgit_store_workdir(s));
	assert_int_equal(t_sh(&out, "cd '%s' && git ls-tree -r --name-only main && git status --porcelain",
		memgit_store_workdir(s)), 0);
	assert_string_equal(out, "memgit.yaml\nrubrics/default.yaml\n");
	free(out);
	assert_int_equal(memgit_store_limits(s)->memory_max_bytes, 100 * 1024);
	/* a second init is refused; open and discover find it */
	assert_int_equal(memgit_store_init(&again, memgit_store_workdir(s), NULL), MEMGIT_EEXISTS);
	assert_null(again);
	assert_int_equal(memgit_store_open(&again, memgit_store_workdir(s)), 0);
	memgit_store_free(again);
	memgit_store_free(s);
}

static void test_open_errors(void **state)
{
	memgit_store *s = NULL;
	const char *dir = t_tmpdir(1);
	(void)state;

	assert_int_equal(memgit_store_open(&s, dir), MEMGIT_ENOTFOUND);
	assert_non_null(strstr(memgit_error_last()->message, "no git repository"));
	assert_int_equal(t_sh(NULL, "git init -q '%s/plain'", dir), 0);
	{
		char p[512];
		snprintf(p, sizeof(p), "%s/plain", dir);
		assert_int_equal(memgit_store_open(&s, p), MEMGIT_ENOTSTORE);
	}
	assert_null(s);
}

static void test_put_fills_and_keeps(void **state)
{
	memgit_store *s = new_store(0);
	memgit_put_options o = MEMGIT_PUT_OPTIONS_INIT;
	const char *tags[] = { "a", "b c" };
	memgit_batch *b = NULL;
	memgit_commit_result r;
	char *v1, *v2, *id1;
	(void)state;

	setenv("MEMGIT_NOW", "2026-01-02T03:04:05Z", 1);
	o.kind = "fact";
	o.tags = tags;
	o.ntags = 2;
	o.pinned = 1;
	assert_int_equal(memgit_batch_new(&b, s), 0);
	assert_int_equal(memgit_batch_put(b, "/memories/f.md", "body one\n", 9, &o), 0);
	assert_int_equal(memgit_batch_commit(&r, b, NULL), 0);
	memgit_batch_free(b);
	assert_int_equal(r.created, 1);
	assert_int_equal(r.attempts, 1);
	v1 = read_mem(s, "f.md");
	assert_non_null(strstr(v1, "\nkind: fact\ntags: [a, b c]\npinned: true\n"
		"created: 2026-01-02T03:04:05Z\nupdated: 2026-01-02T03:04:05Z\n---\nbody one\n"));
	assert_memory_equal(v1, "---\nid: ", 8);
	id1 = strndup(v1 + 8, 26);

	/* an update with a plain body keeps id, created and the other keys */
	setenv("MEMGIT_NOW", "2026-02-03T00:00:00Z", 1);
	assert_int_equal(put(s, "memories/f.md", "body two\n"), 0);
	v2 = read_mem(s, "f.md");
	assert_memory_equal(v2 + 8, id1, 26);
	assert_non_null(strstr(v2, "created: 2026-01-02T03:04:05Z\nupdated: 2026-02-03T00:00:00Z\n---\nbody two\n"));
	assert_non_null(strstr(v2, "kind: fact"));
	/* the same content again changes nothing, even later */
	setenv("MEMGIT_NOW", "2026-03-01T00:00:00Z", 1);
	assert_int_equal(put(s, "f.md", "body two\n"), MEMGIT_ENOTHING);
	assert_non_null(strstr(memgit_error_last()->message, "already has that content"));
	/* front-matter options need a markdown memory */
	{
		memgit_batch *y = NULL;
		assert_int_equal(memgit_batch_new(&y, s), 0);
		assert_int_equal(memgit_batch_put(y, "c.yaml", "a: 1\n", 5, &o), MEMGIT_EINPUT);
		memgit_batch_free(y);
	}
	unsetenv("MEMGIT_NOW");
	free(v1);
	free(v2);
	free(id1);
	memgit_store_free(s);
}

static void test_batch_one_commit(void **state)
{
	memgit_store *s = new_store(1);
	memgit_batch *b = NULL;
	memgit_commit_result r;
	char *out = NULL;
	(void)state;

	assert_int_equal(put(s, "old.md", "x\n"), 0);
	assert_int_equal(memgit_batch_new(&b, s), 0);
	assert_int_equal(memgit_batch_put_raw(b, "a/one.md", "1\n", 2), 0);
	assert_int_equal(memgit_batch_put_raw(b, "a/two.yaml", "k: v\n", 5), 0);
	assert_int_equal(memgit_batch_move(b, "old.md", "a/old.md"), 0);
	assert_int_equal(memgit_batch_remove(b, "a/one.md"), 0);
	assert_int_equal(memgit_batch_count(b), 4);
	assert_int_equal(memgit_batch_commit(&r, b, NULL), 0);
	memgit_batch_free(b);
	assert_int_equal(t_sh(&out, "git --git-dir='%s' ls-tree -r --name-only main memories && "
		"git --git-dir='%s' log --format=%%s -1", memgit_store_gitdir(s), memgit_store_gitdir(s)), 0);
	assert_string_equal(out, "memories/a/old.md\nmemories/a/two.yaml\n"
		"memory: 4 changes (2 created, 0 updated, 1 deleted, 1 moved)\n");
	free(out);
	assert_int_equal(t_sh(NULL, "git --git-dir='%s' fsck --strict --no-progress 2>/dev/null",
		memgit_store_gitdir(s)), 0);
	memgit_store_free(s);
}

static void test_refusals_write_nothing(void **state)
{
	memgit_store *s = new_store(1);
	char head[41], head2[41], big[110 * 1024];
	long objects;
	(void)state;

	assert_int_equal(put(s, "Notes/x.md", "x\n"), 0);
	assert_int_equal(memgit_store_head(head, s), 0);
	objects = object_count(s);
	assert_int_equal(put(s, "../x.md", "y"), MEMGIT_EPATH);
	assert_int_equal(put(s, "notes/y.md", "y"), MEMGIT_EPATH); /* folder case clash */
	assert_non_null(strstr(memgit_error_last()->why, "letter case"));
	assert_int_equal(put(s, "Notes/X.md", "y"), MEMGIT_EPATH);
	assert_int_equal(put(s, "Notes/x.md/y.md", "y"), MEMGIT_EEXISTS);
	assert_int_equal(put(s, "Notes", "y"), MEMGIT_EPATH); /* no extension */
	assert_int_equal(put(s, "k.md", "token ghp_abcdefghijklmnopqrstuvwxyz0123456789AB\n"), MEMGIT_ESECRET);
	assert_null(strstr(memgit_error_last()->message, "ghp_abc"));
	assert_int_equal(put(s, "y.md", "---\na: &x 1\nb: *x\n---\n"), MEMGIT_EYAML);
	assert_int_equal(put(s, "y.md", "bad \xff utf8"), MEMGIT_EINPUT);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(put(s, "big.md", big), MEMGIT_ELIMIT);
	assert_int_equal(memgit_store_head(head2, s), 0);
	assert_string_equal(head, head2);
	assert_int_equal(object_count(s), objects);
	memgit_store_free(s);
}

static void test_remove_move_errors(void **state)
{
	memgit_store *s = new_store(1);
	memgit_batch *b = NULL;
	(void)state;

	assert_int_equal(put(s, "a.md", "a\n"), 0);
	assert_int_equal(put(s, "b.md", "b\n"), 0);
	assert_int_equal(memgit_batch_new(&b, s), 0);
	assert_int_equal(memgit_batch_remove(b, "nope.md"), 0);
	assert_int_equal(memgit_batch_commit(NULL, b, NULL), MEMGIT_ENOTFOUND);
	memgit_batch_free(b);
	assert_int_equal(memgit_batch_new(&b, s), 0);
	assert_int_equal(memgit_batch_move(b, "a.md", "b.md"), 0);
	assert_int_equal(memgit_batch_commit(NULL, b, NULL), MEMGIT_EEXISTS);
	memgit_batch_free(b);
	/* a case-only rename of the same memory is allowed */
	assert_int_equal(memgit_batch_new(&b, s), 0);
	assert_int_equal(memgit_batch_move(b, "a.md", "A.md"), 0);
	assert_int_equal(memgit_batch_commit(NULL, b, NULL), 0);
	memgit_batch_free(b);
	assert_int_equal(memgit_batch_new(&b, s), 0);
	assert_int_equal(memgit_batch_commit(NULL, b, NULL), MEMGIT_ENOTHING);
	memgit_batch_free(b);
	memgit_store_free(s);
}

static void test_store_limit(void **state)
{
	memgit_store *s = new_store(0);
	memgit_store *again = NULL;
	memgit_batch *b = NULL;
	const char *wd;
	(void)state;

	wd = memgit_store_workdir(s);
	/* lower the limit through memgit.yaml, committed with plain git */
	assert_int_equal(t_sh(NULL, "cd '%s' && sed -i 's/store_max_memories: 10000/store_max_memories: 2/' memgit.yaml "
		"&& git commit -qam 'limit 2'", wd), 0);
	assert_int_equal(memgit_store_open(&again, wd), 0);
	assert_int_equal(memgit_store_limits(again)->store_max_memories, 2);
	assert_int_equal(put(again, "1.md", "1"), 0);
	assert_int_equal(memgit_batch_new(&b, again), 0);
	memgit_batch_put_raw(b, "2.md", "2", 1);
	memgit_batch_put_raw(b, "3.md", "3", 1);
	assert_int_equal(memgit_batch_commit(NULL, b, NULL), MEMGIT_ELIMIT);
	memgit_batch_free(b);
	assert_int_equal(put(again, "2.md", "2"), 0);
	memgit_store_free(again);
	memgit_store_free(s);
}

/* The count a write remembers (.git/memgit/count) is used only for exactly
 * the tree it was taken of: a commit made with plain git, a malformed or a
 * foreign record all mean counting again, so the limit holds. */
static void test_store_limit_count_cache(void **state)
{
	memgit_store *s = new_store(0), *again = NULL;
	char count[600], *rec, *tree = NULL;
	const char *wd = memgit_store_workdir(s);
	(void)state;

	assert_int_equal(t_sh(NULL, "cd '%s' && sed -i 's/store_max_memories: 10000/store_max_memories: 3/' memgit.yaml "
		"&& git commit -qam 'limit 3'", wd), 0);
	assert_int_equal(memgit_store_open(&again, wd), 0);
	snprintf(count, sizeof(count), "%s/.git/memgit/count", wd);
	assert_int_equal(put(again, "1.md", "1"), 0);
	assert_int_equal(put(again, "2.md", "2"), 0);
	assert_int_equal(t_sh(&tree, "cd '%s' && git rev-parse main^{tree} | tr -d '\\n'", wd), 0);
	rec = t_read_file(count, NULL);
	assert_non_null(rec);
	assert_memory_equal(rec, tree, 40);
	assert_memory_equal(rec + 40, " 2 ", 3);
	assert_memory_equal(rec + 43, tree, 40);
	free(rec);
	free(tree);
	/* a memory committed with plain git: the record is for another tree */
	assert_int_equal(t_sh(NULL, "cd '%s' && echo g > memories/g.md && git add memories/g.md "
		"&& git commit -qm 'by hand'", wd), 0);
	assert_int_equal(put(again, "3.md", "3"), MEMGIT_ELIMIT);
	assert_non_null(strstr(memgit_error_last()->message, "4 memories, limit 3"));
	/* a record of the right tree that does not parse is not believed, nor
	 * one torn by a rewrite (the new id, the old digits, not the new id) */
	assert_int_equal(t_sh(NULL, "cd '%s' && t=$(git rev-parse main^{tree}) && printf '%%s 1x %%s\\n' $t $t "
		"> .git/memgit/count", wd), 0);
	assert_int_equal(put(again, "3.md", "3"), MEMGIT_ELIMIT);
	assert_int_equal(t_sh(NULL, "cd '%s' && printf '%%s 1 %%s\\n' $(git rev-parse main^{tree}) "
		"$(git rev-parse main^^{tree}) > .git/memgit/count", wd), 0);
	assert_int_equal(put(again, "3.md", "3"), MEMGIT_ELIMIT);
	t_write_file(count, "", 0);
	assert_int_equal(put(again, "3.md", "3"), MEMGIT_ELIMIT);
	/* a removal keeps the record in step: 2 left, then one more fits */
	{
		memgit_batch *b = NULL;
		assert_int_equal(memgit_batch_new(&b, again), 0);
		assert_int_equal(memgit_batch_remove(b, "g.md"), 0);
		assert_int_equal(memgit_batch_commit(NULL, b, NULL), 0);
		memgit_batch_free(b);
	}
	assert_int_equal(put(again, "3.md", "3"), 0);
	assert_int_equal(put(again, "4.md", "4"), MEMGIT_ELIMIT);
	rec = t_read_file(count, NULL);
	assert_memory_equal(rec + 40, " 3 ", 3);
	free(rec);
	/* and a well-formed record of the tip's tree is believed as it is:
	 * that is the walk it saves (a record saying 0 lets one more in) */
	assert_int_equal(t_sh(NULL, "cd '%s' && t=$(git rev-parse main^{tree}) && printf '%%s 0 %%s\\n' $t $t "
		"> .git/memgit/count", wd), 0);
	assert_int_equal(put(again, "4.md", "4"), 0);
	memgit_store_free(again);
	memgit_store_free(s);
}

static void test_bad_config(void **state)
{
	memgit_store *s = new_store(0), *again = NULL;
	(void)state;

	assert_int_equal(t_sh(NULL, "cd '%s' && printf 'limits:\\n  memory_max_bytes: lots\\n' > memgit.yaml "
		"&& git commit -qam 'bad'", memgit_store_workdir(s)), 0);
	assert_int_equal(memgit_store_open(&again, memgit_store_workdir(s)), MEMGIT_EYAML);
	assert_string_equal(memgit_error_last()->message,
		"invalid configuration 'memgit.yaml': line 2, column 21: memory_max_bytes: expected a whole number from 1 upwards");
	memgit_store_free(s);
}

static void test_worktree_follows_and_refuses(void **state)
{
	memgit_store *s = new_store(0);
	char path[600], *out = NULL;
	long objects;
	(void)state;

	assert_int_equal(put(s, "w.md", "v1\n"), 0);
	snprintf(path, sizeof(path), "%s/memories/w.md", memgit_store_workdir(s));
	{
		char *disk = t_read_file(path, NULL), *blob = read_mem(s, "w.md");
		assert_non_null(disk);
		assert_string_equal(disk, blob);
		free(disk);
		free(blob);
	}
	t_write_file(path, "edited by hand\n", 15);
	objects = object_count(s);
	assert_int_equal(put(s, "w.md", "v2\n"), MEMGIT_EDIRTY);
	assert_non_null(strstr(memgit_error_last()->message, "memories/w.md"));
	assert_int_equal(object_count(s), objects);
	/* other memories can still be written; the hand edit survives */
	assert_int_equal(put(s, "other.md", "o\n"), 0);
	free(t_read_file(path, NULL));
	{
		char *disk = t_read_file(path, NULL);
		assert_string_equal(disk, "edited by hand\n");
		free(disk);
	}
	assert_int_equal(t_sh(&out, "cd '%s' && git status --porcelain", memgit_store_workdir(s)), 0);
	assert_string_equal(out, " M memories/w.md\n");
	free(out);
	memgit_store_free(s);
}

/* A writer killed after moving the branch but before syncing the work tree
 * leaves the last synced version on disk: that is not a hand edit. */
static void test_worktree_after_unsynced_move(void **state)
{
	memgit_store *s = new_store(0);
	const char *wd;
	(void)state;

	wd = memgit_store_workdir(s);
	assert_int_equal(put(s, "w.md", "v1\n"), 0);
	/* move main to a commit changing w.md without touching the work tree */
	assert_int_equal(t_sh(NULL, "cd '%s' && b=$(printf 'v2\\n' | git hash-object -w --stdin) && "
		"git read-tree --index-output=.git/tmpidx main && "
		"GIT_INDEX_FILE=.git/tmpidx git update-index --cacheinfo 100644,$b,memories/w.md && "
		"t=$(GIT_INDEX_FILE=.git/tmpidx git write-tree) && rm .git/tmpidx && "
		"c=$(git commit-tree -p main -m unsynced $t) && git update-ref refs/heads/main $c", wd), 0);
	assert_int_equal(put(s, "w.md", "v3\n"), 0);
	{
		char path[600], *disk;
		snprintf(path, sizeof(path), "%s/memories/w.md", wd);
		disk = t_read_file(path, NULL);
		assert_non_null(strstr(disk, "v3\n"));
		free(disk);
	}
	memgit_store_free(s);
}

/* A hand edit the user staged is still a hand edit. */
static void test_worktree_staged_edit_refused(void **state)
{
	memgit_store *s = new_store(0);
	(void)state;
	assert_int_equal(put(s, "w.md", "v1\n"), 0);
	assert_int_equal(t_sh(NULL, "cd '%s' && echo staged > memories/w.md && git add memories/w.md",
		memgit_store_workdir(s)), 0);
	assert_int_equal(put(s, "w.md", "v2\n"), MEMGIT_EDIRTY);
	memgit_store_free(s);
}

/* Writes never touch what the user staged or added elsewhere in the tree. */
static void test_worktree_keeps_staged_work(void **state)
{
	memgit_store *s = new_store(0);
	char *out = NULL;
	const char *wd;
	(void)state;

	wd = memgit_store_workdir(s);
	assert_int_equal(put(s, "mine.md", "v1\n"), 0);
	assert_int_equal(t_sh(NULL, "cd '%s' && echo staged-edit > memories/mine.md && "
		"echo new > notes.txt && git add memories/mine.md notes.txt", wd), 0);
	assert_int_equal(put(s, "other.md", "o\n"), 0);
	assert_int_equal(put(s, "other.md", "o2\n"), 0);
	assert_int_equal(t_sh(&out, "cd '%s' && cat memories/mine.md notes.txt && git status --porcelain", wd), 0);
	assert_string_equal(out, "staged-edit\nnew\nM  memories/mine.md\nA  notes.txt\n");
	free(out);
	memgit_store_free(s);
}

/* A large batch writes its blobs as one pack: everything readable, fsck
 * clean, the work tree in step, and no loose blob left behind. */
static void test_large_batch_is_packed(void **state)
{
	memgit_store *s = new_store(0);
	memgit_batch *b = NULL;
	char path[64], body[64], *out = NULL;
	(void)state;

	assert_int_equal(memgit_batch_new(&b, s), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "bulk/m%03d.md", i);
		snprintf(body, sizeof(body), "bulk memory %d\n", i);
		assert_int_equal(memgit_batch_put_raw(b, path, body, strlen(body)), 0);
	}
	assert_int_equal(memgit_batch_commit(NULL, b, NULL), 0);
	memgit_batch_free(b);
	{
		char *m = read_mem(s, "bulk/m299.md");
		assert_string_equal(m, "bulk memory 299\n");
		free(m);
	}
	assert_int_equal(t_sh(&out, "cd '%s' && ls .git/objects/pack/*.pack | wc -l && "
		"git count-objects -v | grep '^in-pack' && git fsck --strict --no-progress 2>&1 && "
		"git status --porcelain && cat memories/bulk/m007.md", memgit_store_workdir(s)), 0);
	assert_string_equal(out, "1\nin-pack: 300\nbulk memory 7\n");
	free(out);
	memgit_store_free(s);
}

static void test_log(void **state)
{
	memgit_store *s = new_store(1);
	(void)state;
	assert_int_equal(put(s, "l.md", "1\n"), 0);
	assert_int_equal(put(s, "other.md", "1\n"), 0);
	assert_int_equal(put(s, "l.md", "2\n"), 0);
	{
		struct { size_t n; char subjects[4][80]; } seen = { 0 };
		int cb(const memgit_commit_info *c, void *p);
		assert_int_equal(memgit_log_foreach(s, "l.md", 0, cb, &seen), 0);
		assert_int_equal(seen.n, 2);
		assert_string_equal(seen.subjects[0], "memory: update l.md");
		assert_string_equal(seen.subjects[1], "memory: create l.md");
		seen.n = 0;
		assert_int_equal(memgit_log_foreach(s, NULL, 3, cb, &seen), 0);
		assert_int_equal(seen.n, 3);
	}
	memgit_store_free(s);
}

int cb(const memgit_commit_info *c, void *p)
{
	struct { size_t n; char subjects[4][80]; } *seen = p;
	if (seen->n < 4)
		snprintf(seen->subjects[seen->n], 80, "%s", c->subject);
	seen->n++;
	return 0;
}

static void test_error_last_never_null(void **state)
{
	(void)state;
	memgit_error_clear();
	assert_non_null(memgit_error_last());
	assert_int_equal(memgit_error_last()->code, MEMGIT_OK);
	assert_non_null(memgit_error_last()->message);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_last_never_null),
		cmocka_unit_test(test_init_scaffold),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_put_fills_and_keeps),
		cmocka_unit_test(test_batch_one_commit),
		cmocka_unit_test(test_refusals_write_nothing),
		cmocka_unit_test(test_remove_move_errors),
		cmocka_unit_test(test_store_limit),
		cmocka_unit_test(test_store_limit_count_cache),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_worktree_follows_and_refuses),
		cmocka_unit_test(test_worktree_after_unsynced_move),
		cmocka_unit_test(test_worktree_staged_edit_refused),
		cmocka_unit_test(test_worktree_keeps_staged_work),
		cmocka_unit_test(test_large_batch_is_packed),
		cmocka_unit_test(test_log),
	};
	int rc;
	setenv("HOME", t_tmpdir(7), 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	t_sh(NULL, "git config --global user.name t && git config --global user.email t@t.invalid");
	memgit_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	memgit_shutdown();
	return rc;
}
