#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "json.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/path.h"

#define MG_JSON_DEFAULT_DEPTH 64

static int fail(const mg_json_parse_opts *o, const char *text, size_t len, size_t off,
	const char *why)
{
	unsigned line, col;
	mg_text_position(text, len, off, &line, &col);
	if (o->line)
		line += o->line - 1;
	return mg_error_set(MEMGIT_EINPUT, "invalid JSON", o->file, "line %u, column %u: %s",
		line, col, why);
}

/* Length of a \uXXXX escape's hex digits being "0000". */
static int is_nul_escape(const char *p, size_t left)
{
	return left >= 6 && p[0] == '\\' && p[1] == 'u' && memcmp(p + 2, "0000", 4) == 0;
}

int mg_json_precheck(const char *text, size_t len, mg_json_parse_opts *o)
{
	unsigned max = o->max_depth ? o->max_depth : MG_JSON_DEFAULT_DEPTH, depth = 0;
	size_t bad;
	int in_str = 0;

	if (!mg_utf8_valid(text, len, &bad))
		return fail(o, text, len, bad, "invalid UTF-8");
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_str) {
			if (c == '\\') {
				if (is_nul_escape(text + i, len - i) && !(o->flags & MG_JSON_REPLACE_NUL))
					return fail(o, text, len, i, "\\u0000 in a string");
				i++;
			} else if (c == '"') {
				in_str = 0;
			}
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > max) {
				char why[64];
				snprintf(why, sizeof(why), "nested deeper than %u", max);
				return fail(o, text, len, i, why);
			}
		} else if (c == ']' || c == '}') {
			if (depth)
				depth--;
		} else if (c == '\0') {
			return fail(o, text, len, i, "NUL byte");
		}
	}
	return 0;
}

/* A copy with every \u0000 escape inside strings turned into \uFFFD. */
static char *replace_nuls(const char *text, size_t len, size_t *count)
{
	char *copy = malloc(len + 1);
	int in_str = 0;

	if (!copy)
		return NULL;
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (size_t i = 0; i < len; i++) {
		if (!in_str) {
			in_str = copy[i] == '"';
		} else if (copy[i] == '"') {
			in_str = 0;
		} else if (copy[i] == '\\') {
			if (is_nul_escape(copy + i, len - i)) {
				memcpy(copy + i + 2, "FFFD", 4);
				(*count)++;
			}
			i++;
		}
	}
	return copy;
}

int mg_json_parse(mg_json **out, const char *text, size_t len, mg_json_parse_opts *opts)
{
	mg_json_parse_opts defaults = { 0, 0, NULL, 0, 0 };
	const char *end = NULL;
	char *copy = NULL;
	cJSON *root;
	int rc;

	*out = NULL;
	opts = opts ? opts : &defaults;
	if ((rc = mg_json_precheck(text, len, opts)) < 0)
		return rc;
	if ((opts->flags & MG_JSON_REPLACE_NUL) && memmem(text, len, "\\u0000", 6)) {
		if (!(copy = replace_nuls(text, len, &opts->nuls_replaced)))
			return mg_error_oom();
		text = copy;
	}
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!root) {
		size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
		rc = fail(opts, text, len, off, len ? "not valid JSON" : "empty");
		free(copy);
		return rc;
	}
	while (end && end < text + len && strchr(" \t\r\n", *end))
		end++;
	if (end && end < text + len) {
		rc = fail(opts, text, len, (size_t)(end - text), "text after the JSON value");
		cJSON_Delete(root);
		free(copy);
		return rc;
	}
	free(copy);
	*out = (mg_json *)root;
	return 0;
}

void mg_json_free(mg_json *root)
{
	cJSON_Delete((cJSON *)root);
}

mg_json_type mg_json_type_of(const mg_json *n)
{
	const cJSON *j = (const cJSON *)n;
	if (!j)
		return MG_JSON_INVALID;
	switch (j->type & 0xff) {
	case cJSON_NULL: return MG_JSON_NULL;
	case cJSON_False:
	case cJSON_True: return MG_JSON_BOOL;
	case cJSON_Number: return MG_JSON_NUMBER;
	case cJSON_String: return MG_JSON_STRING;
	case cJSON_Array: return MG_JSON_ARRAY;
	case cJSON_Object: return MG_JSON_OBJECT;
	default: return MG_JSON_INVALID;
	}
}

const mg_json *mg_json_get(const mg_json *obj, const char *key)
{
	if (mg_json_type_of(obj) != MG_JSON_OBJECT)
		return NULL;
	return (const mg_json *)cJSON_GetObjectItemCaseSensitive((const cJSON *)obj, key);
}

const char *mg_json_string(const mg_json *n)
{
	return mg_json_type_of(n) == MG_JSON_STRING ? ((const cJSON *)n)->valuestring : NULL;
}

const char *mg_json_get_string(const mg_json *obj, const char *key)
{
	return mg_json_string(mg_json_get(obj, key));
}

double mg_json_number(const mg_json *n, double dflt)
{
	return mg_json_type_of(n) == MG_JSON_NUMBER ? ((const cJSON *)n)->valuedouble : dflt;
}

int mg_json_bool(const mg_json *n)
{
	if (mg_json_type_of(n) != MG_JSON_BOOL)
		return -1;
	return (((const cJSON *)n)->type & 0xff) == cJSON_True;
}

const mg_json *mg_json_first(const mg_json *n)
{
	mg_json_type t = mg_json_type_of(n);
	if (t != MG_JSON_ARRAY && t != MG_JSON_OBJECT)
		return NULL;
	return (const mg_json *)((const cJSON *)n)->child;
}

const mg_json *mg_json_next(const mg_json *n)
{
	return n ? (const mg_json *)((const cJSON *)n)->next : NULL;
}

const char *mg_json_key(const mg_json *member)
{
	return member ? ((const cJSON *)member)->string : NULL;
}

size_t mg_json_count(const mg_json *n)
{
	size_t c = 0;
	for (const mg_json *i = mg_json_first(n); i; i = mg_json_next(i))
		c++;
	return c;
}

int mg_json_print(memgit_buf *out, const mg_json *n)
{
	char *s = cJSON_PrintUnformatted((const cJSON *)n);
	int rc;
	if (!s)
		return mg_error_oom();
	rc = mg_buf_puts(out, s);
	cJSON_free(s);
	return rc;
}
