/*
 * cmd_grade.c: memgit grade ID - score a dream against the rubric and
 * record the outcome in its note. Exit 0 when satisfied, 1 otherwise; 5
 * when a judge's model request failed (nothing recorded).
 */
#include <string.h>

#include "cli.h"

static int grade_opt(int opt, const char *arg, void *p)
{
	memgit_grade_options *o = p;

	switch (opt) {
	case 'r':
		o->rubric = arg;
		return 0;
	case 'J':
		o->judge = arg;
		return 0;
	case 'M':
		o->model = arg;
		return 0;
	case 'R':
		o->replay = arg;
		return 0;
	default:
		return MG_EXIT_USAGE;
	}
}

int cli_print_outcome(mg_cli *cli, const memgit_dream *d)
{
	memgit_buf out = MEMGIT_BUF_INIT;
	int code;

	if (cli->json) {
		code = mg_buf_printf(&out, "%s\n", memgit_dream_outcome(d) ? memgit_dream_outcome(d) :
			"null");
	} else {
		mg_buf_printf(&out, "dream %s: %s, score %.3f\n", memgit_dream_id(d),
			memgit_dream_verdict(d), memgit_dream_score(d));
		code = memgit_dream_outcome_text(&out, d) < 0 ? -1 : 0;
	}
	code = code < 0 ? cli_fail() : cli_write_out(&out);
	memgit_buf_dispose(&out);
	return code;
}

int cmd_grade(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rubric", required_argument, NULL, 'r' },
		{ "judge", required_argument, NULL, 'J' },
		{ "model", required_argument, NULL, 'M' },
		{ "replay", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	const mg_command *cmd = cli_find_command("grade");
	memgit_grade_options opts = MEMGIT_GRADE_OPTIONS_INIT;
	memgit_dream *d = NULL;
	int code, at;

	if ((at = cli_parse(cli, cmd, argc, argv, NULL, longopts, grade_opt, &opts, &code)) < 0)
		return code;
	if (argc - at != 1)
		return cli_usage_error(cmd, at == argc ? "which dream? give its ID" : "too many arguments");
	if (opts.replay && opts.judge && strcmp(opts.judge, "replay") != 0)
		return cli_usage_error(cmd, "--replay goes with --judge replay");
	if (memgit_dream_grade(&d, store, argv[at], &opts) < 0)
		return cli_fail();
	code = cli_print_outcome(cli, d);
	cli_notify(cli, store, "dream.graded", memgit_dream_id(d), NULL, NULL);
	if (code == MG_EXIT_OK && strcmp(memgit_dream_verdict(d), "satisfied") != 0)
		code = MG_EXIT_NEGATIVE;
	memgit_dream_free(d);
	return code;
}
