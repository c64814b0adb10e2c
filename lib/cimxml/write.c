/*
 * The response document. wbemcli's reader is strict:
 * every element but CLASSNAME, NAMESPACE and ERROR gets an end tag, VALUE carries no attribute,
 * no comments, CDATA or DOCTYPE, and the XML declaration is always there.
 */
#include "internal.h"

#include <libxml/xmlstring.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The document is written into one growing buffer that becomes the response body without a
 * copy. libxml2's tree writer (xmlTextWriter) and output buffer cost a call chain, a list node
 * or a chunked copy per element; an EnumerateInstances of 1 000 jobs (48 000 properties, 5 MB)
 * took 45-70 ms with them (docs/performance.md). The escaping is XML 1.0's: & < > everywhere,
 * and in attribute values also " and the whitespace characters attribute-value normalisation
 * would fold (as character references). Every response the suites produce is validated against
 * DSP0203 with libxml2, and the fuzz target reads every one back with libxml2.
 */
static void cx_raw(cx_out *o, const char *s, size_t n)
{
    if (o->failed)
        return;
    if (o->cap - o->len < n + 1) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap - o->len < n + 1) {
            if (cap > SIZE_MAX / 2) {
                o->failed = 1;
                return;
            }
            cap *= 2;
        }
        char *nb = realloc(o->buf, cap);
        if (!nb) {
            o->failed = 1;
            return;
        }
        o->buf = nb;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

void cx_reserve(cx_out *o, size_t n)
{
    size_t len = o->len;
    cx_raw(o, "", 0); /* allocate if needed */
    if (!o->failed && o->cap - len < n + 1) {
        char *nb = realloc(o->buf, len + n + 1);
        if (nb) {
            o->buf = nb;
            o->cap = len + n + 1;
        }
    }
}

size_t cx_out_len(const cx_out *o)
{
    return o->len;
}

void cx_fragment(cx_out *o, const char *s, size_t n)
{
    if (o->open) {
        cx_raw(o, ">", 1);
        o->open = 0;
    }
    cx_raw(o, s, n);
}

/* How a piece holds its text. */
enum cx_hold {
    CX_REF_TAKE,    /* it takes a reference of its own */
    CX_REF_HANDED,  /* it takes over the caller's (dropped when the piece cannot be added) */
    CX_REF_BORROWED /* none: the response's epoch keeps the text */
};

static void cx_piece_add_ref(cx_out *o, cx_shared *ref, size_t off, size_t len, enum cx_hold hold)
{
    if (o->failed || len == 0) {
        if (hold == CX_REF_HANDED)
            cx_shared_unref(ref);
        return;
    }
    if (o->npieces == o->piececap) {
        size_t cap = o->piececap ? 2 * o->piececap : 64;
        cx_piece *np = realloc(o->pieces, cap * sizeof *np);
        if (!np) {
            o->failed = 1;
            if (hold == CX_REF_HANDED)
                cx_shared_unref(ref);
            return;
        }
        o->pieces = np;
        o->piececap = cap;
    }
    if (ref && hold == CX_REF_TAKE)
        atomic_fetch_add(&ref->refs, 1);
    o->pieces[o->npieces++] = (cx_piece){ref, off, len, hold == CX_REF_BORROWED};
}

static void cx_piece_add(cx_out *o, cx_shared *ref, size_t off, size_t len)
{
    cx_piece_add_ref(o, ref, off, len, CX_REF_TAKE);
}

void cx_piece_add_tail(cx_out *o)
{
    cx_piece_add(o, NULL, o->mark, o->len - o->mark);
    o->mark = o->len;
}

/* A piece of @p t after the bytes written since the last piece (a pieced @p o). */
static void cx_out_piece(cx_out *o, cx_shared *t, size_t off, size_t n, enum cx_hold hold)
{
    if (o->open) {
        cx_raw(o, ">", 1);
        o->open = 0;
    }
    cx_piece_add(o, NULL, o->mark, o->len - o->mark);
    cx_piece_add_ref(o, t, off, n, hold);
    o->mark = o->len;
}

void cx_out_shared_owned(cx_out *o, cx_shared *t, size_t off, size_t n)
{
    if (!o->pieced) {
        cx_fragment(o, t->text + off, n);
        cx_shared_unref(t);
        return;
    }
    cx_out_piece(o, t, off, n, CX_REF_HANDED);
}

void cx_out_shared_borrowed(cx_out *o, cx_shared *t, size_t off, size_t n)
{
    cx_out_piece(o, t, off, n, CX_REF_BORROWED);
}

void cx_out_shared(cx_out *o, cx_shared *t, size_t off, size_t n)
{
    if (!o->pieced) {
        cx_fragment(o, t->text + off, n);
        return;
    }
    atomic_fetch_add(&t->refs, 1);
    cx_out_shared_owned(o, t, off, n);
}

static void cx_lit(cx_out *o, const char *s)
{
    cx_raw(o, s, strlen(s));
}

/* End a start tag still open for attributes. */
static void cx_close_tag(cx_out *o)
{
    if (o->open) {
        cx_raw(o, ">", 1);
        o->open = 0;
    }
}

/* What each byte needs in XML text: written as it is (0), escaped in attribute values only (1),
 * escaped everywhere (2), the end of the string (3), cleaning first (4: a control character or
 * any non-ASCII byte). One table lookup per byte instead of a switch. */
enum { CX_ESC_PLAIN, CX_ESC_ATTR, CX_ESC_ALWAYS, CX_ESC_END, CX_ESC_CLEAN };
static const unsigned char cx_esc_class[256] = {
    3, 4, 4, 4, 4, 4, 4, 4, 4, 1, 1, 4, 4, 2, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

static const char *cx_esc_rep(unsigned char ch)
{
    switch (ch) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '\r':
        return "&#13;";
    case '"':
        return "&quot;";
    case '\n':
        return "&#10;";
    default: /* '\t' */
        return "&#9;";
    }
}

/* Write text escaped, in one pass. Returns -1, having written nothing, when the text holds a
 * byte that may need cleaning first (a control character or any non-ASCII byte). */
static int cx_escaped(cx_out *o, const char *s, int attr)
{
    const unsigned char *p = (const unsigned char *)s, *run = p;
    const unsigned char special = attr ? CX_ESC_ATTR : CX_ESC_ALWAYS;
    size_t start = o->len;
    for (;; p++) {
        unsigned char k = cx_esc_class[*p];
        if (k < special)
            continue;
        if (k == CX_ESC_CLEAN) {
            o->len = start;
            return -1;
        }
        cx_raw(o, (const char *)run, (size_t)(p - run));
        if (k == CX_ESC_END)
            return 0;
        cx_lit(o, cx_esc_rep(*p));
        run = p + 1;
    }
}

int cx_out_begin(cx_out *o, const char *msgid, int intrinsic, const char *method)
{
    memset(o, 0, sizeof *o);
    /* version and encoding, never standalone: wbemcli's reader wants exactly that */
    cx_lit(o, "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n");
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
    while (o->depth > 0)
        cx_end(o);
    return o->failed ? -1 : 0;
}

char *cx_out_take(cx_out *o, size_t *len)
{
    if (o->failed || !o->buf || o->npieces) /* a pieced document is taken as a body */
        return NULL;
    o->buf[o->len] = '\0'; /* cx_raw always leaves room for it */
    char *body = o->buf;
    *len = o->len;
    o->buf = NULL;
    o->len = o->cap = 0;
    return body;
}

void cx_out_discard(cx_out *o)
{
    cx_pieces_unref(o->pieces, o->npieces);
    free(o->pieces);
    cx_epoch_leave(o->epoch);
    o->epoch = NULL;
    o->pieces = NULL;
    o->npieces = o->piececap = o->mark = 0;
    free(o->buf);
    o->buf = NULL;
    o->len = o->cap = 0;
    o->depth = 0;
    o->open = 0;
}

void cx_start(cx_out *o, const char *el)
{
    cx_close_tag(o);
    if (o->depth == CX_OUT_DEPTH) {
        o->failed = 1;
        return;
    }
    o->stack[o->depth++] = el;
    cx_raw(o, "<", 1);
    cx_lit(o, el);
    o->open = 1;
}

void cx_end(cx_out *o)
{
    if (o->depth == 0) {
        o->failed = 1;
        return;
    }
    const char *el = o->stack[--o->depth];
    cx_close_tag(o);
    cx_raw(o, "</", 2);
    cx_lit(o, el);
    cx_raw(o, ">", 1);
}

void cx_end_empty(cx_out *o)
{
    if (!o->open) {
        cx_end(o);
        return;
    }
    o->depth--;
    o->open = 0;
    cx_raw(o, "/>", 2);
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

/* Escaped text; invalid UTF-8 and characters XML forbids become '?' first. */
static void cx_put(cx_out *o, const char *text, int attr)
{
    if (cx_escaped(o, text, attr) == 0)
        return;
    char *tmp;
    const char *v = cx_clean(text, &tmp);
    if (!v) {
        o->failed = 1;
        return;
    }
    const char *w = v;
    char *ascii = NULL;
    /* cx_escaped refuses any non-ASCII byte; valid UTF-8 is written as it is. */
    if (cx_escaped(o, w, attr) != 0) {
        size_t n = strlen(w);
        ascii = malloc(n + 1);
        if (!ascii) {
            o->failed = 1;
            free(tmp);
            return;
        }
        /* escape the ASCII specials around the UTF-8 sequences */
        const char *run = w;
        for (const char *p = w;; p++) {
            if (*p == '\0' || (unsigned char)*p >= 0x80) {
                size_t l = (size_t)(p - run);
                memcpy(ascii, run, l);
                ascii[l] = '\0';
                cx_escaped(o, ascii, attr);
                if (*p == '\0')
                    break;
                const char *q = p;
                while ((unsigned char)*q >= 0x80)
                    q++;
                cx_raw(o, p, (size_t)(q - p));
                p = q - 1;
                run = q;
            }
        }
    }
    free(ascii);
    free(tmp);
}

void cx_attr_w(cx_out *o, const char *name, const char *value)
{
    if (!o->open) {
        o->failed = 1;
        return;
    }
    cx_raw(o, " ", 1);
    cx_lit(o, name);
    cx_raw(o, "=\"", 2);
    cx_put(o, value ? value : "", 1);
    cx_raw(o, "\"", 1);
}

void cx_text_w(cx_out *o, const char *text)
{
    cx_close_tag(o);
    cx_put(o, text ? text : "", 0);
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
