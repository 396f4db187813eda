/*
 * notify.c: webhooks for the decisions on dreams (docs/webhooks.md).
 *
 * memgit.yaml `webhooks:` is read from the memory branch when an event is
 * sent, not when the store opens: a bad entry then fails the webhook, not
 * every command. A webhook never undoes or blocks the git work it reports:
 * every failure becomes a warning line for the caller to print.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/store_internal.h"
#include "core/yaml.h"
#include "grade/notify.h"
#include "llm/webhook.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/jsonw.h"

static int load_hooks(mg_webhooks *hooks, memgit_store *s)
{
	mg_yaml_limits yl = { 1u << 20, 64 };
	mg_yaml_node *root = NULL;
	git_object *obj = NULL;
	char spec[300];
	int rc = 0;

	snprintf(spec, sizeof(spec), "%s:%s", s->refname, MG_CONFIG_FILE);
	if (git_revparse_single(&obj, s->repo, spec) < 0 || git_object_type(obj) != GIT_OBJECT_BLOB)
		goto done; /* no configuration: no webhooks */
	if ((rc = mg_yaml_parse(&root, git_blob_rawcontent((git_blob *)obj),
		     (size_t)git_blob_rawsize((git_blob *)obj), &yl, MG_CONFIG_FILE, 0)) < 0)
		goto done;
	if (root && root->kind == MG_YAML_MAPPING && mg_yaml_get(root, "webhooks"))
		rc = mg_webhooks_parse(hooks, mg_yaml_get(root, "webhooks"), MG_CONFIG_FILE);
done:
	mg_yaml_free(root);
	git_object_free(obj);
	return rc;
}

int mg_notify(memgit_buf *warnings, memgit_store *s, const char *event, const char *data_json)
{
	mg_webhooks hooks = MG_WEBHOOKS_INIT;
	mg_webhook_report report = MG_WEBHOOK_REPORT_INIT;
	memgit_buf body = MEMGIT_BUF_INIT;
	int rc;

	if ((rc = load_hooks(&hooks, s)) < 0) {
		rc = mg_buf_printf(warnings, "webhooks not sent: %s\n", memgit_error_last()->message);
		goto done;
	}
	if (!hooks.n)
		goto done;
	if ((rc = mg_webhook_envelope(&body, event, data_json)) < 0 ||
	    (rc = mg_webhook_deliver(&hooks, event, body.ptr, body.size, &report)) < 0)
		goto done;
	rc = mg_webhook_report_format(warnings, &report);
done:
	mg_webhook_report_dispose(&report);
	mg_webhooks_dispose(&hooks);
	memgit_buf_dispose(&body);
	return rc < 0 ? rc : 0;
}

int mg_notify_dream(memgit_buf *warnings, memgit_store *s, const char *event,
	const memgit_dream *d, const char *extra_key, const char *extra_value)
{
	memgit_buf data = MEMGIT_BUF_INIT;
	mg_jsonw w;
	int rc;

	mg_jsonw_init(&w, &data, 0);
	mg_jsonw_object_open(&w);
	if (d) {
		mg_jsonw_key(&w, "id");
		mg_jsonw_string(&w, memgit_dream_id(d));
		mg_jsonw_key(&w, "commit");
		mg_jsonw_string(&w, *memgit_dream_commit(d) ? memgit_dream_commit(d) : NULL);
		mg_jsonw_key(&w, "base");
		mg_jsonw_string(&w, memgit_dream_base(d));
		mg_jsonw_key(&w, "dreamer");
		mg_jsonw_string(&w, memgit_dream_dreamer(d));
		mg_jsonw_key(&w, "status");
		mg_jsonw_string(&w, memgit_dream_status(d));
		mg_jsonw_key(&w, "verdict");
		mg_jsonw_string(&w, *memgit_dream_verdict(d) ? memgit_dream_verdict(d) : NULL);
		mg_jsonw_key(&w, "outcome");
		if (memgit_dream_outcome(d))
			mg_jsonw_raw(&w, memgit_dream_outcome(d));
		else
			mg_jsonw_null(&w);
	}
	if (extra_key) {
		mg_jsonw_key(&w, extra_key);
		mg_jsonw_string(&w, extra_value);
	}
	mg_jsonw_object_close(&w);
	if ((rc = mg_jsonw_finish(&w)) == 0)
		rc = mg_notify(warnings, s, event, data.ptr);
	memgit_buf_dispose(&data);
	return rc;
}
