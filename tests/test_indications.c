/*
 * Lifecycle indications (issue 11, section 2): creation, modification with the changed
 * properties, deletion with its cause, through the existing callbacks; per-job user data with a
 * destructor. On the fake backend.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_common.h"

#define MAXEV 64

typedef struct rec {
    int n;
    cimjob_event ev[MAXEV];
    char ids[MAXEV][64];
    void *user_at_deletion[MAXEV];
} rec;

static void on_event(const cimjob_event *e, void *ud)
{
    rec *r = ud;
    if (r->n < MAXEV) {
        r->ev[r->n] = *e;
        snprintf(r->ids[r->n], sizeof r->ids[0], "%s", e->instance_id);
        r->user_at_deletion[r->n] =
            e->kind == CIMJOB_EVENT_DELETION ? cimjob_job_user_data(e->job) : NULL;
        r->ev[r->n].job = NULL; /* only valid during the callback */
        r->n++;
    }
}

static fx *new_fx(rec *r, unsigned mask)
{
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.on_state_change = on_event;
    ro.userdata = r;
    fx *f = fx_new_opts(0, &ro);
    if (mask)
        assert_int_equal(cimjob_registry_set_indications(f->reg, mask), CIMJOB_RC_SUCCESS);
    return f;
}

static int count_kind(const rec *r, cimjob_event_kind k)
{
    int n = 0;
    for (int i = 0; i < r->n; i++)
        n += r->ev[i].kind == k;
    return n;
}

/* Default: callbacks written for JobState changes see exactly those, as before. */
static void test_default_is_state_changes_only(void **state)
{
    (void)state;
    rec r;
    memset(&r, 0, sizeof r);
    fx *f = new_fx(&r, 0);
    cimjob_job *j = fx_job(f, "legacy", 1);
    assert_int_equal(cimjob_set_percent_complete(j, 40), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_set_job_status(j, "working"), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_finish(f->fake, j, 0, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_remove(f->reg, j), CIMJOB_RC_SUCCESS);
    assert_int_equal(r.n, 3); /* New->Starting, Starting->Running, Running->Completed */
    for (int i = 0; i < r.n; i++) {
        assert_int_equal(r.ev[i].kind, CIMJOB_EVENT_STATE_CHANGE);
        assert_int_not_equal(r.ev[i].old_state, r.ev[i].new_state);
        assert_true(r.ev[i].changed & CIMJOB_PROPERTY_JOB_STATE);
    }
    assert_int_equal(r.ev[2].new_state, CIMJOB_JOB_STATE_COMPLETED);
    assert_true(r.ev[2].changed & CIMJOB_PROPERTY_PERCENT_COMPLETE); /* 40 -> 100 */
    cimjob_job_release(j);
    fx_free(f);
}

static void test_full_lifecycle(void **state)
{
    (void)state;
    rec r;
    memset(&r, 0, sizeof r);
    fx *f = new_fx(&r, CIMJOB_EVENTS_ALL);
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = NULL;
    o.name = "full";
    o.time_before_removal_us = 10 * SEC;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.ev[0].kind, CIMJOB_EVENT_CREATION);
    assert_int_equal(r.ev[0].new_state, CIMJOB_JOB_STATE_NEW);
    assert_string_equal(r.ids[0], cimjob_job_instance_id(j));
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_START, NULL),
                     CIMJOB_RSC_COMPLETED);
    assert_int_equal(r.n, 3);
    assert_int_equal(cimjob_set_percent_complete(j, 50), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_set_percent_complete(j, 50), CIMJOB_RC_SUCCESS); /* no change */
    assert_int_equal(r.n, 4);
    assert_int_equal(r.ev[3].kind, CIMJOB_EVENT_MODIFICATION);
    assert_int_equal(r.ev[3].changed, CIMJOB_PROPERTY_PERCENT_COMPLETE);
    assert_int_equal(r.ev[3].new_state, CIMJOB_JOB_STATE_RUNNING);
    assert_int_equal(cimjob_set_job_status(j, "half way"), CIMJOB_RC_SUCCESS);
    assert_int_equal(r.n, 5);
    assert_int_equal(r.ev[4].kind, CIMJOB_EVENT_MODIFICATION);
    assert_int_equal(r.ev[4].changed, CIMJOB_PROPERTY_JOB_STATUS);
    assert_int_equal(cimjob_fake_finish(f->fake, j, 0, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(r.n, 6);
    assert_int_equal(r.ev[5].kind, CIMJOB_EVENT_STATE_CHANGE);
    assert_true(r.ev[5].changed & CIMJOB_PROPERTY_PERCENT_COMPLETE);
    /* TimeBeforeRemoval passes: the removal is reported (it used to be silent). */
    assert_int_equal(cimjob_fake_advance(f->fake, 10 * SEC), CIMJOB_RC_SUCCESS);
    assert_int_equal(fx_count(f), 0);
    assert_int_equal(r.n, 7);
    assert_int_equal(r.ev[6].kind, CIMJOB_EVENT_DELETION);
    assert_int_equal(r.ev[6].cause, CIMJOB_REMOVAL_RETENTION);
    assert_string_equal(r.ids[6], r.ids[0]);
    cimjob_job_release(j);
    fx_free(f);
}

static void test_removal_causes(void **state)
{
    (void)state;
    rec r;
    memset(&r, 0, sizeof r);
    fx *f = new_fx(&r, CIMJOB_EVENT_BIT(CIMJOB_EVENT_DELETION));
    cimjob_job *a = fx_job(f, "explicit", 1);
    cimjob_job *b = fx_job(f, "dok", 1);
    cimjob_job *c = fx_job(f, "free", 1);
    assert_int_equal(cimjob_kill_job(a, 0), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_remove(f->reg, a), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_kill_job(b, 1), CIMJOB_RC_SUCCESS);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.ev[0].cause, CIMJOB_REMOVAL_EXPLICIT);
    assert_int_equal(r.ev[1].cause, CIMJOB_REMOVAL_DELETE_ON_KILL);
    cimjob_registry_free(f->reg);
    f->reg = NULL;
    assert_int_equal(r.n, 3);
    assert_int_equal(r.ev[2].kind, CIMJOB_EVENT_DELETION);
    assert_int_equal(r.ev[2].cause, CIMJOB_REMOVAL_REGISTRY_FREE);
    cimjob_job_release(a);
    cimjob_job_release(b);
    cimjob_job_release(c);
    cimjob_fake_free(f->fake);
    free(f);
}

/* A Terminate escalated to a kill: JobStatus changes and an error is recorded. */
static void test_escalation_modification(void **state)
{
    (void)state;
    rec r;
    memset(&r, 0, sizeof r);
    fx *f = new_fx(&r, CIMJOB_EVENT_BIT(CIMJOB_EVENT_MODIFICATION));
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = -1;
    fx_push(f, &o);
    cimjob_job *j = fx_job(f, "stubborn", 1);
    assert_int_equal(
        cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, "00000000000001.000000:000"),
        CIMJOB_RSC_TIMEOUT);
    assert_int_equal(count_kind(&r, CIMJOB_EVENT_MODIFICATION), 1);
    assert_true(r.ev[0].changed & CIMJOB_PROPERTY_JOB_STATUS);
    assert_true(r.ev[0].changed & CIMJOB_PROPERTY_ERROR);
    cimjob_job_release(j);
    fx_free(f);
}

/* Per-job callbacks get the same events. */
static void test_per_job_callback(void **state)
{
    (void)state;
    rec r;
    memset(&r, 0, sizeof r);
    fx *f = fx_new(0);
    assert_int_equal(cimjob_registry_set_indications(f->reg, CIMJOB_EVENTS_ALL), CIMJOB_RC_SUCCESS);
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = NULL;
    o.name = "own";
    o.on_state_change = on_event;
    o.userdata = &r;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_KILL, NULL),
                     CIMJOB_RSC_COMPLETED);
    assert_int_equal(cimjob_remove(f->reg, j), CIMJOB_RC_SUCCESS);
    assert_int_equal(r.ev[0].kind, CIMJOB_EVENT_CREATION);
    assert_int_equal(r.ev[r.n - 1].kind, CIMJOB_EVENT_DELETION);
    cimjob_job_release(j);
    fx_free(f);
}

static void test_bad_mask(void **state)
{
    fx *f = *state;
    assert_int_equal(cimjob_registry_set_indications(NULL, 0), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_registry_set_indications(f->reg, 1u << 7), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_registry_set_indications(f->reg, 0), CIMJOB_RC_SUCCESS);
}

/* ---- user data ---------------------------------------------------------------------------- */

static int destroyed[8];
static void destroy(void *p)
{
    destroyed[*(int *)p]++;
}

static void test_user_data_destroyed_after_deletion_callback(void **state)
{
    (void)state;
    static int tags[] = {0, 1, 2, 3};
    memset(destroyed, 0, sizeof destroyed);
    rec r;
    memset(&r, 0, sizeof r);
    fx *f = new_fx(&r, CIMJOB_EVENTS_ALL);
    cimjob_job *j = fx_job(f, "ud", 1);
    assert_null(cimjob_job_user_data(j));
    assert_int_equal(cimjob_job_set_user_data(j, &tags[0], destroy), CIMJOB_RC_SUCCESS);
    assert_ptr_equal(cimjob_job_user_data(j), &tags[0]);
    /* Replacing runs the old destructor; the same pair again does not. */
    assert_int_equal(cimjob_job_set_user_data(j, &tags[1], destroy), CIMJOB_RC_SUCCESS);
    assert_int_equal(destroyed[0], 1);
    assert_int_equal(cimjob_job_set_user_data(j, &tags[1], destroy), CIMJOB_RC_SUCCESS);
    assert_int_equal(destroyed[1], 0);
    assert_int_equal(cimjob_kill_job(j, 1), CIMJOB_RC_SUCCESS);
    assert_int_equal(destroyed[1], 1);
    assert_int_equal(r.ev[r.n - 1].kind, CIMJOB_EVENT_DELETION);
    assert_ptr_equal(r.user_at_deletion[r.n - 1], &tags[1]); /* readable in the callback */
    assert_null(cimjob_job_user_data(j));
    assert_int_equal(cimjob_job_set_user_data(j, &tags[2], destroy), CIMJOB_RC_NOT_FOUND);
    assert_int_equal(destroyed[2], 0);
    cimjob_job_release(j);
    fx_free(f);
    assert_int_equal(destroyed[1], 1);
}

/* Without callbacks the data goes at removal; jobs left at registry free are cleaned too. */
static void test_user_data_without_callbacks(void **state)
{
    (void)state;
    static int tags[] = {0, 1, 2, 3};
    memset(destroyed, 0, sizeof destroyed);
    fx *f = fx_new(0);
    cimjob_job *a = fx_job(f, "a", 1);
    cimjob_job *b = fx_job(f, "b", 0);
    assert_int_equal(cimjob_job_set_user_data(a, &tags[2], destroy), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_job_set_user_data(b, &tags[3], destroy), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_finish(f->fake, a, 0, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_remove(f->reg, a), CIMJOB_RC_SUCCESS);
    assert_int_equal(destroyed[2], 1);
    assert_int_equal(cimjob_job_set_user_data(b, NULL, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(destroyed[3], 1);
    assert_int_equal(cimjob_job_set_user_data(b, &tags[3], destroy), CIMJOB_RC_SUCCESS);
    cimjob_job_release(a);
    cimjob_job_release(b);
    fx_free(f);
    assert_int_equal(destroyed[3], 2);
    assert_int_equal(cimjob_job_set_user_data(NULL, NULL, NULL), CIMJOB_RC_INVALID_PARAMETER);
    assert_null(cimjob_job_user_data(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_is_state_changes_only),
        cmocka_unit_test(test_full_lifecycle),
        cmocka_unit_test(test_removal_causes),
        cmocka_unit_test(test_escalation_modification),
        cmocka_unit_test(test_per_job_callback),
        cmocka_unit_test_setup_teardown(test_bad_mask, fx_setup, fx_teardown),
        cmocka_unit_test(test_user_data_destroyed_after_deletion_callback),
        cmocka_unit_test(test_user_data_without_callbacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
