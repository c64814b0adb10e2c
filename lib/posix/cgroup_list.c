/*
 * The live processes of the machine, with their process groups, listed through the cgroup v2
 * tree instead of /proc: every process is in exactly one cgroup, cgroup.procs lists only
 * processes that still have a live thread (an exited process waiting to be reaped is not
 * listed), and reading it creates no /proc dentry per process. For the process-group
 * containment this is "which members are still running?" at one read per cgroup and one
 * getpgid() per live process, where listing /proc costs a dentry per process (zombies
 * included) and then a look at each member.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "posix.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct px_pgids_out {
    int (*pairs)[2];
    size_t cap;
    long total;
};

/* How many cgroups the last complete listing read (0: none yet). */
static atomic_long px_cgroups_seen;

long cimjob__posix_cgroup_tree_size(void)
{
    return atomic_load(&px_cgroups_seen);
}

static void px_pgids_add(struct px_pgids_out *o, int pid)
{
    int pgid = pid > 0 ? getpgid(pid) : -1; /* 0: a process outside our PID namespace */
    if (pgid <= 0) {
        return; /* or gone since */
    }
    if ((size_t)o->total < o->cap) {
        o->pairs[o->total][0] = pid;
        o->pairs[o->total][1] = pgid;
    }
    o->total++;
}

/* The processes of the cgroup open as @p dirfd. 0, or -1 with errno. */
static int px_cgroup_procs(int dirfd, struct px_pgids_out *o)
{
    int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT ? 0 : -1; /* removed since it was listed: it was empty */
    }
    char buf[4096];
    size_t have = 0;
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof buf - have);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            int e = errno;
            close(fd);
            /* A threaded cgroup: its processes are listed by its threaded domain. */
            errno = e;
            return e == EOPNOTSUPP || e == ENODEV ? 0 : -1;
        }
        have += (size_t)r;
        size_t start = 0;
        for (size_t i = 0; i < have; i++) {
            if (buf[i] != '\n') {
                continue;
            }
            int pid = 0;
            for (size_t k = start; k < i && buf[k] >= '0' && buf[k] <= '9'; k++) {
                pid = pid * 10 + (buf[k] - '0');
            }
            px_pgids_add(o, pid);
            start = i + 1;
        }
        memmove(buf, buf + start, have - start);
        have -= start;
        if (r == 0 || have == sizeof buf) {
            break; /* the end (a line is at most a number) */
        }
    }
    close(fd);
    return 0;
}

/* (pid, pgid) of the processes of the cgroup open as @p fd (taken: closed here) and, with
 * @p subtree, of every cgroup below it. The total, or -1 (errno) when some cgroup could not be
 * read; *dirs_out: how many cgroups were read. */
static long px_pgids_walk(int fd, int subtree, int (*pairs)[2], size_t cap, long *dirs_out)
{
    struct px_pgids_out o = {pairs, cap, 0};
    DIR *root = fd >= 0 ? fdopendir(fd) : NULL;
    if (root == NULL) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    /* Depth first, one open directory per level. */
    size_t n = 0, scap = 16;
    long dirs = 1;
    DIR **st = cimjob__malloc(scap * sizeof *st);
    int ok = st != NULL && px_cgroup_procs(dirfd(root), &o) == 0;
    if (ok) {
        st[n++] = root;
    } else {
        closedir(root);
    }
    while (ok && subtree && n > 0) {
        errno = 0;
        struct dirent *de = readdir(st[n - 1]);
        if (de == NULL) {
            ok = errno == 0;
            closedir(st[--n]);
            continue;
        }
        if (de->d_type != DT_DIR || de->d_name[0] == '.') {
            continue;
        }
        int sub = openat(dirfd(st[n - 1]), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sub < 0) {
            ok = errno == ENOENT; /* removed meanwhile: it was empty */
            continue;
        }
        DIR *d = fdopendir(sub);
        if (d == NULL) {
            close(sub);
            ok = 0;
            continue;
        }
        dirs++;
        if (px_cgroup_procs(sub, &o) != 0) {
            closedir(d);
            ok = 0;
            continue;
        }
        if (n == scap) {
            DIR **g = cimjob__realloc(st, 2 * scap * sizeof *st);
            if (g == NULL) {
                closedir(d);
                ok = 0;
                continue;
            }
            st = g;
            scap *= 2;
        }
        st[n++] = d;
    }
    while (n > 0) {
        closedir(st[--n]);
    }
    cimjob__free(st);
    *dirs_out = dirs;
    return ok ? o.total : -1;
}

long cimjob__posix_cgroup_pgids(const char *mnt, int (*pairs)[2], size_t cap)
{
    long dirs = 0;
    long n = px_pgids_walk(open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC), 1, pairs, cap, &dirs);
    if (n >= 0) {
        atomic_store(&px_cgroups_seen, dirs);
    }
    return n;
}

long cimjob__posix_cgroup_pgids_at(int dirfd, int subtree, int (*pairs)[2], size_t cap)
{
    if (!subtree) {
        struct px_pgids_out o = {pairs, cap, 0};
        return px_cgroup_procs(dirfd, &o) == 0 ? o.total : -1;
    }
    long dirs = 0;
    return px_pgids_walk(openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), 1, pairs, cap,
                         &dirs);
}

long cimjob__posix_cgroup_descendants(int dirfd)
{
    char buf[512];
    if (cimjob__posix_read_small(dirfd, "cgroup.stat", buf, sizeof buf) < 0) {
        return -1;
    }
    const char *k = strstr(buf, "nr_descendants ");
    if (k == NULL || (k != buf && k[-1] != '\n')) {
        return -1;
    }
    return strtol(k + 15, NULL, 10);
}
