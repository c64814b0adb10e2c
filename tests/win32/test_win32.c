/*
 * The win32 backend against real processes under Windows (or Wine): exit codes into JobState,
 * process trees ended by Kill and by Terminate with nothing left (ActiveProcesses 0 and every
 * process handle signalled), breakaway refused, a missing program, argv quoting round trips,
 * Suspend / Start, WAIT_FOR_ALL, environment and working directory (teardown shapes 18-20).
 *
 * White-box: it reads the job's backend state to hold its own handle to the Job Object, so it
 * can count what is left after the library says the job has ended.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "win32.h"

#include <shellapi.h>

#define MS  INT64_C(1000)
#define SEC INT64_C(1000000)

static char helper[MAX_PATH * 3];
static char tmpdir[MAX_PATH * 3];
static unsigned int serial;

/* ---- fixture --------------------------------------------------------------------------------- */

static int setup(void **state)
{
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_backend_by_name("win32");
    ro.kill_timeout_us = 10 * SEC;
    cimjob_registry *reg = NULL;
    if (cimjob_registry_new(&ro, &reg) != CIMJOB_RC_SUCCESS)
        return -1;
    *state = reg;
    return 0;
}

static int teardown(void **state)
{
    return cimjob_registry_free(*state) == CIMJOB_RC_SUCCESS ? 0 : -1;
}

static void tmp_path(char *buf, size_t size, const char *what)
{
    snprintf(buf, size, "%scimjob-test-%lu-%u-%s.txt", tmpdir, (unsigned long)GetCurrentProcessId(),
             ++serial, what);
}

/* Start a job on @p argv with stdout to @p out_path (or the host's when NULL). */
static cimjob_job *start(cimjob_registry *reg, const char *const *argv, const char *out_path,
                         unsigned int flags)
{
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "win32 test";
    o.argv = argv;
    o.flags = CIMJOB_JOB_START | flags;
    if (out_path) {
        o.stdio[1].mode = CIMJOB_STDIO_FILE;
        o.stdio[1].path = out_path;
    }
    cimjob_job *job = NULL;
    assert_int_equal(cimjob_create(reg, &o, &job), CIMJOB_RC_SUCCESS);
    return job;
}

static cimjob_info query(cimjob_job *job)
{
    cimjob_info info = CIMJOB_INFO_INIT;
    assert_int_equal(cimjob_query(job, &info), CIMJOB_RC_SUCCESS);
    return info;
}

static cimjob_job_state wait_final(cimjob_job *job, int64_t timeout_us)
{
    cimjob_job_state st = CIMJOB_JOB_STATE_NEW;
    assert_int_equal(cimjob_wait(job, 0, timeout_us, &st), CIMJOB_RC_SUCCESS);
    return st;
}

/* Our own handle to the job's Job Object, valid after the library lets go of its own. */
static HANDLE dup_job_handle(cimjob_job *job)
{
    cimjob__mutex_lock(&job->lock);
    HANDLE h = cimjob__win32_job_handle(job->be_job);
    cimjob__mutex_unlock(&job->lock);
    assert_non_null(h);
    HANDLE dup = NULL;
    assert_true(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, FALSE,
                                DUPLICATE_SAME_ACCESS));
    return dup;
}

/* Wait until the Job Object holds at least @p n processes. */
static long wait_active(HANDLE job, long n, int64_t timeout_us)
{
    int64_t end = cimjob__now_monotonic() + timeout_us;
    long active;
    while ((active = cimjob__win32_job_active(job)) < n && cimjob__now_monotonic() < end)
        Sleep(20);
    return active;
}

/* Handles to every process in the job now. */
static size_t open_all(HANDLE job, HANDLE *out, size_t cap)
{
    DWORD *pids;
    size_t n, k = 0;
    assert_int_equal(cimjob__win32_job_pids(job, &pids, &n), CIMJOB_RC_SUCCESS);
    for (size_t i = 0; i < n && k < cap; i++) {
        HANDLE h = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_INFORMATION, FALSE, pids[i]);
        BOOL in = FALSE;
        if (h && IsProcessInJob(h, job, &in) && in)
            out[k++] = h;
        else if (h)
            CloseHandle(h);
    }
    cimjob__free(pids);
    return k;
}

/* Nothing left: the Job Object is empty and every process we opened has ended. */
static void assert_nothing_left(HANDLE job, HANDLE *procs, size_t n)
{
    assert_int_equal(cimjob__win32_job_active(job), 0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(WaitForSingleObject(procs[i], 0), WAIT_OBJECT_0);
        CloseHandle(procs[i]);
    }
    CloseHandle(job);
}

/* The whole content of a file (malloc'd, NUL-terminated), or "" when it cannot be read. */
static char *slurp(const char *path)
{
    wchar_t *w = cimjob__win32_utf16(path);
    HANDLE f = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           NULL, OPEN_EXISTING, 0, NULL);
    cimjob__free(w);
    char *buf = calloc(1, 1 << 16);
    assert_non_null(buf);
    if (f != INVALID_HANDLE_VALUE) {
        DWORD got = 0, total = 0;
        while (total < (1 << 16) - 1 &&
               ReadFile(f, buf + total, (1 << 16) - 1 - total, &got, NULL) && got > 0)
            total += got;
        CloseHandle(f);
    }
    return buf;
}

static void wait_for_text(const char *path, const char *needle, int64_t timeout_us)
{
    int64_t end = cimjob__now_monotonic() + timeout_us;
    for (;;) {
        char *s = slurp(path);
        int found = strstr(s, needle) != NULL;
        free(s);
        if (found)
            return;
        if (cimjob__now_monotonic() >= end)
            fail_msg("'%s' never appeared in %s", needle, path);
        Sleep(20);
    }
}

static void remove_file(const char *path)
{
    wchar_t *w = cimjob__win32_utf16(path);
    DeleteFileW(w);
    cimjob__free(w);
}

/* ---- exit codes ------------------------------------------------------------------------------ */

static void test_exit_0(void **state)
{
    const char *argv[] = {helper, "exit", "0", NULL};
    cimjob_job *job = start(*state, argv, NULL, 0);
    assert_int_equal(wait_final(job, 20 * SEC), CIMJOB_JOB_STATE_COMPLETED);
    cimjob_info info = query(job);
    assert_int_equal(info.error_code, 0);
    assert_int_equal(info.exit_status, 0);
    assert_string_equal(info.error_description, "");
    assert_int_equal(info.containment, CIMJOB_CONTAINMENT_JOB_OBJECT);
    assert_string_equal(info.backend, "win32");
    assert_true(strncmp(info.owner, "S-1-", 4) == 0);
    cimjob_job_release(job);
}

static void test_exit_3(void **state)
{
    const char *argv[] = {helper, "exit", "3", NULL};
    cimjob_job *job = start(*state, argv, NULL, 0);
    assert_int_equal(wait_final(job, 20 * SEC), CIMJOB_JOB_STATE_EXCEPTION);
    cimjob_info info = query(job);
    assert_int_equal(info.error_code, 3);
    assert_int_equal(info.exit_status, 3);
    assert_string_equal(info.error_description, "exited with status 3");
    cimjob_job_release(job);
}

static void test_missing_program(void **state)
{
    const char *argv[] = {"cimjob-no-such-program.exe", "x", NULL};
    cimjob_job *job = start(*state, argv, NULL, 0);
    cimjob_info info = query(job);
    assert_int_equal(info.job_state, CIMJOB_JOB_STATE_EXCEPTION);
    assert_int_equal(info.error_code, 127);
    assert_non_null(
        strstr(info.error_description, "command not found: cimjob-no-such-program.exe ("));
    cimjob_job_release(job);
}

static void test_not_executable(void **state)
{
    /* A text file is not a Win32 application: 126, like ENOEXEC on POSIX. */
    char path[MAX_PATH * 3];
    tmp_path(path, sizeof path, "notexe.exe");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("not a program\n", f);
    fclose(f);
    const char *argv[] = {path, NULL};
    cimjob_job *job = start(*state, argv, NULL, 0);
    cimjob_info info = query(job);
    assert_int_equal(info.job_state, CIMJOB_JOB_STATE_EXCEPTION);
    assert_int_equal(info.error_code, 126);
    assert_non_null(strstr(info.error_description, "command not executable: "));
    cimjob_job_release(job);
    remove_file(path);
}

/* ---- trees ----------------------------------------------------------------------------------- */

/* Shape 19: cmd starts a background ping and a foreground ping. */
static const char *const ping_tree[] = {
    "cmd", "/c", "start /b ping -n 100 127.0.0.1 & ping -n 100 127.0.0.1", NULL};

static void tree_ended_by(cimjob_registry *reg, const char *const *argv, long min_procs,
                          cimjob_requested_state how)
{
    cimjob_job *job = start(reg, argv, NULL, 0);
    HANDLE hjob = dup_job_handle(job);
    assert_true(wait_active(hjob, min_procs, 20 * SEC) >= min_procs);
    HANDLE procs[64];
    size_t n = open_all(hjob, procs, 64);
    assert_true(n >= (size_t)min_procs);

    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.timeout_us = 2 * SEC;
    int64_t t0 = cimjob__now_monotonic();
    cimjob_rsc_rc rc = cimjob_request_state_change_ex(job, how, &ro);
    int64_t took = cimjob__now_monotonic() - t0;
    if (how == CIMJOB_REQUEST_KILL) {
        assert_int_equal(rc, CIMJOB_RSC_COMPLETED);
        assert_int_equal(query(job).job_state, CIMJOB_JOB_STATE_KILLED);
    } else {
        /* Ctrl-Break reaches the tree only if it shares the test's console; otherwise the
         * Terminate is escalated at its TimeoutPeriod and still ends Terminated. */
        assert_true(rc == CIMJOB_RSC_COMPLETED || rc == CIMJOB_RSC_TIMEOUT);
        assert_int_equal(query(job).job_state, CIMJOB_JOB_STATE_TERMINATED);
    }
    /* TimeoutPeriod + a small bound. */
    assert_true(took < 2 * SEC + 3 * SEC);
    assert_nothing_left(hjob, procs, n);
    cimjob_job_release(job);
}

static void test_tree_kill(void **state)
{
    tree_ended_by(*state, ping_tree, 3, CIMJOB_REQUEST_KILL);
}

static void test_tree_terminate(void **state)
{
    tree_ended_by(*state, ping_tree, 3, CIMJOB_REQUEST_TERMINATE);
}

static void test_helper_tree_kill(void **state)
{
    const char *argv[] = {helper, "spawn", "4", "100000", NULL};
    tree_ended_by(*state, argv, 5, CIMJOB_REQUEST_KILL);
}

static void test_ignore_break_terminate(void **state)
{
    char out[MAX_PATH * 3];
    tmp_path(out, sizeof out, "ignore");
    const char *argv[] = {helper, "ignore-break", "100000", NULL};
    cimjob_job *job = start(*state, argv, out, 0);
    wait_for_text(out, "ready", 20 * SEC);
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.timeout_us = 1 * SEC;
    assert_int_equal(cimjob_request_state_change_ex(job, CIMJOB_REQUEST_TERMINATE, &ro),
                     CIMJOB_RSC_TIMEOUT);
    cimjob_info info = query(job);
    assert_int_equal(info.job_state, CIMJOB_JOB_STATE_TERMINATED);
    assert_int_equal(info.escalated, 1);
    cimjob_job_release(job);
    remove_file(out);
}

/* Shape 20: the child asks for CREATE_BREAKAWAY_FROM_JOB and is refused (or, were it let
 * through, would have to be in the job all the same); everything dies with the job. */
static void test_breakaway(void **state)
{
    char out[MAX_PATH * 3];
    tmp_path(out, sizeof out, "breakaway");
    const char *argv[] = {helper, "breakaway", "1000", NULL};
    cimjob_job *job = start(*state, argv, out, 0);
    HANDLE hjob = dup_job_handle(job);
    wait_for_text(out, "ready", 20 * SEC);
    char *text = slurp(out);
    assert_null(strstr(text, "breakaway-child"));
    assert_non_null(strstr(text, "breakaway-error 5")); /* ERROR_ACCESS_DENIED */
    HANDLE procs[64];
    size_t n = 0;
    for (char *p = text; (p = strstr(p, "child ")) != NULL; p += 6) {
        if (p > text && p[-1] != '\n')
            continue;
        DWORD pid = (DWORD)strtoul(p + 6, NULL, 10);
        HANDLE h = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_INFORMATION, FALSE, pid);
        assert_non_null(h);
        BOOL in = FALSE;
        assert_true(IsProcessInJob(h, hjob, &in));
        assert_true(in);
        procs[n++] = h;
    }
    free(text);
    assert_true(n >= 1);
    /* The main process exits by itself after 1 s; the child it left sleeps as long, but the
     * job (default: no WAIT_FOR_ALL) kills whatever is left when the main process ends. */
    assert_int_equal(wait_final(job, 20 * SEC), CIMJOB_JOB_STATE_COMPLETED);
    assert_nothing_left(hjob, procs, n);
    cimjob_job_release(job);
    remove_file(out);
}

/* The main process exits at once; its child lives on for 200 s. Default: the child is killed
 * and the job ends at once; with WAIT_FOR_ALL it waits for the child (here, ended by Kill). */
static void test_leftovers_killed(void **state)
{
    char out[MAX_PATH * 3];
    tmp_path(out, sizeof out, "leftover");
    const char *argv[] = {helper, "spawn", "1", "200000", "0", NULL};
    cimjob_job *job = start(*state, argv, out, 0);
    HANDLE hjob = dup_job_handle(job);
    assert_int_equal(wait_final(job, 20 * SEC), CIMJOB_JOB_STATE_COMPLETED);
    char *text = slurp(out);
    assert_non_null(strstr(text, "ready"));
    free(text);
    assert_nothing_left(hjob, NULL, 0);
    cimjob_job_release(job);
    remove_file(out);
}

static void test_wait_for_all(void **state)
{
    const char *argv[] = {helper, "spawn", "1", "1500", "0", NULL};
    int64_t t0 = cimjob__now_monotonic();
    cimjob_job *job = start(*state, argv, NULL, CIMJOB_JOB_WAIT_FOR_ALL);
    HANDLE hjob = dup_job_handle(job);
    assert_int_equal(wait_final(job, 20 * SEC), CIMJOB_JOB_STATE_COMPLETED);
    /* Not before the child's 1.5 s sleep. */
    assert_true(cimjob__now_monotonic() - t0 >= 1400 * MS);
    assert_nothing_left(hjob, NULL, 0);
    cimjob_job_release(job);
}

/* ---- suspend --------------------------------------------------------------------------------- */

static LONGLONG file_size(const char *path)
{
    char *s = slurp(path);
    LONGLONG n = (LONGLONG)strlen(s);
    free(s);
    return n;
}

static void test_suspend_resume(void **state)
{
    char out[MAX_PATH * 3];
    tmp_path(out, sizeof out, "tick");
    const char *argv[] = {helper, "tick", "100000", NULL};
    cimjob_job *job = start(*state, argv, out, 0);
    wait_for_text(out, "tick 3\n", 20 * SEC);
    cimjob_rsc_rc rc = cimjob_request_state_change(job, CIMJOB_REQUEST_SUSPEND, NULL);
    if (rc == CIMJOB_RSC_NOT_SUPPORTED) {
        print_message("Suspend: Not Supported here\n");
    } else {
        assert_int_equal(rc, CIMJOB_RSC_COMPLETED);
        assert_int_equal(query(job).job_state, CIMJOB_JOB_STATE_SUSPENDED);
        Sleep(100); /* a write in flight when the threads stopped */
        LONGLONG a = file_size(out);
        Sleep(400);
        assert_true(file_size(out) == a);
        assert_int_equal(cimjob_request_state_change(job, CIMJOB_REQUEST_START, NULL),
                         CIMJOB_RSC_COMPLETED);
        assert_int_equal(query(job).job_state, CIMJOB_JOB_STATE_RUNNING);
        Sleep(400);
        assert_true(file_size(out) > a);
        /* Terminate from Suspended resumes first; Kill works on a suspended job as it is. */
        assert_int_equal(cimjob_request_state_change(job, CIMJOB_REQUEST_SUSPEND, NULL),
                         CIMJOB_RSC_COMPLETED);
    }
    assert_int_equal(cimjob_kill_job(job, 0), CIMJOB_RC_SUCCESS);
    assert_int_equal(query(job).job_state, CIMJOB_JOB_STATE_KILLED);
    cimjob_job_release(job);
    remove_file(out);
}

static void test_suspend_tree(void **state)
{
    const char *argv[] = {helper, "spawn", "3", "100000", NULL};
    cimjob_job *job = start(*state, argv, NULL, 0);
    HANDLE hjob = dup_job_handle(job);
    assert_true(wait_active(hjob, 4, 20 * SEC) >= 4);
    cimjob_rsc_rc rc = cimjob_request_state_change(job, CIMJOB_REQUEST_SUSPEND, NULL);
    assert_true(rc == CIMJOB_RSC_COMPLETED || rc == CIMJOB_RSC_NOT_SUPPORTED);
    if (rc == CIMJOB_RSC_COMPLETED)
        assert_int_equal(cimjob_request_state_change(job, CIMJOB_REQUEST_START, NULL),
                         CIMJOB_RSC_COMPLETED);
    HANDLE procs[64];
    size_t n = open_all(hjob, procs, 64);
    rc = cimjob_request_state_change(job, CIMJOB_REQUEST_TERMINATE, "00000000000001.000000:000");
    assert_true(rc == CIMJOB_RSC_COMPLETED || rc == CIMJOB_RSC_TIMEOUT);
    assert_int_equal(query(job).job_state, CIMJOB_JOB_STATE_TERMINATED);
    assert_nothing_left(hjob, procs, n);
    cimjob_job_release(job);
}

/* ---- argv, environment, working directory ---------------------------------------------------- */

static const char *const tricky[] = {
    "plain",
    "with space",
    "",
    "quote\"inside",
    "\"",
    "\"\"",
    "trailing\\",
    "trailing space\\",
    "two trailing\\\\",
    "back\\\\\"quote",
    "\\\\server\\share\\dir",
    "a\\b c\\\\d",
    "\\",
    "\\\"",
    "tab\there",
    "multiple   spaces",
    "ends with quote\"",
    "\xc3\xbcn\xc3\xaf"
    "c\xc3\xb6"
    "d\xc3\xa9 \xe2\x82\xac",               /* ünïcödé € (split: \x eats hex) */
    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", /* 日本語 */
    "\xf0\x9f\x98\x80 astral",              /* U+1F600: a surrogate pair */
    "%PATH% ^ & | < >",
    NULL,
};

static void hex_of(const char *s, char *out)
{
    size_t k = 0;
    for (; *s; s++)
        k += (size_t)sprintf(out + k, "%02x", (unsigned char)*s);
    out[k] = '\0';
}

static void test_argv_round_trip(void **state)
{
    char out[MAX_PATH * 3];
    tmp_path(out, sizeof out, "argv");
    const char *argv[64];
    size_t n = 0;
    argv[n++] = helper;
    argv[n++] = "argv";
    for (size_t i = 0; tricky[i]; i++)
        argv[n++] = tricky[i];
    argv[n] = NULL;
    cimjob_job *job = start(*state, argv, out, 0);
    assert_int_equal(wait_final(job, 20 * SEC), CIMJOB_JOB_STATE_COMPLETED);
    cimjob_job_release(job);

    char *text = slurp(out);
    char expect[64 * 1024];
    size_t k = 0;
    static const char *const tags[] = {"crt", "shell"};
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; tricky[i]; i++) {
            char hex[512];
            hex_of(tricky[i], hex);
            k += (size_t)sprintf(expect + k, "%s %s\n", tags[t], hex);
        }
    }
    assert_string_equal(text, expect);
    free(text);
    remove_file(out);
}

/* The command line builder against CommandLineToArgvW in-process, without starting anything. */
static void test_command_line(void **state)
{
    (void)state;
    const char *argv[64];
    size_t n = 0;
    argv[n++] = "C:\\Program Files\\x y\\prog.exe";
    for (size_t i = 0; tricky[i]; i++)
        argv[n++] = tricky[i];
    argv[n] = NULL;
    wchar_t *cmd = NULL;
    cimjob_rc rc = cimjob__win32_command_line(argv, &cmd);
    if (rc != CIMJOB_RC_SUCCESS)
        fail_msg("command line: %s", cimjob_last_error());
    int argc = 0;
    wchar_t **back = CommandLineToArgvW(cmd, &argc);
    assert_non_null(back);
    assert_int_equal(argc, (int)n);
    for (size_t i = 0; i < n; i++) {
        char *u = cimjob__win32_utf8(back[i]);
        assert_string_equal(u, argv[i]);
        cimjob__free(u);
    }
    LocalFree(back);
    cimjob__free(cmd);

    const char *bad0[] = {"a\"b", NULL};
    assert_int_equal(cimjob__win32_command_line(bad0, &cmd), CIMJOB_RC_INVALID_PARAMETER);
    const char *bad_utf8[] = {"prog", "\xff\xfe", NULL};
    assert_int_equal(cimjob__win32_command_line(bad_utf8, &cmd), CIMJOB_RC_INVALID_PARAMETER);
}

static void test_env_and_cwd(void **state)
{
    char out[MAX_PATH * 3];
    tmp_path(out, sizeof out, "env");
    const char *envp[] = {"ZZ_LAST=z", "CIMJOB_T=h\xc3\xa9llo w\xc3\xb6rld", "A_FIRST=a", NULL};
    const char *argv[] = {helper, "env", "CIMJOB_T", NULL};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "env";
    o.argv = argv;
    o.envp = envp;
    o.flags = CIMJOB_JOB_START;
    o.stdio[0].mode = CIMJOB_STDIO_NULL;
    o.stdio[1].mode = CIMJOB_STDIO_FILE;
    o.stdio[1].path = out;
    o.stdio[2].mode = CIMJOB_STDIO_NULL;
    cimjob_job *job = NULL;
    assert_int_equal(cimjob_create(*state, &o, &job), CIMJOB_RC_SUCCESS);
    assert_int_equal(wait_final(job, 20 * SEC), CIMJOB_JOB_STATE_COMPLETED);
    cimjob_job_release(job);
    char *text = slurp(out);
    assert_string_equal(text, "h\xc3\xa9llo w\xc3\xb6rld\n");
    free(text);

    /* The working directory, and output appended to the same file. */
    const char *argv2[] = {helper, "cwd", NULL};
    o.argv = argv2;
    o.envp = NULL;
    o.cwd = tmpdir;
    o.stdio[1].append = 1;
    assert_int_equal(cimjob_create(*state, &o, &job), CIMJOB_RC_SUCCESS);
    assert_int_equal(wait_final(job, 20 * SEC), CIMJOB_JOB_STATE_COMPLETED);
    cimjob_job_release(job);
    text = slurp(out);
    char expect[MAX_PATH * 4];
    size_t tl = strlen(tmpdir);
    /* GetCurrentDirectory has no trailing backslash except at a drive's root. */
    snprintf(expect, sizeof expect, "h\xc3\xa9llo w\xc3\xb6rld\n%.*s\n",
             (int)(tl > 3 && tmpdir[tl - 1] == '\\' ? tl - 1 : tl), tmpdir);
    assert_string_equal(text, expect);
    free(text);

    /* A working directory that does not exist: Exception 126. */
    o.cwd = "Z:\\cimjob-no-such-dir\\x";
    assert_int_equal(cimjob_create(*state, &o, &job), CIMJOB_RC_SUCCESS);
    cimjob_info info = query(job);
    assert_int_equal(info.job_state, CIMJOB_JOB_STATE_EXCEPTION);
    assert_true(info.error_code == 126 || info.error_code == 127);
    cimjob_job_release(job);
    remove_file(out);
}

static void test_no_pollable(void **state)
{
    intptr_t fd = 0;
    assert_int_equal(cimjob_registry_fd(*state, &fd), CIMJOB_RC_NOT_SUPPORTED);
}

/* ---- main ------------------------------------------------------------------------------------ */

int main(void)
{
    wchar_t w[MAX_PATH];
    DWORD n = GetModuleFileNameW(NULL, w, MAX_PATH);
    while (n > 0 && w[n - 1] != L'\\' && w[n - 1] != L'/')
        n--;
    w[n] = L'\0';
    wcscat(w, L"cimjob-win32-helper.exe");
    WideCharToMultiByte(CP_UTF8, 0, w, -1, helper, sizeof helper, NULL, NULL);
    GetTempPathW(MAX_PATH, w);
    WideCharToMultiByte(CP_UTF8, 0, w, -1, tmpdir, sizeof tmpdir, NULL, NULL);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_line),
        cmocka_unit_test_setup_teardown(test_exit_0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_program, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_executable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_argv_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_and_cwd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tree_kill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tree_terminate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_helper_tree_kill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ignore_break_terminate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_breakaway, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leftovers_killed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_for_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suspend_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suspend_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_pollable, setup, teardown),
    };
    return cmocka_run_group_tests_name("win32", tests, NULL, NULL);
}
