/*
 * Intrinsic operations (DSP0200 5.3): one table entry per operation with its parameters and
 * their defaults; operations not in the table answer CIM_ERR_NOT_SUPPORTED.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CX_MAX_IPARAMS 8

typedef struct cx_args {
    const char *names[CX_MAX_IPARAMS];
    cx_node *nodes[CX_MAX_IPARAMS]; /* the IPARAMVALUE, or NULL when not given */
    /* PropertyList, when given as an array (NULL: every property). */
    char **plist;
    size_t nplist;
    int have_plist;
} cx_args;

static cx_node *cx_arg(const cx_args *a, const char *name)
{
    for (int i = 0; i < CX_MAX_IPARAMS && a->names[i]; i++)
        if (strcmp(a->names[i], name) == 0)
            return a->nodes[i];
    return NULL;
}

/* A boolean IPARAMVALUE: <VALUE>TRUE</VALUE>; absent or empty: the default. */
static int cx_arg_bool(cx_ctx *c, const cx_args *a, const char *name, int def, int *out)
{
    *out = def;
    cx_node *n = cx_arg(a, name);
    cx_node *v = cx_child(n);
    if (!v)
        return CX_OK;
    if (!cx_is(v, "VALUE"))
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s is a boolean VALUE", name);
    char *t = cx_text(v);
    if (!t)
        return cx_fail(c, CX_ERR_FAILED, "out of memory");
    int rc = cx_bool_text(c, name, t, out);
    free(t);
    return rc;
}

/* A CLASSNAME IPARAMVALUE naming one of our classes. */
static int cx_arg_class(cx_ctx *c, const cx_args *a, const char *name, int required,
                        const cx_class **out)
{
    *out = NULL;
    cx_node *v = cx_child(cx_arg(a, name));
    if (!v) {
        if (required)
            return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s is required", name);
        return CX_OK;
    }
    const char *cn = cx_attr(v, "NAME");
    if (!cx_is(v, "CLASSNAME") || !cn)
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s is a CLASSNAME", name);
    *out = cx_class_find(cn);
    if (!*out)
        return cx_fail(c, CX_ERR_INVALID_CLASS, "no class '%.100s' in " CIMJOB_CIMXML_NAMESPACE,
                       cn);
    return CX_OK;
}

static int cx_arg_plist(cx_ctx *c, cx_args *a)
{
    cx_node *v = cx_child(cx_arg(a, "PropertyList"));
    if (!v)
        return CX_OK; /* NULL: every property */
    if (!cx_is(v, "VALUE.ARRAY"))
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "PropertyList is a VALUE.ARRAY");
    size_t n = 0;
    for (cx_node *k = cx_child(v); k; k = cx_next(k))
        n++;
    a->plist = calloc(n ? n : 1, sizeof *a->plist);
    if (!a->plist)
        return cx_fail(c, CX_ERR_FAILED, "out of memory");
    a->have_plist = 1;
    for (cx_node *k = cx_child(v); k; k = cx_next(k)) {
        if (!cx_is(k, "VALUE"))
            return cx_fail(c, CX_ERR_INVALID_PARAMETER, "PropertyList holds VALUE elements");
        a->plist[a->nplist] = cx_text(k);
        if (!a->plist[a->nplist])
            return cx_fail(c, CX_ERR_FAILED, "out of memory");
        a->nplist++;
    }
    return CX_OK;
}

static void cx_args_free(cx_args *a)
{
    for (size_t i = 0; i < a->nplist; i++)
        free(a->plist[i]);
    free(a->plist);
}

static void cx_select_from(cx_select *sel, const cx_args *a)
{
    memset(sel, 0, sizeof *sel);
    if (a->have_plist) {
        sel->names = (const char *const *)a->plist;
        sel->nnames = a->nplist;
    }
}

/* ---- classes ---- */

static void cx_write_class(cx_ctx *c, const cx_class *k, int local_only, int quals, int origin,
                           const cx_select *sel)
{
    cx_out *o = &c->out;
    cx_start(o, "CLASS");
    cx_attr_w(o, "NAME", k->name);
    if (k->superclass)
        cx_attr_w(o, "SUPERCLASS", k->superclass);
    if (quals)
        cx_qualifiers(o, k->quals, k->nquals);
    for (unsigned i = 0; i < k->nprops; i++) {
        const cx_property *p = &k->props[i];
        int propagated = strcmp(p->declared_in, k->name) != 0;
        if ((local_only && propagated) || !cx_select_has(sel, p->name))
            continue;
        cx_start(o, p->is_array ? "PROPERTY.ARRAY" : "PROPERTY");
        cx_attr_w(o, "NAME", p->name);
        cx_attr_w(o, "TYPE", p->type);
        if (origin)
            cx_attr_w(o, "CLASSORIGIN", p->origin);
        if (propagated)
            cx_attr_w(o, "PROPAGATED", "true");
        if (p->embedded_object)
            cx_attr_w(o, "EmbeddedObject", "object");
        if (quals)
            cx_qualifiers(o, p->quals, p->nquals);
        if (p->defval && !p->is_array)
            cx_value(o, p->defval);
        cx_end(o);
    }
    for (unsigned i = 0; i < k->nmethods; i++) {
        const cx_method *m = &k->methods[i];
        int propagated = strcmp(m->declared_in, k->name) != 0;
        if (local_only && propagated)
            continue;
        cx_start(o, "METHOD");
        cx_attr_w(o, "NAME", m->name);
        cx_attr_w(o, "TYPE", m->type);
        if (origin)
            cx_attr_w(o, "CLASSORIGIN", m->origin);
        if (propagated)
            cx_attr_w(o, "PROPAGATED", "true");
        if (quals)
            cx_qualifiers(o, m->quals, m->nquals);
        for (unsigned j = 0; j < m->nparams; j++) {
            const cx_parameter *a = &m->params[j];
            if (a->refclass) {
                cx_start(o, a->is_array ? "PARAMETER.REFARRAY" : "PARAMETER.REFERENCE");
                cx_attr_w(o, "NAME", a->name);
                cx_attr_w(o, "REFERENCECLASS", a->refclass);
            } else {
                cx_start(o, a->is_array ? "PARAMETER.ARRAY" : "PARAMETER");
                cx_attr_w(o, "NAME", a->name);
                cx_attr_w(o, "TYPE", a->type);
            }
            if (quals)
                cx_qualifiers(o, a->quals, a->nquals);
            cx_end(o);
        }
        cx_end(o);
    }
    cx_end(o);
}

/* The classes an enumeration of classes returns: the subclasses of @p base (every class when
 * NULL), all of them or only the direct ones. */
static int cx_class_listed(const cx_class *k, const cx_class *base, int deep)
{
    if (!base)
        return deep || !k->superclass;
    if (k == base || !k->superclass)
        return 0;
    if (!deep)
        return cx_class_find(k->superclass) == base;
    return cx_class_is_a(k, base);
}

static int cx_op_enum_class_names(cx_ctx *c, cx_args *a)
{
    const cx_class *base;
    int deep, rc;
    if ((rc = cx_arg_class(c, a, "ClassName", 0, &base)) ||
        (rc = cx_arg_bool(c, a, "DeepInheritance", 0, &deep)))
        return rc;
    cx_start(&c->out, "IRETURNVALUE");
    for (size_t i = 0; i < cx_class_count; i++) {
        if (!cx_class_listed(&cx_classes[i], base, deep))
            continue;
        cx_start(&c->out, "CLASSNAME");
        cx_attr_w(&c->out, "NAME", cx_classes[i].name);
        cx_end_empty(&c->out);
    }
    cx_end(&c->out);
    return CX_OK;
}

static int cx_op_enum_classes(cx_ctx *c, cx_args *a)
{
    const cx_class *base;
    int deep, local, quals, origin, rc;
    if ((rc = cx_arg_class(c, a, "ClassName", 0, &base)) ||
        (rc = cx_arg_bool(c, a, "DeepInheritance", 0, &deep)) ||
        (rc = cx_arg_bool(c, a, "LocalOnly", 1, &local)) ||
        (rc = cx_arg_bool(c, a, "IncludeQualifiers", 1, &quals)) ||
        (rc = cx_arg_bool(c, a, "IncludeClassOrigin", 0, &origin)))
        return rc;
    cx_select all = {0};
    cx_start(&c->out, "IRETURNVALUE");
    for (size_t i = 0; i < cx_class_count; i++)
        if (cx_class_listed(&cx_classes[i], base, deep))
            cx_write_class(c, &cx_classes[i], local, quals, origin, &all);
    cx_end(&c->out);
    return CX_OK;
}

static int cx_op_get_class(cx_ctx *c, cx_args *a)
{
    const cx_class *k;
    int local, quals, origin, rc;
    if ((rc = cx_arg_class(c, a, "ClassName", 1, &k)) ||
        (rc = cx_arg_bool(c, a, "LocalOnly", 1, &local)) ||
        (rc = cx_arg_bool(c, a, "IncludeQualifiers", 1, &quals)) ||
        (rc = cx_arg_bool(c, a, "IncludeClassOrigin", 0, &origin)) || (rc = cx_arg_plist(c, a)))
        return rc;
    cx_select sel;
    cx_select_from(&sel, a);
    cx_start(&c->out, "IRETURNVALUE");
    cx_write_class(c, k, local, quals, origin, &sel);
    cx_end(&c->out);
    return CX_OK;
}

/* ---- instances ---- */

/* Calls fn for every job the request's identity may see, with its snapshot, unless pre (may be
 * NULL) did the job's part without one (a cached instance of the job's current revision). One
 * snapshot (4 KB) is reused, allocated when first needed: an array of them for 1 000 jobs was
 * 4 MB to fault in per request (docs/performance.md). */
typedef void (*cx_job_fn)(cx_ctx *c, cimjob_job *job, const cx_snap *snap, void *arg);
typedef int (*cx_job_pre)(cx_ctx *c, cimjob_job *job, void *arg);

#define CX_HOLD_RUN 64

static int cx_each_job(cx_ctx *c, const cx_class *k, cx_job_pre pre, cx_job_fn fn, void *arg)
{
    if (!cx_class_is_a(c->svc->job_class, k))
        return CX_OK; /* a class with no instances here (CIM_Error) */
    cimjob_job **jobs;
    size_t n;
    cx_jobs *list = cx_jobs_get(c->svc, &jobs, &n);
    if (!list)
        return cx_fail(c, CX_ERR_FAILED, "cannot list the jobs: %s", cimjob_last_error());
    /* Records (command lines, cached instances) of jobs that left the registry go. */
    if (cx_side_count(c->svc->side) > 2 * n + 64)
        cx_side_sweep(c->svc->side, c->svc->reg);
    cx_snap *snap = NULL;
    /* The hits (pre) run under one hold of the side table's read lock, let go for a miss
     * (writing a job's instance stores it, under the write lock) and every CX_HOLD_RUN jobs:
     * readers that overlap without a gap would otherwise keep a writer (StartJob's command
     * line, a new text) waiting for as long as enumerations keep coming. */
    int held = 0;
    for (size_t i = 0; i < n; i++) {
        if (held && i % CX_HOLD_RUN == 0) {
            cx_side_release(c->svc->side);
            held = 0;
        }
        if (pre && !held) {
            cx_side_hold(c->svc->side);
            held = 1;
        }
        if (pre && pre(c, jobs[i], arg))
            continue;
        if (held) {
            cx_side_release(c->svc->side);
            held = 0;
        }
        if (!snap && !(snap = malloc(sizeof *snap))) {
            cx_jobs_unref(list);
            return cx_fail(c, CX_ERR_FAILED, "out of memory");
        }
        /* A job removed since the list was taken, or another account's: left out. */
        if (cx_snap_take(jobs[i], snap) == CIMJOB_RC_SUCCESS && cx_may_access(c, &snap->info))
            fn(c, jobs[i], snap, arg);
    }
    if (held)
        cx_side_release(c->svc->side);
    free(snap);
    cx_jobs_unref(list);
    return CX_OK;
}

static void cx_name_one(cx_ctx *c, cimjob_job *job, const cx_snap *snap, void *arg)
{
    (void)job;
    (void)arg;
    cx_side_instancename(c->svc->side, c->svc->job_class->name, snap->info.instance_id, &c->out);
}

static int cx_op_enum_instance_names(cx_ctx *c, cx_args *a)
{
    const cx_class *k;
    int rc;
    if ((rc = cx_arg_class(c, a, "ClassName", 1, &k)))
        return rc;
    cx_start(&c->out, "IRETURNVALUE");
    if ((rc = cx_each_job(c, k, NULL, cx_name_one, NULL)))
        return rc;
    cx_end(&c->out);
    return CX_OK;
}

static int cx_instance_cached(cx_ctx *c, cimjob_job *job, void *arg)
{
    return cx_write_cached(c, job, arg, 1) != 0; /* -1: removed, or another account's */
}

static void cx_instance_one(cx_ctx *c, cimjob_job *job, const cx_snap *snap, void *arg)
{
    cx_write_instance(c, job, snap, arg, 1);
}

static int cx_op_enum_instances(cx_ctx *c, cx_args *a)
{
    const cx_class *k;
    int local, deep, quals, origin, rc;
    if ((rc = cx_arg_class(c, a, "ClassName", 1, &k)) ||
        (rc = cx_arg_bool(c, a, "LocalOnly", 1, &local)) ||
        (rc = cx_arg_bool(c, a, "DeepInheritance", 1, &deep)) ||
        (rc = cx_arg_bool(c, a, "IncludeQualifiers", 0, &quals)) ||
        (rc = cx_arg_bool(c, a, "IncludeClassOrigin", 0, &origin)) || (rc = cx_arg_plist(c, a)))
        return rc;
    cx_select sel;
    cx_select_from(&sel, a);
    sel.scope = k;
    sel.local_only = local;
    sel.deep = deep;
    sel.class_origin = origin;
    /* Megabytes of cached instances: referenced, not copied, when the caller takes pieces (a
     * single instance is cheaper copied). */
    c->out.pieced = c->may_piece;
    /* One allocation, not twelve; a pieced response keeps only the names and ElapsedTimes. */
    size_t per = c->out.pieced ? 512 : sel.names ? 1024 : 5120;
    size_t njobs = 0;
    if (cimjob_registry_count(c->svc->reg, &njobs) == CIMJOB_RC_SUCCESS)
        cx_reserve(&c->out, njobs * per);
    cx_start(&c->out, "IRETURNVALUE");
    if ((rc = cx_each_job(c, k, cx_cacheable(c, &sel) ? cx_instance_cached : NULL, cx_instance_one,
                          &sel)))
        return rc;
    cx_end(&c->out);
    return CX_OK;
}

/* The InstanceID of the InstanceName parameter, an instance of one of our job classes (*id:
 * malloc'd, or NULL; free it either way). */
static int cx_arg_job_id(cx_ctx *c, const cx_args *a, const char *name, char **id)
{
    *id = NULL;
    cx_node *v = cx_child(cx_arg(a, name));
    if (!v)
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s is required", name);
    const cx_class *k;
    int rc = cx_instance_id(c, v, &k, id);
    if (rc == CX_OK && !cx_class_is_a(c->svc->job_class, k))
        rc = cx_fail(c, CX_ERR_NOT_FOUND, "%s has no instances here", k->name);
    return rc;
}

/* The job of the InstanceName parameter, with its snapshot (access checked). */
static int cx_arg_job(cx_ctx *c, const cx_args *a, const char *name, cimjob_job **job,
                      cx_snap *snap)
{
    char *id;
    int rc = cx_arg_job_id(c, a, name, &id);
    if (rc == CX_OK)
        rc = cx_find_job(c, id, job, snap);
    free(id);
    return rc;
}

static int cx_op_get_instance(cx_ctx *c, cx_args *a)
{
    int local, quals, origin, rc;
    if ((rc = cx_arg_bool(c, a, "LocalOnly", 1, &local)) ||
        (rc = cx_arg_bool(c, a, "IncludeQualifiers", 0, &quals)) ||
        (rc = cx_arg_bool(c, a, "IncludeClassOrigin", 0, &origin)) || (rc = cx_arg_plist(c, a)))
        return rc;
    char *id;
    if ((rc = cx_arg_job_id(c, a, "InstanceName", &id))) {
        free(id);
        return rc;
    }
    cx_select sel;
    cx_select_from(&sel, a);
    sel.local_only = local;
    sel.deep = 1;
    sel.class_origin = origin;
    cx_start(&c->out, "IRETURNVALUE");
    /* An unchanged job the identity may see comes from the instance cache without its
     * snapshot; anything else (a miss, another account's job, a removed one: their errors)
     * takes the snapshot. An error answer discards what was written. */
    cimjob_job *job = NULL;
    if (cimjob_find(c->svc->reg, id, &job) == CIMJOB_RC_SUCCESS) {
        int hit = cx_write_cached(c, job, &sel, 0) > 0;
        cimjob_job_release(job);
        if (hit) {
            free(id);
            cx_end(&c->out);
            return CX_OK;
        }
    }
    cx_snap snap;
    rc = cx_find_job(c, id, &job, &snap);
    free(id);
    if (rc)
        return rc;
    rc = cx_write_instance(c, job, &snap, &sel, 0);
    cx_end(&c->out);
    cimjob_job_release(job);
    return rc;
}

static int cx_op_delete_instance(cx_ctx *c, cx_args *a)
{
    if (c->req->read_only)
        return cx_fail(c, CX_ERR_ACCESS_DENIED, "Access denied: a read-only account");
    cimjob_job *job;
    cx_snap snap;
    int rc = cx_arg_job(c, a, "InstanceName", &job, &snap);
    const cimjob_info *info = &snap.info;
    if (rc)
        return rc;
    cimjob_rc r = cimjob_remove(c->svc->reg, job);
    cimjob_job_release(job);
    if (r == CIMJOB_RC_INVALID_STATE)
        return cx_fail(c, CX_ERR_FAILED,
                       "job %.300s is %s: end it first (RequestStateChange 4 or 5, or KillJob)",
                       info->instance_id, cimjob_job_state_name((int)info->job_state));
    if (r != CIMJOB_RC_SUCCESS)
        return cx_fail(c, cimjob_cimxml_status_for_rc(r), "%s", cimjob_last_error());
    cx_side_remove(c->svc->side, info->instance_id);
    cx_start(&c->out, "IRETURNVALUE"); /* wbemcli wants the end tag, not <IRETURNVALUE/> */
    cx_end(&c->out);
    return CX_OK;
}

/*
 * ModifyInstance: the MOF's Write properties (DeleteOnCompletion, TimeBeforeRemoval, Priority,
 * JobRunTimes, UntilTime, Notify and the schedule) change through cimjob_job_modify(), all or
 * none, checked by the library (ranges, the caller's access); a property without Write may be
 * "modified" only to the value it already has (a client that sends back a whole instance), else
 * CIM_ERR_INVALID_PARAMETER.
 */
static int cx_op_modify_instance(cx_ctx *c, cx_args *a)
{
    if (c->req->read_only)
        return cx_fail(c, CX_ERR_ACCESS_DENIED, "Access denied: a read-only account");
    int quals, rc;
    if ((rc = cx_arg_bool(c, a, "IncludeQualifiers", 1, &quals)) || (rc = cx_arg_plist(c, a)))
        return rc;
    cx_node *ni = cx_child(cx_arg(a, "ModifiedInstance"));
    if (!cx_is(ni, "VALUE.NAMEDINSTANCE"))
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "ModifiedInstance is a VALUE.NAMEDINSTANCE");
    cx_node *name = cx_child(ni), *inst = cx_next(name);
    if (!cx_is(inst, "INSTANCE"))
        return cx_fail(c, CX_ERR_INVALID_PARAMETER,
                       "ModifiedInstance holds INSTANCENAME and "
                       "INSTANCE");
    const cx_class *k;
    char *id;
    if ((rc = cx_instance_id(c, name, &k, &id)))
        return rc;
    cimjob_job *job;
    cx_snap snap;
    rc = cx_class_is_a(c->svc->job_class, k)
             ? cx_find_job(c, id, &job, &snap)
             : cx_fail(c, CX_ERR_NOT_FOUND, "%s has no instances here", k->name);
    free(id);
    if (rc)
        return rc;
    cx_select sel;
    cx_select_from(&sel, a);
    cimjob_job_settings want = snap.set;
    uint32_t given = 0;
    for (cx_node *p = cx_child(inst); p && rc == CX_OK; p = cx_next(p)) {
        const char *pn = cx_attr(p, "NAME");
        if (cx_is(p, "QUALIFIER"))
            continue;
        const cx_property *prop = cx_class_property(c->svc->job_class, pn);
        if (!prop) {
            rc = cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s has no property '%.100s'",
                         c->svc->job_class->name, pn ? pn : "");
            break;
        }
        if (!cx_select_has(&sel, prop->name))
            continue;
        if (!prop->write) {
            /* A client that read the instance sends every property back (wbemcli mi does):
             * the job's live values it read are stale, not a request; any other must be the
             * job's own. */
            if (!cx_property_live(c, prop) && !cx_value_same(c, &snap, prop, p))
                rc = cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s is read-only (no Write in the MOF)",
                             prop->name);
            continue;
        }
        cx_node *v = cx_child(p);
        if (!cx_is(p, "PROPERTY") || (v && !cx_is(v, "VALUE"))) {
            rc = cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s holds a single VALUE", prop->name);
            break;
        }
        char *t = v ? cx_text(v) : NULL;
        if (v && !t) {
            rc = cx_fail(c, CX_ERR_FAILED, "out of memory");
            break;
        }
        rc = cx_setting_parse(c, prop->name, t, &want, &given);
        free(t);
    }
    uint32_t mask = rc == CX_OK ? cx_settings_changed(&snap.set, &want, given) : 0;
    if (mask) {
        cimjob_rc r = cimjob_job_modify(job, &want, mask, c->req->is_admin ? NULL : c->req->user);
        if (r != CIMJOB_RC_SUCCESS)
            rc = cx_fail(c, cimjob_cimxml_status_for_rc(r), "%s (%s)", cimjob_last_error(),
                         cimjob_rc_name(r));
    }
    cimjob_job_release(job);
    if (rc)
        return rc;
    cx_start(&c->out, "IRETURNVALUE");
    cx_end(&c->out);
    return CX_OK;
}

typedef struct cx_iop {
    const char *name;
    int (*fn)(cx_ctx *c, cx_args *a);
    const char *params[CX_MAX_IPARAMS];
} cx_iop;

static const cx_iop cx_iops[] = {
    {"EnumerateClassNames", cx_op_enum_class_names, {"ClassName", "DeepInheritance"}},
    {"EnumerateClasses",
     cx_op_enum_classes,
     {"ClassName", "DeepInheritance", "LocalOnly", "IncludeQualifiers", "IncludeClassOrigin"}},
    {"GetClass",
     cx_op_get_class,
     {"ClassName", "LocalOnly", "IncludeQualifiers", "IncludeClassOrigin", "PropertyList"}},
    {"EnumerateInstanceNames", cx_op_enum_instance_names, {"ClassName"}},
    {"EnumerateInstances",
     cx_op_enum_instances,
     {"ClassName", "LocalOnly", "DeepInheritance", "IncludeQualifiers", "IncludeClassOrigin",
      "PropertyList"}},
    {"GetInstance",
     cx_op_get_instance,
     {"InstanceName", "LocalOnly", "IncludeQualifiers", "IncludeClassOrigin", "PropertyList"}},
    {"DeleteInstance", cx_op_delete_instance, {"InstanceName"}},
    {"ModifyInstance",
     cx_op_modify_instance,
     {"ModifiedInstance", "IncludeQualifiers", "PropertyList"}},
};

int cx_intrinsic(cx_ctx *c)
{
    const cx_iop *op = NULL;
    for (size_t i = 0; i < sizeof cx_iops / sizeof *cx_iops; i++)
        if (strcmp(cx_iops[i].name, c->method) == 0)
            op = &cx_iops[i];
    cx_node *n = cx_child(c->call);
    int rc = cx_namespace(c, n);
    if (rc)
        return rc;
    if (!op)
        return cx_fail(c, CX_ERR_NOT_SUPPORTED, "%.100s is not supported by libcimjob", c->method);
    cx_args a;
    memset(&a, 0, sizeof a);
    for (int i = 0; i < CX_MAX_IPARAMS && op->params[i]; i++)
        a.names[i] = op->params[i];
    for (n = cx_next(n); n; n = cx_next(n)) {
        const char *pn = cx_attr(n, "NAME");
        if (!cx_is(n, "IPARAMVALUE") || !pn)
            return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s takes IPARAMVALUE elements", op->name);
        int i = 0;
        while (i < CX_MAX_IPARAMS && a.names[i] && strcmp(a.names[i], pn) != 0)
            i++;
        if (i == CX_MAX_IPARAMS || !a.names[i])
            return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s has no parameter '%.100s'", op->name,
                           pn);
        if (a.nodes[i])
            return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s: %s given twice", op->name, pn);
        a.nodes[i] = n;
    }
    rc = op->fn(c, &a);
    cx_args_free(&a);
    return rc;
}
