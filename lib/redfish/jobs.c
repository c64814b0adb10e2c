/*
 * The JobService: a CIM job with a schedule (ScheduledStartTime, a RunStartInterval calendar,
 * JobRunTimes, UntilTime) as a Redfish Job with its Schedule. docs/redfish.md maps the two
 * scheduling models field by field, and says what cannot map: a POST whose Schedule CIM cannot
 * express is refused (400), never approximated.
 */
#include "rf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_US (86400LL * 1000000)

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
/* CIM RunDayOfWeek 1..7 is Sunday..Saturday. */
static const char *const day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* An ISO 8601 date-time with an offset (Z or +hh:mm), as Redfish writes them; -1 if not one. */
static int rf_time_parse_iso(const char *s, int64_t *us)
{
    int y, mo, d, h, mi, sec, n = 0;
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    for (size_t k = 0; k < sizeof shape - 1; k++)
        if (shape[k] == 'd' ? !(s[k] >= '0' && s[k] <= '9') : s[k] != shape[k])
            return -1; /* no sign, no spaces, no short fields */
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
        return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 59 ||
        (mo == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0))))
        return -1;
    const char *p = s + n;
    int64_t frac = 0;
    if (*p == '.') {
        int64_t scale = 100000;
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
            frac += (*p - '0') * scale;
    }
    int off = 0;
    if (*p == 'Z')
        p++;
    else if ((*p == '+' || *p == '-') && p[1] && p[2] && p[3] == ':' && p[4] && p[5]) {
        int oh = (p[1] - '0') * 10 + (p[2] - '0'), om = (p[4] - '0') * 10 + (p[5] - '0');
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return -1;
        off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else
        return -1;
    if (*p)
        return -1;
    *us = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - off * 60) * 1000000LL +
          frac;
    return 0;
}

/* Redfish Job.JobState of a CIM job: a job waiting for its time (or between its runs) is
 * Pending; Shutting Down is Stopping (Job has no Cancelling); Terminated and Killed are
 * Cancelled; Query Pending is Interrupted. */
const char *rf_job_state(const cimjob_info *info)
{
    if (info->waiting != CIMJOB_WAITING_NONE &&
        (info->job_state == CIMJOB_JOB_STATE_NEW || info->job_state == CIMJOB_JOB_STATE_SUSPENDED))
        return "Pending";
    switch (info->job_state) {
    case CIMJOB_JOB_STATE_NEW:
        return "New";
    case CIMJOB_JOB_STATE_STARTING:
        return "Starting";
    case CIMJOB_JOB_STATE_RUNNING:
        return "Running";
    case CIMJOB_JOB_STATE_SUSPENDED:
        return "Suspended";
    case CIMJOB_JOB_STATE_SHUTTING_DOWN:
        return "Stopping";
    case CIMJOB_JOB_STATE_COMPLETED:
        return "Completed";
    case CIMJOB_JOB_STATE_TERMINATED:
    case CIMJOB_JOB_STATE_KILLED:
        return "Cancelled";
    case CIMJOB_JOB_STATE_EXCEPTION:
        return "Exception";
    case CIMJOB_JOB_STATE_SERVICE:
        return "Service";
    default:
        return "Interrupted";
    }
}

/* A job is a Redfish Job when it has a schedule: a start time, a calendar, several runs or an
 * UntilTime. */
static int has_schedule(const cimjob_job_settings *s)
{
    return s->scheduled_start_time_us != CIMJOB_TIME_NONE ||
           s->scheduled_start_delay_us != CIMJOB_INTERVAL_NONE ||
           s->run_start_interval_us != CIMJOB_INTERVAL_NONE || s->job_run_times != 1 ||
           s->until_time_us != CIMJOB_TIME_NONE;
}

/* The first occurrence of a daily calendar: RunStartInterval after the midnight (UTC, or the
 * registry's offset for Local Time) of the day of submission, a day later if that has passed. */
static int64_t calendar_anchor(const cimjob_info *i, const cimjob_job_settings *s)
{
    int64_t off = s->local_or_utc_time == CIMJOB_LOCAL_TIME ? i->utc_offset_min * 60000000LL : 0;
    int64_t local = i->time_submitted_us + off;
    int64_t midnight = local - ((local % DAY_US) + DAY_US) % DAY_US - off;
    int64_t first = midnight + (int64_t)s->run_start_interval_us;
    return first < i->time_submitted_us ? first + DAY_US : first;
}

/* The Schedule of a CIM job; the CIM fields with no Redfish twin go to Oem.CimJob. */
static json_t *schedule_of(const cimjob_info *i, const cimjob_job_settings *s)
{
    json_t *sc = json_object();
    char t[64];
    int64_t initial = CIMJOB_TIME_NONE;
    if (s->scheduled_start_time_us != CIMJOB_TIME_NONE)
        initial = s->scheduled_start_time_us;
    else if (s->scheduled_start_delay_us != CIMJOB_INTERVAL_NONE)
        initial = i->time_submitted_us + (int64_t)s->scheduled_start_delay_us;
    else if (s->run_start_interval_us != CIMJOB_INTERVAL_NONE)
        initial = calendar_anchor(i, s);
    rf_time_iso(initial, t);
    if (t[0])
        json_object_set_new(sc, "InitialStartTime", json_string(t));
    if (s->run_start_interval_us != CIMJOB_INTERVAL_NONE) {
        json_object_set_new(sc, "RecurrenceInterval", json_string("P1D"));
        json_object_set_new(sc, "EnabledMonthsOfYear",
                            json_pack("[s]", s->run_month >= 0 && s->run_month < 12
                                                 ? month_names[s->run_month]
                                                 : "Every"));
        if (s->run_day_of_week == 0)
            json_object_set_new(sc, "EnabledDaysOfWeek", json_pack("[s]", "Every"));
        if (s->run_day == 0 && s->run_day_of_week != 0)
            json_object_set_new(sc, "EnabledDaysOfWeek",
                                json_pack("[s]", day_names[(abs(s->run_day_of_week) - 1) % 7]));
        /* RunDay from the month's end, or RunDay with RunDayOfWeek ("the first Monday on or
         * after the 8th") has no Redfish form: only Oem.CimJob says it. */
        if (s->run_day >= 0 && s->run_day_of_week == 0)
            json_object_set_new(sc, "EnabledDaysOfMonth", json_pack("[i]", s->run_day));
    }
    if (s->job_run_times > 0)
        json_object_set_new(sc, "MaxOccurrences", json_integer(s->job_run_times));
    if (s->until_time_us != CIMJOB_TIME_NONE && s->until_time_us > i->time_submitted_us) {
        char d[48];
        rf_duration_format((uint64_t)(s->until_time_us - i->time_submitted_us), d);
        json_object_set_new(sc, "Lifetime", json_string(d));
    }
    return sc;
}

static json_t *cim_schedule_oem(const cimjob_info *i, const cimjob_job_settings *s)
{
    char until[64], next[64], start[64], interval[48] = "", delay[48] = "";
    rf_time_iso(s->until_time_us, until);
    rf_time_iso(i->next_run_us, next);
    rf_time_iso(s->scheduled_start_time_us, start);
    if (s->run_start_interval_us != CIMJOB_INTERVAL_NONE)
        rf_duration_format(s->run_start_interval_us, interval);
    if (s->scheduled_start_delay_us != CIMJOB_INTERVAL_NONE)
        rf_duration_format(s->scheduled_start_delay_us, delay);
    char task[CIMJOB_INSTANCE_ID_MAX + 64];
    const char *id = strchr(i->instance_id, ':');
    snprintf(task, sizeof task, RF_TASKS "/%s", id ? id + 1 : i->instance_id);
    return json_pack("{s:{s:s, s:s, s:i, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s, "
                     "s:{s:s}}}",
                     "CimJob", "InstanceID", i->instance_id, "JobState",
                     cimjob_job_state_name((int)i->job_state), "JobStateValue", (int)i->job_state,
                     "JobRunTimes", (json_int_t)s->job_run_times, "Runs", (json_int_t)i->runs,
                     "NextRunTime", next, "UntilTime", until, "ScheduledStartTime", start,
                     "ScheduledStartInterval", delay, "RunStartInterval", interval, "RunMonth",
                     s->run_month, "RunDay", s->run_day, "RunDayOfWeek", s->run_day_of_week,
                     "LocalOrUtcTime",
                     s->local_or_utc_time == CIMJOB_LOCAL_TIME ? "Local Time" : "UTC Time", "Task",
                     "@odata.id", task);
}

static json_t *job_doc(cimjob_redfish *rf, cimjob_job *job, const cimjob_info *i,
                       const cimjob_job_settings *s)
{
    const char *id = strchr(i->instance_id, ':');
    id = id ? id + 1 : i->instance_id;
    char uri[CIMJOB_INSTANCE_ID_MAX + 64], created[64], start[64], end[64];
    snprintf(uri, sizeof uri, RF_JOBS "/%s", id);
    rf_time_iso(i->time_submitted_us, created);
    rf_time_iso(i->start_time_us, start);
    rf_time_iso(i->time_of_last_state_change_us, end);
    const char *state = rf_job_state(i);
    json_t *d =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:o, s:o, s:o}", "@odata.type",
                  "#Job.v1_3_0.Job", "@odata.id", uri, "Id", id, "Name", i->name, "JobState", state,
                  "JobStatus",
                  strcmp(state, "Exception") == 0   ? "Critical"
                  : strcmp(state, "Cancelled") == 0 ? "Warning"
                                                    : "OK",
                  "PercentComplete",
                  i->job_state == CIMJOB_JOB_STATE_COMPLETED ? 100 : (int)i->percent_complete,
                  "CreatedBy", i->owner, "CreationTime", created, "Schedule", schedule_of(i, s),
                  "Messages", rf_task_messages(job, i, id), "Oem", cim_schedule_oem(i, s));
    if (d && start[0])
        json_object_set_new(d, "StartTime", json_string(start));
    if (d && end[0] && cimjob_job_state_is_final((int)i->job_state))
        json_object_set_new(d, "EndTime", json_string(end));
    (void)rf;
    return d;
}

void rf_get_jobservice(rf_call *c)
{
    char now[64];
    rf_time_iso(rf_now_us(), now);
    rf_json(c, 200,
            json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:{s:b, s:b}, s:{s:s}, s:{s:s, s:s}}",
                      "@odata.type", "#JobService.v1_1_0.JobService", "@odata.id", RF_JOBSERVICE,
                      "Id", "JobService", "Name", "libcimjob Job Service", "ServiceEnabled", 1,
                      "DateTime", now, "ServiceCapabilities", "Scheduling", 1, "UserSpecifiedJobs",
                      1, "Jobs", "@odata.id", RF_JOBS, "Status", "State", "Enabled", "Health",
                      "OK"));
}

/* The job of the URI, if the caller may see it and it is a Job (it has a schedule). */
static cimjob_job *visible_job(rf_call *c, cimjob_info *i, cimjob_job_settings *s)
{
    cimjob_job *job = rf_find(c->rf, c->id);
    if (!job || cimjob_query(job, i) != CIMJOB_RC_SUCCESS ||
        cimjob_job_settings_get(job, s) != CIMJOB_RC_SUCCESS || !has_schedule(s)) {
        cimjob_job_release(job);
        rf_error_base(c, 404, "ResourceMissingAtURI", c->req->path, NULL, NULL);
        return NULL;
    }
    if (!rf_may_access(c, i->owner)) {
        cimjob_job_release(job);
        rf_error_base(c, 403, "InsufficientPrivilege", NULL, NULL, NULL);
        return NULL;
    }
    return job;
}

void rf_get_job(rf_call *c)
{
    cimjob_info i = CIMJOB_INFO_INIT;
    cimjob_job_settings s = CIMJOB_JOB_SETTINGS_INIT;
    cimjob_job *job = visible_job(c, &i, &s);
    if (!job)
        return;
    rf_json(c, 200, job_doc(c->rf, job, &i, &s));
    cimjob_job_release(job);
}

void rf_get_jobs(rf_call *c)
{
    cimjob_redfish *rf = c->rf;
    cimjob_job **jobs = NULL;
    size_t n = 0;
    if (cimjob_registry_list(rf->o.registry, &jobs, &n) != CIMJOB_RC_SUCCESS) {
        rf_error_base(c, 503, "ServiceTemporarilyUnavailable", "1", NULL, NULL);
        return;
    }
    json_t *members = json_array();
    size_t org = strlen(rf->org_id);
    for (size_t k = 0; k < n; k++) {
        const char *iid = cimjob_job_instance_id(jobs[k]);
        cimjob_info i = CIMJOB_INFO_INIT;
        cimjob_job_settings s = CIMJOB_JOB_SETTINGS_INIT;
        if (strncmp(iid, rf->org_id, org) != 0 || iid[org] != ':' ||
            cimjob_query(jobs[k], &i) != CIMJOB_RC_SUCCESS ||
            cimjob_job_settings_get(jobs[k], &s) != CIMJOB_RC_SUCCESS || !has_schedule(&s) ||
            !rf_may_access(c, i.owner))
            continue;
        char uri[CIMJOB_INSTANCE_ID_MAX + 64];
        snprintf(uri, sizeof uri, RF_JOBS "/%s", iid + org + 1);
        json_array_append_new(members, json_pack("{s:s}", "@odata.id", uri));
    }
    cimjob_job_list_free(jobs, n);
    rf_json(c, 200,
            json_pack("{s:s, s:s, s:s, s:I, s:o}", "@odata.type", "#JobCollection.JobCollection",
                      "@odata.id", RF_JOBS, "Name", "Job Collection", "Members@odata.count",
                      (json_int_t)json_array_size(members), "Members", members));
}

/* ---- POST: a Redfish Schedule into CIM's ----------------------------------------------------- */

static int name_index(const char *v, const char *const *names, int count)
{
    for (int k = 0; k < count; k++)
        if (strcmp(v, names[k]) == 0)
            return k;
    return -1;
}

/* One value of an Enabled* array: CIM holds one month, one weekday, one day (or "every").
 * Returns the index, -2 for "Every" (or day 0), -1 after answering 400. */
static int single_enabled(rf_call *c, const char *prop, json_t *v, const char *const *names,
                          int count)
{
    json_t *x = json_is_array(v) && json_array_size(v) == 1 ? json_array_get(v, 0) : NULL;
    char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    int r = -1;
    if (names && x && json_is_string(x))
        r = strcmp(json_string_value(x), "Every") == 0
                ? -2
                : name_index(json_string_value(x), names, count);
    else if (!names && x && json_is_integer(x) && json_integer_value(x) >= 0 &&
             json_integer_value(x) <= 31)
        r = json_integer_value(x) == 0 ? -2 : (int)json_integer_value(x);
    if (r == -1) /* several values, or one CIM cannot hold */
        rf_error_base(c, 400, "PropertyValueNotInList", dump ? dump : "", prop, NULL);
    free(dump);
    return r;
}

/* Fill @p s from a Redfish Schedule; 0, or -1 after answering 400. */
static int schedule_from(rf_call *c, json_t *sc, cimjob_job_settings *s, uint32_t *mask)
{
    if (!json_is_object(sc)) {
        rf_error_base(c, 400, "PropertyValueTypeError", "", "Schedule", NULL);
        return -1;
    }
    int64_t initial = CIMJOB_TIME_NONE;
    int recurring = 0, month = -2, wday = -2, mday = -2;
    const char *key;
    json_t *v;
    json_object_foreach(sc, key, v)
    {
        char prop[80];
        snprintf(prop, sizeof prop, "Schedule/%s", key);
        if (strcmp(key, "InitialStartTime") == 0) {
            if (!json_is_string(v) || rf_time_parse_iso(json_string_value(v), &initial) != 0) {
                rf_error_base(c, 400, "PropertyValueFormatError",
                              json_is_string(v) ? json_string_value(v) : "", prop, NULL);
                return -1;
            }
        } else if (strcmp(key, "RecurrenceInterval") == 0) {
            /* CIM's calendar runs once a day at most: P1D, nothing else. */
            if (!json_is_string(v) || rf_duration_parse(json_string_value(v)) != DAY_US) {
                rf_error_base(c, 400, "PropertyValueNotInList",
                              json_is_string(v) ? json_string_value(v) : "", prop, NULL);
                return -1;
            }
            recurring = 1;
        } else if (strcmp(key, "MaxOccurrences") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 1 ||
                json_integer_value(v) > UINT32_MAX) {
                rf_error_base(c, 400, "PropertyValueOutOfRange", "", prop, NULL);
                return -1;
            }
            s->job_run_times = (uint32_t)json_integer_value(v);
            *mask |= CIMJOB_PROPERTY_JOB_RUN_TIMES;
        } else if (strcmp(key, "Lifetime") == 0) {
            int64_t d = json_is_string(v) ? rf_duration_parse(json_string_value(v)) : -1;
            if (d <= 0) {
                rf_error_base(c, 400, "PropertyValueFormatError",
                              json_is_string(v) ? json_string_value(v) : "", prop, NULL);
                return -1;
            }
            s->until_time_us = rf_now_us() + d;
            *mask |= CIMJOB_PROPERTY_UNTIL_TIME;
        } else if (strcmp(key, "EnabledMonthsOfYear") == 0) {
            if ((month = single_enabled(c, prop, v, month_names, 12)) == -1)
                return -1;
        } else if (strcmp(key, "EnabledDaysOfWeek") == 0) {
            static const char *const mon_first[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                    "Thursday", "Friday", "Saturday"};
            if ((wday = single_enabled(c, prop, v, mon_first, 7)) == -1)
                return -1;
        } else if (strcmp(key, "EnabledDaysOfMonth") == 0) {
            if ((mday = single_enabled(c, prop, v, NULL, 0)) == -1)
                return -1;
        } else if (strcmp(key, "Name") == 0 && json_is_string(v)) {
            /* the schedule's name: the job's Name says it */
        } else {
            /* EnabledIntervals and anything else: CIM has no such schedule. */
            rf_error_base(c, 400, "PropertyUnknown", prop, NULL, NULL);
            return -1;
        }
    }
    if (!recurring && (month != -2 || wday != -2 || mday != -2)) {
        rf_error_base(c, 400, "PropertyMissing", "Schedule/RecurrenceInterval", NULL, NULL);
        return -1;
    }
    if (wday >= 0 && mday >= 0) { /* CIM's RunDay+RunDayOfWeek is "on or after", no "and" */
        rf_error_base(c, 400, "PropertyValueNotInList", "EnabledDaysOfWeek",
                      "Schedule/EnabledDaysOfMonth", NULL);
        return -1;
    }
    if (recurring) {
        if (initial == CIMJOB_TIME_NONE)
            initial = rf_now_us();
        /* A daily calendar at InitialStartTime's time of day (UTC): its date is the first day
         * the calendar allows after the job is created. */
        s->run_start_interval_us = (uint64_t)(((initial % DAY_US) + DAY_US) % DAY_US);
        s->local_or_utc_time = CIMJOB_UTC_TIME;
        s->run_month = month >= 0 ? month : CIMJOB_RUN_MONTH_ANY;
        s->run_day = mday >= 0 ? mday : 0;
        s->run_day_of_week = wday >= 0 ? wday + 1 : 0;
        if (!(*mask & CIMJOB_PROPERTY_JOB_RUN_TIMES)) {
            s->job_run_times = 0; /* no MaxOccurrences: until Lifetime or a DELETE */
            *mask |= CIMJOB_PROPERTY_JOB_RUN_TIMES;
        }
        *mask |= CIMJOB_PROPERTY_SCHEDULE;
    } else if (initial != CIMJOB_TIME_NONE) {
        s->scheduled_start_time_us = initial;
        *mask |= CIMJOB_PROPERTY_SCHEDULE;
    }
    return 0;
}

void rf_post_jobs(rf_call *c)
{
    cimjob_redfish *rf = c->rf;
    if (!rf->o.allow_start) {
        rf_error_base(c, 405, "OperationNotAllowed", NULL, NULL, NULL);
        return;
    }
    const char *argv[RF_MAX_ARGV + 1];
    size_t argc = 0;
    const char *name = NULL;
    cimjob_job_settings s = CIMJOB_JOB_SETTINGS_INIT;
    uint32_t mask = 0;
    const char *key;
    json_t *v;
    json_object_foreach(c->body, key, v)
    {
        if (strcmp(key, "Name") == 0) {
            if (!json_is_string(v) || json_string_length(v) == 0 ||
                json_string_length(v) > CIMJOB_NAME_MAX) {
                rf_error_base(c, 400, "PropertyValueTypeError", "", "Name", NULL);
                return;
            }
            name = json_string_value(v);
        } else if (strcmp(key, "Schedule") == 0) {
            if (schedule_from(c, v, &s, &mask) != 0)
                return;
        } else if (strcmp(key, "Oem") == 0) {
            json_t *cmd = json_object_get(json_object_get(v, "CimJob"), "CommandLine");
            if (!json_is_array(cmd) || json_array_size(cmd) == 0 ||
                json_array_size(cmd) > RF_MAX_ARGV) {
                rf_error_base(c, 400, "PropertyValueTypeError", "", "Oem/CimJob/CommandLine", NULL);
                return;
            }
            for (size_t k = 0; k < json_array_size(cmd); k++) {
                json_t *a = json_array_get(cmd, k);
                if (!json_is_string(a) || strlen(json_string_value(a)) != json_string_length(a)) {
                    rf_error_base(c, 400, "PropertyValueTypeError", "", "Oem/CimJob/CommandLine",
                                  NULL);
                    return;
                }
                argv[argc++] = json_string_value(a);
            }
        } else {
            rf_error_base(c, 400, "PropertyUnknown", key, NULL, NULL);
            return;
        }
    }
    if (!argc) {
        rf_error_base(c, 400, "PropertyMissing", "Oem/CimJob/CommandLine", NULL, NULL);
        return;
    }
    argv[argc] = NULL;
    if (rf->o.max_tasks) { /* the same limit as the start action */
        size_t count = 0;
        cimjob_registry_count(rf->o.registry, &count);
        if (count >= rf->o.max_tasks) {
            rf_error_base(c, 503, "CreateLimitReachedForResource", NULL, NULL, NULL);
            rf_header(c->resp, "Retry-After", "%u", 10u);
            return;
        }
    }
    if (!mask) { /* a Job is a scheduled job: without a Schedule it runs once, now */
        s.scheduled_start_time_us = rf_now_us();
        mask |= CIMJOB_PROPERTY_SCHEDULE;
    }
    if (!name) {
        const char *slash = strrchr(argv[0], '/');
        name = slash && slash[1] ? slash + 1 : argv[0];
    }
    cimjob_job_options jo = CIMJOB_JOB_OPTIONS_INIT;
    jo.name = *name ? name : "job";
    jo.argv = argv;
    for (int k = 0; k < 3; k++)
        jo.stdio[k].mode = CIMJOB_STDIO_NULL;
    jo.flags = CIMJOB_JOB_DIE_WITH_HOST; /* New: the registry starts it at its time */
    jo.owner = c->req->user;
    jo.delete_on_completion = 0; /* a Job stays until DELETE */
    pthread_mutex_lock(&rf->lock);
    jo.time_before_removal_us = rf->default_removal_us;
    pthread_mutex_unlock(&rf->lock);
    cimjob_job *job = NULL;
    cimjob_rc rc = cimjob_create(rf->o.registry, &jo, &job);
    if (rc != CIMJOB_RC_SUCCESS) {
        rf_error_rc(c, rc, c->req->path);
        return;
    }
    rc = cimjob_job_modify(job, &s, mask, NULL);
    if (rc != CIMJOB_RC_SUCCESS) {
        cimjob_remove(rf->o.registry, job);
        cimjob_job_release(job);
        if (rc == CIMJOB_RC_INVALID_PARAMETER)
            rf_error_base(c, 400, "PropertyValueNotInList", "", "Schedule", NULL);
        else
            rf_error_rc(c, rc, c->req->path);
        return;
    }
    const char *iid = cimjob_job_instance_id(job);
    const char *id = strchr(iid, ':');
    id = id ? id + 1 : iid;
    pthread_mutex_lock(&rf->lock);
    rf_task *t = rf_task_get(rf, id, 1);
    if (t)
        rf_task_set_owner(t, c->req->user);
    pthread_mutex_unlock(&rf->lock);
    cimjob_info i = CIMJOB_INFO_INIT;
    cimjob_job_settings now = CIMJOB_JOB_SETTINGS_INIT;
    if (cimjob_query(job, &i) != CIMJOB_RC_SUCCESS ||
        cimjob_job_settings_get(job, &now) != CIMJOB_RC_SUCCESS) {
        cimjob_job_release(job);
        rf_error_base(c, 500, "InternalError", NULL, NULL, NULL);
        return;
    }
    rf_header(c->resp, "Location", RF_JOBS "/%s", id);
    rf_json(c, 201, job_doc(rf, job, &i, &now));
    cimjob_job_release(job);
}

/* ---- PATCH: the writable CIM_Job properties (ModifyInstance) --------------------------------- */

/* Oem.CimJob of a PATCH: the MOF's Write properties. 0, or -1 after answering 400. */
static int oem_writable(rf_call *c, json_t *oem, cimjob_job_settings *s, uint32_t *mask)
{
    json_t *cim = json_is_object(oem) ? json_object_get(oem, "CimJob") : NULL;
    if (!json_is_object(cim) || json_object_size(oem) != 1) {
        rf_error_base(c, 400, "PropertyUnknown", "Oem", NULL, NULL);
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(cim, key, v)
    {
        char prop[80];
        snprintf(prop, sizeof prop, "Oem/CimJob/%s", key);
        char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        const char *shown = dump ? dump : "";
        int bad = 0;
        if (strcmp(key, "DeleteOnCompletion") == 0) {
            bad = !json_is_boolean(v);
            s->delete_on_completion = json_is_true(v);
            *mask |= CIMJOB_PROPERTY_DELETE_ON_COMPLETION;
        } else if (strcmp(key, "TimeBeforeRemoval") == 0) {
            int64_t d = json_is_string(v) ? rf_duration_parse(json_string_value(v)) : -1;
            bad = d < 0;
            s->time_before_removal_us = (uint64_t)(d < 0 ? 0 : d);
            *mask |= CIMJOB_PROPERTY_TIME_BEFORE_REMOVAL;
        } else if (strcmp(key, "Priority") == 0 || strcmp(key, "JobRunTimes") == 0) {
            bad = !json_is_integer(v) || json_integer_value(v) < 0 ||
                  json_integer_value(v) > UINT32_MAX;
            uint32_t n = bad ? 0 : (uint32_t)json_integer_value(v);
            if (key[0] == 'P') {
                s->priority = n;
                *mask |= CIMJOB_PROPERTY_PRIORITY;
            } else {
                s->job_run_times = n;
                *mask |= CIMJOB_PROPERTY_JOB_RUN_TIMES;
            }
        } else if (strcmp(key, "UntilTime") == 0) {
            int64_t t = CIMJOB_TIME_NONE;
            bad = !json_is_string(v) ||
                  (json_string_length(v) > 0 && rf_time_parse_iso(json_string_value(v), &t) != 0);
            s->until_time_us = t; /* "": no UntilTime */
            *mask |= CIMJOB_PROPERTY_UNTIL_TIME;
        } else if (strcmp(key, "Notify") == 0) {
            bad = !json_is_string(v) || json_string_length(v) > CIMJOB_TEXT_MAX ||
                  strlen(json_string_value(v)) != json_string_length(v);
            if (!bad)
                snprintf(s->notify, sizeof s->notify, "%s", json_string_value(v));
            *mask |= CIMJOB_PROPERTY_NOTIFY;
        } else {
            free(dump);
            rf_error_base(c, 400, "PropertyNotWritable", prop, NULL, NULL);
            return -1;
        }
        if (bad)
            rf_error_base(c, 400, "PropertyValueTypeError", shown, prop, NULL);
        free(dump);
        if (bad)
            return -1;
    }
    return 0;
}

/* DELETE on a Job: the Task's DELETE (Terminate, or removal once ended) for a job that is one. */
void rf_delete_job(rf_call *c)
{
    cimjob_info i = CIMJOB_INFO_INIT;
    cimjob_job_settings s = CIMJOB_JOB_SETTINGS_INIT;
    cimjob_job *job = visible_job(c, &i, &s);
    if (!job)
        return;
    cimjob_job_release(job);
    rf_delete_task(c);
}

/* PATCH on a Task (Oem.CimJob) or a Job (Schedule, Oem.CimJob): cimjob_job_modify(), all or
 * nothing, then the document as it now is. */
void rf_patch_job(rf_call *c)
{
    int is_job = strncmp(c->req->path, RF_JOBS "/", sizeof RF_JOBS) == 0;
    cimjob_info i = CIMJOB_INFO_INIT;
    cimjob_job_settings s = CIMJOB_JOB_SETTINGS_INIT;
    cimjob_job *job = NULL;
    if (is_job) {
        job = visible_job(c, &i, &s);
    } else {
        job = rf_find(c->rf, c->id);
        if (!job || cimjob_query(job, &i) != CIMJOB_RC_SUCCESS) {
            cimjob_job_release(job);
            rf_error_base(c, 404, "ResourceMissingAtURI", c->req->path, NULL, NULL);
            return;
        }
        if (!rf_may_access(c, i.owner)) {
            cimjob_job_release(job);
            rf_error_base(c, 403, "InsufficientPrivilege", NULL, NULL, NULL);
            return;
        }
    }
    if (!job)
        return;
    cimjob_job_settings want = CIMJOB_JOB_SETTINGS_INIT;
    uint32_t mask = 0;
    const char *key;
    json_t *v;
    json_object_foreach(c->body, key, v)
    {
        int r = 0;
        if (strcmp(key, "Oem") == 0)
            r = oem_writable(c, v, &want, &mask);
        else if (is_job && strcmp(key, "Schedule") == 0)
            r = schedule_from(c, v, &want, &mask);
        else {
            rf_error_base(c, 400, "PropertyNotWritable", key, NULL, NULL);
            r = -1;
        }
        if (r != 0) {
            cimjob_job_release(job);
            return;
        }
    }
    cimjob_rc rc =
        mask ? cimjob_job_modify(job, &want, mask,
                                 c->req->role == CIMJOB_REDFISH_ROLE_ADMINISTRATOR ? NULL
                                                                                   : c->req->user)
             : CIMJOB_RC_SUCCESS;
    if (rc == CIMJOB_RC_INVALID_PARAMETER || rc == CIMJOB_RC_INVALID_UTF8)
        rf_error_base(c, 400, "PropertyValueNotInList", "", is_job ? "Schedule" : "Oem/CimJob",
                      NULL);
    else if (rc != CIMJOB_RC_SUCCESS)
        rf_error_rc(c, rc, c->req->path);
    else if (is_job) {
        if (cimjob_query(job, &i) == CIMJOB_RC_SUCCESS &&
            cimjob_job_settings_get(job, &s) == CIMJOB_RC_SUCCESS)
            rf_json(c, 200, job_doc(c->rf, job, &i, &s));
        else
            rf_error_base(c, 404, "ResourceMissingAtURI", c->req->path, NULL, NULL);
    } else {
        rf_buf b = {0};
        if (rf_task_write(c->rf, job, 1, &b) == 0)
            rf_body(c, 200, &b);
        else {
            free(b.p);
            rf_error_base(c, 404, "ResourceMissingAtURI", c->req->path, NULL, NULL);
        }
    }
    cimjob_job_release(job);
}
