/*
 * What the process-level suites (faults, soak, stress) ask of /proc after a run: this
 * process's open descriptors, live processes whose environment carries a run's tag, and job
 * cgroups (cimjob-<pid>-<n>) of this process left in the cgroup v2 tree. Linux only.
 */
#ifndef CIMJOB_TESTS_PROCSCAN_H
#define CIMJOB_TESTS_PROCSCAN_H

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Open descriptors of this process, not counting the one that reads the directory. */
static inline long procscan_count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    long n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1;
}

/* Live processes whose environment holds the entry @p tag ("NAME=value"). With @p who, each
 * one is reported on stderr as "<who>: left running: pid N: cmdline". -1 if /proc is unreadable. */
static inline int procscan_tagged(const char *tag, const char *who)
{
    DIR *d = opendir("/proc");
    if (d == NULL)
        return -1;
    int n = 0;
    size_t taglen = strlen(tag);
    static char buf[1 << 16];
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] < '1' || de->d_name[0] > '9')
            continue;
        char p[300];
        snprintf(p, sizeof p, "/proc/%s/environ", de->d_name);
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t len = read(fd, buf, sizeof buf);
        close(fd);
        for (ssize_t off = 0; len > 0 && off < len;) {
            size_t l = strnlen(buf + off, (size_t)(len - off));
            if (l == taglen && memcmp(buf + off, tag, taglen) == 0) {
                n++;
                if (who) {
                    char c[256] = "";
                    snprintf(p, sizeof p, "/proc/%s/cmdline", de->d_name);
                    fd = open(p, O_RDONLY | O_CLOEXEC);
                    if (fd >= 0) {
                        ssize_t k = read(fd, c, sizeof c - 1);
                        close(fd);
                        for (ssize_t x = 0; x < k; x++)
                            if (c[x] == '\0')
                                c[x] = ' ';
                    }
                    fprintf(stderr, "%s: left running: pid %s: %s\n", who, de->d_name, c);
                }
                break;
            }
            off += (ssize_t)l + 1;
        }
    }
    closedir(d);
    return n;
}

/* This process's cgroup v2 directory (where the library makes its job cgroups). */
static inline int procscan_own_cgroup(char *out, size_t size)
{
    char mnt[PATH_MAX] = "", rel[PATH_MAX] = "/", line[4096];
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strstr(line, " - cgroup2 ") && sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1)
            break;
    fclose(f);
    if ((f = fopen("/proc/self/cgroup", "re")) != NULL) {
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "0::", 3) == 0) {
                line[strcspn(line, "\n")] = '\0';
                snprintf(rel, sizeof rel, "%s", line + 3);
            }
        fclose(f);
    }
    if (mnt[0] == '\0')
        return -1;
    if (snprintf(out, size, "%s%s", mnt, strcmp(rel, "/") == 0 ? "" : rel) >= (int)size)
        return -1;
    return 0;
}

/* Job cgroups of this process still in the tree, each reported on stderr as "<who>: ...". */
static inline int procscan_job_cgroups_left(const char *who)
{
    char cg[2 * PATH_MAX + 8], prefix[64];
    if (procscan_own_cgroup(cg, sizeof cg) != 0)
        return 0;
    snprintf(prefix, sizeof prefix, "cimjob-%d-", (int)getpid());
    DIR *d = opendir(cg);
    if (d == NULL)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) {
            fprintf(stderr, "%s: job cgroup left: %s/%s\n", who, cg, de->d_name);
            n++;
        }
    closedir(d);
    return n;
}

#endif
