/*
 * Redfish messages and the small formats every document needs: Base and TaskEvent messages
 * (MessageId, Message with its arguments, MessageSeverity, Resolution), error bodies, ISO 8601
 * times and durations, HTTP-dates.
 */
#include "rf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct rf_registry_entry {
    const char *prefix, *key;
    int nargs;
    const char *severity, *message, *resolution;
} rf_registry_entry;

/* Generated from DMTF's Base.1.22.1 and TaskEvent.1.0.5 registries (../shared/redfish). */
static const rf_registry_entry rf_registry[] = {
    {RF_BASE_PREFIX, "Success", 0, "OK", "The request completed successfully.", "None."},
    {RF_BASE_PREFIX, "Created", 0, "OK", "The resource was created successfully.", "None."},
    {RF_BASE_PREFIX, "GeneralError", 0, "Critical",
     "A general error has occurred.  See Resolution for information on how to resolve the error, "
     "or @Message.ExtendedInfo if Resolution is not provided.",
     "None."},
    {RF_BASE_PREFIX, "MalformedJSON", 0, "Critical",
     "The request body submitted was malformed JSON and could not be parsed by the receiving "
     "service.",
     "Ensure that the request body is valid JSON and resubmit the request."},
    {RF_BASE_PREFIX, "UnrecognizedRequestBody", 0, "Warning",
     "The service detected a malformed request body that it was unable to interpret.",
     "Correct the request body and resubmit the request if it failed."},
    {RF_BASE_PREFIX, "PropertyUnknown", 1, "Warning",
     "The property %1 is not in the list of valid properties for the resource.",
     "Remove the unknown property from the request body and resubmit the request if the operation "
     "failed."},
    {RF_BASE_PREFIX, "PropertyValueTypeError", 2, "Warning",
     "The value '%1' for the property %2 is not a type that the property can accept.",
     "Correct the value for the property in the request body and resubmit the request if the "
     "operation failed."},
    {RF_BASE_PREFIX, "PropertyValueFormatError", 2, "Warning",
     "The value '%1' for the property %2 is not a format that the property can accept.",
     "Correct the value for the property in the request body and resubmit the request if the "
     "operation failed."},
    {RF_BASE_PREFIX, "PropertyValueNotInList", 2, "Warning",
     "The value '%1' for the property %2 is not in the list of acceptable values.",
     "Choose a value from the enumeration list that the implementation can support and resubmit "
     "the request if the operation failed."},
    {RF_BASE_PREFIX, "PropertyValueOutOfRange", 2, "Warning",
     "The value '%1' for the property %2 is not in the supported range of acceptable values.",
     "Correct the value for the property in the request body and resubmit the request if the "
     "operation failed."},
    {RF_BASE_PREFIX, "PropertyNotWritable", 1, "Warning",
     "The property %1 is a read-only property and cannot be assigned a value.",
     "Remove the property from the request body and resubmit the request if the operation failed."},
    {RF_BASE_PREFIX, "PropertyMissing", 1, "Warning",
     "The property %1 is a required property and must be included in the request.",
     "Ensure that the property is in the request body and has a valid value and resubmit the "
     "request if the operation failed."},
    {RF_BASE_PREFIX, "ActionNotSupported", 1, "Critical",
     "The action %1 is not supported by the resource.",
     "Check the Actions property in the resource for the supported actions."},
    {RF_BASE_PREFIX, "ActionParameterMissing", 2, "Critical",
     "The action %1 requires the parameter %2 to be present in the request body.",
     "Supply the action with the required parameter in the request body when the request is "
     "resubmitted."},
    {RF_BASE_PREFIX, "ActionParameterUnknown", 2, "Warning",
     "The action %1 was submitted with the invalid parameter %2.",
     "Correct the invalid action parameter and resubmit the request if the operation failed."},
    {RF_BASE_PREFIX, "ActionParameterValueTypeError", 3, "Warning",
     "The value '%1' for the parameter %2 in the action %3 is not a type that the parameter can "
     "accept.",
     "Correct the value for the parameter in the request body and resubmit the request if the "
     "operation failed."},
    {RF_BASE_PREFIX, "ActionParameterValueFormatError", 3, "Warning",
     "The value '%1' for the parameter %2 in the action %3 is not a format that the parameter can "
     "accept.",
     "Correct the value for the parameter in the request body and resubmit the request if the "
     "operation failed."},
    {RF_BASE_PREFIX, "ActionParameterValueNotInList", 3, "Warning",
     "The value '%1' for the parameter %2 in the action %3 is not in the list of acceptable "
     "values.",
     "Choose a value from the enumeration list that the implementation can support and resubmit "
     "the request if the operation failed."},
    {RF_BASE_PREFIX, "ActionParameterValueOutOfRange", 3, "Warning",
     "The value '%1' for the parameter %2 in the action %3 is not in the supported range of "
     "acceptable values.",
     "Correct the value for the parameter in the request body and resubmit the request if the "
     "operation failed."},
    {RF_BASE_PREFIX, "ResourceMissingAtURI", 1, "Critical",
     "The resource at the URI '%1' was not found.",
     "Place a valid resource at the URI or correct the URI and resubmit the request."},
    {RF_BASE_PREFIX, "InsufficientPrivilege", 0, "Critical",
     "There are insufficient privileges for the account or credentials associated with the current "
     "session to perform the requested operation.",
     "Either abandon the operation or change the associated access rights and resubmit the request "
     "if the operation failed."},
    {RF_BASE_PREFIX, "NoValidSession", 0, "Critical",
     "There is no valid session established with the implementation.",
     "Establish a session before attempting any operations."},
    {RF_BASE_PREFIX, "OperationNotAllowed", 0, "Critical",
     "The HTTP method is not allowed on this resource.", "None."},
    {RF_BASE_PREFIX, "PayloadTooLarge", 0, "Critical",
     "The supplied payload exceeds the maximum size supported by the service.",
     "Check that the supplied payload is correct and supported by this service."},
    {RF_BASE_PREFIX, "ResourceInUse", 0, "Warning",
     "The change to the requested resource failed because the resource is in use or in transition.",
     "Remove the condition and resubmit the request if the operation failed."},
    {RF_BASE_PREFIX, "ServiceTemporarilyUnavailable", 1, "Critical",
     "The service is temporarily unavailable.  Retry in %1 seconds.",
     "Wait for the indicated retry duration and retry the operation."},
    {RF_BASE_PREFIX, "InternalError", 0, "Critical",
     "The request failed due to an internal service error.  The service is still operational.",
     "Resubmit the request.  If the problem persists, consider resetting the service."},
    {RF_BASE_PREFIX, "SessionLimitExceeded", 0, "Critical",
     "The session establishment failed due to the number of simultaneous sessions exceeding the "
     "limit of the implementation.",
     "Reduce the number of other sessions before trying to establish the session or increase the "
     "limit of simultaneous sessions, if supported."},
    {RF_BASE_PREFIX, "EventBufferExceeded", 0, "Warning",
     "Undelivered events may have been lost due to exceeding the event buffer.", "None."},
    {RF_BASE_PREFIX, "CreateLimitReachedForResource", 0, "Critical",
     "The create operation failed because the resource has reached the limit of possible "
     "resources.",
     "Either delete resources and resubmit the request if the operation failed or do not resubmit "
     "the request."},
    {RF_BASE_PREFIX, "ResourceCannotBeDeleted", 0, "Critical",
     "The delete request failed because the resource requested cannot be deleted.",
     "Do not attempt to delete a non-deletable resource."},
    {RF_BASE_PREFIX, "OperationFailed", 0, "Warning",
     "An error occurred internal to the service as part of the overall request.  Partial results "
     "may have been returned.",
     "Resubmit the request.  If the problem persists, consider resetting the service or provider."},
    {RF_BASE_PREFIX, "ServiceShuttingDown", 0, "Critical",
     "The operation failed because the service is shutting down and can no longer take incoming "
     "requests.",
     "When the service becomes available, resubmit the request if the operation failed."},
    {RF_BASE_PREFIX, "QueryNotSupported", 0, "Warning",
     "Querying is not supported by the implementation.",
     "Remove the query parameters and resubmit the request if the operation failed."},
    {RF_TASKEV_PREFIX, "TaskStarted", 1, "OK", "The task with Id '%1' has started.", "None."},
    {RF_TASKEV_PREFIX, "TaskCompletedOK", 1, "OK", "The task with Id '%1' has completed.", "None."},
    {RF_TASKEV_PREFIX, "TaskCompletedWarning", 1, "Warning",
     "The task with Id '%1' has completed with warnings.", "None."},
    {RF_TASKEV_PREFIX, "TaskAborted", 1, "Critical",
     "The task with Id '%1' has completed with errors.", "None."},
    {RF_TASKEV_PREFIX, "TaskCancelled", 1, "Warning",
     "Work on the task with Id '%1' was halted prior to completion due to an explicit request.",
     "None."},
    {RF_RESEV_PREFIX, "ResourceCreated", 0, "OK", "The resource was created successfully.",
     "None."},
    {RF_RESEV_PREFIX, "ResourceChanged", 0, "OK", "One or more resource properties have changed.",
     "None."},
    {RF_TASKEV_PREFIX, "TaskRemoved", 1, "Warning", "The task with Id '%1' was removed.", "None."},
    {RF_TASKEV_PREFIX, "TaskPaused", 1, "Warning", "The task with Id '%1' was paused.", "None."},
    {RF_TASKEV_PREFIX, "TaskResumed", 1, "OK", "The task with Id '%1' was resumed.", "None."},
    {RF_TASKEV_PREFIX, "TaskProgressChanged", 2, "OK",
     "The task with Id '%1' has changed to progress %2 percent complete.", "None."},
};

static const rf_registry_entry *lookup(const char *prefix, const char *key)
{
    for (size_t i = 0; i < sizeof rf_registry / sizeof *rf_registry; i++)
        if (strcmp(rf_registry[i].key, key) == 0 && strcmp(rf_registry[i].prefix, prefix) == 0)
            return &rf_registry[i];
    return NULL;
}

json_t *rf_message(const char *prefix, const char *key, const char *a1, const char *a2,
                   const char *a3)
{
    const rf_registry_entry *e = lookup(prefix, key);
    if (!e)
        e = lookup(RF_BASE_PREFIX, "GeneralError");
    const char *args[3] = {a1 ? a1 : "", a2 ? a2 : "", a3 ? a3 : ""};
    /* The text with %1..%3 replaced. */
    char text[1024];
    size_t n = 0;
    for (const char *p = e->message; *p && n + 1 < sizeof text; p++) {
        if (p[0] == '%' && p[1] >= '1' && p[1] <= '3') {
            const char *a = args[p[1] - '1'];
            size_t al = strlen(a);
            if (n + al >= sizeof text - 1)
                al = sizeof text - 1 - n;
            memcpy(text + n, a, al);
            n += al;
            p++;
        } else
            text[n++] = *p;
    }
    text[n] = '\0';
    char id[128];
    snprintf(id, sizeof id, "%s%s", e->prefix, e->key);
    json_t *margs = json_array();
    for (int i = 0; i < e->nargs; i++)
        json_array_append_new(margs, json_string(args[i]));
    json_t *m =
        json_pack("{s:s, s:s, s:o, s:s, s:s}", "MessageId", id, "Message", text, "MessageArgs",
                  margs, "MessageSeverity", e->severity, "Resolution", e->resolution);
    return m;
}

void rf_message_return_value(json_t *msg, unsigned value, const char *name)
{
    if (!msg)
        return;
    json_object_set_new(msg, "Oem",
                        json_pack("{s:{s:i, s:s}}", "CimJob", "ReturnValue", (json_int_t)value,
                                  "ReturnValueName", name ? name : ""));
}

void rf_header(cimjob_redfish_response *resp, const char *name, const char *fmt, ...)
{
    if (resp->header_count >= CIMJOB_REDFISH_MAX_HEADERS)
        return;
    cimjob_redfish_header *h = &resp->headers[resp->header_count++];
    h->name = name;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->value, sizeof h->value, fmt, ap);
    va_end(ap);
}

void rf_json(rf_call *c, int status, json_t *doc)
{
    cimjob_redfish_response *r = c->resp;
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
    r->status = status;
    if (!doc) {
        r->status = 500;
        r->content_type = NULL;
        return;
    }
    r->body = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(doc);
    if (!r->body) {
        r->status = 500;
        r->content_type = NULL;
        return;
    }
    r->body_len = strlen(r->body);
    r->content_type = "application/json; charset=utf-8";
}

static json_t *error_doc(json_t *msg)
{
    json_t *info = json_array();
    const char *id = json_string_value(json_object_get(msg, "MessageId"));
    const char *text = json_string_value(json_object_get(msg, "Message"));
    json_t *doc =
        json_pack("{s:{s:s, s:s}}", "error", "code", id ? id : "", "message", text ? text : "");
    json_array_append_new(info, msg);
    json_object_set_new(json_object_get(doc, "error"), "@Message.ExtendedInfo", info);
    return doc;
}

void rf_error(rf_call *c, int status, json_t *msg)
{
    rf_json(c, status, msg ? error_doc(msg) : NULL);
    if (status == 401)
        rf_header(c->resp, "WWW-Authenticate", "Basic realm=\"cimjob\", charset=\"UTF-8\"");
}

void rf_error_base(rf_call *c, int status, const char *key, const char *a1, const char *a2,
                   const char *a3)
{
    rf_error(c, status, rf_message(RF_BASE_PREFIX, key, a1, a2, a3));
}

static const char *status_key(int status)
{
    switch (status) {
    case 400:
        return "UnrecognizedRequestBody";
    case 401:
        return "NoValidSession";
    case 403:
        return "InsufficientPrivilege";
    case 404:
        return "ResourceMissingAtURI";
    case 405:
        return "OperationNotAllowed";
    case 413:
        return "PayloadTooLarge";
    case 503:
        return "ServiceTemporarilyUnavailable";
    default:
        return status >= 500 ? "InternalError" : "GeneralError";
    }
}

cimjob_rc cimjob_redfish_error_response(cimjob_redfish *rf, int status, char **body, size_t *len)
{
    if (!rf || !body || !len)
        return CIMJOB_RC_INVALID_PARAMETER;
    json_t *doc = error_doc(rf_message(RF_BASE_PREFIX, status_key(status), "", "1", ""));
    *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!*body)
        return CIMJOB_RC_NO_MEMORY;
    *len = strlen(*body);
    return CIMJOB_RC_SUCCESS;
}

void rf_error_rc(rf_call *c, cimjob_rc rc, const char *uri)
{
    switch (rc) {
    case CIMJOB_RC_ACCESS_DENIED:
        rf_error_base(c, 403, "InsufficientPrivilege", NULL, NULL, NULL);
        break;
    case CIMJOB_RC_NOT_FOUND:
        rf_error_base(c, 404, "ResourceMissingAtURI", uri, NULL, NULL);
        break;
    case CIMJOB_RC_INVALID_STATE:
    case CIMJOB_RC_BUSY:
        rf_error_base(c, 409, "ResourceInUse", NULL, NULL, NULL);
        break;
    case CIMJOB_RC_NO_MEMORY:
        rf_error_base(c, 503, "ServiceTemporarilyUnavailable", "1", NULL, NULL);
        break;
    case CIMJOB_RC_NOT_SUPPORTED:
        rf_error_base(c, 400, "ActionNotSupported", c->action, NULL, NULL);
        break;
    default:
        rf_error_base(c, 500, "InternalError", NULL, NULL, NULL);
        break;
    }
}

int64_t rf_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t rf_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void rf_time_iso(int64_t us, char out[64])
{
    if (us == CIMJOB_TIME_NONE) {
        out[0] = '\0';
        return;
    }
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d+00:00", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void rf_time_http(int64_t sec, char out[64])
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 64, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* One number of a duration: digits with an optional fraction (only for seconds). */
static int duration_number(const char **p, double *v, int fraction_ok)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return -1;
    double x = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9') {
        x = x * 10 + (*s++ - '0');
        if (++digits > 12)
            return -1;
    }
    if (*s == '.' && fraction_ok) {
        s++;
        double scale = 0.1;
        if (*s < '0' || *s > '9')
            return -1;
        while (*s >= '0' && *s <= '9') {
            x += (*s++ - '0') * scale;
            scale /= 10;
        }
    }
    *p = s;
    *v = x;
    return 0;
}

int64_t rf_duration_parse(const char *s)
{
    if (!s || *s != 'P')
        return -1;
    s++;
    double total = 0, v;
    int any = 0;
    if (*s >= '0' && *s <= '9') {
        if (duration_number(&s, &v, 0) != 0 || *s != 'D')
            return -1;
        total += v * 86400;
        s++;
        any = 1;
    }
    if (*s == 'T') {
        s++;
        int order = 0, tany = 0; /* H, M, S: each at most once, in that order */
        while (*s) {
            if (duration_number(&s, &v, 1) != 0)
                return -1;
            int k = *s == 'H' ? 1 : *s == 'M' ? 2 : *s == 'S' ? 3 : 0;
            if (k <= order || (k != 3 && v != (double)(long long)v))
                return -1;
            total += v * (k == 1 ? 3600 : k == 2 ? 60 : 1);
            order = k;
            tany = 1;
            s++;
        }
        if (!tany)
            return -1;
        any = 1;
    }
    if (*s || !any || total > 1e11)
        return -1;
    return (int64_t)(total * 1e6 + 0.5);
}

void rf_duration_format(uint64_t us, char out[48])
{
    uint64_t s = us / 1000000, frac = us % 1000000;
    unsigned long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
    if (frac)
        snprintf(out, 48, "P%lluDT%lluH%lluM%llu.%06lluS", d, h, m, sec, (unsigned long long)frac);
    else
        snprintf(out, 48, "P%lluDT%lluH%lluM%lluS", d, h, m, sec);
}
