/*
 * Suite "bad-input" (white-box for the allocation hook): every public function with NULL for
 * each pointer, unknown versions and flags, out-of-range values; each answers its documented
 * code and leaves a message in cimjob_last_error(). Then allocation failure at every step of
 * registry and job creation (run under ASan: no leak, no half-created job).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>

#include "test_common.h"

extern atomic_long cimjob__alloc_budget;

/* Put a marker in cimjob_last_error() so a failing call can be seen to write its own. */
static void sentinel(void)
{
    cimjob_backend_fail(CIMJOB_RC_FAILED, "sentinel");
}

static void check_message(const char *what)
{
    const char *m = cimjob_last_error();
    if (strcmp(m, "sentinel") == 0 || m[0] == '\0')
        fail_msg("%s: no message in cimjob_last_error()", what);
}

#define EXPECT(call, want)                                                                         \
    do {                                                                                           \
        sentinel();                                                                                \
        long got_ = (long)(call);                                                                  \
        if (got_ != (long)(want))                                                                  \
            fail_msg("%s = %ld, want %ld", #call, got_, (long)(want));                             \
        if ((long)(want) != 0)                                                                     \
            check_message(#call);                                                                  \
    } while (0)

#define IP     CIMJOB_RC_INVALID_PARAMETER
#define IV     CIMJOB_RC_INVALID_VERSION
#define RSC_IP CIMJOB_RSC_INVALID_PARAMETER

/* ---- options initialisers ---------------------------------------------------------------------
 */

static void test_options_init(void **state)
{
    (void)state;
    cimjob_job_options jo;
    cimjob_registry_options ro;
    EXPECT(cimjob_job_options_init(NULL, CIMJOB_JOB_OPTIONS_VERSION), IP);
    EXPECT(cimjob_job_options_init(&jo, 0), IV);
    EXPECT(cimjob_job_options_init(&jo, CIMJOB_JOB_OPTIONS_VERSION + 1), IV);
    EXPECT(cimjob_registry_options_init(NULL, CIMJOB_REGISTRY_OPTIONS_VERSION), IP);
    EXPECT(cimjob_registry_options_init(&ro, 99), IV);
    memset(&jo, 0x5a, sizeof jo);
    EXPECT(cimjob_job_options_init(&jo, CIMJOB_JOB_OPTIONS_VERSION), 0);
    cimjob_job_options jdef = CIMJOB_JOB_OPTIONS_INIT;
    assert_int_equal(jo.version, jdef.version);
    assert_null(jo.name);
    assert_int_equal(jo.delete_on_completion, 1);
    assert_true(jo.time_before_removal_us == jdef.time_before_removal_us);
    assert_true(jo.stdio[1].fd == -1);
    memset(&ro, 0x5a, sizeof ro);
    EXPECT(cimjob_registry_options_init(&ro, CIMJOB_REGISTRY_OPTIONS_VERSION), 0);
    assert_null(ro.backend);
    assert_true(ro.kill_timeout_us == 5000000);
    assert_true(ro.default_terminate_timeout_us == 10000000);
}

/* ---- registries and backends ------------------------------------------------------------------
 */

static cimjob_rc nop_open(const cimjob_backend_host *h, void *c, void **s)
{
    (void)h;
    (void)c;
    *s = NULL;
    return CIMJOB_RC_SUCCESS;
}
static void nop_close(void *s)
{
    (void)s;
}
static cimjob_rc nop_spawn(void *s, cimjob_job *j, const cimjob_job_options *o, void **js)
{
    (void)s;
    (void)j;
    (void)o;
    *js = NULL;
    return CIMJOB_RC_SUCCESS;
}
static void nop_release(void *s, void *js)
{
    (void)s;
    (void)js;
}
static cimjob_rc nop_wait(void *s, int64_t t)
{
    (void)s;
    (void)t;
    return CIMJOB_RC_SUCCESS;
}

static const cimjob_backend good_backend = {CIMJOB_BACKEND_VERSION,
                                            "minimal",
                                            0,
                                            nop_open,
                                            nop_close,
                                            nop_spawn,
                                            NULL,
                                            NULL,
                                            NULL,
                                            NULL,
                                            NULL,
                                            nop_release,
                                            NULL,
                                            NULL,
                                            NULL,
                                            NULL,
                                            NULL,
                                            NULL};

static void test_registry_new(void **state)
{
    (void)state;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    cimjob_registry *reg = NULL;
    ro.backend = &good_backend;
    EXPECT(cimjob_registry_new(&ro, NULL), IP);
    ro.version = 0;
    EXPECT(cimjob_registry_new(&ro, &reg), IV);
    ro.version = CIMJOB_REGISTRY_OPTIONS_VERSION + 1;
    EXPECT(cimjob_registry_new(&ro, &reg), IV);
    ro.version = CIMJOB_REGISTRY_OPTIONS_VERSION;
    ro.org_id = "a:b";
    EXPECT(cimjob_registry_new(&ro, &reg), IP);
    ro.org_id = NULL;
    ro.utc_offset_min = 1000;
    EXPECT(cimjob_registry_new(&ro, &reg), IP);
    ro.utc_offset_min = -1000;
    EXPECT(cimjob_registry_new(&ro, &reg), IP);
    ro.utc_offset_min = -999;
    assert_null(reg);
    /* A minimal user backend: open, close, spawn, release. */
    EXPECT(cimjob_registry_new(&ro, &reg), 0);
    assert_non_null(reg);
    EXPECT(cimjob_registry_free(reg), 0);
    EXPECT(cimjob_registry_free(NULL), 0);
}

static void test_user_backend_struct_checked(void **state)
{
    (void)state;
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    cimjob_registry *reg = NULL;
    cimjob_backend be;
    ro.backend = &be;
#define BAD_BACKEND(field, value)                                                                  \
    do {                                                                                           \
        be = good_backend;                                                                         \
        be.field = value;                                                                          \
        EXPECT(cimjob_registry_new(&ro, &reg), IP);                                                \
        assert_null(reg);                                                                          \
    } while (0)
    BAD_BACKEND(version, 0);
    BAD_BACKEND(version, CIMJOB_BACKEND_VERSION + 1);
    BAD_BACKEND(name, NULL);
    BAD_BACKEND(name, "");
    BAD_BACKEND(name, "a-backend-name-of-32-characters!");
    BAD_BACKEND(open, NULL);
    BAD_BACKEND(close, NULL);
    BAD_BACKEND(spawn, NULL);
    BAD_BACKEND(release, NULL);
    BAD_BACKEND(wait, nop_wait); /* wait without wake */
#undef BAD_BACKEND
    be = good_backend;
    be.name = "a-backend-name-of-31-characters";
    EXPECT(cimjob_registry_new(&ro, &reg), 0);
    cimjob_registry_free(reg);
}

/* A backend with CIMJOB_CAP_PROCESSES needs argv. */
static void test_processes_need_argv(void **state)
{
    (void)state;
    fx *f = fx_new(CIMJOB_FAKE_PROCESSES);
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "proc";
    EXPECT(cimjob_create(f->reg, &o, NULL), IP);
    const char *empty[] = {NULL};
    o.argv = empty;
    EXPECT(cimjob_create(f->reg, &o, NULL), IP);
    const char *blank[] = {"", NULL};
    o.argv = blank;
    EXPECT(cimjob_create(f->reg, &o, NULL), IP);
    const char *argv[] = {"true", "--flag", NULL};
    const char *envp[] = {"A=1", NULL};
    o.argv = argv;
    o.envp = envp;
    o.cwd = "/";
    EXPECT(cimjob_create(f->reg, &o, NULL), 0);
    assert_int_equal(fx_count(f), 1);
    fx_free(f);
}

/* ---- cimjob_create ----------------------------------------------------------------------------
 */

static void test_create(void **state)
{
    fx *f = *state;
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    cimjob_job *j = NULL;
    char name[CIMJOB_NAME_MAX + 2];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0'; /* 1025 bytes */
    o.name = "ok";

    EXPECT(cimjob_create(NULL, &o, &j), IP);
    EXPECT(cimjob_create(f->reg, NULL, &j), IP);
#define BAD_OPT(field, value, want)                                                                \
    do {                                                                                           \
        cimjob_job_options b_ = o;                                                                 \
        b_.field = value;                                                                          \
        EXPECT(cimjob_create(f->reg, &b_, &j), want);                                              \
    } while (0)
    BAD_OPT(version, 0, IV);
    BAD_OPT(version, 2, IV);
    BAD_OPT(name, NULL, IP);
    BAD_OPT(name, "", IP);
    BAD_OPT(name, name, IP);
    BAD_OPT(local_id, "a:b", IP);
    BAD_OPT(local_id, ":", IP);
    BAD_OPT(local_id, "", IP);
    BAD_OPT(flags, 1u << 7, IP);
    BAD_OPT(flags, CIMJOB_JOB_START | (1u << 31), IP);
    BAD_OPT(containment, (cimjob_containment)6, IP);
    BAD_OPT(containment, (cimjob_containment)-1, IP);
    BAD_OPT(time_before_removal_us, CIMJOB_INTERVAL_MAX_US + 1, IP);
    for (int s = 0; s < 3; s++) {
        BAD_OPT(stdio[s].mode, (cimjob_stdio_mode)4, IP);
        BAD_OPT(stdio[s].mode, (cimjob_stdio_mode)-1, IP);
        BAD_OPT(stdio[s].mode, CIMJOB_STDIO_FILE, IP); /* without a path */
        cimjob_job_options b = o;
        b.stdio[s].mode = CIMJOB_STDIO_FILE;
        b.stdio[s].path = "";
        EXPECT(cimjob_create(f->reg, &b, &j), IP);
        b.stdio[s].mode = CIMJOB_STDIO_FD;
        b.stdio[s].fd = -1;
        EXPECT(cimjob_create(f->reg, &b, &j), IP);
    }
    /* InstanceID over 255 bytes with the OrgID. */
    char lid[CIMJOB_INSTANCE_ID_MAX + 1];
    memset(lid, 'l', sizeof lid - 1);
    lid[sizeof lid - 1] = '\0';
    BAD_OPT(local_id, lid, IP);
#undef BAD_OPT
    assert_null(j);
    assert_int_equal(fx_count(f), 0);

    /* The limits themselves are fine. */
    name[CIMJOB_NAME_MAX] = '\0'; /* 1024 bytes */
    o.name = name;
    lid[CIMJOB_INSTANCE_ID_MAX - strlen("libcimjob:")] = '\0';
    o.local_id = lid;
    o.stdio[0].mode = CIMJOB_STDIO_NULL;
    o.stdio[1].mode = CIMJOB_STDIO_FILE;
    o.stdio[1].path = "out.log";
    o.stdio[2].mode = CIMJOB_STDIO_FD;
    o.stdio[2].fd = 2;
    o.time_before_removal_us = CIMJOB_INTERVAL_MAX_US;
    o.containment = CIMJOB_CONTAINMENT_NONE;
    o.flags = CIMJOB_JOB_WAIT_FOR_ALL | CIMJOB_JOB_DIE_WITH_HOST;
    EXPECT(cimjob_create(f->reg, &o, &j), 0);
    cimjob_info i = q(j);
    assert_string_equal(i.name, name);
    assert_int_equal(strlen(i.instance_id), CIMJOB_INSTANCE_ID_MAX);
    assert_true(i.time_before_removal_us == CIMJOB_INTERVAL_MAX_US);
    cimjob_job_release(j);
    assert_int_equal(fx_count(f), 1);
}

/* ---- everything that takes a job ------------------------------------------------------------- */

static void test_job_functions(void **state)
{
    fx *f = *state;
    cimjob_job *j = fx_job(f, "target", 1);
    cimjob_info info = CIMJOB_INFO_INIT;
    char buf[CIMJOB_DATETIME_SIZE];

    EXPECT(cimjob_query(NULL, &info), IP);
    EXPECT(cimjob_query(j, NULL), IP);
    info.version = 0;
    EXPECT(cimjob_query(j, &info), IV);
    info.version = CIMJOB_INFO_VERSION + 1;
    EXPECT(cimjob_query(j, &info), IV);
    info.version = CIMJOB_INFO_VERSION;
    EXPECT(cimjob_query(j, &info), 0);

    EXPECT(cimjob_info_format_time(NULL, CIMJOB_PROP_TIME_SUBMITTED, buf), IP);
    EXPECT(cimjob_info_format_time(&info, CIMJOB_PROP_TIME_SUBMITTED, NULL), IP);
    EXPECT(cimjob_info_format_time(&info, (cimjob_time_property)0, buf), IP);
    EXPECT(cimjob_info_format_time(&info, (cimjob_time_property)6, buf), IP);

    EXPECT(cimjob_request_state_change(NULL, CIMJOB_REQUEST_KILL, NULL), RSC_IP);
    EXPECT(cimjob_request_state_change(j, (cimjob_requested_state)0, NULL), RSC_IP);
    EXPECT(cimjob_request_state_change(j, (cimjob_requested_state)7, NULL), RSC_IP);
    EXPECT(cimjob_request_state_change(j, (cimjob_requested_state)-1, NULL), RSC_IP);
    EXPECT(cimjob_request_state_change(j, CIMJOB_REQUEST_KILL, "x"), RSC_IP);
    EXPECT(cimjob_request_state_change(j, CIMJOB_REQUEST_KILL, "99999999999999.999999+000"),
           RSC_IP);

    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    EXPECT(cimjob_request_state_change_ex(NULL, CIMJOB_REQUEST_KILL, &ro), RSC_IP);
    ro.version = 0;
    EXPECT(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_KILL, &ro), RSC_IP);
    ro.version = 2;
    EXPECT(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_KILL, &ro), RSC_IP);
    ro.version = CIMJOB_REQUEST_OPTIONS_VERSION;
    ro.flags = 1u << 5;
    EXPECT(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_KILL, &ro), RSC_IP);
    ro.flags = 0;
    ro.timeout_us = CIMJOB_INTERVAL_MAX_US + 1;
    EXPECT(cimjob_request_state_change_ex(j, CIMJOB_REQUEST_KILL, &ro), RSC_IP);
    ro.timeout_us = 0;

    EXPECT(cimjob_kill_job(NULL, 0), IP);
    EXPECT(cimjob_kill_job_ex(NULL, 0, NULL), IP);
    ro.version = 2;
    EXPECT(cimjob_kill_job_ex(j, 0, &ro), IV);
    ro.version = CIMJOB_REQUEST_OPTIONS_VERSION;
    ro.flags = 1u << 9;
    EXPECT(cimjob_kill_job_ex(j, 0, &ro), IP);
    ro.flags = 0;
    ro.timeout_us = UINT64_MAX;
    EXPECT(cimjob_kill_job_ex(j, 0, &ro), IP);

    EXPECT(cimjob_wait(NULL, 0, 0, NULL), IP);
    EXPECT(cimjob_wait(j, 1u << 0, 0, NULL), IP);
    EXPECT(cimjob_wait(j, 1u << 1, 0, NULL), IP);
    EXPECT(cimjob_wait(j, 1u << 13, 0, NULL), IP);
    EXPECT(cimjob_wait(j, CIMJOB_STATE_BIT(CIMJOB_JOB_STATE_RUNNING) | (1u << 31), 0, NULL), IP);
    EXPECT(cimjob_wait(j, CIMJOB_STATE_BIT(CIMJOB_JOB_STATE_QUERY_PENDING), 0, NULL),
           CIMJOB_RC_TIMEOUT);
    EXPECT(cimjob_wait(j, CIMJOB_STATE_BIT(CIMJOB_JOB_STATE_RUNNING), 0, NULL), 0);

    EXPECT(cimjob_set_percent_complete(NULL, 1), IP);
    EXPECT(cimjob_set_percent_complete(j, 101), IP);
    EXPECT(cimjob_set_percent_complete(j, UINT32_MAX), IP);
    EXPECT(cimjob_set_job_status(NULL, "s"), IP);
    EXPECT(cimjob_set_job_status(j, NULL), IP);
    char status[CIMJOB_TEXT_MAX + 2];
    memset(status, 's', sizeof status - 1);
    status[sizeof status - 1] = '\0';
    EXPECT(cimjob_set_job_status(j, status), IP);
    status[CIMJOB_TEXT_MAX] = '\0';
    EXPECT(cimjob_set_job_status(j, status), 0);
    assert_string_equal(q(j).job_status, status);

    /* Nothing above changed the job. */
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    assert_int_equal(q(j).percent_complete, 0);
    assert_int_equal(calls(f, CIMJOB_FAKE_CALL_KILL), 0);

    assert_string_equal(cimjob_job_instance_id(NULL), "");
    assert_null(cimjob_job_ref(NULL));
    cimjob_job_release(NULL);
    cimjob_job_list_free(NULL, 0);

    cimjob_backend_result r = CIMJOB_BACKEND_RESULT_INIT;
    EXPECT(cimjob_backend_report_exit(NULL, &r), IP);
    EXPECT(cimjob_backend_report_exit(j, NULL), IP);
    r.version = 3;
    EXPECT(cimjob_backend_report_exit(j, &r), IP);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    r.version = 1;
    EXPECT(cimjob_backend_report_exit(j, &r), 0);
    assert_state(j, CIMJOB_JOB_STATE_COMPLETED);
    EXPECT(cimjob_backend_report_exit(j, &r), CIMJOB_RC_INVALID_STATE);
    cimjob_job_release(j);
}

static void test_registry_functions(void **state)
{
    fx *f = *state;
    cimjob_job *j = NULL, **list = NULL;
    size_t n = 0;
    intptr_t fd;
    int64_t t;
    EXPECT(cimjob_find(NULL, "libcimjob:1", &j), IP);
    EXPECT(cimjob_find(f->reg, NULL, &j), IP);
    EXPECT(cimjob_find(f->reg, "libcimjob:1", NULL), IP);
    EXPECT(cimjob_find(f->reg, "libcimjob:1", &j), CIMJOB_RC_NOT_FOUND);
    EXPECT(cimjob_remove(NULL, (cimjob_job *)f), IP);
    EXPECT(cimjob_remove(f->reg, NULL), IP);
    EXPECT(cimjob_registry_list(NULL, &list, &n), IP);
    EXPECT(cimjob_registry_list(f->reg, NULL, &n), IP);
    EXPECT(cimjob_registry_list(f->reg, &list, NULL), IP);
    EXPECT(cimjob_registry_count(NULL, &n), IP);
    EXPECT(cimjob_registry_count(f->reg, NULL), IP);
    uint64_t gen;
    EXPECT(cimjob_registry_generation(NULL, &gen), IP);
    EXPECT(cimjob_registry_generation(f->reg, NULL), IP);
    EXPECT(cimjob_registry_fd(NULL, &fd), IP);
    EXPECT(cimjob_registry_fd(f->reg, NULL), IP);
    EXPECT(cimjob_registry_fd(f->reg, &fd), CIMJOB_RC_NOT_SUPPORTED);
    EXPECT(cimjob_registry_dispatch(NULL), IP);
    EXPECT(cimjob_registry_next_timeout(NULL, &t), IP);
    EXPECT(cimjob_registry_next_timeout(f->reg, NULL), IP);
    EXPECT(cimjob_registry_run(NULL, 0), IP);
    assert_null(j);
    assert_null(list);
}

static void test_backend_lookup(void **state)
{
    (void)state;
    assert_null(cimjob_backend_by_name(NULL));
    assert_null(cimjob_backend_by_name(""));
    assert_null(cimjob_backend_by_name("nope"));
    assert_null(cimjob_backend_by_name("FAKE"));
    const cimjob_backend *fake = cimjob_backend_by_name("fake");
    assert_non_null(fake);
    assert_int_equal(fake->version, CIMJOB_BACKEND_VERSION);
    const cimjob_backend *def = cimjob_backend_default();
    if (def)
        assert_ptr_equal(cimjob_backend_by_name(def->name), def);
    EXPECT(cimjob_backend_fail(CIMJOB_RC_OS_ERROR, "backend says %s", "no"), CIMJOB_RC_OS_ERROR);
    assert_string_equal(cimjob_last_error(), "backend says no");
}

static void test_fake_api(void **state)
{
    fx *f = *state;
    cimjob_fake *fake = NULL;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    EXPECT(cimjob_fake_new(0, NULL), IP);
    EXPECT(cimjob_fake_new(1u << 7, &fake), IP);
    EXPECT(cimjob_fake_new(1u << 31, &fake), IP);
    assert_null(fake);
    EXPECT(cimjob_fake_push(NULL, &o), IP);
    EXPECT(cimjob_fake_push(f->fake, NULL), IP);
    EXPECT(cimjob_fake_set_default(NULL, &o), IP);
    EXPECT(cimjob_fake_set_default(f->fake, NULL), IP);
    o.version = 0;
    EXPECT(cimjob_fake_push(f->fake, &o), IV);
    EXPECT(cimjob_fake_set_default(f->fake, &o), IV);
    o.version = 2;
    EXPECT(cimjob_fake_push(f->fake, &o), IV);
    o.version = CIMJOB_FAKE_OUTCOME_VERSION;
    char desc[CIMJOB_TEXT_MAX + 2];
    memset(desc, 'd', sizeof desc - 1);
    desc[sizeof desc - 1] = '\0';
    o.error_description = desc;
    EXPECT(cimjob_fake_push(f->fake, &o), IP);
    EXPECT(cimjob_fake_set_default(f->fake, &o), IP);
    EXPECT(cimjob_fake_set_epoch(NULL, 0), IP);
    EXPECT(cimjob_fake_set_auto_advance(NULL, 1), IP);
    EXPECT(cimjob_fake_advance(NULL, 1), IP);
    EXPECT(cimjob_fake_advance(f->fake, UINT64_MAX), IP);
    EXPECT(cimjob_fake_advance(f->fake, (uint64_t)INT64_MAX + 1), IP);
    assert_true(cimjob_fake_now(f->fake) == 0);
    EXPECT(cimjob_fake_finish(NULL, (cimjob_job *)f, 0, NULL), IP);
    EXPECT(cimjob_fake_finish(f->fake, NULL, 0, NULL), IP);
    cimjob_job *j = fx_job(f, "never started", 0);
    EXPECT(cimjob_fake_finish(f->fake, j, 0, NULL), CIMJOB_RC_NOT_FOUND);
    assert_state(j, CIMJOB_JOB_STATE_NEW);
    cimjob_job_release(j);
    assert_true(cimjob_fake_now(NULL) == 0);
    assert_int_equal(cimjob_fake_calls(NULL, CIMJOB_FAKE_CALL_SPAWN), 0);
    assert_int_equal(cimjob_fake_calls(f->fake, (cimjob_fake_call)8), 0);
    assert_int_equal(cimjob_fake_calls(f->fake, (cimjob_fake_call)-1), 0);
    assert_null(cimjob_fake_backend(NULL));
    cimjob_fake_free(NULL);
    /* No outcome was queued by the failed pushes: a new job runs the default script. */
    j = fx_job(f, "default", 1);
    assert_int_equal(cimjob_wait(j, 0, 0, NULL), CIMJOB_RC_TIMEOUT);
    assert_state(j, CIMJOB_JOB_STATE_RUNNING);
    cimjob_job_release(j);
}

/* ---- allocation failure --------------------------------------------------------------------- */

static void budget(long k)
{
    atomic_store(&cimjob__alloc_budget, k);
}

static void test_alloc_registry_new(void **state)
{
    (void)state;
    cimjob_fake *fake;
    assert_int_equal(cimjob_fake_new(0, &fake), CIMJOB_RC_SUCCESS);
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.backend = cimjob_fake_backend(fake);
    ro.backend_config = fake;
    int ok = 0;
    for (long k = 0; k < 100 && !ok; k++) {
        cimjob_registry *reg = NULL;
        budget(k);
        cimjob_rc rc = cimjob_registry_new(&ro, &reg);
        budget(-1);
        if (rc == CIMJOB_RC_SUCCESS) {
            ok = 1;
            assert_int_equal(cimjob_registry_free(reg), CIMJOB_RC_SUCCESS);
        } else {
            assert_int_equal(rc, CIMJOB_RC_NO_MEMORY);
            assert_null(reg);
            check_message("cimjob_registry_new");
        }
    }
    assert_true(ok);
    /* Also a private fake (config NULL) made by the backend's open. */
    ro.backend = cimjob_backend_by_name("fake");
    ro.backend_config = NULL;
    ok = 0;
    for (long k = 0; k < 100 && !ok; k++) {
        cimjob_registry *reg = NULL;
        budget(k);
        cimjob_rc rc = cimjob_registry_new(&ro, &reg);
        budget(-1);
        if (rc == CIMJOB_RC_SUCCESS) {
            ok = 1;
            cimjob_registry_free(reg);
        } else {
            assert_int_equal(rc, CIMJOB_RC_NO_MEMORY);
        }
    }
    assert_true(ok);
    cimjob_fake_free(fake);
    cimjob_fake *f2 = (cimjob_fake *)&ro;
    budget(0);
    cimjob_rc rc = cimjob_fake_new(0, &f2);
    budget(-1);
    assert_int_equal(rc, CIMJOB_RC_NO_MEMORY);
    assert_ptr_equal(f2, (cimjob_fake *)&ro);
}

static void note_cb(const cimjob_event *e, void *ud)
{
    (void)e;
    (*(int *)ud)++;
}

static void test_alloc_create(void **state)
{
    fx *f = *state;
    const char *argv[] = {"prog", "arg", NULL};
    const char *envp[] = {"K=V", NULL};
    static int events; /* callbacks run until the teardown frees the registry */
    events = 0;
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    o.name = "allocating";
    o.argv = argv;
    o.envp = envp;
    o.cwd = "/tmp";
    for (int s = 0; s < 3; s++) {
        o.stdio[s].mode = CIMJOB_STDIO_FILE;
        o.stdio[s].path = "file";
    }
    o.owner = "owner";
    o.on_state_change = note_cb;
    o.userdata = &events;
    for (int variant = 0; variant < 3; variant++) {
        /* 0: generated InstanceID; 1: a LocalID (tombstone); 2: started at once. */
        int ok = 0;
        for (long k = 0; k < 200 && !ok; k++) {
            char lid[48];
            snprintf(lid, sizeof lid, "v%d-k%ld", variant, k);
            o.local_id = variant == 1 ? lid : NULL;
            o.flags = variant == 2 ? CIMJOB_JOB_START : 0;
            size_t before = fx_count(f);
            cimjob_job *j = NULL;
            budget(k);
            cimjob_rc rc = cimjob_create(f->reg, &o, &j);
            budget(-1);
            if (rc == CIMJOB_RC_SUCCESS) {
                assert_int_equal(fx_count(f), before + 1);
                cimjob_info i = q(j);
                /* A start that ran out of memory is an Exception, never half a job. */
                assert_true(i.job_state ==
                                (variant == 2 ? CIMJOB_JOB_STATE_RUNNING : CIMJOB_JOB_STATE_NEW) ||
                            (variant == 2 && i.job_state == CIMJOB_JOB_STATE_EXCEPTION));
                if (i.job_state == CIMJOB_JOB_STATE_RUNNING ||
                    i.job_state == CIMJOB_JOB_STATE_NEW) {
                    ok = 1;
                    assert_string_equal(i.owner, "owner");
                    assert_string_equal(i.name, "allocating");
                }
                cimjob_job_release(j);
            } else {
                assert_int_equal(rc, CIMJOB_RC_NO_MEMORY);
                assert_null(j);
                assert_int_equal(fx_count(f), before);
                check_message("cimjob_create");
            }
        }
        assert_true(ok);
    }
}

/* Any allocation failing anywhere in a whole job's life: no crash, no leak, a valid state. */
static void test_alloc_whole_lifecycle(void **state)
{
    (void)state;
    for (long k = 0; k < 80; k++) {
        int events = 0;
        cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
        ro.on_state_change = note_cb;
        ro.userdata = &events;
        fx *f = fx_new_opts(0, &ro);
        cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
        o.terminate_us = -1;
        o.report_progress = 1;
        o.run_us = 100 * SEC;
        fx_push(f, &o);
        fx_push(f, &o);
        budget(k);
        cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
        jo.name = "oom";
        jo.flags = CIMJOB_JOB_START;
        cimjob_job *a = NULL, *b = NULL;
        cimjob_create(f->reg, &jo, &a);
        jo.local_id = "b";
        jo.delete_on_completion = 0;
        cimjob_create(f->reg, &jo, &b);
        if (a) {
            cimjob_fake_advance(f->fake, 20 * SEC);
            cimjob_request_state_change(a, CIMJOB_REQUEST_SUSPEND, NULL);
            cimjob_request_state_change(a, CIMJOB_REQUEST_START, NULL);
            cimjob_request_state_change(a, CIMJOB_REQUEST_TERMINATE, "00000000000005.000000:000");
        }
        if (b) {
            cimjob_job **list = NULL;
            size_t n = 0;
            if (cimjob_registry_list(f->reg, &list, &n) == CIMJOB_RC_SUCCESS)
                cimjob_job_list_free(list, n);
            cimjob_kill_job(b, 1);
        }
        cimjob_fake_advance(f->fake, 600 * SEC);
        budget(-1);
        cimjob_job *both[] = {a, b};
        for (int i = 0; i < 2; i++) {
            if (!both[i])
                continue;
            cimjob_info info = CIMJOB_INFO_INIT;
            cimjob_rc rc = cimjob_query(both[i], &info);
            assert_true(rc == CIMJOB_RC_SUCCESS || rc == CIMJOB_RC_NOT_FOUND);
            if (rc == CIMJOB_RC_SUCCESS)
                assert_true(info.job_state >= 2 && info.job_state <= 12);
            cimjob_job_release(both[i]);
        }
        fx_free(f);
    }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_init),
        cmocka_unit_test(test_registry_new),
        cmocka_unit_test(test_user_backend_struct_checked),
        cmocka_unit_test(test_processes_need_argv),
        T(test_create),
        T(test_job_functions),
        T(test_registry_functions),
        cmocka_unit_test(test_backend_lookup),
        T(test_fake_api),
        cmocka_unit_test(test_alloc_registry_new),
        T(test_alloc_create),
        cmocka_unit_test(test_alloc_whole_lifecycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
