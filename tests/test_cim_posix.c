/*
 * The CIM job model on real processes (posix backend): CIM_Error records for the ways a
 * process ends (issue 11). Every job is bounded in time and the registry kills what is left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_common.h"

#include <poll.h>
#include <time.h>
#include <unistd.h>

#define WAIT_US (20 * SEC)

static cimjob_job *run(cimjob_registry *reg, const char *name, const char *const *argv)
{
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = NULL;
    o.name = name;
    o.argv = argv;
    o.flags = CIMJOB_JOB_START;
    o.stdio[1].mode = o.stdio[2].mode = CIMJOB_STDIO_NULL;
    assert_int_equal(cimjob_create(reg, &o, &j), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_wait(j, 0, WAIT_US, NULL), CIMJOB_RC_SUCCESS);
    return j;
}

static cimjob_error one_error(cimjob_job *j, size_t *n)
{
    cimjob_error *e = NULL, r = CIMJOB_ERROR_INIT;
    assert_int_equal(cimjob_get_errors(j, CIMJOB_ERROR_VERSION, &e, n), CIMJOB_RC_SUCCESS);
    assert_int_equal(*n, 1);
    r = e[0];
    cimjob_errors_free(e);
    return r;
}

static int setup(void **state)
{
    cimjob_registry *reg = NULL;
    assert_int_equal(cimjob_registry_new(NULL, &reg), CIMJOB_RC_SUCCESS);
    *state = reg;
    return 0;
}

static int teardown(void **state)
{
    cimjob_registry_free(*state);
    return 0;
}

static void test_command_not_found(void **state)
{
    const char *argv[] = {"/nonexistent/libcimjob-test-command", NULL};
    cimjob_job *j = run(*state, "missing", argv);
    size_t n = 0;
    cimjob_error e = one_error(j, &n);
    assert_int_equal(e.message_number, CIMJOB_MSG_COMMAND_NOT_FOUND);
    assert_string_equal(e.message_id, "CIMJOB0003");
    assert_string_equal(e.message_arguments[0], argv[0]);
    assert_int_equal(e.cim_status_code, CIMJOB_CIM_ERR_NOT_FOUND);
    assert_int_equal(e.code, 127);
    cimjob_job_release(j);
}

static void test_command_not_executable(void **state)
{
    char path[] = "/tmp/cimjob-noexec-XXXXXX";
    int fd = mkstemp(path); /* mode 0600: not executable */
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
    close(fd);
    const char *argv[] = {path, NULL};
    cimjob_job *j = run(*state, "noexec", argv);
    unlink(path);
    size_t n = 0;
    cimjob_error e = one_error(j, &n);
    assert_int_equal(e.message_number, CIMJOB_MSG_COMMAND_NOT_EXECUTABLE);
    assert_string_equal(e.message_arguments[0], path);
    assert_int_equal(e.code, 126);
    cimjob_job_release(j);
}

static void test_exit_status(void **state)
{
    const char *argv[] = {"/bin/sh", "-c", "exit 3", NULL};
    cimjob_job *j = run(*state, "exit3", argv);
    assert_state(j, CIMJOB_JOB_STATE_EXCEPTION);
    size_t n = 0;
    cimjob_error e = one_error(j, &n);
    assert_int_equal(e.message_number, CIMJOB_MSG_EXIT_STATUS);
    assert_string_equal(e.message, "The job's main process exited with status 3.");
    assert_int_equal(e.code, 3);
    cimjob_job_release(j);
}

static void test_killed_by_signal(void **state)
{
    const char *argv[] = {"/bin/sh", "-c", "kill -9 $$", NULL};
    cimjob_job *j = run(*state, "sig9", argv);
    size_t n = 0;
    cimjob_error e = one_error(j, &n);
    assert_int_equal(e.message_number, CIMJOB_MSG_KILLED_BY_SIGNAL);
    assert_string_equal(e.message_arguments[0], "9");
    assert_string_equal(e.message_arguments[1], "SIGKILL");
    assert_string_equal(e.message, "The job's main process was ended by signal 9 (SIGKILL).");
    assert_int_equal(e.probable_cause, CIMJOB_CAUSE_SOFTWARE_PROGRAM_ABNORMALLY_TERMINATED);
    cimjob_job_release(j);
}

static void test_success_has_none(void **state)
{
    const char *argv[] = {"/bin/sh", "-c", "exit 0", NULL};
    cimjob_job *j = run(*state, "ok", argv);
    cimjob_error *e = NULL;
    size_t n = 99;
    assert_int_equal(cimjob_get_errors(j, CIMJOB_ERROR_VERSION, &e, &n), CIMJOB_RC_SUCCESS);
    assert_int_equal(n, 0);
    cimjob_job_release(j);
}

/* A scheduled job with two runs on real processes: the registry starts the first at its
 * ScheduledStartTime and the second when the first has ended, on its own timers; every run
 * is a new process of the same instance. */
static void test_two_real_runs(void **state)
{
    cimjob_registry *reg = *state;
    char out[] = "/tmp/cimjob-runs-XXXXXX";
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    close(fd);
    char script[256];
    snprintf(script, sizeof script, "echo $$ >> %s", out);
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = NULL;
    o.name = "twice";
    o.argv = argv;
    assert_int_equal(cimjob_create(reg, &o, &j), CIMJOB_RC_SUCCESS);
    cimjob_job_settings s = CIMJOB_JOB_SETTINGS_INIT;
    assert_int_equal(cimjob_job_settings_get(j, &s), CIMJOB_RC_SUCCESS);
    s.job_run_times = 2;
    s.scheduled_start_delay_us = 200000; /* 0.2 s after submission */
    assert_int_equal(
        cimjob_job_modify(j, &s, CIMJOB_PROPERTY_SCHEDULE | CIMJOB_PROPERTY_JOB_RUN_TIMES, NULL),
        CIMJOB_RC_SUCCESS);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_NEW);
    assert_int_equal(i.waiting, CIMJOB_WAITING_SCHEDULE);
    assert_int_equal(cimjob_wait(j, 0, WAIT_US, NULL), CIMJOB_RC_SUCCESS);
    i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_COMPLETED);
    assert_int_equal(i.runs, 2);
    assert_true(i.start_time_us >= i.time_submitted_us + 200000);
    /* Two processes ran: two different PIDs in the file. */
    FILE *fp = fopen(out, "r");
    assert_non_null(fp);
    long a = 0, b = 0, c = 0;
    assert_int_equal(fscanf(fp, "%ld %ld", &a, &b), 2);
    assert_int_equal(fscanf(fp, "%ld", &c), EOF);
    fclose(fp);
    unlink(out);
    assert_true(a > 0 && b > 0 && a != b);
    cimjob_job_release(j);
}

/* Lifecycle indications reach an event loop through the registry's descriptor and timer: the
 * end of a real process and the removal after TimeBeforeRemoval (once silent). */
typedef struct seen {
    int creation, completed, deletion;
    cimjob_removal_cause cause;
} seen;

static void on_event(const cimjob_event *e, void *ud)
{
    seen *s = ud;
    if (e->kind == CIMJOB_EVENT_CREATION)
        s->creation++;
    if (e->kind == CIMJOB_EVENT_STATE_CHANGE && e->new_state == CIMJOB_JOB_STATE_COMPLETED)
        s->completed++;
    if (e->kind == CIMJOB_EVENT_DELETION) {
        s->deletion++;
        s->cause = e->cause;
    }
}

static void test_indications_through_poll(void **state)
{
    (void)state;
    seen s;
    memset(&s, 0, sizeof s);
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.on_state_change = on_event;
    ro.userdata = &s;
    cimjob_registry *reg = NULL;
    assert_int_equal(cimjob_registry_new(&ro, &reg), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_registry_set_indications(reg, CIMJOB_EVENTS_ALL), CIMJOB_RC_SUCCESS);
    intptr_t fd = -1;
    assert_int_equal(cimjob_registry_fd(reg, &fd), CIMJOB_RC_SUCCESS);
    const char *argv[] = {"/bin/true", NULL};
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "polled";
    o.argv = argv;
    o.flags = CIMJOB_JOB_START;
    o.time_before_removal_us = 100000;
    assert_int_equal(cimjob_create(reg, &o, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(s.creation, 1);
    int64_t deadline = (int64_t)time(NULL) + 20;
    while (!s.deletion && (int64_t)time(NULL) < deadline) {
        int64_t next = -1;
        assert_int_equal(cimjob_registry_next_timeout(reg, &next), CIMJOB_RC_SUCCESS);
        struct pollfd p = {(int)fd, POLLIN, 0};
        int ms = next < 0 ? 1000 : (int)(next / 1000) + 1;
        (void)poll(&p, 1, ms > 1000 ? 1000 : ms);
        assert_int_equal(cimjob_registry_dispatch(reg), CIMJOB_RC_SUCCESS);
    }
    assert_int_equal(s.completed, 1);
    assert_int_equal(s.deletion, 1);
    assert_int_equal(s.cause, CIMJOB_REMOVAL_RETENTION);
    cimjob_registry_free(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_command_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_command_not_executable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_by_signal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_success_has_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_real_runs, setup, teardown),
        cmocka_unit_test(test_indications_through_poll),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
