/*
 * webhook.h: telling other systems what happened to a dream, by HTTP POST
 * to the URLs named under `webhooks:` in memgit.yaml (docs/webhooks.md).
 *
 * Deliveries are signed as Standard Webhooks (https://www.standardwebhooks.com/):
 * headers webhook-id, webhook-timestamp and webhook-signature
 * ("v1," + base64 HMAC-SHA256 of "<id>.<timestamp>.<body>"). The secret is
 * read from an environment variable at delivery time; memgit.yaml is
 * committed, so it only ever names that variable. A webhook never fails the
 * work it reports on: delivery returns a report, and the caller warns.
 */
#ifndef MG_WEBHOOK_H
#define MG_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>
#include "core/yaml.h"
#include "memgit/buf.h"

/* Events, as bits of mg_webhook.events; names as in memgit.yaml. */
#define MG_WEBHOOK_DREAM_COMPLETED 0x01u /* "dream.completed" */
#define MG_WEBHOOK_DREAM_GRADED 0x02u    /* "dream.graded" */
#define MG_WEBHOOK_DREAM_MERGED 0x04u    /* "dream.merged" */
#define MG_WEBHOOK_DREAM_REJECTED 0x08u  /* "dream.rejected" */
#define MG_WEBHOOK_DREAM_FAILED 0x10u    /* "dream.failed" */
#define MG_WEBHOOK_ALL_EVENTS 0x1fu

#define MG_WEBHOOK_DEFAULT_SECRET_ENV "MEMGIT_WEBHOOK_SECRET"
#define MG_WEBHOOK_DEFAULT_TIMEOUT_MS 5000u
#define MG_WEBHOOK_MAX_TIMEOUT_MS 60000u
#define MG_WEBHOOK_DEFAULT_RETRIES 2u
#define MG_WEBHOOK_MAX_RETRIES 5u
#define MG_WEBHOOK_MAX_HOOKS 16u
#define MG_WEBHOOK_RETRY_BUDGET_MS 10000u
#define MG_WEBHOOK_MAX_RESPONSE_BYTES ((size_t)64 << 10)

typedef struct {
	char *url;              /* http:// or https:// with a host, as written */
	unsigned events;        /* MG_WEBHOOK_* bits; all when not configured */
	char *secret_env;       /* the environment variable holding the secret */
	unsigned timeout_ms;    /* per attempt (connect included) */
	unsigned retries;       /* attempts after the first, at most */
	unsigned line;          /* where the entry starts in memgit.yaml */
} mg_webhook;

typedef struct {
	mg_webhook *hooks;
	size_t n, cap;
	/* The longest a delivery waits between its attempts, in total: a
	 * retry that would wait past it is not made. Not a memgit.yaml key;
	 * tests lower it. */
	unsigned retry_budget_ms;
	const char *ca_file;    /* NULL: the system bundle (tests set one) */
} mg_webhooks;

#define MG_WEBHOOKS_INIT { NULL, 0, 0, MG_WEBHOOK_RETRY_BUDGET_MS, NULL }

void mg_webhooks_dispose(mg_webhooks *hooks);

/*
 * Read the value of the `webhooks:` key of memgit.yaml into `out` (which
 * must be MG_WEBHOOKS_INIT). `node` NULL or a null scalar: no hooks.
 * Refused with MEMGIT_EYAML, "invalid configuration '<file>': line L,
 * column C: webhooks[i].<field>: <why>": not a list of mappings, a missing
 * or bad url (http/https with a host, no credentials or known token
 * shapes), an unknown or empty list of events, a malformed secret_env,
 * numbers out of range, more than MG_WEBHOOK_MAX_HOOKS entries, and any
 * key holding a secret literally (`secret:` and the like). Other unknown
 * keys are ignored, as everywhere in memgit.yaml. On error `out` is
 * emptied.
 */
int mg_webhooks_parse(mg_webhooks *out, const mg_yaml_node *node, const char *file);

/* The bit of a known event name, 0 for any other. */
unsigned mg_webhook_event_bit(const char *name);

/* One hook's delivery. */
typedef struct {
	char url[512];      /* the hook's URL without credentials, query or fragment */
	size_t index;       /* the hook's position under `webhooks:` */
	int delivered;      /* 1 when a 2xx arrived */
	long status;        /* the last HTTP status, 0 when none arrived */
	unsigned attempts;  /* requests made (0: not sent) */
	char error[256];    /* one line, "" when delivered; never the secret */
} mg_webhook_result;

typedef struct {
	char event[32];     /* the event delivered */
	char id[40];        /* the webhook-id sent (one per event, kept across
	                     * hooks and retries so receivers can de-duplicate) */
	mg_webhook_result *results; /* one per hook subscribed to the event */
	size_t n;
	size_t failed;
} mg_webhook_report;

#define MG_WEBHOOK_REPORT_INIT { "", "", NULL, 0, 0 }

void mg_webhook_report_dispose(mg_webhook_report *report);

/*
 * POST `json_payload` (`len` bytes, sent as is) to every hook subscribed
 * to `event`, one after another, each signed with its own secret and
 * retried per mg_http_retry_delay within its `retries` and the retry
 * budget. Success is a 2xx; redirects are not followed (a 3xx fails).
 * Returns 0 once every delivery was attempted, whatever their outcome:
 * `report` (the caller's, emptied first) says how each went, and the
 * thread's last error is left as the caller had it. Negative only when
 * nothing could be attempted: an unknown event (MEMGIT_EINPUT) or no
 * memory. A hook whose secret variable is unset or empty, or holds a
 * whsec_ value that is not base64, is not sent (attempts 0).
 */
int mg_webhook_deliver(const mg_webhooks *hooks, const char *event, const char *json_payload,
	size_t len, mg_webhook_report *report);

/*
 * Append the report's failures to `out`, one line each:
 * "webhook '<url>' (dream.merged): <error> (attempts: N)". Nothing for
 * deliveries that succeeded.
 */
int mg_webhook_report_format(memgit_buf *out, const mg_webhook_report *report);

/*
 * Append the Standard Webhooks envelope
 * {"type":"<event>","timestamp":"<RFC 3339, now (MEMGIT_NOW honoured)>","data":<data_json>}
 * to `out`. `data_json` must be one JSON value (MEMGIT_EINPUT otherwise);
 * it is copied verbatim. `event` must be known (MEMGIT_EINPUT).
 */
int mg_webhook_envelope(memgit_buf *out, const char *event, const char *data_json);

#endif
