/* test_util.c: JSON writer, time and ids, string map, writer lock. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/jsonw.h"
#include "util/lock.h"
#include "util/strmap.h"
#include "util/sha1.h"

static void test_jsonw(void **state)
{
	memgit_buf out = MEMGIT_BUF_INIT;
	mg_jsonw w;
	(void)state;

	mg_jsonw_init(&w, &out, 0);
	mg_jsonw_object_open(&w);
	mg_jsonw_key(&w, "s");
	mg_jsonw_string_len(&w, "a\"b\\c\n\x01\xff\xc3\xa9", 10);
	mg_jsonw_key(&w, "list");
	mg_jsonw_array_open(&w);
	mg_jsonw_int(&w, -3);
	mg_jsonw_bool(&w, 1);
	mg_jsonw_null(&w);
	mg_jsonw_object_open(&w);
	mg_jsonw_object_close(&w);
	mg_jsonw_array_close(&w);
	mg_jsonw_key(&w, "n");
	mg_jsonw_string(&w, NULL);
	mg_jsonw_object_close(&w);
	assert_int_equal(mg_jsonw_finish(&w), 0);
	assert_string_equal(out.ptr,
		"{\"s\":\"a\\\"b\\\\c\\n\\u0001\xef\xbf\xbd\xc3\xa9\",\"list\":[-3,true,null,{}],\"n\":null}");
	/* the same document pretty-printed is valid JSON for jq */
	memgit_buf_dispose(&out);
	mg_jsonw_init(&w, &out, 1);
	mg_jsonw_array_open(&w);
	mg_jsonw_object_open(&w);
	mg_jsonw_key(&w, "k");
	mg_jsonw_array_open(&w);
	mg_jsonw_string(&w, "v");
	mg_jsonw_array_close(&w);
	mg_jsonw_object_close(&w);
	mg_jsonw_array_close(&w);
	mg_jsonw_finish(&w);
	assert_string_equal(out.ptr, "[\n  {\n    \"k\": [\n      \"v\"\n    ]\n  }\n]\n");
	memgit_buf_dispose(&out);
}

/* 100 levels (front matter may nest 64 inside the export's wrapping) stay
 * valid JSON; the writer once stopped counting at 63 */
static void test_jsonw_deep(void **state)
{
	memgit_buf out = MEMGIT_BUF_INIT;
	mg_jsonw w;
	char *check = NULL;
	(void)state;

	mg_jsonw_init(&w, &out, 0);
	for (int i = 0; i < 100; i++) {
		mg_jsonw_object_open(&w);
		mg_jsonw_key(&w, "a");
		mg_jsonw_int(&w, i);
		mg_jsonw_key(&w, "b");
	}
	mg_jsonw_null(&w);
	for (int i = 0; i < 100; i++)
		mg_jsonw_object_close(&w);
	assert_int_equal(mg_jsonw_finish(&w), 0);
	t_write_file("/tmp/memgit-jsonw-deep.json", out.ptr, out.size);
	assert_int_equal(t_sh(&check, "jq -c '[paths] | length' /tmp/memgit-jsonw-deep.json"), 0);
	assert_string_equal(check, "200\n");
	free(check);
	unlink("/tmp/memgit-jsonw-deep.json");
	memgit_buf_dispose(&out);
}

static void test_time(void **state)
{
	char s[21];
	(void)state;
	assert_int_equal(mg_time_parse("1970-01-01"), 0);
	assert_int_equal(mg_time_parse("2026-11-20T21:44:00Z"), 1795211040);
	assert_int_equal(mg_time_parse("2026-11-20T22:44:00+01:00"), 1795211040);
	assert_int_equal(mg_time_parse("2026-11-20T21:44:00.123Z"), 1795211040);
	assert_int_equal(mg_time_parse("2026-13-01"), -1);
	assert_int_equal(mg_time_parse("2026-11-20T21:44"), -1);
	assert_int_equal(mg_time_parse("yesterday"), -1);
	mg_time_format(s, 1795211040);
	assert_string_equal(s, "2026-11-20T21:44:00Z");
	setenv("MEMGIT_NOW", "2026-11-20T21:44:00Z", 1);
	assert_int_equal(mg_now(), 1795211040);
	setenv("MEMGIT_NOW", "86400", 1);
	assert_int_equal(mg_now(), 86400);
	unsetenv("MEMGIT_NOW");
}

static void test_ulid(void **state)
{
	char a[27], b[27];
	(void)state;
	assert_int_equal(mg_ulid(a), 0);
	assert_int_equal(mg_ulid(b), 0);
	assert_int_equal(strlen(a), 26);
	assert_string_not_equal(a, b);
	assert_int_equal(strspn(a, "0123456789ABCDEFGHJKMNPQRSTVWXYZ"), 26);
	/* the first 10 characters encode the time and sort with it */
	assert_true(a[0] <= '7');
	assert_true(strncmp(a, b, 10) <= 0);
}

static void test_strmap(void **state)
{
	mg_strmap m = MG_STRMAP_INIT;
	char key[32];
	size_t v;
	(void)state;
	for (size_t i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		assert_int_equal(mg_strmap_set(&m, key, i), 0);
	}
	assert_int_equal(m.count, 5000);
	assert_int_equal(mg_strmap_set(&m, "k42", 7), 0);
	assert_int_equal(m.count, 5000);
	assert_true(mg_strmap_get(&m, "k42", &v));
	assert_int_equal(v, 7);
	assert_true(mg_strmap_get(&m, "k4999", &v));
	assert_int_equal(v, 4999);
	assert_false(mg_strmap_get(&m, "k5000", &v));
	mg_strmap_dispose(&m);
	assert_false(mg_strmap_get(&m, "k1", &v));
}

/* A record left by a dead holder names the git lock files to remove. */
static void test_lock_recovers_dead_holder(void **state)
{
	const char *dir = t_tmpdir(0);
	char rec[1200], reflock[512], other[512];
	mg_lock lk = MG_LOCK_INIT;
	(void)state;

	snprintf(reflock, sizeof(reflock), "%s/main.lock", dir);
	snprintf(other, sizeof(other), "%s/foreign.lock", dir);
	t_write_file(reflock, "x", 1);
	t_write_file(other, "x", 1);
	snprintf(rec, sizeof(rec), "%s/memgit", dir);
	mkdir(rec, 0755);
	snprintf(rec, sizeof(rec), "pid 999999\nlock %s\n", reflock);
	{
		char p[600];
		snprintf(p, sizeof(p), "%s/memgit/write.lock", dir);
		t_write_file(p, rec, strlen(rec));
	}
	assert_int_equal(mg_lock_acquire(&lk, dir, mg_monotonic_ms() + 1000), 0);
	assert_int_equal(lk.recovered, 1);
	assert_int_equal(access(reflock, F_OK), -1);
	assert_int_equal(access(other, F_OK), 0); /* not named: never touched */
	mg_lock_release(&lk);
	/* a clean release leaves no record: nothing to recover next time */
	assert_int_equal(mg_lock_acquire(&lk, dir, mg_monotonic_ms() + 1000), 0);
	assert_int_equal(lk.recovered, 0);
	mg_lock_release(&lk);
}

/* A ref lock is removed only when it holds what the dead writer wrote. */
static void test_lock_recovers_only_its_own_ref_lock(void **state)
{
	const char *dir = t_tmpdir(2);
	char mine[512], theirs[512], rec[1400], p[600];
	mg_lock lk = MG_LOCK_INIT;
	(void)state;

	snprintf(mine, sizeof(mine), "%s/a.lock", dir);
	snprintf(theirs, sizeof(theirs), "%s/b.lock", dir);
	t_write_file(mine, "1111111111111111111111111111111111111111\n", 41);
	t_write_file(theirs, "2222222222222222222222222222222222222222\n", 41);
	{
		/* killed between creating the lock and writing it: empty, recovered */
		char empty[512];
		snprintf(empty, sizeof(empty), "%s/c.lock", dir);
		t_write_file(empty, "", 0);
	}
	snprintf(p, sizeof(p), "%s/memgit", dir);
	mkdir(p, 0755);
	snprintf(rec, sizeof(rec), "pid 999999\nlockif 1111111111111111111111111111111111111111 %s\n"
		"lockif 1111111111111111111111111111111111111111 %s\n"
		"lockif 3333333333333333333333333333333333333333 %s/c.lock\n", mine, theirs, dir);
	snprintf(p, sizeof(p), "%s/memgit/write.lock", dir);
	t_write_file(p, rec, strlen(rec));
	assert_int_equal(mg_lock_acquire(&lk, dir, mg_monotonic_ms() + 1000), 0);
	assert_int_equal(access(mine, F_OK), -1);
	assert_int_equal(access(theirs, F_OK), 0); /* taken by someone since: kept */
	snprintf(p, sizeof(p), "%s/c.lock", dir);
	assert_int_equal(access(p, F_OK), -1);
	mg_lock_release(&lk);
}

/* The record is overwritten and cut, never emptied: after a write it names
 * exactly the locks of that write (nothing left from a longer one before),
 * a finished write leaves nothing to recover, and the file keeps its disk
 * block (emptying it would free the block, a synchronous discard on file
 * systems mounted with `discard`). */
static void test_lock_record_cycle(void **state)
{
	const char *dir = t_tmpdir(3);
	char p[600], a[600], b[600], *rec;
	const char *two[] = { a, b, NULL }, *one[] = { a, NULL };
	mg_lock lk = MG_LOCK_INIT;
	struct stat st;
	size_t len;
	(void)state;

	snprintf(p, sizeof(p), "%s/memgit/write.lock", dir);
	snprintf(a, sizeof(a), "%s/a-long-name-for-a-lock-file.lock", dir);
	snprintf(b, sizeof(b), "%s/b.lock", dir);
	assert_int_equal(mg_lock_acquire(&lk, dir, mg_monotonic_ms() + 1000), 0);
	assert_int_equal(mg_lock_intend(&lk, two, NULL), 0);
	assert_int_equal(mg_lock_done(&lk), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 1);
	assert_true(st.st_blocks > 0);
	assert_int_equal(mg_lock_intend(&lk, one, NULL), 0);
	rec = t_read_file(p, &len);
	assert_non_null(strstr(rec, a));
	assert_null(strstr(rec, "b.lock")); /* nothing of the longer record */
	assert_int_equal(len, strlen(rec));
	free(rec);
	assert_int_equal(mg_lock_done(&lk), 0);
	mg_lock_release(&lk);
	/* locks of finished writes are never recovered */
	t_write_file(a, "x", 1);
	t_write_file(b, "x", 1);
	assert_int_equal(mg_lock_acquire(&lk, dir, mg_monotonic_ms() + 1000), 0);
	assert_int_equal(lk.recovered, 0);
	assert_int_equal(access(a, F_OK), 0);
	assert_int_equal(access(b, F_OK), 0);
	/* a holder killed after recording: its locks are recovered */
	assert_int_equal(mg_lock_intend(&lk, two, NULL), 0);
	close(lk.fd); /* dies: no done, no release */
	lk.fd = -1;
	assert_int_equal(mg_lock_acquire(&lk, dir, mg_monotonic_ms() + 1000), 0);
	assert_int_equal(lk.recovered, 1);
	assert_int_equal(access(a, F_OK), -1);
	assert_int_equal(access(b, F_OK), -1);
	mg_lock_release(&lk);
}

/* A lock file named by identity (mg_lock_created) is removed after a crash
 * only while it is the very file the holder made: one made at that path
 * since (git taking the lock) is kept. Two records in one hold leave no
 * trace of the first. */
static void test_lock_created_by_identity(void **state)
{
	const char *dir = t_tmpdir(5);
	char p[600], lockf[600], other[600], *rec;
	const char *longer[] = { other, lockf, NULL }, *shorter[] = { lockf, NULL };
	mg_lock lk = MG_LOCK_INIT;
	struct stat st;
	(void)state;

	snprintf(p, sizeof(p), "%s/memgit/write.lock", dir);
	snprintf(lockf, sizeof(lockf), "%s/index.lock", dir);
	snprintf(other, sizeof(other), "%s/some-much-longer-lock-file-name.lock", dir);
	/* recorded, then the holder dies: recovered */
	assert_int_equal(mg_lock_acquire(&lk, dir, mg_monotonic_ms() + 1000), 0);
	t_write_file(lockf, "x", 1);
	assert_int_equal(stat(lockf, &st), 0);
	assert_int_equal(mg_lock_created(&lk, lockf, &st), 0);
	close(lk.fd);
	lk.fd = -1;
	assert_int_equal(mg_lock_acquire(&lk, dir, mg_monotonic_ms() + 1000), 0);
	assert_int_equal(lk.recovered, 1);
	assert_int_equal(access(lockf, F_OK), -1);
	/* recorded, the file replaced by another one, the holder dies: kept */
	t_write_file(lockf, "x", 1);
	assert_int_equal(stat(lockf, &st), 0);
	assert_int_equal(mg_lock_created(&lk, lockf, &st), 0);
	close(lk.fd);
	lk.fd = -1;
	{
		char tmp[640];
		snprintf(tmp, sizeof(tmp), "%s.new", lockf);
		t_write_file(tmp, "git's", 5);
		assert_int_equal(rename(tmp, lockf), 0);
	}
	assert_int_equal(mg_lock_acquire(&lk, dir, mg_monotonic_ms() + 1000), 0);
	assert_int_equal(lk.recovered, 0);
	assert_int_equal(access(lockf, F_OK), 0);
	unlink(lockf);
	/* a longer record, then a shorter one in the same hold */
	assert_int_equal(mg_lock_intend(&lk, longer, NULL), 0);
	assert_int_equal(mg_lock_intend(&lk, shorter, NULL), 0);
	rec = t_read_file(p, NULL);
	assert_null(strstr(rec, "much-longer"));
	free(rec);
	mg_lock_release(&lk);
}

/* mg_fs_write_file overwrites in place: a shorter text leaves nothing of a
 * longer one, and the file keeps its block. */
static void test_write_file_in_place(void **state)
{
	const char *dir = t_tmpdir(4);
	char p[600], *got;
	struct stat st;
	size_t len;
	(void)state;

	snprintf(p, sizeof(p), "%s/rec", dir);
	assert_int_equal(mg_fs_write_file(p, "a much longer first version\n", 28), 0);
	assert_int_equal(mg_fs_write_file(p, "short\n", 6), 0);
	got = t_read_file(p, &len);
	assert_int_equal(len, 6);
	assert_memory_equal(got, "short\n", 6);
	free(got);
	assert_int_equal(stat(p, &st), 0);
	assert_true(st.st_blocks > 0);
}

/* A live holder is waited for, and the wait is bounded. */
static void test_lock_live_holder(void **state)
{
	const char *dir = t_tmpdir(1);
	mg_lock lk = MG_LOCK_INIT;
	int ready[2];
	pid_t pid;
	char c;
	(void)state;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	if (pid == 0) {
		mg_lock mine = MG_LOCK_INIT;
		const char *paths[] = { "/nonexistent/should-not-matter.lock", NULL };
		if (mg_lock_acquire(&mine, dir, mg_monotonic_ms() + 1000) < 0 ||
		    mg_lock_intend(&mine, paths, NULL) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		mg_sleep_ms(600);
		mg_lock_release(&mine);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(mg_lock_acquire(&lk, dir, mg_monotonic_ms() + 100), MEMGIT_EBUSY);
	assert_non_null(strstr(memgit_error_last()->message, "store busy"));
	assert_int_equal(mg_lock_acquire(&lk, dir, mg_monotonic_ms() + 5000), 0);
	mg_lock_release(&lk);
	{
		int st;
		waitpid(pid, &st, 0);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	close(ready[0]);
	close(ready[1]);
}

static void sha1_hex(const void *data, size_t len, size_t reps, char out[41])
{
	unsigned char d[20];
	mg_sha1 c;
	mg_sha1_init(&c);
	for (size_t i = 0; i < reps; i++)
		mg_sha1_update(&c, data, len);
	mg_sha1_final(&c, d);
	for (int i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* FIPS 180 test vectors, on both code paths (the CPU's SHA instructions
 * when it has them, and the portable rounds); packs and the index depend on
 * this. */
static void test_sha1(void **state)
{
	char hex[41];
	int had = mg_sha1_accelerated(-1);
	(void)state;
	for (int hw = 0; hw < 2; hw++) {
		mg_sha1_accelerated(hw);
		sha1_hex("", 0, 1, hex);
		assert_string_equal(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
		sha1_hex("abc", 3, 1, hex);
		assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
		sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, 1, hex);
		assert_string_equal(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
		sha1_hex("a", 1, 1000000, hex);
		assert_string_equal(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
		/* 64 bytes at a time: whole blocks straight from the buffer */
		sha1_hex("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64, 15625, hex);
		assert_string_equal(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	}
	mg_sha1_accelerated(had);
}

/* Every length from 0 to 300 fed in uneven pieces: both code paths and one
 * update of the whole buffer agree (the padding edges are at 55/56/64). */
static void test_sha1_paths_agree(void **state)
{
	unsigned char buf[300], whole[20], pieces[20], other[20];
	int had = mg_sha1_accelerated(-1);
	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 131 + 7);
	for (size_t len = 0; len <= sizeof(buf); len++) {
		mg_sha1 c;
		mg_sha1_accelerated(1);
		mg_sha1_init(&c);
		mg_sha1_update(&c, buf, len);
		mg_sha1_final(&c, whole);
		mg_sha1_init(&c);
		for (size_t at = 0, step = 1; at < len; at += step, step = step * 3 % 71 + 1)
			mg_sha1_update(&c, buf + at, step < len - at ? step : len - at);
		mg_sha1_final(&c, pieces);
		assert_memory_equal(whole, pieces, 20);
		mg_sha1_accelerated(0);
		mg_sha1_init(&c);
		mg_sha1_update(&c, buf, len);
		mg_sha1_final(&c, other);
		assert_memory_equal(whole, other, 20);
	}
	mg_sha1_accelerated(had);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonw),
		cmocka_unit_test(test_jsonw_deep),
		cmocka_unit_test(test_sha1),
		cmocka_unit_test(test_sha1_paths_agree),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_ulid),
		cmocka_unit_test(test_strmap),
		cmocka_unit_test(test_lock_recovers_dead_holder),
		cmocka_unit_test(test_lock_recovers_only_its_own_ref_lock),
		cmocka_unit_test(test_lock_record_cycle),
		cmocka_unit_test(test_lock_created_by_identity),
		cmocka_unit_test(test_write_file_in_place),
		cmocka_unit_test(test_lock_live_holder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
