/*
 * unit-test-with-fake: unit-test YOUR code that uses libcimjob, without processes and without
 * sleeping. The fake backend runs scripted jobs on a virtual clock: a job "runs" for as many
 * virtual seconds as the script says, and waits move the clock straight to the next event, so
 * a test of a 30-second deadline takes microseconds.
 *
 * The code under test is run_with_deadline(), the kind of function an agent has: run a job,
 * give it a deadline, then Terminate it with a grace period. The tests script four outcomes.
 *
 * Build: cc unit-test-with-fake.c $(pkg-config --cflags --libs libcimjob cmocka) -o unit-test
 */
#include <cimjob/cimjob.h>

#include <setjmp.h> /* CMocka needs these four before its header */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* ---- the code under test ------------------------------------------------------------------- */

/* Run a job; if it has not ended after deadline_us, Terminate it with a 5 s TimeoutPeriod.
 * Returns the job's final JobState; *escalated says whether the Terminate had to kill. */
static cimjob_job_state run_with_deadline(cimjob_registry *reg, const char *name,
                                          int64_t deadline_us, int *escalated)
{
    static const char *const argv[] = {"backup", NULL};
    cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
    jo.name = name;
    jo.argv = argv;
    jo.flags = CIMJOB_JOB_START;
    jo.delete_on_completion = 0;
    cimjob_job *job;
    if (cimjob_create(reg, &jo, &job) != CIMJOB_RC_SUCCESS)
        return CIMJOB_JOB_STATE_EXCEPTION;
    cimjob_job_state state;
    if (cimjob_wait(job, CIMJOB_STATES_FINAL, deadline_us, &state) == CIMJOB_RC_TIMEOUT) {
        cimjob_request_state_change(job, CIMJOB_REQUEST_TERMINATE, "00000000000005.000000:000");
        cimjob_wait(job, CIMJOB_STATES_FINAL, -1, &state);
    }
    cimjob_info info = CIMJOB_INFO_INIT;
    cimjob_query(job, &info);
    *escalated = info.escalated;
    cimjob_job_release(job);
    return state;
}

/* ---- the tests ----------------------------------------------------------------------------- */

typedef struct fixture {
    cimjob_fake *fake;
    cimjob_registry *reg;
} fixture;

/* Each test gets a fresh fake and a registry that uses it. */
static int setup(void **state)
{
    static fixture f;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    assert_int_equal(cimjob_fake_new(0, &f.fake), CIMJOB_RC_SUCCESS);
    ro.backend = cimjob_fake_backend(f.fake);
    ro.backend_config = f.fake;
    assert_int_equal(cimjob_registry_new(&ro, &f.reg), CIMJOB_RC_SUCCESS);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cimjob_registry_free(f->reg);
    cimjob_fake_free(f->fake);
    return 0;
}

/* A job that finishes in 10 virtual seconds, well before a 30 s deadline. */
static void test_finishes_in_time(void **state)
{
    fixture *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 10000000;
    cimjob_fake_push(f->fake, &o);
    int escalated = -1;
    assert_int_equal(run_with_deadline(f->reg, "backup", 30000000, &escalated),
                     CIMJOB_JOB_STATE_COMPLETED);
    assert_int_equal(escalated, 0);
    assert_int_equal(cimjob_fake_now(f->fake), 10000000); /* ten virtual seconds, no sleep */
    assert_int_equal(cimjob_fake_calls(f->fake, CIMJOB_FAKE_CALL_TERMINATE), 0);
}

/* A job that would run forever but obeys Terminate after 1 s: Terminated, no escalation. */
static void test_deadline_terminates(void **state)
{
    fixture *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT; /* runs until asked */
    o.terminate_us = 1000000;
    cimjob_fake_push(f->fake, &o);
    int escalated = -1;
    assert_int_equal(run_with_deadline(f->reg, "backup", 30000000, &escalated),
                     CIMJOB_JOB_STATE_TERMINATED);
    assert_int_equal(escalated, 0);
    assert_int_equal(cimjob_fake_now(f->fake), 31000000);
    assert_int_equal(cimjob_fake_calls(f->fake, CIMJOB_FAKE_CALL_TERMINATE), 1);
    assert_int_equal(cimjob_fake_calls(f->fake, CIMJOB_FAKE_CALL_KILL), 0);
}

/* A job that ignores Terminate: killed when the 5 s TimeoutPeriod passes, still Terminated. */
static void test_ignoring_job_is_killed(void **state)
{
    fixture *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = -1; /* ignores it */
    cimjob_fake_push(f->fake, &o);
    int escalated = -1;
    assert_int_equal(run_with_deadline(f->reg, "backup", 30000000, &escalated),
                     CIMJOB_JOB_STATE_TERMINATED);
    assert_int_equal(escalated, 1);
    assert_int_equal(cimjob_fake_now(f->fake), 35000000); /* deadline + TimeoutPeriod */
    assert_true(cimjob_fake_calls(f->fake, CIMJOB_FAKE_CALL_KILL) >= 1);
}

/* A job that fails by itself: Exception, and the deadline never comes into play. */
static void test_failure(void **state)
{
    fixture *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 2000000;
    o.error_code = 3;
    o.error_description = "disk full";
    cimjob_fake_push(f->fake, &o);
    int escalated = -1;
    assert_int_equal(run_with_deadline(f->reg, "backup", 30000000, &escalated),
                     CIMJOB_JOB_STATE_EXCEPTION);
    assert_int_equal(cimjob_fake_now(f->fake), 2000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_finishes_in_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadline_terminates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ignoring_job_is_killed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
