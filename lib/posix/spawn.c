/*
 * The two halves of starting a job's main process: what the parent prepares (everything that
 * allocates, opens or can be checked early), and what the child does between fork and exec.
 * The host may be multithreaded, so the child side calls only async-signal-safe functions.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "posix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <pthread.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern char **environ;

/* The child side uses the system calls directly on Linux: the child of a raw clone3 must not
 * run through wrappers that keep per-process state (sanitizer interceptors, for one, take
 * it for the parent thread and report races on descriptors that are really the child's). */
#if defined(__linux__)
#include <sys/syscall.h>
#define CHILD_DUP_HIGH(fd)      ((int)syscall(SYS_fcntl, (fd), F_DUPFD_CLOEXEC, 3))
#define CHILD_DUP3(a, b)        ((int)syscall(SYS_dup3, (a), (b), 0))
#define CHILD_CLOSE(fd)         ((void)syscall(SYS_close, (fd)))
#define CHILD_WRITE(fd, buf, n) ((ssize_t)syscall(SYS_write, (fd), (buf), (n)))
#define CHILD_CHDIR(p)          ((int)syscall(SYS_chdir, (p)))
#define CHILD_SETPGID()         ((int)syscall(SYS_setpgid, 0, 0))
#define CHILD_GETPID()          ((pid_t)syscall(SYS_getpid))
#define CHILD_TCSETPGRP(fd, pg) ((void)syscall(SYS_ioctl, (fd), TIOCSPGRP, (pg)))
#define CHILD_EXECVE(p, a, e)   ((void)syscall(SYS_execve, (p), (a), (e)))
#define CHILD_EXIT(code)        (syscall(SYS_exit_group, (code)), _exit(code))
/* An act of every field zero is SIG_DFL with no flags and an empty mask, whatever the
 * architecture's layout of the kernel's struct sigaction. */
#define CHILD_SIGACTION(sig, act)                                                                  \
    ((void)syscall(SYS_rt_sigaction, (sig), (act), NULL, (NSIG - 1) / 8))
#define CHILD_SETMASK(set)                                                                         \
    ((void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, (set), NULL, (NSIG - 1) / 8))
#ifdef SYS_close_range
#define CHILD_CLOSE_RANGE(a, b, f) ((int)syscall(SYS_close_range, (a), (b), (f)))
#else
#define CHILD_CLOSE_RANGE(a, b, f) (errno = ENOSYS, -1)
#endif
#else
#define CHILD_DUP_HIGH(fd)         fcntl((fd), F_DUPFD_CLOEXEC, 3)
#define CHILD_DUP3(a, b)           dup2((a), (b))
#define CHILD_CLOSE(fd)            ((void)close(fd))
#define CHILD_WRITE(fd, buf, n)    write((fd), (buf), (n))
#define CHILD_CHDIR(p)             chdir(p)
#define CHILD_SETPGID()            setpgid(0, 0)
#define CHILD_GETPID()             getpid()
#define CHILD_TCSETPGRP(fd, pg)    ((void)tcsetpgrp((fd), *(pg)))
#define CHILD_EXECVE(p, a, e)      ((void)execve((p), (a), (e)))
#define CHILD_EXIT(code)           _exit(code)
#define CHILD_CLOSE_RANGE(a, b, f) cimjob__posix_close_range((a), (b), (f))
#endif

static const char *const px_stream_names[3] = {"stdin", "stdout", "stderr"};

void cimjob__posix_block_all(sigset_t *old)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, old);
}

void cimjob__posix_restore_mask(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

void cimjob__posix_reset_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    /* The host's handlers point into the host's code and its ignored signals would survive
     * exec: every disposition goes back to its default. Errors (SIGKILL, SIGSTOP, the C
     * library's reserved signals) are expected and harmless. */
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            (void)sigaction(sig, &sa, NULL);
        }
    }
}

/* Build the candidate paths for argv[0] into one block: "dir/name\0dir/name\0...". The search
 * uses the host's PATH, like posix_spawnp() and execvp(). */
static cimjob_rc px_build_paths(struct cimjob__posix_exec *x, const char *name)
{
    size_t count = 0, bytes = 0;
    const char *path = NULL;
    if (strchr(name, '/') == NULL) {
        path = getenv("PATH");
        if (path == NULL || *path == '\0') {
            path = "/usr/local/bin:/usr/bin:/bin";
        }
        const char *p = path;
        for (;;) {
            const char *e = strchr(p, ':');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            count++;
            bytes += (len ? len : 1) + 1 + strlen(name) + 1;
            if (e == NULL) {
                break;
            }
            p = e + 1;
        }
    } else {
        count = 1;
        bytes = strlen(name) + 1;
    }
    x->paths = cimjob__calloc(count + 1, sizeof *x->paths);
    x->strings = cimjob__malloc(bytes);
    if (x->paths == NULL || x->strings == NULL) {
        return cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "posix spawn: out of memory");
    }
    char *out = x->strings;
    if (path == NULL) {
        memcpy(out, name, bytes);
        x->paths[0] = out;
        return CIMJOB_RC_SUCCESS;
    }
    size_t i = 0;
    const char *p = path;
    for (;;) {
        const char *e = strchr(p, ':');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        x->paths[i++] = out;
        if (len == 0) {
            *out++ = '.'; /* an empty PATH element is the current directory */
        } else {
            memcpy(out, p, len);
            out += len;
        }
        *out++ = '/';
        size_t nl = strlen(name);
        memcpy(out, name, nl + 1);
        out += nl + 1;
        if (e == NULL) {
            break;
        }
        p = e + 1;
    }
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob__posix_exec_prepare(struct cimjob__posix_exec *x, const cimjob_job_options *o)
{
    memset(x, 0, sizeof *x);
    x->errfd = -1;
    x->err_slot = NULL;
    x->ran = NULL;
    x->cgroup_procs_fd = -1;
    x->inherit_fds = (o->flags & CIMJOB_JOB_INHERIT_FDS) != 0;
    x->foreground = (o->flags & CIMJOB_JOB_FOREGROUND) != 0;
    x->inherit_signals = (o->flags & CIMJOB_JOB_INHERIT_SIGNALS) != 0;
    sigemptyset(&x->mask);
    if (x->inherit_signals) {
        (void)pthread_sigmask(SIG_BLOCK, NULL, &x->mask);
        for (int sig = 1; sig < NSIG && sig <= 128; sig++) {
            struct sigaction old;
            if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN) {
                x->ignored[(sig - 1) / 64] |= 1ULL << ((sig - 1) % 64);
            }
        }
    }
    for (int i = 0; i < 3; i++) {
        x->stdio[i] = -1;
        x->owned[i] = -1;
    }
    if (o->argv == NULL || o->argv[0] == NULL || o->argv[0][0] == '\0') {
        return cimjob_backend_fail(CIMJOB_RC_INVALID_PARAMETER,
                                   "posix spawn: argv is empty (argv[0] is required)");
    }
    /* The child gets a copy of our memory at fork, so it can use the caller's strings. */
    x->argv = (char **)(uintptr_t)o->argv;
    x->envp = o->envp != NULL ? (char **)(uintptr_t)o->envp : environ;
    if (o->cwd != NULL) {
        struct stat st;
        if (stat(o->cwd, &st) != 0) {
            return cimjob_backend_fail(CIMJOB_RC_INVALID_PARAMETER,
                                       "posix spawn: working directory '%s': %s", o->cwd,
                                       strerror(errno));
        }
        if (!S_ISDIR(st.st_mode)) {
            return cimjob_backend_fail(CIMJOB_RC_INVALID_PARAMETER,
                                       "posix spawn: working directory '%s' is not a directory",
                                       o->cwd);
        }
        if (access(o->cwd, X_OK) != 0) {
            return cimjob_backend_fail(CIMJOB_RC_INVALID_PARAMETER,
                                       "posix spawn: working directory '%s': %s", o->cwd,
                                       strerror(errno));
        }
        x->cwd = o->cwd;
    }
    for (int i = 0; i < 3; i++) {
        const cimjob_stdio *s = &o->stdio[i];
        int fd = -1;
        switch (s->mode) {
        case CIMJOB_STDIO_INHERIT: {
            /* A stream the host has closed stays closed in the child. */
            int fl = fcntl(i, F_GETFD);
            fd = fl >= 0 ? i : -1;
            x->in_place[i] = fl >= 0 && !(fl & FD_CLOEXEC);
            break;
        }
        case CIMJOB_STDIO_NULL:
            fd = open("/dev/null", O_RDWR | O_CLOEXEC);
            if (fd < 0) {
                cimjob__posix_exec_free(x);
                return cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "posix spawn: /dev/null: %s",
                                           strerror(errno));
            }
            x->owned[i] = fd;
            break;
        case CIMJOB_STDIO_FILE:
            if (s->path == NULL || s->path[0] == '\0') {
                cimjob__posix_exec_free(x);
                return cimjob_backend_fail(CIMJOB_RC_INVALID_PARAMETER,
                                           "posix spawn: %s: mode FILE without a path",
                                           px_stream_names[i]);
            }
            if (i == 0) {
                fd = open(s->path, O_RDONLY | O_CLOEXEC);
            } else {
                fd = open(s->path,
                          O_WRONLY | O_CREAT | O_CLOEXEC | (s->append ? O_APPEND : O_TRUNC), 0644);
            }
            if (fd < 0) {
                int e = errno;
                cimjob__posix_exec_free(x);
                return cimjob_backend_fail(
                    e == ENOENT || e == EACCES || e == EISDIR ? CIMJOB_RC_INVALID_PARAMETER
                                                              : CIMJOB_RC_OS_ERROR,
                    "posix spawn: %s file '%s': %s", px_stream_names[i], s->path, strerror(e));
            }
            x->owned[i] = fd;
            break;
        case CIMJOB_STDIO_FD: {
            int fl = s->fd < 0 || s->fd > INT32_MAX ? -1 : fcntl((int)s->fd, F_GETFD);
            if (fl < 0) {
                cimjob__posix_exec_free(x);
                return cimjob_backend_fail(CIMJOB_RC_INVALID_PARAMETER,
                                           "posix spawn: %s: descriptor %ld is not open",
                                           px_stream_names[i], (long)s->fd);
            }
            fd = (int)s->fd;
            x->in_place[i] = fd == i && !(fl & FD_CLOEXEC);
            break;
        }
        default:
            cimjob__posix_exec_free(x);
            return cimjob_backend_fail(CIMJOB_RC_INVALID_PARAMETER,
                                       "posix spawn: %s: unknown stdio mode %d", px_stream_names[i],
                                       (int)s->mode);
        }
        x->stdio[i] = fd;
    }
#if defined(__linux__) && defined(SYS_prlimit64)
    x->max_fd = 0; /* the child asks, only if close_range is missing */
#else
    struct rlimit rl;
    x->max_fd = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        x->max_fd = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur;
    }
#endif
    cimjob_rc rc = px_build_paths(x, o->argv[0]);
    if (rc != CIMJOB_RC_SUCCESS) {
        cimjob__posix_exec_free(x);
    }
    return rc;
}

void cimjob__posix_exec_free(struct cimjob__posix_exec *x)
{
    for (int i = 0; i < 3; i++) {
        if (x->owned[i] >= 0) {
            close(x->owned[i]);
            x->owned[i] = -1;
        }
    }
    cimjob__free(x->paths);
    cimjob__free(x->strings);
    x->paths = NULL;
    x->strings = NULL;
}

/* Reset every disposition in the child (see cimjob__posix_reset_signals), without libc.
 * With inherit_signals, what the host ignored at spawn is ignored again (exec keeps SIG_IGN);
 * only handlers go, since they would run host code in the child between unblock and exec. */
static CIMJOB__POSIX_CHILD_CODE void px_child_reset_signals(const struct cimjob__posix_exec *x)
{
#if defined(__linux__) && !defined(__mips__)
    unsigned long zero[16] = {0};
    unsigned long ign[16] = {0};
    ign[0] = (unsigned long)(uintptr_t)SIG_IGN; /* the kernel's sigaction: the handler first */
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            int keep = x->inherit_signals && sig <= 128 &&
                       (x->ignored[(sig - 1) / 64] >> ((sig - 1) % 64)) & 1ULL;
            CHILD_SIGACTION(sig, keep ? ign : zero);
        }
    }
#else
    cimjob__posix_reset_signals();
    for (int sig = 1; x->inherit_signals && sig < NSIG && sig <= 128; sig++) {
        if ((x->ignored[(sig - 1) / 64] >> ((sig - 1) % 64)) & 1ULL) {
            (void)signal(sig, SIG_IGN);
        }
    }
#endif
}

static CIMJOB__POSIX_CHILD_CODE __attribute__((noreturn)) void
px_child_fail(const struct cimjob__posix_exec *x, int errfd, int stage, int err)
{
    struct cimjob__posix_exec_error e;
    e.stage = stage;
    e.err = err;
    if (x->err_slot != NULL) {
        /* A child sharing our memory: the parent reads this once we have exited. */
        x->err_slot->stage = stage;
        x->err_slot->err = err;
    } else if (errfd >= 0) {
        ssize_t r;
        do {
            r = CHILD_WRITE(errfd, &e, sizeof e);
        } while (r < 0 && errno == EINTR);
    }
    CHILD_EXIT(127);
}

/* Move a descriptor to 3 or above (close-on-exec) so dup2 onto 0..2 cannot clobber it. */
static CIMJOB__POSIX_CHILD_CODE int px_lift(int fd)
{
    if (fd < 0 || fd >= 3) {
        return fd;
    }
    return CHILD_DUP_HIGH(fd);
}

CIMJOB__POSIX_CHILD_CODE void cimjob__posix_child_exec(const struct cimjob__posix_exec *x)
{
    if (x->ran != NULL) {
        *(volatile int *)x->ran = 1;
    }
    int errfd = px_lift(x->errfd);
    px_child_reset_signals(x);
    if (CHILD_SETPGID() != 0) {
        px_child_fail(x, errfd, CIMJOB__POSIX_STAGE_SETPGID, errno);
    }
    if (x->cgroup_procs_fd >= 0) {
        /* "0" is the writing process: join the job's cgroup before anything else runs. */
        if (CHILD_WRITE(x->cgroup_procs_fd, "0", 1) != 1) {
            px_child_fail(x, errfd, CIMJOB__POSIX_STAGE_CGROUP, errno);
        }
    }
    /* A stream already in place (descriptor i for stream i, not close-on-exec) is left
     * alone: no other stream can overwrite it, since it is its own target. */
    int src[3];
    for (int i = 0; i < 3; i++) {
        if (x->in_place[i]) {
            src[i] = -2;
            continue;
        }
        src[i] = x->stdio[i] < 0 ? -1 : CHILD_DUP_HIGH(x->stdio[i]);
        if (x->stdio[i] >= 0 && src[i] < 0) {
            px_child_fail(x, errfd, CIMJOB__POSIX_STAGE_STDIO, errno);
        }
    }
    for (int i = 0; i < 3; i++) {
        if (src[i] == -2) {
            continue;
        }
        if (src[i] >= 0) {
            /* dup2 clears close-on-exec on the target: exactly 0, 1 and 2 survive exec. */
            if (CHILD_DUP3(src[i], i) < 0) {
                px_child_fail(x, errfd, CIMJOB__POSIX_STAGE_STDIO, errno);
            }
        } else {
            CHILD_CLOSE(i);
        }
    }
    if (x->foreground) {
        /* Every signal is still blocked here (the parent blocked them before the clone), so
         * a background group may take the terminal without SIGTTOU. A stdin that is not the
         * controlling terminal refuses (ENOTTY): the job then simply runs in the background. */
        pid_t self = CHILD_GETPID();
        CHILD_TCSETPGRP(0, &self);
    }
    if (x->cwd != NULL && CHILD_CHDIR(x->cwd) != 0) {
        px_child_fail(x, errfd, CIMJOB__POSIX_STAGE_CHDIR, errno);
    }
    /* Every other descriptor goes at exec: marking them close-on-exec keeps errfd open until
     * the exec succeeds. Fallbacks: close_range without the flag (5.9), then a loop. With
     * inherit_fds, exec itself decides: ours are all close-on-exec, the host's others pass. */
    if (!x->inherit_fds && CHILD_CLOSE_RANGE(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        int ok = 1;
        if (errfd < 0) {
            ok = CHILD_CLOSE_RANGE(3, ~0U, 0) == 0;
        } else {
            if (errfd > 3) {
                ok = CHILD_CLOSE_RANGE(3, (unsigned)errfd - 1, 0) == 0;
            }
            if (ok && CHILD_CLOSE_RANGE((unsigned)errfd + 1, ~0U, 0) != 0) {
                ok = 0;
            }
        }
        if (!ok) {
            int max_fd = x->max_fd;
#if defined(__linux__) && defined(SYS_prlimit64)
            if (max_fd == 0) {
                struct rlimit rl;
                max_fd = 1024;
                if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) == 0) {
                    max_fd = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 65536 ? 65536
                                                                                 : (int)rl.rlim_cur;
                }
            }
#endif
            for (int fd = 3; fd < max_fd; fd++) {
                if (fd != errfd) {
                    CHILD_CLOSE(fd);
                }
            }
        }
    }
    /* x->mask is empty unless CIMJOB_JOB_INHERIT_SIGNALS asked for the host's. */
#if defined(__linux__)
    CHILD_SETMASK(&x->mask);
#else
    sigprocmask(SIG_SETMASK, &x->mask, NULL);
#endif

    /* Like execvp: keep searching past directories where the file is missing, remember that
     * one was found but not executable, run a file without a #! line with /bin/sh. */
    int saw_eacces = 0;
    int err = ENOENT;
    for (size_t i = 0; x->paths[i] != NULL; i++) {
        CHILD_EXECVE(x->paths[i], x->argv, x->envp);
        err = errno;
        if (err == ENOEXEC) {
            /* No allocation here: a fixed array, enough for any script run this way. */
            char *sh_argv[256];
            size_t argc = 0;
            while (x->argv[argc] != NULL) {
                argc++;
            }
            if (argc + 2 <= sizeof sh_argv / sizeof sh_argv[0]) {
                sh_argv[0] = (char *)(uintptr_t) "sh";
                sh_argv[1] = x->paths[i];
                for (size_t k = 1; k <= argc; k++) {
                    sh_argv[k + 1] = x->argv[k];
                }
                CHILD_EXECVE("/bin/sh", sh_argv, x->envp);
            }
            err = ENOEXEC;
            break;
        }
        if (err == EACCES) {
            saw_eacces = 1;
            continue;
        }
        if (err == ENOENT || err == ENOTDIR || err == ESTALE || err == ENODEV || err == ETIMEDOUT) {
            continue;
        }
        break;
    }
    if (saw_eacces && (err == ENOENT || err == ENOTDIR)) {
        err = EACCES;
    }
    px_child_fail(x, errfd, CIMJOB__POSIX_STAGE_EXEC, err);
}

uint32_t cimjob__posix_exec_error_describe(const struct cimjob__posix_exec_error *e,
                                           const char *argv0, char *buf, size_t size)
{
    switch (e->stage) {
    case CIMJOB__POSIX_STAGE_EXEC:
        /* As execvp() and timeout(1): a PATH search that finds nothing is "not found"; a path
         * through a file (/etc/passwd/x) is a path that cannot be executed (ENOTDIR, 126). */
        if (e->err == ENOENT || (e->err == ENOTDIR && strchr(argv0, '/') == NULL)) {
            snprintf(buf, size, "command not found: %s", argv0);
            return 127;
        }
        snprintf(buf, size, "command not executable: %s: %s", argv0, strerror(e->err));
        return 126;
    case CIMJOB__POSIX_STAGE_CHDIR:
        snprintf(buf, size, "cannot change to the working directory: %s", strerror(e->err));
        return 126;
    case CIMJOB__POSIX_STAGE_STDIO:
        snprintf(buf, size, "cannot set up standard streams: %s", strerror(e->err));
        return 126;
    case CIMJOB__POSIX_STAGE_SETPGID:
        snprintf(buf, size, "cannot create the job's process group: %s", strerror(e->err));
        return 126;
    case CIMJOB__POSIX_STAGE_CGROUP:
        snprintf(buf, size, "cannot join the job's cgroup: %s", strerror(e->err));
        return 126;
    case CIMJOB__POSIX_STAGE_FORK:
        snprintf(buf, size, "the job's helper could not fork: %s", strerror(e->err));
        return 126;
    default:
        snprintf(buf, size, "the job's helper could not start: %s", strerror(e->err));
        return 126;
    }
}
