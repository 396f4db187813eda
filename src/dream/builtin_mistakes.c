/*
 * builtin_mistakes.c: rule 3, an error that recurs across sessions.
 *
 * A failed tool result (or an error event) is reduced to a signature: the
 * tool (any shell tool counts as one: Claude Code's Bash and Codex's
 * exec_command fail alike), for shell tools the steps of the failing
 * command ("cmake --build", "git push"), and the line of the output that
 * says what failed, with
 * quoted strings, paths, hex and numbers replaced. A signature seen in at
 * least min_sessions distinct sessions becomes a `mistake` memory citing
 * the first occurrence in each session (repeats within a session are
 * counted, not cited). What worked is read from the same session: a later,
 * different command of the same program that succeeds ("cmake -S . -B
 * build" after "cmake --build" failed), or, when the same command passes
 * on a later try, the last other command that did something in between
 * ("pg_ctl start" before "ctest" again).
 *
 * The line quoted is the one that names the cause ("connection refused",
 * "error: ..."), before a line that only reports a failure (a test runner's
 * "***Failed" summary), before the first line; harness lines ("Exit code
 * 1", Codex's "Process exited with code 1") are skipped.
 *
 * A memory that already records the signature (`signature:` in its front
 * matter, or a `kind: mistake` memory whose body holds the normalised
 * error) is strengthened instead: the new sessions are added to its
 * sources, `occurrences` grows and `updated` is set.
 *
 * API errors that are not a tool's (overload, rate limits, time-outs) are
 * transient, not mistakes, and are left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "memgit/memory.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/error.h"

#define FIXES_MAX 8
#define FIX_WAIT_MAX 16
#define KNOWN_MIN 16 /* bytes of a normalised error worth looking for in a body */

typedef struct {
	size_t session;
	uint64_t use, result;
	unsigned long count;
} occurrence;

/* What made the command pass: a changed command, or another command run
 * first and then the same one again (`first`). */
typedef struct {
	char *cmd;
	int first;
	unsigned long n;
} fix;

typedef struct {
	char *key; /* tool \x1f steps \x1f normalised error */
	char *tool, *steps, *norm;
	char *first_line; /* verbatim (clipped) */
	char *command;    /* the failing command as first seen (clipped), or NULL */
	unsigned long count;
	occurrence *occ; /* first in each session */
	size_t nocc, cap;
	fix fixes[FIXES_MAX];
	size_t nfixes;
} signature;

typedef struct {
	size_t sig;
	char program[64];
	char *command;
	char *between; /* the last other command that worked since, or NULL */
} waiting;

struct mg_bi_mistakes {
	mg_strmap index;
	signature *sigs;
	size_t n, cap;
	waiting wait[FIX_WAIT_MAX]; /* this session's failures that nothing fixed yet */
	size_t nwait;
	memgit_buf scratch, line;
};

int mg_bi_mistakes_new(mg_bi_mistakes **out)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return mg_error_oom();
	return 0;
}

static void signature_free(signature *s)
{
	free(s->key);
	free(s->tool);
	free(s->steps);
	free(s->norm);
	free(s->first_line);
	free(s->command);
	free(s->occ);
	for (size_t i = 0; i < s->nfixes; i++)
		free(s->fixes[i].cmd);
}

void mg_bi_mistakes_session_end(mg_bi_mistakes *m)
{
	for (size_t i = 0; i < m->nwait; i++) {
		free(m->wait[i].command);
		free(m->wait[i].between);
	}
	m->nwait = 0;
}

void mg_bi_mistakes_free(mg_bi_mistakes *m)
{
	if (!m)
		return;
	mg_bi_mistakes_session_end(m);
	for (size_t i = 0; i < m->n; i++)
		signature_free(&m->sigs[i]);
	free(m->sigs);
	mg_strmap_dispose(&m->index);
	memgit_buf_dispose(&m->scratch);
	memgit_buf_dispose(&m->line);
	free(m);
}

/* ---- collecting ------------------------------------------------------------------ */

static int transient(const char *s, size_t len)
{
	static const char *const words[] = {"overloaded", "rate limit", "rate_limit", "429", "529",
	        "500", "502", "503", "504", "timed out", "timeout", "connection reset",
	        "econnreset", "socket hang up", "internal server error", "interrupted", "api error",
	        "network"};
	memgit_buf low = MEMGIT_BUF_INIT;
	int hit = 0;

	if (mg_bi_squash(&low, s, len) < 0)
		return 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(*words) && !hit; i++)
		hit = strstr(mg_buf_cstr(&low), words[i]) != NULL;
	memgit_buf_dispose(&low);
	return hit;
}

typedef struct {
	memgit_buf *out;
	char *program; /* the first step's program, or NULL */
	size_t cap;
} steps_acc;

/* Setting up (cd build && ...) is not what the command is about. */
static int setup_step(const char *step)
{
	static const char *const words[] = {
	        "cd", "pushd", "export", "set", "source", ".", "echo", "true", "unset", "ulimit"};
	size_t n = strcspn(step, " ");

	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (strlen(words[i]) == n && !strncmp(step, words[i], n))
			return 1;
	return 0;
}

static int step_cb(const char *step, const char *raw, size_t raw_len, void *payload)
{
	steps_acc *a = payload;
	(void)raw;
	(void)raw_len;
	if (a->program && !a->program[0] && !setup_step(step))
		snprintf(a->program, a->cap, "%.*s", (int)strcspn(step, " "), step);
	if (a->out->size && mg_buf_puts(a->out, " && ") < 0)
		return MEMGIT_ENOMEM;
	return mg_buf_puts(a->out, step);
}

static int new_signature(mg_bi_mistakes *m, size_t *idx, const mg_bi_call *call, const char *steps,
        const char *norm, size_t ls, size_t ll)
{
	memgit_buf clip = MEMGIT_BUF_INIT;
	signature *s;
	int rc;

	if (mg_array_grow((void **)&m->sigs, &m->cap, m->n + 1, sizeof(*m->sigs)) < 0)
		return MEMGIT_ENOMEM;
	s = &m->sigs[m->n];
	memset(s, 0, sizeof(*s));
	if ((rc = mg_bi_clip(&clip, call->text + ls, ll, 300)) < 0)
		goto done;
	s->first_line = mg_buf_detach(&clip);
	if (call->command && (rc = mg_bi_clip(&clip, call->command, call->command_len, 300)) == 0)
		s->command = mg_buf_detach(&clip);
	s->key = strdup(mg_buf_cstr(&m->scratch));
	s->tool = strdup(call->tool);
	s->steps = strdup(steps);
	s->norm = strdup(norm);
	if (rc == 0 && (!s->first_line || !s->key || !s->tool || !s->steps || !s->norm ||
	                       (call->command && !s->command)))
		rc = mg_error_oom();
	if (rc == 0 && (rc = mg_strmap_set(&m->index, s->key, m->n)) == 0)
		*idx = m->n++;
done:
	if (rc < 0)
		signature_free(s);
	memgit_buf_dispose(&clip);
	return rc;
}

static int count_occurrence(signature *s, const mg_bi_call *call)
{
	s->count++;
	if (s->nocc && s->occ[s->nocc - 1].session == call->session) {
		s->occ[s->nocc - 1].count++;
		return 0;
	}
	if (mg_array_grow((void **)&s->occ, &s->cap, s->nocc + 1, sizeof(*s->occ)) < 0)
		return MEMGIT_ENOMEM;
	s->occ[s->nocc++] = (occurrence){call->session, call->use, call->result, 1};
	return 0;
}

static int wait_for_fix(mg_bi_mistakes *m, size_t sig, const char *program, const mg_bi_call *call)
{
	waiting *w;

	if (!call->command || !program[0] || m->nwait == FIX_WAIT_MAX)
		return 0;
	for (size_t i = 0; i < m->nwait; i++)
		if (m->wait[i].sig == sig)
			return 0;
	w = &m->wait[m->nwait];
	w->sig = sig;
	w->between = NULL;
	snprintf(w->program, sizeof(w->program), "%s", program);
	if (!(w->command = strndup(call->command, call->command_len)))
		return mg_error_oom();
	m->nwait++;
	return 0;
}

static int record_fix(signature *s, const char *cmd, size_t len, int first)
{
	memgit_buf clip = MEMGIT_BUF_INIT;
	size_t i;
	int rc;

	if ((rc = mg_bi_clip(&clip, cmd, len, 200)) < 0)
		return rc;
	for (i = 0;
	        i < s->nfixes && (strcmp(s->fixes[i].cmd, clip.ptr) || s->fixes[i].first != first);
	        i++)
		;
	if (i < s->nfixes)
		s->fixes[i].n++;
	else if (s->nfixes < FIXES_MAX)
		s->fixes[s->nfixes++] = (fix){mg_buf_detach(&clip), first, 1};
	memgit_buf_dispose(&clip);
	return 0;
}

static int count_step(const char *step, const char *raw, size_t raw_len, void *payload)
{
	(void)step;
	(void)raw;
	(void)raw_len;
	(*(int *)payload)++;
	return 0;
}

/* Remember a command that did something (not only looked) while a failure
 * waits: run before the same command again, it is what fixed it. */
static int note_between(waiting *w, const mg_bi_call *call)
{
	int steps = 0;
	char *c;

	if (mg_bi_shell_steps(call->command, call->command_len, 0, count_step, &steps) < 0)
		return MEMGIT_ENOMEM;
	if (!steps)
		return 0;
	if (!(c = strndup(call->command, call->command_len)))
		return mg_error_oom();
	free(w->between);
	w->between = c;
	return 0;
}

static int same_command(const waiting *w, const mg_bi_call *call)
{
	return strlen(w->command) == call->command_len &&
	       !memcmp(w->command, call->command, call->command_len);
}

/* A command of the same program succeeded after a failure: what worked. */
static int on_success(mg_bi_mistakes *m, const mg_bi_call *call)
{
	char program[64] = "";
	memgit_buf steps = MEMGIT_BUF_INIT;
	steps_acc a = {&steps, program, sizeof(program)};
	int rc = 0;

	if (!call->command || !m->nwait)
		return 0;
	if ((rc = mg_bi_shell_steps(call->command, call->command_len, 1, step_cb, &a)) < 0)
		goto done;
	for (size_t i = 0; i < m->nwait && rc == 0; i++) {
		waiting *w = &m->wait[i];
		if (strcmp(w->program, program)) {
			rc = note_between(w, call);
			continue;
		}
		/* the same command passing on a second try, with nothing done in
		 * between, fixed nothing */
		if (!same_command(w, call))
			rc = record_fix(&m->sigs[w->sig], call->command, call->command_len, 0);
		else if (w->between)
			rc = record_fix(&m->sigs[w->sig], w->between, strlen(w->between), 1);
		free(w->command);
		free(w->between);
		m->wait[i--] = m->wait[--m->nwait];
	}
done:
	memgit_buf_dispose(&steps);
	return rc;
}

int mg_bi_mistakes_call(mg_bi_mistakes *m, const mg_bi_call *call)
{
	char program[64] = "";
	memgit_buf steps = MEMGIT_BUF_INIT;
	steps_acc a = {&steps, program, sizeof(program)};
	size_t ls, ll, idx;
	int rc = 0;

	if (!call->is_error)
		return on_success(m, call);
	mg_bi_error_line(call->text, call->text_len, &ls, &ll);
	if (!ll || (!call->tool[0] && transient(call->text + ls, ll)))
		return 0;
	mg_buf_clear(&m->line);
	mg_buf_clear(&m->scratch);
	if ((rc = mg_bi_normalise_error(&m->line, call->text + ls, ll)) < 0 ||
	        (call->command && (rc = mg_bi_shell_steps(
	                                   call->command, call->command_len, 1, step_cb, &a)) < 0))
		goto done;
	/* Bash, exec_command, local_shell...: the command says what failed, not
	 * which harness ran it, so one mistake is seen across agents */
	if (call->command)
		rc = mg_buf_puts(&m->scratch, "shell");
	else
		rc = mg_bi_squash(&m->scratch, call->tool, strlen(call->tool));
	if (rc < 0 || (rc = mg_buf_printf(&m->scratch, "\x1f%s\x1f%s", mg_buf_cstr(&steps),
	                       mg_buf_cstr(&m->line))) < 0)
		goto done;
	if (!mg_strmap_get(&m->index, m->scratch.ptr, &idx) &&
	        (rc = new_signature(
	                 m, &idx, call, mg_buf_cstr(&steps), mg_buf_cstr(&m->line), ls, ll)) < 0)
		goto done;
	if ((rc = count_occurrence(&m->sigs[idx], call)) == 0)
		rc = wait_for_fix(m, idx, program, call);
done:
	memgit_buf_dispose(&steps);
	return rc;
}

/* ---- proposing ------------------------------------------------------------------ */

static int evidence_of(mg_bi_strs *ev, const mg_bi *b, const occurrence *o)
{
	const char *sid = b->in->sessions[o->session];

	if (o->use != UINT64_MAX && o->use < o->result)
		return mg_bi_strs_pushf(ev, "%s#%llu-%llu", sid, (unsigned long long)o->use,
		        (unsigned long long)o->result);
	return mg_bi_strs_pushf(ev, "%s#%llu", sid, (unsigned long long)o->result);
}

static const fix *best_fix(const signature *s)
{
	const fix *best = NULL;

	for (size_t i = 0; i < s->nfixes; i++)
		if (!best || s->fixes[i].n > best->n)
			best = &s->fixes[i];
	return best;
}

static const char *subject_of(const signature *s)
{
	return s->steps[0] ? s->steps : s->tool[0] ? s->tool : "a tool";
}

static int mistake_body(memgit_buf *body, const signature *s)
{
	const fix *f = best_fix(s);
	int rc;

	rc = mg_buf_printf(body,
	        "`%s`%s%s%s failed %lu time%s in %zu sessions with the same error.\n\n"
	        "First error line, verbatim:\n\n    %s\n",
	        subject_of(s), s->steps[0] && s->tool[0] ? " (tool `" : "",
	        s->steps[0] && s->tool[0] ? s->tool : "", s->steps[0] && s->tool[0] ? "`)" : "",
	        s->count, s->count == 1 ? "" : "s", s->nocc, s->first_line);
	if (rc == 0 && s->command)
		rc = mg_buf_printf(
		        body, "\nThe failing command, as first seen:\n\n    %s\n", s->command);
	if (rc == 0 && f && !f->first)
		rc = mg_buf_printf(body, "\nWhat worked next: `%s` (after %lu of the failures).\n",
		        f->cmd, f->n);
	else if (rc == 0 && f)
		rc = mg_buf_printf(body,
		        "\nWhat worked: `%s` first, then the same command again (after %lu of the "
		        "failures).\n",
		        f->cmd, f->n);
	return rc;
}

static int tags_of(mg_bi_strs *tags, const signature *s)
{
	memgit_buf t = MEMGIT_BUF_INIT;
	int rc = mg_bi_strs_push(tags, "mistake");

	if (rc == 0 && s->tool[0] && (rc = mg_bi_slug(&t, s->tool, strlen(s->tool), 32)) == 0)
		rc = mg_bi_strs_add_unique(tags, t.ptr);
	mg_buf_clear(&t);
	if (rc == 0 && s->steps[0] &&
	        (rc = mg_bi_slug(&t, s->steps, strcspn(s->steps, " "), 32)) == 0)
		rc = mg_bi_strs_add_unique(tags, t.ptr);
	memgit_buf_dispose(&t);
	return rc;
}

static int create_mistake(mg_bi *b, const signature *s, const char *sig, mg_bi_strs *ev)
{
	memgit_buf path = MEMGIT_BUF_INIT, slug = MEMGIT_BUF_INIT, title = MEMGIT_BUF_INIT,
	           body = MEMGIT_BUF_INIT, content = MEMGIT_BUF_INIT;
	mg_bi_strs tags = {0};
	char count[24];
	const char *extra[4] = {"signature", sig, "occurrences", count};
	int rc;

	snprintf(count, sizeof(count), "#%lu", s->count);
	if ((rc = mg_bi_slug(&slug, subject_of(s), strlen(subject_of(s)), 24)) < 0 ||
	        (rc = mg_buf_putc(&slug, '-')) < 0 ||
	        (rc = mg_bi_slug(&slug, s->norm, strlen(s->norm), 36)) < 0 ||
	        (rc = mg_bi_new_path(&path, b, "mistakes", slug.ptr)) < 0)
		goto done;
	if ((rc = mg_buf_printf(&title, "%s fails: ", subject_of(s))) < 0 ||
	        (rc = mg_bi_clip(&title, s->first_line, strlen(s->first_line), 90)) < 0 ||
	        (rc = mistake_body(&body, s)) < 0 || (rc = tags_of(&tags, s)) < 0)
		goto done;
	if ((rc = mg_bi_compose(&content, path.ptr, title.ptr, "mistake", tags.items, tags.n,
	             b->now, ev->items, ev->n, extra, 2, body.ptr, body.size)) < 0 ||
	        (rc = mg_bi_create(b, path.ptr, &content, ev,
	                 "`%s` failed with the same error in %zu sessions", subject_of(s), s->nocc)) < 0)
		goto done;
done:
	mg_bi_strs_dispose(&tags);
	memgit_buf_dispose(&path);
	memgit_buf_dispose(&slug);
	memgit_buf_dispose(&title);
	memgit_buf_dispose(&body);
	memgit_buf_dispose(&content);
	return rc;
}

/* Add the sessions the memory does not cite yet; bump `occurrences`. */
static int strengthen(mg_bi *b, size_t idx, const signature *s, const char *sig)
{
	memgit_memory *mem = NULL;
	mg_bi_strs src = {0}, ev = {0};
	unsigned long more = 0, had;
	const char *v;
	int rc;

	if ((rc = mg_bi_update_begin(&mem, &idx, b, idx)) < 0 || idx == MG_BI_NONE)
		goto done;
	for (size_t i = 0; i < memgit_memory_list_count(mem, "sources") && rc == 0; i++)
		rc = mg_bi_strs_push(&src, memgit_memory_list_item(mem, "sources", i));
	for (size_t i = 0; i < s->nocc && rc == 0; i++) {
		const char *sid = b->in->sessions[s->occ[i].session];
		if (mg_bi_cites_session(mem, sid, strlen(sid)))
			continue;
		more += s->occ[i].count;
		if ((rc = evidence_of(&ev, b, &s->occ[i])) == 0)
			rc = mg_bi_strs_push(&src, ev.items[ev.n - 1]);
	}
	if (rc < 0 || !ev.n)
		goto done;
	v = memgit_memory_get(mem, "occurrences");
	had = v ? strtoul(v, NULL, 10) : memgit_memory_list_count(mem, "sources");
	if ((rc = memgit_memory_set_list(mem, "sources", (const char *const *)src.items, src.n)) <
	                0 ||
	        (!memgit_memory_get(mem, "signature") &&
	                (rc = memgit_memory_set_string(mem, "signature", sig)) < 0) ||
	        (rc = mg_bi_touch(mem, b)) < 0 ||
	        (rc = mg_bi_set_count(&mem, b->in->memories[idx].path, "occurrences", had + more)) <
	                0)
		goto done;
	{
		char why[256];
		snprintf(why, sizeof(why),
		        "strengthen: `%s` failed the same way in %zu more session%s", subject_of(s),
		        ev.n, ev.n == 1 ? "" : "s");
		rc = mg_bi_update_end(b, idx, mem, why, ev.items, ev.n);
		mem = NULL;
	}
done:
	memgit_memory_free(mem);
	mg_bi_strs_dispose(&src);
	mg_bi_strs_dispose(&ev);
	return rc;
}

/* The live `kind: mistake` memories, each body normalised line by line the
 * way errors are, so a memory that quotes an error matches its signature. */
typedef struct {
	size_t idx;
	char *norm;
} known;

static int known_mistakes(known **out, size_t *n, const mg_bi *b)
{
	memgit_buf tmp = MEMGIT_BUF_INIT;
	int rc = 0;

	*n = 0;
	if (!(*out = malloc((b->n ? b->n : 1) * sizeof(**out))))
		return mg_error_oom();
	for (size_t i = 0; i < b->n && rc == 0; i++) {
		const memgit_memory *mem = b->in->memories[i].mem;
		const char *kind = mem ? memgit_memory_get(mem, "kind") : NULL, *body;
		size_t len, pos = 0;
		if (!kind || strcmp(kind, "mistake") || b->mems[i].state == MG_BI_DELETED)
			continue;
		body = memgit_memory_body(mem, &len);
		mg_buf_clear(&tmp);
		while (pos < len && rc == 0) {
			const char *nl = memchr(body + pos, '\n', len - pos);
			size_t end = nl ? (size_t)(nl - body) : len;
			if ((rc = mg_bi_normalise_error(&tmp, body + pos, end - pos)) == 0)
				rc = mg_buf_putc(&tmp, '\n');
			pos = end + 1;
		}
		if (rc == 0 && !((*out)[*n].norm = strdup(mg_buf_cstr(&tmp))))
			rc = mg_error_oom();
		if (rc == 0)
			(*out)[(*n)++].idx = i;
	}
	memgit_buf_dispose(&tmp);
	return rc;
}

/* An existing memory for the signature: by `signature:`, else a known
 * mistake whose body holds the normalised error. */
static size_t existing(
        const mg_bi *b, const signature *s, const char *sig, const known *k, size_t nk)
{
	size_t idx;

	if (mg_strmap_get(&b->sigs, sig, &idx))
		return idx;
	/* "error" alone would be found in every note about an error */
	if (strlen(s->norm) < KNOWN_MIN)
		return MG_BI_NONE;
	for (size_t i = 0; i < nk; i++)
		if (strstr(k[i].norm, s->norm))
			return k[i].idx;
	return MG_BI_NONE;
}

typedef struct {
	const char *key;
	size_t idx;
} by_key;

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const by_key *)a)->key, ((const by_key *)b)->key);
}

static int propose_one(mg_bi *b, const signature *s, const known *k, size_t nk)
{
	mg_bi_strs ev = {0};
	char sig[17];
	size_t idx;
	int rc = 0;

	mg_bi_sig_of(sig, s->key, strlen(s->key));
	if ((idx = existing(b, s, sig, k, nk)) != MG_BI_NONE)
		return strengthen(b, idx, s, sig);
	for (size_t j = 0; j < s->nocc && rc == 0; j++)
		rc = evidence_of(&ev, b, &s->occ[j]);
	if (rc == 0)
		rc = create_mistake(b, s, sig, &ev);
	mg_bi_strs_dispose(&ev);
	return rc;
}

int mg_bi_mistakes_propose(mg_bi *b, mg_bi_mistakes *m)
{
	by_key *order = malloc((m->n ? m->n : 1) * sizeof(*order));
	known *k = NULL;
	size_t n = 0, nk = 0;
	int rc = 0;

	if (!order)
		return mg_error_oom();
	for (size_t i = 0; i < m->n; i++)
		if (m->sigs[i].nocc >= b->cfg.min_sessions)
			order[n++] = (by_key){m->sigs[i].key, i};
	if (n)
		rc = known_mistakes(&k, &nk, b);
	qsort(order, n, sizeof(*order), cmp_key);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = propose_one(b, &m->sigs[order[i].idx], k, nk);
	for (size_t i = 0; i < nk; i++)
		free(k[i].norm);
	free(k);
	free(order);
	return rc;
}
