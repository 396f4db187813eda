/* gitutil.c: the one place libgit2 errors become memgit errors. */
#include "store_internal.h"
#include "util/error.h"

int mg_git_error(int git_rc, const char *what, const char *subject)
{
	const git_error *e = git_error_last();
	const char *why = e && e->message ? e->message : "libgit2 failed without a message";
	int code;

	switch (git_rc) {
	case GIT_ENOTFOUND:
		code = MEMGIT_ENOTFOUND;
		break;
	case GIT_ELOCKED:
	case GIT_EMODIFIED:
		code = MEMGIT_EBUSY;
		break;
	case GIT_EEXISTS:
		code = MEMGIT_EEXISTS;
		break;
	case GIT_EINVALIDSPEC:
		code = MEMGIT_EINPUT;
		break;
	default:
		code = MEMGIT_EIO;
		break;
	}
	return mg_error_set(code, what, subject, "%s", why);
}
