/*
 * config.c: memgit.yaml, the store's settings, read from the memory branch.
 * Unknown keys are ignored so that older memgit versions can open stores
 * written by newer ones; known keys are checked and refused with line and
 * column when malformed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/yaml.h"
#include "store_internal.h"
#include "util/error.h"

static int bad(const mg_yaml_node *n, const char *key, const char *why)
{
	return mg_error_set(MEMGIT_EYAML, "invalid configuration", MG_CONFIG_FILE,
		"line %u, column %u: %s: %s", n->line, n->column, key, why);
}

/* A positive integer scalar no larger than `max`. */
static int get_count(const mg_yaml_node *map, const char *key, unsigned long long max,
	unsigned long long *out)
{
	const mg_yaml_node *n = mg_yaml_get(map, key);
	unsigned long long v;
	char *end;

	if (!n)
		return 0;
	if (n->kind != MG_YAML_SCALAR || !n->plain)
		return bad(n, key, "expected a whole number");
	errno = 0;
	v = strtoull(n->value, &end, 10);
	if (errno || *end || end == n->value || v == 0 || v > max || n->value[0] == '-')
		return bad(n, key, "expected a whole number from 1 upwards");
	*out = v;
	return 0;
}

static int load_limits(memgit_store *store, const mg_yaml_node *limits)
{
	unsigned long long v;
	int rc;

	if (limits->kind != MG_YAML_MAPPING)
		return bad(limits, "limits", "expected a mapping");
	v = store->limits.memory_max_bytes;
	if ((rc = get_count(limits, "memory_max_bytes", 64ull << 20, &v)) < 0)
		return rc;
	store->limits.memory_max_bytes = (size_t)v;
	v = store->limits.store_max_memories;
	if ((rc = get_count(limits, "store_max_memories", 10000000ull, &v)) < 0)
		return rc;
	store->limits.store_max_memories = (size_t)v;
	v = store->limits.yaml_max_depth;
	if ((rc = get_count(limits, "yaml_max_depth", 1024, &v)) < 0)
		return rc;
	store->limits.yaml_max_depth = (unsigned)v;
	v = store->limits.lock_timeout_ms;
	if ((rc = get_count(limits, "lock_timeout_ms", 3600000ull, &v)) < 0)
		return rc;
	store->limits.lock_timeout_ms = (unsigned)v;
	return 0;
}

static int load_secrets(memgit_store *store, const mg_yaml_node *secrets)
{
	const mg_yaml_node *allow;
	const char **patterns = NULL;
	int rc;

	if (secrets->kind != MG_YAML_MAPPING)
		return bad(secrets, "secrets", "expected a mapping");
	allow = mg_yaml_get(secrets, "allow");
	if (!allow)
		return 0;
	if (allow->kind != MG_YAML_SEQUENCE)
		return bad(allow, "secrets.allow", "expected a list of patterns");
	patterns = calloc(allow->nitems + 1, sizeof(*patterns));
	if (!patterns)
		return mg_error_oom();
	for (size_t i = 0; i < allow->nitems; i++) {
		if (allow->items[i]->kind != MG_YAML_SCALAR) {
			rc = bad(allow->items[i], "secrets.allow", "expected a pattern");
			goto done;
		}
		patterns[i] = allow->items[i]->value;
	}
	rc = mg_secret_allow_new(&store->allow, patterns, allow->nitems);
	if (rc < 0)
		mg_error_set_subject(MG_CONFIG_FILE);
done:
	free(patterns);
	return rc;
}

int mg_config_load(memgit_store *store, const char *text, size_t len)
{
	mg_yaml_limits yl = { 1u << 20, 64 };
	mg_yaml_node *root = NULL;
	const mg_yaml_node *n;
	int rc;

	if ((rc = mg_yaml_parse(&root, text, len, &yl, MG_CONFIG_FILE, 0)) < 0)
		return rc;
	if (!root)
		return 0;
	if (root->kind != MG_YAML_MAPPING) {
		rc = bad(root, "memgit.yaml", "expected a mapping");
		goto done;
	}
	if ((n = mg_yaml_get(root, "name")) && n->kind == MG_YAML_SCALAR) {
		free(store->name);
		if (!(store->name = strdup(n->value))) {
			rc = mg_error_oom();
			goto done;
		}
	}
	if ((n = mg_yaml_get(root, "limits")) && (rc = load_limits(store, n)) < 0)
		goto done;
	if ((n = mg_yaml_get(root, "secrets")) && (rc = load_secrets(store, n)) < 0)
		goto done;
done:
	mg_yaml_free(root);
	return rc;
}
