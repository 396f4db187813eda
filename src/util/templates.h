/* templates.h: files under templates/, embedded at build time. */
#ifndef MG_TEMPLATES_H
#define MG_TEMPLATES_H

#include <stddef.h>

typedef struct {
	const char *path; /* relative to templates/, e.g. "store/memgit.yaml" */
	const char *data;
	size_t size;
} mg_template;

/* Terminated by an entry whose path is NULL. */
extern const mg_template mg_templates[];

/* The template at `path`, or NULL. */
const mg_template *mg_template_find(const char *path);

#endif
