/*
 * The Job Object of a job: creation with its limits, the list of its processes, asking them to
 * stop (Ctrl-Break, WM_CLOSE), killing them (TerminateJobObject), and suspending them.
 */
#include "win32.h"

#include <string.h>

#include "../core/alloc.h"
#include "../core/error.h"
#include "../core/platform.h"

HANDLE cimjob__win32_job_create(HANDLE port, ULONG_PTR key)
{
    /* NULL security attributes: the handle is not inheritable, so no child (of the job or of
     * the host) can hold the job open and keep KILL_ON_JOB_CLOSE from firing. */
    HANDLE job = CreateJobObjectW(NULL, NULL);
    if (!job)
        return NULL;
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
    memset(&li, 0, sizeof li);
    /* KILL_ON_JOB_CLOSE: when the host lets go of the job (or dies), the job's processes go
     * too. Neither BREAKAWAY_OK nor SILENT_BREAKAWAY_OK: CREATE_BREAKAWAY_FROM_JOB fails with
     * access denied, so nothing started by the job can leave it. DIE_ON_UNHANDLED_EXCEPTION: a
     * crash ends the process at once instead of hanging in an error-reporting dialog. */
    li.BasicLimitInformation.LimitFlags =
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
    JOBOBJECT_ASSOCIATE_COMPLETION_PORT cp;
    cp.CompletionKey = (PVOID)key;
    cp.CompletionPort = port;
    if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li, sizeof li) ||
        !SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &cp,
                                 sizeof cp)) {
        DWORD err = GetLastError();
        CloseHandle(job);
        SetLastError(err);
        return NULL;
    }
    return job;
}

long cimjob__win32_job_active(HANDLE job)
{
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION ai;
    if (!QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &ai, sizeof ai, NULL))
        return -1;
    return (long)ai.ActiveProcesses;
}

cimjob_rc cimjob__win32_job_pids(HANDLE job, DWORD **pids, size_t *count)
{
    size_t cap = 16;
    *pids = NULL;
    *count = 0;
    for (;;) {
        size_t bytes = sizeof(JOBOBJECT_BASIC_PROCESS_ID_LIST) + cap * sizeof(ULONG_PTR);
        JOBOBJECT_BASIC_PROCESS_ID_LIST *l = cimjob__malloc(bytes);
        if (!l)
            return cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "win32: out of memory");
        BOOL ok =
            QueryInformationJobObject(job, JobObjectBasicProcessIdList, l, (DWORD)bytes, NULL);
        /* ERROR_MORE_DATA still fills the header: grow to what it says and ask again (the job
         * may grow meanwhile, hence the loop). */
        if (!ok && GetLastError() != ERROR_MORE_DATA) {
            cimjob__free(l);
            return cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "win32: cannot list the job (%lu)",
                                       (unsigned long)GetLastError());
        }
        if (ok && l->NumberOfProcessIdsInList >= l->NumberOfAssignedProcesses) {
            size_t n = l->NumberOfProcessIdsInList;
            DWORD *out = NULL;
            if (n) {
                out = cimjob__malloc(n * sizeof *out);
                if (!out) {
                    cimjob__free(l);
                    return cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "win32: out of memory");
                }
                for (size_t i = 0; i < n; i++)
                    out[i] = (DWORD)l->ProcessIdList[i];
            }
            cimjob__free(l);
            *pids = out;
            *count = n;
            return CIMJOB_RC_SUCCESS;
        }
        size_t want = l->NumberOfAssignedProcesses;
        cimjob__free(l);
        cap = want > cap ? want + 16 : cap * 2;
    }
}

/* ---- asking to stop -------------------------------------------------------------------------- */

typedef struct win32_close_ctx {
    const DWORD *pids;
    size_t count;
    int posted;
} win32_close_ctx;

static BOOL CALLBACK win32_close_window(HWND hwnd, LPARAM lp)
{
    win32_close_ctx *c = (win32_close_ctx *)lp;
    DWORD pid = 0;
    GetWindowThreadProcessId(hwnd, &pid);
    for (size_t i = 0; i < c->count; i++) {
        if (c->pids[i] == pid) {
            /* Posted, not sent: a hung window must not hang the request. */
            if (PostMessageW(hwnd, WM_CLOSE, 0, 0))
                c->posted++;
            break;
        }
    }
    return TRUE;
}

int cimjob__win32_job_ask_to_stop(HANDLE job, DWORD group)
{
    int ways = 0;
    /* Reaches the job's console processes only when the host shares their console; 0 would
     * mean "every process on the console", the host included, so it is never sent. */
    if (group != 0 && GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, group))
        ways++;
    DWORD *pids;
    size_t n;
    if (cimjob__win32_job_pids(job, &pids, &n) == CIMJOB_RC_SUCCESS && n > 0) {
        win32_close_ctx c = {pids, n, 0};
        EnumWindows(win32_close_window, (LPARAM)&c);
        if (c.posted)
            ways++;
        cimjob__free(pids);
    }
    return ways;
}

cimjob_rc cimjob__win32_job_kill(HANDLE job, UINT exit_code)
{
    if (TerminateJobObject(job, exit_code))
        return CIMJOB_RC_SUCCESS;
    DWORD err = GetLastError();
    /* The "already exited" race: a process that is terminating or has terminated answers
     * ERROR_ACCESS_DENIED. That is the outcome a kill wants, not a failure; the core keeps
     * calling kill until the job is reported empty, so anything really left is retried. */
    if (err == ERROR_ACCESS_DENIED)
        return CIMJOB_RC_SUCCESS;
    char text[200];
    cimjob__win32_strerror(err, text, sizeof text);
    return cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "win32: TerminateJobObject: %s", text);
}

/* ---- suspend --------------------------------------------------------------------------------- */

typedef LONG(NTAPI *win32_nt_process_fn)(HANDLE);

static INIT_ONCE win32_nt_once = INIT_ONCE_STATIC_INIT;
static win32_nt_process_fn win32_nt_suspend, win32_nt_resume;

static BOOL CALLBACK win32_nt_probe(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once;
    (void)param;
    (void)ctx;
    /* ntdll exports these on every Windows NT (and Wine) but no SDK header declares them. */
    HMODULE nt = GetModuleHandleW(L"ntdll.dll");
    if (nt) {
        FARPROC s = GetProcAddress(nt, "NtSuspendProcess");
        FARPROC r = GetProcAddress(nt, "NtResumeProcess");
        if (s && r) {
            /* Through void (*)(void): a cast between function pointer types GCC accepts. */
            win32_nt_suspend = (win32_nt_process_fn)(void (*)(void))s;
            win32_nt_resume = (win32_nt_process_fn)(void (*)(void))r;
        }
    }
    return TRUE;
}

int cimjob__win32_can_suspend(void)
{
    InitOnceExecuteOnce(&win32_nt_once, win32_nt_probe, NULL, NULL);
    return win32_nt_suspend != NULL && win32_nt_resume != NULL;
}

/* Bound on the scans of one Suspend: a job that keeps making processes faster than they can
 * be suspended is refused rather than chased forever. */
#define WIN32_SUSPEND_PASSES 64

cimjob_rc cimjob__win32_job_suspend(HANDLE job, cimjob__win32_frozen *out)
{
    cimjob__win32_frozen f = {NULL, 0};
    DWORD *frozen_pids = NULL;
    size_t cap = 0;
    cimjob_rc rc = CIMJOB_RC_SUCCESS;

    out->procs = NULL;
    out->count = 0;
    if (!cimjob__win32_can_suspend())
        return cimjob_backend_fail(CIMJOB_RC_NOT_SUPPORTED,
                                   "win32: NtSuspendProcess is not available");
    /*
     * Scan, suspend every process not yet suspended, scan again, until a scan finds nothing
     * new. When that happens every process in the job was already suspended at the time of
     * the scan, so none was running to start another. (A process a suspended parent was in
     * the middle of creating has not had its first thread resumed: the parent does that in
     * user mode, after its own resume.) Handles are kept, so Start resumes exactly these
     * processes and a reused PID can never be resumed by mistake.
     */
    for (int pass = 0;; pass++) {
        if (pass == WIN32_SUSPEND_PASSES) {
            rc = cimjob_backend_fail(CIMJOB_RC_FAILED,
                                     "win32: the job kept starting processes during Suspend");
            goto fail;
        }
        DWORD *pids;
        size_t n, added = 0;
        if ((rc = cimjob__win32_job_pids(job, &pids, &n)) != CIMJOB_RC_SUCCESS)
            goto fail;
        for (size_t i = 0; i < n; i++) {
            size_t k = 0;
            while (k < f.count && frozen_pids[k] != pids[i])
                k++;
            if (k < f.count)
                continue;
            HANDLE h = OpenProcess(PROCESS_SUSPEND_RESUME | PROCESS_QUERY_INFORMATION | SYNCHRONIZE,
                                   FALSE, pids[i]);
            if (!h) {
                if (GetLastError() == ERROR_INVALID_PARAMETER)
                    continue; /* exited since the scan */
                rc = cimjob_backend_fail(CIMJOB_RC_FAILED,
                                         "win32: cannot open process %lu of the job (%lu)",
                                         (unsigned long)pids[i], (unsigned long)GetLastError());
                cimjob__free(pids);
                goto fail;
            }
            /* The PID may have been reused by a process outside the job since the scan. */
            BOOL in = FALSE;
            if (!IsProcessInJob(h, job, &in) || !in) {
                CloseHandle(h);
                continue;
            }
            if (f.count == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                HANDLE *np = cimjob__realloc(f.procs, ncap * sizeof *np);
                if (np)
                    f.procs = np;
                DWORD *nd = np ? cimjob__realloc(frozen_pids, ncap * sizeof *nd) : NULL;
                if (!np || !nd) {
                    CloseHandle(h);
                    cimjob__free(pids);
                    rc = cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "win32: out of memory");
                    goto fail;
                }
                frozen_pids = nd;
                cap = ncap;
            }
            LONG st = win32_nt_suspend(h);
            if (st < 0) {
                int gone = WaitForSingleObject(h, 0) == WAIT_OBJECT_0;
                CloseHandle(h);
                if (gone)
                    continue;
                rc = cimjob_backend_fail(CIMJOB_RC_FAILED,
                                         "win32: NtSuspendProcess(%lu) failed: 0x%08lx",
                                         (unsigned long)pids[i], (unsigned long)st);
                cimjob__free(pids);
                goto fail;
            }
            f.procs[f.count] = h;
            frozen_pids[f.count] = pids[i];
            f.count++;
            added++;
        }
        cimjob__free(pids);
        if (added == 0)
            break;
    }
    cimjob__free(frozen_pids);
    *out = f;
    return CIMJOB_RC_SUCCESS;

fail:
    cimjob__free(frozen_pids);
    cimjob__win32_job_resume(&f);
    return rc;
}

cimjob_rc cimjob__win32_job_resume(cimjob__win32_frozen *f)
{
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    for (size_t i = 0; i < f->count; i++) {
        LONG st = win32_nt_resume ? win32_nt_resume(f->procs[i]) : -1;
        /* A process that died while suspended (killed from outside) has nothing to resume. */
        if (st < 0 && WaitForSingleObject(f->procs[i], 0) != WAIT_OBJECT_0)
            rc = cimjob_backend_fail(CIMJOB_RC_FAILED, "win32: NtResumeProcess failed: 0x%08lx",
                                     (unsigned long)st);
        CloseHandle(f->procs[i]);
    }
    cimjob__free(f->procs);
    f->procs = NULL;
    f->count = 0;
    return rc;
}
