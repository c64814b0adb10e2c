/*
 * /proc walking without allocation or stdio, so the helper process (a fork of a possibly
 * multithreaded host) can use it: only open, read, getdents64 and close.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "posix.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/syscall.h>
#endif

static int px_parse_int(const char *s, const char **end)
{
    int neg = 0;
    long v = 0;
    while (*s == ' ') {
        s++;
    }
    if (*s == '-') {
        neg = 1;
        s++;
    }
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s - '0');
        if (v > 0x7fffffffL) {
            v = 0x7fffffffL;
        }
        s++;
    }
    *end = s;
    return (int)(neg ? -v : v);
}

int cimjob__posix_proc_stat(int pid, struct cimjob__posix_proc *out)
{
    char path[40] = "/proc/";
    size_t n = strlen(path);
    n += cimjob__posix_utoa((unsigned long)pid, path + n);
    memcpy(path + n, "/stat", 6);
    char buf[512];
    if (cimjob__posix_read_small(AT_FDCWD, path, buf, sizeof buf) < 0) {
        return -1;
    }
    /* "pid (comm) S ppid pgrp ...": comm may hold spaces and parentheses, so take the last ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL || p[1] != ' ' || p[2] == '\0') {
        return -1;
    }
    out->pid = pid;
    out->state = p[2];
    out->mark = 0;
    const char *q = p + 3;
    out->ppid = px_parse_int(q, &q);
    out->pgrp = px_parse_int(q, &q);
    return 0;
}

unsigned long long cimjob__posix_proc_start_time(int pid)
{
    char path[40] = "/proc/";
    size_t n = strlen(path);
    n += cimjob__posix_utoa((unsigned long)pid, path + n);
    memcpy(path + n, "/stat", 6);
    char buf[1024];
    if (cimjob__posix_read_small(AT_FDCWD, path, buf, sizeof buf) < 0) {
        return 0;
    }
    const char *p = strrchr(buf, ')');
    if (p == NULL) {
        return 0;
    }
    /* After "(comm)": state is field 3, starttime field 22. */
    int field = 2;
    for (; *p != '\0'; p++) {
        if (*p == ' ' && ++field == 22) {
            unsigned long long v = 0;
            for (p++; *p >= '0' && *p <= '9'; p++) {
                v = v * 10 + (unsigned long long)(*p - '0');
            }
            return v;
        }
    }
    return 0;
}

/* Call fn for every numeric entry of /proc, until it answers non-zero. 0, or -1 with errno when
 * /proc cannot be listed (ENOSYS off Linux). */
static int px_each_pid(int (*fn)(int pid, void *ctx), void *ctx)
{
#if defined(__linux__) && defined(SYS_getdents64)
    int dfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        return -1;
    }
    _Alignas(8) char buf[8192];
    for (;;) {
        long got = syscall(SYS_getdents64, dfd, buf, sizeof buf);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            break;
        }
        for (long off = 0; off < got;) {
            /* struct linux_dirent64: ino 8, off 8, reclen 2, type 1, name. */
            unsigned short reclen;
            memcpy(&reclen, buf + off + 16, sizeof reclen);
            const char *name = buf + off + 19;
            off += reclen;
            if (name[0] < '1' || name[0] > '9') {
                continue;
            }
            const char *end;
            int pid = px_parse_int(name, &end);
            if (*end == '\0' && fn(pid, ctx) != 0) {
                close(dfd);
                return 0;
            }
        }
    }
    close(dfd);
    return 0;
#else
    (void)fn;
    (void)ctx;
    errno = ENOSYS;
    return -1;
#endif
}

struct px_pgids_ctx {
    int (*pairs)[2];
    size_t cap;
    long total;
};

static int px_pgids_one(int pid, void *ctx)
{
    struct px_pgids_ctx *c = ctx;
    int pgid = getpgid(pid);
    if (pgid > 0) {
        if ((size_t)c->total < c->cap) {
            c->pairs[c->total][0] = pid;
            c->pairs[c->total][1] = pgid;
        }
        c->total++;
    }
    return 0;
}

long cimjob__posix_proc_pgids(int (*pairs)[2], size_t cap)
{
    struct px_pgids_ctx c = {pairs, cap, 0};
    return px_each_pid(px_pgids_one, &c) < 0 ? -1 : c.total;
}

struct px_walk_ctx {
    int pgid;
    int (*fn)(const struct cimjob__posix_proc *p, void *ctx);
    void *ctx;
    long total;
};

static int px_walk_one(int pid, void *ctx)
{
    struct px_walk_ctx *w = ctx;
    if (w->pgid > 0 && getpgid(pid) != w->pgid) {
        return 0; /* another group's, or gone */
    }
    struct cimjob__posix_proc p;
    if (cimjob__posix_proc_stat(pid, &p) != 0 || (w->pgid > 0 && p.pgrp != w->pgid)) {
        return 0; /* gone since the listing, or left the group meanwhile */
    }
    w->total++;
    return w->fn(&p, w->ctx);
}

/* Every process in /proc, or (pgid > 0) only the members of that process group: getpgid()
 * is one cheap system call, /proc/<pid>/stat three costlier ones, so a group's walk reads the
 * stat of its members only. */
static long px_proc_walk(int pgid, int (*fn)(const struct cimjob__posix_proc *p, void *ctx),
                         void *ctx)
{
    struct px_walk_ctx w = {pgid, fn, ctx, 0};
    return px_each_pid(px_walk_one, &w) < 0 ? -1 : w.total;
}

long cimjob__posix_proc_each(int (*fn)(const struct cimjob__posix_proc *p, void *ctx), void *ctx)
{
    return px_proc_walk(0, fn, ctx);
}

long cimjob__posix_proc_each_in_pgrp(int pgid,
                                     int (*fn)(const struct cimjob__posix_proc *p, void *ctx),
                                     void *ctx)
{
    return px_proc_walk(pgid, fn, ctx);
}

struct px_scan_ctx {
    struct cimjob__posix_proc *tab;
    size_t cap;
    size_t n;
};

static int px_scan_one(const struct cimjob__posix_proc *p, void *ctx)
{
    struct px_scan_ctx *c = ctx;
    if (c->n < c->cap) {
        c->tab[c->n++] = *p;
    }
    return 0;
}

long cimjob__posix_proc_scan(struct cimjob__posix_proc *tab, size_t cap)
{
    struct px_scan_ctx c = {tab, cap, 0};
    return cimjob__posix_proc_each(px_scan_one, &c);
}

static long px_find(const struct cimjob__posix_proc *tab, size_t n, int pid)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tab[mid].pid < pid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (lo < n && tab[lo].pid == pid) ? (long)lo : -1;
}

size_t cimjob__posix_proc_mark_descendants(struct cimjob__posix_proc *tab, size_t n, int root)
{
    /* /proc lists pids in increasing order, so this insertion sort is linear in practice. */
    for (size_t i = 1; i < n; i++) {
        struct cimjob__posix_proc t = tab[i];
        size_t j = i;
        while (j > 0 && tab[j - 1].pid > t.pid) {
            tab[j] = tab[j - 1];
            j--;
        }
        tab[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        tab[i].mark = 0;
    }
    /* Repeated passes, each marking the children of what is marked: the helper cannot
     * allocate a child index, and trees are rarely deep. */
    size_t marked = 0;
    int changed = 1;
    while (changed) {
        changed = 0;
        for (size_t i = 0; i < n; i++) {
            if (tab[i].mark || tab[i].pid == root) {
                continue;
            }
            int parent_marked = tab[i].ppid == root;
            if (!parent_marked) {
                long j = px_find(tab, n, tab[i].ppid);
                parent_marked = j >= 0 && tab[j].mark;
            }
            if (parent_marked) {
                tab[i].mark = 1;
                marked++;
                changed = 1;
            }
        }
    }
    return marked;
}
