/*
 * cli.h: what every command shares. The CLI is the only code that prints or
 * exits; the library reports through return codes and memgit_error_last().
 */
#ifndef MG_CLI_H
#define MG_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "memgit.h"
#include "util/buf.h"
#include "util/jsonw.h"

/* Exit codes (docs/commands.md). */
enum {
	MG_EXIT_OK = 0,
	MG_EXIT_NEGATIVE = 1,
	MG_EXIT_USAGE = 2,
	MG_EXIT_REFUSED = 3,
	MG_EXIT_BUSY = 4,
	MG_EXIT_REMOTE = 5,
	MG_EXIT_INTERNAL = 6
};

typedef struct {
	int json;
	int quiet;
	const char *dir; /* -C */
} mg_cli;

/* Command flags. */
#define MG_CMD_NEEDS_STORE 1

typedef struct {
	const char *name;
	int (*run)(mg_cli *cli, memgit_store *store, int argc, char **argv);
	unsigned flags;
	const char *summary;
	const char *usage; /* full help text */
} mg_command;

/* Print "memgit: <message>" for the last error and return its exit code. */
int cli_fail(void);

/* Print a usage error and return MG_EXIT_USAGE. */
int cli_usage_error(const mg_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Map a library code to an exit code. */
int cli_exit_code(int rc);

/* Informational line on stderr unless -q. */
void cli_info(const mg_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A warning on stderr (always). */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Parse a command's options with getopt_long. `shortopts`/`longopts` are the
 * command's own; -h/--help, --json and -q are added. Returns -1 when the
 * command should exit with *exit_code (help printed or usage error), else
 * the index of the first operand. `handle` is called for each of the
 * command's own options and returns 0 or an exit code.
 */
typedef int (*cli_opt_fn)(int opt, const char *arg, void *ctx);
int cli_parse(mg_cli *cli, const mg_command *cmd, int argc, char **argv, const char *shortopts,
	const struct option *longopts, cli_opt_fn handle, void *ctx, int *exit_code);

/* Write `buf` to stdout; MG_EXIT_INTERNAL on failure. */
int cli_write_out(const memgit_buf *buf);

/* Read a file ("-" for stdin) or stdin up to `cap` bytes. */
int cli_read_input(memgit_buf *out, const char *file, size_t cap);

/* Start libgit2's deferred TLS and SSH support before a command talks to a
 * remote through libgit2 (lazy_tls.c). 0 or a libgit2 error code. */
int cli_tls_start(void);

/* Commands. */
int cmd_init(mg_cli *, memgit_store *, int, char **);
int cmd_put(mg_cli *, memgit_store *, int, char **);
int cmd_show(mg_cli *, memgit_store *, int, char **);
int cmd_ls(mg_cli *, memgit_store *, int, char **);
int cmd_rm(mg_cli *, memgit_store *, int, char **);
int cmd_mv(mg_cli *, memgit_store *, int, char **);
int cmd_log(mg_cli *, memgit_store *, int, char **);
int cmd_import(mg_cli *, memgit_store *, int, char **);
int cmd_export(mg_cli *, memgit_store *, int, char **);
int cmd_session(mg_cli *, memgit_store *, int, char **);
int cmd_dream(mg_cli *, memgit_store *, int, char **);
int cmd_dreams(mg_cli *, memgit_store *, int, char **);
int cmd_review(mg_cli *, memgit_store *, int, char **);
int cmd_grade(mg_cli *, memgit_store *, int, char **);
/* Send a dream event to memgit.yaml's webhooks (dream `id` may be NULL);
 * a failed delivery is a warning on stderr, never the command's failure. */
void cli_notify(mg_cli *cli, memgit_store *store, const char *event, const char *id,
	const char *extra_key, const char *extra_value);
int cmd_merge(mg_cli *, memgit_store *, int, char **);
int cmd_reject(mg_cli *, memgit_store *, int, char **);
int cmd_revert(mg_cli *, memgit_store *, int, char **);
/* The dream's latest outcome: text, or its JSON with --json. */
int cli_print_outcome(mg_cli *cli, const memgit_dream *d);
int cmd_blame(mg_cli *, memgit_store *, int, char **);

/* The command table, for help. */
extern const mg_command mg_commands[];
const mg_command *cli_find_command(const char *name);

/* Report a commit on stderr (unless -q) and any work-tree warning. */
void cli_report_commit(const mg_cli *cli, const memgit_commit_result *res, const char *what);

/* Emit the commit result as JSON fields into an open object. */
void cli_json_commit(mg_jsonw *w, const memgit_commit_result *res);

#endif
