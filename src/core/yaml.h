/*
 * yaml.h: the libyaml adapter (the only code that includes <yaml.h>).
 *
 * Documents are parsed into a small tree under hard limits: no anchors or
 * aliases (refused on sight, so a "billion laughs" document costs nothing),
 * nesting depth, input size, valid UTF-8. Each node keeps its source
 * position so callers can quote line and column, and its byte range so the
 * front-matter writer can copy keys it did not change verbatim.
 */
#ifndef MG_YAML_H
#define MG_YAML_H

#include <stddef.h>
#include "memgit/buf.h"

typedef enum { MG_YAML_SCALAR, MG_YAML_SEQUENCE, MG_YAML_MAPPING } mg_yaml_kind;

typedef struct mg_yaml_node mg_yaml_node;
struct mg_yaml_node {
	mg_yaml_kind kind;
	char *value;         /* scalar text (NUL-terminated), NULL otherwise */
	size_t value_len;
	int plain;           /* scalar written plain (unquoted): may be a bool/number/null */
	int flow;            /* collection written in flow style ([..] / {..}) */
	unsigned line, column;   /* 1-based start; columns count characters, as libyaml does */
	size_t start, end;       /* byte range in the parsed text (a leading BOM included) */
	/* sequence items, or mapping keys and values interleaved: k0 v0 k1 v1 ... */
	mg_yaml_node **items;
	size_t nitems;
};

typedef struct {
	size_t max_bytes;       /* refuse larger input */
	unsigned max_depth;     /* refuse deeper nesting */
} mg_yaml_limits;

/*
 * Parse exactly one document (an empty input gives a NULL root and 0).
 * `file` names the input in errors: MEMGIT_EYAML with why
 * "line L, column C: <reason>"; MEMGIT_ELIMIT for size. `line_offset` is
 * added to reported lines (front matter starts at line 2 of its file).
 * `limits` may be NULL for 100 KiB and depth 64. Mapping keys are scalars
 * and unique (compared by value). `*root` is the caller's (mg_yaml_free).
 */
int mg_yaml_parse(mg_yaml_node **root, const char *text, size_t len,
	const mg_yaml_limits *limits, const char *file, unsigned line_offset);

/* Free a tree without recursion, whatever its depth. NULL is a no-op. */
void mg_yaml_free(mg_yaml_node *node);

/* Mapping lookup by key (scalar keys only); NULL if absent or not a mapping. */
const mg_yaml_node *mg_yaml_get(const mg_yaml_node *map, const char *key);

/* YAML 1.1 booleans (true/false/yes/no/on/off, any case) for plain scalars:
 * 1 true, 0 false, -1 not a boolean. */
int mg_yaml_bool(const mg_yaml_node *scalar);

/* Append `s` as a YAML scalar: plain when it reads back unchanged in block
 * and flow context, otherwise double-quoted with escapes. Used for every
 * value memgit writes. MEMGIT_EINPUT when `s` is not valid UTF-8. */
int mg_yaml_emit_scalar(memgit_buf *out, const char *s, size_t len);

/*
 * Offset of the first byte that no memgit text may hold: a NUL or the start
 * of invalid UTF-8 (overlong, surrogate, above U+10FFFF, truncated); `len`
 * when there is none. *reason (if not NULL) is "NUL byte" or "invalid UTF-8".
 */
size_t mg_yaml_text_check(const char *text, size_t len, const char **reason);

/* Line and column (1-based, columns in characters) of byte `off` of `text`,
 * counted the way the parser's errors count them. */
void mg_yaml_position(const char *text, size_t len, size_t off, unsigned *line,
	unsigned *column);

/* ---- typed getters for configuration files (yaml_get.c) ------------------ */

/* Where a getter's errors point: "<what> '<file>': line L, column C:
 * <section>.<key>: <why>", e.g. "invalid configuration 'memgit.yaml':
 * line 4, column 9: model.jobs: expected a whole number from 1 to 64". */
typedef struct {
	const char *what;    /* "invalid configuration", "invalid rubric" */
	const char *file;
	const char *section; /* "model", "criteria[2]"; NULL for top-level keys */
} mg_yaml_where;

/* The error for `node` (the key's value), as above; returns MEMGIT_EYAML. */
int mg_yaml_bad(const mg_yaml_where *w, const mg_yaml_node *node, const char *key,
	const char *why_fmt, ...) __attribute__((format(printf, 4, 5)));

/* Each getter leaves *out untouched when `key` is absent from `map`. */
int mg_yaml_get_number(double *out, const mg_yaml_node *map, const char *key, double lo,
	double hi, const mg_yaml_where *w);
int mg_yaml_get_whole(unsigned long long *out, const mg_yaml_node *map, const char *key,
	unsigned long long lo, unsigned long long hi, const mg_yaml_where *w);
int mg_yaml_get_unsigned(unsigned *out, const mg_yaml_node *map, const char *key, unsigned lo,
	unsigned hi, const mg_yaml_where *w);
int mg_yaml_get_bool(int *out, const mg_yaml_node *map, const char *key, const mg_yaml_where *w);
/* A non-empty scalar, copied (the old *out is freed). */
int mg_yaml_get_string(char **out, const mg_yaml_node *map, const char *key,
	const mg_yaml_where *w);

#endif
