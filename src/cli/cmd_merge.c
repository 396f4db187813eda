/*
 * cmd_merge.c: memgit merge ID [--force] - merge a satisfied dream into the
 * memory branch; memgit revert ID - undo a merged dream. Both print the
 * new commit, or the conflicting memories (exit 1).
 */
#include <string.h>

#include "cli.h"

static int force_opt(int opt, const char *arg, void *p)
{
	(void)arg;
	if (opt != 'f')
		return MG_EXIT_USAGE;
	*(int *)p = 1;
	return 0;
}

static int report(mg_cli *cli, const char *verb, const char *id, int rc, memgit_merge_result *res)
{
	memgit_buf out = MEMGIT_BUF_INIT;
	int code;

	if (rc == MEMGIT_ECONFLICT) {
		code = cli_fail();
		if (!cli->quiet)
			fprintf(stderr, "conflicts (changed on the memory branch since):\n%s",
				mg_buf_cstr(&res->conflicts));
		return code;
	}
	if (rc < 0)
		return cli_fail();
	id = res->dream[0] ? res->dream : id;
	if (cli->json)
		mg_buf_printf(&out, "{\"id\": \"%s\", \"commit\": \"%s\", \"parent\": \"%s\", "
			"\"reapplied\": %s}\n", id, res->commit, res->parent, res->reapplied ? "true" : "false");
	else
		mg_buf_printf(&out, "%s dream %s: %.7s on %.7s%s\n", verb, id, res->commit, res->parent,
			res->reapplied ? " (re-applied: the branch had moved)" : "");
	code = cli_write_out(&out);
	memgit_buf_dispose(&out);
	return code;
}

int cmd_merge(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const mg_command *cmd = cli_find_command("merge");
	memgit_merge_options opts = MEMGIT_MERGE_OPTIONS_INIT;
	memgit_merge_result res = MEMGIT_MERGE_RESULT_INIT;
	int code, at;

	if ((at = cli_parse(cli, cmd, argc, argv, NULL, longopts, force_opt, &opts.force, &code)) < 0)
		return code;
	if (argc - at != 1)
		return cli_usage_error(cmd, at == argc ? "which dream? give its ID" : "too many arguments");
	code = report(cli, "merged", argv[at], memgit_dream_merge(&res, store, argv[at], &opts), &res);
	if (code == MG_EXIT_OK)
		cli_notify(cli, store, "dream.merged", res.dream, "merge_commit", res.commit);
	memgit_merge_result_dispose(&res);
	return code;
}

int cmd_revert(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	const mg_command *cmd = cli_find_command("revert");
	memgit_merge_result res = MEMGIT_MERGE_RESULT_INIT;
	int code, at;

	if ((at = cli_parse(cli, cmd, argc, argv, NULL, NULL, NULL, NULL, &code)) < 0)
		return code;
	if (argc - at != 1)
		return cli_usage_error(cmd, at == argc ? "which dream? give its ID" : "too many arguments");
	code = report(cli, "reverted", argv[at], memgit_dream_revert(&res, store, argv[at]), &res);
	memgit_merge_result_dispose(&res);
	return code;
}

static int why_opt(int opt, const char *arg, void *p)
{
	if (opt != 'm')
		return MG_EXIT_USAGE;
	*(const char **)p = arg;
	return 0;
}

int cmd_reject(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	const mg_command *cmd = cli_find_command("reject");
	const char *why = NULL;
	int code, at;

	if ((at = cli_parse(cli, cmd, argc, argv, "m:", NULL, why_opt, &why, &code)) < 0)
		return code;
	if (argc - at != 1)
		return cli_usage_error(cmd, at == argc ? "which dream? give its ID" : "too many arguments");
	if (memgit_dream_reject(store, argv[at], why) < 0)
		return cli_fail();
	cli_info(cli, "rejected dream %s", argv[at]);
	cli_notify(cli, store, "dream.rejected", argv[at], "why", why);
	return MG_EXIT_OK;
}
