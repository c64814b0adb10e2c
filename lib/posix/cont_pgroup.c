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

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
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

static void px_pg_sealed(struct px_job *pj);

void cimjob__px_signal_group(struct px_job *pj, int sig)
{
    if (cimjob__px_main_is_ours(pj)) {
        /* The leader is our unreaped child: it (or its zombie) keeps the PGID ours. */
        if (kill(-pj->pid, sig) == 0 && sig == SIGKILL && pj->cont == CIMJOB_CONTAINMENT_PGROUP) {
            px_pg_sealed(pj);
        }
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

/* Listings of every process's group are numbered as they start, so that a job can tell one
 * that began after a given moment (its group was killed, its main process was seen ending)
 * from an older one. */
static _Atomic unsigned long long px_epoch;

/* A listing of (pid, pgid) for every process on the machine: one getpgid() per process, from
 * the cgroup v2 tree where it can serve (live processes only: cgroup_list.c), else from /proc
 * (zombies too). The dispatching thread keeps one per round (see cimjob__px_snap_begin). */
struct px_snap {
    int active;               /* the thread's round is on */
    int live;                 /* from the cgroup tree: no zombies in it */
    int events;               /* the jobs polled now are polled for their epoll events... */
    unsigned long long mark;  /* ...which were collected before listing number mark + 1 */
    unsigned long long epoch; /* its number; 0: not read */
    int (*pairs)[2];          /* NULL: could not be read (no /proc, out of memory) */
    size_t n;
};
static _Thread_local struct px_snap tl_snap;

int cimjob__px_pg_use_proc;

/* The cgroup2 mount, found once per process; "" where it cannot serve. */
static pthread_once_t px_cg_once = PTHREAD_ONCE_INIT;
static char px_cg_mnt[PATH_MAX];

static void px_cg_find(void)
{
    if (cimjob__posix_cgroup2_mount(px_cg_mnt, sizeof px_cg_mnt) != 0) {
        px_cg_mnt[0] = '\0';
    }
}

void cimjob__px_snap_begin(void)
{
    memset(&tl_snap, 0, sizeof tl_snap);
    tl_snap.active = 1;
}

void cimjob__px_snap_mark(int events)
{
    tl_snap.events = events;
    tl_snap.mark = atomic_load(&px_epoch);
}

void cimjob__px_snap_end(void)
{
    cimjob__free(tl_snap.pairs);
    memset(&tl_snap, 0, sizeof tl_snap);
}

/* The tasks of the machine, zombies included (/proc/loadavg: "... running/total ..."): what a
 * listing of /proc goes through. -1 when unknown. */
static long px_machine_tasks(void)
{
    char buf[128];
    if (cimjob__posix_read_small(AT_FDCWD, "/proc/loadavg", buf, sizeof buf) < 0) {
        return -1;
    }
    const char *slash = strchr(buf, '/');
    return slash != NULL ? strtol(slash + 1, NULL, 10) : -1;
}

/* Whether listings come from the cgroup tree (unless reading it fails). It reads every cgroup
 * of the machine (about five system calls each) where /proc costs about two per task: a host
 * with thousands of cgroups and few processes (measured: 3,749 cgroups, 70 processes, a
 * 1,000-member teardown at 3.5 times the baseline) lists /proc instead. The first listing
 * reads the cgroup tree, which says how big it is. */
static int px_lists_live(void)
{
    (void)pthread_once(&px_cg_once, px_cg_find);
    if (px_cg_mnt[0] == '\0' || cimjob__px_pg_use_proc) {
        return 0;
    }
    long cgroups = cimjob__posix_cgroup_tree_size();
    if (cgroups == 0) {
        return 1;
    }
    long tasks = px_machine_tasks();
    return tasks < 0 || 5 * cgroups < 2 * tasks;
}

/* (Re)read a listing. 0, or -1 when nothing can be listed or memory is short. */
static int px_snap_read(struct px_snap *s)
{
    cimjob__free(s->pairs);
    s->pairs = NULL;
    s->n = 0;
    s->epoch = atomic_fetch_add(&px_epoch, 1) + 1;
    s->live = px_lists_live();
    size_t cap = 4096;
    for (int tries = 0; tries < 6; tries++) {
        int(*pairs)[2] = cimjob__malloc(cap * sizeof *pairs);
        if (pairs == NULL) {
            break;
        }
        long n = s->live ? cimjob__posix_cgroup_pgids(px_cg_mnt, pairs, cap)
                         : cimjob__posix_proc_pgids(pairs, cap);
        if (n >= 0 && (size_t)n <= cap) {
            s->pairs = pairs;
            s->n = (size_t)n;
            break;
        }
        cimjob__free(pairs);
        if (n < 0 && s->live) {
            s->live = 0; /* some cgroup could not be read: /proc instead */
        } else if (n < 0) {
            break;
        } else {
            cap = (size_t)n + (size_t)n / 4 + 64;
        }
    }
    return s->pairs != NULL ? 0 : -1;
}

/* This round's listing, read now if the round has none yet; NULL outside a dispatch or when it
 * could not be read whole (then the caller scans by itself). */
static struct px_snap *px_snap_get(void)
{
    struct px_snap *s = &tl_snap;
    if (!s->active) {
        return NULL;
    }
    if (s->epoch == 0) {
        (void)px_snap_read(s);
    }
    return s->pairs != NULL ? s : NULL;
}

/* A listing that began after listing number @p after: this round's when it is recent enough
 * (read again when not: later jobs of the round share the new one), else @p own (zeroed by the
 * caller, its pairs freed by the caller). NULL when none can be read. */
static struct px_snap *px_listing_after(unsigned long long after, struct px_snap *own)
{
    struct px_snap *s = tl_snap.active ? &tl_snap : own;
    if (s->pairs != NULL && s->epoch > after) {
        return s;
    }
    return px_snap_read(s) == 0 ? s : NULL;
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

static void px_pg_cgroup_pin(struct px_job *pj);

static cimjob_rc px_pg_signal_all(struct px_job *pj, int how)
{
    px_pg_cgroup_pin(pj);
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

static void px_pg_note_exit(struct px_job *pj);

static void px_pg_observe(struct px_job *pj)
{
    px_pg_note_exit(pj);
    if (!pj->wait_all) {
        cimjob__px_signal_group(pj, SIGKILL); /* the main process is gone: end what it left */
    }
}

/* ---- waiting for the members once the main process has ended ------------------------------
 *
 * Linux has no per-group list of processes and no event for "this group has emptied". So the
 * group is listed (every process's group: one getpgid() each), the first member found still
 * running is watched through a pidfd (one descriptor per job, one shot in the epoll set), and
 * when it ends the job looks again. Nothing here sends a signal.
 *
 * "Ended" is what a pidfd's readability says: the member has exited and released its memory
 * and descriptors (it is a zombie, or reaped). A zombie that its parent has not reaped yet is
 * no longer the job's: it cannot run, fork or hold anything. (With this containment its parent
 * is often init, or a subreaper, once the member's own parent in the group has died; it reaps
 * in its own time: ~1.7 s on the machine of docs/performance.md.) kill(-pgid, 0) counts such
 * zombies too, so it only serves to say "nothing at all is left".
 *
 * The listing comes from the cgroup v2 tree where it is mounted and readable (cgroup_list.c):
 * cgroup.procs lists a process until it has released its memory and descriptors (just before
 * it becomes a zombie), so "a listing begun after the main process's end shows no member" is
 * the end. That holds for a group that may still grow too: a child is born in its parent's
 * cgroup, so a member alive when its cgroup is read is listed, and one that had ended by then
 * had forked its children (into that cgroup) before. (A process moved into another cgroup by
 * someone else while the tree is read can be missed by that reading.) After the watched member
 * ends the group is listed again: one listing costs less than a look at each member listed.
 *
 * Elsewhere /proc is listed, zombies and all, and its members are passed in order, each looked
 * at once (a pidfd's readability, or /proc/<pid>/stat without pidfds). A group is sealed once
 * SIGKILL went to the whole group by kill(-pgid) while its leader pinned its ID: the kernel
 * delivers that to every member at once, and a process with SIGKILL pending cannot fork, so no
 * member can appear after it and a /proc listing begun after the kill holds every member the
 * group will ever have. (A process outside the group may setpgid() itself into it, in the same
 * session; such a process is not one the job started.) A group that is not sealed
 * (CIMJOB_JOB_WAIT_FOR_ALL) is listed again once every member listed has ended, from then on,
 * until a listing shows no live member.
 *
 * Without pidfds (CIMJOB_POSIX_NO_PIDFD) the first live member is looked at again at the 10 ms
 * tick. */
struct px_pg_drain {
    int sealed;                   /* see above */
    int live;                     /* the candidates came from a listing of live processes */
    unsigned long long from;      /* only a listing numbered above it counts: begun after the
                                   * main process's end was seen */
    unsigned long long sealed_at; /* a /proc listing numbered above it holds every member */
    unsigned long long listed;    /* the listing the candidates came from; 0: none yet */
    size_t n, next;               /* the candidates; the first not yet seen ending */
    int pids[];
};

static struct px_pg_drain *px_pg_drain_get(struct px_job *pj)
{
    if (pj->pg_drain == NULL) {
        pj->pg_drain = cimjob__calloc(1, sizeof *pj->pg_drain);
        if (pj->pg_drain != NULL) {
            /* Now is after the main process's end if it has ended (px_pg_note_exit says when
             * it is seen ending). */
            pj->pg_drain->from = atomic_load(&px_epoch);
        }
    }
    return pj->pg_drain;
}

/* The main process's end has just been seen. */
static void px_pg_note_exit(struct px_job *pj)
{
    struct px_pg_drain *d = px_pg_drain_get(pj);
    if (d != NULL) {
        /* Seen through its pidfd's event, which this round's last epoll batch held, it ended
         * before that batch was collected, and the jobs of the batch can share a listing. */
        d->from = tl_snap.active && tl_snap.events ? tl_snap.mark : atomic_load(&px_epoch);
    }
}

/* Called with a group just sent SIGKILL by kill(-pgid) while its leader pinned the ID. */
static void px_pg_sealed(struct px_job *pj)
{
    struct px_pg_drain *d = pj->pg_drain;
    if (d != NULL && d->sealed) {
        return;
    }
    /* Read after the kill: a listing numbered above it began after the kill. */
    unsigned long long e = atomic_load(&px_epoch);
    d = px_pg_drain_get(pj);
    if (d == NULL) {
        return; /* then the group is waited for as one that may grow: slower, as correct */
    }
    if (d->listed != 0) {
        /* Listed before the kill: list again. */
        px_close_fd(&pj->watch_fd);
        d->listed = 0;
        d->n = d->next = 0;
    }
    d->sealed = 1;
    d->sealed_at = e;
}

/* Open the cgroup the leader is in, where a sealed group's members will be listed from (see
 * px_pg_cgroup_listing), while the leader pins the group (so /proc/<pid>/cgroup is its own).
 * Done when a request is about to end the group, the case where members are many and still
 * dying. A main process that simply exits does not pay for it: its group is usually empty,
 * and opening the cgroup there added about 29 us to the exit latency (docs/performance.md). */
static void px_pg_cgroup_pin(struct px_job *pj)
{
    if (pj->pg_cgroup_fd < 0 && !cimjob__px_pg_use_proc && cimjob__px_main_is_ours(pj)) {
        pj->pg_cgroup_fd = cimjob__posix_cgroup_open_of(pj->pid);
    }
}

/* How many cgroups below the leader's a sealed group's listing reads too (above that, the
 * leader's cgroup alone: a host at the root of a machine with thousands of cgroups). */
#define PX_PG_SUBTREE_MAX 64

/* A sealed group's members, listed from the cgroup its leader was in when a request was sent to
 * the group (and the cgroups below it, where they are few): one read of cgroup.procs, one getpgid()
 * per live process in it, no zombie. A child is born in its parent's cgroup, so every member is
 * there unless something moved it out (a process with write access to cgroup files, such as
 * `systemd-run --scope`); such a member had SIGKILL from the same kill and cannot run again,
 * but the job may be reported ended before its exit completes (docs/teardown.md). Into @p own
 * (zeroed by the caller); NULL when the cgroup cannot be read (then /proc or the whole tree). */
static struct px_snap *px_pg_cgroup_listing(struct px_job *pj, struct px_snap *own)
{
    long below = cimjob__posix_cgroup_descendants(pj->pg_cgroup_fd);
    int subtree = below > 0 && below <= PX_PG_SUBTREE_MAX;
    size_t cap = 256;
    own->epoch = atomic_fetch_add(&px_epoch, 1) + 1;
    own->live = 1;
    for (int tries = 0; tries < 6; tries++) {
        int(*pairs)[2] = cimjob__malloc(cap * sizeof *pairs);
        if (pairs == NULL) {
            break;
        }
        long n = cimjob__posix_cgroup_pgids_at(pj->pg_cgroup_fd, subtree, pairs, cap);
        if (n >= 0 && (size_t)n <= cap) {
            own->pairs = pairs;
            own->n = (size_t)n;
            return own;
        }
        cimjob__free(pairs);
        if (n < 0) {
            break;
        }
        cap = (size_t)n + (size_t)n / 4 + 64;
    }
    px_close_fd(&pj->pg_cgroup_fd); /* from now on, the machine-wide listings */
    memset(own, 0, sizeof *own);
    return NULL;
}

static int px_cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* List the group (a listing numbered above @p after) and make its members the candidates: from
 * /proc, on the first listing all of them, later the live ones only. Returns how many, or -1
 * (no listing, out of memory: the drain is unchanged). */
static long px_pg_list(struct px_job *pj, unsigned long long after)
{
    struct px_snap own;
    memset(&own, 0, sizeof own);
    struct px_snap *s = NULL;
    if (pj->pg_drain->sealed && pj->pg_cgroup_fd >= 0) {
        s = px_pg_cgroup_listing(pj, &own); /* begun now: after the kill and the end */
    }
    if (s == NULL) {
        s = px_listing_after(after, &own);
    }
    struct px_pg_drain *m = NULL;
    size_t cap = 64, n = 0;
    if (s != NULL) {
        m = cimjob__malloc(sizeof *m + cap * sizeof(int));
    }
    int filter = s != NULL && !s->live && pj->pg_drain->listed != 0;
    for (size_t i = 0; m != NULL && i < s->n; i++) {
        int pid = s->pairs[i][0];
        struct cimjob__posix_proc p;
        if (s->pairs[i][1] != pj->pid || pid == pj->pid ||
            (filter && (cimjob__posix_proc_stat(pid, &p) != 0 || p.pgrp != pj->pid ||
                        p.state == 'Z' || p.state == 'X'))) {
            continue;
        }
        if (n == cap) {
            struct px_pg_drain *g = cimjob__realloc(m, sizeof *m + 2 * cap * sizeof(int));
            if (g == NULL) {
                cimjob__free(m);
                m = NULL;
                break;
            }
            m = g;
            cap *= 2;
        }
        m->pids[n++] = pid;
    }
    if (m == NULL) {
        cimjob__free(own.pairs);
        return -1;
    }
    qsort(m->pids, n, sizeof(int), px_cmp_int);
    m->sealed = pj->pg_drain->sealed;
    m->sealed_at = pj->pg_drain->sealed_at;
    m->from = pj->pg_drain->from;
    m->live = s->live;
    m->listed = s->epoch;
    m->n = n;
    m->next = 0;
    cimjob__free(own.pairs);
    cimjob__free(pj->pg_drain);
    pj->pg_drain = m;
    return (long)n;
}

/* Whether member @p pid has ended: 1 yes (or its PID is no longer in the group); 0 no, and its
 * pidfd is now watched; -1 no, and only the tick can tell (no pidfds, or none to spare). */
static int px_member_check(struct px_job *pj, int pid)
{
    int fd = pj->st->use_pidfd ? px_high(cimjob__posix_pidfd_open(pid)) : -1;
    if (fd < 0) {
        if (pj->st->use_pidfd && errno == ESRCH) {
            return 1; /* reaped */
        }
        struct cimjob__posix_proc p;
        return cimjob__posix_proc_stat(pid, &p) != 0 || p.pgrp != pj->pid || p.state == 'Z' ||
                       p.state == 'X'
                   ? 1
                   : -1;
    }
    /* Readable: whoever the pidfd names has exited (the member, or a process that took its
     * number after it was reaped). Not: the pidfd was opened first, and its process is then
     * checked to be in the group, so it names a member (or the member left the group, and
     * what leaves the group is out of reach). */
    struct pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, 0);
    if (r > 0 || (r == 0 && getpgid(pid) != pj->pid)) {
        close(fd);
        return 1;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = (uint64_t)(uintptr_t)pj | PX_WATCH_TAG;
    if (r < 0 || epoll_ctl(pj->st->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        close(fd);
        return -1;
    }
    pj->watch_fd = fd;
    return 0;
}

/* PX_EMPTY, PX_LEFT_EVENT (a member's pidfd is watched), PX_LEFT (look again at the tick), or
 * -1: the group cannot be listed (no /proc, out of memory). */
static int px_pg_drain(struct px_job *pj)
{
    if (px_pg_drain_get(pj) == NULL) {
        return -1;
    }
    for (;;) {
        struct px_pg_drain *d = pj->pg_drain;
        if (pj->watch_fd >= 0) {
            struct pollfd p = {pj->watch_fd, POLLIN, 0};
            if (poll(&p, 1, 0) == 0) {
                return PX_LEFT_EVENT; /* still armed: its end will say when */
            }
            px_close_fd(&pj->watch_fd);
            /* The watched member has ended. A listing of live processes says more than a look
             * at each candidate after it. */
            d->next = d->live ? d->n : d->next + 1;
        }
        while (d->listed != 0 && d->next < d->n) {
            int r = px_member_check(pj, d->pids[d->next]);
            if (r <= 0) {
                return r == 0 ? PX_LEFT_EVENT : PX_LEFT;
            }
            d->next++;
        }
        unsigned long long after = d->from > d->listed ? d->from : d->listed;
        if (d->listed == 0 && d->sealed && pj->pg_cgroup_fd < 0 && !px_lists_live() &&
            d->sealed_at > after) {
            after = d->sealed_at; /* /proc: one listing after the kill will do */
        }
        if (d->listed != 0 && !d->live) {
            /* Every member of a /proc listing has ended. Begun after the kill that sealed the
             * group, it held every member the group will ever have. */
            if (d->sealed && d->listed > d->sealed_at) {
                return PX_EMPTY;
            }
            /* Nothing at all in the group (zombies included), or its number given to a new
             * process (possible only once the group is empty)? Else list again, from now on:
             * members forked since are live in it. */
            if ((kill(-pj->pid, 0) != 0 && errno == ESRCH) ||
                (pj->reaped && (kill(pj->pid, 0) == 0 || errno == EPERM))) {
                return PX_EMPTY;
            }
            after = atomic_load(&px_epoch);
        }
        long c = px_pg_list(pj, after);
        if (c < 0) {
            return d->listed == 0 ? -1 : PX_LEFT; /* d is unchanged then */
        }
        if (c == 0) {
            return PX_EMPTY; /* nobody (live) in a listing that counts */
        }
    }
}

static void px_pg_drain_end(struct px_job *pj)
{
    px_close_fd(&pj->watch_fd);
    px_close_fd(&pj->pg_cgroup_fd);
    cimjob__free(pj->pg_drain);
    pj->pg_drain = NULL;
}

static void px_pg_reap_leader(struct px_job *pj)
{
    cimjob__px_reap_main(pj); /* or lets its reaper stub reap it */
}

static int px_pg_empty(struct px_job *pj, int kill_rest)
{
    if (kill_rest && pj->exited && !pj->lost) {
        /* observe() sent SIGKILL to the whole group while the leader's zombie pinned its ID:
         * nothing of it can run on or fork again, so the pin is no longer needed. Reap the
         * leader now; then "no process has that group ID" (ESRCH) is a two-call answer to
         * "empty?", and the usual case (nothing was left) needs no /proc walk. */
        px_pg_reap_leader(pj);
        if (kill(-pj->pid, 0) != 0 && errno == ESRCH) {
            px_pg_drain_end(pj);
            return PX_EMPTY;
        }
        /* Members, or zombies their parents have not reaped yet: look closer. */
    }
    if (!pj->lost) {
        int r = px_pg_drain(pj);
        if (r == PX_EMPTY) {
            px_pg_drain_end(pj);
            px_pg_reap_leader(pj);
            return PX_EMPTY;
        }
        if (r >= 0) {
            return r;
        }
        /* The group cannot be listed: the whole-machine count below, at the tick. */
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
        }
        return PX_LEFT; /* killed: gone within a tick or two; else as long as it takes */
    }
    px_pg_drain_end(pj);
    px_pg_reap_leader(pj);
    return PX_EMPTY;
}

static void px_pg_release(struct px_job *pj)
{
    px_pg_drain_end(pj);
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
