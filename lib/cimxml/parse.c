/* The request document: a hardened libxml2 parse and small helpers over its tree. */
#include "internal.h"

#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * The request becomes a small tree of our own, built from libxml2's SAX2 events into one arena
 * freed at once: libxml2 does all the reading (well-formedness, UTF-8, character references,
 * its size limits), but building its own tree (a node, a name from the dictionary and several
 * allocations per element and attribute) took more than half of a GetInstance
 * (docs/performance.md).
 */
struct cx_node {
    const char *name; /* NULL for an element in a namespace: it matches nothing */
    cx_node *parent, *first, *last, *next;
    const char **attrs; /* name, value, name, value, ..., NULL (no namespaced attributes) */
    char *text;         /* the character data directly inside, NUL-terminated; NULL: none */
    size_t text_len, text_cap;
};

typedef struct cx_block {
    struct cx_block *next;
    size_t used, size;
    max_align_t data[];
} cx_block;

struct cx_doc {
    atomic_uint refs; /* the request reading it, and the cache of requests (reqcache.c) */
    cx_block *blocks;
    cx_node *root;
};

#define CX_BLOCK 8192

static void *cx_alloc(cx_doc *d, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    cx_block *b = d->blocks;
    if (!b || b->size - b->used < n) {
        size_t size = n > CX_BLOCK / 2 ? n : CX_BLOCK;
        cx_block *nb = malloc(sizeof *nb + size);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->size = size;
        if (n > CX_BLOCK / 2 && b) { /* a large piece: keep filling the current block */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            d->blocks = nb;
        }
        b = nb;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    return p;
}

static char *cx_strndup(cx_doc *d, const char *s, size_t n)
{
    char *p = cx_alloc(d, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

cx_doc *cx_doc_ref(cx_doc *d)
{
    if (d)
        atomic_fetch_add(&d->refs, 1);
    return d;
}

void cx_doc_free(cx_doc *d)
{
    if (!d || atomic_fetch_sub(&d->refs, 1) != 1)
        return;
    for (cx_block *b = d->blocks, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    free(d);
}

cx_node *cx_root(const cx_doc *d)
{
    return d ? d->root : NULL;
}

typedef struct cx_parse_state {
    xmlParserCtxtPtr ctxt;
    cx_doc *doc;
    cx_node *cur;    /* the element being read */
    int doctype;     /* a DOCTYPE was seen: refused */
    int nomem;       /* the tree could not be built */
    char first[160]; /* the first parser error, for the CIMError body */
} cx_parse_state;

static void cx_stop(cx_parse_state *st)
{
    st->nomem = 1;
    xmlStopParser(st->ctxt);
}

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

/* Attribute values arrive decoded, except that without entity substitution libxml2 leaves a
 * '&' as "&#38;" for its own tree builder to decode (there are no other entities: no DTD). */
static char *cx_attr_value(cx_doc *d, const char *v, const char *end)
{
    char *out = cx_alloc(d, (size_t)(end - v) + 1), *o = out;
    if (!out)
        return NULL;
    const char *amp;
    while ((amp = memchr(v, '&', (size_t)(end - v))) != NULL) {
        memcpy(o, v, (size_t)(amp - v));
        o += amp - v;
        *o++ = '&';
        v = amp + (end - amp >= 5 && memcmp(amp, "&#38;", 5) == 0 ? 5 : 1);
    }
    memcpy(o, v, (size_t)(end - v));
    o += end - v;
    *o = '\0';
    return out;
}

static void cx_sax_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                         const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                         int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    xmlParserCtxtPtr p = ctx;
    cx_parse_state *st = p->_private;
    cx_doc *d = st->doc;
    cx_node *n = cx_alloc(d, sizeof *n);
    const char **attrs = n ? cx_alloc(d, (size_t)(2 * nb_attributes + 1) * sizeof *attrs) : NULL;
    if (!attrs) {
        cx_stop(st);
        return;
    }
    memset(n, 0, sizeof *n);
    n->name = uri ? NULL : cx_strndup(d, (const char *)localname, strlen((const char *)localname));
    if (!uri && !n->name) {
        cx_stop(st);
        return;
    }
    int k = 0;
    for (int i = 0; i < nb_attributes; i++) {
        const xmlChar **a = attributes + 5 * i; /* localname, prefix, URI, value, end */
        if (a[2])
            continue;
        attrs[k] = cx_strndup(d, (const char *)a[0], strlen((const char *)a[0]));
        attrs[k + 1] = cx_attr_value(d, (const char *)a[3], (const char *)a[4]);
        if (!attrs[k] || !attrs[k + 1]) {
            cx_stop(st);
            return;
        }
        k += 2;
    }
    attrs[k] = NULL;
    n->attrs = attrs;
    n->parent = st->cur;
    if (st->cur) {
        if (st->cur->last)
            st->cur->last->next = n;
        else
            st->cur->first = n;
        st->cur->last = n;
    } else if (!d->root) {
        d->root = n;
    }
    st->cur = n;
}

static void cx_sax_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                       const xmlChar *uri)
{
    xmlParserCtxtPtr p = ctx;
    cx_parse_state *st = p->_private;
    if (st->cur)
        st->cur = st->cur->parent;
}

static void cx_sax_text(void *ctx, const xmlChar *ch, int len)
{
    xmlParserCtxtPtr p = ctx;
    cx_parse_state *st = p->_private;
    cx_node *n = st->cur;
    if (!n || len <= 0)
        return;
    size_t need = n->text_len + (size_t)len + 1;
    if (need > n->text_cap) {
        size_t cap = n->text_cap ? 2 * n->text_cap : 64;
        while (cap < need)
            cap *= 2;
        char *t = cx_alloc(st->doc, cap);
        if (!t) {
            cx_stop(st);
            return;
        }
        if (n->text_len)
            memcpy(t, n->text, n->text_len);
        n->text = t;
        n->text_cap = cap;
    }
    memcpy(n->text + n->text_len, ch, (size_t)len);
    n->text_len += (size_t)len;
    n->text[n->text_len] = '\0';
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

cx_doc *cx_parse(cimjob_cimxml *svc, const char *body, size_t len, char *why, size_t why_size)
{
    cx_parse_state st;
    memset(&st, 0, sizeof st);
    if (len > (size_t)INT32_MAX) {
        snprintf(why, why_size, "request too large");
        return NULL;
    }
    uint64_t hash;
    cx_doc *known = cx_reqcache_get(svc->rq, body, len, &hash);
    if (known)
        return known;
    unsigned uses;
    xmlParserCtxtPtr p = cx_ctxt_get(svc, &uses);
    st.doc = calloc(1, sizeof *st.doc);
    if (st.doc)
        atomic_init(&st.doc->refs, 1);
    if (!p || !st.doc) {
        if (p)
            xmlFreeParserCtxt(p);
        free(st.doc);
        snprintf(why, why_size, "out of memory");
        return NULL;
    }
    st.ctxt = p;
    p->_private = &st;
    /* Only our handlers: no tree of libxml2's, no entity or DTD handling at all. */
    memset(p->sax, 0, sizeof *p->sax);
    p->sax->initialized = XML_SAX2_MAGIC;
    p->sax->internalSubset = cx_refuse_doctype;
    p->sax->startElementNs = cx_sax_start;
    p->sax->endElementNs = cx_sax_end;
    p->sax->characters = cx_sax_text;
    p->sax->ignorableWhitespace = cx_sax_text;
    p->sax->cdataBlock = cx_sax_text;
    p->sax->serror = cx_parse_error;
    /* No NOENT (no entity substitution), no DTDLOAD/DTDATTR/DTDVALID, no network, no XInclude,
     * and no HUGE: libxml2's own size limits stay on. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
    /* The push parser reads the whole body in one call: the pull parser (xmlCtxtReadMemory)
     * asks its memory input for more bytes at nearly every token of a document this small,
     * which cost a quarter of a GetInstance (docs/performance.md). */
    if (xmlCtxtResetPush(p, body, (int)len, NULL, NULL) == 0) {
        xmlCtxtUseOptions(p, opts);
        xmlParseChunk(p, NULL, 0, 1);
    } else {
        st.nomem = 1;
    }
    if (p->myDoc) { /* none: there is no startDocument handler */
        xmlFreeDoc(p->myDoc);
        p->myDoc = NULL;
    }
    int well_formed = p->wellFormed && !st.nomem && st.doc->root;
    if (st.doctype)
        snprintf(why, why_size, "a DOCTYPE is not accepted in a CIM-XML request");
    else if (st.nomem)
        snprintf(why, why_size, "out of memory");
    else if (!well_formed)
        snprintf(why, why_size, "%s", st.first[0] ? st.first : "not well-formed XML");
    /* A context that refused a document, or that has served its share, is not reused. */
    if (st.doctype || !well_formed)
        xmlFreeParserCtxt(p);
    else
        cx_ctxt_put(svc, p, uses + 1);
    if (st.doctype || !well_formed) {
        cx_doc_free(st.doc);
        return NULL;
    }
    cx_reqcache_put(svc->rq, body, len, hash, st.doc);
    return st.doc;
}

int cx_is(const cx_node *n, const char *name)
{
    return n && n->name && strcmp(n->name, name) == 0;
}

cx_node *cx_child(const cx_node *n)
{
    return n ? n->first : NULL;
}

cx_node *cx_next(const cx_node *n)
{
    return n ? n->next : NULL;
}

const char *cx_attr(const cx_node *n, const char *name)
{
    for (const char **a = n ? n->attrs : NULL; a && a[0]; a += 2)
        if (strcmp(a[0], name) == 0)
            return a[1];
    return NULL;
}

char *cx_text(const cx_node *n)
{
    return strdup(n && n->text ? n->text : "");
}

int cx_fail(cx_ctx *c, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return status;
}

int cx_namespace(cx_ctx *c, const cx_node *lnp)
{
    if (!cx_is(lnp, "LOCALNAMESPACEPATH"))
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "expected LOCALNAMESPACEPATH");
    char ns[128];
    size_t len = 0;
    int parts = 0;
    for (cx_node *n = cx_child(lnp); n; n = cx_next(n)) {
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

int cx_instance_id(cx_ctx *c, const cx_node *in, const cx_class **cls, char **id)
{
    *id = NULL;
    if (!cx_is(in, "INSTANCENAME"))
        return cx_fail(c, CX_ERR_INVALID_PARAMETER, "expected INSTANCENAME");
    const char *cname = cx_attr(in, "CLASSNAME");
    const cx_class *k = cname ? cx_class_find(cname) : NULL;
    if (!k)
        return cx_fail(c, CX_ERR_INVALID_CLASS, "no class '%.100s' here", cname ? cname : "");
    *cls = k;
    const cx_node *kv = NULL;
    int keys = 0;
    for (cx_node *n = cx_child(in); n; n = cx_next(n)) {
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
