/*
 * cimjob_redfish_handle(): one table of URIs. Each entry names its methods' handlers and which
 * methods are open to anyone; a '*' segment captures a Task or Session Id, and the segment
 * after "Actions/Oem/" captures the action. Before a handler runs: 404 for an unknown URI, 405
 * (with Allow) for a method the URI does not have, 401 without an account, 403 for ReadOnly
 * writing, 400 for a body that is not a JSON object.
 */
#include "rf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*rf_fn)(rf_call *c);

enum { M_GET = 1, M_POST = 2, M_PATCH = 4, M_DELETE = 8, M_PUT = 16 };

typedef struct rf_route {
    const char *pattern;
    unsigned open;   /* methods that need no account */
    unsigned anyone; /* methods any account may use, ReadOnly too (logging out) */
    rf_fn get, post, patch, del;
} rf_route;

static const rf_route routes[] = {
    {"/redfish", M_GET, 0, rf_get_redfish, NULL, NULL, NULL},
    {RF_ROOT "/", M_GET, 0, rf_get_root, NULL, NULL, NULL},
    {RF_ROOT "/$metadata", M_GET, 0, rf_get_metadata, NULL, NULL, NULL},
    {RF_ROOT "/odata", M_GET, 0, rf_get_odata, NULL, NULL, NULL},
    {RF_TASKSERVICE, 0, 0, rf_get_taskservice, NULL, rf_patch_taskservice, NULL},
    {RF_TASKSERVICE "/Actions/Oem/CimJob.Start", 0, 0, NULL, rf_post_start, NULL, NULL},
    {RF_TASKSERVICE "/Actions/TaskService.DeleteAllCompletedTasks", 0, 0, NULL,
     rf_post_delete_completed, NULL, NULL},
    {RF_TASKS, 0, 0, rf_get_tasks, NULL, NULL, NULL},
    {RF_TASKS "/*", 0, 0, rf_get_task, NULL, rf_patch_job, rf_delete_task},
    {RF_TASKS "/*/Actions/Oem/CimJob.Suspend", 0, 0, NULL, rf_post_task_action, NULL, NULL},
    {RF_TASKS "/*/Actions/Oem/CimJob.Resume", 0, 0, NULL, rf_post_task_action, NULL, NULL},
    {RF_TASKS "/*/Actions/Oem/CimJob.Kill", 0, 0, NULL, rf_post_task_action, NULL, NULL},
    {RF_TASKS "/*/Actions/Oem/CimJob.RequestStateChange", 0, 0, NULL, rf_post_task_action, NULL,
     NULL},
    {RF_MONITORS "/*", 0, 0, rf_get_monitor, NULL, NULL, rf_delete_monitor},
    {RF_ROOT "/SessionService", 0, 0, rf_get_sessionservice, NULL, NULL, NULL},
    {RF_SESSIONS, M_POST, 0, rf_get_sessions, rf_post_session, NULL, NULL},
    {RF_SESSIONS "/*", 0, M_DELETE, rf_get_session, NULL, NULL, rf_delete_session},
    {RF_ROOT "/EventService", 0, 0, rf_get_eventservice, NULL, NULL, NULL},
    {RF_ROOT "/EventService/Subscriptions", 0, 0, rf_get_subscriptions, NULL, NULL, NULL},
    {RF_ROOT "/EventService/SSE", 0, 0, rf_get_sse, NULL, NULL, NULL},
    {RF_REGISTRIES, 0, 0, rf_get_registries, NULL, NULL, NULL},
    {RF_JOBSERVICE, 0, 0, rf_get_jobservice, NULL, NULL, NULL},
    {RF_JOBS, 0, 0, rf_get_jobs, rf_post_jobs, NULL, NULL},
    {RF_JOBS "/*", 0, 0, rf_get_job, NULL, rf_patch_job, rf_delete_job},
    {RF_REGISTRIES "/" RF_CIMJOB_REG, 0, 0, rf_get_registry_file, NULL, NULL, NULL},
    {RF_CIMJOB_REG_URI, 0, 0, rf_get_registry, NULL, NULL, NULL},
};

/* Match path against a pattern; '*' takes one segment into id; an action route's last segment
 * is its action. */
static int match(const char *pattern, const char *path, rf_call *c)
{
    const char *pat = pattern;
    while (*pat && *path) {
        if (*pat == '*') {
            const char *end = strchr(path, '/');
            size_t n = end ? (size_t)(end - path) : strlen(path);
            if (n == 0 || n >= sizeof c->id)
                return 0;
            memcpy(c->id, path, n);
            c->id[n] = '\0';
            path += n;
            pat++;
            continue;
        }
        if (*pat++ != *path++)
            return 0;
    }
    if (*pat != '\0' || *path != '\0')
        return 0;
    const char *oem = strstr(pattern, "/Actions/Oem/");
    if (oem)
        snprintf(c->action, sizeof c->action, "%s", oem + 13);
    return 1;
}

static unsigned method_bit(const char *m)
{
    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
        return M_GET;
    if (strcmp(m, "POST") == 0)
        return M_POST;
    if (strcmp(m, "PATCH") == 0)
        return M_PATCH;
    if (strcmp(m, "DELETE") == 0)
        return M_DELETE;
    if (strcmp(m, "PUT") == 0)
        return M_PUT;
    return 0;
}

static void allow_header(rf_call *c, const rf_route *r)
{
    char allow[64] = "";
    const struct {
        rf_fn fn;
        const char *name;
    } m[] = {{r->get, "GET, HEAD"}, {r->post, "POST"}, {r->patch, "PATCH"}, {r->del, "DELETE"}};
    for (size_t i = 0; i < 4; i++)
        if (m[i].fn) {
            if (allow[0])
                strcat(allow, ", ");
            strcat(allow, m[i].name);
        }
    rf_header(c->resp, "Allow", "%s", allow);
}

/* Parse the body of a POST or PATCH: a JSON object (an empty body is an empty object). */
static int parse_body(rf_call *c)
{
    const cimjob_redfish_request *q = c->req;
    size_t n = q->body ? q->body_len : 0;
    while (n && (q->body[n - 1] == ' ' || q->body[n - 1] == '\n' || q->body[n - 1] == '\r' ||
                 q->body[n - 1] == '\t'))
        n--;
    if (n == 0) {
        c->body = json_object();
        return 0;
    }
    json_error_t err;
    c->body = json_loadb(q->body, n, JSON_REJECT_DUPLICATES, &err);
    if (!c->body) {
        rf_error_base(c, 400, "MalformedJSON", NULL, NULL, NULL);
        return -1;
    }
    if (!json_is_object(c->body)) {
        rf_error_base(c, 400, "UnrecognizedRequestBody", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

/* $expand on the Tasks collection, whose only links are its Members (subordinate): "." or "*",
 * with no $levels or $levels=1. Anything else is not supported. */
static int expand_query(const char *q)
{
    static const char *const ok[] = {"$expand=.", "$expand=*", "$expand=.($levels=1)",
                                     "$expand=*($levels=1)"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (strcmp(q, ok[i]) == 0)
            return 1;
    return 0;
}

cimjob_rc cimjob_redfish_handle(cimjob_redfish *rf, const cimjob_redfish_request *req,
                                cimjob_redfish_response *resp)
{
    if (!rf || !req || !resp || !req->method || !req->path)
        return CIMJOB_RC_INVALID_PARAMETER;
    if (req->version != CIMJOB_REDFISH_REQUEST_VERSION ||
        resp->version != CIMJOB_REDFISH_RESPONSE_VERSION)
        return CIMJOB_RC_INVALID_VERSION;
    memset(resp, 0, sizeof *resp);
    resp->version = CIMJOB_REDFISH_RESPONSE_VERSION;
    rf_call c;
    memset(&c, 0, sizeof c);
    c.rf = rf;
    c.req = req;
    c.resp = resp;

    /* One canonical spelling: "/redfish/v1/" for the root, no trailing '/' elsewhere. */
    char path[1024];
    size_t n = strlen(req->path);
    if (n >= sizeof path) {
        rf_error_base(&c, 404, "ResourceMissingAtURI", "(too long)", NULL, NULL);
        return resp->status == 500 && !resp->body ? CIMJOB_RC_NO_MEMORY : CIMJOB_RC_SUCCESS;
    }
    memcpy(path, req->path, n + 1);
    while (n > 1 && path[n - 1] == '/')
        path[--n] = '\0';
    if (strcmp(path, RF_ROOT) == 0)
        memcpy(path, RF_ROOT "/", sizeof RF_ROOT "/");
    c.path = path;

    const rf_route *r = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof *routes && !r; i++)
        if (match(routes[i].pattern, path, &c))
            r = &routes[i];
    unsigned m = method_bit(req->method);
    rf_fn fn = NULL;
    if (r)
        fn = m == M_GET      ? r->get
             : m == M_POST   ? r->post
             : m == M_PATCH  ? r->patch
             : m == M_DELETE ? r->del
                             : NULL;
    if (!r) {
        rf_error_base(&c, 404, "ResourceMissingAtURI", req->path, NULL, NULL);
    } else if (!(r->open & m) && !req->user) {
        rf_error_base(&c, 401, "NoValidSession", NULL, NULL, NULL);
    } else if (!fn) {
        rf_error_base(&c, 405, "OperationNotAllowed", NULL, NULL, NULL);
        allow_header(&c, r);
    } else if (m != M_GET && req->user && !((r->open | r->anyone) & m) &&
               req->role < CIMJOB_REDFISH_ROLE_OPERATOR) {
        rf_error_base(&c, 403, "InsufficientPrivilege", NULL, NULL, NULL);
    } else if (req->query && *req->query &&
               !(m == M_GET && strcmp(c.path, RF_TASKS) == 0 && expand_query(req->query))) {
        /* $select, $filter, $top/$skip, and $expand elsewhere than the Tasks collection: not
         * implemented; say so rather than answer something else than what was asked. */
        rf_error_base(&c, 501, "QueryNotSupported", NULL, NULL, NULL);
    } else if ((m == M_POST || m == M_PATCH) && parse_body(&c) != 0) {
        /* answered */
    } else {
        c.expand = req->query && *req->query;
        fn(&c);
        if (m == M_GET && resp->status == 200 && !resp->event_stream)
            allow_header(&c, r); /* what else the resource takes (Redfish: Allow on GET) */
    }
    json_decref(c.body);
    if (resp->status == 0)
        rf_error_base(&c, 500, "InternalError", NULL, NULL, NULL);
    if (resp->status == 500 && !resp->body)
        return CIMJOB_RC_NO_MEMORY;
    if (resp->status != 500 || resp->body)
        rf_header(resp, "OData-Version", RF_ODATA_VERSION);
    return CIMJOB_RC_SUCCESS;
}

void cimjob_redfish_response_clear(cimjob_redfish_response *resp)
{
    if (!resp)
        return;
    free(resp->body);
    unsigned v = resp->version;
    memset(resp, 0, sizeof *resp);
    resp->version = v;
}
