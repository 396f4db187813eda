/*
 * path.h: the memory path policy (docs/FORMAT.md, DESIGN.md section 3) and
 * UTF-8 checks. Pure functions; the case-collision rule needs a store and is
 * applied by the write path with mg_path_fold().
 */
#ifndef MG_PATH_H
#define MG_PATH_H

#include <stddef.h>
#include "memgit/buf.h"

#define MG_PATH_MAX_BYTES 1024
#define MG_PATH_SEGMENT_MAX_BYTES 255

/*
 * Normalise a user-given path into `out`, relative to memories/:
 * "x.md", "memories/x.md" and "/memories/x.md" all give "x.md". Refused with
 * MEMGIT_EPATH (error subject: the input, made printable; why: the rule):
 * empty; absolute outside /memories; an empty, "." or ".." segment; a
 * segment starting with '.'; a segment over 255 bytes; a backslash; a control character (< 0x20,
 * 0x7f, and the C1 controls U+0080-U+009F); invalid UTF-8; more than
 * MG_PATH_MAX_BYTES bytes; an extension other than .md .markdown .yaml .yml
 * .txt (ASCII case-insensitive); "memories" alone. Rules are checked in this order: empty, absolute, no file name,
 * length (of the part relative to memories/), UTF-8, control character,
 * backslash, segments left to right, extension. `out` is set only on
 * success.
 */
int mg_path_normalize(memgit_buf *out, const char *input);

/* Same checks on a path already relative to memories/ (len bytes). */
int mg_path_check_rel(const char *rel, size_t len, const char *subject);

/* Non-zero when the file name's extension is one memgit accepts. */
int mg_path_has_memory_ext(const char *name);

/*
 * Append the case-folded form of `s` to `out`: ASCII letters, Latin-1
 * (U+00C0-U+00DE but U+00D7), Greek (U+0391-U+03A9) and Cyrillic
 * (U+0400-U+042F) capitals are lowered. Two paths collide when their folds
 * are equal and the paths are not.
 */
int mg_path_fold(memgit_buf *out, const char *s, size_t len);

/*
 * Non-zero when `len` bytes are valid UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF). On failure *bad (if not NULL) is the offset of
 * the first bad byte: the first byte of the first invalid or truncated
 * sequence.
 */
int mg_utf8_valid(const char *s, size_t len, size_t *bad);

/* Line (1-based) and column (1-based, bytes) of byte offset `off`. */
void mg_text_position(const char *s, size_t len, size_t off, unsigned *line, unsigned *col);

/* Append `s` to `out` with control characters (C0, DEL and C1) and invalid
 * UTF-8 shown as \xNN (lower-case hex, one per byte) so a refused input can
 * be quoted safely in one error line. */
int mg_printable(memgit_buf *out, const char *s, size_t len);

#endif
