/*
 * yaml_get.c: typed getters for memgit's configuration files (memgit.yaml,
 * rubrics), so every file reports a bad value the same way: the line, the
 * column and the dotted name of the key.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/yaml.h"
#include "util/buf.h"
#include "util/error.h"

int mg_yaml_bad(const mg_yaml_where *w, const mg_yaml_node *node, const char *key,
	const char *why_fmt, ...)
{
	memgit_buf why = MEMGIT_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, why_fmt);
	rc = mg_buf_vprintf(&why, why_fmt, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	rc = mg_error_set(MEMGIT_EYAML, w->what, w->file, "line %u, column %u: %s%s%s: %s",
		node ? node->line : 0, node ? node->column : 0, w->section ? w->section : "",
		w->section ? "." : "", key, why.ptr);
	memgit_buf_dispose(&why);
	return rc;
}

int mg_yaml_get_number(double *out, const mg_yaml_node *map, const char *key, double lo,
	double hi, const mg_yaml_where *w)
{
	const mg_yaml_node *n = mg_yaml_get(map, key);
	char *end;
	double v;

	if (!n)
		return 0;
	errno = 0;
	if (n->kind != MG_YAML_SCALAR || !n->plain || !n->value[0])
		return mg_yaml_bad(w, n, key, "expected a number from %g to %g", lo, hi);
	v = strtod(n->value, &end);
	if (errno || *end || !(v >= lo && v <= hi))
		return mg_yaml_bad(w, n, key, "expected a number from %g to %g", lo, hi);
	*out = v;
	return 0;
}

int mg_yaml_get_whole(unsigned long long *out, const mg_yaml_node *map, const char *key,
	unsigned long long lo, unsigned long long hi, const mg_yaml_where *w)
{
	const mg_yaml_node *n = mg_yaml_get(map, key);
	unsigned long long v;
	char *end;

	if (!n)
		return 0;
	errno = 0;
	if (n->kind != MG_YAML_SCALAR || !n->plain || n->value[0] < '0' || n->value[0] > '9')
		return mg_yaml_bad(w, n, key, "expected a whole number from %llu to %llu", lo, hi);
	v = strtoull(n->value, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return mg_yaml_bad(w, n, key, "expected a whole number from %llu to %llu", lo, hi);
	*out = v;
	return 0;
}

int mg_yaml_get_unsigned(unsigned *out, const mg_yaml_node *map, const char *key, unsigned lo,
	unsigned hi, const mg_yaml_where *w)
{
	unsigned long long v = *out;
	int rc = mg_yaml_get_whole(&v, map, key, lo, hi, w);

	*out = (unsigned)v;
	return rc;
}

int mg_yaml_get_bool(int *out, const mg_yaml_node *map, const char *key, const mg_yaml_where *w)
{
	const mg_yaml_node *n = mg_yaml_get(map, key);
	int v;

	if (!n)
		return 0;
	if ((v = mg_yaml_bool(n)) < 0)
		return mg_yaml_bad(w, n, key, "expected true or false");
	*out = v;
	return 0;
}

int mg_yaml_get_string(char **out, const mg_yaml_node *map, const char *key,
	const mg_yaml_where *w)
{
	const mg_yaml_node *n = mg_yaml_get(map, key);
	char *copy;

	if (!n)
		return 0;
	if (n->kind != MG_YAML_SCALAR || !n->value[0])
		return mg_yaml_bad(w, n, key, "expected a non-empty string");
	if (!(copy = strdup(n->value)))
		return mg_error_oom();
	free(*out);
	*out = copy;
	return 0;
}
