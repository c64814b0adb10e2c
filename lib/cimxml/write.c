/*
 * The response document, written with libxml2's xmlTextWriter. wbemcli's reader is strict:
 * every element but CLASSNAME, NAMESPACE and ERROR gets an end tag, VALUE carries no attribute,
 * no comments, CDATA or DOCTYPE, and the XML declaration is always there.
 */
#include "internal.h"

#include <libxml/xmlstring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libxml2 spells UTF-8 text as xmlChar; BAD_CAST would drop const. */
static const xmlChar *cx_x(const char *s)
{
    return (const xmlChar *)s;
}

static void cx_check(cx_out *o, int rc)
{
    if (rc < 0)
        o->failed = 1;
}

int cx_out_begin(cx_out *o, const char *msgid, int intrinsic, const char *method)
{
    memset(o, 0, sizeof *o);
    o->buf = xmlBufferCreateSize(4096);
    if (!o->buf)
        return -1;
    o->w = xmlNewTextWriterMemory(o->buf, 0);
    if (!o->w) {
        xmlBufferFree(o->buf);
        o->buf = NULL;
        return -1;
    }
    cx_check(o, xmlTextWriterStartDocument(o->w, "1.0", "utf-8", NULL));
    cx_start(o, "CIM");
    cx_attr_w(o, "CIMVERSION", "2.0");
    cx_attr_w(o, "DTDVERSION", "2.0");
    cx_start(o, "MESSAGE");
    cx_attr_w(o, "ID", msgid && *msgid ? msgid : "0");
    cx_attr_w(o, "PROTOCOLVERSION", "1.0");
    cx_start(o, "SIMPLERSP");
    cx_start(o, intrinsic ? "IMETHODRESPONSE" : "METHODRESPONSE");
    cx_attr_w(o, "NAME", method);
    return o->failed ? -1 : 0;
}

int cx_out_end(cx_out *o)
{
    cx_check(o, xmlTextWriterEndDocument(o->w)); /* closes every open element with end tags */
    cx_check(o, xmlTextWriterFlush(o->w));
    return o->failed ? -1 : 0;
}

void cx_out_discard(cx_out *o)
{
    if (o->w)
        xmlFreeTextWriter(o->w);
    if (o->buf)
        xmlBufferFree(o->buf);
    o->w = NULL;
    o->buf = NULL;
}

void cx_start(cx_out *o, const char *el)
{
    cx_check(o, xmlTextWriterStartElement(o->w, cx_x(el)));
}

void cx_end(cx_out *o)
{
    cx_check(o, xmlTextWriterFullEndElement(o->w));
}

void cx_end_empty(cx_out *o)
{
    cx_check(o, xmlTextWriterEndElement(o->w));
}

/* Valid XML text only: invalid UTF-8 and characters XML 1.0 forbids become '?'. Returns the
 * text itself when it is clean (the common case), else a malloc'd copy in *tmp. */
static const char *cx_clean(const char *s, char **tmp)
{
    *tmp = NULL;
    size_t n = strlen(s);
    int clean = 1;
    for (size_t i = 0; i < n && clean; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x80 || (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r'))
            clean = 0;
    }
    if (clean)
        return s;
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x80) {
            d[j++] = (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') ? '?' : (char)ch;
            i++;
            continue;
        }
        int len = (int)(n - i > 4 ? 4 : n - i);
        int cp = xmlGetUTF8Char((const unsigned char *)s + i, &len);
        if (cp < 0 || len <= 0 ||
            !((cp >= 0x80 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
              (cp >= 0x10000 && cp <= 0x10FFFF))) {
            d[j++] = '?';
            i++;
            continue;
        }
        memcpy(d + j, s + i, (size_t)len);
        j += (size_t)len;
        i += (size_t)len;
    }
    d[j] = '\0';
    *tmp = d;
    return d;
}

void cx_attr_w(cx_out *o, const char *name, const char *value)
{
    char *tmp;
    const char *v = cx_clean(value ? value : "", &tmp);
    if (!v) {
        o->failed = 1;
        return;
    }
    cx_check(o, xmlTextWriterWriteAttribute(o->w, cx_x(name), cx_x(v)));
    free(tmp);
}

void cx_text_w(cx_out *o, const char *text)
{
    char *tmp;
    const char *v = cx_clean(text ? text : "", &tmp);
    if (!v) {
        o->failed = 1;
        return;
    }
    cx_check(o, xmlTextWriterWriteString(o->w, cx_x(v)));
    free(tmp);
}

void cx_value(cx_out *o, const char *text)
{
    cx_start(o, "VALUE");
    cx_text_w(o, text);
    cx_end(o);
}

void cx_error(cx_out *o, int code, const char *description)
{
    char num[16];
    snprintf(num, sizeof num, "%d", code);
    cx_start(o, "ERROR");
    cx_attr_w(o, "CODE", num);
    if (description && *description)
        cx_attr_w(o, "DESCRIPTION", description);
    cx_end_empty(o); /* wbemcli fails on an ERROR holding a CIM_Error INSTANCE: none here */
}

void cx_localnamespacepath(cx_out *o)
{
    cx_start(o, "LOCALNAMESPACEPATH");
    cx_start(o, "NAMESPACE");
    cx_attr_w(o, "NAME", "root");
    cx_end_empty(o);
    cx_start(o, "NAMESPACE");
    cx_attr_w(o, "NAME", "cimv2");
    cx_end_empty(o);
    cx_end(o);
}

void cx_instancename(cx_out *o, const char *classname, const char *instance_id)
{
    cx_start(o, "INSTANCENAME");
    cx_attr_w(o, "CLASSNAME", classname);
    cx_start(o, "KEYBINDING");
    cx_attr_w(o, "NAME", "InstanceID");
    cx_start(o, "KEYVALUE");
    /* VALUETYPE so wbemcli quotes it; TYPE because DSP0203 2.4.0 requires it. */
    cx_attr_w(o, "VALUETYPE", "string");
    cx_attr_w(o, "TYPE", "string");
    cx_text_w(o, instance_id);
    cx_end(o);
    cx_end(o);
    cx_end(o);
}

void cx_qualifiers(cx_out *o, const cx_qualifier *q, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        cx_start(o, "QUALIFIER");
        cx_attr_w(o, "NAME", q[i].name);
        cx_attr_w(o, "TYPE", q[i].type);
        if (q[i].flags & CX_PROPAGATED)
            cx_attr_w(o, "PROPAGATED", "true");
        if (q[i].flags & CX_NOT_OVERRIDABLE)
            cx_attr_w(o, "OVERRIDABLE", "false");
        if (q[i].flags & CX_RESTRICTED)
            cx_attr_w(o, "TOSUBCLASS", "false");
        if (q[i].flags & CX_TRANSLATABLE)
            cx_attr_w(o, "TRANSLATABLE", "true");
        if (q[i].values) {
            if (q[i].is_array) {
                cx_start(o, "VALUE.ARRAY");
                for (unsigned k = 0; k < q[i].nvalues; k++)
                    cx_value(o, q[i].values[k]);
                cx_end(o);
            } else {
                cx_value(o, q[i].values[0]);
            }
        }
        cx_end(o);
    }
}

static const char *const cx_status_names[] = {"CIM_ERR_SUCCESS",
                                              "CIM_ERR_FAILED",
                                              "CIM_ERR_ACCESS_DENIED",
                                              "CIM_ERR_INVALID_NAMESPACE",
                                              "CIM_ERR_INVALID_PARAMETER",
                                              "CIM_ERR_INVALID_CLASS",
                                              "CIM_ERR_NOT_FOUND",
                                              "CIM_ERR_NOT_SUPPORTED",
                                              "CIM_ERR_CLASS_HAS_CHILDREN",
                                              "CIM_ERR_CLASS_HAS_INSTANCES",
                                              "CIM_ERR_INVALID_SUPERCLASS",
                                              "CIM_ERR_ALREADY_EXISTS",
                                              "CIM_ERR_NO_SUCH_PROPERTY",
                                              "CIM_ERR_TYPE_MISMATCH",
                                              "CIM_ERR_QUERY_LANGUAGE_NOT_SUPPORTED",
                                              "CIM_ERR_INVALID_QUERY",
                                              "CIM_ERR_METHOD_NOT_AVAILABLE",
                                              "CIM_ERR_METHOD_NOT_FOUND",
                                              "CIM_ERR_UNEXPECTED_RESPONSE",
                                              "CIM_ERR_INVALID_RESPONSE_DESTINATION",
                                              "CIM_ERR_NAMESPACE_NOT_EMPTY",
                                              "CIM_ERR_INVALID_ENUMERATION_CONTEXT",
                                              "CIM_ERR_INVALID_OPERATION_TIMEOUT",
                                              "CIM_ERR_PULL_HAS_BEEN_ABANDONED",
                                              "CIM_ERR_PULL_CANNOT_BE_ABANDONED",
                                              "CIM_ERR_FILTERED_ENUMERATION_NOT_SUPPORTED",
                                              "CIM_ERR_CONTINUATION_ON_ERROR_NOT_SUPPORTED",
                                              "CIM_ERR_SERVER_LIMITS_EXCEEDED",
                                              "CIM_ERR_SERVER_IS_SHUTTING_DOWN"};

const char *cx_status_name(int status)
{
    if (status == 0)
        return "CIM_ERR_SUCCESS";
    if (status < 0 || (size_t)status >= sizeof cx_status_names / sizeof *cx_status_names)
        return "CIM_ERR_UNKNOWN";
    return cx_status_names[status];
}
