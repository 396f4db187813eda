/*
 * json.h: the cJSON adapter (the only code that includes <cjson/cJSON.h>).
 *
 * Parsing is hardened before cJSON sees the text: the nesting depth is
 * bounded (cJSON's own limit is a compile-time 1000), invalid UTF-8 is
 * refused (cJSON does not check), and a \u0000 escape, which cJSON would
 * silently truncate the string at, is refused or replaced by U+FFFD.
 * Errors name the file and line and the column where parsing stopped.
 */
#ifndef MG_JSON_H
#define MG_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "memgit/buf.h"

typedef struct mg_json mg_json; /* a node; the root owns the tree */

typedef enum {
	MG_JSON_INVALID = 0,
	MG_JSON_NULL,
	MG_JSON_BOOL,
	MG_JSON_NUMBER,
	MG_JSON_STRING,
	MG_JSON_ARRAY,
	MG_JSON_OBJECT
} mg_json_type;

#define MG_JSON_REPLACE_NUL 1u /* \u0000 becomes U+FFFD instead of an error */

typedef struct {
	unsigned max_depth;   /* 0: 64 */
	unsigned flags;       /* MG_JSON_REPLACE_NUL */
	const char *file;     /* for errors; may be NULL */
	unsigned line;        /* 1-based line of `text` in `file`; 0: not shown */
	size_t nuls_replaced; /* out: \u0000 escapes replaced */
} mg_json_parse_opts;

/*
 * Parse exactly one JSON value (surrounding white space allowed).
 * MEMGIT_EINPUT with why "line L, column C: <reason>" on failure.
 */
int mg_json_parse(mg_json **out, const char *text, size_t len, mg_json_parse_opts *opts);
void mg_json_free(mg_json *root);

mg_json_type mg_json_type_of(const mg_json *n);
/* Object member by key (first match); NULL when absent or `obj` is not an object. */
const mg_json *mg_json_get(const mg_json *obj, const char *key);
/* The string value, or NULL when `n` is not a string. */
const char *mg_json_string(const mg_json *n);
/* Shorthand: mg_json_string(mg_json_get(obj, key)). */
const char *mg_json_get_string(const mg_json *obj, const char *key);
/* A number's value, or `dflt` when `n` is not a number. */
double mg_json_number(const mg_json *n, double dflt);
/* 1 true, 0 false, -1 not a boolean. */
int mg_json_bool(const mg_json *n);
/* Children of arrays and objects, in order; for object members the key. */
const mg_json *mg_json_first(const mg_json *n);
const mg_json *mg_json_next(const mg_json *n);
const char *mg_json_key(const mg_json *member);
size_t mg_json_count(const mg_json *n);
/* Append `n` as compact JSON. */
int mg_json_print(memgit_buf *out, const mg_json *n);

/*
 * The checks mg_json_parse makes before parsing, alone: depth, \u0000 and
 * UTF-8, without building a tree (for fast format detection and tests).
 */
int mg_json_precheck(const char *text, size_t len, mg_json_parse_opts *opts);

#endif
