/*
 * jsonw.h: a small streaming JSON writer for --json output and exports.
 * Strings are escaped per RFC 8259 (control characters as \u00XX); invalid
 * UTF-8 is replaced by U+FFFD so the output is always valid JSON.
 */
#ifndef MG_JSONW_H
#define MG_JSONW_H

#include <stdint.h>
#include "memgit/buf.h"

#define MG_JSONW_MAX_DEPTH 1100

typedef struct {
	memgit_buf *out;
	int depth;
	/* memory front matter may nest up to limits.yaml_max_depth (at most
	 * 1024) inside a few levels of wrapping */
	unsigned char need_comma[MG_JSONW_MAX_DEPTH + 1];
	int pretty;
	int rc; /* first error; later calls do nothing */
} mg_jsonw;

void mg_jsonw_init(mg_jsonw *w, memgit_buf *out, int pretty);
void mg_jsonw_object_open(mg_jsonw *w);
void mg_jsonw_object_close(mg_jsonw *w);
void mg_jsonw_array_open(mg_jsonw *w);
void mg_jsonw_array_close(mg_jsonw *w);
/* A key inside an object; the next value call writes its value. */
void mg_jsonw_key(mg_jsonw *w, const char *key);
void mg_jsonw_string(mg_jsonw *w, const char *s);
void mg_jsonw_string_len(mg_jsonw *w, const char *s, size_t len);
void mg_jsonw_int(mg_jsonw *w, int64_t v);
/* A number with at most 6 decimals (rounded, trailing zeros dropped: 0.75,
 * 1, 0.333333), whatever the process locale; NaN and infinities, which
 * JSON cannot hold, are written as null. */
void mg_jsonw_double(mg_jsonw *w, double v);
void mg_jsonw_bool(mg_jsonw *w, int v);
void mg_jsonw_null(mg_jsonw *w);
/* Raw JSON text written as a value (caller guarantees it is valid). */
void mg_jsonw_raw(mg_jsonw *w, const char *json);
/*
 * `v` with `decimals` (at most 9) digits after a '.', rounded half away
 * from zero, into `out` (at least 32 bytes), never in the locale's format;
 * with `trim`, trailing zeros and a bare point are dropped. Non-finite
 * values give "nan", "inf", "-inf". Returns the length written.
 */
size_t mg_format_decimal(char *out, size_t cap, double v, unsigned decimals, int trim);
/* 0 or the first error. */
int mg_jsonw_finish(mg_jsonw *w);

#endif
