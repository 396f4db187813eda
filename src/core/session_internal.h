/*
 * session_internal.h: what the session modules share.
 *
 *   session_reader.c  streaming line reader with a line cap
 *   session_sink.c    the sink parsers push events into: numbering,
 *                     redaction, canonical JSONL to a spool file
 *   session.c         memgit_session_add: files, detection, feeding, ids
 *   session_store.c   refs/memgit/sessions: headers, commits, reading
 */
#ifndef MG_SESSION_INTERNAL_H
#define MG_SESSION_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

#include "memgit/session.h"
#include "session_format.h"
#include "store_internal.h"
#include "util/sha256.h"

#define MG_SESSIONS_DIR "sessions"
#define MG_SESSION_ID_MAX 128

/* ---- line reader ---------------------------------------------------------- */

/* Read up to `len` bytes; 0 at the end, negative (error set) on failure. */
typedef ssize_t (*mg_read_fn)(void *ctx, char *buf, size_t len);

typedef struct {
	mg_read_fn read;
	void *ctx;
	const char *name;   /* for errors */
	char *buf;
	size_t cap, start, end, scan;
	size_t max_line;
	int eof;
	unsigned line;      /* number of the last line returned */
	uint64_t consumed;  /* bytes returned so far, newlines included */
	mg_sha256 *hash;    /* when set, every byte read is hashed */
} mg_line_reader;

void mg_line_reader_init(mg_line_reader *r, mg_read_fn fn, void *ctx, const char *name,
	size_t max_line);
void mg_line_reader_dispose(mg_line_reader *r);

/*
 * The next line (without its '\n', NUL-terminated in place) into *line and *len;
 * *complete is 0 for a final line without a newline. Returns 1 for a line,
 * 0 at the end, MEMGIT_ELIMIT (naming the line) for a line over the cap.
 */
int mg_line_next(mg_line_reader *r, char **line, size_t *len, int *complete);

/* Everything left (at most `cap` bytes, else MEMGIT_ELIMIT) appended to `out`. */
int mg_line_rest(mg_line_reader *r, memgit_buf *out, size_t cap);

/* Make sure at least `want` bytes (or all that is left) are buffered and
 * return a view of them without consuming anything. */
int mg_line_peek(mg_line_reader *r, size_t want, const char **data, size_t *len);

/* Drop `n` buffered bytes (a byte-order mark) without returning them. */
void mg_line_skip(mg_line_reader *r, size_t n);

ssize_t mg_read_fd(void *ctx, char *buf, size_t len); /* ctx: int * */

/* ---- spool: an anonymous temporary file holding a batch's canonical output -- */

typedef struct {
	int fd;
	uint64_t size;      /* bytes written (including what is buffered) */
	char *buf;
	size_t fill;
} mg_spool;

int mg_spool_open(mg_spool *sp, const char *dir);
int mg_spool_write(mg_spool *sp, const char *data, size_t len);
int mg_spool_flush(mg_spool *sp);
/* Forget everything written after `offset` (a refused transcript's events). */
int mg_spool_rewind(mg_spool *sp, uint64_t offset);
void mg_spool_close(mg_spool *sp);

/* ---- the sink ------------------------------------------------------------- */

typedef void (*mg_sink_warn_fn)(void *ctx, unsigned line, const char *message);

typedef struct {
	mg_spool *spool;
	const mg_secret_allow *allow;
	mg_sink_warn_fn warn;       /* where warnings go (file is known there) */
	void *warn_ctx;
	uint64_t offset;            /* where this transcript's events start in the spool */
	uint64_t events, errors, tool_calls, redactions;
	unsigned warnings;
	char *source_id, *parent_id, *agent, *started, *cwd, *model;
	char *first_ts, *last_ts;
	uint64_t input_tokens, output_tokens;
	memgit_buf line, scratch[4]; /* reused for every event */
	int failed;                 /* an event was refused: the error is set */
} mg_sink_state;

void mg_sink_init(mg_sink_state *st, mg_spool *spool, const mg_secret_allow *allow,
	mg_sink_warn_fn warn, void *warn_ctx);
void mg_sink_dispose(mg_sink_state *st);
/* The contract's view of `st`. */
void mg_sink_bind(mg_session_sink *sink, mg_sink_state *st);

/*
 * Replace each secret in `s` by [REDACTED:<rule>]. *out and *out_len are `s`
 * itself when nothing matched, else `scratch`. Adds the matches to *count.
 */
int mg_redact(const char **out, size_t *out_len, const char *s, size_t len,
	const mg_secret_allow *allow, memgit_buf *scratch, uint64_t *count);

/* ---- one ingested transcript, waiting for the commit ----------------------- */

typedef struct {
	char *file;           /* as given */
	char *name;           /* base name, for the header */
	const mg_session_format *format;
	char *source_id;      /* the transcript's id, or its digest */
	char *parent_source;  /* the parent's source id, or NULL */
	char *agent, *started, *ended, *cwd, *model;
	char *subagent_type, *description; /* from a Claude Code .meta.json sidecar */
	char sha256[65];
	uint64_t bytes, lines;
	uint64_t events, errors, tool_calls, redactions;
	uint64_t input_tokens, output_tokens;
	uint64_t offset, length; /* its events in the spool */
	unsigned warnings;
	/* decided against the tip */
	char id[MG_SESSION_ID_MAX + 1];
	char parent[MG_SESSION_ID_MAX + 1];
	memgit_session_status status;
	int shadowed;         /* another file of the batch stores this id */
	git_oid blob;
	int blob_written;
	char *written_header; /* the header of the blob written, to reuse it on a retry */
	int older_copy;       /* kept the stored, larger transcript */
} mg_ingested;

/* ---- the store side (session_store.c) --------------------------------------- */

/* The tip of refs/memgit/sessions, NULL when the ref does not exist. */
int mg_sessions_tip(git_commit **out, memgit_store *s);

/* Read the first line of blob `id` (streamed when possible) into `out`. */
int mg_session_blob_header(memgit_buf *out, memgit_store *s, const git_oid *id);

/* Parse a header line; the strings point into `*json` (the caller frees it). */
int mg_session_header_parse(memgit_session_info *info, mg_json **json, const char *line,
	size_t len);

/* Write the header line for `in` (no newline) into `out`. */
int mg_session_header_build(memgit_buf *out, const mg_ingested *in,
	const mg_secret_allow *allow);

/* The blob of `in`: its header and its events streamed from the spool. */
int mg_session_blob_write(git_oid *out, memgit_store *s, mg_spool *spool, const char *header,
	size_t hlen, uint64_t offset, uint64_t length);

/*
 * Decide every file's id and status against the tip, write the blobs still
 * needed and publish one commit by compare-and-swap, retrying when the ref
 * moves (bounded by the lock timeout). MEMGIT_ENOTHING when nothing changes.
 */
int mg_sessions_commit(memgit_session_result *res, memgit_store *s, mg_ingested *files,
	size_t n, mg_spool *spool, const memgit_session_add_options *opts);

/* The session id for a source id, as first tried ("cc-a42b9c92"). */
int mg_session_id_for(char out[MG_SESSION_ID_MAX + 1], const char *prefix,
	const char *source_id, const char *parent_source, size_t hexlen);

#endif
