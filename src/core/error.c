#include <stdarg.h>
#include <stdio.h>

#include "lenet/lenet.h"

static _Thread_local char last_error[512];

const char *ln_last_error(void) { return last_error; }

ln_status ln_fail(ln_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return st;
}
