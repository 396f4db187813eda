#include "cli.h"

int cmd_show(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	const mg_command *cmd = cli_find_command("show");
	memgit_buf data = MEMGIT_BUF_INIT, rel = MEMGIT_BUF_INIT, out = MEMGIT_BUF_INIT;
	int code, at;

	if ((at = cli_parse(cli, cmd, argc, argv, "", NULL, NULL, NULL, &code)) < 0)
		return code;
	if (argc - at != 1)
		return cli_usage_error(cmd, argc == at ? "which memory? give a PATH" : "too many arguments");
	if (memgit_path_normalize(&rel, argv[at]) < 0 || memgit_store_read(&data, store, argv[at]) < 0)
		code = cli_fail();
	else if (!cli->json)
		code = cli_write_out(&data);
	else if (memgit_memory_json(&out, rel.ptr, data.ptr, data.size, memgit_store_limits(store)) < 0)
		code = cli_fail();
	else
		code = cli_write_out(&out);
	memgit_buf_dispose(&data);
	memgit_buf_dispose(&rel);
	memgit_buf_dispose(&out);
	return code;
}
