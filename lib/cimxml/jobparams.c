/*
 * JobInParameters and JobOutParameters (CIM_ConcreteJob 2.38.0) of the jobs StartJob makes.
 *
 * The MOF qualifies both EmbeddedObject and names their classes: "an embedded instance with a
 * class name of __JobInParameters" holding a property per input parameter of the call (same
 * name and type), and one of "__JobOutParameters" holding the output parameters and the return
 * value as __ReturnValue, REF-typed ones as Reference-qualified strings in WBEM URI format,
 * NULL unless the job is Completed. DSP0201 carries an embedded instance as the INSTANCE
 * element escaped into the PROPERTY's VALUE text (EmbeddedObject="object" on the PROPERTY).
 */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A parameter's value as the job saw it: booleans as TRUE/FALSE, integers without a '+'. */
static void cx_in_value(cx_ctx *c, cx_out *o, const char *type, const char *text)
{
    char num[32];
    if (strcmp(type, "boolean") == 0) {
        int b;
        if (cx_bool_text(c, "", text, &b) == CX_OK)
            text = b ? "TRUE" : "FALSE";
    } else if (type[0] == 'u' || (type[0] == 's' && strcmp(type, "string") != 0)) {
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (end != text && !*end && errno == 0) {
            snprintf(num, sizeof num, "%lld", v);
            text = num;
        }
    }
    cx_value(o, text);
}

/* StartJob's Environment is left out: its values may hold secrets, and an instance is read
 * by every account that may see the job (also ReadOnly ones). */
static int cx_in_withheld(const cx_parameter *p)
{
    return strcmp(p->name, "Environment") == 0;
}

char *cx_job_in_text(cx_ctx *c, const cx_method *m, cx_node *const *nodes)
{
    cx_out t;
    memset(&t, 0, sizeof t);
    cx_start(&t, "INSTANCE");
    cx_attr_w(&t, "CLASSNAME", "__JobInParameters");
    for (unsigned i = 0; i < m->nparams; i++) {
        const cx_parameter *p = &m->params[i];
        /* A parameter the call did not pass has no property (NULL: no class declares a
         * default); one passed as NULL has a property without a VALUE. */
        if (!p->in || strcmp(p->type, "reference") == 0 || cx_in_withheld(p) || !nodes[i])
            continue;
        cx_start(&t, p->is_array ? "PROPERTY.ARRAY" : "PROPERTY");
        cx_attr_w(&t, "NAME", p->name);
        cx_attr_w(&t, "TYPE", p->type);
        cx_node *v = cx_child(nodes[i]); /* NULL: no VALUE */
        if (v && p->is_array && cx_is(v, "VALUE.ARRAY")) {
            cx_start(&t, "VALUE.ARRAY");
            for (cx_node *k = cx_child(v); k; k = cx_next(k)) {
                char *text = cx_text(k);
                if (!text)
                    t.failed = 1;
                else
                    cx_in_value(c, &t, p->type, text);
                free(text);
            }
            cx_end(&t);
        } else if (v && !p->is_array && cx_is(v, "VALUE")) {
            char *text = cx_text(v);
            if (!text)
                t.failed = 1;
            else
                cx_in_value(c, &t, p->type, text);
            free(text);
        }
        cx_end(&t);
    }
    cx_end(&t);
    size_t len;
    char *text = t.failed ? NULL : cx_out_take(&t, &len);
    cx_out_discard(&t);
    return text;
}

static void cx_out_prop(cx_out *o, const char *name, const char *type, const char *value)
{
    cx_start(o, "PROPERTY");
    cx_attr_w(o, "NAME", name);
    cx_attr_w(o, "TYPE", type);
    if (value)
        cx_value(o, value);
    cx_end(o);
}

/* The job's path in WBEM URI format (DSP0207): [//host]/root/cimv2:Class.InstanceID="..." with
 * '"' and '\' escaped in the key's string literal. */
static void cx_job_uri(const cx_ctx *c, const char *id, char *buf, size_t size)
{
    size_t n =
        (size_t)snprintf(buf, size, "%s%s/root/cimv2:%s.InstanceID=\"", c->svc->host ? "//" : "",
                         c->svc->host ? c->svc->host : "", c->svc->job_class->name);
    for (; *id && n + 3 < size; id++) {
        if (*id == '"' || *id == '\\')
            buf[n++] = '\\';
        buf[n++] = *id;
    }
    if (n + 2 <= size) {
        buf[n++] = '"';
        buf[n] = '\0';
    } else {
        buf[size - 1] = '\0';
    }
}

void cx_job_out_value(cx_ctx *c, cx_out *o, const cimjob_info *info)
{
    if (info->job_state != CIMJOB_JOB_STATE_COMPLETED ||
        !cx_side_in_value(c->svc->side, info->instance_id, NULL))
        return; /* NULL: not Completed, or not a StartJob job (no call to report on) */
    cx_out t;
    memset(&t, 0, sizeof t);
    char num[16], uri[2 * CIMJOB_INSTANCE_ID_MAX + 512];
    cx_start(&t, "INSTANCE");
    cx_attr_w(&t, "CLASSNAME", "__JobOutParameters");
    /* StartJob's value had it run to the end before answering: 0, no error. */
    cx_out_prop(&t, "__ReturnValue", "uint32", "0");
    /* StartJob's OUT parameter Job (a REF): a Reference-qualified string. */
    cx_start(&t, "PROPERTY");
    cx_attr_w(&t, "NAME", "Job");
    cx_attr_w(&t, "TYPE", "string");
    cx_start(&t, "QUALIFIER");
    cx_attr_w(&t, "NAME", "Reference");
    cx_attr_w(&t, "TYPE", "string");
    cx_value(&t, c->svc->job_class->name);
    cx_end(&t);
    cx_job_uri(c, info->instance_id, uri, sizeof uri);
    cx_value(&t, uri);
    cx_end(&t);
    /* What the job produced: its main process's exit status (NULL for work that is not a
     * process, or that a signal ended). */
    if (info->exit_status >= 0)
        snprintf(num, sizeof num, "%d", info->exit_status);
    cx_out_prop(&t, "ExitStatus", "sint32", info->exit_status >= 0 ? num : NULL);
    cx_end(&t);
    size_t len;
    char *text = t.failed ? NULL : cx_out_take(&t, &len);
    cx_out_discard(&t);
    if (!text) {
        o->failed = 1;
        return;
    }
    cx_value(o, text);
    free(text);
}
