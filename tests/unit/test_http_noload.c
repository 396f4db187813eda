/*
 * test_http_noload.c: the HTTP client when libcurl cannot be loaded
 * (MEMGIT_LIBCURL names a missing file, a file that is not a library, or
 * a library without curl in it). libcurl is loaded once per process under
 * pthread_once, so each case runs in a child of its own and reports back
 * through a pipe; the checks run here, in the parent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "llm/http.h"
#include "memgit/errors.h"

typedef struct {
	int init_rc, again_rc, perform_rc, null_url_rc;
	long status;
	int should_retry;
	int64_t delay;
	char message[512];       /* after the first mg_http_global_init */
	char again_message[512]; /* after the second */
	char perform_message[512];
	char error[256];         /* the response's */
} outcome;

static void child(const char *lib, int fd)
{
	mg_http_request req = MG_HTTP_REQUEST_INIT;
	mg_http_response resp;
	outcome o;

	memset(&o, 0, sizeof(o));
	setenv("MEMGIT_LIBCURL", lib, 1);
	o.init_rc = mg_http_global_init();
	snprintf(o.message, sizeof(o.message), "%s", memgit_error_last()->message);
	memgit_error_clear();
	o.again_rc = mg_http_global_init();
	snprintf(o.again_message, sizeof(o.again_message), "%s", memgit_error_last()->message);

	/* port 1: were a request made after all, it would fail differently */
	req.url = "http://127.0.0.1:1/v1/messages";
	req.body = "{}";
	req.body_len = 2;
	mg_http_response_init(&resp);
	o.perform_rc = mg_http_perform(&resp, &req);
	snprintf(o.perform_message, sizeof(o.perform_message), "%s", memgit_error_last()->message);
	o.status = resp.status;
	o.should_retry = resp.should_retry;
	o.delay = mg_http_retry_delay(&resp, 1);
	snprintf(o.error, sizeof(o.error), "%s", resp.error);
	req.url = NULL;
	o.null_url_rc = mg_http_perform(&resp, &req);
	mg_http_response_dispose(&resp);
	_exit(write(fd, &o, sizeof(o)) == (ssize_t)sizeof(o) ? 0 : 1);
}

static void run_case(const char *lib, outcome *o)
{
	int fds[2], status = 0;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		close(fds[0]);
		child(lib, fds[1]);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], o, sizeof(*o)), (ssize_t)sizeof(*o));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Every entry point fails the same clean way, naming the library. */
static void expect_no_curl(const outcome *o, const char *lib, const char *why)
{
	char prefix[600];

	snprintf(prefix, sizeof(prefix), "cannot load libcurl '%s': ", lib);
	assert_int_equal(o->init_rc, MEMGIT_EREMOTE);
	assert_int_equal(strncmp(o->message, prefix, strlen(prefix)), 0);
	assert_non_null(strstr(o->message, why));
	assert_null(strchr(o->message, '\n'));
	assert_int_equal(o->again_rc, MEMGIT_EREMOTE);
	assert_string_equal(o->again_message, o->message);
	assert_int_equal(o->perform_rc, MEMGIT_EREMOTE);
	assert_string_equal(o->perform_message, o->message);
	assert_string_equal(o->error, o->message);
	assert_int_equal(o->status, 0);
	assert_int_equal(o->should_retry, 0);
	assert_int_equal(o->delay, -1); /* retrying cannot load it either */
	assert_int_equal(o->null_url_rc, MEMGIT_EREMOTE);
}

static void test_missing_file(void **state)
{
	outcome o;
	(void)state;

	run_case("/nonexistent/libcurl.so.4", &o);
	expect_no_curl(&o, "/nonexistent/libcurl.so.4", "No such file or directory");
}

static void test_not_a_library(void **state)
{
	char path[600];
	outcome o;
	(void)state;

	snprintf(path, sizeof(path), "%s/libcurl.so.4", t_tmpdir(0));
	t_write_file(path, "not an ELF file\n", 16);
	run_case(path, &o);
	expect_no_curl(&o, path, path);
}

/* A real library without curl in it: the first missing symbol is named. */
static void test_library_without_curl(void **state)
{
	outcome o;
	(void)state;

	run_case("libc.so.6", &o);
	expect_no_curl(&o, "libc.so.6", "undefined symbol: curl_global_init");
}

/* The variable unset or empty: the system's libcurl, found as usual. */
static void test_default_loads(void **state)
{
	outcome o;
	(void)state;

	run_case("", &o);
	assert_int_equal(o.init_rc, 0);
	assert_int_equal(o.again_rc, 0);
	/* a real attempt this time: nothing listens on port 1 */
	assert_int_equal(o.perform_rc, MEMGIT_EREMOTE);
	assert_non_null(strstr(o.error, "cannot connect"));
	assert_int_equal(o.null_url_rc, MEMGIT_EINPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_not_a_library),
		cmocka_unit_test(test_library_without_curl),
		cmocka_unit_test(test_default_loads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
