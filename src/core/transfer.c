/*
 * transfer.c: importing other tools' memory files, exporting the memory.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/yaml.h"
#include "memgit/memory.h"
#include "memgit/read.h"
#include "memgit/transfer.h"
#include "store_internal.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/jsonw.h"
#include "util/path.h"
#include "util/strmap.h"

typedef struct {
	memgit_store *s;
	memgit_batch *batch;
	const memgit_import_options *opts;
	memgit_skip_cb skipped;
	void *payload;
	mg_strmap targets; /* memory path -> 1, to refuse two files landing on one */
	memgit_buf data;
	size_t files;
} mg_import;

static void skip(mg_import *im, const char *file, const char *why)
{
	if (im->skipped)
		im->skipped(file, why, im->payload);
}

static int import_file(mg_import *im, const char *file, const char *rel)
{
	memgit_buf target = MEMGIT_BUF_INIT;
	int rc;

	if (im->opts->prefix && *im->opts->prefix)
		rc = mg_buf_printf(&target, "%s/%s", im->opts->prefix, rel);
	else
		rc = mg_buf_puts(&target, rel);
	if (rc < 0)
		goto done;
	if (mg_strmap_get(&im->targets, target.ptr, NULL)) {
		rc = mg_error_set(MEMGIT_EEXISTS, "cannot import", file,
			"another file also becomes memories/%s", target.ptr);
		goto done;
	}
	if ((rc = mg_strmap_set(&im->targets, target.ptr, 1)) < 0 ||
	    (rc = mg_fs_read_file(&im->data, file, im->s->limits.memory_max_bytes)) < 0)
		goto done;
	if (im->opts->raw)
		rc = memgit_batch_put_raw(im->batch, target.ptr, im->data.ptr, im->data.size);
	else
		rc = memgit_batch_put(im->batch, target.ptr, im->data.ptr, im->data.size, NULL);
	if (rc < 0)
		mg_error_prefix_why("from '%s': ", file);
	im->files++;
done:
	memgit_buf_dispose(&target);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walk a folder in name order so that imports are reproducible. */
static int import_dir(mg_import *im, const char *dir, const char *rel)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rc = 0;

	if (!d)
		return mg_error_set(MEMGIT_EIO, "cannot read folder", dir, "%s", strerror(errno));
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*nn));
			if (!nn) {
				rc = mg_error_oom();
				goto done;
			}
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = mg_error_oom();
			goto done;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n && rc == 0; i++) {
		memgit_buf path = MEMGIT_BUF_INIT, sub = MEMGIT_BUF_INIT;
		int kind;
		if (mg_buf_printf(&path, "%s/%s", dir, names[i]) < 0 ||
		    mg_buf_printf(&sub, "%s%s%s", rel, *rel ? "/" : "", names[i]) < 0) {
			rc = MEMGIT_ENOMEM;
		} else if (names[i][0] == '.') {
			skip(im, path.ptr, "hidden");
		} else if ((kind = mg_fs_kind(path.ptr)) == 1) {
			rc = import_dir(im, path.ptr, sub.ptr);
		} else if (kind != 2) {
			skip(im, path.ptr, "not a regular file");
		} else if (!mg_path_has_memory_ext(names[i])) {
			skip(im, path.ptr, "not .md, .markdown, .yaml, .yml or .txt");
		} else {
			rc = import_file(im, path.ptr, sub.ptr);
		}
		memgit_buf_dispose(&path);
		memgit_buf_dispose(&sub);
	}
done:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

static int import_message(memgit_buf *msg, mg_import *im, const char *const *paths, size_t n)
{
	int rc = mg_buf_printf(msg, "import: %zu memor%s\n\n", im->files, im->files == 1 ? "y" : "ies");
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = mg_buf_printf(msg, "- from %s\n", paths[i]);
	return rc;
}

int memgit_import(memgit_commit_result *result, memgit_store *s, const char *const *paths,
	size_t npaths, const memgit_import_options *opts, memgit_skip_cb skipped, void *payload)
{
	memgit_import_options defaults = MEMGIT_IMPORT_OPTIONS_INIT;
	memgit_commit_options co = MEMGIT_COMMIT_OPTIONS_INIT;
	memgit_buf msg = MEMGIT_BUF_INIT;
	mg_import im;
	int rc;

	memset(&im, 0, sizeof(im));
	im.s = s;
	im.opts = opts ? opts : &defaults;
	im.skipped = skipped;
	im.payload = payload;
	if ((rc = memgit_batch_new(&im.batch, s)) < 0)
		return rc;
	for (size_t i = 0; i < npaths && rc == 0; i++) {
		int kind = mg_fs_kind(paths[i]);
		const char *base = strrchr(paths[i], '/');
		if (kind == 1)
			rc = import_dir(&im, paths[i], "");
		else if (kind == 2)
			rc = import_file(&im, paths[i], base ? base + 1 : paths[i]);
		else
			rc = mg_error_set(MEMGIT_ENOTFOUND, "cannot import", paths[i],
				kind ? "not a file or folder" : "no such file or folder");
	}
	if (rc == 0 && im.files == 0)
		rc = mg_error_set(MEMGIT_ENOTHING, "nothing to import", npaths ? paths[0] : "",
			"no .md, .markdown, .yaml, .yml or .txt files");
	if (rc == 0 && !im.opts->message)
		rc = import_message(&msg, &im, paths, npaths);
	if (rc == 0) {
		co.message = im.opts->message ? im.opts->message : msg.ptr;
		rc = memgit_batch_commit(result, im.batch, &co);
	}
	memgit_batch_free(im.batch);
	mg_strmap_dispose(&im.targets);
	memgit_buf_dispose(&im.data);
	memgit_buf_dispose(&msg);
	return rc;
}

/* ---- export ------------------------------------------------------------- */

typedef struct {
	memgit_store *s;
	const char *dir;
	memgit_buf path, data;
	mg_jsonw *json;
	size_t count;
	int rc;
} mg_export;

static int export_file_cb(const memgit_entry_info *e, void *payload)
{
	mg_export *x = payload;

	mg_buf_clear(&x->path);
	if ((x->rc = memgit_store_read(&x->data, x->s, e->path)) < 0 ||
	    (x->rc = mg_buf_printf(&x->path, "%s/%s", x->dir, e->path)) < 0 ||
	    (x->rc = mg_fs_mkdir_parents(x->path.ptr)) < 0 ||
	    (x->rc = mg_fs_write_atomic(x->path.ptr, x->data.ptr, x->data.size)) < 0)
		return 1;
	x->count++;
	return 0;
}

int memgit_export_dir(memgit_store *s, const char *dir, size_t *count)
{
	mg_export x;
	DIR *d;
	int rc, nonempty = 0;

	memset(&x, 0, sizeof(x));
	if ((d = opendir(dir))) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				nonempty = 1;
		closedir(d);
		if (nonempty)
			return mg_error_set(MEMGIT_EEXISTS, "cannot export", dir, "folder is not empty");
	} else if (mg_fs_kind(dir) != 0) {
		return mg_error_set(MEMGIT_EEXISTS, "cannot export", dir, "exists and is not a folder");
	}
	if ((rc = mg_fs_mkdir_p(dir)) < 0)
		return rc;
	x.s = s;
	x.dir = dir;
	rc = memgit_store_foreach_ext(s, NULL, 0, export_file_cb, &x);
	if (x.rc < 0)
		rc = x.rc;
	if (count)
		*count = x.count;
	memgit_buf_dispose(&x.path);
	memgit_buf_dispose(&x.data);
	return rc;
}

/* A plain YAML scalar that is JSON-compatible as it stands (numbers). */
static int json_number(const char *v)
{
	char *end;
	if (!*v || strchr(v, 'x') || strchr(v, 'X') || (v[0] == '0' && v[1] && v[1] != '.'))
		return 0;
	strtod(v, &end);
	return *end == '\0' && strspn(v, "-0123456789.eE+") == strlen(v) && v[0] != '+' && v[0] != '.';
}

static void yaml_to_json(mg_jsonw *w, const mg_yaml_node *n)
{
	int b;
	switch (n->kind) {
	case MG_YAML_SCALAR:
		if (n->plain && (!strcmp(n->value, "") || !strcmp(n->value, "~") || !strcasecmp(n->value, "null")))
			mg_jsonw_null(w);
		else if (n->plain && (b = mg_yaml_bool(n)) >= 0)
			mg_jsonw_bool(w, b);
		else if (n->plain && json_number(n->value))
			mg_jsonw_raw(w, n->value);
		else
			mg_jsonw_string_len(w, n->value, n->value_len);
		break;
	case MG_YAML_SEQUENCE:
		mg_jsonw_array_open(w);
		for (size_t i = 0; i < n->nitems; i++)
			yaml_to_json(w, n->items[i]);
		mg_jsonw_array_close(w);
		break;
	case MG_YAML_MAPPING:
		mg_jsonw_object_open(w);
		for (size_t i = 0; i + 1 < n->nitems; i += 2) {
			mg_jsonw_key(w, n->items[i]->value);
			yaml_to_json(w, n->items[i + 1]);
		}
		mg_jsonw_object_close(w);
		break;
	}
}

/* The front matter of a markdown memory as a JSON object (or null). */
static int front_matter_json(mg_jsonw *w, const char *path, const char *data, size_t len,
	size_t body_len, const memgit_limits *lim)
{
	mg_yaml_limits yl = { lim->memory_max_bytes, lim->yaml_max_depth };
	size_t head = len - body_len, start, end;
	mg_yaml_node *root = NULL;
	int rc;

	if (head < 4) {
		mg_jsonw_null(w);
		return 0;
	}
	start = (size_t)((const char *)memchr(data, '\n', head) - data) + 1;
	end = head;
	while (end > start && data[end - 1] == '\n')
		end--; /* step back over the closing delimiter line */
	while (end > start && data[end - 1] != '\n')
		end--;
	if ((rc = mg_yaml_parse(&root, data + start, end - start, &yl, path, 1)) < 0)
		return rc;
	if (root)
		yaml_to_json(w, root);
	else
		mg_jsonw_object_open(w), mg_jsonw_object_close(w);
	mg_yaml_free(root);
	return 0;
}

/* One memory as a JSON object: path, blob (if known), content, and for
 * markdown the front matter (typed, nested; null when there is none) and body. */
static int memory_json(mg_jsonw *w, const char *path, const char *blob, const char *data,
	size_t len, const memgit_limits *lim)
{
	memgit_memory *m = NULL;
	const char *body;
	size_t blen;
	int rc;

	if ((rc = memgit_memory_parse(&m, path, data, len, lim)) < 0)
		return rc;
	mg_jsonw_object_open(w);
	mg_jsonw_key(w, "path");
	mg_jsonw_string(w, path);
	if (blob) {
		mg_jsonw_key(w, "blob");
		mg_jsonw_string(w, blob);
	}
	mg_jsonw_key(w, "content");
	mg_jsonw_string_len(w, data, len);
	if (memgit_memory_type_of(m) == MEMGIT_MEMORY_MARKDOWN) {
		body = memgit_memory_body(m, &blen);
		mg_jsonw_key(w, "front_matter");
		if (memgit_memory_has_front_matter(m))
			rc = front_matter_json(w, path, data, len, blen, lim);
		else
			mg_jsonw_null(w);
		mg_jsonw_key(w, "body");
		mg_jsonw_string_len(w, body, blen);
	}
	mg_jsonw_object_close(w);
	memgit_memory_free(m);
	return rc;
}

int memgit_memory_json(memgit_buf *out, const char *path, const char *data, size_t len,
	const memgit_limits *limits)
{
	memgit_limits defaults = MEMGIT_LIMITS_INIT;
	mg_jsonw w;
	int rc;

	mg_jsonw_init(&w, out, 1);
	if ((rc = memory_json(&w, path, NULL, data, len, limits ? limits : &defaults)) < 0)
		return rc;
	return mg_jsonw_finish(&w);
}

static int export_json_cb(const memgit_entry_info *e, void *payload)
{
	mg_export *x = payload;

	if ((x->rc = memgit_store_read(&x->data, x->s, e->path)) < 0 ||
	    (x->rc = memory_json(x->json, e->path, e->blob, x->data.ptr, x->data.size, &x->s->limits)) < 0)
		return 1;
	x->count++;
	return 0;
}

int memgit_export_json(memgit_buf *out, memgit_store *s)
{
	char head[41] = "";
	mg_jsonw w;
	mg_export x;
	int rc;

	memset(&x, 0, sizeof(x));
	x.s = s;
	x.json = &w;
	mg_buf_clear(out);
	mg_jsonw_init(&w, out, 1);
	memgit_store_head(head, s);
	memgit_error_clear();
	mg_jsonw_object_open(&w);
	mg_jsonw_key(&w, "store");
	mg_jsonw_string(&w, s->name ? s->name : "");
	mg_jsonw_key(&w, "branch");
	mg_jsonw_string(&w, s->branch);
	mg_jsonw_key(&w, "commit");
	mg_jsonw_string(&w, head);
	mg_jsonw_key(&w, "memories");
	mg_jsonw_array_open(&w);
	rc = memgit_store_foreach_ext(s, NULL, 0, export_json_cb, &x);
	if (x.rc < 0)
		rc = x.rc;
	mg_jsonw_array_close(&w);
	mg_jsonw_object_close(&w);
	if (rc >= 0)
		rc = mg_jsonw_finish(&w);
	memgit_buf_dispose(&x.path);
	memgit_buf_dispose(&x.data);
	return rc;
}
