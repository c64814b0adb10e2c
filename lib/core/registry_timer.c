/*
 * A registry's timers: a binary min-heap on the deadline, run by the pump.
 */

#include "registry_internal.h"

int64_t cimjob__reg_next_deadline(void *core)
{
    cimjob_registry *reg = core;
    int64_t when = -1;
    cimjob__mutex_lock(&reg->lock);
    if (reg->ntimers)
        when = reg->timers[0].when;
    cimjob__mutex_unlock(&reg->lock);
    return when;
}

static void heap_swap(cimjob__timer *a, cimjob__timer *b)
{
    cimjob__timer t = *a;
    *a = *b;
    *b = t;
}

cimjob_rc cimjob__reg_timer_add(cimjob_registry *reg, cimjob_job *job, int kind, int64_t when)
{
    cimjob__mutex_lock(&reg->lock);
    if (reg->ntimers == reg->timers_cap) {
        size_t cap = reg->timers_cap ? reg->timers_cap * 2 : 32;
        cimjob__timer *t = cimjob__realloc(reg->timers, cap * sizeof *t);
        if (!t) {
            cimjob__mutex_unlock(&reg->lock);
            return cimjob__fail(CIMJOB_RC_NO_MEMORY, "cimjob: out of memory for a timer");
        }
        reg->timers = t;
        reg->timers_cap = cap;
    }
    size_t i = reg->ntimers++;
    reg->timers[i].when = when;
    reg->timers[i].job = cimjob_job_ref(job);
    reg->timers[i].kind = kind;
    while (i > 0 && reg->timers[(i - 1) / 2].when > reg->timers[i].when) {
        heap_swap(&reg->timers[(i - 1) / 2], &reg->timers[i]);
        i = (i - 1) / 2;
    }
    /* A waiter sleeping until a later deadline must re-arm. */
    cimjob__reg_poke_locked(reg);
    cimjob__mutex_unlock(&reg->lock);
    return CIMJOB_RC_SUCCESS;
}

static void heap_sift_down(cimjob_registry *reg, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < reg->ntimers && reg->timers[l].when < reg->timers[m].when)
            m = l;
        if (r < reg->ntimers && reg->timers[r].when < reg->timers[m].when)
            m = r;
        if (m == i)
            return;
        heap_swap(&reg->timers[i], &reg->timers[m]);
        i = m;
    }
}

/* A removed job's retention timer would keep its memory for TimeBeforeRemoval (five minutes by
 * default): at a high rate of jobs that is a lot of dead jobs. Compact once removed jobs could
 * make up half the heap, so the cost stays amortised O(1) per removal. */
void cimjob__reg_job_gone(cimjob_registry *reg)
{
    cimjob_job **drop = NULL;
    size_t ndrop = 0;
    cimjob__mutex_lock(&reg->lock);
    reg->gone++;
    if (reg->gone >= 64 && reg->gone * 2 >= reg->ntimers) {
        drop = cimjob__malloc(reg->ntimers * sizeof *drop);
        if (drop) { /* out of memory: try again at the next removal */
            size_t k = 0;
            for (size_t i = 0; i < reg->ntimers; i++) {
                if (atomic_load(&reg->timers[i].job->dead))
                    drop[ndrop++] = reg->timers[i].job;
                else
                    reg->timers[k++] = reg->timers[i];
            }
            reg->ntimers = k;
            for (size_t i = k / 2; i-- > 0;)
                heap_sift_down(reg, i);
            reg->gone = 0;
        }
    }
    cimjob__mutex_unlock(&reg->lock);
    for (size_t i = 0; i < ndrop; i++)
        cimjob_job_release(drop[i]);
    cimjob__free(drop);
}

/* Pop the earliest timer if it is due; with reg->lock held. */
static int heap_pop_due(cimjob_registry *reg, int64_t now, cimjob__timer *out)
{
    if (!reg->ntimers || reg->timers[0].when > now)
        return 0;
    *out = reg->timers[0];
    reg->timers[0] = reg->timers[--reg->ntimers];
    heap_sift_down(reg, 0);
    return 1;
}

void cimjob__reg_run_timers(cimjob_registry *reg)
{
    int64_t now = cimjob__reg_now(reg);
    cimjob__timer t;
    cimjob__mutex_lock(&reg->lock);
    while (heap_pop_due(reg, now, &t)) {
        cimjob__mutex_unlock(&reg->lock);
        cimjob__job_timer(t.job, t.kind, t.when);
        cimjob_job_release(t.job);
        cimjob__mutex_lock(&reg->lock);
    }
    cimjob__mutex_unlock(&reg->lock);
}
