/*
 * client.h: one model call, start to finish: build the request, send it
 * (or read its recorded response), retry what the providers say to retry,
 * and hand back the propose_edits result.
 *
 * A call is safe from any thread: it shares nothing but the client, which
 * it only reads, and the cancel flag. Errors are the calling thread's
 * (errors.h), one line naming the request, the HTTP status and the
 * request id, with the API key redacted from anything a server said.
 */
#ifndef MG_CLIENT_H
#define MG_CLIENT_H

#include <stdatomic.h>
#include <stddef.h>

#include "llm/provider.h"

#define MG_LLM_RETRIES_DEFAULT 2
#define MG_LLM_RETRIES_MAX 10

typedef struct {
	mg_llm_config llm;            /* provider kind, model, key, max_tokens */
	const char *base_url;         /* e.g. https://api.anthropic.com */
	unsigned connect_timeout_ms;  /* 0: the HTTP layer's default */
	unsigned timeout_ms;          /* whole request; 0: default */
	unsigned stall_ms;            /* no byte for this long fails; 0: default */
	size_t max_response_bytes;    /* 0: default (64 MiB) */
	unsigned retries;             /* retries after the first attempt */
	const char *ca_file;          /* NULL: the system bundle */
	int stream;                   /* ask for a streaming response */
	const char *replay_dir;       /* set: read <dir>/<name>.sse or .json instead */
	atomic_int *cancel;           /* set by another thread: stop soon; may be NULL */
} mg_llm_client;

/* What a call went through, for the progress display and the note. */
typedef struct {
	unsigned attempts;
	long status;                  /* the last HTTP status (0: none; 200 for a replay) */
	char request_id[128];
} mg_llm_call_info;

/*
 * Make request `name` ("map-3", "reduce", "repair": the file name a replay
 * reads, and the subject of errors). `progress` (may be NULL) is called
 * as a streamed response grows. On success `out` holds the tool input and
 * usage. Errors: MEMGIT_EREMOTE for anything the server or the transport
 * did (status and request id in the message), MEMGIT_EINPUT for a request
 * that cannot be built or a replay file that is missing or unreadable.
 */
int mg_llm_call(mg_llm_result *out, mg_llm_call_info *info, const mg_llm_client *c,
	const char *name, const mg_llm_prompt *p, mg_llm_progress_cb progress, void *payload);

#endif
