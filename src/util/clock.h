/*
 * clock.h: wall-clock time, timestamps and memory ids.
 * MEMGIT_NOW (seconds since the epoch, or YYYY-MM-DDTHH:MM:SSZ) pins "now"
 * for reproducible stores and tests.
 */
#ifndef MG_CLOCK_H
#define MG_CLOCK_H

#include <stdint.h>
#include "memgit/buf.h"

/* Seconds since the epoch (MEMGIT_NOW honoured). */
int64_t mg_now(void);

/* Monotonic milliseconds, for timeouts. */
uint64_t mg_monotonic_ms(void);

/* Sleep for `ms` milliseconds. */
void mg_sleep_ms(unsigned ms);

/* "2026-11-20T21:44:00Z" (20 chars + NUL). */
void mg_time_format(char out[21], int64_t t);

/* Parse YYYY-MM-DD or RFC 3339 (Z or +hh:mm offset) into seconds; -1 if bad. */
int64_t mg_time_parse(const char *s);

/* A 26-character ULID (Crockford base32): 48 bits of milliseconds, 80 random. */
int mg_ulid(char out[27]);

/* Fill `out` with `n` random bytes from the kernel. */
int mg_random(void *out, size_t n);

#endif
