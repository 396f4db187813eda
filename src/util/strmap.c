#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "strmap.h"

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static size_t slot(const mg_strmap *m, const char *key)
{
	size_t i = (size_t)hash(key) & (m->cap - 1);
	while (m->keys[i] && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int grow(mg_strmap *m)
{
	mg_strmap bigger = { NULL, NULL, m->cap ? m->cap * 2 : 64, 0 };

	bigger.keys = calloc(bigger.cap, sizeof(char *));
	bigger.values = calloc(bigger.cap, sizeof(size_t));
	if (!bigger.keys || !bigger.values) {
		free(bigger.keys);
		free(bigger.values);
		return mg_error_oom();
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = slot(&bigger, m->keys[i]);
		bigger.keys[j] = m->keys[i];
		bigger.values[j] = m->values[i];
		bigger.count++;
	}
	free(m->keys);
	free(m->values);
	*m = bigger;
	return 0;
}

int mg_strmap_set(mg_strmap *m, const char *key, size_t value)
{
	size_t i;

	if ((m->count + 1) * 4 >= m->cap * 3 && grow(m) < 0)
		return MEMGIT_ENOMEM;
	i = slot(m, key);
	if (!m->keys[i]) {
		if (!(m->keys[i] = strdup(key)))
			return mg_error_oom();
		m->count++;
	}
	m->values[i] = value;
	return 0;
}

int mg_strmap_get(const mg_strmap *m, const char *key, size_t *value)
{
	size_t i;
	if (!m->cap)
		return 0;
	i = slot(m, key);
	if (!m->keys[i])
		return 0;
	if (value)
		*value = m->values[i];
	return 1;
}

void mg_strmap_dispose(mg_strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof(*m));
}
