/*
 * What changes jobs: the start action (a command line becomes a started job owned by the
 * caller), DELETE (Terminate a running task, remove a finished one), the OEM state actions
 * (Suspend, Resume, Kill, RequestStateChange) whose answers carry the exact CIM return value
 * in `Oem.CimJob.ReturnValue`, and DeleteAllCompletedTasks.
 *
 * Requests are made asynchronously (CIMJOB_REQUEST_ASYNC): an HTTP thread never waits out a
 * TimeoutPeriod; the client watches the task monitor instead.
 */
#include "rf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACTION_START "#CimJob.Start"
#define MAX_ARGV     1024

/* The caller for the library's access control: an Administrator acts as the host itself. */
static const char *lib_caller(const rf_call *c)
{
    return c->req->role == CIMJOB_REDFISH_ROLE_ADMINISTRATOR ? NULL : c->req->user;
}

static void type_error(rf_call *c, const char *action, const char *key, json_t *v)
{
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    rf_error_base(c, 400, "ActionParameterValueTypeError", s ? s : "", key, action);
    free(s);
}

/* A duration parameter: an ISO 8601 duration ("PT30S"), a CIM interval, or seconds. */
static int param_duration(rf_call *c, const char *action, const char *key, json_t *v, uint64_t *us)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *us = (uint64_t)json_integer_value(v) * 1000000;
        return 0;
    }
    if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 1e10) {
        *us = (uint64_t)(json_real_value(v) * 1e6);
        return 0;
    }
    if (!json_is_string(v)) {
        type_error(c, action, key, v);
        return -1;
    }
    const char *s = json_string_value(v);
    int64_t d = rf_duration_parse(s);
    if (d >= 0) {
        *us = (uint64_t)d;
        return 0;
    }
    if (cimjob_interval_parse(s, us) == CIMJOB_RC_SUCCESS)
        return 0;
    rf_error_base(c, 400, "ActionParameterValueFormatError", s, key, action);
    return -1;
}

static void set_cancelled(cimjob_redfish *rf, const char *id, int on)
{
    pthread_mutex_lock(&rf->lock);
    rf_task *t = rf_task_get(rf, id, 1);
    if (t)
        t->cancelled = on;
    pthread_mutex_unlock(&rf->lock);
}

void rf_accepted(rf_call *c, cimjob_job *job, const char *id)
{
    rf_buf b = {0};
    if (rf_task_write(c->rf, job, 0, &b) != 0) {
        free(b.p);
        rf_error_base(c, 404, "ResourceMissingAtURI", c->req->path, NULL, NULL);
        return;
    }
    rf_body(c, 202, &b);
    char date[64];
    rf_time_http(rf_now_us() / 1000000 + 1, date);
    rf_header(c->resp, "Location", RF_MONITORS "/%s", id);
    rf_header(c->resp, "Retry-After", "%s", date);
    /* Exactly "DELETE": the task can be cancelled (sushy's TaskMonitor.cancellable). */
    rf_header(c->resp, "Allow", "DELETE");
}

/* ---- #CimJob.Start -------------------------------------------------------------------------- */

void rf_post_start(rf_call *c)
{
    cimjob_redfish *rf = c->rf;
    snprintf(c->action, sizeof c->action, "%s", ACTION_START);
    if (!rf->o.allow_start) {
        rf_error_base(c, 400, "ActionNotSupported", ACTION_START, NULL, NULL);
        return;
    }
    const char *argv[MAX_ARGV + 1];
    size_t argc = 0;
    const char *name = NULL;
    uint64_t timeout_us = 0, removal_us;
    int delete_on_completion = 1;
    pthread_mutex_lock(&rf->lock);
    removal_us = rf->default_removal_us;
    pthread_mutex_unlock(&rf->lock);
    int have_cmd = 0;
    const char *key;
    json_t *v;
    json_object_foreach(c->body, key, v)
    {
        if (strcmp(key, "CommandLine") == 0) {
            if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > MAX_ARGV) {
                type_error(c, ACTION_START, key, v);
                return;
            }
            for (size_t i = 0; i < json_array_size(v); i++) {
                json_t *a = json_array_get(v, i);
                if (!json_is_string(a) ||
                    strlen(json_string_value(a)) != json_string_length(a) /* no NUL inside */) {
                    type_error(c, ACTION_START, key, v);
                    return;
                }
                argv[argc++] = json_string_value(a);
            }
            have_cmd = 1;
        } else if (strcmp(key, "Name") == 0) {
            if (!json_is_string(v) || json_string_length(v) == 0 ||
                json_string_length(v) > CIMJOB_NAME_MAX) {
                type_error(c, ACTION_START, key, v);
                return;
            }
            name = json_string_value(v);
        } else if (strcmp(key, "TimeoutPeriod") == 0) {
            if (param_duration(c, ACTION_START, key, v, &timeout_us) != 0)
                return;
        } else if (strcmp(key, "TimeBeforeRemoval") == 0) {
            if (param_duration(c, ACTION_START, key, v, &removal_us) != 0)
                return;
        } else if (strcmp(key, "DeleteOnCompletion") == 0) {
            if (!json_is_boolean(v)) {
                type_error(c, ACTION_START, key, v);
                return;
            }
            delete_on_completion = json_is_true(v);
        } else {
            rf_error_base(c, 400, "ActionParameterUnknown", ACTION_START, key, NULL);
            return;
        }
    }
    if (!have_cmd) {
        rf_error_base(c, 400, "ActionParameterMissing", ACTION_START, "CommandLine", NULL);
        return;
    }
    argv[argc] = NULL;
    if (rf->o.max_tasks) {
        size_t count = 0;
        cimjob_registry_count(rf->o.registry, &count);
        if (count >= rf->o.max_tasks) {
            rf_error_base(c, 503, "CreateLimitReachedForResource", NULL, NULL, NULL);
            rf_header(c->resp, "Retry-After", "%u", 10u);
            return;
        }
    }
    if (!name) {
        const char *slash = strrchr(argv[0], '/');
        name = slash && slash[1] ? slash + 1 : argv[0];
        if (!*name)
            name = "task";
    }
    cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
    jo.name = name;
    jo.argv = argv;
    for (int i = 0; i < 3; i++)
        jo.stdio[i].mode = CIMJOB_STDIO_NULL;
    jo.flags = CIMJOB_JOB_START | CIMJOB_JOB_DIE_WITH_HOST;
    jo.owner = c->req->user;
    jo.delete_on_completion = delete_on_completion;
    jo.time_before_removal_us = removal_us;
    cimjob_job *job = NULL;
    cimjob_rc rc = cimjob_create(rf->o.registry, &jo, &job);
    if (rc == CIMJOB_RC_INVALID_PARAMETER) {
        /* What the library refuses here is a value we let through: say which. */
        rf_error_base(c, 400, "ActionParameterValueError", "TimeBeforeRemoval", ACTION_START, NULL);
        return;
    }
    if (rc != CIMJOB_RC_SUCCESS) {
        rf_error_rc(c, rc, c->req->path);
        return;
    }
    const char *iid = cimjob_job_instance_id(job);
    const char *id = strchr(iid, ':');
    id = id ? id + 1 : iid;
    pthread_mutex_lock(&rf->lock);
    rf_task *t = rf_task_get(rf, id, 1);
    if (t) {
        rf_task_set_owner(t, c->req->user);
        if (timeout_us)
            t->deadline_us = rf_now_us() + (int64_t)timeout_us;
    }
    pthread_mutex_unlock(&rf->lock);
    rf_accepted(c, job, id);
    cimjob_job_release(job);
}

/* ---- the answer of a state action -------------------------------------------------------------
 */

/* An action's answer carrying the CIM return value: 200/202 with Base.Success, or an error. */
static void answer(rf_call *c, cimjob_job *job, int status, const char *key, const char *a1,
                   const char *a2, const char *a3, unsigned value, const char *value_name)
{
    json_t *m = rf_message(RF_BASE_PREFIX, key, a1, a2, a3);
    rf_message_return_value(m, value, value_name);
    if (status >= 400) {
        rf_error(c, status, m);
        return;
    }
    json_t *doc = json_pack("{s:[o]}", "@Message.ExtendedInfo", m);
    rf_json(c, status, doc);
    if (status == 202) {
        char date[64];
        rf_time_http(rf_now_us() / 1000000 + 1, date);
        rf_header(c->resp, "Location", RF_MONITORS "/%s", c->id);
        rf_header(c->resp, "Retry-After", "%s", date);
    }
    (void)job;
}

/* RequestStateChange's return value as HTTP. */
static void answer_rsc(rf_call *c, cimjob_job *job, cimjob_rsc_rc rc, const char *requested)
{
    const char *name = cimjob_rsc_rc_name((int)rc);
    unsigned v = (unsigned)rc;
    switch (rc) {
    case CIMJOB_RSC_COMPLETED:
        answer(c, job, 200, "Success", NULL, NULL, NULL, v, name);
        break;
    case CIMJOB_RSC_TRANSITION_STARTED:
        answer(c, job, 202, "Success", NULL, NULL, NULL, v, name);
        break;
    case CIMJOB_RSC_NOT_SUPPORTED:
        answer(c, job, 400, "ActionNotSupported", c->action, NULL, NULL, v, name);
        break;
    case CIMJOB_RSC_INVALID_PARAMETER:
        answer(c, job, 400, "ActionParameterValueError", "RequestedState", c->action, NULL, v,
               name);
        break;
    case CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED:
        answer(c, job, 400, "ActionParameterValueError", "TimeoutPeriod", c->action, NULL, v, name);
        break;
    case CIMJOB_RSC_INVALID_STATE_TRANSITION:
        answer(c, job, 409, "ActionParameterValueConflict", "RequestedState", requested, NULL, v,
               name);
        break;
    case CIMJOB_RSC_BUSY:
    case CIMJOB_RSC_IN_USE:
        answer(c, job, 409, "ResourceInUse", NULL, NULL, NULL, v, name);
        break;
    case CIMJOB_RSC_ACCESS_DENIED:
        answer(c, job, 403, "InsufficientPrivilege", NULL, NULL, NULL, v, name);
        break;
    default: /* Timeout, Failed, Unknown */
        answer(c, job, 500, "OperationFailed", NULL, NULL, NULL, v, name);
        break;
    }
}

/* KillJob's return value as HTTP. */
static void answer_kill(rf_call *c, cimjob_job *job, cimjob_rc rc)
{
    const char *name = cimjob_rc_name((int)rc);
    unsigned v = (unsigned)rc;
    switch (rc) {
    case CIMJOB_RC_SUCCESS:
        answer(c, job, 200, "Success", NULL, NULL, NULL, v, name);
        break;
    case CIMJOB_RC_BUSY: /* asynchronous: the kill has started */
        answer(c, job, 202, "Success", NULL, NULL, NULL, v, name);
        break;
    case CIMJOB_RC_NOT_SUPPORTED:
        answer(c, job, 400, "ActionNotSupported", c->action, NULL, NULL, v, name);
        break;
    case CIMJOB_RC_INVALID_STATE:
        answer(c, job, 409, "ActionParameterValueConflict", "RequestedState", "Kill", NULL, v,
               name);
        break;
    case CIMJOB_RC_ACCESS_DENIED:
        answer(c, job, 403, "InsufficientPrivilege", NULL, NULL, NULL, v, name);
        break;
    case CIMJOB_RC_NOT_FOUND:
        answer(c, job, 404, "ResourceMissingAtURI", c->req->path, NULL, NULL, v, name);
        break;
    default:
        answer(c, job, 500, "OperationFailed", NULL, NULL, NULL, v, name);
        break;
    }
}

static const struct {
    const char *name;
    int value;
} requested_states[] = {{"Start", CIMJOB_REQUEST_START},
                        {"Suspend", CIMJOB_REQUEST_SUSPEND},
                        {"Terminate", CIMJOB_REQUEST_TERMINATE},
                        {"Kill", CIMJOB_REQUEST_KILL},
                        {"Service", CIMJOB_REQUEST_SERVICE}};

void rf_post_task_action(rf_call *c)
{
    char action[sizeof c->action + 1];
    snprintf(action, sizeof action, "#%s", c->action);
    enum { A_SUSPEND, A_RESUME, A_KILL, A_RSC } kind;
    if (strcmp(c->action, "CimJob.Suspend") == 0)
        kind = A_SUSPEND;
    else if (strcmp(c->action, "CimJob.Resume") == 0)
        kind = A_RESUME;
    else if (strcmp(c->action, "CimJob.Kill") == 0)
        kind = A_KILL;
    else if (strcmp(c->action, "CimJob.RequestStateChange") == 0)
        kind = A_RSC;
    else {
        rf_error_base(c, 404, "ResourceMissingAtURI", c->req->path, NULL, NULL);
        return;
    }
    memcpy(c->action, action, sizeof c->action - 1);
    c->action[sizeof c->action - 1] = '\0';

    /* Parameters first: a bad request changes nothing. */
    int requested = kind == A_SUSPEND ? CIMJOB_REQUEST_SUSPEND : CIMJOB_REQUEST_START;
    const char *requested_name = kind == A_SUSPEND ? "Suspend" : "Start";
    int have_requested = 0, delete_on_kill = 0;
    uint64_t timeout_us = 0;
    char numbuf[24];
    const char *key;
    json_t *v;
    json_object_foreach(c->body, key, v)
    {
        if (kind == A_KILL && strcmp(key, "DeleteOnKill") == 0) {
            if (!json_is_boolean(v)) {
                type_error(c, action, key, v);
                return;
            }
            delete_on_kill = json_is_true(v);
        } else if (kind == A_RSC && strcmp(key, "RequestedState") == 0) {
            if (json_is_integer(v) && json_integer_value(v) >= 0 &&
                json_integer_value(v) <= 65535) {
                requested = (int)json_integer_value(v);
                snprintf(numbuf, sizeof numbuf, "%d", requested);
                requested_name = numbuf;
            } else if (json_is_string(v)) {
                size_t i;
                for (i = 0; i < sizeof requested_states / sizeof *requested_states; i++)
                    if (strcmp(json_string_value(v), requested_states[i].name) == 0)
                        break;
                if (i == sizeof requested_states / sizeof *requested_states) {
                    rf_error_base(c, 400, "ActionParameterValueNotInList", json_string_value(v),
                                  key, action);
                    return;
                }
                requested = requested_states[i].value;
                requested_name = requested_states[i].name;
            } else {
                type_error(c, action, key, v);
                return;
            }
            have_requested = 1;
        } else if (kind == A_RSC && strcmp(key, "TimeoutPeriod") == 0) {
            if (param_duration(c, action, key, v, &timeout_us) != 0)
                return;
        } else {
            rf_error_base(c, 400, "ActionParameterUnknown", action, key, NULL);
            return;
        }
    }
    if (kind == A_RSC && !have_requested) {
        rf_error_base(c, 400, "ActionParameterMissing", action, "RequestedState", NULL);
        return;
    }
    cimjob_info info = CIMJOB_INFO_INIT;
    cimjob_job *job = rf_task_for_call(c, &info);
    if (!job)
        return;
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_ASYNC;
    ro.caller = lib_caller(c);
    ro.timeout_us = timeout_us;
    if (kind == A_KILL) {
        set_cancelled(c->rf, c->id, 1);
        cimjob_rc rc = cimjob_kill_job_ex(job, delete_on_kill, &ro);
        answer_kill(c, job, rc);
    } else {
        int cancel = requested == CIMJOB_REQUEST_TERMINATE || requested == CIMJOB_REQUEST_KILL;
        if (cancel)
            set_cancelled(c->rf, c->id, 1);
        cimjob_rsc_rc rc =
            cimjob_request_state_change_ex(job, (cimjob_requested_state)requested, &ro);
        answer_rsc(c, job, rc, requested_name);
    }
    cimjob_job_release(job);
}

/* ---- DELETE ------------------------------------------------------------------------------------
 */

static void remove_task(rf_call *c, cimjob_job *job, const char *owner)
{
    cimjob_rc rc = cimjob_remove(c->rf->o.registry, job);
    if (rc != CIMJOB_RC_SUCCESS) {
        rf_error_rc(c, rc, c->req->path);
        return;
    }
    pthread_mutex_lock(&c->rf->lock);
    int dropped = rf_task_drop(c->rf, c->id);
    pthread_mutex_unlock(&c->rf->lock);
    if (dropped) /* else the DELETION indication already said it */
        rf_event_push(c->rf, owner, rf_event_new("TaskRemoved", c->id, NULL));
    json_t *m = rf_message(RF_BASE_PREFIX, "Success", NULL, NULL, NULL);
    rf_json(c, 200, json_pack("{s:[o]}", "@Message.ExtendedInfo", m));
}

/* DELETE on a task or its monitor: Terminate it while it runs, remove it once it has ended. */
static void delete_task(rf_call *c)
{
    cimjob_info info = CIMJOB_INFO_INIT;
    cimjob_job *job = rf_task_for_call(c, &info);
    if (!job)
        return;
    snprintf(c->action, sizeof c->action, "DELETE");
    if (cimjob_job_state_is_final((int)info.job_state)) {
        remove_task(c, job, info.owner);
        cimjob_job_release(job);
        return;
    }
    set_cancelled(c->rf, c->id, 1);
    cimjob_request_options ro = CIMJOB_REQUEST_OPTIONS_INIT;
    ro.flags = CIMJOB_REQUEST_ASYNC;
    ro.caller = lib_caller(c);
    ro.timeout_us = c->rf->o.terminate_timeout_us;
    cimjob_rsc_rc rc = cimjob_request_state_change_ex(job, CIMJOB_REQUEST_TERMINATE, &ro);
    if (rc == CIMJOB_RSC_TRANSITION_STARTED || rc == CIMJOB_RSC_COMPLETED ||
        rc == CIMJOB_RSC_BUSY) {
        /* Cancelling (or already done): the monitor tells when it is Cancelled. */
        rf_accepted(c, job, c->id);
    } else {
        if (rc != CIMJOB_RSC_INVALID_STATE_TRANSITION)
            set_cancelled(c->rf, c->id, 0);
        answer_rsc(c, job, rc, "Terminate");
    }
    cimjob_job_release(job);
}

void rf_delete_task(rf_call *c)
{
    delete_task(c);
}

void rf_delete_monitor(rf_call *c)
{
    delete_task(c);
}

void rf_post_delete_completed(rf_call *c)
{
    const char *key;
    json_t *v;
    json_object_foreach(c->body, key, v)
    {
        (void)v;
        rf_error_base(c, 400, "ActionParameterUnknown", "#TaskService.DeleteAllCompletedTasks", key,
                      NULL);
        return;
    }
    cimjob_job **jobs = NULL;
    size_t n = 0;
    if (cimjob_registry_list(c->rf->o.registry, &jobs, &n) != CIMJOB_RC_SUCCESS) {
        rf_error_base(c, 503, "ServiceTemporarilyUnavailable", "1", NULL, NULL);
        return;
    }
    size_t org = strlen(c->rf->org_id);
    for (size_t i = 0; i < n; i++) {
        cimjob_info info = CIMJOB_INFO_INIT;
        const char *iid = cimjob_job_instance_id(jobs[i]);
        if (strncmp(iid, c->rf->org_id, org) != 0 || iid[org] != ':' ||
            cimjob_query(jobs[i], &info) != CIMJOB_RC_SUCCESS ||
            !cimjob_job_state_is_final((int)info.job_state) || !rf_may_access(c, info.owner))
            continue;
        if (cimjob_remove(c->rf->o.registry, jobs[i]) != CIMJOB_RC_SUCCESS)
            continue;
        pthread_mutex_lock(&c->rf->lock);
        int dropped = rf_task_drop(c->rf, iid + org + 1);
        pthread_mutex_unlock(&c->rf->lock);
        if (dropped) /* else the DELETION indication already said it */
            rf_event_push(c->rf, info.owner, rf_event_new("TaskRemoved", iid + org + 1, NULL));
    }
    cimjob_job_list_free(jobs, n);
    json_t *m = rf_message(RF_BASE_PREFIX, "Success", NULL, NULL, NULL);
    rf_json(c, 200, json_pack("{s:[o]}", "@Message.ExtendedInfo", m));
}
