/*
 * dreamer.h: the contract between the dream engine and dreamers
 * (DESIGN.md section 5, issue "Dreams").
 *
 * A dreamer reads the base memory and the input sessions and proposes typed
 * edits. It never writes: the engine validates every edit (path, YAML,
 * size, secrets, pinned memories, deletion budget, preconditions, evidence),
 * records a reason for each one it refuses, applies the rest to the base
 * tree in memory and commits them on dream/<id>.
 *
 * Determinism: given the same input a dreamer must propose the same edits,
 * byte for byte: no clock (use in->now, which is derived from the inputs),
 * no randomness, and every collection sorted before it is walked.
 */
#ifndef MG_DREAMER_H
#define MG_DREAMER_H

#include <stddef.h>
#include <stdint.h>

#include "memgit/buf.h"
#include "memgit/dream.h"
#include "memgit/memory.h"
#include "memgit/session.h"
#include "memgit/store.h"

/* One memory of the base tree. */
typedef struct {
	const char *path;      /* relative to memories/ */
	char blob[41];
	const char *content;   /* the file */
	size_t len;
	memgit_memory *mem;    /* parsed; NULL when the file does not parse */
} mg_dream_memory;

/* Tunables, from memgit.yaml `dream:` (docs/FORMAT.md), with defaults. */
typedef struct {
	double duplicate_threshold;  /* Jaccard of word shingles; default 0.8 */
	unsigned min_sessions;       /* recurring error / workflow: default 3 */
	unsigned workflow_min_steps; /* default 3 */
	unsigned workflow_max_steps; /* default 6 */
	double max_deleted_fraction; /* deletion budget; default 0.25 of the memories */
	size_t max_edits;            /* default 200 */
} mg_dream_config;

#define MG_DREAM_CONFIG_INIT { 0.8, 3, 3, 6, 0.25, 200 }


/* An edit as a dreamer builds it: every string owned by the edit. */
typedef struct {
	memgit_edit_kind kind;
	char *path;          /* create/update/delete target, merge result, move source */
	char *to;            /* move target */
	char **merged;       /* merge: the memories folded into `path` and removed */
	size_t nmerged;
	char *content;       /* create/update/merge: the complete new file */
	size_t content_len;
	char *rationale;     /* one line */
	char **evidence;     /* "<session>#<i>", "<session>#<i>-<j>" or "memory:<path>" */
	size_t nevidence;
	char *refused;       /* set by the engine: why the edit was not applied */
} mg_edit;

typedef struct {
	mg_edit *items;
	size_t n, cap;
} mg_edit_list;

/* Append a zeroed edit of `kind` on `path`; *out points into the list until
 * the next append. */
int mg_edit_list_add(mg_edit **out, mg_edit_list *list, memgit_edit_kind kind, const char *path);
int mg_edit_set_content(mg_edit *e, const char *content, size_t len);
int mg_edit_set_rationale(mg_edit *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mg_edit_add_evidence(mg_edit *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mg_edit_add_merged(mg_edit *e, const char *path);
void mg_edit_list_dispose(mg_edit_list *list);
/* Dispose the edits from index `n` on. */
void mg_edit_list_truncate(mg_edit_list *list, size_t n);
/* A deep copy (without `refused`); `dst` is overwritten. */
int mg_edit_list_copy(mg_edit_list *dst, const mg_edit_list *src);

typedef struct {
	memgit_store *store;
	/* "now" for the dream: the latest event time of the input sessions, else
	 * the base commit's time; never the wall clock (determinism) */
	int64_t now;
	const mg_dream_memory *memories; /* sorted by path */
	size_t nmemories;
	const char *const *sessions;     /* input session ids, oldest first */
	size_t nsessions;
	const mg_dream_config *config;
	const char *instructions;        /* extra instructions (model dreamers), or NULL */
	/* The engine's validation of proposed edits, without recording
	 * anything: one line per refused edit appended to `problems`
	 * ("edits[2] (update a.md): <why>"); for a repair request. May be NULL. */
	int (*check)(const mg_edit_list *edits, memgit_buf *problems, void *check_ctx);
	void *check_ctx;
} mg_dream_input;

typedef struct {
	const char *name; /* "builtin", "replay", later "anthropic", "openai" */
	/* Propose edits into `out` (empty on entry). */
	int (*propose)(mg_edit_list *out, const mg_dream_input *in, void *ctx);
} mg_dreamer;

/*
 * Whether a memory is pinned, as the engine decides it (and the grader's
 * pinned_preserved check): markdown that parsed by its front matter
 * `pinned: true` (yes, on); a YAML memory or a file that does not parse
 * (`mem` NULL) by a top-level "pinned: true" line anywhere in `content`.
 */
int mg_dream_pinned(const char *content, size_t len, const memgit_memory *mem);

extern const mg_dreamer mg_dreamer_builtin;
extern const mg_dreamer mg_dreamer_replay;  /* a file of recorded edits */

#endif
