#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "jsonw.h"

void mg_jsonw_init(mg_jsonw *w, memgit_buf *out, int pretty)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->pretty = pretty;
}

static void put(mg_jsonw *w, const char *s, size_t n)
{
	if (w->rc == 0)
		w->rc = mg_buf_put(w->out, s, n);
}

static void newline(mg_jsonw *w)
{
	if (!w->pretty)
		return;
	put(w, "\n", 1);
	for (int i = 0; i < w->depth; i++)
		put(w, "  ", 2);
}

/* Separator before a value in an array, or before a key in an object. */
static void before_item(mg_jsonw *w)
{
	if (w->depth == 0)
		return;
	if (w->need_comma[w->depth] == 1)
		put(w, ",", 1);
	if (w->need_comma[w->depth] != 2)
		newline(w);
	w->need_comma[w->depth] = 1;
}

static void value_prefix(mg_jsonw *w);

static void open_(mg_jsonw *w, const char *c)
{
	value_prefix(w);
	put(w, c, 1);
	if (w->depth == MG_JSONW_MAX_DEPTH) {
		if (w->rc == 0)
			w->rc = mg_error_set(MEMGIT_ELIMIT, "cannot write JSON", NULL,
				"nested deeper than %d", MG_JSONW_MAX_DEPTH);
		return;
	}
	w->depth++;
	w->need_comma[w->depth] = 0;
}

static void close_(mg_jsonw *w, const char *c)
{
	int had = w->need_comma[w->depth];
	if (w->depth > 0)
		w->depth--;
	if (had)
		newline(w);
	put(w, c, 1);
}

void mg_jsonw_object_open(mg_jsonw *w) { open_(w, "{"); }
void mg_jsonw_object_close(mg_jsonw *w) { close_(w, "}"); }
void mg_jsonw_array_open(mg_jsonw *w) { open_(w, "["); }
void mg_jsonw_array_close(mg_jsonw *w) { close_(w, "]"); }

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static void escaped(mg_jsonw *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	put(w, "\"", 1);
	while (i < n) {
		unsigned c = p[i];
		size_t l = c >= 0x20 && c != '"' && c != '\\' ? utf8_len(p + i, n - i) : 0;
		if (l) {
			i += l;
			run += l;
			continue;
		}
		put(w, s + i - run, run);
		run = 0;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			put(w, e, 2);
		} else if (c == '\n') {
			put(w, "\\n", 2);
		} else if (c == '\t') {
			put(w, "\\t", 2);
		} else if (c == '\r') {
			put(w, "\\r", 2);
		} else if (c < 0x20) {
			char e[8];
			static const char hex[] = "0123456789abcdef";
			memcpy(e, "\\u00", 4);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			put(w, e, 6);
		} else {
			put(w, "\xef\xbf\xbd", 3); /* invalid UTF-8 byte */
		}
		i++;
	}
	put(w, s + i - run, run);
	put(w, "\"", 1);
}

void mg_jsonw_key(mg_jsonw *w, const char *key)
{
	before_item(w);
	escaped(w, key, strlen(key));
	put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
	w->need_comma[w->depth] = 2; /* the value follows without a separator */
}

static void value_prefix(mg_jsonw *w)
{
	if (w->depth > 0 && w->need_comma[w->depth] == 2) {
		w->need_comma[w->depth] = 1;
		return;
	}
	before_item(w);
}

void mg_jsonw_string_len(mg_jsonw *w, const char *s, size_t len)
{
	value_prefix(w);
	escaped(w, s, len);
}

void mg_jsonw_string(mg_jsonw *w, const char *s)
{
	if (!s) {
		mg_jsonw_null(w);
		return;
	}
	mg_jsonw_string_len(w, s, strlen(s));
}

void mg_jsonw_int(mg_jsonw *w, int64_t v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);
	value_prefix(w);
	put(w, num, (size_t)n);
}

size_t mg_format_decimal(char *out, size_t cap, double v, unsigned decimals, int trim)
{
	unsigned long long unit = 1, q;
	double a = v < 0 ? -v : v;
	char frac[24];
	int n;

	if (!isfinite(v))
		return (size_t)snprintf(out, cap, "%s", isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
	if (decimals > 9)
		decimals = 9;
	for (unsigned i = 0; i < decimals; i++)
		unit *= 10;
	if (a * (double)unit >= 9e18) /* %.0f prints no radix character */
		return (size_t)snprintf(out, cap, "%.0f", v);
	q = (unsigned long long)(a * (double)unit + 0.5);
	n = snprintf(out, cap, "%s%llu", v < 0 && q ? "-" : "", q / unit);
	if (!decimals || n < 0 || (size_t)n >= cap)
		return n < 0 ? 0 : (size_t)n;
	snprintf(frac, sizeof(frac), "%0*llu", (int)decimals, q % unit);
	for (size_t k = trim ? strlen(frac) : 0; k > 0 && frac[k - 1] == '0'; k--)
		frac[k - 1] = '\0';
	if (frac[0])
		n += snprintf(out + n, cap - (size_t)n, ".%s", frac);
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

void mg_jsonw_double(mg_jsonw *w, double v)
{
	char num[40];
	size_t n;

	if (!isfinite(v)) {
		mg_jsonw_null(w);
		return;
	}
	n = mg_format_decimal(num, sizeof(num), v, 6, 1);
	value_prefix(w);
	put(w, num, n);
}

void mg_jsonw_bool(mg_jsonw *w, int v)
{
	value_prefix(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void mg_jsonw_null(mg_jsonw *w)
{
	value_prefix(w);
	put(w, "null", 4);
}

void mg_jsonw_raw(mg_jsonw *w, const char *json)
{
	value_prefix(w);
	put(w, json, strlen(json));
}

int mg_jsonw_finish(mg_jsonw *w)
{
	if (w->rc == 0 && w->pretty)
		put(w, "\n", 1);
	return w->rc;
}
