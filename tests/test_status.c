/*
 * Status and timing semantics (issue 11, section 6): OperationalStatus and the derived status
 * properties per JobState, ElapsedTime without Suspended time, CIM's uint16 ErrorCode, and
 * TimeoutPeriod on Start / Suspend / Service honoured or refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_common.h"

static cimjob_status status_of(cimjob_job *j)
{
    cimjob_info i = q(j);
    cimjob_status s = CIMJOB_STATUS_INIT;
    assert_int_equal(cimjob_info_status(&i, &s), CIMJOB_RC_SUCCESS);
    /* The snapshot's own OperationalStatus is the same. */
    assert_int_equal(i.operational_status_count, s.operational_status_count);
    assert_int_equal(i.operational_status[0], s.operational_status[0]);
    return s;
}

static void expect(cimjob_job *j, unsigned n, int os0, int os1, const char *status, int health,
                   int primary, int operating)
{
    cimjob_status s = status_of(j);
    assert_int_equal(s.operational_status_count, n);
    assert_int_equal(s.operational_status[0], os0);
    if (n > 1)
        assert_int_equal(s.operational_status[1], os1);
    for (unsigned k = 0; k < n; k++)
        assert_true(strlen(s.status_descriptions[k]) > 0);
    assert_string_equal(s.status, status);
    assert_true(strlen(s.status) <= 10); /* MaxLen 10 */
    assert_int_equal(s.health_state, health);
    assert_int_equal(s.primary_status, primary);
    assert_int_equal(s.operating_status, operating);
}

/* CommunicationStatus and DetailedStatus (cimjob_status version 2). */
static void expect_cd(cimjob_job *j, int communication, int detailed)
{
    cimjob_status s = status_of(j);
    assert_int_equal(s.communication_status, communication);
    assert_int_equal(s.detailed_status, detailed);
}

static void test_status_per_state(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "s", 0);
    expect(j, 1, CIMJOB_OPSTATUS_DORMANT, 0, "OK", 5, 1, CIMJOB_OPERATING_DORMANT);
    expect_cd(j, CIMJOB_COMMUNICATION_NOT_AVAILABLE, CIMJOB_DETAILED_NO_ADDITIONAL_INFORMATION);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    expect(j, 1, CIMJOB_OPSTATUS_OK, 0, "OK", 5, 1, CIMJOB_OPERATING_IN_SERVICE);
    expect_cd(j, CIMJOB_COMMUNICATION_OK, CIMJOB_DETAILED_NO_ADDITIONAL_INFORMATION);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SUSPEND, NULL), 0);
    expect(j, 1, CIMJOB_OPSTATUS_DORMANT, 0, "Stopped", 5, 1, CIMJOB_OPERATING_DORMANT);
    expect_cd(j, CIMJOB_COMMUNICATION_OK, CIMJOB_DETAILED_NO_ADDITIONAL_INFORMATION);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SERVICE, NULL), 0);
    expect(j, 1, CIMJOB_OPSTATUS_IN_SERVICE, 0, "Service", 5, 1, CIMJOB_OPERATING_SERVICING);
    expect_cd(j, CIMJOB_COMMUNICATION_OK, CIMJOB_DETAILED_NO_ADDITIONAL_INFORMATION);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    assert_int_equal(cimjob_fake_finish(f->fake, j, 0, NULL), CIMJOB_RC_SUCCESS);
    expect(j, 2, CIMJOB_OPSTATUS_COMPLETED, CIMJOB_OPSTATUS_OK, "OK", 5, 1,
           CIMJOB_OPERATING_COMPLETED);
    expect_cd(j, CIMJOB_COMMUNICATION_NOT_AVAILABLE, CIMJOB_DETAILED_NO_ADDITIONAL_INFORMATION);
    cimjob_job_release(j);

    j = fx_job(f, "e", 1);
    assert_int_equal(cimjob_fake_finish(f->fake, j, 2, "bad"), CIMJOB_RC_SUCCESS);
    expect(j, 2, CIMJOB_OPSTATUS_COMPLETED, CIMJOB_OPSTATUS_ERROR, "Error", 20, 3,
           CIMJOB_OPERATING_COMPLETED);
    expect_cd(j, CIMJOB_COMMUNICATION_NOT_AVAILABLE, CIMJOB_DETAILED_NON_RECOVERABLE_ERROR);
    cimjob_job_release(j);

    j = fx_job(f, "t", 1);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, NULL), 0);
    expect(j, 1, CIMJOB_OPSTATUS_STOPPED, 0, "Stopped", 5, 1, CIMJOB_OPERATING_STOPPED);
    expect_cd(j, CIMJOB_COMMUNICATION_NOT_AVAILABLE, CIMJOB_DETAILED_NO_ADDITIONAL_INFORMATION);
    cimjob_job_release(j);

    /* Killed is an abrupt stop: Aborted. */
    j = fx_job(f, "k", 1);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_KILL, NULL), 0);
    expect(j, 1, CIMJOB_OPSTATUS_ABORTED, 0, "Stopped", 5, 1, CIMJOB_OPERATING_ABORTED);
    expect_cd(j, CIMJOB_COMMUNICATION_NOT_AVAILABLE, CIMJOB_DETAILED_NO_ADDITIONAL_INFORMATION);
    cimjob_job_release(j);

    /* An escalated Terminate: Stopped but Degraded. */
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = -1;
    fx_push(f, &o);
    j = fx_job(f, "x", 1);
    assert_int_equal(
        cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, "00000000000001.000000:000"),
        CIMJOB_RSC_TIMEOUT);
    expect(j, 2, CIMJOB_OPSTATUS_STOPPED, CIMJOB_OPSTATUS_DEGRADED, "Stopped", 10, 2,
           CIMJOB_OPERATING_STOPPED);
    expect_cd(j, CIMJOB_COMMUNICATION_NOT_AVAILABLE, CIMJOB_DETAILED_STRESSED);
    cimjob_job_release(j);
}

/* Shutting Down and Starting through a snapshot built by hand (transitional states). */
static void test_status_transitional_and_bad(void **state)
{
    (void)state;
    cimjob_info i = CIMJOB_INFO_INIT;
    cimjob_status s = CIMJOB_STATUS_INIT;
    i.job_state = CIMJOB_JOB_STATE_SHUTTING_DOWN;
    assert_int_equal(cimjob_info_status(&i, &s), CIMJOB_RC_SUCCESS);
    assert_int_equal(s.operational_status[0], CIMJOB_OPSTATUS_STOPPING);
    assert_int_equal(s.operating_status, CIMJOB_OPERATING_STOPPING);
    assert_string_equal(s.status, "Stopping");
    assert_int_equal(s.communication_status, CIMJOB_COMMUNICATION_OK);
    i.job_state = CIMJOB_JOB_STATE_STARTING;
    assert_int_equal(cimjob_info_status(&i, &s), CIMJOB_RC_SUCCESS);
    assert_int_equal(s.operational_status[0], CIMJOB_OPSTATUS_STARTING);
    assert_int_equal(s.operating_status, CIMJOB_OPERATING_STARTING);
    i.job_state = (cimjob_job_state)1;
    assert_int_equal(cimjob_info_status(&i, &s), CIMJOB_RC_INVALID_PARAMETER);
    i.job_state = CIMJOB_JOB_STATE_RUNNING;
    assert_int_equal(cimjob_info_status(NULL, &s), CIMJOB_RC_INVALID_PARAMETER);
    /* A caller built against version 1 gets version 1's fields only. */
    s.version = 1;
    s.communication_status = 77;
    s.detailed_status = 77;
    assert_int_equal(cimjob_info_status(&i, &s), CIMJOB_RC_SUCCESS);
    assert_int_equal(s.communication_status, 77);
    assert_int_equal(s.detailed_status, 77);
    s.version = 5;
    assert_int_equal(cimjob_info_status(&i, &s), CIMJOB_RC_INVALID_VERSION);
    assert_string_equal(cimjob_communication_status_name(2), "Communication OK");
    assert_string_equal(cimjob_communication_status_name(5), "DMTF Reserved");
    assert_string_equal(cimjob_detailed_status_name(4), "Non-Recoverable Error");
    assert_string_equal(cimjob_detailed_status_name(0x8000), "Vendor Reserved");
    assert_string_equal(cimjob_operational_status_name(14), "Aborted");
    assert_string_equal(cimjob_operational_status_name(20), "DMTF Reserved");
    assert_string_equal(cimjob_operational_status_name(0x8000), "Vendor Reserved");
    assert_string_equal(cimjob_health_state_name(20), "Major failure");
    assert_string_equal(cimjob_health_state_name(7), "DMTF Reserved");
    assert_string_equal(cimjob_primary_status_name(3), "Error");
    assert_string_equal(cimjob_operating_status_name(16), "In Service");
    assert_string_equal(cimjob_operating_status_name(-1), "Invalid");
}

/* ElapsedTime counts executing time: Suspended time is left out, also across two pauses. */
static void test_elapsed_excludes_suspended(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "pause", 1);
    assert_int_equal(cimjob_fake_advance(f->fake, 3 * SEC), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SUSPEND, NULL), 0);
    assert_int_equal(cimjob_fake_advance(f->fake, 100 * SEC), CIMJOB_RC_SUCCESS);
    assert_true(q(j).elapsed_time_us == (uint64_t)(3 * SEC));
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    assert_int_equal(cimjob_fake_advance(f->fake, 2 * SEC), CIMJOB_RC_SUCCESS);
    assert_true(q(j).elapsed_time_us == (uint64_t)(5 * SEC));
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SUSPEND, NULL), 0);
    assert_int_equal(cimjob_fake_advance(f->fake, 10 * SEC), CIMJOB_RC_SUCCESS);
    /* Killed while Suspended: the end does not count the last pause either. */
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_KILL, NULL), 0);
    assert_int_equal(cimjob_fake_advance(f->fake, 10 * SEC), CIMJOB_RC_SUCCESS);
    assert_true(q(j).elapsed_time_us == (uint64_t)(5 * SEC));
    cimjob_job_release(j);
}

/* CIM's ErrorCode is a uint16: larger codes read 65535 there, the full value is kept. */
static void test_error_code_uint16(void **state)
{
    fx *f = *state;
    assert_int_equal(cimjob_cim_error_code(0), 0);
    assert_int_equal(cimjob_cim_error_code(65535), 65535);
    assert_int_equal(cimjob_cim_error_code(65536), 65535);
    assert_int_equal(cimjob_cim_error_code(0xC0000005u), 65535);
    cimjob_job *j = fx_job(f, "ntstatus", 1);
    assert_int_equal(cimjob_fake_finish(f->fake, j, 0xC0000005u, "access violation"),
                     CIMJOB_RC_SUCCESS);
    cimjob_info i = q(j);
    assert_int_equal(i.error_code, 0xC0000005u);
    assert_int_equal(i.cim_error_code, 65535);
    cimjob_error e = CIMJOB_ERROR_INIT;
    int found = 0;
    assert_int_equal(cimjob_get_error(j, &e, &found), CIMJOB_RC_SUCCESS);
    assert_int_equal(found, 1);
    assert_int_equal(e.code, 0xC0000005u);
    assert_non_null(strstr(e.message, "3221225477")); /* the full value, in the message */
    cimjob_job_release(j);
    j = fx_job(f, "small", 1);
    assert_int_equal(cimjob_fake_finish(f->fake, j, 3, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(q(j).cim_error_code, 3);
    cimjob_job_release(j);
}

/* A caller built against version 1 of cimjob_info gets only what version 1 has. */
static void test_info_version_1(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "v1", 1);
    cimjob_info i;
    memset(&i, 0xEE, sizeof i);
    i.version = 1;
    assert_int_equal(cimjob_query(j, &i), CIMJOB_RC_SUCCESS);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_RUNNING);
    assert_int_equal(i.cim_error_code, 0xEEEE); /* untouched */
    assert_int_equal(i.waiting, (int)0xEEEEEEEE);
    memset(&i, 0xEE, sizeof i);
    i.version = 2; /* version 2 has no core_dumped */
    assert_int_equal(cimjob_query(j, &i), CIMJOB_RC_SUCCESS);
    assert_int_equal(i.runs, 1);
    assert_int_equal(i.core_dumped, (int)0xEEEEEEEE);
    i.version = CIMJOB_INFO_VERSION + 1;
    assert_int_equal(cimjob_query(j, &i), CIMJOB_RC_INVALID_VERSION);
    i = q(j);
    assert_int_equal(i.runs, 1);
    assert_int_equal(i.waiting, CIMJOB_WAITING_NONE);
    cimjob_job_release(j);
}

/* ---- TimeoutPeriod on Start, Suspend, Service: a backend whose slots take (virtual) time ---- */

typedef struct slow {
    int64_t now;
    int64_t spawn_us, suspend_us;
    int jobs;
    cimjob_job *job;
} slow;

static cimjob_rc slow_open(const cimjob_backend_host *host, void *config, void **st)
{
    (void)host;
    *st = config;
    return CIMJOB_RC_SUCCESS;
}
static void slow_close(void *st)
{
    (void)st;
}
static cimjob_rc slow_spawn(void *st, cimjob_job *job, const cimjob_job_options *o, void **js)
{
    (void)job;
    (void)o;
    slow *s = st;
    s->now += s->spawn_us;
    s->jobs++;
    s->job = job;
    *js = s;
    return CIMJOB_RC_SUCCESS;
}
static cimjob_rc slow_suspend(void *st, void *js)
{
    (void)js;
    slow *s = st;
    s->now += s->suspend_us;
    return CIMJOB_RC_SUCCESS;
}
static cimjob_rc slow_ok(void *st, void *js)
{
    (void)st;
    (void)js;
    return CIMJOB_RC_SUCCESS;
}
/* Kill and Terminate end the job at once. */
static cimjob_rc slow_end(void *st, void *js)
{
    (void)js;
    cimjob_backend_result r = CIMJOB_BACKEND_RESULT_INIT;
    return cimjob_backend_report_exit(((slow *)st)->job, &r);
}
static void slow_release(void *st, void *js)
{
    (void)js;
    ((slow *)st)->jobs--;
}
static int64_t slow_now(void *st, int realtime)
{
    slow *s = st;
    return realtime ? FAKE_EPOCH + s->now : s->now;
}

static void test_timeout_on_start_and_suspend(void **state)
{
    (void)state;
    static const cimjob_backend be = {CIMJOB_BACKEND_VERSION,
                                      "slow",
                                      CIMJOB_CAP_TIMEOUT,
                                      slow_open,
                                      slow_close,
                                      slow_spawn,
                                      slow_end,
                                      slow_end,
                                      slow_suspend,
                                      slow_ok,
                                      NULL,
                                      slow_release,
                                      NULL,
                                      NULL,
                                      NULL,
                                      NULL,
                                      NULL,
                                      slow_now};
    slow s = {0, 2 * SEC, SEC / 2, 0, NULL};
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = &be;
    ro.backend_config = &s;
    cimjob_registry *reg = NULL;
    assert_int_equal(cimjob_registry_new(&ro, &reg), CIMJOB_RC_SUCCESS);
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = NULL;
    o.name = "slow";
    assert_int_equal(cimjob_create(reg, &o, &j), CIMJOB_RC_SUCCESS);
    /* The start took 2 s: a TimeoutPeriod of 1 s was not met. */
    assert_int_equal(
        cimjob_request_state_change(j, CIMJOB_REQUEST_START, "00000000000001.000000:000"),
        CIMJOB_RSC_TIMEOUT);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING); /* it got there, late */
    /* The suspend takes 0.5 s: within 1 s. */
    assert_int_equal(
        cimjob_request_state_change(j, CIMJOB_REQUEST_SUSPEND, "00000000000001.000000:000"),
        CIMJOB_RSC_COMPLETED);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL),
                     CIMJOB_RSC_COMPLETED);
    s.suspend_us = 3 * SEC;
    assert_int_equal(
        cimjob_request_state_change(j, CIMJOB_REQUEST_SUSPEND, "00000000000002.000000:000"),
        CIMJOB_RSC_TIMEOUT);
    /* The late ones are CIM_Errors of the job. */
    cimjob_error *e = NULL;
    size_t n = 0;
    assert_int_equal(cimjob_get_errors(j, CIMJOB_ERROR_VERSION, &e, &n), CIMJOB_RC_SUCCESS);
    assert_int_equal(n, 2);
    assert_int_equal(e[0].message_number, CIMJOB_MSG_REQUEST_TIMEOUT);
    assert_string_equal(e[0].message_arguments[0], "Start");
    cimjob_errors_free(e);
    cimjob_job_release(j);
    cimjob_registry_free(reg);
    assert_int_equal(s.jobs, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status_per_state, fx_setup, fx_teardown),
        cmocka_unit_test(test_status_transitional_and_bad),
        cmocka_unit_test_setup_teardown(test_elapsed_excludes_suspended, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_error_code_uint16, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_info_version_1, fx_setup, fx_teardown),
        cmocka_unit_test(test_timeout_on_start_and_suspend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
