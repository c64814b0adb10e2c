/*
 * The process-group containment: the main process leads a group of its own, and requests go
 * to the group. A group's ID is only ours while its leader is our unreaped child (its zombie
 * keeps the ID from being reused), so the leader is observed with WNOWAIT and reaped only
 * when the group is empty, or once the whole group has been sent SIGKILL; after that nothing
 * is ever sent to the group again. What leaves the group (setsid) is out of reach: that is this
 * containment's limit (docs/teardown.md).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "posix.h"

#include <sys/epoll.h>

/* Members of the group, for signalling them one by one (at most this many per call: a kill is
 * repeated until the job ends, so a larger group is covered over several calls). */
struct px_members {
    int pgid;
    size_t n;
    int pids[512];
};

static int px_members_visit(const struct cimjob__posix_proc *p, void *ctx)
{
    struct px_members *m = ctx;
    if (p->pgrp != m->pgid || p->pid == m->pgid || p->state == 'Z' || p->state == 'X') {
        return 0;
    }
    m->pids[m->n++] = p->pid;
    return m->n == sizeof m->pids / sizeof m->pids[0];
}

/* Whether the group's ID may still be the job's after its leader was reaped behind our back.
 * A process group's ID cannot be handed out as a PID while the group has members, so while a
 * member is left nobody can have that PID; once a process holds it (the leader is gone for
 * good: that is a stranger), the job's group has emptied and its number was reused. */
static int px_pgid_still_ours(struct px_job *pj)
{
    if (!pj->group_gone && (kill(pj->pid, 0) == 0 || errno == EPERM)) {
        pj->group_gone = 1;
    }
    return !pj->group_gone;
}

/* Signal each member proven through its pidfd: opened first, then checked to be in the group,
 * then checked alive (so its PID was not reused in between), then signalled through it. */
static void px_signal_members(struct px_job *pj, int sig)
{
    struct px_members m;
    m.pgid = pj->pid;
    m.n = 0;
    (void)cimjob__posix_proc_each_in_pgrp(pj->pid, px_members_visit, &m);
    if (m.n == 0 || !px_pgid_still_ours(pj)) {
        return;
    }
    for (size_t i = 0; i < m.n; i++) {
        int fd = cimjob__posix_pidfd_open(m.pids[i]);
        if (fd < 0) {
            continue;
        }
        if (getpgid(m.pids[i]) == pj->pid && cimjob__posix_pidfd_send_signal(fd, 0) == 0) {
            (void)cimjob__posix_pidfd_send_signal(fd, sig);
        }
        close(fd);
    }
}

void cimjob__px_signal_group(struct px_job *pj, int sig)
{
    if (cimjob__px_main_is_ours(pj)) {
        /* The leader is our unreaped child: it (or its zombie) keeps the PGID ours. */
        (void)kill(-pj->pid, sig);
    } else if (pj->lost && pj->st->use_pidfd) {
        /* Reaped by someone else while members may be left: only proven members. */
        px_signal_members(pj, sig);
    }
    /* Reaped by us: the group was empty then, and its ID is never used again. Lost without
     * pidfds: nothing can be proven, nothing is signalled (docs/teardown.md). */
}

struct px_pgrp_ctx {
    int pgid;
    int exclude;
    int first_only; /* stop at the first live member */
    long live;
    long running;
};

static int px_pgrp_visit(const struct cimjob__posix_proc *p, void *ctx)
{
    struct px_pgrp_ctx *c = ctx;
    if (p->pgrp != c->pgid || p->pid == c->exclude || p->state == 'Z' || p->state == 'X') {
        return 0;
    }
    c->live++;
    if (p->state != 'T' && p->state != 't') {
        c->running++;
    }
    return c->first_only;
}

/* The dispatching thread's snapshot of every process's group (see cimjob__px_snap_begin). */
struct px_snap {
    int active, built;
    int (*pairs)[2];
    size_t n;
};
static _Thread_local struct px_snap tl_snap;

void cimjob__px_snap_begin(void)
{
    tl_snap.active = 1;
    tl_snap.built = 0;
}

void cimjob__px_snap_end(void)
{
    cimjob__free(tl_snap.pairs);
    memset(&tl_snap, 0, sizeof tl_snap);
}

/* The snapshot, read now if this round has none yet; NULL outside a dispatch or when it could
 * not be read whole (then the caller scans by itself). */
static struct px_snap *px_snap_get(void)
{
    struct px_snap *s = &tl_snap;
    if (!s->active) {
        return NULL;
    }
    if (!s->built) {
        s->built = 1;
        size_t cap = 4096;
        for (int tries = 0; tries < 4; tries++) {
            int(*pairs)[2] = cimjob__malloc(cap * sizeof *pairs);
            if (pairs == NULL) {
                break;
            }
            long n = cimjob__posix_proc_pgids(pairs, cap);
            if (n >= 0 && (size_t)n <= cap) {
                s->pairs = pairs;
                s->n = (size_t)n;
                break;
            }
            cimjob__free(pairs);
            if (n < 0) {
                break;
            }
            cap = (size_t)n + (size_t)n / 4 + 64;
        }
    }
    return s->pairs != NULL ? s : NULL;
}

/* Live members of a process group: from this round's snapshot (one getpgid() per process on
 * the machine, once per round), else the whole machine's /proc now (Linux has no per-group
 * list); /proc/<pid>/stat for members only. With running == NULL only "any live member?" is
 * answered (live 0/1). A snapshot can only be late about members that ended since: the job
 * looks again at the next event or tick. */
static void px_pgrp_count(int pgid, int exclude, long *live, long *running)
{
    struct px_pgrp_ctx c = {pgid, exclude, running == NULL, 0, 0};
    struct px_snap *s = px_snap_get();
    if (s == NULL) {
        (void)cimjob__posix_proc_each_in_pgrp(pgid, px_pgrp_visit, &c);
    } else {
        for (size_t i = 0; i < s->n; i++) {
            struct cimjob__posix_proc p;
            if (s->pairs[i][1] != pgid || s->pairs[i][0] == exclude ||
                cimjob__posix_proc_stat(s->pairs[i][0], &p) != 0 || p.pgrp != pgid) {
                continue;
            }
            if (px_pgrp_visit(&p, &c) != 0) {
                break;
            }
        }
    }
    *live = c.live;
    if (running != NULL) {
        *running = c.running;
    }
}

/* To the group, and to the main process in case it left the group. */
static void px_pg_send(struct px_job *pj, int sig)
{
    cimjob__px_signal_group(pj, sig);
    if (!pj->exited) {
        cimjob__px_signal_main(pj, sig);
    }
}

static cimjob_rc px_pg_signal_all(struct px_job *pj, int how)
{
    if (how == PX_KILL) {
        px_pg_send(pj, SIGKILL);
    } else {
        /* SIGCONT after SIGTERM: a stopped process cannot act on SIGTERM. */
        px_pg_send(pj, SIGTERM);
        px_pg_send(pj, SIGCONT);
    }
    return CIMJOB_RC_SUCCESS;
}

static cimjob_rc px_pg_freeze(struct px_job *pj, int on, int64_t deadline)
{
    if (!on) {
        px_pg_send(pj, SIGCONT);
        return CIMJOB_RC_SUCCESS;
    }
    for (;;) {
        px_pg_send(pj, SIGSTOP);
        long live = 0, running = 0;
        if (!pj->lost) {
            px_pgrp_count(pj->pid, 0, &live, &running);
        } else if (pj->st->use_pidfd && px_pgid_still_ours(pj)) {
            px_pgrp_count(pj->pid, pj->pid, &live, &running); /* a PID == PGID is a stranger */
        }
        if (running == 0) {
            return CIMJOB_RC_SUCCESS;
        }
        if (cimjob__posix_now_us() > deadline) {
            return cimjob_backend_fail(
                CIMJOB_RC_TIMEOUT, "posix suspend: %ld processes did not stop in time", running);
        }
        cimjob__posix_sleep_us(1000);
    }
}

static void px_pg_observe(struct px_job *pj)
{
    if (!pj->wait_all) {
        cimjob__px_signal_group(pj, SIGKILL); /* the main process is gone: end what it left */
    }
}

struct px_first_member {
    int pgid;
    int pid;
};

static int px_first_visit(const struct cimjob__posix_proc *p, void *ctx)
{
    struct px_first_member *m = ctx;
    if (p->pgrp != m->pgid || p->pid == m->pgid || p->state == 'Z' || p->state == 'X') {
        return 0;
    }
    m->pid = p->pid;
    return 1;
}

/* No event says a process group has emptied: watch one live member's pidfd instead, and look
 * again when it ends (then the next one, until none is left). 1 when watched. */
static int px_pg_watch_member(struct px_job *pj)
{
    if (pj->watch_fd >= 0) {
        /* Spent or still armed: a fresh one either way (its member may be gone). */
        px_close_fd(&pj->watch_fd);
    }
    if (!pj->st->use_pidfd) {
        return 0;
    }
    struct px_first_member m = {pj->pid, 0};
    (void)cimjob__posix_proc_each_in_pgrp(pj->pid, px_first_visit, &m);
    if (m.pid <= 0) {
        return 0;
    }
    int fd = px_high(cimjob__posix_pidfd_open(m.pid));
    if (fd < 0) {
        return 0;
    }
    /* Opened first, then checked: if it is still in the group, the pidfd names a member. */
    if (getpgid(m.pid) != pj->pid) {
        close(fd);
        return 0;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = (uint64_t)(uintptr_t)pj | PX_WATCH_TAG;
    if (epoll_ctl(pj->st->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        close(fd);
        return 0;
    }
    pj->watch_fd = fd;
    return 1;
}

static int px_pg_empty(struct px_job *pj, int kill_rest)
{
    if (kill_rest && pj->exited && !pj->lost) {
        /* observe() sent SIGKILL to the whole group while the leader's zombie pinned its ID:
         * nothing of it can run on or fork again, so the pin is no longer needed. Reap the
         * leader now; then "no process has that group ID" (ESRCH) is a two-call answer to
         * "empty?", and the usual case (nothing was left) needs no /proc walk. */
        cimjob__px_reap_main(pj);
        if (kill(-pj->pid, 0) != 0 && errno == ESRCH) {
            px_close_fd(&pj->watch_fd);
            return PX_EMPTY;
        }
        /* Members, or zombies their parents have not reaped yet: look closer. */
    }
    long live;
    px_pgrp_count(pj->pid, pj->pid, &live, NULL);
    if (live == 0 && !kill_rest && tl_snap.active) {
        /* The snapshot may predate a member's fork (and its parent's end): a group that is
         * not being killed is declared empty only on a fresh look. (A killed one cannot
         * grow: the kill reached every member at once.) */
        struct px_pgrp_ctx c = {pj->pid, pj->pid, 1, 0, 0};
        (void)cimjob__posix_proc_each_in_pgrp(pj->pid, px_pgrp_visit, &c);
        live = c.live;
    }
    if (live != 0 && pj->lost) {
        if (!pj->st->use_pidfd) {
            /* The leader was reaped behind our back and nothing can prove the members are
             * the job's: end the job, and say what may be left. */
            cimjob__px_note(pj, "the main process was reaped by someone else (exit status "
                                "unknown); processes left in its process group were not "
                                "signalled (no pidfd to prove they are the job's)");
            return PX_EMPTY;
        }
        if (!px_pgid_still_ours(pj)) {
            return PX_EMPTY; /* the job's group emptied and its number was reused */
        }
    }
    if (live != 0) {
        if (kill_rest) {
            cimjob__px_signal_group(pj, SIGKILL);
            return PX_LEFT; /* killed: gone within a tick or two */
        }
        /* Waiting for all (CIMJOB_JOB_WAIT_FOR_ALL): as long as it takes, at no cost. */
        return px_pg_watch_member(pj) ? PX_LEFT_EVENT : PX_LEFT;
    }
    px_close_fd(&pj->watch_fd);
    cimjob__px_reap_main(pj);
    return PX_EMPTY;
}

static void px_pg_release(struct px_job *pj)
{
    (void)pj;
}

const struct px_cont_ops cimjob__px_pgroup_ops = {
    CIMJOB_CONTAINMENT_PGROUP,
    1,
    px_pg_signal_all,
    px_pg_freeze,
    px_pg_observe,
    px_pg_empty,
    px_pg_release,
};
