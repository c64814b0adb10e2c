/*
 * CIM_Error, GetErrors / GetError, the message registry and cimjob_rc -> CIM status codes
 * (issue 11, section 1), on the fake backend.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_common.h"

typedef struct errs {
    cimjob_error *e;
    size_t n;
} errs;

static errs get(cimjob_job *j)
{
    errs r = {NULL, 12345};
    assert_int_equal(cimjob_get_errors(j, CIMJOB_ERROR_VERSION, &r.e, &r.n), CIMJOB_RC_SUCCESS);
    return r;
}

static void check_common(const cimjob_error *e, const char *instance_id)
{
    char path[600];
    assert_int_equal(e->version, CIMJOB_ERROR_VERSION);
    assert_string_equal(e->owning_entity, "libcimjob");
    assert_true(strlen(e->message_id) == 10 && strncmp(e->message_id, "CIMJOB", 6) == 0);
    assert_string_equal(e->message_id, cimjob_message_id((int)e->message_number));
    assert_true(strlen(e->message) > 0);
    assert_int_equal(e->error_source_format, CIMJOB_ERROR_SOURCE_FORMAT_CIM_OBJECT_PATH);
    snprintf(path, sizeof path, "CIM_ConcreteJob.InstanceID=\"%s\"", instance_id);
    assert_string_equal(e->error_source, path);
    assert_string_equal(e->cim_status_code_description,
                        cimjob_cim_status_name((long long)e->cim_status_code));
    assert_int_equal(e->recommended_action_count, 1);
    assert_true(e->time_us >= FAKE_EPOCH);
}

/* Completed/OK: no CIM_Error at all (MOF GetErrors, GetError). */
static void test_completed_has_none(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = SEC;
    fx_push(f, &o);
    cimjob_job *j = fx_job(f, "ok", 1);
    assert_int_equal(cimjob_wait(j, 0, -1, NULL), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_COMPLETED);
    errs r = get(j);
    assert_int_equal(r.n, 0);
    assert_null(r.e);
    cimjob_error e = CIMJOB_ERROR_INIT;
    int found = -1;
    assert_int_equal(cimjob_get_error(j, &e, &found), CIMJOB_RC_SUCCESS);
    assert_int_equal(found, 0);
    cimjob_job_release(j);
}

/* A running job without trouble has none either. */
static void test_running_has_none(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "run", 1);
    errs r = get(j);
    assert_int_equal(r.n, 0);
    cimjob_error e = CIMJOB_ERROR_INIT;
    int found = -1;
    assert_int_equal(cimjob_get_error(j, &e, &found), CIMJOB_RC_SUCCESS);
    assert_int_equal(found, 0);
    cimjob_job_release(j);
}

/* The end of a job in Exception: ErrorCode and ErrorDescription as a JobFailed record. */
static void test_exception_end(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "fails", 1);
    assert_int_equal(cimjob_fake_finish(f->fake, j, 42, "disk full"), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_EXCEPTION);
    errs r = get(j);
    assert_int_equal(r.n, 1);
    check_common(&r.e[0], cimjob_job_instance_id(j));
    assert_int_equal(r.e[0].message_number, CIMJOB_MSG_JOB_FAILED);
    assert_string_equal(r.e[0].message_id, "CIMJOB0009");
    assert_string_equal(r.e[0].message, "The job failed with ErrorCode 42: disk full.");
    assert_int_equal(r.e[0].message_argument_count, 2);
    assert_string_equal(r.e[0].message_arguments[0], "42");
    assert_string_equal(r.e[0].message_arguments[1], "disk full");
    assert_int_equal(r.e[0].code, 42);
    assert_int_equal(r.e[0].cim_status_code, CIMJOB_CIM_ERR_FAILED);
    assert_int_equal(r.e[0].perceived_severity, CIMJOB_SEVERITY_MAJOR);
    assert_int_equal(r.e[0].error_type, CIMJOB_ERROR_TYPE_SOFTWARE);
    cimjob_errors_free(r.e);
    cimjob_error e = CIMJOB_ERROR_INIT;
    int found = 0;
    assert_int_equal(cimjob_get_error(j, &e, &found), CIMJOB_RC_SUCCESS);
    assert_int_equal(found, 1);
    assert_int_equal(e.message_number, CIMJOB_MSG_JOB_FAILED);
    cimjob_job_release(j);
}

/* A start that fails in the backend: SpawnFailed, with the return code as a CIM status. */
static void test_spawn_failed(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.spawn_rc = CIMJOB_RC_ACCESS_DENIED;
    fx_push(f, &o);
    cimjob_job *j = fx_job(f, "nostart", 0);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), CIMJOB_RSC_FAILED);
    assert_state(j, CIMJOB_JOB_STATE_EXCEPTION);
    errs r = get(j);
    assert_int_equal(r.n, 1); /* the end error only: no RequestFailed beside it */
    check_common(&r.e[0], cimjob_job_instance_id(j));
    assert_int_equal(r.e[0].message_number, CIMJOB_MSG_SPAWN_FAILED);
    assert_int_equal(r.e[0].cim_status_code, CIMJOB_CIM_ERR_ACCESS_DENIED);
    cimjob_errors_free(r.e);
    cimjob_job_release(j);
}

/* A containment that was asked for and is not available: ContainmentUnavailable. */
static void test_containment_unavailable(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.spawn_rc = CIMJOB_RC_NOT_SUPPORTED;
    fx_push(f, &o);
    cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = NULL;
    jo.name = "contained";
    jo.containment = CIMJOB_CONTAINMENT_CGROUP;
    jo.flags = CIMJOB_JOB_START;
    assert_int_equal(cimjob_create(f->reg, &jo, &j), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_EXCEPTION);
    errs r = get(j);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.e[0].message_number, CIMJOB_MSG_CONTAINMENT_UNAVAILABLE);
    assert_string_equal(r.e[0].message_arguments[0], "cgroup");
    assert_int_equal(r.e[0].cim_status_code, CIMJOB_CIM_ERR_NOT_SUPPORTED);
    cimjob_errors_free(r.e);
    cimjob_job_release(j);
}

/* A failed request on a running job is kept (it used to live only in cimjob_last_error()). */
static void test_failed_request_recorded(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.suspend_rc = CIMJOB_RC_FAILED;
    fx_push(f, &o);
    cimjob_job *j = fx_job(f, "nosuspend", 1);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SUSPEND, NULL),
                     CIMJOB_RSC_FAILED);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    /* Rejections change nothing and are not errors of the job. */
    assert_int_equal(cimjob_request_state_change(j, (cimjob_requested_state)7, NULL),
                     CIMJOB_RSC_INVALID_PARAMETER);
    errs r = get(j);
    assert_int_equal(r.n, 1);
    check_common(&r.e[0], cimjob_job_instance_id(j));
    assert_int_equal(r.e[0].message_number, CIMJOB_MSG_REQUEST_FAILED);
    assert_string_equal(r.e[0].message_arguments[0], "Suspend");
    assert_string_equal(r.e[0].message_arguments[1], "4");
    assert_string_equal(r.e[0].message_arguments[2], "Failed");
    assert_non_null(strstr(r.e[0].message, "RequestStateChange(Suspend) failed with 4 (Failed)"));
    assert_int_equal(r.e[0].perceived_severity, CIMJOB_SEVERITY_MINOR);
    cimjob_errors_free(r.e);
    cimjob_error e = CIMJOB_ERROR_INIT;
    int found = 0;
    assert_int_equal(cimjob_get_error(j, &e, &found), CIMJOB_RC_SUCCESS);
    assert_int_equal(found, 1);
    assert_int_equal(e.message_number, CIMJOB_MSG_REQUEST_FAILED);
    /* It ends well after all: Completed reports none. */
    assert_int_equal(cimjob_fake_finish(f->fake, j, 0, NULL), CIMJOB_RC_SUCCESS);
    r = get(j);
    assert_int_equal(r.n, 0);
    cimjob_job_release(j);
}

static void test_not_supported_and_4098(void **state)
{
    (void)state;
    fx *f = fx_new(CIMJOB_FAKE_NO_SERVICE | CIMJOB_FAKE_NO_TIMEOUT);
    cimjob_job *j = fx_job(f, "limits", 1);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SERVICE, NULL),
                     CIMJOB_RSC_NOT_SUPPORTED);
    assert_int_equal(
        cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, "00000000000005.000000:000"),
        CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED);
    errs r = get(j);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.e[0].message_number, CIMJOB_MSG_REQUEST_FAILED);
    assert_int_equal(r.e[0].cim_status_code, CIMJOB_CIM_ERR_NOT_SUPPORTED);
    assert_int_equal(r.e[1].message_number, CIMJOB_MSG_TIMEOUT_NOT_SUPPORTED);
    assert_string_equal(r.e[1].message_id, "CIMJOB0012");
    assert_string_equal(r.e[1].message, "RequestStateChange(Terminate) cannot honour a "
                                        "TimeoutPeriod of 00000000000005.000000:000.");
    cimjob_errors_free(r.e);
    cimjob_job_release(j);
    fx_free(f);
}

/* An escalated Terminate: the escalation (Warning) and the end by request; GetError gives the
 * end. */
static void test_escalation_and_terminated(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = -1; /* ignores Terminate */
    fx_push(f, &o);
    cimjob_job *j = fx_job(f, "stubborn", 1);
    assert_int_equal(
        cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, "00000000000002.000000:000"),
        CIMJOB_RSC_TIMEOUT);
    assert_state(j, CIMJOB_JOB_STATE_TERMINATED);
    errs r = get(j);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.e[0].message_number, CIMJOB_MSG_TERMINATE_ESCALATED);
    assert_int_equal(r.e[0].perceived_severity, CIMJOB_SEVERITY_DEGRADED_WARNING);
    assert_int_equal(r.e[0].probable_cause, CIMJOB_CAUSE_TIMEOUT);
    assert_string_equal(r.e[0].message_arguments[0], "00000000000002.000000:000");
    assert_int_equal(r.e[1].message_number, CIMJOB_MSG_TERMINATED_BY_REQUEST);
    assert_int_equal(r.e[1].error_type, CIMJOB_ERROR_TYPE_OTHER);
    assert_true(strlen(r.e[1].other_error_type) > 0);
    cimjob_errors_free(r.e);
    cimjob_error e = CIMJOB_ERROR_INIT;
    int found = 0;
    assert_int_equal(cimjob_get_error(j, &e, &found), CIMJOB_RC_SUCCESS);
    assert_int_equal(found, 1);
    assert_int_equal(e.message_number, CIMJOB_MSG_TERMINATED_BY_REQUEST);
    cimjob_job_release(j);
}

static void test_killed_and_removed(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "victim", 1);
    assert_int_equal(cimjob_kill_job(j, 0), CIMJOB_RC_SUCCESS);
    errs r = get(j);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.e[0].message_number, CIMJOB_MSG_KILLED_BY_REQUEST);
    assert_string_equal(r.e[0].message_id, "CIMJOB0014");
    cimjob_errors_free(r.e);
    assert_int_equal(cimjob_remove(f->reg, j), CIMJOB_RC_SUCCESS);
    cimjob_error *e = NULL;
    size_t n = 0;
    assert_int_equal(cimjob_get_errors(j, CIMJOB_ERROR_VERSION, &e, &n), CIMJOB_RC_NOT_FOUND);
    cimjob_error one = CIMJOB_ERROR_INIT;
    int found = 0;
    assert_int_equal(cimjob_get_error(j, &one, &found), CIMJOB_RC_NOT_FOUND);
    cimjob_job_release(j);
}

/* A client that retries a failing request forever does not grow the job without bound. */
static void test_error_list_bounded(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.suspend_rc = CIMJOB_RC_FAILED;
    fx_push(f, &o);
    cimjob_job *j = fx_job(f, "retry", 1);
    for (int i = 0; i < 100; i++)
        assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SUSPEND, NULL),
                         CIMJOB_RSC_FAILED);
    errs r = get(j);
    assert_true(r.n > 0 && r.n <= 32);
    cimjob_errors_free(r.e);
    cimjob_job_release(j);
}

static void test_bad_arguments(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "args", 0);
    cimjob_error *e = NULL;
    size_t n = 0;
    int found = 0;
    cimjob_error one = CIMJOB_ERROR_INIT;
    assert_int_equal(cimjob_get_errors(NULL, CIMJOB_ERROR_VERSION, &e, &n),
                     CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_get_errors(j, CIMJOB_ERROR_VERSION, NULL, &n),
                     CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_get_errors(j, 99, &e, &n), CIMJOB_RC_INVALID_VERSION);
    assert_int_equal(cimjob_get_error(j, NULL, &found), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_get_error(j, &one, NULL), CIMJOB_RC_INVALID_PARAMETER);
    one.version = 7;
    assert_int_equal(cimjob_get_error(j, &one, &found), CIMJOB_RC_INVALID_VERSION);
    cimjob_errors_free(NULL);
    cimjob_job_release(j);
}

/* ---- value maps and the registry -------------------------------------------------------- */

static void test_value_map_names(void **state)
{
    (void)state;
    assert_string_equal(cimjob_error_type_name(0), "Unknown");
    assert_string_equal(cimjob_error_type_name(4), "Software Error");
    assert_string_equal(cimjob_error_type_name(10), "Unsupported Operation Error");
    assert_string_equal(cimjob_error_type_name(11), "DMTF Reserved");
    assert_string_equal(cimjob_error_type_name(-1), "Invalid");
    assert_string_equal(cimjob_perceived_severity_name(3), "Degraded/Warning");
    assert_string_equal(cimjob_perceived_severity_name(7), "Fatal/NonRecoverable");
    assert_string_equal(cimjob_perceived_severity_name(8), "DMTF Reserved");
    assert_string_equal(cimjob_probable_cause_name(0), "Unknown");
    assert_string_equal(cimjob_probable_cause_name(2), "Adapter/Card Error");
    assert_string_equal(cimjob_probable_cause_name(111), "Timeout");
    assert_string_equal(cimjob_probable_cause_name(130), "Unexpected Information");
    assert_string_equal(cimjob_probable_cause_name(131), "DMTF Reserved");
    assert_string_equal(cimjob_probable_cause_name(65536), "Invalid");
    for (int v = 0; v <= 130; v++)
        assert_string_not_equal(cimjob_probable_cause_name(v), "DMTF Reserved");
    assert_int_equal(CIMJOB_CAUSE_SOFTWARE_PROGRAM_ABNORMALLY_TERMINATED, 48);
    assert_string_equal(cimjob_error_source_format_name(2), "CIMObjectPath");
    assert_string_equal(cimjob_error_source_format_name(3), "DMTF Reserved");
    assert_string_equal(cimjob_cim_status_name(0), "CIM_ERR_SUCCESS");
    assert_string_equal(cimjob_cim_status_name(1), "CIM_ERR_FAILED");
    assert_string_equal(cimjob_cim_status_name(6), "CIM_ERR_NOT_FOUND");
    assert_string_equal(cimjob_cim_status_name(29), "CIM_ERR_QUERY_FEATURE_NOT_SUPPORTED");
    assert_string_equal(cimjob_cim_status_name(30), "DMTF Reserved");
    assert_string_equal(cimjob_cim_status_name(-5), "Invalid");
}

/* The numbers collide: 6 is Access Denied for us but CIM_ERR_NOT_FOUND in CIM. */
static void test_rc_to_cim_status(void **state)
{
    (void)state;
    assert_int_equal(cimjob_rc_to_cim_status(CIMJOB_RC_SUCCESS), 0);
    assert_int_equal(cimjob_rc_to_cim_status(CIMJOB_RC_ACCESS_DENIED),
                     CIMJOB_CIM_ERR_ACCESS_DENIED);
    assert_int_equal(cimjob_rc_to_cim_status(CIMJOB_RC_NOT_FOUND), CIMJOB_CIM_ERR_NOT_FOUND);
    assert_int_equal(cimjob_rc_to_cim_status(CIMJOB_RC_NOT_SUPPORTED),
                     CIMJOB_CIM_ERR_NOT_SUPPORTED);
    assert_int_equal(cimjob_rc_to_cim_status(CIMJOB_RC_INVALID_PARAMETER),
                     CIMJOB_CIM_ERR_INVALID_PARAMETER);
    assert_int_equal(cimjob_rc_to_cim_status(CIMJOB_RC_INVALID_UTF8),
                     CIMJOB_CIM_ERR_INVALID_PARAMETER);
    assert_int_equal(cimjob_rc_to_cim_status(CIMJOB_RC_EXISTS), CIMJOB_CIM_ERR_ALREADY_EXISTS);
    assert_int_equal(cimjob_rc_to_cim_status(CIMJOB_RC_NO_MEMORY),
                     CIMJOB_CIM_ERR_SERVER_LIMITS_EXCEEDED);
    assert_int_equal(cimjob_rc_to_cim_status(CIMJOB_RC_FAILED), CIMJOB_CIM_ERR_FAILED);
    assert_int_equal(cimjob_rc_to_cim_status(CIMJOB_RC_BUSY), CIMJOB_CIM_ERR_FAILED);
    assert_int_equal(cimjob_rc_to_cim_status(12345), CIMJOB_CIM_ERR_FAILED);
    assert_int_not_equal(cimjob_rc_to_cim_status(6), 6);
    assert_int_not_equal(cimjob_rc_to_cim_status(7), 7);
}

/* Stable, unique MessageIDs CIMJOB<number>; unique keys; placeholders within the arguments. */
#define MSG_ROW(e, n, key, id, type, sev, cause, cim, text, action) {n, key, id, text},
static void test_message_registry(void **state)
{
    (void)state;
    static const struct {
        int n;
        const char *key, *id, *text;
    } rows[] = {CIMJOB_MESSAGE_TABLE(MSG_ROW)};
    size_t nrows = sizeof rows / sizeof rows[0];
    assert_int_equal(nrows, 15);
    for (size_t i = 0; i < nrows; i++) {
        char want[16];
        snprintf(want, sizeof want, "CIMJOB%04d", rows[i].n);
        assert_int_equal(rows[i].n, (int)i + 1);
        assert_string_equal(rows[i].id, want);
        assert_string_equal(cimjob_message_id(rows[i].n), want);
        assert_string_equal(cimjob_message_key(rows[i].n), rows[i].key);
        assert_string_equal(cimjob_message_format(rows[i].n), rows[i].text);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(rows[k].key, rows[i].key);
    }
    assert_string_equal(cimjob_message_id(0), "");
    assert_string_equal(cimjob_message_key(16), "");
    assert_string_equal(cimjob_message_format(-1), "");
    /* Numbers that are part of the ABI. */
    assert_int_equal(CIMJOB_MSG_EXIT_STATUS, 1);
    assert_int_equal(CIMJOB_MSG_COMMAND_NOT_FOUND, 3);
    assert_int_equal(CIMJOB_MSG_REQUEST_FAILED, 7);
    assert_int_equal(CIMJOB_MSG_UNTIL_TIME_PASSED, 15);
}

/* An InstanceID with '"' is escaped in the object path. */
static void test_error_source_escaped(void **state)
{
    fx *f = *state;
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = NULL;
    o.name = "quoted";
    o.local_id = "a\"b\\c";
    o.flags = CIMJOB_JOB_START;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_finish(f->fake, j, 1, NULL), CIMJOB_RC_SUCCESS);
    errs r = get(j);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.e[0].error_source,
                        "CIM_ConcreteJob.InstanceID=\"libcimjob:a\\\"b\\\\c\"");
    cimjob_errors_free(r.e);
    cimjob_job_release(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_completed_has_none, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_running_has_none, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_exception_end, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_spawn_failed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_containment_unavailable, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_failed_request_recorded, fx_setup, fx_teardown),
        cmocka_unit_test(test_not_supported_and_4098),
        cmocka_unit_test_setup_teardown(test_escalation_and_terminated, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_killed_and_removed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_error_list_bounded, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, fx_setup, fx_teardown),
        cmocka_unit_test(test_value_map_names),
        cmocka_unit_test(test_rc_to_cim_status),
        cmocka_unit_test(test_message_registry),
        cmocka_unit_test_setup_teardown(test_error_source_escaped, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
