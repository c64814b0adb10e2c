/*
 * cimjob-bench-helper: the processes cimjob-bench starts, small and without dependencies so
 * that exec costs the same for the library and its baselines.
 *
 *   cimjob-bench-helper tree N   fork N-1 children; every process of the tree writes one byte
 *                                to stdout once it runs, then sleeps until a signal ends it
 *   cimjob-bench-helper exit     wait for one byte on stdin, write CLOCK_MONOTONIC (ns, 8
 *                                bytes) to stdout, exit 0: the moment of exit for exit_latency
 *   cimjob-bench-helper sleep    sleep until a signal ends it
 *
 * Every process dies with its parent (PR_SET_PDEATHSIG) and after ten minutes at most
 * (alarm), so a benchmark that crashes leaves nothing behind for long.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define HELPER_LIFETIME_S 600

static void guard(pid_t parent)
{
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
        _exit(0); /* the parent died before the guard was in place */
    }
    alarm(HELPER_LIFETIME_S);
}

static void write_byte(char c)
{
    ssize_t r;
    do {
        r = write(1, &c, 1);
    } while (r < 0 && errno == EINTR);
}

static void sleep_forever(void)
{
    for (;;) {
        pause();
    }
}

int main(int argc, char **argv)
{
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) {
        return 0; /* orphaned before the guard was in place */
    }
    alarm(HELPER_LIFETIME_S);
    if (argc >= 3 && strcmp(argv[1], "tree") == 0) {
        long n = strtol(argv[2], NULL, 10);
        for (long i = 1; i < n; i++) {
            pid_t parent = getpid();
            pid_t pid = fork();
            if (pid == 0) {
                guard(parent);
                write_byte('c');
                sleep_forever();
            }
            if (pid < 0) {
                return 1;
            }
        }
        write_byte('m');
        sleep_forever();
    }
    if (argc >= 2 && strcmp(argv[1], "exit") == 0) {
        char c;
        ssize_t r;
        do {
            r = read(0, &c, 1);
        } while (r < 0 && errno == EINTR);
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
        (void)!write(1, &ns, sizeof ns);
        _exit(0);
    }
    if (argc >= 2 && strcmp(argv[1], "sleep") == 0) {
        sleep_forever();
    }
    return 2;
}
