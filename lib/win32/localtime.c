/* The local time zone's UTC offset for the scheduler (CIM_Job LocalOrUtcTime = Local Time). */
#include <time.h>

#include "../core/platform.h"

int cimjob__local_offset_min(int64_t utc_us)
{
    __time64_t t = (__time64_t)(utc_us / 1000000);
    struct tm tm;
    if (_localtime64_s(&tm, &t) != 0)
        return 0;
    /* The local calendar fields read as UTC, minus the instant: the offset, DST included. */
    __time64_t as_utc = _mkgmtime64(&tm);
    if (as_utc == -1)
        return 0;
    return (int)((as_utc - t) / 60);
}
