/*
 * test_webhook.c: webhook configuration and delivery (src/llm/webhook*.c)
 * against tests/llm/webhook_receiver.py on 127.0.0.1 (started here), which
 * checks every signature on its own and logs what it got as JSON lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "core/yaml.h"
#include "json/json.h"
#include "llm/http.h"
#include "llm/webhook.h"
#include "memgit/errors.h"
#include "util/buf.h"
#include "util/error.h"

#define RAW_SECRET "memgit-test-raw-secret-0123456789"
/* whsec_ + base64("memgit webhook test key 32 bytes") */
#define WHSEC_B64 "bWVtZ2l0IHdlYmhvb2sgdGVzdCBrZXkgMzIgYnl0ZXM="
#define WHSEC_SECRET "whsec_" WHSEC_B64
#define WRONG_SECRET "not-the-receivers-secret-42"

static FILE *receiver;
static int port;
static char log_dir[300], log_path[600];

static int start_receiver(void **state)
{
	char script[1024], cmd[2000], line[64];
	const char *at;
	(void)state;

	/* the receiver reads the same variables the hooks name */
	setenv("MG_TEST_HOOK_RAW", RAW_SECRET, 1);
	setenv("MG_TEST_HOOK_WHSEC", WHSEC_SECRET, 1);
	setenv("MG_TEST_HOOK_WRONG", WRONG_SECRET, 1);
	unsetenv("MG_TEST_HOOK_UNSET");
	snprintf(log_dir, sizeof(log_dir), "%s", t_tmpdir(0));
	snprintf(log_path, sizeof(log_path), "%s/received.jsonl", log_dir);
	snprintf(script, sizeof(script), "%s", __FILE__);
	if (!(at = strstr(script, "unit/test_webhook.c")))
		return -1;
	snprintf(script + (at - script), sizeof(script) - (size_t)(at - script),
		"llm/webhook_receiver.py");
	snprintf(cmd, sizeof(cmd), "python3 '%s' '%s' 120", script, log_path);
	if (!(receiver = popen(cmd, "r")) || !fgets(line, sizeof(line), receiver))
		return -1;
	if (sscanf(line, "%d", &port) != 1 || port <= 0)
		return -1;
	return mg_http_global_init();
}

static int stop_receiver(void **state)
{
	mg_http_request req = MG_HTTP_REQUEST_INIT;
	mg_http_response resp;
	char url[128];
	(void)state;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/shutdown", port);
	req.method = "GET";
	req.url = url;
	mg_http_response_init(&resp);
	mg_http_perform(&resp, &req);
	mg_http_response_dispose(&resp);
	if (receiver)
		pclose(receiver);
	t_rmrf(log_dir);
	return 0;
}

/* ---- helpers ---------------------------------------------------------------- */

/* Parse `yaml` (a whole memgit.yaml) and its webhooks: into `out`. */
static int parse_hooks(mg_webhooks *out, const char *yaml)
{
	mg_yaml_node *root = NULL;
	int rc;

	assert_int_equal(mg_yaml_parse(&root, yaml, strlen(yaml), NULL, "memgit.yaml", 0), 0);
	rc = mg_webhooks_parse(out, mg_yaml_get(root, "webhooks"), "memgit.yaml");
	mg_yaml_free(root);
	return rc;
}

/* One hook entry's YAML for the receiver: /<env>/<scenario>/<tag>. */
static void hooks_yaml(memgit_buf *y, const char *env, const char *scenario, const char *tag,
	const char *extra)
{
	mg_buf_printf(y, "  - url: http://127.0.0.1:%d/%s/%s/%s\n    secret_env: %s\n%s", port,
		env, scenario, tag, env, extra ? extra : "");
}

static void parse_ok(mg_webhooks *h, memgit_buf *y)
{
	mg_webhooks init = MG_WEBHOOKS_INIT;

	*h = init;
	assert_int_equal(parse_hooks(h, y->ptr), 0);
	memgit_buf_dispose(y);
}

/* The report as the caller would print it, and every error in it, hold
 * no secret and no line break inside an entry. */
static void assert_no_secret(const mg_webhook_report *r)
{
	static const char *const secrets[] = { RAW_SECRET, WHSEC_SECRET, WHSEC_B64, WRONG_SECRET };
	memgit_buf text = MEMGIT_BUF_INIT;

	assert_int_equal(mg_webhook_report_format(&text, r), 0);
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		assert_null(strstr(mg_buf_cstr(&text), secrets[i]));
		assert_null(strstr(memgit_error_last()->message, secrets[i]));
		for (size_t j = 0; j < r->n; j++) {
			assert_null(strstr(r->results[j].error, secrets[i]));
			assert_null(strstr(r->results[j].url, secrets[i]));
		}
	}
	for (size_t j = 0; j < r->n; j++)
		assert_null(strchr(r->results[j].error, '\n'));
	memgit_buf_dispose(&text);
}

/* What the receiver logged for `tag`: the count, and the last record when
 * `last` is not NULL (the caller frees it). */
static int received(const char *tag, mg_json **last)
{
	char *text = t_read_file(log_path, NULL), *line, *save = NULL;
	int count = 0;

	if (last)
		*last = NULL;
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
		line = strtok_r(NULL, "\n", &save)) {
		mg_json *rec = NULL;
		assert_int_equal(mg_json_parse(&rec, line, strlen(line), NULL), 0);
		if (strcmp(mg_json_get_string(rec, "tag"), tag) == 0) {
			count++;
			if (last) {
				mg_json_free(*last);
				*last = rec;
				continue;
			}
		}
		mg_json_free(rec);
	}
	free(text);
	return count;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static const char payload[] = "{\"type\":\"dream.merged\",\"timestamp\":\"2026-11-20T21:44:00Z\","
			      "\"data\":{\"dream\":\"20261120T214400Z-3f9a1c\"}}";

static int deliver(const mg_webhooks *h, const char *event, mg_webhook_report *r)
{
	int rc = mg_webhook_deliver(h, event, payload, sizeof(payload) - 1, r);
	assert_no_secret(r);
	return rc;
}

/* ---- delivery -------------------------------------------------------------- */

static void assert_signed_record(const char *tag, const mg_webhook_report *r)
{
	mg_json *rec;

	assert_int_equal(received(tag, &rec), 1);
	assert_int_equal(mg_json_bool(mg_json_get(rec, "verified")), 1);
	assert_string_equal(mg_json_get_string(rec, "id"), r->id);
	assert_string_equal(mg_json_get_string(rec, "content_type"), "application/json");
	assert_string_equal(mg_json_get_string(rec, "user_agent"), "memgit/" MEMGIT_VERSION);
	assert_string_equal(mg_json_get_string(rec, "body"), payload);
	assert_memory_equal(mg_json_get_string(rec, "signature"), "v1,", 3);
	assert_int_equal(strlen(mg_json_get_string(rec, "signature")), 3 + 44);
	mg_json_free(rec);
}

/* Both secret forms sign what the independent receiver verifies, and the
 * report shows URLs without their query. */
static void test_signed_delivery(void **state)
{
	memgit_buf y = MEMGIT_BUF_INIT;
	mg_webhook_report r = MG_WEBHOOK_REPORT_INIT;
	mg_webhooks h;
	char want[256];
	(void)state;

	mg_buf_puts(&y, "name: t\nwebhooks:\n");
	hooks_yaml(&y, "MG_TEST_HOOK_RAW", "ok", "signed-raw", NULL);
	mg_buf_printf(&y, "  - url: http://127.0.0.1:%d/MG_TEST_HOOK_WHSEC/ok/signed-whsec"
			  "?source=memgit#frag\n    secret_env: MG_TEST_HOOK_WHSEC\n", port);
	parse_ok(&h, &y);
	assert_int_equal(deliver(&h, "dream.merged", &r), 0);
	assert_string_equal(r.event, "dream.merged");
	assert_memory_equal(r.id, "msg_", 4);
	assert_int_equal(strlen(r.id), 4 + 26);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.failed, 0);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(r.results[i].index, i);
		assert_true(r.results[i].delivered);
		assert_int_equal(r.results[i].status, 200);
		assert_int_equal(r.results[i].attempts, 1);
		assert_string_equal(r.results[i].error, "");
	}
	snprintf(want, sizeof(want), "http://127.0.0.1:%d/MG_TEST_HOOK_WHSEC/ok/signed-whsec", port);
	assert_string_equal(r.results[1].url, want);
	assert_signed_record("signed-raw", &r);
	assert_signed_record("signed-whsec", &r);
	mg_webhook_report_dispose(&r);
	mg_webhooks_dispose(&h);
}

/* A signature under another secret is refused by the receiver (so it
 * really checks), reported with its answer, and not retried. */
static void test_wrong_secret_refused(void **state)
{
	memgit_buf y = MEMGIT_BUF_INIT;
	mg_webhook_report r = MG_WEBHOOK_REPORT_INIT;
	mg_webhooks h;
	mg_json *rec;
	(void)state;

	mg_buf_printf(&y, "webhooks:\n  - url: http://127.0.0.1:%d/MG_TEST_HOOK_RAW/ok/wrong\n"
			  "    secret_env: MG_TEST_HOOK_WRONG\n", port);
	parse_ok(&h, &y);
	assert_int_equal(deliver(&h, "dream.completed", &r), 0);
	assert_int_equal(r.failed, 1);
	assert_false(r.results[0].delivered);
	assert_int_equal(r.results[0].status, 401);
	assert_int_equal(r.results[0].attempts, 1);
	assert_string_equal(r.results[0].error, "HTTP 401: invalid signature: no signature matches");
	assert_int_equal(received("wrong", &rec), 1);
	assert_int_equal(mg_json_bool(mg_json_get(rec, "verified")), 0);
	mg_json_free(rec);
	mg_webhook_report_dispose(&r);
	mg_webhooks_dispose(&h);
}

static void test_event_filtering(void **state)
{
	memgit_buf y = MEMGIT_BUF_INIT;
	mg_webhook_report r = MG_WEBHOOK_REPORT_INIT;
	mg_webhooks h;
	(void)state;

	mg_buf_puts(&y, "webhooks:\n");
	hooks_yaml(&y, "MG_TEST_HOOK_RAW", "ok", "filter-merged", "    events: [dream.merged]\n");
	hooks_yaml(&y, "MG_TEST_HOOK_RAW", "ok", "filter-failed",
		"    events:\n      - dream.failed\n      - dream.rejected\n");
	parse_ok(&h, &y);
	assert_int_equal(h.hooks[0].events, MG_WEBHOOK_DREAM_MERGED);
	assert_int_equal(h.hooks[1].events, MG_WEBHOOK_DREAM_FAILED | MG_WEBHOOK_DREAM_REJECTED);
	assert_int_equal(deliver(&h, "dream.failed", &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.results[0].index, 1);
	assert_true(r.results[0].delivered);
	assert_int_equal(received("filter-failed", NULL), 1);
	assert_int_equal(received("filter-merged", NULL), 0);
	/* nobody subscribed: nothing sent, nothing to report */
	assert_int_equal(deliver(&h, "dream.graded", &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.failed, 0);
	assert_int_equal(received("filter-failed", NULL), 1);
	assert_int_equal(received("filter-merged", NULL), 0);
	/* an event memgit does not know is the caller's mistake */
	assert_int_equal(mg_webhook_deliver(&h, "dream.exploded", "{}", 2, &r), MEMGIT_EINPUT);
	assert_int_equal(r.n, 0);
	mg_webhook_report_dispose(&r);
	mg_webhooks_dispose(&h);
	/* no hooks at all */
	mg_webhooks none = MG_WEBHOOKS_INIT;
	assert_int_equal(deliver(&none, "dream.merged", &r), 0);
	assert_int_equal(r.n, 0);
	mg_webhook_report_dispose(&r);
}

/* 500 then 200: delivered by the retry, which carries the same id and a
 * fresh signature the receiver verifies. */
static void test_retry_then_success(void **state)
{
	memgit_buf y = MEMGIT_BUF_INIT;
	mg_webhook_report r = MG_WEBHOOK_REPORT_INIT;
	mg_webhooks h;
	mg_json *rec;
	(void)state;

	mg_buf_puts(&y, "webhooks:\n");
	hooks_yaml(&y, "MG_TEST_HOOK_WHSEC", "flaky", "flaky", "    retries: 2\n");
	parse_ok(&h, &y);
	assert_int_equal(deliver(&h, "dream.graded", &r), 0);
	assert_true(r.results[0].delivered);
	assert_int_equal(r.results[0].attempts, 2);
	assert_int_equal(r.results[0].status, 200);
	assert_int_equal(r.failed, 0);
	assert_int_equal(received("flaky", &rec), 2);
	assert_int_equal(mg_json_bool(mg_json_get(rec, "verified")), 1);
	assert_string_equal(mg_json_get_string(rec, "id"), r.id);
	mg_json_free(rec);
	mg_webhook_report_dispose(&r);
	mg_webhooks_dispose(&h);
}

/* Nothing listens: every attempt fails, the call still succeeds, within
 * the backoff (about 0.5 s + 1 s), and the caller's own error survives. */
static void test_receiver_down(void **state)
{
	mg_webhook_report r = MG_WEBHOOK_REPORT_INIT;
	mg_webhooks h;
	struct timespec t0;
	long ms;
	(void)state;

	/* port 1 on loopback: nothing listens there in a test container */
	const char *yaml = "webhooks:\n  - url: http://127.0.0.1:1/hook?token=x\n"
			   "    secret_env: MG_TEST_HOOK_RAW\n    timeout_ms: 2000\n";
	mg_webhooks init = MG_WEBHOOKS_INIT;
	h = init;
	assert_int_equal(parse_hooks(&h, yaml), 0);
	mg_error_set(MEMGIT_EREMOTE, "dream failed", "20261120T214400Z-3f9a1c", "model overloaded");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(deliver(&h, "dream.failed", &r), 0);
	ms = elapsed_ms(&t0);
	assert_int_equal(memgit_error_last()->code, MEMGIT_EREMOTE);
	assert_string_equal(memgit_error_last()->message,
		"dream failed '20261120T214400Z-3f9a1c': model overloaded");
	assert_int_equal(r.failed, 1);
	assert_false(r.results[0].delivered);
	assert_int_equal(r.results[0].status, 0);
	assert_int_equal(r.results[0].attempts, 3);
	assert_string_equal(r.results[0].url, "http://127.0.0.1:1/hook");
	assert_non_null(strstr(r.results[0].error, "connect"));
	assert_in_range(ms, 1000, 5000);

	/* a retry budget smaller than the second wait stops after two attempts */
	h.hooks[0].retries = 5;
	h.retry_budget_ms = 700;
	memgit_error_clear();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(deliver(&h, "dream.failed", &r), 0);
	assert_int_equal(memgit_error_last()->code, MEMGIT_OK);
	assert_int_equal(r.results[0].attempts, 2);
	assert_in_range(elapsed_ms(&t0), 300, 3000);
	mg_webhook_report_dispose(&r);
	mg_webhooks_dispose(&h);
}

static void test_hang_times_out(void **state)
{
	memgit_buf y = MEMGIT_BUF_INIT;
	mg_webhook_report r = MG_WEBHOOK_REPORT_INIT;
	mg_webhooks h;
	struct timespec t0;
	(void)state;

	mg_buf_puts(&y, "webhooks:\n");
	hooks_yaml(&y, "MG_TEST_HOOK_RAW", "hang", "hang", "    timeout_ms: 300\n    retries: 0\n");
	parse_ok(&h, &y);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(deliver(&h, "dream.merged", &r), 0);
	assert_in_range(elapsed_ms(&t0), 250, 3000);
	assert_false(r.results[0].delivered);
	assert_int_equal(r.results[0].attempts, 1);
	assert_int_equal(r.results[0].status, 0);
	assert_non_null(strstr(r.results[0].error, "timed out"));
	assert_int_equal(received("hang", NULL), 1);
	mg_webhook_report_dispose(&r);
	mg_webhooks_dispose(&h);
}

static void test_gone_not_retried(void **state)
{
	memgit_buf y = MEMGIT_BUF_INIT, text = MEMGIT_BUF_INIT;
	mg_webhook_report r = MG_WEBHOOK_REPORT_INIT;
	mg_webhooks h;
	char want[300];
	(void)state;

	mg_buf_puts(&y, "webhooks:\n");
	hooks_yaml(&y, "MG_TEST_HOOK_RAW", "gone", "gone", NULL);
	parse_ok(&h, &y);
	assert_int_equal(deliver(&h, "dream.rejected", &r), 0);
	assert_int_equal(r.results[0].attempts, 1);
	assert_int_equal(r.results[0].status, 410);
	assert_int_equal(mg_webhook_report_format(&text, &r), 0);
	snprintf(want, sizeof(want), "webhook 'http://127.0.0.1:%d/MG_TEST_HOOK_RAW/gone/gone' "
		"(dream.rejected): HTTP 410 (gone: the receiver asks for no more; remove this "
		"hook): gone (attempts: 1)\n", port);
	assert_string_equal(text.ptr, want);
	memgit_buf_dispose(&text);
	mg_webhook_report_dispose(&r);
	mg_webhooks_dispose(&h);
}

/* No secret, an empty one, or a whsec_ one that is not base64: not sent,
 * never unsigned; the other hooks still are. */
static void test_missing_secret(void **state)
{
	memgit_buf y = MEMGIT_BUF_INIT;
	mg_webhook_report r = MG_WEBHOOK_REPORT_INIT;
	mg_webhooks h;
	(void)state;

	setenv("MG_TEST_HOOK_EMPTY", "", 1);
	setenv("MG_TEST_HOOK_BADB64", "whsec_not*base64!", 1);
	mg_buf_puts(&y, "webhooks:\n");
	hooks_yaml(&y, "MG_TEST_HOOK_UNSET", "ok", "nosecret-unset", NULL);
	hooks_yaml(&y, "MG_TEST_HOOK_EMPTY", "ok", "nosecret-empty", NULL);
	hooks_yaml(&y, "MG_TEST_HOOK_BADB64", "ok", "nosecret-b64", NULL);
	hooks_yaml(&y, "MG_TEST_HOOK_RAW", "ok", "nosecret-other", NULL);
	parse_ok(&h, &y);
	assert_int_equal(deliver(&h, "dream.merged", &r), 0);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.failed, 3);
	assert_string_equal(r.results[0].error, "secret MG_TEST_HOOK_UNSET not set: not sent unsigned");
	assert_string_equal(r.results[1].error, "secret MG_TEST_HOOK_EMPTY is empty: not sent unsigned");
	assert_string_equal(r.results[2].error,
		"secret MG_TEST_HOOK_BADB64 starts with whsec_ but the rest is not base64: not sent");
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(r.results[i].attempts, 0);
		assert_int_equal(r.results[i].status, 0);
	}
	assert_true(r.results[3].delivered);
	assert_int_equal(received("nosecret-unset", NULL), 0);
	assert_int_equal(received("nosecret-empty", NULL), 0);
	assert_int_equal(received("nosecret-b64", NULL), 0);
	assert_null(strstr(r.results[2].error, "not*base64!"));
	unsetenv("MG_TEST_HOOK_EMPTY");
	unsetenv("MG_TEST_HOOK_BADB64");
	mg_webhook_report_dispose(&r);
	mg_webhooks_dispose(&h);
}

/* ---- configuration ------------------------------------------------------- */

static void test_parse_defaults(void **state)
{
	mg_webhooks h = MG_WEBHOOKS_INIT;
	(void)state;

	assert_int_equal(parse_hooks(&h, "name: x\nwebhooks:\n"
					 "  - url: https://example.com/hooks/memgit\n"
					 "  - url: HTTP://[::1]:8080\n    timeout_ms: 60000\n"
					 "    retries: 0\n    future_key: ignored\n"), 0);
	assert_int_equal(h.n, 2);
	assert_string_equal(h.hooks[0].url, "https://example.com/hooks/memgit");
	assert_int_equal(h.hooks[0].events, MG_WEBHOOK_ALL_EVENTS);
	assert_string_equal(h.hooks[0].secret_env, "MEMGIT_WEBHOOK_SECRET");
	assert_int_equal(h.hooks[0].timeout_ms, 5000);
	assert_int_equal(h.hooks[0].retries, 2);
	assert_int_equal(h.hooks[0].line, 3);
	assert_int_equal(h.hooks[1].timeout_ms, 60000);
	assert_int_equal(h.hooks[1].retries, 0);
	assert_int_equal(h.hooks[1].line, 4);
	assert_int_equal(h.retry_budget_ms, 10000);
	mg_webhooks_dispose(&h);
	mg_webhooks_dispose(&h); /* twice, and NULL, are fine */
	mg_webhooks_dispose(NULL);
	/* absent, or present and empty: none */
	assert_int_equal(parse_hooks(&h, "name: x\n"), 0);
	assert_int_equal(parse_hooks(&h, "webhooks:\n"), 0);
	assert_int_equal(parse_hooks(&h, "webhooks: []\n"), 0);
	assert_int_equal(h.n, 0);
	assert_int_equal(mg_webhook_event_bit("dream.merged"), MG_WEBHOOK_DREAM_MERGED);
	assert_int_equal(mg_webhook_event_bit("dream"), 0);
	assert_int_equal(mg_webhook_event_bit(NULL), 0);
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *yaml, *why;
	} cases[] = {
		{ "webhooks:\n  - url: https://example.com/h\n    secret: s3cr3t-value\n",
			"line 3, column 5: webhooks[0].secret: a secret must not be written in "
			"memgit.yaml (it is committed): put it in an environment variable and name "
			"that with secret_env (default MEMGIT_WEBHOOK_SECRET)" },
		{ "webhooks:\n  - url: https://example.com/a\n  - url: https://example.com/b\n"
		  "    signing_secret: abc\n",
			"line 4, column 5: webhooks[1].signing_secret: a secret must not be written" },
		{ "webhooks:\n  - url: ftp://example.com/h\n",
			"line 2, column 10: webhooks[0].url: expected an http:// or https:// url" },
		{ "webhooks:\n  - url: https:///path\n", "line 2, column 10: webhooks[0].url: has no host" },
		{ "webhooks:\n  - url: https://exa mple.com/\n",
			"line 2, column 10: webhooks[0].url: holds a space" },
		{ "webhooks:\n  - url: http://h:99999/\n",
			"line 2, column 10: webhooks[0].url: has an invalid port" },
		{ "webhooks:\n  - url: https://bob:hunter2@example.com/h\n",
			"line 2, column 10: webhooks[0].url: holds credentials" },
		{ "webhooks:\n  - url: https://example.com/h?key=sk-ant-api03-abcdefghijklmnopqrstuvwxyz\n",
			"line 2, column 10: webhooks[0].url: holds what looks like a secret (anthropic-key)" },
		{ "webhooks:\n  - url: https://example.com/h\n    events: [dream.merged, dream.exploded]\n",
			"line 3, column 28: webhooks[0].events: unknown event 'dream.exploded' (known: "
			"dream.completed, dream.graded, dream.merged, dream.rejected, dream.failed)" },
		{ "webhooks:\n  - url: https://example.com/h\n    events: []\n",
			"line 3, column 13: webhooks[0].events: expected at least one event" },
		{ "webhooks:\n  - url: https://example.com/h\n    events: dream.merged\n",
			"line 3, column 13: webhooks[0].events: expected a list of events" },
		{ "webhooks:\n  - url: https://example.com/h\n    timeout_ms: 0\n",
			"line 3, column 17: webhooks[0].timeout_ms: expected a whole number from 1 to 60000" },
		{ "webhooks:\n  - url: https://example.com/h\n    timeout_ms: 60001\n",
			"line 3, column 17: webhooks[0].timeout_ms: expected a whole number from 1 to 60000" },
		{ "webhooks:\n  - url: https://example.com/h\n    retries: 6\n",
			"line 3, column 14: webhooks[0].retries: expected a whole number from 0 to 5" },
		{ "webhooks:\n  - url: https://example.com/h\n    retries: \"2\"\n",
			"line 3, column 14: webhooks[0].retries: expected a whole number from 0 to 5" },
		{ "webhooks:\n  - url: https://example.com/h\n    retries: -1\n",
			"line 3, column 14: webhooks[0].retries: expected a whole number from 0 to 5" },
		{ "webhooks:\n  - url: https://example.com/h\n    secret_env: whsec_c2VjcmV0\n",
			"line 3, column 17: webhooks[0].secret_env: expected the name of an "
			"environment variable ([A-Za-z_][A-Za-z0-9_]*), not the secret itself" },
		{ "webhooks:\n  - url: https://example.com/h\n    secret_env: a=b\n",
			"line 3, column 17: webhooks[0].secret_env: expected the name" },
		{ "webhooks:\n  - events: [dream.merged]\n", "line 2, column 5: webhooks[0].url: missing" },
		{ "webhooks:\n  - https://example.com/h\n",
			"line 2, column 5: webhooks[0]: expected a mapping with url:" },
		{ "webhooks:\n  url: https://example.com/h\n",
			"line 2, column 3: webhooks: expected a list of webhooks" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mg_webhooks h = MG_WEBHOOKS_INIT;
		const memgit_error *e;
		char want[600];

		assert_int_equal(parse_hooks(&h, cases[i].yaml), MEMGIT_EYAML);
		e = memgit_error_last();
		snprintf(want, sizeof(want), "invalid configuration 'memgit.yaml': %s", cases[i].why);
		if (strncmp(e->message, want, strlen(want)) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i, e->message, want);
		assert_null(strstr(e->message, "s3cr3t"));
		assert_null(strstr(e->message, "hunter2"));
		assert_null(strstr(e->message, "sk-ant-api03"));
		assert_null(strstr(e->message, "c2VjcmV0"));
		assert_int_equal(h.n, 0);
		assert_null(h.hooks);
	}
}

static void test_too_many_hooks(void **state)
{
	memgit_buf y = MEMGIT_BUF_INIT;
	mg_webhooks h = MG_WEBHOOKS_INIT;
	(void)state;

	mg_buf_puts(&y, "webhooks:\n");
	for (int i = 0; i < 17; i++)
		mg_buf_printf(&y, "  - url: https://example.com/%d\n", i);
	assert_int_equal(parse_hooks(&h, y.ptr), MEMGIT_EYAML);
	assert_string_equal(memgit_error_last()->why, "line 2, column 3: webhooks: more than 16 webhooks");
	memgit_buf_dispose(&y);
}

static void test_envelope(void **state)
{
	memgit_buf out = MEMGIT_BUF_INIT;
	(void)state;

	setenv("MEMGIT_NOW", "2026-11-20T21:44:00Z", 1);
	assert_int_equal(mg_webhook_envelope(&out, "dream.merged",
				 "{\"dream\":\"20261120T214400Z-3f9a1c\",\"score\":0.9}"), 0);
	assert_string_equal(out.ptr, "{\"type\":\"dream.merged\",\"timestamp\":\"2026-11-20T21:44:00Z\","
				     "\"data\":{\"dream\":\"20261120T214400Z-3f9a1c\",\"score\":0.9}}");
	mg_buf_clear(&out);
	assert_int_equal(mg_webhook_envelope(&out, "dream.merged", "{\"dream\":"), MEMGIT_EINPUT);
	assert_int_equal(mg_webhook_envelope(&out, "dream.exploded", "{}"), MEMGIT_EINPUT);
	assert_int_equal(out.size, 0);
	unsetenv("MEMGIT_NOW");
	memgit_buf_dispose(&out);
}

/* MEMGIT_NOW pins envelopes for reproducible tests, never the signature's
 * timestamp: a receiver would refuse one from 2001 as a replay. */
static void test_pinned_clock_still_verifies(void **state)
{
	memgit_buf y = MEMGIT_BUF_INIT;
	mg_webhook_report r = MG_WEBHOOK_REPORT_INIT;
	mg_webhooks h;
	(void)state;

	setenv("MEMGIT_NOW", "2001-01-01T00:00:00Z", 1);
	mg_buf_puts(&y, "webhooks:\n");
	hooks_yaml(&y, "MG_TEST_HOOK_RAW", "ok", "pinned", NULL);
	parse_ok(&h, &y);
	assert_int_equal(deliver(&h, "dream.completed", &r), 0);
	assert_true(r.results[0].delivered);
	unsetenv("MEMGIT_NOW");
	mg_webhook_report_dispose(&r);
	mg_webhooks_dispose(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_delivery),
		cmocka_unit_test(test_wrong_secret_refused),
		cmocka_unit_test(test_event_filtering),
		cmocka_unit_test(test_retry_then_success),
		cmocka_unit_test(test_receiver_down),
		cmocka_unit_test(test_hang_times_out),
		cmocka_unit_test(test_gone_not_retried),
		cmocka_unit_test(test_missing_secret),
		cmocka_unit_test(test_parse_defaults),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_too_many_hooks),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_pinned_clock_still_verifies),
	};
	return cmocka_run_group_tests(tests, start_receiver, stop_receiver);
}
