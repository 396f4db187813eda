/*
 * questions.c: the questions file of a `questions:` criterion (rubric.h)
 * and scoring answers against it. An answer is judged by plain substring
 * tests, not by a model, so the score of a recall run is reproducible
 * from the answers alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/yaml.h"
#include "grade/rubric.h"
#include "util/error.h"

static int bad_q(const char *path, const mg_yaml_node *n, const char *field, const char *why)
{
	return mg_error_set(MEMGIT_EYAML, "invalid questions", path, "line %u, column %u: %s: %s",
		n ? n->line : 1, n ? n->column : 1, field, why);
}

static int scalar_copy(char **out, const mg_yaml_node *n)
{
	if (n->kind != MG_YAML_SCALAR || !n->value_len || memchr(n->value, '\0', n->value_len))
		return -1;
	if (!(*out = strdup(n->value)))
		return mg_error_oom();
	return 0;
}

static int read_expect(mg_question *q, const mg_yaml_node *n, const char *path, size_t idx)
{
	char f[64];
	int rc;

	snprintf(f, sizeof(f), "questions[%zu].expect", idx);
	if (n->kind != MG_YAML_SEQUENCE || !n->nitems)
		return bad_q(path, n, f, "expected a non-empty list of strings");
	if (!(q->expect = calloc(n->nitems, sizeof(*q->expect))))
		return mg_error_oom();
	for (size_t i = 0; i < n->nitems; i++) {
		if ((rc = scalar_copy(&q->expect[i], n->items[i])) == -1) {
			snprintf(f, sizeof(f), "questions[%zu].expect[%zu]", idx, i);
			return bad_q(path, n->items[i], f, "expected a non-empty string");
		}
		if (rc < 0)
			return rc;
		q->nexpect = i + 1;
	}
	return 0;
}

static int read_question(mg_questions *qs, const mg_yaml_node *map, const char *path, size_t idx)
{
	mg_question *q = &qs->items[idx];
	const mg_yaml_node *text = mg_yaml_get(map, "q"), *expect = mg_yaml_get(map, "expect");
	char f[64];
	int rc;

	qs->n = idx + 1;
	snprintf(f, sizeof(f), "questions[%zu]", idx);
	if (map->kind != MG_YAML_MAPPING)
		return bad_q(path, map, f, "expected a mapping with q and expect");
	q->line = map->line;
	for (size_t i = 0; i + 1 < map->nitems; i += 2)
		if (strcmp(map->items[i]->value, "q") && strcmp(map->items[i]->value, "expect")) {
			snprintf(f, sizeof(f), "questions[%zu].%.32s", idx, map->items[i]->value);
			return bad_q(path, map->items[i], f, "unknown key");
		}
	snprintf(f, sizeof(f), "questions[%zu].q", idx);
	if (!text)
		return bad_q(path, map, f, "required");
	if ((rc = scalar_copy(&q->q, text)) == -1)
		return bad_q(path, text, f, "expected a non-empty string");
	if (rc < 0)
		return rc;
	if (!expect) {
		snprintf(f, sizeof(f), "questions[%zu].expect", idx);
		return bad_q(path, map, f, "required");
	}
	return read_expect(q, expect, path, idx);
}

static int read_top(mg_questions *qs, const mg_yaml_node *root, const char *path)
{
	const mg_yaml_node *v = mg_yaml_get(root, "version"), *list = mg_yaml_get(root, "questions");
	int rc = 0;

	for (size_t i = 0; i + 1 < root->nitems; i += 2)
		if (strcmp(root->items[i]->value, "version") && strcmp(root->items[i]->value, "questions"))
			return bad_q(path, root->items[i], root->items[i]->value, "unknown key");
	if (v && (v->kind != MG_YAML_SCALAR || !v->plain || strcmp(v->value, "1")))
		return bad_q(path, v, "version", "expected 1");
	if (!list || list->kind != MG_YAML_SEQUENCE || !list->nitems)
		return bad_q(path, list ? list : root, "questions", "expected a non-empty list");
	if (!(qs->items = calloc(list->nitems, sizeof(*qs->items))))
		return mg_error_oom();
	for (size_t i = 0; i < list->nitems && rc == 0; i++)
		rc = read_question(qs, list->items[i], path, i);
	return rc;
}

int mg_questions_parse(mg_questions *out, const char *text, size_t len, const char *path)
{
	mg_yaml_limits yl = { 100u * 1024u, 64 };
	mg_questions qs = MG_QUESTIONS_INIT;
	mg_yaml_node *root = NULL;
	int rc;

	*out = qs;
	path = path ? path : "questions";
	if ((rc = mg_yaml_parse(&root, text, len, &yl, path, 0)) < 0)
		return rc;
	if (!root || root->kind != MG_YAML_MAPPING)
		rc = bad_q(path, root, "questions", "expected a mapping with a questions list");
	else
		rc = read_top(&qs, root, path);
	mg_yaml_free(root);
	if (rc < 0)
		mg_questions_dispose(&qs);
	else
		*out = qs;
	return rc;
}

void mg_questions_dispose(mg_questions *qs)
{
	if (!qs)
		return;
	for (size_t i = 0; i < qs->n; i++) {
		free(qs->items[i].q);
		for (size_t k = 0; k < qs->items[i].nexpect; k++)
			free(qs->items[i].expect[k]);
		free(qs->items[i].expect);
	}
	free(qs->items);
	qs->items = NULL;
	qs->n = 0;
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

int mg_grade_contains_ci(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	if (!n)
		return 1;
	for (size_t i = 0; i + n <= len; i++) {
		size_t k = 0;
		while (k < n && lower((unsigned char)hay[i + k]) == lower((unsigned char)needle[k]))
			k++;
		if (k == n)
			return 1;
	}
	return 0;
}

double mg_questions_score(int *pass, const mg_questions *qs, const char *const *answers,
	size_t nanswers)
{
	size_t passed = 0;

	for (size_t i = 0; i < qs->n; i++) {
		const char *a = i < nanswers && answers ? answers[i] : NULL;
		int ok = a != NULL;
		for (size_t k = 0; ok && k < qs->items[i].nexpect; k++)
			ok = mg_grade_contains_ci(a, strlen(a), qs->items[i].expect[k]);
		if (pass)
			pass[i] = ok;
		passed += (size_t)ok;
	}
	return qs->n ? (double)passed / (double)qs->n : 1.0;
}
