/* test_secrets.c: the secret gate (src/util/secrets.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "memgit/errors.h"
#include "util/secrets.h"

#define MAX_HITS 16

struct hits {
	size_t n;
	mg_secret_match m[MAX_HITS];
	char text[MAX_HITS][512];
	const char *data;
};

static int collect(const mg_secret_match *m, void *payload)
{
	struct hits *h = payload;
	size_t n = m->length < 511 ? m->length : 511;

	assert_true(h->n < MAX_HITS);
	h->m[h->n] = *m;
	memcpy(h->text[h->n], h->data + m->offset, n);
	h->text[h->n][n] = '\0';
	h->n++;
	return 0;
}

static void scan_mem(struct hits *h, const char *data, size_t len, const mg_secret_allow *allow)
{
	memset(h, 0, sizeof(*h));
	h->data = data;
	assert_int_equal(mg_secret_scan(data, len, allow, collect, h), 0);
}

static void scan(struct hits *h, const char *text)
{
	scan_mem(h, text, strlen(text), NULL);
}

/* Exactly one match: `rule` on `value`, which must occur once in `text`. */
static void expect_one(const char *text, const char *rule, const char *value)
{
	struct hits h;
	const char *at = strstr(text, value);

	assert_non_null(at);
	scan(&h, text);
	if (h.n != 1)
		fail_msg("%zu matches in \"%s\"", h.n, text);
	assert_string_equal(h.m[0].rule, rule);
	assert_string_equal(h.text[0], value);
	assert_int_equal(h.m[0].offset, (size_t)(at - text));
	assert_int_equal(h.m[0].length, strlen(value));
}

static void expect_none(const char *text)
{
	struct hits h;

	scan(&h, text);
	if (h.n != 0)
		fail_msg("unexpected %s on \"%s\" in \"%s\"", h.m[0].rule, h.text[0], text);
}

/* ---- token rules ------------------------------------------------------- */

static void test_aws(void **state)
{
	struct hits h;
	(void)state;

	scan(&h, "key AKIAIOSFODNN7EXAMPLE here");
	assert_int_equal(h.n, 1);
	assert_string_equal(h.m[0].rule, "aws-access-key-id");
	assert_int_equal(h.m[0].offset, 4);
	assert_int_equal(h.m[0].length, 20);
	assert_int_equal(h.m[0].line, 1);
	assert_int_equal(h.m[0].column, 5);
	expect_one("id=ASIAY34FZKBOKMUTVV7A;", "aws-access-key-id", "ASIAY34FZKBOKMUTVV7A");
	expect_one("ABIA1234567890ABCDEF", "aws-access-key-id", "ABIA1234567890ABCDEF");
	expect_one("\"ACCA1234567890ABCDEF\"", "aws-access-key-id", "ACCA1234567890ABCDEF");
	/* 15 characters after the prefix, 17, a lower-case letter, a prefix inside a word */
	expect_none("key AKIAIOSFODNN7EXAMPL here");
	expect_none("key AKIAIOSFODNN7EXAMPLEX here");
	expect_none("key AKIAIOSFODNN7EXAMPLEx here");
	expect_none("key AKIAIOSFODNN7EXAMPLE_ here");
	expect_none("key AKIAIOSFODNn7EXAMPLE here");
	expect_none("key xAKIAIOSFODNN7EXAMPLE here");
	expect_none("key 9AKIAIOSFODNN7EXAMPLE here");
	expect_none("key _AKIAIOSFODNN7EXAMPLE here");
	expect_none("key AKIB1234567890ABCDEF here");
}

static void test_github(void **state)
{
	static const char *const kinds[] = {"ghp_", "gho_", "ghs_", "ghu_", "ghr_"};
	char text[128], value[64];
	(void)state;

	for (size_t k = 0; k < 5; k++) {
		snprintf(value, sizeof(value), "%s%s", kinds[k],
		        "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5");
		snprintf(text, sizeof(text), "token %s end", value);
		expect_one(text, "github-token", value);
	}
	/* 35 characters: one short */
	expect_none("ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ");
	expect_none("ghx_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5");
	expect_none("xghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5");
	/* 22 after github_pat_, the least, then 21 */
	expect_one("url: github_pat_11ABCDEFG0123456789_ab", "github-token",
	        "github_pat_11ABCDEFG0123456789_ab");
	expect_none("github_pat_11ABCDEFG0123456789_a");
	expect_none("my_github_pat_11ABCDEFG0123456789_abcdef");
}

static void test_anthropic(void **state)
{
	(void)state;
	expect_one("ANTHROPIC=sk-ant-api03-Xy9_Zq8-Wv7Ut6Sr5Qp4On3 done", "anthropic-key",
	        "sk-ant-api03-Xy9_Zq8-Wv7Ut6Sr5Qp4On3");
	/* 20 after the prefix, the least; 19: neither Anthropic nor OpenAI */
	expect_one("sk-ant-api03-Xy9_Zq8-Wv7Ut6", "anthropic-key", "sk-ant-api03-Xy9_Zq8-Wv7Ut6");
	expect_none("sk-ant-api03-Xy9_Zq8-Wv7Ut");
	expect_none("desk-ant-api03-Xy9_Zq8-Wv7Ut6Sr5Qp4On3");
}

static void test_openai(void **state)
{
	(void)state;
	expect_one("key sk-T3BlbkFJabcdefghij0123", "openai-key", "sk-T3BlbkFJabcdefghij0123");
	expect_one("sk-proj-Ab3De5Gh7Jk9Mn1Pq3St", "openai-key", "sk-proj-Ab3De5Gh7Jk9Mn1Pq3St");
	expect_one("(sk-svcacct-Ab3De5Gh7Jk9Mn1Pq3St)", "openai-key",
	        "sk-svcacct-Ab3De5Gh7Jk9Mn1Pq3St");
	expect_one(
	        "'sk-admin-Ab3De5Gh7Jk9Mn1Pq3St'", "openai-key", "sk-admin-Ab3De5Gh7Jk9Mn1Pq3St");
	/* 19 characters; 19 after sk-proj-; a prefix inside a word */
	expect_none("key sk-T3BlbkFJabcdefghij0");
	expect_none("sk-proj-Ab3De5Gh7Jk9Mn1Pq3S");
	expect_none("task-T3BlbkFJabcdefghij0123");
}

static void test_slack(void **state)
{
	(void)state;
	expect_one("SLACK=xoxb-1234567890 x", "slack-token", "xoxb-1234567890");
	expect_one("xoxp-1234-5678-abcdef", "slack-token", "xoxp-1234-5678-abcdef");
	expect_one("xapp-1-A0123456789", "slack-token", "xapp-1-A0123456789");
	expect_none("xoxb-123456789");
	expect_none("xoxz-1234567890");
	expect_none("axoxb-1234567890");
	expect_one("post to https://hooks.slack.com/services/T0001/B0002/XyZ123abc now",
	        "slack-token", "hooks.slack.com/services/T0001/B0002/XyZ123abc");
	expect_none("https://hooks.slack.com/services/T0001");
	expect_none("https://hooks.slack.com/apps/T0001/B0002/XyZ123abc");
}

static void test_google(void **state)
{
	(void)state;
	expect_one("maps: AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY\n", "google-api-key",
	        "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY");
	/* 34 and 36 characters after AIza */
	expect_none("AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBW");
	expect_none("AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWYZ");
	expect_none("xAIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY");
}

static void test_private_key(void **state)
{
	static const char *const types[] = {"", "RSA ", "DSA ", "EC ", "OPENSSH ", "ENCRYPTED "};
	char text[256], block[200];
	(void)state;

	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
		snprintf(block, sizeof(block),
		        "-----BEGIN %sPRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2\n-----END %sPRIVATE "
		        "KEY-----",
		        types[k], types[k]);
		snprintf(text, sizeof(text), "key:\n%s\nafter\n", block);
		expect_one(text, "private-key", block);
	}
	expect_one("-----BEGIN PGP PRIVATE KEY BLOCK-----\nxcLYBF\n-----END PGP PRIVATE KEY "
	           "BLOCK-----",
	        "private-key",
	        "-----BEGIN PGP PRIVATE KEY BLOCK-----\nxcLYBF\n-----END PGP PRIVATE KEY "
	        "BLOCK-----");
	/* as a transcript holds it: JSON-escaped after "\n" */
	expect_one("{\"text\":\"cat id\\n-----BEGIN OPENSSH PRIVATE KEY-----\\nb3Blbn\\n"
	           "-----END OPENSSH PRIVATE KEY-----\\n\"}",
	        "private-key",
	        "-----BEGIN OPENSSH PRIVATE KEY-----\\nb3Blbn\\n-----END OPENSSH PRIVATE KEY-----");
	/* no end marker: the header alone */
	expect_one("x -----BEGIN RSA PRIVATE KEY----- (truncated)", "private-key",
	        "-----BEGIN RSA PRIVATE KEY-----");
	expect_none("-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----");
	expect_none("-----BEGIN CERTIFICATE-----\nMIIBIjAN\n-----END CERTIFICATE-----");
	expect_none("-----BEGIN FOO PRIVATE KEY-----");
	expect_none("-----BEGIN RSA PRIVATE KEY----");
}

/* ---- generic-secret ---------------------------------------------------- */

static void test_generic_positive(void **state)
{
	(void)state;
	expect_one("api_key = \"a8f5f167f44f4964e6c998dee827110c\"\n", "generic-secret",
	        "a8f5f167f44f4964e6c998dee827110c");
	expect_one("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
	        "generic-secret", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
	expect_one("{\"client_secret\": \"Zx9Qw3Er7Ty1Ui5Op2As\", \"n\": 1}", "generic-secret",
	        "Zx9Qw3Er7Ty1Ui5Op2As");
	expect_one("db-password: Tr0ub4dor3xK9mQ2vL\n", "generic-secret", "Tr0ub4dor3xK9mQ2vL");
	expect_one("token := 'q8Zk2LmP0vNx7RtY4wBc'", "generic-secret", "q8Zk2LmP0vNx7RtY4wBc");
	expect_one("'auth' => \"Jd83kslQ0pZm2nXv\",", "generic-secret", "Jd83kslQ0pZm2nXv");
	expect_one("mysql_pwd=Qm7xT2vR9kLp4sWz", "generic-secret", "Qm7xT2vR9kLp4sWz");
	expect_one("  CREDENTIALS: hx8Pq2Lm9Zr4Tn6V==\n", "generic-secret", "hx8Pq2Lm9Zr4Tn6V==");
	expect_one("secretKey: 7fK2pQ9xLm3Rt8Vz.", "generic-secret", "7fK2pQ9xLm3Rt8Vz");
	/* inside a JSON-encoded string, as tool calls appear in transcripts */
	expect_one("{\"input\":\"{\\\"api_key\\\":\\\"Qm7xT2vR9kLp4sWz8nB3\\\"}\"}",
	        "generic-secret", "Qm7xT2vR9kLp4sWz8nB3");
	/* the credential of an Authorization header, without its scheme */
	expect_one("-H 'Authorization: Bearer Zx9Qw3Er7Ty1Ui5Op2As'", "generic-secret",
	        "Zx9Qw3Er7Ty1Ui5Op2As");
	/* a UUID used as a key */
	expect_one("apikey: 123e4567-e89b-12d3-a456-426614174000", "generic-secret",
	        "123e4567-e89b-12d3-a456-426614174000");
}

static void test_generic_negative(void **state)
{
	static const char *const texts[] = {
	        /* placeholders */
	        "api_key = \"${API_KEY}\"",
	        "token: <your-token-here>",
	        "password=xxxxxxxxxxxxxxxx",
	        "secret: changeme",
	        "api_key: your_api_key_here",
	        "\"api_key\": \"YOUR_API_KEY_HERE\"",
	        "const apiKey = process.env.API_KEY;",
	        "token = os.environ[\"TOKEN\"]",
	        "token = os.environ.get(\"GITHUB_TOKEN\")",
	        "password: {{ secrets.DB_PASSWORD }}",
	        "api_key=REPLACE_WITH_REAL_KEY_V2",
	        "secret_key = \"dummy-secret-key-1234\"",
	        "token = \"dummy-9f8e7d6c5b4a3f2e\"",
	        "auth_token: redacted-3f9a8b7c6d5e4f10",
	        "api_key=your-key-9f8e7d6c5b4a3f2e1d0c",
	        "password = \"PLACEHOLDER_7Kq2Zr9Lm4Xv\"",
	        /* words, identifiers and paths */
	        "password_file: /etc/app/secrets/password-file.txt",
	        "token_path = \"/var/run/secrets/kubernetes.io/serviceaccount/token\"",
	        "auth_provider: AuthenticationProvider",
	        "key: refreshTokenResponseBody",
	        "secret_name = \"production-database-credentials\"",
	        "api_key = settings.OPENAI_API_KEY_V2",
	        "cache_key: user_profile_2024_v3",
	        /* code, not a literal */
	        "token = generateToken9x8Kq2Lm(seed)",
	        "key = Qm7xT2vR9kLp4sWz8nB3[0]",
	        /* quoted, but the value is not the whole string */
	        "\"token\": \"Zx9Qw3Er7Ty1Ui5Op2As and more\"",
	        /* a random value under a name that is not secret-like */
	        "username = \"Zx9Qw3Er7Ty1Ui5Op2As\"",
	        /* 15 characters, and 15 once the full stop of a sentence is dropped */
	        "password = \"Zx9Qw3Er7Ty1Ui5\"",
	        "the password: 7fK2pQ9xLm3Rt8V.",
	        /* low entropy, digits only, a run of neighbours */
	        "api_key = \"aaaaaaaabbbbbbbb1\"",
	        "api_key = k9Xk9Xk9Xq2Zq2Zq2Zm7W",
	        "token_count = 12345678901234567890",
	        "password=1234567890abcdef",
	        "secret = abcdefghijklmnop",
	        /* no assignment */
	        "the api key Zx9Qw3Er7Ty1Ui5Op2As",
	};
	(void)state;

	for (size_t k = 0; k < sizeof(texts) / sizeof(texts[0]); k++)
		expect_none(texts[k]);
}

/* Random keys of 16..64 characters from the usual alphabets are caught. */
static void test_generic_random_keys(void **state)
{
	static const char *const alphabets[] = {
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
	        "0123456789abcdef",
	};
	unsigned long long x = 88172645463325252ULL;
	size_t tried = 0, caught = 0, tried_long = 0, caught_long = 0;
	(void)state;

	for (size_t a = 0; a < 4; a++) {
		size_t an = strlen(alphabets[a]);
		for (size_t len = 16; len <= 64; len++) {
			for (int t = 0; t < 40; t++) {
				char text[128];
				struct hits h;
				int n = snprintf(text, sizeof(text), "api_key = \"");
				for (size_t k = 0; k < len; k++) {
					x ^= x << 13;
					x ^= x >> 7;
					x ^= x << 17;
					text[n++] = alphabets[a][(x >> 11) % an];
				}
				text[n++] = '"';
				text[n] = '\0';
				scan(&h, text);
				tried++;
				caught += h.n;
				if (len >= 24) {
					tried_long++;
					caught_long += h.n;
				}
			}
		}
	}
	print_message("random keys caught: %zu/%zu, from 24 characters %zu/%zu\n", caught, tried,
	        caught_long, tried_long);
	assert_true(caught * 100 >= tried * 98);
	assert_true(caught_long * 1000 >= tried_long * 995);
}

/* A token rule matching the value names it better than generic-secret. */
static void test_token_beats_generic(void **state)
{
	(void)state;
	expect_one("OPENAI_API_KEY=sk-proj-Ab3De5Gh7Jk9Mn1Pq3St", "openai-key",
	        "sk-proj-Ab3De5Gh7Jk9Mn1Pq3St");
	expect_one("{\"github_token\": \"ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5\"}",
	        "github-token", "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5");
	expect_one("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "aws-access-key-id",
	        "AKIAIOSFODNN7EXAMPLE");
}

/* "\n" in a JSON string ends the word before a token. */
static void test_escape_boundary(void **state)
{
	(void)state;
	expect_one("{\"text\":\"ok\\nghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5\"}", "github-token",
	        "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5");
	expect_one("\"a\\tAKIAIOSFODNN7EXAMPLE\"", "aws-access-key-id", "AKIAIOSFODNN7EXAMPLE");
	expect_none("\"ok\\xghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5\"");
}

/* ---- scanning ---------------------------------------------------------- */

static void test_multiple_lines_columns(void **state)
{
	const char *text = "line one\n"
	                   "  AKIAIOSFODNN7EXAMPLE\n"
	                   "\n"
	                   "x=1 ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5 and xoxb-1234567890\n"
	                   "\tapi_key: Qm7xT2vR9kLp4sWz8nB3";
	struct hits h;
	(void)state;

	scan(&h, text);
	assert_int_equal(h.n, 4);
	assert_string_equal(h.m[0].rule, "aws-access-key-id");
	assert_int_equal(h.m[0].offset, 11);
	assert_int_equal(h.m[0].line, 2);
	assert_int_equal(h.m[0].column, 3);
	assert_string_equal(h.m[1].rule, "github-token");
	assert_int_equal(h.m[1].offset, 37);
	assert_int_equal(h.m[1].line, 4);
	assert_int_equal(h.m[1].column, 5);
	assert_string_equal(h.m[2].rule, "slack-token");
	assert_int_equal(h.m[2].line, 4);
	assert_int_equal(h.m[2].column, 50);
	assert_string_equal(h.text[2], "xoxb-1234567890");
	assert_string_equal(h.m[3].rule, "generic-secret");
	assert_int_equal(h.m[3].line, 5);
	assert_int_equal(h.m[3].column, 11);
	assert_string_equal(h.text[3], "Qm7xT2vR9kLp4sWz8nB3");
}

static void test_nul_bytes(void **state)
{
	static const char data[] = "\0AKIAIOSFODNN7EXAMPLE\0\n\0"
	                           "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5\0"
	                           "api_key=Qm7xT2vR9kLp4sWz8nB3\0"
	                           "AKIAIOSFOD\0NN7EXAMPLE";
	struct hits h;
	(void)state;

	scan_mem(&h, data, sizeof(data) - 1, NULL);
	assert_int_equal(h.n, 3);
	assert_string_equal(h.m[0].rule, "aws-access-key-id");
	assert_int_equal(h.m[0].offset, 1);
	assert_int_equal(h.m[0].line, 1);
	assert_int_equal(h.m[0].column, 2);
	assert_string_equal(h.m[1].rule, "github-token");
	assert_int_equal(h.m[1].offset, 24);
	assert_int_equal(h.m[1].line, 2);
	assert_int_equal(h.m[1].column, 2);
	assert_string_equal(h.m[2].rule, "generic-secret");
	assert_int_equal(h.m[2].offset, 73);
	assert_int_equal(h.m[2].length, 20);
	/* the length bounds the scan: a key cut by it is not there */
	scan_mem(&h, data, 20, NULL);
	assert_int_equal(h.n, 0);
}

static int stop_at_first(const mg_secret_match *m, void *payload)
{
	(void)m;
	(*(int *)payload)++;
	return 42;
}

static int count_all(const mg_secret_match *m, void *payload)
{
	(void)m;
	(*(size_t *)payload)++;
	return 0;
}

static void test_callback_stops(void **state)
{
	const char *text = "AKIAIOSFODNN7EXAMPLE xoxb-1234567890";
	int calls = 0;
	(void)state;

	assert_int_equal(mg_secret_scan(text, strlen(text), NULL, stop_at_first, &calls), 42);
	assert_int_equal(calls, 1);
	assert_int_equal(mg_secret_scan("", 0, NULL, stop_at_first, &calls), 0);
	assert_int_equal(calls, 1);
}

static void test_allow_list(void **state)
{
	const char *const patterns[] = {"^AKIAIOSFODNN7EXAMPLE$", "^Qm7x"};
	const char *text = "a=AKIAIOSFODNN7EXAMPLE b=AKIAI44QH8DHBEXAMPLE c: xoxb-1234567890\n"
	                   "api_key: Qm7xT2vR9kLp4sWz8nB3";
	mg_secret_allow *allow = NULL, *none = NULL;
	struct hits h;
	(void)state;

	assert_int_equal(mg_secret_allow_new(&allow, patterns, 2), 0);
	assert_non_null(allow);
	scan_mem(&h, text, strlen(text), allow);
	assert_int_equal(h.n, 2);
	assert_string_equal(h.text[0], "AKIAI44QH8DHBEXAMPLE");
	assert_string_equal(h.text[1], "xoxb-1234567890");
	/* no patterns: everything reported */
	assert_int_equal(mg_secret_allow_new(&none, NULL, 0), 0);
	scan_mem(&h, text, strlen(text), none);
	assert_int_equal(h.n, 4);
	mg_secret_allow_free(allow);
	mg_secret_allow_free(none);
	mg_secret_allow_free(NULL);
}

static void test_allow_list_bad_regex(void **state)
{
	const char *const patterns[] = {"^ok$", "^ok$", "a(b"};
	mg_secret_allow *allow = (mg_secret_allow *)&allow;
	const memgit_error *e;
	(void)state;

	memgit_error_clear();
	assert_int_equal(mg_secret_allow_new(&allow, patterns, 3), MEMGIT_EINPUT);
	assert_null(allow);
	e = memgit_error_last();
	assert_int_equal(e->code, MEMGIT_EINPUT);
	assert_string_equal(e->what, "invalid secret allow-list pattern");
	assert_int_equal(strncmp(e->why, "pattern 2: ", 11), 0);
	assert_true(strlen(e->why) > 11);
	assert_int_equal(
	        strncmp(e->message, "invalid secret allow-list pattern: pattern 2: ", 46), 0);
}

static void test_check(void **state)
{
	const char *token = "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5";
	const char *value = "Qm7xT2vR9kLp4sWz8nB3";
	char text[256];
	const char *const patterns[] = {"^ghp_"};
	mg_secret_allow *allow = NULL;
	const memgit_error *e;
	(void)state;

	assert_int_equal(mg_secret_check("just notes\n", 11, NULL, "memories/x.md"), 0);
	snprintf(text, sizeof(text), "title: x\nuse %s\n", token);
	assert_int_equal(
	        mg_secret_check(text, strlen(text), NULL, "memories/x.md"), MEMGIT_ESECRET);
	e = memgit_error_last();
	assert_int_equal(e->code, MEMGIT_ESECRET);
	assert_string_equal(e->message, "secret found 'memories/x.md': line 2: github-token");
	assert_string_equal(e->what, "secret found");
	assert_string_equal(e->subject, "memories/x.md");
	assert_string_equal(e->why, "line 2: github-token");
	assert_null(strstr(e->message, token));
	assert_null(strstr(e->message, "ghp_"));

	snprintf(text, sizeof(text), "a\nb\npassword = \"%s\"\n", value);
	assert_int_equal(mg_secret_check(text, strlen(text), NULL, NULL), MEMGIT_ESECRET);
	e = memgit_error_last();
	assert_string_equal(e->message, "secret found: line 3: generic-secret");
	assert_null(strstr(e->message, value));
	assert_null(strstr(e->why, value));
	assert_null(strstr(e->subject, value));

	/* the first match is the one named */
	snprintf(text, sizeof(text), "xoxb-1234567890\n%s\n", token);
	assert_int_equal(mg_secret_check(text, strlen(text), NULL, "s"), MEMGIT_ESECRET);
	assert_string_equal(memgit_error_last()->message, "secret found 's': line 1: slack-token");

	snprintf(text, sizeof(text), "use %s\n", token);
	assert_int_equal(mg_secret_allow_new(&allow, patterns, 1), 0);
	assert_int_equal(mg_secret_check(text, strlen(text), allow, "memories/x.md"), 0);
	mg_secret_allow_free(allow);
}

/* Prose, code, config and transcript lines, secret-free but full of the
 * bytes that start rules: assignments, "sk", "gh", "A", "-", ":". */
static const char *const clean_lines[] = {
        "The session started at 09:14 and the agent asked whether the tests should run against the "
        "staging database.\n",
        "She said the token bucket needs a refill rate of 40 per second, and the key insight was "
        "to shard by account.\n",
        "## Authentication\n\nAsk the user for their password once; store only the hash (argon2id, "
        "m=65536, t=3).\n",
        "    const apiKey = process.env.API_KEY;\n    if (!apiKey) throw new Error(\"missing API "
        "key\");\n",
        "\tfor (size_t i = 0; i < len; i++) { sum += data[i] * weight; skipped += mask[i] == 0; "
        "}\n",
        "def refresh_token(session, *, retries: int = 3) -> str:\n    return session.post(url, "
        "timeout=30).json()[\"access_token\"]\n",
        "{\"type\":\"assistant\",\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":"
        "\"text\",\"text\":\"Done.\"}]},\"usage\":{\"input_tokens\":1843,\"output_tokens\":212}}\n",
        "{\"timestamp\":\"2026-02-23T10:41:07.512Z\",\"type\":\"response_item\",\"payload\":{"
        "\"type\":\"function_call\",\"name\":\"shell\",\"call_id\":\"call_8\"}}\n",
        "auth:\n  provider: github\n  scopes: [repo, read:org]\n  token_file: "
        "~/.config/memgit/token\n",
        "- [x] Ask Alice about the sharding plan (see ADR-0042: Accounts, Shards and Keys)\n",
        "password_hash = hashlib.sha256(salt + password.encode()).hexdigest()\n",
        "export PATH=\"$HOME/.local/bin:$PATH\"; git log --oneline -n 20 "
        "--author=alice@example.com\n",
        "Skipping 3 flaky tests; gh pr checks shows the ASAN job green again after the fix in "
        "src/util/buf.c:41.\n",
        "secret_name: prod-db-credentials\nkey_id: alias/memgit-prod\nauth_method: oidc\n",
};

/* `size` bytes of clean_lines over and over; the caller frees it. */
static char *clean_text(size_t size)
{
	const size_t nlines = sizeof(clean_lines) / sizeof(clean_lines[0]);
	char *data = malloc(size);
	size_t n = 0, k = 0;

	assert_non_null(data);
	while (n < size) {
		size_t len = strlen(clean_lines[k % nlines]);
		if (len > size - n)
			len = size - n;
		memcpy(data + n, clean_lines[k++ % nlines], len);
		n += len;
	}
	return data;
}

static double cpu_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Inputs built to make a naive scanner quadratic finish at once. */
static void test_hostile_input(void **state)
{
	static const struct {
		const char *unit;
		size_t matches;
	} cases[] = {
	        {"key=", 0},
	        {"sk-", 1},   /* one key: sk- and the rest */
	        {"xoxb-", 1}, /* likewise */
	        {"-----BEGIN PRIVATE KEY-----", ((size_t)1 << 20) / 27}, /* no END */
	        {"AKIA", 0},
	        {":", 0},
	        {"\\n", 0},
	        {"token: \"", 0},
	        {"ghp_", 0},
	        {"a", 0},
	};
	const size_t size = (size_t)1 << 20;
	const size_t ncases = sizeof(cases) / sizeof(cases[0]);
	char *data = clean_text(ncases * size);
	double t0, clean, hostile;
	size_t found = 0;
	(void)state;

	/* against the same amount of ordinary text, so that the bound holds
	 * under sanitizers and valgrind alike */
	t0 = cpu_seconds();
	assert_int_equal(mg_secret_scan(data, ncases * size, NULL, count_all, &found), 0);
	clean = cpu_seconds() - t0;
	assert_int_equal(found, 0);
	t0 = cpu_seconds();
	for (size_t c = 0; c < ncases; c++) {
		size_t n = strlen(cases[c].unit);
		for (size_t k = 0; k < size; k++)
			data[k] = cases[c].unit[k % n];
		found = 0;
		assert_int_equal(mg_secret_scan(data, size, NULL, count_all, &found), 0);
		assert_int_equal(found, cases[c].matches);
	}
	hostile = cpu_seconds() - t0;
	print_message(
	        "hostile inputs: %.3f s, the same size of clean text: %.3f s\n", hostile, clean);
	/* linear is a few times the clean scan (filling the buffer included);
	 * rescanning a window per trigger is hundreds of times */
	assert_true(hostile < 40.0 * clean + 0.05);
	free(data);
}

/* ---- speed ------------------------------------------------------------- */

static void test_throughput(void **state)
{
	const size_t size = (size_t)64 << 20;
	char *data = clean_text(size);
	size_t found = 0;
	double t0, secs;
	(void)state;

	/* CPU time: a busy machine should not make the number meaningless */
	t0 = cpu_seconds();
	for (int rep = 0; rep < 2; rep++)
		assert_int_equal(mg_secret_scan(data, size, NULL, count_all, &found), 0);
	secs = cpu_seconds() - t0;
	assert_int_equal(found, 0);
	print_message("scanned 2 x 64 MiB of clean text: %.0f MB/s (CPU time)\n",
	        2.0 * (double)size / 1e6 / secs);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_aws),
	        cmocka_unit_test(test_github),
	        cmocka_unit_test(test_anthropic),
	        cmocka_unit_test(test_openai),
	        cmocka_unit_test(test_slack),
	        cmocka_unit_test(test_google),
	        cmocka_unit_test(test_private_key),
	        cmocka_unit_test(test_generic_positive),
	        cmocka_unit_test(test_generic_negative),
	        cmocka_unit_test(test_generic_random_keys),
	        cmocka_unit_test(test_token_beats_generic),
	        cmocka_unit_test(test_escape_boundary),
	        cmocka_unit_test(test_multiple_lines_columns),
	        cmocka_unit_test(test_nul_bytes),
	        cmocka_unit_test(test_callback_stops),
	        cmocka_unit_test(test_allow_list),
	        cmocka_unit_test(test_allow_list_bad_regex),
	        cmocka_unit_test(test_check),
	        cmocka_unit_test(test_hostile_input),
	        cmocka_unit_test(test_throughput),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
