/* edit.c: building edit lists (dreamer.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dreamer.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/error.h"

const char *memgit_edit_kind_name(memgit_edit_kind kind)
{
	static const char *const names[] = { "create", "update", "delete", "merge", "move" };
	return (unsigned)kind < sizeof(names) / sizeof(*names) ? names[kind] : "unknown";
}

int mg_edit_list_add(mg_edit **out, mg_edit_list *list, memgit_edit_kind kind, const char *path)
{
	mg_edit *e;

	if (mg_array_grow((void **)&list->items, &list->cap, list->n + 1, sizeof(*list->items)) < 0)
		return MEMGIT_ENOMEM;
	e = &list->items[list->n];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	if (!(e->path = strdup(path)))
		return mg_error_oom();
	list->n++;
	*out = e;
	return 0;
}

int mg_edit_set_content(mg_edit *e, const char *content, size_t len)
{
	char *c = malloc(len + 1);
	if (!c)
		return mg_error_oom();
	memcpy(c, content, len);
	c[len] = '\0';
	free(e->content);
	e->content = c;
	e->content_len = len;
	return 0;
}

int mg_edit_set_rationale(mg_edit *e, const char *fmt, ...)
{
	va_list ap;
	char *r;

	va_start(ap, fmt);
	r = mg_vformat(fmt, ap);
	va_end(ap);
	if (!r)
		return MEMGIT_ENOMEM;
	/* one line, whatever the dreamer wrote */
	for (char *p = r; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	free(e->rationale);
	e->rationale = r;
	return 0;
}

static int push(char ***items, size_t *n, char *s)
{
	char **grown;
	if (!s)
		return MEMGIT_ENOMEM;
	if (!(grown = realloc(*items, (*n + 1) * sizeof(**items)))) {
		free(s);
		return mg_error_oom();
	}
	*items = grown;
	(*items)[(*n)++] = s;
	return 0;
}

int mg_edit_add_evidence(mg_edit *e, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = mg_vformat(fmt, ap);
	va_end(ap);
	return push(&e->evidence, &e->nevidence, s);
}

int mg_edit_add_merged(mg_edit *e, const char *path)
{
	char *s = strdup(path);
	if (!s)
		return mg_error_oom();
	return push(&e->merged, &e->nmerged, s);
}

static void edit_dispose(mg_edit *e)
{
	free(e->path);
	free(e->to);
	for (size_t i = 0; i < e->nmerged; i++)
		free(e->merged[i]);
	free(e->merged);
	free(e->content);
	free(e->rationale);
	for (size_t i = 0; i < e->nevidence; i++)
		free(e->evidence[i]);
	free(e->evidence);
	free(e->refused);
}

void mg_edit_list_truncate(mg_edit_list *list, size_t n)
{
	while (list->n > n)
		edit_dispose(&list->items[--list->n]);
}

void mg_edit_list_dispose(mg_edit_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		edit_dispose(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

int mg_edit_list_copy(mg_edit_list *dst, const mg_edit_list *src)
{
	int rc = 0;

	memset(dst, 0, sizeof(*dst));
	for (size_t i = 0; i < src->n && rc == 0; i++) {
		const mg_edit *s = &src->items[i];
		mg_edit *e;
		if ((rc = mg_edit_list_add(&e, dst, s->kind, s->path)) < 0)
			break;
		if (s->to && !(e->to = strdup(s->to)))
			rc = mg_error_oom();
		if (rc == 0 && s->content)
			rc = mg_edit_set_content(e, s->content, s->content_len);
		if (rc == 0 && s->rationale && !(e->rationale = strdup(s->rationale)))
			rc = mg_error_oom();
		for (size_t j = 0; j < s->nmerged && rc == 0; j++)
			rc = mg_edit_add_merged(e, s->merged[j]);
		for (size_t j = 0; j < s->nevidence && rc == 0; j++)
			rc = mg_edit_add_evidence(e, "%s", s->evidence[j]);
	}
	if (rc < 0)
		mg_edit_list_dispose(dst);
	return rc;
}
