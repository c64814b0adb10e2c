/*
 * What the work reports about itself: its end (the backend's one upcall), PercentComplete
 * and JobStatus.
 */

#include <string.h>

#include "job_internal.h"
#include "text.h"

cimjob_rc cimjob_backend_report_exit(cimjob_job *job, const cimjob_backend_result *result)
{
    if (!job || !result)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_backend_report_exit: NULL argument");
    if (result->version != 1 && result->version != 2)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_backend_report_exit: unknown result version %u",
                            result->version);
    cimjob__mutex_lock(&job->lock);
    if (job->ended) {
        cimjob__mutex_unlock(&job->lock);
        return cimjob__fail(CIMJOB_RC_INVALID_STATE,
                            "cimjob_backend_report_exit: job '%s' has already ended",
                            job->instance_id);
    }
    cimjob__job_finalize(job, result);
    /* Hold the job until this call returns: once its release is queued, another thread's
     * drain and the removal by DeleteOnKill can drop every other reference (a reporting
     * thread of a user backend read freed memory here: tests/test_threads.c). */
    cimjob_job_ref(job);
    cimjob__mutex_unlock(&job->lock);
    cimjob_registry *reg = job->reg;
    cimjob__reg_queue_release(reg, job);
    cimjob__job_after_end(job);
    if (!cimjob__in_backend)
        cimjob__reg_deliver(reg);
    cimjob_job_release(job);
    return CIMJOB_RC_SUCCESS;
}

cimjob_rc cimjob_set_percent_complete(cimjob_job *job, unsigned int percent)
{
    if (!job)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_set_percent_complete: job is NULL");
    if (percent > 100)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_set_percent_complete: %u is over 100", percent);
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    cimjob__mutex_lock(&job->lock);
    if (job->removed)
        rc = cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_set_percent_complete: job was removed");
    else if (job->ended)
        rc = cimjob__fail(CIMJOB_RC_INVALID_STATE, "cimjob_set_percent_complete: job has ended");
    else if (job->percent != percent) {
        job->percent = percent;
        cimjob__job_touch(job);
        cimjob__reg_indicate(job->reg, job, CIMJOB_EVENT_MODIFICATION,
                             CIMJOB_PROPERTY_PERCENT_COMPLETE, CIMJOB_REMOVAL_NONE);
    }
    cimjob__mutex_unlock(&job->lock);
    if (!cimjob__in_backend)
        cimjob__reg_deliver(job->reg);
    return rc;
}

cimjob_rc cimjob_set_job_status(cimjob_job *job, const char *status)
{
    if (!job || !status)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER, "cimjob_set_job_status: NULL argument");
    if (strlen(status) > CIMJOB_TEXT_MAX)
        return cimjob__fail(CIMJOB_RC_INVALID_PARAMETER,
                            "cimjob_set_job_status: longer than %d bytes", CIMJOB_TEXT_MAX);
    if (!cimjob__utf8_valid(status))
        return cimjob__fail(CIMJOB_RC_INVALID_UTF8, "cimjob_set_job_status: not valid UTF-8");
    cimjob_rc rc = CIMJOB_RC_SUCCESS;
    cimjob__mutex_lock(&job->lock);
    if (job->removed)
        rc = cimjob__fail(CIMJOB_RC_NOT_FOUND, "cimjob_set_job_status: job was removed");
    else {
        cimjob__job_touch(job);
        if (cimjob__job_set_text(&job->job_status, status) != 0)
            rc = cimjob__fail(CIMJOB_RC_NO_MEMORY, "cimjob_set_job_status: out of memory");
        cimjob__reg_indicate(job->reg, job, CIMJOB_EVENT_MODIFICATION, CIMJOB_PROPERTY_JOB_STATUS,
                             CIMJOB_REMOVAL_NONE);
    }
    cimjob__mutex_unlock(&job->lock);
    if (!cimjob__in_backend)
        cimjob__reg_deliver(job->reg);
    return rc;
}
