/*
 * test_http.c: the HTTP client and SSE parser against tests/llm/server.py
 * on 127.0.0.1 (started here), and the retry policy on crafted responses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "llm/http.h"
#include "llm/sse.h"
#include "memgit/errors.h"
#include "util/buf.h"

#define SECRET "sk-ant-test-SECRET-0123456789"
#define QUERY_SECRET "QUERYSECRET42"

static FILE *server;
static int port, tls_port;
static char cert[512];

static int start_server(void **state)
{
	char script[1024], cmd[1200], line[700];
	const char *at;
	(void)state;

	/* __FILE__ is tests/unit/test_http.c; the server sits in tests/llm */
	snprintf(script, sizeof(script), "%s", __FILE__);
	if (!(at = strstr(script, "unit/test_http.c")))
		return -1;
	snprintf(script + (at - script), sizeof(script) - (size_t)(at - script), "llm/server.py");
	snprintf(cmd, sizeof(cmd), "python3 '%s' 60", script);
	if (!(server = popen(cmd, "r")) || !fgets(line, sizeof(line), server))
		return -1;
	if (sscanf(line, "%d %d %511s", &port, &tls_port, cert) != 3 || port <= 0)
		return -1;
	return mg_http_global_init();
}

static int stop_server(void **state)
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
	if (server)
		pclose(server);
	return 0;
}

/* The secret header every request carries, as a provider's would. */
static const mg_http_header secret_headers[] = {
	{ "x-api-key", SECRET },
	{ "content-type", "application/json" },
};

static void request_for(mg_http_request *req, char *url, size_t cap, const char *path)
{
	mg_http_request init = MG_HTTP_REQUEST_INIT;

	*req = init;
	snprintf(url, cap, "http://127.0.0.1:%d%s", port, path);
	req->url = url;
	req->headers = secret_headers;
	req->nheaders = 2;
	req->body = "{\"model\":\"m\"}";
	req->body_len = strlen(req->body);
	req->timeout_ms = 10000;
}

static int fetch(mg_http_response *resp, const char *path)
{
	mg_http_request req;
	char url[256];

	request_for(&req, url, sizeof(url), path);
	return mg_http_perform(resp, &req);
}

static void test_ok(void **state)
{
	mg_http_response r;
	(void)state;

	mg_http_response_init(&r);
	assert_int_equal(fetch(&r, "/ok"), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.ptr, "{\"id\":\"msg_1\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}");
	assert_string_equal(r.request_id, "req_test_200");
	assert_int_equal(r.retry_after_ms, -1);
	assert_int_equal(r.should_retry, -1);
	assert_string_equal(r.error, "");
	assert_int_equal(mg_http_retry_delay(&r, 1), -1);
	mg_http_response_dispose(&r);
}

static void test_echo_what_was_sent(void **state)
{
	mg_http_response r;
	mg_http_request req;
	char url[256];
	(void)state;

	mg_http_response_init(&r);
	assert_int_equal(fetch(&r, "/echo"), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.ptr, "\"method\": \"POST\""));
	assert_non_null(strstr(r.body.ptr, "\"x-api-key\": \"" SECRET "\""));
	assert_non_null(strstr(r.body.ptr, "\"content-type\": \"application/json\""));
	assert_non_null(strstr(r.body.ptr, "\"body\": \"{\\\"model\\\":\\\"m\\\"}\""));
	assert_null(strstr(r.body.ptr, "\"expect\""));
	request_for(&req, url, sizeof(url), "/echo");
	req.method = "GET";
	req.body = NULL;
	assert_int_equal(mg_http_perform(&r, &req), 0);
	assert_non_null(strstr(r.body.ptr, "\"method\": \"GET\""));
	mg_http_response_dispose(&r);
}

/* ---- SSE ------------------------------------------------------------- */

typedef struct {
	memgit_buf log; /* "event|data\n" per event */
	int n, stop_at, stop_rc;
} sse_log;

static int on_event(const char *event, const char *data, size_t len, void *payload)
{
	sse_log *l = payload;

	assert_int_equal(strlen(data), len);
	mg_buf_printf(&l->log, "%s|%s\n", event, data);
	return ++l->n == l->stop_at ? l->stop_rc : 0;
}

static int stream(mg_http_response *r, const char *path, sse_log *l)
{
	mg_http_request req;
	char url[256];

	request_for(&req, url, sizeof(url), path);
	req.sse = on_event;
	req.sse_payload = l;
	return mg_http_perform(r, &req);
}

static const char sse_expected[] = "message_start|{\"type\":\"message_start\"}\n"
				   "ping|{\"type\": \"ping\"}\n"
				   "content_block_delta|line one\nline two\n"
				   "message|no event name\n"
				   "empty|\n"
				   "message_stop|{}\n";

static void test_sse_stream(void **state)
{
	sse_log l = { MEMGIT_BUF_INIT, 0, 0, 0 };
	mg_http_response r;
	(void)state;

	mg_http_response_init(&r);
	assert_int_equal(stream(&r, "/sse", &l), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.request_id, "req_stream");
	assert_string_equal(mg_buf_cstr(&l.log), sse_expected);
	assert_int_equal(r.body.size, 0);
	mg_http_response_dispose(&r);
	memgit_buf_dispose(&l.log);
}

static void test_sse_callback_stops(void **state)
{
	sse_log l = { MEMGIT_BUF_INIT, 0, 2, 42 };
	mg_http_response r;
	(void)state;

	mg_http_response_init(&r);
	assert_int_equal(stream(&r, "/sse", &l), 42);
	assert_int_equal(l.n, 2);
	assert_int_equal(r.status, 200);
	mg_http_response_dispose(&r);
	memgit_buf_dispose(&l.log);
}

static void test_sse_error_event(void **state)
{
	sse_log l = { MEMGIT_BUF_INIT, 0, 0, 0 };
	mg_http_response r;
	(void)state;

	mg_http_response_init(&r);
	assert_int_equal(stream(&r, "/sse-error", &l), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(mg_buf_cstr(&l.log),
		"message_start|{\"type\":\"message_start\"}\n"
		"error|{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n");
	mg_http_response_dispose(&r);
	memgit_buf_dispose(&l.log);
}

static void test_sse_json_error_kept_as_body(void **state)
{
	sse_log l = { MEMGIT_BUF_INIT, 0, 0, 0 };
	mg_http_response r;
	(void)state;

	mg_http_response_init(&r);
	assert_int_equal(stream(&r, "/sse-json-error", &l), 0);
	assert_int_equal(r.status, 400);
	assert_int_equal(l.n, 0);
	assert_non_null(strstr(r.body.ptr, "invalid_request_error"));
	assert_int_equal(mg_http_retry_delay(&r, 1), -1);
	mg_http_response_dispose(&r);
	memgit_buf_dispose(&l.log);
}

/* The parser alone, fed one byte at a time and with bare CR line ends. */
static void test_sse_parser_bytewise(void **state)
{
	static const char cr_only[] = "event: a\rdata: x\r\r: c\rdata: y\r\r";
	sse_log l = { MEMGIT_BUF_INIT, 0, 0, 0 };
	mg_sse_parser p;
	const char *s;
	(void)state;

	mg_sse_init(&p, 0, on_event, &l);
	s = "event: e\r\ndata: 1\r\ndata:2\r\nid: 9\r\n\r\ndata: tail-without-blank-line\n";
	for (; *s; s++)
		assert_int_equal(mg_sse_feed(&p, s, 1), 0);
	assert_string_equal(mg_buf_cstr(&l.log), "e|1\n2\n");
	assert_string_equal(mg_buf_cstr(&p.last_id), "9");
	mg_sse_dispose(&p);
	mg_buf_clear(&l.log);
	l.n = 0;
	mg_sse_init(&p, 0, on_event, &l);
	assert_int_equal(mg_sse_feed(&p, cr_only, sizeof(cr_only) - 1), 0);
	assert_string_equal(mg_buf_cstr(&l.log), "a|x\nmessage|y\n");
	mg_sse_dispose(&p);
	memgit_buf_dispose(&l.log);
}

static void test_sse_parser_cap(void **state)
{
	char big[200];
	mg_sse_parser p;
	(void)state;

	memset(big, 'x', sizeof(big));
	mg_sse_init(&p, 128, NULL, NULL);
	assert_int_equal(mg_sse_feed(&p, "data: ", 6), 0);
	assert_int_equal(mg_sse_feed(&p, big, sizeof(big)), MEMGIT_EREMOTE);
	assert_true(p.too_large);
	assert_int_equal(mg_sse_feed(&p, "\n\n", 2), MEMGIT_EREMOTE);
	mg_sse_dispose(&p);
}

/* ---- statuses and retry guidance --------------------------------------- */

static void test_retry_statuses(void **state)
{
	mg_http_response r;
	int64_t d;
	(void)state;

	mg_http_response_init(&r);
	assert_int_equal(fetch(&r, "/429"), 0);
	assert_int_equal(r.status, 429);
	assert_string_equal(r.request_id, "req_test_429");
	assert_int_equal(r.retry_after_ms, 3000);
	assert_int_equal(mg_http_retry_delay(&r, 1), 3000);
	assert_int_equal(mg_http_retry_delay(&r, 4), 3000);

	assert_int_equal(fetch(&r, "/529"), 0);
	assert_int_equal(r.status, 529);
	assert_int_equal(r.retry_after_ms, 1500);
	assert_int_equal(mg_http_retry_delay(&r, 2), 1500);

	assert_int_equal(fetch(&r, "/500"), 0);
	assert_int_equal(r.status, 500);
	assert_int_equal(r.retry_after_ms, -1);
	d = mg_http_retry_delay(&r, 1);
	assert_in_range(d, 400, 600);

	assert_int_equal(fetch(&r, "/500-noretry"), 0);
	assert_int_equal(r.should_retry, 0);
	assert_int_equal(mg_http_retry_delay(&r, 1), -1);

	assert_int_equal(fetch(&r, "/400-retry"), 0);
	assert_int_equal(r.status, 400);
	assert_int_equal(r.should_retry, 1);
	assert_in_range(mg_http_retry_delay(&r, 2), 800, 1200);

	assert_int_equal(fetch(&r, "/quota"), 0);
	assert_int_equal(r.status, 429);
	assert_int_equal(mg_http_retry_delay(&r, 1), -1);

	assert_int_equal(fetch(&r, "/retry-date"), 0);
	assert_int_equal(r.status, 503);
	assert_in_range(r.retry_after_ms, 27000, 31000);
	assert_int_equal(mg_http_retry_delay(&r, 1), r.retry_after_ms);
	mg_http_response_dispose(&r);
}

static void test_retry_delay_crafted(void **state)
{
	static const int64_t base[] = { 500, 500, 1000, 2000, 4000, 8000, 8000, 8000 };
	static const long retried[] = { 0, 408, 409, 429, 500, 502, 503, 504, 529 };
	static const long final[] = { 200, 201, 301, 400, 401, 403, 404, 422 };
	mg_http_response r;
	(void)state;

	mg_http_response_init(&r);
	for (unsigned a = 0; a < 8; a++) {
		int64_t lo = INT64_MAX, hi = 0;
		r.status = 503;
		for (int i = 0; i < 400; i++) {
			int64_t d = mg_http_retry_delay(&r, a);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
		/* +/- 20% of the capped doubling, and really jittered */
		assert_true(lo >= base[a] - base[a] / 5 && hi <= base[a] + base[a] / 5);
		assert_true(hi - lo > base[a] / 5);
	}
	for (size_t i = 0; i < sizeof(retried) / sizeof(retried[0]); i++) {
		r.status = retried[i];
		assert_in_range(mg_http_retry_delay(&r, 1), 400, 600);
	}
	for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++) {
		r.status = final[i];
		assert_int_equal(mg_http_retry_delay(&r, 1), -1);
	}
	r.status = 429;
	r.retry_after_ms = 120000; /* capped at 60 s */
	assert_int_equal(mg_http_retry_delay(&r, 1), 60000);
	r.retry_after_ms = 0;
	assert_int_equal(mg_http_retry_delay(&r, 1), 0);
	r.retry_after_ms = -1;
	r.status = 403;
	r.should_retry = 1;
	mg_buf_set(&r.body, "{\"error\":\"spend limit reached\"}", 31);
	assert_int_equal(mg_http_retry_delay(&r, 1), -1);
	mg_buf_set(&r.body, "see Plans & Billing", 19);
	assert_int_equal(mg_http_retry_delay(&r, 1), -1);
	mg_buf_clear(&r.body);
	assert_in_range(mg_http_retry_delay(&r, 1), 400, 600);
	mg_http_response_dispose(&r);
}

/* ---- transport failures ------------------------------------------------ */

/* Every failure: MEMGIT_EREMOTE, one line naming the host, recorded as the
 * thread's error too, and neither the key nor the URL's query in it. */
static void expect_failure(int rc, const mg_http_response *r, const char *host, const char *why)
{
	const memgit_error *e = memgit_error_last();

	assert_int_equal(rc, MEMGIT_EREMOTE);
	assert_int_equal(e->code, MEMGIT_EREMOTE);
	assert_string_equal(e->message, r->error);
	assert_int_equal(r->status, 0);
	assert_non_null(strstr(r->error, host));
	assert_non_null(strstr(r->error, why));
	assert_null(strchr(r->error, '\n'));
	assert_null(strstr(r->error, SECRET));
	assert_null(strstr(r->error, "SECRET"));
	assert_null(strstr(r->error, QUERY_SECRET));
}

static void test_stall_times_out(void **state)
{
	sse_log l = { MEMGIT_BUF_INIT, 0, 0, 0 };
	mg_http_response r;
	mg_http_request req;
	char url[256], host[64];
	(void)state;

	snprintf(host, sizeof(host), "'127.0.0.1:%d'", port);
	mg_http_response_init(&r);
	request_for(&req, url, sizeof(url), "/stall");
	req.low_speed_ms = 1500;
	req.sse = on_event;
	req.sse_payload = &l;
	expect_failure(mg_http_perform(&r, &req), &r, host, "stalled");
	assert_non_null(strstr(r.error, "HTTP 200, request id req_stream"));
	assert_int_equal(l.n, 1); /* the event before the stall arrived */
	assert_in_range(mg_http_retry_delay(&r, 1), 400, 600);
	mg_http_response_dispose(&r);
	memgit_buf_dispose(&l.log);
}

static void test_failures(void **state)
{
	static const struct {
		const char *path, *why;
		int retry;
	} cases[] = {
		{ "/cut", "connection closed before the response was complete", 1 },
		{ "/big", "response larger than 1048576 bytes", 0 },
		{ "/big-unsized", "response larger than 1048576 bytes", 0 },
		{ "/loop", "too many redirects", 0 },
		{ "/offsite", "redirect to another host refused", 0 },
	};
	mg_http_response r;
	mg_http_request req;
	char url[256], host[64];
	(void)state;

	snprintf(host, sizeof(host), "'127.0.0.1:%d'", port);
	mg_http_response_init(&r);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		request_for(&req, url, sizeof(url), "");
		snprintf(url, sizeof(url), "http://127.0.0.1:%d%s?key=" QUERY_SECRET, port,
			cases[i].path);
		req.max_response_bytes = 1 << 20;
		req.max_redirects = 3;
		expect_failure(mg_http_perform(&r, &req), &r, host, cases[i].why);
		if (cases[i].retry)
			assert_in_range(mg_http_retry_delay(&r, 1), 400, 600);
		else
			assert_int_equal(mg_http_retry_delay(&r, 1), -1);
	}
	mg_http_response_dispose(&r);
}

static void test_sse_event_cap(void **state)
{
	sse_log l = { MEMGIT_BUF_INIT, 0, 0, 0 };
	mg_http_response r;
	char host[64];
	(void)state;

	snprintf(host, sizeof(host), "'127.0.0.1:%d'", port);
	mg_http_response_init(&r);
	expect_failure(stream(&r, "/sse-big-event", &l), &r, host, "event larger than 1048576 bytes");
	assert_int_equal(l.n, 0);
	mg_http_response_dispose(&r);
	memgit_buf_dispose(&l.log);
}

static void test_refused(void **state)
{
	mg_http_response r;
	mg_http_request req;
	char url[256];
	(void)state;

	mg_http_response_init(&r);
	request_for(&req, url, sizeof(url), "");
	/* port 1 on loopback: nothing listens there in a test container */
	req.url = "http://127.0.0.1:1/v1/messages?key=" QUERY_SECRET;
	expect_failure(mg_http_perform(&r, &req), &r, "'127.0.0.1:1'", "cannot connect");
	assert_in_range(mg_http_retry_delay(&r, 1), 400, 600);
	mg_http_response_dispose(&r);
}

static void test_redirects(void **state)
{
	mg_http_response r;
	mg_http_request req;
	char url[256];
	(void)state;

	mg_http_response_init(&r);
	/* by default a redirect is the answer, not followed */
	request_for(&req, url, sizeof(url), "/hop");
	assert_int_equal(mg_http_perform(&r, &req), 0);
	assert_int_equal(r.status, 302);
	req.max_redirects = 2;
	assert_int_equal(mg_http_perform(&r, &req), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.request_id, "req_test_200");
	mg_http_response_dispose(&r);
}

static void test_tls(void **state)
{
	mg_http_response r;
	mg_http_request req;
	char url[256], host[64];
	(void)state;

	if (tls_port == 0) {
		print_message("skipped: no openssl CLI to make a self-signed certificate\n");
		skip();
	}
	mg_http_response_init(&r);
	request_for(&req, url, sizeof(url), "");
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/ok?key=" QUERY_SECRET, tls_port);
	snprintf(host, sizeof(host), "'127.0.0.1:%d'", tls_port);
	expect_failure(mg_http_perform(&r, &req), &r, host, "tls verification failed");
	assert_int_equal(mg_http_retry_delay(&r, 1), -1);
	/* the same server, trusted explicitly: verification itself works */
	req.ca_file = cert;
	assert_int_equal(mg_http_perform(&r, &req), 0);
	assert_int_equal(r.status, 200);
	mg_http_response_dispose(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_echo_what_was_sent),
		cmocka_unit_test(test_sse_stream),
		cmocka_unit_test(test_sse_callback_stops),
		cmocka_unit_test(test_sse_error_event),
		cmocka_unit_test(test_sse_json_error_kept_as_body),
		cmocka_unit_test(test_sse_parser_bytewise),
		cmocka_unit_test(test_sse_parser_cap),
		cmocka_unit_test(test_retry_statuses),
		cmocka_unit_test(test_retry_delay_crafted),
		cmocka_unit_test(test_stall_times_out),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_sse_event_cap),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_redirects),
		cmocka_unit_test(test_tls),
	};
	return cmocka_run_group_tests(tests, start_server, stop_server);
}
