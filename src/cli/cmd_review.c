/*
 * cmd_review.c: memgit review ID - what a dream changes and why.
 */
#include <string.h>

#include "cli.h"

static int review_opt(int opt, const char *arg, void *p)
{
	memgit_review_format *fmt = p;

	(void)arg;
	if (opt != 'M')
		return MG_EXIT_USAGE;
	*fmt = MEMGIT_REVIEW_MARKDOWN;
	return 0;
}

int cmd_review(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "markdown", no_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 }
	};
	const mg_command *cmd = cli_find_command("review");
	memgit_review_format fmt = MEMGIT_REVIEW_TEXT;
	memgit_buf out = MEMGIT_BUF_INIT;
	memgit_dream *d = NULL;
	int code, at;

	if ((at = cli_parse(cli, cmd, argc, argv, NULL, longopts, review_opt, &fmt, &code)) < 0)
		return code;
	if (argc - at != 1)
		return cli_usage_error(cmd, at == argc ? "which dream? give its ID" : "too many arguments");
	if (cli->json && fmt == MEMGIT_REVIEW_MARKDOWN)
		return cli_usage_error(cmd, "give --markdown or --json, not both");
	if (cli->json)
		fmt = MEMGIT_REVIEW_JSON;
	if (memgit_dream_load(&d, store, argv[at]) < 0 || memgit_dream_review(&out, store, d, fmt) < 0)
		code = cli_fail();
	else
		code = cli_write_out(&out);
	memgit_dream_free(d);
	memgit_buf_dispose(&out);
	return code;
}
