/*
 * webhook_config.c: the `webhooks:` list of memgit.yaml (see webhook.h).
 * memgit.yaml is committed and pushed, so anything that would put a
 * credential in it (a `secret:` key, a password or token in the URL) is
 * refused with the line, never quoted.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/array.h"
#include "util/error.h"
#include "util/secrets.h"
#include "webhook.h"

static const struct {
	const char *name;
	unsigned bit;
} events[] = {
	{ "dream.completed", MG_WEBHOOK_DREAM_COMPLETED },
	{ "dream.graded", MG_WEBHOOK_DREAM_GRADED },
	{ "dream.merged", MG_WEBHOOK_DREAM_MERGED },
	{ "dream.rejected", MG_WEBHOOK_DREAM_REJECTED },
	{ "dream.failed", MG_WEBHOOK_DREAM_FAILED },
};

unsigned mg_webhook_event_bit(const char *name)
{
	for (size_t i = 0; name && i < sizeof(events) / sizeof(events[0]); i++)
		if (strcmp(name, events[i].name) == 0)
			return events[i].bit;
	return 0;
}

void mg_webhooks_dispose(mg_webhooks *hooks)
{
	if (!hooks)
		return;
	for (size_t i = 0; i < hooks->n; i++) {
		free(hooks->hooks[i].url);
		free(hooks->hooks[i].secret_env);
	}
	free(hooks->hooks);
	hooks->hooks = NULL;
	hooks->n = hooks->cap = 0;
}

/* What the parser knows while it reads one entry, for its messages. */
typedef struct {
	const char *file;
	size_t index;
} ctx;

static int bad(const ctx *c, const mg_yaml_node *n, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad(const ctx *c, const mg_yaml_node *n, const char *field, const char *fmt, ...)
{
	char why[512], where[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (c->index == SIZE_MAX)
		snprintf(where, sizeof(where), "webhooks");
	else
		snprintf(where, sizeof(where), "webhooks[%zu]%s%.120s", c->index, field ? "." : "",
			field ? field : "");
	return mg_error_set(MEMGIT_EYAML, "invalid configuration", c->file,
		"line %u, column %u: %s: %s", n->line, n->column, where, why);
}

/* ---- URLs ---------------------------------------------------------------- */

static int host_char(char ch, int bracketed)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
		return 1;
	return bracketed ? ch == ':' || ch == '.' : ch == '-' || ch == '.' || ch == '_';
}

/* The host[:port] of an authority without userinfo; NULL or why not. */
static const char *check_host(const char *h, size_t len)
{
	size_t i = 0, end;

	if (len && h[0] == '[') {
		for (i = 1; i < len && h[i] != ']'; i++)
			if (!host_char(h[i], 1))
				return "has an invalid host";
		if (i == len || i == 1)
			return "has an invalid host";
		end = ++i;
	} else {
		for (; i < len && h[i] != ':'; i++)
			if (!host_char(h[i], 0))
				return "has an invalid host";
		end = i;
	}
	if (end == 0)
		return "has no host";
	if (i == len)
		return NULL;
	if (h[i] != ':' || i + 1 == len || len - i - 1 > 5)
		return "has an invalid port";
	unsigned long port = 0;
	for (i++; i < len; i++) {
		if (h[i] < '0' || h[i] > '9')
			return "has an invalid port";
		port = port * 10 + (unsigned long)(h[i] - '0');
	}
	return port >= 1 && port <= 65535 ? NULL : "has an invalid port";
}

static int found_secret(const mg_secret_match *m, void *payload)
{
	*(const char **)payload = m->rule;
	return 1;
}

/* NULL when `url` may be used and committed, else why not. */
static const char *check_url(const char *url, size_t len, char *why, size_t cap)
{
	const char *auth, *end, *at = NULL, *rule = NULL;

	if (len > 2048)
		return "is longer than 2048 characters";
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
			return "holds a space, control or non-ASCII character (percent-encode it)";
	if (strncasecmp(url, "https://", 8) == 0)
		auth = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		auth = url + 7;
	else
		return "expected an http:// or https:// url";
	end = auth + strcspn(auth, "/?#");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at)
		return "holds credentials (user@ or user:password@), which memgit.yaml "
		       "must not: it is committed";
	if (mg_secret_scan(url, len, NULL, found_secret, &rule)) {
		snprintf(why, cap, "holds what looks like a secret (%s), which memgit.yaml "
				   "must not: it is committed", rule);
		return why;
	}
	return check_host(auth, (size_t)(end - auth));
}

/* ---- entries -------------------------------------------------------------- */

/* A plain whole number in [min, max]; `*out` untouched when absent. */
static int get_number(const ctx *c, const mg_yaml_node *map, const char *key, unsigned min,
	unsigned max, unsigned *out)
{
	const mg_yaml_node *n = mg_yaml_get(map, key);
	unsigned long long v;
	char *end;

	if (!n)
		return 0;
	if (n->kind != MG_YAML_SCALAR || !n->plain || n->value[0] < '0' || n->value[0] > '9')
		return bad(c, n, key, "expected a whole number from %u to %u", min, max);
	errno = 0;
	v = strtoull(n->value, &end, 10);
	if (errno || *end || v < min || v > max)
		return bad(c, n, key, "expected a whole number from %u to %u", min, max);
	*out = (unsigned)v;
	return 0;
}

static int get_events(const ctx *c, const mg_yaml_node *map, unsigned *out)
{
	const mg_yaml_node *n = mg_yaml_get(map, "events");

	if (!n)
		return 0;
	if (n->kind != MG_YAML_SEQUENCE)
		return bad(c, n, "events", "expected a list of events");
	if (n->nitems == 0)
		return bad(c, n, "events", "expected at least one event (leave events out for all)");
	*out = 0;
	for (size_t i = 0; i < n->nitems; i++) {
		const mg_yaml_node *e = n->items[i];
		unsigned bit = e->kind == MG_YAML_SCALAR ? mg_webhook_event_bit(e->value) : 0;
		if (!bit)
			return bad(c, e, "events", "unknown event%s%s%s (known: dream.completed, "
				"dream.graded, dream.merged, dream.rejected, dream.failed)",
				e->kind == MG_YAML_SCALAR ? " '" : "",
				e->kind == MG_YAML_SCALAR ? e->value : "",
				e->kind == MG_YAML_SCALAR ? "'" : "");
		*out |= bit;
	}
	return 0;
}

/* A name a shell can export: [A-Za-z_][A-Za-z0-9_]*, at most 128 bytes. */
static int env_name_ok(const char *s)
{
	size_t i = 0;

	for (; s[i]; i++) {
		char ch = s[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_' ||
			    (i > 0 && ch >= '0' && ch <= '9')))
			return 0;
	}
	return i > 0 && i <= 128;
}

static int get_secret_env(const ctx *c, const mg_yaml_node *map, char **out)
{
	const mg_yaml_node *n = mg_yaml_get(map, "secret_env");
	const char *name = MG_WEBHOOK_DEFAULT_SECRET_ENV;

	if (n) {
		if (n->kind != MG_YAML_SCALAR || strlen(n->value) != n->value_len)
			return bad(c, n, "secret_env", "expected the name of an environment variable");
		/* the secret itself pasted where its variable's name belongs */
		if (strncmp(n->value, "whsec_", 6) == 0 || !env_name_ok(n->value))
			return bad(c, n, "secret_env", "expected the name of an environment "
				"variable ([A-Za-z_][A-Za-z0-9_]*), not the secret itself");
		name = n->value;
	}
	if (!(*out = strdup(name)))
		return mg_error_oom();
	return 0;
}

/* A key that would hold a credential in a committed file. */
static int secret_key(const char *k)
{
	if (strcmp(k, "secret_env") == 0)
		return 0;
	return strcasestr(k, "secret") || strcasestr(k, "password") || strcasestr(k, "token");
}

static int refuse_secret_keys(const ctx *c, const mg_yaml_node *map)
{
	for (size_t i = 0; i + 1 < map->nitems; i += 2) {
		const mg_yaml_node *k = map->items[i];
		if (secret_key(k->value))
			return bad(c, k, k->value, "a secret must not be written in memgit.yaml "
				"(it is committed): put it in an environment variable and name "
				"that with secret_env (default %s)", MG_WEBHOOK_DEFAULT_SECRET_ENV);
	}
	return 0;
}

static int parse_url(const ctx *c, const mg_yaml_node *map, char **out)
{
	const mg_yaml_node *n = mg_yaml_get(map, "url");
	char buf[160];
	const char *why;

	if (!n)
		return bad(c, map, "url", "missing");
	if (n->kind != MG_YAML_SCALAR || strlen(n->value) != n->value_len)
		return bad(c, n, "url", "expected an http:// or https:// url");
	if ((why = check_url(n->value, n->value_len, buf, sizeof(buf))))
		return bad(c, n, "url", "%s", why);
	if (!(*out = strdup(n->value)))
		return mg_error_oom();
	return 0;
}

static int parse_entry(const ctx *c, const mg_yaml_node *map, mg_webhook *h)
{
	int rc;

	h->events = MG_WEBHOOK_ALL_EVENTS;
	h->timeout_ms = MG_WEBHOOK_DEFAULT_TIMEOUT_MS;
	h->retries = MG_WEBHOOK_DEFAULT_RETRIES;
	h->line = map->line;
	if (map->kind != MG_YAML_MAPPING)
		return bad(c, map, NULL, "expected a mapping with url: (and events, "
			"secret_env, timeout_ms, retries)");
	if ((rc = refuse_secret_keys(c, map)) < 0 || (rc = parse_url(c, map, &h->url)) < 0 ||
	    (rc = get_events(c, map, &h->events)) < 0 ||
	    (rc = get_secret_env(c, map, &h->secret_env)) < 0 ||
	    (rc = get_number(c, map, "timeout_ms", 1, MG_WEBHOOK_MAX_TIMEOUT_MS,
		     &h->timeout_ms)) < 0)
		return rc;
	return get_number(c, map, "retries", 0, MG_WEBHOOK_MAX_RETRIES, &h->retries);
}

static int is_null(const mg_yaml_node *n)
{
	return n->kind == MG_YAML_SCALAR && n->plain &&
	       (n->value[0] == '\0' || strcmp(n->value, "~") == 0 ||
		       strcasecmp(n->value, "null") == 0);
}

int mg_webhooks_parse(mg_webhooks *out, const mg_yaml_node *node, const char *file)
{
	ctx c = { file ? file : "memgit.yaml", SIZE_MAX };
	int rc = 0;

	if (!node || is_null(node))
		return 0;
	if (node->kind != MG_YAML_SEQUENCE)
		return bad(&c, node, NULL, "expected a list of webhooks (- url: ...)");
	if (node->nitems > MG_WEBHOOK_MAX_HOOKS)
		return bad(&c, node, NULL, "more than %u webhooks", MG_WEBHOOK_MAX_HOOKS);
	if (node->nitems && (rc = mg_array_grow((void **)&out->hooks, &out->cap, node->nitems,
				     sizeof(*out->hooks))) < 0)
		return rc;
	for (size_t i = 0; i < node->nitems; i++) {
		c.index = i;
		memset(&out->hooks[i], 0, sizeof(out->hooks[i]));
		out->n = i + 1; /* the entry's strings are freed by dispose, whatever happens */
		if ((rc = parse_entry(&c, node->items[i], &out->hooks[i])) < 0)
			break;
	}
	if (rc < 0)
		mg_webhooks_dispose(out);
	return rc;
}
