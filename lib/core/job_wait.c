/*
 * Waiting for a job to reach a state (cimjob_wait).
 */

#include "job_internal.h"

/* Wait until the state is in mask, the job is removed, or the monotonic deadline (-1: none). */
cimjob_rc cimjob__job_wait_state(cimjob_job *job, uint32_t mask, int64_t deadline,
                                 cimjob_job_state *state)
{
    cimjob_registry *reg = job->reg;
    int would_block = 0;
    for (;;) {
        uint64_t seq = cimjob__reg_seq(reg);
        cimjob__mutex_lock(&job->lock);
        cimjob_job_state st = job->state;
        int removed = job->removed;
        cimjob__mutex_unlock(&job->lock);
        if (state)
            *state = st;
        if (CIMJOB_STATE_BIT(st) & mask)
            return CIMJOB_RC_SUCCESS;
        if (removed)
            return cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_wait: job '%s' was removed",
                                job->instance_id);
        if (would_block || (deadline >= 0 && cimjob__reg_now(reg) >= deadline))
            return cimjob__fail(CIMJOB_RC_TIMEOUT, "cimjob_wait: timed out in state %s",
                                cimjob_job_state_name(st));
        cimjob_rc rc = cimjob__reg_pump(reg, deadline, seq);
        if (rc == CIMJOB_RC_WOULD_BLOCK)
            would_block = 1; /* nothing can happen any more (a virtual clock at rest) */
        else if (rc != CIMJOB_RC_SUCCESS)
            return rc;
    }
}

cimjob_rc cimjob_wait(cimjob_job *job, uint32_t state_mask, int64_t timeout_us,
                      cimjob_job_state *state)
{
    const uint32_t valid = ((1u << 13) - 1) & ~3u;
    if (!job)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_wait: job is NULL");
    if (state_mask & ~valid)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_wait: state mask has bits outside JobStates 2..12");
    if (!state_mask)
        state_mask = CIMJOB_STATES_FINAL;
    cimjob__mutex_lock(&job->lock);
    int removed = job->removed;
    cimjob__mutex_unlock(&job->lock);
    if (removed)
        return cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_wait: job '%s' was removed",
                            job->instance_id);
    if (cimjob__reg_forked(job->reg, "cimjob_wait"))
        return CIMJOB_RC_NOT_SUPPORTED;
    int64_t deadline = cimjob__reg_deadline(job->reg, timeout_us);
    return cimjob__job_wait_state(job, state_mask, deadline, state);
}
