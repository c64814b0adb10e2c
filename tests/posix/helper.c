/*
 * A small program the posix suite runs as a job's main process:
 *   fds             print the open descriptors, blocked and ignored signals, and whether the
 *                   process leads its own process group, then exit 0
 *   exit N          exit with status N
 *   segv            die of SIGSEGV
 *   sleep SEC       sleep
 *   daemon          daemon(0, 0) (double fork + setsid), the daemon sleeps 1000 s; exit 0
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int print_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL) {
        perror("opendir");
        return 1;
    }
    int self = dirfd(d);
    int fds[256];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < 256) {
        if (de->d_name[0] == '.') {
            continue;
        }
        int fd = atoi(de->d_name);
        if (fd != self) {
            fds[n++] = fd;
        }
    }
    closedir(d);
    /* Sorted output makes the expected string stable. */
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
            int t = fds[j];
            fds[j] = fds[j - 1];
            fds[j - 1] = t;
        }
    }
    char blk[64] = "?", ign[64] = "?";
    FILE *f = fopen("/proc/self/status", "r");
    if (f != NULL) {
        char line[256];
        while (fgets(line, sizeof line, f) != NULL) {
            if (strncmp(line, "SigBlk:", 7) == 0) {
                sscanf(line + 7, "%63s", blk);
            } else if (strncmp(line, "SigIgn:", 7) == 0) {
                sscanf(line + 7, "%63s", ign);
            }
        }
        fclose(f);
    }
    printf("fds=");
    for (int i = 0; i < n; i++) {
        printf(i ? ",%d" : "%d", fds[i]);
    }
    printf(" sigblk=%s sigign=%s pgrp_leader=%d\n", blk, ign, getpgrp() == getpid());
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s fds|exit N|segv|sleep SEC|daemon\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1];
    if (strcmp(mode, "fds") == 0) {
        return print_fds();
    }
    if (strcmp(mode, "exit") == 0 && argc > 2) {
        return atoi(argv[2]);
    }
    if (strcmp(mode, "segv") == 0) {
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
        return 1;
    }
    if (strcmp(mode, "sleep") == 0 && argc > 2) {
        sleep((unsigned)atoi(argv[2]));
        return 0;
    }
    if (strcmp(mode, "daemon") == 0) {
        if (daemon(0, 0) != 0) {
            return 1;
        }
        sleep(1000);
        return 0;
    }
    fprintf(stderr, "%s: unknown mode %s\n", argv[0], mode);
    return 2;
}
