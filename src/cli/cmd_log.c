#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

typedef struct {
	mg_cli *cli;
	memgit_buf out;
	mg_jsonw w;
	size_t max;
} log_ctx;

static int log_opt(int opt, const char *arg, void *p)
{
	log_ctx *c = p;
	char *end;
	long v;

	if (opt != 'n')
		return MG_EXIT_USAGE;
	v = strtol(arg, &end, 10);
	if (*end || v < 0)
		return cli_usage_error(cli_find_command("log"), "-n takes a whole number");
	c->max = (size_t)v;
	return 0;
}

static const char *trailer(const memgit_commit_info *ci, const char *key)
{
	for (size_t i = 0; i < ci->ntrailers; i++)
		if (strcasecmp(ci->trailer_keys[i], key) == 0)
			return ci->trailer_values[i];
	return NULL;
}

/* " [sessions a b c +N]": the sessions a dream consumed, the first few named. */
static int dream_sessions(memgit_buf *out, const char *list)
{
	size_t shown = 0, more = 0;
	int rc = 0;

	if (!list || !*list)
		return 0;
	rc = mg_buf_puts(out, " [sessions");
	for (const char *p = list; *p && rc == 0;) {
		size_t len;
		while (*p == ' ')
			p++;
		if (!(len = strcspn(p, " ")))
			break;
		if (shown < 3) {
			shown++;
			rc = mg_buf_printf(out, " %.*s", (int)len, p);
		} else {
			more++;
		}
		p += len;
	}
	if (rc == 0 && more)
		rc = mg_buf_printf(out, " +%zu", more);
	return rc ? rc : mg_buf_putc(out, ']');
}

static int log_entry(const memgit_commit_info *ci, void *p)
{
	log_ctx *c = p;
	char when[32];
	time_t t = (time_t)ci->time;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!c->cli->json) {
		const char *dream = trailer(ci, "Dream-Id");
		if (mg_buf_printf(&c->out, "%.7s %s %s%s%s%s", ci->commit, when, ci->subject,
			dream ? " [dream " : "", dream ? dream : "", dream ? "]" : "") < 0)
			return 1;
		return dream_sessions(&c->out, trailer(ci, "Dream-Sessions")) < 0 ||
			mg_buf_putc(&c->out, '\n') < 0;
	}
	mg_jsonw_object_open(&c->w);
	mg_jsonw_key(&c->w, "commit");
	mg_jsonw_string(&c->w, ci->commit);
	mg_jsonw_key(&c->w, "author");
	mg_jsonw_string(&c->w, ci->author_name);
	mg_jsonw_key(&c->w, "email");
	mg_jsonw_string(&c->w, ci->author_email);
	mg_jsonw_key(&c->w, "time");
	mg_jsonw_string(&c->w, when);
	mg_jsonw_key(&c->w, "subject");
	mg_jsonw_string(&c->w, ci->subject);
	mg_jsonw_key(&c->w, "message");
	mg_jsonw_string(&c->w, ci->message);
	mg_jsonw_key(&c->w, "trailers");
	mg_jsonw_object_open(&c->w);
	for (size_t i = 0; i < ci->ntrailers; i++) {
		mg_jsonw_key(&c->w, ci->trailer_keys[i]);
		mg_jsonw_string(&c->w, ci->trailer_values[i]);
	}
	mg_jsonw_object_close(&c->w);
	mg_jsonw_object_close(&c->w);
	return 0;
}

int cmd_log(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "max-count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const mg_command *cmd = cli_find_command("log");
	log_ctx c;
	int code, at, rc;

	memset(&c, 0, sizeof(c));
	c.cli = cli;
	if ((at = cli_parse(cli, cmd, argc, argv, "n:", longopts, log_opt, &c, &code)) < 0)
		return code;
	if (argc - at > 1)
		return cli_usage_error(cmd, "too many arguments");
	mg_jsonw_init(&c.w, &c.out, 1);
	if (cli->json)
		mg_jsonw_array_open(&c.w);
	rc = memgit_log_foreach(store, at < argc ? argv[at] : NULL, c.max, log_entry, &c);
	if (cli->json) {
		mg_jsonw_array_close(&c.w);
		mg_jsonw_finish(&c.w);
	}
	code = rc < 0 ? cli_fail() : cli_write_out(&c.out);
	memgit_buf_dispose(&c.out);
	return code;
}
