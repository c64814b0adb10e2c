/*
 * Helpers shared by the unit suites: a fake-backed registry fixture, shorthands for queries and
 * a tiny portable thread shim (pthreads on POSIX, CreateThread on Windows: MinGW has no
 * <threads.h>). Include after <cmocka.h>.
 */
#ifndef CIMJOB_TEST_COMMON_H
#define CIMJOB_TEST_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cimjob/cimjob.h>

#define SEC INT64_C(1000000)
/* The fake's default epoch: 2026-01-01T00:00:00Z. */
#define FAKE_EPOCH (INT64_C(1767225600) * SEC)

/* ---- threads ------------------------------------------------------------------------------ */

#ifdef _WIN32
#include <windows.h>
typedef HANDLE test_thread;
typedef struct {
    void (*fn)(void *);
    void *arg;
} test_thread_start;
static inline DWORD WINAPI test_thread_main(LPVOID p)
{
    test_thread_start s = *(test_thread_start *)p;
    free(p);
    s.fn(s.arg);
    return 0;
}
static inline int test_thread_create(test_thread *t, void (*fn)(void *), void *arg)
{
    test_thread_start *s = malloc(sizeof *s);
    *t = NULL;
    if (!s)
        return -1;
    s->fn = fn;
    s->arg = arg;
    *t = CreateThread(NULL, 0, test_thread_main, s, 0, NULL);
    if (!*t) {
        free(s);
        return -1;
    }
    return 0;
}
static inline void test_thread_join(test_thread t)
{
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
}
static inline void test_sleep_ms(unsigned ms)
{
    Sleep(ms);
}
#else
#include <pthread.h>
#include <time.h>
typedef pthread_t test_thread;
typedef struct {
    void (*fn)(void *);
    void *arg;
} test_thread_start;
static inline void *test_thread_main(void *p)
{
    test_thread_start s = *(test_thread_start *)p;
    free(p);
    s.fn(s.arg);
    return NULL;
}
static inline int test_thread_create(test_thread *t, void (*fn)(void *), void *arg)
{
    test_thread_start *s = malloc(sizeof *s);
    if (!s)
        return -1;
    s->fn = fn;
    s->arg = arg;
    if (pthread_create(t, NULL, test_thread_main, s) != 0) {
        free(s);
        return -1;
    }
    return 0;
}
static inline void test_thread_join(test_thread t)
{
    pthread_join(t, NULL);
}
static inline void test_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}
#endif

/* ---- a registry on a fake ----------------------------------------------------------------- */

typedef struct fx {
    cimjob_fake *fake;
    cimjob_registry *reg;
} fx;

/* A registry over a new fake with @p fake_flags; @p ro may be NULL (defaults) and gets its
 * backend fields filled in. */
static inline fx *fx_new_opts(unsigned fake_flags, cimjob_registry_options *ro)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(cimjob_fake_new(fake_flags, &f->fake), CIMJOB_RC_SUCCESS);
    cimjob_registry_options def = CIMJOB_REGISTRY_OPTIONS_INIT;
    if (!ro)
        ro = &def;
    ro->backend = cimjob_fake_backend(f->fake);
    ro->backend_config = f->fake;
    assert_int_equal(cimjob_registry_new(ro, &f->reg), CIMJOB_RC_SUCCESS);
    return f;
}

static inline fx *fx_new(unsigned fake_flags)
{
    return fx_new_opts(fake_flags, NULL);
}

static inline void fx_free(fx *f)
{
    if (!f)
        return;
    cimjob_registry_free(f->reg);
    cimjob_fake_free(f->fake);
    free(f);
}

/* cmocka setup/teardown pairs. */
static inline int fx_setup(void **state)
{
    *state = fx_new(0);
    return 0;
}

static inline int fx_teardown(void **state)
{
    fx_free(*state);
    return 0;
}

/* Queue an outcome for the next job to start. */
static inline void fx_push(fx *f, const cimjob_fake_outcome *o)
{
    assert_int_equal(cimjob_fake_push(f->fake, o), CIMJOB_RC_SUCCESS);
}

/* Create a job named @p name; started when @p start. */
static inline cimjob_job *fx_job(fx *f, const char *name, int start)
{
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = NULL;
    o.name = name;
    o.flags = start ? CIMJOB_JOB_START : 0;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    assert_non_null(j);
    return j;
}

static inline cimjob_info q(cimjob_job *j)
{
    cimjob_info info = CIMJOB_INFO_INIT;
    assert_int_equal(cimjob_query(j, &info), CIMJOB_RC_SUCCESS);
    return info;
}

static inline cimjob_job_state st(cimjob_job *j)
{
    return q(j).job_state;
}

static inline unsigned long calls(fx *f, cimjob_fake_call c)
{
    return cimjob_fake_calls(f->fake, c);
}

static inline size_t fx_count(fx *f)
{
    size_t n = 12345;
    assert_int_equal(cimjob_registry_count(f->reg, &n), CIMJOB_RC_SUCCESS);
    return n;
}

#define assert_state(job, s) assert_int_equal(st(job), (s))

/* The InstanceID a registry generates for its n-th job: "<OrgID>:<incarnation>-<n>". The
 * result lives until the eighth next call. */
static inline const char *gen_id(cimjob_registry *reg, const char *org, unsigned n)
{
    static char bufs[8][128];
    static unsigned next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s:%s-%u", org, cimjob_registry_incarnation(reg), n);
    return b;
}
#define ID(f, n) gen_id((f)->reg, "libcimjob", (n))

#endif
