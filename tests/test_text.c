/*
 * CIM strings are characters: text properties are cut at a UTF-8 character boundary, and input
 * that is not well-formed UTF-8 is refused with CIMJOB_RC_INVALID_UTF8 (issue 11, section 7).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_common.h"

/* 510 x 'a' + U+00E9: the limit (511) falls inside the two-byte character. */
static void test_error_description_cut_at_boundary(void **state)
{
    fx *f = *state;
    char text[600];
    memset(text, 'a', 510);
    memcpy(text + 510, "\xC3\xA9", 3);
    cimjob_job *j = fx_job(f, "cut", 1);
    assert_int_equal(cimjob_fake_finish(f->fake, j, 3, text), CIMJOB_RC_SUCCESS);
    cimjob_info i = q(j);
    assert_int_equal(i.job_state, CIMJOB_JOB_STATE_EXCEPTION);
    assert_int_equal(strlen(i.error_description), 510);
    assert_int_equal((unsigned char)i.error_description[509], 'a');
    cimjob_job_release(j);
}

/* A three- and a four-byte character across the limit, and one that fits exactly. */
static void test_cut_multibyte(void **state)
{
    fx *f = *state;
    char text[600];
    memset(text, 'b', 509);
    memcpy(text + 509, "\xE2\x82\xAC", 4); /* U+20AC: bytes 509..511 */
    cimjob_job *j = fx_job(f, "euro", 1);
    assert_int_equal(cimjob_fake_finish(f->fake, j, 1, text), CIMJOB_RC_SUCCESS);
    assert_int_equal(strlen(q(j).error_description), 509);
    cimjob_job_release(j);

    memset(text, 'c', 507);
    memcpy(text + 507, "\xF0\x9F\x98\x80", 5); /* U+1F600: bytes 507..510, fits */
    j = fx_job(f, "smile", 1);
    assert_int_equal(cimjob_fake_finish(f->fake, j, 1, text), CIMJOB_RC_SUCCESS);
    cimjob_info i = q(j);
    assert_int_equal(strlen(i.error_description), 511);
    assert_memory_equal(i.error_description + 507, "\xF0\x9F\x98\x80", 4);
    cimjob_job_release(j);
}

/* A backend's text that is not UTF-8 (a file name) is stored with '?' for the bad bytes. */
static void test_backend_text_sanitised(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "latin1", 1);
    assert_int_equal(cimjob_fake_finish(f->fake, j, 2, "caf\xE9 \xC3\xA9"), CIMJOB_RC_SUCCESS);
    assert_string_equal(q(j).error_description, "caf? \xC3\xA9");
    cimjob_job_release(j);
}

static void expect_create_utf8(fx *f, const char *name, const char *local_id, const char *owner)
{
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = NULL;
    size_t before = fx_count(f);
    o.name = name;
    o.local_id = local_id;
    o.owner = owner;
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_INVALID_UTF8);
    assert_null(j);
    assert_non_null(strstr(cimjob_last_error(), "UTF-8"));
    assert_int_equal(fx_count(f), before);
}

static void test_invalid_utf8_rejected(void **state)
{
    fx *f = *state;
    static const char *const bad[] = {
        "\xC3",             /* truncated */
        "a\x80z",           /* stray continuation */
        "\xC0\xAF",         /* overlong '/' */
        "\xE0\x80\xAF",     /* overlong */
        "\xED\xA0\x80",     /* surrogate U+D800 */
        "\xF4\x90\x80\x80", /* above U+10FFFF */
        "\xF5\x80\x80\x80", /* invalid lead */
        "\xFF",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_create_utf8(f, bad[i], NULL, NULL);
        expect_create_utf8(f, "ok", bad[i], NULL);
        expect_create_utf8(f, "ok", NULL, bad[i]);
    }
    cimjob_job *j = fx_job(f, "status", 0);
    assert_int_equal(cimjob_set_job_status(j, "half \xE2\x82"), CIMJOB_RC_INVALID_UTF8);
    assert_int_equal(cimjob_set_job_status(j, "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"),
                     CIMJOB_RC_SUCCESS);
    assert_string_equal(q(j).job_status, "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80");
    cimjob_job_release(j);
    assert_string_equal(cimjob_rc_name(CIMJOB_RC_INVALID_UTF8), "Invalid UTF-8");
    assert_int_equal(CIMJOB_RC_INVALID_UTF8, 32779);
}

static void test_valid_utf8_accepted(void **state)
{
    fx *f = *state;
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = NULL;
    o.name = "Sauvegarde \xC3\xA9t\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x92\xBE";
    o.local_id = "t\xC3\xA2"
                 "che";
    o.owner = "J\xC3\xBCrgen";
    assert_int_equal(cimjob_create(f->reg, &o, &j), CIMJOB_RC_SUCCESS);
    cimjob_info i = q(j);
    assert_string_equal(i.name, o.name);
    assert_string_equal(i.owner, o.owner);
    assert_string_equal(i.instance_id, "libcimjob:t\xC3\xA2"
                                       "che");
    cimjob_job_release(j);
}

static void test_org_id_utf8(void **state)
{
    (void)state;
    cimjob_fake *fake = NULL;
    cimjob_registry *reg = NULL;
    assert_int_equal(cimjob_fake_new(0, &fake), CIMJOB_RC_SUCCESS);
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_fake_backend(fake);
    ro.backend_config = fake;
    ro.org_id = "org\xC3";
    assert_int_equal(cimjob_registry_new(&ro, &reg), CIMJOB_RC_INVALID_UTF8);
    assert_null(reg);
    cimjob_fake_free(fake);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_error_description_cut_at_boundary, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_cut_multibyte, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_backend_text_sanitised, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8_rejected, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_valid_utf8_accepted, fx_setup, fx_teardown),
        cmocka_unit_test(test_org_id_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
