/*
 * State changes as people and programs want to read them.
 *
 * Text: one line per change on the chosen stream, e.g.
 *   cimjob: [  0.002s] sleep (libcimjob:1): Starting -> Running
 * JSON: one object per line, built with jansson, whose keys are the CIM_ConcreteJob property
 * names (InstanceID, Name, JobState, ... ; see cim-job.md section 5). CIM datetimes are
 * strings; a property that is NULL in CIM (StartTime of a job never started) is null. The
 * first object of a job is its creation (JobState New, PreviousJobState null), so the JobState
 * values of the lines are the job's whole life: 2, 3, 4, ... and a final state.
 */
#include "cli.h"

#include <jansson.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

long long cli_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A JSON string from bytes that may not be UTF-8 (a Name taken from argv): jansson refuses
 * invalid UTF-8, so fall back to a copy with every non-ASCII byte replaced by '?'. */
static json_t *json_text(const char *s)
{
    json_t *j = json_string(s);
    if (j)
        return j;
    char *copy = strdup(s);
    if (!copy)
        return NULL;
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

/* A CIM datetime property of the snapshot, or null when CIM says NULL. */
static json_t *json_time(const cimjob_info *info, cimjob_time_property prop)
{
    char buf[CIMJOB_DATETIME_SIZE];
    if (cimjob_info_format_time(info, prop, buf) != CIMJOB_RC_SUCCESS)
        return json_null();
    return json_string(buf);
}

/* Set a key; a NULL value (out of memory) marks the whole object as failed. */
static void put(json_t *obj, const char *key, json_t *value, int *ok)
{
    if (!value || json_object_set_new(obj, key, value) != 0)
        *ok = 0;
}

/* One JSON object for a state change: the job's CIM properties, with JobState and
 * TimeOfLastStateChange taken from the event itself (the snapshot may be a moment later).
 * With `created`, the object for the job's creation instead: JobState New, no previous state,
 * and the properties a job has before its first change (CIM's zero TimeOfLastStateChange). */
static json_t *event_json(const cimjob_event *e, const cimjob_info *info, int created)
{
    json_t *o = json_object();
    json_t *os = json_array();
    json_t *x = json_object();
    int ok = o && os && x;
    char when[CIMJOB_DATETIME_SIZE] = "";
    if (!ok) {
        json_decref(o);
        json_decref(os);
        json_decref(x);
        return NULL;
    }
    cimjob_job_state state = created ? CIMJOB_JOB_STATE_NEW : e->new_state;
    if (created ||
        cimjob_timestamp_format(e->time_us, info->utc_offset_min, when) != CIMJOB_RC_SUCCESS)
        strcpy(when, CIMJOB_INTERVAL_ZERO);
    put(o, "InstanceID", json_text(e->instance_id), &ok);
    put(o, "Name", json_text(info->name), &ok);
    put(o, "JobState", json_integer((json_int_t)state), &ok);
    put(o, "JobStateName", json_string(cimjob_job_state_name((int)state)), &ok);
    put(o, "PreviousJobState", created ? json_null() : json_integer((json_int_t)e->old_state), &ok);
    put(o, "PreviousJobStateName",
        created ? json_null() : json_string(cimjob_job_state_name((int)e->old_state)), &ok);
    put(o, "TimeOfLastStateChange", json_string(when), &ok);
    put(o, "TimeSubmitted", json_time(info, CIMJOB_PROP_TIME_SUBMITTED), &ok);
    put(o, "StartTime", created ? json_null() : json_time(info, CIMJOB_PROP_START_TIME), &ok);
    put(o, "ElapsedTime",
        created ? json_string(CIMJOB_INTERVAL_ZERO) : json_time(info, CIMJOB_PROP_ELAPSED_TIME),
        &ok);
    put(o, "TimeBeforeRemoval", json_time(info, CIMJOB_PROP_TIME_BEFORE_REMOVAL), &ok);
    put(o, "DeleteOnCompletion", json_boolean(info->delete_on_completion), &ok);
    put(o, "PercentComplete", json_integer(created ? 0 : (json_int_t)info->percent_complete), &ok);
    put(o, "ErrorCode", json_integer(created ? 0 : (json_int_t)info->error_code), &ok);
    put(o, "ErrorDescription", json_text(created ? "" : info->error_description), &ok);
    put(o, "JobStatus", json_text(created ? "" : info->job_status), &ok);
    put(o, "Owner", json_text(info->owner), &ok);
    put(o, "Priority", json_integer((json_int_t)info->priority), &ok);
    for (unsigned i = 0; i < info->operational_status_count && i < 2; i++)
        if (json_array_append_new(os, json_integer(info->operational_status[i])) != 0)
            ok = 0;
    put(o, "OperationalStatus", json_incref(os), &ok);
    /* libcimjob's own properties, beyond CIM, kept apart from the CIM names. */
    put(x, "Backend", json_text(info->backend), &ok);
    put(x, "Containment", json_string(cimjob_containment_name((int)info->containment)), &ok);
    put(x, "ExitStatus",
        !created && info->exit_status >= 0 ? json_integer(info->exit_status) : json_null(), &ok);
    put(x, "TermSignal",
        !created && info->term_signal ? json_integer(info->term_signal) : json_null(), &ok);
    put(x, "Escalated", json_boolean(!created && info->escalated), &ok);
    put(o, "libcimjob", json_incref(x), &ok);
    json_decref(os);
    json_decref(x);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static double seconds(long long us)
{
    return (double)us / 1e6;
}

static void event_text(cli_events *ev, const cimjob_event *e, const cimjob_info *info)
{
    /* Name comes from argv or --name: escaped, so that no byte of it can start a line. */
    fprintf(ev->out, "%s[%8.3fs] ", ev->tag, seconds(cli_now_us() - ev->t0_us));
    cli_put_escaped(ev->out, info->name);
    fputs(" (", ev->out);
    cli_put_escaped(ev->out, e->instance_id);
    fprintf(ev->out, "): %s -> %s", cimjob_job_state_name((int)e->old_state),
            cimjob_job_state_name((int)e->new_state));
    if (!ev->brief && cimjob_job_state_is_final((int)e->new_state)) {
        fprintf(ev->out, " after %.3f s, ErrorCode %u", seconds((long long)info->elapsed_time_us),
                (unsigned)info->error_code);
        if (info->error_description[0]) {
            fputs(" (", ev->out);
            cli_put_escaped(ev->out, info->error_description);
            fputc(')', ev->out);
        }
        if (info->job_status[0]) {
            fputs("; JobStatus: ", ev->out);
            cli_put_escaped(ev->out, info->job_status);
        }
    }
    fputc('\n', ev->out);
}

/* Print one object as one line, and free it. */
static void json_line(cli_events *ev, json_t *o)
{
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (line) {
        fputs(line, ev->out);
        fputc('\n', ev->out);
        free(line);
    } else {
        ev->failed = 1;
    }
    json_decref(o);
}

void cli_events_on_change(const cimjob_event *e, void *userdata)
{
    cli_events *ev = userdata;
    if (ev->mode == CLI_EVENTS_NONE)
        return;
    cimjob_info info = CIMJOB_INFO_INIT;
    if (cimjob_query(e->job, &info) != CIMJOB_RC_SUCCESS)
        return; /* removed meanwhile: nothing left to describe */
    if (ev->mode == CLI_EVENTS_TEXT) {
        event_text(ev, e, &info);
    } else {
        /* Every job leaves New exactly once: that is when its creation is shown, first. */
        if (e->old_state == CIMJOB_JOB_STATE_NEW)
            json_line(ev, event_json(e, &info, 1));
        json_line(ev, event_json(e, &info, 0));
    }
    fflush(ev->out);
}

void cli_events_note(cli_events *ev, const char *fmt, ...)
{
    va_list ap;
    if (ev->mode != CLI_EVENTS_TEXT)
        return;
    fprintf(ev->out, "%s[%8.3fs] ", ev->tag, seconds(cli_now_us() - ev->t0_us));
    va_start(ap, fmt);
    vfprintf(ev->out, fmt, ap);
    va_end(ap);
    fputc('\n', ev->out);
    fflush(ev->out);
}
