/*
 * session_store.c: reading refs/memgit/sessions: session headers, the list,
 * one session's canonical JSONL and an event iterator over it.
 *
 * Only the header line of a session is needed to list it, and the loose
 * object reader of libgit2 streams (it maps the file and inflates on
 * demand), so listing and iterating do not load whole transcripts. Packed
 * objects cannot be streamed by libgit2 1.5 and are read whole.
 */
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/jsonw.h"

/* Canonical lines are re-escaped and may carry redaction markers: allow more
 * than the source line cap. */
#define MG_CANON_LINE_MAX (64u * 1024u * 1024u)
#define MG_HEADER_MAX (1024u * 1024u)

int memgit_session_id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n < 4 || n > MG_SESSION_ID_MAX || id[2] != '-' || id[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < 2; i++)
		if (id[i] < 'a' || id[i] > 'z')
			return 0;
	for (size_t i = 3; i < n; i++) {
		char c = id[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
		if (!ok || (c == '.' && id[i - 1] == '.'))
			return 0;
	}
	return 1;
}

const char *memgit_session_status_name(memgit_session_status status)
{
	switch (status) {
	case MEMGIT_SESSION_ADDED: return "added";
	case MEMGIT_SESSION_UPDATED: return "updated";
	case MEMGIT_SESSION_UNCHANGED: return "unchanged";
	case MEMGIT_SESSION_REFUSED: return "refused";
	}
	return "unknown";
}

int mg_sessions_tip(git_commit **out, memgit_store *s)
{
	git_reference *ref = NULL;
	int rc;

	*out = NULL;
	rc = git_reference_lookup(&ref, s->repo, MEMGIT_SESSIONS_REF);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc == 0 && (rc = git_commit_lookup(out, s->repo, git_reference_target(ref))) == 0) {
		git_reference_free(ref);
		return 0;
	}
	git_reference_free(ref);
	return mg_git_error(rc, "cannot read sessions", MEMGIT_SESSIONS_REF);
}

/* The sessions/ folder of the tip, or NULL when there are no sessions. */
static int sessions_tree(git_tree **out, memgit_store *s)
{
	git_commit *tip = NULL;
	git_tree *root = NULL;
	git_tree_entry *e = NULL;
	int rc;

	*out = NULL;
	if ((rc = mg_sessions_tip(&tip, s)) < 0 || !tip)
		return rc;
	if ((rc = git_commit_tree(&root, tip)) < 0) {
		rc = mg_git_error(rc, "cannot read sessions", MEMGIT_SESSIONS_REF);
		goto done;
	}
	if (git_tree_entry_bypath(&e, root, MG_SESSIONS_DIR) == 0 &&
	    git_tree_entry_type(e) == GIT_OBJECT_TREE &&
	    (rc = git_tree_lookup(out, s->repo, git_tree_entry_id(e))) < 0)
		rc = mg_git_error(rc, "cannot read sessions", MEMGIT_SESSIONS_REF);
done:
	git_tree_entry_free(e);
	git_tree_free(root);
	git_commit_free(tip);
	return rc;
}

/* ---- reading a blob as a stream ------------------------------------------ */

typedef struct {
	git_odb *odb;
	git_odb_stream *stream; /* loose objects */
	git_odb_object *obj;    /* otherwise, read whole */
	size_t pos;
	size_t size;
} mg_blob_src;

static int blob_src_open(mg_blob_src *b, memgit_store *s, const git_oid *id)
{
	git_object_t type;
	int rc;

	memset(b, 0, sizeof(*b));
	if ((rc = git_repository_odb(&b->odb, s->repo)) < 0)
		return mg_git_error(rc, "cannot read sessions", NULL);
	if (git_odb_open_rstream(&b->stream, &b->size, &type, b->odb, id) == 0)
		return 0;
	b->stream = NULL;
	git_error_clear();
	if ((rc = git_odb_read(&b->obj, b->odb, id)) < 0)
		return mg_git_error(rc, "cannot read session", NULL);
	b->size = git_odb_object_size(b->obj);
	return 0;
}

static ssize_t blob_src_read(void *ctx, char *buf, size_t len)
{
	mg_blob_src *b = ctx;
	size_t n;

	if (b->stream) {
		int got = git_odb_stream_read(b->stream, buf, len > 1u << 30 ? 1u << 30 : len);
		return got < 0 ? mg_git_error(got, "cannot read session", NULL) : got;
	}
	n = b->size - b->pos < len ? b->size - b->pos : len;
	memcpy(buf, (const char *)git_odb_object_data(b->obj) + b->pos, n);
	b->pos += n;
	return (ssize_t)n;
}

static void blob_src_close(mg_blob_src *b)
{
	git_odb_stream_free(b->stream);
	git_odb_object_free(b->obj);
	git_odb_free(b->odb);
	memset(b, 0, sizeof(*b));
}

int mg_session_blob_header(memgit_buf *out, memgit_store *s, const git_oid *id)
{
	mg_blob_src b;
	mg_line_reader r;
	char *line;
	size_t len;
	int complete, rc;

	if ((rc = blob_src_open(&b, s, id)) < 0)
		return rc;
	mg_line_reader_init(&r, blob_src_read, &b, "session", MG_HEADER_MAX);
	rc = mg_line_next(&r, &line, &len, &complete);
	if (rc == 1)
		rc = mg_buf_set(out, line, len);
	else if (rc == 0)
		rc = mg_error_set(MEMGIT_EINPUT, "invalid session", NULL, "empty file");
	mg_line_reader_dispose(&r);
	blob_src_close(&b);
	return rc;
}

/* ---- headers --------------------------------------------------------------- */

static uint64_t get_u64(const mg_json *o, const char *key)
{
	double v = mg_json_number(mg_json_get(o, key), 0);
	return v > 0 ? (uint64_t)v : 0;
}

int mg_session_header_parse(memgit_session_info *info, mg_json **json, const char *line,
	size_t len)
{
	mg_json_parse_opts po = { 0, 0, NULL, 0, 0 };
	const mg_json *o;
	int rc;

	memset(info, 0, sizeof(*info));
	if ((rc = mg_json_parse(json, line, len, &po)) < 0)
		return rc;
	o = *json;
	if (mg_json_number(mg_json_get(o, "memgit_session"), 0) != 1)
		return mg_error_set(MEMGIT_EINPUT, "invalid session", NULL,
			"line 1 is not a memgit_session 1 header");
	info->id = mg_json_get_string(o, "id");
	info->source = mg_json_get_string(o, "source");
	info->source_id = mg_json_get_string(o, "source_id");
	info->parent = mg_json_get_string(o, "parent");
	info->agent = mg_json_get_string(o, "agent");
	info->started = mg_json_get_string(o, "started");
	info->ended = mg_json_get_string(o, "ended");
	info->file = mg_json_get_string(o, "file");
	info->cwd = mg_json_get_string(o, "cwd");
	info->model = mg_json_get_string(o, "model");
	info->original_sha256 = mg_json_get_string(o, "original_sha256");
	info->original_bytes = get_u64(o, "original_bytes");
	info->events = get_u64(o, "events");
	info->errors = get_u64(o, "errors");
	info->tool_calls = get_u64(o, "tool_calls");
	info->redactions = get_u64(o, "redactions");
	info->input_tokens = get_u64(o, "input_tokens");
	info->output_tokens = get_u64(o, "output_tokens");
	return 0;
}

static void opt_string(mg_jsonw *w, const char *key, const char *value, int always)
{
	if (!value && !always)
		return;
	mg_jsonw_key(w, key);
	mg_jsonw_string(w, value);
}

static void num(mg_jsonw *w, const char *key, uint64_t v)
{
	mg_jsonw_key(w, key);
	mg_jsonw_int(w, (int64_t)v);
}

int mg_session_header_build(memgit_buf *out, const mg_ingested *in,
	const mg_secret_allow *allow)
{
	mg_jsonw w;

	(void)allow; /* every string was redacted when the transcript was read */
	mg_buf_clear(out);
	mg_jsonw_init(&w, out, 0);
	mg_jsonw_object_open(&w);
	num(&w, "memgit_session", 1);
	opt_string(&w, "id", in->id, 1);
	opt_string(&w, "source", in->format->name, 1);
	opt_string(&w, "source_id", in->source_id, 1);
	opt_string(&w, "parent", in->parent[0] ? in->parent : NULL, 0);
	opt_string(&w, "agent", in->agent, 1);
	opt_string(&w, "started", in->started, 1);
	opt_string(&w, "ended", in->ended, 0);
	opt_string(&w, "file", in->name, 1);
	opt_string(&w, "cwd", in->cwd, 0);
	opt_string(&w, "model", in->model, 0);
	opt_string(&w, "subagent_type", in->subagent_type, 0);
	opt_string(&w, "description", in->description, 0);
	opt_string(&w, "original_sha256", in->sha256, 1);
	num(&w, "original_bytes", in->bytes);
	num(&w, "lines", in->lines);
	num(&w, "events", in->events);
	num(&w, "errors", in->errors);
	num(&w, "tool_calls", in->tool_calls);
	num(&w, "redactions", in->redactions);
	num(&w, "input_tokens", in->input_tokens);
	num(&w, "output_tokens", in->output_tokens);
	mg_jsonw_object_close(&w);
	return mg_jsonw_finish(&w);
}

/* ---- listing ---------------------------------------------------------------- */

/* "x.jsonl" -> "x" when x is a valid id. */
static int entry_id(char out[MG_SESSION_ID_MAX + 1], const char *name)
{
	size_t n = strlen(name);

	if (n < 7 || n - 6 > MG_SESSION_ID_MAX || strcmp(name + n - 6, ".jsonl") != 0)
		return 0;
	memcpy(out, name, n - 6);
	out[n - 6] = '\0';
	return memgit_session_id_valid(out);
}

/* A header that cannot be read still lists the session, by its file name. */
static int entry_info(memgit_session_info *info, mg_json **json, memgit_buf *line,
	memgit_store *s, const git_tree_entry *e, const char *id)
{
	git_odb *odb = NULL;
	git_object_t type;
	size_t size = 0;
	int rc;

	*json = NULL;
	mg_buf_clear(line);
	if ((rc = mg_session_blob_header(line, s, git_tree_entry_id(e))) == MEMGIT_ENOMEM)
		return rc;
	if (rc < 0 || mg_session_header_parse(info, json, line->ptr, line->size) < 0) {
		mg_json_free(*json);
		*json = NULL;
		memset(info, 0, sizeof(*info));
		memgit_error_clear();
	}
	info->id = id;
	if (git_repository_odb(&odb, s->repo) == 0 &&
	    git_odb_read_header(&size, &type, odb, git_tree_entry_id(e)) == 0)
		info->size = size;
	git_odb_free(odb);
	git_oid_tostr(info->blob, sizeof(info->blob), git_tree_entry_id(e));
	return 0;
}

int memgit_session_foreach(memgit_store *s, memgit_session_cb cb, void *payload)
{
	memgit_buf line = MEMGIT_BUF_INIT;
	git_tree *tree = NULL;
	int rc;

	if ((rc = sessions_tree(&tree, s)) < 0 || !tree)
		return rc;
	for (size_t i = 0; i < git_tree_entrycount(tree) && rc == 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		char id[MG_SESSION_ID_MAX + 1];
		memgit_session_info info;
		mg_json *json = NULL;

		if (git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
		    !entry_id(id, git_tree_entry_name(e)))
			continue;
		if ((rc = entry_info(&info, &json, &line, s, e, id)) == 0)
			rc = cb(&info, payload);
		mg_json_free(json);
	}
	memgit_buf_dispose(&line);
	git_tree_free(tree);
	return rc;
}

/* The blob id of session `id` on the tip; MEMGIT_ENOTFOUND when absent. */
static int session_blob(git_oid *out, memgit_store *s, const char *id)
{
	memgit_buf name = MEMGIT_BUF_INIT;
	git_tree *tree = NULL;
	const git_tree_entry *e;
	int rc;

	if (!memgit_session_id_valid(id))
		return mg_error_set(MEMGIT_EINPUT, "invalid session id", id ? id : "",
			"expected a prefix, '-' and letters, digits, '.', '_' or '-'");
	if ((rc = sessions_tree(&tree, s)) < 0 || (rc = mg_buf_printf(&name, "%s.jsonl", id)) < 0)
		goto done;
	e = tree ? git_tree_entry_byname(tree, name.ptr) : NULL;
	if (!e || git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		rc = mg_error_set(MEMGIT_ENOTFOUND, "no such session", id, "not on %s",
			MEMGIT_SESSIONS_REF);
	else
		*out = *git_tree_entry_id(e);
done:
	memgit_buf_dispose(&name);
	git_tree_free(tree);
	return rc;
}

int memgit_session_read(memgit_buf *out, memgit_store *s, const char *id)
{
	git_blob *blob = NULL;
	git_oid oid;
	int rc;

	if ((rc = session_blob(&oid, s, id)) < 0)
		return rc;
	if ((rc = git_blob_lookup(&blob, s->repo, &oid)) < 0)
		return mg_git_error(rc, "cannot read session", id);
	rc = mg_buf_set(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return rc;
}

/* ---- the event iterator ------------------------------------------------------ */

struct memgit_session_reader {
	char *id;
	mg_blob_src src;
	mg_line_reader lines;
	mg_json *header;
	memgit_session_info info;
	mg_json *current;
	memgit_session_event ev;
};

void memgit_session_reader_free(memgit_session_reader *r)
{
	if (!r)
		return;
	mg_json_free(r->current);
	mg_json_free(r->header);
	mg_line_reader_dispose(&r->lines);
	blob_src_close(&r->src);
	free(r->id);
	free(r);
}

static int reader_start(memgit_session_reader *r, memgit_store *s, const git_oid *oid)
{
	char *line;
	size_t len;
	int complete, rc;

	if ((rc = blob_src_open(&r->src, s, oid)) < 0)
		return rc;
	mg_line_reader_init(&r->lines, blob_src_read, &r->src, r->id, MG_CANON_LINE_MAX);
	if ((rc = mg_line_next(&r->lines, &line, &len, &complete)) < 0)
		return rc;
	if (rc == 0)
		return mg_error_set(MEMGIT_EINPUT, "invalid session", r->id, "empty file");
	if ((rc = mg_session_header_parse(&r->info, &r->header, line, len)) < 0) {
		mg_error_set_subject(r->id);
		return rc;
	}
	r->info.id = r->id;
	r->info.size = r->src.size;
	git_oid_tostr(r->info.blob, sizeof(r->info.blob), oid);
	return 0;
}

int memgit_session_open(memgit_session_reader **out, memgit_store *s, const char *id)
{
	memgit_session_reader *r;
	git_oid oid;
	int rc;

	*out = NULL;
	if ((rc = session_blob(&oid, s, id)) < 0)
		return rc;
	if (!(r = calloc(1, sizeof(*r))) || !(r->id = strdup(id))) {
		free(r);
		return mg_error_oom();
	}
	if ((rc = reader_start(r, s, &oid)) < 0) {
		memgit_session_reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

const memgit_session_info *memgit_session_reader_info(const memgit_session_reader *r)
{
	return &r->info;
}

static int event_from(memgit_session_event *ev, const mg_json *o, unsigned line, const char *id)
{
	const mg_json *text = mg_json_get(o, "text"), *i = mg_json_get(o, "i");

	memset(ev, 0, sizeof(*ev));
	ev->role = mg_json_get_string(o, "role");
	ev->type = mg_json_get_string(o, "type");
	ev->text = mg_json_string(text);
	if (mg_json_type_of(i) != MG_JSON_NUMBER || !ev->role || !ev->type || !ev->text)
		return mg_error_set(MEMGIT_EINPUT, "invalid session", id,
			"line %u: not a canonical event", line);
	ev->i = (uint64_t)mg_json_number(i, 0);
	ev->text_len = strlen(ev->text);
	ev->ts = mg_json_get_string(o, "ts");
	ev->tool = mg_json_get_string(o, "tool");
	ev->call_id = mg_json_get_string(o, "call_id");
	ev->is_error = mg_json_bool(mg_json_get(o, "is_error")) == 1;
	ev->line = (unsigned)mg_json_number(mg_json_get(o, "line"), 0);
	return 0;
}

int memgit_session_next(const memgit_session_event **out, memgit_session_reader *r)
{
	mg_json_parse_opts po = { 0, MG_JSON_REPLACE_NUL, NULL, 0, 0 };
	char *line;
	size_t len;
	int complete, rc;

	*out = NULL;
	mg_json_free(r->current);
	r->current = NULL;
	do {
		if ((rc = mg_line_next(&r->lines, &line, &len, &complete)) <= 0)
			return rc;
	} while (len == 0);
	po.file = r->id;
	po.line = r->lines.line;
	if ((rc = mg_json_parse(&r->current, line, len, &po)) < 0 ||
	    (rc = event_from(&r->ev, r->current, r->lines.line, r->id)) < 0)
		return rc;
	*out = &r->ev;
	return 0;
}
