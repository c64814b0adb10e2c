/*
 * Suite "user-backend" (black-box): a backend written here, as a user would, for jobs that are
 * not processes: a "VM migration" that runs on its own thread and reports progress and its end
 * with cimjob_set_percent_complete() and cimjob_backend_report_exit(). It has no wait slot, so
 * cimjob_wait() sleeps on the core's condition variable, and no suspend/resume/service slots.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>

#include "test_common.h"

typedef struct vm_backend {
    atomic_int spawned, released, terminates, kills, open;
} vm_backend;

/* What a job's backend_data says: how many 2 ms steps the migration takes, or a failure. */
typedef struct vm_plan {
    int steps;
    int fail_at_start;
    int ignore_cancel;
} vm_plan;

typedef struct vm_job {
    vm_backend *be;
    cimjob_job *job;
    vm_plan plan;
    atomic_int cancel;
    test_thread thread;
} vm_job;

static cimjob_rc vm_open(const cimjob_backend_host *host, void *config, void **state)
{
    vm_backend *be = config;
    assert_non_null(host);
    assert_int_equal(host->version, 1);
    atomic_fetch_add(&be->open, 1);
    *state = be;
    return CIMJOB_RC_SUCCESS;
}

static void vm_close(void *state)
{
    vm_backend *be = state;
    atomic_fetch_sub(&be->open, 1);
}

static void vm_worker(void *arg)
{
    vm_job *m = arg;
    cimjob_backend_result r = CIMJOB_BACKEND_RESULT_INIT;
    for (int step = 1; step <= m->plan.steps; step++) {
        test_sleep_ms(2);
        int c = atomic_load(&m->cancel);
        if (c == 2 || (c == 1 && !m->plan.ignore_cancel)) {
            r.error_code = 0; /* cancelled cleanly: the core makes it Terminated/Killed */
            cimjob_backend_report_exit(m->job, &r);
            return;
        }
        if (step < m->plan.steps)
            cimjob_set_percent_complete(m->job, (unsigned)(step * 100 / m->plan.steps));
    }
    /* Runs "forever" (steps < 0) until cancelled. */
    while (m->plan.steps < 0) {
        int c = atomic_load(&m->cancel);
        if (c == 2 || (c == 1 && !m->plan.ignore_cancel)) {
            cimjob_backend_report_exit(m->job, &r);
            return;
        }
        test_sleep_ms(1);
    }
    cimjob_backend_report_exit(m->job, &r);
}

static cimjob_rc vm_spawn(void *state, cimjob_job *job, const cimjob_job_options *opts,
                          void **job_state)
{
    vm_backend *be = state;
    const vm_plan *plan = opts->backend_data;
    assert_non_null(plan);
    atomic_fetch_add(&be->spawned, 1);
    if (plan->fail_at_start) {
        cimjob_backend_result r = CIMJOB_BACKEND_RESULT_INIT;
        r.error_code = 42;
        r.error_description = "no route to the target host";
        assert_int_equal(cimjob_backend_report_exit(job, &r), CIMJOB_RC_SUCCESS);
        return cimjob_backend_fail(CIMJOB_RC_FAILED, "vm: cannot reach the target");
    }
    vm_job *m = calloc(1, sizeof *m);
    if (!m)
        return CIMJOB_RC_NO_MEMORY;
    m->be = be;
    m->job = job;
    m->plan = *plan;
    atomic_init(&m->cancel, 0);
    if (test_thread_create(&m->thread, vm_worker, m) != 0) {
        free(m);
        return cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "vm: no thread");
    }
    *job_state = m;
    return CIMJOB_RC_SUCCESS;
}

static cimjob_rc vm_terminate(void *state, void *job_state)
{
    vm_backend *be = state;
    vm_job *m = job_state;
    atomic_fetch_add(&be->terminates, 1);
    int zero = 0;
    atomic_compare_exchange_strong(&m->cancel, &zero, 1);
    return CIMJOB_RC_SUCCESS;
}

static cimjob_rc vm_kill(void *state, void *job_state)
{
    vm_backend *be = state;
    vm_job *m = job_state;
    atomic_fetch_add(&be->kills, 1);
    atomic_store(&m->cancel, 2);
    return CIMJOB_RC_SUCCESS;
}

static void vm_release(void *state, void *job_state)
{
    vm_backend *be = state;
    vm_job *m = job_state;
    test_thread_join(m->thread); /* it has reported its end: it is returning */
    atomic_fetch_add(&be->released, 1);
    free(m);
}

static const cimjob_backend vm_vtable = {
    CIMJOB_BACKEND_VERSION,
    "vm-migration",
    CIMJOB_CAP_TIMEOUT,
    vm_open,
    vm_close,
    vm_spawn,
    vm_terminate,
    vm_kill,
    NULL, /* suspend: a migration cannot pause */
    NULL, /* resume */
    NULL, /* service */
    vm_release,
    NULL, /* containment */
    NULL, /* dispatch: events arrive as reports */
    NULL, /* wait: the core waits on its condition variable */
    NULL, /* wake */
    NULL, /* pollable */
    NULL, /* now: the platform's clocks */
};

typedef struct vmfx {
    vm_backend be;
    cimjob_registry *reg;
} vmfx;

static vmfx *vm_setup_with(const cimjob_backend *vt)
{
    vmfx *v = calloc(1, sizeof *v);
    assert_non_null(v);
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = vt;
    ro.backend_config = &v->be;
    ro.org_id = "vm";
    ro.default_terminate_timeout_us = 2 * SEC;
    assert_int_equal(cimjob_registry_new(&ro, &v->reg), CIMJOB_RC_SUCCESS);
    assert_int_equal(atomic_load(&v->be.open), 1);
    return v;
}

static int setup(void **state)
{
    *state = vm_setup_with(&vm_vtable);
    return 0;
}

static int teardown(void **state)
{
    vmfx *v = *state;
    assert_int_equal(cimjob_registry_free(v->reg), CIMJOB_RC_SUCCESS);
    assert_int_equal(atomic_load(&v->be.open), 0);
    /* Every started job was let go. */
    assert_int_equal(atomic_load(&v->be.released), atomic_load(&v->be.spawned));
    free(v);
    return 0;
}

static cimjob_job *migrate(vmfx *v, vm_plan *plan, int start)
{
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "migrate vm-17 to host-b";
    o.backend_data = plan;
    o.flags = start ? CIMJOB_JOB_START : 0;
    cimjob_job *j;
    assert_int_equal(cimjob_create(v->reg, &o, &j), CIMJOB_RC_SUCCESS);
    return j;
}

static void test_migration_completes(void **state)
{
    vmfx *v = *state;
    vm_plan plan = {20, 0, 0};
    cimjob_job *j = migrate(v, &plan, 1);
    cimjob_job_state s = CIMJOB_JOB_STATE_NEW;
    /* The main thread sleeps in the core; the worker's reports wake it. */
    assert_int_equal(cimjob_wait(j, 0, 10 * SEC, &s), CIMJOB_RC_SUCCESS);
    assert_int_equal(s, CIMJOB_JOB_STATE_COMPLETED);
    cimjob_info i = q(j);
    assert_int_equal(i.percent_complete, 100);
    assert_string_equal(i.backend, "vm-migration");
    assert_string_equal(i.instance_id, gen_id(v->reg, "vm", 1));
    assert_true(i.elapsed_time_us > 0);
    assert_true(i.start_time_us != CIMJOB_TIME_NONE);
    cimjob_job_release(j);
}

static void test_progress_from_worker(void **state)
{
    vmfx *v = *state;
    vm_plan plan = {400, 0, 0};
    cimjob_job *j = migrate(v, &plan, 1);
    /* Progress arrives without any call from this thread but queries. */
    unsigned seen = 0;
    for (int i = 0; i < 5000 && seen == 0; i++) {
        seen = q(j).percent_complete;
        if (!seen)
            test_sleep_ms(1);
    }
    assert_true(seen > 0);
    assert_int_equal(cimjob_wait(j, 0, 20 * SEC, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(q(j).percent_complete, 100);
    cimjob_job_release(j);
}

static void test_missing_slots_not_supported(void **state)
{
    vmfx *v = *state;
    vm_plan plan = {-1, 0, 0};
    cimjob_job *j = migrate(v, &plan, 1);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SUSPEND, NULL),
                     CIMJOB_RSC_NOT_SUPPORTED);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SERVICE, NULL),
                     CIMJOB_RSC_NOT_SUPPORTED);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    intptr_t fd;
    assert_int_equal(cimjob_registry_fd(v->reg, &fd), CIMJOB_RC_NOT_SUPPORTED);
    /* Terminate: the worker notices, reports; the request returns when it is over. */
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, NULL), 0);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_TERMINATED);
    assert_int_equal(i.escalated, 0);
    assert_int_equal(atomic_load(&v->be.terminates), 1);
    assert_int_equal(atomic_load(&v->be.kills), 0);
    cimjob_job_release(j);
}

static void test_wait_times_out_then_kill(void **state)
{
    vmfx *v = *state;
    vm_plan plan = {-1, 0, 0};
    cimjob_job *j = migrate(v, &plan, 1);
    assert_int_equal(cimjob_wait(j, 0, 30000, NULL), CIMJOB_RC_TIMEOUT);
    assert_int_equal(cimjob_wait(j, 0, 0, NULL), CIMJOB_RC_TIMEOUT);
    assert_int_equal(cimjob_kill_job(j, 0), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_KILLED);
    cimjob_job_release(j);
}

/* A migration that ignores cancel is escalated to a kill at TimeoutPeriod (real time). */
static void test_escalation_real_clock(void **state)
{
    vmfx *v = *state;
    vm_plan plan = {-1, 0, 1};
    cimjob_job *j = migrate(v, &plan, 1);
    assert_int_equal(
        cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, "00000000000000.050000:000"),
        CIMJOB_RSC_TIMEOUT);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_TERMINATED);
    assert_int_equal(i.escalated, 1);
    assert_true(atomic_load(&v->be.kills) >= 1);
    cimjob_job_release(j);
}

/* Another thread waits while this one ends the job. */
typedef struct waiter {
    cimjob_job *job;
    cimjob_rc rc;
    cimjob_job_state st;
} waiter;

static void wait_thread(void *arg)
{
    waiter *w = arg;
    w->rc = cimjob_wait(w->job, 0, 20 * SEC, &w->st);
}

static void test_waiters_on_two_threads(void **state)
{
    vmfx *v = *state;
    vm_plan plan = {-1, 0, 0};
    cimjob_job *j = migrate(v, &plan, 1);
    waiter w[3];
    test_thread t[3];
    for (int i = 0; i < 3; i++) {
        w[i].job = j;
        w[i].rc = CIMJOB_RC_UNKNOWN;
        assert_int_equal(test_thread_create(&t[i], wait_thread, &w[i]), 0);
    }
    test_sleep_ms(20);
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_ASYNC;
    int rsc = cimjob_request_state_change_ex(j, CIMJOB_REQUEST_TERMINATE, &ro);
    assert_true(rsc == CIMJOB_RSC_TRANSITION_STARTED || rsc == 0);
    for (int i = 0; i < 3; i++) {
        test_thread_join(t[i]);
        assert_int_equal(w[i].rc, CIMJOB_RC_SUCCESS);
        assert_int_equal(w[i].st, CIMJOB_JOB_STATE_TERMINATED);
    }
    cimjob_job_release(j);
}

/* A failed start with a reported ErrorCode: Exception with the backend's own text. */
static void test_spawn_failure_reported(void **state)
{
    vmfx *v = *state;
    vm_plan plan = {1, 1, 0};
    cimjob_job *j = migrate(v, &plan, 0);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), CIMJOB_RSC_FAILED);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_EXCEPTION);
    assert_int_equal(i.error_code, 42);
    assert_string_equal(i.error_description, "no route to the target host");
    /* The teardown's spawned == released check would count this spawn: balance it. */
    atomic_fetch_add(&v->be.released, 1);
    cimjob_job_release(j);
}

/* Without CIMJOB_CAP_TIMEOUT a TimeoutPeriod cannot be honoured: 4098. */
static void test_no_timeout_cap(void **state)
{
    (void)state;
    cimjob_backend vt = vm_vtable;
    vt.caps = 0;
    vmfx *v = vm_setup_with(&vt);
    vm_plan plan = {-1, 0, 0};
    cimjob_job *j = migrate(v, &plan, 1);
    assert_int_equal(
        cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, "00000000000001.000000:000"),
        CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED);
    assert_int_equal(atomic_load(&v->be.terminates), 0);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, NULL), 0);
    assert_state(j, CIMJOB_JOB_STATE_TERMINATED);
    cimjob_job_release(j);
    void *s = v;
    teardown(&s);
}

/* registry_free with a migration still running: killed through the backend. */
static void test_free_with_running_migration(void **state)
{
    (void)state;
    vmfx *v = vm_setup_with(&vm_vtable);
    vm_plan plan = {-1, 0, 1};
    cimjob_job *j = migrate(v, &plan, 1);
    assert_int_equal(cimjob_registry_free(v->reg), CIMJOB_RC_SUCCESS);
    assert_int_equal(atomic_load(&v->be.kills) >= 1, 1);
    assert_int_equal(atomic_load(&v->be.released), 1);
    cimjob_info i = CIMJOB_INFO_INIT;
    assert_int_equal(cimjob_query(j, &i), CIMJOB_RC_NOT_FOUND);
    cimjob_job_release(j);
    free(v);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_migration_completes),
        T(test_progress_from_worker),
        T(test_missing_slots_not_supported),
        T(test_wait_times_out_then_kill),
        T(test_escalation_real_clock),
        T(test_waiters_on_two_threads),
        T(test_spawn_failure_reported),
        cmocka_unit_test(test_no_timeout_cap),
        cmocka_unit_test(test_free_with_running_migration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
