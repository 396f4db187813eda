/*
 * link_hook.c: an LD_PRELOAD shim for the CLI tests. The first link(2) whose
 * target ends in $MEMGIT_TEST_LINK_SUFFIX runs $MEMGIT_TEST_LINK_RUN with
 * system(3) before linking: it lets a test act at the exact moment memgit
 * takes the index lock (say, a `git add` from another process).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int link(const char *from, const char *to)
{
	static int done;
	int (*real)(const char *, const char *) = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "link");
	const char *suffix = getenv("MEMGIT_TEST_LINK_SUFFIX"), *run = getenv("MEMGIT_TEST_LINK_RUN");
	size_t n = strlen(to), k = suffix ? strlen(suffix) : 0;

	if (!done && suffix && run && n >= k && strcmp(to + n - k, suffix) == 0) {
		done = 1;
		if (system(run) != 0)
			_exit(99);
	}
	return real(from, to);
}
