/* CIM datetime (DSP0004): parsing and formatting of timestamps and intervals.
 *
 * Portable core: only C standard headers, no <time.h> conversions. Civil dates are converted
 * with Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar).
 *
 * Choices where DSP0004 leaves room (documented in the tests too):
 * - Leap seconds: ss = 60 is rejected. Timestamps are stored as POSIX-style microseconds
 *   without leap seconds, so 60 could not round-trip.
 * - Asterisks (DSP0004 5.2.4): they replace whole fields, from the least significant field
 *   upward (yyyy mm dd hh mm ss for a timestamp, dddddddd hh mm ss for an interval); only the
 *   microseconds may be asterisked in part, as a suffix ("65****"). Never in the UTC offset nor
 *   in an interval's ":000". A field partly asterisked ("1*" as a month, "4*" as seconds) is
 *   rejected. Asterisks read as 0, except that an asterisked month or day reads as 01
 *   ("2026**********.******+000" is 2026-01-01); an explicit "00" month or day is rejected.
 * - The all-zero timestamp "00000000000000.000000+000" is CIM's "no time" (e.g. an
 *   UntilTime that is not set): it parses to CIMJOB_TIMESTAMP_NONE_US and that value formats
 *   back to it. Any other month or day 00 is rejected.
 * - Year 0000 is accepted (proleptic Gregorian, a leap year).
 * - An offset of "-000" is accepted and reads as 0; formatting prints offset 0 as "+000".
 * - cimjob_duration_parse: seconds are one or more digits, optionally followed by '.' and one
 *   to six digits. ".5", "1.", signs, spaces and exponents are rejected. A string of exactly 25
 *   characters whose character 21 is not a digit is parsed as a CIM datetime and must be an
 *   interval.
 */
#include <cimjob/datetime.h>

#include "civil.h"
#include "error.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DT_US_PER_SEC  INT64_C(1000000)
#define DT_US_PER_MIN  (INT64_C(60) * DT_US_PER_SEC)
#define DT_US_PER_HOUR (INT64_C(60) * DT_US_PER_MIN)
#define DT_US_PER_DAY  (INT64_C(24) * DT_US_PER_HOUR)
/* Any |us| below this keeps us + offset and the day arithmetic far from int64 overflow, and is
 * far beyond year 9999 (about 2.5e17 us), so larger magnitudes are rejected up front. */
#define DT_US_SANE_LIMIT (INT64_C(1) << 62)
/* The largest interval, 99999999 days 23:59:59.999999 = 8639999999999999999 us, computed here
 * rather than taken from CIMJOB_INTERVAL_MAX_US (which must equal it; the test suite checks). */
#define DT_INTERVAL_MAX_US (UINT64_C(100000000) * (uint64_t)DT_US_PER_DAY - 1)
/* DT_INTERVAL_MAX_US in whole seconds. */
#define DT_DURATION_MAX_SEC (DT_INTERVAL_MAX_US / UINT64_C(1000000))

/* ---- civil calendar -------------------------------------------------------------------- */

static int dt_is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int64_t dt_days_in_month(int64_t y, int64_t m)
{
    static const int64_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && dt_is_leap(y)) {
        return 29;
    }
    return days[m - 1];
}

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12, d 1..31). */
static int64_t dt_days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2 ? 1 : 0;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;                                   /* [0, 399] */
    const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

/* The inverse of dt_days_from_civil. */
static void dt_civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    const int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2 ? 1 : 0);
}

/* For the scheduler (lib/core/civil.h): the same calendar. */
int64_t cimjob__days_from_civil(int64_t y, int64_t m, int64_t d)
{
    return dt_days_from_civil(y, m, d);
}

void cimjob__civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
    dt_civil_from_days(z, y, m, d);
}

int cimjob__days_in_month(int64_t y, int64_t m)
{
    return (int)dt_days_in_month(y, m);
}

/* ---- small helpers --------------------------------------------------------------------- */

static int dt_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Describe a character for an error message: 'x' when printable, else \xNN. */
static const char *dt_char_name(char c, char buf[8])
{
    const unsigned char u = (unsigned char)c;
    if (u >= 0x20 && u < 0x7f) {
        buf[0] = '\'';
        buf[1] = c;
        buf[2] = '\'';
        buf[3] = '\0';
    } else {
        static const char hex[] = "0123456789abcdef";
        buf[0] = '\\';
        buf[1] = 'x';
        buf[2] = hex[u >> 4];
        buf[3] = hex[u & 0x0f];
        buf[4] = '\0';
    }
    return buf;
}

/* Value of the @p width characters of @p text at @p pos (digits or asterisks; '*' reads 0).
 * Sets *starred when any of them is an asterisk. */
static int64_t dt_field(const char *text, size_t pos, size_t width, int *starred)
{
    int64_t v = 0;
    *starred = 0;
    for (size_t i = pos; i < pos + width; i++) {
        v *= 10;
        if (text[i] == '*') {
            *starred = 1;
        } else {
            v += (int64_t)(text[i] - '0');
        }
    }
    return v;
}

/* Write @p v as exactly @p width decimal digits (v must fit). */
static void dt_put(char *p, uint64_t v, size_t width)
{
    for (size_t i = width; i > 0; i--) {
        p[i - 1] = (char)('0' + (int)(v % 10));
        v /= 10;
    }
}

/* ---- parsing --------------------------------------------------------------------------- */

/* Parse any 25-character CIM datetime; messages are prefixed with @p fn. @p text non-NULL.
 * *out is written only on success. */
static cimjob_rc dt_parse(const char *fn, const char *text, cimjob_datetime *out)
{
    char cb[8];
    size_t n = 0;
    while (n <= CIMJOB_DATETIME_LEN && text[n] != '\0') {
        n++;
    }
    if (n != CIMJOB_DATETIME_LEN) {
        if (n > CIMJOB_DATETIME_LEN) {
            return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                                "%s: datetime is longer than %d characters", fn,
                                CIMJOB_DATETIME_LEN);
        }
        return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                            "%s: datetime has length %zu, expected %d characters", fn, n,
                            CIMJOB_DATETIME_LEN);
    }

    cimjob_datetime_kind kind;
    if (text[21] == ':') {
        kind = CIMJOB_DATETIME_INTERVAL;
    } else if (text[21] == '+' || text[21] == '-') {
        kind = CIMJOB_DATETIME_TIMESTAMP;
    } else {
        return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                            "%s: character 21 is %s, expected '+' or '-' (timestamp) or ':' "
                            "(interval)",
                            fn, dt_char_name(text[21], cb));
    }
    if (text[14] != '.') {
        return cimjob__fail(CIMJOB_RC_INVALID_DATETIME, "%s: character 14 is %s, expected '.'", fn,
                            dt_char_name(text[14], cb));
    }

    /* The 20 value digits: asterisks only as a contiguous suffix. */
    int significant = 0;
    int seen_star = 0;
    for (size_t i = 0; i < 21; i++) {
        if (i == 14) {
            continue;
        }
        const char c = text[i];
        if (c == '*') {
            seen_star = 1;
        } else if (dt_is_digit(c)) {
            if (seen_star) {
                return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                                    "%s: digit at index %zu follows an asterisk (asterisks may "
                                    "only replace a suffix of the digits)",
                                    fn, i);
            }
            significant++;
        } else {
            return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                                "%s: character %zu is %s, expected a digit or '*'", fn, i,
                                dt_char_name(c, cb));
        }
    }

    /* Whole fields only: every field is all digits or all asterisks (the microseconds may end
     * in asterisks). With the suffix rule above, this is DSP0004's rule. */
    static const size_t ts_fields[] = {0, 4, 6, 8, 10, 12, 14};
    static const size_t iv_fields[] = {0, 8, 10, 12, 14};
    const size_t *fields = kind == CIMJOB_DATETIME_TIMESTAMP ? ts_fields : iv_fields;
    size_t nfields = kind == CIMJOB_DATETIME_TIMESTAMP ? 6 : 4;
    for (size_t f = 0; f < nfields; f++) {
        size_t a = fields[f], b = fields[f + 1];
        int stars = 0;
        for (size_t i = a; i < b; i++)
            stars += text[i] == '*';
        if (stars && stars != (int)(b - a)) {
            return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                                "%s: the field at index %zu..%zu is partly asterisks (DSP0004: "
                                "asterisks replace whole fields; only the microseconds may be "
                                "asterisked in part)",
                                fn, a, b - 1);
        }
    }

    cimjob_datetime v;
    memset(&v, 0, sizeof v);
    v.kind = kind;
    v.significant_digits = significant;
    int st = 0;

    if (kind == CIMJOB_DATETIME_TIMESTAMP && memcmp(text, "00000000000000.000000", 21) == 0 &&
        memcmp(text + 22, "000", 3) == 0) {
        v.timestamp_us = CIMJOB_TIMESTAMP_NONE_US; /* CIM's "no time" */
        *out = v;
        return CIMJOB_RC_SUCCESS;
    }

    if (kind == CIMJOB_DATETIME_INTERVAL) {
        if (text[22] != '0' || text[23] != '0' || text[24] != '0') {
            return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                                "%s: interval must end with ':000', got ':%.3s'", fn, text + 22);
        }
        const int64_t days = dt_field(text, 0, 8, &st);
        const int64_t hh = dt_field(text, 8, 2, &st);
        const int64_t mi = dt_field(text, 10, 2, &st);
        const int64_t ss = dt_field(text, 12, 2, &st);
        const int64_t us = dt_field(text, 15, 6, &st);
        if (hh > 23) {
            return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                                "%s: interval hours %02d out of range 00..23", fn, (int)hh);
        }
        if (mi > 59) {
            return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                                "%s: interval minutes %02d out of range 00..59", fn, (int)mi);
        }
        if (ss > 59) {
            return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                                "%s: interval seconds %02d out of range 00..59", fn, (int)ss);
        }
        /* At most 99999999 days 23:59:59.999999 = DT_INTERVAL_MAX_US < 2^63: no overflow. */
        const int64_t rest = hh * DT_US_PER_HOUR + mi * DT_US_PER_MIN + ss * DT_US_PER_SEC + us;
        v.interval_us = (uint64_t)days * (uint64_t)DT_US_PER_DAY + (uint64_t)rest;
        *out = v;
        return CIMJOB_RC_SUCCESS;
    }

    for (size_t i = 22; i < 25; i++) {
        if (text[i] == '*') {
            return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                                "%s: asterisk at index %zu in the UTC offset (not allowed)", fn, i);
        }
        if (!dt_is_digit(text[i])) {
            return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                                "%s: UTC offset character %zu is %s, expected a digit", fn, i,
                                dt_char_name(text[i], cb));
        }
    }
    const int64_t year = dt_field(text, 0, 4, &st);
    int64_t month = dt_field(text, 4, 2, &st);
    if (st && month == 0) {
        month = 1; /* an asterisked month reading 00 means January */
    }
    int64_t day = dt_field(text, 6, 2, &st);
    if (st && day == 0) {
        day = 1; /* an asterisked day reading 00 means the 1st */
    }
    const int64_t hh = dt_field(text, 8, 2, &st);
    const int64_t mi = dt_field(text, 10, 2, &st);
    const int64_t ss = dt_field(text, 12, 2, &st);
    const int64_t us = dt_field(text, 15, 6, &st);
    const int64_t off = dt_field(text, 22, 3, &st);

    if (month < 1 || month > 12) {
        return cimjob__fail(CIMJOB_RC_INVALID_DATETIME, "%s: month %02d out of range 01..12", fn,
                            (int)month);
    }
    const int64_t dim = dt_days_in_month(year, month);
    if (day < 1 || day > dim) {
        return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                            "%s: day %02d out of range 01..%02d for %04d-%02d", fn, (int)day,
                            (int)dim, (int)year, (int)month);
    }
    if (hh > 23) {
        return cimjob__fail(CIMJOB_RC_INVALID_DATETIME, "%s: hour %02d out of range 00..23", fn,
                            (int)hh);
    }
    if (mi > 59) {
        return cimjob__fail(CIMJOB_RC_INVALID_DATETIME, "%s: minute %02d out of range 00..59", fn,
                            (int)mi);
    }
    if (ss > 59) {
        /* DSP0004 allows 60 for a leap second; we do not (see the top of this file). */
        return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                            "%s: second %02d out of range 00..59 (leap seconds are not supported)",
                            fn, (int)ss);
    }
    const int64_t offset = text[21] == '-' ? -off : off;
    /* Years 0000..9999 keep every term below 3e17: no overflow. */
    const int64_t local = dt_days_from_civil(year, month, day) * DT_US_PER_DAY +
                          hh * DT_US_PER_HOUR + mi * DT_US_PER_MIN + ss * DT_US_PER_SEC + us;
    v.timestamp_us = local - offset * DT_US_PER_MIN;
    v.utc_offset_min = (int)offset;
    *out = v;
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_datetime_parse(const char *text, cimjob_datetime *out)
{
    if (text == NULL) {
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_datetime_parse: text is NULL");
    }
    if (out == NULL) {
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_datetime_parse: out is NULL");
    }
    return dt_parse("cimjob_datetime_parse", text, out);
}

cimjob_rc cimjob_interval_parse(const char *text, uint64_t *us)
{
    if (text == NULL) {
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_interval_parse: text is NULL");
    }
    if (us == NULL) {
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_interval_parse: us is NULL");
    }
    cimjob_datetime v;
    const cimjob_rc rc = dt_parse("cimjob_interval_parse", text, &v);
    if (rc != CIMJOB_RC_SUCCESS) {
        return rc;
    }
    if (v.kind != CIMJOB_DATETIME_INTERVAL) {
        return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                            "cimjob_interval_parse: \"%s\" is a timestamp, not an interval", text);
    }
    *us = v.interval_us;
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_timestamp_parse(const char *text, int64_t *us, int *utc_offset_min)
{
    if (text == NULL) {
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_timestamp_parse: text is NULL");
    }
    if (us == NULL) {
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_timestamp_parse: us is NULL");
    }
    cimjob_datetime v;
    const cimjob_rc rc = dt_parse("cimjob_timestamp_parse", text, &v);
    if (rc != CIMJOB_RC_SUCCESS) {
        return rc;
    }
    if (v.kind != CIMJOB_DATETIME_TIMESTAMP) {
        return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                            "cimjob_timestamp_parse: \"%s\" is an interval, not a timestamp", text);
    }
    *us = v.timestamp_us;
    if (utc_offset_min != NULL) {
        *utc_offset_min = v.utc_offset_min;
    }
    return CIMJOB_RC_SUCCESS;
}

/* ---- formatting ------------------------------------------------------------------------ */

cimjob_rc cimjob_interval_format(uint64_t us, char *out)
{
    if (out == NULL) {
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_interval_format: out is NULL");
    }
    if (us > DT_INTERVAL_MAX_US) {
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_interval_format: %llu us exceeds the maximum interval "
                            "(%llu us, 99999999 days)",
                            (unsigned long long)us, (unsigned long long)DT_INTERVAL_MAX_US);
    }
    const uint64_t day = (uint64_t)DT_US_PER_DAY;
    const uint64_t hour = (uint64_t)DT_US_PER_HOUR;
    const uint64_t minute = (uint64_t)DT_US_PER_MIN;
    const uint64_t second = (uint64_t)DT_US_PER_SEC;
    dt_put(out, us / day, 8);
    dt_put(out + 8, us % day / hour, 2);
    dt_put(out + 10, us % hour / minute, 2);
    dt_put(out + 12, us % minute / second, 2);
    out[14] = '.';
    dt_put(out + 15, us % second, 6);
    memcpy(out + 21, ":000", 5); /* with the NUL */
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_timestamp_format(int64_t us, int utc_offset_min, char *out)
{
    if (out == NULL) {
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_timestamp_format: out is NULL");
    }
    if (utc_offset_min < -999 || utc_offset_min > 999) {
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_timestamp_format: UTC offset %d minutes out of range "
                            "-999..999",
                            utc_offset_min);
    }
    if (us == CIMJOB_TIMESTAMP_NONE_US) {
        memcpy(out, CIMJOB_TIMESTAMP_ZERO, CIMJOB_DATETIME_SIZE);
        return CIMJOB_RC_SUCCESS;
    }
    if (us >= DT_US_SANE_LIMIT || us <= -DT_US_SANE_LIMIT) {
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_timestamp_format: %lld us is outside years 0000..9999",
                            (long long)us);
    }
    /* Local time at the offset; floor division so that times before 1970 work. */
    const int64_t local = us + (int64_t)utc_offset_min * DT_US_PER_MIN;
    int64_t days = local / DT_US_PER_DAY;
    int64_t rem = local % DT_US_PER_DAY;
    if (rem < 0) {
        rem += DT_US_PER_DAY;
        days -= 1;
    }
    int64_t y, m, d;
    dt_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_timestamp_format: year %lld is outside 0000..9999",
                            (long long)y);
    }
    dt_put(out, (uint64_t)y, 4);
    dt_put(out + 4, (uint64_t)m, 2);
    dt_put(out + 6, (uint64_t)d, 2);
    dt_put(out + 8, (uint64_t)(rem / DT_US_PER_HOUR), 2);
    dt_put(out + 10, (uint64_t)(rem % DT_US_PER_HOUR / DT_US_PER_MIN), 2);
    dt_put(out + 12, (uint64_t)(rem % DT_US_PER_MIN / DT_US_PER_SEC), 2);
    out[14] = '.';
    dt_put(out + 15, (uint64_t)(rem % DT_US_PER_SEC), 6);
    out[21] = utc_offset_min < 0 ? '-' : '+';
    dt_put(out + 22, (uint64_t)(utc_offset_min < 0 ? -utc_offset_min : utc_offset_min), 3);
    out[25] = '\0';
    return CIMJOB_RC_SUCCESS;
}

/* ---- durations ------------------------------------------------------------------------- */

cimjob_rc cimjob_duration_parse(const char *text, uint64_t *us)
{
    static const char fn[] = "cimjob_duration_parse";
    char cb[8];
    if (text == NULL) {
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "%s: text is NULL", fn);
    }
    if (us == NULL) {
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "%s: us is NULL", fn);
    }

    const size_t n = strlen(text);
    if (n == CIMJOB_DATETIME_LEN && !dt_is_digit(text[21])) {
        cimjob_datetime v;
        const cimjob_rc rc = dt_parse(fn, text, &v);
        if (rc != CIMJOB_RC_SUCCESS) {
            return rc;
        }
        if (v.kind != CIMJOB_DATETIME_INTERVAL) {
            return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                                "%s: \"%s\" is a timestamp, not a duration", fn, text);
        }
        *us = v.interval_us;
        return CIMJOB_RC_SUCCESS;
    }

    if (n == 0) {
        return cimjob__fail(CIMJOB_RC_INVALID_DATETIME, "%s: duration is empty", fn);
    }
    if (!dt_is_digit(text[0])) {
        return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                            "%s: duration starts with %s, expected a digit (seconds such as "
                            "\"5\" or \"0.5\", or a CIM interval)",
                            fn, dt_char_name(text[0], cb));
    }
    size_t i = 0;
    uint64_t sec = 0;
    for (; dt_is_digit(text[i]); i++) {
        sec = sec * 10 + (uint64_t)(text[i] - '0');
        if (sec > DT_DURATION_MAX_SEC) {
            return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                                "%s: duration \"%s\" exceeds the maximum of %llu seconds", fn, text,
                                (unsigned long long)DT_DURATION_MAX_SEC);
        }
    }
    uint64_t frac = 0;
    if (text[i] == '.') {
        i++;
        if (!dt_is_digit(text[i])) {
            return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                                "%s: duration \"%s\" needs a digit after '.'", fn, text);
        }
        size_t decimals = 0;
        for (; dt_is_digit(text[i]); i++) {
            if (++decimals > 6) {
                return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                                    "%s: duration \"%s\" has more than six decimals", fn, text);
            }
            frac = frac * 10 + (uint64_t)(text[i] - '0');
        }
        for (; decimals < 6; decimals++) {
            frac *= 10;
        }
    }
    if (text[i] != '\0') {
        return cimjob__fail(CIMJOB_RC_INVALID_DATETIME,
                            "%s: unexpected %s at index %zu in duration \"%s\"", fn,
                            dt_char_name(text[i], cb), i, text);
    }
    /* sec <= DT_DURATION_MAX_SEC and frac <= 999999 keep this <= DT_INTERVAL_MAX_US. */
    *us = sec * UINT64_C(1000000) + frac;
    return CIMJOB_RC_SUCCESS;
}
