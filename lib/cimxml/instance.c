/*
 * Jobs as CIMJOB_ConcreteJob instances: where each property's value comes from (a cimjob_info
 * snapshot, the StartJob side table, the MOF default, or NULL), which properties a request
 * selects, and the INSTANCE element.
 */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Value sources. */
enum {
    G_NONE = 0, /* the MOF default, or NULL */
    G_INSTANCE_ID,
    G_NAME,
    G_ELEMENT_NAME,
    G_OPERATIONAL_STATUS,
    G_JOB_STATUS,
    G_TIME_SUBMITTED,
    G_START_TIME,
    G_ELAPSED_TIME,
    G_OWNER,
    G_PRIORITY,
    G_PERCENT_COMPLETE,
    G_DELETE_ON_COMPLETION,
    G_ERROR_CODE,
    G_ERROR_DESCRIPTION,
    G_JOB_STATE,
    G_TIME_OF_LAST_STATE_CHANGE,
    G_TIME_BEFORE_REMOVAL,
    G_COMMAND_LINE,
    G_WORKING_DIRECTORY,
    G_BACKEND,
    G_CONTAINMENT,
    G_EXIT_STATUS,
    G_TERM_SIGNAL,
    G_ESCALATED,
    G_STATUS_DESCRIPTIONS,
    G_STATUS,
    G_HEALTH_STATE,
    G_OPERATING_STATUS,
    G_PRIMARY_STATUS,
    G_SCHEDULED_START_TIME,
    G_JOB_RUN_TIMES,
    G_RUN_MONTH,
    G_RUN_DAY,
    G_RUN_DAY_OF_WEEK,
    G_RUN_START_INTERVAL,
    G_LOCAL_OR_UTC_TIME,
    G_UNTIL_TIME,
    G_NOTIFY,
    G_RECOVERY_ACTION,
    G_OTHER_RECOVERY_ACTION,
    /* Below: not from cx_scalar (cx_property_value writes them). */
    G_COMMUNICATION_STATUS,
    G_DETAILED_STATUS,
    G_JOB_IN_PARAMETERS,
    G_JOB_OUT_PARAMETERS
};

static const struct {
    const char *name;
    unsigned char getter;
} cx_sources[] = {
    {"InstanceID", G_INSTANCE_ID},
    {"Name", G_NAME},
    {"ElementName", G_ELEMENT_NAME},
    {"OperationalStatus", G_OPERATIONAL_STATUS},
    {"JobStatus", G_JOB_STATUS},
    {"TimeSubmitted", G_TIME_SUBMITTED},
    {"StartTime", G_START_TIME},
    {"ElapsedTime", G_ELAPSED_TIME},
    {"Owner", G_OWNER},
    {"Priority", G_PRIORITY},
    {"PercentComplete", G_PERCENT_COMPLETE},
    {"DeleteOnCompletion", G_DELETE_ON_COMPLETION},
    {"ErrorCode", G_ERROR_CODE},
    {"ErrorDescription", G_ERROR_DESCRIPTION},
    {"JobState", G_JOB_STATE},
    {"TimeOfLastStateChange", G_TIME_OF_LAST_STATE_CHANGE},
    {"TimeBeforeRemoval", G_TIME_BEFORE_REMOVAL},
    {"CommandLine", G_COMMAND_LINE},
    {"WorkingDirectory", G_WORKING_DIRECTORY},
    {"Backend", G_BACKEND},
    {"Containment", G_CONTAINMENT},
    {"ExitStatus", G_EXIT_STATUS},
    {"TermSignal", G_TERM_SIGNAL},
    {"Escalated", G_ESCALATED},
    {"StatusDescriptions", G_STATUS_DESCRIPTIONS},
    {"Status", G_STATUS},
    {"HealthState", G_HEALTH_STATE},
    {"OperatingStatus", G_OPERATING_STATUS},
    {"PrimaryStatus", G_PRIMARY_STATUS},
    {"ScheduledStartTime", G_SCHEDULED_START_TIME},
    {"JobRunTimes", G_JOB_RUN_TIMES},
    {"RunMonth", G_RUN_MONTH},
    {"RunDay", G_RUN_DAY},
    {"RunDayOfWeek", G_RUN_DAY_OF_WEEK},
    {"RunStartInterval", G_RUN_START_INTERVAL},
    {"LocalOrUtcTime", G_LOCAL_OR_UTC_TIME},
    {"UntilTime", G_UNTIL_TIME},
    {"Notify", G_NOTIFY},
    {"RecoveryAction", G_RECOVERY_ACTION},
    {"OtherRecoveryAction", G_OTHER_RECOVERY_ACTION},
    {"CommunicationStatus", G_COMMUNICATION_STATUS},
    {"DetailedStatus", G_DETAILED_STATUS},
    {"JobInParameters", G_JOB_IN_PARAMETERS},
    {"JobOutParameters", G_JOB_OUT_PARAMETERS},
};

int cx_getters_init(cimjob_cimxml *svc)
{
    const cx_class *k = svc->job_class;
    svc->getters = calloc(k->nprops ? k->nprops : 1, 1);
    if (!svc->getters)
        return -1;
    for (unsigned i = 0; i < k->nprops; i++)
        for (size_t s = 0; s < sizeof cx_sources / sizeof *cx_sources; s++)
            if (strcmp(k->props[i].name, cx_sources[s].name) == 0)
                svc->getters[i] = cx_sources[s].getter;
    return 0;
}

/* The identity whose jobs alone the request may see, or NULL when it may see every job. */
static const char *cx_must_own(const cx_ctx *c)
{
    return !c->req->user || c->req->is_admin ? NULL : c->req->user;
}

int cx_may_access(const cx_ctx *c, const cimjob_info *info)
{
    const char *user = cx_must_own(c);
    return !user || strcmp(user, info->owner) == 0;
}

cimjob_rc cx_snap_take(cimjob_job *job, cx_snap *s)
{
    s->info.version = CIMJOB_INFO_VERSION;
    s->set.version = CIMJOB_JOB_SETTINGS_VERSION;
    /* The revision first: a change after it makes the text kept from this snapshot one
     * revision behind (rewritten next time), never a stale text under the current one. */
    cimjob_rc r = cimjob_job_revision(job, &s->rev, NULL);
    if (r == CIMJOB_RC_SUCCESS)
        r = cimjob_query(job, &s->info);
    return r == CIMJOB_RC_SUCCESS ? cimjob_job_settings_get(job, &s->set) : r;
}

int cx_find_job(cx_ctx *c, const char *id, cimjob_job **job, cx_snap *snap)
{
    cimjob_info *info = &snap->info;
    *job = NULL;
    if (cimjob_find(c->svc->reg, id, job) != CIMJOB_RC_SUCCESS)
        return cx_fail(c, CX_ERR_NOT_FOUND, "No such instance: InstanceID=%.300s", id);
    if (cx_snap_take(*job, snap) != CIMJOB_RC_SUCCESS) {
        cimjob_job_release(*job);
        *job = NULL;
        return cx_fail(c, CX_ERR_NOT_FOUND, "No such instance: InstanceID=%.300s", id);
    }
    if (!cx_may_access(c, info)) {
        cimjob_job_release(*job);
        *job = NULL;
        return cx_fail(c, CX_ERR_ACCESS_DENIED,
                       "Access denied: job %.300s belongs to another "
                       "account",
                       id);
    }
    return CX_OK;
}

int cx_select_has(const cx_select *sel, const char *name)
{
    if (!sel->names)
        return 1;
    for (size_t i = 0; i < sel->nnames; i++)
        if (strcasecmp(sel->names[i], name) == 0)
            return 1;
    return 0;
}

/* The distance from a class down to the root. */
static int cx_depth(const cx_class *k)
{
    int d = 0;
    while (k && k->superclass) {
        k = cx_class_find(k->superclass);
        d++;
    }
    return d;
}

int cx_select_property(const cx_select *sel, const cx_class *cls, const cx_property *p)
{
    if (!cx_select_has(sel, p->name))
        return 0;
    if (!sel->scope || sel->scope == cls)
        return !sel->local_only || strcmp(p->declared_in, cls->name) == 0;
    /* Asked for a superclass of the instance's class (DSP0200 EnumerateInstances): without
     * DeepInheritance only the properties that class has; with LocalOnly only those declared
     * (or overridden) in it, or in the subclasses when DeepInheritance. */
    const cx_class *decl = cx_class_find(p->declared_in);
    int in_scope = cx_class_property(sel->scope, p->name) != NULL;
    if (!sel->deep && !in_scope)
        return 0;
    if (sel->local_only) {
        int d = cx_depth(decl), ds = cx_depth(sel->scope);
        return sel->deep ? d >= ds : d == ds;
    }
    return 1;
}

typedef struct cx_argv_copy {
    cx_out *o;
    int want_argv; /* 1: write the VALUE.ARRAY of argv; 0: write the cwd VALUE */
    int wrote;
} cx_argv_copy;

static void cx_write_side(const char *const *argv, const char *cwd, void *arg)
{
    cx_argv_copy *a = arg;
    if (a->want_argv) {
        cx_start(a->o, "VALUE.ARRAY");
        for (size_t i = 0; argv[i]; i++)
            cx_value(a->o, argv[i]);
        cx_end(a->o);
        a->wrote = 1;
    } else if (cwd) {
        cx_value(a->o, cwd);
        a->wrote = 1;
    }
}

static const char *cx_time(const cimjob_info *info, cimjob_time_property prop, char *buf)
{
    return cimjob_info_format_time(info, prop, buf) == CIMJOB_RC_SUCCESS ? buf : NULL;
}

static const char *cx_timestamp(int64_t us, int utc_offset_min, char *buf, size_t size)
{
    if (us == CIMJOB_TIME_NONE || size < CIMJOB_DATETIME_SIZE)
        return NULL;
    return cimjob_timestamp_format(us, utc_offset_min, buf) == CIMJOB_RC_SUCCESS ? buf : NULL;
}

static const char *cx_interval(uint64_t us, char *buf, size_t size)
{
    if (us == CIMJOB_INTERVAL_NONE || size < CIMJOB_DATETIME_SIZE)
        return NULL;
    return cimjob_interval_format(us, buf) == CIMJOB_RC_SUCCESS ? buf : NULL;
}

/* The writable properties and the schedule (cimjob_job_settings). */
static const char *cx_setting(unsigned getter, const cx_snap *snap, char *buf, size_t size)
{
    const cimjob_job_settings *t = &snap->set;
    int has_calendar = t->run_start_interval_us != CIMJOB_INTERVAL_NONE;
    switch (getter) {
    case G_SCHEDULED_START_TIME:
        if (t->scheduled_start_delay_us != CIMJOB_INTERVAL_NONE)
            return cx_interval(t->scheduled_start_delay_us, buf, size);
        return cx_timestamp(t->scheduled_start_time_us, snap->info.utc_offset_min, buf, size);
    case G_JOB_RUN_TIMES:
        snprintf(buf, size, "%" PRIu32, t->job_run_times);
        return buf;
    case G_RUN_MONTH:
        /* The calendar fields are NULL unless the job has a calendar (RunStartInterval). */
        if (!has_calendar || t->run_month == CIMJOB_RUN_MONTH_ANY)
            return NULL;
        snprintf(buf, size, "%d", t->run_month);
        return buf;
    case G_RUN_DAY:
        if (!has_calendar || t->run_day == 0)
            return NULL;
        snprintf(buf, size, "%d", t->run_day);
        return buf;
    case G_RUN_DAY_OF_WEEK:
        if (!has_calendar)
            return NULL;
        snprintf(buf, size, "%d", t->run_day_of_week);
        return buf;
    case G_RUN_START_INTERVAL:
        return cx_interval(t->run_start_interval_us, buf, size);
    case G_LOCAL_OR_UTC_TIME:
        if (!has_calendar)
            return NULL;
        snprintf(buf, size, "%d", t->local_or_utc_time);
        return buf;
    case G_UNTIL_TIME:
        return cx_timestamp(t->until_time_us, snap->info.utc_offset_min, buf, size);
    case G_NOTIFY:
        return t->notify[0] ? t->notify : NULL;
    case G_RECOVERY_ACTION:
        snprintf(buf, size, "%u", (unsigned)t->recovery_action);
        return buf;
    case G_OTHER_RECOVERY_ACTION:
        return t->other_recovery_action[0] ? t->other_recovery_action : NULL;
    default:
        return NULL;
    }
}

/* The status block derived from JobState (cimjob_info_status()). */
static const char *cx_status(unsigned getter, const cimjob_info *info, char *buf, size_t size)
{
    cimjob_status st = CIMJOB_STATUS_INIT;
    if (cimjob_info_status(info, &st) != CIMJOB_RC_SUCCESS)
        return NULL;
    switch (getter) {
    case G_STATUS:
        snprintf(buf, size, "%s", st.status);
        return buf[0] ? buf : NULL;
    case G_HEALTH_STATE:
        snprintf(buf, size, "%u", (unsigned)st.health_state);
        return buf;
    case G_OPERATING_STATUS:
        snprintf(buf, size, "%u", (unsigned)st.operating_status);
        return buf;
    case G_PRIMARY_STATUS:
        snprintf(buf, size, "%u", (unsigned)st.primary_status);
        return buf;
    default:
        return NULL;
    }
}

/* CommunicationStatus and DetailedStatus (cimjob_status version 2). */
static const char *cx_status_detail(unsigned getter, const cimjob_info *info, char *buf,
                                    size_t size)
{
    cimjob_status st = CIMJOB_STATUS_INIT;
    if (cimjob_info_status(info, &st) != CIMJOB_RC_SUCCESS)
        return NULL;
    snprintf(buf, size, "%u",
             (unsigned)(getter == G_COMMUNICATION_STATUS ? st.communication_status
                                                         : st.detailed_status));
    return buf;
}

/* The text of a scalar value, or NULL for a NULL value. */
static const char *cx_scalar(unsigned getter, const cx_snap *snap, const cx_property *p, char *buf,
                             size_t size)
{
    const cimjob_info *info = &snap->info;
    if (getter == G_COMMUNICATION_STATUS || getter == G_DETAILED_STATUS)
        return cx_status_detail(getter, info, buf, size);
    if (getter >= G_JOB_IN_PARAMETERS)
        return NULL; /* embedded instances: cx_property_value */
    if (getter >= G_SCHEDULED_START_TIME)
        return cx_setting(getter, snap, buf, size);
    if (getter >= G_STATUS && getter <= G_PRIMARY_STATUS)
        return cx_status(getter, info, buf, size);
    switch (getter) {
    case G_INSTANCE_ID:
        return info->instance_id;
    case G_NAME:
    case G_ELEMENT_NAME:
        return info->name;
    case G_JOB_STATUS:
        return info->job_status[0] ? info->job_status : NULL;
    case G_TIME_SUBMITTED:
        return size >= CIMJOB_DATETIME_SIZE ? cx_time(info, CIMJOB_PROP_TIME_SUBMITTED, buf) : NULL;
    case G_START_TIME:
        return size >= CIMJOB_DATETIME_SIZE ? cx_time(info, CIMJOB_PROP_START_TIME, buf) : NULL;
    case G_ELAPSED_TIME:
        return size >= CIMJOB_DATETIME_SIZE ? cx_time(info, CIMJOB_PROP_ELAPSED_TIME, buf) : NULL;
    case G_TIME_OF_LAST_STATE_CHANGE:
        return size >= CIMJOB_DATETIME_SIZE
                   ? cx_time(info, CIMJOB_PROP_TIME_OF_LAST_STATE_CHANGE, buf)
                   : NULL;
    case G_TIME_BEFORE_REMOVAL:
        return size >= CIMJOB_DATETIME_SIZE ? cx_time(info, CIMJOB_PROP_TIME_BEFORE_REMOVAL, buf)
                                            : NULL;
    case G_OWNER:
        return info->owner[0] ? info->owner : NULL;
    case G_PRIORITY:
        snprintf(buf, size, "%" PRIu32, info->priority);
        return buf;
    case G_PERCENT_COMPLETE:
        snprintf(buf, size, "%u", info->percent_complete);
        return buf;
    case G_DELETE_ON_COMPLETION:
        return info->delete_on_completion ? "TRUE" : "FALSE";
    case G_ERROR_CODE:
        /* ErrorCode is uint16 in CIM_Job; exit statuses and 128+signal always fit. */
        snprintf(buf, size, "%" PRIu32, info->error_code > 65535 ? 65535 : info->error_code);
        return buf;
    case G_ERROR_DESCRIPTION:
        return info->error_description[0] ? info->error_description : NULL;
    case G_JOB_STATE:
        snprintf(buf, size, "%d", (int)info->job_state);
        return buf;
    case G_BACKEND:
        return info->backend[0] ? info->backend : NULL;
    case G_CONTAINMENT:
        return cimjob_containment_name((int)info->containment);
    case G_EXIT_STATUS:
        if (info->exit_status < 0)
            return NULL;
        snprintf(buf, size, "%d", info->exit_status);
        return buf;
    case G_TERM_SIGNAL:
        if (info->term_signal <= 0)
            return NULL;
        snprintf(buf, size, "%d", info->term_signal);
        return buf;
    case G_ESCALATED:
        return info->escalated ? "TRUE" : "FALSE";
    default:
        return p->defval;
    }
}

static void cx_property_value(cx_ctx *c, cx_out *o, unsigned getter, const cx_snap *snap,
                              const cx_property *p)
{
    const cimjob_info *info = &snap->info;
    char buf[CIMJOB_TEXT_MAX + 1];
    if (getter == G_OPERATIONAL_STATUS) {
        cx_start(o, "VALUE.ARRAY");
        for (unsigned i = 0; i < info->operational_status_count && i < 2; i++) {
            snprintf(buf, sizeof buf, "%u", (unsigned)info->operational_status[i]);
            cx_value(o, buf);
        }
        cx_end(o);
        return;
    }
    if (getter == G_STATUS_DESCRIPTIONS) {
        cimjob_status st = CIMJOB_STATUS_INIT;
        if (cimjob_info_status(info, &st) != CIMJOB_RC_SUCCESS)
            return;
        cx_start(o, "VALUE.ARRAY");
        for (unsigned i = 0; i < st.operational_status_count && i < 2; i++)
            cx_value(o, st.status_descriptions[i]);
        cx_end(o);
        return;
    }
    if (getter == G_COMMAND_LINE || getter == G_WORKING_DIRECTORY) {
        cx_argv_copy a = {o, getter == G_COMMAND_LINE, 0};
        cx_side_with(c->svc->side, info->instance_id, cx_write_side, &a);
        return; /* no record: NULL */
    }
    if (getter == G_JOB_IN_PARAMETERS) {
        cx_side_in_value(c->svc->side, info->instance_id, o);
        return; /* no record: NULL */
    }
    if (getter == G_JOB_OUT_PARAMETERS) {
        cx_job_out_value(c, o, info);
        return;
    }
    if (p->is_array)
        return; /* no array defaults in these classes */
    const char *v = cx_scalar(getter, snap, p, buf, sizeof buf);
    if (v)
        cx_value(o, v);
}

static unsigned cx_getter_of(const cx_ctx *c, const cx_property *p)
{
    const cx_class *k = c->svc->job_class;
    for (unsigned i = 0; i < k->nprops; i++)
        if (&k->props[i] == p)
            return c->svc->getters[i];
    return G_NONE;
}

int cx_property_live(const cx_ctx *c, const cx_property *p)
{
    switch (cx_getter_of(c, p)) {
    case G_OPERATIONAL_STATUS:
    case G_STATUS_DESCRIPTIONS:
    case G_STATUS:
    case G_HEALTH_STATE:
    case G_OPERATING_STATUS:
    case G_PRIMARY_STATUS:
    case G_JOB_STATUS:
    case G_START_TIME:
    case G_ELAPSED_TIME:
    case G_PERCENT_COMPLETE:
    case G_ERROR_CODE:
    case G_ERROR_DESCRIPTION:
    case G_JOB_STATE:
    case G_TIME_OF_LAST_STATE_CHANGE:
    case G_EXIT_STATUS:
    case G_TERM_SIGNAL:
    case G_ESCALATED:
    case G_COMMUNICATION_STATUS:
    case G_DETAILED_STATUS:
    case G_JOB_OUT_PARAMETERS:
        return 1;
    case G_JOB_IN_PARAMETERS:
        /* Never changes, but wbemcli sends embedded instances back unescaped (as markup in
         * the VALUE), so the text cannot be compared: it is ignored like a live value. */
        return 1;
    default:
        return 0;
    }
}

typedef struct cx_side_cmp {
    const cx_node *sent; /* VALUE.ARRAY (CommandLine) or VALUE (WorkingDirectory), or NULL */
    int argv;
    int same;
} cx_side_cmp;

static int cx_text_is(const cx_node *v, const char *want)
{
    char *t = cx_text(v);
    int same = t && strcmp(t, want) == 0;
    free(t);
    return same;
}

static void cx_cmp_side(const char *const *argv, const char *cwd, void *arg)
{
    cx_side_cmp *a = arg;
    if (!a->argv) {
        a->same = cwd ? a->sent && cx_is(a->sent, "VALUE") && cx_text_is(a->sent, cwd) : !a->sent;
        return;
    }
    if (!a->sent || !cx_is(a->sent, "VALUE.ARRAY"))
        return;
    const cx_node *v = cx_child(a->sent);
    size_t i = 0;
    for (; argv[i] && v; i++, v = cx_next(v))
        if (!cx_is(v, "VALUE") || !cx_text_is(v, argv[i]))
            return;
    a->same = !argv[i] && !v;
}

int cx_value_same(cx_ctx *c, const cx_snap *snap, const cx_property *p, const cx_node *el)
{
    const cx_node *v = cx_child(el);
    unsigned getter = cx_getter_of(c, p);
    if (getter == G_COMMAND_LINE || getter == G_WORKING_DIRECTORY) {
        cx_side_cmp a = {v, getter == G_COMMAND_LINE, 0};
        if (!cx_side_with(c->svc->side, snap->info.instance_id, cx_cmp_side, &a))
            a.same = !v; /* no record: NULL */
        return a.same;
    }
    if (p->is_array || (v && !cx_is(v, "VALUE")))
        return 0;
    char buf[CIMJOB_TEXT_MAX + 1];
    const char *cur = cx_scalar(getter, snap, p, buf, sizeof buf);
    if (!v || !cur)
        return !v && !cur;
    char *t = cx_text(v);
    int same = t && strcmp(t, cur) == 0;
    if (t && !same && strcmp(p->type, "boolean") == 0) {
        int b;
        same = cx_bool_text(c, p->name, t, &b) == CX_OK && strcmp(b ? "TRUE" : "FALSE", cur) == 0;
    }
    free(t);
    return same;
}

/* The INSTANCE element. With @p elapsed_at, the text of ElapsedTime's VALUE is left out and
 * its offset in @p o stored there, for the cache. */
static void cx_instance(cx_ctx *c, cx_out *o, const cx_snap *snap, const cx_select *sel,
                        size_t *elapsed_at)
{
    const cx_class *k = c->svc->job_class;
    cx_start(o, "INSTANCE");
    cx_attr_w(o, "CLASSNAME", k->name);
    for (unsigned i = 0; i < k->nprops; i++) {
        const cx_property *p = &k->props[i];
        if (!cx_select_property(sel, k, p))
            continue;
        cx_start(o, p->is_array ? "PROPERTY.ARRAY" : "PROPERTY");
        cx_attr_w(o, "NAME", p->name);
        cx_attr_w(o, "TYPE", p->type);
        if (sel->class_origin)
            cx_attr_w(o, "CLASSORIGIN", p->origin);
        if (p->embedded_object)
            cx_attr_w(o, "EmbeddedObject", "object");
        if (elapsed_at && c->svc->getters[i] == G_ELAPSED_TIME) {
            cx_start(o, "VALUE");
            cx_text_w(o, ""); /* closes the start tag */
            *elapsed_at = cx_out_len(o);
            cx_end(o);
        } else {
            cx_property_value(c, o, c->svc->getters[i], snap, p);
        }
        cx_end(o);
    }
    cx_end(o);
}

/*
 * Instances with every property (what wbemcli's ei and gi ask for) are cached per job, as text
 * with a hole for ElapsedTime, the one value that changes while nothing else does: the text is
 * reused while the job's revision (cimjob_job_revision(): it moves at every change of the
 * snapshot and settings, ElapsedTime aside) is the one the text was made at, so that an
 * unchanged job costs no snapshot. CommandLine, WorkingDirectory and JobInParameters come from
 * the side table, whose changes drop the texts. The text kept is the whole VALUE.NAMEDINSTANCE
 * (an enumeration's element: one lookup and two references per job); GetInstance answers the
 * INSTANCE inside it.
 */
int cx_cacheable(const cx_ctx *c, const cx_select *sel)
{
    const cx_class *k = c->svc->job_class;
    return !sel->names && !sel->local_only && (!sel->scope || sel->scope == k || sel->deep);
}

int cx_write_cached(cx_ctx *c, cimjob_job *job, const cx_select *sel, int named)
{
    if (!cx_cacheable(c, sel))
        return 0;
    uint64_t rev, elapsed_us;
    if (cimjob_job_revision(job, &rev, &elapsed_us) != CIMJOB_RC_SUCCESS)
        return -1; /* removed meanwhile */
    char elapsed[CIMJOB_DATETIME_SIZE];
    if (cimjob_interval_format(elapsed_us, elapsed) != CIMJOB_RC_SUCCESS)
        elapsed[0] = '\0';
    unsigned gen;
    return cx_side_emit(c->svc->side, cimjob_job_instance_id(job), rev, cx_must_own(c),
                        sel->class_origin ? 1 : 0, named, &c->out, elapsed, &gen);
}

int cx_write_instance(cx_ctx *c, cimjob_job *job, const cx_snap *snap, const cx_select *sel,
                      int named)
{
    const cimjob_info *info = &snap->info;
    (void)job;
    const cx_class *k = c->svc->job_class;
    if (!cx_cacheable(c, sel)) {
        if (named) {
            cx_start(&c->out, "VALUE.NAMEDINSTANCE");
            cx_side_instancename(c->svc->side, k->name, info->instance_id, &c->out);
        }
        cx_instance(c, &c->out, snap, sel, NULL);
        if (named)
            cx_end(&c->out);
        return CX_OK;
    }
    char elapsed[CIMJOB_DATETIME_SIZE];
    if (cimjob_info_format_time(info, CIMJOB_PROP_ELAPSED_TIME, elapsed) != CIMJOB_RC_SUCCESS)
        elapsed[0] = '\0';
    int variant = sel->class_origin ? 1 : 0;
    unsigned gen;
    /* The access check was made on the snapshot: no owner to match here. */
    if (cx_side_emit(c->svc->side, info->instance_id, snap->rev, NULL, variant, named, &c->out,
                     elapsed, &gen) > 0)
        return CX_OK;
    cx_out t;
    memset(&t, 0, sizeof t);
    cx_inst_at at = {0, 0, 0};
    cx_start(&t, "VALUE.NAMEDINSTANCE");
    cx_instancename(&t, k->name, info->instance_id);
    at.inst = cx_out_len(&t);
    cx_instance(c, &t, snap, sel, &at.hole);
    at.end = cx_out_len(&t);
    cx_end(&t);
    size_t len;
    char *text = t.failed ? NULL : cx_out_take(&t, &len);
    cx_out_discard(&t);
    if (!text) {
        c->out.failed = 1;
        return CX_OK;
    }
    size_t from = named ? 0 : at.inst, to = named ? len : at.end;
    if (at.hole < at.inst) { /* a class without ElapsedTime: nothing to fill in, nothing kept */
        cx_fragment(&c->out, text + from, to - from);
        free(text);
        return CX_OK;
    }
    cx_fragment(&c->out, text + from, at.hole - from);
    cx_text_w(&c->out, elapsed);
    cx_fragment(&c->out, text + at.hole, to - at.hole);
    cx_side_store(c->svc->side, info->instance_id, snap->rev, gen, info->owner, variant, text, len,
                  &at);
    return CX_OK;
}
