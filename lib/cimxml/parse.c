/* The request document: a hardened libxml2 parse and small helpers over its tree. */
#include "internal.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct cx_parse_state {
    int doctype;     /* a DOCTYPE was seen: refused */
    char first[160]; /* the first parser error, for the CIMError body */
} cx_parse_state;

/* SAX internalSubset: any DOCTYPE ends the parse. CIM-XML requests need none, and refusing it
 * outright closes XXE and entity expansion (billion laughs) before any declaration is read. */
static void cx_refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *eid,
                              const xmlChar *sid)
{
    xmlParserCtxtPtr p = ctx;
    cx_parse_state *st = p->_private;
    st->doctype = 1;
    xmlStopParser(p);
}

/* Errors are collected, never printed (a library prints nothing). */
static void cx_parse_error(void *ctx, xmlErrorPtr err)
{
    xmlParserCtxtPtr p = ctx;
    cx_parse_state *st = p ? p->_private : NULL;
    if (!st || st->first[0] || !err || !err->message)
        return;
    snprintf(st->first, sizeof st->first, "line %d: %s", err->line, err->message);
    size_t n = strlen(st->first);
    while (n && (st->first[n - 1] == '\n' || st->first[n - 1] == ' '))
        st->first[--n] = '\0';
}

/*
 * Parser contexts are kept for reuse (a new one costs a quarter of parsing a GetInstance): a
 * few idle ones per service, each retired after CX_CTXT_USES parses so that its dictionary of
 * names cannot grow without bound.
 */
#define CX_CTXT_USES 1000

static xmlParserCtxtPtr cx_ctxt_get(cimjob_cimxml *svc, unsigned *uses)
{
    xmlParserCtxtPtr p = NULL;
    *uses = 0;
    pthread_mutex_lock(&svc->ctxt_lock);
    if (svc->nctxt > 0) {
        svc->nctxt--;
        p = svc->ctxts[svc->nctxt].ctxt;
        *uses = svc->ctxts[svc->nctxt].uses;
    }
    pthread_mutex_unlock(&svc->ctxt_lock);
    return p ? p : xmlNewParserCtxt();
}

static void cx_ctxt_put(cimjob_cimxml *svc, xmlParserCtxtPtr p, unsigned uses)
{
    int keep = 0;
    p->_private = NULL;
    if (uses < CX_CTXT_USES) {
        pthread_mutex_lock(&svc->ctxt_lock);
        if ((keep = svc->nctxt < CX_CTXT_POOL) != 0) {
            svc->ctxts[svc->nctxt].ctxt = p;
            svc->ctxts[svc->nctxt].uses = uses;
            svc->nctxt++;
        }
        pthread_mutex_unlock(&svc->ctxt_lock);
    }
    if (!keep)
        xmlFreeParserCtxt(p);
}

void cx_ctxt_pool_free(cimjob_cimxml *svc)
{
    for (int i = 0; i < svc->nctxt; i++)
        xmlFreeParserCtxt(svc->ctxts[i].ctxt);
    svc->nctxt = 0;
}

xmlDoc *cx_parse(cimjob_cimxml *svc, const char *body, size_t len, char *why, size_t why_size)
{
    cx_parse_state st = {0, {0}};
    if (len > (size_t)INT32_MAX) {
        snprintf(why, why_size, "request too large");
        return NULL;
    }
    unsigned uses;
    xmlParserCtxtPtr p = cx_ctxt_get(svc, &uses);
    if (!p) {
        snprintf(why, why_size, "out of memory");
        return NULL;
    }
    p->_private = &st;
    p->sax->internalSubset = cx_refuse_doctype;
    p->sax->serror = cx_parse_error;
    p->sax->error = NULL;
    p->sax->warning = NULL;
    /* No NOENT (no entity substitution), no DTDLOAD/DTDATTR/DTDVALID, no network, no XInclude,
     * and no HUGE: libxml2's own size limits stay on. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
               XML_PARSE_NOBLANKS | XML_PARSE_COMPACT;
    xmlDoc *doc = xmlCtxtReadMemory(p, body, (int)len, NULL, NULL, opts);
    int well_formed = p->wellFormed;
    if (st.doctype) {
        snprintf(why, why_size, "a DOCTYPE is not accepted in a CIM-XML request");
    } else if (!doc || !well_formed) {
        snprintf(why, why_size, "%s", st.first[0] ? st.first : "not well-formed XML");
    }
    if (doc && (st.doctype || !well_formed)) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    /* A context that refused a document, or that has served its share, is not reused. */
    if (st.doctype || !well_formed)
        xmlFreeParserCtxt(p);
    else
        cx_ctxt_put(svc, p, uses + 1);
    return doc;
}

int cx_is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns == NULL &&
           strcmp((const char *)n->name, name) == 0;
}

static xmlNode *cx_skip(xmlNode *n)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->next;
    return n;
}

xmlNode *cx_child(const xmlNode *n)
{
    return n ? cx_skip(n->children) : NULL;
}

xmlNode *cx_next(const xmlNode *n)
{
    return n ? cx_skip(n->next) : NULL;
}

const char *cx_attr(const xmlNode *n, const char *name)
{
    for (xmlAttr *a = n ? n->properties : NULL; a; a = a->next) {
        if (a->ns == NULL && strcmp((const char *)a->name, name) == 0) {
            /* Without a DTD there are no entity references: one text child, or none. */
            if (!a->children)
                return "";
            if (a->children->type == XML_TEXT_NODE && !a->children->next && a->children->content)
                return (const char *)a->children->content;
            return NULL;
        }
    }
    return NULL;
}

char *cx_text(const xmlNode *n)
{
    return (char *)xmlNodeGetContent(n);
}

int cx_has_text(const xmlNode *n)
{
    for (const xmlNode *k = n ? n->children : NULL; k; k = k->next) {
        if (k->type != XML_TEXT_NODE && k->type != XML_CDATA_SECTION_NODE)
            continue;
        for (const xmlChar *s = k->content; s && *s; s++)
            if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
                return 1;
    }
    return 0;
}

int cx_fail(cx_ctx *c, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return status;
}

int cx_namespace(cx_ctx *c, const xmlNode *lnp)
{
    if (!cx_is(lnp, "LOCALNAMESPACEPATH"))
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "expected LOCALNAMESPACEPATH");
    char ns[128];
    size_t len = 0;
    int parts = 0;
    for (xmlNode *n = cx_child(lnp); n; n = cx_next(n)) {
        const char *name = cx_attr(n, "NAME");
        if (!cx_is(n, "NAMESPACE") || !name)
            return cx_fail(c, CX_ERR_INVALID_PARAMETER,
                           "LOCALNAMESPACEPATH holds NAMESPACE "
                           "elements with a NAME");
        size_t l = strlen(name);
        if (len + l + 2 > sizeof ns)
            return cx_fail(c, CX_ERR_INVALID_NAMESPACE, "no such namespace");
        if (parts++)
            ns[len++] = '/';
        memcpy(ns + len, name, l);
        len += l;
    }
    ns[len] = '\0';
    if (!parts)
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "empty LOCALNAMESPACEPATH");
    if (strcasecmp(ns, CIMJOB_CIMXML_NAMESPACE) != 0)
        return cx_fail(c, CX_ERR_INVALID_NAMESPACE,
                       "no namespace '%.100s' here (the jobs are "
                       "in " CIMJOB_CIMXML_NAMESPACE ")",
                       ns);
    return CX_OK;
}

int cx_bool_text(cx_ctx *c, const char *what, const char *text, int *out)
{
    /* DSP0201 says TRUE/FALSE in any case; wbemcli sends what the user typed, 1/0 included. */
    while (text && (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r'))
        text++;
    size_t n = text ? strlen(text) : 0;
    while (n && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\n' ||
                 text[n - 1] == '\r'))
        n--;
    if ((n == 4 && strncasecmp(text, "true", 4) == 0) || (n == 1 && text[0] == '1')) {
        *out = 1;
        return CX_OK;
    }
    if ((n == 5 && strncasecmp(text, "false", 5) == 0) || (n == 1 && text[0] == '0')) {
        *out = 0;
        return CX_OK;
    }
    return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s: '%.40s' is not a boolean (TRUE or FALSE)",
                   what, text ? text : "");
}

int cx_uint_text(cx_ctx *c, const char *what, const char *text, unsigned long long max,
                 unsigned long long *out)
{
    const char *s = text ? text : "";
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (*s == '+')
        s++;
    unsigned long long v = 0;
    int digits = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        if (v > (max - (unsigned long long)(*s - '0')) / 10)
            return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s: %.40s is out of range (at most %llu)",
                           what, text, max);
        v = v * 10 + (unsigned long long)(*s - '0');
    }
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (!digits || *s)
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s: '%.40s' is not an unsigned integer", what,
                       text ? text : "");
    *out = v;
    return CX_OK;
}

int cx_instance_id(cx_ctx *c, const xmlNode *in, const cx_class **cls, char **id)
{
    *id = NULL;
    if (!cx_is(in, "INSTANCENAME"))
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "expected INSTANCENAME");
    const char *cname = cx_attr(in, "CLASSNAME");
    const cx_class *k = cname ? cx_class_find(cname) : NULL;
    if (!k)
        return cx_fail(c, CX_ERR_INVALID_CLASS, "no class '%.100s' here", cname ? cname : "");
    *cls = k;
    const xmlNode *kv = NULL;
    int keys = 0;
    for (xmlNode *n = cx_child(in); n; n = cx_next(n)) {
        if (cx_is(n, "KEYVALUE")) { /* the one-key shorthand */
            kv = n;
            keys++;
            continue;
        }
        const char *kname = cx_attr(n, "NAME");
        if (!cx_is(n, "KEYBINDING") || !kname)
            return cx_fail(c, CX_ERR_INVALID_PARAMETER, "INSTANCENAME holds KEYBINDING elements");
        keys++;
        /* Key names arrive in the user's spelling (wbemcli): compare without case. */
        if (strcasecmp(kname, "InstanceID") != 0)
            return cx_fail(c, CX_ERR_INVALID_PARAMETER,
                           "'%.100s' is not a key of %s (its only key is InstanceID)", kname,
                           k->name);
        kv = cx_child(n);
        if (!cx_is(kv, "KEYVALUE"))
            return cx_fail(c, CX_ERR_INVALID_PARAMETER, "InstanceID is a string KEYVALUE");
    }
    if (keys != 1 || !kv)
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "%s has exactly one key, InstanceID (%d given)",
                       k->name, keys);
    *id = cx_text(kv);
    if (!*id)
        return cx_fail(c, CX_ERR_FAILED, "out of memory");
    return CX_OK;
}
