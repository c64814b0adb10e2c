/*
 * libcimjob-cimxml internals: the service, one request's context, the request-tree helpers
 * (parse.c), the response writer (write.c), instances of jobs (instance.c), the operation
 * tables (intrinsic.c, methods.c) and the side table of what StartJob was given (sidetable.c).
 */
#ifndef CIMJOB_CIMXML_INTERNAL_H
#define CIMJOB_CIMXML_INTERNAL_H

#include <cimjob/cimjob.h>
#include <cimjob/cimxml.h>

#include <libxml/parser.h>
#include <pthread.h>
#include <stdatomic.h>

#include "classes.h"

/* CIM status codes (DSP0200 table 2). */
enum {
    CX_OK = 0,
    CX_ERR_FAILED = 1,
    CX_ERR_ACCESS_DENIED = 2,
    CX_ERR_INVALID_NAMESPACE = 3,
    CX_ERR_INVALID_PARAMETER = 4,
    CX_ERR_INVALID_CLASS = 5,
    CX_ERR_NOT_FOUND = 6,
    CX_ERR_NOT_SUPPORTED = 7,
    CX_ERR_METHOD_NOT_FOUND = 17
};

typedef struct cx_node cx_node; /* an element of a request (parse.c) */
typedef struct cx_doc cx_doc;   /* a request document (parse.c) */

/* Per job: what StartJob was given that the library does not keep (the command line, the
 * directory) and the instance cache (sidetable.c). */
typedef struct cx_side cx_side;

#define CX_CTXT_POOL 8

/* Requests already read, by their exact bytes (reqcache.c). */
typedef struct cx_reqcache cx_reqcache;
#define CX_RQ_SLOTS    16
#define CX_RQ_MAX_BODY ((size_t)2048)

struct cimjob_cimxml {
    cimjob_registry *reg;
    char *host;
    size_t max_request;
    uint64_t max_wait_us;
    cx_side *side;
    const cx_class *job_class; /* CIMJOB_ConcreteJob */
    unsigned char *getters;    /* per property of job_class: its value source (instance.c) */
    /* Idle libxml2 parser contexts for reuse (parse.c). */
    pthread_mutex_t ctxt_lock;
    struct {
        xmlParserCtxtPtr ctxt;
        unsigned uses;
    } ctxts[CX_CTXT_POOL];
    int nctxt;
    cx_reqcache *rq;
    /* The jobs of the last enumeration, kept while the registry's membership holds
     * (joblist.c). */
    pthread_mutex_t jobs_lock;
    struct cx_jobs *jobs;
};

/* The registry's jobs (*jobs, *n: valid until cx_jobs_unref of what is returned); NULL when
 * they cannot be listed (out of memory). */
typedef struct cx_jobs cx_jobs;
cx_jobs *cx_jobs_get(cimjob_cimxml *svc, cimjob_job ***jobs, size_t *n);
void cx_jobs_unref(cx_jobs *l); /* NULL is a no-op */
void cx_jobs_drop(cimjob_cimxml *svc);

/* A cached INSTANCE text, shared by the instance cache and the pieced responses that send it
 * (sidetable.c); immutable once made, freed with its last reference. */
typedef struct cx_shared {
    atomic_uint refs;
    char *text; /* malloc'd */
    size_t len;
    struct cx_shared *retired_next; /* in an epoch's list once the table dropped it (epoch.c) */
} cx_shared;
void cx_shared_unref(cx_shared *t); /* NULL is a no-op */

/* Epochs (epoch.c): a response that borrows cached texts holds its epoch, and a text the
 * instance cache drops is freed only once every response that could have borrowed it is. */
typedef struct cx_epoch cx_epoch;
typedef struct cx_epochs {
    pthread_mutex_t lock;
    cx_epoch *cur;
} cx_epochs;
int cx_epochs_init(cx_epochs *g);                  /* 0, or -1 (out of memory) */
void cx_epochs_retire(cx_epochs *g, cx_shared *t); /* takes over a reference; NULL: no-op */
cx_epoch *cx_epochs_enter(cx_epochs *g);           /* a reference on the current epoch */
void cx_epochs_fini(cx_epochs *g);                 /* drops the holder's reference */
void cx_epoch_leave(cx_epoch *e);                  /* NULL is a no-op */

/* A piece of a pieced response: bytes of the out buffer (ref NULL, off an offset into buf) or
 * of a shared text (a reference held, or borrowed under the response's epoch). */
typedef struct cx_piece {
    cx_shared *ref;
    size_t off, len;
    int borrowed; /* no reference held: the text lives as long as the response's epoch */
} cx_piece;
/* Drop the references of pieces [0, n) (each piece with a text it does not borrow holds one):
 * one atomic operation per run of pieces from the same text, not one per piece. */
void cx_pieces_unref(const cx_piece *pieces, size_t n);

/* The response being written: one growing buffer and the stack of open elements. With
 * @p pieced set, cached instance texts are not copied into it but referenced as pieces. */
#define CX_OUT_DEPTH 32
typedef struct cx_out {
    char *buf; /* malloc'd; becomes the response body */
    size_t len, cap;
    const char *stack[CX_OUT_DEPTH]; /* element names: static strings */
    int depth;
    int open;   /* the last start tag still takes attributes */
    int failed; /* a write failed (out of memory) or the nesting was wrong */
    int pieced; /* reference shared texts (cx_out_shared) instead of copying them */
    cx_piece *pieces;
    size_t npieces, piececap;
    size_t mark;     /* buf[mark..len) is not yet in a piece */
    cx_epoch *epoch; /* held while pieces borrow texts (cx_out_shared_borrowed) */
} cx_out;

/* One request in progress. */
typedef struct cx_ctx {
    cimjob_cimxml *svc;
    const cimjob_cimxml_request *req;
    cx_node *call;      /* IMETHODCALL or METHODCALL */
    const char *method; /* its NAME */
    cx_out out;
    int may_piece; /* the caller takes a pieced body: enumerations set out.pieced */
    char err[512]; /* the DESCRIPTION of a CIM error */
} cx_ctx;

/* ---- parse.c: the request tree ---- */

cx_doc *cx_parse(cimjob_cimxml *svc, const char *body, size_t len, char *why, size_t why_size);
void cx_ctxt_pool_free(cimjob_cimxml *svc);
int cx_is(const cx_node *n, const char *name);
cx_node *cx_child(const cx_node *n);                     /* first element child */
cx_node *cx_next(const cx_node *n);                      /* next element sibling */
const char *cx_attr(const cx_node *n, const char *name); /* NULL if absent; owned by the tree */
char *cx_text(const cx_node *n); /* its character data (free it); NULL: out of memory */
cx_node *cx_root(const cx_doc *d);
cx_doc *cx_doc_ref(cx_doc *d); /* another reference (NULL: NULL) */
void cx_doc_free(cx_doc *d);   /* drops a reference */

/* ---- reqcache.c: requests already read ---- */
cx_reqcache *cx_reqcache_new(void);
void cx_reqcache_free(cx_reqcache *c);
/* The tree of a document with exactly these bytes (a reference), or NULL; sets *hash for
 * cx_reqcache_put either way. */
cx_doc *cx_reqcache_get(cx_reqcache *c, const char *body, size_t len, uint64_t *hash);
/* A hash of n bytes (a slot picker: keys are compared in full). */
uint64_t cx_hash_bytes(const char *s, size_t n);
/* Keep a well-formed document's tree (takes a reference of its own). */
void cx_reqcache_put(cx_reqcache *c, const char *body, size_t len, uint64_t hash, cx_doc *doc);
/* Each returns CX_OK or a CIM status with c->err set. */
int cx_namespace(cx_ctx *c, const cx_node *lnp);
int cx_bool_text(cx_ctx *c, const char *what, const char *text, int *out);
int cx_uint_text(cx_ctx *c, const char *what, const char *text, unsigned long long max,
                 unsigned long long *out);
int cx_instance_id(cx_ctx *c, const cx_node *instancename, const cx_class **cls, char **id);
int cx_fail(cx_ctx *c, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- write.c: the response ---- */
int cx_out_begin(cx_out *o, const char *msgid, int intrinsic, const char *method);
int cx_out_end(cx_out *o);
void cx_out_discard(cx_out *o);
char *cx_out_take(cx_out *o, size_t *len); /* the document (malloc'd, NUL-terminated) */
/* A pieced document as a body (NULL when it has no shared piece or on failure: take it whole
 * with cx_out_take). */
cimjob_cimxml_body *cx_out_take_body(cx_out *o, size_t *len);
/* Pieced bodies shorter than this are handed over as one buffer. */
#define CX_PIECED_MIN ((size_t)64 * 1024)
/* Bytes [off, off+n) of a shared text: a reference when pieced, else a copy. */
void cx_out_shared(cx_out *o, cx_shared *t, size_t off, size_t n);
/* The same, handing over a reference to @p t the caller holds (one atomic operation fewer per
 * piece: an enumeration adds two per job). */
void cx_out_shared_owned(cx_out *o, cx_shared *t, size_t off, size_t n);
/* The same for a pieced @p o, with no reference: @p t is borrowed under @p o's epoch, which the
 * caller made sure of (o->epoch taken while @p t was in the instance cache). */
void cx_out_shared_borrowed(cx_out *o, cx_shared *t, size_t off, size_t n);
void cx_piece_add_tail(cx_out *o);    /* the bytes written since the last piece, as a piece */
void cx_reserve(cx_out *o, size_t n); /* room for n more bytes (a hint) */
size_t cx_out_len(const cx_out *o);
void cx_fragment(cx_out *o, const char *s, size_t n); /* complete markup, written as it is */
void cx_start(cx_out *o, const char *el);
void cx_end(cx_out *o);       /* always with an end tag (wbemcli rejects most self-closed ones) */
void cx_end_empty(cx_out *o); /* self-closed: CLASSNAME, NAMESPACE, ERROR only */
void cx_attr_w(cx_out *o, const char *name, const char *value);
void cx_text_w(cx_out *o, const char *text); /* invalid UTF-8 and control characters become '?' */
void cx_value(cx_out *o, const char *text);  /* <VALUE>text</VALUE> */
void cx_error(cx_out *o, int code, const char *description);
void cx_instancename(cx_out *o, const char *classname, const char *instance_id);
void cx_localnamespacepath(cx_out *o);
void cx_qualifiers(cx_out *o, const cx_qualifier *q, unsigned n);
const char *cx_status_name(int status);

/* ---- instance.c: jobs as instances ---- */
/* Which properties to write. */
typedef struct cx_select {
    const char *const *names; /* PropertyList; NULL: every property */
    size_t nnames;
    const cx_class *scope; /* the class asked for (LocalOnly / DeepInheritance) */
    int local_only;
    int deep;
    int class_origin;
} cx_select;
int cx_getters_init(cimjob_cimxml *svc);
/* What an instance shows: the job's snapshot and its writable properties and schedule, and the
 * job's revision read before them (what the instance cache keys its texts by: a text made from
 * this snapshot is at least as new as that revision). */
typedef struct cx_snap {
    uint64_t rev;
    cimjob_info info;
    cimjob_job_settings set;
} cx_snap;
/* Fill @p s for @p job: a cimjob_rc. */
cimjob_rc cx_snap_take(cimjob_job *job, cx_snap *s);
int cx_select_has(const cx_select *sel, const char *name);
int cx_select_property(const cx_select *sel, const cx_class *cls, const cx_property *p);
/* Write INSTANCE for a job (@p named: VALUE.NAMEDINSTANCE, its INSTANCENAME and INSTANCE, as an
 * enumeration answers); CX_OK, or CX_ERR_NOT_FOUND when the job was removed meanwhile. */
int cx_write_instance(cx_ctx *c, cimjob_job *job, const cx_snap *snap, const cx_select *sel,
                      int named);
/* INSTANCE (@p named: VALUE.NAMEDINSTANCE) of @p job without its snapshot, from the instance
 * cache when the cached text is of the job's current revision: 1 when written; -1 when the job
 * is gone or another account's (nothing written); 0 when the caller must take the snapshot and
 * call cx_write_instance(). */
int cx_write_cached(cx_ctx *c, cimjob_job *job, const cx_select *sel, int named);
/* Whether instances of this selection (every property, the job class) come from that cache. */
int cx_cacheable(const cx_ctx *c, const cx_select *sel);
/* Is this a property the job changes as it runs (JobState, ElapsedTime, the status block...)?
 * ModifyInstance ignores the stale values a client that read the instance sends back. */
int cx_property_live(const cx_ctx *c, const cx_property *p);
/* Does the value in a PROPERTY or PROPERTY.ARRAY element equal the job's own? */
int cx_value_same(cx_ctx *c, const cx_snap *snap, const cx_property *p, const cx_node *el);
/* May the request's identity see and act on this job? */
int cx_may_access(const cx_ctx *c, const cimjob_info *info);
/* Find the job of an InstanceID and check access: CX_OK with a reference, or a CIM error. */
int cx_find_job(cx_ctx *c, const char *id, cimjob_job **job, cx_snap *snap);

/* ---- settings.c: the Write properties and the schedule ---- */
/* Parse one writable property's text (NULL: NULL) into @p t, adding its bit to @p mask. */
int cx_setting_parse(cx_ctx *c, const char *name, const char *text, cimjob_job_settings *t,
                     uint32_t *mask);
/* The bits of @p mask whose values differ between @p a and @p b. */
uint32_t cx_settings_changed(const cimjob_job_settings *a, const cimjob_job_settings *b,
                             uint32_t mask);

/* ---- jobparams.c: JobInParameters and JobOutParameters ---- */
/* The __JobInParameters INSTANCE text of StartJob's IN parameters (@p nodes: the PARAMVALUE
 * of each of @p m's parameters, or NULL): malloc'd, or NULL when out of memory. */
char *cx_job_in_text(cx_ctx *c, const cx_method *m, cx_node *const *nodes);
/* Write JobOutParameters' VALUE (the __JobOutParameters INSTANCE text) of a Completed job that
 * StartJob made; nothing (NULL) otherwise. */
void cx_job_out_value(cx_ctx *c, cx_out *o, const cimjob_info *info);

/* ---- intrinsic.c / methods.c ---- */
int cx_intrinsic(cx_ctx *c);
int cx_extrinsic(cx_ctx *c);

/* ---- sidetable.c ---- */
cx_side *cx_side_new(void);
void cx_side_free(cx_side *s);
/* Copies argv (NULL-terminated) and cwd (may be NULL). 0 or -1 (out of memory). */
int cx_side_put(cx_side *s, const char *id, const char *const *argv, const char *cwd);
void cx_side_remove(cx_side *s, const char *id);
/* Keep a job's JobInParameters text with its record (takes @p job_in, malloc'd; freed when the
 * job has no record). */
void cx_side_put_in(cx_side *s, const char *id, char *job_in);
/* Write <VALUE>JobInParameters</VALUE> into @p o (NULL: only ask); 0 when the job has none. */
int cx_side_in_value(cx_side *s, const char *id, cx_out *o);
/* Calls fn with the record under the table's lock; 0 when there is none. */
int cx_side_with(cx_side *s, const char *id,
                 void (*fn)(const char *const *argv, const char *cwd, void *arg), void *arg);
/* The instance cache (instance.c). Its texts are whole VALUE.NAMEDINSTANCE elements, so that an
 * enumeration references one text per job (two pieces around ElapsedTime) and GetInstance the
 * INSTANCE inside it. */
typedef struct cx_inst_at {
    size_t inst, hole, end; /* where INSTANCE starts, its ElapsedTime hole, where it ends */
} cx_inst_at;
/* Append the cached text of a job made at revision @p rev for this variant (@p named: the whole
 * VALUE.NAMEDINSTANCE, else its INSTANCE), with @p elapsed in its hole: 1. 0 when there is none
 * (*gen: the record's generation, for cx_side_store); -1 when @p must_own (NULL: anyone) is
 * not the job's Owner. */
int cx_side_emit(cx_side *s, const char *id, uint64_t rev, const char *must_own, int variant,
                 int named, cx_out *o, const char *elapsed, unsigned *gen);
/* Keep a VALUE.NAMEDINSTANCE text made at revision @p rev from the record's generation @p gen
 * (takes @p text, malloc'd, also when it cannot be kept). */
void cx_side_store(cx_side *s, const char *id, uint64_t rev, unsigned gen, const char *owner,
                   int variant, char *text, size_t len, const cx_inst_at *at);
/* Append the INSTANCENAME of job @p id: a text kept with the job's record, written once. */
void cx_side_instancename(cx_side *s, const char *classname, const char *id, cx_out *o);
/* Drop the records of jobs no longer in the registry. */
void cx_side_sweep(cx_side *s, cimjob_registry *reg);
/* Hold the table's read lock for a run of cx_side_emit calls on this thread (an enumeration's
 * cache hits): taken once per run instead of once per job. Nothing else of the table may be
 * called by this thread until cx_side_release. */
void cx_side_hold(cx_side *s);
void cx_side_release(cx_side *s);
size_t cx_side_count(cx_side *s);

#endif /* CIMJOB_CIMXML_INTERNAL_H */
