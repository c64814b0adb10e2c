/*
 * The posix backend's extensions for command-line front ends (cimjob run / cimjob timeout):
 * CIMJOB_JOB_INHERIT_FDS, CIMJOB_JOB_FOREGROUND without a terminal, cimjob_posix_signal().
 * Small jobs on the default containment; the terminal itself is tested by suite 'cli'
 * (tests/cli/test_tty.py, under tmux).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cimjob/cimjob.h>
#include <cimjob/posix.h>

#define SEC INT64_C(1000000)

/* The containment the next jobs get: AUTO (a cgroup here when root), or the subreaper
 * helper, whose main process is not ours to signal (the helper does it). */
static cimjob_containment g_containment = CIMJOB_CONTAINMENT_AUTO;

static cimjob_job *start(cimjob_registry *reg, const char *script, unsigned flags)
{
    const char *argv[] = {"sh", "-c", script, NULL};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "ext";
    o.argv = argv;
    o.flags = CIMJOB_JOB_START | flags;
    o.containment = g_containment;
    o.delete_on_completion = 0;
    cimjob_job *job = NULL;
    assert_int_equal(cimjob_create(reg, &o, &job), CIMJOB_RC_SUCCESS);
    return job;
}

/* Wait for the end; return the main process's exit status (or 128+signal). */
static int finish(cimjob_job *job)
{
    cimjob_job_state st;
    assert_int_equal(cimjob_wait(job, CIMJOB_STATES_FINAL, 20 * SEC, &st), CIMJOB_RC_SUCCESS);
    cimjob_info info = CIMJOB_INFO_INIT;
    assert_int_equal(cimjob_query(job, &info), CIMJOB_RC_SUCCESS);
    cimjob_job_release(job);
    return info.term_signal ? 128 + info.term_signal : info.exit_status;
}

static int setup(void **state)
{
    cimjob_registry *reg = NULL;
    if (cimjob_registry_new(NULL, &reg) != CIMJOB_RC_SUCCESS)
        return -1;
    *state = reg;
    return 0;
}

static int setup_subreaper(void **state)
{
    g_containment = CIMJOB_CONTAINMENT_SUBREAPER;
    return setup(state);
}

static int teardown(void **state)
{
    g_containment = CIMJOB_CONTAINMENT_AUTO;
    return cimjob_registry_free(*state) == CIMJOB_RC_SUCCESS ? 0 : -1;
}

static void inherit_fds(void **state)
{
    cimjob_registry *reg = *state;
    int p[2];
    assert_int_equal(pipe(p), 0); /* not close-on-exec: a plain exec would pass both */
    int cloexec = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_true(cloexec >= 0);
    char script[256];
    snprintf(script, sizeof script, "test -e /proc/$$/fd/%d && ! test -e /proc/$$/fd/%d", p[0],
             cloexec);
    assert_int_equal(finish(start(reg, script, CIMJOB_JOB_INHERIT_FDS)), 0);
    /* Without the flag only 0, 1 and 2 pass (the default, for hosts with other threads). */
    snprintf(script, sizeof script, "test -e /proc/$$/fd/%d", p[0]);
    assert_int_equal(finish(start(reg, script, 0)), 1);
    close(p[0]);
    close(p[1]);
    close(cloexec);
}

/* CIMJOB_JOB_INHERIT_SIGNALS: SIG_IGN and the spawning thread's mask pass, a handler does
 * not (exec resets it); without the flag every disposition is default and nothing blocked. */
static void on_usr1(int sig)
{
    (void)sig;
}

static void inherit_signals(void **state)
{
    cimjob_registry *reg = *state;
    struct sigaction ign, handler, old_usr1, old_pipe;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    memset(&handler, 0, sizeof handler);
    handler.sa_handler = on_usr1;
    assert_int_equal(sigaction(SIGPIPE, &ign, &old_pipe), 0);
    assert_int_equal(sigaction(SIGUSR1, &handler, &old_usr1), 0);
    sigset_t usr2, old_mask;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    assert_int_equal(pthread_sigmask(SIG_BLOCK, &usr2, &old_mask), 0);
    /* PIPE ignored and USR2 blocked: sh survives both and exits 7. */
    const char *survives = "kill -PIPE $$; kill -USR2 $$; exit 7";
    assert_int_equal(finish(start(reg, survives, CIMJOB_JOB_INHERIT_SIGNALS)), 7);
    assert_int_equal(finish(start(reg, survives, 0)), 128 + SIGPIPE);
    assert_int_equal(finish(start(reg, "kill -USR2 $$; exit 7", 0)), 128 + SIGUSR2);
    /* Our handler is not inherited: USR1 is default (death) either way. */
    assert_int_equal(finish(start(reg, "kill -USR1 $$; exit 7", CIMJOB_JOB_INHERIT_SIGNALS)),
                     128 + SIGUSR1);
    assert_int_equal(pthread_sigmask(SIG_SETMASK, &old_mask, NULL), 0);
    assert_int_equal(sigaction(SIGUSR1, &old_usr1, NULL), 0);
    assert_int_equal(sigaction(SIGPIPE, &old_pipe, NULL), 0);
}

/* cimjob_info.core_dumped: set when the kernel wrote a core, else 0 (a plain signal death). */
static void core_dumped(void **state)
{
    cimjob_registry *reg = *state;
    char dir[] = "/tmp/cimjob-core-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char script[256];
    /* The core (core_pattern "core" or a handler) goes into dir, which is removed after. */
    snprintf(script, sizeof script, "cd %s && ulimit -c unlimited 2>/dev/null; kill -SEGV $$", dir);
    cimjob_job *job = start(reg, script, 0);
    cimjob_job_state st;
    assert_int_equal(cimjob_wait(job, CIMJOB_STATES_FINAL, 20 * SEC, &st), CIMJOB_RC_SUCCESS);
    cimjob_info info = CIMJOB_INFO_INIT;
    assert_int_equal(cimjob_query(job, &info), CIMJOB_RC_SUCCESS);
    cimjob_job_release(job);
    assert_int_equal(info.term_signal, SIGSEGV);
    char rm[300];
    /* A core file in dir (core_pattern "core..."): the kernel said so, and so must we. */
    snprintf(rm, sizeof rm, "ls %s | grep -q '^core'", dir);
    int wrote = system(rm) == 0;
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    assert_int_equal(system(rm), 0);
    if (wrote)
        assert_int_equal(info.core_dumped, 1);
    else if (!info.core_dumped)
        print_message("# no core file here (core_pattern pipes elsewhere, or no cores)\n");
    assert_int_equal(finish(start(reg, "kill -SEGV $$", 0)), 128 + SIGSEGV);
    job = start(reg, "ulimit -c 0; kill -SEGV $$", 0);
    assert_int_equal(cimjob_wait(job, CIMJOB_STATES_FINAL, 20 * SEC, &st), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_query(job, &info), CIMJOB_RC_SUCCESS);
    cimjob_job_release(job);
    assert_int_equal(info.core_dumped, 0);
}

static void foreground_without_a_terminal(void **state)
{
    /* stdin is not our controlling terminal here: the flag changes nothing. */
    assert_int_equal(finish(start(*state, "exit 3", CIMJOB_JOB_FOREGROUND)), 3);
}

static void signal_whole_job(void **state)
{
    cimjob_registry *reg = *state;
    /* The main process exits 7 on USR1 once its child has had it too (it then exits 9). */
    cimjob_job *job = start(reg,
                            "trap 'wait $c; exit $((7 + $? - 9))' USR1; "
                            "sh -c 'trap \"exit 9\" USR1; while :; do sleep 0.05; done' & c=$!; "
                            "while :; do sleep 0.05; done",
                            0);
    usleep(300000);
    assert_int_equal(cimjob_posix_signal(job, SIGUSR1, 0), CIMJOB_RC_SUCCESS);
    assert_int_equal(finish(job), 7);
}

static void signal_main_only(void **state)
{
    cimjob_registry *reg = *state;
    /* USR1 to the main process only: its child, which would exit 9 on USR1, does not get it. */
    cimjob_job *job = start(reg,
                            "sh -c 'trap \"exit 9\" USR1; while :; do sleep 0.05; done' & c=$!; "
                            "trap 'kill -TERM $c; wait $c; exit $(($? == 143 ? 5 : 6))' USR1; "
                            "while :; do sleep 0.05; done",
                            0);
    usleep(300000);
    assert_int_equal(cimjob_posix_signal(job, SIGUSR1, CIMJOB_POSIX_SIGNAL_MAIN),
                     CIMJOB_RC_SUCCESS);
    assert_int_equal(finish(job), 5);
}

static void signal_group_skips_other_sessions(void **state)
{
    cimjob_registry *reg = *state;
    /* A child in a session of its own does not get the group's signal; the main process does.
     * The child writes a mark if it gets USR1; the main process reports whether it did. */
    char mark[] = "/tmp/cimjob-ext-XXXXXX";
    int fd = mkstemp(mark);
    assert_true(fd >= 0);
    close(fd);
    unlink(mark);
    char script[512];
    snprintf(script, sizeof script,
             "setsid sh -c 'trap \"touch %s; exit\" USR1; while :; do sleep 0.05; done' & "
             "trap 'sleep 0.3; test -e %s && exit 1 || exit 4' USR1; "
             "while :; do sleep 0.05; done",
             mark, mark);
    cimjob_job *job = start(reg, script, 0);
    usleep(300000);
    assert_int_equal(cimjob_posix_signal(job, SIGUSR1, CIMJOB_POSIX_SIGNAL_GROUP),
                     CIMJOB_RC_SUCCESS);
    assert_int_equal(finish(job), 4);
    unlink(mark);
}

/* Terminate reaches every process of the job exactly once: the main process (it counts its
 * SIGTERMs) and a child in a session of its own, which the subreaper helper signals apart from
 * the main process's group. The main process waits (up to 5 s) for the child's mark, so the
 * order of the two does not matter. */
static void terminate_reaches_each_process_once(void **state)
{
    cimjob_registry *reg = *state;
    char dir[] = "/tmp/cimjob-ext-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char script[1024];
    snprintf(script, sizeof script,
             "setsid sh -c 'trap \"echo d >> %s/d; exit 0\" TERM; "
             "while :; do sleep 0.05; done' </dev/null & "
             "trap 'echo m >> %s/m; i=0; while [ ! -s %s/d ] && [ $i -lt 100 ]; do "
             "sleep 0.05; i=$((i+1)); done; exit 3' TERM; "
             "echo up > %s/up; while :; do sleep 0.05; done",
             dir, dir, dir, dir);
    cimjob_job *job = start(reg, script, 0);
    char path[256];
    snprintf(path, sizeof path, "%s/up", dir);
    for (int i = 0; i < 200 && access(path, F_OK) != 0; i++) {
        usleep(25000);
    }
    usleep(100000); /* the child's trap */
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.timeout_us = 10 * SEC;
    assert_int_equal(cimjob_request_state_change_ex(job, CIMJOB_REQUEST_TERMINATE, &ro),
                     CIMJOB_RSC_COMPLETED);
    cimjob_job_ref(job);
    assert_int_equal(finish(job), 3);
    cimjob_info info = CIMJOB_INFO_INIT;
    assert_int_equal(cimjob_query(job, &info), CIMJOB_RC_SUCCESS);
    assert_int_equal(info.job_state, CIMJOB_JOB_STATE_TERMINATED);
    cimjob_job_release(job);
    const char *names[] = {"m", "d"};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        char buf[64] = "";
        FILE *f = fopen(path, "r");
        size_t got = f != NULL ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f != NULL)
            fclose(f);
        buf[got] = '\0';
        char want[8];
        snprintf(want, sizeof want, "%s\n", names[k]);
        if (strcmp(buf, want) != 0)
            fail_msg("SIGTERMs seen by '%s': \"%s\" (want exactly one)", names[k], buf);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/up", dir);
    unlink(path);
    rmdir(dir);
}

static void signal_bad_input(void **state)
{
    cimjob_registry *reg = *state;
    assert_int_equal(cimjob_posix_signal(NULL, SIGTERM, 0), CIMJOB_RC_INVALID_PARAMETER);
    cimjob_job *job = start(reg, "sleep 10", 0);
    assert_int_equal(cimjob_posix_signal(job, -1, 0), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_posix_signal(job, NSIG, 0), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_posix_signal(job, SIGTERM, 1u << 7), CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(
        cimjob_posix_signal(job, SIGTERM, CIMJOB_POSIX_SIGNAL_MAIN | CIMJOB_POSIX_SIGNAL_GROUP),
        CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_posix_signal(job, 0, 0), CIMJOB_RC_SUCCESS); /* a probe */
    assert_int_equal(cimjob_posix_signal(job, SIGKILL, 0), CIMJOB_RC_SUCCESS);
    cimjob_job_ref(job);
    assert_int_equal(finish(job), 137);
    /* Ended: nothing left to signal. */
    assert_int_equal(cimjob_posix_signal(job, SIGTERM, 0), CIMJOB_RC_INVALID_STATE);
    cimjob_job_release(job);
}

static void signal_not_posix(void **state)
{
    (void)state;
    cimjob_fake *fake = NULL;
    assert_int_equal(cimjob_fake_new(0, &fake), CIMJOB_RC_SUCCESS);
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_fake_backend(fake);
    ro.backend_config = fake;
    cimjob_registry *reg = NULL;
    assert_int_equal(cimjob_registry_new(&ro, &reg), CIMJOB_RC_SUCCESS);
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "not a process";
    o.flags = CIMJOB_JOB_START;
    cimjob_job *job = NULL;
    assert_int_equal(cimjob_create(reg, &o, &job), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_posix_signal(job, SIGTERM, 0), CIMJOB_RC_NOT_SUPPORTED);
    cimjob_job_release(job);
    assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
    cimjob_fake_free(fake);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(inherit_fds, setup, teardown),
        cmocka_unit_test_setup_teardown(inherit_signals, setup, teardown),
        cmocka_unit_test_setup_teardown(core_dumped, setup, teardown),
        cmocka_unit_test_setup_teardown(foreground_without_a_terminal, setup, teardown),
        cmocka_unit_test_setup_teardown(signal_whole_job, setup, teardown),
        cmocka_unit_test_setup_teardown(signal_main_only, setup, teardown),
        cmocka_unit_test_setup_teardown(signal_group_skips_other_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(terminate_reaches_each_process_once, setup, teardown),
        cmocka_unit_test_setup_teardown(signal_bad_input, setup, teardown),
        cmocka_unit_test(signal_not_posix),
        /* The same through a subreaper helper (Linux: what users without cgroups get). */
        cmocka_unit_test_setup_teardown(inherit_fds, setup_subreaper, teardown),
        cmocka_unit_test_setup_teardown(inherit_signals, setup_subreaper, teardown),
        cmocka_unit_test_setup_teardown(core_dumped, setup_subreaper, teardown),
        cmocka_unit_test_setup_teardown(signal_whole_job, setup_subreaper, teardown),
        cmocka_unit_test_setup_teardown(signal_main_only, setup_subreaper, teardown),
        cmocka_unit_test_setup_teardown(signal_group_skips_other_sessions, setup_subreaper,
                                        teardown),
        cmocka_unit_test_setup_teardown(terminate_reaches_each_process_once, setup_subreaper,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
