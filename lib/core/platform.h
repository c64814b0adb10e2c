/*
 * What the portable core needs from the operating system: locks, a condition variable, clocks
 * and the current identity. Declared here, implemented once per OS (lib/posix/platform.c,
 * lib/win32/platform.c), so no file in lib/core includes an OS header (the libuv shape).
 */
#ifndef CIMJOB_CORE_PLATFORM_H
#define CIMJOB_CORE_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* Storage big enough for the OS's own objects; each platform file checks the size at compile
 * time. Embedded rather than allocated so a job costs no extra allocations. Every job embeds
 * two mutexes, so theirs is no bigger than needed: pthread_mutex_t is 40 bytes on x86-64
 * (glibc, musl), 48 on aarch64 glibc; an SRWLOCK is one pointer. */
typedef struct cimjob__mutex {
    _Alignas(8) unsigned char opaque[48];
} cimjob__mutex;

typedef struct cimjob__rwlock {
    _Alignas(16) unsigned char opaque[64];
} cimjob__rwlock;

typedef struct cimjob__cond {
    _Alignas(16) unsigned char opaque[64];
} cimjob__cond;

/* Initialisers return 0 on success, non-zero on failure (resources exhausted). */
int cimjob__mutex_init(cimjob__mutex *m);
void cimjob__mutex_destroy(cimjob__mutex *m);
void cimjob__mutex_lock(cimjob__mutex *m);
int cimjob__mutex_trylock(cimjob__mutex *m); /* 0 when taken */
void cimjob__mutex_unlock(cimjob__mutex *m);

int cimjob__rwlock_init(cimjob__rwlock *l);
void cimjob__rwlock_destroy(cimjob__rwlock *l);
void cimjob__rwlock_rdlock(cimjob__rwlock *l);
void cimjob__rwlock_rdunlock(cimjob__rwlock *l);
void cimjob__rwlock_wrlock(cimjob__rwlock *l);
void cimjob__rwlock_wrunlock(cimjob__rwlock *l);

/* A condition variable waited on with a monotonic timeout. */
int cimjob__cond_init(cimjob__cond *c);
void cimjob__cond_destroy(cimjob__cond *c);
void cimjob__cond_broadcast(cimjob__cond *c);
void cimjob__cond_wait(cimjob__cond *c, cimjob__mutex *m);
/* Wait at most timeout_us (>= 0) microseconds; returns 0 when woken, 1 on timeout. Spurious
 * wake-ups are allowed: callers re-check their condition. */
int cimjob__cond_timedwait(cimjob__cond *c, cimjob__mutex *m, int64_t timeout_us);

/* Monotonic clock in microseconds (deadlines). */
int64_t cimjob__now_monotonic(void);
/* Wall clock in microseconds since 1970-01-01 UTC (CIM timestamps). */
int64_t cimjob__now_realtime(void);

/* The local time zone's offset from UTC, in minutes (DST included), at a UTC instant in
 * microseconds since the epoch; 0 when unknown. For schedules in local time. */
int cimjob__local_offset_min(int64_t utc_us);

/* The identity of the calling process as an Owner string ("uid:1000" on POSIX, the user SID on
 * Windows). Writes at most size bytes including the NUL; returns 0 on success. */
int cimjob__current_identity(char *buf, size_t size);

/* The calling process's ID: a registry compares it with its creator's to notice that it is
 * being used in a child after fork(). */
int64_t cimjob__process_id(void);

/* The platform's default process backend, or NULL (defined by the OS file that has one). */
struct cimjob_backend;
const struct cimjob_backend *cimjob__platform_backend(void);

#endif
