/*
 * lib/core/platform.h for POSIX: pthread locks and a condition variable on CLOCK_MONOTONIC
 * (so a wall-clock jump cannot stretch or cut a timeout), clock_gettime clocks, "uid:<uid>" as
 * the identity, and the posix backend as the platform's default.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "../core/platform.h"
#include "posix.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

_Static_assert(sizeof(pthread_mutex_t) <= sizeof(cimjob__mutex), "pthread_mutex_t too big");
_Static_assert(_Alignof(pthread_mutex_t) <= _Alignof(cimjob__mutex), "pthread_mutex_t alignment");
_Static_assert(sizeof(pthread_rwlock_t) <= sizeof(cimjob__rwlock), "pthread_rwlock_t too big");
_Static_assert(_Alignof(pthread_rwlock_t) <= 16, "pthread_rwlock_t alignment");
_Static_assert(sizeof(pthread_cond_t) <= sizeof(cimjob__cond), "pthread_cond_t too big");
_Static_assert(_Alignof(pthread_cond_t) <= 16, "pthread_cond_t alignment");

#define POSIX_MUTEX(m)  ((pthread_mutex_t *)(void *)(m)->opaque)
#define POSIX_RWLOCK(l) ((pthread_rwlock_t *)(void *)(l)->opaque)
#define POSIX_COND(c)   ((pthread_cond_t *)(void *)(c)->opaque)

int cimjob__mutex_init(cimjob__mutex *m)
{
    return pthread_mutex_init(POSIX_MUTEX(m), NULL);
}

void cimjob__mutex_destroy(cimjob__mutex *m)
{
    (void)pthread_mutex_destroy(POSIX_MUTEX(m));
}

void cimjob__mutex_lock(cimjob__mutex *m)
{
    (void)pthread_mutex_lock(POSIX_MUTEX(m));
}

int cimjob__mutex_trylock(cimjob__mutex *m)
{
    return pthread_mutex_trylock(POSIX_MUTEX(m));
}

void cimjob__mutex_unlock(cimjob__mutex *m)
{
    (void)pthread_mutex_unlock(POSIX_MUTEX(m));
}

int cimjob__rwlock_init(cimjob__rwlock *l)
{
    return pthread_rwlock_init(POSIX_RWLOCK(l), NULL);
}

void cimjob__rwlock_destroy(cimjob__rwlock *l)
{
    (void)pthread_rwlock_destroy(POSIX_RWLOCK(l));
}

void cimjob__rwlock_rdlock(cimjob__rwlock *l)
{
    (void)pthread_rwlock_rdlock(POSIX_RWLOCK(l));
}

void cimjob__rwlock_rdunlock(cimjob__rwlock *l)
{
    (void)pthread_rwlock_unlock(POSIX_RWLOCK(l));
}

void cimjob__rwlock_wrlock(cimjob__rwlock *l)
{
    (void)pthread_rwlock_wrlock(POSIX_RWLOCK(l));
}

void cimjob__rwlock_wrunlock(cimjob__rwlock *l)
{
    (void)pthread_rwlock_unlock(POSIX_RWLOCK(l));
}

int cimjob__cond_init(cimjob__cond *c)
{
    pthread_condattr_t attr;
    int r = pthread_condattr_init(&attr);
    if (r != 0) {
        return r;
    }
#if defined(_POSIX_MONOTONIC_CLOCK) && _POSIX_MONOTONIC_CLOCK >= 0 && !defined(__APPLE__)
    r = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
#endif
    if (r == 0) {
        r = pthread_cond_init(POSIX_COND(c), &attr);
    }
    (void)pthread_condattr_destroy(&attr);
    return r;
}

void cimjob__cond_destroy(cimjob__cond *c)
{
    (void)pthread_cond_destroy(POSIX_COND(c));
}

void cimjob__cond_broadcast(cimjob__cond *c)
{
    (void)pthread_cond_broadcast(POSIX_COND(c));
}

void cimjob__cond_wait(cimjob__cond *c, cimjob__mutex *m)
{
    (void)pthread_cond_wait(POSIX_COND(c), POSIX_MUTEX(m));
}

int cimjob__cond_timedwait(cimjob__cond *c, cimjob__mutex *m, int64_t timeout_us)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (timeout_us < 0) {
        timeout_us = 0;
    }
    /* Clamp so the deadline cannot overflow time_t arithmetic (about 292000 years). */
    if (timeout_us > INT64_C(1) << 62) {
        timeout_us = INT64_C(1) << 62;
    }
    int64_t sec = (int64_t)ts.tv_sec + timeout_us / 1000000;
    long nsec = ts.tv_nsec + (long)(timeout_us % 1000000) * 1000;
    if (nsec >= 1000000000L) {
        nsec -= 1000000000L;
        sec++;
    }
    ts.tv_sec = (time_t)sec;
    ts.tv_nsec = nsec;
    int r = pthread_cond_timedwait(POSIX_COND(c), POSIX_MUTEX(m), &ts);
    return r == ETIMEDOUT ? 1 : 0;
}

int64_t cimjob__now_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t cimjob__now_realtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t cimjob__process_id(void)
{
    return (int64_t)getpid();
}

int cimjob__current_identity(char *buf, size_t size)
{
    int n = snprintf(buf, size, "uid:%lu", (unsigned long)geteuid());
    return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

const struct cimjob_backend *cimjob__platform_backend(void)
{
    return &cimjob__posix_backend;
}
