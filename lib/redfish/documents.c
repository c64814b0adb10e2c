/*
 * The documents: what a GET answers. Tasks are built from a cimjob_query() snapshot each time
 * (the job is the truth; nothing is cached).
 */
#include "rf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *link_to(const char *uri)
{
    return json_pack("{s:s}", "@odata.id", uri);
}

void rf_get_redfish(rf_call *c)
{
    rf_json(c, 200, json_pack("{s:s}", "v1", RF_ROOT "/"));
}

void rf_get_root(rf_call *c)
{
    json_t *doc = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:{s:o}, "
        "s:{s:b, s:b, s:{s:b, s:b, s:b, s:b, s:i}}}",
        "@odata.type", "#ServiceRoot.v1_20_0.ServiceRoot", "@odata.id", RF_ROOT "/", "Id",
        "RootService", "Name", "libcimjob Redfish Service", "RedfishVersion", "1.21.0", "UUID",
        c->rf->uuid, "Product", "libcimjob", "Vendor", "libcimjob", "Tasks",
        link_to(RF_TASKSERVICE), "SessionService", link_to(RF_ROOT "/SessionService"),
        "EventService", link_to(RF_ROOT "/EventService"), "Registries", link_to(RF_REGISTRIES),
        "JobService", link_to(RF_JOBSERVICE), "Links", "Sessions", link_to(RF_SESSIONS),
        "ProtocolFeaturesSupported", "ExcerptQuery", 0, "OnlyMemberQuery", 0, "ExpandQuery",
        "ExpandAll", 1, "NoLinks", 1, "Links", 0, "Levels", 1, "MaxLevels", 1);
    rf_json(c, 200, doc);
}

/* The CSDL of the service: the DMTF schemas it uses, and its entity container. */
static const char metadata[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<edmx:Edmx xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\" Version=\"4.0\">\n"
#define REF(file, ns, ver)                                                                         \
    "  <edmx:Reference Uri=\"http://redfish.dmtf.org/schemas/v1/" file "_v1.xml\">\n"              \
    "    <edmx:Include Namespace=\"" ns "\"/>\n"                                                   \
    "    <edmx:Include Namespace=\"" ns "." ver "\"/>\n"                                           \
    "  </edmx:Reference>\n"
    REF("ServiceRoot", "ServiceRoot", "v1_20_0") REF("TaskService", "TaskService", "v1_3_0") REF(
        "Task", "Task", "v1_7_4") REF("SessionService", "SessionService",
                                      "v1_2_0") REF("Session", "Session", "v1_8_0")
        REF("EventService", "EventService", "v1_12_0") REF("Event", "Event", "v1_13_0") REF(
            "Message", "Message",
            "v1_3_0") REF("MessageRegistryFile", "MessageRegistryFile",
                          "v1_1_5") REF("JobService", "JobService",
                                        "v1_1_0") REF("Job", "Job", "v1_3_0") REF("Schedule",
                                                                                  "Schedule",
                                                                                  "v1_2_5")
#undef REF
            "  <edmx:Reference Uri=\"http://redfish.dmtf.org/schemas/v1/TaskCollection_v1.xml\">\n"
            "    <edmx:Include Namespace=\"TaskCollection\"/>\n"
            "  </edmx:Reference>\n"
            "  <edmx:Reference "
            "Uri=\"http://redfish.dmtf.org/schemas/v1/SessionCollection_v1.xml\">\n"
            "    <edmx:Include Namespace=\"SessionCollection\"/>\n"
            "  </edmx:Reference>\n"
            "  <edmx:Reference Uri=\"http://redfish.dmtf.org/schemas/v1/JobCollection_v1.xml\">\n"
            "    <edmx:Include Namespace=\"JobCollection\"/>\n"
            "  </edmx:Reference>\n"
            "  <edmx:Reference "
            "Uri=\"http://redfish.dmtf.org/schemas/v1/MessageRegistryFileCollection_v1.xml\">\n"
            "    <edmx:Include Namespace=\"MessageRegistryFileCollection\"/>\n"
            "  </edmx:Reference>\n"
            "  <edmx:Reference "
            "Uri=\"http://redfish.dmtf.org/schemas/v1/EventDestinationCollection_v1.xml\">\n"
            "    <edmx:Include Namespace=\"EventDestinationCollection\"/>\n"
            "  </edmx:Reference>\n"
            "  <edmx:DataServices>\n"
            "    <Schema xmlns=\"http://docs.oasis-open.org/odata/ns/edm\" Namespace=\"Service\">\n"
            "      <EntityContainer Name=\"Service\" "
            "Extends=\"ServiceRoot.v1_20_0.ServiceContainer\"/>\n"
            "    </Schema>\n"
            "  </edmx:DataServices>\n"
            "</edmx:Edmx>\n";

void rf_get_metadata(rf_call *c)
{
    cimjob_redfish_response *r = c->resp;
    r->body = strdup(metadata);
    r->status = r->body ? 200 : 500;
    r->body_len = r->body ? strlen(r->body) : 0;
    r->content_type = "application/xml";
}

void rf_get_odata(rf_call *c)
{
    json_t *v = json_array();
    /* The ServiceRoot's own properties, by their names there. */
    static const char *const s[][2] = {{"Service", RF_ROOT "/"},
                                       {"Tasks", RF_TASKSERVICE},
                                       {"SessionService", RF_ROOT "/SessionService"},
                                       {"Sessions", RF_SESSIONS},
                                       {"EventService", RF_ROOT "/EventService"},
                                       {"Registries", RF_REGISTRIES},
                                       {"JobService", RF_JOBSERVICE}};
    for (size_t i = 0; i < sizeof s / sizeof *s; i++)
        json_array_append_new(
            v, json_pack("{s:s, s:s, s:s}", "name", s[i][0], "kind", "Singleton", "url", s[i][1]));
    rf_json(c, 200, json_pack("{s:s, s:o}", "@odata.context", RF_ROOT "/$metadata", "value", v));
}

static json_t *taskservice_doc(cimjob_redfish *rf)
{
    char now[64];
    rf_time_iso(rf_now_us(), now);
    pthread_mutex_lock(&rf->lock);
    uint64_t removal = rf->default_removal_us;
    pthread_mutex_unlock(&rf->lock);
    json_t *oem = json_object();
    if (rf->o.allow_start)
        json_object_set_new(
            oem, "#CimJob.Start",
            json_pack("{s:s}", "target", RF_TASKSERVICE "/Actions/Oem/CimJob.Start"));
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:b, s:I, s:{s:s, s:s}, s:o, s:{s:{s:s}, s:o}}",
        "@odata.type", "#TaskService.v1_3_0.TaskService", "@odata.id", RF_TASKSERVICE, "Id",
        "TaskService", "Name", "Task Service", "ServiceEnabled", 1, "DateTime", now,
        "CompletedTaskOverWritePolicy", "Manual", "LifeCycleEventOnTaskStateChange", 1,
        "TaskAutoDeleteTimeoutMinutes", (json_int_t)(removal / 60000000), "Status", "State",
        "Enabled", "Health", "OK", "Tasks", link_to(RF_TASKS), "Actions",
        "#TaskService.DeleteAllCompletedTasks", "target",
        RF_TASKSERVICE "/Actions/TaskService.DeleteAllCompletedTasks", "Oem", oem);
}

void rf_get_taskservice(rf_call *c)
{
    rf_json(c, 200, taskservice_doc(c->rf));
}

void rf_patch_taskservice(rf_call *c)
{
    if (c->req->role != CIMJOB_REDFISH_ROLE_ADMINISTRATOR) {
        rf_error_base(c, 403, "InsufficientPrivilege", NULL, NULL, NULL);
        return;
    }
    static const char *const readonly[] = {"@odata.type",
                                           "@odata.id",
                                           "Id",
                                           "Name",
                                           "ServiceEnabled",
                                           "DateTime",
                                           "CompletedTaskOverWritePolicy",
                                           "LifeCycleEventOnTaskStateChange",
                                           "Status",
                                           "Tasks",
                                           "Actions",
                                           "Oem"};
    const char *key;
    json_t *v;
    int64_t minutes = -1;
    json_object_foreach(c->body, key, v)
    {
        if (strcmp(key, "TaskAutoDeleteTimeoutMinutes") == 0) {
            if (!json_is_integer(v)) {
                char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
                rf_error_base(c, 400, "PropertyValueTypeError", s ? s : "", key, NULL);
                free(s);
                return;
            }
            /* TimeBeforeRemoval is a CIM interval: at most 99999999 days. */
            if (json_integer_value(v) < 0 || json_integer_value(v) > 99999999LL * 1440) {
                char s[32];
                snprintf(s, sizeof s, "%lld", (long long)json_integer_value(v));
                rf_error_base(c, 400, "PropertyValueOutOfRange", s, key, NULL);
                return;
            }
            minutes = json_integer_value(v);
            continue;
        }
        int ro = 0;
        for (size_t i = 0; i < sizeof readonly / sizeof *readonly; i++)
            ro |= strcmp(key, readonly[i]) == 0;
        rf_error_base(c, 400, ro ? "PropertyNotWritable" : "PropertyUnknown", key, NULL, NULL);
        return;
    }
    if (minutes >= 0) {
        pthread_mutex_lock(&c->rf->lock);
        c->rf->default_removal_us = (uint64_t)minutes * 60000000;
        pthread_mutex_unlock(&c->rf->lock);
    }
    rf_json(c, 200, taskservice_doc(c->rf));
}

/* ---- Tasks ------------------------------------------------------------------------------------
 */

static const char *health_of(const char *task_state)
{
    if (strcmp(task_state, "Cancelled") == 0)
        return "Warning";
    if (strcmp(task_state, "Exception") == 0)
        return "Critical";
    return "OK";
}

/* The Messages of a Task: one TaskEvent message for how it ended (with the job's ErrorCode),
 * then one CimJob message per CIM_Error of the job (GetErrors), most relevant first. */
json_t *rf_task_messages(cimjob_job *job, const cimjob_info *info, const char *id)
{
    json_t *a = json_array();
    const char *key = NULL;
    switch (info->job_state) {
    case CIMJOB_JOB_STATE_COMPLETED:
        key = "TaskCompletedOK";
        break;
    case CIMJOB_JOB_STATE_TERMINATED:
    case CIMJOB_JOB_STATE_KILLED:
        key = "TaskCancelled";
        break;
    case CIMJOB_JOB_STATE_EXCEPTION:
        key = "TaskAborted";
        break;
    case CIMJOB_JOB_STATE_SUSPENDED:
        key = "TaskPaused";
        break;
    default:
        break;
    }
    if (key) {
        json_t *m = rf_message(RF_TASKEV_PREFIX, key, id, NULL, NULL);
        if (m && (info->error_code || info->error_description[0] || info->job_status[0]))
            json_object_set_new(m, "Oem",
                                json_pack("{s:{s:I, s:s, s:s}}", "CimJob", "ErrorCode",
                                          (json_int_t)info->error_code, "ErrorDescription",
                                          info->error_description, "JobStatus", info->job_status));
        json_array_append_new(a, m);
    }
    cimjob_error *errors = NULL;
    size_t count = 0;
    if (cimjob_get_errors(job, CIMJOB_ERROR_VERSION, &errors, &count) == CIMJOB_RC_SUCCESS) {
        for (size_t i = 0; i < count; i++) {
            json_t *m = rf_cim_error_message(&errors[i]);
            if (m)
                json_array_append_new(a, m);
        }
        cimjob_errors_free(errors);
    }
    return a;
}

int rf_task_write(cimjob_redfish *rf, cimjob_job *job, int with_id, rf_buf *b)
{
    cimjob_info info = CIMJOB_INFO_INIT;
    if (cimjob_query(job, &info) != CIMJOB_RC_SUCCESS)
        return -1;
    const char *id = strchr(info.instance_id, ':');
    id = id ? id + 1 : info.instance_id;
    pthread_mutex_lock(&rf->lock);
    rf_task *t = rf_task_get(rf, id, 0);
    int cancelled = t ? t->cancelled : 0;
    pthread_mutex_unlock(&rf->lock);
    const char *state = cimjob_redfish_task_state(info.job_state, cancelled);
    int final = cimjob_job_state_is_final((int)info.job_state);

    char uri[CIMJOB_INSTANCE_ID_MAX + 64], monitor[CIMJOB_INSTANCE_ID_MAX + 64];
    char t_start[64], t_end[64], t_sub[64], removal[48];
    snprintf(uri, sizeof uri, RF_TASKS "/%s", id);
    snprintf(monitor, sizeof monitor, RF_MONITORS "/%s", id);
    rf_time_iso(info.start_time_us, t_start);
    rf_time_iso(info.time_of_last_state_change_us, t_end);
    rf_time_iso(info.time_submitted_us, t_sub);
    rf_duration_format(info.time_before_removal_us, removal);

    rf_buf_lit(b, "{");
    rf_buf_kstr(b, "@odata.type", RF_TASK_TYPE);
    if (with_id)
        rf_buf_kstr(b, "@odata.id", uri);
    rf_buf_kstr(b, "Id", id);
    rf_buf_kstr(b, "Name", info.name);
    rf_buf_kstr(b, "TaskState", state);
    rf_buf_kstr(b, "TaskStatus", health_of(state));
    rf_buf_kint(b, "PercentComplete",
                info.job_state == CIMJOB_JOB_STATE_COMPLETED ? 100 : info.percent_complete);
    if (t_start[0])
        rf_buf_kstr(b, "StartTime", t_start);
    if (final && t_end[0])
        rf_buf_kstr(b, "EndTime", t_end);
    rf_buf_kstr(b, "TaskMonitor", monitor);
    rf_buf_key(b, "Messages");
    json_t *messages = rf_task_messages(job, &info, id); /* errors may come before the end */
    rf_buf_json(b, messages);
    json_decref(messages);
    rf_buf_key(b, "Actions");
    rf_buf_lit(b, "{");
    rf_buf_key(b, "Oem");
    rf_buf_lit(b, "{");
    static const char *const names[] = {"Suspend", "Resume", "Kill", "RequestStateChange"};
    for (size_t i = 0; i < 4; i++) {
        char key[64], target[CIMJOB_INSTANCE_ID_MAX + 128];
        snprintf(key, sizeof key, "#CimJob.%s", names[i]);
        snprintf(target, sizeof target, "%s/Actions/Oem/CimJob.%s", uri, names[i]);
        rf_buf_key(b, key);
        rf_buf_lit(b, "{");
        rf_buf_kstr(b, "target", target);
        rf_buf_lit(b, "}");
    }
    rf_buf_lit(b, "}}");
    rf_buf_key(b, "Oem");
    rf_buf_lit(b, "{");
    rf_buf_key(b, "CimJob");
    rf_buf_lit(b, "{");
    rf_buf_kstr(b, "InstanceID", info.instance_id);
    rf_buf_kstr(b, "JobState", cimjob_job_state_name((int)info.job_state));
    rf_buf_kint(b, "JobStateValue", (int)info.job_state);
    rf_buf_kint(b, "ErrorCode", info.error_code);
    rf_buf_kstr(b, "ErrorDescription", info.error_description);
    rf_buf_kstr(b, "JobStatus", info.job_status);
    rf_buf_kstr(b, "Owner", info.owner);
    rf_buf_kstr(b, "Containment", cimjob_containment_name(info.containment));
    rf_buf_kstr(b, "Backend", info.backend);
    rf_buf_kstr(b, "TimeSubmitted", t_sub);
    rf_buf_key(b, "DeleteOnCompletion");
    rf_buf_lit(b, info.delete_on_completion ? "true" : "false");
    rf_buf_kstr(b, "TimeBeforeRemoval", removal);
    rf_buf_lit(b, "}}}");
    return 0;
}

void rf_shared_release(cimjob_redfish *rf, rf_shared *sh)
{
    if (!sh)
        return;
    pthread_mutex_lock(&rf->lock);
    int last = --sh->refs == 0;
    pthread_mutex_unlock(&rf->lock);
    if (last)
        free(sh);
}

/* The Tasks collection's body: the caller's tasks (every task for an Administrator). The
 * Administrator's body is kept until the set of tasks changes (a task record is made or
 * dropped, or the registry's count moves), so polling a large collection costs a copy. */
void rf_get_tasks(rf_call *c)
{
    cimjob_redfish *rf = c->rf;
    int admin = c->req->role == CIMJOB_REDFISH_ROLE_ADMINISTRATOR;
    size_t count = 0;
    cimjob_registry_count(rf->o.registry, &count);
    if (admin && !c->expand) {
        pthread_mutex_lock(&rf->lock);
        rf_shared *sh =
            rf->coll && rf->coll_gen == rf->gen && rf->coll_count == count ? rf->coll : NULL;
        if (sh)
            sh->refs++;
        pthread_mutex_unlock(&rf->lock);
        if (sh) {
            size_t len = sh->len;
            char *copy = malloc(len + 1);
            if (copy)
                memcpy(copy, sh->data, len + 1);
            rf_shared_release(rf, sh);
            if (copy) {
                rf_buf b = {copy, len, len + 1, 0};
                rf_body(c, 200, &b);
                return;
            }
        }
    }
    pthread_mutex_lock(&rf->lock);
    uint64_t gen = rf->gen;
    pthread_mutex_unlock(&rf->lock);
    cimjob_job **jobs = NULL;
    size_t n = 0;
    if (cimjob_registry_list(rf->o.registry, &jobs, &n) != CIMJOB_RC_SUCCESS) {
        rf_error_base(c, 503, "ServiceTemporarilyUnavailable", "1", NULL, NULL);
        return;
    }
    rf_buf m = {0};
    size_t members = 0, org = strlen(rf->org_id);
    for (size_t i = 0; i < n; i++) {
        const char *iid = cimjob_job_instance_id(jobs[i]);
        if (strncmp(iid, rf->org_id, org) != 0 || iid[org] != ':')
            continue;
        if (!admin) {
            char owner[RF_USER_MAX + 1] = "";
            pthread_mutex_lock(&rf->lock);
            rf_task *t = rf_task_get(rf, iid + org + 1, 0);
            if (t && t->owner)
                snprintf(owner, sizeof owner, "%s", t->owner);
            pthread_mutex_unlock(&rf->lock);
            if (!owner[0]) {
                cimjob_info info = CIMJOB_INFO_INIT;
                if (cimjob_query(jobs[i], &info) != CIMJOB_RC_SUCCESS)
                    continue;
                memcpy(owner, info.owner, sizeof owner);
            }
            if (!rf_may_access(c, owner))
                continue;
        }
        if (c->expand) { /* the Task itself; one that ended just now is left out */
            size_t at = m.len;
            if (members)
                rf_buf_lit(&m, ",");
            if (rf_task_write(rf, jobs[i], 1, &m) != 0) {
                m.len = at;
                continue;
            }
            members++;
            continue;
        }
        char uri[CIMJOB_INSTANCE_ID_MAX + 64];
        snprintf(uri, sizeof uri, RF_TASKS "/%s", iid + org + 1);
        rf_buf_lit(&m, members ? ",{\"@odata.id\":" : "{\"@odata.id\":");
        rf_buf_str(&m, uri);
        rf_buf_lit(&m, "}");
        members++;
    }
    cimjob_job_list_free(jobs, n);
    rf_buf b = {0};
    rf_buf_lit(&b, "{\"@odata.type\":\"#TaskCollection.TaskCollection\",\"@odata.id\":\"" RF_TASKS
                   "\",\"Name\":\"Task Collection\",\"Members@odata.count\":");
    rf_buf_int(&b, (long long)members);
    rf_buf_lit(&b, ",\"Members\":[");
    if (m.p)
        rf_buf_raw(&b, m.p, m.len);
    rf_buf_lit(&b, "]}");
    free(m.p);
    if (admin && !c->expand && !b.oom) {
        rf_shared *keep = malloc(sizeof *keep + b.len + 1);
        if (keep) {
            keep->refs = 1;
            keep->len = b.len;
            memcpy(keep->data, b.p, b.len + 1);
            pthread_mutex_lock(&rf->lock);
            rf_shared *old = rf->coll;
            rf->coll = keep;
            rf->coll_gen = gen;
            rf->coll_count = count;
            pthread_mutex_unlock(&rf->lock);
            rf_shared_release(rf, old);
        }
    }
    rf_body(c, 200, &b);
}

void rf_get_task(rf_call *c)
{
    cimjob_info info = CIMJOB_INFO_INIT;
    cimjob_job *job = rf_task_for_call(c, &info);
    if (!job)
        return;
    rf_buf b = {0};
    int gone = rf_task_write(c->rf, job, 1, &b);
    cimjob_job_release(job);
    if (gone) {
        free(b.p);
        rf_error_base(c, 404, "ResourceMissingAtURI", c->req->path, NULL, NULL);
    } else
        rf_body(c, 200, &b);
}

void rf_get_monitor(rf_call *c)
{
    cimjob_info info = CIMJOB_INFO_INIT;
    cimjob_job *job = rf_task_for_call(c, &info);
    if (!job)
        return;
    if (cimjob_job_state_is_final((int)info.job_state)) {
        rf_buf b = {0};
        if (rf_task_write(c->rf, job, 1, &b) == 0)
            rf_body(c, 200, &b);
        else {
            free(b.p);
            rf_error_base(c, 404, "ResourceMissingAtURI", c->req->path, NULL, NULL);
        }
    } else
        rf_accepted(c, job, c->id);
    cimjob_job_release(job);
}

/* ---- EventService ------------------------------------------------------------------------------
 */

void rf_get_eventservice(rf_call *c)
{
    rf_json(c, 200,
            json_pack("{s:s, s:s, s:s, s:s, s:b, s:{s:s, s:s}, s:s, s:[s], s:[s], s:o, s:[s]}",
                      "@odata.type", "#EventService.v1_12_0.EventService", "@odata.id",
                      RF_ROOT "/EventService", "Id", "EventService", "Name", "Event Service",
                      "ServiceEnabled", 1, "Status", "State", "Enabled", "Health", "OK",
                      "ServerSentEventUri", RF_ROOT "/EventService/SSE", "RegistryPrefixes",
                      "TaskEvent", "ResourceTypes", "Task", "Subscriptions",
                      link_to(RF_ROOT "/EventService/Subscriptions"), "EventFormatTypes", "Event"));
}

void rf_get_subscriptions(rf_call *c)
{
    rf_json(c, 200,
            json_pack("{s:s, s:s, s:s, s:i, s:[]}", "@odata.type",
                      "#EventDestinationCollection.EventDestinationCollection", "@odata.id",
                      RF_ROOT "/EventService/Subscriptions", "Name",
                      "Event Subscriptions Collection", "Members@odata.count", 0, "Members"));
}

void rf_get_sse(rf_call *c)
{
    cimjob_redfish_response *r = c->resp;
    r->status = 200;
    r->content_type = "text/event-stream";
    r->event_stream = 1;
    rf_header(r, "Cache-Control", "no-cache");
}
