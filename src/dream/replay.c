/*
 * replay.c: the replay dreamer. It proposes exactly the edits recorded in a
 * JSON file, which makes every path of the engine reachable from a test
 * (each validation refusal, the interrupted dream) and makes a dream
 * reproducible without a model:
 *
 *   {"edits": [{"kind": "create", "path": "notes/x.md", "content": "...",
 *               "rationale": "...", "evidence": ["cc-1a2b3c4d#3-5"]},
 *              {"kind": "merge", "path": "a.md", "merged": ["b.md"], ...},
 *              {"kind": "move", "path": "a.md", "to": "b.md", ...}]}
 *
 * The file is checked only for what an edit cannot be built without (an
 * object with a known kind and a path); everything else is the engine's to
 * judge, so that a bad edit shows up as a refusal with its reason.
 */
#include <stdio.h>
#include <string.h>

#include "dreamer.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#define MG_REPLAY_MAX_BYTES (64u * 1024u * 1024u)

static int bad(const char *file, size_t i, const char *field, const char *why)
{
	return mg_error_set(MEMGIT_EINPUT, "invalid replay file", file, "edits[%zu].%s: %s", i, field,
		why);
}

static int kind_of(const char *name, memgit_edit_kind *out)
{
	for (int k = MEMGIT_EDIT_CREATE; k <= MEMGIT_EDIT_MOVE; k++)
		if (name && strcmp(name, memgit_edit_kind_name((memgit_edit_kind)k)) == 0) {
			*out = (memgit_edit_kind)k;
			return 0;
		}
	return -1;
}

/* An optional string member: NULL when absent or null, else it must be a string. */
static int opt_string(const char **out, const mg_json *o, const char *key, const char *file, size_t i)
{
	const mg_json *v = mg_json_get(o, key);

	*out = NULL;
	if (!v || mg_json_type_of(v) == MG_JSON_NULL)
		return 0;
	if (!(*out = mg_json_string(v)))
		return bad(file, i, key, "expected a string");
	return 0;
}

/* An optional list of strings, each handed to `add`. */
static int opt_list(mg_edit *e, const mg_json *o, const char *key, const char *file, size_t i,
	int (*add)(mg_edit *, const char *))
{
	const mg_json *v = mg_json_get(o, key);
	int rc = 0;

	if (!v || mg_json_type_of(v) == MG_JSON_NULL)
		return 0;
	if (mg_json_type_of(v) != MG_JSON_ARRAY)
		return bad(file, i, key, "expected a list of strings");
	for (const mg_json *x = mg_json_first(v); x && rc == 0; x = mg_json_next(x)) {
		if (!mg_json_string(x))
			return bad(file, i, key, "expected a list of strings");
		rc = add(e, mg_json_string(x));
	}
	return rc;
}

static int add_evidence(mg_edit *e, const char *s)
{
	return mg_edit_add_evidence(e, "%s", s);
}

static int add_merged(mg_edit *e, const char *s)
{
	return mg_edit_add_merged(e, s);
}

static int replay_edit(mg_edit_list *out, const mg_json *o, const char *file, size_t i)
{
	const char *kind = NULL, *path = NULL, *to = NULL, *content = NULL, *rationale = NULL;
	memgit_edit_kind k;
	mg_edit *e;
	int rc;

	if (mg_json_type_of(o) != MG_JSON_OBJECT)
		return mg_error_set(MEMGIT_EINPUT, "invalid replay file", file,
			"edits[%zu]: expected an object", i);
	if ((rc = opt_string(&kind, o, "kind", file, i)) < 0 ||
	    (rc = opt_string(&path, o, "path", file, i)) < 0 ||
	    (rc = opt_string(&to, o, "to", file, i)) < 0 ||
	    (rc = opt_string(&content, o, "content", file, i)) < 0 ||
	    (rc = opt_string(&rationale, o, "rationale", file, i)) < 0)
		return rc;
	if (kind_of(kind, &k) < 0)
		return bad(file, i, "kind", "expected create, update, delete, merge or move");
	if (!path)
		return bad(file, i, "path", "missing");
	if ((rc = mg_edit_list_add(&e, out, k, path)) < 0)
		return rc;
	if (to && !(e->to = strdup(to)))
		return mg_error_oom();
	if (content && (rc = mg_edit_set_content(e, content, strlen(content))) < 0)
		return rc;
	if (rationale && (rc = mg_edit_set_rationale(e, "%s", rationale)) < 0)
		return rc;
	if ((rc = opt_list(e, o, "merged", file, i, add_merged)) < 0)
		return rc;
	return opt_list(e, o, "evidence", file, i, add_evidence);
}

static int replay_propose(mg_edit_list *out, const mg_dream_input *in, void *ctx)
{
	mg_json_parse_opts po = { 0, 0, NULL, 0, 0 };
	const char *file = ctx;
	memgit_buf text = MEMGIT_BUF_INIT;
	mg_json *root = NULL;
	const mg_json *edits;
	size_t i = 0;
	int rc;

	(void)in;
	if (!file)
		return mg_error_set(MEMGIT_EINPUT, "cannot replay", NULL, "no file of recorded edits");
	po.file = file;
	if ((rc = mg_fs_read_file(&text, file, MG_REPLAY_MAX_BYTES)) < 0 ||
	    (rc = mg_json_parse(&root, text.ptr, text.size, &po)) < 0)
		goto done;
	edits = mg_json_get(root, "edits");
	if (mg_json_type_of(edits) != MG_JSON_ARRAY) {
		rc = mg_error_set(MEMGIT_EINPUT, "invalid replay file", file, "edits: expected a list");
		goto done;
	}
	for (const mg_json *e = mg_json_first(edits); e && rc == 0; e = mg_json_next(e), i++)
		rc = replay_edit(out, e, file, i);
done:
	mg_json_free(root);
	memgit_buf_dispose(&text);
	return rc;
}

const mg_dreamer mg_dreamer_replay = { "replay", replay_propose };
