/*
 * path.c: the memory path policy and the UTF-8 helpers it rests on.
 *
 * Every refusal names one rule, checked in a fixed order (length, UTF-8,
 * control characters, backslash, segments, extension), so the same bad path
 * always gives the same message.
 */
#include <string.h>

#include "memgit/read.h"
#include "path.h"
#include "buf.h"
#include "error.h"

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* ---- UTF-8 -------------------------------------------------------------- */

/*
 * Length of the valid UTF-8 sequence at s[i], or 0. The second byte's range
 * depends on the first (RFC 3629): that is what excludes overlongs (E0, F0),
 * surrogates (ED) and code points past U+10FFFF (F4).
 */
static size_t utf8_seq(const unsigned char *s, size_t len, size_t i, unsigned *cp)
{
	unsigned char c = s[i], lo = 0x80, hi = 0xbf;
	size_t n;
	unsigned v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	if (len - i < n || s[i + 1] < lo || s[i + 1] > hi)
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((s[i + k] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i + k] & 0x3f);
	}
	*cp = v;
	return n;
}

int mg_utf8_valid(const char *s, size_t len, size_t *bad)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	unsigned cp;

	while (i < len) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_seq(u, len, i, &cp)) == 0) {
			if (bad)
				*bad = i;
			return 0;
		}
		i += n;
	}
	return 1;
}

static size_t utf8_put(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	/* only folded code points are encoded, all below U+0800 today; three
	 * bytes covers the rest of the BMP should the table grow */
	out[0] = (char)(0xe0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

static unsigned fold_cp(unsigned cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + 0x20;
	if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
		return cp + 0x20;
	/* U+03A2 is unassigned: there is no capital final sigma */
	if (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2)
		return cp + 0x20;
	if (cp >= 0x400 && cp <= 0x40f)
		return cp + 0x50;
	if (cp >= 0x410 && cp <= 0x42f)
		return cp + 0x20;
	return cp;
}

int mg_path_fold(memgit_buf *out, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	unsigned cp, folded;
	char enc[3];
	int rc;

	if (mg_buf_grow(out, len) < 0)
		return MEMGIT_ENOMEM;
	while (i < len) {
		n = utf8_seq(u, len, i, &cp);
		if (n == 0) {
			/* not ours to judge here: keep the byte as it is */
			if (mg_buf_put(out, s + i, 1) < 0)
				return MEMGIT_ENOMEM;
			i++;
			continue;
		}
		folded = fold_cp(cp);
		if (folded == cp)
			rc = mg_buf_put(out, s + i, n);
		else
			rc = mg_buf_put(out, enc, utf8_put(enc, folded));
		if (rc < 0)
			return MEMGIT_ENOMEM;
		i += n;
	}
	return 0;
}

void mg_text_position(const char *s, size_t len, size_t off, unsigned *line, unsigned *col)
{
	size_t start = 0;
	unsigned l = 1;
	const char *p = s, *end, *nl;

	if (off > len)
		off = len;
	end = s + off;
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		l++;
		start = (size_t)(nl - s) + 1;
		p = nl + 1;
	}
	if (line)
		*line = l;
	if (col)
		*col = (unsigned)(off - start + 1);
}

static int is_control(unsigned cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f);
}

int mg_printable(memgit_buf *out, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	unsigned cp;

	while (i < len) {
		n = utf8_seq(u, len, i, &cp);
		if (n == 0 || is_control(cp)) {
			/* C1 controls too: U+009B alone is a terminal escape */
			size_t bytes = n ? n : 1;
			for (size_t k = 0; k < bytes; k++)
				if (mg_buf_printf(out, "\\x%02x", u[i + k]) < 0)
					return MEMGIT_ENOMEM;
			i += bytes;
			continue;
		}
		if (mg_buf_put(out, s + i, n) < 0)
			return MEMGIT_ENOMEM;
		i += n;
	}
	return 0;
}

/* ---- the path policy ---------------------------------------------------- */

int mg_path_has_memory_ext(const char *name)
{
	static const char *const exts[] = {"md", "markdown", "yaml", "yml", "txt"};
	const char *slash = strrchr(name, '/'), *dot;

	if (slash)
		name = slash + 1;
	dot = strrchr(name, '.');
	if (!dot)
		return 0;
	for (size_t k = 0; k < sizeof(exts) / sizeof(exts[0]); k++) {
		const char *a = dot + 1, *b = exts[k];
		while (*a && *b && ascii_lower((unsigned char)*a) == *b) {
			a++;
			b++;
		}
		if (!*a && !*b)
			return 1;
	}
	return 0;
}

static int refuse(const char *subject, const char *rel, size_t len, const char *rule)
{
	memgit_buf shown = MEMGIT_BUF_INIT;
	int rc;

	if (!subject && mg_printable(&shown, rel, len) == 0)
		subject = mg_buf_cstr(&shown);
	rc = mg_error_set(MEMGIT_EPATH, "invalid memory path", subject, "%s", rule);
	memgit_buf_dispose(&shown);
	return rc;
}

/* The rule a segment s[0, n) breaks, or NULL. */
static const char *segment_rule(const char *s, size_t n)
{
	if (n == 0)
		return "empty segment";
	if (n == 1 && s[0] == '.')
		return "'.' segment";
	if (n == 2 && s[0] == '.' && s[1] == '.')
		return "'..' segment";
	if (s[0] == '.')
		return "segment starts with '.'";
	/* NAME_MAX on Linux, macOS and Windows: such a file cannot be checked out */
	if (n > MG_PATH_SEGMENT_MAX_BYTES)
		return "a segment longer than 255 bytes";
	return NULL;
}

/* C0, DEL, and C1 (U+0080-U+009F, "\xc2\x80"-"\xc2\x9f" in valid UTF-8):
 * U+009B alone starts a terminal escape when a path is listed. */
static int has_control(const char *rel, size_t len)
{
	const unsigned char *u = (const unsigned char *)rel;

	for (size_t i = 0; i < len; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return 1;
		if (u[i] == 0xc2 && i + 1 < len && u[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

/* The byte rules, then the segment rules. */
static const char *rel_rule(const char *rel, size_t len)
{
	size_t start = 0;
	const char *rule;

	if (has_control(rel, len))
		return "control character";
	if (memchr(rel, '\\', len))
		return "backslash";
	for (size_t i = 0; i <= len; i++) {
		if (i < len && rel[i] != '/')
			continue;
		if ((rule = segment_rule(rel + start, i - start)) != NULL)
			return rule;
		start = i + 1;
	}
	return NULL;
}

int mg_path_check_rel(const char *rel, size_t len, const char *subject)
{
	char name[MG_PATH_MAX_BYTES + 1];
	const char *rule;

	if (len == 0)
		return refuse(subject, rel, len, "empty path");
	if (len > MG_PATH_MAX_BYTES)
		return refuse(subject, rel, len, "longer than 1024 bytes");
	if (!mg_utf8_valid(rel, len, NULL))
		return refuse(subject, rel, len, "invalid UTF-8");
	if ((rule = rel_rule(rel, len)) != NULL)
		return refuse(subject, rel, len, rule);
	/* no NUL inside (a control character), so a C string is the same path */
	memcpy(name, rel, len);
	name[len] = '\0';
	if (!mg_path_has_memory_ext(name))
		return refuse(
		        subject, rel, len, "extension not one of .md .markdown .yaml .yml .txt");
	return 0;
}

/* Quote the whole input, not only the part after memories/, in the error
 * just recorded. */
static void quote_input(const char *input)
{
	memgit_buf shown = MEMGIT_BUF_INIT;

	if (mg_printable(&shown, input, strlen(input)) == 0)
		mg_error_set_subject(mg_buf_cstr(&shown));
	memgit_buf_dispose(&shown);
}

int mg_path_normalize(memgit_buf *out, const char *input)
{
	const char *rel;
	int rc;

	if (!input)
		input = "";
	rel = input;
	if (rel[0] == '/') {
		if (strcmp(rel, "/memories") != 0 && strncmp(rel, "/memories/", 10) != 0)
			return refuse(
			        NULL, input, strlen(input), "absolute path outside /memories");
		rel++; /* the memory-tool form: now "memories/..." */
	}
	if (strcmp(rel, "memories") == 0 || strcmp(rel, "memories/") == 0)
		return refuse(NULL, input, strlen(input), "no file name");
	if (strncmp(rel, "memories/", 9) == 0)
		rel += 9; /* once: "memories/memories/x.md" is a folder of that name */
	if ((rc = mg_path_check_rel(rel, strlen(rel), NULL)) < 0) {
		quote_input(input);
		return rc;
	}
	return mg_buf_set(out, rel, strlen(rel));
}

int memgit_path_normalize(memgit_buf *out, const char *input)
{
	return mg_path_normalize(out, input);
}
