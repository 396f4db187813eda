/*
 * test_dream_revise.c: grading inside memgit_dream_run and the revision
 * passes: a failed criterion's memories are dropped and the rest committed
 * as the next pass on the same branch; loading gives the last pass; a pass
 * is published only where the previous one left the branch; no grading
 * for --no-grade and dry runs; a rubric that cannot be read refuses the
 * dream before anything is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dream/dream_internal.h"
#include "dream_fixture.h"

static memgit_store *S;

static int setup(void **state)
{
	(void)state;
	S = fx_store();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	memgit_store_free(S);
	S = NULL;
	return 0;
}

/* The first edit creates notes/new.md without the id and created keys a
 * memory with front matter must carry: the default rubric's `valid` fails
 * on it, and only on it. */
#define REVISE \
	"{'edits':[" \
	"{'kind':'create','path':'notes/new.md','content':'---\\nkind: fact\\n---\\nnew fact\\n'," \
	" 'rationale':'new fact seen','evidence':['cc-11111111#0-2']}," \
	"{'kind':'update','path':'notes/a.md','content':'alpha v2\\n'," \
	" 'rationale':'alpha changed','evidence':['cc-22222222#4']}," \
	"{'kind':'move','path':'facts/e.md','to':'facts/epsilon.md','rationale':'better name'," \
	" 'evidence':['memory:facts/e.md']}]}"

static void test_second_pass_drops_the_blamed_edit(void **state)
{
	memgit_dream_options o = MEMGIT_DREAM_OPTIONS_INIT;
	char *before = fx_main_state(S), *after, *out, *base = fx_git(S, "git rev-parse main");
	memgit_dream *d = NULL, *l = NULL;
	const memgit_dream_pass *p;
	(void)state;

	assert_int_equal(fx_replay_run(&d, S, REVISE, &o), 0);
	assert_int_equal(memgit_dream_iteration(d), 2);
	assert_string_equal(memgit_dream_verdict(d), "satisfied");
	assert_int_equal(memgit_dream_pass_count(d), 2);
	p = memgit_dream_pass_at(d, 0);
	assert_int_equal(p->iteration, 1);
	assert_string_equal(p->verdict, "needs_revision");
	assert_string_equal(p->failed, "valid, no-regression");
	assert_int_equal(p->dropped, 1);
	p = memgit_dream_pass_at(d, 1);
	assert_int_equal(p->iteration, 2);
	assert_string_equal(p->verdict, "satisfied");
	assert_int_equal(p->dropped, 0);
	assert_null(p->stopped);
	assert_null(memgit_dream_pass_at(d, 2));
	assert_non_null(memgit_dream_edit(d, 0)->refused);
	assert_int_equal(strncmp(memgit_dream_edit(d, 0)->refused,
		"revision 2: dropped for failing valid: notes/new.md", 51), 0);
	assert_null(memgit_dream_edit(d, 1)->refused);
	/* two commits: pass 2 on pass 1 on the base; the tree has no notes/new.md */
	out = fx_git(S, "git rev-parse dream/%s~2 && git rev-parse dream/%s && "
		"git log -1 --format='%%(trailers:key=Dream-Iteration,valueonly)' dream/%s && "
		"git log -1 --format='%%(trailers:key=Dream-Iteration)' dream/%s~1 && "
		"git log -1 --format=%%s dream/%s && "
		"git cat-file -e dream/%s:memories/notes/new.md 2>/dev/null || echo gone",
		memgit_dream_id(d), memgit_dream_id(d), memgit_dream_id(d), memgit_dream_id(d),
		memgit_dream_id(d), memgit_dream_id(d));
	base[40] = '\0';
	assert_int_equal(strncmp(out, base, 40), 0);
	assert_int_equal(strncmp(out + 41, memgit_dream_commit(d), 40), 0);
	assert_string_equal(out + 82, "2\n\n\ndream: update 1, move 1 (1 dropped)\ngone\n");
	free(out);
	after = fx_main_state(S);
	assert_string_equal(after, before);
	/* loading gives the last pass, with every outcome */
	assert_int_equal(memgit_dream_load(&l, S, memgit_dream_id(d)), 0);
	assert_string_equal(memgit_dream_commit(l), memgit_dream_commit(d));
	assert_int_equal(memgit_dream_iteration(l), 2);
	assert_int_equal(memgit_dream_pass_count(l), 2);
	assert_int_equal(memgit_dream_pass_at(l, 0)->dropped, 1);
	assert_string_equal(memgit_dream_pass_at(l, 1)->verdict, "satisfied");
	assert_non_null(strstr(memgit_dream_edit(l, 0)->refused, "revision 2: dropped"));
	memgit_dream_free(l);
	memgit_dream_free(d);
	free(before);
	free(after);
	free(base);
}

static void test_pass_needs_the_branch_where_it_was(void **state)
{
	memgit_dream_options o = MEMGIT_DREAM_OPTIONS_INIT;
	memgit_dream *d = NULL;
	git_oid commit, wrong;
	char *tip, *tip2;
	(void)state;

	o.no_grade = 1;
	assert_int_equal(fx_replay_run(&d, S, FX_APPLY, &o), 0);
	tip = fx_git(S, "git rev-parse dream/%s", memgit_dream_id(d));
	assert_int_equal(git_oid_fromstr(&commit, memgit_dream_commit(d)), 0);
	assert_int_equal(git_oid_fromstr(&wrong, memgit_dream_base(d)), 0);
	d->pass = 2;
	assert_int_equal(mg_dream_publish(S, d, &commit, &wrong, "{}", 0), MEMGIT_ECONFLICT);
	assert_non_null(strstr(memgit_error_last()->message, "no longer at the previous pass"));
	tip2 = fx_git(S, "git rev-parse dream/%s", memgit_dream_id(d));
	assert_string_equal(tip2, tip);
	free(tip);
	free(tip2);
	memgit_dream_free(d);
}

static void test_not_graded(void **state)
{
	memgit_dream_options o = MEMGIT_DREAM_OPTIONS_INIT;
	memgit_dream *d = NULL;
	char *out;
	(void)state;

	o.no_grade = 1;
	assert_int_equal(fx_replay_run(&d, S, FX_APPLY, &o), 0);
	assert_string_equal(memgit_dream_verdict(d), "");
	assert_int_equal(memgit_dream_pass_count(d), 0);
	assert_int_equal(memgit_dream_iteration(d), 1);
	out = fx_git(S, "git notes --ref=memgit show dream/%s | grep -c outcomes; true",
		memgit_dream_id(d));
	assert_string_equal(out, "0\n");
	free(out);
	memgit_dream_free(d);
	d = NULL;
	o.no_grade = 0;
	o.dry_run = 1;
	assert_int_equal(fx_replay_run(&d, S, FX_APPLY, &o), 0);
	assert_string_equal(memgit_dream_status(d), "dry-run");
	assert_string_equal(memgit_dream_verdict(d), "");
	memgit_dream_free(d);
}

static void test_unreadable_rubric_refuses_first(void **state)
{
	memgit_dream_options o = MEMGIT_DREAM_OPTIONS_INIT;
	long objects = fx_objects(S);
	memgit_dream *d = NULL;
	char *refs = fx_git(S, "git for-each-ref"), *refs2;
	(void)state;

	o.rubric = "rubrics/missing.yaml";
	assert_int_equal(fx_replay_run(&d, S, FX_APPLY, &o), MEMGIT_ENOTFOUND);
	assert_null(d);
	assert_non_null(strstr(memgit_error_last()->message, "rubrics/missing.yaml"));
	assert_int_equal(fx_objects(S), objects);
	refs2 = fx_git(S, "git for-each-ref");
	assert_string_equal(refs2, refs);
	free(refs);
	free(refs2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_second_pass_drops_the_blamed_edit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pass_needs_the_branch_where_it_was, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_graded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_rubric_refuses_first, setup, teardown),
	};
	int rc;

	memgit_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	memgit_shutdown();
	return rc;
}
