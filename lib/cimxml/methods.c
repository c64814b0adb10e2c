/*
 * Extrinsic methods (DSP0200 5.4): RequestStateChange, KillJob, GetError(s) on an instance and
 * the static StartJob on CIMJOB_ConcreteJob. A method that runs answers its return code as
 * RETURNVALUE, unchanged from libcimjob; a CIM error is only for a call that cannot start
 * (no such instance, unknown method, missing or ill-typed parameters).
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CX_MAX_PARAMS 24

typedef struct cx_params {
    const cx_method *m;
    cx_node *nodes[CX_MAX_PARAMS]; /* by the method's parameter index */
} cx_params;

static int cx_gather(cx_ctx *c, cx_node *n, cx_params *p)
{
    for (; n; n = cx_next(n)) {
        const char *pn = cx_attr(n, "NAME");
        if (!cx_is(n, "PARAMVALUE") || !pn)
            return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s takes PARAMVALUE elements", p->m->name);
        unsigned i = 0;
        /* wbemcli sends the parameter name in the user's spelling. */
        while (i < p->m->nparams && strcasecmp(p->m->params[i].name, pn) != 0)
            i++;
        if (i == p->m->nparams || i >= CX_MAX_PARAMS || !p->m->params[i].in)
            return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s has no input parameter '%.100s'",
                           p->m->name, pn);
        if (p->nodes[i])
            return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s: %s given twice", p->m->name,
                           p->m->params[i].name);
        p->nodes[i] = n;
    }
    return CX_OK;
}

static cx_node *cx_param(const cx_params *p, const char *name)
{
    for (unsigned i = 0; i < p->m->nparams && i < CX_MAX_PARAMS; i++)
        if (strcmp(p->m->params[i].name, name) == 0)
            return p->nodes[i];
    return NULL;
}

/* A scalar parameter's text: *out NULL when absent or NULL. */
static int cx_param_scalar(cx_ctx *c, const cx_params *p, const char *name, char **out)
{
    *out = NULL;
    cx_node *v = cx_child(cx_param(p, name));
    if (!v)
        return CX_OK;
    if (!cx_is(v, "VALUE"))
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s: %s is a single VALUE", p->m->name, name);
    *out = cx_text(v);
    return *out ? CX_OK : cx_fail(c, CX_ERR_FAILED, "out of memory");
}

/* An array parameter: a NULL-terminated vector of strings (free with cx_strv_free). */
static int cx_param_array(cx_ctx *c, const cx_params *p, const char *name, char ***out,
                          size_t *count)
{
    *out = NULL;
    *count = 0;
    cx_node *v = cx_child(cx_param(p, name));
    if (!v)
        return CX_OK;
    if (!cx_is(v, "VALUE.ARRAY"))
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s: %s is an array (VALUE.ARRAY)", p->m->name,
                       name);
    size_t n = 0;
    for (cx_node *k = cx_child(v); k; k = cx_next(k))
        n++;
    char **vec = calloc(n + 1, sizeof *vec);
    if (!vec)
        return cx_fail(c, CX_ERR_FAILED, "out of memory");
    size_t i = 0;
    for (cx_node *k = cx_child(v); k; k = cx_next(k)) {
        if (!cx_is(k, "VALUE") || !(vec[i] = cx_text(k))) {
            for (size_t j = 0; j < i; j++)
                free(vec[j]);
            free(vec);
            return cx_is(k, "VALUE")
                       ? cx_fail(c, CX_ERR_FAILED, "out of memory")
                       : cx_fail(c, CX_ERR_INVALID_PARAMETER,
                                 "%s: %s holds VALUE elements (no NULL entries)", p->m->name, name);
        }
        i++;
    }
    *out = vec;
    *count = n;
    return CX_OK;
}

static void cx_strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static void cx_returnvalue(cx_out *o, unsigned long v)
{
    char num[24];
    snprintf(num, sizeof num, "%lu", v);
    cx_start(o, "RETURNVALUE");
    cx_attr_w(o, "PARAMTYPE", "uint32");
    cx_value(o, num);
    cx_end(o);
}

/* The caller identity libcimjob checks: an administrator acts as the host. */
static void cx_request_opts(const cx_ctx *c, cimjob_request_options *ro)
{
    *ro = (cimjob_request_options)CIMJOB_REQUEST_OPTIONS_INIT;
    ro->caller = c->req->is_admin ? NULL : c->req->user;
}

static int cx_m_request_state_change(cx_ctx *c, cimjob_job *job, const cx_params *p)
{
    char *rs, *tp;
    int rc = cx_param_scalar(c, p, "RequestedState", &rs);
    if (rc)
        return rc;
    if (!rs)
        return cx_fail(c, CX_ERR_INVALID_PARAMETER,
                       "RequestStateChange: RequestedState is "
                       "required");
    unsigned long long state;
    rc = cx_uint_text(c, "RequestedState", rs, 65535, &state);
    free(rs);
    if (rc || (rc = cx_param_scalar(c, p, "TimeoutPeriod", &tp)))
        return rc;
    cimjob_request_options ro;
    cx_request_opts(c, &ro);
    unsigned long code;
    if (tp && cimjob_interval_parse(tp, &ro.timeout_us) != CIMJOB_RC_SUCCESS) {
        /* A timestamp, or not a datetime at all: the method's own Invalid Parameter (5), as
         * cimjob_request_state_change() answers a malformed TimeoutPeriod. */
        code = CIMJOB_RSC_INVALID_PARAMETER;
    } else {
        /* A long TimeoutPeriod is honoured without holding the connection: 4096, then JobState. */
        if (ro.timeout_us > c->svc->max_wait_us)
            ro.flags |= CIMJOB_REQUEST_ASYNC;
        code =
            (unsigned long)cimjob_request_state_change_ex(job, (cimjob_requested_state)state, &ro);
    }
    free(tp);
    cx_returnvalue(&c->out, code);
    return CX_OK;
}

static int cx_m_kill_job(cx_ctx *c, cimjob_job *job, const cx_params *p)
{
    char *t;
    int dok = 0, rc = cx_param_scalar(c, p, "DeleteOnKill", &t);
    if (rc == CX_OK && t)
        rc = cx_bool_text(c, "DeleteOnKill", t, &dok);
    free(t);
    if (rc)
        return rc;
    cimjob_request_options ro;
    cx_request_opts(c, &ro);
    cimjob_rc r = cimjob_kill_job_ex(job, dok, &ro);
    if (r == CIMJOB_RC_SUCCESS && dok)
        cx_side_remove(c->svc->side, cimjob_job_instance_id(job));
    cx_returnvalue(&c->out, (unsigned long)r);
    return CX_OK;
}

/* A PROPERTY of an embedded CIM_Error: NULL (no VALUE) for "" or NULL. */
static void cx_eprop(cx_out *o, const char *name, const char *type, const char *v)
{
    cx_start(o, "PROPERTY");
    cx_attr_w(o, "NAME", name);
    cx_attr_w(o, "TYPE", type);
    if (v && v[0])
        cx_value(o, v);
    cx_end(o);
}

static void cx_eprop_num(cx_out *o, const char *name, const char *type, unsigned long v)
{
    char num[24];
    snprintf(num, sizeof num, "%lu", v);
    cx_eprop(o, name, type, num);
}

/* A string array stored as @p n fixed-size rows of @p stride bytes from @p rows. */
static void cx_eprop_array(cx_out *o, const char *name, const char *rows, unsigned n, size_t stride)
{
    cx_start(o, "PROPERTY.ARRAY");
    cx_attr_w(o, "NAME", name);
    cx_attr_w(o, "TYPE", "string");
    if (n) {
        cx_start(o, "VALUE.ARRAY");
        for (unsigned i = 0; i < n; i++)
            cx_value(o, rows + i * stride);
        cx_end(o);
    }
    cx_end(o);
}

/*
 * One CIM_Error record as the text of an embedded instance (DSP0201 2.2.4: the INSTANCE
 * element, escaped as the VALUE's text; DSP0004 EmbeddedInstance("CIM_Error")). Every
 * property of CIM_Error 2.22.1 is written, NULL ones without a VALUE. malloc'd, or NULL when
 * out of memory.
 */
static char *cx_error_instance(const cimjob_error *e)
{
    cx_out t;
    memset(&t, 0, sizeof t);
    cx_start(&t, "INSTANCE");
    cx_attr_w(&t, "CLASSNAME", "CIM_Error");
    cx_eprop_num(&t, "ErrorType", "uint16", e->error_type);
    cx_eprop(&t, "OtherErrorType", "string", e->other_error_type);
    cx_eprop(&t, "OwningEntity", "string", e->owning_entity);
    cx_eprop(&t, "MessageID", "string", e->message_id);
    cx_eprop(&t, "Message", "string", e->message);
    unsigned nargs = e->message_argument_count, nacts = e->recommended_action_count;
    const unsigned max_args = sizeof e->message_arguments / sizeof e->message_arguments[0];
    const unsigned max_acts = sizeof e->recommended_actions / sizeof e->recommended_actions[0];
    cx_eprop_array(&t, "MessageArguments", (const char *)e->message_arguments,
                   nargs < max_args ? nargs : max_args, sizeof e->message_arguments[0]);
    cx_eprop_num(&t, "PerceivedSeverity", "uint16", e->perceived_severity);
    cx_eprop_num(&t, "ProbableCause", "uint16", e->probable_cause);
    cx_eprop(&t, "ProbableCauseDescription", "string", e->probable_cause_description);
    cx_eprop_array(&t, "RecommendedActions", (const char *)e->recommended_actions,
                   nacts < max_acts ? nacts : max_acts, sizeof e->recommended_actions[0]);
    cx_eprop(&t, "ErrorSource", "string", e->error_source);
    cx_eprop_num(&t, "ErrorSourceFormat", "uint16", e->error_source_format);
    cx_eprop(&t, "OtherErrorSourceFormat", "string", e->other_error_source_format);
    cx_eprop_num(&t, "CIMStatusCode", "uint32", e->cim_status_code);
    cx_eprop(&t, "CIMStatusCodeDescription", "string", e->cim_status_code_description);
    cx_end(&t);
    size_t len;
    char *text = t.failed ? NULL : cx_out_take(&t, &len);
    cx_out_discard(&t);
    return text;
}

/* The OUT parameter of GetError(s): a string (array) of embedded CIM_Error instances. An empty
 * one is left out (wbemcli cannot read an empty PARAMVALUE), which CIM reads as NULL. */
static int cx_errors_param(cx_out *o, const char *name, const cimjob_error *e, size_t n, int array)
{
    if (n == 0)
        return 0;
    cx_start(o, "PARAMVALUE");
    cx_attr_w(o, "NAME", name);
    cx_attr_w(o, "PARAMTYPE", "string");
    cx_attr_w(o, "EmbeddedObject", "instance");
    if (array)
        cx_start(o, "VALUE.ARRAY");
    for (size_t i = 0; i < n; i++) {
        char *text = cx_error_instance(&e[i]);
        if (!text)
            return -1;
        cx_value(o, text);
        free(text);
    }
    if (array)
        cx_end(o);
    cx_end(o);
    return 0;
}

/* GetError / GetErrors: the MOF's own codes (0 Success, 4 Failed, 6 Access Denied) and the
 * job's CIM_Error records (cimjob_get_errors(), cimjob_get_error()). */
static int cx_m_get_errors(cx_ctx *c, cimjob_job *job, const cx_params *p)
{
    int many = strcmp(p->m->name, "GetErrors") == 0;
    cimjob_info info = CIMJOB_INFO_INIT;
    cimjob_error one = CIMJOB_ERROR_INIT, *errors = NULL;
    size_t n = 0;
    int found = 0;
    cimjob_rc r = cimjob_query(job, &info);
    if (r == CIMJOB_RC_SUCCESS && !cx_may_access(c, &info))
        r = CIMJOB_RC_ACCESS_DENIED;
    else if (r == CIMJOB_RC_SUCCESS)
        r = many ? cimjob_get_errors(job, CIMJOB_ERROR_VERSION, &errors, &n)
                 : cimjob_get_error(job, &one, &found);
    if (r == CIMJOB_RC_NOT_FOUND) {
        cimjob_errors_free(errors);
        return cx_fail(c, CX_ERR_NOT_FOUND, "No such instance: InstanceID=%.300s",
                       cimjob_job_instance_id(job));
    }
    unsigned long code = r == CIMJOB_RC_SUCCESS         ? 0
                         : r == CIMJOB_RC_ACCESS_DENIED ? 6 /* Access Denied */
                                                        : 4 /* Failed */;
    size_t mark = c->out.len;
    int depth = c->out.depth, open = c->out.open;
    cx_returnvalue(&c->out, code);
    if (code == 0 && (many ? cx_errors_param(&c->out, "Errors", errors, n, 1)
                           : cx_errors_param(&c->out, "Error", &one, (size_t)found, 0))) {
        /* Out of memory in the middle: answer Failed without a half-written parameter. */
        c->out.len = mark;
        c->out.depth = depth;
        c->out.open = open;
        c->out.failed = 0;
        cx_returnvalue(&c->out, 4);
    }
    cimjob_errors_free(errors);
    return CX_OK;
}

static int cx_start_opts(cx_ctx *c, const cx_params *p, cimjob_job_options *o, char **name,
                         char ***argv, char **cwd, char ***envp)
{
    size_t n;
    char *t = NULL;
    int rc, b;
    if ((rc = cx_param_scalar(c, p, "Name", name)))
        return rc;
    if (!*name)
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "StartJob: Name is required");
    if ((rc = cx_param_array(c, p, "CommandLine", argv, &n)))
        return rc;
    if (!*argv || n == 0 || !(*argv)[0][0])
        return cx_fail(c, CX_ERR_INVALID_PARAMETER,
                       "StartJob: CommandLine is required: a program and its arguments");
    if ((rc = cx_param_scalar(c, p, "WorkingDirectory", cwd)) ||
        (rc = cx_param_array(c, p, "Environment", envp, &n)))
        return rc;
    for (size_t i = 0; *envp && (*envp)[i]; i++)
        if (!strchr((*envp)[i], '=') || (*envp)[i][0] == '=')
            return cx_fail(c, CX_ERR_INVALID_PARAMETER,
                           "StartJob: Environment entries are NAME=value ('%.60s' is not)",
                           (*envp)[i]);
    o->name = *name;
    o->argv = (const char *const *)*argv;
    o->envp = (const char *const *)*envp;
    o->cwd = *cwd;
    for (int i = 0; i < 3; i++)
        o->stdio[i].mode = CIMJOB_STDIO_NULL; /* a server's streams are not the job's */
    o->owner = c->req->user;
    o->flags = CIMJOB_JOB_START;
    if ((rc = cx_param_scalar(c, p, "StartImmediately", &t)) == CX_OK && t &&
        (rc = cx_bool_text(c, "StartImmediately", t, &b)) == CX_OK && !b)
        o->flags = 0;
    free(t);
    t = NULL;
    if (rc == CX_OK && (rc = cx_param_scalar(c, p, "DeleteOnCompletion", &t)) == CX_OK && t &&
        (rc = cx_bool_text(c, "DeleteOnCompletion", t, &b)) == CX_OK)
        o->delete_on_completion = b;
    free(t);
    t = NULL;
    if (rc == CX_OK && (rc = cx_param_scalar(c, p, "TimeBeforeRemoval", &t)) == CX_OK && t &&
        cimjob_interval_parse(t, &o->time_before_removal_us) != CIMJOB_RC_SUCCESS)
        rc = cx_fail(c, CX_ERR_INVALID_PARAMETER,
                     "StartJob: TimeBeforeRemoval '%.40s' is not a CIM interval", t);
    free(t);
    return rc;
}

/* StartJob's CIM_Job settings: the Write properties and the schedule a job may start with. */
static const char *const cx_start_settings[] = {
    "Priority", "Notify",       "ScheduledStartTime", "JobRunTimes",    "RunMonth",
    "RunDay",   "RunDayOfWeek", "RunStartInterval",   "LocalOrUtcTime", "UntilTime"};

static int cx_start_settings_parse(cx_ctx *c, const cx_params *p, cimjob_job_settings *set,
                                   uint32_t *mask)
{
    int rc = CX_OK;
    for (size_t i = 0; rc == CX_OK && i < sizeof cx_start_settings / sizeof *cx_start_settings;
         i++) {
        char *t = NULL;
        if (!cx_param(p, cx_start_settings[i]))
            continue;
        if ((rc = cx_param_scalar(c, p, cx_start_settings[i], &t)) == CX_OK)
            rc = cx_setting_parse(c, cx_start_settings[i], t, set, mask);
        free(t);
    }
    return rc;
}

static void cx_job_reference(cx_ctx *c, const char *id)
{
    cx_out *o = &c->out;
    cx_start(o, "PARAMVALUE");
    cx_attr_w(o, "NAME", "Job");
    cx_attr_w(o, "PARAMTYPE", "reference");
    cx_start(o, "VALUE.REFERENCE");
    if (c->svc->host) {
        cx_start(o, "INSTANCEPATH");
        cx_start(o, "NAMESPACEPATH");
        cx_start(o, "HOST");
        cx_text_w(o, c->svc->host);
        cx_end(o);
        cx_localnamespacepath(o);
        cx_end(o);
    } else {
        /* wbemcli prints this form cleanly: root/cimv2:CIMJOB_ConcreteJob.InstanceID="..." */
        cx_start(o, "LOCALINSTANCEPATH");
        cx_localnamespacepath(o);
    }
    cx_instancename(o, c->svc->job_class->name, id);
    cx_end(o);
    cx_end(o);
    cx_end(o);
}

/* The settings of a new job (created New): all or none. A job the library refuses them for is
 * killed and removed again, so that nothing is left of a StartJob that answers 5. */
static cimjob_rc cx_start_apply(cx_ctx *c, cimjob_job *job, const cimjob_job_settings *set,
                                uint32_t mask)
{
    cimjob_rc r = cimjob_job_modify(job, set, mask, c->req->user);
    if (r != CIMJOB_RC_SUCCESS) {
        cimjob_rc saved = r;
        cimjob_kill_job_ex(job, 1, NULL);
        cimjob_remove(c->svc->reg, job);
        cx_side_remove(c->svc->side, cimjob_job_instance_id(job));
        r = saved;
    }
    return r;
}

static int cx_m_start_job(cx_ctx *c, const cx_params *p)
{
    cimjob_job_options o = CIMJOB_JOB_OPTIONS_INIT;
    char *name = NULL, *cwd = NULL, **argv = NULL, **envp = NULL;
    cimjob_job_settings set = CIMJOB_JOB_SETTINGS_INIT;
    uint32_t mask = 0;
    int rc = cx_start_opts(c, p, &o, &name, &argv, &cwd, &envp);
    if (rc == CX_OK)
        rc = cx_start_settings_parse(c, p, &set, &mask);
    /* A schedule starts the job at its time: the registry does, not StartImmediately. */
    int scheduled = (mask & CIMJOB_PROPERTY_SCHEDULE) &&
                    (set.scheduled_start_time_us != CIMJOB_TIME_NONE ||
                     set.scheduled_start_delay_us != CIMJOB_INTERVAL_NONE ||
                     set.run_start_interval_us != CIMJOB_INTERVAL_NONE);
    unsigned start_flag = o.flags & CIMJOB_JOB_START;
    if (mask)
        o.flags &= ~(unsigned)CIMJOB_JOB_START; /* settings first, then the start */
    cimjob_job *job = NULL;
    cimjob_rc r = CIMJOB_RC_SUCCESS;
    if (rc == CX_OK) {
        cimjob_registry *reg = c->svc->reg;
        /* NULL when out of memory: JobInParameters then reads NULL. */
        char *job_in = cx_job_in_text(c, p->m, p->nodes);
        size_t jobs = 0;
        if (cimjob_registry_count(reg, &jobs) == CIMJOB_RC_SUCCESS &&
            cx_side_count(c->svc->side) > 2 * jobs + 64)
            cx_side_sweep(c->svc->side, reg);
        r = cimjob_create(reg, &o, &job);
        if (r == CIMJOB_RC_SUCCESS &&
            cx_side_put(c->svc->side, cimjob_job_instance_id(job), o.argv, o.cwd) != 0) {
            /* Out of memory: the job runs, only CommandLine will read NULL. */
        }
        if (r == CIMJOB_RC_SUCCESS && job_in)
            cx_side_put_in(c->svc->side, cimjob_job_instance_id(job), job_in);
        else
            free(job_in);
        if (r == CIMJOB_RC_SUCCESS && mask && (r = cx_start_apply(c, job, &set, mask)) != 0) {
            cimjob_job_release(job);
            job = NULL;
        }
        if (r == CIMJOB_RC_SUCCESS && mask && start_flag && !scheduled) {
            cimjob_request_options ro;
            cx_request_opts(c, &ro);
            ro.flags |= CIMJOB_REQUEST_ASYNC;
            cimjob_request_state_change_ex(job, CIMJOB_REQUEST_START, &ro);
        }
    }
    if (rc == CX_OK) {
        unsigned long code;
        if (r != CIMJOB_RC_SUCCESS) {
            code = r == CIMJOB_RC_INVALID_PARAMETER ? 5 : (unsigned long)r;
        } else {
            cimjob_info info = CIMJOB_INFO_INIT;
            cimjob_query(job, &info);
            code = info.job_state == CIMJOB_JOB_STATE_EXCEPTION ? 4
                   : start_flag && !scheduled                   ? 4096
                                                                : 0;
        }
        cx_returnvalue(&c->out, code);
        if (job)
            cx_job_reference(c, cimjob_job_instance_id(job));
    }
    cimjob_job_release(job);
    free(name);
    free(cwd);
    cx_strv_free(argv);
    cx_strv_free(envp);
    return rc;
}

typedef struct cx_xop {
    const char *name;
    int (*on_instance)(cx_ctx *c, cimjob_job *job, const cx_params *p);
    int (*on_class)(cx_ctx *c, const cx_params *p);
} cx_xop;

static const cx_xop cx_xops[] = {
    {"RequestStateChange", cx_m_request_state_change, NULL},
    {"KillJob", cx_m_kill_job, NULL},
    {"GetError", cx_m_get_errors, NULL},
    {"GetErrors", cx_m_get_errors, NULL},
    {"StartJob", NULL, cx_m_start_job},
};

int cx_extrinsic(cx_ctx *c)
{
    cx_node *path = cx_child(c->call);
    int is_class = cx_is(path, "LOCALCLASSPATH");
    if (!is_class && !cx_is(path, "LOCALINSTANCEPATH"))
        return cx_fail(c, CX_ERR_INVALID_PARAMETER,
                       "METHODCALL starts with LOCALCLASSPATH or LOCALINSTANCEPATH");
    int rc = cx_namespace(c, cx_child(path));
    if (rc)
        return rc;
    cx_node *target = cx_next(cx_child(path));
    const cx_class *k = NULL;
    char *id = NULL;
    if (is_class) {
        const char *cn = cx_attr(target, "NAME");
        if (!cx_is(target, "CLASSNAME") || !cn)
            return cx_fail(c, CX_ERR_INVALID_PARAMETER, "LOCALCLASSPATH ends with CLASSNAME");
        if (!(k = cx_class_find(cn)))
            return cx_fail(c, CX_ERR_INVALID_CLASS, "no class '%.100s' here", cn);
    } else if ((rc = cx_instance_id(c, target, &k, &id))) {
        return rc;
    }
    const cx_method *m = cx_class_method(k, c->method);
    const cx_xop *op = NULL;
    for (size_t i = 0; m && i < sizeof cx_xops / sizeof *cx_xops; i++)
        if (strcmp(cx_xops[i].name, m->name) == 0)
            op = &cx_xops[i];
    if (!m || !op) {
        free(id);
        return cx_fail(c, CX_ERR_METHOD_NOT_FOUND, "%s has no method '%.100s'", k->name, c->method);
    }
    if (c->req->read_only && op->on_instance != cx_m_get_errors) {
        free(id);
        return cx_fail(c, CX_ERR_ACCESS_DENIED, "Access denied: a read-only account");
    }
    cx_params p;
    memset(&p, 0, sizeof p);
    p.m = m;
    if ((rc = cx_gather(c, cx_next(path), &p))) {
        free(id);
        return rc;
    }
    if (is_class) {
        if (!op->on_class)
            return cx_fail(c, CX_ERR_INVALID_PARAMETER,
                           "%s is called on an instance (a path with InstanceID)", m->name);
        return op->on_class(c, &p);
    }
    if (!op->on_instance) {
        free(id);
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s is static: call it on the class", m->name);
    }
    if (!cx_class_is_a(c->svc->job_class, k)) {
        rc = cx_fail(c, CX_ERR_NOT_FOUND, "%s has no instances here", k->name);
        free(id);
        return rc;
    }
    cimjob_job *job = NULL;
    if (cimjob_find(c->svc->reg, id, &job) != CIMJOB_RC_SUCCESS)
        rc = cx_fail(c, CX_ERR_NOT_FOUND, "No such instance: InstanceID=%.300s", id);
    else
        rc = op->on_instance(c, job, &p);
    cimjob_job_release(job);
    free(id);
    return rc;
}
