/*
 * CIM_Job's own scheduling: ScheduledStartTime, and recurring runs on the days RunMonth, RunDay
 * and RunDayOfWeek select, at RunStartInterval after midnight in local time (with its DST
 * changes) or UTC, JobRunTimes times, never after UntilTime. The registry starts each run on
 * its own timers; no thread of its own.
 */
#include <stdio.h>
#include <string.h>

#include "civil.h"
#include "internal.h"

#define US_PER_MIN  INT64_C(60000000)
#define US_PER_DAY  INT64_C(86400000000)
#define SEARCH_DAYS (366 * 30) /* a leap day on a given weekday recurs within 28 years */

const cimjob__plan cimjob__plan_defaults = {
    1,
    0,
    CIMJOB_TIME_NONE,
    NULL,
    NULL,
    {CIMJOB_TIME_NONE, CIMJOB_INTERVAL_NONE, CIMJOB_RUN_MONTH_ANY, 0, 0, 0, CIMJOB_INTERVAL_NONE},
    CIMJOB_TIME_NONE,
    -1,
    -1,
    CIMJOB_TIME_NONE};

cimjob__plan *cimjob__plan_get(cimjob_job *job)
{
    if (!job->plan) {
        cimjob__plan *p = cimjob__malloc(sizeof *p);
        if (!p)
            return NULL;
        /* memcpy keeps the schedule's padding as the defaults' (the schedule is compared with
         * memcmp). */
        memcpy(p, &cimjob__plan_defaults, sizeof *p);
        job->plan = p;
    }
    return job->plan;
}

int cimjob__sched_active(const cimjob__schedule *s)
{
    return s->start_time_us != CIMJOB_TIME_NONE || s->start_delay_us != CIMJOB_INTERVAL_NONE ||
           s->interval_us != CIMJOB_INTERVAL_NONE;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* 1 Sunday .. 7 Saturday (RunDayOfWeek's numbering); 1970-01-01 was a Thursday. */
static int weekday(int64_t days)
{
    return (int)(((days % 7) + 7 + 4) % 7) + 1;
}

/* Whether the civil date y-m-d (days since the epoch: z) is a day the schedule runs on. */
static int day_matches(const cimjob__schedule *s, int64_t z, int64_t y, int64_t m, int64_t d)
{
    int dim = cimjob__days_in_month(y, m);
    if (s->month != CIMJOB_RUN_MONTH_ANY && m - 1 != s->month)
        return 0;
    if (!s->dow) {
        if (!s->day)
            return 1;
        return d == (s->day > 0 ? s->day : dim + s->day + 1);
    }
    int target = s->dow > 0 ? s->dow : -s->dow;
    if (!s->day)
        return weekday(z) == target; /* every such weekday */
    int anchor = s->day > 0 ? s->day : dim + s->day + 1;
    if (anchor < 1 || anchor > dim)
        return 0;
    int aw = weekday(cimjob__days_from_civil(y, m, anchor)), want;
    if (s->dow > 0) {
        want = anchor + (target - aw + 7) % 7; /* on or after RunDay */
        if (want > dim)
            return 0;
    } else {
        want = anchor - (aw - target + 7) % 7; /* on or before RunDay */
        if (want < 1)
            return 0;
    }
    return d == want;
}

/* A local wall-clock time (us, as if it were UTC) as a UTC instant. A time in a spring-forward
 * gap moves forward by the gap (02:30 -> 03:30); a time that occurs twice in autumn is its first
 * occurrence. */
static int64_t local_to_utc(int64_t local)
{
    int off1 = cimjob__local_offset_min(local);
    int off2 = cimjob__local_offset_min(local - off1 * US_PER_MIN);
    int64_t utc = local - off2 * US_PER_MIN;
    if (cimjob__local_offset_min(utc) != off2) {
        int lo = off1 < off2 ? off1 : off2;
        utc = local - lo * US_PER_MIN;
    }
    return utc;
}

int64_t cimjob__sched_next(const cimjob__schedule *s, int64_t not_before)
{
    if (s->interval_us == CIMJOB_INTERVAL_NONE)
        return not_before;
    int64_t off = s->local ? cimjob__local_offset_min(not_before) * US_PER_MIN : 0;
    int64_t z = floor_div(not_before + off, US_PER_DAY) - 1; /* a day early: offsets move */
    for (int i = 0; i < SEARCH_DAYS; i++, z++) {
        int64_t y, m, d;
        cimjob__civil_from_days(z, &y, &m, &d);
        if (!day_matches(s, z, y, m, d))
            continue;
        int64_t t = z * US_PER_DAY + (int64_t)s->interval_us;
        if (s->local)
            t = local_to_utc(t);
        if (t >= not_before)
            return t;
    }
    return CIMJOB_TIME_NONE;
}

/* Replace a JobStatus the scheduler wrote (job->lock held). */
static void sched_status(cimjob_job *job, const char *text)
{
    char *p = text && *text ? cimjob__strdup(text) : NULL;
    if (text && *text && !p)
        return; /* out of memory: keep the old line */
    cimjob__free(job->job_status);
    job->job_status = p;
}

int cimjob__sched_plan(cimjob_job *job, int first)
{
    cimjob_registry *reg = job->reg;
    const cimjob__plan *pl = cimjob__plan_of(job);
    const cimjob__schedule *s = &pl->sched;
    int64_t now = cimjob__reg_realtime(reg), next;
    if (first) {
        if (!cimjob__sched_active(s)) {
            next = CIMJOB_TIME_NONE;
        } else {
            int64_t base = now;
            if (s->start_time_us != CIMJOB_TIME_NONE)
                base = s->start_time_us;
            else if (s->start_delay_us != CIMJOB_INTERVAL_NONE)
                base = job->time_submitted_us + (int64_t)s->start_delay_us;
            if (base < now)
                base = now; /* a start time in the past: now */
            next = cimjob__sched_next(s, base);
        }
    } else {
        /* After a run: never twice at the same scheduled time. */
        int64_t nb = pl->run_sched_us + 1 > now ? pl->run_sched_us + 1 : now;
        next = cimjob__sched_next(s, nb);
    }
    if (next != CIMJOB_TIME_NONE && pl->until_time_us != CIMJOB_TIME_NONE &&
        next > pl->until_time_us)
        next = CIMJOB_TIME_NONE; /* no run starts after UntilTime */

    cimjob__job_touch(job); /* waiting, the next run and its JobStatus */
    int was_ours = job->job_status && strncmp(job->job_status, CIMJOB__SCHED_STATUS_PREFIX,
                                              strlen(CIMJOB__SCHED_STATUS_PREFIX)) == 0;
    cimjob__plan *w = next == CIMJOB_TIME_NONE && !job->plan ? NULL : cimjob__plan_get(job);
    if (next != CIMJOB_TIME_NONE && !w)
        next = CIMJOB_TIME_NONE; /* out of memory: no run can be planned */
    if (next == CIMJOB_TIME_NONE) {
        if (w) {
            w->run_at = -1;
            w->next_run_us = CIMJOB_TIME_NONE;
        }
        if (job->waiting == CIMJOB_WAITING_SCHEDULE)
            job->waiting = CIMJOB_WAITING_NONE;
        if (was_ours)
            sched_status(job, "");
        return 0;
    }
    int64_t mono = cimjob__reg_now(reg) + (next > now ? next - now : 0);
    w->run_at = mono;
    w->next_run_us = next;
    job->waiting = CIMJOB_WAITING_SCHEDULE;
    char when[CIMJOB_DATETIME_SIZE], line[64];
    if (cimjob_timestamp_format(next, reg->utc_offset_min, when) == CIMJOB_RC_SUCCESS) {
        snprintf(line, sizeof line, CIMJOB__SCHED_STATUS_PREFIX "%s", when);
        sched_status(job, line);
    }
    cimjob__reg_timer_add(reg, job, CIMJOB__TIMER_RUN, mono);
    return 1;
}
