/*
 * cmd_blame.c: memgit blame PATH - which dream, sessions and agents
 * produced a memory, and when.
 */
#include <string.h>

#include "cli.h"
#include "util/clock.h"

static void blame_json(memgit_buf *out, const memgit_blame_info *b, const char *when)
{
	mg_jsonw w;

	mg_jsonw_init(&w, out, 1);
	mg_jsonw_object_open(&w);
	mg_jsonw_key(&w, "path");
	mg_jsonw_string(&w, b->path);
	mg_jsonw_key(&w, "commit");
	mg_jsonw_string(&w, b->commit);
	mg_jsonw_key(&w, "time");
	mg_jsonw_string(&w, when);
	mg_jsonw_key(&w, "author");
	mg_jsonw_string(&w, b->author);
	mg_jsonw_key(&w, "subject");
	mg_jsonw_string(&w, b->subject);
	mg_jsonw_key(&w, "dream");
	mg_jsonw_string(&w, b->dream_id);
	mg_jsonw_key(&w, "dreamer");
	mg_jsonw_string(&w, b->dreamer);
	mg_jsonw_key(&w, "rationale");
	mg_jsonw_string(&w, b->rationale);
	mg_jsonw_key(&w, "sessions");
	mg_jsonw_array_open(&w);
	for (size_t i = 0; i < b->nsessions; i++) {
		mg_jsonw_object_open(&w);
		mg_jsonw_key(&w, "id");
		mg_jsonw_string(&w, b->sessions[i]);
		mg_jsonw_key(&w, "agent");
		mg_jsonw_string(&w, b->agents[i] && *b->agents[i] ? b->agents[i] : NULL);
		mg_jsonw_object_close(&w);
	}
	mg_jsonw_array_close(&w);
	mg_jsonw_object_close(&w);
	mg_jsonw_finish(&w);
}

static void blame_text(memgit_buf *out, const memgit_blame_info *b, const char *when)
{
	mg_buf_printf(out, "memories/%s\ncommit   %.12s %s %s\nsubject  %s\n", b->path, b->commit,
		when, b->author, b->subject);
	if (b->dream_id)
		mg_buf_printf(out, "dream    %s (dreamer %s)\n", b->dream_id, b->dreamer);
	else
		mg_buf_puts(out, "dream    none (not written by a dream)\n");
	if (b->rationale)
		mg_buf_printf(out, "why      %s\n", b->rationale);
	for (size_t i = 0; i < b->nsessions; i++)
		mg_buf_printf(out, "%s %s (agent %s)\n", i ? "        " : "sessions", b->sessions[i],
			b->agents[i] && *b->agents[i] ? b->agents[i] : "unknown");
	if (!b->nsessions)
		mg_buf_puts(out, "sessions none recorded\n");
}

int cmd_blame(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	const mg_command *cmd = cli_find_command("blame");
	memgit_buf out = MEMGIT_BUF_INIT;
	memgit_blame *b = NULL;
	char when[21];
	int code, at;

	if ((at = cli_parse(cli, cmd, argc, argv, NULL, NULL, NULL, NULL, &code)) < 0)
		return code;
	if (argc - at != 1)
		return cli_usage_error(cmd, at == argc ? "which memory? give a PATH" : "too many arguments");
	if (memgit_blame_path(&b, store, argv[at]) < 0)
		return cli_fail();
	mg_time_format(when, memgit_blame_info_of(b)->time);
	if (cli->json)
		blame_json(&out, memgit_blame_info_of(b), when);
	else
		blame_text(&out, memgit_blame_info_of(b), when);
	code = out.ptr ? cli_write_out(&out) : MG_EXIT_INTERNAL;
	memgit_blame_free(b);
	memgit_buf_dispose(&out);
	return code;
}
