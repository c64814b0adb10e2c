/*
 * What StartJob was given that the library does not keep (the command line, the working
 * directory), by InstanceID, for the CommandLine and WorkingDirectory properties, and the
 * instance cache (each job's VALUE.NAMEDINSTANCE and INSTANCENAME texts). A chained hash table
 * under one read-write lock: lookups and cache hits only read, so concurrent requests do not
 * queue behind each other, and the cached texts are copied or referenced after the lock is
 * released.
 * Records of jobs that left the registry are swept out.
 */
#include "internal.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct cx_rec {
    struct cx_rec *next;
    char *id;
    char **argv; /* NULL-terminated; the strings live in the same allocation; NULL: none */
    char *cwd;
    char *job_in; /* JobInParameters: the __JobInParameters INSTANCE text (jobparams.c), or NULL */
    /* Bumped whenever argv, cwd or job_in change (a record cx_side_put makes starts at 1): a
     * text written from what the record held before is not kept (cx_side_store). */
    unsigned gen;
    /* The instance cache: the job's revision (cimjob_job_revision) the texts were made at, 0
     * for none; the job's Owner (it never changes: a hit checks access with it); and per
     * variant (without, with CLASSORIGIN) the VALUE.NAMEDINSTANCE text with a hole for
     * ElapsedTime. */
    uint64_t rev;
    char *owner;
    struct {
        cx_shared *text;
        cx_inst_at at;
    } inst[2];
    cx_shared *name; /* the INSTANCENAME text (it never changes); NULL until first asked for */
} cx_rec;

struct cx_side {
    pthread_rwlock_t lock; /* readers: the lookups and the instance cache hits */
    cx_epochs epochs;      /* where the texts the table drops wait for the responses */
    cx_rec **slots;
    size_t nslots;
    size_t count;
};

static size_t cx_hash(const char *s)
{
    return (size_t)cx_hash_bytes(s, strlen(s));
}

cx_side *cx_side_new(void)
{
    cx_side *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->nslots = 256;
    s->slots = calloc(s->nslots, sizeof *s->slots);
    if (!s->slots || cx_epochs_init(&s->epochs) != 0) {
        free(s->slots);
        free(s);
        return NULL;
    }
    if (pthread_rwlock_init(&s->lock, NULL) != 0) {
        cx_epochs_fini(&s->epochs);
        free(s->slots);
        free(s);
        return NULL;
    }
    return s;
}

/* Drop @p k references to @p t, freeing it with its last. */
static void cx_shared_unref_n(cx_shared *t, unsigned k)
{
    if (t && atomic_fetch_sub(&t->refs, k) == k) {
        free(t->text);
        free(t);
    }
}

void cx_shared_unref(cx_shared *t)
{
    cx_shared_unref_n(t, 1);
}

void cx_pieces_unref(const cx_piece *pieces, size_t n)
{
    for (size_t i = 0; i < n;) {
        cx_shared *t = pieces[i].ref;
        size_t k = 1;
        while (i + k < n && pieces[i + k].ref == t && pieces[i + k].borrowed == pieces[i].borrowed)
            k++;
        if (!pieces[i].borrowed) /* a borrowed run holds no reference */
            cx_shared_unref_n(t, (unsigned)k);
        i += k;
    }
}

/* The table's texts are not freed when it drops them: responses may borrow them (epoch.c). */
static void cx_rec_drop_cache(cx_side *s, cx_rec *r)
{
    cx_epochs_retire(&s->epochs, r->inst[0].text);
    cx_epochs_retire(&s->epochs, r->inst[1].text);
    memset(r->inst, 0, sizeof r->inst);
}

static void cx_rec_free(cx_side *s, cx_rec *r)
{
    cx_rec_drop_cache(s, r);
    cx_epochs_retire(&s->epochs, r->name);
    free(r->owner);
    free(r->id);
    free(r->argv);
    free(r->cwd);
    free(r->job_in);
    free(r);
}

static cx_rec *cx_find_locked(cx_side *s, const char *id)
{
    for (cx_rec *r = s->slots[cx_hash(id) % s->nslots]; r; r = r->next)
        if (strcmp(r->id, id) == 0)
            return r;
    return NULL;
}

void cx_side_free(cx_side *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nslots; i++)
        for (cx_rec *r = s->slots[i], *n; r; r = n) {
            n = r->next;
            cx_rec_free(s, r);
        }
    cx_epochs_fini(&s->epochs); /* its texts go with the last response that borrows them */
    pthread_rwlock_destroy(&s->lock);
    free(s->slots);
    free(s);
}

static char **cx_pack_argv(const char *const *argv)
{
    size_t n = 0, bytes = 0;
    for (; argv[n]; n++)
        bytes += strlen(argv[n]) + 1;
    char **v = malloc((n + 1) * sizeof *v + bytes);
    if (!v)
        return NULL;
    char *p = (char *)(v + n + 1);
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(argv[i]) + 1;
        memcpy(p, argv[i], l);
        v[i] = p;
        p += l;
    }
    v[n] = NULL;
    return v;
}

static void cx_grow(cx_side *s)
{
    size_t nn = s->nslots * 2;
    cx_rec **ns = calloc(nn, sizeof *ns);
    if (!ns)
        return; /* keep the longer chains */
    for (size_t i = 0; i < s->nslots; i++)
        for (cx_rec *r = s->slots[i], *n; r; r = n) {
            n = r->next;
            size_t h = cx_hash(r->id) % nn;
            r->next = ns[h];
            ns[h] = r;
        }
    free(s->slots);
    s->slots = ns;
    s->nslots = nn;
}

int cx_side_put(cx_side *s, const char *id, const char *const *argv, const char *cwd)
{
    cx_rec *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    r->id = strdup(id);
    r->argv = cx_pack_argv(argv);
    r->cwd = cwd ? strdup(cwd) : NULL;
    r->gen = 1; /* an instance written before this record existed saw generation 0 */
    if (!r->id || !r->argv || (cwd && !r->cwd)) {
        cx_rec_free(s, r);
        return -1;
    }
    pthread_rwlock_wrlock(&s->lock);
    cx_rec *old = cx_find_locked(s, id);
    if (old) { /* made by the instance cache before StartJob returned */
        free(old->argv);
        free(old->cwd);
        old->argv = r->argv;
        old->cwd = r->cwd;
        r->argv = NULL;
        r->cwd = NULL;
        old->gen++;
        cx_rec_drop_cache(s, old);
        pthread_rwlock_unlock(&s->lock);
        cx_rec_free(s, r);
        return 0;
    }
    if (s->count >= s->nslots)
        cx_grow(s);
    size_t h = cx_hash(id) % s->nslots;
    r->next = s->slots[h];
    s->slots[h] = r;
    s->count++;
    pthread_rwlock_unlock(&s->lock);
    return 0;
}

void cx_side_put_in(cx_side *s, const char *id, char *job_in)
{
    pthread_rwlock_wrlock(&s->lock);
    cx_rec *r = cx_find_locked(s, id);
    if (r) {
        free(r->job_in);
        r->job_in = job_in;
        job_in = NULL;
        r->gen++;
        cx_rec_drop_cache(s, r); /* an instance written meanwhile lacks it */
    }
    pthread_rwlock_unlock(&s->lock);
    free(job_in);
}

int cx_side_in_value(cx_side *s, const char *id, cx_out *o)
{
    pthread_rwlock_rdlock(&s->lock);
    cx_rec *r = cx_find_locked(s, id);
    int has = r && r->job_in;
    if (has && o)
        cx_value(o, r->job_in);
    pthread_rwlock_unlock(&s->lock);
    return has;
}

/* The table whose read lock this thread holds for a run of hits (cx_side_hold). The lock word
 * is one cache line that every request thread writes: taken per job, two threads enumerating
 * 1,000 jobs passed it between cores 4,000 times per request (docs/performance.md). */
static _Thread_local const cx_side *tl_held;

void cx_side_hold(cx_side *s)
{
    pthread_rwlock_rdlock(&s->lock);
    tl_held = s;
}

void cx_side_release(cx_side *s)
{
    tl_held = NULL;
    pthread_rwlock_unlock(&s->lock);
}

int cx_side_emit(cx_side *s, const char *id, uint64_t rev, const char *must_own, int variant,
                 int named, cx_out *o, const char *elapsed, unsigned *gen)
{
    cx_shared *t = NULL;
    cx_inst_at at = {0, 0, 0};
    int denied = 0;
    int held = tl_held == s;
    if (!held)
        pthread_rwlock_rdlock(&s->lock);
    cx_rec *r = cx_find_locked(s, id);
    *gen = r ? r->gen : 0;
    if (r && r->rev == rev && r->owner && r->inst[variant].text) {
        if (must_own && strcmp(must_own, r->owner) != 0) {
            denied = 1;
        } else {
            t = r->inst[variant].text;
            at = r->inst[variant].at;
            /* A pieced response borrows the text under its epoch, taken while the text is
             * in the table; a copy takes two references (one per piece around ElapsedTime). */
            if (!o->pieced)
                atomic_fetch_add(&t->refs, 2);
            else if (!o->epoch)
                o->epoch = cx_epochs_enter(&s->epochs);
        }
    }
    if (!held)
        pthread_rwlock_unlock(&s->lock);
    if (denied)
        return -1;
    if (!t)
        return 0;
    /* Copied (GetInstance) or referenced outside the lock: the text is immutable. */
    size_t from = named ? 0 : at.inst, to = named ? t->len : at.end;
    if (o->pieced) {
        cx_out_shared_borrowed(o, t, from, at.hole - from);
        cx_text_w(o, elapsed);
        cx_out_shared_borrowed(o, t, at.hole, to - at.hole);
        return 1;
    }
    cx_out_shared_owned(o, t, from, at.hole - from);
    cx_text_w(o, elapsed);
    cx_out_shared_owned(o, t, at.hole, to - at.hole);
    return 1;
}

/* The record of @p id, made (without a command line) when there is none; NULL: out of memory. */
static cx_rec *cx_find_or_add_locked(cx_side *s, const char *id)
{
    cx_rec *r = cx_find_locked(s, id);
    if (r || (r = calloc(1, sizeof *r)) == NULL)
        return r;
    if (!(r->id = strdup(id))) {
        free(r);
        return NULL;
    }
    if (s->count >= s->nslots)
        cx_grow(s);
    size_t h = cx_hash(id) % s->nslots;
    r->next = s->slots[h];
    s->slots[h] = r;
    s->count++;
    return r;
}

static cx_shared *cx_shared_new(char *text, size_t len)
{
    cx_shared *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    atomic_init(&t->refs, 1);
    t->text = text;
    t->len = len;
    return t;
}

void cx_side_instancename(cx_side *s, const char *classname, const char *id, cx_out *o)
{
    pthread_rwlock_rdlock(&s->lock);
    cx_rec *r = cx_find_locked(s, id);
    cx_shared *known = r ? r->name : NULL;
    if (known)
        atomic_fetch_add(&known->refs, 1);
    pthread_rwlock_unlock(&s->lock);
    if (known) {
        cx_out_shared(o, known, 0, known->len);
        cx_shared_unref(known);
        return;
    }
    /* Written once per job: every enumeration after this one references the text. */
    cx_out t;
    memset(&t, 0, sizeof t);
    cx_instancename(&t, classname, id);
    size_t len = 0;
    char *text = t.failed ? NULL : cx_out_take(&t, &len);
    cx_out_discard(&t);
    char *fit = text ? realloc(text, len + 1) : NULL; /* ~150 bytes kept, not the 4 KiB buffer */
    if (fit)
        text = fit;
    cx_shared *n = text ? cx_shared_new(text, len) : NULL;
    if (!n) {
        free(text);
        cx_instancename(o, classname, id);
        return;
    }
    cx_out_shared(o, n, 0, len);
    pthread_rwlock_wrlock(&s->lock);
    r = cx_find_or_add_locked(s, id);
    if (r && !r->name)
        r->name = n;
    else
        cx_shared_unref(n);
    pthread_rwlock_unlock(&s->lock);
}

void cx_side_store(cx_side *s, const char *id, uint64_t rev, unsigned gen, const char *owner,
                   int variant, char *text, size_t len, const cx_inst_at *at)
{
    pthread_rwlock_wrlock(&s->lock);
    cx_rec *r = cx_find_or_add_locked(s, id);
    /* Not kept: the command line or JobInParameters changed since the text was begun, or a
     * newer revision's text is there already. */
    if (!r || r->gen != gen || rev < r->rev) {
        free(text);
        pthread_rwlock_unlock(&s->lock);
        return;
    }
    if (r->rev != rev) {
        cx_rec_drop_cache(s, r);
        r->rev = rev;
    }
    if (!r->owner)
        r->owner = strdup(owner);
    if (!r->owner) {
        free(text); /* no room to keep it: the next request writes it again */
        pthread_rwlock_unlock(&s->lock);
        return;
    }
    cx_shared *t = cx_shared_new(text, len);
    if (!t) {
        free(text);
        pthread_rwlock_unlock(&s->lock);
        return;
    }
    cx_epochs_retire(&s->epochs, r->inst[variant].text);
    r->inst[variant].text = t;
    r->inst[variant].at = *at;
    pthread_rwlock_unlock(&s->lock);
}

void cx_side_remove(cx_side *s, const char *id)
{
    pthread_rwlock_wrlock(&s->lock);
    for (cx_rec **pp = &s->slots[cx_hash(id) % s->nslots]; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->id, id) == 0) {
            cx_rec *r = *pp;
            *pp = r->next;
            cx_rec_free(s, r);
            s->count--;
            break;
        }
    }
    pthread_rwlock_unlock(&s->lock);
}

int cx_side_with(cx_side *s, const char *id,
                 void (*fn)(const char *const *argv, const char *cwd, void *arg), void *arg)
{
    int found = 0;
    pthread_rwlock_rdlock(&s->lock);
    for (cx_rec *r = s->slots[cx_hash(id) % s->nslots]; r; r = r->next) {
        if (strcmp(r->id, id) == 0) {
            if (r->argv) {
                fn((const char *const *)r->argv, r->cwd, arg);
                found = 1;
            }
            break;
        }
    }
    pthread_rwlock_unlock(&s->lock);
    return found;
}

void cx_side_sweep(cx_side *s, cimjob_registry *reg)
{
    pthread_rwlock_wrlock(&s->lock);
    for (size_t i = 0; i < s->nslots; i++) {
        for (cx_rec **pp = &s->slots[i]; *pp;) {
            cimjob_job *job = NULL;
            if (cimjob_find(reg, (*pp)->id, &job) == CIMJOB_RC_NOT_FOUND) {
                cx_rec *r = *pp;
                *pp = r->next;
                cx_rec_free(s, r);
                s->count--;
                continue;
            }
            cimjob_job_release(job);
            pp = &(*pp)->next;
        }
    }
    pthread_rwlock_unlock(&s->lock);
}

size_t cx_side_count(cx_side *s)
{
    pthread_rwlock_rdlock(&s->lock);
    size_t n = s->count;
    pthread_rwlock_unlock(&s->lock);
    return n;
}
