/* common.c: error reporting, option parsing and output shared by commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "grade/notify.h"
#include "util/fs.h"

int cli_exit_code(int rc)
{
	switch (rc) {
	case MEMGIT_OK:
		return MG_EXIT_OK;
	case MEMGIT_ENOTHING:
	case MEMGIT_ECONFLICT:
		return MG_EXIT_NEGATIVE;
	case MEMGIT_EINPUT:
	case MEMGIT_ENOTFOUND:
	case MEMGIT_EEXISTS:
	case MEMGIT_EPATH:
	case MEMGIT_EYAML:
	case MEMGIT_ESECRET:
	case MEMGIT_ELIMIT:
	case MEMGIT_EDIRTY:
	case MEMGIT_ENOTSTORE:
		return MG_EXIT_REFUSED;
	case MEMGIT_EBUSY:
		return MG_EXIT_BUSY;
	case MEMGIT_EREMOTE:
		return MG_EXIT_REMOTE;
	default:
		return MG_EXIT_INTERNAL;
	}
}

int cli_fail(void)
{
	const memgit_error *e = memgit_error_last();
	fprintf(stderr, "memgit: %s\n", e->message);
	return cli_exit_code(e->code);
}

int cli_usage_error(const mg_command *cmd, const char *fmt, ...)
{
	va_list ap;
	fputs("memgit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, " (see 'memgit %s --help')\n", cmd->name);
	else
		fputs(" (see 'memgit --help')\n", stderr);
	return MG_EXIT_USAGE;
}

void cli_info(const mg_cli *cli, const char *fmt, ...)
{
	va_list ap;
	if (cli->quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;
	fputs("memgit: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_parse(mg_cli *cli, const mg_command *cmd, int argc, char **argv, const char *shortopts,
	const struct option *longopts, cli_opt_fn handle, void *ctx, int *exit_code)
{
	struct option all[40];
	char shorts[64];
	size_t n = 0;
	int opt;

	for (; longopts && longopts[n].name && n < 36; n++)
		all[n] = longopts[n];
	all[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	all[n++] = (struct option){ "json", no_argument, NULL, 0x100 };
	all[n++] = (struct option){ "quiet", no_argument, NULL, 'q' };
	all[n] = (struct option){ NULL, 0, NULL, 0 };
	snprintf(shorts, sizeof(shorts), ":hq%s", shortopts ? shortopts : "");
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts, all, NULL)) != -1) {
		int rc = 0;
		if (opt == 'h') {
			fputs(cmd->usage, stdout);
			*exit_code = MG_EXIT_OK;
			return -1;
		} else if (opt == 0x100) {
			cli->json = 1;
		} else if (opt == 'q') {
			cli->quiet = 1;
		} else if (opt == '?') {
			*exit_code = cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
			return -1;
		} else if (opt == ':') {
			*exit_code = cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
			return -1;
		} else if ((rc = handle ? handle(opt, optarg, ctx) : MG_EXIT_USAGE) != 0) {
			*exit_code = rc;
			return -1;
		}
	}
	return optind;
}

int cli_write_out(const memgit_buf *buf)
{
	if (buf->size && fwrite(buf->ptr, 1, buf->size, stdout) != buf->size)
		return MG_EXIT_INTERNAL;
	if (fflush(stdout) != 0) {
		fprintf(stderr, "memgit: cannot write output: %s\n", strerror(errno));
		return MG_EXIT_INTERNAL;
	}
	return MG_EXIT_OK;
}

int cli_read_input(memgit_buf *out, const char *file, size_t cap)
{
	if (!file || strcmp(file, "-") == 0)
		return mg_fs_read_fd(out, STDIN_FILENO, cap, "standard input");
	return mg_fs_read_file(out, file, cap);
}

void cli_report_commit(const mg_cli *cli, const memgit_commit_result *res, const char *what)
{
	if (res->worktree_stale)
		cli_warn("%s", res->worktree_message);
	if (!cli->json)
		cli_info(cli, "%s (%.7s)", what, res->commit);
}

void cli_json_commit(mg_jsonw *w, const memgit_commit_result *res)
{
	mg_jsonw_key(w, "commit");
	mg_jsonw_string(w, res->commit);
	mg_jsonw_key(w, "parent");
	mg_jsonw_string(w, res->parent);
	mg_jsonw_key(w, "attempts");
	mg_jsonw_int(w, res->attempts);
	if (res->worktree_stale) {
		mg_jsonw_key(w, "worktree_warning");
		mg_jsonw_string(w, res->worktree_message);
	}
}

void cli_notify(mg_cli *cli, memgit_store *store, const char *event, const char *id,
	const char *extra_key, const char *extra_value)
{
	memgit_buf warnings = MEMGIT_BUF_INIT;
	memgit_dream *d = NULL;

	(void)cli;
	if (id && memgit_dream_load(&d, store, id) < 0)
		d = NULL; /* the event goes out without the dream's details */
	mg_notify_dream(&warnings, store, event, d, extra_key, extra_value);
	for (const char *p = mg_buf_cstr(&warnings); *p;) {
		size_t n = strcspn(p, "\n");
		cli_warn("%.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
	memgit_dream_free(d);
	memgit_buf_dispose(&warnings);
}
