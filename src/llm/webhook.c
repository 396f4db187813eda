/*
 * webhook.c: signing and delivering webhooks (see webhook.h). The HTTP goes
 * through http.c; this file decides what to send, how often, and what to
 * tell the caller. The secret (and the key decoded from it) lives only for
 * one hook's delivery and is wiped after; no message ever quotes it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "json/json.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/jsonw.h"
#include "util/sha256.h"
#include "webhook.h"

void mg_webhook_report_dispose(mg_webhook_report *report)
{
	mg_webhook_report empty = MG_WEBHOOK_REPORT_INIT;

	if (!report)
		return;
	free(report->results);
	*report = empty;
}

/* scheme://host[:port]/path: credentials, query and fragment may hold
 * tokens, and a report is printed. */
static void redact_url(char *out, size_t cap, const char *url)
{
	const char *auth = strstr(url, "://"), *end, *at = NULL, *path_end;

	if (!auth) {
		snprintf(out, cap, "(invalid url)");
		return;
	}
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	path_end = end + strcspn(end, "?#");
	snprintf(out, cap, "%.*s%.*s", (int)(auth - url), url,
		(int)(path_end - (at ? at + 1 : auth)), at ? at + 1 : auth);
}

/* ---- the secret ------------------------------------------------------------ */

typedef struct {
	const char *secret;   /* the variable's value (not ours: never freed) */
	unsigned char *key;   /* decoded whsec_ key, or NULL: the raw bytes are the key */
	size_t key_len;
} signing_key;

static void key_dispose(signing_key *k)
{
	if (k->key) {
		explicit_bzero(k->key, k->key_len);
		free(k->key);
	}
	memset(k, 0, sizeof(*k));
}

/*
 * A "whsec_<base64>" secret is the Standard Webhooks serialisation: its key
 * is the decoded bytes (receivers using the reference libraries do the
 * same). Any other value is used as is, bytes for bytes. 0, 1 (the reason in
 * `why`, naming only the variable), or MEMGIT_ENOMEM.
 */
static int key_load(signing_key *k, const char *env, char *why, size_t cap)
{
	const char *s = getenv(env), *b64;
	size_t n;

	memset(k, 0, sizeof(*k));
	if (!s || !*s) {
		snprintf(why, cap, "secret %s %s: not sent unsigned", env, s ? "is empty" : "not set");
		return 1;
	}
	k->secret = s;
	if (strncmp(s, "whsec_", 6) != 0) {
		k->key_len = strlen(s);
		return 0;
	}
	b64 = s + 6;
	n = strlen(b64);
	if (!(k->key = malloc(MG_BASE64_DECODED_MAX(n) + 1)))
		return mg_error_oom();
	if (mg_base64_decode(k->key, &k->key_len, b64, n) < 0 || k->key_len == 0) {
		key_dispose(k);
		snprintf(why, cap, "secret %s starts with whsec_ but the rest is not base64: "
				   "not sent", env);
		return 1;
	}
	return 0;
}

/* "v1," + base64(HMAC-SHA256(key, id "." ts "." body)) */
static void sign(char out[64], const signing_key *k, const char *id, const char *ts,
	const char *body, size_t len)
{
	unsigned char mac[32];
	mg_hmac_sha256_ctx h;

	mg_hmac_sha256_init(&h, k->key ? (const void *)k->key : k->secret, k->key_len);
	mg_hmac_sha256_update(&h, id, strlen(id));
	mg_hmac_sha256_update(&h, ".", 1);
	mg_hmac_sha256_update(&h, ts, strlen(ts));
	mg_hmac_sha256_update(&h, ".", 1);
	mg_hmac_sha256_update(&h, body, len);
	mg_hmac_sha256_final(&h, mac);
	memcpy(out, "v1,", 3);
	mg_base64_encode(out + 3, mac, sizeof(mac));
}

/* ---- one hook ---------------------------------------------------------------- */

typedef struct {
	const mg_webhooks *hooks;
	const mg_webhook *hook;
	const char *id;
	const char *body;
	size_t len;
	signing_key key;
} delivery;

static int attempt(delivery *d, mg_http_response *resp)
{
	char ts[24], sig[64];
	mg_http_header headers[] = {
		{ "Content-Type", "application/json" },
		{ "User-Agent", "memgit/" MEMGIT_VERSION },
		{ "webhook-id", d->id },
		{ "webhook-timestamp", ts },
		{ "webhook-signature", sig },
	};
	mg_http_request req = MG_HTTP_REQUEST_INIT;

	/* the wall clock, never MEMGIT_NOW: receivers reject a timestamp more
	 * than a few minutes off theirs, and each attempt is signed anew */
	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	sign(sig, &d->key, d->id, ts, d->body, d->len);
	req.method = "POST";
	req.url = d->hook->url;
	req.headers = headers;
	req.nheaders = sizeof(headers) / sizeof(headers[0]);
	req.body = d->body;
	req.body_len = d->len;
	req.connect_timeout_ms = d->hook->timeout_ms;
	req.timeout_ms = d->hook->timeout_ms;
	req.max_response_bytes = MG_WEBHOOK_MAX_RESPONSE_BYTES;
	req.ca_file = d->hooks->ca_file;
	return mg_http_perform(resp, &req);
}

/* The start of a failed response's body, on one line, unless it holds the secret. */
static void body_excerpt(char *out, size_t cap, const memgit_buf *body, const signing_key *k)
{
	const char *s = mg_buf_cstr(body);
	size_t n = 0;

	out[0] = '\0';
	if (!*s || strstr(s, k->secret))
		return;
	for (; *s && n + 4 < cap && n < 100; s++)
		out[n++] = isprint((unsigned char)*s) ? *s : ' ';
	out[n] = '\0';
	if (*s)
		memcpy(out + n, "...", 4);
}

static void describe(mg_webhook_result *res, int rc, const mg_http_response *resp,
	const signing_key *k)
{
	const memgit_error *e = memgit_error_last();
	char excerpt[112];

	if (rc < 0) { /* a transport failure: http.c names the host and the reason */
		snprintf(res->error, sizeof(res->error), "%s", e->why[0] ? e->why : resp->error);
		return;
	}
	body_excerpt(excerpt, sizeof(excerpt), &resp->body, k);
	snprintf(res->error, sizeof(res->error), "HTTP %ld%s%s%s", resp->status,
		resp->status == 410 ? " (gone: the receiver asks for no more; remove this hook)" : "",
		excerpt[0] ? ": " : "", excerpt);
}

static int deliver_one(delivery *d, mg_webhook_result *res)
{
	mg_http_response resp;
	unsigned waited = 0;
	int rc;

	redact_url(res->url, sizeof(res->url), d->hook->url);
	if ((rc = key_load(&d->key, d->hook->secret_env, res->error, sizeof(res->error))) != 0)
		return rc < 0 ? rc : 0;
	mg_http_response_init(&resp);
	for (;;) {
		int64_t delay;

		rc = attempt(d, &resp);
		res->attempts++;
		if (rc == MEMGIT_ENOMEM)
			goto done;
		res->status = resp.status;
		if (rc == 0 && resp.status >= 200 && resp.status < 300) {
			res->delivered = 1;
			res->error[0] = '\0';
			break;
		}
		describe(res, rc, &resp, &d->key);
		/* only a transport failure or a status may be worth another try */
		if ((rc < 0 && rc != MEMGIT_EREMOTE) || res->attempts > d->hook->retries ||
		    (delay = mg_http_retry_delay(&resp, res->attempts)) < 0 ||
		    delay > (int64_t)d->hooks->retry_budget_ms - waited)
			break;
		mg_sleep_ms((unsigned)delay);
		waited += (unsigned)delay;
	}
	rc = 0;
done:
	mg_http_response_dispose(&resp);
	key_dispose(&d->key);
	return rc;
}

/* ---- all hooks ------------------------------------------------------------- */

/* The caller's last error, put back after delivery: a dream.failed event is
 * sent while the caller still has the failure to report. */
typedef struct {
	int code;
	char what[256], subject[256], why[768];
} saved_error;

static void error_save(saved_error *s)
{
	const memgit_error *e = memgit_error_last();

	s->code = e->code;
	snprintf(s->what, sizeof(s->what), "%s", e->what);
	snprintf(s->subject, sizeof(s->subject), "%s", e->subject);
	snprintf(s->why, sizeof(s->why), "%s", e->why);
}

static void error_restore(const saved_error *s)
{
	if (s->code == MEMGIT_OK)
		memgit_error_clear();
	else
		mg_error_set(s->code, s->what, s->subject[0] ? s->subject : NULL, "%s", s->why);
}

int mg_webhook_deliver(const mg_webhooks *hooks, const char *event, const char *json_payload,
	size_t len, mg_webhook_report *report)
{
	unsigned bit = mg_webhook_event_bit(event);
	char ulid[27];
	saved_error saved;
	size_t n = 0;
	int rc;

	mg_webhook_report_dispose(report);
	if (!bit)
		return mg_error_set(MEMGIT_EINPUT, "unknown webhook event", event, "expected one of "
			"dream.completed, dream.graded, dream.merged, dream.rejected, dream.failed");
	error_save(&saved);
	snprintf(report->event, sizeof(report->event), "%s", event);
	for (size_t i = 0; hooks && i < hooks->n; i++)
		n += (hooks->hooks[i].events & bit) != 0;
	if (n == 0)
		return 0;
	if ((rc = mg_ulid(ulid)) < 0)
		return rc;
	snprintf(report->id, sizeof(report->id), "msg_%s", ulid);
	if (!(report->results = calloc(n, sizeof(*report->results))))
		return mg_error_oom();
	for (size_t i = 0; i < hooks->n; i++) {
		delivery d = { hooks, &hooks->hooks[i], report->id, json_payload, len, { 0 } };
		mg_webhook_result *res = &report->results[report->n];

		if (!(d.hook->events & bit))
			continue;
		res->index = i;
		report->n++;
		if ((rc = deliver_one(&d, res)) < 0)
			return rc;
		report->failed += !res->delivered;
	}
	error_restore(&saved);
	return 0;
}

int mg_webhook_report_format(memgit_buf *out, const mg_webhook_report *report)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < report->n; i++) {
		const mg_webhook_result *r = &report->results[i];
		if (!r->delivered)
			rc = mg_buf_printf(out, "webhook '%s' (%s): %s (attempts: %u)\n", r->url,
				report->event, r->error, r->attempts);
	}
	return rc;
}

int mg_webhook_envelope(memgit_buf *out, const char *event, const char *data_json)
{
	mg_json_parse_opts opts = { 0 };
	mg_json *data = NULL;
	char when[21];
	mg_jsonw w;
	int rc;

	if (!mg_webhook_event_bit(event))
		return mg_error_set(MEMGIT_EINPUT, "unknown webhook event", event, "not a dream event");
	if ((rc = mg_json_parse(&data, data_json, strlen(data_json), &opts)) < 0)
		return rc;
	mg_json_free(data);
	mg_time_format(when, mg_now());
	mg_jsonw_init(&w, out, 0);
	mg_jsonw_object_open(&w);
	mg_jsonw_key(&w, "type");
	mg_jsonw_string(&w, event);
	mg_jsonw_key(&w, "timestamp");
	mg_jsonw_string(&w, when);
	mg_jsonw_key(&w, "data");
	mg_jsonw_raw(&w, data_json);
	mg_jsonw_object_close(&w);
	return mg_jsonw_finish(&w);
}
