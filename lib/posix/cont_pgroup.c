/*
 * The process-group containment: the main process leads a group of its own, and requests go
 * to the group. A group's ID is only ours while its leader is our unreaped child (its zombie
 * keeps the ID from being reused), so the leader is observed with WNOWAIT and reaped only
 * when the group is empty; after that nothing is ever sent to the group again. What leaves
 * the group (setsid) is out of reach: that is this containment's limit (docs/teardown.md).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "posix.h"

void cimjob__px_signal_group(struct px_job *pj, int sig)
{
    if (!pj->reaped) {
        (void)kill(-pj->pid, sig);
    }
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

/* Live members of a process group (the whole machine's /proc, one getpgid() each: Linux has
 * no per-group list). With running == NULL only "any live member?" is answered (live 0/1). */
static void px_pgrp_count(int pgid, int exclude, long *live, long *running)
{
    struct px_pgrp_ctx c = {pgid, exclude, running == NULL, 0, 0};
    (void)cimjob__posix_proc_each_in_pgrp(pgid, px_pgrp_visit, &c);
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
        long live, running;
        px_pgrp_count(pj->pid, 0, &live, &running);
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

static int px_pg_empty(struct px_job *pj, int kill_rest)
{
    long live;
    px_pgrp_count(pj->pid, pj->pid, &live, NULL);
    if (live != 0) {
        if (kill_rest) {
            cimjob__px_signal_group(pj, SIGKILL);
        }
        return 0;
    }
    if (!pj->reaped) {
        siginfo_t si;
        (void)px_wait_child(pj->pid, pj->pidfd, &si, WEXITED | WNOHANG);
        pj->reaped = 1;
    }
    return 1;
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
