/*
 * The cgroup containment: each job has a cgroup v2 of its own, <parent>/cimjob-<pid>-<start>-<seq>,
 * that its main process is born in (CLONE_INTO_CGROUP) or joins before it execs. Every process
 * of the job is in it, whatever it does (setsid, double fork); cgroup.kill ends them all at
 * once, cgroup.freeze stops them, and cgroup.events says when none is left. Empty job cgroups
 * go to a small pool for the next job (a mkdir and a rmdir saved per job).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "posix.h"

#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/stat.h>

void cimjob__px_cg_path(const struct px_cgparent *cg, unsigned int seq, char *buf, size_t size)
{
    snprintf(buf, size, "%s/cimjob-%ld-%llu-%u", cg->path, (long)cg->pid, cg->start, seq);
}

/* Open one interface file of the job's cgroup (cgroup.kill, cgroup.freeze) when needed. */
static int px_cg_open(const struct px_cgparent *cg, unsigned int seq, const char *file, int flags)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/cimjob-%ld-%llu-%u/%s", cg->path, (long)cg->pid,
                     cg->start, seq, file);
    if (n < 0 || (size_t)n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return open(path, flags | O_CLOEXEC);
}

static int px_cg_write1(struct px_job *pj, const char *file, const char *val)
{
    int fd = px_cg_open(pj->cg, pj->cg_seq, file, O_WRONLY);
    if (fd < 0) {
        return -1;
    }
    int r = write(fd, val, 1) == 1 ? 0 : -1;
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

int cimjob__px_cg_kill(struct px_job *pj)
{
    /* The kernel then kills whatever is later born into this cgroup with CLONE_INTO_CGROUP
     * (its kill_seq no longer matches): such a cgroup is removed, never pooled. */
    pj->cg_killed = 1;
    return px_cg_write1(pj, "cgroup.kill", "1");
}

static int px_cg_freeze(struct px_job *pj, int on)
{
    int r = px_cg_write1(pj, "cgroup.freeze", on ? "1" : "0");
    if (r == 0) {
        pj->froze = on != 0;
    }
    return r;
}

/* ---- setting up a job cgroup ------------------------------------------------------------- */

/* The parent for job cgroups: found at the first cgroup job, then kept. `failed`: creating a
 * cgroup under that one failed, look again (the host may have been moved). NULL with the
 * reason in `why` and errno. */
static const struct px_cgparent *px_cg_parent(struct px_state *st, const struct px_cgparent *failed,
                                              char *why, size_t size)
{
    pthread_mutex_lock(&st->lock);
    struct px_cgparent *cur = st->cg;
    pthread_mutex_unlock(&st->lock);
    if (cur != NULL && cur != failed) {
        return cur;
    }
    char buf[PATH_MAX];
    if (cimjob__posix_cgroup_parent(st->cg_override, buf, sizeof buf) != 0) {
        int e = errno;
        snprintf(why, size, "no cgroup v2 directory to create it under (%s)", strerror(e));
        errno = e;
        return NULL;
    }
    if (failed != NULL && strcmp(buf, failed->path) == 0) {
        return failed; /* the same place: the failure stands */
    }
    size_t len = strlen(buf);
    struct px_cgparent *n = cimjob__calloc(1, sizeof *n + len + 1);
    if (n == NULL) {
        snprintf(why, size, "out of memory");
        errno = ENOMEM;
        return NULL;
    }
    memcpy(n->path, buf, len + 1);
    n->pid = getpid();
    n->start = cimjob__posix_proc_start_time((int)n->pid);
    /* Once per registry and place: what dead hosts left there, empty, goes. */
    cimjob__posix_cgroup_sweep(n->path);
    pthread_mutex_lock(&st->lock);
    if (st->cg != cur) {
        cimjob__free(n); /* another thread looked at the same time: take its answer */
        n = st->cg;
    } else {
        n->older = st->cg;
        st->cg = n;
    }
    pthread_mutex_unlock(&st->lock);
    return n;
}

/* Make a job cgroup under cg (checking cgroup.kill the first time). 0, or -1 with errno. */
static int px_cg_make(struct px_state *st, const struct px_cgparent *cg, unsigned int *seq)
{
    pthread_mutex_lock(&st->lock);
    int check = !cg->kill_checked;
    pthread_mutex_unlock(&st->lock);
    if (cimjob__posix_cgroup_mkdir(cg->path, cg->pid, cg->start, seq, check) != 0) {
        return -1;
    }
    if (check) {
        pthread_mutex_lock(&st->lock);
        ((struct px_cgparent *)cimjob__unconst(cg))->kill_checked = 1;
        pthread_mutex_unlock(&st->lock);
    }
    return 0;
}

/* An empty job cgroup from the pool, checked again: 1 taken, 0 none usable. */
static int px_cg_from_pool(struct px_spawn *sp)
{
    struct px_state *st = sp->st;
    char path[PATH_MAX];
    for (;;) {
        struct px_cgpooled e;
        int got = 0;
        pthread_mutex_lock(&st->lock);
        if (st->npool > 0) {
            e = st->pool[--st->npool];
            got = 1;
        }
        pthread_mutex_unlock(&st->lock);
        if (!got) {
            return 0;
        }
        cimjob__px_cg_path(e.cg, e.seq, path, sizeof path);
        /* Reused only if still empty and not frozen (cgroup.events says both). */
        int populated = -1, frozen = -1;
        int dfd = -1;
        if (cimjob__posix_cgroup_events(e.events_fd, &populated, &frozen) == 0 && populated == 0 &&
            frozen == 0) {
            dfd = px_high(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        }
        /* No cgroup below it (the last job may have made some): a directory's link count. */
        struct stat sb;
        if (dfd >= 0 && (fstat(dfd, &sb) != 0 || sb.st_nlink != 2)) {
            px_close_fd(&dfd);
        }
        if (dfd >= 0) {
            sp->cg = e.cg;
            sp->cg_seq = e.seq;
            sp->cg_dirfd = dfd;
            sp->cg_events_fd = e.events_fd;
            sp->cg_pooled = 1;
            return 1;
        }
        close(e.events_fd);
        (void)cimjob__posix_cgroup_remove(path);
    }
}

/* A new job cgroup, open and held (cimjob__posix_cgroup_hold). 1: a sweep of another PID
 * namespace removed it before we held it (make another); 0 done; -1 failed (`why`). */
static int px_cg_fresh(struct px_spawn *sp, char *why, size_t size)
{
    struct px_state *st = sp->st;
    char path[PATH_MAX];
    const struct px_cgparent *cg = px_cg_parent(st, NULL, why, size);
    if (cg == NULL) {
        return -1;
    }
    unsigned int seq = 0;
    if (px_cg_make(st, cg, &seq) != 0) {
        int e = errno;
        const struct px_cgparent *again = e != ENOSYS ? px_cg_parent(st, cg, why, size) : cg;
        if (again == NULL) {
            return -1;
        }
        if (again == cg || px_cg_make(st, again, &seq) != 0) {
            e = again == cg ? e : errno;
            snprintf(why, size, "cannot create a cgroup under %s (%s)", again->path,
                     e == ENOSYS ? "no cgroup.kill: Linux 5.14 or later is needed" : strerror(e));
            errno = e;
            return -1;
        }
        cg = again;
    }
    sp->cg = cg;
    sp->cg_seq = seq;
    sp->cg_pooled = 0;
    cimjob__px_cg_path(cg, seq, path, sizeof path);
    sp->cg_dirfd = px_high(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (sp->cg_dirfd >= 0) {
        sp->cg_events_fd = px_high(openat(sp->cg_dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC));
    }
    if (sp->cg_dirfd >= 0 && sp->cg_events_fd >= 0 &&
        cimjob__posix_cgroup_hold(sp->cg_events_fd) != 0) {
        /* Empty and not yet held: a sweep judged its maker dead. */
        px_close_fd(&sp->cg_dirfd);
        px_close_fd(&sp->cg_events_fd);
        (void)rmdir(path);
        sp->cg = NULL;
        return 1;
    }
    if (sp->cg_dirfd < 0 || sp->cg_events_fd < 0) {
        int e = errno;
        snprintf(why, size, "cannot open the cgroup %s (%s)", path, strerror(e));
        cimjob__px_spawn_cleanup(sp);
        errno = e;
        return -1;
    }
    return 0;
}

int cimjob__px_cg_setup(struct px_spawn *sp, int allow_pool, char *why, size_t size)
{
    if (allow_pool && px_cg_from_pool(sp)) {
        return 0;
    }
    int r = 1;
    for (int attempt = 0; r == 1 && attempt < 8; attempt++) {
        r = px_cg_fresh(sp, why, size);
    }
    if (r == 1) {
        snprintf(why, size, "every new cgroup was removed by another process's sweep");
        errno = EAGAIN;
        return -1;
    }
    return r;
}

void cimjob__px_cg_close_state(struct px_state *st, int forked)
{
    /* The pool's cgroups are empty (checked when they went in): remove them. */
    for (unsigned int i = 0; i < st->npool; i++) {
        char path[PATH_MAX];
        cimjob__px_cg_path(st->pool[i].cg, st->pool[i].seq, path, sizeof path);
        px_close_fd(&st->pool[i].events_fd);
        if (!forked) {
            (void)cimjob__posix_cgroup_remove(path);
        }
    }
    st->npool = 0;
    while (st->cg != NULL) {
        struct px_cgparent *older = st->cg->older;
        cimjob__free(st->cg);
        st->cg = older;
    }
}

/* ---- the operations ---------------------------------------------------------------------- */

static cimjob_rc px_cg_signal_all(struct px_job *pj, int how)
{
    if (how == PX_KILL) {
        if (cimjob__px_cg_kill(pj) != 0 && errno != ENODEV && errno != ENOENT) {
            return cimjob_backend_fail(CIMJOB_RC_FAILED, "posix kill: cgroup.kill: %s",
                                       strerror(errno));
        }
        return CIMJOB_RC_SUCCESS;
    }
    char path[PATH_MAX];
    cimjob__px_cg_path(pj->cg, pj->cg_seq, path, sizeof path);
    /* One pass: TERM then CONT to each process (a stopped one must run to act). */
    (void)cimjob__posix_cgroup_signal(path, SIGTERM, SIGCONT, pj->pidfd >= 0);
    if (pj->froze) {
        (void)px_cg_freeze(pj, 0);
    }
    return CIMJOB_RC_SUCCESS;
}

static cimjob_rc px_cg_freeze_op(struct px_job *pj, int on, int64_t deadline)
{
    if (px_cg_freeze(pj, on) != 0) {
        return cimjob_backend_fail(CIMJOB_RC_FAILED, "posix %s: cgroup.freeze: %s",
                                   on ? "suspend" : "resume", strerror(errno));
    }
    if (!on) {
        return CIMJOB_RC_SUCCESS;
    }
    /* Freezing completes asynchronously; "frozen 1" says every process is frozen. */
    for (;;) {
        int populated = -1, frozen = -1;
        (void)cimjob__posix_cgroup_events(pj->cg_events_fd, &populated, &frozen);
        if (frozen == 1 || populated != 1) {
            return CIMJOB_RC_SUCCESS;
        }
        int64_t left = deadline - cimjob__posix_now_us();
        if (left <= 0) {
            return cimjob_backend_fail(CIMJOB_RC_TIMEOUT,
                                       "posix suspend: the cgroup did not freeze in time");
        }
        struct pollfd p = {pj->cg_events_fd, POLLPRI, 0};
        (void)poll(&p, 1, (int)(left / 1000 + 1) > 10 ? 10 : (int)(left / 1000 + 1));
    }
}

static void px_cg_observe(struct px_job *pj)
{
    (void)pj; /* cgroup.events says the rest */
}

/* Read the job cgroup's cgroup.events. A cgroup removed under us reads ENODEV: another
 * host's sweep of empty job cgroups took it (one in another PID namespace cannot see that we
 * live, docs/teardown.md) between its last process's end and our look. The kernel removes
 * only an empty cgroup and nothing can be born into a removed one: it is empty, for good
 * (frozen -1: not clean, never pooled). Without this the job waited for "populated 0"
 * forever. */
static void px_cg_events(struct px_job *pj, int *populated, int *frozen)
{
    errno = 0;
    if (cimjob__posix_cgroup_events(pj->cg_events_fd, populated, frozen) != 0 && errno == ENODEV) {
        *populated = 0;
        *frozen = -1;
    }
}

static int px_cg_empty(struct px_job *pj, int kill_rest)
{
    /* One read re-arms POLLPRI and says whether anything is left. The kernel empties the
     * cgroup before the main process's exit is seen, so "0" here means nothing is left,
     * without a kill or a second read. */
    int populated = -1, frozen = -1;
    px_cg_events(pj, &populated, &frozen);
    if (populated != 0) {
        /* Something was left (or the read failed): end it unless we wait for it. */
        if (kill_rest) {
            (void)cimjob__px_cg_kill(pj);
        }
        px_cg_events(pj, &populated, &frozen);
    }
    int empty = populated == 0;
    pj->cg_end_clean = empty && frozen == 0;
    if (!empty && !pj->events_in_epoll) {
        /* Watched only from now: before the main process ends, its pidfd says enough. A
         * change since the read above is reported at once (kernfs compares the event count
         * with the one this descriptor last read). */
        struct epoll_event ev;
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLPRI;
        ev.data.u64 = (uint64_t)(uintptr_t)pj | PX_EVENTS_TAG;
        pj->events_in_epoll = epoll_ctl(pj->st->epfd, EPOLL_CTL_ADD, pj->cg_events_fd, &ev) == 0;
    }
    if (empty) {
        return PX_EMPTY;
    }
    /* cgroup.events says when it empties: no tick, unless it was killed (the kernel delays
     * that notification by up to 10 ms: the fast tick is quicker). */
    return pj->events_in_epoll && !pj->cg_killed ? PX_LEFT_EVENT : PX_LEFT;
}

/* The job's cgroup after its end: back to the pool if it ended empty and not frozen and was
 * never killed through cgroup.kill (the next job takes it only after checking again that it
 * is empty, not frozen and has no cgroup below it); else removed. Nothing here is a system
 * call on the way to a waiter seeing the job's end. */
static void px_cg_release(struct px_job *pj)
{
    struct px_state *st = pj->st;
    if (pj->cg == NULL) {
        return;
    }
    if (pj->ended && pj->cg_end_clean && !pj->froze && !pj->cg_killed && pj->cg_events_fd >= 0) {
        pthread_mutex_lock(&st->lock);
        int pooled = st->npool < PX_CG_POOL;
        if (pooled) {
            struct px_cgpooled *e = &st->pool[st->npool++];
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
    cimjob__px_cg_path(pj->cg, pj->cg_seq, path, sizeof path);
    if (!pj->ended) {
        /* Released with processes that could not die yet: one try, no waiting (the registry's
         * bound holds); if they are still there, the cgroup is removed once they are gone. */
        if (rmdir(path) != 0 && errno != ENOENT) {
            cimjob__px_grave_cgroup(path);
        }
        return;
    }
    (void)cimjob__posix_cgroup_remove(path);
}

const struct px_cont_ops cimjob__px_cgroup_ops = {
    CIMJOB_CONTAINMENT_CGROUP,
    0,
    px_cg_signal_all,
    px_cg_freeze_op,
    px_cg_observe,
    px_cg_empty,
    px_cg_release,
};
