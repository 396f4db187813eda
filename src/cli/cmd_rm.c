#include "cli.h"

static int msg_opt(int opt, const char *arg, void *p)
{
	if (opt != 'm')
		return MG_EXIT_USAGE;
	*(const char **)p = arg;
	return 0;
}

/* rm and mv: queue changes, commit once, report. */
static int commit_batch(mg_cli *cli, memgit_batch *batch, const char *message, const char *what)
{
	memgit_commit_options co = MEMGIT_COMMIT_OPTIONS_INIT;
	memgit_commit_result res;
	memgit_buf out = MEMGIT_BUF_INIT;
	int code = MG_EXIT_OK;

	co.message = message;
	if (memgit_batch_commit(&res, batch, &co) < 0)
		return cli_fail();
	if (cli->json) {
		mg_jsonw w;
		mg_jsonw_init(&w, &out, 1);
		mg_jsonw_object_open(&w);
		mg_jsonw_key(&w, "removed");
		mg_jsonw_int(&w, (int64_t)res.removed);
		mg_jsonw_key(&w, "moved");
		mg_jsonw_int(&w, (int64_t)res.moved);
		cli_json_commit(&w, &res);
		mg_jsonw_object_close(&w);
		code = mg_jsonw_finish(&w) < 0 ? cli_fail() : cli_write_out(&out);
		memgit_buf_dispose(&out);
	}
	cli_report_commit(cli, &res, what);
	return code;
}

int cmd_rm(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	const mg_command *cmd = cli_find_command("rm");
	const char *message = NULL;
	memgit_batch *batch = NULL;
	int code, at;

	if ((at = cli_parse(cli, cmd, argc, argv, "m:", longopts, msg_opt, &message, &code)) < 0)
		return code;
	if (at == argc)
		return cli_usage_error(cmd, "which memory? give a PATH");
	if (memgit_batch_new(&batch, store) < 0) {
		code = cli_fail();
		goto done;
	}
	for (int i = at; i < argc; i++)
		if (memgit_batch_remove(batch, argv[i]) < 0) {
			code = cli_fail();
			goto done;
		}
	code = commit_batch(cli, batch, message, argc - at == 1 ? "deleted 1 memory" : "deleted memories");
done:
	memgit_batch_free(batch);
	return code;
}

int cmd_mv(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	const mg_command *cmd = cli_find_command("mv");
	const char *message = NULL;
	memgit_batch *batch = NULL;
	int code, at;

	if ((at = cli_parse(cli, cmd, argc, argv, "m:", longopts, msg_opt, &message, &code)) < 0)
		return code;
	if (argc - at != 2)
		return cli_usage_error(cmd, "give OLD and NEW");
	if (memgit_batch_new(&batch, store) < 0 || memgit_batch_move(batch, argv[at], argv[at + 1]) < 0)
		code = cli_fail();
	else
		code = commit_batch(cli, batch, message, "moved 1 memory");
	memgit_batch_free(batch);
	return code;
}
