/*
 * The run queue (issue 11, section 5): a registry limit on running jobs; the others wait (New,
 * JobStatus says so) and start in Priority order, FIFO within a Priority, as running ones end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_common.h"

static cimjob_job *job_p(fx *f, const char *name, uint32_t priority)
{
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = NULL;
    o.name = name;
    o.priority = priority;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    return j;
}

static int start(cimjob_job *j)
{
    return cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL);
}

static void counts(fx *f, unsigned running, unsigned waiting)
{
    unsigned r = 99, w = 99;
    assert_int_equal(cimjob_registry_running(f->reg, &r, &w), CIMJOB_RC_SUCCESS);
    assert_int_equal(r, running);
    assert_int_equal(w, waiting);
}

static void test_priority_order(void **state)
{
    fx *f = *state;
    assert_int_equal(cimjob_registry_set_max_running(f->reg, 2), CIMJOB_RC_SUCCESS);
    cimjob_job *a = job_p(f, "a", 5), *b = job_p(f, "b", 5), *c = job_p(f, "c", 5),
               *d = job_p(f, "d", 1), *e = job_p(f, "e", 5);
    assert_int_equal(start(a), CIMJOB_RSC_COMPLETED);
    assert_int_equal(start(b), CIMJOB_RSC_COMPLETED);
    assert_int_equal(start(c), CIMJOB_RSC_TRANSITION_STARTED);
    assert_int_equal(start(d), CIMJOB_RSC_TRANSITION_STARTED);
    assert_int_equal(start(e), CIMJOB_RSC_TRANSITION_STARTED);
    assert_int_equal(start(c), CIMJOB_RSC_TRANSITION_STARTED); /* still waiting */
    counts(f, 2, 3);
    cimjob_info i = q(c);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_NEW);
    assert_int_equal(i.waiting, CIMJOB_WAITING_QUEUE);
    assert_non_null(strstr(i.job_status, "Waiting for a run slot"));
    assert_true(i.start_time_us == CIMJOB_TIME_NONE);
    cimjob_status s = CIMJOB_STATUS_INIT;
    assert_int_equal(cimjob_info_status(&i, &s), CIMJOB_RC_SUCCESS);
    assert_non_null(strstr(s.status_descriptions[0], "run slot"));
    /* a ends: d (Priority 1) goes first although c asked before it. */
    assert_int_equal(cimjob_fake_finish(f->fake, a, 0, NULL), CIMJOB_RC_SUCCESS);
    assert_state(d, CIMJOB_JOB_STATE_RUNNING);
    assert_state(c, CIMJOB_JOB_STATE_NEW);
    assert_int_equal(q(d).waiting, CIMJOB_WAITING_NONE);
    assert_string_equal(q(d).job_status, ""); /* the waiting note is gone */
    counts(f, 2, 2);
    /* b ends: c before e (same Priority, c asked first). */
    assert_int_equal(cimjob_fake_finish(f->fake, b, 1, NULL), CIMJOB_RC_SUCCESS);
    assert_state(c, CIMJOB_JOB_STATE_RUNNING);
    assert_state(e, CIMJOB_JOB_STATE_NEW);
    counts(f, 2, 1);
    /* A kill frees a slot too (through the next dispatch when it ends inside the backend). */
    assert_int_equal(cimjob_request_state_change(c, CIMJOB_REQUEST_KILL, NULL), 0);
    assert_int_equal(cimjob_registry_dispatch(f->reg), CIMJOB_RC_SUCCESS);
    assert_state(e, CIMJOB_JOB_STATE_RUNNING);
    counts(f, 2, 0);
    cimjob_job *all[] = {a, b, c, d, e};
    for (int k = 0; k < 5; k++)
        cimjob_job_release(all[k]);
}

static void test_waiting_job_ended_and_reprioritised(void **state)
{
    fx *f = *state;
    assert_int_equal(cimjob_registry_set_max_running(f->reg, 1), CIMJOB_RC_SUCCESS);
    cimjob_job *a = job_p(f, "a", 0), *b = job_p(f, "b", 9), *c = job_p(f, "c", 9),
               *d = job_p(f, "d", 9);
    assert_int_equal(start(a), CIMJOB_RSC_COMPLETED);
    assert_int_equal(start(b), CIMJOB_RSC_TRANSITION_STARTED);
    assert_int_equal(start(c), CIMJOB_RSC_TRANSITION_STARTED);
    assert_int_equal(start(d), CIMJOB_RSC_TRANSITION_STARTED);
    /* Terminating a waiting job ends it without a start and frees its place. */
    assert_int_equal(cimjob_request_state_change(b, CIMJOB_REQUEST_TERMINATE, NULL), 0);
    assert_state(b, CIMJOB_JOB_STATE_TERMINATED);
    counts(f, 1, 2);
    /* ModifyInstance: d's Priority 1 moves it before c. */
    cimjob_job_settings s = CIMJOB_JOB_SETTINGS_INIT;
    assert_int_equal(cimjob_job_settings_get(d, &s), CIMJOB_RC_SUCCESS);
    s.priority = 1;
    assert_int_equal(cimjob_job_modify(d, &s, CIMJOB_PROPERTY_PRIORITY, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_finish(f->fake, a, 0, NULL), CIMJOB_RC_SUCCESS);
    assert_state(d, CIMJOB_JOB_STATE_RUNNING);
    assert_state(c, CIMJOB_JOB_STATE_NEW);
    /* Raising the limit starts the rest at once; 0 means no limit. */
    assert_int_equal(cimjob_registry_set_max_running(f->reg, 0), CIMJOB_RC_SUCCESS);
    assert_state(c, CIMJOB_JOB_STATE_RUNNING);
    counts(f, 2, 0);
    assert_int_equal(cimjob_registry_set_max_running(NULL, 1), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_registry_running(NULL, NULL, NULL), CIMJOB_RC_INVALID_PARAMETER);
    cimjob_job *all[] = {a, b, c, d};
    for (int k = 0; k < 4; k++)
        cimjob_job_release(all[k]);
}

/* A start that fails frees its slot; a registry freed with waiting jobs ends them. */
static void test_failed_start_and_free(void **state)
{
    (void)state;
    fx *f = fx_new(0);
    assert_int_equal(cimjob_registry_set_max_running(f->reg, 1), CIMJOB_RC_SUCCESS);
    cimjob_fake_outcome bad = CIMJOB_FAKE_OUTCOME_INIT;
    bad.spawn_rc = CIMJOB_RC_OS_ERROR;
    fx_push(f, &bad);
    cimjob_job *a = job_p(f, "a", 0), *b = job_p(f, "b", 0), *c = job_p(f, "c", 0);
    assert_int_equal(start(a), CIMJOB_RSC_FAILED);
    assert_state(a, CIMJOB_JOB_STATE_EXCEPTION);
    counts(f, 0, 0);
    assert_int_equal(start(b), CIMJOB_RSC_COMPLETED);
    assert_int_equal(start(c), CIMJOB_RSC_TRANSITION_STARTED);
    /* CIMJOB_JOB_START at creation queues too. */
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *d = NULL;
    o.name = "d";
    o.flags = CIMJOB_JOB_START;
    assert_int_equal(cimjob_create(f->reg, &o, &d), CIMJOB_RC_SUCCESS);
    assert_int_equal(q(d).waiting, CIMJOB_WAITING_QUEUE);
    counts(f, 1, 2);
    fx_free(f); /* kills b, ends c and d unstarted */
    cimjob_job_release(a);
    cimjob_job_release(b);
    cimjob_job_release(c);
    cimjob_job_release(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_priority_order, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_waiting_job_ended_and_reprioritised, fx_setup,
                                        fx_teardown),
        cmocka_unit_test(test_failed_start_and_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
