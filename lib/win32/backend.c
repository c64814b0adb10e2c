/*
 * The win32 backend: one Job Object per job, exit observation through one I/O completion port
 * per registry, the requests, and the vtable.
 *
 * How a job's end is observed: every Job Object posts its notifications to the registry's
 * port (key = the job's serial number). Windows does not guarantee those messages, so they
 * are only wake-ups: dispatch looks at every live job each time (is the main process handle
 * signalled? how many processes are active?), and wait never sleeps longer than
 * WIN32_POLL_MS while a job is alive. A job ends when its main process has exited and its
 * Job Object is empty; without CIMJOB_JOB_WAIT_FOR_ALL whatever the main process left behind
 * is killed at that point, so nothing outlives the job.
 */
#include "win32.h"

#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/error.h"
#include "../core/platform.h"

/* The longest a wait sleeps while a job is alive: the safety net for lost port messages. */
#define WIN32_POLL_MS 100
/* The completion key of wake-ups; jobs count from 1. */
#define WIN32_WAKE_KEY 0
/* NTSTATUS a console process ends with when Ctrl-C / Ctrl-Break is not handled. */
#define WIN32_STATUS_CONTROL_C_EXIT 0xC000013AUL

typedef struct win32_job {
    struct win32_job *next, *prev; /* the registry's list, under win32_state.lock */
    struct win32_job *report_next; /* a dispatch's list of jobs to report */
    cimjob_job *token;
    ULONG_PTR key;
    HANDLE job;  /* the Job Object */
    HANDLE proc; /* the main process */
    DWORD pid;
    int wait_for_all;
    /* Under win32_state.lock: */
    int main_exited;
    DWORD exit_code;
    int leftovers_killed;
    int kill_requested; /* kill was called before the main process was seen to exit */
    int reported;
    /* Only touched by slots, which the core serialises per job. */
    cimjob__win32_frozen frozen;
    /* The report, filled under the lock and sent without it. */
    cimjob_backend_result result;
    char description[CIMJOB_TEXT_MAX + 1];
} win32_job;

typedef struct win32_state {
    SRWLOCK lock;
    HANDLE port;
    win32_job *jobs;
    ULONG_PTR next_key;
    size_t live; /* jobs not yet reported */
} win32_state;

/* ---- registry -------------------------------------------------------------------------------- */

static cimjob_rc win32_open(const cimjob_backend_host *host, void *config, void **state)
{
    (void)host;
    (void)config; /* nothing to configure yet */
    win32_state *st = cimjob__calloc(1, sizeof *st);
    if (!st)
        return cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "win32: out of memory");
    InitializeSRWLock(&st->lock);
    /* One thread may consume it at a time: the core's pump is a single thread. */
    st->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    if (!st->port) {
        char text[200];
        cimjob__win32_strerror(GetLastError(), text, sizeof text);
        cimjob__free(st);
        return cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "win32: CreateIoCompletionPort: %s", text);
    }
    st->next_key = 1;
    *state = st;
    return CIMJOB_RC_SUCCESS;
}

static void win32_close(void *state)
{
    win32_state *st = state;
    CloseHandle(st->port);
    cimjob__free(st);
}

static void win32_wake(void *state)
{
    win32_state *st = state;
    PostQueuedCompletionStatus(st->port, 0, WIN32_WAKE_KEY, NULL);
}

/* ---- spawn ----------------------------------------------------------------------------------- */

static cimjob_rc win32_spawn(void *state, cimjob_job *job, const cimjob_job_options *opts,
                             void **job_state)
{
    win32_state *st = state;
    if (opts->containment != CIMJOB_CONTAINMENT_AUTO &&
        opts->containment != CIMJOB_CONTAINMENT_JOB_OBJECT)
        return cimjob_backend_fail(CIMJOB_RC_NOT_SUPPORTED,
                                   "win32: containment '%s' is not available on Windows "
                                   "(only job-object)",
                                   cimjob_containment_name((int)opts->containment));
    win32_job *wj = cimjob__calloc(1, sizeof *wj);
    if (!wj)
        return cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "win32: out of memory");
    wj->token = job;
    wj->wait_for_all = (opts->flags & CIMJOB_JOB_WAIT_FOR_ALL) != 0;
    AcquireSRWLockExclusive(&st->lock);
    wj->key = st->next_key++;
    ReleaseSRWLockExclusive(&st->lock);

    wj->job = cimjob__win32_job_create(st->port, wj->key);
    if (!wj->job) {
        char text[200];
        cimjob__win32_strerror(GetLastError(), text, sizeof text);
        cimjob__free(wj);
        return cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "win32: cannot create a Job Object: %s",
                                   text);
    }
    PROCESS_INFORMATION pi;
    DWORD os_err = 0;
    cimjob_rc rc = cimjob__win32_create_process(wj->job, opts, &pi, &os_err);
    if (rc != CIMJOB_RC_SUCCESS) {
        CloseHandle(wj->job);
        cimjob__free(wj);
        if (os_err == 0)
            return rc; /* before CreateProcessW: the detail is already recorded */
        /* The program could not be started: the job ends in Exception with the shell's codes,
         * as on POSIX (127 not found, 126 not executable). */
        char desc[CIMJOB_TEXT_MAX + 1];
        cimjob_backend_result r = CIMJOB_BACKEND_RESULT_INIT;
        r.error_code = cimjob__win32_spawn_error(os_err, opts->argv[0], desc, sizeof desc);
        r.error_description = desc;
        cimjob_backend_report_exit(job, &r);
        return cimjob_backend_fail(CIMJOB_RC_FAILED, "%s", desc);
    }
    wj->proc = pi.hProcess;
    wj->pid = pi.dwProcessId;

    AcquireSRWLockExclusive(&st->lock);
    wj->next = st->jobs;
    if (st->jobs)
        st->jobs->prev = wj;
    st->jobs = wj;
    st->live++;
    ReleaseSRWLockExclusive(&st->lock);
    /* A wait sleeping without a limit (no live job until now) must start polling. */
    win32_wake(st);
    *job_state = wj;
    return CIMJOB_RC_SUCCESS;
}

/* ---- observing the end ----------------------------------------------------------------------- */

/* Describe how the main process ended. With st->lock held. */
static void win32_describe_end(win32_job *wj)
{
    DWORD code = wj->exit_code;
    cimjob_backend_result r = CIMJOB_BACKEND_RESULT_INIT;
    r.error_code = code;
    r.exit_status = (int)code;
    if (wj->kill_requested && code == CIMJOB__WIN32_KILL_EXIT_CODE) {
        snprintf(wj->description, sizeof wj->description,
                 "killed (TerminateJobObject, exit code %lu)", (unsigned long)code);
    } else if (code == WIN32_STATUS_CONTROL_C_EXIT) {
        snprintf(wj->description, sizeof wj->description,
                 "ended by Ctrl-Break (exit code 0x%08lX, STATUS_CONTROL_C_EXIT)",
                 (unsigned long)code);
    } else if ((code & 0xF0000000UL) == 0xC0000000UL) {
        /* An NTSTATUS error: the process died of an exception (0xC0000005 access violation,
         * ...), the Windows counterpart of death by a signal. */
        snprintf(wj->description, sizeof wj->description, "terminated by exception 0x%08lX",
                 (unsigned long)code);
    } else if (code != 0) {
        snprintf(wj->description, sizeof wj->description, "exited with status %lu",
                 (unsigned long)code);
    } else {
        wj->description[0] = '\0';
    }
    r.error_description = wj->description;
    wj->result = r;
}

/* Look at one live job; returns 1 when it has ended and must be reported. With st->lock. */
static int win32_check(win32_job *wj)
{
    if (!wj->main_exited && WaitForSingleObject(wj->proc, 0) == WAIT_OBJECT_0) {
        DWORD code = 0;
        if (!GetExitCodeProcess(wj->proc, &code))
            code = (DWORD)-1;
        wj->main_exited = 1;
        wj->exit_code = code;
    }
    if (!wj->main_exited)
        return 0;
    long active = cimjob__win32_job_active(wj->job);
    if (active > 0 && !wj->wait_for_all && !wj->leftovers_killed) {
        /* The main process is gone: nothing it left may outlive the job. */
        wj->leftovers_killed = 1;
        cimjob__win32_job_kill(wj->job, CIMJOB__WIN32_KILL_EXIT_CODE);
        active = cimjob__win32_job_active(wj->job);
    }
    /* A job whose accounting cannot be read any more has nothing left to wait for: reporting
     * is better than a job that never ends (release closes the handle, which kills). */
    return active <= 0;
}

static cimjob_rc win32_dispatch(void *state)
{
    win32_state *st = state;
    OVERLAPPED_ENTRY entries[32];
    ULONG got = 0;
    /* Empty the port: its messages only say "look again", which the scan below does. */
    while (GetQueuedCompletionStatusEx(st->port, entries, 32, &got, 0, FALSE) && got == 32)
        ;

    win32_job *reports = NULL, **tail = &reports;
    AcquireSRWLockExclusive(&st->lock);
    for (win32_job *wj = st->jobs; wj; wj = wj->next) {
        if (wj->reported || !win32_check(wj))
            continue;
        wj->reported = 1;
        st->live--;
        win32_describe_end(wj);
        wj->report_next = NULL;
        *tail = wj;
        tail = &wj->report_next;
    }
    ReleaseSRWLockExclusive(&st->lock);

    /* Reported without the lock: a report may run callbacks that start new jobs. After its
     * report a job may be released at any moment, so its next pointer is read first. */
    while (reports) {
        win32_job *wj = reports;
        reports = wj->report_next;
        cimjob_backend_report_exit(wj->token, &wj->result);
    }
    return CIMJOB_RC_SUCCESS;
}

static cimjob_rc win32_wait(void *state, int64_t timeout_us)
{
    win32_state *st = state;
    DWORD ms;
    if (timeout_us < 0)
        ms = INFINITE;
    else if (timeout_us / 1000 >= (int64_t)INFINITE)
        ms = INFINITE - 1;
    else
        ms = (DWORD)((timeout_us + 999) / 1000); /* round up: no busy loop below 1 ms */
    AcquireSRWLockShared(&st->lock);
    size_t live = st->live;
    ReleaseSRWLockShared(&st->lock);
    if (live && ms > WIN32_POLL_MS)
        ms = WIN32_POLL_MS;
    DWORD bytes;
    ULONG_PTR key;
    LPOVERLAPPED ov;
    /* Whatever arrives (a job message, a wake-up) or the timeout: dispatch looks at every job
     * next, so the packet itself needs no handling. */
    GetQueuedCompletionStatus(st->port, &bytes, &key, &ov, ms);
    return CIMJOB_RC_SUCCESS;
}

/* ---- requests -------------------------------------------------------------------------------- */

static cimjob_rc win32_terminate(void *state, void *job_state)
{
    (void)state;
    win32_job *wj = job_state;
    /* Ctrl-Break to the job's console group and WM_CLOSE to its windows. Neither may reach
     * anything (no shared console, no windows, a handler that ignores it): the request still
     * stands, and the core kills the job when TimeoutPeriod passes. */
    cimjob__win32_job_ask_to_stop(wj->job, wj->pid);
    return CIMJOB_RC_SUCCESS;
}

static cimjob_rc win32_kill(void *state, void *job_state)
{
    win32_state *st = state;
    win32_job *wj = job_state;
    AcquireSRWLockExclusive(&st->lock);
    if (!wj->main_exited)
        wj->kill_requested = 1;
    ReleaseSRWLockExclusive(&st->lock);
    return cimjob__win32_job_kill(wj->job, CIMJOB__WIN32_KILL_EXIT_CODE);
}

static cimjob_rc win32_suspend(void *state, void *job_state)
{
    (void)state;
    win32_job *wj = job_state;
    if (wj->frozen.count)
        return CIMJOB_RC_SUCCESS; /* already suspended */
    return cimjob__win32_job_suspend(wj->job, &wj->frozen);
}

static cimjob_rc win32_resume(void *state, void *job_state)
{
    (void)state;
    win32_job *wj = job_state;
    return cimjob__win32_job_resume(&wj->frozen);
}

static void win32_release(void *state, void *job_state)
{
    win32_state *st = state;
    win32_job *wj = job_state;
    AcquireSRWLockExclusive(&st->lock);
    if (wj->prev)
        wj->prev->next = wj->next;
    else
        st->jobs = wj->next;
    if (wj->next)
        wj->next->prev = wj->prev;
    if (!wj->reported)
        st->live--;
    ReleaseSRWLockExclusive(&st->lock);
    /* Handles only: a process still suspended is not resumed, it is about to be killed. */
    for (size_t i = 0; i < wj->frozen.count; i++)
        CloseHandle(wj->frozen.procs[i]);
    cimjob__free(wj->frozen.procs);
    CloseHandle(wj->proc);
    /* The last handle to the Job Object: KILL_ON_JOB_CLOSE ends anything still in it (a job
     * released without being confirmed empty, e.g. by a registry freed at its kill bound). */
    CloseHandle(wj->job);
    cimjob__free(wj);
}

static cimjob_containment win32_containment(void *state, void *job_state)
{
    (void)state;
    (void)job_state;
    return CIMJOB_CONTAINMENT_JOB_OBJECT;
}

HANDLE cimjob__win32_job_handle(void *job_state)
{
    return job_state ? ((win32_job *)job_state)->job : NULL;
}

const cimjob_backend cimjob__win32_backend = {
    .version = CIMJOB_BACKEND_VERSION,
    .name = "win32",
    .caps = CIMJOB_CAP_TIMEOUT | CIMJOB_CAP_PROCESSES,
    .open = win32_open,
    .close = win32_close,
    .spawn = win32_spawn,
    .terminate = win32_terminate,
    .kill = win32_kill,
    .suspend = win32_suspend,
    .resume = win32_resume,
    .service = NULL,
    .release = win32_release,
    .containment = win32_containment,
    .dispatch = win32_dispatch,
    .wait = win32_wait,
    .wake = win32_wake,
    /* No waitable handle: Windows has no thread-free way to make one out of a completion
     * port or many process handles, and the library starts no threads. Hosts call
     * cimjob_registry_run() on a thread of theirs, or cimjob_registry_dispatch() on a timer. */
    .pollable = NULL,
    .now = NULL,
};
