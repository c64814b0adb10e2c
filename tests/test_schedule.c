/*
 * CIM_Job's scheduling (issue 11, section 4) on the fake backend's virtual clock: the calendar
 * (month ends, leap years, negative RunDay, RunDayOfWeek, DST in local time) and the registry's
 * runs of a scheduled and recurring job. White-box: the calendar function is tested directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "internal.h"
#include "test_common.h"

#define MIN  (60 * SEC)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)

static int64_t ts(const char *text)
{
    int64_t us = 0;
    assert_int_equal(cimjob_timestamp_parse(text, &us, NULL), CIMJOB_RC_SUCCESS);
    return us;
}

static cimjob__schedule cal(int month, int day, int dow, uint64_t at, int local)
{
    cimjob__schedule s;
    memset(&s, 0, sizeof s);
    s.start_time_us = CIMJOB_TIME_NONE;
    s.start_delay_us = CIMJOB_INTERVAL_NONE;
    s.month = (int8_t)month;
    s.day = (int8_t)day;
    s.dow = (int8_t)dow;
    s.interval_us = at;
    s.local = (uint8_t)local;
    return s;
}

#define assert_next(s, from, want) assert_true(cimjob__sched_next(&(s), ts(from)) == ts(want))

/* ---- the calendar ------------------------------------------------------------------------- */

static void test_negative_run_day_month_ends(void **state)
{
    (void)state;
    cimjob__schedule last = cal(CIMJOB_RUN_MONTH_ANY, -1, 0, 2 * HOUR, 0);
    assert_next(last, "20260115000000.000000+000", "20260131020000.000000+000");
    assert_next(last, "20260131020000.000001+000", "20260228020000.000000+000");
    assert_next(last, "20280201000000.000000+000", "20280229020000.000000+000"); /* leap */
    assert_next(last, "21000201000000.000000+000", "21000228020000.000000+000"); /* not leap */
    assert_next(last, "20000201000000.000000+000", "20000229020000.000000+000"); /* 400 */
    assert_next(last, "20260401000000.000000+000", "20260430020000.000000+000");
    /* -31 is the 1st of a 31-day month only. */
    cimjob__schedule m31 = cal(CIMJOB_RUN_MONTH_ANY, -31, 0, 0, 0);
    assert_next(m31, "20260202000000.000000+000", "20260301000000.000000+000");
    /* The 31st skips short months. */
    cimjob__schedule d31 = cal(CIMJOB_RUN_MONTH_ANY, 31, 0, HOUR, 0);
    assert_next(d31, "20260401000000.000000+000", "20260531010000.000000+000");
}

static void test_leap_day_yearly(void **state)
{
    (void)state;
    cimjob__schedule feb29 = cal(1, 29, 0, 0, 0);
    assert_next(feb29, "20260301000000.000000+000", "20280229000000.000000+000");
    assert_next(feb29, "20280229000000.000001+000", "20320229000000.000000+000");
    cimjob__schedule march1 = cal(2, 1, 0, 30 * MIN, 0);
    assert_next(march1, "20261231000000.000000+000", "20270301003000.000000+000");
}

/* 2026-01-01 is a Thursday; Jan 31 a Saturday. */
static void test_run_day_of_week(void **state)
{
    (void)state;
    /* The first Saturday on or after the 15th: Jan 17. */
    cimjob__schedule a = cal(CIMJOB_RUN_MONTH_ANY, 15, 7, 0, 0);
    assert_next(a, "20260101000000.000000+000", "20260117000000.000000+000");
    /* The first Saturday on or before the 20th: Jan 17 as well. */
    cimjob__schedule b = cal(CIMJOB_RUN_MONTH_ANY, 20, -7, 0, 0);
    assert_next(b, "20260101000000.000000+000", "20260117000000.000000+000");
    /* The last Sunday of the month (RunDay -1, -Sunday): Jan 25, Feb 22. */
    cimjob__schedule c = cal(CIMJOB_RUN_MONTH_ANY, -1, -1, 0, 0);
    assert_next(c, "20260101000000.000000+000", "20260125000000.000000+000");
    assert_next(c, "20260126000000.000000+000", "20260222000000.000000+000");
    /* Every Monday (RunDay 0). */
    cimjob__schedule d = cal(CIMJOB_RUN_MONTH_ANY, 0, 2, 9 * HOUR, 0);
    assert_next(d, "20260101000000.000000+000", "20260105090000.000000+000");
    assert_next(d, "20260105090000.000001+000", "20260112090000.000000+000");
    /* On or after the 30th, a Sunday that would fall in the next month does not run. */
    cimjob__schedule e = cal(1, 27, 1, 0, 0); /* February 2026: the 27th is a Friday */
    assert_next(e, "20260101000000.000000+000", "20270228000000.000000+000");
}

/* Local time with DST: US Eastern as a POSIX TZ rule (no tz database needed). */
static void test_local_time_dst(void **state)
{
    (void)state;
#ifdef _WIN32
    /* The C runtime's TZ knows no POSIX DST rules (it applies fixed US rules of its own). */
    skip();
#else
    setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1);
    tzset();
    cimjob__schedule daily = cal(CIMJOB_RUN_MONTH_ANY, 0, 0, 2 * HOUR + 30 * MIN, 1);
    /* Before the change: 02:30 EST is 07:30Z. */
    assert_next(daily, "20260307000000.000000+000", "20260307073000.000000+000");
    /* Spring forward on 2026-03-08: 02:30 does not exist; it runs at 03:30 EDT (07:30Z). */
    assert_next(daily, "20260307073000.000001+000", "20260308073000.000000+000");
    /* After: 02:30 EDT is 06:30Z. */
    assert_next(daily, "20260308073000.000001+000", "20260309063000.000000+000");
    /* Noon keeps its local time across the change. */
    cimjob__schedule noon = cal(CIMJOB_RUN_MONTH_ANY, 0, 0, 12 * HOUR, 1);
    assert_next(noon, "20260307000000.000000+000", "20260307170000.000000+000");
    assert_next(noon, "20260307170000.000001+000", "20260308160000.000000+000");
    /* Fall back on 2026-11-01: 01:30 happens twice; the first (EDT, 05:30Z) counts. */
    cimjob__schedule early = cal(CIMJOB_RUN_MONTH_ANY, 0, 0, HOUR + 30 * MIN, 1);
    assert_next(early, "20261101000000.000000+000", "20261101053000.000000+000");
    assert_next(early, "20261101053000.000001+000", "20261102063000.000000+000");
    /* The same schedule in UTC ignores the zone. */
    cimjob__schedule utc = cal(CIMJOB_RUN_MONTH_ANY, 0, 0, 2 * HOUR + 30 * MIN, 0);
    assert_next(utc, "20260308000000.000000+000", "20260308023000.000000+000");
    unsetenv("TZ");
    tzset();
#endif
}

/* ---- runs through the registry ------------------------------------------------------------ */

static cimjob_job_settings settings(cimjob_job *j)
{
    cimjob_job_settings s = CIMJOB_JOB_SETTINGS_INIT;
    assert_int_equal(cimjob_job_settings_get(j, &s), CIMJOB_RC_SUCCESS);
    return s;
}

static void push_runs(fx *f, int n, int64_t run_us, uint32_t code)
{
    for (int i = 0; i < n; i++) {
        cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
        o.run_us = run_us;
        o.error_code = code;
        fx_push(f, &o);
    }
}

/* ScheduledStartTime as an interval after TimeSubmitted: New and waiting until then. */
static void test_scheduled_start(void **state)
{
    fx *f = *state;
    push_runs(f, 1, MIN, 0);
    cimjob_job *j = fx_job(f, "later", 0);
    cimjob_job_settings s = settings(j);
    s.scheduled_start_delay_us = 2 * HOUR;
    assert_int_equal(cimjob_job_modify(j, &s, CIMJOB_PROPERTY_SCHEDULE, NULL), CIMJOB_RC_SUCCESS);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_NEW);
    assert_int_equal(i.waiting, CIMJOB_WAITING_SCHEDULE);
    assert_true(i.next_run_us == FAKE_EPOCH + 2 * HOUR);
    assert_non_null(strstr(i.job_status, "Next run at 20260101020000"));
    assert_int_equal(cimjob_fake_advance(f->fake, 2 * HOUR - 1), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_NEW);
    assert_int_equal(cimjob_fake_advance(f->fake, 1), CIMJOB_RC_SUCCESS);
    i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_RUNNING);
    assert_true(i.start_time_us == FAKE_EPOCH + 2 * HOUR);
    assert_string_equal(i.job_status, "");
    assert_int_equal(cimjob_fake_advance(f->fake, MIN), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_COMPLETED); /* JobRunTimes 1: one run */
    cimjob_job_release(j);
}

/* Three daily runs at 01:00 UTC: Suspended between runs, each run its own StartTime,
 * ElapsedTime, ErrorCode and errors; DeleteOnCompletion once the runs are exhausted. */
static void test_recurring_daily(void **state)
{
    fx *f = *state;
    push_runs(f, 1, 10 * MIN, 0);
    push_runs(f, 1, 20 * MIN, 4); /* the second run fails */
    push_runs(f, 1, 5 * MIN, 0);
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = NULL;
    o.name = "nightly";
    o.time_before_removal_us = HOUR;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    cimjob_job_settings s = settings(j);
    s.job_run_times = 3;
    s.run_start_interval_us = HOUR;
    assert_int_equal(
        cimjob_job_modify(j, &s, CIMJOB_PROPERTY_SCHEDULE | CIMJOB_PROPERTY_JOB_RUN_TIMES, NULL),
        CIMJOB_RC_SUCCESS);
    assert_true(q(j).next_run_us == FAKE_EPOCH + HOUR);
    /* Run 1. */
    assert_int_equal(cimjob_fake_advance(f->fake, HOUR + 10 * MIN), CIMJOB_RC_SUCCESS);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_SUSPENDED);
    assert_int_equal(i.waiting, CIMJOB_WAITING_SCHEDULE);
    assert_int_equal(i.runs, 1);
    assert_true(i.next_run_us == FAKE_EPOCH + DAY + HOUR);
    assert_true(i.elapsed_time_us == (uint64_t)(10 * MIN));
    assert_int_equal(i.error_code, 0);
    cimjob_status st = CIMJOB_STATUS_INIT;
    assert_int_equal(cimjob_info_status(&i, &st), CIMJOB_RC_SUCCESS);
    assert_non_null(strstr(st.status_descriptions[0], "next run"));
    /* Run 2 fails: Suspended again, with this run's ErrorCode and error. */
    assert_int_equal(cimjob_fake_advance(f->fake, DAY + 10 * MIN), CIMJOB_RC_SUCCESS);
    i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_SUSPENDED);
    assert_int_equal(i.runs, 2);
    assert_int_equal(i.error_code, 4);
    assert_true(i.start_time_us == FAKE_EPOCH + DAY + HOUR);
    assert_true(i.elapsed_time_us == (uint64_t)(20 * MIN));
    cimjob_error *e = NULL;
    size_t n = 0;
    assert_int_equal(cimjob_get_errors(j, CIMJOB_ERROR_VERSION, &e, &n), CIMJOB_RC_SUCCESS);
    assert_int_equal(n, 1);
    cimjob_errors_free(e);
    /* Run 3 succeeds: the errors of run 2 are gone; the runs are exhausted: Completed. */
    assert_int_equal(cimjob_fake_advance(f->fake, DAY), CIMJOB_RC_SUCCESS);
    i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_COMPLETED);
    assert_int_equal(i.runs, 3);
    assert_int_equal(i.error_code, 0);
    assert_true(i.next_run_us == CIMJOB_TIME_NONE);
    assert_true(i.start_time_us == FAKE_EPOCH + 2 * DAY + HOUR);
    assert_int_equal(cimjob_get_errors(j, CIMJOB_ERROR_VERSION, &e, &n), CIMJOB_RC_SUCCESS);
    assert_int_equal(n, 0);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_SPAWN), 3);
    /* DeleteOnCompletion applies now, not between runs. */
    assert_int_equal(fx_count(f), 1);
    assert_int_equal(cimjob_fake_advance(f->fake, HOUR), CIMJOB_RC_SUCCESS);
    assert_int_equal(fx_count(f), 0);
    cimjob_job_release(j);
}

/* Month ends through the registry: the last day of Jan, Feb (leap 2028) and Mar. */
static void test_recurring_month_end_leap(void **state)
{
    fx *f = *state;
    assert_int_equal(cimjob_fake_set_epoch(f->fake, ts("20280101000000.000000+000")),
                     CIMJOB_RC_SUCCESS);
    push_runs(f, 3, MIN, 0);
    cimjob_job *j = fx_job(f, "month-end", 0);
    cimjob_job_settings s = settings(j);
    s.job_run_times = 3;
    s.run_day = -1;
    s.run_start_interval_us = 23 * HOUR;
    assert_int_equal(
        cimjob_job_modify(j, &s, CIMJOB_PROPERTY_SCHEDULE | CIMJOB_PROPERTY_JOB_RUN_TIMES, NULL),
        CIMJOB_RC_SUCCESS);
    assert_true(q(j).next_run_us == ts("20280131230000.000000+000"));
    assert_int_equal(cimjob_fake_advance(f->fake, 31 * DAY), CIMJOB_RC_SUCCESS);
    assert_true(q(j).next_run_us == ts("20280229230000.000000+000"));
    assert_int_equal(cimjob_fake_advance(f->fake, 29 * DAY), CIMJOB_RC_SUCCESS);
    assert_true(q(j).start_time_us == ts("20280229230000.000000+000"));
    assert_true(q(j).next_run_us == ts("20280331230000.000000+000"));
    assert_int_equal(cimjob_fake_advance(f->fake, 30 * DAY + 23 * HOUR + MIN), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_COMPLETED);
    assert_true(q(j).start_time_us == ts("20280331230000.000000+000"));
    cimjob_job_release(j);
}

/* UntilTime: no run starts after it, and a running one is ended then. */
static void test_until_time(void **state)
{
    fx *f = *state;
    push_runs(f, 2, 10 * MIN, 0);
    push_runs(f, 1, 3 * HOUR, 0);
    cimjob_job *j = fx_job(f, "until", 0);
    cimjob_job_settings s = settings(j);
    s.job_run_times = 0; /* until UntilTime */
    s.run_start_interval_us = HOUR;
    s.until_time_us = FAKE_EPOCH + 2 * DAY + 2 * HOUR; /* during the third run */
    assert_int_equal(cimjob_job_modify(j, &s,
                                       CIMJOB_PROPERTY_SCHEDULE | CIMJOB_PROPERTY_JOB_RUN_TIMES |
                                           CIMJOB_PROPERTY_UNTIL_TIME,
                                       NULL),
                     CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_advance(f->fake, 2 * DAY + 90 * MIN), CIMJOB_RC_SUCCESS);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_RUNNING);
    assert_int_equal(i.runs, 3);
    assert_int_equal(cimjob_fake_advance(f->fake, 30 * MIN), CIMJOB_RC_SUCCESS);
    i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_TERMINATED);
    cimjob_error *e = NULL;
    size_t n = 0;
    assert_int_equal(cimjob_get_errors(j, CIMJOB_ERROR_VERSION, &e, &n), CIMJOB_RC_SUCCESS);
    assert_true(n >= 1);
    assert_int_equal(e[0].message_number, CIMJOB_MSG_UNTIL_TIME_PASSED);
    cimjob_errors_free(e);
    cimjob_job_release(j);

    /* A schedule whose next run is after UntilTime ends after the run before it. */
    push_runs(f, 1, MIN, 0);
    j = fx_job(f, "until2", 0);
    s = settings(j);
    s.job_run_times = 0;
    s.run_start_interval_us = HOUR;
    s.until_time_us = cimjob_fake_now(f->fake) + FAKE_EPOCH + DAY; /* one run at 01:00 */
    assert_int_equal(cimjob_job_modify(j, &s,
                                       CIMJOB_PROPERTY_SCHEDULE | CIMJOB_PROPERTY_JOB_RUN_TIMES |
                                           CIMJOB_PROPERTY_UNTIL_TIME,
                                       NULL),
                     CIMJOB_RC_SUCCESS);
    /* Now is day 2, 02:00: the run is tomorrow 01:00, the next would be after UntilTime. */
    assert_int_equal(cimjob_fake_advance(f->fake, 23 * HOUR + MIN), CIMJOB_RC_SUCCESS);
    i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_COMPLETED);
    assert_int_equal(i.runs, 1);
    cimjob_job_release(j);
}

/* Between runs: Start runs now, Terminate ends the recurrence, Service is refused; JobRunTimes
 * lowered to the runs done ends the job as its last run did. */
static void test_requests_between_runs(void **state)
{
    fx *f = *state;
    push_runs(f, 4, MIN, 0);
    cimjob_job *j = fx_job(f, "between", 0);
    cimjob_job_settings s = settings(j);
    s.job_run_times = 5;
    s.run_start_interval_us = HOUR;
    assert_int_equal(
        cimjob_job_modify(j, &s, CIMJOB_PROPERTY_SCHEDULE | CIMJOB_PROPERTY_JOB_RUN_TIMES, NULL),
        CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_advance(f->fake, HOUR + MIN), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_SUSPENDED);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SERVICE, NULL),
                     CIMJOB_RSC_INVALID_STATE_TRANSITION);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SUSPEND, NULL), 0);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    assert_int_equal(q(j).runs, 2);
    assert_int_equal(cimjob_fake_advance(f->fake, MIN), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_SUSPENDED);
    s = settings(j);
    s.job_run_times = 2;
    assert_int_equal(cimjob_job_modify(j, &s, CIMJOB_PROPERTY_JOB_RUN_TIMES, NULL),
                     CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_COMPLETED);
    cimjob_job_release(j);

    cimjob_job *k = fx_job(f, "stopme", 0);
    s = settings(k);
    s.job_run_times = 0;
    s.run_start_interval_us = 0;
    assert_int_equal(
        cimjob_job_modify(k, &s, CIMJOB_PROPERTY_SCHEDULE | CIMJOB_PROPERTY_JOB_RUN_TIMES, NULL),
        CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_advance(f->fake, DAY + MIN), CIMJOB_RC_SUCCESS);
    assert_state(k, CIMJOB_JOB_STATE_SUSPENDED);
    assert_int_equal(cimjob_request_state_change(k, CIMJOB_REQUEST_TERMINATE, NULL), 0);
    assert_state(k, CIMJOB_JOB_STATE_TERMINATED);
    unsigned long spawns = calls(f, CIMJOB_FAKE_CALL_SPAWN);
    assert_int_equal(cimjob_fake_advance(f->fake, 3 * DAY), CIMJOB_RC_SUCCESS);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_SPAWN), spawns); /* no more runs */
    cimjob_job_release(k);
}

/* Without a calendar, JobRunTimes runs back to back. */
static void test_back_to_back(void **state)
{
    fx *f = *state;
    push_runs(f, 3, MIN, 0);
    cimjob_job *j = fx_job(f, "thrice", 0);
    cimjob_job_settings s = settings(j);
    s.job_run_times = 3;
    assert_int_equal(cimjob_job_modify(j, &s, CIMJOB_PROPERTY_JOB_RUN_TIMES, NULL),
                     CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    assert_int_equal(cimjob_wait(j, 0, -1, NULL), CIMJOB_RC_SUCCESS);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_COMPLETED);
    assert_int_equal(i.runs, 3);
    assert_true(cimjob_fake_now(f->fake) == 3 * MIN);
    cimjob_job_release(j);
}

/* A scheduled run that finds the run queue full waits for a slot, then runs. */
static void test_scheduled_run_waits_for_slot(void **state)
{
    fx *f = *state;
    assert_int_equal(cimjob_registry_set_max_running(f->reg, 1), CIMJOB_RC_SUCCESS);
    push_runs(f, 1, 2 * HOUR, 0); /* the blocker */
    push_runs(f, 1, MIN, 0);
    cimjob_job *blocker = fx_job(f, "blocker", 1);
    cimjob_job *j = fx_job(f, "scheduled", 0);
    cimjob_job_settings s = settings(j);
    s.scheduled_start_delay_us = HOUR;
    assert_int_equal(cimjob_job_modify(j, &s, CIMJOB_PROPERTY_SCHEDULE, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_advance(f->fake, HOUR), CIMJOB_RC_SUCCESS);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_NEW);
    assert_int_equal(i.waiting, CIMJOB_WAITING_QUEUE);
    assert_int_equal(cimjob_fake_advance(f->fake, HOUR), CIMJOB_RC_SUCCESS);
    assert_state(blocker, CIMJOB_JOB_STATE_COMPLETED);
    i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_RUNNING);
    assert_true(i.start_time_us == FAKE_EPOCH + 2 * HOUR);
    assert_int_equal(cimjob_fake_advance(f->fake, MIN), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_COMPLETED);
    cimjob_job_release(blocker);
    cimjob_job_release(j);
}

/* KillJob(DeleteOnKill) between runs removes the job; a registry freed with a job waiting for
 * its first run ends it cleanly. */
static void test_killjob_between_runs_and_free(void **state)
{
    (void)state;
    fx *f = fx_new(0);
    push_runs(f, 2, MIN, 0); /* midnight today (now) and tomorrow */
    cimjob_job *j = fx_job(f, "daily", 0);
    cimjob_job_settings s = settings(j);
    s.job_run_times = 0;
    s.run_start_interval_us = 0;
    assert_int_equal(
        cimjob_job_modify(j, &s, CIMJOB_PROPERTY_SCHEDULE | CIMJOB_PROPERTY_JOB_RUN_TIMES, NULL),
        CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_advance(f->fake, DAY + MIN), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_SUSPENDED);
    assert_int_equal(cimjob_kill_job(j, 1), CIMJOB_RC_SUCCESS);
    assert_int_equal(fx_count(f), 0);
    cimjob_job_release(j);
    cimjob_job *k = fx_job(f, "later", 0);
    s = settings(k);
    s.scheduled_start_delay_us = HOUR;
    assert_int_equal(cimjob_job_modify(k, &s, CIMJOB_PROPERTY_SCHEDULE, NULL), CIMJOB_RC_SUCCESS);
    cimjob_job_release(k);
    fx_free(f);
}

/* Out of memory changes nothing: a ModifyInstance that needs the job's plan, GetErrors. */
extern atomic_long cimjob__alloc_budget;

static void test_out_of_memory(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "oom", 1);
    cimjob_job_settings s = settings(j), before = settings(j);
    s.job_run_times = 4;
    s.run_start_interval_us = HOUR;
    atomic_store(&cimjob__alloc_budget, 0);
    assert_int_equal(
        cimjob_job_modify(j, &s, CIMJOB_PROPERTY_SCHEDULE | CIMJOB_PROPERTY_JOB_RUN_TIMES, NULL),
        CIMJOB_RC_NO_MEMORY);
    atomic_store(&cimjob__alloc_budget, -1);
    cimjob_job_settings after = settings(j);
    assert_memory_equal(&before, &after, sizeof before);
    assert_int_equal(cimjob_fake_finish(f->fake, j, 9, "failed"), CIMJOB_RC_SUCCESS);
    cimjob_error *e = NULL;
    size_t n = 0;
    atomic_store(&cimjob__alloc_budget, 0);
    assert_int_equal(cimjob_get_errors(j, CIMJOB_ERROR_VERSION, &e, &n), CIMJOB_RC_NO_MEMORY);
    atomic_store(&cimjob__alloc_budget, -1);
    assert_int_equal(cimjob_get_errors(j, CIMJOB_ERROR_VERSION, &e, &n), CIMJOB_RC_SUCCESS);
    assert_int_equal(n, 1);
    cimjob_errors_free(e);
    cimjob_job_release(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negative_run_day_month_ends),
        cmocka_unit_test(test_leap_day_yearly),
        cmocka_unit_test(test_run_day_of_week),
        cmocka_unit_test(test_local_time_dst),
        cmocka_unit_test_setup_teardown(test_scheduled_start, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_recurring_daily, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_recurring_month_end_leap, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_until_time, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_requests_between_runs, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_back_to_back, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_scheduled_run_waits_for_slot, fx_setup, fx_teardown),
        cmocka_unit_test(test_killjob_between_runs_and_free),
        cmocka_unit_test_setup_teardown(test_out_of_memory, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
