/*
 * test_lazy_gss.c: the tool's GSS-API forwarders (src/cli/lazy_gss.c) load
 * the real Kerberos library and pass each call through: a
 * mechanism list comes back, a host-based service name (with the OID the
 * forwarders define themselves) is accepted, and a status is displayed.
 * The file is compiled here as the static tool compiles it.
 */
#define MEMGIT_STATIC_LIBGIT2 1
#include "../../src/cli/lazy_gss.c"

#include <stdlib.h>
#include <string.h>

#include "helpers.h"

typedef struct {
	size_t length;
	void *value;
} gss_buffer;

typedef struct {
	size_t count;
	mg_gss_oid_desc *elements;
} gss_oid_set;

static void test_forwards_to_the_real_library(void **state)
{
	OM_uint32 minor = 7, ctx = 0;
	gss_oid_set *mechs = NULL;
	void *name = NULL;
	gss_buffer service = { 14, "HTTP@localhost" }, text = { 0, NULL };
	(void)state;

	/* (whether the library is mapped before the first call depends on how
	 * this test is linked; test_startup.sh checks that the tool does not) */
	assert_int_equal(gss_indicate_mechs(&minor, (void **)&mechs), 0);
	assert_non_null(dlopen(MG_GSS_LIBRARY, RTLD_NOW | RTLD_NOLOAD));
	assert_non_null(mechs);
	assert_true(mechs->count >= 1);
	assert_int_equal(gss_release_oid_set(&minor, (void **)&mechs), 0);
	assert_null(mechs);
	assert_int_equal(gss_import_name(&minor, &service, GSS_C_NT_HOSTBASED_SERVICE, &name), 0);
	assert_non_null(name);
	assert_int_equal(gss_release_name(&minor, &name), 0);
	/* GSS_S_BAD_NAME (2 << 16), as a major status */
	assert_int_equal(gss_display_status(&minor, 2u << 16, 1, NULL, &ctx, &text), 0);
	assert_non_null(text.value);
	assert_true(text.length > 0);
	assert_int_equal(gss_release_buffer(&minor, &text), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forwards_to_the_real_library),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
