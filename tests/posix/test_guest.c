/*
 * Suite "posix" (test posix-guest): the library as a guest in hosts that do what real hosts do,
 * on every containment path (cgroup where this machine has one, subreaper, process group), with
 * pidfds and with the no-pidfd fallback:
 *   - the host ignores SIGCHLD (SIG_IGN, or SA_NOCLDWAIT): jobs still report their true status
 *     (the kernel reaps by itself only children whose exit signal is SIGCHLD; the library's own
 *     children have none);
 *   - the host reaps with waitpid(-1) in a loop: it never takes the library's children;
 *   - process group with SIGCHLD ignored: what the job left in its group is still ended;
 *   - a callback delivered from cimjob_wait() may Terminate another job synchronously;
 *   - the host runs with descriptors 0-2 closed.
 * Every job is bounded in time and killed by cimjob_registry_free(); processes a job leaves
 * are checked by PID.
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
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cimjob/cimjob.h>
#include <cimjob/posix.h>

#define SEC INT64_C(1000000)

/* Under ThreadSanitizer the library starts children with fork() (see lib/posix/sys.c): their
 * exit signal is SIGCHLD and a host that ignores it loses them. That build is not a guest. */
#if defined(__SANITIZE_THREAD__)
#define GUEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GUEST_TSAN 1
#endif
#endif

static char g_tmp[64];
static const char *g_envp[] = {"PATH=/usr/bin:/bin", NULL};

static const char *cont_name(cimjob_containment c)
{
    return cimjob_containment_name((int)c);
}

static cimjob_registry *new_registry(unsigned int posix_flags)
{
    cimjob_posix_config pc = CIMJOB_POSIX_CONFIG_INIT;
    pc.flags = posix_flags;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_backend_by_name("posix");
    ro.backend_config = &pc;
    ro.default_terminate_timeout_us = 3 * SEC;
    ro.kill_timeout_us = 5 * SEC;
    cimjob_registry *reg = NULL;
    assert_int_equal(cimjob_registry_new(&ro, &reg), CIMJOB_RC_SUCCESS);
    return reg;
}

static cimjob_job *start_sh(cimjob_registry *reg, cimjob_containment c, const char *script)
{
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "guest";
    o.argv = argv;
    o.envp = g_envp;
    o.containment = c;
    o.flags = CIMJOB_JOB_START;
    for (int i = 0; i < 3; i++)
        o.stdio[i].mode = CIMJOB_STDIO_NULL; /* nothing left holds the test's output open */
    cimjob_job *job = NULL;
    assert_int_equal(cimjob_create(reg, &o, &job), CIMJOB_RC_SUCCESS);
    return job;
}

static cimjob_info finish(cimjob_job *job)
{
    cimjob_job_state s = CIMJOB_JOB_STATE_NEW;
    cimjob_rc rc = cimjob_wait(job, 0, 20 * SEC, &s);
    cimjob_info info = CIMJOB_INFO_INIT;
    assert_int_equal(cimjob_query(job, &info), CIMJOB_RC_SUCCESS);
    if (rc != CIMJOB_RC_SUCCESS)
        fail_msg("job did not end: %s in %s", cimjob_rc_name((int)rc),
                 cimjob_job_state_name((int)s));
    return info;
}

/* The containments this machine offers: cgroup only where a forced cgroup job runs. */
static size_t containments(cimjob_containment *out)
{
    size_t n = 0;
    cimjob_registry *reg = new_registry(0);
    cimjob_job *j = start_sh(reg, CIMJOB_CONTAINMENT_CGROUP, "exit 0");
    cimjob_info info = finish(j);
    cimjob_job_release(j);
    assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
    if (info.job_state == CIMJOB_JOB_STATE_COMPLETED)
        out[n++] = CIMJOB_CONTAINMENT_CGROUP;
    else
        print_message("cgroup containment not available here: %s\n", info.error_description);
    out[n++] = CIMJOB_CONTAINMENT_SUBREAPER;
    out[n++] = CIMJOB_CONTAINMENT_PGROUP;
    return n;
}

/* The documented answer when the host took the main process and its status is gone. */
static int documented_loss(const cimjob_info *i)
{
    return i->job_state == CIMJOB_JOB_STATE_EXCEPTION && i->error_code == 255 &&
           strstr(i->error_description, "reaped by someone else") != NULL;
}

/* Set by a case that runs only the modes with pidfds. */
static int g_pidfd_modes_only;

/* The three ways the library runs here: pidfds as this kernel has them (on Linux 6.15 and
 * later a reaped process's status is kept for its pidfd; before, the reaper stub), the reaper
 * stub forced (what a kernel before 6.15 gets), no pidfds at all. */
static const unsigned int g_modes[] = {0, CIMJOB_POSIX_NO_PIDFD_EXIT, CIMJOB_POSIX_NO_PIDFD};
#define N_MODES (sizeof g_modes / sizeof g_modes[0])

static const char *mode_name(unsigned int flags)
{
    return flags & CIMJOB_POSIX_NO_PIDFD        ? ", no pidfd"
           : flags & CIMJOB_POSIX_NO_PIDFD_EXIT ? ", no PIDFD_INFO_EXIT (reaper stub)"
                                                : "";
}

/* With the reaper stub, the main process of a cgroup or pgroup job is not the host's child at
 * all: `echo $PPID` (the shell's parent) is the stub, never this process. */
static void main_is_not_the_hosts_child(cimjob_registry *reg, cimjob_containment c,
                                        unsigned int flags)
{
    char file[128], script[256];
    snprintf(file, sizeof file, "%s/ppid-%d-%u", g_tmp, (int)c, flags);
    snprintf(script, sizeof script, "echo $PPID > %s; exit 0", file);
    cimjob_job *j = start_sh(reg, c, script);
    cimjob_info info = finish(j);
    assert_int_equal(info.job_state, CIMJOB_JOB_STATE_COMPLETED);
    FILE *f = fopen(file, "re");
    assert_non_null(f);
    int ppid = 0;
    assert_int_equal(fscanf(f, "%d", &ppid), 1);
    fclose(f);
    unlink(file);
    if (ppid == (int)getpid())
        fail_msg("%s%s: the main process is the host's child", cont_name(c), mode_name(flags));
    cimjob_job_release(j);
}

/* Run exit 0 and exit 3 on every containment, in every mode. The subreaper's helper and the
 * reaper stub never exec, so their exit signal stays the library's (none) and nothing can take
 * them; a main process that execs gets SIGCHLD back (the kernel resets it at exec): as the
 * host's child (pidfds that keep the status) its status comes from the pidfd; as the stub's,
 * the host cannot take it; without pidfds the loss is reported as documented. */
static void true_status_everywhere(const char *host, int host_takes_mains)
{
    cimjob_containment conts[3];
    size_t nc = containments(conts);
    for (size_t f = 0; f < N_MODES; f++) {
        const unsigned int mode = g_modes[f];
        if (g_pidfd_modes_only && (mode & CIMJOB_POSIX_NO_PIDFD))
            continue;
        cimjob_registry *reg = new_registry(mode);
        for (size_t c = 0; c < nc; c++) {
            int may_lose = host_takes_mains && conts[c] != CIMJOB_CONTAINMENT_SUBREAPER &&
                           (mode & CIMJOB_POSIX_NO_PIDFD);
            if ((mode & CIMJOB_POSIX_NO_PIDFD_EXIT) && conts[c] != CIMJOB_CONTAINMENT_SUBREAPER)
                main_is_not_the_hosts_child(reg, conts[c], mode);
            cimjob_job *ok = start_sh(reg, conts[c], "exit 0");
            cimjob_job *three = start_sh(reg, conts[c], "exit 3");
            cimjob_info a = finish(ok), b = finish(three);
            if ((a.job_state != CIMJOB_JOB_STATE_COMPLETED || a.error_code != 0) &&
                !(may_lose && documented_loss(&a)))
                fail_msg("%s, %s%s: 'exit 0' ended %s, ErrorCode %u (%s)", host,
                         cont_name(conts[c]), mode_name(mode),
                         cimjob_job_state_name((int)a.job_state), a.error_code,
                         a.error_description);
            if ((b.job_state != CIMJOB_JOB_STATE_EXCEPTION || b.error_code != 3 ||
                 b.exit_status != 3) &&
                !(may_lose && documented_loss(&b)))
                fail_msg("%s, %s%s: 'exit 3' ended %s, ErrorCode %u, exit status %d (%s)", host,
                         cont_name(conts[c]), mode_name(mode),
                         cimjob_job_state_name((int)b.job_state), b.error_code, b.exit_status,
                         b.error_description);
            if (may_lose && (documented_loss(&a) || documented_loss(&b)))
                print_message("%s, %s%s: status lost as documented (no pidfd to keep it)\n", host,
                              cont_name(conts[c]), mode_name(mode));
            cimjob_job_release(ok);
            cimjob_job_release(three);
        }
        assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
    }
}

/* ---- 1. the host ignores SIGCHLD --------------------------------------------------------------
 */

static void on_sigchld(int sig)
{
    (void)sig;
}

static void test_sigchld_ignored(void **state)
{
    (void)state;
#ifdef GUEST_TSAN
    skip();
#endif
    struct sigaction old, ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    assert_int_equal(sigaction(SIGCHLD, &ign, &old), 0);
    true_status_everywhere("SIGCHLD ignored", 1);
    /* The other idiom: a handler with SA_NOCLDWAIT (children are reaped by the kernel). */
    struct sigaction nowait;
    memset(&nowait, 0, sizeof nowait);
    nowait.sa_handler = on_sigchld;
    nowait.sa_flags = SA_NOCLDWAIT | SA_RESTART;
    sigemptyset(&nowait.sa_mask);
    assert_int_equal(sigaction(SIGCHLD, &nowait, NULL), 0);
    true_status_everywhere("SA_NOCLDWAIT", 1);
    assert_int_equal(sigaction(SIGCHLD, &old, NULL), 0);
}

/* ---- 2. the host reaps with waitpid(-1) -------------------------------------------------------
 */

static atomic_int g_reaper_stop;
static atomic_int g_reaper_took;
static pthread_t g_reaper_thread;
static int g_reaper_running;

/* arg non-NULL: with __WALL, which also takes children whose exit signal is not SIGCHLD. */
static void *reaper(void *arg)
{
    int wall = arg != NULL ? __WALL : 0;
    while (!atomic_load(&g_reaper_stop)) {
        int st;
        pid_t p = waitpid(-1, &st, WNOHANG | wall); /* what a host's SIGCHLD handler does */
        if (p > 0)
            atomic_fetch_add(&g_reaper_took, 1);
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void start_reaper(void *arg)
{
    atomic_store(&g_reaper_stop, 0);
    atomic_store(&g_reaper_took, 0);
    assert_int_equal(pthread_create(&g_reaper_thread, NULL, reaper, arg), 0);
    g_reaper_running = 1;
}

/* Also from case_teardown: a case that failed half-way must not leave its reaper taking the
 * children of the cases after it (test_fork_child_frees_registry's waitpid() failed so). */
static void stop_reaper(void)
{
    if (g_reaper_running) {
        atomic_store(&g_reaper_stop, 1);
        pthread_join(g_reaper_thread, NULL);
        g_reaper_running = 0;
    }
}

static void test_host_reaps_waitpid_all(void **state)
{
    (void)state;
#ifdef GUEST_TSAN
    skip();
#endif
    start_reaper(NULL);
    true_status_everywhere("waitpid(-1) loop", 1);
    stop_reaper();
    print_message("the host's waitpid(-1) took %d main processes (exec'd: SIGCHLD again)\n",
                  atomic_load(&g_reaper_took));
}

/* A host that reaps with waitpid(-1, __WALL) takes the library's own children too, but only
 * once they have exited: the subreaper helper and the reaper stub have handed the status over
 * by then, so jobs still report their true status (modes with pidfds; without them a reaped
 * child's PID proves nothing, see docs/teardown.md). */
static void test_host_reaps_waitpid_all_wall(void **state)
{
    (void)state;
#ifdef GUEST_TSAN
    skip();
#endif
    static int wall = 1;
    start_reaper(&wall);
    g_pidfd_modes_only = 1;
    true_status_everywhere("waitpid(-1, __WALL) loop", 1);
    g_pidfd_modes_only = 0;
    stop_reaper();
    print_message("the host's waitpid(-1, __WALL) took %d children of the library\n",
                  atomic_load(&g_reaper_took));
}

/* ---- 4. process group, SIGCHLD ignored: what the job left in its group ends ----------------- */

/* 1 while the process runs ('Z' or gone: no longer). */
static int alive(pid_t pid)
{
    char p[64], buf[512];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(p, "re");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

/* The number a job wrote to file, waiting up to tries * 10 ms for it; -1 if none came. */
static pid_t read_pid_within(const char *file, int tries)
{
    for (int i = 0; i < tries; i++) {
        FILE *f = fopen(file, "re");
        int pid = 0;
        if (f) {
            if (fscanf(f, "%d", &pid) != 1)
                pid = 0;
            fclose(f);
        }
        if (pid > 0)
            return pid;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

static pid_t read_pid(const char *file)
{
    return read_pid_within(file, 200);
}

/* Processes a test saw the library leave on purpose (the documented no-pidfd case), ended by
 * the case's teardown: by PID, only while /proc still shows them alive. */
static pid_t g_left[8];
static int g_nleft;

static void test_pgroup_leftover_sigchld_ignored(void **state)
{
    (void)state;
#ifdef GUEST_TSAN
    skip();
#endif
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    assert_int_equal(sigaction(SIGCHLD, &ign, NULL), 0);
    for (size_t f = 0; f < N_MODES; f++) {
        const int pidfds = !(g_modes[f] & CIMJOB_POSIX_NO_PIDFD);
        cimjob_registry *reg = new_registry(g_modes[f]);
        char file[128], script[256];
        /* The main process ends at once and leaves a sleep in its group. */
        snprintf(file, sizeof file, "%s/left-%zu", g_tmp, f);
        snprintf(script, sizeof script, "sleep 1000 & echo $! > %s; exit 0", file);
        cimjob_job *j = start_sh(reg, CIMJOB_CONTAINMENT_PGROUP, script);
        pid_t left = read_pid(file);
        assert_true(left > 0);
        g_left[g_nleft++] = left;
        cimjob_info info = finish(j);
        if (pidfds) {
            /* With pidfds: the status survives the host's reaping (the pidfd kept it, or the
             * reaper stub never let the host take the leader), and every member of the group
             * is ended (proven through its own pidfd, or the group of a leader the stub holds). */
            assert_int_equal(info.job_state, CIMJOB_JOB_STATE_COMPLETED);
            assert_false(alive(left));
        } else {
            /* Without: nothing proves the group is still the job's; the job ends and says
             * what may be left, and nothing is signalled. */
            assert_int_equal(info.job_state, CIMJOB_JOB_STATE_EXCEPTION);
            assert_non_null(strstr(info.error_description, "not signalled"));
            print_message("no pidfd: \"%s\"\n", info.error_description);
        }
        cimjob_job_release(j);
        if (pidfds) {
            /* Kill of a job whose main process waits: answers in its bound, the group ends. */
            snprintf(file, sizeof file, "%s/kill-%zu", g_tmp, f);
            snprintf(script, sizeof script, "sleep 1000 & echo $! > %s; wait", file);
            j = start_sh(reg, CIMJOB_CONTAINMENT_PGROUP, script);
            left = read_pid(file);
            assert_true(left > 0);
            g_left[g_nleft++] = left;
            assert_int_equal(cimjob_kill_job(j, 0), CIMJOB_RC_SUCCESS);
            assert_int_equal(finish(j).job_state, CIMJOB_JOB_STATE_KILLED);
            assert_false(alive(left));
            cimjob_job_release(j);
        }
        assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
    }
}

/* ---- the reaper stub killed from outside (SIGKILL by someone, the OOM killer) --------------- */

static void test_stub_killed(void **state)
{
    (void)state;
#ifdef GUEST_TSAN
    skip();
#endif
    cimjob_containment conts[3];
    size_t nc = containments(conts);
    cimjob_registry *reg = new_registry(CIMJOB_POSIX_NO_PIDFD_EXIT);
    for (size_t c = 0; c < nc; c++) {
        if (conts[c] == CIMJOB_CONTAINMENT_SUBREAPER)
            continue;
        char fstub[128], fmain[128], fleft[128], script[512];
        snprintf(fstub, sizeof fstub, "%s/stub-%zu", g_tmp, c);
        snprintf(fmain, sizeof fmain, "%s/main-%zu", g_tmp, c);
        snprintf(fleft, sizeof fleft, "%s/kleft-%zu", g_tmp, c);
        snprintf(script, sizeof script,
                 "sleep 1000 & echo $! > %s; echo $$ > %s; echo $PPID > %s; wait", fleft, fmain,
                 fstub);
        cimjob_job *j = start_sh(reg, conts[c], script);
        pid_t stub = read_pid(fstub), mainp = read_pid(fmain), left = read_pid(fleft);
        assert_true(stub > 0 && mainp > 0 && left > 0);
        assert_int_not_equal(stub, getpid());
        g_left[g_nleft++] = left;
        g_left[g_nleft++] = mainp;
        /* The stub is this process's child (no exit signal): its PID is pinned until reaped. */
        assert_int_equal(kill(stub, SIGKILL), 0);
        cimjob_info info = finish(j);
        print_message("%s, stub killed: %s, ErrorCode %u, \"%s\"\n", cont_name(conts[c]),
                      cimjob_job_state_name((int)info.job_state), info.error_code,
                      info.error_description);
        assert_int_equal(info.job_state, CIMJOB_JOB_STATE_EXCEPTION);
        assert_int_equal(info.error_code, 255);
        assert_non_null(strstr(info.error_description, "reaper stub was killed"));
        /* Nothing of the job runs on (bounded: the kernel delivers SIGKILL promptly). */
        for (int i = 0; i < 500 && (alive(mainp) || alive(left)); i++) {
            struct timespec ts = {0, 10000000};
            nanosleep(&ts, NULL);
        }
        assert_false(alive(mainp));
        assert_false(alive(left));
        cimjob_job_release(j);
    }
    assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
}

/* ---- 5. a callback may Terminate another job synchronously ------------------------------------
 */

typedef struct cb_ctx {
    cimjob_job *other;
    int fired;
    int rsc;
    int64_t took_us;
} cb_ctx;

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * SEC + ts.tv_nsec / 1000;
}

static void terminate_other(const cimjob_event *ev, void *userdata)
{
    cb_ctx *c = userdata;
    if (ev->new_state != CIMJOB_JOB_STATE_COMPLETED || c->fired++)
        return;
    int64_t t0 = mono_us();
    c->rsc = cimjob_request_state_change(c->other, CIMJOB_REQUEST_TERMINATE, NULL);
    c->took_us = mono_us() - t0;
}

static void test_callback_terminates_another(void **state)
{
    (void)state;
    cimjob_registry *reg = new_registry(0);
    cb_ctx c = {NULL, 0, -1, 0};
    c.other = start_sh(reg, CIMJOB_CONTAINMENT_AUTO, "exec sleep 100");
    const char *argv[] = {"/bin/sh", "-c", "exit 0", NULL};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "first";
    o.argv = argv;
    o.envp = g_envp;
    o.flags = CIMJOB_JOB_START;
    o.on_state_change = terminate_other;
    o.userdata = &c;
    cimjob_job *first = NULL;
    assert_int_equal(cimjob_create(reg, &o, &first), CIMJOB_RC_SUCCESS);
    /* The first job's end, and so the callback, is observed inside this wait. */
    assert_int_equal(cimjob_wait(first, 0, 20 * SEC, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(c.fired, 1);
    if (c.rsc != CIMJOB_RSC_COMPLETED)
        fail_msg("Terminate from the callback answered %d after %lld ms (%s)", c.rsc,
                 (long long)(c.took_us / 1000), cimjob_last_error());
    assert_int_equal(finish(c.other).job_state, CIMJOB_JOB_STATE_TERMINATED);
    cimjob_job_release(c.other);
    cimjob_job_release(first);
    assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
}

/* ---- 6. fork(): a child that inherits the registry changes nothing of the parent's ---------- */

static void test_fork_child_frees_registry(void **state)
{
    (void)state;
    cimjob_containment conts[3];
    size_t nc = containments(conts);
    cimjob_registry *reg = new_registry(0);
    cimjob_job *jobs[3];
    for (size_t c = 0; c < nc; c++)
        jobs[c] = start_sh(reg, conts[c], "exec sleep 100");
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        /* What an atexit handler in a forked worker does; no cmocka here (it would longjmp
         * into the parent's runner): the exit status says what went wrong. */
        int bad = 0;
        if (cimjob_request_state_change(jobs[0], CIMJOB_REQUEST_KILL, NULL) !=
            CIMJOB_RSC_NOT_SUPPORTED)
            bad |= 1;
        if (cimjob_wait(jobs[0], 0, 100000, NULL) != CIMJOB_RC_NOT_SUPPORTED)
            bad |= 2;
        if (cimjob_registry_dispatch(reg) != CIMJOB_RC_NOT_SUPPORTED)
            bad |= 4;
        cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
        const char *argv[] = {"/bin/true", NULL};
        o.name = "in-child";
        o.argv = argv;
        cimjob_job *j = NULL;
        if (cimjob_create(reg, &o, &j) != CIMJOB_RC_NOT_SUPPORTED || j != NULL)
            bad |= 8;
        if (cimjob_registry_free(reg) != CIMJOB_RC_SUCCESS)
            bad |= 16;
        _exit(bad);
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("the forked child saw wrong answers: status 0x%x", status);
    /* The parent's jobs still run, and its exit observation still works. */
    for (size_t c = 0; c < nc; c++) {
        cimjob_job_state s = CIMJOB_JOB_STATE_NEW;
        assert_int_equal(cimjob_wait(jobs[c], 0, 200000, &s), CIMJOB_RC_TIMEOUT);
        if (s != CIMJOB_JOB_STATE_RUNNING)
            fail_msg("%s: the parent's job is %s after the child freed the registry",
                     cont_name(conts[c]), cimjob_job_state_name((int)s));
        assert_int_equal(cimjob_request_state_change(jobs[c], CIMJOB_REQUEST_TERMINATE, NULL),
                         CIMJOB_RSC_COMPLETED);
        assert_int_equal(finish(jobs[c]).job_state, CIMJOB_JOB_STATE_TERMINATED);
        cimjob_job_release(jobs[c]);
    }
    assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
}

/* A host that runs with descriptors 0-2 closed (a daemon that closed them): the library's own
 * descriptors land on 0, 1 and 2. Jobs must still report their true status and end on request,
 * and a job that inherits the host's (closed) standard streams must not find the library's
 * descriptors there. In a forked child, so the runner keeps its output; exit status 0 pass,
 * else the bits of what failed. */
static int closed_stdio_child(const cimjob_containment *conts, size_t nc)
{
    int bad = 0;
    for (int fd = 0; fd < 3; fd++)
        close(fd);
    for (size_t c = 0; c < nc; c++) {
        cimjob_posix_config pc = CIMJOB_POSIX_CONFIG_INIT;
        cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
        ro.backend = cimjob_backend_by_name("posix");
        ro.backend_config = &pc;
        cimjob_registry *reg = NULL;
        if (cimjob_registry_new(&ro, &reg) != CIMJOB_RC_SUCCESS)
            return 1;
        /* Inherited standard streams: 0-2 must be closed in the job, not ours. */
        const char *argv1[] = {"/bin/sh", "-c",
                               "for f in 0 1 2; do [ -e /proc/$$/fd/$f ] && exit 4; done; exit 3",
                               NULL};
        cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
        o.name = "closed-stdio";
        o.argv = argv1;
        o.envp = g_envp;
        o.containment = conts[c];
        o.flags = CIMJOB_JOB_START;
        cimjob_job *j1 = NULL;
        cimjob_info info = CIMJOB_INFO_INIT;
        if (cimjob_create(reg, &o, &j1) != CIMJOB_RC_SUCCESS ||
            cimjob_wait(j1, 0, 20 * SEC, NULL) != CIMJOB_RC_SUCCESS ||
            cimjob_query(j1, &info) != CIMJOB_RC_SUCCESS)
            bad |= 2;
        else if (info.job_state != CIMJOB_JOB_STATE_EXCEPTION || info.error_code != 3)
            bad |= info.error_code == 4 ? 4 : 8; /* 4: a descriptor of ours reached the job */
        cimjob_job_release(j1);
        /* A job that must be ended on request. */
        const char *argv2[] = {"/bin/sleep", "100", NULL};
        o.argv = argv2;
        for (int i = 0; i < 3; i++)
            o.stdio[i].mode = CIMJOB_STDIO_NULL;
        cimjob_job *j2 = NULL;
        info.version = CIMJOB_INFO_VERSION;
        if (cimjob_create(reg, &o, &j2) != CIMJOB_RC_SUCCESS ||
            cimjob_request_state_change(j2, CIMJOB_REQUEST_TERMINATE, NULL) !=
                CIMJOB_RSC_COMPLETED ||
            cimjob_query(j2, &info) != CIMJOB_RC_SUCCESS ||
            info.job_state != CIMJOB_JOB_STATE_TERMINATED)
            bad |= 16;
        cimjob_job_release(j2);
        if (cimjob_registry_free(reg) != CIMJOB_RC_SUCCESS)
            bad |= 32;
    }
    return bad;
}

static void test_host_closed_stdio(void **state)
{
    (void)state;
    cimjob_containment conts[3];
    size_t nc = containments(conts);
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(closed_stdio_child(conts, nc));
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("with descriptors 0-2 closed: status 0x%x (bits: 2 no end, 4 a descriptor of "
                 "ours in the job, 8 wrong status, 16 Terminate, 32 free)",
                 (unsigned)status);
}

/* ---- 3. never signal what the job cannot prove it owns ----------------------------------------
 */

/* In a PID namespace with a small pid_max: the job's main process is reaped behind the
 * library's back (the host ignores SIGCHLD), its PID goes to a stranger that leads a process
 * group of its own, then the host asks the job to Suspend and to Kill. The stranger must not
 * notice, and the job must not report the stranger's end as its own. Runs in a child that is
 * PID 1 of the namespace; exit status 0 pass, 77 skip, else the failed step. */
#define REUSE_SKIP 77

static int stranger_state(pid_t pid)
{
    char p[64], buf[512];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(p, "re");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' ? rp[2] : 0;
}

static int reuse_case(unsigned int flags, cimjob_containment cont, int round)
{
    cimjob_registry *reg;
    cimjob_posix_config pc = CIMJOB_POSIX_CONFIG_INIT;
    pc.flags = flags;
    pc.suspend_timeout_us = SEC;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_backend_by_name("posix");
    ro.backend_config = &pc;
    ro.kill_timeout_us = 2 * SEC;
    if (cimjob_registry_new(&ro, &reg) != CIMJOB_RC_SUCCESS)
        return 10;
    /* PIDs below 300 are never handed out again after a wrap: start above them. */
    for (int i = 0; i < 1000; i++) {
        pid_t p = fork();
        if (p == 0)
            _exit(0);
        if (p < 0 || p > 310)
            break;
    }
    char file[128], script[256];
    snprintf(file, sizeof file, "%s/reuse-%d", g_tmp, round);
    snprintf(script, sizeof script, "echo $$ > %s; exit 0", file);
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "reused";
    o.argv = argv;
    o.envp = g_envp;
    o.containment = cont;
    o.flags = CIMJOB_JOB_START;
    for (int i = 0; i < 3; i++)
        o.stdio[i].mode = CIMJOB_STDIO_NULL;
    cimjob_job *j = NULL;
    if (cimjob_create(reg, &o, &j) != CIMJOB_RC_SUCCESS)
        return 11;
    pid_t main_pid = read_pid(file);
    if (main_pid <= 0)
        return 12;
    /* Gone, reaped by the kernel for this host (SIGCHLD ignored): the library was not asked. */
    for (int i = 0; i < 500 && stranger_state(main_pid) != 0; i++) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    if (stranger_state(main_pid) != 0)
        return 13;
    /* Without pidfds a PID's incarnations are told apart by their start time, which the kernel
     * keeps in clock ticks (10 ms at USER_HZ 100): a PID handed out again within the same tick is
     * not told apart (docs/teardown.md). A real wrap of the PID space takes far longer than a
     * tick; this test's pid_max of 400 can do it in less, so it waits for the tick to pass. */
    long tck = sysconf(_SC_CLK_TCK);
    struct timespec ticks = {0, (long)(3 * 1000000000LL / (tck > 0 ? tck : 100))};
    if (ticks.tv_nsec >= 1000000000L)
        ticks = (struct timespec){1, 0};
    nanosleep(&ticks, NULL);
    /* Cycle the namespace's PIDs until one fork gets the job's old PID: the stranger. */
    pid_t stranger = -1;
    for (int i = 0; i < 5000 && stranger < 0; i++) {
        pid_t p = fork();
        if (p == 0) {
            if (getpid() != main_pid)
                _exit(0);
            setpgid(0, 0); /* and the leader of a group with the job's old PGID */
            for (;;)
                pause();
        }
        if (p == main_pid)
            stranger = p;
    }
    if (stranger < 0) {
        fprintf(stderr, "PID %d was not handed out again in 5000 forks\n", (int)main_pid);
        return REUSE_SKIP; /* pid_max too large to wrap here */
    }
    int rc = 0;
    (void)cimjob_request_state_change(j, CIMJOB_REQUEST_SUSPEND, NULL);
    if (stranger_state(stranger) == 'T')
        rc = 20; /* the stranger was stopped */
    (void)cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, NULL);
    (void)cimjob_kill_job(j, 0);
    int st = stranger_state(stranger);
    if (!rc && (st == 0 || st == 'Z' || st == 'T'))
        rc = 21; /* the stranger was killed or stopped */
    cimjob_job_state js = CIMJOB_JOB_STATE_NEW;
    if (!rc && cimjob_wait(j, 0, 10 * SEC, &js) != CIMJOB_RC_SUCCESS)
        rc = 22; /* the job hung in Shutting Down */
    cimjob_info info = CIMJOB_INFO_INIT;
    cimjob_query(j, &info);
    if (!rc && (info.term_signal != 0 || (info.error_code != 0 && info.error_code != 255)))
        rc = 23; /* it reported how someone else ended */
    fprintf(stderr, "pid reuse (%s%s): job %s, ErrorCode %u, \"%s\"; stranger %d state %c\n",
            cimjob_containment_name((int)cont), flags ? ", no pidfd" : "",
            cimjob_job_state_name((int)info.job_state), info.error_code, info.error_description,
            (int)stranger, stranger_state(stranger) ? stranger_state(stranger) : '-');
    int sfd = (int)syscall(SYS_pidfd_open, stranger, 0);
    if (sfd >= 0) {
        syscall(SYS_pidfd_send_signal, sfd, SIGKILL, NULL, 0);
        close(sfd);
    } else {
        kill(stranger, SIGKILL); /* our unreaped child: the PID cannot be anybody else */
    }
    cimjob_job_release(j);
    cimjob_registry_free(reg);
    return rc;
}

static int reuse_in_namespace(void)
{
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
        fprintf(stderr, "a private /proc for the PID namespace: %s\n", strerror(errno));
        return REUSE_SKIP;
    }
    /* Before Linux 6.14 pid_max is one for the whole machine: never touch it there. */
    struct utsname u;
    int major = 0, minor = 0;
    if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2 ||
        (major < 6 || (major == 6 && minor < 14))) {
        fprintf(stderr, "pid_max is not per PID namespace before Linux 6.14\n");
        return REUSE_SKIP;
    }
    FILE *f = fopen("/proc/sys/kernel/pid_max", "we");
    if (!f || fprintf(f, "400\n") < 0 || fclose(f) != 0) {
        fprintf(stderr, "pid_max cannot be set in a PID namespace here (before Linux 6.14)\n");
        return REUSE_SKIP;
    }
    signal(SIGCHLD, SIG_IGN); /* the host idiom that reaps behind the library's back */
    int rc = reuse_case(0, CIMJOB_CONTAINMENT_PGROUP, 0);
    if (!rc)
        rc = reuse_case(CIMJOB_POSIX_NO_PIDFD, CIMJOB_CONTAINMENT_PGROUP, 1);
    if (!rc)
        rc = reuse_case(CIMJOB_POSIX_NO_PIDFD, CIMJOB_CONTAINMENT_CGROUP, 2);
    return rc;
}

static void test_never_signals_a_stranger(void **state)
{
    (void)state;
#ifdef GUEST_TSAN
    skip();
#endif
    fflush(NULL);
    pid_t outer = fork();
    assert_true(outer >= 0);
    if (outer == 0) {
        if (unshare(CLONE_NEWPID | CLONE_NEWNS) != 0) {
            fprintf(stderr, "unshare(CLONE_NEWPID | CLONE_NEWNS): %s\n", strerror(errno));
            _exit(REUSE_SKIP);
        }
        pid_t init = fork(); /* PID 1 of the new namespace */
        if (init < 0)
            _exit(2);
        if (init == 0)
            _exit(reuse_in_namespace());
        int st = 0;
        while (waitpid(init, &st, 0) < 0 && errno == EINTR) {
        }
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 3);
    }
    int status = 0;
    assert_int_equal(waitpid(outer, &status, 0), outer);
    if (WIFEXITED(status) && WEXITSTATUS(status) == REUSE_SKIP) {
        print_message("SKIP: no PID namespace with a small pid_max here (needs root and "
                      "Linux 6.14 for a per-namespace pid_max)\n");
        skip();
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("PID reuse case failed at step %d (status 0x%x): see above",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, status);
}

/* ---- 11. job cgroups of dead hosts are swept, also of hosts that ran in a PID namespace ---- */

#include "own_cgroup.h" /* own_cgroup_dir(), shared with test_stuck.c */

/* A cgroup of this test's own below its cgroup, as a registry's cgroup parent: into @p parent.
 * Skips the case where there is no cgroup containment or the cgroup cannot be made. */
static void make_cgroup_parent(const char *tag, char *parent, size_t size)
{
    cimjob_containment conts[3];
    char own[3072];
    if (containments(conts) < 3 || own_cgroup_dir(own, sizeof own) != 0) {
        print_message("SKIP: no cgroup containment here\n");
        skip();
    }
    snprintf(parent, size, "%s/cimjob-guest-%s-%d", own, tag, (int)getpid());
    if (mkdir(parent, 0755) != 0) {
        print_message("SKIP: cannot make a cgroup under %s: %s\n", own, strerror(errno));
        skip();
    }
}

/* A posix registry that makes its job cgroups under @p parent; NULL if it cannot be made. */
static cimjob_registry *registry_under(const char *parent)
{
    cimjob_posix_config pc = CIMJOB_POSIX_CONFIG_INIT;
    pc.cgroup_parent = parent;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_backend_by_name("posix");
    ro.backend_config = &pc;
    cimjob_registry *reg = NULL;
    return cimjob_registry_new(&ro, &reg) == CIMJOB_RC_SUCCESS ? reg : NULL;
}

static void test_sweep_dead_hosts_of_other_namespaces(void **state)
{
    (void)state;
    char parent[3200], stale[3400], oldstyle[3400], live[3400], mine[3400];
    make_cgroup_parent("sweep", parent, sizeof parent);
    /* A host that was PID 1 of a container: a PID 1 exists here, with another start time. */
    snprintf(stale, sizeof stale, "%s/cimjob-1-12345-0", parent);
    /* The older name of the same: the PID is all there is, and PID 1 is alive: kept. */
    snprintf(oldstyle, sizeof oldstyle, "%s/cimjob-1-7", parent);
    /* A live maker (this process, as another registry would name it): kept. */
    char self[64];
    snprintf(self, sizeof self, "/proc/%d/stat", (int)getpid());
    FILE *f = fopen(self, "re");
    char buf[1024] = "";
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    unsigned long long start = 0;
    const char *rp = strrchr(buf, ')');
    for (int field = 2; rp && *rp; rp++)
        if (*rp == ' ' && ++field == 22) {
            start = strtoull(rp + 1, NULL, 10);
            break;
        }
    snprintf(live, sizeof live, "%s/cimjob-%d-%llu-4242", parent, (int)getpid(), start);
    snprintf(mine, sizeof mine, "%s/cimjob-%d-%llu-4243", parent, (int)getpid(), start + 1);
    assert_int_equal(mkdir(stale, 0755), 0);
    assert_int_equal(mkdir(oldstyle, 0755), 0);
    assert_int_equal(mkdir(live, 0755), 0);
    assert_int_equal(mkdir(mine, 0755), 0); /* our PID, another start: a dead earlier maker */

    cimjob_registry *reg = registry_under(parent);
    assert_non_null(reg);
    cimjob_job *j = start_sh(reg, CIMJOB_CONTAINMENT_CGROUP, "exit 0");
    cimjob_info info = finish(j);
    cimjob_job_release(j);
    assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
    struct stat sb;
    int stale_left = stat(stale, &sb) == 0, mine_left = stat(mine, &sb) == 0;
    int old_left = stat(oldstyle, &sb) == 0, live_left = stat(live, &sb) == 0;
    rmdir(stale);
    rmdir(oldstyle);
    rmdir(live);
    rmdir(mine);
    rmdir(parent);
    assert_int_equal(info.job_state, CIMJOB_JOB_STATE_COMPLETED);
    if (stale_left || mine_left)
        fail_msg("stale job cgroups of dead hosts were left (other namespace: %d, our PID "
                 "reused: %d)",
                 stale_left, mine_left);
    assert_true(old_left);
    assert_true(live_left);
}

/* Another host's sweep (one in another PID namespace cannot see that we live) removed a job's
 * cgroup between its last process's end and our look at cgroup.events: the job ends, as
 * Completed. It was left in Running/Shutting Down for ever, reading ENODEV as "populated"
 * (stress-posix: "<job> did not end"). Nothing pumps before the rmdir: the job has not
 * looked yet. */
static void test_job_cgroup_removed_by_another_host(void **state)
{
    (void)state;
    char parent[3200], job_cg[3600] = "";
    make_cgroup_parent("removed", parent, sizeof parent);
    cimjob_registry *reg = registry_under(parent);
    assert_non_null(reg);
    cimjob_job *j = start_sh(reg, CIMJOB_CONTAINMENT_CGROUP, "exit 0");
    /* The job's cgroup, once it is empty (the job's only process has exited). */
    int removed = 0;
    for (int i = 0; i < 500 && !removed; i++) {
        DIR *d = opendir(parent);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL)
            if (strncmp(de->d_name, "cimjob-", 7) == 0)
                snprintf(job_cg, sizeof job_cg, "%s/%s", parent, de->d_name);
        if (d)
            closedir(d);
        removed = job_cg[0] && rmdir(job_cg) == 0; /* EBUSY while the process lives */
        if (!removed)
            usleep(10000);
    }
    cimjob_job_state s = CIMJOB_JOB_STATE_NEW;
    cimjob_rc rc = cimjob_wait(j, 0, 10 * SEC, &s);
    cimjob_job_release(j);
    cimjob_rc frc = cimjob_registry_free(reg);
    rmdir(parent);
    assert_true(removed);
    if (rc != CIMJOB_RC_SUCCESS)
        fail_msg("the job whose cgroup was removed did not end: %s in %s", cimjob_rc_name((int)rc),
                 cimjob_job_state_name((int)s));
    assert_int_equal(s, CIMJOB_JOB_STATE_COMPLETED);
    assert_int_equal(frc, CIMJOB_RC_SUCCESS);
}

/* ---- 8. bounded teardown at scale ----------------------------------------------------------- */

/* cimjob_registry_free of many live subreaper jobs answers within its bound (it answered
 * Timeout at 1,000 jobs: every helper scanned all of /proc at every kill, every 50 ms). */
static void test_free_many_subreaper_jobs(void **state)
{
    (void)state;
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    long n = 1000;
    if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < 3 * n + 200)
        n = ((long)rl.rlim_cur - 200) / 3; /* two descriptors per job, and room */
    cimjob_registry *reg = new_registry(0);
    for (long i = 0; i < n; i++) {
        cimjob_job *j = start_sh(reg, CIMJOB_CONTAINMENT_SUBREAPER, "exec sleep 100");
        cimjob_job_state s = CIMJOB_JOB_STATE_NEW;
        assert_int_equal(cimjob_wait(j, CIMJOB_STATE_BIT(CIMJOB_JOB_STATE_RUNNING), 0, &s),
                         CIMJOB_RC_SUCCESS);
        cimjob_job_release(j);
    }
    cimjob_rc rc = cimjob_registry_free(reg);
    if (rc != CIMJOB_RC_SUCCESS)
        fail_msg("freeing %ld subreaper jobs answered %s: %s", n, cimjob_rc_name((int)rc),
                 cimjob_last_error());
    print_message("%ld subreaper jobs killed and freed within the bound\n", n);
}

/* ---- 9. nested cgroups of any depth -------------------------------------------------------- */

/* Job cgroups of this process left under dir. */
static int my_job_cgroups(const char *dir)
{
    char prefix[64];
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

static void test_nested_cgroups_any_depth(void **state)
{
    (void)state;
    cimjob_containment conts[3];
    char own[3072];
    if (containments(conts) < 3 || own_cgroup_dir(own, sizeof own) != 0) {
        print_message("SKIP: no cgroup containment here\n");
        skip();
    }
    char file[128], script[1024];
    snprintf(file, sizeof file, "%s/nested", g_tmp);
    /* 100 levels below the job's cgroup, a process in the deepest one, the main waiting. */
    snprintf(script, sizeof script,
             "mnt=$(grep ' - cgroup2 ' /proc/self/mountinfo | head -n 1 | cut -d' ' -f5); "
             "d=$mnt$(sed -n 's/^0:://p' /proc/self/cgroup); i=0; "
             "while [ $i -lt 100 ]; do d=$d/n$i; mkdir $d || exit 9; i=$((i+1)); done; "
             "sh -c \"echo \\$\\$ > $d/cgroup.procs && exec sleep 100\" & "
             "while [ \"$(cat $d/cgroup.procs)\" = '' ]; do sleep 0.01; done; "
             "echo $i > %s; wait",
             file);
    cimjob_registry *reg = new_registry(0);
    cimjob_job *j = start_sh(reg, CIMJOB_CONTAINMENT_CGROUP, script);
    /* 101 cgroup mkdirs (each under the kernel's one cgroup lock) and a few forks: seconds
     * when other tests make cgroups too. */
    assert_true(read_pid_within(file, 6000) == 100);
    /* Terminate reaches the deepest process: no escalation, no Timeout. */
    int rsc = cimjob_request_state_change(j, CIMJOB_REQUEST_TERMINATE, NULL);
    cimjob_info info = finish(j);
    assert_int_equal(info.job_state, CIMJOB_JOB_STATE_TERMINATED);
    if (rsc != CIMJOB_RSC_COMPLETED)
        fail_msg("Terminate answered %d: the deepest process did not hear it (%s)", rsc,
                 info.job_status);
    cimjob_job_release(j);
    assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
    /* Every directory the job made is gone with its cgroup. */
    assert_int_equal(my_job_cgroups(own), 0);
}

/* ---- 9b. a sweep in another PID namespace spares a live host's cgroups ---------------------- */

/* A registry in another PID namespace (a container beside this host, under the same cgroup)
 * cannot tell by PID and start time whether this host is alive: its sweep must leave this
 * host's empty job cgroups alone. (It removed them: a job whose main process had ended, its
 * cgroup empty, then hung in Shutting Down; a cgroup made for a job just before its process
 * was born into it was gone.) In the namespace's PID 1; exit status 0, else the failed step. */
static int sweep_from_other_namespace(const char *parent)
{
    cimjob_registry *reg = registry_under(parent);
    if (reg == NULL)
        return 1;
    const char *argv[] = {"/bin/sh", "-c", "exit 0", NULL};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "neighbour";
    o.argv = argv;
    o.envp = g_envp;
    o.containment = CIMJOB_CONTAINMENT_CGROUP; /* its first cgroup job sweeps the parent */
    o.flags = CIMJOB_JOB_START;
    for (int i = 0; i < 3; i++)
        o.stdio[i].mode = CIMJOB_STDIO_NULL;
    cimjob_job *j = NULL;
    if (cimjob_create(reg, &o, &j) != CIMJOB_RC_SUCCESS)
        return 2;
    if (cimjob_wait(j, 0, 20 * SEC, NULL) != CIMJOB_RC_SUCCESS)
        return 3;
    cimjob_job_release(j);
    return cimjob_registry_free(reg) == CIMJOB_RC_SUCCESS ? 0 : 4;
}

static void test_sweep_spares_live_hosts_of_other_namespaces(void **state)
{
    (void)state;
    char parent[3200];
    make_cgroup_parent("spare", parent, sizeof parent);
    cimjob_registry *reg = registry_under(parent);
    assert_non_null(reg);
    /* An empty job cgroup of this live host: the one its ended job left in its pool. */
    cimjob_job *j = start_sh(reg, CIMJOB_CONTAINMENT_CGROUP, "exit 0");
    assert_int_equal(finish(j).job_state, CIMJOB_JOB_STATE_COMPLETED);
    cimjob_job_release(j);
    int before = my_job_cgroups(parent);
    fflush(NULL);
    pid_t outer = fork();
    assert_true(outer >= 0);
    if (outer == 0) {
        if (unshare(CLONE_NEWPID) != 0)
            _exit(REUSE_SKIP);
        pid_t init = fork(); /* PID 1 there: this host's PID names nobody, or somebody else */
        if (init == 0)
            _exit(sweep_from_other_namespace(parent));
        int st = 0;
        while (init > 0 && waitpid(init, &st, 0) < 0 && errno == EINTR) {
        }
        _exit(init < 0 ? 5 : WIFEXITED(st) ? WEXITSTATUS(st) : 6);
    }
    int status = 0;
    assert_int_equal(waitpid(outer, &status, 0), outer);
    int after = my_job_cgroups(parent);
    assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
    int left = my_job_cgroups(parent);
    rmdir(parent);
    if (WIFEXITED(status) && WEXITSTATUS(status) == REUSE_SKIP) {
        print_message("SKIP: no PID namespace here (needs root)\n");
        skip();
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("the registry in the other namespace failed at step %d (status 0x%x)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, status);
    assert_int_equal(before, 1);
    if (after != before)
        fail_msg("a sweep in another PID namespace removed %d empty job cgroup(s) of this live "
                 "host",
                 before - after);
    assert_int_equal(left, 0); /* and this host's own end removes them */
}

/* ---- 10. waiting costs nothing when nothing happens ------------------------------------------ */

/* A WAIT_FOR_ALL job whose main process has ended while a member of its tree lives on: while
 * that member sleeps, the registry's descriptor must stay quiet (no tick, no /proc scans); when
 * it ends, the job ends. */
static void test_idle_wait_is_quiet(void **state)
{
    (void)state;
    cimjob_containment conts[3];
    size_t nc = containments(conts);
    cimjob_registry *reg = new_registry(0);
    intptr_t fd = -1;
    assert_int_equal(cimjob_registry_fd(reg, &fd), CIMJOB_RC_SUCCESS);
    for (size_t c = 0; c < nc; c++) {
        if (conts[c] == CIMJOB_CONTAINMENT_SUBREAPER)
            continue; /* its helper waits, in its own process */
        const char *argv[] = {"/bin/sh", "-c", "sleep 1 & exit 0", NULL};
        cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
        o.name = "idle";
        o.argv = argv;
        o.envp = g_envp;
        o.containment = conts[c];
        o.flags = CIMJOB_JOB_START | CIMJOB_JOB_WAIT_FOR_ALL;
        for (int i = 0; i < 3; i++)
            o.stdio[i].mode = CIMJOB_STDIO_NULL;
        cimjob_job *j = NULL;
        assert_int_equal(cimjob_create(reg, &o, &j), CIMJOB_RC_SUCCESS);
        /* Let the main process's end be observed. */
        cimjob_job_state s = CIMJOB_JOB_STATE_NEW;
        assert_int_equal(cimjob_wait(j, 0, 200000, &s), CIMJOB_RC_TIMEOUT);
        assert_int_equal(cimjob_registry_dispatch(reg), CIMJOB_RC_SUCCESS);
        struct pollfd p = {(int)fd, POLLIN, 0};
        int r = poll(&p, 1, 300);
        if (r != 0)
            fail_msg("%s: the registry woke while nothing happened (a tick)", cont_name(conts[c]));
        assert_int_equal(finish(j).job_state, CIMJOB_JOB_STATE_COMPLETED);
        cimjob_job_release(j);
    }
    assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_tmp, sizeof g_tmp, "/tmp/cimjob-guest-XXXXXX");
    return mkdtemp(g_tmp) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
    return system(cmd) == 0 ? 0 : -1;
}

/* Whatever a case did to SIGCHLD is undone, its waitpid(-1) thread stopped, and what it saw
 * left is ended, also when it failed half-way. */
static int case_teardown(void **state)
{
    (void)state;
    stop_reaper();
    g_pidfd_modes_only = 0;
    signal(SIGCHLD, SIG_DFL);
    for (int i = 0; i < g_nleft; i++)
        if (alive(g_left[i]))
            kill(g_left[i], SIGKILL);
    g_nleft = 0;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_sigchld_ignored, case_teardown),
        cmocka_unit_test_teardown(test_host_reaps_waitpid_all, case_teardown),
        cmocka_unit_test_teardown(test_host_reaps_waitpid_all_wall, case_teardown),
        cmocka_unit_test_teardown(test_stub_killed, case_teardown),
        cmocka_unit_test_teardown(test_pgroup_leftover_sigchld_ignored, case_teardown),
        cmocka_unit_test_teardown(test_callback_terminates_another, case_teardown),
        cmocka_unit_test_teardown(test_fork_child_frees_registry, case_teardown),
        cmocka_unit_test_teardown(test_host_closed_stdio, case_teardown),
        cmocka_unit_test_teardown(test_never_signals_a_stranger, case_teardown),
        cmocka_unit_test_teardown(test_sweep_dead_hosts_of_other_namespaces, case_teardown),
        cmocka_unit_test_teardown(test_job_cgroup_removed_by_another_host, case_teardown),
        cmocka_unit_test_teardown(test_idle_wait_is_quiet, case_teardown),
        cmocka_unit_test_teardown(test_nested_cgroups_any_depth, case_teardown),
        cmocka_unit_test_teardown(test_sweep_spares_live_hosts_of_other_namespaces, case_teardown),
        cmocka_unit_test_teardown(test_free_many_subreaper_jobs, case_teardown),
    };
    return cmocka_run_group_tests_name("posix-guest", tests, group_setup, group_teardown);
}
