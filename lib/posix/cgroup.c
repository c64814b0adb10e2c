/*
 * Per-job cgroup v2: find where to create it, create it, kill/freeze it through its interface
 * files, read cgroup.events, signal each member, and remove it.
 *
 * The cgroup2 mount comes from /proc/self/mountinfo (it is /sys/fs/cgroup on a unified system
 * and often /sys/fs/cgroup/unified on a hybrid one) and the host's own cgroup from the "0::"
 * line of /proc/self/cgroup. Only core cgroup files are used (cgroup.kill needs Linux 5.14,
 * cgroup.freeze 5.2), so no controller has to be enabled or delegated.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "posix.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void px_unescape(char *s)
{
    char *o = s;
    while (*s) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 4;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
}

/* The cgroup2 mount point and the mount's root within the hierarchy. */
static int px_cgroup2_mount(char *mnt, size_t msize, char *root, size_t rsize)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (f == NULL) {
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int found = -1;
    while (getline(&line, &cap, f) > 0) {
        /* id parent major:minor root mountpoint options [optional...] - fstype source ... */
        char *sep = strstr(line, " - ");
        if (sep == NULL || strncmp(sep + 3, "cgroup2 ", 8) != 0) {
            continue;
        }
        char *save = NULL;
        char *tok = strtok_r(line, " ", &save);
        for (int i = 0; i < 3 && tok != NULL; i++) {
            tok = strtok_r(NULL, " ", &save);
        }
        char *r = tok;
        char *m = strtok_r(NULL, " ", &save);
        if (r == NULL || m == NULL) {
            continue;
        }
        px_unescape(r);
        px_unescape(m);
        if (strlen(m) >= msize || strlen(r) >= rsize) {
            continue;
        }
        strcpy(mnt, m);
        strcpy(root, r);
        found = 0;
        break;
    }
    free(line);
    fclose(f);
    if (found != 0) {
        errno = ENOENT;
    }
    return found;
}

/* A process's cgroup v2 path ("0::/a/b" in /proc/<pid>/cgroup; pid 0: the caller's own). */
static int px_proc_cgroup(int pid, char *buf, size_t size)
{
    char path[64];
    if (pid == 0) {
        snprintf(path, sizeof path, "/proc/self/cgroup");
    } else {
        snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
    }
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int found = -1;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (strncmp(line, "0::", 3) != 0) {
            continue;
        }
        if (line[len - 1] == '\n') {
            line[len - 1] = '\0';
        }
        if (strlen(line + 3) < size) {
            strcpy(buf, line + 3);
            found = 0;
        }
        break;
    }
    free(line);
    fclose(f);
    if (found != 0) {
        errno = ENOENT;
    }
    return found;
}

/* The directory of cgroup @p own (a path in the hierarchy) under mount @p mnt, whose root in the
 * hierarchy is @p root. 0, or -1 with errno (ENOENT: not visible through that mount). */
static int px_cgroup_dir(const char *mnt, const char *root, const char *own, char *buf, size_t size)
{
    /* The path is relative to the hierarchy; the mount shows it from `root`. */
    const char *rel = own;
    size_t rl = strlen(root);
    if (strcmp(root, "/") != 0) {
        if (strncmp(own, root, rl) != 0 || (own[rl] != '\0' && own[rl] != '/')) {
            errno = ENOENT;
            return -1;
        }
        rel = own + rl;
    }
    if (strcmp(rel, "/") == 0) {
        rel = "";
    }
    int n = snprintf(buf, size, "%s%s", mnt, rel);
    if (n < 0 || (size_t)n >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int cimjob__posix_cgroup_parent(const char *override, char *buf, size_t size)
{
    if (override != NULL) {
        if (strlen(override) >= size) {
            errno = ENAMETOOLONG;
            return -1;
        }
        strcpy(buf, override);
    } else {
        char mnt[PATH_MAX], root[PATH_MAX], own[PATH_MAX];
        if (px_cgroup2_mount(mnt, sizeof mnt, root, sizeof root) != 0 ||
            px_proc_cgroup(0, own, sizeof own) != 0 ||
            px_cgroup_dir(mnt, root, own, buf, size) != 0) {
            return -1;
        }
    }
    char probe[PATH_MAX];
    int n = snprintf(probe, sizeof probe, "%s/cgroup.procs", buf);
    if (n < 0 || (size_t)n >= sizeof probe || access(probe, F_OK) != 0) {
        errno = ENOENT;
        return -1;
    }
    return 0;
}

int cimjob__posix_cgroup2_mount(char *buf, size_t size)
{
    char root[PATH_MAX], own[PATH_MAX];
    if (cimjob__posix_cgroup_parent(NULL, own, sizeof own) != 0 ||
        px_cgroup2_mount(buf, size, root, sizeof root) != 0) {
        return -1;
    }
    return 0;
}

/* The cgroup2 mount and its root, read once per process (for cimjob__posix_cgroup_open_of, on
 * the path of a Kill: mountinfo is long on a busy machine). */
static pthread_once_t px_mount_once = PTHREAD_ONCE_INIT;
static char px_mount_dir[PATH_MAX], px_mount_root[PATH_MAX];

static void px_mount_find(void)
{
    if (px_cgroup2_mount(px_mount_dir, sizeof px_mount_dir, px_mount_root, sizeof px_mount_root) !=
        0) {
        px_mount_dir[0] = '\0';
    }
}

int cimjob__posix_cgroup_open_of(int pid)
{
    (void)pthread_once(&px_mount_once, px_mount_find);
    char own[PATH_MAX], dir[PATH_MAX];
    if (px_mount_dir[0] == '\0') {
        errno = ENOENT;
        return -1;
    }
    if (px_proc_cgroup(pid, own, sizeof own) != 0 ||
        px_cgroup_dir(px_mount_dir, px_mount_root, own, dir, sizeof dir) != 0) {
        return -1;
    }
    return px_high(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

static atomic_uint px_cgroup_seq;

int cimjob__posix_cgroup_mkdir(const char *parent, long pid, unsigned long long start,
                               unsigned int *seq_out, int check_kill)
{
    char path[PATH_MAX];
    for (int tries = 0; tries < 1000; tries++) {
        unsigned int seq = atomic_fetch_add(&px_cgroup_seq, 1);
        int n = snprintf(path, sizeof path, "%s/cimjob-%ld-%llu-%u", parent, pid, start, seq);
        if (n < 0 || (size_t)n >= sizeof path - sizeof "/cgroup.kill") {
            errno = ENAMETOOLONG;
            return -1;
        }
        if (mkdir(path, 0755) == 0) {
            if (check_kill) {
                memcpy(path + n, "/cgroup.kill", sizeof "/cgroup.kill");
                if (access(path, F_OK) != 0) {
                    path[n] = '\0';
                    rmdir(path);
                    errno = ENOSYS; /* kernel older than 5.14: no atomic kill */
                    return -1;
                }
            }
            *seq_out = seq;
            return 0;
        }
        if (errno != EEXIST) {
            return -1;
        }
        /* A leftover of an earlier process with our PID: try the next number. */
    }
    errno = EEXIST;
    return -1;
}

void cimjob__posix_cgroup_sweep(const char *parent)
{
    DIR *d = opendir(parent);
    if (d == NULL) {
        return;
    }
    struct dirent *de;
    unsigned long long own_start = cimjob__posix_proc_start_time((int)getpid());
    while ((de = readdir(d)) != NULL) {
        long pid;
        unsigned long long start;
        unsigned int seq;
        char tail;
        if (de->d_type != DT_DIR || strncmp(de->d_name, "cimjob-", 7) != 0) {
            continue;
        }
        int fields = sscanf(de->d_name + 7, "%ld-%llu-%u%c", &pid, &start, &seq, &tail);
        if (fields != 3) {
            /* The older name, cimjob-<pid>-<seq>: the PID is all there is to go by. */
            if (sscanf(de->d_name + 7, "%ld-%u%c", &pid, &seq, &tail) != 2) {
                continue;
            }
            start = 0;
        }
        if (pid <= 0 || pid > INT_MAX) {
            continue;
        }
        if (pid == (long)getpid() && (start == 0 || start == own_start)) {
            continue; /* this process's (another registry's) */
        }
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) {
            /* A process has that PID: its maker, unless the start time says otherwise (the
             * maker ran in another PID namespace, or died and the PID was reused). */
            if (start == 0 || cimjob__posix_proc_start_time((int)pid) == start) {
                continue;
            }
        }
        /* The PID and start time are those of the maker's PID namespace: a maker alive in
         * another one (a container next to ours) looks dead from here. A live maker holds a
         * shared lock on its cgroup's cgroup.events (cimjob__posix_cgroup_hold), and a dead
         * one holds nothing: remove it only under the exclusive lock. */
        char path[PATH_MAX], events[NAME_MAX + sizeof "/cgroup.events"];
        if (snprintf(path, sizeof path, "%s/%s", parent, de->d_name) >= (int)sizeof path) {
            continue;
        }
        snprintf(events, sizeof events, "%s/cgroup.events", de->d_name);
        int fd = openat(dirfd(d), events, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK) {
            (void)rmdir(path); /* the kernel refuses unless it is empty, with nothing below */
        }
        close(fd);
    }
    closedir(d);
}

int cimjob__posix_cgroup_hold(int events_fd)
{
    /* A sweep holds the exclusive lock while it removes: once we have the shared one, the
     * cgroup is still there (cgroup.events readable) or was removed before (ENODEV). (A file
     * system without flock: the sweep cannot take the lock either and judges as before.) */
    if (flock(events_fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
        return -1;
    }
    return cimjob__posix_cgroup_events(events_fd, NULL, NULL);
}

int cimjob__posix_cgroup_write(int dirfd, const char *file, const char *val)
{
    int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    size_t len = strlen(val);
    ssize_t r = write(fd, val, len);
    int e = errno;
    close(fd);
    if (r != (ssize_t)len) {
        errno = r < 0 ? e : EIO;
        return -1;
    }
    return 0;
}

int cimjob__posix_cgroup_event(int events_fd, const char *key)
{
    /* Async-signal-safe (the helper uses it). Reading also re-arms the POLLPRI notification. */
    char buf[256];
    ssize_t r = pread(events_fd, buf, sizeof buf - 1, 0);
    if (r <= 0) {
        return -1;
    }
    buf[r] = '\0';
    size_t kl = strlen(key);
    for (char *p = buf; p != NULL && *p;) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
            return p[kl + 1] == '1' ? 1 : 0;
        }
        p = strchr(p, '\n');
        if (p != NULL) {
            p++;
        }
    }
    return -1;
}

int cimjob__posix_cgroup_events(int events_fd, int *populated, int *frozen)
{
    char buf[256];
    ssize_t r = pread(events_fd, buf, sizeof buf - 1, 0);
    if (r <= 0) {
        return -1;
    }
    buf[r] = '\0';
    for (char *p = buf; p != NULL && *p;) {
        if (strncmp(p, "populated ", 10) == 0 && populated != NULL) {
            *populated = p[10] == '1';
        } else if (strncmp(p, "frozen ", 7) == 0 && frozen != NULL) {
            *frozen = p[7] == '1';
        }
        p = strchr(p, '\n');
        if (p != NULL) {
            p++;
        }
    }
    return 0;
}

/* Whether /proc/<pid>/cgroup places the process at or under `rel` (the job's cgroup as the
 * process sees it). */
static int px_in_cgroup(int pid, const char *rel)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
    char buf[4096];
    if (cimjob__posix_read_small(AT_FDCWD, path, buf, sizeof buf) < 0) {
        return 0;
    }
    char *line = strstr(buf, "0::");
    if (line == NULL || (line != buf && line[-1] != '\n')) {
        return 0;
    }
    line += 3;
    char *nl = strchr(line, '\n');
    if (nl != NULL) {
        *nl = '\0';
    }
    size_t rl = strlen(rel);
    return strncmp(line, rel, rl) == 0 && (line[rl] == '\0' || line[rl] == '/');
}

/* Every pid in the cgroup.procs of the cgroup open as dirfd into *out (allocated; NULL when
 * empty). 0, or -1 (errno). */
static int px_read_pids_at(int dirfd, int **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (f == NULL) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
        }
        errno = e;
        return -1;
    }
    int *v = NULL;
    size_t cap = 0;
    int pid;
    while (fscanf(f, "%d", &pid) == 1) {
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            int *nv = cimjob__realloc(v, nc * sizeof *v);
            if (nv == NULL) {
                cimjob__free(v);
                fclose(f);
                *n = 0;
                errno = ENOMEM;
                return -1;
            }
            v = nv;
            cap = nc;
        }
        v[(*n)++] = pid;
    }
    fclose(f);
    *out = v;
    return 0;
}

static int px_cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

#define PX_SIGNAL_BATCH 128

/* Signal the processes of one cgroup directory through pidfds, a batch at a time: open a pidfd
 * for each listed pid, then read cgroup.procs again. A pid still listed after its pidfd was
 * opened names a process of the cgroup: the pidfd's, or (if that one has died and its PID was
 * reused meanwhile) another member, and then the signal through the dead one's pidfd reaches
 * nobody. One read per batch instead of a /proc/<pid>/cgroup read per process. Returns how many
 * were signalled, or -1 (out of memory: the caller checks each process instead). */
static long px_signal_batch(int dirfd, const int *pids, size_t n, int sig, int sig2)
{
    long count = 0;
    for (size_t at = 0; at < n; at += PX_SIGNAL_BATCH) {
        size_t m = n - at < PX_SIGNAL_BATCH ? n - at : PX_SIGNAL_BATCH;
        int fds[PX_SIGNAL_BATCH];
        for (size_t i = 0; i < m; i++) {
            fds[i] = cimjob__posix_pidfd_open(pids[at + i]);
        }
        size_t nn;
        int *now;
        if (px_read_pids_at(dirfd, &now, &nn) != 0 && errno == ENOMEM) {
            for (size_t i = 0; i < m; i++) {
                if (fds[i] >= 0) {
                    close(fds[i]);
                }
            }
            return -1;
        }
        if (nn > 1) {
            qsort(now, nn, sizeof *now, px_cmp_int);
        }
        for (size_t i = 0; i < m; i++) {
            if (fds[i] < 0) {
                continue; /* gone: nothing to signal */
            }
            if (nn > 0 && bsearch(&pids[at + i], now, nn, sizeof *now, px_cmp_int) != NULL &&
                cimjob__posix_pidfd_send_signal(fds[i], sig) == 0) {
                count++;
                if (sig2 != 0) {
                    (void)cimjob__posix_pidfd_send_signal(fds[i], sig2);
                }
            }
            close(fds[i]);
        }
        cimjob__free(now);
    }
    return count;
}

/* ---- walking a job's cgroup tree, at any depth ----------------------------------------------- */

/* One level of the walk: the directory being read, and its name in its parent. */
struct px_walk_frame {
    DIR *dir;
    char *name;
};

/* Visit the cgroup open as rootfd (taken over) and every cgroup below it, whatever the depth:
 * pre(fd) for a cgroup before those below it, post(parent_fd, name) after them (its own
 * directory closed by then). Iterative, one descriptor per level being read, no path longer
 * than a name. Returns 0, or -1 when the root could not be read. */
static int px_cg_walk(int rootfd, void (*pre)(int fd, void *ctx),
                      void (*post)(int parent_fd, const char *name, void *ctx), void *ctx)
{
    DIR *root = fdopendir(rootfd);
    if (root == NULL) {
        close(rootfd);
        return -1;
    }
    if (pre != NULL) {
        pre(dirfd(root), ctx);
    }
    struct px_walk_frame *st = cimjob__malloc(16 * sizeof *st);
    size_t n = 0, cap = 16;
    if (st == NULL) {
        closedir(root);
        errno = ENOMEM;
        return -1;
    }
    st[n++] = (struct px_walk_frame){root, NULL};
    while (n > 0) {
        struct dirent *de = readdir(st[n - 1].dir);
        if (de == NULL) {
            struct px_walk_frame done = st[--n];
            closedir(done.dir);
            if (post != NULL && n > 0) {
                post(dirfd(st[n - 1].dir), done.name, ctx);
            }
            cimjob__free(done.name);
            continue;
        }
        if (de->d_type != DT_DIR || de->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            struct px_walk_frame *ns = cimjob__realloc(st, 2 * cap * sizeof *st);
            if (ns == NULL) {
                continue; /* out of memory: this subtree is skipped */
            }
            st = ns;
            cap *= 2;
        }
        int fd = openat(dirfd(st[n - 1].dir), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *sub = fd >= 0 ? fdopendir(fd) : NULL;
        char *name = sub != NULL ? cimjob__strdup(de->d_name) : NULL;
        if (name == NULL) {
            if (sub != NULL) {
                closedir(sub);
            } else if (fd >= 0) {
                close(fd);
            }
            continue; /* out of descriptors or memory: this subtree is skipped */
        }
        if (pre != NULL) {
            pre(dirfd(sub), ctx);
        }
        st[n++] = (struct px_walk_frame){sub, name};
    }
    cimjob__free(st);
    return 0;
}

static int px_open_dir(const char *path)
{
    return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

struct px_signal_ctx {
    const char *rel; /* the job's cgroup as /proc/<pid>/cgroup shows it */
    int sig, sig2, use_pidfd;
    long count;
};

/* Signal every process of one cgroup of the tree. Membership is checked against the job's
 * cgroup (at or below it is the job's). */
static void px_signal_one(int dirfd, void *vctx)
{
    struct px_signal_ctx *c = vctx;
    if (c->use_pidfd) {
        size_t n;
        int *pids;
        if (px_read_pids_at(dirfd, &pids, &n) == 0) {
            long done = px_signal_batch(dirfd, pids, n, c->sig, c->sig2);
            cimjob__free(pids);
            if (done >= 0) {
                c->count += done;
                return;
            }
        } else if (errno != ENOMEM) {
            return;
        }
    }
    /* Each process on its own: through a pidfd opened before the membership check, or
     * (documented fallback without pidfds) by PID after it. */
    int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (f == NULL) {
        if (fd >= 0) {
            close(fd);
        }
        return;
    }
    int pid;
    while (fscanf(f, "%d", &pid) == 1) {
        if (!c->use_pidfd) {
            if (px_in_cgroup(pid, c->rel) && kill(pid, c->sig) == 0) {
                c->count++;
                if (c->sig2 != 0) {
                    (void)kill(pid, c->sig2);
                }
            }
            continue;
        }
        int pfd = cimjob__posix_pidfd_open(pid);
        if (pfd < 0) {
            continue; /* gone: nothing to signal */
        }
        /* The pidfd pins one process. If it is alive after the membership check, the /proc
         * entry we read was that process, so it is ours; if it is not, the signal through the
         * pidfd reaches nobody. */
        if (px_in_cgroup(pid, c->rel) && cimjob__posix_pidfd_send_signal(pfd, c->sig) == 0) {
            c->count++;
            if (c->sig2 != 0) {
                (void)cimjob__posix_pidfd_send_signal(pfd, c->sig2);
            }
        }
        close(pfd);
    }
    fclose(f);
}

long cimjob__posix_cgroup_signal(const char *path, int sig, int sig2, int use_pidfd)
{
    /* The job's cgroup relative to the hierarchy root, as /proc/<pid>/cgroup shows it:
     * our own view of the mount tells us how to map the path. */
    char mnt[PATH_MAX], root[PATH_MAX];
    if (px_cgroup2_mount(mnt, sizeof mnt, root, sizeof root) != 0) {
        return -1;
    }
    size_t ml = strlen(mnt);
    if (strncmp(path, mnt, ml) != 0 || (path[ml] != '/' && path[ml] != '\0')) {
        errno = EINVAL;
        return -1;
    }
    char rel[PATH_MAX];
    snprintf(rel, sizeof rel, "%s%s", strcmp(root, "/") == 0 ? "" : root, path + ml);
    int fd = px_open_dir(path);
    if (fd < 0) {
        return errno == ENOENT ? 0 : -1;
    }
    struct px_signal_ctx c = {rel, sig, sig2, use_pidfd, 0};
    (void)px_cg_walk(fd, px_signal_one, NULL, &c);
    return c.count;
}

/* Remove a cgroup below, after those below it. Right after the last process exits the kernel
 * may still count it for a moment (EBUSY): retried within the walk's deadline. */
static void px_remove_one(int parent_fd, const char *name, void *vctx)
{
    const int64_t *deadline = vctx;
    while (unlinkat(parent_fd, name, AT_REMOVEDIR) != 0 && errno == EBUSY &&
           cimjob__posix_now_us() < *deadline) {
        cimjob__posix_sleep_us(1000);
    }
}

int cimjob__posix_cgroup_remove(const char *path)
{
    /* Usually empty with no cgroup below: one rmdir. Otherwise the tree first, bottom up. */
    if (rmdir(path) == 0 || errno == ENOENT) {
        return 0;
    }
    int64_t deadline = cimjob__posix_now_us() + 200000;
    int fd = px_open_dir(path);
    if (fd >= 0) {
        (void)px_cg_walk(fd, NULL, px_remove_one, &deadline);
    }
    for (;;) {
        if (rmdir(path) == 0 || errno == ENOENT) {
            return 0;
        }
        if (errno != EBUSY || cimjob__posix_now_us() >= deadline) {
            return -1;
        }
        cimjob__posix_sleep_us(1000);
    }
}

static void px_count_one(int dirfd, void *vctx)
{
    long *count = vctx;
    int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (f == NULL) {
        if (fd >= 0) {
            close(fd);
        }
        return;
    }
    int pid;
    while (fscanf(f, "%d", &pid) == 1) {
        (*count)++;
    }
    fclose(f);
}

long cimjob__posix_cgroup_count(const char *path)
{
    int fd = px_open_dir(path);
    if (fd < 0) {
        return -1;
    }
    long count = 0;
    return px_cg_walk(fd, px_count_one, NULL, &count) == 0 ? count : -1;
}
