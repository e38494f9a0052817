/* lenet: status codes, the last-error message, the export macro and the
 * version. Every other public header includes this one. The library never
 * prints or exits: a call that fails returns an ln_status other than LN_OK
 * and leaves a one-line message (naming the file or argument at fault) in
 * ln_last_error(). */
#ifndef LENET_STATUS_H
#define LENET_STATUS_H

#include <stddef.h>

#include "lenet/version.h"

/* Marks the functions liblenet.so exports; everything else is hidden. */
#if defined(__GNUC__)
#define LN_API __attribute__((visibility("default")))
#else
#define LN_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ln_status {
    LN_OK = 0,
    LN_ERR_IO,          /* a file could not be opened, read or written */
    LN_ERR_FORMAT,      /* a file's contents are malformed or inconsistent */
    LN_ERR_ARG,         /* an argument or option value is invalid */
    LN_ERR_NOMEM,       /* an allocation failed */
    LN_ERR_NUMERIC,     /* a NaN or infinite value appeared (e.g. the loss) */
    LN_ERR_UNSUPPORTED, /* a valid request this build or CPU cannot serve */
} ln_status;

/* The message of the most recent failure on the calling thread (never
 * NULL; "" before any). Thread-safe: each thread has its own. The string
 * stays valid until the thread's next failing call. */
LN_API const char *ln_last_error(void);

/* Set this thread's message (printf-style) and return `st`, so callers
 * (the library, and callbacks that want to fail a run) can write
 * `return ln_fail(LN_ERR_IO, "%s: %s", path, strerror(errno));`. */
LN_API ln_status ln_fail(ln_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Text from outside (class names from folder names, paths) made safe to
 * print: every byte a terminal could act on becomes \xNN (C0 and C1
 * controls, DEL, bytes of invalid UTF-8) and a backslash \\. Writes at
 * most cap bytes (NUL included) to out, cut at a whole character and
 * ending in "..." when it does not fit; returns out. Thread-safe. */
LN_API const char *ln_text_escape(const char *s, char *out, size_t cap);

/* A short English name of a status ("ok", "I/O error", ...). */
LN_API const char *ln_status_name(ln_status st);

/* The library's version at run time ("0.2.0"), to compare with the
 * LENET_VERSION the caller was compiled against. */
LN_API const char *ln_version(void);
/* LENET_VERSION_NUMBER of the library at run time. */
LN_API int ln_version_number(void);

#ifdef __cplusplus
}
#endif
#endif
