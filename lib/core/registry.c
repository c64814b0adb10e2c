/*
 * The registry: its creation and its end, and the ordered queue of state-change events and their
 * delivery. The map is registry_map.c, the timers registry_timer.c, the pump registry_pump.c.
 * No thread of its own: whoever waits or dispatches does the work.
 */
#include <string.h>

#include "registry_internal.h"
#include "state.h"
#include "text.h"

#define DEFAULT_ORG_ID  "libcimjob"
#define INITIAL_BUCKETS 64

/* ---- clocks ---------------------------------------------------------------------------- */

int64_t cimjob__reg_now(cimjob_registry *reg)
{
    if (reg->be->now)
        return reg->be->now(reg->be_state, 0);
    return cimjob__now_monotonic();
}

int64_t cimjob__reg_realtime(cimjob_registry *reg)
{
    if (reg->be->now)
        return reg->be->now(reg->be_state, 1);
    return cimjob__now_realtime();
}

/* ---- incarnations ------------------------------------------------------------------------ */

/* The last incarnation handed out in this process: strictly increasing, so two registries never
 * share one even when created in the same microsecond. */
static _Atomic uint64_t last_incarnation_us;

/* A registry's incarnation: the wall clock in microseconds when it was created (so a restarted
 * agent never hands out an InstanceID of its previous life, which was created earlier), made
 * unique within the process, then 16 bits that differ between processes started at the same
 * microsecond or after a clock step backwards (the registry's address under ASLR and the
 * monotonic clock). Hex: "<us><4 hex>". */
static void make_incarnation(cimjob_registry *reg)
{
    uint64_t now = (uint64_t)cimjob__now_realtime();
    uint64_t last = atomic_load(&last_incarnation_us);
    uint64_t inc;
    do {
        inc = now > last ? now : last + 1;
    } while (!atomic_compare_exchange_weak(&last_incarnation_us, &last, inc));
    uint64_t mix = (uint64_t)(uintptr_t)reg ^ ((uint64_t)cimjob__now_monotonic() << 7);
    mix ^= mix >> 29;
    mix *= 0xbf58476d1ce4e5b9ULL;
    mix ^= mix >> 32;
    static const char hex[] = "0123456789abcdef";
    char tmp[32];
    size_t k = 0;
    do {
        tmp[k++] = hex[inc & 15];
        inc >>= 4;
    } while (inc);
    size_t o = 0;
    while (k)
        reg->incarnation[o++] = tmp[--k];
    for (int i = 3; i >= 0; i--)
        reg->incarnation[o++] = hex[(mix >> (4 * i)) & 15];
    reg->incarnation[o] = '\0';
}

const char *cimjob_registry_incarnation(const cimjob_registry *reg)
{
    return reg ? reg->incarnation : "";
}

/* ---- lifetime -------------------------------------------------------------------------- */

void cimjob__reg_ref(cimjob_registry *reg)
{
    atomic_fetch_add_explicit(&reg->refs, 1, memory_order_relaxed);
}

void cimjob__reg_unref(cimjob_registry *reg)
{
    if (atomic_fetch_sub_explicit(&reg->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < reg->ntombs_buckets; i++) {
        cimjob__tombstone *t = reg->tombs[i];
        while (t) {
            cimjob__tombstone *next = t->next;
            cimjob__free(t);
            t = next;
        }
    }
    cimjob__free(reg->tombs);
    cimjob__free(reg->buckets);
    cimjob__free(reg->timers);
    cimjob__free(reg->events);
    cimjob__mutex_destroy(&reg->pump);
    cimjob__cond_destroy(&reg->cond);
    cimjob__mutex_destroy(&reg->lock);
    cimjob__rwlock_destroy(&reg->map_lock);
    cimjob__free(reg);
}

cimjob_rc cimjob_registry_options_init(cimjob_registry_options *opts, unsigned int version)
{
    if (!opts)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_registry_options_init: opts is NULL");
    if (version != CIMJOB_REGISTRY_OPTIONS_VERSION)
        return cimjob__fail(CIMJOB_RC_INVALID_VERSION,
                            "cimjob_registry_options_init: unknown version %u", version);
    cimjob_registry_options def = CIMJOB_REGISTRY_OPTIONS_INIT;
    *opts = def;
    return CIMJOB_RC_SUCCESS;
}

/* The host interface a backend gets: dispatch now, and when is the next timer. */
static void host_notify(void *core)
{
    cimjob_registry *reg = core;
    cimjob__mutex_lock(&reg->pump);
    if (reg->be->dispatch)
        reg->be->dispatch(reg->be_state);
    cimjob__mutex_unlock(&reg->pump);
    cimjob_registry_dispatch(reg);
}

static unsigned int backend_have(const cimjob_backend *be)
{
    unsigned int have = 0;
    if (be->terminate)
        have |= CIMJOB__HAVE_TERMINATE;
    if (be->kill)
        have |= CIMJOB__HAVE_KILL;
    if (be->suspend)
        have |= CIMJOB__HAVE_SUSPEND;
    if (be->resume)
        have |= CIMJOB__HAVE_RESUME;
    if (be->service)
        have |= CIMJOB__HAVE_SERVICE;
    if ((be->caps & CIMJOB_CAP_TIMEOUT) && be->kill)
        have |= CIMJOB__HAVE_TIMEOUT;
    return have;
}

static cimjob_rc check_backend(const cimjob_backend *be)
{
    if (be->version != CIMJOB_BACKEND_VERSION)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_registry_new: backend version %u is not %u", be->version,
                            CIMJOB_BACKEND_VERSION);
    if (!be->name || !*be->name || strlen(be->name) > 31)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_registry_new: backend name missing or longer than 31 bytes");
    if (!be->open || !be->close || !be->spawn || !be->release)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_registry_new: backend '%s' lacks open, close, spawn or release",
                            be->name);
    if (be->wait && !be->wake)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_registry_new: backend '%s' has wait but no wake", be->name);
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_registry_new(const cimjob_registry_options *opts, cimjob_registry **out)
{
    cimjob_registry_options def = CIMJOB_REGISTRY_OPTIONS_INIT;
    cimjob_rc rc;

    if (!out)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_registry_new: out is NULL");
    if (!opts)
        opts = &def;
    if (opts->version != CIMJOB_REGISTRY_OPTIONS_VERSION)
        return cimjob__fail(CIMJOB_RC_INVALID_VERSION,
                            "cimjob_registry_new: unknown options version %u", opts->version);
    const char *org = opts->org_id ? opts->org_id : DEFAULT_ORG_ID;
    if (!*org || strlen(org) > CIMJOB__ORG_ID_MAX || strchr(org, ':'))
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_registry_new: OrgID must be 1..%d bytes without ':'",
                            CIMJOB__ORG_ID_MAX);
    if (!cimjob__utf8_valid(org))
        return cimjob__fail(CIMJOB_RC_INVALID_UTF8,
                            "cimjob_registry_new: OrgID is not valid UTF-8");
    if (opts->utc_offset_min < -999 || opts->utc_offset_min > 999)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_registry_new: utc_offset_min %d out of range -999..999",
                            opts->utc_offset_min);
    /* Every deadline is now + a bound in int64_t microseconds: keep the bounds, and a
     * Terminate's grace plus the kill after it, inside the CIM interval range. */
    uint64_t dtt = opts->default_terminate_timeout_us, kt = opts->kill_timeout_us;
    if (dtt != UINT64_MAX && dtt > CIMJOB_INTERVAL_MAX_US)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_registry_new: default_terminate_timeout_us over the CIM "
                            "interval maximum (UINT64_MAX means never escalate)");
    if (kt > CIMJOB_INTERVAL_MAX_US)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_registry_new: kill_timeout_us over the CIM interval maximum");
    if (dtt != UINT64_MAX && dtt + kt > CIMJOB_INTERVAL_MAX_US)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_registry_new: default_terminate_timeout_us + kill_timeout_us "
                            "over the CIM interval maximum");
    const cimjob_backend *be = opts->backend ? opts->backend : cimjob_backend_default();
    if (!be)
        return cimjob__fail(CIMJOB_RC_NO_BACKEND,
                            "cimjob_registry_new: this build has no default backend");
    if ((rc = check_backend(be)) != CIMJOB_RC_SUCCESS)
        return rc;

    cimjob_registry *reg = cimjob__calloc(1, sizeof *reg);
    if (!reg)
        return cimjob__fail(CIMJOB_RC_NO_MEMORY, "cimjob_registry_new: out of memory");
    reg->buckets = cimjob__calloc(INITIAL_BUCKETS, sizeof *reg->buckets);
    reg->tombs = cimjob__calloc(INITIAL_BUCKETS, sizeof *reg->tombs);
    if (!reg->buckets || !reg->tombs) {
        cimjob__free(reg->buckets);
        cimjob__free(reg->tombs);
        cimjob__free(reg);
        return cimjob__fail(CIMJOB_RC_NO_MEMORY, "cimjob_registry_new: out of memory");
    }
    reg->nbuckets = reg->ntombs_buckets = INITIAL_BUCKETS;
    if (cimjob__rwlock_init(&reg->map_lock) != 0) {
        rc = CIMJOB_RC_OS_ERROR;
        goto fail_alloc;
    }
    if (cimjob__mutex_init(&reg->lock) != 0) {
        rc = CIMJOB_RC_OS_ERROR;
        goto fail_map;
    }
    if (cimjob__cond_init(&reg->cond) != 0) {
        rc = CIMJOB_RC_OS_ERROR;
        goto fail_lock;
    }
    if (cimjob__mutex_init(&reg->pump) != 0) {
        rc = CIMJOB_RC_OS_ERROR;
        goto fail_cond;
    }
    atomic_init(&reg->refs, 1);
    atomic_init(&reg->generation, 1);
    cimjob__strlcpy(reg->org_id, org, sizeof reg->org_id);
    reg->on_state_change = opts->on_state_change;
    reg->userdata = opts->userdata;
    reg->default_terminate_timeout_us = opts->default_terminate_timeout_us;
    reg->kill_timeout_us = opts->kill_timeout_us;
    reg->is_privileged = opts->is_privileged;
    reg->utc_offset_min = opts->utc_offset_min;
    reg->creator_pid = cimjob__process_id();
    reg->next_local_id = 1;
    make_incarnation(reg);
    atomic_init(&reg->ind_mask, CIMJOB_EVENT_BIT(CIMJOB_EVENT_STATE_CHANGE));
    reg->be = be;
    reg->have = backend_have(be);
    reg->host.version = 1;
    reg->host.core = reg;
    reg->host.notify = host_notify;
    reg->host.next_deadline = cimjob__reg_next_deadline;
    rc = be->open(&reg->host, opts->backend_config, &reg->be_state);
    if (rc != CIMJOB_RC_SUCCESS)
        goto fail_pump;
    *out = reg;
    return CIMJOB_RC_SUCCESS;

fail_pump:
    cimjob__mutex_destroy(&reg->pump);
fail_cond:
    cimjob__cond_destroy(&reg->cond);
fail_lock:
    cimjob__mutex_destroy(&reg->lock);
fail_map:
    cimjob__rwlock_destroy(&reg->map_lock);
fail_alloc:
    if (rc == CIMJOB_RC_OS_ERROR)
        cimjob__fail(rc, "cimjob_registry_new: could not create a lock");
    cimjob__free(reg->buckets);
    cimjob__free(reg->tombs);
    cimjob__free(reg);
    return rc;
}

/* ---- changes, events, wake-ups ------------------------------------------------------------ */

uint64_t cimjob__reg_seq(cimjob_registry *reg)
{
    cimjob__mutex_lock(&reg->lock);
    uint64_t s = reg->seq;
    cimjob__mutex_unlock(&reg->lock);
    return s;
}

/* With reg->lock held. */
void cimjob__reg_poke_locked(cimjob_registry *reg)
{
    reg->seq++;
    cimjob__cond_broadcast(&reg->cond);
    if (reg->in_backend_wait)
        reg->be->wake(reg->be_state);
}

void cimjob__reg_poke(cimjob_registry *reg)
{
    cimjob__mutex_lock(&reg->lock);
    cimjob__reg_poke_locked(reg);
    cimjob__mutex_unlock(&reg->lock);
}

/* Append an event; with reg->lock held. Out of memory loses the callback, never the change.
 * Returns 1 when queued. */
static int queue_event(cimjob_registry *reg, cimjob_job *job, const cimjob_event *ev)
{
    if (!(atomic_load_explicit(&reg->ind_mask, memory_order_relaxed) &
          CIMJOB_EVENT_BIT(ev->kind)) ||
        !(reg->on_state_change || job->spawn_opts.on_state_change))
        return 0;
    if (reg->ev_count == reg->ev_cap) {
        size_t cap = reg->ev_cap ? reg->ev_cap * 2 : 16;
        cimjob__event_node *e = cimjob__malloc(cap * sizeof *e);
        if (e) {
            for (size_t i = 0; i < reg->ev_count; i++)
                e[i] = reg->events[(reg->ev_head + i) % reg->ev_cap];
            cimjob__free(reg->events);
            reg->events = e;
            reg->ev_cap = cap;
            reg->ev_head = 0;
        }
    }
    if (reg->ev_count == reg->ev_cap)
        return 0;
    cimjob__event_node *n = &reg->events[(reg->ev_head + reg->ev_count) % reg->ev_cap];
    n->ev = *ev;
    n->ev.job = cimjob_job_ref(job);
    n->ev.instance_id = job->instance_id;
    reg->ev_count++;
    return 1;
}

void cimjob__reg_changed(cimjob_registry *reg, cimjob_job *job, cimjob_job_state old_state,
                         cimjob_job_state new_state, int64_t when, uint32_t changed)
{
    cimjob_event ev;
    memset(&ev, 0, sizeof ev);
    ev.old_state = old_state;
    ev.new_state = new_state;
    ev.time_us = when;
    ev.kind = CIMJOB_EVENT_STATE_CHANGE;
    ev.changed = changed;
    cimjob__mutex_lock(&reg->lock);
    (void)queue_event(reg, job, &ev);
    cimjob__reg_poke_locked(reg);
    cimjob__mutex_unlock(&reg->lock);
}

int cimjob__reg_indicate(cimjob_registry *reg, cimjob_job *job, cimjob_event_kind kind,
                         uint32_t changed, cimjob_removal_cause cause)
{
    /* Nobody listens (the common case of a host without callbacks): no clock, no lock. */
    if (!(reg->on_state_change || job->spawn_opts.on_state_change) ||
        !(atomic_load_explicit(&reg->ind_mask, memory_order_relaxed) & CIMJOB_EVENT_BIT(kind)))
        return 0;
    cimjob_event ev;
    memset(&ev, 0, sizeof ev);
    ev.old_state = ev.new_state = job->state;
    ev.time_us = cimjob__reg_realtime(reg);
    ev.kind = kind;
    ev.changed = changed;
    ev.cause = cause;
    cimjob__mutex_lock(&reg->lock);
    int queued = queue_event(reg, job, &ev);
    if (queued)
        cimjob__reg_poke_locked(reg); /* a pollable loop dispatches it */
    cimjob__mutex_unlock(&reg->lock);
    return queued;
}

cimjob_rc cimjob_registry_set_indications(cimjob_registry *reg, unsigned int mask)
{
    if (!reg)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_registry_set_indications: reg is NULL");
    if (mask & ~(unsigned int)CIMJOB_EVENTS_ALL)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_registry_set_indications: unknown bits 0x%x",
                            mask & ~(unsigned int)CIMJOB_EVENTS_ALL);
    atomic_store(&reg->ind_mask, mask);
    return CIMJOB_RC_SUCCESS;
}

/* Callbacks run with no library lock held. This thread's depth of dispatch with a pump held:
 * an exit observed there only queues its event, and finish_pump() delivers it once the pump is
 * given up (a callback may then request, wait and pump itself). */
_Thread_local int cimjob__reg_pumping;

/* The registries whose callbacks run on this thread now, innermost first: freeing one of them
 * from its own callback is refused (its delivery loop still uses it). */
typedef struct deliver_frame {
    cimjob_registry *reg;
    struct deliver_frame *outer;
} deliver_frame;
static _Thread_local deliver_frame *tl_delivering;

static int delivering_here(const cimjob_registry *reg)
{
    for (const deliver_frame *f = tl_delivering; f; f = f->outer)
        if (f->reg == reg)
            return 1;
    return 0;
}

void cimjob__reg_deliver(cimjob_registry *reg)
{
    if (cimjob__reg_pumping)
        return;
    cimjob__mutex_lock(&reg->lock);
    if (reg->delivering) {
        cimjob__mutex_unlock(&reg->lock);
        return;
    }
    reg->delivering = 1;
    deliver_frame frame = {reg, tl_delivering};
    tl_delivering = &frame;
    while (reg->ev_count) {
        cimjob_event ev = reg->events[reg->ev_head].ev;
        reg->ev_head = (reg->ev_head + 1) % reg->ev_cap;
        reg->ev_count--;
        cimjob__mutex_unlock(&reg->lock);
        if (reg->on_state_change)
            reg->on_state_change(&ev, reg->userdata);
        if (ev.job->spawn_opts.on_state_change)
            ev.job->spawn_opts.on_state_change(&ev, ev.job->spawn_opts.userdata);
        if (ev.kind == CIMJOB_EVENT_DELETION)
            cimjob__job_drop_user_data(ev.job); /* after the callbacks that may read it */
        cimjob_job_release(ev.job);
        cimjob__mutex_lock(&reg->lock);
    }
    tl_delivering = frame.outer;
    reg->delivering = 0;
    cimjob__mutex_unlock(&reg->lock);
}

void cimjob__reg_queue_release(cimjob_registry *reg, cimjob_job *job)
{
    cimjob__mutex_lock(&reg->lock);
    if (!job->release_queued) {
        job->release_queued = 1;
        job->release_next = reg->release_head;
        reg->release_head = cimjob_job_ref(job);
    }
    cimjob__mutex_unlock(&reg->lock);
}

void cimjob__reg_drain_releases(cimjob_registry *reg)
{
    cimjob__mutex_lock(&reg->lock);
    cimjob_job *list = reg->release_head;
    reg->release_head = NULL;
    cimjob__mutex_unlock(&reg->lock);
    while (list) {
        cimjob_job *job = list;
        list = job->release_next;
        /* A recurring job is queued again at the end of its next run. */
        cimjob__mutex_lock(&reg->lock);
        job->release_queued = 0;
        cimjob__mutex_unlock(&reg->lock);
        cimjob__mutex_lock(&job->op_lock);
        cimjob__mutex_lock(&job->lock);
        void *be_job = NULL;
        /* Only work that is over: a new run may have started since the release was queued. */
        if (job->ended || job->between_runs || job->removed) {
            be_job = job->be_job;
            job->be_job = NULL;
        }
        cimjob__mutex_unlock(&job->lock);
        if (be_job)
            reg->be->release(reg->be_state, be_job);
        cimjob__mutex_unlock(&job->op_lock);
        cimjob_job_release(job);
    }
}

/* ---- free ----------------------------------------------------------------------------------- */

cimjob_rc cimjob_registry_free(cimjob_registry *reg)
{
    if (!reg)
        return CIMJOB_RC_SUCCESS;
    if (delivering_here(reg))
        return cimjob__fail(CIMJOB_RC_BUSY,
                            "cimjob_registry_free: called from a callback of the same registry "
                            "(free it after the callback has returned)");
    cimjob_rc result = CIMJOB_RC_SUCCESS;
    cimjob_job **jobs = NULL;
    size_t n = 0;
    /* In a child after fork(): the jobs are the parent's. Free memory and descriptors only
     * (the backend sees the fork too and signals, removes and takes nothing). */
    int forked = cimjob__process_id() != reg->creator_pid;

    /* No new jobs from here on; then kill whatever is alive, bounded: one deadline for the
     * whole call, however many jobs cannot die yet (the backend takes care of those later). */
    cimjob__rwlock_wrlock(&reg->map_lock);
    reg->closed = 1;
    cimjob__rwlock_wrunlock(&reg->map_lock);
    int64_t deadline = cimjob__reg_now(reg) + (int64_t)reg->kill_timeout_us;
    while (cimjob_registry_list(reg, &jobs, &n) != CIMJOB_RC_SUCCESS) {
        /* Out of memory: remove one job at a time instead. */
        cimjob__rwlock_rdlock(&reg->map_lock);
        cimjob_job *j = reg->head ? cimjob_job_ref(reg->head) : NULL;
        cimjob__rwlock_rdunlock(&reg->map_lock);
        if (!j)
            break;
        if (!forked && cimjob__job_kill_for_close(j)) {
            while (!j->ended && cimjob__reg_now(reg) < deadline)
                cimjob__reg_pump(reg, deadline, cimjob__reg_seq(reg));
            cimjob__mutex_lock(&j->lock);
            int ended = j->ended;
            cimjob__mutex_unlock(&j->lock);
            if (!ended)
                result = cimjob__fail(CIMJOB_RC_TIMEOUT,
                                      "cimjob_registry_free: a job not confirmed ended");
        }
        cimjob__job_remove_cause(j, CIMJOB_REMOVAL_REGISTRY_FREE);
        cimjob__reg_queue_release(reg, j); /* the backend's part too (no allocation) */
        cimjob_job_release(j);
    }
    int waiting = 0;
    for (size_t i = 0; !forked && i < n; i++)
        waiting += cimjob__job_kill_for_close(jobs[i]);
    if (waiting) {
        for (;;) {
            uint64_t seq = cimjob__reg_seq(reg);
            size_t alive = 0;
            for (size_t i = 0; i < n; i++) {
                cimjob__mutex_lock(&jobs[i]->lock);
                alive += jobs[i]->be_job && !jobs[i]->ended;
                cimjob__mutex_unlock(&jobs[i]->lock);
            }
            if (!alive)
                break;
            if (cimjob__reg_now(reg) >= deadline) {
                result =
                    cimjob__fail(CIMJOB_RC_TIMEOUT,
                                 "cimjob_registry_free: %zu job(s) not confirmed ended", alive);
                break;
            }
            if (cimjob__reg_pump(reg, deadline, seq) == CIMJOB_RC_WOULD_BLOCK)
                break;
        }
    }
    for (size_t i = 0; i < n; i++) {
        cimjob__job_remove_cause(jobs[i], CIMJOB_REMOVAL_REGISTRY_FREE);
        cimjob__reg_queue_release(reg, jobs[i]);
    }
    cimjob_job_list_free(jobs, n);
    cimjob__reg_drain_releases(reg);
    cimjob__reg_deliver(reg);

    /* Drop the timers (their references) and the backend. */
    cimjob__mutex_lock(&reg->lock);
    cimjob__timer *timers = reg->timers;
    size_t ntimers = reg->ntimers;
    reg->timers = NULL;
    reg->ntimers = reg->timers_cap = 0;
    cimjob__mutex_unlock(&reg->lock);
    for (size_t i = 0; i < ntimers; i++)
        cimjob_job_release(timers[i].job);
    cimjob__free(timers);
    cimjob__reg_drain_releases(reg);
    reg->be->close(reg->be_state);
    reg->be_state = NULL;
    cimjob__reg_unref(reg);
    return result;
}
