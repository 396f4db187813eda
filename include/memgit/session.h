/*
 * session.h: agent transcripts, normalised and kept under change control.
 *
 * A session is one transcript (Claude Code, Codex CLI, Anthropic Messages,
 * OpenAI chat, plain text) turned into memgit's canonical JSONL
 * (docs/sessions.md) and stored as sessions/<id>.jsonl on the ref
 * refs/memgit/sessions, which has its own add-only history: the memory
 * branch and the work tree are never touched.
 *
 * Ingestion streams: a transcript is read line by line, secrets are replaced
 * by [REDACTED:<rule>] before anything is written, and memory use does not
 * grow with the file. One call is one commit however many files it reads.
 */
#ifndef MEMGIT_SESSION_H
#define MEMGIT_SESSION_H

#include <stdint.h>
#include "common.h"
#include "buf.h"
#include "errors.h"
#include "store.h"

MEMGIT_BEGIN_DECL

/** The ref holding the sessions. */
#define MEMGIT_SESSIONS_REF "refs/memgit/sessions"

/** Default cap on one transcript line (and on a whole JSON or text document). */
#define MEMGIT_SESSION_MAX_LINE_DEFAULT (16u * 1024u * 1024u)

/** Default bound on JSON nesting in a transcript. */
#define MEMGIT_SESSION_MAX_DEPTH_DEFAULT 64u

/** What became of one transcript file. */
typedef enum {
	MEMGIT_SESSION_ADDED = 0,     /* a new session */
	MEMGIT_SESSION_UPDATED = 1,   /* the transcript grew: its session was replaced */
	MEMGIT_SESSION_UNCHANGED = 2, /* already stored (same transcript, or an older copy) */
	MEMGIT_SESSION_REFUSED = 3    /* malformed or unreadable: nothing of it was written */
} memgit_session_status;

/** "added", "updated", "unchanged" or "refused". Static storage. */
MEMGIT_EXTERN(const char *) memgit_session_status_name(memgit_session_status status);

/** One file's outcome, passed to memgit_session_report_cb. All borrowed. */
typedef struct {
	const char *file;       /* as given, or found while walking a folder */
	const char *id;         /* the session id; NULL when refused */
	const char *format;     /* "claude-code", ...; NULL when refused before detection */
	const char *parent;     /* the parent session's id (subagents), else NULL */
	memgit_session_status status;
	uint64_t events;        /* canonical events */
	uint64_t errors;        /* events marked is_error */
	uint64_t tool_calls;    /* tool_use events */
	uint64_t redactions;    /* secrets replaced by [REDACTED:<rule>] */
	uint64_t bytes;         /* size of the source file read */
	unsigned warnings;      /* warnings reported for this file */
	const memgit_error *error; /* REFUSED: why (file and line named); else NULL */
} memgit_session_report;

typedef void (*memgit_session_report_cb)(const memgit_session_report *report, void *payload);

/** A warning about a source file that does not stop it (a truncated final
 * line, a \u0000 replaced, an older copy kept, ...). `line` 0: no line. */
typedef void (*memgit_session_warn_cb)(const char *file, unsigned line, const char *message,
	void *payload);

/** Progress while reading: file `index` of `total` (0-based), `done` of `size` bytes. */
typedef void (*memgit_session_progress_cb)(const char *file, size_t index, size_t total,
	uint64_t done, uint64_t size, void *payload);

typedef struct {
	unsigned int version;
	const char *format;     /* NULL or "auto": detect; else "claude-code", "codex",
				 * "anthropic", "openai" or "text" */
	const char *agent;      /* recorded as the session's agent instead of the tool's name */
	int keep_going;         /* ingest the good files when some are refused */
	size_t max_line_bytes;  /* 0: MEMGIT_SESSION_MAX_LINE_DEFAULT */
	unsigned int max_depth; /* 0: MEMGIT_SESSION_MAX_DEPTH_DEFAULT */
	const char *message;    /* commit message; NULL: generated */
	memgit_session_report_cb report;     /* may be NULL */
	memgit_session_warn_cb warn;         /* may be NULL */
	memgit_session_progress_cb progress; /* may be NULL */
	void *payload;          /* passed to the callbacks */
} memgit_session_add_options;

#define MEMGIT_SESSION_ADD_OPTIONS_VERSION 1
#define MEMGIT_SESSION_ADD_OPTIONS_INIT { MEMGIT_SESSION_ADD_OPTIONS_VERSION, NULL, NULL, 0, 0, 0, \
	NULL, NULL, NULL, NULL, NULL }

typedef struct {
	char commit[41];     /* the new tip of refs/memgit/sessions ("" when none) */
	char parent[41];     /* the tip it was built on ("" when the ref was new) */
	unsigned int attempts; /* 1 + compare-and-swap retries */
	size_t added, updated, unchanged, refused, removed;
	uint64_t events, redactions; /* over the added and updated sessions */
} memgit_session_result;

/**
 * Ingest transcript files and folders in one commit on refs/memgit/sessions.
 * A file is read whatever its name; a folder is walked (hidden entries
 * skipped) for .jsonl and .json files other than *.meta.json, so a Claude
 * Code project folder brings its sessions and their subagents/ transcripts,
 * linked to their parent, and not the notes kept beside them.
 *
 * Returns 0 when a commit was made; MEMGIT_ENOTHING when every file was
 * already stored (nothing new); without keep_going, the code of the first
 * refused file (MEMGIT_EINPUT, MEMGIT_ELIMIT, MEMGIT_ENOTFOUND, ...), and
 * then nothing at all was written. With keep_going the refused files are
 * counted in result->refused and reported, and the return value says
 * whether the others made a commit. `result` may be NULL.
 */
MEMGIT_EXTERN(int) memgit_session_add(memgit_session_result *result, memgit_store *store,
	const char *const *paths, size_t npaths, const memgit_session_add_options *opts);

/** A stored session, from its header line. All borrowed. */
typedef struct {
	const char *id;
	const char *source;     /* the format: "claude-code", "codex", ... */
	const char *source_id;  /* the transcript's own id, or its content digest */
	const char *parent;     /* the parent session's id, or NULL */
	const char *agent;
	const char *started;    /* RFC 3339, or NULL */
	const char *ended;      /* last event's time, or NULL */
	const char *file;       /* the source file's name */
	const char *cwd;        /* may be NULL */
	const char *model;      /* may be NULL */
	const char *original_sha256;
	uint64_t original_bytes;
	uint64_t events, errors, tool_calls, redactions;
	uint64_t input_tokens, output_tokens;
	uint64_t size;          /* bytes of the stored canonical JSONL */
	char blob[41];
} memgit_session_info;

/** Return non-zero to stop; that value is returned. */
typedef int (*memgit_session_cb)(const memgit_session_info *info, void *payload);

/**
 * Call `cb` for every stored session in id order. Only each session's header
 * is read. 0 with no call when there are no sessions.
 */
MEMGIT_EXTERN(int) memgit_session_foreach(memgit_store *store, memgit_session_cb cb,
	void *payload);

/** The canonical JSONL of session `id` into `out`. MEMGIT_ENOTFOUND when absent. */
MEMGIT_EXTERN(int) memgit_session_read(memgit_buf *out, memgit_store *store, const char *id);

/**
 * Remove sessions in one commit on refs/memgit/sessions. Every id must
 * exist (MEMGIT_ENOTFOUND, nothing written). History keeps the removed
 * files, as git does: removing is not purging. `result` may be NULL.
 */
MEMGIT_EXTERN(int) memgit_session_remove(memgit_session_result *result, memgit_store *store,
	const char *const *ids, size_t nids);

/** One canonical event (docs/sessions.md). Borrowed until the next call. */
typedef struct {
	uint64_t i;          /* 0, 1, ... in transcript order */
	const char *ts;      /* RFC 3339, or NULL */
	const char *role;    /* "user" | "assistant" | "tool" | "system" */
	const char *type;    /* "text" | "tool_use" | "tool_result" | "error" | "summary" */
	const char *text;    /* may hold NUL bytes only as U+FFFD: never NUL */
	size_t text_len;
	const char *tool;    /* or NULL */
	const char *call_id; /* or NULL */
	int is_error;
	unsigned int line;   /* line of the source transcript, 0 when unknown */
} memgit_session_event;

typedef struct memgit_session_reader memgit_session_reader;

/**
 * Open session `id` for reading its events in order. The stored file is
 * streamed when the object database allows it (loose objects), so memory
 * does not grow with the session. `*out` is the caller's
 * (memgit_session_reader_free).
 */
MEMGIT_EXTERN(int) memgit_session_open(memgit_session_reader **out, memgit_store *store,
	const char *id);

/** The session's header (borrowed, valid while the reader is). */
MEMGIT_EXTERN(const memgit_session_info *) memgit_session_reader_info(
	const memgit_session_reader *reader);

/**
 * The next event into `*out` (borrowed until the next call), or `*out` NULL
 * after the last one. MEMGIT_EINPUT when the stored file is not canonical.
 */
MEMGIT_EXTERN(int) memgit_session_next(const memgit_session_event **out,
	memgit_session_reader *reader);

/** Close a reader. NULL is a no-op. */
MEMGIT_EXTERN(void) memgit_session_reader_free(memgit_session_reader *reader);

/** Non-zero when `id` has the shape of a session id (it may not exist). */
MEMGIT_EXTERN(int) memgit_session_id_valid(const char *id);

MEMGIT_END_DECL
#endif
