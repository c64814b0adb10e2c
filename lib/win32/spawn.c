/*
 * Starting a job's main process: argv (UTF-8) to one quoted UTF-16 command line, the
 * environment block, the standard handles, and CreateProcessW inside the job's Job Object
 * before the process runs a single instruction of its own.
 */
#include "win32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "../core/alloc.h"
#include "../core/error.h"
#include "../core/platform.h"

/* Older MinGW headers lack the attribute; its value is fixed by the Windows ABI. */
#ifndef PROC_THREAD_ATTRIBUTE_JOB_LIST
#define PROC_THREAD_ATTRIBUTE_JOB_LIST 0x0002000DU
#endif

/* CreateProcess's limit, including the terminating NUL. */
#define WIN32_CMDLINE_MAX 32767

/* ---- UTF-8 / UTF-16 -------------------------------------------------------------------------- */

wchar_t *cimjob__win32_utf16(const char *s)
{
    /* MB_ERR_INVALID_CHARS: invalid UTF-8 is an error, not silently replaced by U+FFFD. */
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    wchar_t *w = cimjob__malloc((size_t)n * sizeof *w);
    if (!w)
        return NULL;
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        cimjob__free(w);
        return NULL;
    }
    return w;
}

char *cimjob__win32_utf8(const wchar_t *s)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, s, -1, NULL, 0, NULL, NULL);
    if (n <= 0)
        return NULL;
    char *u = cimjob__malloc((size_t)n);
    if (!u)
        return NULL;
    if (WideCharToMultiByte(CP_UTF8, 0, s, -1, u, n, NULL, NULL) != n) {
        cimjob__free(u);
        return NULL;
    }
    return u;
}

void cimjob__win32_strerror(DWORD err, char *buf, size_t size)
{
    wchar_t w[256];
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err,
                             0, w, sizeof w / sizeof w[0], NULL);
    /* FormatMessage ends its text with "\r\n"; a description is one line. */
    while (n > 0 && (w[n - 1] == L'\r' || w[n - 1] == L'\n' || w[n - 1] == L' '))
        w[--n] = L'\0';
    if (n == 0 || WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)size, NULL, NULL) <= 0)
        snprintf(buf, size, "Windows error %lu", (unsigned long)err);
}

/* ---- the command line ------------------------------------------------------------------------ */

/* A growable UTF-16 buffer. */
typedef struct win32_wbuf {
    wchar_t *p;
    size_t len, cap;
    int oom;
} win32_wbuf;

static void wbuf_put(win32_wbuf *b, wchar_t c, size_t times)
{
    if (b->oom)
        return;
    if (b->len + times + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + times + 1 > cap)
            cap *= 2;
        wchar_t *p = cimjob__realloc(b->p, cap * sizeof *p);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    for (size_t i = 0; i < times; i++)
        b->p[b->len++] = c;
    b->p[b->len] = L'\0';
}

static int win32_needs_quotes(const wchar_t *a)
{
    /* Space and tab separate arguments; newline and vertical tab are quoted too because some
     * parsers (cmd.exe, older CRTs) treat them as separators. */
    return *a == L'\0' || wcspbrk(a, L" \t\n\v\"") != NULL;
}

/* One argument after argv[0], by the rules CommandLineToArgvW and the MSVCRT/UCRT share:
 * backslashes are literal unless they precede a '"'; 2n backslashes + '"' give n backslashes
 * and a quote that toggles quoting; 2n+1 backslashes + '"' give n backslashes and a literal
 * '"'. So inside quotes every run of backslashes before a '"' (or before the closing quote) is
 * doubled, and each '"' is escaped. */
static void win32_quote_arg(win32_wbuf *b, const wchar_t *a)
{
    if (!win32_needs_quotes(a)) {
        for (; *a; a++)
            wbuf_put(b, *a, 1);
        return;
    }
    wbuf_put(b, L'"', 1);
    for (;;) {
        size_t slashes = 0;
        while (*a == L'\\') {
            slashes++;
            a++;
        }
        if (*a == L'\0') {
            wbuf_put(b, L'\\', slashes * 2);
            break;
        }
        if (*a == L'"') {
            wbuf_put(b, L'\\', slashes * 2 + 1);
            wbuf_put(b, L'"', 1);
        } else {
            wbuf_put(b, L'\\', slashes);
            wbuf_put(b, *a, 1);
        }
        a++;
    }
    wbuf_put(b, L'"', 1);
}

cimjob_rc cimjob__win32_command_line(const char *const *argv, wchar_t **out)
{
    win32_wbuf b = {NULL, 0, 0, 0};
    *out = NULL;
    for (size_t i = 0; argv[i]; i++) {
        wchar_t *w = cimjob__win32_utf16(argv[i]);
        if (!w) {
            cimjob__free(b.p);
            return cimjob_backend_fail(CIMJOB_RC_INVALID_PARAMETER,
                                       "win32: argv[%zu] is not valid UTF-8", i);
        }
        if (i == 0) {
            /* The program name is parsed by CreateProcess and the CRTs without escapes: it
             * ends at the next '"' when quoted, at white space otherwise. A '"' cannot be
             * represented (nor can it appear in a Windows file name). */
            if (wcschr(w, L'"')) {
                cimjob__free(w);
                cimjob__free(b.p);
                return cimjob_backend_fail(CIMJOB_RC_INVALID_PARAMETER,
                                           "win32: argv[0] cannot contain '\"' on Windows");
            }
            int q = win32_needs_quotes(w);
            if (q)
                wbuf_put(&b, L'"', 1);
            for (const wchar_t *p = w; *p; p++)
                wbuf_put(&b, *p, 1);
            if (q)
                wbuf_put(&b, L'"', 1);
        } else {
            wbuf_put(&b, L' ', 1);
            win32_quote_arg(&b, w);
        }
        cimjob__free(w);
    }
    if (b.oom) {
        cimjob__free(b.p);
        return cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "win32: out of memory");
    }
    if (b.len + 1 > WIN32_CMDLINE_MAX) {
        cimjob__free(b.p);
        return cimjob_backend_fail(CIMJOB_RC_INVALID_PARAMETER,
                                   "win32: the command line is %zu characters; Windows allows %d",
                                   b.len, WIN32_CMDLINE_MAX - 1);
    }
    *out = b.p;
    return CIMJOB_RC_SUCCESS;
}

/* ---- the environment block ------------------------------------------------------------------- */

/* The length of an entry's name: up to the first '=' after the first character (names like
 * "=C:" hold the per-drive directories cmd.exe keeps). */
static size_t win32_env_name_len(const wchar_t *e)
{
    const wchar_t *eq = e[0] ? wcschr(e + 1, L'=') : NULL;
    return eq ? (size_t)(eq - e) : wcslen(e);
}

/* Windows wants the block sorted by name, case-insensitively and without regard to locale. */
static int win32_env_cmp(const void *pa, const void *pb)
{
    const wchar_t *a = *(const wchar_t *const *)pa, *b = *(const wchar_t *const *)pb;
    int r =
        CompareStringOrdinal(a, (int)win32_env_name_len(a), b, (int)win32_env_name_len(b), TRUE);
    return r - CSTR_EQUAL;
}

cimjob_rc cimjob__win32_env_block(const char *const *envp, wchar_t **out)
{
    size_t n = 0;
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    *out = NULL;
    while (envp[n])
        n++;
    /* One spare slot for SystemRoot. */
    wchar_t **v = cimjob__calloc(n + 2, sizeof *v);
    if (!v)
        return cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "win32: out of memory");
    int have_sysroot = 0;
    for (size_t i = 0; i < n; i++) {
        v[i] = cimjob__win32_utf16(envp[i]);
        if (!v[i]) {
            rc = cimjob_backend_fail(CIMJOB_RC_INVALID_PARAMETER,
                                     "win32: envp[%zu] is not valid UTF-8", i);
            goto out;
        }
        size_t nl = win32_env_name_len(v[i]);
        if (v[i][nl] != L'=') {
            rc = cimjob_backend_fail(CIMJOB_RC_INVALID_PARAMETER,
                                     "win32: envp[%zu] is not NAME=VALUE", i);
            goto out;
        }
        if (nl == 10 && CompareStringOrdinal(v[i], 10, L"SystemRoot", 10, TRUE) == CSTR_EQUAL)
            have_sysroot = 1;
    }
    if (!have_sysroot) {
        wchar_t root[MAX_PATH];
        DWORD len = GetEnvironmentVariableW(L"SystemRoot", root, MAX_PATH);
        if (len > 0 && len < MAX_PATH) {
            v[n] = cimjob__malloc((len + 12) * sizeof(wchar_t));
            if (!v[n]) {
                rc = cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "win32: out of memory");
                goto out;
            }
            wcscpy(v[n], L"SystemRoot=");
            wcscat(v[n], root);
            n++;
        }
    }
    qsort(v, n, sizeof *v, win32_env_cmp);
    size_t total = 1; /* the final extra NUL */
    for (size_t i = 0; i < n; i++)
        total += wcslen(v[i]) + 1;
    if (total < 2)
        total = 2; /* an empty block is two NULs */
    wchar_t *blk = cimjob__malloc(total * sizeof *blk), *p = blk;
    if (!blk) {
        rc = cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "win32: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = wcslen(v[i]) + 1;
        memcpy(p, v[i], len * sizeof *p);
        p += len;
    }
    *p++ = L'\0';
    if (n == 0)
        *p = L'\0';
    *out = blk;
out:
    for (size_t i = 0; i < n + 1; i++)
        cimjob__free(v[i]);
    cimjob__free(v);
    return rc;
}

/* ---- errors ---------------------------------------------------------------------------------- */

uint32_t cimjob__win32_spawn_error(DWORD err, const char *argv0, char *buf, size_t size)
{
    char text[256];
    cimjob__win32_strerror(err, text, sizeof text);
    switch (err) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
        snprintf(buf, size, "command not found: %s (%s)", argv0, text);
        return 127;
    case ERROR_DIRECTORY:
        /* CreateProcessW's answer to a lpCurrentDirectory that is not a directory. */
        snprintf(buf, size, "cannot change to the working directory: %s", text);
        return 126;
    default:
        /* Access denied, not a valid Win32 application, wrong machine type, elevation
         * required, ...: the file is there but cannot be run, as POSIX's EACCES/ENOEXEC. */
        snprintf(buf, size, "command not executable: %s (%s)", argv0, text);
        return 126;
    }
}

/* ---- standard handles ------------------------------------------------------------------------ */

/* An inheritable handle for stream @p i, or NULL for "none". Each is a private duplicate, so
 * the handle list has no duplicates and closing them never touches the caller's handles. */
static cimjob_rc win32_stdio_handle(const cimjob_stdio *s, int i, HANDLE *out)
{
    static const DWORD std_ids[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
    static const char *const names[3] = {"stdin", "stdout", "stderr"};
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE self = GetCurrentProcess(), src = NULL, h = NULL;
    *out = NULL;

    switch (s->mode) {
    case CIMJOB_STDIO_INHERIT:
    case CIMJOB_STDIO_FD:
        src = s->mode == CIMJOB_STDIO_FD ? (HANDLE)s->fd : GetStdHandle(std_ids[i]);
        /* A host without a console (a service, a GUI program) has no standard handles: the
         * child then has none either, as it would from Explorer. */
        if (s->mode == CIMJOB_STDIO_INHERIT && (src == NULL || src == INVALID_HANDLE_VALUE))
            return CIMJOB_RC_SUCCESS;
        if (!DuplicateHandle(self, src, self, &h, 0, TRUE, DUPLICATE_SAME_ACCESS)) {
            char text[200];
            cimjob__win32_strerror(GetLastError(), text, sizeof text);
            return cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "win32: cannot pass %s handle %p: %s",
                                       names[i], (void *)src, text);
        }
        break;
    case CIMJOB_STDIO_NULL:
        h = CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                        &sa, OPEN_EXISTING, 0, NULL);
        break;
    case CIMJOB_STDIO_FILE: {
        wchar_t *path = cimjob__win32_utf16(s->path);
        if (!path)
            return cimjob_backend_fail(CIMJOB_RC_INVALID_PARAMETER,
                                       "win32: %s path is not valid UTF-8", names[i]);
        DWORD access, disp;
        if (i == 0) {
            access = GENERIC_READ;
            disp = OPEN_EXISTING;
        } else if (s->append) {
            /* Append-only access makes every write go to the end, even with two writers. */
            access = FILE_APPEND_DATA | SYNCHRONIZE;
            disp = OPEN_ALWAYS;
        } else {
            access = GENERIC_WRITE;
            disp = CREATE_ALWAYS;
        }
        h = CreateFileW(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &sa,
                        disp, FILE_ATTRIBUTE_NORMAL, NULL);
        cimjob__free(path);
        break;
    }
    }
    if (h == INVALID_HANDLE_VALUE || h == NULL) {
        char text[200];
        cimjob__win32_strerror(GetLastError(), text, sizeof text);
        return cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "win32: cannot open %s%s%s: %s", names[i],
                                   s->path ? " " : "", s->path ? s->path : "", text);
    }
    *out = h;
    return CIMJOB_RC_SUCCESS;
}

/* ---- CreateProcessW -------------------------------------------------------------------------- */

cimjob_rc cimjob__win32_create_process(HANDLE job, const cimjob_job_options *o,
                                       PROCESS_INFORMATION *pi, DWORD *os_err)
{
    wchar_t *cmd = NULL, *env = NULL, *cwd = NULL;
    HANDLE std[3] = {NULL, NULL, NULL}, list[3];
    DWORD nlist = 0;
    LPPROC_THREAD_ATTRIBUTE_LIST attrs = NULL;
    SIZE_T attrs_size = 0;
    cimjob_rc rc;

    *os_err = 0;
    memset(pi, 0, sizeof *pi);
    if ((rc = cimjob__win32_command_line(o->argv, &cmd)) != CIMJOB_RC_SUCCESS)
        goto out;
    if (o->envp && (rc = cimjob__win32_env_block(o->envp, &env)) != CIMJOB_RC_SUCCESS)
        goto out;
    if (o->cwd && !(cwd = cimjob__win32_utf16(o->cwd))) {
        rc = cimjob_backend_fail(CIMJOB_RC_INVALID_PARAMETER, "win32: cwd is not valid UTF-8");
        goto out;
    }
    for (int i = 0; i < 3; i++) {
        if ((rc = win32_stdio_handle(&o->stdio[i], i, &std[i])) != CIMJOB_RC_SUCCESS)
            goto out;
        if (std[i])
            list[nlist++] = std[i];
    }

    /* Two attributes: the handle list (only these handles are inherited, whatever else in the
     * host happens to be inheritable), and the job list (the process starts in the job). */
    InitializeProcThreadAttributeList(NULL, 2, 0, &attrs_size);
    attrs = cimjob__malloc(attrs_size);
    if (!attrs || !InitializeProcThreadAttributeList(attrs, 2, 0, &attrs_size)) {
        cimjob__free(attrs);
        attrs = NULL;
        rc = cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "win32: cannot make an attribute list");
        goto out;
    }
    if (nlist && !UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, list,
                                            nlist * sizeof(HANDLE), NULL, NULL)) {
        char text[200];
        cimjob__win32_strerror(GetLastError(), text, sizeof text);
        rc = cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "win32: cannot set the handle list: %s", text);
        goto out;
    }
    /* Windows 10 and later (and Wine) start the process inside the job; older systems refuse
     * the attribute, and the process is assigned while still suspended instead (below). */
    int job_list = UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_JOB_LIST, &job,
                                             sizeof job, NULL, NULL) != 0;

    STARTUPINFOEXW si;
    memset(&si, 0, sizeof si);
    si.StartupInfo.cb = sizeof si;
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = std[0];
    si.StartupInfo.hStdOutput = std[1];
    si.StartupInfo.hStdError = std[2];
    si.lpAttributeList = attrs;

    /* CREATE_NEW_PROCESS_GROUP: the job is a console group of its own, so Ctrl-Break can be
     * sent to it alone. CREATE_SUSPENDED: nothing runs until the process is known to be in
     * the job. A host without a console must not make a console window pop up. */
    DWORD flags = CREATE_UNICODE_ENVIRONMENT | EXTENDED_STARTUPINFO_PRESENT |
                  CREATE_NEW_PROCESS_GROUP | CREATE_SUSPENDED;
    if (GetConsoleWindow() == NULL && GetConsoleCP() == 0)
        flags |= CREATE_NO_WINDOW;
    BOOL ok =
        CreateProcessW(NULL, cmd, NULL, NULL, nlist > 0, flags, env, cwd, &si.StartupInfo, pi);
    if (!ok) {
        *os_err = GetLastError();
        char text[200];
        cimjob__win32_strerror(*os_err, text, sizeof text);
        rc = cimjob_backend_fail(CIMJOB_RC_FAILED, "win32: CreateProcessW(%s): %s", o->argv[0],
                                 text);
        goto out;
    }

    BOOL in_job = FALSE;
    if (!job_list || !IsProcessInJob(pi->hProcess, job, &in_job) || !in_job) {
        if (!AssignProcessToJobObject(job, pi->hProcess)) {
            char text[200];
            cimjob__win32_strerror(GetLastError(), text, sizeof text);
            TerminateProcess(pi->hProcess, CIMJOB__WIN32_KILL_EXIT_CODE);
            CloseHandle(pi->hThread);
            CloseHandle(pi->hProcess);
            memset(pi, 0, sizeof *pi);
            rc = cimjob_backend_fail(CIMJOB_RC_OS_ERROR,
                                     "win32: cannot put the process in its Job Object: %s", text);
            goto out;
        }
    }
    ResumeThread(pi->hThread);
    CloseHandle(pi->hThread);
    pi->hThread = NULL;
    rc = CIMJOB_RC_SUCCESS;

out:
    /* The inheritable duplicates exist only for the duration of CreateProcessW. */
    for (int i = 0; i < 3; i++)
        if (std[i])
            CloseHandle(std[i]);
    if (attrs) {
        DeleteProcThreadAttributeList(attrs);
        cimjob__free(attrs);
    }
    cimjob__free(cmd);
    cimjob__free(env);
    cimjob__free(cwd);
    return rc;
}
