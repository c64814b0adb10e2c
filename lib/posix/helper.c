/*
 * The per-job helper process. It is forked from the host (which may be multithreaded), so it
 * only makes system calls: no malloc, no stdio, no locks. Two modes:
 *
 * SUBREAPER  the parent of the job's main process and PR_SET_CHILD_SUBREAPER, so every process
 *            of the job that is orphaned (double fork, setsid daemon) is re-parented to it. It
 *            reaps the whole tree, forwards terminate/kill/stop/cont to every descendant, and
 *            exits once the main process has ended and the tree is empty, sending the main
 *            process's status to the host. Terminate and Kill go to the main process's group in
 *            one kill() while the main process is unreaped (that pins the group's number); a
 *            sweep of /proc finds the rest only once children stop ending, and signals each
 *            descendant through a pidfd checked to still be a descendant (its own children, whose
 *            PIDs are pinned until it reaps them, directly).
 * WATCH      for cgroup and process-group jobs with CIMJOB_JOB_DIE_WITH_HOST: waits for the host
 *            to die (its pidfd, PR_SET_PDEATHSIG, getppid()) and then kills the job. The host
 *            says goodbye with CMD_QUIT when it releases the job normally.
 *
 * The host is the helper's parent, so the host observes it through a pidfd like any child.
 * The helper never changes the host's own state (the host is not made a subreaper).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "posix.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#endif

/* Room for this many processes in one /proc scan (a job larger than this is signalled in
 * several rounds, since each scan sees the processes the previous one did not kill). */
#define HELPER_TABLE 65536

struct helper {
    const struct cimjob__posix_helper_args *a;
    struct cimjob__posix_proc *tab;
    int self;
    int sfd;
    int ctl_open;
    int host_gone;
    int main_done;
    int main_code;
    int main_status;
    int killing;
    int kill_sent;        /* killing: the main process and its group have had SIGKILL */
    int term_sweep;       /* a Terminate reached only the main process's group so far */
    int64_t next_kill_us; /* killing (or term_sweep): the earliest next sweep of the tree */
    int kill_every_ms;    /* ...and how long after that (backs off to HELPER_KILL_MAX_MS) */
    int64_t last_reap_us; /* when a child was last reaped */
    int64_t teardown_us;  /* when the Terminate or the kill began */
    pid_t main_pid;
};

/* While killing: the first sweeps come quickly (what a killed process forked a moment before
 * its death re-parents to us alive), later ones back off, so that many helpers killing at once
 * do not each scan /proc every few milliseconds. A child's death wakes us to reap it without a
 * sweep, and a sweep waits while children keep ending (HELPER_STALL_MS without one): a tree
 * that is dying needs no /proc scan, one that is not gets it. The silence waited for is half
 * of how long the tree has been dying, at least HELPER_STALL_MS: on a loaded machine killed
 * processes wait long for a CPU to die, and a scan (thousands of system calls, each a chance
 * to be preempted) then only takes it from them (a sweep made a 1,000-process Terminate take
 * 350-550 ms instead of ~100 ms at load 200). A tree that keeps orphaning children that end is
 * swept HELPER_SWEEP_LATEST_MS after next_kill_us at the latest. */
#define HELPER_KILL_FIRST_MS   5
#define HELPER_KILL_MAX_MS     100
#define HELPER_STALL_MS        50
#define HELPER_SWEEP_LATEST_MS 1000
/* After the main process's group had SIGKILL, no sweep comes before the main process's end
 * (SIGCHLD wakes us), which brings the first one forward to HELPER_KILL_FIRST_MS: on a loaded
 * machine a killed process can take long to die, and 1,000 helpers scanning /proc meanwhile is
 * what made freeing 1,000 jobs quadratic. After a Terminate's SIGTERM, the main process may
 * well live on (it cleans up): what left the group gets SIGTERM this long after at the latest. */
#define HELPER_MAIN_WAIT_MS 250

static void helper_send(struct helper *h, int kind, int code, int status)
{
    struct cimjob__posix_helper_msg m;
    m.magic = CIMJOB__POSIX_HELPER_MAGIC;
    m.kind = kind;
    m.code = code;
    m.status = status;
    if (h->ctl_open) {
        (void)send(h->a->ctl_fd, &m, sizeof m, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
}

/* The main process's group is the job's while the main process is our unreaped child: the
 * group's number is that PID, which cannot be reused before we reap it, and only the main
 * process can have made a group of that number (setpgid at spawn). Its members are the main
 * process's descendants that did not leave it, plus anything of the host's session that joins
 * it by naming it in setpgid(), which puts itself into the job as in the pgroup containment. */
static int helper_group_pinned(const struct helper *h)
{
    return h->main_pid > 0 && !h->main_done;
}

/* One kill() reaches the whole group, as kill(-pgid) does for a shell (then sig2, if not 0).
 * Returns 1 when sent, 0 when the group is not pinned (nothing sent). */
static int helper_signal_group(struct helper *h, int sig, int sig2)
{
    if (!helper_group_pinned(h)) {
        return 0;
    }
    /* The main process on its own only when it has left the group (setpgid, setsid): a
     * second SIGTERM can mean "now, without cleaning up" to a program. */
    int left = getpgid(h->main_pid) != h->main_pid;
    (void)kill(-h->main_pid, sig);
    if (left) {
        (void)kill(h->main_pid, sig);
    }
    if (sig2 != 0) {
        (void)kill(-h->main_pid, sig2);
        if (left) {
            (void)kill(h->main_pid, sig2);
        }
    }
    return 1;
}

/* How helper_signal_tree treats the main process's group. */
enum {
    HELPER_EACH = 0,  /* every descendant one by one */
    HELPER_GROUP = 1, /* the group in one kill() after the scan, the others one by one */
    HELPER_OTHERS = 2 /* the others only: the group had this signal already */
};

/* Signal every descendant once (then sig2, if not 0, in the same pass); see the enum for how.
 * Returns how many live (non-zombie) descendants were seen. */
static long helper_signal_tree(struct helper *h, int sig, int sig2, int only_running, int how)
{
    long n = cimjob__posix_proc_scan(h->tab, HELPER_TABLE);
    if (n < 0) {
        return 0;
    }
    /* After the scan: a process the group gains meanwhile gets the signal too. */
    int grp = 0;
    if (how == HELPER_OTHERS || (how == HELPER_GROUP && helper_signal_group(h, sig, sig2))) {
        grp = h->main_pid;
    }
    size_t cnt = n > HELPER_TABLE ? HELPER_TABLE : (size_t)n;
    cimjob__posix_proc_mark_descendants(h->tab, cnt, h->self);
    long live = 0;
    for (size_t i = 0; i < cnt; i++) {
        struct cimjob__posix_proc *p = &h->tab[i];
        if (!p->mark || p->state == 'Z' || p->state == 'X') {
            continue;
        }
        if (only_running && (p->state == 'T' || p->state == 't')) {
            continue;
        }
        live++;
        if (grp != 0 && p->pgrp == grp) {
            continue; /* the group's signal reached it */
        }
        if (p->ppid == h->self || !h->a->use_pidfd) {
            /* Our own child: its PID cannot be reused until we reap it, and we do not reap
             * during a sweep. Otherwise the documented fallback: by PID, with the small window
             * in which a descendant that another descendant has just reaped could have had its
             * PID reused. */
            (void)kill(p->pid, sig);
            if (sig2 != 0) {
                (void)kill(p->pid, sig2);
            }
            continue;
        }
        int fd = cimjob__posix_pidfd_open(p->pid);
        if (fd < 0) {
            continue;
        }
        /* The pidfd now pins one process; make sure it is the one we listed: still a child of
         * us or of a process we listed as a descendant. */
        struct cimjob__posix_proc now;
        int ours = 0;
        if (cimjob__posix_proc_stat(p->pid, &now) == 0) {
            if (now.ppid == h->self) {
                ours = 1;
            } else {
                for (size_t j = 0; j < cnt; j++) {
                    if (h->tab[j].pid == now.ppid) {
                        ours = h->tab[j].mark;
                        break;
                    }
                }
            }
        }
        if (ours) {
            (void)cimjob__posix_pidfd_send_signal(fd, sig);
            if (sig2 != 0) {
                (void)cimjob__posix_pidfd_send_signal(fd, sig2);
            }
        }
        close(fd);
    }
    return live;
}

/* Reap every child that has ended; note the main process's status. Returns 1 when we have no
 * children left at all (the tree is empty: everything below us re-parents to us). */
static int helper_reap(struct helper *h)
{
    for (;;) {
        int st;
        pid_t p = waitpid(-1, &st, WNOHANG | __WALL); /* its own children: it is their reaper */
        if (p == 0) {
            return 0;
        }
        if (p < 0) {
            return errno == ECHILD;
        }
        h->last_reap_us = cimjob__posix_now_us();
        if (p == h->main_pid) {
            h->main_done = 1;
            /* The top of the tree has ended: what it leaves behind is looked for soon. */
            int64_t soon = h->last_reap_us + HELPER_KILL_FIRST_MS * 1000;
            if (h->next_kill_us > soon) {
                h->next_kill_us = soon;
            }
            if (WIFSIGNALED(st)) {
                h->main_code = WCOREDUMP(st) ? CLD_DUMPED : CLD_KILLED;
                h->main_status = WTERMSIG(st);
            } else {
                h->main_code = CLD_EXITED;
                h->main_status = WEXITSTATUS(st);
            }
        }
    }
}

/* When the next sweep of the tree is due: not before next_kill_us, and not while children keep
 * ending (see HELPER_STALL_MS), but HELPER_SWEEP_LATEST_MS after next_kill_us at the latest. */
static int64_t helper_sweep_due(const struct helper *h)
{
    if (h->killing && h->kill_sent && !h->term_sweep && helper_group_pinned(h)) {
        return INT64_MAX; /* the main process's end first (HELPER_MAIN_WAIT_MS) */
    }
    int64_t due = h->next_kill_us;
    int64_t patience = (h->last_reap_us - h->teardown_us) / 2;
    if (patience < HELPER_STALL_MS * 1000) {
        patience = HELPER_STALL_MS * 1000;
    } else if (patience > HELPER_SWEEP_LATEST_MS * 1000) {
        patience = HELPER_SWEEP_LATEST_MS * 1000;
    }
    int64_t stall = h->last_reap_us + patience;
    int64_t latest = h->next_kill_us + HELPER_SWEEP_LATEST_MS * 1000;
    if (stall > due) {
        due = stall < latest ? stall : latest;
    }
    return due;
}

/* Terminate: SIGTERM, then SIGCONT (a stopped process cannot act on SIGTERM). While the main
 * process's group is pinned, one kill() reaches the group at once, and what left it gets the
 * signals at the first sweep; otherwise one pass over the tree. */
static void helper_terminate(struct helper *h)
{
    if (h->killing || !helper_signal_group(h, SIGTERM, SIGCONT)) {
        (void)helper_signal_tree(h, SIGTERM, SIGCONT, 0, HELPER_EACH);
        return;
    }
    h->term_sweep = 1;
    h->last_reap_us = cimjob__posix_now_us(); /* the signal starts the tree's dying */
    h->teardown_us = h->last_reap_us;
    h->next_kill_us = h->last_reap_us + HELPER_MAIN_WAIT_MS * 1000;
}

/* One step of a kill, or of a Terminate's sweep: called at every turn of the loop. */
static void helper_kill_step(struct helper *h)
{
    int64_t now = cimjob__posix_now_us();
    if (h->killing && !h->kill_sent) {
        /* The main process and its group first, without a scan: often that is the whole job,
         * and then we exit at its end without reading /proc at all. */
        h->kill_sent = 1;
        h->kill_every_ms = HELPER_KILL_FIRST_MS;
        if (!h->term_sweep) {
            h->teardown_us = now;
        }
        if (helper_signal_group(h, SIGKILL, 0)) {
            h->last_reap_us = now;
            h->next_kill_us = now + HELPER_KILL_FIRST_MS * 1000;
        } else if (!h->term_sweep) {
            h->next_kill_us = now;
        }
    }
    if ((!h->killing && !h->term_sweep) || now < helper_sweep_due(h)) {
        return;
    }
    if (h->term_sweep) {
        /* What the Terminate's group signal did not reach, before any SIGKILL. */
        h->term_sweep = 0;
        (void)helper_signal_tree(h, SIGTERM, SIGCONT, 0, HELPER_OTHERS);
    } else {
        (void)helper_signal_tree(h, SIGKILL, 0, 0, HELPER_GROUP);
        if (h->kill_every_ms < HELPER_KILL_MAX_MS) {
            h->kill_every_ms *= 2;
        }
    }
    if (h->kill_every_ms == 0) {
        h->kill_every_ms = HELPER_KILL_FIRST_MS;
    }
    h->next_kill_us = cimjob__posix_now_us() + (int64_t)h->kill_every_ms * 1000;
}

/* cimjob_posix_signal() for a subreaper job: the tree, or the main process (our unreaped
 * child: its PID, and the group it leads, cannot be reused), or it and its group. */
static void helper_signal(struct helper *h, int sig, int to)
{
    if (to == CIMJOB__POSIX_TO_TREE) {
        (void)helper_signal_tree(h, sig, 0, 0, HELPER_EACH);
        return;
    }
    if (h->main_pid <= 0 || h->main_done) {
        return;
    }
    if (to == CIMJOB__POSIX_TO_GROUP) {
        (void)kill(-h->main_pid, sig);
    }
    (void)kill(h->main_pid, sig);
}

/* SIGSTOP every descendant until all of them are stopped or the bound passes. */
static int helper_stop_tree(struct helper *h)
{
    int64_t bound = h->a->suspend_timeout_us > 0 ? (int64_t)h->a->suspend_timeout_us : 2000000;
    int64_t deadline = cimjob__posix_now_us() + bound;
    for (;;) {
        long running = helper_signal_tree(h, SIGSTOP, 0, 1, HELPER_EACH);
        if (running == 0) {
            return 0;
        }
        if (cimjob__posix_now_us() > deadline) {
            return 1;
        }
        cimjob__posix_sleep_us(1000);
    }
}

/* Close every descriptor except those listed (sorted ascending, each >= 3). */
static void helper_close_except(const int *keep, size_t n)
{
    unsigned int from = 3;
    for (size_t i = 0; i <= n; i++) {
        unsigned int to = i < n ? (unsigned int)keep[i] : ~0U;
        if (i < n && keep[i] < 3) {
            continue;
        }
        if (to > from && cimjob__posix_close_range(from, to - 1, 0) != 0) {
            unsigned int last = to == ~0U ? 65536 : to;
            for (unsigned int fd = from; fd < last; fd++) {
                close((int)fd);
            }
        }
        from = to + 1;
        if (to == ~0U) {
            break;
        }
    }
}

static void helper_sort(int *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        int t = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] > t) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
}

/* The host is gone when its pidfd says so or we were re-parented. PR_SET_PDEATHSIG alone is
 * not trusted: it fires when the host *thread* that forked us exits. */
static int helper_host_alive(const struct helper *h)
{
    if (h->a->host_pidfd >= 0) {
        struct pollfd p = {h->a->host_pidfd, POLLIN, 0};
        if (poll(&p, 1, 0) > 0) {
            return 0;
        }
    }
    return getppid() == h->a->host_pid;
}

/* WATCH mode: the host died with a die-with-host job; kill it. */
static void helper_watch_kill(const struct cimjob__posix_helper_args *a, struct helper *h)
{
    int64_t deadline = cimjob__posix_now_us() + 10000000;
    if (a->cg_kill_fd >= 0) {
        while (cimjob__posix_now_us() < deadline) {
            (void)!write(a->cg_kill_fd, "1", 1);
            if (a->cg_events_fd < 0 ||
                cimjob__posix_cgroup_event(a->cg_events_fd, "populated") == 0) {
                break;
            }
            struct pollfd p = {a->cg_events_fd, POLLPRI, 0};
            (void)poll(&p, 1, 50);
        }
        if (a->cg_path != NULL) {
            for (int i = 0; i < 100 && rmdir(a->cg_path) != 0 && errno == EBUSY; i++) {
                cimjob__posix_sleep_us(10000);
            }
        }
        return;
    }
    /* Process group: the main process was the host's child; if it still runs it pins the
     * group's number. */
    if (a->main_pidfd >= 0) {
        (void)cimjob__posix_pidfd_send_signal(a->main_pidfd, SIGKILL);
    }
    while (a->pgid > 0 && cimjob__posix_now_us() < deadline) {
        if (kill(-a->pgid, SIGKILL) != 0) {
            break;
        }
        long n = cimjob__posix_proc_scan(h->tab, HELPER_TABLE);
        size_t cnt = n < 0 ? 0 : (n > HELPER_TABLE ? HELPER_TABLE : (size_t)n);
        int left = 0;
        for (size_t i = 0; i < cnt; i++) {
            if (h->tab[i].pgrp == a->pgid && h->tab[i].state != 'Z' && h->tab[i].state != 'X') {
                left = 1;
                break;
            }
        }
        if (!left) {
            break;
        }
        cimjob__posix_sleep_us(5000);
    }
}

#define HELPER_CHILD_STACK 65536

/* The main process, started with cimjob__posix_clone_vm: exec, or exit 127. */
static CIMJOB__POSIX_CHILD_CODE __attribute__((unused)) int helper_child_entry(void *arg)
{
    cimjob__posix_child_exec(arg);
}

pid_t cimjob__posix_helper_start_main(const struct cimjob__posix_exec *x)
{
    /* The main process shares our memory until it execs (no copy of this copy of the host),
     * on a stack of its own; where that is not available, a fork. */
    pid_t pid = -1;
    errno = ENOSYS;
#if CIMJOB__POSIX_HAVE_CLONE_VM
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *stack = mmap(NULL, HELPER_CHILD_STACK + page, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack != MAP_FAILED) {
        /* The host probed this before it forked us (px_open): no new process here. */
        if (cimjob__posix_clone_vm_works(0)) {
            pid = cimjob__posix_clone_vm(helper_child_entry, (void *)(uintptr_t)x,
                                         (char *)stack + page, HELPER_CHILD_STACK, 0, NULL, -1,
                                         SIGCHLD);
        }
        int e = errno;
        munmap(stack, HELPER_CHILD_STACK + page);
        errno = e;
    }
#endif
    if (pid < 0 && errno == ENOSYS) {
        pid = cimjob__posix_fork(SIGCHLD);
        if (pid == 0) {
            cimjob__posix_child_exec(x);
        }
    }
    return pid;
}

void cimjob__posix_helper_main(const struct cimjob__posix_helper_args *a)
{
    struct helper hs;
    struct helper *h = &hs;
    memset(h, 0, sizeof *h);
    h->a = a;
    h->ctl_open = 1;
    h->main_pid = -1;
    h->self = getpid();
    int errfd = a->exec != NULL ? a->exec->errfd : -1;

    /* Our parent blocked every signal before forking us; they stay blocked (we read SIGCHLD
     * and the death signal from a signalfd), and their dispositions go back to default so an
     * ignored SIGCHLD cannot make the kernel reap our children behind our back. */
    cimjob__posix_reset_signals();
    /* Our own process group: a terminal's ^C to the host's group must not kill the helper
     * before it can clean up. */
    (void)setpgid(0, 0);
    void *mem = mmap(NULL, sizeof(struct cimjob__posix_proc) * HELPER_TABLE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        struct cimjob__posix_exec_error e = {CIMJOB__POSIX_STAGE_HELPER, errno};
        if (errfd >= 0) {
            (void)!write(errfd, &e, sizeof e);
        }
        _exit(127);
    }
    h->tab = mem;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGUSR1);
    h->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (a->die_with_host) {
        (void)prctl(PR_SET_PDEATHSIG, SIGUSR1);
    }
    if (a->mode == CIMJOB__POSIX_HELPER_SUBREAPER) {
        if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0 || h->sfd < 0) {
            struct cimjob__posix_exec_error e = {CIMJOB__POSIX_STAGE_HELPER, errno};
            (void)!write(errfd, &e, sizeof e);
            _exit(127);
        }
        h->main_pid = cimjob__posix_helper_start_main(a->exec);
        if (h->main_pid < 0) {
            struct cimjob__posix_exec_error e = {CIMJOB__POSIX_STAGE_FORK, errno};
            (void)!write(errfd, &e, sizeof e);
            _exit(127);
        }
    }
    /* Keep only what we use, so we hold none of the host's pipes or files open (the job's
     * stdio and the exec-error pipe now belong to the main process). */
    int keep_all[6];
    size_t nall = 0;
    int cand[6] = {a->ctl_fd, h->sfd, a->host_pidfd, -1, -1, -1};
    if (a->mode == CIMJOB__POSIX_HELPER_WATCH) {
        cand[3] = a->cg_kill_fd;
        cand[4] = a->cg_events_fd;
        cand[5] = a->main_pidfd;
    }
    for (size_t i = 0; i < 6; i++) {
        if (cand[i] >= 0) {
            keep_all[nall++] = cand[i];
        }
    }
    helper_sort(keep_all, nall);
    helper_close_except(keep_all, nall);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull >= 0) {
        for (int i = 0; i < 3; i++) {
            if (devnull != i) {
                (void)dup2(devnull, i);
            }
        }
        if (devnull > 2) {
            close(devnull);
        }
    }

    if (a->die_with_host && !helper_host_alive(h)) {
        h->host_gone = 1;
    }
    for (;;) {
        if (a->mode == CIMJOB__POSIX_HELPER_WATCH && h->host_gone) {
            helper_watch_kill(a, h);
            _exit(0);
        }
        if (a->mode == CIMJOB__POSIX_HELPER_SUBREAPER) {
            int empty = helper_reap(h);
            if (h->main_done && !a->wait_for_all) {
                h->killing = 1;
            }
            if (h->host_gone && a->die_with_host) {
                h->killing = 1;
            }
            if (empty) {
                /* Nothing of the job is left: everything below us re-parents to us, so no
                 * child means no descendant. */
                helper_send(h, 'X', h->main_code, h->main_status);
                _exit(0);
            }
            helper_kill_step(h);
        }
        struct pollfd pf[3];
        nfds_t np = 0;
        int ctl_i = -1, host_i = -1;
        if (h->ctl_open) {
            ctl_i = (int)np;
            pf[np++] = (struct pollfd){a->ctl_fd, POLLIN, 0};
        }
        if (h->sfd >= 0) {
            pf[np++] = (struct pollfd){h->sfd, POLLIN, 0};
        }
        if (a->die_with_host && a->host_pidfd >= 0 && !h->host_gone) {
            host_i = (int)np;
            pf[np++] = (struct pollfd){a->host_pidfd, POLLIN, 0};
        }
        int timeout = -1;
        if (h->killing || h->term_sweep) {
            /* A child's end wakes us before that (SIGCHLD), unless there is no signalfd. */
            int64_t due = helper_sweep_due(h);
            int64_t left =
                due == INT64_MAX ? HELPER_KILL_MAX_MS * 1000 : due - cimjob__posix_now_us();
            timeout = left <= 0 ? 0 : (int)(left / 1000) + 1;
            if (h->sfd < 0 && timeout > 10) {
                timeout = 10;
            }
        } else if (a->die_with_host && a->host_pidfd < 0) {
            timeout = 100; /* no pidfd: notice re-parenting by polling getppid() */
        } else if (a->mode == CIMJOB__POSIX_HELPER_SUBREAPER && h->sfd < 0) {
            timeout = 10;
        }
        int r = poll(pf, np, timeout);
        if (r < 0 && errno != EINTR) {
            cimjob__posix_sleep_us(1000);
        }
        if (h->sfd >= 0) {
            struct signalfd_siginfo si[8];
            while (read(h->sfd, si, sizeof si) > 0) {
            }
        }
        if (a->die_with_host && !h->host_gone && !helper_host_alive(h)) {
            h->host_gone = 1;
        }
        (void)host_i;
        if (ctl_i >= 0 && (pf[ctl_i].revents & (POLLIN | POLLHUP | POLLERR))) {
            char msg[3] = {0, 0, 0};
            ssize_t got = recv(a->ctl_fd, msg, sizeof msg, MSG_DONTWAIT);
            char cmd = msg[0];
            if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
                /* The host closed its end without a goodbye: it died (or leaked the job). */
                h->ctl_open = 0;
                if (a->die_with_host) {
                    h->host_gone = 1;
                }
            } else if (got >= 1) {
                switch (cmd) {
                case CIMJOB__POSIX_CMD_SIGNAL:
                    if (got == 3) {
                        helper_signal(h, (unsigned char)msg[1], msg[2]);
                    }
                    break;
                case CIMJOB__POSIX_CMD_TERMINATE:
                    helper_terminate(h);
                    break;
                case CIMJOB__POSIX_CMD_KILL:
                    h->killing = 1;
                    break;
                case CIMJOB__POSIX_CMD_STOP:
                    helper_send(h, 'A', cmd, helper_stop_tree(h));
                    break;
                case CIMJOB__POSIX_CMD_CONT:
                    (void)helper_signal_tree(h, SIGCONT, 0, 0, HELPER_EACH);
                    helper_send(h, 'A', cmd, 0);
                    break;
                case CIMJOB__POSIX_CMD_QUIT:
                    if (a->mode == CIMJOB__POSIX_HELPER_WATCH) {
                        _exit(0);
                    }
                    h->ctl_open = 0;
                    break;
                default:
                    break;
                }
            }
        }
    }
}
