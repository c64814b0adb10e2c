/*
 * Suite "posix" (test posix-stuck): cimjob_registry_free() with jobs whose processes cannot die
 * or cannot be reaped yet, for real, on every containment path (cgroup where this machine has
 * one, subreaper, process group):
 *   - ptrace: the job's main process is attached by a tracer that the test then stops
 *     (SIGSTOP). The kill makes it a zombie that only its tracer may wait for, so nobody else
 *     can reap it; it becomes reapable when the test kills the tracer.
 *   - FUSE: the job's main process reads a file on a FUSE mount whose server (a child of the
 *     test, talking to /dev/fuse directly) takes the request and never answers. Killed, the
 *     process waits for the answer in uninterruptible sleep (D state): it cannot die. It can
 *     once the test kills the server (the kernel aborts the connection). Skipped with a message
 *     where /dev/fuse cannot be mounted.
 *   - out of memory (white-box: cimjob__alloc_budget): the call cannot list its jobs and takes
 *     them one at a time; the same single deadline holds there.
 * Each case asserts that cimjob_registry_free() answers CIMJOB_RC_TIMEOUT within its one bound
 * (kill_timeout_us for the whole call: with a wait per stuck job it would take longer than the
 * limit asserted), that the stuck processes are still there after it (left to the library's
 * list, cimjob_posix_reap_released() says so), and that once they can be, they are reaped and
 * their job cgroups removed: no zombie with the test as its parent, no process, no cgroup left.
 * Every process the test starts is ended and reaped by PID.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cimjob/cimjob.h>
#include <cimjob/posix.h>

#include "own_cgroup.h"

#define SEC     INT64_C(1000000)
#define NSTUCK  10        /* stuck jobs per registry */
#define KILL_US (1 * SEC) /* the registry's kill bound */
/* Generous for a loaded machine, yet below what one wait per stuck job would take. */
#define FREE_LIMIT_US (KILL_US + 7 * SEC)

static char g_tmp[64];
static const char *g_envp[] = {"PATH=/usr/bin:/bin", NULL};
/* What a case started, for its teardown to end also when the case fails half-way. */
static cimjob_registry *g_reg;
static pid_t g_kids[NSTUCK + 1]; /* tracers, the FUSE server: children of the test */
static char g_mnt[96];
static int g_pidfds[NSTUCK]; /* to the stuck processes: gone means reaped (POLLHUP), no PID reuse */

static int64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * SEC + t.tv_nsec / 1000;
}

static const char *cont_name(cimjob_containment c)
{
    return cimjob_containment_name((int)c);
}

static cimjob_registry *new_registry_flags(unsigned int posix_flags)
{
    cimjob_posix_config pc = CIMJOB_POSIX_CONFIG_INIT;
    pc.flags = posix_flags;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_backend_by_name("posix");
    ro.backend_config = &pc;
    ro.kill_timeout_us = KILL_US;
    cimjob_registry *reg = NULL;
    assert_int_equal(cimjob_registry_new(&ro, &reg), CIMJOB_RC_SUCCESS);
    return reg;
}

static cimjob_registry *new_registry(void)
{
    return new_registry_flags(0);
}

/* Start `sh -c script` and return its main process's PID, which the script writes first. */
static pid_t start_job(cimjob_registry *reg, cimjob_containment c, const char *script, int n)
{
    char file[128], full[1024];
    snprintf(file, sizeof file, "%s/pid%d", g_tmp, n);
    unlink(file);
    snprintf(full, sizeof full, "echo $$ > %s.t && mv %s.t %s && %s", file, file, file, script);
    const char *argv[] = {"/bin/sh", "-c", full, NULL};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "stuck";
    o.argv = argv;
    o.envp = g_envp;
    o.containment = c;
    o.flags = CIMJOB_JOB_START;
    for (int i = 0; i < 3; i++)
        o.stdio[i].mode = CIMJOB_STDIO_NULL;
    cimjob_job *job = NULL;
    assert_int_equal(cimjob_create(reg, &o, &job), CIMJOB_RC_SUCCESS);
    cimjob_info info = CIMJOB_INFO_INIT;
    assert_int_equal(cimjob_query(job, &info), CIMJOB_RC_SUCCESS);
    if (info.job_state != CIMJOB_JOB_STATE_RUNNING)
        fail_msg("%s job did not start: %s", cont_name(c), info.error_description);
    cimjob_job_release(job);
    int pid = 0;
    for (int64_t end = now_us() + 10 * SEC; now_us() < end; usleep(2000)) {
        FILE *f = fopen(file, "re");
        if (f) {
            int ok = fscanf(f, "%d", &pid) == 1;
            fclose(f);
            if (ok)
                return (pid_t)pid;
        }
    }
    fail_msg("%s job did not write its PID", cont_name(c));
    return -1;
}

/* State letter and parent of a process ('-' when it is gone). */
static char proc_state(pid_t pid, pid_t *ppid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return '-';
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *close = strrchr(buf, ')');
    char s = '-';
    int pp = 0;
    if (!close || sscanf(close + 2, "%c %d", &s, &pp) != 2)
        return '-';
    if (ppid)
        *ppid = (pid_t)pp;
    return s;
}

/* Processes whose parent is this test process (zombies included). */
static int my_children(void)
{
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        pid_t pp = 0;
        if (*end == '\0' && pid > 0 && proc_state((pid_t)pid, &pp) != '-' && pp == getpid())
            n++;
    }
    if (d)
        closedir(d);
    return n;
}

/* Job cgroups of this process left beside it (cimjob-<pid>-...). */
static int my_job_cgroups(void)
{
    char dir[3072], prefix[64];
    if (own_cgroup_dir(dir, sizeof dir) != 0)
        return 0;
    snprintf(prefix, sizeof prefix, "cimjob-%d-", (int)getpid());
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
            n++;
    if (d)
        closedir(d);
    return n;
}

/* The containments this machine offers: cgroup only where a forced cgroup job runs. */
static size_t containments(cimjob_containment *out)
{
    size_t n = 0;
    cimjob_registry *reg = new_registry();
    const char *argv[] = {"/bin/sh", "-c", "exit 0", NULL};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "probe";
    o.argv = argv;
    o.envp = g_envp;
    o.containment = CIMJOB_CONTAINMENT_CGROUP;
    o.flags = CIMJOB_JOB_START;
    cimjob_job *j = NULL;
    assert_int_equal(cimjob_create(reg, &o, &j), CIMJOB_RC_SUCCESS);
    cimjob_job_state s = CIMJOB_JOB_STATE_NEW;
    (void)cimjob_wait(j, 0, 20 * SEC, &s);
    cimjob_job_release(j);
    assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
    if (s == CIMJOB_JOB_STATE_COMPLETED)
        out[n++] = CIMJOB_CONTAINMENT_CGROUP;
    else
        print_message("cgroup containment not available here: skipped for it\n");
    out[n++] = CIMJOB_CONTAINMENT_SUBREAPER;
    out[n++] = CIMJOB_CONTAINMENT_PGROUP;
    return n;
}

/* Free the registry: the documented code, within the one bound. */
static void free_within_bound(cimjob_registry *reg, cimjob_containment c, const char *how)
{
    int64_t t0 = now_us();
    cimjob_rc rc = cimjob_registry_free(reg);
    int64_t took = now_us() - t0;
    print_message("%s, %d jobs %s: cimjob_registry_free answered %s in %.3f s (bound %.1f s)\n",
                  cont_name(c), NSTUCK, how, cimjob_rc_name((int)rc), (double)took / 1e6,
                  (double)KILL_US / 1e6);
    if (rc != CIMJOB_RC_TIMEOUT)
        fail_msg("%s: cimjob_registry_free with stuck jobs answered %s, not Timeout", cont_name(c),
                 cimjob_rc_name((int)rc));
    if (took > FREE_LIMIT_US)
        fail_msg("%s: cimjob_registry_free took %.3f s with %d stuck jobs (bound %.1f s for the "
                 "whole call)",
                 cont_name(c), (double)took / 1e6, NSTUCK, (double)KILL_US / 1e6);
}

/* What freeing left must be the stuck processes, still there (not reapable yet). */
static void still_stuck(cimjob_containment c, const pid_t *mains, char want)
{
    for (int i = 0; i < NSTUCK; i++) {
        pid_t pp = 0;
        char s = proc_state(mains[i], &pp);
        /* The kill went out when the call began; on a loaded machine let it land. */
        for (int64_t end = now_us() + 10 * SEC; s != want && s != '-' && now_us() < end;) {
            usleep(10000);
            s = proc_state(mains[i], &pp);
        }
        if (s != want)
            fail_msg("%s: stuck process %d is in state %c, expected %c", cont_name(c),
                     (int)mains[i], s, want);
        /* cgroup, pgroup: the host's own child; subreaper: the helper's, itself the host's. */
        if ((c == CIMJOB_CONTAINMENT_SUBREAPER) == (pp == getpid()))
            fail_msg("%s: stuck process %d has parent %d", cont_name(c), (int)mains[i], (int)pp);
    }
    size_t left = 0;
    assert_int_equal(cimjob_posix_reap_released(0, &left), CIMJOB_RC_TIMEOUT);
    assert_true(left >= NSTUCK);
}

/* A pidfd to each stuck process, opened while it runs. */
static void watch(const pid_t *mains)
{
    for (int i = 0; i < NSTUCK; i++) {
        g_pidfds[i] = (int)syscall(SYS_pidfd_open, mains[i], 0);
        assert_true(g_pidfds[i] >= 0);
    }
}

static void unwatch(void)
{
    for (int i = 0; i < NSTUCK; i++) {
        if (g_pidfds[i] >= 0)
            close(g_pidfds[i]);
        g_pidfds[i] = -1;
    }
}

/* Once reapable, nothing is left: every stuck process reaped (by whoever is its parent), no
 * other process with the test as parent, no job cgroup. */
static void nothing_left(cimjob_containment c, const pid_t *mains)
{
    for (int i = 0; i < NSTUCK; i++) {
        /* A pidfd reports POLLHUP once its process has been reaped (recent kernels; before,
         * the PID's absence from /proc says it, barring a reuse of the number). */
        struct pollfd pf = {g_pidfds[i], POLLIN, 0};
        pid_t pp = 0;
        int reaped = poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP);
        if (!reaped && proc_state(mains[i], &pp) != '-')
            fail_msg("%s: process %d not reaped (state %c, parent %d)", cont_name(c), (int)mains[i],
                     proc_state(mains[i], &pp), (int)pp);
    }
    unwatch();
    if (my_children() != 0)
        fail_msg("%s: %d process(es) with this test as parent left", cont_name(c), my_children());
    if (my_job_cgroups() != 0)
        fail_msg("%s: %d job cgroup(s) left", cont_name(c), my_job_cgroups());
}

/* In a child the test starts: should the test be killed (a meson timeout), so is the child, and
 * what it held goes with it. */
static pid_t g_test_pid;

static void die_with_test(void)
{
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != g_test_pid)
        _exit(1);
}

/* ---- ptrace: a zombie only its (stopped) tracer may reap ------------------------------------ */

/* A child that attaches to pid and then does nothing; stopped by the test. -1: not allowed. */
static pid_t start_tracer(pid_t pid)
{
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    pid_t t = fork();
    assert_true(t >= 0);
    if (t == 0) {
        die_with_test();
        char ok = ptrace(PTRACE_SEIZE, pid, 0, 0) == 0 ? 'y' : 'n';
        (void)!write(p[1], &ok, 1);
        for (;;)
            pause();
    }
    close(p[1]);
    char ok = 'n';
    (void)!read(p[0], &ok, 1);
    close(p[0]);
    if (ok != 'y') {
        kill(t, SIGKILL);
        waitpid(t, NULL, 0);
        return -1;
    }
    int st = 0;
    kill(t, SIGSTOP);
    assert_int_equal(waitpid(t, &st, WUNTRACED), t);
    assert_true(WIFSTOPPED(st));
    return t;
}

/* NSTUCK jobs, each held by a tracer of its own (g_kids), watched through pidfds. */
static void start_traced(cimjob_registry *reg, cimjob_containment c, pid_t *mains)
{
    for (int i = 0; i < NSTUCK; i++) {
        mains[i] = start_job(reg, c, "exec sleep 100", i);
        g_kids[i] = start_tracer(mains[i]);
        if (g_kids[i] < 0) {
            print_message("SKIP: ptrace(PTRACE_SEIZE) is not permitted here\n");
            skip();
        }
    }
    watch(mains);
}

/* Reapable now: the tracers go, and their tracees back to their parents. */
static void end_tracers(void)
{
    for (int i = 0; i < NSTUCK; i++) {
        kill(g_kids[i], SIGKILL);
        assert_int_equal(waitpid(g_kids[i], NULL, 0), g_kids[i]);
        g_kids[i] = 0;
    }
}

/* With pidfds, and without (the children are then waited for by PID). */
static void test_free_ptrace_stuck(void **state)
{
    (void)state;
    cimjob_containment conts[3];
    size_t nc = containments(conts);
    for (size_t k = 0; k < 2 * nc; k++) {
        size_t c = k % nc;
        unsigned int flags = k < nc ? 0 : CIMJOB_POSIX_NO_PIDFD;
        cimjob_registry *reg = g_reg = new_registry_flags(flags);
        pid_t mains[NSTUCK];
        (void)start_job(reg, conts[c], "exec sleep 100", 100); /* one that dies */
        start_traced(reg, conts[c], mains);
        g_reg = NULL;
        free_within_bound(reg, conts[c],
                          flags ? "held as zombies by a stopped ptrace tracer, no pidfd"
                                : "held as zombies by a stopped ptrace tracer");
        still_stuck(conts[c], mains, 'Z');
        if (k == 0) {
            /* In a child after fork() the list is the parent's: nothing of it is touched. */
            pid_t f = fork();
            assert_true(f >= 0);
            if (f == 0)
                _exit(cimjob_posix_reap_released(0, NULL) == CIMJOB_RC_NOT_SUPPORTED ? 0 : 1);
            int st = -1;
            assert_int_equal(waitpid(f, &st, 0), f);
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                fail_msg("cimjob_posix_reap_released in a forked child did not answer "
                         "NotSupported");
            size_t left = 0;
            assert_int_equal(cimjob_posix_reap_released(0, &left), CIMJOB_RC_TIMEOUT);
            assert_true(left >= NSTUCK);
        }
        end_tracers();
        /* Reaped with no call made for it: at the next open or close of any registry. */
        int64_t end = now_us() + 10 * SEC;
        while (my_children() != 0 && now_us() < end) {
            usleep(20000);
            assert_int_equal(cimjob_registry_free(new_registry()), CIMJOB_RC_SUCCESS);
        }
        nothing_left(conts[c], mains);
        size_t left = 1;
        assert_int_equal(cimjob_posix_reap_released(0, &left), CIMJOB_RC_SUCCESS);
        assert_int_equal(left, 0);
    }
}

/* ---- out of memory: cimjob_registry_free's job-at-a-time path ----------------------------------
 */

/* White-box: the library's allocation budget (lib/core/alloc.c; -1: no failure). */
extern atomic_long cimjob__alloc_budget;

/* Every allocation fails during the call, so the registry cannot even list its jobs and takes
 * them one at a time: the one deadline holds there too. What the library could not put on its
 * list (out of memory) stays the test's child, reaped here by PID as documented. */
static void test_free_stuck_out_of_memory(void **state)
{
    (void)state;
    cimjob_registry *reg = g_reg = new_registry();
    pid_t mains[NSTUCK];
    start_traced(reg, CIMJOB_CONTAINMENT_PGROUP, mains);
    g_reg = NULL;
    atomic_store(&cimjob__alloc_budget, 0);
    free_within_bound(reg, CIMJOB_CONTAINMENT_PGROUP, "held by a tracer, out of memory");
    atomic_store(&cimjob__alloc_budget, -1);
    end_tracers();
    (void)cimjob_posix_reap_released(10 * SEC, NULL);
    int dropped = 0;
    for (int i = 0; i < NSTUCK; i++) {
        struct pollfd pf = {g_pidfds[i], POLLIN, 0};
        if (poll(&pf, 1, 0) == 1 && !(pf.revents & POLLHUP) &&
            waitpid(mains[i], NULL, WNOHANG) == mains[i])
            dropped++;
    }
    if (dropped)
        print_message("%d zombie(s) the library could not list, reaped by the test\n", dropped);
    nothing_left(CIMJOB_CONTAINMENT_PGROUP, mains);
}

/* ---- FUSE: a process in D state, waiting for a server that never answers --------------------- */

struct fuse_rig {
    char mnt[96];
    pid_t server;
    int report; /* the server writes the PID of each process whose lookup it holds */
};

static void fuse_reply(int fd, uint64_t unique, int error, const void *body, size_t len)
{
    char buf[512];
    struct fuse_out_header h = {(uint32_t)(sizeof h + len), -error, unique};
    memcpy(buf, &h, sizeof h);
    if (len)
        memcpy(buf + sizeof h, body, len);
    (void)!write(fd, buf, sizeof h + len);
}

/* The server: answers INIT, holds every LOOKUP (reporting who asked), fails the rest. */
static void fuse_serve(int fd, int report)
{
    static char buf[FUSE_MIN_READ_BUFFER + 256 * 1024];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == ENOENT))
            continue;
        if (n < (ssize_t)sizeof(struct fuse_in_header))
            _exit(0);
        struct fuse_in_header in;
        memcpy(&in, buf, sizeof in);
        if (in.opcode == FUSE_INIT) {
            struct fuse_init_in ii;
            memcpy(&ii, buf + sizeof in, sizeof ii);
            struct fuse_init_out o;
            memset(&o, 0, sizeof o);
            o.major = FUSE_KERNEL_VERSION;
            o.minor = ii.minor < FUSE_KERNEL_MINOR_VERSION ? ii.minor : FUSE_KERNEL_MINOR_VERSION;
            o.max_readahead = ii.max_readahead;
            o.max_write = 4096;
            o.max_background = 16;
            o.congestion_threshold = 12;
            o.time_gran = 1;
            /* Lookups in one directory at once: each job's own request reaches the server
             * (without it the kernel lets one lookup per directory through at a time). */
            o.flags = ii.flags & FUSE_PARALLEL_DIROPS;
            fuse_reply(fd, in.unique, 0, &o, sizeof o);
        } else if (in.opcode == FUSE_LOOKUP) {
            int pid = (int)in.pid;
            (void)!write(report, &pid, sizeof pid); /* and never answer */
        } else if (in.opcode != FUSE_FORGET && in.opcode != FUSE_BATCH_FORGET &&
                   in.opcode != FUSE_INTERRUPT) {
            fuse_reply(fd, in.unique, ENOSYS, NULL, 0);
        }
    }
}

/* Mount a FUSE file system served by a child of the test; 0, or -1 with a reason printed. */
static int fuse_start(struct fuse_rig *r)
{
    snprintf(r->mnt, sizeof r->mnt, "%s/mnt", g_tmp);
    if (mkdir(r->mnt, 0755) != 0 && errno != EEXIST)
        return -1;
    int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        print_message("SKIP: cannot open /dev/fuse: %s\n", strerror(errno));
        return -1;
    }
    char opts[128];
    snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fd);
    if (mount("cimjob-stuck", r->mnt, "fuse", MS_NOSUID | MS_NODEV, opts) != 0) {
        print_message("SKIP: cannot mount a FUSE file system: %s\n", strerror(errno));
        close(fd);
        return -1;
    }
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    r->server = fork();
    assert_true(r->server >= 0);
    g_kids[0] = r->server;
    snprintf(g_mnt, sizeof g_mnt, "%s", r->mnt);
    if (r->server == 0) {
        die_with_test();
        close(p[0]);
        fuse_serve(fd, p[1]);
        _exit(0);
    }
    close(p[1]);
    close(fd); /* only the server holds the connection: its death aborts it */
    r->report = p[0];
    return 0;
}

/* Wait until the server holds a lookup of pid (it is then blocked in the kernel). */
static void fuse_wait_held(struct fuse_rig *r, pid_t pid)
{
    for (int64_t end = now_us() + 10 * SEC; now_us() < end;) {
        struct pollfd pf = {r->report, POLLIN, 0};
        if (poll(&pf, 1, 100) == 1) {
            int got = 0;
            assert_int_equal(read(r->report, &got, sizeof got), (ssize_t)sizeof got);
            if (got == pid)
                return;
        }
    }
    fail_msg("the FUSE server never saw a lookup from %d", (int)pid);
}

/* The server goes: the kernel aborts the connection and every held request fails. */
static void fuse_stop(struct fuse_rig *r)
{
    if (r->server > 0) {
        kill(r->server, SIGKILL);
        waitpid(r->server, NULL, 0);
        r->server = -1;
        g_kids[0] = 0;
    }
    if (r->report >= 0)
        close(r->report);
    r->report = -1;
    (void)umount2(r->mnt, MNT_DETACH);
    (void)rmdir(r->mnt);
    g_mnt[0] = '\0';
}

static void test_free_fuse_stuck(void **state)
{
    (void)state;
    cimjob_containment conts[3];
    size_t nc = containments(conts);
    for (size_t c = 0; c < nc; c++) {
        struct fuse_rig rig = {"", -1, -1};
        if (fuse_start(&rig) != 0)
            skip();
        cimjob_registry *reg = g_reg = new_registry();
        pid_t mains[NSTUCK];
        (void)start_job(reg, conts[c], "exec sleep 100", 100); /* one that dies */
        for (int i = 0; i < NSTUCK; i++) {
            char script[256];
            snprintf(script, sizeof script, "exec cat %s/held%d", rig.mnt, i);
            mains[i] = start_job(reg, conts[c], script, i);
            fuse_wait_held(&rig, mains[i]);
        }
        watch(mains);
        g_reg = NULL;
        free_within_bound(reg, conts[c], "in D state (a FUSE server that never answers)");
        still_stuck(conts[c], mains, 'D');
        fuse_stop(&rig);
        size_t left = 1;
        cimjob_rc rc = cimjob_posix_reap_released(10 * SEC, &left);
        if (rc != CIMJOB_RC_SUCCESS || left != 0)
            fail_msg("%s: cimjob_posix_reap_released answered %s, %zu left", cont_name(conts[c]),
                     cimjob_rc_name((int)rc), left);
        nothing_left(conts[c], mains);
    }
}

/* ---- pgroup: a killed group's member that moved into a cgroup below the leader's ------------
 *
 * A killed process group is waited for through the cgroup its leader was in and the cgroups
 * below it (lib/posix/cont_pgroup.c): live processes only, no zombie. That cgroup is opened when
 * a Kill or a Terminate is sent. A member that moved into a cgroup below, then got stuck in D
 * state, must keep the request from answering success. The
 * test runs the job from a cgroup of its own (so the leader's cgroup has one cgroup below it,
 * whatever the machine's tree) and puts it back afterwards. */

static char g_own_cg[1024], g_pg_cg[1100]; /* where the test was; the cgroup it made ("" none) */

static int cg_write(const char *dir, const char *file, const char *val)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
    close(fd);
    return ok ? 0 : -1;
}

/* Back into the cgroup the test started in; the cgroups it made removed. */
static void pg_cgroup_undo(void)
{
    if (!g_pg_cg[0])
        return;
    (void)cg_write(g_own_cg, "cgroup.procs", "0");
    char sub[1200];
    snprintf(sub, sizeof sub, "%s/sub", g_pg_cg);
    (void)rmdir(sub);
    (void)rmdir(g_pg_cg);
    g_pg_cg[0] = '\0';
}

/* A group member moves itself one cgroup below the leader's and blocks in D state on a FUSE
 * server that never answers. Ending the job (Kill, or Terminate without escalation, whose
 * SIGTERM ends the leader and whose group is then sent SIGKILL) must not answer success while
 * the member is stuck: the member is listed from the leader's cgroup and the ones below it. */
static void pg_member_below_case(int terminate)
{
    struct fuse_rig rig = {"", -1, -1};
    if (own_cgroup_dir(g_own_cg, sizeof g_own_cg) != 0) {
        print_message("SKIP: no cgroup v2 here\n");
        skip();
    }
    snprintf(g_pg_cg, sizeof g_pg_cg, "%s/cimjob-test-pgbelow-%d", g_own_cg, (int)getpid());
    char sub[1200];
    snprintf(sub, sizeof sub, "%s/sub", g_pg_cg);
    if (mkdir(g_pg_cg, 0755) != 0 || mkdir(sub, 0755) != 0 ||
        cg_write(g_pg_cg, "cgroup.procs", "0") != 0) {
        print_message("SKIP: cannot make a cgroup and move into it: %s\n", strerror(errno));
        pg_cgroup_undo();
        skip();
    }
    if (fuse_start(&rig) != 0) {
        pg_cgroup_undo();
        skip();
    }
    cimjob_registry *reg = g_reg = new_registry();
    char script[2048], member[128];
    snprintf(member, sizeof member, "%s/member", g_tmp);
    unlink(member);
    snprintf(script, sizeof script,
             "sh -c 'echo 0 > %s/cgroup.procs && echo $$ > %s.t && mv %s.t %s && "
             "exec cat %s/heldbelow' & exec sleep 1000",
             sub, member, member, member, rig.mnt);
    (void)start_job(reg, CIMJOB_CONTAINMENT_PGROUP, script, 0);
    int pid = 0;
    for (int64_t end = now_us() + 10 * SEC; pid == 0 && now_us() < end; usleep(2000)) {
        FILE *f = fopen(member, "re");
        if (f) {
            if (fscanf(f, "%d", &pid) != 1)
                pid = 0;
            fclose(f);
        }
    }
    if (pid <= 0)
        fail_msg("the member did not move into %s", sub);
    fuse_wait_held(&rig, pid);
    cimjob_job **jobs;
    size_t n;
    assert_int_equal(cimjob_registry_list(reg, &jobs, &n), CIMJOB_RC_SUCCESS);
    assert_int_equal(n, 1);
    cimjob_job *job = jobs[0];
    pid_t ppid;
    if (terminate) {
        cimjob_request_options o = CIMJOB_REQUEST_OPTIONS_INIT;
        o.timeout_us = 1 * SEC;
        o.flags = CIMJOB_REQUEST_NO_ESCALATE;
        cimjob_rsc_rc r = cimjob_request_state_change_ex(job, CIMJOB_REQUEST_TERMINATE, &o);
        char st = proc_state(pid, &ppid);
        if (r != CIMJOB_RSC_TIMEOUT)
            fail_msg("Terminate answered %d while a member (%d, state %c) is stuck in %s", (int)r,
                     (int)pid, st, sub);
        assert_int_equal(st, 'D');
    } else {
        cimjob_rc rc = cimjob_kill_job(job, 0);
        char st = proc_state(pid, &ppid);
        if (rc != CIMJOB_RC_TIMEOUT)
            fail_msg("Kill answered %s while a member (%d, state %c) is stuck in %s",
                     cimjob_rc_name((int)rc), (int)pid, st, sub);
        assert_int_equal(st, 'D');
    }
    fuse_stop(&rig);
    cimjob_job_state fin = CIMJOB_JOB_STATE_NEW;
    assert_int_equal(cimjob_wait(job, CIMJOB_STATES_FINAL, 20 * SEC, &fin), CIMJOB_RC_SUCCESS);
    assert_int_equal(fin, terminate ? CIMJOB_JOB_STATE_TERMINATED : CIMJOB_JOB_STATE_KILLED);
    cimjob_job_list_free(jobs, n);
    g_reg = NULL;
    assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
    pg_cgroup_undo();
}

static void test_pgroup_kill_waits_for_member_below(void **state)
{
    (void)state;
    pg_member_below_case(0);
}

static void test_pgroup_terminate_waits_for_member_below(void **state)
{
    (void)state;
    pg_member_below_case(1);
}

/* End what a case left, by PID: its holders first (so its stuck processes can die), then its
 * registry, then what is left on the library's list. */
static int case_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof g_kids / sizeof g_kids[0]; i++) {
        if (g_kids[i] > 0) {
            kill(g_kids[i], SIGKILL);
            waitpid(g_kids[i], NULL, 0);
        }
        g_kids[i] = 0;
    }
    if (g_mnt[0]) {
        (void)umount2(g_mnt, MNT_DETACH);
        (void)rmdir(g_mnt);
        g_mnt[0] = '\0';
    }
    unwatch();
    if (g_reg)
        (void)cimjob_registry_free(g_reg);
    g_reg = NULL;
    pg_cgroup_undo();
    atomic_store(&cimjob__alloc_budget, -1);
    (void)cimjob_posix_reap_released(10 * SEC, NULL);
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_tmp, sizeof g_tmp, "/tmp/cimjob-stuck-XXXXXX");
    return mkdtemp(g_tmp) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_tmp);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    if (geteuid() != 0) {
        printf("SKIP: needs root (ptrace, FUSE mounts, cgroups)\n");
        return 77;
    }
    g_test_pid = getpid();
    for (int i = 0; i < NSTUCK; i++)
        g_pidfds[i] = -1;
    /* A mount namespace of its own: the FUSE mount goes with the test, however it ends. */
    if (unshare(CLONE_NEWNS) == 0)
        (void)mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_free_ptrace_stuck, case_teardown),
        cmocka_unit_test_teardown(test_free_fuse_stuck, case_teardown),
        cmocka_unit_test_teardown(test_free_stuck_out_of_memory, case_teardown),
        cmocka_unit_test_teardown(test_pgroup_kill_waits_for_member_below, case_teardown),
        cmocka_unit_test_teardown(test_pgroup_terminate_waits_for_member_below, case_teardown),
    };
    return cmocka_run_group_tests_name("posix-stuck", tests, group_setup, group_teardown);
}
