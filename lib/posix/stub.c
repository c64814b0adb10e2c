/*
 * The reaper stub: where a pidfd cannot keep the exit status of a process someone else reaped
 * (kernels before Linux 6.15, or CIMJOB_POSIX_NO_PIDFD_EXIT), a cgroup or process-group job's
 * main process is started by a small child of the library instead of by the host itself.
 *
 *   host --(no exit signal)--> stub --> main process (execs; the job's cgroup / group)
 *
 * The stub never execs, so its exit signal stays none: a host that ignores SIGCHLD does not
 * get it reaped by the kernel, and the host's waitpid(-1) (without __WALL) never sees it. The
 * main process is the stub's child, not the host's, so nothing of the host can take it. The
 * stub keeps it unreaped until the library lets go of it, so until then, while the stub
 * lives, the main process's PID and the group ID it leads are the job's (what the
 * process-group containment relies on).
 *
 * Protocol (SOCK_SEQPACKET, struct cimjob__posix_helper_msg): the stub sends 'P' once the main
 * process has exec'd (or has failed to: the exec-error pipe says so), with its PID, or -errno
 * when it could not be started; then 'X' when it has ended (CLD_* and the status, as the
 * helper does). The library sends 'R' and closes the socket when the main process may be
 * reaped: then the stub reaps it (waiting for it to end, if it has not) and exits. 'R' is what
 * counts: a child the host forked without exec may hold a copy of the socket for long.
 *
 * The stub is a fork of the host (it starts the main process with helper.c's own start, which
 * shares the stub's memory until exec): only system calls on the child side.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "posix.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the stub process ------------------------------------------------------------------- */

static void stub_send(int fd, int kind, int code, int status)
{
    struct cimjob__posix_helper_msg m;
    m.magic = CIMJOB__POSIX_HELPER_MAGIC;
    m.kind = kind;
    m.code = code;
    m.status = status;
    (void)send(fd, &m, sizeof m, MSG_NOSIGNAL);
}

/* Every descriptor but the socket: the host's pipes and files, the job's stdio and the
 * exec-error pipe must not be held open by the stub (the main process has its own copies). */
static void stub_close_all_but(int keep)
{
    if ((keep == 0 || cimjob__posix_close_range(0, (unsigned int)keep - 1, 0) == 0) &&
        cimjob__posix_close_range((unsigned int)keep + 1, ~0U, 0) == 0) {
        return;
    }
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536) {
        max = 65536;
    }
    for (int fd = 0; fd < (int)max; fd++) {
        if (fd != keep) {
            (void)close(fd);
        }
    }
}

void cimjob__posix_stub_main(const struct cimjob__posix_helper_args *a)
{
    /* Every signal stays blocked (our parent blocked them before the fork): nothing sent to
     * the host's process group ends the stub before it has handed the status over. SIGCHLD
     * goes back to its default, or an ignored one (SIG_IGN, SA_NOCLDWAIT) inherited from the
     * host would make the kernel reap the main process behind our back. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGCHLD, &sa, NULL);

    pid_t main_pid = cimjob__posix_helper_start_main(a->exec);
    int err = errno;
    stub_close_all_but(a->ctl_fd);
    stub_send(a->ctl_fd, 'P', 0, main_pid > 0 ? (int)main_pid : -err);
    if (main_pid <= 0) {
        _exit(127);
    }
    siginfo_t si;
    int r;
    do {
        memset(&si, 0, sizeof si);
        r = waitid(P_PID, (id_t)main_pid, &si, WEXITED | WNOWAIT | __WALL);
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
        stub_send(a->ctl_fd, 'X', si.si_code, si.si_status);
    }
    /* The library reads the status, then lets go ('R') when the main process may be reaped:
     * for a process group, once the group is empty or killed. */
    char c = 0;
    ssize_t got;
    do {
        got = recv(a->ctl_fd, &c, 1, 0);
    } while ((got > 0 && c != CIMJOB__POSIX_CMD_REAP) || (got < 0 && errno == EINTR));
    do {
        r = waitid(P_PID, (id_t)main_pid, &si, WEXITED | __WALL);
    } while (r < 0 && errno == EINTR);
    _exit(0);
}

/* ---- the library's side ----------------------------------------------------------------- */

/* Receive one message from the stub. 1: got it; 0: none yet (nonblocking); -1: the stub is
 * gone (EOF) or the socket failed. */
static int stub_recv(int fd, struct cimjob__posix_helper_msg *m, int block)
{
    for (;;) {
        ssize_t got = recv(fd, m, sizeof *m, block ? 0 : MSG_DONTWAIT);
        if (got == (ssize_t)sizeof *m && m->magic == CIMJOB__POSIX_HELPER_MAGIC) {
            return 1;
        }
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        }
        if (got > 0) {
            continue; /* not ours: cannot happen on a socketpair; skip it */
        }
        if (got == 0) {
            errno = ECHILD;
        }
        return -1;
    }
}

/* Let the stub reap the main process (and exit): 'R', then our end closed. */
static void stub_let_go(int *ctl)
{
    if (*ctl >= 0) {
        char r = CIMJOB__POSIX_CMD_REAP;
        (void)send(*ctl, &r, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    px_close_fd(ctl);
}

/* Whether the stub itself is still our live child (not exited, not reaped by anyone). */
static int stub_alive(pid_t pid, int pidfd)
{
    siginfo_t si;
    return px_wait_child(pid, pidfd, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == 0;
}

int cimjob__px_stub_spawn(struct px_spawn *sp)
{
    struct cimjob__posix_helper_args a;
    memset(&a, 0, sizeof a);
    a.mode = CIMJOB__POSIX_HELPER_STUB;
    a.exec = &sp->x;
    a.cg_kill_fd = a.cg_events_fd = a.main_pidfd = -1;
    sp->pid = -1;
    if (cimjob__px_start_helper(sp, &a, &sp->ctl_fd, &sp->stub_pid, &sp->stub_pidfd) != 0) {
        return -1;
    }
    /* 'P' comes once the main process has exec'd (or failed to). Its end of the socket may
     * also be held for a moment by a child another thread of the host is forking, so the
     * stub's own end (its pidfd) says when no answer can come. */
    struct cimjob__posix_helper_msg m;
    int got;
    while ((got = stub_recv(sp->ctl_fd, &m, 0)) == 0) {
        struct pollfd p[2] = {{sp->ctl_fd, POLLIN, 0}, {sp->stub_pidfd, POLLIN, 0}};
        if (poll(p, 2, -1) < 0 && errno != EINTR) {
            break;
        }
        if (p[1].revents != 0 && !(p[0].revents & POLLIN)) {
            got = stub_recv(sp->ctl_fd, &m, 0);
            break;
        }
    }
    if (got != 1 || m.kind != 'P') {
        errno = ECHILD;
        return -1;
    }
    if (m.status <= 0) {
        errno = -m.status;
        return -1;
    }
    sp->pid = (pid_t)m.status;
    /* The main process is the stub's child, and the stub reaps it only once we let it ('R'):
     * if the stub is still alive after the pidfd was opened, the PID named the main process
     * (alive or a zombie) when it was opened. (A stub killed meanwhile would have left its
     * child to another reaper.) */
    int fd = px_high(cimjob__posix_pidfd_open(sp->pid));
    if (fd < 0 || !stub_alive(sp->stub_pid, sp->stub_pidfd)) {
        int e = fd < 0 ? errno : ECHILD;
        px_close_fd(&fd);
        sp->pid = -1;
        errno = e;
        return -1;
    }
    sp->pidfd = fd;
    return 0;
}

int cimjob__px_stub_wait(struct px_job *pj, siginfo_t *si, int options)
{
    memset(si, 0, sizeof *si);
    if (pj->ctl_fd < 0) {
        errno = ECHILD; /* we let go of it already */
        return -1;
    }
    struct cimjob__posix_helper_msg m;
    int r = stub_recv(pj->ctl_fd, &m, !(options & WNOHANG));
    while (r == 1 && m.kind != 'X') {
        r = stub_recv(pj->ctl_fd, &m, !(options & WNOHANG));
    }
    if (r == 0) {
        return 0; /* still running: si_pid 0 */
    }
    if (r < 0) {
        /* The stub was killed from outside before it sent the status: its child went to
         * another reaper and may still run, and nothing can say when it ends. A process group
         * job ends here with what it holds: its group while the leader provably has not been
         * reaped yet (its pidfd still reaches it: it pins the group's ID; the window is the
         * one of docs/teardown.md between that check and the kill), and the leader through
         * its pidfd. (A cgroup job's cgroup still holds everything.) */
        if (pj->cont == CIMJOB_CONTAINMENT_PGROUP && pj->pidfd >= 0) {
            if (cimjob__posix_pidfd_send_signal(pj->pidfd, 0) == 0) {
                (void)kill(-pj->pid, SIGKILL);
            }
            (void)cimjob__posix_pidfd_send_signal(pj->pidfd, SIGKILL);
        }
        cimjob__px_note(pj, "the main process was reaped by someone else (its reaper stub was "
                            "killed); exit status unknown");
        errno = ECHILD;
        return -1;
    }
    si->si_pid = pj->pid;
    si->si_signo = SIGCHLD;
    si->si_code = m.code;
    si->si_status = m.status;
    if (!(options & WNOWAIT)) {
        /* The stub reaps it now and exits: reaped too before the job is reported ended, so
         * nothing started for the job outlives its end. */
        cimjob__px_stub_finish(&pj->stub_pid, &pj->stub_pidfd, &pj->ctl_fd, 1000);
    }
    return 0;
}

int cimjob__px_stub_holds_main(struct px_job *pj)
{
    return pj->ctl_fd >= 0 && stub_alive(pj->stub_pid, pj->stub_pidfd);
}

/* Reap a child of ours if it has ended: 1 when it is no longer ours to reap (reaped now, or by
 * someone else), 0 while it runs. */
static int stub_reaped(pid_t pid, int pidfd)
{
    siginfo_t si;
    return px_wait_child(pid, pidfd, &si, WEXITED | WNOHANG) != 0 || si.si_pid != 0;
}

void cimjob__px_stub_finish(pid_t *pid, int *pidfd, int *ctl, int wait_ms)
{
    if (*pid <= 0) {
        return; /* no stub (the socket, if any, is a subreaper helper's) */
    }
    stub_let_go(ctl); /* the stub reaps the main process, once it has ended, and exits */
    int done = stub_reaped(*pid, *pidfd);
    if (!done && wait_ms > 0 && *pidfd >= 0) {
        struct pollfd p = {*pidfd, POLLIN, 0};
        int r;
        do {
            r = poll(&p, 1, wait_ms);
        } while (r < 0 && errno == EINTR);
        done = stub_reaped(*pid, *pidfd);
    }
    if (!done) {
        cimjob__px_grave_child(*pid, *pidfd); /* reaped later; the graveyard owns the pidfd */
        *pidfd = -1;
    }
    px_close_fd(pidfd);
    *pid = -1;
}

void cimjob__px_reap_main(struct px_job *pj)
{
    if (pj->reaped) {
        return;
    }
    if (pj->stub_pid > 0) {
        cimjob__px_stub_finish(&pj->stub_pid, &pj->stub_pidfd, &pj->ctl_fd, 1000);
    } else {
        siginfo_t si;
        (void)px_wait_child(pj->pid, pj->pidfd, &si, WEXITED | WNOHANG);
    }
    pj->reaped = 1;
}
