/*
 * lazy_gss.c: load the Kerberos GSS-API library only if libgit2 asks for it.
 *
 * Debian's libgit2.a calls GSS-API for "Negotiate" authentication on git's
 * HTTP transport, so linking it statically pulled libgssapi_krb5 and six
 * libraries under it into every memgit process: mapping and relocating them
 * was about a third of the tool's start-up, paid by every `memgit put`. The
 * tool never opens a git remote, but rather than stub the calls out, the
 * tool defines the nine symbols libgit2 uses and forwards each to the real
 * library, loaded with dlopen on the first call. If it cannot be loaded the
 * call fails with GSS_S_FAILURE, which libgit2 reports as an authentication
 * failure.
 *
 * Prototypes are those of RFC 2744 with opaque types as void pointers (the
 * headers come with libkrb5-dev, which memgit does not otherwise need).
 */
#ifdef MEMGIT_STATIC_LIBGIT2

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>

#define MG_GSS_LIBRARY "libgssapi_krb5.so.2"
#define MG_GSS_S_FAILURE (13u << 16)

typedef uint32_t OM_uint32;

typedef struct {
	OM_uint32 length;
	void *elements;
} mg_gss_oid_desc;

/* 1.2.840.113554.1.2.1.4, RFC 2744 section 4: GSS_C_NT_HOSTBASED_SERVICE.
 * A data symbol cannot be forwarded; mechanisms compare name types by value. */
static mg_gss_oid_desc hostbased_service = { 10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04" };
void *GSS_C_NT_HOSTBASED_SERVICE = &hostbased_service;

static void *gss_library;
static pthread_once_t gss_once = PTHREAD_ONCE_INIT;

static void gss_load(void)
{
	gss_library = dlopen(MG_GSS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
}

static void *gss_symbol(const char *name)
{
	pthread_once(&gss_once, gss_load);
	return gss_library ? dlsym(gss_library, name) : NULL;
}

/* Each wrapper looks its target up on every call: the calls happen once per
 * HTTP authentication round, and a cached pointer would need its own once. */
#define MG_GSS_FORWARD(name, params, args)                                     \
	OM_uint32 name params;                                                 \
	OM_uint32 name params                                                  \
	{                                                                      \
		OM_uint32(*real) params = (OM_uint32(*) params)gss_symbol(#name); \
		if (!real) {                                                   \
			if (minor)                                             \
				*minor = 0;                                    \
			return MG_GSS_S_FAILURE;                               \
		}                                                              \
		return real args;                                              \
	}

MG_GSS_FORWARD(gss_delete_sec_context, (OM_uint32 * minor, void **context, void *output_token),
	(minor, context, output_token))
MG_GSS_FORWARD(gss_display_status,
	(OM_uint32 * minor, OM_uint32 status, int status_type, void *mech, OM_uint32 *message_context,
		void *status_string),
	(minor, status, status_type, mech, message_context, status_string))
MG_GSS_FORWARD(gss_import_name, (OM_uint32 * minor, void *name_buffer, void *name_type, void **name),
	(minor, name_buffer, name_type, name))
MG_GSS_FORWARD(gss_indicate_mechs, (OM_uint32 * minor, void **mech_set), (minor, mech_set))
MG_GSS_FORWARD(gss_init_sec_context,
	(OM_uint32 * minor, void *credential, void **context, void *target, void *mech, OM_uint32 req_flags,
		OM_uint32 time_req, void *bindings, void *input_token, void **actual_mech, void *output_token,
		OM_uint32 *ret_flags, OM_uint32 *time_rec),
	(minor, credential, context, target, mech, req_flags, time_req, bindings, input_token, actual_mech,
		output_token, ret_flags, time_rec))
MG_GSS_FORWARD(gss_release_buffer, (OM_uint32 * minor, void *buffer), (minor, buffer))
MG_GSS_FORWARD(gss_release_name, (OM_uint32 * minor, void **name), (minor, name))
MG_GSS_FORWARD(gss_release_oid_set, (OM_uint32 * minor, void **set), (minor, set))

#else
typedef int mg_lazy_gss_unused; /* ISO C wants a translation unit to declare something */
#endif
