/* Thread-local detail for cimjob_last_error(). Internal to the library. */
#ifndef CIMJOB_CORE_ERROR_H
#define CIMJOB_CORE_ERROR_H

#include <cimjob/codes.h>

/* MinGW: "printf" means msvcrt's dialect (no %zu); the library formats with MinGW's C99
 * vsnprintf (__USE_MINGW_ANSI_STDIO), which gnu_printf describes. */
#if defined(__MINGW32__)
#define CIMJOB__PRINTF(a, b) __attribute__((format(gnu_printf, a, b)))
#elif defined(__GNUC__)
#define CIMJOB__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CIMJOB__PRINTF(a, b)
#endif

/* Record a detail message for the calling thread and return rc unchanged, so a failure path is
 * one line: `return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_create: name is NULL");` */
cimjob_rc cimjob__fail(cimjob_rc rc, const char *fmt, ...) CIMJOB__PRINTF(2, 3);

/* The same for RequestStateChange codes. */
int cimjob__fail_rsc(int rsc, const char *fmt, ...) CIMJOB__PRINTF(2, 3);

#endif
