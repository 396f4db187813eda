/* strmap.h: an open-addressing hash map from strings (copied) to size_t. */
#ifndef MG_STRMAP_H
#define MG_STRMAP_H

#include <stddef.h>

typedef struct {
	char **keys;
	size_t *values;
	size_t cap, count;
} mg_strmap;

#define MG_STRMAP_INIT { NULL, NULL, 0, 0 }

/* Insert or replace; 0 or MEMGIT_ENOMEM. */
int mg_strmap_set(mg_strmap *m, const char *key, size_t value);
/* 1 and *value when present, else 0. */
int mg_strmap_get(const mg_strmap *m, const char *key, size_t *value);
void mg_strmap_dispose(mg_strmap *m);

#endif
