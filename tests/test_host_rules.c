/*
 * Suite "host-rules": what a host may do to the library and what it gets back, on the fake
 * backend (the posix side is tests/posix/test_guest.c):
 *   - registry options out of range are refused (a wrapped Terminate grace would escalate every
 *     Terminate at once); cimjob_create leaves *out NULL on failure; INT64_MAX timeouts do not
 *     overflow (UBSan in the sanitized run);
 *   - cimjob_registry_free from a callback of the same registry is refused with
 *     CIMJOB_RC_BUSY, and the registry keeps working;
 *   - a callback delivered from cimjob_wait / cimjob_registry_run runs with no library lock
 *     held: it may request, wait and pump itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cimjob/fake.h>

#include "test_common.h"

/* ---- codes and ranges -------------------------------------------------------------------- */

static cimjob_rc new_with(uint64_t terminate_us, uint64_t kill_us)
{
    cimjob_fake *fake;
    assert_int_equal(cimjob_fake_new(0, &fake), CIMJOB_RC_SUCCESS);
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_fake_backend(fake);
    ro.backend_config = fake;
    ro.default_terminate_timeout_us = terminate_us;
    ro.kill_timeout_us = kill_us;
    cimjob_registry *reg = (cimjob_registry *)(uintptr_t)1;
    cimjob_rc rc = cimjob_registry_new(&ro, &reg);
    if (rc == CIMJOB_RC_SUCCESS)
        assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
    cimjob_fake_free(fake);
    return rc;
}

static void test_registry_option_ranges(void **state)
{
    (void)state;
    /* UINT64_MAX - 1 used to wrap into a deadline in the past: every Terminate escalated. */
    assert_int_equal(new_with(UINT64_MAX - 1, 5 * SEC), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(new_with(CIMJOB_INTERVAL_MAX_US + 1, 5 * SEC), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(new_with(10 * SEC, UINT64_MAX), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(new_with(10 * SEC, CIMJOB_INTERVAL_MAX_US + 1), CIMJOB_RC_INVALID_PARAMETER);
    /* Each in range, their sum not. */
    assert_int_equal(new_with(CIMJOB_INTERVAL_MAX_US, 1), CIMJOB_RC_INVALID_PARAMETER);
    assert_non_null(strstr(cimjob_last_error(), "kill_timeout_us"));
    /* The documented special value and the edges. */
    assert_int_equal(new_with(UINT64_MAX, 5 * SEC), CIMJOB_RC_SUCCESS);
    assert_int_equal(new_with(UINT64_MAX, CIMJOB_INTERVAL_MAX_US), CIMJOB_RC_SUCCESS);
    assert_int_equal(new_with(CIMJOB_INTERVAL_MAX_US - 5 * SEC, 5 * SEC), CIMJOB_RC_SUCCESS);
    assert_int_equal(new_with(0, 0), CIMJOB_RC_SUCCESS);
}

/* A long grace does not escalate at once (the wrapped deadline did). */
static void test_long_grace_does_not_escalate(void **state)
{
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.default_terminate_timeout_us = CIMJOB_INTERVAL_MAX_US - 5 * SEC;
    fx *f = fx_new_opts(0, &ro);
    (void)state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = -1; /* ignores Terminate */
    fx_push(f, &o);
    cimjob_job *j = fx_job(f, "ignores-terminate", 1);
    cimjob_request_options ropt = CIMJOB_REQUEST_OPTIONS_INIT;
    ropt.flags = CIMJOB_REQUEST_ASYNC;
    assert_int_equal(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_TERMINATE, &ropt),
                     CIMJOB_RSC_TRANSITION_STARTED);
    assert_int_equal(cimjob_fake_advance(f->fake, 60 * SEC), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_registry_dispatch(f->reg), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_SHUTTING_DOWN);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_KILL), 0);
    cimjob_job_release(j);
    fx_free(f);
}

static void test_create_out_null_on_failure(void **state)
{
    fx *f = fx_new(0);
    (void)state;
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = (cimjob_job *)(uintptr_t)0x1;
    o.name = NULL; /* Name is required */
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_INVALID_PARAMETER);
    assert_null(j);
    j = (cimjob_job *)(uintptr_t)0x1;
    assert_int_equal(cimjob_create(NULL, &o, &j), CIMJOB_RC_INVALID_PARAMETER);
    assert_null(j);
    j = (cimjob_job *)(uintptr_t)0x1;
    o.name = "x";
    o.local_id = "dup";
    cimjob_job *first = NULL;
    assert_int_equal(cimjob_create(f->reg, &o, &first), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_EXISTS);
    assert_null(j);
    cimjob_job_release(first);
    fx_free(f);
}

static void test_int64_max_timeouts(void **state)
{
    fx *f = fx_new(0);
    (void)state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 2 * SEC;
    fx_push(f, &o);
    assert_int_equal(cimjob_fake_set_auto_advance(f->fake, 1), CIMJOB_RC_SUCCESS);
    cimjob_job *j = fx_job(f, "int64-max", 1);
    cimjob_job_state s = CIMJOB_JOB_STATE_NEW;
    /* now + INT64_MAX overflowed (signed: undefined, and UBSan says so). */
    assert_int_equal(cimjob_wait(j, 0, INT64_MAX, &s), CIMJOB_RC_SUCCESS);
    assert_int_equal(s, CIMJOB_JOB_STATE_COMPLETED);
    assert_int_equal(cimjob_wait(j, 0, INT64_MAX - 1, &s), CIMJOB_RC_SUCCESS);
    /* One pump round (the fake jumps to the retention timer and removes the job). */
    assert_int_equal(cimjob_registry_run(f->reg, INT64_MAX), CIMJOB_RC_SUCCESS);
    cimjob_job_release(j);
    fx_free(f);
}

/* ---- cimjob_registry_free from a callback ---------------------------------------------------- */

typedef struct free_ctx {
    cimjob_registry *reg;
    int calls;
    cimjob_rc rc;
    char detail[256];
} free_ctx;

static void free_from_callback(const cimjob_event *ev, void *userdata)
{
    free_ctx *c = userdata;
    if (ev->new_state != CIMJOB_JOB_STATE_COMPLETED || c->calls++)
        return;
    c->rc = cimjob_registry_free(c->reg);
    snprintf(c->detail, sizeof c->detail, "%s", cimjob_last_error());
}

static void test_registry_free_from_callback(void **state)
{
    (void)state;
    free_ctx c = {NULL, 0, CIMJOB_RC_SUCCESS, ""};
    cimjob_fake *fake;
    assert_int_equal(cimjob_fake_new(0, &fake), CIMJOB_RC_SUCCESS);
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_fake_backend(fake);
    ro.backend_config = fake;
    ro.on_state_change = free_from_callback;
    ro.userdata = &c;
    assert_int_equal(cimjob_registry_new(&ro, &c.reg), CIMJOB_RC_SUCCESS);
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 1 * SEC;
    assert_int_equal(cimjob_fake_push(fake, &o), CIMJOB_RC_SUCCESS);
    cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
    jo.name = "frees-its-registry";
    jo.flags = CIMJOB_JOB_START;
    cimjob_job *j = NULL;
    assert_int_equal(cimjob_create(c.reg, &jo, &j), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_advance(fake, 2 * SEC), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_registry_dispatch(c.reg), CIMJOB_RC_SUCCESS);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.rc, CIMJOB_RC_BUSY);
    assert_non_null(strstr(c.detail, "callback"));
    /* The registry is intact and still answers. */
    assert_state(j, CIMJOB_JOB_STATE_COMPLETED);
    size_t n = 0;
    assert_int_equal(cimjob_registry_count(c.reg, &n), CIMJOB_RC_SUCCESS);
    assert_int_equal(n, 1);
    cimjob_job_release(j);
    assert_int_equal(cimjob_registry_free(c.reg), CIMJOB_RC_SUCCESS);
    cimjob_fake_free(fake);
}

/* ---- callbacks with no lock held ------------------------------------------------------------ */

typedef struct nest_ctx {
    cimjob_job *other;
    int fired;
    int rsc;
    cimjob_rc wait_rc;
} nest_ctx;

/* On the first job's end: Terminate the other job synchronously, then wait for it. */
static void nest_callback(const cimjob_event *ev, void *userdata)
{
    nest_ctx *c = userdata;
    if (ev->new_state != CIMJOB_JOB_STATE_COMPLETED || c->fired++)
        return;
    c->rsc = cimjob_request_state_change(c->other, CIMJOB_REQUEST_TERMINATE, NULL);
    c->wait_rc = cimjob_wait(c->other, 0, -1, NULL);
}

static void test_callback_may_request_and_wait(void **state)
{
    fx *f = fx_new(0);
    (void)state;
    nest_ctx c = {NULL, 0, -1, CIMJOB_RC_FAILED};
    assert_int_equal(cimjob_fake_set_auto_advance(f->fake, 1), CIMJOB_RC_SUCCESS);
    cimjob_fake_outcome first = CIMJOB_FAKE_OUTCOME_INIT, other = CIMJOB_FAKE_OUTCOME_INIT;
    first.run_us = 1 * SEC;
    other.terminate_us = 1 * SEC; /* ends a virtual second after the request */
    fx_push(f, &first);
    fx_push(f, &other);
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *a = NULL;
    o.name = "first";
    o.flags = CIMJOB_JOB_START;
    o.on_state_change = nest_callback;
    o.userdata = &c;
    assert_int_equal(cimjob_create(f->reg, &o, &a), CIMJOB_RC_SUCCESS);
    c.other = fx_job(f, "other", 1);
    /* The callback is delivered from inside this wait. */
    assert_int_equal(cimjob_wait(a, 0, 30 * SEC, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_registry_run(f->reg, 0), CIMJOB_RC_SUCCESS);
    assert_int_equal(c.fired, 1);
    assert_int_equal(c.rsc, CIMJOB_RSC_COMPLETED);
    assert_int_equal(c.wait_rc, CIMJOB_RC_SUCCESS);
    assert_state(c.other, CIMJOB_JOB_STATE_TERMINATED);
    cimjob_job_release(c.other);
    cimjob_job_release(a);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_option_ranges),
        cmocka_unit_test(test_long_grace_does_not_escalate),
        cmocka_unit_test(test_create_out_null_on_failure),
        cmocka_unit_test(test_int64_max_timeouts),
        cmocka_unit_test(test_registry_free_from_callback),
        cmocka_unit_test(test_callback_may_request_and_wait),
    };
    return cmocka_run_group_tests_name("host-rules", tests, NULL, NULL);
}
