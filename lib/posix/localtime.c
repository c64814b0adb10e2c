/* The local time zone's UTC offset for the scheduler (CIM_Job LocalOrUtcTime = Local Time):
 * localtime_r() honours TZ, including POSIX rule strings such as "EST5EDT,M3.2.0,M11.1.0". */
#include <time.h>

#include "../core/platform.h"

int cimjob__local_offset_min(int64_t utc_us)
{
    time_t t = (time_t)(utc_us >= 0 ? utc_us / 1000000 : -((-utc_us + 999999) / 1000000));
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return 0;
    return (int)(tm.tm_gmtoff / 60);
}
