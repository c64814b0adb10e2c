/* Tests for lib/core/datetime.c: CIM datetime (DSP0004) timestamps, intervals, durations. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <cimjob/datetime.h>

#define US_PER_SEC  INT64_C(1000000)
#define US_PER_MIN  (INT64_C(60) * US_PER_SEC)
#define US_PER_HOUR (INT64_C(60) * US_PER_MIN)
#define US_PER_DAY  (INT64_C(24) * US_PER_HOUR)
/* 99999999 days 23:59:59.999999, computed independently of the header's constant. */
#define MAX_US UINT64_C(8639999999999999999)

/* ---- helpers ---------------------------------------------------------------------------- */

/* Parse a timestamp that must be valid and format it back in its own offset: must be equal. */
static void assert_timestamp_round_trip(const char *text)
{
    int64_t us = 0;
    int off = 12345;
    char buf[CIMJOB_DATETIME_SIZE];
    assert_int_equal(cimjob_timestamp_parse(text, &us, &off), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_timestamp_format(us, off, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, text);
}

static void assert_interval_round_trip(const char *text)
{
    uint64_t us = 0;
    char buf[CIMJOB_DATETIME_SIZE];
    assert_int_equal(cimjob_interval_parse(text, &us), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_interval_format(us, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, text);
}

/* Parse must fail with CIMJOB_RC_INVALID_DATETIME, leave *out untouched and leave a message
 * containing @p needle. */
static void assert_rejected(const char *text, const char *needle)
{
    cimjob_datetime dt;
    memset(&dt, 0xA5, sizeof dt);
    cimjob_datetime before = dt;
    assert_int_equal(cimjob_datetime_parse(text, &dt), CIMJOB_RC_INVALID_DATETIME);
    assert_memory_equal(&dt, &before, sizeof dt);
    const char *msg = cimjob_last_error();
    assert_non_null(msg);
    assert_non_null(strstr(msg, "cimjob_datetime_parse"));
    if (strstr(msg, needle) == NULL) {
        fail_msg("message \"%s\" does not mention \"%s\"", msg, needle);
    }
}

static int64_t ts(const char *text)
{
    int64_t us = 0;
    assert_int_equal(cimjob_timestamp_parse(text, &us, NULL), CIMJOB_RC_SUCCESS);
    return us;
}

static uint64_t dur(const char *text)
{
    uint64_t us = 0;
    assert_int_equal(cimjob_duration_parse(text, &us), CIMJOB_RC_SUCCESS);
    return us;
}

static void assert_duration_rejected(const char *text)
{
    uint64_t us = 777;
    assert_int_equal(cimjob_duration_parse(text, &us), CIMJOB_RC_INVALID_DATETIME);
    assert_int_equal(us, 777);
    assert_non_null(strstr(cimjob_last_error(), "cimjob_duration_parse"));
}

/* ---- timestamps ------------------------------------------------------------------------- */

static void test_epoch(void **state)
{
    (void)state;
    cimjob_datetime dt;
    assert_int_equal(cimjob_datetime_parse("19700101000000.000000+000", &dt), CIMJOB_RC_SUCCESS);
    assert_int_equal(dt.kind, CIMJOB_DATETIME_TIMESTAMP);
    assert_int_equal(dt.timestamp_us, 0);
    assert_int_equal(dt.utc_offset_min, 0);
    assert_int_equal(dt.significant_digits, 20);

    char buf[CIMJOB_DATETIME_SIZE];
    assert_int_equal(cimjob_timestamp_format(0, 0, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "19700101000000.000000+000");
}

static void test_timestamp_known_value(void **state)
{
    (void)state;
    /* 2001-09-09T01:46:40.123456Z is 1e9 s after the epoch. */
    assert_int_equal(ts("20010909014640.123456+000"), INT64_C(1000000000123456));
    char buf[CIMJOB_DATETIME_SIZE];
    assert_int_equal(cimjob_timestamp_format(INT64_C(1000000000123456), 0, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "20010909014640.123456+000");
}

static void test_timestamp_round_trips(void **state)
{
    (void)state;
    assert_timestamp_round_trip("20261123104512.654321+060");
    assert_timestamp_round_trip("19991231235959.999999-300");
    assert_timestamp_round_trip("00000101000000.000000+000");
    assert_timestamp_round_trip("99991231235959.999999+000");
    assert_timestamp_round_trip("18000301120000.000001-999");
    assert_timestamp_round_trip("20240229000000.000000+999");
}

static void test_timestamp_negative(void **state)
{
    (void)state;
    assert_int_equal(ts("19691231235959.999999+000"), -1);
    assert_int_equal(ts("19690101000000.000000+000"), -365 * US_PER_DAY);

    char buf[CIMJOB_DATETIME_SIZE];
    assert_int_equal(cimjob_timestamp_format(-1, 0, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "19691231235959.999999+000");
    /* -1.5 s must floor to 23:59:58.500000, not truncate toward zero. */
    assert_int_equal(cimjob_timestamp_format(-1500000, 0, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "19691231235958.500000+000");
    assert_int_equal(cimjob_timestamp_format(-US_PER_DAY, 0, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "19691231000000.000000+000");
}

static void test_timestamp_year_zero_and_limits(void **state)
{
    (void)state;
    /* 0000-01-01 is 719528 days before the epoch (year 0 is a leap year). */
    assert_int_equal(ts("00000101000000.000000+000"), INT64_C(-719528) * US_PER_DAY);
    assert_int_equal(ts("00000229000000.000000+000"), (INT64_C(-719528) + 59) * US_PER_DAY);
    assert_int_equal(ts("99991231235959.999999+000"), INT64_C(253402300800000000) - 1);
}

static void test_timestamp_format_year_out_of_range(void **state)
{
    (void)state;
    char buf[CIMJOB_DATETIME_SIZE] = "untouched";
    const int64_t min = INT64_C(-719528) * US_PER_DAY;
    const int64_t end = INT64_C(253402300800000000);
    assert_int_equal(cimjob_timestamp_format(min - 1, 0, buf), CIMJOB_RC_INVALID_PARAMETER);
    assert_non_null(strstr(cimjob_last_error(), "year"));
    assert_int_equal(cimjob_timestamp_format(end, 0, buf), CIMJOB_RC_INVALID_PARAMETER);
    /* In range in UTC, but the local time at +001 is in year 10000. */
    assert_int_equal(cimjob_timestamp_format(end - 1, 1, buf), CIMJOB_RC_INVALID_PARAMETER);
    /* ...and at -001 before year 0000. */
    assert_int_equal(cimjob_timestamp_format(min, -1, buf), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_timestamp_format(INT64_MAX, 999, buf), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_timestamp_format(INT64_MIN + 1, -999, buf),
                     CIMJOB_RC_INVALID_PARAMETER);
    /* INT64_MIN is CIMJOB_TIMESTAMP_NONE_US: the all-zero timestamp (see the round-trip test). */
    assert_int_equal(cimjob_timestamp_format(end - 1, 0, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "99991231235959.999999+000");
    assert_int_equal(cimjob_timestamp_format(min, 0, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "00000101000000.000000+000");
}

static void test_timestamp_format_bad_params(void **state)
{
    (void)state;
    char buf[CIMJOB_DATETIME_SIZE];
    assert_int_equal(cimjob_timestamp_format(0, 0, NULL), CIMJOB_RC_INVALID_PARAMETER);
    assert_non_null(strstr(cimjob_last_error(), "out is NULL"));
    assert_int_equal(cimjob_timestamp_format(0, 1000, buf), CIMJOB_RC_INVALID_PARAMETER);
    assert_non_null(strstr(cimjob_last_error(), "1000"));
    assert_int_equal(cimjob_timestamp_format(0, -1000, buf), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_timestamp_format(0, -999, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "19691231072100.000000-999");
}

static void test_leap_days(void **state)
{
    (void)state;
    assert_int_equal(ts("20240229000000.000000+000") + US_PER_DAY, ts("20240301000000.000000+000"));
    assert_int_equal(ts("20000229120000.000000+000") + US_PER_DAY, ts("20000301120000.000000+000"));
    assert_rejected("20230229000000.000000+000", "day 29");
    assert_rejected("19000229000000.000000+000", "day 29");
    assert_rejected("21000229000000.000000+000", "day 29");
    assert_rejected("20240230000000.000000+000", "day 30");
    /* 1900 is not leap: Feb 28 to Mar 1 is one day. */
    assert_int_equal(ts("19000228000000.000000+000") + US_PER_DAY, ts("19000301000000.000000+000"));
}

static void test_days_per_month(void **state)
{
    (void)state;
    assert_rejected("20260431000000.000000+000", "day 31");
    assert_rejected("20260631000000.000000+000", "day 31");
    assert_rejected("20260931000000.000000+000", "day 31");
    assert_rejected("20261131000000.000000+000", "day 31");
    assert_rejected("20260100000000.000000+000", "day 00");
    assert_rejected("20260132000000.000000+000", "day 32");
    assert_timestamp_round_trip("20260131000000.000000+000");
    assert_timestamp_round_trip("20261231000000.000000+000");
    assert_timestamp_round_trip("20260430000000.000000+000");
}

static void test_offsets(void **state)
{
    (void)state;
    /* The same instant written at three offsets. */
    const int64_t utc = ts("20261123100000.000000+000");
    assert_int_equal(ts("20261123110000.000000+060"), utc);
    assert_int_equal(ts("20261123043000.000000-330"), utc);

    int off = 0;
    int64_t us = 0;
    assert_int_equal(cimjob_timestamp_parse("20261123043000.000000-330", &us, &off),
                     CIMJOB_RC_SUCCESS);
    assert_int_equal(off, -330);

    char buf[CIMJOB_DATETIME_SIZE];
    assert_int_equal(cimjob_timestamp_format(utc, 60, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "20261123110000.000000+060");
    assert_int_equal(cimjob_timestamp_format(utc, -330, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "20261123043000.000000-330");
    /* An offset crossing midnight and the year boundary. */
    assert_int_equal(cimjob_timestamp_format(0, -60, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "19691231230000.000000-060");
}

static void test_offset_minus_zero(void **state)
{
    (void)state;
    int off = 5;
    int64_t us = 5;
    assert_int_equal(cimjob_timestamp_parse("19700101000000.000000-000", &us, &off),
                     CIMJOB_RC_SUCCESS);
    assert_int_equal(us, 0);
    assert_int_equal(off, 0);
}

static void test_timestamp_field_ranges(void **state)
{
    (void)state;
    assert_rejected("20260001000000.000000+000", "month 00");
    assert_rejected("20261301000000.000000+000", "month 13");
    assert_rejected("20261123240000.000000+000", "hour 24");
    assert_rejected("20261123236000.000000+000", "minute 60");
    assert_rejected("20261123235960.000000+000", "second 60"); /* leap second: rejected */
    assert_timestamp_round_trip("20261123235959.000000+000");
}

static void test_timestamp_parse_rejects_interval(void **state)
{
    (void)state;
    int64_t us = 42;
    assert_int_equal(cimjob_timestamp_parse(CIMJOB_INTERVAL_ZERO, &us, NULL),
                     CIMJOB_RC_INVALID_DATETIME);
    assert_int_equal(us, 42);
    assert_non_null(strstr(cimjob_last_error(), "interval"));
}

/* ---- intervals -------------------------------------------------------------------------- */

static void test_interval_zero(void **state)
{
    (void)state;
    cimjob_datetime dt;
    assert_int_equal(cimjob_datetime_parse(CIMJOB_INTERVAL_ZERO, &dt), CIMJOB_RC_SUCCESS);
    assert_int_equal(dt.kind, CIMJOB_DATETIME_INTERVAL);
    assert_int_equal(dt.interval_us, 0);
    assert_int_equal(dt.significant_digits, 20);
    char buf[CIMJOB_DATETIME_SIZE];
    assert_int_equal(cimjob_interval_format(0, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, CIMJOB_INTERVAL_ZERO);
}

static void test_interval_values(void **state)
{
    (void)state;
    uint64_t us = 0;
    assert_int_equal(cimjob_interval_parse("00000000000500.000000:000", &us), CIMJOB_RC_SUCCESS);
    assert_int_equal(us, 300 * US_PER_SEC);
    assert_int_equal(cimjob_interval_parse("00000001020304.000005:000", &us), CIMJOB_RC_SUCCESS);
    assert_int_equal(us, US_PER_DAY + 2 * US_PER_HOUR + 3 * US_PER_MIN + 4 * US_PER_SEC + 5);
    assert_interval_round_trip("00000001020304.000005:000");
    assert_interval_round_trip("12345678235959.999999:000");
}

static void test_interval_max(void **state)
{
    (void)state;
    uint64_t us = 0;
    assert_int_equal(cimjob_interval_parse("99999999235959.999999:000", &us), CIMJOB_RC_SUCCESS);
    assert_true(us == MAX_US);
    char buf[CIMJOB_DATETIME_SIZE];
    assert_int_equal(cimjob_interval_format(MAX_US, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "99999999235959.999999:000");
}

static void test_interval_max_constant(void **state)
{
    (void)state;
    /* The header's CIMJOB_INTERVAL_MAX_US must be 99999999 days 23:59:59.999999 in us. */
    assert_true(MAX_US == UINT64_C(100000000) * (uint64_t)US_PER_DAY - 1);
    assert_true(CIMJOB_INTERVAL_MAX_US == MAX_US);
}

static void test_interval_max_plus_one(void **state)
{
    (void)state;
    char buf[CIMJOB_DATETIME_SIZE] = "untouched";
    assert_int_equal(cimjob_interval_format(MAX_US + 1, buf), CIMJOB_RC_INVALID_PARAMETER);
    assert_string_equal(buf, "untouched");
    assert_non_null(strstr(cimjob_last_error(), "maximum"));
    assert_int_equal(cimjob_interval_format(UINT64_MAX, buf), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_interval_format(0, NULL), CIMJOB_RC_INVALID_PARAMETER);
}

static void test_interval_field_ranges(void **state)
{
    (void)state;
    assert_rejected("00000000240000.000000:000", "hours 24");
    assert_rejected("00000000006000.000000:000", "minutes 60");
    assert_rejected("00000000000060.000000:000", "seconds 60");
}

static void test_interval_tail(void **state)
{
    (void)state;
    assert_rejected("00000000000000.000000:001", ":000");
    assert_rejected("00000000000000.000000:***", ":000");
    assert_rejected("00000000000000.000000:0a0", ":000");
}

static void test_interval_parse_rejects_timestamp(void **state)
{
    (void)state;
    uint64_t us = 42;
    assert_int_equal(cimjob_interval_parse("20261123104512.654321+060", &us),
                     CIMJOB_RC_INVALID_DATETIME);
    assert_int_equal(us, 42);
    assert_non_null(strstr(cimjob_last_error(), "timestamp"));
}

/* ---- asterisks -------------------------------------------------------------------------- */

static void test_asterisks_valid_timestamp(void **state)
{
    (void)state;
    cimjob_datetime dt;
    assert_int_equal(cimjob_datetime_parse("20261123******.******+060", &dt), CIMJOB_RC_SUCCESS);
    assert_int_equal(dt.significant_digits, 8);
    assert_int_equal(dt.utc_offset_min, 60);
    assert_int_equal(dt.timestamp_us, ts("20261123000000.000000+060"));

    assert_int_equal(cimjob_datetime_parse("20261123104512.65****+000", &dt), CIMJOB_RC_SUCCESS);
    assert_int_equal(dt.significant_digits, 16);
    assert_int_equal(dt.timestamp_us, ts("20261123104512.650000+000"));

    assert_int_equal(cimjob_datetime_parse("202611231045**.******-120", &dt), CIMJOB_RC_SUCCESS);
    assert_int_equal(dt.significant_digits, 12);
    assert_int_equal(dt.timestamp_us, ts("20261123104500.000000-120"));
}

static void test_asterisks_month_day_read_as_one(void **state)
{
    (void)state;
    cimjob_datetime dt;
    /* Asterisked month/day reading 00 read 01. */
    assert_int_equal(cimjob_datetime_parse("2026**********.******+000", &dt), CIMJOB_RC_SUCCESS);
    assert_int_equal(dt.significant_digits, 4);
    assert_int_equal(dt.timestamp_us, ts("20260101000000.000000+000"));
    assert_int_equal(cimjob_datetime_parse("202611********.******+000", &dt), CIMJOB_RC_SUCCESS);
    assert_int_equal(dt.timestamp_us, ts("20261101000000.000000+000"));
    /* All asterisks: 0000-01-01. */
    assert_int_equal(cimjob_datetime_parse("**************.******+000", &dt), CIMJOB_RC_SUCCESS);
    assert_int_equal(dt.significant_digits, 0);
    assert_int_equal(dt.timestamp_us, ts("00000101000000.000000+000"));
}

/* DSP0004: asterisks replace whole fields; a partly asterisked field other than the microseconds
 * is rejected (it used to read "1*" as month 10 and "4*" seconds as 40). */
static void test_asterisks_whole_fields_only(void **state)
{
    (void)state;
    cimjob_datetime dt;
    assert_rejected("20261*********.******+000", "partly asterisks");
    assert_rejected("20260*********.******+000", "index 4..5");
    assert_rejected("2026022*******.******+000", "index 6..7");
    assert_rejected("2026110*******.******+000", "index 6..7");
    assert_rejected("202611231*****.******+000", "index 8..9");
    assert_rejected("2026112310451*.******-120", "index 12..13");
    assert_rejected("202*1123******.******+000", "index");
    assert_rejected("0000001*******.******:000", "index 0..7");
    assert_rejected("000000011*****.******:000", "index 8..9");
    assert_rejected("0000000112304*.******:000", "index 12..13");
    /* The microseconds may be asterisked in part, as a suffix. */
    assert_int_equal(cimjob_datetime_parse("20261123104512.6*****+000", &dt), CIMJOB_RC_SUCCESS);
    assert_int_equal(dt.timestamp_us, ts("20261123104512.600000+000"));
    assert_int_equal(cimjob_datetime_parse("00000001120032.12****:000", &dt), CIMJOB_RC_SUCCESS);
    assert_int_equal(dt.interval_us,
                     US_PER_DAY + 12 * 3600 * US_PER_SEC + 32 * US_PER_SEC + 120000);
    /* Whole fields from the least significant upward. */
    assert_int_equal(cimjob_datetime_parse("2026**********.******+000", &dt), CIMJOB_RC_SUCCESS);
}

/* CIM's "no time" is the all-zero timestamp: it parses and formats back unchanged. */
static void test_all_zero_timestamp_round_trip(void **state)
{
    (void)state;
    cimjob_datetime dt;
    char out[CIMJOB_DATETIME_SIZE];
    int64_t us = 0;
    assert_int_equal(cimjob_datetime_parse(CIMJOB_TIMESTAMP_ZERO, &dt), CIMJOB_RC_SUCCESS);
    assert_int_equal(dt.kind, CIMJOB_DATETIME_TIMESTAMP);
    assert_true(dt.timestamp_us == CIMJOB_TIMESTAMP_NONE_US);
    assert_int_equal(dt.utc_offset_min, 0);
    assert_int_equal(cimjob_timestamp_parse("00000000000000.000000+000", &us, NULL),
                     CIMJOB_RC_SUCCESS);
    assert_true(us == CIMJOB_TIMESTAMP_NONE_US);
    assert_int_equal(cimjob_timestamp_format(us, 0, out), CIMJOB_RC_SUCCESS);
    assert_string_equal(out, "00000000000000.000000+000");
    assert_int_equal(cimjob_timestamp_format(CIMJOB_TIMESTAMP_NONE_US, 60, out), CIMJOB_RC_SUCCESS);
    assert_string_equal(out, CIMJOB_TIMESTAMP_ZERO);
    /* Only all zeros: a zero month or day with other digits stays invalid. */
    assert_rejected("00000000000001.000000+000", "month");
    assert_rejected("20260000000000.000000+000", "month");
    assert_rejected("20260100000000.000000+000", "day");
}

static void test_asterisks_valid_interval(void **state)
{
    (void)state;
    cimjob_datetime dt;
    assert_int_equal(cimjob_datetime_parse("00000012******.******:000", &dt), CIMJOB_RC_SUCCESS);
    assert_int_equal(dt.kind, CIMJOB_DATETIME_INTERVAL);
    assert_int_equal(dt.significant_digits, 8);
    assert_int_equal(dt.interval_us, 12 * US_PER_DAY);
    assert_int_equal(cimjob_datetime_parse("**************.******:000", &dt), CIMJOB_RC_SUCCESS);
    assert_int_equal(dt.interval_us, 0);
    assert_int_equal(dt.significant_digits, 0);
}

static void test_asterisks_not_suffix(void **state)
{
    (void)state;
    assert_rejected("2026112310*5**.******+000", "index 11");
    assert_rejected("20261123******.*****1+000", "index 20");
    assert_rejected("*0261123104512.654321+000", "index 1");
    assert_rejected("0000000*000000.000000:000", "asterisk");
    /* Nothing before '.' asterisked but a fraction digit after an asterisk. */
    assert_rejected("20261123104512.*12345+000", "index 16");
}

static void test_asterisks_in_offset(void **state)
{
    (void)state;
    assert_rejected("20261123******.******+***", "UTC offset");
    assert_rejected("20261123104512.654321+06*", "UTC offset");
    assert_rejected("20261123104512.654321-*00", "UTC offset");
}

/* ---- malformed strings ------------------------------------------------------------------ */

static void test_wrong_length(void **state)
{
    (void)state;
    assert_rejected("20261123104512.654321+06", "length 24");
    assert_rejected("20261123104512.654321+0600", "longer than 25");
    assert_rejected("", "length 0");
    assert_rejected("0000000000000.000000:000", "length 24");
}

static void test_null_arguments(void **state)
{
    (void)state;
    cimjob_datetime dt;
    uint64_t u = 0;
    int64_t i = 0;
    assert_int_equal(cimjob_datetime_parse(NULL, &dt), CIMJOB_RC_INVALID_PARAMETER);
    assert_non_null(strstr(cimjob_last_error(), "text is NULL"));
    assert_int_equal(cimjob_datetime_parse(CIMJOB_INTERVAL_ZERO, NULL),
                     CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_interval_parse(NULL, &u), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_interval_parse(CIMJOB_INTERVAL_ZERO, NULL),
                     CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_timestamp_parse(NULL, &i, NULL), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_timestamp_parse("19700101000000.000000+000", NULL, NULL),
                     CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_duration_parse(NULL, &u), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_duration_parse("5", NULL), CIMJOB_RC_INVALID_PARAMETER);
    assert_non_null(strstr(cimjob_last_error(), "cimjob_duration_parse: us is NULL"));
}

static void test_letters(void **state)
{
    (void)state;
    assert_rejected("2026112a104512.654321+000", "character 7 is 'a'");
    assert_rejected("20261123104512.65432x+000", "character 20 is 'x'");
    assert_rejected("20261123104512.654321+0a0", "UTC offset character 23");
    assert_rejected("0000000000000 .000000:000", "character 13");
    assert_rejected("2026112\x01"
                    "104512.654321+000",
                    "\\x01");
}

static void test_wrong_separators(void **state)
{
    (void)state;
    assert_rejected("20261123104512,654321+000", "character 14");
    assert_rejected("202611231045120654321+000", "character 14");
    assert_rejected("20261123104512.654321 000", "character 21");
    assert_rejected("20261123104512.6543210000", "character 21");
    assert_rejected("00000000000000.000000;000", "character 21");
}

static void test_last_error_mentions_problem(void **state)
{
    (void)state;
    cimjob_datetime dt;
    assert_int_equal(cimjob_datetime_parse("20261323104512.654321+000", &dt),
                     CIMJOB_RC_INVALID_DATETIME);
    assert_string_equal(cimjob_last_error(), "cimjob_datetime_parse: month 13 out of range 01..12");
    /* A later success does not clear it. */
    assert_int_equal(cimjob_datetime_parse(CIMJOB_INTERVAL_ZERO, &dt), CIMJOB_RC_SUCCESS);
    assert_string_equal(cimjob_last_error(), "cimjob_datetime_parse: month 13 out of range 01..12");
    uint64_t us = 0;
    assert_int_equal(cimjob_interval_parse("00000000250000.000000:000", &us),
                     CIMJOB_RC_INVALID_DATETIME);
    assert_string_equal(cimjob_last_error(),
                        "cimjob_interval_parse: interval hours 25 out of range 00..23");
}

/* ---- durations -------------------------------------------------------------------------- */

static void test_duration_seconds(void **state)
{
    (void)state;
    assert_int_equal(dur("5"), 5 * US_PER_SEC);
    assert_int_equal(dur("0"), 0);
    assert_int_equal(dur("0.5"), 500000);
    assert_int_equal(dur("1.25"), 1250000);
    assert_int_equal(dur("0.000001"), 1);
    assert_int_equal(dur("007"), 7 * US_PER_SEC);
    assert_int_equal(dur("3600"), US_PER_HOUR);
}

static void test_duration_limits(void **state)
{
    (void)state;
    assert_true(dur("8639999999999.999999") == MAX_US);
    assert_true(dur("8639999999999") == MAX_US - 999999);
    assert_duration_rejected("8640000000000");
    assert_non_null(strstr(cimjob_last_error(), "exceeds"));
    assert_duration_rejected("99999999999999999999999999999999");
    assert_duration_rejected("18446744073709551616");
}

static void test_duration_malformed(void **state)
{
    (void)state;
    assert_duration_rejected("");
    assert_non_null(strstr(cimjob_last_error(), "empty"));
    assert_duration_rejected("-1");
    assert_duration_rejected("+1");
    assert_duration_rejected("1.");
    assert_duration_rejected(".5"); /* a digit is required before '.' */
    assert_duration_rejected("1e3");
    assert_duration_rejected("abc");
    assert_duration_rejected(" 5");
    assert_duration_rejected("5 ");
    assert_duration_rejected("1.2.3");
    assert_duration_rejected("0x10");
    assert_duration_rejected("1.1234567");
    assert_non_null(strstr(cimjob_last_error(), "six decimals"));
}

static void test_duration_interval(void **state)
{
    (void)state;
    assert_int_equal(dur("00000000000500.000000:000"), 300 * US_PER_SEC);
    assert_true(dur("99999999235959.999999:000") == MAX_US);
    assert_int_equal(dur("00000001******.******:000"), US_PER_DAY);
    assert_duration_rejected("20261123104512.654321+060");
    assert_non_null(strstr(cimjob_last_error(), "timestamp"));
    assert_duration_rejected("00000000240000.000000:000");
    assert_non_null(strstr(cimjob_last_error(), "hours 24"));
    /* Twenty-five digits are seconds, not a datetime: 5 s. */
    assert_int_equal(dur("0000000000000000000000005"), 5 * US_PER_SEC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch),
        cmocka_unit_test(test_timestamp_known_value),
        cmocka_unit_test(test_timestamp_round_trips),
        cmocka_unit_test(test_timestamp_negative),
        cmocka_unit_test(test_timestamp_year_zero_and_limits),
        cmocka_unit_test(test_timestamp_format_year_out_of_range),
        cmocka_unit_test(test_timestamp_format_bad_params),
        cmocka_unit_test(test_leap_days),
        cmocka_unit_test(test_days_per_month),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_offset_minus_zero),
        cmocka_unit_test(test_timestamp_field_ranges),
        cmocka_unit_test(test_timestamp_parse_rejects_interval),
        cmocka_unit_test(test_interval_zero),
        cmocka_unit_test(test_interval_values),
        cmocka_unit_test(test_interval_max),
        cmocka_unit_test(test_interval_max_constant),
        cmocka_unit_test(test_interval_max_plus_one),
        cmocka_unit_test(test_interval_field_ranges),
        cmocka_unit_test(test_interval_tail),
        cmocka_unit_test(test_interval_parse_rejects_timestamp),
        cmocka_unit_test(test_asterisks_valid_timestamp),
        cmocka_unit_test(test_asterisks_month_day_read_as_one),
        cmocka_unit_test(test_asterisks_whole_fields_only),
        cmocka_unit_test(test_all_zero_timestamp_round_trip),
        cmocka_unit_test(test_asterisks_valid_interval),
        cmocka_unit_test(test_asterisks_not_suffix),
        cmocka_unit_test(test_asterisks_in_offset),
        cmocka_unit_test(test_wrong_length),
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test(test_letters),
        cmocka_unit_test(test_wrong_separators),
        cmocka_unit_test(test_last_error_mentions_problem),
        cmocka_unit_test(test_duration_seconds),
        cmocka_unit_test(test_duration_limits),
        cmocka_unit_test(test_duration_malformed),
        cmocka_unit_test(test_duration_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
