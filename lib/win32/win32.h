/*
 * Internal interface between the files of the Win32 backend. Nothing here is public.
 *
 * backend.c  the vtable, registry state, requests, exit observation (completion port + poll)
 * spawn.c    argv quoting, environment block, stdio handles, CreateProcessW inside the job
 * job.c      the Job Object: creation, process list, Ctrl-Break / WM_CLOSE, kill, suspend
 * platform.c lib/core/platform.h for Windows (SRW locks, clocks, the user's SID)
 */
#ifndef CIMJOB_WIN32_INTERNAL_H
#define CIMJOB_WIN32_INTERNAL_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <cimjob/backend.h>

extern const struct cimjob_backend cimjob__win32_backend;

/* ---- backend.c ------------------------------------------------------------------------------- */

/* For the tests: the Job Object of a job's backend state (cimjob_job.be_job), or NULL. */
HANDLE cimjob__win32_job_handle(void *job_state);

/* ---- spawn.c --------------------------------------------------------------------------------- */

/* UTF-8 → UTF-16, malloc'd (cimjob__malloc). Returns NULL for invalid UTF-8 or no memory. */
wchar_t *cimjob__win32_utf16(const char *s);
/* UTF-16 → UTF-8, malloc'd. */
char *cimjob__win32_utf8(const wchar_t *s);

/* One command line from argv, quoted so that both CommandLineToArgvW and the MSVCRT/UCRT
 * startup code give back exactly argv. argv[0] follows CreateProcess's own (simpler) rule: it
 * is quoted as a whole when needed and may not contain '"'. On failure returns a cimjob_rc with
 * cimjob_backend_fail()'s detail. */
cimjob_rc cimjob__win32_command_line(const char *const *argv, wchar_t **out);

/* The environment block (sorted "K=V\0...\0\0", UTF-16) for envp; SystemRoot is added from
 * the host when envp lacks it, because much of Windows (Winsock, the loader's side-by-side
 * lookups) fails without it. */
cimjob_rc cimjob__win32_env_block(const char *const *envp, wchar_t **out);

/* A failed spawn, described like POSIX: 127 "command not found", 126 "cannot execute", ... */
uint32_t cimjob__win32_spawn_error(DWORD err, const char *argv0, char *buf, size_t size);

/* Create the main process of a job, suspended, inside @p job, with exactly the stdio handles
 * of @p o inherited and nothing else. On success fills @p pi (the thread is resumed). On
 * failure returns the code and sets *os_err to the GetLastError() of a failed CreateProcessW
 * (0 when the failure came before it). */
cimjob_rc cimjob__win32_create_process(HANDLE job, const cimjob_job_options *o,
                                       PROCESS_INFORMATION *pi, DWORD *os_err);

/* The text of a Windows error code (FormatMessage, no trailing newline). */
void cimjob__win32_strerror(DWORD err, char *buf, size_t size);

/* ---- job.c ----------------------------------------------------------------------------------- */

/* A fresh Job Object: not inheritable, unnamed, KILL_ON_JOB_CLOSE, no breakaway of either
 * kind, its notifications going to @p port with @p key. Returns NULL (GetLastError()). */
HANDLE cimjob__win32_job_create(HANDLE port, ULONG_PTR key);
/* How many processes are in the job now, or -1 when it cannot be queried. */
long cimjob__win32_job_active(HANDLE job);
/* The ids of the job's processes, malloc'd, *count of them; NULL on failure (count 0 and a
 * NULL result for an empty job is success: check the return code). */
cimjob_rc cimjob__win32_job_pids(HANDLE job, DWORD **pids, size_t *count);
/* Ctrl-Break to the console group @p group, WM_CLOSE to every top-level window of a process in
 * the job. Returns how many of the two ways could be used (0: nothing could be delivered). */
int cimjob__win32_job_ask_to_stop(HANDLE job, DWORD group);
/* TerminateJobObject, treating the "already exited" race as success. */
cimjob_rc cimjob__win32_job_kill(HANDLE job, UINT exit_code);

/* The processes a Suspend stopped, held by handle so Start resumes exactly them. */
typedef struct cimjob__win32_frozen {
    HANDLE *procs;
    size_t count;
} cimjob__win32_frozen;

/* Whether NtSuspendProcess / NtResumeProcess are available (probed once). */
int cimjob__win32_can_suspend(void);
/* Suspend every process of the job, repeating the scan until no new process appears. On
 * failure everything already suspended is resumed again. */
cimjob_rc cimjob__win32_job_suspend(HANDLE job, cimjob__win32_frozen *out);
/* Resume what a suspend stopped and close the handles. */
cimjob_rc cimjob__win32_job_resume(cimjob__win32_frozen *f);

/* The exit code TerminateJobObject gives the job's processes. It is also what a process gets
 * when it is killed by the backend, so a kill reads as "exited with status 1" nowhere: the
 * backend describes it as a kill. */
#define CIMJOB__WIN32_KILL_EXIT_CODE 1u

#endif
