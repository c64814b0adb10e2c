/*
 * ModifyInstance (issue 11, section 3): the writable CIM_Job properties changed in one
 * validated call with a mask, reported as one modification indication. On the fake backend.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_common.h"

typedef struct log {
    int n;
    cimjob_event ev[16];
} log_t;

static void on_event(const cimjob_event *e, void *ud)
{
    log_t *l = ud;
    if (l->n < 16)
        l->ev[l->n++] = *e;
}

static fx *new_fx(log_t *l)
{
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.on_state_change = on_event;
    ro.userdata = l;
    fx *f = fx_new_opts(0, &ro);
    assert_int_equal(
        cimjob_registry_set_indications(f->reg, CIMJOB_EVENT_BIT(CIMJOB_EVENT_MODIFICATION) |
                                                    CIMJOB_EVENT_BIT(CIMJOB_EVENT_DELETION)),
        CIMJOB_RC_SUCCESS);
    return f;
}

static cimjob_job_settings get(cimjob_job *j)
{
    cimjob_job_settings s = CIMJOB_JOB_SETTINGS_INIT;
    memset(&s.notify, 'x', sizeof s.notify); /* overwritten */
    assert_int_equal(cimjob_job_settings_get(j, &s), CIMJOB_RC_SUCCESS);
    return s;
}

static void test_defaults(void **state)
{
    fx *f = *state;
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = NULL;
    o.name = "defaults";
    o.priority = 7;
    o.delete_on_completion = 0;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    cimjob_job_settings s = get(j), def = CIMJOB_JOB_SETTINGS_INIT;
    def.priority = 7;
    def.delete_on_completion = 0;
    assert_memory_equal(&s, &def, sizeof s);
    assert_int_equal(s.job_run_times, 1);
    assert_true(s.until_time_us == CIMJOB_TIME_NONE);
    assert_int_equal(s.local_or_utc_time, CIMJOB_UTC_TIME);
    cimjob_job_release(j);
}

static void test_modify_one_event(void **state)
{
    (void)state;
    log_t l;
    memset(&l, 0, sizeof l);
    fx *f = new_fx(&l);
    cimjob_job *j = fx_job(f, "mod", 1);
    cimjob_job_settings s = get(j);
    s.priority = 3;
    s.job_run_times = 5;
    s.until_time_us = FAKE_EPOCH + 3600 * SEC;
    snprintf(s.notify, sizeof s.notify, "ops@example.com");
    s.recovery_action = CIMJOB_RECOVERY_RERUN_JOB;
    s.time_before_removal_us = 2 * SEC;
    uint32_t mask = CIMJOB_PROPERTY_PRIORITY | CIMJOB_PROPERTY_JOB_RUN_TIMES |
                    CIMJOB_PROPERTY_UNTIL_TIME | CIMJOB_PROPERTY_NOTIFY |
                    CIMJOB_PROPERTY_RECOVERY_ACTION | CIMJOB_PROPERTY_TIME_BEFORE_REMOVAL |
                    CIMJOB_PROPERTY_DELETE_ON_COMPLETION; /* DeleteOnCompletion unchanged */
    assert_int_equal(cimjob_job_modify(j, &s, mask, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.ev[0].kind, CIMJOB_EVENT_MODIFICATION);
    assert_int_equal(l.ev[0].changed, mask & ~(uint32_t)CIMJOB_PROPERTY_DELETE_ON_COMPLETION);
    cimjob_job_settings t = get(j);
    assert_memory_equal(&t, &s, sizeof s);
    cimjob_info i = q(j);
    assert_int_equal(i.priority, 3);
    assert_int_equal(i.time_before_removal_us, 2 * SEC);
    /* The same values again: success, no event. */
    assert_int_equal(cimjob_job_modify(j, &s, mask, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(l.n, 1);
    /* Fields outside the mask are ignored. */
    s.priority = 99;
    assert_int_equal(cimjob_job_modify(j, &s, CIMJOB_PROPERTY_NOTIFY, NULL), CIMJOB_RC_SUCCESS);
    assert_int_equal(get(j).priority, 3);
    cimjob_job_release(j);
    fx_free(f);
}

static void expect_rejected(cimjob_job *j, const cimjob_job_settings *s, uint32_t mask,
                            cimjob_rc rc)
{
    cimjob_job_settings before = get(j);
    assert_int_equal(cimjob_job_modify(j, s, mask, NULL), rc);
    cimjob_job_settings after = get(j);
    assert_memory_equal(&before, &after, sizeof before);
}

static void test_validation(void **state)
{
    (void)state;
    log_t l;
    memset(&l, 0, sizeof l);
    fx *f = new_fx(&l);
    cimjob_job *j = fx_job(f, "val", 0);
    const cimjob_rc IP = CIMJOB_RC_INVALID_PARAMETER;
    cimjob_job_settings s = get(j);
    s.priority = 1; /* would change, but every call below fails as a whole */

    expect_rejected(j, &s, CIMJOB_PROPERTY_PRIORITY | CIMJOB_PROPERTY_JOB_STATE, IP);
    s.time_before_removal_us = CIMJOB_INTERVAL_MAX_US + 1;
    expect_rejected(j, &s, CIMJOB_PROPERTY_PRIORITY | CIMJOB_PROPERTY_TIME_BEFORE_REMOVAL, IP);
    s = get(j);
    s.priority = 1;
    s.recovery_action = 6;
    expect_rejected(j, &s, CIMJOB_PROPERTY_PRIORITY | CIMJOB_PROPERTY_RECOVERY_ACTION, IP);
    s.recovery_action = CIMJOB_RECOVERY_OTHER; /* without OtherRecoveryAction */
    expect_rejected(j, &s, CIMJOB_PROPERTY_PRIORITY | CIMJOB_PROPERTY_RECOVERY_ACTION, IP);
    snprintf(s.notify, sizeof s.notify, "bad \xC3");
    expect_rejected(j, &s, CIMJOB_PROPERTY_PRIORITY | CIMJOB_PROPERTY_NOTIFY,
                    CIMJOB_RC_INVALID_UTF8);
    memset(s.notify, 'a', sizeof s.notify); /* no NUL */
    expect_rejected(j, &s, CIMJOB_PROPERTY_NOTIFY, IP);
    s = get(j);
    s.run_month = 12;
    s.run_start_interval_us = 0;
    expect_rejected(j, &s, CIMJOB_PROPERTY_SCHEDULE, IP);
    s.run_month = 1; /* February */
    s.run_day = 30;
    expect_rejected(j, &s, CIMJOB_PROPERTY_SCHEDULE, IP);
    s.run_day = -32;
    expect_rejected(j, &s, CIMJOB_PROPERTY_SCHEDULE, IP);
    s.run_day = 1;
    s.run_day_of_week = 8;
    expect_rejected(j, &s, CIMJOB_PROPERTY_SCHEDULE, IP);
    s.run_day_of_week = 0;
    s.local_or_utc_time = 3;
    expect_rejected(j, &s, CIMJOB_PROPERTY_SCHEDULE, IP);
    s.local_or_utc_time = CIMJOB_UTC_TIME;
    s.run_start_interval_us = 24 * 3600 * SEC;
    expect_rejected(j, &s, CIMJOB_PROPERTY_SCHEDULE, IP);
    s.run_start_interval_us = CIMJOB_INTERVAL_NONE; /* a calendar without a time of day */
    expect_rejected(j, &s, CIMJOB_PROPERTY_SCHEDULE, IP);
    s = get(j);
    s.scheduled_start_time_us = FAKE_EPOCH;
    s.scheduled_start_delay_us = SEC;
    expect_rejected(j, &s, CIMJOB_PROPERTY_SCHEDULE, IP);
    /* Bad arguments. */
    assert_int_equal(cimjob_job_modify(NULL, &s, 0, NULL), IP);
    assert_int_equal(cimjob_job_modify(j, NULL, 0, NULL), IP);
    s.version = 9;
    assert_int_equal(cimjob_job_modify(j, &s, 0, NULL), CIMJOB_RC_INVALID_VERSION);
    assert_int_equal(cimjob_job_settings_get(j, &s), CIMJOB_RC_INVALID_VERSION);
    assert_int_equal(cimjob_job_settings_get(NULL, &s), IP);
    assert_int_equal(l.n, 0); /* nothing was reported */
    /* RecoveryAction Other with its text is fine. */
    s = get(j);
    s.recovery_action = CIMJOB_RECOVERY_OTHER;
    snprintf(s.other_recovery_action, sizeof s.other_recovery_action, "page the on-call");
    assert_int_equal(
        cimjob_job_modify(
            j, &s, CIMJOB_PROPERTY_RECOVERY_ACTION | CIMJOB_PROPERTY_OTHER_RECOVERY_ACTION, NULL),
        CIMJOB_RC_SUCCESS);
    assert_string_equal(get(j).other_recovery_action, "page the on-call");
    assert_string_equal(cimjob_recovery_action_name(4), "Re-run Job");
    assert_string_equal(cimjob_recovery_action_name(6), "Invalid");
    cimjob_job_release(j);
    fx_free(f);
}

/* A new TimeBeforeRemoval of an ended job restarts retention from its end. */
static void test_time_before_removal_after_end(void **state)
{
    (void)state;
    log_t l;
    memset(&l, 0, sizeof l);
    fx *f = new_fx(&l);
    cimjob_job *j = fx_job(f, "tbr", 1);
    assert_int_equal(cimjob_fake_finish(f->fake, j, 0, NULL), CIMJOB_RC_SUCCESS);
    cimjob_job_settings s = get(j);
    s.time_before_removal_us = 2 * SEC;
    assert_int_equal(cimjob_job_modify(j, &s, CIMJOB_PROPERTY_TIME_BEFORE_REMOVAL, NULL),
                     CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_fake_advance(f->fake, SEC), CIMJOB_RC_SUCCESS);
    assert_int_equal(fx_count(f), 1);
    assert_int_equal(cimjob_fake_advance(f->fake, SEC), CIMJOB_RC_SUCCESS);
    assert_int_equal(fx_count(f), 0);
    assert_int_equal(l.ev[l.n - 1].kind, CIMJOB_EVENT_DELETION);
    assert_int_equal(l.ev[l.n - 1].cause, CIMJOB_REMOVAL_RETENTION);
    /* DeleteOnCompletion of an ended job: the MOF says delete it instead. */
    cimjob_job *k = fx_job(f, "doc", 1);
    assert_int_equal(cimjob_fake_finish(f->fake, k, 0, NULL), CIMJOB_RC_SUCCESS);
    s = get(k);
    s.delete_on_completion = 0;
    assert_int_equal(cimjob_job_modify(k, &s, CIMJOB_PROPERTY_DELETE_ON_COMPLETION, NULL),
                     CIMJOB_RC_INVALID_STATE);
    assert_int_equal(cimjob_remove(f->reg, k), CIMJOB_RC_SUCCESS);
    assert_int_equal(cimjob_job_modify(k, &s, CIMJOB_PROPERTY_PRIORITY, NULL), CIMJOB_RC_NOT_FOUND);
    assert_int_equal(cimjob_job_settings_get(k, &s), CIMJOB_RC_NOT_FOUND);
    cimjob_job_release(j);
    cimjob_job_release(k);
    fx_free(f);
}

static void test_access(void **state)
{
    fx *f = *state;
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = NULL;
    o.name = "owned";
    o.owner = "alice";
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    cimjob_job_settings s = get(j);
    s.priority = 9;
    assert_int_equal(cimjob_job_modify(j, &s, CIMJOB_PROPERTY_PRIORITY, "bob"),
                     CIMJOB_RC_ACCESS_DENIED);
    assert_int_equal(get(j).priority, 0);
    assert_int_equal(cimjob_job_modify(j, &s, CIMJOB_PROPERTY_PRIORITY, "alice"),
                     CIMJOB_RC_SUCCESS);
    assert_int_equal(get(j).priority, 9);
    cimjob_job_release(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, fx_setup, fx_teardown),
        cmocka_unit_test(test_modify_one_event),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_time_before_removal_after_end),
        cmocka_unit_test_setup_teardown(test_access, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
