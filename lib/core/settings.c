/*
 * ModifyInstance: the writable CIM_Job properties and the schedule, read and written as one
 * validated change that reports one modification indication.
 */
#include <string.h>

#include "internal.h"
#include "text.h"

#define CASE_NAME(e, n, name)                                                                      \
    case n:                                                                                        \
        return name;

const char *cimjob_recovery_action_name(int value)
{
    switch (value) {
        CIMJOB_RECOVERY_ACTION_TABLE(CASE_NAME)
    }
    return "Invalid";
}

#define US_PER_DAY ((uint64_t)86400000000ULL)

/* The longest each month can be (February: 29, in leap years). */
static const int month_max_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* A string field must end inside its buffer; then it must be UTF-8. */
static cimjob_rc check_text(const char *s, size_t size, const char *what)
{
    if (!memchr(s, '\0', size))
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_job_modify: %s is not terminated in its buffer", what);
    if (!cimjob__utf8_valid(s))
        return cimjob__fail(CIMJOB_RC_INVALID_UTF8, "cimjob_job_modify: %s is not valid UTF-8",
                            what);
    return CIMJOB_RC_SUCCESS;
}

static cimjob_rc check_schedule(const cimjob_job_settings *s)
{
    static const char fn[] = "cimjob_job_modify";
    if (s->scheduled_start_time_us != CIMJOB_TIME_NONE &&
        s->scheduled_start_delay_us != CIMJOB_INTERVAL_NONE)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "%s: ScheduledStartTime is either a timestamp or an interval", fn);
    if (s->scheduled_start_delay_us != CIMJOB_INTERVAL_NONE &&
        s->scheduled_start_delay_us > CIMJOB_INTERVAL_MAX_US)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "%s: ScheduledStartTime exceeds the CIM interval maximum", fn);
    if (s->run_month != CIMJOB_RUN_MONTH_ANY && (s->run_month < 0 || s->run_month > 11))
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "%s: RunMonth %d is not 0..11", fn,
                            s->run_month);
    if (s->run_day < -31 || s->run_day > 31)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "%s: RunDay %d is not -31..31", fn,
                            s->run_day);
    if (s->run_day_of_week < -7 || s->run_day_of_week > 7)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "%s: RunDayOfWeek %d is not -7..7", fn,
                            s->run_day_of_week);
    if (s->run_month != CIMJOB_RUN_MONTH_ANY && s->run_day &&
        (s->run_day > 0 ? s->run_day : -s->run_day) > month_max_days[s->run_month])
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "%s: RunDay %d never occurs in RunMonth %d", fn, s->run_day,
                            s->run_month);
    if (s->local_or_utc_time != CIMJOB_LOCAL_TIME && s->local_or_utc_time != CIMJOB_UTC_TIME)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "%s: LocalOrUtcTime %d is not 1 or 2", fn,
                            s->local_or_utc_time);
    if (s->run_start_interval_us == CIMJOB_INTERVAL_NONE) {
        if (s->run_month != CIMJOB_RUN_MONTH_ANY || s->run_day || s->run_day_of_week)
            return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                                "%s: RunMonth, RunDay and RunDayOfWeek need a RunStartInterval",
                                fn);
    } else if (s->run_start_interval_us >= US_PER_DAY) {
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "%s: RunStartInterval must be less than a day after midnight", fn);
    }
    return CIMJOB_RC_SUCCESS;
}

static cimjob_rc validate(const cimjob_job_settings *s, uint32_t mask)
{
    cimjob_rc rc;
    if (mask & ~(uint32_t)CIMJOB_PROPERTIES_WRITABLE)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_job_modify: 0x%x names properties that are not writable",
                            (unsigned)(mask & ~(uint32_t)CIMJOB_PROPERTIES_WRITABLE));
    if ((mask & CIMJOB_PROPERTY_TIME_BEFORE_REMOVAL) &&
        s->time_before_removal_us > CIMJOB_INTERVAL_MAX_US)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_job_modify: TimeBeforeRemoval exceeds the CIM maximum");
    if ((mask & CIMJOB_PROPERTY_NOTIFY) &&
        (rc = check_text(s->notify, sizeof s->notify, "Notify")) != CIMJOB_RC_SUCCESS)
        return rc;
    if ((mask & CIMJOB_PROPERTY_OTHER_RECOVERY_ACTION) &&
        (rc = check_text(s->other_recovery_action, sizeof s->other_recovery_action,
                         "OtherRecoveryAction")) != CIMJOB_RC_SUCCESS)
        return rc;
    if ((mask & CIMJOB_PROPERTY_RECOVERY_ACTION) && s->recovery_action > 5)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_job_modify: RecoveryAction %u is not 0..5",
                            (unsigned)s->recovery_action);
    if ((mask & CIMJOB_PROPERTY_SCHEDULE) && (rc = check_schedule(s)) != CIMJOB_RC_SUCCESS)
        return rc;
    return CIMJOB_RC_SUCCESS;
}

static const char *text_or_empty(const char *s)
{
    return s ? s : "";
}

/* Replace *field with a copy of text ("" frees it); 0, or -1 when memory runs out. */
static int dup_text(char **out, const char *text)
{
    *out = NULL;
    if (!*text)
        return 0;
    *out = cimjob__strdup(text);
    return *out ? 0 : -1;
}

cimjob_rc cimjob_job_settings_get(cimjob_job *job, cimjob_job_settings *out)
{
    if (!job || !out)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_job_settings_get: NULL argument");
    if (out->version != CIMJOB_JOB_SETTINGS_VERSION)
        return cimjob__fail(CIMJOB_RC_INVALID_VERSION,
                            "cimjob_job_settings_get: unknown version %u", out->version);
    cimjob__mutex_lock(&job->lock);
    if (job->removed) {
        cimjob__mutex_unlock(&job->lock);
        return cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_job_settings_get: job '%s' was removed",
                            job->instance_id);
    }
    out->delete_on_completion = job->delete_on_completion;
    out->time_before_removal_us = job->time_before_removal_us;
    out->priority = job->priority;
    const cimjob__plan *pl = cimjob__plan_of(job);
    out->job_run_times = pl->job_run_times;
    out->until_time_us = pl->until_time_us;
    /* Whole buffers written: a caller may compare snapshots byte for byte. */
    memset(out->notify, 0, sizeof out->notify);
    memset(out->other_recovery_action, 0, sizeof out->other_recovery_action);
    cimjob__strlcpy(out->notify, text_or_empty(pl->notify), sizeof out->notify);
    out->recovery_action = pl->recovery_action;
    cimjob__strlcpy(out->other_recovery_action, text_or_empty(pl->other_recovery_action),
                    sizeof out->other_recovery_action);
    out->scheduled_start_time_us = pl->sched.start_time_us;
    out->scheduled_start_delay_us = pl->sched.start_delay_us;
    out->run_month = pl->sched.month;
    out->run_day = pl->sched.day;
    out->run_day_of_week = pl->sched.dow;
    out->run_start_interval_us = pl->sched.interval_us;
    out->local_or_utc_time = pl->sched.local ? CIMJOB_LOCAL_TIME : CIMJOB_UTC_TIME;
    cimjob__mutex_unlock(&job->lock);
    return CIMJOB_RC_SUCCESS;
}

static int same_text(const char *a, const char *b)
{
    return strcmp(text_or_empty(a), text_or_empty(b)) == 0;
}

cimjob_rc cimjob_job_modify(cimjob_job *job, const cimjob_job_settings *s, uint32_t mask,
                            const char *caller)
{
    static const char fn[] = "cimjob_job_modify";
    cimjob_rc rc;
    if (!job || !s)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "%s: NULL argument", fn);
    if (s->version != CIMJOB_JOB_SETTINGS_VERSION)
        return cimjob__fail(CIMJOB_RC_INVALID_VERSION, "%s: unknown version %u", fn, s->version);
    if ((rc = validate(s, mask)) != CIMJOB_RC_SUCCESS)
        return rc;
    if (!cimjob__caller_allowed(job, caller))
        return cimjob__fail(CIMJOB_RC_ACCESS_DENIED, "%s: '%.200s' may not modify job '%s'", fn,
                            caller, job->instance_id);

    /* Copies made before the lock, so an allocation failure changes nothing. */
    char *notify = NULL, *other = NULL;
    if (((mask & CIMJOB_PROPERTY_NOTIFY) && dup_text(&notify, s->notify) != 0) ||
        ((mask & CIMJOB_PROPERTY_OTHER_RECOVERY_ACTION) &&
         dup_text(&other, s->other_recovery_action) != 0)) {
        cimjob__free(notify);
        cimjob__free(other);
        return cimjob__fail(CIMJOB_RC_NO_MEMORY, "%s: out of memory", fn);
    }

    cimjob__mutex_lock(&job->lock);
    rc = CIMJOB_RC_SUCCESS;
    if (job->removed)
        rc = cimjob__fail(CIMJOB_RC_NOT_FOUND, "%s: job '%s' was removed", fn, job->instance_id);
    else if (job->ended && (mask & (CIMJOB_PROPERTY_DELETE_ON_COMPLETION |
                                    CIMJOB_PROPERTY_SCHEDULE | CIMJOB_PROPERTY_JOB_RUN_TIMES)))
        rc = cimjob__fail(CIMJOB_RC_INVALID_STATE,
                          "%s: job '%s' has ended: its DeleteOnCompletion, JobRunTimes and "
                          "schedule no longer apply (delete it instead)",
                          fn, job->instance_id);
    else {
        /* RecoveryAction 1 (Other) needs OtherRecoveryAction, as the result of the change. */
        uint16_t ra = (mask & CIMJOB_PROPERTY_RECOVERY_ACTION)
                          ? s->recovery_action
                          : cimjob__plan_of(job)->recovery_action;
        const char *ora = (mask & CIMJOB_PROPERTY_OTHER_RECOVERY_ACTION)
                              ? text_or_empty(other)
                              : text_or_empty(cimjob__plan_of(job)->other_recovery_action);
        if (ra == CIMJOB_RECOVERY_OTHER && !*ora)
            rc = cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                              "%s: RecoveryAction 1 (Other) needs an OtherRecoveryAction", fn);
    }
    if (rc != CIMJOB_RC_SUCCESS) {
        cimjob__mutex_unlock(&job->lock);
        cimjob__free(notify);
        cimjob__free(other);
        return rc;
    }

    /* The plan holds every writable property but the first three: made before any change, so
     * running out of memory changes nothing. */
    const uint32_t plan_bits = CIMJOB_PROPERTY_JOB_RUN_TIMES | CIMJOB_PROPERTY_UNTIL_TIME |
                               CIMJOB_PROPERTY_NOTIFY | CIMJOB_PROPERTY_RECOVERY_ACTION |
                               CIMJOB_PROPERTY_OTHER_RECOVERY_ACTION | CIMJOB_PROPERTY_SCHEDULE;
    cimjob__plan *pl = (mask & plan_bits) ? cimjob__plan_get(job) : job->plan;
    if ((mask & plan_bits) && !pl) {
        cimjob__mutex_unlock(&job->lock);
        cimjob__free(notify);
        cimjob__free(other);
        return cimjob__fail(CIMJOB_RC_NO_MEMORY, "%s: out of memory", fn);
    }
    uint32_t changed = 0;
    if ((mask & CIMJOB_PROPERTY_DELETE_ON_COMPLETION) &&
        job->delete_on_completion != !!s->delete_on_completion) {
        job->delete_on_completion = !!s->delete_on_completion;
        changed |= CIMJOB_PROPERTY_DELETE_ON_COMPLETION;
    }
    if ((mask & CIMJOB_PROPERTY_TIME_BEFORE_REMOVAL) &&
        job->time_before_removal_us != s->time_before_removal_us) {
        job->time_before_removal_us = s->time_before_removal_us;
        changed |= CIMJOB_PROPERTY_TIME_BEFORE_REMOVAL;
    }
    if ((mask & CIMJOB_PROPERTY_PRIORITY) && job->priority != s->priority) {
        job->priority = s->priority;
        changed |= CIMJOB_PROPERTY_PRIORITY;
    }
    if ((mask & CIMJOB_PROPERTY_JOB_RUN_TIMES) && pl->job_run_times != s->job_run_times) {
        pl->job_run_times = s->job_run_times;
        changed |= CIMJOB_PROPERTY_JOB_RUN_TIMES;
    }
    if ((mask & CIMJOB_PROPERTY_UNTIL_TIME) && pl->until_time_us != s->until_time_us) {
        pl->until_time_us = s->until_time_us;
        changed |= CIMJOB_PROPERTY_UNTIL_TIME;
    }
    if (mask & CIMJOB_PROPERTY_NOTIFY) {
        if (!same_text(pl->notify, notify))
            changed |= CIMJOB_PROPERTY_NOTIFY;
        cimjob__free(pl->notify);
        pl->notify = notify;
    }
    if ((mask & CIMJOB_PROPERTY_RECOVERY_ACTION) && pl->recovery_action != s->recovery_action) {
        pl->recovery_action = s->recovery_action;
        changed |= CIMJOB_PROPERTY_RECOVERY_ACTION;
    }
    if (mask & CIMJOB_PROPERTY_OTHER_RECOVERY_ACTION) {
        if (!same_text(pl->other_recovery_action, other))
            changed |= CIMJOB_PROPERTY_OTHER_RECOVERY_ACTION;
        cimjob__free(pl->other_recovery_action);
        pl->other_recovery_action = other;
    }
    if (mask & CIMJOB_PROPERTY_SCHEDULE) {
        cimjob__schedule n;
        memset(&n, 0, sizeof n); /* padding too: compared with memcmp */
        n.start_time_us = s->scheduled_start_time_us;
        n.start_delay_us = s->scheduled_start_delay_us;
        n.month = (int8_t)s->run_month;
        n.day = (int8_t)s->run_day;
        n.dow = (int8_t)s->run_day_of_week;
        n.local = s->local_or_utc_time == CIMJOB_LOCAL_TIME;
        n.interval_us = s->run_start_interval_us;
        if (memcmp(&n, &pl->sched, sizeof n) != 0) {
            pl->sched = n;
            changed |= CIMJOB_PROPERTY_SCHEDULE;
        }
    }
    if (changed) {
        cimjob__job_touch(job);
        cimjob__reg_indicate(job->reg, job, CIMJOB_EVENT_MODIFICATION, changed,
                             CIMJOB_REMOVAL_NONE);
    }
    cimjob__mutex_unlock(&job->lock);

    if (changed & CIMJOB_PROPERTY_TIME_BEFORE_REMOVAL)
        cimjob__job_rearm_retention(job);
    if (changed)
        cimjob__job_settings_changed(job, changed);
    cimjob__reg_deliver(job->reg);
    return CIMJOB_RC_SUCCESS;
}

void cimjob__job_settings_changed(cimjob_job *job, uint32_t mask)
{
    int end = 0;
    cimjob__mutex_lock(&job->lock);
    if (mask & CIMJOB_PROPERTY_PRIORITY)
        cimjob__queue_reorder(job);
    /* A new schedule, JobRunTimes or UntilTime re-plans a job that waits for its first run
     * (New, not in the run queue) or for its next one. */
    if ((mask &
         (CIMJOB_PROPERTY_SCHEDULE | CIMJOB_PROPERTY_JOB_RUN_TIMES | CIMJOB_PROPERTY_UNTIL_TIME)) &&
        !job->ended && !job->removed && !job->queued && !job->busy) {
        int planned = 1;
        if (job->state == CIMJOB_JOB_STATE_NEW && job->runs == 0)
            (void)cimjob__sched_plan(job, 1);
        else if (job->between_runs)
            end = (cimjob__plan_of(job)->job_run_times &&
                   job->runs >= cimjob__plan_of(job)->job_run_times) ||
                  !cimjob__sched_plan(job, 0);
        else
            planned = 0; /* a running job: the change applies when its run ends */
        if (planned && !end)
            cimjob__reg_indicate(job->reg, job, CIMJOB_EVENT_MODIFICATION,
                                 CIMJOB_PROPERTY_JOB_STATUS, CIMJOB_REMOVAL_NONE);
    }
    cimjob__mutex_unlock(&job->lock);
    if (end)
        cimjob__job_end_recurrence(job);
}
