/*
 * lib/core/platform.h on Windows: slim reader/writer locks and condition variables (no
 * initialisation can fail, nothing to destroy), QueryPerformanceCounter for deadlines, the
 * precise system time for timestamps, and the user's SID as the Owner identity.
 */
#include "win32.h"

#include <sddl.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/error.h"
#include "../core/platform.h"

/* The core embeds these as opaque storage; each must hold the OS object. */
_Static_assert(sizeof(SRWLOCK) <= sizeof(cimjob__mutex), "SRWLOCK fits cimjob__mutex");
_Static_assert(sizeof(SRWLOCK) <= sizeof(cimjob__rwlock), "SRWLOCK fits cimjob__rwlock");
_Static_assert(sizeof(CONDITION_VARIABLE) <= sizeof(cimjob__cond), "CONDITION_VARIABLE fits");

#define WIN32_SRW(x) ((SRWLOCK *)(void *)(x)->opaque)
#define WIN32_CV(x)  ((CONDITION_VARIABLE *)(void *)(x)->opaque)

int cimjob__mutex_init(cimjob__mutex *m)
{
    InitializeSRWLock(WIN32_SRW(m));
    return 0;
}

void cimjob__mutex_destroy(cimjob__mutex *m)
{
    (void)m; /* an SRW lock owns no resources */
}

void cimjob__mutex_lock(cimjob__mutex *m)
{
    AcquireSRWLockExclusive(WIN32_SRW(m));
}

int cimjob__mutex_trylock(cimjob__mutex *m)
{
    return TryAcquireSRWLockExclusive(WIN32_SRW(m)) ? 0 : 1;
}

void cimjob__mutex_unlock(cimjob__mutex *m)
{
    ReleaseSRWLockExclusive(WIN32_SRW(m));
}

int cimjob__rwlock_init(cimjob__rwlock *l)
{
    InitializeSRWLock(WIN32_SRW(l));
    return 0;
}

void cimjob__rwlock_destroy(cimjob__rwlock *l)
{
    (void)l;
}

void cimjob__rwlock_rdlock(cimjob__rwlock *l)
{
    AcquireSRWLockShared(WIN32_SRW(l));
}

void cimjob__rwlock_rdunlock(cimjob__rwlock *l)
{
    ReleaseSRWLockShared(WIN32_SRW(l));
}

void cimjob__rwlock_wrlock(cimjob__rwlock *l)
{
    AcquireSRWLockExclusive(WIN32_SRW(l));
}

void cimjob__rwlock_wrunlock(cimjob__rwlock *l)
{
    ReleaseSRWLockExclusive(WIN32_SRW(l));
}

int cimjob__cond_init(cimjob__cond *c)
{
    InitializeConditionVariable(WIN32_CV(c));
    return 0;
}

void cimjob__cond_destroy(cimjob__cond *c)
{
    (void)c;
}

void cimjob__cond_broadcast(cimjob__cond *c)
{
    WakeAllConditionVariable(WIN32_CV(c));
}

void cimjob__cond_wait(cimjob__cond *c, cimjob__mutex *m)
{
    SleepConditionVariableSRW(WIN32_CV(c), WIN32_SRW(m), INFINITE, 0);
}

int cimjob__cond_timedwait(cimjob__cond *c, cimjob__mutex *m, int64_t timeout_us)
{
    /* Round up: a sub-millisecond wait must not turn into a busy loop of 0 ms waits. INFINITE
     * is 0xFFFFFFFF, so longer waits are capped just below it (callers re-check anyway). */
    int64_t ms = timeout_us <= 0 ? 0 : (timeout_us + 999) / 1000;
    if (ms > 0xFFFFFFF0LL)
        ms = 0xFFFFFFF0LL;
    if (SleepConditionVariableSRW(WIN32_CV(c), WIN32_SRW(m), (DWORD)ms, 0))
        return 0;
    return GetLastError() == ERROR_TIMEOUT ? 1 : 0;
}

int64_t cimjob__now_monotonic(void)
{
    static LARGE_INTEGER freq; /* constant since boot: a benign race if two threads fill it */
    LARGE_INTEGER now;
    if (freq.QuadPart == 0)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    /* Split so that counter * 1e6 cannot overflow after long uptimes. */
    int64_t f = freq.QuadPart, c = now.QuadPart;
    return (c / f) * 1000000 + (c % f) * 1000000 / f;
}

int64_t cimjob__now_realtime(void)
{
    FILETIME ft;
    GetSystemTimePreciseAsFileTime(&ft);
    uint64_t t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    /* 100 ns ticks since 1601-01-01 → microseconds since 1970-01-01. */
    return (int64_t)(t / 10) - INT64_C(11644473600000000);
}

int64_t cimjob__process_id(void)
{
    return (int64_t)GetCurrentProcessId();
}

int cimjob__current_identity(char *buf, size_t size)
{
    HANDLE tok = NULL;
    union {
        TOKEN_USER user;
        unsigned char raw[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } info;
    DWORD len = 0;
    char *sid = NULL;
    int rc = -1;

    if (!buf || size == 0)
        return -1;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return -1;
    if (GetTokenInformation(tok, TokenUser, &info, sizeof info, &len) &&
        ConvertSidToStringSidA(info.user.User.Sid, &sid)) {
        if (strlen(sid) < size) {
            strcpy(buf, sid);
            rc = 0;
        }
        LocalFree(sid);
    }
    CloseHandle(tok);
    return rc; /* the core records "unknown" on failure */
}

const struct cimjob_backend *cimjob__platform_backend(void)
{
    return &cimjob__win32_backend;
}
