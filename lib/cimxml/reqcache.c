/*
 * Requests already read, by their exact bytes. wbemcli sends the same document for the same
 * operation (its MESSAGE ID is always 4711) and a monitoring client polls with the same
 * document again and again; reading it with libxml2 is three quarters of a GetInstance
 * (docs/performance.md). A request tree is immutable once built, so a document whose every
 * byte equals one read before gets that tree again (a counted reference) and everything after
 * the reading (the envelope, the parameters, access checks, the registry, the instance cache)
 * runs as for any request. Only well-formed documents are kept; a refused one (DOCTYPE,
 * malformed) is read and refused every time.
 *
 * Bounded: CX_RQ_SLOTS entries of at most CX_RQ_MAX_BODY bytes, direct-mapped by a hash of
 * the bytes (a new document replaces the one in its slot). A hit compares the whole body.
 */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct cx_rq_slot {
    char *body; /* malloc'd copy of the request bytes; NULL: empty slot */
    size_t len;
    uint64_t hash;
    cx_doc *doc; /* a reference held by the cache */
} cx_rq_slot;

struct cx_reqcache {
    pthread_rwlock_t lock;
    cx_rq_slot slots[CX_RQ_SLOTS];
};

/* 64-bit words at a time (the tail byte by byte): it only picks a slot, keys are compared in
 * full. Also the side table's (InstanceIDs). */
uint64_t cx_hash_bytes(const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    for (; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h ^ (h >> 29);
}

cx_reqcache *cx_reqcache_new(void)
{
    cx_reqcache *c = calloc(1, sizeof *c);
    if (c && pthread_rwlock_init(&c->lock, NULL) != 0) {
        free(c);
        c = NULL;
    }
    return c;
}

void cx_reqcache_free(cx_reqcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < CX_RQ_SLOTS; i++) {
        free(c->slots[i].body);
        cx_doc_free(c->slots[i].doc);
    }
    pthread_rwlock_destroy(&c->lock);
    free(c);
}

cx_doc *cx_reqcache_get(cx_reqcache *c, const char *body, size_t len, uint64_t *hash)
{
    *hash = 0;
    if (!c || len > CX_RQ_MAX_BODY)
        return NULL;
    uint64_t h = cx_hash_bytes(body, len);
    *hash = h;
    cx_doc *d = NULL;
    pthread_rwlock_rdlock(&c->lock);
    cx_rq_slot *s = &c->slots[h % CX_RQ_SLOTS];
    if (s->body && s->hash == h && s->len == len && memcmp(s->body, body, len) == 0)
        d = cx_doc_ref(s->doc);
    pthread_rwlock_unlock(&c->lock);
    return d;
}

void cx_reqcache_put(cx_reqcache *c, const char *body, size_t len, uint64_t hash, cx_doc *doc)
{
    if (!c || len > CX_RQ_MAX_BODY)
        return;
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return; /* not kept: the next one is read again */
    memcpy(copy, body, len);
    pthread_rwlock_wrlock(&c->lock);
    cx_rq_slot *s = &c->slots[hash % CX_RQ_SLOTS];
    char *old_body = s->body;
    cx_doc *old_doc = s->doc;
    *s = (cx_rq_slot){copy, len, hash, cx_doc_ref(doc)};
    pthread_rwlock_unlock(&c->lock);
    free(old_body);
    cx_doc_free(old_doc);
}
