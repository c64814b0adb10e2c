/*
 * libcimjob-redfish in-process, on the fake backend (suite 'redfish'): the states a real
 * process cannot easily show (New, Service, a progress report, an Exception with a chosen
 * ErrorDescription, a backend without Kill), every JobState's TaskState, the duration formats
 * of the start action, and the API's own argument checks. No HTTP: cimjob_redfish_handle()
 * directly, as an agent with its own server would call it.
 */
#include <cimjob/cimjob.h>
#include <cimjob/redfish.h>

#include <setjmp.h> /* CMocka needs these four before its header */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>

typedef struct fixture {
    cimjob_fake *fake;
    cimjob_registry *reg;
    cimjob_redfish *rf;
} fixture;

static cimjob_redfish *forward_to;

static void on_change(const cimjob_event *event, void *userdata)
{
    (void)userdata;
    cimjob_redfish_on_state_change(event, forward_to);
}

static int setup_flags(void **state, unsigned flags)
{
    fixture *f = calloc(1, sizeof *f);
    assert_int_equal(cimjob_fake_new(flags, &f->fake), CIMJOB_RC_SUCCESS);
    cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
    ro.org_id = "cimjob";
    ro.backend = cimjob_fake_backend(f->fake);
    ro.backend_config = f->fake;
    ro.on_state_change = on_change;
    assert_int_equal(cimjob_registry_new(&ro, &f->reg), CIMJOB_RC_SUCCESS);
    cimjob_redfish_options fo = CIMJOB_REDFISH_OPTIONS_INIT;
    fo.registry = f->reg;
    fo.org_id = "cimjob";
    fo.allow_start = 1;
    assert_int_equal(cimjob_redfish_new(&fo, &f->rf), CIMJOB_RC_SUCCESS);
    forward_to = f->rf;
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_flags(state, 0);
}

static int setup_no_kill(void **state)
{
    return setup_flags(state, CIMJOB_FAKE_NO_KILL);
}

static int teardown(void **state)
{
    fixture *f = *state;
    cimjob_registry_free(f->reg);
    forward_to = NULL;
    cimjob_redfish_free(f->rf);
    cimjob_fake_free(f->fake);
    free(f);
    return 0;
}

/* One request as alice (Operator); the status, and the body parsed into *doc (may be NULL). */
static int call(fixture *f, const char *method, const char *path, const char *body, json_t **doc)
{
    cimjob_redfish_request rq;
    memset(&rq, 0, sizeof rq);
    rq.version = CIMJOB_REDFISH_REQUEST_VERSION;
    rq.method = method;
    rq.path = path;
    rq.body = body;
    rq.body_len = body ? strlen(body) : 0;
    rq.user = "alice";
    rq.role = CIMJOB_REDFISH_ROLE_OPERATOR;
    cimjob_redfish_response rr = CIMJOB_REDFISH_RESPONSE_INIT;
    assert_int_equal(cimjob_redfish_handle(f->rf, &rq, &rr), CIMJOB_RC_SUCCESS);
    int status = rr.status;
    if (doc) {
        *doc = rr.body ? json_loadb(rr.body, rr.body_len, 0, NULL) : NULL;
        assert_non_null(*doc);
    }
    cimjob_redfish_response_clear(&rr);
    return status;
}

static const char *str(json_t *doc, const char *key)
{
    const char *s = json_string_value(json_object_get(doc, key));
    return s ? s : "";
}

/* A job owned by alice, New (not started): its Task Id. */
static void new_job(fixture *f, cimjob_job **job, char id[64])
{
    static const char *const argv[] = {"work", NULL};
    cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
    jo.name = "unit";
    jo.argv = argv;
    jo.owner = "alice";
    assert_int_equal(cimjob_create(f->reg, &jo, job), CIMJOB_RC_SUCCESS);
    snprintf(id, 64, "%s", strchr(cimjob_job_instance_id(*job), ':') + 1);
}

static const char *task_state(fixture *f, const char *id)
{
    static char out[32];
    char path[128];
    json_t *doc;
    snprintf(path, sizeof path, "/redfish/v1/TaskService/Tasks/%s", id);
    assert_int_equal(call(f, "GET", path, NULL, &doc), 200);
    snprintf(out, sizeof out, "%s", str(doc, "TaskState"));
    json_decref(doc);
    return out;
}

static void task_state_of_every_job_state(void **state)
{
    (void)state;
    static const struct {
        cimjob_job_state js;
        const char *plain, *cancelled;
    } t[] = {
        {CIMJOB_JOB_STATE_NEW, "New", "New"},
        {CIMJOB_JOB_STATE_STARTING, "Starting", "Starting"},
        {CIMJOB_JOB_STATE_RUNNING, "Running", "Running"},
        {CIMJOB_JOB_STATE_SUSPENDED, "Suspended", "Suspended"},
        {CIMJOB_JOB_STATE_SHUTTING_DOWN, "Stopping", "Cancelling"},
        {CIMJOB_JOB_STATE_COMPLETED, "Completed", "Completed"},
        {CIMJOB_JOB_STATE_TERMINATED, "Cancelled", "Cancelled"},
        {CIMJOB_JOB_STATE_KILLED, "Cancelled", "Cancelled"},
        {CIMJOB_JOB_STATE_EXCEPTION, "Exception", "Exception"},
        {CIMJOB_JOB_STATE_SERVICE, "Service", "Service"},
        {CIMJOB_JOB_STATE_QUERY_PENDING, "Interrupted", "Interrupted"},
        {(cimjob_job_state)40000, "Exception", "Exception"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        assert_string_equal(cimjob_redfish_task_state(t[i].js, 0), t[i].plain);
        assert_string_equal(cimjob_redfish_task_state(t[i].js, 1), t[i].cancelled);
    }
}

static void new_service_progress_completed(void **state)
{
    fixture *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 10000000;
    o.report_progress = 1;
    assert_int_equal(cimjob_fake_push(f->fake, &o), CIMJOB_RC_SUCCESS);
    cimjob_job *job;
    char id[64], path[160];
    new_job(f, &job, id);
    assert_string_equal(task_state(f, id), "New");
    uint64_t cursor = cimjob_redfish_event_cursor(f->rf);

    snprintf(path, sizeof path, "/redfish/v1/TaskService/Tasks/%s/Actions/Oem/CimJob.Resume", id);
    assert_int_equal(call(f, "POST", path, NULL, NULL), 200); /* Start from New */
    assert_string_equal(task_state(f, id), "Running");
    snprintf(path, sizeof path,
             "/redfish/v1/TaskService/Tasks/%s/Actions/Oem/CimJob.RequestStateChange", id);
    json_t *doc;
    assert_int_equal(call(f, "POST", path, "{\"RequestedState\": 6}", &doc), 200);
    json_decref(doc);
    assert_string_equal(task_state(f, id), "Service");
    assert_int_equal(call(f, "POST", path, "{\"RequestedState\": \"Start\"}", NULL), 200);
    assert_string_equal(task_state(f, id), "Running");

    /* Progress: 30 % after 3 virtual seconds, seen by the tick as TaskProgressChanged. */
    assert_int_equal(cimjob_fake_advance(f->fake, 3000000), CIMJOB_RC_SUCCESS);
    cimjob_registry_dispatch(f->reg);
    assert_int_equal(cimjob_redfish_tick(f->rf), CIMJOB_RC_SUCCESS);
    int progress = 0, started = 0;
    char *ev;
    while (cimjob_redfish_event_next(f->rf, &cursor, "alice", CIMJOB_REDFISH_ROLE_OPERATOR, 0,
                                     &ev) == CIMJOB_RC_SUCCESS) {
        progress |= strstr(ev, "TaskEvent.1.0.TaskProgressChanged") != NULL;
        started |= strstr(ev, "TaskEvent.1.0.TaskStarted") != NULL;
        free(ev);
    }
    assert_true(progress);
    assert_true(started);
    /* bob sees none of alice's events. */
    uint64_t bob = 0;
    assert_int_equal(
        cimjob_redfish_event_next(f->rf, &bob, "bob", CIMJOB_REDFISH_ROLE_OPERATOR, 0, &ev),
        CIMJOB_RC_TIMEOUT);

    assert_int_equal(cimjob_fake_advance(f->fake, 8000000), CIMJOB_RC_SUCCESS);
    cimjob_registry_dispatch(f->reg);
    snprintf(path, sizeof path, "/redfish/v1/TaskService/Tasks/%s", id);
    assert_int_equal(call(f, "GET", path, NULL, &doc), 200);
    assert_string_equal(str(doc, "TaskState"), "Completed");
    assert_int_equal(json_integer_value(json_object_get(doc, "PercentComplete")), 100);
    json_decref(doc);
    cimjob_job_release(job);
}

/* A stream that fell more than the event queue behind gets Base.EventBufferExceeded once,
 * then the oldest events still queued; a stream that kept up never gets it. */
static void lagging_stream_gets_event_buffer_exceeded(void **state)
{
    fixture *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 10000000;
    assert_int_equal(cimjob_fake_push(f->fake, &o), CIMJOB_RC_SUCCESS);
    cimjob_job *job;
    char id[64], path[160];
    new_job(f, &job, id);
    uint64_t lagging = cimjob_redfish_event_cursor(f->rf);
    uint64_t keeping_up = lagging;
    snprintf(path, sizeof path, "/redfish/v1/TaskService/Tasks/%s/Actions/Oem/CimJob.Resume", id);
    assert_int_equal(call(f, "POST", path, NULL, NULL), 200);
    char *ev;
    int seen = 0;
    for (int i = 0; i < 300; i++) { /* TaskPaused + TaskResumed: 600 events, the queue holds 512 */
        char sp[160];
        snprintf(sp, sizeof sp, "/redfish/v1/TaskService/Tasks/%s/Actions/Oem/CimJob.Suspend", id);
        assert_int_equal(call(f, "POST", sp, NULL, NULL), 200);
        assert_int_equal(call(f, "POST", path, NULL, NULL), 200);
        while (cimjob_redfish_event_next(f->rf, &keeping_up, "alice", CIMJOB_REDFISH_ROLE_OPERATOR,
                                         0, &ev) == CIMJOB_RC_SUCCESS) {
            assert_null(strstr(ev, "EventBufferExceeded"));
            assert_non_null(strstr(ev, "\"TaskEvent.1.0."));
            seen++;
            free(ev);
        }
    }
    assert_true(seen >= 600);
    assert_int_equal(
        cimjob_redfish_event_next(f->rf, &lagging, "alice", CIMJOB_REDFISH_ROLE_OPERATOR, 0, &ev),
        CIMJOB_RC_SUCCESS);
    json_t *doc = json_loads(ev, 0, NULL);
    free(ev);
    assert_non_null(doc);
    assert_string_equal(str(doc, "@odata.type"), "#Event.v1_13_0.Event");
    json_t *rec = json_array_get(json_object_get(doc, "Events"), 0);
    assert_string_equal(str(rec, "MessageId"), "Base.1.22.EventBufferExceeded");
    assert_string_equal(str(rec, "MessageSeverity"), "Warning");
    assert_int_equal(json_array_size(json_object_get(rec, "MessageArgs")), 0);
    json_decref(doc);
    /* Then the task events go on, without a second notice. */
    int after = 0;
    while (cimjob_redfish_event_next(f->rf, &lagging, "alice", CIMJOB_REDFISH_ROLE_OPERATOR, 0,
                                     &ev) == CIMJOB_RC_SUCCESS) {
        assert_null(strstr(ev, "EventBufferExceeded"));
        after++;
        free(ev);
    }
    assert_true(after > 0 && after <= 512);
    cimjob_job_release(job);
}

static void exception_carries_error_description(void **state)
{
    fixture *f = *state;
    cimjob_fake_outcome o = CIMJOB_FAKE_OUTCOME_INIT;
    o.run_us = 1000;
    o.error_code = 42;
    o.error_description = "the disk went away";
    assert_int_equal(cimjob_fake_push(f->fake, &o), CIMJOB_RC_SUCCESS);
    json_t *doc;
    assert_int_equal(call(f, "POST", "/redfish/v1/TaskService/Actions/Oem/CimJob.Start",
                          "{\"CommandLine\": [\"copy\"]}", &doc),
                     202);
    char path[160];
    snprintf(path, sizeof path, "/redfish/v1/TaskService/Tasks/%s", str(doc, "Id"));
    json_decref(doc);
    assert_int_equal(cimjob_fake_advance(f->fake, 2000), CIMJOB_RC_SUCCESS);
    cimjob_registry_dispatch(f->reg);
    assert_int_equal(call(f, "GET", path, NULL, &doc), 200);
    assert_string_equal(str(doc, "TaskState"), "Exception");
    assert_string_equal(str(doc, "TaskStatus"), "Critical");
    json_t *m = json_array_get(json_object_get(doc, "Messages"), 0);
    assert_string_equal(str(m, "MessageId"), "TaskEvent.1.0.TaskAborted");
    assert_string_equal(str(m, "MessageSeverity"), "Critical");
    json_t *oem = json_object_get(json_object_get(m, "Oem"), "CimJob");
    assert_int_equal(json_integer_value(json_object_get(oem, "ErrorCode")), 42);
    assert_string_equal(str(oem, "ErrorDescription"), "the disk went away");
    json_decref(doc);
}

static void start_action_durations(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *json;
        int status;
    } t[] = {
        {"\"PT30S\"", 202},
        {"\"PT1.5S\"", 202},
        {"\"P1DT2H3M4S\"", 202},
        {"\"PT2H\"", 202},
        {"\"00000000000005.000000:000\"", 202},
        {"12", 202},
        {"0.25", 202},
        {"\"P\"", 400},
        {"\"PT\"", 400},
        {"\"PT1M1H\"", 400},
        {"\"PT1.5M\"", 400},
        {"\"P1Y\"", 400},
        {"\"-PT1S\"", 400},
        {"\"PT1S \"", 400},
        {"-3", 400},
        {"true", 400},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        char body[160];
        snprintf(body, sizeof body, "{\"CommandLine\": [\"x\"], \"TimeoutPeriod\": %s}", t[i].json);
        json_t *doc;
        int status =
            call(f, "POST", "/redfish/v1/TaskService/Actions/Oem/CimJob.Start", body, &doc);
        if (status != t[i].status)
            fail_msg("TimeoutPeriod %s: %d (expected %d)", t[i].json, status, t[i].status);
        json_decref(doc);
    }
}

static void kill_not_supported_by_the_backend(void **state)
{
    fixture *f = *state;
    cimjob_job *job;
    char id[64], path[160];
    new_job(f, &job, id);
    assert_int_equal(cimjob_request_state_change(job, CIMJOB_REQUEST_START, NULL),
                     CIMJOB_RSC_COMPLETED);
    snprintf(path, sizeof path, "/redfish/v1/TaskService/Tasks/%s/Actions/Oem/CimJob.Kill", id);
    json_t *doc;
    assert_int_equal(call(f, "POST", path, "{}", &doc), 400);
    json_t *m =
        json_array_get(json_object_get(json_object_get(doc, "error"), "@Message.ExtendedInfo"), 0);
    assert_string_equal(str(m, "MessageId"), "Base.1.22.ActionNotSupported");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(m, "Oem"), "CimJob"), "ReturnValue")),
                     CIMJOB_RC_NOT_SUPPORTED);
    json_decref(doc);
    assert_string_equal(task_state(f, id), "Running"); /* nothing changed */
    cimjob_job_release(job);
}

static void api_checks_its_arguments(void **state)
{
    fixture *f = *state;
    cimjob_redfish *rf = NULL;
    cimjob_redfish_options fo = CIMJOB_REDFISH_OPTIONS_INIT;
    assert_int_equal(cimjob_redfish_new(&fo, &rf), CIMJOB_RC_INVALID_PARAMETER); /* registry */
    fo.registry = f->reg;
    fo.org_id = "a:b";
    assert_int_equal(cimjob_redfish_new(&fo, &rf), CIMJOB_RC_INVALID_PARAMETER);
    fo.org_id = NULL;
    fo.version = 99;
    assert_int_equal(cimjob_redfish_new(&fo, &rf), CIMJOB_RC_INVALID_VERSION);
    assert_int_equal(cimjob_redfish_new(NULL, &rf), CIMJOB_RC_INVALID_PARAMETER);
    assert_null(rf);

    cimjob_redfish_request rq;
    memset(&rq, 0, sizeof rq);
    rq.version = CIMJOB_REDFISH_REQUEST_VERSION;
    cimjob_redfish_response rr = CIMJOB_REDFISH_RESPONSE_INIT;
    assert_int_equal(cimjob_redfish_handle(f->rf, &rq, &rr), CIMJOB_RC_INVALID_PARAMETER);
    rq.method = "GET";
    rq.path = "/redfish";
    rq.version = 7;
    assert_int_equal(cimjob_redfish_handle(f->rf, &rq, &rr), CIMJOB_RC_INVALID_VERSION);
    assert_int_equal(cimjob_redfish_handle(NULL, &rq, &rr), CIMJOB_RC_INVALID_PARAMETER);
    cimjob_redfish_response_clear(NULL);

    char user[8];
    int role;
    assert_int_equal(cimjob_redfish_session_check(f->rf, "x", user, sizeof user, &role),
                     CIMJOB_RC_NOT_FOUND);
    assert_int_equal(cimjob_redfish_session_check(f->rf, NULL, user, sizeof user, &role),
                     CIMJOB_RC_INVALID_PARAMETER);
    char *json;
    uint64_t cursor = 0;
    assert_int_equal(cimjob_redfish_event_next(NULL, &cursor, NULL, 0, 0, &json),
                     CIMJOB_RC_INVALID_PARAMETER);
    assert_int_equal(cimjob_redfish_tick(NULL), CIMJOB_RC_INVALID_PARAMETER);
    cimjob_redfish_free(NULL);
    cimjob_redfish_on_state_change(NULL, f->rf);
}

/* The CIM schedules Redfish's Schedule cannot say (docs/redfish.md): a RunDay from the month's
 * end, RunDay with RunDayOfWeek; and what it can: a weekday calendar, JobRunTimes. */
static void job_schedule_mapping(void **state)
{
    fixture *f = *state;
    static const struct {
        int run_month, run_day, run_day_of_week, runs;
        const char *months, *days_of_week; /* "" when the list must be absent */
        int day_of_month;                  /* -1 when EnabledDaysOfMonth must be absent */
    } cases[] = {
        {CIMJOB_RUN_MONTH_ANY, 0, 2, 4, "Every", "Monday", -1},
        {11, 24, 0, 0, "December", "Every", 24},
        {CIMJOB_RUN_MONTH_ANY, -1, 0, 1, "Every", "Every", -1}, /* the last day: no Redfish form */
        {0, 8, 2, 1, "January", "", -1}, /* the first Monday on or after the 8th: Oem only */
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        cimjob_job *job;
        char id[64], path[128];
        new_job(f, &job, id);
        snprintf(path, sizeof path, "/redfish/v1/JobService/Jobs/%s", id);
        json_t *doc = NULL;
        assert_int_equal(call(f, "GET", path, NULL, &doc), 404); /* no schedule: a Task only */
        json_decref(doc);
        cimjob_job_settings s = CIMJOB_JOB_SETTINGS_INIT;
        s.run_month = cases[k].run_month;
        s.run_day = cases[k].run_day;
        s.run_day_of_week = cases[k].run_day_of_week;
        s.run_start_interval_us = 3600ull * 1000000; /* 01:00 */
        s.job_run_times = (uint32_t)cases[k].runs;
        assert_int_equal(cimjob_job_modify(job, &s,
                                           CIMJOB_PROPERTY_SCHEDULE | CIMJOB_PROPERTY_JOB_RUN_TIMES,
                                           NULL),
                         CIMJOB_RC_SUCCESS);
        assert_int_equal(call(f, "GET", path, NULL, &doc), 200);
        assert_string_equal(str(doc, "JobState"), "Pending");
        json_t *sc = json_object_get(doc, "Schedule");
        assert_string_equal(str(sc, "RecurrenceInterval"), "P1D");
        assert_non_null(strstr(str(sc, "InitialStartTime"), "T01:00:00+00:00"));
        assert_string_equal(
            json_string_value(json_array_get(json_object_get(sc, "EnabledMonthsOfYear"), 0)),
            cases[k].months);
        json_t *dow = json_object_get(sc, "EnabledDaysOfWeek");
        if (cases[k].days_of_week[0])
            assert_string_equal(json_string_value(json_array_get(dow, 0)), cases[k].days_of_week);
        else
            assert_null(dow);
        json_t *dom = json_object_get(sc, "EnabledDaysOfMonth");
        if (cases[k].day_of_month >= 0)
            assert_int_equal(json_integer_value(json_array_get(dom, 0)), cases[k].day_of_month);
        else if (cases[k].run_day != 0)
            assert_null(dom);
        if (cases[k].runs)
            assert_int_equal(json_integer_value(json_object_get(sc, "MaxOccurrences")),
                             cases[k].runs);
        else
            assert_null(json_object_get(sc, "MaxOccurrences"));
        json_t *oem = json_object_get(json_object_get(doc, "Oem"), "CimJob");
        assert_int_equal(json_integer_value(json_object_get(oem, "RunDay")), cases[k].run_day);
        assert_int_equal(json_integer_value(json_object_get(oem, "RunDayOfWeek")),
                         cases[k].run_day_of_week);
        json_decref(doc);
        cimjob_job_release(job);
    }
}

/* A job's CIM_Error records are Task messages of the service's own registry, which lists them. */
static void cim_errors_as_registry_messages(void **state)
{
    fixture *f = *state;
    json_t *reg = NULL;
    assert_int_equal(
        call(f, "GET", "/redfish/v1/Registries/CimJob.1.0.0/CimJob.1.0.0.json", NULL, &reg), 200);
    assert_string_equal(str(reg, "RegistryPrefix"), "CimJob");
    json_t *msgs = json_object_get(reg, "Messages");
    for (int n = 1; cimjob_message_key(n)[0]; n++) {
        json_t *e = json_object_get(msgs, cimjob_message_key(n));
        assert_non_null(e);
        assert_string_equal(str(e, "Message"), cimjob_message_format(n));
    }
    json_t *exit_status = json_object_get(msgs, "JobExitStatus");
    assert_int_equal(json_integer_value(json_object_get(exit_status, "NumberOfArgs")), 1);
    assert_string_equal(str(exit_status, "MessageSeverity"), "Critical");
    json_decref(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(task_state_of_every_job_state),
        cmocka_unit_test_setup_teardown(new_service_progress_completed, setup, teardown),
        cmocka_unit_test_setup_teardown(exception_carries_error_description, setup, teardown),
        cmocka_unit_test_setup_teardown(lagging_stream_gets_event_buffer_exceeded, setup, teardown),
        cmocka_unit_test_setup_teardown(start_action_durations, setup, teardown),
        cmocka_unit_test_setup_teardown(kill_not_supported_by_the_backend, setup_no_kill, teardown),
        cmocka_unit_test_setup_teardown(api_checks_its_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(job_schedule_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(cim_errors_as_registry_messages, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
