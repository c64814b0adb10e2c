/*
 * The posix backend against real process trees: every teardown shape of the contract on every
 * containment path (cgroup, subreaper, pgroup), through the public API.
 *
 * Harness: the test process makes itself a child subreaper (so orphans of jobs come back to it
 * and can be reaped: this machine's PID 1 may not reap) and moves itself into a scratch cgroup
 * per test case. The jobs it creates are born in (or under) that cgroup, so after a request
 * the number of processes left in the case's cgroup tree, other than the test process itself,
 * is exactly what the job left behind, whatever it did to escape (setsid, double fork). The
 * case's cgroup is killed and removed afterwards, so nothing is ever left on the machine.
 * Without a writable cgroup v2 the tests that count leftovers skip with a message.
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
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cimjob/cimjob.h>
#include <cimjob/posix.h>

#define SEC INT64_C(1000000)

/* ---- harness: scratch cgroups ------------------------------------------------------------ */

static char g_orig[2048]; /* where the test process started */
static char g_base[2560]; /* <orig>/cimjob-posix-test-<pid> */
static char g_ctl[3072];  /* <base>/ctl: where the test process waits between cases */
static char g_case[3072]; /* <base>/case-N: the current case */
static int g_case_n;
static int g_cg_ok;
static char g_cg_why[2400] = "not initialised";
static const char *g_helper; /* tests/posix/cimjob-posix-helper */
static cimjob_registry *g_reg;
static int g_have_unshare;

static int write_str(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = write(fd, s, strlen(s));
    int e = errno;
    close(fd);
    errno = e;
    return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int move_self(const char *cg)
{
    char p[PATH_MAX + 32];
    char pid[32];
    snprintf(p, sizeof p, "%s/cgroup.procs", cg);
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    return write_str(p, pid);
}

static int read_key(const char *file, const char *key)
{
    FILE *f = fopen(file, "re");
    if (f == NULL) {
        return -1;
    }
    char k[64];
    int v, found = -1;
    while (fscanf(f, "%63s %d", k, &v) == 2) {
        if (strcmp(k, key) == 0) {
            found = v;
        }
    }
    fclose(f);
    return found;
}

/* Processes in a cgroup tree. */
static long cg_count(const char *path)
{
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/cgroup.procs", path);
    FILE *f = fopen(p, "re");
    if (f == NULL) {
        return 0;
    }
    long n = 0;
    int pid;
    while (fscanf(f, "%d", &pid) == 1) {
        n++;
    }
    fclose(f);
    DIR *d = opendir(path);
    if (d != NULL) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_type == DT_DIR && de->d_name[0] != '.') {
                char sub[PATH_MAX + 300];
                snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
                n += cg_count(sub);
            }
        }
        closedir(d);
    }
    return n;
}

/* Call fn for each pid in a cgroup tree. */
static void cg_each(const char *path, void (*fn)(int pid, void *ctx), void *ctx)
{
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/cgroup.procs", path);
    FILE *f = fopen(p, "re");
    if (f != NULL) {
        int pid;
        while (fscanf(f, "%d", &pid) == 1) {
            fn(pid, ctx);
        }
        fclose(f);
    }
    DIR *d = opendir(path);
    if (d != NULL) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_type == DT_DIR && de->d_name[0] != '.') {
                char sub[PATH_MAX + 300];
                snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
                cg_each(sub, fn, ctx);
            }
        }
        closedir(d);
    }
}

/* Child cgroups of a directory (the job cgroups the library made). */
static int cg_subdirs(const char *path, char *first, size_t size)
{
    int n = 0;
    DIR *d = opendir(path);
    if (d == NULL) {
        return 0;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_type == DT_DIR && de->d_name[0] != '.') {
            if (n++ == 0 && first != NULL) {
                snprintf(first, size, "%s/%s", path, de->d_name);
            }
        }
    }
    closedir(d);
    return n;
}

/* Job cgroups under path that still hold a process or are frozen. The library keeps a few
 * empty ones for its next jobs (removed when the registry is freed): those are not leftovers. */
static int cg_busy_subdirs(const char *path)
{
    int n = 0;
    DIR *d = opendir(path);
    if (d == NULL) {
        return 0;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_type == DT_DIR && de->d_name[0] != '.') {
            char ev[PATH_MAX + 300];
            snprintf(ev, sizeof ev, "%s/%s/cgroup.events", path, de->d_name);
            if (read_key(ev, "populated") != 0 || read_key(ev, "frozen") != 0) {
                n++;
            }
        }
    }
    closedir(d);
    return n;
}

static void cg_remove(const char *path)
{
    DIR *d = opendir(path);
    if (d != NULL) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_type == DT_DIR && de->d_name[0] != '.') {
                char sub[PATH_MAX + 300];
                snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
                cg_remove(sub);
            }
        }
        closedir(d);
    }
    for (int i = 0; i < 500 && rmdir(path) != 0 && errno == EBUSY; i++) {
        usleep(2000);
    }
}

static void reap_orphans(void)
{
    /* We are a subreaper: orphans of the jobs we killed are our zombies now. Only called when
     * no registry is alive, so no job's own child can be taken from the library. */
    for (int round = 0; round < 50; round++) {
        int any = 0;
        while (waitpid(-1, NULL, WNOHANG) > 0) {
            any = 1;
        }
        if (!any && waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD) {
            return;
        }
        usleep(2000);
    }
}

/* Kill and remove a cgroup tree (the test process must not be in it). */
static void cg_destroy(const char *path)
{
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/cgroup.kill", path);
    char ev[PATH_MAX + 32];
    snprintf(ev, sizeof ev, "%s/cgroup.events", path);
    for (int i = 0; i < 1000; i++) {
        (void)write_str(p, "1");
        if (read_key(ev, "populated") != 1) {
            break;
        }
        usleep(5000);
    }
    cg_remove(path);
}

static int find_own_cgroup(char *out, size_t size)
{
    char mnt[PATH_MAX] = "", own[PATH_MAX] = "";
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (f == NULL) {
        return -1;
    }
    char line[4096];
    while (fgets(line, sizeof line, f) != NULL) {
        char *sep = strstr(line, " - cgroup2 ");
        if (sep == NULL) {
            continue;
        }
        char root[PATH_MAX], mp[PATH_MAX];
        if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mp) == 2 && strcmp(root, "/") == 0) {
            snprintf(mnt, sizeof mnt, "%s", mp);
            break;
        }
    }
    fclose(f);
    f = fopen("/proc/self/cgroup", "re");
    if (f == NULL) {
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "0::", 3) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(own, sizeof own, "%s", strcmp(line + 3, "/") == 0 ? "" : line + 3);
        }
    }
    fclose(f);
    if (mnt[0] == '\0') {
        return -1;
    }
    int n = snprintf(out, size, "%s%s", mnt, own);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int harness_init(void **state)
{
    (void)state;
    g_helper = getenv("CIMJOB_POSIX_HELPER");
    /* Orphans re-parent to us instead of PID 1, which may never reap them. */
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1);
    g_have_unshare = system("unshare -p -f --mount-proc true >/dev/null 2>&1") == 0;
    if (find_own_cgroup(g_orig, sizeof g_orig) != 0) {
        snprintf(g_cg_why, sizeof g_cg_why, "no cgroup v2 mount");
        return 0;
    }
    snprintf(g_base, sizeof g_base, "%s/cimjob-posix-test-%d", g_orig, (int)getpid());
    snprintf(g_ctl, sizeof g_ctl, "%s/ctl", g_base);
    if (mkdir(g_base, 0755) != 0 || mkdir(g_ctl, 0755) != 0 || move_self(g_ctl) != 0) {
        snprintf(g_cg_why, sizeof g_cg_why, "cgroup v2 at %s is not writable (%s)", g_orig,
                 strerror(errno));
        rmdir(g_ctl);
        rmdir(g_base);
        return 0;
    }
    g_cg_ok = 1;
    return 0;
}

static int harness_fini(void **state)
{
    (void)state;
    if (g_cg_ok) {
        (void)move_self(g_orig);
        cg_destroy(g_base);
    }
    reap_orphans();
    return 0;
}

static int case_setup(void **state)
{
    (void)state;
    if (!g_cg_ok) {
        return 0;
    }
    snprintf(g_case, sizeof g_case, "%s/case-%d", g_base, ++g_case_n);
    if (mkdir(g_case, 0755) != 0 || move_self(g_case) != 0) {
        return -1;
    }
    return 0;
}

static int case_teardown(void **state)
{
    (void)state;
    if (g_reg != NULL) {
        (void)cimjob_registry_free(g_reg);
        g_reg = NULL;
    }
    if (g_cg_ok) {
        (void)move_self(g_ctl);
        cg_destroy(g_case);
    }
    reap_orphans();
    return 0;
}

/* Processes of the case other than the test process itself. */
static long case_count(void)
{
    return cg_count(g_case) - 1;
}

/* Free the registry, step out of the case's cgroup and count what is left in it. */
static long case_leftovers(void)
{
    if (g_reg != NULL) {
        (void)cimjob_registry_free(g_reg);
        g_reg = NULL;
    }
    (void)move_self(g_ctl);
    return cg_count(g_case);
}

#define REQUIRE_CGROUP_HARNESS()                                                                   \
    do {                                                                                           \
        if (!g_cg_ok) {                                                                            \
            print_message("skipped: needs a writable cgroup v2 to count leftovers: %s\n",          \
                          g_cg_why);                                                               \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* ---- library shorthands ------------------------------------------------------------------ */

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * SEC + ts.tv_nsec / 1000;
}

static cimjob_registry *new_registry(unsigned int flags)
{
    cimjob_posix_config pc = CIMJOB_POSIX_CONFIG_INIT;
    pc.flags = flags;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_backend_by_name("posix");
    assert_non_null(ro.backend);
    ro.backend_config = &pc;
    ro.default_terminate_timeout_us = 2 * SEC;
    ro.kill_timeout_us = 5 * SEC;
    cimjob_registry *reg = NULL;
    assert_int_equal(cimjob_registry_new(&ro, &reg), CIMJOB_RC_SUCCESS);
    return reg;
}

static cimjob_job *start_job(cimjob_registry *reg, const char *const *argv, cimjob_containment cont,
                             unsigned int flags, const cimjob_stdio *out)
{
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "posix test";
    o.argv = argv;
    o.containment = cont;
    o.flags = CIMJOB_JOB_START | flags;
    o.stdio[0].mode = CIMJOB_STDIO_NULL;
    if (out != NULL) {
        o.stdio[1] = *out;
    }
    cimjob_job *job = NULL;
    cimjob_rc rc = cimjob_create(reg, &o, &job);
    if (rc != CIMJOB_RC_SUCCESS) {
        fail_msg("cimjob_create: %s: %s", cimjob_rc_name((int)rc), cimjob_last_error());
    }
    return job;
}

static cimjob_info query(cimjob_job *job)
{
    cimjob_info info = CIMJOB_INFO_INIT;
    assert_int_equal(cimjob_query(job, &info), CIMJOB_RC_SUCCESS);
    return info;
}

static cimjob_job_state wait_final(cimjob_job *job, int64_t timeout_us)
{
    cimjob_job_state st = CIMJOB_JOB_STATE_NEW;
    cimjob_rc rc = cimjob_wait(job, CIMJOB_STATES_FINAL, timeout_us, &st);
    if (rc != CIMJOB_RC_SUCCESS) {
        fail_msg("job did not end: %s in state %s", cimjob_rc_name((int)rc),
                 cimjob_job_state_name((int)st));
    }
    return st;
}

/* Wait until the case holds at least n processes besides us (the tree has grown). */
static void settle(long n, int64_t bound_us)
{
    int64_t end = now_us() + bound_us;
    while (case_count() < n && now_us() < end) {
        usleep(10000);
    }
    usleep(100000); /* let the shells reach their steady state (traps set, loops entered) */
}

static const cimjob_containment g_conts[3] = {
    CIMJOB_CONTAINMENT_CGROUP, CIMJOB_CONTAINMENT_SUBREAPER, CIMJOB_CONTAINMENT_PGROUP};

/* ---- the shapes table -------------------------------------------------------------------- */

enum action { ACT_NONE, ACT_TERMINATE, ACT_KILL };

struct shape {
    int num;
    const char *name;
    const char *script; /* sh -c SCRIPT; NULL: argv below */
    const char *argv1;  /* helper mode when script is NULL */
    enum action act;
    uint64_t timeout_us; /* TimeoutPeriod of a Terminate */
    long settle;         /* processes to wait for before the request */
    int escalates;       /* a Terminate must be escalated */
    int pgroup_escapes;  /* processes that leave the process group (setsid, setpgrp) */
    int capture;         /* stdout into a pipe, and expect "started" */
    int needs_unshare;
};

static const struct shape g_shapes[] = {
    {1, "ignores_sigterm", "trap '' TERM; exec sleep 1000", NULL, ACT_TERMINATE, SEC, 1, 1, 0, 0,
     0},
    {2, "traps_term_spawns_more",
     "trap 'for i in 1 2 3 4 5; do sleep 1000 & done' TERM; while :; do sleep 1; done", NULL,
     ACT_TERMINATE, SEC, 2, 1, 0, 0, 0},
    {4, "stopped_child", "kill -STOP $$; exec sleep 1000", NULL, ACT_TERMINATE, 5 * SEC, 1, 0, 0, 0,
     0},
    {5, "main_exits_children_survive", "sleep 1000 & sleep 1000 & exit 0", NULL, ACT_NONE, 0, 0, 0,
     0, 0, 0},
    {6, "grandchild_holds_output_pipe", "sleep 1000 & echo started", NULL, ACT_NONE, 0, 0, 0, 0, 1,
     0},
    {7, "grandchild_new_process_group",
     "perl -e 'setpgrp; exec @ARGV' sleep 1000 & exec sleep 1000", NULL, ACT_KILL, 0, 2, 0, 1, 0,
     0},
    {8, "setsid_daemon", "setsid -f sleep 1000 </dev/null >/dev/null 2>&1; sleep 0.3; exit 0", NULL,
     ACT_NONE, 0, 0, 0, 1, 0, 0},
    {8, "daemon_c", NULL, "daemon", ACT_NONE, 0, 0, 0, 1, 0, 0},
    {9, "respawner", "trap '' TERM; while :; do sleep 1000; done", NULL, ACT_TERMINATE, SEC, 2, 1,
     0, 0, 0},
    {10, "fork_storm_2000",
     "i=0; while [ $i -lt 2000 ]; do (sleep 1000 &); i=$((i+1)); done; sleep 1000", NULL, ACT_KILL,
     0, 2001, 0, 0, 0, 0},
    {11, "chain_of_50_shells",
     "S='if [ $1 -gt 0 ]; then sh -c \"$0\" \"$0\" $(($1-1)); else sleep 1000; fi; :'; "
     "sh -c \"$S\" \"$S\" 50",
     NULL, ACT_KILL, 0, 51, 0, 0, 0, 0},
    {12, "wide_tree_500", "i=0; while [ $i -lt 500 ]; do sleep 1000 & i=$((i+1)); done; wait", NULL,
     ACT_TERMINATE, 5 * SEC, 501, 0, 0, 0, 0},
    {13, "zombies_under_non_reaping_parent", "for i in 1 2 3; do sleep 0 & done; exec sleep 1000",
     NULL, ACT_KILL, 0, 1, 0, 0, 0, 0},
    {15, "pid1_of_new_pid_namespace", "exec unshare -p -f --mount-proc sh -c 'sleep 1000'", NULL,
     ACT_KILL, 0, 3, 0, 0, 0, 1},
};
#define N_SHAPES (sizeof g_shapes / sizeof g_shapes[0])

struct shape_case {
    const struct shape *shape;
    cimjob_containment cont;
    unsigned int flags; /* cimjob_posix_flags for the registry */
    char name[96];
};

static struct shape_case g_shape_cases[N_SHAPES * 3 * 2];

static void run_shape(void **state)
{
    const struct shape_case *sc = *state;
    const struct shape *s = sc->shape;
    REQUIRE_CGROUP_HARNESS();
    if (s->needs_unshare && !g_have_unshare) {
        print_message("skipped: unshare -p needs root and PID namespaces\n");
        skip();
    }
    if (s->script == NULL && g_helper == NULL) {
        print_message("skipped: CIMJOB_POSIX_HELPER is not set\n");
        skip();
    }
    g_reg = new_registry(sc->flags);
    const char *sh_argv[] = {"sh", "-c", s->script, NULL};
    const char *helper_argv[] = {g_helper, s->argv1, NULL};
    const char *const *argv = s->script != NULL ? sh_argv : helper_argv;
    int pfd[2] = {-1, -1};
    cimjob_stdio out = {CIMJOB_STDIO_INHERIT, NULL, 0, -1};
    if (s->capture) {
        assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
        out.mode = CIMJOB_STDIO_FD;
        out.fd = pfd[1];
    } else {
        out.mode = CIMJOB_STDIO_NULL;
    }
    int64_t t0 = now_us();
    cimjob_job *job = start_job(g_reg, argv, sc->cont, 0, &out);
    if (pfd[1] >= 0) {
        close(pfd[1]); /* the job holds its own copy */
    }
    cimjob_info info = query(job);
    assert_int_equal(info.containment, sc->cont);
    /* A reaper stub (the main process's parent) and the subreaper's helper live in the case's
     * cgroup too: wait for the job's own processes. */
    int stub = (sc->flags & CIMJOB_POSIX_NO_PIDFD_EXIT) && sc->cont != CIMJOB_CONTAINMENT_SUBREAPER;
    settle(s->settle + stub + (sc->cont == CIMJOB_CONTAINMENT_SUBREAPER), 60 * SEC);

    cimjob_job_state st;
    int64_t t1 = now_us();
    if (s->act == ACT_NONE) {
        st = wait_final(job, 30 * SEC);
        assert_int_equal(st, CIMJOB_JOB_STATE_COMPLETED);
    } else {
        cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
        ro.timeout_us = s->act == ACT_TERMINATE ? s->timeout_us : 0;
        cimjob_rsc_rc rc = cimjob_request_state_change_ex(
            job, s->act == ACT_TERMINATE ? CIMJOB_REQUEST_TERMINATE : CIMJOB_REQUEST_KILL, &ro);
        int64_t took = now_us() - t1;
        /* The bound: TimeoutPeriod, the kill bound, and generous slack for a loaded CI. */
        int64_t bound = (int64_t)s->timeout_us + 5 * SEC + 5 * SEC;
        if (took > bound) {
            fail_msg("shape %d took %lld us (bound %lld)", s->num, (long long)took,
                     (long long)bound);
        }
        if (s->escalates) {
            assert_int_equal(rc, CIMJOB_RSC_TIMEOUT);
        } else if (rc != CIMJOB_RSC_COMPLETED) {
            fail_msg("shape %d: request returned %d (%s): %s", s->num, (int)rc,
                     cimjob_rsc_rc_name((int)rc), cimjob_last_error());
        }
        st = wait_final(job, 10 * SEC);
        assert_int_equal(st, s->act == ACT_TERMINATE ? CIMJOB_JOB_STATE_TERMINATED
                                                     : CIMJOB_JOB_STATE_KILLED);
        info = query(job);
        assert_int_equal(info.escalated, s->escalates);
    }
    /* The job has ended: its containment must be empty now (the library removes its
     * cgroup or keeps it, empty, for its next job; none is left once the registry is freed). */
    long left_in_case = case_count();
    int job_cgroups = cg_busy_subdirs(g_case);
    if (s->capture) {
        char buf[64] = "";
        ssize_t n = read(pfd[0], buf, sizeof buf - 1);
        assert_true(n > 0);
        assert_non_null(strstr(buf, "started"));
        /* Nothing holds the pipe any more: EOF, not a hang. */
        char more[8];
        assert_int_equal(read(pfd[0], more, sizeof more), 0);
        close(pfd[0]);
    }
    cimjob_job_release(job);
    long left = case_leftovers();
    long expected = sc->cont == CIMJOB_CONTAINMENT_PGROUP ? s->pgroup_escapes : 0;
    if (left != expected || left_in_case != expected) {
        fail_msg("shape %d (%s) on %s: %ld processes left (%ld right after the end), expected "
                 "%ld",
                 s->num, s->name, cimjob_containment_name((int)sc->cont), left, left_in_case,
                 expected);
    }
    assert_int_equal(job_cgroups, 0);
    assert_int_equal(cimjob_registry_free(g_reg), CIMJOB_RC_SUCCESS);
    g_reg = NULL;
    assert_int_equal(cg_subdirs(g_case, NULL, 0), 0);
    (void)t0;
}

/* ---- shape 3: host has SIGTERM ignored and blocked ---------------------------------------- */

static void test_host_sigterm_ignored(void **state)
{
    (void)state;
    REQUIRE_CGROUP_HARNESS();
    struct sigaction ign, old_act;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGTERM, &ign, &old_act);
    sigset_t set, old_mask;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, &old_mask);
    g_reg = new_registry(0);
    for (int c = 0; c < 3; c++) {
        const char *argv[] = {"sleep", "1000", NULL};
        cimjob_job *job = start_job(g_reg, argv, g_conts[c], 0, NULL);
        settle(1, 5 * SEC);
        int64_t t = now_us();
        cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
        ro.timeout_us = 10 * SEC;
        assert_int_equal(cimjob_request_state_change_ex(job, CIMJOB_REQUEST_TERMINATE, &ro),
                         CIMJOB_RSC_COMPLETED);
        assert_true(now_us() - t < 5 * SEC); /* SIGTERM worked: no escalation was needed */
        assert_int_equal(query(job).job_state, CIMJOB_JOB_STATE_TERMINATED);
        assert_int_equal(query(job).escalated, 0);
        cimjob_job_release(job);
    }
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    sigaction(SIGTERM, &old_act, NULL);
    assert_int_equal(case_leftovers(), 0);
}

/* ---- shape 18: not found, not executable, SIGSEGV, exit 3 -------------------------------- */

static void expect_exception(cimjob_containment cont, const char *const *argv, uint32_t code,
                             const char *needle)
{
    cimjob_job *job = start_job(g_reg, argv, cont, 0, NULL);
    assert_int_equal(wait_final(job, 10 * SEC), CIMJOB_JOB_STATE_EXCEPTION);
    cimjob_info info = query(job);
    if (info.error_code != code || strstr(info.error_description, needle) == NULL) {
        fail_msg("%s on %s: ErrorCode %u \"%s\", expected %u \"%s\"", argv[0],
                 cimjob_containment_name((int)cont), info.error_code, info.error_description, code,
                 needle);
    }
    cimjob_job_release(job);
}

static void test_exec_errors(void **state)
{
    (void)state;
    REQUIRE_CGROUP_HARNESS();
    char noexec[] = "/tmp/cimjob-noexec-XXXXXX";
    int fd = mkstemp(noexec);
    assert_true(fd >= 0);
    close(fd);
    chmod(noexec, 0644);
    /* As the host's child, and as the reaper stub's (what kernels before 6.15 get). */
    static const unsigned int modes[] = {0, CIMJOB_POSIX_NO_PIDFD_EXIT};
    for (size_t m = 0; m < 2 * 3; m++) {
        int c = (int)(m % 3);
        if (c == 0) {
            if (g_reg != NULL) {
                assert_int_equal(cimjob_registry_free(g_reg), CIMJOB_RC_SUCCESS);
            }
            g_reg = new_registry(modes[m / 3]);
        }
        const char *nf[] = {"cimjob-no-such-command-xyz", NULL};
        expect_exception(g_conts[c], nf, 127, "command not found: cimjob-no-such-command-xyz");
        const char *nf2[] = {"/nonexistent/dir/cmd", NULL};
        expect_exception(g_conts[c], nf2, 127, "command not found");
        const char *ne[] = {noexec, NULL};
        expect_exception(g_conts[c], ne, 126, "command not executable");
        const char *dir[] = {"/tmp", NULL};
        expect_exception(g_conts[c], dir, 126, "command not executable");
        const char *ex3[] = {"sh", "-c", "exit 3", NULL};
        expect_exception(g_conts[c], ex3, 3, "exited with status 3");
        const char *segv[] = {"sh", "-c", "kill -SEGV $$", NULL};
        expect_exception(g_conts[c], segv, 139, "killed by signal 11 (SIGSEGV)");
        if (g_helper != NULL) {
            const char *hsegv[] = {g_helper, "segv", NULL};
            expect_exception(g_conts[c], hsegv, 139, "killed by signal 11 (SIGSEGV)");
        }
    }
    unlink(noexec);
    assert_int_equal(case_leftovers(), 0);
}

/* ---- descriptor and signal hygiene ------------------------------------------------------- */

static void test_child_hygiene(void **state)
{
    (void)state;
    if (g_helper == NULL) {
        print_message("skipped: CIMJOB_POSIX_HELPER is not set\n");
        skip();
    }
    /* A careless host: a descriptor without CLOEXEC, SIGINT ignored, SIGUSR1 blocked. */
    int leak = open("/dev/null", O_RDONLY);
    assert_true(leak >= 3);
    struct sigaction ign, old_act;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGINT, &ign, &old_act);
    sigset_t set, old_mask;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old_mask);
    g_reg = new_registry(0);
    for (int c = 0; c < 3; c++) {
        if (!g_cg_ok && c == 0) {
            continue;
        }
        int pfd[2];
        assert_int_equal(pipe(pfd), 0); /* deliberately without O_CLOEXEC */
        cimjob_stdio out = {CIMJOB_STDIO_FD, NULL, 0, pfd[1]};
        const char *argv[] = {g_helper, "fds", NULL};
        cimjob_job *job = start_job(g_reg, argv, g_conts[c], 0, &out);
        close(pfd[1]);
        assert_int_equal(wait_final(job, 10 * SEC), CIMJOB_JOB_STATE_COMPLETED);
        char buf[512] = "";
        ssize_t n = read(pfd[0], buf, sizeof buf - 1);
        close(pfd[0]);
        assert_true(n > 0);
        buf[n > 0 ? n : 0] = '\0';
        const char *want =
            "fds=0,1,2 sigblk=0000000000000000 sigign=0000000000000000 pgrp_leader=1\n";
        if (strcmp(buf, want) != 0) {
            fail_msg("on %s the child saw: %s", cimjob_containment_name((int)g_conts[c]), buf);
        }
        cimjob_job_release(job);
    }
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    sigaction(SIGINT, &old_act, NULL);
    close(leak);
}

/* Every descriptor the library holds is close-on-exec. */
static void test_library_fds_cloexec(void **state)
{
    (void)state;
    /* Only what appears from here on is the library's (the test runner may inherit some). */
    static unsigned char before[4096];
    memset(before, 0, sizeof before);
    for (int fd = 0; fd < 4096; fd++) {
        before[fd] = fcntl(fd, F_GETFD) >= 0;
    }
    g_reg = new_registry(0);
    const char *argv[] = {"sleep", "1000", NULL};
    cimjob_job *job =
        start_job(g_reg, argv, CIMJOB_CONTAINMENT_AUTO, CIMJOB_JOB_DIE_WITH_HOST, NULL);
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        int fd = atoi(de->d_name);
        if (de->d_name[0] == '.' || fd == dirfd(d) || (fd < 4096 && before[fd])) {
            continue;
        }
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0 && !(fl & FD_CLOEXEC)) {
            char target[256] = "";
            char link[64];
            snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
            ssize_t n = readlink(link, target, sizeof target - 1);
            target[n > 0 ? n : 0] = '\0';
            fail_msg("descriptor %d (%s) is not close-on-exec", fd, target);
        }
    }
    closedir(d);
    assert_int_equal(cimjob_request_state_change(job, CIMJOB_REQUEST_KILL, NULL),
                     CIMJOB_RSC_COMPLETED);
    cimjob_job_release(job);
}

/* ---- stdio modes and bad input ------------------------------------------------------------ */

static void test_stdio_file_and_cwd(void **state)
{
    (void)state;
    char dir[] = "/tmp/cimjob-cwd-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char out[PATH_MAX];
    snprintf(out, sizeof out, "%s/out.txt", dir);
    g_reg = new_registry(0);
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    const char *argv[] = {"sh", "-c", "pwd; cat; echo err >&2", NULL};
    o.name = "stdio";
    o.argv = argv;
    o.cwd = dir;
    o.flags = CIMJOB_JOB_START;
    o.stdio[0].mode = CIMJOB_STDIO_NULL;
    o.stdio[1].mode = CIMJOB_STDIO_FILE;
    o.stdio[1].path = out;
    o.stdio[2].mode = CIMJOB_STDIO_NULL;
    cimjob_job *job = NULL;
    assert_int_equal(cimjob_create(g_reg, &o, &job), CIMJOB_RC_SUCCESS);
    assert_int_equal(wait_final(job, 10 * SEC), CIMJOB_JOB_STATE_COMPLETED);
    cimjob_job_release(job);
    FILE *f = fopen(out, "r");
    assert_non_null(f);
    char line[PATH_MAX] = "";
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    line[strcspn(line, "\n")] = '\0';
    assert_string_equal(line, dir);
    unlink(out);
    rmdir(dir);
}

static void expect_start_failure(const cimjob_job_options *o, const char *needle)
{
    cimjob_job *job = NULL;
    cimjob_rc rc = cimjob_create(g_reg, o, &job);
    if (rc != CIMJOB_RC_SUCCESS) {
        /* Rejected up front by the core (e.g. empty argv): fine, with a message. */
        assert_int_equal(rc, CIMJOB_RC_INVALID_PARAMETER);
        return;
    }
    assert_int_equal(wait_final(job, 5 * SEC), CIMJOB_JOB_STATE_EXCEPTION);
    cimjob_info info = query(job);
    if (strstr(info.error_description, needle) == NULL) {
        fail_msg("ErrorDescription \"%s\" does not mention \"%s\"", info.error_description, needle);
    }
    cimjob_job_release(job);
}

static void test_bad_input(void **state)
{
    (void)state;
    g_reg = new_registry(0);
    const char *argv[] = {"sleep", "1000", NULL};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "bad";
    o.argv = argv;
    o.flags = CIMJOB_JOB_START;

    o.cwd = "/nonexistent/cimjob";
    expect_start_failure(&o, "working directory '/nonexistent/cimjob'");
    o.cwd = "/etc/passwd";
    expect_start_failure(&o, "is not a directory");
    o.cwd = NULL;

    o.stdio[1].mode = CIMJOB_STDIO_FD;
    o.stdio[1].fd = 987; /* not open */
    expect_start_failure(&o, "stdout: descriptor 987 is not open");
    o.stdio[1].mode = CIMJOB_STDIO_FILE;
    o.stdio[1].path = "/nonexistent/dir/out";
    expect_start_failure(&o, "stdout file '/nonexistent/dir/out'");
    o.stdio[1].mode = CIMJOB_STDIO_INHERIT;

    const char *empty[] = {NULL};
    o.argv = empty;
    cimjob_job *job = NULL;
    assert_int_equal(cimjob_create(g_reg, &o, &job), CIMJOB_RC_INVALID_PARAMETER);
    const char *blank[] = {"", NULL};
    o.argv = blank;
    expect_start_failure(&o, "argv");

    /* A request on a job whose processes are already gone: not a failure, nothing else hit. */
    const char *t[] = {"true", NULL};
    for (int c = 0; c < 3; c++) {
        if (!g_cg_ok && c == 0) {
            continue;
        }
        job = start_job(g_reg, t, g_conts[c], 0, NULL);
        usleep(200000); /* it has exited, but nobody has dispatched yet */
        cimjob_rsc_rc rc = cimjob_request_state_change(job, CIMJOB_REQUEST_KILL, NULL);
        assert_true(rc == CIMJOB_RSC_COMPLETED || rc == CIMJOB_RSC_INVALID_STATE_TRANSITION);
        cimjob_job_state st = wait_final(job, 5 * SEC);
        assert_true(st == CIMJOB_JOB_STATE_KILLED || st == CIMJOB_JOB_STATE_COMPLETED);
        cimjob_job_release(job);
    }
}

/* ---- forced containment, reporting, wait-for-all ------------------------------------------ */

static void test_containment_reported(void **state)
{
    (void)state;
    g_reg = new_registry(0);
    const char *argv[] = {"true", NULL};
    cimjob_job *job = start_job(g_reg, argv, CIMJOB_CONTAINMENT_AUTO, 0, NULL);
    wait_final(job, 5 * SEC);
    cimjob_containment got = query(job).containment;
    print_message("AUTO picked: %s\n", cimjob_containment_name((int)got));
    if (g_cg_ok) {
        assert_int_equal(got, CIMJOB_CONTAINMENT_CGROUP);
    } else {
        assert_int_equal(got, CIMJOB_CONTAINMENT_SUBREAPER);
    }
    cimjob_job_release(job);
    /* A containment the platform does not have is refused with a clear code. */
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "job object";
    o.argv = argv;
    o.containment = CIMJOB_CONTAINMENT_JOB_OBJECT;
    o.flags = CIMJOB_JOB_START;
    job = NULL;
    assert_int_equal(cimjob_create(g_reg, &o, &job), CIMJOB_RC_SUCCESS);
    assert_int_equal(wait_final(job, 5 * SEC), CIMJOB_JOB_STATE_EXCEPTION);
    assert_int_equal(query(job).error_code, CIMJOB_RC_NOT_SUPPORTED);
    cimjob_job_release(job);
}

static void test_wait_for_all(void **state)
{
    (void)state;
    REQUIRE_CGROUP_HARNESS();
    g_reg = new_registry(0);
    for (int c = 0; c < 3; c++) {
        const char *argv[] = {"sh", "-c", "sleep 0.6 & exit 0", NULL};
        int64_t t = now_us();
        cimjob_job *job = start_job(g_reg, argv, g_conts[c], CIMJOB_JOB_WAIT_FOR_ALL, NULL);
        assert_int_equal(wait_final(job, 10 * SEC), CIMJOB_JOB_STATE_COMPLETED);
        int64_t took = now_us() - t;
        if (took < 500000) {
            fail_msg("on %s the job ended after %lld us, before its background child",
                     cimjob_containment_name((int)g_conts[c]), (long long)took);
        }
        cimjob_job_release(job);
    }
    assert_int_equal(case_leftovers(), 0);
}

/* ---- shape 17: suspend and resume a tree of 500 ------------------------------------------ */

struct stopped_ctx {
    int self;
    long running;
    long stopped;
    const char *exclude_comm;
};

static void count_stopped(int pid, void *ctx)
{
    struct stopped_ctx *c = ctx;
    if (pid == c->self) {
        return;
    }
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        return;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *open_p = strchr(buf, '(');
    char *close_p = strrchr(buf, ')');
    if (open_p == NULL || close_p == NULL) {
        return;
    }
    /* The job's helper processes are forks of this test binary: they keep running. */
    *close_p = '\0';
    if (c->exclude_comm != NULL && strcmp(open_p + 1, c->exclude_comm) == 0) {
        return;
    }
    char s = close_p[2];
    if (s == 'T' || s == 't') {
        c->stopped++;
    } else if (s != 'Z') {
        c->running++;
    }
}

static void test_suspend_resume_500(void **state)
{
    (void)state;
    REQUIRE_CGROUP_HARNESS();
    char comm[32] = "";
    FILE *f = fopen("/proc/self/comm", "re");
    if (f != NULL) {
        if (fgets(comm, sizeof comm, f) == NULL) {
            comm[0] = '\0';
        }
        comm[strcspn(comm, "\n")] = '\0';
        fclose(f);
    }
    g_reg = new_registry(0);
    for (int c = 0; c < 3; c++) {
        const char *argv[] = {
            "sh", "-c", "i=0; while [ $i -lt 500 ]; do sleep 1000 & i=$((i+1)); done; wait", NULL};
        long before = case_count();
        cimjob_job *job = start_job(g_reg, argv, g_conts[c], 0, NULL);
        settle(before + 501, 60 * SEC);
        assert_int_equal(cimjob_request_state_change(job, CIMJOB_REQUEST_SUSPEND, NULL),
                         CIMJOB_RSC_COMPLETED);
        assert_int_equal(query(job).job_state, CIMJOB_JOB_STATE_SUSPENDED);
        struct stopped_ctx sc = {(int)getpid(), 0, 0, comm};
        if (g_conts[c] == CIMJOB_CONTAINMENT_CGROUP) {
            char cg[PATH_MAX], ev[PATH_MAX + 32];
            assert_int_equal(cg_subdirs(g_case, cg, sizeof cg), 1);
            snprintf(ev, sizeof ev, "%s/cgroup.events", cg);
            assert_int_equal(read_key(ev, "frozen"), 1);
        } else {
            cg_each(g_case, count_stopped, &sc);
            if (sc.running != 0 || sc.stopped < 501) {
                fail_msg("on %s: %ld running, %ld stopped after Suspend",
                         cimjob_containment_name((int)g_conts[c]), sc.running, sc.stopped);
            }
        }
        assert_int_equal(cimjob_request_state_change(job, CIMJOB_REQUEST_START, NULL),
                         CIMJOB_RSC_COMPLETED);
        assert_int_equal(query(job).job_state, CIMJOB_JOB_STATE_RUNNING);
        if (g_conts[c] == CIMJOB_CONTAINMENT_CGROUP) {
            char cg[PATH_MAX], ev[PATH_MAX + 32];
            assert_int_equal(cg_subdirs(g_case, cg, sizeof cg), 1);
            snprintf(ev, sizeof ev, "%s/cgroup.events", cg);
            int64_t end = now_us() + 5 * SEC;
            while (read_key(ev, "frozen") != 0 && now_us() < end) {
                usleep(1000);
            }
            assert_int_equal(read_key(ev, "frozen"), 0);
        } else {
            int64_t end = now_us() + 5 * SEC;
            do {
                usleep(5000);
                sc.running = sc.stopped = 0;
                cg_each(g_case, count_stopped, &sc);
            } while (sc.stopped != 0 && now_us() < end);
            if (sc.stopped != 0 || sc.running < 501) {
                fail_msg("on %s: %ld running, %ld stopped after Start",
                         cimjob_containment_name((int)g_conts[c]), sc.running, sc.stopped);
            }
        }
        assert_int_equal(cimjob_request_state_change(job, CIMJOB_REQUEST_KILL, NULL),
                         CIMJOB_RSC_COMPLETED);
        cimjob_job_release(job);
        assert_int_equal(case_count(), 0);
    }
    assert_int_equal(case_leftovers(), 0);
}

/* ---- shape 16: the host is SIGKILLed mid-job --------------------------------------------- */

static void test_host_death(void **state)
{
    (void)state;
    REQUIRE_CGROUP_HARNESS();
    /* As the host's child, and through the reaper stub (an orphan once the host is gone). */
    for (int m = 0; m < 2 * 3; m++) {
        int c = m % 3;
        unsigned int flags = m < 3 ? 0 : CIMJOB_POSIX_NO_PIDFD_EXIT;
        if (flags && g_conts[c] == CIMJOB_CONTAINMENT_SUBREAPER) {
            continue;
        }
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t host = fork();
        assert_true(host >= 0);
        if (host == 0) {
            /* The doomed host: a registry with one die-with-host job, then wait forever. */
            close(p[0]);
            cimjob_posix_config pc = CIMJOB_POSIX_CONFIG_INIT;
            pc.flags = flags;
            cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
            ro.backend = cimjob_backend_by_name("posix");
            ro.backend_config = &pc;
            cimjob_registry *reg = NULL;
            if (cimjob_registry_new(&ro, &reg) != CIMJOB_RC_SUCCESS) {
                _exit(1);
            }
            const char *argv[] = {"sh", "-c",
                                  "sleep 1000 & setsid -f sleep 1000 </dev/null >/dev/null 2>&1; "
                                  "sleep 1000",
                                  NULL};
            cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
            o.name = "doomed";
            o.argv = argv;
            o.containment = g_conts[c];
            o.flags = CIMJOB_JOB_START | CIMJOB_JOB_DIE_WITH_HOST;
            o.stdio[0].mode = CIMJOB_STDIO_NULL;
            cimjob_job *job = NULL;
            if (cimjob_create(reg, &o, &job) != CIMJOB_RC_SUCCESS) {
                _exit(2);
            }
            if (write(p[1], "r", 1) != 1) {
                _exit(3);
            }
            for (;;) {
                (void)cimjob_registry_run(reg, -1);
            }
        }
        close(p[1]);
        char r;
        assert_int_equal(read(p[0], &r, 1), 1);
        close(p[0]);
        settle(4, 5 * SEC); /* host, its job's processes, the helper */
        assert_true(case_count() >= 4);
        kill(host, SIGKILL);
        assert_int_equal(waitpid(host, NULL, 0), host);
        long expected = g_conts[c] == CIMJOB_CONTAINMENT_PGROUP ? 1 : 0;
        int64_t end = now_us() + 10 * SEC;
        while (case_count() > expected && now_us() < end) {
            usleep(10000);
        }
        long left = case_count();
        if (left != expected) {
            fail_msg("on %s%s: %ld processes outlived the host (expected %ld)",
                     cimjob_containment_name((int)g_conts[c]), flags ? " (reaper stub)" : "", left,
                     expected);
        }
        /* Clean the case for the next path (pgroup's setsid daemon escaped, as documented). */
        (void)move_self(g_ctl);
        cg_destroy(g_case);
        reap_orphans();
        assert_int_equal(mkdir(g_case, 0755), 0);
        assert_int_equal(move_self(g_case), 0);
    }
}

/* ---- shape 14: PID reuse after the main process was reaped ------------------------------- */

/* Runs as PID 2 of a fresh PID namespace whose pid_max is small. Exit codes: 0 pass, 77 skip,
 * anything else a failure (printed). */
static int pid_reuse_scenario(cimjob_containment cont)
{
    cimjob_posix_config pc = CIMJOB_POSIX_CONFIG_INIT;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_backend_by_name("posix");
    ro.backend_config = &pc;
    cimjob_registry *reg = NULL;
    if (cimjob_registry_new(&ro, &reg) != CIMJOB_RC_SUCCESS) {
        return 10;
    }
    char file[] = "/tmp/cimjob-pidreuse-XXXXXX";
    int fd = mkstemp(file);
    if (fd < 0) {
        return 11;
    }
    close(fd);
    /* After a wrap PIDs restart at 300, so push the counter past that first: the main
     * process must get a PID the wrap can come back to. */
    for (int i = 0; i < 320; i++) {
        pid_t p = fork();
        if (p == 0) {
            _exit(0);
        }
        if (p > 0) {
            waitpid(p, NULL, 0);
        }
    }
    /* What keeps the job alive after its main process ends must not be in the main
     * process's group (a live group member pins the leader's PID number too), except in
     * pgroup containment, where the group is all the job there is. */
    char script[256];
    snprintf(script, sizeof script,
             "echo $$ > %s; %s sleep 1000 </dev/null >/dev/null 2>&1 & exit 0", file,
             cont == CIMJOB_CONTAINMENT_PGROUP ? "" : "setsid");
    const char *argv[] = {"sh", "-c", script, NULL};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "reuse";
    o.argv = argv;
    o.containment = cont;
    o.flags = CIMJOB_JOB_START | CIMJOB_JOB_WAIT_FOR_ALL;
    o.stdio[0].mode = CIMJOB_STDIO_NULL;
    cimjob_job *job = NULL;
    if (cimjob_create(reg, &o, &job) != CIMJOB_RC_SUCCESS) {
        return 12;
    }
    /* Let the main process exit and be observed (reaped, or held as a zombie in pgroup). */
    int main_pid = 0;
    for (int i = 0; i < 100 && main_pid == 0; i++) {
        (void)cimjob_wait(job, CIMJOB_STATES_FINAL, 20000, NULL);
        FILE *f = fopen(file, "r");
        if (f != NULL) {
            if (fscanf(f, "%d", &main_pid) != 1) {
                main_pid = 0;
            }
            fclose(f);
        }
    }
    unlink(file);
    if (main_pid <= 0) {
        return 13;
    }
    for (int i = 0; i < 20; i++) {
        (void)cimjob_wait(job, CIMJOB_STATES_FINAL, 10000, NULL);
    }
    /* Churn PIDs until a stranger gets the main process's old PID. */
    long pid_max = 0;
    FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
    if (f != NULL) {
        if (fscanf(f, "%ld", &pid_max) != 1) {
            pid_max = 0;
        }
        fclose(f);
    }
    pid_t stranger = -1;
    for (long i = 0; i < 3 * pid_max && stranger < 0; i++) {
        pid_t p = fork();
        if (p == 0) {
            pause();
            _exit(0);
        }
        if (p < 0) {
            usleep(1000);
            continue;
        }
        if (p == main_pid) {
            stranger = p;
        } else {
            kill(p, SIGKILL);
            waitpid(p, NULL, 0);
        }
    }
    if (cont == CIMJOB_CONTAINMENT_PGROUP) {
        /* The library holds the leader's zombie while the group may be signalled, so its PID
         * can never be handed to a stranger. */
        if (stranger >= 0) {
            printf("pgroup: the main process's PID %d was reused while the job ran\n", main_pid);
            return 20;
        }
        stranger = fork();
        if (stranger == 0) {
            setpgid(0, 0);
            pause();
            _exit(0);
        }
    } else if (stranger < 0) {
        printf("%s: PID %d never came round again (pid_max %ld)\n",
               cimjob_containment_name((int)cont), main_pid, pid_max);
        return 21;
    }
    cimjob_request_options rq = CIMJOB_REQUEST_OPTIONS_INIT;
    rq.timeout_us = 2 * SEC;
    cimjob_rsc_rc rc = cimjob_request_state_change_ex(job, CIMJOB_REQUEST_TERMINATE, &rq);
    if (rc != CIMJOB_RSC_COMPLETED) {
        printf("terminate: %d %s\n", (int)rc, cimjob_last_error());
        return 22;
    }
    rc = cimjob_request_state_change(job, CIMJOB_REQUEST_KILL, NULL);
    (void)rc;
    int st;
    if (waitpid(stranger, &st, WNOHANG) != 0) {
        printf("%s: the stranger with PID %d was signalled\n", cimjob_containment_name((int)cont),
               stranger);
        return 23;
    }
    kill(stranger, SIGKILL);
    waitpid(stranger, NULL, 0);
    cimjob_job_release(job);
    cimjob_registry_free(reg);
    return 0;
}

static void test_pid_reuse(void **state)
{
    (void)state;
    REQUIRE_CGROUP_HARNESS();
    if (!g_have_unshare) {
        print_message("skipped: needs PID namespaces (root)\n");
        skip();
    }
    for (int c = 0; c < 3; c++) {
        pid_t a = fork();
        assert_true(a >= 0);
        if (a == 0) {
            if (unshare(CLONE_NEWPID | CLONE_NEWNS) != 0) {
                _exit(77);
            }
            pid_t b = fork();
            if (b < 0) {
                _exit(30);
            }
            if (b > 0) {
                int st;
                waitpid(b, &st, 0);
                _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 31);
            }
            /* PID 1 of the namespace: a fresh /proc, a small pid_max, then reap everything
             * until the scenario (PID 2) ends. */
            if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
                mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
                _exit(77);
            }
            int fd = open("/proc/sys/kernel/pid_max", O_WRONLY);
            if (fd < 0 || write(fd, "1000", 4) != 4) {
                printf("cannot set a per-namespace pid_max (Linux < 6.14?)\n");
                _exit(77);
            }
            close(fd);
            pid_t s = fork();
            if (s == 0) {
                int r = pid_reuse_scenario(g_conts[c]);
                fflush(stdout);
                _exit(r);
            }
            for (;;) {
                int st;
                pid_t w = waitpid(-1, &st, 0);
                if (w == s) {
                    fflush(stdout);
                    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 32);
                }
                if (w < 0 && errno == ECHILD) {
                    _exit(33);
                }
            }
        }
        int st;
        assert_int_equal(waitpid(a, &st, 0), a);
        assert_true(WIFEXITED(st));
        if (WEXITSTATUS(st) == 77) {
            print_message("skipped: no PID namespace with a small pid_max here\n");
            skip();
        }
        if (WEXITSTATUS(st) != 0) {
            fail_msg("PID reuse scenario on %s failed with %d",
                     cimjob_containment_name((int)g_conts[c]), WEXITSTATUS(st));
        }
    }
    assert_int_equal(case_leftovers(), 0);
}

/* ---- 1000 jobs: no descriptor or memory growth ------------------------------------------- */

static int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL) {
        return -1;
    }
    while (readdir(d) != NULL) {
        n++;
    }
    closedir(d);
    return n;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    long kb = -1;
    char line[256];
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kb = atol(line + 6);
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return kb;
}

static void run_many(cimjob_containment cont, int n)
{
    const char *argv[] = {"true", NULL};
    for (int i = 0; i < n; i++) {
        cimjob_job *job = start_job(g_reg, argv, cont, 0, NULL);
        assert_int_equal(wait_final(job, 10 * SEC), CIMJOB_JOB_STATE_COMPLETED);
        assert_int_equal(cimjob_remove(g_reg, job), CIMJOB_RC_SUCCESS);
        cimjob_job_release(job);
    }
}

static void test_many_jobs(void **state)
{
    (void)state;
    g_reg = new_registry(0);
    cimjob_containment cont = g_cg_ok ? CIMJOB_CONTAINMENT_AUTO : CIMJOB_CONTAINMENT_SUBREAPER;
    run_many(cont, 50); /* warm up: allocator arenas, lazily opened files */
    int fds0 = count_fds();
    long rss0 = rss_kb();
    run_many(cont, 1000);
    run_many(CIMJOB_CONTAINMENT_SUBREAPER, 100);
    run_many(CIMJOB_CONTAINMENT_PGROUP, 100);
    int fds1 = count_fds();
    long rss1 = rss_kb();
    assert_int_equal(fds1, fds0);
    print_message("RSS %ld kB -> %ld kB over 1200 jobs\n", rss0, rss1);
    /* Generous: sanitizers keep freed memory in quarantine. */
    assert_true(rss1 - rss0 < 64 * 1024);
    size_t count = 99;
    assert_int_equal(cimjob_registry_count(g_reg, &count), CIMJOB_RC_SUCCESS);
    assert_int_equal(count, 0);
    if (g_cg_ok) {
        assert_int_equal(case_leftovers(), 0);
    }
}

/* ---- threads: concurrent requests and dispatch ------------------------------------------- */

struct worker {
    cimjob_containment cont;
    int failures;
};

static atomic_int g_stop_dispatch;

static void *dispatcher(void *arg)
{
    (void)arg;
    while (!g_stop_dispatch) {
        (void)cimjob_registry_run(g_reg, 10000);
    }
    return NULL;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 10; i++) {
        const char *argv[] = {"sh", "-c", "sleep 1000 & sleep 1000", NULL};
        cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
        o.name = "thread";
        o.argv = argv;
        o.containment = w->cont;
        o.flags = CIMJOB_JOB_START;
        o.stdio[0].mode = CIMJOB_STDIO_NULL;
        cimjob_job *job = NULL;
        if (cimjob_create(g_reg, &o, &job) != CIMJOB_RC_SUCCESS) {
            w->failures++;
            continue;
        }
        cimjob_requested_state rq = i % 2 ? CIMJOB_REQUEST_KILL : CIMJOB_REQUEST_TERMINATE;
        if (cimjob_request_state_change(job, rq, NULL) != CIMJOB_RSC_COMPLETED) {
            w->failures++;
        }
        cimjob_job_state st = CIMJOB_JOB_STATE_NEW;
        if (cimjob_wait(job, 0, 10 * SEC, &st) != CIMJOB_RC_SUCCESS ||
            st != (i % 2 ? CIMJOB_JOB_STATE_KILLED : CIMJOB_JOB_STATE_TERMINATED)) {
            w->failures++;
        }
        cimjob_job_release(job);
    }
    return NULL;
}

struct killer {
    cimjob_job *job;
};

static void *kill_later(void *arg)
{
    struct killer *k = arg;
    usleep(300000);
    (void)cimjob_request_state_change(k->job, CIMJOB_REQUEST_KILL, NULL);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    REQUIRE_CGROUP_HARNESS();
    g_reg = new_registry(0);
    g_stop_dispatch = 0;
    pthread_t disp;
    assert_int_equal(pthread_create(&disp, NULL, dispatcher, NULL), 0);
    struct worker w[3];
    pthread_t t[3];
    for (int c = 0; c < 3; c++) {
        w[c].cont = g_conts[c];
        w[c].failures = 0;
        assert_int_equal(pthread_create(&t[c], NULL, worker_main, &w[c]), 0);
    }
    for (int c = 0; c < 3; c++) {
        pthread_join(t[c], NULL);
        assert_int_equal(w[c].failures, 0);
    }
    /* A Kill during a Terminate wins: the job ends Killed, long before the grace period. */
    for (int c = 0; c < 3; c++) {
        const char *argv[] = {"sh", "-c", "trap '' TERM; sleep 1000 & exec sleep 1000", NULL};
        cimjob_job *job = start_job(g_reg, argv, g_conts[c], 0, NULL);
        settle(2 + (g_conts[c] == CIMJOB_CONTAINMENT_SUBREAPER), 5 * SEC); /* and the helper */
        struct killer k = {job};
        pthread_t kt;
        assert_int_equal(pthread_create(&kt, NULL, kill_later, &k), 0);
        int64_t t0 = now_us();
        cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
        ro.timeout_us = 30 * SEC;
        (void)cimjob_request_state_change_ex(job, CIMJOB_REQUEST_TERMINATE, &ro);
        pthread_join(kt, NULL);
        assert_int_equal(wait_final(job, 10 * SEC), CIMJOB_JOB_STATE_KILLED);
        assert_true(now_us() - t0 < 10 * SEC);
        cimjob_job_release(job);
    }
    g_stop_dispatch = 1;
    pthread_join(disp, NULL);
    assert_int_equal(case_leftovers(), 0);
}

/* ---- main -------------------------------------------------------------------------------- */

int main(void)
{
    /* Every shape on every containment path, then a few on the no-pidfd fallback. */
    size_t nsc = 0;
    for (size_t i = 0; i < N_SHAPES; i++) {
        for (int c = 0; c < 3; c++) {
            struct shape_case *sc = &g_shape_cases[nsc++];
            sc->shape = &g_shapes[i];
            sc->cont = g_conts[c];
            snprintf(sc->name, sizeof sc->name, "shape%02d_%s/%s", g_shapes[i].num,
                     g_shapes[i].name, cimjob_containment_name((int)g_conts[c]));
        }
    }
    static const int fallback_shapes[] = {0, 3, 5, 8}; /* 1, 5, 7, 9 */
    for (size_t k = 0; k < sizeof fallback_shapes / sizeof fallback_shapes[0]; k++) {
        for (int c = 0; c < 3; c++) {
            struct shape_case *sc = &g_shape_cases[nsc++];
            sc->shape = &g_shapes[fallback_shapes[k]];
            sc->cont = g_conts[c];
            sc->flags = CIMJOB_POSIX_NO_PIDFD | CIMJOB_POSIX_NO_CLONE3;
            snprintf(sc->name, sizeof sc->name, "nopidfd_shape%02d_%s/%s", sc->shape->num,
                     sc->shape->name, cimjob_containment_name((int)g_conts[c]));
        }
    }
    /* The reaper stub (what kernels before Linux 6.15 get, forced here): the shapes that end,
     * kill, stop and leave things behind, on the two containments it serves. */
    static const int stub_shapes[] = {0, 1, 2, 3, 4, 5, 8, 12}; /* 1, 2, 4, 5, 6, 7, 9, 13 */
    for (size_t k = 0; k < sizeof stub_shapes / sizeof stub_shapes[0]; k++) {
        for (int c = 0; c < 3; c++) {
            if (g_conts[c] == CIMJOB_CONTAINMENT_SUBREAPER) {
                continue;
            }
            struct shape_case *sc = &g_shape_cases[nsc++];
            sc->shape = &g_shapes[stub_shapes[k]];
            sc->cont = g_conts[c];
            sc->flags = CIMJOB_POSIX_NO_PIDFD_EXIT;
            snprintf(sc->name, sizeof sc->name, "stub_shape%02d_%s/%s", sc->shape->num,
                     sc->shape->name, cimjob_containment_name((int)g_conts[c]));
        }
    }
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test_setup_teardown(test_host_sigterm_ignored, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_exec_errors, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_child_hygiene, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_library_fds_cloexec, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_stdio_file_and_cwd, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_containment_reported, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_wait_for_all, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_suspend_resume_500, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_host_death, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_pid_reuse, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_many_jobs, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_threads, case_setup, case_teardown),
    };
    size_t nfixed = sizeof fixed / sizeof fixed[0];
    struct CMUnitTest *tests = calloc(nsc + nfixed, sizeof *tests);
    if (tests == NULL) {
        return 1;
    }
    /* Subsets: meson runs the shapes and the rest as two tests; handy while debugging too. */
    const char *only = getenv("CIMJOB_POSIX_ONLY");
    const char *skip_ = getenv("CIMJOB_POSIX_SKIP");
    size_t n = 0;
    for (size_t i = 0; i < nsc; i++) {
        if ((only != NULL && strstr(g_shape_cases[i].name, only) == NULL) ||
            (skip_ != NULL && strstr(g_shape_cases[i].name, skip_) != NULL)) {
            continue;
        }
        tests[n].name = g_shape_cases[i].name;
        tests[n].test_func = run_shape;
        tests[n].setup_func = case_setup;
        tests[n].teardown_func = case_teardown;
        tests[n].initial_state = &g_shape_cases[i];
        n++;
    }
    for (size_t i = 0; i < nfixed; i++) {
        if ((only != NULL && strstr(fixed[i].name, only) == NULL) ||
            (skip_ != NULL && strstr(fixed[i].name, skip_) != NULL)) {
            continue;
        }
        tests[n++] = fixed[i];
    }
    int rc = _cmocka_run_group_tests("posix", tests, n, harness_init, harness_fini);
    free(tests);
    return rc;
}
