/*
 * The process-group containment's wait for the members a main process leaves behind
 * (lib/posix/cont_pgroup.c): the live-process listing through the cgroup v2 tree against
 * /proc, and Kill, Terminate and CIMJOB_JOB_WAIT_FOR_ALL over both listings, with and without
 * pidfds. Each job ends with no live process in its group; a WAIT_FOR_ALL job whose group
 * grows while it is waited for ends only after the newest member. White-box: it switches the
 * listing to /proc through cimjob__px_pg_use_proc. No time is asserted except lower bounds
 * (a job that ends too early), which a slow machine cannot break.
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
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cimjob/cimjob.h>
#include <cimjob/posix.h>

#include "../../lib/posix/posix.h"

#define SEC INT64_C(1000000)

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * SEC + ts.tv_nsec / 1000;
}

/* Whether a process that is not a zombie yet still holds anything: its memory (its exe link
 * resolves) or a descriptor. One on its way out that has released both is ended for the job. */
static int holds_anything(const char *pid)
{
    char path[300], buf[8];
    snprintf(path, sizeof path, "/proc/%s/exe", pid);
    if (readlink(path, buf, sizeof buf) >= 0) {
        return 1;
    }
    snprintf(path, sizeof path, "/proc/%s/fd", pid);
    DIR *d = opendir(path);
    if (d == NULL) {
        return 0;
    }
    int any = 0;
    struct dirent *de;
    while (!any && (de = readdir(d)) != NULL) {
        any = de->d_name[0] != '.';
    }
    closedir(d);
    return any;
}

/* The processes of group @p pgid: how many live (not zombies, still holding something), how
 * many zombies; up to cap live PIDs. */
static void group_count(int pgid, long *live, long *zombies, int *pids, size_t cap)
{
    *live = *zombies = 0;
    DIR *d = opendir("/proc");
    if (d == NULL) {
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] < '1' || de->d_name[0] > '9') {
            continue;
        }
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        ssize_t r = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (r <= 0) {
            continue;
        }
        buf[r] = '\0';
        char *p = strrchr(buf, ')');
        char state;
        int ppid, pgrp;
        if (p == NULL || sscanf(p + 2, "%c %d %d", &state, &ppid, &pgrp) != 3 || pgrp != pgid) {
            continue;
        }
        if (state == 'Z' || state == 'X' || !holds_anything(de->d_name)) {
            ++*zombies;
        } else {
            if ((size_t)*live < cap) {
                pids[*live] = atoi(de->d_name);
            }
            ++*live;
        }
    }
    closedir(d);
}

/* Whatever a failed case left in its group is ended here, by PID. */
static void group_clean(int pgid)
{
    int pids[4096];
    long live, zombies;
    group_count(pgid, &live, &zombies, pids, 4096);
    for (long i = 0; i < live && i < 4096; i++) {
        (void)kill(pids[i], SIGKILL);
    }
}

static cimjob_registry *new_registry(unsigned int flags)
{
    static cimjob_posix_config pc;
    assert_int_equal(cimjob_posix_config_init(&pc, CIMJOB_POSIX_CONFIG_VERSION), CIMJOB_RC_SUCCESS);
    pc.flags = flags;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_backend_by_name("posix");
    ro.backend_config = &pc;
    cimjob_registry *reg = NULL;
    assert_int_equal(cimjob_registry_new(&ro, &reg), CIMJOB_RC_SUCCESS);
    return reg;
}

/* Start `sh -c SCRIPT` in a process group of its own; the script's first line of output must
 * be its PID ($$), which is the group's ID. Returns the job, the group in *pgid. */
static cimjob_job *start(cimjob_registry *reg, const char *script, unsigned int flags, int *pgid)
{
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "pgroup";
    o.argv = argv;
    o.flags = CIMJOB_JOB_START | flags;
    o.containment = CIMJOB_CONTAINMENT_PGROUP;
    o.stdio[0].mode = CIMJOB_STDIO_NULL;
    o.stdio[2].mode = CIMJOB_STDIO_NULL;
    o.stdio[1].mode = CIMJOB_STDIO_FD;
    o.stdio[1].fd = p[1];
    cimjob_job *job = NULL;
    assert_int_equal(cimjob_create(reg, &o, &job), CIMJOB_RC_SUCCESS);
    close(p[1]);
    char line[32];
    size_t n = 0;
    while (n < sizeof line - 1) {
        struct pollfd pf = {p[0], POLLIN, 0};
        if (poll(&pf, 1, 20000) <= 0 || read(p[0], line + n, 1) != 1) {
            break;
        }
        if (line[n] == '\n') {
            break;
        }
        n++;
    }
    line[n] = '\0';
    close(p[0]);
    *pgid = atoi(line);
    assert_true(*pgid > 1);
    return job;
}

/* Wait until the group has at least @p want live processes (bounded). */
static void wait_members(int pgid, long want)
{
    int64_t end = now_us() + 30 * SEC;
    long live = 0, zombies;
    int pids[1];
    while (now_us() < end) {
        group_count(pgid, &live, &zombies, pids, 0);
        if (live >= want) {
            return;
        }
        usleep(10000);
    }
    fail_msg("the group has %ld live processes, expected %ld", live, want);
}

static cimjob_job_state final_state(cimjob_job *job)
{
    cimjob_job_state st = CIMJOB_JOB_STATE_NEW;
    assert_int_equal(cimjob_wait(job, CIMJOB_STATES_FINAL, 30 * SEC, &st), CIMJOB_RC_SUCCESS);
    return st;
}

/* After the job has ended, nothing of its group runs. */
static void assert_group_ended(cimjob_job *job, int pgid, const char *what)
{
    long live, zombies;
    int pids[8];
    group_count(pgid, &live, &zombies, pids, 8);
    if (live != 0) {
        group_clean(pgid);
        cimjob_info info = CIMJOB_INFO_INIT;
        (void)cimjob_query(job, &info);
        fail_msg("%s: %ld processes of the group %d still run after the job ended (first %d; "
                 "the job: error code %u, \"%s\")",
                 what, live, pgid, pids[0], (unsigned)info.error_code, info.error_description);
    }
}

/* The four ways the members are waited for: cgroup or /proc listing, pidfd or the tick. */
struct variant {
    const char *name;
    int use_proc;
    unsigned int flags;
};
static const struct variant g_variants[] = {
    {"cgroup listing", 0, 0},
    {"/proc listing", 1, 0},
    {"cgroup listing, no pidfd", 0, CIMJOB_POSIX_NO_PIDFD},
    {"/proc listing, no pidfd", 1, CIMJOB_POSIX_NO_PIDFD},
};
#define N_VARIANTS (sizeof g_variants / sizeof g_variants[0])

static int case_teardown(void **state)
{
    (void)state;
    cimjob__px_pg_use_proc = 0;
    return 0;
}

/* The cgroup listing shows live processes with their groups and no zombie; /proc shows both. */
static void listing_live_only(void **state)
{
    (void)state;
    char mnt[PATH_MAX];
    if (cimjob__posix_cgroup2_mount(mnt, sizeof mnt) != 0) {
        skip(); /* no cgroup v2 mount here: the /proc listing is what is used */
    }
    pid_t zombie = fork();
    assert_true(zombie >= 0);
    if (zombie == 0) {
        _exit(0);
    }
    pid_t live = fork();
    assert_true(live >= 0);
    if (live == 0) {
        setpgid(0, 0);
        pause();
        _exit(0);
    }
    (void)setpgid(live, live);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    assert_int_equal(waitid(P_PID, (id_t)zombie, &si, WEXITED | WNOWAIT), 0); /* a zombie now */
    static int pairs[65536][2];
    long n = cimjob__posix_cgroup_pgids(mnt, pairs, 65536);
    assert_true(n > 0 && n <= 65536);
    int saw_live = 0, saw_zombie = 0, saw_self = 0;
    for (long i = 0; i < n; i++) {
        saw_live |= pairs[i][0] == live && pairs[i][1] == live;
        saw_zombie |= pairs[i][0] == zombie;
        saw_self |= pairs[i][0] == getpid() && pairs[i][1] == getpgid(0);
    }
    long m = cimjob__posix_proc_pgids(pairs, 65536);
    int proc_zombie = 0;
    for (long i = 0; i < m && i < 65536; i++) {
        proc_zombie |= pairs[i][0] == zombie;
    }
    kill(live, SIGKILL);
    waitpid(live, NULL, 0);
    waitpid(zombie, NULL, 0);
    assert_true(saw_live);
    assert_true(saw_self);
    assert_false(saw_zombie);
    assert_true(proc_zombie);
}

/* On each variant: start SCRIPT, wait for @p members live processes in its group, end it with
 * @p request (TimeoutPeriod 20 s), and check it reaches @p want with nothing of it running. */
static void end_group(const char *script, long members, cimjob_requested_state request,
                      cimjob_job_state want)
{
    for (size_t v = 0; v < N_VARIANTS; v++) {
        cimjob__px_pg_use_proc = g_variants[v].use_proc;
        cimjob_registry *reg = new_registry(g_variants[v].flags);
        int pgid;
        cimjob_job *job = start(reg, script, 0, &pgid);
        wait_members(pgid, members);
        usleep(200000); /* the shells have set their traps */
        cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
        ro.timeout_us = 20 * SEC;
        assert_int_equal(cimjob_request_state_change_ex(job, request, &ro), CIMJOB_RSC_COMPLETED);
        assert_int_equal(final_state(job), want);
        assert_group_ended(job, pgid, g_variants[v].name);
        cimjob_job_release(job);
        assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
    }
}

/* Kill of a group of 200 sleeping members: Killed, and none of them runs afterwards. */
static void kill_wide_group(void **state)
{
    (void)state;
    end_group("echo $$; i=0; while [ $i -lt 200 ]; do sleep 1000 & i=$((i+1)); done; wait", 201,
              CIMJOB_REQUEST_KILL, CIMJOB_JOB_STATE_KILLED);
}

/* Terminate of a group whose members end on SIGTERM, one of them only after a while (the
 * main process goes first, and the rest is killed with the group): Terminated, none left. */
static void terminate_group(void **state)
{
    (void)state;
    end_group("echo $$; i=0; while [ $i -lt 50 ]; do sleep 1000 & i=$((i+1)); done; "
              "sh -c 'trap \"sleep 0.2; exit 0\" TERM; while :; do sleep 1; done' & wait",
              52, CIMJOB_REQUEST_TERMINATE, CIMJOB_JOB_STATE_TERMINATED);
}

/* CIMJOB_JOB_WAIT_FOR_ALL: the main process ends at once, a member sleeps 0.4 s and then
 * starts a new member that sleeps 0.4 s more. The job must end after the new one (at least
 * 0.8 s after it started), not when the members it could list at first have ended. */
static void wait_for_all_group_grows(void **state)
{
    (void)state;
    for (size_t v = 0; v < N_VARIANTS; v++) {
        cimjob__px_pg_use_proc = g_variants[v].use_proc;
        cimjob_registry *reg = new_registry(g_variants[v].flags);
        int pgid;
        int64_t t0 = now_us();
        cimjob_job *job = start(reg,
                                "echo $$; (sleep 0.4; sleep 0.4 </dev/null >/dev/null & exit 0) "
                                "</dev/null >/dev/null & exit 0",
                                CIMJOB_JOB_WAIT_FOR_ALL, &pgid);
        assert_int_equal(final_state(job), CIMJOB_JOB_STATE_COMPLETED);
        int64_t took = now_us() - t0;
        assert_group_ended(job, pgid, g_variants[v].name);
        if (took < 750000) {
            fail_msg("%s: the job ended %lld us after it started, before its newest member",
                     g_variants[v].name, (long long)took);
        }
        cimjob_job_release(job);
        assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
    }
}

/* Many killed groups ending in the same rounds: every job ends, the descriptors held while
 * they drain stay bounded (one watched member per job at most), and none of them runs on. */
static void kill_many_groups(void **state)
{
    (void)state;
    enum { JOBS = 40 };
    for (size_t v = 0; v < 2; v++) {
        cimjob__px_pg_use_proc = g_variants[v].use_proc;
        cimjob_registry *reg = new_registry(g_variants[v].flags);
        cimjob_job *jobs[JOBS];
        int pgids[JOBS];
        for (int i = 0; i < JOBS; i++) {
            jobs[i] = start(reg,
                            "echo $$; i=0; while [ $i -lt 10 ]; do sleep 1000 & i=$((i+1)); "
                            "done; wait",
                            0, &pgids[i]);
        }
        for (int i = 0; i < JOBS; i++) {
            wait_members(pgids[i], 11);
        }
        cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
        ro.flags = CIMJOB_REQUEST_ASYNC;
        for (int i = 0; i < JOBS; i++) {
            cimjob_rc rc = cimjob_kill_job_ex(jobs[i], 0, &ro);
            assert_true(rc == CIMJOB_RC_SUCCESS || rc == CIMJOB_RC_BUSY);
        }
        for (int i = 0; i < JOBS; i++) {
            assert_int_equal(final_state(jobs[i]), CIMJOB_JOB_STATE_KILLED);
            assert_group_ended(jobs[i], pgids[i], g_variants[v].name);
            cimjob_job_release(jobs[i]);
        }
        assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(listing_live_only, case_teardown),
        cmocka_unit_test_teardown(kill_wide_group, case_teardown),
        cmocka_unit_test_teardown(terminate_group, case_teardown),
        cmocka_unit_test_teardown(wait_for_all_group_grows, case_teardown),
        cmocka_unit_test_teardown(kill_many_groups, case_teardown),
    };
    return cmocka_run_group_tests_name("posix-pgroup", tests, NULL, NULL);
}
