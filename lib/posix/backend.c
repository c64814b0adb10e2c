/*
 * The `posix` backend: jobs are process trees. This file holds the vtable, the per-registry
 * state (an epoll set over the jobs' pidfds and cgroup.events, an eventfd for wake and a
 * timerfd for the fallbacks that must poll), spawning with a containment, and the requests.
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
#include "../core/platform.h"

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

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define POSIX_TOKEN_WAKE         0
#define POSIX_TOKEN_TIMER        1
#define POSIX_EVENTS_TAG         1u /* low bit of a job pointer in epoll data: cgroup.events */
#define POSIX_TICK_NS            10000000L /* 10 ms: polling for the fallbacks and draining jobs */
#define POSIX_FAST_TICK_NS       1000000L  /* 1 ms: a killed cgroup draining */
#define POSIX_DEFAULT_SUSPEND_US 2000000
#define POSIX_CG_POOL            4     /* empty job cgroups kept for reuse */
#define POSIX_CHILD_STACK        65536 /* the stack of a child that shares our memory */

struct posix_state;

/* Where job cgroups go: found once, kept while the registry lives (a re-detection after a
 * failure adds a new one; jobs keep pointing at theirs). */
struct posix_cgparent {
    struct posix_cgparent *older;
    pid_t pid;        /* the <pid> in cimjob-<pid>-<seq> */
    int kill_checked; /* cgroup.kill was seen in a job cgroup made under it */
    char path[];
};

/* An empty job cgroup kept for the next job. */
struct posix_cgpooled {
    const struct posix_cgparent *cg;
    unsigned int seq;
    int events_fd;
};

struct posix_job {
    struct posix_job *prev, *next; /* in the state's list or its deferred list; under st->lock */
    int refs;                      /* under st->lock: the list's and every dispatcher's */
    char ticking;                  /* counted in st->ticking; under st->lock */
    char listed;

    pthread_mutex_t lock; /* everything below */
    struct posix_state *st;
    cimjob_job *job;
    char *note; /* an ErrorDescription that overrides the usual one; allocated when needed */
    /* cgroup <cg->path>/cimjob-<cg->pid>-<cg_seq>: only cgroup.events stays open (for epoll);
     * the directory, cgroup.kill and cgroup.freeze are opened when a request needs them. */
    const struct posix_cgparent *cg;
    pid_t pid; /* the main process; the helper in subreaper mode */
    int pidfd; /* -1 without pidfds */
    int code;  /* CLD_EXITED, CLD_KILLED, CLD_DUMPED */
    int status;
    unsigned char cont; /* cimjob_containment; set before the job is published, then read
                         * without the lock (not a bit-field: its own memory location) */
    unsigned int wait_all : 1;
    unsigned int in_epoll : 1;    /* the pidfd is in the epoll set... */
    unsigned int pidfd_armed : 1; /* ...and has not fired yet (EPOLLONESHOT) */
    unsigned int events_in_epoll : 1;
    unsigned int exited : 1; /* the main process (helper) has ended: code/status hold how */
    unsigned int reaped : 1; /* it has been reaped: its PID (and PGID) are never used again */
    unsigned int ended : 1;  /* reported to the core */
    unsigned int froze : 1;  /* cgroup.freeze was last set to 1 by us */
    unsigned int have_exit_msg : 1;
    unsigned int cg_killed : 1;    /* cgroup.kill was written: never reuse the cgroup */
    unsigned int cg_end_clean : 1; /* at the end cgroup.events said "populated 0, frozen 0" */
    unsigned int cg_seq;
    int cg_events_fd;
    /* subreaper */
    int ctl_fd;
    struct cimjob__posix_helper_msg exit_msg;
    /* die-with-host watchdog (cgroup and pgroup containment) */
    pid_t wpid;
    int wpidfd;
    int wctl_fd;
};

struct posix_state {
    const cimjob_backend_host *host;
    unsigned int flags;
    char *cg_override;
    uint64_t suspend_timeout_us;
    int use_pidfd;
    int use_clone3;
    int use_clone_vm; /* children share our memory until exec (cimjob__posix_clone_vm) */
    int epfd, evfd, tfd;
    pthread_mutex_t lock;
    struct posix_job head; /* list sentinel */
    int ticking;           /* jobs with a tick */
    int fast_ticking;      /* of which on the 1 ms tick */
    /* Dispatch holds job pointers from epoll_wait: a job released meanwhile is freed only when
     * no dispatch is running (its epoll entries are gone by then, so none can return it). */
    int dispatching;
    struct posix_job *deferred;
    /* cgroups: the parent (NULL: not found yet), the pool of empty job cgroups */
    struct posix_cgparent *cg;
    struct posix_cgpooled pool[POSIX_CG_POOL];
    int npool;
    /* one spare stack for a child that shares our memory (taken atomically; NULL: in use) */
    _Atomic(void *) spare_stack;
};

/* ---- small helpers ---------------------------------------------------------------------- */

/* Keep our descriptors at 3 or above, so that the dup2 onto 0..2 in a child (or a helper that
 * points 0..2 at /dev/null) can never clobber one when the host runs with 0..2 closed. */
static int posix_high(int fd)
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

static void posix_close(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static int posix_waitid(struct posix_job *pj, siginfo_t *si, int options)
{
    memset(si, 0, sizeof *si);
    int r;
    do {
        r = pj->pidfd >= 0 ? waitid((idtype_t)P_PIDFD, (id_t)pj->pidfd, si, options)
                           : waitid(P_PID, (id_t)pj->pid, si, options);
    } while (r < 0 && errno == EINTR);
    return r;
}

/* Signal the main process (or helper): through its pidfd, or by PID while it is unreaped. */
static void posix_signal_main(struct posix_job *pj, int sig)
{
    if (pj->pidfd >= 0) {
        (void)cimjob__posix_pidfd_send_signal(pj->pidfd, sig);
    } else if (!pj->reaped) {
        (void)kill(pj->pid, sig);
    }
}

/* Signal the job's process group. Only while the leader is unreaped: its zombie keeps the
 * PGID from being reused, so the group can only hold the job's processes. */
static void posix_signal_group(struct posix_job *pj, int sig)
{
    if (!pj->reaped) {
        (void)kill(-pj->pid, sig);
    }
}

/* want: 0 no tick, 1 the 10 ms tick, 2 the 1 ms tick (a killed cgroup draining: reading
 * cgroup.events is cheap, and the kernel delays its "populated 0" notification by up to 10 ms
 * when the previous one was less than 10 ms before, e.g. a job killed soon after it started). */
static void posix_tick_update(struct posix_state *st, struct posix_job *pj, int want)
{
    /* Under st->lock. The timer runs while any job needs polling. */
    if (want == pj->ticking) {
        return;
    }
    long before = st->fast_ticking ? POSIX_FAST_TICK_NS : st->ticking ? POSIX_TICK_NS : 0;
    st->ticking += (want != 0) - (pj->ticking != 0);
    st->fast_ticking += (want == 2) - (pj->ticking == 2);
    pj->ticking = (char)want;
    long after = st->fast_ticking ? POSIX_FAST_TICK_NS : st->ticking ? POSIX_TICK_NS : 0;
    if (after != before) {
        struct itimerspec its;
        memset(&its, 0, sizeof its);
        its.it_value.tv_nsec = after;
        its.it_interval.tv_nsec = after;
        (void)timerfd_settime(st->tfd, 0, &its, NULL);
    }
}

static void posix_set_ticking(struct posix_job *pj, int want)
{
    struct posix_state *st = pj->st;
    pthread_mutex_lock(&st->lock);
    if (pj->listed) {
        posix_tick_update(st, pj, want);
    }
    pthread_mutex_unlock(&st->lock);
}

static void posix_job_free(struct posix_job *pj)
{
    posix_close(&pj->pidfd);
    posix_close(&pj->ctl_fd);
    posix_close(&pj->wpidfd);
    posix_close(&pj->wctl_fd);
    posix_close(&pj->cg_events_fd);
    free(pj->note);
    pthread_mutex_destroy(&pj->lock);
    free(pj);
}

static void posix_job_unref(struct posix_state *st, struct posix_job *pj)
{
    pthread_mutex_lock(&st->lock);
    int last = --pj->refs == 0;
    pthread_mutex_unlock(&st->lock);
    if (last) {
        posix_job_free(pj);
    }
}

/* Set the job's overriding ErrorDescription (under pj->lock). Out of memory: the usual one. */
static void posix_note(struct posix_job *pj, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void posix_note(struct posix_job *pj, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(pj->note);
    pj->note = strdup(buf);
}

/* The path of job cgroup `seq` under `cg`. */
static void posix_cg_path(const struct posix_cgparent *cg, unsigned int seq, char *buf, size_t size)
{
    snprintf(buf, size, "%s/cimjob-%ld-%u", cg->path, (long)cg->pid, seq);
}

/* Open one interface file of the job's cgroup (cgroup.kill, cgroup.freeze) when needed. */
static int posix_cg_open(const struct posix_cgparent *cg, unsigned int seq, const char *file,
                         int flags)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/cimjob-%ld-%u/%s", cg->path, (long)cg->pid, seq, file);
    if (n < 0 || (size_t)n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return open(path, flags | O_CLOEXEC);
}

/* Write "1" to the job's cgroup.kill. Returns 0, or -1 with errno. */
static int posix_cg_kill(struct posix_job *pj)
{
    /* The kernel then kills whatever is later born into this cgroup with CLONE_INTO_CGROUP
     * (its kill_seq no longer matches): such a cgroup is removed, never pooled. */
    pj->cg_killed = 1;
    int fd = posix_cg_open(pj->cg, pj->cg_seq, "cgroup.kill", O_WRONLY);
    if (fd < 0) {
        return -1;
    }
    int r = write(fd, "1", 1) == 1 ? 0 : -1;
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

/* Write cgroup.freeze. Returns 0, or -1 with errno. */
static int posix_cg_freeze(struct posix_job *pj, int on)
{
    int fd = posix_cg_open(pj->cg, pj->cg_seq, "cgroup.freeze", O_WRONLY);
    if (fd < 0) {
        return -1;
    }
    int r = write(fd, on ? "1" : "0", 1) == 1 ? 0 : -1;
    int e = errno;
    close(fd);
    errno = e;
    if (r == 0) {
        pj->froze = on != 0;
    }
    return r;
}

/* ---- open / close ----------------------------------------------------------------------- */

static cimjob_rc posix_open(const cimjob_backend_host *host, void *config, void **state)
{
    const cimjob_posix_config *cfg = config;
    if (cfg != NULL && cfg->version != CIMJOB_POSIX_CONFIG_VERSION) {
        return cimjob_backend_fail(CIMJOB_RC_INVALID_VERSION,
                                   "posix backend: unknown cimjob_posix_config version %u",
                                   cfg->version);
    }
    struct posix_state *st = calloc(1, sizeof *st);
    if (st == NULL) {
        return cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "posix backend: out of memory");
    }
    st->host = host;
    st->epfd = st->evfd = st->tfd = -1;
    st->suspend_timeout_us = POSIX_DEFAULT_SUSPEND_US;
    if (cfg != NULL) {
        st->flags = cfg->flags;
        if (cfg->suspend_timeout_us != 0) {
            st->suspend_timeout_us = cfg->suspend_timeout_us;
        }
        if (cfg->cgroup_parent != NULL) {
            st->cg_override = strdup(cfg->cgroup_parent);
            if (st->cg_override == NULL) {
                free(st);
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
    st->head.next = st->head.prev = &st->head;
    atomic_init(&st->spare_stack, NULL);
    if (pthread_mutex_init(&st->lock, NULL) != 0) {
        free(st->cg_override);
        free(st);
        return cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "posix backend: pthread_mutex_init");
    }
    st->epfd = posix_high(epoll_create1(EPOLL_CLOEXEC));
    st->evfd = posix_high(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    st->tfd = posix_high(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    int ok = st->epfd >= 0 && st->evfd >= 0 && st->tfd >= 0;
    if (ok) {
        ev.events = EPOLLIN;
        ev.data.u64 = POSIX_TOKEN_WAKE;
        ok = epoll_ctl(st->epfd, EPOLL_CTL_ADD, st->evfd, &ev) == 0;
    }
    if (ok) {
        ev.data.u64 = POSIX_TOKEN_TIMER;
        ok = epoll_ctl(st->epfd, EPOLL_CTL_ADD, st->tfd, &ev) == 0;
    }
    if (!ok) {
        int e = errno;
        posix_close(&st->epfd);
        posix_close(&st->evfd);
        posix_close(&st->tfd);
        pthread_mutex_destroy(&st->lock);
        free(st->cg_override);
        free(st);
        return cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "posix backend: epoll/eventfd/timerfd: %s",
                                   strerror(e));
    }
    *state = st;
    return CIMJOB_RC_SUCCESS;
}

static void posix_close_state(void *state)
{
    struct posix_state *st = state;
    if (st == NULL) {
        return;
    }
    /* The pool's cgroups are empty (checked when they went in): remove them. */
    for (int i = 0; i < st->npool; i++) {
        char path[PATH_MAX];
        posix_cg_path(st->pool[i].cg, st->pool[i].seq, path, sizeof path);
        posix_close(&st->pool[i].events_fd);
        (void)cimjob__posix_cgroup_remove(path);
    }
    st->npool = 0;
    while (st->cg != NULL) {
        struct posix_cgparent *older = st->cg->older;
        free(st->cg);
        st->cg = older;
    }
    void *stack = atomic_exchange(&st->spare_stack, NULL);
    if (stack != NULL) {
        munmap(stack, POSIX_CHILD_STACK + (size_t)sysconf(_SC_PAGESIZE)); /* posix_stack_size */
    }
    posix_close(&st->epfd);
    posix_close(&st->evfd);
    posix_close(&st->tfd);
    pthread_mutex_destroy(&st->lock);
    free(st->cg_override);
    free(st);
}

/* ---- spawn ------------------------------------------------------------------------------ */

struct posix_spawn {
    struct posix_state *st;
    const cimjob_job_options *opts;
    struct cimjob__posix_exec x;
    cimjob_containment cont;
    const struct posix_cgparent *cg; /* the job cgroup, if any: <cg->path>/cimjob-<pid>-<seq> */
    unsigned int cg_seq;
    int cg_pooled;              /* it came from the pool */
    int cg_dirfd, cg_events_fd; /* the directory is open only while spawning */
    pid_t pid;
    int pidfd;
    int ctl_fd;
    pid_t wpid;
    int wpidfd, wctl_fd;
};

/* Start a helper (subreaper, or watchdog) as our child. Fills ctl and pid/pidfd. */
static int posix_start_helper(struct posix_spawn *sp, struct cimjob__posix_helper_args *a,
                              int *ctl_out, pid_t *pid_out, int *pidfd_out)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        return -1;
    }
    sv[0] = posix_high(sv[0]);
    sv[1] = posix_high(sv[1]);
    int host_pidfd = -1;
    if (sp->st->use_pidfd && a->die_with_host) {
        host_pidfd = posix_high(cimjob__posix_pidfd_open(getpid()));
    }
    a->host_pid = getpid();
    a->host_pidfd = host_pidfd;
    a->ctl_fd = sv[1];
    a->use_pidfd = sp->st->use_pidfd;
    a->suspend_timeout_us = sp->st->suspend_timeout_us;
    sigset_t old;
    cimjob__posix_block_all(&old);
    int pidfd = -1;
    pid_t pid = sp->st->use_clone3 && sp->st->use_pidfd ? cimjob__posix_clone3(&pidfd, -1)
                                                        : cimjob__posix_fork();
    if (pid == 0) {
        close(sv[0]);
        cimjob__posix_helper_main(a);
    }
    int e = errno;
    cimjob__posix_restore_mask(&old);
    close(sv[1]);
    posix_close(&host_pidfd);
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
    *pidfd_out = posix_high(pidfd);
    return 0;
}

static void posix_stop_watchdog(pid_t *wpid, int *wpidfd, int *wctl_fd)
{
    if (*wpid <= 0) {
        return;
    }
    char q = CIMJOB__POSIX_CMD_QUIT;
    (void)send(*wctl_fd, &q, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    posix_close(wctl_fd);
    /* It exits at once on QUIT; bound the wait anyway, then make sure. */
    if (*wpidfd >= 0) {
        struct pollfd p = {*wpidfd, POLLIN, 0};
        if (poll(&p, 1, 2000) == 0) {
            (void)cimjob__posix_pidfd_send_signal(*wpidfd, SIGKILL);
        }
    }
    siginfo_t si;
    int r;
    do {
        r = *wpidfd >= 0 ? waitid((idtype_t)P_PIDFD, (id_t)*wpidfd, &si, WEXITED)
                         : waitid(P_PID, (id_t)*wpid, &si, WEXITED);
    } while (r < 0 && errno == EINTR);
    posix_close(wpidfd);
    *wpid = -1;
}

static void posix_spawn_cleanup(struct posix_spawn *sp)
{
    posix_stop_watchdog(&sp->wpid, &sp->wpidfd, &sp->wctl_fd);
    posix_close(&sp->cg_dirfd);
    posix_close(&sp->cg_events_fd);
    posix_close(&sp->ctl_fd);
    posix_close(&sp->pidfd);
    if (sp->cg != NULL) {
        char path[PATH_MAX];
        posix_cg_path(sp->cg, sp->cg_seq, path, sizeof path);
        (void)cimjob__posix_cgroup_remove(path);
        sp->cg = NULL;
    }
}

/* The parent for job cgroups: found at the first cgroup job, then kept. `failed`: creating a
 * cgroup under that one failed, look again (the host may have been moved). NULL with the
 * reason in `why`. */
static const struct posix_cgparent *
posix_cg_parent(struct posix_state *st, const struct posix_cgparent *failed, char *why, size_t size)
{
    pthread_mutex_lock(&st->lock);
    struct posix_cgparent *cur = st->cg;
    pthread_mutex_unlock(&st->lock);
    if (cur != NULL && cur != failed) {
        return cur;
    }
    char buf[PATH_MAX];
    if (cimjob__posix_cgroup_parent(st->cg_override, buf, sizeof buf) != 0) {
        snprintf(why, size, "no cgroup v2 directory to create it under (%s)", strerror(errno));
        return NULL;
    }
    if (failed != NULL && strcmp(buf, failed->path) == 0) {
        return failed; /* the same place: the failure stands */
    }
    size_t len = strlen(buf);
    struct posix_cgparent *n = calloc(1, sizeof *n + len + 1);
    if (n == NULL) {
        snprintf(why, size, "out of memory");
        return NULL;
    }
    memcpy(n->path, buf, len + 1);
    n->pid = getpid();
    /* Once per registry and place: what dead hosts left there, empty, goes. */
    cimjob__posix_cgroup_sweep(n->path);
    pthread_mutex_lock(&st->lock);
    if (st->cg != cur) {
        free(n); /* another thread looked at the same time: take its answer */
        n = st->cg;
    } else {
        n->older = st->cg;
        st->cg = n;
    }
    pthread_mutex_unlock(&st->lock);
    return n;
}

/* Make a job cgroup under cg (checking cgroup.kill the first time). 0, or -1 with errno. */
static int posix_cg_make(struct posix_state *st, const struct posix_cgparent *cg, unsigned int *seq)
{
    pthread_mutex_lock(&st->lock);
    int check = !cg->kill_checked;
    pthread_mutex_unlock(&st->lock);
    if (cimjob__posix_cgroup_mkdir(cg->path, cg->pid, seq, check) != 0) {
        return -1;
    }
    if (check) {
        pthread_mutex_lock(&st->lock);
        ((struct posix_cgparent *)(uintptr_t)cg)->kill_checked = 1;
        pthread_mutex_unlock(&st->lock);
    }
    return 0;
}

/* Try to set up a per-job cgroup: an empty one from the pool, or a new one. Returns 0, or -1
 * with the reason in buf. */
static int posix_try_cgroup(struct posix_spawn *sp, int allow_pool, char *why, size_t size)
{
    struct posix_state *st = sp->st;
    char path[PATH_MAX];
    while (allow_pool) {
        struct posix_cgpooled e;
        int got = 0;
        pthread_mutex_lock(&st->lock);
        if (st->npool > 0) {
            e = st->pool[--st->npool];
            got = 1;
        }
        pthread_mutex_unlock(&st->lock);
        if (!got) {
            break;
        }
        posix_cg_path(e.cg, e.seq, path, sizeof path);
        /* Reused only if still empty and not frozen (cgroup.events says both). */
        int populated = -1, frozen = -1;
        int dfd = -1;
        if (cimjob__posix_cgroup_events(e.events_fd, &populated, &frozen) == 0 && populated == 0 &&
            frozen == 0) {
            dfd = posix_high(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        }
        /* No cgroup below it (the last job may have made some): a directory's link count. */
        struct stat sb;
        if (dfd >= 0 && (fstat(dfd, &sb) != 0 || sb.st_nlink != 2)) {
            posix_close(&dfd);
        }
        if (dfd >= 0) {
            sp->cg = e.cg;
            sp->cg_seq = e.seq;
            sp->cg_dirfd = dfd;
            sp->cg_events_fd = e.events_fd;
            sp->cg_pooled = 1;
            return 0;
        }
        close(e.events_fd);
        (void)cimjob__posix_cgroup_remove(path);
    }
    const struct posix_cgparent *cg = posix_cg_parent(st, NULL, why, size);
    if (cg == NULL) {
        return -1;
    }
    unsigned int seq = 0;
    if (posix_cg_make(st, cg, &seq) != 0) {
        int e = errno;
        const struct posix_cgparent *again = e != ENOSYS ? posix_cg_parent(st, cg, why, size) : cg;
        if (again == NULL) {
            return -1;
        }
        if (again == cg || posix_cg_make(st, again, &seq) != 0) {
            e = again == cg ? e : errno;
            snprintf(why, size, "cannot create a cgroup under %s (%s)", again->path,
                     e == ENOSYS ? "no cgroup.kill: Linux 5.14 or later is needed" : strerror(e));
            return -1;
        }
        cg = again;
    }
    sp->cg = cg;
    sp->cg_seq = seq;
    sp->cg_pooled = 0;
    posix_cg_path(cg, seq, path, sizeof path);
    sp->cg_dirfd = posix_high(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (sp->cg_dirfd >= 0) {
        sp->cg_events_fd = posix_high(openat(sp->cg_dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC));
    }
    if (sp->cg_dirfd < 0 || sp->cg_events_fd < 0) {
        snprintf(why, size, "cannot open the cgroup %s (%s)", path, strerror(errno));
        posix_spawn_cleanup(sp);
        return -1;
    }
    return 0;
}

/* A stack for a child that shares our memory: the spare one, or a new mapping. The lowest
 * page is a guard. */
static size_t posix_stack_size(void)
{
    return POSIX_CHILD_STACK + (size_t)sysconf(_SC_PAGESIZE);
}

static void *posix_stack_take(struct posix_state *st)
{
    void *s = atomic_exchange(&st->spare_stack, NULL);
    if (s != NULL) {
        return s;
    }
    s = mmap(NULL, posix_stack_size(), PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (s == MAP_FAILED) {
        return NULL;
    }
    (void)mprotect(s, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE);
    return s;
}

static void posix_stack_put(struct posix_state *st, void *s)
{
    void *none = NULL;
    if (!atomic_compare_exchange_strong(&st->spare_stack, &none, s)) {
        munmap(s, posix_stack_size());
    }
}

/* The child of cimjob__posix_clone_vm: never returns (exec, or exit 127). */
static CIMJOB__POSIX_CHILD_CODE int posix_child_entry(void *arg)
{
    cimjob__posix_child_exec(arg);
}

static cimjob_rc posix_fail_spawn(struct posix_spawn *sp, cimjob_rc rc)
{
    posix_spawn_cleanup(sp);
    cimjob__posix_exec_free(&sp->x);
    return rc;
}

static cimjob_rc posix_spawn(void *state, cimjob_job *job, const cimjob_job_options *opts,
                             void **job_state)
{
    struct posix_state *st = state;
    struct posix_spawn sp;
    memset(&sp, 0, sizeof sp);
    sp.st = st;
    sp.opts = opts;
    sp.cg_dirfd = sp.cg_events_fd = -1;
    sp.pidfd = sp.ctl_fd = sp.wpidfd = sp.wctl_fd = -1;
    sp.pid = sp.wpid = -1;

    cimjob_rc rc = cimjob__posix_exec_prepare(&sp.x, opts);
    if (rc != CIMJOB_RC_SUCCESS) {
        return rc;
    }
    for (int i = 0; i < 3; i++) {
        if (sp.x.owned[i] >= 0) {
            sp.x.owned[i] = posix_high(sp.x.owned[i]);
            sp.x.stdio[i] = sp.x.owned[i];
        }
    }
    int die = (opts->flags & CIMJOB_JOB_DIE_WITH_HOST) != 0;
    int wait_all = (opts->flags & CIMJOB_JOB_WAIT_FOR_ALL) != 0;

    /* Containment: forced, or the best available. */
    char why[PATH_MAX + 128] = "";
    cimjob_containment want = opts->containment;
    switch (want) {
    case CIMJOB_CONTAINMENT_AUTO:
        if (!(st->flags & CIMJOB_POSIX_NO_AUTO_CGROUP) &&
            posix_try_cgroup(&sp, !die, why, sizeof why) == 0) {
            sp.cont = CIMJOB_CONTAINMENT_CGROUP;
        } else {
#ifdef __linux__
            sp.cont = CIMJOB_CONTAINMENT_SUBREAPER;
#else
            sp.cont = CIMJOB_CONTAINMENT_PGROUP;
#endif
        }
        break;
    case CIMJOB_CONTAINMENT_CGROUP:
        if (posix_try_cgroup(&sp, !die, why, sizeof why) != 0) {
            cimjob__posix_exec_free(&sp.x);
            return cimjob_backend_fail(CIMJOB_RC_NOT_SUPPORTED,
                                       "posix spawn: cgroup containment is not available: %s", why);
        }
        sp.cont = CIMJOB_CONTAINMENT_CGROUP;
        break;
    case CIMJOB_CONTAINMENT_SUBREAPER:
#ifndef __linux__
        cimjob__posix_exec_free(&sp.x);
        return cimjob_backend_fail(CIMJOB_RC_NOT_SUPPORTED,
                                   "posix spawn: subreaper containment needs Linux");
#endif
    case CIMJOB_CONTAINMENT_PGROUP:
        sp.cont = want;
        break;
    default:
        cimjob__posix_exec_free(&sp.x);
        return cimjob_backend_fail(CIMJOB_RC_NOT_SUPPORTED,
                                   "posix spawn: containment '%s' is not available on POSIX",
                                   cimjob_containment_name((int)want));
    }

    /* A die-with-host watchdog for a cgroup starts first, so there is no moment in which
     * the job runs unwatched. */
    if (die && sp.cont == CIMJOB_CONTAINMENT_CGROUP) {
        char cg_path[PATH_MAX];
        posix_cg_path(sp.cg, sp.cg_seq, cg_path, sizeof cg_path);
        struct cimjob__posix_helper_args wa;
        memset(&wa, 0, sizeof wa);
        wa.mode = CIMJOB__POSIX_HELPER_WATCH;
        wa.die_with_host = 1;
        wa.cg_kill_fd = posix_high(openat(sp.cg_dirfd, "cgroup.kill", O_WRONLY | O_CLOEXEC));
        wa.cg_events_fd = sp.cg_events_fd;
        wa.cg_path = cg_path;
        wa.main_pidfd = -1;
        int r = wa.cg_kill_fd >= 0 ? posix_start_helper(&sp, &wa, &sp.wctl_fd, &sp.wpid, &sp.wpidfd)
                                   : -1;
        int e = errno;
        posix_close(&wa.cg_kill_fd); /* the watchdog has its own copy */
        if (r != 0) {
            return posix_fail_spawn(
                &sp,
                cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "posix spawn: watchdog: %s", strerror(e)));
        }
    }

    /* The main process is a child that shares our memory until it execs, where that is
     * available (the subreaper's helper is a fork: it lives on). Such a child reports an exec
     * error in our memory; a forked one through a close-on-exec pipe. */
    int vm = st->use_clone_vm && sp.cont != CIMJOB_CONTAINMENT_SUBREAPER;
    struct cimjob__posix_exec_error ee = {0, 0};
    int ep[2] = {-1, -1};
    if (!vm) {
        if (pipe2(ep, O_CLOEXEC) != 0) {
            int e = errno;
            return posix_fail_spawn(
                &sp, cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "posix spawn: pipe: %s", strerror(e)));
        }
        ep[0] = posix_high(ep[0]);
        ep[1] = posix_high(ep[1]);
        sp.x.errfd = ep[1];
    } else {
        sp.x.err_slot = &ee;
    }

    int spawn_errno = 0;
    if (sp.cont == CIMJOB_CONTAINMENT_SUBREAPER) {
        struct cimjob__posix_helper_args ha;
        memset(&ha, 0, sizeof ha);
        ha.mode = CIMJOB__POSIX_HELPER_SUBREAPER;
        ha.die_with_host = die;
        ha.wait_for_all = wait_all;
        ha.exec = &sp.x;
        ha.cg_kill_fd = ha.cg_events_fd = ha.main_pidfd = -1;
        if (posix_start_helper(&sp, &ha, &sp.ctl_fd, &sp.pid, &sp.pidfd) != 0) {
            spawn_errno = errno;
        }
    } else {
        int procs_fd = -1;
        int use_into = sp.cont == CIMJOB_CONTAINMENT_CGROUP && st->use_clone3;
        if (sp.cont == CIMJOB_CONTAINMENT_CGROUP && !use_into) {
            procs_fd = posix_high(openat(sp.cg_dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC));
            sp.x.cgroup_procs_fd = procs_fd;
        }
        sigset_t old;
        cimjob__posix_block_all(&old);
        pid_t pid;
        if (vm) {
            void *stack = posix_stack_take(st);
            size_t page = (size_t)sysconf(_SC_PAGESIZE);
            pid = -1;
            errno = ENOMEM;
            for (int attempt = 0; stack != NULL; attempt++) {
                int ran = 0;
                sp.x.ran = &ran;
                pid = cimjob__posix_clone_vm(
                    posix_child_entry, &sp.x, (char *)stack + page, posix_stack_size() - page,
                    st->use_clone3, st->use_pidfd ? &sp.pidfd : NULL, use_into ? sp.cg_dirfd : -1);
                sp.x.ran = NULL;
                if (pid <= 0 || ran || !sp.cg_pooled || !use_into || attempt > 0) {
                    break;
                }
                /* Killed before it ran a single instruction: the kernel kills what is born
                 * into a cgroup that was once killed through cgroup.kill (we never pool
                 * those, but the job itself may have written it). Drop that cgroup and
                 * start again in a fresh one. */
                siginfo_t si;
                while ((sp.pidfd >= 0 ? waitid((idtype_t)P_PIDFD, (id_t)sp.pidfd, &si, WEXITED)
                                      : waitid(P_PID, (id_t)pid, &si, WEXITED)) < 0 &&
                       errno == EINTR) {
                }
                posix_close(&sp.pidfd);
                posix_spawn_cleanup(&sp);
                pid = -1;
                if (posix_try_cgroup(&sp, 0, why, sizeof why) != 0) {
                    errno = EAGAIN;
                    break;
                }
            }
            int e = errno;
            if (stack != NULL) {
                posix_stack_put(st, stack); /* the child has exec'd or exited */
            }
            errno = e;
        } else if (st->use_clone3) {
            /* CLONE_INTO_CGROUP: the child is born in the job's cgroup, so nothing it does
             * can happen outside it. */
            pid =
                cimjob__posix_clone3(st->use_pidfd ? &sp.pidfd : NULL, use_into ? sp.cg_dirfd : -1);
        } else {
            pid = cimjob__posix_fork();
        }
        if (pid == 0) {
            cimjob__posix_child_exec(&sp.x); /* a forked child only */
        }
        spawn_errno = errno;
        cimjob__posix_restore_mask(&old);
        posix_close(&procs_fd);
        sp.pid = pid;
        if (pid > 0 && sp.pidfd < 0 && st->use_pidfd) {
            sp.pidfd = cimjob__posix_pidfd_open(pid); /* our unreaped child */
        }
        sp.pidfd = posix_high(sp.pidfd);
    }
    posix_close(&ep[1]);
    sp.x.errfd = -1;
    sp.x.err_slot = NULL;
    posix_close(&sp.cg_dirfd); /* only CLONE_INTO_CGROUP needed it */
    if (sp.pid < 0) {
        posix_close(&ep[0]);
        return posix_fail_spawn(&sp, cimjob_backend_fail(CIMJOB_RC_OS_ERROR,
                                                         "posix spawn: cannot fork: %s",
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
        /* The child exits at once; reap it so no zombie is left. */
        siginfo_t si;
        int r;
        do {
            r = sp.pidfd >= 0 ? waitid((idtype_t)P_PIDFD, (id_t)sp.pidfd, &si, WEXITED)
                              : waitid(P_PID, (id_t)sp.pid, &si, WEXITED);
        } while (r < 0 && errno == EINTR);
        char desc[CIMJOB_TEXT_MAX + 1];
        cimjob_backend_result res = CIMJOB_BACKEND_RESULT_INIT;
        res.error_code = cimjob__posix_exec_error_describe(&ee, opts->argv[0], desc, sizeof desc);
        res.error_description = desc;
        res.exit_status = (int)res.error_code;
        (void)cimjob_backend_report_exit(job, &res);
        return posix_fail_spawn(&sp, cimjob_backend_fail(CIMJOB_RC_FAILED, "%s", desc));
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
        if (posix_start_helper(&sp, &wa, &sp.wctl_fd, &sp.wpid, &sp.wpidfd) != 0) {
            /* Without its watchdog the job cannot keep its promise: end it now. */
            int e = errno;
            posix_signal_group(&(struct posix_job){.pid = sp.pid, .pidfd = -1}, SIGKILL);
            siginfo_t si;
            (void)waitid(P_PID, (id_t)sp.pid, &si, WEXITED);
            return posix_fail_spawn(
                &sp,
                cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "posix spawn: watchdog: %s", strerror(e)));
        }
    }
    cimjob__posix_exec_free(&sp.x);

    struct posix_job *pj = calloc(1, sizeof *pj);
    if (pj == NULL || pthread_mutex_init(&pj->lock, NULL) != 0) {
        free(pj);
        /* We cannot track it: end it rather than leave it unowned. */
        if (sp.cont == CIMJOB_CONTAINMENT_CGROUP) {
            struct posix_job tmp = {.cg = sp.cg, .cg_seq = sp.cg_seq};
            (void)posix_cg_kill(&tmp);
        } else if (sp.cont == CIMJOB_CONTAINMENT_SUBREAPER) {
            char k = CIMJOB__POSIX_CMD_KILL;
            (void)send(sp.ctl_fd, &k, 1, MSG_NOSIGNAL);
        } else {
            (void)kill(-sp.pid, SIGKILL);
        }
        siginfo_t si;
        (void)waitid(P_PID, (id_t)sp.pid, &si, WEXITED);
        posix_spawn_cleanup(&sp);
        return cimjob_backend_fail(CIMJOB_RC_NO_MEMORY, "posix spawn: out of memory");
    }
    pj->st = st;
    pj->job = job;
    pj->cont = (unsigned char)sp.cont;
    pj->wait_all = wait_all != 0;
    pj->pid = sp.pid;
    pj->pidfd = sp.pidfd;
    pj->ctl_fd = sp.ctl_fd;
    pj->wpid = sp.wpid;
    pj->wpidfd = sp.wpidfd;
    pj->wctl_fd = sp.wctl_fd;
    pj->cg = sp.cg;
    pj->cg_seq = sp.cg_seq;
    pj->cg_events_fd = sp.cg_events_fd;
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
    if (pj->pidfd >= 0) {
        /* One shot: the exit is one event, and a fired entry needs no EPOLL_CTL_DEL later
         * (disarmed, it can never report again; closing the pidfd removes it). */
        ev.events = EPOLLIN | EPOLLONESHOT;
        pj->in_epoll = epoll_ctl(st->epfd, EPOLL_CTL_ADD, pj->pidfd, &ev) == 0;
        pj->pidfd_armed = pj->in_epoll;
    }
    if (!pj->in_epoll) {
        posix_tick_update(st, pj, 1); /* no pidfd: poll the child at the tick */
    }
    pthread_mutex_unlock(&st->lock);
    *job_state = pj;
    return CIMJOB_RC_SUCCESS;
}

/* ---- observing exits -------------------------------------------------------------------- */

struct posix_pgrp_ctx {
    int pgid;
    int exclude;
    int first_only; /* stop at the first live member */
    long live;
    long running;
};

static int posix_pgrp_visit(const struct cimjob__posix_proc *p, void *ctx)
{
    struct posix_pgrp_ctx *c = ctx;
    if (p->pgrp != c->pgid || p->pid == c->exclude || p->state == 'Z' || p->state == 'X') {
        return 0;
    }
    c->live++;
    if (p->state != 'T' && p->state != 't') {
        c->running++;
    }
    return c->first_only;
}

/* Live members of a process group (the whole machine's /proc, one getpgid() each: Linux has
 * no per-group list). With running == NULL only "any live member?" is answered (live 0/1). */
static void posix_pgrp_count(int pgid, int exclude, long *live, long *running)
{
    struct posix_pgrp_ctx c = {pgid, exclude, running == NULL, 0, 0};
    (void)cimjob__posix_proc_each_in_pgrp(pgid, posix_pgrp_visit, &c);
    *live = c.live;
    if (running != NULL) {
        *running = c.running;
    }
}

static void posix_epoll_forget(struct posix_job *pj, int pidfd_too, int events_too)
{
    if (pidfd_too && pj->in_epoll) {
        if (pj->pidfd_armed) {
            (void)epoll_ctl(pj->st->epfd, EPOLL_CTL_DEL, pj->pidfd, NULL);
            pj->pidfd_armed = 0;
        }
        pj->in_epoll = 0;
    }
    if (events_too && pj->events_in_epoll) {
        (void)epoll_ctl(pj->st->epfd, EPOLL_CTL_DEL, pj->cg_events_fd, NULL);
        pj->events_in_epoll = 0;
    }
}

/* Read the helper's message (exit status or an ack) if one is waiting. */
static int posix_helper_recv(struct posix_job *pj, struct cimjob__posix_helper_msg *m, int ms)
{
    if (pj->ctl_fd < 0) {
        return -1;
    }
    if (ms != 0) {
        struct pollfd p = {pj->ctl_fd, POLLIN, 0};
        if (poll(&p, 1, ms) <= 0) {
            return -1;
        }
    }
    ssize_t r = recv(pj->ctl_fd, m, sizeof *m, MSG_DONTWAIT);
    if (r < 0 && errno == ECONNRESET) {
        /* The helper exited with a command of ours unread: the kernel reports that once,
         * and the messages it sent before (its exit status) are still queued. */
        r = recv(pj->ctl_fd, m, sizeof *m, MSG_DONTWAIT);
    }
    if (r != (ssize_t)sizeof *m || m->magic != CIMJOB__POSIX_HELPER_MAGIC) {
        return -1;
    }
    return 0;
}

/* Advance one job; returns 1 when it has ended and `res` (with `desc`) must be reported. */
static int posix_job_poll_locked(struct posix_job *pj, cimjob_backend_result *res, char *desc,
                                 size_t dsize)
{
    if (pj->ended) {
        return 0;
    }
    int wait_all = pj->wait_all;
    /* cgroup: one read re-arms POLLPRI and says whether anything is left. Read before waitid:
     * the kernel empties the cgroup before the exit is seen, so "0" here with the main process
     * gone means nothing is left, without a kill or a second read. */
    int populated = -1, frozen = -1;
    if (pj->cg_events_fd >= 0) {
        (void)cimjob__posix_cgroup_events(pj->cg_events_fd, &populated, &frozen);
    }
    if (!pj->exited) {
        siginfo_t si;
        /* Process group: observe without reaping, so the leader's zombie keeps the PGID ours
         * while we may still signal the group. */
        int opts = WEXITED | WNOHANG | (pj->cont == CIMJOB_CONTAINMENT_PGROUP ? WNOWAIT : 0);
        int r = posix_waitid(pj, &si, opts);
        if (r == 0 && si.si_pid == 0) {
            return 0; /* still running */
        }
        pj->exited = 1;
        if (r != 0) {
            /* ECHILD: someone else reaped our child (a waitpid(-1) in the host). */
            int e = errno;
            pj->reaped = 1;
            pj->code = CLD_EXITED;
            pj->status = -1;
            posix_note(pj, "the main process was reaped by someone else (%s); exit status unknown",
                       strerror(e));
        } else {
            pj->code = si.si_code;
            pj->status = si.si_status;
            pj->reaped = !(opts & WNOWAIT);
        }
        posix_epoll_forget(pj, 1, 0); /* a dead process's pidfd stays readable */
        if (pj->cont == CIMJOB_CONTAINMENT_SUBREAPER) {
            struct cimjob__posix_helper_msg m;
            int have = pj->have_exit_msg;
            if (have) {
                m = pj->exit_msg;
            }
            while (!have && posix_helper_recv(pj, &m, 0) == 0) {
                have = m.kind == 'X';
            }
            if (have && pj->code == CLD_EXITED && pj->status == 0) {
                pj->code = m.code;
                pj->status = m.status;
            } else if (pj->note == NULL) {
                posix_note(pj,
                           "the job's helper process died unexpectedly (%s %d); processes of the "
                           "job may have been orphaned",
                           pj->code == CLD_EXITED ? "exit status" : "signal", pj->status);
                pj->code = CLD_EXITED;
                pj->status = -1;
            }
        } else if (!wait_all && pj->cont == CIMJOB_CONTAINMENT_PGROUP) {
            /* The main process is gone: end what it left behind. */
            posix_signal_group(pj, SIGKILL);
        }
    }
    int empty = 1;
    if (pj->cont == CIMJOB_CONTAINMENT_CGROUP) {
        if (populated != 0) {
            /* Something was left (or the read failed): end it unless we wait for it. */
            if (!wait_all) {
                (void)posix_cg_kill(pj);
            }
            (void)cimjob__posix_cgroup_events(pj->cg_events_fd, &populated, &frozen);
        }
        empty = populated == 0;
        pj->cg_end_clean = empty && frozen == 0;
        if (!empty && !pj->events_in_epoll) {
            /* Watched only from now: before the main process ends, its pidfd says enough.
             * A change since the read above is reported at once (kernfs compares the event
             * count with the one this descriptor last read). */
            struct epoll_event ev;
            memset(&ev, 0, sizeof ev);
            ev.events = EPOLLPRI;
            ev.data.u64 = (uint64_t)(uintptr_t)pj | POSIX_EVENTS_TAG;
            pj->events_in_epoll =
                epoll_ctl(pj->st->epfd, EPOLL_CTL_ADD, pj->cg_events_fd, &ev) == 0;
        }
    } else if (pj->cont == CIMJOB_CONTAINMENT_PGROUP) {
        long live;
        posix_pgrp_count(pj->pid, pj->pid, &live, NULL);
        empty = live == 0;
        if (!empty && !wait_all) {
            posix_signal_group(pj, SIGKILL);
        }
        if (empty && !pj->reaped) {
            siginfo_t si;
            (void)posix_waitid(pj, &si, WEXITED | WNOHANG);
            pj->reaped = 1;
        }
    }
    if (!empty) {
        /* No event says "empty" for a process group; a killed cgroup's is delayed. */
        posix_set_ticking(pj, pj->cont == CIMJOB_CONTAINMENT_CGROUP && pj->cg_killed ? 2 : 1);
        return 0;
    }
    pj->ended = 1;
    posix_epoll_forget(pj, 1, 1);
    posix_set_ticking(pj, 0);

    *res = (cimjob_backend_result)CIMJOB_BACKEND_RESULT_INIT;
    res->error_description = desc;
    desc[0] = '\0';
    if (pj->code == CLD_KILLED || pj->code == CLD_DUMPED) {
        const char *name = cimjob__posix_signal_name(pj->status);
        res->term_signal = pj->status;
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

static void posix_poll_job(struct posix_job *pj, int pidfd_fired)
{
    cimjob_backend_result res;
    char desc[CIMJOB_TEXT_MAX + 1];
    pthread_mutex_lock(&pj->lock);
    if (pidfd_fired) {
        pj->pidfd_armed = 0; /* its one shot is spent */
    }
    int report = posix_job_poll_locked(pj, &res, desc, sizeof desc);
    cimjob_job *job = pj->job;
    pthread_mutex_unlock(&pj->lock);
    if (report) {
        /* Last: the core may release the job from inside the report. Our reference keeps
         * the memory valid until posix_job_unref. */
        (void)cimjob_backend_report_exit(job, &res);
    }
}

static cimjob_rc posix_dispatch(void *state)
{
    struct posix_state *st = state;
    uint64_t drain;
    int timer = 0;
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    /* Every job pointer epoll_wait returns stays valid until `dispatching` drops back: a job
     * released meanwhile is only freed then (posix_release). */
    pthread_mutex_lock(&st->lock);
    st->dispatching++;
    pthread_mutex_unlock(&st->lock);
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
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u64 == POSIX_TOKEN_TIMER) {
                timer = read(st->tfd, &drain, sizeof drain) > 0 || timer;
                continue;
            }
            if (evs[i].data.u64 == POSIX_TOKEN_WAKE) {
                while (read(st->evfd, &drain, sizeof drain) > 0) {
                }
                continue;
            }
            /* The pidfd's entry carries the job pointer, cgroup.events' the pointer | 1. */
            uint64_t d = evs[i].data.u64;
            struct posix_job *pj = (struct posix_job *)(uintptr_t)(d & ~(uint64_t)POSIX_EVENTS_TAG);
            pthread_mutex_lock(&st->lock);
            pj->refs++;
            pthread_mutex_unlock(&st->lock);
            posix_poll_job(pj, !(d & POSIX_EVENTS_TAG));
            posix_job_unref(st, pj);
        }
        if (n < 64) {
            break;
        }
    }
    if (timer) {
        /* Snapshot the ticking jobs with a reference each, then poll them. */
        pthread_mutex_lock(&st->lock);
        size_t cap = (size_t)st->ticking;
        struct posix_job **jobs = cap ? malloc(cap * sizeof *jobs) : NULL;
        size_t nt = 0;
        for (struct posix_job *p = st->head.next; jobs && p != &st->head && nt < cap; p = p->next) {
            if (p->ticking) {
                p->refs++;
                jobs[nt++] = p;
            }
        }
        pthread_mutex_unlock(&st->lock);
        for (size_t i = 0; i < nt; i++) {
            posix_poll_job(jobs[i], 0);
            posix_job_unref(st, jobs[i]);
        }
        free(jobs); /* out of memory: the next tick tries again */
    }
    pthread_mutex_lock(&st->lock);
    struct posix_job *deferred = NULL;
    if (--st->dispatching == 0) {
        deferred = st->deferred;
        st->deferred = NULL;
    }
    pthread_mutex_unlock(&st->lock);
    while (deferred != NULL) {
        struct posix_job *next = deferred->next;
        posix_job_unref(st, deferred);
        deferred = next;
    }
    return rc;
}

static cimjob_rc posix_wait(void *state, int64_t timeout_us)
{
    struct posix_state *st = state;
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

static void posix_wake(void *state)
{
    struct posix_state *st = state;
    uint64_t one = 1;
    (void)!write(st->evfd, &one, sizeof one);
}

static intptr_t posix_pollable(void *state)
{
    return ((struct posix_state *)state)->epfd;
}

/* ---- requests --------------------------------------------------------------------------- */

static cimjob_rc posix_helper_cmd(struct posix_job *pj, char cmd, int want_ack)
{
    if (send(pj->ctl_fd, &cmd, 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1) {
        return CIMJOB_RC_SUCCESS; /* the helper has exited: the job is ending anyway */
    }
    if (!want_ack) {
        return CIMJOB_RC_SUCCESS;
    }
    int64_t bound = (int64_t)(pj->st->suspend_timeout_us / 1000) + 2000;
    int64_t deadline = cimjob__posix_now_us() / 1000 + bound;
    for (;;) {
        int64_t left = deadline - cimjob__posix_now_us() / 1000;
        if (left <= 0) {
            return cimjob_backend_fail(CIMJOB_RC_TIMEOUT, "posix: the job's helper did not answer");
        }
        struct cimjob__posix_helper_msg m;
        if (posix_helper_recv(pj, &m, (int)left) != 0) {
            struct pollfd p = {pj->ctl_fd, POLLIN, 0};
            if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR))) {
                return CIMJOB_RC_SUCCESS; /* helper gone: the job has ended */
            }
            continue;
        }
        if (m.kind == 'X') {
            pj->exit_msg = m;
            pj->have_exit_msg = 1;
            return CIMJOB_RC_SUCCESS;
        }
        if (m.kind == 'A' && m.code == cmd) {
            return m.status == 0 ? CIMJOB_RC_SUCCESS
                                 : cimjob_backend_fail(CIMJOB_RC_TIMEOUT,
                                                       "posix: not every process of the job "
                                                       "stopped within the bound");
        }
    }
}

static cimjob_rc posix_terminate(void *state, void *job_state)
{
    (void)state;
    struct posix_job *pj = job_state;
    pthread_mutex_lock(&pj->lock);
    if (!pj->ended) {
        switch (pj->cont) {
        case CIMJOB_CONTAINMENT_CGROUP: {
            char path[PATH_MAX];
            posix_cg_path(pj->cg, pj->cg_seq, path, sizeof path);
            /* One pass: TERM then CONT to each process (a stopped one must run to act). */
            (void)cimjob__posix_cgroup_signal(path, SIGTERM, SIGCONT, pj->pidfd >= 0);
            if (pj->froze) {
                (void)posix_cg_freeze(pj, 0);
            }
            break;
        }
        case CIMJOB_CONTAINMENT_SUBREAPER:
            (void)posix_helper_cmd(pj, CIMJOB__POSIX_CMD_TERMINATE, 0);
            break;
        default:
            /* SIGCONT after SIGTERM: a stopped process cannot act on SIGTERM. */
            posix_signal_group(pj, SIGTERM);
            if (!pj->exited) {
                posix_signal_main(pj, SIGTERM); /* in case it left the group */
            }
            posix_signal_group(pj, SIGCONT);
            if (!pj->exited) {
                posix_signal_main(pj, SIGCONT);
            }
            break;
        }
    }
    pthread_mutex_unlock(&pj->lock);
    return CIMJOB_RC_SUCCESS;
}

static cimjob_rc posix_kill(void *state, void *job_state)
{
    (void)state;
    struct posix_job *pj = job_state;
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    pthread_mutex_lock(&pj->lock);
    if (!pj->ended) {
        switch (pj->cont) {
        case CIMJOB_CONTAINMENT_CGROUP:
            if (posix_cg_kill(pj) != 0 && errno != ENODEV && errno != ENOENT) {
                rc = cimjob_backend_fail(CIMJOB_RC_FAILED, "posix kill: cgroup.kill: %s",
                                         strerror(errno));
            }
            break;
        case CIMJOB_CONTAINMENT_SUBREAPER:
            (void)posix_helper_cmd(pj, CIMJOB__POSIX_CMD_KILL, 0);
            break;
        default:
            posix_signal_group(pj, SIGKILL);
            if (!pj->exited) {
                posix_signal_main(pj, SIGKILL);
            }
            break;
        }
    }
    pthread_mutex_unlock(&pj->lock);
    return rc;
}

static cimjob_rc posix_suspend(void *state, void *job_state)
{
    struct posix_state *st = state;
    struct posix_job *pj = job_state;
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    int64_t deadline = cimjob__posix_now_us() + (int64_t)st->suspend_timeout_us;
    pthread_mutex_lock(&pj->lock);
    if (pj->ended) {
        pthread_mutex_unlock(&pj->lock);
        return CIMJOB_RC_SUCCESS;
    }
    switch (pj->cont) {
    case CIMJOB_CONTAINMENT_CGROUP:
        if (posix_cg_freeze(pj, 1) != 0) {
            rc = cimjob_backend_fail(CIMJOB_RC_FAILED, "posix suspend: cgroup.freeze: %s",
                                     strerror(errno));
            break;
        }
        /* Freezing completes asynchronously; "frozen 1" says every process is frozen. */
        for (;;) {
            int populated = -1, frozen = -1;
            (void)cimjob__posix_cgroup_events(pj->cg_events_fd, &populated, &frozen);
            if (frozen == 1 || populated != 1) {
                break;
            }
            int64_t left = deadline - cimjob__posix_now_us();
            if (left <= 0) {
                rc = cimjob_backend_fail(CIMJOB_RC_TIMEOUT,
                                         "posix suspend: the cgroup did not freeze in time");
                break;
            }
            struct pollfd p = {pj->cg_events_fd, POLLPRI, 0};
            (void)poll(&p, 1, (int)(left / 1000 + 1) > 10 ? 10 : (int)(left / 1000 + 1));
        }
        break;
    case CIMJOB_CONTAINMENT_SUBREAPER:
        rc = posix_helper_cmd(pj, CIMJOB__POSIX_CMD_STOP, 1);
        break;
    default:
        for (;;) {
            posix_signal_group(pj, SIGSTOP);
            if (!pj->exited) {
                posix_signal_main(pj, SIGSTOP);
            }
            long live, running;
            posix_pgrp_count(pj->pid, 0, &live, &running);
            if (running == 0) {
                break;
            }
            if (cimjob__posix_now_us() > deadline) {
                rc = cimjob_backend_fail(CIMJOB_RC_TIMEOUT,
                                         "posix suspend: %ld processes did not stop in time",
                                         running);
                break;
            }
            cimjob__posix_sleep_us(1000);
        }
        break;
    }
    pthread_mutex_unlock(&pj->lock);
    return rc;
}

static cimjob_rc posix_resume(void *state, void *job_state)
{
    (void)state;
    struct posix_job *pj = job_state;
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    pthread_mutex_lock(&pj->lock);
    if (!pj->ended) {
        switch (pj->cont) {
        case CIMJOB_CONTAINMENT_CGROUP:
            if (posix_cg_freeze(pj, 0) != 0) {
                rc = cimjob_backend_fail(CIMJOB_RC_FAILED, "posix resume: cgroup.freeze: %s",
                                         strerror(errno));
            }
            break;
        case CIMJOB_CONTAINMENT_SUBREAPER:
            rc = posix_helper_cmd(pj, CIMJOB__POSIX_CMD_CONT, 1);
            break;
        default:
            posix_signal_group(pj, SIGCONT);
            if (!pj->exited) {
                posix_signal_main(pj, SIGCONT);
            }
            break;
        }
    }
    pthread_mutex_unlock(&pj->lock);
    return rc;
}

static cimjob_containment posix_containment(void *state, void *job_state)
{
    (void)state;
    return (cimjob_containment)((struct posix_job *)job_state)->cont;
}

/* The job's cgroup after its end: back to the pool if it ended empty and not frozen and was
 * never killed through cgroup.kill (the next job takes it only after checking again that it
 * is empty, not frozen and has no cgroup below it); else removed. Under pj->lock. Nothing
 * here is a system call on the way to a waiter seeing the job's end. */
static void posix_cg_release(struct posix_state *st, struct posix_job *pj)
{
    if (pj->ended && pj->cg_end_clean && !pj->froze && !pj->cg_killed && pj->cg_events_fd >= 0) {
        pthread_mutex_lock(&st->lock);
        int pooled = st->npool < POSIX_CG_POOL;
        if (pooled) {
            struct posix_cgpooled *e = &st->pool[st->npool++];
            e->cg = pj->cg;
            e->seq = pj->cg_seq;
            e->events_fd = pj->cg_events_fd;
            pj->cg_events_fd = -1;
        }
        pthread_mutex_unlock(&st->lock);
        if (pooled) {
            return;
        }
    }
    char path[PATH_MAX];
    posix_cg_path(pj->cg, pj->cg_seq, path, sizeof path);
    (void)cimjob__posix_cgroup_remove(path);
}

static void posix_release(void *state, void *job_state)
{
    struct posix_state *st = state;
    struct posix_job *pj = job_state;
    pthread_mutex_lock(&st->lock);
    if (pj->listed) {
        pj->prev->next = pj->next;
        pj->next->prev = pj->prev;
        pj->listed = 0;
        if (pj->ticking) {
            posix_tick_update(st, pj, 0);
        }
    }
    pthread_mutex_unlock(&st->lock);

    pthread_mutex_lock(&pj->lock);
    posix_epoll_forget(pj, 1, 1);
    if (!pj->ended) {
        /* Released before it ended (the registry gave up waiting): kill it and reap what we
         * can within a bound rather than leave a process nobody owns. */
        int64_t deadline = cimjob__posix_now_us() + 1000000;
        cimjob_backend_result res;
        char desc[CIMJOB_TEXT_MAX + 1];
        while (!pj->ended && cimjob__posix_now_us() < deadline) {
            if (pj->cont == CIMJOB_CONTAINMENT_CGROUP) {
                (void)posix_cg_kill(pj);
            } else if (pj->cont == CIMJOB_CONTAINMENT_SUBREAPER) {
                (void)posix_helper_cmd(pj, CIMJOB__POSIX_CMD_KILL, 0);
            } else {
                posix_signal_group(pj, SIGKILL);
                if (!pj->exited) {
                    posix_signal_main(pj, SIGKILL);
                }
            }
            (void)posix_job_poll_locked(pj, &res, desc, sizeof desc);
            if (!pj->ended) {
                cimjob__posix_sleep_us(2000);
            }
        }
        if (!pj->reaped) {
            siginfo_t si;
            (void)posix_waitid(pj, &si, WEXITED | WNOHANG);
        }
    }
    posix_stop_watchdog(&pj->wpid, &pj->wpidfd, &pj->wctl_fd);
    if (pj->cg != NULL) {
        posix_cg_release(st, pj);
    }
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
        posix_job_unref(st, pj);
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
    posix_open,
    posix_close_state,
    posix_spawn,
    posix_terminate,
    posix_kill,
    posix_suspend,
    posix_resume,
    NULL, /* service: Not Supported */
    posix_release,
    posix_containment,
    posix_dispatch,
    posix_wait,
    posix_wake,
    posix_pollable,
    NULL, /* now: the platform clocks */
};

/* ---- cimjob_posix_signal: any signal to the job's processes ----------------------------- */

struct posix_signal_req {
    int sig;
    unsigned int flags;
};

static cimjob_rc posix_signal_job(void *state, void *job_state, void *ctx)
{
    (void)state;
    struct posix_job *pj = job_state;
    const struct posix_signal_req *rq = ctx;
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
            posix_signal_main(pj, rq->sig);
        }
    } else if (rq->flags & CIMJOB_POSIX_SIGNAL_GROUP) {
        posix_signal_group(pj, rq->sig); /* the main process leads the group: setpgid at spawn */
        if (!pj->exited) {
            posix_signal_main(pj, rq->sig); /* in case it left the group */
        }
    } else if (pj->cont == CIMJOB_CONTAINMENT_CGROUP) {
        char path[PATH_MAX];
        posix_cg_path(pj->cg, pj->cg_seq, path, sizeof path);
        if (cimjob__posix_cgroup_signal(path, rq->sig, 0, pj->pidfd >= 0) < 0) {
            rc = cimjob_backend_fail(CIMJOB_RC_FAILED, "cimjob_posix_signal: %s", strerror(errno));
        }
    } else {
        posix_signal_group(pj, rq->sig);
        if (!pj->exited) {
            posix_signal_main(pj, rq->sig); /* in case it left the group */
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
    struct posix_signal_req rq = {sig, flags};
    cimjob_rc rc = cimjob__job_backend_call(job, &cimjob__posix_backend, posix_signal_job, &rq);
    if (rc == CIMJOB_RC_NOT_SUPPORTED && job != NULL) {
        return cimjob_backend_fail(rc, "cimjob_posix_signal: not a job of the posix backend");
    }
    if (rc == CIMJOB_RC_INVALID_STATE) {
        return cimjob_backend_fail(rc, "cimjob_posix_signal: the job is not running");
    }
    return rc;
}
