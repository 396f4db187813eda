#include <stdint.h>
#include <stdlib.h>

#include "array.h"
#include "error.h"

int mg_array_grow(void **items, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return mg_error_oom();
		n *= 2;
	}
	if (size && n > SIZE_MAX / size)
		return mg_error_oom();
	if (!(p = realloc(*items, n * size)))
		return mg_error_oom();
	*items = p;
	*cap = n;
	return 0;
}
