#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct {
	memgit_put_options opts;
	const char *message, *file;
	char *tags[64];
	size_t ntags;
} put_ctx;

/* --tag a,b and --tag a --tag b both add tags. */
static int add_tags(put_ctx *c, const char *arg)
{
	const char *p = arg;
	while (*p) {
		size_t n = strcspn(p, ",");
		while (n && p[n - 1] == ' ')
			n--;
		if (n) {
			if (c->ntags == 64)
				return cli_usage_error(cli_find_command("put"), "too many tags (at most 64)");
			if (!(c->tags[c->ntags++] = strndup(p, n)))
				return MG_EXIT_INTERNAL;
		}
		p += strcspn(p, ",");
		while (*p == ',' || *p == ' ')
			p++;
	}
	return 0;
}

static int put_opt(int opt, const char *arg, void *p)
{
	put_ctx *c = p;
	switch (opt) {
	case 'm': c->message = arg; return 0;
	case 'F': c->file = arg; return 0;
	case 'T': c->opts.title = arg; return 0;
	case 'K': c->opts.kind = arg; return 0;
	case 'G': return add_tags(c, arg);
	case 'P': c->opts.pinned = 1; return 0;
	case 'U': c->opts.pinned = 0; return 0;
	}
	return MG_EXIT_USAGE;
}

static int put_run(mg_cli *cli, memgit_store *store, put_ctx *c, const char *path)
{
	const mg_command *cmd = cli_find_command("put");
	memgit_buf body = MEMGIT_BUF_INIT, rel = MEMGIT_BUF_INIT, out = MEMGIT_BUF_INIT;
	memgit_commit_result res;
	memgit_batch *batch = NULL;
	size_t cap = memgit_store_limits(store)->memory_max_bytes;
	int code = MG_EXIT_OK;

	if (c->message && c->file)
		return cli_usage_error(cmd, "give -m or -F, not both");
	if (!c->message && !c->file && isatty(STDIN_FILENO))
		return cli_usage_error(cmd, "no content: give -m TEXT, -F FILE or pipe it on standard input");
	if (memgit_path_normalize(&rel, path) < 0) {
		code = cli_fail();
		goto done;
	}
	/* the library refuses an oversized memory; the reader only bounds memory use */
	/* -m TEXT is a line of text: end it with a newline as git does */
	if (c->message ? mg_buf_printf(&body, "%s%s", c->message,
			   *c->message && c->message[strlen(c->message) - 1] == '\n' ? "" : "\n") < 0 :
			 cli_read_input(&body, c->file, cap) < 0) {
		code = cli_fail();
		goto done;
	}
	c->opts.tags = (const char *const *)c->tags;
	c->opts.ntags = c->ntags;
	if (memgit_batch_new(&batch, store) < 0 ||
	    memgit_batch_put(batch, path, body.ptr ? body.ptr : "", body.size, &c->opts) < 0 ||
	    memgit_batch_commit(&res, batch, NULL) < 0) {
		code = cli_fail();
		goto done;
	}
	if (cli->json) {
		mg_jsonw w;
		mg_jsonw_init(&w, &out, 1);
		mg_jsonw_object_open(&w);
		mg_jsonw_key(&w, "path");
		mg_jsonw_string(&w, rel.ptr);
		mg_jsonw_key(&w, "action");
		mg_jsonw_string(&w, res.created ? "created" : "updated");
		cli_json_commit(&w, &res);
		mg_jsonw_object_close(&w);
		code = mg_jsonw_finish(&w) < 0 ? cli_fail() : cli_write_out(&out);
	}
	mg_buf_clear(&out);
	mg_buf_printf(&out, "%s memories/%s", res.created ? "created" : "updated", rel.ptr);
	cli_report_commit(cli, &res, out.ptr);
done:
	memgit_batch_free(batch);
	memgit_buf_dispose(&body);
	memgit_buf_dispose(&rel);
	memgit_buf_dispose(&out);
	return code;
}

int cmd_put(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "file", required_argument, NULL, 'F' },
		{ "title", required_argument, NULL, 'T' },
		{ "kind", required_argument, NULL, 'K' },
		{ "tag", required_argument, NULL, 'G' },
		{ "pin", no_argument, NULL, 'P' },
		{ "no-pin", no_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 }
	};
	put_ctx c = { MEMGIT_PUT_OPTIONS_INIT };
	const mg_command *cmd = cli_find_command("put");
	int code, at;

	if ((at = cli_parse(cli, cmd, argc, argv, "m:F:", longopts, put_opt, &c, &code)) >= 0) {
		if (argc - at != 1)
			code = cli_usage_error(cmd, argc == at ? "which memory? give a PATH" : "too many arguments");
		else
			code = put_run(cli, store, &c, argv[at]);
	}
	for (size_t i = 0; i < c.ntags; i++)
		free(c.tags[i]);
	return code;
}
