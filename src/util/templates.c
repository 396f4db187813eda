#include <string.h>
#include "templates.h"

const mg_template *mg_template_find(const char *path)
{
	for (const mg_template *t = mg_templates; t->path; t++)
		if (strcmp(t->path, path) == 0)
			return t;
	return NULL;
}
