/*
 * The pump: the one thread at a time that waits in the backend, observes exits and runs
 * timers; and the entry points that drive it (run, dispatch, next timeout, descriptor).
 */

#include "registry_internal.h"

/* Observe exits and run timers; with reg->pump held. */
static cimjob_rc dispatch_locked(cimjob_registry *reg)
{
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    cimjob__reg_pumping++;
    if (reg->be->dispatch)
        rc = reg->be->dispatch(reg->be_state);
    cimjob__reg_run_timers(reg);
    cimjob__reg_pumping--;
    return rc;
}

static void finish_pump(cimjob_registry *reg)
{
    cimjob__mutex_unlock(&reg->pump);
    /* Another waiter may take the pump over now. */
    cimjob__reg_poke(reg);
    cimjob__reg_drain_releases(reg);
    cimjob__reg_deliver(reg);
}

static int64_t until_of(cimjob_registry *reg, int64_t deadline, int64_t now)
{
    int64_t next = cimjob__reg_next_deadline(reg);
    int64_t until = deadline;
    if (next >= 0 && (until < 0 || next < until))
        until = next;
    if (until < 0)
        return -1;
    return until > now ? until - now : 0;
}

cimjob_rc cimjob__reg_pump(cimjob_registry *reg, int64_t deadline, uint64_t seen_seq)
{
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    int64_t now = cimjob__reg_now(reg);
    int64_t wait_us = until_of(reg, deadline, now);

    if (cimjob__mutex_trylock(&reg->pump) == 0) {
        cimjob__mutex_lock(&reg->lock);
        int changed = reg->seq != seen_seq;
        if (!changed && reg->be->wait) {
            reg->in_backend_wait = 1;
            cimjob__mutex_unlock(&reg->lock);
            rc = reg->be->wait(reg->be_state, wait_us);
            cimjob__mutex_lock(&reg->lock);
            reg->in_backend_wait = 0;
        } else if (!changed) {
            if (wait_us < 0)
                cimjob__cond_wait(&reg->cond, &reg->lock);
            else
                cimjob__cond_timedwait(&reg->cond, &reg->lock, wait_us);
        }
        cimjob__mutex_unlock(&reg->lock);
        cimjob_rc drc = dispatch_locked(reg);
        finish_pump(reg);
        return rc != CIMJOB_RC_SUCCESS ? rc : drc;
    }
    /* Someone else pumps: sleep until it reports a change or gives the pump up. */
    cimjob__mutex_lock(&reg->lock);
    if (reg->seq == seen_seq) {
        if (wait_us < 0)
            cimjob__cond_wait(&reg->cond, &reg->lock);
        else
            cimjob__cond_timedwait(&reg->cond, &reg->lock, wait_us);
    }
    cimjob__mutex_unlock(&reg->lock);
    return rc;
}

cimjob_rc cimjob_registry_dispatch(cimjob_registry *reg)
{
    if (!reg)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_registry_dispatch: reg is NULL");
    if (cimjob__reg_forked(reg, "cimjob_registry_dispatch"))
        return CIMJOB_RC_NOT_SUPPORTED;
    if (cimjob__mutex_trylock(&reg->pump) != 0) {
        /* A waiting thread pumps: make it look now. */
        cimjob__reg_poke(reg);
        return CIMJOB_RC_SUCCESS;
    }
    cimjob_rc rc = dispatch_locked(reg);
    finish_pump(reg);
    return rc;
}

int cimjob__reg_forked(cimjob_registry *reg, const char *fn)
{
    if (cimjob__process_id() == reg->creator_pid)
        return 0;
    /* The jobs, their descriptors and the exit observation are the parent's: a child that
     * acted on them would kill the parent's jobs or take its events. */
    cimjob__fail(CIMJOB_RC_NOT_SUPPORTED,
                 "%s: the registry belongs to the parent of this fork()ed process (only queries, "
                 "releases and cimjob_registry_free, which frees memory only, work here)",
                 fn);
    return 1;
}

int64_t cimjob__reg_deadline(cimjob_registry *reg, int64_t timeout_us)
{
    if (timeout_us < 0)
        return -1;
    int64_t now = cimjob__reg_now(reg);
    /* Past the clock's range (INT64_MAX and its neighbours): no deadline, never an overflow. */
    return timeout_us > INT64_MAX - now ? -1 : now + timeout_us;
}

cimjob_rc cimjob_registry_run(cimjob_registry *reg, int64_t timeout_us)
{
    if (!reg)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_registry_run: reg is NULL");
    if (cimjob__reg_forked(reg, "cimjob_registry_run"))
        return CIMJOB_RC_NOT_SUPPORTED;
    int64_t deadline = cimjob__reg_deadline(reg, timeout_us);
    cimjob_rc rc = cimjob__reg_pump(reg, deadline, cimjob__reg_seq(reg));
    if (rc == CIMJOB_RC_WOULD_BLOCK)
        rc = CIMJOB_RC_SUCCESS;
    return rc;
}

cimjob_rc cimjob_registry_next_timeout(cimjob_registry *reg, int64_t *timeout_us)
{
    if (!reg || !timeout_us)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_registry_next_timeout: NULL argument");
    int64_t next = cimjob__reg_next_deadline(reg);
    if (next < 0) {
        *timeout_us = -1;
    } else {
        int64_t now = cimjob__reg_now(reg);
        *timeout_us = next > now ? next - now : 0;
    }
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_registry_fd(cimjob_registry *reg, intptr_t *fd)
{
    if (!reg || !fd)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_registry_fd: NULL argument");
    intptr_t h = reg->be->pollable ? reg->be->pollable(reg->be_state) : -1;
    if (h == -1)
        return cimjob__fail(CIMJOB_RC_NOT_SUPPORTED,
                            "cimjob_registry_fd: backend '%s' has no pollable descriptor",
                            reg->be->name);
    *fd = h;
    return CIMJOB_RC_SUCCESS;
}
