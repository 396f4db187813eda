/*
 * cmd_dream.c: memgit dream - propose a consolidated memory on dream/<id>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util/clock.h"

typedef struct {
	memgit_dream_options opts;
	char **sessions;
	size_t nsessions;
	int max_given;
	int tty;          /* progress on stderr */
	int progress_on;  /* a progress line is showing */
	uint64_t drawn;   /* when the line was last drawn (ms) */
	unsigned last_done, last_running;
} dream_ctx;

/* A whole number in [lo, hi] for option `name`. */
static int whole_arg(unsigned long long *out, const char *arg, unsigned long long lo,
	unsigned long long hi, const char *name)
{
	char *end;
	unsigned long long v;

	if (arg[0] < '0' || arg[0] > '9' || (v = strtoull(arg, &end, 10), *end) || v < lo || v > hi)
		return cli_usage_error(cli_find_command("dream"),
			"%s takes a whole number from %llu to %llu", name, lo, hi);
	*out = v;
	return 0;
}

/* One status line on a terminal: "dream: map 12/32 done, 8 running, 41k tokens in". */
static void on_progress(const memgit_dream_progress *p, void *payload)
{
	dream_ctx *c = payload;

	uint64_t now = mg_monotonic_ms();

	/* a stream calls this per event: redraw at most ten times a second,
	 * and always when a request starts or ends */
	if (!c->tty || (now - c->drawn < 100 && p->done == c->last_done && p->running == c->last_running))
		return;
	c->drawn = now;
	c->last_done = p->done;
	c->last_running = p->running;
	fprintf(stderr, "\r\033[Kdream: %s %u/%u done, %u running, %lluk tokens in, %lluk out, "
		"%zu KiB received", p->phase, p->done, p->chunks, p->running,
		(unsigned long long)(p->tokens_in / 1000), (unsigned long long)(p->tokens_out / 1000),
		p->streamed / 1024);
	c->progress_on = 1;
}

static void clear_progress(dream_ctx *c)
{
	if (c->progress_on)
		fputs("\r\033[K", stderr);
	c->progress_on = 0;
}

static int dream_opt(int opt, const char *arg, void *p)
{
	dream_ctx *c = p;
	const mg_command *cmd = cli_find_command("dream");
	unsigned long long n;
	char **grown;
	char *end;
	long v;
	int rc;

	switch (opt) {
	case 'M':
		c->opts.model = arg;
		return 0;
	case 'j':
		if ((rc = whole_arg(&n, arg, 1, 64, "--jobs")) != 0)
			return rc;
		c->opts.jobs = (unsigned)n;
		return 0;
	case 'T':
		if ((rc = whole_arg(&n, arg, 1, 1000000000000ull, "--max-tokens")) != 0)
			return rc;
		c->opts.max_tokens = n;
		return 0;
	case 'D':
		c->opts.dreamer = arg;
		return 0;
	case 'R':
		c->opts.replay = arg;
		return 0;
	case 'I':
		c->opts.instructions = arg;
		return 0;
	case 'n':
		c->opts.dry_run = 1;
		return 0;
	case 'G':
		c->opts.no_grade = 1;
		return 0;
	case 'm':
		c->opts.merge = 1;
		return 0;
	case 'K':
		c->opts.merge = -1;
		return 0;
	case 'r':
		c->opts.rubric = arg;
		return 0;
	case 'N':
		v = strtol(arg, &end, 10);
		if (*end || v < 1 || end == arg)
			return cli_usage_error(cmd, "--sessions takes a whole number from 1 upwards");
		c->opts.max_sessions = (size_t)v;
		c->max_given = 1;
		return 0;
	case 'S':
		if (!(grown = realloc(c->sessions, (c->nsessions + 1) * sizeof(*grown))))
			return MG_EXIT_INTERNAL;
		c->sessions = grown;
		c->sessions[c->nsessions++] = (char *)arg;
		return 0;
	}
	return MG_EXIT_USAGE;
}

static void json_edit(mg_jsonw *w, const memgit_edit *e)
{
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "kind");
	mg_jsonw_string(w, memgit_edit_kind_name(e->kind));
	mg_jsonw_key(w, "path");
	mg_jsonw_string(w, e->path);
	mg_jsonw_key(w, "to");
	mg_jsonw_string(w, e->to);
	mg_jsonw_key(w, "merged");
	mg_jsonw_array_open(w);
	for (size_t i = 0; i < e->nmerged; i++)
		mg_jsonw_string(w, e->merged[i]);
	mg_jsonw_array_close(w);
	mg_jsonw_key(w, "rationale");
	mg_jsonw_string(w, e->rationale);
	mg_jsonw_key(w, "evidence");
	mg_jsonw_array_open(w);
	for (size_t i = 0; i < e->nevidence; i++)
		mg_jsonw_string(w, e->evidence[i]);
	mg_jsonw_array_close(w);
	mg_jsonw_key(w, "expect_blob");
	mg_jsonw_string(w, e->expect_blob);
	mg_jsonw_key(w, "status");
	mg_jsonw_string(w, e->refused ? "refused" : "applied");
	mg_jsonw_key(w, "refused");
	mg_jsonw_string(w, e->refused);
	mg_jsonw_object_close(w);
}

static size_t applied_count(const memgit_dream *d)
{
	size_t n = 0;
	for (size_t i = 0; i < memgit_dream_edit_count(d); i++)
		n += memgit_dream_edit(d, i)->refused == NULL;
	return n;
}

/* Every pass this run graded: verdict, score, what failed, what the next
 * pass dropped. */
static void json_passes(mg_jsonw *w, const memgit_dream *d)
{
	mg_jsonw_key(w, "passes");
	mg_jsonw_array_open(w);
	for (size_t i = 0; i < memgit_dream_pass_count(d); i++) {
		const memgit_dream_pass *p = memgit_dream_pass_at(d, i);
		mg_jsonw_object_open(w);
		mg_jsonw_key(w, "iteration");
		mg_jsonw_int(w, p->iteration);
		mg_jsonw_key(w, "verdict");
		mg_jsonw_string(w, p->verdict);
		mg_jsonw_key(w, "score");
		mg_jsonw_double(w, p->score);
		mg_jsonw_key(w, "failed");
		mg_jsonw_array_open(w);
		for (const char *f = p->failed; *f;) {
			size_t n = strcspn(f, ",");
			mg_jsonw_string_len(w, f, n);
			f += n + strspn(f + n, ", ");
		}
		mg_jsonw_array_close(w);
		mg_jsonw_key(w, "dropped");
		mg_jsonw_int(w, (int64_t)p->dropped);
		mg_jsonw_key(w, "stopped");
		mg_jsonw_string(w, p->stopped);
		mg_jsonw_object_close(w);
	}
	mg_jsonw_array_close(w);
}

/* The grading of the dream: its pass, verdict, passes and latest outcome. */
static void json_grading(mg_jsonw *w, const memgit_dream *d)
{
	const char *verdict = memgit_dream_verdict(d);

	mg_jsonw_key(w, "iteration");
	mg_jsonw_int(w, memgit_dream_iteration(d));
	mg_jsonw_key(w, "verdict");
	mg_jsonw_string(w, *verdict ? verdict : NULL);
	mg_jsonw_key(w, "score");
	if (*verdict)
		mg_jsonw_double(w, memgit_dream_score(d));
	else
		mg_jsonw_null(w);
	json_passes(w, d);
	mg_jsonw_key(w, "outcome");
	mg_jsonw_raw(w, memgit_dream_outcome(d) ? memgit_dream_outcome(d) : "null");
}

static int print_json(const memgit_dream *d)
{
	memgit_buf out = MEMGIT_BUF_INIT, branch = MEMGIT_BUF_INIT;
	const char *commit = memgit_dream_commit(d);
	size_t applied = applied_count(d);
	mg_jsonw w;
	int code;

	mg_jsonw_init(&w, &out, 1);
	mg_jsonw_object_open(&w);
	mg_jsonw_key(&w, "id");
	mg_jsonw_string(&w, memgit_dream_id(d));
	mg_jsonw_key(&w, "status");
	mg_jsonw_string(&w, memgit_dream_status(d));
	mg_jsonw_key(&w, "branch");
	if (*commit && mg_buf_printf(&branch, "dream/%s", memgit_dream_id(d)) == 0)
		mg_jsonw_string(&w, branch.ptr);
	else
		mg_jsonw_null(&w);
	mg_jsonw_key(&w, "commit");
	mg_jsonw_string(&w, *commit ? commit : NULL);
	mg_jsonw_key(&w, "base");
	mg_jsonw_string(&w, memgit_dream_base(d));
	mg_jsonw_key(&w, "dreamer");
	mg_jsonw_string(&w, memgit_dream_dreamer(d));
	mg_jsonw_key(&w, "sessions");
	mg_jsonw_array_open(&w);
	for (size_t i = 0; i < memgit_dream_session_count(d); i++)
		mg_jsonw_string(&w, memgit_dream_session(d, i));
	mg_jsonw_array_close(&w);
	mg_jsonw_key(&w, "applied");
	mg_jsonw_int(&w, (int64_t)applied);
	mg_jsonw_key(&w, "refused");
	mg_jsonw_int(&w, (int64_t)(memgit_dream_edit_count(d) - applied));
	mg_jsonw_key(&w, "message");
	mg_jsonw_string(&w, memgit_dream_message(d));
	mg_jsonw_key(&w, "edits");
	mg_jsonw_array_open(&w);
	for (size_t i = 0; i < memgit_dream_edit_count(d); i++)
		json_edit(&w, memgit_dream_edit(d, i));
	mg_jsonw_array_close(&w);
	json_grading(&w, d);
	mg_jsonw_object_close(&w);
	code = mg_jsonw_finish(&w) < 0 ? cli_fail() : cli_write_out(&out);
	memgit_buf_dispose(&out);
	memgit_buf_dispose(&branch);
	return code;
}

/* "  create a.md", "  merge x.md, y.md -> a.md", "  refused update b.md: why" */
static void edit_line(memgit_buf *out, const memgit_edit *e)
{
	mg_buf_printf(out, "  %s%s ", e->refused ? "refused " : "", memgit_edit_kind_name(e->kind));
	for (size_t i = 0; e->kind == MEMGIT_EDIT_MERGE && i < e->nmerged; i++)
		mg_buf_printf(out, "%s%s", i ? ", " : "", e->merged[i]);
	if (e->kind == MEMGIT_EDIT_MERGE)
		mg_buf_puts(out, " -> ");
	mg_buf_puts(out, e->path);
	if (e->to)
		mg_buf_printf(out, " -> %s", e->to);
	if (e->refused)
		mg_buf_printf(out, ": %s", e->refused);
	mg_buf_putc(out, '\n');
}

/* "pass 1: needs_revision (score 0.62): deletions failed; dropped 2 edits" */
static void pass_lines(memgit_buf *out, const memgit_dream *d)
{
	for (size_t i = 0; i < memgit_dream_pass_count(d); i++) {
		const memgit_dream_pass *p = memgit_dream_pass_at(d, i);
		mg_buf_printf(out, "pass %u: %s (score %.2f)", p->iteration, p->verdict, p->score);
		if (*p->failed)
			mg_buf_printf(out, ": %s failed", p->failed);
		if (p->dropped)
			mg_buf_printf(out, "; dropped %zu edit%s", p->dropped, p->dropped == 1 ? "" : "s");
		else if (p->stopped)
			mg_buf_printf(out, "; no further pass: %s", p->stopped);
		mg_buf_putc(out, '\n');
	}
}

static int print_text(const memgit_dream *d, int dry_run)
{
	memgit_buf out = MEMGIT_BUF_INIT;
	size_t applied = applied_count(d), n = memgit_dream_edit_count(d);
	int code;

	if (dry_run && applied)
		mg_buf_printf(&out, "%s\n", memgit_dream_message(d));
	if (*memgit_dream_commit(d))
		mg_buf_printf(&out, "dream %s on branch dream/%s (%.7s)\n", memgit_dream_id(d),
			memgit_dream_id(d), memgit_dream_commit(d));
	else
		mg_buf_printf(&out, "dream %s (%s, nothing written)\n", memgit_dream_id(d),
			memgit_dream_status(d));
	mg_buf_printf(&out, "base %.7s, dreamer %s, %zu session%s\n%zu edit%s applied, %zu refused\n",
		memgit_dream_base(d), memgit_dream_dreamer(d), memgit_dream_session_count(d),
		memgit_dream_session_count(d) == 1 ? "" : "s", applied, applied == 1 ? "" : "s",
		n - applied);
	for (size_t pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++)
			if ((memgit_dream_edit(d, i)->refused != NULL) == (pass == 1))
				edit_line(&out, memgit_dream_edit(d, i));
	pass_lines(&out, d);
	if (*memgit_dream_commit(d))
		mg_buf_printf(&out, "review: memgit review %s\n", memgit_dream_id(d));
	code = cli_write_out(&out);
	memgit_buf_dispose(&out);
	return code;
}

static int dream_run(mg_cli *cli, memgit_store *store, dream_ctx *c)
{
	memgit_dream *d = NULL;
	int rc, code;

	c->opts.sessions = (const char *const *)c->sessions;
	c->opts.nsessions = c->nsessions;
	c->tty = !cli->quiet && !cli->json && isatty(STDERR_FILENO);
	c->opts.progress = on_progress;
	c->opts.progress_payload = c;
	rc = memgit_dream_run(&d, store, &c->opts);
	clear_progress(c);
	if (rc < 0 && rc != MEMGIT_ENOTHING) {
		char why[512];
		snprintf(why, sizeof(why), "%s", memgit_error_last()->message);
		code = cli_fail();
		cli_notify(cli, store, "dream.failed", NULL, "error", why);
		return code;
	}
	code = cli->json ? print_json(d) : print_text(d, c->opts.dry_run);
	if (!cli->json && strcmp(memgit_dream_status(d), "merged") == 0)
		printf("merged into the memory branch (memgit revert %s undoes it)\n", memgit_dream_id(d));
	if (memgit_dream_warning(d))
		cli_warn("%s", memgit_dream_warning(d));
	if (rc == 0 && !c->opts.dry_run && *memgit_dream_commit(d)) {
		cli_notify(cli, store, "dream.completed", memgit_dream_id(d), NULL, NULL);
		if (*memgit_dream_verdict(d))
			cli_notify(cli, store, "dream.graded", memgit_dream_id(d), NULL, NULL);
		if (strcmp(memgit_dream_status(d), "merged") == 0)
			cli_notify(cli, store, "dream.merged", memgit_dream_id(d), NULL, NULL);
	}
	if (rc == MEMGIT_ENOTHING)
		code = cli_fail();
	else if (c->opts.dry_run)
		cli_info(cli, "dry run: nothing was written");
	else if (code == MG_EXIT_OK && !c->opts.no_grade &&
		 strcmp(memgit_dream_verdict(d), "satisfied") != 0)
		code = MG_EXIT_NEGATIVE; /* a valid negative outcome: the branch stays for review */
	else if (code == MG_EXIT_OK && c->opts.merge > 0 && strcmp(memgit_dream_status(d), "merged") != 0)
		code = MG_EXIT_NEGATIVE; /* --merge asked, and a conflict kept it on its branch */
	memgit_dream_free(d);
	return code;
}

int cmd_dream(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dreamer", required_argument, NULL, 'D' },
		{ "replay", required_argument, NULL, 'R' },
		{ "sessions", required_argument, NULL, 'N' },
		{ "session", required_argument, NULL, 'S' },
		{ "instructions", required_argument, NULL, 'I' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "model", required_argument, NULL, 'M' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "max-tokens", required_argument, NULL, 'T' },
		{ "no-grade", no_argument, NULL, 'G' },
		{ "rubric", required_argument, NULL, 'r' },
		{ "merge", no_argument, NULL, 'm' },
		{ "no-merge", no_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 }
	};
	const mg_command *cmd = cli_find_command("dream");
	dream_ctx c = { MEMGIT_DREAM_OPTIONS_INIT, NULL, 0, 0, 0, 0, 0, 0, 0 };
	int code, at;

	if ((at = cli_parse(cli, cmd, argc, argv, "nj:", longopts, dream_opt, &c, &code)) < 0)
		goto done;
	if (at < argc)
		code = cli_usage_error(cmd, "unexpected argument '%s'", argv[at]);
	else if (c.max_given && c.nsessions)
		code = cli_usage_error(cmd, "give --sessions N or --session ID, not both");
	else if (c.opts.merge > 0 && (c.opts.no_grade || c.opts.dry_run))
		code = cli_usage_error(cmd, "--merge needs a graded dream (not --no-grade or --dry-run)");
	else if (c.opts.replay && c.opts.dreamer && strcmp(c.opts.dreamer, "replay") != 0)
		code = cli_usage_error(cmd, "--replay goes with --dreamer replay");
	else {
		if (c.opts.replay && !c.opts.dreamer)
			c.opts.dreamer = "replay";
		code = dream_run(cli, store, &c);
	}
done:
	free(c.sessions);
	return code;
}
