/*
 * cmd_session.c: memgit session add | ls | show | rm.
 *
 * Ingestion reports as it goes: warnings and refusals on stderr always,
 * one info line per file unless -q, a progress line only on a terminal.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* ---- add ------------------------------------------------------------------ */

typedef struct {
	mg_cli *cli;
	memgit_session_add_options opts;
	int tty;          /* progress on stderr */
	int progress_on;  /* a progress line is showing */
	memgit_buf json;  /* the files, for --json */
	mg_jsonw w;
} add_ctx;

static int add_opt(int opt, const char *arg, void *p)
{
	add_ctx *c = p;
	char *end;

	switch (opt) {
	case 'f':
		c->opts.format = arg;
		return 0;
	case 'a':
		c->opts.agent = arg;
		return 0;
	case 'k':
		c->opts.keep_going = 1;
		return 0;
	case 'L':
		c->opts.max_line_bytes = (size_t)strtoull(arg, &end, 10);
		if (*end || !*arg || c->opts.max_line_bytes == 0)
			return cli_usage_error(cli_find_command("session"),
				"--max-line-bytes needs a positive number of bytes");
		return 0;
	}
	return MG_EXIT_USAGE;
}

static void clear_progress(add_ctx *c)
{
	if (c->progress_on)
		fputs("\r\033[K", stderr);
	c->progress_on = 0;
}

static void on_progress(const char *file, size_t index, size_t total, uint64_t done,
	uint64_t size, void *payload)
{
	add_ctx *c = payload;
	const char *base = strrchr(file, '/');

	if (!c->tty)
		return;
	fprintf(stderr, "\r\033[Ksession add: %zu/%zu %.60s", index + 1, total,
		base ? base + 1 : file);
	if (size)
		fprintf(stderr, " %3u%%", (unsigned)(done * 100 / size));
	c->progress_on = 1;
}

static void on_warn(const char *file, unsigned line, const char *message, void *payload)
{
	clear_progress(payload);
	if (line)
		cli_warn("'%s': line %u: %s", file, line, message);
	else
		cli_warn("'%s': %s", file, message);
}

/* The counts a session's report and its listing both give. */
static void json_counts(mg_jsonw *w, uint64_t events, uint64_t errors, uint64_t tool_calls,
	uint64_t redactions)
{
	mg_jsonw_key(w, "events");
	mg_jsonw_int(w, (int64_t)events);
	mg_jsonw_key(w, "errors");
	mg_jsonw_int(w, (int64_t)errors);
	mg_jsonw_key(w, "tool_calls");
	mg_jsonw_int(w, (int64_t)tool_calls);
	mg_jsonw_key(w, "redactions");
	mg_jsonw_int(w, (int64_t)redactions);
}

static void json_report(add_ctx *c, const memgit_session_report *r)
{
	mg_jsonw *w = &c->w;

	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "file");
	mg_jsonw_string(w, r->file);
	mg_jsonw_key(w, "status");
	mg_jsonw_string(w, memgit_session_status_name(r->status));
	mg_jsonw_key(w, "id");
	mg_jsonw_string(w, r->id);
	mg_jsonw_key(w, "format");
	mg_jsonw_string(w, r->format);
	mg_jsonw_key(w, "parent");
	mg_jsonw_string(w, r->parent);
	json_counts(w, r->events, r->errors, r->tool_calls, r->redactions);
	mg_jsonw_key(w, "warnings");
	mg_jsonw_int(w, r->warnings);
	mg_jsonw_key(w, "error");
	mg_jsonw_string(w, r->error ? r->error->message : NULL);
	mg_jsonw_object_close(w);
}

static void on_report(const memgit_session_report *r, void *payload)
{
	add_ctx *c = payload;

	clear_progress(c);
	if (c->cli->json)
		json_report(c, r);
	if (r->status == MEMGIT_SESSION_REFUSED) {
		/* without --keep-going the refusal is the command's one error line */
		if (c->opts.keep_going)
			fprintf(stderr, "memgit: %s\n", r->error->message);
		return;
	}
	if (r->redactions)
		cli_warn("'%s': %llu secret%s replaced by [REDACTED:<rule>]", r->file,
			(unsigned long long)r->redactions, r->redactions == 1 ? "" : "s");
	if (!c->cli->json)
		cli_info(c->cli, "%-9s %s (%s, %llu event%s, %llu error%s%s%s) from %s",
			memgit_session_status_name(r->status), r->id, r->format,
			(unsigned long long)r->events, r->events == 1 ? "" : "s",
			(unsigned long long)r->errors, r->errors == 1 ? "" : "s",
			r->parent ? ", parent " : "", r->parent ? r->parent : "", r->file);
}

static void json_summary(add_ctx *c, const memgit_session_result *res, int rc)
{
	memgit_buf out = MEMGIT_BUF_INIT;
	mg_jsonw w;

	mg_jsonw_array_close(&c->w);
	mg_jsonw_finish(&c->w);
	mg_jsonw_init(&w, &out, 1);
	mg_jsonw_object_open(&w);
	mg_jsonw_key(&w, "commit");
	mg_jsonw_string(&w, rc == 0 ? res->commit : NULL);
	mg_jsonw_key(&w, "parent");
	mg_jsonw_string(&w, rc == 0 && res->parent[0] ? res->parent : NULL);
	mg_jsonw_key(&w, "added");
	mg_jsonw_int(&w, (int64_t)res->added);
	mg_jsonw_key(&w, "updated");
	mg_jsonw_int(&w, (int64_t)res->updated);
	mg_jsonw_key(&w, "unchanged");
	mg_jsonw_int(&w, (int64_t)res->unchanged);
	mg_jsonw_key(&w, "refused");
	mg_jsonw_int(&w, (int64_t)res->refused);
	mg_jsonw_key(&w, "redactions");
	mg_jsonw_int(&w, (int64_t)res->redactions);
	mg_jsonw_key(&w, "files");
	mg_jsonw_raw(&w, c->json.ptr ? c->json.ptr : "[]");
	mg_jsonw_object_close(&w);
	if (mg_jsonw_finish(&w) == 0)
		cli_write_out(&out);
	memgit_buf_dispose(&out);
}

static int session_add(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "agent", required_argument, NULL, 'a' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ "max-line-bytes", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 }
	};
	const mg_command *cmd = cli_find_command("session");
	add_ctx c = { cli, MEMGIT_SESSION_ADD_OPTIONS_INIT, 0, 0, MEMGIT_BUF_INIT, { 0 } };
	memgit_session_result res;
	int code = MG_EXIT_OK, at, rc;

	if ((at = cli_parse(cli, cmd, argc, argv, "k", longopts, add_opt, &c, &code)) < 0)
		return code;
	if (at == argc)
		return cli_usage_error(cmd, "what to add? give transcript files or folders");
	c.tty = !cli->quiet && !cli->json && isatty(STDERR_FILENO);
	c.opts.report = on_report;
	c.opts.warn = on_warn;
	c.opts.progress = on_progress;
	c.opts.payload = &c;
	mg_jsonw_init(&c.w, &c.json, 0);
	mg_jsonw_array_open(&c.w);
	rc = memgit_session_add(&res, store, (const char *const *)argv + at, (size_t)(argc - at),
		&c.opts);
	clear_progress(&c);
	if (cli->json && (rc == 0 || rc == MEMGIT_ENOTHING || res.refused))
		json_summary(&c, &res, rc);
	memgit_buf_dispose(&c.json);
	if (rc < 0 && rc != MEMGIT_ENOTHING && !(c.opts.keep_going && res.refused))
		return cli_fail();
	if (rc == 0)
		cli_info(cli, "sessions: %zu added, %zu updated, %zu unchanged%s (%.7s)",
			res.added, res.updated, res.unchanged, res.refused ? ", some refused" : "",
			res.commit);
	else if (rc == MEMGIT_ENOTHING && !res.refused && res.unchanged)
		cli_info(cli, "nothing new: %zu session%s already stored", res.unchanged,
			res.unchanged == 1 ? "" : "s");
	else if (rc == MEMGIT_ENOTHING && !res.refused)
		return cli_fail(); /* no transcript at all */
	if (res.refused) {
		fprintf(stderr, "memgit: %zu file%s refused\n", res.refused,
			res.refused == 1 ? "" : "s");
		return MG_EXIT_REFUSED;
	}
	return rc == MEMGIT_ENOTHING ? MG_EXIT_NEGATIVE : MG_EXIT_OK;
}

/* ---- ls -------------------------------------------------------------------- */

typedef struct {
	char *id, *source, *parent, *agent, *started;
	uint64_t events, errors, tool_calls, redactions, size;
} ls_row;

typedef struct {
	ls_row *rows;
	size_t n, cap;
	int failed;
} ls_ctx;

static char *dup0(const char *s, int *failed)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*failed = 1;
	return d;
}

static int ls_collect(const memgit_session_info *info, void *payload)
{
	ls_ctx *c = payload;
	ls_row *r;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		ls_row *rows = realloc(c->rows, cap * sizeof(*rows));
		if (!rows)
			return c->failed = 1;
		c->rows = rows;
		c->cap = cap;
	}
	r = &c->rows[c->n++];
	memset(r, 0, sizeof(*r));
	r->id = dup0(info->id, &c->failed);
	r->source = dup0(info->source, &c->failed);
	r->parent = dup0(info->parent, &c->failed);
	r->agent = dup0(info->agent, &c->failed);
	r->started = dup0(info->started, &c->failed);
	r->events = info->events;
	r->errors = info->errors;
	r->tool_calls = info->tool_calls;
	r->redactions = info->redactions;
	r->size = info->size;
	return c->failed;
}

/* Oldest first, as a dream picks them; sessions without a time last. */
static int ls_cmp(const void *x, const void *y)
{
	const ls_row *a = x, *b = y;
	int c;

	if (!a->started != !b->started)
		return a->started ? -1 : 1;
	if (a->started && (c = strcmp(a->started, b->started)) != 0)
		return c;
	return strcmp(a->id, b->id);
}

static void ls_json(mg_jsonw *w, const ls_row *r)
{
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "id");
	mg_jsonw_string(w, r->id);
	mg_jsonw_key(w, "source");
	mg_jsonw_string(w, r->source);
	mg_jsonw_key(w, "agent");
	mg_jsonw_string(w, r->agent);
	mg_jsonw_key(w, "started");
	mg_jsonw_string(w, r->started);
	json_counts(w, r->events, r->errors, r->tool_calls, r->redactions);
	mg_jsonw_key(w, "size");
	mg_jsonw_int(w, (int64_t)r->size);
	mg_jsonw_key(w, "parent");
	mg_jsonw_string(w, r->parent);
	mg_jsonw_object_close(w);
}

static void ls_print(memgit_buf *out, const ls_row *r)
{
	char started[21];

	/* seconds are enough to read; the exact time is in --json */
	snprintf(started, sizeof(started), "%.19s", r->started ? r->started : "-");
	mg_buf_printf(out, "%-30s %-11s %-19s %7llu %6llu %9llu  %s%s%s\n", r->id,
		r->source ? r->source : "-", started, (unsigned long long)r->events,
		(unsigned long long)r->errors, (unsigned long long)r->size,
		r->agent ? r->agent : "-", r->parent ? "  parent " : "",
		r->parent ? r->parent : "");
}

static int session_ls(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	const mg_command *cmd = cli_find_command("session");
	memgit_buf out = MEMGIT_BUF_INIT;
	ls_ctx c = { NULL, 0, 0, 0 };
	int code = MG_EXIT_OK, at, rc;
	mg_jsonw w;

	if ((at = cli_parse(cli, cmd, argc, argv, NULL, NULL, NULL, NULL, &code)) < 0)
		return code;
	if (at != argc)
		return cli_usage_error(cmd, "session ls takes no operand");
	rc = memgit_session_foreach(store, ls_collect, &c);
	if (c.failed) {
		fputs("memgit: out of memory\n", stderr);
		code = MG_EXIT_INTERNAL;
		goto done;
	}
	if (rc < 0) {
		code = cli_fail();
		goto done;
	}
	if (c.n) /* qsort(NULL, 0, ...) is undefined */
		qsort(c.rows, c.n, sizeof(*c.rows), ls_cmp);
	mg_jsonw_init(&w, &out, 1);
	if (cli->json)
		mg_jsonw_array_open(&w);
	else if (c.n)
		mg_buf_printf(&out, "%-30s %-11s %-19s %7s %6s %9s  %s\n", "ID", "SOURCE",
			"STARTED", "EVENTS", "ERRORS", "BYTES", "AGENT");
	for (size_t i = 0; i < c.n; i++) {
		if (cli->json)
			ls_json(&w, &c.rows[i]);
		else
			ls_print(&out, &c.rows[i]);
	}
	if (cli->json) {
		mg_jsonw_array_close(&w);
		if (mg_jsonw_finish(&w) < 0) {
			code = cli_fail();
			goto done;
		}
	}
	code = cli_write_out(&out);
done:
	for (size_t i = 0; i < c.n; i++) {
		free(c.rows[i].id);
		free(c.rows[i].source);
		free(c.rows[i].parent);
		free(c.rows[i].agent);
		free(c.rows[i].started);
	}
	free(c.rows);
	memgit_buf_dispose(&out);
	return code;
}

/* ---- show ------------------------------------------------------------------ */

#define SHOW_MAX_LINES 12
#define SHOW_MAX_BYTES 1500

typedef struct {
	int full;
} show_ctx;

static int show_opt(int opt, const char *arg, void *p)
{
	(void)arg;
	if (opt != 'F')
		return MG_EXIT_USAGE;
	((show_ctx *)p)->full = 1;
	return 0;
}

/* Indented text, control characters made visible (a transcript may hold
 * terminal escapes from tool output), cut after a few lines unless full. */
static void show_text(memgit_buf *out, const char *s, size_t n, int cut)
{
	size_t i = 0, lines = 1;

	mg_buf_puts(out, "    ");
	for (; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (cut && (lines > SHOW_MAX_LINES || i >= SHOW_MAX_BYTES))
			break;
		if (ch == '\n') {
			lines++;
			mg_buf_puts(out, "\n    ");
		} else if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			mg_buf_printf(out, "\\x%02x", ch);
		} else {
			mg_buf_putc(out, (char)ch);
		}
	}
	if (i < n) {
		size_t more = 0;
		for (size_t k = i; k < n; k++)
			more += s[k] == '\n';
		while (out->size && strchr(" \n", out->ptr[out->size - 1]))
			mg_buf_truncate(out, out->size - 1);
		mg_buf_printf(out, "\n    [... %zu more bytes, %zu more lines; --full shows all]",
			n - i, more);
	}
	mg_buf_putc(out, '\n');
}

static void show_event(memgit_buf *out, const memgit_session_event *ev, int full)
{
	int noisy = strcmp(ev->type, "tool_use") == 0 || strcmp(ev->type, "tool_result") == 0 ||
		strcmp(ev->type, "summary") == 0;

	mg_buf_printf(out, "\n#%llu %s", (unsigned long long)ev->i, ev->role);
	if (strcmp(ev->type, "tool_use") == 0)
		mg_buf_printf(out, " -> %s", ev->tool ? ev->tool : "tool");
	else if (strcmp(ev->type, "tool_result") == 0)
		mg_buf_printf(out, " <- %s", ev->tool ? ev->tool : "tool");
	else if (strcmp(ev->type, "text") != 0)
		mg_buf_printf(out, " (%s)", ev->type);
	if (ev->is_error)
		mg_buf_puts(out, "  ERROR");
	if (ev->ts)
		mg_buf_printf(out, "  %s", ev->ts);
	mg_buf_putc(out, '\n');
	show_text(out, ev->text, ev->text_len, noisy && !full);
}

static void show_header(memgit_buf *out, const memgit_session_info *in)
{
	mg_buf_printf(out, "session  %s\nsource   %s", in->id, in->source ? in->source : "-");
	if (in->file)
		mg_buf_printf(out, " (%s)", in->file);
	mg_buf_printf(out, "\nagent    %s\n", in->agent ? in->agent : "-");
	if (in->parent)
		mg_buf_printf(out, "parent   %s\n", in->parent);
	if (in->model)
		mg_buf_printf(out, "model    %s\n", in->model);
	mg_buf_printf(out, "started  %s\n", in->started ? in->started : "-");
	mg_buf_printf(out, "events   %llu (%llu tool calls, %llu errors, %llu redactions)\n",
		(unsigned long long)in->events, (unsigned long long)in->tool_calls,
		(unsigned long long)in->errors, (unsigned long long)in->redactions);
}

static int show_readable(memgit_store *store, const char *id, int full)
{
	memgit_session_reader *r = NULL;
	const memgit_session_event *ev;
	memgit_buf out = MEMGIT_BUF_INIT;
	int code = MG_EXIT_OK, rc;

	if (memgit_session_open(&r, store, id) < 0)
		return cli_fail();
	show_header(&out, memgit_session_reader_info(r));
	while ((rc = memgit_session_next(&ev, r)) == 0 && ev) {
		show_event(&out, ev, full);
		/* long sessions stream out */
		if (out.size > 65536 && (code = cli_write_out(&out)) != MG_EXIT_OK)
			break;
		if (out.size > 65536)
			mg_buf_clear(&out);
	}
	if (rc < 0)
		code = cli_fail();
	else if (code == MG_EXIT_OK)
		code = cli_write_out(&out);
	memgit_buf_dispose(&out);
	memgit_session_reader_free(r);
	return code;
}

static int session_show(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "full", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	const mg_command *cmd = cli_find_command("session");
	memgit_buf out = MEMGIT_BUF_INIT;
	show_ctx c = { 0 };
	int code = MG_EXIT_OK, at;

	if ((at = cli_parse(cli, cmd, argc, argv, NULL, longopts, show_opt, &c, &code)) < 0)
		return code;
	if (argc - at != 1)
		return cli_usage_error(cmd, "session show takes one session id");
	if (!cli->json)
		return show_readable(store, argv[at], c.full);
	/* the canonical JSONL as stored */
	if (memgit_session_read(&out, store, argv[at]) < 0)
		code = cli_fail();
	else
		code = cli_write_out(&out);
	memgit_buf_dispose(&out);
	return code;
}

/* ---- rm ---------------------------------------------------------------------- */

static int session_rm(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	const mg_command *cmd = cli_find_command("session");
	memgit_session_result res;
	int code = MG_EXIT_OK, at;

	if ((at = cli_parse(cli, cmd, argc, argv, NULL, NULL, NULL, NULL, &code)) < 0)
		return code;
	if (at == argc)
		return cli_usage_error(cmd, "which session? give session ids");
	if (memgit_session_remove(&res, store, (const char *const *)argv + at,
		    (size_t)(argc - at)) < 0)
		return cli_fail();
	if (cli->json) {
		memgit_buf out = MEMGIT_BUF_INIT;
		mg_jsonw w;
		mg_jsonw_init(&w, &out, 1);
		mg_jsonw_object_open(&w);
		mg_jsonw_key(&w, "removed");
		mg_jsonw_int(&w, (int64_t)res.removed);
		mg_jsonw_key(&w, "commit");
		mg_jsonw_string(&w, res.commit);
		mg_jsonw_key(&w, "parent");
		mg_jsonw_string(&w, res.parent);
		mg_jsonw_object_close(&w);
		code = mg_jsonw_finish(&w) < 0 ? cli_fail() : cli_write_out(&out);
		memgit_buf_dispose(&out);
		return code;
	}
	cli_info(cli, "removed %zu session%s (%.7s)", res.removed, res.removed == 1 ? "" : "s",
		res.commit);
	return MG_EXIT_OK;
}

/* ---- dispatch ------------------------------------------------------------------ */

int cmd_session(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(mg_cli *, memgit_store *, int, char **);
	} subs[] = { { "add", session_add }, { "ls", session_ls }, { "list", session_ls },
		{ "show", session_show }, { "rm", session_rm }, { "remove", session_rm } };
	const mg_command *cmd = cli_find_command("session");

	if (argc < 2)
		return cli_usage_error(cmd, "which subcommand? add, ls, show or rm");
	for (size_t i = 0; i < sizeof(subs) / sizeof(*subs); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(cli, store, argc - 1, argv + 1);
	return cli_usage_error(cmd, "'%s' is not a session subcommand (add, ls, show, rm)",
		argv[1]);
}
