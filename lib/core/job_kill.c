/*
 * KillJob, and the kill of a live job when its registry is freed.
 */

#include "job_internal.h"

cimjob_rc cimjob_kill_job_ex(cimjob_job *job, int delete_on_kill,
                             const cimjob_request_options *opts)
{
    cimjob_request_options def = CIMJOB_REQUEST_OPTIONS_INIT;
    if (!job)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "KillJob: job is NULL");
    if (!opts)
        opts = &def;
    if (opts->version != CIMJOB_REQUEST_OPTIONS_VERSION)
        return cimjob__fail(CIMJOB_RC_INVALID_VERSION, "KillJob: unknown options version %u",
                            opts->version);
    if (!cimjob__check_request_options(opts, "KillJob"))
        return CIMJOB_RC_INVALID_PARAMETER;
    cimjob__mutex_lock(&job->lock);
    int removed = job->removed;
    cimjob__mutex_unlock(&job->lock);
    if (removed)
        return cimjob__fail(CIMJOB_RC_NOT_FOUND, "KillJob: job '%s' was removed", job->instance_id);
    if (!cimjob__caller_allowed(job, opts->caller))
        return cimjob__fail(CIMJOB_RC_ACCESS_DENIED, "KillJob: '%.200s' may not act on job '%s'",
                            opts->caller, job->instance_id);
    cimjob__request rq = {CIMJOB_REQUEST_KILL,
                          opts->timeout_us,
                          opts->flags & CIMJOB_REQUEST_ASYNC,
                          1,
                          !!delete_on_kill,
                          0};
    int rsc = cimjob__job_request(job, &rq);
    if (rsc != CIMJOB_RSC_COMPLETED && rsc != CIMJOB_RSC_TRANSITION_STARTED)
        cimjob__job_record_request_error(job, "KillJob", CIMJOB_REQUEST_KILL, opts->timeout_us,
                                         rsc);
    cimjob__reg_deliver(job->reg); /* the deletion of DeleteOnKill */
    switch (rsc) {
    case CIMJOB_RSC_COMPLETED:
        return CIMJOB_RC_SUCCESS;
    case CIMJOB_RSC_TRANSITION_STARTED:
        return cimjob__fail(CIMJOB_RC_BUSY, "KillJob: the kill has started");
    case CIMJOB_RSC_TIMEOUT:
        return CIMJOB_RC_TIMEOUT;
    case CIMJOB_RSC_NOT_SUPPORTED:
        return CIMJOB_RC_NOT_SUPPORTED;
    case CIMJOB_RSC_TIMEOUT_NOT_SUPPORTED:
        return cimjob__fail(CIMJOB_RC_NOT_SUPPORTED,
                            "KillJob: the backend cannot honour a kill bound");
    case CIMJOB_RSC_INVALID_STATE_TRANSITION:
        return cimjob__fail(CIMJOB_RC_INVALID_STATE, "KillJob: job '%s' has already ended",
                            job->instance_id);
    case CIMJOB_RSC_BUSY:
        return CIMJOB_RC_BUSY;
    default:
        return CIMJOB_RC_FAILED;
    }
}

cimjob_rc cimjob_kill_job(cimjob_job *job, int delete_on_kill)
{
    return cimjob_kill_job_ex(job, delete_on_kill, NULL);
}

int cimjob__job_kill_for_close(cimjob_job *job)
{
    cimjob__mutex_lock(&job->lock);
    if (job->ended || job->removed) {
        cimjob__mutex_unlock(&job->lock);
        return 0;
    }
    if (job->state == CIMJOB_JOB_STATE_NEW) {
        job->pending = CIMJOB__PENDING_KILL;
        cimjob__job_finalize(job, NULL);
        cimjob__mutex_unlock(&job->lock);
        return 0;
    }
    job->pending = CIMJOB__PENDING_KILL;
    cimjob__mutex_unlock(&job->lock);
    cimjob__job_call_slot(job, job->reg->be->kill);
    cimjob__job_begin_shutdown(job, 1, 0);
    return 1;
}
