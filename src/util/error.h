/* error.h: setting the thread's last error (see include/memgit/errors.h). */
#ifndef MG_ERROR_H
#define MG_ERROR_H

#include "memgit/errors.h"

/*
 * Record an error and return `code`, so detection sites read
 * `return mg_error_set(MEMGIT_EPATH, "invalid path", path, "segment '..'");`.
 * `subject` may be NULL; `why_fmt` is printf-style. Never pass secrets.
 */
int mg_error_set(int code, const char *what, const char *subject, const char *why_fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Record an allocation failure; returns MEMGIT_ENOMEM. */
int mg_error_oom(void);

/* Prefix the current error's `why` with context (e.g. "line 3: "). */
void mg_error_prefix_why(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Replace the subject of the current error (e.g. with the file name). */
void mg_error_set_subject(const char *subject);

#endif
