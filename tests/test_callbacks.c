/*
 * Suite "callbacks" (black-box, fake backend): registry and per-job state-change callbacks see
 * every transition in order with the right InstanceID and time, and may call back into the
 * library.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_common.h"

#define MAX_EVENTS 64

typedef struct rec {
    const char *tag;
    char id[CIMJOB_INSTANCE_ID_MAX + 1];
    int old_state, new_state;
    int64_t time_us;
} rec;

typedef struct log {
    rec ev[MAX_EVENTS];
    int n;
    int order; /* shared sequence across the two callbacks */
} log_t;

static log_t reg_log, job_log;
static int seq;

static void record(log_t *l, const cimjob_event *e, const char *tag)
{
    assert_true(l->n < MAX_EVENTS);
    rec *r = &l->ev[l->n++];
    r->tag = tag;
    snprintf(r->id, sizeof r->id, "%s", e->instance_id);
    r->old_state = e->old_state;
    r->new_state = e->new_state;
    r->time_us = e->time_us;
    /* The event's job is a live reference: its InstanceID matches. */
    assert_string_equal(cimjob_job_instance_id(e->job), e->instance_id);
    l->order = ++seq;
}

static void on_reg(const cimjob_event *e, void *ud)
{
    assert_ptr_equal(ud, &reg_log);
    record(&reg_log, e, "reg");
}

static void on_job(const cimjob_event *e, void *ud)
{
    assert_ptr_equal(ud, &job_log);
    /* The registry's callback ran first for the same event. */
    assert_true(reg_log.n > 0);
    assert_int_equal(reg_log.ev[reg_log.n - 1].new_state, e->new_state);
    assert_true(reg_log.ev[reg_log.n - 1].time_us == e->time_us);
    record(&job_log, e, "job");
}

static int setup(void **state)
{
    memset(&reg_log, 0, sizeof reg_log);
    memset(&job_log, 0, sizeof job_log);
    seq = 0;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.on_state_change = on_reg;
    ro.userdata = &reg_log;
    *state = fx_new_opts(0, &ro);
    return 0;
}

static cimjob_job *job_with_cb(fx *f, const char *name, int start)
{
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = name;
    o.flags = start ? CIMJOB_JOB_START : 0;
    o.on_state_change = on_job;
    o.userdata = &job_log;
    cimjob_job *j;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    return j;
}

static void assert_seq(const log_t *l, const char *id, const int (*pairs)[2], int n)
{
    assert_int_equal(l->n, n);
    for (int i = 0; i < n; i++) {
        assert_string_equal(l->ev[i].id, id);
        if (l->ev[i].old_state != pairs[i][0] || l->ev[i].new_state != pairs[i][1])
            fail_msg("event %d: %d -> %d, want %d -> %d", i, l->ev[i].old_state, l->ev[i].new_state,
                     pairs[i][0], pairs[i][1]);
    }
}

static void test_terminate_sequence(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = 3 * SEC;
    fx_push(f, &o);
    cimjob_job *j = job_with_cb(f, "seq", 0);
    assert_int_equal(reg_log.n, 0); /* creation is not a state change */
    assert_int_equal(cimjob_fake_advance(f->fake, SEC), 0);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, NULL), 0);
    static const int want[][2] = {{2, 3}, {3, 4}, {4, 6}, {6, 8}};
    assert_seq(&reg_log, ID(f, 1), want, 4);
    assert_seq(&job_log, ID(f, 1), want, 4);
    /* Times: Starting and Running at 1 s, Shutting Down at 1 s, Terminated at 4 s. */
    static const int64_t at[] = {1, 1, 1, 4};
    for (int i = 0; i < 4; i++) {
        assert_true(reg_log.ev[i].time_us == FAKE_EPOCH + at[i] * SEC);
        assert_true(job_log.ev[i].time_us == reg_log.ev[i].time_us);
    }
    /* The last event's time is TimeOfLastStateChange. */
    assert_true(q(j).time_of_last_state_change_us == reg_log.ev[3].time_us);
    cimjob_job_release(j);
}

static void test_rejected_requests_raise_nothing(void **state)
{
    fx *f = *state;
    cimjob_job *j = job_with_cb(f, "quiet", 0);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SUSPEND, NULL), 4097);
    assert_int_equal(cimjob_request_state_change(j, (cimjob_requested_state)9, NULL), 5);
    assert_int_equal(reg_log.n, 0);
    assert_int_equal(job_log.n, 0);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    assert_int_equal(reg_log.n, 2); /* the second Start changed nothing */
    cimjob_job_release(j);
}

/* Suspend, resume (through Starting), natural completion, Exception. */
static void test_suspend_resume_complete_sequence(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 4 * SEC;
    o.error_code = 1;
    fx_push(f, &o);
    cimjob_job *j = job_with_cb(f, "pausing", 1);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SUSPEND, NULL), 0);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_SERVICE, NULL), 0);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    assert_int_equal(cimjob_wait(j, 0, -1, NULL), CIMJOB_RC_SUCCESS);
    static const int want[][2] = {{2, 3},  {3, 4},  {4, 5}, {5, 3}, {3, 4},
                                  {4, 11}, {11, 3}, {3, 4}, {4, 10}};
    assert_seq(&reg_log, ID(f, 1), want, 9);
    assert_seq(&job_log, ID(f, 1), want, 9);
    cimjob_job_release(j);
}

/* Per-job callbacks only see their own job; the registry sees all. */
static void test_per_job_callback_is_per_job(void **state)
{
    fx *f = *state;
    cimjob_job *a = job_with_cb(f, "with", 0);
    cimjob_job *b = fx_job(f, "without", 0);
    assert_int_equal(cimjob_request_state_change(b, CIMJOB_REQUEST_KILL, NULL), 0);
    assert_int_equal(cimjob_request_state_change(a, CIMJOB_REQUEST_KILL, NULL), 0);
    assert_int_equal(reg_log.n, 2);
    assert_string_equal(reg_log.ev[0].id, ID(f, 2));
    assert_int_equal(reg_log.ev[0].new_state, CIMJOB_JOB_STATE_KILLED);
    assert_string_equal(reg_log.ev[1].id, ID(f, 1));
    assert_int_equal(job_log.n, 1);
    assert_string_equal(job_log.ev[0].id, ID(f, 1));
    assert_int_equal(job_log.ev[0].old_state, CIMJOB_JOB_STATE_NEW);
    cimjob_job_release(a);
    cimjob_job_release(b);
}

/* ---- re-entrancy ------------------------------------------------------------------------------
 */

typedef struct reentry {
    cimjob_registry *reg;
    cimjob_job *other;
    int fired;
    cimjob_rc query_rc;
    cimjob_job_state other_state;
    int rsc;
    cimjob_rc find_rc;
    cimjob_rc count_rc;
    size_t count;
} reentry;

static void on_running_kill_other(const cimjob_event *e, void *ud)
{
    reentry *r = ud;
    if (e->new_state != CIMJOB_JOB_STATE_RUNNING || r->fired)
        return;
    r->fired = 1;
    cimjob_info i = CIMJOB_INFO_INIT;
    r->query_rc = cimjob_query(r->other, &i);
    r->other_state = i.job_state;
    /* A Kill waits for the other job's end: pumping from inside a callback must work. */
    r->rsc = cimjob_request_state_change(r->other, CIMJOB_REQUEST_KILL, NULL);
    cimjob_job *found = NULL;
    r->find_rc = cimjob_find(r->reg, e->instance_id, &found);
    cimjob_job_release(found);
    r->count_rc = cimjob_registry_count(r->reg, &r->count);
}

static void test_callback_calls_library(void **state)
{
    fx *f = *state;
    reentry r;
    memset(&r, 0, sizeof r);
    r.reg = f->reg;
    r.other = fx_job(f, "other", 1);
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "trigger";
    o.on_state_change = on_running_kill_other;
    o.userdata = &r;
    cimjob_job *j;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL), 0);
    assert_int_equal(r.fired, 1);
    assert_int_equal(r.query_rc, CIMJOB_RC_SUCCESS);
    assert_int_equal(r.other_state, CIMJOB_JOB_STATE_RUNNING);
    assert_int_equal(r.rsc, 0);
    assert_int_equal(r.find_rc, CIMJOB_RC_SUCCESS);
    assert_int_equal(r.count_rc, CIMJOB_RC_SUCCESS);
    assert_int_equal(r.count, 2);
    assert_state(r.other, CIMJOB_JOB_STATE_KILLED);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    /* The other job's events were delivered too, after the callback, in order. */
    int killed_seen = 0;
    for (int i = 0; i < reg_log.n; i++)
        if (strcmp(reg_log.ev[i].id, ID(f, 1)) == 0 &&
            reg_log.ev[i].new_state == CIMJOB_JOB_STATE_KILLED)
            killed_seen = 1;
    assert_true(killed_seen);
    /* End it here: its callback's userdata lives on this stack. */
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_KILL, NULL), 0);
    cimjob_job_release(j);
    cimjob_job_release(r.other);
}

/* A callback may release the last reference to its own job and remove it. */
static void on_final_remove(const cimjob_event *e, void *ud)
{
    fx *f = ud;
    if (cimjob_job_state_is_final((int)e->new_state))
        assert_int_equal(cimjob_remove(f->reg, e->job), CIMJOB_RC_SUCCESS);
}

static void test_callback_removes_job(void **state)
{
    fx *f = *state;
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "self-removing";
    o.flags = CIMJOB_JOB_START;
    o.delete_on_completion = 0;
    o.on_state_change = on_final_remove;
    o.userdata = f;
    cimjob_job *j;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    cimjob_job_release(j); /* only the registry (and the event) hold it now */
    j = NULL;
    assert_int_equal(fx_count(f), 1);
    cimjob_job *found;
    assert_int_equal(cimjob_find(f->reg, ID(f, 1), &found), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_request_state_change(found, CIMJOB_REQUEST_KILL, NULL), 0);
    cimjob_job_release(found);
    assert_int_equal(fx_count(f), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_terminate_sequence, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rejected_requests_raise_nothing, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_suspend_resume_complete_sequence, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_per_job_callback_is_per_job, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_callback_calls_library, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_callback_removes_job, setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
