/*
 * model_chunks.c: what a model reads. The memory is shown whole, file by
 * file; the sessions are rendered one event a line, each event tagged
 * with the evidence id an edit cites ("[cc-1a2b3c4d#41]"), and cut into
 * chunks that fit the model's context.
 *
 * Long events are cut (a tool result of 200 KiB says little more than its
 * first 4 KiB), so the chunk count follows the conversation, not the
 * size of the files the agent happened to print.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/error.h"

/* Per event: what the model sees of its text. Tool traffic is cut harder
 * than what the user and the assistant said. */
#define TALK_MAX 8192
#define TOOL_MAX 2048

int mg_model_render_memory(memgit_buf *out, const mg_dream_input *in)
{
	int rc = mg_buf_printf(out, "The current memory: %zu file%s.\n", in->nmemories,
		in->nmemories == 1 ? "" : "s");

	for (size_t i = 0; i < in->nmemories && rc == 0; i++) {
		const mg_dream_memory *m = &in->memories[i];
		rc = mg_buf_printf(out, "\n=== memory:%s ===\n", m->path);
		if (rc == 0)
			rc = mg_buf_put(out, m->content, m->len);
		if (rc == 0 && (!m->len || m->content[m->len - 1] != '\n'))
			rc = mg_buf_putc(out, '\n');
	}
	return rc;
}

/* At most `max` bytes of `s`, cut on a character boundary, with a note. */
static int put_cut(memgit_buf *out, const char *s, size_t len, size_t max)
{
	size_t n = len;

	if (n <= max)
		return mg_buf_put(out, s, n);
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	if (mg_buf_put(out, s, n) < 0)
		return MEMGIT_ENOMEM;
	return mg_buf_printf(out, " [... %zu more bytes]", len - n);
}

static int render_event(memgit_buf *out, const char *sid, const memgit_session_event *ev)
{
	int tool = strcmp(ev->type, "tool_use") == 0 || strcmp(ev->type, "tool_result") == 0;
	int rc = mg_buf_printf(out, "[%s#%llu] %s %s%s%s%s: ", sid, (unsigned long long)ev->i,
		ev->role, ev->type, ev->tool ? " " : "", ev->tool ? ev->tool : "",
		ev->is_error ? " (error)" : "");

	if (rc == 0)
		rc = put_cut(out, ev->text, ev->text_len, tool ? TOOL_MAX : TALK_MAX);
	return rc < 0 ? rc : mg_buf_putc(out, '\n');
}

typedef struct {
	mg_model_chunk *items;
	size_t n;
	uint64_t max_tokens;
} chunk_list;

static mg_model_chunk *new_chunk(chunk_list *l, size_t session)
{
	mg_model_chunk *grown = realloc(l->items, (l->n + 1) * sizeof(*grown));

	if (!grown) {
		mg_error_oom();
		return NULL;
	}
	l->items = grown;
	memset(&grown[l->n], 0, sizeof(grown[0]));
	grown[l->n].first_session = grown[l->n].last_session = session;
	return &grown[l->n++];
}

/*
 * Add one rendered event of session `si` to the last chunk, or to a new
 * one when it would not fit. A session opens with its header in every
 * chunk it reaches; an event alone over the limit gets a chunk to itself,
 * cut to fit.
 */
static int add_line(chunk_list *l, size_t si, const char *sid, size_t *header_chunk,
	int *continued, const memgit_buf *line)
{
	mg_model_chunk *c = l->n ? &l->items[l->n - 1] : NULL;
	size_t header_len = strlen(sid) + 32;
	int rc = 0;

	if (!c || mg_model_tokens(c->text.size + line->size +
			  (*header_chunk == l->n - 1 ? 0 : header_len)) > l->max_tokens) {
		if (!(c = new_chunk(l, si)))
			return MEMGIT_ENOMEM;
	}
	if (*header_chunk != l->n - 1) {
		rc = mg_buf_printf(&c->text, "\n## session %s%s\n", sid, *continued ? " (continued)" : "");
		*header_chunk = l->n - 1;
		*continued = 1;
	}
	c->last_session = si;
	if (rc == 0)
		rc = put_cut(&c->text, line->ptr, line->size, (size_t)(l->max_tokens * 3));
	return rc;
}

/* One session rendered whole: its lines and where each ends. */
typedef struct {
	memgit_buf text;
	size_t *ends;
	size_t n, cap;
} rendered;

static int render_all(rendered *out, const mg_dream_input *in, const char *sid)
{
	memgit_session_reader *r = NULL;
	const memgit_session_event *ev;
	int rc;

	if ((rc = memgit_session_open(&r, in->store, sid)) < 0)
		return rc;
	while ((rc = memgit_session_next(&ev, r)) == 0 && ev) {
		if ((rc = render_event(&out->text, sid, ev)) < 0 ||
		    (rc = mg_array_grow((void **)&out->ends, &out->cap, out->n + 1, sizeof(size_t))) < 0)
			break;
		out->ends[out->n++] = out->text.size;
	}
	memgit_session_reader_free(r);
	return rc;
}

/*
 * Place session `si`: whole in the last chunk when it fits there, else
 * whole in a new chunk when it fits one, else line by line from the last
 * chunk on. A model reads a session best in one piece, and a session
 * reviewed in one request is consumed as soon as that request is done.
 */
static int render_session(chunk_list *l, const mg_dream_input *in, size_t si)
{
	const char *sid = in->sessions[si];
	rendered rs = { MEMGIT_BUF_INIT, NULL, 0, 0 };
	memgit_buf line = MEMGIT_BUF_INIT;
	size_t header_chunk = (size_t)-1, at = 0, whole;
	int continued = 0, rc;

	if ((rc = render_all(&rs, in, sid)) < 0 || rs.n == 0)
		goto done;
	whole = rs.text.size + strlen(sid) + 32;
	if (l->n && mg_model_tokens(l->items[l->n - 1].text.size + whole) > l->max_tokens &&
	    mg_model_tokens(whole) <= l->max_tokens && !new_chunk(l, si)) {
		rc = MEMGIT_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < rs.n && rc == 0; i++) {
		mg_buf_clear(&line);
		rc = mg_buf_put(&line, rs.text.ptr + at, rs.ends[i] - at);
		at = rs.ends[i];
		if (rc == 0)
			rc = add_line(l, si, sid, &header_chunk, &continued, &line);
	}
done:
	memgit_buf_dispose(&rs.text);
	free(rs.ends);
	memgit_buf_dispose(&line);
	return rc;
}

int mg_model_chunks(mg_model_chunk **out, size_t *n, const mg_dream_input *in, uint64_t max_tokens)
{
	chunk_list l = { NULL, 0, max_tokens };
	int rc = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < in->nsessions && rc == 0; i++)
		rc = render_session(&l, in, i);
	if (rc < 0) {
		mg_model_chunks_free(l.items, l.n);
		return rc;
	}
	*out = l.items;
	*n = l.n;
	return 0;
}

void mg_model_chunks_free(mg_model_chunk *chunks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		memgit_buf_dispose(&chunks[i].text);
	free(chunks);
}
