/*
 * entry.c: one memory file (include/memgit/memory.h).
 *
 * Front matter is held as an ordered list of text segments: a key with its
 * value, or a run of comments and blank lines between keys. A segment memgit
 * did not set is the exact source text, so a rewrite cannot disturb keys it
 * knows nothing about; a memory never modified serializes to the very bytes
 * it was parsed from.
 *
 * The values handed out come from parsing the current front matter text.
 * Each rewrite parses the new text (a safety check that the splice is valid
 * YAML) and keeps the previous tree alive until the memory is freed, so a
 * value borrowed before a rewrite stays readable.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/yaml.h"
#include "memgit/memory.h"
#include "util/buf.h"
#include "util/error.h"

#define MG_QUOTE_MAX 40 /* bytes of a refused value quoted in an error */

typedef struct {
	char *key;       /* NULL for comments and blank lines */
	memgit_buf text; /* the segment as written in the file */
} fm_entry;

struct memgit_memory {
	memgit_memory_type type;
	char *path;
	memgit_limits limits;
	char *orig; /* the bytes parsed, returned while nothing changed */
	size_t orig_len;
	int has_fm, fm_dirty, body_dirty;
	memgit_buf open, close; /* delimiter lines as written, e.g. "---\r\n" */
	size_t fm_off, fm_len;  /* the front matter text within orig */
	const char *eol;        /* line ending for lines memgit writes */
	size_t indent;          /* spaces before a top-level key */
	fm_entry *entries;
	size_t nentries, cap;
	mg_yaml_node *root;     /* the current front matter, NULL when empty */
	mg_yaml_node **retired; /* earlier trees, still lent out */
	size_t nretired;
	memgit_buf body;
};

static const char *const memory_kinds[] = { MEMGIT_MEMORY_KINDS };

/* ---- checking known keys ------------------------------------------------- */

/* A value fit to quote in one error line. */
static void printable(char *out, size_t cap, const char *s, size_t len)
{
	size_t i, n = len < cap - 1 ? len : cap - 1;

	while (n < len && n && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[n] = '\0';
}

static int bad_value(const char *path, const mg_yaml_node *v, const char *key,
	const char *why)
{
	return mg_error_set(MEMGIT_EYAML, "invalid front matter", path,
		"line %u, column %u: %s: %s", v->line, v->column, key, why);
}

static int check_kind(const char *path, const char *key, const mg_yaml_node *v)
{
	char shown[MG_QUOTE_MAX + 1], kinds[128];
	size_t i, n = 0;

	for (i = 0; i < sizeof(memory_kinds) / sizeof(memory_kinds[0]); i++) {
		if (v->kind == MG_YAML_SCALAR && !strcmp(v->value, memory_kinds[i]))
			return 0;
		n += (size_t)snprintf(kinds + n, sizeof(kinds) - n, "%s%s", i ? ", " : "",
			memory_kinds[i]);
	}
	if (v->kind != MG_YAML_SCALAR)
		return mg_error_set(MEMGIT_EYAML, "invalid front matter", path,
			"line %u, column %u: %s: expected one of %s", v->line, v->column, key,
			kinds);
	printable(shown, sizeof(shown), v->value, v->value_len);
	return mg_error_set(MEMGIT_EYAML, "invalid front matter", path,
		"line %u, column %u: %s: '%s' is not one of %s", v->line, v->column, key, shown,
		kinds);
}

static int check_bool(const char *path, const char *key, const mg_yaml_node *v)
{
	return mg_yaml_bool(v) < 0 ? bad_value(path, v, key, "expected true or false") : 0;
}

/* Decimal notation only ("0.8", "1", ".5"), judged on the digits so that no
 * locale can change the answer. */
static int in_unit_range(const char *s, size_t len)
{
	size_t i = 0, digits = 0;
	int neg = 0, whole = 0, frac = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
		if (s[i] != '0')
			whole = whole ? 2 : s[i] - '0';
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
			frac |= s[i] != '0';
	if (!digits || i != len)
		return 0;
	if (neg)
		return !whole && !frac;
	return whole == 0 || (whole == 1 && !frac);
}

static int check_confidence(const char *path, const char *key, const mg_yaml_node *v)
{
	if (v->kind != MG_YAML_SCALAR || !v->plain || !in_unit_range(v->value, v->value_len))
		return bad_value(path, v, key, "expected a number from 0 to 1");
	return 0;
}

static int check_list(const char *path, const char *key, const mg_yaml_node *v)
{
	size_t i;

	if (v->kind == MG_YAML_SEQUENCE)
		for (i = 0; i < v->nitems; i++)
			if (v->items[i]->kind != MG_YAML_SCALAR)
				return bad_value(path, v->items[i], key,
					"expected a scalar or a list of scalars");
	if (v->kind == MG_YAML_MAPPING)
		return bad_value(path, v, key, "expected a scalar or a list of scalars");
	return 0;
}

/* `n` digits at `s` as a number, or -1. */
static int digits_at(const char *s, size_t n)
{
	int v = 0;

	while (n--) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

static int valid_day(int year, int month, int day)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (year < 0 || month < 1 || month > 12 || day < 1)
		return 0;
	return day <= days[month - 1] + (month == 2 && leap);
}

/* "HH:MM:SS[.frac](Z|+HH:MM|-HH:MM)", the time part of RFC 3339. */
static int valid_time(const char *s, size_t len)
{
	size_t i = 8;

	if (len < 9 || s[2] != ':' || s[5] != ':')
		return 0;
	if (digits_at(s, 2) < 0 || digits_at(s, 2) > 23 || digits_at(s + 3, 2) < 0 ||
		digits_at(s + 3, 2) > 59 || digits_at(s + 6, 2) < 0 || digits_at(s + 6, 2) > 60)
		return 0;
	if (s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == 9)
			return 0;
	}
	if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z'))
		return 1;
	if (i + 6 != len || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':')
		return 0;
	return digits_at(s + i + 1, 2) >= 0 && digits_at(s + i + 1, 2) <= 23 &&
		digits_at(s + i + 4, 2) >= 0 && digits_at(s + i + 4, 2) <= 59;
}

static int valid_date(const char *s, size_t len)
{
	if (len < 10 || s[4] != '-' || s[7] != '-')
		return 0;
	if (!valid_day(digits_at(s, 4), digits_at(s + 5, 2), digits_at(s + 8, 2)))
		return 0;
	if (len == 10)
		return 1;
	return (s[10] == 'T' || s[10] == 't' || s[10] == ' ') && valid_time(s + 11, len - 11);
}

static int check_date(const char *path, const char *key, const mg_yaml_node *v)
{
	if (v->kind != MG_YAML_SCALAR || !valid_date(v->value, v->value_len))
		return bad_value(path, v, key,
			"expected a date (YYYY-MM-DD) or an RFC 3339 timestamp");
	return 0;
}

static int check_scalar(const char *path, const char *key, const mg_yaml_node *v)
{
	return v->kind != MG_YAML_SCALAR ? bad_value(path, v, key, "expected a scalar") : 0;
}

static const struct {
	const char *key;
	int (*check)(const char *path, const char *key, const mg_yaml_node *v);
} known_keys[] = {
	{ "id", check_scalar }, { "title", check_scalar }, { "kind", check_kind },
	{ "tags", check_list }, { "sources", check_list }, { "created", check_date },
	{ "updated", check_date }, { "expires", check_date }, { "pinned", check_bool },
	{ "confidence", check_confidence },
};

static int check_known_keys(const char *path, const mg_yaml_node *root)
{
	size_t i, k;
	int rc;

	for (i = 0; root && i + 1 < root->nitems; i += 2) {
		const char *key = root->items[i]->value;
		for (k = 0; k < sizeof(known_keys) / sizeof(known_keys[0]); k++)
			if (!strcmp(key, known_keys[k].key) &&
				(rc = known_keys[k].check(path, key, root->items[i + 1])) < 0)
				return rc;
	}
	return 0;
}

/* ---- front matter segments ----------------------------------------------- */

static int entry_add(memgit_memory *mem, const char *key, const char *text, size_t len)
{
	fm_entry *e;

	if (mem->nentries == mem->cap) {
		size_t cap = mem->cap ? mem->cap * 2 : 16;
		if (!(e = realloc(mem->entries, cap * sizeof(*e))))
			return mg_error_oom();
		mem->entries = e;
		mem->cap = cap;
	}
	e = &mem->entries[mem->nentries];
	memset(e, 0, sizeof(*e));
	if (key && !(e->key = strdup(key)))
		return mg_error_oom();
	if (mg_buf_set(&e->text, text, len) < 0) {
		free(e->key);
		return MEMGIT_ENOMEM;
	}
	mem->nentries++;
	return 0;
}

static size_t line_start(const char *t, size_t off)
{
	while (off > 0 && t[off - 1] != '\n')
		off--;
	return off;
}

static size_t line_after(const char *t, size_t len, size_t off)
{
	const char *nl = off < len ? memchr(t + off, '\n', len - off) : NULL;

	return nl ? (size_t)(nl - t) + 1 : len;
}

/* Where a key's own text ends: after the line holding the last character
 * of its value. What follows up to the next key (comments, blank lines) is
 * a separate segment, so replacing or removing the key leaves it alone. */
static size_t value_end(const char *t, size_t len, const mg_yaml_node *k, const mg_yaml_node *v)
{
	size_t e = v->end > k->end ? v->end : k->end;

	if (e > len)
		e = len;
	if (e > 0 && t[e - 1] == '\n')
		return e;
	return line_after(t, len, e);
}

static int build_block_entries(memgit_memory *mem, const char *t, size_t len)
{
	const mg_yaml_node *root = mem->root;
	size_t i, pos = 0, next, mid;
	int rc;

	for (i = 0; root && i + 1 < root->nitems; i += 2) {
		const mg_yaml_node *k = root->items[i], *v = root->items[i + 1];
		size_t start = i == 0 ? line_start(t, k->start) : pos;
		if (i == 0 && start > 0 && (rc = entry_add(mem, NULL, t, start)) < 0)
			return rc;
		next = i + 2 < root->nitems ? line_start(t, root->items[i + 2]->start) : len;
		mid = value_end(t, len, k, v);
		if (mid > next)
			mid = next;
		if ((rc = entry_add(mem, k->value, t + start, mid - start)) < 0)
			return rc;
		if (mid < next && (rc = entry_add(mem, NULL, t + mid, next - mid)) < 0)
			return rc;
		pos = next;
	}
	if (pos < len && (rc = entry_add(mem, NULL, t + pos, len - pos)) < 0)
		return rc;
	return 0;
}

/*
 * A flow mapping ({a: 1, b: 2}) is rewritten as a block mapping, one entry
 * per line as written from key to value. Continuation lines gain a space:
 * inside flow content leading white space carries no meaning, and at column
 * zero a block reader would end the value there.
 */
static int build_flow_entries(memgit_memory *mem, const char *t, size_t len)
{
	const mg_yaml_node *root = mem->root;
	memgit_buf line = MEMGIT_BUF_INIT;
	size_t i, j, end;
	int rc = 0;

	for (i = 0; i + 1 < root->nitems && rc == 0; i += 2) {
		const mg_yaml_node *k = root->items[i], *v = root->items[i + 1];
		end = v->end > k->end ? v->end : k->end;
		mg_buf_clear(&line);
		for (j = k->start; j < end && j < len && rc == 0; j++)
			rc = t[j] == '\n' ? mg_buf_puts(&line, "\n ") : mg_buf_putc(&line, t[j]);
		if (rc == 0 && (rc = mg_buf_puts(&line, mem->eol)) == 0)
			rc = entry_add(mem, k->value, line.ptr, line.size);
	}
	memgit_buf_dispose(&line);
	return rc;
}

/* ---- parsing ------------------------------------------------------------- */

static int has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext), i;

	if (n <= e)
		return 0;
	for (i = 0; i < e; i++) {
		char c = path[n - e + i];
		if ((c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c) != ext[i])
			return 0;
	}
	return 1;
}

/* The path policy (util/path.h) refuses other extensions before a memory
 * gets here; whatever is not YAML is read as markdown. */
static memgit_memory_type type_of_path(const char *path)
{
	return has_ext(path, ".yaml") || has_ext(path, ".yml") ? MEMGIT_MEMORY_YAML
							      : MEMGIT_MEMORY_MARKDOWN;
}

static mg_yaml_limits yaml_limits(const memgit_memory *mem)
{
	mg_yaml_limits yl = { mem->limits.memory_max_bytes, mem->limits.yaml_max_depth };
	return yl;
}

/* Length of the delimiter line at `t` ("---" or "...", then LF, CRLF or the
 * end of the text), or 0 when the line is something else. */
static size_t delimiter_line(const char *t, size_t len, int opening)
{
	if (len < 3 || (memcmp(t, "---", 3) && (opening || memcmp(t, "...", 3))))
		return 0;
	if (len == 3)
		return 3;
	if (t[3] == '\n')
		return 4;
	if (t[3] == '\r' && (len == 4 || t[4] == '\n'))
		return len == 4 ? 4 : 5;
	return 0;
}

/* Find the front matter: its delimiter lines, its text and the body. A byte
 * order mark before the opening line is kept as part of that line. */
static int split_front_matter(memgit_memory *mem)
{
	const char *t = mem->orig;
	size_t len = mem->orig_len, bom = 0, open, pos, close;

	if (len >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3))
		bom = 3;
	if (!(open = delimiter_line(t + bom, len - bom, 1)))
		return mg_buf_set(&mem->body, t, len);
	mem->eol = open == 5 ? "\r\n" : "\n";
	open += bom;
	for (pos = open; pos < len; pos = line_after(t, len, pos))
		if ((close = delimiter_line(t + pos, len - pos, 0)))
			break;
	if (pos >= len)
		return mg_error_set(MEMGIT_EYAML, "invalid front matter", mem->path,
			"line 1, column 1: front matter not closed");
	mem->has_fm = 1;
	mem->fm_off = open;
	mem->fm_len = pos - open;
	if (mg_buf_set(&mem->open, t, open) < 0 || mg_buf_set(&mem->close, t + pos, close) < 0)
		return MEMGIT_ENOMEM;
	return mg_buf_set(&mem->body, t + pos + close, len - pos - close);
}

static int load_front_matter(memgit_memory *mem)
{
	const char *t = mem->orig + mem->fm_off;
	mg_yaml_limits yl = yaml_limits(mem);
	int rc;

	if ((rc = mg_yaml_parse(&mem->root, t, mem->fm_len, &yl, mem->path, 1)) < 0)
		return rc;
	if (!mem->root)
		return build_block_entries(mem, t, mem->fm_len);
	if (mem->root->kind != MG_YAML_MAPPING)
		return mg_error_set(MEMGIT_EYAML, "invalid front matter", mem->path,
			"line %u, column %u: front matter must be a mapping", mem->root->line,
			mem->root->column);
	if ((rc = check_known_keys(mem->path, mem->root)) < 0)
		return rc;
	if (mem->root->flow)
		return build_flow_entries(mem, t, mem->fm_len);
	mem->indent = mem->root->column - 1;
	return build_block_entries(mem, t, mem->fm_len);
}

static int check_text(const char *path, const char *what, const char *t, size_t len,
	unsigned line_offset)
{
	const char *reason;
	unsigned line, column;
	size_t bad = mg_yaml_text_check(t, len, &reason);

	if (bad == len)
		return 0;
	mg_yaml_position(t, len, bad, &line, &column);
	return mg_error_set(MEMGIT_EINPUT, what, path, "line %u, column %u: %s",
		line + line_offset, column, reason);
}

static int check_size(const memgit_memory *mem, size_t size)
{
	if (size <= mem->limits.memory_max_bytes)
		return 0;
	return mg_error_set(MEMGIT_ELIMIT, "memory too large", mem->path, "%zu bytes, limit %zu",
		size, mem->limits.memory_max_bytes);
}

static memgit_memory *memory_new(const char *path, const char *data, size_t len,
	const memgit_limits *limits)
{
	memgit_memory *mem = calloc(1, sizeof(*mem));
	memgit_limits defaults = MEMGIT_LIMITS_INIT;

	if (!mem)
		return NULL;
	mem->limits = limits ? *limits : defaults;
	/* a zeroed field means "not configured", never "nothing allowed" */
	if (!mem->limits.memory_max_bytes)
		mem->limits.memory_max_bytes = defaults.memory_max_bytes;
	if (!mem->limits.yaml_max_depth)
		mem->limits.yaml_max_depth = defaults.yaml_max_depth;
	mem->eol = "\n";
	mem->type = type_of_path(path);
	mem->path = strdup(path);
	mem->orig = malloc(len + 1);
	if (!mem->path || !mem->orig) {
		memgit_memory_free(mem);
		return NULL;
	}
	if (len)
		memcpy(mem->orig, data, len);
	mem->orig[len] = '\0';
	mem->orig_len = len;
	return mem;
}

int memgit_memory_parse(memgit_memory **out, const char *path, const char *data, size_t len,
	const memgit_limits *limits)
{
	memgit_memory *mem = NULL;
	mg_yaml_node *doc = NULL;
	mg_yaml_limits yl;
	int rc;

	*out = NULL;
	if (!path || (!data && len))
		return mg_error_set(MEMGIT_EINPUT, "cannot parse memory", NULL, "no path or data");
	if (!(mem = memory_new(path, data ? data : "", len, limits)))
		return mg_error_oom();
	if ((rc = check_size(mem, len)) < 0 ||
		(rc = check_text(path, "invalid memory", mem->orig, len, 0)) < 0)
		goto done;
	if (mem->type == MEMGIT_MEMORY_YAML) {
		yl = yaml_limits(mem);
		if ((rc = mg_yaml_parse(&doc, mem->orig, len, &yl, path, 0)) == 0)
			rc = mg_buf_set(&mem->body, mem->orig, len);
		mg_yaml_free(doc);
		goto done;
	}
	if ((rc = split_front_matter(mem)) < 0 || !mem->has_fm)
		goto done;
	rc = load_front_matter(mem);
done:
	if (rc < 0)
		memgit_memory_free(mem);
	else
		*out = mem;
	return rc;
}

void memgit_memory_free(memgit_memory *mem)
{
	size_t i;

	if (!mem)
		return;
	for (i = 0; i < mem->nentries; i++) {
		free(mem->entries[i].key);
		memgit_buf_dispose(&mem->entries[i].text);
	}
	free(mem->entries);
	for (i = 0; i < mem->nretired; i++)
		mg_yaml_free(mem->retired[i]);
	free(mem->retired);
	mg_yaml_free(mem->root);
	memgit_buf_dispose(&mem->open);
	memgit_buf_dispose(&mem->close);
	memgit_buf_dispose(&mem->body);
	free(mem->orig);
	free(mem->path);
	free(mem);
}

/* ---- reading ------------------------------------------------------------- */

memgit_memory_type memgit_memory_type_of(const memgit_memory *mem)
{
	return mem->type;
}

int memgit_memory_has_front_matter(const memgit_memory *mem)
{
	return mem->has_fm;
}

size_t memgit_memory_key_count(const memgit_memory *mem)
{
	return mem->root ? mem->root->nitems / 2 : 0;
}

const char *memgit_memory_key(const memgit_memory *mem, size_t i)
{
	return i < memgit_memory_key_count(mem) ? mem->root->items[2 * i]->value : NULL;
}

const char *memgit_memory_get(const memgit_memory *mem, const char *key)
{
	const mg_yaml_node *v = mg_yaml_get(mem->root, key);

	return v && v->kind == MG_YAML_SCALAR ? v->value : NULL;
}

static int is_null(const mg_yaml_node *v)
{
	return v->kind == MG_YAML_SCALAR && v->plain &&
		(!v->value_len || !strcmp(v->value, "~") || !strcmp(v->value, "null") ||
			!strcmp(v->value, "Null") || !strcmp(v->value, "NULL"));
}

/* The key's value as a list of scalars: *items and *n, or n = 0. A lone
 * scalar is its own one-item list; a null is an empty one. */
static void list_of(const memgit_memory *mem, const char *key, mg_yaml_node *const **items,
	size_t *n)
{
	const mg_yaml_node *v = mg_yaml_get(mem->root, key);
	size_t i;

	*n = 0;
	if (!v || is_null(v) || v->kind == MG_YAML_MAPPING)
		return;
	if (v->kind == MG_YAML_SCALAR) {
		/* the value's slot in its mapping is a one-item array */
		for (i = 1; i < mem->root->nitems; i += 2)
			if (mem->root->items[i] == v)
				*items = &mem->root->items[i];
		*n = 1;
		return;
	}
	for (i = 0; i < v->nitems; i++)
		if (v->items[i]->kind != MG_YAML_SCALAR)
			return;
	*items = v->items;
	*n = v->nitems;
}

size_t memgit_memory_list_count(const memgit_memory *mem, const char *key)
{
	mg_yaml_node *const *items;
	size_t n;

	list_of(mem, key, &items, &n);
	return n;
}

const char *memgit_memory_list_item(const memgit_memory *mem, const char *key, size_t i)
{
	mg_yaml_node *const *items;
	size_t n;

	list_of(mem, key, &items, &n);
	return i < n ? items[i]->value : NULL;
}

const char *memgit_memory_body(const memgit_memory *mem, size_t *len)
{
	if (len)
		*len = mem->body.size;
	return mg_buf_cstr(&mem->body);
}

/* ---- writing ------------------------------------------------------------- */

/* Open delimiter, front matter text, close delimiter and body. */
static int write_markdown(memgit_buf *out, const memgit_memory *mem, const char *fm,
	size_t fm_len, const char *body, size_t body_len)
{
	const memgit_buf *close = &mem->close;
	int rc;

	if (!mem->has_fm && !fm_len)
		return mg_buf_put(out, body, body_len);
	if ((rc = mg_buf_put(out, mem->open.ptr, mem->open.size)) < 0 ||
		(rc = mg_buf_put(out, fm, fm_len)) < 0 ||
		(rc = mg_buf_put(out, close->ptr, close->size)) < 0)
		return rc;
	/* a file that ended on its closing "---" needs a line break before a body */
	if (body_len && close->size && close->ptr[close->size - 1] != '\n' &&
		(rc = mg_buf_puts(out, mem->eol)) < 0)
		return rc;
	return mg_buf_put(out, body, body_len);
}

static int current_fm(memgit_buf *out, const memgit_memory *mem)
{
	size_t i;
	int rc = 0;

	if (!mem->fm_dirty)
		return mg_buf_put(out, mem->orig + mem->fm_off, mem->fm_len);
	for (i = 0; i < mem->nentries && rc == 0; i++)
		rc = mg_buf_put(out, mem->entries[i].text.ptr, mem->entries[i].text.size);
	return rc;
}

int memgit_memory_serialize(memgit_buf *out, const memgit_memory *mem)
{
	memgit_buf fm = MEMGIT_BUF_INIT;
	int rc;

	mg_buf_clear(out);
	if (!mem->fm_dirty && !mem->body_dirty)
		return mg_buf_set(out, mem->orig, mem->orig_len);
	if (mem->type == MEMGIT_MEMORY_YAML)
		return mg_buf_set(out, mem->body.ptr, mem->body.size);
	if ((rc = current_fm(&fm, mem)) == 0 && (rc = mg_buf_grow(out, 0)) == 0)
		rc = write_markdown(out, mem, fm.ptr, fm.size, mem->body.ptr, mem->body.size);
	memgit_buf_dispose(&fm);
	return rc;
}

static size_t find_entry(const memgit_memory *mem, const char *key)
{
	size_t i;

	for (i = 0; i < mem->nentries; i++)
		if (mem->entries[i].key && !strcmp(mem->entries[i].key, key))
			return i;
	return SIZE_MAX;
}

/* Front matter text with entry `at` replaced by `text`, or removed when
 * `text` is NULL; `at` == SIZE_MAX appends `text`. */
static int compose_fm(memgit_buf *out, const memgit_memory *mem, size_t at,
	const memgit_buf *text)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < mem->nentries && rc == 0; i++) {
		const memgit_buf *seg = i == at ? text : &mem->entries[i].text;
		if (seg)
			rc = mg_buf_put(out, seg->ptr, seg->size);
	}
	if (rc == 0 && at == SIZE_MAX)
		rc = mg_buf_put(out, text->ptr, text->size);
	return rc;
}

/* The new front matter must fit the limit, parse (it always should: every
 * segment is either source text or generated) and pass the key checks. */
static int check_fm(const memgit_memory *mem, const memgit_buf *fm, mg_yaml_node **root)
{
	mg_yaml_limits yl = yaml_limits(mem);
	memgit_buf whole = MEMGIT_BUF_INIT;
	int rc;

	rc = write_markdown(&whole, mem, fm->ptr, fm->size, mem->body.ptr, mem->body.size);
	if (rc == 0)
		rc = check_size(mem, whole.size);
	memgit_buf_dispose(&whole);
	if (rc < 0)
		return rc;
	if ((rc = mg_yaml_parse(root, fm->ptr, fm->size, &yl, mem->path, 1)) < 0) {
		if (rc == MEMGIT_ENOMEM)
			return rc;
		return mg_error_set(MEMGIT_ERROR, "internal error", mem->path,
			"rewritten front matter does not parse: %s", memgit_error_last()->why);
	}
	if ((rc = check_known_keys(mem->path, *root)) < 0) {
		mg_yaml_free(*root);
		*root = NULL;
	}
	return rc;
}

/* Room to retire the current tree, which stays alive for borrowers. */
static int reserve_retired(memgit_memory *mem)
{
	mg_yaml_node **r = realloc(mem->retired, (mem->nretired + 1) * sizeof(*r));

	if (!r)
		return mg_error_oom();
	mem->retired = r;
	return 0;
}

/* Line ending for written lines; new front matter follows the body's. */
static const char *eol_of(const memgit_memory *mem)
{
	const char *b = mem->body.ptr;
	const char *nl = b ? memchr(b, '\n', mem->body.size) : NULL;

	if (mem->has_fm)
		return mem->eol;
	return nl && nl > b && nl[-1] == '\r' ? "\r\n" : "\n";
}

static int ensure_delimiters(memgit_memory *mem)
{
	int rc;

	if (mem->has_fm)
		return 0;
	mem->eol = eol_of(mem);
	if ((rc = mg_buf_printf(&mem->open, "---%s", mem->eol)) < 0 ||
		(rc = mg_buf_printf(&mem->close, "---%s", mem->eol)) < 0)
		return rc;
	mem->has_fm = 1;
	return 0;
}

static int commit_entry(memgit_memory *mem, size_t at, const char *key, memgit_buf *text)
{
	fm_entry *e;

	if (at == SIZE_MAX)
		return entry_add(mem, key, text->ptr, text->size);
	e = &mem->entries[at];
	if (text) {
		memgit_buf tmp = e->text;
		e->text = *text;
		*text = tmp;
		return 0;
	}
	free(e->key);
	memgit_buf_dispose(&e->text);
	memmove(e, e + 1, (mem->nentries - at - 1) * sizeof(*e));
	mem->nentries--;
	return 0;
}

/* Bytes the memory would serialize to with entry `at` replaced by `text`
 * (appended when `at` is SIZE_MAX). */
static size_t size_with(const memgit_memory *mem, size_t at, const memgit_buf *text)
{
	size_t n = mem->open.size + mem->close.size + mem->body.size + text->size;

	for (size_t i = 0; i < mem->nentries; i++)
		if (i != at)
			n += mem->entries[i].text.size;
	return n;
}

/*
 * Setting a key in a block mapping: parse only the new "key: value" line
 * and splice its nodes into the tree, instead of re-parsing the whole front
 * matter after every set (seven times a `memgit put`, a third of an
 * import). The replaced value node is retired, not freed: it may be lent out.
 */
static int rewrite_entry(memgit_memory *mem, size_t at, const char *key, memgit_buf *text)
{
	mg_yaml_limits yl = yaml_limits(mem);
	mg_yaml_node *mini = NULL, *root = mem->root, **items;
	size_t i;
	int rc;

	unsigned line = 1; /* the opening delimiter; then the lines before the entry */

	for (i = 0; i < mem->nentries && i != at; i++)
		for (size_t j = 0; j < mem->entries[i].text.size; j++)
			line += mem->entries[i].text.ptr[j] == '\n';
	if ((rc = check_size(mem, size_with(mem, at, text))) < 0)
		return rc;
	if ((rc = mg_yaml_parse(&mini, text->ptr, text->size, &yl, mem->path, line)) < 0)
		return rc == MEMGIT_ENOMEM ? rc : mg_error_set(MEMGIT_ERROR, "internal error",
			mem->path, "a generated line does not parse: %s", memgit_error_last()->why);
	if (!mini || mini->kind != MG_YAML_MAPPING || mini->nitems != 2) {
		rc = mg_error_set(MEMGIT_ERROR, "internal error", mem->path, "a generated line is not one key");
		goto done;
	}
	if ((rc = check_known_keys(mem->path, mini)) < 0 || (rc = reserve_retired(mem)) < 0)
		goto done;
	for (i = 0; i + 1 < root->nitems; i += 2)
		if (root->items[i]->kind == MG_YAML_SCALAR && !strcmp(root->items[i]->value, key))
			break;
	if (i + 1 >= root->nitems) {
		if (!(items = realloc(root->items, (root->nitems + 2) * sizeof(*items)))) {
			rc = mg_error_oom();
			goto done;
		}
		root->items = items;
		root->items[root->nitems++] = mini->items[0];
		root->items[root->nitems++] = mini->items[1];
	} else {
		mem->retired[mem->nretired++] = root->items[i + 1];
		root->items[i + 1] = mini->items[1];
		mg_yaml_free(mini->items[0]);
	}
	mini->nitems = 0;
	if ((rc = commit_entry(mem, at, key, text)) == 0)
		mem->fm_dirty = 1;
done:
	mg_yaml_free(mini);
	return rc;
}

/* Replace, append or (text NULL) remove a key; nothing changes on failure. */
static int rewrite(memgit_memory *mem, const char *key, memgit_buf *text)
{
	size_t at = find_entry(mem, key);
	memgit_buf fm = MEMGIT_BUF_INIT;
	mg_yaml_node *root = NULL;
	int had_fm = mem->has_fm, rc;

	if (!text && at == SIZE_MAX)
		return 0;
	if (text && mem->has_fm && mem->root && mem->root->kind == MG_YAML_MAPPING && !mem->root->flow)
		return rewrite_entry(mem, at, key, text);
	if ((rc = ensure_delimiters(mem)) < 0 || (rc = compose_fm(&fm, mem, at, text)) < 0 ||
		(rc = mg_buf_grow(&fm, 0)) < 0 || (rc = check_fm(mem, &fm, &root)) < 0 ||
		(rc = reserve_retired(mem)) < 0 || (rc = commit_entry(mem, at, key, text)) < 0)
		goto done;
	mem->retired[mem->nretired++] = mem->root;
	mem->root = root;
	root = NULL;
	mem->fm_dirty = 1;
done:
	mg_yaml_free(root);
	memgit_buf_dispose(&fm);
	if (rc < 0 && !had_fm) {
		mem->has_fm = 0;
		mg_buf_clear(&mem->open);
		mg_buf_clear(&mem->close);
	}
	return rc;
}

static int check_settable(const memgit_memory *mem, const char *key)
{
	if (mem->type == MEMGIT_MEMORY_YAML)
		return mg_error_set(MEMGIT_EINPUT, "cannot set key", mem->path,
			"a YAML memory has no front matter");
	if (!key || !*key)
		return mg_error_set(MEMGIT_EINPUT, "cannot set key", mem->path, "empty key");
	return check_text(mem->path, "cannot set key", key, strlen(key), 0);
}

/* "<indent><key>: <value><eol>" with `value` already YAML, then rewrite. */
static int set_value(memgit_memory *mem, const char *key, const memgit_buf *value)
{
	memgit_buf line = MEMGIT_BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < mem->indent && rc == 0; i++)
		rc = mg_buf_putc(&line, ' ');
	if (rc == 0 && (rc = mg_yaml_emit_scalar(&line, key, strlen(key))) == 0 &&
		(rc = mg_buf_puts(&line, ": ")) == 0 &&
		(rc = mg_buf_put(&line, value->ptr, value->size)) == 0 &&
		(rc = mg_buf_puts(&line, eol_of(mem))) == 0)
		rc = rewrite(mem, key, &line);
	memgit_buf_dispose(&line);
	return rc;
}

int memgit_memory_set_string(memgit_memory *mem, const char *key, const char *value)
{
	memgit_buf v = MEMGIT_BUF_INIT;
	int rc;

	if ((rc = check_settable(mem, key)) < 0)
		return rc;
	if (!value)
		return mg_error_set(MEMGIT_EINPUT, "cannot set key", mem->path, "no value");
	if ((rc = check_text(mem->path, "cannot set key", value, strlen(value), 0)) < 0)
		return rc;
	/* a valid confidence is written as the number it is, not as a string */
	if (!strcmp(key, "confidence") && in_unit_range(value, strlen(value)))
		rc = mg_buf_puts(&v, value);
	else
		rc = mg_yaml_emit_scalar(&v, value, strlen(value));
	if (rc == 0)
		rc = set_value(mem, key, &v);
	memgit_buf_dispose(&v);
	return rc;
}

int memgit_memory_set_bool(memgit_memory *mem, const char *key, int value)
{
	memgit_buf v = MEMGIT_BUF_INIT;
	int rc;

	if ((rc = check_settable(mem, key)) < 0)
		return rc;
	if ((rc = mg_buf_puts(&v, value ? "true" : "false")) == 0)
		rc = set_value(mem, key, &v);
	memgit_buf_dispose(&v);
	return rc;
}

int memgit_memory_set_list(memgit_memory *mem, const char *key, const char *const *items,
	size_t n)
{
	memgit_buf v = MEMGIT_BUF_INIT;
	size_t i;
	int rc;

	if ((rc = check_settable(mem, key)) < 0)
		return rc;
	if (n && !items)
		return mg_error_set(MEMGIT_EINPUT, "cannot set key", mem->path, "no items");
	rc = mg_buf_putc(&v, '[');
	for (i = 0; i < n && rc == 0; i++) {
		size_t len = items[i] ? strlen(items[i]) : 0;
		if (!items[i])
			rc = mg_error_set(MEMGIT_EINPUT, "cannot set key", mem->path,
				"item %zu is NULL", i);
		else if ((rc = check_text(mem->path, "cannot set key", items[i], len, 0)) == 0 &&
			(rc = i ? mg_buf_puts(&v, ", ") : 0) == 0)
			rc = mg_yaml_emit_scalar(&v, items[i], len);
	}
	if (rc == 0 && (rc = mg_buf_putc(&v, ']')) == 0)
		rc = set_value(mem, key, &v);
	memgit_buf_dispose(&v);
	return rc;
}

int memgit_memory_unset(memgit_memory *mem, const char *key)
{
	if (mem->type == MEMGIT_MEMORY_YAML || !key)
		return 0;
	return rewrite(mem, key, NULL);
}

/* The new body's size and position checks count the file it will be in. */
static int check_body(memgit_memory *mem, const char *body, size_t len, size_t *prefix_lines)
{
	memgit_buf fm = MEMGIT_BUF_INIT, whole = MEMGIT_BUF_INIT;
	size_t i;
	int rc;

	*prefix_lines = 0;
	if ((rc = current_fm(&fm, mem)) == 0 &&
		(rc = write_markdown(&whole, mem, fm.ptr, fm.size, body, len)) == 0 &&
		(rc = check_size(mem, whole.size)) == 0)
		for (i = 0; i < whole.size - len; i++)
			*prefix_lines += whole.ptr[i] == '\n';
	memgit_buf_dispose(&fm);
	memgit_buf_dispose(&whole);
	return rc;
}

int memgit_memory_set_body(memgit_memory *mem, const char *body, size_t len)
{
	mg_yaml_node *doc = NULL;
	mg_yaml_limits yl = yaml_limits(mem);
	size_t lines = 0;
	int rc;

	if (!body && len)
		return mg_error_set(MEMGIT_EINPUT, "cannot set body", mem->path, "no data");
	body = body ? body : "";
	if (mem->type == MEMGIT_MEMORY_YAML)
		rc = check_size(mem, len);
	else
		rc = check_body(mem, body, len, &lines);
	if (rc == 0)
		rc = check_text(mem->path, "invalid memory", body, len, (unsigned)lines);
	if (rc < 0)
		return rc;
	if (mem->type == MEMGIT_MEMORY_YAML) {
		if ((rc = mg_yaml_parse(&doc, body, len, &yl, mem->path, 0)) < 0)
			return rc;
		mg_yaml_free(doc);
	}
	if ((rc = mg_buf_set(&mem->body, body, len)) < 0)
		return rc;
	mem->body_dirty = 1;
	return 0;
}
