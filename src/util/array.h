/* array.h: growing arrays. */
#ifndef MG_ARRAY_H
#define MG_ARRAY_H

#include <stddef.h>

/*
 * Make room for `need` elements of `size` bytes in `*items` (capacity
 * `*cap`), doubling from 16: 0, or MEMGIT_ENOMEM (error set; the array is
 * unchanged). Use: mg_array_grow((void **)&a->v, &a->cap, a->n + 1, sizeof(*a->v)).
 */
int mg_array_grow(void **items, size_t *cap, size_t need, size_t size);

#endif
