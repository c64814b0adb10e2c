/*
 * The graveyard: what a job left when it was released before its processes could be reaped
 * (cimjob_registry_free gave up waiting for a process that cannot die yet: one in D state, a
 * zombie a ptrace tracer has not waited for). Two kinds of entry:
 *   - a child of ours (the main process of a cgroup or pgroup job, a subreaper job's helper):
 *     reaped once it has ended, so no zombie stays in the host for good;
 *   - a job cgroup still populated: removed once it is empty.
 * Process-wide, because the registry that started them may be gone. Visited without blocking
 * at the next dispatch, open or close of any registry of this process, and on demand by
 * cimjob_posix_reap_released(). A subreaper job's helper needs nothing from us meanwhile: it
 * keeps killing and reaping its tree and exits when the tree is gone.
 *
 * After fork() the list is the parent's: a child neither reaps nor removes anything of it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "posix.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>

#define PX_GRAVE_TICK_US 10000 /* cimjob_posix_reap_released() looks again this often */

struct px_grave {
    pid_t pid; /* a child of ours to reap, or 0 */
    int pidfd; /* its pidfd, or -1 */
    char *cg;  /* a job cgroup to remove, or NULL */
};

static pthread_mutex_t px_grave_lock = PTHREAD_MUTEX_INITIALIZER;
static struct px_grave *px_graves;
static size_t px_ngraves, px_graves_cap;
static pid_t px_graves_owner; /* the process whose children and cgroups these are */
static atomic_size_t px_graves_count;

static void px_grave_push(struct px_grave g)
{
    pthread_mutex_lock(&px_grave_lock);
    if (px_ngraves == 0) {
        px_graves_owner = getpid();
    }
    if (px_ngraves == px_graves_cap) {
        size_t cap = px_graves_cap ? 2 * px_graves_cap : 16;
        struct px_grave *n = cimjob__realloc(px_graves, cap * sizeof *n);
        if (n != NULL) {
            px_graves = n;
            px_graves_cap = cap;
        }
    }
    if (px_ngraves < px_graves_cap && px_graves_owner == getpid()) {
        px_graves[px_ngraves++] = g;
        atomic_store(&px_graves_count, px_ngraves);
    } else {
        /* Out of memory: a child stays a zombie until the host exits, a cgroup stays (empty
         * once its processes could die) until a later host's sweep. */
        if (g.pidfd >= 0) {
            close(g.pidfd);
        }
        cimjob__free(g.cg);
    }
    pthread_mutex_unlock(&px_grave_lock);
}

void cimjob__px_grave_child(pid_t pid, int pidfd)
{
    px_grave_push((struct px_grave){pid, pidfd, NULL});
}

void cimjob__px_grave_cgroup(const char *path)
{
    char *cg = cimjob__strdup(path);
    if (cg != NULL) {
        px_grave_push((struct px_grave){0, -1, cg});
    }
}

/* Whether a job cgroup is empty (its processes and those of every cgroup below it). */
static int px_grave_cg_empty(const char *cg)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/cgroup.events", cg) >= (int)sizeof path) {
        return 0;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT; /* gone already */
    }
    int populated = 1, frozen = 0;
    (void)cimjob__posix_cgroup_events(fd, &populated, &frozen);
    close(fd);
    return populated == 0;
}

/* Under px_grave_lock: 1 when the entry is done with (and freed). Never blocks on a process. */
static int px_grave_visit(struct px_grave *g)
{
    if (g->pid > 0) {
        siginfo_t si;
        int r = px_wait_child(g->pid, g->pidfd, &si, WEXITED | WNOHANG);
        if (r == 0 && si.si_pid == 0) {
            return 0; /* not yet */
        }
        /* Reaped now, or ECHILD: someone else reaped it. */
        px_close_fd(&g->pidfd);
        g->pid = 0;
    }
    if (g->cg != NULL) {
        /* Empty: a cgroup the job made below its own may remain; the remove takes them. */
        if (!px_grave_cg_empty(g->cg) || cimjob__posix_cgroup_remove(g->cg) != 0) {
            return 0;
        }
        cimjob__free(g->cg);
        g->cg = NULL;
    }
    return 1;
}

/* Visit every entry; the number left. In a process that is not the owner (a child after fork):
 * nothing is touched, and (size_t)-1. */
static size_t px_grave_visit_all(void)
{
    pthread_mutex_lock(&px_grave_lock);
    if (px_ngraves > 0 && px_graves_owner != getpid()) {
        pthread_mutex_unlock(&px_grave_lock);
        return (size_t)-1;
    }
    size_t k = 0;
    for (size_t i = 0; i < px_ngraves; i++) {
        if (!px_grave_visit(&px_graves[i])) {
            px_graves[k++] = px_graves[i];
        }
    }
    px_ngraves = k;
    atomic_store(&px_graves_count, k);
    pthread_mutex_unlock(&px_grave_lock);
    return k;
}

void cimjob__px_grave_reap(void)
{
    if (atomic_load(&px_graves_count) != 0) {
        (void)px_grave_visit_all();
    }
}

cimjob_rc cimjob_posix_reap_released(int64_t timeout_us, size_t *left)
{
    if (left != NULL) {
        *left = 0;
    }
    int64_t start = cimjob__posix_now_us();
    int64_t deadline =
        timeout_us < 0 || timeout_us > INT64_MAX - start ? INT64_MAX : start + timeout_us;
    for (;;) {
        size_t n = px_grave_visit_all();
        if (n == (size_t)-1) {
            return cimjob_backend_fail(CIMJOB_RC_NOT_SUPPORTED,
                                       "cimjob_posix_reap_released: called in a child after "
                                       "fork(); the released processes are the parent's");
        }
        if (left != NULL) {
            *left = n;
        }
        if (n == 0) {
            return CIMJOB_RC_SUCCESS;
        }
        int64_t now = cimjob__posix_now_us();
        if (now >= deadline) {
            return cimjob_backend_fail(CIMJOB_RC_TIMEOUT,
                                       "cimjob_posix_reap_released: %zu released process(es) or "
                                       "job cgroup(s) not gone yet",
                                       n);
        }
        cimjob__posix_sleep_us(deadline - now < PX_GRAVE_TICK_US ? deadline - now
                                                                 : PX_GRAVE_TICK_US);
    }
}
