/*
 * Pieced response bodies: the response buffer plus references to cached INSTANCE texts, read
 * out in the HTTP server's blocks (cimjob_cimxml_handle_pieces). An EnumerateInstances of
 * 1 000 jobs is 5 MB: assembling it costs a fresh multi-megabyte allocation, its page faults
 * and a copy per request that the server then copies again (docs/performance.md).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct cimjob_cimxml_body {
    char *buf; /* the response buffer: the pieces with no reference point into it */
    cx_piece *pieces;
    size_t npieces;
    uint64_t len;
    /* Where the last read ended, so that reading in order does not search. */
    size_t cur;      /* piece index */
    size_t cur_off;  /* offset within that piece */
    uint64_t cur_at; /* body offset of that point */
    cx_epoch *epoch; /* keeps the texts the pieces borrow (epoch.c) */
};

cimjob_cimxml_body *cx_out_take_body(cx_out *o, size_t *len)
{
    if (o->failed || !o->buf || o->npieces == 0)
        return NULL;
    cx_piece_add_tail(o);
    if (o->failed)
        return NULL;
    cimjob_cimxml_body *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->buf = o->buf;
    b->pieces = o->pieces;
    b->npieces = o->npieces;
    b->epoch = o->epoch;
    o->epoch = NULL;
    for (size_t i = 0; i < b->npieces; i++)
        b->len += b->pieces[i].len;
    *len = (size_t)b->len;
    o->buf = NULL;
    o->pieces = NULL;
    o->len = o->cap = o->mark = o->npieces = o->piececap = 0;
    return b;
}

/* The cached texts lie scattered in the heap and are cold by the time the server reads them out:
 * each new piece starts with cache misses the hardware prefetcher cannot foresee. Asking for the
 * start of the piece after next while copying this one hides them. */
static void cx_prefetch_piece(const cimjob_cimxml_body *b, const cx_piece *p)
{
#if defined(__GNUC__)
    const char *src = p->ref ? p->ref->text + p->off : b->buf + p->off;
    size_t n = p->len < 1024 ? p->len : 1024;
    for (size_t at = 0; at < n; at += 64)
        __builtin_prefetch(src + at);
#else
    (void)b, (void)p;
#endif
}

size_t cimjob_cimxml_body_read(cimjob_cimxml_body *b, uint64_t pos, char *buf, size_t max)
{
    if (!b || !buf || pos >= b->len)
        return 0;
    if (pos != b->cur_at) { /* not where the last read ended: find the piece */
        b->cur = 0;
        b->cur_off = 0;
        b->cur_at = 0;
        while (b->cur_at + b->pieces[b->cur].len <= pos)
            b->cur_at += b->pieces[b->cur++].len;
        b->cur_off = (size_t)(pos - b->cur_at);
        b->cur_at = pos;
    }
    size_t done = 0;
    while (done < max && b->cur < b->npieces) {
        const cx_piece *p = &b->pieces[b->cur];
        if (b->cur_off == 0 && b->cur + 2 < b->npieces)
            cx_prefetch_piece(b, &b->pieces[b->cur + 2]);
        const char *src = p->ref ? p->ref->text + p->off : b->buf + p->off;
        size_t n = p->len - b->cur_off;
        if (n > max - done)
            n = max - done;
        memcpy(buf + done, src + b->cur_off, n);
        done += n;
        b->cur_off += n;
        if (b->cur_off == p->len) {
            b->cur++;
            b->cur_off = 0;
        }
    }
    b->cur_at += done;
    return done;
}

size_t cimjob_cimxml_body_count(const cimjob_cimxml_body *b)
{
    return b ? b->npieces : 0;
}

const char *cimjob_cimxml_body_piece(const cimjob_cimxml_body *b, size_t i, size_t *len)
{
    if (len)
        *len = 0;
    if (!b || !len || i >= b->npieces)
        return NULL;
    const cx_piece *p = &b->pieces[i];
    *len = p->len;
    return p->ref ? p->ref->text + p->off : b->buf + p->off;
}

void cimjob_cimxml_body_free(cimjob_cimxml_body *b)
{
    if (!b)
        return;
    cx_pieces_unref(b->pieces, b->npieces);
    cx_epoch_leave(b->epoch);
    free(b->pieces);
    free(b->buf);
    free(b);
}
