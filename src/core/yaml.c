/*
 * yaml.c: the libyaml adapter, the only file that includes <yaml.h>.
 *
 * The tree is built from parser events with an explicit stack of open
 * collections, so nesting costs no C stack and every limit is enforced on
 * the event that would break it: an anchor is refused before libyaml reads
 * what it names, and a collection one level too deep is refused before its
 * content is scanned.
 *
 * libyaml 0.2.5 counts yaml_mark_t.index in characters, not bytes (and
 * leaves a leading byte order mark out of the count); a cursor walks the
 * UTF-8 text to turn marks into byte offsets.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/yaml.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/path.h"

#define MG_YAML_DEFAULT_MAX_BYTES (100u * 1024u)
#define MG_YAML_DEFAULT_MAX_DEPTH 64u
#define MG_YAML_KEY_QUOTE 60 /* bytes of a key quoted in an error */

typedef struct {
	mg_yaml_node *node;
	size_t cap; /* slots allocated in node->items */
} open_coll;

typedef struct {
	yaml_parser_t parser;
	const char *text;
	size_t len;
	size_t base;   /* bytes of a leading BOM */
	size_t ci, bi; /* cursor: character index ci is at byte bi */
	const char *file;
	unsigned line_offset;
	unsigned max_depth;
	open_coll *stack; /* open collections, innermost last */
	size_t depth, stack_cap;
	mg_yaml_node *root;
	int documents;
} parse_ctx;

/* ---- UTF-8 and positions ------------------------------------------------- */

/* Length of the valid UTF-8 sequence at `s` (n bytes available) and its
 * code point, or 0 when the bytes are not valid UTF-8. The emitter needs the
 * code points; mg_utf8_valid() (util/path.c) only says yes or no. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t need, i;
	unsigned long v;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		need = 2, v = s[0] & 0x1Fu;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		need = 3, v = s[0] & 0x0Fu;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		need = 4, v = s[0] & 0x07u;
	else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3Fu);
	}
	/* overlong forms, UTF-16 surrogates and anything past U+10FFFF */
	if ((need == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) ||
		(need == 4 && (v < 0x10000 || v > 0x10FFFF)))
		return 0;
	*cp = v;
	return need;
}

size_t mg_yaml_text_check(const char *text, size_t len, const char **reason)
{
	const char *nul = memchr(text, '\0', len);
	size_t clean = nul ? (size_t)(nul - text) : len, bad;

	if (!mg_utf8_valid(text, clean, &bad)) {
		if (reason)
			*reason = "invalid UTF-8";
		return bad;
	}
	if (reason && nul)
		*reason = "NUL byte";
	return clean;
}

static int has_bom(const char *text, size_t len)
{
	return len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3);
}

void mg_yaml_position(const char *text, size_t len, size_t off, unsigned *line,
	unsigned *column)
{
	size_t i = has_bom(text, len) ? 3 : 0;
	unsigned l = 1, c = 1;

	if (off > len)
		off = len;
	for (; i < off; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*column = c;
}

/* Byte offset of libyaml character index `index`. Marks arrive nearly in
 * order, so the cursor moves a little each time. Needs valid UTF-8. */
static size_t byte_at(parse_ctx *c, size_t index)
{
	while (c->ci < index && c->bi < c->len) {
		c->bi++;
		while (c->bi < c->len && ((unsigned char)c->text[c->bi] & 0xC0) == 0x80)
			c->bi++;
		c->ci++;
	}
	while (c->ci > index && c->bi > c->base) {
		c->bi--;
		while (c->bi > c->base && ((unsigned char)c->text[c->bi] & 0xC0) == 0x80)
			c->bi--;
		c->ci--;
	}
	return c->bi;
}

/* ---- errors -------------------------------------------------------------- */

static int fail_at(parse_ctx *c, unsigned line, unsigned column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail_at(parse_ctx *c, unsigned line, unsigned column, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return mg_error_set(MEMGIT_EYAML, "invalid YAML", c->file, "line %u, column %u: %s",
		line, column, why);
}

static unsigned mark_line(const parse_ctx *c, yaml_mark_t m)
{
	return (unsigned)m.line + 1 + c->line_offset;
}

static unsigned mark_column(yaml_mark_t m)
{
	return (unsigned)m.column + 1;
}

static int parser_error(parse_ctx *c)
{
	const yaml_parser_t *p = &c->parser;
	const char *problem = p->problem ? p->problem : "syntax error";
	unsigned line, column;

	if (p->error == YAML_MEMORY_ERROR)
		return mg_error_oom();
	if (p->error == YAML_READER_ERROR) {
		/* reader errors carry a byte offset instead of a mark */
		mg_yaml_position(c->text, c->len, p->problem_offset, &line, &column);
		return fail_at(c, line + c->line_offset, column, "%s", problem);
	}
	line = mark_line(c, p->problem_mark);
	column = mark_column(p->problem_mark);
	if (p->context)
		return fail_at(c, line, column, "%s (%s at line %u, column %u)", problem,
			p->context, mark_line(c, p->context_mark), mark_column(p->context_mark));
	return fail_at(c, line, column, "%s", problem);
}

/* A key fit to quote in one error line: bounded, controls shown as '?'. */
static void quote_key(char *out, size_t cap, const mg_yaml_node *key)
{
	size_t n = key->value_len, i;

	if (n > MG_YAML_KEY_QUOTE) {
		n = MG_YAML_KEY_QUOTE;
		while (n && ((unsigned char)key->value[n] & 0xC0) == 0x80)
			n--;
	}
	if (n >= cap)
		n = cap - 1;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)key->value[i];
		out[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	out[n] = '\0';
}

/* ---- building the tree --------------------------------------------------- */

static mg_yaml_node *node_new(parse_ctx *c, mg_yaml_kind kind, const yaml_event_t *ev)
{
	mg_yaml_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = kind;
	n->line = mark_line(c, ev->start_mark);
	n->column = mark_column(ev->start_mark);
	n->start = byte_at(c, ev->start_mark.index);
	n->end = byte_at(c, ev->end_mark.index);
	return n;
}

/* Add `n` to the innermost open collection (or make it the root). Takes
 * ownership of `n` even on failure. */
static int attach(parse_ctx *c, mg_yaml_node *n)
{
	open_coll *top;
	mg_yaml_node **items;
	int rc;

	if (!c->depth) {
		c->root = n;
		return 0;
	}
	top = &c->stack[c->depth - 1];
	if (top->node->kind == MG_YAML_MAPPING && top->node->nitems % 2 == 0 &&
		n->kind != MG_YAML_SCALAR) {
		rc = fail_at(c, n->line, n->column, "mapping keys must be scalars");
		mg_yaml_free(n);
		return rc;
	}
	if (top->node->nitems == top->cap) {
		size_t cap = top->cap ? top->cap * 2 : 8;
		if (!(items = realloc(top->node->items, cap * sizeof(*items)))) {
			mg_yaml_free(n);
			return mg_error_oom();
		}
		top->node->items = items;
		top->cap = cap;
	}
	top->node->items[top->node->nitems++] = n;
	return 0;
}

static int refuse_anchor(parse_ctx *c, const yaml_event_t *ev)
{
	return fail_at(c, mark_line(c, ev->start_mark), mark_column(ev->start_mark),
		"anchors and aliases are not allowed");
}

static int on_scalar(parse_ctx *c, const yaml_event_t *ev)
{
	mg_yaml_node *n;

	if (ev->data.scalar.anchor)
		return refuse_anchor(c, ev);
	if (!(n = node_new(c, MG_YAML_SCALAR, ev)))
		return mg_error_oom();
	n->value_len = ev->data.scalar.length;
	if (!(n->value = malloc(n->value_len + 1))) {
		free(n);
		return mg_error_oom();
	}
	memcpy(n->value, ev->data.scalar.value, n->value_len);
	n->value[n->value_len] = '\0';
	/* an explicit tag (`!!str yes`) makes a plain scalar a plain string */
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		ev->data.scalar.plain_implicit;
	return attach(c, n);
}

static int on_start(parse_ctx *c, const yaml_event_t *ev, mg_yaml_kind kind)
{
	const yaml_char_t *anchor;
	mg_yaml_node *n;
	int rc, flow;

	if (kind == MG_YAML_SEQUENCE) {
		anchor = ev->data.sequence_start.anchor;
		flow = ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
	} else {
		anchor = ev->data.mapping_start.anchor;
		flow = ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
	}
	if (anchor)
		return refuse_anchor(c, ev);
	if (c->depth >= c->max_depth)
		return fail_at(c, mark_line(c, ev->start_mark), mark_column(ev->start_mark),
			"nesting deeper than %u levels", c->max_depth);
	if (mg_array_grow((void **)&c->stack, &c->stack_cap, c->depth + 1, sizeof(*c->stack)) < 0)
		return MEMGIT_ENOMEM;
	if (!(n = node_new(c, kind, ev)))
		return mg_error_oom();
	n->flow = flow;
	if ((rc = attach(c, n)) < 0)
		return rc;
	c->stack[c->depth].node = n;
	c->stack[c->depth].cap = 0;
	c->depth++;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	const mg_yaml_node *x = *(mg_yaml_node *const *)a;
	const mg_yaml_node *y = *(mg_yaml_node *const *)b;
	size_t n = x->value_len < y->value_len ? x->value_len : y->value_len;
	int r = memcmp(x->value, y->value, n);

	if (r)
		return r;
	if (x->value_len != y->value_len)
		return x->value_len < y->value_len ? -1 : 1;
	return (x->start > y->start) - (x->start < y->start);
}

/* Sorting keeps a mapping with thousands of keys cheap to check; the key
 * reported is the first repeated one in document order. */
static int check_duplicates(parse_ctx *c, const mg_yaml_node *map)
{
	size_t n = map->nitems / 2, i;
	const mg_yaml_node *dup = NULL;
	mg_yaml_node **keys;
	char quoted[MG_YAML_KEY_QUOTE + 1];

	if (n < 2)
		return 0;
	if (!(keys = malloc(n * sizeof(*keys))))
		return mg_error_oom();
	for (i = 0; i < n; i++)
		keys[i] = map->items[2 * i];
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 1; i < n; i++) {
		const mg_yaml_node *a = keys[i - 1], *b = keys[i];
		if (a->value_len == b->value_len && !memcmp(a->value, b->value, a->value_len) &&
			(!dup || b->start < dup->start))
			dup = b;
	}
	free(keys);
	if (!dup)
		return 0;
	quote_key(quoted, sizeof(quoted), dup);
	return fail_at(c, dup->line, dup->column, "duplicate key '%s'", quoted);
}

static int on_end(parse_ctx *c, const yaml_event_t *ev)
{
	mg_yaml_node *n = c->stack[--c->depth].node;

	n->end = byte_at(c, ev->end_mark.index);
	return n->kind == MG_YAML_MAPPING ? check_duplicates(c, n) : 0;
}

static int on_event(parse_ctx *c, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++c->documents > 1)
			return fail_at(c, mark_line(c, ev->start_mark),
				mark_column(ev->start_mark), "more than one document");
		return 0;
	case YAML_ALIAS_EVENT:
		return refuse_anchor(c, ev);
	case YAML_SCALAR_EVENT:
		return on_scalar(c, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(c, ev, MG_YAML_SEQUENCE);
	case YAML_MAPPING_START_EVENT:
		return on_start(c, ev, MG_YAML_MAPPING);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(c, ev);
	default:
		return 0;
	}
}

static int check_input(parse_ctx *c, size_t max_bytes)
{
	const char *reason;
	unsigned line, column;
	size_t bad;

	if (c->len > max_bytes)
		return mg_error_set(MEMGIT_ELIMIT, "YAML document too large", c->file,
			"%zu bytes, limit %zu", c->len, max_bytes);
	bad = mg_yaml_text_check(c->text, c->len, &reason);
	if (bad < c->len) {
		mg_yaml_position(c->text, c->len, bad, &line, &column);
		return fail_at(c, line + c->line_offset, column, "%s", reason);
	}
	return 0;
}

static int run_parser(parse_ctx *c)
{
	yaml_event_t ev;
	int rc, done;

	for (;;) {
		if (!yaml_parser_parse(&c->parser, &ev))
			return parser_error(c);
		rc = on_event(c, &ev);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (rc < 0 || done)
			return rc;
	}
}

int mg_yaml_parse(mg_yaml_node **root, const char *text, size_t len,
	const mg_yaml_limits *limits, const char *file, unsigned line_offset)
{
	parse_ctx c;
	int rc;

	*root = NULL;
	memset(&c, 0, sizeof(c));
	c.text = text ? text : "";
	c.len = text ? len : 0;
	c.file = file;
	c.line_offset = line_offset;
	c.max_depth = limits ? limits->max_depth : MG_YAML_DEFAULT_MAX_DEPTH;
	if ((rc = check_input(&c, limits ? limits->max_bytes : MG_YAML_DEFAULT_MAX_BYTES)) < 0)
		return rc;
	c.base = c.bi = has_bom(c.text, c.len) ? 3 : 0;
	if (!yaml_parser_initialize(&c.parser))
		return mg_error_oom();
	yaml_parser_set_input_string(&c.parser, (const unsigned char *)c.text, c.len);
	/* no yaml_parser_set_encoding(): detection is what skips a BOM uncounted */
	rc = run_parser(&c);
	yaml_parser_delete(&c.parser);
	free(c.stack);
	if (rc < 0) {
		mg_yaml_free(c.root);
		return rc;
	}
	*root = c.root;
	return 0;
}

/*
 * Freed by pointer reversal: descending into a child, the child's slot in
 * its parent's items is reused to remember the parent's own parent. No
 * recursion and no allocation, so any depth frees safely.
 */
void mg_yaml_free(mg_yaml_node *node)
{
	mg_yaml_node *cur = node, *up = NULL, *next;

	while (cur) {
		if (cur->nitems) {
			next = cur->items[--cur->nitems];
			cur->items[cur->nitems] = up;
			up = cur;
			cur = next;
			continue;
		}
		free(cur->value);
		free(cur->items);
		free(cur);
		cur = up;
		up = cur ? cur->items[cur->nitems] : NULL;
	}
}

/* ---- queries ------------------------------------------------------------- */

const mg_yaml_node *mg_yaml_get(const mg_yaml_node *map, const char *key)
{
	size_t n, i;

	if (!map || !key || map->kind != MG_YAML_MAPPING)
		return NULL;
	n = strlen(key);
	for (i = 0; i + 1 < map->nitems; i += 2) {
		const mg_yaml_node *k = map->items[i];
		if (k->kind == MG_YAML_SCALAR && k->value_len == n && !memcmp(k->value, key, n))
			return map->items[i + 1];
	}
	return NULL;
}

static int ascii_lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

static int word_is(const char *s, size_t len, const char *word)
{
	size_t i;

	if (strlen(word) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (ascii_lower((unsigned char)s[i]) != word[i])
			return 0;
	return 1;
}

int mg_yaml_bool(const mg_yaml_node *scalar)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	size_t i;

	if (!scalar || scalar->kind != MG_YAML_SCALAR || !scalar->plain)
		return -1;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (word_is(scalar->value, scalar->value_len, yes[i]))
			return 1;
		if (word_is(scalar->value, scalar->value_len, no[i]))
			return 0;
	}
	return -1;
}

/* ---- emitting scalars ---------------------------------------------------- */

static int is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int is_hex_digit(int ch)
{
	return is_digit(ch) || (ascii_lower(ch) >= 'a' && ascii_lower(ch) <= 'f');
}

/* Would a YAML 1.1 or 1.2 reader take this for a number? Covers ints
 * (decimal, 0x, 0o, 0b, sexagesimal 1:30), floats, .inf and .nan; errs on
 * the side of yes, since a needless quote costs nothing. */
static int number_like(const char *s, size_t len)
{
	size_t i = 0, digits = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (word_is(s + i, len - i, ".inf") || word_is(s + i, len - i, ".nan"))
		return 1;
	if (len - i > 2 && s[i] == '0' && strchr("xXoObB", s[i + 1])) {
		for (i += 2; i < len; i++)
			if (!is_hex_digit((unsigned char)s[i]) && s[i] != '_')
				return 0;
		return 1;
	}
	for (; i < len && (is_digit((unsigned char)s[i]) || strchr("_:", s[i])); i++)
		digits += is_digit((unsigned char)s[i]);
	if (i < len && s[i] == '.')
		for (i++; i < len && (is_digit((unsigned char)s[i]) || strchr("_.", s[i])); i++)
			digits += is_digit((unsigned char)s[i]);
	if (!digits)
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == len || !is_digit((unsigned char)s[i]))
			return 0;
		while (i < len && is_digit((unsigned char)s[i]))
			i++;
	}
	return i == len;
}

/* Booleans and nulls of YAML 1.1 and 1.2, plus the merge and value keys. */
static int keyword_like(const char *s, size_t len)
{
	static const char *const words[] = { "y", "n", "yes", "no", "true", "false", "on",
		"off", "null", "~", "<<", "=" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (word_is(s, len, words[i]))
			return 1;
	return 0;
}

/* Code points that must be escaped even inside double quotes: C1 controls
 * (U+0085 is a line break to libyaml), line/paragraph separators, the BOM
 * and the non-characters libyaml's reader refuses. */
static int needs_escape(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF ||
		cp == 0xFFFE || cp == 0xFFFF;
}

/* Plain is used only when the text reads back identically in block and in
 * flow context, whatever reader (YAML 1.1 or 1.2) is used. */
static int plain_safe(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t i, n;

	if (!len || u[0] == ' ' || u[len - 1] == ' ' || u[len - 1] == ':')
		return 0;
	if (memchr("-?:,[]{}#&*!|>'\"%@`", u[0], 19))
		return 0;
	for (i = 0; i < len; i += n) {
		n = 1;
		if (u[i] < 0x20 || u[i] == 0x7f || memchr(",[]{}", u[i], 5))
			return 0;
		if (u[i] == ':' && i + 1 < len && u[i + 1] == ' ')
			return 0;
		if (u[i] == '#' && i > 0 && u[i - 1] == ' ')
			return 0;
		if (u[i] >= 0x80 && (!(n = utf8_decode(u + i, len - i, &cp)) || needs_escape(cp)))
			return 0;
	}
	return !keyword_like(s, len) && !number_like(s, len);
}

static int emit_escape(memgit_buf *out, unsigned char ch)
{
	switch (ch) {
	case '"':
		return mg_buf_puts(out, "\\\"");
	case '\\':
		return mg_buf_puts(out, "\\\\");
	case '\n':
		return mg_buf_puts(out, "\\n");
	case '\t':
		return mg_buf_puts(out, "\\t");
	case '\r':
		return mg_buf_puts(out, "\\r");
	default:
		return mg_buf_printf(out, "\\x%02X", ch);
	}
}

static int emit_quoted(memgit_buf *out, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t i, n;
	int rc = mg_buf_putc(out, '"');

	for (i = 0; i < len && rc == 0; i += n) {
		n = 1;
		if (u[i] < 0x20 || u[i] == 0x7f || u[i] == '"' || u[i] == '\\') {
			rc = emit_escape(out, u[i]);
		} else if (u[i] < 0x80) {
			rc = mg_buf_putc(out, (char)u[i]);
		} else {
			n = utf8_decode(u + i, len - i, &cp);
			if (cp <= 0xFF && needs_escape(cp))
				rc = mg_buf_printf(out, "\\x%02lX", cp);
			else if (cp == 0x2028 || cp == 0x2029)
				rc = mg_buf_puts(out, cp == 0x2028 ? "\\L" : "\\P");
			else if (needs_escape(cp))
				rc = mg_buf_printf(out, "\\u%04lX", cp);
			else
				rc = mg_buf_put(out, s + i, n);
		}
	}
	return rc < 0 ? rc : mg_buf_putc(out, '"');
}

int mg_yaml_emit_scalar(memgit_buf *out, const char *s, size_t len)
{
	size_t bad = mg_yaml_text_check(s, len, NULL);

	/* a NUL is fine here (it is escaped); only broken UTF-8 cannot be written */
	while (bad < len && s[bad] == '\0')
		bad += 1 + mg_yaml_text_check(s + bad + 1, len - bad - 1, NULL);
	if (bad < len)
		return mg_error_set(MEMGIT_EINPUT, "cannot write YAML", NULL,
			"invalid UTF-8 at byte %zu", bad);
	if (plain_safe(s, len))
		return mg_buf_put(out, s, len);
	return emit_quoted(out, s, len);
}
