/*
 * builtin.h: internals of the builtin dreamer (dreamer.h), shared by its
 * rule files:
 *
 *   builtin.c            the dreamer: memory index, rule order, edit helpers
 *   builtin_text.c       hashing, words, error-line normalisation, slugs, ids
 *   builtin_shell.c      shell tools: the command of a call, its steps
 *   builtin_retire.c     rule 2: expired and superseded memories
 *   builtin_dups.c       rule 1: exact and near duplicates (MinHash + LSH)
 *   builtin_sessions.c   one streaming pass over the sessions for rules 3-5
 *   builtin_mistakes.c   rule 3: errors that recur across sessions
 *   builtin_workflows.c  rule 4: tool sequences that recur across sessions
 *   builtin_prefs.c      rule 5: preferences and corrections users state
 *
 * Everything is deterministic: collections are walked in index or sorted
 * order, hashes use fixed seeds, and "now" is the input's.
 */
#ifndef MG_DREAM_BUILTIN_H
#define MG_DREAM_BUILTIN_H

#include <stddef.h>
#include <stdint.h>

#include "dreamer.h"
#include "memgit/buf.h"
#include "util/strmap.h"

#define MG_BI_NONE ((size_t)-1)

typedef enum {
	MG_BI_LIVE = 0,
	MG_BI_DELETED, /* retired by this dream */
	MG_BI_MERGED   /* folded into another memory by this dream */
} mg_bi_state;

/* What the rules need to know about one memory of the base. */
typedef struct {
	const mg_dream_memory *m;
	int usable; /* markdown that parsed: rules may read and rewrite it */
	int pinned;
	mg_bi_state state;
	size_t into; /* MG_BI_MERGED: the memory it went into */
} mg_bi_mem;

typedef struct {
	const mg_dream_input *in;
	mg_dream_config cfg; /* the input's, or the defaults */
	mg_edit_list *out;
	char now[21];    /* in->now as RFC 3339 */
	mg_bi_mem *mems; /* parallel to in->memories */
	size_t n;
	mg_strmap folded;  /* case-folded path -> memory index (MG_BI_NONE: a new memory's) */
	mg_strmap ids;     /* front-matter id -> memory index */
	mg_strmap sigs;    /* front-matter signature -> memory index */
	mg_strmap edit_at; /* path -> index in out of the edit that writes it */
} mg_bi;

/* ---- builtin.c: shared edit helpers --------------------------------------- */

/* The memory index of `path` (exact), or MG_BI_NONE. */
size_t mg_bi_find_path(const mg_bi *b, const char *path);

/* A path under `dir` for a new memory named after `slug`, free in the base
 * and among the paths this dream creates (case-insensitively), reserved. */
/* Set `updated` to the dream's time unless the memory is newer. */
int mg_bi_touch(memgit_memory *mem, const mg_bi *b);

int mg_bi_new_path(memgit_buf *out, mg_bi *b, const char *dir, const char *slug);

/* Append an edit and remember which path it writes. */
int mg_bi_add_edit(mg_edit **out, size_t *at, mg_bi *b, memgit_edit_kind kind, const char *path);

/*
 * Start updating memory `idx`: a parsed working copy of what this dream
 * already writes there (a merge or an update), else of the base file.
 * MG_BI_NONE in *idx_out when the memory cannot be updated (pinned, retired,
 * not markdown); merged-away memories redirect to the memory they went into.
 */
int mg_bi_update_begin(memgit_memory **out, size_t *idx_out, mg_bi *b, size_t idx);

/*
 * Finish an update begun on `idx`: serialise `mem` (taken), and write it into
 * the edit already planned for the memory or a new update edit, adding the
 * rationale (joined with "; " to an existing one) and evidence. Nothing when
 * the content did not change.
 */
int mg_bi_update_end(mg_bi *b, size_t idx, memgit_memory *mem, const char *rationale,
        char *const *evidence, size_t nevidence);

/* ---- builtin_text.c ------------------------------------------------------- */

uint64_t mg_bi_hash(const void *data, size_t len); /* FNV-1a, then mixed */
uint64_t mg_bi_mix(uint64_t x);                    /* splitmix64 finaliser */

/* ASCII lower case of a byte. */
static inline unsigned char mg_bi_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Words of `text` (ASCII letters and digits, lowered, and any non-ASCII
 * byte), each passed to `cb`; returns the first non-zero `cb` result. */
typedef int (*mg_bi_word_cb)(const char *word, size_t len, void *payload);
int mg_bi_words(const char *text, size_t len, mg_bi_word_cb cb, void *payload);

/* Lower case, runs of white space as one space, trimmed; appended to `out`. */
int mg_bi_squash(memgit_buf *out, const char *text, size_t len);

/* The line of a failed tool's output that says what failed (start, length). */
void mg_bi_error_line(const char *text, size_t len, size_t *start, size_t *line_len);

/* An error line with quoted strings, paths, hex, numbers replaced and case
 * and spacing folded, so that the same failure reads the same every time. */
int mg_bi_normalise_error(memgit_buf *out, const char *line, size_t len);

/* A slug: lowercase ASCII words joined by '-', at most `max` bytes. */
int mg_bi_slug(memgit_buf *out, const char *text, size_t len, size_t max);

/* 26 characters of the ULID alphabet derived from `len` bytes (plus NUL). */
void mg_bi_ulid_of(char out[27], const void *data, size_t len);

/* The first 16 hex digits of SHA-256 of `len` bytes (plus NUL). */
void mg_bi_sig_of(char out[17], const void *data, size_t len);

/* `text` cut to at most `max` bytes on a UTF-8 boundary, with "..." when cut,
 * one line; appended to `out`. */
int mg_bi_clip(memgit_buf *out, const char *text, size_t len, size_t max);

/* Non-zero when `a` starts with `prefix`, ASCII case-insensitively. */
int mg_bi_starts_ci(const char *a, size_t len, const char *prefix);

/* Sources of memory `mem` cite session `session` (any event of it). */
int mg_bi_cites_session(const memgit_memory *mem, const char *session, size_t session_len);

/* Build a new markdown memory: front matter id (from the rest), title,
 * kind, tags, created, updated, sources, then `extra` keys (name, value
 * pairs; a value starting with '#' is written as a number without it), and
 * `body`. */
int mg_bi_compose(memgit_buf *out, const char *path, const char *title, const char *kind,
        char *const *tags, size_t ntags, const char *now, char *const *sources, size_t nsources,
        const char *const *extra, size_t nextra, const char *body, size_t body_len);

/* Set key `key` of *mem (the memory at `path`) to the whole number `value`,
 * plain, not quoted; *mem may be replaced. */
int mg_bi_set_count(memgit_memory **mem, const char *path, const char *key, unsigned long value);

/* A list of owned strings. */
typedef struct {
	char **items;
	size_t n, cap;
} mg_bi_strs;

/*
 * Collect the evidence a memory does not cite yet: `all` holds one
 * evidence string per occurrence; occurrence i's session index is the
 * size_t at (const char *)sessions + i * stride (occurrence structs start
 * with it). New ones go to `ev`; `src` gets the memory's sources plus them.
 */
int mg_bi_uncited(mg_bi *b, memgit_memory *mem, const size_t *sessions, size_t stride, size_t n,
	const mg_bi_strs *all, mg_bi_strs *src, mg_bi_strs *ev);

/* Propose creating `path` with `content`, citing every item of `ev`; the
 * rationale is printf-style. */
int mg_bi_create(mg_bi *b, const char *path, const memgit_buf *content, const mg_bi_strs *ev,
	const char *fmt, ...) __attribute__((format(printf, 5, 6)));



int mg_bi_strs_push(mg_bi_strs *l, const char *s);
int mg_bi_strs_pushf(mg_bi_strs *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Push `s` unless an equal string is there. */
int mg_bi_strs_add_unique(mg_bi_strs *l, const char *s);
void mg_bi_strs_dispose(mg_bi_strs *l);

/* ---- builtin_shell.c ------------------------------------------------------ */

/* Non-zero when tool `name` runs shell commands (Bash, exec_command, ...). */
int mg_bi_is_shell_tool(const char *name);

/* Non-zero when tool `name` only reads or plans (Read, Grep, TodoWrite...). */
int mg_bi_is_trivial_tool(const char *name);

/* The command line of a shell tool call from its input (JSON or text). */
int mg_bi_shell_command(memgit_buf *out, const char *input, size_t len);

/*
 * The steps of a command line, one per command it runs (`&&`, `||`, `;`, a
 * new line; the filters after a `|` are not steps): the program and, for
 * tools with subcommands, the subcommand ("git status", "cmake --build",
 * "npm run build", "ctest"). Inspection commands (ls, cat, cd, grep...) are
 * left out unless `keep_trivial`. `cb` gets each step (NUL-terminated) and
 * the raw text of its command.
 */
typedef int (*mg_bi_step_cb)(const char *step, const char *raw, size_t raw_len, void *payload);
int mg_bi_shell_steps(
        const char *cmd, size_t len, int keep_trivial, mg_bi_step_cb cb, void *payload);

/* ---- the rules ------------------------------------------------------------ */

int mg_bi_retire(mg_bi *b);
int mg_bi_duplicates(mg_bi *b);

/*
 * The word shingles rule 1 compares (builtin_dups.c; also the grader's
 * no_near_duplicates): the body's words and pairs of neighbouring words,
 * with the title in front when the body has fewer than 8 words, hashed,
 * sorted and unique, into *out (malloc'd, the caller's; NULL and *n == 0
 * when there are fewer than 3 words: nothing to compare). *whole (may be
 * NULL) gets a hash of the whole word sequence.
 */
int mg_bi_shingles(uint64_t **out, size_t *n, uint64_t *whole, const memgit_memory *mem);

/* Jaccard index of two sorted, unique shingle sets (0 when both are empty). */
double mg_bi_jaccard(const uint64_t *a, size_t na, const uint64_t *b, size_t nb);

/* A tool call seen through to its result (or an error event without one). */
typedef struct {
	size_t session; /* index in in->sessions */
	const char *session_id;
	uint64_t use;        /* the tool_use event, or UINT64_MAX when unknown */
	uint64_t result;     /* the result (or error) event */
	const char *tool;    /* "" when unknown */
	const char *command; /* the shell command, or NULL when not a shell call */
	size_t command_len;
	int is_error;
	const char *text; /* the result's text */
	size_t text_len;
} mg_bi_call;

typedef struct mg_bi_mistakes mg_bi_mistakes;
int mg_bi_mistakes_new(mg_bi_mistakes **out);
int mg_bi_mistakes_call(mg_bi_mistakes *m, const mg_bi_call *call);
void mg_bi_mistakes_session_end(mg_bi_mistakes *m);
int mg_bi_mistakes_propose(mg_bi *b, mg_bi_mistakes *m);
void mg_bi_mistakes_free(mg_bi_mistakes *m);

typedef struct mg_bi_workflows mg_bi_workflows;
int mg_bi_workflows_new(mg_bi_workflows **out, const mg_dream_config *cfg);
int mg_bi_workflows_call(mg_bi_workflows *w, const mg_bi_call *call);
int mg_bi_workflows_session_end(mg_bi_workflows *w, size_t session, const char *session_id);
int mg_bi_workflows_propose(mg_bi *b, mg_bi_workflows *w);
void mg_bi_workflows_free(mg_bi_workflows *w);

typedef struct mg_bi_prefs mg_bi_prefs;
int mg_bi_prefs_new(mg_bi_prefs **out);
int mg_bi_prefs_text(mg_bi_prefs *p, size_t session, const char *session_id, uint64_t i,
        const char *text, size_t len);
int mg_bi_prefs_propose(mg_bi *b, mg_bi_prefs *p);
void mg_bi_prefs_free(mg_bi_prefs *p);

/* Read every input session once, feeding the three collectors. */
int mg_bi_scan_sessions(mg_bi *b, mg_bi_mistakes *m, mg_bi_workflows *w, mg_bi_prefs *p);

#endif
