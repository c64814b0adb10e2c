/*
 * A small JSON writer for the documents served most (a Task, the Tasks collection): appending
 * to one buffer is several times cheaper than building a jansson tree and dumping it, and the
 * collection of 10 000 tasks is written straight from the registry's list.
 */
#include "rf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(rf_buf *b, size_t more)
{
    if (b->oom)
        return -1;
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void rf_buf_raw(rf_buf *b, const char *s, size_t n)
{
    if (grow(b, n) != 0)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void rf_buf_lit(rf_buf *b, const char *s)
{
    rf_buf_raw(b, s, strlen(s));
}

void rf_buf_str(rf_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (grow(b, n * 6 + 2) != 0)
        return;
    char *o = b->p + b->len;
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char ch = *p;
        if (ch == '"' || ch == '\\') {
            *o++ = '\\';
            *o++ = (char)ch;
        } else if (ch < 0x20 || ch == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            *o++ = '\\';
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[ch >> 4];
            *o++ = hex[ch & 15];
        } else
            *o++ = (char)ch; /* UTF-8 passes through; jansson checked what came from clients */
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
    b->p[b->len] = '\0';
}

void rf_buf_int(rf_buf *b, long long v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%lld", v);
    rf_buf_raw(b, tmp, (size_t)n);
}

void rf_buf_key(rf_buf *b, const char *key)
{
    if (b->len && b->p[b->len - 1] != '{' && b->p[b->len - 1] != '[')
        rf_buf_raw(b, ",", 1);
    rf_buf_str(b, key);
    rf_buf_raw(b, ":", 1);
}

void rf_buf_kstr(rf_buf *b, const char *key, const char *v)
{
    rf_buf_key(b, key);
    rf_buf_str(b, v);
}

void rf_buf_kint(rf_buf *b, const char *key, long long v)
{
    rf_buf_key(b, key);
    rf_buf_int(b, v);
}

void rf_buf_json(rf_buf *b, json_t *v)
{
    char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (!s) {
        b->oom = 1;
        return;
    }
    rf_buf_lit(b, s);
    free(s);
}

void rf_body(rf_call *c, int status, rf_buf *b)
{
    cimjob_redfish_response *r = c->resp;
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
    if (b->oom || !b->p) {
        free(b->p);
        r->status = 500;
        r->content_type = NULL;
        return;
    }
    r->status = status;
    r->body = b->p;
    r->body_len = b->len;
    r->content_type = "application/json; charset=utf-8";
    b->p = NULL;
}
