#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lenet/status.h"

/* The message lives in a per-thread heap block sized to fit, so a reason
 * after a long path is never cut; `fallback` serves (truncated) only when
 * that allocation fails. The block of a thread is kept for its next
 * message (and reachable through the thread-local pointer until exit). */
static _Thread_local char fallback[512];
static _Thread_local char *message;

const char *ln_last_error(void) { return message ? message : fallback; }

ln_status ln_fail(ln_status st, const char *fmt, ...)
{
    va_list ap, aq;
    va_start(ap, fmt);
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    /* a new block: an argument may be the old message itself */
    char *m = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (m) {
        vsnprintf(m, (size_t)n + 1, fmt, ap);
        free(message);
        message = m;
    } else {
        char tmp[sizeof fallback];
        vsnprintf(tmp, sizeof tmp, fmt, ap);
        free(message);
        message = NULL;
        snprintf(fallback, sizeof fallback, "%s", tmp);
    }
    va_end(ap);
    return st;
}

const char *ln_status_name(ln_status st)
{
    switch (st) {
    case LN_OK: return "ok";
    case LN_ERR_IO: return "I/O error";
    case LN_ERR_FORMAT: return "malformed file";
    case LN_ERR_ARG: return "invalid argument";
    case LN_ERR_NOMEM: return "out of memory";
    case LN_ERR_NUMERIC: return "non-finite value";
    case LN_ERR_UNSUPPORTED: return "unsupported";
    }
    return "unknown status"; /* a value outside the enum (a cast) */
}

const char *ln_version(void) { return LENET_VERSION; }

int ln_version_number(void) { return LENET_VERSION_NUMBER; }
