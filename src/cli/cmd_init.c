#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
	memgit_init_options opts;
} init_ctx;

static int init_opt(int opt, const char *arg, void *p)
{
	init_ctx *c = p;
	switch (opt) {
	case 'b': c->opts.bare = 1; return 0;
	case 'B': c->opts.branch = arg; return 0;
	case 'N': c->opts.name = arg; return 0;
	}
	return MG_EXIT_USAGE;
}

int cmd_init(mg_cli *cli, memgit_store *unused, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bare", no_argument, NULL, 'b' },
		{ "branch", required_argument, NULL, 'B' },
		{ "name", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	init_ctx c = { MEMGIT_INIT_OPTIONS_INIT };
	const mg_command *cmd = cli_find_command("init");
	const char *dir = getenv("MEMGIT_DIR");
	memgit_store *store = NULL;
	char head[41] = "";
	int code, at;

	(void)unused;
	if ((at = cli_parse(cli, cmd, argc, argv, "", longopts, init_opt, &c, &code)) < 0)
		return code;
	if (argc - at > 1)
		return cli_usage_error(cmd, "too many arguments");
	dir = at < argc ? argv[at] : (dir && *dir ? dir : ".");
	if (memgit_store_init(&store, dir, &c.opts) < 0)
		return cli_fail();
	memgit_store_head(head, store);
	if (cli->json) {
		memgit_buf out = MEMGIT_BUF_INIT;
		mg_jsonw w;
		mg_jsonw_init(&w, &out, 1);
		mg_jsonw_object_open(&w);
		mg_jsonw_key(&w, "gitdir");
		mg_jsonw_string(&w, memgit_store_gitdir(store));
		mg_jsonw_key(&w, "workdir");
		mg_jsonw_string(&w, memgit_store_workdir(store));
		mg_jsonw_key(&w, "branch");
		mg_jsonw_string(&w, memgit_store_branch(store));
		mg_jsonw_key(&w, "commit");
		mg_jsonw_string(&w, head);
		mg_jsonw_object_close(&w);
		code = mg_jsonw_finish(&w) < 0 ? cli_fail() : cli_write_out(&out);
		memgit_buf_dispose(&out);
	} else {
		cli_info(cli, "initialised memgit store in %s (branch %s, %.7s)",
			memgit_store_workdir(store) ? memgit_store_workdir(store) : memgit_store_gitdir(store),
			memgit_store_branch(store), head);
		code = MG_EXIT_OK;
	}
	if (memgit_store_workdir(store) && !memgit_store_checked_out(store))
		cli_warn("the work tree is on another branch; memory lives on branch '%s' "
			"(git checkout %s to see its files)", memgit_store_branch(store),
			memgit_store_branch(store));
	memgit_store_free(store);
	return code;
}
