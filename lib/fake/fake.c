/*
 * The fake backend: jobs that do what a script says, on a virtual clock. Its lock is a leaf:
 * it never calls into the core while holding it, because the core asks it the time with job
 * locks held.
 */
#include <cimjob/fake.h>

#include <stdatomic.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/error.h"
#include "../core/platform.h"

extern const cimjob_backend cimjob__fake_backend;

#define FAKE_DEFAULT_EPOCH_US ((int64_t)1767225600 * 1000000) /* 2026-01-01T00:00:00Z */
#define FAKE_CALLS            8

#define KNOWN_FAKE_FLAGS                                                                           \
    (CIMJOB_FAKE_NO_TERMINATE | CIMJOB_FAKE_NO_KILL | CIMJOB_FAKE_NO_SUSPEND |                     \
     CIMJOB_FAKE_NO_RESUME | CIMJOB_FAKE_NO_SERVICE | CIMJOB_FAKE_NO_TIMEOUT |                     \
     CIMJOB_FAKE_PROCESSES)

typedef struct fake_job {
    struct fake_job *next, *prev;
    cimjob_job *job;
    cimjob_fake_outcome o;
    char *desc;         /* the outcome's error_description, copied */
    int64_t started;    /* virtual time of spawn */
    int64_t end_at;     /* virtual time of the end, or -1 */
    int end_by_request; /* ends because of terminate/kill: error_code 0 */
    int64_t remaining;  /* while suspended: what was left of end_at, or -1 */
    int suspended;
    int ended;
    int progress_tenth; /* last PercentComplete tenth reported */
} fake_job;

struct cimjob_fake {
    cimjob_backend vt;
    cimjob__mutex lock;
    int64_t now;
    int64_t epoch;
    int auto_advance;
    int opened;
    int owned; /* created by open() for a registry without config: freed by close() */
    const cimjob_backend_host *host;
    cimjob_fake_outcome def;
    char *def_desc;
    cimjob_fake_outcome *queue;
    char **queue_desc;
    size_t qhead, qlen, qcap;
    fake_job *jobs;
    atomic_ulong calls[FAKE_CALLS];
};

static void count(cimjob_fake *f, cimjob_fake_call c)
{
    atomic_fetch_add_explicit(&f->calls[c], 1, memory_order_relaxed);
}

/* ---- slots ---------------------------------------------------------------------------------- */

static cimjob_rc fake_open(const cimjob_backend_host *host, void *config, void **state)
{
    cimjob_fake *f = config;
    if (!f) {
        cimjob_rc rc = cimjob_fake_new(0, &f);
        if (rc != CIMJOB_RC_SUCCESS)
            return rc;
        f->owned = 1;
    }
    cimjob__mutex_lock(&f->lock);
    if (f->opened) {
        cimjob__mutex_unlock(&f->lock);
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "fake backend: this cimjob_fake already serves a registry");
    }
    f->opened = 1;
    f->host = host;
    cimjob__mutex_unlock(&f->lock);
    *state = f;
    return CIMJOB_RC_SUCCESS;
}

static void fake_close(void *state)
{
    cimjob_fake *f = state;
    cimjob__mutex_lock(&f->lock);
    f->opened = 0;
    f->host = NULL;
    int owned = f->owned;
    cimjob__mutex_unlock(&f->lock);
    if (owned)
        cimjob_fake_free(f);
}

static cimjob_rc fake_spawn(void *state, cimjob_job *job, const cimjob_job_options *opts,
                            void **job_state)
{
    cimjob_fake *f = state;
    (void)opts;
    count(f, CIMJOB_FAKE_CALL_SPAWN);
    fake_job *fj = cimjob__calloc(1, sizeof *fj);
    if (!fj)
        return cimjob__fail(CIMJOB_RC_NO_MEMORY, "fake backend: out of memory");
    cimjob__mutex_lock(&f->lock);
    if (f->qlen) {
        fj->o = f->queue[f->qhead];
        fj->desc = f->queue_desc[f->qhead];
        f->qhead = (f->qhead + 1) % f->qcap;
        f->qlen--;
    } else {
        fj->o = f->def;
        fj->desc = f->def_desc ? cimjob__strdup(f->def_desc) : NULL;
    }
    fj->o.error_description = NULL;
    if (fj->o.spawn_rc != CIMJOB_RC_SUCCESS) {
        cimjob_rc rc = fj->o.spawn_rc;
        cimjob__mutex_unlock(&f->lock);
        cimjob__free(fj->desc);
        cimjob__free(fj);
        return cimjob__fail(rc, "fake backend: the script makes this start fail (%s)",
                            cimjob_rc_name((int)rc));
    }
    fj->job = job;
    fj->started = f->now;
    fj->end_at = fj->o.run_us >= 0 ? f->now + fj->o.run_us : -1;
    fj->remaining = -1;
    fj->next = f->jobs;
    if (f->jobs)
        f->jobs->prev = fj;
    f->jobs = fj;
    cimjob__mutex_unlock(&f->lock);
    *job_state = fj;
    return CIMJOB_RC_SUCCESS;
}

/* Make the job end at now + after (if earlier than already planned); with f->lock. */
static void end_after(cimjob_fake *f, fake_job *fj, int64_t after)
{
    if (after < 0 || fj->ended)
        return;
    int64_t at = f->now + after;
    if (fj->suspended && fj->remaining >= 0) {
        /* A kill reaches a stopped job too. */
        fj->suspended = 0;
        fj->end_at = -1;
    }
    if (fj->end_at < 0 || at < fj->end_at) {
        fj->end_at = at;
        fj->end_by_request = 1;
    }
}

static cimjob_rc fake_terminate(void *state, void *job_state)
{
    cimjob_fake *f = state;
    fake_job *fj = job_state;
    count(f, CIMJOB_FAKE_CALL_TERMINATE);
    if (fj->o.terminate_rc != CIMJOB_RC_SUCCESS)
        return cimjob__fail(fj->o.terminate_rc, "fake backend: scripted terminate failure");
    cimjob__mutex_lock(&f->lock);
    end_after(f, fj, fj->o.terminate_us);
    cimjob__mutex_unlock(&f->lock);
    return CIMJOB_RC_SUCCESS;
}

static cimjob_rc fake_kill(void *state, void *job_state)
{
    cimjob_fake *f = state;
    fake_job *fj = job_state;
    count(f, CIMJOB_FAKE_CALL_KILL);
    if (fj->o.kill_rc != CIMJOB_RC_SUCCESS)
        return cimjob__fail(fj->o.kill_rc, "fake backend: scripted kill failure");
    cimjob__mutex_lock(&f->lock);
    end_after(f, fj, fj->o.kill_us);
    cimjob__mutex_unlock(&f->lock);
    return CIMJOB_RC_SUCCESS;
}

static cimjob_rc fake_suspend(void *state, void *job_state)
{
    cimjob_fake *f = state;
    fake_job *fj = job_state;
    count(f, CIMJOB_FAKE_CALL_SUSPEND);
    if (fj->o.suspend_rc != CIMJOB_RC_SUCCESS)
        return cimjob__fail(fj->o.suspend_rc, "fake backend: scripted suspend failure");
    cimjob__mutex_lock(&f->lock);
    if (!fj->suspended) {
        fj->suspended = 1;
        fj->remaining = fj->end_at >= 0 ? fj->end_at - f->now : -1;
        fj->end_at = -1;
    }
    cimjob__mutex_unlock(&f->lock);
    return CIMJOB_RC_SUCCESS;
}

static cimjob_rc fake_resume(void *state, void *job_state)
{
    cimjob_fake *f = state;
    fake_job *fj = job_state;
    count(f, CIMJOB_FAKE_CALL_RESUME);
    if (fj->o.resume_rc != CIMJOB_RC_SUCCESS)
        return cimjob__fail(fj->o.resume_rc, "fake backend: scripted resume failure");
    cimjob__mutex_lock(&f->lock);
    if (fj->suspended) {
        fj->suspended = 0;
        fj->end_at = fj->remaining >= 0 ? f->now + fj->remaining : -1;
        fj->remaining = -1;
    }
    cimjob__mutex_unlock(&f->lock);
    return CIMJOB_RC_SUCCESS;
}

static cimjob_rc fake_service(void *state, void *job_state)
{
    cimjob_fake *f = state;
    fake_job *fj = job_state;
    count(f, CIMJOB_FAKE_CALL_SERVICE);
    if (fj->o.service_rc != CIMJOB_RC_SUCCESS)
        return cimjob__fail(fj->o.service_rc, "fake backend: scripted service failure");
    return CIMJOB_RC_SUCCESS;
}

static void fake_release(void *state, void *job_state)
{
    cimjob_fake *f = state;
    fake_job *fj = job_state;
    count(f, CIMJOB_FAKE_CALL_RELEASE);
    cimjob__mutex_lock(&f->lock);
    if (fj->prev)
        fj->prev->next = fj->next;
    else
        f->jobs = fj->next;
    if (fj->next)
        fj->next->prev = fj->prev;
    cimjob__mutex_unlock(&f->lock);
    cimjob__free(fj->desc);
    cimjob__free(fj);
}

/* The next virtual time something of the script happens, or -1; with f->lock. */
static int64_t next_event(cimjob_fake *f)
{
    int64_t next = -1;
    for (fake_job *fj = f->jobs; fj; fj = fj->next) {
        if (fj->ended)
            continue;
        int64_t t = fj->end_at;
        if (fj->o.report_progress && fj->o.run_us > 0 && !fj->suspended && fj->progress_tenth < 9) {
            int64_t p = fj->started + fj->o.run_us * (fj->progress_tenth + 1) / 10;
            if (t < 0 || p < t)
                t = p;
        }
        if (t >= 0 && (next < 0 || t < next))
            next = t;
    }
    return next;
}

/* Report every scripted end and progress step that is due. */
static cimjob_rc fake_dispatch(void *state)
{
    cimjob_fake *f = state;
    for (;;) {
        cimjob_job *job = NULL;
        cimjob_backend_result r = CIMJOB_BACKEND_RESULT_INIT;
        char desc[CIMJOB_TEXT_MAX + 1] = "";
        unsigned int percent = 0;
        int ending = 0;
        cimjob__mutex_lock(&f->lock);
        for (fake_job *fj = f->jobs; fj && !job; fj = fj->next) {
            if (fj->ended)
                continue;
            if (fj->end_at >= 0 && fj->end_at <= f->now) {
                fj->ended = 1;
                ending = 1;
                job = cimjob_job_ref(fj->job);
                if (!fj->end_by_request) {
                    r.error_code = fj->o.error_code;
                    if (fj->desc)
                        cimjob__strlcpy(desc, fj->desc, sizeof desc);
                }
            } else if (fj->o.report_progress && fj->o.run_us > 0 && !fj->suspended &&
                       fj->progress_tenth < 9 &&
                       fj->started + fj->o.run_us * (fj->progress_tenth + 1) / 10 <= f->now) {
                fj->progress_tenth++;
                percent = (unsigned int)fj->progress_tenth * 10;
                job = cimjob_job_ref(fj->job);
            }
        }
        cimjob__mutex_unlock(&f->lock);
        if (!job)
            return CIMJOB_RC_SUCCESS;
        if (ending) {
            r.error_description = desc;
            cimjob_backend_report_exit(job, &r);
        } else {
            cimjob_set_percent_complete(job, percent);
        }
        cimjob_job_release(job);
    }
}

/* Waits never sleep: jump the clock to the next thing that can happen. */
static cimjob_rc fake_wait(void *state, int64_t timeout_us)
{
    cimjob_fake *f = state;
    count(f, CIMJOB_FAKE_CALL_WAIT);
    int64_t core_next = f->host ? f->host->next_deadline(f->host->core) : -1;
    cimjob__mutex_lock(&f->lock);
    if (!f->auto_advance) {
        cimjob__mutex_unlock(&f->lock);
        return CIMJOB_RC_WOULD_BLOCK;
    }
    int64_t next = next_event(f);
    if (core_next >= 0 && (next < 0 || core_next < next))
        next = core_next;
    if (timeout_us >= 0 && (next < 0 || f->now + timeout_us < next))
        next = f->now + timeout_us;
    if (next < 0) {
        cimjob__mutex_unlock(&f->lock);
        return CIMJOB_RC_WOULD_BLOCK; /* nothing will ever happen by itself */
    }
    if (next > f->now)
        f->now = next;
    cimjob__mutex_unlock(&f->lock);
    return CIMJOB_RC_SUCCESS;
}

static void fake_wake(void *state)
{
    (void)state; /* a fake wait never sleeps */
}

static int64_t fake_now(void *state, int realtime)
{
    cimjob_fake *f = state;
    cimjob__mutex_lock(&f->lock);
    int64_t t = f->now + (realtime ? f->epoch : 0);
    cimjob__mutex_unlock(&f->lock);
    return t;
}

/* Also cimjob_backend_by_name("fake"): a registry without config gets a private fake. */
const cimjob_backend cimjob__fake_backend = {
    CIMJOB_BACKEND_VERSION,
    "fake",
    CIMJOB_CAP_TIMEOUT,
    fake_open,
    fake_close,
    fake_spawn,
    fake_terminate,
    fake_kill,
    fake_suspend,
    fake_resume,
    fake_service,
    fake_release,
    NULL, /* containment: none */
    fake_dispatch,
    fake_wait,
    fake_wake,
    NULL, /* pollable: events come from the clock */
    fake_now,
};

/* ---- the public API ---------------------------------------------------------------------------
 */

cimjob_rc cimjob_fake_new(unsigned int flags, cimjob_fake **out)
{
    if (!out)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_fake_new: out is NULL");
    if (flags & ~(unsigned int)KNOWN_FAKE_FLAGS)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_fake_new: unknown flags 0x%x",
                            flags & ~(unsigned int)KNOWN_FAKE_FLAGS);
    cimjob_fake *f = cimjob__calloc(1, sizeof *f);
    if (!f)
        return cimjob__fail(CIMJOB_RC_NO_MEMORY, "cimjob_fake_new: out of memory");
    if (cimjob__mutex_init(&f->lock) != 0) {
        cimjob__free(f);
        return cimjob__fail(CIMJOB_RC_OS_ERROR, "cimjob_fake_new: could not create a lock");
    }
    f->vt = cimjob__fake_backend;
    if (flags & CIMJOB_FAKE_NO_TERMINATE)
        f->vt.terminate = NULL;
    if (flags & CIMJOB_FAKE_NO_KILL)
        f->vt.kill = NULL;
    if (flags & CIMJOB_FAKE_NO_SUSPEND)
        f->vt.suspend = NULL;
    if (flags & CIMJOB_FAKE_NO_RESUME)
        f->vt.resume = NULL;
    if (flags & CIMJOB_FAKE_NO_SERVICE)
        f->vt.service = NULL;
    if (flags & CIMJOB_FAKE_NO_TIMEOUT)
        f->vt.caps &= ~(unsigned int)CIMJOB_CAP_TIMEOUT;
    if (flags & CIMJOB_FAKE_PROCESSES)
        f->vt.caps |= CIMJOB_CAP_PROCESSES;
    f->epoch = FAKE_DEFAULT_EPOCH_US;
    f->auto_advance = 1;
    cimjob_fake_outcome def = CIMJOB_FAKE_OUTCOME_INIT;
    f->def = def;
    for (int i = 0; i < FAKE_CALLS; i++)
        atomic_init(&f->calls[i], 0);
    *out = f;
    return CIMJOB_RC_SUCCESS;
}

void cimjob_fake_free(cimjob_fake *fake)
{
    if (!fake)
        return;
    while (fake->jobs) {
        fake_job *fj = fake->jobs;
        fake->jobs = fj->next;
        cimjob__free(fj->desc);
        cimjob__free(fj);
    }
    for (size_t i = 0; i < fake->qlen; i++)
        cimjob__free(fake->queue_desc[(fake->qhead + i) % fake->qcap]);
    cimjob__free(fake->queue);
    cimjob__free(fake->queue_desc);
    cimjob__free(fake->def_desc);
    cimjob__mutex_destroy(&fake->lock);
    cimjob__free(fake);
}

const cimjob_backend *cimjob_fake_backend(cimjob_fake *fake)
{
    return fake ? &fake->vt : NULL;
}

static cimjob_rc check_outcome(const cimjob_fake_outcome *o, const char *fn)
{
    if (o->version != CIMJOB_FAKE_OUTCOME_VERSION)
        return cimjob__fail(CIMJOB_RC_INVALID_VERSION, "%s: unknown outcome version %u", fn,
                            o->version);
    if (o->error_description && strlen(o->error_description) > CIMJOB_TEXT_MAX)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "%s: error_description is longer than %d bytes", fn, CIMJOB_TEXT_MAX);
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_fake_set_default(cimjob_fake *fake, const cimjob_fake_outcome *outcome)
{
    if (!fake || !outcome)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_fake_set_default: NULL argument");
    cimjob_rc rc = check_outcome(outcome, "cimjob_fake_set_default");
    if (rc != CIMJOB_RC_SUCCESS)
        return rc;
    char *desc = NULL;
    if (outcome->error_description && !(desc = cimjob__strdup(outcome->error_description)))
        return cimjob__fail(CIMJOB_RC_NO_MEMORY, "cimjob_fake_set_default: out of memory");
    cimjob__mutex_lock(&fake->lock);
    cimjob__free(fake->def_desc);
    fake->def = *outcome;
    fake->def_desc = desc;
    cimjob__mutex_unlock(&fake->lock);
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_fake_push(cimjob_fake *fake, const cimjob_fake_outcome *outcome)
{
    if (!fake || !outcome)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_fake_push: NULL argument");
    cimjob_rc rc = check_outcome(outcome, "cimjob_fake_push");
    if (rc != CIMJOB_RC_SUCCESS)
        return rc;
    char *desc = NULL;
    if (outcome->error_description && !(desc = cimjob__strdup(outcome->error_description)))
        return cimjob__fail(CIMJOB_RC_NO_MEMORY, "cimjob_fake_push: out of memory");
    cimjob__mutex_lock(&fake->lock);
    if (fake->qlen == fake->qcap) {
        size_t cap = fake->qcap ? fake->qcap * 2 : 8;
        cimjob_fake_outcome *q = cimjob__malloc(cap * sizeof *q);
        char **qd = cimjob__malloc(cap * sizeof *qd);
        if (!q || !qd) {
            cimjob__mutex_unlock(&fake->lock);
            cimjob__free(q);
            cimjob__free(qd);
            cimjob__free(desc);
            return cimjob__fail(CIMJOB_RC_NO_MEMORY, "cimjob_fake_push: out of memory");
        }
        for (size_t i = 0; i < fake->qlen; i++) {
            q[i] = fake->queue[(fake->qhead + i) % fake->qcap];
            qd[i] = fake->queue_desc[(fake->qhead + i) % fake->qcap];
        }
        cimjob__free(fake->queue);
        cimjob__free(fake->queue_desc);
        fake->queue = q;
        fake->queue_desc = qd;
        fake->qcap = cap;
        fake->qhead = 0;
    }
    size_t k = (fake->qhead + fake->qlen) % fake->qcap;
    fake->queue[k] = *outcome;
    fake->queue_desc[k] = desc;
    fake->qlen++;
    cimjob__mutex_unlock(&fake->lock);
    return CIMJOB_RC_SUCCESS;
}

int64_t cimjob_fake_now(const cimjob_fake *fake)
{
    if (!fake)
        return 0;
    cimjob_fake *f = cimjob__unconst(fake); /* the lock is not part of the value */
    cimjob__mutex_lock(&f->lock);
    int64_t t = f->now;
    cimjob__mutex_unlock(&f->lock);
    return t;
}

cimjob_rc cimjob_fake_set_epoch(cimjob_fake *fake, int64_t epoch_us)
{
    if (!fake)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_fake_set_epoch: fake is NULL");
    cimjob__mutex_lock(&fake->lock);
    fake->epoch = epoch_us;
    cimjob__mutex_unlock(&fake->lock);
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_fake_set_auto_advance(cimjob_fake *fake, int on)
{
    if (!fake)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_fake_set_auto_advance: fake is NULL");
    cimjob__mutex_lock(&fake->lock);
    fake->auto_advance = !!on;
    cimjob__mutex_unlock(&fake->lock);
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_fake_advance(cimjob_fake *fake, uint64_t us)
{
    if (!fake)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_fake_advance: fake is NULL");
    cimjob__mutex_lock(&fake->lock);
    if (us > (uint64_t)(INT64_MAX - fake->now)) {
        cimjob__mutex_unlock(&fake->lock);
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_fake_advance: the clock would overflow");
    }
    int64_t target = fake->now + (int64_t)us;
    cimjob__mutex_unlock(&fake->lock);
    /* Step from event to event so that scripted ends and core timers interleave in time. */
    for (;;) {
        const cimjob_backend_host *host;
        cimjob__mutex_lock(&fake->lock);
        host = fake->host;
        cimjob__mutex_unlock(&fake->lock);
        int64_t core_next = host ? host->next_deadline(host->core) : -1;
        cimjob__mutex_lock(&fake->lock);
        int64_t step = next_event(fake);
        if (core_next >= 0 && (step < 0 || core_next < step))
            step = core_next;
        if (step < 0 || step > target)
            step = target;
        if (step > fake->now)
            fake->now = step;
        int64_t now = fake->now;
        cimjob__mutex_unlock(&fake->lock);
        if (host)
            host->notify(host->core);
        if (now >= target) {
            /* Anything that became due exactly at the target has run; stop. */
            cimjob__mutex_lock(&fake->lock);
            int64_t again = next_event(fake);
            cimjob__mutex_unlock(&fake->lock);
            int64_t cn = host ? host->next_deadline(host->core) : -1;
            if ((again < 0 || again > target) && (cn < 0 || cn > target))
                break;
        }
    }
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_fake_finish(cimjob_fake *fake, cimjob_job *job, uint32_t error_code,
                             const char *error_description)
{
    if (!fake || !job)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_fake_finish: NULL argument");
    int found = 0;
    cimjob__mutex_lock(&fake->lock);
    for (fake_job *fj = fake->jobs; fj; fj = fj->next) {
        if (fj->job == job && !fj->ended) {
            fj->ended = 1;
            found = 1;
            break;
        }
    }
    cimjob__mutex_unlock(&fake->lock);
    if (!found)
        return cimjob__fail(CIMJOB_RC_NOT_FOUND,
                            "cimjob_fake_finish: job '%s' is not a running job of this fake",
                            cimjob_job_instance_id(job));
    cimjob_backend_result r = CIMJOB_BACKEND_RESULT_INIT;
    r.error_code = error_code;
    r.error_description = error_description;
    return cimjob_backend_report_exit(job, &r);
}

unsigned long cimjob_fake_calls(const cimjob_fake *fake, cimjob_fake_call call)
{
    if (!fake || (int)call < 0 || (int)call >= FAKE_CALLS)
        return 0;
    cimjob_fake *f = cimjob__unconst(fake);
    return atomic_load_explicit(&f->calls[call], memory_order_relaxed);
}
