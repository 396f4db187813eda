/*
 * lazy_tls.c: defer libgit2's certificate loading in the memgit tool.
 *
 * Debian builds libgit2 with mbedTLS, and git_libgit2_init() then parses the
 * whole system CA bundle: about 4 ms in every process, more than half of a
 * `memgit put`. The tool makes no TLS connection through libgit2 (model APIs
 * go through libcurl), so it interposes the two mbedTLS functions that load
 * certificates: until cli_tls_enable() is called they load nothing; after,
 * they forward to the real functions (dlsym RTLD_NEXT). A command that talks
 * TLS through libgit2 must call cli_tls_enable() and then set the locations
 * again (GIT_OPT_SET_SSL_CERT_LOCATIONS). Forgetting it fails closed: with
 * no certificates libgit2 cannot verify any server.
 *
 * Only the executable interposes; the library never does, so programs that
 * embed libmemgit and use mbedTLS themselves are not affected.
 */
#include <dlfcn.h>
#include <stddef.h>

#include "cli.h"

typedef struct mbedtls_x509_crt mbedtls_x509_crt;
typedef int (*parse_fn)(mbedtls_x509_crt *chain, const char *path);

/* Exported from the executable (see CMakeLists.txt) so that libgit2 binds to them. */
int mbedtls_x509_crt_parse_file(mbedtls_x509_crt *chain, const char *path);
int mbedtls_x509_crt_parse_path(mbedtls_x509_crt *chain, const char *path);

static int tls_enabled;

void cli_tls_enable(void)
{
	tls_enabled = 1;
}

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
