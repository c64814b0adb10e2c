/**
 * @file cimjob/datetime.h
 * @brief CIM datetime (DSP0004): timestamps and intervals, parsed and formatted.
 *
 * Every CIM datetime is 25 characters:
 * - timestamp `yyyymmddhhmmss.mmmmmmsutc` (s is '+' or '-', utc the offset in minutes, 3 digits);
 * - interval  `ddddddddhhmmss.mmmmmm:000` (8 digits of days).
 *
 * Character 21 tells them apart. Asterisks may replace whole fields that are not significant,
 * from the least significant field upward; only the microseconds may be asterisked in part (a
 * suffix, "65****"), never the UTC offset (DSP0004). They are accepted on input and read as zero
 * (an asterisked month or day as 01), and never produced on output.
 *
 * The all-zero timestamp `00000000000000.000000+000` is CIM's "no time": it parses to
 * CIMJOB_TIMESTAMP_NONE_US, which formats back to it.
 *
 * Inside the library, a timestamp is microseconds since 1970-01-01T00:00:00 UTC (int64_t) plus
 * an offset in minutes that says how to print it, and an interval is a count of microseconds
 * (uint64_t). All functions here are pure and thread-safe.
 */
#ifndef CIMJOB_DATETIME_H
#define CIMJOB_DATETIME_H

#include "codes.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Length of a CIM datetime string, without the terminating NUL. */
#define CIMJOB_DATETIME_LEN 25
/** Size of a buffer that holds a CIM datetime string and its NUL. */
#define CIMJOB_DATETIME_SIZE 26

/** The largest interval a CIM datetime can hold: 99999999 days 23:59:59.999999, in us. */
#define CIMJOB_INTERVAL_MAX_US ((uint64_t)8639999999999999999ULL)

/** The zero interval, `00000000000000.000000:000`. */
#define CIMJOB_INTERVAL_ZERO "00000000000000.000000:000"

/** The all-zero timestamp, CIM's "no time" (`00000000000000.000000+000`). */
#define CIMJOB_TIMESTAMP_ZERO "00000000000000.000000+000"

/**
 * The timestamp that stands for CIMJOB_TIMESTAMP_ZERO ("no time"): what the parser gives for it
 * and what the formatter turns into it. Equal to CIMJOB_TIME_NONE.
 */
#define CIMJOB_TIMESTAMP_NONE_US INT64_MIN

/** What a parsed CIM datetime is. */
typedef enum cimjob_datetime_kind {
    CIMJOB_DATETIME_TIMESTAMP = 1, /**< A point in time. */
    CIMJOB_DATETIME_INTERVAL = 2   /**< A duration. */
} cimjob_datetime_kind;

/** A parsed CIM datetime. */
typedef struct cimjob_datetime {
    cimjob_datetime_kind kind; /**< Timestamp or interval. */
    /** For a timestamp: microseconds since 1970-01-01T00:00:00 UTC (may be negative). */
    int64_t timestamp_us;
    /** For a timestamp: the UTC offset in minutes (-999..999) the string carried. */
    int utc_offset_min;
    /** For an interval: the duration in microseconds. */
    uint64_t interval_us;
    /**
     * How many of the 20 value digits (before the offset / `:000`) were significant, i.e. not
     * asterisks: 20 for a fully specified value.
     */
    int significant_digits;
} cimjob_datetime;

/**
 * Parse any CIM datetime (timestamp or interval).
 *
 * @param text the string; it must be exactly 25 characters.
 * @param out  receives the value on success; untouched on failure.
 * @return CIMJOB_RC_SUCCESS;
 *         CIMJOB_RC_INVALID_PARAMETER if @p text or @p out is NULL;
 *         CIMJOB_RC_INVALID_DATETIME if the string is malformed (wrong length, a non-digit, a
 *         field out of range such as month 13 or hour 24 or day 31 in April, asterisks that are
 *         not a suffix of the digits or that replace part of a field other than the
 *         microseconds, an asterisk in the UTC offset, an interval whose last four characters
 *         are not `:000`); cimjob_last_error() says which.
 */
CIMJOB_EXTERN cimjob_rc cimjob_datetime_parse(const char *text, cimjob_datetime *out);

/**
 * Parse a CIM interval into microseconds.
 *
 * @param text the 25-character interval.
 * @param us   receives the duration in microseconds.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER if an argument is NULL;
 *         CIMJOB_RC_INVALID_DATETIME if @p text is malformed or is a timestamp.
 */
CIMJOB_EXTERN cimjob_rc cimjob_interval_parse(const char *text, uint64_t *us);

/**
 * Format a duration as a CIM interval.
 *
 * @param us  the duration in microseconds, at most CIMJOB_INTERVAL_MAX_US.
 * @param out a buffer of at least CIMJOB_DATETIME_SIZE bytes; receives 25 characters and a NUL.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER if @p out is NULL or @p us exceeds
 *         CIMJOB_INTERVAL_MAX_US.
 */
CIMJOB_EXTERN cimjob_rc cimjob_interval_format(uint64_t us, char *out);

/**
 * Parse a CIM timestamp.
 *
 * @param text           the 25-character timestamp.
 * @param us             receives microseconds since 1970-01-01T00:00:00 UTC.
 * @param utc_offset_min receives the offset in minutes; may be NULL.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER if @p text or @p us is NULL;
 *         CIMJOB_RC_INVALID_DATETIME if @p text is malformed or is an interval.
 */
CIMJOB_EXTERN cimjob_rc cimjob_timestamp_parse(const char *text, int64_t *us, int *utc_offset_min);

/**
 * Format a point in time as a CIM timestamp.
 *
 * @param us             microseconds since 1970-01-01T00:00:00 UTC; CIMJOB_TIMESTAMP_NONE_US
 *                       gives CIMJOB_TIMESTAMP_ZERO whatever the offset.
 * @param utc_offset_min the offset to print in, in minutes (-999..999); the digits printed are
 *                       the local time at that offset.
 * @param out            a buffer of at least CIMJOB_DATETIME_SIZE bytes.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER if @p out is NULL, the offset is out
 *         of range, or the year falls outside 0000..9999.
 */
CIMJOB_EXTERN cimjob_rc cimjob_timestamp_format(int64_t us, int utc_offset_min, char *out);

/**
 * Parse a duration given either as seconds with an optional decimal fraction ("5", "0.5",
 * "1.25") or as a CIM interval. Used by the `cimjob` command for its SEC arguments.
 *
 * @param text the string.
 * @param us   receives microseconds.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER if an argument is NULL;
 *         CIMJOB_RC_INVALID_DATETIME if @p text is neither form, negative, has more than six
 *         decimals, or exceeds CIMJOB_INTERVAL_MAX_US.
 */
CIMJOB_EXTERN cimjob_rc cimjob_duration_parse(const char *text, uint64_t *us);

#ifdef __cplusplus
}
#endif

#endif /* CIMJOB_DATETIME_H */
