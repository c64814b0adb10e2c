/*
 * Signals as messages: a handler writes what it got (signal, si_code, sender or child, status)
 * to a pipe that the event loop polls, so all the work happens in the loop.
 *
 * The pipe is placed at descriptor 3 or above, close-on-exec: with 0, 1 or 2 closed when cimjob
 * starts, it must not become a standard stream of the job (a plain pipe() would take the lowest
 * free descriptor).
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig, siginfo_t *si, void *uctx)
{
    (void)uctx;
    int saved = errno;
    cli_sigmsg m = {sig, si ? si->si_code : 0, si ? (int)si->si_pid : 0, si ? si->si_status : 0};
    ssize_t n = write(sig_pipe[1], &m, sizeof m); /* atomic (< PIPE_BUF); full: dropped */
    (void)n;
    errno = saved;
}

static int lift(int fd)
{
    int h = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    if (h >= 0)
        (void)fcntl(h, F_SETFL, O_NONBLOCK);
    return h;
}

int cli_sig_open(void)
{
    int p[2];
    if (sig_pipe[0] >= 0)
        return sig_pipe[0];
    if (pipe(p) != 0)
        return -1;
    sig_pipe[0] = lift(p[0]);
    sig_pipe[1] = lift(p[1]);
    if (sig_pipe[0] < 0 || sig_pipe[1] < 0)
        return -1;
    return sig_pipe[0];
}

int cli_sig_catch(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_SIGINFO;
    sa.sa_sigaction = on_signal;
    return sigaction(sig, &sa, NULL);
}

int cli_sig_read(cli_sigmsg *m)
{
    ssize_t n;
    do {
        n = read(sig_pipe[0], m, sizeof *m);
    } while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof *m;
}

void cli_sig_set(int sig, void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = handler;
    (void)sigaction(sig, &sa, NULL);
}

void cli_sig_unblock(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    (void)sigprocmask(SIG_UNBLOCK, &s, NULL);
}
