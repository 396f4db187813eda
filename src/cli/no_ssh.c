/*
 * no_ssh.c: the memgit tool is built without libgit2's SSH transport.
 *
 * Linked statically, libgit2's SSH transport brings libssh2 and OpenSSL's
 * libcrypto into the executable: half of its size, twenty thousand
 * relocations and a CPU probe that every process paid at start-up (about
 * 0.2 ms of a 4 ms `memgit put`). The tool opens no git remote, so it
 * defines the three entry points libgit2's transport registry uses, and the
 * linker then leaves libgit2's ssh.c (and everything under it) out. A remote
 * over SSH fails with the error below. The shared library, libmemgit, links
 * libgit2 whole and keeps SSH; a command that needs git remotes (a future
 * `memgit sync`) must remove this file and link libssh2 again.
 */
#ifdef MEMGIT_STATIC_LIBGIT2

#include <git2.h>
#include <git2/sys/transport.h>

/* libgit2 1.5's internal prototypes (src/libgit2/transports/ssh.h) */
int git_transport_ssh_global_init(void);
int git_smart_subtransport_ssh(git_smart_subtransport **out, git_transport *owner, void *param);

static int no_ssh(void)
{
	git_error_set_str(GIT_ERROR_SSH, "SSH remotes are not built into the memgit tool");
	return -1;
}

int git_transport_ssh_global_init(void)
{
	return 0;
}

int git_smart_subtransport_ssh(git_smart_subtransport **out, git_transport *owner, void *param)
{
	(void)owner;
	(void)param;
	*out = NULL;
	return no_ssh();
}

int git_transport_ssh_with_paths(git_transport **out, git_remote *owner, void *payload)
{
	(void)owner;
	(void)payload;
	*out = NULL;
	return no_ssh();
}

#else
typedef int mg_no_ssh_unused; /* ISO C wants a translation unit to declare something */
#endif
