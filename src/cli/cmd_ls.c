#include <string.h>

#include "cli.h"

typedef struct {
	mg_cli *cli;
	memgit_store *store;
	int lng;
	memgit_buf out, data;
	mg_jsonw w;
	int failed;
} ls_ctx;

static int ls_opt(int opt, const char *arg, void *p)
{
	(void)arg;
	if (opt != 'l')
		return MG_EXIT_USAGE;
	((ls_ctx *)p)->lng = 1;
	return 0;
}

/* Plain listing: a line per memory, printed as we go so large stores stream. */
static int ls_short(const memgit_entry_info *e, void *p)
{
	(void)p;
	fputs(e->path, stdout);
	fputc('\n', stdout);
	return 0;
}

static int ls_entry(const memgit_entry_info *e, void *p)
{
	ls_ctx *c = p;
	memgit_memory *m = NULL;
	const char *kind = NULL, *title = NULL, *updated = NULL;

	if (c->lng) {
		if (memgit_store_read(&c->data, c->store, e->path) < 0 ||
		    memgit_memory_parse(&m, e->path, c->data.ptr, c->data.size,
			    memgit_store_limits(c->store)) < 0) {
			c->failed = 1;
			return 1;
		}
		kind = memgit_memory_get(m, "kind");
		title = memgit_memory_get(m, "title");
		updated = memgit_memory_get(m, "updated");
	}
	if (c->cli->json) {
		mg_jsonw_object_open(&c->w);
		mg_jsonw_key(&c->w, "path");
		mg_jsonw_string(&c->w, e->path);
		mg_jsonw_key(&c->w, "blob");
		mg_jsonw_string(&c->w, e->blob);
		mg_jsonw_key(&c->w, "size");
		mg_jsonw_int(&c->w, (int64_t)e->size);
		if (c->lng) {
			const char *keys[] = { "id", "title", "kind", "created", "updated" };
			for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
				mg_jsonw_key(&c->w, keys[i]);
				mg_jsonw_string(&c->w, memgit_memory_get(m, keys[i]));
			}
			mg_jsonw_key(&c->w, "tags");
			mg_jsonw_array_open(&c->w);
			for (size_t i = 0; i < memgit_memory_list_count(m, "tags"); i++)
				mg_jsonw_string(&c->w, memgit_memory_list_item(m, "tags", i));
			mg_jsonw_array_close(&c->w);
		}
		mg_jsonw_object_close(&c->w);
	} else {
		mg_buf_printf(&c->out, "%-10s %7zu  %-20s  %s%s%s\n", kind ? kind : "-", e->size,
			updated ? updated : "-", e->path, title ? "  " : "", title ? title : "");
		if (c->out.size > 65536) {
			fwrite(c->out.ptr, 1, c->out.size, stdout);
			mg_buf_clear(&c->out);
		}
	}
	memgit_memory_free(m);
	return 0;
}

int cmd_ls(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "long", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	const mg_command *cmd = cli_find_command("ls");
	ls_ctx c;
	int code, at, rc;

	memset(&c, 0, sizeof(c));
	c.cli = cli;
	c.store = store;
	if ((at = cli_parse(cli, cmd, argc, argv, "l", longopts, ls_opt, &c, &code)) < 0)
		return code;
	if (argc - at > 1)
		return cli_usage_error(cmd, "too many arguments");
	if (!cli->json && !c.lng) {
		/* names only, like git ls-tree -r: no object is opened */
		rc = memgit_store_foreach_ext(store, at < argc ? argv[at] : NULL, 0, ls_short, NULL);
		return rc < 0 ? cli_fail() : (fflush(stdout) == 0 ? MG_EXIT_OK : MG_EXIT_INTERNAL);
	}
	mg_jsonw_init(&c.w, &c.out, 1);
	if (cli->json)
		mg_jsonw_array_open(&c.w);
	rc = memgit_store_foreach(store, at < argc ? argv[at] : NULL, ls_entry, &c);
	if (cli->json) {
		mg_jsonw_array_close(&c.w);
		mg_jsonw_finish(&c.w);
	}
	code = rc < 0 || c.failed ? cli_fail() : cli_write_out(&c.out);
	memgit_buf_dispose(&c.out);
	memgit_buf_dispose(&c.data);
	return code;
}
