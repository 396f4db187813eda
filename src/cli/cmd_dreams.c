/*
 * cmd_dreams.c: memgit dreams - every dream on the store, oldest first.
 */
#include <string.h>

#include "cli.h"
#include "util/clock.h"

typedef struct {
	mg_cli *cli;
	memgit_buf out;
	mg_jsonw w;
	size_t count;
} dreams_ctx;

static size_t refused_count(const memgit_dream *d)
{
	size_t n = 0;
	for (size_t i = 0; i < memgit_dream_edit_count(d); i++)
		n += memgit_dream_edit(d, i)->refused != NULL;
	return n;
}

static void json_dream(mg_jsonw *w, const memgit_dream *d, const char *when, size_t refused)
{
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "id");
	mg_jsonw_string(w, memgit_dream_id(d));
	mg_jsonw_key(w, "time");
	mg_jsonw_string(w, when);
	mg_jsonw_key(w, "status");
	mg_jsonw_string(w, memgit_dream_status(d));
	mg_jsonw_key(w, "commit");
	mg_jsonw_string(w, memgit_dream_commit(d));
	mg_jsonw_key(w, "base");
	mg_jsonw_string(w, memgit_dream_base(d));
	mg_jsonw_key(w, "dreamer");
	mg_jsonw_string(w, memgit_dream_dreamer(d));
	mg_jsonw_key(w, "sessions");
	mg_jsonw_array_open(w);
	for (size_t i = 0; i < memgit_dream_session_count(d); i++)
		mg_jsonw_string(w, memgit_dream_session(d, i));
	mg_jsonw_array_close(w);
	mg_jsonw_key(w, "edits");
	mg_jsonw_int(w, (int64_t)(memgit_dream_edit_count(d) - refused));
	mg_jsonw_key(w, "refused");
	mg_jsonw_int(w, (int64_t)refused);
	mg_jsonw_key(w, "iteration");
	mg_jsonw_int(w, memgit_dream_iteration(d));
	mg_jsonw_key(w, "verdict");
	mg_jsonw_string(w, *memgit_dream_verdict(d) ? memgit_dream_verdict(d) : NULL);
	mg_jsonw_key(w, "score");
	if (*memgit_dream_verdict(d))
		mg_jsonw_double(w, memgit_dream_score(d));
	else
		mg_jsonw_null(w);
	mg_jsonw_object_close(w);
}

/* "  satisfied (score 0.91, pass 2)", "  not graded" */
static int verdict_text(memgit_buf *out, const memgit_dream *d)
{
	if (!*memgit_dream_verdict(d))
		return mg_buf_puts(out, "  not graded\n");
	if (mg_buf_printf(out, "  %s (score %.2f", memgit_dream_verdict(d), memgit_dream_score(d)) < 0)
		return MEMGIT_ENOMEM;
	if (memgit_dream_iteration(d) > 1 &&
	    mg_buf_printf(out, ", pass %u", memgit_dream_iteration(d)) < 0)
		return MEMGIT_ENOMEM;
	return mg_buf_puts(out, ")\n");
}

static int one_dream(const memgit_dream *d, void *p)
{
	dreams_ctx *c = p;
	size_t refused = refused_count(d), sessions = memgit_dream_session_count(d);
	size_t edits = memgit_dream_edit_count(d) - refused;
	char when[21];

	mg_time_format(when, memgit_dream_time(d));
	c->count++;
	if (c->cli->json) {
		json_dream(&c->w, d, when, refused);
		return 0;
	}
	return mg_buf_printf(&c->out, "%s  %s  base %.7s  %zu session%s  %zu edit%s%s",
		memgit_dream_id(d), when, memgit_dream_base(d), sessions, sessions == 1 ? "" : "s",
		edits, edits == 1 ? "" : "s", refused ? " (" : "") < 0 ||
		(refused && mg_buf_printf(&c->out, "%zu refused)", refused) < 0) ||
		mg_buf_printf(&c->out, "  %s", memgit_dream_status(d)) < 0 ? MEMGIT_ENOMEM :
		verdict_text(&c->out, d);
}

int cmd_dreams(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	const mg_command *cmd = cli_find_command("dreams");
	dreams_ctx c;
	int code, at, rc;

	memset(&c, 0, sizeof(c));
	c.cli = cli;
	if ((at = cli_parse(cli, cmd, argc, argv, NULL, NULL, NULL, NULL, &code)) < 0)
		return code;
	if (at < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[at]);
	mg_jsonw_init(&c.w, &c.out, 1);
	if (cli->json)
		mg_jsonw_array_open(&c.w);
	rc = memgit_dream_foreach(store, one_dream, &c);
	if (cli->json) {
		mg_jsonw_array_close(&c.w);
		rc = rc < 0 ? rc : mg_jsonw_finish(&c.w);
	}
	if (rc < 0)
		code = cli_fail();
	else
		code = cli_write_out(&c.out);
	if (rc >= 0 && !c.count && !cli->json)
		cli_info(cli, "no dreams yet (run 'memgit dream')");
	memgit_buf_dispose(&c.out);
	return code;
}
