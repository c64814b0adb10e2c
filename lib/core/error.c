/* Thread-local error detail: the only per-thread state in the library, like git_error_last(). */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

#define ERROR_SIZE 512

static _Thread_local char last_error[ERROR_SIZE];

static void set_error(const char *fmt, va_list ap) CIMJOB__PRINTF(1, 0);
static void set_error(const char *fmt, va_list ap)
{
    vsnprintf(last_error, sizeof last_error, fmt, ap);
}

cimjob_rc cimjob__fail(cimjob_rc rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error(fmt, ap);
    va_end(ap);
    return rc;
}

int cimjob__fail_rsc(int rsc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error(fmt, ap);
    va_end(ap);
    return rsc;
}

const char *cimjob_last_error(void)
{
    return last_error;
}
