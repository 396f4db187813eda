/*
 * memgit - change control for AI-agent memory.
 *
 * common.h: version, export macro and the error codes every fallible
 * function returns (0 on success, a negative MEMGIT_E* otherwise).
 */
#ifndef MEMGIT_COMMON_H
#define MEMGIT_COMMON_H

#include <stddef.h>

#ifdef __cplusplus
#define MEMGIT_BEGIN_DECL extern "C" {
#define MEMGIT_END_DECL }
#else
#define MEMGIT_BEGIN_DECL
#define MEMGIT_END_DECL
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define MEMGIT_EXTERN(type) extern __attribute__((visibility("default"))) type
#else
#define MEMGIT_EXTERN(type) extern type
#endif

#define MEMGIT_VERSION "0.1.0"
#define MEMGIT_VERSION_MAJOR 0
#define MEMGIT_VERSION_MINOR 1
#define MEMGIT_VERSION_PATCH 0

MEMGIT_BEGIN_DECL

/*
 * Error codes. The command-line tool maps them to exit codes
 * (docs/commands.md): EINPUT, ENOTFOUND, EEXISTS, ESECRET, ELIMIT, EPATH,
 * EYAML, EDIRTY -> 3; EBUSY -> 4; EREMOTE -> 5; ENOTHING, ECONFLICT -> 1;
 * everything else -> 6.
 */
typedef enum {
	MEMGIT_OK = 0,
	MEMGIT_ERROR = -1,      /* internal error */
	MEMGIT_ENOMEM = -2,     /* allocation failed */
	MEMGIT_EIO = -3,        /* file system or git object I/O failed */
	MEMGIT_EINPUT = -4,     /* input refused (generic) */
	MEMGIT_ENOTFOUND = -5,  /* no such memory, store, file or object */
	MEMGIT_EEXISTS = -6,    /* the target already exists */
	MEMGIT_EPATH = -7,      /* a path broke the path policy */
	MEMGIT_EYAML = -8,      /* YAML or front matter refused */
	MEMGIT_ESECRET = -9,    /* content holds a secret */
	MEMGIT_ELIMIT = -10,    /* a size or count limit was exceeded */
	MEMGIT_EBUSY = -11,     /* a lock or concurrent update did not clear */
	MEMGIT_EDIRTY = -12,    /* a work-tree file was changed by hand */
	MEMGIT_ENOTHING = -13,  /* nothing to do (a valid negative outcome) */
	MEMGIT_ECONFLICT = -14, /* a precondition no longer holds */
	MEMGIT_EREMOTE = -15,   /* a remote service failed */
	MEMGIT_ENOTSTORE = -16  /* the repository is not a memgit store */
} memgit_error_code;

/**
 * Initialise the library (libgit2 and friends). Call once before anything
 * else; calls nest and each must be matched by memgit_shutdown().
 * Returns the number of outstanding initialisations or a negative code.
 */
MEMGIT_EXTERN(int) memgit_init(void);

/** Release what memgit_init() acquired once the last user is done. */
MEMGIT_EXTERN(int) memgit_shutdown(void);

/** The library's version string, e.g. "0.1.0". Static storage. */
MEMGIT_EXTERN(const char *) memgit_version(void);

MEMGIT_END_DECL
#endif
