/*
 * notify.h: sending the dream events to memgit.yaml's webhooks
 * (dream.completed, dream.graded, dream.merged, dream.rejected,
 * dream.failed; docs/webhooks.md).
 */
#ifndef MG_NOTIFY_H
#define MG_NOTIFY_H

#include "memgit/buf.h"
#include "memgit/dream.h"
#include "memgit/store.h"

/*
 * POST `event` with `data_json` (the envelope's "data") to every webhook
 * subscribed to it. What failed (a hook down, a bad `webhooks:` entry) is
 * appended to `warnings`, one line each; the return is an error only when
 * memory ran out.
 */
int mg_notify(memgit_buf *warnings, memgit_store *s, const char *event, const char *data_json);

/* The same with the dream's id, commits, dreamer, status, verdict and
 * outcome as data (`d` may be NULL), plus one string field when
 * `extra_key` is set (a rejection's reason, a failure's error). */
int mg_notify_dream(memgit_buf *warnings, memgit_store *s, const char *event,
	const memgit_dream *d, const char *extra_key, const char *extra_value);

#endif
