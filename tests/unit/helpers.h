/* helpers.h: small utilities shared by the cmocka unit tests. */
#ifndef MG_TEST_HELPERS_H
#define MG_TEST_HELPERS_H

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* A fresh empty directory under $TMPDIR (static storage until the next call
 * with the same slot, 0..7). */
const char *t_tmpdir(int slot);

/* rm -rf `path`. */
void t_rmrf(const char *path);

/* Run a shell command (printf-style), capture stdout (malloc'd, NUL-terminated)
 * into *out when not NULL; returns the exit status. */
int t_sh(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Read a whole file (malloc'd) or NULL; *len set when not NULL. */
char *t_read_file(const char *path, size_t *len);

/* Write a file, creating nothing else. */
void t_write_file(const char *path, const char *data, size_t len);

#endif
