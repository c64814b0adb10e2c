/*
 * A job at the terminal, for `cimjob run` and `cimjob timeout`: what a shell does for a
 * foreground job, done by the process that sits between the shell and the job.
 *
 * libcimjob puts every job in a process group of its own (so the whole job can be signalled).
 * At an interactive terminal that group would be a background group: `cat` would be stopped by
 * SIGTTIN, and Ctrl-C / Ctrl-Z would reach cimjob instead of the job. So, when cimjob itself
 * is in the terminal's foreground group, the job is started with CIMJOB_JOB_FOREGROUND (the
 * child makes its group the foreground before it execs: no window in which it can be stopped),
 * and cimjob:
 *  - gives the terminal back to its own group when the job ends (cli_tty_restore);
 *  - when the job is stopped by the terminal (Ctrl-Z: its main process reports CLD_STOPPED),
 *    suspends the whole job (RequestStateChange(Suspend): every process, even those outside
 *    the group), takes the terminal back and stops its own process group with SIGTSTP, as the
 *    terminal would have done had the job been in it; the shell reports the job stopped;
 *  - on SIGCONT (`fg`), hands the terminal to the job again, resumes it and continues its
 *    stopped processes (cli_tty_continue). `bg` works too: the job resumes in the background
 *    (the terminal stays with the shell).
 * Ctrl-C and Ctrl-\ need nothing: the terminal sends them to the job's group.
 * With subreaper containment the main process is the helper's child, not ours: no SIGCHLD
 * tells us it stopped, so the loops look at its state in /proc a few times a second while it
 * has the terminal (cli_tty_needs_polling, cli_tty_poll_stopped).
 */
#include "cli.h"

#include <cimjob/posix.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int cli_tty_wanted(void)
{
    if (!isatty(0))
        return 0;
    pid_t fg = tcgetpgrp(0);
    return fg > 0 && fg == getpgrp();
}

/* tcsetpgrp from what may be a background group: SIGTTOU blocked for the call. */
static int tty_set(pid_t pgrp)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTTOU);
    sigprocmask(SIG_BLOCK, &block, &old);
    int rc = tcsetpgrp(0, pgrp);
    int e = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return rc;
}

/* Call only for a job started with CIMJOB_JOB_FOREGROUND: whichever other group holds the
 * terminal now is then the job's. */
void cli_tty_started(cli_tty *t)
{
    t->own_pgrp = getpgrp();
    pid_t fg = tcgetpgrp(0);
    /* The child has taken the terminal for its group before exec (we resume after it). */
    t->job_pgrp = fg > 0 && fg != t->own_pgrp ? fg : 0;
    t->active = t->job_pgrp > 0;
}

void cli_tty_restore(cli_tty *t)
{
    if (t->active && tcgetpgrp(0) != t->own_pgrp)
        (void)tty_set(t->own_pgrp);
    t->active = 0;
}

int cli_tty_needs_polling(cli_tty *t, cimjob_job *job)
{
    if (!t->active || t->suspended)
        return 0;
    if (t->containment == 0) {
        cimjob_info info = CIMJOB_INFO_INIT;
        if (cimjob_query(job, &info) != CIMJOB_RC_SUCCESS)
            return 0;
        t->containment = (int)info.containment;
    }
    /* Only where the main process is not our own child (its stops send us no SIGCHLD). */
    return t->containment == CIMJOB_CONTAINMENT_SUBREAPER;
}

int cli_tty_poll_stopped(const cli_tty *t)
{
    /* The group leader is the job's main process (the library's setpgid at spawn). */
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", t->job_pgrp);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')'); /* the name may hold anything: state follows the last ) */
    return rp && rp[1] == ' ' && rp[2] == 'T';
}

int cli_tty_is_stop(const cli_sigmsg *m)
{
    return m->signo == SIGCHLD && m->code == CLD_STOPPED;
}

void cli_tty_stopped(cli_tty *t, cimjob_job *job)
{
    if (!t->active)
        return; /* not at a terminal: a stop is the job's own business, as for timeout(1) */
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    (void)cimjob_request_state_change_ex(job, CIMJOB_REQUEST_SUSPEND, &ro);
    t->suspended = 1;
    (void)tty_set(t->own_pgrp);
    /* Stop our group the way Ctrl-Z would have: default SIGTSTP for the moment. */
    struct sigaction dfl, old;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTSTP, &dfl, &old);
    sigset_t unblock, prev;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIGTSTP);
    sigprocmask(SIG_UNBLOCK, &unblock, &prev);
    (void)kill(0, SIGTSTP); /* returns once we are continued (or at once if orphaned) */
    sigprocmask(SIG_SETMASK, &prev, NULL);
    sigaction(SIGTSTP, &old, NULL);
    cli_tty_continue(t, job);
}

void cli_tty_continue(cli_tty *t, cimjob_job *job)
{
    if (!t->suspended)
        return;
    t->suspended = 0;
    /* `fg` leaves our group in the foreground: pass it on. `bg` does not: stay put. */
    if (tcgetpgrp(0) == t->own_pgrp)
        (void)tty_set(t->job_pgrp);
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    (void)cimjob_request_state_change_ex(job, CIMJOB_REQUEST_START, &ro);
    (void)cimjob_posix_signal(job, SIGCONT, 0); /* undo the terminal's stop */
}

/* `cimjob run ... &` then `fg`: the job, in a group of its own, was stopped by SIGTTIN or
 * SIGTTOU while we were in the background. Once our group has the terminal (the shell's fg
 * gives it without a signal when we were not stopped ourselves: the loop looks a few times a
 * second), pass it on to the job and let it run, as a shell's fg would. */
void cli_tty_background_stop(cli_tty *t, cimjob_job *job, const cli_sigmsg *m)
{
    if (t->active || (m->status != SIGTTIN && m->status != SIGTTOU))
        return;
    t->pending_pid = m->pid; /* our own unreaped child: its PID and group are the job's */
    cli_tty_adopt(t, job);
}

void cli_tty_adopt(cli_tty *t, cimjob_job *job)
{
    if (t->active || t->pending_pid <= 0 || !isatty(0) || tcgetpgrp(0) != getpgrp())
        return; /* nothing waits for the terminal, or we are still in the background */
    pid_t pg = getpgid(t->pending_pid);
    t->pending_pid = 0;
    if (pg <= 0 || pg == getpgrp())
        return;
    t->own_pgrp = getpgrp();
    t->job_pgrp = pg;
    if (tty_set(pg) != 0)
        return;
    t->active = 1;
    (void)cimjob_posix_signal(job, SIGCONT, 0);
}
