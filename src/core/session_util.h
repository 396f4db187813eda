/*
 * session_util.h: the small pieces the transcript parsers share
 * (session_claude.c, session_codex.c, session_api.c): pushing events,
 * refusing a line, joining text, capping it, compacting tool input, naming
 * tool results after their calls, warning once per unknown type.
 *
 * Internal to src/core. Nothing here keeps global state; every table is the
 * caller's, lives in the parser's state and is freed by its close().
 */
#ifndef MG_SESSION_UTIL_H
#define MG_SESSION_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/session_format.h"
#include "json/json.h"
#include "util/buf.h"

/* ---- strings, hashes, errors ---------------------------------------------- */

/* 1 when `s` is one of `list` (NULL-terminated); a NULL `s` is in no list. */
int mg_session_in(const char *s, const char *const *list);

#define MG_FNV_OFFSET 1469598103934665603ull

/* FNV-1a over `len` bytes of `s`, continuing from `h` (MG_FNV_OFFSET to start). */
uint64_t mg_fnv1a(uint64_t h, const void *s, size_t len);

/* Refuse the transcript at `line` ("line N: why"); returns MEMGIT_EINPUT. */
int mg_session_refuse(unsigned line, const char *why);

/* The `type` of JSONL record `value` (line `line`) into *type, borrowed from
 * `value`. A record that is not an object or has no `type` is refused:
 * MEMGIT_EINPUT (error set). */
int mg_session_record_type(const mg_json *value, unsigned line, const char **type);

/*
 * Make the array *p (of `size`-byte items, *alloc of them allocated) hold at
 * least `need` items, doubling from 16. *p stays the caller's (free()); on
 * failure it is left as it was and MEMGIT_ENOMEM returned (error set).
 */
int mg_session_grow(void **p, size_t *alloc, size_t need, size_t size);

/*
 * Parse `s`, a text that may or may not be JSON, for a look inside: the
 * document (the caller's, mg_json_free()), or NULL when it is not JSON, in
 * which case no error is left behind (it is not an error of the transcript).
 */
mg_json *mg_session_parse_quiet(const char *s);

/* ---- events ------------------------------------------------------------------ */

/* Push one event into `sink`; a NULL `text` is the empty text. All strings are
 * borrowed for the call. Returns what the sink returns. */
int mg_session_emit(const mg_session_sink *sink, const char *ts, unsigned line, const char *role,
	const char *type, const char *text, size_t len, const char *tool, const char *call_id,
	int is_error);

/* A format's finish() for parsers that hold nothing back until the end. */
int mg_session_finish_none(void *state, const mg_session_sink *sink);

/* ---- text ------------------------------------------------------------------------ */

/* Append `s` to `b` as a piece of its own, after a '\n' unless `b` is empty.
 * A NULL or empty `s` adds nothing. 0 or MEMGIT_ENOMEM. */
int mg_session_piece(memgit_buf *b, const char *s);

/* Append "[type]" (at most 60 bytes of `type`) as a piece: what stands for
 * media and parts with no text. 0 or MEMGIT_ENOMEM. */
int mg_session_placeholder(memgit_buf *b, const char *type);

/* Cut `b` to at most `cap` bytes on a UTF-8 boundary and say how many went
 * ("\n[... N more bytes omitted]"). 0 (also when `b` fits) or MEMGIT_ENOMEM. */
int mg_session_cap(memgit_buf *b, size_t cap);

/*
 * Tool input `v` as compact JSON into `out` (cleared first): no input is "{}";
 * a string holding a JSON object or array (OpenAI and Codex send arguments
 * as JSON inside a string) is stored compact; any other string, or one that
 * does not parse (redacted, truncated), is kept as written; anything else is
 * printed compact. 0 or MEMGIT_ENOMEM.
 */
int mg_session_compact(memgit_buf *out, const mg_json *v);

/* ---- tool calls --------------------------------------------------------------- */

typedef struct {
	char *id;   /* owned; NULL in a slot never filled or taken */
	char *name; /* owned */
} mg_call;

/*
 * Tool call ids to tool names, so a tool_result can name the tool it answers.
 * A zeroed table is empty and grows without bound; set `ring` first for a
 * table that keeps only the last `ring` calls (the oldest is overwritten),
 * which bounds memory on transcripts of any length. The table owns copies
 * of the strings; mg_calls_free() releases them.
 */
typedef struct {
	mg_call *v; /* owned, `alloc` slots, the first `n` in use */
	size_t n, alloc;
	size_t next; /* the slot the next call goes into */
	size_t ring; /* 0: unbounded; else the most calls kept */
} mg_calls;

/* Remember call `id` of tool `name` (both copied). Without an id or a name
 * there is nothing to remember: 0. MEMGIT_ENOMEM (error set) on failure. */
int mg_calls_put(mg_calls *t, const char *id, const char *name);

/* The tool name of call `id`, newest call first, or NULL; borrowed from the
 * table until its next put, take, clear or free. */
const char *mg_calls_name(const mg_calls *t, const char *id);

/* Forget call `id` and hand its tool name to the caller (free()), or NULL.
 * The first match in slot order is taken: until a ring wraps, the oldest. */
char *mg_calls_take(mg_calls *t, const char *id);

/* Forget every call; the memory is kept for the next ones. */
void mg_calls_clear(mg_calls *t);

/* Release everything the table holds; NULL is a no-op. */
void mg_calls_free(mg_calls *t);

/* ---- warnings ----------------------------------------------------------------- */

#define MG_WARNED_MAX 32

/*
 * Names (record types, roles...) already warned about: each unknown one is
 * reported once, not on every line. A zeroed set is empty and remembers up
 * to MG_WARNED_MAX names; a smaller `cap` may be set first. Past the cap a
 * new name is still skipped by the parser, only no longer reported.
 */
typedef struct {
	char *names[MG_WARNED_MAX]; /* owned, the first `n` set */
	size_t n;
	size_t cap; /* 0: MG_WARNED_MAX */
} mg_warned;

/* Warn through `sink` at `line` with the printf-style message, unless `name`
 * was warned about before (or the set is full). A sink without warn() is
 * told nothing, but `name` is remembered all the same. */
void mg_warn_once(mg_warned *w, const mg_session_sink *sink, unsigned line, const char *name,
	const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Release the names; NULL is a no-op. */
void mg_warned_free(mg_warned *w);

#endif
