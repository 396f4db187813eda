#include "cli.h"

typedef struct {
	mg_cli *cli;
	memgit_import_options opts;
	size_t skipped;
} import_ctx;

static int import_opt(int opt, const char *arg, void *p)
{
	import_ctx *c = p;
	switch (opt) {
	case 'p': c->opts.prefix = arg; return 0;
	case 'r': c->opts.raw = 1; return 0;
	case 'm': c->opts.message = arg; return 0;
	}
	return MG_EXIT_USAGE;
}

static void on_skip(const char *file, const char *why, void *p)
{
	import_ctx *c = p;
	c->skipped++;
	cli_info(c->cli, "memgit: skipped '%s': %s", file, why);
}

int cmd_import(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "prefix", required_argument, NULL, 'p' },
		{ "raw", no_argument, NULL, 'r' },
		{ "message", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	const mg_command *cmd = cli_find_command("import");
	import_ctx c = { cli, MEMGIT_IMPORT_OPTIONS_INIT, 0 };
	memgit_commit_result res;
	memgit_buf out = MEMGIT_BUF_INIT, what = MEMGIT_BUF_INIT;
	int code = MG_EXIT_OK, at;

	if ((at = cli_parse(cli, cmd, argc, argv, "m:", longopts, import_opt, &c, &code)) < 0)
		return code;
	if (at == argc)
		return cli_usage_error(cmd, "what to import? give files or folders");
	if (memgit_import(&res, store, (const char *const *)argv + at, (size_t)(argc - at), &c.opts,
		    on_skip, &c) < 0)
		return cli_fail();
	if (cli->json) {
		mg_jsonw w;
		mg_jsonw_init(&w, &out, 1);
		mg_jsonw_object_open(&w);
		mg_jsonw_key(&w, "created");
		mg_jsonw_int(&w, (int64_t)res.created);
		mg_jsonw_key(&w, "updated");
		mg_jsonw_int(&w, (int64_t)res.updated);
		mg_jsonw_key(&w, "skipped");
		mg_jsonw_int(&w, (int64_t)c.skipped);
		cli_json_commit(&w, &res);
		mg_jsonw_object_close(&w);
		code = mg_jsonw_finish(&w) < 0 ? cli_fail() : cli_write_out(&out);
	}
	mg_buf_printf(&what, "imported %zu memories (%zu new, %zu updated)",
		res.created + res.updated, res.created, res.updated);
	cli_report_commit(cli, &res, what.ptr);
	memgit_buf_dispose(&out);
	memgit_buf_dispose(&what);
	return code;
}
