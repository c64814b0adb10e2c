/*
 * libFuzzer target: every CIM datetime parser on arbitrary bytes. Whatever parses must format
 * back to a string that parses to the same value (and, for fully specified input, to the same
 * text); nothing may crash or read out of bounds.
 */
#include <cimjob/cimjob.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    cimjob_datetime dt;
    char out[CIMJOB_DATETIME_SIZE];
    if (cimjob_datetime_parse(s, &dt) == CIMJOB_RC_SUCCESS) {
        if (dt.kind == CIMJOB_DATETIME_INTERVAL) {
            uint64_t us;
            if (cimjob_interval_format(dt.interval_us, out) != CIMJOB_RC_SUCCESS)
                abort();
            if (cimjob_interval_parse(out, &us) != CIMJOB_RC_SUCCESS || us != dt.interval_us)
                abort();
            if (dt.significant_digits == 20 && strcmp(out, s) != 0)
                abort();
        } else {
            int64_t us;
            int off;
            if (cimjob_timestamp_format(dt.timestamp_us, dt.utc_offset_min, out) ==
                CIMJOB_RC_SUCCESS) {
                if (cimjob_timestamp_parse(out, &us, &off) != CIMJOB_RC_SUCCESS ||
                    us != dt.timestamp_us || off != dt.utc_offset_min)
                    abort();
                /* "-000" is printed "+000"; everything else round-trips exactly. */
                if (dt.significant_digits == 20 && strcmp(out, s) != 0 &&
                    !(dt.utc_offset_min == 0 && s[21] == '-'))
                    abort();
            }
        }
    }
    uint64_t d;
    if (cimjob_duration_parse(s, &d) == CIMJOB_RC_SUCCESS && d > CIMJOB_INTERVAL_MAX_US)
        abort();
    int64_t t;
    cimjob_timestamp_parse(s, &t, NULL);
    free(s);
    return 0;
}
