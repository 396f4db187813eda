#include <string.h>

#include "cli.h"
#include "util/fs.h"

typedef struct {
	const char *format, *output;
} export_ctx;

static int export_opt(int opt, const char *arg, void *p)
{
	export_ctx *c = p;
	switch (opt) {
	case 'f': c->format = arg; return 0;
	case 'o': c->output = arg; return 0;
	}
	return MG_EXIT_USAGE;
}

int cmd_export(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const mg_command *cmd = cli_find_command("export");
	export_ctx c = { NULL, NULL };
	memgit_buf out = MEMGIT_BUF_INIT;
	size_t count = 0;
	int code, at;

	if ((at = cli_parse(cli, cmd, argc, argv, "o:", longopts, export_opt, &c, &code)) < 0)
		return code;
	if (at != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[at]);
	if (!c.format)
		return cli_usage_error(cmd, "give --format dir or --format json");
	if (strcmp(c.format, "dir") == 0) {
		if (!c.output)
			return cli_usage_error(cmd, "--format dir needs -o OUT");
		if (memgit_export_dir(store, c.output, &count) < 0)
			return cli_fail();
		cli_info(cli, "exported %zu memories to %s", count, c.output);
		return MG_EXIT_OK;
	}
	if (strcmp(c.format, "json") != 0)
		return cli_usage_error(cmd, "unknown format '%s' (dir or json)", c.format);
	if (memgit_export_json(&out, store) < 0)
		code = cli_fail();
	else if (c.output)
		code = mg_fs_write_atomic(c.output, out.ptr, out.size) < 0 ? cli_fail() : MG_EXIT_OK;
	else
		code = cli_write_out(&out);
	memgit_buf_dispose(&out);
	return code;
}
