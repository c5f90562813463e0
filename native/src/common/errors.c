/*
 * errors.c — the thread-local last-error message behind lp_fail / lp_last_error.
 * A failing call writes its message here; successful calls leave it alone (see lorapar.h).
 * lp_fail must be called from the thread that made the public call, never from inside an
 * OpenMP parallel region (the message would land in a worker thread's slot).
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

enum { LP_ERROR_MESSAGE_CAPACITY = 1024 };

static _Thread_local char lp_error_message[LP_ERROR_MESSAGE_CAPACITY]; /* NUL-terminated, "" when none */

lp_status lp_fail(lp_status status, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    int written = vsnprintf(lp_error_message, sizeof lp_error_message, fmt, args);
    va_end(args);
    if (written < 0) snprintf(lp_error_message, sizeof lp_error_message, "(unformattable error message)");
    return status;
}

const char *lp_last_error(void) { return lp_error_message; }
