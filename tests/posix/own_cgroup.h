/*
 * For the posix tests: the cgroup v2 directory this process is in (the cgroup2 mount from
 * /proc/self/mountinfo, the "0::" line of /proc/self/cgroup), where the library makes its job
 * cgroups unless told otherwise.
 */
#ifndef CIMJOB_TEST_OWN_CGROUP_H
#define CIMJOB_TEST_OWN_CGROUP_H

#include <stdio.h>
#include <string.h>

/* This process's cgroup v2 directory into out, 0; or -1. */
static int own_cgroup_dir(char *out, size_t size)
{
    char mnt[1024] = "", line[4096], own[2048] = "";
    FILE *f = fopen("/proc/self/mountinfo", "re");
    while (f && fgets(line, sizeof line, f)) {
        char m[1024], fstype[64];
        /* ... mount-point ... - fstype source options */
        const char *dash = strstr(line, " - ");
        if (dash && sscanf(dash + 3, "%63s", fstype) == 1 && strcmp(fstype, "cgroup2") == 0 &&
            sscanf(line, "%*s %*s %*s %*s %1023s", m) == 1) {
            snprintf(mnt, sizeof mnt, "%s", m);
            break;
        }
    }
    if (f)
        fclose(f);
    f = fopen("/proc/self/cgroup", "re");
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "0::", 3) == 0) {
            line[strcspn(line, "\n")] = '\0';
            if (strlen(line + 3) < sizeof own)
                memcpy(own, line + 3, strlen(line + 3) + 1);
        }
    }
    if (f)
        fclose(f);
    if (!mnt[0] || !own[0])
        return -1;
    snprintf(out, size, "%s%s", mnt, strcmp(own, "/") == 0 ? "" : own);
    return 0;
}

#endif
