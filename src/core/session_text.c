/*
 * session_text.c: plain text and markdown transcripts.
 *
 * A conversation pasted or exported as text marks each turn with its
 * speaker at the start of a line: "User: ...", "Assistant: ...", or a
 * markdown heading or bold label ("## User", "**Assistant:**"). Each marked
 * turn becomes one event; text before the first marker is a system note.
 * Text with no marker at all is one user event: notes the user supplied.
 * The document carries no id; the session is named by its content.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "session_format.h"
#include "util/error.h"

typedef struct {
	const char *word;
	const char *role;
	const char *type;
} tx_speaker;

static const tx_speaker tx_speakers[] = {
	{ "user", "user", "text" },        { "human", "user", "text" },
	{ "you", "user", "text" },         { "assistant", "assistant", "text" },
	{ "ai", "assistant", "text" },     { "claude", "assistant", "text" },
	{ "chatgpt", "assistant", "text" }, { "codex", "assistant", "text" },
	{ "model", "assistant", "text" },  { "agent", "assistant", "text" },
	{ "system", "system", "text" },    { "tool", "tool", "tool_result" },
	{ "tool result", "tool", "tool_result" }, { NULL, NULL, NULL }
};

/*
 * The speaker a line opens, or NULL; *body is where the turn's own text
 * starts on that line. "## User", "**User:**", "User: hi" all open a turn;
 * in prose a speaker word must be followed by ':' at the start of the line.
 */
static const tx_speaker *tx_marker(const char *s, size_t n, size_t *body)
{
	size_t i = 0, hashes = 0, stars = 0;

	while (i < n && s[i] == '#')
		i++, hashes++;
	while (i < n && s[i] == ' ')
		i++;
	while (i < n && s[i] == '*' && stars < 2)
		i++, stars++;
	for (const tx_speaker *sp = tx_speakers; sp->word; sp++) {
		size_t w = strlen(sp->word), j = i + w;
		if (j > n || strncasecmp(s + i, sp->word, w) != 0)
			continue;
		while (j < n && s[j] == '*')
			j++;
		if (j < n && s[j] == ':') {
			j++;
			while (j < n && s[j] == '*')
				j++;
		} else if (!(hashes && (j == n || s[j] == ' ' || s[j] == '\r')) &&
			   !(stars && j == n)) {
			continue;
		}
		while (j < n && (s[j] == ' ' || s[j] == '\t'))
			j++;
		*body = j;
		return sp;
	}
	return NULL;
}

typedef struct {
	const mg_session_sink *sink;
	const tx_speaker *who;
	const char *start, *end; /* the turn's text so far */
	unsigned line;
} tx_turn;

static int tx_flush(tx_turn *t)
{
	mg_session_event ev;

	while (t->start < t->end && (*t->start == '\n' || *t->start == '\r' || *t->start == ' '))
		t->start++;
	while (t->end > t->start && (t->end[-1] == '\n' || t->end[-1] == '\r' || t->end[-1] == ' '))
		t->end--;
	if (t->start == t->end)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.role = t->who ? t->who->role : "system";
	ev.type = t->who ? t->who->type : "text";
	ev.text = t->start;
	ev.text_len = (size_t)(t->end - t->start);
	ev.line = t->line;
	return t->sink->event(t->sink->ctx, &ev);
}

static int tx_detect(const mg_json *first, const char *raw, size_t len)
{
	(void)first;
	(void)raw;
	(void)len;
	return 1; /* anything else that is valid UTF-8 */
}

static int tx_open(void **state)
{
	*state = NULL;
	return 0;
}

static int tx_feed(void *state, const mg_session_sink *sink, const mg_json *value, const char *raw,
	size_t len, unsigned line)
{
	const char *p = raw, *end = raw + len;
	tx_turn t = { sink, NULL, raw, raw, line ? line : 1 };
	unsigned ln = t.line, markers = 0;
	int rc;

	(void)state;
	(void)value;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *next = nl ? nl + 1 : end;
		size_t body;
		const tx_speaker *sp = tx_marker(p, (size_t)((nl ? nl : end) - p), &body);
		if (sp) {
			t.end = p;
			if ((rc = tx_flush(&t)) < 0)
				return rc;
			t.who = sp;
			t.start = p + body;
			t.line = ln;
			markers++;
		}
		t.end = next;
		p = next;
		ln++;
	}
	/* with no speaker anywhere, the whole text is what the user gave */
	if (!markers)
		t.who = &tx_speakers[0];
	return tx_flush(&t);
}

static int tx_finish(void *state, const mg_session_sink *sink)
{
	(void)state;
	(void)sink;
	return 0;
}

static void tx_close(void *state)
{
	(void)state;
}

const mg_session_format mg_format_text = {
	"text", "tx", 0, tx_detect, tx_open, tx_feed, tx_finish, tx_close,
};
