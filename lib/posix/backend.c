/*
 * The `posix` backend: jobs are process trees. This file holds what every containment shares:
 * the vtable, the per-registry state (an epoll set over the jobs' pidfds and cgroup.events, an
 * eventfd for wake and a timerfd for the fallbacks that must poll), spawning, exit observation
 * and the requests, each handed to the job's containment (struct px_cont_ops: cont_cgroup.c,
 * cont_subreaper.c, cont_pgroup.c).
 *
 * Exit observation: pidfd + waitid(P_PIDFD) on our own children only (the main process, or
 * the job's helper in subreaper mode); never waitpid(-1), never a SIGCHLD handler. Where
 * pidfds are missing (or CIMJOB_POSIX_NO_PIDFD), waitid(P_PID, WNOHANG) on that child at a
 * 10 ms tick; signals then go to it by PID, which is safe because we have not reaped it.
 *
 * A job has ended when its main process has ended and nothing of it is left in its
 * containment. By default what is left is killed when the main process ends
 * (CIMJOB_JOB_WAIT_FOR_ALL waits for it instead).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "posix.h"
#include "../core/backend_call.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PX_TOKEN_WAKE         0
#define PX_TOKEN_TIMER        1
#define PX_TICK_NS            10000000L /* 10 ms: polling for the fallbacks and draining jobs */
#define PX_FAST_TICK_NS       1000000L  /* 1 ms: a killed cgroup draining */
#define PX_DEFAULT_SUSPEND_US 2000000
#define PX_CHILD_STACK        65536 /* the stack of a child that shares our memory */

/* ---- small helpers ---------------------------------------------------------------------- */

/* Without a pidfd the PID alone names the main process only while it is our unreaped child,
 * and only if no one else reaped it and the number went to another child of ours: its start
 * time (read at spawn) says which process the PID names now. */
static int px_start_matches(struct px_job *pj)
{
    return pj->pidfd >= 0 || pj->start_time == 0 ||
           cimjob__posix_proc_start_time(pj->pid) == pj->start_time;
}

/* What says the main process has ended: its pidfd, or its stub's socket (the 'X' message). */
static int px_exit_fd(const struct px_job *pj)
{
    return pj->stub_pid > 0 ? pj->ctl_fd : pj->pidfd;
}

int cimjob__px_main_is_ours(struct px_job *pj)
{
    if (pj->reaped) {
        return 0;
    }
    siginfo_t si;
    if (pj->stub_pid > 0) {
        /* The stub's child: pinned while the stub lives and we have not let it reap. */
        if (!cimjob__px_stub_holds_main(pj)) {
            pj->reaped = 1;
            pj->lost = 1;
            return 0;
        }
        return 1;
    }
    if (!px_start_matches(pj) ||
        (px_wait_child(pj->pid, pj->pidfd, &si, WEXITED | WNOHANG | WNOWAIT) != 0 &&
         errno == ECHILD)) {
        /* Reaped behind our back: its PID (and PGID) may be anybody's now. The next poll
         * reports how it ended (through the pidfd, if the kernel kept it). */
        pj->reaped = 1;
        pj->lost = 1;
        return 0;
    }
    return 1;
}

void cimjob__px_signal_main(struct px_job *pj, int sig)
{
    if (pj->pidfd >= 0) {
        (void)cimjob__posix_pidfd_send_signal(pj->pidfd, sig);
    } else if (cimjob__px_main_is_ours(pj)) {
        (void)kill(pj->pid, sig);
    }
}

/* want: 0 no tick, 1 the 10 ms tick, 2 the 1 ms tick (a killed cgroup draining: reading
 * cgroup.events is cheap, and the kernel delays its "populated 0" notification by up to 10 ms
 * when the previous one was less than 10 ms before, e.g. a job killed soon after it started). */
static void px_tick_update(struct px_state *st, struct px_job *pj, int want)
{
    /* Under st->lock. The timer runs while any job needs polling. */
    if (want == pj->ticking) {
        return;
    }
    long before = st->fast_ticking ? PX_FAST_TICK_NS : st->ticking ? PX_TICK_NS : 0;
    st->ticking += (want != 0) - (pj->ticking != 0);
    st->fast_ticking += (want == 2) - (pj->ticking == 2);
    pj->ticking = (char)want;
    long after = st->fast_ticking ? PX_FAST_TICK_NS : st->ticking ? PX_TICK_NS : 0;
    if (after != before) {
        struct itimerspec its;
        memset(&its, 0, sizeof its);
        its.it_value.tv_nsec = after;
        its.it_interval.tv_nsec = after;
        (void)timerfd_settime(st->tfd, 0, &its, NULL);
    }
}

static void px_set_ticking(struct px_job *pj, int want)
{
    struct px_state *st = pj->st;
    pthread_mutex_lock(&st->lock);
    if (pj->listed) {
        px_tick_update(st, pj, want);
    }
    pthread_mutex_unlock(&st->lock);
}

static void px_job_free(struct px_job *pj)
{
    px_close_fd(&pj->watch_fd);
    px_close_fd(&pj->pg_cgroup_fd);
    px_close_fd(&pj->pidfd);
    px_close_fd(&pj->ctl_fd);
    px_close_fd(&pj->wpidfd);
    px_close_fd(&pj->wctl_fd);
    px_close_fd(&pj->cg_events_fd);
    px_close_fd(&pj->stub_pidfd);
    cimjob__free(pj->note);
    cimjob__free(pj->pg_drain);
    pthread_mutex_destroy(&pj->lock);
    cimjob__free(pj);
}

static void px_job_unref(struct px_state *st, struct px_job *pj)
{
    pthread_mutex_lock(&st->lock);
    int last = --pj->refs == 0;
    pthread_mutex_unlock(&st->lock);
    if (last) {
        px_job_free(pj);
    }
}

void cimjob__px_note(struct px_job *pj, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cimjob__free(pj->note);
    pj->note = cimjob__strdup(buf);
}

/* ---- open / close ----------------------------------------------------------------------- */

static cimjob_rc px_open(const cimjob_backend_host *host, void *config, void **state)
{
    const cimjob_posix_config *cfg = config;
    if (cfg != NULL && cfg->version != CIMJOB_POSIX_CONFIG_VERSION) {
        return cimjob_backend_fail(CIMJOB_RC_INVALID_VERSION,
                                   "posix backend: unknown cimjob_posix_config version %u",
                                   cfg->version);
    }
    struct px_state *st = cimjob__calloc(1, sizeof *st);
    if (st == NULL) {
        return cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "posix backend: out of memory");
    }
    cimjob__px_grave_reap();
    st->host = host;
    st->pid = getpid();
    st->epfd = st->evfd = st->tfd = -1;
    st->suspend_timeout_us = PX_DEFAULT_SUSPEND_US;
    if (cfg != NULL) {
        st->flags = cfg->flags;
        if (cfg->suspend_timeout_us != 0) {
            st->suspend_timeout_us = cfg->suspend_timeout_us;
        }
        if (cfg->cgroup_parent != NULL) {
            st->cg_override = cimjob__strdup(cfg->cgroup_parent);
            if (st->cg_override == NULL) {
                cimjob__free(st);
                return cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "posix backend: out of memory");
            }
        }
    }
    st->use_pidfd = !(st->flags & CIMJOB_POSIX_NO_PIDFD) && cimjob__posix_have_pidfd();
    st->use_clone3 = !(st->flags & CIMJOB_POSIX_NO_CLONE3) && cimjob__posix_have_clone3();
    /* With clone3 the shared-memory child needs our trampoline (x86-64, arm64); without clone3
     * it goes through clone(). Elsewhere, and under ThreadSanitizer, a fork. */
    st->use_clone_vm = CIMJOB__POSIX_HAVE_CLONE_VM &&
                       (!st->use_clone3 || cimjob__posix_have_clone3_vm()) &&
                       cimjob__posix_clone_vm_works(st->use_clone3);
    /* The subreaper's helper starts its main process through clone(): probed here, once per
     * process, so that the helper (a fork of ours) inherits the answer. */
    (void)cimjob__posix_clone_vm_works(0);
    /* Where a pidfd cannot keep the status of a main process the host reaps, cgroup and
     * pgroup main processes are started by a reaper stub (stub.c). */
    st->use_exit_info = st->use_pidfd && !(st->flags & CIMJOB_POSIX_NO_PIDFD_EXIT) &&
                        cimjob__posix_have_pidfd_exit();
    st->use_stub = st->use_pidfd && !st->use_exit_info;
    st->head.next = st->head.prev = &st->head;
    atomic_init(&st->spare_stack, NULL);
    if (pthread_mutex_init(&st->lock, NULL) != 0) {
        cimjob__free(st->cg_override);
        cimjob__free(st);
        return cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "posix backend: pthread_mutex_init");
    }
    st->epfd = px_high(epoll_create1(EPOLL_CLOEXEC));
    st->evfd = px_high(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    st->tfd = px_high(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    int ok = st->epfd >= 0 && st->evfd >= 0 && st->tfd >= 0;
    if (ok) {
        ev.events = EPOLLIN;
        ev.data.u64 = PX_TOKEN_WAKE;
        ok = epoll_ctl(st->epfd, EPOLL_CTL_ADD, st->evfd, &ev) == 0;
    }
    if (ok) {
        ev.data.u64 = PX_TOKEN_TIMER;
        ok = epoll_ctl(st->epfd, EPOLL_CTL_ADD, st->tfd, &ev) == 0;
    }
    if (!ok) {
        int e = errno;
        px_close_fd(&st->epfd);
        px_close_fd(&st->evfd);
        px_close_fd(&st->tfd);
        pthread_mutex_destroy(&st->lock);
        cimjob__free(st->cg_override);
        cimjob__free(st);
        return cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "posix backend: epoll/eventfd/timerfd: %s",
                                   strerror(e));
    }
    *state = st;
    return CIMJOB_RC_SUCCESS;
}

static void px_close_state(void *state)
{
    struct px_state *st = state;
    if (st == NULL) {
        return;
    }
    if (getpid() == st->pid) {
        cimjob__px_grave_reap();
    }
    cimjob__px_cg_close_state(st, getpid() != st->pid);
    void *stack = atomic_exchange(&st->spare_stack, NULL);
    if (stack != NULL) {
        munmap(stack, PX_CHILD_STACK + (size_t)sysconf(_SC_PAGESIZE)); /* px_stack_size */
    }
    px_close_fd(&st->epfd);
    px_close_fd(&st->evfd);
    px_close_fd(&st->tfd);
    pthread_mutex_destroy(&st->lock);
    cimjob__free(st->cg_override);
    cimjob__free(st);
}

/* ---- spawn ------------------------------------------------------------------------------ */

int cimjob__px_start_helper(struct px_spawn *sp, struct cimjob__posix_helper_args *a, int *ctl_out,
                            pid_t *pid_out, int *pidfd_out)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        return -1;
    }
    sv[0] = px_high(sv[0]);
    sv[1] = px_high(sv[1]);
    int host_pidfd = -1;
    if (sp->st->use_pidfd && a->die_with_host) {
        host_pidfd = px_high(cimjob__posix_pidfd_open(getpid()));
    }
    a->host_pid = getpid();
    a->host_pidfd = host_pidfd;
    a->ctl_fd = sv[1];
    a->use_pidfd = sp->st->use_pidfd;
    a->suspend_timeout_us = sp->st->suspend_timeout_us;
    sigset_t old;
    cimjob__posix_block_all(&old);
    int pidfd = -1;
    pid_t pid = sp->st->use_clone3 && sp->st->use_pidfd
                    ? cimjob__posix_clone3(&pidfd, -1, CIMJOB__POSIX_HOST_EXIT_SIGNAL)
                    : cimjob__posix_fork(CIMJOB__POSIX_HOST_EXIT_SIGNAL);
    if (pid == 0) {
        close(sv[0]);
        if (a->mode == CIMJOB__POSIX_HELPER_STUB) {
            cimjob__posix_stub_main(a);
        }
        cimjob__posix_helper_main(a);
    }
    int e = errno;
    cimjob__posix_restore_mask(&old);
    close(sv[1]);
    px_close_fd(&host_pidfd);
    if (pid < 0) {
        close(sv[0]);
        errno = e;
        return -1;
    }
    if (pidfd < 0 && sp->st->use_pidfd) {
        pidfd = cimjob__posix_pidfd_open(pid); /* our unreaped child: cannot be a stranger */
    }
    *ctl_out = sv[0];
    *pid_out = pid;
    *pidfd_out = px_high(pidfd);
    return 0;
}

static void px_stop_watchdog(pid_t *wpid, int *wpidfd, int *wctl_fd)
{
    if (*wpid <= 0) {
        return;
    }
    char q = CIMJOB__POSIX_CMD_QUIT;
    (void)send(*wctl_fd, &q, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    px_close_fd(wctl_fd);
    /* It exits at once on QUIT; bound the wait anyway, then make sure. */
    if (*wpidfd >= 0) {
        struct pollfd p = {*wpidfd, POLLIN, 0};
        if (poll(&p, 1, 2000) == 0) {
            (void)cimjob__posix_pidfd_send_signal(*wpidfd, SIGKILL);
        }
    }
    siginfo_t si;
    (void)px_wait_child(*wpid, *wpidfd, &si, WEXITED);
    px_close_fd(wpidfd);
    *wpid = -1;
}

void cimjob__px_spawn_cleanup(struct px_spawn *sp)
{
    px_stop_watchdog(&sp->wpid, &sp->wpidfd, &sp->wctl_fd);
    /* A stub whose main process was started has been made to end it (or it failed at once). */
    cimjob__px_stub_finish(&sp->stub_pid, &sp->stub_pidfd, &sp->ctl_fd, 2000);
    px_close_fd(&sp->cg_dirfd);
    px_close_fd(&sp->cg_events_fd);
    px_close_fd(&sp->ctl_fd);
    px_close_fd(&sp->pidfd);
    if (sp->cg != NULL) {
        char path[PATH_MAX];
        cimjob__px_cg_path(sp->cg, sp->cg_seq, path, sizeof path);
        (void)cimjob__posix_cgroup_remove(path);
        sp->cg = NULL;
    }
}

/* A stack for a child that shares our memory: the spare one, or a new mapping. The lowest
 * page is a guard. */
static size_t px_stack_size(void)
{
    return PX_CHILD_STACK + (size_t)sysconf(_SC_PAGESIZE);
}

static void *px_stack_take(struct px_state *st)
{
    void *s = atomic_exchange(&st->spare_stack, NULL);
    if (s != NULL) {
        return s;
    }
    s = mmap(NULL, px_stack_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
             -1, 0);
    if (s == MAP_FAILED) {
        return NULL;
    }
    (void)mprotect(s, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE);
    return s;
}

static void px_stack_put(struct px_state *st, void *s)
{
    void *none = NULL;
    if (!atomic_compare_exchange_strong(&st->spare_stack, &none, s)) {
        munmap(s, px_stack_size());
    }
}

/* The child of cimjob__posix_clone_vm: never returns (exec, or exit 127). */
static CIMJOB__POSIX_CHILD_CODE int px_child_entry(void *arg)
{
    cimjob__posix_child_exec(arg);
}

static cimjob_rc px_fail_spawn(struct px_spawn *sp, cimjob_rc rc)
{
    cimjob__px_spawn_cleanup(sp);
    cimjob__posix_exec_free(&sp->x);
    return rc;
}

/* Out of descriptors or memory: the system is short of something now, which says nothing about
 * whether a containment is available. */
static int px_resource_errno(int e)
{
    return e == EMFILE || e == ENFILE || e == ENOMEM;
}

static cimjob_rc px_cg_setup_failed(int e, const char *why)
{
    if (e == ENOMEM) {
        return cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "posix spawn: cgroup: %s", why);
    }
    if (px_resource_errno(e)) {
        return cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "posix spawn: cgroup: %s", why);
    }
    return cimjob_backend_fail(CIMJOB_RC_NOT_SUPPORTED,
                               "posix spawn: cgroup containment is not available: %s", why);
}

/* Set sp->cont (and the job cgroup) for the containment asked for: forced, or with AUTO the best
 * available. */
static cimjob_rc px_choose_containment(struct px_spawn *sp, cimjob_containment want, int die)
{
    char why[PATH_MAX + 128] = "";
    switch (want) {
    case CIMJOB_CONTAINMENT_AUTO:
        if (!(sp->st->flags & CIMJOB_POSIX_NO_AUTO_CGROUP)) {
            if (cimjob__px_cg_setup(sp, !die, why, sizeof why) == 0) {
                sp->cont = CIMJOB_CONTAINMENT_CGROUP;
                return CIMJOB_RC_SUCCESS;
            }
            int e = errno;
            if (px_resource_errno(e)) {
                return px_cg_setup_failed(e, why); /* a fallback would fail the same way */
            }
        }
#ifdef __linux__
        sp->cont = CIMJOB_CONTAINMENT_SUBREAPER;
#else
        sp->cont = CIMJOB_CONTAINMENT_PGROUP;
#endif
        return CIMJOB_RC_SUCCESS;
    case CIMJOB_CONTAINMENT_CGROUP:
        if (cimjob__px_cg_setup(sp, !die, why, sizeof why) != 0) {
            return px_cg_setup_failed(errno, why);
        }
        sp->cont = CIMJOB_CONTAINMENT_CGROUP;
        return CIMJOB_RC_SUCCESS;
    case CIMJOB_CONTAINMENT_SUBREAPER:
#ifndef __linux__
        return cimjob_backend_fail(CIMJOB_RC_NOT_SUPPORTED,
                                   "posix spawn: subreaper containment needs Linux");
#endif
    case CIMJOB_CONTAINMENT_PGROUP:
        sp->cont = want;
        return CIMJOB_RC_SUCCESS;
    default:
        return cimjob_backend_fail(CIMJOB_RC_NOT_SUPPORTED,
                                   "posix spawn: containment '%s' is not available on POSIX",
                                   cimjob_containment_name((int)want));
    }
}

/* The three ways of starting a job's main process. Each sets sp->pid (and sp->pidfd, sp->ctl_fd
 * as they apply); 0, or -1 with errno and sp->pid -1. */

/* Subreaper: the helper (a fork of ours) starts the main process and reaps its tree. */
static int px_start_helper_main(struct px_spawn *sp, int die, int wait_all)
{
    struct cimjob__posix_helper_args ha;
    memset(&ha, 0, sizeof ha);
    ha.mode = CIMJOB__POSIX_HELPER_SUBREAPER;
    ha.die_with_host = die;
    ha.wait_for_all = wait_all;
    ha.exec = &sp->x;
    ha.cg_kill_fd = ha.cg_events_fd = ha.main_pidfd = -1;
    return cimjob__px_start_helper(sp, &ha, &sp->ctl_fd, &sp->pid, &sp->pidfd);
}

/* Through a reaper stub: the main process is the stub's child and joins the job's cgroup by
 * hand. */
static int px_start_stub_main(struct px_spawn *sp)
{
    int procs_fd = -1, r = -1;
    if (sp->cont == CIMJOB_CONTAINMENT_CGROUP) {
        procs_fd = px_high(openat(sp->cg_dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC));
        sp->x.cgroup_procs_fd = procs_fd;
    }
    if (sp->cont != CIMJOB_CONTAINMENT_CGROUP || procs_fd >= 0) {
        r = cimjob__px_stub_spawn(sp);
    }
    int e = errno;
    px_close_fd(&procs_fd);
    errno = e;
    return r;
}

/* A child sharing our memory until it execs (clone with CLONE_VM | CLONE_VFORK, on the spare
 * stack), born into the job's cgroup when use_into. The PID, or -1 with errno. */
static pid_t px_clone_vm_main(struct px_spawn *sp, int use_into)
{
    struct px_state *st = sp->st;
    void *stack = px_stack_take(st);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    pid_t pid = -1;
    errno = ENOMEM;
    for (int attempt = 0; stack != NULL; attempt++) {
        int ran = 0;
        sp->x.ran = &ran;
        pid = cimjob__posix_clone_vm(px_child_entry, &sp->x, (char *)stack + page,
                                     px_stack_size() - page, st->use_clone3,
                                     st->use_pidfd ? &sp->pidfd : NULL,
                                     use_into ? sp->cg_dirfd : -1, CIMJOB__POSIX_HOST_EXIT_SIGNAL);
        sp->x.ran = NULL;
        if (pid <= 0 || ran || !sp->cg_pooled || !use_into || attempt > 0) {
            break;
        }
        /* Killed before it ran a single instruction: the kernel kills what is born into a
         * cgroup that was once killed through cgroup.kill (we never pool those, but the job
         * itself may have written it). Drop that cgroup and start again in a fresh one. */
        siginfo_t si;
        (void)px_wait_child(pid, sp->pidfd, &si, WEXITED);
        px_close_fd(&sp->pidfd);
        cimjob__px_spawn_cleanup(sp);
        pid = -1;
        char why[PATH_MAX + 128];
        if (cimjob__px_cg_setup(sp, 0, why, sizeof why) != 0) {
            errno = EAGAIN;
            break;
        }
    }
    int e = errno;
    if (stack != NULL) {
        px_stack_put(st, stack); /* the child has exec'd or exited */
    }
    errno = e;
    return pid;
}

/* The main process as our own child: sharing our memory until it execs where that is
 * available (vm), else clone3 (into the job's cgroup) or fork. */
static int px_start_main(struct px_spawn *sp, int vm)
{
    struct px_state *st = sp->st;
    int procs_fd = -1;
    int use_into = sp->cont == CIMJOB_CONTAINMENT_CGROUP && st->use_clone3;
    if (sp->cont == CIMJOB_CONTAINMENT_CGROUP && !use_into) {
        procs_fd = px_high(openat(sp->cg_dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC));
        sp->x.cgroup_procs_fd = procs_fd;
    }
    sigset_t old;
    cimjob__posix_block_all(&old);
    pid_t pid;
    if (vm) {
        pid = px_clone_vm_main(sp, use_into);
    } else if (st->use_clone3) {
        /* CLONE_INTO_CGROUP: the child is born in the job's cgroup, so nothing it does can
         * happen outside it. */
        pid = cimjob__posix_clone3(st->use_pidfd ? &sp->pidfd : NULL, use_into ? sp->cg_dirfd : -1,
                                   CIMJOB__POSIX_HOST_EXIT_SIGNAL);
    } else {
        pid = cimjob__posix_fork(CIMJOB__POSIX_HOST_EXIT_SIGNAL);
    }
    if (pid == 0) {
        cimjob__posix_child_exec(&sp->x); /* a forked child only */
    }
    int e = errno;
    cimjob__posix_restore_mask(&old);
    px_close_fd(&procs_fd);
    sp->pid = pid;
    if (pid > 0 && sp->pidfd < 0 && st->use_pidfd) {
        sp->pidfd = cimjob__posix_pidfd_open(pid); /* our unreaped child */
    }
    sp->pidfd = px_high(sp->pidfd);
    errno = e;
    return pid > 0 ? 0 : -1;
}

static cimjob_rc px_spawn(void *state, cimjob_job *job, const cimjob_job_options *opts,
                          void **job_state)
{
    struct px_state *st = state;
    struct px_spawn sp;
    memset(&sp, 0, sizeof sp);
    sp.st = st;
    sp.opts = opts;
    sp.cg_dirfd = sp.cg_events_fd = -1;
    sp.pidfd = sp.ctl_fd = sp.wpidfd = sp.wctl_fd = -1;
    sp.pid = sp.wpid = sp.stub_pid = -1;
    sp.stub_pidfd = -1;

    cimjob_rc rc = cimjob__posix_exec_prepare(&sp.x, opts);
    if (rc != CIMJOB_RC_SUCCESS) {
        return rc;
    }
    for (int i = 0; i < 3; i++) {
        if (sp.x.owned[i] >= 0) {
            sp.x.owned[i] = px_high(sp.x.owned[i]);
            sp.x.stdio[i] = sp.x.owned[i];
        }
    }
    int die = (opts->flags & CIMJOB_JOB_DIE_WITH_HOST) != 0;
    int wait_all = (opts->flags & CIMJOB_JOB_WAIT_FOR_ALL) != 0;

    /* Containment: forced, or the best available. */
    rc = px_choose_containment(&sp, opts->containment, die);
    if (rc != CIMJOB_RC_SUCCESS) {
        cimjob__posix_exec_free(&sp.x);
        return rc;
    }

    /* A die-with-host watchdog for a cgroup starts first, so there is no moment in which
     * the job runs unwatched. */
    if (die && sp.cont == CIMJOB_CONTAINMENT_CGROUP) {
        char cg_path[PATH_MAX];
        cimjob__px_cg_path(sp.cg, sp.cg_seq, cg_path, sizeof cg_path);
        struct cimjob__posix_helper_args wa;
        memset(&wa, 0, sizeof wa);
        wa.mode = CIMJOB__POSIX_HELPER_WATCH;
        wa.die_with_host = 1;
        wa.cg_kill_fd = px_high(openat(sp.cg_dirfd, "cgroup.kill", O_WRONLY | O_CLOEXEC));
        wa.cg_events_fd = sp.cg_events_fd;
        wa.cg_path = cg_path;
        wa.main_pidfd = -1;
        int r = wa.cg_kill_fd >= 0
                    ? cimjob__px_start_helper(&sp, &wa, &sp.wctl_fd, &sp.wpid, &sp.wpidfd)
                    : -1;
        int e = errno;
        px_close_fd(&wa.cg_kill_fd); /* the watchdog has its own copy */
        if (r != 0) {
            return px_fail_spawn(
                &sp,
                cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "posix spawn: watchdog: %s", strerror(e)));
        }
    }

    /* The main process is a child that shares our memory until it execs, where that is
     * available (the subreaper's helper is a fork: it lives on). Such a child reports an exec
     * error in our memory; a forked one through a close-on-exec pipe. */
    int stub = st->use_stub && sp.cont != CIMJOB_CONTAINMENT_SUBREAPER;
    int vm = st->use_clone_vm && sp.cont != CIMJOB_CONTAINMENT_SUBREAPER && !stub;
    struct cimjob__posix_exec_error ee = {0, 0};
    int ep[2] = {-1, -1};
    if (!vm) {
        if (pipe2(ep, O_CLOEXEC) != 0) {
            int e = errno;
            return px_fail_spawn(
                &sp, cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "posix spawn: pipe: %s", strerror(e)));
        }
        ep[0] = px_high(ep[0]);
        ep[1] = px_high(ep[1]);
        sp.x.errfd = ep[1];
    } else {
        sp.x.err_slot = &ee;
    }

    int spawn_errno = 0;
    int started = sp.cont == CIMJOB_CONTAINMENT_SUBREAPER ? px_start_helper_main(&sp, die, wait_all)
                  : stub                                  ? px_start_stub_main(&sp)
                                                          : px_start_main(&sp, vm);
    if (started != 0) {
        spawn_errno = errno;
    }
    px_close_fd(&ep[1]);
    sp.x.errfd = -1;
    sp.x.err_slot = NULL;
    px_close_fd(&sp.cg_dirfd); /* only CLONE_INTO_CGROUP needed it */
    if (sp.pid < 0) {
        px_close_fd(&ep[0]);
        return px_fail_spawn(&sp,
                             cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "posix spawn: cannot fork: %s",
                                                 strerror(spawn_errno)));
    }

    /* EOF: the exec succeeded (the pipe was close-on-exec). Data: why it failed. */
    int exec_failed = ee.stage != 0;
    if (ep[0] >= 0) {
        ssize_t got;
        do {
            got = read(ep[0], &ee, sizeof ee);
        } while (got < 0 && errno == EINTR);
        close(ep[0]);
        exec_failed = got == (ssize_t)sizeof ee;
    }
    if (exec_failed) {
        /* The child exits at once; reap it so no zombie is left (a stub's: the stub does, at
         * the cleanup below). */
        siginfo_t si;
        if (sp.stub_pid <= 0) {
            (void)px_wait_child(sp.pid, sp.pidfd, &si, WEXITED);
        }
        char desc[CIMJOB_TEXT_MAX + 1];
        cimjob_backend_result res = CIMJOB_BACKEND_RESULT_INIT;
        res.error_code = cimjob__posix_exec_error_describe(&ee, opts->argv[0], desc, sizeof desc);
        res.error_description = desc;
        res.exit_status = (int)res.error_code;
        (void)cimjob_backend_report_exit(job, &res);
        return px_fail_spawn(&sp, cimjob_backend_fail(CIMJOB_RC_FAILED, "%s", desc));
    }

    if (die && sp.cont == CIMJOB_CONTAINMENT_PGROUP) {
        struct cimjob__posix_helper_args wa;
        memset(&wa, 0, sizeof wa);
        wa.mode = CIMJOB__POSIX_HELPER_WATCH;
        wa.die_with_host = 1;
        wa.cg_kill_fd = wa.cg_events_fd = -1;
        wa.pgid = sp.pid;
        wa.main_pid = sp.pid;
        wa.main_pidfd = sp.pidfd;
        if (cimjob__px_start_helper(&sp, &wa, &sp.wctl_fd, &sp.wpid, &sp.wpidfd) != 0) {
            /* Without its watchdog the job cannot keep its promise: end it now. */
            int e = errno;
            (void)kill(-sp.pid, SIGKILL); /* our unreaped child leads it: the group is ours */
            siginfo_t si;
            (void)px_wait_child(sp.pid, sp.pidfd, &si, WEXITED);
            return px_fail_spawn(
                &sp,
                cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "posix spawn: watchdog: %s", strerror(e)));
        }
    }
    cimjob__posix_exec_free(&sp.x);

    struct px_job *pj = cimjob__calloc(1, sizeof *pj);
    if (pj == NULL || pthread_mutex_init(&pj->lock, NULL) != 0) {
        cimjob__free(pj);
        /* We cannot track it: end it rather than leave it unowned. */
        if (sp.cont == CIMJOB_CONTAINMENT_CGROUP) {
            struct px_job tmp = {.cg = sp.cg, .cg_seq = sp.cg_seq};
            (void)cimjob__px_cg_kill(&tmp);
        } else if (sp.cont == CIMJOB_CONTAINMENT_SUBREAPER) {
            char k = CIMJOB__POSIX_CMD_KILL;
            (void)send(sp.ctl_fd, &k, 1, MSG_NOSIGNAL);
        } else {
            (void)kill(-sp.pid, SIGKILL);
        }
        siginfo_t si;
        (void)px_wait_child(sp.pid, sp.pidfd, &si, WEXITED);
        cimjob__px_spawn_cleanup(&sp);
        return cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "posix spawn: out of memory");
    }
    pj->st = st;
    pj->job = job;
    pj->cont = (unsigned char)sp.cont;
    pj->ops = sp.cont == CIMJOB_CONTAINMENT_CGROUP      ? &cimjob__px_cgroup_ops
              : sp.cont == CIMJOB_CONTAINMENT_SUBREAPER ? &cimjob__px_subreaper_ops
                                                        : &cimjob__px_pgroup_ops;
    pj->wait_all = wait_all != 0;
    pj->pid = sp.pid;
    pj->pidfd = sp.pidfd;
    pj->ctl_fd = sp.ctl_fd;
    pj->wpid = sp.wpid;
    pj->wpidfd = sp.wpidfd;
    pj->wctl_fd = sp.wctl_fd;
    pj->stub_pid = sp.stub_pid;
    pj->stub_pidfd = sp.stub_pidfd;
    pj->cg = sp.cg;
    pj->cg_seq = sp.cg_seq;
    pj->cg_events_fd = sp.cg_events_fd;
    pj->watch_fd = -1;
    pj->pg_cgroup_fd = -1;
    if (pj->pidfd < 0) {
        /* Unreadable while /proc works: it has ended and someone else has reaped it already
         * (a host that ignores SIGCHLD); its PID is nobody's to signal any more. */
        pj->start_time = cimjob__posix_proc_start_time(pj->pid);
        if (pj->start_time == 0 && cimjob__posix_proc_start_time(getpid()) != 0) {
            pj->reaped = 1;
            pj->lost = 1;
        }
    }
    pj->refs = 1;

    pthread_mutex_lock(&st->lock);
    pj->prev = st->head.prev;
    pj->next = &st->head;
    st->head.prev->next = pj;
    st->head.prev = pj;
    pj->listed = 1;
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.data.ptr = pj; /* dispatch finds the job without a lookup (see st->dispatching) */
    if (px_exit_fd(pj) >= 0) {
        /* One shot: the exit is one event, and a fired entry needs no EPOLL_CTL_DEL later
         * (disarmed, it can never report again; closing the pidfd removes it). */
        ev.events = EPOLLIN | EPOLLONESHOT;
        pj->in_epoll = epoll_ctl(st->epfd, EPOLL_CTL_ADD, px_exit_fd(pj), &ev) == 0;
        pj->pidfd_armed = pj->in_epoll;
    }
    if (!pj->in_epoll) {
        px_tick_update(st, pj, 1); /* no pidfd: poll the child at the tick */
    }
    pthread_mutex_unlock(&st->lock);
    *job_state = pj;
    return CIMJOB_RC_SUCCESS;
}

/* ---- observing exits -------------------------------------------------------------------- */

static void px_epoll_forget(struct px_job *pj, int pidfd_too, int events_too)
{
    if (pidfd_too && pj->in_epoll) {
        if (pj->pidfd_armed && px_exit_fd(pj) >= 0) {
            (void)epoll_ctl(pj->st->epfd, EPOLL_CTL_DEL, px_exit_fd(pj), NULL);
            pj->pidfd_armed = 0;
        }
        pj->in_epoll = 0;
    }
    if (events_too && pj->events_in_epoll) {
        (void)epoll_ctl(pj->st->epfd, EPOLL_CTL_DEL, pj->cg_events_fd, NULL);
        pj->events_in_epoll = 0;
    }
    if (events_too) {
        px_close_fd(&pj->watch_fd); /* closing it takes it out of the epoll set */
    }
}

/* Advance one job; returns 1 when it has ended and `res` (with `desc`) must be reported. */
static int px_job_poll_locked(struct px_job *pj, cimjob_backend_result *res, char *desc,
                              size_t dsize)
{
    if (pj->ended) {
        return 0;
    }
    const struct px_cont_ops *ops = pj->ops;
    if (!pj->exited) {
        siginfo_t si;
        /* keep_zombie: observe without reaping, so the leader's zombie keeps the PGID ours
         * while we may still signal the group. */
        int opts = WEXITED | WNOHANG | (ops->keep_zombie ? WNOWAIT : 0);
        int r = -1;
        errno = ECHILD;
        if (pj->stub_pid > 0) {
            r = cimjob__px_stub_wait(pj, &si, opts);
        } else if (!pj->lost && px_start_matches(pj)) {
            r = px_wait_child(pj->pid, pj->pidfd, &si, opts);
        }
        if (r == 0 && si.si_pid == 0) {
            return 0; /* still running */
        }
        pj->exited = 1;
        int ws;
        if (r != 0 && pj->pidfd >= 0 && pj->st->use_exit_info &&
            cimjob__posix_pidfd_exit_status(pj->pidfd, &ws) == 0) {
            /* Someone else reaped it (a host that ignores SIGCHLD, or its waitpid(-1): exec
             * gives every process SIGCHLD as its exit signal), but its pidfd kept the status. */
            pj->reaped = 1;
            pj->lost = 1;
            pj->code = WIFSIGNALED(ws) ? (WCOREDUMP(ws) ? CLD_DUMPED : CLD_KILLED) : CLD_EXITED;
            pj->status = WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws);
        } else if (r != 0) {
            /* ECHILD: someone else reaped our child and its status is gone with it. */
            int e = errno;
            pj->reaped = 1;
            pj->lost = 1;
            pj->code = CLD_EXITED;
            pj->status = -1;
            if (pj->note == NULL) { /* the stub may have said why already */
                cimjob__px_note(
                    pj, "the main process was reaped by someone else (%s); exit status unknown",
                    strerror(e));
            }
        } else {
            pj->code = si.si_code;
            pj->status = si.si_status;
            pj->reaped = !(opts & WNOWAIT);
        }
        px_epoll_forget(pj, 1, 0); /* a dead process's pidfd stays readable */
        ops->observe(pj);
    }
    int e = ops->empty(pj, !pj->wait_all);
    if (e != PX_EMPTY) {
        /* Waiting costs nothing while an event will come; otherwise the tick (a killed
         * cgroup's "populated 0" is delayed by the kernel: the fast one). */
        px_set_ticking(pj, e == PX_LEFT_EVENT ? 0 : pj->cg_killed ? 2 : 1);
        return 0;
    }
    pj->ended = 1;
    px_epoll_forget(pj, 1, 1);
    px_set_ticking(pj, 0);

    *res = (cimjob_backend_result)CIMJOB_BACKEND_RESULT_INIT;
    res->error_description = desc;
    desc[0] = '\0';
    if (pj->code == CLD_KILLED || pj->code == CLD_DUMPED) {
        const char *name = cimjob__posix_signal_name(pj->status);
        res->term_signal = pj->status;
        res->core_dumped = pj->code == CLD_DUMPED;
        res->error_code = 128u + (uint32_t)pj->status;
        snprintf(desc, dsize, "killed by signal %d%s%s%s%s", pj->status, name ? " (" : "",
                 name ? name : "", name ? ")" : "", pj->code == CLD_DUMPED ? ", core dumped" : "");
    } else if (pj->status < 0) {
        res->error_code = 255;
    } else {
        res->exit_status = pj->status;
        res->error_code = (uint32_t)pj->status;
        if (pj->status != 0) {
            snprintf(desc, dsize, "exited with status %d", pj->status);
        }
    }
    if (pj->note != NULL) {
        snprintf(desc, dsize, "%s", pj->note);
    }
    return 1;
}

static void px_poll_job(struct px_job *pj, int pidfd_fired)
{
    cimjob_backend_result res;
    char desc[CIMJOB_TEXT_MAX + 1];
    pthread_mutex_lock(&pj->lock);
    if (pidfd_fired) {
        pj->pidfd_armed = 0; /* its one shot is spent */
    }
    int report = px_job_poll_locked(pj, &res, desc, sizeof desc);
    cimjob_job *job = pj->job;
    pthread_mutex_unlock(&pj->lock);
    if (report) {
        /* Last: the core may release the job from inside the report. Our reference keeps
         * the memory valid until px_job_unref. */
        (void)cimjob_backend_report_exit(job, &res);
    }
}

static cimjob_rc px_dispatch(void *state)
{
    struct px_state *st = state;
    cimjob__px_grave_reap();
    uint64_t drain;
    int timer = 0;
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    /* Every job pointer epoll_wait returns stays valid until `dispatching` drops back: a job
     * released meanwhile is only freed then (px_release). */
    pthread_mutex_lock(&st->lock);
    st->dispatching++;
    pthread_mutex_unlock(&st->lock);
    cimjob__px_snap_begin();
    for (;;) {
        struct epoll_event evs[64];
        int n = epoll_wait(st->epfd, evs, 64, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "posix dispatch: epoll_wait: %s",
                                     strerror(errno));
            break;
        }
        cimjob__px_snap_mark(1);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u64 == PX_TOKEN_TIMER) {
                timer = read(st->tfd, &drain, sizeof drain) > 0 || timer;
                continue;
            }
            if (evs[i].data.u64 == PX_TOKEN_WAKE) {
                while (read(st->evfd, &drain, sizeof drain) > 0) {
                }
                continue;
            }
            /* The pidfd's entry carries the job pointer, cgroup.events' the pointer | 1. */
            uint64_t d = evs[i].data.u64;
            struct px_job *pj = (struct px_job *)(uintptr_t)(d & ~(uint64_t)PX_TAGS);
            pthread_mutex_lock(&st->lock);
            pj->refs++;
            pthread_mutex_unlock(&st->lock);
            px_poll_job(pj, !(d & PX_TAGS));
            px_job_unref(st, pj);
        }
        if (n < 64) {
            break;
        }
    }
    if (timer) {
        cimjob__px_snap_mark(0);
        /* Snapshot the ticking jobs with a reference each, then poll them. */
        pthread_mutex_lock(&st->lock);
        size_t cap = (size_t)st->ticking;
        struct px_job **jobs = cap ? cimjob__malloc(cap * sizeof *jobs) : NULL;
        size_t nt = 0;
        for (struct px_job *p = st->head.next; jobs && p != &st->head && nt < cap; p = p->next) {
            if (p->ticking) {
                p->refs++;
                jobs[nt++] = p;
            }
        }
        pthread_mutex_unlock(&st->lock);
        for (size_t i = 0; i < nt; i++) {
            px_poll_job(jobs[i], 0);
            px_job_unref(st, jobs[i]);
        }
        cimjob__free(jobs); /* out of memory: the next tick tries again */
    }
    cimjob__px_snap_end();
    pthread_mutex_lock(&st->lock);
    struct px_job *deferred = NULL;
    if (--st->dispatching == 0) {
        deferred = st->deferred;
        st->deferred = NULL;
    }
    pthread_mutex_unlock(&st->lock);
    while (deferred != NULL) {
        struct px_job *next = deferred->next;
        px_job_unref(st, deferred);
        deferred = next;
    }
    return rc;
}

static cimjob_rc px_wait(void *state, int64_t timeout_us)
{
    struct px_state *st = state;
    /* poll() on the epoll descriptor: it blocks without taking the events, which stay for
     * dispatch. */
    struct pollfd p = {st->epfd, POLLIN, 0};
    struct timespec ts, *tsp = NULL;
    if (timeout_us >= 0) {
        ts.tv_sec = (time_t)(timeout_us / 1000000);
        ts.tv_nsec = (long)(timeout_us % 1000000) * 1000;
        tsp = &ts;
    }
    int r = ppoll(&p, 1, tsp, NULL);
    if (r < 0 && errno != EINTR) {
        return cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "posix wait: %s", strerror(errno));
    }
    return CIMJOB_RC_SUCCESS;
}

static void px_wake(void *state)
{
    struct px_state *st = state;
    uint64_t one = 1;
    (void)!write(st->evfd, &one, sizeof one);
}

static intptr_t px_pollable(void *state)
{
    return ((struct px_state *)state)->epfd;
}

/* ---- requests: what every containment shares, then its own operation ------------------------ */

static cimjob_rc px_signal_request(void *job_state, int how)
{
    struct px_job *pj = job_state;
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    pthread_mutex_lock(&pj->lock);
    if (!pj->ended) {
        rc = pj->ops->signal_all(pj, how);
    }
    pthread_mutex_unlock(&pj->lock);
    return rc;
}

static cimjob_rc px_terminate(void *state, void *job_state)
{
    (void)state;
    return px_signal_request(job_state, PX_TERM);
}

static cimjob_rc px_kill(void *state, void *job_state)
{
    (void)state;
    return px_signal_request(job_state, PX_KILL);
}

static cimjob_rc px_freeze_request(struct px_state *st, struct px_job *pj, int on)
{
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    int64_t deadline = cimjob__posix_now_us() + (int64_t)st->suspend_timeout_us;
    pthread_mutex_lock(&pj->lock);
    if (!pj->ended) {
        rc = pj->ops->freeze(pj, on, deadline);
    }
    pthread_mutex_unlock(&pj->lock);
    return rc;
}

static cimjob_rc px_suspend(void *state, void *job_state)
{
    return px_freeze_request(state, job_state, 1);
}

static cimjob_rc px_resume(void *state, void *job_state)
{
    return px_freeze_request(state, job_state, 0);
}

static cimjob_containment px_containment(void *state, void *job_state)
{
    (void)state;
    return (cimjob_containment)((struct px_job *)job_state)->cont;
}

/* Released in a child after fork(): the job, its processes, its cgroup, its watchdog and the
 * epoll set and timer (shared with the parent through fork) are the parent's. Drop this copy's
 * memory and descriptors only: no signal, no epoll_ctl, no timerfd_settime, no rmdir, no
 * goodbye to the watchdog. */
static void px_release_forked(struct px_state *st, struct px_job *pj)
{
    pthread_mutex_lock(&st->lock);
    if (pj->listed) {
        pj->prev->next = pj->next;
        pj->next->prev = pj->prev;
        pj->listed = 0;
    }
    pthread_mutex_unlock(&st->lock);
    px_job_unref(st, pj);
}

static void px_release(void *state, void *job_state)
{
    struct px_state *st = state;
    struct px_job *pj = job_state;
    if (getpid() != st->pid) {
        px_release_forked(st, pj);
        return;
    }
    pthread_mutex_lock(&st->lock);
    if (pj->listed) {
        pj->prev->next = pj->next;
        pj->next->prev = pj->prev;
        pj->listed = 0;
        if (pj->ticking) {
            px_tick_update(st, pj, 0);
        }
    }
    pthread_mutex_unlock(&st->lock);

    pthread_mutex_lock(&pj->lock);
    px_epoll_forget(pj, 1, 1);
    if (!pj->ended) {
        /* Released before it ended (the registry gave up waiting: a process that cannot die
         * yet, in D state): one more kill, and no waiting here, so that the registry's bound
         * holds for the whole cimjob_registry_free. What is left is reaped later. */
        cimjob_backend_result res;
        char desc[CIMJOB_TEXT_MAX + 1];
        (void)pj->ops->signal_all(pj, PX_KILL);
        (void)px_job_poll_locked(pj, &res, desc, sizeof desc);
        if (!pj->reaped && pj->stub_pid > 0) {
            pj->reaped = 1; /* the stub's child: the stub reaps it when it can (below) */
        } else if (!pj->reaped) {
            cimjob__px_grave_child(pj->pid, pj->pidfd);
            pj->pidfd = -1; /* the graveyard's now */
            pj->reaped = 1;
        }
    }
    px_stop_watchdog(&pj->wpid, &pj->wpidfd, &pj->wctl_fd);
    /* Let the stub reap the main process and exit: at once when that has ended. */
    cimjob__px_stub_finish(&pj->stub_pid, &pj->stub_pidfd, &pj->ctl_fd, pj->exited ? 1000 : 0);
    pj->ops->release(pj);
    pthread_mutex_unlock(&pj->lock);
    /* Its epoll entries are gone; a dispatch running now may still hold its pointer from an
     * earlier epoll_wait: then the dispatch drops this reference when it finishes. */
    pthread_mutex_lock(&st->lock);
    int defer = st->dispatching > 0;
    if (defer) {
        pj->next = st->deferred;
        st->deferred = pj;
    }
    pthread_mutex_unlock(&st->lock);
    if (!defer) {
        px_job_unref(st, pj);
    }
}
cimjob_rc cimjob_posix_config_init(cimjob_posix_config *config, unsigned int version)
{
    if (config == NULL) {
        return cimjob_backend_fail(CIMJOB_RC_INVALID_PARAMETER,
                                   "cimjob_posix_config_init: config is NULL");
    }
    if (version != CIMJOB_POSIX_CONFIG_VERSION) {
        return cimjob_backend_fail(CIMJOB_RC_INVALID_VERSION,
                                   "cimjob_posix_config_init: unknown version %u", version);
    }
    *config = (cimjob_posix_config)CIMJOB_POSIX_CONFIG_INIT;
    return CIMJOB_RC_SUCCESS;
}

const struct cimjob_backend cimjob__posix_backend = {
    CIMJOB_BACKEND_VERSION,
    "posix",
    CIMJOB_CAP_TIMEOUT | CIMJOB_CAP_PROCESSES,
    px_open,
    px_close_state,
    px_spawn,
    px_terminate,
    px_kill,
    px_suspend,
    px_resume,
    NULL, /* service: Not Supported */
    px_release,
    px_containment,
    px_dispatch,
    px_wait,
    px_wake,
    px_pollable,
    NULL, /* now: the platform clocks */
};

/* ---- cimjob_posix_signal: any signal to the job's processes ----------------------------- */

struct px_signal_req {
    int sig;
    unsigned int flags;
};

static cimjob_rc px_signal_job(void *state, void *job_state, void *ctx)
{
    (void)state;
    struct px_job *pj = job_state;
    const struct px_signal_req *rq = ctx;
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    pthread_mutex_lock(&pj->lock);
    if (pj->ended) {
        rc = cimjob_backend_fail(CIMJOB_RC_INVALID_STATE, "cimjob_posix_signal: the job has ended");
    } else if (pj->cont == CIMJOB_CONTAINMENT_SUBREAPER) {
        /* The main process is the helper's child: the helper signals it. */
        char m[3] = {CIMJOB__POSIX_CMD_SIGNAL, (char)rq->sig,
                     (char)(rq->flags & CIMJOB_POSIX_SIGNAL_MAIN    ? CIMJOB__POSIX_TO_MAIN
                            : rq->flags & CIMJOB_POSIX_SIGNAL_GROUP ? CIMJOB__POSIX_TO_GROUP
                                                                    : CIMJOB__POSIX_TO_TREE)};
        (void)send(pj->ctl_fd, m, sizeof m, MSG_NOSIGNAL | MSG_DONTWAIT); /* gone: ending */
    } else if (rq->flags & CIMJOB_POSIX_SIGNAL_MAIN) {
        if (pj->exited) {
            rc = cimjob_backend_fail(CIMJOB_RC_INVALID_STATE,
                                     "cimjob_posix_signal: the main process has exited");
        } else {
            cimjob__px_signal_main(pj, rq->sig);
        }
    } else if (rq->flags & CIMJOB_POSIX_SIGNAL_GROUP || pj->cont != CIMJOB_CONTAINMENT_CGROUP) {
        /* The main process leads the group (setpgid at spawn); it may also have left it. */
        cimjob__px_signal_group(pj, rq->sig);
        if (!pj->exited) {
            cimjob__px_signal_main(pj, rq->sig);
        }
    } else {
        char path[PATH_MAX];
        cimjob__px_cg_path(pj->cg, pj->cg_seq, path, sizeof path);
        if (cimjob__posix_cgroup_signal(path, rq->sig, 0, pj->pidfd >= 0) < 0) {
            rc = cimjob_backend_fail(CIMJOB_RC_FAILED, "cimjob_posix_signal: %s", strerror(errno));
        }
    }
    pthread_mutex_unlock(&pj->lock);
    return rc;
}

cimjob_rc cimjob_posix_signal(cimjob_job *job, int sig, unsigned int flags)
{
    const unsigned int known = CIMJOB_POSIX_SIGNAL_MAIN | CIMJOB_POSIX_SIGNAL_GROUP;
    if (job == NULL || sig < 0 || sig >= NSIG || (flags & ~known) || flags == known) {
        return cimjob_backend_fail(CIMJOB_RC_INVALID_PARAMETER,
                                   "cimjob_posix_signal: no job, or an unknown signal or flag");
    }
    struct px_signal_req rq = {sig, flags};
    cimjob_rc rc = cimjob__job_backend_call(job, &cimjob__posix_backend, px_signal_job, &rq);
    if (rc == CIMJOB_RC_NOT_SUPPORTED) {
        return cimjob_backend_fail(rc, "cimjob_posix_signal: not a job of the posix backend");
    }
    if (rc == CIMJOB_RC_INVALID_STATE) {
        return cimjob_backend_fail(rc, "cimjob_posix_signal: the job is not running");
    }
    return rc;
}
