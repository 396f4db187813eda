/*
 * store.c: library start-up, and opening and creating stores.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2/sys/repository.h>

#include "memgit/errors.h"
#include "store_internal.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/templates.h"
#include "write_internal.h"

static int mg_init_count;

int memgit_init(void)
{
	int rc = git_libgit2_init();
	if (rc < 0)
		return mg_git_error(rc, "cannot initialise libgit2", NULL);
	/* libgit2 caches no tree over 4 KiB; the memories/ tree of a store with
	 * a thousand memories is ~40 KiB and a write looks it up ten times */
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)(4u << 20));
	/* like git, trust objects read back from the object database instead
	 * of re-hashing each one (a third of a write's hashing); `git fsck`
	 * is the integrity check, and every object memgit writes is hashed */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	/* memgit builds trees only from objects it has just written or read,
	 * so libgit2's per-entry existence check (a header read for each of
	 * ten thousand entries of an import) proves nothing new */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
	return ++mg_init_count;
}

int memgit_shutdown(void)
{
	if (mg_init_count == 0)
		return 0;
	git_libgit2_shutdown();
	return --mg_init_count;
}

const char *memgit_version(void)
{
	return MEMGIT_VERSION;
}

static char *strip_slash(const char *s)
{
	char *d = strdup(s);
	size_t n;
	if (!d)
		return NULL;
	n = strlen(d);
	while (n > 1 && d[n - 1] == '/')
		d[--n] = '\0';
	return d;
}

void memgit_store_free(memgit_store *store)
{
	if (!store)
		return;
	git_repository_free(store->repo);
	mg_secret_allow_free(store->allow);
	free(store->gitdir);
	free(store->workdir);
	free(store->branch);
	free(store->refname);
	free(store->name);
	free(store);
}

/* Wrap an open repository: paths, branch name, default limits. */
static int store_wrap(memgit_store **out, git_repository *repo)
{
	memgit_store *s = calloc(1, sizeof(*s));
	memgit_limits defaults = MEMGIT_LIMITS_INIT;
	git_config *cfg = NULL;
	git_buf branch = GIT_BUF_INIT;
	memgit_buf ref = MEMGIT_BUF_INIT;
	int rc = 0;

	if (!s) {
		git_repository_free(repo);
		return mg_error_oom();
	}
	s->repo = repo;
	s->limits = defaults;
	s->gitdir = strip_slash(git_repository_path(repo));
	if (git_repository_workdir(repo))
		s->workdir = strip_slash(git_repository_workdir(repo));
	/* the repository reads its configuration through this snapshot from
	 * now on: a live configuration stats every config file (three) before
	 * each lookup, and libgit2 looks up a dozen settings in one write */
	if (git_repository_config_snapshot(&cfg, repo) == 0) {
		git_repository_set_config(repo, cfg);
		if (git_config_get_string_buf(&branch, cfg, "memgit.branch") == 0)
			s->branch = strdup(branch.ptr);
	}
	if (!s->branch)
		s->branch = strdup("main");
	if (!s->gitdir || (git_repository_workdir(repo) && !s->workdir) || !s->branch ||
	    mg_buf_printf(&ref, "refs/heads/%s", s->branch) < 0) {
		rc = mg_error_oom();
		goto done;
	}
	s->refname = mg_buf_detach(&ref);
done:
	git_buf_dispose(&branch);
	git_config_free(cfg);
	if (rc < 0)
		memgit_store_free(s);
	else
		*out = s;
	return rc;
}

int mg_store_tip(git_commit **out, memgit_store *store)
{
	git_oid id;
	int rc = git_reference_name_to_id(&id, store->repo, store->refname);

	*out = NULL;
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return mg_git_error(rc, "cannot read branch", store->branch);
	if ((rc = git_commit_lookup(out, store->repo, &id)) < 0)
		return mg_git_error(rc, "cannot read commit", store->branch);
	return 0;
}

/* Read memgit.yaml from the tip; MEMGIT_ENOTSTORE when there is none. */
static int store_load_config(memgit_store *store, const char *where)
{
	git_commit *tip = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	int rc;

	if ((rc = mg_store_tip(&tip, store)) < 0)
		goto done;
	if (!tip || git_commit_tree(&tree, tip) < 0 ||
	    git_tree_entry_bypath(&entry, tree, MG_CONFIG_FILE) < 0 ||
	    git_blob_lookup(&blob, store->repo, git_tree_entry_id(entry)) < 0) {
		rc = mg_error_set(MEMGIT_ENOTSTORE, "not a memgit store", where,
			"branch '%s' has no %s (run 'memgit init')", store->branch, MG_CONFIG_FILE);
		goto done;
	}
	rc = mg_config_load(store, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
done:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(tip);
	return rc;
}

static int store_open(memgit_store **out, const char *path, unsigned flags)
{
	git_repository *repo = NULL;
	memgit_store *s = NULL;
	int rc = git_repository_open_ext(&repo, path, flags, NULL);

	*out = NULL;
	if (rc == GIT_ENOTFOUND)
		return mg_error_set(MEMGIT_ENOTFOUND, "not a memgit store", path,
			"no git repository here%s", flags ? "" : " or in any parent");
	if (rc < 0)
		return mg_git_error(rc, "cannot open store", path);
	if ((rc = store_wrap(&s, repo)) < 0)
		return rc;
	if ((rc = store_load_config(s, path)) < 0) {
		memgit_store_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int memgit_store_open(memgit_store **out, const char *path)
{
	return store_open(out, path, GIT_REPOSITORY_OPEN_NO_SEARCH);
}

int memgit_store_discover(memgit_store **out, const char *start)
{
	return store_open(out, start, 0);
}

const char *memgit_store_gitdir(const memgit_store *store) { return store->gitdir; }
const char *memgit_store_workdir(const memgit_store *store) { return store->workdir; }
const char *memgit_store_branch(const memgit_store *store) { return store->branch; }
const memgit_limits *memgit_store_limits(const memgit_store *store) { return &store->limits; }

int memgit_store_head(char out[41], memgit_store *store)
{
	git_oid id;
	int rc = git_reference_name_to_id(&id, store->repo, store->refname);
	if (rc < 0)
		return mg_git_error(rc, "cannot read branch", store->branch);
	git_oid_tostr(out, 41, &id);
	return 0;
}

int mg_store_signature(git_signature **out, memgit_store *store)
{
	const char *name = getenv("GIT_AUTHOR_NAME"), *email = getenv("GIT_AUTHOR_EMAIL");
	git_signature *def = NULL;
	int rc;

	if ((!name || !email) && git_signature_default(&def, store->repo) == 0) {
		name = name ? name : def->name;
		email = email ? email : def->email;
	}
	rc = git_signature_new(out, name ? name : "memgit", email ? email : "memgit@localhost",
		(git_time_t)mg_now(), 0);
	git_signature_free(def);
	return rc < 0 ? mg_git_error(rc, "cannot make commit signature", NULL) : 0;
}

/* ---- memgit init ------------------------------------------------------- */

/* The scaffold: every templates/store/ file, @NAME@ filled in. */
static int scaffold_updates(memgit_store *s, const char *name, git_tree_update *ups,
	size_t *nups, size_t cap)
{
	size_t prefix = strlen("store/");
	int rc = 0;

	*nups = 0;
	for (const mg_template *t = mg_templates; t->path; t++) {
		memgit_buf content = MEMGIT_BUF_INIT;
		const char *at;
		if (strncmp(t->path, "store/", prefix) != 0 || *nups == cap)
			continue;
		at = strstr(t->data, "@NAME@");
		if (at) {
			rc = mg_buf_put(&content, t->data, (size_t)(at - t->data));
			rc = rc ? rc : mg_buf_puts(&content, name);
			rc = rc ? rc : mg_buf_puts(&content, at + 6);
		} else {
			rc = mg_buf_put(&content, t->data, t->size);
		}
		if (rc == 0 && (rc = git_blob_create_from_buffer(&ups[*nups].id, s->repo,
				content.ptr, content.size)) < 0)
			rc = mg_git_error(rc, "cannot write object", t->path);
		memgit_buf_dispose(&content);
		if (rc < 0)
			return rc;
		ups[*nups].action = GIT_TREE_UPDATE_UPSERT;
		ups[*nups].filemode = GIT_FILEMODE_BLOB;
		ups[*nups].path = t->path + prefix;
		(*nups)++;
	}
	return 0;
}

/* A store name: safe for a double-quoted YAML scalar. */
static char *store_name(const char *path, const char *given)
{
	char *abs = realpath(path, NULL), *base, *name;
	base = given ? (char *)given : abs ? strrchr(abs, '/') + 1 : (char *)"memory";
	name = strdup(*base ? base : "memory");
	for (char *p = name; p && *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			*p = '-';
	free(abs);
	return name;
}

static int init_commit(memgit_store *s, const char *name)
{
	git_tree_update ups[16];
	git_commit *tip = NULL;
	git_tree *base = NULL;
	git_oid tree_id;
	size_t n;
	int rc;

	if ((rc = mg_store_tip(&tip, s)) < 0)
		goto done;
	if (tip && (rc = git_commit_tree(&base, tip)) < 0) {
		rc = mg_git_error(rc, "cannot read tree", s->branch);
		goto done;
	}
	if ((rc = scaffold_updates(s, name, ups, &n, 16)) < 0)
		goto done;
	if ((rc = git_tree_create_updated(&tree_id, s->repo, base, n, ups)) < 0) {
		rc = mg_git_error(rc, "cannot write tree", NULL);
		goto done;
	}
	rc = mg_commit_and_publish(NULL, s, tip, &tree_id, "memgit: initialise store\n");
done:
	git_tree_free(base);
	git_commit_free(tip);
	return rc;
}

int memgit_store_init(memgit_store **out, const char *path, const memgit_init_options *opts)
{
	memgit_init_options defaults = MEMGIT_INIT_OPTIONS_INIT;
	git_repository_init_options io = GIT_REPOSITORY_INIT_OPTIONS_INIT;
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	memgit_store *s = NULL;
	char *name = NULL;
	int rc;

	*out = NULL;
	opts = opts ? opts : &defaults;
	if ((rc = mg_fs_mkdir_p(path)) < 0)
		return rc;
	if (git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		io.flags = GIT_REPOSITORY_INIT_MKPATH | (opts->bare ? GIT_REPOSITORY_INIT_BARE : 0);
		io.initial_head = opts->branch ? opts->branch : "main";
		if ((rc = git_repository_init_ext(&repo, path, &io)) < 0)
			return mg_git_error(rc, "cannot create store", path);
	}
	if (opts->branch && strcmp(opts->branch, "main") != 0) {
		if ((rc = git_repository_config(&cfg, repo)) < 0 ||
		    (rc = git_config_set_string(cfg, "memgit.branch", opts->branch)) < 0) {
			git_repository_free(repo);
			rc = mg_git_error(rc, "cannot configure store", path);
			goto done;
		}
	}
	if ((rc = store_wrap(&s, repo)) < 0)
		goto done;
	if (store_load_config(s, path) == 0) {
		rc = mg_error_set(MEMGIT_EEXISTS, "cannot create store", path,
			"already a memgit store");
		goto done;
	}
	memgit_error_clear();
	if (!(name = store_name(path, opts->name))) {
		rc = mg_error_oom();
		goto done;
	}
	if ((rc = init_commit(s, name)) < 0 || (rc = store_load_config(s, path)) < 0)
		goto done;
	*out = s;
	s = NULL;
done:
	free(name);
	git_config_free(cfg);
	memgit_store_free(s);
	return rc;
}
