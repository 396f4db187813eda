/*
 * builtin_text.c: text helpers of the builtin dreamer: hashing, words,
 * error-line selection and normalisation, slugs, content-derived ids, and
 * composing new memory files.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "core/yaml.h"
#include "memgit/memory.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/sha256.h"

/* ---- hashing ------------------------------------------------------------------ */

uint64_t mg_bi_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

uint64_t mg_bi_hash(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return mg_bi_mix(h ^ len);
}

/* ---- words -------------------------------------------------------------------- */

static int is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_word_byte(unsigned char c)
{
	return is_alnum(c) || c >= 0x80;
}

int mg_bi_words(const char *text, size_t len, mg_bi_word_cb cb, void *payload)
{
	char word[64];
	size_t i = 0, n;
	int rc;

	while (i < len) {
		while (i < len && !is_word_byte((unsigned char)text[i]))
			i++;
		/* a very long word is cut, the same way every time */
		for (n = 0; i < len && is_word_byte((unsigned char)text[i]); i++)
			if (n < sizeof(word))
				word[n++] = (char)mg_bi_lower((unsigned char)text[i]);
		if (n && (rc = cb(word, n, payload)) != 0)
			return rc;
	}
	return 0;
}

int mg_bi_squash(memgit_buf *out, const char *text, size_t len)
{
	int space = 0, rc = mg_buf_grow(out, len);
	size_t start = out->size;

	for (size_t i = 0; i < len && rc == 0; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			space = 1;
			continue;
		}
		if (space && out->size > start)
			rc = mg_buf_putc(out, ' ');
		space = 0;
		if (rc == 0)
			rc = mg_buf_putc(out, (char)mg_bi_lower(c));
	}
	return rc;
}

int mg_bi_starts_ci(const char *a, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	if (len < n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (mg_bi_lower((unsigned char)a[i]) != (unsigned char)prefix[i])
			return 0;
	return 1;
}

static int contains_ci(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; i + n <= len; i++)
		if (mg_bi_starts_ci(s + i, len - i, word))
			return 1;
	return 0;
}

/* ---- the line that says what failed ------------------------------------------ */

/* Lines harnesses put around a command's output (Codex exec_command, Claude
 * Code's Bash): they say that something failed, never what. */
static int harness_line(const char *s, size_t len)
{
	static const char *const heads[] = {"chunk id:", "wall time:", "process exited with code",
	        "original token count:", "output:", "exit code", "process running with session id",
	        "command:", "exit status"};

	for (size_t i = 0; i < sizeof(heads) / sizeof(*heads); i++)
		if (mg_bi_starts_ci(s, len, heads[i]))
			return 1;
	return 0;
}

/*
 * How plainly a line says what went wrong: 2 names the failure ("error",
 * "connection refused", "permission denied"), 1 only reports one ("1
 * failed", "***Failed", "missing"), 0 neither. Test runners print a
 * summary line before the cause, so the cause is looked for first.
 */
static int says_failure(const char *s, size_t len)
{
	static const char *const cause[] = {"error", "fatal", "exception", "denied", "refused",
	        "rejected", "not found", "no such", "cannot", "can't", "unable", "panic",
	        "undefined reference", "segmentation fault", "traceback", "not allowed",
	        "timed out", "permission"};
	static const char *const report[] = {
	        "fail", "missing", "unknown", "invalid", "conflict", "abort"};

	for (size_t i = 0; i < sizeof(cause) / sizeof(*cause); i++)
		if (contains_ci(s, len, cause[i]))
			return 2;
	for (size_t i = 0; i < sizeof(report) / sizeof(*report); i++)
		if (contains_ci(s, len, report[i]))
			return 1;
	return 0;
}

static void trim(const char *s, size_t *start, size_t *len)
{
	while (*len && (s[*start] == ' ' || s[*start] == '\t' || s[*start] == '\r')) {
		(*start)++;
		(*len)--;
	}
	while (*len && (s[*start + *len - 1] == ' ' || s[*start + *len - 1] == '\t' ||
	                       s[*start + *len - 1] == '\r'))
		(*len)--;
}

/* The tags Claude Code wraps a refused tool call in. */
static void strip_tags(const char *s, size_t *start, size_t *len)
{
	static const char open[] = "<tool_use_error>", close[] = "</tool_use_error>";

	if (mg_bi_starts_ci(s + *start, *len, open)) {
		*start += sizeof(open) - 1;
		*len -= sizeof(open) - 1;
	}
	if (*len >= sizeof(close) - 1 &&
	        mg_bi_starts_ci(s + *start + *len - (sizeof(close) - 1), sizeof(close) - 1, close))
		*len -= sizeof(close) - 1;
	trim(s, start, len);
}

/* A Python traceback names the error on its last line. */
static void last_line(const char *s, size_t len, size_t *start, size_t *line_len)
{
	size_t end = len;

	while (end && (s[end - 1] == '\n' || s[end - 1] == '\r' || s[end - 1] == ' '))
		end--;
	*start = end;
	while (*start && s[*start - 1] != '\n')
		(*start)--;
	*line_len = end - *start;
	trim(s, start, line_len);
}

void mg_bi_error_line(const char *text, size_t len, size_t *start, size_t *line_len)
{
	size_t pos = 0, at[2] = {len, len}, n_at[2] = {0, 0};

	*start = 0;
	*line_len = 0;
	/* at[0]: the first line with anything to say, at[1]: the first that
	 * reports a failure; a line naming the cause wins outright */
	for (unsigned lines = 0; pos < len && lines < 60; lines++) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t s = pos, n = (nl ? (size_t)(nl - text) : len) - pos;
		int how;
		pos += n + 1;
		trim(text, &s, &n);
		strip_tags(text, &s, &n);
		if (!n || harness_line(text + s, n))
			continue;
		how = says_failure(text + s, n);
		if (how == 2) {
			if (mg_bi_starts_ci(text + s, n, "traceback (most recent call last)"))
				last_line(text, len, &s, &n);
			*start = s;
			*line_len = n;
			return;
		}
		for (int k = 0; k <= how; k++)
			if (at[k] == len) {
				at[k] = s;
				n_at[k] = n;
			}
	}
	for (int k = 1; k >= 0; k--)
		if (at[k] < len) {
			*start = at[k];
			*line_len = n_at[k];
			return;
		}
}

/* ---- normalising an error line ---------------------------------------------- */

#define NORM_MAX 200

static int is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int has_source_ext(const char *s, size_t n)
{
	static const char *const exts[] = {".c", ".h", ".cc", ".cpp", ".hpp", ".py", ".js", ".ts",
	        ".tsx", ".jsx", ".go", ".rs", ".java", ".rb", ".md", ".json", ".yaml", ".yml",
	        ".toml", ".txt", ".sh", ".lock", ".cfg", ".ini", ".xml", ".html", ".css", ".o",
	        ".so", ".a", ".log", ".jsonl", ".cmake", ".mk"};
	/* drop ":12:5" positions before looking at the extension */
	while (n && ((s[n - 1] >= '0' && s[n - 1] <= '9') || s[n - 1] == ':'))
		n--;
	for (size_t i = 0; i < sizeof(exts) / sizeof(*exts); i++) {
		size_t k = strlen(exts[i]);
		if (n > k && mg_bi_starts_ci(s + n - k, k, exts[i]) &&
		        is_alnum((unsigned char)s[0]))
			return 1;
	}
	return 0;
}

static int pathlike(const char *s, size_t n)
{
	return memchr(s, '/', n) || memchr(s, '\\', n) || s[0] == '~' || has_source_ext(s, n);
}

static int closing_quote(const char *s, size_t len, size_t i, size_t *close)
{
	char q = s[i];

	for (size_t j = i + 1; j < len && s[j] != '\n'; j++)
		if (s[j] == q &&
		        (q != '\'' || j + 1 == len || !is_alnum((unsigned char)s[j + 1]))) {
			*close = j;
			return 1;
		}
	return 0;
}

/* Letters kept (lowered), digit runs as <n>, long hex runs as <hex>. */
static int put_word(memgit_buf *out, const char *s, size_t n)
{
	size_t i = 0;
	int rc = 0;

	while (i < n && rc == 0) {
		size_t j = i;
		int digits = 0, letters = 0;
		if (!is_alnum((unsigned char)s[i])) {
			rc = mg_buf_putc(out, s[i++]);
			continue;
		}
		if (s[i] == '0' && i + 2 < n && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
		        is_hex((unsigned char)s[i + 2])) {
			for (j = i + 2; j < n && is_hex((unsigned char)s[j]); j++)
				;
			rc = mg_buf_puts(out, "<hex>");
			i = j;
			continue;
		}
		for (j = i; j < n && is_alnum((unsigned char)s[j]); j++) {
			digits += s[j] >= '0' && s[j] <= '9';
			letters += !is_hex((unsigned char)s[j]);
		}
		/* ids, digests, addresses: hex digits and letters mixed ("3f9a1c2",
		 * "e89b"); words ("dead", "cafe") and plain numbers are not */
		if (j - i >= 4 && digits && !letters && (size_t)digits < j - i) {
			rc = mg_buf_puts(out, "<hex>");
			i = j;
			continue;
		}
		for (; i < j && rc == 0;) {
			if (s[i] >= '0' && s[i] <= '9') {
				while (i < j && s[i] >= '0' && s[i] <= '9')
					i++;
				rc = mg_buf_puts(out, "<n>");
			} else {
				rc = mg_buf_putc(out, (char)mg_bi_lower((unsigned char)s[i++]));
			}
		}
	}
	return rc;
}

static int put_token(memgit_buf *out, const char *s, size_t n)
{
	size_t core = n;

	/* trailing punctuation is not part of a path */
	while (core && strchr(":,.;)]}", s[core - 1]))
		core--;
	if (core && pathlike(s, core)) {
		int rc = mg_buf_puts(out, "<path>");
		return rc ? rc : mg_buf_put(out, s + core, n - core);
	}
	return put_word(out, s, n);
}

int mg_bi_normalise_error(memgit_buf *out, const char *s, size_t len)
{
	size_t i = 0, start = out->size, close;
	int space = 0, rc = 0;

	while (i < len && rc == 0 && out->size - start < NORM_MAX) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = 1;
			i++;
			continue;
		}
		if (space && out->size > start && (rc = mg_buf_putc(out, ' ')) < 0)
			break;
		space = 0;
		if ((c == '"' || c == '`' ||
		            (c == '\'' && (!i || !is_alnum((unsigned char)s[i - 1])))) &&
		        closing_quote(s, len, i, &close)) {
			rc = mg_buf_puts(out, "<str>");
			i = close + 1;
			continue;
		}
		size_t j = i;
		while (j < len && !strchr(" \t\r\n\"`", s[j]))
			j++;
		rc = put_token(out, s + i, j - i);
		i = j;
	}
	if (rc == 0 && out->size - start > NORM_MAX)
		mg_buf_truncate(out, start + NORM_MAX);
	return rc;
}

/* ---- slugs, ids, clipping --------------------------------------------------- */

/* A placeholder of the normaliser ("<path>", "<n>") at s[i]: its length. */
static size_t placeholder(const char *s, size_t len, size_t i)
{
	size_t j = i + 1;

	if (s[i] != '<')
		return 0;
	while (j < len && j - i < 8 && s[j] >= 'a' && s[j] <= 'z')
		j++;
	return j < len && s[j] == '>' && j > i + 1 ? j - i + 1 : 0;
}

int mg_bi_slug(memgit_buf *out, const char *text, size_t len, size_t max)
{
	size_t start = out->size, p;
	int dash = 0, rc = 0;

	for (size_t i = 0; i < len && rc == 0; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((p = placeholder(text, len, i))) {
			i += p - 1;
			dash = 1;
		} else if (c < 0x80 && is_alnum(c)) {
			if (out->size - start >= max)
				break;
			if (dash && out->size > start)
				rc = mg_buf_putc(out, '-');
			if (rc == 0)
				rc = mg_buf_putc(out, (char)mg_bi_lower(c));
			dash = 0;
		} else {
			dash = 1;
		}
	}
	if (rc < 0)
		return rc;
	/* cut at a word boundary when the slug was cut short */
	if (out->size - start >= max) {
		char *d = memrchr(out->ptr + start, '-', out->size - start);
		if (d && d > out->ptr + start + max / 2)
			mg_buf_truncate(out, (size_t)(d - out->ptr));
	}
	while (out->size > start && out->ptr[out->size - 1] == '-')
		mg_buf_truncate(out, out->size - 1);
	return out->size > start ? 0 : mg_buf_puts(out, "note");
}

void mg_bi_ulid_of(char out[27], const void *data, size_t len)
{
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	unsigned char d[32];
	mg_sha256 c;
	size_t bit = 0;

	mg_sha256_init(&c);
	mg_sha256_update(&c, data, len);
	mg_sha256_final(&c, d);
	/* a ULID is 128 bits: its first character carries 3 of them */
	for (int k = 0; k < 26; k++) {
		unsigned width = k ? 5 : 3, v = 0;
		for (unsigned b = 0; b < width; b++, bit++)
			v = (v << 1) | ((d[bit / 8] >> (7 - bit % 8)) & 1u);
		out[k] = alphabet[v];
	}
	out[26] = '\0';
}

void mg_bi_sig_of(char out[17], const void *data, size_t len)
{
	char hex[65];
	mg_sha256 c;

	mg_sha256_init(&c);
	mg_sha256_update(&c, data, len);
	mg_sha256_hex(&c, hex);
	memcpy(out, hex, 16);
	out[16] = '\0';
}

int mg_bi_clip(memgit_buf *out, const char *text, size_t len, size_t max)
{
	size_t start = out->size, i = 0, s = 0, n = len;
	int rc = 0, space = 0, cut = 0;

	trim(text, &s, &n);
	for (i = s; i < s + n && rc == 0; i++) {
		unsigned char c = (unsigned char)text[i];
		if (out->size - start >= max) {
			cut = 1;
			break;
		}
		if (c < 0x20 || c == 0x7f) {
			space = 1;
			continue;
		}
		if (space && out->size > start)
			rc = mg_buf_putc(out, ' ');
		space = 0;
		if (rc == 0)
			rc = mg_buf_putc(out, (char)c);
	}
	if (rc < 0 || !cut)
		return rc;
	/* cut on a character boundary, then say so */
	while (out->size > start && ((unsigned char)out->ptr[out->size - 1] & 0xC0) == 0x80)
		mg_buf_truncate(out, out->size - 1);
	if (out->size > start && (unsigned char)out->ptr[out->size - 1] >= 0xC0)
		mg_buf_truncate(out, out->size - 1);
	return mg_buf_puts(out, "...");
}

int mg_bi_cites_session(const memgit_memory *mem, const char *session, size_t len)
{
	size_t n = memgit_memory_list_count(mem, "sources");

	for (size_t i = 0; i < n; i++) {
		const char *s = memgit_memory_list_item(mem, "sources", i);
		if (!strncmp(s, session, len) && (s[len] == '#' || s[len] == '\0'))
			return 1;
	}
	return 0;
}

/* ---- composing memories ------------------------------------------------------ */

static int put_key(memgit_buf *out, const char *key, const char *value)
{
	int rc = mg_buf_printf(out, "%s: ", key);

	if (rc == 0)
		rc = value[0] == '#' ? mg_buf_puts(out, value + 1)
		                     : mg_yaml_emit_scalar(out, value, strlen(value));
	return rc ? rc : mg_buf_putc(out, '\n');
}

static int put_list(memgit_buf *out, const char *key, char *const *items, size_t n)
{
	int rc = mg_buf_printf(out, "%s: [", key);

	for (size_t i = 0; i < n && rc == 0; i++)
		if ((rc = i ? mg_buf_puts(out, ", ") : 0) == 0)
			rc = mg_yaml_emit_scalar(out, items[i], strlen(items[i]));
	return rc ? rc : mg_buf_puts(out, "]\n");
}

int mg_bi_compose(memgit_buf *out, const char *path, const char *title, const char *kind,
        char *const *tags, size_t ntags, const char *now, char *const *sources, size_t nsources,
        const char *const *extra, size_t nextra, const char *body, size_t body_len)
{
	memgit_buf rest = MEMGIT_BUF_INIT;
	memgit_memory *check = NULL;
	char id[27];
	int rc;

	if ((rc = put_key(&rest, "title", title)) == 0 &&
	        (rc = put_key(&rest, "kind", kind)) == 0 &&
	        (rc = put_list(&rest, "tags", tags, ntags)) == 0 &&
	        (rc = put_key(&rest, "created", now)) == 0 &&
	        (rc = put_key(&rest, "updated", now)) == 0)
		rc = put_list(&rest, "sources", sources, nsources);
	for (size_t i = 0; i + 1 < nextra * 2 && rc == 0; i += 2)
		rc = put_key(&rest, extra[i], extra[i + 1]);
	if (rc == 0 && (rc = mg_buf_puts(&rest, "---\n")) == 0)
		rc = mg_buf_put(&rest, body, body_len);
	if (rc < 0)
		goto done;
	/* the id names the content, so the same finding gets the same id */
	mg_bi_ulid_of(id, rest.ptr, rest.size);
	mg_buf_clear(out);
	if ((rc = mg_buf_printf(out, "---\nid: %s\n", id)) == 0 &&
	        (rc = mg_buf_put(out, rest.ptr, rest.size)) == 0 &&
	        (!body_len || body[body_len - 1] != '\n'))
		rc = mg_buf_putc(out, '\n');
	/* what this dreamer writes must read back as a valid memory */
	if (rc == 0)
		rc = memgit_memory_parse(&check, path, out->ptr, out->size, NULL);
done:
	memgit_memory_free(check);
	memgit_buf_dispose(&rest);
	return rc;
}

int mg_bi_set_count(memgit_memory **mem, const char *path, const char *key, unsigned long value)
{
	memgit_buf text = MEMGIT_BUF_INIT, quoted = MEMGIT_BUF_INIT;
	memgit_memory *fresh = NULL;
	char digits[24];
	char *at;
	int rc;

	snprintf(digits, sizeof(digits), "%lu", value);
	/* set_string quotes a string that reads as a number; a count is a number */
	if ((rc = memgit_memory_set_string(*mem, key, digits)) < 0 ||
	        (rc = memgit_memory_serialize(&text, *mem)) < 0 ||
	        (rc = mg_buf_printf(&quoted, "\n%s: \"%s\"", key, digits)) < 0)
		goto done;
	if ((at = strstr(text.ptr, quoted.ptr))) {
		size_t off = (size_t)(at - text.ptr) + strlen(key) + 3;
		memmove(text.ptr + off, text.ptr + off + 1, text.size - off - 1);
		text.size--;
		memmove(text.ptr + off + strlen(digits), text.ptr + off + strlen(digits) + 1,
		        text.size - off - strlen(digits) - 1);
		text.size--;
		text.ptr[text.size] = '\0';
	}
	if ((rc = memgit_memory_parse(&fresh, path, text.ptr, text.size, NULL)) == 0) {
		memgit_memory_free(*mem);
		*mem = fresh;
	}
done:
	memgit_buf_dispose(&text);
	memgit_buf_dispose(&quoted);
	return rc;
}

/* ---- string lists ------------------------------------------------------------ */

static int strs_take(mg_bi_strs *l, char *s)
{
	if (!s)
		return mg_error_oom();
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		char **items = realloc(l->items, cap * sizeof(*items));
		if (!items) {
			free(s);
			return mg_error_oom();
		}
		l->items = items;
		l->cap = cap;
	}
	l->items[l->n++] = s;
	return 0;
}

int mg_bi_strs_push(mg_bi_strs *l, const char *s)
{
	return strs_take(l, strdup(s));
}

int mg_bi_strs_pushf(mg_bi_strs *l, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = mg_vformat(fmt, ap);
	va_end(ap);
	if (!s)
		return MEMGIT_ENOMEM;
	return strs_take(l, s);
}

int mg_bi_strs_add_unique(mg_bi_strs *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->items[i], s))
			return 0;
	return mg_bi_strs_push(l, s);
}

void mg_bi_strs_dispose(mg_bi_strs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
