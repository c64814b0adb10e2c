/*
 * Internal interface between the files of the POSIX backend. Nothing here is public.
 *
 * backend.c        the vtable, registry state, spawning, requests and exit observation (epoll
 *                  over pidfds); what every containment shares
 * cont_cgroup.c    the cgroup containment: a job cgroup per job, its pool, cgroup.kill/freeze
 * cont_subreaper.c the subreaper containment: requests go to the job's helper process
 * cont_pgroup.c    the process-group containment: signals to the group while its leader is ours
 * spawn.c          preparing and running the child side of a spawn (async-signal-safe part)
 * cgroup.c         cgroup v2 file-system operations: discovery, creation, signal, removal
 * helper.c   the per-job helper process: subreaper of the job's tree, or host-death watchdog
 * stub.c     the reaper stub: the main process's parent where the kernel cannot keep its status
 * proc.c     /proc walking without allocation (usable in a forked child)
 * sys.c      syscall wrappers with run-time detection (pidfd, clone3, close_range)
 */
#ifndef CIMJOB_POSIX_INTERNAL_H
#define CIMJOB_POSIX_INTERNAL_H

#include <cimjob/backend.h>
#include <cimjob/posix.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/alloc.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

extern const struct cimjob_backend cimjob__posix_backend;

/* Spawning with a child that shares our memory (cimjob__posix_clone_vm) on Linux. Not under
 * ThreadSanitizer: its per-thread state (a shadow call stack) lives in memory the child would
 * share and change, and it cannot be switched off for single functions. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CIMJOB__POSIX_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define CIMJOB__POSIX_TSAN 1
#endif
#if defined(__linux__) && !defined(CIMJOB__POSIX_TSAN)
#define CIMJOB__POSIX_HAVE_CLONE_VM 1
#else
#define CIMJOB__POSIX_HAVE_CLONE_VM 0
#endif

/* Code that runs in such a child: not instrumented by AddressSanitizer or UBSan (their
 * runtimes keep per-thread state and stack bounds the child must not touch). It calls the
 * kernel directly, never a libc function a sanitizer intercepts. */
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 8)
#define CIMJOB__POSIX_CHILD_CODE __attribute__((no_sanitize("address", "undefined")))
#else
#define CIMJOB__POSIX_CHILD_CODE
#endif

/* ---- sys.c ------------------------------------------------------------------------------ */

/* Each returns -1 with errno set (ENOSYS where the kernel or headers lack the call). */
int cimjob__posix_pidfd_open(pid_t pid);
int cimjob__posix_pidfd_send_signal(int pidfd, int sig);
int cimjob__posix_close_range(unsigned int first, unsigned int last, unsigned int flags);
/* The wait status (as waitpid() gives it) of the process behind @p pidfd once it has exited,
 * even after someone else reaped it (PIDFD_GET_INFO with PIDFD_INFO_EXIT, Linux 6.15). */
int cimjob__posix_pidfd_exit_status(int pidfd, int *wstatus);
/* The exit signal of the library's own children (main processes, helpers, watchdogs): none.
 * The kernel reaps a child by itself for a host that ignores SIGCHLD (SIG_IGN, SA_NOCLDWAIT)
 * only when its exit signal is SIGCHLD, and waitpid(-1) / wait() without __WALL or __WCLONE
 * never see a child whose exit signal is not SIGCHLD: such a child stays ours to wait for
 * (px_wait_child passes __WALL). The helper's own children keep SIGCHLD (it waits for that
 * signal). A plain fork() (under ThreadSanitizer, or without clone) cannot do this. */
#define CIMJOB__POSIX_HOST_EXIT_SIGNAL 0

/* clone3 with fork semantics (no shared memory), exit_signal on exit. Optionally CLONE_PIDFD
 * (pidfd_out non-NULL) and CLONE_INTO_CGROUP (cgroup_fd >= 0). Returns 0 in the child. */
pid_t cimjob__posix_clone3(int *pidfd_out, int cgroup_fd, int exit_signal);
/* A child with fork semantics that runs no pthread_atfork handlers (clone3 or the raw clone
 * system call), exit_signal on exit. Returns 0 in the child. */
pid_t cimjob__posix_fork(int exit_signal);
/* A child that shares our memory and runs fn(arg) on @p stack while we wait (CLONE_VM |
 * CLONE_VFORK, what posix_spawn does): no copy of the address space, no copy-on-write faults,
 * nothing to tear down at exec. Returns when the child has exec'd or exited. With use_clone3
 * (see cimjob__posix_have_clone3_vm) through clone3, so CLONE_PIDFD and CLONE_INTO_CGROUP
 * apply; otherwise through clone(), which has CLONE_PIDFD but no cgroup (cgroup_fd must be -1).
 * fn runs in the caller's memory on the caller's TLS: it may only make raw system calls and
 * must never return to code that expects its own stack (see CIMJOB__POSIX_CHILD_CODE).
 * -1 with errno ENOSYS where this is not available (then use a fork). */
pid_t cimjob__posix_clone_vm(int (*fn)(void *), void *arg, void *stack, size_t stack_size,
                             int use_clone3, int *pidfd_out, int cgroup_fd, int exit_signal);
int cimjob__posix_have_clone3_vm(void);
/* Whether such a child really shares our memory (probed once: a system that emulates clone
 * as a fork, like valgrind, answers no). */
int cimjob__posix_clone_vm_works(int use_clone3);
/* Whether the running kernel has each call (probed once, cached; thread-safe). */
int cimjob__posix_have_pidfd(void);
int cimjob__posix_have_clone3(void);
/* Whether a pidfd keeps the exit status of its process after someone else reaped it
 * (PIDFD_INFO_EXIT, Linux 6.15): probed once per process with a child that exits at once. */
int cimjob__posix_have_pidfd_exit(void);

/* ---- proc.c ----------------------------------------------------------------------------- */

/* One process as /proc/<pid>/stat shows it. */
struct cimjob__posix_proc {
    int pid;
    int ppid;
    int pgrp;
    char state; /* 'R', 'S', 'D', 'T', 't', 'Z', ... */
    char mark;  /* set by cimjob__posix_proc_mark_descendants */
};

/* Read one process's stat. Returns 0, or -1 (gone, unreadable). Async-signal-safe. */
int cimjob__posix_proc_stat(int pid, struct cimjob__posix_proc *out);
/* When the process started (/proc/<pid>/stat field 22, clock ticks since boot), or 0 (gone,
 * unreadable): a PID and its start time name one process, even across PID reuse. */
unsigned long long cimjob__posix_proc_start_time(int pid);
/* Call fn for every process visible in /proc until it returns non-zero. Returns how many
 * were seen, or -1. Async-signal-safe. */
long cimjob__posix_proc_each(int (*fn)(const struct cimjob__posix_proc *p, void *ctx), void *ctx);
/* The same for the members of one process group only (pgid > 0): one getpgid() per process
 * instead of reading every /proc/<pid>/stat. Returns how many members were seen, or -1. */
long cimjob__posix_proc_each_in_pgrp(int pgid,
                                     int (*fn)(const struct cimjob__posix_proc *p, void *ctx),
                                     void *ctx);
/* (pid, pgid) of every process visible in /proc, at most cap of them: one getpgid() each.
 * Returns the count (> cap: truncated at cap) or -1. */
long cimjob__posix_proc_pgids(int (*pairs)[2], size_t cap);
/* (pid, pgid) of every live process (zombies are not listed) in the cgroup v2 tree mounted at
 * @p mnt, at most cap of them: one read of cgroup.procs per cgroup and one getpgid() per
 * process, no /proc at all. Returns the count (> cap: truncated at cap), or -1 when some
 * cgroup could not be read (then the listing would not be complete). (cgroup_list.c) */
long cimjob__posix_cgroup_pgids(const char *mnt, int (*pairs)[2], size_t cap);
/* How many cgroups the last complete cimjob__posix_cgroup_pgids() read (0: none yet). */
long cimjob__posix_cgroup_tree_size(void);
/* The same for the cgroup open as @p dirfd alone, or with @p subtree every cgroup below it
 * too. (cgroup_list.c) */
long cimjob__posix_cgroup_pgids_at(int dirfd, int subtree, int (*pairs)[2], size_t cap);
/* nr_descendants of the cgroup open as @p dirfd (its cgroup.stat), or -1. (cgroup_list.c) */
long cimjob__posix_cgroup_descendants(int dirfd);
/* Every process visible in /proc, at most cap of them. Returns the count (> cap means the
 * table was too small and was truncated at cap) or -1. Async-signal-safe. */
long cimjob__posix_proc_scan(struct cimjob__posix_proc *tab, size_t cap);
/* Set .mark on every entry that descends from root (not root itself), returns how many. Sorts
 * the table by pid. Async-signal-safe, no allocation; O(n log n * depth). */
size_t cimjob__posix_proc_mark_descendants(struct cimjob__posix_proc *tab, size_t n, int root);

/* ---- spawn.c ---------------------------------------------------------------------------- */

/* What the child writes to the exec-error pipe when it cannot exec. */
struct cimjob__posix_exec_error {
    int stage; /* enum below */
    int err;   /* errno */
};

enum {
    CIMJOB__POSIX_STAGE_EXEC = 1,
    CIMJOB__POSIX_STAGE_CHDIR = 2,
    CIMJOB__POSIX_STAGE_STDIO = 3,
    CIMJOB__POSIX_STAGE_SETPGID = 4,
    CIMJOB__POSIX_STAGE_CGROUP = 5,
    CIMJOB__POSIX_STAGE_FORK = 6,  /* the subreaper helper could not fork the main process */
    CIMJOB__POSIX_STAGE_HELPER = 7 /* the helper could not set itself up */
};

/* Everything the child needs, prepared in the parent so the child only makes system calls. */
struct cimjob__posix_exec {
    char **argv;
    char **envp;     /* never NULL: the host's environ when the job inherits it */
    char **paths;    /* candidate paths for argv[0], NULL-terminated */
    const char *cwd; /* NULL: inherit */
    int stdio[3];    /* what becomes 0, 1, 2; -1: leave closed */
    int errfd;       /* write end of the CLOEXEC exec-error pipe */
    /* Instead of errfd, for a child that shares our memory: where it stores why it failed. */
    struct cimjob__posix_exec_error *err_slot;
    int *ran;            /* non-NULL: set to 1 as the child starts (it was not killed at birth) */
    int cgroup_procs_fd; /* >= 0: write "0" into it to join the job's cgroup (no clone3) */
    int max_fd;          /* bound for the close loop when close_range is missing; 0: ask */
    int inherit_fds;     /* CIMJOB_JOB_INHERIT_FDS: leave the host's non-CLOEXEC descriptors */
    int foreground;      /* CIMJOB_JOB_FOREGROUND: make the job's group stdin's foreground */
    int inherit_signals; /* CIMJOB_JOB_INHERIT_SIGNALS: keep SIG_IGN and mask (below) */
    sigset_t mask;       /* the spawning thread's blocked mask, for inherit_signals */
    /* The host's SIG_IGN signals at spawn, for inherit_signals: bit (sig - 1). Captured in the
     * parent, since a subreaper helper resets its own dispositions before it forks. */
    unsigned long long ignored[2];
    /* Internal: descriptors the parent opened for stdio (closed by exec_free). */
    int owned[3];
    int in_place[3]; /* stdio[i] == i and not close-on-exec: the child leaves it alone */
    char *strings;   /* one block holding argv/envp/paths copies */
};

/* Fill @p x from the job's options. Returns CIMJOB_RC_SUCCESS or a code with
 * cimjob_backend_fail()'s detail (bad cwd, descriptor not open, file not openable, ...). */
cimjob_rc cimjob__posix_exec_prepare(struct cimjob__posix_exec *x, const cimjob_job_options *o);
void cimjob__posix_exec_free(struct cimjob__posix_exec *x);
/* The child side: reset signals, own process group, stdio, cwd, close descriptors, exec. Only
 * async-signal-safe calls. Never returns: on failure it reports through errfd and exits 127. */
void cimjob__posix_child_exec(const struct cimjob__posix_exec *x) __attribute__((noreturn));
/* Block every signal on the calling thread (before a fork), saving the old mask. */
void cimjob__posix_block_all(sigset_t *old);
void cimjob__posix_restore_mask(const sigset_t *old);
/* Reset every signal disposition to its default (in a child). Async-signal-safe. */
void cimjob__posix_reset_signals(void);
/* The ErrorCode and ErrorDescription for an exec error read from the pipe. */
uint32_t cimjob__posix_exec_error_describe(const struct cimjob__posix_exec_error *e,
                                           const char *argv0, char *buf, size_t size);

/* ---- cgroup.c --------------------------------------------------------------------------- */

/* The directory under which job cgroups go: @p override, or the host's own cgroup. Returns 0,
 * or -1 with errno (ENOENT: no cgroup2 mount; ENOSYS: no cgroup.kill support). */
int cimjob__posix_cgroup_parent(const char *override, char *buf, size_t size);
/* The cgroup2 mount point, when the host's own cgroup is visible through it (then every
 * process the host starts is in a cgroup below it). Returns 0, or -1 with errno. */
int cimjob__posix_cgroup2_mount(char *buf, size_t size);
/* Create a fresh per-job cgroup <parent>/cimjob-<pid>-<start>-<seq>, storing seq: <pid> and
 * <start> (its start time, /proc/<pid>/stat field 22) name the process that made it, even when
 * that process ran in another PID namespace. With check_kill, make sure it has cgroup.kill
 * (ENOSYS if not). Returns 0 or -1 (errno). */
int cimjob__posix_cgroup_mkdir(const char *parent, long pid, unsigned long long start,
                               unsigned int *seq_out, int check_kill);
/* Remove the empty job cgroups under @p parent whose maker is gone: what a host that died left
 * in its pool. The maker is alive if a process with its <pid> has its <start> (a host that
 * was, say, PID 1 of a container is gone even though a PID 1 exists here); the older name
 * cimjob-<pid>-<seq> is judged by the PID alone. As PIDs differ between PID namespaces, a
 * cgroup whose cgroup.events is locked (cimjob__posix_cgroup_hold) is a live maker's, and is
 * kept. Only empty ones go (rmdir refuses the others). */
void cimjob__posix_cgroup_sweep(const char *parent);
/* Take the shared lock on a job cgroup's open cgroup.events that tells every sweep (in any PID
 * namespace) its maker is alive; held while the descriptor (or a copy) is open. Returns 0, or
 * -1 with errno when a sweep is removing it or has removed it: make another. */
int cimjob__posix_cgroup_hold(int events_fd);
/* Read cgroup.events once (this re-arms POLLPRI): "populated" and "frozen" as 0/1 into the
 * non-NULL pointers (left alone when the key is missing). Returns 0 or -1. */
int cimjob__posix_cgroup_events(int events_fd, int *populated, int *frozen);
/* The cgroup v2 directory of process @p pid (0: the caller), from its /proc/<pid>/cgroup, open
 * O_DIRECTORY | O_CLOEXEC (at 3 or above); -1 with errno when there is no cgroup2 mount or the
 * process's cgroup is not visible through it. The caller must know @p pid is still the process
 * it means (a child not yet reaped). */
int cimjob__posix_cgroup_open_of(int pid);
/* Write @p val into @p file of a cgroup directory fd. Returns 0 or -1 (errno). */
int cimjob__posix_cgroup_write(int dirfd, const char *file, const char *val);
/* Read a key ("populated", "frozen") of cgroup.events through an open fd: 0/1, or -1. */
int cimjob__posix_cgroup_event(int events_fd, const char *key);
/* Send @p sig, then @p sig2 (if not 0), to every process in the cgroup tree at @p path, each
 * through a pidfd checked to still be in the tree (see cgroup.c). Returns how many were
 * signalled, or -1. */
long cimjob__posix_cgroup_signal(const char *path, int sig, int sig2, int use_pidfd);
/* Remove the cgroup and any (empty) child cgroups the job made. Returns 0 or -1. */
int cimjob__posix_cgroup_remove(const char *path);
/* How many processes are in the cgroup tree (for tests and checks); -1 on error. */
long cimjob__posix_cgroup_count(const char *path);

/* ---- helper.c --------------------------------------------------------------------------- */

enum {
    CIMJOB__POSIX_HELPER_SUBREAPER = 1, /* parent and subreaper of the job's whole tree */
    CIMJOB__POSIX_HELPER_WATCH = 2,     /* only kills the job if the host dies */
    CIMJOB__POSIX_HELPER_STUB = 3       /* parent of the main process only (stub.c) */
};

/* Commands the host sends the helper (one byte each on a SOCK_SEQPACKET). */
#define CIMJOB__POSIX_CMD_TERMINATE 'T'
#define CIMJOB__POSIX_CMD_KILL      'K'
#define CIMJOB__POSIX_CMD_STOP      'S'
#define CIMJOB__POSIX_CMD_CONT      'C'
#define CIMJOB__POSIX_CMD_QUIT      'Q' /* the host lets go normally: a watchdog exits quietly */
#define CIMJOB__POSIX_CMD_REAP      'R' /* a reaper stub may reap the main process now */
/* cimjob_posix_signal(): 'G', the signal, the target (CIMJOB__POSIX_TO_*), in one message. */
#define CIMJOB__POSIX_CMD_SIGNAL 'G'
enum { CIMJOB__POSIX_TO_TREE = 0, CIMJOB__POSIX_TO_MAIN = 1, CIMJOB__POSIX_TO_GROUP = 2 };

/* What a helper sends back. */
struct cimjob__posix_helper_msg {
    uint32_t magic; /* CIMJOB__POSIX_HELPER_MAGIC */
    int32_t kind;   /* 'A' ack of a command, 'X' the main process's exit */
    int32_t code;   /* ack: the command; exit: CLD_EXITED / CLD_KILLED / CLD_DUMPED */
    int32_t status; /* ack: 0 done, 1 bound passed; exit: status or signal */
};
#define CIMJOB__POSIX_HELPER_MAGIC 0x43494d4au

struct cimjob__posix_helper_args {
    int mode;
    pid_t host_pid;
    int host_pidfd; /* -1 where pidfds are missing: the helper polls getppid() */
    int ctl_fd;
    int die_with_host;
    int wait_for_all;
    int use_pidfd;
    /* SUBREAPER: the main process to start. */
    const struct cimjob__posix_exec *exec;
    /* WATCH: how to kill the job when the host dies. */
    int cg_kill_fd;   /* cgroup.kill, or -1 */
    int cg_events_fd; /* cgroup.events, or -1 */
    const char *cg_path;
    pid_t pgid;     /* process group to kill, or 0 */
    int main_pidfd; /* the main process, or -1 */
    pid_t main_pid;
    uint64_t suspend_timeout_us;
};

void cimjob__posix_helper_main(const struct cimjob__posix_helper_args *a) __attribute__((noreturn));
/* Start the main process (a->exec) as the calling helper's child, sharing its memory until it
 * execs where that works, else a fork; its exit signal is SIGCHLD. Returns its PID, or -1 with
 * errno. Only system calls: for a helper or stub, a fork of the host. */
pid_t cimjob__posix_helper_start_main(const struct cimjob__posix_exec *x);

/* ---- stub.c ----------------------------------------------------------------------------- */

/* The reaper stub (CIMJOB__POSIX_HELPER_STUB), the child side: start the main process, send
 * the host 'P' (its PID, or -errno), wait for it to end without reaping it, send 'X' (how it
 * ended), then reap it when the host sends CMD_REAP (or closes the socket), and exit. */
void cimjob__posix_stub_main(const struct cimjob__posix_helper_args *a) __attribute__((noreturn));

/* ---- small shared helpers --------------------------------------------------------------- */

/* Async-signal-safe formatting of a non-negative decimal into buf; returns the length. */
size_t cimjob__posix_utoa(unsigned long v, char *buf);
/* Read a small file (a /proc or cgroup file) whole in one read(), retried on EINTR, into buf
 * and NUL-terminate it: its length (> 0), or -1 when it cannot be opened or read or is empty.
 * @p path is relative to @p dirfd (AT_FDCWD: the working directory). Async-signal-safe. */
ssize_t cimjob__posix_read_small(int dirfd, const char *path, char *buf, size_t size);
/* Monotonic microseconds (async-signal-safe). */
int64_t cimjob__posix_now_us(void);
/* Sleep (async-signal-safe). */
void cimjob__posix_sleep_us(int64_t us);
/* Name of a signal ("SIGSEGV"), or NULL. */
const char *cimjob__posix_signal_name(int sig);

/* ---- the backend's own state (backend.c and the cont_*.c files) --------------------------- */

#define PX_EVENTS_TAG 1u /* low bits of a job pointer in epoll data: cgroup.events */
#define PX_WATCH_TAG  2u /* ...a watched member's pidfd (process group) */
#define PX_TAGS       3u
#define PX_CG_POOL    4u /* empty job cgroups kept for reuse */

struct px_state;

/* Where job cgroups go: found once, kept while the registry lives (a re-detection after a
 * failure adds a new one; jobs keep pointing at theirs). */
struct px_cgparent {
    struct px_cgparent *older;
    pid_t pid;                /* the <pid> in cimjob-<pid>-<start>-<seq> */
    unsigned long long start; /* the <start>: our start time (0 without /proc) */
    int kill_checked;         /* cgroup.kill was seen in a job cgroup made under it */
    char path[];
};

/* An empty job cgroup kept for the next job. */
struct px_cgpooled {
    const struct px_cgparent *cg;
    unsigned int seq;
    int events_fd;
};

struct px_cont_ops;
struct px_pg_drain;

struct px_job {
    struct px_job *prev, *next; /* in the state's list or its deferred list; under st->lock */
    int refs;                   /* under st->lock: the list's and every dispatcher's */
    char ticking;               /* counted in st->ticking; under st->lock */
    char listed;

    pthread_mutex_t lock; /* everything below */
    struct px_state *st;
    const struct px_cont_ops *ops; /* set before the job is published, then immutable */
    cimjob_job *job;
    char *note; /* an ErrorDescription that overrides the usual one; allocated when needed */
    /* cgroup <cg->path>/cimjob-<cg->pid>-<cg_seq>: only cgroup.events stays open (for epoll);
     * the directory, cgroup.kill and cgroup.freeze are opened when a request needs them. */
    const struct px_cgparent *cg;
    pid_t pid;                     /* the main process; the helper in subreaper mode */
    int pidfd;                     /* -1 without pidfds */
    unsigned long long start_time; /* without pidfds: the main process's start (proves its PID) */
    int code;                      /* CLD_EXITED, CLD_KILLED, CLD_DUMPED */
    int status;
    unsigned char cont; /* cimjob_containment; set before the job is published, then read
                         * without the lock (not a bit-field: its own memory location) */
    unsigned int wait_all : 1;
    unsigned int in_epoll : 1;    /* the pidfd is in the epoll set... */
    unsigned int pidfd_armed : 1; /* ...and has not fired yet (EPOLLONESHOT) */
    unsigned int events_in_epoll : 1;
    unsigned int exited : 1;     /* the main process (helper) has ended: code/status hold how */
    unsigned int reaped : 1;     /* it has been reaped: its PID (and PGID) are never used again */
    unsigned int lost : 1;       /* ...by someone else (the host), not by us */
    unsigned int group_gone : 1; /* pgroup: the PGID can no longer be the job's: never signal */
    unsigned int ended : 1;      /* reported to the core */
    unsigned int froze : 1;      /* cgroup.freeze was last set to 1 by us */
    unsigned int have_exit_msg : 1;
    unsigned int cg_killed : 1;    /* cgroup.kill was written: never reuse the cgroup */
    unsigned int cg_end_clean : 1; /* at the end cgroup.events said "populated 0, frozen 0" */
    unsigned int kill_sent : 1;    /* subreaper: the helper was told to kill (it finishes it) */
    unsigned int cg_seq;
    int cg_events_fd;
    /* pgroup: the pidfd of one live member, in epoll (one shot), once the main process has
     * ended and members are left: its end is when to look again (no tick). -1: none */
    int watch_fd;
    /* pgroup: the members being waited for once the main process has ended (cont_pgroup.c);
     * NULL until then */
    struct px_pg_drain *pg_drain;
    /* pgroup: the cgroup v2 directory the group's leader was in when the group was killed
     * whole (cont_pgroup.c: where its members are listed from); -1: none */
    int pg_cgroup_fd;
    /* subreaper */
    int ctl_fd;
    struct cimjob__posix_helper_msg exit_msg;
    /* die-with-host watchdog (cgroup and pgroup containment) */
    pid_t wpid;
    int wpidfd;
    int wctl_fd;
    /* reaper stub (cgroup and pgroup where pidfds keep no status): the main process's parent.
     * stub_pid -1: none. Its socket is ctl_fd; CMD_REAP on it lets the stub reap the main
     * process, and it is closed then (ctl_fd -1: the main process was let go). */
    pid_t stub_pid;
    int stub_pidfd;
};

struct px_state {
    const cimjob_backend_host *host;
    pid_t pid; /* the process that opened it: in another one (a fork) everything is the parent's */
    unsigned int flags;
    char *cg_override;
    uint64_t suspend_timeout_us;
    int use_pidfd;
    int use_clone3;
    int use_clone_vm;  /* children share our memory until exec (cimjob__posix_clone_vm) */
    int use_exit_info; /* a pidfd keeps a reaped process's status (PIDFD_INFO_EXIT) */
    int use_stub;      /* cgroup and pgroup main processes are a reaper stub's children */
    int epfd, evfd, tfd;
    pthread_mutex_t lock;
    struct px_job head; /* list sentinel */
    int ticking;        /* jobs with a tick */
    int fast_ticking;   /* of which on the 1 ms tick */
    /* Dispatch holds job pointers from epoll_wait: a job released meanwhile is freed only when
     * no dispatch is running (its epoll entries are gone by then, so none can return it). */
    int dispatching;
    struct px_job *deferred;
    /* cgroups: the parent (NULL: not found yet), the pool of empty job cgroups */
    struct px_cgparent *cg;
    struct px_cgpooled pool[PX_CG_POOL];
    unsigned int npool;
    /* one spare stack for a child that shares our memory (taken atomically; NULL: in use) */
    _Atomic(void *) spare_stack;
};

/* A spawn in progress: what the containment set up, and the processes started so far. */
struct px_spawn {
    struct px_state *st;
    const cimjob_job_options *opts;
    struct cimjob__posix_exec x;
    cimjob_containment cont;
    const struct px_cgparent
        *cg; /* the job cgroup, if any: <cg->path>/cimjob-<pid>-<start>-<seq> */
    unsigned int cg_seq;
    int cg_pooled;              /* it came from the pool */
    int cg_dirfd, cg_events_fd; /* the directory is open only while spawning */
    pid_t pid;
    int pidfd;
    int ctl_fd;
    pid_t wpid;
    int wpidfd, wctl_fd;
    pid_t stub_pid; /* the reaper stub (stub.c), or -1; its socket is ctl_fd */
    int stub_pidfd;
};

/* What is particular to one containment. backend.c holds what they share and calls these with
 * pj->lock held, never for a job that has ended (pj->ended). */
enum { PX_TERM = 1, PX_KILL = 2 };
enum { PX_LEFT = 0, PX_EMPTY = 1, PX_LEFT_EVENT = 2 };
struct px_cont_ops {
    cimjob_containment cont;
    /* Waiting for the main process must leave it unreaped (WNOWAIT) until the job is empty:
     * its zombie is what keeps the process group's ID ours. */
    int keep_zombie;
    /* PX_TERM: SIGTERM then SIGCONT to every process; PX_KILL: SIGKILL to every process. */
    cimjob_rc (*signal_all)(struct px_job *pj, int how);
    /* Stop every process by the monotonic deadline (on = 1), or let them run again (0). */
    cimjob_rc (*freeze)(struct px_job *pj, int on, int64_t deadline_us);
    /* The main process has ended (pj->code/status say how, pj->note why if unknown): take
     * what the containment knows better, and end the rest unless the job waits for it. */
    void (*observe)(struct px_job *pj);
    /* Whether nothing of the job is left (PX_EMPTY); with kill_rest, end what is. Not empty:
     * PX_LEFT_EVENT when an epoll event will say when to look again, PX_LEFT when only the
     * tick can. */
    int (*empty)(struct px_job *pj, int kill_rest);
    /* The job's backend state is being freed: give back what the containment holds. */
    void (*release)(struct px_job *pj);
};

extern const struct px_cont_ops cimjob__px_cgroup_ops;
extern const struct px_cont_ops cimjob__px_subreaper_ops;
extern const struct px_cont_ops cimjob__px_pgroup_ops;

/* Keep our descriptors at 3 or above, so that the dup2 onto 0..2 in a child (or a helper that
 * points 0..2 at /dev/null) can never clobber one when the host runs with 0..2 closed. */
static inline int px_high(int fd)
{
    if (fd < 0 || fd > 2) {
        return fd;
    }
    int h = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    int e = errno;
    close(fd);
    errno = e;
    return h;
}

static inline void px_close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Wait for one child of ours: through its pidfd where there is one, else by PID (which is safe
 * while we have not reaped it), whatever its exit signal (__WALL). EINTR is retried here, once
 * for every caller. Returns waitid's
 * answer (0, or -1 with errno; ECHILD: someone else reaped it). */
static inline int px_wait_child(pid_t pid, int pidfd, siginfo_t *si, int options)
{
    memset(si, 0, sizeof *si);
    int r;
    do {
        r = pidfd >= 0 ? waitid((idtype_t)P_PIDFD, (id_t)pidfd, si, options | __WALL)
                       : waitid(P_PID, (id_t)pid, si, options | __WALL);
    } while (r < 0 && errno == EINTR);
    return r;
}

/* grave.c: what a job released before its processes could be reaped leaves (a child of ours
 * to reap, a populated job cgroup to remove), taken care of later: at the next dispatch, open or
 * close of any registry, and by cimjob_posix_reap_released(). The pidfd becomes the list's. */
void cimjob__px_grave_child(pid_t pid, int pidfd);
void cimjob__px_grave_cgroup(const char *path);
void cimjob__px_grave_reap(void); /* never waits for a process */

/* backend.c */
/* Signal the main process (or helper): through its pidfd, or by PID while it is provably our
 * unreaped child (cimjob__px_main_is_ours). */
void cimjob__px_signal_main(struct px_job *pj, int sig);
/* Whether the main process is still our unreaped child (alive or a zombie): then its PID, and
 * the PGID it leads, cannot name anybody else. Marks it reaped and lost when not. */
int cimjob__px_main_is_ours(struct px_job *pj);
/* Set the job's overriding ErrorDescription (under pj->lock). Out of memory: the usual one. */
void cimjob__px_note(struct px_job *pj, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Undo a spawn's set-up (watchdog, reaper stub, descriptors, the job cgroup). */
void cimjob__px_spawn_cleanup(struct px_spawn *sp);
/* Start a helper, watchdog or stub (a->mode) as our child, with no exit signal. Fills its
 * socket, PID and pidfd. 0, or -1 with errno. */
int cimjob__px_start_helper(struct px_spawn *sp, struct cimjob__posix_helper_args *a, int *ctl_out,
                            pid_t *pid_out, int *pidfd_out);

/* stub.c (host side) */
/* Start the job's main process through a reaper stub: sets sp->stub_pid/stub_pidfd/ctl_fd, and
 * sp->pid/pidfd to the main process (its pidfd opened while the stub provably had not reaped
 * it). 0, or -1 with errno (sp->pid -1; what was started is left for the spawn's cleanup). */
int cimjob__px_stub_spawn(struct px_spawn *sp);
/* As px_wait_child on the main process, for a job with a stub: its status from the stub's
 * 'X' (WNOHANG: si_pid 0 while none has come). Without WNOWAIT the stub may then reap it. */
int cimjob__px_stub_wait(struct px_job *pj, siginfo_t *si, int options);
/* Whether the stub still holds the main process unreaped (and so its PID and PGID). */
int cimjob__px_stub_holds_main(struct px_job *pj);
/* Let go of a stub: CMD_REAP and close its socket (it reaps the main process once that has
 * ended, then exits), wait for it up to wait_ms, then reap it, or leave it to the graveyard. */
void cimjob__px_stub_finish(pid_t *pid, int *pidfd, int *ctl, int wait_ms);
/* Reap the main process (pgroup, once its group is empty or killed): through its stub, or as
 * our own child. Marks it reaped. */
void cimjob__px_reap_main(struct px_job *pj);

/* cont_cgroup.c */
/* Set up the job cgroup for a spawn: an empty one from the pool (allow_pool), or a new one.
 * Returns 0, or -1 with the reason in why (and errno: EMFILE, ENFILE, ENOMEM are resource
 * exhaustion, not a missing feature). */
int cimjob__px_cg_setup(struct px_spawn *sp, int allow_pool, char *why, size_t size);
/* The path of job cgroup seq under cg. */
void cimjob__px_cg_path(const struct px_cgparent *cg, unsigned int seq, char *buf, size_t size);
/* Write "1" to the job's cgroup.kill (a job whose spawn could not finish). */
int cimjob__px_cg_kill(struct px_job *pj);
/* Remove the pool's cgroups (not in a forked child: they are the parent's) and forget the
 * parents (closing the backend). */
void cimjob__px_cg_close_state(struct px_state *st, int forked);

/* cont_subreaper.c */
/* Send the helper a command; with want_ack wait (bounded) for its answer. */
cimjob_rc cimjob__px_helper_cmd(struct px_job *pj, char cmd, int want_ack);

/* cont_pgroup.c */
/* Around one dispatch round: process-group membership is read from /proc once for every job
 * the round looks at (ending 1,000 pgroup jobs at once scanned /proc 1,000 times). */
void cimjob__px_snap_begin(void);
/* After each epoll_wait of the round (events 1: what it returned happened before this), and
 * before the jobs on the tick are polled (events 0). */
void cimjob__px_snap_mark(int events);
void cimjob__px_snap_end(void);
/* Tests: non-zero lists process groups through /proc even where the cgroup tree could serve. */
extern int cimjob__px_pg_use_proc;
/* Signal the job's process group, only while its leader is unreaped. */
void cimjob__px_signal_group(struct px_job *pj, int sig);

#endif
