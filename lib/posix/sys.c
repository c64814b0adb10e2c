/*
 * System calls glibc may not wrap (pidfd_open, pidfd_send_signal, clone3, close_range), with
 * run-time detection: a kernel without them answers ENOSYS and the backend falls back.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "posix.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/ioctl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sched.h>
#endif

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

int cimjob__posix_pidfd_open(pid_t pid)
{
#if defined(__linux__) && defined(SYS_pidfd_open)
    /* pidfds are always close-on-exec. */
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

int cimjob__posix_pidfd_send_signal(int pidfd, int sig)
{
#if defined(__linux__) && defined(SYS_pidfd_send_signal)
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
#else
    (void)pidfd;
    (void)sig;
    errno = ENOSYS;
    return -1;
#endif
}

/* PIDFD_GET_INFO (Linux 6.13) and its PIDFD_INFO_EXIT (6.15): the first 64 bytes of the
 * kernel's struct pidfd_info (PIDFD_INFO_SIZE_VER0), declared here for older headers. */
struct px_pidfd_info {
    uint64_t mask;
    uint64_t cgroupid;
    uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
    int32_t exit_code;
};
#define PX_PIDFD_INFO_EXIT 8u
#define PX_PIDFD_GET_INFO  _IOWR(0xFF, 11, struct px_pidfd_info)

int cimjob__posix_pidfd_exit_status(int pidfd, int *wstatus)
{
#if defined(__linux__)
    _Static_assert(sizeof(struct px_pidfd_info) == 64, "PIDFD_INFO_SIZE_VER0");
    struct px_pidfd_info info;
    /* The pidfd turns readable at exit, but the kernel records the exit status only when the
     * task is released, a moment later when another reaper (SIGCHLD ignored, SA_NOCLDWAIT,
     * a host's waitpid(-1)) takes it: ask again for up to ~100 ms before calling it lost. */
    for (int tries = 0;; tries++) {
        memset(&info, 0, sizeof info);
        info.mask = PX_PIDFD_INFO_EXIT;
        if (ioctl(pidfd, PX_PIDFD_GET_INFO, &info) != 0) {
            return -1;
        }
        if (info.mask & PX_PIDFD_INFO_EXIT) {
            break;
        }
        if (tries == 50) {
            errno = ENODATA;
            return -1;
        }
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    *wstatus = info.exit_code;
    return 0;
#else
    (void)pidfd;
    (void)wstatus;
    errno = ENOSYS;
    return -1;
#endif
}

static atomic_int px_pidfd_exit_state; /* 0 unknown, 1 yes, 2 no */

int cimjob__posix_have_pidfd_exit(void)
{
    int s = atomic_load(&px_pidfd_exit_state);
    if (s != 0) {
        return s == 1;
    }
    s = 2;
#if defined(__linux__)
    /* Only a process that has been reaped shows whether the kernel keeps its status: a child
     * that exits at once (no exit signal: a host's SIGCHLD handler never hears of it), reaped
     * by us, then asked once. ENOTTY (no PIDFD_GET_INFO, before 6.13) or no PIDFD_INFO_EXIT in
     * the answer (6.13, 6.14): no. */
    if (cimjob__posix_have_pidfd()) {
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int pidfd = -1;
        pid_t pid = cimjob__posix_have_clone3() ? cimjob__posix_clone3(&pidfd, -1, 0)
                                                : cimjob__posix_fork(0);
        if (pid == 0) {
            syscall(SYS_exit_group, 0);
            _exit(0);
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (pid > 0) {
            if (pidfd < 0) {
                pidfd = cimjob__posix_pidfd_open(pid); /* our unreaped child */
            }
            siginfo_t si;
            int r;
            do {
                r = waitid(P_PID, (id_t)pid, &si, WEXITED | __WALL);
            } while (r < 0 && errno == EINTR);
            struct px_pidfd_info info;
            memset(&info, 0, sizeof info);
            info.mask = PX_PIDFD_INFO_EXIT;
            if (r == 0 && pidfd >= 0 && ioctl(pidfd, PX_PIDFD_GET_INFO, &info) == 0 &&
                (info.mask & PX_PIDFD_INFO_EXIT)) {
                s = 1;
            }
            if (pidfd >= 0) {
                close(pidfd);
            }
        }
    }
#endif
    atomic_store(&px_pidfd_exit_state, s);
    return s == 1;
}

int cimjob__posix_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
#if defined(__linux__) && defined(SYS_close_range)
    return (int)syscall(SYS_close_range, first, last, flags);
#else
    (void)first;
    (void)last;
    (void)flags;
    errno = ENOSYS;
    return -1;
#endif
}

/* The kernel's struct clone_args, version 2 (with cgroup). Declared here because older
 * linux/sched.h lacks the cgroup field. */
struct px_clone_args {
    uint64_t flags;
    uint64_t pidfd;
    uint64_t child_tid;
    uint64_t parent_tid;
    uint64_t exit_signal;
    uint64_t stack;
    uint64_t stack_size;
    uint64_t tls;
    uint64_t set_tid;
    uint64_t set_tid_size;
    uint64_t cgroup;
};

pid_t cimjob__posix_clone3(int *pidfd_out, int cgroup_fd, int exit_signal)
{
#if defined(__linux__) && defined(SYS_clone3)
    struct px_clone_args ca;
    memset(&ca, 0, sizeof ca);
    ca.exit_signal = (uint64_t)exit_signal;
    if (pidfd_out != NULL) {
        ca.flags |= CLONE_PIDFD;
        ca.pidfd = (uint64_t)(uintptr_t)pidfd_out;
    }
    size_t size = 64; /* CLONE_ARGS_SIZE_VER0: without set_tid and cgroup */
    if (cgroup_fd >= 0) {
        ca.flags |= CLONE_INTO_CGROUP;
        ca.cgroup = (uint64_t)cgroup_fd;
        size = sizeof ca;
    }
    /* Without CLONE_VM the child gets a copy of our memory and returns here with 0, like
     * fork(), but without running pthread_atfork handlers: it only makes system calls. */
    return (pid_t)syscall(SYS_clone3, &ca, size);
#else
    (void)pidfd_out;
    (void)cgroup_fd;
    (void)exit_signal;
    errno = ENOSYS;
    return -1;
#endif
}

pid_t cimjob__posix_fork(int exit_signal)
{
    /* Not fork(): the host's pthread_atfork handlers must not run in a child that may only
     * make async-signal-safe calls, and they could deadlock on locks other threads held. */
#ifdef CIMJOB__POSIX_TSAN
    /* Except under ThreadSanitizer: it intercepts the libc calls the child makes before exec
     * (sigaction, close, dup2) and, after a raw fork, can find its own locks held forever by a
     * thread of the parent (seen: the child spinning in sigaction). Its fork() interceptor
     * takes those locks around the fork. */
    (void)exit_signal;
    return fork();
#endif
    if (cimjob__posix_have_clone3()) {
        return cimjob__posix_clone3(NULL, -1, exit_signal);
    }
#if defined(__linux__) && defined(SYS_clone)
    /* clone with no flags but the exit signal: a fork (every argument order agrees on 0s). */
    return (pid_t)syscall(SYS_clone, (unsigned long)exit_signal, 0, 0, 0, 0);
#else
    (void)exit_signal;
    return fork();
#endif
}

/* ---- a child that shares our memory until it execs (what posix_spawn does) -------------- */

/* The child of clone3(CLONE_VM) starts on a new stack, where returning from a C function is
 * impossible: a few instructions of assembly make the system call and, in the child, call
 * fn(arg) and exit with its value. Like glibc's own clone3 trampoline. Returns the raw result
 * (a negative errno on failure). */
#if CIMJOB__POSIX_HAVE_CLONE_VM && defined(SYS_clone3) && defined(__x86_64__)
#define PX_HAVE_CLONE3_VM 1
long cimjob__posix_clone3_vm_raw(void *args, size_t size, int (*fn)(void *), void *arg);
__asm__(".text\n"
        ".p2align 4\n"
        ".globl cimjob__posix_clone3_vm_raw\n"
        ".hidden cimjob__posix_clone3_vm_raw\n"
        ".type cimjob__posix_clone3_vm_raw, @function\n"
        "cimjob__posix_clone3_vm_raw:\n"
        "    .cfi_startproc\n"
        "    mov %rcx, %r8\n"  /* arg: rcx is clobbered by syscall, r8 is kept */
        "    mov $435, %eax\n" /* SYS_clone3 */
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jz 1f\n"
        "    ret\n"
        "1:  .cfi_undefined rip\n"
        "    xor %ebp, %ebp\n"
        "    and $-16, %rsp\n"
        "    mov %r8, %rdi\n"
        "    call *%rdx\n"
        "    mov %eax, %edi\n"
        "    mov $231, %eax\n" /* SYS_exit_group */
        "    syscall\n"
        "    hlt\n"
        "    .cfi_endproc\n"
        ".size cimjob__posix_clone3_vm_raw, .-cimjob__posix_clone3_vm_raw\n");
#elif CIMJOB__POSIX_HAVE_CLONE_VM && defined(SYS_clone3) && defined(__aarch64__)
#define PX_HAVE_CLONE3_VM 1
long cimjob__posix_clone3_vm_raw(void *args, size_t size, int (*fn)(void *), void *arg);
__asm__(".text\n"
        ".p2align 4\n"
        ".globl cimjob__posix_clone3_vm_raw\n"
        ".hidden cimjob__posix_clone3_vm_raw\n"
        ".type cimjob__posix_clone3_vm_raw, %function\n"
        "cimjob__posix_clone3_vm_raw:\n"
        "    .cfi_startproc\n"
        "    mov x10, x2\n"
        "    mov x11, x3\n"
        "    mov x8, #435\n" /* SYS_clone3 */
        "    svc #0\n"
        "    cbz x0, 1f\n"
        "    ret\n"
        "1:  .cfi_undefined x30\n"
        "    mov x29, #0\n"
        "    mov x0, x11\n"
        "    blr x10\n"
        "    mov x8, #94\n" /* SYS_exit_group */
        "    svc #0\n"
        "    brk #1000\n"
        "    .cfi_endproc\n"
        ".size cimjob__posix_clone3_vm_raw, .-cimjob__posix_clone3_vm_raw\n");
#endif

pid_t cimjob__posix_clone_vm(int (*fn)(void *), void *arg, void *stack, size_t stack_size,
                             int use_clone3, int *pidfd_out, int cgroup_fd, int exit_signal)
{
#if CIMJOB__POSIX_HAVE_CLONE_VM
    if (use_clone3) {
#ifdef PX_HAVE_CLONE3_VM
        struct px_clone_args ca;
        memset(&ca, 0, sizeof ca);
        ca.flags = CLONE_VM | CLONE_VFORK;
        ca.exit_signal = (uint64_t)exit_signal;
        ca.stack = (uint64_t)(uintptr_t)stack;
        ca.stack_size = stack_size;
        if (pidfd_out != NULL) {
            ca.flags |= CLONE_PIDFD;
            ca.pidfd = (uint64_t)(uintptr_t)pidfd_out;
        }
        size_t size = 64;
        if (cgroup_fd >= 0) {
            ca.flags |= CLONE_INTO_CGROUP;
            ca.cgroup = (uint64_t)cgroup_fd;
            size = sizeof ca;
        }
        long r = cimjob__posix_clone3_vm_raw(&ca, size, fn, arg);
        if (r < 0) {
            errno = (int)-r;
            return -1;
        }
        return (pid_t)r;
#else
        errno = ENOSYS;
        return -1;
#endif
    }
    if (cgroup_fd >= 0) {
        errno = ENOSYS; /* clone() cannot place the child in a cgroup */
        return -1;
    }
    /* The stack grows down on every architecture glibc's clone() serves here. */
    int flags = CLONE_VM | CLONE_VFORK | exit_signal | (pidfd_out != NULL ? CLONE_PIDFD : 0);
    return clone(fn, (char *)stack + stack_size, flags, arg, pidfd_out);
#else
    (void)fn;
    (void)arg;
    (void)stack;
    (void)stack_size;
    (void)use_clone3;
    (void)pidfd_out;
    (void)cgroup_fd;
    (void)exit_signal;
    errno = ENOSYS;
    return -1;
#endif
}

#if CIMJOB__POSIX_HAVE_CLONE_VM
static CIMJOB__POSIX_CHILD_CODE int px_probe_child(void *arg)
{
    *(volatile int *)arg = 1;
    syscall(SYS_exit_group, 0);
    return 0;
}
#endif

#if CIMJOB__POSIX_HAVE_CLONE_VM
/* 0 unknown, 1 yes, 2 no; [0] through clone(), [1] through clone3. */
static atomic_int px_clone_vm_state[2];
#endif

int cimjob__posix_clone_vm_works(int use_clone3)
{
#if CIMJOB__POSIX_HAVE_CLONE_VM
    int k = use_clone3 != 0;
    int s = atomic_load(&px_clone_vm_state[k]);
    if (s != 0) {
        return s == 1;
    }
    /* Start a child that only sets a flag in our memory and exits. Where clone is emulated
     * as a fork (valgrind does), the flag stays 0 here: exec errors would be lost, so such a
     * system gets the fork path. Probed once per process. */
    s = 2;
    size_t size = 16384 + (size_t)sysconf(_SC_PAGESIZE);
    void *stack =
        mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack != MAP_FAILED) {
        volatile int flag = 0;
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        pid_t pid = cimjob__posix_clone_vm(px_probe_child, (void *)(uintptr_t)&flag,
                                           (char *)stack + (size_t)sysconf(_SC_PAGESIZE), 16384,
                                           use_clone3, NULL, -1, CIMJOB__POSIX_HOST_EXIT_SIGNAL);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (pid > 0) {
            siginfo_t si;
            (void)px_wait_child(pid, -1, &si, WEXITED);
            s = flag == 1 ? 1 : 2;
        }
        munmap(stack, size);
    }
    atomic_store(&px_clone_vm_state[k], s);
    return s == 1;
#else
    (void)use_clone3;
    return 0;
#endif
}

int cimjob__posix_have_clone3_vm(void)
{
#ifdef PX_HAVE_CLONE3_VM
    return cimjob__posix_have_clone3();
#else
    return 0;
#endif
}

/* 0 unknown, 1 yes, 2 no. Probing is idempotent, so a race only probes twice. */
static atomic_int px_pidfd_state;
static atomic_int px_clone3_state;

int cimjob__posix_have_pidfd(void)
{
    int s = atomic_load(&px_pidfd_state);
    if (s == 0) {
        int fd = cimjob__posix_pidfd_open(getpid());
        s = 2;
        if (fd >= 0) {
            /* pidfd_send_signal came one release before pidfd_open: signal 0 checks it. */
            if (cimjob__posix_pidfd_send_signal(fd, 0) == 0) {
                s = 1;
            }
            close(fd);
        }
        atomic_store(&px_pidfd_state, s);
    }
    return s == 1;
}

int cimjob__posix_have_clone3(void)
{
#ifdef CIMJOB__POSIX_TSAN
    return 0; /* a raw clone3 is invisible to ThreadSanitizer: see cimjob__posix_fork() */
#endif
    int s = atomic_load(&px_clone3_state);
    if (s == 0) {
#if defined(__linux__) && defined(SYS_clone3)
        /* An invalid size gets EINVAL from a kernel that has clone3 and ENOSYS (or EPERM from a
         * seccomp filter) from one that does not; nothing is created either way. */
        struct px_clone_args ca;
        memset(&ca, 0, sizeof ca);
        long r = syscall(SYS_clone3, &ca, (size_t)1);
        s = (r < 0 && errno == EINVAL) ? 1 : 2;
#else
        s = 2;
#endif
        atomic_store(&px_clone3_state, s);
    }
    return s == 1;
}

size_t cimjob__posix_utoa(unsigned long v, char *buf)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (v % 10));
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++) {
        buf[i] = tmp[n - 1 - i];
    }
    buf[n] = '\0';
    return n;
}

ssize_t cimjob__posix_read_small(int dirfd, const char *path, char *buf, size_t size)
{
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t r;
    do {
        r = read(fd, buf, size - 1);
    } while (r < 0 && errno == EINTR);
    close(fd);
    if (r <= 0) {
        return -1;
    }
    buf[r] = '\0';
    return r;
}

int64_t cimjob__posix_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void cimjob__posix_sleep_us(int64_t us)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(us / 1000000);
    ts.tv_nsec = (long)(us % 1000000) * 1000;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

const char *cimjob__posix_signal_name(int sig)
{
    switch (sig) {
    case SIGHUP:
        return "SIGHUP";
    case SIGINT:
        return "SIGINT";
    case SIGQUIT:
        return "SIGQUIT";
    case SIGILL:
        return "SIGILL";
    case SIGTRAP:
        return "SIGTRAP";
    case SIGABRT:
        return "SIGABRT";
    case SIGBUS:
        return "SIGBUS";
    case SIGFPE:
        return "SIGFPE";
    case SIGKILL:
        return "SIGKILL";
    case SIGUSR1:
        return "SIGUSR1";
    case SIGSEGV:
        return "SIGSEGV";
    case SIGUSR2:
        return "SIGUSR2";
    case SIGPIPE:
        return "SIGPIPE";
    case SIGALRM:
        return "SIGALRM";
    case SIGTERM:
        return "SIGTERM";
    case SIGCHLD:
        return "SIGCHLD";
    case SIGCONT:
        return "SIGCONT";
    case SIGSTOP:
        return "SIGSTOP";
    case SIGTSTP:
        return "SIGTSTP";
    case SIGTTIN:
        return "SIGTTIN";
    case SIGTTOU:
        return "SIGTTOU";
    case SIGURG:
        return "SIGURG";
    case SIGXCPU:
        return "SIGXCPU";
    case SIGXFSZ:
        return "SIGXFSZ";
    case SIGVTALRM:
        return "SIGVTALRM";
    case SIGPROF:
        return "SIGPROF";
    case SIGWINCH:
        return "SIGWINCH";
    case SIGSYS:
        return "SIGSYS";
    default:
        return NULL;
    }
}
