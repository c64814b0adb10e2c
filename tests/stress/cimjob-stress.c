/*
 * Suite "stress" (built for ThreadSanitizer: tools/tsan.sh): 8 threads share one registry and,
 * for a bounded number of operations, create jobs, query them, request every state change (all
 * five requests, synchronous and CIMJOB_REQUEST_ASYNC, with and without TimeoutPeriod), KillJob
 * with and without DeleteOnKill, remove, find, list, wait and dispatch, on jobs picked at random
 * from every thread's. Then the invariants:
 *   - every answer was a documented one, every JobState ever seen is in 2..12;
 *   - a final state, once seen, never changes, and no callback leaves a final state;
 *   - after the quiescent phase every job in the registry is final, the registry's count and
 *     list agree with what the threads created minus what they removed, a removed job is never
 *     found again, a job not removed is always found;
 *   - posix: no process of any job is left (every job carries a tag in its environment that is
 *     searched for in /proc), and no job cgroup is left after cimjob_registry_free().
 *
 *   cimjob-stress fake|posix [--ops N] [--seed S] [-v]
 *
 * "fake" scripts mixed outcomes on the fake backend (clock moved by the threads); "posix" runs
 * real short-lived processes (true, sleep 0.05, exit 3, a shell that ignores SIGTERM) on every
 * containment path. Exit status 0 when every invariant holds.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cimjob/cimjob.h>
#include <cimjob/fake.h>
#include <cimjob/posix.h>
#include "../procscan.h"

#define THREADS 8
#define MS      INT64_C(1000)
#define SEC     INT64_C(1000000)

/* ---- shared state -------------------------------------------------------------------------- */

typedef struct tracked {
    cimjob_job *job; /* the table's own reference, released at the end */
    char id[CIMJOB_INSTANCE_ID_MAX + 1];
    atomic_int final;   /* the first final state seen, 0 before */
    atomic_int removed; /* 1: removed for certain (remove, or KillJob(DeleteOnKill) succeeded) */
    atomic_int maybe;   /* 1: a KillJob(DeleteOnKill) was asked for (it may have removed it) */
    atomic_int pending; /* 1: a remove or KillJob(DeleteOnKill) was called (may be in progress) */
} tracked;

static struct {
    int posix;
    long ops;
    int verbose;
    cimjob_registry *reg;
    cimjob_fake *fake;
    char tag[64]; /* CIMJOB_STRESS_TAG=<pid>-<time> in every posix job's environment */
    char *envp_tag;
    const char *const *envp;

    pthread_mutex_t lock; /* guards the table's growth */
    tracked *jobs;
    size_t njobs, cap;

    atomic_long bad;
    atomic_long events;
    atomic_long op_count[12];
    char first_bad[512];
    atomic_flag first_bad_set;
} g;

__attribute__((format(printf, 1, 2))) static void bad(const char *fmt, ...)
{
    atomic_fetch_add(&g.bad, 1);
    if (!atomic_flag_test_and_set(&g.first_bad_set)) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(g.first_bad, sizeof g.first_bad, fmt, ap);
        va_end(ap);
    }
    if (g.verbose) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "cimjob-stress: ");
        vfprintf(stderr, fmt, ap);
        fprintf(stderr, "\n");
        va_end(ap);
    }
}

static unsigned rnd(unsigned *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static int valid_state(int s)
{
    return s >= CIMJOB_JOB_STATE_NEW && s <= CIMJOB_JOB_STATE_QUERY_PENDING;
}

/* A random tracked job (the table only grows; its references live until the end). */
static tracked *pick(unsigned *s)
{
    tracked *t = NULL;
    pthread_mutex_lock(&g.lock);
    if (g.njobs > 0)
        t = &g.jobs[rnd(s) % g.njobs];
    pthread_mutex_unlock(&g.lock);
    return t;
}

static void note_state(tracked *t, int state, const char *where)
{
    if (!valid_state(state)) {
        bad("%s: %s in JobState %d", where, t->id, state);
        return;
    }
    if (!cimjob_job_state_is_final(state))
        return;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&t->final, &expected, state) && expected != state)
        bad("%s: %s was %s, now %s: a final state changed", where, t->id,
            cimjob_job_state_name(expected), cimjob_job_state_name(state));
}

static void on_change(const cimjob_event *e, void *ud)
{
    (void)ud;
    atomic_fetch_add(&g.events, 1);
    if (!valid_state((int)e->old_state) || !valid_state((int)e->new_state) ||
        e->old_state == e->new_state || cimjob_job_state_is_final((int)e->old_state))
        bad("event %s: %d -> %d", e->instance_id, (int)e->old_state, (int)e->new_state);
}

static void query(tracked *t, const char *where)
{
    int removed_before = atomic_load(&t->removed);
    cimjob_info i = CIMJOB_INFO_INIT;
    cimjob_rc rc = cimjob_query(t->job, &i);
    if (rc == CIMJOB_RC_NOT_FOUND)
        return;
    if (rc != CIMJOB_RC_SUCCESS) {
        bad("%s: query %s answered %d", where, t->id, rc);
        return;
    }
    if (removed_before)
        bad("%s: query of %s succeeded after %s", where, t->id,
            removed_before == 2 ? "KillJob(DeleteOnKill) answered Success" : "remove");
    if (strcmp(i.instance_id, t->id) != 0 || i.percent_complete > 100)
        bad("%s: query of %s: id %s, percent %u", where, t->id, i.instance_id, i.percent_complete);
    note_state(t, (int)i.job_state, where);
}

/* ---- the operations ------------------------------------------------------------------------ */

static void op_create(unsigned *s, int thread, long n)
{
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    char name[64];
    snprintf(name, sizeof name, "stress-%d-%ld", thread, n);
    o.name = name;
    o.flags = rnd(s) % 4 ? CIMJOB_JOB_START : 0;
    o.delete_on_completion = 0; /* only the threads remove: the count stays checkable */
    o.on_state_change = rnd(s) % 2 ? on_change : NULL;
    const char *const prog[][5] = {
        {"/bin/true", NULL},          {"sleep", "0.05", NULL},
        {"sh", "-c", "exit 3", NULL}, {"sh", "-c", "trap '' TERM; sleep 1", NULL},
        {"sleep", "0.3", NULL},
    };
    if (g.posix) {
        o.argv = prog[rnd(s) % 5];
        o.envp = g.envp;
        o.stdio[0].mode = CIMJOB_STDIO_NULL;
        static const cimjob_containment conts[] = {
            CIMJOB_CONTAINMENT_AUTO, CIMJOB_CONTAINMENT_CGROUP, CIMJOB_CONTAINMENT_SUBREAPER,
            CIMJOB_CONTAINMENT_PGROUP};
        o.containment = conts[rnd(s) % 4];
    } else {
        /* The next job to start gets one of the mixed outcomes (which one is racy, on purpose). */
        cimjob_fake_outcome fo = CIMJOB_FAKE_OUTCOME_INIT;
        switch (rnd(s) % 6) {
        case 0:
            fo.run_us = (int64_t)(rnd(s) % 500) * MS; /* completes */
            break;
        case 1:
            fo.run_us = (int64_t)(rnd(s) % 500) * MS; /* exception */
            fo.error_code = 3;
            fo.error_description = "exited with status 3";
            break;
        case 2:
            fo.terminate_us = -1; /* ignores Terminate: escalation */
            fo.kill_us = (int64_t)(rnd(s) % 3) * 10 * MS;
            break;
        case 3:
            fo.spawn_rc = CIMJOB_RC_OS_ERROR; /* cannot start */
            break;
        case 4:
            fo.terminate_us = 200 * MS;
            fo.report_progress = 1;
            fo.run_us = SEC;
            break;
        default:
            fo.suspend_rc = rnd(s) % 2 ? CIMJOB_RC_SUCCESS : CIMJOB_RC_FAILED;
            break;
        }
        if (cimjob_fake_push(g.fake, &fo) != CIMJOB_RC_SUCCESS)
            bad("fake push");
    }
    cimjob_job *job = NULL;
    cimjob_rc rc = cimjob_create(g.reg, &o, &job);
    if (rc != CIMJOB_RC_SUCCESS) {
        bad("create answered %d (%s)", rc, cimjob_last_error());
        return;
    }
    pthread_mutex_lock(&g.lock);
    if (g.njobs == g.cap) {
        /* Never reallocated: pick() hands out pointers into the table. Sized up front. */
        pthread_mutex_unlock(&g.lock);
        bad("job table full");
        cimjob_kill_job(job, 0);
        cimjob_job_release(job);
        return;
    }
    tracked *t = &g.jobs[g.njobs];
    t->job = job;
    snprintf(t->id, sizeof t->id, "%s", cimjob_job_instance_id(job));
    g.njobs++;
    pthread_mutex_unlock(&g.lock);
}

static void check_rsc(tracked *t, int req, int rsc, int async)
{
    switch (rsc) {
    case CIMJOB_RSC_COMPLETED:
    case CIMJOB_RSC_TIMEOUT:
    case CIMJOB_RSC_INVALID_STATE_TRANSITION:
    case CIMJOB_RSC_BUSY:
        return;
    case CIMJOB_RSC_NOT_SUPPORTED: /* Service */
        if (req == CIMJOB_REQUEST_SERVICE)
            return;
        break;
    case CIMJOB_RSC_FAILED: /* a failed start or (fake) suspend */
        if (req == CIMJOB_REQUEST_START || req == CIMJOB_REQUEST_SUSPEND)
            return;
        break;
    case CIMJOB_RSC_TRANSITION_STARTED:
        if (async)
            return;
        break;
    default:
        break;
    }
    bad("RequestStateChange(%s%s) on %s answered %d (%s)", cimjob_requested_state_name(req),
        async ? ", async" : "", t->id, rsc, cimjob_rsc_rc_name(rsc));
}

static void op_request(unsigned *s)
{
    tracked *t = pick(s);
    if (t == NULL)
        return;
    int req = CIMJOB_REQUEST_START + (int)(rnd(s) % 5);
    int async = (int)(rnd(s) % 2);
    int rsc;
    if (rnd(s) % 4 == 0) {
        /* The CIM interface: TimeoutPeriod as an interval string, or NULL. */
        static const char *const periods[] = {NULL, "00000000000000.000000:000",
                                              "00000000000000.200000:000"};
        const char *p = periods[rnd(s) % 3];
        async = 0;
        rsc = cimjob_request_state_change(t->job, (cimjob_requested_state)req, p);
    } else {
        cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
        ro.flags = async ? CIMJOB_REQUEST_ASYNC : 0;
        static const uint64_t timeouts[] = {0, 50000, 300000};
        ro.timeout_us = timeouts[rnd(s) % 3];
        rsc = cimjob_request_state_change_ex(t->job, (cimjob_requested_state)req, &ro);
    }
    check_rsc(t, req, rsc, async);
}

static void op_kill(unsigned *s)
{
    tracked *t = pick(s);
    if (t == NULL)
        return;
    int del = (int)(rnd(s) % 2);
    int async = (int)(rnd(s) % 2);
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = async ? CIMJOB_REQUEST_ASYNC : 0;
    if (del) {
        atomic_store(&t->maybe, 1); /* before the call: a concurrent find may miss it already */
        atomic_store(&t->pending, 1);
    }
    cimjob_rc rc = cimjob_kill_job_ex(t->job, del, &ro);
    switch (rc) {
    case CIMJOB_RC_SUCCESS:
        if (del && !async)
            atomic_store(&t->removed, 2);
        return;
    case CIMJOB_RC_TIMEOUT:
    case CIMJOB_RC_INVALID_STATE:
    case CIMJOB_RC_NOT_FOUND:
        return;
    case CIMJOB_RC_BUSY:
        if (async)
            return;
        break;
    default:
        break;
    }
    bad("KillJob(%d%s) on %s answered %d (%s)", del, async ? ", async" : "", t->id, rc,
        cimjob_rc_name(rc));
}

static void op_remove(unsigned *s)
{
    tracked *t = pick(s);
    if (t == NULL)
        return;
    atomic_store(&t->pending, 1);
    cimjob_rc rc = cimjob_remove(g.reg, t->job);
    switch (rc) {
    case CIMJOB_RC_SUCCESS:
        if (atomic_exchange(&t->removed, 1) && !atomic_load(&t->maybe))
            bad("remove of %s succeeded twice", t->id);
        {
            cimjob_info i = CIMJOB_INFO_INIT;
            if (cimjob_query(t->job, &i) != CIMJOB_RC_NOT_FOUND)
                bad("query after remove of %s", t->id);
        }
        return;
    case CIMJOB_RC_NOT_FOUND:
        if (!atomic_load(&t->removed) && !atomic_load(&t->pending))
            bad("remove of %s: Not Found, but nobody removed it", t->id);
        return;
    case CIMJOB_RC_INVALID_STATE:
        return;
    default:
        bad("remove of %s answered %d", t->id, rc);
    }
}

static void op_find(unsigned *s)
{
    tracked *t = pick(s);
    if (t == NULL)
        return;
    int removed_before = atomic_load(&t->removed);
    cimjob_job *j = NULL;
    cimjob_rc rc = cimjob_find(g.reg, t->id, &j);
    if (rc == CIMJOB_RC_SUCCESS) {
        if (j != t->job)
            bad("find %s gave another job", t->id);
        if (removed_before)
            bad("find %s succeeded after %s", t->id,
                removed_before == 2 ? "KillJob(DeleteOnKill) answered Success" : "remove");
        cimjob_job_release(j);
    } else if (rc == CIMJOB_RC_NOT_FOUND) {
        /* Only after a removal that started before the find returned. */
        if (!atomic_load(&t->removed) && !atomic_load(&t->pending))
            bad("find %s: Not Found, but nobody removed it", t->id);
    } else {
        bad("find %s answered %d", t->id, rc);
    }
}

static void op_list(void)
{
    cimjob_job **list = NULL;
    size_t n = 0, count = 0;
    if (cimjob_registry_list(g.reg, &list, &n) != CIMJOB_RC_SUCCESS)
        bad("list failed");
    for (size_t i = 0; i < n; i += 5) {
        cimjob_info info = CIMJOB_INFO_INIT;
        cimjob_rc rc = cimjob_query(list[i], &info);
        if (rc == CIMJOB_RC_SUCCESS && !valid_state((int)info.job_state))
            bad("listed %s in JobState %d", info.instance_id, (int)info.job_state);
        else if (rc != CIMJOB_RC_SUCCESS && rc != CIMJOB_RC_NOT_FOUND)
            bad("query of a listed job answered %d", rc);
    }
    cimjob_job_list_free(list, n);
    if (cimjob_registry_count(g.reg, &count) != CIMJOB_RC_SUCCESS)
        bad("count failed");
}

static void op_wait(unsigned *s)
{
    tracked *t = pick(s);
    if (t == NULL)
        return;
    cimjob_job_state st = CIMJOB_JOB_STATE_NEW;
    int64_t to = g.posix ? (int64_t)(rnd(s) % 3) * 20 * MS : (int64_t)(rnd(s) % 2) * SEC;
    cimjob_rc rc = cimjob_wait(t->job, 0, to, &st);
    if (rc == CIMJOB_RC_SUCCESS)
        note_state(t, (int)st, "wait");
    else if (rc != CIMJOB_RC_TIMEOUT && rc != CIMJOB_RC_NOT_FOUND)
        bad("wait on %s answered %d", t->id, rc);
}

static void op_pump(unsigned *s)
{
    if (g.posix) {
        cimjob_rc rc = rnd(s) % 2 ? cimjob_registry_dispatch(g.reg)
                                  : cimjob_registry_run(g.reg, (int64_t)(rnd(s) % 20) * MS);
        if (rc != CIMJOB_RC_SUCCESS)
            bad("dispatch/run answered %d", rc);
    } else if (cimjob_fake_advance(g.fake, (uint64_t)(rnd(s) % 300) * MS) != CIMJOB_RC_SUCCESS) {
        bad("fake advance failed");
    }
}

static void op_status(unsigned *s)
{
    tracked *t = pick(s);
    if (t == NULL)
        return;
    cimjob_rc rc = cimjob_set_job_status(t->job, rnd(s) % 2 ? "busy" : "");
    if (rc != CIMJOB_RC_SUCCESS && rc != CIMJOB_RC_NOT_FOUND)
        bad("set_job_status on %s answered %d", t->id, rc);
    if (!g.posix) {
        rc = cimjob_set_percent_complete(t->job, rnd(s) % 101);
        if (rc != CIMJOB_RC_SUCCESS && rc != CIMJOB_RC_NOT_FOUND && rc != CIMJOB_RC_INVALID_STATE)
            bad("set_percent_complete on %s answered %d", t->id, rc);
    }
}

typedef struct worker {
    int id;
    unsigned seed;
    pthread_t thread;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    unsigned s = w->seed;
    for (long i = 0; i < g.ops; i++) {
        unsigned op = rnd(&s) % 12;
        atomic_fetch_add(&g.op_count[op], 1);
        switch (op) {
        case 0:
        case 1:
            op_create(&s, w->id, i);
            break;
        case 2:
        case 3:
            if (pick(&s))
                query(pick(&s), "query");
            break;
        case 4:
        case 5:
            op_request(&s);
            break;
        case 6:
            op_kill(&s);
            break;
        case 7:
            op_remove(&s);
            break;
        case 8:
            op_find(&s);
            break;
        case 9:
            if (rnd(&s) % 2)
                op_list();
            else
                op_status(&s);
            break;
        case 10:
            op_wait(&s);
            break;
        default:
            op_pump(&s);
            break;
        }
    }
    return NULL;
}

/* ---- posix: what is left -------------------------------------------------------------------- */

/* ---- main ----------------------------------------------------------------------------------- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int usage(void)
{
    fprintf(stderr, "usage: cimjob-stress fake|posix [--ops N] [--seed S] [-v]\n");
    return 2;
}

int main(int argc, char **argv)
{
    unsigned seed = (unsigned)time(NULL);
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "posix") == 0)
        g.posix = 1;
    else if (strcmp(argv[1], "fake") != 0)
        return usage();
    g.ops = g.posix ? 400 : 4000;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc)
            g.ops = atol(argv[++i]);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = (unsigned)strtoul(argv[++i], NULL, 0);
        else if (strcmp(argv[i], "-v") == 0)
            g.verbose = 1;
        else
            return usage();
    }
    if (seed == 0)
        seed = 1;
    printf("cimjob-stress %s: %d threads x %ld operations, seed %u\n", argv[1], THREADS, g.ops,
           seed);
    fflush(stdout);
    int64_t t0 = now_ms();

    pthread_mutex_init(&g.lock, NULL);
    atomic_flag_clear(&g.first_bad_set);
    g.cap = (size_t)g.ops * THREADS; /* every operation could be a create */
    g.jobs = calloc(g.cap, sizeof *g.jobs);
    if (g.jobs == NULL)
        return 1;

    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.on_state_change = on_change;
    cimjob_posix_config pc = CIMJOB_POSIX_CONFIG_INIT;
    const char **envp = NULL;
    if (g.posix) {
        /* Orphans of killed trees come back here, not to a PID 1 that may never reap them;
         * they are reaped only after the registry is freed (the library's own children are
         * never taken from it). */
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        snprintf(g.tag, sizeof g.tag, "CIMJOB_STRESS_TAG=%d-%lld", (int)getpid(), (long long)t0);
        g.envp_tag = g.tag;
        extern char **environ;
        size_t n = 0;
        while (environ[n])
            n++;
        envp = calloc(n + 2, sizeof *envp);
        if (envp == NULL)
            return 1;
        for (size_t i = 0; i < n; i++)
            envp[i] = environ[i];
        envp[n] = g.tag;
        g.envp = envp;
        ro.backend = cimjob_backend_by_name("posix");
        ro.backend_config = &pc;
        ro.default_terminate_timeout_us = 300 * MS; /* a Terminate without TimeoutPeriod */
        ro.kill_timeout_us = 5 * SEC;
    } else {
        if (cimjob_fake_new(0, &g.fake) != CIMJOB_RC_SUCCESS)
            return 1;
        ro.backend = cimjob_fake_backend(g.fake);
        ro.backend_config = g.fake;
        ro.default_terminate_timeout_us = SEC;
    }
    cimjob_rc rc = cimjob_registry_new(&ro, &g.reg);
    if (rc != CIMJOB_RC_SUCCESS) {
        fprintf(stderr, "cimjob-stress: registry: %d %s\n", rc, cimjob_last_error());
        return 1;
    }

    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i].id = i;
        w[i].seed = seed * 2654435761u + (unsigned)i * 40503u + 1u;
        if (pthread_create(&w[i].thread, NULL, work, &w[i]) != 0)
            return 1;
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(w[i].thread, NULL);
    int64_t t1 = now_ms();

    /* Quiescent: end every job still in the registry, then check it all. */
    size_t removed = 0, maybe_gone = 0, present = 0, unfinished = 0;
    for (size_t i = 0; i < g.njobs; i++) {
        tracked *t = &g.jobs[i];
        cimjob_info info = CIMJOB_INFO_INIT;
        rc = cimjob_query(t->job, &info);
        if (rc == CIMJOB_RC_NOT_FOUND)
            continue;
        if (!cimjob_job_state_is_final((int)info.job_state)) {
            cimjob_rc k = cimjob_kill_job(t->job, 0);
            if (k != CIMJOB_RC_SUCCESS && k != CIMJOB_RC_INVALID_STATE && k != CIMJOB_RC_TIMEOUT &&
                k != CIMJOB_RC_BUSY)
                bad("final kill of %s answered %d", t->id, k);
            cimjob_job_state st;
            if (cimjob_wait(t->job, 0, g.posix ? 10 * SEC : -1, &st) != CIMJOB_RC_SUCCESS) {
                /* Say enough to find where it is stuck: the request answered, the state it
                 * was in before and is in now, its containment. */
                cimjob_info now = CIMJOB_INFO_INIT;
                (void)cimjob_query(t->job, &now);
                bad("%s did not end: final KillJob answered %d, JobState %s before, %s now, "
                    "containment %s, ErrorDescription '%s'",
                    t->id, k, cimjob_job_state_name((int)info.job_state),
                    cimjob_job_state_name((int)now.job_state),
                    cimjob_containment_name((int)now.containment), now.error_description);
                unfinished++;
            }
        }
    }
    for (size_t i = 0; i < g.njobs; i++) {
        tracked *t = &g.jobs[i];
        cimjob_info info = CIMJOB_INFO_INIT;
        rc = cimjob_query(t->job, &info);
        cimjob_job *found = NULL;
        cimjob_rc frc = cimjob_find(g.reg, t->id, &found);
        cimjob_job_release(found);
        if (rc == CIMJOB_RC_NOT_FOUND) {
            if (frc != CIMJOB_RC_NOT_FOUND)
                bad("%s: query Not Found but find %d", t->id, frc);
            if (atomic_load(&t->removed))
                removed++;
            else if (atomic_load(&t->maybe))
                maybe_gone++;
            else
                bad("%s is gone but nobody removed it", t->id);
            continue;
        }
        if (rc != CIMJOB_RC_SUCCESS) {
            bad("final query of %s answered %d", t->id, rc);
            continue;
        }
        if (atomic_load(&t->removed))
            bad("%s was removed but is still in the registry", t->id);
        if (frc != CIMJOB_RC_SUCCESS)
            bad("%s is queryable but find answered %d", t->id, frc);
        present++;
        note_state(t, (int)info.job_state, "final");
        if (!cimjob_job_state_is_final((int)info.job_state))
            bad("%s ended the run in %s", t->id, cimjob_job_state_name((int)info.job_state));
    }
    size_t count = 0, nlist = 0;
    cimjob_job **list = NULL;
    if (cimjob_registry_count(g.reg, &count) != CIMJOB_RC_SUCCESS ||
        cimjob_registry_list(g.reg, &list, &nlist) != CIMJOB_RC_SUCCESS)
        bad("count/list failed");
    cimjob_job_list_free(list, nlist);
    if (count != present || nlist != present || present + removed + maybe_gone != g.njobs)
        bad("registry count %zu, list %zu, present %zu + removed %zu + removed by DeleteOnKill "
            "%zu != created %zu",
            count, nlist, present, removed, maybe_gone, g.njobs);

    int left = 0;
    if (g.posix) {
        /* Every job is final: none of its processes may still run (give exiting ones 2 s). */
        for (int i = 0; i < 200 && (left = procscan_tagged(g.envp_tag, NULL)) > 0; i++)
            usleep(10000);
        if (left > 0) {
            procscan_tagged(g.envp_tag, "cimjob-stress");
            bad("%d processes of ended jobs still running", left);
        }
    }
    rc = cimjob_registry_free(g.reg);
    if (rc != CIMJOB_RC_SUCCESS)
        bad("registry_free answered %d", rc);
    if (g.posix) {
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        if ((left = procscan_tagged(g.envp_tag, "cimjob-stress")) > 0)
            bad("%d processes left after registry_free", left);
        if ((left = procscan_job_cgroups_left("cimjob-stress")) > 0)
            bad("%d job cgroups left after registry_free", left);
    }
    for (size_t i = 0; i < g.njobs; i++)
        cimjob_job_release(g.jobs[i].job);
    cimjob_fake_free(g.fake);
    free(g.jobs);
    free(envp);
    pthread_mutex_destroy(&g.lock);

    printf("created %zu jobs (%zu left in the registry, %zu removed, %zu removed by KillJob), "
           "%ld events; ops:",
           g.njobs, present, removed, maybe_gone, atomic_load(&g.events));
    for (int i = 0; i < 12; i++)
        printf(" %ld", atomic_load(&g.op_count[i]));
    printf("\nrun %.1f s, quiesce and checks %.1f s\n", (double)(t1 - t0) / 1000.0,
           (double)(now_ms() - t1) / 1000.0);
    if (atomic_load(&g.bad)) {
        printf("FAIL: %ld violations; first: %s\n", atomic_load(&g.bad), g.first_bad);
        return 1;
    }
    printf("OK: every invariant holds\n");
    return unfinished ? 1 : 0;
}
