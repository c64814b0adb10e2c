/*
 * The process the win32 suite runs inside jobs (the same role as the POSIX suite's helper):
 *   argv ARGS...       print each argument, hex-encoded UTF-8, as the CRT parsed it ("crt")
 *                      and as CommandLineToArgvW parsed it ("shell"), one per line
 *   exit N             exit with status N
 *   sleep MS           sleep, then exit 0
 *   spawn N MS [EXIT]  start N children that sleep MS, print their pids, then sleep EXIT ms
 *                      (default MS) and exit 0
 *   breakaway MS       try CREATE_BREAKAWAY_FROM_JOB for a child that sleeps MS, print the
 *                      outcome and every child's pid, start a normal child too, sleep MS
 *   ignore-break MS    handle (ignore) Ctrl-Break and Ctrl-C, sleep MS
 *   tick MS            write a line to stdout every 10 ms for MS
 *   env NAME           print the variable's value (UTF-8), or "(unset)"
 *   cwd                print the working directory (UTF-8)
 * Output lines are flushed at once: the test reads them while the helper runs.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <shellapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static void out(const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    DWORD done;
    /* WriteFile, not stdio: no CRT buffering or text-mode translation between us and the
     * test that reads the file while we run. */
    WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), buf, (DWORD)n, &done, NULL);
}

static void out_hex(const char *tag, const wchar_t *w)
{
    char u[4096], hex[8193];
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, u, sizeof u, NULL, NULL);
    size_t len = n > 0 ? (size_t)n - 1 : 0, k = 0;
    for (size_t i = 0; i < len && k + 2 < sizeof hex; i++)
        k += (size_t)snprintf(hex + k, sizeof hex - k, "%02x", (unsigned char)u[i]);
    hex[k] = '\0';
    out("%s %s\n", tag, hex);
}

static void out_utf8(const wchar_t *w)
{
    char u[4096];
    if (WideCharToMultiByte(CP_UTF8, 0, w, -1, u, sizeof u, NULL, NULL) <= 0)
        u[0] = '\0';
    out("%s\n", u);
}

static HANDLE start_self(const wchar_t *args, DWORD flags, DWORD *err, DWORD *pid)
{
    wchar_t self[MAX_PATH], cmd[MAX_PATH + 64];
    GetModuleFileNameW(NULL, self, MAX_PATH);
    swprintf(cmd, sizeof cmd / sizeof cmd[0], L"\"%ls\" %ls", self, args);
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (!CreateProcessW(NULL, cmd, NULL, NULL, FALSE, flags, NULL, NULL, &si, &pi)) {
        *err = GetLastError();
        return NULL;
    }
    *err = 0;
    *pid = pi.dwProcessId;
    CloseHandle(pi.hThread);
    return pi.hProcess;
}

static BOOL WINAPI ignore_ctrl(DWORD type)
{
    (void)type;
    return TRUE; /* handled: do not end the process */
}

/* The wide entry point (-municode): argv as the CRT parsed the UTF-16 command line. */
int wmain(int argc, wchar_t **argv);
int wmain(int argc, wchar_t **argv)
{
    if (argc < 2)
        return 2;
    const wchar_t *mode = argv[1];
    if (!wcscmp(mode, L"argv")) {
        for (int i = 2; i < argc; i++)
            out_hex("crt", argv[i]);
        int n = 0;
        wchar_t **v = CommandLineToArgvW(GetCommandLineW(), &n);
        for (int i = 2; v && i < n; i++)
            out_hex("shell", v[i]);
        LocalFree(v);
        return 0;
    }
    if (!wcscmp(mode, L"exit") && argc > 2)
        return _wtoi(argv[2]);
    if (!wcscmp(mode, L"sleep") && argc > 2) {
        Sleep((DWORD)_wtoi(argv[2]));
        return 0;
    }
    if (!wcscmp(mode, L"spawn") && argc > 3) {
        int n = _wtoi(argv[2]);
        wchar_t args[64];
        swprintf(args, 64, L"sleep %ls", argv[3]);
        for (int i = 0; i < n; i++) {
            DWORD err, pid = 0;
            HANDLE h = start_self(args, 0, &err, &pid);
            if (h) {
                out("child %lu\n", (unsigned long)pid);
                CloseHandle(h);
            } else {
                out("child-error %lu\n", (unsigned long)err);
            }
        }
        out("ready\n");
        Sleep((DWORD)_wtoi(argc > 4 ? argv[4] : argv[3]));
        return 0;
    }
    if (!wcscmp(mode, L"breakaway") && argc > 2) {
        wchar_t args[64];
        swprintf(args, 64, L"sleep %ls", argv[2]);
        DWORD err, pid = 0;
        HANDLE h = start_self(args, CREATE_BREAKAWAY_FROM_JOB, &err, &pid);
        if (h) {
            out("breakaway-child %lu\n", (unsigned long)pid);
            out("child %lu\n", (unsigned long)pid);
            CloseHandle(h);
        } else {
            out("breakaway-error %lu\n", (unsigned long)err);
        }
        h = start_self(args, 0, &err, &pid);
        if (h) {
            out("child %lu\n", (unsigned long)pid);
            CloseHandle(h);
        }
        out("ready\n");
        Sleep((DWORD)_wtoi(argv[2]));
        return 0;
    }
    if (!wcscmp(mode, L"ignore-break") && argc > 2) {
        SetConsoleCtrlHandler(ignore_ctrl, TRUE);
        out("ready\n");
        Sleep((DWORD)_wtoi(argv[2]));
        return 0;
    }
    if (!wcscmp(mode, L"tick") && argc > 2) {
        DWORD end = GetTickCount() + (DWORD)_wtoi(argv[2]);
        for (unsigned long i = 0; (LONG)(end - GetTickCount()) > 0; i++) {
            out("tick %lu\n", i);
            Sleep(10);
        }
        return 0;
    }
    if (!wcscmp(mode, L"env") && argc > 2) {
        wchar_t val[4096];
        DWORD n = GetEnvironmentVariableW(argv[2], val, 4096);
        if (n == 0 || n >= 4096)
            out("(unset)\n");
        else
            out_utf8(val);
        return 0;
    }
    if (!wcscmp(mode, L"cwd")) {
        wchar_t dir[MAX_PATH];
        GetCurrentDirectoryW(MAX_PATH, dir);
        out_utf8(dir);
        return 0;
    }
    return 2;
}
