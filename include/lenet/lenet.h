/* lenet: a CPU training engine for LeNet-class convolutional networks.
 * Public API: status codes and the last-error message. The library never
 * prints or exits; it returns an ln_status and leaves a one-line message
 * (naming the file or argument at fault) in ln_last_error(). */
#ifndef LENET_LENET_H
#define LENET_LENET_H

#define LENET_VERSION "0.1.0"

typedef enum ln_status {
    LN_OK = 0,
    LN_ERR_IO,          /* a file could not be opened, read or written */
    LN_ERR_FORMAT,      /* a file's contents are malformed or inconsistent */
    LN_ERR_ARG,         /* an argument or option value is invalid */
    LN_ERR_NOMEM,       /* an allocation failed */
    LN_ERR_NUMERIC,     /* a NaN or infinite value appeared (e.g. the loss) */
    LN_ERR_UNSUPPORTED, /* valid request this build or CPU cannot serve */
} ln_status;

/* Message describing the most recent failure on this thread. */
const char *ln_last_error(void);

/* Set the message (printf-style); returns `st` so callers can write
 * `return ln_fail(LN_ERR_IO, "%s: %s", path, strerror(errno));`. */
ln_status ln_fail(ln_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
