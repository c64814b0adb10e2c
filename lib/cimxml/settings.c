/*
 * The MOF's Write properties (and the schedule) from CIM-XML text into a cimjob_job_settings and
 * the mask cimjob_job_modify() takes: for ModifyInstance and StartJob. A value is typed by the
 * class definition; NULL (no VALUE) clears what CIM lets a client clear. The library validates
 * ranges and combinations (cimjob_job_modify()); here only the CIM types are checked.
 */
#include "internal.h"

#include <string.h>
#include <strings.h>

static int cx_sint_text(cx_ctx *c, const char *what, const char *text, int min, int max, int *out)
{
    const char *t = text;
    while (*t == ' ')
        t++;
    int neg = *t == '-';
    unsigned long long v;
    int rc = cx_uint_text(c, what, neg ? t + 1 : t, (unsigned long long)(neg ? -min : max), &v);
    if (rc)
        return rc;
    *out = neg ? -(int)v : (int)v;
    return CX_OK;
}

static int cx_string_setting(cx_ctx *c, const char *what, const char *text, char *dst, size_t size)
{
    if (!text) {
        dst[0] = '\0';
        return CX_OK;
    }
    if (strlen(text) >= size)
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s: longer than %zu bytes", what, size - 1);
    memcpy(dst, text, strlen(text) + 1);
    return CX_OK;
}

int cx_setting_parse(cx_ctx *c, const char *name, const char *text, cimjob_job_settings *t,
                     uint32_t *mask)
{
    unsigned long long u;
    int rc = CX_OK, b;
    if (strcasecmp(name, "DeleteOnCompletion") == 0) {
        if (!text)
            return cx_fail(c, CX_ERR_INVALID_PARAMETER, "DeleteOnCompletion cannot be NULL");
        if ((rc = cx_bool_text(c, name, text, &b)) == CX_OK)
            t->delete_on_completion = b;
        *mask |= CIMJOB_PROPERTY_DELETE_ON_COMPLETION;
    } else if (strcasecmp(name, "TimeBeforeRemoval") == 0) {
        if (!text || cimjob_interval_parse(text, &t->time_before_removal_us) != CIMJOB_RC_SUCCESS)
            return cx_fail(c, CX_ERR_INVALID_PARAMETER,
                           "TimeBeforeRemoval: '%.40s' is not a CIM interval", text ? text : "");
        *mask |= CIMJOB_PROPERTY_TIME_BEFORE_REMOVAL;
    } else if (strcasecmp(name, "Priority") == 0 || strcasecmp(name, "JobRunTimes") == 0) {
        int prio = strcasecmp(name, "Priority") == 0;
        if (!text)
            return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s cannot be NULL", name);
        if ((rc = cx_uint_text(c, name, text, UINT32_MAX, &u)) == CX_OK) {
            *(prio ? &t->priority : &t->job_run_times) = (uint32_t)u;
            *mask |= prio ? CIMJOB_PROPERTY_PRIORITY : CIMJOB_PROPERTY_JOB_RUN_TIMES;
        }
    } else if (strcasecmp(name, "UntilTime") == 0) {
        t->until_time_us = CIMJOB_TIME_NONE;
        if (text && cimjob_timestamp_parse(text, &t->until_time_us, NULL) != CIMJOB_RC_SUCCESS)
            return cx_fail(c, CX_ERR_INVALID_PARAMETER, "UntilTime: '%.40s' is not a CIM timestamp",
                           text);
        *mask |= CIMJOB_PROPERTY_UNTIL_TIME;
    } else if (strcasecmp(name, "Notify") == 0) {
        rc = cx_string_setting(c, name, text, t->notify, sizeof t->notify);
        *mask |= CIMJOB_PROPERTY_NOTIFY;
    } else if (strcasecmp(name, "ScheduledStartTime") == 0) {
        /* A timestamp, or an interval after TimeSubmitted (the MOF allows both). */
        t->scheduled_start_time_us = CIMJOB_TIME_NONE;
        t->scheduled_start_delay_us = CIMJOB_INTERVAL_NONE;
        if (text &&
            cimjob_timestamp_parse(text, &t->scheduled_start_time_us, NULL) != CIMJOB_RC_SUCCESS &&
            cimjob_interval_parse(text, &t->scheduled_start_delay_us) != CIMJOB_RC_SUCCESS)
            return cx_fail(c, CX_ERR_INVALID_PARAMETER,
                           "ScheduledStartTime: '%.40s' is not a CIM datetime", text);
        *mask |= CIMJOB_PROPERTY_SCHEDULE;
    } else if (strcasecmp(name, "RunMonth") == 0) {
        t->run_month = CIMJOB_RUN_MONTH_ANY;
        if (text && (rc = cx_uint_text(c, name, text, 255, &u)) == CX_OK)
            t->run_month = (int)u;
        *mask |= CIMJOB_PROPERTY_SCHEDULE;
    } else if (strcasecmp(name, "RunDay") == 0 || strcasecmp(name, "RunDayOfWeek") == 0) {
        int *dst = strcasecmp(name, "RunDay") == 0 ? &t->run_day : &t->run_day_of_week;
        *dst = 0;
        if (text)
            rc = cx_sint_text(c, name, text, -128, 127, dst);
        *mask |= CIMJOB_PROPERTY_SCHEDULE;
    } else if (strcasecmp(name, "RunStartInterval") == 0) {
        t->run_start_interval_us = CIMJOB_INTERVAL_NONE;
        if (text && cimjob_interval_parse(text, &t->run_start_interval_us) != CIMJOB_RC_SUCCESS)
            return cx_fail(c, CX_ERR_INVALID_PARAMETER,
                           "RunStartInterval: '%.40s' is not a CIM interval", text);
        *mask |= CIMJOB_PROPERTY_SCHEDULE;
    } else if (strcasecmp(name, "LocalOrUtcTime") == 0) {
        t->local_or_utc_time = CIMJOB_UTC_TIME;
        if (text && (rc = cx_uint_text(c, name, text, 65535, &u)) == CX_OK)
            t->local_or_utc_time = (int)u;
        *mask |= CIMJOB_PROPERTY_SCHEDULE;
    } else {
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%.100s is not a writable property", name);
    }
    return rc;
}

/* Which of two settings differ, as cimjob_job_modify()'s mask bits (within @p mask). */
uint32_t cx_settings_changed(const cimjob_job_settings *a, const cimjob_job_settings *b,
                             uint32_t mask)
{
    uint32_t m = 0;
    if (a->delete_on_completion != b->delete_on_completion)
        m |= CIMJOB_PROPERTY_DELETE_ON_COMPLETION;
    if (a->time_before_removal_us != b->time_before_removal_us)
        m |= CIMJOB_PROPERTY_TIME_BEFORE_REMOVAL;
    if (a->priority != b->priority)
        m |= CIMJOB_PROPERTY_PRIORITY;
    if (a->job_run_times != b->job_run_times)
        m |= CIMJOB_PROPERTY_JOB_RUN_TIMES;
    if (a->until_time_us != b->until_time_us)
        m |= CIMJOB_PROPERTY_UNTIL_TIME;
    if (strcmp(a->notify, b->notify) != 0)
        m |= CIMJOB_PROPERTY_NOTIFY;
    if (a->scheduled_start_time_us != b->scheduled_start_time_us ||
        a->scheduled_start_delay_us != b->scheduled_start_delay_us ||
        a->run_month != b->run_month || a->run_day != b->run_day ||
        a->run_day_of_week != b->run_day_of_week ||
        a->run_start_interval_us != b->run_start_interval_us ||
        a->local_or_utc_time != b->local_or_utc_time)
        m |= CIMJOB_PROPERTY_SCHEDULE;
    return m & mask;
}
