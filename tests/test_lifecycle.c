/*
 * Suite "lifecycle" (black-box, fake backend): how jobs end, Terminate escalation on the
 * virtual clock, Kill, Suspend/Start timing, KillJob, times and their CIM formatting, progress.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_common.h"

static cimjob_job *start_with(fx *f, const cimjob_fake_outcome *o, const char *name)
{
    fx_push(f, o);
    return fx_job(f, name, 1);
}

static void assert_opstatus(const cimjob_info *i, int n, int a, int b)
{
    assert_int_equal(i->operational_status_count, n);
    assert_int_equal(i->operational_status[0], a);
    if (n > 1)
        assert_int_equal(i->operational_status[1], b);
}

/* ---- natural ends --------------------------------------------------------------------------- */

static void test_completed(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 2 * SEC;
    cimjob_job *j = start_with(f, &o, "done");
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_RUNNING);
    assert_opstatus(&i, 1, 2, 0);
    cimjob_job_state s = CIMJOB_JOB_STATE_NEW;
    assert_int_equal(cimjob_wait(j, 0, -1, &s), CIMJOB_RC_SUCCESS);
    assert_int_equal(s, CIMJOB_JOB_STATE_COMPLETED);
    i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_COMPLETED);
    assert_int_equal(i.percent_complete, 100);
    assert_int_equal(i.error_code, 0);
    assert_string_equal(i.error_description, "");
    assert_opstatus(&i, 2, 17, 2);
    assert_true(i.elapsed_time_us == (uint64_t)(2 * SEC));
    assert_true(i.time_of_last_state_change_us == FAKE_EPOCH + 2 * SEC);
    assert_int_equal(i.escalated, 0);
    assert_string_equal(i.backend, "fake");
    assert_int_equal(i.containment, CIMJOB_CONTAINMENT_NONE);
    cimjob_job_release(j);
}

static void test_exception(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = SEC;
    o.error_code = 3;
    o.error_description = "disk on fire";
    cimjob_job *j = start_with(f, &o, "boom");
    assert_int_equal(cimjob_wait(j, 0, -1, NULL), CIMJOB_RC_SUCCESS);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_EXCEPTION);
    assert_int_equal(i.error_code, 3);
    assert_string_equal(i.error_description, "disk on fire");
    assert_opstatus(&i, 2, 17, 6);
    assert_true(i.percent_complete < 100);
    cimjob_job_release(j);
}

static void test_fake_finish(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "finished by hand", 1);
    assert_int_equal(cimjob_fake_finish(f->fake, j, 5, "quota"), CIMJOB_RC_SUCCESS);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_EXCEPTION);
    assert_int_equal(i.error_code, 5);
    assert_string_equal(i.error_description, "quota");
    /* Only the first end counts. */
    assert_int_equal(cimjob_fake_finish(f->fake, j, 0, NULL), CIMJOB_RC_NOT_FOUND);
    cimjob_job_release(j);
}

static void test_spawn_failure(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.spawn_rc = CIMJOB_RC_OS_ERROR;
    fx_push(f, &o);
    cimjob_job *j = fx_job(f, "cannot start", 0);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), CIMJOB_RSC_FAILED);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_EXCEPTION);
    assert_true(i.error_code != 0);
    assert_true(strlen(i.error_description) > 0);
    assert_opstatus(&i, 2, 17, 6);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_SPAWN), 1);
    /* Nothing to end: Kill is an invalid transition now. */
    assert_int_equal(cimjob_kill_job(j, 0), CIMJOB_RC_INVALID_STATE);
    cimjob_job_release(j);
}

/* CIMJOB_JOB_START with a failing start: create succeeds, the job is in Exception. */
static void test_spawn_failure_at_create(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.spawn_rc = CIMJOB_RC_FAILED;
    cimjob_job *j = start_with(f, &o, "cannot start either");
    assert_state(j, CIMJOB_JOB_STATE_EXCEPTION);
    cimjob_job_release(j);
}

/* ---- Terminate --------------------------------------------------------------------------------
 */

static void test_terminate_graceful(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = 2 * SEC;
    cimjob_job *j = start_with(f, &o, "polite");
    assert_int_equal(
        cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, "00000000000030.000000:000"), 0);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_TERMINATED);
    assert_int_equal(i.escalated, 0);
    assert_int_equal(i.error_code, 0);
    assert_opstatus(&i, 1, 10, 0);
    assert_true(cimjob_fake_now(f->fake) == 2 * SEC);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_KILL), 0);
    cimjob_job_release(j);
}

static void test_terminate_ignored_escalates(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = -1;
    cimjob_job *j = start_with(f, &o, "deaf");
    assert_int_equal(
        cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, "00000000000030.000000:000"),
        CIMJOB_RSC_TIMEOUT);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_TERMINATED);
    assert_int_equal(i.escalated, 1);
    assert_non_null(strstr(i.job_status, "escalated"));
    assert_true(cimjob_fake_now(f->fake) == 30 * SEC);
    assert_true(i.time_of_last_state_change_us == FAKE_EPOCH + 30 * SEC);
    assert_true(calls(f, CIMJOB_FAKE_CALL_KILL) >= 1);
    cimjob_job_release(j);
}

/* The escalation happens exactly at TimeoutPeriod: not one microsecond before. */
static void test_escalation_exactly_at_timeout(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = -1;
    cimjob_job *j = start_with(f, &o, "deaf");
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_ASYNC;
    ro.timeout_us = 30 * SEC;
    assert_int_equal(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_TERMINATE, &ro),
                     CIMJOB_RSC_TRANSITION_STARTED);
    assert_int_equal(cimjob_fake_advance(f->fake, 30 * SEC - 1), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_SHUTTING_DOWN);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_KILL), 0);
    assert_int_equal(q(j).escalated, 0);
    assert_int_equal(cimjob_fake_advance(f->fake, 1), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_TERMINATED);
    assert_int_equal(q(j).escalated, 1);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_KILL), 1);
    cimjob_job_release(j);
}

/* TimeoutPeriod zero: the registry's default grace (10 s) applies. */
static void test_terminate_default_grace(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = -1;
    cimjob_job *j = start_with(f, &o, "deaf");
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, NULL),
                     CIMJOB_RSC_TIMEOUT);
    assert_state(j, CIMJOB_JOB_STATE_TERMINATED);
    assert_true(cimjob_fake_now(f->fake) == 10 * SEC);
    cimjob_job_release(j);
}

static void test_terminate_no_escalate(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = -1;
    cimjob_job *j = start_with(f, &o, "deaf");
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_NO_ESCALATE;
    ro.timeout_us = 30 * SEC;
    assert_int_equal(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_TERMINATE, &ro),
                     CIMJOB_RSC_TIMEOUT);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_SHUTTING_DOWN);
    assert_int_equal(i.escalated, 0);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_KILL), 0);
    /* Much later, still not escalated. */
    assert_int_equal(cimjob_fake_advance(f->fake, 3600 * SEC), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_SHUTTING_DOWN);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_KILL), 0);
    /* A Kill still ends it. */
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_KILL, NULL), 0);
    assert_state(j, CIMJOB_JOB_STATE_KILLED);
    cimjob_job_release(j);
}

static void test_terminate_async(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = 5 * SEC;
    cimjob_job *j = start_with(f, &o, "slow");
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_ASYNC;
    assert_int_equal(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_TERMINATE, &ro),
                     CIMJOB_RSC_TRANSITION_STARTED);
    assert_state(j, CIMJOB_JOB_STATE_SHUTTING_DOWN);
    assert_true(cimjob_fake_now(f->fake) == 0);
    cimjob_job_state s;
    assert_int_equal(cimjob_wait(j, 0, -1, &s), CIMJOB_RC_SUCCESS);
    assert_int_equal(s, CIMJOB_JOB_STATE_TERMINATED);
    assert_true(cimjob_fake_now(f->fake) == 5 * SEC);
    cimjob_job_release(j);
}

/* ---- Kill -------------------------------------------------------------------------------------
 */

static void test_kill(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "victim", 1);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_KILL, NULL), 0);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_KILLED);
    assert_opstatus(&i, 1, 14, 0); /* Aborted: an abrupt stop, not Stopped */
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_KILL), 1);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_TERMINATE), 0);
    cimjob_job_release(j);
}

static void test_kill_cannot_die(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.kill_us = -1;
    cimjob_job *j = start_with(f, &o, "undead");
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_KILL, NULL), CIMJOB_RSC_TIMEOUT);
    /* The registry's kill bound: 5 s by default. */
    assert_true(cimjob_fake_now(f->fake) == 5 * SEC);
    assert_false(cimjob_job_state_is_final(st(j)));
    /* The core kept killing meanwhile. */
    assert_true(calls(f, CIMJOB_FAKE_CALL_KILL) > 1);
    /* KillJob says the same, with its own bound. */
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.timeout_us = SEC;
    assert_int_equal(cimjob_kill_job_ex(j, 0, &ro), CIMJOB_RC_TIMEOUT);
    assert_true(cimjob_fake_now(f->fake) == 6 * SEC);
    cimjob_job_release(j);
}

static void test_kill_async(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.kill_us = 2 * SEC;
    cimjob_job *j = start_with(f, &o, "slow to die");
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_ASYNC;
    assert_int_equal(cimjob_kill_job_ex(j, 0, &ro), CIMJOB_RC_BUSY);
    assert_state(j, CIMJOB_JOB_STATE_SHUTTING_DOWN);
    assert_int_equal(cimjob_wait(j, CIMJOB_STATE_BIT(CIMJOB_JOB_STATE_KILLED), -1, NULL),
                     CIMJOB_RC_SUCCESS);
    assert_true(cimjob_fake_now(f->fake) == 2 * SEC);
    cimjob_job_release(j);
}

static void test_kill_during_terminate_wins(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = -1;
    cimjob_job *j = start_with(f, &o, "deaf");
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_ASYNC;
    assert_int_equal(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_TERMINATE, &ro),
                     CIMJOB_RSC_TRANSITION_STARTED);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_KILL, NULL), 0);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_KILLED);
    assert_int_equal(i.escalated, 0);
    /* The Terminate's escalation timer must not fire on the dead job later. */
    unsigned long kills = calls(f, CIMJOB_FAKE_CALL_KILL);
    assert_int_equal(cimjob_fake_advance(f->fake, 60 * SEC), CIMJOB_RC_SUCCESS);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_KILL), kills);
    assert_state(j, CIMJOB_JOB_STATE_KILLED);
    cimjob_job_release(j);
}

/* ---- Suspend / Start --------------------------------------------------------------------------
 */

static void test_suspend_resume_timing(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 10 * SEC;
    cimjob_job *j = start_with(f, &o, "pausable");
    assert_int_equal(cimjob_fake_advance(f->fake, 2 * SEC), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SUSPEND, NULL), 0);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_SUSPENDED);
    assert_opstatus(&i, 1, 15, 0);
    assert_int_equal(cimjob_fake_advance(f->fake, 5 * SEC), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_SUSPENDED);              /* would have ended at 10 s */
    assert_true(q(j).elapsed_time_us == (uint64_t)(2 * SEC)); /* frozen while Suspended */
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    assert_int_equal(cimjob_wait(j, 0, -1, NULL), CIMJOB_RC_SUCCESS);
    i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_COMPLETED);
    assert_true(cimjob_fake_now(f->fake) == 15 * SEC);
    /* ElapsedTime is executing time: 15 s on the clock less the 5 s Suspended. */
    assert_true(i.elapsed_time_us == (uint64_t)(10 * SEC));
    cimjob_job_release(j);
}

/* ---- KillJob ----------------------------------------------------------------------------------
 */

static void test_killjob_codes(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "k", 1);
    assert_int_equal(cimjob_kill_job(j, 0), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_KILLED);
    assert_int_equal(cimjob_kill_job(j, 0), CIMJOB_RC_INVALID_STATE);
    assert_true(strlen(cimjob_last_error()) > 0);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_KILL), 1);
    assert_int_equal(cimjob_remove(f->reg, j), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_kill_job(j, 0), CIMJOB_RC_NOT_FOUND);
    assert_int_equal(cimjob_kill_job(j, 1), CIMJOB_RC_NOT_FOUND);
    cimjob_job_release(j);
}

/* KillJob on a job never started: Killed without any backend call. */
static void test_killjob_new_job(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "k", 0);
    assert_int_equal(cimjob_kill_job(j, 0), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_KILLED);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_KILL), 0);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_SPAWN), 0);
    cimjob_job_release(j);
}

static void test_delete_on_kill_true(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "gone", 1);
    char id[CIMJOB_INSTANCE_ID_MAX + 1];
    strcpy(id, cimjob_job_instance_id(j));
    assert_int_equal(fx_count(f), 1);
    assert_int_equal(cimjob_kill_job(j, 1), CIMJOB_RC_SUCCESS);
    cimjob_job *found = NULL;
    assert_int_equal(cimjob_find(f->reg, id, &found), CIMJOB_RC_NOT_FOUND);
    assert_null(found);
    cimjob_info i = CIMJOB_INFO_INIT;
    assert_int_equal(cimjob_query(j, &i), CIMJOB_RC_NOT_FOUND);
    assert_int_equal(fx_count(f), 0);
    /* The handle stays valid memory; its InstanceID is still readable. */
    assert_string_equal(cimjob_job_instance_id(j), id);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_KILL, NULL), 4097);
    cimjob_job_release(j);
}

/* DeleteOnKill false overrides DeleteOnCompletion: kept past TimeBeforeRemoval. */
static void test_delete_on_kill_false(void **state)
{
    fx *f = *state;
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "kept";
    o.flags = CIMJOB_JOB_START;
    o.delete_on_completion = 1;
    o.time_before_removal_us = 10 * SEC;
    cimjob_job *j;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_kill_job(j, 0), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_advance(f->fake, 3600 * SEC), CIMJOB_RC_SUCCESS);
    cimjob_job *found;
    assert_int_equal(cimjob_find(f->reg, cimjob_job_instance_id(j), &found), CIMJOB_RC_SUCCESS);
    assert_ptr_equal(found, j);
    cimjob_job_release(found);
    assert_state(j, CIMJOB_JOB_STATE_KILLED);
    assert_int_equal(cimjob_remove(f->reg, j), CIMJOB_RC_SUCCESS);
    assert_int_equal(fx_count(f), 0);
    cimjob_job_release(j);
}

/* ---- times ------------------------------------------------------------------------------------
 */

static void test_times_on_virtual_clock(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "timed", 0);
    cimjob_info i = q(j);
    assert_true(i.time_submitted_us == FAKE_EPOCH);
    assert_true(i.start_time_us == CIMJOB_TIME_NONE);
    assert_true(i.time_of_last_state_change_us == CIMJOB_TIME_NONE);
    assert_true(i.elapsed_time_us == 0);
    assert_int_equal(cimjob_fake_advance(f->fake, 3 * SEC), CIMJOB_RC_SUCCESS);
    assert_true(q(j).elapsed_time_us == 0);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    i = q(j);
    assert_true(i.start_time_us == FAKE_EPOCH + 3 * SEC);
    assert_true(i.time_of_last_state_change_us == FAKE_EPOCH + 3 * SEC);
    assert_int_equal(cimjob_fake_advance(f->fake, 4 * SEC), CIMJOB_RC_SUCCESS);
    i = q(j);
    assert_true(i.elapsed_time_us == (uint64_t)(4 * SEC));
    /* A rejected request does not touch TimeOfLastStateChange. */
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    assert_true(q(j).time_of_last_state_change_us == FAKE_EPOCH + 3 * SEC);
    assert_int_equal(cimjob_kill_job(j, 0), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_advance(f->fake, 100 * SEC), CIMJOB_RC_SUCCESS);
    /* A finished job's ElapsedTime stops at its end. */
    assert_true(q(j).elapsed_time_us == (uint64_t)(4 * SEC));
    cimjob_job_release(j);
}

static void test_format_times(void **state)
{
    fx *f = *state;
    char buf[CIMJOB_DATETIME_SIZE];
    cimjob_job *j = fx_job(f, "formatted", 0);
    cimjob_info i = q(j);
    assert_int_equal(cimjob_info_format_time(&i, CIMJOB_PROP_TIME_SUBMITTED, buf),
                     CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "20260101000000.000000+000");
    strcpy(buf, "junk");
    assert_int_equal(cimjob_info_format_time(&i, CIMJOB_PROP_START_TIME, buf), CIMJOB_RC_NOT_FOUND);
    assert_string_equal(buf, "");
    assert_int_equal(cimjob_info_format_time(&i, CIMJOB_PROP_TIME_OF_LAST_STATE_CHANGE, buf),
                     CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "00000000000000.000000:000");
    assert_int_equal(cimjob_info_format_time(&i, CIMJOB_PROP_TIME_BEFORE_REMOVAL, buf),
                     CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "00000000000500.000000:000");
    assert_int_equal(cimjob_info_format_time(&i, CIMJOB_PROP_ELAPSED_TIME, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, CIMJOB_INTERVAL_ZERO);

    assert_int_equal(cimjob_fake_advance(f->fake, 90 * SEC + 250000), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    assert_int_equal(cimjob_fake_advance(f->fake, 86400 * SEC + 5 * SEC), CIMJOB_RC_SUCCESS);
    i = q(j);
    assert_int_equal(cimjob_info_format_time(&i, CIMJOB_PROP_START_TIME, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "20260101000130.250000+000");
    assert_int_equal(cimjob_info_format_time(&i, CIMJOB_PROP_TIME_OF_LAST_STATE_CHANGE, buf),
                     CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "20260101000130.250000+000");
    assert_int_equal(cimjob_info_format_time(&i, CIMJOB_PROP_ELAPSED_TIME, buf), CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "00000001000005.000000:000");
    cimjob_job_release(j);
}

/* The registry's UTC offset is how timestamps print. */
static void test_format_times_utc_offset(void **state)
{
    (void)state;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.utc_offset_min = -330;
    fx *f = fx_new_opts(0, &ro);
    assert_int_equal(cimjob_fake_set_epoch(f->fake, INT64_C(951782400) * SEC), 0); /* 2000-02-29 */
    cimjob_job *j = fx_job(f, "offset", 0);
    cimjob_info i = q(j);
    assert_int_equal(i.utc_offset_min, -330);
    char buf[CIMJOB_DATETIME_SIZE];
    assert_int_equal(cimjob_info_format_time(&i, CIMJOB_PROP_TIME_SUBMITTED, buf),
                     CIMJOB_RC_SUCCESS);
    assert_string_equal(buf, "20000228183000.000000-330");
    cimjob_job_release(j);
    fx_free(f);
}

/* ---- progress, status -------------------------------------------------------------------------
 */

static void test_progress_reports(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 10 * SEC;
    o.report_progress = 1;
    cimjob_job *j = start_with(f, &o, "progressing");
    assert_int_equal(q(j).percent_complete, 0);
    assert_int_equal(cimjob_fake_advance(f->fake, 3 * SEC), CIMJOB_RC_SUCCESS);
    assert_int_equal(q(j).percent_complete, 30);
    assert_int_equal(cimjob_fake_advance(f->fake, 6 * SEC + 500000), CIMJOB_RC_SUCCESS);
    assert_int_equal(q(j).percent_complete, 90);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    assert_int_equal(cimjob_fake_advance(f->fake, 500000), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_COMPLETED);
    assert_int_equal(q(j).percent_complete, 100);
    /* Progress on an ended job is refused. */
    assert_int_equal(cimjob_set_percent_complete(j, 50), CIMJOB_RC_INVALID_STATE);
    cimjob_job_release(j);
}

static void test_percent_and_status_by_hand(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "manual", 1);
    assert_int_equal(cimjob_set_percent_complete(j, 42), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_set_percent_complete(j, 100), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_set_percent_complete(j, 101), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(q(j).percent_complete, 100);
    assert_int_equal(cimjob_set_job_status(j, "copying blocks"), CIMJOB_RC_SUCCESS);
    assert_string_equal(q(j).job_status, "copying blocks");
    assert_int_equal(cimjob_kill_job(j, 1), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_set_job_status(j, "x"), CIMJOB_RC_NOT_FOUND);
    assert_int_equal(cimjob_set_percent_complete(j, 1), CIMJOB_RC_NOT_FOUND);
    cimjob_job_release(j);
}

/* ---- TimeoutPeriod strings --------------------------------------------------------------------
 */

static void test_timeout_period_strings(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = -1;
    fx_push(f, &o);
    cimjob_job *j = fx_job(f, "strings", 1);
    static const char *bad[] = {
        "",
        "abc",
        "00000000000010.000000:00",   /* 24 characters */
        "00000000000010.000000:0000", /* 26 */
        "00000000000010.000000:001",  /* not :000 */
        "20260101000000.000000+000",  /* a timestamp */
        "0000000000001x.000000:000",
        "00000000006000.000000:000", /* 60 minutes */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, bad[k]),
                         CIMJOB_RSC_INVALID_PARAMETER);
        assert_true(strlen(cimjob_last_error()) > 0);
    }
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_TERMINATE), 0);
    /* 1.5 s with asterisks for the non-significant digits. */
    assert_int_equal(
        cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, "00000000000001.5*****:000"),
        CIMJOB_RSC_TIMEOUT);
    assert_true(cimjob_fake_now(f->fake) == 1500000);
    assert_state(j, CIMJOB_JOB_STATE_TERMINATED);
    cimjob_job_release(j);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_completed),
        T(test_exception),
        T(test_fake_finish),
        T(test_spawn_failure),
        T(test_spawn_failure_at_create),
        T(test_terminate_graceful),
        T(test_terminate_ignored_escalates),
        T(test_escalation_exactly_at_timeout),
        T(test_terminate_default_grace),
        T(test_terminate_no_escalate),
        T(test_terminate_async),
        T(test_kill),
        T(test_kill_cannot_die),
        T(test_kill_async),
        T(test_kill_during_terminate_wins),
        T(test_suspend_resume_timing),
        T(test_killjob_codes),
        T(test_killjob_new_job),
        T(test_delete_on_kill_true),
        T(test_delete_on_kill_false),
        T(test_times_on_virtual_clock),
        T(test_format_times),
        cmocka_unit_test(test_format_times_utc_offset),
        T(test_progress_reports),
        T(test_percent_and_status_by_hand),
        T(test_timeout_period_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
