/* The table of built-in backends. Which OS backend exists is decided by the build alone. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

extern const cimjob_backend cimjob__fake_backend;

const cimjob_backend *cimjob_backend_default(void)
{
    return cimjob__platform_backend();
}

const cimjob_backend *cimjob_backend_by_name(const char *name)
{
    if (!name)
        return NULL;
    if (strcmp(name, "fake") == 0)
        return &cimjob__fake_backend;
    const cimjob_backend *os = cimjob__platform_backend();
    if (os && strcmp(name, os->name) == 0)
        return os;
    return NULL;
}

cimjob_rc cimjob_backend_fail(cimjob_rc rc, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return cimjob__fail(rc, "%s", buf);
}
