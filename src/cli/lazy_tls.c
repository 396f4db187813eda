/*
 * lazy_tls.c: defer libgit2's certificate loading in the memgit tool.
 *
 * Debian builds libgit2 with mbedTLS, and git_libgit2_init() then parses the
 * whole system CA bundle: about 4 ms in every process, more than half of a
 * `memgit put`. The tool makes no TLS connection through libgit2 (model APIs
 * go through libcurl), so it interposes the two mbedTLS functions that load
 * certificates: until cli_tls_start() is called they load nothing; after,
 * they forward to the real functions (dlsym RTLD_NEXT). A command that talks
 * TLS through libgit2 must call cli_tls_start() and then set the locations
 * again (GIT_OPT_SET_SSL_CERT_LOCATIONS). Forgetting it fails closed: with
 * no certificates libgit2 cannot verify any server.
 *
 * Only the executable does this; the library never does, so programs that
 * embed libmemgit and use mbedTLS themselves are not affected. The tool links
 * libgit2 statically when Debian's libgit2.a is there (MEMGIT_STATIC_TOOL:
 * mapping libgit2's twenty shared dependencies costs another ~1 ms).
 */
#include <dlfcn.h>
#include <stddef.h>

#include "cli.h"

typedef struct mbedtls_x509_crt mbedtls_x509_crt;
typedef int (*parse_fn)(mbedtls_x509_crt *chain, const char *path);

static int tls_enabled;

#ifdef MEMGIT_STATIC_LIBGIT2
/*
 * libgit2 is linked into the tool, so ld --wrap can defer its TLS start-up
 * at its entry point: mbedTLS's entropy gathering and CA bundle, ~2.5M
 * instructions, were a fifth of a `memgit put`. cli_tls_start() runs it for
 * real. If a libgit2 version renames it, --wrap finds nothing and it simply
 * runs at start-up again. (SSH is not linked at all: see no_ssh.c.)
 */
int __real_git_mbedtls_stream_global_init(void);
int __wrap_git_mbedtls_stream_global_init(void);

static int tls_deferred;

int __wrap_git_mbedtls_stream_global_init(void)
{
	if (tls_enabled)
		return __real_git_mbedtls_stream_global_init();
	tls_deferred = 1;
	return 0;
}

int cli_tls_start(void)
{
	int rc = 0;
	tls_enabled = 1;
	if (tls_deferred && (rc = __real_git_mbedtls_stream_global_init()) == 0)
		tls_deferred = 0;
	return rc;
}
#else
/* libgit2 is a shared library: these definitions, exported from the
 * executable (see CMakeLists.txt), come first in symbol lookup, and the
 * real functions are found after them with RTLD_NEXT. */
int mbedtls_x509_crt_parse_file(mbedtls_x509_crt *chain, const char *path);
int mbedtls_x509_crt_parse_path(mbedtls_x509_crt *chain, const char *path);

static int forward(const char *name, mbedtls_x509_crt *chain, const char *path)
{
	parse_fn real = (parse_fn)dlsym(RTLD_NEXT, name);
	/* -1 is what mbedTLS returns for "cannot read": libgit2 then reports it */
	return real ? real(chain, path) : -1;
}

int mbedtls_x509_crt_parse_file(mbedtls_x509_crt *chain, const char *path)
{
	return tls_enabled ? forward("mbedtls_x509_crt_parse_file", chain, path) : 0;
}

int mbedtls_x509_crt_parse_path(mbedtls_x509_crt *chain, const char *path)
{
	return tls_enabled ? forward("mbedtls_x509_crt_parse_path", chain, path) : 0;
}

int cli_tls_start(void)
{
	tls_enabled = 1;
	return 0;
}
#endif
