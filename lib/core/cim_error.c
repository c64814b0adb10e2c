/*
 * CIM_Error: the value maps' names, the message registry, the per-job error list and
 * GetErrors / GetError, and cimjob_rc as CIM status codes.
 */
#include <cimjob/cim_error.h>

#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "text.h"

/* ---- value maps ------------------------------------------------------------------------ */

#define CASE_NAME(e, n, name)                                                                      \
    case n:                                                                                        \
        return name;

static const char *reserved(int v)
{
    return v < 0 || v > 65535 ? "Invalid" : "DMTF Reserved";
}

const char *cimjob_error_type_name(int value)
{
    switch (value) {
        CIMJOB_ERROR_TYPE_TABLE(CASE_NAME)
    }
    return reserved(value);
}

const char *cimjob_perceived_severity_name(int value)
{
    switch (value) {
        CIMJOB_SEVERITY_TABLE(CASE_NAME)
    }
    return reserved(value);
}

const char *cimjob_probable_cause_name(int value)
{
    switch (value) {
        CIMJOB_PROBABLE_CAUSE_TABLE(CASE_NAME)
    }
    return reserved(value);
}

const char *cimjob_error_source_format_name(int value)
{
    switch (value) {
        CIMJOB_ERROR_SOURCE_FORMAT_TABLE(CASE_NAME)
    }
    return reserved(value);
}

const char *cimjob_cim_status_name(long long value)
{
    switch (value) {
    case 0:
        return "CIM_ERR_SUCCESS";
        CIMJOB_CIM_STATUS_TABLE(CASE_NAME)
    }
    return value < 0 ? "Invalid" : "DMTF Reserved";
}

uint32_t cimjob_rc_to_cim_status(int rc)
{
    switch (rc) {
    case CIMJOB_RC_SUCCESS:
        return 0;
    case CIMJOB_RC_NOT_SUPPORTED:
    case CIMJOB_RC_NO_BACKEND:
        return CIMJOB_CIM_ERR_NOT_SUPPORTED;
    case CIMJOB_RC_ACCESS_DENIED:
        return CIMJOB_CIM_ERR_ACCESS_DENIED;
    case CIMJOB_RC_NOT_FOUND:
        return CIMJOB_CIM_ERR_NOT_FOUND;
    case CIMJOB_RC_INVALID_PARAMETER:
    case CIMJOB_RC_INVALID_VERSION:
    case CIMJOB_RC_INVALID_DATETIME:
    case CIMJOB_RC_INVALID_UTF8:
        return CIMJOB_CIM_ERR_INVALID_PARAMETER;
    case CIMJOB_RC_EXISTS:
        return CIMJOB_CIM_ERR_ALREADY_EXISTS;
    case CIMJOB_RC_NO_MEMORY:
        return CIMJOB_CIM_ERR_SERVER_LIMITS_EXCEEDED;
    default:
        return CIMJOB_CIM_ERR_FAILED;
    }
}

/* ---- the message registry -------------------------------------------------------------- */

typedef struct msg_def {
    int number;
    const char *key, *id;
    int type, severity, cause;
    uint32_t cim;
    const char *text, *action;
} msg_def;

#define MSG_DEF(e, n, key, id, type, sev, cause, cim, text, action)                                \
    {n, key, id, type, sev, cause, cim, text, action},
static const msg_def messages[] = {CIMJOB_MESSAGE_TABLE(MSG_DEF)};
#define NMESSAGES (sizeof messages / sizeof messages[0])

/* The registry is numbered 1..N without gaps: a lookup is an index. */
#define MSG_CHECK(e, n, key, id, type, sev, cause, cim, text, action)                              \
    _Static_assert((n) >= 1 && (n) <= (int)NMESSAGES, #e " is outside 1..N");
CIMJOB_MESSAGE_TABLE(MSG_CHECK)

static const msg_def *msg_get(int message)
{
    if (message < 1 || message > (int)NMESSAGES)
        return NULL;
    return &messages[message - 1];
}

const char *cimjob_message_id(int message)
{
    const msg_def *m = msg_get(message);
    return m ? m->id : "";
}

const char *cimjob_message_key(int message)
{
    const msg_def *m = msg_get(message);
    return m ? m->key : "";
}

const char *cimjob_message_format(int message)
{
    const msg_def *m = msg_get(message);
    return m ? m->text : "";
}

/* ---- recording ------------------------------------------------------------------------- */

void cimjob__job_add_error(cimjob_job *job, int msg, int is_end, uint32_t code, uint32_t cim,
                           unsigned int nargs, const char *const *args)
{
    size_t len[4] = {0}, total = 0;
    if (nargs > CIMJOB_ERROR_ARGS_MAX)
        nargs = CIMJOB_ERROR_ARGS_MAX;
    for (unsigned int i = 0; i < nargs; i++) {
        len[i] = cimjob__utf8_cut(args[i] ? args[i] : "", CIMJOB_ERROR_ARG_MAX);
        total += len[i] + 1;
    }
    cimjob__err *e = cimjob__malloc(sizeof *e + total);
    if (!e)
        return;
    memset(e, 0, sizeof *e);
    char *p = (char *)(e + 1);
    for (unsigned int i = 0; i < nargs; i++) {
        memcpy(p, args[i] ? args[i] : "", len[i]);
        p[len[i]] = '\0';
        e->args[i] = p;
        p += len[i] + 1;
    }
    e->nargs = nargs;
    e->msg = msg;
    e->is_end = is_end;
    e->code = code;
    e->cim = cim ? cim : (msg_get(msg) ? msg_get(msg)->cim : CIMJOB_CIM_ERR_FAILED);
    e->time_us = cimjob__reg_realtime(job->reg);
    cimjob__job_touch(job);
    /* Append (the list is short: no tail pointer in every job); the oldest goes beyond the
     * limit. */
    unsigned int n = 1;
    cimjob__err **pp = &job->err_head;
    while (*pp) {
        pp = &(*pp)->next;
        n++;
    }
    *pp = e;
    if (n > CIMJOB__ERRORS_MAX) {
        cimjob__err *old = job->err_head;
        job->err_head = old->next;
        cimjob__free(old);
    }
}

void cimjob__job_clear_errors(cimjob_job *job)
{
    cimjob__err *e = job->err_head;
    while (e) {
        cimjob__err *next = e->next;
        cimjob__free(e);
        e = next;
    }
    job->err_head = NULL;
    cimjob__job_touch(job);
}

/* ---- the public record ----------------------------------------------------------------- */

/* Copy at most size-1 bytes of src, cut at a character boundary. */
static void put(char *dst, size_t size, const char *src)
{
    size_t n = cimjob__utf8_cut(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The registry's text with %1..%4 replaced by the arguments. */
static void format_message(char *out, size_t size, const char *fmt, const cimjob__err *e)
{
    char buf[2048];
    size_t o = 0;
    for (const char *f = fmt; *f && o < sizeof buf - 1; f++) {
        if (f[0] == '%' && f[1] >= '1' && f[1] <= '4') {
            unsigned int k = (unsigned int)(f[1] - '1');
            const char *a = k < e->nargs ? e->args[k] : "";
            size_t n = strlen(a);
            if (n > sizeof buf - 1 - o)
                n = sizeof buf - 1 - o;
            memcpy(buf + o, a, n);
            o += n;
            f++;
        } else {
            buf[o++] = *f;
        }
    }
    buf[o] = '\0';
    put(out, size, buf);
}

/* CIM_ConcreteJob.InstanceID="<id>" with '"' and '\' escaped (DSP0004 object path). */
static void object_path(char *out, size_t size, const char *id)
{
    static const char head[] = "CIM_ConcreteJob.InstanceID=\"";
    size_t o = sizeof head - 1;
    memcpy(out, head, o);
    for (const char *p = id; *p && o + 3 < size; p++) {
        if (*p == '"' || *p == '\\')
            out[o++] = '\\';
        out[o++] = *p;
    }
    out[o++] = '"';
    out[o] = '\0';
}

static void fill(cimjob_error *r, const cimjob_job *job, const cimjob__err *e)
{
    const msg_def *m = msg_get(e->msg);
    cimjob_error init = CIMJOB_ERROR_INIT;
    *r = init;
    r->error_type = (uint16_t)m->type;
    if (m->type == CIMJOB_ERROR_TYPE_OTHER)
        put(r->other_error_type, sizeof r->other_error_type, "Ended by a client request");
    put(r->owning_entity, sizeof r->owning_entity, CIMJOB_OWNING_ENTITY);
    put(r->message_id, sizeof r->message_id, m->id);
    format_message(r->message, sizeof r->message, m->text, e);
    for (unsigned int i = 0; i < e->nargs; i++)
        put(r->message_arguments[i], sizeof r->message_arguments[i], e->args[i]);
    r->message_argument_count = e->nargs;
    r->perceived_severity = (uint16_t)m->severity;
    r->probable_cause = (uint16_t)m->cause;
    put(r->probable_cause_description, sizeof r->probable_cause_description,
        cimjob_probable_cause_name(m->cause));
    put(r->recommended_actions[0], sizeof r->recommended_actions[0], m->action);
    r->recommended_action_count = 1;
    object_path(r->error_source, sizeof r->error_source, job->instance_id);
    r->error_source_format = CIMJOB_ERROR_SOURCE_FORMAT_CIM_OBJECT_PATH;
    r->cim_status_code = e->cim;
    put(r->cim_status_code_description, sizeof r->cim_status_code_description,
        cimjob_cim_status_name(e->cim));
    r->message_number = (cimjob_message)e->msg;
    r->time_us = e->time_us;
    r->code = e->code;
}

/* A Completed job reports none (MOF: "If JobState is Completed ... no instance"). */
static int reports_errors(const cimjob_job *job)
{
    return job->state != CIMJOB_JOB_STATE_COMPLETED;
}

cimjob_rc cimjob_get_errors(cimjob_job *job, unsigned int version, cimjob_error **errors,
                            size_t *count)
{
    if (!job || !errors || !count)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_get_errors: NULL argument");
    if (version != CIMJOB_ERROR_VERSION)
        return cimjob__fail(CIMJOB_RC_INVALID_VERSION, "cimjob_get_errors: unknown version %u",
                            version);
    cimjob__mutex_lock(&job->lock);
    if (job->removed) {
        cimjob__mutex_unlock(&job->lock);
        return cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_get_errors: job '%s' was removed",
                            job->instance_id);
    }
    size_t n = 0;
    if (reports_errors(job))
        for (const cimjob__err *e = job->err_head; e; e = e->next)
            n++;
    cimjob_error *arr = NULL;
    if (n) {
        arr = cimjob__malloc(n * sizeof *arr);
        if (!arr) {
            cimjob__mutex_unlock(&job->lock);
            return cimjob__fail(CIMJOB_RC_NO_MEMORY, "cimjob_get_errors: out of memory");
        }
        size_t i = 0;
        for (const cimjob__err *e = job->err_head; e; e = e->next)
            fill(&arr[i++], job, e);
    }
    cimjob__mutex_unlock(&job->lock);
    *errors = arr;
    *count = n;
    return CIMJOB_RC_SUCCESS;
}

void cimjob_errors_free(cimjob_error *errors)
{
    cimjob__free(errors);
}

cimjob_rc cimjob_get_error(cimjob_job *job, cimjob_error *error, int *found)
{
    if (!job || !error || !found)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_get_error: NULL argument");
    if (error->version != CIMJOB_ERROR_VERSION)
        return cimjob__fail(CIMJOB_RC_INVALID_VERSION, "cimjob_get_error: unknown version %u",
                            error->version);
    cimjob__mutex_lock(&job->lock);
    if (job->removed) {
        cimjob__mutex_unlock(&job->lock);
        return cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_get_error: job '%s' was removed",
                            job->instance_id);
    }
    const cimjob__err *best = NULL, *end = NULL;
    if (reports_errors(job)) {
        for (const cimjob__err *e = job->err_head; e; e = e->next) {
            if (e->is_end)
                end = e;
            /* The most severe; the latest among equals. */
            if (!best || msg_get(e->msg)->severity >= msg_get(best->msg)->severity)
                best = e;
        }
    }
    if (end && cimjob_job_state_is_final((int)job->state))
        best = end;
    *found = best != NULL;
    if (best)
        fill(error, job, best);
    cimjob__mutex_unlock(&job->lock);
    return CIMJOB_RC_SUCCESS;
}
