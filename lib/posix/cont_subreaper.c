/*
 * The subreaper containment: the job's helper process (helper.c) is our child; it makes itself
 * the subreaper of the job's tree and starts the main process, so every orphan of the job comes
 * back to it. Requests are one-byte commands on a socket; the helper answers Suspend and
 * Resume, reports the main process's exit status, and exits once the job's tree is empty. The
 * job has ended when the helper has.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "posix.h"

#include <poll.h>
#include <sys/socket.h>

/* Read the helper's message (exit status or an ack) if one is waiting. */
static int px_helper_recv(struct px_job *pj, struct cimjob__posix_helper_msg *m, int ms)
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
    if (r != (ssize_t)sizeof *m || m->magic != CIMJOB__POSIX_HELPER_MAGIC) {
        return -1;
    }
    return 0;
}

cimjob_rc cimjob__px_helper_cmd(struct px_job *pj, char cmd, int want_ack)
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
        if (px_helper_recv(pj, &m, (int)left) != 0) {
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

static cimjob_rc px_sr_signal_all(struct px_job *pj, int how)
{
    if (how == PX_KILL) {
        /* Once: the helper keeps killing until the tree is empty, and says so by exiting.
         * (The core repeats a kill until the job ends; each repeat would only wake it.) */
        if (pj->kill_sent) {
            return CIMJOB_RC_SUCCESS;
        }
        pj->kill_sent = 1;
        return cimjob__px_helper_cmd(pj, CIMJOB__POSIX_CMD_KILL, 0);
    }
    return cimjob__px_helper_cmd(pj, CIMJOB__POSIX_CMD_TERMINATE, 0);
}

static cimjob_rc px_sr_freeze(struct px_job *pj, int on, int64_t deadline)
{
    (void)deadline; /* the helper applies the registry's suspend bound itself */
    return cimjob__px_helper_cmd(pj, on ? CIMJOB__POSIX_CMD_STOP : CIMJOB__POSIX_CMD_CONT, 1);
}

/* The helper has ended. It sent the main process's status before it exited (it exits 0 only
 * after that): that status is the truth, also when the helper itself was reaped behind our back
 * (a host's waitpid(-1, __WALL)). No status and a helper that did not exit 0 means it died, and
 * the job's processes may be orphaned. */
static void px_sr_observe(struct px_job *pj)
{
    struct cimjob__posix_helper_msg m;
    int have = pj->have_exit_msg;
    if (have) {
        m = pj->exit_msg;
    }
    while (!have && px_helper_recv(pj, &m, 0) == 0) {
        have = m.kind == 'X';
    }
    if (have && (pj->lost || (pj->code == CLD_EXITED && pj->status == 0))) {
        pj->code = m.code;
        pj->status = m.status;
        cimjob__free(pj->note); /* "reaped by someone else": the helper knew better */
        pj->note = NULL;
    } else if (pj->note == NULL) {
        cimjob__px_note(pj,
                        "the job's helper process died unexpectedly (%s %d); processes of the "
                        "job may have been orphaned",
                        pj->code == CLD_EXITED ? "exit status" : "signal", pj->status);
        pj->code = CLD_EXITED;
        pj->status = -1;
    }
}

static int px_sr_empty(struct px_job *pj, int kill_rest)
{
    (void)pj;
    (void)kill_rest;
    return PX_EMPTY; /* the helper exits only once the job's tree is empty */
}

static void px_sr_release(struct px_job *pj)
{
    (void)pj;
}

const struct px_cont_ops cimjob__px_subreaper_ops = {
    CIMJOB_CONTAINMENT_SUBREAPER,
    0,
    px_sr_signal_all,
    px_sr_freeze,
    px_sr_observe,
    px_sr_empty,
    px_sr_release,
};
