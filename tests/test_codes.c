/* Suite "codes": every DMTF number and name of spec tables 1-4, reserved ranges, messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_common.h"

typedef struct named {
    int value;
    const char *name;
} named;

/* Spec table 1, typed out independently of lib/core/codes.c. */
static const named job_states[] = {
    {CIMJOB_JOB_STATE_NEW, "New"},
    {CIMJOB_JOB_STATE_STARTING, "Starting"},
    {CIMJOB_JOB_STATE_RUNNING, "Running"},
    {CIMJOB_JOB_STATE_SUSPENDED, "Suspended"},
    {CIMJOB_JOB_STATE_SHUTTING_DOWN, "Shutting Down"},
    {CIMJOB_JOB_STATE_COMPLETED, "Completed"},
    {CIMJOB_JOB_STATE_TERMINATED, "Terminated"},
    {CIMJOB_JOB_STATE_KILLED, "Killed"},
    {CIMJOB_JOB_STATE_EXCEPTION, "Exception"},
    {CIMJOB_JOB_STATE_SERVICE, "Service"},
    {CIMJOB_JOB_STATE_QUERY_PENDING, "Query Pending"},
};

static const named requested_states[] = {
    {CIMJOB_REQUEST_START, "Start"},         {CIMJOB_REQUEST_SUSPEND, "Suspend"},
    {CIMJOB_REQUEST_TERMINATE, "Terminate"}, {CIMJOB_REQUEST_KILL, "Kill"},
    {CIMJOB_REQUEST_SERVICE, "Service"},
};

static const named rsc_codes[] = {
    {CIMJOB_RSC_COMPLETED, "Completed with No Error"},
    {CIMJOB_RSC_NOT_SUPPORTED, "Not Supported"},
    {CIMJOB_RSC_UNKNOWN, "Unknown/Unspecified Error"},
    {CIMJOB_RSC_TIMEOUT, "Can NOT complete within Timeout Period"},
    {CIMJOB_RSC_FAILED, "Failed"},
    {CIMJOB_RSC_INVALID_PARAMETER, "Invalid Parameter"},
    {CIMJOB_RSC_IN_USE, "In Use"},
    {CIMJOB_RSC_TRANSITION_STARTED, "Method Parameters Checked - Transition Started"},
    {CIMJOB_RSC_INVALID_STATE_TRANSITION, "Invalid State Transition"},
    {CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED, "Use of Timeout Parameter Not Supported"},
    {CIMJOB_RSC_BUSY, "Busy"},
};

static const named rc_codes[] = {
    {CIMJOB_RC_SUCCESS, "Success"},     {CIMJOB_RC_NOT_SUPPORTED, "Not Supported"},
    {CIMJOB_RC_UNKNOWN, "Unknown"},     {CIMJOB_RC_TIMEOUT, "Timeout"},
    {CIMJOB_RC_FAILED, "Failed"},       {CIMJOB_RC_ACCESS_DENIED, "Access Denied"},
    {CIMJOB_RC_NOT_FOUND, "Not Found"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_job_state_numbers(void **state)
{
    (void)state;
    /* Spec table 1: 2..12 in order, no gaps. */
    for (size_t i = 0; i < N(job_states); i++)
        assert_int_equal(job_states[i].value, (int)i + 2);
    assert_int_equal(CIMJOB_JOB_STATE_VENDOR_MIN, 32768);
    assert_int_equal(CIMJOB_JOB_STATE_VENDOR_MAX, 65535);
}

static void test_job_state_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(job_states); i++) {
        assert_string_equal(cimjob_job_state_name(job_states[i].value), job_states[i].name);
        const char *m = cimjob_job_state_message(job_states[i].value);
        assert_non_null(m);
        assert_true(strlen(m) > 0);
        assert_string_not_equal(m, job_states[i].name);
    }
}

static void test_job_state_ranges(void **state)
{
    (void)state;
    assert_string_equal(cimjob_job_state_name(0), "Invalid");
    assert_string_equal(cimjob_job_state_name(1), "Invalid");
    assert_string_equal(cimjob_job_state_name(-1), "Invalid");
    assert_string_equal(cimjob_job_state_name(65536), "Invalid");
    assert_string_equal(cimjob_job_state_name(13), "DMTF Reserved");
    assert_string_equal(cimjob_job_state_name(32767), "DMTF Reserved");
    assert_string_equal(cimjob_job_state_name(32768), "Vendor Reserved");
    assert_string_equal(cimjob_job_state_name(65535), "Vendor Reserved");
    assert_true(strlen(cimjob_job_state_message(13)) > 0);
    assert_true(strlen(cimjob_job_state_message(-1)) > 0);
}

static void test_job_state_is_final(void **state)
{
    (void)state;
    for (int s = -1; s <= 70000; s += (s < 20 ? 1 : 997)) {
        int final = s == 7 || s == 8 || s == 9 || s == 10;
        assert_int_equal(cimjob_job_state_is_final(s), final);
    }
    assert_int_equal(cimjob_job_state_is_final(CIMJOB_JOB_STATE_COMPLETED), 1);
    assert_int_equal(cimjob_job_state_is_final(CIMJOB_JOB_STATE_TERMINATED), 1);
    assert_int_equal(cimjob_job_state_is_final(CIMJOB_JOB_STATE_KILLED), 1);
    assert_int_equal(cimjob_job_state_is_final(CIMJOB_JOB_STATE_EXCEPTION), 1);
    assert_int_equal(cimjob_job_state_is_final(CIMJOB_JOB_STATE_SHUTTING_DOWN), 0);
    assert_int_equal(cimjob_job_state_is_final(32768), 0);
}

static void test_requested_state_numbers_and_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(requested_states); i++) {
        assert_int_equal(requested_states[i].value, (int)i + 2);
        assert_string_equal(cimjob_requested_state_name(requested_states[i].value),
                            requested_states[i].name);
        assert_true(strlen(cimjob_requested_state_message(requested_states[i].value)) > 0);
    }
    assert_int_equal(CIMJOB_REQUEST_VENDOR_MIN, 32768);
    assert_int_equal(CIMJOB_REQUEST_VENDOR_MAX, 65535);
}

static void test_requested_state_ranges(void **state)
{
    (void)state;
    assert_string_equal(cimjob_requested_state_name(0), "Invalid");
    assert_string_equal(cimjob_requested_state_name(1), "Invalid");
    assert_string_equal(cimjob_requested_state_name(-1), "Invalid");
    assert_string_equal(cimjob_requested_state_name(65536), "Invalid");
    assert_string_equal(cimjob_requested_state_name(7), "DMTF Reserved");
    assert_string_equal(cimjob_requested_state_name(32767), "DMTF Reserved");
    assert_string_equal(cimjob_requested_state_name(32768), "Vendor Reserved");
    assert_string_equal(cimjob_requested_state_name(65535), "Vendor Reserved");
    assert_true(strlen(cimjob_requested_state_message(7)) > 0);
}

static void test_rsc_numbers(void **state)
{
    (void)state;
    static const int want[] = {0, 1, 2, 3, 4, 5, 6, 4096, 4097, 4098, 4099};
    for (size_t i = 0; i < N(rsc_codes); i++)
        assert_int_equal(rsc_codes[i].value, want[i]);
    assert_int_equal(CIMJOB_RSC_VENDOR_MIN, 32768);
    assert_int_equal(CIMJOB_RSC_VENDOR_MAX, 65535);
    assert_int_equal(CIMJOB_RSC_ACCESS_DENIED, 32768);
}

static void test_rsc_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(rsc_codes); i++) {
        assert_string_equal(cimjob_rsc_rc_name(rsc_codes[i].value), rsc_codes[i].name);
        const char *m = cimjob_rsc_rc_message(rsc_codes[i].value);
        assert_true(strlen(m) > 0);
        assert_string_not_equal(m, rsc_codes[i].name);
    }
    assert_string_equal(cimjob_rsc_rc_name(4097), "Invalid State Transition");
    assert_string_equal(cimjob_rsc_rc_name(CIMJOB_RSC_ACCESS_DENIED), "Access Denied");
}

static void test_rsc_ranges(void **state)
{
    (void)state;
    assert_string_equal(cimjob_rsc_rc_name(7), "DMTF Reserved");
    assert_string_equal(cimjob_rsc_rc_name(4095), "DMTF Reserved");
    assert_string_equal(cimjob_rsc_rc_name(4100), "Method Reserved");
    assert_string_equal(cimjob_rsc_rc_name(32767), "Method Reserved");
    assert_string_equal(cimjob_rsc_rc_name(32769), "Vendor Specific");
    assert_string_equal(cimjob_rsc_rc_name(65535), "Vendor Specific");
    assert_string_equal(cimjob_rsc_rc_name(-1), "Invalid");
    assert_string_equal(cimjob_rsc_rc_name(65536), "Invalid");
    assert_true(strlen(cimjob_rsc_rc_message(4100)) > 0);
    assert_true(strlen(cimjob_rsc_rc_message(-1)) > 0);
}

static void test_rc_numbers_and_names(void **state)
{
    (void)state;
    static const int want[] = {0, 1, 2, 3, 4, 6, 7};
    for (size_t i = 0; i < N(rc_codes); i++) {
        assert_int_equal(rc_codes[i].value, want[i]);
        assert_string_equal(cimjob_rc_name(rc_codes[i].value), rc_codes[i].name);
        const char *m = cimjob_rc_message(rc_codes[i].value);
        assert_true(strlen(m) > 0);
        assert_string_not_equal(m, rc_codes[i].name);
    }
    assert_string_equal(cimjob_rc_name(6), "Access Denied");
    assert_int_equal(CIMJOB_RC_VENDOR_MIN, 32768);
    assert_int_equal(CIMJOB_RC_VENDOR_MAX, 65535);
}

/* libcimjob's own vendor codes: numbered 32768.. in order; part of the ABI. */
static void test_rc_vendor_codes(void **state)
{
    (void)state;
    static const named vendor[] = {
        {CIMJOB_RC_INVALID_PARAMETER, "Invalid Parameter"},
        {CIMJOB_RC_INVALID_STATE, "Invalid State"},
        {CIMJOB_RC_BUSY, "Busy"},
        {CIMJOB_RC_NO_MEMORY, "Out of Memory"},
        {CIMJOB_RC_OS_ERROR, "Operating System Error"},
        {CIMJOB_RC_INVALID_VERSION, "Invalid Version"},
        {CIMJOB_RC_INVALID_DATETIME, "Invalid Datetime"},
        {CIMJOB_RC_EXISTS, "Already Exists"},
        {CIMJOB_RC_BUFFER_TOO_SMALL, "Buffer Too Small"},
        {CIMJOB_RC_NO_BACKEND, "No Backend"},
        {CIMJOB_RC_WOULD_BLOCK, "Would Block"},
        {CIMJOB_RC_INVALID_UTF8, "Invalid UTF-8"},
    };
    for (size_t i = 0; i < N(vendor); i++) {
        assert_int_equal(vendor[i].value, 32768 + (int)i);
        assert_string_equal(cimjob_rc_name(vendor[i].value), vendor[i].name);
        assert_true(strlen(cimjob_rc_message(vendor[i].value)) > 0);
    }
}

static void test_rc_ranges(void **state)
{
    (void)state;
    /* 5 is not assigned in KillJob's map (unlike RequestStateChange's "Invalid Parameter"). */
    assert_string_equal(cimjob_rc_name(5), "DMTF Reserved");
    assert_string_equal(cimjob_rc_name(8), "DMTF Reserved");
    assert_string_equal(cimjob_rc_name(32767), "DMTF Reserved");
    assert_string_equal(cimjob_rc_name(32780), "Vendor Specific");
    assert_string_equal(cimjob_rc_name(65535), "Vendor Specific");
    assert_string_equal(cimjob_rc_name(-1), "Invalid");
    assert_string_equal(cimjob_rc_name(65536), "Invalid");
    assert_true(strlen(cimjob_rc_message(5)) > 0);
    assert_true(strlen(cimjob_rc_message(65536)) > 0);
}

/* The two maps collide by design: 6 and 5 mean different things. */
static void test_maps_collide(void **state)
{
    (void)state;
    assert_string_equal(cimjob_rsc_rc_name(6), "In Use");
    assert_string_equal(cimjob_rc_name(6), "Access Denied");
    assert_string_equal(cimjob_rsc_rc_name(5), "Invalid Parameter");
    assert_string_not_equal(cimjob_rc_name(5), "Invalid Parameter");
}

/* Every value of every function answers a non-empty static string. */
static void test_never_null(void **state)
{
    (void)state;
    static const int probes[] = {INT32_MIN, -1,    0,     1,     2,     7,        12,
                                 13,        4095,  4096,  4099,  4100,  32767,    32768,
                                 32779,     32780, 65535, 65536, 70000, INT32_MAX};
    for (size_t i = 0; i < N(probes); i++) {
        int v = probes[i];
        const char *s[] = {cimjob_job_state_name(v),
                           cimjob_job_state_message(v),
                           cimjob_requested_state_name(v),
                           cimjob_requested_state_message(v),
                           cimjob_rsc_rc_name(v),
                           cimjob_rsc_rc_message(v),
                           cimjob_rc_name(v),
                           cimjob_rc_message(v),
                           cimjob_containment_name(v)};
        for (size_t k = 0; k < N(s); k++) {
            assert_non_null(s[k]);
            assert_true(strlen(s[k]) > 0);
        }
    }
}

static void test_containment_names(void **state)
{
    (void)state;
    assert_string_equal(cimjob_containment_name(CIMJOB_CONTAINMENT_AUTO), "auto");
    assert_string_equal(cimjob_containment_name(CIMJOB_CONTAINMENT_CGROUP), "cgroup");
    assert_string_equal(cimjob_containment_name(CIMJOB_CONTAINMENT_SUBREAPER), "subreaper");
    assert_string_equal(cimjob_containment_name(CIMJOB_CONTAINMENT_PGROUP), "pgroup");
    assert_string_equal(cimjob_containment_name(CIMJOB_CONTAINMENT_JOB_OBJECT), "job-object");
    assert_string_equal(cimjob_containment_name(CIMJOB_CONTAINMENT_NONE), "none");
    assert_string_equal(cimjob_containment_name(6), "invalid");
    assert_string_equal(cimjob_containment_name(-1), "invalid");
}

static void test_version(void **state)
{
    (void)state;
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", CIMJOB_VERSION_MAJOR, CIMJOB_VERSION_MINOR,
             CIMJOB_VERSION_PATCH);
    assert_string_equal(cimjob_version(), want);
    assert_int_equal(CIMJOB_VERSION_HEX, (CIMJOB_VERSION_MAJOR << 16) |
                                             (CIMJOB_VERSION_MINOR << 8) | CIMJOB_VERSION_PATCH);
}

/* cimjob_last_error() is thread-local, "" on a fresh thread, never NULL. */
static char other_thread_error[600];
static void read_error_thread(void *arg)
{
    (void)arg;
    snprintf(other_thread_error, sizeof other_thread_error, "%s", cimjob_last_error());
}

static void test_last_error_thread_local(void **state)
{
    (void)state;
    assert_non_null(cimjob_last_error());
    assert_int_equal(cimjob_backend_fail(CIMJOB_RC_FAILED, "marker %d", 42), CIMJOB_RC_FAILED);
    assert_string_equal(cimjob_last_error(), "marker 42");
    test_thread t;
    strcpy(other_thread_error, "unset");
    assert_int_equal(test_thread_create(&t, read_error_thread, NULL), 0);
    test_thread_join(t);
    assert_string_equal(other_thread_error, "");
    assert_string_equal(cimjob_last_error(), "marker 42");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_job_state_numbers),
        cmocka_unit_test(test_job_state_names),
        cmocka_unit_test(test_job_state_ranges),
        cmocka_unit_test(test_job_state_is_final),
        cmocka_unit_test(test_requested_state_numbers_and_names),
        cmocka_unit_test(test_requested_state_ranges),
        cmocka_unit_test(test_rsc_numbers),
        cmocka_unit_test(test_rsc_names),
        cmocka_unit_test(test_rsc_ranges),
        cmocka_unit_test(test_rc_numbers_and_names),
        cmocka_unit_test(test_rc_vendor_codes),
        cmocka_unit_test(test_rc_ranges),
        cmocka_unit_test(test_maps_collide),
        cmocka_unit_test(test_never_null),
        cmocka_unit_test(test_containment_names),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_last_error_thread_local),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
