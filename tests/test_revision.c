/*
 * cimjob_job_revision(): the revision moves at every change of what cimjob_query(),
 * cimjob_job_settings_get() and cimjob_get_errors() report, and never on a read or on time
 * passing (ElapsedTime aside). Each test walks jobs on the fake backend through transitions
 * and setters; after every step a watcher compares the whole snapshot with the one before, so
 * a change the core forgets to count fails here even where the step was not expected to
 * change anything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_common.h"

#define MIN  (60 * SEC)
#define HOUR (60 * MIN)

/* What a client can see of a job, ElapsedTime aside, and the revision it was read at. */
typedef struct seen {
    uint64_t rev;
    cimjob_info info;
    cimjob_job_settings set;
    size_t nerrors;
    int last_error;          /* its cimjob_message */
    int64_t last_error_time; /* when it was recorded */
} seen;

static void look(cimjob_job *j, seen *s)
{
    memset(s, 0, sizeof *s); /* padding and string tails too: compared with memcmp */
    uint64_t elapsed = UINT64_MAX;
    assert_int_equal(cimjob_job_revision(j, &s->rev, &elapsed), CIMJOB_RC_SUCCESS);
    s->info.version = CIMJOB_INFO_VERSION;
    s->set.version = CIMJOB_JOB_SETTINGS_VERSION;
    assert_int_equal(cimjob_query(j, &s->info), CIMJOB_RC_SUCCESS);
    /* Its ElapsedTime is read without the job's lock, from a clock the core keeps beside the
     * fields cimjob_query() computes it from: after every step, in every state (not started,
     * running, suspended, between runs, ended), both must agree. */
    if (elapsed != s->info.elapsed_time_us)
        fail_msg("ElapsedTime %llu us from cimjob_job_revision(), %llu us from cimjob_query() "
                 "(JobState %d)",
                 (unsigned long long)elapsed, (unsigned long long)s->info.elapsed_time_us,
                 (int)s->info.job_state);
    s->info.elapsed_time_us = 0;
    assert_int_equal(cimjob_job_settings_get(j, &s->set), CIMJOB_RC_SUCCESS);
    cimjob_error *e = NULL;
    assert_int_equal(cimjob_get_errors(j, CIMJOB_ERROR_VERSION, &e, &s->nerrors),
                     CIMJOB_RC_SUCCESS);
    if (s->nerrors) {
        s->last_error = (int)e[s->nerrors - 1].message_number;
        s->last_error_time = e[s->nerrors - 1].time_us;
    }
    cimjob_errors_free(e);
    /* Nothing changed while it was read (the fake's clock only moves when told to). */
    uint64_t again = 0;
    assert_int_equal(cimjob_job_revision(j, &again, NULL), CIMJOB_RC_SUCCESS);
    assert_true(again == s->rev);
}

static int same(const seen *a, const seen *b)
{
    return memcmp(&a->info, &b->info, sizeof a->info) == 0 &&
           memcmp(&a->set, &b->set, sizeof a->set) == 0 && a->nerrors == b->nerrors &&
           a->last_error == b->last_error && a->last_error_time == b->last_error_time;
}

/* The job now against what was seen before: a different snapshot has a different revision,
 * and revisions never go back. Returns whether the revision moved; @p w becomes the new view. */
static int step(cimjob_job *j, seen *w, const char *what)
{
    seen now;
    look(j, &now);
    if (!same(&now, w) && now.rev == w->rev)
        fail_msg("%s: the job changed but its revision stayed %llu", what,
                 (unsigned long long)now.rev);
    if (now.rev < w->rev)
        fail_msg("%s: the revision went back from %llu to %llu", what, (unsigned long long)w->rev,
                 (unsigned long long)now.rev);
    int moved = now.rev != w->rev;
    *w = now;
    return moved;
}

static void moved(cimjob_job *j, seen *w, const char *what)
{
    if (!step(j, w, what))
        fail_msg("%s: the revision did not move", what);
}

static void still(cimjob_job *j, seen *w, const char *what)
{
    if (step(j, w, what))
        fail_msg("%s: the revision moved without a change", what);
}

static cimjob_job_settings settings(cimjob_job *j)
{
    cimjob_job_settings s = CIMJOB_JOB_SETTINGS_INIT;
    assert_int_equal(cimjob_job_settings_get(j, &s), CIMJOB_RC_SUCCESS);
    return s;
}

static void modify(cimjob_job *j, const cimjob_job_settings *s, uint32_t mask)
{
    assert_int_equal(cimjob_job_modify(j, s, mask, NULL), CIMJOB_RC_SUCCESS);
}

static cimjob_rsc_rc request(cimjob_job *j, int requested, uint64_t timeout_us, unsigned flags)
{
    cimjob_request_options o = CIMJOB_REQUEST_OPTIONS_INIT;
    o.timeout_us = timeout_us;
    o.flags = flags;
    return cimjob_request_state_change_ex(j, requested, &o);
}

static void test_bad_arguments(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "args", 0);
    uint64_t rev = 0, el = 1;
    assert_int_equal(cimjob_job_revision(NULL, &rev, NULL), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_job_revision(j, NULL, &el), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_job_revision(j, &rev, &el), CIMJOB_RC_SUCCESS);
    assert_true(rev != 0);
    assert_true(el == 0); /* never started */
    cimjob_job_release(j);
}

/* Reads and time passing never move it; ElapsedTime comes with it, as cimjob_query() has it. */
static void test_reads_and_time(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "reads", 1);
    seen w;
    look(j, &w);
    still(j, &w, "a second read");
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cimjob_fake_advance(f->fake, 5 * SEC), CIMJOB_RC_SUCCESS);
        still(j, &w, "time passing while Running");
        uint64_t rev = 0, el = 0;
        assert_int_equal(cimjob_job_revision(j, &rev, &el), CIMJOB_RC_SUCCESS);
        assert_true(rev == w.rev);
        assert_true(el == q(j).elapsed_time_us);
        assert_true(el == (uint64_t)((i + 1) * 5 * SEC));
    }
    cimjob_job_release(j);
}

/* Every writable property, one at a time, then all back; a modification that changes nothing
 * changes no revision. */
static void test_every_setter(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "setters", 1);
    seen w;
    look(j, &w);
    cimjob_job_settings s = settings(j);
    s.delete_on_completion = !s.delete_on_completion;
    modify(j, &s, CIMJOB_PROPERTY_DELETE_ON_COMPLETION);
    moved(j, &w, "DeleteOnCompletion");
    s.time_before_removal_us += 7 * SEC;
    modify(j, &s, CIMJOB_PROPERTY_TIME_BEFORE_REMOVAL);
    moved(j, &w, "TimeBeforeRemoval");
    s.priority += 3;
    modify(j, &s, CIMJOB_PROPERTY_PRIORITY);
    moved(j, &w, "Priority");
    s.job_run_times = 4;
    modify(j, &s, CIMJOB_PROPERTY_JOB_RUN_TIMES);
    moved(j, &w, "JobRunTimes");
    s.until_time_us = FAKE_EPOCH + 48 * HOUR;
    modify(j, &s, CIMJOB_PROPERTY_UNTIL_TIME);
    moved(j, &w, "UntilTime");
    snprintf(s.notify, sizeof s.notify, "ops@example.com");
    modify(j, &s, CIMJOB_PROPERTY_NOTIFY);
    moved(j, &w, "Notify");
    snprintf(s.other_recovery_action, sizeof s.other_recovery_action, "page the operator");
    modify(j, &s, CIMJOB_PROPERTY_OTHER_RECOVERY_ACTION);
    moved(j, &w, "OtherRecoveryAction");
    s.recovery_action = CIMJOB_RECOVERY_OTHER;
    modify(j, &s, CIMJOB_PROPERTY_RECOVERY_ACTION);
    moved(j, &w, "RecoveryAction");
    s.run_start_interval_us = 2 * HOUR;
    s.run_day_of_week = 3;
    modify(j, &s, CIMJOB_PROPERTY_SCHEDULE);
    moved(j, &w, "the schedule");
    /* The same values again: nothing changed. */
    modify(j, &s, CIMJOB_PROPERTIES_WRITABLE);
    still(j, &w, "a modification to the same values");
    /* A refused modification changes nothing either. */
    cimjob_job_settings bad = s;
    bad.recovery_action = CIMJOB_RECOVERY_OTHER;
    bad.other_recovery_action[0] = '\0';
    assert_int_equal(cimjob_job_modify(j, &bad, CIMJOB_PROPERTY_OTHER_RECOVERY_ACTION, NULL),
                     CIMJOB_RC_INVALID_PARAMETER);
    still(j, &w, "a refused modification");
    cimjob_job_settings def = CIMJOB_JOB_SETTINGS_INIT;
    modify(j, &def, CIMJOB_PROPERTIES_WRITABLE);
    moved(j, &w, "every property back to its default");
    /* What the work reports about itself. */
    assert_int_equal(cimjob_set_percent_complete(j, 40), CIMJOB_RC_SUCCESS);
    moved(j, &w, "PercentComplete");
    assert_int_equal(cimjob_set_percent_complete(j, 40), CIMJOB_RC_SUCCESS);
    still(j, &w, "the same PercentComplete");
    assert_int_equal(cimjob_set_job_status(j, "copying"), CIMJOB_RC_SUCCESS);
    moved(j, &w, "JobStatus");
    assert_int_equal(cimjob_set_job_status(j, ""), CIMJOB_RC_SUCCESS);
    moved(j, &w, "JobStatus cleared");
    cimjob_job_release(j);
}

/* Start, Suspend, Start, Service, Start, a Terminate that escalates to a kill, then the end
 * and the removal. */
static void test_every_transition(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.terminate_us = -1; /* ignores Terminate: the core escalates */
    fx_push(f, &o);
    cimjob_job *j = fx_job(f, "walk", 0);
    seen w;
    look(j, &w);
    assert_int_equal(request(j, CIMJOB_REQUEST_START, 0, 0), CIMJOB_RSC_COMPLETED);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    moved(j, &w, "Start");
    assert_int_equal(cimjob_fake_advance(f->fake, SEC), CIMJOB_RC_SUCCESS);
    still(j, &w, "running");
    assert_int_equal(request(j, CIMJOB_REQUEST_SUSPEND, 0, 0), CIMJOB_RSC_COMPLETED);
    assert_state(j, CIMJOB_JOB_STATE_SUSPENDED);
    moved(j, &w, "Suspend");
    assert_int_equal(cimjob_fake_advance(f->fake, SEC), CIMJOB_RC_SUCCESS);
    still(j, &w, "suspended");
    assert_int_equal(request(j, CIMJOB_REQUEST_START, 0, 0), CIMJOB_RSC_COMPLETED);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    moved(j, &w, "Start (resume)");
    assert_int_equal(request(j, CIMJOB_REQUEST_SERVICE, 0, 0), CIMJOB_RSC_COMPLETED);
    assert_state(j, CIMJOB_JOB_STATE_SERVICE);
    moved(j, &w, "Service");
    assert_int_equal(request(j, CIMJOB_REQUEST_START, 0, 0), CIMJOB_RSC_COMPLETED);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    moved(j, &w, "Start (from Service)");
    /* A reserved RequestedState and a Start of a running job change nothing. */
    assert_int_equal(request(j, 7, 0, 0), CIMJOB_RSC_INVALID_PARAMETER);
    still(j, &w, "a reserved RequestedState");
    assert_int_equal(cimjob_fake_set_auto_advance(f->fake, 0), CIMJOB_RC_SUCCESS);
    assert_int_equal(request(j, CIMJOB_REQUEST_TERMINATE, 2 * SEC, CIMJOB_REQUEST_ASYNC),
                     CIMJOB_RSC_TRANSITION_STARTED);
    assert_state(j, CIMJOB_JOB_STATE_SHUTTING_DOWN);
    moved(j, &w, "Terminate");
    assert_int_equal(cimjob_fake_advance(f->fake, SEC), CIMJOB_RC_SUCCESS);
    still(j, &w, "within the Terminate's grace");
    assert_int_equal(cimjob_fake_advance(f->fake, SEC), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_registry_run(f->reg, 0), CIMJOB_RC_SUCCESS);
    moved(j, &w, "the escalation and the kill");
    assert_true(q(j).escalated);
    assert_state(j, CIMJOB_JOB_STATE_TERMINATED);
    assert_int_equal(cimjob_fake_advance(f->fake, SEC), CIMJOB_RC_SUCCESS);
    still(j, &w, "ended");
    assert_int_equal(cimjob_remove(f->reg, j), CIMJOB_RC_SUCCESS);
    uint64_t rev;
    assert_int_equal(cimjob_job_revision(j, &rev, NULL), CIMJOB_RC_NOT_FOUND);
    cimjob_job_release(j);
}

/* The ends: by itself (Completed, Exception), a failed start, KillJob. */
static void test_ends(void **state)
{
    fx *f = *state;
    cimjob_job *a = fx_job(f, "completes", 1), *b = fx_job(f, "fails", 1);
    seen wa, wb;
    look(a, &wa);
    look(b, &wb);
    assert_int_equal(cimjob_fake_finish(f->fake, a, 0, NULL), CIMJOB_RC_SUCCESS);
    assert_state(a, CIMJOB_JOB_STATE_COMPLETED);
    moved(a, &wa, "Completed");
    still(b, &wb, "another job's end");
    assert_int_equal(cimjob_fake_finish(f->fake, b, 3, "exit 3"), CIMJOB_RC_SUCCESS);
    assert_state(b, CIMJOB_JOB_STATE_EXCEPTION);
    moved(b, &wb, "Exception");

    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.spawn_rc = CIMJOB_RC_OS_ERROR;
    fx_push(f, &o);
    cimjob_job *c = fx_job(f, "no start", 0);
    seen wc;
    look(c, &wc);
    assert_int_equal(request(c, CIMJOB_REQUEST_START, 0, 0), CIMJOB_RSC_FAILED);
    assert_state(c, CIMJOB_JOB_STATE_EXCEPTION);
    moved(c, &wc, "a failed start");

    cimjob_job *d = fx_job(f, "killed", 1);
    seen wd;
    look(d, &wd);
    assert_int_equal(cimjob_kill_job(d, 0), CIMJOB_RC_SUCCESS);
    assert_state(d, CIMJOB_JOB_STATE_KILLED);
    moved(d, &wd, "KillJob");
    /* Terminate of a New job: no start, an end. */
    cimjob_job *e = fx_job(f, "never started", 0);
    seen we;
    look(e, &we);
    assert_int_equal(request(e, CIMJOB_REQUEST_TERMINATE, 0, 0), CIMJOB_RSC_COMPLETED);
    assert_state(e, CIMJOB_JOB_STATE_TERMINATED);
    moved(e, &we, "Terminate of a New job");
    cimjob_job *all[] = {a, b, c, d, e};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        cimjob_job_release(all[i]);
}

/* The run queue: waiting for a slot, then admitted. */
static void test_queue(void **state)
{
    fx *f = *state;
    assert_int_equal(cimjob_registry_set_max_running(f->reg, 1), CIMJOB_RC_SUCCESS);
    cimjob_job *a = fx_job(f, "first", 1), *b = fx_job(f, "second", 0);
    seen w;
    look(b, &w);
    assert_int_equal(request(b, CIMJOB_REQUEST_START, 0, 0), CIMJOB_RSC_TRANSITION_STARTED);
    assert_int_equal(q(b).waiting, CIMJOB_WAITING_QUEUE);
    moved(b, &w, "waiting for a run slot");
    assert_int_equal(cimjob_fake_finish(f->fake, a, 0, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_registry_run(f->reg, 0), CIMJOB_RC_SUCCESS);
    assert_state(b, CIMJOB_JOB_STATE_RUNNING);
    moved(b, &w, "admitted");
    cimjob_job_release(a);
    cimjob_job_release(b);
}

/* A recurring job: planned, run, between runs, run again, its last run; then UntilTime. */
static void test_schedule(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 10 * MIN;
    fx_push(f, &o);
    fx_push(f, &o);
    assert_int_equal(cimjob_fake_set_auto_advance(f->fake, 0), CIMJOB_RC_SUCCESS);
    cimjob_job *j = fx_job(f, "nightly", 0);
    seen w;
    look(j, &w);
    cimjob_job_settings s = settings(j);
    s.job_run_times = 2;
    s.run_start_interval_us = HOUR;
    modify(j, &s, CIMJOB_PROPERTY_SCHEDULE | CIMJOB_PROPERTY_JOB_RUN_TIMES);
    assert_int_equal(q(j).waiting, CIMJOB_WAITING_SCHEDULE);
    moved(j, &w, "planned");
    assert_int_equal(cimjob_fake_advance(f->fake, HOUR), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    moved(j, &w, "the first run");
    assert_int_equal(cimjob_fake_advance(f->fake, 10 * MIN), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_SUSPENDED);
    assert_int_equal(q(j).runs, 1);
    moved(j, &w, "between runs");
    assert_int_equal(cimjob_fake_advance(f->fake, HOUR), CIMJOB_RC_SUCCESS);
    still(j, &w, "waiting for the next day");
    assert_int_equal(cimjob_fake_advance(f->fake, 23 * HOUR - 10 * MIN), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    moved(j, &w, "the second run");
    assert_int_equal(cimjob_fake_advance(f->fake, 10 * MIN), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_COMPLETED);
    moved(j, &w, "the last run's end");
    cimjob_job_release(j);

    /* UntilTime ends a running job (a CIM_Error, then the Terminate). */
    cimjob_job *u = fx_job(f, "until", 0);
    seen wu;
    look(u, &wu);
    cimjob_job_settings su = settings(u);
    su.until_time_us = FAKE_EPOCH + (int64_t)cimjob_fake_now(f->fake) + 30 * MIN;
    modify(u, &su, CIMJOB_PROPERTY_UNTIL_TIME);
    moved(u, &wu, "UntilTime");
    assert_int_equal(request(u, CIMJOB_REQUEST_START, 0, 0), CIMJOB_RSC_COMPLETED);
    moved(u, &wu, "Start");
    assert_int_equal(cimjob_fake_advance(f->fake, 30 * MIN), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_registry_run(f->reg, 0), CIMJOB_RC_SUCCESS);
    assert_state(u, CIMJOB_JOB_STATE_TERMINATED);
    moved(u, &wu, "UntilTime passed");
    cimjob_job_release(u);
}

/* A refused request changes nothing. */
static void test_refused(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "refused", 1);
    assert_int_equal(cimjob_fake_finish(f->fake, j, 2, "no"), CIMJOB_RC_SUCCESS);
    assert_state(j, CIMJOB_JOB_STATE_EXCEPTION);
    seen w;
    look(j, &w);
    assert_true(w.nerrors > 0);
    /* Start of a final job is refused: nothing changes. */
    assert_int_equal(request(j, CIMJOB_REQUEST_START, 0, 0), CIMJOB_RSC_INVALID_STATE_TRANSITION);
    still(j, &w, "a refused Start");
    cimjob_job_release(j);
}

/* A request the backend fails leaves the state as it was but records a CIM_Error (GetErrors). */
static void test_failed_request(void **state)
{
    fx *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.suspend_rc = CIMJOB_RC_OS_ERROR;
    fx_push(f, &o);
    cimjob_job *j = fx_job(f, "no suspend", 1);
    seen w;
    look(j, &w);
    size_t before = w.nerrors;
    assert_int_equal(request(j, CIMJOB_REQUEST_SUSPEND, 0, 0), CIMJOB_RSC_FAILED);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    moved(j, &w, "a failed Suspend's CIM_Error");
    assert_true(w.nerrors == before + 1);
    cimjob_job_release(j);
}

static uint64_t gen(fx *f)
{
    uint64_t g = 0;
    assert_int_equal(cimjob_registry_generation(f->reg, &g), CIMJOB_RC_SUCCESS);
    return g;
}

/* cimjob_registry_generation(): it moves when a job enters or leaves the registry (by
 * cimjob_remove, KillJob(DeleteOnKill), DeleteOnCompletion), and never on a job's own
 * changes; a list taken at one generation is the registry's while the generation holds. */
static void test_generation(void **state)
{
    fx *f = *state;
    uint64_t g0 = gen(f);
    cimjob_job *a = fx_job(f, "a", 0);
    uint64_t g1 = gen(f);
    assert_true(g1 > g0);
    cimjob_job **jobs;
    size_t n;
    assert_int_equal(cimjob_registry_list(f->reg, &jobs, &n), CIMJOB_RC_SUCCESS);
    assert_int_equal(n, 1);
    assert_ptr_equal(jobs[0], a);
    cimjob_job_list_free(jobs, n);
    /* A job's own changes: start, suspend, a writable property, its end. */
    assert_int_equal(request(a, CIMJOB_REQUEST_START, 0, 0), CIMJOB_RSC_COMPLETED);
    assert_int_equal(request(a, CIMJOB_REQUEST_SUSPEND, 0, 0), CIMJOB_RSC_COMPLETED);
    cimjob_job_settings s = settings(a);
    s.priority = 7;
    modify(a, &s, CIMJOB_PROPERTY_PRIORITY);
    assert_int_equal(cimjob_fake_finish(f->fake, a, 0, NULL), CIMJOB_RC_SUCCESS);
    assert_true(gen(f) == g1);
    /* Leaving: cimjob_remove. */
    assert_int_equal(cimjob_remove(f->reg, a), CIMJOB_RC_SUCCESS);
    uint64_t g2 = gen(f);
    assert_true(g2 > g1);
    /* KillJob(DeleteOnKill). */
    cimjob_job *b = fx_job(f, "b", 1);
    uint64_t g3 = gen(f);
    assert_true(g3 > g2);
    assert_int_equal(cimjob_kill_job(b, 1), CIMJOB_RC_SUCCESS);
    assert_true(gen(f) > g3);
    /* DeleteOnCompletion. */
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "c";
    o.flags = CIMJOB_JOB_START;
    o.delete_on_completion = 1;
    cimjob_job *c = NULL;
    assert_int_equal(cimjob_create(f->reg, &o, &c), CIMJOB_RC_SUCCESS);
    uint64_t g4 = gen(f);
    assert_int_equal(cimjob_fake_finish(f->fake, c, 0, NULL), CIMJOB_RC_SUCCESS);
    assert_true(gen(f) == g4); /* ended, kept for its TimeBeforeRemoval */
    assert_int_equal(cimjob_fake_advance(f->fake, HOUR), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_registry_run(f->reg, 0), CIMJOB_RC_SUCCESS);
    assert_true(gen(f) > g4);
    assert_int_equal(cimjob_registry_count(f->reg, &n), CIMJOB_RC_SUCCESS);
    assert_int_equal(n, 0);
    cimjob_job_release(a);
    cimjob_job_release(b);
    cimjob_job_release(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_arguments, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reads_and_time, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_every_setter, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_every_transition, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_ends, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_queue, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_schedule, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_failed_request, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_generation, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
