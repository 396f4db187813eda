/*
 * http.h: the HTTP client (the only code that includes <curl/curl.h>).
 *
 * Every request has a connect timeout, a total timeout, a low-speed timeout
 * (a stalled stream fails instead of hanging), a response-size cap, TLS
 * verification on, and a bounded redirect policy. Secrets passed in
 * headers are never logged or copied into errors. Retries follow the
 * providers' guidance (see mg_http_retry_delay); the caller decides.
 */
#ifndef MG_HTTP_H
#define MG_HTTP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "memgit/buf.h"

typedef struct {
	const char *name;
	const char *value; /* may hold a secret: never printed */
} mg_http_header;

/* Called for each complete server-sent event of a text/event-stream
 * response; return non-zero to abort the transfer (that value returned). */
typedef int (*mg_http_sse_cb)(const char *event, const char *data, size_t len, void *payload);

typedef struct {
	const char *method;          /* "POST", "GET" */
	const char *url;
	const mg_http_header *headers;
	size_t nheaders;
	const char *body;            /* may be NULL */
	size_t body_len;
	unsigned connect_timeout_ms; /* 0: 10000 */
	unsigned timeout_ms;         /* whole transfer; 0: 600000 */
	unsigned low_speed_ms;       /* abort when under 1 byte/s this long; 0: 30000 */
	size_t max_response_bytes;   /* 0: 64 MiB */
	unsigned max_redirects;      /* 0: none followed (a 3xx is the response);
	                              * else only within the URL's scheme, host
	                              * and port, since headers go along */
	const char *ca_file;         /* NULL: the system bundle */
	mg_http_sse_cb sse;          /* set: parse the body as SSE as it arrives */
	void *sse_payload;
	atomic_int *cancel;          /* set by another thread: stop the transfer
	                              * within a second, whatever it is waiting
	                              * for (headers, a stalled body); may be NULL */
} mg_http_request;

#define MG_HTTP_REQUEST_INIT { "POST", NULL, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL }

typedef struct {
	long status;             /* 0 when no response (connection error) */
	memgit_buf body;         /* the body; for SSE (a 2xx text/event-stream
	                          * with req->sse set) only an unfinished last
	                          * line: any other reply is kept whole here */
	char request_id[128];    /* request-id / x-request-id header, "" if none */
	int64_t retry_after_ms;  /* retry-after-ms or retry-after (seconds or date), -1 none */
	int should_retry;        /* x-should-retry: 1 true, 0 false, -1 absent;
	                          * also 0 after a failure a retry cannot fix
	                          * (TLS, size cap, redirects, bad URL) */
	char error[256];         /* a one-line reason when the transfer failed */
} mg_http_response;

void mg_http_response_init(mg_http_response *r);
void mg_http_response_dispose(mg_http_response *r);

/*
 * Process-wide set-up, once (pthread_once), so it is safe from any thread:
 * load libcurl (dlopen of $MEMGIT_LIBCURL, else "libcurl.so.4") and call
 * curl_global_init. mg_http_perform calls it first; memgit_init does not:
 * loading libcurl maps ~23 shared libraries and curl_global_init starts
 * OpenSSL (~2.3M instructions, more than a whole `memgit ls`), which
 * commands that make no request should not pay. MEMGIT_EREMOTE when
 * libcurl cannot be loaded or initialised ("cannot load libcurl
 * 'libcurl.so.4': <dlerror>"), and again on every later call.
 */
int mg_http_global_init(void);

/*
 * Perform one request. 0 when a response arrived (any status: the caller
 * looks at resp->status), MEMGIT_EREMOTE for transport failures (timeout,
 * refused, TLS, cut connection, too large, too many redirects) with
 * resp->error and the error message naming the host (never a header).
 * On transport failures resp->status is 0 (the message tells the status
 * when one had arrived). When libcurl cannot be loaded, MEMGIT_EREMOTE
 * with resp->should_retry 0 (see mg_http_global_init). When req->sse
 * stops the transfer, its non-zero value is returned and resp->status is
 * kept.
 */
int mg_http_perform(mg_http_response *resp, const mg_http_request *req);

/*
 * The providers' retry guidance for a response (or transport failure,
 * status 0): -1 do not retry; else the delay in ms before attempt
 * `attempt` (1 = first retry): retry-after(-ms) when given (capped at
 * 60 s), else 500 ms doubling, capped at 8 s, with jitter. Retries 408,
 * 409, 429, 5xx, 529 and connection errors; x-should-retry overrides;
 * never retries a spend-limit / insufficient-quota error (`body` checked).
 */
int64_t mg_http_retry_delay(const mg_http_response *resp, unsigned attempt);

#endif
