/*
 * errors.h: the last error of the calling thread.
 *
 * Whoever detects an error sets the message; every caller above passes the
 * code up unchanged. Messages are one line, lowercase, without a trailing
 * period, and never contain secret material.
 */
#ifndef MEMGIT_ERRORS_H
#define MEMGIT_ERRORS_H

#include "common.h"

MEMGIT_BEGIN_DECL

typedef struct {
	int code;            /* a MEMGIT_E* value, or MEMGIT_OK when none */
	const char *what;    /* what failed, e.g. "cannot write memory" */
	const char *subject; /* the file, path or id concerned; "" when none */
	const char *why;     /* the reason, e.g. "line 3: secret (aws-access-key-id)" */
	const char *message; /* "what 'subject': why" as one line */
} memgit_error;

/**
 * The calling thread's last error. Never NULL: when no error was recorded
 * it describes "no error" with code MEMGIT_OK. Borrowed; valid until the
 * next memgit call on this thread.
 */
MEMGIT_EXTERN(const memgit_error *) memgit_error_last(void);

/** Forget the calling thread's last error. */
MEMGIT_EXTERN(void) memgit_error_clear(void);

MEMGIT_END_DECL
#endif
