/*
 * Suite "registry" (black-box, fake backend): retention (DeleteOnCompletion, TimeBeforeRemoval),
 * cimjob_remove, InstanceIDs, find/list/count, and what cimjob_registry_free leaves behind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_common.h"

static cimjob_job *job_opts(fx *f, const char *name, const char *local_id, int start, int doc,
                            uint64_t tbr)
{
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = name;
    o.local_id = local_id;
    o.flags = start ? CIMJOB_JOB_START : 0;
    o.delete_on_completion = doc;
    o.time_before_removal_us = tbr;
    cimjob_job *j = NULL;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    return j;
}

static int findable(fx *f, const char *id)
{
    cimjob_job *j = NULL;
    cimjob_rc rc = cimjob_find(f->reg, id, &j);
    if (rc == CIMJOB_RC_SUCCESS) {
        assert_string_equal(cimjob_job_instance_id(j), id);
        cimjob_job_release(j);
        return 1;
    }
    assert_int_equal(rc, CIMJOB_RC_NOT_FOUND);
    return 0;
}

/* ---- retention --------------------------------------------------------------------------------
 */

static void test_delete_on_completion_at_exactly_tbr(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 2 * SEC;
    fx_push(f, &o);
    cimjob_job *j = job_opts(f, "short-lived", NULL, 1, 1, 60 * SEC);
    char id[CIMJOB_INSTANCE_ID_MAX + 1];
    strcpy(id, cimjob_job_instance_id(j));
    assert_int_equal(cimjob_fake_advance(f->fake, 2 * SEC), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_COMPLETED);
    /* One microsecond before TimeBeforeRemoval: still there. */
    assert_int_equal(cimjob_fake_advance(f->fake, 60 * SEC - 1), CIMJOB_RC_SUCCESS);
    assert_true(findable(f, id));
    assert_state(j, CIMJOB_JOB_STATE_COMPLETED);
    assert_int_equal(fx_count(f), 1);
    assert_int_equal(cimjob_fake_advance(f->fake, 1), CIMJOB_RC_SUCCESS);
    assert_false(findable(f, id));
    cimjob_info i = CIMJOB_INFO_INIT;
    assert_int_equal(cimjob_query(j, &i), CIMJOB_RC_NOT_FOUND);
    assert_int_equal(fx_count(f), 0);
    assert_int_equal(cimjob_remove(f->reg, j), CIMJOB_RC_NOT_FOUND);
    cimjob_job_release(j);
}

/* The default TimeBeforeRemoval is five minutes. */
static void test_default_time_before_removal(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "default", 1);
    assert_true(q(j).time_before_removal_us == CIMJOB_DEFAULT_TIME_BEFORE_REMOVAL_US);
    assert_int_equal(q(j).delete_on_completion, 1);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, NULL), 0);
    assert_int_equal(cimjob_fake_advance(f->fake, 300 * SEC - 1), CIMJOB_RC_SUCCESS);
    assert_int_equal(fx_count(f), 1);
    assert_int_equal(cimjob_fake_advance(f->fake, 1), CIMJOB_RC_SUCCESS);
    assert_int_equal(fx_count(f), 0);
    cimjob_job_release(j);
}

static void test_keep_until_removed(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = SEC;
    fx_push(f, &o);
    cimjob_job *j = job_opts(f, "kept", NULL, 1, 0, SEC);
    assert_int_equal(q(j).delete_on_completion, 0);
    assert_int_equal(cimjob_fake_advance(f->fake, 86400 * SEC), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_COMPLETED);
    assert_true(findable(f, cimjob_job_instance_id(j)));
    assert_int_equal(cimjob_remove(f->reg, j), CIMJOB_RC_SUCCESS);
    assert_false(findable(f, cimjob_job_instance_id(j)));
    assert_int_equal(cimjob_remove(f->reg, j), CIMJOB_RC_NOT_FOUND);
    assert_true(strlen(cimjob_last_error()) > 0);
    cimjob_job_release(j);
}

static void test_remove_live_job_refused(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "alive", 1);
    cimjob_job *n = fx_job(f, "new", 0);
    assert_int_equal(cimjob_remove(f->reg, j), CIMJOB_RC_INVALID_STATE);
    assert_int_equal(cimjob_remove(f->reg, n), CIMJOB_RC_INVALID_STATE);
    assert_int_equal(fx_count(f), 2);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    cimjob_job_release(j);
    cimjob_job_release(n);
}

static void test_remove_from_other_registry(void **state)
{
    fx *f = *state;
    fx *g = fx_new(0);
    cimjob_job *j = fx_job(f, "mine", 0);
    assert_int_equal(cimjob_kill_job(j, 0), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_remove(g->reg, j), CIMJOB_RC_NOT_FOUND);
    assert_int_equal(fx_count(f), 1);
    assert_int_equal(cimjob_remove(f->reg, j), CIMJOB_RC_SUCCESS);
    cimjob_job_release(j);
    fx_free(g);
}

/* ---- InstanceIDs ------------------------------------------------------------------------------
 */

static void test_instance_ids_default(void **state)
{
    fx *f = *state;
    cimjob_job *a = fx_job(f, "a", 0), *b = fx_job(f, "b", 0);
    assert_string_equal(cimjob_job_instance_id(a), ID(f, 1));
    assert_string_equal(cimjob_job_instance_id(b), ID(f, 2));
    assert_string_equal(q(a).instance_id, ID(f, 1));
    assert_string_equal(q(a).name, "a");
    /* Never reused: after removing 2, the next is 3. */
    assert_int_equal(cimjob_kill_job(b, 1), CIMJOB_RC_SUCCESS);
    cimjob_job *c = fx_job(f, "c", 0);
    assert_string_equal(cimjob_job_instance_id(c), ID(f, 3));
    cimjob_job_release(a);
    cimjob_job_release(b);
    cimjob_job_release(c);
}

static void test_instance_ids_org_id(void **state)
{
    (void)state;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.org_id = "acme.example";
    fx *f = fx_new_opts(0, &ro);
    cimjob_job *a = fx_job(f, "a", 0);
    assert_string_equal(cimjob_job_instance_id(a), gen_id(f->reg, "acme.example", 1));
    cimjob_job_release(a);
    fx_free(f);
}

static void test_org_id_rejected(void **state)
{
    (void)state;
    cimjob_fake *fake;
    assert_int_equal(cimjob_fake_new(0, &fake), CIMJOB_RC_SUCCESS);
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_fake_backend(fake);
    ro.backend_config = fake;
    char long_org[66];
    memset(long_org, 'o', 65);
    long_org[65] = '\0';
    const char *bad[] = {"acme:corp", ":", "", long_org};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cimjob_registry *reg = (cimjob_registry *)&ro; /* must not be touched */
        ro.org_id = bad[i];
        assert_int_equal(cimjob_registry_new(&ro, &reg), CIMJOB_RC_INVALID_PARAMETER);
        assert_ptr_equal(reg, (cimjob_registry *)&ro);
        assert_true(strlen(cimjob_last_error()) > 0);
    }
    long_org[64] = '\0'; /* 64 bytes: the maximum */
    ro.org_id = long_org;
    cimjob_registry *reg;
    assert_int_equal(cimjob_registry_new(&ro, &reg), CIMJOB_RC_SUCCESS);
    cimjob_registry_free(reg);
    cimjob_fake_free(fake);
}

static void test_local_ids(void **state)
{
    fx *f = *state;
    cimjob_job *a = job_opts(f, "a", "build-42", 0, 1, SEC);
    assert_string_equal(cimjob_job_instance_id(a), "libcimjob:build-42");
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "dup";
    o.local_id = "build-42";
    cimjob_job *dup = (cimjob_job *)&o;
    assert_int_equal(cimjob_create(f->reg, &o, &dup), CIMJOB_RC_EXISTS);
    assert_null(dup); /* a failed create leaves no stale handle */
    assert_int_equal(fx_count(f), 1);
    /* Still taken after the job is gone: InstanceIDs are never reused. */
    assert_int_equal(cimjob_kill_job(a, 1), CIMJOB_RC_SUCCESS);
    assert_int_equal(fx_count(f), 0);
    assert_int_equal(cimjob_create(f->reg, &o, &dup), CIMJOB_RC_EXISTS);
    assert_int_equal(fx_count(f), 0);
    cimjob_job_release(a);
}

/* Generated numbers skip LocalIDs a caller took by hand (a caller may take one of the
 * incarnation's own form). */
static void test_generated_ids_skip_taken(void **state)
{
    fx *f = *state;
    char two[64], four[64];
    snprintf(two, sizeof two, "%s-2", cimjob_registry_incarnation(f->reg));
    snprintf(four, sizeof four, "%s-4", cimjob_registry_incarnation(f->reg));
    cimjob_job *a = fx_job(f, "a", 0);                 /* -1 */
    cimjob_job *b = job_opts(f, "b", two, 0, 1, SEC);  /* -2 by hand */
    cimjob_job *c = job_opts(f, "c", four, 0, 1, SEC); /* -4 by hand */
    cimjob_job *d = fx_job(f, "d", 0);                 /* -3 */
    cimjob_job *e = fx_job(f, "e", 0);                 /* -5 */
    assert_string_equal(cimjob_job_instance_id(a), ID(f, 1));
    assert_string_equal(cimjob_job_instance_id(b), ID(f, 2));
    assert_string_equal(cimjob_job_instance_id(d), ID(f, 3));
    assert_string_equal(cimjob_job_instance_id(e), ID(f, 5));
    /* A generated ID cannot be taken by hand afterwards either. */
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    char three[64];
    snprintf(three, sizeof three, "%s-3", cimjob_registry_incarnation(f->reg));
    o.name = "x";
    o.local_id = three;
    assert_int_equal(cimjob_create(f->reg, &o, NULL), CIMJOB_RC_EXISTS);
    /* Plain numbers are a caller's own namespace now: "1" does not collide with "<inc>-1". */
    o.local_id = "1";
    assert_int_equal(cimjob_create(f->reg, &o, NULL), CIMJOB_RC_SUCCESS);
    cimjob_job *jobs[] = {a, b, c, d, e};
    for (int i = 0; i < 5; i++)
        cimjob_job_release(jobs[i]);
}

/* InstanceIDs are unique across registries and across restarts: every registry has its own
 * incarnation, later registries later ones (the wall clock at creation, strictly increasing). */
static void test_instance_ids_unique_across_registries(void **state)
{
    (void)state;
    char seen[16][64];
    for (int i = 0; i < 16; i++) {
        fx *g = fx_new(0);
        cimjob_job *j = fx_job(g, "one", 0);
        snprintf(seen[i], sizeof seen[i], "%s", cimjob_job_instance_id(j));
        const char *inc = cimjob_registry_incarnation(g->reg);
        assert_true(strlen(inc) >= 5);
        assert_non_null(strstr(seen[i], inc));
        for (int k = 0; k < i; k++)
            assert_string_not_equal(seen[k], seen[i]);
        cimjob_job_release(j);
        fx_free(g);
    }
    assert_string_equal(cimjob_registry_incarnation(NULL), "");
}

/* ---- find, list, count ------------------------------------------------------------------------
 */

static void test_find_list_count(void **state)
{
    fx *f = *state;
    cimjob_job **list = (cimjob_job **)f;
    size_t n = 99;
    assert_int_equal(cimjob_registry_list(f->reg, &list, &n), CIMJOB_RC_SUCCESS);
    assert_null(list);
    assert_int_equal(n, 0);
    assert_int_equal(fx_count(f), 0);

    enum { JOBS = 100 }; /* past the initial hash size */
    char name[32];
    for (int i = 0; i < JOBS; i++) {
        snprintf(name, sizeof name, "job %d", i);
        cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
        o.name = name;
        assert_int_equal(cimjob_create(f->reg, &o, NULL), CIMJOB_RC_SUCCESS);
    }
    assert_int_equal(fx_count(f), JOBS);
    assert_int_equal(cimjob_registry_list(f->reg, &list, &n), CIMJOB_RC_SUCCESS);
    assert_int_equal(n, JOBS);
    for (int i = 0; i < JOBS; i++) {
        char want[64];
        snprintf(want, sizeof want, "%s", ID(f, (unsigned)i + 1)); /* oldest first */
        assert_string_equal(cimjob_job_instance_id(list[i]), want);
        cimjob_job *found;
        assert_int_equal(cimjob_find(f->reg, want, &found), CIMJOB_RC_SUCCESS);
        assert_ptr_equal(found, list[i]);
        snprintf(want, sizeof want, "job %d", i);
        assert_string_equal(q(found).name, want);
        cimjob_job_release(found);
    }
    /* Remove every other one; the list keeps the order of the rest. */
    for (int i = 0; i < JOBS; i += 2)
        assert_int_equal(cimjob_kill_job(list[i], 1), CIMJOB_RC_SUCCESS);
    cimjob_job_list_free(list, n);
    assert_int_equal(cimjob_registry_list(f->reg, &list, &n), CIMJOB_RC_SUCCESS);
    assert_int_equal(n, JOBS / 2);
    for (size_t i = 0; i < n; i++) {
        char want[64];
        snprintf(want, sizeof want, "%s", ID(f, (unsigned)(2 * i + 2)));
        assert_string_equal(cimjob_job_instance_id(list[i]), want);
    }
    cimjob_job_list_free(list, n);
    cimjob_job *none = NULL;
    assert_int_equal(cimjob_find(f->reg, ID(f, 1), &none), CIMJOB_RC_NOT_FOUND);
    assert_int_equal(cimjob_find(f->reg, "nope", &none), CIMJOB_RC_NOT_FOUND);
    assert_int_equal(cimjob_find(f->reg, "", &none), CIMJOB_RC_NOT_FOUND);
    assert_null(none);
}

/* A reference from cimjob_find keeps the job's memory after removal. */
static void test_refs_outlive_removal(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "ref", 0);
    cimjob_job *again = cimjob_job_ref(j);
    assert_ptr_equal(again, j);
    cimjob_job_release(j);
    assert_int_equal(cimjob_kill_job(again, 1), CIMJOB_RC_SUCCESS);
    assert_string_equal(cimjob_job_instance_id(again), ID(f, 1));
    assert_int_equal(cimjob_wait(again, 0, 0, NULL), CIMJOB_RC_NOT_FOUND);
    cimjob_job_release(again);
}

/* ---- registry_free ----------------------------------------------------------------------------
 */

static void test_registry_free_kills_live_jobs(void **state)
{
    (void)state;
    fx *f = fx_new(0);
    cimjob_job *running = fx_job(f, "running", 1);
    cimjob_job *suspended = fx_job(f, "suspended", 1);
    assert_int_equal(cimjob_request_state_change(suspended, CIMJOB_REQUEST_SUSPEND, NULL), 0);
    cimjob_job *fresh = fx_job(f, "new", 0);
    cimjob_job *done = fx_job(f, "done", 1);
    assert_int_equal(cimjob_kill_job(done, 0), CIMJOB_RC_SUCCESS);
    unsigned long kills = calls(f, CIMJOB_FAKE_CALL_KILL);
    assert_int_equal(kills, 1);

    assert_int_equal(cimjob_registry_free(f->reg), CIMJOB_RC_SUCCESS);
    /* The two live jobs were killed through the backend; the New one needed no call. */
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_KILL), kills + 2);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_RELEASE), calls(f, CIMJOB_FAKE_CALL_SPAWN));

    cimjob_job *all[] = {running, suspended, fresh, done};
    for (int i = 0; i < 4; i++) {
        cimjob_info info = CIMJOB_INFO_INIT;
        assert_int_equal(cimjob_query(all[i], &info), CIMJOB_RC_NOT_FOUND);
        assert_int_equal(cimjob_kill_job(all[i], 0), CIMJOB_RC_NOT_FOUND);
        assert_int_equal(cimjob_request_state_change(all[i], CIMJOB_REQUEST_KILL, NULL), 4097);
        assert_int_equal(cimjob_wait(all[i], 0, 0, NULL), CIMJOB_RC_NOT_FOUND);
        assert_int_equal(cimjob_set_job_status(all[i], "late"), CIMJOB_RC_NOT_FOUND);
        assert_true(strlen(cimjob_job_instance_id(all[i])) > 0);
        cimjob_job_release(all[i]);
    }
    cimjob_fake_free(f->fake);
    free(f);
}

/* A job that cannot die: registry_free gives up after the kill bound and says so. */
static void test_registry_free_bounded(void **state)
{
    (void)state;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.kill_timeout_us = 2 * SEC;
    fx *f = fx_new_opts(0, &ro);
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.kill_us = -1;
    fx_push(f, &o);
    cimjob_job *j = fx_job(f, "undead", 1);
    assert_int_equal(cimjob_registry_free(f->reg), CIMJOB_RC_TIMEOUT);
    assert_true(cimjob_fake_now(f->fake) == 2 * SEC);
    assert_int_equal(cimjob_kill_job(j, 0), CIMJOB_RC_NOT_FOUND);
    cimjob_job_release(j);
    cimjob_fake_free(f->fake);
    free(f);
}

/* Two registries cannot share one fake; the fake serves again once its registry is gone. */
static void test_fake_serves_one_registry(void **state)
{
    fx *f = *state;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_fake_backend(f->fake);
    ro.backend_config = f->fake;
    cimjob_registry *second;
    assert_int_equal(cimjob_registry_new(&ro, &second), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_registry_free(f->reg), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_registry_new(&ro, &f->reg), CIMJOB_RC_SUCCESS);
}

/* The fake by name: a registry without config gets a private fake, freed with it. */
static void test_fake_by_name(void **state)
{
    (void)state;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_backend_by_name("fake");
    assert_non_null(ro.backend);
    assert_string_equal(ro.backend->name, "fake");
    cimjob_registry *reg;
    assert_int_equal(cimjob_registry_new(&ro, &reg), CIMJOB_RC_SUCCESS);
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "private";
    o.flags = CIMJOB_JOB_START;
    cimjob_job *j;
    assert_int_equal(cimjob_create(reg, &o, &j), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, NULL), 0);
    assert_state(j, CIMJOB_JOB_STATE_TERMINATED);
    cimjob_job_release(j);
    assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
}

/* Event-loop integration on the fake: next_timeout, dispatch, run. */
static void test_event_loop_api(void **state)
{
    fx *f = *state;
    int64_t t = 0;
    assert_int_equal(cimjob_registry_next_timeout(f->reg, &t), CIMJOB_RC_SUCCESS);
    assert_true(t == -1);
    intptr_t fd;
    assert_int_equal(cimjob_registry_fd(f->reg, &fd), CIMJOB_RC_NOT_SUPPORTED);
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = -1;
    fx_push(f, &o);
    cimjob_job *j = fx_job(f, "loop", 1);
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_ASYNC;
    ro.timeout_us = 7 * SEC;
    assert_int_equal(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_TERMINATE, &ro),
                     CIMJOB_RSC_TRANSITION_STARTED);
    assert_int_equal(cimjob_registry_next_timeout(f->reg, &t), CIMJOB_RC_SUCCESS);
    assert_true(t == 7 * SEC);
    assert_int_equal(cimjob_registry_dispatch(f->reg), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_SHUTTING_DOWN);
    /* run: the fake's wait jumps to the escalation. */
    for (int i = 0; i < 10 && st(j) != CIMJOB_JOB_STATE_TERMINATED; i++)
        assert_int_equal(cimjob_registry_run(f->reg, -1), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_TERMINATED);
    assert_true(cimjob_fake_now(f->fake) == 7 * SEC);
    cimjob_job_release(j);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_delete_on_completion_at_exactly_tbr),
        T(test_default_time_before_removal),
        T(test_keep_until_removed),
        T(test_remove_live_job_refused),
        T(test_remove_from_other_registry),
        T(test_instance_ids_default),
        cmocka_unit_test(test_instance_ids_org_id),
        cmocka_unit_test(test_org_id_rejected),
        T(test_local_ids),
        T(test_generated_ids_skip_taken),
        cmocka_unit_test(test_instance_ids_unique_across_registries),
        T(test_find_list_count),
        T(test_refs_outlive_removal),
        cmocka_unit_test(test_registry_free_kills_live_jobs),
        cmocka_unit_test(test_registry_free_bounded),
        T(test_fake_serves_one_registry),
        cmocka_unit_test(test_fake_by_name),
        T(test_event_loop_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
