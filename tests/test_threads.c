/*
 * Suite "threads" (black-box smoke test, also run under TSan): 8 threads hammer one fake
 * registry with create / query / RequestStateChange / KillJob / find / list / count and clock
 * moves, then the registry must be consistent and every answer must have been a documented one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>

#include "test_common.h"

#define THREADS    8
#define ITERATIONS 2000
#define KEEP       16

typedef struct shared {
    fx *f;
    atomic_int bad;           /* undocumented answers seen */
    atomic_long events;       /* state-change callbacks */
    atomic_long final_events; /* callbacks into a final state */
    atomic_int created;
    char last_bad[256];
    atomic_flag bad_lock;
} shared;

typedef struct worker {
    shared *sh;
    unsigned seed;
    int id;
} worker;

static unsigned rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

static void bad(shared *sh, const char *what, long v)
{
    atomic_fetch_add(&sh->bad, 1);
    if (!atomic_flag_test_and_set(&sh->bad_lock))
        snprintf(sh->last_bad, sizeof sh->last_bad, "%s answered %ld", what, v);
}

static int valid_state(int s)
{
    return s >= CIMJOB_JOB_STATE_NEW && s <= CIMJOB_JOB_STATE_QUERY_PENDING;
}

static void on_change(const cimjob_event *e, void *ud)
{
    shared *sh = ud;
    atomic_fetch_add(&sh->events, 1);
    if (cimjob_job_state_is_final((int)e->new_state))
        atomic_fetch_add(&sh->final_events, 1);
    if (!valid_state((int)e->old_state) || !valid_state((int)e->new_state) ||
        e->old_state == e->new_state || cimjob_job_state_is_final((int)e->old_state))
        bad(sh, "event", (long)e->old_state * 100 + (long)e->new_state);
}

static void check_rsc(shared *sh, int rsc)
{
    switch (rsc) {
    case CIMJOB_RSC_COMPLETED:
    case CIMJOB_RSC_TIMEOUT:
    case CIMJOB_RSC_TRANSITION_STARTED:
    case CIMJOB_RSC_INVALID_STATE_TRANSITION:
    case CIMJOB_RSC_BUSY:
        return;
    default:
        bad(sh, "RequestStateChange", rsc);
    }
}

static void check_kill(shared *sh, cimjob_rc rc)
{
    switch (rc) {
    case CIMJOB_RC_SUCCESS:
    case CIMJOB_RC_TIMEOUT:
    case CIMJOB_RC_INVALID_STATE:
    case CIMJOB_RC_NOT_FOUND:
    case CIMJOB_RC_BUSY:
        return;
    default:
        bad(sh, "KillJob", rc);
    }
}

static void check_query(shared *sh, cimjob_job *j)
{
    cimjob_info i = CIMJOB_INFO_INIT;
    cimjob_rc rc = cimjob_query(j, &i);
    if (rc == CIMJOB_RC_NOT_FOUND)
        return;
    if (rc != CIMJOB_RC_SUCCESS) {
        bad(sh, "query", rc);
        return;
    }
    if (!valid_state((int)i.job_state) || i.percent_complete > 100 ||
        strcmp(i.instance_id, cimjob_job_instance_id(j)) != 0)
        bad(sh, "query state", (long)i.job_state);
    if (i.job_state == CIMJOB_JOB_STATE_COMPLETED && i.percent_complete != 100)
        bad(sh, "completed percent", (long)i.percent_complete);
}

static void work(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    fx *f = sh->f;
    cimjob_job *mine[KEEP] = {0};
    unsigned s = w->seed;
    for (int it = 0; it < ITERATIONS; it++) {
        int slot = (int)(rnd(&s) % KEEP);
        cimjob_job *j = mine[slot];
        switch (rnd(&s) % 10) {
        case 0:
        case 1: {
            cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
            char name[32];
            snprintf(name, sizeof name, "t%d-%d", w->id, it);
            o.name = name;
            o.flags = rnd(&s) % 3 ? CIMJOB_JOB_START : 0;
            o.delete_on_completion = (int)(rnd(&s) % 2);
            o.time_before_removal_us = (uint64_t)(rnd(&s) % 4) * SEC;
            o.on_state_change = rnd(&s) % 2 ? on_change : NULL;
            o.userdata = sh;
            cimjob_job *n = NULL;
            cimjob_rc rc = cimjob_create(f->reg, &o, &n);
            if (rc != CIMJOB_RC_SUCCESS) {
                bad(sh, "create", rc);
                break;
            }
            atomic_fetch_add(&sh->created, 1);
            cimjob_job_release(mine[slot]);
            mine[slot] = n;
            break;
        }
        case 2:
            if (j)
                check_query(sh, j);
            break;
        case 3:
            if (j) {
                int r = CIMJOB_REQUEST_START + (int)(rnd(&s) % 5);
                cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
                ro.flags = rnd(&s) % 2 ? CIMJOB_REQUEST_ASYNC : 0;
                ro.timeout_us = (uint64_t)(rnd(&s) % 3) * SEC;
                check_rsc(sh, cimjob_request_state_change_ex(j, (cimjob_requested_state)r, &ro));
            }
            break;
        case 4:
            if (j) {
                cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
                ro.flags = rnd(&s) % 2 ? CIMJOB_REQUEST_ASYNC : 0;
                check_kill(sh, cimjob_kill_job_ex(j, (int)(rnd(&s) % 2), &ro));
            }
            break;
        case 5: {
            /* Somebody else's job, by InstanceID. */
            char id[64];
            int n = atomic_load(&sh->created);
            snprintf(id, sizeof id, "libcimjob:%u", n ? 1 + rnd(&s) % (unsigned)n : 1u);
            cimjob_job *other = NULL;
            cimjob_rc rc = cimjob_find(f->reg, id, &other);
            if (rc == CIMJOB_RC_SUCCESS) {
                check_query(sh, other);
                if (rnd(&s) % 2)
                    check_rsc(sh, cimjob_request_state_change(
                                      other, (cimjob_requested_state)(2 + rnd(&s) % 5), NULL));
                cimjob_job_release(other);
            } else if (rc != CIMJOB_RC_NOT_FOUND) {
                bad(sh, "find", rc);
            }
            break;
        }
        case 6: {
            cimjob_job **list = NULL;
            size_t n = 0, count = 0;
            if (cimjob_registry_list(f->reg, &list, &n) != CIMJOB_RC_SUCCESS)
                bad(sh, "list", -1);
            for (size_t i = 0; i < n; i += 7)
                check_query(sh, list[i]);
            cimjob_job_list_free(list, n);
            if (cimjob_registry_count(f->reg, &count) != CIMJOB_RC_SUCCESS)
                bad(sh, "count", -1);
            break;
        }
        case 7:
            if (cimjob_fake_advance(f->fake, (uint64_t)(rnd(&s) % 2000) * 1000) != 0)
                bad(sh, "advance", -1);
            break;
        case 8:
            if (j) {
                cimjob_job_state st = CIMJOB_JOB_STATE_NEW;
                cimjob_rc rc = cimjob_wait(j, 0, (int64_t)(rnd(&s) % 3) * SEC, &st);
                if (rc != CIMJOB_RC_SUCCESS && rc != CIMJOB_RC_TIMEOUT && rc != CIMJOB_RC_NOT_FOUND)
                    bad(sh, "wait", rc);
            }
            break;
        default:
            if (j) {
                cimjob_rc rc = cimjob_set_percent_complete(j, rnd(&s) % 101);
                if (rc != 0 && rc != CIMJOB_RC_INVALID_STATE && rc != CIMJOB_RC_NOT_FOUND)
                    bad(sh, "percent", rc);
                rc = cimjob_set_job_status(j, "busy");
                if (rc != 0 && rc != CIMJOB_RC_NOT_FOUND)
                    bad(sh, "status", rc);
                cimjob_registry_dispatch(f->reg);
            }
            break;
        }
    }
    for (int i = 0; i < KEEP; i++)
        cimjob_job_release(mine[i]);
}

static void test_hammer(void **state)
{
    (void)state;
    shared *sh = calloc(1, sizeof *sh);
    assert_non_null(sh);
    atomic_flag_clear(&sh->bad_lock);
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.on_state_change = on_change;
    ro.userdata = sh;
    sh->f = fx_new_opts(0, &ro);
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 3 * SEC;
    o.report_progress = 1;
    o.terminate_us = SEC / 2;
    o.kill_us = 0;
    assert_int_equal(cimjob_fake_set_default(sh->f->fake, &o), CIMJOB_RC_SUCCESS);

    worker w[THREADS];
    test_thread t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i].sh = sh;
        w[i].seed = 0x9e3779b9u * (unsigned)(i + 1);
        w[i].id = i;
        assert_int_equal(test_thread_create(&t[i], work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        test_thread_join(t[i]);

    /* About a fifth of the operations create a job. */
    assert_true(atomic_load(&sh->created) > THREADS * ITERATIONS / 10);
    if (atomic_load(&sh->bad))
        fail_msg("%d undocumented answers; e.g. %s", atomic_load(&sh->bad), sh->last_bad);

    /* Quiescent: list and count agree, every job is in a valid state, IDs are unique. */
    cimjob_job **list = NULL;
    size_t n = 0, count = 0;
    assert_int_equal(cimjob_registry_list(sh->f->reg, &list, &n), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_registry_count(sh->f->reg, &count), CIMJOB_RC_SUCCESS);
    assert_int_equal(n, count);
    assert_true(n <= (size_t)atomic_load(&sh->created));
    for (size_t i = 0; i < n; i++) {
        cimjob_info info = q(list[i]);
        assert_true(valid_state((int)info.job_state));
        assert_false(info.job_state == CIMJOB_JOB_STATE_STARTING);
        cimjob_job *found;
        assert_int_equal(cimjob_find(sh->f->reg, info.instance_id, &found), CIMJOB_RC_SUCCESS);
        assert_ptr_equal(found, list[i]);
        cimjob_job_release(found);
    }
    /* Let everything end: kill what is alive, then run the clock past every retention. */
    for (size_t i = 0; i < n; i++) {
        cimjob_rc rc = cimjob_kill_job(list[i], 0);
        if (rc != CIMJOB_RC_SUCCESS && rc != CIMJOB_RC_INVALID_STATE)
            fail_msg("KillJob of %s answered %d (%s): %s", cimjob_job_instance_id(list[i]), (int)rc,
                     cimjob_rc_name((int)rc), cimjob_last_error());
        assert_true(cimjob_job_state_is_final((int)st(list[i])));
    }
    assert_true(atomic_load(&sh->events) > 0);
    assert_true(atomic_load(&sh->final_events) > 0);
    cimjob_job_list_free(list, n);
    assert_int_equal(cimjob_registry_free(sh->f->reg), CIMJOB_RC_SUCCESS);
    cimjob_fake_free(sh->f->fake);
    free(sh->f);
    free(sh);
}

/* Two threads race Kill and Terminate on the same jobs: exactly one final state each. */
typedef struct racer {
    cimjob_job **jobs;
    int n;
    cimjob_requested_state r;
    int bad;
} racer;

static void race(void *arg)
{
    racer *r = arg;
    for (int i = 0; i < r->n; i++) {
        int rsc = cimjob_request_state_change(r->jobs[i], r->r, NULL);
        if (rsc != 0 && rsc != CIMJOB_RSC_INVALID_STATE_TRANSITION && rsc != CIMJOB_RSC_BUSY &&
            rsc != CIMJOB_RSC_TIMEOUT)
            r->bad++;
    }
}

static void test_kill_terminate_race(void **state)
{
    (void)state;
    fx *f = fx_new(0);
    enum { N = 200 };
    cimjob_job **jobs = calloc(N, sizeof *jobs);
    assert_non_null(jobs);
    for (int i = 0; i < N; i++)
        jobs[i] = fx_job(f, "racer", 1);
    racer a = {jobs, N, CIMJOB_REQUEST_KILL, 0}, b = {jobs, N, CIMJOB_REQUEST_TERMINATE, 0};
    test_thread ta, tb;
    assert_int_equal(test_thread_create(&ta, race, &a), 0);
    assert_int_equal(test_thread_create(&tb, race, &b), 0);
    test_thread_join(ta);
    test_thread_join(tb);
    assert_int_equal(a.bad, 0);
    assert_int_equal(b.bad, 0);
    for (int i = 0; i < N; i++) {
        cimjob_job_state s = st(jobs[i]);
        if (s != CIMJOB_JOB_STATE_KILLED && s != CIMJOB_JOB_STATE_TERMINATED) {
            /* A Kill answered Busy to a Terminate in progress may leave it ending: wait. */
            assert_int_equal(cimjob_wait(jobs[i], 0, -1, &s), CIMJOB_RC_SUCCESS);
            assert_true(s == CIMJOB_JOB_STATE_KILLED || s == CIMJOB_JOB_STATE_TERMINATED);
        }
        cimjob_job_release(jobs[i]);
    }
    free(jobs);
    fx_free(f);
}

/* Regression (found by tests/stress): a KillJob without DeleteOnKill that arrives while a
 * KillJob(DeleteOnKill) is in progress must not cancel the deletion. */
static void test_delete_on_kill_sticky(void **state)
{
    (void)state;
    fx *f = fx_new(0);
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.kill_us = SEC; /* Shutting Down for a virtual second after the kill */
    assert_int_equal(cimjob_fake_set_default(f->fake, &o), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_set_auto_advance(f->fake, 0), CIMJOB_RC_SUCCESS);
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_ASYNC;
    for (int order = 0; order < 2; order++) {
        cimjob_job *j = fx_job(f, "sticky", 1);
        assert_int_equal(cimjob_kill_job_ex(j, !order, &ro), CIMJOB_RC_BUSY);
        assert_state(j, CIMJOB_JOB_STATE_SHUTTING_DOWN);
        assert_int_equal(cimjob_kill_job_ex(j, order, &ro), CIMJOB_RC_BUSY);
        assert_int_equal(cimjob_fake_advance(f->fake, 2 * SEC), CIMJOB_RC_SUCCESS);
        cimjob_job *found = NULL;
        assert_int_equal(cimjob_find(f->reg, cimjob_job_instance_id(j), &found),
                         CIMJOB_RC_NOT_FOUND);
        cimjob_info i = CIMJOB_INFO_INIT;
        assert_int_equal(cimjob_query(j, &i), CIMJOB_RC_NOT_FOUND);
        cimjob_job_release(j);
    }
    assert_int_equal(fx_count(f), 0);
    fx_free(f);
}

/* Regression (found by tests/stress): KillJob(DeleteOnKill) answers Success only once the job
 * is out of the registry, even when another thread reported the end (and was about to remove
 * it) while the caller waited. A user backend whose exits are reported by a thread of its own:
 * the waiting caller wakes at the final state while the reporter is still in the library. */
/* A C11 spin lock: portable to MinGW (no pthreads there) and held for a few instructions. */
static atomic_flag g_report_lock = ATOMIC_FLAG_INIT;
static void report_lock(void)
{
    while (atomic_flag_test_and_set(&g_report_lock))
        ;
}
static void report_unlock(void)
{
    atomic_flag_clear(&g_report_lock);
}
/* The core asks again (kill retries) until the end is reported: each job is queued once, or a
 * second entry could be reported after the job's removal freed it. */
struct rb_job {
    cimjob_job *job;
    int queued; /* under g_report_lock */
};
static struct rb_job *g_to_report[64];
static int g_nreport;
static atomic_int g_reporter_stop;

static cimjob_rc rb_open(const cimjob_backend_host *host, void *config, void **state)
{
    (void)host;
    (void)config;
    *state = NULL;
    return CIMJOB_RC_SUCCESS;
}
static void rb_close(void *state)
{
    (void)state;
}
static cimjob_rc rb_spawn(void *state, cimjob_job *job, const cimjob_job_options *opts,
                          void **job_state)
{
    (void)state;
    (void)opts;
    struct rb_job *b = calloc(1, sizeof *b);
    if (b == NULL)
        return CIMJOB_RC_NO_MEMORY;
    b->job = job;
    *job_state = b;
    return CIMJOB_RC_SUCCESS;
}
static cimjob_rc rb_kill(void *state, void *job_state)
{
    (void)state;
    struct rb_job *b = job_state;
    report_lock();
    if (!b->queued && g_nreport < 64) {
        b->queued = 1;
        g_to_report[g_nreport++] = b;
    }
    report_unlock();
    return CIMJOB_RC_SUCCESS;
}
static void rb_release(void *state, void *job_state)
{
    (void)state;
    free(job_state); /* popped already: the job ended, which only its one report does */
}

static void reporter(void *arg)
{
    (void)arg;
    while (!atomic_load(&g_reporter_stop)) {
        report_lock();
        cimjob_job *j = g_nreport ? g_to_report[--g_nreport]->job : NULL;
        report_unlock();
        if (j) {
            cimjob_backend_result r = CIMJOB_BACKEND_RESULT_INIT;
            cimjob_backend_report_exit(j, &r);
        }
    }
}

static void test_delete_on_kill_removed_on_return(void **state)
{
    (void)state;
    static const cimjob_backend be = {CIMJOB_BACKEND_VERSION,
                                      "reported",
                                      0,
                                      rb_open,
                                      rb_close,
                                      rb_spawn,
                                      NULL,
                                      rb_kill,
                                      NULL,
                                      NULL,
                                      NULL,
                                      rb_release,
                                      NULL,
                                      NULL,
                                      NULL,
                                      NULL,
                                      NULL,
                                      NULL};
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = &be;
    cimjob_registry *reg = NULL;
    assert_int_equal(cimjob_registry_new(&ro, &reg), CIMJOB_RC_SUCCESS);
    atomic_store(&g_reporter_stop, 0);
    test_thread t;
    assert_int_equal(test_thread_create(&t, reporter, NULL), 0);
    int still_there = 0;
    for (int i = 0; i < 3000; i++) {
        cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
        o.name = "gone";
        o.flags = CIMJOB_JOB_START;
        cimjob_job *j = NULL;
        assert_int_equal(cimjob_create(reg, &o, &j), CIMJOB_RC_SUCCESS);
        cimjob_rc krc = cimjob_kill_job(j, 1);
        if (krc != CIMJOB_RC_SUCCESS)
            fail_msg("iteration %d: KillJob answered %d (%s), job %s", i, krc, cimjob_last_error(),
                     cimjob_job_state_name((int)st(j)));
        cimjob_job *found = NULL;
        if (cimjob_find(reg, cimjob_job_instance_id(j), &found) != CIMJOB_RC_NOT_FOUND)
            still_there++;
        cimjob_job_release(found);
        cimjob_job_release(j);
    }
    atomic_store(&g_reporter_stop, 1);
    test_thread_join(t);
    assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
    if (still_there)
        fail_msg("%d of 3000 jobs still in the registry after KillJob(DeleteOnKill) succeeded",
                 still_there);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hammer),
        cmocka_unit_test(test_kill_terminate_race),
        cmocka_unit_test(test_delete_on_kill_sticky),
        cmocka_unit_test(test_delete_on_kill_removed_on_return),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
