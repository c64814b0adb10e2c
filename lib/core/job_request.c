/*
 * RequestStateChange: decide (the state table), act (job_act.c), await the end; the errors
 * a failed request leaves on the job.
 */

#include <cimjob/cim_error.h>

#include <stdio.h>
#include <string.h>

#include "job_internal.h"

#define KNOWN_REQUEST_FLAGS (CIMJOB_REQUEST_ASYNC | CIMJOB_REQUEST_NO_ESCALATE)

int cimjob__caller_allowed(cimjob_job *job, const char *caller)
{
    cimjob_registry *reg = job->reg;
    if (!caller || strcmp(caller, job->spawn_opts.owner) == 0)
        return 1;
    return reg->is_privileged && reg->is_privileged(caller, reg->userdata);
}

/* Terminate and Kill: wait for the end within the request's bound (or not, with ASYNC), then
 * answer as the end came about. */
int cimjob__job_wait_for_end(cimjob_job *job, const cimjob__request *rq)
{
    cimjob_registry *reg = job->reg;
    uint64_t tmo = rq->timeout_us;
    cimjob__mutex_lock(&job->lock);
    int ended = job->ended, pending = job->pending, no_escalate = job->no_escalate;
    cimjob__mutex_unlock(&job->lock);
    if (!ended) {
        if (rq->flags & CIMJOB_REQUEST_ASYNC)
            return CIMJOB_RSC_TRANSITION_STARTED;
        int64_t now = cimjob__reg_now(reg), deadline;
        uint64_t bound;
        if (pending == CIMJOB__PENDING_KILL) {
            bound = tmo ? tmo : reg->kill_timeout_us;
        } else {
            uint64_t grace = cimjob__job_terminate_timeout(job, tmo);
            if (grace == UINT64_MAX)
                bound = UINT64_MAX;
            else
                bound = no_escalate ? grace : grace + reg->kill_timeout_us;
        }
        deadline = bound >= (uint64_t)INT64_MAX - (uint64_t)now ? -1 : now + (int64_t)bound;
        cimjob_rc rc = cimjob__job_wait_state(job, CIMJOB_STATES_FINAL, deadline, NULL);
        /* NOT_FOUND: removed by DeleteOnKill, so it ended. */
        if (rc != CIMJOB_RC_SUCCESS && rc != CIMJOB_RC_NOT_FOUND)
            return cimjob__fail_rsc(CIMJOB_RSC_TIMEOUT,
                                    "RequestStateChange(%s): job '%s' did not end within the bound",
                                    cimjob_requested_state_name(rq->requested), job->instance_id);
    }
    cimjob__mutex_lock(&job->lock);
    int escalated = job->escalated;
    /* KillJob(DeleteOnKill) answers once the job is out of the registry: the thread that saw
     * the end may not have removed it yet (cimjob__job_after_end() runs after the final state is
     * set). */
    int remove_now = rq->kill_job && job->ended && job->delete_on_kill && !job->removed;
    cimjob__mutex_unlock(&job->lock);
    if (remove_now)
        cimjob__job_remove(job);
    if (escalated && rq->requested == CIMJOB_REQUEST_TERMINATE)
        return cimjob__fail_rsc(CIMJOB_RSC_TIMEOUT,
                                "RequestStateChange(Terminate): job '%s' did not end within its "
                                "TimeoutPeriod and was killed",
                                job->instance_id);
    return CIMJOB_RSC_COMPLETED;
}

int cimjob__job_request(cimjob_job *job, const cimjob__request *rq)
{
    cimjob_registry *reg = job->reg;
    if (cimjob__reg_forked(reg, "RequestStateChange"))
        return CIMJOB_RSC_NOT_SUPPORTED;

    cimjob__reg_drain_releases(reg);
    cimjob__mutex_lock(&job->lock);
    if (job->removed) {
        cimjob__mutex_unlock(&job->lock);
        return cimjob__fail_rsc(CIMJOB_RSC_INVALID_STATE_TRANSITION,
                                "RequestStateChange: job '%s' was removed", job->instance_id);
    }
    cimjob__decision d = cimjob__state_decide((int)job->state, job->busy, rq->requested, reg->have,
                                              rq->timeout_us != 0);
    if (job->between_runs && !job->busy) {
        /* A recurring job between runs has no work in the backend: Start runs it now,
         * Terminate and Kill end it like a job never started, Service has nothing to serve. */
        if (rq->requested == CIMJOB_REQUEST_START && d.action == CIMJOB__ACT_RESUME)
            d.action = CIMJOB__ACT_SPAWN;
        else if (d.action == CIMJOB__ACT_TERMINATE || d.action == CIMJOB__ACT_KILL)
            d.action = CIMJOB__ACT_END_UNSTARTED;
        else if (d.action == CIMJOB__ACT_SERVICE)
            d = (cimjob__decision){CIMJOB_RSC_INVALID_STATE_TRANSITION, CIMJOB__ACT_NONE};
    }
    if (d.action == CIMJOB__ACT_NONE) {
        cimjob_job_state st = job->state;
        cimjob__mutex_unlock(&job->lock);
        if (d.rsc != CIMJOB_RSC_COMPLETED)
            cimjob__fail_rsc(d.rsc, "RequestStateChange(%s) from %s: %s",
                             cimjob_requested_state_name(rq->requested),
                             cimjob_job_state_name((int)st), cimjob_rsc_rc_name(d.rsc));
        return d.rsc;
    }
    /* KillJob's DeleteOnKill, undone by cimjob__act_stop if the kill cannot even be signalled. */
    int prev_delete_on_kill = job->delete_on_kill, prev_keep = job->keep;
    if (rq->kill_job) {
        /* DeleteOnKill is sticky: a KillJob without it that arrives while another caller's
         * KillJob(DeleteOnKill) is in progress does not cancel that deletion. */
        job->delete_on_kill = job->delete_on_kill || rq->delete_on_kill;
        job->keep = !job->delete_on_kill;
    }

    /* The run queue: a Start beyond the registry's limit waits for a slot. */
    if (d.action == CIMJOB__ACT_SPAWN && !rq->admitted && !cimjob__queue_admit(job)) {
        if (job->waiting != CIMJOB_WAITING_QUEUE) {
            job->waiting = CIMJOB_WAITING_QUEUE;
            cimjob__job_touch(job);
            (void)cimjob__job_set_text(&job->job_status, CIMJOB__QUEUE_WAIT_TEXT);
            cimjob__reg_indicate(reg, job, CIMJOB_EVENT_MODIFICATION, CIMJOB_PROPERTY_JOB_STATUS,
                                 CIMJOB_REMOVAL_NONE);
        }
        cimjob__mutex_unlock(&job->lock);
        cimjob__reg_deliver(reg);
        return CIMJOB_RSC_TRANSITION_STARTED;
    }
    cimjob__outcome o;
    int64_t t0 = cimjob__reg_now(reg);
    switch (d.action) {
    case CIMJOB__ACT_END_UNSTARTED:
        o = cimjob__act_end_unstarted(job, rq);
        break;
    case CIMJOB__ACT_PEND_KILL:
    case CIMJOB__ACT_PEND_TERMINATE:
        o = cimjob__act_pend(job, rq, d.action);
        break;
    case CIMJOB__ACT_SPAWN:
        o = cimjob__act_start(job, rq);
        break;
    case CIMJOB__ACT_RESUME:
    case CIMJOB__ACT_SUSPEND:
    case CIMJOB__ACT_SERVICE:
        o = cimjob__act_pause_resume(job, d.action);
        break;
    case CIMJOB__ACT_TERMINATE:
    case CIMJOB__ACT_KILL:
        o = cimjob__act_stop(job, rq, d.action == CIMJOB__ACT_KILL, prev_delete_on_kill, prev_keep);
        break;
    default:
        cimjob__mutex_unlock(&job->lock);
        o = (cimjob__outcome){CIMJOB_RSC_UNKNOWN, 0};
        break;
    }
    cimjob__reg_drain_releases(reg);
    cimjob__reg_deliver(reg);
    if (o.waits)
        return cimjob__job_wait_for_end(job, rq);
    /* Start, Suspend and Service complete before the call returns: a TimeoutPeriod is
     * honoured by checking that they did so in time. */
    if (o.rsc == CIMJOB_RSC_COMPLETED && rq->timeout_us &&
        (d.action == CIMJOB__ACT_SPAWN || d.action == CIMJOB__ACT_RESUME ||
         d.action == CIMJOB__ACT_SUSPEND || d.action == CIMJOB__ACT_SERVICE) &&
        (uint64_t)(cimjob__reg_now(reg) - t0) > rq->timeout_us)
        return cimjob__fail_rsc(CIMJOB_RSC_TIMEOUT,
                                "RequestStateChange(%s): job '%s' reached its new state only "
                                "after its TimeoutPeriod",
                                cimjob_requested_state_name(rq->requested), job->instance_id);
    return o.rsc;
}

void cimjob__job_start_admitted(cimjob_job *job)
{
    cimjob__mutex_lock(&job->lock);
    int startable =
        (job->state == CIMJOB_JOB_STATE_NEW || job->between_runs) && !job->removed && !job->ended;
    if (!startable) {
        cimjob__queue_leave(job);
        cimjob__mutex_unlock(&job->lock);
        return;
    }
    job->waiting = CIMJOB_WAITING_NONE;
    cimjob__job_touch(job);
    if (job->job_status && strcmp(job->job_status, CIMJOB__QUEUE_WAIT_TEXT) == 0)
        (void)cimjob__job_set_text(&job->job_status, "");
    cimjob__mutex_unlock(&job->lock);
    cimjob__request rq = {CIMJOB_REQUEST_START, 0, 0, 0, 0, 1};
    if (cimjob__job_request(job, &rq) != CIMJOB_RSC_COMPLETED) {
        /* Not started after all (ended meanwhile, or the start failed): its end freed the slot;
         * otherwise free it here. */
        cimjob__mutex_lock(&job->lock);
        if (!job->ended && (job->state == CIMJOB_JOB_STATE_NEW || job->between_runs))
            cimjob__queue_leave(job);
        cimjob__mutex_unlock(&job->lock);
    }
}

/* A request that failed on a live job becomes a CIM_Error of the job (GetErrors), beside the
 * thread-local detail. Rejections (4097, 4099, Invalid Parameter) change nothing and are not
 * recorded. No lock held. */
void cimjob__job_record_request_error(cimjob_job *job, const char *what, int requested,
                                      uint64_t timeout_us, int rsc)
{
    char detail[CIMJOB_TEXT_MAX + 1], num[16], tmo[CIMJOB_DATETIME_SIZE];
    cimjob__strlcpy(detail, cimjob_last_error(), sizeof detail);
    if (!*detail)
        cimjob__strlcpy(detail, cimjob_rsc_rc_message(rsc), sizeof detail);
    snprintf(num, sizeof num, "%d", rsc);
    if (cimjob_interval_format(timeout_us, tmo) != CIMJOB_RC_SUCCESS)
        tmo[0] = '\0';
    cimjob__mutex_lock(&job->lock);
    if (job->removed) {
        cimjob__mutex_unlock(&job->lock);
        return;
    }
    switch (rsc) {
    case CIMJOB_RSC_NOT_SUPPORTED:
    case CIMJOB_RSC_UNKNOWN:
    case CIMJOB_RSC_FAILED:
        /* A Start that failed ended the job: its end error says why. */
        if (requested != CIMJOB_REQUEST_START || !job->ended) {
            const char *args[4] = {what, num, cimjob_rsc_rc_name(rsc), detail};
            cimjob__job_add_error(job, CIMJOB_MSG_REQUEST_FAILED, 0, (uint32_t)rsc,
                                  rsc == CIMJOB_RSC_NOT_SUPPORTED ? CIMJOB_CIM_ERR_NOT_SUPPORTED
                                                                  : CIMJOB_CIM_ERR_FAILED,
                                  4, args);
        }
        break;
    case CIMJOB_RSC_TIMEOUT:
        if (requested == CIMJOB_REQUEST_KILL) {
            if (cimjob_interval_format(timeout_us ? timeout_us : job->reg->kill_timeout_us, tmo) !=
                CIMJOB_RC_SUCCESS)
                tmo[0] = '\0';
            const char *args[1] = {tmo};
            cimjob__job_add_error(job, CIMJOB_MSG_KILL_NOT_CONFIRMED, 0, (uint32_t)rsc, 0, 1, args);
        } else if (!job->escalated) { /* an escalation is recorded when it happens */
            const char *args[2] = {what, tmo};
            cimjob__job_add_error(job, CIMJOB_MSG_REQUEST_TIMEOUT, 0, (uint32_t)rsc, 0, 2, args);
        }
        break;
    case CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED: {
        const char *args[2] = {what, tmo};
        cimjob__job_add_error(job, CIMJOB_MSG_TIMEOUT_NOT_SUPPORTED, 0, (uint32_t)rsc, 0, 2, args);
        break;
    }
    default:
        break;
    }
    cimjob__mutex_unlock(&job->lock);
}

int cimjob__check_request_options(const cimjob_request_options *opts, const char *fn)
{
    if (opts->version != CIMJOB_REQUEST_OPTIONS_VERSION) {
        cimjob__fail(CIMJOB_RC_INVALID_VERSION, "%s: unknown request options version %u", fn,
                     opts->version);
        return 0;
    }
    if (opts->flags & ~(unsigned int)KNOWN_REQUEST_FLAGS) {
        cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "%s: unknown request flags 0x%x", fn,
                     opts->flags & ~(unsigned int)KNOWN_REQUEST_FLAGS);
        return 0;
    }
    if (opts->timeout_us > CIMJOB_INTERVAL_MAX_US) {
        cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "%s: TimeoutPeriod over the CIM maximum", fn);
        return 0;
    }
    return 1;
}

cimjob_rsc_rc cimjob_request_state_change_ex(cimjob_job *job, cimjob_requested_state requested,
                                             const cimjob_request_options *opts)
{
    cimjob_request_options def = CIMJOB_REQUEST_OPTIONS_INIT;
    if (!job)
        return (cimjob_rsc_rc)cimjob__fail_rsc(CIMJOB_RSC_INVALID_PARAMETER,
                                               "RequestStateChange: job is NULL");
    if (!opts)
        opts = &def;
    if (!cimjob__check_request_options(opts, "RequestStateChange"))
        return CIMJOB_RSC_INVALID_PARAMETER;
    if (!cimjob__caller_allowed(job, opts->caller))
        return (cimjob_rsc_rc)cimjob__fail_rsc(
            CIMJOB_RSC_ACCESS_DENIED, "RequestStateChange: '%.200s' may not act on job '%s'",
            opts->caller, job->instance_id);
    cimjob__request rq = {(int)requested, opts->timeout_us, opts->flags, 0, 0, 0};
    int rsc = cimjob__job_request(job, &rq);
    if (rsc != CIMJOB_RSC_COMPLETED && rsc != CIMJOB_RSC_TRANSITION_STARTED) {
        char what[48];
        snprintf(what, sizeof what, "%s", cimjob_requested_state_name((int)requested));
        cimjob__job_record_request_error(job, what, (int)requested, opts->timeout_us, rsc);
    }
    return (cimjob_rsc_rc)rsc;
}

cimjob_rsc_rc cimjob_request_state_change(cimjob_job *job, cimjob_requested_state requested,
                                          const char *timeout_period)
{
    cimjob_request_options opts = CIMJOB_REQUEST_OPTIONS_INIT;
    if (timeout_period) {
        cimjob_datetime dt;
        if (cimjob_datetime_parse(timeout_period, &dt) != CIMJOB_RC_SUCCESS ||
            dt.kind != CIMJOB_DATETIME_INTERVAL)
            return (cimjob_rsc_rc)cimjob__fail_rsc(
                CIMJOB_RSC_INVALID_PARAMETER,
                "RequestStateChange: TimeoutPeriod '%.40s' is not a CIM interval", timeout_period);
        opts.timeout_us = dt.interval_us;
    }
    return cimjob_request_state_change_ex(job, requested, &opts);
}
