/*
 * secrets.c: the secret gate.
 *
 * One pass over the input. A byte table marks the only bytes that can start
 * a match (the first bytes of the token prefixes, and ':' / '=' for
 * assignments); everything else is skipped with one table lookup, which is
 * what keeps a 200 MB transcript cheap. The rule matchers only run at those
 * bytes and never look further back than a name or forward than a value, so
 * the scan stays linear on hostile input.
 */
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secrets.h"
#include "error.h"

/* Generic values longer than this are scored on their first bytes only. */
#define MG_GENERIC_SCORE_MAX 4096
/* A name is judged on its last bytes: enough for any real variable name. */
#define MG_NAME_MAX 128
/* How far after "-----BEGIN" a private key's "-----END" is looked for. */
#define MG_PEM_MAX (64 * 1024)
#define MG_GENERIC_MIN 16
#define NONE SIZE_MAX /* not found */

struct mg_secret_allow {
	size_t n;
	regex_t re[];
};

/* ---- byte classes ------------------------------------------------------ */

enum {
	T_TOKEN = 1, /* may start a token prefix */
	T_OP = 2     /* may be an assignment */
};

/* clang-format off */
static const unsigned char mg_trigger[256] = {
	['A'] = T_TOKEN, ['g'] = T_TOKEN, ['s'] = T_TOKEN, ['x'] = T_TOKEN,
	['h'] = T_TOKEN, ['-'] = T_TOKEN, [':'] = T_OP, ['='] = T_OP,
};
/* clang-format on */

enum {
	K_UPPER = 1,
	K_LOWER = 2,
	K_DIGIT = 4,
	K_US = 8,     /* _ */
	K_DASH = 16,  /* - */
	K_DOT = 32,   /* . */
	K_SLASH = 64, /* / */
	K_VSYM = 128  /* + = ~ */
};
#define K_ALPHA (K_UPPER | K_LOWER)
#define K_ALNUM (K_ALPHA | K_DIGIT)
#define K_WORD (K_ALNUM | K_US)
#define K_VALUE (K_WORD | K_DASH | K_DOT | K_SLASH | K_VSYM)
#define K_NAME (K_WORD | K_DASH | K_DOT)

/* clang-format off */
#define U K_UPPER
#define L K_LOWER
#define D K_DIGIT
#define S K_VSYM
/* git's sane_ctype approach: one lookup instead of a chain of compares */
static const unsigned char mg_kind[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,         /* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,         /* 0x10 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, S, 0, K_DASH, K_DOT, K_SLASH, /*  !"#$%&'()*+,-./ */
	D, D, D, D, D, D, D, D, D, D, 0, 0, 0, S, 0, 0,         /* 0123456789:;<=>? */
	0, U, U, U, U, U, U, U, U, U, U, U, U, U, U, U,         /* @ABCDEFGHIJKLMNO */
	U, U, U, U, U, U, U, U, U, U, U, 0, 0, 0, 0, K_US,      /* PQRSTUVWXYZ[\]^_ */
	0, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,         /* `abcdefghijklmno */
	L, L, L, L, L, L, L, L, L, L, L, 0, 0, 0, S, 0,         /* pqrstuvwxyz{|}~ */
};
#undef U
#undef L
#undef D
#undef S
/* clang-format on */

static inline unsigned kind(char c)
{
	return mg_kind[(unsigned char)c];
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Number of bytes from `i` in the classes `mask`, stopping at `max`. */
static size_t span(const char *d, size_t len, size_t i, unsigned mask, size_t max)
{
	size_t n = 0;

	while (i + n < len && n < max && (kind(d[i + n]) & mask))
		n++;
	return n;
}

static int has_n(const char *d, size_t len, size_t i, const char *lit, size_t n)
{
	return i <= len && len - i >= n && memcmp(d + i, lit, n) == 0;
}

static int has_nocase_n(const char *d, size_t len, size_t i, const char *lit, size_t n)
{
	if (i > len || len - i < n)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (ascii_lower((unsigned char)d[i + k]) != lit[k])
			return 0;
	return 1;
}

/* For string literals: the length is known at compile time. */
#define HAS(d, len, i, lit) has_n(d, len, i, lit, sizeof(lit) - 1)
#define HAS_NOCASE(d, len, i, lit) has_nocase_n(d, len, i, lit, sizeof(lit) - 1)

static int has(const char *d, size_t len, size_t i, const char *lit)
{
	return has_n(d, len, i, lit, strlen(lit));
}

/* True when nothing of a word precedes `i`. An escape such as the "\n" of a
 * JSON string also ends a word: transcripts hold most text JSON-escaped. */
static int boundary(const char *d, size_t i)
{
	char p;

	if (i == 0 || !(kind(d[i - 1]) & K_WORD))
		return 1;
	p = d[i - 1];
	return i >= 2 && d[i - 2] == '\\' && (p == 'n' || p == 't' || p == 'r');
}

struct mg_scan {
	const char *d;
	size_t len;
	size_t generic_skip; /* assignments before this were inside a value */
	size_t pem_end;      /* the last "-----END " found, or NONE */
	size_t pem_clear;    /* searched: no "-----END " starts from the last header to here */
};

/* ---- token rules: each returns the match length at `i`, or 0 ----------- */

static size_t match_aws(const char *d, size_t len, size_t i)
{
	static const char *const pfx[] = {"AKIA", "ASIA", "ABIA", "ACCA"};

	for (size_t k = 0; k < sizeof(pfx) / sizeof(pfx[0]); k++) {
		if (!has_n(d, len, i, pfx[k], 4))
			continue;
		/* exactly 16: a longer run is some other identifier */
		if (span(d, len, i + 4, K_UPPER | K_DIGIT, 17) == 16 &&
		        span(d, len, i + 20, K_WORD, 1) == 0)
			return 20;
		return 0;
	}
	return 0;
}

static size_t match_google(const char *d, size_t len, size_t i)
{
	if (!HAS(d, len, i, "AIza"))
		return 0;
	return span(d, len, i + 4, K_WORD | K_DASH, 36) == 35 ? 39 : 0;
}

static size_t match_github(const char *d, size_t len, size_t i)
{
	size_t n;

	if (HAS(d, len, i, "github_pat_")) {
		n = span(d, len, i + 11, K_WORD, SIZE_MAX);
		return n >= 22 ? 11 + n : 0;
	}
	if (!HAS(d, len, i, "gh") || i + 3 >= len || d[i + 3] != '_' ||
	        !memchr("pousr", d[i + 2], 5))
		return 0;
	n = span(d, len, i + 4, K_ALNUM, SIZE_MAX);
	return n >= 36 ? 4 + n : 0;
}

/* sk-ant- is Anthropic's; every other sk- key is OpenAI's. */
static size_t match_sk(const char *d, size_t len, size_t i, const char **rule)
{
	static const char *const kinds[] = {"proj-", "svcacct-", "admin-"};
	size_t body = i + 3, n;

	if (!HAS(d, len, i, "sk-"))
		return 0;
	if (HAS(d, len, body, "ant-")) {
		n = span(d, len, body + 4, K_WORD | K_DASH, SIZE_MAX);
		*rule = "anthropic-key";
		return n >= 20 ? 7 + n : 0;
	}
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (has(d, len, body, kinds[k])) {
			body += strlen(kinds[k]);
			break;
		}
	n = span(d, len, body, K_WORD | K_DASH, SIZE_MAX);
	*rule = "openai-key";
	return n >= 20 ? body - i + n : 0;
}

static size_t match_slack(const char *d, size_t len, size_t i)
{
	size_t pfx = 0, n;

	if (HAS(d, len, i, "xapp-"))
		pfx = 5;
	else if (HAS(d, len, i, "xox") && i + 4 < len && d[i + 4] == '-' &&
	         memchr("bpars", d[i + 3], 5))
		pfx = 5;
	else if (HAS(d, len, i, "hooks.slack.com/services/")) {
		n = span(d, len, i + 25, K_WORD | K_DASH | K_SLASH, SIZE_MAX);
		return n >= 10 ? 25 + n : 0;
	}
	if (!pfx)
		return 0;
	n = span(d, len, i + pfx, K_ALNUM | K_DASH, SIZE_MAX);
	return n >= 10 ? pfx + n : 0;
}

/* Find `lit` in d[from, to). */
static size_t find(const char *d, size_t from, size_t to, const char *lit)
{
	size_t n = strlen(lit);
	const char *p;

	while (from + n <= to) {
		p = memchr(d + from, lit[0], to - from - n + 1);
		if (!p)
			break;
		from = (size_t)(p - d);
		if (memcmp(p, lit, n) == 0)
			return from;
		from++;
	}
	return NONE;
}

/*
 * The first "-----END " in [from, limit). Each byte is searched once: a run
 * of BEGIN headers with no END would otherwise rescan the same window for
 * every header.
 */
static size_t pem_end_after(struct mg_scan *sc, size_t from, size_t limit)
{
	size_t start = from > sc->pem_clear ? from : sc->pem_clear;

	if (sc->pem_end != NONE && sc->pem_end >= from)
		return sc->pem_end < limit ? sc->pem_end : NONE;
	sc->pem_end = find(sc->d, start, limit, "-----END ");
	if (sc->pem_end == NONE && limit > sc->pem_clear + 8)
		sc->pem_clear = limit - 8;
	return sc->pem_end;
}

/*
 * The whole block, through "-----END ...-----", so that redaction removes
 * the key and not only its header; just the header when no end is near.
 */
static size_t match_pem(struct mg_scan *sc, size_t i)
{
	static const char *const types[] = {
	        "RSA ", "DSA ", "EC ", "OPENSSH ", "ENCRYPTED ", "PGP "};
	const char *d = sc->d;
	size_t len = sc->len, p = i + 11, limit, end, close;

	if (!HAS(d, len, i, "-----BEGIN "))
		return 0;
	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++)
		if (has(d, len, p, types[k])) {
			p += strlen(types[k]);
			break;
		}
	if (!HAS(d, len, p, "PRIVATE KEY"))
		return 0;
	p += 11;
	if (HAS(d, len, p, " BLOCK"))
		p += 6;
	if (!HAS(d, len, p, "-----"))
		return 0;
	p += 5;
	limit = len - p > MG_PEM_MAX ? p + MG_PEM_MAX : len;
	end = pem_end_after(sc, p, limit);
	if (end == NONE)
		return p - i;
	close = find(d, end + 9, len - end - 9 > 64 ? end + 9 + 64 : len, "-----");
	return close == NONE ? p - i : close + 5 - i;
}

static size_t match_token(struct mg_scan *sc, size_t i, const char **rule)
{
	const char *d = sc->d;
	size_t len = sc->len, n = 0;

	switch (d[i]) {
	case 'A':
		if ((n = match_aws(d, len, i)))
			*rule = "aws-access-key-id";
		else if ((n = match_google(d, len, i)))
			*rule = "google-api-key";
		break;
	case 'g':
		if ((n = match_github(d, len, i)))
			*rule = "github-token";
		break;
	case 's':
		n = match_sk(d, len, i, rule);
		break;
	case 'x':
	case 'h':
		if ((n = match_slack(d, len, i)))
			*rule = "slack-token";
		break;
	case '-':
		if ((n = match_pem(sc, i)))
			*rule = "private-key";
		break;
	}
	return n;
}

/* ---- generic-secret: judging a value ------------------------------------ */

/* log2 without libm (libc only for this module); |z| <= 1/3 converges fast */
static double mg_log2(double x)
{
	double z, z2, term, sum = 0.0;
	int e = 0;

	while (x >= 2.0) {
		x /= 2.0;
		e++;
	}
	z = (x - 1.0) / (x + 1.0);
	z2 = z * z;
	term = z;
	for (int k = 1; k < 30; k += 2) {
		sum += term / k;
		term *= z2;
	}
	return e + 2.0 * sum / 0.69314718055994530942;
}

static double entropy(const char *v, size_t n)
{
	size_t count[256] = {0};
	double s = 0.0;

	for (size_t k = 0; k < n; k++)
		count[(unsigned char)v[k]]++;
	for (size_t c = 0; c < 256; c++)
		if (count[c])
			s += (double)count[c] * mg_log2((double)count[c]);
	return mg_log2((double)n) - s / (double)n;
}

/*
 * A short sample of a random key scores below its alphabet's entropy: 16
 * random base62 characters reach 3.5 bits only 95% of the time, 16 hex
 * digits almost never. The floor follows what random keys of that length
 * and alphabet reach at their 1st percentile or so.
 */
static double entropy_floor(const char *v, size_t n)
{
	int upper = 0, lower = 0, other = 0;

	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)v[k];
		if (c >= 'a' && c <= 'f')
			lower = 1;
		else if (c >= 'A' && c <= 'F')
			upper = 1;
		else if (!(kind(v[k]) & (K_DIGIT | K_DASH)))
			other = 1;
	}
	if (!other && !(upper && lower))
		return n < 24 ? 2.8 : n < 32 ? 3.0 : 3.2;
	return n < 20 ? 3.2 : 3.5;
}

static int contains_nocase(const char *v, size_t n, const char *word)
{
	size_t w = strlen(word);

	for (size_t k = 0; k + w <= n; k++)
		if (has_nocase_n(v, n, k, word, w))
			return 1;
	return 0;
}

static int is_placeholder(const char *v, size_t n)
{
	static const char *const words[] = {
	        "xxxx", "your", "placeholder", "changeme", "dummy", "redacted"};

	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (contains_nocase(v, n, words[k]))
			return 1;
	return 0;
}

/* "1234567890abcdef", "abcdefghijklmnop": runs of neighbouring bytes. */
static int is_sequence(const char *v, size_t n)
{
	size_t steps = 0;

	for (size_t k = 1; k < n; k++) {
		int delta = (unsigned char)v[k] - (unsigned char)v[k - 1];
		steps += delta == 1 || delta == -1;
	}
	return steps * 2 >= n;
}

static int all_digits(const char *v, size_t n)
{
	return span(v, n, 0, K_DIGIT, n) == n;
}

static int is_vowel(char c)
{
	return memchr("aeiouyAEIOUY", c, 12) != NULL;
}

/*
 * Whether a hump of an identifier (upper-case letters, then lower-case,
 * then digits: "API", "Key", "v2", "2024") reads like a word. Random text
 * makes humps such as "Qz", "xK7" or "kq9" that no identifier has.
 */
static int hump_is_word(size_t upper, size_t lower, size_t digits, int vowel)
{
	if (upper + lower == 0)
		return digits <= 4;
	if (digits > 4)
		return 0;
	if (upper + lower == 1)
		return digits > 0 || upper == 1;
	if (lower == 0)
		return 1;
	if (upper > 1 && lower < 2)
		return 0;
	if (upper == 0 && lower <= 3)
		return 1;
	return vowel;
}

/* Few digit groups, no long consonant clusters: things words have. */
static int word_shaped(const char *v, size_t n)
{
	size_t groups = 0, consonants = 0;

	for (size_t k = 0; k < n; k++) {
		unsigned c = kind(v[k]);
		if (c == K_DIGIT && (k == 0 || kind(v[k - 1]) != K_DIGIT))
			groups++;
		consonants = (c & K_ALPHA) && !is_vowel(v[k]) ? consonants + 1 : 0;
		if (consonants >= 5)
			return 0;
	}
	return groups <= 2;
}

/*
 * True for identifiers, paths and phrases: "process.env.API_KEY_V2",
 * "src/components/AuthProvider.tsx", "refreshTokenResponseBody". Misses
 * about 3% of random 16-character keys, almost none from 24 up.
 */
static int looks_like_words(const char *v, size_t n)
{
	size_t k = 0;

	if (!word_shaped(v, n))
		return 0;
	while (k < n) {
		size_t u = 0, l = 0, dg = 0;
		int vowel = 0;

		if (!(kind(v[k]) & K_ALNUM)) {
			k++;
			continue;
		}
		for (; k < n && kind(v[k]) == K_UPPER; k++, u++)
			vowel |= is_vowel(v[k]);
		for (; k < n && kind(v[k]) == K_LOWER; k++, l++)
			vowel |= is_vowel(v[k]);
		for (; k < n && kind(v[k]) == K_DIGIT; k++)
			dg++;
		if (!hump_is_word(u, l, dg, vowel))
			return 0;
	}
	return 1;
}

static int looks_secret(const char *v, size_t n)
{
	size_t scored = n > MG_GENERIC_SCORE_MAX ? MG_GENERIC_SCORE_MAX : n;

	if (n < MG_GENERIC_MIN || is_placeholder(v, scored) || all_digits(v, n) ||
	        is_sequence(v, scored) || looks_like_words(v, scored))
		return 0;
	return entropy(v, scored) >= entropy_floor(v, scored);
}

/* ---- generic-secret: finding name and value ------------------------------ */

static int is_quote(char c)
{
	return c == '"' || c == '\'' || c == '`';
}

/* Whether the name assigned at `op` holds one of the secret-ish words. */
static int name_is_secret(const char *d, size_t op)
{
	static const char *const words[] = {
	        "key", "secret", "token", "password", "passwd", "pwd", "credential", "auth"};
	size_t j = op, end;

	while (j > 0 && (d[j - 1] == ' ' || d[j - 1] == '\t'))
		j--;
	if (j > 0 && is_quote(d[j - 1])) {
		j--;
		if (j > 0 && d[j - 1] == '\\')
			j--;
	}
	end = j;
	while (j > 0 && end - j < MG_NAME_MAX && (kind(d[j - 1]) & K_NAME))
		j--;
	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (contains_nocase(d + j, end - j, words[k]))
			return 1;
	return 0;
}

struct mg_value {
	size_t start, end;
	char quote;  /* 0 when unquoted */
	int escaped; /* the quote is \" inside a JSON string */
};

/* Parse `= "value"` from the operator at `op`; value.start == value.end
 * when nothing value-like follows. */
static void parse_value(const char *d, size_t len, size_t op, struct mg_value *v)
{
	size_t p = op + 1;

	if (p < len && ((d[op] == ':' && d[p] == '=') || (d[op] == '=' && d[p] == '>')))
		p++;
	while (p < len && (d[p] == ' ' || d[p] == '\t'))
		p++;
	v->quote = 0;
	v->escaped = 0;
	if (p + 1 < len && d[p] == '\\' && is_quote(d[p + 1])) {
		v->escaped = 1;
		p++;
	}
	if (p < len && is_quote(d[p]))
		v->quote = d[p++];
	else
		v->escaped = 0;
	/* an Authorization header's value is the credential after its scheme */
	if (HAS_NOCASE(d, len, p, "bearer "))
		p += 7;
	else if (HAS_NOCASE(d, len, p, "basic "))
		p += 6;
	while (p < len && d[p] == ' ')
		p++;
	v->start = p;
	v->end = p + span(d, len, p, K_VALUE, MG_GENERIC_MIN);
}

/* A quoted value must be the whole string; an unquoted one must not be the
 * start of a call, an index or an interpolation. */
static int value_closed(const char *d, size_t len, struct mg_value *v)
{
	size_t e = v->end;

	if (v->quote) {
		if (v->escaped)
			return e + 1 < len && d[e] == '\\' && d[e + 1] == v->quote;
		return e < len && d[e] == v->quote;
	}
	if (e < len && memchr("([{$", d[e], 4))
		return 0;
	while (v->end > v->start && d[v->end - 1] == '.')
		v->end--; /* the full stop of a sentence */
	return 1;
}

/*
 * generic-secret at the operator `op`. A token rule matching at the start
 * of the value wins: it names the credential precisely.
 */
static size_t match_generic(struct mg_scan *sc, size_t op, size_t *off, const char **rule)
{
	const char *d = sc->d;
	size_t len = sc->len, n;
	struct mg_value v;

	if (op < sc->generic_skip)
		return 0;
	parse_value(d, len, op, &v);
	if (v.end - v.start < MG_GENERIC_MIN || !name_is_secret(d, op))
		return 0;
	v.end = v.start + span(d, len, v.start, K_VALUE, SIZE_MAX);
	/* judged once: the '=' and ':' inside the value start nothing */
	sc->generic_skip = v.end;
	*off = v.start;
	if (mg_trigger[(unsigned char)d[v.start]] == T_TOKEN &&
	        (n = match_token(sc, v.start, rule)))
		return n;
	if (!value_closed(d, len, &v) || !looks_secret(d + v.start, v.end - v.start))
		return 0;
	*rule = "generic-secret";
	return v.end - v.start;
}

/* ---- the scan ---------------------------------------------------------- */

struct mg_report {
	const mg_secret_allow *allow;
	mg_secret_cb cb;
	void *payload;
	size_t counted; /* newlines are counted up to here */
	size_t line_start;
	unsigned line;
};

static void locate(struct mg_report *r, const char *d, size_t off, mg_secret_match *m)
{
	const char *p = d + r->counted, *end = d + off, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		r->line++;
		r->line_start = (size_t)(nl - d) + 1;
		p = nl + 1;
	}
	r->counted = off;
	m->line = r->line;
	m->column = (unsigned)(off - r->line_start + 1);
}

/* Allowed by a pattern. When the text cannot be copied it is reported: the
 * gate fails closed. */
static int allowed(const mg_secret_allow *allow, const char *s, size_t n)
{
	char small[256], *text = small;
	int ok = 0;

	if (!allow || !allow->n)
		return 0;
	if (n >= sizeof(small) && !(text = malloc(n + 1)))
		return 0;
	memcpy(text, s, n);
	text[n] = '\0';
	for (size_t k = 0; k < allow->n && !ok; k++)
		ok = regexec(&allow->re[k], text, 0, NULL, 0) == 0;
	if (text != small)
		free(text);
	return ok;
}

static int report(struct mg_report *r, const char *d, const char *rule, size_t off, size_t n)
{
	mg_secret_match m;

	if (allowed(r->allow, d + off, n))
		return 0;
	m.rule = rule;
	m.offset = off;
	m.length = n;
	locate(r, d, off, &m);
	return r->cb(&m, r->payload);
}

int mg_secret_scan(
        const char *data, size_t len, const mg_secret_allow *allow, mg_secret_cb cb, void *payload)
{
	struct mg_scan sc = {data, len, 0, NONE, 0};
	struct mg_report r = {allow, cb, payload, 0, 0, 1};
	size_t i = 0;

	while (i < len) {
		const char *rule = NULL;
		size_t off = i, n = 0;
		unsigned char t;
		int rc;

		while (i < len && !mg_trigger[(unsigned char)data[i]])
			i++;
		if (i == len)
			break;
		t = mg_trigger[(unsigned char)data[i]];
		if (t == T_TOKEN && boundary(data, i)) {
			off = i;
			n = match_token(&sc, i, &rule);
		} else if (t == T_OP) {
			n = match_generic(&sc, i, &off, &rule);
		}
		if (!n) {
			i++;
			continue;
		}
		if ((rc = report(&r, data, rule, off, n)) != 0)
			return rc;
		i = off + n;
	}
	return 0;
}

/* ---- allow-list and check ------------------------------------------------ */

int mg_secret_allow_new(mg_secret_allow **out, const char *const *patterns, size_t n)
{
	mg_secret_allow *a;
	char why[256];
	int rc;

	*out = NULL;
	a = malloc(sizeof(*a) + n * sizeof(a->re[0]));
	if (!a)
		return mg_error_oom();
	for (a->n = 0; a->n < n; a->n++) {
		size_t bad = a->n;

		rc = regcomp(&a->re[bad], patterns[bad], REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			regerror(rc, &a->re[bad], why, sizeof(why));
			mg_secret_allow_free(a); /* frees the a->n compiled before it */
			return mg_error_set(MEMGIT_EINPUT, "invalid secret allow-list pattern",
			        NULL, "pattern %zu: %s", bad, why);
		}
	}
	*out = a;
	return 0;
}

void mg_secret_allow_free(mg_secret_allow *allow)
{
	if (!allow)
		return;
	for (size_t k = 0; k < allow->n; k++)
		regfree(&allow->re[k]);
	free(allow);
}

static int first_match(const mg_secret_match *m, void *payload)
{
	*(mg_secret_match *)payload = *m;
	return 1;
}

int mg_secret_check(const char *data, size_t len, const mg_secret_allow *allow, const char *subject)
{
	mg_secret_match m;

	if (mg_secret_scan(data, len, allow, first_match, &m) == 0)
		return 0;
	return mg_error_set(MEMGIT_ESECRET, "secret found", subject, "line %u: %s", m.line, m.rule);
}
