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
        cmocka_unit_test_setup_teardown(foreground_without_a_terminal, setup, teardown),
        cmocka_unit_test_setup_teardown(signal_whole_job, setup, teardown),
        cmocka_unit_test_setup_teardown(signal_main_only, setup, teardown),
        cmocka_unit_test_setup_teardown(signal_group_skips_other_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(signal_bad_input, setup, teardown),
        cmocka_unit_test(signal_not_posix),
        /* The same through a subreaper helper (Linux: what users without cgroups get). */
        cmocka_unit_test_setup_teardown(inherit_fds, setup_subreaper, teardown),
        cmocka_unit_test_setup_teardown(signal_whole_job, setup_subreaper, teardown),
        cmocka_unit_test_setup_teardown(signal_main_only, setup_subreaper, teardown),
        cmocka_unit_test_setup_teardown(signal_group_skips_other_sessions, setup_subreaper,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
