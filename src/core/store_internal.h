/*
 * store_internal.h: what the core modules share about an open store.
 * Only src/core includes <git2.h>.
 */
#ifndef MG_STORE_INTERNAL_H
#define MG_STORE_INTERNAL_H

#include <git2.h>
#include "memgit/store.h"
#include "util/secrets.h"

#define MG_MEMORIES_DIR "memories"
#define MG_CONFIG_FILE "memgit.yaml"

struct memgit_store {
	git_repository *repo;
	char *gitdir;     /* no trailing slash */
	char *workdir;    /* no trailing slash; NULL when bare */
	char *branch;     /* "main" */
	char *refname;    /* "refs/heads/main" */
	char *name;       /* from memgit.yaml */
	memgit_limits limits;
	mg_secret_allow *allow;
};

/*
 * Translate a libgit2 failure into a memgit error: sets the message from
 * git_error_last() (which may be NULL in 1.5.1) and maps the code.
 * Returns the memgit code.
 */
int mg_git_error(int git_rc, const char *what, const char *subject);

/* The tip commit of the memory branch (*out NULL when the branch is unborn). */
int mg_store_tip(git_commit **out, memgit_store *store);

/* Parse memgit.yaml text into the store's settings. */
int mg_config_load(memgit_store *store, const char *text, size_t len);

/* Signature for commits (git config user.*, else memgit), honouring MEMGIT_NOW. */
int mg_store_signature(git_signature **out, memgit_store *store);

#endif
