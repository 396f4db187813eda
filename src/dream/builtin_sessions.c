/*
 * builtin_sessions.c: one streaming pass over the input sessions, oldest
 * first, feeding the mistakes, workflows and preferences collectors.
 *
 * Preferences are read from the user's messages of top-level sessions only:
 * in a subagent's transcript the "user" is the agent that spawned it.
 *
 * Per session only the tool calls still waiting for their result are kept
 * (a bounded table: a call whose result never comes is forgotten once
 * PENDING_MAX newer ones wait), so memory does not grow with a session.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "memgit/session.h"
#include "util/buf.h"
#include "util/error.h"

#define PENDING_MAX 256

typedef struct {
	char *call_id;
	char *tool;
	char *command; /* NULL when not a shell call */
	size_t command_len;
	uint64_t use;
} pending;

typedef struct {
	pending p[PENDING_MAX];
	size_t n;
	memgit_buf cmd;
} calls;

static void pending_free(pending *p)
{
	free(p->call_id);
	free(p->tool);
	free(p->command);
	memset(p, 0, sizeof(*p));
}

static void calls_clear(calls *c)
{
	for (size_t i = 0; i < c->n; i++)
		pending_free(&c->p[i]);
	c->n = 0;
}

static int remember_call(calls *c, const memgit_session_event *ev)
{
	pending *p;

	if (!ev->call_id)
		return 0; /* a result could never be paired with it */
	if (c->n == PENDING_MAX) {
		pending_free(&c->p[0]);
		memmove(&c->p[0], &c->p[1], (PENDING_MAX - 1) * sizeof(c->p[0]));
		c->n--;
	}
	p = &c->p[c->n];
	memset(p, 0, sizeof(*p));
	p->use = ev->i;
	if (!(p->call_id = strdup(ev->call_id)) || !(p->tool = strdup(ev->tool ? ev->tool : "")))
		goto oom;
	if (mg_bi_is_shell_tool(ev->tool)) {
		if (mg_bi_shell_command(&c->cmd, ev->text, ev->text_len) < 0)
			goto oom;
		if (!(p->command = malloc(c->cmd.size + 1)))
			goto oom;
		memcpy(p->command, mg_buf_cstr(&c->cmd), c->cmd.size + 1);
		p->command_len = c->cmd.size;
	}
	c->n++;
	return 0;
oom:
	pending_free(p);
	return mg_error_oom();
}

/* The call a result answers, removed from the table; -1 when unknown. */
static long take_call(calls *c, const char *call_id)
{
	if (!call_id)
		return -1;
	for (size_t i = c->n; i-- > 0;)
		if (!strcmp(c->p[i].call_id, call_id))
			return (long)i;
	return -1;
}

static int on_result(mg_bi_mistakes *m, mg_bi_workflows *w, calls *c, mg_bi_call *call,
        const memgit_session_event *ev)
{
	long k = take_call(c, ev->call_id);
	int rc;

	call->result = ev->i;
	call->is_error = ev->is_error;
	call->text = ev->text;
	call->text_len = ev->text_len;
	call->use = UINT64_MAX;
	call->tool = ev->tool ? ev->tool : "";
	call->command = NULL;
	call->command_len = 0;
	if (k >= 0) {
		call->use = c->p[k].use;
		call->tool = c->p[k].tool;
		call->command = c->p[k].command;
		call->command_len = c->p[k].command_len;
	}
	if ((rc = mg_bi_mistakes_call(m, call)) == 0)
		rc = mg_bi_workflows_call(w, call);
	if (k >= 0) {
		pending_free(&c->p[k]);
		memmove(&c->p[k], &c->p[k + 1], (c->n - (size_t)k - 1) * sizeof(c->p[0]));
		c->n--;
	}
	return rc;
}

static int scan_one(
        mg_bi *b, size_t s, calls *c, mg_bi_mistakes *m, mg_bi_workflows *w, mg_bi_prefs *p)
{
	const char *sid = b->in->sessions[s];
	memgit_session_reader *r = NULL;
	const memgit_session_event *ev;
	mg_bi_call call = {s, sid};
	int rc;

	if ((rc = memgit_session_open(&r, b->in->store, sid)) < 0)
		return rc;
	/* a subagent's "user" is the agent that spawned it: its task, not
	 * the person's preferences */
	if (memgit_session_reader_info(r)->parent)
		p = NULL;
	while ((rc = memgit_session_next(&ev, r)) == 0 && ev) {
		if (!strcmp(ev->type, "tool_use"))
			rc = remember_call(c, ev);
		else if (!strcmp(ev->type, "tool_result"))
			rc = on_result(m, w, c, &call, ev);
		else if (!strcmp(ev->type, "error") && ev->is_error)
			rc = on_result(m, w, c, &call, ev);
		else if (p && !strcmp(ev->type, "text") && !strcmp(ev->role, "user"))
			rc = mg_bi_prefs_text(p, s, sid, ev->i, ev->text, ev->text_len);
		if (rc < 0)
			break;
	}
	calls_clear(c);
	memgit_session_reader_free(r);
	if (rc == 0) {
		mg_bi_mistakes_session_end(m);
		rc = mg_bi_workflows_session_end(w, s, sid);
	}
	return rc;
}

int mg_bi_scan_sessions(mg_bi *b, mg_bi_mistakes *m, mg_bi_workflows *w, mg_bi_prefs *p)
{
	calls *c = calloc(1, sizeof(*c));
	int rc = 0;

	if (!c)
		return mg_error_oom();
	for (size_t s = 0; s < b->in->nsessions && rc == 0; s++)
		rc = scan_one(b, s, c, m, w, p);
	memgit_buf_dispose(&c->cmd);
	free(c);
	return rc;
}
