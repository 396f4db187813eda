/*
 * http.c: one libcurl easy handle per request (see http.h). This is the
 * only file that includes <curl/curl.h>, and the one place where curl's
 * errors become memgit errors.
 *
 * libcurl is loaded with dlopen on the first request, not linked: linked,
 * it and the ~23 shared libraries under it would be mapped and relocated
 * at the start of every process (about 1 ms), request or not. The header
 * still gives the types and constants; every call goes through mg_curl.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "http.h"
#include "sse.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"

#define MG_HTTP_CONNECT_MS 10000u
#define MG_HTTP_TIMEOUT_MS 600000u
#define MG_HTTP_LOW_SPEED_MS 30000u
#define MG_HTTP_MAX_BYTES ((size_t)64 << 20)
#define MG_HTTP_RETRY_AFTER_CAP_MS 60000
#define MG_HTTP_BACKOFF_BASE_MS 500
#define MG_HTTP_BACKOFF_CAP_MS 8000

/* One transfer's state, shared by curl's callbacks. */
struct xfer {
	CURL *h;
	const mg_http_request *req;
	mg_http_response *resp;
	size_t max_bytes;
	size_t received;
	long cur_status;     /* from the last status line seen */
	int ms_seen;         /* retry-after-ms wins over retry-after */
	int too_large;
	int stalled;
	int cancelled;       /* req->cancel was set */
	uint64_t last_progress;  /* monotonic ms when bytes last moved */
	curl_off_t last_bytes;   /* bytes moved (both ways) by then */
	int redirect_refused;
	int oom;
	int sse_decided, sse_on;
	mg_sse_parser sse;
	char origin[512];    /* scheme://host:port of the request */
	char host[300];      /* host[:port], for errors */
};

#define MG_LIBCURL_DEFAULT "libcurl.so.4"

/* Every libcurl function this file calls. The pointer types come from the
 * header's own declarations, so a variadic one (easy_setopt, easy_getinfo)
 * is called as variadic, exactly as if linked. */
#define MG_CURL_FUNCTIONS(X) \
	X(global_init) X(easy_init) X(easy_setopt) X(easy_perform) X(easy_getinfo) \
	X(easy_cleanup) X(easy_strerror) X(free) X(getdate) X(slist_append) \
	X(slist_free_all) X(url) X(url_cleanup) X(url_get) X(url_set)
#define MG_CURL_MEMBER(name) __typeof__(curl_##name) *name;
static struct {
	MG_CURL_FUNCTIONS(MG_CURL_MEMBER)
} mg_curl;

/* A direct call would link libcurl again, silently: make it a compile
 * error. (The macros above were defined before, so they still work; the
 * header's own setopt/getinfo macros go, or poisoning them would warn.) */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#pragma GCC poison curl_easy_setopt curl_easy_getinfo
#pragma GCC poison curl_global_init curl_easy_init curl_easy_perform curl_easy_cleanup
#pragma GCC poison curl_easy_strerror curl_free curl_getdate curl_slist_append
#pragma GCC poison curl_slist_free_all curl_url curl_url_cleanup curl_url_get curl_url_set

static pthread_once_t mg_http_once = PTHREAD_ONCE_INIT;
/* Written once under pthread_once, read-only after: what every later
 * caller reports when libcurl could not be loaded or initialised. */
static int mg_http_ready;
static const char *mg_http_what = "cannot load libcurl";
static char mg_http_subject[256];
static char mg_http_why[300];

/* MEMGIT_LIBCURL names another file (tests point it at a missing one);
 * secure_getenv: a set-id program must not load a library the caller
 * chose. */
static int load_curl(void)
{
	const char *lib = secure_getenv("MEMGIT_LIBCURL");
	const char *err;
	void *dl;

	if (!lib || !*lib)
		lib = MG_LIBCURL_DEFAULT;
	snprintf(mg_http_subject, sizeof(mg_http_subject), "%s", lib);
	/* RTLD_LOCAL: curl's symbols stay out of the global scope, where
	 * they could capture an embedder's own lookups. Never dlclosed:
	 * curl and OpenSSL keep process-wide state until exit. */
	if (!(dl = dlopen(lib, RTLD_NOW | RTLD_LOCAL)))
		goto fail;
#define MG_CURL_RESOLVE(name) \
	if (!(mg_curl.name = (__typeof__(mg_curl.name))dlsym(dl, "curl_" #name))) \
		goto fail;
	MG_CURL_FUNCTIONS(MG_CURL_RESOLVE)
#undef MG_CURL_RESOLVE
	return 0;
fail:
	err = dlerror();
	snprintf(mg_http_why, sizeof(mg_http_why), "%s", err ? err : "unknown dlopen failure");
	memset(&mg_curl, 0, sizeof(mg_curl));
	if (dl)
		dlclose(dl);
	return -1;
}

static void global_init_once(void)
{
	CURLcode c;

	if (load_curl() < 0)
		return;
	if ((c = mg_curl.global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		mg_http_what = "cannot initialise libcurl";
		snprintf(mg_http_why, sizeof(mg_http_why), "%s", mg_curl.easy_strerror(c));
		return;
	}
	mg_http_ready = 1;
}

int mg_http_global_init(void)
{
	/* curl_global_init is not thread-safe; pthread_once makes it so for
	 * every caller that goes through here */
	pthread_once(&mg_http_once, global_init_once);
	/* EREMOTE, as for every other reason a request cannot be made: to
	 * the caller the model service is out of reach; the message says why */
	if (!mg_http_ready)
		return mg_error_set(MEMGIT_EREMOTE, mg_http_what, mg_http_subject, "%s",
			mg_http_why);
	return 0;
}

void mg_http_response_init(mg_http_response *r)
{
	memset(r, 0, sizeof(*r));
	r->retry_after_ms = -1;
	r->should_retry = -1;
}

void mg_http_response_dispose(mg_http_response *r)
{
	if (!r)
		return;
	memgit_buf_dispose(&r->body);
	mg_http_response_init(r);
}

static void reset_headers(mg_http_response *r)
{
	r->request_id[0] = '\0';
	r->retry_after_ms = -1;
	r->should_retry = -1;
}

/* Describe a URL's origin ("https://h:443") and host ("h" or "h:port");
 * the path and query never leave this function. */
static int url_origin(const char *url, char *origin, size_t ocap, char *host, size_t hcap)
{
	CURLU *u = mg_curl.url();
	char *scheme = NULL, *name = NULL, *port = NULL, *given = NULL;
	int rc = -1;

	if (!u || mg_curl.url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto done;
	if (mg_curl.url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    mg_curl.url_get(u, CURLUPART_HOST, &name, 0) != CURLUE_OK ||
	    mg_curl.url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto done;
	snprintf(origin, ocap, "%s://%s:%s", scheme, name, port);
	if (host) {
		if (mg_curl.url_get(u, CURLUPART_PORT, &given, 0) == CURLUE_OK)
			snprintf(host, hcap, "%s:%s", name, given);
		else
			snprintf(host, hcap, "%s", name);
	}
	rc = 0;
done:
	mg_curl.free(scheme);
	mg_curl.free(name);
	mg_curl.free(port);
	mg_curl.free(given);
	mg_curl.url_cleanup(u);
	return rc;
}

/* A redirect is followed only within the request's origin: curl would
 * send every custom header (x-api-key among them) to any host. */
static int redirect_allowed(struct xfer *x, const char *location)
{
	CURLU *u = mg_curl.url();
	char *base = NULL, *target = NULL, origin[sizeof(x->origin)];
	int ok = 0;

	if (!u)
		return 0;
	if (mg_curl.easy_getinfo(x->h, CURLINFO_EFFECTIVE_URL, &base) != CURLE_OK || !base ||
	    mg_curl.url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    mg_curl.url_set(u, CURLUPART_URL, location, 0) != CURLUE_OK ||
	    mg_curl.url_get(u, CURLUPART_URL, &target, 0) != CURLUE_OK)
		goto done;
	ok = url_origin(target, origin, sizeof(origin), NULL, 0) == 0 &&
	     strcmp(origin, x->origin) == 0;
done:
	mg_curl.free(target);
	mg_curl.url_cleanup(u);
	return ok;
}

/* "Retry-After: 7", "Retry-After: 1.5" or an HTTP-date; -1 if unreadable. */
static int64_t parse_retry_after(const char *v, int in_ms)
{
	char *end;
	double d = strtod(v, &end);
	time_t t;

	if (end != v && *end == '\0' && d >= 0 && d < 1e12)
		return (int64_t)(in_ms ? d : d * 1000.0);
	if (in_ms)
		return -1;
	if ((t = mg_curl.getdate(v, NULL)) == -1)
		return -1;
	t -= time(NULL);
	return t > 0 ? (int64_t)t * 1000 : 0;
}

static void copy_token(char *dst, size_t cap, const char *v)
{
	size_t n = 0;
	/* a request id is shown to people: printable ASCII only */
	for (; *v && n + 1 < cap; v++)
		if (isgraph((unsigned char)*v))
			dst[n++] = *v;
	dst[n] = '\0';
}

static void on_field(struct xfer *x, const char *name, const char *v)
{
	mg_http_response *r = x->resp;
	int64_t ms;

	if (strcasecmp(name, "request-id") == 0 || strcasecmp(name, "x-request-id") == 0) {
		copy_token(r->request_id, sizeof(r->request_id), v);
	} else if (strcasecmp(name, "retry-after-ms") == 0) {
		if ((ms = parse_retry_after(v, 1)) >= 0) {
			r->retry_after_ms = ms;
			x->ms_seen = 1;
		}
	} else if (strcasecmp(name, "retry-after") == 0) {
		if (!x->ms_seen && (ms = parse_retry_after(v, 0)) >= 0)
			r->retry_after_ms = ms;
	} else if (strcasecmp(name, "x-should-retry") == 0) {
		if (strcasecmp(v, "true") == 0)
			r->should_retry = 1;
		else if (strcasecmp(v, "false") == 0)
			r->should_retry = 0;
	} else if (strcasecmp(name, "location") == 0 && x->req->max_redirects &&
		   x->cur_status >= 300 && x->cur_status < 400 && !redirect_allowed(x, v)) {
		x->redirect_refused = 1;
	}
}

static size_t on_header(char *ptr, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	char line[1024], *colon, *v, *end;
	size_t len = size * n, keep = len < sizeof(line) - 1 ? len : sizeof(line) - 1;

	memcpy(line, ptr, keep);
	line[keep] = '\0';
	if (strncmp(line, "HTTP/", 5) == 0) {
		/* a new response (after a redirect or a 100): forget the last */
		reset_headers(x->resp);
		x->ms_seen = 0;
		v = strchr(line, ' ');
		x->cur_status = v ? strtol(v + 1, NULL, 10) : 0;
		return len;
	}
	if (!(colon = strchr(line, ':')))
		return len;
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	end = v + strlen(v);
	while (end > v && isspace((unsigned char)end[-1]))
		*--end = '\0';
	on_field(x, line, v);
	return x->redirect_refused ? 0 : len;
}

static void decide_sse(struct xfer *x)
{
	long status = 0;
	char *ct = NULL;

	x->sse_decided = 1;
	if (!x->req->sse)
		return;
	mg_curl.easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	mg_curl.easy_getinfo(x->h, CURLINFO_CONTENT_TYPE, &ct);
	/* an error reply to a streaming request is JSON: keep it as the body */
	x->sse_on = status >= 200 && status < 300 && ct &&
		    strncasecmp(ct, "text/event-stream", 17) == 0;
}

static size_t on_body(char *ptr, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;

	if (len > x->max_bytes - x->received) {
		x->too_large = 1;
		return 0;
	}
	x->received += len;
	if (!x->sse_decided)
		decide_sse(x);
	if (x->sse_on) {
		int rc = mg_sse_feed(&x->sse, ptr, len);
		if (rc == MEMGIT_ENOMEM && !x->sse.cb_rc)
			x->oom = 1;
		return rc == 0 ? len : 0;
	}
	if (mg_buf_put(&x->resp->body, ptr, len) < 0) {
		x->oom = 1;
		return 0;
	}
	return len;
}

/* curl's own low-speed check averages over a ~5 s window, so one early
 * event hides a stall for 5 s more than asked; this one is exact to the
 * progress callback's period (a second at most). */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
	curl_off_t ulnow)
{
	struct xfer *x = ud;
	unsigned limit = x->req->low_speed_ms ? x->req->low_speed_ms : MG_HTTP_LOW_SPEED_MS;
	uint64_t now = mg_monotonic_ms();
	(void)dltotal;
	(void)ultotal;

	if (x->req->cancel && atomic_load(x->req->cancel)) {
		x->cancelled = 1;
		return 1;
	}
	if (dlnow + ulnow != x->last_bytes) {
		x->last_bytes = dlnow + ulnow;
		x->last_progress = now;
		return 0;
	}
	if (now - x->last_progress < limit)
		return 0;
	x->stalled = 1;
	return 1;
}

static int set_method(CURL *h, const mg_http_request *req)
{
	const char *m = req->method ? req->method : "POST";
	CURLcode c;

	if (strcmp(m, "GET") == 0)
		return mg_curl.easy_setopt(h, CURLOPT_HTTPGET, 1L) == CURLE_OK ? 0 : -1;
	if (strcmp(m, "POST") != 0 && mg_curl.easy_setopt(h, CURLOPT_CUSTOMREQUEST, m) != CURLE_OK)
		return -1;
	if (!req->body && strcmp(m, "POST") != 0)
		return 0;
	c = mg_curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	if (c == CURLE_OK)
		c = mg_curl.easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
	return c == CURLE_OK ? 0 : -1;
}

static struct curl_slist *build_headers(const mg_http_request *req)
{
	struct curl_slist *list = NULL, *next;
	memgit_buf line = MEMGIT_BUF_INIT;

	/* no "Expect: 100-continue": it costs a round trip (or a second) on
	 * every prompt over 1 KiB, and model APIs answer at once anyway */
	if (!(list = mg_curl.slist_append(NULL, "Expect:")))
		return NULL;
	for (size_t i = 0; i < req->nheaders; i++) {
		mg_buf_clear(&line);
		if (mg_buf_printf(&line, "%s: %s", req->headers[i].name, req->headers[i].value) < 0 ||
		    !(next = mg_curl.slist_append(list, line.ptr))) {
			mg_curl.slist_free_all(list);
			list = NULL;
			break;
		}
		list = next;
	}
	memgit_buf_dispose(&line);
	return list;
}

#define SETOPT(h, opt, val) \
	if (mg_curl.easy_setopt(h, opt, val) != CURLE_OK) \
		return -1

static int set_options(struct xfer *x, struct curl_slist *hdrs, char *errbuf)
{
	const mg_http_request *req = x->req;
	unsigned low = req->low_speed_ms ? req->low_speed_ms : MG_HTTP_LOW_SPEED_MS;
	CURL *h = x->h;

	SETOPT(h, CURLOPT_URL, req->url);
	SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SETOPT(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
	SETOPT(h, CURLOPT_ERRORBUFFER, errbuf);
	SETOPT(h, CURLOPT_HTTPHEADER, hdrs);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS,
		(long)(req->connect_timeout_ms ? req->connect_timeout_ms : MG_HTTP_CONNECT_MS));
	SETOPT(h, CURLOPT_TIMEOUT_MS, (long)(req->timeout_ms ? req->timeout_ms : MG_HTTP_TIMEOUT_MS));
	/* curl counts the stall in whole seconds: round up, never below 1 */
	SETOPT(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	SETOPT(h, CURLOPT_LOW_SPEED_TIME, (long)((low + 999) / 1000));
	SETOPT(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_bytes);
	SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca_file)
		SETOPT(h, CURLOPT_CAINFO, req->ca_file);
	SETOPT(h, CURLOPT_FOLLOWLOCATION, req->max_redirects ? 1L : 0L);
	SETOPT(h, CURLOPT_MAXREDIRS, (long)req->max_redirects);
	SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(h, CURLOPT_HEADERDATA, x);
	SETOPT(h, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(h, CURLOPT_WRITEDATA, x);
	SETOPT(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	SETOPT(h, CURLOPT_XFERINFODATA, x);
	SETOPT(h, CURLOPT_NOPROGRESS, 0L);
	return set_method(h, req);
}

/* Why a transfer failed, in memgit's words; *retry 0 when trying again
 * cannot help (the same request would fail the same way). */
static void describe(char *out, size_t cap, CURLcode c, const struct xfer *x,
	const char *errbuf, int *retry)
{
	unsigned low = x->req->low_speed_ms ? x->req->low_speed_ms : MG_HTTP_LOW_SPEED_MS;
	unsigned total = x->req->timeout_ms ? x->req->timeout_ms : MG_HTTP_TIMEOUT_MS;

	*retry = 0;
	if (x->cancelled)
		snprintf(out, cap, "cancelled");
	else if (x->too_large || c == CURLE_FILESIZE_EXCEEDED)
		snprintf(out, cap, "response larger than %zu bytes", x->max_bytes);
	else if (x->sse.too_large)
		snprintf(out, cap, "event larger than %zu bytes", x->sse.max_event);
	else if (x->redirect_refused)
		snprintf(out, cap, "redirect to another host refused");
	else if (c == CURLE_TOO_MANY_REDIRECTS)
		snprintf(out, cap, "too many redirects (more than %u)", x->req->max_redirects);
	else if (c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_SSL_CACERT_BADFILE ||
		 c == CURLE_SSL_CERTPROBLEM)
		snprintf(out, cap, "tls verification failed: %.160s", errbuf);
	else if (c == CURLE_URL_MALFORMAT || c == CURLE_UNSUPPORTED_PROTOCOL)
		snprintf(out, cap, "%s", mg_curl.easy_strerror(c));
	else {
		*retry = 1;
		if (x->stalled || (c == CURLE_OPERATION_TIMEDOUT && strstr(errbuf, "too slow")))
			snprintf(out, cap, "stalled: no data for %u ms", low);
		else if (c == CURLE_OPERATION_TIMEDOUT)
			snprintf(out, cap, "timed out after %u ms", total);
		else if (c == CURLE_PARTIAL_FILE || c == CURLE_RECV_ERROR || c == CURLE_GOT_NOTHING)
			snprintf(out, cap, "connection closed before the response was complete");
		else if (c == CURLE_COULDNT_CONNECT || c == CURLE_COULDNT_RESOLVE_HOST)
			snprintf(out, cap, "cannot connect: %s", mg_curl.easy_strerror(c));
		else
			snprintf(out, cap, "%s", mg_curl.easy_strerror(c));
	}
	for (char *p = out; *p; p++) /* one line, whatever curl said */
		if (!isprint((unsigned char)*p))
			*p = ' ';
}

/* A header value must never reach an error, whatever curl put in errbuf. */
static int leaks_header(const mg_http_request *req, const char *text)
{
	for (size_t i = 0; i < req->nheaders; i++) {
		const char *v = req->headers[i].value;
		if (v && strlen(v) >= 4 && strstr(text, v))
			return 1;
	}
	return 0;
}

static int fail(struct xfer *x, CURLcode c, const char *errbuf)
{
	mg_http_response *r = x->resp;
	char why[200], status[180] = "";
	int retry;

	if (x->oom)
		return mg_error_oom();
	describe(why, sizeof(why), c, x, errbuf, &retry);
	if (leaks_header(x->req, why))
		snprintf(why, sizeof(why), "%s", mg_curl.easy_strerror(c));
	if (x->cur_status)
		snprintf(status, sizeof(status), " (HTTP %ld%s%s)", x->cur_status,
			r->request_id[0] ? ", request id " : "", r->request_id);
	/* status 0: no complete response, whatever part of one arrived */
	r->status = 0;
	if (!retry)
		r->should_retry = 0;
	mg_error_set(MEMGIT_EREMOTE, "http request failed", x->host, "%s%s", why, status);
	snprintf(r->error, sizeof(r->error), "%s", memgit_error_last()->message);
	return MEMGIT_EREMOTE;
}

static void begin(mg_http_response *resp, const mg_http_request *req, struct xfer *x)
{
	memset(x, 0, sizeof(*x));
	x->req = req;
	x->resp = resp;
	x->max_bytes = req->max_response_bytes ? req->max_response_bytes : MG_HTTP_MAX_BYTES;
	x->last_progress = mg_monotonic_ms();
	mg_sse_init(&x->sse, 0, req->sse, req->sse_payload);
	mg_buf_clear(&resp->body);
	resp->status = 0;
	resp->error[0] = '\0';
	reset_headers(resp);
}

int mg_http_perform(mg_http_response *resp, const mg_http_request *req)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	struct xfer x;
	CURLcode c;
	int rc;

	begin(resp, req, &x);
	if ((rc = mg_http_global_init()) < 0) {
		/* no HTTP client in this process: trying again cannot help */
		resp->should_retry = 0;
		snprintf(resp->error, sizeof(resp->error), "%s", memgit_error_last()->message);
		goto done;
	}
	if (!req->url || url_origin(req->url, x.origin, sizeof(x.origin), x.host, sizeof(x.host)) < 0) {
		rc = mg_error_set(MEMGIT_EINPUT, "invalid url", NULL, "not an http(s) url");
		goto done;
	}
	if (!(x.h = mg_curl.easy_init()) || !(hdrs = build_headers(req)) ||
	    set_options(&x, hdrs, errbuf) < 0) {
		rc = x.h && !hdrs ? mg_error_oom() :
			mg_error_set(MEMGIT_EREMOTE, "http request failed", x.host, "cannot set up libcurl");
		goto done;
	}
	c = mg_curl.easy_perform(x.h);
	if (x.sse.cb_rc) { /* the caller stopped the stream: its code, its message */
		rc = x.sse.cb_rc;
		mg_curl.easy_getinfo(x.h, CURLINFO_RESPONSE_CODE, &resp->status);
		goto done;
	}
	if (c != CURLE_OK) {
		rc = fail(&x, c, errbuf);
		goto done;
	}
	mg_curl.easy_getinfo(x.h, CURLINFO_RESPONSE_CODE, &resp->status);
	/* an SSE body that ended inside an event: keep what was left over */
	rc = x.sse_on && x.sse.line.size ? mg_buf_put(&resp->body, x.sse.line.ptr, x.sse.line.size) : 0;
done:
	mg_sse_dispose(&x.sse);
	if (hdrs) /* and no libcurl call at all when it did not load */
		mg_curl.slist_free_all(hdrs);
	if (x.h)
		mg_curl.easy_cleanup(x.h);
	return rc;
}

/* Spend-limit and quota errors come back as 429 (OpenAI's
 * insufficient_quota) or 400/403 with billing wording: waiting will not
 * help, and retrying only repeats the bill-shaped failure. */
static int is_quota_error(const memgit_buf *body)
{
	static const char *const words[] = { "insufficient_quota", "spend limit",
		"spending limit", "billing" };
	const char *s = mg_buf_cstr(body);

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(s, words[i]))
			return 1;
	return 0;
}

static int status_retryable(long s)
{
	return s == 0 || s == 408 || s == 409 || s == 429 || s >= 500;
}

static int64_t backoff_ms(unsigned attempt)
{
	int64_t base = MG_HTTP_BACKOFF_BASE_MS;
	uint32_t r = 0;

	for (unsigned i = 1; i < attempt && base < MG_HTTP_BACKOFF_CAP_MS; i++)
		base *= 2;
	if (base > MG_HTTP_BACKOFF_CAP_MS)
		base = MG_HTTP_BACKOFF_CAP_MS;
	/* jitter in [-20%, +20%] keeps parallel jobs from retrying in step */
	if (mg_random(&r, sizeof(r)) < 0)
		r = (uint32_t)mg_monotonic_ms() * 2654435761u;
	return base - base / 5 + (int64_t)(r % (uint32_t)(2 * (base / 5) + 1));
}

int64_t mg_http_retry_delay(const mg_http_response *resp, unsigned attempt)
{
	if (resp->status >= 200 && resp->status < 400)
		return -1;
	if (resp->status != 0 && is_quota_error(&resp->body))
		return -1;
	if (resp->should_retry == 0)
		return -1;
	if (resp->should_retry != 1 && !status_retryable(resp->status))
		return -1;
	if (resp->retry_after_ms >= 0)
		return resp->retry_after_ms < MG_HTTP_RETRY_AFTER_CAP_MS ? resp->retry_after_ms :
									   MG_HTTP_RETRY_AFTER_CAP_MS;
	return backoff_ms(attempt ? attempt : 1);
}
