/*
 * Suite "state-fake" (black-box): the reachable rows of the CIM state table through the public
 * API and the fake backend, checking the answer, the resulting JobState, TimeOfLastStateChange
 * and which backend slots were called.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_common.h"

typedef struct counts {
    unsigned long c[8];
} counts;

static counts snap(fx *f)
{
    counts s;
    for (int i = 0; i < 8; i++)
        s.c[i] = calls(f, (cimjob_fake_call)i);
    return s;
}

/* Only the calls named in @p expect_delta changed, by the given amounts. Waits excluded. */
static void assert_calls(fx *f, counts before, const int delta[8])
{
    counts now = snap(f);
    for (int i = 0; i < 8; i++) {
        if (i == CIMJOB_FAKE_CALL_WAIT || i == CIMJOB_FAKE_CALL_RELEASE)
            continue;
        if (now.c[i] != before.c[i] + (unsigned long)delta[i])
            fail_msg("fake call %d: %lu calls, want %lu", i, now.c[i],
                     before.c[i] + (unsigned long)delta[i]);
    }
}

static const int NO_CALLS[8] = {0};

/* Move a fresh job to @p target: New, Running, Suspended or Service. */
static cimjob_job *job_in(fx *f, cimjob_job_state target)
{
    cimjob_job *j = fx_job(f, "row", target != CIMJOB_JOB_STATE_NEW);
    if (target == CIMJOB_JOB_STATE_SUSPENDED)
        assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SUSPEND, NULL), 0);
    if (target == CIMJOB_JOB_STATE_SERVICE)
        assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SERVICE, NULL), 0);
    assert_state(j, target);
    return j;
}

/* A request that must be rejected with @p rsc and change nothing at all. */
static void assert_rejected(fx *f, cimjob_job *j, cimjob_requested_state r, const char *tmo,
                            int rsc)
{
    cimjob_info before = q(j);
    counts c = snap(f);
    int64_t clock = cimjob_fake_now(f->fake);
    assert_int_equal(cimjob_request_state_change(j, r, tmo), rsc);
    if (rsc != 0)
        assert_true(strlen(cimjob_last_error()) > 0);
    cimjob_info after = q(j);
    assert_int_equal(after.job_state, before.job_state);
    assert_true(after.time_of_last_state_change_us == before.time_of_last_state_change_us);
    assert_calls(f, c, NO_CALLS);
    assert_true(cimjob_fake_now(f->fake) == clock);
}

/* A request that must succeed with @p rsc, reach @p want and make the calls in @p delta. */
static void assert_moves(fx *f, cimjob_job *j, cimjob_requested_state r, const char *tmo, int rsc,
                         cimjob_job_state want, const int delta[8])
{
    cimjob_info before = q(j);
    counts c = snap(f);
    assert_int_equal(cimjob_request_state_change(j, r, tmo), rsc);
    cimjob_info after = q(j);
    assert_int_equal(after.job_state, want);
    if (want != before.job_state) {
        assert_true(after.time_of_last_state_change_us != CIMJOB_TIME_NONE);
        assert_true(after.time_of_last_state_change_us >= FAKE_EPOCH);
    }
    assert_calls(f, c, delta);
}

#define D(spawn, term, kill, susp, res, serv)                                                      \
    {                                                                                              \
        spawn, term, kill, susp, res, serv, 0, 0                                                   \
    }

/* ---- New ------------------------------------------------------------------------------------ */

static void test_new_start(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_NEW);
    assert_true(q(j).time_of_last_state_change_us == CIMJOB_TIME_NONE);
    const int d[8] = D(1, 0, 0, 0, 0, 0);
    assert_moves(f, j, CIMJOB_REQUEST_START, NULL, 0, CIMJOB_JOB_STATE_RUNNING, d);
    cimjob_job_release(j);
}

static void test_new_suspend_and_service_rejected(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_NEW);
    assert_rejected(f, j, CIMJOB_REQUEST_SUSPEND, NULL, 4097);
    assert_rejected(f, j, CIMJOB_REQUEST_SERVICE, NULL, 4097);
    /* Still CIMJOB_TIME_NONE: a rejected request is not a state change. */
    assert_true(q(j).time_of_last_state_change_us == CIMJOB_TIME_NONE);
    cimjob_job_release(j);
}

static void test_new_terminate(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_NEW);
    assert_moves(f, j, CIMJOB_REQUEST_TERMINATE, NULL, 0, CIMJOB_JOB_STATE_TERMINATED, NO_CALLS);
    cimjob_job_release(j);
}

static void test_new_kill(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_NEW);
    assert_moves(f, j, CIMJOB_REQUEST_KILL, NULL, 0, CIMJOB_JOB_STATE_KILLED, NO_CALLS);
    cimjob_job_release(j);
}

/* ---- Running -------------------------------------------------------------------------------- */

static void test_running_start_is_noop(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_RUNNING);
    assert_rejected(f, j, CIMJOB_REQUEST_START, NULL, 0);
    cimjob_job_release(j);
}

static void test_running_suspend(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_RUNNING);
    const int d[8] = D(0, 0, 0, 1, 0, 0);
    assert_moves(f, j, CIMJOB_REQUEST_SUSPEND, NULL, 0, CIMJOB_JOB_STATE_SUSPENDED, d);
    cimjob_job_release(j);
}

static void test_running_terminate(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_RUNNING);
    const int d[8] = D(0, 1, 0, 0, 0, 0);
    assert_moves(f, j, CIMJOB_REQUEST_TERMINATE, NULL, 0, CIMJOB_JOB_STATE_TERMINATED, d);
    assert_int_equal(q(j).escalated, 0);
    cimjob_job_release(j);
}

static void test_running_kill(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_RUNNING);
    const int d[8] = D(0, 0, 1, 0, 0, 0);
    assert_moves(f, j, CIMJOB_REQUEST_KILL, NULL, 0, CIMJOB_JOB_STATE_KILLED, d);
    cimjob_job_release(j);
}

static void test_running_service(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_RUNNING);
    const int d[8] = D(0, 0, 0, 0, 0, 1);
    assert_moves(f, j, CIMJOB_REQUEST_SERVICE, NULL, 0, CIMJOB_JOB_STATE_SERVICE, d);
    cimjob_job_release(j);
}

/* ---- Suspended ------------------------------------------------------------------------------ */

static void test_suspended_start_resumes(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_SUSPENDED);
    const int d[8] = D(0, 0, 0, 0, 1, 0);
    assert_moves(f, j, CIMJOB_REQUEST_START, NULL, 0, CIMJOB_JOB_STATE_RUNNING, d);
    cimjob_job_release(j);
}

static void test_suspended_suspend_is_noop(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_SUSPENDED);
    assert_rejected(f, j, CIMJOB_REQUEST_SUSPEND, NULL, 0);
    cimjob_job_release(j);
}

/* Terminate resumes first so the job can hear the request. */
static void test_suspended_terminate_resumes_first(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_SUSPENDED);
    const int d[8] = D(0, 1, 0, 0, 1, 0);
    assert_moves(f, j, CIMJOB_REQUEST_TERMINATE, NULL, 0, CIMJOB_JOB_STATE_TERMINATED, d);
    cimjob_job_release(j);
}

static void test_suspended_kill(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_SUSPENDED);
    const int d[8] = D(0, 0, 1, 0, 0, 0);
    assert_moves(f, j, CIMJOB_REQUEST_KILL, NULL, 0, CIMJOB_JOB_STATE_KILLED, d);
    cimjob_job_release(j);
}

static void test_suspended_service(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_SUSPENDED);
    const int d[8] = D(0, 0, 0, 0, 0, 1);
    assert_moves(f, j, CIMJOB_REQUEST_SERVICE, NULL, 0, CIMJOB_JOB_STATE_SERVICE, d);
    cimjob_job_release(j);
}

/* ---- Service -------------------------------------------------------------------------------- */

static void test_service_start(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_SERVICE);
    const int d[8] = D(0, 0, 0, 0, 1, 0);
    assert_moves(f, j, CIMJOB_REQUEST_START, NULL, 0, CIMJOB_JOB_STATE_RUNNING, d);
    cimjob_job_release(j);
}

static void test_service_suspend(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_SERVICE);
    const int d[8] = D(0, 0, 0, 1, 0, 0);
    assert_moves(f, j, CIMJOB_REQUEST_SUSPEND, NULL, 0, CIMJOB_JOB_STATE_SUSPENDED, d);
    cimjob_job_release(j);
}

static void test_service_terminate(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_SERVICE);
    const int d[8] = D(0, 1, 0, 0, 0, 0);
    assert_moves(f, j, CIMJOB_REQUEST_TERMINATE, NULL, 0, CIMJOB_JOB_STATE_TERMINATED, d);
    cimjob_job_release(j);
}

static void test_service_kill(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_SERVICE);
    const int d[8] = D(0, 0, 1, 0, 0, 0);
    assert_moves(f, j, CIMJOB_REQUEST_KILL, NULL, 0, CIMJOB_JOB_STATE_KILLED, d);
    cimjob_job_release(j);
}

static void test_service_service_is_noop(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_SERVICE);
    assert_rejected(f, j, CIMJOB_REQUEST_SERVICE, NULL, 0);
    cimjob_job_release(j);
}

/* ---- final states --------------------------------------------------------------------------- */

static void test_final_states_reject_everything(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = SEC;
    fx_push(f, &o); /* completes */
    o.error_code = 9;
    fx_push(f, &o); /* exception */
    cimjob_job *jobs[4];
    jobs[0] = fx_job(f, "completed", 1);
    jobs[1] = fx_job(f, "exception", 1);
    jobs[2] = fx_job(f, "terminated", 1);
    jobs[3] = fx_job(f, "killed", 1);
    assert_int_equal(cimjob_wait(jobs[0], 0, -1, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_wait(jobs[1], 0, -1, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_request_state_change(jobs[2], CIMJOB_REQUEST_TERMINATE, NULL), 0);
    assert_int_equal(cimjob_request_state_change(jobs[3], CIMJOB_REQUEST_KILL, NULL), 0);
    static const cimjob_job_state want[4] = {CIMJOB_JOB_STATE_COMPLETED, CIMJOB_JOB_STATE_EXCEPTION,
                                             CIMJOB_JOB_STATE_TERMINATED, CIMJOB_JOB_STATE_KILLED};
    for (int i = 0; i < 4; i++) {
        assert_state(jobs[i], want[i]);
        for (int r = CIMJOB_REQUEST_START; r <= CIMJOB_REQUEST_SERVICE; r++)
            assert_rejected(f, jobs[i], (cimjob_requested_state)r, NULL, 4097);
        /* Also with a TimeoutPeriod: the state decides first. */
        assert_rejected(f, jobs[i], CIMJOB_REQUEST_KILL, "00000000000001.000000:000", 4097);
        cimjob_job_release(jobs[i]);
    }
}

/* ---- Shutting Down (a Terminate the job ignores) --------------------------------------------- */

static void test_shutting_down_busy_but_kill_wins(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = -1;
    fx_push(f, &o);
    cimjob_job *j = fx_job(f, "stubborn", 1);
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_ASYNC;
    assert_int_equal(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_TERMINATE, &ro),
                     CIMJOB_RSC_TRANSITION_STARTED);
    assert_state(j, CIMJOB_JOB_STATE_SHUTTING_DOWN);
    assert_rejected(f, j, CIMJOB_REQUEST_START, NULL, 4099);
    assert_rejected(f, j, CIMJOB_REQUEST_SUSPEND, NULL, 4099);
    assert_rejected(f, j, CIMJOB_REQUEST_TERMINATE, NULL, 4099);
    assert_rejected(f, j, CIMJOB_REQUEST_SERVICE, NULL, 4099);
    const int d[8] = D(0, 0, 1, 0, 0, 0);
    assert_moves(f, j, CIMJOB_REQUEST_KILL, NULL, 0, CIMJOB_JOB_STATE_KILLED, d);
    assert_int_equal(q(j).escalated, 0);
    cimjob_job_release(j);
}

/* ---- Starting (requests made from the New -> Starting callback) ------------------------------ */

typedef struct starting_probe {
    int start_rsc, suspend_rsc, terminate_rsc, seen;
} starting_probe;

static void on_starting(const cimjob_event *ev, void *userdata)
{
    starting_probe *p = userdata;
    if (ev->new_state != CIMJOB_JOB_STATE_STARTING || p->seen)
        return;
    p->seen = 1;
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_ASYNC;
    p->start_rsc = cimjob_request_state_change(ev->job, CIMJOB_REQUEST_START, NULL);
    p->suspend_rsc = cimjob_request_state_change(ev->job, CIMJOB_REQUEST_SUSPEND, NULL);
    p->terminate_rsc = cimjob_request_state_change_ex(ev->job, CIMJOB_REQUEST_TERMINATE, &ro);
}

static void test_starting_busy_terminate_wins(void **state)
{
    fx *f = *state;
    starting_probe p = {-1, -1, -1, 0};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "racing";
    o.on_state_change = on_starting;
    o.userdata = &p;
    cimjob_job *j;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    assert_int_equal(p.seen, 1);
    assert_int_equal(p.start_rsc, CIMJOB_RSC_BUSY);
    assert_int_equal(p.suspend_rsc, CIMJOB_RSC_BUSY);
    assert_int_equal(p.terminate_rsc, CIMJOB_RSC_TRANSITION_STARTED);
    assert_int_equal(cimjob_wait(j, 0, -1, NULL), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_TERMINATED);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_SPAWN), 1);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_TERMINATE), 1);
    cimjob_job_release(j);
}

/* Kill from Starting wins too; without a kill slot it is Not Supported (nothing recorded). */
typedef struct kill_probe {
    int rsc, seen;
} kill_probe;

static void on_starting_kill(const cimjob_event *ev, void *userdata)
{
    kill_probe *p = userdata;
    if (ev->new_state != CIMJOB_JOB_STATE_STARTING || p->seen)
        return;
    p->seen = 1;
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_ASYNC;
    p->rsc = cimjob_request_state_change_ex(ev->job, CIMJOB_REQUEST_KILL, &ro);
}

static void test_starting_kill_wins(void **state)
{
    (void)state;
    for (int no_kill = 0; no_kill <= 1; no_kill++) {
        fx *f = fx_new(no_kill ? CIMJOB_FAKE_NO_KILL : 0);
        kill_probe p = {-1, 0};
        cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
        o.name = "racing";
        o.on_state_change = on_starting_kill;
        o.userdata = &p;
        cimjob_job *j;
        assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
        assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
        assert_int_equal(p.seen, 1);
        if (no_kill) {
            assert_int_equal(p.rsc, CIMJOB_RSC_NOT_SUPPORTED);
            assert_state(j, CIMJOB_JOB_STATE_RUNNING);
            assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, NULL), 0);
        } else {
            assert_int_equal(p.rsc, CIMJOB_RSC_TRANSITION_STARTED);
            assert_int_equal(cimjob_wait(j, 0, -1, NULL), CIMJOB_RC_SUCCESS);
            assert_state(j, CIMJOB_JOB_STATE_KILLED);
            assert_int_equal(calls(f, CIMJOB_FAKE_CALL_KILL), 1);
        }
        assert_int_equal(calls(f, CIMJOB_FAKE_CALL_SPAWN), 1);
        cimjob_job_release(j);
        fx_free(f);
    }
}

/* A kill slot that fails: Failed, the job keeps running, KillJob says Failed. */
static void test_failing_kill(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.kill_rc = CIMJOB_RC_OS_ERROR;
    fx_push(f, &o);
    cimjob_job *j = fx_job(f, "unkillable", 1);
    cimjob_info before = q(j);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_KILL, NULL), CIMJOB_RSC_FAILED);
    assert_int_equal(cimjob_kill_job(j, 1), CIMJOB_RC_FAILED);
    cimjob_info after = q(j);
    assert_int_equal(after.job_state, CIMJOB_JOB_STATE_RUNNING);
    assert_true(after.time_of_last_state_change_us == before.time_of_last_state_change_us);
    assert_int_equal(fx_count(f), 1);
    /* A Terminate still works and ends it Terminated (not Killed). */
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, NULL), 0);
    assert_state(j, CIMJOB_JOB_STATE_TERMINATED);
    assert_int_equal(fx_count(f), 1); /* the failed DeleteOnKill left nothing behind */
    cimjob_job_release(j);
}

/* ---- Not Supported and 4098 ----------------------------------------------------------------- */

static void test_not_supported_rows(void **state)
{
    (void)state;
    struct {
        unsigned flag;
        cimjob_job_state from;
        cimjob_requested_state r;
    } rows[] = {
        {CIMJOB_FAKE_NO_SERVICE, CIMJOB_JOB_STATE_RUNNING, CIMJOB_REQUEST_SERVICE},
        {CIMJOB_FAKE_NO_SERVICE, CIMJOB_JOB_STATE_SUSPENDED, CIMJOB_REQUEST_SERVICE},
        {CIMJOB_FAKE_NO_SUSPEND, CIMJOB_JOB_STATE_RUNNING, CIMJOB_REQUEST_SUSPEND},
        {CIMJOB_FAKE_NO_SUSPEND, CIMJOB_JOB_STATE_SERVICE, CIMJOB_REQUEST_SUSPEND},
        {CIMJOB_FAKE_NO_RESUME, CIMJOB_JOB_STATE_SUSPENDED, CIMJOB_REQUEST_START},
        {CIMJOB_FAKE_NO_RESUME, CIMJOB_JOB_STATE_SERVICE, CIMJOB_REQUEST_START},
        {CIMJOB_FAKE_NO_TERMINATE, CIMJOB_JOB_STATE_RUNNING, CIMJOB_REQUEST_TERMINATE},
        {CIMJOB_FAKE_NO_TERMINATE, CIMJOB_JOB_STATE_SUSPENDED, CIMJOB_REQUEST_TERMINATE},
        {CIMJOB_FAKE_NO_KILL, CIMJOB_JOB_STATE_RUNNING, CIMJOB_REQUEST_KILL},
        {CIMJOB_FAKE_NO_KILL, CIMJOB_JOB_STATE_SERVICE, CIMJOB_REQUEST_KILL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fx *f = fx_new(rows[i].flag);
        cimjob_job *j = job_in(f, rows[i].from);
        assert_rejected(f, j, rows[i].r, NULL, CIMJOB_RSC_NOT_SUPPORTED);
        if (rows[i].flag == CIMJOB_FAKE_NO_KILL)
            assert_int_equal(cimjob_kill_job(j, 0), CIMJOB_RC_NOT_SUPPORTED);
        cimjob_job_release(j);
        fx_free(f);
    }
}

static void test_timeout_not_supported_rows(void **state)
{
    (void)state;
    fx *f = fx_new(CIMJOB_FAKE_NO_TIMEOUT);
    const char *tmo = "00000000000010.000000:000";
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_RUNNING);
    assert_rejected(f, j, CIMJOB_REQUEST_TERMINATE, tmo, CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED);
    assert_rejected(f, j, CIMJOB_REQUEST_KILL, tmo, CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED);
    /* The zero interval is "no time requirement". */
    const int d[8] = D(0, 1, 0, 0, 0, 0);
    assert_moves(f, j, CIMJOB_REQUEST_TERMINATE, CIMJOB_INTERVAL_ZERO, 0,
                 CIMJOB_JOB_STATE_TERMINATED, d);
    cimjob_job_release(j);
    /* Start, Suspend and Service with a TimeoutPeriod: refused (4098), never ignored. */
    j = job_in(f, CIMJOB_JOB_STATE_NEW);
    assert_rejected(f, j, CIMJOB_REQUEST_START, tmo, CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED);
    const int ds[8] = D(1, 0, 0, 0, 0, 0);
    assert_moves(f, j, CIMJOB_REQUEST_START, NULL, 0, CIMJOB_JOB_STATE_RUNNING, ds);
    assert_rejected(f, j, CIMJOB_REQUEST_SUSPEND, tmo, CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED);
    assert_rejected(f, j, CIMJOB_REQUEST_SERVICE, tmo, CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED);
    cimjob_job_release(j);
    fx_free(f);
    /* A backend that honours TimeoutPeriods: the fake's slots take no virtual time, so the
     * requests complete within it. */
    f = fx_new(0);
    j = job_in(f, CIMJOB_JOB_STATE_NEW);
    assert_moves(f, j, CIMJOB_REQUEST_START, tmo, 0, CIMJOB_JOB_STATE_RUNNING, ds);
    const int dp[8] = D(0, 0, 0, 1, 0, 0);
    assert_moves(f, j, CIMJOB_REQUEST_SUSPEND, tmo, 0, CIMJOB_JOB_STATE_SUSPENDED, dp);
    cimjob_job_release(j);
    fx_free(f);
}

/* Vendor and reserved RequestedStates through the public API. */
static void test_requested_state_values(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_in(f, CIMJOB_JOB_STATE_RUNNING);
    assert_rejected(f, j, (cimjob_requested_state)0, NULL, CIMJOB_RSC_INVALID_PARAMETER);
    assert_rejected(f, j, (cimjob_requested_state)1, NULL, CIMJOB_RSC_INVALID_PARAMETER);
    assert_rejected(f, j, (cimjob_requested_state)7, NULL, CIMJOB_RSC_INVALID_PARAMETER);
    assert_rejected(f, j, (cimjob_requested_state)32767, NULL, CIMJOB_RSC_INVALID_PARAMETER);
    assert_rejected(f, j, (cimjob_requested_state)32768, NULL, CIMJOB_RSC_NOT_SUPPORTED);
    assert_rejected(f, j, (cimjob_requested_state)65535, NULL, CIMJOB_RSC_NOT_SUPPORTED);
    cimjob_job_release(j);
}

/* A failing slot: Failed (4), nothing changes. */
static void test_failing_slots(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.suspend_rc = CIMJOB_RC_OS_ERROR;
    o.terminate_rc = CIMJOB_RC_FAILED;
    o.service_rc = CIMJOB_RC_NOT_SUPPORTED;
    fx_push(f, &o);
    cimjob_job *j = fx_job(f, "failing", 1);
    cimjob_info before = q(j);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SUSPEND, NULL),
                     CIMJOB_RSC_FAILED);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, NULL),
                     CIMJOB_RSC_FAILED);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SERVICE, NULL),
                     CIMJOB_RSC_NOT_SUPPORTED);
    cimjob_info after = q(j);
    assert_int_equal(after.job_state, CIMJOB_JOB_STATE_RUNNING);
    assert_true(after.time_of_last_state_change_us == before.time_of_last_state_change_us);
    /* The job still ends normally afterwards. */
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_KILL, NULL), 0);
    assert_state(j, CIMJOB_JOB_STATE_KILLED);
    cimjob_job_release(j);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_new_start),
        T(test_new_suspend_and_service_rejected),
        T(test_new_terminate),
        T(test_new_kill),
        T(test_running_start_is_noop),
        T(test_running_suspend),
        T(test_running_terminate),
        T(test_running_kill),
        T(test_running_service),
        T(test_suspended_start_resumes),
        T(test_suspended_suspend_is_noop),
        T(test_suspended_terminate_resumes_first),
        T(test_suspended_kill),
        T(test_suspended_service),
        T(test_service_start),
        T(test_service_suspend),
        T(test_service_terminate),
        T(test_service_kill),
        T(test_service_service_is_noop),
        T(test_final_states_reject_everything),
        T(test_shutting_down_busy_but_kill_wins),
        T(test_starting_busy_terminate_wins),
        cmocka_unit_test(test_starting_kill_wins),
        T(test_failing_kill),
        cmocka_unit_test(test_not_supported_rows),
        cmocka_unit_test(test_timeout_not_supported_rows),
        T(test_requested_state_values),
        T(test_failing_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
