/*
 * Suite "access" (white-box for the platform identity): Owner defaults to the creating
 * credential; a request that names a caller other than the Owner is refused unless privileged,
 * and nothing reaches the backend.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_common.h"

#include "platform.h"

static cimjob_job *owned(fx *f, const char *owner)
{
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "owned";
    o.owner = owner;
    o.flags = CIMJOB_JOB_START;
    cimjob_job *j;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    return j;
}

static cimjob_request_options as(const char *caller)
{
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.caller = caller;
    return ro;
}

static void test_owner_default_is_current_identity(void **state)
{
    fx *f = *state;
    char me[CIMJOB_TEXT_MAX + 1];
    assert_int_equal(cimjob__current_identity(me, sizeof me), 0);
    assert_true(strlen(me) > 0);
#ifndef _WIN32
    assert_int_equal(strncmp(me, "uid:", 4), 0);
#endif
    cimjob_job *j = owned(f, NULL);
    assert_string_equal(q(j).owner, me);
    /* The host's own identity is the owner: it may act as itself. */
    cimjob_request_options ro = as(me);
    assert_int_equal(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_SUSPEND, &ro), 0);
    cimjob_job_release(j);
}

static void test_explicit_owner(void **state)
{
    fx *f = *state;
    cimjob_job *j = owned(f, "alice");
    assert_string_equal(q(j).owner, "alice");
    cimjob_request_options ro = as("alice");
    assert_int_equal(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_SUSPEND, &ro), 0);
    assert_int_equal(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_START, &ro), 0);
    assert_int_equal(cimjob_kill_job_ex(j, 0, &ro), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_KILLED);
    cimjob_job_release(j);
}

/* No caller: the host itself, always allowed. */
static void test_no_caller_is_host(void **state)
{
    fx *f = *state;
    cimjob_job *j = owned(f, "alice");
    cimjob_request_options ro = as(NULL);
    assert_int_equal(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_KILL, &ro), 0);
    cimjob_job_release(j);
}

static void test_other_caller_denied(void **state)
{
    fx *f = *state;
    cimjob_job *j = owned(f, "alice");
    cimjob_info before = q(j);
    cimjob_request_options ro = as("mallory");
    for (int r = CIMJOB_REQUEST_START; r <= CIMJOB_REQUEST_SERVICE; r++) {
        assert_int_equal(cimjob_request_state_change_ex(j, (cimjob_requested_state)r, &ro),
                         CIMJOB_RSC_ACCESS_DENIED);
        assert_non_null(strstr(cimjob_last_error(), "mallory"));
    }
    assert_int_equal(cimjob_kill_job_ex(j, 0, &ro), CIMJOB_RC_ACCESS_DENIED);
    assert_int_equal(cimjob_kill_job_ex(j, 1, &ro), CIMJOB_RC_ACCESS_DENIED);
    /* Case matters; a prefix is not the owner. */
    ro.caller = "Alice";
    assert_int_equal(cimjob_kill_job_ex(j, 0, &ro), CIMJOB_RC_ACCESS_DENIED);
    ro.caller = "alic";
    assert_int_equal(cimjob_kill_job_ex(j, 0, &ro), CIMJOB_RC_ACCESS_DENIED);
    ro.caller = "";
    assert_int_equal(cimjob_kill_job_ex(j, 0, &ro), CIMJOB_RC_ACCESS_DENIED);
    /* Nothing reached the backend, nothing changed. */
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_KILL), 0);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_TERMINATE), 0);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_SUSPEND), 0);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_SERVICE), 0);
    cimjob_info after = q(j);
    assert_int_equal(after.job_state, CIMJOB_JOB_STATE_RUNNING);
    assert_true(after.time_of_last_state_change_us == before.time_of_last_state_change_us);
    assert_int_equal(fx_count(f), 1);
    cimjob_job_release(j);
}

/* The two maps give different numbers for the same refusal. */
static void test_access_denied_numbers(void **state)
{
    (void)state;
    assert_int_equal(CIMJOB_RSC_ACCESS_DENIED, 32768);
    assert_int_equal(CIMJOB_RC_ACCESS_DENIED, 6);
}

static int privileged_calls;
static int is_admin(const char *caller, void *userdata)
{
    assert_ptr_equal(userdata, &privileged_calls);
    privileged_calls++;
    return strcmp(caller, "admin") == 0;
}

static void test_privileged_callback(void **state)
{
    (void)state;
    privileged_calls = 0;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.is_privileged = is_admin;
    ro.userdata = &privileged_calls;
    fx *f = fx_new_opts(0, &ro);
    cimjob_job *j = owned(f, "alice");
    cimjob_request_options rq = as("mallory");
    assert_int_equal(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_SUSPEND, &rq),
                     CIMJOB_RSC_ACCESS_DENIED);
    assert_int_equal(privileged_calls, 1);
    rq.caller = "admin";
    assert_int_equal(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_SUSPEND, &rq), 0);
    assert_int_equal(cimjob_kill_job_ex(j, 0, &rq), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_KILLED);
    /* The owner is never asked about. */
    int before = privileged_calls;
    rq.caller = "alice";
    assert_int_equal(cimjob_kill_job_ex(j, 0, &rq), CIMJOB_RC_INVALID_STATE);
    assert_int_equal(privileged_calls, before);
    cimjob_job_release(j);
    fx_free(f);
}

/* Refusal of a removed job: KillJob says Not Found before checking the caller. */
static void test_removed_job_not_found(void **state)
{
    fx *f = *state;
    cimjob_job *j = owned(f, "alice");
    assert_int_equal(cimjob_kill_job(j, 1), CIMJOB_RC_SUCCESS);
    cimjob_request_options ro = as("mallory");
    assert_int_equal(cimjob_kill_job_ex(j, 0, &ro), CIMJOB_RC_NOT_FOUND);
    cimjob_job_release(j);
}

/* An Owner up to CIMJOB_TEXT_MAX bytes is kept whole; longer is refused. */
static void test_owner_length(void **state)
{
    fx *f = *state;
    char owner[CIMJOB_TEXT_MAX + 2];
    memset(owner, 'o', sizeof owner - 1);
    owner[sizeof owner - 1] = '\0';
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "owner";
    o.owner = owner;
    assert_int_equal(cimjob_create(f->reg, &o, NULL), CIMJOB_RC_INVALID_PARAMETER);
    owner[CIMJOB_TEXT_MAX] = '\0';
    cimjob_job *j;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    assert_string_equal(q(j).owner, owner);
    cimjob_request_options ro = as(owner);
    assert_int_equal(cimjob_kill_job_ex(j, 0, &ro), CIMJOB_RC_SUCCESS);
    cimjob_job_release(j);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_owner_default_is_current_identity),
        T(test_explicit_owner),
        T(test_no_caller_is_host),
        T(test_other_caller_denied),
        cmocka_unit_test(test_access_denied_numbers),
        cmocka_unit_test(test_privileged_callback),
        T(test_removed_job_not_found),
        T(test_owner_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
