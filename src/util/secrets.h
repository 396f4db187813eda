/*
 * secrets.h: the secret gate. Finds credentials in text so that nothing
 * holding one is ever written (memories) or so it can be redacted
 * (transcripts). Matches report the rule, line and column, never the text
 * in any message.
 *
 * Rules (names are stable, used in errors and `[REDACTED:<rule>]`):
 *   aws-access-key-id   AKIA/ASIA/ABIA/ACCA + 16 [A-Z0-9]
 *   github-token        ghp_ gho_ ghs_ ghu_ ghr_ + >=36 [A-Za-z0-9]; github_pat_ + >=22 [A-Za-z0-9_]
 *   anthropic-key       sk-ant- + >=20 [A-Za-z0-9_-]
 *   openai-key          sk- / sk-proj- / sk-svcacct- / sk-admin- + >=20 [A-Za-z0-9_-] (not sk-ant-)
 *   slack-token         xoxb- xoxp- xoxa- xoxr- xoxs- xapp- + >=10 [A-Za-z0-9-]; hooks.slack.com/services/...
 *   google-api-key      AIza + 35 [A-Za-z0-9_-]
 *   private-key         -----BEGIN [RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP ]PRIVATE KEY[ BLOCK]-----
 *   generic-secret      a key/secret/token/password-like name assigned (= or :) a
 *                       high-entropy value of >= 16 characters
 * Token rules require a word boundary before the prefix (an escape such as
 * the "\n" of a JSON string counts as one); the fixed-length rules (AWS,
 * Google) also after the key. A private-key match runs through its
 * "-----END ...-----" line when one follows within 64 KiB, else it is the
 * BEGIN line. A generic-secret match is the value only (after a "Bearer " or
 * "Basic " scheme); values that read as identifiers, paths, placeholders or
 * sequences are not secrets, and the entropy floor follows the value's
 * length and alphabet (3.5 bits from 20 characters; less for shorter or hex
 * values, which cannot reach it). A token rule matching at the start of a
 * generic value wins.
 */
#ifndef MG_SECRETS_H
#define MG_SECRETS_H

#include <stddef.h>

typedef struct {
	const char *rule;  /* static string, one of the rule names above */
	size_t offset;     /* byte offset of the secret value in the input */
	size_t length;     /* its length in bytes */
	unsigned int line; /* 1-based */
	unsigned int column; /* 1-based, in bytes */
} mg_secret_match;

/* A compiled allow-list: POSIX extended regexes tested on a match's text. */
typedef struct mg_secret_allow mg_secret_allow;

/* Compile patterns; MEMGIT_EINPUT naming the bad pattern's (0-based) index:
 * "invalid secret allow-list pattern: pattern 2: <regerror text>". */
int mg_secret_allow_new(mg_secret_allow **out, const char *const *patterns, size_t n);
void mg_secret_allow_free(mg_secret_allow *allow);

/* Return non-zero to stop the scan; mg_secret_scan then returns that value. */
typedef int (*mg_secret_cb)(const mg_secret_match *m, void *payload);

/*
 * Scan `len` bytes (need not be NUL-terminated; may contain NULs) and call
 * `cb` for each match not allowed by `allow` (may be NULL), in order of
 * offset, non-overlapping. Returns 0, or the callback's non-zero value.
 */
int mg_secret_scan(const char *data, size_t len, const mg_secret_allow *allow,
	mg_secret_cb cb, void *payload);

/*
 * Refuse content holding a secret: 0 when clean, else MEMGIT_ESECRET with
 * the error "secret found '<subject>': line N: <rule>" (never the value).
 */
int mg_secret_check(const char *data, size_t len, const mg_secret_allow *allow,
	const char *subject);

#endif
